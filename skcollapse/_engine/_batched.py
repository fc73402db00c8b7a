"""The batched generation loop: every repeat of a chunk advanced at once.

:func:`run_chunk` is the batched twin of :func:`skcollapse._loop.run_generations`
and gives the data regimes the same meaning, with the same helpers
(:func:`~skcollapse._loop.round_count` of ``real_fraction``,
:func:`~skcollapse._loop.synthetic_count`): generation ``g``'s training set is
the real part (all real rows, the ``round_count(real_fraction, n_real)`` rows
drawn once for ``real_sampling="fixed"``, or drawn again every generation for
``"resample"``) with the synthetic batch of generation ``g`` (``"replace"``)
or with every synthetic batch so far (``"accumulate"``); under
``real_sampling="fresh"`` the real part is ``round_count(real_fraction,
n_real)`` rows drawn afresh every generation from ``real_source``
(:meth:`~._protocol.BatchedProblem.fresh_part`); under
``"accumulate-subsample"`` a uniform subsample of ``n_real`` rows of that pool
once it has more. Replace and accumulate run on sufficient statistics (the
accumulated pool is a running sum); the subsample needs the rows, which are
kept.
"""

# Authors: The skcollapse developers
# SPDX-License-Identifier: BSD-3-Clause

import time

import numpy as np

from .._loop import (
    _collapse_generation,
    _is_collapsed,
    real_fraction_of,
    round_count,
    synthetic_count,
)
from .._random import SeedTable, Stream
from ._streams import RepeatStreams

__all__ = ["run_chunk"]


def _fixed_real_rows(seeds, n_keep, n_real):
    """The real rows kept under ``real_sampling="fixed"``, per repeat.

    Exactly the rows the refit path keeps (generation 0's ``REAL_ROWS``
    stream of each repeat's seed table); None when every row or none is kept.
    """
    if n_keep in (0, n_real):
        return None
    return np.stack(
        [
            np.sort(
                SeedTable(int(seed))
                .rng(0, Stream.REAL_ROWS)
                .choice(n_real, size=n_keep, replace=False)
            )
            for seed in seeds
        ]
    )


def _first_generation(owner, family, real, template, evaluation, n_repeats, seeds):
    """Generation 0 of every repeat fitted batched on its own real data: the
    problem, the records (the keys of ``template``, the record of the refit
    path's first repeat) and the ``truth_`` / ``test_`` keys."""
    problem = family(owner, real, None, n_repeats)
    problem.seeds = np.asarray(seeds)
    stats, degenerate = problem.first_generation()
    if np.any(degenerate):  # the refit path raises on generation 0's data
        raise ValueError(
            f"The batched {family.__name__} could not fit generation 0 of "
            f"{int(np.sum(degenerate))} repeat(s) on their real data."
        )
    n = np.full(n_repeats, real.n_rows)
    record = {"n_rejected": np.zeros(n_repeats), "n_train": n, "n_real": n,
              "n_synthetic": np.zeros(n_repeats)}  # fmt: skip
    record.update(problem.measure(stats, 0))
    records = [
        {
            key: np.asarray(record.get(key, np.full(n_repeats, np.nan)))[i]
            for key in template
        }  # fmt: skip
        for i in range(n_repeats)
    ]
    extras = []
    if evaluation is not None and evaluation.active:
        extra = problem.evaluate(evaluation, 0)
        extras = [
            {key: value[i] for key, value in extra.items()} for i in range(n_repeats)
        ]
    return problem, records, extras


def run_chunk(
    owner, family, real, models, first_records, seeds, evaluation=None, first_extra=()
):
    """Run the repeats of ``seeds`` through ``owner.n_generations`` generations.

    Parameters
    ----------
    owner : meta-estimator
        Its parameters are read, never written.
    family : type
        A :class:`~skcollapse._engine._protocol.BatchedProblem` subclass.
    real : RealData
        The chunk's real data.
    models : list of estimators
        Generation 0's fitted base estimator (one shared, or one per repeat).
    first_records : list of dict
        Generation 0's trajectory record (one shared, or one per repeat), as
        the refit path recorded it.
    seeds : ndarray of int
        The repeats' ``random_state``.
    evaluation : Evaluation or None
        The ``source`` and test set every generation's models are evaluated
        on (:meth:`~._protocol.BatchedProblem.evaluate`).
    first_extra : list of dict
        Generation 0's ``truth_`` and ``test_`` keys, one dict per repeat
        (computed on the refit path's own generation-0 model).

    Returns
    -------
    output : dict
        ``"trajectory"`` (``{key: ndarray (n_repeats, n_generations + 1)}``,
        NaN after a repeat's last generation), ``"n_generations"``,
        ``"termination_condition"``, ``"collapse_generation"``, ``"fit_time"``.
    """
    start = time.perf_counter()
    n_repeats = len(seeds)
    n_generations = owner.n_generations
    problem = None
    if models is None:
        problem, first_records, first_extra = _first_generation(
            owner, family, real, first_records[0], evaluation, n_repeats, seeds
        )
    keys = [key for key in first_records[0] if key != "generation"]
    keys += [key for key in family.new_keys(owner) if key not in keys]
    evaluated = []  # the truth_ and test_ keys, after the trajectory's
    for record in first_extra:
        evaluated += [key for key in record if key not in evaluated]
    evaluates = evaluation is not None and evaluation.active
    trajectory = {
        key: np.full((n_repeats, n_generations + 1), np.nan) for key in keys + evaluated
    }
    for key in keys:
        trajectory[key][:, 0] = [record.get(key, np.nan) for record in first_records]
    for key in evaluated:
        trajectory[key][:, 0] = [record.get(key, np.nan) for record in first_extra]
    n_done = np.full(n_repeats, n_generations)
    termination = np.full(n_repeats, "max_generations", dtype=object)

    alive = np.arange(n_repeats)
    stop = getattr(owner, "stop_on_collapse", False)
    # generation 0's diversity: the reference of stop_on_collapse
    reference = trajectory[family.diversity_key][:, 0].copy()
    if stop:
        first = np.array(
            [_is_collapsed(0, d, d, owner.collapse_threshold) for d in reference]
        )
        n_done[first] = 0
        termination[first] = "collapsed"
        alive = np.flatnonzero(~first)

    if problem is None:
        problem = family(owner, real, models, n_repeats)
        problem.seeds = np.asarray(seeds)
        # generation 0's keys that depend on each repeat's seeds (a shared
        # generation 0's record is the chunk's first repeat's)
        for key, values in problem.seeded_first().items():
            trajectory[key][:, 0] = values
    streams = RepeatStreams(seeds)
    if len(alive) < n_repeats:  # repeats already collapsed at generation 0
        problem.keep(alive)
        streams.keep(alive)
    n_real = real.n_rows
    n_synthetic = synthetic_count(owner.synthetic_size, n_real)
    n_keep = round_count(real_fraction_of(owner.real_fraction, owner.data), n_real)
    fixed_rows = _fixed_real_rows(np.asarray(seeds)[alive], n_keep, n_real)
    resample = owner.real_sampling == "resample" and 0 < n_keep < n_real
    fresh = owner.real_sampling == "fresh" and n_keep > 0
    subsample = owner.data == "accumulate-subsample"
    replace = owner.data == "replace"

    synthetic = None  # the synthetic part: statistics, or Rows when subsampling
    for generation in range(1, n_generations + 1 if len(alive) else 1):
        streams.horizon = n_generations - generation + 1
        rows = streams.subset(n_real, n_keep) if resample else fixed_rows
        batch = problem.synthesize(streams, n_synthetic, as_rows=subsample)
        if synthetic is None or replace:
            synthetic = batch
        elif subsample:
            synthetic = type(batch).concat([synthetic, batch])
        else:
            synthetic = synthetic + batch
        if subsample:
            pool = synthetic
            if fresh:
                real_rows = problem.fresh_part(streams, n_keep, True)
                pool = type(batch).concat([real_rows, synthetic])
            elif n_keep:
                pool = type(batch).concat([problem.real_part(rows, True), synthetic])
            if pool.n_rows > n_real:
                pool = pool.take(streams.subset(pool.n_rows, n_real))
            stats = problem.stats_of(pool)
            counts_real = pool.real.sum(axis=1)
            n_train = np.full(len(alive), pool.n_rows)
        else:
            stats = synthetic
            if fresh:
                stats = problem.fresh_part(streams, n_keep, False) + synthetic
            elif n_keep:
                stats = problem.real_part(rows, False) + synthetic
            n_synthetic_rows = n_synthetic * (1 if replace else generation)
            if getattr(problem, "selected", None) is not None:
                # a verifier selected the batches: the rows kept, per repeat
                n_synthetic_rows = synthetic.n_rows
            counts_real = np.full(len(alive), n_keep)
            n_train = counts_real + n_synthetic_rows
        problem.train_counts = (n_train, counts_real)
        degenerate = problem.fit(stats, generation)
        if np.any(degenerate):
            stopped = alive[degenerate]
            n_done[stopped] = generation - 1
            termination[stopped] = "degenerate"
            survivors = np.flatnonzero(~degenerate)
            alive = alive[survivors]
            problem.keep(survivors)
            streams.keep(survivors)
            stats = stats.keep(survivors)
            synthetic = synthetic.keep(survivors)
            if fixed_rows is not None:
                fixed_rows = fixed_rows[survivors]
            counts_real, n_train = counts_real[survivors], n_train[survivors]
            if not len(alive):
                break
        record = {
            "n_rejected": 0,
            "n_train": n_train,
            "n_real": counts_real,
            "n_synthetic": n_train - counts_real,
        }
        record.update(problem.measure(stats, generation))
        missing = set(keys) - set(record)
        if missing or set(record) - set(keys):
            raise RuntimeError(  # a defect of the family, never the user's
                f"The batched {family.__name__} recorded {sorted(record)} where the "
                f"refit path records {sorted(keys)}."
            )
        for key in keys:
            trajectory[key][alive, generation] = record[key]
        if evaluates:
            extra = problem.evaluate(evaluation, generation)
            for key in evaluated:
                trajectory[key][alive, generation] = extra.get(key, np.nan)
        if stop:
            collapsed = _collapsed(
                record[problem.diversity_key],
                reference[alive],
                owner.collapse_threshold,
            )
            if np.any(collapsed):
                stopped = alive[collapsed]
                n_done[stopped] = generation
                termination[stopped] = "collapsed"
                survivors = np.flatnonzero(~collapsed)
                alive = alive[survivors]
                problem.keep(survivors)
                streams.keep(survivors)
                synthetic = synthetic.keep(survivors)
                if fixed_rows is not None:
                    fixed_rows = fixed_rows[survivors]
                if not len(alive):
                    break

    diversity = trajectory[problem.diversity_key]
    return {
        "trajectory": trajectory,
        "n_generations": n_done,
        "termination_condition": termination,
        "collapse_generation": np.array(
            [
                np.nan if value is None else value
                for value in (
                    _collapse_generation(row[: n + 1], owner.collapse_threshold)
                    for row, n in zip(diversity, n_done)
                )
            ],
            dtype=float,
        ),
        "fit_time": np.full(n_repeats, (time.perf_counter() - start) / n_repeats),
    }


def _collapsed(diversity, reference, threshold):
    """``_loop._is_collapsed`` of a generation g >= 1, for every repeat."""
    valid = np.isfinite(reference) & (reference >= 0)
    with np.errstate(invalid="ignore"):
        below = np.where(
            reference == 0, diversity == 0, diversity <= threshold * reference
        )
    return valid & below
