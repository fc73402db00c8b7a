"""The generation loop shared by every recursive meta-estimator.

One implementation of the loop serves both
:class:`~skcollapse.RecursiveRetrainer` and
:class:`~skcollapse.RecursiveDensityRetrainer`. What differs between the
supervised and the density setting lives in a *problem*, an instance of
:class:`~skcollapse._problem.Problem` (the protocol, with one docstring per
member); everything a data regime, a verifier's selection rule or a schedule
means lives here, once. :func:`run_generations` reads as the algorithm:
generation 0 on the real data, then for each generation synthesise, verify,
compose, schedule, fit, measure.
"""

# Authors: The skcollapse developers
# SPDX-License-Identifier: BSD-3-Clause

import contextlib
import copy
import inspect
import math
import numbers
import os
import sys
import time
import warnings
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import joblib
import numpy as np
import scipy.sparse as sp
import sklearn
from sklearn import config_context
from sklearn.base import clone
from sklearn.utils import get_tags

from ._compat import InvalidParameterError
from ._params import nested_param_keys
from ._problem import Batch, InputError, concat_batches
from ._random import Stream, seed_estimator
from .regularization import GenerationContext

__all__ = ["CollapseWarning", "run_generations"]

DATA_REGIMES = ("replace", "accumulate", "accumulate-subsample")

#: Trajectory keys that count rows; stored as int.
_COUNT_KEYS = ("generation", "n_train", "n_real", "n_synthetic", "n_rejected")


class CollapseWarning(UserWarning):
    """Warning raised when collapse made the data too degenerate to go on.

    The loop stops (``termination_condition_ == "degenerate"``) or skips a
    refit, keeps a usable fitted estimator, and tells the user with this
    warning instead of raising.

    Examples
    --------
    >>> import warnings
    >>> from skcollapse import CollapseWarning
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore", CollapseWarning)
    """


# Where a warning of the package points: the first frame outside these (the
# user's call, also through a Pipeline, a search or joblib's sequential loop).
_LIBRARY_DIRS = tuple(
    os.path.dirname(os.path.abspath(path)) + os.sep
    for path in (__file__, sklearn.__file__, joblib.__file__)
)


def warn_at_caller(message, category):
    """``warnings.warn(message, category)``, pointing at the user's line.

    The ``stacklevel`` is found by walking the frames from this function
    outwards while they belong to skcollapse, scikit-learn or joblib (the
    meta-estimator's ``fit``, the loop, a ``Pipeline`` or a search around
    it), so that the warning names the first line outside them, however deep
    the call (Python 3.12's ``skip_file_prefixes``, which the 3.10 floor
    lacks). It is counted from the frame that calls ``warnings.warn``, this
    one, so wrapping the caller changes nothing. A stack of library frames
    only names the outermost.
    """
    frame = sys._getframe()
    level = 1
    while frame.f_back is not None and frame.f_code.co_filename.startswith(
        _LIBRARY_DIRS
    ):
        frame = frame.f_back
        level += 1
    warnings.warn(message, category, stacklevel=level)


#: Errors of a base estimator that mean collapse made its data unusable; in a
#: generation g >= 1 they end the loop as "degenerate" instead of being raised.
DEGENERATE_ERRORS = (ValueError, ArithmeticError, np.linalg.LinAlgError)


# --------------------------------------------------------------------------
# Sizes
# --------------------------------------------------------------------------
def round_count(fraction, n):
    """``fraction * n`` rounded to the nearest integer, halves up; at least 1
    for a positive fraction.

    One rule for every share of a row count (``real_fraction``, a float
    ``synthetic_size``). The product is first rounded to 9 decimals, so that
    ``0.7 * 5 = 3.4999999999999996`` counts as the half it means.
    """
    count = math.floor(round(fraction * n, 9) + 0.5)
    return max(count, 1) if fraction > 0 else 0


def synthetic_count(synthetic_size, n_real):
    """Synthetic rows per generation: an int is a count, a float a multiple."""
    if isinstance(synthetic_size, numbers.Integral):
        return int(synthetic_size)
    return round_count(synthetic_size, n_real)


def physical_memory():
    """Bytes of physical memory of this machine, or None where unknown."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):  # not a POSIX system
        return None


def check_synthetic_memory(owner, real, n_synthetic):
    """A clear error before drawing a synthetic batch that cannot fit in memory.

    The inputs of one generation's batch (``n_synthetic * n_candidates`` rows
    of the real rows' size) and, under the accumulate regimes, of every
    generation's batches together must fit in the machine's memory.
    """
    memory = physical_memory()
    n_rows = len(real)
    if memory is None or n_rows == 0:
        return
    nbytes = getattr(real.X, "nbytes", None)
    row_bytes = nbytes / n_rows if nbytes else 8 * real.X.shape[1]
    per_generation = n_synthetic * owner.n_candidates * row_bytes
    kept = 1 if owner.data == "replace" else owner.n_generations
    if owner.data == "accumulate" and owner.accumulate_window is not None:
        kept = min(kept, owner.accumulate_window)
    if per_generation * kept > memory:
        what = "one generation's" if kept == 1 else f"{kept} generations'"
        raise ValueError(
            f"synthetic_size={owner.synthetic_size!r} with "
            f"n_candidates={owner.n_candidates} and data={owner.data!r} asks for "
            f"{n_synthetic * owner.n_candidates * kept:,} synthetic rows in "
            f"{what} batches, about {per_generation * kept / 2**30:,.1f} GiB of "
            f"inputs, more than this machine's {memory / 2**30:,.1f} GiB of "
            "memory. Use a smaller synthetic_size."
        )


def real_fraction_of(real_fraction, data):
    """The effective ``real_fraction``: None means 0 (replace) or 1 (accumulate)."""
    if real_fraction is None:
        return 0.0 if data == "replace" else 1.0
    return float(real_fraction)


# --------------------------------------------------------------------------
# Hooks: regularisation schedules and verification
# --------------------------------------------------------------------------
def resolve_regularization(regularization):
    """Turn the ``regularization`` parameter into ``context -> {name: value}``.

    Raises a ValueError for a dict that is not ``{param name: schedule}``;
    called by ``_check_params`` before any work, and by the loop.
    """
    if regularization is None:
        return None
    if not isinstance(regularization, dict):
        return regularization
    for name, schedule in regularization.items():
        if not isinstance(name, str):
            raise ValueError(
                "The keys of `regularization` must be parameter names of the "
                f"base estimator (str), got {name!r}."
            )
        if not callable(schedule) and (
            isinstance(schedule, (bool, np.bool_))
            or not isinstance(schedule, numbers.Real)
        ):
            raise ValueError(
                f"regularization[{name!r}] must be a schedule: a callable "
                f"(generation, n_train) -> value, or a number; got {schedule!r}."
            )
    schedules = dict(regularization)

    def values(context):
        return {
            name: (
                schedule(context.generation, context.n_train)
                if callable(schedule)
                else schedule
            )
            for name, schedule in schedules.items()
        }

    return values


def resolve_verifier(verifier, problem, seeds):
    """Turn the ``verifier`` parameter into ``batch -> scores`` (or None)."""
    if verifier is None:
        return None
    if hasattr(verifier, "get_params"):
        # an estimator, or a random verifier with parameters
        # (skcollapse.verification): a clone seeded by the fit, so that fits
        # with different seeds verify independently and the base is untouched
        verifier = seed_estimator(clone(verifier), seeds.rng(0, Stream.VERIFY))
    if hasattr(verifier, "fit"):
        fitted = problem.fit_verifier(verifier)
        return lambda batch: problem.verifier_scores(fitted, batch)
    if callable(verifier):
        n_args = 1 if _n_positional(verifier) == 1 else None
        return lambda batch: verifier(*problem.verifier_arguments(batch)[:n_args])
    raise ValueError(
        "verifier must be None, an estimator with fit and predict_proba, "
        "predict or score_samples, or a callable (X, y) -> scores or "
        f"(X) -> scores; got {verifier!r}."
    )


def _n_positional(func):
    """Required positional parameters of ``func`` (2 when it takes ``*args``)."""
    try:
        parameters = inspect.signature(func).parameters.values()
    except (TypeError, ValueError):  # builtins without a signature
        return 2
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    if any(p.kind == inspect.Parameter.VAR_POSITIONAL for p in parameters):
        return 2
    return sum(p.kind in kinds and p.default is p.empty for p in parameters)


def check_scores(scores, n_rows, verifier, generation):
    """The verifier's scores as a float vector, or a ValueError saying why not.

    One real number per synthetic row; NaN is refused (it has no rank), while
    ``-inf`` is the lowest score (a log-density of zero) and ``+inf`` the
    highest.
    """
    name = getattr(verifier, "__name__", None) or type(verifier).__name__
    where = f"The verifier {name} returned"
    when = f"at generation {generation}"
    array = np.asarray(scores)
    if array.dtype.kind not in "biuf":
        raise InputError(
            f"{where} scores of dtype {array.dtype} {when}; it must return real "
            "numbers (higher is better), one per synthetic sample."
        )
    array = array.astype(float, copy=False).reshape(-1)
    if array.shape[0] != n_rows:
        raise InputError(
            f"{where} {array.shape[0]} scores for {n_rows} synthetic samples "
            f"{when}: it must return one score per sample."
        )
    n_nan = int(np.count_nonzero(np.isnan(array)))
    if n_nan:
        raise InputError(
            f"{where} {n_nan} NaN score(s) for {n_rows} synthetic samples {when}: "
            "a NaN has no rank, so the selection rule cannot use it. Return a "
            "real number for every sample (-inf for the worst)."
        )
    return array


def select(scores, n_slots, n_candidates, keep_fraction, threshold):
    """Indices of the rows a verifier keeps: best of k, then the selection rule.

    ``scores`` come from :func:`check_scores`. With ``n_candidates > 1`` the
    best-scored candidate of each slot is kept first; then the rows scored at
    least ``threshold``, and among them the best-scored
    ``ceil(keep_fraction * n_slots)`` (ties keep the earlier row).
    """
    scores = np.asarray(scores, dtype=float).reshape(-1)
    indices = np.arange(scores.shape[0])
    if n_candidates > 1:
        scores = scores.reshape(n_slots, n_candidates)
        best = np.argmax(scores, axis=1)
        indices = np.arange(n_slots) * n_candidates + best
        scores = scores[np.arange(n_slots), best]
    keep = np.ones(scores.shape[0], dtype=bool)
    if threshold is not None:
        keep &= scores >= threshold
    if keep_fraction is not None and keep_fraction < 1:
        n_keep = int(np.ceil(keep_fraction * scores.shape[0]))
        order = np.argsort(-scores, kind="stable")
        top = np.zeros_like(keep)
        top[order[:n_keep]] = True
        keep &= top
    return indices[keep]


def _verify(owner, problem, verify, batch, n_slots, generation):
    """Score and select a generation's synthetic batch; selection metrics."""
    info = {}
    if batch.y_reference is not None:
        info["synthetic_error"] = problem.label_error(batch.y, batch.y_reference)
    if verify is None:
        if "synthetic_error" in info:
            info["selected_error"] = info["synthetic_error"]
        return batch, info
    scores = check_scores(verify(batch), len(batch), owner.verifier, generation)
    kept = select(
        scores, n_slots, owner.n_candidates, owner.keep_fraction, owner.threshold
    )
    selected = batch.take(kept)
    info["n_rejected"] = n_slots - len(kept)
    info["acceptance_rate"] = len(kept) / n_slots
    if "synthetic_error" in info:
        info["selected_error"] = (
            problem.label_error(selected.y, selected.y_reference)
            if len(selected)
            else np.nan
        )
    return selected, info


# --------------------------------------------------------------------------
# Rows from outside the loop: fresh real data and corrected synthetic data
# --------------------------------------------------------------------------
def _allows_nan(owner):
    """Whether the meta-estimator accepts NaN in its inputs (its tags)."""
    try:
        return bool(get_tags(owner).input_tags.allow_nan)
    except (TypeError, AttributeError, ValueError):  # a duck-typed owner
        return False


def check_rows(problem, X, y, n_rows, what, allow_nan=False):
    """Rows that a user's object produced, checked against the real rows.

    ``X`` must have ``n_rows`` rows and the real rows' other dimensions (a
    DataFrame the real columns; an ndarray is given them), be numeric and
    finite (NaN only where the estimator takes NaN) where the real inputs
    are an ndarray or sparse; ``y`` (supervised problems only) the real
    targets' shape, finite numbers for a regressor, labels of the real data
    (``problem.classes``) for a classifier. Returns ``(X, y)``, converted;
    raises :class:`~skcollapse._problem.InputError` naming ``what``.
    """
    X_real, y_real = problem.real.X, problem.real.y
    if X is None:
        raise InputError(f"{what} returned no inputs (None).")
    if hasattr(X_real, "iloc"):
        import pandas as pd

        if not hasattr(X, "iloc"):
            X = pd.DataFrame(np.asarray(X), columns=X_real.columns)
        elif list(X.columns) != list(X_real.columns):
            raise InputError(
                f"{what} returned a DataFrame with columns {list(X.columns)}; the "
                f"real data has {list(X_real.columns)}."
            )
    elif not sp.issparse(X):
        X = np.asarray(X)
    shape = tuple(getattr(X, "shape", ()))
    expected = (n_rows, *X_real.shape[1:])
    if len(expected) == 1 and shape == (n_rows, 1):  # one feature as a column
        X, shape = np.asarray(X).reshape(n_rows), expected
    if shape != expected:
        raise InputError(
            f"{what} returned inputs of shape {shape}; {n_rows} rows of the real "
            f"data's shape {expected} are needed."
        )
    if not hasattr(X, "iloc"):
        values = X.data if sp.issparse(X) else X
        if values.dtype.kind not in "biuf":
            raise InputError(
                f"{what} returned inputs of dtype {values.dtype}; numbers are needed."
            )
        if values.dtype.kind == "f" and not np.all(
            np.isfinite(values) | (np.isnan(values) if allow_nan else False)
        ):
            raise InputError(
                f"{what} returned inputs with non-finite values (NaN or inf)"
                f"{'' if allow_nan else ', which the estimator does not take'}."
            )
    if y_real is None:
        return X, None
    if y is None:
        raise InputError(f"{what} returned no targets: (X, y) is needed.")
    y = np.asarray(y)
    expected = (n_rows, *y_real.shape[1:])
    if y.shape != expected:
        raise InputError(
            f"{what} returned targets of shape {y.shape}; shape {expected} (as "
            "the real targets) is needed."
        )
    classes = problem.classes
    if classes is not None:
        unknown = np.setdiff1d(y, classes)
        if unknown.size:
            raise InputError(
                f"{what} returned the label(s) {unknown[:5].tolist()}, which the "
                f"real data does not have; its classes are {classes.tolist()}."
            )
        return X, y
    if y.dtype.kind not in "biuf":
        raise InputError(
            f"{what} returned targets of dtype {y.dtype}; a regressor needs numbers."
        )
    if not np.all(np.isfinite(y)):
        raise InputError(f"{what} returned non-finite targets (NaN or inf).")
    return X, y


def _unpack(data, supervised, what):
    """``(X, y)`` of what a source or a correction returned."""
    if supervised:
        if not isinstance(data, (tuple, list)) or len(data) != 2:
            raise InputError(
                f"{what} must return a tuple (X, y) for a supervised loop; got "
                f"{type(data).__name__}."
            )
        return data[0], data[1]
    if isinstance(data, tuple):  # a density sampler's (X, labels)
        data = data[0] if data else None
    return data, None


def resolve_real_source(owner, problem, seeds, n_rows):
    """``generation -> Batch`` of ``n_rows`` fresh real rows, or None.

    ``real_source.sample(n_rows, random_state=seed)`` (or the callable
    ``real_source(n_rows, seed)``), with the seed of generation ``g``'s
    :attr:`~skcollapse._random.Stream.FRESH_REAL` stream; the rows are
    checked by :func:`check_rows`, have origin 0 and, when the real rows are
    weighted, the mean real weight.
    """
    if owner.real_sampling != "fresh":
        return None
    source = owner.real_source
    name = getattr(source, "__name__", None) or type(source).__name__
    sample = getattr(source, "sample", None)
    supervised = problem.real.y is not None
    allow_nan = _allows_nan(owner)
    real_weight = problem.real.weight
    weight = None if real_weight is None else float(np.mean(real_weight))

    def fresh(generation):
        seed = seeds.seed(generation, Stream.FRESH_REAL)
        if callable(sample):
            data = sample(n_rows, random_state=seed)
            what = f"real_source ({name}).sample at generation {generation}"
        else:
            data = source(n_rows, seed)
            what = f"real_source ({name}) at generation {generation}"
        X, y = check_rows(
            problem, *_unpack(data, supervised, what), n_rows, what, allow_nan
        )
        return Batch(
            X=X,
            y=y,
            weight=None if weight is None else np.full(n_rows, weight),
            origin=np.zeros(n_rows, dtype=int),
        )

    return fresh


def resolve_correction(owner, problem):
    """``(batch, generation) -> batch`` applying ``correction``, or None.

    The correction receives copies of what a callable verifier receives
    (``(X, y)``, or ``X`` for a density loop), so it may write into them,
    and must return the same: as many rows, checked by :func:`check_rows`.
    The rows keep their weights and origin; their real labels
    (``y_reference``) only when the inputs come back unchanged.
    """
    correction = owner.correction
    if correction is None:
        return None
    name = getattr(correction, "__name__", None) or type(correction).__name__
    supervised = problem.real.y is not None
    allow_nan = _allows_nan(owner)

    def correct(batch, generation):
        arguments = [copy_data(part) for part in problem.verifier_arguments(batch)]
        what = f"correction ({name}) at generation {generation}"
        if not supervised:
            arguments = arguments[:1]
        returned = correction(*arguments)
        if not supervised and isinstance(returned, tuple):
            raise InputError(f"{what} must return X for a density loop; got a tuple.")
        X, y = check_rows(
            problem, *_unpack(returned, supervised, what), len(batch), what, allow_nan
        )
        reference = batch.y_reference
        if reference is not None and not _same_values(X, batch.X):
            reference = None  # moved inputs: their real labels are unknown
        return Batch(
            X=X, y=y, weight=batch.weight, origin=batch.origin, y_reference=reference
        )

    return correct


def copy_data(data):
    """A copy of ``data`` (its own ``copy()``, else a deep copy); None stays None."""
    if data is None:
        return None
    method = getattr(data, "copy", None)
    return method() if callable(method) else copy.deepcopy(data)


def _same_values(a, b):
    """Whether two inputs hold the same values (ndarray or sparse)."""
    if sp.issparse(a) or sp.issparse(b):
        return sp.issparse(a) and sp.issparse(b) and (a != b).nnz == 0
    try:
        return bool(np.array_equal(np.asarray(a), np.asarray(b)))
    except (TypeError, ValueError):
        return False


# --------------------------------------------------------------------------
# Data regimes
# --------------------------------------------------------------------------
class _Column:
    """An array that grows by appending rows, with a view of its rows so far.

    Capacity doubles when it runs out, so appending costs the rows appended
    (amortised); a view taken earlier is never changed by a later append.
    A batch of another dtype promotes the column (int inputs, then float).
    """

    def __init__(self, values):
        values = np.asarray(values)
        self.data = values.copy()
        self.n = len(values)

    def append(self, values):
        values = np.asarray(values)
        need = self.n + len(values)
        dtype = np.result_type(self.data.dtype, values.dtype)
        if need > len(self.data) or dtype != self.data.dtype:
            grown = np.empty(
                (max(need, 2 * len(self.data)),) + self.data.shape[1:], dtype
            )
            grown[: self.n] = self.data[: self.n]
            self.data = grown
        self.data[self.n : need] = values
        self.n = need

    def view(self):
        return self.data[: self.n]


class _Pool:
    """The rows of an accumulating training set, appended once and shared.

    Generation ``g``'s training set under ``data="accumulate"`` is a view of
    the first rows of the pool, so a generation costs the rows it adds, not
    every row so far. For ndarray inputs only; the weights, references and
    their absence follow :func:`~skcollapse._problem.concat_batches`.
    """

    def __init__(self, first):
        self.X = _Column(first.X)
        self.origin = _Column(first.origin)
        self.y = None if first.y is None else _Column(first.y)
        self.weight = None if first.weight is None else _Column(first.weight)
        self.y_reference = (
            None if first.y_reference is None else _Column(first.y_reference)
        )
        self.with_reference = first.y_reference is not None

    def append(self, batch):
        n_before = self.X.n
        self.X.append(batch.X)
        self.origin.append(batch.origin)
        if self.y is not None:
            self.y.append(batch.y)
        if batch.weight is not None and self.weight is None:
            self.weight = _Column(np.ones(n_before))
        if self.weight is not None:
            self.weight.append(
                np.ones(len(batch)) if batch.weight is None else batch.weight
            )
        if self.with_reference and batch.y_reference is None:
            self.with_reference, self.y_reference = False, None
        if self.with_reference:
            self.y_reference.append(batch.y_reference)

    def view(self):
        return Batch(
            X=self.X.view(),
            y=None if self.y is None else self.y.view(),
            weight=None if self.weight is None else self.weight.view(),
            origin=self.origin.view(),
            y_reference=None if self.y_reference is None else self.y_reference.view(),
        )


class _Composer:
    """The training set of each generation under the data regime.

    Keeps what the regime needs and nothing more: the last synthetic batch
    under ``"replace"``; under the accumulate regimes, a :class:`_Pool` of
    every batch (ndarray inputs, fixed real rows), or the batches themselves
    (concatenated every generation) otherwise; with ``window``, the batches
    of the last ``window`` generations only (a deque, so a generation costs
    the rows of the window whatever its number). ``fresh`` (``generation ->
    Batch``, :func:`resolve_real_source`) draws the real part of every
    generation ``g >= 1`` under ``real_sampling="fresh"``: the real part is
    replaced in every generation, under every regime, as with
    ``"resample"``; only synthetic data accumulates.
    """

    def __init__(
        self, data, real, n_keep_real, sampling, seeds, window=None, fresh=None
    ):
        self.data, self.real, self.n_keep_real = data, real, n_keep_real
        self.sampling, self.seeds, self.fresh = sampling, seeds, fresh
        self.fixed_rows = self._real_rows(0) if sampling == "fixed" else None
        self.synthetic = [] if window is None else deque(maxlen=window)
        self.pool = None
        self.pooled = (
            data != "replace"
            and window is None
            and isinstance(real.X, np.ndarray)
            and (
                sampling == "fixed"
                or (sampling == "resample" and n_keep_real in (0, len(real)))
            )
        )

    def _real_rows(self, generation):
        """Sorted indices of the real rows kept (None: all, in order, no copy)."""
        n_real = len(self.real)
        if self.n_keep_real >= n_real or self.n_keep_real == 0:
            return None  # all real rows, in order; or none (nothing to draw)
        rng = self.seeds.rng(generation, Stream.REAL_ROWS)
        return np.sort(rng.choice(n_real, size=self.n_keep_real, replace=False))

    def _real_part(self, generation):
        """The real rows of this generation's training set (None: none)."""
        if self.n_keep_real == 0:
            return None
        if self.sampling == "fresh":
            return self.fresh(generation)
        rows = (
            self._real_rows(generation)
            if self.sampling == "resample"
            else self.fixed_rows
        )
        return self.real if rows is None else self.real.take(rows)

    def compose(self, batch, generation):
        if self.data == "replace" and self.n_keep_real == 0:
            return batch  # the fully synthetic loop: the batch is the training set
        if self.pooled and not isinstance(batch.X, np.ndarray):
            # inputs that are not an ndarray (a sampler's sparse matrix):
            # the pool so far becomes one part of the concatenated ones
            self.pooled = False
            if self.pool is not None:
                self.synthetic = [self.pool.view()]
                self.fixed_rows = None
                self.n_keep_real = 0
        if self.pooled:
            if self.pool is None:
                real = self._real_part(generation)
                # no real part (it would hold no references): start from the batch
                self.pool = _Pool(batch if real is None else real)
                if real is not None and len(batch):
                    self.pool.append(batch)
            elif len(batch):
                self.pool.append(batch)
            train = self.pool.view()
        else:
            if self.data == "replace":
                self.synthetic = [batch]
            else:
                self.synthetic.append(batch)
            parts = [self._real_part(generation), *self.synthetic]
            parts = [p for p in parts if p is not None and len(p) > 0]
            if not parts:
                return self.real.take(np.arange(0))
            train = concat_batches(parts)
        n_real = len(self.real)
        if self.data == "accumulate-subsample" and len(train) > n_real:
            rng = self.seeds.rng(generation, Stream.SUBSAMPLE)
            keep = rng.choice(len(train), size=n_real, replace=False)
            train = train.take(np.sort(keep))
        return train


# --------------------------------------------------------------------------
# The trajectory
# --------------------------------------------------------------------------
class _Trajectory(Mapping):
    """Records of the generations so far, read key by key as arrays.

    Appending a record costs the same in every generation (a list append per
    key); reading a key costs the generations recorded since it was last read
    (its array grows with them), so a hook that reads the history in every
    generation (the ``history`` of a
    :class:`~skcollapse.regularization.GenerationContext` is this object)
    keeps a long run at constant cost per generation. A key missing from a
    record reads as NaN there. The arrays are views: read, never modify them.
    """

    def __init__(self, keys=()):
        self._columns = {key: [] for key in keys}
        self._arrays = {}
        self._n = 0

    def append(self, record):
        for key in record:
            if key not in self._columns:
                self._columns[key] = [np.nan] * self._n
        for key, column in self._columns.items():
            column.append(record.get(key, np.nan))
        self._n += 1

    def __len__(self):
        return len(self._columns)

    def __iter__(self):
        return iter(self._columns)

    def __getitem__(self, key):
        values = self._columns[key]
        n = len(values)
        array, filled = self._arrays.get(key, (None, 0))
        if array is None or len(array) < n:
            dtype = int if key in _COUNT_KEYS else float
            if array is not None:
                dtype = array.dtype
            grown = np.empty(max(n, 2 * (0 if array is None else len(array))), dtype)
            if filled:
                grown[:filled] = array[:filled]
            array = grown
        try:
            array[filled:n] = values[filled:n]
        except (TypeError, ValueError):  # values that are not numbers
            array = np.empty(max(n, 1), dtype=object)
            array[:n] = values
        self._arrays[key] = (array, n)
        return array[:n]

    def to_dict(self):
        """Every key as its own compact array (copies, not views)."""
        return {key: self[key].copy() for key in self._columns}


# --------------------------------------------------------------------------
# The loop
# --------------------------------------------------------------------------
@dataclass
class LoopResult:
    """What :func:`run_generations` returns; the owner stores it as attributes."""

    estimators: list
    trajectory: dict
    n_generations: int
    termination_condition: str
    collapse_generation: Any
    sample_generation: np.ndarray


def run_generations(owner, problem, seeds):
    """Run generation 0 and ``owner.n_generations`` synthetic refits.

    Parameters
    ----------
    owner : BaseRecursiveRetrainer
        The meta-estimator; its public parameters are read, never written.
        They were checked by its ``_check_params``.
    problem : Problem
        The supervised or density specifics (see
        :class:`~skcollapse._problem.Problem`).
    seeds : SeedTable
        The seeds of every random stream of the fit.

    Returns
    -------
    result : LoopResult
    """
    name = type(owner).__name__
    real = problem.real
    n_real = len(real)
    n_synthetic = synthetic_count(owner.synthetic_size, n_real)
    if owner.n_generations > 0:
        check_synthetic_memory(owner, real, n_synthetic)
    n_keep_real = round_count(real_fraction_of(owner.real_fraction, owner.data), n_real)
    composer = _Composer(
        owner.data,
        real,
        n_keep_real,
        owner.real_sampling,
        seeds,
        window=owner.accumulate_window,
        fresh=resolve_real_source(owner, problem, seeds, n_keep_real),
    )
    schedule = resolve_regularization(owner.regularization)
    verify = resolve_verifier(owner.verifier, problem, seeds)
    correct = resolve_correction(owner, problem)
    # One stream for every synthetic draw, consumed generation after generation.
    synthesis_rng = seeds.rng(0, Stream.SYNTHESIS)
    seed_keys = nested_param_keys(owner.estimator, "random_state")
    stop = owner.stop_on_collapse
    trajectory = _Trajectory(("generation", "n_rejected", *problem.synthesis_keys))
    estimators = []
    previous, previous_train, termination = None, real, "max_generations"
    reference = None  # generation 0's diversity

    def store(record, model, train, measured_on, values=()):
        """Measure and record a generation; whether it is collapsed."""
        nonlocal reference
        generation = record["generation"]
        measured = _step(
            generation, "measure", problem.measure, model, generation, measured_on
        )
        record.update(_counts(train))
        record.update(measured)
        record.update({f"param_{key}": value for key, value in dict(values).items()})
        trajectory.append(record)
        if not owner.store_estimators and estimators:
            estimators[-1] = None
        estimators.append(model)
        if owner.verbose:
            _print_progress(name, record, owner.n_generations, start)
        diversity = record.get(problem.diversity_key, np.nan)
        if generation == 0:
            reference = diversity
        return _is_collapsed(generation, diversity, reference, owner.collapse_threshold)

    start = time.perf_counter()
    unchecked = contextlib.ExitStack()
    try:
        for generation in range(owner.n_generations + 1):
            if generation == 1 and schedule is None:
                # Generation 0's fit has validated the base's parameters; a
                # later clone differs from it only by its integer seeds (and,
                # with fine_tune, a grown count), so scikit-learn's parameter
                # validation is skipped from here on: it is a tenth of a short
                # Ridge fit. A schedule sets other values: then every fit
                # validates them.
                unchecked.enter_context(config_context(skip_parameter_validation=True))
            record = {"generation": generation, "n_rejected": 0}
            train, synthesized = real, {}
            try:
                if generation > 0:
                    synthesis = _step(
                        generation,
                        "synthesize",
                        problem.synthesize,
                        previous,
                        n_synthetic,
                        synthesis_rng,
                        generation=generation,
                        n_candidates=owner.n_candidates,
                    )
                    synthesized = synthesis.record
                    record.update(synthesized)
                    batch = synthesis.batch
                    if correct is not None:
                        batch = correct(batch, generation)
                    batch, verification = _verify(
                        owner, problem, verify, batch, n_synthetic, generation
                    )
                    record.update(verification)
                    train = composer.compose(batch, generation)
                    if len(train) == 0:
                        warn_at_caller(
                            f"{name}: generation {generation} has no training data "
                            "(the verifier rejected every synthetic sample and no "
                            "real data is kept); the previous generation's model is "
                            "kept.",
                            CollapseWarning,
                        )
                        if store(record, previous, train, None) and stop:
                            termination = "collapsed"
                            break
                        continue
                    reason = problem.degenerate_reason(train)
                    if reason is not None:
                        raise _Degenerate(reason)

                estimator = _next_estimator(owner, previous, generation)
                seed_estimator(estimator, seeds.seed(generation, Stream.FIT), seed_keys)
                values = {}
                if schedule is not None:
                    context = GenerationContext(
                        generation=generation,
                        n_train=len(train),
                        n_real=int(np.count_nonzero(train.origin == 0)),
                        n_real_total=n_real,
                        X=train.X,
                        y=train.y,
                        sample_weight=train.weight,
                        estimator=estimator,
                        previous=previous,
                        label_noise_scale=synthesized.get("label_noise_scale", np.nan),
                        data=owner.data,
                        history=trajectory,
                        real_X=real.X,
                        real_y=real.y,
                        real_sample_weight=real.weight,
                    )
                    values = _apply_schedule(schedule, context, estimator)
                try:
                    model = _step(generation, "fit", problem.fit, estimator, train)
                except InvalidParameterError as exc:
                    if values:
                        raise ValueError(
                            f"The regularization schedule set {values} at generation "
                            f"{generation}, which {type(estimator).__name__} rejects: "
                            f"{exc}"
                        ) from exc
                    raise
                collapsed = store(record, model, train, train, values)
            except _Degenerate as exc:
                termination = "degenerate"
                _warn_degenerate(name, generation, str(exc))
                break
            previous, previous_train = model, train
            if collapsed and stop:
                termination = "collapsed"
                break
    finally:
        unchecked.close()
        if owner.verbose:
            _end_progress()

    result = trajectory.to_dict()
    return LoopResult(
        estimators=estimators,
        trajectory=result,
        n_generations=len(estimators) - 1,
        termination_condition=termination,
        collapse_generation=_collapse_generation(
            result.get(problem.diversity_key), owner.collapse_threshold
        ),
        sample_generation=np.asarray(previous_train.origin, dtype=int),
    )


class _Degenerate(Exception):
    """Collapse made a generation's data unusable: the loop stops there."""


def _step(generation, what, function, /, *args, **kwargs):
    """Call a step of the problem; in a generation g >= 1, an error of the base
    estimator (:data:`DEGENERATE_ERRORS`) becomes :class:`_Degenerate`.

    Errors of generation 0 (the user's data) and parameter errors are raised.
    """
    try:
        return function(*args, **kwargs)
    except (InvalidParameterError, InputError):
        raise
    except DEGENERATE_ERRORS as exc:
        if generation == 0:
            raise
        raise _Degenerate(f"{what}: {type(exc).__name__}: {exc}") from exc


def _next_estimator(owner, previous, generation):
    """A fresh clone, or with ``fine_tune`` a warm-started copy of ``previous``.

    The warm start of an *ensemble* adds members only up to its count
    parameter, so an unchanged count would add nothing: fine-tuning an
    ensemble grows it. The count (``max_iter`` of the histogram gradient
    boosting estimators, ``n_estimators`` of any other estimator with
    ``warm_start``: forests, bagging, gradient boosting) is raised by the
    base estimator's own count, so generation ``g`` holds ``g + 1`` times the
    base's members, the first ones those of generation ``g - 1``. A
    ``regularization`` schedule of the count is applied afterwards and wins.
    """
    if not owner.fine_tune or generation == 0:
        return clone(owner.estimator)
    from sklearn.ensemble import (
        HistGradientBoostingClassifier,
        HistGradientBoostingRegressor,
    )

    model = copy.deepcopy(previous)
    keys = nested_param_keys(model, "warm_start")
    params = model.get_params(deep=True)
    base = owner.estimator.get_params(deep=True)
    growth = {}
    for key in keys:
        prefix = key[: -len("warm_start")]
        part = params[prefix[:-2]] if prefix else model
        if isinstance(
            part, (HistGradientBoostingClassifier, HistGradientBoostingRegressor)
        ):
            count = prefix + "max_iter"
        elif "n_estimators" in part.get_params(deep=False):
            count = prefix + "n_estimators"
        else:
            continue
        if isinstance(base.get(count), numbers.Integral):
            growth[count] = params[count] + base[count]
    model.set_params(**{key: True for key in keys}, **growth)
    return model


def _apply_schedule(schedule, context, estimator):
    values = schedule(context)
    try:
        estimator.set_params(**values)
    except ValueError as exc:
        raise ValueError(
            f"The regularization schedule set {values} at generation "
            f"{context.generation}, which {type(estimator).__name__} rejects: {exc}"
        ) from exc
    return values


def _counts(train):
    n_real = int(np.count_nonzero(train.origin == 0))
    return {"n_train": len(train), "n_real": n_real, "n_synthetic": len(train) - n_real}


def _warn_degenerate(name, generation, reason):
    warn_at_caller(
        f"{name}: collapse made the data of generation {generation} too degenerate "
        f"to fit ({reason}); the loop stopped and keeps generation "
        f"{generation - 1} as the fitted estimator (termination_condition_="
        "'degenerate').",
        CollapseWarning,
    )


def _is_collapsed(generation, diversity, reference, threshold):
    """Whether a generation's diversity is at or below ``threshold`` times
    generation 0's (``reference``).

    Generation 0 is collapsed only when its diversity is 0 (the real data is
    already a Dirac mass, or has no variance); a later generation when its
    diversity is at or below ``threshold * reference``, for a finite
    positive ``reference``. A NaN diversity (a generation left without
    training data) is not collapsed.
    """
    if reference is None or not np.isfinite(reference) or reference < 0:
        return False
    if generation == 0 or reference == 0:
        return bool(diversity == 0)
    return bool(diversity <= threshold * reference)


def _collapse_generation(diversity, threshold):
    """First generation whose diversity is at or below ``threshold`` of
    generation 0's (0 when generation 0's is 0), or None: see
    :func:`_is_collapsed`."""
    if diversity is None or len(diversity) == 0:
        return None
    reference = diversity[0]
    if not np.isfinite(reference) or reference < 0:
        return None
    if reference == 0:
        return 0
    below = np.flatnonzero(diversity[1:] <= threshold * reference)
    return int(below[0] + 1) if below.size else None


def _end_progress():
    """Close the progress bar of a fit that ended (maybe early)."""
    from ._progress import end_fit

    end_fit()


def _print_progress(name, record, n_generations, start):
    """``verbose``: a progress bar over the generations (tqdm, in a terminal
    or a notebook), else one line per generation with its record."""
    from ._progress import report_generation

    report_generation(name, record, n_generations, start, time.perf_counter() - start)
