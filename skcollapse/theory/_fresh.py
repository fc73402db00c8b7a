"""Fresh real data every generation, weighted against the synthetic data.

The loop of He, Xu & Cheng (golden-ratio weighting, arXiv:2502.18049) and
of the fresh-data loop of Alemohammad et al.: every generation is fitted on
``n`` newly drawn real rows and ``m`` synthetic rows from the previous
generation, the real rows carrying the share ``w`` of the total weight.
"""

# Authors: The skcollapse developers
# SPDX-License-Identifier: BSD-3-Clause

from numbers import Real

import numpy as np

from .._compat import StrOptions, validate_params
from .._params import RANDOM_STATE, Interval
from ._docstrings import fill_doc_citing
from ._validation import check_array_values, check_finite_ols, check_seed, size

__all__ = ["linear_fresh_data_error", "optimal_real_weight"]

_POSITIVE = Interval(Real, 0, None, closed="neither")
_NON_NEGATIVE = Interval(Real, 0, None, closed="left")

# Default number of Monte Carlo draws of the pair of design matrices of
# `linear_fresh_data_error` (method="exact"), times n_features.
_DRAWS_BUDGET = 40_000


def real_weight_of(n_real, n_synthetic, synthetic_weight):
    """Share ``w = n / (n + s m)`` of the total weight carried by real rows."""
    return n_real / (n_real + synthetic_weight * n_synthetic)


@validate_params(
    {
        "n_real": [Interval(Real, 0, None, closed="neither"), "array-like"],
        "n_synthetic": [Interval(Real, 0, None, closed="neither"), "array-like", None],
        "as_synthetic_weight": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
@fill_doc_citing("he2025")
def optimal_real_weight(n_real, n_synthetic=None, *, as_synthetic_weight=False):
    """Weight of fresh real data that minimises the long-run error.

    Golden-ratio weighting (He, Xu & Cheng [1]_): every generation is fitted
    on ``n = n_real`` fresh real rows and ``m = n_synthetic`` synthetic rows
    from the previous generation, the real rows carrying the share ``w`` of
    the total weight and the synthetic rows ``1 - w``. The error of the
    fitted model settles, over the generations, at a level that depends on
    ``w``; this function returns the ``w`` minimising that level,
    ``w*(k) = (sqrt(k^2 + 4k) - k) / 2`` with ``k = n / m``: the reciprocal
    of the golden ratio, 0.618, when ``n = m``.

    Parameters
    ----------
    n_real : float > 0 or array-like of floats > 0
        Fresh real rows ``n`` per generation.

    n_synthetic : float > 0 or array-like of floats > 0, default=None
        Synthetic rows ``m`` per generation (``synthetic_size`` of the
        meta-estimators). None means ``n_real``.

    as_synthetic_weight : bool, default=False
        If True, return the ``synthetic_weight`` of the meta-estimators
        that gives the real rows the share ``w*``: with real rows of weight 1
        and synthetic rows of weight ``s``, ``w = n / (n + s m)``, so ``s =
        k (1 - w) / w``.

    Returns
    -------
    weight : float or ndarray
        ``w*`` (or ``s*``), of the broadcast shape of ``n_real`` and
        ``n_synthetic`` (a float for scalars).

    See Also
    --------
    gaussian_refit : With ``real_sampling="fresh"``, the error at any weight.
    linear_fresh_data_error : The same loop for least squares.

    Notes
    -----
    For an unbiased estimator whose error is ``v/n`` on ``n`` rows (the
    sample mean of a Gaussian of known covariance, ``v = tr Sigma``; OLS in
    the large-sample limit, ``v = sigma^2 d``), the fitted parameter is
    ``theta_g = w thetahat_real + (1 - w) thetahat_synthetic``, and the
    synthetic estimate is centred on ``theta_{g-1}``, so that

    ``E_g = w^2 v/n + (1 - w)^2 (E_{g-1} + v/m)``

    converges to ``E_inf(w) = (v/n) (w^2 + k (1 - w)^2) / (w (2 - w))``.
    Setting its derivative to zero gives ``w^2 + k w - k = 0``, whose root in
    ``(0, 1)`` is ``w*``; then ``E_inf(w*) = w* v/n``: the optimal loop
    does as well as ``n / w*`` real rows, and the unweighted mix (``w = n /
    (n + m)``, ``synthetic_weight=1``) does worse at every ``k``. Where the
    covariance is estimated too (a Gaussian refit) or the sample is finite
    (OLS), ``w*`` is the optimum to first order; the exact long-run errors
    are :func:`gaussian_refit` (``real_sampling="fresh"``) and
    :func:`linear_fresh_data_error`.

    He, Xu & Cheng index generations from 0 (the fit on real data only), as
    skcollapse does.

    %(references)s

    Examples
    --------
    >>> from skcollapse.theory import optimal_real_weight
    >>> round(optimal_real_weight(100), 4)
    0.618
    >>> optimal_real_weight(100, [50, 100, 200]).round(4).tolist()
    [0.7321, 0.618, 0.5]
    >>> round(optimal_real_weight(100, as_synthetic_weight=True), 4)
    0.618
    """
    caller = "optimal_real_weight"
    n = check_array_values(n_real, "n_real", caller, low=0, low_open=True)
    if n_synthetic is None:
        m = n
    else:
        m = check_array_values(n_synthetic, "n_synthetic", caller, low=0, low_open=True)
    k = n / m
    weight = (np.sqrt(k * k + 4 * k) - k) / 2
    if as_synthetic_weight:
        weight = k * (1 - weight) / weight
    return float(weight) if np.ndim(weight) == 0 else weight


def _fresh_gaussian_moments(
    n_generations,
    *,
    n_real,
    n_fresh,
    n_synthetic,
    variance,
    temperature,
    ddof,
    synthetic_weight,
):
    """``gaussian_refit`` moments when every generation draws fresh real rows.

    Generation 0 is fitted on ``n_real`` real rows; generation ``g >= 1`` on
    ``n_fresh`` new real rows (weight 1) and ``n_synthetic`` rows of
    ``N(mu_{g-1}, temperature Sigma_{g-1})`` (weight ``synthetic_weight``).
    """
    n, nf, m, tau = n_real, n_fresh, n_synthetic, float(variance)
    lam, s, delta = float(temperature), float(synthetic_weight), float(ddof)
    w = real_weight_of(nf, m, s)
    size_ = n_generations + 1
    error = np.empty(size_)  # E||mu_g - mu||^2
    total_variance = np.empty(size_)
    error[0] = tau / n
    total_variance[0] = (n - 1) / (n - delta) * tau
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        for g in range(1, size_):
            v = lam * total_variance[g - 1]
            # E||bbar - mu||^2, bbar the synthetic mean: its spread around
            # mu_{g-1} plus mu_{g-1}'s error; the fresh mean is independent.
            synthetic = error[g - 1] + v / m
            error[g] = w * w * tau / nf + (1 - w) ** 2 * synthetic
            ss = (
                (nf - 1) * tau + s * (m - 1) * v + nf * (1 - w) * (tau / nf + synthetic)
            )
            total_variance[g] = ss / (nf + s * m - delta)
        # E<mu_g - mu, mu_0 - mu> = (1 - w)^g tr Sigma / n: only the chain of
        # synthetic means remembers generation 0.
        covariance = (1 - w) ** np.arange(size_) * tau / n
        shift = np.maximum(error - 2 * covariance + tau / n, 0.0)
    shift[0] = 0.0
    return {
        "generation": np.arange(size_),
        "mean_error": error,
        "mean_shift": shift,
        "total_variance": total_variance,
    }


def _design_constants(n_real, n_synthetic, n_features, s, var, var0, n_draws, seed):
    """Monte Carlo of ``c1 = E tr(M'M)/d`` and ``c2 = E tr(A^-1 B A^-1)``.

    ``A = Xr'Xr + s Xs'Xs``, ``M = s A^-1 Xs'Xs``, ``B = var Xr'Xr + var0 s^2
    Xs'Xs``, with independent standard Gaussian ``Xr`` (n_real rows) and
    ``Xs`` (n_synthetic rows). Only the Gram matrices enter: they are drawn
    as Wishart matrices through their Bartlett factors.
    """
    d = n_features
    rng = np.random.RandomState(seed)
    c1 = c2 = 0.0
    chunk = max(1, 200_000 // (d * d))
    done = 0
    while done < n_draws:
        k = min(chunk, n_draws - done)
        gram_r = _wishart(n_real, d, k, rng)
        gram_s = _wishart(n_synthetic, d, k, rng)
        a = gram_r + s * gram_s
        solved = np.linalg.solve(a, s * gram_s)  # M
        c1 += np.einsum("kij,kij->", solved, solved) / d
        a_inv = np.linalg.inv(a)
        b = var * gram_r + var0 * s * s * gram_s
        c2 += np.einsum("kij,kjl,kli->", a_inv, b, a_inv)
        done += k
    return c1 / n_draws, c2 / n_draws


def _wishart(n_rows, d, n_draws, rng):
    """``n_draws`` Gram matrices X'X of (n_rows, d) standard Gaussian X."""
    if n_rows < d:
        X = rng.standard_normal((n_draws, n_rows, d))
        return np.einsum("kri,krj->kij", X, X)
    # Bartlett: X'X = L L', L lower triangular, L_ii^2 ~ chi2(n - i), L_ij ~ N(0, 1)
    factor = np.zeros((n_draws, d, d))
    rows, cols = np.tril_indices(d, -1)
    factor[:, rows, cols] = rng.standard_normal((n_draws, rows.size))
    index = np.arange(d)
    factor[:, index, index] = np.sqrt(rng.chisquare(n_rows - index, size=(n_draws, d)))
    return factor @ np.swapaxes(factor, 1, 2)


@validate_params(
    {
        "n_generations": [size(0)],
        "n_features": [size(1)],
        "n_real": [size(1)],
        "n_synthetic": [size(1), None],
        "synthetic_weight": [_POSITIVE],
        "noise": [_NON_NEGATIVE],
        "synthetic_noise": [_NON_NEGATIVE, None],
        "method": [StrOptions({"exact", "asymptotic"})],
        "n_draws": [size(1), None],
        "random_state": RANDOM_STATE,
    },
    prefer_skip_nested_validation=True,
)
@fill_doc_citing("he2025")
def linear_fresh_data_error(
    n_generations,
    *,
    n_features,
    n_real,
    n_synthetic=None,
    synthetic_weight=1.0,
    noise=1.0,
    synthetic_noise=None,
    method="exact",
    n_draws=None,
    random_state=0,
):
    """Excess risk of least squares retrained on fresh real and synthetic rows.

    Generation 0 is OLS on ``n_real`` real rows ``y = x'w* + N(0, noise^2)``.
    Generation ``g >= 1`` is weighted least squares on ``n_real`` fresh real
    rows (weight 1) and ``n_synthetic`` synthetic rows (weight
    ``synthetic_weight``) whose inputs are fresh Gaussian draws and whose
    labels are generation ``g - 1``'s predictions plus ``N(0,
    synthetic_noise^2)``: the fresh-data loop of He, Xu & Cheng [1]_ for
    linear regression. Returns ``E||w_g - w*||^2_Sigma`` (the test point's
    own noise excluded), the ``truth_excess_risk`` of
    :class:`~skcollapse.datasets.LinearSource`.

    Parameters
    ----------
    %(n_generations)s

    %(n_features)s

    n_real : int >= 1
        Real rows ``n`` of generation 0 and fresh real rows of every later
        generation (``real_fraction=1`` of the meta-estimators); at least
        ``n_features + 2``.

    n_synthetic : int >= 1, default=None
        Synthetic rows ``m`` per generation (``synthetic_size``). None means
        ``n_real``.

    synthetic_weight : float > 0, default=1.0
        Weight ``s`` of a synthetic row relative to a real one, as in the
        meta-estimators: the real rows carry the share ``w = n / (n + s m)``
        of the total weight (:func:`optimal_real_weight` gives the best
        ``s``).

    noise : float >= 0, default=1.0
        Standard deviation ``sigma`` of the real label noise.

    synthetic_noise : float >= 0, default=None
        Standard deviation ``sigma0`` of the noise added to synthetic labels
        (``label_noise`` as a float). None means ``noise``.

    method : {"exact", "asymptotic"}, default="exact"
        ``"exact"``: the exact recursion, its two constants (expectations
        over the pair of Gaussian design matrices) by Monte Carlo.
        ``"asymptotic"``: their large-sample values, the formula of [1]_.

    n_draws : int >= 1, default=None
        Monte Carlo draws of the design matrices for ``method="exact"``.
        None uses ``max(1000, 40000 / n_features)``.

    random_state : int, RandomState instance or None, default=0
        Seed of that Monte Carlo. An int makes the function deterministic.

    Returns
    -------
    error : ndarray of shape (n_generations + 1,)
        Expected excess risk of generations ``0 .. n_generations``.

    See Also
    --------
    optimal_real_weight : The weight minimising the long-run risk.
    linear_regression_error : The loops that keep or drop a fixed real set.

    Notes
    -----
    With ``e_g = w_g - w*``, ``A = Xr'Xr + s Xs'Xs`` and ``M = s A^-1
    Xs'Xs``, weighted least squares gives ``e_g = M e_{g-1} + A^-1 (Xr'eps
    + s Xs'eps')``. The new designs are independent of ``e_{g-1}``, whose
    distribution is rotation invariant (isotropic inputs; OLS is affine
    equivariant, so the risk is the same for any input covariance), hence
    the exact recursion

    ``E_g = c1 E_{g-1} + c2``, ``c1 = E tr(M'M) / d``, ``c2 = E tr(A^-1
    (sigma^2 Xr'Xr + sigma0^2 s^2 Xs'Xs) A^-1)``,

    from ``E_0 = sigma^2 d / (n - d - 1)``; it converges to ``c2 / (1 -
    c1)``. As ``n, m`` grow at fixed ``d``, ``A / (n + s m) -> I``: ``c1 ->
    (1 - w)^2`` and ``c2 -> d (w^2 sigma^2 / n + (1 - w)^2 sigma0^2 / m)``
    (``method="asymptotic"``), the recursion of [1]_, whose limit is
    minimised by ``w*(n/m)`` when ``sigma0 = sigma``. At finite sizes the
    asymptotic constants miss by ``O(d/n)``: for ``d = 5``, ``n = m = 50``
    at ``w = 0.618`` the exact limit is 0.0669 against 0.0618 for the
    asymptotic one, and the heuristic ``((1-w)^2 + w^2) / (w(2-w)) d/(n-d-1)``
    gives 0.0702.

    Through :class:`~skcollapse.RecursiveRetrainer` this is
    ``RecursiveRetrainer(LinearRegression(fit_intercept=False),
    real_sampling="fresh", real_source=LinearSource(coef, noise=sigma),
    real_fraction=1.0, synthetic_weight=s, label_noise=sigma0, inputs=f)``
    with ``f(n_samples, random_state)`` drawing fresh ``N(0, I)`` inputs.
    With ``inputs="reuse"`` the synthetic rows keep generation 0's inputs
    in every generation, which correlates the generations: not this formula.

    %(references)s

    Examples
    --------
    >>> from skcollapse.theory import linear_fresh_data_error, optimal_real_weight
    >>> s = optimal_real_weight(50, as_synthetic_weight=True)
    >>> error = linear_fresh_data_error(30, n_features=5, n_real=50,
    ...                                 synthetic_weight=s)
    >>> round(float(error[0]), 4), round(float(error[-1]), 3)
    (0.1136, 0.067)
    >>> error = linear_fresh_data_error(200, n_features=5, n_real=50,
    ...                                 synthetic_weight=s, method="asymptotic")
    >>> round(float(error[-1]), 4)  # w* d / n
    0.0618
    """
    d, n = n_features, n_real
    m = n if n_synthetic is None else n_synthetic
    s = float(synthetic_weight)
    sigma = float(noise)
    sigma0 = sigma if synthetic_noise is None else float(synthetic_noise)
    check_finite_ols(n, d, sigma, "n_real", "noise")
    if n < d:
        raise ValueError(
            f"n_real={n} is below n_features={d}: generation 0 would be a "
            "minimum-norm fit, which this formula does not cover. Use n_real "
            f">= n_features + 2 = {d + 2}."
        )
    var, var0 = sigma**2, sigma0**2
    w = real_weight_of(n, m, s)
    if method == "asymptotic":
        c1 = (1 - w) ** 2
        c2 = d * (w * w * var / n + (1 - w) ** 2 * var0 / m)
    else:
        if n_draws is None:
            n_draws = max(1000, -(-_DRAWS_BUDGET // d))
        c1, c2 = _design_constants(
            n, m, d, s, var, var0, n_draws, check_seed(random_state)
        )
    error = np.empty(n_generations + 1)
    error[0] = 0.0 if var == 0 else var * d / (n - d - 1)
    for g in range(1, n_generations + 1):
        error[g] = c1 * error[g - 1] + c2
    return error
