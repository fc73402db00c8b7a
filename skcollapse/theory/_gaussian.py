"""A Gaussian refitted on its own samples (Shumailov et al., Alemohammad et al.)."""

# Authors: The skcollapse developers
# SPDX-License-Identifier: BSD-3-Clause

from numbers import Integral, Real

import numpy as np
from scipy.special import gammaln

from .._compat import validate_params
from .._params import Interval, Options
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
    },
    prefer_skip_nested_validation=True,
)
def gaussian_refit(
    n_generations,
    *,
    n_real,
    n_synthetic=None,
    n_features=1,
    variance=1.0,
    temperature=1.0,
    ddof=1,
):
    """Expected moments of a Gaussian refitted on its own samples.

    Generation 0 fits a Gaussian (sample mean, sample covariance with
    ``ddof``) on ``n_real`` real samples of ``N(mu, Sigma)``; generation ``g``
    fits it on ``n_synthetic`` samples of ``N(mu_{g-1}, temperature *
    Sigma_{g-1})`` (Shumailov et al. [1]_; sampling bias of Alemohammad et
    al. [2]_).

    Parameters
    ----------
    n_generations : int >= 0
        Number of synthetic generations after generation 0.

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

    Numerics: ``E W_2^2`` is computed as ``E(mu_g - mu)^2 + Var(sigma_g) +
    (E sigma_g - sigma)^2``, a sum of non-negative terms, so that it is never
    negative by cancellation and is ``+inf`` (not NaN) when a temperature
    far above 1 makes the moments overflow; ``log a(m)`` comes from the
    asymptotic series of ``log Gamma(x + 1/2) - log Gamma(x)`` for large
    ``m``, so every sample size up to the largest float is accurate (not
    the difference of two huge ``gammaln`` values).

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
    >>> moments = gaussian_refit(49, n_real=100)
    >>> [round(float(moments[key][-1]), 4)
    ...  for key in ("mean_error", "std", "wasserstein2")]
    [0.5, 0.8814, 0.7372]
    >>> moments = gaussian_refit(5, n_real=100, n_features=10, variance=10.0,
    ...                          temperature=0.8)
    >>> moments["total_variance"][-1].item(), moments["mean_shift"][-1].item()
    (3.2768, 0.2689)
    """
    m_real = n_real
    m = n_real if n_synthetic is None else n_synthetic
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
