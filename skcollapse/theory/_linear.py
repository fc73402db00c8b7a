"""Linear regression: ridge, OLS and min-norm fits; strong collapse."""

# Authors: The skcollapse developers
# SPDX-License-Identifier: BSD-3-Clause

from functools import lru_cache
from numbers import Real

import numpy as np
from scipy.linalg import eigvalsh_tridiagonal
from scipy.optimize import minimize_scalar

from .._compat import StrOptions, validate_params
from .._params import RANDOM_STATE, Interval
from ._docstrings import fill_doc_citing
from ._validation import check_array_values, check_finite_ols, check_seed, size

__all__ = ["linear_regression_error", "optimal_ridge_penalty", "strong_collapse_error"]

# Default n_draws * min(n_rows, n_features) of the Monte Carlo over Wishart
# spectra (see `_wishart_eigenvalues`): the relative standard error of a
# linear spectral statistic decreases as 1 / (n_eigenvalues * sqrt(n_draws)).
_DRAWS_BUDGET = 50_000

# Constraints shared by the linear functions.
_NON_NEGATIVE = Interval(Real, 0, None, closed="left")

# Parameters of the functions over a chain of linear fits, checked alike.
_CHAIN_CONSTRAINTS = {
    "n_generations": [size(0)],
    "n_features": [size(1)],
    "n_real": [size(1)],
    "noise": [_NON_NEGATIVE],
    "n_synthetic": [size(1), None],
    "synthetic_noise": [_NON_NEGATIVE, None],
    "n_draws": [size(1), None],
    "random_state": RANDOM_STATE,
}


# ---------------------------------------------------------------------------
# Wishart spectra (linear regression with ridge or min-norm fits)
# ---------------------------------------------------------------------------


def _draw_wishart_eigenvalues(n_rows, n_features, n_draws, rng):
    """Eigenvalues of X'X, X an (n_rows, n_features) standard Gaussian matrix.

    Uses the bidiagonal model of Dumitriu & Edelman (2002): the k = min(n_rows,
    n_features) nonzero eigenvalues of X'X are those of B B' with B lower
    bidiagonal, diagonal (chi_N, chi_{N-1}, ..., chi_{N-k+1}) and subdiagonal
    (chi_{k-1}, ..., chi_1), N = max(n_rows, n_features). Each draw costs
    O(k^2). Returns an array of shape (n_draws, k); the other n_features - k
    eigenvalues of X'X are zero.
    """
    big, k = max(n_rows, n_features), min(n_rows, n_features)
    eigenvalues = np.zeros((n_draws, k))
    a = np.sqrt(rng.chisquare(big - np.arange(k), size=(n_draws, k)))
    b = np.sqrt(rng.chisquare(np.arange(k - 1, 0, -1), size=(n_draws, k - 1)))
    diagonal = a**2
    diagonal[:, 1:] += b**2
    off_diagonal = a[:, :-1] * b
    if k <= 32:
        # small spectra: one batched dense call is faster than a Python loop
        tridiagonal = np.zeros((n_draws, k, k))
        index = np.arange(k)
        tridiagonal[:, index, index] = diagonal
        tridiagonal[:, index[1:], index[:-1]] = off_diagonal  # lower part
        return np.linalg.eigvalsh(tridiagonal)
    for draw in range(n_draws):
        eigenvalues[draw] = eigvalsh_tridiagonal(diagonal[draw], off_diagonal[draw])
    return eigenvalues


@lru_cache(maxsize=64)
def _cached_wishart_eigenvalues(n_rows, n_features, n_draws, seed):
    rng = np.random.RandomState(seed)
    eigenvalues = _draw_wishart_eigenvalues(n_rows, n_features, n_draws, rng)
    eigenvalues.flags.writeable = False
    return eigenvalues


def _wishart_eigenvalues(n_rows, n_features, n_draws, seed):
    """Seeded draws of the nonzero spectrum of X'X, shape (n_draws, k)."""
    if n_draws is None:
        n_draws = max(20, -(-_DRAWS_BUDGET // min(n_rows, n_features)))
    return _cached_wishart_eigenvalues(n_rows, n_features, n_draws, seed)


def _ridge_moments(n_rows, n_features, alpha, n_draws, random_state):
    """Spectral moments of a ridge fit on (n_rows, n_features) Gaussian inputs.

    With G = X'X, A = G + alpha I and R = A^-1 G (Sigma = I), returns
    ``m1 = E tr(R) / d``, ``m2 = E tr(R^2) / d`` and
    ``m3 = E tr(A^-1 G A^-1)`` (the label-noise variance factor). For
    ``alpha = 0`` (OLS, or the min-norm interpolator when n_rows < n_features)
    they are exact: (1, 1, d / (N - d - 1)) for N >= d + 2 and
    (N / d, N / d, N / (d - N - 1)) for N <= d - 2; m3 is infinite otherwise.
    For ``alpha > 0`` they are Monte Carlo averages over exact Wishart spectra;
    a 1-D array of positive alphas gives three arrays.
    """
    d, n = n_features, n_rows
    if np.ndim(alpha) == 0 and alpha == 0:
        kept = min(n, d) / d
        if n >= d + 2:
            return 1.0, 1.0, d / (n - d - 1)
        if n <= d - 2:
            return kept, kept, n / (d - n - 1)
        return kept, kept, np.inf
    s = _wishart_eigenvalues(n, d, n_draws, random_state)
    alphas = np.reshape(alpha, -1)
    chunk = max(1, 2_000_000 // s.size)  # bound the (n_draws, d, chunk) arrays
    moments = []
    for start in range(0, alphas.size, chunk):
        shrink = s[:, :, None] + alphas[start : start + chunk]
        r = s[:, :, None] / shrink
        statistics = np.concatenate(
            [
                r.sum(axis=1) / d,
                (r**2).sum(axis=1) / d,
                (s[:, :, None] / shrink**2).sum(axis=1),
            ],
            axis=1,
        )
        moments.append(np.split(_spectral_mean(statistics, s, n, d), 3))
    m1, m2, m3 = (np.concatenate(parts) for parts in zip(*moments))
    if np.ndim(alpha) == 0:
        return m1[0], m2[0], m3[0]
    return m1, m2, m3


def _spectral_mean(statistic, eigenvalues, n_rows, n_features):
    """Monte Carlo mean of spectral statistics, with control variates.

    `statistic` has one row per draw of `eigenvalues` (the k nonzero
    eigenvalues of X'X, X of shape (n_rows, d)), shape (n_draws,) or
    (n_draws, m). The controls
    have known expectations: ``tr X'X`` (``n_rows d``) and, when its variance
    is finite (``|n_rows - d| >= 4``), the trace of the pseudo-inverse,
    ``d/(N-d-1)`` or ``N/(d-N-1)``. The second one makes the ridge moments
    exact in the OLS / min-norm limit.
    """
    n_draws, k = eigenvalues.shape
    controls = [eigenvalues.sum(axis=1)]
    expectations = [n_rows * n_features]
    if abs(n_rows - n_features) >= 4:
        controls.append((1 / eigenvalues).sum(axis=1))
        expectations.append(k / (abs(n_rows - n_features) - 1))
    mean = statistic.mean(axis=0)
    if n_draws <= len(controls) + 1:
        return mean
    controls = np.column_stack(controls)
    centred = controls - controls.mean(axis=0)
    scale = centred.std(axis=0)
    scale[scale == 0] = 1.0
    coef = np.linalg.lstsq(centred / scale, statistic - mean, rcond=None)[0]
    return mean - ((controls.mean(axis=0) - expectations) / scale) @ coef


def _chain_arguments(n_real, noise, n_synthetic, synthetic_noise, coef_norm, seed):
    """The arguments of `_CHAIN_CONSTRAINTS` with their defaults resolved.

    Returns ``n_synthetic`` (None: ``n_real``), ``sigma`` and ``sigma0``
    (None: ``sigma``) as floats, ``||w*||^2`` and an int seed.
    """
    n_synthetic = n_real if n_synthetic is None else n_synthetic
    sigma = float(noise)
    sigma0 = sigma if synthetic_noise is None else float(synthetic_noise)
    return n_synthetic, sigma, sigma0, float(coef_norm) ** 2, check_seed(seed)


def _noise_term(variance, factor):
    """variance * factor, with 0 * inf = 0 (a noise-free fit is never hurt)."""
    return 0.0 if variance == 0 else variance * factor


# ---------------------------------------------------------------------------
# Linear regression
# ---------------------------------------------------------------------------


@validate_params(
    {
        **_CHAIN_CONSTRAINTS,
        "data": [StrOptions({"replace", "accumulate"})],
        "design": [StrOptions({"fixed", "fresh"})],
        "ridge": [_NON_NEGATIVE],
        "synthetic_ridge": [_NON_NEGATIVE, None],
        "coef_norm": [_NON_NEGATIVE],
    },
    prefer_skip_nested_validation=True,
)
@fill_doc_citing("gerstgrasser2024", "dohmatob2024regression", "dumitriu2002")
def linear_regression_error(
    n_generations,
    *,
    n_features,
    n_real,
    noise=1.0,
    data="replace",
    design="fixed",
    n_synthetic=None,
    synthetic_noise=None,
    ridge=0.0,
    synthetic_ridge=None,
    coef_norm=1.0,
    n_draws=None,
    random_state=0,
):
    """Expected excess risk of a linear model retrained on its own labels.

    Returns ``E ||w_g - w*||^2_Sigma`` (label noise of the test point
    excluded) for generations ``g = 0 .. n_generations``: generation 0 is
    fitted on ``n_real`` real rows ``y = X w* + N(0, noise^2)``, and
    generation ``g`` on inputs labelled by generation ``g - 1`` plus
    ``N(0, synthetic_noise^2)``.

    Parameters
    ----------
    %(n_generations)s

    %(n_features)s

    n_real : int >= 1
        Real rows ``T`` of generation 0 (for ``design="fresh",
        data="replace"``, also the rows of the evaluated fit of every
        generation, see Notes).

    noise : float >= 0, default=1.0
        Standard deviation ``sigma`` of the label noise of the real data.

    data : {"replace", "accumulate"}, default="replace"
        ``"replace"``: generation ``g`` is fitted on the synthetic data of
        generation ``g`` only. ``"accumulate"``: on the real data and every
        synthetic data set so far, stacked (Gerstgrasser et al.).

    design : {"fixed", "fresh"}, default="fixed"
        ``"fixed"``: every generation relabels the same real inputs ``X``
        (Gerstgrasser et al.; ``inputs="reuse"`` of
        :class:`~skcollapse.RecursiveRetrainer`). ``"fresh"``: every
        generation draws new Gaussian inputs (Dohmatob, Feng & Kempe).

    n_synthetic : int >= 1, default=None
        Synthetic rows ``T0`` per generation (``synthetic_size`` of the
        meta-estimators). None means ``n_real``, the only value of
        ``design="fixed"``, where every generation relabels the ``n_real``
        real inputs.

    synthetic_noise : float >= 0, default=None
        Standard deviation ``sigma0`` of the noise added to synthetic labels.
        None means ``noise``.

    ridge : float >= 0, default=0.0
        Ridge penalty ``lambda`` of the evaluated fits in the convention of
        the papers, ``argmin (1/T)||Xw - y||^2 + lambda ||w||^2``, i.e.
        ``Ridge(alpha=T * lambda, fit_intercept=False)`` on ``T`` rows. 0 is
        ordinary least squares, or the minimum-norm interpolator when a fit
        has fewer rows than features (``LinearRegression``). Under
        ``data="accumulate"`` the penalty stays ``alpha = n_real * ridge``
        while the training set grows, as a fixed scikit-learn ``Ridge`` does.

    synthetic_ridge : float >= 0, default=None
        Penalty of the fits that produce the synthetic labels, for
        ``design="fresh", data="replace"`` (None means ``ridge``, every
        generation being the same estimator). Dohmatob et al. use
        ``synthetic_ridge=0`` with a ridge final fit. Otherwise it must be
        None or equal to ``ridge``.

    coef_norm : float >= 0, default=1.0
        ``||w*||``, the Euclidean norm of the true coefficients. Only the
        ridge and min-norm cases depend on it.

    n_draws : int >= 1, default=None
        Monte Carlo draws of the Wishart spectrum for the ridge cases (see
        Notes). None uses ``max(20, 50000 / min(T, d))`` draws.

    random_state : int, RandomState instance or None, default=0
        Seed of the Monte Carlo over Wishart spectra (ridge cases only). An
        int makes the function pure and deterministic (the spectra are
        cached); otherwise one seed is drawn from it per call.

    Returns
    -------
    error : ndarray of shape (n_generations + 1,)
        Expected excess test risk of generations ``0 .. n_generations``.

    See Also
    --------
    optimal_ridge_penalty : Penalty minimising this risk at each generation.
    strong_collapse_error : Risk when real and synthetic data are mixed once.

    Notes
    -----
    Inputs are Gaussian rows ``x ~ N(0, Sigma)``. With ``v(N) = d / (N - d - 1)
    = E tr(Sigma (X'X)^-1)`` (inverse Wishart, any ``Sigma``, N >= d + 2):

    - ``design="fixed", data="replace"`` [1]_: ``sigma^2 v(T) + g sigma0^2
      v(T)``. Gerstgrasser et al. count fits (their ``n = 1`` is the clean
      fit), so our generation ``g`` is their ``n = g + 1``: with
      ``sigma0 = sigma`` this is their ``sigma^2 d n / (T - d - 1)``.
    - ``design="fixed", data="accumulate"`` [1]_: ``v(T) (sigma^2 + sigma0^2
      sum_{j=2}^{g+1} 1/j^2)``, their ``sigma^2 d/(T-d-1) sum_{i<=n} 1/i^2``
      with ``n = g + 1``, bounded by ``pi^2/6`` times generation 0's risk.
    - ``design="fresh", data="replace"`` [2]_ (OLS, ``T0 >= d + 2``):
      ``sigma^2 v(T) + g sigma0^2 v(T0)``. Dohmatob et al.'s ``n`` counts the
      synthetic generations before the evaluated fit (``n = 0`` is clean), so
      our ``g`` is their ``n``. Their chain starts with a fit on ``T0`` rows
      labelled by ``w*``; the evaluated fit of generation ``g`` uses ``T``
      rows labelled by the ``g``-th model of that chain. Through
      :class:`~skcollapse.RecursiveRetrainer` (``inputs`` a callable drawing
      fresh Gaussian rows, ``label_noise=sigma0``) the real noise ``sigma``
      enters at the first fit of the chain rather than the last: the OLS
      risk is the same, while with a ridge penalty the two orders agree only
      when ``sigma = sigma0`` and ``T = T0``.
    - ``design="fresh", data="accumulate"`` (OLS): stacking gives the exact
      identity ``w_g = w_{g-1} + (sum_{j<=g} X_j'X_j + alpha I)^-1 X_g' E_g``
      (any fixed ``alpha``), and row exchangeability gives ``sigma^2 v(T) +
      sigma0^2 sum_{j=1}^{g} (T0/N_j) v(N_j)`` with ``N_j = T + j T0``
      (derived here, not in the papers; checked by Monte Carlo in the test
      suite). It converges as ``g -> inf``.

    All OLS formulas are exact for Gaussian inputs with any covariance and
    need ``N >= d + 2`` rows per fit. With a ridge penalty or a min-norm fit
    (fewer rows than features) the risk depends on the spectrum of ``Sigma``
    and on ``w*``: skcollapse assumes ``Sigma = I`` (isotropic inputs) and
    averages over the direction of ``w*``. Writing ``G = X'X``, ``A = G +
    alpha I``, ``R = A^-1 G``, the moments ``m1 = E tr R / d``, ``m2 = E tr
    R^2 / d`` and ``m3 = E tr(A^-1 G A^-1)`` give, for ``design="fresh",
    data="replace"``, the recursion ``b_g = m1' b_{g-1}``, ``a_g = m2' a_{g-1}
    + sigma0^2 m3'`` (primed: synthetic fits) from ``a_0 = b_0 = ||w*||^2``,
    and ``error_g = ||w*||^2 - 2 m1 b_g + m2 a_g + sigma^2 m3``. With OLS
    synthetic fits this is the ridge formula of [2]_;
    with min-norm noise-free synthetic fits (``T0 < d``) and a final fit that
    recovers its labelling model (``T >= d``, ``noise=0``) it is
    ``||w*||^2 (1 - (T0/d)^g)`` [2]_, and with ``T = T0 < d`` (every
    generation the same min-norm fit) ``||w*||^2 (1 - (T0/d)^(g+1))``. In
    the fixed design every fit shares the eigenvectors of ``X'X``
    (eigenvalues ``s``, shrinkage ``r = s/(s + alpha)``), so each
    eigen-direction is a scalar recursion: ``replace`` gives ``E sum_s [(1 -
    r^(g+1))^2 ||w*||^2/d + s/(s+alpha)^2 (sigma^2 r^(2g) + sigma0^2
    sum_{m<g} r^(2m))]`` and ``accumulate`` gives generation 0's risk plus
    ``sigma0^2 sum_{j=1}^{g} E sum_s s/((j+1) s + alpha)^2``. Under
    ``accumulate`` (both designs) the identity above freezes the ridge bias
    at generation 0's value; only label noise accumulates, with weight
    ``(T0/N_j) m3`` at ``N_j`` rows in the fresh design. For ``alpha = 0`` the
    moments are exact; for ``alpha > 0`` they are averaged over ``n_draws``
    exact draws of the Wishart spectrum (bidiagonal model of Dumitriu &
    Edelman [3]_), with ``tr X'X`` and the exact OLS / min-norm trace ``tr
    (X'X)^+`` as control variates: the relative standard error is of order
    ``1e-5`` to ``1e-4`` with the default ``n_draws``, and the ridgeless limit
    is reproduced exactly.

    %(references)s

    Examples
    --------
    >>> from skcollapse.theory import linear_regression_error
    >>> linear_regression_error(2, n_features=10, n_real=100).round(4)
    array([0.1124, 0.2247, 0.3371])
    >>> linear_regression_error(
    ...     2, n_features=10, n_real=100, data="accumulate").round(4)
    array([0.1124, 0.1404, 0.1529])
    >>> linear_regression_error(
    ...     5, n_features=50, n_real=100, n_synthetic=200,
    ...     design="fresh", ridge=0.1, synthetic_ridge=0.0)[-1].item()
    1.841...
    """
    d = n_features
    n_synthetic, sigma, sigma0, w2, random_state = _chain_arguments(
        n_real, noise, n_synthetic, synthetic_noise, coef_norm, random_state
    )
    lam = float(ridge)
    lam0 = lam if synthetic_ridge is None else float(synthetic_ridge)

    if design == "fixed" and n_synthetic != n_real:
        raise ValueError(
            "n_synthetic must be None or equal to n_real when design='fixed' "
            "(every generation relabels the same real inputs), got "
            f"n_synthetic={n_synthetic}, n_real={n_real}."
        )
    if (design == "fixed" or data == "accumulate") and lam0 != lam:
        raise ValueError(
            "synthetic_ridge must be None or equal to ridge unless "
            "design='fresh' and data='replace' (otherwise every generation is "
            f"the same fit), got synthetic_ridge={lam0}, ridge={lam}."
        )
    needs_ols = lam == 0 and (design == "fixed" or data == "accumulate")
    if needs_ols and n_real < d + 2:
        raise ValueError(
            f"n_real must be >= n_features + 2 = {d + 2} for the OLS risk "
            f"(ridge=0) with design={design!r}, data={data!r}; got "
            f"n_real={n_real}. Use ridge > 0 or design='fresh' with "
            "data='replace' for the min-norm (over-parameterised) case."
        )
    args = (d, sigma**2, sigma0**2, lam, w2, n_draws, random_state)
    if design == "fixed":
        return _fixed_design_error(n_generations, n_real, data, *args)
    if data == "accumulate":
        return _fresh_accumulate_error(n_generations, n_real, n_synthetic, *args)
    if lam == 0:
        check_finite_ols(n_real, d, sigma, "n_real", "noise")
    if lam0 == 0:
        check_finite_ols(n_synthetic, d, sigma0, "n_synthetic", "synthetic_noise")
    final = _ridge_moments(n_real, d, n_real * lam, n_draws, random_state)
    chain = _ridge_moments(n_synthetic, d, n_synthetic * lam0, n_draws, random_state)
    return _fresh_replace_error(n_generations, final, chain, sigma**2, sigma0**2, w2)


def _fresh_replace_error(n_generations, final, chain, var, var0, w2):
    """Dohmatob et al.'s chain: b_g = E<w*, w_g>, a_g = E||w_g||^2."""
    m1, m2, m3 = final
    c1, c2, c3 = chain
    noise0 = _noise_term(var0, c3)
    b = np.empty(n_generations + 1)
    a = np.empty(n_generations + 1)
    b[0] = a[0] = w2
    for g in range(1, n_generations + 1):
        b[g] = c1 * b[g - 1]
        a[g] = c2 * a[g - 1] + noise0
    return w2 - 2 * m1 * b + m2 * a + _noise_term(var, m3)


def _fixed_design_error(
    n_generations, n_real, data, d, var, var0, lam, w2, n_draws, random_state
):
    g = np.arange(n_generations + 1)
    if lam == 0:
        v = d / (n_real - d - 1)
        if data == "replace":
            return v * (var + var0 * g)
        inverse_squares = np.concatenate(
            [[0.0], np.cumsum(1.0 / np.arange(2, n_generations + 2) ** 2)]
        )
        return v * (var + var0 * inverse_squares)
    # Ridge: every fit shares the eigenbasis of X'X (eigenvalues s); each
    # coordinate of w_g is a scalar linear recursion driven by new noise. The
    # d - k null directions of X'X (n_real < d) keep their whole bias.
    s = _wishart_eigenvalues(n_real, d, n_draws, random_state)
    null_bias = w2 * (d - s.shape[1]) / d
    alpha = n_real * lam
    r = s / (s + alpha)
    noise_gain = s / (s + alpha) ** 2
    error = np.empty(n_generations + 1)
    if data == "replace":
        # w_g = r^(g+1) w* + c r^g eps_0 + sum_{j=1}^g c r^(g-j) eps_j
        power = np.ones_like(r)  # r^g
        geometric = np.zeros_like(r)  # sum_{m<g} r^(2m)
        for gen in range(n_generations + 1):
            bias = w2 / d * ((1 - power * r) ** 2).sum(axis=1) + null_bias
            noise = noise_gain * (var * power**2 + var0 * geometric)
            statistic = bias + noise.sum(axis=1)
            error[gen] = _spectral_mean(statistic, s, n_real, d)
            geometric += power**2
            power = power * r
        return error
    # accumulate with fixed alpha: w_g = w_{g-1} + ((g+1) X'X + alpha)^-1 X'E_g
    bias = w2 / d * ((1 - r) ** 2).sum(axis=1) + null_bias
    statistic = bias + var * noise_gain.sum(axis=1)
    error[0] = _spectral_mean(statistic, s, n_real, d)
    for gen in range(1, n_generations + 1):
        gains = (s / ((gen + 1) * s + alpha) ** 2).sum(axis=1)
        increment = _spectral_mean(gains, s, n_real, d)
        error[gen] = error[gen - 1] + var0 * increment
    return error


def _fresh_accumulate_error(
    n_generations,
    n_real,
    n_synthetic,
    d,
    var,
    var0,
    lam,
    w2,
    n_draws,
    random_state,
):
    alpha = n_real * lam
    m1, m2, m3 = _ridge_moments(n_real, d, alpha, n_draws, random_state)
    error = np.empty(n_generations + 1)
    error[0] = w2 * (1 - 2 * m1 + m2) + _noise_term(var, m3)
    for gen in range(1, n_generations + 1):
        n_rows = n_real + gen * n_synthetic
        if lam == 0:
            gain = d / (n_rows - d - 1)
        else:
            gain = _ridge_moments(n_rows, d, alpha, n_draws, random_state)[2]
        share = n_synthetic / n_rows
        error[gen] = error[gen - 1] + _noise_term(var0, share * gain)
    return error


@validate_params(
    {
        **_CHAIN_CONSTRAINTS,
        "coef_norm": [Interval(Real, 0, None, closed="neither")],
        "method": [StrOptions({"exact", "approximate"})],
        "as_alpha": ["boolean"],
        "return_error": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
@fill_doc_citing("dohmatob2024regression")
def optimal_ridge_penalty(
    n_generations,
    *,
    n_features,
    n_real,
    noise=1.0,
    n_synthetic=None,
    synthetic_noise=None,
    coef_norm=1.0,
    method="exact",
    as_alpha=False,
    return_error=False,
    n_draws=None,
    random_state=0,
):
    """Ridge penalty minimising the expected risk at each generation.

    Setting of Dohmatob, Feng & Kempe [1]_: synthetic labels come from a chain
    of OLS fits on fresh Gaussian inputs (``n_synthetic`` rows each);
    generation ``g``'s model is a ridge fit on ``n_real`` fresh rows
    labelled by the ``g``-th model of the chain. This function returns the
    penalty of that final fit which minimises
    :func:`linear_regression_error` with ``design="fresh",
    data="replace", synthetic_ridge=0``.

    Parameters
    ----------
    %(n_generations)s

    %(n_features)s

    n_real : int >= 1
        Rows ``T`` of the ridge fit of each generation (the real rows of
        generation 0).

    noise : float >= 0, default=1.0
        Label-noise standard deviation ``sigma`` of that fit.

    n_synthetic : int >= 1, default=None
        Synthetic rows ``T0`` of each OLS fit of the synthetic chain; must
        be at least ``n_features + 2``. None means ``n_real``.

    synthetic_noise : float >= 0, default=None
        Noise ``sigma0`` added to synthetic labels. None means ``noise``.

    coef_norm : float > 0, default=1.0
        ``||w*||`` (inputs are isotropic, ``Sigma = I``).

    method : {"exact", "approximate"}, default="exact"
        ``"exact"``: numerical argmin (bounded Brent search on ``log
        lambda``) of the exact expected risk. ``"approximate"``: the closed
        form ``(d/T) (sigma^2 + g sigma0^2 T/(T0-d-1)) / ||w*||^2``.

    as_alpha : bool, default=False
        If True, return scikit-learn's ``Ridge(alpha=...)`` value,
        ``alpha = n_real * lambda`` (``fit_intercept=False``), instead of
        ``lambda``.

    return_error : bool, default=False
        If True, also return the expected risk at the returned penalty.

    n_draws : int >= 1, default=None
        Monte Carlo draws of the Wishart spectrum (see
        :func:`linear_regression_error`).

    random_state : int, RandomState instance or None, default=0
        Seed of that Monte Carlo.

    Returns
    -------
    penalty : ndarray of shape (n_generations + 1,)
        Optimal ``lambda`` (or ``alpha`` if ``as_alpha``) for generations
        ``0 .. n_generations``.

    error : ndarray of shape (n_generations + 1,)
        Expected risk at ``penalty``; only returned if ``return_error``.

    See Also
    --------
    linear_regression_error : The risk being minimised.

    Notes
    -----
    Generation ``g`` is Dohmatob et al.'s ``n = g`` (number of synthetic
    generations before the final fit; ``n = 0`` is the clean fit).
    ``lambda`` follows their convention, ``argmin (1/T)||Xw - y||^2 +
    lambda ||w||^2``. The approximate rule grows linearly in ``g``: it is
    exact at ``g = 0`` up to finite-size effects (Bayes-optimal ridge
    ``T lambda = d sigma^2 / ||w*||^2``) and falls increasingly short of the
    exact argmin as ``g`` grows (for ``d=50, T=100, T0=200``: 7.2 against
    9.7 at ``g=20``), because the synthetic error sits in the labelling
    model (a coefficient error, shrunk together with ``w*``) rather than in
    the label noise of the final fit. The risk is flat around its minimum:
    a 1% change of ``lambda*`` changes the minimal risk by about
    ``1e-5``. The search covers ``lambda`` in ``[1e-6, 1e6]``; a noise-free
    problem returns the lower end.

    The reference values 0.50, 0.77, 2.34, 4.78, 9.77 for ``n = 0, 1, 5,
    10, 20`` (with risks 0.416, 0.526, 0.748, 0.845, 0.913) are the exact
    argmin for ``d=50, T=100, T0=200``; ``T=T0=200``, the setting they are
    sometimes quoted with, gives 0.25, 0.52, 1.95, 3.97, 8.13.

    %(references)s

    Examples
    --------
    >>> from skcollapse.theory import optimal_ridge_penalty
    >>> optimal_ridge_penalty(2, n_features=50, n_real=100,
    ...                       n_synthetic=200, method="approximate")
    array([0.5   , 0.8356, 1.1711])
    >>> penalty, error = optimal_ridge_penalty(
    ...     1, n_features=50, n_real=100, n_synthetic=200,
    ...     return_error=True)
    >>> penalty.round(2), error.round(3)
    (array([0.5 , 0.76]), array([0.416, 0.526]))
    """
    d = n_features
    n_synthetic, sigma, sigma0, w2, random_state = _chain_arguments(
        n_real, noise, n_synthetic, synthetic_noise, coef_norm, random_state
    )
    if n_synthetic < d + 2:
        raise ValueError(
            f"n_synthetic must be >= n_features + 2 = {d + 2} (OLS "
            f"synthetic chain), got n_synthetic={n_synthetic}."
        )
    g = np.arange(n_generations + 1)
    synthetic_variance = g * sigma0**2 * d / (n_synthetic - d - 1)
    if method == "approximate":
        penalty = d / n_real * (sigma**2 + n_real * synthetic_variance / d) / w2
        error = None
        if return_error:
            error = np.array(
                [
                    _risk_from_moments(
                        _ridge_moments(n_real, d, n_real * lam, n_draws, random_state),
                        sigma**2,
                        w2,
                        sv,
                    )
                    for lam, sv in zip(penalty, synthetic_variance)
                ]
            )
    else:
        # The moments do not depend on the generation: a grid shared by all
        # generations brackets the minimum, a bounded Brent search refines it.
        grid = np.logspace(-6, 6, 97)
        moments = _ridge_moments(n_real, d, n_real * grid, n_draws, random_state)
        penalty = np.empty(n_generations + 1)
        error = np.empty(n_generations + 1)
        for gen, sv in enumerate(synthetic_variance):
            values = _risk_from_moments(moments, sigma**2, w2, sv)
            best = int(np.argmin(values))
            bounds = np.log(grid[[max(best - 1, 0), min(best + 1, grid.size - 1)]])

            def risk(log_lam, sv=sv):
                alpha = n_real * np.exp(log_lam)
                found = _ridge_moments(n_real, d, alpha, n_draws, random_state)
                return _risk_from_moments(found, sigma**2, w2, sv)

            result = minimize_scalar(
                risk, bounds=bounds, method="bounded", options={"xatol": 1e-6}
            )
            penalty[gen], error[gen] = np.exp(result.x), result.fun
    if as_alpha:
        penalty = n_real * penalty
    if return_error:
        return penalty, error
    return penalty


def _risk_from_moments(moments, var, w2, synthetic_variance):
    """Risk of a ridge fit whose labelling model has E||w - w*||^2 = sv."""
    m1, m2, m3 = moments
    return w2 * (1 - 2 * m1 + m2) + m2 * synthetic_variance + _noise_term(var, m3)


@validate_params(
    {
        "real_fraction": [Interval(Real, 0, 1, closed="both"), "array-like"],
        "n_features": [size(1)],
        "n_train": [size(1), "array-like"],
        "noise": [_NON_NEGATIVE],
        "shift": [_NON_NEGATIVE],
    },
    prefer_skip_nested_validation=True,
)
@fill_doc_citing("dohmatob2025strong")
def strong_collapse_error(real_fraction, *, n_features, n_train, noise=1.0, shift=1.0):
    """Test risk of OLS trained once on a mix of real and synthetic data.

    Strong model collapse (Dohmatob, Feng, Subramonian & Kempe [1]_): of the
    ``n`` training rows, a share ``p1`` has labels from the true model ``w1``
    (real data) and the rest, ``p2 = 1 - p1``, labels from a wrong model
    ``w2`` (synthetic data); the fitted model is tested on real data. This
    is a one-shot mixture, not a generational trajectory: the function
    broadcasts over ``real_fraction`` and ``n_train`` instead of
    generations.

    Parameters
    ----------
    real_fraction : float or array-like of floats in [0, 1]
        Share ``p1 = n1 / n`` of real rows in the training set (``1 -
        real_fraction`` is the paper's synthetic share ``p2``).

    %(n_features)s

    n_train : int or array-like of ints > n_features
        Training rows ``n``, real and synthetic together.

    noise : float >= 0, default=1.0
        Label-noise standard deviation ``sigma`` of both sources.

    shift : float >= 0, default=1.0
        ``c^2 = ||w2 - w1||^2_Sigma``, the squared distance between the
        synthetic and the true labelling models.

    Returns
    -------
    error : ndarray
        Expected excess test risk, of the broadcast shape of
        ``real_fraction`` and ``n_train`` (0-d for scalars).

    See Also
    --------
    linear_regression_error : Risk across generations of self-retraining.

    Notes
    -----
    Isotropic Gaussian inputs, OLS, proportional limit ``d, n -> inf`` with
    ``phi = d/n < 1`` and ``p2 = 1 - p1``:

    ``E_test = sigma^2 phi/(1-phi) + p2^2 c^2 + p1 p2 c^2 phi/(1-phi)``,

    which tends to ``p2^2 c^2 > 0`` as ``n`` grows at fixed ``p2``: any
    constant fraction of synthetic data leaves a plateau, more data does not
    help. The formula is a deterministic equivalent; at finite size the
    first term is exactly ``sigma^2 d/(n - d - 1)`` (relative difference
    ``O(1/n)``).

    %(references)s

    Examples
    --------
    >>> from skcollapse.theory import strong_collapse_error
    >>> strong_collapse_error([0.99, 0.9, 0.5], n_features=100, n_train=1000)
    array([0.1123, 0.1311, 0.3889])
    """
    caller = "strong_collapse_error"
    p1 = check_array_values(real_fraction, "real_fraction", caller, low=0, high=1)
    n = check_array_values(n_train, "n_train", caller, low=1, integer=True)
    d = n_features
    if np.any(n <= d):
        raise ValueError(
            f"n_train must exceed n_features = {d} (OLS on more rows than "
            f"features), got n_train={n_train!r}."
        )
    sigma, c2 = float(noise), float(shift)
    p2 = 1 - p1
    phi = d / n
    ratio = phi / (1 - phi)
    return sigma**2 * ratio + p2**2 * c2 + p1 * p2 * c2 * ratio
