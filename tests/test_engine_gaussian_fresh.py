"""The batched Gaussian family with fresh real rows (``real_sampling="fresh"``
and a ``GaussianSource``): equal in distribution to the refit path (two-sample
tests), the closed form of the fresh-data loop at many repeats, bit identity
across n_jobs and chunks, and clear errors for what it does not cover."""

import warnings

import joblib
import numpy as np
import pytest
from conftest import assert_same_across_chunks
from test_engine import _curve
from test_engine import compare as _compare

from skcollapse import CollapseWarning, RecursiveDensityRetrainer
from skcollapse.datasets import GaussianMixtureSource, GaussianSource
from skcollapse.generative import GaussianDensity
from skcollapse.model_selection import collapse_curve
from skcollapse.theory import gaussian_refit
from skcollapse.utils._testing import assert_mc_agrees

GAUSS = GaussianSource([0.5, -1.0], [[1.0, 0.3], [0.3, 0.5]])
GAUSS_1D = GaussianSource([2.0], [[0.7]])
MIXTURE = GaussianMixtureSource([0.4, 0.6], [[0.0, 0.0], [3.0, 3.0]], [1.0, 1.0])
X_REAL = GAUSS.sample(19, random_state=8)
X_REAL_1D = GAUSS_1D.sample(13, random_state=5)
X_TEST = GAUSS.sample(23, random_state=9)
WEIGHTS = np.random.RandomState(4).uniform(0.2, 2.0, size=19)
WEIGHTS[2] = 0.0


def compare(estimator, X, n_repeats=120, **kwargs):
    """Two-sample comparison of the engines, different seeds."""
    return _compare(estimator, X, None, n_repeats, seeds=(31, 32), **kwargs)


def fresh(base=None, **params):
    params = {"n_generations": 4, "real_sampling": "fresh", "real_source": GAUSS,
              "real_fraction": 0.5, **params}  # fmt: skip
    return RecursiveDensityRetrainer(GaussianDensity() if base is None else base,
                                     **params)  # fmt: skip


FRESH = [
    # replace, half the real rows fresh (10 of 19: round half to even of 9.5)
    fresh(),
    # accumulate, full covariance, ddof 0, a temperature of the model and of
    # the loop, fewer synthetic rows
    fresh(GaussianDensity(ddof=0, temperature=0.8), data="accumulate",
          real_fraction=0.3, synthetic_size=0.6, temperature=1.2),
    # diag, few fresh rows (2 <= n_features: drawn as rows, not moments)
    fresh(GaussianDensity(covariance_type="diag"), real_fraction=0.1,
          synthetic_size=7),
    # spherical, accumulate-subsample with heavier synthetic rows
    fresh(GaussianDensity(covariance_type="spherical", ddof=2),
          data="accumulate-subsample", real_fraction=0.4, synthetic_weight=2.0),
    # every real row fresh, with the held-out real rows
    fresh(real_fraction=1.0, validation_fraction=0.25, data="accumulate",
          metrics=["log_likelihood_real", "log_likelihood_validation",
                   "total_variance", "mean_shift"]),
]  # fmt: skip


@pytest.mark.parametrize(
    "estimator",
    [*FRESH[:3], *(pytest.param(f, marks=pytest.mark.slow) for f in FRESH[3:])],
)
def test_fresh_real_rows_equal_in_distribution(estimator):
    compare(estimator, X_REAL)


@pytest.mark.slow
@pytest.mark.parametrize("estimator", [FRESH[0], FRESH[3]])
def test_fresh_weighted_equal_in_distribution(estimator):
    # a fresh row weighs the mean real weight, as in the refit path
    compare(estimator, X_REAL, params={"sample_weight": WEIGHTS})


def test_fresh_one_feature_equal_in_distribution():
    estimator = fresh(GaussianDensity(ddof=0), real_source=GAUSS_1D,
                      real_fraction=0.7, data="accumulate")  # fmt: skip
    compare(estimator, X_REAL_1D)


@pytest.mark.slow
def test_fresh_with_a_source_and_a_test_set_equal_in_distribution():
    # collapse_curve's source draws each repeat's real data; real_source its
    # fresh rows every generation; the truth and the test keys batched
    estimator = fresh(real_fraction=0.6, data="accumulate")
    batched, refit = compare(estimator, None, source=GAUSS, n_samples=17,
                             X_test=X_TEST)  # fmt: skip
    assert {"truth_kl", "truth_w2", "test_log_likelihood"} <= set(batched)


@pytest.mark.slow
@pytest.mark.parametrize(
    "n_real, real_fraction, synthetic_size, synthetic_weight, temperature",
    [(13, 0.5, None, 1.0, 1.0), (11, 0.7, 9, 0.6, 0.85)],
)
def test_fresh_data_loop_agrees_with_gaussian_refit(
    n_real, real_fraction, synthetic_size, synthetic_weight, temperature
):
    # He, Xu & Cheng's fresh-data loop: theory.gaussian_refit(real_sampling=
    # "fresh") at 10,000 repeats (each its own real data from the source),
    # the mean error to the truth and the fitted total variance. 13 * 0.5 =
    # 6.5 rounds to 6 fresh rows (half to even), 11 * 0.7 = 7.7 to 8.
    covariance = GAUSS.covariance
    tau = float(np.trace(covariance))
    sizes = {} if synthetic_size is None else {"synthetic_size": synthetic_size}
    estimator = fresh(n_generations=6, real_fraction=real_fraction, **sizes,
                      synthetic_weight=synthetic_weight, temperature=temperature,
                      metrics=["total_variance"])  # fmt: skip
    result = _curve(estimator, None, None, source=GAUSS, n_samples=n_real,
                    n_repeats=10000, random_state=4)  # fmt: skip
    assert set(result["engine"]) == {"batched"}
    theory = gaussian_refit(6, n_real=n_real, n_synthetic=synthetic_size,
                            n_features=2, variance=tau, temperature=temperature,
                            real_fraction=real_fraction, real_sampling="fresh",
                            synthetic_weight=synthetic_weight)  # fmt: skip
    assert_mc_agrees(
        np.hstack([result["truth_mean_error"],
                   result["truth_covariance_trace_ratio"] * tau]),
        np.concatenate([theory["mean_error"], theory["total_variance"]]),
        family_wise="bonferroni",
    )  # fmt: skip


def test_fresh_bit_identical_for_any_n_jobs_and_chunk():
    kwargs = dict(n_repeats=7, random_state=3, engine="batched")
    for estimator in (FRESH[1], FRESH[3]):
        one = collapse_curve(estimator, X_REAL, n_jobs=1, **kwargs)
        with joblib.parallel_config(backend="threading"):
            two = collapse_curve(estimator, X_REAL, n_jobs=2, chunk_size=2, **kwargs)
        small = collapse_curve(estimator, X_REAL, n_jobs=1, chunk_size=3, **kwargs)
        prefix = collapse_curve(estimator, X_REAL, n_repeats=4, random_state=3,
                                engine="batched")  # fmt: skip
        assert set(one["engine"]) == {"batched"}
        for key in one:
            if key == "fit_time":
                continue
            for other in (two, small):
                assert_same_across_chunks(one[key], other[key], key)
            if key != "generation":
                assert_same_across_chunks(one[key][:4], prefix[key], key)


def test_auto_runs_fresh_gaussian_batched():
    result = collapse_curve(FRESH[0], X_REAL, n_repeats=3, random_state=0)
    assert list(result["engine"]) == ["batched"] * 3


def test_fresh_source_of_another_dimension_is_refused():
    estimator = fresh(real_source=GAUSS_1D)
    with pytest.raises(ValueError, match="1 feature"):
        _curve(estimator, X_REAL, None, "batched", n_repeats=2, random_state=0)


UNCOVERED = [
    (fresh(real_source=MIXTURE),
     "real_source=GaussianMixtureSource"),
    (fresh(real_source=lambda n, seed: GAUSS.sample(n, random_state=seed)),
     "real_source=<function"),
]  # fmt: skip


@pytest.mark.parametrize("estimator, reason", UNCOVERED)
def test_uncovered_fresh_sources(estimator, reason):
    with pytest.raises(ValueError, match="engine='batched' does not cover") as info:
        _curve(estimator, X_REAL, None, "batched", n_repeats=2, random_state=0)
    assert reason in str(info.value)
    assert "batched real_source: GaussianSource" in str(info.value)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CollapseWarning)
        result = collapse_curve(estimator, X_REAL, n_repeats=2, random_state=0)
    assert list(result["engine"]) == ["refit", "refit"]


# ----------------------------------------------------------------------
# The sliced Wasserstein distance, batched
# ----------------------------------------------------------------------
SLICED = [
    RecursiveDensityRetrainer(GaussianDensity(), n_generations=3, metrics="all"),
    RecursiveDensityRetrainer(GaussianDensity(covariance_type="diag", temperature=0.7),
                              n_generations=3, data="accumulate", real_fraction=0.4,
                              metrics=["wasserstein"]),
    fresh(n_generations=3, metrics="all"),
]  # fmt: skip


@pytest.mark.parametrize(
    "estimator",
    [SLICED[0], *(pytest.param(e, marks=pytest.mark.slow) for e in SLICED[1:])],
)
def test_sliced_wasserstein_equal_in_distribution(estimator):
    batched, _ = compare(estimator, X_REAL, n_repeats=80)
    assert "wasserstein" in batched


@pytest.mark.slow
def test_sliced_wasserstein_weighted_and_one_feature_equal_in_distribution():
    compare(SLICED[0], X_REAL, n_repeats=80, params={"sample_weight": WEIGHTS})
    compare(SLICED[0], X_REAL_1D, n_repeats=80)


def test_sliced_wasserstein_is_the_refit_paths_given_the_model():
    # generation 0 of a source's repeats is fitted batched (to rounding); the
    # directions, capped real rows and model sample are the refit path's own
    # seeded draws, so its distance is the refit path's to rounding too
    kwargs = dict(source=GAUSS, n_samples=13, n_repeats=5, random_state=3)
    batched = _curve(SLICED[0], None, None, "batched", **kwargs)
    refit = _curve(SLICED[0], None, None, "refit", **kwargs)
    assert set(batched["engine"]) == {"batched"}
    np.testing.assert_allclose(
        batched["wasserstein"][:, 0], refit["wasserstein"][:, 0], rtol=1e-9
    )
    assert np.all(batched["wasserstein"][:, 1:] > 0)
    # shared real data: generation 0 is the refit path's own model, so each
    # repeat's distance is exactly the refit path's (its own seeds)
    kwargs = dict(n_repeats=4, random_state=3)
    batched = _curve(SLICED[0], X_REAL, None, "batched", **kwargs)
    refit = _curve(SLICED[0], X_REAL, None, "refit", **kwargs)
    np.testing.assert_array_equal(batched["wasserstein"][:, 0],
                                  refit["wasserstein"][:, 0])  # fmt: skip
    assert len(set(batched["wasserstein"][:, 0])) == 4


def test_sliced_wasserstein_bit_identical_for_any_n_jobs_and_chunk():
    kwargs = dict(n_repeats=5, random_state=3, engine="batched")
    one = collapse_curve(SLICED[1], X_REAL, n_jobs=1, **kwargs)
    with joblib.parallel_config(backend="threading"):
        two = collapse_curve(SLICED[1], X_REAL, n_jobs=2, chunk_size=2, **kwargs)
    for key in one:
        if key != "fit_time":
            assert_same_across_chunks(one[key], two[key], key)
