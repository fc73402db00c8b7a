"""``mad-sampling-bias`` (the fresh-data loop) and ``shumailov-gaussian`` (the
MLE variant beside the unbiased estimate).

Small runs fast: the closed forms each condition is checked against, the
claims that separate the conditions, the validation; the quick-scale
mismatches, failing only the checks they aim at, slow.
"""

import numpy as np
import pytest

from skcollapse.experiments import mad_sampling_bias, shumailov_gaussian
from skcollapse.theory import gaussian_refit

# ----------------------------------------------------------------------------
# mad-sampling-bias: the fresh-data loop
# ----------------------------------------------------------------------------
SMALL_MAD = dict(
    temperatures=(0.8, 1.0),
    fresh=[(1.0, 9), (0.8, 9), (0.8, 3)],
    n_features=2,
    n_samples=23,
    n_synthetic=19,
    n_repeats=240,
    n_generations=7,
)


def _rows(result, condition, quantity):
    table = result.table
    chosen = (table["condition"] == condition) & (table["quantity"] == quantity)
    return {k: table[k][chosen] for k in ("generation", "mean", "theory")}


def _failed(result):
    return [check.name for check in result.checks if not check.passed]


@pytest.fixture(scope="module")
def small_mad():
    return mad_sampling_bias(random_state=3, **SMALL_MAD)


def test_fresh_conditions_are_checked_against_the_fresh_closed_form(small_mad):
    """The theory column of each fresh condition is gaussian_refit with n_r
    fresh rows and n_s synthetic ones (awkward sizes: 9/23 of 23 rows)."""
    for lam, n_r in SMALL_MAD["fresh"]:
        expected = gaussian_refit(
            7,
            n_real=23,
            n_synthetic=19,
            n_features=2,
            variance=2.0,
            temperature=lam,
            real_fraction=n_r / 23,
            real_sampling="fresh",
        )
        condition = f"fresh n_r={n_r}, lambda={lam:g}"
        for quantity, key in (
            ("trace", "total_variance"),
            ("mean_error", "mean_error"),
        ):
            rows = _rows(small_mad, condition, quantity)
            np.testing.assert_array_equal(rows["generation"], np.arange(8))
            np.testing.assert_allclose(rows["theory"], expected[key], rtol=1e-12)
    # the fully synthetic theory is another one: tr Sigma_t = lambda^t tr Sigma
    rows = _rows(small_mad, "lambda=0.8", "trace")
    np.testing.assert_allclose(rows["theory"], 2.0 * 0.8 ** np.arange(8))


def test_small_run_passes_every_check_and_names_its_claims(small_mad):
    """Monte Carlo means against the closed forms within the family-wise z
    (240 repeats, fixed seed), and the claims that separate the loops."""
    assert _failed(small_mad) == []
    claims = [c for c in small_mad.checks if c.kind == "at_least"]
    assert [c.name for c in claims] == [
        "error below synthetic, n_r=9, lambda=1",
        "error below synthetic, n_r=9, lambda=0.8",
        "trace above synthetic, n_r=9, lambda=0.8",
        "trace lost, g=7 vs 0, n_r=9, lambda=0.8",
        "error below synthetic, n_r=3, lambda=0.8",
        "trace above synthetic, n_r=3, lambda=0.8",
        "trace lost, g=7 vs 0, n_r=3, lambda=0.8",
        "trace below n_r=9, n_r=3, lambda=0.8",
    ]
    z = small_mad.checks[0].z
    assert all(c.low == pytest.approx(z) and c.standard_error == 0 for c in claims)
    # fully synthetic: the trace of 2 lambdas at 3 generations; fresh: the
    # trace and the mean error of 3 conditions at 3 generations
    means = [c for c in small_mad.checks if c.kind == "mean"]
    assert len(means) == 2 * 3 + 3 * 2 * 3
    assert small_mad.params["fresh"] == ((1.0, 9), (0.8, 9), (0.8, 3))


def test_fresh_loop_settles_at_a_fixed_point_the_fully_synthetic_does_not():
    """The closed forms the experiment checks against: with fresh rows the
    trace converges to a positive limit below tr Sigma for lambda < 1 (lower
    with fewer fresh rows), the mean error to a finite limit; fully
    synthetic, the trace goes to 0 (lambda < 1) and the error grows."""
    kw = dict(n_real=50, n_synthetic=50, n_features=2, variance=2.0)
    fresh = {
        n_r: gaussian_refit(
            400, temperature=0.8, real_fraction=n_r / 50, real_sampling="fresh", **kw
        )
        for n_r in (5, 25)
    }
    synthetic = gaussian_refit(400, temperature=0.8, **kw)
    for moments in fresh.values():
        trace = moments["total_variance"]
        assert trace[-1] == pytest.approx(trace[-50], rel=1e-9)  # a fixed point
        assert 0.2 < trace[-1] < 2.0
    assert fresh[5]["total_variance"][-1] < fresh[25]["total_variance"][-1]
    assert synthetic["total_variance"][-1] < 1e-30
    unbiased = gaussian_refit(400, **kw)
    assert unbiased["mean_error"][-1] == pytest.approx(0.04 * 401)
    limit = gaussian_refit(400, real_fraction=0.5, real_sampling="fresh", **kw)
    assert limit["mean_error"][-1] < 0.05


def test_paired_claims_can_fail():
    """Too few fresh rows against too few synthetic ones: the fresh loop's
    mean error is above the fully synthetic one's; almost no sampling bias
    and only fresh rows: the trace is not lost. Both named claims fail."""
    worse = mad_sampling_bias(
        temperatures=(1.0,),
        fresh=[(1.0, 1)],
        n_features=1,
        n_samples=20,
        n_synthetic=2,
        n_repeats=60,
        n_generations=4,
    )
    assert "error below synthetic, n_r=1, lambda=1" in _failed(worse)
    kept = mad_sampling_bias(
        temperatures=(0.99,),
        fresh=[(0.99, 20)],
        n_features=1,
        n_samples=20,
        n_synthetic=3,
        n_repeats=60,
        n_generations=3,
    )
    assert "trace lost, g=3 vs 0, n_r=20, lambda=0.99" in _failed(kept)


def test_theory_fresh_rows_fails_the_fresh_checks_only():
    result = mad_sampling_bias(random_state=3, theory_fresh_rows=4, **SMALL_MAD)
    failed = _failed(result)
    assert failed
    assert all("fresh" in name for name in failed), failed
    assert any(name.startswith("mean error, fresh n_r=9") for name in failed)
    assert result.params["theory_fresh_rows"] == 4


def test_mad_fully_synthetic_only_when_fresh_is_empty():
    result = mad_sampling_bias(
        temperatures=(0.8,), fresh=(), n_samples=11, n_repeats=20, n_generations=3
    )
    assert set(result.table["condition"]) == {"lambda=0.8"}
    assert [c.kind for c in result.checks] == ["mean"] * 3
    pytest.importorskip("matplotlib")
    import matplotlib.pyplot as plt

    ax = result.plot()  # one panel when there is no fresh condition
    assert len(ax.figure.axes) == 1
    plt.close(ax.figure)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"fresh": [(0.8, 0)]}, "'fresh' parameter holds \\(0.8, 0\\)"),
        ({"fresh": [(0.8, 51)]}, "n_samples=50"),
        ({"fresh": [(0.8, 2.5)]}, "an int in"),
        ({"fresh": [(0.8, True)]}, "an int in"),
        ({"fresh": [(-1.0, 5)]}, "'fresh' parameter holds -1.0"),
        ({"fresh": [0.8]}, "each entry must be a pair"),
        ({"temperatures": (0.8, 0)}, "'temperatures' parameter holds 0"),
        ({"theory_fresh_rows": 51}, "theory_fresh_rows=51 is above n_samples=50"),
        ({"n_synthetic": 1}, "'n_synthetic' parameter"),
    ],
)
def test_mad_parameters_are_validated(kwargs, match):
    with pytest.raises(ValueError, match=match):
        mad_sampling_bias(**kwargs)


# ----------------------------------------------------------------------------
# shumailov-gaussian: the MLE variant
# ----------------------------------------------------------------------------
NO_MIXTURE = dict(mixture_samples=6, mixture_repeats=2, mixture_generations=1)


def _gaussian_checks(result):
    return [c for c in result.checks if c.name.startswith(("std", "mean_", "wass"))]


@pytest.fixture(scope="module")
def small_shumailov():
    return shumailov_gaussian(
        n_samples=13, n_repeats=300, n_generations=11, random_state=1, **NO_MIXTURE
    )


def test_both_estimates_are_conditions_with_their_own_closed_forms(small_shumailov):
    for ddof in (1, 0):
        expected = gaussian_refit(11, n_real=13, ddof=ddof)
        for quantity in ("std", "mean_error", "wasserstein2"):
            rows = _rows(small_shumailov, f"M=13, ddof={ddof}", quantity)
            np.testing.assert_allclose(rows["theory"], expected[quantity], rtol=1e-12)
    # the MLE: E sigma_g^2 = ((M-1)/M)^(g+1), so its E sigma_g is below
    g = np.arange(12)
    mle = gaussian_refit(11, n_real=13, ddof=0)
    np.testing.assert_allclose(mle["total_variance"], (12 / 13) ** (g + 1))
    assert np.all(mle["std"] < gaussian_refit(11, n_real=13)["std"])


def test_small_run_passes_the_gaussian_checks_and_the_mle_claims(small_shumailov):
    checks = _gaussian_checks(small_shumailov)
    # two estimates x three quantities x three generations (1, 5, 11: G // 10
    # is 1), and the two claims
    assert len(checks) == 2 * 3 * 3 + 2
    assert [c.name for c in checks[-2:]] == [
        "std, ddof=0 below ddof=1 theory, g=11",
        "std, ddof=1 above ddof=0 theory, g=11",
    ]
    assert all(c.passed for c in checks), [c.name for c in checks if not c.passed]


def test_the_two_chains_share_their_draws_log_std_gap_exact(small_shumailov):
    """The same seeds: the MLE chain is the unbiased one scaled by
    sqrt((M-1)/M) at every fit, in every repeat (what the docstring says)."""
    rows = _rows(small_shumailov, "M=13, ddof=1 - ddof=0", "log_std_gap")
    g = np.arange(12)
    np.testing.assert_allclose(rows["theory"], (g + 1) / 2 * np.log(13 / 12))
    np.testing.assert_allclose(rows["mean"], rows["theory"], rtol=1e-9)


def test_mle_claims_fail_when_the_estimates_barely_differ():
    """M = 401 and two generations: (400/401)^3 is within noise of 1."""
    result = shumailov_gaussian(
        n_samples=401, n_repeats=40, n_generations=2, random_state=0, **NO_MIXTURE
    )
    failed = _failed(result)
    assert "std, ddof=0 below ddof=1 theory, g=2" in failed
    assert "std, ddof=1 above ddof=0 theory, g=2" in failed


@pytest.mark.parametrize("theory_ddof, wrong", [(1, "ddof=0"), (0, "ddof=1")])
def test_theory_ddof_fails_the_other_estimate_only(theory_ddof, wrong):
    result = shumailov_gaussian(
        n_samples=13,
        n_repeats=300,
        n_generations=11,
        random_state=1,
        theory_ddof=theory_ddof,
        **NO_MIXTURE,
    )
    checks = [c for c in _gaussian_checks(result) if c.kind == "mean"]
    failed = [c.name for c in checks if not c.passed]
    assert failed and all(f", {wrong}," in name for name in failed), failed
    assert any(name.startswith("std,") for name in failed)


def test_one_estimate_has_no_mle_claims():
    result = shumailov_gaussian(
        n_samples=9, n_repeats=20, n_generations=3, ddofs=[0], **NO_MIXTURE
    )
    names = [c.name for c in _gaussian_checks(result)]
    assert len(names) == 3 * 3 and all("ddof=0" in name for name in names)
    assert not np.any(result.table["quantity"] == "log_std_gap")


@pytest.mark.parametrize("ddofs", [[2], [1, 1], [], [True], ["1"]])
def test_ddofs_are_validated(ddofs):
    with pytest.raises(ValueError, match="'ddofs' parameter"):
        shumailov_gaussian(ddofs=ddofs)


# ----------------------------------------------------------------------------
# quick scale (slow)
# ----------------------------------------------------------------------------
@pytest.mark.slow
def test_mad_quick_theory_fresh_rows_fails_only_fresh_checks():
    good = mad_sampling_bias(scale="quick", random_state=0, n_jobs=2)
    assert good.passed, _failed(good)
    claims = [c for c in good.checks if c.kind == "at_least"]
    assert len(claims) == 8
    bad = mad_sampling_bias(
        scale="quick", random_state=0, n_jobs=2, theory_fresh_rows=12
    )
    failed = _failed(bad)
    assert failed and all("fresh" in name for name in failed), failed
    # every fresh condition's mean error fails at the last generation
    for short in ("n_r=25, lambda=1", "n_r=25, lambda=0.8", "n_r=5, lambda=0.8"):
        assert f"mean error, fresh {short}, g=20" in failed


@pytest.mark.slow
def test_shumailov_quick_theory_ddof_fails_only_the_mle_checks():
    result = shumailov_gaussian(scale="quick", random_state=0, n_jobs=2, theory_ddof=1)
    failed = _failed(result)
    assert failed and all("ddof=0, g=" in name for name in failed), failed
    assert "std, M=20, ddof=0, g=60" in failed
