"""Tests of collapse_curve: Monte Carlo collapse trajectories in parallel."""

import joblib
import numpy as np
import pytest
from conftest import reused_inputs_ols
from joblib._parallel_backends import ThreadingBackend
from sklearn.base import BaseEstimator
from sklearn.datasets import make_classification, make_regression
from sklearn.linear_model import Lasso, LinearRegression, LogisticRegression, Ridge

from skcollapse import CollapseWarning, RecursiveRetrainer
from skcollapse.model_selection import collapse_curve
from skcollapse.theory import linear_regression_error
from skcollapse.utils._testing import assert_mc_agrees

N_GENERATIONS = 4


@pytest.fixture(scope="module")
def regression_data():
    return make_regression(n_samples=60, n_features=4, noise=5.0, random_state=0)


@pytest.fixture
def retrainer():
    return RecursiveRetrainer(Ridge(), n_generations=N_GENERATIONS)


def assert_same_curves(a, b):
    """Every entry but the timings is identical, NaN included."""
    assert set(a) == set(b)
    for key in a:
        if key in ("fit_time", "estimators"):
            continue
        if a[key].dtype.kind == "f":
            np.testing.assert_array_equal(a[key], b[key], err_msg=key)
        else:
            assert np.array_equal(a[key], b[key]), key


class TrajectoryStub(BaseEstimator):
    """A density-like meta-estimator: ``fit(X)`` only, optional early stop."""

    def __init__(self, n_generations=3, stop_at=None, random_state=None):
        self.n_generations = n_generations
        self.stop_at = stop_at
        self.random_state = random_state

    def fit(self, X):
        rng = np.random.default_rng(self.random_state)
        n = self.n_generations if self.stop_at is None else self.stop_at
        self.trajectory_ = {
            "generation": np.arange(n + 1),
            "n_train": np.full(n + 1, len(X)),
            "value": rng.standard_normal(n + 1),
        }
        self.n_generations_ = n
        self.termination_condition_ = (
            "max_generations" if self.stop_at is None else "degenerate"
        )
        return self


class NoTrajectory(BaseEstimator):
    def __init__(self, random_state=None):
        self.random_state = random_state

    def fit(self, X, y=None):
        return self


# ----------------------------------------------------------------------
# Result layout
# ----------------------------------------------------------------------
def test_result_layout(regression_data, retrainer):
    X, y = regression_data
    result = collapse_curve(retrainer, X, y, n_repeats=3, random_state=0)

    single = retrainer.fit(X, y).trajectory_
    for key in single:
        if key != "generation":
            assert result[key].shape == (3, N_GENERATIONS + 1), key
            assert result[key].dtype == float, key
    np.testing.assert_array_equal(result["generation"], np.arange(N_GENERATIONS + 1))
    assert result["seeds"].shape == (3,)
    np.testing.assert_array_equal(result["n_generations"], [N_GENERATIONS] * 3)
    assert list(result["termination_condition"]) == ["max_generations"] * 3
    assert result["collapse_generation"].shape == (3,)
    assert result["fit_time"].shape == (3,) and np.all(result["fit_time"] > 0)
    assert "estimators" not in result
    # a Bunch: attribute access too
    assert result.score_real is result["score_real"]


def test_rows_are_refits_with_the_recorded_seeds(regression_data, retrainer):
    X, y = regression_data
    result = collapse_curve(
        retrainer, X, y, n_repeats=3, random_state=1, engine="refit"
    )
    for i, seed in enumerate(result["seeds"]):
        refit = retrainer.set_params(random_state=int(seed)).fit(X, y)
        np.testing.assert_array_equal(result["drift"][i], refit.trajectory_["drift"])


def test_seeds_are_drawn_up_front(regression_data, retrainer):
    X, y = regression_data
    expected = np.random.RandomState(3).randint(np.iinfo(np.int32).max, size=5)
    five = collapse_curve(retrainer, X, y, n_repeats=5, random_state=3)
    np.testing.assert_array_equal(five["seeds"], expected)
    # more repeats extend a run, they do not change its first repeats
    three = collapse_curve(retrainer, X, y, n_repeats=3, random_state=3)
    np.testing.assert_array_equal(three["score_real"], five["score_real"][:3])


def test_different_random_state_different_curves(regression_data, retrainer):
    X, y = regression_data
    a = collapse_curve(retrainer, X, y, n_repeats=3, random_state=0)
    b = collapse_curve(retrainer, X, y, n_repeats=3, random_state=1)
    c = collapse_curve(
        retrainer, X, y, n_repeats=3, random_state=np.random.RandomState(0)
    )
    assert not np.array_equal(a["seeds"], b["seeds"])
    assert not np.allclose(a["score_real"][:, 1:], b["score_real"][:, 1:])
    assert_same_curves(a, c)
    # repeats differ from each other
    assert len({row.tobytes() for row in a["drift"]}) == 3


# ----------------------------------------------------------------------
# Backends
# ----------------------------------------------------------------------
def test_same_curves_whatever_n_jobs_and_backend(regression_data, retrainer):
    distributed = pytest.importorskip("distributed")
    X, y = regression_data
    kw = dict(n_repeats=6, random_state=0)
    sequential = collapse_curve(retrainer, X, y, n_jobs=1, **kw)
    loky = collapse_curve(retrainer, X, y, n_jobs=2, **kw)
    assert_same_curves(sequential, loky)
    with joblib.parallel_config(backend="threading"):
        threads = collapse_curve(retrainer, X, y, n_jobs=2, **kw)
    assert_same_curves(sequential, threads)
    with (
        distributed.LocalCluster(
            n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster),
        joblib.parallel_config(backend="dask"),
    ):
        dask = collapse_curve(retrainer, X, y, **kw)
    assert_same_curves(sequential, dask)


class NoStreamingBackend(ThreadingBackend):
    """Like joblib's multiprocessing backend, it cannot return a generator."""

    supports_return_generator = False


def test_backend_without_streaming_falls_back(regression_data, retrainer, capsys):
    X, y = regression_data
    joblib.register_parallel_backend("no-streaming", NoStreamingBackend)
    sequential = collapse_curve(retrainer, X, y, n_repeats=3, random_state=0)
    with joblib.parallel_config(backend="no-streaming"):
        listed = collapse_curve(
            retrainer, X, y, n_repeats=3, n_jobs=2, random_state=0, verbose=1
        )
    assert_same_curves(sequential, listed)
    assert "3/3 repeats done" in capsys.readouterr().out


# ----------------------------------------------------------------------
# Estimators kept or not
# ----------------------------------------------------------------------
def test_return_estimators(regression_data, retrainer):
    X, y = regression_data
    light = collapse_curve(retrainer, X, y, n_repeats=2, random_state=0, engine="refit")
    full = collapse_curve(
        retrainer, X, y, n_repeats=2, random_state=0, return_estimators=True
    )
    assert "estimators" not in light
    assert len(full["estimators"]) == 2
    for i, estimator in enumerate(full["estimators"]):
        assert isinstance(estimator, RecursiveRetrainer)
        assert estimator is not retrainer
        assert estimator.random_state == full["seeds"][i]
        # the user's store_estimators is respected when estimators are returned
        assert all(e is not None for e in estimator.estimators_)
        np.testing.assert_array_equal(
            estimator.trajectory_["score_real"], full["score_real"][i]
        )
    # the workers fit without storing every generation: same trajectories
    assert_same_curves(light, {k: v for k, v in full.items() if k != "estimators"})
    assert not hasattr(retrainer, "trajectory_")  # never fitted in place


def test_measure_adds_trajectory_keys(regression_data, retrainer):
    X, y = regression_data

    def coef_norm(estimator):
        return {"coef_norm": [np.linalg.norm(e.coef_) for e in estimator.estimators_]}

    result = collapse_curve(
        retrainer, X, y, n_repeats=2, random_state=0, measure=coef_norm
    )
    assert result["coef_norm"].shape == (2, N_GENERATIONS + 1)
    full = collapse_curve(
        retrainer, X, y, n_repeats=2, random_state=0, return_estimators=True
    )
    for i, estimator in enumerate(full["estimators"]):
        np.testing.assert_allclose(
            result["coef_norm"][i], coef_norm(estimator)["coef_norm"]
        )


@pytest.mark.parametrize(
    "measure, error, match",
    [
        (lambda est: [1.0], TypeError, "must return a dict"),
        (lambda est: {"x": np.zeros(2)}, ValueError, r"expected \(5,\)"),
        (lambda est: {"drift": np.zeros(5)}, ValueError, "already uses"),
        (lambda est: {"seeds": np.zeros(5)}, ValueError, "already uses"),
    ],
)
def test_measure_errors(regression_data, retrainer, measure, error, match):
    X, y = regression_data
    with pytest.raises(error, match=match):
        collapse_curve(retrainer, X, y, n_repeats=1, measure=measure)


def test_params_are_passed_to_fit(regression_data, retrainer):
    X, y = regression_data
    weights = np.linspace(0.1, 2.0, len(y))
    weighted = collapse_curve(
        retrainer, X, y, n_repeats=1, random_state=0, params={"sample_weight": weights}
    )
    plain = collapse_curve(retrainer, X, y, n_repeats=1, random_state=0)
    assert weighted["score_real"][0, 0] != plain["score_real"][0, 0]


# ----------------------------------------------------------------------
# Early termination and density-style estimators
# ----------------------------------------------------------------------
@pytest.mark.filterwarnings("ignore:RecursiveRetrainer. collapse made:UserWarning")
def test_early_terminated_repeats_are_padded_with_nan():
    # Three synthetic labels per generation: a class soon vanishes, then all
    # but one, and LogisticRegression cannot be fitted ("degenerate").
    X, y = make_classification(
        n_samples=60, n_classes=3, n_informative=3, random_state=0
    )
    retrainer = RecursiveRetrainer(
        LogisticRegression(), synthetic_size=3, n_generations=8
    )
    with pytest.warns(CollapseWarning, match=r"repeats stopped before generation 8"):
        result = collapse_curve(retrainer, X, y, n_repeats=6, random_state=0)

    completed = result["n_generations"]
    assert completed.min() < 8 and completed.max() <= 8
    stopped = completed < 8
    np.testing.assert_array_equal(
        result["termination_condition"] == "degenerate", stopped
    )
    for i, n in enumerate(completed):
        for key in ("score_real", "n_train", "prediction_std"):
            row = result[key][i]
            assert row.shape == (9,)
            assert np.all(np.isfinite(row[: n + 1])), key
            assert np.all(np.isnan(row[n + 1 :])), key


def test_density_style_estimator_fit_without_y():
    X = np.zeros((7, 2))
    result = collapse_curve(TrajectoryStub(), X, n_repeats=3, random_state=0)
    assert result["value"].shape == (3, 4)
    np.testing.assert_array_equal(result["n_train"], np.full((3, 4), 7.0))


def test_stub_stopping_early_and_missing_attributes():
    X = np.zeros((5, 1))
    with pytest.warns(CollapseWarning, match="3 of 3 repeats"):
        result = collapse_curve(
            TrajectoryStub(n_generations=4, stop_at=2), X, n_repeats=3
        )
    assert result["value"].shape == (3, 5)
    assert np.all(np.isnan(result["value"][:, 3:]))
    assert np.all(np.isnan(result["collapse_generation"]))  # no such attribute


def test_recursive_density_retrainer():
    density = pytest.importorskip("skcollapse.density")
    generative = pytest.importorskip("skcollapse.generative")
    X = np.random.default_rng(0).standard_normal((40, 2))
    retrainer = density.RecursiveDensityRetrainer(
        generative.GaussianDensity(), n_generations=3
    )
    result = collapse_curve(retrainer, X, n_repeats=3, random_state=0, engine="refit")
    single = retrainer.set_params(random_state=int(result["seeds"][1])).fit(X)
    for key, values in single.trajectory_.items():
        if key != "generation":
            np.testing.assert_array_equal(result[key][1], values, err_msg=key)


# ----------------------------------------------------------------------
# Validation and progress
# ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "params, error, match",
    [
        ({"n_repeats": 0}, ValueError, "'n_repeats' parameter"),
        ({"n_repeats": 2.5}, ValueError, "'n_repeats' parameter"),
        ({"n_jobs": "two"}, ValueError, "'n_jobs' parameter"),
        ({"return_estimators": "yes"}, ValueError, "'return_estimators'"),
        ({"measure": 3}, ValueError, "'measure' parameter"),
    ],
)
def test_invalid_parameters(regression_data, retrainer, params, error, match):
    X, y = regression_data
    with pytest.raises(error, match=match):
        collapse_curve(retrainer, X, y, **params)


def test_estimator_without_random_state(regression_data):
    X, y = regression_data
    with pytest.raises(ValueError, match="has no random_state parameter|has none"):
        collapse_curve(LinearRegression(), X, y, n_repeats=2)


def test_estimator_without_trajectory(regression_data):
    X, y = regression_data
    with pytest.raises(TypeError, match="set no trajectory_"):
        collapse_curve(Lasso(), X, y, n_repeats=2)
    with pytest.raises(TypeError, match="set no trajectory_"):
        collapse_curve(NoTrajectory(), X, n_repeats=2)


def test_estimator_errors_propagate(regression_data):
    X, y = regression_data
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        collapse_curve(RecursiveRetrainer(Ridge()), X, y[:-1], n_repeats=2)


def test_verbose_progress(regression_data, retrainer, capsys):
    X, y = regression_data
    collapse_curve(retrainer, X, y, n_repeats=3, random_state=0)
    assert capsys.readouterr().out == ""

    collapse_curve(retrainer, X, y, n_repeats=3, random_state=0, verbose=2)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3
    assert lines[-1].startswith("[collapse_curve] 3/3 repeats done (100%)")
    assert all("seed=" in line and "max_generations" in line for line in lines)

    # verbose=1 on a long run: about twenty lines, the last at 100%
    stub = TrajectoryStub()
    collapse_curve(stub, np.zeros((3, 1)), n_repeats=100, verbose=1)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 20
    assert "100/100 repeats done (100%)" in lines[-1] and "left" in lines[-1]


# ----------------------------------------------------------------------
# Statistics: Monte Carlo against the theory of the fixed design
# ----------------------------------------------------------------------
def _theory_shape(n_generations, n_features, n_real, data):
    """Gerstgrasser et al.'s curve divided by generation 0's value."""
    error = linear_regression_error(
        n_generations, n_features=n_features, n_real=n_real, data=data
    )
    return error / error[0]


@pytest.mark.parametrize("data", ["replace", "accumulate"])
def test_linear_regression_matches_fixed_design_theory(data):
    # OLS refitted on its own noisy labels over one fixed design X:
    # w_g - w* = sum of independent (X'X)^-1 X' noise terms, so
    # E ||w_g - w*||^2 = sigma^2 tr((X'X)^-1) times (g + 1) under replace and
    # times sum_{j <= g+1} 1/j^2 under accumulate, exactly. The Gaussian-design
    # theory has E tr((X'X)^-1) = d / (T - d - 1) in that place; the shape in g
    # is the same.
    n_samples, n_features, sigma, n_generations, n_repeats = 40, 4, 0.5, 8, 300
    rng = np.random.default_rng(42)
    X = rng.standard_normal((n_samples, n_features))
    coef = rng.standard_normal(n_features)
    y = X @ coef + sigma * rng.standard_normal(n_samples)

    def coef_error(estimator):
        return {
            "coef_error": [np.sum((e.coef_ - coef) ** 2) for e in estimator.estimators_]
        }

    retrainer = reused_inputs_ols(n_generations, data, sigma)
    result = collapse_curve(
        retrainer, X, y, n_repeats=n_repeats, random_state=0, measure=coef_error
    )
    errors = result["coef_error"]

    # generation 0 is fitted on the real labels: y's noise was drawn once
    # for all repeats, so only generations >= 1 are Monte Carlo averages.
    g0 = np.sum((np.linalg.lstsq(X, y, rcond=None)[0] - coef) ** 2)
    np.testing.assert_allclose(errors[:, 0], g0)
    trace = np.trace(np.linalg.inv(X.T @ X))
    shape = _theory_shape(n_generations, n_features, n_samples, data)
    # E ||w_g - w*||^2 given the real labels: the fixed part g0 plus the
    # synthetic noise of generations 1..g.
    expected = g0 + sigma**2 * trace * (shape - 1)
    assert_mc_agrees(errors[:, 1:], expected[1:])
