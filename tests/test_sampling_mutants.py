"""Tests written against the sampling target's surviving mutants (issue 16).

Each test here was written for mutants that the rest of the suite let
survive (``python tools/mutation.py sampling``; the list and the mutants judged
equivalent are in ``tests/mutation_survivors.md``), and checked against
them: it fails with the mutant applied and passes without. They test
behaviour: the whole text of every refusal of the adapter, the rows a
mixture draws when a component is drawn once, the seed another estimator's
``sample`` gets, and the variance drawn under a temperature.
"""

import copy
import re

import numpy as np
import pytest
from conftest import Returns, whole
from sklearn.base import BaseEstimator, DensityMixin
from sklearn.exceptions import NotFittedError
from sklearn.mixture import BayesianGaussianMixture, GaussianMixture
from sklearn.neighbors import KernelDensity

from skcollapse._problem import InputError
from skcollapse._random import draw_seed
from skcollapse._sampling import check_sampler, draw_samples, probabilities
from skcollapse.generative import (
    CategoricalDensity,
    GaussianDensity,
    _sample_gaussian,
)
from skcollapse.utils._testing import assert_mc_agrees


def _X(n_samples=31, n_features=2, seed=3):
    return np.random.RandomState(seed).normal(size=(n_samples, n_features))


# --------------------------------------------------------------------------
# check_sampler: each refusal in full
# --------------------------------------------------------------------------
class _Only:
    """An object with only some of a density estimator's methods."""

    def __init__(self, *methods):
        for method in methods:
            setattr(self, method, lambda *args, **kwargs: None)


NEEDS = (
    "The density estimator must implement fit, score_samples and sample to "
    "generate synthetic data; _Only lacks {}."
)


@pytest.mark.parametrize(
    "methods, missing",
    [
        ((), "fit, score_samples, sample"),
        (("fit", "sample"), "score_samples"),
        (("fit",), "score_samples, sample"),
        (("score_samples", "sample"), "fit"),
    ],
)
def test_a_missing_method_is_named_in_the_whole_message(methods, missing):
    with pytest.raises(ValueError, match=whole(NEEDS.format(missing))):
        check_sampler(_Only(*methods))


def test_a_non_callable_method_counts_as_missing():
    estimator = _Only("fit", "score_samples")
    estimator.sample = "not a method"
    with pytest.raises(ValueError, match=whole(NEEDS.format("sample"))):
        check_sampler(estimator)


CLONED = (
    "The density estimator is cloned for every generation (a fresh, seeded "
    "copy, with sklearn.base.clone), which needs get_params and set_params; "
    "_Only lacks {}. Derive it from sklearn.base.BaseEstimator (its __init__ "
    "storing each parameter as an attribute of the same name), or implement "
    "both."
)


@pytest.mark.parametrize(
    "extra, missing",
    [
        ((), "get_params, set_params"),
        (("get_params",), "set_params"),
        (("set_params",), "get_params"),
    ],
)
def test_what_cloning_needs_is_named_in_the_whole_message(extra, missing):
    estimator = _Only("fit", "score_samples", "sample", *extra)
    with pytest.raises(ValueError, match=whole(CLONED.format(missing))):
        check_sampler(estimator)


class _CloneFails(DensityMixin, BaseEstimator):
    """A density whose parameters cannot be read back, so clone fails."""

    def fit(self, X, y=None):
        return self

    def score_samples(self, X):
        return np.zeros(len(X))

    def sample(self, n_samples=1):
        return np.zeros((n_samples, 1))

    def get_params(self, deep=True):
        raise LookupError("no parameter 'width' stored")


def test_a_clone_failure_is_named_with_its_type_and_text():
    message = (
        "The density estimator is cloned for every generation, but "
        "sklearn.base.clone(_CloneFails) fails: LookupError: no parameter "
        "'width' stored"
    )
    with pytest.raises(ValueError, match=whole(message)) as info:
        check_sampler(_CloneFails())
    assert isinstance(info.value.__cause__, LookupError)


class _Unstored(DensityMixin, BaseEstimator):
    """A constructor that does not store its parameter as given."""

    def __init__(self, width=1.0):
        self.width = 2 * width

    fit = _CloneFails.fit
    score_samples = _CloneFails.score_samples
    sample = _CloneFails.sample


def test_a_constructor_that_changes_its_parameter_fails_with_clones_reason():
    prefix = (
        "The density estimator is cloned for every generation, but "
        "sklearn.base.clone(_Unstored) fails: RuntimeError: "
    )
    with pytest.raises(ValueError, match="^" + re.escape(prefix)) as info:
        check_sampler(_Unstored())
    assert str(info.value) == prefix + str(info.value.__cause__)


KERNEL = (
    "KernelDensity(kernel={!r}) cannot sample: scikit-learn implements "
    "KernelDensity.sample only for kernel='gaussian' and kernel='tophat'. Use "
    "one of them to generate synthetic data."
)


@pytest.mark.parametrize("kernel", ["epanechnikov", "cosine"])
def test_a_kernel_that_cannot_sample_is_refused_in_full(kernel):
    with pytest.raises(ValueError, match=whole(KERNEL.format(kernel))):
        check_sampler(KernelDensity(kernel=kernel))
    # a fitted model whose kernel was changed afterwards, when drawn from
    kde = KernelDensity().fit(_X()).set_params(kernel=kernel)
    with pytest.raises(ValueError, match=whole(KERNEL.format(kernel))):
        draw_samples(kde, 3, random_state=0)


METRIC = (
    "KernelDensity(metric={}) cannot generate synthetic data faithfully: "
    "scikit-learn's KernelDensity.sample ignores the metric and always draws "
    "from the Euclidean kernel, while score_samples uses the metric, so the "
    "samples would not come from the model that is scored. Use "
    "metric='euclidean' (the default), or a density estimator whose sample() "
    "matches its score_samples()."
)


@pytest.mark.parametrize(
    "metric, metric_params, shown",
    [
        ("manhattan", None, "'manhattan'"),
        ("chebyshev", {}, "'chebyshev'"),
        ("minkowski", {"p": 3}, "'minkowski', metric_params={'p': 3}"),
        ("p", {"p": 1.5}, "'p', metric_params={'p': 1.5}"),
        (
            "minkowski",
            {"p": 2, "w": [1.0, 3.0]},
            "'minkowski', metric_params={'p': 2, 'w': [1.0, 3.0]}",
        ),
        (
            "minkowski",
            {"w": [1.0, 3.0]},
            "'minkowski', metric_params={'w': [1.0, 3.0]}",
        ),
        ("euclidean", {"p": 2}, "'euclidean', metric_params={'p': 2}"),
        ("l2", {"w": [1.0]}, "'l2', metric_params={'w': [1.0]}"),
    ],
)
def test_a_non_euclidean_metric_is_refused_in_full(metric, metric_params, shown):
    kde = KernelDensity(metric=metric, metric_params=metric_params)
    with pytest.raises(ValueError, match=whole(METRIC.format(shown))):
        check_sampler(kde)


@pytest.mark.parametrize(
    "metric, metric_params",
    [
        ("euclidean", None),
        ("euclidean", {}),
        ("l2", None),
        ("minkowski", None),
        ("minkowski", {"p": 2}),
        ("p", None),
        ("p", {"p": 2.0}),
    ],
)
def test_the_euclidean_metrics_are_accepted_and_drawn(metric, metric_params):
    kde = KernelDensity(metric=metric, metric_params=metric_params)
    check_sampler(kde, temperature=0.5)
    kde.fit(_X())
    assert draw_samples(kde, 5, random_state=0, temperature=0.5).shape == (5, 2)


def test_a_fitted_non_euclidean_kde_is_refused_when_drawn_from():
    kde = KernelDensity(metric="manhattan").fit(_X())
    with pytest.raises(ValueError, match=whole(METRIC.format("'manhattan'"))):
        draw_samples(kde, 3, random_state=0)
    kde = KernelDensity(metric="minkowski", metric_params={"p": 1}).fit(_X())
    shown = "'minkowski', metric_params={'p': 1}"
    with pytest.raises(ValueError, match=whole(METRIC.format(shown))):
        draw_samples(kde, 3, random_state=0, temperature=0.5)


TEMPERATURE = "temperature must be a float > 0; got temperature={}."


@pytest.mark.parametrize(
    "temperature, shown",
    [
        (True, "True"),
        (np.bool_(True), "True"),
        (0, "0"),
        (-0.5, "-0.5"),
        (float("nan"), "nan"),
        (-np.inf, "-inf"),
        (np.inf, "inf"),
        ("1.0", "'1.0'"),
        (None, "None"),
    ],
)
def test_a_bad_temperature_is_refused_in_full(temperature, shown):
    shown = repr(temperature) if isinstance(temperature, np.generic) else shown
    with pytest.raises(ValueError, match=whole(TEMPERATURE.format(shown))):
        check_sampler(GaussianDensity(), temperature=temperature)
    density = GaussianDensity().fit(_X())
    with pytest.raises(ValueError, match=whole(TEMPERATURE.format(shown))):
        draw_samples(density, 3, random_state=0, temperature=temperature)


class _Seeded(DensityMixin, BaseEstimator):
    """A third-party density whose ``sample`` takes ``random_state`` and
    records every call: ``calls`` holds ``(n_samples, random_state)``."""

    def fit(self, X, y=None):
        X = np.asarray(X, dtype=float)
        self.mean_ = X.mean(axis=0)
        self.n_features_in_ = X.shape[1]
        self.calls_ = []
        return self

    def score_samples(self, X):
        return -0.5 * np.sum((np.asarray(X) - self.mean_) ** 2, axis=1)

    def sample(self, n_samples=1, random_state=None):
        self.calls_.append((n_samples, random_state))
        rng = np.random.RandomState(random_state)
        return self.mean_ + rng.standard_normal((n_samples, len(self.mean_)))


UNTEMPERED = (
    "temperature={} cannot be applied to _Seeded: the sampling bias "
    "`temperature` is supported only for KernelDensity (gaussian and tophat "
    "kernels), GaussianMixture, BayesianGaussianMixture, GaussianDensity and "
    "CategoricalDensity. Use temperature=1.0 with other estimators."
)


@pytest.mark.parametrize(
    "temperature, shown", [(2, "2.0"), (np.float32(0.5), "0.5"), (0.37, "0.37")]
)
def test_a_temperature_for_an_unknown_family_is_refused_in_full(temperature, shown):
    with pytest.raises(ValueError, match=whole(UNTEMPERED.format(shown))):
        check_sampler(_Seeded(), temperature=temperature)
    seeded = _Seeded().fit(_X())
    with pytest.raises(ValueError, match=whole(UNTEMPERED.format(shown))):
        draw_samples(seeded, 3, random_state=0, temperature=temperature)
    assert seeded.calls_ == []  # refused before drawing
    # temperature 1 (an int too) is the untempered draw
    check_sampler(_Seeded(), temperature=1)
    assert draw_samples(seeded, 3, random_state=0, temperature=1).shape == (3, 2)


# --------------------------------------------------------------------------
# fitted-ness: checked for the families the adapter reads, not for others
# --------------------------------------------------------------------------
@pytest.mark.parametrize(
    "estimator",
    [
        KernelDensity(),
        GaussianMixture(),
        BayesianGaussianMixture(),
        GaussianDensity(),
        CategoricalDensity(),
    ],
    ids=lambda estimator: type(estimator).__name__,
)
def test_an_unfitted_known_family_is_refused_as_not_fitted(estimator):
    with pytest.raises(NotFittedError, match=type(estimator).__name__):
        draw_samples(estimator, 3, random_state=0)


class _NoUnderscore:
    """A duck-typed density whose fitted attribute has no trailing underscore
    (``check_is_fitted`` would call it unfitted)."""

    def __init__(self, scale=1.0):
        self.scale = scale

    def get_params(self, deep=True):
        return {"scale": self.scale}

    def set_params(self, **params):
        self.scale = params.get("scale", self.scale)
        return self

    def fit(self, X, y=None):
        self.center = np.mean(X, axis=0)
        return self

    def score_samples(self, X):
        return -np.sum((np.asarray(X) - self.center) ** 2, axis=1)

    def sample(self, n_samples=1, random_state=None):
        rng = np.random.RandomState(random_state)
        return self.center + self.scale * rng.standard_normal((n_samples, 2))


def test_another_estimator_is_sampled_without_a_fitted_check():
    duck = _NoUnderscore(scale=0.5)
    check_sampler(duck)
    duck.fit(np.full((5, 2), 3.0))
    X = draw_samples(duck, 4, random_state=7)
    seed = draw_seed(np.random.RandomState(7))
    np.testing.assert_array_equal(X, duck.sample(4, random_state=seed))


# --------------------------------------------------------------------------
# another estimator's sample: how it is called, what it must return
# --------------------------------------------------------------------------
def test_a_sample_taking_random_state_gets_an_int_drawn_from_the_seed():
    seeded = _Seeded().fit(_X())
    X = draw_samples(seeded, 5, random_state=11)
    seed = draw_seed(np.random.RandomState(11))
    assert seeded.calls_ == [(5, seed)]
    assert isinstance(seeded.calls_[0][1], int)
    np.testing.assert_array_equal(X, seeded.sample(5, random_state=seed))
    # one row is drawn (not taken for an empty draw)
    X = draw_samples(seeded, 1, random_state=11)
    assert X.shape == (1, 2)
    assert seeded.calls_[-1] == (1, seed)
    # no rows: an empty array of the fitted width, without calling sample
    calls = len(seeded.calls_)
    assert draw_samples(seeded, 0, random_state=11).shape == (0, 2)
    assert len(seeded.calls_) == calls


class _Attribute(DensityMixin, BaseEstimator):
    """A GaussianMixture-like density: ``sample(n)`` is seeded by
    ``self.random_state``; every call records it."""

    def __init__(self, random_state=None, calls=None):
        self.random_state = random_state
        self.calls = calls

    def fit(self, X, y=None):
        self.mean_ = np.asarray(X, dtype=float).mean(axis=0)
        return self

    def score_samples(self, X):
        return np.zeros(len(X))

    def sample(self, n_samples=1):
        self.calls.append((n_samples, self.random_state))
        rng = np.random.RandomState(self.random_state)
        X = self.mean_ + rng.standard_normal((n_samples, len(self.mean_)))
        return X, np.zeros(n_samples, dtype=int)


def test_a_sample_seeded_by_an_attribute_is_called_on_a_seeded_copy():
    calls = []
    estimator = _Attribute(random_state=5, calls=calls).fit(_X(n_features=3))
    X = draw_samples(estimator, 4, random_state=2)
    seed = draw_seed(np.random.RandomState(2))
    assert calls == [(4, seed)]
    assert estimator.random_state == 5
    expected = _Attribute(random_state=seed, calls=[]).fit(_X(n_features=3))
    np.testing.assert_array_equal(X, expected.sample(4)[0])
    # no n_features_in_: zero rows are asked of sample itself
    assert draw_samples(estimator, 0, random_state=2).shape == (0, 3)
    assert calls[-1] == (0, seed)


@pytest.mark.parametrize(
    "make, dtype",
    [
        (lambda n: np.array(["a"] * n).reshape(-1, 1), "<U1"),
        (lambda n: np.ones((n, 2), dtype=complex), "complex128"),
        (lambda n: np.array([[None, 1.0]] * n), "object"),
        (
            lambda n: np.array(["2021-01-01"] * n, dtype="datetime64[D]"),
            "datetime64[D]",
        ),
    ],
    ids=["str", "complex", "object", "datetime"],
)
def test_a_draw_of_no_numbers_is_refused_in_full(make, dtype):
    message = (
        f"Returns.sample(3) returned an array of dtype {dtype}; it must return numbers."
    )
    with pytest.raises(InputError, match=whole(message)):
        draw_samples(Returns(make, n_features=2).fit(None), 3, random_state=0)


@pytest.mark.parametrize(
    "make, shape",
    [
        (lambda n: np.ones((n + 1, 2)), "(4, 2)"),
        (lambda n: np.ones((n, 2, 1)), "(3, 2, 1)"),
        (lambda n: np.ones((n - 1, 2, 1)), "(2, 2, 1)"),
        (lambda n: np.float64(1.5), "()"),
    ],
)
def test_a_draw_of_other_rows_is_refused_in_full(make, shape):
    message = (
        f"Returns.sample(3) returned an array of shape {shape}; it must return 3 "
        "rows, an array of shape (n_samples, n_features) (or a tuple starting "
        "with it)."
    )
    with pytest.raises(InputError, match=whole(message)):
        draw_samples(Returns(make).fit(None), 3, random_state=0)


def test_a_draw_of_other_columns_is_refused_in_full():
    message = (
        "Returns.sample(3) returned 5 column(s), but the estimator was fitted on "
        "n_features_in_=2."
    )
    with pytest.raises(InputError, match=whole(message)):
        draw_samples(Returns(lambda n: np.ones((n, 5)), 2).fit(None), 3, random_state=0)
    # without n_features_in_ any width is taken
    X = draw_samples(Returns(lambda n: np.ones((n, 5))).fit(None), 3, random_state=0)
    assert X.shape == (3, 5)


@pytest.mark.parametrize("dtype", [bool, np.int8, np.uint16, np.float32])
def test_a_draw_of_numbers_of_any_kind_is_taken_as_it_is(dtype):
    rows = (np.arange(6).reshape(3, 2) % 2).astype(dtype)
    X = draw_samples(Returns(lambda n: rows[:n], 2).fit(None), 3, random_state=0)
    assert X.dtype == dtype
    np.testing.assert_array_equal(X, rows)


def test_a_tuple_is_reduced_to_its_first_element():
    rows = np.array([[0.5, -1.0], [2.0, 3.5], [7.0, 1.0]])
    make = lambda n: (rows[:n], np.ones((n, 2)))  # noqa: E731
    np.testing.assert_array_equal(
        draw_samples(Returns(make, 2).fit(None), 3, random_state=0), rows
    )
    # a one-dimensional first element is one column
    make = lambda n: (rows[:n, 0], np.ones(n))  # noqa: E731
    X = draw_samples(Returns(make, 1).fit(None), 3, random_state=0)
    np.testing.assert_array_equal(X, rows[:, :1])


class _Compiled:
    """A ``sample`` whose signature cannot be read (as for some compiled
    extension methods): ``inspect.signature`` raises TypeError."""

    __signature__ = "not a signature"

    def __call__(self, n_samples):
        return np.arange(2.0 * n_samples).reshape(n_samples, 2)


def test_a_sample_without_a_readable_signature_is_called_with_n_samples():
    estimator = Returns(None, 2).fit(None)
    estimator.sample = _Compiled()
    X = draw_samples(estimator, 3, random_state=0)
    np.testing.assert_array_equal(X, np.arange(6.0).reshape(3, 2))


# --------------------------------------------------------------------------
# probabilities
# --------------------------------------------------------------------------
@pytest.mark.parametrize(
    "estimator", [GaussianMixture(), GaussianDensity().fit(_X()), "tokens"]
)
def test_probabilities_of_a_continuous_model_is_refused_in_full(estimator):
    message = (
        f"{type(estimator).__name__} is not a discrete density estimator; "
        "probabilities() needs a CategoricalDensity."
    )
    with pytest.raises(ValueError, match=whole(message)):
        probabilities(estimator)


# --------------------------------------------------------------------------
# mixtures: a component drawn once, weights that do not sum to 1 exactly
# --------------------------------------------------------------------------
def _three_clusters(dtype=np.float64):
    """Tiny, far-apart clusters of 3, 40 and 40 points (weights 3/83, 40/83)."""
    rng = np.random.RandomState(1)
    X = np.concatenate(
        [
            rng.normal([50.0, 3.5], 0.01, size=(3, 2)),
            rng.normal([0.0, -7.0], 0.01, size=(40, 2)),
            rng.normal([-50.0, 7.0], 0.01, size=(40, 2)),
        ]
    )
    return X.astype(dtype)


def _mixture_by_hand(mixture, n_samples, seed, temperature):
    """The draw of ``draw_samples(mixture, ...)`` written out: the component
    of every row, then each component's rows in turn from N(mean, temperature
    * covariance) (a component without rows draws no noise)."""
    rng = np.random.RandomState(seed)
    weights = np.asarray(mixture.weights_, dtype=np.float64)
    n_components, n_features = mixture.means_.shape
    labels = rng.choice(n_components, size=n_samples, p=weights / weights.sum())
    X = np.full((n_samples, n_features), np.nan)
    for k in range(n_components):
        rows = labels == k
        mean = np.asarray(mixture.means_[k], dtype=np.float64)
        covariances = np.asarray(mixture.covariances_, dtype=np.float64)
        if mixture.covariance_type in ("full", "tied"):
            covariance = covariances[k] if covariances.ndim == 3 else covariances
            X[rows] = _sample_gaussian(
                mean, covariance, rows.sum(), rng, temperature=temperature
            )
        else:
            scale = np.sqrt(covariances[k]) * np.sqrt(temperature)
            X[rows] = mean + rng.standard_normal((rows.sum(), n_features)) * scale
    return X, labels


@pytest.mark.parametrize("covariance_type", ["diag", "full", "tied", "spherical"])
def test_a_component_drawn_once_gets_its_row(covariance_type):
    mixture = GaussianMixture(3, covariance_type=covariance_type, random_state=0)
    mixture.fit(_three_clusters())
    X = draw_samples(mixture, 7, random_state=93, temperature=0.3)
    expected, labels = _mixture_by_hand(mixture, 7, 93, 0.3)
    # the first and the last component are drawn once, not at the end
    np.testing.assert_array_equal(np.bincount(labels, minlength=3), [1, 5, 1])
    assert labels[2] == 0 and labels[6] == 2
    np.testing.assert_allclose(X, expected, rtol=1e-12, atol=0)
    # every row lies near its own component's mean
    assert np.abs(X - mixture.means_[labels]).max() < 0.1


@pytest.mark.parametrize("covariance_type", ["diag", "full"])
def test_a_float32_mixture_draws_like_its_float64_copy(covariance_type):
    # a mixture fitted on float32 data keeps float32 weights (scikit-learn
    # 1.9 does), whose sum is 1 only to float32 rounding: 1 + 3e-8 here,
    # more than numpy's choice tolerates (1.5e-8) unless normalised in float64
    X = np.random.RandomState(0).normal(size=(83, 2)).astype(np.float32)
    mixture = GaussianMixture(3, covariance_type=covariance_type, random_state=0)
    mixture.fit(X)
    drawn = draw_samples(mixture, 9, random_state=6, temperature=0.7)
    assert drawn.shape == (9, 2) and drawn.dtype == np.float64
    as64 = copy.copy(mixture)
    as64.weights_ = mixture.weights_.astype(np.float64)
    as64.weights_ /= as64.weights_.sum()
    as64.means_ = mixture.means_.astype(np.float64)
    as64.covariances_ = mixture.covariances_.astype(np.float64)
    expected = draw_samples(as64, 9, random_state=6, temperature=0.7)
    # computed in float64 like the copy: not rounded to float32 (1e-7)
    np.testing.assert_allclose(drawn, expected, rtol=1e-13, atol=0)


# --------------------------------------------------------------------------
# temperature: the variance drawn
# --------------------------------------------------------------------------
def _assert_variances(X, expected):
    """Per-feature sample variances against ``expected``, each within 3
    standard errors family-wise (Bonferroni). The standard error of a sample
    variance, ``sqrt((m4 - s**4) / n)``, uses the sample's own fourth central
    moment ``m4``: right for the non-normal (tophat) draws too."""
    n = len(X)
    centred = X - X.mean(axis=0)
    variances = X.var(axis=0, ddof=1)
    m4 = np.mean(centred**4, axis=0)
    assert_mc_agrees(
        variances,
        expected,
        standard_error=np.sqrt((m4 - variances**2) / n),
        family_wise="bonferroni",
    )


@pytest.mark.parametrize("covariance_type", ["full", "diag"])
@pytest.mark.parametrize("temperature", [0.37, 2.6])
def test_bayesian_mixture_temperature_scales_the_variance(covariance_type, temperature):
    rng = np.random.RandomState(4)
    X = rng.normal([1.0, -2.0], [1.5, 0.5], size=(301, 2))
    mixture = BayesianGaussianMixture(
        n_components=1, covariance_type=covariance_type, random_state=0
    ).fit(X)
    covariance = mixture.covariances_[0]
    variances = np.diag(covariance) if covariance.ndim == 2 else covariance
    drawn = draw_samples(mixture, 6001, random_state=2, temperature=temperature)
    _assert_variances(drawn, temperature * variances)
    assert_mc_agrees(
        drawn.mean(axis=0),
        mixture.means_[0],
        standard_error=np.sqrt(temperature * variances / len(drawn)),
        family_wise="bonferroni",
    )


@pytest.mark.parametrize("temperature", [0.37, 2.6])
def test_gaussian_density_temperature_scales_the_variance(temperature):
    density = GaussianDensity(temperature=1.5).fit(_X(301, 3, seed=8))
    drawn = draw_samples(density, 6001, random_state=1, temperature=temperature)
    _assert_variances(drawn, 1.5 * temperature * np.diag(density.covariance_))


@pytest.mark.parametrize("kernel, divisor", [("gaussian", 1), ("tophat", 3 + 2)])
def test_kde_temperature_above_one_widens_the_kernel(kernel, divisor):
    kde = KernelDensity(kernel=kernel, bandwidth=0.7).fit([[2.0, -1.0, 0.5]])
    drawn = draw_samples(kde, 6001, random_state=0, temperature=2.6)
    _assert_variances(drawn, np.full(3, 2.6 * 0.7**2 / divisor))
    assert kde.bandwidth_ == 0.7
