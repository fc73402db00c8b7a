"""collapse_curve against a known truth: per-repeat real data from a source,
``truth_*`` keys of every generation, ``test_*`` scores on a test set."""

import functools
import warnings

import numpy as np
import pytest
from conftest import assert_same_across_chunks, gaussian_inputs, reused_inputs_ols
from sklearn.base import clone
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.metrics import get_scorer, make_scorer, mean_absolute_error

from skcollapse import CollapseWarning, RecursiveDensityRetrainer, RecursiveRetrainer
from skcollapse._random import SeedTable, Stream
from skcollapse.datasets import CategoricalSource, GaussianSource, LinearSource
from skcollapse.generative import CategoricalDensity, GaussianDensity
from skcollapse.model_selection import collapse_curve
from skcollapse.theory import gaussian_refit, linear_regression_error
from skcollapse.utils._testing import assert_mc_agrees


class DuckSource:
    """The duck type of a source, nothing more: ``sample`` and ``evaluate``."""

    def __init__(self, coef):
        self.coef = np.asarray(coef, dtype=float)

    def sample(self, n_samples, random_state=None):
        rng = np.random.default_rng(random_state)
        X = rng.standard_normal((n_samples, len(self.coef)))
        return X, X @ self.coef + rng.standard_normal(n_samples)

    def evaluate(self, estimator):
        return {"coef_error": float(np.sum((estimator.coef_ - self.coef) ** 2))}


class RecordingSource(LinearSource):
    """Remembers every draw (for n_jobs=1, where repeats run in this process)."""

    def __init__(self, coef, noise=1.0):
        super().__init__(coef, noise=noise)
        self.draws = []

    def sample(self, n_samples, random_state=None):
        X, y = super().sample(n_samples, random_state)
        self.draws.append((random_state, X.copy()))
        return X, y


COEF = [1.5, -0.5, 2.0]
SOURCE = LinearSource(COEF, noise=0.7, intercept=0.25)
N_SAMPLES = 23


def _ols(**kwargs):
    params = dict(n_generations=3, label_noise=0.7)
    return RecursiveRetrainer(LinearRegression(), **{**params, **kwargs})


def _assert_same_entries(a, b, skip=("fit_time", "estimators")):
    assert set(a) - {"estimators"} == set(b) - {"estimators"}
    for key in a:
        if key in skip:
            continue
        if np.asarray(a[key]).dtype.kind == "f":
            np.testing.assert_array_equal(a[key], b[key], err_msg=key)
        else:
            assert np.array_equal(a[key], b[key]), key


# ----------------------------------------------------------------------
# Real data from a source
# ----------------------------------------------------------------------
def test_every_repeat_draws_its_own_real_data_from_its_seed():
    source = RecordingSource(COEF)
    result = collapse_curve(
        _ols(), source=source, n_samples=N_SAMPLES, n_repeats=5, random_state=0
    )
    seeds = [draw[0] for draw in source.draws]
    expected = [SeedTable(s).seed(0, Stream.SOURCE) for s in result["seeds"]]
    assert seeds == expected == list(result["source_seeds"])
    rows = np.array([draw[1][0] for draw in source.draws])
    # row 0 differs between repeats: each repeat has its own real sample
    assert len(np.unique(rows, axis=0)) == 5
    assert all(draw[1].shape == (N_SAMPLES, 3) for draw in source.draws)


def test_a_repeat_is_refit_from_its_seeds():
    # The clone fitted with the repeat's seed on the source's draw with its
    # source seed is the repeat: the source's stream is not one the fit
    # draws from, so every synthetic draw is the refit's.
    result = collapse_curve(
        _ols(),
        source=SOURCE,
        n_samples=N_SAMPLES,
        n_repeats=3,
        random_state=1,
        return_estimators=True,
    )
    for i in range(3):
        X, y = SOURCE.sample(N_SAMPLES, random_state=result["source_seeds"][i])
        refit = clone(_ols()).set_params(random_state=result["seeds"][i]).fit(X, y)
        for key, values in refit.trajectory_.items():
            if key != "generation":
                np.testing.assert_array_equal(result[key][i], values, err_msg=key)
        risks = [SOURCE.evaluate(m)["excess_risk"] for m in refit.estimators_]
        np.testing.assert_array_equal(result["truth_excess_risk"][i], risks)
        fitted = result["estimators"][i].estimators_[0]
        np.testing.assert_array_equal(fitted.coef_, refit.estimators_[0].coef_)


def test_the_same_seed_gives_the_same_data_and_another_seed_other_data():
    kw = dict(source=SOURCE, n_samples=N_SAMPLES, n_repeats=4)
    a = collapse_curve(_ols(), random_state=3, **kw)
    b = collapse_curve(_ols(), random_state=3, **kw)
    c = collapse_curve(_ols(), random_state=4, **kw)
    _assert_same_entries(a, b)
    assert not np.any(a["truth_coef_error"][:, 0] == c["truth_coef_error"][:, 0])


@pytest.mark.parametrize("kwargs", [dict(n_jobs=2), dict(n_jobs=2, chunk_size=1)])
def test_identical_for_any_n_jobs_and_chunk_size(kwargs):
    kw = dict(
        source=SOURCE,
        n_samples=N_SAMPLES,
        X_test=SOURCE.sample(11, random_state=99)[0],
        y_test=SOURCE.sample(11, random_state=99)[1],
        scoring=["r2", "neg_mean_squared_error"],
        n_repeats=6,
        random_state=0,
    )
    reference = collapse_curve(_ols(), **kw)
    other = collapse_curve(_ols(), **kw, **kwargs)
    assert set(reference) == set(other)
    for key in set(reference) - {"fit_time"}:
        assert_same_across_chunks(reference[key], other[key], key)


def test_density_source():
    source = GaussianSource([0.5, -1.0], [[1.0, 0.3], [0.3, 0.5]])
    retrainer = RecursiveDensityRetrainer(GaussianDensity(), n_generations=4)
    result = collapse_curve(
        retrainer,
        source=source,
        n_samples=19,
        n_repeats=3,
        random_state=0,
        return_estimators=True,
    )
    assert result["truth_mean_error"].shape == (3, 5)
    for i, fitted in enumerate(result["estimators"]):
        errors = [source.evaluate(m)["mean_error"] for m in fitted.estimators_]
        np.testing.assert_array_equal(result["truth_mean_error"][i], errors)


# ----------------------------------------------------------------------
# Statistics: the unconditional Monte Carlo against the closed forms
# ----------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("data", ["replace", "accumulate"])
def test_truth_excess_risk_matches_the_ols_closed_form(data):
    # OLS on n rows of Gaussian design refitted on its own labels (inputs
    # reused, label noise sigma): w_g - w* = (X'X)^-1 X' (sum of noise
    # terms), so E ||w_g - w*||^2_Sigma = sigma^2 E tr(Sigma (X'X)^-1) c_g =
    # sigma^2 d / (n - d - 1) c_g, with c_g = g + 1 (replace) or
    # 1 + sum_{j=2}^{g+1} 1/j^2 (accumulate), for any Sigma: exact only once
    # every repeat draws its own X (the unconditional Monte Carlo).
    d, n, sigma, n_generations = 3, 17, 0.7, 4
    covariance = np.array([[2.0, 0.6, 0.0], [0.6, 1.0, -0.3], [0.0, -0.3, 0.5]])
    source = LinearSource([1.0, -2.0, 0.25], noise=sigma, covariance=covariance)
    retrainer = reused_inputs_ols(n_generations, data, sigma)
    result = collapse_curve(
        retrainer, source=source, n_samples=n, n_repeats=500, random_state=0
    )
    expected = linear_regression_error(
        n_generations, n_features=d, n_real=n, noise=sigma, data=data
    )
    np.testing.assert_allclose(expected[0], sigma**2 * d / (n - d - 1))
    risk = result["truth_excess_risk"]
    assert_mc_agrees(risk, expected, family_wise="bonferroni")
    # the growth per generation, repeat by repeat (sharper: the common part
    # of generation 0 cancels)
    assert_mc_agrees(np.diff(risk, axis=1), np.diff(expected), family_wise="bonferroni")


@pytest.mark.slow
def test_truth_excess_risk_matches_the_fresh_design_closed_form():
    # Fresh Gaussian inputs every generation (Dohmatob et al.):
    # sigma^2 d/(T - d - 1) + g sigma0^2 d/(T0 - d - 1).
    d, n, n_synthetic, sigma, sigma0, n_generations = 4, 19, 13, 0.6, 0.9, 4
    source = LinearSource([0.5, 1.0, -1.0, 2.0], noise=sigma)
    retrainer = RecursiveRetrainer(
        LinearRegression(fit_intercept=False),
        n_generations=n_generations,
        inputs=functools.partial(gaussian_inputs, n_features=d),
        synthetic_size=n_synthetic,
        label_noise=sigma0,
    )
    result = collapse_curve(
        retrainer, source=source, n_samples=n, n_repeats=600, random_state=1
    )
    expected = linear_regression_error(
        n_generations,
        n_features=d,
        n_real=n,
        noise=sigma,
        design="fresh",
        n_synthetic=n_synthetic,
        synthetic_noise=sigma0,
    )
    assert_mc_agrees(result["truth_excess_risk"], expected, family_wise="bonferroni")


@pytest.mark.slow
def test_truth_of_a_gaussian_refit_matches_its_closed_form():
    # A Gaussian refitted on its own samples drawn at temperature 0.8
    # (Shumailov et al., Alemohammad et al.): E||mu_g - mu*||^2 and
    # E tr Sigma_g / tr Sigma* against the truth, from each repeat's own
    # real sample of 13 rows.
    covariance = np.array([[1.5, -0.4], [-0.4, 0.7]])
    source = GaussianSource([2.0, -1.0], covariance)
    n, temperature, n_generations = 13, 0.8, 5
    retrainer = RecursiveDensityRetrainer(
        GaussianDensity(), n_generations=n_generations, temperature=temperature
    )
    result = collapse_curve(
        retrainer, source=source, n_samples=n, n_repeats=800, random_state=2
    )
    theory = gaussian_refit(
        n_generations,
        n_real=n,
        n_features=2,
        variance=np.trace(covariance),
        temperature=temperature,
    )
    assert_mc_agrees(
        np.hstack(
            [
                result["truth_mean_error"],
                result["truth_covariance_trace_ratio"] * np.trace(covariance),
            ]
        ),
        np.concatenate([theory["mean_error"], theory["total_variance"]]),
        family_wise="bonferroni",
    )


def test_one_fixed_real_sample_is_not_the_unconditional_curve():
    # Given one real sample, every repeat has generation 0's excess risk of
    # that sample; with a source, generation 0 varies over the repeats.
    retrainer = _ols(n_generations=1)
    X, y = SOURCE.sample(N_SAMPLES, random_state=0)
    fixed = collapse_curve(retrainer, X, y, n_repeats=4, random_state=0, measure=None)
    assert "truth_excess_risk" not in fixed
    drawn = collapse_curve(
        retrainer, source=SOURCE, n_samples=N_SAMPLES, n_repeats=4, random_state=0
    )
    assert len(np.unique(drawn["truth_excess_risk"][:, 0])) == 4


# ----------------------------------------------------------------------
# Test sets and scorers
# ----------------------------------------------------------------------
X_TEST, Y_TEST = SOURCE.sample(29, random_state=7)
X_REAL, Y_REAL = SOURCE.sample(N_SAMPLES, random_state=8)


def _test_set_curve(estimator, n_repeats, **kwargs):
    """``collapse_curve`` of ``estimator`` scored on the module's test set,
    seed 0; ``kwargs`` name the real data (``X``, ``y`` or ``source``,
    ``n_samples``) and any further argument."""
    return collapse_curve(
        estimator,
        X_test=X_TEST,
        y_test=Y_TEST,
        n_repeats=n_repeats,
        random_state=0,
        **kwargs,
    )


@pytest.mark.parametrize(
    "scoring, names",
    [
        (None, {"score": None}),
        ("r2", {"score": "r2"}),
        (["r2", "neg_mean_absolute_error"], None),
        ({"mae": make_scorer(mean_absolute_error), "r2": "r2"}, None),
    ],
)
def test_test_scores_equal_scoring_the_stored_estimators_by_hand(scoring, names):
    result = _test_set_curve(
        _ols(), 3, X=X_REAL, y=Y_REAL, scoring=scoring, return_estimators=True
    )
    if names is None:
        names = {name: scorer for name, scorer in dict.fromkeys(scoring).items()}
        if isinstance(scoring, dict):
            names = scoring
        else:
            names = {name: name for name in scoring}
    keys = {f"test_{name}" for name in names}
    assert keys == {key for key in result if key.startswith("test_")}
    for name, scorer in names.items():
        scorer = (
            (lambda m, X, y: m.score(X, y))
            if scorer is None
            else get_scorer(scorer)
            if isinstance(scorer, str)
            else scorer
        )
        for i, fitted in enumerate(result["estimators"]):
            by_hand = [scorer(m, X_TEST, Y_TEST) for m in fitted.estimators_]
            np.testing.assert_array_equal(result[f"test_{name}"][i], by_hand)


def test_a_callable_returning_a_dict_names_its_keys():
    def scores(model, X, y):
        residual = y - model.predict(X)
        return {"mse": float(np.mean(residual**2)), "bias": float(np.mean(residual))}

    result = _test_set_curve(_ols(), 2, X=X_REAL, y=Y_REAL, scoring=scores)
    assert {"test_mse", "test_bias"} <= set(result)
    assert "test_score" not in result


def test_evaluating_every_generation_changes_no_trajectory():
    # The evaluation keeps every generation's model (store_estimators=True
    # during the fit); the light fit of a plain refit keeps one.
    scored = _test_set_curve(_ols(), 3, X=X_REAL, y=Y_REAL, engine="refit")
    for i, seed in enumerate(scored["seeds"]):
        light = _ols(store_estimators=False, random_state=int(seed))
        trajectory = light.fit(X_REAL, Y_REAL).trajectory_
        assert set(scored) - set(trajectory) >= {"test_score"}
        for key, values in trajectory.items():
            if key != "generation":
                np.testing.assert_array_equal(scored[key][i], values, err_msg=key)


@pytest.mark.parametrize("store_estimators", [True, False])
def test_store_estimators_false_is_respected_after_evaluation(store_estimators):
    retrainer = _ols(store_estimators=store_estimators)
    result = _test_set_curve(
        retrainer, 2, source=SOURCE, n_samples=N_SAMPLES, return_estimators=True
    )
    stored = _test_set_curve(
        _ols(), 2, source=SOURCE, n_samples=N_SAMPLES, engine="refit"
    )
    _assert_same_entries(result, stored)
    for fitted in result["estimators"]:
        assert fitted.store_estimators is store_estimators
        kept = [m is not None for m in fitted.estimators_]
        assert kept == [store_estimators] * 3 + [True]
        assert fitted.estimator_ is fitted.estimators_[-1]


def test_density_test_log_likelihood():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(31, 2))
    X_test = rng.normal(size=(13, 2))
    retrainer = RecursiveDensityRetrainer(GaussianDensity(), n_generations=3)
    result = collapse_curve(
        retrainer,
        X,
        X_test=X_test,
        n_repeats=2,
        random_state=0,
        return_estimators=True,
    )
    assert [k for k in result if k.startswith("test_")] == ["test_log_likelihood"]
    for i, fitted in enumerate(result["estimators"]):
        by_hand = [m.score_samples(X_test).mean() for m in fitted.estimators_]
        np.testing.assert_allclose(result["test_log_likelihood"][i], by_hand)
    # with a source and no X_test, no test key
    sourced = collapse_curve(
        retrainer,
        source=GaussianSource([0.0, 0.0], np.eye(2)),
        n_samples=17,
        n_repeats=2,
        random_state=0,
    )
    assert not [k for k in sourced if k.startswith("test_")]


def test_a_scorer_that_collapse_breaks_is_nan_there_with_a_warning():
    # Argmax labels of a prior classifier: generation 1 sees the majority
    # class only, so its base model has one class, and the log-loss of test
    # labels of both classes cannot be computed for it: NaN from then on.
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(13, 2)), np.array([0] * 9 + [1] * 4)
    X_test, y_test = rng.normal(size=(6, 2)), np.array([0, 1] * 3)
    retrainer = RecursiveRetrainer(
        DummyClassifier(strategy="prior"), n_generations=3, label_noise="argmax"
    )
    with pytest.warns(CollapseWarning, match="scoring X_test failed on generation"):
        result = collapse_curve(
            retrainer,
            X,
            y,
            X_test=X_test,
            y_test=y_test,
            scoring=["neg_log_loss", "accuracy"],
            n_repeats=2,
            random_state=0,
        )
    log_loss = result["test_neg_log_loss"]
    assert np.isfinite(log_loss[:, 0]).all() and np.isnan(log_loss[:, 1:]).all()
    # the keys of a failed generation are NaN together (one scorer call)
    assert np.isnan(result["test_accuracy"][:, 1:]).all()
    np.testing.assert_allclose(result["test_accuracy"][:, 0], 0.5)


def test_an_error_on_generation_0_is_raised():
    with pytest.raises(ValueError, match="two classes"):
        collapse_curve(
            RecursiveRetrainer(DummyClassifier(), n_generations=1),
            np.zeros((6, 1)),
            np.zeros(6, dtype=int),
            X_test=np.zeros((4, 1)),
            y_test=[0, 1, 0, 1],
            scoring="neg_log_loss",
            n_repeats=1,
        )


# ----------------------------------------------------------------------
# Any object with sample and evaluate is a source; errors name the parameter
# ----------------------------------------------------------------------
def test_a_duck_typed_source():
    result = collapse_curve(
        _ols(),
        source=DuckSource(COEF),
        n_samples=N_SAMPLES,
        n_repeats=2,
        random_state=0,
    )
    assert [k for k in result if k.startswith("truth_")] == ["truth_coef_error"]
    assert result["truth_coef_error"].shape == (2, 4)


class BadSample(DuckSource):
    def __init__(self, coef, returned):
        super().__init__(coef)
        self.returned = returned

    def sample(self, n_samples, random_state=None):
        X, y = super().sample(n_samples, random_state)
        return {"rows": (X[:-1], y[:-1]), "triple": (X, y, y)}[self.returned]


class BadEvaluate(DuckSource):
    def __init__(self, coef, returned):
        super().__init__(coef)
        self.returned = returned

    def evaluate(self, estimator):
        return self.returned


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (
            dict(X=X_REAL, y=Y_REAL, source=SOURCE, n_samples=5),
            ValueError,
            "either as X .and y. or from a source, not both; got X and y",
        ),
        (dict(X=X_REAL, source=SOURCE, n_samples=5), ValueError, "got X and"),
        (dict(), ValueError, "needs real data: pass X"),
        (dict(y=Y_REAL), ValueError, "needs real data"),
        (dict(source=SOURCE), ValueError, "needs n_samples"),
        (
            dict(X=X_REAL, y=Y_REAL, n_samples=5),
            ValueError,
            "n_samples=5 is the number of rows each repeat draws from source",
        ),
        (
            dict(source=object(), n_samples=5),
            ValueError,
            "'source' parameter of collapse_curve must be an object implementing "
            "'sample' and 'evaluate'",
        ),
        (dict(source=SOURCE, n_samples=0), ValueError, "'n_samples' parameter"),
        (
            dict(X=X_REAL, y=Y_REAL, y_test=Y_TEST),
            ValueError,
            "y_test was given without X_test",
        ),
        (
            dict(X=X_REAL, y=Y_REAL, scoring="r2"),
            ValueError,
            "scoring was given without X_test",
        ),
        (
            dict(X=X_REAL, y=Y_REAL, X_test=X_TEST),
            ValueError,
            "X_test needs y_test to score the supervised estimator",
        ),
        (
            dict(X=X_REAL, y=Y_REAL, X_test=X_TEST, y_test=Y_TEST[:-1]),
            ValueError,
            "inconsistent numbers of samples",
        ),
        (
            dict(X=X_REAL, y=Y_REAL, X_test=X_TEST, y_test=Y_TEST, scoring="nope"),
            ValueError,
            "'scoring' parameter",
        ),
        (
            dict(source=BadSample(COEF, "rows"), n_samples=9),
            ValueError,
            r"BadSample.sample\(n_samples=9\) returned X with 8 rows",
        ),
        (
            dict(source=BadSample(COEF, "triple"), n_samples=9),
            TypeError,
            "must return X or a tuple",
        ),
        (
            dict(source=BadEvaluate(COEF, [1.0]), n_samples=9),
            TypeError,
            r"BadEvaluate.evaluate\(fitted_model\) must return a dict",
        ),
        (
            dict(source=BadEvaluate(COEF, {"a": [1.0, 2.0]}), n_samples=9),
            TypeError,
            "one number per metric name",
        ),
    ],
)
def test_errors_name_the_parameter(kwargs, error, match):
    with pytest.raises(error, match=match):
        collapse_curve(_ols(), n_repeats=1, **kwargs)


def test_density_test_set_errors():
    retrainer = RecursiveDensityRetrainer(GaussianDensity(), n_generations=1)
    X = np.random.default_rng(0).normal(size=(9, 2))
    with pytest.raises(ValueError, match="y_test was given for the density"):
        collapse_curve(retrainer, X, X_test=X, y_test=np.zeros(9), n_repeats=1)
    # the same with a source: the kind is read from the estimator's tags
    with pytest.raises(ValueError, match="y_test was given for the density"):
        collapse_curve(
            retrainer,
            source=GaussianSource([0.0, 0.0], np.eye(2)),
            n_samples=9,
            X_test=X,
            y_test=np.zeros(9),
            n_repeats=1,
        )


def test_a_measure_key_may_not_shadow_a_truth_key():
    def measure(estimator):
        return {"truth_coef_error": np.zeros(estimator.n_generations_ + 1)}

    with pytest.raises(ValueError, match="'truth_coef_error'.*already uses"):
        collapse_curve(
            _ols(), source=SOURCE, n_samples=N_SAMPLES, n_repeats=1, measure=measure
        )


def test_export_round_trip_keeps_the_source_seeds(tmp_path):
    pytest.importorskip("pandas")
    from skcollapse.model_selection import CollapseCurveResult

    result = _test_set_curve(_ols(), 3, source=SOURCE, n_samples=N_SAMPLES)
    result.to_csv(tmp_path / "r.csv")
    for back in (
        CollapseCurveResult.from_csv(tmp_path / "r.csv"),
        CollapseCurveResult.from_frame(result.to_frame()),
    ):
        assert back["source_seeds"].dtype == np.int64
        np.testing.assert_array_equal(back["source_seeds"], result["source_seeds"])
        np.testing.assert_array_equal(
            back["truth_excess_risk"], result["truth_excess_risk"]
        )
        np.testing.assert_array_equal(back["test_score"], result["test_score"])


# ----------------------------------------------------------------------
# Absorption: the generation of collapse per repeat
# ----------------------------------------------------------------------
def test_collapse_generation_is_where_stop_on_collapse_stops():
    # Seddik's chain on three tokens, n = 7 rows: absorbed at a Dirac mass
    # (entropy 0, one token left) after a few generations; the loop stops
    # there, the truth keys are measured up to it and NaN after.
    source = CategoricalSource([0.5, 0.3, 0.2])
    retrainer = RecursiveDensityRetrainer(
        CategoricalDensity(),
        n_generations=150,
        stop_on_collapse=True,
        collapse_threshold=0.0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", CollapseWarning)  # asked for: no warning
        result = collapse_curve(
            retrainer, source=source, n_samples=7, n_repeats=8, random_state=0
        )
    stopped = result["n_generations"]
    assert np.all(result["termination_condition"] == "collapsed")
    np.testing.assert_array_equal(result["collapse_generation"], stopped)
    assert len(np.unique(stopped)) > 2  # repeats absorb at different generations
    for i, last in enumerate(stopped):
        assert result["truth_support_size"][i, last] == 1
        assert np.all(result["truth_support_size"][i, :last] > 1)
        assert result["entropy"][i, last] == 0
        for key in ("truth_support_size", "truth_total_variation", "entropy"):
            assert np.isnan(result[key][i, last + 1 :]).all(), key


def test_no_collapse_within_the_run_is_nan():
    retrainer = RecursiveDensityRetrainer(CategoricalDensity(), n_generations=2)
    result = collapse_curve(
        retrainer,
        source=CategoricalSource([0.25, 0.25, 0.5]),
        n_samples=500,
        n_repeats=2,
        random_state=0,
    )
    assert np.isnan(result["collapse_generation"]).all()
    assert result["collapse_generation"].dtype == float


def test_the_early_stop_warning_points_at_the_caller():
    # three synthetic labels per generation: classes vanish, and
    # LogisticRegression soon cannot be fitted ("degenerate")
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 2))
    y = np.repeat([0, 1, 2], 10)
    retrainer = RecursiveRetrainer(
        LogisticRegression(), synthetic_size=3, n_generations=8
    )
    with pytest.warns(CollapseWarning, match="stopped before") as caught:
        collapse_curve(retrainer, X, y, n_repeats=4, random_state=0)
    assert [w.filename for w in caught if "stopped before" in str(w.message)] == [
        __file__
    ]
