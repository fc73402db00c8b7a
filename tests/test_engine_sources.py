"""The batched engine against a truth and a test set, with fresh inputs,
fresh real rows and regularization schedules: the refit path's meaning
(two-sample tests), the sources' closed forms and theory at many repeats,
bit identity across n_jobs, and a ValueError for what it does not cover."""

import warnings

import joblib
import numpy as np
import pytest
from conftest import assert_same_across_chunks
from sklearn.linear_model import LinearRegression, Ridge
from sklearn.metrics import make_scorer, r2_score
from sklearn.mixture import GaussianMixture
from test_engine import _curve, same_source_rows_and_generation_zero
from test_engine import compare as _compare

from skcollapse import CollapseWarning, RecursiveDensityRetrainer, RecursiveRetrainer
from skcollapse.datasets import GaussianSource, LinearSource
from skcollapse.experiments._regression import GaussianInputs
from skcollapse.generative import GaussianDensity
from skcollapse.model_selection import collapse_curve
from skcollapse.regularization import (
    AdaptiveRegularization,
    geometric_schedule,
    linear_schedule,
)
from skcollapse.theory import gaussian_refit, linear_regression_error
from skcollapse.utils._testing import assert_mc_agrees

LINEAR = LinearSource([1.0, -2.0, 0.5], noise=0.7, intercept=0.3)
MULTI = LinearSource(
    [[1.0, -2.0, 0.5], [0.2, 0.0, -1.0]],
    noise=0.6,
    covariance=[1.5, 0.5, 1.0],
    intercept=[0.3, -1.0],
)
GAUSS = GaussianSource([0.5, -1.0], [[1.0, 0.3], [0.3, 0.5]])
X_TEST, Y_TEST = LINEAR.sample(23, random_state=7)
X_REAL, Y_REAL = LINEAR.sample(29, random_state=3)
WEIGHTS = np.random.RandomState(4).uniform(0.2, 2.0, size=29)
X_GTEST = GAUSS.sample(19, random_state=8)


def compare(estimator, n_repeats=120, X=None, y=None, **kwargs):
    """Two-sample comparison of the engines, different seeds."""
    return _compare(estimator, X, y, n_repeats, seeds=(21, 22), **kwargs)


# ----------------------------------------------------------------------
# source= and X_test=: the same rows, keys and generation 0 as refit
# ----------------------------------------------------------------------
SOURCED = [
    (
        RecursiveRetrainer(Ridge(alpha=0.7), n_generations=3, label_noise="residual"),
        dict(source=LINEAR, n_samples=17, X_test=X_TEST, y_test=Y_TEST,
             scoring=["r2", "neg_mean_squared_error"]),
    ),
    (
        RecursiveRetrainer(LinearRegression(fit_intercept=False), n_generations=3,
                           label_noise=0.4, data="accumulate",
                           inputs=GaussianDensity()),
        dict(source=MULTI, n_samples=19),
    ),
    (
        RecursiveDensityRetrainer(GaussianDensity(covariance_type="diag",
                                                  temperature=0.9),
                                  n_generations=3, data="accumulate"),
        dict(source=GAUSS, n_samples=11, X_test=X_GTEST),
    ),
]  # fmt: skip


@pytest.mark.parametrize("estimator, kwargs", SOURCED)
def test_source_rows_seeds_and_generation_zero_are_the_refit_paths(estimator, kwargs):
    # generation 0: the same real rows, the same fit (batched: to rounding)
    assert same_source_rows_and_generation_zero(
        estimator, rtol=1e-9, atol=1e-12, **kwargs
    )


def test_generation_zero_of_a_source_is_fitted_batched_or_refit_alike():
    # validation_fraction: generation 0 through the refit path per repeat,
    # bit for bit the refit path's
    estimator = RecursiveRetrainer(
        Ridge(alpha=0.7), n_generations=2, label_noise=0.5, validation_fraction=0.3
    )
    kwargs = dict(source=LINEAR, n_samples=17, n_repeats=4, random_state=3)
    batched = _curve(estimator, None, None, "batched", **kwargs)
    refit = _curve(estimator, None, None, "refit", **kwargs)
    for key in ("score_real", "score_validation", "truth_excess_risk"):
        np.testing.assert_array_equal(batched[key][:, 0], refit[key][:, 0], key)


@pytest.mark.slow
@pytest.mark.parametrize("estimator, kwargs", SOURCED)
def test_source_and_test_set_equal_in_distribution(estimator, kwargs):
    compare(estimator, n_repeats=200, **kwargs)


@pytest.mark.slow
@pytest.mark.parametrize(
    "estimator",
    [
        RecursiveRetrainer(Ridge(alpha=2.5, fit_intercept=False), n_generations=3,
                           label_noise="residual", data="accumulate-subsample",
                           real_fraction=0.3),
        RecursiveRetrainer(LinearRegression(), n_generations=3, label_noise=0.8,
                           inputs="bootstrap", validation_fraction=0.25,
                           synthetic_size=0.7),
    ],
)  # fmt: skip
def test_linear_source_regimes_equal_in_distribution(estimator):
    compare(estimator, n_repeats=200, source=MULTI, n_samples=21,
            X_test=MULTI.sample(9, random_state=1)[0],
            y_test=MULTI.sample(9, random_state=1)[1])  # fmt: skip


class _Subclassed(LinearSource):
    """Not exactly a LinearSource: evaluated through lightweight models."""


def test_array_evaluations_equal_the_lightweight_models():
    # The same batched trajectories (same seed), scored in arrays
    # (LinearSource's closed form, named scorers) and through each repeat's
    # fitted Ridge clone (a subclass of the source, a callable scorer).
    estimator = RecursiveRetrainer(Ridge(alpha=0.3), n_generations=3,
                                   label_noise="residual")  # fmt: skip
    kwargs = dict(n_samples=15, X_test=X_TEST, y_test=Y_TEST, n_repeats=7,
                  random_state=5)  # fmt: skip
    arrays = _curve(estimator, None, None, source=LINEAR, scoring="r2", **kwargs)
    source = _Subclassed([1.0, -2.0, 0.5], noise=0.7, intercept=0.3)
    models = _curve(estimator, None, None, source=source,
                    scoring=make_scorer(r2_score), **kwargs)  # fmt: skip
    for key in ("truth_excess_risk", "truth_coef_error", "test_score"):
        np.testing.assert_allclose(arrays[key], models[key], rtol=1e-9, err_msg=key)
    np.testing.assert_array_equal(arrays["score_real"], models["score_real"])


def test_gaussian_array_evaluations_equal_the_lightweight_models():
    class Plain(GaussianSource):
        pass

    estimator = RecursiveDensityRetrainer(
        GaussianDensity(temperature=0.7), n_generations=3
    )
    kwargs = dict(n_samples=9, X_test=X_GTEST, n_repeats=6, random_state=2)
    arrays = _curve(estimator, None, None, source=GAUSS, **kwargs)
    plain = Plain(GAUSS.mean, GAUSS.covariance)
    models = _curve(estimator, None, None, source=plain,
                    scoring=lambda model, X, y: model.score(X), **kwargs)  # fmt: skip
    for key in [k for k in arrays if k.startswith("truth_")]:
        np.testing.assert_allclose(arrays[key], models[key], rtol=1e-8, atol=1e-12,
                                   err_msg=key)  # fmt: skip
    np.testing.assert_allclose(
        arrays["test_log_likelihood"], models["test_score"], rtol=1e-10
    )


@pytest.mark.slow
def test_fresh_design_truth_agrees_with_theory_at_many_repeats():
    # Dohmatob et al.: OLS on fresh N(0, I) inputs, each repeat with its own
    # 14 real rows: E excess risk = s^2 v(T) + g s0^2 v(T0), v(N) = d/(N-d-1).
    d, n, n_synthetic, sigma, sigma0 = 3, 14, 11, 0.7, 0.45
    source = LinearSource([1.0, -2.0, 0.5], noise=sigma)
    estimator = RecursiveRetrainer(
        LinearRegression(fit_intercept=False), n_generations=4,
        inputs=GaussianInputs(d), label_noise=sigma0, synthetic_size=n_synthetic,
    )  # fmt: skip
    result = _curve(estimator, None, None, source=source, n_samples=n,
                    n_repeats=10000, random_state=0)  # fmt: skip
    expected = linear_regression_error(
        4, n_features=d, n_real=n, noise=sigma, design="fresh",
        n_synthetic=n_synthetic, synthetic_noise=sigma0,
    )  # fmt: skip
    assert_mc_agrees(result["truth_excess_risk"], expected, family_wise="bonferroni")


@pytest.mark.slow
def test_gaussian_truth_agrees_with_theory_at_many_repeats():
    covariance = np.array([[1.5, -0.4], [-0.4, 0.7]])
    source = GaussianSource([2.0, -1.0], covariance)
    estimator = RecursiveDensityRetrainer(
        GaussianDensity(), n_generations=5, temperature=0.8
    )
    result = _curve(estimator, None, None, source=source, n_samples=13,
                    n_repeats=10000, random_state=4)  # fmt: skip
    theory = gaussian_refit(5, n_real=13, n_features=2,
                            variance=np.trace(covariance), temperature=0.8)  # fmt: skip
    assert_mc_agrees(
        np.hstack([result["truth_mean_error"],
                   result["truth_covariance_trace_ratio"] * np.trace(covariance)]),
        np.concatenate([theory["mean_error"], theory["total_variance"]]),
        family_wise="bonferroni",
    )  # fmt: skip


# ----------------------------------------------------------------------
# Fresh inputs, fresh real rows
# ----------------------------------------------------------------------
FRESH = [
    RecursiveRetrainer(Ridge(alpha=0.5), n_generations=4, inputs=GaussianDensity(),
                       label_noise="residual"),
    RecursiveRetrainer(LinearRegression(), n_generations=4,
                       inputs=GaussianDensity(covariance_type="diag",
                                              temperature=1.3),
                       label_noise=0.6, data="accumulate", synthetic_size=0.6,
                       synthetic_weight=0.4, temperature=0.8),
    RecursiveRetrainer(Ridge(alpha=1.5, fit_intercept=False), n_generations=4,
                       inputs=GaussianDensity(), label_noise="residual",
                       data="accumulate-subsample", real_fraction=0.35),
    # fewer synthetic rows than features + 1: drawn as rows, not moments
    RecursiveRetrainer(LinearRegression(), n_generations=3, inputs=GaussianInputs(3),
                       label_noise=0.5, synthetic_size=3, real_fraction=0.5,
                       real_sampling="resample"),
    RecursiveRetrainer(Ridge(alpha=0.2), n_generations=3, real_sampling="fresh",
                       real_source=LINEAR, real_fraction=0.4,
                       label_noise="residual", data="accumulate"),
    RecursiveRetrainer(Ridge(alpha=0.2), n_generations=3, real_sampling="fresh",
                       real_source=LINEAR, real_fraction=0.5,
                       inputs=GaussianDensity(), label_noise="residual",
                       data="accumulate-subsample", synthetic_weight=2.0),
    RecursiveRetrainer(LinearRegression(), n_generations=3, real_sampling="fresh",
                       real_source=LINEAR, real_fraction=0.7, inputs="bootstrap",
                       label_noise=0.3, validation_fraction=0.2),
]  # fmt: skip


@pytest.mark.parametrize("estimator", FRESH)
def test_fresh_inputs_and_real_rows_equal_in_distribution(estimator):
    compare(estimator, n_repeats=120, X=X_REAL, y=Y_REAL)


@pytest.mark.parametrize("estimator", [FRESH[1], FRESH[5]])
def test_fresh_weighted_equal_in_distribution(estimator):
    compare(estimator, n_repeats=120, X=X_REAL, y=Y_REAL,
            params={"sample_weight": WEIGHTS})  # fmt: skip


def test_fresh_multi_output_equal_in_distribution():
    X, y = MULTI.sample(31, random_state=2)
    estimator = RecursiveRetrainer(
        Ridge(alpha=0.4), n_generations=3, inputs=GaussianDensity(),
        label_noise="residual", real_sampling="fresh", real_source=MULTI,
        real_fraction=0.3, data="accumulate",
        regularization=AdaptiveRegularization(),
    )  # fmt: skip
    compare(estimator, n_repeats=120, X=X, y=y)


def test_fresh_inputs_keep_constant_features_constant():
    # A constant real feature: the sampler's draws keep it exactly constant,
    # as the refit's GaussianDensity sampler does.
    X = X_REAL.copy()
    X[:, 1] = 2.5
    estimator = RecursiveRetrainer(
        Ridge(alpha=0.5), n_generations=3, inputs=GaussianDensity(), label_noise=0.3
    )
    compare(estimator, n_repeats=120, X=X, y=Y_REAL)


# ----------------------------------------------------------------------
# Regularization schedules
# ----------------------------------------------------------------------
SCHEDULED = [
    RecursiveRetrainer(Ridge(), n_generations=4, label_noise="residual",
                       regularization={"alpha": linear_schedule(0.5, 2.0)}),
    RecursiveRetrainer(Ridge(fit_intercept=False), n_generations=4, label_noise=0.5,
                       data="accumulate", synthetic_size=0.6,
                       regularization={"alpha": geometric_schedule(
                           0.01, 1.5, per_sample=True)}),
    RecursiveRetrainer(Ridge(), n_generations=3, label_noise="residual",
                       data="accumulate-subsample", real_fraction=0.4,
                       regularization={"alpha": 3}),
    RecursiveRetrainer(Ridge(), n_generations=4, label_noise="residual",
                       data="accumulate", inputs=GaussianDensity(),
                       regularization=AdaptiveRegularization()),
    RecursiveRetrainer(Ridge(fit_intercept=False), n_generations=4,
                       label_noise="residual", real_fraction=0.3,
                       regularization=AdaptiveRegularization(noise=0.7)),
]  # fmt: skip


@pytest.mark.parametrize("estimator", SCHEDULED)
def test_schedules_equal_in_distribution(estimator):
    batched, refit = compare(estimator, n_repeats=120, X=X_REAL, y=Y_REAL)
    assert "param_alpha" in batched


@pytest.mark.parametrize("sampling", ["fixed", "resample"])
def test_adaptive_penalty_is_the_refit_loops(sampling):
    # With a known label noise the rule depends on sizes only: the batched
    # alpha of every generation is the refit loop's, weighted too.
    estimator = RecursiveRetrainer(
        Ridge(), n_generations=4, label_noise=0.6, data="accumulate",
        real_fraction=0.45, real_sampling=sampling,
        regularization=AdaptiveRegularization(),
    )  # fmt: skip
    for params in (None, {"sample_weight": WEIGHTS}):
        kwargs = dict(n_repeats=3, random_state=0, params=params)
        batched = _curve(estimator, X_REAL, Y_REAL, "batched", **kwargs)
        refit = _curve(estimator, X_REAL, Y_REAL, "refit", **kwargs)
        if params is None:
            np.testing.assert_allclose(batched["param_alpha"], refit["param_alpha"],
                                       rtol=1e-10)  # fmt: skip
        else:  # the weights of the real rows kept differ between repeats
            np.testing.assert_allclose(
                batched["param_alpha"][:, 0], refit["param_alpha"][:, 0], rtol=1e-10
            )
            assert np.all(np.isfinite(batched["param_alpha"]))


def test_a_schedule_value_ridge_rejects_is_the_refit_paths_error():
    estimator = RecursiveRetrainer(
        Ridge(), n_generations=3, label_noise=0.5,
        regularization={"alpha": linear_schedule(1.0, -0.75)},
    )  # fmt: skip
    for engine in ("batched", "refit"):
        with pytest.raises(ValueError, match="regularization schedule set .*alpha"):
            _curve(estimator, X_REAL, Y_REAL, engine, n_repeats=2, random_state=0)


# ----------------------------------------------------------------------
# Reproducibility
# ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "estimator, kwargs",
    [
        (SOURCED[0][0], SOURCED[0][1]),
        (SOURCED[2][0], SOURCED[2][1]),  # the Gaussian truth, per repeat
        (FRESH[5], dict(X=X_REAL, y=Y_REAL)),
        (SCHEDULED[3], dict(X=X_REAL, y=Y_REAL)),
    ],
)
def test_bit_identical_for_any_n_jobs_and_chunk(estimator, kwargs):
    kwargs = dict(kwargs)
    X, y = kwargs.pop("X", None), kwargs.pop("y", None)
    reference = _curve(estimator, X, y, n_repeats=5, random_state=9, **kwargs)
    for options in (dict(n_jobs=2), dict(n_jobs=2, chunk_size=1), dict(chunk_size=2)):
        with joblib.parallel_config(backend="threading"):  # loky: test_engine
            other = _curve(estimator, X, y, n_repeats=5, random_state=9, **kwargs,
                           **options)  # fmt: skip
        for key in reference:
            if key != "fit_time":
                assert_same_across_chunks(reference[key], other[key], key)


# ----------------------------------------------------------------------
# What is not covered: a ValueError under "batched", refit under "auto"
# ----------------------------------------------------------------------
UNCOVERED = [
    (RecursiveRetrainer(Ridge(), n_generations=2, inputs=GaussianMixture(2)),
     "inputs=GaussianMixture", dict(X=X_REAL, y=Y_REAL)),
    (RecursiveRetrainer(Ridge(), n_generations=2,
                        inputs=lambda n, seed: np.zeros((n, 3))),
     "inputs=<function", dict(X=X_REAL, y=Y_REAL)),
    (RecursiveRetrainer(Ridge(), n_generations=2, real_sampling="fresh",
                        real_fraction=0.5,
                        real_source=lambda n, seed: LINEAR.sample(n, seed)),
     "real_source=<function", dict(X=X_REAL, y=Y_REAL)),
    (RecursiveRetrainer(Ridge(), n_generations=2,
                        regularization=lambda context: {"alpha": 1.0}),
     "regularization=<function", dict(X=X_REAL, y=Y_REAL)),
    (RecursiveRetrainer(Ridge(), n_generations=2,
                        regularization={"alpha": 1.0, "tol": 1e-3}),
     "regularization={", dict(X=X_REAL, y=Y_REAL)),
    (RecursiveDensityRetrainer(GaussianDensity(), n_generations=2,
                               real_fraction=0.5, real_sampling="fresh",
                               real_source=lambda n, seed: GAUSS.sample(n, seed)),
     "real_sampling='fresh'", dict(X=X_GTEST)),
]  # fmt: skip


@pytest.mark.parametrize("estimator, reason, kwargs", UNCOVERED)
def test_uncovered_configurations(estimator, reason, kwargs):
    kwargs = dict(kwargs)
    X, y = kwargs.pop("X", None), kwargs.pop("y", None)
    with pytest.raises(ValueError, match="engine='batched' does not cover") as info:
        _curve(estimator, X, y, "batched", n_repeats=2, random_state=0, **kwargs)
    assert reason in str(info.value)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CollapseWarning)
        result = collapse_curve(estimator, X, y, n_repeats=2, random_state=0,
                                **kwargs)  # fmt: skip
    assert list(result["engine"]) == ["refit", "refit"]
