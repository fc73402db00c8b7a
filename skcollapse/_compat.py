"""The one door to scikit-learn's private API.

skcollapse supports scikit-learn from the floor declared in ``pyproject.toml``
(1.6) to the newest release. Everything it needs that scikit-learn has a public
name for is imported from there, in the module that uses it
(``sklearn.utils.ClassifierTags``, ``sklearn.get_config``,
``sklearn.utils.validation.check_consistent_length``, ...). What has no public
name is imported here and only here, so that a change in a new release is
fixed in one place, and CI runs the fast tests against the floor.

The ``sklearn-compat`` package was considered: it covers the validation and
tag helpers that changed before 1.6 (our floor), not the parameter-validation
constraints or the sample-weight helpers used here, and it caps scikit-learn
below the next minor release, which would hold our users back.
"""

# Authors: The skcollapse developers
# SPDX-License-Identifier: BSD-3-Clause

import sklearn
from sklearn.base import _fit_context
from sklearn.utils import _safe_indexing
from sklearn.utils._param_validation import (
    HasMethods,
    Interval,
    InvalidParameterError,
    Options,
    RealNotInt,
    StrOptions,
    validate_parameter_constraints,
    validate_params,
)
from sklearn.utils.metadata_routing import _raise_for_params
from sklearn.utils.validation import _check_sample_weight, _num_samples

__all__ = [
    "HasMethods",
    "Interval",
    "InvalidParameterError",
    "Options",
    "RealNotInt",
    "StrOptions",
    "_check_sample_weight",
    "_fit_context",
    "_num_samples",
    "_raise_for_params",
    "_safe_indexing",
    "routing_enabled",
    "validate_parameter_constraints",
    "validate_params",
]


def routing_enabled():
    """Whether metadata routing is on (``sklearn.set_config``)."""
    return bool(sklearn.get_config().get("enable_metadata_routing", False))
