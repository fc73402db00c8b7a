"""Tests of the Gaussian refit (Shumailov et al., Alemohammad et al.).

A Monte Carlo check passes when the simulated mean is within 3 standard errors
of the formula (:func:`skcollapse.utils._testing.assert_mc_agrees`); every
simulation is seeded, small and pure numpy.
"""

import numpy as np
import pytest

from skcollapse.theory import gaussian_refit
from skcollapse.utils._testing import assert_mc_agrees


def test_gaussian_refit_references():
    # Shumailov: M=100, their n=50 fits = our generation 49.
    moments = gaussian_refit(49, n_real=100)
    assert moments["mean_error"][-1] == pytest.approx(0.5)
    assert moments["std"][-1] == pytest.approx(0.8814, abs=5e-5)
    assert moments["wasserstein2"][-1] == pytest.approx(0.7372, abs=5e-5)
    np.testing.assert_allclose(moments["total_variance"], 1.0)
    mle = gaussian_refit(49, n_real=100, ddof=0)
    np.testing.assert_allclose(mle["total_variance"], 0.99 ** np.arange(1, 51))
    # Alemohammad: d=10, n_s=100, lambda=0.8, tr Sigma=10; t = our generation.
    moments = gaussian_refit(
        5, n_real=100, n_features=10, variance=10.0, temperature=0.8
    )
    assert moments["total_variance"][-1] == pytest.approx(3.277, abs=5e-4)
    assert moments["mean_shift"][-1] == pytest.approx(0.2689, abs=5e-5)
    assert moments["mean_shift"][0] == 0.0
    assert "std" not in moments and "wasserstein2" not in moments
    np.testing.assert_allclose(
        moments["mean_error"] - moments["mean_shift"], 10.0 / 100
    )


@pytest.mark.parametrize("temperature, ddof", [(1.0, 1), (0.8, 1), (1.2, 0)])
def test_gaussian_refit_monte_carlo_1d(temperature, ddof):
    rng = np.random.RandomState(7)
    n_runs, M, M_real, G, sigma = 20000, 10, 15, 8, 2.0
    x = sigma * rng.standard_normal((n_runs, M_real))
    stats = {k: np.empty((n_runs, G + 1)) for k in ("mean", "std")}
    for g in range(G + 1):
        if g > 0:
            scale = np.sqrt(temperature) * stats["std"][:, g - 1]
            x = stats["mean"][:, g - 1, None] + scale[:, None] * rng.standard_normal(
                (n_runs, M)
            )
        stats["mean"][:, g] = x.mean(axis=1)
        stats["std"][:, g] = x.std(axis=1, ddof=ddof)
    expected = gaussian_refit(
        G,
        n_real=M_real,
        n_synthetic=M,
        variance=sigma**2,
        temperature=temperature,
        ddof=ddof,
    )
    mean, std = stats["mean"], stats["std"]
    simulated = {
        "mean_error": mean**2,
        "mean_shift": (mean - mean[:, :1]) ** 2,
        "total_variance": std**2,
        "std": std,
        "wasserstein2": mean**2 + (std - sigma) ** 2,
    }
    for key, values in simulated.items():
        assert_mc_agrees(values[:, 1:], expected[key][1:])


def test_gaussian_refit_monte_carlo_multivariate():
    rng = np.random.RandomState(8)
    n_runs, M, d, G, temperature = 4000, 12, 3, 5, 0.8
    chol = np.array([[1.0, 0.0, 0.0], [0.5, 1.0, 0.0], [0.2, -0.3, 0.7]])
    x = rng.standard_normal((n_runs, M, d)) @ chol.T
    mean0 = x.mean(axis=1)
    shift, trace = np.empty((n_runs, G + 1)), np.empty((n_runs, G + 1))
    for g in range(G + 1):
        mean = x.mean(axis=1)
        centred = x - mean[:, None]
        cov = np.swapaxes(centred, 1, 2) @ centred / (M - 1)
        shift[:, g] = ((mean - mean0) ** 2).sum(axis=1)
        trace[:, g] = np.trace(cov, axis1=1, axis2=2)
        factor = np.linalg.cholesky(temperature * cov)
        x = mean[:, None] + rng.standard_normal((n_runs, M, d)) @ np.swapaxes(
            factor, 1, 2
        )
    expected = gaussian_refit(
        G, n_real=M, n_features=d, variance=np.sum(chol**2), temperature=0.8
    )
    assert_mc_agrees(trace, expected["total_variance"])
    assert_mc_agrees(shift[:, 1:], expected["mean_shift"][1:])


def test_gaussian_refit_n_synthetic_defaults_to_n_real():
    same = gaussian_refit(4, n_real=12, n_synthetic=12, temperature=0.9)
    for key, value in gaussian_refit(4, n_real=12, temperature=0.9).items():
        np.testing.assert_array_equal(value, same[key])


def test_gaussian_refit_huge_temperature_gives_inf_not_nan():
    # E W_2^2 was mean_error + E s^2 - 2 sigma E s + sigma^2 = inf - inf = NaN
    moments = gaussian_refit(3, n_real=10, temperature=1e300)
    for key, value in moments.items():
        assert not np.any(np.isnan(value)), key
    assert np.all(np.isinf(moments["wasserstein2"][2:]))
    assert np.all(np.isinf(moments["total_variance"][2:]))
    long = gaussian_refit(10_000, n_real=2, temperature=10.0)
    assert not np.any(np.isnan(long["wasserstein2"]))
    assert np.isinf(long["wasserstein2"][-1])


def test_gaussian_refit_huge_variance_is_never_negative():
    # the cancellation of the old formula gave -inf at variance=1e308
    moments = gaussian_refit(3, n_real=10, variance=1e308)
    assert np.all(moments["wasserstein2"] > 0)
    unit = gaussian_refit(3, n_real=10)
    np.testing.assert_allclose(
        moments["wasserstein2"] / 1e308, unit["wasserstein2"], rtol=1e-12
    )


@pytest.mark.parametrize(
    "n_real", [10**8, 10**12, 10**300], ids=["1e8", "1e12", "1e300"]
)
@pytest.mark.parametrize("ddof", [0, 1])
def test_gaussian_refit_large_samples_are_accurate(n_real, ddof):
    # E s / sigma = a(m) = 1 - 1/(4m) + O(1/m^2) (ddof=1; ddof=0 multiplies
    # by sqrt((m-1)/m)), and at generation 0 E W_2^2 = sigma^2 (1/m +
    # Var(s) + (1 - E s)^2) = 1.5/m + O(1/m^2) (ddof=1). The difference of two
    # gammaln values of size m log m lost these digits (E s = 0.99944 at
    # m = 1e12, 0 at m = 1e300, and W_2^2 = 2 there).
    m = float(n_real)
    moments = gaussian_refit(0, n_real=n_real, ddof=ddof)
    expected_std = 1 - 1 / (4 * m) - (1 / (2 * m) if ddof == 0 else 0.0)
    assert moments["std"][0] == pytest.approx(expected_std, rel=1e-15)
    # ddof=0 adds (1/(2m))^2 to the bias and changes Var(s) at O(1/m^2) only
    assert moments["wasserstein2"][0] == pytest.approx(1.5 / m, rel=1e-6)


@pytest.mark.parametrize("n_real", [2, 3, 10, 41, 1000])
@pytest.mark.parametrize("ddof", [0, 1])
@pytest.mark.parametrize("temperature", [0.5, 1.0, 2.0])
def test_gaussian_refit_matches_the_direct_formula_where_it_is_accurate(
    n_real, ddof, temperature
):
    # the old direct formula, accurate for small m: the stable one agrees
    from scipy.special import gammaln

    g = np.arange(6)
    a = np.sqrt(2 / (n_real - ddof)) * np.exp(
        gammaln(n_real / 2) - gammaln((n_real - 1) / 2)
    )
    kappa = (n_real - 1) / (n_real - ddof)
    std = a * (np.sqrt(temperature) * a) ** g
    total_variance = kappa * (temperature * kappa) ** g
    moments = gaussian_refit(5, n_real=n_real, ddof=ddof, temperature=temperature)
    # (the direct gammaln difference is itself good to ~1e-12 only)
    np.testing.assert_allclose(moments["std"], std, rtol=1e-10)
    w2 = moments["mean_error"] + total_variance - 2 * std + 1
    # (whose cancellation costs it ~1e-12 in absolute terms at m = 1000)
    np.testing.assert_allclose(moments["wasserstein2"], w2, rtol=1e-10, atol=1e-11)


_PI_50 = "3.14159265358979323846264338327950288419716939937510"


def _exact_jensen_gap(m):
    """``D(m) = log x - 2 log R(x)``, ``x = (m - 1)/2`` an integer (m odd):
    ``R(x)^2 = ((2x)!)^2 pi / (16^x (x!)^2 ((x - 1)!)^2)`` in 50-digit decimals."""
    from decimal import Decimal, localcontext
    from math import factorial

    x = (m - 1) // 2
    with localcontext() as ctx:
        ctx.prec = 50
        numerator = Decimal(factorial(2 * x) ** 2).ln() + Decimal(_PI_50).ln()
        denominator = Decimal(16**x * factorial(x) ** 2 * factorial(x - 1) ** 2).ln()
        return float(Decimal(x).ln() - (numerator - denominator))


@pytest.mark.parametrize("m", [39, 41, 61, 201])
def test_jensen_gap_against_exact_factorials(m):
    # m = 41 is the first m of the asymptotic series (x = 20); 39 is gammaln's
    from skcollapse.theory._gaussian import _jensen_gap

    assert _jensen_gap(m) == pytest.approx(_exact_jensen_gap(m), rel=1e-12, abs=0)
