"""Tests of the memoriser on Zipf data (A Tale of Tails).

Reference numbers come from ../shared/PAPERS.md. A Monte Carlo check passes
when the simulated mean is within 3 standard errors of the formula, plus a
stated slack for the branching approximation
(:func:`skcollapse.utils._testing.assert_mc_agrees`).
"""

import numpy as np
import pytest
from scipy.special import zeta

from skcollapse.theory import zipf_error
from skcollapse.utils._testing import assert_mc_agrees


def zipf_probabilities(n_categories, exponent):
    p = np.arange(1, n_categories + 1, dtype=float) ** -exponent
    return p / p.sum()


def test_zipf_error_references():
    # beta=2; references given to 3-4 significant digits: rtol 0.5% covers
    # their rounding (the largest relative rounding is 0.0078 -> 0.5%).
    T = [1e3, 1e4, 1e5]
    np.testing.assert_allclose(
        zipf_error(0, n_train=T)[0], [0.02184, 0.00691, 0.00219], rtol=5e-3
    )
    np.testing.assert_allclose(
        zipf_error(0, n_train=[1e4, 1e6], top_k=100)[0],
        [0.00792, 0.00605],
        rtol=5e-3,
    )
    np.testing.assert_allclose(
        zipf_error(0, n_train=[1e4, 1e6], temperature=2 / 3)[0],
        [0.0268, 0.00577],
        rtol=5e-3,
    )
    np.testing.assert_allclose(
        zipf_error(0, n_train=10 ** np.arange(3, 8), top_k=100, real_fraction=0.1)[0],
        [0.0219, 0.0078, 0.0050, 0.00218, 0.00069],
        rtol=6e-3,
    )


def test_zipf_error_asymptotics():
    # Clean: T^-(1-1/beta) with constant zeta(beta)^(-1/beta) Gamma(1-1/beta)/beta.
    error = zipf_error(0, n_train=10**8)[0]
    assert error * 1e8**0.5 == pytest.approx(0.6910, rel=1e-3)
    # Tail cut: plateau sum_{i>k} p_i.
    plateau = 1 - np.sum(np.arange(1, 101.0) ** -2) / zeta(2)
    assert zipf_error(0, n_train=10**9, top_k=100)[0] == pytest.approx(plateau)


def test_zipf_error_generations_references():
    # PAPERS.md (MC) lost tail mass at beta=2, T0=1e4 for n = 1, 2, 4, 8, 16, 32
    # fits (our generation n - 1). The MC values behind them are 1-3% high even
    # at n=1, where the formula is exact (0.00691): rtol 4%.
    error = zipf_error(31, n_train=10**4)
    np.testing.assert_allclose(
        error[[0, 1, 3, 7, 15, 31]],
        [0.0071, 0.0089, 0.0115, 0.0156, 0.0207, 0.0291],
        rtol=0.04,
    )
    assert np.all(np.diff(error) > 0)


def test_zipf_error_monte_carlo():
    # Memoriser on a finite Zipf vocabulary; generation 0 exact, later
    # generations within 3 SE plus 2% (branching approximation, O(g/T)).
    rng = np.random.default_rng(9)
    s, beta, T, n_runs, G = 2000, 1.5, 500, 2000, 6
    p = zipf_probabilities(s, beta)
    generator = np.zeros(s)
    generator[:50] = p[:50] ** (1 / 0.8)  # top_k=50, temperature=0.8
    q = 0.2 * p + 0.8 * generator / generator.sum()  # real_fraction=0.2
    counts = rng.multinomial(T, q, size=n_runs)
    lost = np.empty((n_runs, G + 1))
    for g in range(G + 1):
        lost[:, g] = ((counts == 0) * p).sum(axis=1)
        counts = rng.multinomial(T, counts / T)
    expected = zipf_error(
        G,
        n_train=T,
        exponent=beta,
        n_categories=s,
        top_k=50,
        temperature=0.8,
        real_fraction=0.2,
    )
    assert_mc_agrees(lost[:, 0], expected[0])
    assert_mc_agrees(lost[:, 1:], expected[1:], rtol=0.02)


def test_zipf_error_shape_and_finite_vocabulary():
    error = zipf_error(3, n_train=[[10, 100, 1000]])
    assert error.shape == (4, 1, 3)
    assert np.all(np.diff(error, axis=0) > 0)  # more generations, more error
    assert np.all(np.diff(error, axis=2) < 0)  # more data, less error
    # A finite vocabulary converges to the infinite one.
    finite = zipf_error(0, n_train=1000, n_categories=10**6)
    infinite = zipf_error(0, n_train=1000)
    # (the finite law is renormalised: p_i grows by the tail mass, 6e-7)
    assert finite == pytest.approx(infinite, rel=1e-4)
    # top_k beyond the vocabulary is no cut.
    np.testing.assert_allclose(
        zipf_error(0, n_train=50, n_categories=30, top_k=100),
        zipf_error(0, n_train=50, n_categories=30),
    )


@pytest.mark.parametrize("exponent", [1 + 1e-9, 1.0001, 1.001, 1.01])
def test_zipf_error_exponent_just_above_one_is_finite_and_exact(exponent):
    # x = y^(-1/(beta-1)) overflowed float64 (OverflowError from 1.0001 on).
    # Independent reference at generation 0: the first 10**6 terms summed,
    # the rest from the Hurwitz zeta to second order in p (the third-order
    # term, T^2 sum p^3 / 6 < 1e-20 here, is negligible).
    T = 1000
    N = 10**6
    z = zeta(exponent)
    p = np.arange(1, N + 1, dtype=float) ** -exponent / z
    head = np.sum(p * np.exp(T * np.log1p(-p)))
    tail = zeta(exponent, N + 1) / z - T * zeta(2 * exponent, N + 1) / z**2
    error = zipf_error(3, n_train=T, exponent=exponent)
    assert error[0] == pytest.approx(head + tail, rel=1e-12, abs=1e-14)
    assert np.all((error > 0) & (error <= 1))
    assert np.all(np.diff(error) >= 0)  # generations lose tail mass


def test_zipf_error_tends_to_one_as_the_exponent_tends_to_one():
    # the mass spreads over ever rarer tokens: everything is missed
    errors = [
        zipf_error(0, n_train=10**4, exponent=1 + eps)[0] for eps in (1e-2, 1e-4, 1e-8)
    ]
    assert errors[0] < errors[1] < errors[2] <= 1.0
    assert errors[2] == pytest.approx(1.0, abs=1e-8)


def test_zipf_error_degenerate_generators_are_exact_without_warnings():
    # a generator concentrated on one token (temperature -> 0, or a huge
    # exponent) has q_1 = 1: log1p(-1) is -inf and (1 - 1)^T exactly 0
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        narrow = zipf_error(0, n_train=100, temperature=1e-300)[0]
        steep = zipf_error(0, n_train=100, exponent=500.0)[0]
    # every token but the first is missed: 1 - p_1 = 1 - 1/zeta(2)
    assert narrow == pytest.approx(1 - 1 / zeta(2.0), rel=1e-12)
    # p_2 = 2^-500 / zeta(500) dominates what is missed
    assert steep == pytest.approx(2.0**-500, rel=1e-12)


def test_zipf_error_tail_beyond_the_head_with_real_and_tempered_tokens():
    # An infinite vocabulary with real_fraction = 0.6 of the real law mixed
    # with a generator tempered to exponent 2 / 1.25 = 1.6, at 10**8 and
    # 3 * 10**7 + 1 tokens: the tokens seen beyond the function's summed head
    # carry about 1e-5 of the error, so both parts of the mixture's tail
    # matter. Independent reference from the defining sum
    # sum_i p_i (1 - e_g q_i)^T (e_g the survival of the tokens after g
    # generations): the first 10**6 terms summed, the rest the tail mass
    # minus its seen mass to second order in T q (Hurwitz zeta; the second
    # order is about 1e-12, the third below 1e-14).
    beta, tau, pi = 2.0, 1.25, 0.6
    beta_q = beta / tau
    sizes = np.array([10**8, 3 * 10**7 + 1], dtype=float)
    N = 10**6
    rank = np.arange(1, N + 1, dtype=float)
    p = rank**-beta / zeta(beta)
    q = pi * p + (1 - pi) * rank**-beta_q / zeta(beta_q)
    first_order = pi * zeta(2 * beta, N + 1) / zeta(beta) ** 2 + (1 - pi) * zeta(
        beta + beta_q, N + 1
    ) / (zeta(beta) * zeta(beta_q))
    second_order = (
        pi**2 * zeta(3 * beta, N + 1) / zeta(beta) ** 3
        + 2
        * pi
        * (1 - pi)
        * zeta(2 * beta + beta_q, N + 1)
        / (zeta(beta) ** 2 * zeta(beta_q))
        + (1 - pi) ** 2
        * zeta(beta + 2 * beta_q, N + 1)
        / (zeta(beta) * zeta(beta_q) ** 2)
    )
    survival = [1.0]
    for _ in range(2):
        survival.append(-np.expm1(-survival[-1]))
    reference = np.array(
        [
            [
                np.sum(p * np.exp(T * np.log1p(-e * q)))
                + zeta(beta, N + 1) / zeta(beta)
                - T * e * first_order
                + (T * e) ** 2 / 2 * second_order
                for T in sizes
            ]
            for e in survival
        ]
    )
    error = zipf_error(
        2, n_train=sizes.astype(int), exponent=beta, temperature=tau, real_fraction=pi
    )
    # the function's tail is a midpoint rule over the tokens beyond its head,
    # 3e-9 relative here; a wrong weight of either part of the mixture's
    # tail moves the error by 3% (real part) or 57% (generator part)
    np.testing.assert_allclose(error, reference, rtol=1e-7)
