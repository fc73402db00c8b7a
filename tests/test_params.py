"""Parameter checks of the meta-estimators: every one before any work.

Booleans are not numbers here: ``n_generations=True`` is a mistake, refused
with scikit-learn's message naming the parameter. Cross-parameter checks
(``_check_params``) run first in ``fit``: no base estimator, input sampler or
verifier is fitted when a combination is refused.
"""

import numpy as np
import pytest
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
