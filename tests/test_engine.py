"""collapse_curve's batched engine: dispatch, contract, and equality in
distribution with the refit path (two-sample tests) and with closed forms."""

import warnings

import joblib
import numpy as np
import pytest
from scipy import sparse, stats
from sklearn.linear_model import Lasso, LinearRegression, Ridge

from skcollapse import (
    CollapseWarning,
    RecursiveDensityRetrainer,
    RecursiveRetrainer,
    theory,
)
from skcollapse.datasets import CategoricalSource
from skcollapse.generative import (
    CategoricalDensity,
    GaussianDensity,
)
from skcollapse.model_selection import collapse_curve
from skcollapse.utils._testing import assert_mc_agrees, mc_threshold

RNG = np.random.RandomState(0)
X_GAUSS = RNG.normal(size=(23, 2)) * [1.0, 3.0] + 5.0
X_GAUSS_1D = RNG.normal(size=(17, 1))
TOKENS = RNG.zipf(1.6, size=(29, 1)) % 11
WEIGHTS_23 = RNG.uniform(0.2, 2.0, size=23)
WEIGHTS_23[3] = 0.0
WEIGHTS_29 = RNG.uniform(0.2, 2.0, size=29)
WEIGHTS_29[5] = 0.0
X_LIN = RNG.normal(size=(27, 3))
Y_LIN = X_LIN @ [1.0, -2.0, 0.5] + 0.7 + RNG.normal(size=27)
Y_MULTI = np.c_[Y_LIN, X_LIN @ [0.3, 0.3, -1.0] + 2.0 * RNG.normal(size=27)]
WEIGHTS_27 = RNG.uniform(0.2, 2.0, size=27)


def _curve(estimator, X, y=None, engine="batched", **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CollapseWarning)
        return collapse_curve(estimator, X, y, engine=engine, **kwargs)


def assert_same_layout(batched, refit):
    """The same keys in the same order, shapes, dtypes; NaN where refit has NaN
    padding (after a repeat's last generation)."""
    assert list(batched) == list(refit)
    for key in refit:
        a, b = np.asarray(batched[key]), np.asarray(refit[key])
        assert a.shape[1:] == b.shape[1:] and a.dtype == b.dtype, key
    assert set(batched["engine"]) == {"batched"}
    assert set(refit["engine"]) == {"refit"}


def assert_same_distribution(batched, refit, n_se=3.0, decimals=None):
    """Per key and generation, the means of the two engines within ``n_se``
    standard errors (family-wise, Bonferroni), the share of finite values
    too, and a two-sample KS test on the final generation of every key
    (family-wise). With ``decimals``, values are rounded first: keys that
    take few distinct values (accuracies, counts, the drift of collapsed
    contexts), which the two engines compute with different rounding, would
    otherwise show the KS test two atoms where there is one."""
    z_scores, finals = [], []
    for key, value in refit.items():
        value = np.asarray(value)
        if value.ndim != 2 or value.dtype.kind != "f":
            continue
        other = np.asarray(batched[key])
        if decimals is not None:
            other, value = np.round(other, decimals), np.round(value, decimals)
        for g in range(1, value.shape[1]):
            a, b = other[:, g], value[:, g]
            fa, fb = np.isfinite(a), np.isfinite(b)
            if fa.any() or fb.any():
                share = (fa.mean() + fb.mean()) / 2
                spread = np.sqrt(max(share * (1 - share), 1e-12) * 2 / len(a))
                z_scores.append((abs(fa.mean() - fb.mean()) / spread, key, g, "finite"))
            a, b = a[fa], b[fb]
            if len(a) < 5 or len(b) < 5:
                continue
            se = np.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b))
            scale = max(abs(a.mean()), abs(b.mean()), 1e-300)
            if se <= 1e-9 * scale:  # the same number in every repeat
                np.testing.assert_allclose(a.mean(), b.mean(), rtol=1e-9, atol=1e-12)
                continue
            z_scores.append((abs(a.mean() - b.mean()) / se, key, g, "mean"))
        a, b = other[:, -1], value[:, -1]
        a, b = a[np.isfinite(a)], b[np.isfinite(b)]
        if len(a) >= 5 and len(b) >= 5 and (np.ptp(a) > 0 or np.ptp(b) > 0):
            finals.append((stats.ks_2samp(a, b).pvalue, key))
    threshold = mc_threshold(n_se, "bonferroni", max(len(z_scores), 1))
    worst = max(z_scores, default=(0.0, None, None, None))
    assert worst[0] <= threshold, (worst, threshold)
    alpha = 2 * stats.norm.sf(n_se) / max(len(finals), 1)
    assert all(p >= alpha for p, _ in finals), (min(finals), alpha)


def same_source_rows_and_generation_zero(estimator, rtol, atol, **kwargs):
    """Both engines on a ``source`` (5 repeats, the same seed): the same
    layout and source seeds, every key's generation 0 equal to ``rtol`` /
    ``atol``; returns the refit run's ``truth_`` and ``test_`` keys."""
    batched = _curve(estimator, None, None, "batched", n_repeats=5, random_state=3,
                     **kwargs)  # fmt: skip
    refit = _curve(estimator, None, None, "refit", n_repeats=5, random_state=3,
                   **kwargs)  # fmt: skip
    assert_same_layout(batched, refit)
    np.testing.assert_array_equal(batched["source_seeds"], refit["source_seeds"])
    for key in refit:
        if np.asarray(refit[key]).ndim == 2:
            np.testing.assert_allclose(batched[key][:, 0], refit[key][:, 0],
                                       rtol=rtol, atol=atol, err_msg=key)  # fmt: skip
    return [k for k in refit if k.startswith(("truth_", "test_"))]


def compare(estimator, X, y=None, n_repeats=120, seeds=(11, 12), decimals=None,
            **kwargs):  # fmt: skip
    """Batched and refit runs of ``estimator`` (``seeds``: their two
    ``random_state``): the same layout and the same distribution."""
    batched = _curve(estimator, X, y, "batched", n_repeats=n_repeats,
                     random_state=seeds[0], **kwargs)  # fmt: skip
    refit = _curve(estimator, X, y, "refit", n_repeats=n_repeats,
                   random_state=seeds[1], **kwargs)  # fmt: skip
    assert_same_layout(batched, refit)
    assert_same_distribution(batched, refit, decimals=decimals)
    return batched, refit


# ----------------------------------------------------------------------
# Dispatch
# ----------------------------------------------------------------------
COVERED = [
    (RecursiveDensityRetrainer(GaussianDensity(), n_generations=2), X_GAUSS, None),
    (RecursiveDensityRetrainer(CategoricalDensity(), n_generations=2), TOKENS, None),
    (RecursiveRetrainer(Ridge(), n_generations=2), X_LIN, Y_LIN),
]


@pytest.mark.parametrize("estimator, X, y", COVERED)
def test_auto_runs_covered_configurations_batched(estimator, X, y):
    result = collapse_curve(estimator, X, y, n_repeats=3, random_state=0)
    assert list(result["engine"]) == ["batched"] * 3
    refit = collapse_curve(estimator, X, y, n_repeats=3, random_state=0, engine="refit")
    assert_same_layout(result, refit)
    np.testing.assert_array_equal(result["seeds"], refit["seeds"])
    # generation 0 is the refit path's own fit on the real data
    for key in refit:
        if np.asarray(refit[key]).ndim == 2:
            np.testing.assert_array_equal(result[key][:, 0], refit[key][:, 0])


UNCOVERED = [
    (
        RecursiveRetrainer(Lasso(), n_generations=2),
        "estimator=Lasso",
        X_LIN,
        Y_LIN,
        {},
    ),
    (
        RecursiveRetrainer(LinearRegression(), n_generations=2, inputs="bootstrap",
                           label_noise="bootstrap"),
        "label_noise='bootstrap'",
        X_LIN,
        Y_LIN,
        {},
    ),
    (
        RecursiveRetrainer(Ridge(solver="saga"), n_generations=2),
        "solver='saga'",
        X_LIN,
        Y_LIN,
        {},
    ),
    (
        RecursiveDensityRetrainer(CategoricalDensity(), n_generations=2,
                                  real_sampling="fresh", real_fraction=0.5,
                                  real_source=CategoricalSource(np.full(11, 1 / 11))),
        "real_sampling='fresh'",
        TOKENS,
        None,
        {},
    ),
    (
        RecursiveDensityRetrainer(GaussianDensity(), n_generations=2,
                                  regularization={"ddof": 1}),
        "regularization=",
        X_GAUSS,
        None,
        {},
    ),
    (
        RecursiveDensityRetrainer(GaussianDensity(), n_generations=2,
                                  accumulate_window=1, data="accumulate"),
        "accumulate_window=1",
        X_GAUSS,
        None,
        {},
    ),
    (
        RecursiveDensityRetrainer(CategoricalDensity(), n_generations=2,
                                  verifier=lambda X: -X[:, 0], threshold=0.0),
        "verifier=",
        TOKENS,
        None,
        {},
    ),
    (
        RecursiveDensityRetrainer(GaussianDensity(), n_generations=2),
        "return_estimators=True",
        X_GAUSS,
        None,
        {"return_estimators": True},
    ),
    (
        RecursiveDensityRetrainer(GaussianDensity(), n_generations=2),
        "measure=",
        X_GAUSS,
        None,
        {"measure": lambda estimator: {}},
    ),
    (
        RecursiveRetrainer(Ridge(), n_generations=2),
        "a sparse X_test",
        X_LIN,
        Y_LIN,
        {"X_test": sparse.csr_matrix(X_LIN[:5]), "y_test": Y_LIN[:5]},
    ),
]  # fmt: skip


@pytest.mark.parametrize("estimator, reason, X, y, kwargs", UNCOVERED)
def test_uncovered_configurations(estimator, reason, X, y, kwargs):
    """ "batched" names what it does not cover; "auto" runs the refit path."""
    with pytest.raises(ValueError, match="engine='batched' does not cover") as info:
        collapse_curve(estimator, X, y, n_repeats=2, random_state=0,
                       engine="batched", **kwargs)  # fmt: skip
    assert reason in str(info.value)
    result = collapse_curve(estimator, X, y, n_repeats=2, random_state=0, **kwargs)
    assert list(result["engine"]) == ["refit", "refit"]


def test_engine_is_validated():
    with pytest.raises(ValueError, match="engine"):
        collapse_curve(*COVERED[0][:2], n_repeats=2, engine="fast")


# ----------------------------------------------------------------------
# Reproducibility
# ----------------------------------------------------------------------
@pytest.mark.parametrize("estimator, X, y", COVERED)
@pytest.mark.parametrize(
    "backend", ["threading", pytest.param("loky", marks=pytest.mark.slow)]
)
def test_bit_identical_for_any_n_jobs_and_chunk(estimator, X, y, backend):
    """Each repeat draws from its own generator: the same numbers whatever
    chunk it is in, whichever worker runs it, and a run of 4 repeats is the
    first 4 of a run of 7."""
    kwargs = dict(n_repeats=7, random_state=3, engine="batched")
    one = collapse_curve(estimator, X, y, n_jobs=1, **kwargs)
    with joblib.parallel_config(backend=backend):
        two = collapse_curve(estimator, X, y, n_jobs=2, chunk_size=2, **kwargs)
    small = collapse_curve(estimator, X, y, n_jobs=1, chunk_size=3, **kwargs)
    prefix = collapse_curve(estimator, X, y, n_repeats=4, random_state=3,
                            engine="batched")  # fmt: skip
    for key in one:
        if key == "fit_time":
            continue
        for other in (two, small):
            np.testing.assert_array_equal(one[key], other[key], err_msg=key)
        np.testing.assert_array_equal(one[key][:4], prefix[key], err_msg=key)


# ----------------------------------------------------------------------
# Degenerate and absorbed states, exactly as the refit path records them
# ----------------------------------------------------------------------
def test_degenerate_gaussian_is_recorded_as_refit():
    """Three synthetic rows of weight 0.3 weigh 0.9 <= ddof=1: every repeat
    stops at generation 1, keeping generation 0."""
    estimator = RecursiveDensityRetrainer(
        GaussianDensity(), n_generations=4, synthetic_size=3, synthetic_weight=0.3
    )
    kwargs = dict(n_repeats=5, random_state=0)
    with pytest.warns(CollapseWarning, match="stopped before generation 4"):
        batched = collapse_curve(estimator, X_GAUSS_1D, engine="batched", **kwargs)
    refit = _curve(estimator, X_GAUSS_1D, engine="refit", **kwargs)
    assert_same_layout(batched, refit)
    for key in refit:
        if key not in ("fit_time", "engine"):
            np.testing.assert_array_equal(batched[key], refit[key], err_msg=key)
    assert set(batched["termination_condition"]) == {"degenerate"}
    assert np.all(np.isnan(batched["total_variance"][:, 1:]))


def test_zero_variance_gaussian_stays_collapsed():
    """ddof=0 on one synthetic row: zero variance from generation 1 on, a
    point mass that keeps emitting its mean (log-likelihood -inf)."""
    estimator = RecursiveDensityRetrainer(
        GaussianDensity(ddof=0), n_generations=3, synthetic_size=1
    )
    batched, refit = compare(estimator, X_GAUSS, n_repeats=40)
    for result in (batched, refit):
        assert np.all(result["total_variance"][:, 1:] == 0.0)
        assert np.all(result["log_likelihood_real"][:, 1:] == -np.inf)
        assert np.all(result["collapse_generation"] == 1)
        assert np.all(result["mean_shift"][:, 2] == result["mean_shift"][:, 1])


def test_one_token_left_goes_on():
    """Absorption: one token left has entropy 0 and support 1, and the loop
    goes on (not degenerate)."""
    estimator = RecursiveDensityRetrainer(
        CategoricalDensity(), n_generations=60, synthetic_size=3, metrics="all"
    )
    result = _curve(estimator, TOKENS, n_repeats=50, random_state=0)
    absorbed = result["support_size"][:, -1] == 1
    assert absorbed.mean() > 0.9
    assert np.all(result["entropy"][absorbed, -1] == 0.0)
    assert np.all(result["collision"][absorbed, -1] == 1.0)
    assert set(result["termination_condition"]) == {"max_generations"}
    assert np.all(result["n_generations"] == 60)


@pytest.mark.slow
def test_stop_on_collapse_absorption_matches_refit():
    """Seddik et al.'s absorption: the loop stops at the first generation of
    one token left (``collapse_threshold=0``), ``"collapsed"``; the
    generation is recorded, nothing after it; the absorption times of both
    engines have one distribution."""
    tokens = np.array([[0], [1], [1], [2], [3], [3], [3], [2], [0]])
    estimator = RecursiveDensityRetrainer(
        CategoricalDensity(), n_generations=80, stop_on_collapse=True,
        collapse_threshold=0.0,
    )  # fmt: skip
    batched = _curve(estimator, tokens, n_repeats=400, random_state=0)
    refit = _curve(estimator, tokens, engine="refit", n_repeats=60, random_state=1)
    assert_same_layout(batched, refit)
    for result in (batched, refit):
        stopped = result["termination_condition"] == "collapsed"
        assert stopped.mean() > 0.95
        n = result["n_generations"][stopped]
        rows = np.flatnonzero(stopped)
        assert np.all(result["entropy"][rows, n] == 0)  # recorded, and last
        assert np.all(np.isnan(result["entropy"][rows[n < 80], n[n < 80] + 1]))
        np.testing.assert_array_equal(result["collapse_generation"][stopped], n)
    a, b = batched["n_generations"], refit["n_generations"]
    assert stats.ks_2samp(a, b).pvalue > 0.0027


def test_stop_on_collapse_at_generation_0_as_refit():
    """Generation 0 already a Dirac mass stops at once, as in the refit."""
    estimator = RecursiveDensityRetrainer(
        CategoricalDensity(), n_generations=5, stop_on_collapse=True
    )
    dirac = np.ones((5, 1), dtype=int)
    b0 = _curve(estimator, dirac, n_repeats=3, random_state=0)
    r0 = _curve(estimator, dirac, engine="refit", n_repeats=3, random_state=0)
    for key in r0:
        if key not in ("fit_time", "engine"):
            np.testing.assert_array_equal(b0[key], r0[key], err_msg=key)
    assert list(b0["termination_condition"]) == ["collapsed"] * 3


# ----------------------------------------------------------------------
# Two-sample comparisons: every family and data regime
# ----------------------------------------------------------------------
def test_gaussian_replace_matches_refit():
    compare(RecursiveDensityRetrainer(GaussianDensity(), n_generations=3), X_GAUSS,
            n_repeats=50)  # fmt: skip


def test_categorical_replace_matches_refit():
    compare(
        RecursiveDensityRetrainer(CategoricalDensity(alpha=0.3), n_generations=3,
                                  metrics="all"),
        TOKENS,
        n_repeats=50,
    )  # fmt: skip


def test_linear_fixed_design_matches_refit():
    compare(RecursiveRetrainer(LinearRegression(), n_generations=3, label_noise=1.0),
            X_LIN, Y_LIN, n_repeats=50)  # fmt: skip


DENSITY_CASES = [
    (GaussianDensity("diag", ddof=0, temperature=0.8),
     dict(temperature=1.3), X_GAUSS, {}),
    (GaussianDensity("spherical"),
     dict(data="accumulate", real_fraction=0.37, real_sampling="resample"),
     X_GAUSS, {}),
    (GaussianDensity(),
     dict(data="accumulate", real_fraction=0.5, synthetic_size=0.7,
          synthetic_weight=0.6),
     X_GAUSS, {"params": {"sample_weight": WEIGHTS_23}}),
    (GaussianDensity(),
     dict(data="accumulate-subsample", synthetic_size=13, synthetic_weight=1.7),
     X_GAUSS, {}),
    (GaussianDensity(),
     dict(data="accumulate-subsample", real_fraction=0.0, synthetic_size=0.45),
     X_GAUSS, {}),
    (GaussianDensity(), dict(real_fraction=0.6, validation_fraction=0.3),
     X_GAUSS, {}),
    (CategoricalDensity(alpha=0.4, top_k=4, temperature=0.7),
     dict(temperature=1.4), TOKENS, {}),
    (CategoricalDensity(alpha=0.2, top_p=0.83, categories=np.arange(-2, 14)),
     dict(data="accumulate", real_fraction=0.4), TOKENS, {}),
    (CategoricalDensity(),
     dict(real_fraction=0.55, real_sampling="resample", synthetic_weight=2.5),
     TOKENS, {"params": {"sample_weight": WEIGHTS_29}}),
    (CategoricalDensity(alpha=0.1),
     dict(data="accumulate-subsample", synthetic_size=0.6), TOKENS, {}),
    (CategoricalDensity(top_p=0.9),
     dict(validation_fraction=0.35, real_fraction=0.3), TOKENS, {}),
]  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize("base, params, X, kwargs", DENSITY_CASES)
def test_density_regimes_match_refit(base, params, X, kwargs):
    metrics = "all" if isinstance(base, CategoricalDensity) else "default"
    estimator = RecursiveDensityRetrainer(
        base, n_generations=5, metrics=metrics, **params
    )
    compare(estimator, X, **kwargs)


LINEAR_CASES = [
    (LinearRegression(), dict(), Y_LIN, {}),
    (Ridge(alpha=3.7, fit_intercept=False),
     dict(inputs="bootstrap", label_noise=0.8, temperature=0.6), Y_MULTI, {}),
    (Ridge(alpha=0.9),
     dict(data="accumulate", real_fraction=0.4, synthetic_size=0.63,
          synthetic_weight=0.5),
     Y_LIN, {"params": {"sample_weight": WEIGHTS_27}}),
    (LinearRegression(),
     dict(real_fraction=0.3, real_sampling="resample", synthetic_size=1.6),
     Y_MULTI, {}),
    (LinearRegression(), dict(data="accumulate-subsample", synthetic_size=0.5),
     Y_LIN, {}),
    (LinearRegression(),
     dict(label_noise=0.0, validation_fraction=0.3, inputs="bootstrap"), Y_LIN, {}),
    (LinearRegression(fit_intercept=False),
     dict(data="accumulate", inputs="bootstrap", synthetic_weight=2.0),
     Y_LIN, {"params": {"sample_weight": WEIGHTS_27}}),
    (Ridge(alpha=2.3), dict(label_noise=1.5), Y_MULTI, {}),
    # one penalty per target (no shortcut), fixed and fresh Gaussian inputs
    (Ridge(alpha=np.array([0.4, 7.0])), dict(label_noise=1.5), Y_MULTI, {}),
    (Ridge(alpha=np.array([2.5, 0.2]), fit_intercept=False),
     dict(data="accumulate", inputs=GaussianDensity(), label_noise="residual"),
     Y_MULTI, {}),
]  # fmt: skip


@pytest.mark.parametrize(
    "params",
    [dict(), dict(data="accumulate", real_fraction=0.37), dict(fit_intercept=False)],
)
def test_one_penalty_per_target_is_the_refit_paths(params):
    # without label noise the chain is deterministic given the rows: the
    # engines agree to rounding, each target shrunk by its own penalty
    fit_intercept = params.pop("fit_intercept", True)
    base = Ridge(alpha=np.array([0.4, 7.0]), fit_intercept=fit_intercept)
    estimator = RecursiveRetrainer(base, n_generations=4, label_noise=0.0, **params)
    batched = _curve(estimator, X_LIN, Y_MULTI, "batched", n_repeats=3, random_state=5)
    refit = _curve(estimator, X_LIN, Y_MULTI, "refit", n_repeats=3, random_state=5)
    assert_same_layout(batched, refit)
    for key in refit:
        if key != "fit_time" and np.asarray(refit[key]).dtype.kind == "f":
            np.testing.assert_allclose(batched[key], refit[key], rtol=1e-9,
                                       atol=1e-12, err_msg=key)  # fmt: skip
    # a single penalty (the mean of the two) gives other numbers
    single = RecursiveRetrainer(
        Ridge(alpha=3.7, fit_intercept=fit_intercept), n_generations=4,
        label_noise=0.0, **params,
    )  # fmt: skip
    other = _curve(single, X_LIN, Y_MULTI, "batched", n_repeats=3, random_state=5)
    assert not np.allclose(other["score_real"], batched["score_real"])


@pytest.mark.slow
@pytest.mark.parametrize("base, params, y, kwargs", LINEAR_CASES)
def test_linear_regimes_match_refit(base, params, y, kwargs):
    estimator = RecursiveRetrainer(base, n_generations=5, **params)
    compare(estimator, X_LIN, y, **kwargs)


# ----------------------------------------------------------------------
# Closed forms, at many more repeats than the refit path affords
# ----------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("real_fraction", [0.0, 1.0])
def test_categorical_collision_matches_theory(real_fraction):
    """Seddik et al.: given generation 0's distribution p0 (the real token
    frequencies), generation g >= 1 is generation g - 1 of
    ``categorical_collision`` started from p0 with n_real = n tokens
    (Theorems 1 and 2)."""
    n, n_generations = 13, 6
    synthetic_size = n if real_fraction == 0 else n / len(TOKENS)
    estimator = RecursiveDensityRetrainer(
        CategoricalDensity(), n_generations=n_generations,
        real_fraction=real_fraction, synthetic_size=synthetic_size,
        metrics="all",
    )  # fmt: skip
    result = _curve(estimator, TOKENS, n_repeats=20_000, random_state=0)
    _, counts = np.unique(TOKENS, return_counts=True)
    p0 = counts / counts.sum()
    if real_fraction == 0:
        expected = theory.categorical_collision(n_generations - 1, p0, n_real=n)
    else:
        # partially synthetic: N real tokens kept, n synthetic ones drawn
        expected = _collision_partial(p0, len(TOKENS), n, n_generations)
    assert_mc_agrees(result["collision"][:, 1:], expected, family_wise="bonferroni")


def _collision_partial(p0, n_real, n, n_generations):
    """E collision of p_g = (N p0 + n phat_g) / (N + n), phat_g the empirical
    distribution of n draws from p_{g-1} (Seddik et al., Theorem 2, given
    p0): E p_g = p0 for every g, and E phat_i^2 = ((n - 1) E p_{g-1,i}^2 +
    p0_i) / n."""
    N = n_real
    a, b = N / (N + n), n / (N + n)
    second = p0**2  # E p_{i}(0)^2
    out = []
    for _ in range(n_generations):
        phat2 = (second * (n - 1) + p0) / n
        second = a**2 * p0**2 + 2 * a * b * p0 * p0 + b**2 * phat2
        out.append(second.sum())
    return np.array(out)


@pytest.mark.slow
@pytest.mark.parametrize("ddof, temperature", [(1, 1.0), (0, 0.7)])
def test_gaussian_total_variance_matches_theory(ddof, temperature):
    """Shumailov et al., Alemohammad et al.: given generation 0's covariance,
    E tr Sigma_g = tr Sigma_0 (temperature (M - 1) / (M - ddof))^g; with
    ddof=1 and temperature 1 it is ``theory.gaussian_refit``'s total variance
    (unbiased at every step)."""
    n_generations, M = 8, 9
    estimator = RecursiveDensityRetrainer(
        GaussianDensity(ddof=ddof), n_generations=n_generations,
        synthetic_size=M, temperature=temperature,
    )  # fmt: skip
    result = _curve(estimator, X_GAUSS, n_repeats=20_000, random_state=1)
    trace = np.trace(GaussianDensity(ddof=ddof).fit(X_GAUSS).covariance_)
    factor = temperature * (M - 1) / (M - ddof)
    # the training set of generation g is the M synthetic rows: its ddof=1
    # trace is (M - ddof) / (M - 1) times the model's
    model_trace = trace * factor ** np.arange(1, n_generations + 1)
    expected = model_trace * (M - ddof) / (M - 1)
    if ddof == 1 and temperature == 1.0:
        closed = theory.gaussian_refit(n_generations - 1, n_real=M, variance=trace)
        np.testing.assert_allclose(closed["total_variance"], expected)
    assert_mc_agrees(
        result["total_variance"][:, 1:], expected, family_wise="bonferroni"
    )


@pytest.mark.slow
@pytest.mark.parametrize("synthetic_size", [1.0, 2.0])
def test_ols_drift_matches_closed_form(synthetic_size):
    """Fixed-design OLS chain: theta_g - theta_{g-1} ~ N(0, sigma^2 (X'X)^-1 / r)
    with r synthetic labels per design row, so E drift_g^2 = g sigma^2 p / (r n)
    (p = d + 1 columns with the intercept). synthetic_size=1 runs the exact
    shortcut, 2 the design-row statistics."""
    sigma, n_generations = 0.9, 5
    estimator = RecursiveRetrainer(
        LinearRegression(), n_generations=n_generations, label_noise=sigma,
        synthetic_size=synthetic_size,
    )  # fmt: skip
    result = _curve(estimator, X_LIN, Y_LIN, n_repeats=20_000, random_state=2)
    n, p = X_LIN.shape[0], X_LIN.shape[1] + 1
    g = np.arange(1, n_generations + 1)
    expected = g * sigma**2 * p / (synthetic_size * n)
    assert_mc_agrees(result["drift"][:, 1:] ** 2, expected, family_wise="bonferroni")
