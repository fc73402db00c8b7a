"""Tests for skcollapse.density: RecursiveDensityRetrainer."""

import pickle
import warnings

import numpy as np
import pytest
from conftest import CHECKS_NEEDING_SEVERAL_COLUMNS, SINGLE_COLUMN_REASON
from scipy.stats import wasserstein_distance
from sklearn.base import BaseEstimator, clone
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import Ridge
from sklearn.mixture import BayesianGaussianMixture, GaussianMixture
from sklearn.model_selection import GridSearchCV
from sklearn.neighbors import KernelDensity
from sklearn.utils.estimator_checks import check_param_validation

from skcollapse import CollapseWarning, RecursiveDensityRetrainer
from skcollapse.datasets import make_zipf
from skcollapse.generative import CategoricalDensity, GaussianDensity
from skcollapse.theory import categorical_collision, gaussian_refit
from skcollapse.utils._testing import assert_mc_agrees, parametrize_sklearn_checks

# ----------------------------------------------------------------------
# scikit-learn's estimator checks
# ----------------------------------------------------------------------
# RecursiveDensityRetrainer refuses sample_weight when the base cannot use it
# (GaussianMixture.fit has no sample_weight), rather than dropping the weights
# silently; these checks pass sample_weight.
NO_BASE_WEIGHTS = (
    "the base estimator's fit takes no sample_weight, so RecursiveDensityRetrainer "
    "refuses weights with a clear error instead of ignoring them"
)
SAMPLE_WEIGHT_CHECKS = [
    "check_sample_weights_pandas_series",
    "check_sample_weights_not_an_array",
    "check_sample_weights_list",
    "check_sample_weights_shape",
    "check_sample_weights_not_overwritten",
    "check_sample_weight_equivalence_on_dense_data",
]
# The checks CategoricalDensity itself fails (tests/conftest.py), and the
# pickling of a fitted loop on read-only data.
CATEGORICAL_CHECKS = CHECKS_NEEDING_SEVERAL_COLUMNS + [
    "check_estimators_pickle(readonly_memmap=True)"
]


def _expected_failed_checks(estimator):
    if isinstance(estimator.estimator, CategoricalDensity):
        return dict.fromkeys(CATEGORICAL_CHECKS, SINGLE_COLUMN_REASON)
    if isinstance(estimator.estimator, (GaussianMixture, BayesianGaussianMixture)):
        return dict.fromkeys(SAMPLE_WEIGHT_CHECKS, NO_BASE_WEIGHTS)
    return {}


ESTIMATORS = [
    RecursiveDensityRetrainer(KernelDensity(), n_generations=3),
    RecursiveDensityRetrainer(
        GaussianMixture(init_params="random_from_data"), n_generations=2
    ),
    RecursiveDensityRetrainer(
        BayesianGaussianMixture(init_params="random_from_data", max_iter=20),
        n_generations=2,
    ),
    RecursiveDensityRetrainer(GaussianDensity(), n_generations=3),
    RecursiveDensityRetrainer(
        GaussianDensity(), n_generations=2, data="accumulate", real_fraction=0.5
    ),
    RecursiveDensityRetrainer(CategoricalDensity(), n_generations=3),
]


@parametrize_sklearn_checks(ESTIMATORS, _expected_failed_checks)
def test_sklearn_compatible(estimator, check):
    check(estimator)


@pytest.mark.parametrize("estimator", ESTIMATORS[:1] + ESTIMATORS[3:4], ids=repr)
def test_param_validation(estimator):
    check_param_validation(type(estimator).__name__, estimator)


# ----------------------------------------------------------------------
# helpers
# ----------------------------------------------------------------------
def _normal(n_samples, n_features=2, random_state=0):
    return np.random.RandomState(random_state).normal(size=(n_samples, n_features))


def _tokens(n_samples, random_state=0):
    return make_zipf(n_samples, 5, 1.2, random_state=random_state)


def _categorical_loop(X, n_generations, seed, **params):
    return RecursiveDensityRetrainer(
        CategoricalDensity(), n_generations=n_generations, random_state=seed, **params
    ).fit(X)


def _stack(fits, key):
    return np.array([est.trajectory_[key] for est in fits])


# ----------------------------------------------------------------------
# API: sample, score, staged_score_samples, trajectory
# ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "base, X, dtype",
    [
        (GaussianDensity(), _normal(30), np.float64),
        (KernelDensity(bandwidth=0.5), _normal(30), np.float64),
        (GaussianMixture(n_components=2, random_state=0), _normal(30), np.float64),
        (CategoricalDensity(), _tokens(30), np.int64),
    ],
    ids=["gaussian", "kde", "gmm", "categorical"],
)
def test_sample(base, X, dtype):
    est = RecursiveDensityRetrainer(base, n_generations=2, random_state=0).fit(X)
    drawn = est.sample(7, random_state=0)
    assert drawn.shape == (7, X.shape[1])
    assert drawn.dtype == dtype
    np.testing.assert_array_equal(drawn, est.sample(7, random_state=0))
    assert not np.array_equal(
        est.sample(50, random_state=0), est.sample(50, random_state=1)
    )
    assert est.sample().shape == (1, X.shape[1])
    empty = est.sample(0, random_state=0)
    assert empty.shape == (0, X.shape[1])
    # sampling does not change the fitted estimator
    before = pickle.dumps(est)
    est.sample(5)
    assert pickle.dumps(est) == before


def test_sample_ignores_loop_temperature():
    """The loop's temperature biases the synthetic data, not the fitted model."""
    X = _normal(200, n_features=1)
    est = RecursiveDensityRetrainer(
        GaussianDensity(), n_generations=0, temperature=0.01, random_state=0
    ).fit(X)
    drawn = est.sample(5000, random_state=0)
    assert np.var(drawn) == pytest.approx(est.estimator_.covariance_[0, 0], rel=0.1)


def test_score_is_mean_log_likelihood():
    X = _normal(40)
    est = RecursiveDensityRetrainer(
        KernelDensity(bandwidth=0.5), n_generations=2, random_state=0
    ).fit(X)
    scores = est.score_samples(X)
    assert scores.shape == (40,)
    np.testing.assert_allclose(scores, est.estimator_.score_samples(X))
    # KernelDensity.score is a sum; ours is a mean, comparable across folds
    assert est.score(X) == pytest.approx(scores.mean())


def test_staged_score_samples():
    X = _normal(30)
    est = RecursiveDensityRetrainer(GaussianDensity(), n_generations=3, random_state=0)
    est.fit(X)
    staged = list(est.staged_score_samples(X[:5]))
    assert len(staged) == 4
    np.testing.assert_allclose(staged[0], est.estimators_[0].score_samples(X[:5]))
    np.testing.assert_allclose(staged[-1], est.score_samples(X[:5]))
    est.set_params(store_estimators=False).fit(X)
    assert est.estimators_[0] is None
    with pytest.raises(ValueError, match="store_estimators=True"):
        next(est.staged_score_samples(X))


def test_trajectory_continuous():
    X = _normal(30)
    est = RecursiveDensityRetrainer(
        GaussianDensity(),
        n_generations=4,
        validation_fraction=0.2,
        metrics="all",
        random_state=0,
    ).fit(X)
    trajectory = est.trajectory_
    for key in (
        "generation",
        "n_train",
        "n_real",
        "n_synthetic",
        "n_rejected",
        "log_likelihood_real",
        "log_likelihood_validation",
        "total_variance",
        "mean_shift",
        "wasserstein",
    ):
        assert trajectory[key].shape == (5,), key
    assert "entropy" not in trajectory
    # exact definitions, generation 0 is fitted on the 24 real training rows
    model = est.estimators_[0]
    assert trajectory["n_train"][0] == 24
    assert trajectory["total_variance"][0] == pytest.approx(np.trace(model.covariance_))
    assert trajectory["mean_shift"][0] == 0.0
    # fully synthetic GaussianDensity: total_variance is trace(covariance_)
    for generation, model in enumerate(est.estimators_):
        assert trajectory["total_variance"][generation] == pytest.approx(
            np.trace(model.covariance_)
        )
        shift = np.linalg.norm(model.mean_ - est.estimators_[0].mean_)
        assert trajectory["mean_shift"][generation] == pytest.approx(shift)


@pytest.mark.parametrize("weighted", [False, True])
def test_trajectory_wasserstein_definition(weighted):
    """In one dimension the sliced distance is W_1 to the real data."""
    X = _normal(50, n_features=1)
    weight = np.linspace(0.5, 2, 50) if weighted else None
    # one synthetic sample and ddof=0: generation 1 is a point mass at c, whose
    # W_1 distance to the real data is the mean absolute deviation from c
    est = RecursiveDensityRetrainer(
        GaussianDensity(ddof=0),
        n_generations=1,
        synthetic_size=1,
        metrics=["wasserstein"],
        random_state=0,
    ).fit(X, sample_weight=weight)
    c = est.estimator_.mean_[0]
    w = est.trajectory_["wasserstein"]
    assert w[1] == pytest.approx(np.average(np.abs(X[:, 0] - c), weights=weight))
    assert 0 < w[0] < w[1]
    # seeded: the same random_state gives the same metric
    again = clone(est).fit(X, sample_weight=weight).trajectory_["wasserstein"]
    np.testing.assert_array_equal(w, again)


def test_trajectory_discrete():
    X = _tokens(40)
    est = RecursiveDensityRetrainer(
        CategoricalDensity(), n_generations=3, metrics="all", random_state=0
    ).fit(X)
    trajectory = est.trajectory_
    for generation, model in enumerate(est.estimators_):
        p = model.probabilities_
        q = p[p > 0]
        assert trajectory["support_size"][generation] == q.size
        assert trajectory["entropy"][generation] == pytest.approx(
            -np.sum(q * np.log(q))
        )
        assert trajectory["collision"][generation] == pytest.approx(np.sum(p**2))
        tokens, counts = np.unique(X[:, 0], return_counts=True)
        expected = wasserstein_distance(
            model.categories_, tokens, u_weights=p, v_weights=counts
        )
        assert trajectory["wasserstein"][generation] == pytest.approx(expected)
    assert trajectory["wasserstein"][0] == pytest.approx(0.0)
    assert trajectory["log_likelihood_real"][0] == pytest.approx(
        est.estimators_[0].score(X)
    )


def test_reproducible_and_prefix():
    X = _normal(20)
    est = RecursiveDensityRetrainer(GaussianDensity(), n_generations=5, random_state=3)
    first = est.fit(X).trajectory_
    second = clone(est).fit(X).trajectory_
    shorter = clone(est).set_params(n_generations=2).fit(X).trajectory_
    for key in first:
        np.testing.assert_array_equal(first[key], second[key])
        np.testing.assert_array_equal(first[key][:3], shorter[key])


@pytest.mark.parametrize(
    "data, real_fraction, n_train",
    [
        ("replace", None, [20, 20, 20, 20]),
        ("replace", 1.0, [20, 40, 40, 40]),
        ("accumulate", None, [20, 40, 60, 80]),
        ("accumulate-subsample", None, [20, 20, 20, 20]),
    ],
)
def test_data_regimes(data, real_fraction, n_train):
    est = RecursiveDensityRetrainer(
        GaussianDensity(),
        n_generations=3,
        data=data,
        real_fraction=real_fraction,
        random_state=0,
    ).fit(_normal(20))
    np.testing.assert_array_equal(est.trajectory_["n_train"], n_train)
    assert len(est.sample_generation_) == n_train[-1]


class _RecordingDensity(GaussianDensity):
    """GaussianDensity that records the rows and weights its fit received."""

    def fit(self, X, y=None, sample_weight=None):
        self.X_seen_ = np.array(X, copy=True)
        self.weight_seen_ = (
            None if sample_weight is None else np.array(sample_weight, copy=True)
        )
        return super().fit(X, y, sample_weight=sample_weight)


@pytest.mark.parametrize("with_sample_weight", [True, False])
def test_sample_weight_and_synthetic_weight(with_sample_weight):
    # 21 real rows weighted 1..21 (mean 11); synthetic rows weigh 0.3 times
    # the mean real weight (3.3), or 0.3 against real rows of weight 1
    X = _normal(21)
    weight = np.arange(1, 22, dtype=float) if with_sample_weight else None
    est = RecursiveDensityRetrainer(
        _RecordingDensity(),
        n_generations=2,
        real_fraction=1.0,
        synthetic_weight=0.3,
        random_state=0,
    )
    est.fit(X, sample_weight=weight)
    real_weight = np.ones(21) if weight is None else weight
    first = est.estimators_[0]
    np.testing.assert_array_equal(first.X_seen_, X)
    np.testing.assert_allclose(first.weight_seen_, real_weight)
    np.testing.assert_allclose(first.mean_, np.average(X, axis=0, weights=real_weight))
    synthetic = 0.3 * np.mean(real_weight)
    for g in (1, 2):
        model = est.estimators_[g]
        assert model.X_seen_.shape == (42, 2)
        # each row's weight: a real row its own, a synthetic row `synthetic`
        is_real = (model.X_seen_[:, None, :] == X[None, :, :]).all(axis=2)
        assert is_real.sum() == 21 and is_real.any(axis=0).all()
        expected = np.where(
            is_real.any(axis=1), is_real.astype(float) @ real_weight, synthetic
        )
        np.testing.assert_allclose(model.weight_seen_, expected)
        np.testing.assert_allclose(
            model.mean_, np.average(model.X_seen_, axis=0, weights=expected)
        )
    assert est.trajectory_["n_synthetic"][-1] == 21


def test_verifier():
    X = _normal(40)
    verifier = GaussianDensity()
    est = RecursiveDensityRetrainer(
        GaussianDensity(),
        n_generations=3,
        verifier=verifier,
        keep_fraction=0.5,
        random_state=0,
    ).fit(X)
    np.testing.assert_array_equal(est.trajectory_["n_rejected"], [0, 20, 20, 20])
    assert not hasattr(verifier, "mean_")  # cloned, never fitted in place
    # a prefit verifier, frozen
    frozen = FrozenEstimator(GaussianDensity().fit(X[:20]))
    est = RecursiveDensityRetrainer(
        GaussianDensity(),
        n_generations=2,
        verifier=frozen,
        threshold=-4.0,
        random_state=0,
    ).fit(X)
    assert est.trajectory_["n_rejected"][1] > 0
    # best of 4 candidates by a callable verifier: closest to the origin
    est = RecursiveDensityRetrainer(
        GaussianDensity(),
        n_generations=3,
        verifier=lambda X: -np.linalg.norm(X, axis=1),
        n_candidates=4,
        random_state=0,
    ).fit(X)
    assert est.trajectory_["n_train"][-1] == 40
    variance = est.trajectory_["total_variance"]
    assert variance[-1] < 0.5 * variance[0]


def test_regularization_and_fine_tune():
    X = _normal(30)
    est = RecursiveDensityRetrainer(
        KernelDensity(),
        n_generations=2,
        regularization={"bandwidth": lambda generation, n_train: 0.5 + generation},
        random_state=0,
    ).fit(X)
    np.testing.assert_array_equal(est.trajectory_["param_bandwidth"], [0.5, 1.5, 2.5])
    assert est.estimator_.bandwidth == 2.5
    est = RecursiveDensityRetrainer(
        GaussianMixture(n_components=2, random_state=0),
        n_generations=2,
        fine_tune=True,
        random_state=0,
    ).fit(X)
    assert est.estimator_.warm_start
    with pytest.raises(ValueError, match="warm_start"):
        clone(est).set_params(estimator=KernelDensity()).fit(X)


def test_pandas_feature_names():
    pd = pytest.importorskip("pandas")
    X = pd.DataFrame(_normal(20), columns=["a", "b"])
    est = RecursiveDensityRetrainer(GaussianDensity(), n_generations=2, random_state=0)
    est.fit(X)
    np.testing.assert_array_equal(est.feature_names_in_, ["a", "b"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        est.score_samples(X)


# ----------------------------------------------------------------------
# Model selection
# ----------------------------------------------------------------------
def test_grid_search_ranks_by_held_out_log_likelihood():
    """Keeping the real data beats the fully synthetic loop on held-out data."""
    X = _normal(60, n_features=1, random_state=1)
    search = GridSearchCV(
        RecursiveDensityRetrainer(GaussianDensity(), n_generations=100, random_state=0),
        {"real_fraction": [0.0, 1.0], "data": ["replace"]},
        cv=3,
    ).fit(X)
    np.testing.assert_array_equal(search.cv_results_["rank_test_score"], [2, 1])
    assert search.best_params_["real_fraction"] == 1.0
    # the scores are mean held-out log-likelihoods
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
    assert search.score(X) == pytest.approx(search.best_estimator_.score(X))


# ----------------------------------------------------------------------
# Statistical agreement with the closed forms (skcollapse.theory)
# ----------------------------------------------------------------------
def test_shumailov_gaussian_refit():
    """E sigma_g = sigma a(M)^(g+1) and E(mu_g - mu)^2 = sigma^2 (g+1)/M.

    A diagonal GaussianDensity is a product of independent one-dimensional
    Gaussians, each refitted on the same M samples: every feature is one
    independent Monte Carlo run of the one-dimensional loop.
    """
    n_samples, n_features, n_fits, n_generations, sigma = 5, 40, 50, 5, 2.0
    sigmas, errors = [], []
    for seed in range(n_fits):
        X = sigma * _normal(n_samples, n_features, random_state=seed)
        est = RecursiveDensityRetrainer(
            GaussianDensity(covariance_type="diag"),
            n_generations=n_generations,
            random_state=seed,
        ).fit(X)
        sigmas.append([np.sqrt(np.diag(m.covariance_)) for m in est.estimators_])
        errors.append([m.mean_**2 for m in est.estimators_])
    # (n_generations + 1, n_runs)
    sigmas = np.concatenate(np.array(sigmas), axis=1)
    errors = np.concatenate(np.array(errors), axis=1)
    theory = gaussian_refit(n_generations, n_real=n_samples, variance=sigma**2)
    # the closed forms of the paper with n = g + 1 fits
    g = np.arange(n_generations + 1)
    a = theory["std"][0] / sigma
    np.testing.assert_allclose(theory["std"], sigma * a ** (g + 1))
    np.testing.assert_allclose(theory["mean_error"], sigma**2 * (g + 1) / n_samples)

    assert_mc_agrees(sigmas, theory["std"], axis=1)
    assert_mc_agrees(errors, theory["mean_error"], axis=1)
    # the standard deviation shrinks: collapse, although E sigma_g^2 = sigma^2
    assert sigmas.mean(axis=1)[-1] < 0.8 * sigma


def test_alemohammad_sampling_bias():
    """Fully synthetic with temperature lambda: E tr Sigma_t = lambda^t tr Sigma_0.

    And E||mu_t - mu_0||^2 = (tr Sigma_0 / n) sum_{s<=t} lambda^s, read off
    trajectory_["total_variance"] and trajectory_["mean_shift"].
    """
    n_samples, n_features, n_fits, n_generations, temperature = 100, 10, 200, 5, 0.8
    fits = [
        RecursiveDensityRetrainer(
            GaussianDensity(),
            n_generations=n_generations,
            temperature=temperature,
            random_state=seed,
        ).fit(_normal(n_samples, n_features, random_state=seed))
        for seed in range(n_fits)
    ]
    variance = _stack(fits, "total_variance")
    shift = _stack(fits, "mean_shift") ** 2
    theory = gaussian_refit(
        n_generations,
        n_real=n_samples,
        n_features=n_features,
        variance=float(n_features),
        temperature=temperature,
    )
    g = np.arange(n_generations + 1)
    np.testing.assert_allclose(theory["total_variance"], temperature**g * n_features)
    assert theory["mean_shift"][-1] == pytest.approx(0.2689, abs=1e-4)  # PAPERS.md
    assert_mc_agrees(variance, theory["total_variance"])
    assert_mc_agrees(shift[:, 1:], theory["mean_shift"][1:])


P_ZIPF = make_zipf(0, 5, 1.2, return_probabilities=True)[1]


def test_seddik_fully_synthetic_collision():
    """Theorem 1: S_g = 1 - (1 - 1/n)^(g+1) (1 - sum p^2), g = their m - 1."""
    n_samples, n_fits, n_generations = 10, 500, 5
    fits = [
        _categorical_loop(_tokens(n_samples, random_state=seed), n_generations, seed)
        for seed in range(n_fits)
    ]
    collision = _stack(fits, "collision")
    theory = categorical_collision(n_generations, P_ZIPF, n_real=n_samples)
    g = np.arange(n_generations + 1)
    np.testing.assert_allclose(
        theory, 1 - (1 - 1 / n_samples) ** (g + 1) * (1 - np.sum(P_ZIPF**2))
    )
    assert_mc_agrees(collision, theory)


def test_seddik_partially_synthetic_collision():
    """Theorem 2: N real tokens kept, n synthetic ones added each generation."""
    n_real, n_synthetic, n_fits, n_generations = 10, 20, 400, 5
    fits = [
        _categorical_loop(
            _tokens(n_real, random_state=seed),
            n_generations,
            seed,
            real_fraction=1.0,
            synthetic_size=n_synthetic / n_real,
        )
        for seed in range(n_fits)
    ]
    assert fits[0].trajectory_["n_train"][-1] == n_real + n_synthetic
    collision = _stack(fits, "collision")
    theory = categorical_collision(
        n_generations,
        P_ZIPF,
        n_real=n_real,
        n_synthetic=n_synthetic,
        real_fraction=1.0,
    )
    assert_mc_agrees(collision, theory)
    # a fixed point below 1: the real data prevents total collapse
    assert theory[-1] < 0.6


def test_seddik_dirac_lands_on_token_i_with_probability_p_i():
    """Proposition 1: the final Dirac mass sits on token i w.p. p_i."""
    p = np.array([0.5, 0.3, 0.2])
    n_samples, n_fits, n_generations = 2, 300, 12
    rng = np.random.RandomState(0)
    final = []
    for seed in range(n_fits):
        X = rng.choice(3, size=(n_samples, 1), p=p)
        est = _categorical_loop(X, n_generations, seed)
        assert est.trajectory_["support_size"][-1] == 1  # absorbed
        assert (
            est.collapse_generation_ is not None
            or est.trajectory_["support_size"][0] == 1
        )
        final.append(
            est.estimator_.categories_[np.argmax(est.estimator_.probabilities_)]
        )
    frequency = np.bincount(final, minlength=3) / n_fits
    assert_mc_agrees(frequency, p, standard_error=np.sqrt(p * (1 - p) / n_fits))


# ----------------------------------------------------------------------
# Degenerate collapse: stop or record, never crash
# ----------------------------------------------------------------------
def _assert_usable(est, X):
    assert np.all(~np.isnan(est.score_samples(X)))
    assert est.sample(3, random_state=0).shape == (3, X.shape[1])
    assert len(est.estimators_) == est.n_generations_ + 1
    for values in est.trajectory_.values():
        assert values.shape == (est.n_generations_ + 1,)


class PointMixture(GaussianMixture):
    """A mixture whose samples all sit on its first mean (full collapse)."""

    def fit(self, X, y=None):
        super().fit(X)
        self.means_[:] = self.means_[0]
        self.covariances_ = np.zeros_like(self.covariances_)
        return self


@pytest.mark.parametrize(
    "base, params, match, n_completed",
    [
        # two synthetic samples cannot feed three mixture components
        (
            GaussianMixture(n_components=3, random_state=0),
            {"n_generations": 5, "synthetic_size": 2},
            "3 mixture|mixture of 3",
            0,
        ),
        # identical samples: fewer distinct points than mixture components
        (
            PointMixture(n_components=2, random_state=0),
            {"n_generations": 3},
            "1 distinct sample",
            None,
        ),
        # one synthetic sample for a ddof=1 Gaussian
        (
            GaussianDensity(ddof=1),
            {"n_generations": 3, "synthetic_size": 1},
            "ddof=1",
            None,
        ),
    ],
    ids=["mixture-component-without-points", "identical-mixture-samples", "ddof"],
)
def test_degenerate_data_ends_the_loop_usable(base, params, match, n_completed):
    X = _normal(30 if isinstance(base, GaussianMixture) else 20)
    est = RecursiveDensityRetrainer(base, random_state=0, **params)
    with pytest.warns(CollapseWarning, match=match):
        est.fit(X)
    assert est.termination_condition_ == "degenerate"
    if n_completed is not None:
        assert est.n_generations_ == n_completed
    _assert_usable(est, X)


def test_gaussian_collapsed_to_a_point_is_recorded_not_degenerate():
    """A single synthetic sample (ddof=0): identical samples, a point mass."""
    X = _normal(20)
    est = RecursiveDensityRetrainer(
        GaussianDensity(ddof=0), n_generations=3, synthetic_size=1, random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        est.fit(X)
    assert est.termination_condition_ == "max_generations"
    assert est.collapse_generation_ == 1
    np.testing.assert_array_equal(est.trajectory_["total_variance"][1:], 0.0)
    drawn = est.sample(3, random_state=0)
    np.testing.assert_array_equal(drawn, np.repeat(drawn[:1], 3, axis=0))
    scores = est.score_samples(np.vstack([drawn[:1], drawn[:1] + 1]))
    np.testing.assert_array_equal(scores, [0.0, -np.inf])
    assert est.trajectory_["log_likelihood_real"][-1] == -np.inf


def test_categorical_one_token_left():
    X = np.array([[0]] * 5 + [[1]] * 3 + [[2]] * 2)
    est = RecursiveDensityRetrainer(
        CategoricalDensity(), n_generations=40, random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        est.fit(X)
    trajectory = est.trajectory_
    assert trajectory["support_size"][-1] == 1
    assert trajectory["collision"][-1] == 1.0
    assert trajectory["entropy"][-1] == 0.0
    assert est.collapse_generation_ is not None
    assert (
        trajectory["entropy"][est.collapse_generation_] < 0.1 * trajectory["entropy"][0]
    )
    assert est.termination_condition_ == "max_generations"
    token = est.sample(1, random_state=0)[0, 0]
    np.testing.assert_array_equal(est.sample(5, random_state=1), [[token]] * 5)
    scores = est.score_samples(np.array([[0], [1], [2]]))
    assert np.sum(np.isfinite(scores)) == 1
    assert trajectory["log_likelihood_real"][-1] == -np.inf


# ----------------------------------------------------------------------
# Bad input
# ----------------------------------------------------------------------
class _Sampler(BaseEstimator):
    """A density estimator of an unknown family (sample, no temperature)."""

    def fit(self, X, y=None):
        self.mean_ = np.mean(X, axis=0)
        return self

    def score_samples(self, X):
        return -np.sum((np.asarray(X) - self.mean_) ** 2, axis=1)

    def sample(self, n_samples=1, random_state=None):
        rng = np.random.default_rng(random_state)
        return self.mean_ + rng.standard_normal((n_samples, self.mean_.shape[0]))


def test_unknown_family_works_without_temperature():
    X = _normal(20)
    est = RecursiveDensityRetrainer(_Sampler(), n_generations=2, random_state=0)
    assert est.fit(X).sample(2, random_state=0).shape == (2, 2)
    with pytest.raises(ValueError, match="temperature=0.5 cannot be applied"):
        est.set_params(temperature=0.5).fit(X)


def test_kernel_that_cannot_sample():
    with pytest.raises(ValueError, match="kernel='epanechnikov'.*cannot sample"):
        RecursiveDensityRetrainer(KernelDensity(kernel="epanechnikov")).fit(_normal(10))


def test_estimator_without_sample():
    with pytest.raises(ValueError, match="lacks score_samples, sample"):
        RecursiveDensityRetrainer(Ridge()).fit(_normal(10))


@pytest.mark.parametrize(
    "X, match",
    [(np.zeros((1, 2)), "n_samples=1"), (np.zeros((0, 2)), "0 sample")],
    ids=["one-sample", "empty"],
)
def test_too_few_samples(X, match):
    with pytest.raises(ValueError, match=match):
        RecursiveDensityRetrainer(GaussianDensity()).fit(X)


def test_weights_refused_for_a_base_without_sample_weight():
    X = _normal(10)
    est = RecursiveDensityRetrainer(GaussianMixture())
    with pytest.raises(ValueError, match="does not accept sample_weight"):
        est.fit(X, sample_weight=np.ones(10))
    with pytest.raises(ValueError, match="does not accept sample_weight"):
        est.set_params(synthetic_weight=2.0).fit(X)


def test_verifier_without_score_samples():
    with pytest.raises(ValueError, match="must have score_samples"):
        RecursiveDensityRetrainer(
            GaussianDensity(), verifier=Ridge(), keep_fraction=0.5
        ).fit(_normal(10))


@pytest.mark.parametrize("check_name", SAMPLE_WEIGHT_CHECKS)
def test_no_base_weights_control(check_name):
    # NO_BASE_WEIGHTS: the mixture loop fails on the sample_weight error, and
    # the same check passes for a loop whose base takes weights
    from sklearn.utils import estimator_checks

    check = getattr(estimator_checks, check_name)
    mixture = RecursiveDensityRetrainer(
        GaussianMixture(init_params="random_from_data"), n_generations=2
    )
    with pytest.raises(ValueError, match="sample_weight"):
        check(type(mixture).__name__, mixture)
    weighted = RecursiveDensityRetrainer(GaussianDensity(), n_generations=2)
    check(type(weighted).__name__, weighted)


@pytest.mark.parametrize(
    "base, params, reason",
    [
        # a mixture needs max(2, n_components) samples: 2 for 3 components,
        # and 2 (not 1) for one component
        (
            GaussianMixture(n_components=3, random_state=0),
            {"synthetic_size": 2},
            "2 sample(s) for a mixture of 3 component(s), which needs at least "
            "max(2, n_components)",
        ),
        (
            BayesianGaussianMixture(n_components=1, random_state=0),
            {"synthetic_size": 1},
            "1 sample(s) for a mixture of 1 component(s), which needs at least "
            "max(2, n_components)",
        ),
        # 3 samples of weight 0.3: a total weight of 0.9 is not above ddof=1
        (
            GaussianDensity(ddof=1),
            {"synthetic_size": 3, "synthetic_weight": 0.3},
            "a total sample weight of 0.9 for GaussianDensity with ddof=1",
        ),
    ],
    ids=["mixture-of-3", "one-component", "weighted-ddof"],
)
def test_the_smallest_degenerate_training_sets_and_their_reason(base, params, reason):
    import re

    X = _normal(31)
    est = RecursiveDensityRetrainer(base, n_generations=3, random_state=0, **params)
    with pytest.warns(CollapseWarning, match=re.escape(f"to fit ({reason});")):
        est.fit(X)
    assert est.termination_condition_ == "degenerate"
    assert est.n_generations_ == 0
    # one sample (or 0.3 of weight) more is enough
    bigger = dict(params, synthetic_size=params["synthetic_size"] + 1)
    with warnings.catch_warnings():
        warnings.simplefilter("error", CollapseWarning)
        est.set_params(**bigger).fit(X)
    assert est.termination_condition_ == "max_generations"
