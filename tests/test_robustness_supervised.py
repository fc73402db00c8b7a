"""RecursiveRetrainer wraps any regressor or classifier and loses nothing.

Regression tests of issue 10, one behaviour per test: fine-tuning of
warm-start ensembles, out-of-fold and predictive label noise, meta-estimator
bases, sample weights through fit parameters, forwarded tags, DataFrames,
the refusal of other kinds of estimators, bases that write into their
inputs, tempered sampling near 0, the command line, and (slow) a sweep over
every regressor and classifier of scikit-learn.
"""

import warnings

import numpy as np
import pytest
from conftest import regression_data_of
from sklearn.base import BaseEstimator, RegressorMixin, clone
from sklearn.cluster import KMeans
from sklearn.compose import TransformedTargetRegressor
from sklearn.datasets import make_classification
from sklearn.decomposition import PCA
from sklearn.dummy import DummyRegressor
from sklearn.ensemble import (
    BaggingRegressor,
    ExtraTreesRegressor,
    GradientBoostingRegressor,
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    IsolationForest,
    RandomForestClassifier,
    RandomForestRegressor,
    StackingClassifier,
    StackingRegressor,
    VotingRegressor,
)
from sklearn.feature_selection import RFE
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import RBF, WhiteKernel
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import (
    ARDRegression,
    BayesianRidge,
    GammaRegressor,
    LinearRegression,
    LogisticRegression,
    PoissonRegressor,
    Ridge,
    RidgeClassifier,
    TweedieRegressor,
)
from sklearn.mixture import GaussianMixture
from sklearn.model_selection import GridSearchCV, KFold, cross_val_predict
from sklearn.multiclass import OneVsRestClassifier
from sklearn.multioutput import MultiOutputClassifier
from sklearn.naive_bayes import MultinomialNB
from sklearn.neighbors import (
    KernelDensity,
    KNeighborsClassifier,
    KNeighborsRegressor,
)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import (
    DecisionTreeClassifier,
    DecisionTreeRegressor,
    ExtraTreeRegressor,
)
from sklearn.utils import get_tags

from skcollapse import CollapseWarning, RecursiveRetrainer
from skcollapse.__main__ import main
from skcollapse._random import SeedTable, Stream
from skcollapse.retrainer import (
    ZeroNoiseWarning,
    _draw_tweedie,
    _may_overwrite,
    _predictive_sampler,
    _sample_rows,
)
from skcollapse.utils._testing import assert_mc_agrees, parametrize_sklearn_checks

pd = pytest.importorskip("pandas")


@pytest.fixture
def regression_data():
    return regression_data_of(80, 4, 10.0)


@pytest.fixture
def count_data():
    """Poisson counts of a log-linear mean."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 3))
    y = rng.poisson(np.exp(0.3 + X @ [0.4, -0.3, 0.2])).astype(float)
    return X, y


@pytest.fixture
def classification_data():
    return make_classification(n_samples=90, n_features=4, random_state=0)


def _no_copy(data):
    return data


# --------------------------------------------------------------------------
# 1. fine_tune grows a warm-start ensemble
# --------------------------------------------------------------------------
def _members(model):
    """Per-member predictions of a fitted ensemble (forests, bagging)."""
    return [m.predict for m in model.estimators_]


@pytest.mark.parametrize(
    "base, count",
    [
        (RandomForestRegressor(n_estimators=4, max_depth=3), "n_estimators"),
        (ExtraTreesRegressor(n_estimators=4, max_depth=3), "n_estimators"),
        (BaggingRegressor(DecisionTreeRegressor(max_depth=3), n_estimators=3), None),
        (GradientBoostingRegressor(n_estimators=5, max_depth=2), "n_estimators"),
        (HistGradientBoostingRegressor(max_iter=5, early_stopping=False), "max_iter"),
    ],
    ids=lambda value: type(value).__name__ if not isinstance(value, str) else value,
)
def test_fine_tune_grows_a_warm_start_ensemble_by_its_own_count(
    regression_data, base, count
):
    X, y = regression_data
    count = count or "n_estimators"
    n0 = base.get_params()[count]
    est = RecursiveRetrainer(base, n_generations=3, fine_tune=True, random_state=0).fit(
        X, y
    )
    models = est.estimators_
    assert [m.get_params()[count] for m in models] == [n0, 2 * n0, 3 * n0, 4 * n0]
    assert base.get_params()[count] == n0  # the user's base is untouched
    for previous, model in zip(models, models[1:]):
        n_previous = previous.get_params()[count]
        # The model really changes...
        assert not np.allclose(model.predict(X), previous.predict(X))
        # ...and really starts from the previous one: its first members are
        # the previous generation's.
        if hasattr(model, "staged_predict"):
            staged = list(model.staged_predict(X))
            np.testing.assert_allclose(staged[n_previous - 1], previous.predict(X))
        else:
            for mine, theirs in zip(_members(model), _members(previous)):
                np.testing.assert_array_equal(mine(X), theirs(X))
            assert len(model.estimators_) == n_previous + n0


def test_fine_tune_grows_an_ensemble_inside_a_pipeline(classification_data):
    X, y = classification_data
    base = make_pipeline(StandardScaler(), RandomForestClassifier(n_estimators=3))
    est = RecursiveRetrainer(base, n_generations=2, fine_tune=True, random_state=0).fit(
        X, y
    )
    assert [len(m[-1].estimators_) for m in est.estimators_] == [3, 6, 9]


def test_fine_tune_of_an_iterative_solver_continues_from_the_previous_coefficients(
    regression_data,
):
    # No count to grow: warm_start starts the solver from the previous solution.
    from sklearn.linear_model import SGDRegressor

    X, y = regression_data
    base = SGDRegressor(max_iter=1, tol=None, learning_rate="constant", eta0=1e-3)
    est = RecursiveRetrainer(base, n_generations=2, fine_tune=True, random_state=0).fit(
        X, y
    )
    fresh = RecursiveRetrainer(base, n_generations=2, random_state=0).fit(X, y)
    assert [m.max_iter for m in est.estimators_] == [1, 1, 1]
    assert np.linalg.norm(est.estimators_[2].coef_) > 1.5 * np.linalg.norm(
        fresh.estimators_[2].coef_
    )


@pytest.mark.parametrize(
    "base, match",
    [
        (LogisticRegression(solver="liblinear"), "liblinear"),
        (BaggingRegressor(oob_score=True), "oob_score"),
    ],
    ids=["liblinear", "bagging-oob"],
)
def test_fine_tune_refuses_a_warm_start_it_cannot_continue(
    regression_data, base, match
):
    X, y = regression_data
    if isinstance(base, LogisticRegression):
        y = (y > 0).astype(int)
    with pytest.raises(ValueError, match=match):
        RecursiveRetrainer(base, fine_tune=True).fit(X, y)


# --------------------------------------------------------------------------
# 2. interpolating bases: out-of-fold noise, and a warning for no noise
# --------------------------------------------------------------------------
INTERPOLATING = [
    DecisionTreeRegressor(),
    ExtraTreeRegressor(),
    KNeighborsRegressor(n_neighbors=1),
    GaussianProcessRegressor(),
]


@pytest.mark.parametrize("base", INTERPOLATING, ids=lambda b: type(b).__name__)
def test_residual_noise_of_an_interpolating_base_warns_once(regression_data, base):
    X, y = regression_data
    est = RecursiveRetrainer(base, n_generations=3, random_state=0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        est.fit(X, y)
    zero = [w for w in caught if issubclass(w.category, ZeroNoiseWarning)]
    assert len(zero) == 1
    assert "label_noise='oof'" in str(zero[0].message)
    assert "generation 0" in str(zero[0].message)
    assert est.trajectory_["label_noise_scale"][1] <= 1e-6 * np.std(y)


@pytest.mark.parametrize("base", INTERPOLATING, ids=lambda b: type(b).__name__)
def test_oof_noise_makes_an_interpolating_base_collapse(regression_data, base):
    X, y = regression_data
    with warnings.catch_warnings():
        warnings.simplefilter("error", ZeroNoiseWarning)
        est = RecursiveRetrainer(
            base, n_generations=3, label_noise="oof", random_state=0
        ).fit(X, y)
    scale = est.trajectory_["label_noise_scale"]
    assert np.all(scale[1:] > 0.1 * np.std(y))
    # The loop is no longer a no-op: later generations leave the real labels.
    assert est.trajectory_["score_real"][-1] < est.trajectory_["score_real"][0] - 0.1


def test_oof_noise_is_the_rms_of_five_fold_out_of_fold_residuals(regression_data):
    X, y = regression_data
    est = RecursiveRetrainer(
        DecisionTreeRegressor(max_depth=4),
        n_generations=1,
        label_noise="oof",
        temperature=0.25,
        random_state=7,
    ).fit(X, y)
    seed = SeedTable(7).seed(0, Stream.OOF_FOLDS)
    folds = KFold(5, shuffle=True, random_state=seed)
    out_of_fold = cross_val_predict(clone(est.estimators_[0]), X, y, cv=folds)
    rms = np.sqrt(np.mean((y - out_of_fold) ** 2))
    assert est.trajectory_["label_noise_scale"][1] == pytest.approx(0.5 * rms)


def test_oof_noise_with_weights_through_a_pipeline(regression_data):
    X, y = regression_data
    sw = np.linspace(0.5, 2.0, len(y))
    est = RecursiveRetrainer(
        make_pipeline(StandardScaler(), Ridge()),
        n_generations=2,
        label_noise="oof",
        data="accumulate",
        random_state=0,
    ).fit(X, y, sample_weight=sw)
    assert np.all(est.trajectory_["label_noise_scale"][1:] > 1.0)


def test_a_noisy_fit_or_constant_labels_do_not_warn(regression_data):
    X, y = regression_data
    with warnings.catch_warnings():
        warnings.simplefilter("error", ZeroNoiseWarning)
        RecursiveRetrainer(Ridge(), n_generations=2, random_state=0).fit(X, y)
        RecursiveRetrainer(DecisionTreeRegressor(), n_generations=2).fit(
            X, np.full(len(y), 3.0)
        )


def test_oof_and_predictive_are_for_regressors(classification_data):
    X, y = classification_data
    for noise in ("oof", "predictive"):
        with pytest.raises(ValueError, match="not available for a classifier"):
            RecursiveRetrainer(LogisticRegression(), label_noise=noise).fit(X, y)


# --------------------------------------------------------------------------
# 3. predictive label noise
# --------------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize(
    "power, dispersion",
    [(0.0, 0.7), (1.0, 1.0), (1.0, 0.5), (1.5, 0.7), (2.0, 0.3), (3.0, 0.2)],
)
def test_tweedie_draws_have_the_mean_and_variance_of_their_family(power, dispersion):
    rng = np.random.default_rng(0)
    mu = np.array([0.4, 1.0, 3.0])
    draws = np.array([_draw_tweedie(mu, dispersion, power, rng) for _ in range(20_000)])
    assert_mc_agrees(draws, mu)
    assert_mc_agrees((draws - mu) ** 2, dispersion * mu**power)
    if power > 0:
        assert np.all(draws >= 0)
    if power == 1.0 and dispersion == 1.0:
        np.testing.assert_array_equal(draws, np.round(draws))  # counts
    if 1 < power < 2:  # compound Poisson-gamma: an atom at 0
        p_zero = np.exp(-(mu ** (2 - power)) / (dispersion * (2 - power)))
        assert_mc_agrees(draws == 0, p_zero)


def test_tweedie_draws_near_zero_temperature_are_the_mean():
    rng = np.random.default_rng(0)
    mu = np.array([0.0, 0.5, 2.0])
    for power in (1.0, 1.5, 2.0, 3.0):
        draws = _draw_tweedie(mu, 1e-300, power, rng)
        np.testing.assert_allclose(draws, mu, rtol=1e-12)


def _draws(model, train, X_new, temperature=1.0, n=8000, seed=0):
    """``n`` draws at ``X_new`` of a fitted model trained on ``train = (X, y)``."""
    draw = _predictive_sampler(model, *train, None, _no_copy)
    rng = np.random.default_rng(seed)
    return np.array([draw(X_new, rng, temperature) for _ in range(n)])


@pytest.mark.slow
@pytest.mark.parametrize("temperature", [1.0, 0.5])
def test_poisson_predictive_draws_are_poisson(count_data, temperature):
    X, y = count_data
    model = PoissonRegressor().fit(X, y)
    draws = _draws(model, (X, y), X[:6], temperature)
    mu = model.predict(X[:6])
    assert_mc_agrees(draws, mu)
    assert_mc_agrees((draws - mu) ** 2, temperature * mu)


@pytest.mark.slow
def test_gamma_dispersion_is_the_moment_estimate(count_data):
    X, _ = count_data
    rng = np.random.default_rng(1)
    n = X.shape[0]
    mean = np.exp(0.5 + X @ [0.3, 0.2, -0.1])
    y = rng.gamma(4.0, mean / 4.0)  # dispersion 1/4
    model = GammaRegressor(alpha=0.0).fit(X, y)
    mu = model.predict(X)
    # Pearson: sum((y - mu)^2 / mu^2) / (n - p), p = 3 coefficients + intercept
    dispersion = np.sum((y - mu) ** 2 / mu**2) / (n - 4)
    draws = _draws(model, (X, y), X[:5])
    assert_mc_agrees(draws, mu[:5])
    assert_mc_agrees((draws - mu[:5]) ** 2, dispersion * mu[:5] ** 2)
    # The moment estimate recovers the true dispersion of the data.
    assert_mc_agrees((y - mean) ** 2 / mean**2, 0.25)
    assert dispersion == pytest.approx(0.25, rel=0.35)


@pytest.mark.slow
def test_tweedie_predictive_draws_follow_the_power(count_data):
    X, y = count_data
    model = TweedieRegressor(power=1.5, alpha=0.0).fit(X, y)
    mu_train = model.predict(X)
    dispersion = np.sum((y - mu_train) ** 2 / mu_train**1.5) / (len(y) - 4)
    draws = _draws(model, (X, y), X[:5])
    mu = mu_train[:5]
    assert_mc_agrees(draws, mu)
    assert_mc_agrees((draws - mu) ** 2, dispersion * mu**1.5)


@pytest.mark.slow
def test_gaussian_process_predictive_draws_add_alpha_to_the_posterior(
    regression_data,
):
    X, y = regression_data
    gp = GaussianProcessRegressor(RBF(3.0), alpha=4.0, optimizer=None)
    gp.fit(X[:30], y[:30] / 50)
    X_new = X[30:34]
    mean, std = gp.predict(X_new, return_std=True)
    draws = _draws(gp, (X[:30], None), X_new, temperature=0.5)
    assert_mc_agrees(draws, mean)
    assert_mc_agrees((draws - mean) ** 2, 0.5 * (std**2 + 4.0))


@pytest.mark.slow
@pytest.mark.parametrize("base", [BayesianRidge(), ARDRegression()])
def test_bayesian_linear_predictive_draws_use_the_predictive_std(regression_data, base):
    X, y = regression_data
    model = base.fit(X, y)
    mean, std = model.predict(X[:5], return_std=True)
    draws = _draws(model, (X, y), X[:5])
    assert_mc_agrees(draws, mean)
    assert_mc_agrees((draws - mean) ** 2, std**2)


@pytest.mark.slow
def test_transformed_target_draws_in_the_transformed_space(count_data):
    X, y = count_data
    y = y + 1.0
    ttr = TransformedTargetRegressor(
        make_pipeline(StandardScaler(), BayesianRidge()),
        func=np.log,
        inverse_func=np.exp,
    ).fit(X, y)
    mean, std = ttr.regressor_.predict(X[:5], return_std=True)
    draws = _draws(ttr, (X, y), X[:5])
    assert np.all(draws > 0)
    assert_mc_agrees(np.log(draws), mean)
    assert_mc_agrees((np.log(draws) - mean) ** 2, std**2)


@pytest.mark.slow
def test_a_pipeline_draws_from_its_last_step(count_data):
    X, y = count_data
    pipe = make_pipeline(StandardScaler(), PoissonRegressor()).fit(X, y)
    draws = _draws(pipe, (X, y), X[:5])
    mu = pipe.predict(X[:5])
    assert_mc_agrees(draws, mu)
    assert_mc_agrees((draws - mu) ** 2, mu)


POSITIVE_BASES = [
    PoissonRegressor(),
    GammaRegressor(),
    TweedieRegressor(power=1.5),
    make_pipeline(StandardScaler(), PoissonRegressor()),
    HistGradientBoostingRegressor(loss="poisson", max_iter=10),
    DecisionTreeRegressor(criterion="poisson", max_depth=3),
]


@pytest.mark.parametrize("base", POSITIVE_BASES, ids=lambda b: type(b).__name__)
def test_auto_noise_keeps_positive_targets_in_their_domain(count_data, base):
    X, y = count_data
    y = y + 0.5  # gamma targets must be > 0
    with warnings.catch_warnings():
        warnings.simplefilter("error", CollapseWarning)
        est = RecursiveRetrainer(base, n_generations=5, random_state=0).fit(X, y)
    assert est.termination_condition_ == "max_generations"
    assert est.n_generations_ == 5
    assert np.all(est.trajectory_["label_noise_scale"][1:] > 0)
    # The same base with Gaussian noise draws negative labels and stops.
    with pytest.warns(CollapseWarning):
        gaussian = RecursiveRetrainer(
            base, n_generations=5, label_noise="residual", random_state=0
        ).fit(X, y - 0.4)
    assert gaussian.termination_condition_ == "degenerate"


def test_auto_noise_stays_residual_for_gaussian_targets(regression_data):
    X, y = regression_data
    for base in (Ridge(), BayesianRidge(), TweedieRegressor(power=0)):
        auto = RecursiveRetrainer(base, n_generations=2, random_state=0).fit(X, y)
        residual = RecursiveRetrainer(
            base, n_generations=2, label_noise="residual", random_state=0
        ).fit(X, y)
        np.testing.assert_array_equal(auto.predict(X), residual.predict(X))


def test_predictive_noise_of_a_noise_free_gaussian_process_warns(regression_data):
    X, y = regression_data
    with pytest.warns(ZeroNoiseWarning, match="no spread"):
        RecursiveRetrainer(
            GaussianProcessRegressor(),
            n_generations=1,
            label_noise="predictive",
            random_state=0,
        ).fit(X, y)
    noisy = GaussianProcessRegressor(RBF() + WhiteKernel(), normalize_y=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ZeroNoiseWarning)
        est = RecursiveRetrainer(
            noisy, n_generations=1, label_noise="predictive", random_state=0
        ).fit(X, y)
    assert est.trajectory_["label_noise_scale"][1] > 1.0


@pytest.mark.parametrize(
    "base, match",
    [
        (Ridge(), "Ridge has no predictive distribution"),
        (TweedieRegressor(power=2.5), "power=2.5"),
        (TweedieRegressor(power=0.5), "power=0.5"),
        (GaussianProcessRegressor(alpha=np.full(80, 0.1)), "scalar alpha"),
        (TransformedTargetRegressor(Ridge()), "its regressor has none"),
        (make_pipeline(StandardScaler(), KNeighborsRegressor()), "KNeighbors"),
    ],
    ids=repr,
)
def test_predictive_noise_is_refused_where_there_is_no_distribution(
    regression_data, base, match
):
    X, y = regression_data
    est = RecursiveRetrainer(base, label_noise="predictive")
    with pytest.raises(ValueError, match=match) as error:
        est.fit(X, np.abs(y) + 1)
    assert "label_noise='predictive'" in str(error.value)
    assert not hasattr(est, "estimators_")  # refused before any work


# --------------------------------------------------------------------------
# 4. a meta-estimator whose predict_proba exists once fitted
# --------------------------------------------------------------------------
def test_stacking_classifier_with_its_default_final_estimator(classification_data):
    X, y = classification_data
    base = StackingClassifier([("tree", DecisionTreeClassifier(max_depth=2))])
    assert not hasattr(base, "predict_proba")  # only once fitted, in sklearn too
    est = RecursiveRetrainer(base, n_generations=2, random_state=0)
    assert not hasattr(est, "predict_proba")
    est.fit(X, y)
    assert est.predict_proba(X).shape == (90, 2)
    assert 0 < est.trajectory_["label_noise_scale"][1] < 0.5  # sampled labels


def test_sample_noise_without_predict_proba_is_refused(classification_data):
    X, y = classification_data
    # The class has no predict_proba at all: refused before any work.
    with pytest.raises(ValueError, match="predict_proba.*'argmax'"):
        RecursiveRetrainer(RidgeClassifier()).fit(X, y)
    # A pipeline makes it conditional: refused once generation 0 is fitted.
    est = RecursiveRetrainer(make_pipeline(StandardScaler(), RidgeClassifier()))
    with pytest.raises(ValueError, match="predict_proba.*'argmax'"):
        est.fit(X, y)


# --------------------------------------------------------------------------
# 5. sample weights through fit parameters; equal weights
# --------------------------------------------------------------------------
WEIGHT_FORWARDING_BASES = [
    TransformedTargetRegressor(),
    GridSearchCV(Ridge(), {"alpha": [0.1, 1.0]}, cv=2),
    make_pipeline(StandardScaler(), TransformedTargetRegressor(Ridge())),
    make_pipeline(StandardScaler(), make_pipeline(GridSearchCV(Ridge(), {}, cv=2))),
    StackingRegressor([("ridge", Ridge())]),
    VotingRegressor([("ridge", Ridge()), ("lr", LinearRegression())]),
    RFE(Ridge(), n_features_to_select=4),
]


@pytest.mark.parametrize("base", WEIGHT_FORWARDING_BASES, ids=repr)
def test_weights_reach_a_base_that_takes_them_through_fit_params(regression_data, base):
    X, y = regression_data
    sw = np.linspace(0.1, 3.0, len(y)) ** 2
    weighted = RecursiveRetrainer(base, n_generations=0).fit(X, y, sample_weight=sw)
    # What the user would pass to the base itself: sample_weight, through the
    # last step of (nested) pipelines.
    prefix, inner = "", base
    while hasattr(inner, "steps"):
        prefix, inner = f"{prefix}{inner.steps[-1][0]}__", inner.steps[-1][1]
    direct = clone(base).fit(X, y, **{f"{prefix}sample_weight": sw})
    unweighted = clone(base).fit(X, y)
    np.testing.assert_allclose(weighted.predict(X), direct.predict(X), rtol=1e-9)
    assert not np.allclose(weighted.predict(X), unweighted.predict(X))
    est = RecursiveRetrainer(base, n_generations=2, synthetic_weight=0.5).fit(
        X, y, sample_weight=sw
    )
    assert est.n_generations_ == 2


@pytest.mark.parametrize(
    "base",
    [
        OneVsRestClassifier(LogisticRegression()),  # weights only under routing
        TransformedTargetRegressor(make_pipeline(StandardScaler(), Ridge())),
        KNeighborsClassifier(),
    ],
    ids=repr,
)
def test_weights_a_base_cannot_take_are_refused(classification_data, base):
    X, y = classification_data
    if not isinstance(base, (OneVsRestClassifier, KNeighborsClassifier)):
        y = y.astype(float)
    weights = np.linspace(1.0, 2.0, len(y))
    with pytest.raises(ValueError, match="does not accept sample_weight"):
        RecursiveRetrainer(base).fit(X, y, sample_weight=weights)


@pytest.mark.parametrize(
    "weights",
    [
        lambda n: [2] * n,
        lambda n: pd.Series(np.full(n, 0.5)),
        lambda n: np.ones(n),
    ],
    ids=["list", "series", "ones"],
)
def test_equal_weights_are_the_same_as_no_weights(classification_data, weights):
    X, y = classification_data
    est = RecursiveRetrainer(KNeighborsClassifier(), n_generations=2, random_state=0)
    unweighted = est.fit(X, y).trajectory_
    weighted = est.fit(X, y, sample_weight=weights(len(y))).trajectory_
    for key, values in unweighted.items():
        np.testing.assert_array_equal(weighted[key], values)


def test_equal_weights_are_still_refused_with_another_synthetic_weight(
    classification_data,
):
    X, y = classification_data
    est = RecursiveRetrainer(KNeighborsClassifier(), synthetic_weight=2.0)
    with pytest.raises(ValueError, match="does not accept sample_weight"):
        est.fit(X, y, sample_weight=np.ones(len(y)))
    with pytest.raises(ValueError, match="non-zero"):
        RecursiveRetrainer(KNeighborsClassifier()).fit(
            X, y, sample_weight=np.zeros(len(y))
        )


# --------------------------------------------------------------------------
# 6. tags of the base describe the data the wrapper accepts
# --------------------------------------------------------------------------
@pytest.mark.parametrize(
    "base, read",
    [
        (IsotonicRegression(), lambda t: t.input_tags.one_d_array),
        (IsotonicRegression(), lambda t: not t.input_tags.two_d_array),
        (DummyRegressor(), lambda t: t.no_validation),
        (PoissonRegressor(), lambda t: t.target_tags.positive_only),
        (MultinomialNB(), lambda t: t.input_tags.positive_only),
        (HistGradientBoostingClassifier(), lambda t: t.input_tags.allow_nan),
        (make_pipeline(StandardScaler(), Ridge()), lambda t: t.input_tags.sparse),
    ],
    ids=lambda value: type(value).__name__ if hasattr(value, "fit") else "",
)
def test_tags_describing_the_accepted_data_are_the_bases(base, read):
    assert read(get_tags(base)) == read(get_tags(RecursiveRetrainer(base)))


def test_one_dimensional_inputs_reach_a_base_that_takes_them():
    rng = np.random.default_rng(0)
    x = np.sort(rng.uniform(size=60))
    y = x + rng.normal(0, 0.1, 60)
    # (clip: out of its training range an isotonic fit predicts NaN)
    base = IsotonicRegression(out_of_bounds="clip")
    for inputs in ("reuse", "bootstrap", GaussianMixture(n_components=2)):
        est = RecursiveRetrainer(
            base, n_generations=2, inputs=inputs, random_state=0
        ).fit(x, y)
        assert est.n_generations_ == 2
        assert est.predict(x).shape == (60,)
        assert len(list(est.staged_predict(x[:5]))) == 3
    with pytest.raises(ValueError, match="2D array"):
        RecursiveRetrainer(Ridge()).fit(x, y)


# --------------------------------------------------------------------------
# 7. DataFrames checked by the base; one output for classifiers
# --------------------------------------------------------------------------
class _Unnamed(RegressorMixin, BaseEstimator):
    """A regressor that records no feature names (nor checks them)."""

    def fit(self, X, y):
        self.model_ = LinearRegression().fit(np.asarray(X), y)
        return self

    def predict(self, X):
        return self.model_.predict(np.asarray(X))


def test_reordered_columns_are_the_bases_to_check(regression_data):
    X, y = regression_data
    frame = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    reordered = frame[["d", "c", "b", "a"]]
    # A base that records the names checks them itself, with sklearn's error.
    est = RecursiveRetrainer(Ridge(), n_generations=1, random_state=0).fit(frame, y)
    with pytest.raises(ValueError, match="same order as they were in fit"):
        est.predict(reordered)
    # A base that records none gets the wrapper's check, the same one.
    est = RecursiveRetrainer(_Unnamed(), n_generations=1, random_state=0)
    with pytest.raises(ValueError, match="same order as they were in fit"):
        est.fit(frame, y).predict(reordered)


def test_multi_output_classification_is_refused_clearly(classification_data):
    X, y = classification_data
    Y = np.column_stack([y, 1 - y])
    with pytest.raises(ValueError, match="single-output.*MultiOutputClassifier"):
        RecursiveRetrainer(DecisionTreeClassifier()).fit(X, Y)
    assert not get_tags(
        RecursiveRetrainer(KNeighborsClassifier())
    ).target_tags.multi_output
    # The documented way: one loop per output.
    per_output = MultiOutputClassifier(
        RecursiveRetrainer(LogisticRegression(), n_generations=2, random_state=0)
    ).fit(X, Y)
    assert per_output.predict(X).shape == (90, 2)


# --------------------------------------------------------------------------
# 8. other kinds of estimators are refused, naming what they are
# --------------------------------------------------------------------------
@pytest.mark.parametrize(
    "base, match",
    [
        (KernelDensity(), "density estimator: use RecursiveDensityRetrainer"),
        (GaussianMixture(), "density estimator: use RecursiveDensityRetrainer"),
        (KMeans(n_clusters=2, n_init=1), "needs a regressor or classifier.*clusterer"),
        (IsolationForest(), "needs a regressor or classifier.*outlier detector"),
        (PCA(), "needs a regressor or classifier.*no predict"),
    ],
    ids=lambda value: type(value).__name__ if hasattr(value, "fit") else "",
)
def test_estimators_that_are_not_regressors_or_classifiers_are_refused(
    regression_data, base, match
):
    X, y = regression_data
    est = RecursiveRetrainer(base)
    with pytest.raises(ValueError, match=match):
        est.fit(X, y)
    assert not hasattr(est, "estimators_")


# --------------------------------------------------------------------------
# 9. a base that writes into its inputs touches no kept data
# --------------------------------------------------------------------------
@pytest.mark.parametrize(
    "writing, copying",
    [
        (Ridge(copy_X=False), Ridge()),
        (
            make_pipeline(StandardScaler(copy=False), Ridge()),
            make_pipeline(StandardScaler(), Ridge()),
        ),
    ],
    ids=["Ridge(copy_X=False)", "StandardScaler(copy=False)"],
)
@pytest.mark.parametrize(
    "kwargs",
    [{}, {"data": "accumulate", "verifier": Ridge(copy_X=False), "keep_fraction": 0.9}],
    ids=["replace", "accumulate-verified"],
)
def test_a_base_that_writes_into_its_inputs_changes_no_kept_data(
    regression_data, writing, copying, kwargs
):
    X, y = regression_data
    X = X + 5.0  # off-centre, so that centring in place would show
    X_caller, y_caller = X.copy(), y.copy()
    est = RecursiveRetrainer(writing, n_generations=3, random_state=0, **kwargs)
    est.fit(X, y)
    np.testing.assert_array_equal(X, X_caller)
    np.testing.assert_array_equal(y, y_caller)
    reference = RecursiveRetrainer(copying, n_generations=3, random_state=0, **kwargs)
    reference.fit(X, y)
    for key, values in reference.trajectory_.items():
        np.testing.assert_allclose(est.trajectory_[key], values, rtol=1e-10)
    np.testing.assert_allclose(est.predict(X), reference.predict(X), rtol=1e-10)
    list(est.staged_predict(X))
    est.score(X, y)
    np.testing.assert_array_equal(X, X_caller)


def test_may_overwrite_reads_the_copy_parameters():
    assert _may_overwrite(Ridge(copy_X=False))
    assert _may_overwrite(make_pipeline(StandardScaler(copy=False), Ridge()))
    assert _may_overwrite(KMeans(copy_x=False))
    assert not _may_overwrite(Ridge())
    assert not _may_overwrite(make_pipeline(StandardScaler(), Ridge()))
    assert not _may_overwrite(KNeighborsRegressor())


# --------------------------------------------------------------------------
# 10. tempered class sampling near 0 and far above 1
# --------------------------------------------------------------------------
def test_temperature_near_zero_draws_the_most_probable_class():
    rng = np.random.default_rng(0)
    proba = np.array([[0.2, 0.5, 0.3], [0.6, 0.1, 0.3], [0.0, 0.3, 0.7]])
    for temperature in (1e-310, 5e-324, 1e-3):
        labels = _sample_rows(np.repeat(proba, 500, axis=0), temperature, rng)
        np.testing.assert_array_equal(labels, np.repeat([1, 0, 2], 500))


@pytest.mark.slow
def test_temperature_near_zero_splits_ties_uniformly():
    rng = np.random.default_rng(0)
    proba = np.tile([0.4, 0.4, 0.2], (20_000, 1))
    labels = _sample_rows(proba, 1e-300, rng)
    assert not np.any(labels == 2)
    assert_mc_agrees(labels == 0, 0.5)


@pytest.mark.slow
def test_temperature_far_above_one_is_uniform_on_the_support():
    rng = np.random.default_rng(0)
    proba = np.tile([0.9, 0.1, 0.0], (20_000, 1))
    labels = _sample_rows(proba, 1e300, rng)
    assert not np.any(labels == 2)
    assert_mc_agrees(labels == 0, 0.5)


def test_a_classifier_at_temperature_near_zero_emits_its_predictions(
    classification_data,
):
    X, y = classification_data
    est = RecursiveRetrainer(
        LogisticRegression(), n_generations=2, temperature=1e-310, random_state=0
    ).fit(X, y)
    np.testing.assert_array_equal(est.trajectory_["label_noise_scale"][1:], 0.0)
    argmax = RecursiveRetrainer(
        LogisticRegression(), n_generations=2, label_noise="argmax", random_state=0
    ).fit(X, y)
    np.testing.assert_array_equal(est.predict(X), argmax.predict(X))


# --------------------------------------------------------------------------
# 11. the command line reports bad values as usage errors
# --------------------------------------------------------------------------
@pytest.mark.parametrize(
    "argv, option",
    [
        (["--seed", "-1"], "--seed"),
        (["--seed", str(2**32)], "--seed"),
        (["--seed", "one"], "--seed"),
        (["--generations", "-2"], "--generations"),
        (["--alpha", "-1"], "--alpha"),
        (["--alpha", "nan"], "--alpha"),
    ],
)
def test_bad_command_line_values_exit_with_status_2(capsys, argv, option):
    with pytest.raises(SystemExit) as exit_:
        main(["demo", *argv])
    assert exit_.value.code == 2
    error = capsys.readouterr().err
    assert f"argument {option}" in error and argv[1] in error
    assert "Traceback" not in error


def test_the_demo_runs_on_good_values(capsys):
    assert main(["demo", "--generations", "1", "--seed", str(2**32 - 1)]) == 0
    assert "generation" in capsys.readouterr().out


# --------------------------------------------------------------------------
# scikit-learn's checks on the bases of this issue
# --------------------------------------------------------------------------
NOISE_PER_ROW = (
    "synthetic labels are drawn per row: a weight of 2 and a duplicated row get "
    "different noise, so weighting is not equivalent to repetition"
)
UNEQUAL_WEIGHTS = (
    "the base's fit takes no sample_weight: weights that are not all equal are "
    "refused with a clear error instead of being dropped"
)

CHECKED = [
    RecursiveRetrainer(IsotonicRegression(), n_generations=2),
    RecursiveRetrainer(DummyRegressor(), n_generations=2),
    RecursiveRetrainer(PoissonRegressor(), n_generations=2),
    RecursiveRetrainer(KNeighborsClassifier(), n_generations=2),
    RecursiveRetrainer(
        StackingClassifier([("tree", DecisionTreeClassifier(max_depth=2))], cv=2),
        n_generations=1,
    ),
    RecursiveRetrainer(TransformedTargetRegressor(), n_generations=2),
    RecursiveRetrainer(
        DecisionTreeRegressor(max_depth=3), n_generations=2, label_noise="oof"
    ),
]


def _expected_failed_checks(estimator):
    if isinstance(estimator.estimator, StackingClassifier):
        return {}  # its depth-2 tree has pure leaves there: labels are certain
    if isinstance(estimator.estimator, KNeighborsClassifier):
        # The ValueError for sample_weight comes first, with any label noise:
        # test_estimator_checks.py's test_no_base_weights_* are the controls
        # (label_noise="argmax" still fails so; a k-NN taking weights passes).
        return dict.fromkeys(
            [
                "check_sample_weights_not_overwritten",
                "check_classifiers_one_label_sample_weights",
                "check_sample_weight_equivalence_on_dense_data",
                "check_sample_weight_equivalence_on_sparse_data",
            ],
            UNEQUAL_WEIGHTS,
        )
    # controls: test_estimator_checks.py's test_equivalence_failures_pass_...
    return dict.fromkeys(
        [
            "check_sample_weight_equivalence_on_dense_data",
            "check_sample_weight_equivalence_on_sparse_data",
        ],
        NOISE_PER_ROW,
    )


@parametrize_sklearn_checks(CHECKED, _expected_failed_checks)
def test_sklearn_compatible(estimator, check):
    check(estimator)


# --------------------------------------------------------------------------
# 12. every regressor and classifier of scikit-learn, 3 generations (slow)
# --------------------------------------------------------------------------
#: Bases that construct with defaults but need inputs the sweep does not make.
SWEEP_SKIPPED = {
    "IsotonicRegression": (
        "takes one feature (1-D inputs); test_one_dimensional_inputs_reach_a_"
        "base_that_takes_them covers it"
    ),
    "SelfTrainingClassifier": (
        "semi-supervised: its default estimator is None, and the label -1 "
        "means unlabelled"
    ),
}


def _sweep_bases():
    """Every base with defaults; besides the default loop, regressors with
    ``label_noise="oof"`` and bases with ``warm_start`` with ``fine_tune``."""
    from sklearn.utils import all_estimators

    for name, cls in all_estimators(type_filter=["regressor", "classifier"]):
        try:
            base = cls()
        except TypeError as error:  # required arguments (meta-estimators)
            yield pytest.param(
                None, {}, id=name, marks=pytest.mark.skip(reason=f"needs {error}")
            )
            continue
        if name in SWEEP_SKIPPED:
            marks = pytest.mark.skip(reason=SWEEP_SKIPPED[name])
            yield pytest.param(None, {}, id=name, marks=marks)
            continue
        yield pytest.param(base, {}, id=name)
        if get_tags(base).estimator_type == "regressor":
            yield pytest.param(base, {"label_noise": "oof"}, id=f"{name}-oof")
        if "warm_start" in base.get_params():
            yield pytest.param(base, {"fine_tune": True}, id=f"{name}-fine_tune")


#: Bases whose default ``n_components=2`` needs two target columns.
SWEEP_TWO_TARGETS = ("CCA", "PLSCanonical")


def _sweep_data(base):
    """Small data the base accepts: non-negative inputs (the naive Bayes
    classifiers), positive targets where the tags ask for them, several
    outputs where one is refused or not enough."""
    rng = np.random.default_rng(0)
    X = rng.uniform(size=(40, 3))
    tags = get_tags(base)
    if tags.estimator_type == "classifier":
        y = (X[:, 0] + 0.3 * rng.normal(size=40) > 0.5).astype(int)
        return X, y
    y = X @ [1.0, -2.0, 0.5] + 0.2 * rng.normal(size=40)
    if tags.target_tags.positive_only:
        y = np.exp(y)
    if not tags.target_tags.single_output or type(base).__name__ in SWEEP_TWO_TARGETS:
        y = np.column_stack([y, y**2 + 0.2 * rng.normal(size=40)])
    return X, y


@pytest.mark.slow
@pytest.mark.parametrize("base, params", _sweep_bases())
def test_every_scikit_learn_base_runs_or_ends_degenerate(base, params):
    X, y = _sweep_data(base)
    # Classifiers without predict_proba take their predictions as labels (with
    # the default "sample" they are refused with a clear error).
    noise = "argmax" if is_classifier_without_proba(base) else "auto"
    params = {"label_noise": noise, **params}
    est = RecursiveRetrainer(base, n_generations=3, random_state=0, **params)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        est.fit(X, y)
    collapse = [w for w in caught if issubclass(w.category, CollapseWarning)]
    if est.termination_condition_ == "max_generations":
        assert est.n_generations_ == 3
        assert len(est.trajectory_["generation"]) == 4
        assert not collapse
    else:
        assert est.termination_condition_ == "degenerate"
        assert collapse and est.n_generations_ < 3
    assert est.predict(X).shape[0] == 40


def is_classifier_without_proba(base):
    return get_tags(base).estimator_type == "classifier" and not hasattr(
        base, "predict_proba"
    )


def test_residuals_that_collapse_later_raise_no_zero_noise_warning():
    """Generation 0 fits the real labels with noise; the residual chain of a
    fixed-design OLS loop then shrinks geometrically towards 0: that is the
    collapse the loop simulates, not a base that interpolates."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(12, 10))  # residual variance x (n - d) / n = 1/6 a step
    y = X @ rng.normal(size=10) + rng.normal(size=12)
    est = RecursiveRetrainer(LinearRegression(), n_generations=12, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ZeroNoiseWarning)
        est.fit(X, y)
    scale = est.trajectory_["label_noise_scale"]
    assert scale[-1] < 1e-6 * np.std(y)  # it did reach the no-noise level


def test_a_stacking_classifier_is_a_verifier():
    """Its predict_proba exists once fitted (default final estimator), as for
    the base: the verifier is checked on its fitted self."""
    from sklearn.ensemble import StackingClassifier

    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    y = (X[:, 0] + 0.3 * rng.normal(size=60) > 0).astype(int)
    stack = StackingClassifier(
        [("tree", DecisionTreeClassifier(max_depth=2)), ("lr", LogisticRegression())]
    )
    est = RecursiveRetrainer(
        LogisticRegression(), n_generations=2, verifier=stack, keep_fraction=0.5
    ).fit(X, y)
    np.testing.assert_array_equal(est.trajectory_["n_rejected"], [0, 30, 30])
