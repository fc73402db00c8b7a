"""Every paper's headline result, one function each, checked against theory.

Each function runs one paper's experiment through the public estimators of
skcollapse (with :func:`~skcollapse.model_selection.collapse_curve` and a
data source of :mod:`skcollapse.datasets`), compares every checked quantity
with its closed form in :mod:`skcollapse.theory`, and returns an
:class:`ExperimentResult`: the tidy table, the checks (each can fail), the
figure (:meth:`ExperimentResult.plot`) and its files
(:meth:`ExperimentResult.save`). ``python -m skcollapse reproduce`` is a thin
layer over them.

Every function takes ``scale`` (``"quick"``: under a minute on 2 cores;
``"paper"``: the paper's own sizes), ``random_state`` and ``n_jobs``, plus
its own settings; settings named ``theory_*`` compute the closed forms for
another setting than the simulated one, which makes the checks fail (how the
test suite proves that each check can fail).

Read more in the :ref:`User Guide <reproduce>`.

Examples
--------
>>> from skcollapse.experiments import EXPERIMENTS
>>> "shumailov-gaussian" in EXPERIMENTS
True
>>> EXPERIMENTS["shumailov-gaussian"].paper.split(",")[0]
'Shumailov'
"""

# Authors: The skcollapse developers
# SPDX-License-Identifier: BSD-3-Clause

from .._compat import StrOptions, validate_params
from ._base import (
    COMMON_CONSTRAINTS,
    EXPERIMENTS,
    SCALES,
    Check,
    Experiment,
    ExperimentResult,
)
from ._feng import feng_eigenvalues, feng_verification
from ._fresh import golden_ratio_fresh_data
from ._gaussian import mad_sampling_bias, shumailov_gaussian
from ._language import seddik_language_model
from ._regression import (
    demystified_regression,
    gerstgrasser_accumulate,
    strong_collapse,
)
from ._seddik import seddik_fully_synthetic, seddik_partially_synthetic
from ._tails import tale_of_tails

__all__ = [
    "EXPERIMENTS",
    "SCALES",
    "Check",
    "Experiment",
    "ExperimentResult",
    "demystified_regression",
    "feng_eigenvalues",
    "feng_verification",
    "gerstgrasser_accumulate",
    "golden_ratio_fresh_data",
    "mad_sampling_bias",
    "run",
    "seddik_fully_synthetic",
    "seddik_language_model",
    "seddik_partially_synthetic",
    "shumailov_gaussian",
    "strong_collapse",
    "tale_of_tails",
]


@validate_params(
    {"name": [StrOptions(set(EXPERIMENTS))], **COMMON_CONSTRAINTS},
    # the experiment function validates its own settings
    prefer_skip_nested_validation=False,
)
def run(name, *, scale="quick", random_state=0, n_jobs=None, **settings):
    """Run the experiment called ``name``; returns its ExperimentResult.

    Parameters
    ----------
    name : str
        A key of :data:`EXPERIMENTS`.

    scale : {"quick", "paper"}, default="quick"
        Sizes of the run.

    random_state : int, default=0
        Seed.

    n_jobs : int, default=None
        Repeats run in parallel.

    **settings : dict
        The experiment's own settings.

    Returns
    -------
    result : ExperimentResult
        The table, the checks (:attr:`ExperimentResult.passed`), the figure
        and the files of the run.
    """
    return EXPERIMENTS[name].function(
        scale=scale, random_state=random_state, n_jobs=n_jobs, **settings
    )
