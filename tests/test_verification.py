"""Tests for skcollapse.verification and the verifier plumbing of the loop.

The statistical tests follow Feng et al. (2024) on the two-class Gaussian
mixture ``y = +-1``, ``x | y ~ N(y mu, I)`` of ``make_gaussian_mixture``; each
states where its numbers come from. All are seeded, so they are deterministic;
the tolerances are 3 standard errors of the quantity tested.
"""

import pickle
import re
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.stats import norm
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.svm import LinearSVC
from sklearn.utils._param_validation import InvalidParameterError

from skcollapse import CollapseWarning, RecursiveRetrainer
from skcollapse.datasets import make_gaussian_mixture
from skcollapse.generative import GaussianDensity
from skcollapse.utils._testing import assert_mc_agrees
from skcollapse.verification import (
    LabelLookup,
    LinearVerifier,
    NoisyVerifier,
    OracleVerifier,
    effective_error,
)

try:  # RecursiveDensityRetrainer is developed in parallel
    from skcollapse.density import RecursiveDensityRetrainer
except ImportError:  # pragma: no cover
    RecursiveDensityRetrainer = None

needs_density = pytest.mark.skipif(
    RecursiveDensityRetrainer is None, reason="skcollapse.density is not available"
)

SEPARATION = 1.0  # ||mu||
BAYES = norm.cdf(SEPARATION)  # Phi(||mu||) = 0.841, the accuracy limit below 1/2
# (p, keep_correct, keep_wrong): the paper's example (p_eff = 0.114); a verifier
# that rescues a generator wrong 60% of the time (p_eff = 0.429); one that ruins
# a decent generator (p_eff = 0.571); a bad verifier of a good one (0.682).
KEEP_RATES = [(0.3, 1.0, 0.3), (0.6, 1.0, 0.5), (0.4, 0.5, 1.0), (0.3, 0.2, 1.0)]


def _mean_direction(n_features):
    return np.full(n_features, SEPARATION / np.sqrt(n_features))


def _accuracy(coef, intercept, mu):
    """Exact accuracy of ``sign(w'x + b)`` on ``x | y ~ N(y mu, I)``."""
    scale = np.linalg.norm(coef)
    if scale == 0:
        return 0.5
    margin = coef @ mu
    return 0.5 * norm.cdf((margin + intercept) / scale) + 0.5 * norm.cdf(
        (margin - intercept) / scale
    )


class _FlippedTeacher(ClassifierMixin, BaseEstimator):
    """Test-only generator of known label error ``p``, learner of Feng et al.

    As a *generator* (``predict_proba``, from which the loop samples labels) it
    emits the true label of each row flipped with probability ``p``,
    independently of ``x`` and of what it was fitted on: every generation's
    synthetic labels have error rate exactly ``p``. As a *learner* (``fit``,
    ``predict``) it is the mean-difference classifier ``w = mean(y x)``,
    ``sign(w'x)``, whose accuracy the theory predicts.
    """

    def __init__(self, truth=None, p=0.0):
        self.truth = truth
        self.p = p

    def fit(self, X, y):
        self.classes_ = np.array([-1, 1])
        self.coef_ = np.mean(np.asarray(y)[:, None] * X, axis=0)
        return self

    def predict(self, X):
        return np.where(X @ self.coef_ >= 0, 1, -1)

    def predict_proba(self, X):
        positive = np.where(self.truth(X) == 1, 1 - self.p, self.p)
        return np.column_stack([1 - positive, positive])


class _RecordingRidge(Ridge):
    """Ridge that remembers the targets it was fitted on."""

    def fit(self, X, y, sample_weight=None):
        self.y_fit_ = np.array(y, copy=True)
        return super().fit(X, y, sample_weight=sample_weight)


class _RecordingScorer:
    """Scores ``-|y|`` and remembers the labels it scored."""

    def __init__(self):
        self.seen = []

    def __call__(self, X, y):
        self.seen.append(np.array(y, copy=True))
        return -np.abs(y)


def _teacher_loop(X, y, p, keep_rates, *, n_generations, random_state):
    truth = LabelLookup(X, y)
    verification = {}
    if keep_rates is not None:
        keep_correct, keep_wrong = keep_rates
        verification = dict(
            verifier=NoisyVerifier(truth, keep_correct, keep_wrong, random_state=0),
            threshold=0.5,
        )
    return RecursiveRetrainer(
        _FlippedTeacher(truth, p),
        n_generations=n_generations,
        label_noise="sample",
        random_state=random_state,
        **verification,
    ).fit(X, y)


# ---------------------------------------------------------------------------
# effective_error
# ---------------------------------------------------------------------------
def test_effective_error_values():
    # p_eff = p phi_w / ((1 - p) phi_c + p phi_w); the paper's example gives 0.114
    assert effective_error(0.3, 1.0, 0.3) == pytest.approx(0.09 / 0.79)
    assert effective_error(0.3, 1.0, 1.0) == pytest.approx(0.3)  # keeps all
    assert effective_error(0.3, 0.5, 0.5) == pytest.approx(0.3)  # uninformed
    assert effective_error(0.3, 1.0, 0.0) == 0.0  # perfect verifier
    assert effective_error(0.6, 1.0, 2 / 3) == pytest.approx(0.5)  # breakdown
    assert isinstance(effective_error(0.3, 1.0, 0.3), float)


def test_effective_error_vectorised():
    p = np.linspace(0, 1, 5)[:, None]
    keep_wrong = np.array([0.0, 0.5, 1.0])
    result = effective_error(p, 0.8, keep_wrong)
    assert result.shape == (5, 3)
    for i in range(5):
        for j in range(3):
            expected = effective_error(float(p[i, 0]), 0.8, float(keep_wrong[j]))
            assert result[i, j] == pytest.approx(expected, nan_ok=True)
    # nothing kept: undefined
    assert np.isnan(effective_error(1.0, 1.0, 0.0))


@pytest.mark.parametrize("name", ["p", "keep_correct", "keep_wrong"])
def test_effective_error_refuses_non_probabilities(name):
    values = {"p": 0.3, "keep_correct": 1.0, "keep_wrong": 0.3, name: 1.5}
    with pytest.raises(ValueError, match=name):
        effective_error(**values)


# ---------------------------------------------------------------------------
# the ready verifiers on their own
# ---------------------------------------------------------------------------
def test_label_lookup_finds_real_labels():
    X, y = make_gaussian_mixture(50, 3, 1.0, random_state=0)
    rows = np.array([4, 0, 4, 49])
    assert np.array_equal(LabelLookup(X, y)(X[rows]), y[rows])
    assert np.array_equal(LabelLookup(X, y)(sp.csr_matrix(X[rows])), y[rows])
    # multi-output values
    Y = np.column_stack([y, 2 * y])
    assert np.array_equal(LabelLookup(X, Y)(X[rows]), Y[rows])


def test_label_lookup_errors():
    X = np.array([[0.0, 1.0], [2.0, 3.0], [0.0, 1.0]])
    with pytest.raises(ValueError, match="not rows of its X"):
        LabelLookup(X[:2], [0, 1])(np.array([[5.0, 5.0]]))
    with pytest.raises(ValueError, match="different labels"):
        LabelLookup(X, [0, 1, 1])(X[:1])
    # a repeated row with one label is fine
    assert np.array_equal(LabelLookup(X, [0, 1, 0])(X), [0, 1, 0])
    with pytest.raises(ValueError, match="features"):
        LabelLookup(X, [0, 1, 0])(np.zeros((1, 3)))


def test_oracle_verifier_scores():
    X, y = make_gaussian_mixture(100, 2, 1.0, random_state=0)
    oracle = OracleVerifier(LabelLookup(X, y))
    y_wrong = y.copy()
    y_wrong[::3] *= -1
    assert np.array_equal(oracle(X, y_wrong), (y_wrong == y).astype(float))
    # regression: minus the absolute error
    values = X @ [1.0, 2.0]
    oracle = OracleVerifier(LabelLookup(X, values))
    noisy = values + np.linspace(-1, 1, 100)
    assert np.allclose(oracle(X, noisy), -np.abs(noisy - values))
    # a fitted estimator as truth
    clf = LogisticRegression().fit(X, y)
    assert np.array_equal(OracleVerifier(clf)(X, clf.predict(X)), np.ones(100))
    # forced task
    assert np.array_equal(
        OracleVerifier(LabelLookup(X, y), task="regression")(X, -y), -2 * np.ones(100)
    )


def test_noisy_verifier_reproducible_and_fresh():
    X, y = make_gaussian_mixture(4000, 2, 1.0, random_state=0)
    verifier = NoisyVerifier(LabelLookup(X, y), 0.5, 0.5, random_state=0)
    first = verifier(X, y)
    # the same (X, y) gets the same decisions, also from a clone
    assert np.array_equal(first, verifier(X, y))
    assert np.array_equal(first, clone(verifier)(X, y))
    # another batch gets fresh decisions (as each generation's labels do)
    other = y.copy()
    other[0] *= -1
    assert np.mean(first[1:] != verifier(X, other)[1:]) > 0.4
    # another seed too
    assert np.mean(first != verifier.set_params(random_state=1)(X, y)) > 0.4
    # no seed: NumPy's global random state, as in scikit-learn: other
    # decisions at each call, the same again after numpy.random.seed
    unseeded = NoisyVerifier(LabelLookup(X, y), 0.5, 0.5)
    np.random.seed(11)
    first = unseeded(X, y)
    assert not np.array_equal(first, unseeded(X, y))
    np.random.seed(11)
    assert np.array_equal(first, unseeded(X, y))


def test_loop_seeds_a_clone_of_a_random_verifier():
    # With argmax labels and the same real data, the synthetic labels of every
    # fit are the same: only the loop's seeding of the verifier tells two fits
    # of different random_state apart (independent repeats), while a refit with
    # the same random_state gives the same decisions. The user's verifier is
    # not modified.
    X, y = make_gaussian_mixture(300, 2, SEPARATION, random_state=0)
    verifier = NoisyVerifier(LabelLookup(X, y), 0.5, 0.5, random_state=0)

    def rejected(random_state):
        est = RecursiveRetrainer(
            LogisticRegression(solver="newton-cholesky"),
            n_generations=1,
            label_noise="argmax",
            verifier=verifier,
            threshold=0.5,
            random_state=random_state,
        ).fit(X, y)
        return est.trajectory_["n_rejected"][1], est.trajectory_["selected_error"][1]

    assert rejected(0) == rejected(0)
    assert len({rejected(seed) for seed in range(5)}) > 1
    assert verifier.random_state == 0


def test_noisy_verifier_extremes():
    X, y = make_gaussian_mixture(200, 2, 1.0, random_state=0)
    y_synthetic = np.where(np.arange(200) % 4 == 0, -y, y)
    truth = LabelLookup(X, y)
    keep_all = NoisyVerifier(truth, 1.0, 1.0, random_state=0)(X, y_synthetic)
    assert np.all(keep_all == 1.0)
    oracle = NoisyVerifier(truth, 1.0, 0.0, random_state=0)(X, y_synthetic)
    assert np.array_equal(oracle, OracleVerifier(truth)(X, y_synthetic))
    with pytest.raises(InvalidParameterError, match="keep_wrong"):
        NoisyVerifier(truth, 1.0, 1.5)(X, y)


def test_linear_verifier_margins():
    X = np.array([[1.0, 2.0], [-1.0, 0.5], [0.0, 0.0]])
    verifier = LinearVerifier([1.0, -1.0], intercept=0.5)
    expected = np.array([-0.5, -1.0, 0.5])
    assert np.allclose(verifier(X, [1, 1, 1]), expected)
    assert np.allclose(verifier(X, [0, -1, 1]), expected * [-1, -1, 1])
    assert np.allclose(verifier(sp.csr_matrix(X), [1, 1, 1]), expected)
    strings = LinearVerifier([1.0, -1.0], intercept=0.5, pos_label="yes")
    assert np.allclose(strings(X, ["yes", "no", "no"]), expected * [1, -1, -1])
    with pytest.raises(ValueError, match="features"):
        verifier(np.zeros((2, 3)), [1, 1])
    # a positive class that vanished from the labels: every sign -1
    assert np.allclose(strings(X, ["no", "no", "no"]), -expected)
    assert np.allclose(verifier(X, [0, 0, 0]), -expected)
    # booleans are numbers: True is the default pos_label 1
    assert np.allclose(verifier(X, [True, False, True]), expected * [1, -1, 1])


@pytest.mark.parametrize(
    "pos_label, y, what, first",
    [
        (1, ["yes", "no", "no"], "strings", "'yes'"),
        (1, np.array(["yes", "no", "no"], dtype=object), "strings", "'yes'"),
        (0.0, np.array(["no", 1, "no"], dtype=object), "strings", "'no'"),
        ("1", [1, 0, 1], "numbers", "1"),
        ("yes", [0.5, 1.5, 1.5], "numbers", "0.5"),
    ],
)
def test_linear_verifier_refuses_a_pos_label_no_label_can_equal(
    pos_label, y, what, first
):
    # A string never equals a number: without the refusal every row would
    # get the sign -1, silently.
    X = np.array([[1.0, 2.0], [-1.0, 0.5], [0.0, 0.0]])
    verifier = LinearVerifier([1.0, -1.0], pos_label=pos_label)
    message = (
        f"LinearVerifier has pos_label={pos_label!r}, which no label can equal: "
        f"the labels are {what} (such as {first}). Pass the positive class as "
        "pos_label, of the labels' type."
    )
    with pytest.raises(ValueError, match="^" + re.escape(message) + "$"):
        verifier(X, y)
    # no labels, nothing to compare
    assert verifier(np.zeros((0, 2)), np.array([], dtype=object)).shape == (0,)


# ---------------------------------------------------------------------------
# Feng et al.: selected_error is the empirical p_eff
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("p, keep_correct, keep_wrong", KEEP_RATES)
def test_selected_error_matches_effective_error(p, keep_correct, keep_wrong):
    # The teacher flips each real label with probability p, the verifier keeps
    # a correct label with probability keep_correct and a wrong one with
    # keep_wrong, independently: over N labels, synthetic_error is a binomial
    # proportion of mean p, acceptance_rate one of mean (1-p) phi_c + p phi_w,
    # and, given the K kept labels, selected_error one of mean p_eff.
    n_samples, n_generations = 2000, 10
    X, y = make_gaussian_mixture(n_samples, 2, SEPARATION, random_state=0)
    est = _teacher_loop(
        X,
        y,
        p,
        (keep_correct, keep_wrong),
        n_generations=n_generations,
        random_state=0,
    )
    t = est.trajectory_
    n_total = n_samples * n_generations
    kept = n_samples - t["n_rejected"][1:]
    n_kept = kept.sum()

    assert_mc_agrees(
        np.mean(t["synthetic_error"][1:]),
        p,
        standard_error=np.sqrt(p * (1 - p) / n_total),
    )
    acceptance = (1 - p) * keep_correct + p * keep_wrong
    assert_mc_agrees(
        np.mean(t["acceptance_rate"][1:]),
        acceptance,
        standard_error=np.sqrt(acceptance * (1 - acceptance) / n_total),
    )
    p_eff = effective_error(p, keep_correct, keep_wrong)
    selected = np.sum(t["selected_error"][1:] * kept) / n_kept
    assert_mc_agrees(
        selected, p_eff, standard_error=np.sqrt(p_eff * (1 - p_eff) / n_kept)
    )


def test_selected_error_without_verifier_is_synthetic_error():
    X, y = make_gaussian_mixture(500, 2, SEPARATION, random_state=0)
    t = _teacher_loop(X, y, 0.3, None, n_generations=3, random_state=0).trajectory_
    assert np.array_equal(t["selected_error"], t["synthetic_error"], equal_nan=True)


# ---------------------------------------------------------------------------
# Feng et al.: the phase transition at p_eff = 1/2
# ---------------------------------------------------------------------------
def _expected_accuracy(p_eff, n_kept, n_draws=200_000, seed=0):
    """E[accuracy] of the mean-difference rule on n_kept labels of error p_eff.

    With wrong labels independent of x, ``w = mean(y' x) = S mu + Z`` where
    ``S = 1 - 2 B / m``, ``B ~ Binomial(m, p_eff)`` and ``Z ~ N(0, I / m)``,
    and the accuracy of ``sign(w'x)`` is ``Phi(mu'w / ||w||)``. Here d = 2.
    """
    rng = np.random.default_rng(seed)
    m = int(n_kept)
    s = 1 - 2 * rng.binomial(m, p_eff, size=n_draws) / m
    mu = _mean_direction(2)
    w = s[:, None] * mu + rng.standard_normal((n_draws, 2)) / np.sqrt(m)
    return float(np.mean(norm.cdf(w @ mu / np.linalg.norm(w, axis=1))))


@pytest.mark.parametrize(
    "p, keep_rates", [(p, (c, w)) for p, c, w in KEEP_RATES] + [(0.6, None)]
)
def test_phase_transition(p, keep_rates):
    # Feng et al.: the mean-difference rule w = mean(y' x) on labels of error
    # p_eff (independent of x) has E w = (1 - 2 p_eff) mu, so its accuracy
    # tends to Phi(||mu||) = 0.841 when p_eff < 1/2 and to 1 - Phi(||mu||) =
    # 0.159 when p_eff > 1/2. On m kept rows, w'mu / ||mu||^2 = S + Z with
    # Var S = 4 p_eff (1 - p_eff) / m and Var Z = 1 / (m ||mu||^2): its mean
    # over 20 independent data sets must be 1 - 2 p_eff within 3 standard
    # errors. With n = 2000 rows in d = 2 the expected accuracy
    # (_expected_accuracy) is within 0.006 of the limit for every setting
    # here; the measured mean must be within 0.01 of it, and every fit on the
    # limit's side of 1/2.
    n_samples, n_repeats = 2000, 20
    mu = _mean_direction(2)
    p_eff = p if keep_rates is None else effective_error(p, *keep_rates)
    accuracies, components, kept = [], [], []
    for seed in range(n_repeats):
        X, y = make_gaussian_mixture(n_samples, 2, SEPARATION, random_state=seed)
        est = _teacher_loop(X, y, p, keep_rates, n_generations=1, random_state=seed)
        coef = est.estimator_.coef_
        accuracies.append(_accuracy(coef, 0.0, mu))
        components.append(coef @ mu / SEPARATION**2)
        kept.append(n_samples - est.trajectory_["n_rejected"][-1])
    accuracies, components = np.array(accuracies), np.array(components)

    m = np.mean(kept)
    standard_error = np.sqrt(
        (4 * p_eff * (1 - p_eff) + 1 / SEPARATION**2) / m / n_repeats
    )
    assert_mc_agrees(components.mean(), 1 - 2 * p_eff, standard_error=standard_error)
    limit = BAYES if p_eff < 0.5 else 1 - BAYES
    assert abs(_expected_accuracy(p_eff, m) - limit) < 0.006
    assert abs(accuracies.mean() - limit) < 0.01
    assert np.all(np.sign(accuracies - 0.5) == np.sign(limit - 0.5))


# ---------------------------------------------------------------------------
# The fully synthetic classification loop, with and without an oracle
# ---------------------------------------------------------------------------
@pytest.mark.slow
def test_oracle_prevents_collapse_of_logistic_loop():
    # n = 100 rows, d = 10, ||mu|| = 1, 20 generations of logistic regression
    # on labels sampled from the previous generation (label_noise="sample").
    #
    # Without verification each refit adds an estimation error orthogonal to mu
    # of variance (d - 1) / (n I) with I = E[s(1 - s)] = 0.112 at the calibrated
    # w = 2 mu (s the logistic function): the errors add up as a random walk,
    # so the accuracy falls from Phi(2 / sqrt(4 + 0.80)) = 0.82 at generation 0
    # to about Phi(2 / sqrt(4 + 21 * 0.80)) = 0.67 at generation 20, a loss of
    # about 0.15. We assert a loss larger than half of it, 0.07.
    #
    # The oracle keeps only labels equal to the real label (p_eff = 0): each
    # generation is fitted on a subset of the real data with its real labels,
    # so the error does not accumulate; we assert a loss below 0.02.
    n_samples, n_features, n_generations, n_repeats = 100, 10, 20, 20
    mu = _mean_direction(n_features)
    drops = {"none": [], "oracle": []}
    for seed in range(n_repeats):
        X, y = make_gaussian_mixture(
            n_samples, n_features, SEPARATION, random_state=seed
        )
        for name in drops:
            verification = (
                {}
                if name == "none"
                else dict(verifier=OracleVerifier(LabelLookup(X, y)), threshold=0.5)
            )
            est = RecursiveRetrainer(
                # newton-cholesky: the same model as the default lbfgs, faster here
                LogisticRegression(solver="newton-cholesky"),
                n_generations=n_generations,
                label_noise="sample",
                random_state=seed,
                **verification,
            ).fit(X, y)
            first, last = est.estimators_[0], est.estimators_[-1]
            drops[name].append(
                _accuracy(last.coef_.ravel(), last.intercept_[0], mu)
                - _accuracy(first.coef_.ravel(), first.intercept_[0], mu)
            )
            if name == "oracle":
                assert np.all(est.trajectory_["selected_error"][1:] == 0)
    none, oracle = np.array(drops["none"]), np.array(drops["oracle"])
    se_none = none.std(ddof=1) / np.sqrt(n_repeats)
    se_oracle = oracle.std(ddof=1) / np.sqrt(n_repeats)
    assert none.mean() + 3 * se_none < -0.07
    assert oracle.mean() - 3 * se_oracle > -0.02


# ---------------------------------------------------------------------------
# Estimators as verifiers (the documented recipes)
# ---------------------------------------------------------------------------
def test_estimator_and_frozen_estimator_verifiers():
    X, y = make_gaussian_mixture(300, 2, SEPARATION, random_state=0)
    prefit = LogisticRegression().fit(X, y)
    common = dict(n_generations=2, label_noise="sample", threshold=0.5, random_state=0)
    fitted = RecursiveRetrainer(
        LogisticRegression(), verifier=LogisticRegression(), **common
    )
    frozen = RecursiveRetrainer(
        LogisticRegression(), verifier=FrozenEstimator(prefit), **common
    )
    # a probability threshold of 1/2 is the margin threshold 0 of the same line
    linear = RecursiveRetrainer(
        LogisticRegression(),
        verifier=LinearVerifier(prefit.coef_.ravel(), intercept=prefit.intercept_[0]),
        **{**common, "threshold": 0.0},
    )
    t_fitted = fitted.fit(X, y).trajectory_
    t_frozen = frozen.fit(X, y).trajectory_
    t_linear = linear.fit(X, y).trajectory_
    np.testing.assert_array_equal(t_fitted["n_rejected"], t_frozen["n_rejected"])
    np.testing.assert_array_equal(t_frozen["n_rejected"], t_linear["n_rejected"])
    assert np.all(t_frozen["selected_error"][1:] < t_frozen["synthetic_error"][1:])


def test_oracle_verifier_regression_keeps_accurate_labels():
    X, y = make_gaussian_mixture(300, 3, SEPARATION, random_state=0)
    target = X @ [1.0, -1.0, 0.5] + 0.5 * np.random.default_rng(0).standard_normal(300)
    est = RecursiveRetrainer(
        Ridge(),
        n_generations=3,
        verifier=OracleVerifier(LabelLookup(X, target)),
        keep_fraction=0.5,
        random_state=0,
    ).fit(X, target)
    t = est.trajectory_
    assert np.all(t["n_rejected"][1:] == 150)
    # keeping the half closest to the truth lowers the label MSE
    assert np.all(t["selected_error"][1:] < 0.5 * t["synthetic_error"][1:])


# ---------------------------------------------------------------------------
# keep_fraction=1 is no selection at all
# ---------------------------------------------------------------------------
def _assert_same_trajectory(verified, plain):
    for key, values in plain.items():
        np.testing.assert_array_equal(verified[key], values, err_msg=key)
    assert np.all(verified["acceptance_rate"][1:] == 1.0)


def test_keep_fraction_one_reproduces_unverified_loop():
    X, y = make_gaussian_mixture(200, 2, SEPARATION, random_state=0)
    common = dict(n_generations=4, label_noise="sample", random_state=3)
    plain = RecursiveRetrainer(LogisticRegression(), **common).fit(X, y)
    verified = RecursiveRetrainer(
        LogisticRegression(),
        verifier=NoisyVerifier(LabelLookup(X, y), 0.5, 0.5, random_state=0),
        keep_fraction=1.0,
        **common,
    ).fit(X, y)
    _assert_same_trajectory(verified.trajectory_, plain.trajectory_)
    for a, b in zip(verified.estimators_, plain.estimators_):
        np.testing.assert_array_equal(a.coef_, b.coef_)


# ---------------------------------------------------------------------------
# Density curation
# ---------------------------------------------------------------------------
class _FirstCoordinate:
    """Reward of a density sample: its first coordinate (prefers x_0 large)."""

    def __call__(self, X):
        return X[:, 0]


@needs_density
def test_density_curation_moves_the_mean():
    # Keeping the top half of N(m, s^2) by x_0 keeps the upper half-normal: the
    # mean of x_0 moves up by 2 phi(0) s = 0.798 s and its variance shrinks by
    # 1 - 2 / pi = 0.363 (ddof=1 makes the refit variance unbiased). Each
    # generation's standardised steps are tested over 3 fits x 8 generations,
    # within 3 standard errors of their empirical spread.
    steps, ratios = [], []
    for seed in range(3):
        X = np.random.default_rng(seed).standard_normal((2000, 2))
        est = RecursiveDensityRetrainer(
            GaussianDensity(),
            n_generations=8,
            verifier=_FirstCoordinate(),
            keep_fraction=0.5,
            random_state=seed,
        ).fit(X)
        means = np.array([e.mean_ for e in est.estimators_])
        variances = np.array([e.covariance_[0, 0] for e in est.estimators_])
        steps += list(np.diff(means[:, 0]) / np.sqrt(variances[:-1]))
        ratios += list(variances[1:] / variances[:-1])
        assert np.all(est.trajectory_["n_rejected"][1:] == 1000)
        assert np.all(np.diff(means[:, 0]) > 0)
    steps, ratios = np.array(steps), np.array(ratios)
    assert_mc_agrees(steps, 2 * norm.pdf(0))
    assert_mc_agrees(ratios, 1 - 2 / np.pi)


@needs_density
def test_density_keep_fraction_one_reproduces_unverified_loop():
    X = np.random.default_rng(0).standard_normal((300, 2))
    common = dict(n_generations=4, random_state=0)
    plain = RecursiveDensityRetrainer(GaussianDensity(), **common).fit(X)
    verified = RecursiveDensityRetrainer(
        GaussianDensity(), verifier=_FirstCoordinate(), keep_fraction=1.0, **common
    ).fit(X)
    _assert_same_trajectory(verified.trajectory_, plain.trajectory_)
    for a, b in zip(verified.estimators_, plain.estimators_):
        np.testing.assert_array_equal(a.mean_, b.mean_)
        np.testing.assert_array_equal(a.covariance_, b.covariance_)


@needs_density
def test_density_verifier_without_score_samples():
    X = np.random.default_rng(0).standard_normal((50, 2))
    est = RecursiveDensityRetrainer(
        GaussianDensity(), n_generations=1, verifier=Ridge(), threshold=0.0
    )
    with pytest.raises(ValueError, match="score_samples"):
        est.fit(X)


# ---------------------------------------------------------------------------
# Bad input and selection rules
# ---------------------------------------------------------------------------
def test_verifier_without_needed_methods():
    X, y = make_gaussian_mixture(60, 2, SEPARATION, random_state=0)
    est = RecursiveRetrainer(LogisticRegression(), verifier=object(), threshold=0.5)
    with pytest.raises(InvalidParameterError, match="'fit' and 'predict_proba'"):
        est.fit(X, y)
    # an estimator must score labels: a classifier verifier needs predict_proba
    est.set_params(verifier=LinearSVC())
    with pytest.raises(ValueError, match="predict_proba"):
        est.fit(X, y)


@pytest.mark.parametrize("keep_fraction", [0, 0.0, -0.5, 1.5])
def test_keep_fraction_outside_unit_interval(keep_fraction):
    X, y = make_gaussian_mixture(60, 2, SEPARATION, random_state=0)
    est = RecursiveRetrainer(
        LogisticRegression(),
        verifier=OracleVerifier(LabelLookup(X, y)),
        keep_fraction=keep_fraction,
    )
    with pytest.raises(InvalidParameterError, match="keep_fraction"):
        est.fit(X, y)


@pytest.mark.parametrize("store_estimators", [True, False])
def test_threshold_rejecting_everything_keeps_previous_model(store_estimators):
    X, y = make_gaussian_mixture(80, 2, SEPARATION, random_state=0)
    est = RecursiveRetrainer(
        LogisticRegression(),
        n_generations=3,
        verifier=OracleVerifier(LabelLookup(X, y)),
        threshold=2.0,  # above the best score, 1
        store_estimators=store_estimators,
        random_state=0,
    )
    with pytest.warns(CollapseWarning, match="rejected every synthetic sample"):
        est.fit(X, y)
    t = est.trajectory_
    np.testing.assert_array_equal(t["n_rejected"], [0, 80, 80, 80])
    np.testing.assert_array_equal(t["acceptance_rate"][1:], 0.0)
    np.testing.assert_array_equal(t["n_train"][1:], 0)
    np.testing.assert_array_equal(t["score_real"], t["score_real"][0])
    # the model kept is generation 0's, with its training set's provenance
    plain = RecursiveRetrainer(LogisticRegression(), n_generations=0).fit(X, y)
    np.testing.assert_array_equal(est.predict(X), plain.predict(X))
    np.testing.assert_array_equal(est.sample_generation_, np.zeros(80))
    if store_estimators:
        assert all(e is est.estimators_[0] for e in est.estimators_)
    else:
        assert est.estimators_[:-1] == [None] * 3


def test_verifier_returning_wrong_number_of_scores():
    X, y = make_gaussian_mixture(60, 2, SEPARATION, random_state=0)
    est = RecursiveRetrainer(
        LogisticRegression(), verifier=_dropping_scorer, threshold=0.5
    )
    with pytest.raises(ValueError, match="returned 59 scores for 60"):
        est.fit(X, y)


def _dropping_scorer(X, y):
    return np.ones(len(y) - 1)


def test_n_candidates_keeps_the_best_scored_candidate():
    X, y = make_gaussian_mixture(40, 2, SEPARATION, random_state=0)
    target = X @ [1.0, 2.0]
    scorer = _RecordingScorer()
    est = RecursiveRetrainer(
        _RecordingRidge(),
        n_generations=1,
        label_noise=3.0,
        verifier=scorer,
        n_candidates=4,
        random_state=0,
    ).fit(X, target)
    (candidates,) = scorer.seen
    candidates = candidates.reshape(40, 4)  # the candidates of a slot are consecutive
    best = candidates[np.arange(40), np.argmax(-np.abs(candidates), axis=1)]
    np.testing.assert_array_equal(est.estimators_[1].y_fit_, best)
    assert est.trajectory_["n_rejected"][1] == 0
    # best of 4 labels closest to 0 are closer to 0 than a typical label
    assert np.mean(np.abs(best)) < np.mean(np.abs(candidates))


def test_selection_needs_a_verifier_and_a_verifier_needs_a_rule():
    X, y = make_gaussian_mixture(40, 2, SEPARATION, random_state=0)
    with pytest.raises(ValueError, match="verifier=None"):
        RecursiveRetrainer(LogisticRegression(), keep_fraction=0.5).fit(X, y)
    with pytest.raises(ValueError, match="selection rule"):
        RecursiveRetrainer(
            LogisticRegression(), verifier=OracleVerifier(LabelLookup(X, y))
        ).fit(X, y)


# ---------------------------------------------------------------------------
# Cloning and pickling a retrainer holding a ready verifier
# ---------------------------------------------------------------------------
def _ready_verifiers(X, y):
    truth = LabelLookup(X, y)
    return [
        (OracleVerifier(truth), 0.5),
        (NoisyVerifier(truth, 0.9, 0.2, random_state=0), 0.5),
        (LinearVerifier(_mean_direction(X.shape[1])), 0.0),
    ]


@pytest.mark.parametrize("index", range(3))
def test_clone_and_pickle_with_ready_verifier(index):
    X, y = make_gaussian_mixture(120, 2, SEPARATION, random_state=0)
    verifier, threshold = _ready_verifiers(X, y)[index]
    est = RecursiveRetrainer(
        LogisticRegression(solver="newton-cholesky"),
        n_generations=3,
        verifier=verifier,
        threshold=threshold,
        random_state=0,
    )
    unfitted = pickle.loads(pickle.dumps(est))
    est.fit(X, y)
    # a refit, a clone and an unpickled copy all give the same trajectory
    for other in (clone(est).fit(X, y), unfitted.fit(X, y), est.fit(X, y)):
        for key, values in est.trajectory_.items():
            np.testing.assert_array_equal(other.trajectory_[key], values, err_msg=key)
    assert np.all(est.trajectory_["n_rejected"][1:] > 0)
    restored = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(restored.predict(X), est.predict(X))
    # the verifier's parameters are nested parameters of the retrainer
    params = est.get_params(deep=True)
    assert params["verifier"] is verifier
    assert any(key.startswith("verifier__") for key in params)


def test_verifier_parameters_can_be_set_through_the_retrainer():
    X, y = make_gaussian_mixture(120, 2, SEPARATION, random_state=0)
    est = RecursiveRetrainer(
        LogisticRegression(),
        verifier=NoisyVerifier(LabelLookup(X, y), 1.0, 1.0, random_state=0),
        threshold=0.5,
        n_generations=2,
        random_state=0,
    )
    est.set_params(verifier__keep_correct=0.0, verifier__keep_wrong=0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CollapseWarning)
        est.fit(X, y)
    np.testing.assert_array_equal(est.trajectory_["acceptance_rate"][1:], 0.0)
