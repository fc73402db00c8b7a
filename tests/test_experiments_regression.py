"""The building blocks of ``demystified-regression`` (issue 13, item 7): the
ridge final fits measured on the chain, the every-generation ridge recursion,
and the settings under which each new check must fail."""

# Authors: The skcollapse developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
import pytest
from sklearn.linear_model import LinearRegression, Ridge

from skcollapse import RecursiveRetrainer
from skcollapse._random import keyed_rng
from skcollapse.datasets import LinearSource
from skcollapse.experiments import demystified_regression
from skcollapse.experiments._regression import (
    GaussianInputs,
    _final_ridge_error,
    _FinalRidge,
    _ridge_chain_error,
    _unit_vector,
)
from skcollapse.model_selection import collapse_curve
from skcollapse.theory import linear_regression_error, optimal_ridge_penalty


def _chain(d=7, n_rows=23, n_generations=4, random_state=5):
    coef = _unit_vector(d, 3)
    X, y = LinearSource(coef).sample(n_rows, random_state=11)
    chain = RecursiveRetrainer(
        LinearRegression(fit_intercept=False),
        n_generations=n_generations,
        inputs=GaussianInputs(d),
        label_noise=1.0,
        random_state=random_state,
    ).fit(X, y)
    return coef, chain


def test_final_ridge_is_scikit_learn_ridge_on_the_chain_labels():
    """Generation n's value is Ridge(alpha=T lam_n, fit_intercept=False) on
    fresh rows labelled by the chain's n-th model (the truth at n = 0), the
    rows drawn from the keyed generator of the seed and the repeat."""
    coef, chain = _chain()
    n_rows, noise = 13, 0.7
    penalties = {"a": [0.3, 0.05, 1.7, 0.2, 2.5], "b": np.full(5, 0.11)}
    measured = _FinalRidge(9, coef, n_rows, noise, penalties)(chain)
    assert set(measured) == {"final_a", "final_b"}
    rng = keyed_rng(9, chain.random_state)
    labelling = [coef] + [model.coef_ for model in chain.estimators_[:-1]]
    assert len(labelling) == 5
    for g, w in enumerate(labelling):
        X = rng.standard_normal((n_rows, coef.size))
        y = X @ w + noise * rng.standard_normal(n_rows)
        for key, lams in penalties.items():
            ridge = Ridge(alpha=n_rows * lams[g], fit_intercept=False).fit(X, y)
            expected = np.sum((ridge.coef_ - coef) ** 2)
            np.testing.assert_allclose(measured[f"final_{key}"][g], expected, rtol=1e-9)


def test_final_ridge_is_reproducible_and_independent_across_repeats():
    coef, chain = _chain(random_state=5)
    measure = _FinalRidge(0, coef, 17, 1.0, {"a": np.full(5, 0.2)})
    first = measure(chain)["final_a"]
    np.testing.assert_array_equal(first, measure(chain)["final_a"])
    # the same chain with another repeat seed: other final rows
    _, other = _chain(random_state=6)
    other_values = _FinalRidge(0, coef, 17, 1.0, {"a": np.full(5, 0.2)})(other)
    assert not np.allclose(first[0], other_values["final_a"][0])
    # another experiment seed: other rows too
    assert not np.allclose(
        first[0],
        _FinalRidge(1, coef, 17, 1.0, {"a": np.full(5, 0.2)})(chain)["final_a"][0],
    )


@pytest.mark.slow
def test_final_ridge_agrees_with_the_papers_ridge_formula():
    """Monte Carlo of the measure over collapse_curve repeats against
    linear_regression_error(ridge=lam, synthetic_ridge=0): Dohmatob et al.'s
    OLS chain with a ridge final fit (awkward sizes, two penalties)."""
    d, T0, T, G = 5, 29, 11, 3  # T0 - d large: a chain error not heavy-tailed
    coef = _unit_vector(d, 0)
    chain = RecursiveRetrainer(
        LinearRegression(fit_intercept=False),
        n_generations=G,
        inputs=GaussianInputs(d),
        label_noise=1.0,
    )
    lams = {"small": np.full(G + 1, 0.07), "large": np.full(G + 1, 0.9)}
    result = collapse_curve(
        chain,
        source=LinearSource(coef),
        n_samples=T0,
        n_repeats=400,
        random_state=2,
        measure=_FinalRidge(4, coef, T, 1.0, lams),
    )
    z = 3.4  # Bonferroni over the 8 values
    for key, lam in lams.items():
        theory = linear_regression_error(
            G,
            n_features=d,
            n_real=T,
            n_synthetic=T0,
            design="fresh",
            ridge=lam[0],
            synthetic_ridge=0.0,
        )
        values = result[f"final_{key}"]
        mean = values.mean(axis=0)
        se = values.std(axis=0, ddof=1) / np.sqrt(values.shape[0])
        assert np.all(np.abs(mean - theory) <= z * se), (key, mean, theory, se)


def test_ridge_chain_error_is_the_every_generation_formula():
    """A constant penalty gives linear_regression_error(ridge=alpha/T) with a
    ridge in every generation (synthetic_ridge=None)."""
    d, T, G = 9, 31, 6
    alpha = 4.3
    expected = linear_regression_error(
        G, n_features=d, n_real=T, design="fresh", ridge=alpha / T
    )
    got = _ridge_chain_error(np.full(G + 1, alpha), np.full(G + 1, T), d)
    np.testing.assert_allclose(got, expected, rtol=1e-10)
    # no penalty, enough rows: the OLS chain, d/(T-d-1) per generation
    ols = _ridge_chain_error(np.zeros(G + 1), np.full(G + 1, T), d)
    np.testing.assert_allclose(ols, (np.arange(G + 1) + 1) * d / (T - d - 1))


def test_ridge_chain_error_gives_the_numbers_of_adaptive_regularization_notes():
    """d=50, T=T0=200: AdaptiveRegularization's rule in every generation is
    worse than the fixed generation-0 optimum (lam=0.25) at generations 1-4,
    better from 5 on, 1.01 against 1.32 at generation 10."""
    d, T, G = 50, 200, 10
    rule = T * (d / T + np.arange(G + 1) * d / (T - d - 1))  # alpha_g, known noise
    adaptive = _ridge_chain_error(rule, np.full(G + 1, T), d)
    lam0 = optimal_ridge_penalty(0, n_features=d, n_real=T)[0]
    fixed = _ridge_chain_error(np.full(G + 1, T * lam0), np.full(G + 1, T), d)
    assert round(lam0, 2) == 0.25
    assert np.all(adaptive[1:5] > fixed[1:5])
    assert np.all(adaptive[5:] < fixed[5:])
    assert (round(adaptive[10], 2), round(fixed[10], 2)) == (1.01, 1.32)


def test_final_ridge_error_is_the_optimum_risk():
    """At the exact lam*(g), the per-generation closed form is the risk that
    optimal_ridge_penalty returns (the table's adaptive theory)."""
    lam, error = optimal_ridge_penalty(
        4, n_features=8, n_real=21, n_synthetic=33, return_error=True
    )
    np.testing.assert_allclose(_final_ridge_error(lam, 8, 21, 33), error, rtol=1e-6)


def _failed(result):
    return [check.name for check in result.checks if not check.passed]


@pytest.mark.slow
@pytest.mark.parametrize(
    "settings, failing",
    [
        # the every-generation-ridge formula for the paper's OLS chain
        ({"theory_synthetic_ridge": 0.1}, ("risk, ridge final fit",)),
        # the closed forms of the adaptive and fixed penalties, another T0
        (
            {"theory_n_synthetic": 25},
            ("risk, adaptive final fit", "risk, fixed final fit", "risk, every"),
        ),
        # three generations: the rule over-penalises the first generations
        # of a ridge loop, so AdaptiveRegularization ends above the fixed one
        ({"n_generations": 3}, ("(fixed - adaptive)/s.e., every generation",)),
    ],
)
def test_each_new_check_fails_under_its_mismatch(settings, failing):
    result = demystified_regression(
        scale="quick", random_state=0, n_jobs=2, n_repeats=60, **settings
    )
    failed = _failed(result)
    assert failed, settings
    assert all(name.startswith(failing) for name in failed), failed
    for prefix in failing:
        assert any(name.startswith(prefix) for name in failed), (prefix, failed)


@pytest.mark.slow
def test_final_fit_claim_fails_against_the_penalty_of_the_last_generation():
    """A fixed penalty chosen for the last generation (lam*(G)) is as good as
    the adaptive one there: "adaptive below fixed" must fail, alone."""
    G = 8  # the quick scale's: the every-generation claim holds there
    lam = optimal_ridge_penalty(G, n_features=10, n_real=25, n_synthetic=40)
    result = demystified_regression(
        scale="quick", random_state=0, n_jobs=2, fixed_penalty=float(lam[-1])
    )
    assert _failed(result) == [f"(fixed - adaptive)/s.e., final fit, g={G}"]


def test_bad_sizes_are_refused_with_the_parameter_named():
    with pytest.raises(ValueError, match="n_samples must be >= n_features \\+ 2"):
        demystified_regression(n_features=10, n_samples=11)
