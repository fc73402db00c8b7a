"""Behaviour of RecursiveRetrainer: data regimes, labels, inputs, attributes."""

import re
import warnings

import numpy as np
import pytest
from conftest import regression_data_of
from sklearn.base import BaseEstimator, RegressorMixin, is_classifier
from sklearn.datasets import load_diabetes, make_classification
from sklearn.dummy import DummyClassifier
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import (
    LinearRegression,
    LogisticRegression,
    Ridge,
    RidgeClassifier,
)
from sklearn.mixture import GaussianMixture
from sklearn.neighbors import KNeighborsRegressor
from sklearn.utils._param_validation import InvalidParameterError

from skcollapse import CollapseWarning, RecursiveRetrainer
from skcollapse.retrainer import _full_decision, _sample_rows
from skcollapse.utils._testing import assert_mc_agrees


class WeightRecorder(RegressorMixin, BaseEstimator):
    """Least-squares regressor that records what its fit received."""

    def fit(self, X, y, sample_weight=None):
        self.X_ = np.asarray(X)
        self.y_ = np.asarray(y)
        self.sample_weight_ = sample_weight
        self.model_ = LinearRegression().fit(X, y, sample_weight=sample_weight)
        self.n_features_in_ = self.X_.shape[1]
        return self

    def predict(self, X):
        return self.model_.predict(X)


@pytest.fixture
def regression_data():
    return regression_data_of(60, 4, 5.0)


@pytest.fixture
def three_classes():
    X, y = make_classification(
        n_samples=90,
        n_features=4,
        n_informative=3,
        n_redundant=0,
        n_classes=3,
        random_state=0,
    )
    return X, y


# --------------------------------------------------------------------------
# data regimes
# --------------------------------------------------------------------------
def test_replace_trains_on_this_generations_synthetic_data(regression_data):
    X, y = regression_data
    est = RecursiveRetrainer(Ridge(), n_generations=4, random_state=0).fit(X, y)
    t = est.trajectory_
    np.testing.assert_array_equal(t["generation"], np.arange(5))
    np.testing.assert_array_equal(t["n_train"], [60] * 5)
    np.testing.assert_array_equal(t["n_real"], [60, 0, 0, 0, 0])
    np.testing.assert_array_equal(t["n_synthetic"], [0, 60, 60, 60, 60])
    np.testing.assert_array_equal(est.sample_generation_, np.full(60, 4))
    assert est.n_generations_ == 4
    assert est.termination_condition_ == "max_generations"
    assert len(est.estimators_) == 5 and est.estimator_ is est.estimators_[-1]


def test_accumulate_keeps_real_and_every_generation(regression_data):
    X, y = regression_data
    est = RecursiveRetrainer(
        Ridge(), n_generations=3, data="accumulate", random_state=0
    ).fit(X, y)
    t = est.trajectory_
    np.testing.assert_array_equal(t["n_train"], [60, 120, 180, 240])
    np.testing.assert_array_equal(t["n_real"], [60] * 4)
    np.testing.assert_array_equal(np.bincount(est.sample_generation_), [60, 60, 60, 60])


def test_accumulate_subsample_keeps_generation_zero_size(regression_data):
    X, y = regression_data
    est = RecursiveRetrainer(
        Ridge(), n_generations=5, data="accumulate-subsample", random_state=0
    ).fit(X, y)
    np.testing.assert_array_equal(est.trajectory_["n_train"], [60] * 6)
    # A uniform subsample of the accumulated pool mixes every provenance.
    assert len(np.unique(est.sample_generation_)) > 3
    assert est.trajectory_["n_real"][-1] < 60


@pytest.mark.parametrize(
    "data, real_fraction, expected_real",
    [
        ("replace", None, 0),
        ("accumulate", None, 60),
        ("replace", 1.0, 60),
        ("replace", 0.25, 15),
        ("accumulate", 0.0, 0),
    ],
)
def test_real_fraction(regression_data, data, real_fraction, expected_real):
    X, y = regression_data
    est = RecursiveRetrainer(
        Ridge(),
        n_generations=2,
        data=data,
        real_fraction=real_fraction,
        random_state=0,
    ).fit(X, y)
    np.testing.assert_array_equal(est.trajectory_["n_real"][1:], expected_real)


def test_real_sampling_fixed_reuses_rows_and_resample_draws_anew(regression_data):
    X, y = regression_data
    real_rows = {}
    for sampling in ("fixed", "resample"):
        est = RecursiveRetrainer(
            WeightRecorder(),
            n_generations=4,
            real_fraction=0.5,
            real_sampling=sampling,
            random_state=0,
        ).fit(X, y)
        # the real part comes first in each generation's training set
        real_rows[sampling] = [
            {tuple(row) for row in e.X_[:30]} for e in est.estimators_[1:]
        ]
        for rows in real_rows[sampling]:
            assert rows <= {tuple(row) for row in X}
    assert all(r == real_rows["fixed"][0] for r in real_rows["fixed"])
    assert len({frozenset(r) for r in real_rows["resample"]}) > 1


@pytest.mark.parametrize("size, expected", [(25, 25), (0.5, 30), (2.0, 120)])
def test_synthetic_size(regression_data, size, expected):
    X, y = regression_data
    est = RecursiveRetrainer(
        Ridge(), n_generations=2, synthetic_size=size, random_state=0
    ).fit(X, y)
    np.testing.assert_array_equal(est.trajectory_["n_synthetic"][1:], expected)


def test_synthetic_weight_and_sample_weight_reach_the_base(regression_data):
    X, y = regression_data
    sw = np.linspace(1.0, 3.0, 60)  # mean 2
    est = RecursiveRetrainer(
        WeightRecorder(),
        n_generations=2,
        real_fraction=1.0,
        synthetic_weight=0.5,
        random_state=0,
    ).fit(X, y, sample_weight=sw)
    np.testing.assert_allclose(est.estimators_[0].sample_weight_, sw)
    weights = est.estimators_[2].sample_weight_
    np.testing.assert_allclose(weights[:60], sw)
    np.testing.assert_allclose(weights[60:], 0.5 * sw)  # inherited from the row
    est.set_params(inputs=GaussianMixture(n_components=2)).fit(X, y, sample_weight=sw)
    np.testing.assert_allclose(est.estimators_[1].sample_weight_[60:], 0.5 * 2.0)
    # Without weights nothing is passed, so bases without sample_weight work.
    est = RecursiveRetrainer(WeightRecorder(), n_generations=1, random_state=0)
    assert est.fit(X, y).estimators_[1].sample_weight_ is None


def test_weights_refused_for_a_base_without_sample_weight(regression_data):
    X, y = regression_data
    with pytest.raises(ValueError, match="does not accept sample_weight"):
        RecursiveRetrainer(KNeighborsRegressor(), synthetic_weight=2.0).fit(X, y)
    weights = np.linspace(1.0, 2.0, 60)  # not all equal: they would be dropped
    with pytest.raises(ValueError, match="does not accept sample_weight"):
        RecursiveRetrainer(KNeighborsRegressor()).fit(X, y, sample_weight=weights)
    # Equal weights are the same fit as no weights, so they are accepted.
    est = RecursiveRetrainer(KNeighborsRegressor(), n_generations=2, random_state=0)
    unweighted = est.fit(X, y).predict(X)
    np.testing.assert_array_equal(
        est.fit(X, y, sample_weight=np.full(60, 3.0)).predict(X), unweighted
    )


# --------------------------------------------------------------------------
# synthetic labels
# --------------------------------------------------------------------------
def test_zero_label_noise_distils_a_linear_model_exactly(regression_data):
    X, y = regression_data
    est = RecursiveRetrainer(
        LinearRegression(), n_generations=3, label_noise=0.0, random_state=0
    ).fit(X, y)
    for e in est.estimators_[1:]:
        np.testing.assert_allclose(e.coef_, est.estimators_[0].coef_, rtol=1e-8)
    np.testing.assert_array_equal(est.trajectory_["label_noise_scale"][1:], 0.0)


def test_residual_noise_uses_the_generating_models_residuals(regression_data):
    X, y = regression_data
    est = RecursiveRetrainer(
        WeightRecorder(), n_generations=2, temperature=0.25, random_state=0
    ).fit(X, y)
    for g in (1, 2):
        parent = est.estimators_[g - 1]
        rms = np.sqrt(np.mean((parent.y_ - parent.predict(parent.X_)) ** 2))
        assert est.trajectory_["label_noise_scale"][g] == pytest.approx(0.5 * rms)
    assert np.isnan(est.trajectory_["label_noise_scale"][0])


@pytest.mark.parametrize("temperature", [0.3, 2.7])
def test_residual_noise_drawn_has_temperature_times_the_residual_variance(
    temperature,
):
    # What is drawn, not only what is recorded: the label noise of generation
    # 1 is N(0, temperature * s^2), s the generating model's residual RMS. A
    # draw that ignored temperature would have mean square s^2 (z about 30).
    X, y = regression_data_of(801, 3, 5.0)  # an odd count
    est = RecursiveRetrainer(
        WeightRecorder(), n_generations=1, temperature=temperature, random_state=0
    ).fit(X, y)
    parent, child = est.estimators_
    mean_square = np.mean((parent.y_ - parent.predict(parent.X_)) ** 2)
    noise = child.y_ - parent.predict(child.X_)
    assert noise.shape == (801,)
    assert_mc_agrees(noise**2, temperature * mean_square)
    assert abs(np.mean(noise)) < 3 * np.sqrt(temperature * mean_square / 801)


def test_bootstrap_noise_is_tempered_residuals(regression_data):
    # each drawn noise is sqrt(temperature) times one of the parent's residuals
    X, y = regression_data
    temperature = 0.3
    est = RecursiveRetrainer(
        WeightRecorder(),
        n_generations=1,
        label_noise="bootstrap",
        temperature=temperature,
        random_state=0,
    ).fit(X, y)
    parent, child = est.estimators_
    residuals = parent.y_ - parent.predict(parent.X_)
    noise = (child.y_ - parent.predict(child.X_)) / np.sqrt(temperature)
    assert np.all(np.min(np.abs(noise[:, None] - residuals[None, :]), axis=1) < 1e-8)
    rms = np.sqrt(np.mean(residuals**2))
    assert est.trajectory_["label_noise_scale"][1] == pytest.approx(
        np.sqrt(temperature) * rms
    )


def test_known_noise_drawn_has_the_tempered_scale():
    # label_noise=3.0, temperature=0.3: noise N(0, 0.3 * 9) around the model
    X, y = regression_data_of(801, 3, 5.0)
    est = RecursiveRetrainer(
        WeightRecorder(),
        n_generations=1,
        label_noise=3.0,
        temperature=0.3,
        random_state=0,
    ).fit(X, y)
    parent, child = est.estimators_
    noise = child.y_ - parent.predict(child.X_)
    assert_mc_agrees(noise**2, 0.3 * 9.0)


def test_bootstrap_noise_resamples_residuals(regression_data):
    X, y = regression_data
    est = RecursiveRetrainer(
        WeightRecorder(), n_generations=1, label_noise="bootstrap", random_state=0
    ).fit(X, y)
    parent, child = est.estimators_
    residuals = parent.y_ - parent.predict(parent.X_)
    noise = child.y_ - parent.predict(child.X_)
    assert np.all(np.min(np.abs(noise[:, None] - residuals[None, :]), axis=1) < 1e-8)


def test_known_noise_level_is_recorded(regression_data):
    X, y = regression_data
    est = RecursiveRetrainer(
        Ridge(), n_generations=2, label_noise=3.0, temperature=4.0, random_state=0
    ).fit(X, y)
    np.testing.assert_allclose(est.trajectory_["label_noise_scale"][1:], 6.0)


def test_multioutput_regression(regression_data):
    X, y = regression_data
    Y = np.column_stack([y, -2 * y])
    est = RecursiveRetrainer(Ridge(), n_generations=2, random_state=0).fit(X, Y)
    # generation 0 is the base on the real data; predict is the last model's
    np.testing.assert_allclose(
        est.estimators_[0].predict(X), Ridge().fit(X, Y).predict(X), rtol=1e-10
    )
    np.testing.assert_allclose(est.predict(X), est.estimators_[-1].predict(X))
    staged = list(est.staged_predict(X))
    assert len(staged) == 3 and all(p.shape == (60, 2) for p in staged)
    for p, e in zip(staged, est.estimators_):
        np.testing.assert_allclose(p, e.predict(X))
    # the second output's model moved away from -2 times the first: the noise
    # of the two outputs is drawn independently
    last = est.predict(X)
    assert not np.allclose(last[:, 1], -2 * last[:, 0])


def test_multioutput_noise_is_drawn_per_output_at_its_own_scale():
    X, y = regression_data_of(801, 3, 5.0)
    Y = np.column_stack([y, -2 * y])  # residuals of output 2 are -2 times
    est = RecursiveRetrainer(WeightRecorder(), n_generations=1, random_state=0).fit(
        X, Y
    )
    parent, child = est.estimators_
    mean_square = np.mean((parent.y_ - parent.predict(parent.X_)) ** 2, axis=0)
    np.testing.assert_allclose(mean_square[1], 4 * mean_square[0])
    noise = child.y_ - parent.predict(child.X_)
    assert noise.shape == (801, 2)
    assert_mc_agrees(noise**2, mean_square, family_wise="bonferroni")
    # independent draws per output: uncorrelated, although the residuals are
    # perfectly correlated (|r| about N(0, 1/n) under independence)
    r = np.corrcoef(noise, rowvar=False)[0, 1]
    assert abs(r) < 3 / np.sqrt(801)


def test_tempered_class_sampling_statistics():
    # p ** (1 / T) renormalised: a closed form for the label frequencies.
    p = np.array([0.2, 0.3, 0.5])
    temperature = 0.5
    q = p**2 / np.sum(p**2)
    n = 40_000
    rng = np.random.default_rng(0)
    labels = _sample_rows(np.tile(p, (n, 1)), temperature, rng)
    freq = np.bincount(labels, minlength=3) / n
    se = np.sqrt(q * (1 - q) / n)
    assert np.all(np.abs(freq - q) < 3 * se)
    labels = _sample_rows(np.tile(p, (n, 1)), 1.0, rng)
    freq = np.bincount(labels, minlength=3) / n
    assert np.all(np.abs(freq - p) < 3 * np.sqrt(p * (1 - p) / n))


def test_zero_probability_classes_are_never_sampled():
    rng = np.random.default_rng(0)
    proba = np.tile([0.0, 1.0, 0.0], (1000, 1))
    for temperature in (1.0, 0.3, 3.0):
        assert np.all(_sample_rows(proba, temperature, rng) == 1)


def test_argmax_labels_are_predictions(three_classes):
    X, y = three_classes
    est = RecursiveRetrainer(
        LogisticRegression(), n_generations=1, label_noise="argmax", random_state=0
    ).fit(X, y)
    assert est.trajectory_["label_noise_scale"][1] == 0.0
    assert est.trajectory_["synthetic_error"][1] == pytest.approx(
        1 - est.trajectory_["score_real"][0]
    )


# --------------------------------------------------------------------------
# classifiers: classes fixed at generation 0, vanished classes
# --------------------------------------------------------------------------
def test_vanished_class_keeps_its_probability_column(three_classes):
    X, y = three_classes
    # argmax of a prior model is the majority class: two classes vanish at once.
    est = RecursiveRetrainer(
        DummyClassifier(strategy="prior"),
        n_generations=3,
        label_noise="argmax",
        random_state=0,
    ).fit(X, y)
    np.testing.assert_array_equal(est.classes_, [0, 1, 2])
    proba = est.predict_proba(X[:5])
    assert proba.shape == (5, 3)
    assert np.count_nonzero(proba[0]) == 1 and proba[0].sum() == pytest.approx(1)
    staged = list(est.staged_predict_proba(X[:5]))
    assert len(staged) == 4 and np.all(staged[0] > 0)
    np.testing.assert_array_equal(est.trajectory_["n_classes_train"], [3, 1, 1, 1])
    assert est.trajectory_["prediction_std"][-1] == 0.0
    log_proba = est.predict_log_proba(X[:5])
    assert np.isneginf(log_proba).sum() == 10


def test_class_collapse_that_breaks_the_base_ends_as_degenerate(three_classes):
    X, y = three_classes
    est = RecursiveRetrainer(
        LogisticRegression(),
        n_generations=5,
        label_noise="argmax",
        synthetic_size=1,
        random_state=0,
    )
    with pytest.warns(CollapseWarning, match="generation 1"):
        est.fit(X, y)
    assert est.termination_condition_ == "degenerate"
    assert est.n_generations_ == 0
    assert len(est.trajectory_["generation"]) == 1
    assert est.estimator_ is est.estimators_[0]
    assert est.predict_proba(X).shape == (90, 3)
    np.testing.assert_array_equal(est.sample_generation_, np.zeros(90))


def test_decision_function_fills_vanished_classes(three_classes):
    X, y = three_classes
    classes = np.array([0, 1, 2])
    two = LogisticRegression().fit(X[y > 0], y[y > 0])
    scores = _full_decision(two, X[:4], classes)
    assert scores.shape == (4, 3) and np.all(np.isneginf(scores[:, 0]))
    np.testing.assert_allclose(scores[:, 2], two.decision_function(X[:4]))
    three = LogisticRegression().fit(X, y)
    np.testing.assert_array_equal(
        _full_decision(three, X[:4], classes), three.decision_function(X[:4])
    )


def test_classifier_string_labels(three_classes):
    X, y = three_classes
    labels = np.array(["a", "b", "c"])[y]
    est = RecursiveRetrainer(LogisticRegression(), n_generations=2, random_state=0)
    est.fit(X, labels)
    assert set(est.predict(X)) <= {"a", "b", "c"}
    np.testing.assert_array_equal(est.classes_, ["a", "b", "c"])
    assert est.decision_function(X[:3]).shape == (3, 3)


# --------------------------------------------------------------------------
# inputs
# --------------------------------------------------------------------------
def test_reuse_inputs_are_the_real_rows_in_order(regression_data):
    X, y = regression_data
    est = RecursiveRetrainer(WeightRecorder(), n_generations=1, random_state=0)
    np.testing.assert_array_equal(est.fit(X, y).estimators_[1].X_, X)
    est.set_params(synthetic_size=150).fit(X, y)  # tiled in their order
    np.testing.assert_array_equal(est.estimators_[1].X_, np.concatenate([X, X, X[:30]]))
    est.set_params(synthetic_size=20).fit(X, y)  # a subset without replacement
    rows = est.estimators_[1].X_
    assert len({tuple(r) for r in rows}) == 20 and {tuple(r) for r in rows} <= {
        tuple(r) for r in X
    }


def test_bootstrap_inputs_draw_real_rows_with_replacement(regression_data):
    X, y = regression_data
    est = RecursiveRetrainer(
        WeightRecorder(), n_generations=1, inputs="bootstrap", random_state=0
    ).fit(X, y)
    rows = [tuple(r) for r in est.estimators_[1].X_]
    assert set(rows) <= {tuple(r) for r in X} and len(set(rows)) < 60
    assert np.isfinite(est.trajectory_["synthetic_error"][1])


def test_sampled_and_callable_inputs(regression_data):
    X, y = regression_data
    est = RecursiveRetrainer(
        WeightRecorder(),
        n_generations=1,
        random_state=0,
        inputs=GaussianMixture(n_components=2),
    ).fit(X, y)
    new = est.estimators_[1].X_
    assert new.shape == (60, 4) and not {tuple(r) for r in new} & {tuple(r) for r in X}
    assert "synthetic_error" not in est.trajectory_

    calls = []

    def draw(n_samples, random_state):
        calls.append((n_samples, random_state))
        return np.random.default_rng(random_state).normal(size=(n_samples, 4))

    est = RecursiveRetrainer(
        WeightRecorder(), n_generations=2, inputs=draw, random_state=0
    ).fit(X, y)
    assert [c[0] for c in calls] == [60, 60]
    assert all(isinstance(c[1], int) for c in calls) and calls[0][1] != calls[1][1]


def test_callable_inputs_of_the_wrong_shape_are_refused(regression_data):
    X, y = regression_data
    est = RecursiveRetrainer(Ridge(), inputs=lambda n, random_state: np.zeros((n, 3)))
    with pytest.raises(ValueError, match=re.escape("shape (60, 4)")):
        est.fit(X, y)


# --------------------------------------------------------------------------
# estimators, staged methods, options
# --------------------------------------------------------------------------
def test_staged_predict_follows_the_generations(regression_data):
    X, y = regression_data
    est = RecursiveRetrainer(Ridge(), n_generations=3, random_state=0).fit(X, y)
    staged = list(est.staged_predict(X))
    assert len(staged) == 4
    for prediction, estimator in zip(staged, est.estimators_):
        np.testing.assert_array_equal(prediction, estimator.predict(X))
    np.testing.assert_array_equal(staged[-1], est.predict(X))
    assert est.score(X, y) == pytest.approx(est.estimator_.score(X, y))


def test_store_estimators_false_keeps_the_last_only(regression_data):
    X, y = regression_data
    est = RecursiveRetrainer(
        Ridge(), n_generations=3, store_estimators=False, random_state=0
    ).fit(X, y)
    assert est.estimators_[:3] == [None, None, None]
    assert est.estimators_[3] is est.estimator_
    with pytest.raises(ValueError, match="store_estimators=True"):
        list(est.staged_predict(X))
    # The trajectory does not depend on what is stored.
    full = RecursiveRetrainer(Ridge(), n_generations=3, random_state=0).fit(X, y)
    for key, values in full.trajectory_.items():
        np.testing.assert_array_equal(est.trajectory_[key], values)


def test_n_generations_zero_is_a_plain_fit(regression_data):
    X, y = regression_data
    est = RecursiveRetrainer(Ridge(alpha=2.0), n_generations=0).fit(X, y)
    np.testing.assert_allclose(est.predict(X), Ridge(alpha=2.0).fit(X, y).predict(X))
    assert est.n_generations_ == 0 and len(est.estimators_) == 1


def test_fine_tune_continues_from_the_previous_generation(regression_data):
    X, y = regression_data
    est = RecursiveRetrainer(
        HistGradientBoostingRegressor(early_stopping=False),
        n_generations=2,
        fine_tune=True,
        regularization={"max_iter": lambda generation, n_train: 5 * (generation + 1)},
        random_state=0,
    ).fit(X, y)
    assert [e.n_iter_ for e in est.estimators_] == [5, 10, 15]
    assert len({id(e) for e in est.estimators_}) == 3
    np.testing.assert_array_equal(est.trajectory_["param_max_iter"], [5, 10, 15])
    # The first trees of a fine-tuned generation are its parent's.
    first, second = est.estimators_[0], est.estimators_[1]
    np.testing.assert_allclose(
        first._predictors[0][0].nodes["value"], second._predictors[0][0].nodes["value"]
    )


def test_fine_tune_needs_warm_start(regression_data):
    X, y = regression_data
    with pytest.raises(ValueError, match="warm_start"):
        RecursiveRetrainer(Ridge(), fine_tune=True).fit(X, y)


def test_validation_fraction_holds_out_real_data(regression_data):
    X, y = regression_data
    est = RecursiveRetrainer(
        Ridge(), n_generations=2, validation_fraction=0.25, random_state=0
    ).fit(X, y)
    np.testing.assert_array_equal(est.trajectory_["n_train"], [45, 45, 45])
    assert np.all(np.isfinite(est.trajectory_["score_validation"]))
    assert (
        "score_validation"
        not in RecursiveRetrainer(Ridge(), n_generations=1).fit(X, y).trajectory_
    )
    with pytest.raises(ValueError, match="validation_fraction"):
        RecursiveRetrainer(Ridge(), validation_fraction=0.99).fit(X[:10], y[:10])


def test_verbose_prints_one_line_per_generation(regression_data, capsys):
    X, y = regression_data
    RecursiveRetrainer(Ridge(), n_generations=2, verbose=1, random_state=0).fit(X, y)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 3 and "generation 2/2" in lines[-1]
    assert "score_real=" in lines[0]


def test_regularization_schedules(regression_data):
    X, y = regression_data
    est = RecursiveRetrainer(
        Ridge(),
        n_generations=3,
        regularization={"alpha": lambda generation, n_train: 1.0 + generation},
        random_state=0,
    ).fit(X, y)
    np.testing.assert_array_equal(est.trajectory_["param_alpha"], [1, 2, 3, 4])
    assert [e.alpha for e in est.estimators_] == [1, 2, 3, 4]
    assert est.estimator.alpha == 1.0  # the base is never touched


def test_invalid_schedule_value_names_the_generation_and_parameter(regression_data):
    X, y = regression_data
    est = RecursiveRetrainer(
        Ridge(),
        n_generations=3,
        regularization={"alpha": lambda g, n: -1.0 if g == 2 else 1.0},
    )
    with pytest.raises(ValueError, match="generation 2.*alpha|alpha.*generation 2"):
        est.fit(X, y)
    est.set_params(regularization={"not_a_param": lambda g, n: 1.0})
    with pytest.raises(ValueError, match="not_a_param"):
        est.fit(X, y)
    est.set_params(regularization={"alpha": "big"})
    with pytest.raises(ValueError, match="schedule"):
        est.fit(X, y)


def test_collapse_generation_is_the_first_below_the_threshold(regression_data):
    X, y = regression_data
    # A huge penalty from generation 2 on flattens the predictions.
    est = RecursiveRetrainer(
        Ridge(),
        n_generations=4,
        label_noise=0.0,
        regularization={"alpha": lambda g, n: 1e9 if g >= 2 else 1e-3},
        random_state=0,
    ).fit(X, y)
    assert est.collapse_generation_ == 2
    est.set_params(regularization=None).fit(X, y)
    assert est.collapse_generation_ is None


# --------------------------------------------------------------------------
# reproducibility
# --------------------------------------------------------------------------
def _assert_same_trajectory(a, b):
    assert a.keys() == b.keys()
    for key in a:
        np.testing.assert_array_equal(a[key], b[key])


@pytest.mark.parametrize(
    "base, kwargs",
    [
        (Ridge(), {"data": "accumulate-subsample", "real_fraction": 0.3}),
        (HistGradientBoostingRegressor(max_iter=10), {"inputs": "bootstrap"}),
        (LogisticRegression(), {"real_sampling": "resample", "real_fraction": 0.5}),
    ],
)
def test_same_seed_same_trajectory_bit_for_bit(base, kwargs):
    X, y = load_diabetes(return_X_y=True)
    if is_classifier(base):
        y = (y > np.median(y)).astype(int)
    est = RecursiveRetrainer(base, n_generations=4, random_state=7, **kwargs)
    first = est.fit(X, y).trajectory_
    predictions = est.predict(X)
    second = est.fit(X, y).trajectory_
    _assert_same_trajectory(first, second)
    np.testing.assert_array_equal(predictions, est.predict(X))
    other = est.set_params(random_state=8).fit(X, y).trajectory_
    assert not np.array_equal(first["score_real"][1:], other["score_real"][1:])


def test_fewer_generations_are_a_prefix(regression_data):
    X, y = regression_data
    short = RecursiveRetrainer(Ridge(), n_generations=2, random_state=3).fit(X, y)
    long = RecursiveRetrainer(Ridge(), n_generations=5, random_state=3).fit(X, y)
    for key, values in short.trajectory_.items():
        np.testing.assert_array_equal(long.trajectory_[key][:3], values)


def test_random_state_instance_gives_a_new_draw_per_fit(regression_data):
    X, y = regression_data
    est = RecursiveRetrainer(
        Ridge(), n_generations=2, random_state=np.random.RandomState(0)
    )
    first = est.fit(X, y).trajectory_["drift"].copy()
    second = est.fit(X, y).trajectory_["drift"]
    assert not np.array_equal(first, second)


def test_the_base_estimators_random_state_is_seeded_per_generation(regression_data):
    X, y = regression_data
    est = RecursiveRetrainer(
        HistGradientBoostingRegressor(max_iter=5), n_generations=2, random_state=0
    ).fit(X, y)
    seeds = [e.random_state for e in est.estimators_]
    assert all(isinstance(s, int) for s in seeds) and len(set(seeds)) == 3
    assert est.estimator.random_state is None


# --------------------------------------------------------------------------
# bad input
# --------------------------------------------------------------------------
@pytest.mark.parametrize(
    "params, name",
    [
        ({"n_generations": -1}, "n_generations"),
        ({"data": "keep"}, "data"),
        ({"real_fraction": 1.5}, "real_fraction"),
        ({"real_sampling": "draw"}, "real_sampling"),
        ({"synthetic_size": 0}, "synthetic_size"),
        ({"synthetic_weight": 0.0}, "synthetic_weight"),
        ({"temperature": 0.0}, "temperature"),
        ({"inputs": "resample"}, "inputs"),
        ({"label_noise": -1.0}, "label_noise"),
        ({"keep_fraction": 0.0}, "keep_fraction"),
        ({"validation_fraction": 1.0}, "validation_fraction"),
        ({"collapse_threshold": 2.0}, "collapse_threshold"),
        ({"estimator": "Ridge"}, "estimator"),
    ],
)
def test_invalid_parameters_name_the_parameter(regression_data, params, name):
    X, y = regression_data
    est = RecursiveRetrainer(Ridge()).set_params(**params)
    with pytest.raises(InvalidParameterError, match=f"'{name}' parameter"):
        est.fit(X, y)


def test_invalid_parameter_of_the_base_is_not_silenced(regression_data):
    X, y = regression_data
    with pytest.raises(InvalidParameterError, match="alpha"):
        RecursiveRetrainer(Ridge(alpha=-1.0)).fit(X, y)


@pytest.mark.parametrize(
    "base, label_noise, match",
    [
        (Ridge(), "sample", "not available for a regressor"),
        (LogisticRegression(), "residual", "not available for a classifier"),
        (LogisticRegression(), 0.5, "applies to regressors"),
        (RidgeClassifier(), "sample", "predict_proba"),
    ],
)
def test_label_noise_must_fit_the_estimator(regression_data, base, label_noise, match):
    X, y = regression_data
    if is_classifier(base):
        y = (y > 0).astype(int)
    with pytest.raises(ValueError, match=match):
        RecursiveRetrainer(base, label_noise=label_noise).fit(X, y)


def test_argmax_works_without_predict_proba(regression_data):
    X, y = regression_data
    est = RecursiveRetrainer(RidgeClassifier(), label_noise="argmax", n_generations=2)
    est.fit(X, (y > 0).astype(int))
    assert not hasattr(est, "predict_proba")
    assert est.decision_function(X).shape == (60,)


def test_selection_rules_need_a_verifier(regression_data):
    X, y = regression_data
    for params in ({"keep_fraction": 0.5}, {"threshold": 0.0}, {"n_candidates": 3}):
        with pytest.raises(ValueError, match="verifier=None"):
            RecursiveRetrainer(Ridge(), **params).fit(X, y)


def test_nan_is_refused_where_the_base_refuses_it(regression_data):
    X, y = regression_data
    X = X.copy()
    X[3, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        RecursiveRetrainer(Ridge()).fit(X, y)
    est = RecursiveRetrainer(HistGradientBoostingRegressor(max_iter=5), n_generations=2)
    assert est.fit(X, y).predict(X).shape == (60,)
    y = y.copy()
    y[0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        RecursiveRetrainer(HistGradientBoostingRegressor()).fit(X, y)


def test_one_sample_empty_data_and_inconsistent_lengths(regression_data):
    X, y = regression_data
    est = RecursiveRetrainer(Ridge())
    with pytest.raises(ValueError, match="n_samples=1"):
        est.fit(X[:1], y[:1])
    with pytest.raises(ValueError, match="0 sample"):
        est.fit(X[:0], y[:0])
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        est.fit(X, y[:-1])
    with pytest.raises(ValueError, match="requires y"):
        est.fit(X, None)


def test_predict_before_fit(regression_data):
    X, _ = regression_data
    with pytest.raises(NotFittedError):
        RecursiveRetrainer(Ridge()).predict(X)


def test_degenerate_collapse_is_recorded_not_raised():
    # All labels equal: constant predictions from generation 0 on.
    X = np.random.default_rng(0).normal(size=(30, 3))
    y = np.full(30, 2.5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        est = RecursiveRetrainer(Ridge(), n_generations=3, random_state=0).fit(X, y)
    np.testing.assert_allclose(est.trajectory_["prediction_std"], 0.0, atol=1e-12)
    assert est.termination_condition_ == "max_generations"
    np.testing.assert_allclose(est.predict(X), 2.5)


@pytest.mark.parametrize(
    "params",
    [
        {"inputs": "reuse", "synthetic_size": 17},  # a subset of the 23 rows
        {"inputs": "reuse", "synthetic_size": 31},  # every row, then 8 again
        {"inputs": "bootstrap", "synthetic_size": 19},
        {
            "inputs": "bootstrap",
            "synthetic_size": 13,
            "n_candidates": 3,
            "verifier": Ridge(),
            "keep_fraction": 0.6,
        },
    ],
)
def test_each_synthetic_row_weighs_its_input_rows_weight_times_synthetic_weight(
    params,
):
    rng = np.random.default_rng(23)
    X = rng.normal(size=(23, 3))  # distinct rows: a row's inputs name it
    y = X @ [1.0, -1.0, 0.5] + rng.normal(size=23)
    sw = rng.uniform(0.5, 4.0, size=23)
    est = RecursiveRetrainer(
        WeightRecorder(),
        n_generations=2,
        synthetic_weight=0.37,
        random_state=0,
        **params,
    ).fit(X, y, sample_weight=sw)
    for model in est.estimators_[1:]:
        rows = [int(np.flatnonzero((X == row).all(axis=1))[0]) for row in model.X_]
        np.testing.assert_allclose(model.sample_weight_, 0.37 * sw[rows])
        if params["inputs"] == "reuse":
            expected = np.resize(np.arange(23), 31) if len(rows) == 31 else None
            if expected is not None:
                np.testing.assert_array_equal(rows, expected)
            else:  # 17 distinct rows in their order
                assert len(set(rows)) == 17 and rows == sorted(rows)


def test_synthetic_weight_alone_weighs_every_synthetic_row(regression_data):
    X, y = regression_data
    est = RecursiveRetrainer(
        WeightRecorder(),
        n_generations=2,
        data="accumulate",
        synthetic_weight=0.37,
        synthetic_size=29,
        random_state=0,
    ).fit(X, y)
    np.testing.assert_allclose(est.estimators_[0].sample_weight_, np.ones(60))
    np.testing.assert_allclose(
        est.estimators_[2].sample_weight_, np.r_[np.ones(60), np.full(58, 0.37)]
    )


def test_fine_tuning_an_ensemble_grows_it_by_the_bases_count(regression_data):
    from sklearn.ensemble import RandomForestRegressor
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = regression_data
    forest = RecursiveRetrainer(
        RandomForestRegressor(n_estimators=3, random_state=0),
        n_generations=3,
        fine_tune=True,
        random_state=0,
    ).fit(X, y)
    assert [len(e.estimators_) for e in forest.estimators_] == [3, 6, 9, 12]
    # generation g keeps its parent's trees first
    for parent, child in zip(forest.estimators_, forest.estimators_[1:]):
        n = len(parent.estimators_)
        for a, b in zip(parent.estimators_, child.estimators_[:n]):
            np.testing.assert_array_equal(a.tree_.value, b.tree_.value)
    # a histogram gradient boosting inside a pipeline grows its max_iter
    boosted = RecursiveRetrainer(
        make_pipeline(
            StandardScaler(),
            HistGradientBoostingRegressor(max_iter=4, early_stopping=False),
        ),
        n_generations=2,
        fine_tune=True,
        random_state=0,
    ).fit(X, y)
    assert [e[-1].n_iter_ for e in boosted.estimators_] == [4, 8, 12]
    assert boosted.estimator[-1].max_iter == 4  # the base is untouched
