"""Monte Carlo collapse curves: many independent trajectories, in parallel."""

import numbers
import time
from dataclasses import dataclass
from typing import Any

import joblib
import numpy as np
from sklearn.base import clone
from sklearn.metrics import check_scoring, get_scorer_names
from sklearn.utils import check_random_state, get_tags
from sklearn.utils.parallel import Parallel, delayed
from sklearn.utils.validation import check_consistent_length
from threadpoolctl import threadpool_limits

from ._compat import HasMethods, StrOptions, validate_params
from ._engine import Evaluation, batched_curve, resolve_engine
from ._loop import DEGENERATE_ERRORS, CollapseWarning, warn_at_caller
from ._params import RANDOM_STATE, Interval
from ._progress import make_bar
from ._random import SeedTable, Stream, draw_seed
from ._results import CollapseCurveResult

__all__ = ["CollapseCurveResult", "collapse_curve"]

# Entries of a collapse_curve result that are not trajectory keys ("repeat":
# a column of its tidy table).
_RESULT_KEYS = (
    "generation",
    "repeat",
    "seeds",
    "source_seeds",
    "n_generations",
    "termination_condition",
    "collapse_generation",
    "fit_time",
    "estimators",
)

#: Prefixes of the keys of ``source.evaluate`` and of the test-set scores.
TRUTH_PREFIX, TEST_PREFIX = "truth_", "test_"
#: The test-set key of density estimators: mean ``score_samples`` of X_test.
TEST_LOG_LIKELIHOOD = "test_log_likelihood"


@validate_params(
    {
        "estimator": [HasMethods(["fit", "get_params", "set_params"])],
        "X": ["array-like", "sparse matrix", None],
        "y": ["array-like", None],
        "source": [HasMethods(["sample", "evaluate"]), None],
        "n_samples": [Interval(numbers.Integral, 1, None, closed="left"), None],
        "X_test": ["array-like", "sparse matrix", None],
        "y_test": ["array-like", None],
        "scoring": [
            StrOptions(set(get_scorer_names())),
            callable,
            list,
            tuple,
            set,
            dict,
            None,
        ],
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
        "engine": [StrOptions({"auto", "batched", "refit"})],
    },
    prefer_skip_nested_validation=False,
)
def collapse_curve(
    estimator,
    X=None,
    y=None,
    *,
    source=None,
    n_samples=None,
    X_test=None,
    y_test=None,
    scoring=None,
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
    engine="auto",
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

    The real data is either one data set, ``X`` and ``y``, the same for every
    repeat (the curve *given* that sample), or a ``source`` that knows the
    distribution it samples from: every repeat then draws its own real data
    of ``n_samples`` rows (the unconditional Monte Carlo of the theory), and
    every generation's model is measured against the truth
    (``source.evaluate``, keys ``truth_*``). With ``X_test``, every
    generation's model is also scored on a test set (keys ``test_*``).

    Read more in the :ref:`User Guide <monte_carlo>`.

    Parameters
    ----------
    estimator : estimator object
        A recursive meta-estimator, such as
        :class:`~skcollapse.RecursiveRetrainer` or
        :class:`~skcollapse.RecursiveDensityRetrainer`: anything with a
        ``random_state`` parameter that sets a ``trajectory_`` dict of 1-D
        arrays (one value per generation) when fitted (and, for ``source``
        and ``X_test``, an ``estimators_`` list: generation ``g``'s fitted
        base model at index ``g``). It is cloned for every repeat and never
        fitted in place.

    X : {array-like, sparse matrix, DataFrame} of shape (n_rows, n_features), \
            default=None
        The real data, the same for every repeat. None when ``source`` is
        given (and only then).

    y : array-like of shape (n_rows,) or (n_rows, n_outputs), default=None
        The real targets; ``None`` for density estimators (``fit(X)`` is
        then called) and with a ``source`` (which draws them).

    source : data source, default=None
        An object with ``sample(n_samples, random_state=None)``, returning
        ``X`` (density estimators) or ``(X, y)`` (supervised ones), and
        ``evaluate(fitted_model) -> dict`` of ground-truth metrics of one
        fitted base model, such as the sources of :mod:`skcollapse.datasets`
        (:ref:`sources`). Every repeat draws its own real data,
        ``source.sample(n_samples, random_state=result["source_seeds"][i])``,
        in its worker, and ``source.evaluate(estimators_[g])`` of every
        generation ``g`` becomes the trajectory keys ``"truth_<key>"``. It is
        sent to the workers (picklable for process-based backends).

    n_samples : int >= 1, default=None
        Rows of real data each repeat draws from ``source``; required with
        a ``source``, refused without one.

    X_test : {array-like, sparse matrix, DataFrame} of shape \
            (n_test, n_features), default=None
        A test set on which every generation's fitted model
        (``estimators_[g]``) is scored, the same for every repeat. Supervised
        estimators: with ``y_test`` and ``scoring``, keys ``"test_<name>"``
        (``"test_score"`` for a single unnamed scorer, as in
        :func:`sklearn.model_selection.cross_validate`). Density estimators:
        ``"test_log_likelihood"``, the mean ``score_samples`` of ``X_test``
        (plus ``"test_<name>"`` of any ``scoring``, called with ``y=None``).

    y_test : array-like of shape (n_test,) or (n_test, n_outputs), \
            default=None
        The targets of ``X_test``: required for supervised estimators, refused
        for density estimators and without ``X_test``.

    scoring : str, callable, list, tuple, set or dict, default=None
        The scorers of ``X_test``, as in
        :func:`sklearn.model_selection.cross_validate`: a scorer name, a
        callable ``scorer(model, X, y)`` (returning a number, or a dict of
        named numbers), a list, tuple or set of names, or a dict ``{name:
        scorer}``. None: the base estimator's own ``score`` (supervised; key
        ``"test_score"``) or nothing beyond ``"test_log_likelihood"``
        (density). Refused without ``X_test``.

    n_repeats : int, default=10
        Number of independent trajectories.

    n_jobs : int, default=None
        Number of repeats fitted in parallel. ``None`` means 1 unless in a
        :func:`joblib.parallel_config` context; ``-1`` means all processors.
        Under ``parallel_config(backend="dask")`` the repeats run on the
        Dask cluster.

    random_state : int, RandomState instance or None, default=None
        Draws the repeats' integer seeds, all of them up front, before any
        fit: with an int, the result is the same whatever the backend,
        ``n_jobs`` and ``chunk_size``, and the first ``k`` repeats of a run
        are the ``k`` repeats of the same run with ``n_repeats=k``. With a
        ``source``, each repeat's real data derives from its seed too.

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
        with ``store_estimators=False`` (when ``measure``, ``source`` and
        ``X_test`` are None), which changes no trajectory and keeps one
        generation in memory, not all. With ``source`` or ``X_test``, every
        generation's model is kept in the worker until it is evaluated; the
        returned estimator is then as its own ``store_estimators`` asks.

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

    engine : {"auto", "batched", "refit"}, default="auto"
        How the repeats run. ``"refit"``: each repeat is the fit of its own
        clone, generation by generation (the reference semantics).
        ``"batched"``: every repeat of a chunk advanced at once in array
        operations on sufficient statistics, for the configurations whose
        refit has them (:ref:`engine`): the same keys, shapes, dtypes and
        padding, equal to ``"refit"`` in distribution but not bit for bit
        (a repeat's ``seeds`` entry then reproduces its batched trajectory,
        not a refit of its clone); a configuration it does not cover raises
        a ValueError naming it. With a ``source``, repeat ``i``'s real data
        are the refit path's rows (the same ``source_seeds``) under either
        engine. ``"auto"``: batched when covered, refit
        otherwise. ``measure`` and ``return_estimators=True`` need each
        repeat's fitted estimators, so ``"auto"`` runs them refit.
        ``result["engine"]`` (one entry per repeat, like
        ``"termination_condition"``) says which engine ran.

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
          the 1-D one below. The estimators' trajectory keys measure against
          the data the loop sees (``"mean_shift"`` from the mean of the real
          sample, ``"total_variance"`` the ``ddof=1`` trace of each
          generation's training set): see the user guide;
        - ``"truth_<key>"`` (with ``source``): ``source.evaluate`` of each
          generation's fitted model, against the true distribution;
        - ``"test_<name>"``, ``"test_score"`` or ``"test_log_likelihood"``
          (with ``X_test``): each generation's score on the test set;
        - ``"generation"``: ndarray of shape ``(n_generations + 1,)``, the
          generation of each column, ``0 .. n_generations``;
        - ``"seeds"``: ndarray of shape ``(n_repeats,)``, the ``random_state``
          of each repeat (refit ``clone(estimator).set_params(
          random_state=result["seeds"][i])`` to get repeat ``i`` back);
        - ``"source_seeds"`` (with ``source``): ndarray of shape
          ``(n_repeats,)``, the ``random_state`` of each repeat's draw of real
          data (``source.sample(n_samples, random_state=
          result["source_seeds"][i])`` is repeat ``i``'s ``X``, ``y``);
        - ``"n_generations"``: ndarray of shape ``(n_repeats,)``, each repeat's
          ``n_generations_`` (completed generations);
        - ``"termination_condition"``: object ndarray of shape
          ``(n_repeats,)``, each repeat's ``termination_condition_``
          (``"max_generations"``, ``"degenerate"``, or ``"collapsed"`` under
          ``stop_on_collapse``);
        - ``"collapse_generation"``: float ndarray of shape ``(n_repeats,)``,
          each repeat's ``collapse_generation_``, the first generation whose
          diversity is at or below the estimator's ``collapse_threshold``
          times generation 0's (0 when generation 0 has none; NaN for None:
          no collapse within the run). Under ``stop_on_collapse=True`` it is
          the generation the repeat stopped at;
        - ``"fit_time"``: ndarray of shape ``(n_repeats,)``, seconds spent
          fitting (and evaluating) each repeat in its worker (the only entry
          that is not reproducible);
        - ``"estimators"``: list of ``n_repeats`` fitted estimators, only when
          ``return_estimators=True``.

        ``n_generations`` is the estimator's ``n_generations`` parameter. A
        repeat that terminated early (``"degenerate"``: collapse made the data
        impossible to fit; ``"collapsed"``: stopped at absorption) has fewer
        generations; its rows are padded with NaN after its last completed
        generation (every key, the ``truth_`` and ``test_`` ones included),
        and a single :class:`~skcollapse.CollapseWarning` summarises how many
        repeats stopped early unasked (not those that stopped at absorption,
        as ``stop_on_collapse=True`` asks). Use ``numpy.nanmean`` for the
        mean over the repeats still running at each generation.

    Raises
    ------
    ValueError
        If the real data is given both as ``X`` and as ``source``, or not at
        all; if ``n_samples`` and ``source`` are not given together; if
        ``y_test`` or ``scoring`` come without ``X_test``, ``y_test`` is
        missing for a supervised estimator or given for a density one.

    See Also
    --------
    skcollapse.plotting.CollapseCurveDisplay : Plot the mean and spread of
        these curves, with a theory overlay.
    sklearn.model_selection.learning_curve : The analogous curve over
        training set sizes.
    sklearn.model_selection.cross_validate : The same ``scoring`` forms.

    Notes
    -----
    The seeds are integers drawn from ``random_state`` before any work is
    dispatched, and each repeat derives all its randomness from its seed: the
    stacked trajectories are identical for ``n_jobs=1``, ``n_jobs=2`` and the
    dask backend (given the same numerical libraries on every worker; the
    tests check it bit for bit with OpenBLAS, whose thread count differs
    between the main process and loky workers). A repeat's real data drawn
    from ``source`` uses the ``Stream.SOURCE`` seed of its own seed table, a
    stream no fit draws from: the fit's other streams, so every synthetic
    draw, are those of ``clone(estimator).set_params(random_state=seed)``.
    Each repeat's own warnings are emitted where it runs (a worker's stderr
    for process-based backends); warning filters of the calling thread are
    propagated to the workers by :class:`sklearn.utils.parallel.Parallel`.

    The ``truth_`` and ``test_`` keys are computed in the worker, after the
    fit, from every generation's model; the fit keeps them all until then
    (whatever ``store_estimators`` says, which changes no trajectory). An
    error of ``source.evaluate`` or of a scorer on a generation ``g >= 1``
    whose model collapse made impossible to evaluate (for example
    ``log_loss`` of a classifier whose base model lost a class, a
    :class:`ValueError`) is recorded as NaN for that generation with a
    :class:`~skcollapse.CollapseWarning`; on generation 0, fitted on the
    real data, it is raised.

    To run on a cluster::

        from distributed import Client
        import joblib

        with Client("scheduler-address:8786"), joblib.parallel_config(
            backend="dask"
        ):
            result = collapse_curve(estimator, X, y, n_repeats=1000)

    Large ``X``, ``y``, ``X_test`` and ``y_test`` are scattered to the
    workers once by joblib's dask backend.

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

    Every generation scored on a held-out test set:

    >>> X_test, y_test = X[80:], y[80:]
    >>> result = collapse_curve(retrainer, X[:80], y[:80], X_test=X_test,
    ...                         y_test=y_test,
    ...                         scoring=["r2", "neg_mean_absolute_error"],
    ...                         n_repeats=4, random_state=0)
    >>> result["test_r2"].shape, result["test_neg_mean_absolute_error"].shape
    ((4, 6), (4, 6))

    Against a known truth, each repeat with its own real data:

    >>> from sklearn.linear_model import LinearRegression
    >>> from skcollapse.datasets import LinearSource
    >>> source = LinearSource([1.0, -2.0, 0.5], noise=0.7)
    >>> retrainer = RecursiveRetrainer(LinearRegression(), n_generations=3)
    >>> result = collapse_curve(retrainer, source=source, n_samples=31,
    ...                         n_repeats=4, random_state=0)
    >>> result["truth_excess_risk"].shape
    (4, 4)
    """
    _check_estimator(estimator)
    _check_real_data(X, y, source, n_samples)
    task = _Task(
        params={} if params is None else params,
        measure=measure,
        return_estimators=return_estimators,
        source=source,
        n_samples=n_samples,
        test=_check_test_set(estimator, X, y, source, X_test, y_test, scoring),
    )
    rng = check_random_state(random_state)
    seeds = draw_seed(rng, size=n_repeats)
    evaluation = Evaluation(
        source=source, test=task.test, X_test=X_test, y_test=y_test,
        scoring=scoring, n_samples=n_samples, name=type(estimator).__name__,
    )  # fmt: skip
    family = resolve_engine(
        engine, estimator, X, y, params, measure, return_estimators,
        evaluation=evaluation,
    )  # fmt: skip
    if family is not None:
        return batched_curve(
            family, estimator, X, y, seeds, params=params, n_jobs=n_jobs,
            pre_dispatch=pre_dispatch, chunk_size=chunk_size,
            inner_threads=inner_threads, verbose=verbose, source=source,
            evaluation=evaluation,
        )  # fmt: skip
    repeats = _refit_repeats(
        estimator,
        X,
        y,
        X_test,
        y_test,
        seeds,
        task,
        n_jobs=n_jobs,
        verbose=verbose,
        pre_dispatch=pre_dispatch,
        chunk_size=chunk_size,
        inner_threads=inner_threads,
    )
    result = _collect(estimator, repeats, seeds, task)
    result["engine"] = np.full(n_repeats, "refit", dtype=object)
    return result


# ----------------------------------------------------------------------
# Checks, in the calling process, before any work
# ----------------------------------------------------------------------
def _check_estimator(estimator):
    if "random_state" not in estimator.get_params(deep=False):
        raise ValueError(
            "collapse_curve seeds every repeat through the estimator's "
            f"random_state parameter, but {type(estimator).__name__} has none. "
            "Pass a recursive meta-estimator such as RecursiveRetrainer or "
            "RecursiveDensityRetrainer."
        )


def _check_real_data(X, y, source, n_samples):
    """The real data is X (and y), or a source with n_samples: exactly one."""
    if source is None:
        if X is None:
            raise ValueError(
                "collapse_curve needs real data: pass X (and y), or "
                "source=<a data source> with n_samples=<rows per repeat>; got "
                "X=None and source=None."
            )
        if n_samples is not None:
            raise ValueError(
                f"n_samples={n_samples!r} is the number of rows each repeat draws "
                "from source, but source=None. Pass n_samples only with a "
                "source; with X, every repeat uses all of its rows."
            )
        return
    name = type(source).__name__
    if X is not None or y is not None:
        given = " and ".join(k for k, v in (("X", X), ("y", y)) if v is not None)
        raise ValueError(
            f"collapse_curve takes the real data either as X (and y) or from "
            f"a source, not both; got {given} and source={name}(...). Pass "
            "X=None and y=None to draw every repeat's real data from the "
            "source, or source=None to use X for every repeat."
        )
    if n_samples is None:
        raise ValueError(
            f"source={name}(...) needs n_samples, the number of rows of real "
            "data each repeat draws from it; got n_samples=None."
        )


def _estimator_kind(estimator):
    """``"density"``, ``"supervised"`` or None (unknown) from the tags."""
    try:
        estimator_type = get_tags(estimator).estimator_type
    except (AttributeError, TypeError, ValueError):  # no __sklearn_tags__
        estimator_type = getattr(estimator, "_estimator_type", None)
    if estimator_type in ("density_estimator", "DensityEstimator"):
        return "density"
    if estimator_type in ("regressor", "classifier"):
        return "supervised"
    return None


def _check_test_set(estimator, X, y, source, X_test, y_test, scoring):
    """The test-set part of a task (None without X_test), checked up front."""
    if X_test is None:
        for name, value in (("y_test", y_test), ("scoring", scoring)):
            if value is not None:
                raise ValueError(
                    f"{name} was given without X_test: it scores every "
                    "generation on the test set X_test. Pass X_test too, or "
                    f"{name}=None."
                )
        return None
    kind = _estimator_kind(estimator)
    if kind is None and source is None:
        kind = "density" if y is None else "supervised"
    _check_test_kind(kind, estimator, y_test)
    if y_test is not None:
        check_consistent_length(X_test, y_test)
    base = estimator.get_params(deep=False).get("estimator")
    if not hasattr(base, "fit"):
        raise ValueError(
            "X_test scores every generation's fitted base model (estimators_[g] "
            "of the fitted estimator), but "
            f"{type(estimator).__name__} has no base estimator parameter "
            "'estimator'. Pass a recursive meta-estimator such as "
            "RecursiveRetrainer or RecursiveDensityRetrainer, or X_test=None."
        )
    scorer = None
    if scoring is not None or kind != "density":
        # None: the base's own score, as cross_validate does
        scorer = check_scoring(base, scoring)
    return _TestSet(scorer=scorer, kind=kind)


def _check_test_kind(kind, estimator, y_test):
    """y_test for supervised estimators only, and always with them."""
    if kind == "density" and y_test is not None:
        raise ValueError(
            f"y_test was given for the density estimator "
            f"{type(estimator).__name__}, which is scored on X_test alone "
            "(test_log_likelihood: the mean score_samples); pass y_test=None."
        )
    if kind == "supervised" and y_test is None:
        raise ValueError(
            f"X_test needs y_test to score the supervised estimator "
            f"{type(estimator).__name__} on it; got y_test=None."
        )


# ----------------------------------------------------------------------
# The refit engine: every repeat is a fit of the meta-estimator
# ----------------------------------------------------------------------
@dataclass
class _TestSet:
    """How generations are scored on X_test (the arrays travel apart)."""

    scorer: Any  # a scorer (number or dict), or None: log-likelihood only
    kind: Any  # "density", "supervised", or None: from the drawn data


@dataclass
class _Task:
    """What every repeat does besides fitting, sent to the workers."""

    params: dict
    measure: Any
    return_estimators: bool
    source: Any = None
    n_samples: Any = None
    test: Any = None  # a _TestSet, or None without X_test

    @property
    def evaluates(self):
        """Whether every generation's model is evaluated after the fit."""
        return self.source is not None or self.test is not None


def _refit_repeats(
    estimator,
    X,
    y,
    X_test,
    y_test,
    seeds,
    task,
    *,
    n_jobs,
    verbose,
    pre_dispatch,
    chunk_size,
    inner_threads,
):
    """Fit every repeat (in chunks, in parallel); return their outputs in order."""
    n_repeats = len(seeds)
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
        outputs = parallel(
            fit_chunk(estimator, X, y, X_test, y_test, chunk, task, inner_threads)
            for chunk in chunks
        )
        for chunk_outputs in outputs:
            for output in chunk_outputs:
                repeats[output["index"]] = output
                progress.update(output)
    finally:
        progress.close()
    return repeats


def _collect(estimator, repeats, seeds, task):
    """The result: every repeat's trajectory stacked, and per-repeat entries."""
    n_columns = _n_columns(estimator, repeats)
    result = CollapseCurveResult(**_stack_trajectories(repeats, n_columns))
    result["generation"] = np.arange(n_columns)
    result["seeds"] = np.asarray(seeds).astype(np.int64)
    if task.source is not None:
        result["source_seeds"] = np.array(
            [r["source_seed"] for r in repeats], dtype=np.int64
        )
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
    if task.return_estimators:
        result["estimators"] = [r["estimator"] for r in repeats]
    _warn_early_stops(result, n_columns - 1)
    return result


def _chunk_size(chunk_size, n_repeats, n_jobs):
    """Repeats per task: about four tasks per worker, at most 64 repeats."""
    if chunk_size != "auto":
        return int(chunk_size)
    n_workers = max(1, joblib.effective_n_jobs(n_jobs))
    return int(min(64, max(1, -(-n_repeats // (4 * n_workers)))))


def _fit_chunk(estimator, X, y, X_test, y_test, chunk, task, threads):
    """Fit the repeats ``[(index, seed), ...]`` of one task, in a worker."""
    if threads is None:
        return [
            _fit_repeat(estimator, X, y, X_test, y_test, seed, index, task)
            for index, seed in chunk
        ]
    with threadpool_limits(limits=threads):
        return [
            _fit_repeat(estimator, X, y, X_test, y_test, seed, index, task)
            for index, seed in chunk
        ]


def _fit_repeat(estimator, X, y, X_test, y_test, seed, index, task):
    """Fit one repeat in a worker; return its trajectory (and estimator)."""
    start = time.perf_counter()
    estimator = clone(estimator).set_params(random_state=seed)
    own = estimator.get_params(deep=False)
    stores = own.get("store_estimators") if "store_estimators" in own else None
    if task.evaluates and stores is not None:
        # every generation's model, until it is evaluated below
        estimator.set_params(store_estimators=True)
    elif not task.return_estimators and task.measure is None and stores is not None:
        estimator.set_params(store_estimators=False)
    source_seed = None
    if task.source is not None:
        source_seed = SeedTable(seed).seed(0, Stream.SOURCE)
        X, y = _draw_real_data(task.source, task.n_samples, source_seed)
    if y is None:
        estimator.fit(X, **task.params)
    else:
        estimator.fit(X, y, **task.params)
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
    if task.evaluates:
        models = _generation_models(estimator, length)
        kind = None if task.test is None else task.test.kind
        if task.test is not None and kind is None:
            # a source, for an estimator whose tags do not say its kind
            kind = "density" if y is None else "supervised"
            _check_test_kind(kind, estimator, y_test)
        extra = _evaluate_generations(
            models, task, X_test, y_test, kind, type(estimator).__name__
        )
        _add_keys(trajectory, extra, "collapse_curve")
        if stores is False:  # as the user's store_estimators=False leaves it
            estimator.set_params(store_estimators=False)
            estimator.estimators_ = [None] * (len(models) - 1) + [models[-1]]
    if task.measure is not None:
        trajectory.update(_measure(task.measure, estimator, trajectory, length))
    return {
        "index": index,
        "seed": seed,
        "source_seed": source_seed,
        "trajectory": trajectory,
        "n_generations": int(getattr(estimator, "n_generations_", length - 1)),
        "termination_condition": getattr(estimator, "termination_condition_", None),
        "collapse_generation": getattr(estimator, "collapse_generation_", None),
        "estimator": estimator if task.return_estimators else None,
        "fit_time": time.perf_counter() - start,
    }


# ----------------------------------------------------------------------
# Real data from a source; every generation against the truth and a test set
# ----------------------------------------------------------------------
def _draw_real_data(source, n_samples, seed):
    """``(X, y)`` of one repeat, ``y`` None for a density source."""
    name = f"{type(source).__name__}.sample"
    data = source.sample(n_samples, random_state=seed)
    X, y = data if isinstance(data, tuple) and len(data) == 2 else (data, None)
    if isinstance(data, tuple) and len(data) != 2:
        raise TypeError(
            f"source: {name}(n_samples, random_state) must return X or a tuple "
            f"(X, y); it returned a tuple of {len(data)} items."
        )
    for what, values in (("X", X), ("y", y)):
        if values is None:
            continue
        n_rows = np.shape(values)[0] if np.ndim(values) else None
        if n_rows != n_samples:
            raise ValueError(
                f"source: {name}(n_samples={n_samples}) returned {what} with "
                f"{n_rows} rows; a source returns n_samples rows."
            )
    return X, y


def _generation_models(estimator, length):
    """Every generation's fitted base model, ``estimators_[0 .. length - 1]``."""
    models = getattr(estimator, "estimators_", None)
    name = type(estimator).__name__
    if models is None or len(models) < length:
        raise TypeError(
            "source and X_test evaluate every generation's fitted model, read "
            f"from estimators_ (one per generation), but the fitted {name} has "
            f"{'no estimators_' if models is None else f'{len(models)} of them'} "
            f"for {length} generations. Pass a recursive meta-estimator such as "
            "RecursiveRetrainer or RecursiveDensityRetrainer."
        )
    models = list(models[:length])
    if any(model is None for model in models):
        raise TypeError(
            f"The fitted {name} kept only some generations' models (a "
            "store_estimators parameter collapse_curve could not set?); source "
            "and X_test need every generation's model."
        )
    return models


def _evaluate_generations(models, task, X_test, y_test, kind, name):
    """``truth_*`` and ``test_*`` keys: one value per generation each."""
    records = []
    for generation, model in enumerate(models):
        record = {}
        if task.source is not None:
            record.update(
                _guarded(
                    generation,
                    name,
                    "source.evaluate",
                    lambda model=model: _truth(task.source, model),
                )
            )
        if task.test is not None:
            record.update(
                _guarded(
                    generation,
                    name,
                    "scoring X_test",
                    lambda model=model: _test_scores(
                        model, X_test, y_test, task.test.scorer, kind
                    ),
                )
            )
        records.append(record)
    keys = []
    for record in records:
        keys += [key for key in record if key not in keys]
    return {
        key: np.array([record.get(key, np.nan) for record in records]) for key in keys
    }


def _guarded(generation, name, what, evaluate):
    """``evaluate()``; a collapse-made error after generation 0 gives ``{}``."""
    try:
        return evaluate()
    except DEGENERATE_ERRORS as exc:
        if generation == 0:
            raise
        warn_at_caller(
            f"collapse_curve: {what} failed on generation {generation}'s model of "
            f"{name} ({type(exc).__name__}: {exc}); its keys are NaN there.",
            CollapseWarning,
        )
        return {}


def _truth(source, model):
    """``truth_<key>`` of ``source.evaluate(model)``, checked."""
    name = f"{type(source).__name__}.evaluate"
    metrics = source.evaluate(model)
    if not isinstance(metrics, dict):
        raise TypeError(
            f"source: {name}(fitted_model) must return a dict {{name: number}} "
            f"of ground-truth metrics; it returned a {type(metrics).__name__}."
        )
    record = {}
    for key, value in metrics.items():
        if not isinstance(key, str) or np.ndim(value) != 0:
            raise TypeError(
                f"source: {name} returned {key!r}: {value!r}; it must return "
                "one number per metric name (a str)."
            )
        record[TRUTH_PREFIX + key] = value
    return record


def _test_scores(model, X_test, y_test, scorer, kind):
    """The test-set keys of one generation's model."""
    record = {}
    if kind == "density":
        record[TEST_LOG_LIKELIHOOD] = float(
            np.mean(np.asarray(model.score_samples(X_test), dtype=float))
        )
    if scorer is not None:
        scores = scorer(model, X_test, y_test)
        if not isinstance(scores, dict):  # one unnamed score, as cross_validate
            scores = {"score": scores}
        for name, value in scores.items():
            key = TEST_PREFIX + str(name)
            if key in record:
                raise ValueError(
                    f"scoring names a score {name!r}, whose key {key!r} is "
                    "already the mean test log-likelihood; rename the scorer."
                )
            record[key] = value
    return record


def _add_keys(trajectory, extra, who):
    for key, values in extra.items():
        if key in _RESULT_KEYS or key in trajectory:
            raise ValueError(
                f"{who}: the key {key!r} is already a trajectory or result key; "
                "rename the metric or scorer."
            )
        trajectory[key] = values


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
    """One CollapseWarning for the repeats that stopped before the last
    generation unasked (``stop_on_collapse``'s ``"collapsed"`` is asked for)."""
    early = np.flatnonzero(
        (result["n_generations"] < n_generations)
        & (result["termination_condition"] != "collapsed")
    )
    if early.size == 0:
        return
    shown = ", ".join(str(i) for i in early[:10]) + (", ..." if early.size > 10 else "")
    conditions = sorted({str(c) for c in result["termination_condition"][early]})
    warn_at_caller(
        f"collapse_curve: {early.size} of {len(result['seeds'])} repeats stopped "
        f"before generation {n_generations} (termination_condition: "
        f"{', '.join(conditions)}; repeats {shown}). Their trajectories are "
        "padded with NaN after their last generation; see "
        'result["n_generations"] and result["termination_condition"].',
        CollapseWarning,
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
