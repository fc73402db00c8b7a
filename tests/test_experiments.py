"""The experiments of skcollapse.experiments and ``python -m skcollapse reproduce``.

Every experiment runs at quick scale and passes its checks (slow tier); for
each, one run with the closed forms computed for another setting must fail a
check, so no experiment has checks that cannot fail.
"""

import ast
import json
import math
from pathlib import Path

import numpy as np
import pytest

from skcollapse.__main__ import main
from skcollapse.experiments import EXPERIMENTS, Check, ExperimentResult, run
from skcollapse.experiments._base import Table, family_z, mean_and_se


# --------------------------------------------------------------------------
# checks
# --------------------------------------------------------------------------
def test_mean_check_passes_within_z_standard_errors_only():
    assert Check("a", "mean", 1.29, 0.1, expected=1.0, z=3.0).passed
    assert not Check("a", "mean", 1.31, 0.1, expected=1.0, z=3.0).passed
    assert not Check("a", "mean", 1.0 + 1e-9, 0.0, expected=1.0).passed


def test_bounds_and_one_sided_checks():
    assert Check("b", "bounds", 0.5, 0.0, low=0.2, high=0.6).passed
    assert not Check("b", "bounds", 0.7, 0.01, low=0.2, high=0.6, z=3).passed
    assert Check("b", "bounds", 0.62, 0.01, low=0.2, high=0.6, z=3).passed
    assert Check("c", "at_most", 1.02, 0.01, high=1.0, z=3).passed
    assert not Check("c", "at_most", 1.04, 0.01, high=1.0, z=3).passed
    assert not Check("d", "at_least", -0.04, 0.01, low=0.0, z=3).passed


def test_a_nan_simulation_fails_and_a_bad_kind_is_refused():
    assert not Check("e", "mean", math.nan, 0.1, expected=0.0).passed
    with pytest.raises(ValueError, match="kind='median'"):
        Check("e", "median", 1.0, 0.1)


def test_family_z_is_bonferroni_over_the_checks():
    assert family_z(1) == pytest.approx(3.0, abs=1e-3)
    assert family_z(20) > family_z(10) > family_z(1)


def test_mean_and_se_ignore_nan():
    mean, se = mean_and_se(np.array([[1.0, np.nan], [3.0, 4.0], [5.0, np.nan]]))
    np.testing.assert_allclose(mean, [3.0, 4.0])
    assert se[0] == pytest.approx(2.0 / np.sqrt(3))


# --------------------------------------------------------------------------
# results and files
# --------------------------------------------------------------------------
def _result(passed=True):
    table = Table()
    table.add(
        "replace", [0, 1, 2], "error", [1.0, 2.0, 3.0], [0.1, 0.1, 0.1], [1.0, 2.0, 3.0]
    )
    check = Check("error, g=2", "mean", 3.0 if passed else 4.0, 0.1, expected=3.0)
    return ExperimentResult(
        "gerstgrasser-accumulate", table.to_dict(), [check], {"n": 3}, "quick", 0, 0.5
    )


def test_result_files_hold_the_table_and_the_checks(tmp_path):
    result = _result()
    paths = result.save(tmp_path)
    assert [p.rsplit(".", 1)[1] for p in paths] == ["png", "csv", "json"]
    lines = (tmp_path / "gerstgrasser-accumulate.csv").read_text().splitlines()
    assert lines[0] == "condition,generation,quantity,mean,standard_error,theory"
    assert lines[2] == "replace,1,error,2.0,0.1,2.0"
    saved = json.loads((tmp_path / "gerstgrasser-accumulate.json").read_text())
    assert saved["passed"] is True and saved["params"] == {"n": 3}
    assert saved["checks"][0]["expected"] == 3.0
    assert saved["versions"]["numpy"] == np.__version__
    frame = result.to_frame()
    assert frame.shape == (3, 6) and list(frame["mean"]) == [1.0, 2.0, 3.0]


def test_run_refuses_unknown_names_and_scales():
    with pytest.raises(ValueError, match="'name' parameter of run must be a str"):
        run("nope")
    with pytest.raises(ValueError, match="'scale' parameter of run must be"):
        run("shumailov-gaussian", scale="huge")
    with pytest.raises(ValueError, match="'n_repeats' parameter of .* Got 1"):
        run("shumailov-gaussian", n_repeats=1)


# --------------------------------------------------------------------------
# command line
# --------------------------------------------------------------------------
def test_list_names_every_experiment(capsys):
    assert main(["reproduce", "--list"]) == 0
    out = capsys.readouterr().out
    for name, entry in EXPERIMENTS.items():
        assert name in out and entry.claim in out


@pytest.mark.parametrize(
    "argv, message",
    [
        (["reproduce"], "give experiment names"),
        (["reproduce", "nope"], "unknown experiment"),
        (["reproduce", "all", "--scale", "huge"], "invalid choice: 'huge'"),
        (["reproduce", "all", "--n-jobs", "0"], "non-zero"),
        (["reproduce", "all", "--random-state", "-1"], "must be an int"),
    ],
)
def test_bad_arguments_exit_2_with_a_message(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_version(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.startswith("skcollapse ")


@pytest.mark.parametrize("passed, status", [(True, 0), (False, 1)])
def test_exit_status_says_whether_every_check_passed(
    passed, status, tmp_path, capsys, monkeypatch
):
    from skcollapse.experiments import _base

    entry = EXPERIMENTS["gerstgrasser-accumulate"]
    fake = _base.Experiment(
        entry.name, lambda **_: _result(passed), entry.paper, entry.claim, entry.seconds
    )
    monkeypatch.setitem(EXPERIMENTS, entry.name, fake)
    argv = ["reproduce", entry.name, "--out", str(tmp_path)]
    assert main(argv) == status
    out = capsys.readouterr().out
    assert ("pass" if passed else "FAIL") in out
    assert (tmp_path / f"{entry.name}.json").exists()


@pytest.mark.parametrize("seconds, verbose", [(59, 0), (60, 1), (900, 1)])
def test_long_runs_report_their_progress(seconds, verbose, tmp_path, monkeypatch):
    from skcollapse.experiments import _base

    seen = []

    def function(**_):
        seen.append(_base._VERBOSE.get())
        return _result()

    entry = EXPERIMENTS["gerstgrasser-accumulate"]
    fake = _base.Experiment(
        entry.name, function, entry.paper, entry.claim, {"quick": seconds}
    )
    monkeypatch.setitem(EXPERIMENTS, entry.name, fake)
    assert main(["reproduce", entry.name, "--out", str(tmp_path)]) == 0
    assert seen == [verbose]
    assert _base._VERBOSE.get() == 0  # reset after the run


def test_progress_reaches_the_collapse_curve_calls(capsys):
    from skcollapse import RecursiveDensityRetrainer
    from skcollapse.datasets import GaussianSource
    from skcollapse.experiments._base import Recorder, progress
    from skcollapse.generative import GaussianDensity

    estimator = RecursiveDensityRetrainer(GaussianDensity(), n_generations=2)
    recorder = Recorder("shumailov-gaussian", "quick", 0, None, 3)
    recorder.curves(estimator, GaussianSource([0.0], [[1.0]]), 7)
    assert "[collapse_curve]" not in capsys.readouterr().out
    with progress():
        recorder.curves(estimator, GaussianSource([0.0], [[1.0]]), 7)
    assert "[collapse_curve] 3/3 repeats done" in capsys.readouterr().out


# --------------------------------------------------------------------------
# every experiment at quick scale, and a check that must fail
# --------------------------------------------------------------------------
# For each experiment: settings under which the closed forms describe another
# setting than the one simulated (a check must then fail), with few repeats.
MISMATCHED = {
    "seddik-fully-synthetic": {"theory_n_tokens": 60, "n_repeats": 60},
    "seddik-partially-synthetic": {
        "theory_n_synthetic": 1,
        "n_synthetic": (500,),
        "n_repeats": 60,
    },
    "seddik-language-model": {"theory_unigram_tokens": 25, "n_repeats": 3},
    "shumailov-gaussian": {"theory_n_samples": 5, "n_repeats": 60},
    "mad-sampling-bias": {"theory_temperature": 0.5, "n_repeats": 60},
    "gerstgrasser-accumulate": {"theory_data": "replace", "n_repeats": 100},
    "demystified-regression": {"theory_n_samples": 20, "n_repeats": 60},
    "strong-collapse": {"theory_shift": 0.2, "n_repeats": 40},
    "feng-verification": {"theory_separation": 1.5, "n_repeats": 6},
    "feng-eigenvalues": {"n_candidates": 1, "n_repeats": 3, "n_generations": 2},
    "tale-of-tails": {"theory_exponent": 2.3, "n_repeats": 10, "words": False},
    "golden-ratio-fresh-data": {"theory_n_real": 30, "n_repeats": 20},
}


def test_every_experiment_has_a_mismatch_setting():
    assert set(MISMATCHED) == set(EXPERIMENTS)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(EXPERIMENTS))
def test_experiment_passes_at_quick_scale(name, tmp_path):
    result = run(name, scale="quick", random_state=0, n_jobs=2)
    failed = [check.name for check in result.checks if not check.passed]
    assert not failed, failed
    assert len(result.checks) >= 3
    result.save(tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(MISMATCHED))
def test_experiment_fails_against_the_theory_of_another_setting(name):
    result = run(name, scale="quick", random_state=0, n_jobs=2, **MISMATCHED[name])
    assert not result.passed


# --------------------------------------------------------------------------
# the gallery: one page per experiment, calling its function
# --------------------------------------------------------------------------
GALLERY = Path(__file__).parent.parent / "examples" / "reproduce"


@pytest.mark.parametrize("name", sorted(EXPERIMENTS))
def test_every_experiment_has_a_gallery_page_that_runs_and_asserts_it(name):
    """examples/reproduce/plot_<function>.py calls the experiment's function at
    quick scale and asserts, at module level, that every check passed (the
    docs build runs it: a failing check fails the build)."""
    function = EXPERIMENTS[name].function.__name__
    script = GALLERY / f"plot_{function}.py"
    assert script.exists(), f"no gallery page {script.name} for {name}"
    tree = ast.parse(script.read_text())
    calls = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == function
    ]
    assert calls, f"{script.name} does not call {function}"
    scales = {
        kw.value.value for call in calls for kw in call.keywords if kw.arg == "scale"
    }
    assert scales == {"quick"}, scales
    asserted = [
        ast.unparse(node.test) for node in tree.body if isinstance(node, ast.Assert)
    ]
    assert "result.passed" in asserted, asserted
    assert ast.get_docstring(tree).splitlines()[1].startswith("===")
