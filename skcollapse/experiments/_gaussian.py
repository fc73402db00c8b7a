"""Gaussian refitting: Shumailov et al. 2024 and Alemohammad et al. 2024."""

# Authors: The skcollapse developers
# SPDX-License-Identifier: BSD-3-Clause

from numbers import Integral, Real

import numpy as np

from .._params import Interval, Options
from ..theory import gaussian_refit
from ._base import Recorder, count, register


@register(
    "shumailov-gaussian",
    "Shumailov, Shumaylov, Zhao, Papernot, Anderson, Gal 2024, AI models collapse "
    "when trained on recursively generated data (Nature; arXiv:2305.17493)",
    "A Gaussian refitted on M of its own samples loses its spread: E sigma_n = "
    "sigma a(M)^n, the mean wanders (E(mu_n - mu)^2 = sigma^2 n/M), W2 grows",
    {"quick": 20, "paper": 600},
    {
        "n_samples": count(3),
        "n_repeats": count(2),
        "n_generations": count(1),
        "ddof": [Options(Integral, {0, 1})],
        "theory_n_samples": count(3),
    },
)
def shumailov_gaussian(
    scale="quick",
    random_state=0,
    n_jobs=None,
    *,
    n_samples=None,
    n_repeats=None,
    n_generations=None,
    ddof=1,
    theory_n_samples=None,
):
    """Shumailov et al.'s single Gaussian (their Theorem 3.1 setting).

    1-D ``N(0, 1)``; generation 0 fits mean and variance (``ddof``) on ``M``
    real samples, generation ``g`` on ``M`` samples of generation ``g - 1``.
    Their ``n`` counts fits, the first on real data: our generation ``g`` is
    their ``n = g + 1``.

    Checks (family-wise): ``E sigma_g`` (the fitted standard deviation),
    ``E(mu_g - mu)^2`` (against the true mean) and the ``E W_2^2`` to the
    truth at three generations, against :func:`skcollapse.theory.gaussian_refit`;
    with ``ddof=0`` (the MLE variant) ``E sigma_g^2 = ((M-1)/M)^(g+1)``
    follows from the same function.

    Parameters
    ----------
    scale : {"quick", "paper"}, default="quick"
        ``"quick"``: ``M = 20``, 60 generations, 200 repeats. ``"paper"``:
        ``M = 100``, 2,000 generations, 200 repeats (the paper's figure).

    %(random_state)s

    %(n_jobs)s

    n_samples, n_repeats, n_generations : int, default=None
        Override the scale's ``M``, repeats and generations.

    ddof : {0, 1}, default=1
        1: unbiased variance (the paper's main text); 0: maximum likelihood.

    theory_n_samples : int, default=None
        Compute the closed forms with this ``M`` (to see the checks fail).

    Returns
    -------
    %(result)s
    """
    from .. import RecursiveDensityRetrainer
    from ..datasets import GaussianSource
    from ..generative import GaussianDensity

    quick = scale == "quick"
    M = n_samples or (20 if quick else 100)
    G = n_generations or (60 if quick else 2000)
    repeats = n_repeats or 200
    run = Recorder("shumailov-gaussian", scale, random_state, n_jobs, repeats)
    estimator = RecursiveDensityRetrainer(
        GaussianDensity(ddof=ddof), n_generations=G, metrics=["total_variance"]
    )
    result = run.curves(estimator, GaussianSource([0.0], [[1.0]]), M)
    generations = np.asarray(result["generation"])
    theory = gaussian_refit(G, n_real=theory_n_samples or M, ddof=ddof)
    # against the truth N(0, 1): the fitted variance is the trace ratio
    quantities = {
        "std": np.sqrt(result["truth_covariance_trace_ratio"]),
        "mean_error": result["truth_mean_error"],
        "wasserstein2": result["truth_w2"],
    }
    checked = sorted({1, G // 10, G // 2, G})
    for name, values in quantities.items():
        run.curve(f"M={M}", name, values, theory[name], generations, checked)
    params = {
        "n_samples": M,
        "n_generations": G,
        "n_repeats": repeats,
        "ddof": ddof,
        "theory_n_samples": theory_n_samples,
    }
    return run.result(params, plotter=_plot_shumailov)


def _plot_shumailov(result, ax):
    from ._base import plot_table

    plot_table(result, ax, quantities=["std", "wasserstein2"])
    ax.set_ylabel("fitted std, W2^2 to the truth")


@register(
    "mad-sampling-bias",
    "Alemohammad, Casco-Rodriguez, Luzi, Humayun, Babaei, LeJeune, Siahkoohi, "
    "Baraniuk 2024, Self-Consuming Generative Models Go MAD (ICLR; arXiv:2307.01850)",
    "With sampling bias lambda (temperature), E tr Sigma_t = lambda^t tr Sigma_0:"
    " lambda < 1 collapses geometrically, fast",
    {"quick": 15, "paper": 300},
    {
        "temperatures": [None, "array-like"],
        "n_features": count(1),
        "n_samples": count(3),
        "n_repeats": count(2),
        "n_generations": count(2),
        "theory_temperature": [None, Interval(Real, 0, None, closed="neither")],
    },
)
def mad_sampling_bias(
    scale="quick",
    random_state=0,
    n_jobs=None,
    *,
    temperatures=None,
    n_features=None,
    n_samples=None,
    n_repeats=None,
    n_generations=None,
    theory_temperature=None,
):
    """Alemohammad et al.'s fully synthetic Gaussian loop with sampling bias.

    ``d``-dimensional ``N(0, I)``; each generation fits a Gaussian
    (``ddof=1``) on ``n`` samples drawn from the previous one with covariance
    ``lambda Sigma`` (``temperature=lambda`` of the meta-estimator).

    Checks (family-wise): the fitted ``E tr Sigma_t`` at three generations
    for every ``lambda`` against :func:`skcollapse.theory.gaussian_refit`
    (``kappa(n) (lambda kappa(n))^t tr Sigma``, ``kappa = 1`` for ``ddof=1``).

    Parameters
    ----------
    scale : {"quick", "paper"}, default="quick"
        ``"quick"``: ``lambda`` in (0.8, 0.95, 1.0), ``d = 2``, ``n = 50``,
        20 generations, 300 repeats. ``"paper"``: ``d = 10``, ``n = 500``,
        50 generations, 500 repeats.

    %(random_state)s

    %(n_jobs)s

    temperatures : tuple of float, default=None
        Override the scale's ``lambda`` values.

    n_features, n_samples, n_repeats, n_generations : int, default=None
        Override the scale's.

    theory_temperature : float, default=None
        Compute every closed form with this ``lambda`` (to see checks fail).

    Returns
    -------
    %(result)s
    """
    from .. import RecursiveDensityRetrainer
    from ..datasets import GaussianSource
    from ..generative import GaussianDensity

    quick = scale == "quick"
    lambdas = tuple(temperatures) if temperatures is not None else (0.8, 0.95, 1.0)
    d = n_features or (2 if quick else 10)
    n = n_samples or (50 if quick else 500)
    G = n_generations or (20 if quick else 50)
    repeats = n_repeats or (300 if quick else 500)
    run = Recorder("mad-sampling-bias", scale, random_state, n_jobs, repeats)
    source = GaussianSource(np.zeros(d), np.eye(d))
    for lam in lambdas:
        estimator = RecursiveDensityRetrainer(
            GaussianDensity(),
            n_generations=G,
            temperature=lam,
            metrics=["total_variance"],
        )
        result = run.curves(estimator, source, n)
        theory = gaussian_refit(
            G,
            n_real=n,
            n_features=d,
            variance=float(d),
            temperature=theory_temperature or lam,
        )["total_variance"]
        # tr Sigma_t of the fitted model: the trace ratio to the truth's (d)
        values = d * np.asarray(result["truth_covariance_trace_ratio"])
        run.curve(
            f"lambda={lam:g}",
            "trace",
            values,
            theory,
            result["generation"],
            (1, G // 2, G),
            label="tr Sigma_t",
        )
    params = {
        "temperatures": lambdas,
        "n_features": d,
        "n_samples": n,
        "n_generations": G,
        "n_repeats": repeats,
        "theory_temperature": theory_temperature,
    }
    return run.result(params, plotter=_plot_mad)


def _plot_mad(result, ax):
    from ._base import plot_table

    plot_table(result, ax, quantities=["trace"], log=True)
    ax.set_ylabel("E tr Sigma_t")
