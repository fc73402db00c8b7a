"""Parameter checks of the meta-estimators: every one before any work.

Booleans are not numbers here: ``n_generations=True`` is a mistake, refused
with scikit-learn's message naming the parameter. Cross-parameter checks
(``_check_params``) run first in ``fit``: no base estimator, input sampler or
verifier is fitted when a combination is refused.
"""

import numpy as np
import pytest
from conftest import record_problems
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.mixture import GaussianMixture
from sklearn.neighbors import KernelDensity

from skcollapse import RecursiveDensityRetrainer, RecursiveRetrainer
from skcollapse._compat import InvalidParameterError
from skcollapse.generative import GaussianDensity

NUMERIC = [
    "n_generations",
    "real_fraction",
    "synthetic_size",
    "synthetic_weight",
    "temperature",
    "keep_fraction",
    "threshold",
    "n_candidates",
    "validation_fraction",
    "collapse_threshold",
    "random_state",
]

rng = np.random.default_rng(0)
X_REG = rng.normal(size=(23, 3))
Y_REG = X_REG @ [1.0, 2.0, -1.0] + rng.normal(size=23)


@pytest.mark.parametrize("value", [True, False, np.bool_(True)])
@pytest.mark.parametrize("param", NUMERIC)
@pytest.mark.parametrize(
    "make",
    [
        lambda: RecursiveRetrainer(Ridge()),
        lambda: RecursiveDensityRetrainer(GaussianDensity()),
    ],
)
def test_booleans_are_not_numbers(make, param, value):
    est = make().set_params(**{param: value})
    with pytest.raises(InvalidParameterError, match=f"'{param}' parameter"):
        if isinstance(est, RecursiveRetrainer):
            est.fit(X_REG, Y_REG)
        else:
            est.fit(X_REG)


@pytest.mark.parametrize("value", [True, False])
def test_label_noise_is_not_a_boolean(value):
    est = RecursiveRetrainer(Ridge(), label_noise=value)
    with pytest.raises(InvalidParameterError, match="'label_noise' parameter"):
        est.fit(X_REG, Y_REG)


@pytest.mark.parametrize(
    "param, value",
    [
        ("n_generations", 2),
        ("real_fraction", 0.25),
        ("synthetic_size", 3),
        ("random_state", np.int64(4)),
        ("threshold", -1),
    ],
)
def test_integers_and_floats_still_pass(param, value):
    params = {param: value}
    if param == "threshold":
        params["verifier"] = Ridge()
    est = RecursiveRetrainer(Ridge(), **{"n_generations": 1, **params})
    est.fit(X_REG, Y_REG)
    assert est.n_generations_ == params.get("n_generations", 1)


# --------------------------------------------------------------------------
# cross-parameter checks before any work
# --------------------------------------------------------------------------
FITTED = []


class SpySampler(GaussianMixture):
    def fit(self, X, y=None):
        FITTED.append("sampler")
        return super().fit(X, y)


class SpyRegressor(RegressorMixin, BaseEstimator):
    def __init__(self, alpha=1.0):
        self.alpha = alpha

    def fit(self, X, y):
        FITTED.append("estimator")
        self.coef_ = np.zeros(X.shape[1])
        return self

    def predict(self, X):
        return X @ self.coef_


class SpyVerifier(Ridge):
    def fit(self, X, y, sample_weight=None):
        FITTED.append("verifier")
        return super().fit(X, y, sample_weight=sample_weight)


@pytest.fixture(autouse=True)
def _clear():
    FITTED.clear()


@pytest.mark.parametrize(
    "params, match",
    [
        # the case of the issue: the mixture used to be fitted, then refused
        ({"inputs": SpySampler(), "keep_fraction": 0.5}, "verifier=None"),
        ({"inputs": SpySampler(), "threshold": 0.0}, "verifier=None"),
        ({"inputs": SpySampler(), "n_candidates": 3}, "verifier=None"),
        ({"inputs": SpySampler(), "verifier": SpyVerifier()}, "selection rule"),
        ({"inputs": SpySampler(), "fine_tune": True}, "warm_start"),
        ({"inputs": SpySampler(), "regularization": {1: 0.5}}, "parameter names"),
        ({"inputs": SpySampler(), "regularization": {"alpha": "big"}}, "schedule"),
        ({"inputs": SpySampler(), "label_noise": "argmax"}, "not available"),
    ],
)
def test_combinations_are_refused_before_anything_is_fitted(params, match):
    est = RecursiveRetrainer(SpyRegressor(), n_generations=2, **params)
    with pytest.raises(ValueError, match=match):
        est.fit(X_REG, Y_REG)
    assert FITTED == []


@pytest.mark.parametrize(
    "params, match",
    [
        ({"keep_fraction": 0.5}, "verifier=None"),
        ({"verifier": GaussianDensity()}, "selection rule"),
        ({"fine_tune": True}, "warm_start"),
        (
            {"temperature": 0.5, "estimator": KernelDensity(kernel="epanechnikov")},
            "cannot sample",
        ),
    ],
)
def test_density_combinations_are_refused_before_the_data(params, match):
    est = RecursiveDensityRetrainer(GaussianDensity(), n_generations=2)
    est.set_params(**params)
    # data that would fail validation: the parameters are refused first
    with pytest.raises(ValueError, match=match):
        est.fit(np.zeros((1, 2)))


def test_a_classifier_float_label_noise_is_refused_before_the_data():
    est = RecursiveRetrainer(LogisticRegression(), label_noise=0.5)
    with pytest.raises(ValueError, match="applies to regressors"):
        est.fit(np.zeros((1, 2)), np.zeros(1))


def test_the_parameters_are_not_modified():
    regularization = {"alpha": 0.5}
    est = RecursiveRetrainer(Ridge(), n_generations=1, regularization=regularization)
    before = est.get_params(deep=False)
    est.fit(X_REG, Y_REG)
    assert est.get_params(deep=False) == before
    assert est.regularization is regularization and regularization == {"alpha": 0.5}


# --------------------------------------------------------------------------
# metrics: which trajectory keys are computed
# --------------------------------------------------------------------------
ALWAYS = {"generation", "n_train", "n_real", "n_synthetic", "n_rejected"}
X_DENSITY = rng.normal(size=(40, 2))


def test_density_default_metrics_leave_out_the_expensive_distance():
    default = RecursiveDensityRetrainer(GaussianDensity(), n_generations=2).fit(
        X_DENSITY
    )
    every = RecursiveDensityRetrainer(
        GaussianDensity(), n_generations=2, metrics="all"
    ).fit(X_DENSITY)
    assert set(every.trajectory_) - set(default.trajectory_) == {"wasserstein"}
    assert {"log_likelihood_real", "total_variance", "mean_shift"} <= set(
        default.trajectory_
    )


@pytest.mark.parametrize(
    "make, X, y, metrics, diversity",
    [
        (
            lambda m: RecursiveRetrainer(Ridge(), metrics=m),
            X_REG,
            Y_REG,
            ["drift"],
            "prediction_std",
        ),
        (
            lambda m: RecursiveRetrainer(Ridge(), metrics=m),
            X_REG,
            Y_REG,
            [],
            "prediction_std",
        ),
        (
            lambda m: RecursiveDensityRetrainer(GaussianDensity(), metrics=m),
            X_DENSITY,
            None,
            ("wasserstein",),
            "total_variance",
        ),
    ],
)
def test_a_metrics_list_records_those_keys_and_the_diversity(
    make, X, y, metrics, diversity
):
    est = make(metrics).set_params(n_generations=2, random_state=0)
    est.fit(X) if y is None else est.fit(X, y)
    verification = {"label_noise_scale", "synthetic_error", "selected_error"}
    recorded = set(est.trajectory_) - ALWAYS - verification
    assert recorded == set(metrics) | {diversity}
    assert est.metrics == metrics  # not modified


def test_the_same_seed_gives_the_same_shared_metrics_whatever_is_asked():
    kw = dict(n_generations=3, random_state=5)
    few = RecursiveDensityRetrainer(GaussianDensity(), **kw).fit(X_DENSITY)
    every = RecursiveDensityRetrainer(GaussianDensity(), metrics="all", **kw)
    every.fit(X_DENSITY)
    for key in few.trajectory_:
        np.testing.assert_array_equal(few.trajectory_[key], every.trajectory_[key])


@pytest.mark.parametrize(
    "make, metrics, match",
    [
        (lambda: RecursiveRetrainer(Ridge()), ["wasserstein"], "wasserstein"),
        (lambda: RecursiveRetrainer(Ridge()), ["n_classes_train"], "Ridge"),
        (lambda: RecursiveDensityRetrainer(GaussianDensity()), ["entropy"], "entropy"),
        (lambda: RecursiveDensityRetrainer(GaussianDensity()), [3], r"\[3\]"),
    ],
)
def test_unknown_metrics_are_refused_before_any_work(make, metrics, match):
    est = make().set_params(metrics=metrics)
    with pytest.raises(ValueError, match=match):
        est.fit(np.zeros((1, 2)), np.zeros(1)) if isinstance(
            est, RecursiveRetrainer
        ) else est.fit(np.zeros((1, 2)))


def test_the_wasserstein_metric_reads_at_most_its_cap_of_rows(monkeypatch):
    from skcollapse.density import N_METRIC_ROWS

    seen = record_problems(monkeypatch)
    X = np.random.default_rng(1).normal(size=(N_METRIC_ROWS + 2345, 2))
    est = RecursiveDensityRetrainer(
        GaussianDensity(), n_generations=1, metrics="all", random_state=0
    ).fit(X)
    problem = seen[0]
    assert problem.real_projected.shape == (N_METRIC_ROWS, 50)
    assert problem.n_model_samples == N_METRIC_ROWS
    # the capped distance between the truth and a fitted Gaussian is small
    assert 0 < est.trajectory_["wasserstein"][0] < 0.05


@pytest.mark.parametrize(
    "params",
    [
        {"synthetic_size": 10**12},
        {"synthetic_size": 10**6, "n_candidates": 10**6},
        {"synthetic_size": 10**9, "data": "accumulate", "n_generations": 10**4},
    ],
)
def test_a_synthetic_batch_larger_than_memory_is_refused_before_drawing(params):
    est = RecursiveRetrainer(SpyRegressor(), **{"n_generations": 2, **params})
    if "n_candidates" in params:
        est.set_params(verifier=Ridge(), keep_fraction=0.5)
    with pytest.raises(ValueError, match="synthetic_size=.* GiB of inputs"):
        est.fit(X_REG, Y_REG)
    assert FITTED == []  # refused before generation 0, nothing drawn


def test_a_large_batch_that_fits_is_drawn():
    est = RecursiveRetrainer(Ridge(), n_generations=1, synthetic_size=5000)
    assert est.fit(X_REG, Y_REG).trajectory_["n_train"][1] == 5000


# --------------------------------------------------------------------------
# the memory check: on a machine of a given size, which batches are refused
# --------------------------------------------------------------------------
X_37 = np.random.default_rng(37).normal(size=(37, 3))  # 24 bytes a row
Y_37 = X_37 @ [1.0, -0.5, 2.0]


def _memory(monkeypatch, nbytes):
    import skcollapse._loop

    monkeypatch.setattr(skcollapse._loop, "physical_memory", lambda: nbytes)


@pytest.mark.parametrize(
    "params, largest",
    [
        # 10,000 bytes hold 416 rows of 24 bytes (9,984), not 417 (10,008)
        ({}, 416),
        # every generation's batches are kept: 5 * 83 * 24 = 9,960
        ({"data": "accumulate"}, 83),
        ({"data": "accumulate-subsample"}, 83),
        # a window of 2 keeps two batches: 2 * 208 * 24 = 9,984
        ({"data": "accumulate", "accumulate_window": 2}, 208),
        # 3 candidates a slot: 138 * 3 * 24 = 9,936
        ({"n_candidates": 3, "verifier": Ridge(), "keep_fraction": 0.5}, 138),
    ],
)
def test_the_largest_batch_a_machine_holds_is_drawn_one_more_row_is_not(
    monkeypatch, params, largest
):
    _memory(monkeypatch, 10_000)
    kw = {"n_generations": 5, "random_state": 0, **params}
    est = RecursiveRetrainer(Ridge(), synthetic_size=largest, **kw).fit(X_37, Y_37)
    assert est.trajectory_["n_synthetic"][1] > 0
    with pytest.raises(ValueError, match="GiB of memory"):
        RecursiveRetrainer(Ridge(), synthetic_size=largest + 1, **kw).fit(X_37, Y_37)


def test_inputs_without_nbytes_count_8_bytes_a_feature(monkeypatch):
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(X_37, columns=["a", "b", "c"])
    _memory(monkeypatch, 10_000)
    kw = {"n_generations": 2, "random_state": 0}
    RecursiveRetrainer(Ridge(), synthetic_size=416, **kw).fit(frame, Y_37)
    with pytest.raises(ValueError, match="GiB of memory"):
        RecursiveRetrainer(Ridge(), synthetic_size=417, **kw).fit(frame, Y_37)


@pytest.mark.parametrize(
    "memory, params, message",
    [
        (
            3.5,
            {"synthetic_size": 200_000_000},
            "synthetic_size=200000000 with n_candidates=1 and data='replace' asks "
            "for 200,000,000 synthetic rows in one generation's batches, about "
            "4.5 GiB of inputs, more than this machine's 3.5 GiB of memory. Use a "
            "smaller synthetic_size.",
        ),
        (
            1.5,
            {
                "synthetic_size": 30_000_000,
                "data": "accumulate",
                "n_generations": 7,
                "accumulate_window": 3,
            },
            "synthetic_size=30000000 with n_candidates=1 and data='accumulate' "
            "asks for 90,000,000 synthetic rows in 3 generations' batches, about "
            "2.0 GiB of inputs, more than this machine's 1.5 GiB of memory. Use a "
            "smaller synthetic_size.",
        ),
        (
            2.6,
            {
                "synthetic_size": 9_000_000,
                "data": "accumulate-subsample",
                "n_generations": 7,
                "n_candidates": 3,
                "verifier": Ridge(),
                "keep_fraction": 0.5,
            },
            "synthetic_size=9000000 with n_candidates=3 and "
            "data='accumulate-subsample' asks for 189,000,000 synthetic rows in 7 "
            "generations' batches, about 4.2 GiB of inputs, more than this "
            "machine's 2.6 GiB of memory. Use a smaller synthetic_size.",
        ),
    ],
)
def test_the_memory_refusal_says_how_much_is_asked_and_held(
    monkeypatch, memory, params, message
):
    import re

    _memory(monkeypatch, int(memory * 2**30))
    est = RecursiveRetrainer(Ridge(), **{"n_generations": 2, **params})
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        est.fit(X_37, Y_37)


def test_physical_memory_is_the_machines_total():
    from pathlib import Path

    from skcollapse._loop import physical_memory

    meminfo = Path("/proc/meminfo")
    if not meminfo.exists():
        pytest.skip("no /proc/meminfo on this system")
    total = next(
        line for line in meminfo.read_text().splitlines() if line.startswith("MemTotal")
    )
    assert physical_memory() == int(total.split()[1]) * 1024
