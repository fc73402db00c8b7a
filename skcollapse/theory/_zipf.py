"""Zipf data and the memorising learner (A Tale of Tails)."""

# Authors: The skcollapse developers
# SPDX-License-Identifier: BSD-3-Clause

from numbers import Real

import numpy as np
from scipy.integrate import quad
from scipy.special import zeta

from .._compat import validate_params
from .._params import Interval
from ._docstrings import fill_doc_citing
from ._validation import check_array_values, size

__all__ = ["zipf_error"]

# Number of leading categories of an infinite Zipf law summed term by term in
# `zipf_error`; the rest is integrated numerically (midpoint rule).
_ZIPF_HEAD = 10_000


@validate_params(
    {
        "n_generations": [size(0)],
        "n_train": [size(1), "array-like"],
        "exponent": [Interval(Real, 0, None, closed="neither")],
        "top_k": [size(1), None],
        "temperature": [Interval(Real, 0, None, closed="neither")],
        "real_fraction": [Interval(Real, 0, 1, closed="both")],
        "n_categories": [size(1), None],
    },
    prefer_skip_nested_validation=True,
)
@fill_doc_citing("dohmatob2024tails")
def zipf_error(
    n_generations,
    *,
    n_train,
    exponent=2.0,
    top_k=None,
    temperature=1.0,
    real_fraction=0.0,
    n_categories=None,
):
    """Test error of a memorising learner on Zipf data, across generations.

    "A Tale of Tails" (Dohmatob, Feng, Yang, Charton & Kempe [1]_): tokens
    follow ``p_i ∝ i^-exponent``; the memoriser ("Hutter" learner) answers
    correctly exactly the tokens it has seen, so its test error is the
    ``p``-mass of the tokens missing from its training set.

    Parameters
    ----------
    %(n_generations)s

    n_train : int or array-like of whole numbers >= 1
        Training-set size ``T`` of every generation: generation 0's tokens
        (real, or from a cut generator mixed with real tokens), then ``T``
        synthetic tokens per generation (``synthetic_size=1.0`` of the
        meta-estimators). The result is vectorised over it.

    exponent : float, default=2.0
        Zipf exponent ``beta`` (``> 1`` for an infinite vocabulary, ``> 0``
        for a finite one).

    top_k : int >= 1, default=None
        Tail cutting: the data of generation 0 come from the ``top_k`` most
        frequent tokens only (top-k sampling of a generator). None: no cut.

    temperature : float > 0, default=1.0
        Tail narrowing: the generator emits ``q_i ∝ i^-(beta / temperature)``
        (``< 1`` narrows). Composed with ``top_k``.

    real_fraction : float in [0, 1], default=0.0
        Share ``pi`` of real (clean) tokens mixed into generation 0's data,
        the rest coming from the generator; ignored when the generator is
        clean (``top_k=None`` and ``temperature=1``).

    n_categories : int >= 1, default=None
        Vocabulary size; None for the infinite Zipf law ``p_i = i^-beta /
        zeta(beta)``.

    Returns
    -------
    error : ndarray of shape (n_generations + 1, ``*np.shape(n_train)``)
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
    real fraction recovers the clean law, delayed, at ``(pi T)^-(1-1/beta)``.

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
    summed; beyond them the tail mass is exact (Hurwitz zeta) and the mass
    of the tokens seen in it is integrated (midpoint rule after the
    substitution ``y = x^(1-beta)``, computed from ``log x`` so that nothing
    overflows for an exponent just above 1), with error below ``1e-9``.
    Every exponent ``> 1`` works: as it tends to 1 the error tends to 1 (the
    mass spreads over ever rarer tokens). The result is a probability,
    rounded into [0, 1].

    %(references)s

    Examples
    --------
    >>> from skcollapse.theory import zipf_error
    >>> zipf_error(0, n_train=[1e3, 1e4, 1e5])
    array([[0.02184, 0.00691, 0.00219]])
    >>> zipf_error(0, n_train=10**6, top_k=100)
    array([0.00605])
    >>> zipf_error(2, n_train=10**4).round(5)
    array([0.00691, 0.00869, 0.01009])
    """
    sizes = check_array_values(n_train, "n_train", "zipf_error", low=1, integer=True)
    infinite = n_categories is None
    beta, tau, pi = float(exponent), float(temperature), float(real_fraction)
    if infinite and beta <= 1:
        raise ValueError(
            "exponent must be a float > 1 for an infinite vocabulary "
            f"(n_categories=None), got {exponent!r}."
        )
    if top_k is not None and not infinite:
        top_k = min(top_k, n_categories)
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

    def q_tail(log_x):
        # q beyond the summed head (infinite vocabulary only), from log(x) so
        # that x = y^(-1/(beta-1)) never overflows for beta just above 1
        with np.errstate(over="ignore", under="ignore"):
            value = pi * np.exp(-beta * log_x) / p_norm
            if top_k is None:
                value = value + (1 - pi) * np.exp(-beta_q * log_x) / g_norm
        return value

    survival = np.empty(n_generations + 1)
    survival[0] = 1.0
    for gen in range(1, n_generations + 1):
        survival[gen] = -np.expm1(-survival[gen - 1])

    error = np.empty((n_generations + 1,) + sizes.shape)
    for gen, e in enumerate(survival):
        # log1p(-1) = -inf for a token of probability 1: (1 - 1)^t = 0
        with np.errstate(divide="ignore"):
            log_missed = np.log1p(-e * q)
        for index, t in np.ndenumerate(sizes):
            value = np.sum(p * np.exp(t * log_missed))
            if infinite:
                value += _zipf_tail(t, e, beta, p_norm, n_head, q_tail)
            error[(gen,) + index] = value
    # a probability mass: rounding of a sum of masses may pass 1 by an ulp
    return np.clip(error, 0.0, 1.0)


def _zipf_tail(t, e, beta, p_norm, n_head, q_tail):
    """sum_{i > n_head} p_i (1 - e q_i)^t, for an infinite vocabulary.

    The tail mass ``sum_{i > n_head} p_i`` is exact (Hurwitz zeta); from it
    is subtracted the mass of the tokens seen, ``sum p_i (1 - (1 - e
    q_i)^t)``, by the midpoint rule after the substitution ``y =
    x^(1-beta)``. Integrating the (small) seen mass rather than the missed
    one keeps the quadrature's relative tolerance relative to what is
    computed, so an exponent just above 1, where almost all the mass is in
    the tail and the error is close to 1, loses no digits.

    ``x = y^(-1/(beta-1))`` overflows float64 for an exponent just above 1
    (``1/(beta-1)`` is 1e4 at ``beta = 1.0001``): the integrand works with
    ``log x = -log(y) / (beta - 1)`` instead, and ``x^-beta`` is
    ``exp(-beta log x)``, which underflows to 0 where it should.
    """

    def seen(y):
        # (tiny token probabilities underflow to 0 where they should)
        with np.errstate(divide="ignore", under="ignore"):
            log_x = -np.log(y) / (beta - 1)
            return -np.expm1(t * np.log1p(-e * q_tail(log_x)))

    upper = (n_head + 0.5) ** (1 - beta)
    value, _ = quad(seen, 0.0, upper, epsabs=1e-16, epsrel=1e-10, limit=200)
    return zeta(beta, n_head + 1) / p_norm - value / ((beta - 1) * p_norm)
