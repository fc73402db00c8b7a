"""Monte Carlo collapse curves: many independent trajectories, in parallel."""

import numbers
import time
import warnings

import joblib
import numpy as np
from sklearn.base import clone
from sklearn.utils import check_random_state
from sklearn.utils.parallel import Parallel, delayed
from threadpoolctl import threadpool_limits

from ._compat import HasMethods, StrOptions, validate_params
from ._loop import CollapseWarning
from ._params import RANDOM_STATE, Interval
from ._progress import make_bar
from ._random import draw_seed
from ._results import CollapseCurveResult

__all__ = ["CollapseCurveResult", "collapse_curve"]

# Entries of a collapse_curve result that are not trajectory keys ("repeat":
# a column of its tidy table).
_RESULT_KEYS = (
    "generation",
    "repeat",
    "seeds",
    "n_generations",
    "termination_condition",
    "collapse_generation",
    "fit_time",
    "estimators",
)


@validate_params(
    {
        "estimator": [HasMethods(["fit", "get_params", "set_params"])],
        "X": ["array-like", "sparse matrix"],
        "y": ["array-like", None],
        "n_repeats": [Interval(numbers.Integral, 1, None, closed="left")],
        "n_jobs": [Interval(numbers.Integral, None, None, closed="neither"), None],
        "random_state": RANDOM_STATE,
        "verbose": ["verbose"],
        "return_estimators": ["boolean"],
        "measure": [callable, None],
        "params": [dict, None],
        "pre_dispatch": [Interval(numbers.Integral, 1, None, closed="left"), str],
        "chunk_size": [
            Interval(numbers.Integral, 1, None, closed="left"),
            StrOptions({"auto"}),
        ],
        "inner_threads": [Interval(numbers.Integral, 1, None, closed="left"), None],
    },
    prefer_skip_nested_validation=False,
)
def collapse_curve(
    estimator,
    X,
    y=None,
    *,
    n_repeats=10,
    n_jobs=None,
    random_state=None,
    verbose=0,
    return_estimators=False,
    measure=None,
    params=None,
    pre_dispatch="2*n_jobs",
    chunk_size="auto",
    inner_threads=1,
):
    """Fit independent collapse trajectories and stack them per generation.

    Each repeat is ``clone(estimator).set_params(random_state=seed).fit(X, y)``
    with its own integer seed; the repeats run in parallel through
    :class:`sklearn.utils.parallel.Parallel`, so that
    ``joblib.parallel_config(backend="dask")`` under a
    ``distributed.Client`` spreads them over a Dask cluster. Every key of the
    fitted ``trajectory_`` is returned stacked as an array of shape
    ``(n_repeats, n_generations + 1)``: the Monte Carlo distribution of the
    collapse curve, generation by generation.

    Read more in the :ref:`User Guide <monte_carlo>`.

    Parameters
    ----------
    estimator : estimator object
        A recursive meta-estimator, such as
        :class:`~skcollapse.RecursiveRetrainer` or
        :class:`~skcollapse.RecursiveDensityRetrainer`: anything with a
        ``random_state`` parameter that sets a ``trajectory_`` dict of 1-D
        arrays (one value per generation) when fitted. It is cloned for every
        repeat and never fitted in place.

    X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_features)
        The real data, the same for every repeat.

    y : array-like of shape (n_samples,) or (n_samples, n_outputs), default=None
        The real targets; ``None`` for density estimators (``fit(X)`` is
        then called).

    n_repeats : int, default=10
        Number of independent trajectories.

    n_jobs : int, default=None
        Number of repeats fitted in parallel. ``None`` means 1 unless in a
        :func:`joblib.parallel_config` context; ``-1`` means all processors.
        Under ``parallel_config(backend="dask")`` the repeats run on the
        Dask cluster.

    random_state : int, RandomState instance or None, default=None
        Draws the repeats' integer seeds, all of them up front, before any
        fit: with an int, the result is the same whatever the backend and
        ``n_jobs``, and the first ``k`` repeats of a run are the ``k`` repeats
        of the same run with ``n_repeats=k``.

    verbose : int, default=0
        Progress, reported by the calling process as repeats finish
        (whatever the backend). ``1``: a progress bar with the time left when
        `tqdm <https://tqdm.github.io>`_ is installed (``pip install
        "skcollapse[progress]"``) and the output is a terminal or a notebook;
        otherwise (a log file, a CI job) about twenty lines, each with the
        number of repeats done, the elapsed time and an estimate of the time
        left. ``2``: also one line per repeat with its seed, completed
        generations and termination condition. ``>= 3``: also joblib's own
        messages. The estimator's own ``verbose`` parameter is left as it
        is.

    return_estimators : bool, default=False
        Return every repeat's fitted estimator in ``result["estimators"]``.
        By default the workers send back only the trajectories; a base
        estimator with a ``store_estimators`` parameter is then also fitted
        with ``store_estimators=False`` (when ``measure`` is None), which
        changes no trajectory and keeps one generation in memory, not all.

    measure : callable, default=None
        ``measure(fitted_estimator) -> dict`` of extra trajectory keys, each
        an array-like of shape ``(n_generations_ + 1,)``, computed in the
        worker right after each fit (for example an error against known true
        coefficients from ``fitted_estimator.estimators_``). The extra keys
        are stacked like the others; only they travel back, not the
        estimator. Must be picklable for process-based backends (a function
        defined at module level, or any callable with ``loky``/``dask``, which
        use cloudpickle).

    params : dict, default=None
        Parameters passed to every repeat's ``fit`` (for example
        ``sample_weight``).

    pre_dispatch : int or str, default="2*n_jobs"
        Number of tasks (chunks of repeats) dispatched ahead, as in
        :class:`joblib.Parallel`.

    chunk_size : int or "auto", default="auto"
        Repeats per task sent to a worker: dispatching a task costs about as
        much as a short repeat, so short repeats travel in chunks. ``"auto"``
        makes about four chunks per worker (``ceil(n_repeats / (4 *
        n_workers))``, at most 64 repeats). The result does not depend on it.

    inner_threads : int or None, default=1
        Math-library threads (BLAS, OpenMP, through :mod:`threadpoolctl`)
        each repeat runs with, in every backend, ``n_jobs=1`` included:
        idle BLAS threads spin on the small solves of a repeat, which costs
        many times the work on a shared machine. ``None`` leaves the thread
        pools as they are (for example to use
        ``joblib.parallel_config(inner_max_num_threads=...)``).

    Returns
    -------
    result : :class:`~skcollapse.model_selection.CollapseCurveResult`
        A dict (with attribute access, a :class:`~sklearn.utils.Bunch`), in
        the manner of ``cv_results_``, that exports itself:
        ``result.to_frame()`` is the tidy table (one row per repeat and
        generation), ``result.to_csv(path)`` and ``result.to_json(path)``
        write files that ``CollapseCurveResult.from_csv`` and ``from_json``
        read back. Its entries:

        - one entry per trajectory key (and per ``measure`` key): ndarray of
          shape ``(n_repeats, n_generations + 1)``, row ``i`` the trajectory of
          repeat ``i``. Values are float (integer counts are converted so that
          they can hold NaN; non-numeric keys are object arrays padded with
          None). The trajectory's own ``"generation"`` key is replaced by
          the 1-D one below;
        - ``"generation"``: ndarray of shape ``(n_generations + 1,)``, the
          generation of each column, ``0 .. n_generations``;
        - ``"seeds"``: ndarray of shape ``(n_repeats,)``, the ``random_state``
          of each repeat (refit ``clone(estimator).set_params(
          random_state=result["seeds"][i])`` to get repeat ``i`` back);
        - ``"n_generations"``: ndarray of shape ``(n_repeats,)``, each repeat's
          ``n_generations_`` (completed generations);
        - ``"termination_condition"``: object ndarray of shape
          ``(n_repeats,)``, each repeat's ``termination_condition_``
          (``"max_generations"`` or ``"degenerate"``);
        - ``"collapse_generation"``: float ndarray of shape ``(n_repeats,)``,
          each repeat's ``collapse_generation_`` (NaN for None);
        - ``"fit_time"``: ndarray of shape ``(n_repeats,)``, seconds spent
          fitting each repeat in its worker (the only entry that is not
          reproducible);
        - ``"estimators"``: list of ``n_repeats`` fitted estimators, only when
          ``return_estimators=True``.

        ``n_generations`` is the estimator's ``n_generations`` parameter. A
        repeat that terminated early (``"degenerate"``: collapse made the data
        impossible to fit) has fewer generations; its rows are padded with
        NaN after its last completed generation, and a single
        :class:`~skcollapse.CollapseWarning` summarises how many repeats
        stopped early. Use ``numpy.nanmean`` for the mean over the repeats
        still running at each generation.

    See Also
    --------
    skcollapse.plotting.CollapseCurveDisplay : Plot the mean and spread of
        these curves, with a theory overlay.
    sklearn.model_selection.learning_curve : The analogous curve over
        training set sizes.

    Notes
    -----
    The seeds are integers drawn from ``random_state`` before any work is
    dispatched, and each repeat derives all its randomness from its seed: the
    stacked trajectories are identical for ``n_jobs=1``, ``n_jobs=2`` and the
    dask backend (given the same numerical libraries on every worker; the
    tests check it bit for bit with OpenBLAS, whose thread count differs
    between the main process and loky workers). Each repeat's own warnings
    are emitted where it runs (a worker's stderr for process-based
    backends); warning filters of the calling thread are propagated to the
    workers by :class:`sklearn.utils.parallel.Parallel`.

    To run on a cluster::

        from distributed import Client
        import joblib

        with Client("scheduler-address:8786"), joblib.parallel_config(
            backend="dask"
        ):
            result = collapse_curve(estimator, X, y, n_repeats=1000)

    Large ``X`` and ``y`` are scattered to the workers once by joblib's dask
    backend.

    Examples
    --------
    >>> from sklearn.datasets import make_regression
    >>> from sklearn.linear_model import Ridge
    >>> from skcollapse import RecursiveRetrainer
    >>> from skcollapse.model_selection import collapse_curve
    >>> X, y = make_regression(n_samples=100, n_features=5, noise=10.0,
    ...                        random_state=0)
    >>> retrainer = RecursiveRetrainer(Ridge(), n_generations=5)
    >>> result = collapse_curve(retrainer, X, y, n_repeats=4, random_state=0)
    >>> result["score_real"].shape
    (4, 6)
    >>> result["generation"]
    array([0, 1, 2, 3, 4, 5])
    >>> mean = result["score_real"].mean(axis=0)
    >>> bool(mean[-1] < mean[0])
    True
    """
    if "random_state" not in estimator.get_params(deep=False):
        raise ValueError(
            "collapse_curve seeds every repeat through the estimator's "
            f"random_state parameter, but {type(estimator).__name__} has none. "
            "Pass a recursive meta-estimator such as RecursiveRetrainer or "
            "RecursiveDensityRetrainer."
        )
    params = {} if params is None else params
    rng = check_random_state(random_state)
    seeds = draw_seed(rng, size=n_repeats)

    repeats = [None] * n_repeats
    progress = _Progress(n_repeats, verbose)
    parallel_kw = dict(
        n_jobs=n_jobs, pre_dispatch=pre_dispatch, verbose=max(verbose - 2, 0)
    )
    try:
        parallel = Parallel(return_as="generator_unordered", **parallel_kw)
    except ValueError:  # backends that cannot stream results (multiprocessing)
        parallel = Parallel(**parallel_kw)
    size = _chunk_size(chunk_size, n_repeats, n_jobs)
    chunks = [
        [
            (index, int(seeds[index]))
            for index in range(start, min(start + size, n_repeats))
        ]
        for start in range(0, n_repeats, size)
    ]
    try:
        # inside: a backend without streaming (joblib < 1.4 has no
        # generator_unordered) raises a repeat's error from this call
        fit_chunk = delayed(_fit_chunk)
        rest = (params, measure, return_estimators, inner_threads)
        outputs = parallel(fit_chunk(estimator, X, y, chunk, *rest) for chunk in chunks)
        for chunk_outputs in outputs:
            for output in chunk_outputs:
                repeats[output["index"]] = output
                progress.update(output)
    finally:
        progress.close()

    n_columns = _n_columns(estimator, repeats)
    result = CollapseCurveResult(**_stack_trajectories(repeats, n_columns))
    result["generation"] = np.arange(n_columns)
    result["seeds"] = seeds.astype(np.int64)
    result["n_generations"] = np.array([r["n_generations"] for r in repeats])
    result["termination_condition"] = np.array(
        [r["termination_condition"] for r in repeats], dtype=object
    )
    result["collapse_generation"] = np.array(
        [
            np.nan if r["collapse_generation"] is None else r["collapse_generation"]
            for r in repeats
        ],
        dtype=float,
    )
    result["fit_time"] = np.array([r["fit_time"] for r in repeats])
    if return_estimators:
        result["estimators"] = [r["estimator"] for r in repeats]
    _warn_early_stops(result, n_columns - 1)
    return result


def _chunk_size(chunk_size, n_repeats, n_jobs):
    """Repeats per task: about four tasks per worker, at most 64 repeats."""
    if chunk_size != "auto":
        return int(chunk_size)
    n_workers = max(1, joblib.effective_n_jobs(n_jobs))
    return int(min(64, max(1, -(-n_repeats // (4 * n_workers)))))


def _fit_chunk(estimator, X, y, chunk, params, measure, return_estimator, threads):
    """Fit the repeats ``[(index, seed), ...]`` of one task, in a worker."""
    if threads is None:
        return [
            _fit_repeat(estimator, X, y, seed, index, params, measure, return_estimator)
            for index, seed in chunk
        ]
    with threadpool_limits(limits=threads):
        return [
            _fit_repeat(estimator, X, y, seed, index, params, measure, return_estimator)
            for index, seed in chunk
        ]


def _fit_repeat(estimator, X, y, seed, index, params, measure, return_estimator):
    """Fit one repeat in a worker; return its trajectory (and estimator)."""
    start = time.perf_counter()
    estimator = clone(estimator).set_params(random_state=seed)
    if (
        not return_estimator
        and measure is None
        and "store_estimators" in estimator.get_params(deep=False)
    ):
        estimator.set_params(store_estimators=False)
    if y is None:
        estimator.fit(X, **params)
    else:
        estimator.fit(X, y, **params)
    trajectory = getattr(estimator, "trajectory_", None)
    if not isinstance(trajectory, dict) or not trajectory:
        raise TypeError(
            "collapse_curve stacks the fitted trajectory_ of each repeat, but "
            f"{type(estimator).__name__} set no trajectory_ dict when fitted. "
            "Pass a recursive meta-estimator such as RecursiveRetrainer or "
            "RecursiveDensityRetrainer."
        )
    trajectory = {key: np.asarray(value) for key, value in trajectory.items()}
    length = len(next(iter(trajectory.values())))
    if measure is not None:
        trajectory.update(_measure(measure, estimator, trajectory, length))
    return {
        "index": index,
        "seed": seed,
        "trajectory": trajectory,
        "n_generations": int(getattr(estimator, "n_generations_", length - 1)),
        "termination_condition": getattr(estimator, "termination_condition_", None),
        "collapse_generation": getattr(estimator, "collapse_generation_", None),
        "estimator": estimator if return_estimator else None,
        "fit_time": time.perf_counter() - start,
    }


def _measure(measure, estimator, trajectory, length):
    extra = measure(estimator)
    if not isinstance(extra, dict):
        raise TypeError(
            "measure must return a dict {key: array of one value per "
            f"generation}}; got {type(extra).__name__}."
        )
    checked = {}
    for key, values in extra.items():
        if key in _RESULT_KEYS or key in trajectory:
            raise ValueError(
                f"measure returned the key {key!r}, which collapse_curve already "
                "uses; rename it."
            )
        values = np.asarray(values)
        if values.shape != (length,):
            raise ValueError(
                f"measure returned {key!r} of shape {values.shape}; expected "
                f"({length},), one value per generation of the fitted "
                "trajectory (n_generations_ + 1)."
            )
        checked[key] = values
    return checked


def _n_columns(estimator, repeats):
    """Generations 0..n_generations: the requested length, else the longest."""
    longest = max(len(next(iter(r["trajectory"].values()))) for r in repeats)
    requested = estimator.get_params(deep=False).get("n_generations")
    if isinstance(requested, numbers.Integral):
        return max(int(requested) + 1, longest)
    return longest


def _stack_trajectories(repeats, n_columns):
    keys = []
    for repeat in repeats:
        keys += [k for k in repeat["trajectory"] if k not in keys and k != "generation"]
    stacked = {}
    for key in keys:
        rows = [repeat["trajectory"].get(key) for repeat in repeats]
        try:
            array = np.full((len(rows), n_columns), np.nan)
            for i, row in enumerate(rows):
                if row is not None:
                    array[i, : len(row)] = np.asarray(row, dtype=float)
        except (TypeError, ValueError):
            array = np.full((len(rows), n_columns), None, dtype=object)
            for i, row in enumerate(rows):
                if row is not None:
                    array[i, : len(row)] = row
        stacked[key] = array
    return stacked


def _warn_early_stops(result, n_generations):
    early = np.flatnonzero(result["n_generations"] < n_generations)
    if early.size == 0:
        return
    shown = ", ".join(str(i) for i in early[:10]) + (", ..." if early.size > 10 else "")
    conditions = sorted({str(c) for c in result["termination_condition"][early]})
    warnings.warn(
        f"collapse_curve: {early.size} of {len(result['seeds'])} repeats stopped "
        f"before generation {n_generations} (termination_condition: "
        f"{', '.join(conditions)}; repeats {shown}). Their trajectories are "
        "padded with NaN after their last generation; see "
        'result["n_generations"] and result["termination_condition"].',
        CollapseWarning,
        stacklevel=4,
    )


class _Progress:
    """Progress of the repeats, reported by the calling process as they finish.

    ``verbose=1``: a tqdm bar (terminal or notebook, tqdm installed), else
    about twenty plain lines; ``verbose >= 2`` adds a line per repeat.
    """

    def __init__(self, n_repeats, verbose):
        self.n_repeats = n_repeats
        self.verbose = verbose
        self.every = 1 if verbose >= 2 else max(1, -(-n_repeats // 20))
        self.done = 0
        self.stopped = 0
        self.start = time.perf_counter()
        self.bar = (
            make_bar(n_repeats, desc="collapse_curve", unit="repeat")
            if verbose
            else None
        )

    def update(self, output):
        self.done += 1
        if not self.verbose:
            return
        if self.bar is not None:
            self._update_bar(output)
            return
        if self.done % self.every and self.done != self.n_repeats:
            return
        elapsed = time.perf_counter() - self.start
        left = elapsed / self.done * (self.n_repeats - self.done)
        line = (
            f"[collapse_curve] {self.done}/{self.n_repeats} repeats done "
            f"({100 * self.done / self.n_repeats:.0f}%), {elapsed:.1f}s elapsed, "
            f"~{left:.1f}s left"
        )
        if self.verbose >= 2:
            line += "; " + self._repeat_line(output)
        print(line, flush=True)

    def _update_bar(self, output):
        if output["termination_condition"] not in (None, "max_generations"):
            self.stopped += 1
            self.bar.set_postfix_str(f"{self.stopped} stopped early", refresh=False)
        if self.verbose >= 2:
            self.bar.write(f"[collapse_curve] {self._repeat_line(output)}")
        self.bar.update(1)

    @staticmethod
    def _repeat_line(output):
        return (
            f"repeat {output['index']} (seed={output['seed']}): "
            f"{output['n_generations']} generations, "
            f"{output['termination_condition']}, {output['fit_time']:.2f}s"
        )

    def close(self):
        if self.bar is not None:
            self.bar.close()
            self.bar = None
