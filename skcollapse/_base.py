"""What the recursive meta-estimators share beyond the loop: fit plumbing.

:class:`BaseRecursiveRetrainer` holds the shared parameter constraints, the
cross-parameter checks that run before any work (:meth:`_check_params`), the
routing of sample weights, the validation split, and the storing of the
loop's result as fitted attributes. A meta-estimator derived from it builds
its :class:`~skcollapse._problem.Problem` in ``fit`` and calls
:meth:`_run_loop`.
"""

# Authors: The skcollapse developers
# SPDX-License-Identifier: BSD-3-Clause

import numbers

import numpy as np
from sklearn.base import BaseEstimator, MetaEstimatorMixin
from sklearn.utils.metadata_routing import process_routing
from sklearn.utils.validation import check_is_fitted, has_fit_parameter

from ._compat import (
    HasMethods,
    RealNotInt,
    StrOptions,
    _check_sample_weight,
    _num_samples,
    _raise_for_params,
    _safe_indexing,
    routing_enabled,
)
from ._loop import (
    DATA_REGIMES,
    real_fraction_of,
    resolve_regularization,
    run_generations,
)
from ._params import RANDOM_STATE, ClassHasMethods, Interval, nested_param_keys
from ._random import SeedTable, Stream, check_base_seed

SHARED_PARAMETER_CONSTRAINTS = {
    "estimator": [HasMethods(["fit"])],
    "n_generations": [Interval(numbers.Integral, 0, None, closed="left")],
    "data": [StrOptions(set(DATA_REGIMES))],
    "real_fraction": [None, Interval(numbers.Real, 0, 1, closed="both")],
    "real_sampling": [StrOptions({"fixed", "resample", "fresh"})],
    "real_source": [None, HasMethods(["sample"]), callable],
    "synthetic_size": [
        Interval(numbers.Integral, 1, None, closed="left"),
        Interval(RealNotInt, 0, None, closed="neither"),
    ],
    "synthetic_weight": [Interval(numbers.Real, 0, None, closed="neither")],
    "temperature": [Interval(numbers.Real, 0, None, closed="neither")],
    "verifier": [
        None,
        callable,
        ClassHasMethods(["fit", "predict_proba"]),
        ClassHasMethods(["fit", "predict"]),
        ClassHasMethods(["fit", "score_samples"]),
    ],
    "keep_fraction": [None, Interval(numbers.Real, 0, 1, closed="right")],
    "threshold": [None, Interval(numbers.Real, None, None, closed="neither")],
    "n_candidates": [Interval(numbers.Integral, 1, None, closed="left")],
    "regularization": [None, dict, callable],
    "validation_fraction": [None, Interval(numbers.Real, 0, 1, closed="neither")],
    "fine_tune": ["boolean"],
    "store_estimators": ["boolean"],
    "collapse_threshold": [Interval(numbers.Real, 0, 1, closed="both")],
    "stop_on_collapse": ["boolean"],
    "accumulate_window": [None, Interval(numbers.Integral, 1, None, closed="left")],
    "correction": [None, callable],
    "metrics": [StrOptions({"default", "all"}), list, tuple],
    "random_state": RANDOM_STATE,
    "verbose": ["verbose"],
}


class BaseRecursiveRetrainer(MetaEstimatorMixin, BaseEstimator):
    """Base class of the recursive meta-estimators; not for direct use.

    A subclass declares its own ``_parameter_constraints`` on top of
    :data:`SHARED_PARAMETER_CONSTRAINTS`, and its ``fit`` (decorated with
    ``_fit_context``, which checks each parameter) reads:

    1. :meth:`_check_params` (every cross-parameter check, before any work);
    2. validate the data, :meth:`_route_sample_weight`;
    3. ``seeds = self._seed_table()``, :meth:`_split_validation`;
    4. build the problem, ``return self._run_loop(problem, seeds)``.
    """

    _parameter_constraints: dict = dict(SHARED_PARAMETER_CONSTRAINTS)

    @classmethod
    def _get_param_names(cls):
        """The ``__init__`` parameter names, read from the signature once per class.

        scikit-learn reads the signature in every ``get_params`` (so in every
        parameter validation and every ``clone``); a class's signature does
        not change, and the fixed cost of a short fit drops by it.
        """
        names = cls.__dict__.get("_param_names")
        if names is None:
            names = tuple(super()._get_param_names())
            cls._param_names = names  # on this class only, not its parents
        return list(names)

    def _check_params(self):
        """Cross-parameter checks, before any work; returns the subclass's.

        ``_fit_context`` has checked every parameter on its own; this checks
        the combinations (a selection rule needs a verifier and vice versa,
        ``fine_tune`` needs ``warm_start``, a ``regularization`` dict maps
        names to schedules), then calls :meth:`_check_own_params`, whose
        return value (resolved settings of the subclass) it returns.
        """
        self._check_selection()
        self._check_fine_tune()
        self._check_real_source()
        self._check_accumulate_window()
        self._check_metrics()
        resolve_regularization(self.regularization)
        return self._check_own_params()

    def _check_own_params(self):
        """The subclass's own cross-parameter checks; may return settings."""
        return None

    def _available_metrics(self):
        """``(every metric, the default ones)`` this estimator can record."""
        raise NotImplementedError

    def _check_metrics(self):
        """The set of metrics ``metrics`` asks for, or a ValueError."""
        available, default = self._available_metrics()
        if isinstance(self.metrics, str):
            return frozenset(available if self.metrics == "all" else default)
        names = list(self.metrics)
        unknown = [
            name for name in names if not isinstance(name, str) or name not in available
        ]
        if unknown:
            raise ValueError(
                f"metrics={self.metrics!r} names {unknown}, which "
                f"{type(self).__name__} does not measure for "
                f"{type(self.estimator).__name__}; accepted: 'default', 'all' or a "
                f"list of {sorted(available)}."
            )
        return frozenset(names)

    def _check_selection(self):
        if self.verifier is None:
            for param in ("keep_fraction", "threshold"):
                if getattr(self, param) is not None:
                    raise ValueError(
                        f"{param}={getattr(self, param)!r} selects synthetic "
                        "samples by their verifier score, but verifier=None. "
                        "Pass a verifier."
                    )
            if self.n_candidates > 1:
                raise ValueError(
                    f"n_candidates={self.n_candidates} keeps the best-scored of "
                    "several candidates, but verifier=None. Pass a verifier."
                )
        elif (
            self.keep_fraction is None
            and self.threshold is None
            and self.n_candidates == 1
        ):
            raise ValueError(
                "A verifier needs a selection rule: set threshold (keep samples "
                "scored at least threshold), keep_fraction (keep the best-scored "
                "fraction) or n_candidates > 1 (keep the best of several "
                "candidates)."
            )

    def _check_real_source(self):
        """``real_sampling="fresh"`` and ``real_source`` go together, with a
        real part to draw."""
        fresh = self.real_sampling == "fresh"
        if self.real_source is not None and not fresh:
            raise ValueError(
                f"real_source={self.real_source!r} draws fresh real data, which "
                f"only real_sampling='fresh' uses; got "
                f"real_sampling={self.real_sampling!r}. Set real_sampling='fresh' "
                "or real_source=None."
            )
        if fresh and self.real_source is None:
            raise ValueError(
                "real_sampling='fresh' draws each generation's real part from "
                "real_source, but real_source=None. Pass an object with "
                "sample(n_samples, random_state) (a skcollapse.datasets source) "
                "or a callable (n_samples, random_state) -> X or (X, y)."
            )
        if fresh and real_fraction_of(self.real_fraction, self.data) == 0:
            raise ValueError(
                "real_sampling='fresh' draws each generation's real part fresh, "
                f"but real_fraction={self.real_fraction!r} with "
                f"data={self.data!r} keeps no real rows. Set real_fraction > 0 "
                "(1 draws as many fresh rows as the data passed to fit has)."
            )

    def _check_accumulate_window(self):
        """``accumulate_window`` is a window of the accumulate regime only."""
        if self.accumulate_window is not None and self.data != "accumulate":
            raise ValueError(
                f"accumulate_window={self.accumulate_window!r} keeps the synthetic "
                "data of the last generations under data='accumulate', but "
                f"data={self.data!r}. Use data='accumulate' or "
                "accumulate_window=None."
            )

    def _check_fine_tune(self):
        """Refuse ``fine_tune=True`` for a base estimator without ``warm_start``."""
        if self.fine_tune and not nested_param_keys(self.estimator, "warm_start"):
            raise ValueError(
                "fine_tune=True continues each generation from the previous one "
                f"through warm_start, but {type(self.estimator).__name__} has no "
                "warm_start parameter. Use fine_tune=False."
            )

    def _seed_table(self):
        """The seeds of this fit's random streams, from ``random_state``.

        An int ``random_state`` is the base seed itself; None or a
        ``RandomState`` instance gives a fresh draw at every fit.
        """
        return SeedTable(check_base_seed(self.random_state))

    def _route_sample_weight(self, X, sample_weight, fit_params, uniform_is_none=False):
        """The real rows' weights for the base fit (routed when routing is on).

        With ``uniform_is_none``, weights that are all equal (and positive)
        for a base that cannot take weights are the same fit as no weights:
        they give None instead of the refusal (and ``synthetic_weight`` must
        be 1). Any other weights for such a base are refused, never dropped.
        """
        if routing_enabled():
            if sample_weight is not None:
                fit_params["sample_weight"] = sample_weight
            routed = process_routing(self, "fit", **fit_params).estimator.fit
            extra = set(routed) - {"sample_weight"}
            if extra:
                raise ValueError(
                    f"{type(self).__name__} can route only sample_weight to the "
                    f"base estimator's fit; got {sorted(extra)}. Per-sample "
                    "metadata cannot follow the synthetic rows of later generations."
                )
            sample_weight = routed.get("sample_weight")
        else:
            _raise_for_params(fit_params, self, "fit")
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X)
            if not np.any(sample_weight):  # as scikit-learn >= 1.7 says too
                raise ValueError(
                    "Sample weights must contain at least one non-zero number; "
                    "sample_weight is all zeros."
                )
        if (
            uniform_is_none
            and sample_weight is not None
            and self.synthetic_weight == 1.0
            and not accepts_sample_weight(self.estimator)
            and sample_weight[0] > 0
            and np.all(sample_weight == sample_weight[0])
        ):
            return None
        if sample_weight is not None or self.synthetic_weight != 1.0:
            _check_accepts_sample_weight(self.estimator)
        return sample_weight

    def _split_validation(self, seeds, X, *arrays):
        """Hold out ``validation_fraction`` of the real rows.

        Returns ``(X, *arrays)`` for training and ``(X_val, *arrays_val)`` for
        validation (None without ``validation_fraction``); an array may be None.
        """
        if self.validation_fraction is None:
            return (X, *arrays), None
        n_samples = _num_samples(X)
        n_val = int(np.ceil(self.validation_fraction * n_samples))
        if n_samples - n_val < 2:
            raise ValueError(
                f"validation_fraction={self.validation_fraction} leaves "
                f"{n_samples - n_val} training sample(s) out of {n_samples}; at "
                "least 2 are needed."
            )
        order = seeds.rng(0, Stream.VALIDATION).permutation(n_samples)
        parts = []
        for rows in (np.sort(order[n_val:]), np.sort(order[:n_val])):
            parts.append(
                (
                    _safe_indexing(X, rows),
                    *(None if a is None else a[rows] for a in arrays),
                )
            )
        return tuple(parts)

    def _run_loop(self, problem, seeds):
        """Run the shared loop on ``problem`` and store the fitted attributes."""
        result = run_generations(self, problem, seeds)
        self.estimators_ = result.estimators
        self.estimator_ = result.estimators[-1]
        self.trajectory_ = result.trajectory
        self.n_generations_ = result.n_generations
        self.termination_condition_ = result.termination_condition
        self.collapse_generation_ = result.collapse_generation
        self.sample_generation_ = result.sample_generation
        return self

    def _staged_estimators(self, method):
        """Every generation's estimator, for the staged methods."""
        check_is_fitted(self)
        if any(e is None for e in self.estimators_):
            raise ValueError(
                f"{method} needs every generation's estimator, but the estimator "
                "was fitted with store_estimators=False. Refit with "
                "store_estimators=True."
            )
        return self.estimators_


def _forwarded_estimators(estimator):
    """The sub-estimators whose ``fit`` receive the ``sample_weight`` that
    ``estimator``'s ``fit`` takes through ``**fit_params`` without metadata
    routing, or None.

    scikit-learn's meta-estimators that pass ``sample_weight`` on from their
    ``**fit_params``: ``TransformedTargetRegressor`` (to ``regressor``, a
    ``LinearRegression`` by default), the hyper-parameter searches and
    ``RFE``/``RFECV`` (to ``estimator``), the stacking and voting ensembles
    (to each of ``estimators``, and a stacking's final estimator). Others
    (``OneVsRestClassifier``, ``SelfTrainingClassifier``) take fit
    parameters only through routing.
    """
    from sklearn.compose import TransformedTargetRegressor
    from sklearn.ensemble import (
        StackingClassifier,
        StackingRegressor,
        VotingClassifier,
        VotingRegressor,
    )
    from sklearn.feature_selection import RFE, RFECV
    from sklearn.linear_model import LinearRegression, LogisticRegression, RidgeCV
    from sklearn.model_selection import GridSearchCV, RandomizedSearchCV

    if isinstance(estimator, TransformedTargetRegressor):
        regressor = estimator.regressor
        return [LinearRegression() if regressor is None else regressor]
    if isinstance(estimator, (GridSearchCV, RandomizedSearchCV, RFE, RFECV)) or (
        type(estimator).__module__.startswith("sklearn.model_selection")
        and type(estimator).__name__.startswith("Halving")
    ):
        return [estimator.estimator]
    ensembles = (
        StackingClassifier,
        StackingRegressor,
        VotingClassifier,
        VotingRegressor,
    )
    if isinstance(estimator, ensembles):
        members = [e for _, e in estimator.estimators if not isinstance(e, str)]
        if isinstance(estimator, (StackingClassifier, StackingRegressor)):
            final = estimator.final_estimator
            if final is None:
                classifier = isinstance(estimator, StackingClassifier)
                final = LogisticRegression() if classifier else RidgeCV()
            members.append(final)
        return members
    return None


def _takes_sample_weight_keyword(estimator):
    """Whether ``estimator.fit(X, y, sample_weight=w)`` uses the weights."""
    if has_fit_parameter(estimator, "sample_weight"):
        return True
    forwarded = _forwarded_estimators(estimator)
    return bool(forwarded) and all(map(_takes_sample_weight_keyword, forwarded))


def sample_weight_key(estimator):
    """The ``fit`` keyword that gives ``estimator`` sample weights, or None.

    ``"sample_weight"``, or through (nested) pipelines
    ``"<last step>__sample_weight"``, ending in an estimator whose ``fit``
    takes ``sample_weight`` or passes it on (see :func:`_forwarded_estimators`).
    """
    prefix = ""
    while hasattr(estimator, "steps"):
        name, estimator = estimator.steps[-1]
        if estimator is None or isinstance(estimator, str):  # "passthrough"
            return None
        prefix += f"{name}__"
    return prefix + "sample_weight" if _takes_sample_weight_keyword(estimator) else None


def accepts_sample_weight(estimator):
    """Whether the base estimator can be fitted with sample weights."""
    return sample_weight_key(estimator) is not None


def _check_accepts_sample_weight(estimator):
    """Refuse weights the base cannot take, rather than dropping them."""
    if not accepts_sample_weight(estimator):
        raise ValueError(
            f"{type(estimator).__name__}.fit does not accept sample_weight, which "
            "sample_weight and synthetic_weight != 1.0 need. Use "
            "synthetic_weight=1.0 without sample_weight, or a base estimator "
            "that accepts sample_weight."
        )
