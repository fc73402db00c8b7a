"""A Gaussian refitted on its own samples (Shumailov et al., Alemohammad et al.)."""

# Authors: The skcollapse developers
# SPDX-License-Identifier: BSD-3-Clause

from numbers import Integral, Real

import numpy as np
from scipy.special import gammaln

from .._compat import StrOptions, validate_params
from .._loop import real_fraction_of, round_count
from .._params import Interval, Options
from ._accumulate import _pooled_moments
from ._docstrings import fill_doc_citing
from ._fresh import _fresh_gaussian_moments
from ._validation import size

__all__ = ["gaussian_refit"]

_POSITIVE = Interval(Real, 0, None, closed="neither")


# Above this x, log Gamma(x + 1/2) - log Gamma(x) comes from its asymptotic
# series (next term below 1e-17 of the result); below, from gammaln, whose
# difference is then accurate to about 1e-14 of the result.
_SERIES_FROM = 20.0


def _jensen_gap(m):
    """``D(m) = log E s^2 - 2 log E s`` for the std ``s`` of ``m`` samples.

    With ``S ~ sigma^2 chi2_{m-1}``, ``x = (m - 1)/2`` and ``R(x) =
    Gamma(x + 1/2) / Gamma(x)``: ``D = log x - 2 log R(x) > 0``, the same for
    every ``ddof``, and about ``1/(2m)``. Computed from the asymptotic series
    of ``log R`` for large ``x``: the difference of two ``gammaln`` values of
    size ``m log m`` would lose every digit of ``D`` for large ``m`` (at
    ``m = 10**12`` it gave ``E sigma`` wrong by 6e-4, at ``10**300`` zero).
    """
    x = (float(m) - 1) / 2
    if x < _SERIES_FROM:
        return float(np.log(x) - 2 * (gammaln(x + 0.5) - gammaln(x)))
    # log R(x) = log(x)/2 - 1/(8x) + 1/(192x^3) - 1/(640x^5) + 17/(14336x^7)
    #            - 31/(18432x^9) + ...   (Bernoulli polynomials at 1/2)
    u = 1 / x
    u2 = u * u
    return u * (
        1 / 4 + u2 * (-1 / 96 + u2 * (1 / 320 + u2 * (-17 / 7168 + u2 * 31 / 9216)))
    )


def _log_kappa(m, ddof):
    """``log((m - 1)/(m - ddof))``: 0 for ddof=1, ``log1p(-1/m)`` for ddof=0."""
    return float(np.log1p((ddof - 1) / (float(m) - ddof)))


@validate_params(
    {
        "n_generations": [size(0)],
        "n_real": [size(2)],
        "n_synthetic": [size(2), None],
        "n_features": [size(1)],
        "variance": [_POSITIVE],
        "temperature": [_POSITIVE],
        "ddof": [Options(Integral, {0, 1})],
        "data": [StrOptions({"replace", "accumulate"})],
        "real_fraction": [Interval(Real, 0, 1, closed="both"), None],
        "real_sampling": [StrOptions({"fixed", "fresh"})],
        "synthetic_weight": [_POSITIVE],
    },
    prefer_skip_nested_validation=True,
)
@fill_doc_citing("shumailov2024", "alemohammad2024", "gerstgrasser2024", "he2025")
def gaussian_refit(
    n_generations,
    *,
    n_real,
    n_synthetic=None,
    n_features=1,
    variance=1.0,
    temperature=1.0,
    ddof=1,
    data="replace",
    real_fraction=None,
    real_sampling="fixed",
    synthetic_weight=1.0,
):
    """Expected moments of a Gaussian refitted on its own samples.

    Generation 0 fits a Gaussian (sample mean, sample covariance with
    ``ddof``) on ``n_real`` real samples of ``N(mu, Sigma)``; generation ``g``
    fits it on ``n_synthetic`` samples of ``N(mu_{g-1}, temperature *
    Sigma_{g-1})`` (Shumailov et al. [1]_; sampling bias of Alemohammad et
    al. [2]_). The training set of generation ``g`` follows the data regime
    of :class:`~skcollapse.RecursiveDensityRetrainer` with
    :class:`~skcollapse.generative.GaussianDensity`: that batch alone, the
    real rows beside it, every batch so far (``data="accumulate"``,
    Gerstgrasser et al. [3]_), or fresh real rows weighted against it
    (``real_sampling="fresh"``, He, Xu & Cheng [4]_).

    Parameters
    ----------
    %(n_generations)s

    n_real : int >= 2
        Real samples ``M_r`` of generation 0.

    n_synthetic : int >= 2, default=None
        Synthetic samples ``M`` per generation (``M`` in Shumailov et al.,
        ``n_s`` in Alemohammad et al.; ``synthetic_size`` of the
        meta-estimators). None means ``n_real``.

    n_features : int >= 1, default=1
        Dimension ``d``. The ``"std"`` and ``"wasserstein2"`` entries are
        only returned for ``d = 1``.

    variance : float > 0, default=1.0
        Total variance ``tr Sigma`` of the real distribution (``sigma^2`` in
        1-D).

    temperature : float > 0, default=1.0
        Sampling bias ``lambda``: samples are drawn with covariance
        ``temperature * Sigma_g`` (< 1 narrows, as truncation or guidance).

    ddof : {0, 1}, default=1
        1: unbiased covariance estimate; 0: maximum likelihood. With weights,
        the weighted sum of squares is divided by the total weight minus
        ``ddof``, as :class:`~skcollapse.generative.GaussianDensity` does.

    data : {"replace", "accumulate"}, default="replace"
        ``"replace"``: generation ``g`` is fitted on its own synthetic batch
        (and the real part). ``"accumulate"``: on the real part and every
        synthetic batch so far, ``N_g = n_real + g n_synthetic`` rows when
        the real rows are kept.

    real_fraction : float in [0, 1], default=None
        Share of the real rows in every later training set, as in the
        meta-estimators; None means 0 under ``"replace"`` and 1 under
        ``"accumulate"``. With ``real_sampling="fixed"`` only 0 (none) and 1
        (the same ``n_real`` rows as generation 0) are covered; with
        ``"fresh"`` it must be above 0, and each generation draws
        ``real_fraction * n_real`` new rows (rounded as the meta-estimators
        round it).

    real_sampling : {"fixed", "fresh"}, default="fixed"
        ``"fixed"``: the real part is generation 0's real rows. ``"fresh"``:
        every generation draws new real rows from ``N(mu, Sigma)``
        (``real_source`` of the meta-estimators); ``data="replace"`` only.

    synthetic_weight : float > 0, default=1.0
        Weight ``s`` of a synthetic row relative to a real one (frequency
        weights of the fit). With ``n`` real and ``m`` synthetic rows the
        real rows carry the share ``w = n / (n + s m)`` of the weight.

    Returns
    -------
    moments : dict of ndarrays of shape (n_generations + 1,)
        - ``"generation"``: ``0 .. n_generations``.
        - ``"mean_error"``: ``E||mu_g - mu||^2``, to the **true** mean
          (Shumailov et al.).
        - ``"mean_shift"``: ``E||mu_g - mu_0||^2``, to generation 0's fitted
          mean, i.e. the real sample mean (Alemohammad et al.); 0 at g=0.
        - ``"total_variance"``: ``E tr Sigma_g``.
        - ``"std"`` (``d = 1``, fully synthetic replace loop with
          ``synthetic_weight=1`` only): ``E sigma_g``.
        - ``"wasserstein2"`` (same cases): ``E W_2^2`` between
          ``N(mu_g, sigma_g^2)`` and the true ``N(mu, sigma^2)``.

    See Also
    --------
    optimal_real_weight : The best weight of fresh real data.
    linear_regression_error : The same regimes for least squares.

    Notes
    -----
    With ``kappa(m) = (m - 1)/(m - ddof)`` and ``a(m) = sqrt(2/(m - ddof))
    Gamma(m/2) / Gamma((m-1)/2)`` (``E s = a sigma`` for the standard
    deviation ``s`` of ``m`` samples), ``M = n_synthetic``, ``M_r = n_real``:

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

    **Pools** (``data="accumulate"``, or the real rows kept). Write ``tau =
    tr Sigma``, ``V_g = E tr Sigma_g``, ``D_g = E||mu_g - mu_0||^2``,
    ``n = n_real``, ``m = n_synthetic``, ``s = synthetic_weight``,
    ``delta = ddof``. Merging a batch ``B`` (``m`` rows of ``N(mu_{g-1},
    lambda Sigma_{g-1})``, mean ``b``, weight ``s`` each) into rows of total
    weight ``W`` and mean ``c`` gives the weighted sum of squares ``SS + s
    SS_B + (W s m / (W + s m)) ||b - c||^2`` and the mean ``(W c + s m b) /
    (W + s m)``; every term's expectation given the past is linear in
    ``V_{g-1}`` and ``D_{g-1}``, so the recursions below are exact.

    - ``data="accumulate"``: the pool after generation ``g`` has weight
      ``W_g = r + g s m`` (``r = n`` with the real rows, 0 without) and sum
      of squares ``T_g = T_{g-1} + lambda V_{g-1} (s (m - 1) + s W_{g-1} /
      W_g)`` from ``T_0 = (n - 1) tau`` (0 without real rows), ``V_g = T_g
      / (W_g - delta)``; the mean is a martingale, ``D_g = D_{g-1} + s^2 m
      lambda V_{g-1} / W_g^2``, and ``E||mu_g - mu||^2 = tau/n + D_g``.
      With ``s = 1``, ``m = n``, ``N_g = (g + 1) n``: ``E||mu_g - mu||^2 =
      tau/n + sum_{j<=g} n V_{j-1} / N_j^2 < (pi^2/6) tau/n`` for ``lambda
      <= 1`` (``V_j <= tau``): Gerstgrasser et al.'s ``pi^2/6`` bound of the
      accumulated error by generation 0's, for the Gaussian mean, as for
      least squares (:func:`linear_regression_error`); the variance
      converges to a positive limit (``V_g = V_{g-1} (1 - n / (N_g (N_g -
      1)))`` with ``ddof=1``) instead of collapsing. Their ``n`` counts fits
      (``n = 1`` is clean): our ``g`` is their ``n - 1``.
    - ``data="replace"`` with the real rows kept: ``w = n / (n + s m)``,
      ``mu_g = w mu_0 + (1 - w) b``, ``D_g = (1 - w)^2 (D_{g-1} + lambda
      V_{g-1} / m)`` and ``V_g = ((n - 1) tau + s (m - 1) lambda V_{g-1} +
      n (1 - w) (D_{g-1} + lambda V_{g-1} / m)) / (n + s m - delta)``.
    - ``real_sampling="fresh"`` (``n_f`` new rows per generation, ``w = n_f
      / (n_f + s m)``): ``E_g = E||mu_g - mu||^2 = w^2 tau / n_f + (1 -
      w)^2 (E_{g-1} + lambda V_{g-1} / m)`` and ``V_g = ((n_f - 1) tau + s
      (m - 1) lambda V_{g-1} + n_f (1 - w) (tau / n_f + E_{g-1} + lambda
      V_{g-1} / m)) / (n_f + s m - delta)``. With a known covariance
      (``V = tau``) the limit ``(tau / n_f) (w^2 + k (1 - w)^2) / (w (2 -
      w))``, ``k = n_f / m``, is minimised by the golden-ratio weight
      :func:`optimal_real_weight`; the estimated covariance moves the
      optimum by ``O(1/m)``.

    ``data="accumulate"`` with ``real_sampling="fresh"`` (fresh real rows
    beside every batch so far) and ``accumulate_window`` are not covered.

    Numerics: ``E W_2^2`` is computed as ``E(mu_g - mu)^2 + Var(sigma_g) +
    (E sigma_g - sigma)^2``, a sum of non-negative terms, so that it is never
    negative by cancellation and is ``+inf`` (not NaN) when a temperature
    far above 1 makes the moments overflow; ``log a(m)`` comes from the
    asymptotic series of ``log Gamma(x + 1/2) - log Gamma(x)`` for large
    ``m``, so every sample size up to the largest float is accurate (not
    the difference of two huge ``gammaln`` values).

    %(references)s

    Examples
    --------
    >>> from skcollapse.theory import gaussian_refit
    >>> moments = gaussian_refit(49, n_real=100)
    >>> [round(float(moments[key][-1]), 4)
    ...  for key in ("mean_error", "std", "wasserstein2")]
    [0.5, 0.8814, 0.7372]
    >>> moments = gaussian_refit(5, n_real=100, n_features=10, variance=10.0,
    ...                          temperature=0.8)
    >>> moments["total_variance"][-1].item(), moments["mean_shift"][-1].item()
    (3.2768, 0.2689)

    Accumulating keeps the variance and bounds the mean error below
    ``pi^2/6`` times generation 0's:

    >>> moments = gaussian_refit(1000, n_real=100, data="accumulate")
    >>> round(float(moments["total_variance"][-1]), 4)
    0.9936
    >>> round(float(moments["mean_error"][-1] / moments["mean_error"][0]), 4)
    1.6423

    Fresh real data every generation, weighted by the golden ratio:

    >>> from skcollapse.theory import optimal_real_weight
    >>> moments = gaussian_refit(
    ...     200, n_real=100, real_fraction=1.0, real_sampling="fresh",
    ...     synthetic_weight=optimal_real_weight(100, as_synthetic_weight=True))
    >>> round(float(moments["mean_error"][-1]), 5)
    0.00619
    """
    m_real = n_real
    m = n_real if n_synthetic is None else n_synthetic
    keep = _real_part(data, real_fraction, real_sampling)
    if (
        real_sampling == "fresh"
        or keep
        or data == "accumulate"
        or synthetic_weight != 1
    ):
        arguments = dict(
            n_real=n_real,
            n_synthetic=m,
            variance=variance,
            temperature=temperature,
            ddof=ddof,
            synthetic_weight=synthetic_weight,
        )
        if real_sampling == "fresh":
            return _fresh_gaussian_moments(
                n_generations, n_fresh=round_count(keep, n_real), **arguments
            )
        if synthetic_weight * m <= ddof or (
            keep and n_real + synthetic_weight * m <= ddof
        ):
            raise ValueError(
                f"synthetic_weight={synthetic_weight!r} with n_synthetic={m} "
                f"gives the synthetic rows a total weight at most ddof={ddof}: "
                "GaussianDensity cannot fit that. Use a larger synthetic_weight."
            )
        return _pooled_moments(
            n_generations, data=data, keep_real=bool(keep), **arguments
        )
    d = n_features
    total, lam = float(variance), float(temperature)
    g = np.arange(n_generations + 1)
    kappa_real, kappa = np.exp(_log_kappa(m_real, ddof)), np.exp(_log_kappa(m, ddof))
    # Overflow (a temperature far above 1, or many generations of it) gives
    # +inf, the answer; every entry below is a sum of non-negative terms, so
    # no inf - inf can make a NaN.
    with np.errstate(over="ignore", under="ignore"):
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
        gap_real, gap = _jensen_gap(m_real), _jensen_gap(m)
        # log E s_g, s_g = sigma_g / sigma: log a(M_r) + g (log a(M) + log(lam)/2)
        log_a_real = (_log_kappa(m_real, ddof) - gap_real) / 2
        log_a = (_log_kappa(m, ddof) - gap) / 2
        log_std = log_a_real + g * (log_a + np.log(lam) / 2)
        with np.errstate(over="ignore", under="ignore"):
            std = sigma * np.exp(log_std)
            # E W_2^2 = E(mu_g - mu)^2 + Var(sigma_g) + (E sigma_g - sigma)^2,
            # with Var(s_g) = E s_g^2 (1 - exp(-(D(M_r) + g D(M)))) computed
            # without cancellation (E s_g^2 and (E s_g)^2 agree to O(g/M)).
            second_moment = total_variance  # E sigma_g^2 = E tr Sigma_g in 1-D
            variance_of_std = second_moment * -np.expm1(-(gap_real + g * gap))
            bias = total * np.expm1(log_std) ** 2
            moments["std"] = std
            moments["wasserstein2"] = mean_error + variance_of_std + bias
    return moments


def _real_part(data, real_fraction, real_sampling):
    """The effective ``real_fraction``, checked against what is covered."""
    fraction = real_fraction_of(real_fraction, data)
    if real_sampling == "fresh":
        if data != "replace":
            raise ValueError(
                "gaussian_refit covers real_sampling='fresh' with data='replace' "
                f"only; got data={data!r}. Fresh real rows beside every "
                "synthetic batch so far are not derived."
            )
        if fraction == 0:
            raise ValueError(
                "real_sampling='fresh' draws each generation's real part fresh, "
                f"but real_fraction={real_fraction!r} keeps no real rows. Use a "
                "real_fraction above 0 (1 draws n_real fresh rows)."
            )
        return fraction
    if fraction not in (0.0, 1.0):
        raise ValueError(
            f"real_fraction={real_fraction!r} with real_sampling='fixed': "
            "gaussian_refit covers 0 (no real rows) and 1 (the n_real real rows "
            "in every training set) only."
        )
    return fraction
