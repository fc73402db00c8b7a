"""``correction``: a hook applied to each synthetic batch before verification.

The self-correcting loops of Gillman et al. (2024) map synthetic samples
towards a target. The hook receives copies of what a callable verifier
receives (``(X, y)``, or ``X`` for a density loop) and returns the same;
the corrected rows are what the verifier scores and what the generation
trains on.
"""

import numpy as np
import pytest
from conftest import RecordingGaussian, RecordingRegression
from sklearn.linear_model import LinearRegression, LogisticRegression

from skcollapse import RecursiveDensityRetrainer, RecursiveRetrainer
from skcollapse._compat import InvalidParameterError
from skcollapse._problem import InputError
from skcollapse.generative import GaussianDensity

N_REAL = 17


@pytest.fixture
def data():
    rng = np.random.default_rng(2)
    X = rng.standard_normal((N_REAL, 2))
    return X, X @ [2.0, -1.0] + 0.5 * rng.standard_normal(N_REAL)


def density(**params):
    return RecursiveDensityRetrainer(
        RecordingGaussian(), **{"n_generations": 4, "random_state": 0, **params}
    )


def supervised(estimator, correction, **params):
    return RecursiveRetrainer(
        estimator,
        correction=correction,
        **{"n_generations": 3, "random_state": 0, **params},
    )


def test_the_generation_trains_on_the_corrected_samples(data):
    X, _ = data
    received = []

    def towards_the_origin(samples):
        received.append(samples.copy())
        return 0.5 * samples

    est = density(correction=towards_the_origin).fit(X)
    plain = density().fit(X)
    assert len(received) == 4
    # generation 1 draws from generation 0's model, the same with or without
    # the correction: the hook received exactly that batch
    np.testing.assert_array_equal(received[0], plain.estimators_[1].X_seen_)
    for g in range(1, 5):
        np.testing.assert_array_equal(est.estimators_[g].X_seen_, 0.5 * received[g - 1])


def test_a_correction_to_the_real_moments_stops_the_collapse(data):
    X, _ = data
    mean, std = X.mean(axis=0), X.std(axis=0, ddof=1)

    def standardise(samples):
        z = (samples - samples.mean(axis=0)) / samples.std(axis=0, ddof=1)
        return mean + std * z

    corrected = density(n_generations=200, correction=standardise).fit(X)
    plain = density(n_generations=200).fit(X)
    variance = corrected.trajectory_["total_variance"]
    np.testing.assert_allclose(variance, variance[0], rtol=1e-10)
    assert plain.trajectory_["total_variance"][-1] < 0.01 * variance[0]
    assert corrected.collapse_generation_ is None


def test_the_verifier_scores_the_corrected_rows(data):
    X, _ = data
    corrected, scored = [], []

    def shift(samples):
        corrected.append(samples + 10.0)
        return corrected[-1]

    def verifier(samples):
        scored.append(samples)
        return -np.abs(samples[:, 0])

    est = density(
        n_generations=2, correction=shift, verifier=verifier, n_candidates=3
    ).fit(X)
    # every candidate is corrected, before the verifier sees it
    assert [len(c) for c in corrected] == [3 * N_REAL] * 2
    for c, s in zip(corrected, scored):
        np.testing.assert_array_equal(c, s)
    assert np.all(est.estimators_[1].X_seen_ > 5.0)


def test_the_correction_gets_copies_and_the_real_data_stays(data):
    X, y = data
    X_before, y_before = X.copy(), y.copy()

    def in_place(X_batch, y_batch):
        X_batch *= 0.0  # inputs="reuse": the batch's inputs are the real ones
        y_batch += 1.0
        return X_batch, y_batch

    est = supervised(
        RecordingRegression(), in_place, real_fraction=1.0, label_noise=0.1
    ).fit(X, y)
    np.testing.assert_array_equal(X, X_before)
    np.testing.assert_array_equal(y, y_before)
    for model in est.estimators_[1:]:
        np.testing.assert_array_equal(model.X_seen_[:N_REAL], X_before)  # real part
        np.testing.assert_array_equal(model.X_seen_[N_REAL:], 0.0)  # corrected


def test_label_corrections_are_measured_and_moved_inputs_have_no_reference(data):
    X, y = data

    def real_labels(X_batch, y_batch):
        return X_batch, y.copy()  # inputs reused in order: the real labels

    est = supervised(LinearRegression(), real_labels).fit(X, y)
    np.testing.assert_array_equal(est.trajectory_["synthetic_error"][1:], 0.0)
    # every generation refits the real labels: the model never moves
    np.testing.assert_allclose(est.trajectory_["drift"], 0.0, atol=1e-12)

    def moved(X_batch, y_batch):
        return X_batch + 1.0, y_batch

    est.set_params(correction=moved).fit(X, y)
    assert "synthetic_error" not in est.trajectory_ or np.all(
        np.isnan(est.trajectory_["synthetic_error"])
    )


def test_a_classifier_correction(data):
    X, _ = data
    y = (X[:, 0] > 0).astype(int)

    def flip_towards_the_rule(X_batch, y_batch):
        return X_batch, (X_batch[:, 0] > 0).astype(int)

    est = supervised(LogisticRegression(), flip_towards_the_rule, n_generations=5)
    est.fit(X, y)
    np.testing.assert_array_equal(est.trajectory_["synthetic_error"][1:], 0.0)
    assert est.trajectory_["score_real"][-1] >= 0.9


# --------------------------------------------------------------------------
# errors
# --------------------------------------------------------------------------
@pytest.mark.parametrize(
    "correction, match",
    [
        (lambda X, y: X, r"must return a tuple \(X, y\)"),
        (lambda X, y: (X[:-1], y[:-1]), r"inputs of shape \(16, 2\); 17 rows"),
        (lambda X, y: (X[:, :1], y), r"inputs of shape \(17, 1\)"),
        (lambda X, y: (X, y[:, None].repeat(2, 1)), r"targets of shape \(17, 2\)"),
        (lambda X, y: (X * np.nan, y), "non-finite values"),
        (lambda X, y: (X, y * np.inf), "non-finite targets"),
        (lambda X, y: (X, y.astype(str)), "a regressor needs numbers"),
    ],
)
def test_what_a_supervised_correction_returns_is_checked(data, correction, match):
    X, y = data
    est = RecursiveRetrainer(LinearRegression(), correction=correction)
    with pytest.raises(InputError, match=match) as info:
        est.fit(X, y)
    assert "correction (<lambda>) at generation 1" in str(info.value)


@pytest.mark.parametrize(
    "correction, match",
    [
        (lambda X: (X,), "must return X for a density loop"),
        (lambda X: X[:3], r"inputs of shape \(3, 2\)"),
        (lambda X: np.full_like(X, np.inf), "non-finite values"),
        (lambda X: None, "no inputs"),
    ],
)
def test_what_a_density_correction_returns_is_checked(data, correction, match):
    X, _ = data
    with pytest.raises(InputError, match=match):
        RecursiveDensityRetrainer(GaussianDensity(), correction=correction).fit(X)


def test_a_classifier_correction_with_a_new_label_is_refused(data):
    X, _ = data
    y = (X[:, 0] > 0).astype(int)
    est = RecursiveRetrainer(
        LogisticRegression(), correction=lambda X, y: (X, np.full(len(y), 7))
    )
    with pytest.raises(InputError, match=r"label\(s\) \[7\]"):
        est.fit(X, y)


@pytest.mark.parametrize("value", ["shrink", 1.0, True])
def test_a_correction_is_a_callable(data, value):
    X, y = data
    with pytest.raises(InvalidParameterError, match="'correction' parameter"):
        RecursiveRetrainer(LinearRegression(), correction=value).fit(X, y)
