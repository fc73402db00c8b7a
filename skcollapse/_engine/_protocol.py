"""The protocol between the batched loop and a family of batched problems.

A *batched problem* is the batched twin of a refit
:class:`~skcollapse._problem.Problem`: it advances every repeat of a chunk at
once, on sufficient statistics where the family has them. It knows nothing of
the data regimes; :func:`skcollapse._engine._batched.run_chunk` composes each
generation's training set (replace, accumulate, accumulate-subsample, the
real rows kept) once for every family, with the helpers of
:mod:`skcollapse._loop`, and calls, in each generation ``g >= 1``:
:meth:`BatchedProblem.synthesize` (from generation ``g - 1``'s models),
:meth:`~BatchedProblem.real_part` for the real rows kept, ``+`` to combine
statistics, :meth:`~BatchedProblem.fit` and :meth:`~BatchedProblem.measure`.

Adding a family is one module: a subclass with :meth:`~BatchedProblem.covers`
(which configurations it reproduces, or why not) and the members below, and
its name in :data:`skcollapse._engine.FAMILIES`.
"""

# Authors: The skcollapse developers
# SPDX-License-Identifier: BSD-3-Clause

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["BatchedProblem", "Evaluation", "RealData", "Rows"]


@dataclass
class RealData:
    """The real data of a chunk of repeats, as the refit problem sees it.

    Arrays have a leading repeat axis of length 1 (the same data for every
    repeat) or of the chunk's length (a validation split drawn per repeat).

    Attributes
    ----------
    X : ndarray of shape (1 or n_repeats, n_real, n_features)
        The real training rows (validated, after the validation split).
    y : ndarray of shape (1 or n_repeats, n_real, n_outputs) or None
        Their targets (supervised families).
    weight : ndarray of shape (1 or n_repeats, n_real) or None
        Their sample weights.
    X_val, y_val : ndarray or None
        The held-out real rows of ``validation_fraction``.
    per_repeat : bool
        Whether each repeat has its own real data (a leading axis of the
        chunk's length, even for a chunk of one repeat: a family must then
        compute as for any chunk, so that a repeat's numbers do not depend on
        its chunk).
    classes : ndarray or None
        The labels a source declares (its ``classes`` attribute), known
        before any draw: a family that pools the classes of a chunk's
        repeats adds them, so that the pool, and with it every repeat's
        numbers, does not depend on which repeats share a chunk.
    """

    X: Any
    y: Any = None
    weight: Any = None
    X_val: Any = None
    y_val: Any = None
    per_repeat: bool = False
    classes: Any = None

    @property
    def n_rows(self):
        return self.X.shape[1]


@dataclass
class Rows:
    """Training rows of every repeat of a chunk (the accumulate-subsample pool).

    Attributes
    ----------
    values : ndarray of shape (n_repeats, n_rows, ...)
        The rows, in the family's own encoding (token indices, inputs).
    weight : ndarray of shape (n_repeats, n_rows) or None
        Sample weights (None: unweighted).
    real : ndarray of shape (n_repeats, n_rows) of bool
        Whether each row is real (its ``origin`` is 0).
    extra : ndarray of shape (n_repeats, n_rows, ...) or None
        A second array of the rows (the labels of a supervised family).
    """

    values: Any
    weight: Any
    real: Any
    extra: Any = None

    @property
    def n_rows(self):
        return self.values.shape[1]

    def take(self, indices):
        """The rows at ``indices`` of shape (n_repeats, k), per repeat."""

        def pick(array):
            if array is None:
                return None
            index = indices.reshape(indices.shape + (1,) * (array.ndim - 2))
            return np.take_along_axis(array, index, axis=1)

        return Rows(
            pick(self.values), pick(self.weight), pick(self.real), pick(self.extra)
        )

    def keep(self, repeats):
        return Rows(
            *(
                None if a is None else a[repeats]
                for a in (self.values, self.weight, self.real, self.extra)
            )
        )

    @staticmethod
    def concat(parts):
        """Row-wise concatenation; weights of 1 where a part has none."""
        parts = [p for p in parts if p is not None and p.n_rows > 0]
        if len(parts) == 1:
            return parts[0]
        if all(p.weight is None for p in parts):
            weight = None
        else:
            weight = np.concatenate(
                [
                    np.ones(p.real.shape) if p.weight is None else p.weight
                    for p in parts
                ],
                axis=1,
            )
        extra = (
            None
            if parts[0].extra is None
            else np.concatenate([p.extra for p in parts], axis=1)
        )
        return Rows(
            np.concatenate([p.values for p in parts], axis=1),
            weight,
            np.concatenate([p.real for p in parts], axis=1),
            extra,
        )


class BatchedProblem(ABC):
    """One family of models, advanced for a chunk of repeats at once.

    Built by the batched loop with the owner (the meta-estimator, whose
    parameters are read, never written), the chunk's :class:`RealData` and
    the fitted generation-0 base estimators (one shared by every repeat, or
    one per repeat). The state of every repeat's current model lives in
    arrays with a leading repeat axis; :meth:`keep` drops the repeats that
    stopped.

    Statistics objects returned by :meth:`synthesize`, :meth:`real_part` and
    :meth:`stats_of` support ``a + b`` (the statistics of the union of two
    sets of rows) and ``keep(repeats)``.
    """

    #: The trajectory key whose fall defines collapse, as the refit problem's.
    diversity_key: str

    @classmethod
    @abstractmethod
    def covers(cls, owner):
        """None if the family reproduces ``owner``'s base estimator and its
        family-specific parameters, else the reason, naming the estimator or
        parameter and the value that is not covered."""

    @classmethod
    def new_keys(cls, owner):
        """Trajectory keys the refit path records from generation 1 on only
        (appended after generation 0's keys, as the refit trajectory does)."""
        return ()

    @abstractmethod
    def synthesize(self, streams, n_samples, as_rows):
        """Every repeat's synthetic batch of ``n_samples`` rows drawn from its
        current model: statistics, or :class:`Rows` when ``as_rows``."""

    @abstractmethod
    def real_part(self, rows, as_rows):
        """The real rows kept: all (``rows`` None) or ``rows`` of shape
        ``(n_repeats, k)`` per repeat; statistics, or :class:`Rows`."""

    @abstractmethod
    def stats_of(self, rows):
        """Statistics of :class:`Rows`."""

    def first_generation(self):
        """Fit generation 0 of every repeat on its real data (all rows), for
        a problem built without models (``models=None``: each repeat's own
        real data drawn from a source); returns ``(stats, degenerate)``.
        A family that does not implement it has its generation 0 fitted by
        the refit path, repeat by repeat."""
        raise NotImplementedError

    @classmethod
    def fresh_sources(cls):
        """The classes of ``real_source`` (exactly those) the family draws
        fresh real rows from under ``real_sampling="fresh"``
        (:meth:`fresh_part`)."""
        return ()

    def fresh_part(self, streams, n_rows, as_rows):
        """``n_rows`` fresh real rows of every repeat, drawn from the owner's
        ``real_source``: statistics, or :class:`Rows` when ``as_rows``."""
        raise NotImplementedError

    @classmethod
    def regularizes(cls, owner):
        """None if the family reproduces the owner's ``regularization`` (not
        None), else the reason naming it."""
        return f"regularization={owner.regularization!r}"

    #: The repeats' ``random_state`` (``collapse_curve``'s ``seeds``), set by
    #: the loop right after the problem is built (before any :meth:`keep`),
    #: for a metric drawn as the refit path draws it, with the repeat's own
    #: :class:`~skcollapse._random.SeedTable`; a family that reads it keeps
    #: only the entries of the repeats it keeps.
    seeds = None

    def seeded_first(self):
        """``{key: ndarray of shape (n_repeats,)}``: generation 0's
        trajectory keys that depend on each repeat's :attr:`seeds` (a metric
        drawn at random), for a problem built with generation 0's models;
        they replace the shared record's values (the chunk's first repeat's)."""
        return {}

    #: ``(n_train, n_real)`` of every repeat's training set, set by the loop
    #: before each :meth:`fit` (what a ``regularization`` schedule reads).
    train_counts = None

    @abstractmethod
    def fit(self, stats, generation):
        """Fit every repeat's model on its training statistics.

        Returns a boolean array, True for the repeats whose data the refit
        path calls degenerate (their state is then left as it was).
        """

    @abstractmethod
    def measure(self, stats, generation):
        """``{key: ndarray of shape (n_repeats,)}``: the trajectory entries
        the refit problem's ``measure`` records, for every repeat."""

    @abstractmethod
    def keep(self, repeats):
        """Keep only the repeats at the integer indices ``repeats``."""

    # -- against a truth and a test set (collapse_curve's source, X_test) --
    @classmethod
    def evaluates(cls, owner, evaluation):
        """None if the family computes ``evaluation``'s keys (the ``truth_``
        keys of its source, the ``test_`` keys of its test set), else the
        reason, naming the source or scorer that is not covered."""
        return (
            f"source= and X_test= (the batched {cls.__name__} does not "
            "evaluate its models)"
        )

    def models(self):
        """Every repeat's current model as a fitted base estimator (a clone
        of the base with its fitted attributes set), for the evaluations the
        family does not compute in arrays."""
        raise NotImplementedError

    def evaluate(self, evaluation, generation):
        """``{key: ndarray of shape (n_repeats,)}``: the ``truth_*`` and
        ``test_*`` keys of every repeat's current model (generation ``g >=
        1``), as ``collapse_curve``'s refit path records them. The default
        evaluates :meth:`models` one by one."""
        return evaluation.of_models(self.models(), generation)


@dataclass
class Evaluation:
    """What ``collapse_curve`` measures every generation's model against.

    Attributes
    ----------
    source : data source or None
        ``source.evaluate`` gives the ``truth_*`` keys.
    test : ``model_selection._TestSet`` or None
        How the test set is scored (its scorer, None: log-likelihood only;
        the estimator's kind).
    X_test, y_test : array-like or None
        The test set.
    scoring : object
        ``collapse_curve``'s ``scoring`` argument (None: the base's own
        ``score``).
    n_samples : int or None
        Rows of real data each repeat draws from ``source``.
    name : str
        The meta-estimator's class name (for the warnings).
    """

    source: Any = None
    test: Any = None
    X_test: Any = None
    y_test: Any = None
    scoring: Any = None
    n_samples: Any = None
    name: str = ""

    @property
    def active(self):
        return self.source is not None or self.test is not None

    def of_models(self, models, generation, truth=True, test=True):
        """The keys of fitted base models, one per repeat, as the refit path
        computes them (an error collapse made is NaN with a warning)."""
        from ..model_selection import _guarded, _test_scores, _truth

        records = []
        for model in models:
            record = {}
            if truth and self.source is not None:
                record.update(
                    _guarded(
                        generation,
                        self.name,
                        "source.evaluate",
                        lambda model=model: _truth(self.source, model),
                    )
                )
            if test and self.test is not None:
                record.update(
                    _guarded(
                        generation,
                        self.name,
                        "scoring X_test",
                        lambda model=model: _test_scores(
                            model,
                            self.X_test,
                            self.y_test,
                            self.test.scorer,
                            self.test.kind,
                        ),
                    )
                )
            records.append(record)
        keys = []
        for record in records:
            keys += [key for key in record if key not in keys]
        return {
            key: np.array([record.get(key, np.nan) for record in records], dtype=float)
            for key in keys
        }


def evaluate_with(problem, evaluation, generation, truth, test):
    """The keys of :meth:`BatchedProblem.evaluate` from a family's array
    computations ``truth(source)`` and ``test(evaluation)`` (each returns
    a dict, or None when it does not cover the source or the scorer), the
    others through :meth:`BatchedProblem.models` one model at a time."""
    record, need_truth, need_test = {}, False, False
    if evaluation.source is not None:
        values = truth(evaluation.source)
        need_truth = values is None
        record.update(values or {})
    if evaluation.test is not None:
        values = test(evaluation)
        need_test = values is None
        record.update(values or {})
    if need_truth or need_test:
        record.update(
            evaluation.of_models(
                problem.models(), generation, truth=need_truth, test=need_test
            )
        )
    return record
