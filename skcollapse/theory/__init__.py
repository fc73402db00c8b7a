"""Closed-form expected trajectories of model collapse, from the literature.

Every function returns the expected value of a collapse metric for generations
``0 .. n_generations`` with the generation indexing of skcollapse's
meta-estimators: **generation 0 is the model fitted on the real data** and
generation ``g`` is the model refitted ``g`` times on synthetic data. Papers
index generations differently; each docstring states the conversion.

The functions are pure (no global state) and vectorised over generations, so
that a simulated trajectory (``trajectory_`` of a meta-estimator, or the
stacked output of :func:`skcollapse.model_selection.collapse_curve`) and its
theory can be drawn on one plot.

**Vocabulary.** The theory speaks the words of the meta-estimators (and of
their ``trajectory_`` keys):

- ``n_generations``: synthetic generations after generation 0;
- ``n_real``: real rows (samples, tokens) of generation 0's training set;
- ``n_synthetic``: synthetic rows drawn per generation (``synthetic_size``
  of the meta-estimators); None means ``n_real``;
- ``n_train``: all rows of one training set, real and synthetic;
- ``real_fraction``: share of real data: the share of the real rows kept
  in every later generation (:func:`categorical_collision`, as
  ``real_fraction`` of the meta-estimators), or the share of real rows in a
  training set that mixes both (:func:`strong_collapse_error`,
  :func:`zipf_error`).

**Functions, by model family.** Linear regression (ridge, OLS and min-norm
fits):

- :func:`linear_regression_error`: excess risk of a linear model retrained on
  its own labels, fixed or fresh design, replace or accumulate (Gerstgrasser
  et al.; Dohmatob, Feng & Kempe).
- :func:`optimal_ridge_penalty`: the penalty minimising that risk at each
  generation (Dohmatob, Feng & Kempe).
- :func:`strong_collapse_error`: risk of OLS trained once on a mix of real
  and synthetic data (strong model collapse, Dohmatob et al.).

Categorical distributions (Seddik et al.):

- :func:`categorical_collision`: expected collision probability.
- :func:`categorical_collapse_bounds`: bounds on the probability and time of
  total collapse.

Gaussian refitting (Shumailov et al.; Alemohammad et al.; Gerstgrasser et
al.):

- :func:`gaussian_refit`: expected mean error, variance, standard deviation
  and Wasserstein distance; replace or accumulate, with the real rows kept
  or drawn fresh, weighted (the accumulated mean error stays below
  ``pi^2/6`` times generation 0's).

Fresh real data every generation (golden-ratio weighting, He, Xu & Cheng):

- :func:`optimal_real_weight`: the weight of fresh real data minimising the
  long-run error, ``(sqrt(k^2 + 4k) - k)/2`` for ``k = n_real/n_synthetic``
  (0.618 at ``k = 1``), or the ``synthetic_weight`` that gives it.
- :func:`linear_fresh_data_error`: excess risk of least squares retrained on
  fresh real rows and its own weighted synthetic rows.

Zipf data (A Tale of Tails, Dohmatob et al.):

- :func:`zipf_error`: test error of a memorising learner, with tail cutting
  and narrowing.
"""

# Authors: The skcollapse developers
# SPDX-License-Identifier: BSD-3-Clause

from ._categorical import categorical_collapse_bounds, categorical_collision
from ._fresh import linear_fresh_data_error, optimal_real_weight
from ._gaussian import gaussian_refit
from ._linear import (
    linear_regression_error,
    optimal_ridge_penalty,
    strong_collapse_error,
)
from ._zipf import zipf_error

__all__ = [
    "linear_regression_error",
    "optimal_ridge_penalty",
    "strong_collapse_error",
    "categorical_collision",
    "categorical_collapse_bounds",
    "gaussian_refit",
    "optimal_real_weight",
    "linear_fresh_data_error",
    "zipf_error",
]
