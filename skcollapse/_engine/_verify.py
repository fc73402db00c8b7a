"""Batched verification: the ready verifiers of :mod:`skcollapse.verification`
with ``threshold``, ``keep_fraction`` and ``n_candidates`` (Feng et al.'s
selection), for every repeat of a chunk at once.

Which verifiers qualify, and why: under the batched supervised families
every synthetic row has the inputs of a real row (``inputs="reuse"`` or
``"bootstrap"``), so a verifier whose score of a row is a function of that
row's inputs and its synthetic label needs to see the real rows once:

- :class:`~skcollapse.verification.OracleVerifier`: its ``truth`` is
  evaluated once on the real rows (a row-wise function: ``LabelLookup``, a
  fitted estimator's ``predict``); a synthetic label scores 1 when it equals
  its row's truth, 0 otherwise (classification) or minus the absolute error
  (regression; ``task="auto"`` decides per repeat and generation from the
  batch's labels, as ``type_of_target`` does);
- :class:`~skcollapse.verification.NoisyVerifier`: the same truth, and a
  keep decision ``u < keep_correct`` or ``u < keep_wrong``. The refit path
  draws ``u`` from a generator keyed by the verifier's seed and a hash of the
  batch, so a batch drawn again gets the same decisions; here ``u`` is a
  64-bit hash (splitmix64) of the repeat's own key, a hash of the batch (its
  rows' inputs, labels and order) and the row's position: the same
  decisions for the same batch of a repeat, independent ones otherwise;
- :class:`~skcollapse.verification.LinearVerifier`: the margin
  ``x' coef + intercept`` of every real row once, signed by the label.

Others are refused with the reason: a callable or an estimator is called on
each repeat's batch (arbitrary code the batched engine cannot vectorise),
:class:`~skcollapse.verification.LabelLookup` is a truth, not a verifier.
The selection is :func:`skcollapse._loop.select` row-wise: the best of
``n_candidates`` per slot (the first on ties), then the scores at least
``threshold``, then the best ``ceil(keep_fraction * n_slots)`` (ties keep
the earlier row).
"""

# Authors: The skcollapse developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np

from ..verification import (
    LabelLookup,
    LinearVerifier,
    NoisyVerifier,
    OracleVerifier,
    _positive_labels,
)
from ._linear import LinearFamily, _Design, _per_row

__all__ = ["BatchedVerifier", "VerifiedLinearFamily", "verified", "verifier_reason"]

_READY = (OracleVerifier, NoisyVerifier, LinearVerifier)
_MASK = np.uint64(0xFFFFFFFFFFFFFFFF)


def verifier_reason(family, owner):
    """None if ``family`` verifies ``owner``'s verifier in batches, else the
    reason, naming the parameter and the value."""
    verifier = owner.verifier
    if not getattr(family, "verifies", False):
        return (
            f"verifier={type(verifier).__name__} (the batched {family.__name__} "
            "does not select its synthetic rows)"
        )
    if owner.data == "accumulate-subsample":
        return (
            "verifier= with data='accumulate-subsample' (batched: a verifier with "
            "'replace' or 'accumulate')"
        )
    if isinstance(verifier, LabelLookup):
        return (
            "verifier=LabelLookup (a truth, not a verifier: pass "
            "OracleVerifier(LabelLookup(X, y)))"
        )
    if type(verifier) not in _READY:
        kind = "an estimator" if hasattr(verifier, "fit") else "a callable"
        return (
            f"verifier={type(verifier).__name__} ({kind}, called on each repeat's "
            "batch; batched: OracleVerifier, NoisyVerifier, LinearVerifier)"
        )
    return None


def _mix(x):
    """The splitmix64 finaliser, element-wise on uint64 (wrapping)."""
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def batch_digest(*columns):
    """A 64-bit hash per repeat of a batch: its ``columns`` (uint64 arrays of
    shape (n_repeats, n_rows): the rows' input key and label) in order."""
    n_rows = columns[0].shape[1]
    position = np.arange(n_rows, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    h = np.zeros(columns[0].shape, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j, column in enumerate(columns):
            h = _mix(h ^ (column.astype(np.uint64) + np.uint64(j + 1)))
        return np.add.reduce(_mix(h ^ position), axis=1, dtype=np.uint64)


def keyed_uniforms(key, digest, n_rows):
    """Uniforms on [0, 1) of shape (n_repeats, n_rows), a function of each
    repeat's ``key`` and ``digest`` only."""
    position = np.arange(1, n_rows + 1, dtype=np.uint64)
    with np.errstate(over="ignore"):
        seed = _mix(key ^ _mix(digest))[:, None]
        bits = _mix(seed + position * np.uint64(0x9E3779B97F4A7C15))
    return (bits >> np.uint64(11)).astype(float) / float(2**53)


class BatchedVerifier:
    """A ready verifier and the selection rule of ``owner``, for a chunk.

    Parameters
    ----------
    owner : RecursiveRetrainer
        Its ``verifier``, ``threshold``, ``keep_fraction`` and
        ``n_candidates``.
    X : ndarray of shape (1 or n_repeats, n_real, n_features)
        The real rows (every synthetic row has the inputs of one of them).
    """

    def __init__(self, owner, X):
        self.verifier = verifier = owner.verifier
        self.threshold, self.keep_fraction = owner.threshold, owner.keep_fraction
        self.n_candidates = int(owner.n_candidates)
        self.noisy = isinstance(verifier, NoisyVerifier)
        self.linear = isinstance(verifier, LinearVerifier)
        self.task = getattr(verifier, "task", "classification")
        verifier._validate_params()
        X = np.asarray(X)
        if self.linear:
            coef = np.asarray(verifier.coef, dtype=float).reshape(-1)
            if coef.shape[0] != X.shape[2]:
                raise ValueError(
                    f"LinearVerifier has coef of {coef.shape[0]} features; X has "
                    f"shape {X.shape[1:]}."
                )
            self.margin = X @ coef + float(verifier.intercept)  # (R', n_real)
        else:
            self.truth = np.stack(
                [verifier._truth(rows, rows.shape[0]) for rows in X]
            )  # (R', n_real[, k])
        self.key = None

    def keys(self, streams):
        """Each repeat's key of the keyed uniforms: drawn once from its own
        stream (the first call), kept through ``keep``."""
        if self.key is None:
            self.key = np.array(
                [g.integers(0, 2**63, dtype=np.uint64) for g in streams.generators],
                dtype=np.uint64,
            )
        return self.key

    def keep(self, repeats):
        if self.key is not None:
            self.key = self.key[repeats]
        if self.linear:
            if self.margin.shape[0] > 1:
                self.margin = self.margin[repeats]
        elif self.truth.shape[0] > 1:
            self.truth = self.truth[repeats]

    def _per_row(self, table, rows):
        """``table`` (1 or R, n_real, ...) at the real rows ``rows`` (R, m)."""
        n = rows.shape[0]
        table = np.broadcast_to(table, (n,) + table.shape[1:])
        index = rows.reshape(rows.shape + (1,) * (table.ndim - 2))
        return np.take_along_axis(table, index, axis=1)

    def scores(self, rows, equal, continuous, difference, positive, digest, streams):
        """The verifier's scores of every repeat's batch.

        ``rows`` (R, m): the real row of each synthetic row; ``equal(truth)``
        -> bool (R, m), a label equal to its row's truth; ``continuous()`` ->
        bool (R,), the batch's labels are continuous (``task="auto"``);
        ``difference(truth)`` -> (R, m), the mean absolute error over outputs;
        ``positive()`` -> bool (R, m), a label equal to ``pos_label``;
        ``digest()`` -> uint64 (R,), the batch's hash.
        """
        if self.linear:
            margin = self._per_row(self.margin, rows)
            return np.where(positive(self.verifier.pos_label), 1.0, -1.0) * margin
        truth = self._per_row(self.truth, rows)
        if self.noisy:
            rate = np.where(
                equal(truth),
                float(self.verifier.keep_correct),
                float(self.verifier.keep_wrong),
            )
            u = keyed_uniforms(self.keys(streams), digest(), rows.shape[1])
            return (u < rate).astype(float)
        task = self.task
        if task == "regression":
            return -difference(truth)
        correct = equal(truth).astype(float)
        if task == "classification":
            return correct
        scored = continuous()  # task="auto": type_of_target of each batch
        if not np.any(scored):
            return correct
        return np.where(scored[:, None], -difference(truth), correct)

    def select(self, scores, n_slots):
        """``(chosen, keep)``: per repeat and slot, the index of its best
        candidate in the batch (R, n_slots) and whether the rule keeps it."""
        n_repeats = scores.shape[0]
        k = self.n_candidates
        if k > 1:
            grouped = scores.reshape(n_repeats, n_slots, k)
            best = np.argmax(grouped, axis=2)
            chosen = np.arange(n_slots) * k + best
            scores = np.take_along_axis(grouped, best[:, :, None], axis=2)[:, :, 0]
        else:
            chosen = np.broadcast_to(np.arange(n_slots), (n_repeats, n_slots))
        keep = np.ones(scores.shape, dtype=bool)
        if self.threshold is not None:
            keep &= scores >= self.threshold
        if self.keep_fraction is not None and self.keep_fraction < 1:
            n_keep = int(np.ceil(self.keep_fraction * n_slots))
            order = np.argsort(-scores, axis=1, kind="stable")[:, :n_keep]
            top = np.zeros(scores.shape, dtype=bool)
            np.put_along_axis(top, order, True, axis=1)
            keep &= top
        return chosen, keep


# ----------------------------------------------------------------------
# Family 1: RecursiveRetrainer over LinearRegression / Ridge, selected
# ----------------------------------------------------------------------
def verified(family):
    """The family that selects with a verifier, for ``family``."""
    return VerifiedLinearFamily if family is LinearFamily else family


def _masked_design(index, labels, weight, keep, n_design, residual):
    """``LinearFamily.stats_of`` of the rows ``keep`` marks, per repeat."""
    kept = keep.astype(float)
    w = kept if weight is None else weight * kept
    n_rows = keep.sum(axis=1)
    c = _per_row(index, None, n_design, w)
    s = _per_row(index, labels, n_design, w)
    if not residual:
        return _Design(c, s, n_rows)
    m = _per_row(index, None, n_design, kept)
    u = _per_row(index, labels, n_design, kept)
    squares = _per_row(index, labels**2, n_design, kept)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(m[:, :, None] > 0, u / m[:, :, None], 0.0)
    within = np.sum(squares - m[:, :, None] * mean**2, axis=1)
    return _Design(c, s, n_rows, m, u, np.maximum(within, 0.0))


class _VerifiedLinear:
    """The members :class:`VerifiedLinearFamily` adds to ``LinearFamily``."""

    verifies = True

    @classmethod
    def covers(cls, owner):
        reason = super().covers(owner)
        if reason is not None:
            return reason
        if not isinstance(owner.inputs, str):
            return (
                f"verifier= with inputs={owner.inputs!r} (batched: a verifier with "
                "inputs='reuse' or 'bootstrap', whose rows are real rows)"
            )
        if owner.real_sampling == "fresh":
            return "verifier= with real_sampling='fresh'"
        return None

    @classmethod
    def new_keys(cls, owner):
        return ("synthetic_error", "acceptance_rate", "selected_error")

    def __init__(self, owner, real, models, n_repeats):
        super().__init__(owner, real, models, n_repeats)
        self.shortcut = None  # the exact shortcut draws no rows to select
        self.n_candidates = int(owner.n_candidates)
        self.verify = BatchedVerifier(owner, real.X)
        self.selected = None

    def keep(self, repeats):
        super().keep(repeats)
        self.verify.keep(repeats)
        if self.selected is not None:
            self.selected = self.selected[repeats]

    def synthesize(self, streams, n_samples, as_rows):
        n, k = self.n_repeats, self.n_candidates
        rows = self._rows(streams, n_samples)
        if rows is None:
            rows = np.broadcast_to(np.arange(self.n_real), (n, self.n_real))
        rows = np.repeat(rows, k, axis=1)  # every slot's candidates
        n_outputs = self.y.shape[2]
        noise = streams.normal((rows.shape[1], n_outputs))
        sigma, noise_scale = self._noise_sigma()
        if self.residual:
            noise = noise * sigma[:, None, :]
        else:
            noise = noise * sigma if sigma != 0 else 0.0
        index = rows[:, :, None]
        labels = np.take_along_axis(self.output, index, axis=1) + noise
        reference = np.take_along_axis(broadcast_rows(self.y, n), index, axis=1)
        error = np.mean((labels - reference) ** 2, axis=(1, 2))
        weight = None
        if self.weighted:
            if self.weight is None:
                weight = np.full(rows.shape, self.synthetic_weight)
            else:
                weight = self.synthetic_weight * np.take_along_axis(
                    broadcast_rows(self.weight, n), rows, axis=1
                )
        flat = labels[:, :, 0] if n_outputs == 1 else labels

        def equal(truth):
            same = np.asarray(truth).reshape(flat.shape) == flat
            return same if same.ndim == 2 else np.all(same, axis=2)

        def difference(truth):
            gap = np.abs(np.asarray(truth, dtype=float).reshape(labels.shape) - labels)
            return gap.mean(axis=2)

        def continuous():
            with np.errstate(invalid="ignore"):
                whole = labels == np.trunc(labels)
            return ~np.all(whole, axis=(1, 2))

        def digest():
            bits = np.ascontiguousarray(labels).view(np.uint64)
            columns = [bits[:, :, j] for j in range(n_outputs)]
            return batch_digest(rows.astype(np.uint64), *columns)

        scores = self.verify.scores(
            rows,
            equal=equal,
            continuous=continuous,
            difference=difference,
            positive=lambda label: (
                _positive_labels(flat, label)
                if flat.ndim == 2
                else np.all(_positive_labels(flat, label), axis=2)
            ),
            digest=digest,
            streams=streams,
        )
        chosen, keep = self.verify.select(scores, n_samples)
        rows = np.take_along_axis(rows, chosen, axis=1)
        labels = np.take_along_axis(labels, chosen[:, :, None], axis=1)
        reference = np.take_along_axis(reference, chosen[:, :, None], axis=1)
        if weight is not None:
            weight = np.take_along_axis(weight, chosen, axis=1)
        n_kept = keep.sum(axis=1)
        squares = np.sum(((labels - reference) ** 2) * keep[:, :, None], axis=(1, 2))
        with np.errstate(invalid="ignore", divide="ignore"):
            selected_error = np.where(
                n_kept > 0, squares / (n_kept * n_outputs), np.nan
            )
        self._drawn = {
            "label_noise_scale": noise_scale,
            "synthetic_error": error,
            "n_rejected": (n_samples - n_kept).astype(float),
            "acceptance_rate": n_kept / n_samples,
            "selected_error": selected_error,
        }
        self.selected = n_kept
        return _masked_design(rows, labels, weight, keep, self.n_real, self.residual)

    def fit(self, stats, generation):
        # no training row at all (every synthetic row rejected, no real row
        # kept): the refit path keeps the previous model, not a degenerate stop
        degenerate = super().fit(stats, generation)
        return degenerate & (stats.n_rows > 0)


def broadcast_rows(array, n_repeats):
    """An array with a leading repeat axis of length 1 seen as ``n_repeats``."""
    if array.shape[0] == n_repeats:
        return array
    return np.broadcast_to(array, (n_repeats,) + array.shape[1:])


class VerifiedLinearFamily(_VerifiedLinear, LinearFamily):
    """``LinearFamily`` with a ready verifier's selection of its synthetic
    rows (``inputs`` "reuse" or "bootstrap"): every slot's candidates
    scored, the loop's selection rule, the kept rows' design statistics."""
