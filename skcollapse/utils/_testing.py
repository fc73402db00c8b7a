"""Test utilities of skcollapse: the Monte Carlo acceptance rule.

Every statistical test of skcollapse compares a Monte Carlo estimate with a
closed form through :func:`assert_mc_agrees`, so that the whole suite applies
one rule (within 3 standard errors of the closed form), stated once, below.
"""

# Authors: The skcollapse developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np

__all__ = ["assert_mc_agrees", "mc_threshold", "parametrize_sklearn_checks"]


def mc_threshold(n_se=3.0, family_wise=False, n_compared=1):
    """Number of standard errors each compared value may deviate by.

    Parameters
    ----------
    n_se : float > 0, default=3.0
        Two-sided level of one comparison, in standard errors: 3 gives a
        false-alarm probability ``alpha = 2 (1 - Phi(3)) = 0.27%`` for a
        normal estimate.

    family_wise : {False, "bonferroni"}, default=False
        False: every value is held to ``n_se`` standard errors. "bonferroni":
        the ``n_compared`` values are held jointly to the level ``alpha`` of
        ``n_se``: each to ``Phi^-1(1 - alpha / (2 n_compared))`` standard
        errors (``n_se`` itself for one value).

    n_compared : int >= 1, default=1
        Number of values compared.

    Returns
    -------
    threshold : float
        The per-value threshold, in standard errors.

    Examples
    --------
    >>> from skcollapse.utils._testing import mc_threshold
    >>> mc_threshold(3.0)
    3.0
    >>> round(mc_threshold(3.0, "bonferroni", n_compared=10), 3)
    3.643
    """
    from scipy.stats import norm

    if family_wise is not False and family_wise != "bonferroni":
        raise ValueError(
            f"family_wise must be False or 'bonferroni', got {family_wise!r}."
        )
    if not n_se > 0:
        raise ValueError(f"n_se must be > 0, got {n_se!r}.")
    if family_wise is False or n_compared == 1:
        return float(n_se)
    alpha = 2 * norm.sf(n_se)
    return float(norm.isf(alpha / (2 * n_compared)))


def assert_mc_agrees(
    samples,
    expected,
    *,
    axis=0,
    standard_error=None,
    n_se=3.0,
    family_wise=False,
    rtol=0.0,
    atol=0.0,
):
    """Assert that a Monte Carlo mean agrees with its closed form.

    The rule: for every compared value,

    ``|mean - expected| <= z * se + atol + rtol * |expected|``,

    where ``mean`` is the average of ``samples`` along ``axis``, ``se`` its
    standard error ``std(ddof=1) / sqrt(n)`` (``n`` samples along ``axis``)
    and ``z = n_se`` (3 by default: a 0.27% chance that one value fails by
    chance). With ``family_wise="bonferroni"`` the ``m`` compared values
    (the size of ``mean`` broadcast against ``expected``) are held jointly to
    that same level: with ``alpha = 2 (1 - Phi(n_se))``, each value to ``z =
    Phi^-1(1 - alpha / (2 m))`` standard errors (3.64 for ``m = 10``), so a
    whole vector is no likelier to fail by chance than one number. A NaN
    mean or standard error fails.

    Parameters
    ----------
    samples : array-like
        Independent Monte Carlo draws along ``axis``. With ``standard_error``
        given: the estimates themselves (no averaging).

    expected : array-like or float
        The closed form, broadcast against the mean.

    axis : int, default=0
        Axis of the draws.

    standard_error : array-like or float, default=None
        Known standard errors of the estimates ``samples`` (for instance
        ``sqrt(p (1 - p) / n)`` for a frequency). None: estimated from the
        draws.

    n_se : float > 0, default=3.0
        Two-sided level of one comparison, in standard errors.

    family_wise : {False, "bonferroni"}, default=False
        False: each value is held to ``n_se`` standard errors on its own.
        "bonferroni": all compared values jointly, see above.

    rtol, atol : float or array-like, default=0.0
        Deterministic slack added to the bound, for closed forms that are
        approximations (state why in the test).

    Returns
    -------
    mean : ndarray
        The Monte Carlo mean (the estimates when ``standard_error`` is given).

    se : ndarray
        Its standard error.

    Raises
    ------
    AssertionError
        If a value falls outside its bound; the message gives the means, the
        closed forms, the standard errors and the z-scores.

    Examples
    --------
    >>> import numpy as np
    >>> from skcollapse.utils._testing import assert_mc_agrees
    >>> draws = np.random.default_rng(0).normal(1.0, 2.0, size=(10_000, 3))
    >>> mean, se = assert_mc_agrees(draws, [1.0, 1.0, 1.0], family_wise="bonferroni")
    >>> assert_mc_agrees(draws, 1.1)
    Traceback (most recent call last):
    ...
    AssertionError: Monte Carlo mean disagrees with the closed form ...
    """
    samples = np.asarray(samples, dtype=float)
    if standard_error is None:
        n_draws = samples.shape[axis]
        mean = samples.mean(axis=axis)
        se = samples.std(axis=axis, ddof=1) / np.sqrt(n_draws)
    else:
        mean = samples
        se = np.asarray(standard_error, dtype=float)
    expected = np.asarray(expected, dtype=float)
    mean, expected, se = np.broadcast_arrays(mean, expected, se)
    z = mc_threshold(n_se, family_wise, max(mean.size, 1))
    gap = np.abs(mean - expected)
    bound = z * se + atol + rtol * np.abs(expected)
    if not np.all(gap <= bound):  # NaN fails
        with np.errstate(divide="ignore", invalid="ignore"):
            scores = (mean - expected) / se
        raise AssertionError(
            "Monte Carlo mean disagrees with the closed form beyond "
            f"{z:.3g} standard errors (atol={atol}, rtol={rtol}):\n"
            f"mean     {mean}\nexpected {expected}\nse       {se}\n"
            f"z        {scores}\nfailed   {~(gap <= bound)}"
        )
    return mean, se


def parametrize_sklearn_checks(estimators, expected_failed_checks=None):
    """scikit-learn's ``parametrize_with_checks``, strict where it can be.

    An expected failure that passes is an error: scikit-learn >= 1.7 can say
    so (``xfail_strict=True``); 1.6, the oldest supported release, has no
    such option and runs the same checks non-strictly.

    Parameters
    ----------
    estimators : list of estimators
        The estimators to check.
    expected_failed_checks : callable, default=None
        ``estimator -> {check name: reason}``, as in scikit-learn.

    Returns
    -------
    decorator : callable
        The ``pytest.mark.parametrize`` decorator of the checks.
    """
    import inspect

    from sklearn.utils.estimator_checks import parametrize_with_checks

    strict = "xfail_strict" in inspect.signature(parametrize_with_checks).parameters
    return parametrize_with_checks(
        estimators,
        expected_failed_checks=expected_failed_checks,
        **({"xfail_strict": True} if strict else {}),
    )
