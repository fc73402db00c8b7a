"""Progress of long runs: tqdm bars where they can be drawn, plain lines otherwise."""

import sys

import numpy as np
import pytest
from sklearn.base import BaseEstimator
from sklearn.datasets import make_regression
from sklearn.linear_model import Ridge

from skcollapse import (
    CollapseWarning,
    RecursiveDensityRetrainer,
    RecursiveRetrainer,
    _progress,
)
from skcollapse.generative import GaussianDensity
from skcollapse.model_selection import collapse_curve

# The stub stops some repeats early on purpose.
pytestmark = pytest.mark.filterwarnings("ignore::skcollapse.CollapseWarning")


@pytest.fixture(scope="module")
def regression_data():
    return make_regression(n_samples=40, n_features=3, noise=5.0, random_state=0)


@pytest.fixture
def terminal(monkeypatch):
    """As if the output were a terminal: bars are drawn (tqdm installed)."""
    pytest.importorskip("tqdm")
    monkeypatch.setattr(_progress, "_interactive", lambda: True)


class FakeBar:
    """Records what is done to a bar."""

    def __init__(self, total, desc, unit):
        self.total, self.desc, self.unit = total, desc, unit
        self.n, self.postfix, self.written, self.closed = 0, None, [], False

    def update(self, n):
        assert not self.closed, "update after close"
        self.n += n

    def set_postfix_str(self, text, refresh=True):
        self.postfix = text

    def write(self, text):
        self.written.append(text)

    def close(self):
        self.closed = True


@pytest.fixture
def fake_bars(monkeypatch):
    bars = []

    def make_bar(total, *, desc, unit):
        bars.append(FakeBar(total, desc, unit))
        return bars[-1]

    monkeypatch.setattr(_progress, "make_bar", make_bar)
    monkeypatch.setattr("skcollapse.model_selection.make_bar", make_bar)
    return bars


class Stub(BaseEstimator):
    """A fast meta-estimator; odd seeds stop early, ``fail`` raises."""

    def __init__(self, n_generations=3, fail=False, random_state=None):
        self.n_generations = n_generations
        self.fail = fail
        self.random_state = random_state

    def fit(self, X, y=None):
        if self.fail:
            raise RuntimeError("this repeat fails")
        stops = self.random_state % 2 == 1
        n = 1 if stops else self.n_generations
        self.trajectory_ = {"generation": np.arange(n + 1), "value": np.zeros(n + 1)}
        self.n_generations_ = n
        self.termination_condition_ = "degenerate" if stops else "max_generations"
        return self


# ----------------------------------------------------------------------
# Where a bar is drawn
# ----------------------------------------------------------------------
def test_bars_only_in_a_terminal_or_a_notebook(monkeypatch):
    class Stream:
        def __init__(self, tty):
            self.tty = tty

        def isatty(self):
            return self.tty

    monkeypatch.delitem(sys.modules, "ipykernel", raising=False)
    monkeypatch.setattr(sys, "stderr", Stream(False))
    assert not _progress._interactive()
    assert _progress.make_bar(3, desc="x", unit="y") is None
    monkeypatch.setattr(sys, "stderr", Stream(True))
    assert _progress._interactive()
    monkeypatch.setattr(sys, "stderr", Stream(False))
    monkeypatch.setitem(sys.modules, "ipykernel", object())
    assert _progress._interactive()
    monkeypatch.setattr(sys, "stderr", None)
    monkeypatch.delitem(sys.modules, "ipykernel")
    assert not _progress._interactive()


def test_without_tqdm_plain_lines(monkeypatch, regression_data, capsys):
    monkeypatch.setattr(_progress, "_interactive", lambda: True)
    monkeypatch.setitem(sys.modules, "tqdm", None)
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    assert _progress.make_bar(3, desc="x", unit="y") is None
    X, y = regression_data
    RecursiveRetrainer(Ridge(), n_generations=2, verbose=1, random_state=0).fit(X, y)
    collapse_curve(Stub(), np.zeros((3, 1)), n_repeats=4, random_state=0, verbose=1)
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert [line.split(" (")[0] for line in lines[:3]] == [
        f"[RecursiveRetrainer] generation {g}/2" for g in range(3)
    ]
    assert "score_real=" in lines[0]
    assert lines[-1].startswith("[collapse_curve] 4/4 repeats done (100%)")
    assert captured.err == ""


# ----------------------------------------------------------------------
# collapse_curve
# ----------------------------------------------------------------------
def test_collapse_curve_bar_counts_repeats(fake_bars, capsys):
    with pytest.warns(CollapseWarning, match="stopped before generation"):
        result = collapse_curve(
            Stub(), np.zeros((3, 1)), n_repeats=6, random_state=0, verbose=1
        )
    (bar,) = fake_bars
    assert (bar.total, bar.desc, bar.unit) == (6, "collapse_curve", "repeat")
    assert bar.n == 6 and bar.closed
    stopped = int(np.sum(result["termination_condition"] == "degenerate"))
    assert 0 < stopped < 6
    assert bar.postfix == f"{stopped} stopped early"
    assert bar.written == []
    assert capsys.readouterr().out == ""  # no plain lines beside the bar


def test_collapse_curve_bar_verbose_2_writes_a_line_per_repeat(fake_bars):
    collapse_curve(Stub(), np.zeros((3, 1)), n_repeats=3, random_state=0, verbose=2)
    (bar,) = fake_bars
    assert len(bar.written) == 3
    assert all("seed=" in line and "generations" in line for line in bar.written)


def test_collapse_curve_no_bar_without_verbose(fake_bars, capsys):
    collapse_curve(Stub(), np.zeros((3, 1)), n_repeats=3, random_state=0)
    assert fake_bars == [] and capsys.readouterr().out == ""


def test_collapse_curve_closes_its_bar_when_a_repeat_fails(fake_bars):
    with pytest.raises(RuntimeError, match="this repeat fails"):
        collapse_curve(Stub(fail=True), np.zeros((3, 1)), n_repeats=3, verbose=1)
    (bar,) = fake_bars
    assert bar.closed


def test_collapse_curve_real_tqdm_bar(terminal, capsys):
    collapse_curve(Stub(), np.zeros((3, 1)), n_repeats=5, random_state=0, verbose=1)
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "collapse_curve: 100%" in captured.err and "5/5" in captured.err


# ----------------------------------------------------------------------
# The meta-estimators
# ----------------------------------------------------------------------
def test_meta_estimator_bar_over_generations(fake_bars, regression_data, capsys):
    X, y = regression_data
    RecursiveRetrainer(Ridge(), n_generations=4, verbose=1, random_state=0).fit(X, y)
    (bar,) = fake_bars
    assert (bar.total, bar.desc, bar.unit) == (5, "RecursiveRetrainer", "generation")
    assert bar.n == 5 and bar.closed
    assert bar.postfix.startswith("score_real=") and "prediction_std=" in bar.postfix
    assert capsys.readouterr().out == ""

    RecursiveDensityRetrainer(
        GaussianDensity(), n_generations=2, verbose=1, random_state=0
    ).fit(X)
    density_bar = fake_bars[1]
    assert density_bar.desc == "RecursiveDensityRetrainer" and density_bar.n == 3
    assert density_bar.postfix.startswith("log_likelihood_real=")


def test_a_fit_that_stopped_early_has_its_bar_closed_by_the_next(fake_bars):
    record = {"generation": 0, "score_real": 1.0}
    for generation in range(2):  # stops after generation 1 of 5 ("degenerate")
        _progress.report_generation(
            "R", {**record, "generation": generation}, 5, start=1.0, elapsed=0.1
        )
    first = fake_bars[0]
    assert first.n == 2 and not first.closed
    _progress.report_generation("R", record, 5, start=2.0, elapsed=0.1)
    assert first.closed
    second = fake_bars[1]
    assert second.n == 1 and not second.closed
    for generation in range(1, 6):
        _progress.report_generation(
            "R", {**record, "generation": generation}, 5, start=2.0, elapsed=0.1
        )
    assert second.closed and second.n == 6


def test_meta_estimator_real_tqdm_bar(terminal, regression_data, capsys):
    X, y = regression_data
    RecursiveRetrainer(Ridge(), n_generations=2, verbose=1, random_state=0).fit(X, y)
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "RecursiveRetrainer: 100%" in captured.err and "3/3" in captured.err
    assert "score_real=" in captured.err


def test_a_fit_that_stops_early_closes_its_bar(fake_bars):
    """A degenerate stop ends the loop before the last generation: the loop
    closes the bar itself instead of leaving it open until the next fit."""
    import warnings

    from sklearn.linear_model import LogisticRegression

    from skcollapse import CollapseWarning, RecursiveRetrainer

    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 2))
    y = np.r_[np.zeros(27, dtype=int), np.ones(3, dtype=int)]  # argmax: one class
    est = RecursiveRetrainer(
        LogisticRegression(), n_generations=5, label_noise="argmax", verbose=1
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CollapseWarning)
        est.fit(X, y)
    assert est.termination_condition_ == "degenerate"
    assert len(fake_bars) == 1
    assert fake_bars[0].n == est.n_generations_ + 1 < fake_bars[0].total
    assert fake_bars[0].closed
