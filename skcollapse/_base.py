"""What the recursive meta-estimators share beyond the loop: fit plumbing."""

import numpy as np
from sklearn.base import BaseEstimator, MetaEstimatorMixin
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods
from sklearn.utils.validation import check_is_fitted

from ._loop import (
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
        """The integer all random streams of this fit derive from."""
        rng = check_random_state(self.random_state)
        return int(rng.randint(np.iinfo(np.int32).max))

    def _stream(self, base_seed, generation, purpose):
        return _stream(base_seed, generation, purpose)

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
