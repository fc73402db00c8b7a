"""Tests of the fresh-data loop: the golden-ratio weight and its errors.

:func:`skcollapse.theory.optimal_real_weight`, :func:`gaussian_refit` with
``real_sampling="fresh"`` and :func:`linear_fresh_data_error` against their
defining optimisation and a direct numpy Monte Carlo of the loop, then
through the public estimators with a data source (slow). A check passes when
every simulated mean is within 3 standard errors of the formula,
family-wise (Bonferroni) over the values compared.
"""

import functools

import numpy as np
import pytest
from conftest import gaussian_inputs
from scipy.optimize import minimize_scalar
from sklearn.linear_model import LinearRegression

from skcollapse import RecursiveDensityRetrainer, RecursiveRetrainer
from skcollapse._loop import round_count
from skcollapse.datasets import GaussianSource, LinearSource
from skcollapse.generative import GaussianDensity
from skcollapse.model_selection import collapse_curve
from skcollapse.theory import (
    gaussian_refit,
    linear_fresh_data_error,
    optimal_real_weight,
)
from skcollapse.utils._testing import assert_mc_agrees

GOLDEN = (np.sqrt(5) - 1) / 2


def long_run(w, k):
    """E_inf(w) n / v of the known-variance recursion, k = n/m."""
    return (w * w + k * (1 - w) ** 2) / (w * (2 - w))


# ---------------------------------------------------------------------------
# optimal_real_weight
# ---------------------------------------------------------------------------


def test_the_golden_ratio_at_equal_sizes():
    assert optimal_real_weight(100) == pytest.approx(GOLDEN, abs=1e-15)
    assert optimal_real_weight(37, 37) == pytest.approx(0.6180339887, abs=1e-10)
    # the synthetic_weight giving the real rows that share is GOLDEN too
    assert optimal_real_weight(37, as_synthetic_weight=True) == pytest.approx(GOLDEN)


@pytest.mark.parametrize("n_real, n_synthetic", [(37, 100), (100, 37), (3, 250)])
def test_the_weight_minimises_the_long_run_error(n_real, n_synthetic):
    k = n_real / n_synthetic
    weight = optimal_real_weight(n_real, n_synthetic)
    found = minimize_scalar(
        long_run,
        bounds=(1e-6, 1 - 1e-6),
        args=(k,),
        method="bounded",
        options={"xatol": 1e-10},
    )
    assert weight == pytest.approx(found.x, abs=1e-6)
    assert weight**2 + k * weight - k == pytest.approx(0, abs=1e-12)
    # at the optimum the loop does as well as n / w* real rows
    assert long_run(weight, k) == pytest.approx(weight)
    # the unweighted mix (synthetic_weight=1) is worse
    assert long_run(n_real / (n_real + n_synthetic), k) > long_run(weight, k)
    s = optimal_real_weight(n_real, n_synthetic, as_synthetic_weight=True)
    assert n_real / (n_real + s * n_synthetic) == pytest.approx(weight)


def test_the_weight_broadcasts():
    weight = optimal_real_weight([[10], [20]], [10, 40, 5])
    assert weight.shape == (2, 3)
    assert weight[0, 0] == pytest.approx(GOLDEN)
    assert weight[1, 1] == pytest.approx(optimal_real_weight(1, 2))
    assert np.all(np.diff(optimal_real_weight(10, [1, 5, 10, 50, 500])) < 0)


@pytest.mark.parametrize(
    "params, name",
    [
        (dict(n_real=0), "n_real"),
        (dict(n_real=[3, -1]), "n_real"),
        (dict(n_real=3, n_synthetic=0), "n_synthetic"),
        (dict(n_real=[3.0, np.nan]), "n_real"),
    ],
)
def test_sizes_must_be_positive(params, name):
    with pytest.raises(ValueError, match=f"'{name}' parameter of optimal_real_weight"):
        optimal_real_weight(**params)


# ---------------------------------------------------------------------------
# gaussian_refit, real_sampling="fresh"
# ---------------------------------------------------------------------------


def simulate_gaussian(
    n_runs, n_generations, *, n_real, n_fresh, n_synthetic, s, lam, ddof, seed=0
):
    """1-D loop by hand: ||mu_g - mu||^2, ||mu_g - mu_0||^2, sigma_g^2."""
    rng = np.random.default_rng(seed)
    mu, sigma = 0.7, 1.3
    x = mu + sigma * rng.standard_normal((n_runs, n_real))
    mean, var = x.mean(axis=1), x.var(axis=1, ddof=ddof)
    mean_0 = mean
    out = np.empty((n_runs, 3, n_generations + 1))
    weights = np.concatenate([np.ones(n_fresh), np.full(n_synthetic, s)])
    for g in range(n_generations + 1):
        if g > 0:
            real = mu + sigma * rng.standard_normal((n_runs, n_fresh))
            scale = np.sqrt(lam * var)[:, None]
            synthetic = mean[:, None] + scale * rng.standard_normal(
                (n_runs, n_synthetic)
            )
            rows = np.concatenate([real, synthetic], axis=1)
            mean = rows @ weights / weights.sum()
            ss = ((rows - mean[:, None]) ** 2) @ weights
            var = ss / (weights.sum() - ddof)
        out[:, 0, g] = (mean - mu) ** 2
        out[:, 1, g] = (mean - mean_0) ** 2
        out[:, 2, g] = var
    return out, sigma**2


@pytest.mark.parametrize(
    "n_real, real_fraction, n_synthetic, s, lam, ddof",
    [
        (10, 1.0, 10, GOLDEN, 1.0, 1),
        (13, 0.5, 9, 2.3, 0.85, 0),  # 7 fresh rows (6.5 rounds half up)
        (8, 1.0, 21, 0.2, 1.15, 1),
    ],
)
def test_fresh_gaussian_against_a_direct_monte_carlo(
    n_real, real_fraction, n_synthetic, s, lam, ddof
):
    n_generations = 8
    n_fresh = round_count(real_fraction, n_real)
    samples, tau = simulate_gaussian(
        8000,
        n_generations,
        n_real=n_real,
        n_fresh=n_fresh,
        n_synthetic=n_synthetic,
        s=s,
        lam=lam,
        ddof=ddof,
    )
    moments = gaussian_refit(
        n_generations,
        n_real=n_real,
        n_synthetic=n_synthetic,
        variance=tau,
        temperature=lam,
        ddof=ddof,
        real_fraction=real_fraction,
        real_sampling="fresh",
        synthetic_weight=s,
    )
    theory = np.stack(
        [moments[key] for key in ("mean_error", "mean_shift", "total_variance")]
    )
    assert_mc_agrees(samples, theory, family_wise="bonferroni")


def test_fresh_gaussian_limit_and_its_optimum():
    # With n_f = m = n, the long-run error is (tau/n) E_inf(w) up to O(1/m)
    # (the covariance is estimated), minimised near the golden-ratio weight.
    n = 400

    def limit(w):
        s = (1 - w) / w  # real share w with n real and n synthetic rows
        moments = gaussian_refit(
            400,
            n_real=n,
            real_fraction=1.0,
            real_sampling="fresh",
            synthetic_weight=s,
        )
        assert np.isclose(moments["mean_error"][-1], moments["mean_error"][-2])
        return moments["mean_error"][-1] * n

    found = minimize_scalar(limit, bounds=(0.2, 0.95), method="bounded")
    assert found.x == pytest.approx(GOLDEN, abs=0.01)
    assert limit(GOLDEN) == pytest.approx(GOLDEN, rel=0.01)
    # real data alone (a tiny synthetic weight) is the error of n rows
    assert limit(1 - 1e-9) == pytest.approx(1.0, rel=1e-6)


# ---------------------------------------------------------------------------
# linear_fresh_data_error
# ---------------------------------------------------------------------------


def simulate_linear(n_runs, n_generations, *, d, n, m, s, sigma, sigma0, seed=0):
    """The weighted least-squares loop by hand: ||w_g - w*||^2 per run."""
    rng = np.random.default_rng(seed)
    coef = rng.standard_normal(d)
    errors = np.empty((n_runs, n_generations + 1))
    X = rng.standard_normal((n_runs, n, d))
    y = X @ coef + sigma * rng.standard_normal((n_runs, n))
    w = np.linalg.solve(
        np.swapaxes(X, 1, 2) @ X, np.einsum("rni,rn->ri", X, y)[..., None]
    )[..., 0]
    errors[:, 0] = np.sum((w - coef) ** 2, axis=1)
    for g in range(1, n_generations + 1):
        Xr = rng.standard_normal((n_runs, n, d))
        yr = Xr @ coef + sigma * rng.standard_normal((n_runs, n))
        Xs = rng.standard_normal((n_runs, m, d))
        ys = np.einsum("rmi,ri->rm", Xs, w) + sigma0 * rng.standard_normal((n_runs, m))
        gram = np.swapaxes(Xr, 1, 2) @ Xr + s * np.swapaxes(Xs, 1, 2) @ Xs
        rhs = np.einsum("rni,rn->ri", Xr, yr) + s * np.einsum("rmi,rm->ri", Xs, ys)
        w = np.linalg.solve(gram, rhs[..., None])[..., 0]
        errors[:, g] = np.sum((w - coef) ** 2, axis=1)
    return errors


@pytest.mark.parametrize(
    "d, n, m, s, sigma, sigma0",
    [
        (5, 23, 23, GOLDEN, 1.0, 1.0),
        (3, 11, 17, 0.35, 0.7, 1.4),
        (4, 40, 9, 3.0, 1.0, 0.5),
        # fewer synthetic rows than features: their Gram matrix is singular
        (5, 19, 3, 0.6, 0.9, 1.3),
    ],
)
def test_linear_fresh_data_error_against_a_direct_monte_carlo(
    d, n, m, s, sigma, sigma0
):
    n_generations = 6
    samples = simulate_linear(
        6000, n_generations, d=d, n=n, m=m, s=s, sigma=sigma, sigma0=sigma0
    )
    theory = linear_fresh_data_error(
        n_generations,
        n_features=d,
        n_real=n,
        n_synthetic=m,
        synthetic_weight=s,
        noise=sigma,
        synthetic_noise=sigma0,
        n_draws=40_000,
    )
    # the theory's own Monte Carlo error (40,000 draws) is far below the test's
    assert_mc_agrees(samples, theory, family_wise="bonferroni")


def test_the_asymptotic_recursion_is_the_large_sample_limit():
    # with n, m >> d the exact constants tend to the asymptotic ones
    params = dict(n_features=3, n_real=3000, n_synthetic=1500, synthetic_weight=0.8)
    exact = linear_fresh_data_error(30, **params, n_draws=4000)
    asymptotic = linear_fresh_data_error(30, **params, method="asymptotic")
    np.testing.assert_allclose(exact, asymptotic, rtol=0.01)
    # at finite size the asymptotic constants underestimate the risk
    small = dict(n_features=5, n_real=50, synthetic_weight=GOLDEN)
    exact = linear_fresh_data_error(60, **small)[-1]
    asymptotic = linear_fresh_data_error(60, **small, method="asymptotic")[-1]
    assert asymptotic == pytest.approx(GOLDEN * 5 / 50, rel=1e-9)
    assert 1.04 * asymptotic < exact < 5 / 44  # above w* d/n, below d/(n-d-1)


@pytest.mark.parametrize("n_real, n_synthetic", [(60, 60), (60, 25), (30, 90)])
def test_the_asymptotic_limit_is_minimised_by_the_golden_ratio_weight(
    n_real, n_synthetic
):
    def limit(w):
        s = n_real * (1 - w) / (w * n_synthetic)
        return linear_fresh_data_error(
            2000,
            n_features=4,
            n_real=n_real,
            n_synthetic=n_synthetic,
            synthetic_weight=s,
            method="asymptotic",
        )[-1]

    found = minimize_scalar(limit, bounds=(0.05, 0.99), method="bounded")
    assert found.x == pytest.approx(optimal_real_weight(n_real, n_synthetic), abs=1e-4)


def test_linear_fresh_data_error_is_deterministic_and_refuses_bad_sizes():
    first = linear_fresh_data_error(3, n_features=2, n_real=9, n_draws=500)
    again = linear_fresh_data_error(3, n_features=2, n_real=9, n_draws=500)
    np.testing.assert_array_equal(first, again)
    assert linear_fresh_data_error(3, n_features=2, n_real=9, noise=0.0)[-1] == 0.0
    with pytest.raises(ValueError, match="within 1 of n_features"):
        linear_fresh_data_error(3, n_features=5, n_real=6)
    with pytest.raises(ValueError, match="below n_features"):
        linear_fresh_data_error(3, n_features=5, n_real=2)


# ---------------------------------------------------------------------------
# Through the public estimators
# ---------------------------------------------------------------------------


@pytest.mark.slow
def test_the_golden_ratio_loop_through_the_retrainer_and_a_linear_source():
    d, n, n_generations, sigma = 3, 17, 5, 0.8
    coef = np.array([1.5, -0.5, 2.0])
    source = LinearSource(coef, noise=sigma)
    s = optimal_real_weight(n, as_synthetic_weight=True)
    estimator = RecursiveRetrainer(
        LinearRegression(fit_intercept=False),
        n_generations=n_generations,
        real_sampling="fresh",
        real_source=source,
        real_fraction=1.0,
        synthetic_weight=s,
        label_noise=sigma,
        inputs=functools.partial(gaussian_inputs, n_features=d),
    )
    result = collapse_curve(
        estimator, source=source, n_samples=n, n_repeats=600, random_state=5
    )
    theory = linear_fresh_data_error(
        n_generations,
        n_features=d,
        n_real=n,
        synthetic_weight=s,
        noise=sigma,
        n_draws=40_000,
    )
    assert_mc_agrees(result["truth_excess_risk"], theory, family_wise="bonferroni")


@pytest.mark.slow
def test_the_fresh_density_loop_through_the_retrainer_and_a_gaussian_source():
    mean, covariance = np.array([0.5, -1.0]), np.array([[1.0, 0.3], [0.3, 0.5]])
    n, m, n_generations = 9, 14, 5
    s = optimal_real_weight(n, m, as_synthetic_weight=True)
    source = GaussianSource(mean, covariance)
    estimator = RecursiveDensityRetrainer(
        GaussianDensity(),
        n_generations=n_generations,
        real_sampling="fresh",
        real_source=source,
        real_fraction=1.0,
        synthetic_size=m,
        synthetic_weight=s,
    )
    result = collapse_curve(
        estimator, source=source, n_samples=n, n_repeats=500, random_state=2
    )
    moments = gaussian_refit(
        n_generations,
        n_real=n,
        n_synthetic=m,
        n_features=2,
        variance=1.5,
        real_fraction=1.0,
        real_sampling="fresh",
        synthetic_weight=s,
    )
    samples = np.stack(
        [
            result["truth_mean_error"],
            result["mean_shift"] ** 2,
            1.5 * result["truth_covariance_trace_ratio"],
        ],
        axis=1,
    )
    theory = np.stack(
        [moments[key] for key in ("mean_error", "mean_shift", "total_variance")]
    )
    assert_mc_agrees(samples, theory, family_wise="bonferroni")


def test_a_scalar_weight_is_a_python_float_and_arrays_stay_arrays():
    assert type(optimal_real_weight(37, 100)) is float
    assert type(optimal_real_weight(37, as_synthetic_weight=True)) is float
    assert isinstance(optimal_real_weight([37], 100), np.ndarray)


def test_the_asymptotic_recursion_at_awkward_noise_levels():
    # E_0 = sigma^2 d / (n - d - 1), then E_g = (1 - w)^2 E_{g-1} + d (w^2
    # sigma^2 / n + (1 - w)^2 sigma0^2 / m) with w = n / (n + s m); noise
    # levels other than 1 so that sigma^2 is not 1 / sigma^2
    d, n, m, s, sigma, sigma0 = 3, 17, 11, 0.45, 1.7, 0.6
    w = n / (n + s * m)
    expected = [sigma**2 * d / (n - d - 1)]
    for _ in range(4):
        expected.append(
            (1 - w) ** 2 * expected[-1]
            + d * (w**2 * sigma**2 / n + (1 - w) ** 2 * sigma0**2 / m)
        )
    error = linear_fresh_data_error(
        4,
        n_features=d,
        n_real=n,
        n_synthetic=m,
        synthetic_weight=s,
        noise=sigma,
        synthetic_noise=sigma0,
        method="asymptotic",
    )
    np.testing.assert_allclose(error, expected, rtol=1e-12)


@pytest.mark.parametrize(
    "d, n, n_draws",
    [(5, 23, 8000), pytest.param(50, 60, 1000, marks=pytest.mark.slow)],  # ~9 s
)
def test_the_documented_defaults_of_linear_fresh_data_error(d, n, n_draws):
    # synthetic_weight=1, random_state=0, n_draws = max(1000, 40000 / d)
    default = linear_fresh_data_error(2, n_features=d, n_real=n, n_synthetic=n - 3)
    explicit = linear_fresh_data_error(
        2,
        n_features=d,
        n_real=n,
        n_synthetic=n - 3,
        synthetic_weight=1.0,
        method="exact",
        n_draws=n_draws,
        random_state=0,
    )
    np.testing.assert_array_equal(default, explicit)


def test_linear_fresh_data_error_at_the_edges_of_noise_free_sizes():
    import re

    # noise-free real labels admit n_real = n_features + 1 (the OLS risk
    # d / (n - d - 1) is infinite only with noise) and n_real = n_features
    for n_real in (6, 5):
        error = linear_fresh_data_error(
            2, n_features=5, n_real=n_real, noise=0.0, synthetic_noise=0.5
        )
        assert error[0] == 0.0 and np.all(np.isfinite(error)) and error[-1] > 0
    message = (
        "n_real=6 is within 1 of n_features=5: the expected risk of the "
        "unregularised fit (ridge=0) is infinite. Use |n_real - n_features| >= 2, "
        "a ridge penalty > 0 or noise=0."
    )
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        linear_fresh_data_error(3, n_features=5, n_real=6)
    message = (
        "n_real=2 is below n_features=5: generation 0 would be a minimum-norm "
        "fit, which this formula does not cover. Use n_real >= n_features + 2 = 7."
    )
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        linear_fresh_data_error(3, n_features=5, n_real=2, noise=0.0)


@pytest.mark.parametrize("n_rows", [7, 2])  # the Bartlett factor; X'X itself
def test_the_gram_matrices_of_the_fresh_design_monte_carlo(n_rows):
    # G = X'X of a (n, 3) standard Gaussian X: E G = n I, Var G_ij = n off the
    # diagonal, Var G_ii = 2n, and E G_ij G_ik = 0 (independent entries of L)
    from skcollapse.theory._fresh import _wishart

    gram = _wishart(n_rows, 3, 20_000, np.random.RandomState(3))
    assert gram.shape == (20_000, 3, 3)
    np.testing.assert_allclose(gram, np.swapaxes(gram, 1, 2))
    rows, cols = np.tril_indices(3, -1)
    off = gram[:, rows, cols]
    diagonal = gram[:, np.arange(3), np.arange(3)]
    samples = np.column_stack(
        [diagonal, off, diagonal**2, off**2, off[:, 0] * off[:, 1]]
    )
    n = n_rows
    expected = [n] * 3 + [0] * 3 + [n * n + 2 * n] * 3 + [n] * 3 + [0]
    assert_mc_agrees(samples, expected, family_wise="bonferroni")
