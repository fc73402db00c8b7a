"""Tests written against the surviving mutants of the supervised problem's core.

The second batch of ``skcollapse/retrainer.py``'s survivors (``_SupervisedProblem``:
its scores, labels, inputs, candidates and residuals; see
``tests/mutation_survivors.md``); ``python tools/mutation.py retrainer`` runs them.
Most tests call the problem a fit built (``record_problems``) with a generator of
their own, and reproduce what it must draw from that generator.
"""

# Authors: The skcollapse developers
# SPDX-License-Identifier: BSD-3-Clause

import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import record_problems, whole
from sklearn.base import BaseEstimator, RegressorMixin, clone
from sklearn.cluster import KMeans
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.linear_model import (
    LinearRegression,
    LogisticRegression,
    Ridge,
    TweedieRegressor,
)
from sklearn.metrics import accuracy_score, r2_score
from sklearn.model_selection import KFold, cross_val_predict
from sklearn.neighbors import KernelDensity
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC
from sklearn.tree import DecisionTreeRegressor

from skcollapse import RecursiveRetrainer
from skcollapse._random import Stream
from skcollapse.retrainer import (
    ZeroNoiseWarning,
    _check_supervised_base,
    _predictive_spec,
)
from skcollapse.utils._testing import assert_mc_agrees


def _data(n=37, d=3, seed=0, outputs=1):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    y = X @ np.array([0.7, -1.3, 0.4][:d]) + 0.3 * rng.normal(size=n)
    if outputs == 2:  # a second output with another mean and scale
        y = np.column_stack([y, 41.5 - 2.7 * y + rng.normal(size=n)])
    return X, y


def _problem(monkeypatch, X, y, **params):
    params.setdefault("n_generations", 1)
    params.setdefault("random_state", 0)
    est = RecursiveRetrainer(params.pop("estimator", LinearRegression()), **params)
    seen = record_problems(monkeypatch)
    est.fit(X, y)
    return est, seen[0]


# ----------------------------------------------------------------------
# score_real: exactly r2_score on the real rows
# ----------------------------------------------------------------------
@pytest.mark.parametrize("outputs", [1, 2])
def test_score_real_of_a_regressor_is_r2_score_on_the_real_rows(outputs):
    # two outputs with different means: the total sum of squares is taken
    # about each output's own mean (not the pooled mean, not times 2)
    X, y = _data(outputs=outputs)
    est = RecursiveRetrainer(
        Ridge(alpha=3.7), n_generations=2, label_noise=0.9, random_state=1
    ).fit(X, y)
    for g, model in enumerate(est.estimators_):
        expected = r2_score(y, model.predict(X))
        assert est.trajectory_["score_real"][g] == pytest.approx(expected, rel=1e-12)


def test_the_real_total_of_tiny_and_huge_labels_under_the_callers_errstate_raise(
    monkeypatch,
):
    # the total sum of squares of the real labels under- or overflows (r2
    # rescales then); the problem computes it with those errors ignored,
    # whatever the caller set
    X, y = _data(n=23)
    _, problem = _problem(monkeypatch, X, y, label_noise=0.0)
    for factor in (1e-170, 1e170):
        labels = y * factor
        with np.errstate(all="raise"):
            rebuilt = type(problem)(
                problem.owner, X, labels, None, None, None, 0.0, False, problem.seeds
            )
        with np.errstate(all="ignore"):
            expected = np.sum((labels - labels.mean()) ** 2)
        assert rebuilt._real_total.shape == (1,)
        assert rebuilt._real_total[0] == expected


# ----------------------------------------------------------------------
# score_validation of a classifier
# ----------------------------------------------------------------------
def test_score_validation_of_a_classifier_is_its_accuracy_on_the_held_out_rows(
    monkeypatch,
):
    X, y = _data(n=53)
    labels = (y > 0.2).astype(int)
    est, problem = _problem(
        monkeypatch,
        X,
        labels,
        estimator=LogisticRegression(C=0.07),
        validation_fraction=0.3,
        n_generations=2,
    )
    assert problem.X_val.shape[0] == 16  # ceil(0.3 * 53)
    for g, model in enumerate(est.estimators_):
        expected = accuracy_score(problem.y_val, model.predict(problem.X_val))
        assert est.trajectory_["score_validation"][g] == expected


# ----------------------------------------------------------------------
# _labels: what a regressor's synthetic labels are, from the generator
# ----------------------------------------------------------------------
@pytest.mark.parametrize("label_noise", [1.0, 0.37])
def test_fixed_label_noise_adds_sigma_times_the_generators_normals(
    monkeypatch, label_noise
):
    # label_noise=1.0 at temperature 1 gives sigma = 1: noise must be added
    X, y = _data()
    _, problem = _problem(monkeypatch, X, y, label_noise=label_noise)
    model = LinearRegression().fit(X, y)
    labels, sigma = problem._labels(model, X, np.random.default_rng(5))
    z = np.random.default_rng(5).standard_normal(len(y))
    np.testing.assert_allclose(labels, model.predict(X) + label_noise * z)
    assert sigma == label_noise


def test_residual_noise_adds_the_residual_rms_times_the_generators_normals(
    monkeypatch,
):
    X, y = _data()
    _, problem = _problem(monkeypatch, X, y, label_noise="residual")
    model = problem.fit(LinearRegression(), problem.real)
    prediction = model.predict(X)
    rms = np.sqrt(np.mean((y - prediction) ** 2))
    labels, scale = problem._labels(model, X, np.random.default_rng(6))
    z = np.random.default_rng(6).standard_normal(len(y))
    np.testing.assert_allclose(labels, prediction + rms * z)
    assert scale == pytest.approx(rms)


def test_bootstrap_noise_adds_residuals_drawn_by_the_generator(monkeypatch):
    X, y = _data()
    _, problem = _problem(monkeypatch, X, y, label_noise="bootstrap")
    model = problem.fit(LinearRegression(), problem.real)
    prediction = model.predict(X)
    residuals = y - prediction
    labels, _ = problem._labels(model, X, np.random.default_rng(7))
    rows = np.random.default_rng(7).integers(0, len(y), size=len(y))
    np.testing.assert_allclose(labels, prediction + residuals[rows])


def test_bootstrap_noise_draws_the_first_residual_at_its_rate(monkeypatch):
    # each synthetic row takes residual 0 with probability 1/37
    X, y = _data()
    _, problem = _problem(monkeypatch, X, y, label_noise="bootstrap")
    model = problem.fit(LinearRegression(), problem.real)
    prediction = model.predict(X)
    first = (y - prediction)[0]
    rng = np.random.default_rng(8)
    hits = np.array(
        [
            np.mean(np.isclose(problem._labels(model, X, rng)[0] - prediction, first))
            for _ in range(400)
        ]
    )
    assert_mc_agrees(hits, 1 / 37)


# ----------------------------------------------------------------------
# _draw_inputs
# ----------------------------------------------------------------------
def test_reused_inputs_below_the_real_count_are_a_sorted_random_subset(monkeypatch):
    X, y = _data()
    _, problem = _problem(monkeypatch, X, y, label_noise=0.5)
    X_new, rows = problem._draw_inputs(23, np.random.default_rng(9))
    expected = np.sort(np.random.default_rng(9).choice(37, size=23, replace=False))
    np.testing.assert_array_equal(rows, expected)
    np.testing.assert_array_equal(X_new, X[expected])


def test_bootstrap_inputs_are_the_generators_rows_row_0_included(monkeypatch):
    X, y = _data()
    _, problem = _problem(monkeypatch, X, y, label_noise=0.5, inputs="bootstrap")
    X_new, rows = problem._draw_inputs(41, np.random.default_rng(10))
    expected = np.random.default_rng(10).integers(0, 37, size=41)
    np.testing.assert_array_equal(rows, expected)
    np.testing.assert_array_equal(X_new, X[expected])
    rng = np.random.default_rng(11)
    hits = np.array(
        [np.mean(problem._draw_inputs(41, rng)[1] == 0) for _ in range(300)]
    )
    assert_mc_agrees(hits, 1 / 37)


def test_a_samplers_inputs_are_reproducible_from_the_generator(monkeypatch):
    X, y = _data()
    _, problem = _problem(
        monkeypatch, X, y, label_noise=0.5, inputs=KernelDensity(bandwidth=0.3)
    )
    first, rows = problem._draw_inputs(19, np.random.default_rng(12))
    again, _ = problem._draw_inputs(19, np.random.default_rng(12))
    assert rows is False
    assert first.shape == (19, 3)
    np.testing.assert_array_equal(first, again)


# ----------------------------------------------------------------------
# _fit_input_sampler
# ----------------------------------------------------------------------
def test_a_dataframes_inputs_reach_the_sampler_as_an_array(monkeypatch):
    X, y = _data()
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    _, problem = _problem(
        monkeypatch, frame, y, label_noise=0.5, inputs=KernelDensity(bandwidth=0.3)
    )
    assert not hasattr(problem._sampler, "feature_names_in_")
    assert problem._sampler.n_features_in_ == 3


def test_the_input_sampler_is_seeded_from_generation_0s_stream(monkeypatch):
    from sklearn.mixture import GaussianMixture

    X, y = _data()
    _, problem = _problem(
        monkeypatch, X, y, label_noise=0.5, inputs=GaussianMixture(n_components=2)
    )
    expected = problem.seeds.rng(0, Stream.INPUT_SAMPLER)
    from skcollapse._random import seed_estimator

    seeded = seed_estimator(GaussianMixture(n_components=2), expected)
    assert problem._sampler.random_state == seeded.random_state


# ----------------------------------------------------------------------
# synthesize: candidates
# ----------------------------------------------------------------------
@pytest.mark.parametrize("inputs", ["reuse", "sampler"])
def test_two_candidates_give_every_input_row_twice(monkeypatch, inputs):
    X, y = _data()
    if inputs == "sampler":
        inputs = KernelDensity(bandwidth=0.3)
    _, problem = _problem(monkeypatch, X, y, label_noise=0.5, inputs=inputs)
    model = LinearRegression().fit(X, y)
    synthesis = problem.synthesize(
        model, 13, np.random.default_rng(13), generation=1, n_candidates=2
    )
    batch = synthesis.batch
    assert len(batch.y) == 26
    np.testing.assert_array_equal(batch.X[0::2], batch.X[1::2])
    assert not np.array_equal(batch.y[0::2], batch.y[1::2])  # labels drawn apart


# ----------------------------------------------------------------------
# fit: refusals, out-of-fold residuals with weights, the output cache
# ----------------------------------------------------------------------
@pytest.mark.parametrize("pipeline", [False, True])
def test_sample_label_noise_without_predict_proba_names_the_base(pipeline):
    # a Pipeline's class has predict_proba (conditional on its last step):
    # refused once generation 0's model is fitted, naming the Pipeline
    X, y = _data()
    base = make_pipeline(StandardScaler(), LinearSVC()) if pipeline else LinearSVC()
    est = RecursiveRetrainer(base, label_noise="sample", n_generations=1)
    name = "Pipeline" if pipeline else "LinearSVC"
    message = (
        f"label_noise='sample' draws labels from predict_proba, which {name} "
        "does not have. Use label_noise='argmax'."
    )
    with pytest.raises(ValueError, match=whole(message)):
        est.fit(X, (y > 0).astype(int))


def test_out_of_fold_residuals_are_fitted_with_the_weights(monkeypatch):
    X, y = _data()
    weight = np.linspace(0.2, 3.1, len(y))
    seen = record_problems(monkeypatch)
    RecursiveRetrainer(
        Ridge(alpha=2.3), label_noise="oof", n_generations=1, random_state=3
    ).fit(X, y, sample_weight=weight)
    problem = seen[0]
    problem._generation = 0
    problem.fit(Ridge(alpha=2.3), problem.real)
    folds = KFold(5, shuffle=True, random_state=problem.seeds.seed(0, Stream.OOF_FOLDS))
    prediction = cross_val_predict(
        clone(Ridge(alpha=2.3)), X, y, cv=folds, params={"sample_weight": weight}
    )
    np.testing.assert_allclose(problem._residuals, y - prediction)


def test_the_cached_predictions_are_the_models_own(monkeypatch):
    X, y = _data()
    _, problem = _problem(monkeypatch, X, y, label_noise=0.5)
    first = LinearRegression().fit(X, y)
    other = Ridge(alpha=50.0).fit(X, y)
    np.testing.assert_allclose(problem._output(first, X), first.predict(X))
    np.testing.assert_allclose(problem._output(other, X), other.predict(X))


# ----------------------------------------------------------------------
# more of the problem: a base predicting a column, a writing sampler,
# classifiers' diversity, the predictive no-noise warning's conditions
# ----------------------------------------------------------------------
class _ColumnRegressor(RegressorMixin, BaseEstimator):
    """A least-squares fit that predicts one column, shape (n, 1)."""

    def fit(self, X, y):
        self.coef_ = np.linalg.lstsq(X, y, rcond=None)[0]
        return self

    def predict(self, X):
        return (X @ self.coef_).reshape(-1, 1)


def test_a_column_of_predictions_takes_the_shape_of_the_real_labels(monkeypatch):
    X, y = _data()
    _, problem = _problem(monkeypatch, X, y, label_noise=0.5)
    model = _ColumnRegressor().fit(X, y)
    output = problem._output(model, X)
    assert output.shape == (37,)
    np.testing.assert_allclose(output, X @ model.coef_)


class _CentringSampler(BaseEstimator):
    """An input sampler that centres its training inputs in place (copy=False)."""

    def __init__(self, copy=False):
        self.copy = copy

    def fit(self, X, y=None):
        if not self.copy:
            X -= X.mean(axis=0)
        self.X_ = np.array(X)
        return self

    def sample(self, n_samples=1, random_state=None):
        rng = np.random.default_rng(random_state)
        return self.X_[rng.integers(0, len(self.X_), size=n_samples)]


def test_a_sampler_that_writes_into_its_inputs_gets_a_copy(monkeypatch):
    X, y = _data()
    X = X + 2.3  # not centred
    before = X.copy()
    _, problem = _problem(monkeypatch, X, y, label_noise=0.5, inputs=_CentringSampler())
    np.testing.assert_array_equal(X, before)
    np.testing.assert_array_equal(problem.real.X, before)


def test_a_classifiers_prediction_std_and_drift_are_over_its_probabilities():
    X, y = _data(n=61)
    labels = np.digitize(y, [-0.6, 0.5])  # three classes
    est = RecursiveRetrainer(
        LogisticRegression(C=0.3), n_generations=2, random_state=4
    ).fit(X, labels)
    first = est.estimators_[0].predict_proba(X)
    for g, model in enumerate(est.estimators_):
        proba = model.predict_proba(X)
        std = np.sqrt(np.sum(np.var(proba, axis=0)))
        drift = np.sqrt(np.mean(np.sum((proba - first) ** 2, axis=1)))
        assert est.trajectory_["prediction_std"][g] == pytest.approx(std, rel=1e-9)
        assert est.trajectory_["drift"][g] == pytest.approx(drift, rel=1e-9, abs=1e-15)


def _noise_free_gp_loop(temperature, n_generations):
    """A noise-free Gaussian process's predictive loop at ``temperature``."""
    from sklearn.gaussian_process import GaussianProcessRegressor
    from sklearn.gaussian_process.kernels import RBF

    base = GaussianProcessRegressor(RBF(0.3), alpha=1e-14, optimizer=None)
    return RecursiveRetrainer(
        base,
        n_generations=n_generations,
        label_noise="predictive",
        temperature=temperature,
        random_state=5,
    )


def test_the_predictive_no_noise_warning_at_temperature_1e_12():
    X, y = _data(n=23, d=2)
    with pytest.warns(ZeroNoiseWarning, match="has no spread"):
        _noise_free_gp_loop(1e-12, n_generations=1).fit(X, y)


def test_no_predictive_no_noise_warning_below_temperature_1e_12():
    # a temperature below 1e-12 asks for (almost) no noise: no warning, in any
    # generation
    X, y = _data(n=23, d=2)
    est = _noise_free_gp_loop(1e-13, n_generations=3)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ZeroNoiseWarning)
        est.fit(X, y)
    assert len(est.estimators_) == 4


# ----------------------------------------------------------------------
# _check_supervised_base: the type of a base without tags, the refusals
# ----------------------------------------------------------------------
class _Plain:
    """No scikit-learn tags; the methods given."""

    def __init__(self, *methods):
        for method in methods:
            setattr(self, method, lambda *args: None)


def test_a_base_without_tags_is_a_regressor_when_it_has_predict():
    assert _check_supervised_base(_Plain("fit", "predict")) == "regressor"
    # score_samples and sample too, but predict: a regressor still
    both = _Plain("fit", "predict", "score_samples", "sample")
    assert _check_supervised_base(both) == "regressor"


@pytest.mark.parametrize(
    "base, message",
    [
        (
            KernelDensity(),
            (
                "RecursiveRetrainer refits a regressor or classifier on its own "
                "labels; KernelDensity is a density estimator: use "
                "RecursiveDensityRetrainer, which refits it on its own samples."
            ),
        ),
        (
            _Plain("fit", "score_samples", "sample"),
            (
                "RecursiveRetrainer refits a regressor or classifier on its own "
                "labels; _Plain is a density estimator: use "
                "RecursiveDensityRetrainer, which refits it on its own samples."
            ),
        ),
        (
            _Plain("fit"),
            (
                "RecursiveRetrainer needs a regressor or classifier (or a Pipeline "
                "ending in one) as estimator; _Plain is neither (it declares no "
                "estimator type and has no predict)."
            ),
        ),
        (
            KMeans(n_clusters=2),
            (
                "RecursiveRetrainer needs a regressor or classifier (or a Pipeline "
                "ending in one) as estimator; KMeans is a clusterer."
            ),
        ),
    ],
)
def test_the_refusals_of_a_base_that_is_no_regressor_or_classifier(base, message):
    with pytest.raises(ValueError, match=whole(message)):
        _check_supervised_base(base)


# ----------------------------------------------------------------------
# _predictive_spec: the Tweedie families of the GLMs, boosting and trees
# ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "base, spec",
    [
        (TweedieRegressor(power=1.0), ("tweedie", 1.0, True, True)),
        (TweedieRegressor(power=2.0), ("tweedie", 2.0, False, True)),
        (TweedieRegressor(power=1.4), ("tweedie", 1.4, False, True)),
        (HistGradientBoostingRegressor(loss="poisson"), ("tweedie", 1.0, True, False)),
        (HistGradientBoostingRegressor(loss="gamma"), ("tweedie", 2.0, False, False)),
        (DecisionTreeRegressor(criterion="poisson"), ("tweedie", 1.0, True, False)),
    ],
)
def test_the_tweedie_specs(base, spec):
    assert _predictive_spec(base) == spec


def test_the_predictive_sampler_estimates_its_dispersion_with_the_weights(
    monkeypatch,
):
    # a Gamma GLM's dispersion is the weighted Pearson statistic: the draws
    # are those of the sampler built with the rows' weights, not without
    from sklearn.linear_model import GammaRegressor

    from skcollapse.retrainer import _predictive_sampler

    X, y = _data()
    y = np.exp(0.4 * y) * np.random.default_rng(14).gamma(3.0, 1 / 3.0, len(y))
    weight = np.linspace(0.2, 3.1, len(y))
    seen = record_problems(monkeypatch)
    RecursiveRetrainer(
        GammaRegressor(alpha=0.01), label_noise="predictive", n_generations=1
    ).fit(X, y, sample_weight=weight)
    problem = seen[0]
    model = problem.fit(GammaRegressor(alpha=0.01), problem.real)
    drawn = problem._predictive(X, np.random.default_rng(15), 1.0)

    def same(data):
        return data

    weighted = _predictive_sampler(model, X, y, weight, same)
    unweighted = _predictive_sampler(model, X, y, None, same)
    np.testing.assert_allclose(drawn, weighted(X, np.random.default_rng(15), 1.0))
    assert not np.allclose(drawn, unweighted(X, np.random.default_rng(15), 1.0))
