"""Parameter constraints of skcollapse's public functions.

scikit-learn's :class:`~sklearn.utils._param_validation.Interval` and
:class:`~sklearn.utils._param_validation.Options` accept ``True`` and ``False``
wherever they accept numbers (``bool`` is a subclass of ``int``), and the
``"random_state"`` constraint accepts ``True`` as the seed 1. The subclasses
below refuse booleans, so that ``n_generations=True`` or ``noise=False`` is an
error rather than a silent 1 or 0; everything else (bounds, messages, the
test helpers ``generate_invalid_param_val`` and ``generate_valid_param``)
behaves as in scikit-learn. NaN fails every interval, and an interval whose
bound is None and open excludes the infinity on that side.
"""

# Authors: The skcollapse developers
# SPDX-License-Identifier: BSD-3-Clause

from numbers import Integral

import numpy as np

from .._compat import Interval as _Interval
from .._compat import Options as _Options

__all__ = ["Interval", "Options", "RANDOM_STATE"]


def _is_bool(value):
    return isinstance(value, (bool, np.bool_))


class Interval(_Interval):
    """:class:`sklearn.utils._param_validation.Interval` that refuses booleans."""

    def is_satisfied_by(self, val):
        return not _is_bool(val) and super().is_satisfied_by(val)


class Options(_Options):
    """:class:`sklearn.utils._param_validation.Options` that refuses booleans.

    ``True in {1.0}`` holds in Python; here ``True`` is not the option 1.
    """

    def is_satisfied_by(self, val):
        return not _is_bool(val) and super().is_satisfied_by(val)


#: Constraints of a ``random_state`` parameter: scikit-learn's
#: ``"random_state"`` (an int seed in [0, 2**32 - 1], a RandomState instance
#: or None) without booleans.
RANDOM_STATE = [
    Interval(Integral, 0, 2**32 - 1, closed="both"),
    np.random.RandomState,
    None,
]
