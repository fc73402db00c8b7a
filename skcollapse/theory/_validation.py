"""Argument checks shared by the theory functions.

Every public function of :mod:`skcollapse.theory` declares its parameters
with ``@validate_params`` (types and ranges, booleans refused: see
:mod:`skcollapse.utils._param_validation`); the helpers below check what a
declarative constraint cannot: the contents of array-like arguments (they
raise :class:`~sklearn.utils._param_validation.InvalidParameterError`, a
``ValueError``) and conditions between parameters (``ValueError``).
"""

# Authors: The skcollapse developers
# SPDX-License-Identifier: BSD-3-Clause

import numbers
from numbers import Integral

import numpy as np
from sklearn.utils import check_random_state

from .._compat import InvalidParameterError
from .._params import Interval
from .._random import draw_seed

__all__ = [
    "check_array_values",
    "check_finite_ols",
    "check_probabilities",
    "check_seed",
    "size",
]


def size(minimum):
    """Constraint of a row count: an int >= ``minimum`` (booleans refused)."""
    return Interval(Integral, minimum, None, closed="left")


def check_array_values(
    value, name, caller, *, low, high=None, low_open=False, integer=False
):
    """``value`` (a number or an array-like of numbers) as a float ndarray.

    Every entry must be finite, above ``low`` (strictly if ``low_open``),
    at most ``high`` if given, and a whole number if ``integer``. Raises an
    InvalidParameterError naming ``name`` and the function ``caller``.
    """
    array = np.asarray(value)
    numeric = array.dtype.kind in "iuf"
    if numeric:
        array = array.astype(float)
        valid = np.isfinite(array) & (array > low if low_open else array >= low)
        if high is not None:
            valid &= array <= high
        if integer:
            valid &= np.where(np.isfinite(array), array == np.round(array), False)
    if not numeric or not np.all(valid):
        bracket = "(" if low_open else "["
        interval = f"{bracket}{low}, {'inf)' if high is None else f'{high}]'}"
        kind = "whole numbers" if integer else "floats"
        raise InvalidParameterError(
            f"The {name!r} parameter of {caller} must be a number or an "
            f"array-like of {kind} in the range {interval}. Got {value!r} "
            "instead."
        )
    return array


def check_probabilities(probabilities, caller):
    """A probability vector: 1-D, non-empty, finite, non-negative, sum 1."""
    p = np.asarray(probabilities)
    if p.dtype.kind not in "iuf" or p.ndim != 1 or p.size == 0:
        raise InvalidParameterError(
            f"The 'probabilities' parameter of {caller} must be a non-empty "
            f"1-D array-like of numbers. Got an array of shape {p.shape} and "
            f"dtype {p.dtype} instead."
        )
    p = p.astype(float)
    if not np.all(np.isfinite(p)) or np.any(p < 0):
        raise InvalidParameterError(
            f"The 'probabilities' parameter of {caller} must be finite and "
            f"non-negative. Got {probabilities!r} instead."
        )
    if not np.isclose(p.sum(), 1.0, rtol=0, atol=1e-8):
        raise InvalidParameterError(
            f"The 'probabilities' parameter of {caller} must sum to 1. Got a "
            f"sum of {p.sum()!r} instead."
        )
    return p


def check_seed(random_state):
    """An int seed from ``random_state``, drawn once per call.

    Every spectrum of a call then comes from the same seed (common random
    numbers keep the risk smooth in the penalty).
    """
    if isinstance(random_state, numbers.Integral):
        return int(random_state)
    return draw_seed(check_random_state(random_state))


def check_finite_ols(n_rows, n_features, noise, rows_name, noise_name):
    """The risk of OLS on ``n_rows`` noisy rows is finite only off d +- 1."""
    if noise > 0 and abs(n_rows - n_features) <= 1:
        raise ValueError(
            f"{rows_name}={n_rows} is within 1 of n_features={n_features}: the "
            "expected risk of the unregularised fit (ridge=0) is infinite. Use "
            f"|{rows_name} - n_features| >= 2, a ridge penalty > 0 or "
            f"{noise_name}=0."
        )
