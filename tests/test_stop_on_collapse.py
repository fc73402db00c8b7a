"""``stop_on_collapse``: the loop runs until absorption, ``n_generations`` is the cap.

The stopping generation of a :class:`~skcollapse.generative.CategoricalDensity`
chain with ``collapse_threshold=0`` is the absorption time of Seddik et al.:
its Monte Carlo mean is checked against the exact expectation of the
multinomial (Wright-Fisher) chain, computed here from its transition matrix,
and against the bounds of :func:`skcollapse.theory.categorical_collapse_bounds`.
"""

import itertools

import numpy as np
import pytest
from scipy import stats
from sklearn.dummy import DummyRegressor
from sklearn.linear_model import Ridge

from skcollapse import RecursiveDensityRetrainer, RecursiveRetrainer
from skcollapse.generative import CategoricalDensity, GaussianDensity
from skcollapse.theory import categorical_collapse_bounds
from skcollapse.utils._testing import assert_mc_agrees

TOKENS = np.array([[0], [1], [2], [0], [1], [0], [0]])  # 7 tokens, 3 kinds


def categorical(**params):
    params = {
        "n_generations": 500,
        "stop_on_collapse": True,
        "collapse_threshold": 0.0,
        "random_state": 0,
        **params,
    }
    return RecursiveDensityRetrainer(CategoricalDensity(), **params)


def test_a_categorical_chain_stops_at_its_first_dirac_mass():
    est = categorical(metrics="all").fit(TOKENS)
    support = est.trajectory_["support_size"]
    assert est.termination_condition_ == "collapsed"
    assert est.n_generations_ == est.collapse_generation_ == len(support) - 1
    assert est.n_generations_ > 1
    # the recorded last generation is the first with one token left
    assert support[-1] == 1 and np.all(support[:-1] > 1)
    assert est.trajectory_["entropy"][-1] == 0.0
    assert len(est.estimators_) == est.n_generations_ + 1
    np.testing.assert_array_equal(np.sort(est.estimator_.probabilities_)[-1], 1.0)
    # the last training set is the synthetic data of that generation
    assert np.all(est.sample_generation_ == est.n_generations_)


def test_stopping_changes_nothing_before_the_stop_and_a_collapsed_chain_goes_on():
    stopped = categorical().fit(TOKENS)
    g = stopped.n_generations_
    with np.errstate(all="raise"):  # a Dirac mass raises no warning either
        full = categorical(stop_on_collapse=False, n_generations=g + 20).fit(TOKENS)
    assert full.termination_condition_ == "max_generations"
    assert full.collapse_generation_ == g
    for key, values in stopped.trajectory_.items():
        np.testing.assert_array_equal(values, full.trajectory_[key][: g + 1])
    # absorbed: one token left, forever
    np.testing.assert_array_equal(full.trajectory_["support_size"][g:], 1)


def test_n_generations_is_the_cap():
    est = categorical(n_generations=2).fit(TOKENS)
    assert est.termination_condition_ == "max_generations"
    assert est.n_generations_ == 2 and est.collapse_generation_ is None


def test_a_threshold_stops_at_the_first_generation_at_or_below_it():
    X = np.random.default_rng(1).standard_normal((23, 2))
    est = RecursiveDensityRetrainer(
        GaussianDensity(),
        n_generations=200,
        temperature=0.7,  # E tr Sigma_g = 0.7^g tr Sigma_0
        collapse_threshold=0.3,
        stop_on_collapse=True,
        random_state=2,
    ).fit(X)
    variance = est.trajectory_["total_variance"]
    assert est.termination_condition_ == "collapsed"
    assert variance[-1] <= 0.3 * variance[0]
    assert np.all(variance[1:-1] > 0.3 * variance[0])
    assert est.collapse_generation_ == est.n_generations_ < 200


def test_a_supervised_loop_stops_too():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((29, 3))
    y = X @ [1.0, 2.0, -1.0]
    est = RecursiveRetrainer(
        Ridge(alpha=30.0),  # shrinks its predictions every generation
        n_generations=100,
        label_noise=0.0,
        collapse_threshold=0.25,
        stop_on_collapse=True,
        random_state=0,
    ).fit(X, y)
    std = est.trajectory_["prediction_std"]
    assert est.termination_condition_ == "collapsed"
    assert std[-1] <= 0.25 * std[0] and np.all(std[1:-1] > 0.25 * std[0])
    unstopped = est.set_params(stop_on_collapse=False).fit(X, y)
    assert unstopped.n_generations_ == 100
    assert unstopped.collapse_generation_ == len(std) - 1


def test_real_data_without_diversity_is_collapsed_at_generation_0():
    X = np.random.default_rng(0).standard_normal((11, 2))
    y = np.full(11, 3.0)
    est = RecursiveRetrainer(
        DummyRegressor(), n_generations=5, stop_on_collapse=True, random_state=0
    ).fit(X, y)
    assert est.trajectory_["prediction_std"][0] == 0.0
    assert est.termination_condition_ == "collapsed"
    assert est.n_generations_ == 0 == est.collapse_generation_
    assert est.predict(X[:2]).tolist() == [3.0, 3.0]
    # without stopping the loop runs on, and says when the collapse was
    est.set_params(stop_on_collapse=False).fit(X, y)
    assert est.n_generations_ == 5 and est.collapse_generation_ == 0
    # one token for a categorical model: the same
    one = categorical().fit(np.zeros((5, 1), dtype=int))
    assert one.n_generations_ == 0 and one.termination_condition_ == "collapsed"


def test_stop_on_collapse_is_a_boolean():
    from skcollapse._compat import InvalidParameterError

    with pytest.raises(InvalidParameterError, match="'stop_on_collapse' parameter"):
        categorical(stop_on_collapse=1).fit(TOKENS)


# --------------------------------------------------------------------------
# Seddik et al.'s absorption time
# --------------------------------------------------------------------------
def exact_absorption_time(p, n):
    """E[tau] of the fully synthetic categorical chain, from its transitions.

    Generation 0 is the empirical distribution of ``n`` tokens drawn from
    ``p``, each later one that of ``n`` tokens drawn from the previous; tau is
    the first generation that is a Dirac mass (0 if generation 0 is one).
    States are the count vectors; ``E[tau | c] = 1 + sum_c' P(c, c') E[tau |
    c']`` on the transient states.
    """
    k = len(p)
    states = [c for c in itertools.product(range(n + 1), repeat=k) if sum(c) == n]
    absorbing = np.array([max(c) == n for c in states])
    transition = np.array(
        [[stats.multinomial.pmf(d, n, np.array(c) / n) for d in states] for c in states]
    )
    transient = ~absorbing
    q = transition[np.ix_(transient, transient)]
    time = np.zeros(len(states))
    time[transient] = np.linalg.solve(np.eye(q.shape[0]) - q, np.ones(q.shape[0]))
    start = np.array([stats.multinomial.pmf(c, n, p) for c in states])
    return float(start @ time)


@pytest.mark.slow
def test_the_mean_stopping_generation_is_seddiks_absorption_time():
    p, n, n_repeats = np.array([0.5, 0.3, 0.2]), 7, 500
    expected = exact_absorption_time(p, n)
    bounds = categorical_collapse_bounds(0, p, n_real=n)
    # the theory's bounds hold for the exact value (a check of both)
    assert bounds["absorption_time_lower"] <= expected
    assert expected <= bounds["absorption_time_upper"]
    rng = np.random.default_rng(11)
    times = []
    for repeat in range(n_repeats):
        X = rng.choice(len(p), size=(n, 1), p=p)  # each repeat's real tokens
        est = categorical(
            n_generations=10_000, metrics=["entropy"], random_state=repeat
        ).fit(X)
        assert est.termination_condition_ == "collapsed"
        times.append(est.n_generations_)
    assert_mc_agrees(np.array(times, dtype=float), expected)
