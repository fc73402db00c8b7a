"""The batched engine's verification: the ready verifiers of
skcollapse.verification with threshold, keep_fraction and n_candidates
(Feng et al.'s selection), against the refit path, the loop's own selection
rule and the closed form of the error left after verification."""

import re

import joblib
import numpy as np
import pytest
from scipy import stats
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
from test_engine_frequency import X_CTX, Y_CTX, _curve, compare

from skcollapse import RecursiveDensityRetrainer, RecursiveRetrainer
from skcollapse._engine._verify import (
    BatchedVerifier,
    batch_digest,
    keyed_uniforms,
)
from skcollapse._loop import select
from skcollapse.generative import (
    CategoricalDensity,
    FrequencyClassifier,
    GaussianDensity,
)
from skcollapse.model_selection import collapse_curve
from skcollapse.utils._testing import assert_mc_agrees
from skcollapse.verification import (
    LabelLookup,
    LinearVerifier,
    NoisyVerifier,
    OracleVerifier,
    effective_error,
)

_CONTEXTS, _FIRST = np.unique(X_CTX, axis=0, return_index=True)
_RNG = np.random.RandomState(0)
X_LIN = _RNG.normal(size=(27, 3))
Y_LIN = X_LIN @ [1.0, -2.0, 0.5] + 0.7 + _RNG.normal(size=27)
Y_MULTI = np.c_[Y_LIN, X_LIN @ [0.3, 0.3, -1.0] + 2.0 * _RNG.normal(size=27)]
# the label of each context's first row: a truth that disagrees with the
# real label of some rows (a context has several labels)
TRUTH = LabelLookup(_CONTEXTS, Y_CTX[_FIRST])


def _owner(**params):
    return RecursiveRetrainer(FrequencyClassifier(), n_generations=2, **params)


# ----------------------------------------------------------------------
# The selection rule and the keyed uniforms
# ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "n_candidates, keep_fraction, threshold",
    [(1, 0.37, None), (3, None, 0.5), (2, 0.61, 0.25), (4, 0.5, None), (1, None, 0.0)],
)
def test_select_is_the_loops_rule_row_wise(n_candidates, keep_fraction, threshold):
    """Every repeat's (chosen, keep) is exactly _loop.select of its scores,
    ties included (scores on a coarse grid)."""
    rng = np.random.default_rng(4)
    n_slots = 17
    scores = rng.integers(0, 4, size=(9, n_slots * n_candidates)) / 4.0
    verifier = BatchedVerifier.__new__(BatchedVerifier)
    verifier.threshold, verifier.keep_fraction = threshold, keep_fraction
    verifier.n_candidates = n_candidates
    chosen, keep = verifier.select(scores, n_slots)
    for r in range(scores.shape[0]):
        expected = select(scores[r], n_slots, n_candidates, keep_fraction, threshold)
        np.testing.assert_array_equal(chosen[r][keep[r]], expected)


def test_keyed_uniforms_are_uniform_and_independent():
    """The NoisyVerifier's uniforms: uniform on [0, 1) (KS), uncorrelated
    between neighbouring rows and between two batches that differ in one
    label, and the same for the same key and batch."""
    key = np.arange(2000, dtype=np.uint64) * np.uint64(7919)
    rows = np.tile(np.arange(13, dtype=np.uint64), (2000, 1))
    labels = rows % np.uint64(3)
    u = keyed_uniforms(key, batch_digest(rows, labels), 13)
    assert stats.kstest(u.ravel(), "uniform").pvalue > 0.001
    assert abs(np.corrcoef(u[:, 0], u[:, 1])[0, 1]) < 4 / np.sqrt(2000)
    changed = labels.copy()
    changed[:, 5] += np.uint64(1)
    v = keyed_uniforms(key, batch_digest(rows, changed), 13)
    assert abs(np.corrcoef(u.ravel(), v.ravel())[0, 1]) < 4 / np.sqrt(u.size)
    np.testing.assert_array_equal(
        u, keyed_uniforms(key, batch_digest(rows, labels), 13)
    )


# ----------------------------------------------------------------------
# Batched against refit
# ----------------------------------------------------------------------
def test_oracle_threshold_matches_refit():
    estimator = RecursiveRetrainer(
        FrequencyClassifier(), n_generations=2, metrics="all",
        verifier=OracleVerifier(TRUTH), threshold=0.5,
    )  # fmt: skip
    batched, _ = compare(estimator, X_CTX, Y_CTX, n_repeats=40)
    # generation 0's labels disagree with the truth on some contexts
    assert np.all(batched["n_rejected"][:, 1] > 0)


VERIFY_CASES = [
    (FrequencyClassifier(alpha=0.2),
     dict(verifier=NoisyVerifier(TRUTH, 0.9, 0.35), threshold=0.5,
          data="accumulate", real_fraction=0.3)),
    (FrequencyClassifier(),
     dict(verifier=LinearVerifier([1.0, -0.5], intercept=0.2, pos_label="b"),
          keep_fraction=0.63, n_candidates=3)),
    (DummyClassifier(strategy="prior"),
     dict(verifier=NoisyVerifier(TRUTH, 0.8, 0.1), n_candidates=2,
          keep_fraction=0.7, inputs="bootstrap")),
    (FrequencyClassifier(),
     dict(verifier=NoisyVerifier(TRUTH, 0.2, 0.05), threshold=0.5,
          label_noise="argmax")),
    (FrequencyClassifier(alpha=0.1),
     dict(verifier=OracleVerifier(TRUTH), n_candidates=4, temperature=1.6,
          synthetic_size=0.55, real_fraction=0.45, real_sampling="resample")),
    (FrequencyClassifier(),
     dict(verifier=OracleVerifier(TRUTH, task="regression"), threshold=-0.5,
          keep_fraction=0.8, synthetic_weight=1.7)),
]  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize("base, params", VERIFY_CASES)
def test_verified_regimes_match_refit(base, params):
    estimator = RecursiveRetrainer(base, n_generations=4, metrics="all", **params)
    if params["verifier"].get_params().get("task") == "regression":
        # scored by the absolute error of numeric labels
        y = np.searchsorted(np.unique(Y_CTX), Y_CTX).astype(float)
        truth = LabelLookup(_CONTEXTS, y[_FIRST])
        estimator.set_params(verifier=OracleVerifier(truth, task="regression"))
        compare(estimator, X_CTX, y, n_repeats=100)
    else:
        compare(estimator, X_CTX, Y_CTX, n_repeats=100)


def test_linear_oracle_threshold_matches_refit():
    """Family 1: an oracle of the real labels keeps the synthetic labels
    within 1.0 of them."""
    estimator = RecursiveRetrainer(
        LinearRegression(), n_generations=2, label_noise=1.0,
        verifier=OracleVerifier(LabelLookup(X_LIN, Y_LIN)), threshold=-1.0,
    )  # fmt: skip
    batched, _ = compare(estimator, X_LIN, Y_LIN, n_repeats=40)
    assert np.all(batched["acceptance_rate"][:, 1:] < 1)


LINEAR_CASES = [
    (Ridge(alpha=2.3),
     dict(label_noise="residual", verifier=OracleVerifier(LabelLookup(X_LIN, Y_LIN)),
          n_candidates=3, data="accumulate", real_fraction=0.4), Y_LIN),
    (LinearRegression(),
     dict(label_noise=0.8, inputs="bootstrap", threshold=0.5,
          verifier=NoisyVerifier(LabelLookup(X_LIN, np.round(Y_LIN)), 0.9, 0.2)),
     Y_LIN),
    (Ridge(alpha=0.7, fit_intercept=False),
     dict(label_noise=1.2, verifier=LinearVerifier([1.0, 0.0, 0.0]),
          keep_fraction=0.6, synthetic_size=1.4, temperature=0.7), Y_LIN),
    (LinearRegression(),
     dict(label_noise="residual", keep_fraction=0.55, n_candidates=2,
          verifier=OracleVerifier(LabelLookup(X_LIN, Y_MULTI))), Y_MULTI),
]  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize("base, params, y", LINEAR_CASES)
def test_linear_verified_regimes_match_refit(base, params, y):
    estimator = RecursiveRetrainer(base, n_generations=4, **params)
    compare(estimator, X_LIN, y, n_repeats=100)


def test_everything_rejected_keeps_the_previous_model_as_refit():
    """A verifier that rejects every synthetic row of a fully synthetic loop:
    no training data, the previous model is kept (n_train 0, n_classes_train
    NaN, the same predictions), not a degenerate stop."""
    estimator = RecursiveRetrainer(
        FrequencyClassifier(), n_generations=3, metrics="all",
        verifier=LinearVerifier([0.0, 0.0], intercept=-1.0, pos_label="a"),
        threshold=5.0,
    )  # fmt: skip
    b = _curve(estimator, X_CTX, Y_CTX, "batched", n_repeats=3, random_state=0)
    r = _curve(estimator, X_CTX, Y_CTX, "refit", n_repeats=3, random_state=0)
    for key in ("n_train", "n_rejected", "acceptance_rate", "n_classes_train",
                "drift", "score_real", "selected_error"):  # fmt: skip
        np.testing.assert_allclose(b[key], r[key], rtol=1e-12, err_msg=key)
    assert list(b["termination_condition"]) == ["max_generations"] * 3
    assert np.all(b["n_train"][:, 1:] == 0)


def test_a_pos_label_no_label_can_equal_is_refused_by_both_engines():
    # string labels and the default pos_label=1: every row would get the
    # sign -1; both engines refuse it with the same words
    estimator = RecursiveRetrainer(
        FrequencyClassifier(), n_generations=2,
        verifier=LinearVerifier([1.0, -1.0]), threshold=0.0,
    )  # fmt: skip
    message = (
        "LinearVerifier has pos_label=1, which no label can equal: the labels "
        "are strings (such as '"
    )
    for engine in ("batched", "refit"):
        with pytest.raises(ValueError, match="^" + re.escape(message)):
            _curve(estimator, X_CTX, Y_CTX, engine, n_repeats=2, random_state=0)


# ----------------------------------------------------------------------
# The closed form of Feng et al.: the error left after verification
# ----------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("keep_correct, keep_wrong", [(0.9, 0.3), (0.55, 0.8)])
def test_noisy_oracle_of_the_real_labels_leaves_the_effective_error(
    keep_correct, keep_wrong
):
    """With a truth that is the real label of every row (one row per
    context), the verifier's "correct" is the trajectory's: kept wrong rows
    are ``selected_error * kept`` and the error of the batch
    ``synthetic_error``; D = wrong kept - effective_error(p) * kept has mean
    0 per generation (p pooled over 20,000 repeats)."""
    rng = np.random.RandomState(3)
    X = np.arange(23, dtype=float).reshape(-1, 1)  # 23 contexts of one row
    y = rng.choice(["u", "v", "w"], size=23, p=[0.6, 0.3, 0.1])
    estimator = RecursiveRetrainer(
        FrequencyClassifier(alpha=0.4), n_generations=3, real_fraction=1.0,
        synthetic_size=0.7, verifier=NoisyVerifier(LabelLookup(X, y),
                                                   keep_correct, keep_wrong),
        threshold=0.5,
    )  # fmt: skip
    result = _curve(estimator, X, y, n_repeats=20_000, random_state=2)
    n_slots = 16  # round(0.7 * 23)
    kept = result["acceptance_rate"][:, 1:] * n_slots
    wrong = result["synthetic_error"][:, 1:] * n_slots
    wrong_kept = np.nan_to_num(result["selected_error"][:, 1:]) * kept
    p = wrong.sum(axis=0) / (n_slots * wrong.shape[0])
    assert np.all((p > 0.05) & (p < 0.95))  # an error rate the rule must correct
    p_eff = effective_error(p, keep_correct, keep_wrong)
    assert_mc_agrees(wrong_kept - p_eff * kept, 0.0, family_wise="bonferroni")
    # and the share kept is keep_correct (1 - p) + keep_wrong p
    assert_mc_agrees(
        kept / n_slots,
        keep_correct * (1 - p) + keep_wrong * p,
        family_wise="bonferroni",
    )


# ----------------------------------------------------------------------
# Reproducibility and errors
# ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "backend", ["threading", pytest.param("loky", marks=pytest.mark.slow)]
)
def test_bit_identical_for_any_n_jobs(backend):
    estimator = RecursiveRetrainer(
        FrequencyClassifier(alpha=0.1), n_generations=3, inputs="bootstrap",
        verifier=NoisyVerifier(TRUTH, 0.8, 0.3), threshold=0.5, n_candidates=2,
        data="accumulate", metrics="all",
    )  # fmt: skip
    kwargs = dict(n_repeats=7, random_state=3, engine="batched")
    one = collapse_curve(estimator, X_CTX, Y_CTX, n_jobs=1, **kwargs)
    with joblib.parallel_config(backend=backend):
        two = collapse_curve(estimator, X_CTX, Y_CTX, n_jobs=2, chunk_size=2, **kwargs)
    prefix = collapse_curve(estimator, X_CTX, Y_CTX, n_repeats=4, random_state=3,
                            engine="batched")  # fmt: skip
    for key in one:
        if key != "fit_time":
            np.testing.assert_array_equal(one[key], two[key], err_msg=key)
            np.testing.assert_array_equal(one[key][:4], prefix[key], err_msg=key)


def _linear_truth(X):
    return X @ [1.0, -2.0, 0.5] + 0.7


def _scores(X, y):
    return np.ones(len(y))


UNCOVERED = [
    (_owner(verifier=_scores, threshold=0.5), X_CTX, Y_CTX,
     "verifier=function (a callable"),
    (_owner(verifier=LogisticRegression(), threshold=0.5), X_CTX, Y_CTX,
     "verifier=LogisticRegression (an estimator"),
    (_owner(verifier=TRUTH, threshold=0.5), X_CTX, Y_CTX,
     "verifier=LabelLookup (a truth, not a verifier"),
    (_owner(verifier=OracleVerifier(TRUTH), threshold=0.5,
            data="accumulate-subsample"), X_CTX, Y_CTX,
     "data='accumulate-subsample'"),
    (RecursiveRetrainer(Ridge(), n_generations=2, threshold=0.5,
                        verifier=OracleVerifier(_linear_truth),
                        label_noise=1.0, inputs=GaussianDensity()),
     X_LIN, Y_LIN, "verifier= with inputs=GaussianDensity()"),
    (RecursiveDensityRetrainer(CategoricalDensity(), n_generations=2,
                               verifier=lambda X: np.ones(len(X)), threshold=0.5),
     np.arange(12).reshape(-1, 1) % 5, None,
     "the batched CategoricalFamily does not select"),
]  # fmt: skip


@pytest.mark.parametrize("estimator, X, y, reason", UNCOVERED)
def test_uncovered_verifiers(estimator, X, y, reason):
    with pytest.raises(ValueError, match="engine='batched' does not cover") as info:
        collapse_curve(estimator, X, y, n_repeats=2, random_state=0,
                       engine="batched")  # fmt: skip
    assert reason in str(info.value)
    if isinstance(estimator.verifier, LabelLookup):
        # the refit path refuses it too, at its first batch: labels as scores
        with pytest.raises(ValueError, match="must return real numbers"):
            _curve(estimator, X, y, "auto", n_repeats=2, random_state=0)
        return
    result = _curve(estimator, X, y, "auto", n_repeats=2, random_state=0)
    assert list(result["engine"]) == ["refit", "refit"]
