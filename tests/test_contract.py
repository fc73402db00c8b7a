"""skcollapse's own contract checks on many configurations of both loops."""

import numpy as np
import pytest
from sklearn.datasets import load_diabetes, load_iris
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.mixture import GaussianMixture
from sklearn.neighbors import KernelDensity
from sklearn.tree import DecisionTreeClassifier

from skcollapse import CollapseWarning, RecursiveDensityRetrainer, RecursiveRetrainer
from skcollapse.generative import CategoricalDensity, GaussianDensity
from skcollapse.utils.estimator_checks import (
    check_recursive_estimator,
    check_trajectory,
)
from skcollapse.verification import NoisyVerifier

X_reg, y_reg = load_diabetes(return_X_y=True)
X_clf, y_clf = load_iris(return_X_y=True)
X_density = np.random.default_rng(0).normal(size=(120, 2))
tokens = np.random.default_rng(0).choice(
    6, size=(150, 1), p=[0.4, 0.2, 0.15, 0.1, 0.1, 0.05]
)

SUPERVISED = [
    (RecursiveRetrainer(Ridge(), n_generations=3), X_reg, y_reg),
    (RecursiveRetrainer(Ridge(), n_generations=3, data="accumulate"), X_reg, y_reg),
    (
        RecursiveRetrainer(
            Ridge(), n_generations=3, data="accumulate-subsample", real_fraction=0.4
        ),
        X_reg,
        y_reg,
    ),
    (
        RecursiveRetrainer(
            Ridge(),
            n_generations=3,
            real_fraction=0.5,
            real_sampling="resample",
            synthetic_size=0.5,
            validation_fraction=0.2,
            store_estimators=False,
        ),
        X_reg,
        y_reg,
    ),
    (
        RecursiveRetrainer(
            LogisticRegression(max_iter=500),
            n_generations=3,
            inputs="bootstrap",
            verifier=NoisyVerifier(lambda X: np.zeros(len(X)), 0.9, 0.5),
            threshold=0.5,
        ),
        X_clf,
        y_clf,
    ),
    (
        RecursiveRetrainer(
            DecisionTreeClassifier(max_depth=3),
            n_generations=3,
            n_candidates=3,
            verifier=DecisionTreeClassifier(max_depth=2),
        ),
        X_clf,
        y_clf,
    ),
]
DENSITY = [
    (RecursiveDensityRetrainer(GaussianDensity(), n_generations=3), X_density),
    (
        RecursiveDensityRetrainer(
            KernelDensity(bandwidth=0.5), n_generations=3, data="accumulate"
        ),
        X_density,
    ),
    (
        RecursiveDensityRetrainer(
            GaussianMixture(2, init_params="random_from_data"),
            n_generations=3,
            real_fraction=0.3,
        ),
        X_density,
    ),
    (RecursiveDensityRetrainer(CategoricalDensity(), n_generations=3), tokens),
]


def _ids(cases):
    # stable across pytest-xdist workers: no object addresses (a lambda's repr)
    return [f"{i}-{type(case[0].estimator).__name__}" for i, case in enumerate(cases)]


@pytest.mark.parametrize("estimator, X, y", SUPERVISED, ids=_ids(SUPERVISED))
def test_supervised_contract(estimator, X, y):
    check_recursive_estimator(estimator, X, y)


@pytest.mark.parametrize("estimator, X", DENSITY, ids=_ids(DENSITY))
def test_density_contract(estimator, X):
    check_recursive_estimator(estimator, X)


def test_contract_holds_after_a_degenerate_stop():
    est = RecursiveRetrainer(
        LogisticRegression(max_iter=1000),
        n_generations=5,
        label_noise="argmax",
        synthetic_size=1,
        random_state=0,
    )
    with pytest.warns(CollapseWarning):
        est.fit(X_clf, y_clf)
    check_trajectory(est)


def test_check_trajectory_catches_a_broken_trajectory():
    est = RecursiveRetrainer(Ridge(), n_generations=2, random_state=0).fit(X_reg, y_reg)
    est.trajectory_["n_real"] = est.trajectory_["n_real"] + 1
    with pytest.raises(AssertionError, match="n_real"):
        check_trajectory(est)
    est = RecursiveRetrainer(Ridge(), n_generations=2, random_state=0).fit(X_reg, y_reg)
    est.sample_generation_ = est.sample_generation_[:-1]
    with pytest.raises(AssertionError, match="sample_generation_"):
        check_trajectory(est)
