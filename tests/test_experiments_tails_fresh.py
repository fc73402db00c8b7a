"""Building blocks of the tale-of-tails and golden-ratio-fresh-data experiments.

The fitted-exponent standard error (delta method), the generators and the
token source of the memoriser, the variance bound of the missing mass, the
fresh Gaussian inputs and the rule of thumb of the fresh-data loop.
"""

import numpy as np
import pytest

from skcollapse.experiments._fresh import GaussianInputs, heuristic_error
from skcollapse.experiments._tails import _GeneratedTokens, _generator, log_slope
from skcollapse.generative import CategoricalDensity
from skcollapse.theory import zipf_error


def _zipf(n, beta):
    p = np.arange(1, n + 1, dtype=float) ** -beta
    return p / p.sum()


def test_log_slope_standard_error_is_calibrated():
    """Over many experiments with a known slope, (slope - truth)/se is within
    2 of 0 about 95% of the time (binomial bounds at 3 standard errors), and
    the errors spread as their standard errors say."""
    rng = np.random.default_rng(7)
    x = np.array([13.0, 71.0, 333.0, 2017.0])
    n_experiments, n_repeats = 400, 37
    z = np.empty(n_experiments)
    for i in range(n_experiments):
        # correlated across x (a shared factor per repeat), as when the
        # columns share their repeats' seeds
        shared = rng.normal(0, 0.2, size=(n_repeats, 1))
        own = rng.normal(0, 0.3, size=(n_repeats, x.size))
        values = x**-0.37 * np.exp(shared + own - (0.2**2 + 0.3**2) / 2)
        slope, se = log_slope(x, values)
        z[i] = (slope + 0.37) / se
    inside = np.sum(np.abs(z) < 2)
    expected = 0.9545 * n_experiments
    spread = np.sqrt(n_experiments * 0.9545 * 0.0455)
    assert abs(inside - expected) < 3 * spread, inside
    # the delta method's standard deviation of z is 1 up to O(1/n_repeats)
    assert 0.85 < np.std(z) < 1.15, np.std(z)


def test_log_slope_of_an_exact_power_law_has_no_error():
    x = np.array([10.0, 100.0, 1000.0])
    slope, se = log_slope(x, np.tile(3 * x**-0.25, (5, 1)))
    assert slope == pytest.approx(-0.25)
    assert se == pytest.approx(0.0, abs=1e-12)


def test_generators_cut_narrow_and_mix_as_zipf_error_assumes():
    p = _zipf(57, 1.7)
    cut = _generator(p, top_k=9)
    np.testing.assert_allclose(cut[:9], p[:9] / p[:9].sum())
    assert np.all(cut[9:] == 0)
    narrowed = _generator(p, temperature=0.6)
    expected = p ** (1 / 0.6)
    np.testing.assert_allclose(narrowed, expected / expected.sum())
    mixed = _generator(p, top_k=9, real_fraction=0.3)
    np.testing.assert_allclose(mixed, 0.3 * p + 0.7 * cut)
    assert mixed.sum() == pytest.approx(1.0)
    # zipf_error's exact first generation is sum_i p_i (1 - q_i)^T for them
    for q, kwargs in ((cut, {"top_k": 9}), (mixed, {"top_k": 9, "real_fraction": 0.3})):
        exact = np.sum(p * (1 - q) ** 211)
        theory = zipf_error(0, n_train=211, exponent=1.7, n_categories=57, **kwargs)
        assert float(theory[0]) == pytest.approx(exact, rel=1e-6)


def test_generated_tokens_sample_the_generator_and_evaluate_against_the_truth():
    p = _zipf(40, 2.0)
    source = _GeneratedTokens(p, _generator(p, top_k=5))
    X = source.sample(500, random_state=3)
    assert X.shape == (500, 1) and set(np.unique(X)) <= set(range(5))
    metrics = source.evaluate(CategoricalDensity().fit(X))
    # every token beyond rank 5 is missing: at least their true mass
    assert metrics["missing_mass"] >= p[5:].sum() - 1e-12
    assert metrics["missing_mass"] == pytest.approx(
        1 - p[np.unique(X)].sum(), abs=1e-12
    )
    assert source.supervised is False


def test_the_missing_mass_varies_less_than_its_bound():
    """The experiment's standard-error floor: Var(missing mass) <=
    sum_i p_i^2 u_i (1 - u_i), u_i = (1 - q_i)^T (negatively associated
    indicators). The sample variance over many draws stays below the bound
    (plus 3 standard errors of a variance estimate)."""
    p = _zipf(30, 1.3)
    T, n_draws = 41, 3000
    rng = np.random.default_rng(11)
    counts = rng.multinomial(T, p, size=n_draws)
    missing = (counts == 0) @ p
    unseen = (1 - p) ** T
    bound = np.sum(p**2 * unseen * (1 - unseen))
    variance = missing.var(ddof=1)
    se_variance = variance * np.sqrt(2 / (n_draws - 1))
    assert variance <= bound + 3 * se_variance
    assert missing.mean() == pytest.approx(
        np.sum(p * unseen), abs=4 * np.sqrt(variance / n_draws)
    )


def test_gaussian_inputs_are_seeded_standard_normal_rows():
    inputs = GaussianInputs(3)
    a, b = inputs(7, 12), inputs(7, 12)
    np.testing.assert_array_equal(a, b)
    assert a.shape == (7, 3)
    assert not np.array_equal(a, inputs(7, 13))
    draws = inputs(20_000, 0)
    np.testing.assert_allclose(draws.mean(axis=0), 0, atol=4 / np.sqrt(20_000))
    np.testing.assert_allclose(np.cov(draws, rowvar=False), np.eye(3), atol=0.05)


def test_heuristic_error_is_the_k1_long_run_factor_times_the_ols_error():
    # at w = 1 (real data alone) it is the OLS error d/(n-d-1)
    assert heuristic_error(1.0, 5, 42) == pytest.approx(5 / 36)
    w = 0.6180339887498949
    assert heuristic_error(w, 5, 42) == pytest.approx(
        ((1 - w) ** 2 + w**2) / (w * (2 - w)) * 5 / 36
    )
    # minimised at the golden ratio's reciprocal
    grid = np.linspace(0.3, 0.95, 651)
    assert grid[np.argmin(heuristic_error(grid, 5, 42))] == pytest.approx(w, abs=1e-3)


def test_word_frequencies_without_wordfreq(monkeypatch):
    """words=True names the missing optional dependency; "auto" skips it."""
    import skcollapse.datasets
    from skcollapse.experiments._base import Recorder
    from skcollapse.experiments._tails import _words

    def missing(*args, **kwargs):
        raise ImportError("No module named 'wordfreq'")

    monkeypatch.setattr(skcollapse.datasets, "load_word_frequencies", missing)
    run = Recorder("tale-of-tails", "quick", 0, None, 2)
    sizes = np.array([10, 100])
    with pytest.raises(ImportError, match=r"words=True.*skcollapse\[data\]"):
        _words(run, True, sizes, [0, 1], None)
    assert _words(run, "auto", sizes, [0, 1], None) is None
    assert _words(run, False, sizes, [0, 1], None) is None
    assert run.table.rows == [] and run.pending == []
