"""Tests for the data sources of skcollapse.datasets and their ground truth."""

import pickle

import numpy as np
import pytest
from scipy import integrate
from scipy.linalg import sqrtm
from scipy.special import ndtr
from scipy.stats import multivariate_normal, norm
from sklearn.base import clone
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
from sklearn.mixture import GaussianMixture
from sklearn.neighbors import KernelDensity
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from skcollapse import RecursiveDensityRetrainer, RecursiveRetrainer
from skcollapse._sources import EVALUATION_SEED, EVALUATION_SIZE
from skcollapse.datasets import (
    CategoricalSource,
    GaussianClassificationSource,
    GaussianMixtureSource,
    GaussianSource,
    LinearSource,
    make_zipf,
)
from skcollapse.generative import CategoricalDensity, GaussianDensity
from skcollapse.utils._testing import assert_mc_agrees

COVARIANCE_3 = np.array([[2.0, 0.6, 0.0], [0.6, 1.0, -0.3], [0.0, -0.3, 0.5]])


def _sources():
    return [
        LinearSource([1.0, -2.0, 0.5], noise=0.7, covariance=COVARIANCE_3),
        LinearSource(
            [[1.0, 0.0, 0.5], [0.25, -1.0, 0.0]], noise=0.3, intercept=[1.5, -0.5]
        ),
        GaussianSource([1.0, -2.0, 0.5], COVARIANCE_3),
        GaussianMixtureSource(
            [0.3, 0.7], [[-2.0, 0.0], [1.0, 1.5]], [[0.5, 1.0], [1.0, 0.3]]
        ),
        CategoricalSource.zipf(13, 1.3),
        CategoricalSource([0.1, 0.0, 0.6, 0.3]),
        GaussianClassificationSource([1.0, -0.5, 0.25]),
        GaussianClassificationSource([1.0, 0.5, 0.2, 0.1], n_classes=3),
    ]


SOURCE_IDS = [
    "linear",
    "linear-multi",
    "gaussian",
    "mixture",
    "zipf",
    "categorical",
    "classification",
    "classification-3",
]


def _as_tuple(drawn):
    return drawn if isinstance(drawn, tuple) else (drawn,)


# ---------------------------------------------------------------- validation
@pytest.mark.parametrize(
    "build, match",
    [
        (lambda: LinearSource([1.0, np.nan]), "coef must be finite"),
        (lambda: LinearSource(np.ones((2, 2, 2))), "coef must be 1-D or 2-D"),
        (lambda: LinearSource([]), "coef must not be empty"),
        (lambda: LinearSource(["a", "b"]), "coef must be a numeric"),
        (lambda: LinearSource([1.0], noise=-0.5), "noise must be >= 0.0"),
        (lambda: LinearSource([1.0], noise=True), "noise must be a finite real"),
        (lambda: LinearSource([1.0, 2.0], covariance=[[1, 2], [0, 1]]), "symmetric"),
        (
            lambda: LinearSource([1.0, 2.0], covariance=[[1, 2], [2, 1]]),
            "positive semi-definite",
        ),
        (lambda: LinearSource([1.0, 2.0], covariance=[1, 2, 3]), "needs 2 entries"),
        (
            lambda: LinearSource([1.0, 2.0], intercept=[1.0]),
            "intercept must be a float",
        ),
        (lambda: LinearSource(np.ones((2, 3)), intercept=[1.0]), "n_targets=2"),
        (lambda: GaussianSource([0.0, 0.0], [[1, 0], [0, 0]]), "positive definite"),
        (lambda: GaussianSource([[0.0]], 1.0), "mean must be 1-D"),
        (lambda: GaussianSource([0.0, 1.0], np.eye(3)), r"shape \(2, 2\)"),
        (lambda: CategoricalSource([0.5, -0.1, 0.6]), "non-negative"),
        (lambda: CategoricalSource([0.5, 0.4]), "sums to 0.9"),
        (lambda: CategoricalSource.zipf(0, 1.0), "n_categories must be an int >= 1"),
        (lambda: CategoricalSource.zipf(True, 1.0), "n_categories must be an int"),
        (lambda: CategoricalSource.zipf(5, -1.0), "exponent must be >= 0.0"),
        (
            lambda: GaussianMixtureSource([0.5, 0.5], [[0.0]], [1.0, 1.0]),
            "one row per component",
        ),
        (
            lambda: GaussianMixtureSource([0.5, 0.5], [[0.0], [1.0]], [1.0]),
            "one entry per component",
        ),
        (
            lambda: GaussianMixtureSource([0.5, 0.5], [[0.0], [1.0]], [1.0, 0.0]),
            r"covariances\[1\] must be positive definite",
        ),
        (lambda: GaussianClassificationSource([1.0], n_classes=1), "n_classes"),
        (lambda: GaussianClassificationSource([1.0], n_classes=True), "n_classes"),
        (
            lambda: GaussianClassificationSource([1.0, 0.0], n_classes=3),
            "n_features >= n_classes",
        ),
        (
            lambda: GaussianClassificationSource(np.zeros((3, 2)), n_classes=4),
            "one row per class",
        ),
    ],
)
def test_invalid_parameters_are_refused_clearly(build, match):
    with pytest.raises(ValueError, match=match):
        build()


@pytest.mark.parametrize("source", _sources(), ids=SOURCE_IDS)
@pytest.mark.parametrize(
    "n_samples, error",
    [(-1, ValueError), (2.5, TypeError), (True, TypeError), ("3", TypeError)],
)
def test_sample_refuses_bad_n_samples(source, n_samples, error):
    with pytest.raises(error, match="n_samples must be an int >= 0"):
        source.sample(n_samples)


def test_sample_refuses_bad_random_state():
    with pytest.raises(ValueError, match="random_state must be None, an int"):
        GaussianSource([0.0], 1.0).sample(3, random_state="seed")
    with pytest.raises(ValueError, match="random_state must be None, an int"):
        GaussianSource([0.0], 1.0).sample(3, random_state=True)


def test_parameters_are_copies_and_read_only():
    coef = np.array([1.0, 2.0])
    covariance = np.eye(2)
    source = LinearSource(coef, covariance=covariance)
    coef[0] = 100.0
    covariance[0, 0] = 100.0
    assert source.coef[0] == 1.0 and source.covariance[0, 0] == 1.0
    with pytest.raises(ValueError, match="read-only"):
        source.coef[0] = 3.0
    probabilities = np.array([0.25, 0.75])
    categorical = CategoricalSource(probabilities)
    probabilities[0] = 0.5
    assert categorical.probabilities[0] == 0.25
    # what sample returns is the caller's to modify
    X, y = source.sample(3, random_state=0)
    X[0, 0] = 1.0
    y[0] = 1.0
    labels = GaussianClassificationSource([1.0]).sample(4, random_state=0)[1]
    labels[0] = 7
    assert set(GaussianClassificationSource([1.0]).classes) == {-1, 1}


def test_true_parameters_are_exposed():
    source = LinearSource(np.ones((2, 3)), noise=0.5, covariance=2.0, intercept=0.5)
    assert (source.n_features, source.n_targets, source.noise) == (3, 2, 0.5)
    np.testing.assert_array_equal(source.covariance, 2.0 * np.eye(3))
    np.testing.assert_array_equal(
        GaussianSource([0, 1], [1, 2]).covariance, np.diag([1, 2])
    )
    zipf = CategoricalSource.zipf(7, 1.5)
    assert zipf.exponent == 1.5 and zipf.n_categories == 7
    np.testing.assert_allclose(
        zipf.probabilities, make_zipf(0, 7, 1.5, return_probabilities=True)[1]
    )
    mixture = GaussianMixtureSource([0.5, 0.5], [[0.0], [3.0]], [1.0, 4.0])
    assert mixture.covariances.shape == (2, 1, 1)
    np.testing.assert_allclose(mixture.covariances[:, 0, 0], [1.0, 4.0])
    two = GaussianClassificationSource([3.0, 4.0])
    np.testing.assert_array_equal(two.means, [[-3.0, -4.0], [3.0, 4.0]])
    assert two.bayes_accuracy == pytest.approx(ndtr(5.0))


def test_multiclass_means_are_orthogonal_with_the_norm_of_mean():
    mean = np.array([1.0, 0.5, 0.2, -0.3])
    source = GaussianClassificationSource(mean, n_classes=3)
    np.testing.assert_allclose(source.means[0], mean)
    gram = source.means @ source.means.T
    np.testing.assert_allclose(gram, np.eye(3) * (mean @ mean), atol=1e-12)
    np.testing.assert_array_equal(source.classes, [0, 1, 2])
    given = GaussianClassificationSource([[0.0, 1.0], [1.0, 0.0], [2.0, 2.0]])
    assert given.n_classes == 3
    np.testing.assert_array_equal(given.classes, [0, 1, 2])


@pytest.mark.parametrize(
    "source, expected",
    [
        (LinearSource([1.0, -2.0]), "LinearSource([ 1., -2.])"),
        (
            LinearSource([1.0], noise=0.5, intercept=2.0),
            "LinearSource([1.], noise=0.5, intercept=2.0)",
        ),
        (GaussianSource([0.0], 2.0), "GaussianSource([0.], [[2.]])"),
        (CategoricalSource([0.25, 0.75]), "CategoricalSource([0.25, 0.75])"),
        (
            CategoricalSource.zipf(10, 1.5),
            "CategoricalSource.zipf(n_categories=10, exponent=1.5)",
        ),
        (
            GaussianClassificationSource([1.0, 0.0, 0.0], n_classes=3),
            "GaussianClassificationSource([1., 0., 0.], n_classes=3)",
        ),
    ],
)
def test_repr(source, expected):
    assert repr(source) == expected


@pytest.mark.parametrize("source", _sources(), ids=SOURCE_IDS)
def test_sample_shapes_and_reproducibility(source):
    drawn = _as_tuple(source.sample(17, random_state=3))
    assert len(drawn) == (2 if source.supervised else 1)
    X = drawn[0]
    assert X.shape[0] == 17 and X.ndim == 2
    if isinstance(source, CategoricalSource):
        assert X.shape == (17, 1) and X.dtype == np.int64
    for again in (
        source.sample(17, random_state=3),
        source.sample(17, random_state=np.random.RandomState(3)),
    ):
        for a, b in zip(drawn, _as_tuple(again)):
            np.testing.assert_array_equal(a, b)
    generator = _as_tuple(source.sample(17, random_state=np.random.default_rng(3)))
    generator_again = _as_tuple(
        source.sample(17, random_state=np.random.default_rng(3))
    )
    for a, b in zip(generator, generator_again):
        np.testing.assert_array_equal(a, b)
    assert _as_tuple(source.sample(5))[0].shape[0] == 5
    empty = _as_tuple(source.sample(0, random_state=0))
    for full, none in zip(drawn, empty):
        assert none.shape == (0,) + full.shape[1:]
        assert none.dtype == full.dtype


def test_zipf_source_draws_what_make_zipf_draws():
    source = CategoricalSource.zipf(23, 1.7)
    np.testing.assert_array_equal(
        source.sample(101, random_state=5), make_zipf(101, 23, 1.7, random_state=5)
    )


@pytest.mark.parametrize("source", _sources(), ids=SOURCE_IDS)
def test_pickle_round_trip(source):
    fitted = _fit_for(source)
    before = source.evaluate(fitted)  # fills the evaluation cache
    restored = pickle.loads(pickle.dumps(source))
    assert "_evaluation_cache" not in restored.__dict__
    assert len(pickle.dumps(source)) < 20_000  # the cache is not shipped to workers
    after = restored.evaluate(fitted)
    assert before.keys() == after.keys()
    for key in before:
        np.testing.assert_allclose(after[key], before[key], rtol=1e-12)
    for a, b in zip(
        _as_tuple(source.sample(9, random_state=1)),
        _as_tuple(restored.sample(9, random_state=1)),
    ):
        np.testing.assert_array_equal(a, b)


def _fit_for(source):
    drawn = _as_tuple(source.sample(211, random_state=0))
    if isinstance(source, LinearSource):
        return Ridge(alpha=0.3).fit(*drawn)
    if isinstance(source, GaussianSource):
        return GaussianDensity().fit(*drawn)
    if isinstance(source, GaussianMixtureSource):
        return GaussianMixture(2, random_state=0).fit(*drawn)
    if isinstance(source, CategoricalSource):
        return CategoricalDensity().fit(*drawn)
    return LogisticRegression().fit(*drawn)


@pytest.mark.parametrize("source", _sources(), ids=SOURCE_IDS)
def test_evaluation_sample_is_fixed_and_documented(source):
    sample = _as_tuple(source._evaluation_sample())
    assert sample[0].shape[0] == EVALUATION_SIZE
    expected = _as_tuple(
        source.sample(EVALUATION_SIZE, np.random.default_rng(EVALUATION_SEED))
    )
    for a, b in zip(sample, expected):
        np.testing.assert_array_equal(a, b)
    assert source._evaluation_sample() is source._evaluation_sample()


# ------------------------------------------------------- moments of sampling
def test_linear_source_moments():
    source = LinearSource(
        [1.0, -2.0, 0.5], noise=0.7, covariance=COVARIANCE_3, intercept=0.3
    )
    X, y = source.sample(20_011, random_state=0)
    upper = np.triu_indices(3)
    products = (X[:, :, None] * X[:, None, :])[:, upper[0], upper[1]]
    residual = y - X @ source.coef - 0.3
    draws = np.column_stack([X, products, residual, residual**2])
    expected = np.concatenate([np.zeros(3), COVARIANCE_3[upper], [0.0, 0.49]])
    assert_mc_agrees(draws, expected, family_wise="bonferroni")


def test_linear_source_multi_output_moments():
    source = LinearSource([[1.0, 0.0], [0.5, -1.0]], noise=0.3, intercept=[1.5, -0.5])
    X, y = source.sample(15_013, random_state=1)
    assert y.shape == (15_013, 2)
    residual = y - X @ source.coef.T - np.array([1.5, -0.5])
    draws = np.column_stack([residual, residual**2, residual[:, 0] * residual[:, 1]])
    assert_mc_agrees(draws, [0, 0, 0.09, 0.09, 0.0], family_wise="bonferroni")


def test_gaussian_source_moments():
    mean = np.array([1.0, -2.0, 0.5])
    X = GaussianSource(mean, COVARIANCE_3).sample(20_011, random_state=2)
    centered = X - mean
    upper = np.triu_indices(3)
    products = (centered[:, :, None] * centered[:, None, :])[:, upper[0], upper[1]]
    assert_mc_agrees(
        np.column_stack([X, products]),
        np.concatenate([mean, COVARIANCE_3[upper]]),
        family_wise="bonferroni",
    )


def test_mixture_source_moments_and_quantiles():
    source = GaussianMixtureSource(
        [0.3, 0.7],
        [[-2.0, 0.0], [1.0, 1.5]],
        [[[0.5, 0.2], [0.2, 1.0]], [[1.0, 0.0], [0.0, 0.3]]],
    )
    X = source.sample(30_011, random_state=3)
    upper = np.triu_indices(2)
    products = (X[:, :, None] * X[:, None, :])[:, upper[0], upper[1]]
    mean = source.weights @ source.means
    second = np.einsum(
        "k,kij->ij",
        source.weights,
        source.covariances + source.means[:, :, None] * source.means[:, None, :],
    )
    below = (X < source.quantiles[0]).astype(float)
    above = (X > source.quantiles[1]).astype(float)
    assert_mc_agrees(
        np.column_stack([X, products, below, above]),
        np.concatenate([mean, second[upper], [0.01] * 2, [0.01] * 2]),
        family_wise="bonferroni",
    )


def test_mixture_quantiles_are_exact():
    source = GaussianMixtureSource([0.2, 0.8], [[-1.0], [2.0]], [0.25, 2.0])
    cdf = [
        0.2 * norm.cdf(q, -1.0, 0.5) + 0.8 * norm.cdf(q, 2.0, np.sqrt(2.0))
        for q in source.quantiles[:, 0]
    ]
    np.testing.assert_allclose(cdf, [0.01, 0.99], atol=1e-10)


def test_categorical_source_frequencies():
    source = CategoricalSource([0.1, 0.0, 0.55, 0.3, 0.05])
    n = 20_011
    X = source.sample(n, random_state=4)
    frequencies = np.bincount(X[:, 0], minlength=5) / n
    p = source.probabilities
    positive = p > 0
    assert frequencies[~positive].sum() == 0
    assert_mc_agrees(
        frequencies[positive],
        p[positive],
        standard_error=np.sqrt(p[positive] * (1 - p[positive]) / n),
        family_wise="bonferroni",
    )


@pytest.mark.parametrize("n_classes", [2, 3])
def test_classification_source_moments(n_classes):
    source = GaussianClassificationSource([1.0, -0.5, 0.25], n_classes=n_classes)
    n = 20_011
    X, y = source.sample(n, random_state=5)
    index = np.searchsorted(source.classes, y)
    assert np.array_equal(source.classes[index], y)
    frequencies = np.bincount(index, minlength=n_classes) / n
    residual = X - source.means[index]
    draws = np.column_stack([residual, residual**2, residual[:, 0] * residual[:, 1]])
    assert_mc_agrees(
        frequencies,
        np.full(n_classes, 1 / n_classes),
        standard_error=np.sqrt((1 / n_classes) * (1 - 1 / n_classes) / n),
        family_wise="bonferroni",
    )
    assert_mc_agrees(draws, [0, 0, 0, 1, 1, 1, 0], family_wise="bonferroni")


# ----------------------------------------------------------- LinearSource truth
def _brute_excess_risk(source, model, n_rows, seed):
    X, _ = source.sample(n_rows, random_state=seed)
    predicted = np.asarray(model.predict(X)).reshape(n_rows, source.n_targets)
    truth = X @ source.coef.reshape(source.n_targets, -1).T + source.intercept
    return np.mean((predicted - truth) ** 2, axis=1)


@pytest.mark.parametrize(
    "source",
    [
        LinearSource(
            [1.0, -2.0, 0.5], noise=0.7, covariance=COVARIANCE_3, intercept=0.3
        ),
        LinearSource(
            [[1.0, 0.0, 0.5], [0.25, -1.0, 0.0]], noise=0.9, intercept=[1.5, -0.5]
        ),
    ],
    ids=["single", "multi"],
)
def test_linear_excess_risk_is_exact(source):
    X, y = source.sample(23, random_state=7)
    model = Ridge(alpha=2.5).fit(X, y)
    metrics = source.evaluate(model)
    W = np.reshape(model.coef_, (source.n_targets, -1))
    dW = W - source.coef.reshape(source.n_targets, -1)
    assert metrics["coef_error"] == pytest.approx(np.mean(np.sum(dW**2, axis=1)))
    brute = _brute_excess_risk(source, model, 200_003, seed=8)
    assert_mc_agrees(brute, metrics["excess_risk"])
    # the Monte Carlo path (a Pipeline has no coef_ in the coordinates of x)
    # on the fixed evaluation sample estimates the same number
    pipeline = make_pipeline(StandardScaler(), Ridge(alpha=2.5)).fit(X, y)
    mc = source.evaluate(pipeline)
    assert np.isnan(mc["coef_error"])
    exact_pipeline = _brute_excess_risk(source, pipeline, 200_003, seed=9)
    on_sample = _evaluation_excess_rows(source, pipeline)
    assert mc["excess_risk"] == pytest.approx(on_sample.mean())
    assert_mc_agrees(
        mc["excess_risk"] - exact_pipeline.mean(),
        0.0,
        standard_error=np.hypot(
            on_sample.std() / np.sqrt(len(on_sample)),
            exact_pipeline.std() / np.sqrt(len(exact_pipeline)),
        ),
    )


def _evaluation_excess_rows(source, model):
    X, _ = source._evaluation_sample()
    predicted = np.asarray(model.predict(X)).reshape(len(X), source.n_targets)
    truth = X @ source.coef.reshape(source.n_targets, -1).T + source.intercept
    return np.mean((predicted - truth) ** 2, axis=1)


def test_linear_excess_risk_of_the_truth_is_zero():
    source = LinearSource([1.0, -2.0], intercept=0.5)
    model = LinearRegression().fit(*source.sample(50, random_state=0))
    model.coef_ = np.array([1.0, -2.0])
    model.intercept_ = 0.5
    assert source.evaluate(model) == {"excess_risk": 0.0, "coef_error": 0.0}


def test_linear_non_linear_model_is_monte_carlo():
    source = LinearSource([1.0, -2.0, 0.5])
    X, y = source.sample(101, random_state=1)
    tree = DecisionTreeRegressor(max_depth=3, random_state=0).fit(X, y)
    metrics = source.evaluate(tree)
    assert np.isnan(metrics["coef_error"])
    assert metrics["excess_risk"] == pytest.approx(
        _evaluation_excess_rows(source, tree).mean()
    )


def test_linear_diverged_fit_gives_nan_not_an_error():
    source = LinearSource([1.0, -2.0])
    model = LinearRegression().fit(*source.sample(20, random_state=0))
    model.coef_ = np.array([np.nan, 1.0])
    metrics = source.evaluate(model)
    assert np.isnan(metrics["excess_risk"]) and np.isnan(metrics["coef_error"])


def test_linear_evaluates_a_meta_estimator_through_its_last_generation():
    source = LinearSource([1.0, -2.0, 0.5], noise=0.5)
    X, y = source.sample(40, random_state=0)
    loop = RecursiveRetrainer(Ridge(), n_generations=3, random_state=0).fit(X, y)
    assert source.evaluate(loop) == source.evaluate(loop.estimator_)


# --------------------------------------------------------- GaussianSource truth
def _random_spd(d, seed):
    A = np.random.default_rng(seed).normal(size=(d, d))
    return A @ A.T / d + 0.3 * np.eye(d)


def test_gaussian_closed_forms():
    true_mean, true_cov = np.array([1.0, -2.0, 0.5]), COVARIANCE_3
    source = GaussianSource(true_mean, true_cov)
    model = GaussianDensity().fit(source.sample(31, random_state=11))
    mean, cov = model.mean_, model.covariance_
    metrics = source.evaluate(model)
    assert metrics["mean_error"] == pytest.approx(np.sum((mean - true_mean) ** 2))
    assert metrics["covariance_trace_ratio"] == pytest.approx(
        np.trace(cov) / np.trace(true_cov)
    )
    assert metrics["covariance_logdet_ratio"] == pytest.approx(
        np.log(np.linalg.det(cov) / np.linalg.det(true_cov))
    )
    root = sqrtm(true_cov)
    w2 = np.sum((mean - true_mean) ** 2) + np.trace(
        cov + true_cov - 2 * np.real(sqrtm(root @ cov @ root))
    )
    assert metrics["w2"] == pytest.approx(w2, rel=1e-8)
    # KL(model || truth) against a brute Monte Carlo over the model's samples
    draws = model.sample(200_003, random_state=12)
    gap = multivariate_normal(mean, cov).logpdf(draws) - multivariate_normal(
        true_mean, true_cov
    ).logpdf(draws)
    assert_mc_agrees(gap, metrics["kl"])


def test_gaussian_w2_in_closed_special_cases():
    # 1-D: (m - m*)^2 + (s - s*)^2; commuting (diagonal) covariances: per axis
    assert GaussianSource([1.0], 4.0).evaluate(GaussianDensity().fit([[0.0], [3.0]]))[
        "w2"
    ] == pytest.approx((1.5 - 1.0) ** 2 + (np.sqrt(4.5) - 2.0) ** 2)
    source = GaussianSource([0.0, 0.0], [1.0, 9.0])
    model = GaussianDensity(covariance_type="diag").fit(
        [[0.0, 1.0], [1.0, -2.0], [2.0, 4.0]]
    )
    mean, sd = model.mean_, np.sqrt(np.diag(model.covariance_))
    expected = np.sum(mean**2) + np.sum((sd - [1.0, 3.0]) ** 2)
    assert source.evaluate(model)["w2"] == pytest.approx(expected)


def test_gaussian_uses_the_emitting_temperature_and_mixtures_of_one():
    source = GaussianSource([0.5, -0.5], _random_spd(2, 0))
    X = source.sample(41, random_state=0)
    cold = GaussianDensity(temperature=0.5).fit(X)
    halved = GaussianDensity().fit(X)
    halved.covariance_ = 0.5 * halved.covariance_
    assert source.evaluate(cold) == pytest.approx(source.evaluate(halved))
    for covariance_type in ("full", "tied", "diag", "spherical"):
        gmm = GaussianMixture(1, covariance_type=covariance_type, random_state=0).fit(X)
        mean = gmm.means_[0]
        if covariance_type == "full":
            cov = gmm.covariances_[0]
        elif covariance_type == "tied":
            cov = gmm.covariances_
        elif covariance_type == "diag":
            cov = np.diag(gmm.covariances_[0])
        else:
            cov = gmm.covariances_[0] * np.eye(2)
        reference = GaussianDensity(ddof=0).fit(X)
        reference.mean_, reference.covariance_ = mean, cov
        assert source.evaluate(gmm) == pytest.approx(source.evaluate(reference))


def test_gaussian_monte_carlo_path_for_other_models():
    # A two-component mixture with identical components is the Gaussian N(m, S):
    # the Monte Carlo path must agree with the closed forms of N(m, S). The
    # model is set far from the truth so that every metric is large.
    from skcollapse._sampling import draw_samples

    source = GaussianSource([1.0, -1.0], _random_spd(2, 1))
    X = source.sample(57, random_state=2)
    single = GaussianMixture(1, random_state=0).fit(X)
    mean = source.mean + np.array([0.8, -0.5])
    covariance = 1.7 * source.covariance
    precision_cholesky = np.linalg.inv(np.linalg.cholesky(covariance)).T
    single.means_, single.covariances_ = mean[None], covariance[None]
    single.precisions_cholesky_ = precision_cholesky[None]
    gmm = GaussianMixture(2, random_state=0).fit(X)
    gmm.weights_ = np.array([0.4, 0.6])
    gmm.means_ = np.stack([mean] * 2)
    gmm.covariances_ = np.stack([covariance] * 2)
    gmm.precisions_cholesky_ = np.stack([precision_cholesky] * 2)
    mc, exact = source.evaluate(gmm), source.evaluate(single)
    assert np.isnan(mc["w2"]) and exact["kl"] > 0.3

    draws = draw_samples(gmm, EVALUATION_SIZE, random_state=EVALUATION_SEED)
    truth = multivariate_normal(source.mean, source.covariance)
    gap = single.score_samples(draws) - truth.logpdf(draws)
    n = EVALUATION_SIZE
    shift = mean - source.mean
    se = [
        gap.std(ddof=1) / np.sqrt(n),
        # delta method: ||xbar - mu*||^2 has gradient 2 (m - mu*)
        2 * np.sqrt(shift @ covariance @ shift / n),
        # tr of a Gaussian sample covariance: variance 2 tr(S^2) / n
        np.sqrt(2 * np.trace(covariance @ covariance) / n)
        / np.trace(source.covariance),
    ]
    keys = ["kl", "mean_error", "covariance_trace_ratio"]
    assert_mc_agrees(
        [mc[key] for key in keys],
        [exact[key] for key in keys],
        standard_error=se,
        family_wise="bonferroni",
    )
    # a KernelDensity: its Monte Carlo KL agrees with an independent one
    kde = KernelDensity(bandwidth=0.4).fit(X)
    fresh = draw_samples(kde, 40_009, random_state=3)
    brute = kde.score_samples(fresh) - truth.logpdf(fresh)
    on_evaluation = source.evaluate(kde)["kl"]
    assert_mc_agrees(
        on_evaluation - brute.mean(),
        0.0,
        standard_error=brute.std(ddof=1) * np.sqrt(1 / n + 1 / len(brute)),
    )


def test_gaussian_collapsed_fit_is_inf_not_an_error():
    source = GaussianSource([0.0, 1.0], [[2.0, 0.5], [0.5, 1.0]])
    collapsed = GaussianDensity().fit(np.full((5, 2), [1.0, 3.0]))
    metrics = source.evaluate(collapsed)
    assert metrics["kl"] == np.inf
    assert metrics["covariance_logdet_ratio"] == -np.inf
    assert metrics["covariance_trace_ratio"] == 0.0
    # W2 to a point mass: ||m - m*||^2 + tr S*
    assert metrics["w2"] == pytest.approx(1.0 + 4.0 + 3.0)
    assert metrics["mean_error"] == pytest.approx(5.0)


def test_gaussian_evaluates_a_density_loop():
    source = GaussianSource([0.0], 1.0)
    loop = RecursiveDensityRetrainer(GaussianDensity(), n_generations=4, random_state=0)
    loop.fit(source.sample(30, random_state=0))
    assert source.evaluate(loop) == source.evaluate(loop.estimator_)


# ------------------------------------------------------------- mixture truth
def _mixture_pdf(X, weights, means, covariances):
    return sum(
        w * multivariate_normal(m, c, allow_singular=True).pdf(X)
        for w, m, c in zip(weights, means, covariances)
    )


def _brute_ise_terms(model, source, n, seed):
    """Terms of the brute-force ISE of ``model`` against a mixture ``source``.

    ISE = E_h[(f - f*)^2 / h] with h = (f + f*)/2 (defensive importance
    sampling): ``n`` points, each drawn from the model or the truth with
    probability 1/2 (seeds ``seed``, ``seed + 1``, ``seed + 2``). Returns the
    ``n`` terms, whose mean is the ISE, and the model's ``n`` draws.
    """
    from skcollapse._sampling import draw_samples

    from_model = draw_samples(model, n, random_state=seed)
    from_truth = source.sample(n, random_state=seed + 1)
    mixed = np.where(
        np.random.default_rng(seed + 2).random(n)[:, None] < 0.5, from_model, from_truth
    )
    f = np.exp(model.score_samples(mixed))
    g = _mixture_pdf(mixed, source.weights, source.means, source.covariances)
    return (f - g) ** 2 / ((f + g) / 2), from_model


@pytest.mark.parametrize("model_kind", ["gmm", "gaussian", "kde", "kde-weighted"])
def test_mixture_ise_and_tails_are_exact(model_kind):
    source = GaussianMixtureSource(
        [0.3, 0.7],
        [[-2.0, 0.0], [1.0, 1.5]],
        [[[0.5, 0.2], [0.2, 1.0]], [[1.0, 0.0], [0.0, 0.3]]],
    )
    X = source.sample(63, random_state=13)
    weights = np.random.default_rng(0).uniform(0.2, 3.0, size=len(X))
    model = {
        "gmm": GaussianMixture(2, random_state=0),
        "gaussian": GaussianDensity(),
        "kde": KernelDensity(bandwidth=0.6),
        "kde-weighted": KernelDensity(bandwidth=0.6),
    }[model_kind]
    if model_kind == "kde-weighted":
        model.fit(X, sample_weight=weights)
    else:
        model.fit(X)
    metrics = source.evaluate(model)
    assert metrics["l2_distance"] == pytest.approx(np.sqrt(metrics["ise"]))
    brute_ise, from_model = _brute_ise_terms(model, source, 40_009, seed=14)
    below = (from_model < source.quantiles[0]).mean(axis=1)
    above = (from_model > source.quantiles[1]).mean(axis=1)
    assert_mc_agrees(
        np.column_stack([brute_ise, below, above]),
        [metrics["ise"], metrics["tail_mass_low"], metrics["tail_mass_high"]],
        family_wise="bonferroni",
    )


def test_mixture_ise_by_quadrature_in_one_dimension():
    source = GaussianMixtureSource([0.2, 0.8], [[-1.0], [2.0]], [0.25, 2.0])
    model = GaussianMixture(3, random_state=0).fit(source.sample(71, random_state=0))

    def squared_error(x):
        f = np.exp(model.score_samples([[x]]))[0]
        g = 0.2 * norm.pdf(x, -1.0, 0.5) + 0.8 * norm.pdf(x, 2.0, np.sqrt(2.0))
        return (f - g) ** 2

    value, _ = integrate.quad(squared_error, -30, 30, limit=400, points=[-1.0, 2.0])
    assert source.evaluate(model)["ise"] == pytest.approx(value, rel=1e-6)
    assert source.evaluate(model)["ise"] > 0


def test_mixture_of_the_truth_has_zero_ise():
    source = GaussianMixtureSource([0.4, 0.6], [[-1.0], [2.0]], [0.5, 1.5])
    gmm = GaussianMixture(2, covariance_type="full").fit(
        source.sample(50, random_state=0)
    )
    gmm.weights_ = np.array([0.4, 0.6])
    gmm.means_ = np.array([[-1.0], [2.0]])
    gmm.covariances_ = np.array([[[0.5]], [[1.5]]])
    metrics = source.evaluate(gmm)
    assert metrics["ise"] == pytest.approx(0.0, abs=1e-14)
    assert metrics["tail_mass_low"] == pytest.approx(0.01)
    assert metrics["tail_mass_high"] == pytest.approx(0.01)


def test_mixture_monte_carlo_path():
    # a tophat KernelDensity is not a Gaussian mixture: Monte Carlo
    source = GaussianMixtureSource([0.5, 0.5], [[-2.0], [2.0]], [1.0, 1.0])
    X = source.sample(80, random_state=0)
    tophat = KernelDensity(kernel="tophat", bandwidth=0.8).fit(X)
    metrics = source.evaluate(tophat)
    from skcollapse._sampling import draw_samples

    n = 60_007
    brute, _ = _brute_ise_terms(tophat, source, n, seed=3)
    # the evaluation is Monte Carlo too: int f^2 on the model's fixed draws,
    # int f f* on the source's evaluation sample; its standard error from them
    draws = draw_samples(tophat, EVALUATION_SIZE, random_state=EVALUATION_SEED)
    on_model = np.exp(tophat.score_samples(draws))
    on_truth = np.exp(tophat.score_samples(source._evaluation_sample()))
    se_evaluation = np.sqrt(
        (on_model.var(ddof=1) + 4 * on_truth.var(ddof=1)) / EVALUATION_SIZE
    )
    se_brute = brute.std(ddof=1) / np.sqrt(n)
    assert_mc_agrees(
        metrics["ise"] - brute.mean(),
        0.0,
        standard_error=np.hypot(se_evaluation, se_brute),
    )
    assert metrics["tail_mass_low"] == pytest.approx(
        np.mean(draws < source.quantiles[0])
    )


def test_mixture_collapsed_model_is_inf_not_an_error():
    source = GaussianMixtureSource([0.5, 0.5], [[-2.0], [2.0]], [1.0, 1.0])
    metrics = source.evaluate(GaussianDensity().fit(np.ones((4, 1))))
    assert metrics["ise"] == np.inf and metrics["l2_distance"] == np.inf
    # all its mass at 1.0, between the true quantiles
    assert metrics["tail_mass_low"] == 0.0 and metrics["tail_mass_high"] == 0.0


# --------------------------------------------------------- categorical truth
def test_categorical_metrics_by_hand():
    source = CategoricalSource([0.5, 0.3, 0.2, 0.0])
    model = CategoricalDensity().fit([[0], [0], [0], [1], [3]])  # q = .6 .2 0 .2
    metrics = source.evaluate(model)
    assert metrics["total_variation"] == pytest.approx(0.5 * (0.1 + 0.1 + 0.2 + 0.2))
    assert metrics["kl"] == np.inf
    assert metrics["missing_mass"] == pytest.approx(0.2)
    assert metrics["support_size"] == 3
    smoothed = CategoricalDensity(alpha=1.0, categories=[0, 1, 2, 3]).fit(
        [[0], [0], [1]]
    )
    q = np.array([3, 2, 1, 1]) / 7
    metrics = source.evaluate(smoothed)
    p = source.probabilities
    assert metrics["kl"] == pytest.approx(np.sum(p[:3] * np.log(p[:3] / q[:3])))
    assert metrics["total_variation"] == pytest.approx(0.5 * np.abs(p - q).sum())
    assert metrics["missing_mass"] == 0.0 and metrics["support_size"] == 4


def test_categorical_mass_outside_the_vocabulary_counts():
    source = CategoricalSource([0.5, 0.5])
    model = CategoricalDensity().fit([[0], [1], [7], [7]])  # q = .25 .25, 7: .5
    metrics = source.evaluate(model)
    assert metrics["total_variation"] == pytest.approx(0.5)
    assert metrics["support_size"] == 3
    assert metrics["kl"] == pytest.approx(np.log(2.0))


def test_categorical_uses_score_samples_of_other_models():
    source = CategoricalSource.zipf(9, 1.1)
    X = source.sample(40, random_state=0)
    density = CategoricalDensity().fit(X)
    loop = RecursiveDensityRetrainer(
        CategoricalDensity(), n_generations=2, random_state=0
    ).fit(X)
    assert source.evaluate(loop) == source.evaluate(loop.estimator_)

    class ScoresOnly:
        def score_samples(self, X):
            return density.score_samples(X)

    assert source.evaluate(ScoresOnly()) == pytest.approx(source.evaluate(density))


def test_categorical_missing_mass_is_the_tale_of_tails_loss():
    # E[missing mass] after fitting n draws = sum_k p_k (1 - p_k)^n (Tale of Tails)
    source = CategoricalSource.zipf(40, 1.5)
    n = 30
    p = source.probabilities
    values = [
        source.evaluate(CategoricalDensity().fit(source.sample(n, random_state=seed)))[
            "missing_mass"
        ]
        for seed in range(601)
    ]
    assert_mc_agrees(values, np.sum(p * (1 - p) ** n))


# ------------------------------------------------------ classification truth
@pytest.mark.parametrize("intercept", [0.0, 0.37])
def test_classification_linear_is_exact(intercept):
    source = GaussianClassificationSource([1.0, -0.5, 0.25])
    X, y = source.sample(41, random_state=17)
    model = LogisticRegression(C=0.3).fit(X, y)
    model.intercept_ = model.intercept_ + intercept
    metrics = source.evaluate(model)
    X_fresh, y_fresh = source.sample(200_003, random_state=18)
    correct = (model.predict(X_fresh) == y_fresh).astype(float)
    decision = model.decision_function(X_fresh)
    loss = np.logaddexp(0.0, -y_fresh * decision)
    assert_mc_agrees(
        np.column_stack([correct, loss]),
        [metrics["accuracy"], metrics["log_loss"]],
        family_wise="bonferroni",
    )


def test_classification_bayes_classifier_reaches_bayes_accuracy():
    source = GaussianClassificationSource([0.6, 0.8])
    model = LogisticRegression().fit(*source.sample(50, random_state=0))
    model.coef_ = np.array([[0.6, 0.8]]) * 2.0
    model.intercept_ = np.array([0.0])
    metrics = source.evaluate(model)
    assert metrics["accuracy"] == pytest.approx(source.bayes_accuracy)
    assert source.bayes_accuracy == pytest.approx(ndtr(1.0))
    # the log-loss of the true posterior sigma(2 mu'x): a 1-D integral
    value, _ = integrate.quad(
        lambda z: np.logaddexp(0.0, -(2.0 + 2.0 * z)) * norm.pdf(z), -40, 40
    )
    assert metrics["log_loss"] == pytest.approx(value, rel=1e-9)


def test_classification_linear_without_logistic_proba():
    # LinearSVC: exact accuracy, no predict_proba -> log_loss NaN
    source = GaussianClassificationSource([1.0, 0.5])
    X, y = source.sample(60, random_state=0)
    svc = LinearSVC().fit(X, y)
    metrics = source.evaluate(svc)
    w, b = svc.coef_[0], svc.intercept_[0]
    m, s = w @ source.mean, np.linalg.norm(w)
    assert metrics["accuracy"] == pytest.approx(
        0.5 * (ndtr((m + b) / s) + ndtr((m - b) / s))
    )
    assert np.isnan(metrics["log_loss"])


def test_classification_monte_carlo_path_and_vanished_class():
    source = GaussianClassificationSource([1.0, 0.5])
    X, y = source.sample(60, random_state=0)
    tree = DecisionTreeClassifier(max_depth=2, random_state=0).fit(X, y)
    X_eval, y_eval = source._evaluation_sample()
    metrics = source.evaluate(tree)
    assert metrics["accuracy"] == pytest.approx(np.mean(tree.predict(X_eval) == y_eval))
    proba = tree.predict_proba(X_eval)[np.arange(len(y_eval)), (y_eval + 1) // 2]
    eps = np.finfo(float).eps
    assert metrics["log_loss"] == pytest.approx(
        -np.mean(np.log(np.clip(proba, eps, 1)))
    )
    # a model that lost a class predicts the other one: half the truth is wrong
    one_class = DummyClassifier().fit(X[y == 1], y[y == 1])
    metrics = source.evaluate(one_class)
    assert metrics["accuracy"] == pytest.approx(np.mean(y_eval == 1))
    assert metrics["log_loss"] == pytest.approx(np.mean(y_eval == -1) * -np.log(eps))


def test_classification_multiclass_is_monte_carlo():
    source = GaussianClassificationSource([1.0, 0.5, 0.2], n_classes=3)
    X, y = source.sample(90, random_state=0)
    model = LogisticRegression().fit(X, y)
    X_eval, y_eval = source._evaluation_sample()
    metrics = source.evaluate(model)
    assert metrics["accuracy"] == pytest.approx(
        np.mean(model.predict(X_eval) == y_eval)
    )
    proba = model.predict_proba(X_eval)[np.arange(len(y_eval)), y_eval]
    assert metrics["log_loss"] == pytest.approx(-np.mean(np.log(proba)))


def test_classification_evaluates_a_retrainer():
    source = GaussianClassificationSource([1.0, 0.5])
    X, y = source.sample(60, random_state=0)
    loop = RecursiveRetrainer(LogisticRegression(), n_generations=2, random_state=0)
    loop.fit(X, y)
    assert source.evaluate(loop) == source.evaluate(loop.estimator_)
    assert source.evaluate(clone(loop).fit(X, y)) == source.evaluate(loop)
