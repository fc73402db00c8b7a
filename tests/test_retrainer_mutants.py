"""Tests written against the mutants of ``skcollapse/retrainer.py`` that survived.

Each test kills a mutant that the rest of the suite let live (see
``tests/mutation_survivors.md``); ``python tools/mutation.py retrainer`` runs them.
"""

# Authors: The skcollapse developers
# SPDX-License-Identifier: BSD-3-Clause

import re

import numpy as np
import pandas as pd
import pytest
from conftest import record_problems, whole
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.ensemble import BaggingRegressor
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
from sklearn.neighbors import KernelDensity
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC, LinearSVC

from skcollapse import RecursiveRetrainer
from skcollapse._problem import Batch, InputError
from skcollapse.retrainer import (
    _draw_tweedie,
    _needs_training_set,
    _one_hot,
    _pearson_dispersion,
)
from skcollapse.utils._testing import assert_mc_agrees


def _data(n=41, d=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    y = X @ np.array([0.7, -1.3, 0.4][:d]) + 0.3 * rng.normal(size=n)
    return X, y


def _problem_of(monkeypatch, est, X, y):
    """The supervised problem ``est.fit(X, y)`` builds."""
    seen = record_problems(monkeypatch)
    est.fit(X, y)
    return seen[0]


# ----------------------------------------------------------------------
# Tweedie draws: mean and variance of what is drawn, per power
# ----------------------------------------------------------------------
@pytest.mark.parametrize("power", [0.0, 1.0, 1.4, 2.0, 3.0])
def test_tweedie_draws_have_mean_mu_and_variance_dispersion_mu_to_the_power(power):
    # awkward means and a dispersion that is not 1 (a unit dispersion hides
    # m / dispersion -> m * dispersion, and m ** (2 - p) -> m * (2 - p))
    mu = np.array([0.37, 1.9, 4.3])
    dispersion = 0.61
    n = 40_000
    rng = np.random.default_rng(11)
    draws = _draw_tweedie(np.tile(mu, (n, 1)), dispersion, power, rng)
    assert draws.shape == (n, 3)
    variance = dispersion * mu**power
    assert_mc_agrees(draws, mu, family_wise="bonferroni")
    assert_mc_agrees((draws - mu) ** 2, variance, family_wise="bonferroni")
    if power == 0:
        # a normal draw: 68.27% within one standard deviation (a heavy-tailed
        # draw, sd / z say, can pass the moment checks by its own huge
        # standard error, not this one)
        within = np.abs(draws - mu) < np.sqrt(variance)
        assert_mc_agrees(within, 0.6827, family_wise="bonferroni")
    if power > 0:
        assert np.all(draws >= 0)


def test_tight_tweedie_draws_are_normal_around_a_large_mean():
    # sd = sqrt(1e-17 * 1e3) = 1e-7 <= 1e-6 * mu: the normal approximation
    # (a Poisson draw of mean mu / dispersion = 1e20 would be refused)
    n = 20_000
    mu = np.full(n, 1e3)
    draws = _draw_tweedie(mu, 1e-17, 1.0, np.random.default_rng(12))
    z = (draws - mu) / 1e-7
    assert_mc_agrees(z, 0.0)
    assert_mc_agrees(z**2, 1.0)


def test_tweedie_refusals_are_worded():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match=whole("the model predicts non-finite means")):
        _draw_tweedie(np.array([1.0, np.nan]), 1.0, 1.5, rng)
    message = (
        "the model predicts a negative mean, outside the domain of its "
        "Tweedie distribution of power 2.0"
    )
    with pytest.raises(ValueError, match=whole(message)):
        _draw_tweedie(np.array([1.0, -0.25]), 1.0, 2.0, rng)
    # power 0 (normal) takes any mean
    assert np.all(np.isfinite(_draw_tweedie(np.array([-0.25]), 1.0, 0.0, rng)))


# ----------------------------------------------------------------------
# the Pearson estimate of a dispersion
# ----------------------------------------------------------------------
def test_pearson_dispersion_is_the_weighted_mean_pearson_residual_times_n_over_n_p():
    y = np.array([0.5, 2.0, 1.25, 3.5, 0.75, 2.25, 4.0])
    mu = np.array([0.8, 1.7, 1.5, 2.9, 1.1, 2.0, 3.3])
    weight = np.array([1.0, 0.5, 2.0, 1.5, 0.25, 3.0, 1.0])
    power = 1.5
    pearson = (y - mu) ** 2 / mu**power
    mean = np.sum(weight * pearson) / np.sum(weight)
    assert _pearson_dispersion(y, mu, power, weight, 2) == pytest.approx(
        mean * 7 / 5, rel=1e-12
    )
    assert _pearson_dispersion(y, mu, power, None, 3) == pytest.approx(
        np.mean(pearson) * 7 / 4, rel=1e-12
    )
    # as many or more coefficients than rows: no correction
    assert _pearson_dispersion(y, mu, power, weight, 7) == pytest.approx(mean)
    assert _pearson_dispersion(y, mu, power, weight, 9) == pytest.approx(mean)
    # a column of labels, a list
    assert _pearson_dispersion(
        list(y), mu.reshape(-1, 1), power, weight.reshape(-1, 1), 0
    ) == pytest.approx(mean)


@pytest.mark.parametrize("power", [1.0, 1.5, 2.0])
def test_pearson_dispersion_refuses_a_mean_at_zero(power):
    message = (
        "the model predicts a mean <= 0, outside the domain of its Tweedie "
        f"distribution of power {power}"
    )
    with pytest.raises(ValueError, match=whole(message)):
        _pearson_dispersion(np.array([1.0, 2.0]), np.array([0.0, 1.5]), power, None, 0)


def test_pearson_dispersion_of_power_zero_takes_any_mean():
    y, mu = np.array([1.0, -2.0, 0.5]), np.array([0.0, -1.5, 0.25])
    assert _pearson_dispersion(y, mu, 0.0, None, 1) == pytest.approx(
        np.mean((y - mu) ** 2) * 3 / 2
    )


# ----------------------------------------------------------------------
# which predictive distributions estimate a dispersion on the training set
# ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "spec, expected",
    [
        (("tweedie", 2.0, False, True), True),
        (("tweedie", 1.0, True, True), False),
        (("tweedie", 1.0, True, False), False),
        (("gaussian_process",), False),
        (("bayesian_linear",), False),
        (("transformed", ("tweedie", 1.5, False, True)), True),
        (("transformed", ("tweedie", 1.0, True, True)), False),
        (("transformed", ("bayesian_linear",)), False),
    ],
)
def test_needs_training_set(spec, expected):
    assert _needs_training_set(spec) is expected


def test_one_hot_marks_each_rows_class():
    classes = np.array(["a", "b", "c"])
    out = _one_hot(["b", "a", "b", "c"], classes)
    expected = [[0, 1, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1]]
    np.testing.assert_array_equal(out, expected)
    assert out.dtype == float


# ----------------------------------------------------------------------
# refusals, worded whole
# ----------------------------------------------------------------------
def test_the_refusals_of_fine_tune_are_worded_whole():
    X, y = _data()
    liblinear = (
        "fine_tune=True continues each generation from the previous one "
        "through warm_start, which LogisticRegression(solver='liblinear') "
        "ignores (every fit starts from scratch). Use another solver, "
        "or fine_tune=False."
    )
    # inside a pipeline too: the step that owns warm_start is checked
    for base in (
        LogisticRegression(solver="liblinear"),
        make_pipeline(StandardScaler(), LogisticRegression(solver="liblinear")),
    ):
        with pytest.raises(ValueError, match=whole(liblinear)):
            RecursiveRetrainer(base, fine_tune=True).fit(X, (y > 0).astype(int))
    bagging = (
        "fine_tune=True grows BaggingRegressor through warm_start, which it "
        "refuses with oob_score=True. Use oob_score=False, or fine_tune=False."
    )
    with pytest.raises(ValueError, match=whole(bagging)):
        RecursiveRetrainer(BaggingRegressor(oob_score=True), fine_tune=True).fit(X, y)


def test_the_refusal_of_sample_noise_without_predict_proba_is_worded_whole():
    X, y = _data()
    message = (
        "label_noise='sample' draws labels from predict_proba, which "
        "LinearSVC does not have. Use label_noise='argmax'."
    )
    with pytest.raises(ValueError, match=whole(message)):
        RecursiveRetrainer(LinearSVC(), label_noise="sample").fit(
            X, (y > 0).astype(int)
        )


@pytest.mark.parametrize(
    "verifier, kind, needed, classify",
    [
        (KernelDensity(), "regression", "predict", False),
        (LinearSVC(), "classification", "predict_proba", True),
        # predict_proba is the class's, but the fitted SVC(probability=False)
        # has none: refused once fitted
        (SVC(), "classification", "predict_proba", True),
    ],
)
def test_the_refusal_of_a_verifier_without_its_method_is_worded_whole(
    verifier, kind, needed, classify
):
    X, y = _data()
    if classify:
        y = (y > 0).astype(int)
        base = LogisticRegression()
    else:
        base = Ridge()
    message = (
        f"A verifier for a {kind} loop must have {needed} (to score synthetic "
        f"labels); {type(verifier).__name__} has none. Pass an estimator with "
        "it or a callable (X, y) -> scores."
    )
    with pytest.raises(ValueError, match=whole(message)):
        RecursiveRetrainer(base, verifier=verifier, keep_fraction=0.5).fit(X, y)


# ----------------------------------------------------------------------
# what a regression verifier scores: minus the mean absolute error per row
# ----------------------------------------------------------------------
def test_regression_verifier_scores_minus_the_mean_absolute_error_per_row(
    monkeypatch,
):
    rng = np.random.default_rng(3)
    X = rng.normal(size=(37, 3))
    Y = np.column_stack([X @ [0.5, -1.0, 2.0], X @ [1.5, 0.25, -0.75]])
    Y += 0.4 * rng.normal(size=Y.shape)
    est = RecursiveRetrainer(
        LinearRegression(), n_generations=1, verifier=Ridge(), keep_fraction=0.7
    )
    problem = _problem_of(monkeypatch, est, X, Y)
    verifier = Ridge(alpha=0.3).fit(X, Y)
    X_new = rng.normal(size=(13, 3))
    y_new = rng.normal(size=(13, 2))
    batch = Batch(X=X_new, y=y_new, weight=None, origin=np.ones(13, dtype=int))
    scores = problem.verifier_scores(verifier, batch)
    expected = -np.mean(np.abs(verifier.predict(X_new) - y_new), axis=1)
    np.testing.assert_allclose(scores, expected, rtol=1e-12)


# ----------------------------------------------------------------------
# inputs drawn by a callable: checked and given the real data's form
# ----------------------------------------------------------------------
def test_sampled_inputs_of_a_dataframe_fit_get_its_columns(monkeypatch):
    X, y = _data()
    frame = pd.DataFrame(X, columns=["u", "v", "w"])

    def draw(n, random_state):
        return np.random.default_rng(random_state).normal(size=(n, 3))

    est = RecursiveRetrainer(Ridge(), n_generations=1, inputs=draw, random_state=0)
    problem = _problem_of(monkeypatch, est, frame, y)
    X_new = problem._check_sampled_inputs(draw(9, 1), 9)
    assert isinstance(X_new, pd.DataFrame)
    assert list(X_new.columns) == ["u", "v", "w"]
    np.testing.assert_array_equal(X_new.to_numpy(), draw(9, 1))


def test_sampled_inputs_without_a_shape_are_refused_with_shape_none(monkeypatch):
    X, y = _data()
    message = (
        "inputs must produce an array of shape (9, 3) for 9 synthetic samples; "
        "got shape None."
    )
    est = RecursiveRetrainer(Ridge(), n_generations=1, random_state=0)
    problem = _problem_of(monkeypatch, est, X, y)
    with pytest.raises(InputError, match=whole(message)):
        problem._check_sampled_inputs([[0.0, 1.0, 2.0]] * 9, 9)


def test_a_single_column_of_sampled_inputs_is_kept_for_two_dimensional_data(
    monkeypatch,
):
    X, y = _data(d=1)
    est = RecursiveRetrainer(Ridge(), n_generations=1, random_state=0)
    problem = _problem_of(monkeypatch, est, X, y)
    column = np.arange(7.0).reshape(-1, 1)
    np.testing.assert_array_equal(problem._check_sampled_inputs(column, 7), column)
    # for one-dimensional data a sampler's one column becomes a vector; any
    # other shape is refused by name
    problem.real = Batch(
        X=X[:, 0], y=problem.real.y, weight=None, origin=problem.real.origin
    )
    vector = problem._check_sampled_inputs(column, 7)
    assert vector.shape == (7,)
    np.testing.assert_array_equal(vector, np.arange(7.0))
    message = (
        "inputs must produce an array of shape (7,) for 7 synthetic samples; "
        "got shape (7, 2)."
    )
    with pytest.raises(InputError, match=whole(message)):
        problem._check_sampled_inputs(np.zeros((7, 2)), 7)


# ----------------------------------------------------------------------
# predictive draws through a pipeline: the last step's, on transformed inputs
# ----------------------------------------------------------------------
def _positive_data(n=53, seed=5):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2))
    mu = np.exp(0.4 + 0.5 * X[:, 0] - 0.3 * X[:, 1])
    y = rng.gamma(2.5, mu / 2.5)
    return X, y, rng.uniform(0.3, 2.2, size=n)


def _same(data):
    return data


@pytest.mark.parametrize("family", ["gamma", "poisson"])
@pytest.mark.parametrize("n_heads", [0, 1, 2])
def test_predictive_draws_of_a_pipeline_are_its_last_steps_on_transformed_inputs(
    family, n_heads
):
    from sklearn.linear_model import GammaRegressor, PoissonRegressor
    from sklearn.preprocessing import FunctionTransformer

    from skcollapse.retrainer import _predictive_sampler

    X, y, weight = _positive_data()
    heads = [StandardScaler(), FunctionTransformer(lambda Z: 1.5 * Z - 0.25)]
    last = GammaRegressor(alpha=0.1) if family == "gamma" else PoissonRegressor()
    model = make_pipeline(*heads[:n_heads], last).fit(
        X, y, **{f"{type(last).__name__.lower()}__sample_weight": weight}
    )
    draw = _predictive_sampler(model, X, y, weight, _same)
    head = model[:-1]
    Xt = head.transform(X) if n_heads else X
    direct = _predictive_sampler(model[-1], Xt, y, weight, _same)
    X_new = np.random.default_rng(6).normal(size=(11, 2))
    Xt_new = head.transform(X_new) if n_heads else X_new
    for temperature in (1.0, 0.55):
        got = draw(X_new, np.random.default_rng(7), temperature)
        expected = direct(Xt_new, np.random.default_rng(7), temperature)
        np.testing.assert_array_equal(got, expected)
    if family == "gamma":
        # the dispersion is the weighted one, estimated on the training set
        mu = model.predict(X)
        unweighted = _predictive_sampler(model[-1], Xt, y, None, _same)
        a = unweighted(Xt_new, np.random.default_rng(7), 1.0)
        b = direct(Xt_new, np.random.default_rng(7), 1.0)
        assert not np.array_equal(a, b)
        assert np.all(mu > 0)


# ----------------------------------------------------------------------
# a classifier's methods: the fitted last generation's, else the base's
# ----------------------------------------------------------------------
def test_predict_proba_is_available_as_the_fitted_or_the_unfitted_base_has_it():
    X, y = _data()
    labels = (y > 0).astype(int)
    assert hasattr(RecursiveRetrainer(LogisticRegression()), "predict_proba")
    assert not hasattr(RecursiveRetrainer(LinearSVC()), "predict_proba")
    assert hasattr(RecursiveRetrainer(LinearSVC()), "decision_function")
    est = RecursiveRetrainer(LogisticRegression(), n_generations=1).fit(X, labels)
    # a new base without predict_proba: the fitted generations still have it
    est.set_params(estimator=SVC())
    assert not hasattr(SVC(), "predict_proba")
    assert hasattr(est, "predict_proba")
    assert est.predict_proba(X[:5]).shape == (5, 2)
    # and the other way round
    est = RecursiveRetrainer(LinearSVC(), n_generations=1, label_noise="argmax")
    est.fit(X, labels).set_params(estimator=LogisticRegression())
    assert not hasattr(est, "predict_proba")


# ----------------------------------------------------------------------
# predictive draws of the other families: spread under temperature
# ----------------------------------------------------------------------
def test_bayesian_linear_draws_have_temperature_times_the_predictive_variance():
    from sklearn.linear_model import BayesianRidge

    from skcollapse.retrainer import _predictive_sampler

    X, y = _data(n=47)
    model = BayesianRidge().fit(X, y)
    draw = _predictive_sampler(model, X, y, None, _same)
    point = np.array([[0.3, -1.1, 0.8]])
    mean, std = model.predict(point, return_std=True)
    n = 30_000
    for temperature in (1.0, 0.37):
        draws = draw(np.repeat(point, n, axis=0), np.random.default_rng(2), temperature)
        assert_mc_agrees(draws, mean[0])
        assert_mc_agrees((draws - mean[0]) ** 2, temperature * std[0] ** 2)
        # normal: 68.27% within one standard deviation
        within = np.abs(draws - mean[0]) < np.sqrt(temperature) * std[0]
        assert_mc_agrees(within, 0.6827)


def test_gaussian_process_draws_have_temperature_times_posterior_plus_noise_variance():
    from sklearn.gaussian_process import GaussianProcessRegressor
    from sklearn.gaussian_process.kernels import RBF

    from skcollapse.retrainer import _predictive_sampler

    rng = np.random.default_rng(4)
    X = rng.uniform(-2, 2, size=(9, 1))
    y = np.sin(X[:, 0]) + 0.2 * rng.normal(size=9)
    alpha = 0.09
    model = GaussianProcessRegressor(RBF(0.8), alpha=alpha, optimizer=None).fit(X, y)
    draw = _predictive_sampler(model, X, y, None, _same)
    # a point far from the data (posterior variance near the prior's) and
    # one among them
    points = np.array([[3.7], [0.1]])
    mean, std = model.predict(points, return_std=True)
    # (a point among the data: a small posterior variance beside alpha)
    # (T = 2 exactly: the latent draw's deviation is scaled by sqrt(2) too,
    # so the variance is 2 (posterior + alpha), not posterior + 2 alpha)
    for temperature, n in ((0.43, 600), (1.0, 200), (2.0, 300)):
        draws = np.array(
            [draw(points, np.random.default_rng(s), temperature) for s in range(n)]
        )
        assert_mc_agrees(draws, mean, family_wise="bonferroni")
        assert_mc_agrees(
            (draws - mean) ** 2,
            temperature * (std**2 + alpha),
            family_wise="bonferroni",
        )
        within = np.abs(draws - mean) < np.sqrt(temperature * (std**2 + alpha))
        assert_mc_agrees(within, 0.6827, family_wise="bonferroni")
    # one generator's draw is reproducible (the sample is seeded from it)
    np.testing.assert_array_equal(
        draw(points, np.random.default_rng(5), 0.43),
        draw(points, np.random.default_rng(5), 0.43),
    )


@pytest.mark.parametrize("inner", ["gamma", "bayesian"])
def test_transformed_target_draws_are_the_inverse_transform_of_the_inner_draws(inner):
    from sklearn.compose import TransformedTargetRegressor
    from sklearn.linear_model import BayesianRidge, GammaRegressor
    from sklearn.preprocessing import FunctionTransformer

    from skcollapse.retrainer import _predictive_sampler

    X, y, weight = _positive_data()
    # labels scaled by 2.5 before the inner model sees them
    # (validate=True: it takes columns only)
    scale = FunctionTransformer(
        lambda v: 2.5 * v, inverse_func=lambda v: v / 2.5, validate=True
    )
    regressor = GammaRegressor(alpha=0.1) if inner == "gamma" else BayesianRidge()
    model = TransformedTargetRegressor(regressor=regressor, transformer=scale)
    model.fit(X, y, sample_weight=weight)
    draw = _predictive_sampler(model, X, y, weight, _same)
    direct = _predictive_sampler(model.regressor_, X, 2.5 * y, weight, _same)
    X_new = np.random.default_rng(8).normal(size=(7, 2))
    got = draw(X_new, np.random.default_rng(9), 0.8)
    expected = direct(X_new, np.random.default_rng(9), 0.8) / 2.5
    assert got.shape == (7,)
    np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_a_dataframe_of_sampled_inputs_is_kept_with_its_dtypes(monkeypatch):
    X, y = _data()
    frame = pd.DataFrame(
        {"u": X[:, 0], "v": (X[:, 1] > 0).astype(np.int64), "w": X[:, 2]}
    )
    est = RecursiveRetrainer(Ridge(), n_generations=1, random_state=0)
    problem = _problem_of(monkeypatch, est, frame, y)
    drawn = frame.iloc[:6].reset_index(drop=True)
    kept = problem._check_sampled_inputs(drawn, 6)
    assert kept is drawn
    assert list(kept.dtypes) == [np.float64, np.int64, np.float64]


class _Scribbler(RegressorMixin, BaseEstimator):
    """A verifier that, with ``copy=False``, writes NaN into what it is given."""

    def __init__(self, copy=False):
        self.copy = copy

    def fit(self, X, y):
        self.model_ = Ridge().fit(X, y)
        if not self.copy:
            y[...] = np.nan
        return self

    def predict(self, X):
        out = self.model_.predict(X)
        if not self.copy:
            X[...] = np.nan
        return out


def test_a_verifier_that_writes_into_its_inputs_gets_copies():
    X, y = _data(n=43)
    X0, y0 = X.copy(), y.copy()
    est = RecursiveRetrainer(
        Ridge(),
        n_generations=3,
        verifier=_Scribbler(),
        keep_fraction=0.6,
        random_state=1,
    ).fit(X, y)
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(y, y0)
    assert np.all(np.isfinite(est.trajectory_["score_real"]))
    assert np.all(np.isfinite(est.estimators_[-1].coef_))


class _ColumnPredictor(RegressorMixin, BaseEstimator):
    """A regressor whose predictions come as one column, for 1-D labels too."""

    def fit(self, X, y):
        self.model_ = Ridge().fit(X, y)
        return self

    def predict(self, X):
        return self.model_.predict(X).reshape(-1, 1)


def _verifier_scores(monkeypatch, verifier_class):
    """The supervised problem's scores of 9 new rows by a verifier of
    ``verifier_class`` fitted on the real data; also the verifier and rows."""
    X, y = _data(n=31)
    est = RecursiveRetrainer(Ridge(), n_generations=1, random_state=0)
    problem = _problem_of(monkeypatch, est, X, y)
    verifier = verifier_class().fit(X, y)
    X_new = np.random.default_rng(1).normal(size=(9, 3))
    y_new = np.random.default_rng(2).normal(size=9)
    batch = Batch(X=X_new, y=y_new, weight=None, origin=np.ones(9, dtype=int))
    return verifier, problem.verifier_scores(verifier, batch), X_new, y_new


def test_a_verifiers_column_of_predictions_scores_each_row_by_its_own_label(
    monkeypatch,
):
    verifier, scores, X_new, y_new = _verifier_scores(monkeypatch, _ColumnPredictor)
    expected = -np.abs(verifier.predict(X_new)[:, 0] - y_new)
    np.testing.assert_allclose(scores, expected, rtol=1e-12)


def test_auto_label_noise_is_predictive_for_a_positive_family_without_the_tag():
    from sklearn.ensemble import HistGradientBoostingRegressor
    from sklearn.linear_model import TweedieRegressor
    from sklearn.utils import get_tags

    from skcollapse.retrainer import _auto_label_noise

    gamma = HistGradientBoostingRegressor(loss="gamma")
    # the gamma loss does not set the positive_only tag: the family says it
    assert not get_tags(gamma).target_tags.positive_only
    assert _auto_label_noise(gamma) == "predictive"
    assert _auto_label_noise(HistGradientBoostingRegressor(loss="poisson")) == (
        "predictive"
    )
    assert _auto_label_noise(TweedieRegressor(power=0)) == "residual"
    assert _auto_label_noise(Ridge()) == "residual"


def test_transformed_target_draws_through_a_scaler_of_the_labels():
    # StandardScaler takes a column only: the draws are reshaped to one and
    # back to a vector
    from sklearn.compose import TransformedTargetRegressor
    from sklearn.linear_model import BayesianRidge

    from skcollapse.retrainer import _predictive_sampler

    X, y = _data(n=45)
    y = 4.0 + 3.0 * y
    model = TransformedTargetRegressor(
        regressor=BayesianRidge(), transformer=StandardScaler()
    ).fit(X, y)
    draw = _predictive_sampler(model, X, y, None, _same)
    direct = _predictive_sampler(model.regressor_, X, None, None, _same)
    X_new = np.random.default_rng(8).normal(size=(7, 3))
    got = draw(X_new, np.random.default_rng(9), 0.6)
    inner = direct(X_new, np.random.default_rng(9), 0.6)
    assert got.shape == (7,)
    np.testing.assert_allclose(
        got, model.transformer_.inverse_transform(inner.reshape(-1, 1))[:, 0]
    )


class _OneClassLeft:
    """A fitted binary classifier that saw only ``label``."""

    def __init__(self, label):
        self.classes_ = np.array([label])

    def decision_function(self, X):
        return np.zeros(len(X))


@pytest.mark.parametrize("left, sign", [("yes", 1.0), ("no", -1.0)])
def test_decision_of_a_model_with_one_class_left_of_two_is_infinite(left, sign):
    from skcollapse.retrainer import _full_decision

    classes = np.array(["no", "yes"])
    scores = _full_decision(_OneClassLeft(left), np.zeros((5, 2)), classes)
    # decision > 0 means classes[1]: +inf when only it is left
    np.testing.assert_array_equal(scores, np.full(5, sign * np.inf))


# ----------------------------------------------------------------------
# out-of-fold residuals
# ----------------------------------------------------------------------
@pytest.mark.parametrize("n", [2, 3])
def test_oof_noise_works_from_two_training_rows(n):
    X, y = _data(n=n)
    est = RecursiveRetrainer(
        Ridge(), n_generations=2, label_noise="oof", random_state=0
    ).fit(X, y)
    assert np.all(np.isfinite(est.trajectory_["label_noise_scale"][1:]))


def test_oof_noise_of_one_training_row_ends_the_loop_with_its_reason():
    from skcollapse import CollapseWarning

    X, y = _data(n=9)
    message = (
        "label_noise='oof' needs at least 2 training rows for its out-of-fold "
        "residuals; generation 1 has 1."
    )
    est = RecursiveRetrainer(
        Ridge(), n_generations=2, label_noise="oof", synthetic_size=1, random_state=0
    )
    with pytest.warns(
        CollapseWarning, match=re.escape(f"(fit: ValueError: {message})")
    ):
        est.fit(X, y)
    assert est.termination_condition_ == "degenerate"


def test_oof_residuals_are_those_of_weighted_fits_on_seeded_folds(monkeypatch):
    from sklearn.model_selection import KFold, cross_val_predict

    from skcollapse._random import Stream

    X, y = _data(n=23)
    weight = np.random.default_rng(4).uniform(0.2, 3.0, size=23)
    est = RecursiveRetrainer(Ridge(), n_generations=1, label_noise="oof")
    seen = record_problems(monkeypatch)
    est.fit(X, y, sample_weight=weight)
    problem = seen[0]
    batch = Batch(X=X, y=y, weight=weight, origin=np.zeros(23, dtype=int))
    problem._generation = 0
    got = problem._out_of_fold(Ridge(alpha=2.0), batch, {"sample_weight": weight})
    folds = KFold(5, shuffle=True, random_state=problem.seeds.seed(0, Stream.OOF_FOLDS))
    expected = cross_val_predict(
        Ridge(alpha=2.0), X, y, cv=folds, params={"sample_weight": weight}
    )
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    unweighted = cross_val_predict(Ridge(alpha=2.0), X, y, cv=folds)
    assert not np.allclose(got, unweighted)


def test_auto_label_noise_follows_a_positive_target_tag():
    from sklearn.linear_model import BayesianRidge

    from skcollapse.retrainer import _auto_label_noise

    class PositiveBayes(BayesianRidge):
        def __sklearn_tags__(self):
            tags = super().__sklearn_tags__()
            tags.target_tags.positive_only = True
            return tags

    assert _auto_label_noise(BayesianRidge()) == "residual"
    assert _auto_label_noise(PositiveBayes()) == "predictive"


class _BinaryOfThree(_OneClassLeft):
    """A fitted binary classifier of two of three classes, 1-D decision."""

    def __init__(self, labels):
        self.classes_ = np.array(labels)

    def decision_function(self, X):
        return np.arange(len(X)) - 1.5


def test_decision_of_a_binary_model_in_a_three_class_problem():
    from skcollapse.retrainer import _full_decision

    classes = np.array(["a", "b", "c"])
    scores = _full_decision(_BinaryOfThree(["a", "c"]), np.zeros((4, 2)), classes)
    s = np.arange(4) - 1.5
    # the model's second class scores s, its first -s; the vanished one -inf
    np.testing.assert_array_equal(scores[:, 0], -s)
    np.testing.assert_array_equal(scores[:, 2], s)
    np.testing.assert_array_equal(scores[:, 1], np.full(4, -np.inf))


def test_an_interpolating_base_warns_for_labels_of_spread_below_one():
    from sklearn.tree import DecisionTreeRegressor

    from skcollapse.retrainer import ZeroNoiseWarning

    X, y = _data(n=29)
    y = 0.3 * y / np.std(y)  # standard deviation 0.3
    with pytest.warns(ZeroNoiseWarning, match="exactly"):
        RecursiveRetrainer(DecisionTreeRegressor(), n_generations=1).fit(X, y)


@pytest.mark.parametrize("family", ["gamma_glm", "poisson_glm", "gamma_boosting"])
def test_the_dispersion_a_predictive_sampler_draws_with(family):
    # At temperature 1e-14 every draw is the normal approximation
    # mu + sqrt(dispersion * T * mu**power) * z, with z the generator's
    # standard normals: the dispersion is read back exactly.
    from sklearn.ensemble import HistGradientBoostingRegressor
    from sklearn.linear_model import GammaRegressor, PoissonRegressor

    from skcollapse.retrainer import _predictive_sampler

    X, y, weight = _positive_data()
    if family == "gamma_glm":
        model, power = GammaRegressor(alpha=0.1), 2.0
    elif family == "poisson_glm":
        model, power = PoissonRegressor(), 1.0
    else:
        model, power = HistGradientBoostingRegressor(loss="gamma", max_iter=5), 2.0
    model.fit(X, y, sample_weight=weight)
    draw = _predictive_sampler(model, X, y, weight, _same)
    X_new = np.random.default_rng(3).normal(size=(6, 2))
    temperature = 1e-14
    labels = draw(X_new, np.random.default_rng(4), temperature)
    mu = model.predict(X_new)
    z = np.random.default_rng(4).standard_normal(6)
    dispersion = ((labels - mu) / z) ** 2 / (temperature * mu**power)
    mu_train = model.predict(X)
    pearson = np.sum(weight * (y - mu_train) ** 2 / mu_train**power) / np.sum(weight)
    expected = {
        "gamma_glm": pearson * 53 / (53 - 3),  # two coefficients and an intercept
        "poisson_glm": 1.0,  # a unit dispersion
        "gamma_boosting": pearson,  # no coefficients counted
    }[family]
    np.testing.assert_allclose(dispersion, expected, rtol=1e-6)


def test_the_no_noise_warning_of_a_multi_output_interpolating_base():
    import warnings

    from sklearn.tree import DecisionTreeRegressor

    from skcollapse import _metrics
    from skcollapse.retrainer import ZeroNoiseWarning

    X, y = _data(n=29)
    Y = np.column_stack([0.3 * y, 2.5 * y + 1.0])
    spread = np.max(_metrics.output_rms(Y - Y.mean(axis=0)))
    message = (
        "DecisionTreeRegressor reproduces the training labels of generation 0 "
        f"exactly (residual RMS 0, for real labels of standard deviation "
        f"{spread:.3g}), so label_noise='residual' adds no noise"
    )
    with pytest.warns(ZeroNoiseWarning, match="^" + re.escape(message)):
        RecursiveRetrainer(DecisionTreeRegressor(), n_generations=1).fit(X, Y)
    # a base with residuals: no warning
    with warnings.catch_warnings():
        warnings.simplefilter("error", ZeroNoiseWarning)
        RecursiveRetrainer(Ridge(), n_generations=1).fit(X, Y)


def test_gaussian_process_label_noise_is_independent_across_rows():
    # Two points far from the data and from each other: the posterior is
    # the prior at each, independent between them, so the only source of
    # correlation would be one noise draw shared by the rows. With alpha = 4
    # and a unit prior variance, a shared draw gives a correlation of
    # 4 / (1 + 4) = 0.8; independent draws, a sample correlation within
    # 3.5 / sqrt(n) of 0.
    from sklearn.gaussian_process import GaussianProcessRegressor
    from sklearn.gaussian_process.kernels import RBF

    from skcollapse.retrainer import _predictive_sampler

    rng = np.random.default_rng(6)
    X = rng.uniform(-2, 2, size=(7, 1))
    y = np.sin(X[:, 0])
    model = GaussianProcessRegressor(RBF(0.8), alpha=4.0, optimizer=None).fit(X, y)
    draw = _predictive_sampler(model, X, y, None, _same)
    points = np.array([[40.0], [80.0]])
    n = 400
    draws = np.array([draw(points, np.random.default_rng(s), 1.0) for s in range(n)])
    assert abs(np.corrcoef(draws.T)[0, 1]) < 3.5 / np.sqrt(n)
    # and each row still has the prior's variance plus alpha
    assert_mc_agrees(draws**2, np.full(2, 5.0), family_wise="bonferroni")


@pytest.mark.parametrize("temperature", [1.0, 0.37])
def test_the_no_noise_warning_of_a_noise_free_predictive_distribution(temperature):
    # A Gaussian process with a tiny alpha believes its data noise-free: at
    # the real inputs (generation 1's synthetic inputs) its draws do not
    # spread. The warning quotes the untempered RMS deviation of generation
    # 0's model's draws (label_noise_scale of generation 1 over sqrt(T)) and
    # the real labels' standard deviation, whole.
    from sklearn.gaussian_process import GaussianProcessRegressor
    from sklearn.gaussian_process.kernels import RBF

    from skcollapse.retrainer import ZeroNoiseWarning

    X, y = _data(n=23, d=2)
    # (a short length scale: the Cholesky factor's rounding, which is all
    # the spread left, stays ~1e-7, well below 1e-6 of the labels' spread)
    base = GaussianProcessRegressor(RBF(0.3), alpha=1e-14, optimizer=None)
    est = RecursiveRetrainer(
        base,
        n_generations=1,
        label_noise="predictive",
        temperature=temperature,
        random_state=3,
    )
    with pytest.warns(ZeroNoiseWarning) as caught:
        est.fit(X, y)
    (warning,) = [w for w in caught if issubclass(w.category, ZeroNoiseWarning)]
    deviation = est.trajectory_["label_noise_scale"][1] / np.sqrt(temperature)
    message = (
        "the predictive distribution of GaussianProcessRegressor has no spread "
        "at the synthetic inputs of generation 1 (RMS deviation "
        f"{deviation:.3g} from its predictions, for real labels of standard "
        f"deviation {np.std(y):.3g}; a Gaussian process without a WhiteKernel "
        "and with a tiny alpha believes its data noise-free), so "
        "label_noise='predictive' adds no noise and later generations refit "
        "the same labels: the loop simulates no collapse. Use label_noise='oof' "
        "(out-of-fold residuals, the model's honest predictive noise) or a "
        "known noise level."
    )
    assert str(warning.message) == message


# ----------------------------------------------------------------------
# session 21: survivors of the complete run (issue 16)
# ----------------------------------------------------------------------
def test_a_regressors_wrapper_has_no_classifier_methods():
    # (_classifier_has runs at import, so mutmut cannot measure its mutants;
    # planted by hand, `return False -> True` gives a regressor these)
    X, y = _data()
    for est in (
        RecursiveRetrainer(Ridge()),
        RecursiveRetrainer(Ridge(), n_generations=1).fit(X, y),
    ):
        for method in (
            "predict_proba",
            "predict_log_proba",
            "staged_predict_proba",
            "decision_function",
        ):
            assert not hasattr(est, method)


@pytest.mark.parametrize("label_noise", ["argmax", "sample"])
def test_a_classifiers_scores_are_its_accuracies_on_the_rows_scored(
    monkeypatch, label_noise
):
    # ceil(0.3 * 37) = 12 validation rows, 25 training rows, 1.6 * 25 = 40
    # synthetic rows: three sets of inputs of different sizes, each scored by
    # the model's own predictions of its rows (a cache of predictions keyed
    # without the inputs would give one set's predictions to another)
    X, y = _data(n=37)
    labels = np.where(y > 0.4, "hi", np.where(y < -0.6, "lo", "mid"))
    est = RecursiveRetrainer(
        LogisticRegression(),
        n_generations=2,
        validation_fraction=0.3,
        synthetic_size=1.6,
        label_noise=label_noise,
        random_state=4,
    )
    problem = _problem_of(monkeypatch, est, X, labels)
    assert len(problem.y_val) == 12 and len(problem.real.y) == 25
    for g, model in enumerate(est.estimators_):
        real = np.mean(model.predict(problem.real.X) == problem.real.y)
        validation = np.mean(model.predict(problem.X_val) == problem.y_val)
        assert est.trajectory_["score_real"][g] == real
        assert est.trajectory_["score_validation"][g] == validation


def _no_noise_warnings(caught):
    from skcollapse.retrainer import ZeroNoiseWarning

    return [w for w in caught if issubclass(w.category, ZeroNoiseWarning)]


def test_the_no_noise_warning_at_its_documented_bound(monkeypatch):
    # "at most 1e-6 of the standard deviation of the real labels": a noise
    # exactly at the bound warns, the next float above it does not; for one
    # output and, per output, for two
    import warnings

    from sklearn.tree import DecisionTreeRegressor

    X, y = _data(n=29)
    for labels in (y, np.column_stack([0.3 * y, 2.5 * y + 1.0])):
        est = RecursiveRetrainer(Ridge(), n_generations=1)
        problem = _problem_of(monkeypatch, est, X, labels)
        bound = 1e-6 * problem._real_spread
        for noise, warns in ((bound, True), (np.nextafter(bound, np.inf), False)):
            problem._warned_no_noise = False
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                problem._warn_if_no_noise(DecisionTreeRegressor(), noise)
            assert len(_no_noise_warnings(caught)) == int(warns)


def test_no_noise_warning_for_constant_multi_output_labels():
    # reproducing constant labels exactly is right: no warning, for two
    # outputs as for one
    import warnings

    from sklearn.tree import DecisionTreeRegressor

    X, _ = _data(n=29)
    Y = np.column_stack([np.full(29, 1.5), np.full(29, -0.25)])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        RecursiveRetrainer(DecisionTreeRegressor(), n_generations=1).fit(X, Y)
    assert _no_noise_warnings(caught) == []


@pytest.mark.parametrize(
    "scales, noise",
    [
        # every output's spread below 1 (0.3 and 0.7), residuals 0
        ((0.3, 0.7), 0.0),
        # spreads ~31 and ~37, residual RMS ~1e-6: below 1e-6 * spread
        # (3.1e-5), above 1e-6 / spread (3e-8)
        ((31.0, 37.0), 1e-6),
    ],
)
def test_the_no_noise_warning_of_multi_output_labels_by_spread(scales, noise):
    from sklearn.tree import DecisionTreeRegressor

    from skcollapse import _metrics

    rng = np.random.default_rng(8)
    X = rng.normal(size=(31, 3))
    Y = np.column_stack([X @ [0.4, -1.0, 0.7], X @ [-0.2, 0.5, 1.1]])
    Y = Y / Y.std(axis=0) * np.array(scales)
    base = DecisionTreeRegressor()
    if noise:
        Y = Y + noise * rng.normal(size=Y.shape)
        base = LinearRegression()
    est = RecursiveRetrainer(base, n_generations=1)
    with pytest.warns(Warning) as caught:
        est.fit(X, Y)
    (warning,) = _no_noise_warnings(caught)
    residual = _metrics.output_rms(Y - _clone_fit(base, X, Y).predict(X))
    spread = _metrics.output_rms(Y - Y.mean(axis=0))
    assert np.all(residual <= 1e-6 * spread)
    message = (
        f"{type(base).__name__} reproduces the training labels of generation 0 "
        f"exactly (residual RMS {np.max(residual):.3g}, for real labels of "
        f"standard deviation {np.max(spread):.3g}), so label_noise='residual' "
        "adds no noise and later generations refit the same labels: the loop "
        "simulates no collapse. Use label_noise='oof' (out-of-fold residuals, "
        "the model's honest predictive noise) or a known noise level."
    )
    assert str(warning.message) == message


def _clone_fit(est, X, y):
    from sklearn.base import clone

    return clone(est).fit(X, y)


def _predictive_refusal(name, reason):
    return (
        "label_noise='predictive' draws labels from the base estimator's "
        f"predictive distribution, but {name} has none that RecursiveRetrainer "
        f"can sample: {reason}. Use label_noise='oof' or 'residual' (Gaussian "
        "noise), or a base with a predictive distribution (PoissonRegressor, "
        "GammaRegressor, TweedieRegressor, GaussianProcessRegressor, "
        "BayesianRidge, ARDRegression)."
    )


def test_the_refusals_of_bases_without_a_predictive_distribution_are_worded_whole():
    from sklearn.compose import TransformedTargetRegressor
    from sklearn.gaussian_process import GaussianProcessRegressor
    from sklearn.pipeline import Pipeline

    X, y = _data(n=21)
    cases = [
        # a target transformer around a pipeline that ends in 'passthrough'
        # (a bare such pipeline is refused earlier, as no regressor), or None
        (
            TransformedTargetRegressor(
                regressor=Pipeline([("s", StandardScaler()), ("last", last)])
            ),
            "its regressor has none (its pipeline ends in 'passthrough')",
        )
        for last in ("passthrough", None)
    ]
    cases += [
        # no regressor: a LinearRegression, which has none
        (
            TransformedTargetRegressor(),
            "its regressor has none (LinearRegression has no predictive distribution)",
        ),
        (
            GaussianProcessRegressor(alpha=np.full(21, 0.1)),
            "an array alpha is a noise variance per training row, and the "
            "synthetic rows have none: pass a scalar alpha",
        ),
    ]
    for base, reason in cases:
        message = _predictive_refusal(type(base).__name__, reason)
        with pytest.raises(ValueError, match=whole(message)):
            RecursiveRetrainer(base, label_noise="predictive").fit(X, y)


def test_the_predictive_distribution_of_a_target_transformer_is_its_regressors():
    from sklearn.compose import TransformedTargetRegressor
    from sklearn.linear_model import BayesianRidge, GammaRegressor

    from skcollapse.retrainer import _predictive_spec

    gamma = ("tweedie", 2.0, False, True)
    unfitted = TransformedTargetRegressor(regressor=GammaRegressor())
    assert _predictive_spec(unfitted) == ("transformed", gamma)
    # fitted: the fitted regressor_'s, which the draws use, also when the
    # regressor parameter has been set to another since
    X, y, _ = _positive_data()
    fitted = TransformedTargetRegressor(
        regressor=GammaRegressor(), func=None, inverse_func=None
    ).fit(X, y)
    fitted.set_params(regressor=BayesianRidge())
    assert _predictive_spec(fitted) == ("transformed", gamma)
    fitted.set_params(regressor=Ridge())
    assert _predictive_spec(fitted) == ("transformed", gamma)


@pytest.mark.parametrize(
    "power, expected",
    [
        (0, ("tweedie", 0.0, False, True)),
        (1, ("tweedie", 1.0, True, True)),
        (1.4, ("tweedie", 1.4, False, True)),
        (2, ("tweedie", 2.0, False, True)),
        (3, ("tweedie", 3.0, False, True)),
    ],
)
def test_the_tweedie_powers_that_have_a_sampler(power, expected):
    from sklearn.linear_model import TweedieRegressor

    from skcollapse.retrainer import _predictive_spec

    assert _predictive_spec(TweedieRegressor(power=power)) == expected


# ----------------------------------------------------------------------
# classes drawn from probabilities: tempering, floating-point state, ties
# ----------------------------------------------------------------------
@pytest.mark.parametrize("temperature", [2.0, 1.0, 0.45])
def test_classes_are_drawn_from_probabilities_to_the_power_one_over_t(temperature):
    # T = 2 exactly too: no temperature but 1 leaves the probabilities as
    # they are
    from skcollapse.retrainer import _sample_rows

    p = np.array([0.1, 0.3, 0.6])
    n = 20_000
    drawn = _sample_rows(np.tile(p, (n, 1)), temperature, np.random.default_rng(9))
    tempered = p ** (1 / temperature) / np.sum(p ** (1 / temperature))
    assert_mc_agrees(drawn[:, None] == np.arange(3), tempered, family_wise="bonferroni")


def test_class_draws_leave_the_callers_floating_point_state_alone():
    # Under np.errstate(all="raise") nothing a draw computes raises: the log
    # of a zero probability (divide), a ratio 1e-200 tempered to exp(-1535)
    # (underflow), a tempering by T = 1e-307 (overflow of the division), a
    # row of zeros (invalid: -inf - -inf) each have their own errstate.
    from skcollapse.retrainer import _sample_rows

    rng = np.random.default_rng(10)
    with np.errstate(all="raise"):
        drawn = _sample_rows(np.array([[0.6, 0.0, 0.4]] * 50), 0.3, rng)
        tiny = _sample_rows(np.array([[1 - 1e-200, 1e-200, 0.0]] * 5), 0.3, rng)
        near_zero = _sample_rows(np.array([[0.6, 1e-9, 0.4 - 1e-9]] * 5), 1e-307, rng)
        zeros = _sample_rows(np.zeros((3, 3)), 0.3, rng)
    assert set(drawn) == {0, 2}  # never the zero-probability class
    np.testing.assert_array_equal(tiny, np.zeros(5))  # 1e-200 ** (1/0.3) = 0
    np.testing.assert_array_equal(near_zero, np.zeros(5))  # the argmax
    np.testing.assert_array_equal(zeros, np.zeros(3))  # the documented fallback


class _Uniforms:
    """A generator whose ``random`` returns given values."""

    def __init__(self, values):
        self.values = np.asarray(values, dtype=float)

    def random(self, n):
        return self.values[:n]


def test_class_draws_on_the_boundaries_of_the_cumulative_probabilities():
    # u = (1 - r) * total: class k when cum[k-1] < u <= cum[k]. r = 0.5 puts
    # u on cum[0] = 0.5 (class 0, not the class after the zero-probability
    # one); r = 0 puts u on the total (class 0 of [1, 0, 0], never a
    # zero-probability class)
    from skcollapse.retrainer import _sample_rows

    proba = np.array([[0.5, 0.0, 0.5], [1.0, 0.0, 0.0], [0.25, 0.25, 0.5]])
    drawn = _sample_rows(proba, 1.0, _Uniforms([0.5, 0.0, 0.5]))
    np.testing.assert_array_equal(drawn, [0, 0, 1])


class _DecimalPredictor(RegressorMixin, BaseEstimator):
    """A regressor whose predictions are ``Decimal`` objects."""

    def fit(self, X, y):
        self.model_ = Ridge().fit(X, y)
        return self

    def predict(self, X):
        from decimal import Decimal

        return np.array([Decimal(repr(float(v))) for v in self.model_.predict(X)])


def test_a_verifiers_predictions_are_taken_as_floats(monkeypatch):
    verifier, scores, X_new, y_new = _verifier_scores(monkeypatch, _DecimalPredictor)
    assert scores.dtype == float
    expected = -np.abs(verifier.model_.predict(X_new) - y_new)
    np.testing.assert_allclose(scores, expected, rtol=1e-12)


@pytest.mark.parametrize("power", [1.0, 2.0])
def test_tweedie_draws_of_integer_means_are_not_truncated(power):
    # integer means (a model predicting counts as integers) give the draws
    # of their float copies, not integer-truncated ones; also where the
    # normal approximation applies (a dispersion of 1e-15)
    mu = np.array([2, 7, 3])
    for dispersion in (0.61, 1e-15):
        got = _draw_tweedie(mu, dispersion, power, np.random.default_rng(3))
        expected = _draw_tweedie(
            mu.astype(float), dispersion, power, np.random.default_rng(3)
        )
        assert got.dtype == float
        np.testing.assert_array_equal(got, expected)
        assert not np.array_equal(got, np.round(got))


def test_the_predictive_distributions_of_trees_and_boosting():
    from sklearn.ensemble import (
        ExtraTreesRegressor,
        HistGradientBoostingRegressor,
        RandomForestRegressor,
    )
    from sklearn.tree import DecisionTreeRegressor

    from skcollapse.retrainer import _predictive_spec

    poisson, gamma = ("tweedie", 1.0, True, False), ("tweedie", 2.0, False, False)
    assert _predictive_spec(HistGradientBoostingRegressor(loss="poisson")) == poisson
    assert _predictive_spec(HistGradientBoostingRegressor(loss="gamma")) == gamma
    for tree in (DecisionTreeRegressor, RandomForestRegressor, ExtraTreesRegressor):
        assert _predictive_spec(tree(criterion="poisson")) == poisson
        assert (
            _predictive_spec(tree())
            == f"{tree.__name__} has no predictive distribution"
        )


class _Tagless:
    """An object without scikit-learn tags, with the given methods."""

    def __init__(self, *methods):
        for method in methods:
            setattr(self, method, lambda *args, **kwargs: None)


def test_the_kind_of_a_base_estimator_and_its_refusals_worded_whole():
    from sklearn.cluster import KMeans

    from skcollapse.retrainer import _check_supervised_base

    # no tags but predict: a regressor, also with score_samples and sample
    assert _check_supervised_base(_Tagless("predict")) == "regressor"
    both = _Tagless("predict", "score_samples", "sample")
    assert _check_supervised_base(both) == "regressor"
    density = (
        "RecursiveRetrainer refits a regressor or classifier on its own labels; "
        "{} is a density estimator: use RecursiveDensityRetrainer, which refits "
        "it on its own samples."
    )
    for est in (KernelDensity(), _Tagless("score_samples", "sample")):
        message = density.format(type(est).__name__)
        with pytest.raises(ValueError, match=whole(message)):
            _check_supervised_base(est)
    neither = (
        "RecursiveRetrainer needs a regressor or classifier (or a Pipeline ending "
        "in one) as estimator; {} is {}."
    )
    cases = [
        (KMeans(n_init=1), "a clusterer"),
        (
            StandardScaler(),
            "neither (it declares no estimator type and has no predict)",
        ),
        (
            _Tagless("fit"),
            "neither (it declares no estimator type and has no predict)",
        ),
    ]
    for est, what in cases:
        message = neither.format(type(est).__name__, what)
        with pytest.raises(ValueError, match=whole(message)):
            _check_supervised_base(est)
