"""scikit-learn's own estimator checks on RecursiveRetrainer around many bases,
and on the generative estimators that have no other home for them."""

import numpy as np
import pytest
import sklearn
from sklearn.base import is_classifier
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor
from sklearn.utils.estimator_checks import (
    check_classifiers_one_label_sample_weights,
    check_dataframe_column_names_consistency,
    check_param_validation,
    check_sample_weight_equivalence_on_dense_data,
    check_sample_weights_not_overwritten,
)
from sklearn.utils.fixes import parse_version

from skcollapse import RecursiveRetrainer
from skcollapse.generative import EmpiricalDensity, NGramLanguageModel
from skcollapse.utils._testing import parametrize_sklearn_checks

# Noise is drawn per synthetic row, so a row of weight 2 is not the same as the
# row repeated twice (the repeat gets two independent noisy labels): the two
# sample-weight *equivalence* checks cannot hold for a recursive retrainer.
NOISE_PER_ROW = (
    "synthetic labels are drawn per row: a weight of 2 and a duplicated row get "
    "different noise, so weighting is not equivalent to repetition"
)


# RecursiveRetrainer refuses sample_weight when the base cannot use it, rather
# than dropping the weights silently; weights that are all equal are the same
# fit as none and are accepted. These checks pass weights that are not all
# equal (a weight of 10, or zeros trimming rows), so they fail on that
# ValueError before any label is drawn, whatever the label noise (controls:
# test_no_base_weights_* below).
NO_BASE_WEIGHTS = (
    "the base estimator's fit takes no sample_weight, so RecursiveRetrainer "
    "refuses weights that are not all equal with a ValueError (with any "
    "label_noise) instead of ignoring them"
)
SAMPLE_WEIGHT_CHECKS = [
    "check_sample_weights_not_overwritten",
    "check_sample_weight_equivalence_on_dense_data",
    "check_sample_weight_equivalence_on_sparse_data",
]


SUBSAMPLED = (
    "rows are subsampled uniformly (accumulate-subsample, real_fraction < 1): a "
    "row of weight 2 is drawn once, a duplicated row can be drawn twice"
)


def _expected_failed_checks(estimator):
    expected = {}
    deterministic = estimator.label_noise in ("argmax", 0.0)
    subsampled = estimator.data == "accumulate-subsample" or estimator.real_fraction
    if not deterministic or subsampled:
        reason = NOISE_PER_ROW if not deterministic else SUBSAMPLED
        expected["check_sample_weight_equivalence_on_dense_data"] = reason
        expected["check_sample_weight_equivalence_on_sparse_data"] = reason
    if isinstance(estimator.estimator, KNeighborsRegressor):
        expected.update(dict.fromkeys(SAMPLE_WEIGHT_CHECKS, NO_BASE_WEIGHTS))
    return expected


ESTIMATORS = [
    RecursiveRetrainer(Ridge(), n_generations=3),
    RecursiveRetrainer(LinearRegression(), n_generations=3),
    RecursiveRetrainer(KNeighborsRegressor(), n_generations=3),
    RecursiveRetrainer(DecisionTreeRegressor(max_depth=4), n_generations=3),
    RecursiveRetrainer(HistGradientBoostingRegressor(max_iter=20), n_generations=2),
    RecursiveRetrainer(LogisticRegression(), n_generations=3),
    # A stump has impure leaves, so its sampled labels are random. (Deep trees
    # have pure leaves on the checks' data, their labels are deterministic, and
    # collapse can even bring the weighted and repeated fits to the same point.)
    RecursiveRetrainer(DecisionTreeClassifier(max_depth=1), n_generations=2),
    # Deterministic labels and inherited weights: weighting equals repetition.
    RecursiveRetrainer(
        DecisionTreeClassifier(max_depth=4), n_generations=3, label_noise="argmax"
    ),
    RecursiveRetrainer(make_pipeline(StandardScaler(), Ridge()), n_generations=3),
    RecursiveRetrainer(Ridge(), n_generations=2, data="accumulate", real_fraction=0.5),
    RecursiveRetrainer(
        DecisionTreeClassifier(max_depth=3),
        n_generations=2,
        data="accumulate-subsample",
        label_noise="argmax",
    ),
]


@parametrize_sklearn_checks(ESTIMATORS, _expected_failed_checks)
def test_sklearn_compatible(estimator, check):
    check(estimator)


@parametrize_sklearn_checks([EmpiricalDensity()])
def test_sklearn_compatible_generative(estimator, check):
    check(estimator)


# NGramLanguageModel's `categorical` tag makes scikit-learn round the checks'
# data to non-negative integer tokens, except in these two checks.
NGRAM_EXPECTED = {
    "check_sample_weight_equivalence_on_dense_data": (
        "the check fits uniform floats in [0, 1) that no input tag rounds, and "
        "NGramLanguageModel refuses non-integer tokens with a ValueError; "
        "weighting is repetition on integer tokens "
        "(tests/test_language.py::test_sample_weight_is_repetition_on_integer_tokens)"
    ),
    "check_array_api_input": (
        "skipped unless SCIPY_ARRAY_API=1 is set before scipy is imported; "
        "with it, the check fits make_classification's float columns and "
        "NGramLanguageModel rightly refuses non-integer tokens"
    ),
}


if parse_version(sklearn.__version__) < parse_version("1.7"):
    NGRAM_EXPECTED["check_positive_only_tag_during_fit"] = (
        "scikit-learn 1.6's check subtracts the float mean in place from the "
        "integer tokens its own _enforce_estimator_tags_X made (X -= X.mean(): "
        "a casting error inside the check, before fit); later releases cast the "
        "mean to X's dtype, and the check passes there"
    )


@parametrize_sklearn_checks(
    [NGramLanguageModel(), NGramLanguageModel(n_context=2, alpha=0.5)],
    lambda estimator: NGRAM_EXPECTED,
)
def test_sklearn_compatible_ngram(estimator, check):
    check(estimator)


@pytest.mark.parametrize("estimator", ESTIMATORS[:1] + ESTIMATORS[5:6], ids=repr)
def test_param_validation(estimator):
    check_param_validation(type(estimator).__name__, estimator)


@pytest.mark.parametrize("estimator", ESTIMATORS[:1] + ESTIMATORS[5:6], ids=repr)
def test_dataframe_column_names_consistency(estimator):
    check_dataframe_column_names_consistency(type(estimator).__name__, estimator)


# --------------------------------------------------------------------------
# Controls: each expected failure above passes once its stated cause is gone
# --------------------------------------------------------------------------
class _WeightsAsRepeats:
    """Mixin: ``fit`` takes integer sample weights as repeats of the rows."""

    def fit(self, X, y, sample_weight=None):
        if sample_weight is not None:
            repeats = np.asarray(sample_weight).astype(int)
            X, y = np.repeat(X, repeats, axis=0), np.repeat(y, repeats, axis=0)
        return super().fit(X, y)


class _RepeatingKNeighborsRegressor(_WeightsAsRepeats, KNeighborsRegressor):
    """KNeighborsRegressor whose fit takes integer sample weights as repeats."""


class _RepeatingKNeighborsClassifier(_WeightsAsRepeats, KNeighborsClassifier):
    """KNeighborsClassifier whose fit takes integer sample weights as repeats."""


EQUIVALENCE = check_sample_weight_equivalence_on_dense_data


@pytest.mark.parametrize(
    "base, label_noise",
    [(KNeighborsRegressor(), 0.0), (KNeighborsClassifier(), "argmax")],
    ids=["regressor", "classifier"],
)
def test_no_base_weights_fails_on_the_sample_weight_error_not_the_noise(
    base, label_noise
):
    # NO_BASE_WEIGHTS / test_robustness_supervised's UNEQUAL_WEIGHTS: with the
    # label noise switched off, the k-NN bases still fail, on the ValueError
    # for sample_weight (so noise per row is not why they fail) ...
    est = RecursiveRetrainer(base, n_generations=3, label_noise=label_noise)
    with pytest.raises(ValueError, match="does not accept sample_weight"):
        EQUIVALENCE(type(est).__name__, est)
    with pytest.raises(ValueError, match="does not accept sample_weight"):
        check_sample_weights_not_overwritten(type(est).__name__, est)


@pytest.mark.parametrize(
    "base, label_noise",
    [
        (_RepeatingKNeighborsRegressor(), 0.0),
        (_RepeatingKNeighborsClassifier(), "argmax"),
    ],
    ids=["regressor", "classifier"],
)
def test_no_base_weights_control_a_base_taking_weights_passes(base, label_noise):
    # ... and the same k-NN that takes weights (as repeats) passes the checks
    est = RecursiveRetrainer(base, n_generations=3, label_noise=label_noise)
    EQUIVALENCE(type(est).__name__, est)
    check_sample_weights_not_overwritten(type(est).__name__, est)
    if is_classifier(est):
        check_classifiers_one_label_sample_weights(type(est).__name__, est)


@pytest.mark.parametrize(
    "noisy, control",
    [
        # NOISE_PER_ROW: the same bases with deterministic labels pass
        (
            RecursiveRetrainer(Ridge(), n_generations=3),
            RecursiveRetrainer(Ridge(), n_generations=3, label_noise=0.0),
        ),
        (
            RecursiveRetrainer(DecisionTreeClassifier(max_depth=1), n_generations=2),
            RecursiveRetrainer(
                DecisionTreeClassifier(max_depth=1),
                n_generations=2,
                label_noise="argmax",
            ),
        ),
        # SUBSAMPLED: the same loop accumulating every row passes
        (
            RecursiveRetrainer(
                DecisionTreeClassifier(max_depth=3),
                n_generations=2,
                data="accumulate-subsample",
                label_noise="argmax",
            ),
            RecursiveRetrainer(
                DecisionTreeClassifier(max_depth=3),
                n_generations=2,
                data="accumulate",
                label_noise="argmax",
            ),
        ),
    ],
    ids=["noise-regressor", "noise-classifier", "subsampled"],
)
def test_equivalence_failures_pass_without_their_cause(noisy, control):
    with pytest.raises(AssertionError):
        EQUIVALENCE(type(noisy).__name__, noisy)
    EQUIVALENCE(type(control).__name__, control)
