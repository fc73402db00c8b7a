"""The batched engine of :func:`~skcollapse.model_selection.collapse_curve`.

``collapse_curve(..., engine="batched")`` advances every repeat of a chunk
at once, in array operations on sufficient statistics, for the
configurations whose refit has them; ``engine="auto"`` does so when the
configuration is covered and runs the refit path otherwise. The result has
the keys, shapes, dtypes and NaN padding of the refit path's and is equal to
it in distribution, not bit for bit (the random draws differ).

- :mod:`._protocol`: what a batched family implements (the twin of
  :class:`~skcollapse._problem.Problem`);
- :mod:`._batched`: the one batched loop, the data regimes;
- :mod:`._streams`: the per-repeat random streams;
- :mod:`._density`: ``CategoricalDensity`` and ``GaussianDensity``.

Adding a family is a module with a :class:`._protocol.BatchedProblem`
subclass and its entry in :data:`FAMILIES`.
"""

# Authors: The skcollapse developers
# SPDX-License-Identifier: BSD-3-Clause

import joblib
import numpy as np
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.utils import check_array
from sklearn.utils.parallel import Parallel, delayed
from threadpoolctl import threadpool_limits

from .._compat import routing_enabled
from .._random import SeedTable, Stream
from ._batched import run_chunk
from ._categorical import CategoricalFamily
from ._frequency import FrequencyFamily
from ._gaussian import GaussianFamily
from ._linear import LinearFamily
from ._protocol import BatchedProblem, Evaluation, RealData

__all__ = ["ENGINES", "FAMILIES", "Evaluation", "batched_curve", "resolve_engine"]

ENGINES = ("auto", "batched", "refit")

#: The batched families, by meta-estimator (exactly that class: a subclass
#: may change what a generation does).
FAMILIES = {
    "RecursiveDensityRetrainer": (CategoricalFamily, GaussianFamily),
    "RecursiveRetrainer": (LinearFamily, FrequencyFamily),
}


def _families():
    from ..density import RecursiveDensityRetrainer
    from ..retrainer import RecursiveRetrainer

    classes = {
        "RecursiveDensityRetrainer": RecursiveDensityRetrainer,
        "RecursiveRetrainer": RecursiveRetrainer,
    }
    return {classes[name]: families for name, families in FAMILIES.items()}


#: Repeats per chunk at most (memory is bounded by the chunk).
MAX_CHUNK = 4096

# Parameters of the meta-estimators the batched loop does not implement, with
# the value it does (the refit path's default).
_LOOP_DEFAULTS = {
    "fine_tune": False,
    "accumulate_window": None,
    "correction": None,
    "verbose": 0,
}


def _reason(estimator, y, measure, return_estimators):
    """``(family, None)`` when the batched engine covers the call, else
    ``(None, reason)``."""
    if measure is not None:
        return None, (
            "measure= is called on each repeat's fitted estimator, which the "
            "batched engine does not build"
        )
    if return_estimators:
        return None, (
            "return_estimators=True asks for each repeat's fitted estimator, "
            "which the batched engine does not build"
        )
    name = type(estimator).__name__
    families = _families().get(type(estimator))
    if families is None:
        covered = ", ".join(sorted(cls.__name__ for cls in _families()))
        return None, f"estimator={name} (batched: {covered})"
    base = getattr(estimator, "estimator", None)
    family = next((f for f in families if type(base) in f.bases()), None)
    if family is None:
        covered = ", ".join(b.__name__ for f in families for b in f.bases())
        return None, f"{name}(estimator={type(base).__name__}) (batched: {covered})"
    params = dict(estimator.get_params(deep=False))
    for key, default in _LOOP_DEFAULTS.items():
        value = params.get(key, default)
        if key in params and not (value is default or value == default):
            return None, f"{name}({key}={value!r})"
    sampling = params.get("real_sampling")
    if sampling == "fresh":
        source = params.get("real_source")
        if type(source) not in family.fresh_sources():
            covered = ", ".join(c.__name__ for c in family.fresh_sources()) or "none"
            return None, (
                f"{name}(real_sampling='fresh', real_source={source!r}) (batched "
                f"real_source: {covered})"
            )
    elif sampling not in ("fixed", "resample"):
        return None, f"{name}(real_sampling={sampling!r})"
    if params.get("regularization") is not None:
        reason = family.regularizes(estimator)
        if reason is not None:
            return None, f"{name}({reason})"
    supervised = name == "RecursiveRetrainer"
    if not supervised and y is not None:
        return None, f"y={type(y).__name__} for {name}, which fits X alone"
    reason = family.covers(estimator)
    if reason is not None:
        return None, f"{name}(estimator={type(base).__name__}): {reason}"
    if params.get("verifier") is not None:  # threshold, keep_fraction, n_candidates
        from ._verify import verified, verifier_reason

        family = verified(family)
        reason = verifier_reason(family, estimator) or family.covers(estimator)
        if reason is not None:
            return None, f"{name}({reason})"
    return family, None


def resolve_engine(
    engine,
    estimator,
    X,
    y,
    params,
    measure,
    return_estimators,
    refit_only=None,
    evaluation=None,
):
    """The batched family to run, or None for the refit path.

    ``refit_only``: arguments of ``collapse_curve`` that only the refit path
    implements, ``{name: value}`` (covered when None). ``evaluation``: the
    :class:`~._protocol.Evaluation` of ``source`` and ``X_test`` (covered
    when the family computes its keys). ``engine="batched"`` for a
    configuration it does not cover raises a ValueError naming the estimator
    or parameter and the value.
    """
    if engine == "refit":
        return None
    given = {k: v for k, v in (refit_only or {}).items() if v is not None}
    if given:
        name = next(iter(given))
        family = None
        reason = f"{name}={type(given[name]).__name__} (the batched engine runs on X)"
    elif sp.issparse(X):
        family, reason = None, "a sparse X"
    elif evaluation is not None and sp.issparse(evaluation.X_test):
        family, reason = None, "a sparse X_test"
    elif set(params or {}) - {"sample_weight"}:
        family = None
        reason = f"fit parameters {sorted(set(params) - {'sample_weight'})}"
    elif routing_enabled():
        family, reason = None, "metadata routing enabled"
    else:
        family, reason = _reason(estimator, y, measure, return_estimators)
        if family is not None and evaluation is not None and evaluation.active:
            why = family.evaluates(estimator, evaluation)
            if why is not None:
                family, reason = None, why
    if family is None and engine == "batched":
        raise ValueError(
            f"engine='batched' does not cover {reason}. Use engine='auto' (which "
            "runs the refit path for configurations the batched engine does not "
            "cover) or engine='refit'."
        )
    return family


def _first_generation(estimator, X, y, seed, params):
    """Generation 0 of one repeat through the refit path itself: the same
    fitted model, record and input errors."""
    first = clone(estimator).set_params(
        random_state=int(seed), n_generations=0, store_estimators=False
    )
    if y is None:
        first.fit(X, **params)
    else:
        first.fit(X, y, **params)
    record = {key: value[0] for key, value in first.trajectory_.items()}
    return first, record


def _real_data(first, X, y, seed, params):
    """The real rows a repeat's refit problem sees (after the validation
    split): ``(X, y, weight, X_val, y_val)``."""
    X = check_array(X, dtype="numeric")
    supervised = y is not None
    if supervised:
        # class labels stay as they are (strings too)
        numeric = None if hasattr(first, "classes_") else "numeric"
        y = check_array(y, ensure_2d=False, dtype=numeric, input_name="y")
    weight = first._route_sample_weight(
        X, params.get("sample_weight"), {}, uniform_is_none=supervised
    )
    seeds = SeedTable(int(seed))
    if supervised:
        (X, y, weight), validation = first._split_validation(seeds, X, y, weight)
        X_val, y_val = (None, None) if validation is None else validation[:2]
    else:
        (X, weight), validation = first._split_validation(seeds, X, weight)
        X_val = None if validation is None else validation[0]
        y_val = None
    return X, y, weight, X_val, y_val


def _batches_first(family, estimator, source):
    """Whether generation 0 of a source's repeats is fitted batched: the
    family fits it (:meth:`~._protocol.BatchedProblem.first_generation`),
    without a validation split, a penalty schedule or a verifier."""
    params = estimator.get_params(deep=False)
    return (
        source is not None
        and family.first_generation is not BatchedProblem.first_generation
        and params.get("validation_fraction") is None
        and params.get("regularization") is None
        and params.get("verifier") is None
    )


def _chunk_input(
    estimator, X, y, seeds, params, source=None, evaluation=None, batch_first=False
):
    """Generation 0, its evaluation and the real data of a chunk: shared,
    unless each repeat has its own validation split or draws its own real
    data from ``source`` (with the refit path's ``Stream.SOURCE`` seed: the
    same rows as the refit path's repeat). With ``batch_first``, only the
    chunk's first repeat is fitted through the refit path (its checks and
    the keys of generation 0); ``models`` is then None and the batched
    family fits every repeat's generation 0."""
    from ..model_selection import _draw_real_data

    per_repeat = (
        source is not None
        or estimator.get_params(deep=False).get("validation_fraction") is not None
    )
    firsts, records, extras, parts = [], [], [], []
    first = None
    for seed in seeds if per_repeat else seeds[:1]:
        X_seed, y_seed = X, y
        if source is not None:
            X_seed, y_seed = _draw_real_data(
                source,
                evaluation.n_samples,
                SeedTable(int(seed)).seed(0, Stream.SOURCE),
            )
        if batch_first and first is not None:
            # a source's numeric arrays; no validation split; the weights of
            # the first repeat (the same sample_weight for every repeat)
            X_seed = np.asarray(X_seed, dtype=float)
            if y_seed is not None:  # class labels stay as they are
                classifier = hasattr(first, "classes_")
                y_seed = np.asarray(y_seed, dtype=None if classifier else float)
            parts.append((X_seed, y_seed, parts[0][2], None, None))
            continue
        first, record = _first_generation(estimator, X_seed, y_seed, seed, params)
        firsts.append(first.estimator_)
        records.append(record)
        if evaluation is not None and evaluation.active and not batch_first:
            # generation 0's model is the refit path's own: its keys exactly
            extra = evaluation.of_models([first.estimator_], 0)
            extras.append({key: value[0] for key, value in extra.items()})
        parts.append(_real_data(first, X_seed, y_seed, seed, params))
    if batch_first:
        firsts = None
    stack = [None if p[0] is None else np.stack(p) for p in zip(*parts)]
    real = RealData(
        X=np.asarray(stack[0]),
        y=stack[1],
        weight=stack[2],
        X_val=stack[3],
        y_val=stack[4],
        per_repeat=per_repeat,
        classes=None if source is None else getattr(source, "classes", None),
    )
    return real, firsts, records, extras


def _run_chunk(estimator, family, X, y, seeds, params, threads, source, evaluation):
    def run():
        real, models, records, extras = _chunk_input(
            estimator,
            X,
            y,
            seeds,
            params,
            source,
            evaluation,
            _batches_first(family, estimator, source),
        )
        if len(records) == 1:
            records = records * len(seeds)
            extras = extras * len(seeds)
        return run_chunk(
            estimator, family, real, models, records, seeds, evaluation, extras
        )

    if threads is None:
        return run()
    with threadpool_limits(limits=threads):
        return run()


def batched_curve(
    family,
    estimator,
    X,
    y,
    seeds,
    *,
    params=None,
    n_jobs=None,
    pre_dispatch="2*n_jobs",
    chunk_size="auto",
    inner_threads=1,
    verbose=0,
    source=None,
    evaluation=None,
):
    """``collapse_curve``'s result, every repeat through the batched engine.

    Chunks of repeats run over joblib workers; each repeat draws from its
    own streams (:mod:`._streams`), so the result is the same for any
    ``n_jobs``, ``chunk_size`` and backend. With a ``source``, repeat ``i``'s
    real data is the refit path's (``source_seeds``), and ``evaluation``
    (an :class:`~._protocol.Evaluation`) adds the ``truth_`` and ``test_``
    keys.
    """
    from ..model_selection import CollapseCurveResult, _Progress, _warn_early_stops

    n_repeats = len(seeds)
    if chunk_size == "auto":
        n_workers = max(1, joblib.effective_n_jobs(n_jobs))
        size = int(min(MAX_CHUNK, max(1, -(-n_repeats // n_workers))))
    else:
        size = int(min(MAX_CHUNK, chunk_size))
    limit = getattr(family, "chunk_limit", None)  # memory of a family's chunk
    if limit is not None:
        size = max(1, min(size, limit(estimator, X, y, evaluation)))
    parallel = Parallel(
        n_jobs=n_jobs, pre_dispatch=pre_dispatch, verbose=max(verbose - 2, 0)
    )
    task = delayed(_run_chunk)
    progress = _Progress(n_repeats, verbose)
    try:
        outputs = parallel(
            task(
                estimator,
                family,
                X,
                y,
                seeds[s : s + size],
                params or {},
                inner_threads,
                source,
                evaluation,
            )
            for s in range(0, n_repeats, size)
        )
        index = 0
        for output in outputs:
            for i in range(len(output["fit_time"])):
                progress.update(
                    {
                        "index": index,
                        "seed": int(seeds[index]),
                        **{
                            name: output[name][i]
                            for name in (
                                "n_generations",
                                "termination_condition",
                                "fit_time",
                            )
                        },
                    }
                )
                index += 1
    finally:
        progress.close()
    result = CollapseCurveResult(
        **{
            key: np.concatenate([o["trajectory"][key] for o in outputs])
            for key in outputs[0]["trajectory"]
        }
    )
    result["generation"] = np.arange(estimator.n_generations + 1)
    result["seeds"] = np.asarray(seeds).astype(np.int64)
    if source is not None:
        result["source_seeds"] = np.array(
            [SeedTable(int(seed)).seed(0, Stream.SOURCE) for seed in seeds],
            dtype=np.int64,
        )
    for name in ("n_generations", "termination_condition", "collapse_generation"):
        result[name] = np.concatenate([o[name] for o in outputs])
    result["n_generations"] = result["n_generations"].astype(int)
    result["fit_time"] = np.concatenate([o["fit_time"] for o in outputs])
    result["engine"] = np.full(n_repeats, "batched", dtype=object)
    _warn_early_stops(result, estimator.n_generations)
    return result
