"""Gaussian refitting: Shumailov et al. 2024 and Alemohammad et al. 2024."""

# Authors: The skcollapse developers
# SPDX-License-Identifier: BSD-3-Clause

import warnings
from numbers import Integral, Real

import numpy as np
from scipy.stats import norm
from sklearn.exceptions import ConvergenceWarning
from sklearn.mixture import GaussianMixture

from .._compat import StrOptions
from .._params import Interval, Options
from ..theory import gaussian_refit
from ._base import _VERBOSE, Recorder, count, mean_and_se, register

#: The true mixture of the "mixture tails lost" part of ``shumailov-gaussian``:
#: a wide main mode and a small far mode (weights, means, standard deviations).
MIXTURE_WEIGHTS = (0.9, 0.1)
MIXTURE_MEANS = (0.0, 4.0)
MIXTURE_STDS = (1.0, 0.5)

#: A generation has lost its tails when its mass beyond the true 1% and 99%
#: quantiles is below this share of the truth's (0.02); it has lost the far
#: mode when its mass within two standard deviations of the far mode's mean is
#: below this share of the truth's there.
LOST_SHARE = 0.5
MODE_LOST_SHARE = 0.25

#: The claim of the mixture checks: from generation 0 to the last, the share
#: of repeats that lost their tails (and the far mode) grows by at least this
#: much under ``data="replace"``, and by at most this much under
#: ``data="accumulate"``.
LOSS_INCREASE = 0.25


@register(
    "shumailov-gaussian",
    "Shumailov, Shumaylov, Zhao, Papernot, Anderson, Gal 2024, AI models collapse "
    "when trained on recursively generated data (Nature; arXiv:2305.17493)",
    "A Gaussian refitted on M of its own samples loses its spread: E sigma_n = "
    "sigma a(M)^n, the mean wanders (E(mu_n - mu)^2 = sigma^2 n/M), W2 grows; "
    "a refitted Gaussian mixture loses its tails and its small mode (not when "
    "the data accumulates)",
    {"quick": 15, "paper": 4200},
    {
        "n_samples": count(3),
        "n_repeats": count(2),
        "n_generations": count(1),
        "ddof": [Options(Integral, {0, 1})],
        "theory_n_samples": count(3),
        "mixture_samples": count(4),
        "mixture_repeats": count(2),
        "mixture_generations": count(1),
        "theory_mixture_data": [None, StrOptions({"replace", "accumulate"})],
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
    mixture_samples=None,
    mixture_repeats=None,
    mixture_generations=None,
    theory_mixture_data=None,
):
    """Shumailov et al.'s Gaussian and Gaussian mixture refitted on samples.

    The Gaussian (their Theorem 3.1 setting): 1-D ``N(0, 1)``; generation 0
    fits mean and variance (``ddof``) on ``M`` real samples, generation ``g``
    on ``M`` samples of generation ``g - 1``.
    Their ``n`` counts fits, the first on real data: our generation ``g`` is
    their ``n = g + 1``.

    Checks (family-wise): ``E sigma_g`` (the fitted standard deviation),
    ``E(mu_g - mu)^2`` (against the true mean) and the ``E W_2^2`` to the
    truth at three generations, against :func:`skcollapse.theory.gaussian_refit`;
    with ``ddof=0`` (the MLE variant) ``E sigma_g^2 = ((M-1)/M)^(g+1)``
    follows from the same function.

    The mixture: the truth is ``0.9 N(0, 1) + 0.1 N(4, 0.5^2)`` (a small far
    mode); every generation fits a two-component
    :class:`~sklearn.mixture.GaussianMixture` (one k-means++ start,
    ``tol=1e-3``, at most 100 EM steps) on ``M'`` samples of the previous
    one, generation 0 on ``M'`` real samples, under ``data="replace"`` (the
    paper's loop) and ``data="accumulate"`` (every sample kept, the real ones
    included: Gerstgrasser et al. 2024), both regimes on the same real
    samples. Every generation's mixture is measured exactly from its
    parameters (normal CDFs, no sampling): its *tail mass* beyond the true
    1% and 99% quantiles (0.02 for the truth) and its mass within two
    standard deviations of the far mode's mean. A repeat has *lost its
    tails* at a generation when the tail mass is below half the truth's
    (:data:`LOST_SHARE`), *lost the far mode* when that mass is below a
    quarter of the truth's (:data:`MODE_LOST_SHARE`). The mean tail mass
    itself is no good measure: the components that wander beyond the true
    quantiles put mass there, and a few such repeats hold the mean up while
    most repeats have none (its median falls to 0).

    Checks (family-wise with the Gaussian ones), each on the paired change
    per repeat from generation 0 to the last (the indicator at the last
    generation minus that at generation 0, its mean and standard error over
    the repeats): under ``"replace"`` the share of repeats that lost their
    tails, and the share that lost the far mode, grow by at least
    :data:`LOSS_INCREASE` (a quarter of the repeats); under ``"accumulate"``
    they grow by at most as much (the tails and the mode are kept). There is
    no closed form for a mixture: these are the paper's qualitative claims
    with a stated size. ``theory_mixture_data="accumulate"`` claims the
    losses of the accumulating run and the keeping of the replacing one: the
    checks then fail.

    Parameters
    ----------
    scale : {"quick", "paper"}, default="quick"
        ``"quick"``: ``M = 20``, 60 generations, 200 repeats; mixture ``M' =
        20``, 15 generations, 48 repeats (a small ``M'`` loses the tails
        within a few generations). ``"paper"``: ``M = 100``, 2,000
        generations, 200 repeats (the paper's single-Gaussian figure);
        mixture ``M' = 1000``, 2,000 generations under ``"replace"`` (the
        paper's Gaussian-mixture figure, which shows one run of a
        two-component mixture refitted on 1,000 of its samples for 2,000
        generations) and 200 under ``"accumulate"`` (not in the paper; the
        accumulated data grows by ``M'`` rows a generation), 10 repeats; the
        true mixture is ours at both scales
        (an EM fit of 1,000 rows takes about 0.3 s: the paper scale runs
        for an hour or more).

    %(random_state)s

    %(n_jobs)s

    n_samples, n_repeats, n_generations : int, default=None
        Override the scale's ``M``, repeats and generations.

    ddof : {0, 1}, default=1
        1: unbiased variance (the paper's main text); 0: maximum likelihood.

    theory_n_samples : int, default=None
        Compute the closed forms with this ``M`` (to see the checks fail).

    mixture_samples, mixture_repeats, mixture_generations : int, default=None
        Override the scale's ``M'``, repeats and generations of the mixture
        (the generations of both regimes).

    theory_mixture_data : {"replace", "accumulate"}, default=None
        The regime claimed to lose the tails and the far mode (None:
        ``"replace"``, the paper's); the other is claimed to keep them.
        ``"accumulate"`` makes the mixture checks fail.

    Returns
    -------
    %(result)s

    Examples
    --------
    >>> from skcollapse.experiments import shumailov_gaussian
    >>> result = shumailov_gaussian(
    ...     n_samples=10, n_repeats=20, n_generations=5,
    ...     mixture_samples=20, mixture_repeats=4, mixture_generations=2,
    ... )
    >>> sorted(set(result.table["quantity"]))  # doctest: +NORMALIZE_WHITESPACE
    ['far_mode_lost', 'mean_error', 'std', 'tail_mass', 'tails_lost',
     'wasserstein2']
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
    mixture = _mixture_tails(
        run,
        scale,
        mixture_samples,
        mixture_repeats,
        mixture_generations,
        theory_mixture_data or "replace",
    )
    params = {
        "n_samples": M,
        "n_generations": G,
        "n_repeats": repeats,
        "ddof": ddof,
        "theory_n_samples": theory_n_samples,
        **mixture,
        "theory_mixture_data": theory_mixture_data,
    }
    return run.result(params, plotter=_plot_shumailov)


class _MixtureEM(GaussianMixture):
    """A :class:`~sklearn.mixture.GaussianMixture` whose fit is quiet about
    EM stopping at ``max_iter``.

    A few of the thousands of fits on a collapsing sample (a component on
    two or three points) stop at ``max_iter`` before ``tol``; the experiment
    measures whatever parameters EM reached, and one warning per such fit,
    printed by the workers, would flood the output. Only that warning, only
    inside this fit, is silenced.
    """

    def fit(self, X, y=None):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            return super().fit(X, y)


def _window_mass(model, low, high):
    """The mass a fitted 1-D mixture gives to ``[low, high]`` (exact)."""
    mu = np.asarray(model.means_, dtype=float)[:, 0]
    sigma = np.sqrt(np.asarray(model.covariances_, dtype=float).reshape(-1))
    weights = np.asarray(model.weights_, dtype=float)
    with np.errstate(all="ignore"):
        inside = norm.cdf(high, mu, sigma) - norm.cdf(low, mu, sigma)
    return float(np.sum(weights * inside))


def _far_mode_mass(estimator):
    """``measure=`` of ``collapse_curve``: every generation's mass within two
    standard deviations of the true far mode's mean."""
    mean, std = MIXTURE_MEANS[1], MIXTURE_STDS[1]
    return {
        "far_mode_mass": [
            _window_mass(model, mean - 2 * std, mean + 2 * std)
            for model in estimator.estimators_
        ]
    }


def _mixture_tails(run, scale, n_samples, n_repeats, n_generations, lossy):
    """The mixture part of ``shumailov-gaussian``: tails and the far mode,
    lost under ``"replace"``, kept under ``"accumulate"`` (``lossy`` names
    the regime claimed to lose them)."""
    from .. import RecursiveDensityRetrainer
    from ..datasets import GaussianMixtureSource
    from ..model_selection import collapse_curve

    quick = scale == "quick"
    M = n_samples or (20 if quick else 1000)
    repeats = n_repeats or (48 if quick else 10)
    generations = {
        "replace": n_generations or (15 if quick else 2000),
        "accumulate": n_generations or (15 if quick else 200),
    }
    weights = np.asarray(MIXTURE_WEIGHTS)
    stds = np.asarray(MIXTURE_STDS)
    source = GaussianMixtureSource(weights, MIXTURE_MEANS, stds**2)
    # the truth's mass within two standard deviations of the far mode's mean
    # (the main mode adds 0.0012 of it)
    window = (MIXTURE_MEANS[1] - 2 * stds[1], MIXTURE_MEANS[1] + 2 * stds[1])
    inside = norm.cdf(window[1], MIXTURE_MEANS, stds) - norm.cdf(
        window[0], MIXTURE_MEANS, stds
    )
    far_truth = float(np.sum(weights * inside))
    em = _MixtureEM(
        n_components=2,
        covariance_type="spherical",  # in 1-D the same model, cheaper
        init_params="k-means++",
        n_init=1,
        tol=1e-3,
        max_iter=100,
    )
    for data, G in generations.items():
        estimator = RecursiveDensityRetrainer(
            em, n_generations=G, data=data, metrics=[]
        )
        result = collapse_curve(
            estimator,
            source=source,
            n_samples=M,
            n_repeats=repeats,
            random_state=run.random_state,
            n_jobs=run.n_jobs,
            verbose=_VERBOSE.get(),
            measure=_far_mode_mass,
        )
        tail = np.asarray(result["truth_tail_mass_low"]) + np.asarray(
            result["truth_tail_mass_high"]
        )
        far = np.asarray(result["far_mode_mass"], dtype=float)
        lost = {
            "tails_lost": _below(tail, LOST_SHARE * 0.02),
            "far_mode_lost": _below(far, MODE_LOST_SHARE * far_truth),
        }
        condition = f"mixture, {data}"
        g = result["generation"]
        mean, se = mean_and_se(tail)
        run.table.add(condition, g, "tail_mass", mean, se, 0.02)
        for quantity, values in lost.items():
            mean, se = mean_and_se(values)
            run.table.add(condition, g, quantity, mean, se, np.nan)
            # paired: each repeat's indicator at the last generation minus
            # that at generation 0
            change, change_se = mean_and_se(values[:, G] - values[:, 0])
            what = "tails" if quantity == "tails_lost" else "far mode"
            if data == lossy:
                name = f"{what} lost, {data}, g={G} vs 0"
                run.check("at_least", name, change, change_se, LOSS_INCREASE)
            else:
                name = f"{what} kept, {data}, g={G} vs 0"
                run.check("at_most", name, change, change_se, LOSS_INCREASE)
    return {
        "mixture_samples": M,
        "mixture_repeats": repeats,
        "mixture_generations": generations,
    }


def _below(values, threshold):
    """1.0 where ``values < threshold``, 0.0 where not, NaN where missing (NaN)."""
    values = np.asarray(values, dtype=float)
    with np.errstate(invalid="ignore"):
        return np.where(np.isnan(values), np.nan, (values < threshold).astype(float))


def _plot_shumailov(result, ax):
    from ._base import plot_table

    plot_table(result, ax, quantities=["std", "wasserstein2"])
    ax.set_ylabel("fitted std, W2^2 to the truth")
    table = result.table
    if not np.any(table["quantity"] == "tails_lost"):
        return
    # a second panel at the right of ``ax``, in the space ``ax`` had (wider
    # when ``ax`` is the figure's only axes, as ``result.plot()`` makes it)
    from mpl_toolkits.axes_grid1 import make_axes_locatable

    figure = ax.figure
    if len(figure.axes) == 1:
        width, height = figure.get_size_inches()
        figure.set_size_inches(max(width, 2 * height + 3), height)
    inset = make_axes_locatable(ax).append_axes("right", size="85%", pad=0.7)
    for condition in dict.fromkeys(table["condition"]):
        for quantity, style in (("tails_lost", "-"), ("far_mode_lost", ":")):
            rows = (table["condition"] == condition) & (table["quantity"] == quantity)
            if not rows.any():
                continue
            g, mean = table["generation"][rows], table["mean"][rows]
            se = table["standard_error"][rows]
            what = "tails" if quantity == "tails_lost" else "far mode"
            line = inset.plot(
                g, mean, style, label=f"{what}, {condition.split(', ')[1]}"
            )[0]
            inset.fill_between(
                g, mean - 2 * se, mean + 2 * se, alpha=0.2, color=line.get_color()
            )
    inset.set_ylim(0, 1.05)
    inset.set_title("Gaussian mixture: repeats that lost", fontsize="medium")
    inset.set_xlabel("generation")
    inset.set_ylabel("share of repeats (+- 2 s.e.)")
    inset.legend(fontsize="small")


@register(
    "mad-sampling-bias",
    "Alemohammad, Casco-Rodriguez, Luzi, Humayun, Babaei, LeJeune, Siahkoohi, "
    "Baraniuk 2024, Self-Consuming Generative Models Go MAD (ICLR; arXiv:2307.01850)",
    "With sampling bias lambda (temperature), E tr Sigma_t = lambda^t tr Sigma_0:"
    " lambda < 1 collapses geometrically, fast",
    {"quick": 5, "paper": 15},
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
