"""The "mixture tails lost" part of ``shumailov-gaussian``.

Its building blocks (the exact masses of a fitted mixture, the quiet EM, the
lost indicators) fast; the whole experiment's mixture checks failing when the
losses are claimed for the accumulating run, slow.
"""

import warnings

import numpy as np
import pytest
from scipy.stats import norm
from sklearn.exceptions import ConvergenceWarning
from sklearn.mixture import GaussianMixture

from skcollapse import RecursiveDensityRetrainer
from skcollapse.datasets import GaussianMixtureSource
from skcollapse.experiments import shumailov_gaussian
from skcollapse.experiments._gaussian import (
    LOSS_INCREASE,
    MIXTURE_MEANS,
    MIXTURE_STDS,
    MIXTURE_WEIGHTS,
    _below,
    _far_mode_mass,
    _MixtureEM,
    _window_mass,
)
from skcollapse.utils._testing import assert_mc_agrees

MIXTURE_CHECKS = ("tails lost", "far mode lost", "tails kept", "far mode kept")


def _fitted_mixture(random_state=3):
    source = GaussianMixtureSource(
        MIXTURE_WEIGHTS, MIXTURE_MEANS, np.asarray(MIXTURE_STDS) ** 2
    )
    X = source.sample(37, random_state=random_state)
    return GaussianMixture(2, covariance_type="spherical", random_state=0).fit(X)


def test_window_mass_is_the_probability_of_the_fitted_model_monte_carlo():
    model = _fitted_mixture()
    low, high = -0.37, 3.3
    draws, _ = model.sample(40_001)
    inside = ((draws[:, 0] >= low) & (draws[:, 0] <= high)).astype(float)
    assert_mc_agrees(inside, _window_mass(model, low, high))


def test_window_mass_of_full_covariances_equals_the_normal_cdfs():
    model = GaussianMixture(2, covariance_type="full", random_state=0)
    model.fit(_fitted_mixture().sample(53)[0])
    mu, sigma = model.means_[:, 0], np.sqrt(model.covariances_.reshape(-1))
    expected = np.sum(
        model.weights_ * (norm.cdf(2.5, mu, sigma) - norm.cdf(-1, mu, sigma))
    )
    assert _window_mass(model, -1.0, 2.5) == pytest.approx(expected, rel=1e-12)
    assert _window_mass(model, -np.inf, np.inf) == pytest.approx(1.0)


def test_far_mode_mass_has_one_value_per_generation_and_starts_near_the_truth():
    source = GaussianMixtureSource(
        MIXTURE_WEIGHTS, MIXTURE_MEANS, np.asarray(MIXTURE_STDS) ** 2
    )
    X = source.sample(2_001, random_state=0)
    est = RecursiveDensityRetrainer(
        _MixtureEM(2, covariance_type="spherical", random_state=0),
        n_generations=3,
        metrics=[],
        random_state=0,
    ).fit(X)
    far = _far_mode_mass(est)["far_mode_mass"]
    assert len(far) == 4
    # 2001 real rows: generation 0's far mode close to the truth's 0.1 * 0.954
    assert far[0] == pytest.approx(0.1 * (norm.cdf(2) - norm.cdf(-2)), abs=0.03)


def test_quiet_em_silences_only_its_convergence_warning():
    X = _fitted_mixture().sample(41)[0]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        GaussianMixture(2, max_iter=1, random_state=0).fit(X)
    assert any(issubclass(w.category, ConvergenceWarning) for w in caught)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        quiet = _MixtureEM(2, max_iter=1, random_state=0).fit(X)
        warnings.warn("still shown", UserWarning, stacklevel=1)
    assert [w.category for w in caught] == [UserWarning]
    loud = GaussianMixture(2, max_iter=1, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        loud.fit(X)
    np.testing.assert_array_equal(quiet.means_, loud.means_)
    # outside its fit, the filters are as they were
    assert not any(
        f[0] == "ignore" and f[2] is ConvergenceWarning for f in warnings.filters
    )


def test_below_keeps_missing_generations_missing():
    values = np.array([[0.0, 0.02, np.nan], [0.011, 0.009, np.inf]])
    np.testing.assert_array_equal(
        _below(values, 0.01), [[1.0, 0.0, np.nan], [0.0, 1.0, 0.0]]
    )


def _mixture_checks(result):
    return [c for c in result.checks if c.name.startswith(MIXTURE_CHECKS)]


def test_small_run_records_the_mixture_table_and_four_paired_checks():
    result = shumailov_gaussian(
        n_samples=9,
        n_repeats=5,
        n_generations=3,
        mixture_samples=13,
        mixture_repeats=7,
        mixture_generations=3,
    )
    checks = _mixture_checks(result)
    assert [c.name for c in checks] == [
        "tails lost, replace, g=3 vs 0",
        "far mode lost, replace, g=3 vs 0",
        "tails kept, accumulate, g=3 vs 0",
        "far mode kept, accumulate, g=3 vs 0",
    ]
    assert [c.kind for c in checks] == ["at_least"] * 2 + ["at_most"] * 2
    assert all(c.low == LOSS_INCREASE or c.high == LOSS_INCREASE for c in checks)
    table = result.table
    for condition in ("mixture, replace", "mixture, accumulate"):
        for quantity in ("tail_mass", "tails_lost", "far_mode_lost"):
            rows = (table["condition"] == condition) & (table["quantity"] == quantity)
            np.testing.assert_array_equal(table["generation"][rows], [0, 1, 2, 3])
            if quantity != "tail_mass":
                # shares of 7 repeats
                shares = table["mean"][rows] * 7
                np.testing.assert_allclose(shares, np.round(shares), atol=1e-9)
    assert result.params["mixture_repeats"] == 7
    assert result.params["mixture_generations"] == {"replace": 3, "accumulate": 3}


def test_mixture_parameters_are_validated():
    with pytest.raises(ValueError, match="'theory_mixture_data' parameter"):
        shumailov_gaussian(theory_mixture_data="fresh")
    with pytest.raises(ValueError, match="'mixture_samples' parameter"):
        shumailov_gaussian(mixture_samples=3)


@pytest.mark.slow
def test_mixture_checks_fail_when_the_losses_are_claimed_under_accumulate():
    kept = shumailov_gaussian(scale="quick", random_state=0, n_jobs=2)
    assert all(c.passed for c in _mixture_checks(kept))
    swapped = shumailov_gaussian(
        scale="quick", random_state=0, n_jobs=2, theory_mixture_data="accumulate"
    )
    assert not swapped.passed
    # the Gaussian checks are the same run: only the mixture claims fail
    gaussian = [c for c in swapped.checks if c not in _mixture_checks(swapped)]
    assert all(c.passed for c in gaussian)
    assert not all(c.passed for c in _mixture_checks(swapped))
