"""RecursiveRetrainer against the closed forms of the theory, by Monte Carlo.

Each test runs the public estimator many times with a fixed seed and checks,
generation by generation, that the Monte Carlo mean lies within 3 standard
errors of :mod:`skcollapse.theory`. Expectations over the real data (the
Gaussian design, the real tokens) are part of the closed forms, so every
repeat draws its own real data.
"""

import numpy as np
import pytest
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LinearRegression

from skcollapse import RecursiveRetrainer
from skcollapse.theory import categorical_collision, linear_regression_error

pytestmark = pytest.mark.slow


def _assert_within_3_se(samples, expected):
    """Per generation: |mean - expected| <= 3 standard errors."""
    samples = np.asarray(samples)
    mean = samples.mean(axis=0)
    se = samples.std(axis=0, ddof=1) / np.sqrt(samples.shape[0])
    z = np.abs(mean - expected) / se
    assert np.all(z <= 3), f"mean {mean}\nexpected {expected}\nz {z}"
    return mean, se


def _ols_errors(data, n_repeats, n_generations, n_samples, n_features, noise):
    rng = np.random.default_rng(2024)
    errors = np.empty((n_repeats, n_generations + 1))
    for r in range(n_repeats):
        X = rng.standard_normal((n_samples, n_features))
        w = rng.standard_normal(n_features)
        y = X @ w + noise * rng.standard_normal(n_samples)
        est = RecursiveRetrainer(
            LinearRegression(fit_intercept=False),
            n_generations=n_generations,
            data=data,
            inputs="reuse",
            label_noise=noise,
            random_state=r,
        ).fit(X, y)
        # excess risk with Sigma = I
        errors[r] = [np.sum((e.coef_ - w) ** 2) for e in est.estimators_]
    return errors


@pytest.mark.parametrize("data", ["replace", "accumulate"])
def test_fixed_design_ols_matches_gerstgrasser(data):
    n_generations, n_samples, n_features, noise = 8, 60, 10, 1.5
    errors = _ols_errors(data, 1000, n_generations, n_samples, n_features, noise)
    expected = linear_regression_error(
        n_generations,
        n_features=n_features,
        n_samples=n_samples,
        noise=noise,
        data=data,
    )
    mean, se = _assert_within_3_se(errors, expected)
    # The test can tell the two regimes apart: at the last generation the
    # other regime's prediction is many standard errors away.
    other = "accumulate" if data == "replace" else "replace"
    other_expected = linear_regression_error(
        n_generations,
        n_features=n_features,
        n_samples=n_samples,
        noise=noise,
        data=other,
    )
    assert np.abs(mean[-1] - other_expected[-1]) > 10 * se[-1]


def _collision(probabilities, n_repeats, n_generations, n_real, synthetic_size):
    """Collision sum_i p_i(g)^2 of a prior model refitted on sampled labels."""
    rng = np.random.default_rng(7)
    categories = len(probabilities)
    collision = np.empty((n_repeats, n_generations + 1))
    for r in range(n_repeats):
        y = rng.choice(categories, size=n_real, p=probabilities)
        X = np.zeros((n_real, 1))
        est = RecursiveRetrainer(
            DummyClassifier(strategy="prior"),
            n_generations=n_generations,
            label_noise="sample",
            real_fraction=None if synthetic_size is None else 1.0,
            synthetic_size=1.0 if synthetic_size is None else synthetic_size,
            random_state=r,
        ).fit(X, y)
        collision[r] = [np.sum(p[0] ** 2) for p in est.staged_predict_proba(X[:1])]
    return collision


PROBABILITIES = np.arange(1, 6) ** -1.2 / np.sum(np.arange(1, 6) ** -1.2)


def test_fully_synthetic_collision_matches_seddik_theorem_1():
    n, n_generations = 20, 10
    collision = _collision(PROBABILITIES, 1500, n_generations, n, None)
    expected = categorical_collision(n_generations, PROBABILITIES, n_samples=n)
    _assert_within_3_se(collision, expected)
    # and it rises towards a Dirac mass, as the theorem says
    assert expected[-1] > expected[0] + 0.2


def test_partially_synthetic_collision_matches_seddik_theorem_2():
    n_real, n_synthetic, n_generations = 20, 10, 10
    collision = _collision(PROBABILITIES, 1500, n_generations, n_real, n_synthetic)
    expected = categorical_collision(
        n_generations, PROBABILITIES, n_samples=n_synthetic, n_real=n_real
    )
    _assert_within_3_se(collision, expected)
    fully = categorical_collision(n_generations, PROBABILITIES, n_samples=n_real)
    assert expected[-1] < fully[-1]  # real data holds the collapse back
