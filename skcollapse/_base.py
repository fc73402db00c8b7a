"""What the recursive meta-estimators share beyond the loop: fit plumbing."""

import numbers

import numpy as np
from sklearn.base import BaseEstimator, MetaEstimatorMixin
from sklearn.utils import _safe_indexing, check_random_state
from sklearn.utils._param_validation import HasMethods
from sklearn.utils.metadata_routing import (
    _raise_for_params,
    _routing_enabled,
    process_routing,
)
from sklearn.utils.validation import (
    _check_sample_weight,
    _num_samples,
    check_is_fitted,
    has_fit_parameter,
)

from ._loop import (
    _SETUP,
    SHARED_PARAMETER_CONSTRAINTS,
    _stream,
    check_fine_tune,
    check_stored,
    run_generations,
)


class BaseRecursiveRetrainer(MetaEstimatorMixin, BaseEstimator):
    """Base class of the recursive meta-estimators; not for direct use.

    Subclasses build a *problem* (see :mod:`skcollapse._loop`) in ``fit`` and
    call :meth:`_run_loop`, which runs the shared generation loop and stores
    the fitted attributes.
    """

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit"])],
        **SHARED_PARAMETER_CONSTRAINTS,
    }

    def _base_seed(self):
        """The integer all random streams of this fit derive from.

        An int ``random_state`` is that integer (building a ``RandomState``
        from it would cost more than a cheap generation); None or a
        ``RandomState`` instance gives a fresh draw at every fit.
        """
        if isinstance(self.random_state, numbers.Integral):
            return int(self.random_state)
        rng = check_random_state(self.random_state)
        return int(rng.randint(np.iinfo(np.int32).max))

    def _route_sample_weight(self, X, sample_weight, fit_params):
        """The real rows' weights for the base fit (routed when routing is on)."""
        if _routing_enabled():
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
        if sample_weight is not None or self.synthetic_weight != 1.0:
            _check_accepts_sample_weight(self.estimator)
        return sample_weight

    def _split_validation(self, base_seed, X, *arrays):
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
        order = _stream(base_seed, 0, _SETUP).permutation(n_samples)
        parts = []
        for rows in (np.sort(order[n_val:]), np.sort(order[:n_val])):
            parts.append(
                (
                    _safe_indexing(X, rows),
                    *(None if a is None else a[rows] for a in arrays),
                )
            )
        return tuple(parts)

    def _run_loop(self, problem, base_seed):
        check_fine_tune(self)
        result = run_generations(self, problem, base_seed)
        self.estimators_ = result.estimators
        self.estimator_ = result.estimators[-1]
        self.trajectory_ = result.trajectory
        self.n_generations_ = result.n_generations
        self.termination_condition_ = result.termination_condition
        self.collapse_generation_ = result.collapse_generation
        self.sample_generation_ = result.sample_generation
        return self

    def _staged_estimators(self, method):
        check_is_fitted(self)
        check_stored(self, method)
        return self.estimators_


def _check_accepts_sample_weight(estimator):
    """Refuse weights the base cannot take, rather than dropping them."""
    final = estimator.steps[-1][1] if hasattr(estimator, "steps") else estimator
    if not has_fit_parameter(final, "sample_weight"):
        raise ValueError(
            f"{type(estimator).__name__}.fit does not accept sample_weight, which "
            "sample_weight and synthetic_weight != 1.0 need. Use "
            "synthetic_weight=1.0 without sample_weight, or a base estimator "
            "that accepts sample_weight."
        )
