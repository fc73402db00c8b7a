"""The measurements behind the public trajectory keys.

Every number that :class:`~skcollapse.RecursiveRetrainer` and
:class:`~skcollapse.RecursiveDensityRetrainer` record per generation is
computed by a function of this module, so that what a key measures is
written once (the estimators' docstrings list the keys):

- supervised: :func:`r2` (``"score_real"``, ``"score_validation"`` of
  regressors), :func:`prediction_diversity` (``"prediction_std"``,
  ``"drift"``), :func:`label_error` (``"synthetic_error"``,
  ``"selected_error"``);
- density: :func:`weighted_mean` (``"mean_shift"``), :func:`total_variance`,
  :func:`wasserstein_1d` (``"wasserstein"`` of continuous models, per
  projection), :func:`token_distribution` and :func:`discrete_wasserstein`
  (discrete models), :func:`discrete_summary` (``"support_size"``,
  ``"entropy"``, ``"collision"``).

They are written out with numpy rather than called from ``sklearn.metrics``:
input validation there costs more than the arithmetic in a loop of many
cheap generations.
"""

# Authors: The skcollapse developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np

__all__ = [
    "column_rms",
    "column_std",
    "discrete_summary",
    "discrete_wasserstein",
    "label_error",
    "norm",
    "output_rms",
    "prediction_diversity",
    "r2",
    "rms",
    "token_distribution",
    "total_variance",
    "wasserstein_1d",
    "weighted_mean",
]


# --------------------------------------------------------------------------
# supervised
# --------------------------------------------------------------------------
# Squares of values above about 1e154 overflow and of values below about
# 1e-154 underflow: sums of squares are then computed in a scaled form.
_SMALLEST_SQUARE = np.finfo(float).tiny / np.finfo(float).eps
# Values whose squares (summed over a billion rows) are safe to compute.
_SAFE_LOW, _SAFE_HIGH = 1e-140, 1e140


def _safe_to_square(values):
    """Whether the squares of ``values`` (1-D) neither overflow nor underflow."""
    if values.size == 0:
        return True
    largest = np.abs(values).max()
    return largest < _SAFE_HIGH and (largest > _SAFE_LOW or largest == 0)


def _sum_squares_ok(total):
    """Whether a sum of squares computed directly can be trusted."""
    return np.isfinite(total) and (total == 0 or total > _SMALLEST_SQUARE)


def _column_scale(values):
    """Largest absolute value of each column (1 where a column is all 0)."""
    scale = np.max(np.abs(values), axis=0) if values.shape[0] else 1.0
    return np.where(scale > 0, scale, 1.0)


def rms(values):
    """Root mean square of every entry (a dot product: cheap in a hot loop).

    Computed in a scaled form when the squares overflow or underflow, so
    that ``rms(x * 1e300)`` is ``1e300 * rms(x)``, not inf.
    """
    flat = np.ravel(values)
    if _safe_to_square(flat):
        return float(np.sqrt(np.dot(flat, flat) / flat.size))
    scale = float(np.max(np.abs(flat)))
    if not np.isfinite(scale):
        return scale if not np.isnan(scale) else np.nan
    with np.errstate(under="ignore"):  # entries far below the largest: 0
        scaled = flat / scale
    return float(scale * np.sqrt(np.dot(scaled, scaled) / flat.size))


def column_rms(values):
    """Root mean square of each column of a 2-D array, in a scaled form."""
    scale = _column_scale(values)
    scaled = values / scale
    return scale * np.sqrt(np.einsum("ij,ij->j", scaled, scaled) / values.shape[0])


def output_rms(values):
    """RMS of each output: a float for one output (a vector or one column,
    the same arithmetic, bit for bit), else one per column."""
    if values.ndim == 1 or values.shape[1] == 1:
        return rms(values)
    return column_rms(values.reshape(len(values), -1))


def norm(vector):
    """Euclidean norm of a vector, without overflow of its squares."""
    return rms(vector) * np.sqrt(np.size(vector))


def r2(y, prediction, total=None):
    """R^2 averaged over outputs, as ``sklearn.metrics.r2_score`` computes it.

    ``total`` (the total sum of squares of ``y`` per output) can be passed
    when it is known. A constant target scores 1.0 when predicted exactly,
    else 0.0 (``force_finite=True``). R^2 does not depend on the scale of
    ``y``: where its sums of squares would overflow or underflow, it is
    computed on ``y`` and ``prediction`` divided by a common scale.
    """
    if np.ndim(y) == 1 and total is not None:  # the common case, as vectors
        difference = np.ravel(prediction) - y
        if _safe_to_square(difference) and _sum_squares_ok(total[0]):
            residual = np.dot(difference, difference)
            if total[0] > 0:
                return float(1.0 - residual / total[0])
            if np.all(y == y[0]):
                return float(residual == 0)
    y = np.asarray(y, dtype=float).reshape(len(y), -1)
    difference = y - np.asarray(prediction, dtype=float).reshape(y.shape)
    centred = y - y.mean(axis=0)
    scale = np.maximum(_column_scale(difference), _column_scale(centred))
    difference, centred = difference / scale, centred / scale
    residual = np.einsum("ij,ij->j", difference, difference)
    total = np.einsum("ij,ij->j", centred, centred)
    if np.all(total > 0):
        return float(np.mean(1.0 - residual / total))
    with np.errstate(divide="ignore", invalid="ignore"):
        score = np.where(
            total > 0, 1.0 - residual / total, np.where(residual == 0, 1.0, 0.0)
        )
    return float(np.mean(score))


def column_std(flat):
    """Standard deviation of each column of a 2-D array (ddof=0)."""
    if flat.shape[1] == 1:  # vector operations: the common case, and faster
        column = flat[:, 0]
        return np.array([rms(column - column.mean())])
    return column_rms(flat - flat.mean(axis=0))


def prediction_diversity(output, first, classification):
    """``(prediction_std, drift)`` of a generation's outputs on the real inputs.

    ``output`` and ``first`` are the outputs of the generation and of
    generation 0: predictions (regressors) or probability vectors
    (classifiers), one row per real input. Regressors: the standard deviation
    across rows, averaged over outputs, and the RMS distance to generation 0.
    Classifiers: the root of the summed variances of the class probabilities
    (0 once a single class is predicted) and the root mean squared distance
    between probability vectors.
    """
    if output.ndim == 1 and not classification:  # one output: the common case
        centred = output - np.add.reduce(output) / output.size
        return rms(centred), rms(output - first)
    std = column_std(output.reshape(output.shape[0], -1))
    drift = rms(output - first)
    if classification:
        return float(np.sqrt(np.sum(std**2))), drift * np.sqrt(len(std))
    return float(np.mean(std)), drift


def label_error(y, y_reference, classification):
    """Error of synthetic labels against the real labels of their inputs.

    The error rate for classifiers, the mean squared error (over rows and
    outputs) for regressors (inf where it exceeds the float range); NaN
    without reference labels or rows.
    """
    if y_reference is None or len(y) == 0:
        return np.nan
    if classification:
        return float(np.mean(y != y_reference))
    difference = np.ravel(np.asarray(y, float) - y_reference)
    if _safe_to_square(difference):
        return float(np.dot(difference, difference) / difference.size)
    # inf only if the error itself is; 0 if it is below the smallest float
    with np.errstate(over="ignore", under="ignore"):
        return float(np.float64(rms(difference)) ** 2)


# --------------------------------------------------------------------------
# density
# --------------------------------------------------------------------------
def weighted_mean(X, weight):
    """Mean of the rows of X, weighted by ``weight`` (None: unweighted)."""
    X = np.asarray(X, dtype=float)
    if weight is None:
        return X.mean(axis=0)
    return np.average(X, axis=0, weights=weight)


def total_variance(X, weight):
    """Trace of the ddof=1 covariance (numpy's aweights convention); 0 for one row."""
    if weight is not None:
        positive = weight > 0
        X, weight = X[positive], weight[positive]
    if X.shape[0] < 2:
        return 0.0
    # the trace of the covariance is the sum of the columns' variances; each
    # is computed on the column divided by its scale, then scaled back
    X = np.asarray(X, dtype=float)
    if weight is not None:  # only relative weights matter; huge ones overflow
        weight = weight / np.max(weight)
    scale = _column_scale(X - X.mean(axis=0))
    variances = np.diagonal(
        np.atleast_2d(np.cov(X / scale, rowvar=False, aweights=weight, ddof=1))
    )
    # inf only if the variance itself is; 0 if it is below the smallest float
    with np.errstate(over="ignore", under="ignore"):
        return float(np.sum(variances * scale**2))


def wasserstein_1d(u, v, v_weights=None):
    """W_1 between the columns of u (uniform) and of v (weighted), column-wise.

    The exact distance between the two empirical distributions of each
    column: ``integral_0^1 |F_u^-1(t) - F_v^-1(t)| dt`` with unweighted v,
    ``integral |F_u(x) - F_v(x)| dx`` with weights.
    """
    n_u, n_v = u.shape[0], v.shape[0]
    u, v = np.sort(u.T, axis=1), v.T  # one row per projection, contiguous
    if v_weights is None:
        # the quantile functions are steps at i / n_u and j / n_v
        edges = np.union1d(np.arange(n_u + 1) / n_u, np.arange(n_v + 1) / n_v)
        middle = (edges[1:] + edges[:-1]) / 2
        i_u = np.minimum((middle * n_u).astype(int), n_u - 1)
        i_v = np.minimum((middle * n_v).astype(int), n_v - 1)
        difference = np.abs(u[:, i_u] - np.sort(v, axis=1)[:, i_v])
        return difference @ np.diff(edges)
    mass = np.concatenate([np.full(n_u, 1.0 / n_u), -v_weights / np.sum(v_weights)])
    values = np.concatenate([u, v], axis=1)
    order = np.argsort(values, axis=1)
    values = np.take_along_axis(values, order, axis=1)
    difference = np.cumsum(mass[order], axis=1)  # F_u - F_v after each value
    return np.sum(np.abs(difference[:, :-1]) * np.diff(values, axis=1), axis=1)


def token_distribution(tokens, weight):
    """Distinct tokens and their (weighted) frequencies."""
    categories, inverse = np.unique(tokens, return_inverse=True)
    counts = np.bincount(inverse, weights=weight, minlength=len(categories))
    return categories.astype(float), counts / counts.sum()


def discrete_wasserstein(first, second):
    """Exact W_1 between two distributions ``(categories, p)`` on the real line."""
    support = np.union1d(first[0], second[0]).astype(float)
    cdfs = []
    for categories, p in (first, second):
        mass = np.zeros(len(support))
        mass[np.searchsorted(support, np.asarray(categories, dtype=float))] = p
        cdfs.append(np.cumsum(mass))
    gaps = np.diff(support)
    return float(np.sum(np.abs(cdfs[0] - cdfs[1])[:-1] * gaps))


def discrete_summary(p):
    """``support_size``, ``entropy`` (nats) and ``collision`` of probabilities."""
    support = p > 0
    return {
        "support_size": int(np.count_nonzero(support)),
        "entropy": float(-np.sum(p[support] * np.log(p[support]))),
        "collision": float(np.sum(p**2)),
    }
