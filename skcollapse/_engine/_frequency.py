"""Batched ``RecursiveRetrainer`` over ``FrequencyClassifier`` and
``DummyClassifier(strategy="prior")``: label counts per context.

Seddik et al.'s statistical language model: one multinomial per context.
With ``inputs="reuse"`` or ``"bootstrap"`` every training row, real or
synthetic, has the inputs of a real row, so its *context* (its distinct input
row) is one of the real data's; a training set is summarised by its
(weighted) label counts per context and class, ``counts`` of shape
``(n_repeats, n_contexts, n_classes)``, and by the (unweighted) number of
its rows of each class (the classes a fit sees: ``np.unique(y)`` of every
row, zero-weight ones included). Accumulating is a running sum of these.

The fit is ``FrequencyClassifier``'s: in a context with training rows,
``(c_k + alpha) / (sum_j c_j + alpha K)`` over the ``K`` classes of the
training set (0 for the others, as the refit's ``_full_proba`` expands a
model that lost classes); in a context without any, the marginal frequencies
``(sum_c c_k + alpha) / (n + alpha K)``. ``DummyClassifier(strategy="prior")``
is the same with one context and ``alpha = 0``. Labels are drawn as the
refit path draws them (``retrainer._sample_rows``): from ``p ** (1 / T)``,
tempered in log space relative to the most probable class, by the inverse CDF
of one uniform per row; ``label_noise="argmax"`` takes the first most
probable class (``predict``).
"""

# Authors: The skcollapse developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
from sklearn.dummy import DummyClassifier

from .._sources import GaussianClassificationSource
from ..generative import FrequencyClassifier
from ..verification import _positive_labels
from ._density import broadcast
from ._protocol import BatchedProblem, Rows, evaluate_with
from ._verify import BatchedVerifier, batch_digest

__all__ = ["FrequencyFamily"]

#: Values of one per-context state array of a chunk at most (16 Mi floats:
#: 128 MB), which bounds the repeats of a chunk.
_STATE_VALUES = 1 << 24


class _Table:
    """Label counts of a training set per repeat: ``counts`` (weighted, per
    context and class), ``present`` (rows of each class, unweighted) and
    ``n_rows``."""

    def __init__(self, counts, present, n_rows):
        self.counts, self.present, self.n_rows = counts, present, n_rows

    def __add__(self, other):
        return _Table(
            self.counts + other.counts,
            self.present + other.present,
            self.n_rows + other.n_rows,
        )

    def keep(self, repeats):
        return _Table(self.counts[repeats], self.present[repeats], self.n_rows[repeats])


def _temper(p, temperature):
    """``retrainer._sample_rows``'s tempering along the last axis, normalised
    into a CDF whose last entry is exactly 1."""
    if temperature != 1.0:
        with np.errstate(divide="ignore"):
            log_p = np.log(p)
        top = np.max(log_p, axis=-1, keepdims=True)
        with np.errstate(over="ignore", under="ignore", invalid="ignore"):
            p = np.exp((log_p - top) / temperature)
    cdf = np.cumsum(p, axis=-1)
    return cdf / cdf[..., -1:]


def _draw(cdf, contexts, uniforms):
    """One class per row: ``#{k : cdf[r, contexts[r, i], k] < 1 - u}``.

    ``1 - u`` lies in ``(0, 1]`` (the refit's ``1 - rng.random()``), so a
    class of probability 0 is never drawn. The CDF is non-decreasing and
    ends at 1, so the count is the first class whose CDF reaches ``1 - u``:
    found by bisection, ``ceil(log2(n_classes))`` gathers of one CDF value
    per row instead of a row of ``n_classes``.
    """
    n_repeats, n_contexts, n_classes = cdf.shape
    flat = cdf.reshape(-1)
    base = (contexts + (np.arange(n_repeats) * n_contexts)[:, None]) * n_classes
    v = 1.0 - uniforms
    lo = np.zeros(contexts.shape, dtype=np.int64)
    hi = np.full(contexts.shape, n_classes - 1, dtype=np.int64)
    for _ in range(int(np.ceil(np.log2(max(n_classes, 2))))):
        mid = (lo + hi) >> 1
        below = flat[base + mid] < v
        lo = np.where(below, mid + 1, lo)
        hi = np.where(below, hi, mid)
    return lo


class FrequencyFamily(BatchedProblem):
    """``RecursiveRetrainer(FrequencyClassifier(alpha) or
    DummyClassifier(strategy="prior"))`` with ``label_noise`` ``"sample"`` or
    ``"argmax"``, any ``temperature``, ``inputs`` ``"reuse"`` or
    ``"bootstrap"``, on label counts per context."""

    diversity_key = "prediction_std"
    #: It selects its synthetic rows with the ready verifiers (:mod:`._verify`).
    verifies = True
    computable = frozenset(
        {"score_real", "score_validation", "prediction_std", "drift", "n_classes_train"}
    )

    @classmethod
    def bases(cls):
        return (FrequencyClassifier, DummyClassifier)

    @classmethod
    def covers(cls, owner):
        base = owner.estimator
        if isinstance(base, DummyClassifier) and base.strategy != "prior":
            return f"DummyClassifier(strategy={base.strategy!r}) (batched: 'prior')"
        if not isinstance(owner.inputs, str) or owner.inputs not in (
            "reuse",
            "bootstrap",
        ):
            return f"inputs={owner.inputs!r} (batched: 'reuse', 'bootstrap')"
        noise = owner.label_noise
        if noise == "auto":
            noise = "sample"
        if noise not in ("sample", "argmax"):
            return f"label_noise={owner.label_noise!r} (batched: 'sample', 'argmax')"
        missing = sorted(set(owner._check_metrics()) - cls.computable)
        if missing:
            return f"metrics={missing}"
        return None

    @classmethod
    def chunk_limit(cls, owner, X, y, evaluation=None):
        """Repeats per chunk at most: every repeat holds a few arrays of
        ``n_contexts x n_classes`` values, kept under :data:`_STATE_VALUES`
        each (the result does not depend on the chunk). Each repeat with its
        own real data (a source, a validation split) has a context per row
        at most; a source's repeats, as many classes as its ``classes`` (or
        rows)."""
        pooled = isinstance(owner.estimator, DummyClassifier)
        if X is None:  # each repeat draws its real data from a source
            n_rows = int(evaluation.n_samples)
            n_classes = len(getattr(evaluation.source, "classes", ())) or n_rows
            return max(1, _STATE_VALUES // ((1 if pooled else n_rows) * n_classes))
        X = np.asarray(X, dtype=float).reshape(len(X), -1) + 0.0
        if pooled:
            n_contexts = 1
        elif owner.validation_fraction is not None:
            n_contexts = len(X)
        else:
            n_contexts = len(np.unique(X, axis=0))
        n_classes = len(np.unique(np.asarray(y)))
        return max(1, _STATE_VALUES // (n_contexts * n_classes))

    @classmethod
    def new_keys(cls, owner):
        if owner.verifier is not None:
            return ("synthetic_error", "acceptance_rate", "selected_error")
        return ("synthetic_error", "selected_error")

    def __init__(self, owner, real, models, n_repeats):
        self.n_repeats = n_repeats
        self.wanted = set(owner._check_metrics())
        base = self.estimator = owner.estimator
        self.pooled = isinstance(base, DummyClassifier)  # one context
        self.alpha = 0.0 if self.pooled else float(base.alpha)
        self.argmax = owner.label_noise == "argmax"
        self.temperature = float(owner.temperature)
        self.inputs = owner.inputs
        self.synthetic_weight = float(owner.synthetic_weight)
        self.weight = real.weight
        self.weighted = real.weight is not None or owner.synthetic_weight != 1.0

        y = np.asarray(real.y)
        y = y.reshape(y.shape[:2])
        labels = [y.ravel()]
        if real.y_val is not None:
            labels.append(np.asarray(real.y_val).ravel())
        if real.classes is not None:  # a source's: the same for every chunk
            labels.append(np.asarray(real.classes).ravel())
        # the meta-estimator's classes_: every real label, validation included
        # (with a source, the union over the chunk's repeats and its classes)
        self.classes = classes = np.unique(np.concatenate(labels))
        self.n_classes = len(classes)
        X = np.asarray(real.X, dtype=float)
        X = X.reshape(X.shape[:2] + (-1,))
        self.n_real = X.shape[1]
        self.n_features = X.shape[2]
        X_val = None
        if real.X_val is not None:
            X_val = np.asarray(real.X_val, dtype=float)
            X_val = X_val.reshape(X_val.shape[:2] + (-1,))
        # (1 or R', C, n_features), (1 or R', n_real + n_val), (1 or R',)
        self.contexts, index, self.n_distinct = self._layout(X, X_val, real.per_repeat)
        self.n_contexts = self.contexts.shape[1]
        self.context = index[:, : self.n_real]
        self.label = np.searchsorted(classes, y)
        self.validation = None
        if real.X_val is not None:
            shape = X_val.shape[:2]
            y_val = np.asarray(real.y_val).reshape(shape)
            self.validation = (index[:, self.n_real :], np.searchsorted(classes, y_val))
        # real rows per context (the weights of the metrics on the real inputs)
        self.multiplicity = self._per_context(self.context)
        self.real_rows = Rows(
            self.context,
            real.weight,
            np.ones(self.context.shape, dtype=bool),
            self.label,
        )
        if models is None:  # generation 0 fitted by first_generation
            p = np.zeros((n_repeats, self.n_contexts, self.n_classes))
        else:
            from ..retrainer import _full_proba

            contexts = broadcast(self.contexts, len(models))
            p = np.stack(
                [
                    _full_proba(model, rows, classes)
                    for model, rows in zip(models, contexts)
                ]
            )
        self.p = broadcast(p, n_repeats).copy()
        self.first = p
        self._drawn = {}
        self.n_candidates = int(owner.n_candidates)
        self.verify = None
        if owner.verifier is not None:
            self.verify = BatchedVerifier(owner, real.X)
        #: Synthetic rows the verifier kept of the last batch, per repeat
        #: (None: every row; read by the batched loop).
        self.selected = None
        self._n_classes_train = None
        self.nonint = None
        if self.classes.dtype.kind == "f":
            self.nonint = self.classes != self.classes.astype(int)
        # the training counts of every repeat's current model (generation 0:
        # its real rows), for models(); the truth and test sets' lookups
        first = self.real_part(None, False)
        self.trained = (first.counts, first.present)
        self._lookups = {}

    def _layout(self, X, X_val, per_repeat):
        """The contexts (distinct input rows, sorted; -0.0 and 0.0 are one,
        as in FrequencyClassifier), each real row's context and the number of
        distinct contexts.

        Shared real data: the contexts of its rows. Each repeat its own real
        data (a source, a validation split): every repeat its own contexts,
        padded to one per row (its last context repeated, no row has it), so
        a repeat's arrays do not depend on its chunk.
        """
        parts = [X] if X_val is None else [X, X_val]
        rows = np.concatenate(parts, axis=1) + 0.0  # (1 or R', n_total, d)
        n, n_total = rows.shape[:2]
        if self.pooled:
            return (
                rows[:, :1],
                np.zeros((n, n_total), dtype=np.int64),
                np.ones(n, dtype=np.int64),
            )
        if not per_repeat:
            contexts, index = np.unique(rows[0], axis=0, return_inverse=True)
            return (
                contexts[None],
                index.reshape(1, n_total),
                np.array([len(contexts)]),
            )
        contexts = np.empty_like(rows)
        index = np.empty((n, n_total), dtype=np.int64)
        distinct = np.empty(n, dtype=np.int64)
        for r in range(n):
            unique, inverse = np.unique(rows[r], axis=0, return_inverse=True)
            distinct[r] = len(unique)
            contexts[r, : len(unique)] = unique
            contexts[r, len(unique) :] = unique[-1]
            index[r] = inverse.ravel()
        return contexts, index, distinct

    def _per_context(self, context):
        """Rows per context, (1 or n_repeats, n_contexts)."""
        n, C = context.shape[0], self.n_contexts
        flat = (context + (np.arange(n) * C)[:, None]).ravel()
        return np.bincount(flat, minlength=n * C).reshape(n, C).astype(float)

    def keep(self, repeats):
        self.n_repeats = len(repeats)
        self.p = self.p[repeats]
        if self.first.shape[0] > 1:
            self.first = self.first[repeats]
        self.trained = tuple(a[repeats] for a in self.trained)
        self._lookups = {}
        if self.contexts.shape[0] > 1:
            self.contexts = self.contexts[repeats]
            self.n_distinct = self.n_distinct[repeats]
        if self.context.shape[0] > 1:
            self.context, self.label = self.context[repeats], self.label[repeats]
            self.multiplicity = self.multiplicity[repeats]
            self.real_rows = self.real_rows.keep(repeats)
            if self.weight is not None:
                self.weight = self.weight[repeats]
            if self.validation is not None:
                self.validation = tuple(v[repeats] for v in self.validation)
        self._drawn = {k: v[repeats] for k, v in self._drawn.items()}
        if self.verify is not None:
            self.verify.keep(repeats)
        if self.selected is not None:
            self.selected = self.selected[repeats]

    def first_generation(self):
        """Fit generation 0 of every repeat on its real rows (all of them),
        as the refit path fits it (a source's repeats, each its own rows)."""
        stats = self.real_part(None, False)
        degenerate = self.fit(stats, 0)
        self.first = self.p.copy()
        return stats, degenerate

    # -- against a truth and a test set ----------------------------------
    @classmethod
    def evaluates(cls, owner, evaluation):
        # GaussianClassificationSource and the accuracy in arrays, else models()
        source = getattr(evaluation, "source", None)
        if source is not None and getattr(source, "classes", None) is None:
            # without declared labels the pool of a chunk's classes would be
            # the labels its repeats happened to draw: numbers that depend on
            # the chunk
            return (
                f"source={source!r} without a classes attribute (the batched "
                f"{cls.__name__} needs the labels a source can draw up front)"
            )
        return None

    def models(self):
        """Every repeat's model: a clone of the base fitted on its training
        counts (one row per context and class of positive count, weighed by
        the count; a class of zero weight by a row of weight 0), so it has
        the very ``classes_``, ``contexts_``, ``counts_`` (the prior of a
        ``DummyClassifier``) of its fit."""
        from sklearn.base import clone

        counts, present = self.trained
        contexts = broadcast(self.contexts, self.n_repeats)
        models = []
        for r in range(self.n_repeats):
            seen = present[r] > 0
            table = counts[r][:, seen]
            context, label = np.nonzero(table > 0)
            weight = table[context, label]
            empty = np.flatnonzero(~np.any(table > 0, axis=0))
            context = np.concatenate([context, np.zeros(len(empty), np.int64)])
            label = np.concatenate([label, empty])
            weight = np.concatenate([weight, np.zeros(len(empty))])
            X = contexts[r][context]
            if self.pooled:
                X = np.zeros((len(label), self.n_features))
            model = clone(self.estimator)
            model.fit(X, self.classes[seen][label], sample_weight=weight)
            models.append(model)
        return models

    def evaluate(self, evaluation, generation):
        return evaluate_with(self, evaluation, generation, self._truth, self._test)

    def _lookup(self, key, X, y):
        """Where the rows of ``X`` (labels ``y``) meet every repeat's
        contexts: ``(position, table, unmatched)``, with ``table`` the label
        counts of the distinct rows of ``X`` ``(E, K + 1)`` (last column: a
        label outside the classes), ``position[r, c]`` the row of ``table``
        of context ``c`` of repeat ``r`` (-1 when no row of ``X`` is it) and
        ``unmatched[r]`` the label counts of the rows of ``X`` that are none
        of repeat ``r``'s contexts (its model gives them the marginal
        frequencies). None when ``X`` or ``y`` does not fit the real data
        (the refit path's scorer then meets it, through models())."""
        if key in self._lookups:
            return self._lookups[key]
        from sklearn.utils import check_array

        lookup = None
        try:
            X = check_array(X, dtype="numeric")
            y = np.asarray(y)
        except (TypeError, ValueError):
            X = None
        if (
            X is not None
            and X.shape[1] == self.n_features
            and y.ndim == 1
            and len(y) == len(X)
            and (y.dtype.kind in "biuf") == (self.classes.dtype.kind in "biuf")
        ):
            K = self.n_classes
            index = np.minimum(np.searchsorted(self.classes, y), K - 1)
            label = np.where(self.classes[index] == y, index, K)
            X = np.asarray(X, dtype=float) + 0.0
            n = self.n_repeats
            if self.pooled:
                rows, inverse = X[:1], np.zeros(len(X), dtype=np.int64)
            else:
                rows, inverse = np.unique(X, axis=0, return_inverse=True)
                inverse = inverse.ravel()
            table = np.bincount(
                inverse * (K + 1) + label, minlength=len(rows) * (K + 1)
            ).reshape(len(rows), K + 1)
            contexts = self.contexts
            if self.pooled:
                position = np.zeros(contexts.shape[:2], dtype=np.int64)
            else:
                flat = contexts.reshape(-1, contexts.shape[2])
                both = np.concatenate([rows, flat])
                _, ids = np.unique(both, axis=0, return_inverse=True)
                ids = ids.ravel()
                where = np.full(len(both), -1, dtype=np.int64)
                where[ids[: len(rows)]] = np.arange(len(rows))
                position = where[ids[len(rows) :]].reshape(contexts.shape[:2])
                # a padded context repeats a real one: count it once
                padded = np.arange(contexts.shape[1]) >= self.n_distinct[:, None]
                position = np.where(padded, -1, position)
            position = broadcast(position, n)
            matched = np.where(
                (position >= 0)[:, :, None], table[np.maximum(position, 0)], 0
            )
            unmatched = table.sum(axis=0) - matched.sum(axis=1)
            lookup = (position, table, matched.astype(float), unmatched.astype(float))
        self._lookups[key] = lookup
        return lookup

    def _marginal(self):
        """Every repeat's frequencies in a context it has no rows of."""
        counts, present = self.trained
        seen = present > 0
        total = counts.sum(axis=1)
        smoothed = np.where(seen, total + self.alpha, 0.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            return (
                smoothed / (total.sum(axis=1) + self.alpha * seen.sum(axis=1))[:, None]
            )

    def _scores(self, lookup, log_loss):
        """Accuracy (and the log-loss, probabilities clipped at float64
        epsilon) of every repeat's model on the rows of a lookup."""
        _, table, matched, unmatched = lookup
        n_rows = float(table.sum())
        p, marginal = self.p, self._marginal()
        predicted = self.predicted()
        top = np.argmax(marginal, axis=1)
        right = np.take_along_axis(matched, predicted[:, :, None], axis=2)[:, :, 0]
        accuracy = (
            right.sum(axis=1) + np.take_along_axis(unmatched, top[:, None], 1)[:, 0]
        ) / n_rows
        if not log_loss:
            return accuracy, None
        eps = np.finfo(np.float64).eps
        zeros = np.zeros(p.shape[:2] + (1,))
        with np.errstate(divide="ignore"):
            log_p = np.log(np.clip(np.concatenate([p, zeros], axis=2), eps, 1.0))
            log_m = np.log(
                np.clip(np.concatenate([marginal, zeros[:, 0]], axis=1), eps, 1.0)
            )
        total = np.sum((matched * log_p).reshape(len(p), -1), axis=1) + np.sum(
            unmatched * log_m, axis=1
        )
        return accuracy, -total / n_rows

    def _truth(self, source):
        """GaussianClassificationSource's ``accuracy`` and ``log_loss`` (its
        ``evaluate``'s Monte Carlo on its fixed evaluation sample, for a
        model without ``coef_``), from the counts."""
        if type(source) is not GaussianClassificationSource:
            return None
        X, y = source._evaluation_sample()
        lookup = self._lookup("truth", X, y)
        if lookup is None:
            return None
        accuracy, log_loss = self._scores(lookup, True)
        return {"truth_accuracy": accuracy, "truth_log_loss": log_loss}

    def _test(self, evaluation):
        """``scoring=None`` (the classifier's ``score``) and ``"accuracy"``
        (alone or in a list) from the counts; any other scorer one model at
        a time."""
        scoring = evaluation.scoring
        if scoring is None or isinstance(scoring, str):
            names = {"score": "accuracy" if scoring is None else scoring}
        elif isinstance(scoring, (list, tuple)) and all(
            isinstance(name, str) for name in scoring
        ):
            names = {name: name for name in scoring}
        else:
            return None
        if set(names.values()) != {"accuracy"}:
            return None
        lookup = self._lookup("test", evaluation.X_test, evaluation.y_test)
        if lookup is None:
            return None
        accuracy, _ = self._scores(lookup, False)
        return {f"test_{key}": accuracy for key in names}

    # -- the protocol -----------------------------------------------------
    def _rows(self, streams, n_samples):
        """The real rows whose inputs a synthetic batch has (as the refit's
        ``_draw_inputs``); None: every row, in order."""
        n_real = self.n_real
        if self.inputs == "bootstrap":
            drawn = np.floor(streams.uniform(n_samples) * n_real).astype(np.int64)
            return np.minimum(drawn, n_real - 1)
        if n_samples == n_real:
            return None
        if n_samples > n_real:
            rows = np.resize(np.arange(n_real), n_samples)
            return np.broadcast_to(rows, (self.n_repeats, n_samples))
        return np.sort(streams.subset(n_real, n_samples), axis=1)

    def predicted(self):
        """Every repeat's ``predict`` per context, (n_repeats, n_contexts)."""
        return np.argmax(self.p, axis=2)

    def draw(self, streams, rows, n_candidates=1):
        """A synthetic batch at the real rows ``rows`` (None: all, in order),
        each repeated ``n_candidates`` times: :class:`Rows` of contexts and
        labels, and the rows' real labels (the reference)."""
        n = self.n_repeats
        context = broadcast(self.context, n)
        reference = broadcast(self.label, n)
        weight = None
        if self.weighted:
            weight = (
                np.full(context.shape, self.synthetic_weight)
                if self.weight is None
                else self.synthetic_weight * broadcast(self.weight, n)
            )
        if rows is not None:
            context = np.take_along_axis(context, rows, axis=1)
            reference = np.take_along_axis(reference, rows, axis=1)
            if weight is not None:
                weight = np.take_along_axis(weight, rows, axis=1)
        if n_candidates > 1:
            context = np.repeat(context, n_candidates, axis=1)
            reference = np.repeat(reference, n_candidates, axis=1)
            if weight is not None:
                weight = np.repeat(weight, n_candidates, axis=1)
        predicted = np.take_along_axis(self.predicted(), context, axis=1)
        if self.argmax:
            labels, noise_scale = predicted, np.zeros(n)
        else:
            cdf = _temper(self.p, self.temperature)
            labels = _draw(cdf, context, streams.uniform(context.shape[1]))
            noise_scale = np.mean(labels != predicted, axis=1)
        batch = Rows(context, weight, np.zeros(context.shape, dtype=bool), labels)
        return batch, reference, noise_scale

    def synthesize(self, streams, n_samples, as_rows):
        rows = self._rows(streams, n_samples)
        batch, reference, noise_scale = self.draw(streams, rows, self.n_candidates)
        error = np.mean(batch.extra != reference, axis=1)
        self._drawn = {
            "label_noise_scale": noise_scale,
            "synthetic_error": error,
            "selected_error": error,
        }
        if self.verify is None:
            return batch if as_rows else self.stats_of(batch)
        return self._select(streams, batch, reference, rows, n_samples)

    def _select(self, streams, batch, reference, rows, n_slots):
        """Score the candidates, keep what the selection rule keeps."""
        n = self.n_repeats
        real_rows = (
            np.broadcast_to(np.arange(self.n_real), (n, self.n_real))
            if rows is None
            else rows
        )
        real_rows = np.repeat(real_rows, self.n_candidates, axis=1)
        labels, classes = batch.extra, self.classes

        def continuous():
            if self.nonint is None:
                return np.zeros(n, dtype=bool)
            return np.any(self.nonint[labels], axis=1)

        def difference(truth):
            return np.abs(np.asarray(truth, dtype=float) - classes[labels])

        scores = self.verify.scores(
            real_rows,
            equal=lambda truth: np.asarray(truth == classes[labels], dtype=bool),
            continuous=continuous,
            difference=difference,
            # (compared on the classes, then indexed: one check of the
            # vocabulary instead of every label of every repeat)
            positive=lambda label: _positive_labels(classes, label)[labels],
            digest=lambda: batch_digest(batch.values, labels),
            streams=streams,
        )
        chosen, keep = self.verify.select(scores, n_slots)
        selected = batch.take(chosen)
        reference = np.take_along_axis(reference, chosen, axis=1)
        n_kept = keep.sum(axis=1)
        wrong = np.sum((selected.extra != reference) & keep, axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            selected_error = np.where(n_kept > 0, wrong / n_kept, np.nan)
        self._drawn.update(
            n_rejected=(n_slots - n_kept).astype(float),
            acceptance_rate=n_kept / n_slots,
            selected_error=selected_error,
        )
        self.selected = n_kept
        return self.stats_of(selected, keep)

    def real_part(self, rows, as_rows):
        n, real = self.n_repeats, self.real_rows
        real = Rows(
            broadcast(real.values, n),
            broadcast(real.weight, n),
            broadcast(real.real, n),
            broadcast(real.extra, n),
        )
        if rows is not None:
            real = real.take(rows)
        return real if as_rows else self.stats_of(real)

    def stats_of(self, rows, keep=None):
        """Counts of ``rows``; of the rows ``keep`` marks (R, n_rows) only."""
        context, labels, weight = rows.values, rows.extra, rows.weight
        n, C, K = context.shape[0], self.n_contexts, self.n_classes
        offset = (np.arange(n) * C)[:, None]
        flat = ((context + offset) * K + labels).ravel()
        if keep is not None:
            weight = keep if weight is None else weight * keep
        w = None if weight is None else weight.ravel()
        counts = np.bincount(flat, weights=w, minlength=n * C * K)
        present = np.bincount(
            (labels + (np.arange(n) * K)[:, None]).ravel(),
            weights=None if keep is None else keep.ravel().astype(float),
            minlength=n * K,
        )
        n_rows = np.full(n, context.shape[1]) if keep is None else keep.sum(axis=1)
        return _Table(
            counts.reshape(n, C, K).astype(float), present.reshape(n, K), n_rows
        )

    def fit(self, stats, generation):
        counts = stats.counts
        seen = stats.present > 0  # the classes_ of the generation's fit
        n_seen = seen.sum(axis=1)
        alpha = self.alpha
        smoothed = np.where(seen[:, None, :], counts + alpha, 0.0)
        total = counts.sum(axis=2)
        with np.errstate(invalid="ignore", divide="ignore"):
            p = smoothed / (total + alpha * n_seen[:, None])[:, :, None]
        # a context without training rows (of positive weight): the marginal
        marginal = counts.sum(axis=1)
        smoothed = np.where(seen, marginal + alpha, 0.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            marginal = smoothed / (marginal.sum(axis=1) + alpha * n_seen)[:, None]
        p = np.where((total > 0)[:, :, None], p, marginal[:, None, :])
        degenerate = ~np.all(np.isfinite(p), axis=(1, 2))
        # no training row at all (the verifier rejected every synthetic row
        # and no real row is kept): the refit path keeps the previous model
        # and records no training classes
        empty = stats.n_rows == 0
        degenerate &= ~empty
        stale = degenerate | empty
        if np.any(stale):
            p = np.where(stale[:, None, None], self.p, p)
            counts = np.where(stale[:, None, None], self.trained[0], counts)
            present = np.where(stale[:, None], self.trained[1], stats.present)
        else:
            present = stats.present
        self.p = p
        self.trained = (counts, present)
        self._n_classes_train = np.where(empty, np.nan, n_seen)
        return degenerate

    def _accuracy(self, context, labels):
        predicted = np.take_along_axis(
            self.predicted(), broadcast(context, self.n_repeats), axis=1
        )
        return np.mean(predicted == labels, axis=1)

    def measure(self, stats, generation):
        p, wanted, record = self.p, self.wanted, dict(self._drawn)
        if "score_real" in wanted:
            record["score_real"] = self._accuracy(self.context, self.label)
        if self.validation is not None and "score_validation" in wanted:
            record["score_validation"] = self._accuracy(*self.validation)
        # the probability vectors at the real inputs, per context
        weight = broadcast(self.multiplicity, p.shape[0])
        n = float(self.n_real)
        single = broadcast(self.n_distinct == 1, p.shape[0])
        spread = None
        if not np.all(single):
            mean = np.einsum("rc,rck->rk", weight, p) / n
            spread = np.einsum("rc,rck->r", weight, (p - mean[:, None, :]) ** 2) / n
        if np.any(single):
            # n equal rows: the exact value is 0, the refit path's is the
            # rounding of its column mean (numpy adds the rows one by one),
            # reproduced here so that both compare alike with generation 0's
            # (the reference of collapse)
            first = p[:, :1]
            rows = np.broadcast_to(first, (p.shape[0], self.n_real, p.shape[2]))
            mean = np.add.reduce(rows, axis=1) / n
            alone = np.sum((first[:, 0, :] - mean) ** 2, axis=1)
            spread = alone if spread is None else np.where(single, alone, spread)
        record["prediction_std"] = np.sqrt(np.maximum(spread, 0.0))
        if "drift" in wanted:
            change = np.einsum("rc,rck->r", weight, (p - self.first) ** 2)
            record["drift"] = np.sqrt(change / n)
        if "n_classes_train" in wanted:
            record["n_classes_train"] = self._n_classes_train.astype(float)
        return record
