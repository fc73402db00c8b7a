"""Tests for skcollapse.generative.EmpiricalDensity (alone and in the density loop)."""

import pickle

import numpy as np
import pytest
from scipy.stats import binom
from sklearn.exceptions import NotFittedError

from skcollapse import RecursiveDensityRetrainer
from skcollapse.datasets import GaussianSource
from skcollapse.generative import EmpiricalDensity
from skcollapse.utils._testing import assert_mc_agrees

ROWS = np.array([[0.0, 1.0], [2.0, 1.0], [0.0, 1.0], [5.0, 5.0], [0.0, 1.0]])


def test_fit_stores_distinct_rows_and_their_shares():
    density = EmpiricalDensity().fit(ROWS)
    np.testing.assert_array_equal(density.support_, [[0, 1], [2, 1], [5, 5]])
    np.testing.assert_allclose(density.probabilities_, [0.6, 0.2, 0.2])
    assert density.n_features_in_ == 2


def test_score_samples_is_the_log_empirical_mass():
    density = EmpiricalDensity().fit(ROWS)
    scores = density.score_samples([[5.0, 5.0], [0.0, 1.0], [5.0, 5.0 + 1e-12], [9, 9]])
    np.testing.assert_allclose(scores[:2], np.log([0.2, 0.6]))
    assert scores[2] == -np.inf and scores[3] == -np.inf
    assert density.score(ROWS) == pytest.approx(
        np.mean(np.log([0.6, 0.2, 0.6, 0.2, 0.6]))
    )
    assert density.score([[9.0, 9.0]]) == -np.inf


def test_negative_zero_is_zero():
    density = EmpiricalDensity().fit([[0.0], [-0.0], [1.0]])
    assert len(density.support_) == 2
    assert density.score_samples([[-0.0]])[0] == pytest.approx(np.log(2 / 3))


def test_integer_rows_stay_integers():
    tokens = np.array([[3], [1], [3], [7]], dtype=np.int64)
    density = EmpiricalDensity().fit(tokens)
    assert density.support_.dtype == np.int64
    drawn = density.sample(11, random_state=0)
    assert drawn.dtype == np.int64 and drawn.shape == (11, 1)
    assert set(drawn[:, 0]) <= {1, 3, 7}
    # scored as floats too
    assert density.score_samples([[3.0]])[0] == pytest.approx(np.log(0.5))


def test_weights_are_repetitions_and_zero_weights_removals():
    weighted = EmpiricalDensity().fit(
        [[0.0, 1.0], [2.0, 1.0], [5.0, 5.0], [8.0, 8.0]], sample_weight=[3, 1, 1, 0]
    )
    repeated = EmpiricalDensity().fit(ROWS)
    np.testing.assert_array_equal(weighted.support_, repeated.support_)
    np.testing.assert_allclose(weighted.probabilities_, repeated.probabilities_)
    huge = EmpiricalDensity().fit([[0.0], [1.0]], sample_weight=[5e307, 1.5e308])
    np.testing.assert_allclose(huge.probabilities_, [0.25, 0.75])
    with pytest.raises(ValueError, match="non-zero"):
        EmpiricalDensity().fit([[0.0], [1.0]], sample_weight=[0, 0])


def test_sample_frequencies_match_the_empirical_mass():
    density = EmpiricalDensity().fit(ROWS)
    n = 30_011
    drawn = density.sample(n, random_state=1)
    index = np.array(
        [np.flatnonzero((density.support_ == row).all(axis=1))[0] for row in drawn]
    )
    frequencies = np.bincount(index, minlength=3) / n
    p = density.probabilities_
    assert_mc_agrees(
        frequencies,
        p,
        standard_error=np.sqrt(p * (1 - p) / n),
        family_wise="bonferroni",
    )


def test_weighted_sample_frequencies():
    density = EmpiricalDensity().fit(
        [[0.0], [1.0], [2.0]], sample_weight=[0.5, 2.5, 7.0]
    )
    n = 20_011
    drawn = density.sample(n, random_state=2)[:, 0].astype(int)
    p = np.array([0.05, 0.25, 0.7])
    assert_mc_agrees(
        np.bincount(drawn, minlength=3) / n,
        p,
        standard_error=np.sqrt(p * (1 - p) / n),
        family_wise="bonferroni",
    )


def test_sample_is_reproducible_a_copy_and_may_be_empty():
    density = EmpiricalDensity().fit(ROWS)
    np.testing.assert_array_equal(
        density.sample(7, random_state=3), density.sample(7, random_state=3)
    )
    drawn = density.sample(7, random_state=3)
    drawn[:] = -1.0
    assert np.all(density.support_ >= 0)
    assert density.sample(0).shape == (0, 2)
    with pytest.raises(ValueError, match="n_samples must be an int >= 0"):
        density.sample(-1)
    with pytest.raises(TypeError, match="n_samples must be an int >= 0"):
        density.sample(1.5)


def test_unfitted_and_pickled():
    with pytest.raises(NotFittedError):
        EmpiricalDensity().sample(3)
    density = EmpiricalDensity().fit(ROWS)
    restored = pickle.loads(pickle.dumps(density))
    np.testing.assert_array_equal(
        restored.sample(5, random_state=0), density.sample(5, random_state=0)
    )


def test_temperature_is_refused_by_the_density_loop():
    X = GaussianSource([0.0], 1.0).sample(20, random_state=0)
    loop = RecursiveDensityRetrainer(EmpiricalDensity(), temperature=0.5)
    with pytest.raises(
        ValueError, match="temperature=0.5 cannot be applied to EmpiricalDensity"
    ):
        loop.fit(X)


def test_support_never_grows_in_the_loop():
    X = GaussianSource([0.0, 0.0], [1.0, 2.0]).sample(29, random_state=0)
    loop = RecursiveDensityRetrainer(
        EmpiricalDensity(), n_generations=12, random_state=0
    ).fit(X)
    supports = [{tuple(row) for row in model.support_} for model in loop.estimators_]
    assert len(supports[0]) == 29
    for previous, current in zip(supports, supports[1:]):
        assert current <= previous
    # generation 0's log-likelihood of the real rows is log(1/29); later ones
    # are -inf as soon as a real row is lost
    assert loop.trajectory_["log_likelihood_real"][0] == pytest.approx(np.log(1 / 29))


def _expected_distinct(n):
    """E[distinct rows] after one and two generations of resampling n distinct rows.

    One generation keeps each row with probability 1 - (1 - 1/n)^n. By linearity,
    after two a row of count C ~ Binomial(n, 1/n) in generation 1 survives with
    probability 1 - (1 - C/n)^n.
    """
    first = n * (1 - (1 - 1 / n) ** n)
    counts = np.arange(n + 1)
    second = n * np.sum(binom.pmf(counts, n, 1 / n) * (1 - (1 - counts / n) ** n))
    return first, second


def test_support_shrinks_as_the_theory_says():
    n = 37
    source = GaussianSource([0.5], 2.0)
    counts = []
    for seed in range(201):
        X = source.sample(n, random_state=seed)
        loop = RecursiveDensityRetrainer(
            EmpiricalDensity(), n_generations=2, random_state=seed
        ).fit(X)
        counts.append([len(model.support_) for model in loop.estimators_])
    counts = np.array(counts)
    assert np.all(counts[:, 0] == n)
    first, second = _expected_distinct(n)
    assert first / n == pytest.approx(1 - (1 - 1 / n) ** n)
    assert abs(first / n - (1 - np.exp(-1))) < 0.01  # about 0.632
    assert_mc_agrees(counts[:, 1:], [first, second], family_wise="bonferroni")
