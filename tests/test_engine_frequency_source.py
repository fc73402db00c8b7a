"""The batched frequency family (RecursiveRetrainer over FrequencyClassifier
and DummyClassifier(strategy="prior")) against a truth and a test set:
``source=`` (each repeat its own real rows, generation 0 fitted batched) and
``X_test=``; the same rows, seeds and generation 0 as the refit path, equal
in distribution later (two-sample tests), the array evaluations equal to the
lightweight models', bit identity across n_jobs and chunks."""

import joblib
import numpy as np
import pytest
from conftest import assert_same_across_chunks
from scipy import sparse
from sklearn.dummy import DummyClassifier
from test_engine import _curve, same_source_rows_and_generation_zero
from test_engine import compare as _compare
from test_engine_frequency import X_CTX, Y_CTX

from skcollapse import RecursiveRetrainer
from skcollapse.datasets import GaussianClassificationSource
from skcollapse.generative import FrequencyClassifier
from skcollapse.model_selection import collapse_curve

BINARY = GaussianClassificationSource([0.8, -0.4])
THREE = GaussianClassificationSource([1.0, 0.5, -0.3], n_classes=3)
X_TEST, Y_TEST = BINARY.sample(37, random_state=3)
X_TEST3, Y_TEST3 = THREE.sample(29, random_state=4)
# contexts of the fixed data and unseen ones, labels of the real data and
# one it does not have ("e")
X_CTX_TEST = np.vstack([X_CTX[::2], [[5.0, 5.0], [0.0, 7.0]]])
Y_CTX_TEST = np.concatenate([Y_CTX[::2], ["a", "e"]])


def compare(estimator, n_repeats=100, X=None, y=None, **kwargs):
    """Two-sample comparison of the engines, different seeds (frequency
    values rounded to 9 decimals, as in test_engine_frequency)."""
    return _compare(estimator, X, y, n_repeats, seeds=(41, 42), decimals=9, **kwargs)


SOURCED = [
    (RecursiveRetrainer(FrequencyClassifier(alpha=0.5), n_generations=3),
     dict(source=BINARY, n_samples=23, X_test=X_TEST, y_test=Y_TEST)),
    (RecursiveRetrainer(DummyClassifier(strategy="prior"), n_generations=3,
                        data="accumulate", temperature=0.7),
     dict(source=BINARY, n_samples=15, X_test=X_TEST, y_test=Y_TEST,
          scoring=["accuracy"])),
    (RecursiveRetrainer(FrequencyClassifier(alpha=0.2), n_generations=3,
                        inputs="bootstrap", real_fraction=0.35,
                        synthetic_size=0.8),
     dict(source=THREE, n_samples=19, X_test=X_TEST3, y_test=Y_TEST3,
          scoring="accuracy")),
    (RecursiveRetrainer(DummyClassifier(strategy="prior"), n_generations=3,
                        label_noise="argmax", synthetic_weight=0.6),
     dict(source=THREE, n_samples=13)),
]  # fmt: skip
IDS = ["frequency", "dummy-accumulate", "three-bootstrap", "dummy-argmax"]


@pytest.mark.parametrize("estimator, kwargs", SOURCED, ids=IDS)
def test_source_rows_seeds_and_generation_zero_are_the_refit_paths(estimator, kwargs):
    # generation 0: each repeat's rows, fitted batched (to rounding)
    evaluated = same_source_rows_and_generation_zero(
        estimator, rtol=1e-9, atol=1e-12, **kwargs
    )
    assert {"truth_accuracy", "truth_log_loss"} <= set(evaluated)


def test_source_and_test_set_equal_in_distribution_fast():
    # fewer repeats than the slow test: the refit path's truth scores 10,000
    # rows of the source's evaluation sample per model
    compare(SOURCED[1][0], n_repeats=40, **SOURCED[1][1])


@pytest.mark.slow
@pytest.mark.parametrize("estimator, kwargs", SOURCED, ids=IDS)
def test_source_and_test_set_equal_in_distribution(estimator, kwargs):
    compare(estimator, n_repeats=120, **kwargs)


FIXED = [
    (RecursiveRetrainer(FrequencyClassifier(alpha=0.3), n_generations=4,
                        real_fraction=0.4), None),
    (RecursiveRetrainer(FrequencyClassifier(), n_generations=4, data="accumulate",
                        temperature=1.4), ["accuracy"]),
    (RecursiveRetrainer(DummyClassifier(strategy="prior"), n_generations=4,
                        validation_fraction=0.3), "accuracy"),
]  # fmt: skip


@pytest.mark.parametrize(
    "estimator, scoring",
    [FIXED[0], *(pytest.param(*f, marks=pytest.mark.slow) for f in FIXED[1:])],
)
def test_test_set_of_fixed_data_equal_in_distribution(estimator, scoring):
    # string labels, test contexts the real data has and has not, a test
    # label it does not have
    batched, refit = compare(estimator, n_repeats=60, X=X_CTX, y=Y_CTX,
                             X_test=X_CTX_TEST, y_test=Y_CTX_TEST,
                             scoring=scoring)  # fmt: skip
    key = "test_accuracy" if isinstance(scoring, list) else "test_score"
    assert key in batched
    if estimator.validation_fraction is None:
        # generation 0 is the refit path's own model (the same in every
        # repeat): exactly its score
        np.testing.assert_array_equal(batched[key][:, 0], refit[key][:, 0])


class _Plain(GaussianClassificationSource):
    """Not exactly a GaussianClassificationSource: evaluated through the
    lightweight models."""


@pytest.mark.parametrize("estimator, kwargs", SOURCED, ids=IDS)
def test_array_evaluations_equal_the_lightweight_models(estimator, kwargs):
    # The same batched trajectories (same seed: the subclass draws the same
    # rows), scored in arrays and through each repeat's base estimator
    # refitted on its training counts.
    kwargs = dict(kwargs)
    source = kwargs.pop("source")
    kwargs.pop("scoring", None)
    common = dict(n_repeats=6, random_state=5, **kwargs)
    arrays = _curve(estimator, None, None, source=source, **common)
    plain = _Plain(source.mean, n_classes=source.n_classes)
    if "X_test" in kwargs:
        common["scoring"] = lambda model, X, y: model.score(X, y)
    models = _curve(estimator, None, None, source=plain, **common)
    assert set(arrays["engine"]) == set(models["engine"]) == {"batched"}
    for key in ("truth_accuracy", "truth_log_loss"):
        np.testing.assert_allclose(arrays[key], models[key], rtol=1e-12, atol=1e-15,
                                   err_msg=key)  # fmt: skip
    if "X_test" in kwargs:
        np.testing.assert_allclose(arrays["test_score"], models["test_score"],
                                   rtol=1e-12)  # fmt: skip
    for key in ("score_real", "prediction_std", "drift"):
        np.testing.assert_array_equal(arrays[key], models[key], key)


def test_lightweight_models_are_the_refit_fit():
    # A repeat's model from the batched problem equals its base fitted on
    # the same rows (generation 0: the real rows, weighted).
    from skcollapse._engine import Evaluation
    from skcollapse._engine.__init__ import _chunk_input
    from skcollapse._engine._frequency import FrequencyFamily

    weights = np.random.RandomState(1).uniform(0.0, 2.0, size=17)
    weights[3] = 0.0
    X_eval, _ = BINARY._evaluation_sample()
    for base in (FrequencyClassifier(alpha=0.4), DummyClassifier(strategy="prior")):
        estimator = RecursiveRetrainer(base, n_generations=2)
        seeds = np.array([4, 9, 13])
        evaluation = Evaluation(source=BINARY, n_samples=17, name="x")
        params = {"sample_weight": weights}
        real, _, _, _ = _chunk_input(
            estimator, None, None, seeds, params, BINARY, evaluation, True
        )
        problem = FrequencyFamily(estimator, real, None, len(seeds))
        problem.first_generation()
        for i, model in enumerate(problem.models()):
            fitted = type(base)(**base.get_params()).fit(
                real.X[i], real.y[i], sample_weight=weights
            )
            np.testing.assert_array_equal(model.classes_, fitted.classes_)
            rows = np.vstack([real.X[i], X_eval[:50]])
            np.testing.assert_allclose(
                model.predict_proba(rows), fitted.predict_proba(rows), rtol=1e-12
            )
            np.testing.assert_array_equal(model.predict(rows), fitted.predict(rows))


@pytest.mark.slow
def test_a_class_missing_from_a_repeat_is_recorded_as_refit():
    # 3 classes and 4 rows: some repeats' real data lack a class; their
    # models give it probability 0 (the truth's log-loss clips it)
    estimator = RecursiveRetrainer(FrequencyClassifier(alpha=0.5), n_generations=3)
    kwargs = dict(source=THREE, n_samples=4, X_test=X_TEST3, y_test=Y_TEST3)
    batched, refit = compare(estimator, n_repeats=60, **kwargs)
    assert np.any(batched["n_classes_train"][:, 0] < 3)


# six classes, five rows a repeat: every repeat lacks a class, and a chunk of
# two or three repeats may lack one too (the pooled classes then include the
# source's declared ones, so that no repeat's numbers depend on its chunk)
SIX = GaussianClassificationSource([1.5, 0.3, 0.2, 0.1, 0.7, 0.4], n_classes=6)
X_TEST6, Y_TEST6 = SIX.sample(31, random_state=1)
SIX_CLASSES = (
    RecursiveRetrainer(FrequencyClassifier(alpha=0.5), n_generations=4),
    dict(source=SIX, n_samples=5, X_test=X_TEST6, y_test=Y_TEST6),
)


@pytest.mark.parametrize(
    "estimator, kwargs", [SOURCED[0], SOURCED[2], SIX_CLASSES],
    ids=["frequency", "three-bootstrap", "six-classes-five-rows"],
)  # fmt: skip
def test_bit_identical_for_any_n_jobs_and_chunk(estimator, kwargs):
    common = dict(random_state=3, engine="batched", **kwargs)
    one = collapse_curve(estimator, n_repeats=7, n_jobs=1, **common)
    assert set(one["engine"]) == {"batched"}
    with joblib.parallel_config(backend="threading"):
        two = collapse_curve(estimator, n_repeats=7, n_jobs=2, chunk_size=2, **common)
    small = collapse_curve(estimator, n_repeats=7, chunk_size=3, **common)
    prefix = collapse_curve(estimator, n_repeats=4, **common)
    for key in one:
        if key == "fit_time":
            continue
        for other in (two, small):
            assert_same_across_chunks(one[key], other[key], key)
        if np.ndim(one[key]) and key != "generation":
            assert_same_across_chunks(one[key][:4], prefix[key], key)


class _Unlabelled:
    """BINARY's draws and truth, without the ``classes`` it declares."""

    def sample(self, n_samples, random_state=None):
        return BINARY.sample(n_samples, random_state=random_state)

    def evaluate(self, estimator):
        return BINARY.evaluate(estimator)


def test_a_source_without_declared_classes_is_not_covered():
    estimator = RecursiveRetrainer(FrequencyClassifier(), n_generations=2)
    kwargs = dict(source=_Unlabelled(), n_samples=11, n_repeats=3, random_state=0)
    with pytest.raises(ValueError, match="without a classes attribute"):
        _curve(estimator, None, None, "batched", **kwargs)
    auto = _curve(estimator, None, None, "auto", **kwargs)
    assert set(auto["engine"]) == {"refit"}
    refit = _curve(estimator, None, None, "refit", **kwargs)
    np.testing.assert_array_equal(auto["truth_accuracy"], refit["truth_accuracy"])


def test_a_sparse_test_set_is_not_covered():
    estimator = RecursiveRetrainer(FrequencyClassifier(), n_generations=2)
    kwargs = dict(source=BINARY, n_samples=11, X_test=sparse.csr_matrix(X_TEST),
                  y_test=Y_TEST)  # fmt: skip
    with pytest.raises(ValueError, match="does not cover a sparse X_test"):
        _curve(estimator, None, None, "batched", n_repeats=2, **kwargs)


@pytest.mark.slow
def test_a_verified_source_equal_in_distribution():
    # Feng et al.'s selection on each repeat's own real rows (the verifier
    # scores them per repeat), generation 0 through the refit path
    from skcollapse.verification import LinearVerifier

    estimator = RecursiveRetrainer(
        FrequencyClassifier(alpha=0.5), n_generations=3, real_fraction=0.5,
        verifier=LinearVerifier([1.0, -0.5]), threshold=0.0,
    )  # fmt: skip
    batched, _ = compare(estimator, n_repeats=60, source=BINARY, n_samples=21,
                         X_test=X_TEST, y_test=Y_TEST)  # fmt: skip
    # the verifier selects: some synthetic rows rejected, some kept
    assert 0.2 < np.mean(batched["acceptance_rate"][:, 1:]) < 0.95
