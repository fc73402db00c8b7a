"""Tests for skcollapse.generative."""

import inspect
import os
import pickle
import subprocess
import sys
import warnings
from unittest import SkipTest

import numpy as np
import pytest
from conftest import CHECKS_NEEDING_SEVERAL_COLUMNS, SINGLE_COLUMN_REASON
from scipy.stats import multivariate_normal
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from skcollapse.generative import (
    CategoricalDensity,
    FrequencyClassifier,
    GaussianDensity,
)
from skcollapse.utils._testing import assert_mc_agrees, parametrize_sklearn_checks

# The generic checks fit on several columns of floats; CategoricalDensity models
# a single column of integer tokens, so they cannot apply to it (its
# `categorical` input tag already makes sklearn round the data to integers,
# which makes check_fit2d_1feature pass). The same properties are tested on
# single-column data in the `test_categorical_contract_*` tests below.
_CATEGORICAL_CHECKS_NEEDING_SEVERAL_COLUMNS = CHECKS_NEEDING_SEVERAL_COLUMNS + [
    "check_all_zero_sample_weights_error",
    "check_fit2d_1sample",
]

# check_array_api_input does not fit at all unless SCIPY_ARRAY_API=1 was set
# before scipy was imported: it raises SkipTest first (so the test is
# reported skipped, not as an expected failure). Where it runs, it fits on
# make_classification's 10 float columns and gets the single-column
# ValueError (test_categorical_array_api_check_reason is the control).
ARRAY_API_REASON = (
    "skipped unless SCIPY_ARRAY_API=1 is set before scipy is imported; with it, "
    "the check fits CategoricalDensity on 10 float columns and rightly gets its "
    "single-column ValueError"
)


def _expected_failed_checks(estimator):
    if isinstance(estimator, CategoricalDensity):
        return {
            **dict.fromkeys(
                _CATEGORICAL_CHECKS_NEEDING_SEVERAL_COLUMNS, SINGLE_COLUMN_REASON
            ),
            "check_array_api_input": ARRAY_API_REASON,
        }
    return {}


_ARRAY_API_SCRIPT = """
import inspect
import warnings
from sklearn.utils.estimator_checks import check_array_api_input
from skcollapse.generative import CategoricalDensity, GaussianDensity
warnings.simplefilter("ignore")
parameters = inspect.signature(check_array_api_input).parameters
extra = {"expect_only_array_outputs": False}
extra = {k: v for k, v in extra.items() if k in parameters}
for est in (GaussianDensity(), CategoricalDensity()):
    try:
        check_array_api_input(type(est).__name__, est, "numpy", **extra)
        print(type(est).__name__, "passed")
    except ValueError as exc:
        print(type(est).__name__, "ValueError", exc)
"""


@pytest.mark.slow  # a subprocess importing scikit-learn
def test_categorical_array_api_check_reason():
    # Without SCIPY_ARRAY_API the check is skipped before fitting ...
    from sklearn.utils.estimator_checks import check_array_api_input

    parameters = inspect.signature(check_array_api_input).parameters
    extra = {"expect_only_array_outputs": False}
    extra = {k: v for k, v in extra.items() if k in parameters}
    if not os.environ.get("SCIPY_ARRAY_API"):
        with pytest.raises(SkipTest):
            check_array_api_input(
                "CategoricalDensity", CategoricalDensity(), "numpy", **extra
            )
    # ... with it, GaussianDensity (several float columns) passes the same
    # check and CategoricalDensity fails on its single-column error only
    out = subprocess.run(
        [sys.executable, "-c", _ARRAY_API_SCRIPT],
        env={**os.environ, "SCIPY_ARRAY_API": "1"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    assert out[0] == "GaussianDensity passed"
    assert out[1].startswith("CategoricalDensity ValueError")
    assert "single column" in out[1] and "10 columns" in out[1]


@parametrize_sklearn_checks(
    [
        GaussianDensity(),
        GaussianDensity(covariance_type="diag", ddof=0),
        GaussianDensity(covariance_type="spherical", temperature=0.5),
        CategoricalDensity(),
        FrequencyClassifier(),
        FrequencyClassifier(alpha=1.0),
    ],
    _expected_failed_checks,
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


def _assert_no_warnings(function, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return function(*args, **kwargs)


def _correlated_gaussian(n_samples, random_state=0):
    rng = np.random.RandomState(random_state)
    covariance = np.array([[2.0, 0.6, 0.0], [0.6, 1.0, -0.3], [0.0, -0.3, 0.5]])
    mean = np.array([1.0, -2.0, 0.5])
    return rng.multivariate_normal(mean, covariance, size=n_samples), mean, covariance


def _assert_covariance_agrees(estimate, expected, standard_error):
    """The distinct entries of a covariance matrix, jointly at the 3-SE level.

    A whole matrix is no likelier to fail by chance than one number
    (family-wise, Bonferroni over the upper triangle).
    """
    upper = np.triu_indices(len(expected))
    assert_mc_agrees(
        np.asarray(estimate)[upper],
        np.asarray(expected)[upper],
        standard_error=np.asarray(standard_error)[upper],
        family_wise="bonferroni",
    )


# ---------------------------------------------------------------- sample() API

_FITTED_SAMPLERS = {
    "gaussian": lambda: GaussianDensity().fit(_correlated_gaussian(50)[0]),
    "categorical": lambda: CategoricalDensity().fit(
        np.array([[0], [1], [1], [2], [2], [2], [5]])
    ),
}


@pytest.mark.parametrize("name", sorted(_FITTED_SAMPLERS))
def test_sample_shape_dtype_and_empty(name):
    density = _FITTED_SAMPLERS[name]()
    X = density.sample(7, random_state=0)
    expected_dtype = np.float64 if name == "gaussian" else np.int64
    assert X.shape == (7, density.n_features_in_)
    assert X.dtype == expected_dtype
    assert density.sample(random_state=0).shape == (1, density.n_features_in_)
    empty = density.sample(0, random_state=0)
    assert empty.shape == (0, density.n_features_in_)
    assert empty.dtype == expected_dtype


@pytest.mark.parametrize("name", sorted(_FITTED_SAMPLERS))
def test_sample_reproducible_and_seed_dependent(name):
    density = _FITTED_SAMPLERS[name]()
    np.testing.assert_array_equal(
        density.sample(30, random_state=1), density.sample(30, random_state=1)
    )
    assert not np.array_equal(
        density.sample(30, random_state=1), density.sample(30, random_state=2)
    )
    # a RandomState instance is advanced, not reset
    rng = np.random.RandomState(0)
    assert not np.array_equal(
        density.sample(30, random_state=rng), density.sample(30, random_state=rng)
    )


@pytest.mark.parametrize("name", sorted(_FITTED_SAMPLERS))
def test_sample_rejects_bad_n_samples(name):
    density = _FITTED_SAMPLERS[name]()
    with pytest.raises(ValueError, match="n_samples"):
        density.sample(-1)
    with pytest.raises(TypeError, match="n_samples"):
        density.sample(2.5)


@pytest.mark.parametrize("estimator", [GaussianDensity(), CategoricalDensity()])
def test_sample_before_fit_raises(estimator):
    with pytest.raises(NotFittedError):
        estimator.sample(3)


# ------------------------------------------------------------- GaussianDensity


def test_gaussian_fit_matches_numpy():
    X, _, _ = _correlated_gaussian(40)
    full = GaussianDensity().fit(X)
    np.testing.assert_allclose(full.mean_, X.mean(axis=0))
    np.testing.assert_allclose(full.covariance_, np.cov(X, rowvar=False))
    mle = GaussianDensity(ddof=0).fit(X)
    np.testing.assert_allclose(mle.covariance_, np.cov(X, rowvar=False, ddof=0))
    diag = GaussianDensity(covariance_type="diag").fit(X)
    np.testing.assert_allclose(diag.covariance_, np.diag(X.var(axis=0, ddof=1)))
    spherical = GaussianDensity(covariance_type="spherical").fit(X)
    np.testing.assert_allclose(
        spherical.covariance_, X.var(axis=0, ddof=1).mean() * np.eye(3)
    )


def test_gaussian_one_sample():
    with pytest.raises(ValueError, match="n_samples=1"):
        GaussianDensity().fit([[1.0, 2.0]])
    density = GaussianDensity(ddof=0).fit([[1.0, 2.0]])
    np.testing.assert_array_equal(density.covariance_, np.zeros((2, 2)))


def test_gaussian_zero_total_weight_raises():
    with pytest.raises(ValueError, match="weight"):
        GaussianDensity().fit([[0.0], [1.0]], sample_weight=[0.0, 1.0])


@pytest.mark.parametrize("covariance_type", ["full", "diag", "spherical"])
@pytest.mark.parametrize("temperature", [1.0, 0.3])
def test_gaussian_score_samples_matches_scipy(covariance_type, temperature):
    X, _, _ = _correlated_gaussian(60)
    density = GaussianDensity(covariance_type=covariance_type, temperature=temperature)
    density.fit(X)
    X_test = X[:10] + 0.5
    expected = multivariate_normal(
        density.mean_, temperature * density.covariance_
    ).logpdf(X_test)
    np.testing.assert_allclose(density.score_samples(X_test), expected)
    assert density.score(X_test) == pytest.approx(expected.mean())


def test_gaussian_identical_samples_are_a_point_mass():
    # the end point of collapse; 0.1 * 3 / 3 != 0.1 in floating point, so the
    # mean must not be computed by summation
    X = np.full((3, 2), 0.1)
    density = _assert_no_warnings(GaussianDensity().fit, X)
    np.testing.assert_array_equal(density.mean_, [0.1, 0.1])
    np.testing.assert_array_equal(density.covariance_, np.zeros((2, 2)))
    scores = _assert_no_warnings(
        density.score_samples, [[0.1, 0.1], [0.1, 0.2], [5.0, -1.0]]
    )
    np.testing.assert_array_equal(scores, [0.0, -np.inf, -np.inf])
    assert density.score([[0.1, 0.1]]) == 0.0
    assert density.score([[0.1, 0.1], [1.0, 1.0]]) == -np.inf
    np.testing.assert_array_equal(
        density.sample(4, random_state=0), np.full((4, 2), 0.1)
    )


def test_gaussian_collinear_data_scores_on_the_support():
    rng = np.random.RandomState(0)
    t = rng.normal(size=(50, 1))
    X = np.hstack([t, 2 * t + 1])  # all points on the line x2 = 2 x1 + 1
    density = _assert_no_warnings(GaussianDensity().fit, X)
    on_line = np.array([[0.3, 1.6], [-1.0, -1.0]])
    off_line = np.array([[0.3, 1.7]])
    scores = _assert_no_warnings(density.score_samples, np.vstack([on_line, off_line]))
    expected = multivariate_normal(
        density.mean_, density.covariance_, allow_singular=True
    ).logpdf(on_line)
    np.testing.assert_allclose(scores[:2], expected)
    assert scores[2] == -np.inf
    # samples stay on the support
    sampled = density.sample(100, random_state=0)
    np.testing.assert_allclose(sampled[:, 1], 2 * sampled[:, 0] + 1)
    assert np.all(np.isfinite(density.score_samples(sampled)))


def test_gaussian_features_in_very_different_units():
    # variances 1e-6 and 2e9: not a degenerate direction
    rng = np.random.RandomState(0)
    X = np.c_[rng.normal(size=200) * 1e-3, rng.normal(size=200) * 5e4]
    density = GaussianDensity().fit(X)
    centered = X[:5] - density.mean_
    expected = -0.5 * (
        2 * np.log(2 * np.pi)
        + np.linalg.slogdet(density.covariance_)[1]
        + np.sum(centered @ np.linalg.inv(density.covariance_) * centered, axis=1)
    )
    np.testing.assert_allclose(density.score_samples(X[:5]), expected)
    sampled = density.sample(5000, random_state=0)
    np.testing.assert_allclose(
        sampled.std(axis=0), np.sqrt(np.diag(density.covariance_)), rtol=0.05
    )


def test_gaussian_collinear_features_in_very_different_units():
    rng = np.random.RandomState(0)
    t = rng.normal(size=(100, 1))
    X = np.c_[t * 1e-3, t * 1e4 + 5, rng.normal(size=(100, 1))]
    density = GaussianDensity().fit(X)
    expected = multivariate_normal(
        density.mean_, density.covariance_, allow_singular=True
    ).logpdf(X[:5])
    np.testing.assert_allclose(density.score_samples(X[:5]), expected)
    sampled = density.sample(1000, random_state=0)
    np.testing.assert_allclose(sampled[:, 1], 1e7 * sampled[:, 0] + 5, atol=1e-8)
    assert np.all(np.isfinite(density.score_samples(sampled)))
    off_support = X[:1] + [[0.0, 1.0, 0.0]]
    assert density.score_samples(off_support)[0] == -np.inf


def test_gaussian_constant_feature_beside_varying_ones():
    rng = np.random.RandomState(0)
    X = np.c_[rng.normal(size=50), np.full(50, 3.7)]
    density = GaussianDensity().fit(X)
    assert density.mean_[1] == 3.7
    scores = density.score_samples([[0.0, 3.7], [0.0, 3.8]])
    assert scores[0] == pytest.approx(
        multivariate_normal(density.mean_[0], density.covariance_[0, 0]).logpdf(0.0)
    )
    assert scores[1] == -np.inf
    np.testing.assert_array_equal(density.sample(10, random_state=0)[:, 1], 3.7)


def test_gaussian_refit_loop_collapses_without_errors():
    # Shumailov et al.: refitting on M samples drives the variance to zero;
    # every generation must fit, score and sample without a warning.
    rng = np.random.RandomState(0)
    X = rng.normal(size=(3, 2))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(300):
            density = GaussianDensity().fit(X)
            X = density.sample(3, random_state=rng)
            assert np.all(np.isfinite(density.score_samples(X)))
    assert np.trace(density.covariance_) < 1e-6


def test_gaussian_sample_mean_and_covariance():
    X, _, _ = _correlated_gaussian(200)
    density = GaussianDensity().fit(X)
    n = 20_000
    sampled = density.sample(n, random_state=0)
    mean, covariance = density.mean_, density.covariance_
    variances = np.diag(covariance)
    assert_mc_agrees(
        sampled.mean(axis=0),
        mean,
        standard_error=np.sqrt(variances / n),
        family_wise="bonferroni",
    )
    # standard error of a sample covariance entry of Gaussian data
    covariance_se = np.sqrt((np.outer(variances, variances) + covariance**2) / n)
    _assert_covariance_agrees(np.cov(sampled, rowvar=False), covariance, covariance_se)


@pytest.mark.parametrize("temperature", [0.25, 2.0])
def test_gaussian_temperature_scales_the_covariance(temperature):
    X, _, _ = _correlated_gaussian(200)
    density = GaussianDensity(temperature=temperature).fit(X)
    # covariance_ is the estimate from the data
    np.testing.assert_allclose(density.covariance_, np.cov(X, rowvar=False))
    n = 20_000
    sampled = density.sample(n, random_state=0)
    covariance = temperature * density.covariance_
    variances = np.diag(covariance)
    covariance_se = np.sqrt((np.outer(variances, variances) + covariance**2) / n)
    _assert_covariance_agrees(np.cov(sampled, rowvar=False), covariance, covariance_se)


def test_gaussian_ddof1_variance_is_unbiased():
    # E sigma_hat^2 = sigma^2 with ddof=1 (the theory of Shumailov et al.),
    # ((M - 1) / M) sigma^2 with ddof=0
    rng = np.random.RandomState(0)
    n_repeats, M = 4000, 5
    data = rng.normal(scale=2.0, size=(n_repeats, M, 1))
    unbiased = np.array([GaussianDensity().fit(x).covariance_[0, 0] for x in data])
    mle = np.array([GaussianDensity(ddof=0).fit(x).covariance_[0, 0] for x in data])
    assert_mc_agrees(unbiased, 4.0)
    assert_mc_agrees(mle, 4.0 * (M - 1) / M)


# ----------------------------------------------------------- CategoricalDensity

TOKENS = np.array([[0], [0], [0], [0], [1], [1], [1], [2], [2], [3]])  # .4 .3 .2 .1


def test_categorical_fit_attributes():
    density = CategoricalDensity().fit(TOKENS)
    np.testing.assert_array_equal(density.categories_, [0, 1, 2, 3])
    assert density.categories_.dtype == np.int64
    np.testing.assert_array_equal(density.counts_, [4, 3, 2, 1])
    np.testing.assert_allclose(density.probabilities_, [0.4, 0.3, 0.2, 0.1])
    assert density.n_features_in_ == 1


def test_categorical_accepts_integral_floats_and_negative_tokens():
    density = CategoricalDensity().fit(np.array([[-3.0], [2.0], [2.0]]))
    np.testing.assert_array_equal(density.categories_, [-3, 2])
    np.testing.assert_allclose(density.probabilities_, [1 / 3, 2 / 3])


def test_categorical_rejects_non_integers_and_several_columns():
    with pytest.raises(ValueError, match="integer tokens.*0.5"):
        CategoricalDensity().fit([[1.0], [0.5]])
    density = CategoricalDensity().fit(TOKENS)
    with pytest.raises(ValueError, match="integer tokens"):
        density.score_samples([[1.5]])
    with pytest.raises(ValueError, match="single column"):
        CategoricalDensity().fit(np.zeros((5, 2)))
    with pytest.raises(ValueError, match="NaN"):
        CategoricalDensity().fit([[1.0], [np.nan]])


def test_categorical_unseen_tokens_have_probability_zero():
    density = CategoricalDensity(categories=[0, 1, 2, 3, 4]).fit(TOKENS)
    np.testing.assert_allclose(density.probabilities_, [0.4, 0.3, 0.2, 0.1, 0.0])
    scores = _assert_no_warnings(density.score_samples, [[0], [4], [99], [-1]])
    assert scores[0] == pytest.approx(np.log(0.4))
    np.testing.assert_array_equal(scores[1:], -np.inf)
    assert density.score([[4]]) == -np.inf


def test_categorical_alpha_smooths_over_the_vocabulary():
    density = CategoricalDensity(alpha=1.0, categories=np.arange(6)).fit(TOKENS)
    # (count + 1) / (10 + 6)
    np.testing.assert_allclose(
        density.probabilities_, [5, 4, 3, 2, 1, 1] / np.array(16)
    )
    assert np.isfinite(density.score_samples([[5]])[0])
    assert density.score_samples([[6]])[0] == -np.inf  # outside the vocabulary
    auto = CategoricalDensity(alpha=1.0).fit(TOKENS)
    np.testing.assert_allclose(auto.probabilities_, [5, 4, 3, 2] / np.array(14))


def test_categorical_training_token_outside_categories_raises():
    with pytest.raises(ValueError, match=r"\[3\].*not in `categories`"):
        CategoricalDensity(categories=[0, 1, 2]).fit(TOKENS)


def test_categorical_top_k():
    density = CategoricalDensity(top_k=2).fit(TOKENS)
    np.testing.assert_allclose(density.probabilities_, [4 / 7, 3 / 7, 0, 0])
    # ties are broken in favour of the smaller token
    tied = CategoricalDensity(top_k=2).fit([[5], [5], [1], [3], [2]])
    np.testing.assert_allclose(tied.probabilities_, [1 / 3, 0, 0, 2 / 3])
    # top_k larger than the vocabulary keeps everything
    all_kept = CategoricalDensity(top_k=10).fit(TOKENS)
    np.testing.assert_allclose(all_kept.probabilities_, [0.4, 0.3, 0.2, 0.1])


@pytest.mark.parametrize(
    "top_p, expected",
    [
        (0.1, [1.0, 0, 0, 0]),
        (0.4, [1.0, 0, 0, 0]),  # the boundary: mass exactly 0.4 suffices
        (0.5, [4 / 7, 3 / 7, 0, 0]),
        (0.7, [4 / 7, 3 / 7, 0, 0]),
        (0.75, [4 / 9, 3 / 9, 2 / 9, 0]),
        (1.0, [0.4, 0.3, 0.2, 0.1]),
    ],
)
def test_categorical_top_p(top_p, expected):
    density = CategoricalDensity(top_p=top_p).fit(TOKENS)
    np.testing.assert_allclose(density.probabilities_, expected)


def test_categorical_temperature():
    p = np.array([0.4, 0.3, 0.2, 0.1])
    for temperature in [0.5, 2.0]:
        density = CategoricalDensity(temperature=temperature).fit(TOKENS)
        tempered = p ** (1 / temperature)
        np.testing.assert_allclose(density.probabilities_, tempered / tempered.sum())
    # a tiny temperature is greedy decoding, without overflow warnings
    greedy = _assert_no_warnings(CategoricalDensity(temperature=1e-4).fit, TOKENS)
    np.testing.assert_allclose(greedy.probabilities_, [1, 0, 0, 0], atol=1e-12)


def test_categorical_temperature_applies_before_top_p():
    # tempered with T=0.5: [16, 9, 4, 1] / 30; a nucleus of 0.8 then needs 2
    # tokens (25/30 >= 0.8), whereas the untempered distribution needs 3
    density = CategoricalDensity(temperature=0.5, top_p=0.8).fit(TOKENS)
    np.testing.assert_allclose(density.probabilities_, [16 / 25, 9 / 25, 0, 0])


def test_categorical_score_samples_uses_the_emitting_distribution():
    density = CategoricalDensity(top_k=3, temperature=0.5).fit(TOKENS)
    scores = density.score_samples(TOKENS)
    with np.errstate(divide="ignore"):
        expected = np.log(density.probabilities_)[TOKENS[:, 0]]
    np.testing.assert_allclose(scores, expected)
    assert scores[-1] == -np.inf  # token 3 is cut


@pytest.mark.parametrize(
    "params", [{}, {"top_k": 2}, {"top_p": 0.75}, {"temperature": 0.5}]
)
def test_categorical_sampling_frequencies(params):
    density = CategoricalDensity(**params).fit(TOKENS)
    n = 20_000
    sampled = density.sample(n, random_state=0)[:, 0]
    frequencies = np.array([np.mean(sampled == c) for c in density.categories_])
    p = density.probabilities_
    assert_mc_agrees(
        frequencies,
        p,
        standard_error=np.sqrt(p * (1 - p) / n),
        family_wise="bonferroni",
    )
    assert set(np.unique(sampled)) == set(density.categories_[p > 0])


def test_categorical_sample_weight():
    weighted = CategoricalDensity().fit([[0], [1], [2]], sample_weight=[3, 1, 0])
    np.testing.assert_array_equal(weighted.categories_, [0, 1])
    np.testing.assert_allclose(weighted.probabilities_, [0.75, 0.25])
    with pytest.raises(ValueError, match="zero"):
        CategoricalDensity().fit([[0], [1]], sample_weight=[0, 0])


def test_categorical_refit_collision_follows_seddik_theorem_1():
    # fully synthetic resampling: S_m = 1 - (1 - 1/n)^m (1 - S_0)
    p = np.array([0.5, 0.3, 0.2])
    n, n_generations, n_repeats = 10, 3, 300
    rng = np.random.RandomState(0)
    collisions = []
    for _ in range(n_repeats):
        density = CategoricalDensity(categories=[0, 1, 2]).fit(
            [[0]] * 5 + [[1]] * 3 + [[2]] * 2
        )
        for _ in range(n_generations):
            density = CategoricalDensity(categories=[0, 1, 2]).fit(
                density.sample(n, random_state=rng)
            )
        collisions.append(np.sum(density.probabilities_**2))
    expected = 1 - (1 - 1 / n) ** n_generations * (1 - np.sum(p**2))
    assert_mc_agrees(collisions, expected)


# Single-column versions of the generic checks that CategoricalDensity cannot run


def test_categorical_contract_fit_returns_self_and_keeps_params():
    density = CategoricalDensity(alpha=0.5, top_k=3, categories=[0, 1, 2, 3, 4])
    params = density.get_params()
    assert density.fit(TOKENS) is density
    assert density.get_params() == params
    clone(density)  # parameters survive clone


def test_categorical_contract_not_fitted():
    density = CategoricalDensity()
    for method in (density.score_samples, density.score):
        with pytest.raises(NotFittedError):
            method(TOKENS)


def test_categorical_contract_pickle_and_idempotent_fit():
    density = CategoricalDensity(alpha=0.1, top_p=0.9).fit(TOKENS)
    restored = pickle.loads(pickle.dumps(density))
    np.testing.assert_array_equal(
        restored.score_samples(TOKENS), density.score_samples(TOKENS)
    )
    refitted = clone(density).fit(TOKENS).fit(TOKENS)
    np.testing.assert_array_equal(refitted.probabilities_, density.probabilities_)


def test_categorical_contract_order_and_subset_invariance():
    density = CategoricalDensity(alpha=0.2).fit(TOKENS)
    scores = density.score_samples(TOKENS)
    order = np.random.RandomState(0).permutation(len(TOKENS))
    np.testing.assert_array_equal(density.score_samples(TOKENS[order]), scores[order])
    np.testing.assert_array_equal(density.score_samples(TOKENS[:3]), scores[:3])
    shuffled = CategoricalDensity(alpha=0.2).fit(TOKENS[order])
    np.testing.assert_array_equal(shuffled.probabilities_, density.probabilities_)


def test_categorical_contract_rejects_infinite_values_and_checks_width():
    with pytest.raises(ValueError, match="infinity"):
        CategoricalDensity().fit([[1.0], [np.inf]])
    density = CategoricalDensity().fit(TOKENS)
    with pytest.raises(ValueError, match="features"):
        density.score_samples(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="2D array"):
        density.score_samples(np.array([1, 2]))


def test_categorical_contract_sample_weight_equivalence():
    weights = np.array([2, 0, 1, 3, 1, 1, 0, 2, 1, 1])
    weighted = CategoricalDensity(alpha=0.5).fit(TOKENS, sample_weight=weights)
    repeated = CategoricalDensity(alpha=0.5).fit(np.repeat(TOKENS, weights, axis=0))
    np.testing.assert_array_equal(weighted.categories_, repeated.categories_)
    np.testing.assert_allclose(weighted.probabilities_, repeated.probabilities_)


def test_categorical_contract_feature_names():
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"token": TOKENS[:, 0]})
    density = CategoricalDensity().fit(frame)
    np.testing.assert_array_equal(density.feature_names_in_, ["token"])
    with pytest.warns(UserWarning, match="feature names"):
        density.score_samples(TOKENS)
    # int32 and bool columns work too
    np.testing.assert_array_equal(
        CategoricalDensity().fit(TOKENS.astype(np.int32)).categories_, [0, 1, 2, 3]
    )
    np.testing.assert_array_equal(
        CategoricalDensity().fit(np.array([[True], [False]])).categories_, [0, 1]
    )


# --------------------------------------------------------- FrequencyClassifier

CONTEXTS = np.array([[0, 0], [0, 0], [0, 0], [0, 0], [1, 0], [1, 0], [0, 1]])
LABELS = np.array(["a", "a", "a", "b", "b", "b", "c"])


def test_frequency_classifier_probabilities_per_context():
    clf = FrequencyClassifier().fit(CONTEXTS, LABELS)
    np.testing.assert_array_equal(clf.classes_, ["a", "b", "c"])
    np.testing.assert_array_equal(clf.contexts_, [[0, 0], [0, 1], [1, 0]])
    np.testing.assert_array_equal(clf.counts_, [[3, 1, 0], [0, 0, 1], [0, 2, 0]])
    np.testing.assert_array_equal(clf.class_count_, [3, 3, 1])
    proba = clf.predict_proba([[0, 0], [1, 0], [0, 1]])
    np.testing.assert_allclose(proba, [[0.75, 0.25, 0], [0, 1, 0], [0, 0, 1]])
    np.testing.assert_array_equal(clf.predict([[0, 0], [1, 0]]), ["a", "b"])


def test_frequency_classifier_unseen_context_uses_the_marginal():
    clf = FrequencyClassifier().fit(CONTEXTS, LABELS)
    np.testing.assert_allclose(clf.predict_proba([[5, 5]]), [[3 / 7, 3 / 7, 1 / 7]])
    smoothed = FrequencyClassifier(alpha=1.0).fit(CONTEXTS, LABELS)
    # (count + 1) / (total + 3): marginal [3, 3, 1], context [0, 1]: [0, 0, 1]
    np.testing.assert_allclose(
        smoothed.predict_proba([[5, 5], [0, 1]]),
        [[4 / 10, 4 / 10, 2 / 10], [1 / 4, 1 / 4, 2 / 4]],
    )


def test_frequency_classifier_negative_zero_is_zero():
    clf = FrequencyClassifier().fit([[0.0], [-0.0], [1.0]], [0, 0, 1])
    assert len(clf.contexts_) == 2
    np.testing.assert_allclose(clf.predict_proba([[-0.0]]), [[1.0, 0.0]])


def test_frequency_classifier_log_proba_has_no_warning():
    clf = FrequencyClassifier().fit(CONTEXTS, LABELS)
    log_proba = _assert_no_warnings(clf.predict_log_proba, [[1, 0]])
    np.testing.assert_array_equal(log_proba, [[-np.inf, 0.0, -np.inf]])


def test_frequency_classifier_sampled_labels_follow_seddik_theorem_1():
    # A recursive loop that draws labels from predict_proba on fixed contexts:
    # per context, E sum_k p_k^2 after m refits on n labels is
    # 1 - (1 - 1/n)^m (1 - S_0) (Seddik et al., Theorem 1).
    n = 8
    X = np.repeat([[0.0], [1.0]], n, axis=0)
    y0 = np.array([0] * 4 + [1] * 2 + [2] * 2 + [0] * 2 + [1] * 6)
    s0 = np.array([(4**2 + 2**2 + 2**2) / n**2, (2**2 + 6**2) / n**2])
    rng = np.random.RandomState(0)
    n_generations, n_repeats = 3, 300
    collisions = np.empty((n_repeats, 2))
    for repeat in range(n_repeats):
        clf = FrequencyClassifier().fit(X, y0)
        for _ in range(n_generations):
            proba = clf.predict_proba(X)
            cumulative = np.cumsum(proba, axis=1)
            draws = (rng.uniform(size=(len(X), 1)) > cumulative).sum(axis=1)
            y = clf.classes_[np.minimum(draws, len(clf.classes_) - 1)]
            clf = FrequencyClassifier().fit(X, y)
        proba = clf.predict_proba([[0.0], [1.0]])
        collisions[repeat] = np.sum(proba**2, axis=1)
    expected = 1 - (1 - 1 / n) ** n_generations * (1 - s0)
    assert_mc_agrees(collisions, expected)


class _FirstColumnTokens(CategoricalDensity):
    """CategoricalDensity of X's first column rounded to tokens: the stated
    cause of SINGLE_COLUMN_REASON (several float columns) removed."""

    def fit(self, X, y=None, sample_weight=None):
        return super().fit(_first_column_tokens(X), y, sample_weight=sample_weight)

    def score_samples(self, X):
        return super().score_samples(_first_column_tokens(X))


def _first_column_tokens(X):
    X = np.asarray(X, dtype=float)
    return np.round(X[:, :1]) if X.ndim == 2 else X


@pytest.mark.parametrize(
    "check_name",
    [
        "check_estimators_fit_returns_self",
        "check_fit_idempotent",
        "check_dict_unchanged",
        "check_dont_overwrite_parameters",
        "check_estimators_overwrite_params",
        "check_methods_subset_invariance",
        "check_methods_sample_order_invariance",
        "check_pipeline_consistency",
        "check_fit_score_takes_y",
        "check_estimators_pickle",
    ],
)
def test_single_column_reason_control(check_name):
    # The expected failures of CategoricalDensity fail on its single-column
    # ValueError, and the same checks pass once it reads one column of tokens
    # (those about n_features_in_ are left out: the control drops columns).
    from sklearn.utils import estimator_checks

    assert check_name in _CATEGORICAL_CHECKS_NEEDING_SEVERAL_COLUMNS
    check = getattr(estimator_checks, check_name)
    with pytest.raises(ValueError, match="single column of integer tokens"):
        check("CategoricalDensity", CategoricalDensity())
    check("_FirstColumnTokens", _FirstColumnTokens())
