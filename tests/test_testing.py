"""Tests of the Monte Carlo acceptance rule (skcollapse.utils._testing)."""

import numpy as np
import pytest
from scipy.stats import norm

from skcollapse.utils._testing import assert_mc_agrees, mc_threshold


def test_threshold_per_value_and_family_wise():
    assert mc_threshold(3.0) == 3.0
    assert mc_threshold(3.0, "bonferroni", n_compared=1) == 3.0
    alpha = 2 * norm.sf(3.0)  # 0.27%
    for m in (2, 10, 100):
        z = mc_threshold(3.0, "bonferroni", n_compared=m)
        # m values, each at alpha / m: the family keeps the level alpha
        assert 2 * norm.sf(z) == pytest.approx(alpha / m)
    assert mc_threshold(2.0, "bonferroni", 5) > mc_threshold(2.0)
    with pytest.raises(ValueError, match="family_wise"):
        mc_threshold(3.0, True)
    with pytest.raises(ValueError, match="n_se"):
        mc_threshold(0.0)


def test_the_rule_is_mean_within_n_se_standard_errors():
    samples = np.array([[0.0, 1.0], [2.0, 3.0], [4.0, 5.0], [6.0, 7.0]])
    mean, se = assert_mc_agrees(samples, [3.0, 4.0])
    np.testing.assert_allclose(mean, [3.0, 4.0])
    np.testing.assert_allclose(se, samples.std(axis=0, ddof=1) / 2)
    # se = 1.29: a closed form 2.99 se away passes, 3.01 se away fails
    first = samples[:, 0]
    assert_mc_agrees(first, 3.0 - 2.99 * se[0])
    with pytest.raises(AssertionError, match="beyond 3 standard errors"):
        assert_mc_agrees(first, 3.0 - 3.01 * se[0])
    with pytest.raises(AssertionError):  # one value out of two is enough
        assert_mc_agrees(samples, [3.0, 4.0 + 3.01 * se[1]])
    # along another axis, and with a deterministic slack
    assert_mc_agrees(samples.T, [3.0, 4.0], axis=1)
    assert_mc_agrees(first, 3.0 + 3 * se[0] + 0.3, atol=0.31)
    with pytest.raises(AssertionError):
        assert_mc_agrees(first, 3.0 + 3 * se[0] + 0.3, atol=0.29)
    assert_mc_agrees(first, 3.3 + 3 * se[0], rtol=0.1)  # 0.1 * |3.3| > 0.3


def test_family_wise_option_holds_many_values_to_one_level():
    # 50 true nulls: one of them beyond 3 SE is no evidence against the
    # closed form (a seed chosen to show it: its worst value is 3.57 SE off)
    samples = np.random.default_rng(1).standard_normal((400, 50))
    expected = np.zeros(50)
    z = samples.mean(axis=0) / (samples.std(axis=0, ddof=1) / 20)
    assert 3 < np.max(np.abs(z)) < mc_threshold(3.0, "bonferroni", 50)  # 4.04
    with pytest.raises(AssertionError):
        assert_mc_agrees(samples, expected)
    assert_mc_agrees(samples, expected, family_wise="bonferroni")


def test_known_standard_errors_and_nan():
    frequencies = np.array([0.51, 0.0])
    p = np.array([0.5, 0.0])
    se = np.sqrt(p * (1 - p) / 10_000)
    assert_mc_agrees(frequencies, p, standard_error=se)  # exact zero passes
    with pytest.raises(AssertionError):
        assert_mc_agrees([0.53, 0.0], p, standard_error=se)
    with pytest.raises(AssertionError), np.errstate(all="ignore"):
        with pytest.warns(RuntimeWarning):  # one draw: no standard error
            assert_mc_agrees([[1.0]], 1.0)
    with pytest.raises(AssertionError):
        assert_mc_agrees([np.nan, 1.0], 1.0)
