"""Tests written against the theory target's surviving mutants (issue 16).

Each test here was written for mutants that the rest of the suite let
survive (``python tools/mutation.py theory``; the list and the mutants judged
equivalent are in ``tests/mutation_survivors.md``), and checked against
them: it fails with the mutant applied and passes without. They test
behaviour through the public functions where one reaches the code: closed
forms to 1e-12 where they are exact, the whole text of a refusal, what
``n_draws`` and ``random_state`` change.
"""

import decimal
import math

import numpy as np
import pytest
from conftest import whole

from skcollapse._random import draw_seed
from skcollapse.theory import (
    _linear,
    gaussian_refit,
    linear_fresh_data_error,
    linear_regression_error,
    optimal_ridge_penalty,
)
from skcollapse.theory._gaussian import _jensen_gap
from skcollapse.theory._linear import _ridge_moments
from skcollapse.utils._testing import assert_mc_agrees


def _differs(a, b):
    """Two Monte Carlo estimates that are not the same numbers."""
    return not np.allclose(a, b, rtol=1e-9, atol=0)


# --------------------------------------------------------------------------
# _ridge_moments at alpha = 0: the OLS and minimum-norm closed forms
# --------------------------------------------------------------------------


def _ridgeless_chain(n_generations, d, n, m, var, var0, w2):
    """Dohmatob et al.'s fresh-design chain of ridgeless fits, written out.

    A fit on ``N`` rows keeps the share ``k = min(N, d) / d`` of ``w*`` (m1 =
    m2 = k) and has the noise factor ``v = d / (N - d - 1)`` above ``d``,
    ``N / (d - N - 1)`` below it.
    """

    def kept(rows):
        return min(rows, d) / d

    def factor(rows):
        return d / (rows - d - 1) if rows > d else rows / (d - rows - 1)

    g = np.arange(n_generations + 1)
    b = kept(m) ** g * w2  # E <w*, w_g>
    a = kept(m) ** g * w2 + var0 * factor(m) * np.array(
        [sum(kept(m) ** j for j in range(gen)) for gen in g]
    )  # E ||w_g||^2
    return w2 - 2 * kept(n) * b + kept(n) * a + var * factor(n)


@pytest.mark.parametrize("n_real", [9, 10, 5, 4])  # d + 2, d + 3, d - 2, d - 3
@pytest.mark.parametrize("n_synthetic", [9, 10, 5, 4])
def test_ridgeless_fresh_chain_is_its_closed_form_two_and_three_rows_from_d(
    n_real, n_synthetic
):
    # two and three rows from d = 7 the closed forms hold (and the pseudo-
    # inverse is no control variate yet: a Monte Carlo estimate there would
    # miss them by far more than 1e-12)
    error = linear_regression_error(
        3,
        n_features=7,
        n_real=n_real,
        n_synthetic=n_synthetic,
        noise=0.7,
        synthetic_noise=0.3,
        coef_norm=1.3,
        design="fresh",
    )
    expected = _ridgeless_chain(3, 7, n_real, n_synthetic, 0.49, 0.09, 1.69)
    np.testing.assert_allclose(error, expected, rtol=1e-12, atol=0)
    if n_real == 9 and n_synthetic == 9:  # Dohmatob et al.: (sigma^2 + g sigma0^2) d
        np.testing.assert_allclose(error, 7 * (0.49 + 0.09 * np.arange(4)), rtol=1e-12)


def test_noise_free_min_norm_chain_forgets_t0_over_d_per_generation():
    # Dohmatob et al.: ||w*||^2 (1 - (T0/d)^g) for T0 < d noise-free synthetic
    # fits and a final fit that recovers its labelling model (T >= d, noise 0);
    # T0 = d - 2 and T = d, d + 1 (the final fit's noise factor is unused)
    for n_real in (11, 12):
        error = linear_regression_error(
            4,
            n_features=11,
            n_real=n_real,
            n_synthetic=9,
            noise=0.0,
            synthetic_noise=0.0,
            coef_norm=0.6,
            design="fresh",
        )
        expected = 0.36 * (1 - (9 / 11) ** np.arange(5))
        np.testing.assert_allclose(error, expected, rtol=1e-12, atol=1e-15)
    # T = T0 = d - 2: every generation the same min-norm fit
    error = linear_regression_error(
        4, n_features=11, n_real=9, noise=0.0, coef_norm=0.6, design="fresh"
    )
    np.testing.assert_allclose(
        error, 0.36 * (1 - (9 / 11) ** np.arange(1, 6)), rtol=1e-12
    )


@pytest.mark.parametrize("n_rows", [6, 7, 8])
def test_ridgeless_moments_within_one_row_of_d_have_an_infinite_noise_factor(
    n_rows,
):
    # the public functions refuse noisy fits there (check_finite_ols) and use
    # m3 only times a zero noise variance: the docstring's "m3 is infinite
    # otherwise" is checked on the helper itself
    m1, m2, m3 = _ridge_moments(n_rows, 7, 0.0, None, 0)
    assert m1 == m2 == min(n_rows, 7) / 7
    assert m3 == np.inf


def test_ridgeless_fresh_accumulate_from_exactly_d_plus_two_rows():
    # n_real = d + 2 is the fewest rows the OLS risk takes; the closed form
    # sigma^2 v(T) + sigma0^2 sum_j (T0 / N_j) v(N_j), N_j = T + j T0
    d, n, m = 7, 9, 5
    error = linear_regression_error(
        3,
        n_features=d,
        n_real=n,
        n_synthetic=m,
        noise=0.7,
        synthetic_noise=0.3,
        data="accumulate",
        design="fresh",
    )
    rows = n + m * np.arange(1, 4)
    increments = 0.09 * m / rows * d / (rows - d - 1)
    expected = 0.49 * d / (n - d - 1) + np.concatenate([[0.0], np.cumsum(increments)])
    np.testing.assert_allclose(error, expected, rtol=1e-12)
    # the fixed design from d + 2 rows too (accumulate: v (sigma^2 + sigma0^2
    # sum_{j=2}^{g+1} 1/j^2))
    error = linear_regression_error(
        2, n_features=d, n_real=n, noise=0.7, synthetic_noise=0.3, data="accumulate"
    )
    expected = d * (0.49 + 0.09 * np.array([0.0, 1 / 4, 1 / 4 + 1 / 9]))
    np.testing.assert_allclose(error, expected, rtol=1e-12)


@pytest.mark.parametrize(
    "design, data",
    [("fresh", "replace"), ("fresh", "accumulate"), ("fixed", "replace")],
)
def test_a_ridge_of_alpha_exactly_one_is_no_closed_form(design, data):
    # ridge = 1/8 on 8 rows is alpha = 1.0 exactly (n_synthetic = 8 too): its
    # risk is continuous with its neighbours' (common random numbers) and
    # below the OLS risk, which is d / (T - d - 1) = 2.5 times sigma^2 here
    kwargs = dict(n_features=5, n_real=8, noise=0.7, design=design, data=data)
    assert 8 * 0.125 == 1.0
    at_one = linear_regression_error(2, ridge=0.125, **kwargs)
    near = linear_regression_error(2, ridge=0.125 * (1 + 1e-12), **kwargs)
    np.testing.assert_allclose(at_one, near, rtol=1e-9)
    assert at_one[0] < 0.49 * 2.5
    if data == "accumulate":  # ridge = 1 exactly: the gains are no OLS form either
        at_one = linear_regression_error(2, ridge=1.0, **kwargs)
        near = linear_regression_error(2, ridge=1.0 + 1e-12, **kwargs)
        np.testing.assert_allclose(at_one, near, rtol=1e-9)
        # below the OLS gain of 24 rows, (8 / 24) d / (24 - d - 1), times sigma0^2
        assert np.diff(at_one)[-1] < 0.49 * 8 / 24 * 5 / 18
    m1, m2, m3 = _ridge_moments(8, 5, 1.0, None, 0)
    assert m1 < 1 and m2 < m1 and m3 < 2.5


# --------------------------------------------------------------------------
# linear_regression_error's refusals under data="accumulate", whole
# --------------------------------------------------------------------------


@pytest.mark.parametrize("design", ["fresh", "fixed"])
def test_ridgeless_accumulate_refuses_fewer_than_d_plus_two_real_rows(design):
    message = (
        "n_real must be >= n_features + 2 = 9 for the OLS risk (ridge=0) with "
        f"design={design!r}, data='accumulate'; got n_real=8. Use ridge > 0 or "
        "design='fresh' with data='replace' for the min-norm "
        "(over-parameterised) case."
    )
    with pytest.raises(ValueError, match=whole(message)):
        linear_regression_error(
            2, n_features=7, n_real=8, data="accumulate", design=design
        )
    # the same rows are taken with a penalty, and fewer than d rows when
    # replacing in the fresh design (the min-norm chain: 1 - (T/d)^(g+1))
    assert np.all(
        np.isfinite(
            linear_regression_error(
                2, n_features=7, n_real=8, data="accumulate", design=design, ridge=0.3
            )
        )
    )
    replace = linear_regression_error(
        2, n_features=7, n_real=4, design="fresh", noise=0.0, coef_norm=1.0
    )
    np.testing.assert_allclose(replace, 1 - (4 / 7) ** np.arange(1, 4), rtol=1e-12)


def test_fresh_accumulate_refuses_another_synthetic_ridge():
    message = (
        "synthetic_ridge must be None or equal to ridge unless design='fresh' "
        "and data='replace' (otherwise every generation is the same fit), got "
        "synthetic_ridge=0.0, ridge=0.25."
    )
    kwargs = dict(n_features=3, n_real=11, n_synthetic=7, design="fresh")
    with pytest.raises(ValueError, match=whole(message)):
        linear_regression_error(
            2, ridge=0.25, synthetic_ridge=0.0, data="accumulate", **kwargs
        )
    # equal to ridge it is the same estimator as None; replacing takes any
    same = linear_regression_error(
        2, ridge=0.25, synthetic_ridge=0.25, data="accumulate", **kwargs
    )
    default = linear_regression_error(2, ridge=0.25, data="accumulate", **kwargs)
    np.testing.assert_array_equal(same, default)
    assert np.all(
        np.isfinite(
            linear_regression_error(2, ridge=0.25, synthetic_ridge=0.0, **kwargs)
        )
    )


def _ols_risk_refusal(rows, noise):
    return (
        f"{rows}=8 is within 1 of n_features=7: the expected risk of the "
        "unregularised fit (ridge=0) is infinite. Use "
        f"|{rows} - n_features| >= 2, a ridge penalty > 0 or {noise}=0."
    )


_FRESH_OLS = dict(n_features=7, n_real=11, n_synthetic=11, design="fresh")


@pytest.mark.parametrize(
    "function, kwargs, message",
    [
        (
            linear_regression_error,
            dict(n_features=3, n_real=11, n_synthetic=12),
            "n_synthetic must be None or equal to n_real when design='fixed' "
            "(every generation relabels the same real inputs), got n_synthetic=12, "
            "n_real=11.",
        ),
        (
            linear_regression_error,
            dict(n_features=3, n_real=11, synthetic_ridge=0.5),
            "synthetic_ridge must be None or equal to ridge unless design='fresh' "
            "and data='replace' (otherwise every generation is the same fit), got "
            "synthetic_ridge=0.5, ridge=0.0.",
        ),
        (
            linear_regression_error,
            {**_FRESH_OLS, "n_real": 8},
            _ols_risk_refusal("n_real", "noise"),
        ),
        (
            linear_regression_error,
            {**_FRESH_OLS, "n_synthetic": 8},
            _ols_risk_refusal("n_synthetic", "synthetic_noise"),
        ),
        (
            linear_fresh_data_error,
            dict(n_features=7, n_real=6, noise=0.4),
            "n_real=6 is within 1 of n_features=7: the expected risk of the "
            "unregularised fit (ridge=0) is infinite. Use |n_real - n_features| "
            ">= 2, a ridge penalty > 0 or noise=0.",
        ),
        (
            linear_fresh_data_error,
            dict(n_features=7, n_real=4, noise=0.4),
            "n_real=4 is below n_features=7: generation 0 would be a minimum-norm "
            "fit, which this formula does not cover. Use n_real >= n_features + 2 "
            "= 9.",
        ),
    ],
    ids=[
        "fixed-rows",
        "fixed-ridge",
        "ols-real",
        "ols-synthetic",
        "fresh-near-d",
        "fresh-min-norm",
    ],
)
def test_linear_refusals_in_full(function, kwargs, message):
    with pytest.raises(ValueError, match=whole(message)):
        function(2, **kwargs)


def test_linear_fresh_data_error_from_exactly_d_noise_free_rows():
    # exactly d noise-free real rows recover w*: generation 0 has no error
    error = linear_fresh_data_error(
        2, n_features=3, n_real=3, noise=0.0, synthetic_noise=0.5, n_draws=50
    )
    assert error[0] == 0.0 and np.all(np.isfinite(error)) and np.all(error[1:] > 0)


# --------------------------------------------------------------------------
# random_state: an int, a RandomState instance, None; and n_draws
# --------------------------------------------------------------------------


def _ridge(random_state, **kwargs):
    return linear_regression_error(
        2, n_features=3, n_real=7, design="fresh", ridge=0.3, n_draws=40,
        random_state=random_state, **kwargs,
    )  # fmt: skip


def _fresh_data(random_state):
    return linear_fresh_data_error(
        2, n_features=3, n_real=7, synthetic_weight=0.7, n_draws=40,
        random_state=random_state,
    )  # fmt: skip


def _two_seeds(seed):
    source = np.random.RandomState(seed)
    return draw_seed(source), draw_seed(source)


@pytest.mark.parametrize("function", [_ridge, _fresh_data])
def test_a_random_state_instance_gives_one_seed_drawn_from_it_per_call(function):
    # the result of the int seed drawn from the instance; the same state
    # gives the same result, and the instance moves on at each call
    first, second = _two_seeds(11)
    rng = np.random.RandomState(11)
    np.testing.assert_array_equal(function(rng), function(first))
    np.testing.assert_array_equal(function(rng), function(second))
    np.testing.assert_array_equal(function(np.random.RandomState(11)), function(first))
    assert _differs(function(first)[1:], function(second)[1:])


@pytest.mark.parametrize("function", [_ridge, _fresh_data])
def test_random_state_none_draws_a_seed_from_numpys_global_generator(function):
    # None is numpy's global RandomState: a seed drawn from it at each call
    first, second = _two_seeds(23)
    state = np.random.get_state()
    try:
        np.random.seed(23)
        np.testing.assert_array_equal(function(None), function(first))
        np.testing.assert_array_equal(function(None), function(second))
    finally:
        np.random.set_state(state)
    assert _differs(function(first)[1:], function(second)[1:])


_PATHS = {
    # each path's Monte Carlo reaches its result through one call only
    "final fit": dict(design="fresh", ridge=0.3, synthetic_ridge=0.0, n_synthetic=9),
    "synthetic chain": dict(design="fresh", ridge=0.0, synthetic_ridge=0.3),
    "fixed design": dict(design="fixed", ridge=0.3),
}


@pytest.mark.parametrize("path", list(_PATHS))
def test_n_draws_and_random_state_set_the_monte_carlo_of_each_ridge_path(path):
    def error(n_draws, random_state):
        return linear_regression_error(
            2, n_features=3, n_real=11, noise=0.8, n_draws=n_draws,
            random_state=random_state, **_PATHS[path],
        )  # fmt: skip

    reference = error(7, 3)
    np.testing.assert_array_equal(error(7, 3), reference)
    assert _differs(error(8, 3), reference)  # n_draws is the number of draws
    assert _differs(error(7, 4), reference)  # random_state seeds them
    # another estimate of the same expectation: close to many draws' estimate
    np.testing.assert_allclose(reference, error(None, 3), rtol=0.05)


def test_fresh_accumulate_monte_carlo_of_generation_0_and_of_the_gains():
    # the increments come only from the gains of the larger training sets:
    # their Monte Carlo follows n_draws and random_state too
    def error(n_draws, random_state):
        return linear_regression_error(
            3, n_features=3, n_real=7, n_synthetic=5, ridge=0.3, design="fresh",
            data="accumulate", n_draws=n_draws, random_state=random_state,
        )  # fmt: skip

    reference = error(7, 3)
    for other in (error(8, 3), error(7, 4)):
        assert _differs(other[0], reference[0])
        assert _differs(np.diff(other), np.diff(reference))


@pytest.mark.parametrize("method", ["exact", "approximate"])
def test_n_draws_and_random_state_set_the_optimal_penalty_monte_carlo(method):
    # the exact search's risk and the approximate penalty's returned risk
    # are Monte Carlo estimates of n_draws spectra seeded by random_state
    def search(n_draws, random_state):
        return optimal_ridge_penalty(
            2, n_features=3, n_real=11, n_synthetic=9, noise=0.8, method=method,
            return_error=True, n_draws=n_draws, random_state=random_state,
        )  # fmt: skip

    penalty, error = search(7, 3)
    for other in (search(8, 3), search(7, 4)):
        assert _differs(other[1], error)
        if method == "exact":
            assert _differs(other[0], penalty)
        else:  # the approximate penalty is a closed form
            np.testing.assert_array_equal(other[0], penalty)


def test_random_state_defaults_are_0():
    kwargs = dict(n_features=3, n_real=7, design="fresh", ridge=0.3, n_draws=40)
    np.testing.assert_array_equal(
        linear_regression_error(2, **kwargs),
        linear_regression_error(2, random_state=0, **kwargs),
    )
    kwargs = dict(n_features=3, n_real=7, synthetic_weight=0.7, n_draws=40)
    np.testing.assert_array_equal(
        linear_fresh_data_error(2, **kwargs),
        linear_fresh_data_error(2, random_state=0, **kwargs),
    )
    kwargs = dict(n_features=3, n_real=7, n_synthetic=9, n_draws=40)
    np.testing.assert_array_equal(
        optimal_ridge_penalty(1, method="approximate", return_error=True, **kwargs)[1],
        optimal_ridge_penalty(
            1, method="approximate", return_error=True, random_state=0, **kwargs
        )[1],
    )


# --------------------------------------------------------------------------
# The default numbers of draws
# --------------------------------------------------------------------------


@pytest.mark.parametrize("d, n_draws", [(41, 1000), (39, 1026)])
def test_linear_fresh_data_error_default_draws(d, n_draws):
    # max(1000, 40000 / d) draws: 1000 above d = 40, ceil(40000 / 39) below
    kwargs = dict(n_features=d, n_real=d + 2, synthetic_weight=0.7)
    default = linear_fresh_data_error(1, **kwargs)
    np.testing.assert_array_equal(
        default, linear_fresh_data_error(1, n_draws=n_draws, **kwargs)
    )
    assert _differs(
        default[1], linear_fresh_data_error(1, n_draws=n_draws + 1, **kwargs)[1]
    )


@pytest.mark.parametrize("k, n_draws", [(2499, 21), (2500, 20), (2501, 20)])
def test_wishart_default_draws_for_large_spectra(monkeypatch, k, n_draws):
    # max(20, ceil(50000 / min(T, d))) draws: 20 from 2,500 eigenvalues on.
    # Drawing 20 spectra of that size takes seconds: a recorder stands in
    # for the drawer, and the function's own arithmetic runs on its output.
    asked = []

    def recorder(n_rows, n_features, draws, seed):
        asked.append((n_rows, n_features, draws, seed))
        return np.ones((draws, min(n_rows, n_features)))

    monkeypatch.setattr(_linear, "_cached_wishart_eigenvalues", recorder)
    linear_regression_error(0, n_features=k, n_real=k + 2, ridge=0.1, random_state=5)
    assert asked == [(k + 2, k, n_draws, 5)]


def test_fresh_data_constants_are_unbiased_at_two_draws():
    # each call averages n_draws draws of the pair of designs; the mean over
    # seeds of 2-draw estimates is the expectation, which 60,000 draws give
    # to a relative standard error of about 1.3e-3 (rtol: 2.3 of them). A
    # sum over one draw fewer than it divides by is biased by a factor 1/2.
    kwargs = dict(n_features=3, n_real=8, n_synthetic=6, synthetic_weight=0.7)
    reference = linear_fresh_data_error(2, n_draws=60_000, **kwargs)
    samples = np.array(
        [linear_fresh_data_error(2, n_draws=2, random_state=seed, **kwargs)
         for seed in range(400)]
    )  # fmt: skip
    assert_mc_agrees(samples[:, 1:], reference[1:], family_wise="bonferroni", rtol=3e-3)
    # one draw is an estimate too: a positive noise constant c2
    single = linear_fresh_data_error(2, n_draws=1, **kwargs)
    assert np.all(single[1:] > 0)


# --------------------------------------------------------------------------
# Underflow under the caller's np.errstate(all="raise")
# --------------------------------------------------------------------------

# Each chain underflows to 0 (or to a subnormal) inside its np.errstate block:
# the closed form's (T kappa)^g and std at T = 0.01 over 400 generations, the
# fresh-data chain's (1 - w)^g = 7^-g, the pooled chain's variance at T = 0.01
# with synthetic_weight = 0.7. numpy ignores underflow by default, so only a
# caller's errstate that raises tells "under" in the block from no "under".
_UNDERFLOWING = {
    "closed form": dict(n_real=7, temperature=0.01),
    "fresh real rows": dict(
        n_real=13, n_synthetic=2, real_fraction=0.9, real_sampling="fresh"
    ),
    "pooled": dict(n_real=7, n_synthetic=5, synthetic_weight=0.7, temperature=0.01),
}


@pytest.mark.parametrize("case", list(_UNDERFLOWING))
def test_gaussian_chains_underflow_quietly_under_the_callers_errstate(case):
    expected = gaussian_refit(400, **_UNDERFLOWING[case])
    with np.errstate(all="raise"):
        got = gaussian_refit(400, **_UNDERFLOWING[case])
    assert got.keys() == expected.keys()
    for key in expected:
        np.testing.assert_array_equal(got[key], expected[key])
    if case != "fresh real rows":  # the variance itself underflows to 0
        assert expected["total_variance"][-1] == 0.0
    if case == "closed form":
        assert expected["std"][-1] == 0.0


# --------------------------------------------------------------------------
# The Jensen gap's series, against exact arithmetic
# --------------------------------------------------------------------------


def _exact_jensen_gap(m):
    # D = log x - log R(x)^2 for odd m, x = (m - 1) / 2 an integer, where
    # R(x)^2 = Gamma(x + 1/2)^2 / Gamma(x)^2 = pi ((2x - 1)!!)^2 / (4^x ((x - 1)!)^2):
    # integers and 50 digits of pi, in 50-digit decimal arithmetic
    context = decimal.Context(prec=50)
    pi = decimal.Decimal("3.14159265358979323846264338327950288419716939937511")
    x = (m - 1) // 2
    double_factorial = math.prod(range(1, 2 * x, 2))
    ratio = context.divide(
        context.multiply(pi, decimal.Decimal(double_factorial**2)),
        decimal.Decimal(4**x * math.factorial(x - 1) ** 2),
    )
    return float(context.subtract(context.ln(decimal.Decimal(x)), context.ln(ratio)))


@pytest.mark.parametrize("m", [41, 43])
def test_jensen_gap_series_from_x_20_to_a_few_ulps(m):
    # from x = 20 (m = 41) on, the series: its truncation is 3e-15 relative
    # at x = 20; the gammaln difference there is wrong by 2e-13, the
    # coefficients 17/7169 or 32/9216 by 2e-14, u2 / 31 / 9216 by 5e-13
    np.testing.assert_allclose(_jensen_gap(m), _exact_jensen_gap(m), rtol=6e-15, atol=0)


def test_zipf_error_underflows_quietly_under_the_callers_errstate():
    # An exponent just above 1: the tail's token probabilities underflow to
    # 0 (in zipf_error's q_tail and in the quadrature of the seen mass), as
    # they should, also inside the caller's np.errstate(all="raise"), which
    # raised a FloatingPointError in the quadrature before.
    from skcollapse.theory import zipf_error

    expected = zipf_error(2, n_train=[3, 50], exponent=1.001)
    with np.errstate(all="raise"):
        got = zipf_error(2, n_train=[3, 50], exponent=1.001)
    np.testing.assert_array_equal(got, expected)
    assert np.all((expected > 0.9999) & (expected < 1))


def test_zipf_error_at_a_billion_tokens_against_an_independent_sum():
    # An exponent just above 1 and 10**9 training tokens: almost all the
    # missed mass is in the tail, where zipf_error integrates the seen mass
    # numerically. Independently: the first 2e6 terms of
    # sum_i p_i (1 - e p_i)^t summed directly, the rest as the integral of
    # x^-b / z exp(-t e x^-b / z) from 2e6 + 1/2 (the midpoint rule; there
    # t (e p)^2 < 1e-9, so (1 - e p)^t is exp(-t e p) to that order), which
    # is an incomplete gamma function. They agree to ~5e-13; a quadrature
    # of relative tolerance ~1 instead of 1e-10 is off by 8e-6.
    from scipy.special import gamma, gammainc, zeta

    from skcollapse.theory import zipf_error

    beta, t, n_head = 1.001, 10**9, 2 * 10**6
    z = zeta(beta)
    p = np.arange(1, n_head + 1, dtype=float) ** -beta / z
    a = 1 - 1 / beta
    expected, e = [], 1.0
    for _ in range(3):
        head = np.sum(p * np.exp(t * np.log1p(-e * p)))
        c = t * e / z
        tail = c ** (1 / beta - 1) * gamma(a) * gammainc(a, c * (n_head + 0.5) ** -beta)
        expected.append(head + tail / (beta * z))
        e = -np.expm1(-e)
    got = np.ravel(zipf_error(2, n_train=t, exponent=beta))
    np.testing.assert_allclose(got, expected, rtol=1e-10)
