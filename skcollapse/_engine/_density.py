"""What the batched density families share (the twin of ``density._DensityProblem``).

Synthetic rows weigh ``synthetic_weight`` times the mean real weight, as in
the refit problem; the families (:mod:`._categorical`, :mod:`._gaussian`)
compute every trajectory key of the refit problem with the same meaning
(see ``RecursiveDensityRetrainer``'s ``trajectory_``).
"""

# Authors: The skcollapse developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np

from ._protocol import BatchedProblem, Rows

__all__ = ["DensityFamily", "broadcast"]


def broadcast(array, n_repeats):
    """An array with a leading repeat axis of length 1 seen as ``n_repeats``."""
    if array is None or array.shape[0] == n_repeats:
        return array
    return np.broadcast_to(array, (n_repeats,) + array.shape[1:])


class DensityFamily(BatchedProblem):
    """Weights, metrics and real rows of the density families."""

    #: The base estimator class the family reproduces (exactly that class).
    base = None

    @classmethod
    def bases(cls):
        return (cls.base,)

    #: The metrics it computes.
    computable = frozenset()

    @classmethod
    def covers(cls, owner):
        wanted = set(owner._check_metrics())
        missing = sorted(wanted - cls.computable)
        if missing:
            return (
                f"metrics={missing} (the batched {cls.base.__name__} computes "
                f"{sorted(cls.computable)})"
            )
        return None

    def __init__(self, owner, real, models, n_repeats):
        self.n_repeats = n_repeats
        self.wanted = set(owner._check_metrics()) | {self.diversity_key}
        weight = real.weight
        self.weighted = weight is not None or owner.synthetic_weight != 1.0
        mean_weight = 1.0 if weight is None else weight.mean(axis=1)
        self.synthetic_weight = broadcast(
            np.asarray(float(owner.synthetic_weight) * mean_weight).reshape(-1),
            n_repeats,
        ).copy()
        self.loop_temperature = float(owner.temperature)
        self.estimator = owner.estimator

    def synthetic_weight_rows(self, n_samples):
        """The weights of a synthetic batch's rows (None when unweighted)."""
        if not self.weighted:
            return None
        return np.repeat(self.synthetic_weight[:, None], n_samples, axis=1)

    def real_rows_of(self, rows):
        """The real rows (all, or ``rows`` per repeat) as :class:`Rows`."""
        real = self.real_rows
        n = self.n_repeats
        real = Rows(
            broadcast(real.values, n),
            broadcast(real.weight, n),
            broadcast(real.real, n),
        )
        return real if rows is None else real.take(rows)
