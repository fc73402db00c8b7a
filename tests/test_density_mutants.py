"""Tests written against the mutants of ``skcollapse/density.py`` that survived.

Each test kills a mutant that the rest of the suite let live (see
``tests/mutation_survivors.md``); ``python tools/mutation.py density`` runs them.
"""

# Authors: The skcollapse developers
# SPDX-License-Identifier: BSD-3-Clause

import re
from decimal import Decimal

import numpy as np
import pytest
from conftest import record_problems
from sklearn.linear_model import Ridge

from skcollapse import RecursiveDensityRetrainer
from skcollapse._random import SeedTable, Stream
from skcollapse.density import N_METRIC_ROWS, N_PROJECTIONS
from skcollapse.generative import GaussianDensity


def _problem_of(monkeypatch, X, **params):
    """The density problem a fit of ``X`` builds, and the fitted loop."""
    seen = record_problems(monkeypatch)
    sample_weight = params.pop("sample_weight", None)
    params = {"n_generations": 1, "metrics": "all", "random_state": 7, **params}
    est = RecursiveDensityRetrainer(GaussianDensity(), **params).fit(
        X, sample_weight=sample_weight
    )
    return seen[0], est


# ----------------------------------------------------------------------
# the sliced Wasserstein metric: directions and the capped real rows
# ----------------------------------------------------------------------
def test_directions_are_generation_zeros_unit_normal_draws(monkeypatch):
    X = np.random.default_rng(3).normal(size=(37, 3))
    problem, _ = _problem_of(monkeypatch, X)
    seeds = SeedTable(problem.seeds.base_seed)
    raw = seeds.rng(0, Stream.METRIC_DIRECTIONS).standard_normal((3, N_PROJECTIONS))
    # each column normalised on its own (not the matrix as a whole)
    np.testing.assert_allclose(np.linalg.norm(problem.directions, axis=0), 1.0)
    np.testing.assert_allclose(
        problem.directions, raw / np.linalg.norm(raw, axis=0), rtol=1e-12
    )
    np.testing.assert_allclose(problem.real_projected, X @ problem.directions)


def test_one_feature_has_one_direction(monkeypatch):
    X = np.random.default_rng(4).normal(size=(29, 1))
    problem, est = _problem_of(monkeypatch, X)
    assert problem.directions.shape == (1, 1)
    assert abs(problem.directions[0, 0]) == pytest.approx(1.0)
    # the metric is then the 1-D Wasserstein distance of the data itself
    assert problem.real_projected.shape == (29, 1)
    assert np.isfinite(est.trajectory_["wasserstein"][0])


def test_capped_rows_are_distinct_rows_drawn_by_generation_zeros_stream(
    monkeypatch,
):
    n = N_METRIC_ROWS + 2345
    rng = np.random.default_rng(5)
    X = rng.normal(size=(n, 2))
    weight = rng.uniform(0.5, 3.0, size=n)
    problem, _ = _problem_of(monkeypatch, X, sample_weight=weight)
    seeds = SeedTable(problem.seeds.base_seed)
    rows = np.sort(
        seeds.rng(0, Stream.METRIC_ROWS).choice(n, size=N_METRIC_ROWS, replace=False)
    )
    # the real rows of the metric: the training part of X (no validation
    # split here), rows drawn without replacement, in order
    assert problem.real_projected.shape == (N_METRIC_ROWS, N_PROJECTIONS)
    assert len(np.unique(problem.real_projected[:, 0])) == N_METRIC_ROWS
    np.testing.assert_allclose(problem.real_projected, X[rows] @ problem.directions)
    # each kept row keeps its own weight
    np.testing.assert_array_equal(problem.metric_weight, weight[rows])


# ----------------------------------------------------------------------
# verifiers
# ----------------------------------------------------------------------
def test_the_whole_refusal_of_a_verifier_without_score_samples():
    message = (
        "A verifier for a density loop must have score_samples (to score "
        "synthetic samples); Ridge has none. Pass a density estimator or a "
        "callable (X) -> scores."
    )
    with pytest.raises(ValueError, match="^" + re.escape(message) + "$"):
        RecursiveDensityRetrainer(
            GaussianDensity(), verifier=Ridge(), keep_fraction=0.5
        ).fit(np.random.default_rng(6).normal(size=(11, 2)))


class _DecimalScores(GaussianDensity):
    """Log-densities returned as a list of ``Decimal`` (an object array)."""

    def score_samples(self, X):
        return [Decimal(float(s)) for s in super().score_samples(X)]


def test_a_verifiers_scores_are_taken_as_floats():
    X = np.random.default_rng(8).normal(size=(23, 2))
    kwargs = dict(n_generations=3, keep_fraction=0.6, random_state=2)
    plain = RecursiveDensityRetrainer(
        GaussianDensity(), verifier=GaussianDensity(), **kwargs
    ).fit(X)
    decimal = RecursiveDensityRetrainer(
        GaussianDensity(), verifier=_DecimalScores(), **kwargs
    ).fit(X)
    # the same selection: the same models
    np.testing.assert_array_equal(
        decimal.estimators_[-1].mean_, plain.estimators_[-1].mean_
    )


# ----------------------------------------------------------------------
# the log-likelihood of the real data: weighted, rows of weight 0 left out
# ----------------------------------------------------------------------
@pytest.mark.filterwarnings("ignore:divide by zero:RuntimeWarning")
def test_log_likelihood_real_is_the_weighted_mean_score_of_the_rows_that_weigh():
    from sklearn.neighbors import KernelDensity

    rng = np.random.default_rng(9)
    X = np.vstack([rng.normal(size=(30, 1)), [[40.0]]])
    weight = np.append(rng.uniform(0.2, 2.5, size=30), 0.0)
    est = RecursiveDensityRetrainer(
        KernelDensity(kernel="tophat", bandwidth=0.9),
        n_generations=1,
        metrics="all",
        random_state=3,
    ).fit(X, sample_weight=weight)
    scores = est.estimators_[0].score_samples(X)
    # the outlier weighs nothing: the model gives it no density at all
    assert scores[-1] == -np.inf
    expected = np.average(scores[:-1], weights=weight[:-1])
    assert est.trajectory_["log_likelihood_real"][0] == pytest.approx(expected)
    # not the unweighted mean
    assert abs(expected - np.mean(scores[:-1])) > 1e-3


def test_log_likelihood_of_a_models_scores_taken_as_floats():
    X = np.random.default_rng(10).normal(size=(19, 2))
    weight = np.linspace(0.5, 2.0, 19)
    kwargs = dict(n_generations=2, metrics="all", random_state=4)
    plain = RecursiveDensityRetrainer(GaussianDensity(), **kwargs).fit(
        X, sample_weight=weight
    )
    decimal = RecursiveDensityRetrainer(_DecimalScores(), **kwargs).fit(
        X, sample_weight=weight
    )
    np.testing.assert_allclose(
        decimal.trajectory_["log_likelihood_real"],
        plain.trajectory_["log_likelihood_real"],
        rtol=1e-12,
    )


# ----------------------------------------------------------------------
# degenerate training sets: rows of weight 0 do not count
# ----------------------------------------------------------------------
def _reason(monkeypatch, base, X, weight):
    from skcollapse._problem import Batch

    problem, _ = _problem_of(monkeypatch, np.random.default_rng(0).normal(size=(9, 2)))
    problem.owner = RecursiveDensityRetrainer(base)
    return problem.degenerate_reason(
        Batch(X=X, weight=weight, origin=np.ones(len(X), dtype=int))
    )


def test_degenerate_reason_counts_only_the_rows_that_weigh(monkeypatch):
    from sklearn.mixture import GaussianMixture

    a, b, c = [0.5, 1.5], [-2.0, 0.25], [3.0, -1.0]
    # two copies of a weigh, b weighs nothing: one distinct sample for two
    # components
    reason = _reason(
        monkeypatch,
        GaussianMixture(n_components=2),
        np.array([a, a, b]),
        np.array([1.0, 1.0, 0.0]),
    )
    assert reason == (
        "1 distinct sample(s) for 2 mixture components: a component would "
        "have no points"
    )
    # light rows (weights below 1) count
    assert (
        _reason(
            monkeypatch,
            GaussianMixture(n_components=3),
            np.array([a, b, c]),
            np.array([0.5, 0.25, 0.75]),
        )
        is None
    )
    # a non-finite row counts only if it weighs
    X = np.array([a, b, [np.inf, 0.0]])
    base = GaussianMixture(n_components=2)
    assert _reason(monkeypatch, base, X, np.array([1.0, 2.0, 0.0])) is None
    assert (
        _reason(monkeypatch, base, X, np.array([1.0, 2.0, 0.5]))
        == "the synthetic samples hold non-finite values"
    )


def test_a_total_weight_equal_to_ddof_is_degenerate(monkeypatch):
    X = np.array([[0.5, 1.5], [-2.0, 0.25]])
    assert _reason(monkeypatch, GaussianDensity(ddof=1), X[:1], None) == (
        "a total sample weight of 1 for GaussianDensity with ddof=1"
    )
    assert _reason(monkeypatch, GaussianDensity(ddof=1), X, None) is None
    weight = np.array([0.75, 1.25])
    assert _reason(monkeypatch, GaussianDensity(ddof=2), X, weight) == (
        "a total sample weight of 2 for GaussianDensity with ddof=2"
    )
    assert _reason(monkeypatch, GaussianDensity(ddof=2), X, 1.25 * weight) is None


def test_log_likelihood_validation_is_each_models_mean_score_on_the_held_out_rows(
    monkeypatch,
):
    X = np.random.default_rng(12).normal(size=(37, 2))
    problem, est = _problem_of(monkeypatch, X, n_generations=3, validation_fraction=0.3)
    # ceil(0.3 * 37) = 12 rows held out (round and floor would give 11)
    assert problem.X_val.shape == (12, 2)
    expected = [np.mean(m.score_samples(problem.X_val)) for m in est.estimators_]
    np.testing.assert_allclose(
        est.trajectory_["log_likelihood_validation"], expected, rtol=1e-12
    )


def test_total_variance_of_a_weighted_training_set_uses_its_weights():
    rng = np.random.default_rng(13)
    X = rng.normal(size=(27, 3)) * [1.0, 2.5, 0.4]
    weight = np.linspace(0.2, 3.1, 27)
    est = RecursiveDensityRetrainer(
        GaussianDensity(), n_generations=1, metrics="all", random_state=5
    ).fit(X, sample_weight=weight)
    expected = np.trace(np.cov(X.T, aweights=weight))
    assert est.trajectory_["total_variance"][0] == pytest.approx(expected, rel=1e-10)
    assert abs(expected - np.trace(np.cov(X.T))) > 1e-3 * expected
    # generation 0 trains on the real rows: no shift of the weighted mean
    assert est.trajectory_["mean_shift"][0] == pytest.approx(0.0, abs=1e-12)


def test_a_generation_without_training_data_records_nan_spread():
    from skcollapse import CollapseWarning

    X = np.random.default_rng(14).normal(size=(21, 2))
    est = RecursiveDensityRetrainer(
        GaussianDensity(),
        n_generations=2,
        verifier=lambda Z: np.zeros(len(Z)),
        threshold=1.0,  # above every score: every sample rejected
        metrics="all",
        random_state=6,
    )
    with pytest.warns(CollapseWarning, match="no training data"):
        est.fit(X)
    for key in ("total_variance", "mean_shift"):
        values = est.trajectory_[key]
        assert np.isfinite(values[0])
        assert np.all(np.isnan(values[1:]))


@pytest.mark.parametrize("seed", [1, 3])
def test_a_discrete_models_collapse_is_measured_on_its_entropy(seed):
    # Token ids far apart (50, 51): losing them halves the variance of the
    # ids long before (seed 1), or without (seed 3), the entropy halving.
    # collapse_generation_ is the first generation whose entropy is at or
    # below collapse_threshold times generation 0's.
    from skcollapse.generative import CategoricalDensity

    X = np.repeat([0, 1, 2, 50, 51], [5, 4, 3, 2, 1]).reshape(-1, 1)
    est = RecursiveDensityRetrainer(
        CategoricalDensity(),
        n_generations=12,
        collapse_threshold=0.5,
        metrics="all",
        random_state=seed,
    ).fit(X)

    def first_at_or_below_half(values):
        at = np.flatnonzero(values <= 0.5 * values[0])
        return int(at[0]) if at.size else None

    entropy = est.trajectory_["entropy"]
    variance = est.trajectory_["total_variance"]
    assert est.collapse_generation_ == first_at_or_below_half(entropy)
    # (the test can tell the two keys apart on these seeds)
    assert first_at_or_below_half(variance) != est.collapse_generation_


def test_a_discrete_models_wasserstein_is_to_the_weighted_real_tokens():
    # Generation 0 fits the weighted real frequencies, so its exact W_1 to
    # the real tokens, weighted as the fit was, is 0; later generations are
    # measured against the same weighted distribution.
    from skcollapse._metrics import discrete_wasserstein
    from skcollapse.generative import CategoricalDensity

    X = np.repeat([0, 1, 3], [4, 5, 2]).reshape(-1, 1)
    weight = np.linspace(0.3, 2.9, len(X))
    est = RecursiveDensityRetrainer(
        CategoricalDensity(), n_generations=2, metrics="all", random_state=4
    ).fit(X, sample_weight=weight)
    distance = est.trajectory_["wasserstein"]
    assert distance[0] < 1e-12
    real = (
        np.array([0.0, 1.0, 3.0]),
        np.array([weight[:4].sum(), weight[4:9].sum(), weight[9:].sum()])
        / weight.sum(),
    )
    last = est.estimators_[-1]
    expected = discrete_wasserstein(
        (last.categories_.astype(float), last.probabilities_), real
    )
    assert distance[-1] == pytest.approx(expected, rel=1e-12, abs=1e-15)
    assert distance[-1] > 0.01
