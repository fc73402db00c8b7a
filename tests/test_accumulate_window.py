"""``accumulate_window``: accumulate the synthetic data of the last K generations.

The bases below record the rows they were fitted on, so each generation's
training set is compared row by row: a window of 1 is ``data="replace"``
with the same real part, a window of at least ``n_generations`` is plain
accumulate, and a window of 3 over 7 generations holds the real part and
exactly the batches of the last three generations.
"""

import numpy as np
import pytest
from conftest import RecordingGaussian, RecordingRegression

from skcollapse import RecursiveDensityRetrainer, RecursiveRetrainer
from skcollapse._compat import InvalidParameterError
from skcollapse._loop import synthetic_count

N_REAL = 13
SYNTHETIC_SIZE = 0.6  # 0.6 * 13 = 7.8: 8 synthetic rows per generation


@pytest.fixture
def data():
    rng = np.random.default_rng(5)
    X = rng.standard_normal((N_REAL, 2))
    return X, X @ [1.5, -0.5] + rng.standard_normal(N_REAL)


def supervised(**params):
    params = {
        "n_generations": 7,
        "synthetic_size": SYNTHETIC_SIZE,
        "inputs": "bootstrap",
        "random_state": 0,
        **params,
    }
    return RecursiveRetrainer(RecordingRegression(), **params)


def density(**params):
    params = {
        "n_generations": 7,
        "synthetic_size": SYNTHETIC_SIZE,
        "random_state": 0,
        **params,
    }
    return RecursiveDensityRetrainer(RecordingGaussian(), **params)


def assert_same_training_sets(a, b):
    assert len(a.estimators_) == len(b.estimators_)
    for model_a, model_b in zip(a.estimators_, b.estimators_):
        np.testing.assert_array_equal(model_a.X_seen_, model_b.X_seen_)
        if hasattr(model_a, "y_seen_"):
            np.testing.assert_array_equal(model_a.y_seen_, model_b.y_seen_)
    for key, values in a.trajectory_.items():
        np.testing.assert_array_equal(values, b.trajectory_[key], err_msg=key)
    np.testing.assert_array_equal(a.sample_generation_, b.sample_generation_)


@pytest.mark.parametrize("make", [supervised, density])
@pytest.mark.parametrize(
    "real",
    [{"real_fraction": 0.5}, {"real_fraction": 0.3, "real_sampling": "resample"}],
)
def test_a_window_of_one_is_replace_with_the_same_real_part(data, make, real):
    X, y = data
    args = (X, y) if make is supervised else (X,)
    window = make(data="accumulate", accumulate_window=1, **real).fit(*args)
    replace = make(data="replace", **real).fit(*args)
    assert_same_training_sets(window, replace)


@pytest.mark.parametrize("make", [supervised, density])
@pytest.mark.parametrize("k", [7, 12])
def test_a_window_of_every_generation_is_plain_accumulate(data, make, k):
    X, y = data
    args = (X, y) if make is supervised else (X,)
    window = make(data="accumulate", accumulate_window=k, real_fraction=0.5).fit(*args)
    plain = make(data="accumulate", real_fraction=0.5).fit(*args)
    assert_same_training_sets(window, plain)


@pytest.mark.parametrize("make", [supervised, density])
def test_a_window_of_three_over_seven_generations_row_by_row(data, make):
    X, y = data
    args = (X, y) if make is supervised else (X,)
    k, n_generations = 3, 7
    est = make(data="accumulate", accumulate_window=k).fit(*args)
    m = synthetic_count(SYNTHETIC_SIZE, N_REAL)
    assert m == 8
    n_train = [N_REAL] + [N_REAL + m * min(g, k) for g in range(1, n_generations + 1)]
    np.testing.assert_array_equal(est.trajectory_["n_train"], n_train)
    np.testing.assert_array_equal(est.trajectory_["n_real"], N_REAL)
    # generation j's batch is the last m rows of its own training set ...
    seen = [model.X_seen_ for model in est.estimators_]
    batches = {j: seen[j][-m:] for j in range(1, n_generations + 1)}
    for g in range(1, n_generations + 1):
        # ... and generation g trains on the real rows, then the batches of
        # generations max(1, g - k + 1) .. g in order, nothing else
        kept = range(max(1, g - k + 1), g + 1)
        expected = np.concatenate([X, *(batches[j] for j in kept)])
        np.testing.assert_array_equal(seen[g], expected)
    origins = np.repeat([0, 5, 6, 7], [N_REAL, m, m, m])
    np.testing.assert_array_equal(est.sample_generation_, origins)


def test_a_window_with_fresh_real_data(data):
    X, y = data

    def source(n_samples, random_state):
        rng = np.random.default_rng(random_state)
        X_new = rng.standard_normal((n_samples, 2))
        return X_new, X_new @ [1.5, -0.5]

    est = supervised(
        data="accumulate",
        accumulate_window=2,
        real_sampling="fresh",
        real_source=source,
        real_fraction=1.0,
    ).fit(X, y)
    m = 8
    np.testing.assert_array_equal(
        est.trajectory_["n_train"], [N_REAL, N_REAL + m] + [N_REAL + 2 * m] * 6
    )
    # the real rows of the last generation are its own fresh draw
    assert not np.isin(est.estimator_.X_seen_[:N_REAL, 0], X[:, 0]).any()


@pytest.mark.parametrize("regime", ["replace", "accumulate-subsample"])
def test_a_window_needs_plain_accumulate(data, regime):
    X, y = data
    est = supervised(data=regime, accumulate_window=2)
    with pytest.raises(ValueError, match=f"accumulate_window=2.*data='{regime}'"):
        est.fit(X, y)
    assert not hasattr(est, "estimators_")


@pytest.mark.parametrize("value", [0, -1, True, 1.5, "2"])
def test_a_window_is_a_positive_integer(data, value):
    X, y = data
    with pytest.raises(InvalidParameterError, match="'accumulate_window' parameter"):
        supervised(data="accumulate", accumulate_window=value).fit(X, y)
