"""Random streams of the batched engine: one generator per repeat.

Every draw of a repeat comes from its own generator, seeded from the
repeat's ``random_state`` (the ``seeds`` entry ``collapse_curve`` drew for
it, the one the refit path uses; through a spawn key of its own, so it is
none of the refit's streams), so a repeat's trajectory does not depend on
which other repeats share its chunk: the result is the same for any
``n_jobs``, ``chunk_size`` or backend, and the first ``k`` repeats of a run
are a run of ``k`` repeats.

Numbers are drawn in blocks of :data:`BLOCK` values per repeat and handed
out generation after generation, so a generation costs a few array slices,
not a Python call per repeat. Each kind of draw (uniforms, normals,
chi-square variates of a given degree) has its own buffer; a buffer is
refilled from the repeat's generator when it runs out, at moments that
depend only on the configuration (every repeat of a run asks for the same
counts in the same order), so the draws do not depend on the chunk. A
refill writes each repeat's values straight into its row of the new block
(``out=``, in numpy since 1.17), without a stack of per-repeat arrays. Other
distributions are built from these (inverse CDFs, random keys).
"""

# Authors: The skcollapse developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np

#: The spawn key of the engine's generators: a repeat's engine stream is
#: never one of its refit streams (``SeedTable`` draws those from the seed
#: itself).
_KEY = (0x5EED, 1)

#: Values drawn per repeat at a time; a constant (never a function of the
#: chunk), so that every repeat consumes its generator in the same way
#: whatever chunk it is in.
BLOCK = 4096


class _Buffer:
    """Values of one kind, drawn per repeat in blocks and handed out in order.

    ``fill(generator, out)`` writes the next ``out.size`` values of a
    repeat's generator into ``out`` (a contiguous row of the block); a block
    holds a whole number of runs of ``multiple`` values.
    """

    def __init__(self, generators, fill, multiple=1):
        self.generators, self.fill, self.multiple = generators, fill, multiple
        self.values = np.empty((len(generators), 0))
        self.position = 0

    def take(self, count, horizon=1):
        if self.position + count > self.values.shape[1]:
            n_left = self.values.shape[1] - self.position
            size = max(count, min(BLOCK, count * horizon))
            size = -(-size // self.multiple) * self.multiple
            values = np.empty((len(self.generators), n_left + size))
            values[:, :n_left] = self.values[:, self.position :]
            for generator, row in zip(self.generators, values):
                self.fill(generator, row[n_left:])
            self.values = values
            self.position = 0
        out = self.values[:, self.position : self.position + count]
        self.position += count
        return out

    def keep(self, rows):
        self.generators = [self.generators[i] for i in rows]
        self.values = self.values[rows]


def _fill_uniform(generator, out):
    generator.random(out=out)


def _fill_normal(generator, out):
    generator.standard_normal(out=out)


class RepeatStreams:
    """The uniforms and normals of a chunk of repeats, one generator each.

    Parameters
    ----------
    seeds : sequence of int
        The repeats' ``random_state`` (``collapse_curve``'s ``seeds``).
    """

    def __init__(self, seeds):
        self.generators = [
            np.random.default_rng(np.random.SeedSequence(int(seed), spawn_key=_KEY))
            for seed in seeds
        ]
        self._buffers = {}
        #: Generations left, set by the loop: a buffer draws at most that
        #: many generations' worth of values ahead (never a function of the
        #: chunk, so the draws stay the same).
        self.horizon = 1

    def _buffer(self, key, fill, multiple):
        buffer = self._buffers.get(key)
        if buffer is None:
            buffer = self._buffers[key] = _Buffer(self.generators, fill, multiple)
        return buffer

    def _take(self, key, fill, shape, multiple=1):
        shape = tuple(int(n) for n in np.atleast_1d(shape))
        count = int(np.prod(shape)) if shape else 1
        buffer = self._buffer(key, fill, multiple)
        return buffer.take(count, self.horizon).reshape((-1, *shape))

    def uniform(self, shape):
        """Uniforms on ``[0, 1)`` of shape ``(n_repeats, *shape)``."""
        return self._take((0,), _fill_uniform, shape)

    def normal(self, shape):
        """Standard normal variates of shape ``(n_repeats, *shape)``."""
        return self._take((1,), _fill_normal, shape)

    def chisquare(self, df, shape):
        """Chi-square variates of ``df`` degrees of freedom, ``(n_repeats, *shape)``."""

        def fill(generator, out):
            out[:] = generator.chisquare(df, out.size)

        return self._take((2, int(df)), fill, shape)

    def chisquares(self, df):
        """One chi-square variate of each number of degrees of freedom in
        ``df`` (a sequence of positive ints), ``(n_repeats, len(df))``.

        Drawn as ``2 Gamma(df / 2)`` (numpy's own construction of the
        chi-square) with one vectorised call per repeat and refill: the
        buffer holds whole runs of ``df``, so every take is aligned on it.
        """
        df = tuple(int(v) for v in df)
        shape = np.asarray(df, dtype=float) / 2
        size = len(df)
        tiled = {}  # the shapes of a refill, built once for every repeat

        def fill(generator, out):
            runs = out.size // size
            if runs not in tiled:
                tiled.clear()
                tiled[runs] = np.tile(shape, runs)
            generator.standard_gamma(tiled[runs], out=out)
            out *= 2.0

        return self._take((3, df), fill, size, multiple=size)

    def subset(self, n_total, n_kept):
        """Per repeat, ``n_kept`` distinct indices of ``range(n_total)``, uniform.

        The ``n_kept`` smallest of ``n_total`` uniform random keys: a uniform
        subset without replacement (in the order of the keys).
        """
        keys = self.uniform(n_total)
        if n_kept >= n_total:
            return np.argsort(keys, axis=1)
        return np.argpartition(keys, n_kept - 1, axis=1)[:, :n_kept]

    def keep(self, rows):
        """Keep only the repeats at ``rows`` (the others have stopped)."""
        self.generators = [self.generators[i] for i in rows]
        for buffer in self._buffers.values():
            buffer.keep(rows)
