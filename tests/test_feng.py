"""Building blocks of the Feng et al. experiments (skcollapse.experiments._feng).

The experiments themselves run in tests/test_experiments.py (slow tier).
"""

import warnings

import numpy as np
import pytest
from scipy.stats import spearmanr
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPRegressor

from skcollapse import RecursiveRetrainer
from skcollapse.datasets import GaussianClassificationSource
from skcollapse.experiments import feng_eigenvalues, feng_verification
from skcollapse.experiments._feng import (
    EigenvalueVerifier,
    SymmetricMatrices,
    _Accuracy,
    _keep_rates,
    _QuietMLPRegressor,
    _spearman,
    _spearman_rows,
    characteristic_polynomial,
)


def test_symmetric_matrices_are_seeded_and_their_eigenvalues_sorted():
    sampler = SymmetricMatrices(4)
    X = sampler(7, 3)
    assert X.shape == (7, 10)
    np.testing.assert_array_equal(X, sampler(7, 3))
    assert not np.array_equal(X, sampler(7, 4))
    lam = sampler.eigenvalues(X)
    assert lam.shape == (7, 4) and np.all(np.diff(lam, axis=1) >= 0)
    # the first row's matrix, rebuilt by hand from its upper triangle
    rows, cols = np.triu_indices(4)
    A = np.zeros((4, 4))
    A[rows, cols] = X[0]
    A[cols, rows] = X[0]
    np.testing.assert_allclose(lam[0], np.linalg.eigvalsh(A))


@pytest.mark.parametrize("size", [2, 3, 5])
def test_characteristic_polynomial_matches_numpy(size):
    A = np.linalg.qr(np.random.default_rng(size).standard_normal((9, size, size)))[0]
    A = A + np.swapaxes(A, 1, 2)  # symmetric, not trivially diagonal
    coefficients = characteristic_polynomial(A)
    for matrix, c in zip(A, coefficients):
        # np.poly gives the monic coefficients, highest power first
        np.testing.assert_allclose(c[::-1], np.poly(matrix), atol=1e-10)


def test_newton_verifier_scores_the_distance_to_the_nearest_eigenvalue():
    sampler = SymmetricMatrices(3)
    X = sampler(11, 0)
    lam = sampler.eigenvalues(X)
    verifier = EigenvalueVerifier(3)
    np.testing.assert_allclose(verifier(X, lam), 0.0, atol=1e-9)
    # one guess off by a small delta: the Newton step is about delta
    delta = 1e-4
    off = lam.copy()
    off[:, 1] += delta
    np.testing.assert_allclose(verifier(X, off), -delta, rtol=1e-2)
    # larger errors score worse
    assert np.all(verifier(X, lam + 0.3) < verifier(X, lam + 0.01))
    # imperfect: it does not check multiplicities
    same = np.repeat(lam[:, :1], 3, axis=1)
    np.testing.assert_allclose(verifier(X, same), 0.0, atol=1e-9)


def test_trace_verifier_checks_one_invariant_only():
    sampler = SymmetricMatrices(3)
    X = sampler(5, 1)
    lam = sampler.eigenvalues(X)
    verifier = EigenvalueVerifier(3, check="trace")
    np.testing.assert_allclose(verifier(X, lam), 0.0, atol=1e-12)
    # a wrong guess of the right sum passes it
    swapped = lam + np.array([0.5, -0.25, -0.25])
    np.testing.assert_allclose(verifier(X, swapped), 0.0, atol=1e-12)
    np.testing.assert_allclose(verifier(X, lam + 0.1), -0.3, atol=1e-12)
    assert clone(verifier).get_params() == {"size": 3, "check": "trace"}


def test_keep_rates_of_a_ratio():
    assert _keep_rates(0.25) == (1.0, 0.25)
    assert _keep_rates(1.0) == (1.0, 1.0)
    assert _keep_rates(4.0) == (0.25, 1.0)


def test_spearman_is_nan_for_a_constant_side():
    assert np.isnan(_spearman(np.ones(4), np.arange(4.0)))
    assert _spearman(np.arange(5.0), -(np.arange(5.0) ** 3)) == pytest.approx(-1.0)


def test_spearman_rows_match_scipy_with_ties():
    rng = np.random.default_rng(0)
    a = rng.integers(0, 4, size=(6, 13)).astype(float)  # many ties
    b = a + rng.standard_normal((6, 13))
    expected = [spearmanr(x, y)[0] for x, y in zip(a, b)]
    np.testing.assert_allclose(_spearman_rows(a, b), expected, rtol=1e-12)
    assert np.isnan(_spearman_rows(np.ones((1, 5)), b[:1, :5]))[0]


def test_accuracy_measure_is_the_exact_accuracy_of_each_generation():
    source = GaussianClassificationSource([0.6, 0.8])
    X, y = source.sample(301, random_state=2)
    fitted = RecursiveRetrainer(
        LogisticRegression(), n_generations=2, random_state=0
    ).fit(X, y)
    accuracy = _Accuracy(source)(fitted)["accuracy"]
    assert len(accuracy) == 3
    for model, value in zip(fitted.estimators_, accuracy):
        assert value == source.evaluate(model)["accuracy"]
        assert value <= source.bayes_accuracy + 1e-12


def test_quiet_mlp_catches_its_convergence_warning_only_in_its_fit():
    X = SymmetricMatrices(2)(40, 0)
    y = SymmetricMatrices(2).eigenvalues(X)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _QuietMLPRegressor(hidden_layer_sizes=(4,), max_iter=2).fit(X, y)
    # the filter does not outlive the fit: a plain MLP still warns
    with pytest.warns(ConvergenceWarning):
        MLPRegressor(hidden_layer_sizes=(4,), max_iter=2).fit(X, y)


def test_experiments_refuse_bad_settings():
    with pytest.raises(ValueError, match="'separation' parameter"):
        feng_verification(separation=0.0)
    for ratios in ([-1.0, 2.0], [np.nan], []):
        with pytest.raises(ValueError, match="ratios must be finite non-negative"):
            feng_verification(ratios=ratios)
    with pytest.raises(ValueError, match="'check' parameter"):
        feng_eigenvalues(check="oracle")
    with pytest.raises(ValueError, match="'size' parameter"):
        feng_eigenvalues(size=1)
