"""Test-suite settings shared by every test module, and shared helpers.

The plain functions below are imported by the test modules (``from conftest
import ...``): data generators that several modules draw the same way.
"""

import os
import re

import numpy as np
import pytest
from sklearn.linear_model import LinearRegression
from threadpoolctl import threadpool_limits

from skcollapse.generative import GaussianDensity

# Plots are drawn off-screen.
os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture(autouse=True, scope="session")
def _one_blas_thread():
    """One BLAS thread per test process.

    pytest-xdist runs one process per core; letting each of them start a BLAS
    thread per core oversubscribes the machine, and small least-squares solves
    then take a hundred times longer.
    """
    with threadpool_limits(limits=1):
        yield


# The seed of NumPy's legacy global random state at the start of every test.
# A test that leaves ``random_state=None`` draws from that state, and under
# pytest-xdist which tests ran before it in the same process is a matter of
# scheduling: without a reset, such a test sees another state on every run.
# Set SKCOLLAPSE_TEST_GLOBAL_SEED to run the suite from another state (a test
# that fails then depends on a lucky draw and wants a seed of its own).
GLOBAL_SEED = int(os.environ.get("SKCOLLAPSE_TEST_GLOBAL_SEED", "0"))


@pytest.fixture(autouse=True)
def _seeded_global_random_state():
    """Every test starts from the same legacy global NumPy random state."""
    np.random.seed(GLOBAL_SEED)


def gaussian_inputs(n_samples, random_state, n_features):
    """Fresh isotropic Gaussian inputs: ``inputs=`` of the fresh design.

    Bind ``n_features`` with :func:`functools.partial` to get the callable
    ``inputs(n_samples, random_state)`` of the meta-estimators.
    """
    return np.random.default_rng(random_state).standard_normal((n_samples, n_features))


def linear_data(
    n_samples, n_features, noise, coef_norm, *, random_state, intercept=0.0
):
    """Isotropic Gaussian rows ``X``, labels ``intercept + X w + N(0, noise^2)``.

    ``w`` is a standard Gaussian vector rescaled to norm ``coef_norm``.
    ``random_state`` is a seed or a ``numpy.random.Generator`` (used in
    place, so that repeats can draw from one stream). Returns ``X, y, w``.
    """
    rng = np.random.default_rng(random_state)
    X = rng.standard_normal((n_samples, n_features))
    coef = rng.standard_normal(n_features)
    coef *= coef_norm / np.linalg.norm(coef)
    y = intercept + X @ coef + noise * rng.standard_normal(n_samples)
    return X, y, coef


def regression_data_of(n_samples, n_features, noise):
    """``make_regression`` data of a given size, seeded 0: the fixtures' data."""
    from sklearn.datasets import make_regression

    return make_regression(
        n_samples=n_samples, n_features=n_features, noise=noise, random_state=0
    )


# scikit-learn's checks that fit on several columns of floats: CategoricalDensity
# (and a density loop around it) models one column of integer tokens, so these
# fail for it with the right ValueError (tests/test_generative.py and
# tests/test_density.py add the checks particular to each).
SINGLE_COLUMN_REASON = (
    "CategoricalDensity needs X of shape (n_samples, 1) holding integer tokens; "
    "this check fits it on several columns and rightly gets a ValueError"
)
CHECKS_NEEDING_SEVERAL_COLUMNS = [
    "check_dict_unchanged",
    "check_dont_overwrite_parameters",
    "check_dtype_object",
    "check_estimators_dtypes",
    "check_estimators_fit_returns_self",
    "check_estimators_nan_inf",
    "check_estimators_overwrite_params",
    "check_estimators_pickle",
    "check_f_contiguous_array_estimator",
    "check_fit2d_predict1d",
    "check_fit_check_is_fitted",
    "check_fit_idempotent",
    "check_fit_score_takes_y",
    "check_methods_sample_order_invariance",
    "check_methods_subset_invariance",
    "check_n_features_in",
    "check_n_features_in_after_fitting",
    "check_pipeline_consistency",
    "check_positive_only_tag_during_fit",
    "check_readonly_memmap_input",
    "check_sample_weight_equivalence_on_dense_data",
    "check_sample_weights_list",
    "check_sample_weights_not_an_array",
    "check_sample_weights_not_overwritten",
    "check_sample_weights_pandas_series",
    "check_sample_weights_shape",
]


def run_python_script(script, cwd, *, timeout, args=()):
    """Run ``python script *args`` as a user would (off-screen plots, one BLAS
    thread); return the completed process."""
    import subprocess
    import sys

    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "MPLBACKEND": "Agg"}
    return subprocess.run(
        [sys.executable, str(script), *map(str, args)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def reused_inputs_ols(n_generations, data, label_noise):
    """The loop of Gerstgrasser et al.: OLS without intercept refitted on its
    own labels (the real inputs reused, Gaussian label noise ``label_noise``)
    under the data regime ``data``, the setting of
    :func:`skcollapse.theory.linear_regression_error` with ``design="fixed"``.
    """
    from skcollapse import RecursiveRetrainer

    return RecursiveRetrainer(
        LinearRegression(fit_intercept=False),
        n_generations=n_generations,
        data=data,
        inputs="reuse",
        label_noise=label_noise,
    )


class RecordingRegression(LinearRegression):
    """A linear regression that keeps the rows (and weights) it was fitted on."""

    def fit(self, X, y, sample_weight=None):
        self.X_seen_, self.y_seen_ = np.array(X), np.array(y)
        self.weight_seen_ = None if sample_weight is None else np.array(sample_weight)
        return super().fit(X, y, sample_weight=sample_weight)


class RecordingGaussian(GaussianDensity):
    """A GaussianDensity that keeps the rows it was fitted on."""

    def fit(self, X, y=None, sample_weight=None):
        self.X_seen_ = np.array(X)
        return super().fit(X, y, sample_weight=sample_weight)


def record_problems(monkeypatch):
    """The problems the meta-estimators' fits hand to the generation loop,
    appended to the returned list as each fit starts (the loop then runs as
    usual): what a test reads of a problem's set-up."""
    import skcollapse._base

    seen = []
    loop = skcollapse._base.run_generations

    def recording(owner, problem, seeds):
        seen.append(problem)
        return loop(owner, problem, seeds)

    monkeypatch.setattr(skcollapse._base, "run_generations", recording)
    return seen


def assert_same_across_chunks(reference, other, key):
    """The batched engine's identity across n_jobs and chunks: bit for bit,
    with numpy 1.x (the floor CI tests) as with numpy 2."""
    np.testing.assert_array_equal(reference, other, key)


def whole(message):
    """A ``match`` pattern (of ``pytest.raises``/``warns``) for exactly ``message``."""
    return f"^{re.escape(message)}$"


class Returns:
    """A duck-typed density whose ``sample(n)`` returns ``make(n)``.

    No ``random_state`` anywhere, and no ``n_features_in_`` unless
    ``n_features`` is given: what a sampler sees of a third-party model.
    """

    def __init__(self, make=None, n_features=None):
        self.make = make
        self.n_features = n_features

    def get_params(self, deep=True):
        return {"make": self.make, "n_features": self.n_features}

    def set_params(self, **params):
        return self

    def fit(self, X, y=None):
        if self.n_features is not None:
            self.n_features_in_ = self.n_features
        return self

    def score_samples(self, X):
        return np.zeros(len(X))

    def sample(self, n_samples=1):
        return self.make(n_samples)
