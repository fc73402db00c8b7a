"""Every random stream of skcollapse, named in one place.

All randomness of a fit derives from one integer, the *base seed* (an int
``random_state`` is that integer). From it, :class:`SeedTable` gives one
independent integer seed per generation and :class:`Stream`; nothing else in
the package builds a generator from the base seed. Adding a random draw means
adding a member to :class:`Stream`, so a new draw can never reuse another's
stream by accident (``tests/test_random.py`` checks that no two members share
a seed).

Randomness that does not belong to one fit (the seeds of the repeats of
:func:`~skcollapse.model_selection.collapse_curve`, the draws of a verifier or
of a theory function's Monte Carlo) derives its integer seeds through
:func:`draw_seed`, below the same bound :data:`MAX_SEED`.
"""

# Authors: The skcollapse developers
# SPDX-License-Identifier: BSD-3-Clause

import enum
import numbers

import numpy as np

from ._params import nested_param_keys

#: Exclusive upper bound of every integer seed skcollapse draws (that of
#: ``sklearn.ensemble._bagging.MAX_INT``): a seed is valid for both numpy's
#: ``RandomState`` and ``Generator`` and for any base estimator.
MAX_SEED = np.iinfo(np.int32).max


def draw_seed(rng, size=None):
    """An integer seed (or an array of ``size`` seeds) drawn from ``rng``.

    ``rng`` is a :class:`numpy.random.Generator` or a
    :class:`numpy.random.RandomState`.
    """
    if isinstance(rng, np.random.RandomState):
        seeds = rng.randint(MAX_SEED, size=size)
    else:
        seeds = rng.integers(MAX_SEED, size=size)
    return int(seeds) if size is None else seeds


def check_base_seed(random_state):
    """The base seed of a fit: an int ``random_state`` itself, else a draw.

    None or a ``RandomState`` instance gives a fresh draw at every call (the
    scikit-learn meaning of those values); building a ``RandomState`` from an
    int would cost more than a cheap generation.
    """
    if isinstance(random_state, numbers.Integral) and not isinstance(
        random_state, (bool, np.bool_)
    ):
        return int(random_state)
    from sklearn.utils import check_random_state

    return draw_seed(check_random_state(random_state))


class Stream(enum.IntEnum):
    """The purposes of the random draws of one fit, one stream each.

    A purpose used once per fit takes its seed from generation 0's row of the
    :class:`SeedTable`; a purpose used in every generation takes generation
    ``g``'s. Each purpose has its own column, so switching on a verifier, a
    validation split or a metric never changes the synthetic data.
    """

    #: ``random_state`` parameters of generation ``g``'s fresh clone.
    FIT = 0
    #: Every synthetic draw (inputs, labels, samples): one generator, taken
    #: from generation 0's row and consumed generation after generation.
    SYNTHESIS = 1
    #: ``random_state`` parameters of the verifier's clone (generation 0).
    VERIFY = 2
    #: The subset of real rows kept in generation ``g`` when
    #: ``real_fraction < 1`` (generation 0's row under ``real_sampling="fixed"``).
    REAL_ROWS = 3
    #: The uniform subsample of ``data="accumulate-subsample"`` in generation ``g``.
    SUBSAMPLE = 4
    #: The real rows held out by ``validation_fraction`` (generation 0).
    VALIDATION = 5
    #: ``random_state`` parameters of the input sampler's clone
    #: (``RecursiveRetrainer(inputs=<estimator>)``, generation 0).
    INPUT_SAMPLER = 6
    #: The model samples of generation ``g``'s sliced Wasserstein metric.
    METRIC_SAMPLE = 7
    #: The projection directions of the sliced Wasserstein metric (generation 0).
    METRIC_DIRECTIONS = 8
    #: The real rows the sliced Wasserstein metric compares with, when there
    #: are more than its cap (generation 0).
    METRIC_ROWS = 9
    #: The shuffled K folds of ``RecursiveRetrainer(label_noise="oof")``'s
    #: out-of-fold residuals of generation ``g``'s training set.
    OOF_FOLDS = 10
    #: The fresh real rows of generation ``g`` drawn from ``real_source``
    #: under ``real_sampling="fresh"``.
    FRESH_REAL = 11
    #: The real data a ``collapse_curve(source=...)`` repeat draws from its
    #: source (generation 0 of the repeat's own table).
    SOURCE = 12


assert len(Stream) <= 32, "SeedTable.WIDTH leaves no room for a new Stream"


class SeedTable:
    """Integer seeds of every generation and :class:`Stream` of one fit.

    Row ``g`` holds one seed per stream. Rows are drawn from ``base_seed`` in
    blocks of :attr:`BLOCK` generations, on demand: row ``g`` does not depend
    on how many generations the fit has (a fit with fewer generations is a
    prefix of one with more), memory does not grow with ``n_generations``,
    and one vectorised draw per block keeps the per-generation cost of
    seeding negligible.

    Parameters
    ----------
    base_seed : int
        The integer every stream of the fit derives from.

    Examples
    --------
    >>> from skcollapse._random import SeedTable, Stream
    >>> seeds = SeedTable(0)
    >>> seeds.seed(3, Stream.FIT) == SeedTable(0).seed(3, Stream.FIT)
    True
    >>> seeds.seed(3, Stream.FIT) != seeds.seed(3, Stream.SYNTHESIS)
    True
    """

    #: Generations per block of seeds drawn at once (a short fit draws one
    #: small block; a long one a block every 16 generations).
    BLOCK = 16
    #: Seeds per row: room for streams not yet named, so that adding a
    #: :class:`Stream` member never changes the seeds of the others.
    WIDTH = 32

    def __init__(self, base_seed):
        self.base_seed = int(base_seed)
        self._rng = np.random.default_rng(self.base_seed)
        self._blocks = []

    def _row(self, generation):
        block, row = divmod(int(generation), self.BLOCK)
        while len(self._blocks) <= block:
            # drawn in order, so block b is the same whatever is asked first
            self._blocks.append(
                self._rng.integers(MAX_SEED, size=(self.BLOCK, self.WIDTH))
            )
        return self._blocks[block][row]

    def seed(self, generation, stream):
        """The integer seed of ``stream`` in ``generation``."""
        return int(self._row(generation)[int(stream)])

    def rng(self, generation, stream):
        """A fresh :class:`numpy.random.Generator` of ``stream`` in ``generation``."""
        return np.random.default_rng(self.seed(generation, stream))


def seed_estimator(estimator, seed, keys=None):
    """Set a fresh integer seed on every ``random_state`` parameter, nested too.

    ``seed`` is an int or a numpy Generator; ``keys`` (from
    :func:`~skcollapse._params.nested_param_keys`) saves listing the
    parameters again in every generation. Returns ``estimator``, modified in
    place.
    """
    if keys is None:
        keys = nested_param_keys(estimator, "random_state")
    if not keys:
        return estimator
    if isinstance(seed, numbers.Integral) and keys == ["random_state"]:
        # what set_params does for a top-level parameter, without listing them all
        estimator.random_state = int(seed)
        return estimator
    rng = np.random.default_rng(seed) if isinstance(seed, numbers.Integral) else seed
    estimator.set_params(**{key: draw_seed(rng) for key in keys})
    return estimator


def keyed_rng(seed, key):
    """A generator of ``seed`` and an integer ``key`` (a hash of the data, say).

    For randomness that must be the same for the same seed and input and
    differ between inputs (the random verifiers of
    :mod:`skcollapse.verification`), outside the streams of a fit.
    """
    return np.random.default_rng([int(seed), int(key)])
