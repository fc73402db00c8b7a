"""A Gaussian refitted on a pool that keeps the real data or every batch.

The recursions behind :func:`~skcollapse.theory.gaussian_refit` when a
generation's training set holds more than its own synthetic batch:
``data="accumulate"`` (every synthetic batch so far, Gerstgrasser et al.) and
``data="replace"`` with the real rows kept (``real_fraction=1``, the
partially synthetic loop), each with a ``synthetic_weight``. They follow
:class:`~skcollapse.generative.GaussianDensity` fitted on the pool: the
weighted mean, and the weighted sum of squares divided by the total weight
minus ``ddof`` (frequency weights).
"""

# Authors: The skcollapse developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np

__all__ = []


def _pooled_moments(
    n_generations,
    *,
    n_real,
    n_synthetic,
    variance,
    temperature,
    ddof,
    data,
    keep_real,
    synthetic_weight,
):
    """``E||mu_g - mu||^2``, ``E||mu_g - mu_0||^2`` and ``E tr Sigma_g``.

    ``keep_real``: whether the ``n_real`` real rows (the same as generation
    0's) stay in every training set. Every quantity is an expectation over
    the real sample too; each step is linear in the previous step's
    expectations (see the Notes of ``gaussian_refit``), so the recursion on
    expectations is exact.
    """
    n, m, tau = n_real, n_synthetic, float(variance)
    lam, s, delta = float(temperature), float(synthetic_weight), float(ddof)
    size = n_generations + 1
    total_variance = np.empty(size)
    shift = np.empty(size)  # E||mu_g - mu_0||^2, mu_0 the real sample mean
    total_variance[0] = (n - 1) / (n - delta) * tau
    shift[0] = 0.0
    r = n if keep_real else 0
    # Accumulate: the pool's weighted sum of squares ``ss`` and total weight.
    weight = float(r)
    ss = (n - 1) * tau if keep_real else 0.0
    w_real = r / (r + s * m)  # replace: the real rows' share of the weight
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        for g in range(1, size):
            v = lam * total_variance[g - 1]  # E tr of the emitting covariance
            if data == "accumulate":
                new_weight = weight + s * m
                # merge a batch of weight s*m into the pool: its own sum of
                # squares, plus the pooled between-means term
                ss = ss + v * (s * (m - 1) + s * weight / new_weight)
                shift[g] = shift[g - 1] + s * s * m * v / new_weight**2
                weight = new_weight
                total_variance[g] = ss / (weight - delta)
            elif keep_real:
                # mu_g = w rbar + (1 - w) bbar; E||bbar - rbar||^2
                gap = shift[g - 1] + v / m
                shift[g] = (1 - w_real) ** 2 * gap
                ss_g = (n - 1) * tau + s * (m - 1) * v + n * (1 - w_real) * gap
                total_variance[g] = ss_g / (n + s * m - delta)
            else:
                shift[g] = shift[g - 1] + v / m
                total_variance[g] = s * (m - 1) * v / (s * m - delta)
    return {
        "generation": np.arange(size),
        "mean_error": tau / n + shift,
        "mean_shift": shift,
        "total_variance": total_variance,
    }
