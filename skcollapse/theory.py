"""Closed-form expected trajectories of model collapse, from the literature.

Every function returns the expected value of a collapse metric for generations
``0 .. n_generations`` with the generation indexing of skcollapse's
meta-estimators: **generation 0 is the model fitted on the real data** and
generation ``g`` is the model refitted ``g`` times on synthetic data. Papers
index generations differently; each docstring states the conversion.

The functions are pure (no global state) and vectorised over generations, so
that a simulated trajectory (``trajectory_`` of a meta-estimator, or the
stacked output of :func:`skcollapse.model_selection.collapse_curve`) and its
theory can be drawn on one plot.
"""

# Authors: skcollapse developers
# License: BSD 3-Clause

__all__ = [
    "linear_regression_error",
    "optimal_ridge_penalty",
    "strong_collapse_error",
    "categorical_collision",
    "categorical_collapse_bounds",
    "gaussian_refit",
    "zipf_error",
]

import numbers
from functools import lru_cache

import numpy as np
from scipy.integrate import quad
from scipy.linalg import eigvalsh_tridiagonal
from scipy.optimize import minimize_scalar
from scipy.special import gammaln, zeta
from sklearn.utils import check_random_state

# Number of leading categories of an infinite Zipf law summed term by term in
# `zipf_error`; the rest is integrated numerically (midpoint rule).
_ZIPF_HEAD = 10_000

# Default n_draws * min(n_rows, n_features) of the Monte Carlo over Wishart
# spectra (see `_wishart_eigenvalues`): the relative standard error of a
# linear spectral statistic decreases as 1 / (n_eigenvalues * sqrt(n_draws)).
_DRAWS_BUDGET = 50_000


# ---------------------------------------------------------------------------
# Validation helpers
# ---------------------------------------------------------------------------


def _check_int(value, name, *, min_value=None):
    """Return `value` as an int, or raise a ValueError naming `name`."""
    accepted = "an int" if min_value is None else f"an int >= {min_value}"
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name} must be {accepted}, got {value!r}.")
    if min_value is not None and value < min_value:
        raise ValueError(f"{name} must be {accepted}, got {value!r}.")
    return int(value)


def _check_real(value, name, *, low=None, high=None, low_open=False):
    """Return `value` as a float in the stated interval, or raise ValueError."""
    if low is not None and high is not None:
        accepted = f"a float in {'(' if low_open else '['}{low}, {high}]"
    elif low is not None:
        accepted = f"a float {'>' if low_open else '>='} {low}"
    else:
        accepted = "a finite float"
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or not np.isfinite(value)
    ):
        raise ValueError(f"{name} must be {accepted}, got {value!r}.")
    too_low = low is not None and (value <= low if low_open else value < low)
    too_high = high is not None and value > high
    if too_low or too_high:
        raise ValueError(f"{name} must be {accepted}, got {value!r}.")
    return float(value)


def _check_option(value, name, options):
    if not isinstance(value, str) or value not in options:
        raise ValueError(f"{name} must be one of {list(options)}, got {value!r}.")
    return value


def _check_probabilities(probabilities):
    p = np.asarray(probabilities, dtype=float)
    if p.ndim != 1 or p.size == 0:
        raise ValueError(
            f"probabilities must be a non-empty 1-D array-like, got shape {p.shape}."
        )
    if not np.all(np.isfinite(p)) or np.any(p < 0):
        raise ValueError("probabilities must be finite and non-negative.")
    if not np.isclose(p.sum(), 1.0, rtol=0, atol=1e-8):
        raise ValueError(f"probabilities must sum to 1, got a sum of {p.sum()!r}.")
    return p


def _check_n_draws(n_draws):
    if n_draws is None:
        return None
    return _check_int(n_draws, "n_draws", min_value=1)


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


def _check_seed(random_state):
    """An int seed from `random_state`, drawn once so that every spectrum of a
    call comes from the same seed (common random numbers keep the risk smooth
    in the penalty)."""
    if isinstance(random_state, numbers.Integral) and not isinstance(
        random_state, bool
    ):
        return int(random_state)
    try:
        rng = check_random_state(random_state)
    except ValueError as exc:
        raise ValueError(
            "random_state must be an int, a numpy RandomState instance or None, "
            f"got {random_state!r}."
        ) from exc
    return int(rng.randint(np.iinfo(np.int32).max))


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


def _noise_term(variance, factor):
    """variance * factor, with 0 * inf = 0 (a noise-free fit is never hurt)."""
    return 0.0 if variance == 0 else variance * factor


def _check_finite_ols(n_rows, n_features, noise, rows_name, noise_name):
    if noise > 0 and abs(n_rows - n_features) <= 1:
        raise ValueError(
            f"{rows_name}={n_rows} is within 1 of n_features={n_features}: the "
            "expected risk of the unregularised fit (ridge=0) is infinite. Use "
            f"|{rows_name} - n_features| >= 2, a ridge penalty > 0 or "
            f"{noise_name}=0."
        )


# ---------------------------------------------------------------------------
# Linear regression
# ---------------------------------------------------------------------------


def linear_regression_error(
    n_generations,
    *,
    n_features,
    n_samples,
    noise=1.0,
    data="replace",
    design="fixed",
    synthetic_samples=None,
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
    fitted on ``n_samples`` real rows ``y = X w* + N(0, noise^2)``, and
    generation ``g`` on inputs labelled by generation ``g - 1`` plus
    ``N(0, synthetic_noise^2)``.

    Parameters
    ----------
    n_generations : int >= 0
        Number of synthetic generations after generation 0.

    n_features : int >= 1
        Input dimension ``d``.

    n_samples : int >= 1
        Number of real rows ``T`` (and, for ``design="fresh", data="replace"``,
        the size of the evaluated fit of every generation).

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

    synthetic_samples : int >= 1, default=None
        Rows ``T0`` per synthetic generation (``design="fresh"`` only; None
        means ``n_samples``).

    synthetic_noise : float >= 0, default=None
        Standard deviation ``sigma0`` of the noise added to synthetic labels.
        None means ``noise``.

    ridge : float >= 0, default=0.0
        Ridge penalty ``lambda`` of the evaluated fits in the convention of
        the papers, ``argmin (1/T)||Xw - y||^2 + lambda ||w||^2``, i.e.
        ``Ridge(alpha=T * lambda, fit_intercept=False)`` on ``T`` rows. 0 is
        ordinary least squares, or the minimum-norm interpolator when a fit
        has fewer rows than features (``LinearRegression``). Under
        ``data="accumulate"`` the penalty stays ``alpha = n_samples * ridge``
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
    synthetic fits this is the ridge formula of [2]_ (PAPERS.md section 4);
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

    References
    ----------
    .. [1] M. Gerstgrasser, R. Schaeffer, A. Dey, R. Rafailov, et al., "Is
       Model Collapse Inevitable? Breaking the Curse of Recursion by
       Accumulating Real and Synthetic Data", arXiv:2404.01413, 2024.
    .. [2] E. Dohmatob, Y. Feng and J. Kempe, "Model Collapse Demystified:
       The Case of Regression", NeurIPS 2024, arXiv:2402.07712.
    .. [3] I. Dumitriu and A. Edelman, "Matrix models for beta ensembles",
       Journal of Mathematical Physics 43, 5830, 2002.

    Examples
    --------
    >>> from skcollapse.theory import linear_regression_error
    >>> linear_regression_error(2, n_features=10, n_samples=100).round(4)
    array([0.1124, 0.2247, 0.3371])
    >>> linear_regression_error(
    ...     2, n_features=10, n_samples=100, data="accumulate").round(4)
    array([0.1124, 0.1404, 0.1529])
    >>> linear_regression_error(
    ...     5, n_features=50, n_samples=100, synthetic_samples=200,
    ...     design="fresh", ridge=0.1, synthetic_ridge=0.0)[-1]
    np.float64(1.841...)
    """
    n_generations = _check_int(n_generations, "n_generations", min_value=0)
    d = _check_int(n_features, "n_features", min_value=1)
    n_samples = _check_int(n_samples, "n_samples", min_value=1)
    sigma = _check_real(noise, "noise", low=0)
    data = _check_option(data, "data", ("replace", "accumulate"))
    design = _check_option(design, "design", ("fixed", "fresh"))
    if synthetic_samples is None:
        synthetic_samples = n_samples
    synthetic_samples = _check_int(synthetic_samples, "synthetic_samples", min_value=1)
    sigma0 = sigma
    if synthetic_noise is not None:
        sigma0 = _check_real(synthetic_noise, "synthetic_noise", low=0)
    lam = _check_real(ridge, "ridge", low=0)
    lam0 = lam
    if synthetic_ridge is not None:
        lam0 = _check_real(synthetic_ridge, "synthetic_ridge", low=0)
    w2 = _check_real(coef_norm, "coef_norm", low=0) ** 2
    n_draws = _check_n_draws(n_draws)
    random_state = _check_seed(random_state)

    if design == "fixed" and synthetic_samples != n_samples:
        raise ValueError(
            "synthetic_samples must be None or equal to n_samples when "
            "design='fixed' (every generation relabels the same real inputs), "
            f"got synthetic_samples={synthetic_samples}, n_samples={n_samples}."
        )
    if (design == "fixed" or data == "accumulate") and lam0 != lam:
        raise ValueError(
            "synthetic_ridge must be None or equal to ridge unless "
            "design='fresh' and data='replace' (otherwise every generation is "
            f"the same fit), got synthetic_ridge={lam0}, ridge={lam}."
        )
    needs_ols = lam == 0 and (design == "fixed" or data == "accumulate")
    if needs_ols and n_samples < d + 2:
        raise ValueError(
            f"n_samples must be >= n_features + 2 = {d + 2} for the OLS risk "
            f"(ridge=0) with design={design!r}, data={data!r}; got "
            f"n_samples={n_samples}. Use ridge > 0 or design='fresh' with "
            "data='replace' for the min-norm (over-parameterised) case."
        )
    args = (d, sigma**2, sigma0**2, lam, w2, n_draws, random_state)
    if design == "fixed":
        return _fixed_design_error(n_generations, n_samples, data, *args)
    if data == "accumulate":
        return _fresh_accumulate_error(
            n_generations, n_samples, synthetic_samples, *args
        )
    if lam == 0:
        _check_finite_ols(n_samples, d, sigma, "n_samples", "noise")
    if lam0 == 0:
        _check_finite_ols(
            synthetic_samples, d, sigma0, "synthetic_samples", "synthetic_noise"
        )
    final = _ridge_moments(n_samples, d, n_samples * lam, n_draws, random_state)
    chain = _ridge_moments(
        synthetic_samples, d, synthetic_samples * lam0, n_draws, random_state
    )
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
    n_generations, n_samples, data, d, var, var0, lam, w2, n_draws, random_state
):
    g = np.arange(n_generations + 1)
    if lam == 0:
        v = d / (n_samples - d - 1)
        if data == "replace":
            return v * (var + var0 * g)
        inverse_squares = np.concatenate(
            [[0.0], np.cumsum(1.0 / np.arange(2, n_generations + 2) ** 2)]
        )
        return v * (var + var0 * inverse_squares)
    # Ridge: every fit shares the eigenbasis of X'X (eigenvalues s); each
    # coordinate of w_g is a scalar linear recursion driven by new noise. The
    # d - k null directions of X'X (n_samples < d) keep their whole bias.
    s = _wishart_eigenvalues(n_samples, d, n_draws, random_state)
    null_bias = w2 * (d - s.shape[1]) / d
    alpha = n_samples * lam
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
            error[gen] = _spectral_mean(statistic, s, n_samples, d)
            geometric += power**2
            power = power * r
        return error
    # accumulate with fixed alpha: w_g = w_{g-1} + ((g+1) X'X + alpha)^-1 X'E_g
    bias = w2 / d * ((1 - r) ** 2).sum(axis=1) + null_bias
    statistic = bias + var * noise_gain.sum(axis=1)
    error[0] = _spectral_mean(statistic, s, n_samples, d)
    for gen in range(1, n_generations + 1):
        gains = (s / ((gen + 1) * s + alpha) ** 2).sum(axis=1)
        increment = _spectral_mean(gains, s, n_samples, d)
        error[gen] = error[gen - 1] + var0 * increment
    return error


def _fresh_accumulate_error(
    n_generations,
    n_samples,
    synthetic_samples,
    d,
    var,
    var0,
    lam,
    w2,
    n_draws,
    random_state,
):
    alpha = n_samples * lam
    m1, m2, m3 = _ridge_moments(n_samples, d, alpha, n_draws, random_state)
    error = np.empty(n_generations + 1)
    error[0] = w2 * (1 - 2 * m1 + m2) + _noise_term(var, m3)
    for gen in range(1, n_generations + 1):
        n_rows = n_samples + gen * synthetic_samples
        if lam == 0:
            gain = d / (n_rows - d - 1)
        else:
            gain = _ridge_moments(n_rows, d, alpha, n_draws, random_state)[2]
        share = synthetic_samples / n_rows
        error[gen] = error[gen - 1] + _noise_term(var0, share * gain)
    return error


def optimal_ridge_penalty(
    n_generations,
    *,
    n_features,
    n_samples,
    noise=1.0,
    synthetic_samples=None,
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
    of OLS fits on fresh Gaussian inputs (``synthetic_samples`` rows each);
    generation ``g``'s model is a ridge fit on ``n_samples`` fresh rows
    labelled by the ``g``-th model of the chain. This function returns the
    penalty of that final fit which minimises
    :func:`linear_regression_error` with ``design="fresh",
    data="replace", synthetic_ridge=0``.

    Parameters
    ----------
    n_generations : int >= 0
        Number of synthetic generations after generation 0.

    n_features : int >= 1
        Input dimension ``d``.

    n_samples : int >= 1
        Rows ``T`` of the ridge fit of each generation.

    noise : float >= 0, default=1.0
        Label-noise standard deviation ``sigma`` of that fit.

    synthetic_samples : int, default=None
        Rows ``T0`` of each OLS fit of the synthetic chain; must be at least
        ``n_features + 2``. None means ``n_samples``.

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
        ``alpha = n_samples * lambda`` (``fit_intercept=False``), instead of
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

    The reference values of PAPERS.md (0.50, 0.77, 2.34, 4.78, 9.77 for
    ``n = 0, 1, 5, 10, 20``, with risks 0.416, 0.526, 0.748, 0.845, 0.913)
    are the exact argmin for ``d=50, T=100, T0=200`` (not ``T=T0=200`` as
    stated there; that gives 0.25, 0.52, 1.95, 3.97, 8.13).

    References
    ----------
    .. [1] E. Dohmatob, Y. Feng and J. Kempe, "Model Collapse Demystified:
       The Case of Regression", NeurIPS 2024, arXiv:2402.07712.

    Examples
    --------
    >>> from skcollapse.theory import optimal_ridge_penalty
    >>> optimal_ridge_penalty(2, n_features=50, n_samples=100,
    ...                       synthetic_samples=200, method="approximate")
    array([0.5   , 0.8356, 1.1711])
    >>> penalty, error = optimal_ridge_penalty(
    ...     1, n_features=50, n_samples=100, synthetic_samples=200,
    ...     return_error=True)
    >>> penalty.round(2), error.round(3)
    (array([0.5 , 0.76]), array([0.416, 0.526]))
    """
    n_generations = _check_int(n_generations, "n_generations", min_value=0)
    d = _check_int(n_features, "n_features", min_value=1)
    n_samples = _check_int(n_samples, "n_samples", min_value=1)
    sigma = _check_real(noise, "noise", low=0)
    if synthetic_samples is None:
        synthetic_samples = n_samples
    synthetic_samples = _check_int(synthetic_samples, "synthetic_samples", min_value=1)
    sigma0 = sigma
    if synthetic_noise is not None:
        sigma0 = _check_real(synthetic_noise, "synthetic_noise", low=0)
    w2 = _check_real(coef_norm, "coef_norm", low=0, low_open=True) ** 2
    method = _check_option(method, "method", ("exact", "approximate"))
    for name, flag in (("as_alpha", as_alpha), ("return_error", return_error)):
        if not isinstance(flag, (bool, np.bool_)):
            raise ValueError(f"{name} must be a bool, got {flag!r}.")
    n_draws = _check_n_draws(n_draws)
    random_state = _check_seed(random_state)
    if synthetic_samples < d + 2:
        raise ValueError(
            f"synthetic_samples must be >= n_features + 2 = {d + 2} (OLS "
            f"synthetic chain), got synthetic_samples={synthetic_samples}."
        )
    g = np.arange(n_generations + 1)
    synthetic_variance = g * sigma0**2 * d / (synthetic_samples - d - 1)
    if method == "approximate":
        penalty = d / n_samples * (sigma**2 + n_samples * synthetic_variance / d) / w2
        error = None
        if return_error:
            error = np.array(
                [
                    _risk_from_moments(
                        _ridge_moments(
                            n_samples, d, n_samples * lam, n_draws, random_state
                        ),
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
        moments = _ridge_moments(n_samples, d, n_samples * grid, n_draws, random_state)
        penalty = np.empty(n_generations + 1)
        error = np.empty(n_generations + 1)
        for gen, sv in enumerate(synthetic_variance):
            values = _risk_from_moments(moments, sigma**2, w2, sv)
            best = int(np.argmin(values))
            bounds = np.log(grid[[max(best - 1, 0), min(best + 1, grid.size - 1)]])

            def risk(log_lam, sv=sv):
                alpha = n_samples * np.exp(log_lam)
                found = _ridge_moments(n_samples, d, alpha, n_draws, random_state)
                return _risk_from_moments(found, sigma**2, w2, sv)

            result = minimize_scalar(
                risk, bounds=bounds, method="bounded", options={"xatol": 1e-6}
            )
            penalty[gen], error[gen] = np.exp(result.x), result.fun
    if as_alpha:
        penalty = n_samples * penalty
    if return_error:
        return penalty, error
    return penalty


def _risk_from_moments(moments, var, w2, synthetic_variance):
    """Risk of a ridge fit whose labelling model has E||w - w*||^2 = sv."""
    m1, m2, m3 = moments
    return w2 * (1 - 2 * m1 + m2) + m2 * synthetic_variance + _noise_term(var, m3)


def strong_collapse_error(
    synthetic_fraction, *, n_features, n_samples, noise=1.0, shift=1.0
):
    """Test risk of OLS trained once on a mix of real and synthetic data.

    Strong model collapse (Dohmatob, Feng, Subramonian & Kempe [1]_): a
    fraction ``p2`` of the ``n`` training labels come from a wrong model
    ``w2`` (synthetic data), the rest from the true ``w1``; the fitted model
    is tested on real data. This is a one-shot mixture, not a generational
    trajectory: the function broadcasts over ``synthetic_fraction`` and
    ``n_samples`` instead of generations.

    Parameters
    ----------
    synthetic_fraction : float or array-like of floats in [0, 1]
        Share ``p2 = n2 / n`` of synthetic rows.

    n_features : int >= 1
        Input dimension ``d``.

    n_samples : int or array-like of ints > n_features
        Total number of training rows ``n``.

    noise : float >= 0, default=1.0
        Label-noise standard deviation ``sigma`` of both sources.

    shift : float >= 0, default=1.0
        ``c^2 = ||w2 - w1||^2_Sigma``, the squared distance between the
        synthetic and the true labelling models.

    Returns
    -------
    error : ndarray
        Expected excess test risk, of the broadcast shape of
        ``synthetic_fraction`` and ``n_samples`` (0-d for scalars).

    See Also
    --------
    linear_regression_error : Risk across generations of self-retraining.

    Notes
    -----
    Isotropic Gaussian inputs, OLS, proportional limit ``d, n -> inf`` with
    ``phi = d/n < 1``:

    ``E_test = sigma^2 phi/(1-phi) + p2^2 c^2 + p2 (1-p2) c^2 phi/(1-phi)``,

    which tends to ``p2^2 c^2 > 0`` as ``n`` grows at fixed ``p2``: any
    constant fraction of synthetic data leaves a plateau, more data does not
    help. The formula is a deterministic equivalent; at finite size the
    first term is exactly ``sigma^2 d/(n - d - 1)`` (relative difference
    ``O(1/n)``).

    References
    ----------
    .. [1] E. Dohmatob, Y. Feng, A. Subramonian and J. Kempe, "Strong Model
       Collapse", ICLR 2025, arXiv:2410.04840.

    Examples
    --------
    >>> from skcollapse.theory import strong_collapse_error
    >>> strong_collapse_error([0.01, 0.1, 0.5], n_features=100, n_samples=1000)
    array([0.1123, 0.1311, 0.3889])
    """
    p2 = np.asarray(synthetic_fraction, dtype=float)
    if not np.all(np.isfinite(p2)) or np.any((p2 < 0) | (p2 > 1)):
        raise ValueError(
            "synthetic_fraction must be a float or array-like of floats in "
            f"[0, 1], got {synthetic_fraction!r}."
        )
    d = _check_int(n_features, "n_features", min_value=1)
    n = np.asarray(n_samples)
    if not np.issubdtype(n.dtype, np.number) or np.any(n <= d):
        raise ValueError(
            f"n_samples must be a number or array-like of numbers > n_features "
            f"= {d}, got {n_samples!r}."
        )
    sigma = _check_real(noise, "noise", low=0)
    c2 = _check_real(shift, "shift", low=0)
    phi = d / n.astype(float)
    ratio = phi / (1 - phi)
    return sigma**2 * ratio + p2**2 * c2 + p2 * (1 - p2) * c2 * ratio


# ---------------------------------------------------------------------------
# Categorical distributions (Seddik et al.)
# ---------------------------------------------------------------------------


def categorical_collision(n_generations, probabilities, *, n_samples, n_real=None):
    """Expected collision probability ``E sum_i p_i(g)^2`` across generations.

    Statistical language model of Seddik et al. [1]_ (one context): each
    generation is the empirical distribution of its training tokens.

    Parameters
    ----------
    n_generations : int >= 0
        Number of synthetic generations after generation 0.

    probabilities : array-like of shape (n_categories,)
        The true distribution ``p`` (non-negative, sums to 1).

    n_samples : int >= 1
        Synthetic tokens ``n`` drawn from generation ``g - 1`` to fit
        generation ``g``. When ``n_real`` is None, generation 0 is fitted on
        ``n_samples`` real tokens.

    n_real : int >= 1, default=None
        None: fully synthetic loop (Theorem 1). An int ``N``: partially
        synthetic loop (Theorem 2): generation 0 is fitted on ``N`` real
        tokens and every later generation on those same ``N`` real tokens
        plus ``n`` fresh synthetic ones, ``p(g) = (N p(0) + n phat) / (N + n)``
        (``real_fraction=1`` in the meta-estimators).

    Returns
    -------
    collision : ndarray of shape (n_generations + 1,)
        ``S_g = E sigma_g`` for generations ``0 .. n_generations``; 1 means a
        Dirac mass (total collapse).

    See Also
    --------
    categorical_collapse_bounds : Collapse probability and time bounds.

    Notes
    -----
    Seddik et al. number generations from 1, generation 1 being fitted on
    the real tokens, and call ``S_0 = sum_i p_i^2`` the collision of the true
    distribution; our generation ``g`` is their ``m = g + 1``.

    Fully synthetic (Theorem 1): ``S_g = 1 - (1 - 1/n)^(g+1) (1 - S_0)``.

    Partially synthetic (Theorem 2): with ``alpha = n/(N+n)``, ``beta =
    alpha ((1 + 1/N) alpha - 1/N) = alpha^2 (1 - 1/n)``,
    ``S_1 = 1/N + (1 - 1/N) S_0`` (their generation 1, our generation 0),
    ``S_inf = ((1 + 2 alpha)/N + (1 + alpha)(1 - 1/N) S_0) / (1 + (1 + 1/N)
    alpha)``: ``S_g = S_inf + beta^g (S_1 - S_inf)``. This is the plus-sign
    form of the theorem (the extracted text of the paper shows a minus
    sign); it follows from the recursion ``S_{g+1} = (1 - alpha^2) S_1 +
    alpha^2/n + beta S_g`` and matches simulation. The collision converges
    to ``S_inf < 1``: keeping the real data prevents total collapse.

    References
    ----------
    .. [1] M. E. A. Seddik, S.-W. Chen, S. Hayou, P. Youssef and M. Debbah,
       "How Bad is Training on Synthetic Data? A Statistical Analysis of
       Language Model Collapse", COLM 2024, arXiv:2404.05090.

    Examples
    --------
    >>> import numpy as np
    >>> from skcollapse.theory import categorical_collision
    >>> p = np.full(10, 0.1)
    >>> categorical_collision(99, p, n_samples=100)[-1]
    np.float64(0.6706)
    >>> categorical_collision(2, p, n_samples=1000, n_real=10)
    array([0.19 , 0.1908, 0.1916])
    """
    n_generations = _check_int(n_generations, "n_generations", min_value=0)
    p = _check_probabilities(probabilities)
    n = _check_int(n_samples, "n_samples", min_value=1)
    s0 = float(np.sum(p**2))
    g = np.arange(n_generations + 1)
    if n_real is None:
        return 1 - (1 - 1 / n) ** (g + 1) * (1 - s0)
    big_n = _check_int(n_real, "n_real", min_value=1)
    alpha = n / (big_n + n)
    beta = alpha * ((1 + 1 / big_n) * alpha - 1 / big_n)
    s1 = 1 / big_n + (1 - 1 / big_n) * s0
    s_inf = ((1 + 2 * alpha) / big_n + (1 + alpha) * (1 - 1 / big_n) * s0) / (
        1 + (1 + 1 / big_n) * alpha
    )
    return s_inf + beta**g * (s1 - s_inf)


def categorical_collapse_bounds(n_generations, probabilities, *, n_samples):
    """Bounds on the probability and time of total collapse (fully synthetic).

    Theorem 1 and Proposition 1 of Seddik et al. [1]_: every generation is
    the empirical distribution of ``n_samples`` tokens drawn from the
    previous one (generation 0 from the true distribution); the chain is
    absorbed in a Dirac mass.

    Parameters
    ----------
    n_generations : int >= 0
        Number of synthetic generations after generation 0.

    probabilities : array-like of shape (n_categories,)
        The true distribution ``p`` (non-negative, sums to 1).

    n_samples : int >= 1
        Tokens ``n`` per generation.

    Returns
    -------
    bounds : dict of ndarrays
        - ``"generation"``: ``0 .. n_generations``.
        - ``"collapse_probability_lower"``, ``"collapse_probability_upper"``:
          bounds on ``rho_g = P(generation g is a Dirac mass)``, shape
          ``(n_generations + 1,)``.
        - ``"absorption_time_lower"``, ``"absorption_time_upper"``: 0-d
          arrays bounding the expected first collapsed generation
          ``E[tau]`` (in our indexing: 0 if generation 0 is already a Dirac
          mass).
        - ``"fixation_probability"``: probability that the final Dirac mass
          sits on each category, equal to ``p`` (Proposition 1).

    See Also
    --------
    categorical_collision : Expected collision probability.

    Notes
    -----
    With ``S_0 = sum p_i^2`` and ``s`` the support size of ``p``, and our
    generation ``g`` being their ``m = g + 1``:

    ``1 - n (1 - S_0)(1 - 1/n)^(g+1) <= rho_g <= 1 - (1 - S_0)(1 -
    1/n)^(g+1) / (1 - 1/s)`` (the lower bound is clipped at 0), and

    ``(1 - S_0)(n - 1)/(1 - 1/s) <= E[tau] <= (1 - S_0) n (n - 1)``.

    Seddik et al. state ``1 + ...`` for both time bounds because they count
    the real fit as generation 1 (``tau = T - 1``). The proofs use ``1 -
    sigma <= 1 - 1/s`` for any distribution on ``s`` categories and ``1 -
    sigma >= 1/n`` for any non-Dirac empirical distribution of ``n >= 2``
    tokens. The chain is a martingale (``E p(g) = p``), hence Proposition 1.
    For ``p_i ∝ i^-1.2`` on 20 categories and ``n = 20``, simulation gives
    ``E[tau] = 33.5 +- 0.15`` (34.5 in the paper's count), between the
    bounds 16.6 and 316.

    References
    ----------
    .. [1] M. E. A. Seddik, S.-W. Chen, S. Hayou, P. Youssef and M. Debbah,
       "How Bad is Training on Synthetic Data? A Statistical Analysis of
       Language Model Collapse", COLM 2024, arXiv:2404.05090.

    Examples
    --------
    >>> import numpy as np
    >>> from skcollapse.theory import categorical_collapse_bounds
    >>> bounds = categorical_collapse_bounds(100, [0.5, 0.5], n_samples=10)
    >>> bounds["collapse_probability_lower"][[0, 100]]
    array([0.    , 0.9999])
    >>> float(bounds["absorption_time_lower"]), float(bounds["absorption_time_upper"])
    (9.0, 45.0)
    """
    n_generations = _check_int(n_generations, "n_generations", min_value=0)
    p = _check_probabilities(probabilities)
    n = _check_int(n_samples, "n_samples", min_value=1)
    s0 = float(np.sum(p**2))
    support = int(np.count_nonzero(p))
    g = np.arange(n_generations + 1)
    survival = (1 - s0) * (1 - 1 / n) ** (g + 1)
    lower = np.clip(1 - n * survival, 0.0, 1.0)
    if support == 1:
        upper = np.ones_like(lower)
        time_lower = 0.0
    else:
        upper = np.clip(1 - survival / (1 - 1 / support), 0.0, 1.0)
        time_lower = (1 - s0) * (n - 1) / (1 - 1 / support)
    return {
        "generation": g,
        "collapse_probability_lower": lower,
        "collapse_probability_upper": upper,
        "absorption_time_lower": np.asarray(time_lower),
        "absorption_time_upper": np.asarray((1 - s0) * n * (n - 1)),
        "fixation_probability": p.copy(),
    }


# ---------------------------------------------------------------------------
# Gaussian refitting (Shumailov et al., Alemohammad et al.)
# ---------------------------------------------------------------------------


def _expected_std_factor(n_samples, ddof):
    """E sqrt(S / (M - ddof)) / sigma, S ~ sigma^2 chi2_{M-1}."""
    m = n_samples
    return np.sqrt(2 / (m - ddof)) * np.exp(gammaln(m / 2) - gammaln((m - 1) / 2))


def gaussian_refit(
    n_generations,
    *,
    n_samples,
    n_features=1,
    variance=1.0,
    n_real=None,
    temperature=1.0,
    ddof=1,
):
    """Expected moments of a Gaussian refitted on its own samples.

    Generation 0 fits a Gaussian (sample mean, sample covariance with
    ``ddof``) on ``n_real`` real samples of ``N(mu, Sigma)``; generation ``g``
    fits it on ``n_samples`` samples of ``N(mu_{g-1}, temperature *
    Sigma_{g-1})`` (Shumailov et al. [1]_; sampling bias of Alemohammad et
    al. [2]_).

    Parameters
    ----------
    n_generations : int >= 0
        Number of synthetic generations after generation 0.

    n_samples : int >= 2
        Synthetic samples per generation (``M`` in Shumailov et al., ``n_s``
        in Alemohammad et al.).

    n_features : int >= 1, default=1
        Dimension ``d``. The ``"std"`` and ``"wasserstein2"`` entries are
        only returned for ``d = 1``.

    variance : float > 0, default=1.0
        Total variance ``tr Sigma`` of the real distribution (``sigma^2`` in
        1-D).

    n_real : int >= 2, default=None
        Real samples of generation 0. None means ``n_samples``.

    temperature : float > 0, default=1.0
        Sampling bias ``lambda``: samples are drawn with covariance
        ``temperature * Sigma_g`` (< 1 narrows, as truncation or guidance).

    ddof : {0, 1}, default=1
        1: unbiased covariance estimate; 0: maximum likelihood.

    Returns
    -------
    moments : dict of ndarrays of shape (n_generations + 1,)
        - ``"generation"``: ``0 .. n_generations``.
        - ``"mean_error"``: ``E||mu_g - mu||^2``, to the **true** mean
          (Shumailov et al.).
        - ``"mean_shift"``: ``E||mu_g - mu_0||^2``, to generation 0's fitted
          mean, i.e. the real sample mean (Alemohammad et al.); 0 at g=0.
        - ``"total_variance"``: ``E tr Sigma_g``.
        - ``"std"`` (``d = 1`` only): ``E sigma_g``.
        - ``"wasserstein2"`` (``d = 1`` only): ``E W_2^2`` between
          ``N(mu_g, sigma_g^2)`` and the true ``N(mu, sigma^2)``.

    Notes
    -----
    With ``kappa(m) = (m - 1)/(m - ddof)`` and ``a(m) = sqrt(2/(m - ddof))
    Gamma(m/2) / Gamma((m-1)/2)`` (``E s = a sigma`` for the standard
    deviation ``s`` of ``m`` samples), ``M = n_samples``, ``M_r = n_real``:

    - ``E tr Sigma_g = kappa(M_r) (lambda kappa(M))^g tr Sigma``;
    - ``E||mu_g - mu_0||^2 = sum_{j=1}^{g} lambda E tr Sigma_{j-1} / M``
      (the mean is a martingale with independent increments);
    - ``E||mu_g - mu||^2 = tr Sigma / M_r + E||mu_g - mu_0||^2``;
    - 1-D: ``E sigma_g = sigma a(M_r) (sqrt(lambda) a(M))^g`` and ``E W_2^2 =
      E(mu_g - mu)^2 + E sigma_g^2 - 2 sigma E sigma_g + sigma^2``.

    Indexing: Shumailov et al.'s ``n`` counts fits, the first on real data,
    so our generation ``g`` is their ``n = g + 1``: with ``lambda = 1``,
    ``ddof = 1``, ``M_r = M`` we get their ``E(mu_n - mu)^2 = sigma^2 n/M``,
    ``E sigma_n = sigma a(M)^n``, ``E W_2^2 = sigma^2 (n/M + 2 - 2 a(M)^n)``
    and, with ``ddof = 0``, ``E sigma_n^2 = sigma^2 ((M-1)/M)^n``.
    Alemohammad et al.'s ``t`` is our ``g`` (``t = 0`` is fitted on real
    data): ``E tr Sigma_t = lambda^t tr Sigma`` and ``E||mu_t - mu_0||^2 =
    (tr Sigma / n_s) sum_{s=1}^{t} lambda^s``; their formulas condition on
    the fitted ``Sigma_0``, ours average over it, which is the same with
    ``ddof = 1``. ``sigma_g -> 0`` almost surely even when ``E sigma_g^2``
    stays constant.

    References
    ----------
    .. [1] I. Shumailov, Z. Shumaylov, Y. Zhao, N. Papernot, R. Anderson and
       Y. Gal, "AI models collapse when trained on recursively generated
       data", Nature 631, 755-759, 2024.
    .. [2] S. Alemohammad, J. Casco-Rodriguez, L. Luzi, A. I. Humayun, H.
       Babaei, D. LeJeune, A. Siahkoohi and R. G. Baraniuk, "Self-Consuming
       Generative Models Go MAD", ICLR 2024, arXiv:2307.01850.

    Examples
    --------
    >>> from skcollapse.theory import gaussian_refit
    >>> moments = gaussian_refit(49, n_samples=100)
    >>> [round(float(moments[key][-1]), 4)
    ...  for key in ("mean_error", "std", "wasserstein2")]
    [0.5, 0.8814, 0.7372]
    >>> moments = gaussian_refit(5, n_samples=100, n_features=10, variance=10.0,
    ...                          temperature=0.8)
    >>> moments["total_variance"][-1], moments["mean_shift"][-1]
    (np.float64(3.2768), np.float64(0.2689))
    """
    n_generations = _check_int(n_generations, "n_generations", min_value=0)
    m = _check_int(n_samples, "n_samples", min_value=2)
    d = _check_int(n_features, "n_features", min_value=1)
    total = _check_real(variance, "variance", low=0, low_open=True)
    m_real = m if n_real is None else _check_int(n_real, "n_real", min_value=2)
    lam = _check_real(temperature, "temperature", low=0, low_open=True)
    if isinstance(ddof, bool) or ddof not in (0, 1):
        raise ValueError(f"ddof must be 0 or 1, got {ddof!r}.")
    g = np.arange(n_generations + 1)
    kappa_real, kappa = (m_real - 1) / (m_real - ddof), (m - 1) / (m - ddof)
    total_variance = kappa_real * (lam * kappa) ** g * total
    increments = np.concatenate([[0.0], lam * total_variance[:-1] / m])
    mean_shift = np.cumsum(increments)
    mean_error = total / m_real + mean_shift
    moments = {
        "generation": g,
        "mean_error": mean_error,
        "mean_shift": mean_shift,
        "total_variance": total_variance,
    }
    if d == 1:
        sigma = np.sqrt(total)
        std = (
            sigma
            * _expected_std_factor(m_real, ddof)
            * (np.sqrt(lam) * _expected_std_factor(m, ddof)) ** g
        )
        moments["std"] = std
        moments["wasserstein2"] = mean_error + total_variance - 2 * sigma * std + total
    return moments


# ---------------------------------------------------------------------------
# Zipf data and the memorising learner (A Tale of Tails)
# ---------------------------------------------------------------------------


def zipf_error(
    n_generations,
    *,
    n_samples,
    exponent=2.0,
    top_k=None,
    temperature=1.0,
    clean_fraction=0.0,
    n_categories=None,
):
    """Test error of a memorising learner on Zipf data, across generations.

    "A Tale of Tails" (Dohmatob, Feng, Yang, Charton & Kempe [1]_): tokens
    follow ``p_i ∝ i^-exponent``; the memoriser ("Hutter" learner) answers
    correctly exactly the tokens it has seen, so its test error is the
    ``p``-mass of the tokens missing from its training set.

    Parameters
    ----------
    n_generations : int >= 0
        Number of synthetic generations after generation 0.

    n_samples : float or array-like of floats >= 1
        Training-set size ``T`` of every generation; the result is
        vectorised over it.

    exponent : float, default=2.0
        Zipf exponent ``beta`` (``> 1`` for an infinite vocabulary, ``> 0``
        for a finite one).

    top_k : int >= 1, default=None
        Tail cutting: the data of generation 0 come from the ``top_k`` most
        frequent tokens only (top-k sampling of a generator). None: no cut.

    temperature : float > 0, default=1.0
        Tail narrowing: the generator emits ``q_i ∝ i^-(beta / temperature)``
        (``< 1`` narrows). Composed with ``top_k``.

    clean_fraction : float in [0, 1], default=0.0
        Share ``pi`` of clean (real) tokens mixed into generation 0's data;
        ignored when the generator is clean (``top_k=None`` and
        ``temperature=1``).

    n_categories : int >= 1, default=None
        Vocabulary size; None for the infinite Zipf law ``p_i = i^-beta /
        zeta(beta)``.

    Returns
    -------
    error : ndarray of shape (n_generations + 1, ``*np.shape(n_samples)``)
        Expected test error of generations ``0 .. n_generations``.

    Notes
    -----
    Generation 0 is trained on ``T`` draws from ``q = pi p + (1 - pi) g``,
    ``g`` the (possibly tail-cut and narrowed) generator; with the defaults
    ``q = p``: generation 0 is trained on real data. Generation ``g >= 1`` is
    trained on ``T`` draws from generation ``g - 1``'s memorised
    distribution (its empirical distribution).

    Generation 0 is exact: ``E = sum_i p_i (1 - q_i)^T`` [1]_. Clean data give
    ``E ~ T^-(1 - 1/beta)`` with constant ``zeta(beta)^(-1/beta) Gamma(1 -
    1/beta) / beta``; a tail cut at ``k`` adds a plateau ``sum_{i>k} p_i ~
    k^-(beta-1)``; narrowing gives ``E ~ T^-((beta-1)/beta')``; mixing a
    clean fraction recovers the clean law, delayed, at ``(pi T)^-(1-1/beta)``.

    Later generations use a branching approximation of multinomial
    resampling: the copies of a rare token evolve as independent critical
    Poisson Galton-Watson lineages, which survive ``g`` generations with
    probability ``e_g`` (``e_0 = 1``, ``e_g = 1 - exp(-e_{g-1})``, ``e_g ~
    2/g``). A token absent from generation ``g`` has no surviving lineage,
    so ``E_g = sum_i p_i (1 - e_g q_i)^T``: generation ``g`` loses the tail
    as if it had seen only ``e_g T`` clean tokens. The approximation
    neglects the fixed population size (relative error ``O(g/T)`` for the
    tokens at risk) and matches simulation within 1-2% for ``T = 10^4``,
    ``g <= 31`` (in the paper's count of fits, our ``g`` is ``n = g + 1``).

    For an infinite vocabulary the first ``max(10000, top_k)`` terms are
    summed and the rest is integrated (midpoint rule after the substitution
    ``y = x^(1-beta)``), with error below ``1e-9``.

    References
    ----------
    .. [1] E. Dohmatob, Y. Feng, P. Yang, F. Charton and J. Kempe, "A Tale of
       Tails: Model Collapse as a Change of Scaling Laws", ICML 2024,
       arXiv:2402.07043.

    Examples
    --------
    >>> from skcollapse.theory import zipf_error
    >>> zipf_error(0, n_samples=[1e3, 1e4, 1e5])
    array([[0.02184, 0.00691, 0.00219]])
    >>> zipf_error(0, n_samples=1e6, top_k=100)
    array([0.00605])
    >>> zipf_error(2, n_samples=1e4).round(5)
    array([0.00691, 0.00869, 0.01009])
    """
    n_generations = _check_int(n_generations, "n_generations", min_value=0)
    sizes = np.asarray(n_samples, dtype=float)
    if not np.all(np.isfinite(sizes)) or np.any(sizes < 1):
        raise ValueError(
            f"n_samples must be a number or array-like of numbers >= 1, got "
            f"{n_samples!r}."
        )
    if n_categories is not None:
        n_categories = _check_int(n_categories, "n_categories", min_value=1)
    infinite = n_categories is None
    beta = _check_real(exponent, "exponent", low=1 if infinite else 0, low_open=True)
    if top_k is not None:
        top_k = _check_int(top_k, "top_k", min_value=1)
        if not infinite:
            top_k = min(top_k, n_categories)
    tau = _check_real(temperature, "temperature", low=0, low_open=True)
    pi = _check_real(clean_fraction, "clean_fraction", low=0, high=1)
    beta_q = beta / tau
    if infinite and top_k is None and beta_q <= 1:
        raise ValueError(
            "exponent / temperature must exceed 1 for an infinite vocabulary "
            f"without top_k, got {beta_q!r}."
        )

    n_head = n_categories if not infinite else max(_ZIPF_HEAD, top_k or 0)
    rank = np.arange(1, n_head + 1, dtype=float)
    p_norm = zeta(beta) if infinite else np.sum(rank**-beta)
    p = rank**-beta / p_norm
    generator = rank**-beta_q
    if top_k is not None:
        generator[top_k:] = 0.0
    if top_k is not None or not infinite:
        g_norm = generator.sum()
    else:
        g_norm = zeta(beta_q)
    generator /= g_norm
    q = pi * p + (1 - pi) * generator

    def q_tail(x):
        # q beyond the summed head (infinite vocabulary only)
        value = pi * x**-beta / p_norm
        if top_k is None:
            value = value + (1 - pi) * x**-beta_q / g_norm
        return value

    survival = np.empty(n_generations + 1)
    survival[0] = 1.0
    for gen in range(1, n_generations + 1):
        survival[gen] = -np.expm1(-survival[gen - 1])

    error = np.empty((n_generations + 1,) + sizes.shape)
    for gen, e in enumerate(survival):
        for index, t in np.ndenumerate(sizes):
            value = np.sum(p * np.exp(t * np.log1p(-e * q)))
            if infinite:
                value += _zipf_tail(t, e, beta, p_norm, n_head, q_tail)
            error[(gen,) + index] = value
    return error


def _zipf_tail(t, e, beta, p_norm, n_head, q_tail):
    """sum_{i > n_head} p_i (1 - e q_i)^t by the midpoint rule, y = x^(1-beta)."""

    def integrand(y):
        with np.errstate(divide="ignore", over="ignore"):
            x = y ** (-1 / (beta - 1))
        return np.exp(t * np.log1p(-e * q_tail(x)))

    upper = (n_head + 0.5) ** (1 - beta)
    value, _ = quad(integrand, 0.0, upper, epsabs=1e-14, epsrel=1e-10, limit=200)
    return value / ((beta - 1) * p_norm)
