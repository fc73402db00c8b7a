"""The generation loop shared by every recursive meta-estimator.

One implementation of the loop of DESIGN.md serves both
:class:`~skcollapse.RecursiveRetrainer` and
:class:`~skcollapse.RecursiveDensityRetrainer`. What differs between the
supervised and the density setting (how to synthesise from a model, how to fit,
what to measure) lives in a *problem* object; everything a data regime, a
verifier or a schedule means lives here, once.

A problem provides:

- ``kind``: ``"regression"``, ``"classification"`` or ``"density"``;
- ``real``: a :class:`Batch` of the real training rows (provenance 0);
- ``fit(estimator, batch)``: fit ``estimator`` on ``batch`` and return it;
- ``synthesize(model, n_samples, rng, *, generation, n_candidates)``: a
  :class:`Batch` of ``n_samples * n_candidates`` synthetic rows drawn from
  ``model``, the candidates of one slot on consecutive rows;
- ``verifier_scores(verifier, batch)``: the default scores of a fitted
  verifier estimator;
- ``fit_verifier(verifier)``: check a (cloned, seeded) verifier estimator
  can score this problem's samples and fit it on the real data (generation 0);
- ``measure(model, generation, train)``: a dict of the generation's metrics;
- ``degenerate_reason(batch)``: ``None``, or why ``batch`` cannot be fitted;
- ``diversity_key``: the trajectory key whose fall defines collapse.
"""

import copy
import inspect
import numbers
import time
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.utils import _safe_indexing
from sklearn.utils._param_validation import (
    HasMethods,
    Interval,
    InvalidParameterError,
    RealNotInt,
    StrOptions,
)

__all__ = ["CollapseWarning", "GenerationContext"]

DATA_REGIMES = ("replace", "accumulate", "accumulate-subsample")

# Independent random streams of one generation (see ``_stream``).
_FIT, _SYNTHESIS, _VERIFY, _COMPOSE, _SETUP = range(5)


class CollapseWarning(UserWarning):
    """Warning raised when collapse made the data too degenerate to go on.

    The loop stops (``termination_condition_ == "degenerate"``) or skips a
    refit, keeps a usable fitted estimator, and tells the user with this
    warning instead of raising.
    """


SHARED_PARAMETER_CONSTRAINTS = {
    "n_generations": [Interval(numbers.Integral, 0, None, closed="left")],
    "data": [StrOptions(set(DATA_REGIMES))],
    "real_fraction": [None, Interval(numbers.Real, 0, 1, closed="both")],
    "real_sampling": [StrOptions({"fixed", "resample"})],
    "synthetic_size": [
        Interval(numbers.Integral, 1, None, closed="left"),
        Interval(RealNotInt, 0, None, closed="neither"),
    ],
    "synthetic_weight": [Interval(numbers.Real, 0, None, closed="neither")],
    "temperature": [Interval(numbers.Real, 0, None, closed="neither")],
    "verifier": [
        None,
        callable,
        HasMethods(["fit", "predict_proba"]),
        HasMethods(["fit", "predict"]),
        HasMethods(["fit", "score_samples"]),
    ],
    "keep_fraction": [None, Interval(numbers.Real, 0, 1, closed="right")],
    "threshold": [None, Interval(numbers.Real, None, None, closed="neither")],
    "n_candidates": [Interval(numbers.Integral, 1, None, closed="left")],
    "regularization": [None, dict, callable],
    "validation_fraction": [None, Interval(numbers.Real, 0, 1, closed="neither")],
    "fine_tune": ["boolean"],
    "store_estimators": ["boolean"],
    "collapse_threshold": [Interval(numbers.Real, 0, 1, closed="both")],
    "random_state": ["random_state"],
    "verbose": ["verbose"],
}


# --------------------------------------------------------------------------
# Rows with their provenance
# --------------------------------------------------------------------------
@dataclass
class Batch:
    """Rows of training data with their provenance.

    ``X`` is whatever the base estimator accepts (ndarray, sparse matrix or
    DataFrame); ``y`` the targets (None for densities); ``weight`` the sample
    weights (None: unweighted); ``origin`` the generation that produced each
    row (0: real); ``y_reference`` the real label of each synthetic row when
    the loop knows it (inputs reused from real rows), else None.
    """

    X: Any
    y: Any = None
    weight: Any = None
    origin: Any = None
    y_reference: Any = None

    def __len__(self):
        return len(self.origin)

    def take(self, indices):
        """The rows at ``indices``, provenance kept."""
        return Batch(
            X=_safe_indexing(self.X, indices),
            y=None if self.y is None else self.y[indices],
            weight=None if self.weight is None else self.weight[indices],
            origin=self.origin[indices],
            y_reference=None if self.y_reference is None else self.y_reference[indices],
        )


def concat_batches(batches):
    """Stack batches row-wise; a batch of one part is returned as it is."""
    batches = [b for b in batches if len(b) > 0]
    if len(batches) == 1:
        return batches[0]
    if not batches:
        raise ValueError("concat_batches needs at least one non-empty batch")
    weights = [b.weight for b in batches]
    if all(w is None for w in weights):
        weight = None
    else:
        weight = np.concatenate(
            [np.ones(len(b)) if b.weight is None else b.weight for b in batches]
        )
    references = [b.y_reference for b in batches]
    return Batch(
        X=_concat_rows([b.X for b in batches]),
        y=None if batches[0].y is None else np.concatenate([b.y for b in batches]),
        weight=weight,
        origin=np.concatenate([b.origin for b in batches]),
        y_reference=(
            None if any(r is None for r in references) else np.concatenate(references)
        ),
    )


def _concat_rows(blocks):
    """Row-wise concatenation of ndarray, sparse or pandas blocks."""
    first = blocks[0]
    if hasattr(first, "iloc"):
        import pandas as pd

        frames = [
            b if hasattr(b, "iloc") else pd.DataFrame(b, columns=first.columns)
            for b in blocks
        ]
        return pd.concat(frames, ignore_index=True)
    if any(sp.issparse(b) for b in blocks):
        return sp.vstack(blocks, format="csr")
    return np.concatenate([np.asarray(b) for b in blocks], axis=0)


# --------------------------------------------------------------------------
# Seeds: every random draw of a fit comes from one integer through here
# --------------------------------------------------------------------------
def _stream(base_seed, generation, purpose):
    """Independent generator for one purpose of one generation (set-up draws)."""
    return np.random.default_rng([base_seed, generation, purpose])


def _int_seed(rng):
    return int(rng.integers(np.iinfo(np.int32).max))


class SeedTable:
    """Integer seeds of every generation and purpose of one fit.

    Drawn once, row by row, from ``base_seed``: row ``g`` does not depend on
    the number of generations, so a fit with fewer generations is a prefix of a
    fit with more, and each purpose (synthesis, fit, verification, composition)
    has its own stream, so switching on a verifier does not change the
    synthetic draws. One vectorised draw keeps the per-generation cost of
    seeding negligible.
    """

    def __init__(self, base_seed, n_generations):
        self.table = np.random.default_rng(base_seed).integers(
            np.iinfo(np.int32).max, size=(n_generations + 1, 5)
        )

    def seed(self, generation, purpose):
        return int(self.table[generation, purpose])

    def rng(self, generation, purpose):
        return np.random.default_rng(self.seed(generation, purpose))


def random_state_keys(estimator):
    """Names of every ``random_state`` parameter of ``estimator``, nested too."""
    return sorted(
        key
        for key in estimator.get_params(deep=True)
        if key == "random_state" or key.endswith("__random_state")
    )


def seed_estimator(estimator, seed, keys=None):
    """Set a fresh integer seed on every ``random_state`` parameter, nested too.

    ``seed`` is an int or a numpy Generator; ``keys`` (from
    :func:`random_state_keys`) saves listing the parameters again in every
    generation.
    """
    keys = random_state_keys(estimator) if keys is None else keys
    if not keys:
        return estimator
    if isinstance(seed, numbers.Integral) and keys == ["random_state"]:
        # what set_params does for a top-level parameter, without listing them all
        estimator.random_state = int(seed)
        return estimator
    rng = np.random.default_rng(seed) if isinstance(seed, numbers.Integral) else seed
    estimator.set_params(**{key: _int_seed(rng) for key in keys})
    return estimator


# --------------------------------------------------------------------------
# Hooks: regularisation schedules and verification
# --------------------------------------------------------------------------
@dataclass
class GenerationContext:
    """What a regularisation hook may use to set a generation's parameters.

    Attributes
    ----------
    generation : int
        The generation about to be fitted (0: real data).
    n_train : int
        Rows in its training set.
    n_real : int
        Real rows in its training set.
    n_real_total : int
        Real training rows available (generation 0's training set size).
    X, y, sample_weight :
        Its training set.
    estimator : estimator
        The unfitted clone that will be fitted.
    previous : estimator or None
        The fitted model of generation ``generation - 1``.
    label_noise_scale : float
        Noise scale used to draw this generation's synthetic labels (NaN at
        generation 0 and for density estimators).
    data : str
        The data regime.
    history : dict
        The trajectory of generations ``0 .. generation - 1``.
    real_X, real_y, real_sample_weight :
        The real training rows (generation 0's training set), the same at
        every generation, so that a hook can estimate what it needs from the
        real data without keeping state between calls.
    """

    generation: int
    n_train: int
    n_real: int
    n_real_total: int
    X: Any
    y: Any
    sample_weight: Any
    estimator: Any
    previous: Any
    label_noise_scale: float
    data: str
    history: dict = field(default_factory=dict)
    real_X: Any = None
    real_y: Any = None
    real_sample_weight: Any = None


def resolve_regularization(regularization):
    """Turn the ``regularization`` parameter into ``context -> {name: value}``."""
    if regularization is None:
        return None
    if isinstance(regularization, dict):
        for name, schedule in regularization.items():
            if not isinstance(name, str):
                raise ValueError(
                    "The keys of `regularization` must be parameter names of the "
                    f"base estimator (str), got {name!r}."
                )
            if not callable(schedule) and not isinstance(schedule, numbers.Real):
                raise ValueError(
                    f"regularization[{name!r}] must be a schedule: a callable "
                    "(generation, n_train) -> value, or a number; got "
                    f"{schedule!r}."
                )
        schedules = dict(regularization)

        def values(context):
            return {
                name: (
                    schedule(context.generation, context.n_train)
                    if callable(schedule)
                    else schedule
                )
                for name, schedule in schedules.items()
            }

        return values
    return regularization


def resolve_verifier(verifier, problem):
    """Turn the ``verifier`` parameter into ``batch -> scores`` (or None)."""
    if verifier is None:
        return None
    if hasattr(verifier, "get_params"):
        # an estimator, or a random verifier with parameters
        # (skcollapse.verification): a clone seeded by the fit, so that fits
        # with different seeds verify independently and the base is untouched
        verifier = seed_estimator(
            clone(verifier), np.random.default_rng([problem.base_seed, 0, _VERIFY])
        )
    if hasattr(verifier, "fit"):
        fitted = problem.fit_verifier(verifier)
        return lambda batch: problem.verifier_scores(fitted, batch)
    if callable(verifier):
        n_args = _n_positional(verifier)
        if problem.kind == "density" or n_args == 1:
            return lambda batch: verifier(batch.X)
        return lambda batch: verifier(batch.X, batch.y)
    raise ValueError(
        "verifier must be None, an estimator with fit and predict_proba, "
        "predict or score_samples, or a callable (X, y) -> scores or "
        f"(X) -> scores; got {verifier!r}."
    )


def _n_positional(func):
    try:
        parameters = inspect.signature(func).parameters.values()
    except (TypeError, ValueError):  # builtins without a signature
        return 2
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    if any(p.kind == inspect.Parameter.VAR_POSITIONAL for p in parameters):
        return 2
    return sum(p.kind in kinds and p.default is p.empty for p in parameters)


def _select(scores, n_slots, n_candidates, keep_fraction, threshold):
    """Indices of the rows a verifier keeps: best of k, then the selection rule."""
    scores = np.asarray(scores, dtype=float).reshape(-1)
    if scores.shape[0] != n_slots * n_candidates:
        raise ValueError(
            f"The verifier returned {scores.shape[0]} scores for "
            f"{n_slots * n_candidates} synthetic samples: it must return one "
            "score per sample."
        )
    indices = np.arange(scores.shape[0])
    if n_candidates > 1:
        scores = scores.reshape(n_slots, n_candidates)
        best = np.argmax(np.where(np.isnan(scores), -np.inf, scores), axis=1)
        indices = np.arange(n_slots) * n_candidates + best
        scores = scores[np.arange(n_slots), best]
    keep = np.ones(scores.shape[0], dtype=bool)
    if threshold is not None:
        keep &= scores >= threshold
    if keep_fraction is not None and keep_fraction < 1:
        n_keep = int(np.ceil(keep_fraction * scores.shape[0]))
        order = np.argsort(-np.where(np.isnan(scores), -np.inf, scores), kind="stable")
        top = np.zeros_like(keep)
        top[order[:n_keep]] = True
        keep &= top
    return indices[keep]


def _label_error(y, y_reference, kind):
    if y_reference is None or len(y) == 0:
        return np.nan
    if kind == "classification":
        return float(np.mean(y != y_reference))
    difference = np.ravel(np.asarray(y, float) - y_reference)
    return float(np.dot(difference, difference) / difference.size)


# --------------------------------------------------------------------------
# The loop
# --------------------------------------------------------------------------
@dataclass
class LoopResult:
    estimators: list
    trajectory: dict
    n_generations: int
    termination_condition: str
    collapse_generation: Any
    sample_generation: np.ndarray


def synthetic_count(synthetic_size, n_real):
    """Synthetic rows per generation: an int is a count, a float a multiple."""
    if isinstance(synthetic_size, numbers.Integral):
        return int(synthetic_size)
    return max(1, int(round(synthetic_size * n_real)))


def real_fraction_of(real_fraction, data):
    """The effective ``real_fraction``: None means 0 (replace) or 1 (accumulate)."""
    if real_fraction is None:
        return 0.0 if data == "replace" else 1.0
    return float(real_fraction)


def run_generations(owner, problem, base_seed):
    """Run generation 0 and ``owner.n_generations`` synthetic refits.

    ``owner`` is the meta-estimator (its public parameters are read, never
    written); ``problem`` knows the supervised or density specifics;
    ``base_seed`` is the integer every random stream of the fit derives from.
    """
    name = type(owner).__name__
    real = problem.real
    n_real = len(real)
    n_synthetic = synthetic_count(owner.synthetic_size, n_real)
    fraction = real_fraction_of(owner.real_fraction, owner.data)
    n_keep_real = int(round(fraction * n_real))
    schedule = resolve_regularization(owner.regularization)
    _check_selection(owner)
    seeds = SeedTable(base_seed, owner.n_generations)
    # One stream for every synthetic draw, consumed generation after generation:
    # a shorter fit is a prefix of a longer one.
    synthesis_rng = seeds.rng(0, _SYNTHESIS)
    fixed_real = _real_rows(n_real, n_keep_real, seeds, 0)
    verify = resolve_verifier(owner.verifier, problem)
    seed_keys = random_state_keys(owner.estimator)

    records, estimators, synthetic_batches = [], [], []
    previous, train, termination = None, real, "max_generations"
    last_train = real
    noise_scale = np.nan
    start = time.perf_counter()
    for generation in range(owner.n_generations + 1):
        record = {"generation": generation, "n_rejected": 0}
        if generation > 0:
            batch = problem.synthesize(
                previous,
                n_synthetic,
                synthesis_rng,
                generation=generation,
                n_candidates=owner.n_candidates,
            )
            noise_scale = getattr(problem, "last_noise_scale", np.nan)
            batch, verification = _verify(owner, problem, verify, batch, n_synthetic)
            record.update(verification)
            synthetic_batches.append(batch)
            train = _compose(
                owner.data,
                real,
                fixed_real,
                n_keep_real,
                synthetic_batches,
                seeds,
                generation,
                owner.real_sampling,
            )
            if len(train) == 0:
                warnings.warn(
                    f"{name}: generation {generation} has no training data (the "
                    "verifier rejected every synthetic sample and no real data is "
                    "kept); the previous generation's model is kept.",
                    CollapseWarning,
                    stacklevel=5,
                )
                record.update(_counts(train))
                record.update(problem.measure(previous, generation, None))
                _record_noise_scale(record, problem, noise_scale)
                records.append(record)
                if not owner.store_estimators:
                    estimators[-1] = None
                estimators.append(previous)
                train = last_train  # the training set of the model kept
                continue
            reason = problem.degenerate_reason(train)
            if reason is not None:
                termination = "degenerate"
                _warn_degenerate(name, generation, reason)
                train = last_train
                break

        estimator = _next_estimator(owner, previous, generation)
        seed_estimator(estimator, seeds.seed(generation, _FIT), seed_keys)
        values = {}
        if schedule is not None:
            context = GenerationContext(
                generation=generation,
                n_train=len(train),
                n_real=int(np.sum(train.origin == 0)),
                n_real_total=n_real,
                X=train.X,
                y=train.y,
                sample_weight=train.weight,
                estimator=estimator,
                previous=previous,
                label_noise_scale=noise_scale,
                data=owner.data,
                history=_stack_records(records) if records else {},
                real_X=real.X,
                real_y=real.y,
                real_sample_weight=real.weight,
            )
            values = _apply_schedule(schedule, context, estimator)
        try:
            model = problem.fit(estimator, train)
        except InvalidParameterError as exc:
            if values:
                raise ValueError(
                    f"The regularization schedule set {values} at generation "
                    f"{generation}, which {type(estimator).__name__} rejects: {exc}"
                ) from exc
            raise
        except (ValueError, ArithmeticError, np.linalg.LinAlgError) as exc:
            if generation == 0:
                raise
            termination = "degenerate"
            _warn_degenerate(name, generation, f"{type(exc).__name__}: {exc}")
            train = last_train
            break

        record.update(_counts(train))
        record.update(problem.measure(model, generation, train))
        _record_noise_scale(record, problem, noise_scale)
        record.update({f"param_{key}": value for key, value in values.items()})
        records.append(record)
        if not owner.store_estimators and estimators:
            estimators[-1] = None
        estimators.append(model)
        previous, last_train = model, train
        if owner.verbose:
            _print_progress(name, record, owner.n_generations, start)

    trajectory = _stack_records(records)
    return LoopResult(
        estimators=estimators,
        trajectory=trajectory,
        n_generations=len(records) - 1,
        termination_condition=termination,
        collapse_generation=_collapse_generation(
            trajectory.get(problem.diversity_key), owner.collapse_threshold
        ),
        sample_generation=np.asarray(train.origin, dtype=int),
    )


def _check_selection(owner):
    if owner.verifier is None:
        for param in ("keep_fraction", "threshold"):
            if getattr(owner, param) is not None:
                raise ValueError(
                    f"{param}={getattr(owner, param)!r} selects synthetic samples "
                    "by their verifier score, but verifier=None. Pass a verifier."
                )
        if owner.n_candidates > 1:
            raise ValueError(
                f"n_candidates={owner.n_candidates} keeps the best-scored of "
                "several candidates, but verifier=None. Pass a verifier."
            )
    elif (
        owner.keep_fraction is None
        and owner.threshold is None
        and owner.n_candidates == 1
    ):
        raise ValueError(
            "A verifier needs a selection rule: set threshold (keep samples "
            "scored at least threshold), keep_fraction (keep the best-scored "
            "fraction) or n_candidates > 1 (keep the best of several candidates)."
        )


def _verify(owner, problem, verify, batch, n_slots):
    """Score and select a generation's synthetic batch; selection metrics."""
    info = {}
    if problem.kind != "density" and batch.y_reference is not None:
        info["synthetic_error"] = _label_error(batch.y, batch.y_reference, problem.kind)
    if verify is None:
        if "synthetic_error" in info:
            info["selected_error"] = info["synthetic_error"]
        return batch, info
    scores = verify(batch)
    kept = _select(
        scores, n_slots, owner.n_candidates, owner.keep_fraction, owner.threshold
    )
    selected = batch.take(kept)
    info["n_rejected"] = n_slots - len(kept)
    info["acceptance_rate"] = len(kept) / n_slots
    if "synthetic_error" in info:
        info["selected_error"] = _label_error(
            selected.y, selected.y_reference, problem.kind
        )
    return selected, info


def _real_rows(n_real, n_keep, seeds, generation):
    if n_keep >= n_real:
        return None  # all real rows, in order, without a copy
    rng = seeds.rng(generation, _COMPOSE)
    return np.sort(rng.choice(n_real, size=n_keep, replace=False))


def _compose(
    data, real, fixed_real, n_keep_real, synthetic_batches, seeds, generation, sampling
):
    """The training set of one generation under the data regime."""
    if sampling == "resample":
        real_rows = _real_rows(len(real), n_keep_real, seeds, generation)
    else:
        real_rows = fixed_real
    parts = (
        []
        if n_keep_real == 0
        else [real if real_rows is None else real.take(real_rows)]
    )
    parts += synthetic_batches[-1:] if data == "replace" else synthetic_batches
    parts = [p for p in parts if len(p) > 0]
    if not parts:
        return real.take(np.arange(0))
    train = concat_batches(parts)
    if data == "accumulate-subsample" and len(train) > len(real):
        # its own stream: independent of the real-row draw above
        rng = np.random.default_rng([seeds.seed(generation, _COMPOSE), 1])
        keep = rng.choice(len(train), size=len(real), replace=False)
        train = train.take(np.sort(keep))
    return train


def _next_estimator(owner, previous, generation):
    if not owner.fine_tune or generation == 0:
        return clone(owner.estimator)
    model = copy.deepcopy(previous)
    keys = [
        k
        for k in model.get_params(deep=True)
        if k == "warm_start" or k.endswith("__warm_start")
    ]
    model.set_params(**{k: True for k in keys})
    return model


def check_fine_tune(owner):
    """Refuse ``fine_tune=True`` for a base estimator without ``warm_start``."""
    if not owner.fine_tune:
        return
    params = owner.estimator.get_params(deep=True)
    if not any(k == "warm_start" or k.endswith("__warm_start") for k in params):
        raise ValueError(
            "fine_tune=True continues each generation from the previous one "
            f"through warm_start, but {type(owner.estimator).__name__} has no "
            "warm_start parameter. Use fine_tune=False."
        )


def _apply_schedule(schedule, context, estimator):
    values = schedule(context)
    try:
        estimator.set_params(**values)
    except ValueError as exc:
        raise ValueError(
            f"The regularization schedule set {values} at generation "
            f"{context.generation}, which {type(estimator).__name__} rejects: {exc}"
        ) from exc
    return values


def _record_noise_scale(record, problem, noise_scale):
    """Synthetic label noise: a supervised notion, absent from density loops."""
    if problem.kind != "density":
        record["label_noise_scale"] = noise_scale


def _counts(train):
    n_real = int(np.sum(train.origin == 0))
    return {"n_train": len(train), "n_real": n_real, "n_synthetic": len(train) - n_real}


def _warn_degenerate(name, generation, reason):
    warnings.warn(
        f"{name}: collapse made the data of generation {generation} too degenerate "
        f"to fit ({reason}); the loop stopped and keeps generation "
        f"{generation - 1} as the fitted estimator (termination_condition_="
        "'degenerate').",
        CollapseWarning,
        stacklevel=6,
    )


def _stack_records(records):
    keys = []
    for record in records:
        keys += [k for k in record if k not in keys]
    trajectory = {}
    for key in keys:
        values = [record.get(key, np.nan) for record in records]
        if key in ("generation", "n_train", "n_real", "n_synthetic", "n_rejected"):
            trajectory[key] = np.asarray(values, dtype=int)
        else:
            try:
                trajectory[key] = np.asarray(values, dtype=float)
            except (TypeError, ValueError):
                trajectory[key] = np.asarray(values, dtype=object)
    return trajectory


def _collapse_generation(diversity, threshold):
    if diversity is None or len(diversity) == 0:
        return None
    reference = diversity[0]
    if not np.isfinite(reference) or reference <= 0:
        return None
    below = np.flatnonzero(diversity[1:] < threshold * reference)
    return int(below[0] + 1) if below.size else None


def _print_progress(name, record, n_generations, start):
    shown = ", ".join(
        f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}"
        for k, v in record.items()
        if k != "generation"
    )
    print(
        f"[{name}] generation {record['generation']}/{n_generations} "
        f"({time.perf_counter() - start:.2f}s): {shown}"
    )


def check_stored(owner, method):
    """Staged methods need every generation's estimator."""
    if any(e is None for e in owner.estimators_):
        raise ValueError(
            f"{method} needs every generation's estimator, but the estimator was "
            "fitted with store_estimators=False. Refit with store_estimators=True."
        )
