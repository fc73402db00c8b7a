"""The trajectory metrics (skcollapse._metrics): definitions and range."""

import warnings

import numpy as np
import pytest
from sklearn.linear_model import Ridge
from sklearn.metrics import r2_score

from skcollapse import RecursiveRetrainer
from skcollapse._metrics import column_rms, norm, r2, rms, total_variance

rng = np.random.default_rng(0)
Y = rng.normal(size=(31, 2)) @ [[1.0, 0.5], [0.0, 2.0]]
P = Y + rng.normal(scale=0.7, size=Y.shape)


@pytest.mark.parametrize("scale", [1.0, 1e-300, 1e-160, 1e160, 1e300])
def test_sums_of_squares_neither_overflow_nor_underflow(scale):
    x = rng.normal(size=57)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow warning either
        assert rms(x * scale) == pytest.approx(scale * np.sqrt(np.mean(x**2)))
        assert norm(x * scale) == pytest.approx(scale * np.linalg.norm(x))
        np.testing.assert_allclose(
            column_rms(Y * scale), scale * np.sqrt(np.mean(Y**2, axis=0))
        )


@pytest.mark.parametrize("scale", [1.0, 1e-300, 1e300])
def test_r2_is_scale_free(scale):
    expected = r2_score(Y, P)
    assert r2(Y * scale, P * scale) == pytest.approx(expected)
    y, p = Y[:, 0], P[:, 0]
    with np.errstate(over="ignore", under="ignore"):  # inf or 0
        total = np.array([np.sum((y - y.mean()) ** 2)]) * np.float64(scale) ** 2
    assert r2(y * scale, p * scale, total) == pytest.approx(r2_score(y, p))


def test_r2_of_a_constant_target():
    y = np.full(5, 3.0)
    assert r2(y, y.copy(), np.array([0.0])) == 1.0
    assert r2(y, y + 1, np.array([0.0])) == 0.0


@pytest.mark.parametrize("scale", [1.0, 1e-150, 1e150])
def test_total_variance_is_the_trace_of_the_covariance(scale):
    X = rng.normal(size=(40, 3)) * [1.0, 2.0, 0.5]
    weight = rng.uniform(0.5, 2, size=40)
    for w in (None, weight):
        expected = np.trace(np.cov(X, rowvar=False, aweights=w, ddof=1))
        assert total_variance(X * scale, w) == pytest.approx(expected * scale**2)


def test_a_huge_target_is_not_called_a_collapse():
    """fit(X, y * 1e300) used to report NaN scores and end "degenerate"."""
    X = rng.normal(size=(50, 3))
    y = X @ [1.0, 2.0, 3.0] + rng.normal(size=50)
    kw = dict(n_generations=3, random_state=0)
    plain = RecursiveRetrainer(Ridge(alpha=1e-8), **kw).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        huge = RecursiveRetrainer(Ridge(alpha=1e-8), **kw).fit(X, y * 1e300)
    assert huge.termination_condition_ == "max_generations"
    for key in ("score_real", "drift", "prediction_std", "label_noise_scale"):
        scale = 1.0 if key == "score_real" else 1e300
        np.testing.assert_allclose(
            huge.trajectory_[key], plain.trajectory_[key] * scale, rtol=1e-6
        )


def test_total_variance_with_huge_weights():
    X = rng.normal(size=(30, 2))
    weight = rng.uniform(0.5, 2, size=30)
    expected = total_variance(X, weight)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert total_variance(X, weight * 1e300) == pytest.approx(expected)


def test_metrics_of_tiny_values_under_the_callers_errstate_raise():
    # Squares below the smallest float are 0, not an error, whatever the
    # caller's floating-point state (a loop measuring labels of scale 1e-170
    # crashed on the underflow of its label error's square).
    from skcollapse import _metrics

    tiny = 1e-170 * np.array([0.3, -1.2, 0.7, 2.1, -0.4])
    with np.errstate(all="raise"):
        assert _metrics.label_error(tiny, np.zeros(5), False) == 0.0
        assert _metrics.total_variance(tiny.reshape(-1, 1), None) == 0.0
        # entries far below a huge largest one are 0 in the scaled sum
        assert _metrics.rms(np.array([1e200, 1e-200, 0.0])) == pytest.approx(
            1e200 / np.sqrt(3), rel=1e-12
        )
    # the same numbers outside: the squares underflow to 0 there too
    assert _metrics.label_error(tiny, np.zeros(5), False) == 0.0
