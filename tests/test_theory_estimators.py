"""skcollapse.theory against Monte Carlo runs of the public estimators.

Each closed form the meta-estimators can express is checked generation by
generation: the mean over independent fits (fixed seeds) must lie within 3
standard errors of the theory (PAPERS.md's acceptance rule, applied by
:func:`skcollapse.utils._testing.assert_mc_agrees`), plus the stated slack
where the formula is an approximation. Every repeat draws its own real data,
as the expectations of the theory are over the real data too.

Covered here: OLS in the fixed design, replace and accumulate (Gerstgrasser
et al.); ridge and OLS on fresh Gaussian inputs (Dohmatob, Feng & Kempe;
replace and accumulate), ridge in the fixed design, the over-parameterised
min-norm chain, a ridge fit on an OLS chain; the categorical collision of the
fully and partially synthetic loops (Seddik et al., Theorems 1 and 2); the
Gaussian refit with maximum-likelihood variance and sampling bias (Shumailov
et al., Alemohammad et al.); and the memoriser's error on Zipf data with tail
cutting and narrowing (A Tale of Tails). The unbiased Gaussian refit is in
``test_density.py``.
"""

import functools

import numpy as np
import pytest
from conftest import gaussian_inputs, linear_data
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LinearRegression, Ridge

from skcollapse import RecursiveDensityRetrainer, RecursiveRetrainer
from skcollapse.datasets import make_zipf
from skcollapse.generative import CategoricalDensity, GaussianDensity
from skcollapse.theory import (
    categorical_collision,
    gaussian_refit,
    linear_regression_error,
    zipf_error,
)
from skcollapse.utils._testing import assert_mc_agrees

pytestmark = pytest.mark.slow


# ----------------------------------------------------------------------
# Linear regression: one setting, simulated and predicted
# ----------------------------------------------------------------------
def _linear_errors(
    estimator, n_repeats, n_real, n_features, noise, coef_norm, seed=12345
):
    """||w_g - w0||^2 of every generation (the excess risk for Sigma = I).

    The real data of every repeat (:func:`conftest.linear_data`) come from
    one stream seeded by ``seed``.
    """
    rng = np.random.default_rng(seed)
    errors = []
    for r in range(n_repeats):
        X, y, coef = linear_data(n_real, n_features, noise, coef_norm, random_state=rng)
        est = estimator.set_params(random_state=r).fit(X, y)
        errors.append([np.sum((e.coef_ - coef) ** 2) for e in est.estimators_])
    return np.array(errors)


def _retrained_and_predicted(
    design,
    n,
    d,
    T,
    n_repeats,
    *,
    T0=None,
    noise=1.0,
    synthetic_noise=None,
    ridge=0.0,
    coef_norm=1.0,
    data="replace",
    seed=12345,
):
    """Excess risks of ``RecursiveRetrainer`` runs, and their theory.

    The base is ``Ridge(alpha=T * ridge)`` (``LinearRegression``: OLS or
    min-norm, for ``ridge=0``), refitted ``n`` times on ``T0`` rows (None:
    ``T``) labelled by the previous generation plus ``N(0,
    synthetic_noise^2)`` (None: ``noise``), the real inputs again
    (``design="fixed"``) or fresh Gaussian ones (``"fresh"``). Returns the
    risks of ``n_repeats`` runs (:func:`_linear_errors` with ``seed``) and
    :func:`~skcollapse.theory.linear_regression_error` of the same setting.
    """
    if ridge:
        base = Ridge(alpha=T * ridge, fit_intercept=False)
    else:
        base = LinearRegression(fit_intercept=False)  # min-norm when rows < d
    if design == "fixed":
        inputs = "reuse"
    else:
        inputs = functools.partial(gaussian_inputs, n_features=d)
    est = RecursiveRetrainer(
        base,
        n_generations=n,
        data=data,
        synthetic_size=1.0 if T0 is None else T0,
        inputs=inputs,
        label_noise=noise if synthetic_noise is None else synthetic_noise,
    )
    errors = _linear_errors(est, n_repeats, T, d, noise, coef_norm, seed)
    expected = linear_regression_error(
        n,
        n_features=d,
        n_real=T,
        n_synthetic=T0,
        noise=noise,
        synthetic_noise=synthetic_noise,
        data=data,
        design=design,
        ridge=ridge,
        coef_norm=coef_norm,
    )
    return errors, expected


# ----------------------------------------------------------------------
# Linear regression, fixed design, OLS (Gerstgrasser et al.)
# ----------------------------------------------------------------------
@pytest.mark.parametrize("data", ["replace", "accumulate"])
def test_fixed_design_ols_matches_gerstgrasser(data):
    n_generations, n_real, n_features, noise = 8, 60, 10, 1.5
    # (the OLS errors w_g - w0 do not depend on w0, here of norm 1)
    errors, expected = _retrained_and_predicted(
        "fixed",
        n_generations,
        n_features,
        n_real,
        1000,
        noise=noise,
        data=data,
        seed=2024,
    )
    mean, se = assert_mc_agrees(errors, expected)
    # The test can tell the two regimes apart: at the last generation the
    # other regime's prediction is many standard errors away.
    other = "accumulate" if data == "replace" else "replace"
    other_expected = linear_regression_error(
        n_generations,
        n_features=n_features,
        n_real=n_real,
        noise=noise,
        data=other,
    )
    assert np.abs(mean[-1] - other_expected[-1]) > 10 * se[-1]


# ----------------------------------------------------------------------
# Linear regression, fresh design (Dohmatob, Feng & Kempe)
# ----------------------------------------------------------------------
@pytest.mark.parametrize("data", ["replace", "accumulate"])
def test_fresh_design_ridge(data):
    """RecursiveRetrainer(Ridge(alpha=T lambda), inputs=Gaussian) vs the theory.

    Replace needs sigma0 = sigma (the theory puts the real noise in the
    evaluated fit, the loop in the first one; for a ridge chain the order
    matters); accumulate adds every batch's noise exactly, in any order.
    """
    d, T, lam, n, n_repeats, coef_norm = 20, 40, 0.3, 6, 250, 1.5
    noise, synthetic_noise = (1.0, 1.0) if data == "replace" else (1.0, 0.5)
    errors, expected = _retrained_and_predicted(
        "fresh",
        n,
        d,
        T,
        n_repeats,
        noise=noise,
        synthetic_noise=synthetic_noise,
        ridge=lam,
        coef_norm=coef_norm,
        data=data,
    )
    mean, se = assert_mc_agrees(errors, expected)
    # the test tells the ridge risk from the OLS risk
    ols = linear_regression_error(
        n, n_features=d, n_real=T, noise=noise, data=data, design="fresh"
    )
    assert np.all(np.abs(ols[1:] - mean[1:]) > 10 * se[1:])


@pytest.mark.parametrize("data", ["replace", "accumulate"])
def test_fresh_design_ols(data):
    """OLS on fresh inputs: sigma^2 d/(T-d-1) + g sigma0^2 d/(T0-d-1) (replace).

    Real and synthetic sizes and noise differ: for OLS every fit's noise
    adds up independently of the order, so the loop and the theory agree.
    """
    d, T, T0, noise, synthetic_noise, n, n_repeats = 10, 30, 45, 1.5, 0.8, 6, 300
    errors, expected = _retrained_and_predicted(
        "fresh",
        n,
        d,
        T,
        n_repeats,
        T0=T0,
        noise=noise,
        synthetic_noise=synthetic_noise,
        data=data,
    )
    if data == "replace":
        g = np.arange(n + 1)
        np.testing.assert_allclose(
            expected,
            noise**2 * d / (T - d - 1) + g * synthetic_noise**2 * d / (T0 - d - 1),
        )
    assert_mc_agrees(errors, expected)


@pytest.mark.parametrize("n_real", [20, 60])
def test_overparameterised_min_norm_chain(n_real):
    """Noise-free min-norm fits on T0 < d rows: ||w0||^2 (1 - (T0/d)^g).

    With ``n_real >= d`` real rows generation 0 recovers w0 and generation g
    is g min-norm projections (the paper's formula); with ``n_real = T0``
    generation 0 is one more projection: ``1 - (T0/d)^(g+1)``.
    """
    d, T0, n, n_repeats, coef_norm = 40, 20, 5, 200, 2.0
    errors, expected = _retrained_and_predicted(
        "fresh", n, d, n_real, n_repeats, T0=T0, noise=0.0, coef_norm=coef_norm
    )
    g = np.arange(n + 1) + (n_real < d)
    np.testing.assert_allclose(expected, coef_norm**2 * (1 - (T0 / d) ** g))
    # atol: with n_real >= d, generation 0 recovers w0 exactly, up to rounding
    assert_mc_agrees(errors, expected, atol=1e-12)


def test_ridge_fit_on_an_ols_chain():
    """The paper's setting: OLS synthetic chain, ridge last fit (synthetic_ridge=0)."""
    d, T, lam, n, n_repeats = 15, 40, 0.8, 5, 300
    est = RecursiveRetrainer(
        Ridge(fit_intercept=False),
        n_generations=n,
        inputs=functools.partial(gaussian_inputs, n_features=d),
        label_noise=1.0,
        regularization={"alpha": lambda g, n_train: n_train * lam if g == n else 0.0},
    )
    errors = _linear_errors(est, n_repeats, T, d, 1.0, 1.0)
    chain = linear_regression_error(n - 1, n_features=d, n_real=T, design="fresh")
    final = linear_regression_error(
        n, n_features=d, n_real=T, design="fresh", ridge=lam, synthetic_ridge=0.0
    )
    expected = np.append(chain, final[-1])
    mean, se = assert_mc_agrees(errors, expected)
    # the ridge pays off: far below the OLS risk of generation n
    ols = linear_regression_error(n, n_features=d, n_real=T, design="fresh")
    assert mean[-1] < ols[-1] - 10 * se[-1]


# ----------------------------------------------------------------------
# Linear regression, fixed design with a ridge penalty (Gerstgrasser et al.)
# ----------------------------------------------------------------------
@pytest.mark.parametrize("data", ["replace", "accumulate"])
def test_fixed_design_ridge(data):
    d, T, lam, n, n_repeats = 10, 30, 0.2, 5, 300
    errors, expected = _retrained_and_predicted(
        "fixed", n, d, T, n_repeats, ridge=lam, data=data
    )
    assert_mc_agrees(errors, expected)


# ----------------------------------------------------------------------
# Categorical collision (Seddik et al.)
# ----------------------------------------------------------------------
def _collision(probabilities, n_repeats, n_generations, n_real, synthetic_size):
    """Collision sum_i p_i(g)^2 of a prior model refitted on sampled labels."""
    rng = np.random.default_rng(7)
    categories = len(probabilities)
    collision = np.empty((n_repeats, n_generations + 1))
    for r in range(n_repeats):
        y = rng.choice(categories, size=n_real, p=probabilities)
        X = np.zeros((n_real, 1))
        est = RecursiveRetrainer(
            DummyClassifier(strategy="prior"),
            n_generations=n_generations,
            label_noise="sample",
            real_fraction=None if synthetic_size is None else 1.0,
            synthetic_size=1.0 if synthetic_size is None else synthetic_size,
            random_state=r,
        ).fit(X, y)
        collision[r] = [np.sum(p[0] ** 2) for p in est.staged_predict_proba(X[:1])]
    return collision


PROBABILITIES = np.arange(1, 6) ** -1.2 / np.sum(np.arange(1, 6) ** -1.2)


def test_fully_synthetic_collision_matches_seddik_theorem_1():
    n, n_generations = 20, 10
    collision = _collision(PROBABILITIES, 1500, n_generations, n, None)
    expected = categorical_collision(n_generations, PROBABILITIES, n_real=n)
    assert_mc_agrees(collision, expected)
    # and it rises towards a Dirac mass, as the theorem says
    assert expected[-1] > expected[0] + 0.2


def test_partially_synthetic_collision_matches_seddik_theorem_2():
    n_real, n_synthetic, n_generations = 20, 10, 10
    collision = _collision(PROBABILITIES, 1500, n_generations, n_real, n_synthetic)
    expected = categorical_collision(
        n_generations,
        PROBABILITIES,
        n_real=n_real,
        n_synthetic=n_synthetic,
        real_fraction=1.0,
    )
    assert_mc_agrees(collision, expected)
    fully = categorical_collision(n_generations, PROBABILITIES, n_real=n_real)
    assert expected[-1] < fully[-1]  # real data holds the collapse back


# ----------------------------------------------------------------------
# Gaussian refit (Shumailov et al.; Alemohammad et al.)
# ----------------------------------------------------------------------
def test_gaussian_refit_mle_with_sampling_bias():
    """ddof=0, M_r real and M synthetic samples, temperature lambda, in 1-D.

    A diagonal GaussianDensity is a product of independent 1-D Gaussians:
    each feature is one Monte Carlo run of the 1-D loop.
    """
    n_real, n_synthetic, temperature, n, sigma = 8, 5, 0.7, 5, 2.0
    n_features, n_fits = 50, 40
    means, stds = [], []
    for seed in range(n_fits):
        X = sigma * np.random.default_rng(seed).standard_normal((n_real, n_features))
        est = RecursiveDensityRetrainer(
            GaussianDensity(covariance_type="diag", ddof=0),
            n_generations=n,
            synthetic_size=n_synthetic,
            temperature=temperature,
            random_state=seed,
        ).fit(X)
        means.append([m.mean_ for m in est.estimators_])
        stds.append([np.sqrt(np.diag(m.covariance_)) for m in est.estimators_])
    # (n_runs, n + 1): one run per feature of every fit
    means = np.concatenate(np.array(means), axis=1).T
    stds = np.concatenate(np.array(stds), axis=1).T
    theory = gaussian_refit(
        n,
        n_real=n_real,
        n_synthetic=n_synthetic,
        variance=sigma**2,
        temperature=temperature,
        ddof=0,
    )
    # E sigma_g^2 = ((M_r-1)/M_r) (lambda (M-1)/M)^g sigma^2
    g = np.arange(n + 1)
    np.testing.assert_allclose(
        theory["total_variance"],
        (n_real - 1)
        / n_real
        * (temperature * (n_synthetic - 1) / n_synthetic) ** g
        * 4,
    )
    assert_mc_agrees(stds**2, theory["total_variance"])
    assert_mc_agrees(stds, theory["std"])
    assert_mc_agrees(means**2, theory["mean_error"])
    assert_mc_agrees((means - means[:, :1]) ** 2, theory["mean_shift"])
    assert_mc_agrees(means**2 + (stds - sigma) ** 2, theory["wasserstein2"])


# ----------------------------------------------------------------------
# Zipf data and the memoriser (A Tale of Tails)
# ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "generator", [{}, {"top_k": 30}, {"temperature": 0.7}], ids=str
)
def test_zipf_memoriser_error(generator):
    """Missing mass of the memoriser trained on T draws of a cut Zipf law.

    The generator is ``CategoricalDensity(top_k=k)`` (or ``temperature``)
    fitted on the Zipf probabilities of ``make_zipf``; the memoriser is a
    ``CategoricalDensity()`` fitted on T of its samples, refitted by
    ``RecursiveDensityRetrainer`` on its own samples. Its test error is the
    true probability of the tokens it never saw: ``sum_i p_i (1 - q_i)^T``
    at generation 0 (exact), a branching approximation later (within 1-2%,
    hence a 3% slack from generation 1 on).
    """
    n_categories, exponent, T, n, n_repeats = 5000, 2.0, 1000, 3, 200
    _, p = make_zipf(0, n_categories, exponent, return_probabilities=True)
    source = CategoricalDensity(**generator).fit(
        np.arange(n_categories)[:, None], sample_weight=p
    )
    missing = np.empty((n_repeats, n + 1))
    for r in range(n_repeats):
        X = source.sample(T, random_state=r)
        est = RecursiveDensityRetrainer(
            CategoricalDensity(), n_generations=n, random_state=r
        ).fit(X)
        for g, memoriser in enumerate(est.estimators_):
            seen = memoriser.categories_[memoriser.probabilities_ > 0]
            missing[r, g] = 1 - p[seen].sum()
    expected = zipf_error(
        n, n_train=T, exponent=exponent, n_categories=n_categories, **generator
    )
    assert_mc_agrees(missing[:, :1], expected[:1])
    mean, se = assert_mc_agrees(missing, expected, rtol=0.03)
    clean = zipf_error(0, n_train=T, exponent=exponent, n_categories=n_categories)
    if generator:  # a cut or narrowed tail is measurably worse than clean data
        assert mean[0] > clean[0] + 10 * se[0]
    assert np.all(np.diff(mean) > 0)  # and the tail is lost generation by generation
