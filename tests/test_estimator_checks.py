"""scikit-learn's own estimator checks on RecursiveRetrainer around many bases,
and on the generative estimators that have no other home for them."""

import pytest
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
from sklearn.neighbors import KNeighborsRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor
from sklearn.utils.estimator_checks import (
    check_dataframe_column_names_consistency,
    check_param_validation,
)

from skcollapse import RecursiveRetrainer
from skcollapse.generative import EmpiricalDensity
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
# equal (a weight of 10, or zeros trimming rows).
NO_BASE_WEIGHTS = (
    "the base estimator's fit takes no sample_weight, so RecursiveRetrainer "
    "refuses weights that are not all equal with a clear error instead of "
    "ignoring them"
)
SAMPLE_WEIGHT_CHECKS = ["check_sample_weights_not_overwritten"]


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


@pytest.mark.parametrize("estimator", ESTIMATORS[:1] + ESTIMATORS[5:6], ids=repr)
def test_param_validation(estimator):
    check_param_validation(type(estimator).__name__, estimator)


@pytest.mark.parametrize("estimator", ESTIMATORS[:1] + ESTIMATORS[5:6], ids=repr)
def test_dataframe_column_names_consistency(estimator):
    check_dataframe_column_names_consistency(type(estimator).__name__, estimator)
