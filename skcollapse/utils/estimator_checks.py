"""Checks of skcollapse's own contract, beside scikit-learn's estimator checks.

scikit-learn's ``parametrize_with_checks`` tests that a meta-estimator behaves
like an estimator. These checks test what makes it a *recursive* one: the
trajectory, the provenance of the rows and the generations line up, and the
same seed gives the same fit. Run them on any configuration of
:class:`~skcollapse.RecursiveRetrainer` or
:class:`~skcollapse.RecursiveDensityRetrainer`, for example on a new base
estimator before a long Monte Carlo study.
"""

import numpy as np
from sklearn.base import clone

from .._docstrings import Substitution

__all__ = ["check_recursive_estimator", "check_reproducible", "check_trajectory"]

ALWAYS = ("generation", "n_train", "n_real", "n_synthetic", "n_rejected")

# The parameters of the checks that fit the estimator themselves.
_FIT_PARAMETERS = """\
estimator : RecursiveRetrainer or RecursiveDensityRetrainer
    An unfitted meta-estimator; it is cloned.
X, y : array-like
    Data to fit."""


def _fit_seeded(estimator, X, y):
    """A clone of ``estimator`` fitted on ``(X, y)`` with ``random_state=0``."""
    return clone(estimator).set_params(random_state=0).fit(X, y)


def check_trajectory(estimator):
    """Check the fitted attributes of a recursive meta-estimator agree.

    Parameters
    ----------
    estimator : RecursiveRetrainer or RecursiveDensityRetrainer
        A fitted meta-estimator.

    Raises
    ------
    AssertionError
        Naming the first attribute that breaks the contract.

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from sklearn.linear_model import Ridge
    >>> from skcollapse import RecursiveRetrainer
    >>> from skcollapse.utils.estimator_checks import check_trajectory
    >>> X, y = load_diabetes(return_X_y=True)
    >>> check_trajectory(RecursiveRetrainer(Ridge(), n_generations=3).fit(X, y))
    """
    name = type(estimator).__name__
    trajectory = estimator.trajectory_
    n = estimator.n_generations_ + 1
    assert isinstance(trajectory, dict), f"{name}.trajectory_ is not a dict"
    for key in ALWAYS:
        assert key in trajectory, f"{name}.trajectory_ has no {key!r}"
    for key, values in trajectory.items():
        assert isinstance(values, np.ndarray) and values.shape == (n,), (
            f"{name}.trajectory_[{key!r}] has shape "
            f"{getattr(values, 'shape', None)}, expected ({n},)"
        )
    np.testing.assert_array_equal(
        trajectory["generation"], np.arange(n), err_msg=f"{name}: generations"
    )
    np.testing.assert_array_equal(
        trajectory["n_train"],
        trajectory["n_real"] + trajectory["n_synthetic"],
        err_msg=f"{name}: n_train != n_real + n_synthetic",
    )
    assert trajectory["n_synthetic"][0] == 0, f"{name}: generation 0 is not real"
    assert estimator.termination_condition_ in ("max_generations", "degenerate")
    if estimator.termination_condition_ == "max_generations":
        assert estimator.n_generations_ == estimator.n_generations, (
            f"{name}: stopped at generation {estimator.n_generations_} without "
            "a degenerate termination"
        )
    assert len(estimator.estimators_) == n, f"{name}: one estimator per generation"
    assert estimator.estimator_ is estimator.estimators_[-1]
    if estimator.store_estimators:
        assert all(e is not None for e in estimator.estimators_)
    provenance = estimator.sample_generation_
    assert provenance.shape == (trajectory["n_train"][-1],), (
        f"{name}.sample_generation_ has {provenance.shape[0]} rows, the last "
        f"training set {trajectory['n_train'][-1]}"
    )
    assert np.sum(provenance == 0) == trajectory["n_real"][-1]
    assert provenance.min(initial=0) >= 0 and provenance.max(initial=0) < n
    collapse = estimator.collapse_generation_
    assert collapse is None or 1 <= collapse < n, f"{name}: collapse_generation_"


@Substitution(fit_parameters=_FIT_PARAMETERS)
def check_reproducible(estimator, X, y=None):
    """Check that the same integer seed gives the same trajectory bit for bit.

    Parameters
    ----------
    %(fit_parameters)s

    Raises
    ------
    AssertionError
        When two fits with the same seed differ.
    """
    first, second = (_fit_seeded(estimator, X, y) for _ in range(2))
    assert first.trajectory_.keys() == second.trajectory_.keys()
    for key, values in first.trajectory_.items():
        np.testing.assert_array_equal(
            values, second.trajectory_[key], err_msg=f"trajectory_[{key!r}]"
        )
    np.testing.assert_array_equal(first.sample_generation_, second.sample_generation_)


@Substitution(fit_parameters=_FIT_PARAMETERS)
def check_recursive_estimator(estimator, X, y=None):
    """Fit ``estimator`` and run every skcollapse contract check on it.

    Parameters
    ----------
    %(fit_parameters)s

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skcollapse import RecursiveRetrainer
    >>> from skcollapse.utils.estimator_checks import check_recursive_estimator
    >>> X, y = load_iris(return_X_y=True)
    >>> est = RecursiveRetrainer(LogisticRegression(max_iter=500), n_generations=2)
    >>> check_recursive_estimator(est, X, y)
    """
    check_trajectory(_fit_seeded(estimator, X, y))
    check_reproducible(estimator, X, y)
