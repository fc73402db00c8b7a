"""skcollapse: simulate, measure and mitigate model collapse with scikit-learn.

The front door is :class:`RecursiveRetrainer` (regressors and classifiers) and
:class:`RecursiveDensityRetrainer` (density estimators); the closed-form theory
lives in :mod:`skcollapse.theory`.
"""

from ._loop import CollapseWarning
from .density import RecursiveDensityRetrainer
from .retrainer import RecursiveRetrainer, ZeroNoiseWarning

__version__ = "0.1.0.dev0"

__all__ = [
    "CollapseWarning",
    "RecursiveDensityRetrainer",
    "RecursiveRetrainer",
    "ZeroNoiseWarning",
    "__version__",
]
