"""What every experiment returns: its table, its checks, its figure, its files.

An experiment function (one per paper's headline result, registered in
:data:`EXPERIMENTS`) runs the simulation through the public estimators,
compares each checked quantity with its closed form, and returns an
:class:`ExperimentResult`. The command line (``python -m skcollapse
reproduce``) and the gallery are thin layers over these functions.
"""

# Authors: The skcollapse developers
# SPDX-License-Identifier: BSD-3-Clause

import contextlib
import contextvars
import csv
import importlib.metadata
import json
import math
import os
import platform
import time
from dataclasses import asdict, dataclass, field
from numbers import Integral

import numpy as np
from scipy.stats import norm

from .._compat import StrOptions, validate_params
from .._docstrings import Substitution
from .._params import Interval

__all__ = ["Check", "Experiment", "ExperimentResult", "EXPERIMENTS", "SCALES"]

#: The scales every experiment runs at.
SCALES = ("quick", "paper")

#: Family-wise error rate of the checks of one experiment: the chance that a
#: correct simulation fails one of them (Bonferroni over its mean checks).
FAMILY_ALPHA = 0.0027  # the two-sided tail of 3 standard errors, for one check

#: Constraints of the parameters every experiment function takes.
COMMON_CONSTRAINTS = {
    "scale": [StrOptions(set(SCALES))],
    "random_state": [Interval(Integral, 0, 2**32 - 1, closed="both")],
    "n_jobs": [None, Interval(Integral, None, None, closed="neither")],
}


def count(low):
    """``[None, an int >= low]``: an optional size or count."""
    return [None, Interval(Integral, low, None, closed="left")]


#: The table's columns, in order.
TABLE_COLUMNS = (
    "condition",
    "generation",
    "quantity",
    "mean",
    "standard_error",
    "theory",
)


@dataclass
class Check:
    """One checked quantity of an experiment: a simulated value against theory.

    Parameters
    ----------
    name : str
        What is checked, with its condition (for example ``"S_g, n=20, g=10"``).

    kind : {"mean", "bounds", "at_most", "at_least"}
        ``"mean"``: the Monte Carlo mean equals the closed form ``expected``
        within ``z`` standard errors (``z`` family-wise over the experiment's
        mean checks). ``"bounds"``: the simulated value lies in ``[low,
        high]`` up to ``z`` standard errors. ``"at_most"`` / ``"at_least"``:
        the simulated value is at most ``high`` / at least ``low`` (up to
        ``z`` standard errors); for claims without a closed form (a factor of
        generation 0's error).

    simulated : float
        The simulated value (a Monte Carlo mean).

    standard_error : float
        Its standard error (0 for an exact value).

    expected : float, default=nan
        The closed form (``kind="mean"``).

    low, high : float, default=nan
        The bounds (``"bounds"``, ``"at_least"``, ``"at_most"``).

    z : float, default=3.0
        Standard errors allowed; set by the experiment (family-wise).

    Attributes
    ----------
    passed : bool
        Whether the check holds.
    """

    name: str
    kind: str
    simulated: float
    standard_error: float
    expected: float = math.nan
    low: float = math.nan
    high: float = math.nan
    z: float = 3.0
    passed: bool = field(init=False)

    def __post_init__(self):
        if self.kind not in ("mean", "bounds", "at_most", "at_least"):
            raise ValueError(f"Check kind={self.kind!r} is not a known kind.")
        self.simulated = float(self.simulated)
        self.standard_error = float(self.standard_error)
        slack = self.z * self.standard_error
        value = self.simulated
        if not np.isfinite(value):
            self.passed = False
        elif self.kind == "mean":
            self.passed = bool(abs(value - self.expected) <= slack)
        elif self.kind == "bounds":
            self.passed = bool(self.low - slack <= value <= self.high + slack)
        elif self.kind == "at_most":
            self.passed = bool(value <= self.high + slack)
        else:
            self.passed = bool(value >= self.low - slack)

    def describe(self):
        """The closed form or the bounds, as text.

        Returns
        -------
        text : str
            For example ``"0.1124"``, ``"[0.2, 0.6]"`` or ``"<= 1"``.
        """
        if self.kind == "mean":
            return f"{self.expected:.5g}"
        if self.kind == "bounds":
            return f"[{self.low:.5g}, {self.high:.5g}]"
        if self.kind == "at_most":
            return f"<= {self.high:.5g}"
        return f">= {self.low:.5g}"

    def as_dict(self):
        """The check as JSON-ready numbers (NaN as None).

        Returns
        -------
        check : dict
            Every field of the check.
        """
        out = asdict(self)
        return {
            k: (None if isinstance(v, float) and math.isnan(v) else v)
            for k, v in out.items()
        }


def family_z(n_checks, alpha=FAMILY_ALPHA):
    """Standard errors allowed per check so that ``n_checks`` checks of a
    correct simulation all pass with probability ``1 - alpha`` (Bonferroni).

    >>> round(family_z(1), 2)
    3.0
    >>> round(family_z(10), 2)
    3.64
    """
    return float(norm.isf(alpha / (2 * max(int(n_checks), 1))))


def mean_and_se(values, axis=0):
    """Monte Carlo mean and standard error along ``axis``, NaN ignored."""
    values = np.asarray(values, dtype=float)
    finite = np.isfinite(values)
    count = np.sum(finite, axis=axis)
    filled = np.where(finite, values, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.sum(filled, axis=axis) / count
        centred = np.where(finite, values - np.expand_dims(mean, axis), 0.0)
        variance = np.sum(centred**2, axis=axis) / (count - 1)
        # one value: no spread to estimate (NaN); none: NaN mean
        return mean, np.sqrt(variance / count)


class Table:
    """Rows of the tidy long table of an experiment, built row by row."""

    def __init__(self):
        self.rows = []

    def add(self, condition, generations, quantity, mean, standard_error, theory):
        """Add one row per generation of a quantity under a condition."""
        generations = np.atleast_1d(generations)
        mean = np.broadcast_to(np.asarray(mean, dtype=float), generations.shape)
        se = np.broadcast_to(np.asarray(standard_error, dtype=float), generations.shape)
        theory = np.broadcast_to(np.asarray(theory, dtype=float), generations.shape)
        for g, m, s, t in zip(generations, mean, se, theory):
            self.rows.append(
                (str(condition), int(g), str(quantity), float(m), float(s), float(t))
            )

    def to_dict(self):
        columns = list(zip(*self.rows)) if self.rows else [()] * len(TABLE_COLUMNS)
        out = {}
        for name, values in zip(TABLE_COLUMNS, columns):
            dtype = (
                object
                if name in ("condition", "quantity")
                else (np.int64 if name == "generation" else np.float64)
            )
            out[name] = np.asarray(values, dtype=dtype)
        return out


def make_checks(pending):
    """Checks from ``(kind, name, simulated, se, target)`` tuples, each allowed
    the family-wise ``z`` of all of them (Bonferroni); ``target`` is the
    closed form (``"mean"``), ``(low, high)`` (``"bounds"``) or the one bound
    (``"at_least"``, ``"at_most"``)."""
    z = family_z(len(pending))
    checks = []
    for kind, name, simulated, se, target in pending:
        if kind == "mean":
            bounds = {"expected": float(target)}
        elif kind == "bounds":
            bounds = {"low": float(target[0]), "high": float(target[1])}
        elif kind == "at_least":
            bounds = {"low": float(target)}
        else:
            bounds = {"high": float(target)}
        checks.append(Check(name, kind, simulated, se, z=z, **bounds))
    return checks


#: The ``verbose`` of the experiments' ``collapse_curve`` calls (0: silent),
#: set by :func:`progress`; a context variable, so that concurrent callers do
#: not see each other's setting.
_VERBOSE = contextvars.ContextVar("skcollapse_experiments_verbose", default=0)


@contextlib.contextmanager
def progress(verbose=1):
    """Report the progress of the experiments run inside this block.

    Every ``collapse_curve`` call of an experiment run in the block gets
    ``verbose`` (1: a bar in a terminal, else about twenty lines per call).
    The command line turns it on for runs estimated at a minute or more.
    """
    token = _VERBOSE.set(verbose)
    try:
        yield
    finally:
        _VERBOSE.reset(token)


class Recorder:
    """What an experiment function builds as it runs.

    The tidy table, the checks (made family-wise when the result is built),
    the clock, and ``collapse_curve`` calls with the run's repeats, seed and
    jobs.
    """

    def __init__(self, name, scale, random_state, n_jobs, n_repeats):
        self.name, self.scale = name, scale
        self.random_state, self.n_jobs, self.n_repeats = random_state, n_jobs, n_repeats
        self.table = Table()
        self.pending = []
        self.start = time.perf_counter()

    def curves(self, estimator, source, n_samples, **kwargs):
        """``collapse_curve`` of ``estimator`` on data drawn from ``source``
        (its progress reported as :func:`progress` asks)."""
        from ..model_selection import collapse_curve

        kwargs.setdefault("verbose", _VERBOSE.get())
        return collapse_curve(
            estimator,
            source=source,
            n_samples=n_samples,
            n_repeats=self.n_repeats,
            random_state=self.random_state,
            n_jobs=self.n_jobs,
            **kwargs,
        )

    def curve(
        self, condition, quantity, values, theory, generations, checked=(), label=None
    ):
        """Add a quantity's Monte Carlo mean per generation (``values`` of shape
        ``(n_repeats, n_generations + 1)``) to the table, and a mean check
        against ``theory`` at each generation of ``checked``; returns the mean
        and its standard error."""
        mean, se = mean_and_se(values)
        self.table.add(condition, generations, quantity, mean, se, theory)
        theory = np.broadcast_to(np.asarray(theory, dtype=float), np.shape(mean))
        for g in checked:
            name = f"{label or quantity}, {condition}, g={g}"
            self.check("mean", name, mean[g], se[g], theory[g])
        return mean, se

    def check(self, kind, name, simulated, standard_error, target):
        """A check to make (see :func:`make_checks`)."""
        self.pending.append((kind, name, simulated, standard_error, target))

    def result(self, params, plotter=None):
        """The :class:`ExperimentResult` of the run."""
        return ExperimentResult(
            self.name,
            self.table.to_dict(),
            make_checks(self.pending),
            params,
            self.scale,
            self.random_state,
            time.perf_counter() - self.start,
            plotter=plotter,
        )


def _versions():
    versions = {"python": platform.python_version()}
    for package in ("skcollapse", "scikit-learn", "numpy", "scipy", "joblib"):
        try:
            versions[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:  # pragma: no cover
            versions[package] = None
    return versions


class ExperimentResult:
    """The outcome of one experiment: table, checks, figure, files.

    Parameters
    ----------
    name : str
        The experiment's name (as in :data:`EXPERIMENTS`).

    table : dict of ndarray
        The tidy long table: one row per condition, generation and quantity,
        columns ``condition``, ``generation``, ``quantity``, ``mean``,
        ``standard_error``, ``theory`` (NaN where no closed form exists).

    checks : list of Check
        The checked quantities.

    params : dict
        The settings the experiment ran with.

    scale : {"quick", "paper"}
        The scale it ran at.

    random_state : int
        Its seed.

    elapsed : float
        Seconds it took.

    plotter : callable, default=None
        ``plotter(result, ax)`` draws the experiment's figure.

    Attributes
    ----------
    passed : bool
        Whether every check passed.

    versions : dict
        Python and package versions of the run.
    """

    def __init__(
        self, name, table, checks, params, scale, random_state, elapsed, plotter=None
    ):
        self.name = name
        self.table = table
        self.checks = list(checks)
        self.params = dict(params)
        self.scale = scale
        self.random_state = random_state
        self.elapsed = float(elapsed)
        self.versions = _versions()
        self._plotter = plotter

    @property
    def passed(self):
        return all(check.passed for check in self.checks)

    @property
    def experiment(self):
        """The registry entry of this experiment (paper, claim)."""
        return EXPERIMENTS[self.name]

    def __repr__(self):
        n_passed = sum(check.passed for check in self.checks)
        return (
            f"ExperimentResult({self.name!r}, scale={self.scale!r}, "
            f"checks passed {n_passed}/{len(self.checks)})"
        )

    def to_frame(self):
        """The tidy table as a :class:`pandas.DataFrame` (needs pandas).

        Returns
        -------
        frame : pandas.DataFrame
            One row per condition, generation and quantity.
        """
        try:
            import pandas as pd
        except ImportError as exc:
            raise ImportError(
                "ExperimentResult.to_frame requires pandas. Install it with "
                "`pip install pandas` or `pip install skcollapse[pandas]`; "
                "to_csv and to_json need no pandas."
            ) from exc
        return pd.DataFrame({name: self.table[name] for name in TABLE_COLUMNS})

    def to_csv(self, path):
        """Write the tidy table as CSV (no pandas needed).

        Parameters
        ----------
        path : str or path-like
            The file to write.
        """
        with open(path, "w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(TABLE_COLUMNS)
            columns = [self.table[name] for name in TABLE_COLUMNS]
            for row in zip(*columns):
                writer.writerow([_csv_value(value) for value in row])

    def to_dict(self):
        """Everything but the table, JSON-ready.

        Returns
        -------
        record : dict
            Parameters, scale, seed, versions, elapsed time and every check
            with its numbers.
        """
        entry = EXPERIMENTS.get(self.name)
        return {
            "experiment": self.name,
            "paper": None if entry is None else entry.paper,
            "claim": None if entry is None else entry.claim,
            "scale": self.scale,
            "random_state": self.random_state,
            "params": _jsonable(self.params),
            "versions": self.versions,
            "elapsed_seconds": self.elapsed,
            "passed": self.passed,
            "checks": [check.as_dict() for check in self.checks],
        }

    def to_json(self, path):
        """Write :meth:`to_dict` as JSON.

        Parameters
        ----------
        path : str or path-like
            The file to write.
        """
        with open(path, "w") as handle:
            json.dump(self.to_dict(), handle, indent=2)

    def plot(self, ax=None):
        """Draw the experiment's figure, with the theory overlaid.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Where to draw; None makes a new figure.

        Returns
        -------
        ax : matplotlib Axes
            The axes drawn on.
        """
        from ..plotting import _check_matplotlib_support

        _check_matplotlib_support("ExperimentResult.plot")
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(6.4, 4.2))
        if self._plotter is not None:
            self._plotter(self, ax)
        else:
            plot_table(self, ax)
        return ax

    def format_checks(self):
        """The table of checks, as text lines.

        Returns
        -------
        lines : list of str
            A header, then one line per check: its name, the simulated value,
            its standard error, the theory and pass/FAIL.
        """
        lines = [
            f"{'check':44s} {'simulated':>11s} {'s.e.':>9s} {'theory':>20s}  result"
        ]
        for check in self.checks:
            lines.append(
                f"{check.name[:44]:44s} {check.simulated:11.5g} "
                f"{check.standard_error:9.2g} {check.describe():>20s}  "
                f"{'pass' if check.passed else 'FAIL'}"
            )
        return lines

    def save(self, directory):
        """Write ``NAME.png``, ``NAME.csv`` and ``NAME.json`` into ``directory``.

        Parameters
        ----------
        directory : str or path-like
            Created if it does not exist.

        Returns
        -------
        paths : list of str
            The three files written.
        """
        import matplotlib

        os.makedirs(directory, exist_ok=True)
        base = os.path.join(directory, self.name)
        self.to_csv(base + ".csv")
        self.to_json(base + ".json")
        with matplotlib.rc_context({"backend": "agg"}):
            import matplotlib.pyplot as plt

            ax = self.plot()
            ax.figure.savefig(base + ".png", dpi=120, bbox_inches="tight")
            plt.close(ax.figure)
        return [base + ".png", base + ".csv", base + ".json"]


def plot_table(result, ax, quantities=None, log=False):
    """Mean +- 2 s.e. per condition and quantity, the theory dashed."""
    table = result.table
    names = sorted(set(table["quantity"])) if quantities is None else quantities
    for quantity in names:
        for condition in dict.fromkeys(table["condition"]):
            rows = (table["quantity"] == quantity) & (table["condition"] == condition)
            if not rows.any():
                continue
            g = table["generation"][rows]
            mean = table["mean"][rows]
            se = table["standard_error"][rows]
            label = condition if len(names) == 1 else f"{quantity}, {condition}"
            line = ax.plot(g, mean, marker="o", ms=3, label=label)[0]
            ax.fill_between(
                g, mean - 2 * se, mean + 2 * se, alpha=0.2, color=line.get_color()
            )
            theory = table["theory"][rows]
            if np.isfinite(theory).any():
                ax.plot(g, theory, "--", color="black", lw=1, label=f"theory, {label}")
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("generation")
    ax.legend(fontsize="small")
    ax.set_title(result.name)


def _csv_value(value):
    if isinstance(value, (float, np.floating)) and not np.isfinite(value):
        return "" if np.isnan(value) else repr(float(value))
    return value.item() if isinstance(value, np.generic) else value


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return _jsonable(value.tolist())
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None if math.isnan(value) else repr(value)
    return value


@dataclass(frozen=True)
class Experiment:
    """A registered experiment: its function and what it reproduces.

    Parameters
    ----------
    name : str
        Command-line name.
    function : callable
        ``function(scale="quick", random_state=0, n_jobs=None, **settings)
        -> ExperimentResult``.
    paper : str
        The paper (authors, year, arXiv id).
    claim : str
        The headline result, in one line.
    seconds : dict
        Estimated run time on 2 cores at each scale.
    """

    name: str
    function: object
    paper: str
    claim: str
    seconds: dict

    def __call__(self, **kwargs):
        return self.function(**kwargs)


#: Every experiment, by name, filled by the modules of this package.
EXPERIMENTS = {}


#: Docstring entries every experiment function shares (``%(name)s``
#: placeholders, filled by :func:`register`).
SHARED_DOCS = {
    "random_state": (
        "random_state : int, default=0\n"
        "    Seed of the repeats (and of any true parameters drawn at random)."
    ),
    "n_jobs": (
        "n_jobs : int, default=None\n"
        "    Repeats run in parallel, as in\n"
        "    :func:`~skcollapse.model_selection.collapse_curve`."
    ),
    "result": (
        "result : ExperimentResult\n"
        "    The table, the checks (:attr:`ExperimentResult.passed`), the figure\n"
        "    and the files of the run."
    ),
}


def register(name, paper, claim, seconds, constraints):
    """Decorator: validate an experiment function's parameters
    (:data:`COMMON_CONSTRAINTS` and ``constraints``) and add it to
    :data:`EXPERIMENTS`."""

    def decorate(function):
        function = Substitution(**SHARED_DOCS)(function)
        validated = validate_params(
            {**COMMON_CONSTRAINTS, **constraints}, prefer_skip_nested_validation=True
        )(function)
        EXPERIMENTS[name] = Experiment(name, validated, paper, claim, dict(seconds))
        validated.experiment_name = name
        return validated

    return decorate
