"""Parameter constraints and look-ups shared by the estimators.

scikit-learn's ``Interval(numbers.Integral, ...)`` and ``Interval(numbers.Real,
...)`` accept ``True`` and ``False`` (bool is a subclass of int). A boolean
passed as a count, a fraction or a seed is a mistake, never a number, so every
numeric parameter of skcollapse is constrained by the :class:`Interval` of
:mod:`skcollapse.utils._param_validation` (re-exported here), which refuses
booleans with scikit-learn's own error message.
"""

# Authors: The skcollapse developers
# SPDX-License-Identifier: BSD-3-Clause

from ._compat import HasMethods
from .utils._param_validation import RANDOM_STATE, Interval, Options

__all__ = [
    "RANDOM_STATE",
    "ClassHasMethods",
    "Interval",
    "Options",
    "nested_param_keys",
]


class ClassHasMethods(HasMethods):
    """``HasMethods`` of the class: a method a meta-estimator makes available
    only once fitted (``StackingClassifier.predict_proba`` with its default
    final estimator) counts; whether the fitted object has it is checked
    after fitting.

    Examples
    --------
    >>> from sklearn.ensemble import StackingClassifier
    >>> from sklearn.linear_model import LogisticRegression
    >>> stack = StackingClassifier([("lr", LogisticRegression())])
    >>> hasattr(stack, "predict_proba")  # not before it is fitted
    False
    >>> from skcollapse._params import ClassHasMethods
    >>> ClassHasMethods(["fit", "predict_proba"]).is_satisfied_by(stack)
    True
    """

    def is_satisfied_by(self, val):
        return super().is_satisfied_by(val) or all(
            callable(getattr(type(val), method, None)) for method in self.methods
        )


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
