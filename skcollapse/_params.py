"""Parameter constraints and look-ups shared by the estimators.

scikit-learn's ``Interval(numbers.Integral, ...)`` and ``Interval(numbers.Real,
...)`` accept ``True`` and ``False`` (bool is a subclass of int). A boolean
passed as a count, a fraction or a seed is a mistake, never a number, so every
numeric parameter of skcollapse is constrained by :class:`Interval` below,
which refuses booleans with scikit-learn's own error message.
"""

# Authors: The skcollapse developers
# SPDX-License-Identifier: BSD-3-Clause

import numbers

import numpy as np

from ._compat import Interval as _Interval

__all__ = ["RANDOM_STATE", "Interval", "nested_param_keys"]


class Interval(_Interval):
    """scikit-learn's ``Interval`` constraint, refusing booleans.

    Examples
    --------
    >>> import numbers
    >>> from skcollapse._params import Interval
    >>> constraint = Interval(numbers.Integral, 0, None, closed="left")
    >>> constraint.is_satisfied_by(3), constraint.is_satisfied_by(True)
    (True, False)
    """

    def is_satisfied_by(self, val):
        if isinstance(val, (bool, np.bool_)):
            return False
        return super().is_satisfied_by(val)


#: The ``random_state`` constraint: None, an int seed or a ``RandomState``
#: (scikit-learn's ``"random_state"`` without booleans).
RANDOM_STATE = [
    None,
    Interval(numbers.Integral, 0, 2**32 - 1, closed="both"),
    np.random.RandomState,
]


def nested_param_keys(estimator, name):
    """Keys of every parameter called ``name`` of ``estimator``, nested too.

    ``"random_state"`` finds ``random_state`` and every
    ``<step>__random_state`` of a pipeline or meta-estimator, sorted.

    Examples
    --------
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sklearn.ensemble import RandomForestRegressor
    >>> from skcollapse._params import nested_param_keys
    >>> pipe = make_pipeline(StandardScaler(), RandomForestRegressor())
    >>> nested_param_keys(pipe, "random_state")
    ['randomforestregressor__random_state']
    """
    suffix = "__" + name
    return sorted(
        key
        for key in estimator.get_params(deep=True)
        if key == name or key.endswith(suffix)
    )
