"""Tests for the sampling adapter skcollapse._sampling."""

import numpy as np
import pytest
from conftest import Returns
from sklearn.base import BaseEstimator, DensityMixin, clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import Ridge
from sklearn.mixture import BayesianGaussianMixture, GaussianMixture
from sklearn.neighbors import KernelDensity
from sklearn.utils import check_random_state

from skcollapse._sampling import (
    check_sampler,
    draw_samples,
    is_discrete,
    probabilities,
)
from skcollapse.generative import CategoricalDensity, GaussianDensity
from skcollapse.utils._testing import assert_mc_agrees


class _UnitGaussian(DensityMixin, BaseEstimator):
    """A third-party density N(mean, I): the fit and the score of the samplers
    below, which differ in how ``sample`` is called."""

    def fit(self, X, y=None):
        X = np.asarray(X, dtype=float)
        self.mean_ = X.mean(axis=0)
        self.n_features_in_ = X.shape[1]
        return self

    def score_samples(self, X):
        return -0.5 * np.sum((np.asarray(X) - self.mean_) ** 2, axis=1)


class SeededSampler(_UnitGaussian):
    """A third-party density whose sample takes random_state."""

    def sample(self, n_samples=1, random_state=None):
        rng = check_random_state(random_state)
        return self.mean_ + rng.standard_normal((n_samples, len(self.mean_)))


class TupleSampler(_UnitGaussian):
    """A GaussianMixture-like density: sample(n) returns a tuple, seeded by
    self.random_state, and refuses n_samples=0."""

    def __init__(self, random_state=None):
        self.random_state = random_state

    def sample(self, n_samples=1):
        if n_samples < 1:
            raise ValueError("at least one sample")
        rng = check_random_state(self.random_state)
        X = self.mean_ + rng.standard_normal((n_samples, len(self.mean_)))
        return X, np.zeros(n_samples, dtype=int)


def _two_clusters(n_samples=200, random_state=0):
    rng = np.random.RandomState(random_state)
    X = rng.normal(size=(n_samples, 2))
    X[: n_samples // 4] += [20.0, 0.0]  # a quarter of the rows far away
    return X


def _tokens():
    return np.array([[0], [0], [0], [0], [1], [1], [1], [2], [2], [3]])


FITTED = {
    "kde-gaussian": lambda: KernelDensity(kernel="gaussian").fit(_two_clusters()),
    "kde-tophat": lambda: KernelDensity(kernel="tophat").fit(_two_clusters()),
    "gmm-full": lambda: GaussianMixture(2, random_state=0).fit(_two_clusters()),
    "gmm-tied": lambda: GaussianMixture(2, covariance_type="tied", random_state=0).fit(
        _two_clusters()
    ),
    "gmm-diag": lambda: GaussianMixture(2, covariance_type="diag", random_state=0).fit(
        _two_clusters()
    ),
    "gmm-spherical": lambda: GaussianMixture(
        2, covariance_type="spherical", random_state=0
    ).fit(_two_clusters()),
    "bayesian-gmm": lambda: BayesianGaussianMixture(n_components=3, random_state=0).fit(
        _two_clusters()
    ),
    "gaussian-density": lambda: GaussianDensity().fit(_two_clusters()),
    "categorical-density": lambda: CategoricalDensity().fit(_tokens()),
    "seeded-sampler": lambda: SeededSampler().fit(_two_clusters()),
    "tuple-sampler": lambda: TupleSampler().fit(_two_clusters()),
}


# ------------------------------------------------------------- check_sampler


@pytest.mark.parametrize("name", sorted(FITTED))
def test_check_sampler_accepts_every_family(name):
    estimator = clone(FITTED[name]())
    check_sampler(estimator)


@pytest.mark.parametrize(
    "estimator",
    [
        KernelDensity(kernel="gaussian"),
        KernelDensity(kernel="tophat"),
        GaussianMixture(),
        BayesianGaussianMixture(),
        GaussianDensity(),
        CategoricalDensity(),
    ],
)
def test_check_sampler_accepts_temperature_for_known_families(estimator):
    check_sampler(estimator, temperature=0.5)


@pytest.mark.parametrize("kernel", ["epanechnikov", "exponential", "linear", "cosine"])
def test_check_sampler_refuses_kernels_that_cannot_sample(kernel):
    with pytest.raises(ValueError, match=rf"kernel='{kernel}'.*'gaussian'.*'tophat'"):
        check_sampler(KernelDensity(kernel=kernel))


@pytest.mark.parametrize("estimator", [Ridge(), object(), "not an estimator"])
def test_check_sampler_refuses_objects_that_cannot_sample(estimator):
    with pytest.raises(ValueError, match="fit, score_samples and sample"):
        check_sampler(estimator)


def test_check_sampler_names_the_missing_methods():
    with pytest.raises(ValueError, match="Ridge lacks score_samples, sample"):
        check_sampler(Ridge())


@pytest.mark.parametrize("estimator", [SeededSampler(), TupleSampler()])
def test_check_sampler_refuses_temperature_for_unknown_families(estimator):
    check_sampler(estimator, temperature=1.0)
    with pytest.raises(
        ValueError, match=r"temperature=0.5.*`temperature`.*KernelDensity.*GaussianMix"
    ):
        check_sampler(estimator, temperature=0.5)


@pytest.mark.parametrize("temperature", [0.0, -1.0, np.inf, "hot", None])
def test_check_sampler_refuses_invalid_temperature(temperature):
    with pytest.raises(ValueError, match="temperature must be a float > 0"):
        check_sampler(GaussianDensity(), temperature=temperature)


# -------------------------------------------------------------- draw_samples


@pytest.mark.parametrize("name", sorted(FITTED))
def test_draw_samples_shape_and_empty(name):
    estimator = FITTED[name]()
    X = draw_samples(estimator, 25, random_state=0)
    n_features = estimator.n_features_in_
    assert isinstance(X, np.ndarray)
    assert X.shape == (25, n_features)
    assert draw_samples(estimator, 0, random_state=0).shape == (0, n_features)


@pytest.mark.parametrize("name", sorted(FITTED))
def test_draw_samples_reproducible_and_seed_dependent(name):
    estimator = FITTED[name]()
    first = draw_samples(estimator, 40, random_state=3)
    np.testing.assert_array_equal(first, draw_samples(estimator, 40, random_state=3))
    assert not np.array_equal(first, draw_samples(estimator, 40, random_state=4))
    rng = np.random.RandomState(0)
    assert not np.array_equal(
        draw_samples(estimator, 40, random_state=rng),
        draw_samples(estimator, 40, random_state=rng),
    )


@pytest.mark.parametrize("name", sorted(FITTED))
def test_draw_samples_does_not_mutate_the_estimator(name):
    estimator = FITTED[name]()
    params = estimator.get_params()
    state = {
        key: np.copy(value) if isinstance(value, np.ndarray) else value
        for key, value in vars(estimator).items()
    }
    temperature = 1.0 if name.endswith("sampler") else 0.5
    draw_samples(estimator, 30, random_state=0, temperature=temperature)
    assert estimator.get_params() == params
    for key, value in vars(estimator).items():
        if isinstance(value, np.ndarray):
            np.testing.assert_array_equal(value, state[key])
        elif key != "tree_":
            assert value == state[key] or value is state[key], key


def test_draw_samples_requires_a_fitted_estimator():
    with pytest.raises(NotFittedError):
        draw_samples(GaussianMixture(), 5, random_state=0)


def test_draw_samples_rejects_bad_n_samples():
    estimator = FITTED["gmm-full"]()
    with pytest.raises(ValueError, match="n_samples"):
        draw_samples(estimator, -1, random_state=0)
    with pytest.raises(TypeError, match="n_samples"):
        draw_samples(estimator, 2.0, random_state=0)


def test_draw_samples_refuses_temperature_for_unknown_families():
    with pytest.raises(ValueError, match="`temperature`"):
        draw_samples(FITTED["seeded-sampler"](), 5, random_state=0, temperature=2.0)


def test_draw_samples_refuses_kernels_that_cannot_sample():
    kde = KernelDensity(kernel="epanechnikov").fit(_two_clusters())
    with pytest.raises(ValueError, match="kernel='epanechnikov'"):
        draw_samples(kde, 5, random_state=0)


def test_tuple_sampler_is_seeded_on_a_copy():
    estimator = FITTED["tuple-sampler"]()
    draw_samples(estimator, 5, random_state=0)
    assert estimator.random_state is None


@pytest.mark.parametrize("name", ["gmm-full", "gmm-diag", "bayesian-gmm"])
def test_mixture_rows_are_shuffled(name):
    # GaussianMixture.sample returns the rows grouped by component
    mixture = FITTED[name]()
    X = draw_samples(mixture, 400, random_state=0)
    far = X[:, 0] > 10  # the component around (20, 0)
    assert 0 < far.sum() < 400
    changes = np.count_nonzero(np.diff(far.astype(int)))
    # grouped rows change component once; shuffled ones about 2 p (1 - p) n times
    assert changes > 50
    # the component frequencies follow weights_
    p_far = mixture.weights_[np.argmax(mixture.means_[:, 0])]
    assert_mc_agrees(
        far.mean(), p_far, standard_error=np.sqrt(p_far * (1 - p_far) / 400)
    )


def test_gaussian_mixture_sample_is_not_repeated_across_calls():
    # GaussianMixture.sample with an int random_state returns the same draw
    # at every call; the adapter's draws depend on the given random_state only
    mixture = FITTED["gmm-full"]()
    np.testing.assert_array_equal(mixture.sample(5)[0], mixture.sample(5)[0])
    assert not np.array_equal(
        draw_samples(mixture, 5, random_state=1),
        draw_samples(mixture, 5, random_state=2),
    )


def _assert_covariance(samples, expected):
    n = len(samples)
    variances = np.diag(expected)
    standard_error = np.sqrt((np.outer(variances, variances) + expected**2) / n)
    assert_mc_agrees(
        np.cov(samples, rowvar=False), expected, standard_error=standard_error
    )


def _correlated(n_samples=300):
    rng = np.random.RandomState(0)
    return rng.multivariate_normal([1.0, -1.0], [[2.0, 0.8], [0.8, 1.0]], n_samples)


@pytest.mark.parametrize("covariance_type", ["full", "tied", "diag", "spherical"])
@pytest.mark.parametrize("temperature", [1.0, 0.25])
def test_mixture_temperature_scales_the_covariance(covariance_type, temperature):
    mixture = GaussianMixture(1, covariance_type=covariance_type, random_state=0)
    mixture.fit(_correlated())
    covariance = {
        "full": lambda c: c[0],
        "tied": lambda c: c,
        "diag": lambda c: np.diag(c[0]),
        "spherical": lambda c: c[0] * np.eye(2),
    }[covariance_type](mixture.covariances_)
    X = draw_samples(mixture, 20_000, random_state=0, temperature=temperature)
    _assert_covariance(X, temperature * covariance)
    assert_mc_agrees(
        X.mean(axis=0),
        mixture.means_[0],
        standard_error=np.sqrt(temperature * np.diag(covariance) / len(X)),
    )


def test_mixture_temperature_keeps_means_and_weights():
    mixture = FITTED["gmm-full"]()
    X = draw_samples(mixture, 20_000, random_state=0, temperature=0.5)
    for k in range(2):
        rows = (
            np.argmin(((X[:, None, :] - mixture.means_[None]) ** 2).sum(axis=2), axis=1)
            == k
        )
        weight = mixture.weights_[k]
        assert_mc_agrees(
            rows.mean(), weight, standard_error=np.sqrt(weight * (1 - weight) / len(X))
        )
        _assert_covariance(X[rows], 0.5 * mixture.covariances_[k])


@pytest.mark.parametrize("temperature", [1.0, 0.25, 2.0, 4.0])
def test_kde_gaussian_temperature_scales_the_kernel_variance(temperature):
    # a single stored point: the samples are the kernel itself
    kde = KernelDensity(kernel="gaussian", bandwidth=0.5).fit([[1.0, 2.0]])
    X = draw_samples(kde, 20_000, random_state=0, temperature=temperature)
    _assert_covariance(X, temperature * 0.25 * np.eye(2))
    assert kde.bandwidth_ == 0.5


@pytest.mark.parametrize("temperature", [1.0, 0.25])
def test_kde_tophat_temperature_scales_the_radius(temperature):
    # uniform in a ball of radius r in d dimensions: covariance r^2 / (d + 2)
    kde = KernelDensity(kernel="tophat", bandwidth=2.0).fit([[0.0, 0.0, 0.0]])
    X = draw_samples(kde, 20_000, random_state=0, temperature=temperature)
    radius = 2.0 * np.sqrt(temperature)
    assert np.linalg.norm(X, axis=1).max() <= radius
    _assert_covariance(X, radius**2 / 5 * np.eye(3))


def test_gaussian_density_temperatures_compose():
    density = GaussianDensity(temperature=0.5).fit(_correlated())
    X = draw_samples(density, 20_000, random_state=0, temperature=0.5)
    _assert_covariance(X, 0.25 * density.covariance_)


def test_categorical_density_temperatures_compose():
    density = CategoricalDensity(temperature=0.5).fit(_tokens())  # p^2
    n = 20_000
    X = draw_samples(density, n, random_state=0, temperature=0.5)  # then p^4
    assert X.dtype == np.int64
    p = np.array([0.4, 0.3, 0.2, 0.1]) ** 4
    p /= p.sum()
    frequencies = np.bincount(X[:, 0], minlength=4) / n
    assert_mc_agrees(frequencies, p, standard_error=np.sqrt(p * (1 - p) / n))


def test_categorical_density_cut_tokens_stay_cut():
    density = CategoricalDensity(top_k=2).fit(_tokens())
    X = draw_samples(density, 1000, random_state=0, temperature=3.0)
    assert set(np.unique(X)) == {0, 1}


def test_draw_samples_matches_the_estimator_sample_at_temperature_one():
    density = FITTED["gaussian-density"]()
    np.testing.assert_array_equal(
        draw_samples(density, 10, random_state=5), density.sample(10, random_state=5)
    )
    kde = FITTED["kde-gaussian"]()
    np.testing.assert_array_equal(
        draw_samples(kde, 10, random_state=5), kde.sample(10, random_state=5)
    )


# ----------------------------------------------- is_discrete and probabilities


def test_is_discrete():
    assert is_discrete(CategoricalDensity())
    assert is_discrete(FITTED["categorical-density"]())
    for name in FITTED:
        if name != "categorical-density":
            assert not is_discrete(FITTED[name]())


def test_probabilities_of_a_discrete_model():
    density = CategoricalDensity(top_k=3).fit(_tokens())
    categories, p = probabilities(density)
    np.testing.assert_array_equal(categories, [0, 1, 2, 3])
    np.testing.assert_allclose(p, [4 / 9, 3 / 9, 2 / 9, 0])
    # copies: the caller cannot corrupt the model
    p[:] = 0
    categories[:] = 7
    assert density.probabilities_.sum() == pytest.approx(1.0)
    np.testing.assert_array_equal(density.categories_, [0, 1, 2, 3])


def test_probabilities_refuses_continuous_or_unfitted_models():
    with pytest.raises(ValueError, match="not a discrete"):
        probabilities(FITTED["gmm-full"]())
    with pytest.raises(NotFittedError):
        probabilities(CategoricalDensity())


class _DuckDensity:
    """fit/score_samples/sample without BaseEstimator: DESIGN.md's "anything"."""

    def fit(self, X, y=None):
        self.center_ = np.mean(X, axis=0)
        return self

    def score_samples(self, X):
        return -0.5 * np.sum((np.asarray(X) - self.center_) ** 2, axis=1)

    def sample(self, n_samples=1, random_state=None):
        rng = np.random.default_rng(random_state)
        return self.center_ + rng.standard_normal((n_samples, len(self.center_)))


def test_duck_typed_density_estimator_samples():
    from skcollapse._sampling import draw_samples

    duck = _DuckDensity().fit(np.zeros((5, 2)))
    first = draw_samples(duck, 4, random_state=3)
    assert first.shape == (4, 2)
    np.testing.assert_array_equal(first, draw_samples(duck, 4, random_state=3))


# ------------------------------------------------- what another sample returns
def test_a_one_dimensional_draw_is_one_column():
    est = Returns(lambda n: np.arange(n, dtype=float), n_features=1).fit(None)
    X = draw_samples(est, 5, random_state=0)
    assert X.shape == (5, 1)
    np.testing.assert_array_equal(X[:, 0], np.arange(5.0))
    # a tuple: its first element
    est = Returns(lambda n: (np.ones((n, 2)), np.zeros(n)), n_features=2).fit(None)
    np.testing.assert_array_equal(draw_samples(est, 3, random_state=0), np.ones((3, 2)))


@pytest.mark.parametrize(
    "make, match",
    [
        (
            lambda n: np.array(["a"] * n),
            r"Returns.sample\(3\) returned an array of dtype <U1; it must return ",
        ),
        (lambda n: np.ones((n + 1, 2)), r"shape \(4, 2\); it must return 3 rows"),
        (lambda n: np.ones((n, 2, 1)), r"shape \(3, 2, 1\)"),
        (lambda n: np.ones((n, 3)), r"returned 3 column\(s\).*n_features_in_=2"),
    ],
    ids=["strings", "rows", "ndim", "columns"],
)
def test_a_wrong_draw_is_refused_with_what_was_returned(make, match):
    from skcollapse._problem import InputError

    est = Returns(make, n_features=2).fit(None)
    with pytest.raises(InputError, match=match):
        draw_samples(est, 3, random_state=0)
