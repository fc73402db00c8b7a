"""Tests of the Gaussian refit on pools: accumulate, and the real rows kept.

:func:`skcollapse.theory.gaussian_refit` with ``data="accumulate"`` or
``real_fraction=1`` against a direct numpy Monte Carlo of the loop (every
training set stacked row by row and fitted as ``GaussianDensity`` fits it:
weighted mean, weighted sum of squares over the total weight minus ``ddof``),
then through the public estimators. A check passes when every simulated
mean is within 3 standard errors of the formula, family-wise (Bonferroni)
over the keys and generations compared.
"""

import numpy as np
import pytest

from skcollapse import RecursiveDensityRetrainer
from skcollapse.datasets import GaussianSource
from skcollapse.generative import GaussianDensity
from skcollapse.model_selection import collapse_curve
from skcollapse.theory import gaussian_refit, linear_regression_error
from skcollapse.utils._testing import assert_mc_agrees

# An anisotropic, correlated covariance of trace 3.
COVARIANCE = np.array([[2.0, 0.6], [0.6, 1.0]])
MEAN = np.array([1.0, -2.0])
KEYS = ("mean_error", "mean_shift", "total_variance")


def _fit(X, weights, ddof):
    """``GaussianDensity``'s fit by hand: weighted mean and covariance."""
    total = weights.sum(axis=1)
    mean = np.einsum("rn,rnd->rd", weights, X) / total[:, None]
    centred = X - mean[:, None, :]
    covariance = np.einsum("rn,rni,rnj->rij", weights, centred, centred)
    return mean, covariance / (total - ddof)[:, None, None]


def _draw(rng, mean, covariance, n_rows):
    """``n_rows`` rows of ``N(mean_r, covariance_r)`` for every run ``r``."""
    factor = np.linalg.cholesky(covariance)
    noise = rng.standard_normal((mean.shape[0], n_rows, mean.shape[1]))
    return mean[:, None, :] + np.einsum("rij,rnj->rni", factor, noise)


def simulate(
    n_runs,
    n_generations,
    *,
    n_real,
    n_synthetic,
    data,
    keep_real,
    synthetic_weight=1.0,
    temperature=1.0,
    ddof=1,
    seed=0,
):
    """Per run and generation: ||mu_g - mu||^2, ||mu_g - mu_0||^2, tr Sigma_g."""
    rng = np.random.default_rng(seed)
    truth = np.broadcast_to(MEAN, (n_runs, 2))
    real = _draw(rng, truth, np.broadcast_to(COVARIANCE, (n_runs, 2, 2)), n_real)
    mean, covariance = _fit(real, np.ones((n_runs, n_real)), ddof)
    mean_0 = mean
    out = np.empty((n_runs, len(KEYS), n_generations + 1))
    batches = []
    for g in range(n_generations + 1):
        if g > 0:
            batch = _draw(rng, mean, temperature * covariance, n_synthetic)
            batches = [*batches, batch] if data == "accumulate" else [batch]
            parts = ([real] if keep_real else []) + batches
            weights = ([np.ones(n_real)] if keep_real else []) + [
                np.full(n_synthetic, synthetic_weight)
            ] * len(batches)
            X = np.concatenate(parts, axis=1)
            w = np.broadcast_to(np.concatenate(weights), X.shape[:2])
            mean, covariance = _fit(X, w, ddof)
        out[:, 0, g] = np.sum((mean - MEAN) ** 2, axis=1)
        out[:, 1, g] = np.sum((mean - mean_0) ** 2, axis=1)
        out[:, 2, g] = np.trace(covariance, axis1=1, axis2=2)
    return out


def expected(n_generations, **params):
    moments = gaussian_refit(n_generations, n_features=2, variance=3.0, **params)
    return np.stack([moments[key] for key in KEYS])


CASES = [
    # the PAPERS.md setting: n_synthetic = n_real, N_g = (g + 1) n
    dict(n_real=13, n_synthetic=13, data="accumulate"),
    # awkward sizes, weights, temperature, the MLE covariance
    dict(
        n_real=11,
        n_synthetic=7,
        data="accumulate",
        synthetic_weight=0.7,
        temperature=0.9,
        ddof=0,
    ),
    dict(n_real=12, n_synthetic=9, data="accumulate", real_fraction=0.0),
    dict(n_real=10, n_synthetic=15, data="replace", real_fraction=1.0),
    dict(
        n_real=9,
        n_synthetic=6,
        data="replace",
        real_fraction=1.0,
        synthetic_weight=2.5,
        temperature=1.1,
        ddof=0,
    ),
    # the fully synthetic loop with weighted rows (ddof counts in weights)
    dict(n_real=10, n_synthetic=8, data="replace", synthetic_weight=0.5),
]


@pytest.mark.parametrize("params", CASES)
def test_pooled_recursions_against_a_direct_monte_carlo(params):
    n_generations = 7
    keep = params.get("real_fraction", 1.0 if params["data"] == "accumulate" else 0.0)
    samples = simulate(
        6000,
        n_generations,
        keep_real=keep == 1.0,
        **{k: v for k, v in params.items() if k != "real_fraction"},
    )
    assert_mc_agrees(
        samples, expected(n_generations, **params), family_wise="bonferroni"
    )


def test_the_monte_carlo_tells_the_regimes_and_the_ddof_apart():
    # The test above has power: the same simulation is far from the formula
    # of a neighbouring setting (replace instead of accumulate, ddof=0 for 1).
    samples = simulate(
        6000, 7, n_real=13, n_synthetic=13, data="accumulate", keep_real=True
    )
    mean = samples.mean(axis=0)
    se = samples.std(axis=0, ddof=1) / np.sqrt(len(samples))
    wrong_regime = expected(7, n_real=13, data="replace", real_fraction=1.0)
    wrong_ddof = expected(7, n_real=13, data="accumulate", ddof=0)
    distance = np.abs(mean - wrong_regime)[:, 1:] / se[:, 1:]
    assert np.max(distance) > 6
    assert np.max(np.abs(mean[2] - wrong_ddof[2]) / se[2]) > 5


def test_accumulate_recursions_in_closed_form():
    # n_synthetic = n_real = n, ddof = 1, lambda = 1: V_g = V_{g-1} (1 - n /
    # (N_g (N_g - 1))) and E||mu_g - mu||^2 = tau/n + sum_j n V_{j-1} / N_j^2.
    n, tau, G = 17, 2.5, 40
    moments = gaussian_refit(G, n_real=n, variance=tau, data="accumulate")
    N = (np.arange(G + 1) + 1) * n
    V = tau * np.concatenate([[1.0], np.cumprod(1 - n / (N[1:] * (N[1:] - 1)))])
    np.testing.assert_allclose(moments["total_variance"], V, rtol=1e-12)
    error = tau / n + np.concatenate([[0.0], np.cumsum(n * V[:-1] / N[1:] ** 2)])
    np.testing.assert_allclose(moments["mean_error"], error, rtol=1e-12)
    np.testing.assert_allclose(moments["mean_shift"], error - tau / n, rtol=1e-12)
    # ddof = 0 (the MLE): V_g = V_{g-1} (1 - n / N_g^2), the recursion of the
    # pooled sum of squares E SS_g = E SS_{g-1} (1 + (n-1)/N_{g-1} + 1/N_g).
    mle = gaussian_refit(G, n_real=n, variance=tau, data="accumulate", ddof=0)
    ss = mle["total_variance"] * N
    np.testing.assert_allclose(ss[0], (n - 1) * tau)
    np.testing.assert_allclose(
        ss[1:] / ss[:-1], 1 + (n - 1) / N[:-1] + 1 / N[1:], rtol=1e-12
    )


@pytest.mark.parametrize("ddof", [0, 1])
def test_the_accumulated_mean_error_stays_below_pi_squared_over_six(ddof):
    # Gerstgrasser et al.'s bound, for the Gaussian mean: generation 0's error
    # tau/n times pi^2/6, approached as g grows (lambda = 1, m = n).
    n = 23
    moments = gaussian_refit(20_000, n_real=n, data="accumulate", ddof=ddof)
    ratio = moments["mean_error"] / moments["mean_error"][0]
    assert np.all(np.diff(ratio) > 0)
    assert ratio[-1] < np.pi**2 / 6
    # the variance decreases to a positive limit V, so that the ratio is at
    # least 1 + (V / tau) sum_{j=2}^{g+1} 1/j^2 (V_j >= V), close to pi^2/6
    variance = moments["total_variance"]
    assert np.all(np.diff(variance) < 0) and variance[-1] > 0.9
    tail = np.sum(1 / np.arange(2, 20_002) ** 2)
    assert ratio[-1] >= 1 + variance[-1] * tail
    # least squares under accumulate has the same bound (fixed design)
    linear = linear_regression_error(20_000, n_features=3, n_real=30, data="accumulate")
    assert linear[-1] / linear[0] < np.pi**2 / 6
    assert linear[-1] / linear[0] == pytest.approx(np.pi**2 / 6, abs=1e-4)


def test_keeping_the_real_rows_bounds_the_replace_loop():
    # replace with the real rows kept converges; without them it grows
    kept = gaussian_refit(300, n_real=20, data="replace", real_fraction=1.0)
    lost = gaussian_refit(300, n_real=20)
    assert kept["mean_error"][-1] < 3 * kept["mean_error"][0]
    assert np.isclose(kept["mean_error"][-1], kept["mean_error"][-2], rtol=1e-9)
    assert lost["mean_error"][-1] == pytest.approx(301 / 20)
    # the fully synthetic loop with synthetic_weight=1 is the unweighted case
    for key in KEYS:
        np.testing.assert_allclose(
            gaussian_refit(5, n_real=20, synthetic_weight=1.0)[key],
            gaussian_refit(5, n_real=20, real_fraction=0.0)[key],
        )


@pytest.mark.parametrize(
    "params, match",
    [
        (dict(real_fraction=0.5), "covers 0 .* and 1"),
        (dict(real_fraction=0.25, data="accumulate"), "covers 0 .* and 1"),
        (dict(real_sampling="fresh", data="accumulate"), "data='replace' only"),
        (dict(real_sampling="fresh"), "keeps no real rows"),
        (dict(n_synthetic=2, synthetic_weight=0.4), "total weight at most ddof=1"),
    ],
)
def test_settings_that_are_not_covered_are_refused(params, match):
    with pytest.raises(ValueError, match=match):
        gaussian_refit(3, n_real=10, **params)


def test_std_and_wasserstein_only_for_the_fully_synthetic_loop():
    assert "std" in gaussian_refit(2, n_real=10)
    for params in (
        dict(data="accumulate"),
        dict(real_fraction=1.0),
        dict(synthetic_weight=2.0),
    ):
        moments = gaussian_refit(2, n_real=10, **params)
        assert set(moments) == {"generation", *KEYS}


@pytest.mark.slow
@pytest.mark.parametrize(
    "params",
    [
        dict(data="accumulate"),
        dict(data="accumulate", synthetic_size=7, synthetic_weight=0.6),
        dict(data="replace", real_fraction=1.0, synthetic_size=16),
    ],
)
def test_through_the_density_retrainer_and_a_source(params):
    # Every repeat draws its own real data from the source (the unconditional
    # Monte Carlo of the theory). truth_mean_error is ||mu_g - mu||^2, the
    # squared mean_shift ||mu_g - mu_0||^2 (the training set's weighted mean
    # is the model's), tr Sigma times truth_covariance_trace_ratio tr Sigma_g.
    n_real, n_generations, n_repeats = 11, 5, 400
    source = GaussianSource(MEAN, COVARIANCE)
    estimator = RecursiveDensityRetrainer(
        GaussianDensity(), n_generations=n_generations, **params
    )
    result = collapse_curve(
        estimator,
        source=source,
        n_samples=n_real,
        n_repeats=n_repeats,
        random_state=3,
    )
    ratio = result["truth_covariance_trace_ratio"]
    samples = np.stack(
        [result["truth_mean_error"], result["mean_shift"] ** 2, 3.0 * ratio], axis=1
    )
    size = params.get("synthetic_size", n_real)
    theory = expected(
        n_generations,
        n_real=n_real,
        n_synthetic=size,
        data=params["data"],
        real_fraction=params.get("real_fraction"),
        synthetic_weight=params.get("synthetic_weight", 1.0),
    )
    assert_mc_agrees(samples, theory, family_wise="bonferroni")
