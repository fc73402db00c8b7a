"""RecursiveRetrainer as a scikit-learn citizen: composition, search, routing."""

import pickle

import numpy as np
import pytest
import sklearn
from conftest import regression_data_of
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import GridSearchCV, KFold, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.tests.metadata_routing_common import (
    ConsumingRegressor,
    _Registry,
    check_recorded_metadata,
)
from sklearn.utils._metadata_requests import UnsetMetadataPassedError

from skcollapse import RecursiveRetrainer

pd = pytest.importorskip("pandas")


@pytest.fixture
def data():
    return regression_data_of(120, 5, 10.0)


def test_inside_a_pipeline(data):
    X, y = data
    pipe = make_pipeline(
        StandardScaler(), RecursiveRetrainer(Ridge(), n_generations=3, random_state=0)
    )
    pipe.fit(X, y)
    assert pipe.predict(X).shape == (120,)
    assert pipe[-1].trajectory_["generation"][-1] == 3
    assert np.isfinite(pipe.score(X, y))


def test_grid_search_over_regime_fraction_and_base_alpha(data):
    X, y = data
    search = GridSearchCV(
        RecursiveRetrainer(Ridge(), n_generations=8, random_state=0),
        {
            "real_fraction": [0.0, 1.0],
            "data": ["replace", "accumulate"],
            "estimator__alpha": [0.1, 10.0],
        },
        cv=KFold(3, shuffle=True, random_state=0),
    ).fit(X, y)
    results = pd.DataFrame(search.cv_results_)
    assert len(results) == 8
    assert (
        search.best_estimator_.estimator.alpha
        == search.best_params_["estimator__alpha"]
    )
    # For every regime and penalty, dropping the real data scores worse on
    # held-out real data than keeping it.
    scores = results.pivot_table(
        index=["param_data", "param_estimator__alpha"],
        columns="param_real_fraction",
        values="mean_test_score",
    )
    assert np.all(scores[1.0] > scores[0.0])
    assert search.best_params_["real_fraction"] == 1.0


def test_cross_validate(data):
    X, y = data
    result = cross_validate(
        RecursiveRetrainer(Ridge(), n_generations=2, random_state=0),
        X,
        y,
        cv=3,
        return_estimator=True,
    )
    assert np.all(np.isfinite(result["test_score"]))
    assert all(len(e.estimators_) == 3 for e in result["estimator"])


def test_clone_and_pickle(data):
    X, y = data
    est = RecursiveRetrainer(Ridge(alpha=3.0), n_generations=2, real_fraction=0.5)
    copy = clone(est)
    assert copy.get_params()["estimator__alpha"] == 3.0
    assert not hasattr(copy, "trajectory_")
    est.set_params(random_state=0).fit(X, y)
    restored = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(restored.predict(X), est.predict(X))
    for key, values in est.trajectory_.items():
        np.testing.assert_array_equal(restored.trajectory_[key], values)


def _frame():
    rng = np.random.default_rng(0)
    n = 80
    frame = pd.DataFrame(
        {
            "age": rng.normal(50, 10, n),
            "dose": rng.normal(1, 0.2, n),
            "site": rng.choice(["a", "b", "c"], n),
            "note": ["free text"] * n,  # dropped by the ColumnTransformer
        }
    )
    y = (
        0.1 * frame["age"]
        + 3 * frame["dose"]
        + (frame["site"] == "b")
        + rng.normal(0, 0.5, n)
    )
    return frame, y.to_numpy()


def _by_name_pipeline():
    return make_pipeline(
        ColumnTransformer(
            [
                ("num", StandardScaler(), ["age", "dose"]),
                ("cat", OneHotEncoder(), ["site"]),
            ]
        ),
        Ridge(),
    )


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"data": "accumulate", "validation_fraction": 0.2},
        {"inputs": "bootstrap", "real_fraction": 0.5},
        {"synthetic_weight": 0.5, "data": "accumulate-subsample"},
    ],
)
def test_dataframe_reaches_a_column_transformer_selecting_by_name(kwargs):
    X, y = _frame()
    est = RecursiveRetrainer(
        _by_name_pipeline(), n_generations=3, random_state=0, **kwargs
    ).fit(X, y)
    np.testing.assert_array_equal(est.feature_names_in_, X.columns)
    assert est.n_features_in_ == 4
    assert est.predict(X).shape == (80,)
    # The ColumnTransformer selects by name, so it takes the columns in any
    # order, as it would alone; a missing column it needs is still an error.
    np.testing.assert_array_equal(
        est.predict(X[["dose", "age", "site", "note"]]), est.predict(X)
    )
    with pytest.raises(ValueError, match="dose"):
        est.predict(X[["age", "site", "note"]])


def test_dataframe_with_sampled_inputs():
    X, y = _frame()
    columns = X.columns

    def draw(n_samples, random_state):
        rows = X.sample(n_samples, replace=True, random_state=random_state)
        return rows.to_numpy()  # an array: the loop restores the column names

    est = RecursiveRetrainer(
        _by_name_pipeline(), n_generations=2, inputs=draw, random_state=0
    ).fit(X, y)
    assert est.predict(X).shape == (80,)
    assert list(columns) == list(est.feature_names_in_)


@pytest.fixture
def routing():
    with sklearn.config_context(enable_metadata_routing=True):
        yield


def test_sample_weight_reaches_the_base_through_routing(data, routing):
    X, y = data
    sw = np.random.default_rng(0).uniform(0.5, 2.0, len(y))
    registry = _Registry()
    base = ConsumingRegressor(registry=registry).set_fit_request(sample_weight=True)
    est = RecursiveRetrainer(base, n_generations=2, real_fraction=1.0, random_state=0)
    est.fit(X, y, sample_weight=sw)
    assert len(registry) == 3  # one clone per generation, the base untouched
    check_recorded_metadata(registry[0], method="fit", parent="fit", sample_weight=sw)
    # Later generations see the real weights on the real rows, first.
    for later in registry[1:]:
        record = later._records["fit"]["fit"][0]["sample_weight"]
        np.testing.assert_array_equal(record[: len(sw)], sw)
        np.testing.assert_allclose(record[len(sw) :], sw)  # inherited by row


def test_routing_refuses_unrequested_and_unalignable_metadata(data, routing):
    X, y = data
    est = RecursiveRetrainer(ConsumingRegressor(), n_generations=1)
    with pytest.raises(UnsetMetadataPassedError, match="sample_weight"):
        est.fit(X, y, sample_weight=np.ones(len(y)))
    base = ConsumingRegressor().set_fit_request(metadata=True)
    with pytest.raises(ValueError, match="only sample_weight"):
        RecursiveRetrainer(base, n_generations=1).fit(X, y, metadata="x")


def test_cross_validate_routes_weights_to_fit_and_score(data, routing):
    X, y = data
    sw = np.random.default_rng(0).uniform(0.5, 2.0, len(y))
    registry = _Registry()
    base = (
        ConsumingRegressor(registry=registry)
        .set_fit_request(sample_weight=True)
        .set_score_request(sample_weight=True)
    )
    cross_validate(
        RecursiveRetrainer(base, n_generations=1, random_state=0),
        X,
        y,
        cv=2,
        params={"sample_weight": sw},
    )
    assert len(registry) == 4  # two folds, generations 0 and 1
    for generation_zero in registry[::2]:
        check_recorded_metadata(
            generation_zero,
            method="fit",
            parent="cross_validate",
            split_params=("sample_weight",),
            sample_weight=sw,
        )
    for last in registry[1::2]:  # the last generation scores each fold
        check_recorded_metadata(
            last,
            method="score",
            parent="cross_validate",
            split_params=("sample_weight",),
            sample_weight=sw,
        )


def test_weights_without_routing_reach_the_base(data):
    X, y = data
    sw = np.ones(len(y))
    sw[:60] = 0.0
    weighted = RecursiveRetrainer(Ridge(), n_generations=0).fit(X, y, sample_weight=sw)
    direct = Ridge().fit(X[60:], y[60:])
    np.testing.assert_allclose(weighted.estimator_.coef_, direct.coef_, rtol=1e-6)
    assert weighted.score(X, y, sample_weight=sw) == pytest.approx(
        direct.score(X, y, sample_weight=sw)
    )


def test_classifier_in_grid_search_scores_accuracy():
    X, y = make_classification(n_samples=150, random_state=0)
    search = GridSearchCV(
        RecursiveRetrainer(LogisticRegression(), n_generations=3, random_state=0),
        {"temperature": [0.5, 1.0]},
        cv=3,
    ).fit(X, y)
    # the score is the accuracy of each fold's last model, averaged over the
    # folds (StratifiedKFold(3) for a classifier), recomputed by hand
    from sklearn.metrics import accuracy_score
    from sklearn.model_selection import StratifiedKFold

    means = []
    for temperature in (0.5, 1.0):
        scores = []
        for train, test in StratifiedKFold(3).split(X, y):
            est = RecursiveRetrainer(
                LogisticRegression(),
                n_generations=3,
                random_state=0,
                temperature=temperature,
            ).fit(X[train], y[train])
            scores.append(accuracy_score(y[test], est.predict(X[test])))
        means.append(np.mean(scores))
    np.testing.assert_allclose(search.cv_results_["mean_test_score"], means)
    assert search.best_score_ == pytest.approx(max(means))
    assert search.best_params_ == {"temperature": (0.5, 1.0)[int(np.argmax(means))]}
    assert search.predict_proba(X).shape == (150, 2)
