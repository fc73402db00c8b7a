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
from ._base import _VERBOSE, Recorder, count, family_z, mean_and_se, register

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
    "the MLE variance (ddof=0) collapses faster, E sigma_n^2 = sigma^2 "
    "((M-1)/M)^n; a refitted Gaussian mixture loses its tails and its small "
    "mode (not when the data accumulates)",
    {"quick": 15, "paper": 4200},
    {
        "n_samples": count(3),
        "n_repeats": count(2),
        "n_generations": count(1),
        "ddofs": [None, "array-like"],
        "theory_n_samples": count(3),
        "theory_ddof": [None, Options(Integral, {0, 1})],
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
    ddofs=None,
    theory_n_samples=None,
    theory_ddof=None,
    mixture_samples=None,
    mixture_repeats=None,
    mixture_generations=None,
    theory_mixture_data=None,
):
    """Shumailov et al.'s Gaussian and Gaussian mixture refitted on samples.

    The Gaussian (their Theorem 3.1 setting): 1-D ``N(0, 1)``; generation 0
    fits mean and variance on ``M`` real samples, generation ``g`` on ``M``
    samples of generation ``g - 1``, under two estimates of the variance,
    each a condition of the run: the unbiased one (``ddof=1``, the paper's
    theorem) and the maximum-likelihood one (``ddof=0``, the MLE variant,
    which the paper's public code fits), whose
    ``E sigma_g^2 = sigma^2 ((M-1)/M)^(g+1)`` shrinks even in the second
    moment. Their ``n`` counts fits, the first on real data: our generation
    ``g`` is their ``n = g + 1``.

    Checks (family-wise): for each ``ddof``, ``E sigma_g`` (the fitted
    standard deviation), ``E(mu_g - mu)^2`` (against the true mean) and the
    ``E W_2^2`` to the truth at four generations, against
    :func:`skcollapse.theory.gaussian_refit` with that ``ddof`` (``E sigma_g
    = sigma a(M_r) a(M)^g``, ``a`` of the ``ddof``). The MLE collapses
    faster: at the last generation its ``E sigma_G`` lies below the unbiased
    closed form, and the unbiased ``E sigma_G`` above the MLE closed form,
    each by at least the family-wise ``z`` standard errors (each check's
    value is that gap in standard errors). Both runs use the same seeds, so
    the same draws: the MLE chain is then exactly the unbiased one scaled by
    ``sqrt((M-1)/M)`` at every fit, and each repeat's log standard deviation
    lower by ``(g+1)/2 log(M/(M-1))`` (the table's ``log_std_gap``; no
    check, as it holds to rounding by construction).
    ``theory_ddof`` computes both conditions' closed forms with one ``ddof``:
    the other condition's checks then fail.

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
        ``"quick"``: ``M = 20``, 60 generations, 200 repeats of each
        estimate; mixture ``M' = 20``, 15 generations, 48 repeats (a small
        ``M'`` loses the tails within a few generations). ``"paper"``: ``M =
        100``, 2,000 generations, 200 repeats of each estimate (the paper's
        single-Gaussian figure);
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

    ddofs : array-like of {0, 1}, default=None
        The variance estimates run, each a condition: 1 unbiased (the
        paper's theorem), 0 maximum likelihood. None means ``(1, 0)``; the
        claim that the MLE collapses faster is checked when both are run.

    theory_n_samples : int, default=None
        Compute the closed forms with this ``M`` (to see the checks fail).

    theory_ddof : {0, 1}, default=None
        Compute every condition's closed forms with this ``ddof`` (None: each
        its own); the other condition's checks then fail.

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
    ['far_mode_lost', 'log_std_gap', 'mean_error', 'std', 'tail_mass',
     'tails_lost', 'wasserstein2']
    >>> sorted(set(result.table["condition"]))  # doctest: +NORMALIZE_WHITESPACE
    ['M=10, ddof=0', 'M=10, ddof=1', 'M=10, ddof=1 - ddof=0',
     'mixture, accumulate', 'mixture, replace']
    """
    from .. import RecursiveDensityRetrainer
    from ..datasets import GaussianSource
    from ..generative import GaussianDensity

    quick = scale == "quick"
    M = n_samples or (20 if quick else 100)
    G = n_generations or (60 if quick else 2000)
    repeats = n_repeats or 200
    estimates = _ddofs(ddofs)
    run = Recorder("shumailov-gaussian", scale, random_state, n_jobs, repeats)
    checked = sorted({1, G // 10, G // 2, G})
    stds, generations = {}, None
    for ddof in estimates:
        estimator = RecursiveDensityRetrainer(
            GaussianDensity(ddof=ddof), n_generations=G, metrics=["total_variance"]
        )
        result = run.curves(estimator, GaussianSource([0.0], [[1.0]]), M)
        generations = np.asarray(result["generation"])
        theory = gaussian_refit(
            G,
            n_real=theory_n_samples or M,
            ddof=ddof if theory_ddof is None else theory_ddof,
        )
        # against the truth N(0, 1): the fitted variance is the trace ratio
        quantities = {
            "std": np.sqrt(np.asarray(result["truth_covariance_trace_ratio"])),
            "mean_error": result["truth_mean_error"],
            "wasserstein2": result["truth_w2"],
        }
        condition = f"M={M}, ddof={ddof}"
        for name, values in quantities.items():
            run.curve(condition, name, values, theory[name], generations, checked)
        stds[ddof] = quantities["std"]
    claims = []
    if len(stds) == 2:
        # the same seeds, the same draws: the MLE chain is the unbiased one
        # scaled by sqrt((M-1)/M) at every fit (g + 1 fits by generation g)
        with np.errstate(divide="ignore", invalid="ignore"):
            gap = np.log(stds[1]) - np.log(stds[0])
        mean, se = mean_and_se(gap)
        run.table.add(
            f"M={M}, ddof=1 - ddof=0",
            generations,
            "log_std_gap",
            mean,
            se,
            (generations + 1) / 2 * np.log(M / (M - 1)),
        )
        # each against the other's closed form of E sigma_G
        for ddof, other, sign in ((0, 1, -1.0), (1, 0, 1.0)):
            other_std = gaussian_refit(G, n_real=M, ddof=other)["std"][G]
            mean, se = mean_and_se(stds[ddof][:, G])
            relation = "below" if sign < 0 else "above"
            claims.append(
                (
                    f"std, ddof={ddof} {relation} ddof={other} theory, g={G}",
                    sign * (mean - other_std),
                    se,
                )
            )
    mixture = _mixture_tails(
        run,
        scale,
        mixture_samples,
        mixture_repeats,
        mixture_generations,
        theory_mixture_data or "replace",
    )
    # in standard errors, at least the family-wise z of every check
    z = family_z(len(run.pending) + len(claims))
    for name, gap, se in claims:
        run.check("at_least", name, gap / se if se > 0 else np.nan, 0.0, z)
    params = {
        "n_samples": M,
        "n_generations": G,
        "n_repeats": repeats,
        "ddofs": estimates,
        "theory_n_samples": theory_n_samples,
        "theory_ddof": theory_ddof,
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


def _ddofs(ddofs):
    """The ``ddofs`` of ``shumailov_gaussian``, validated (a tuple of 0/1)."""
    if ddofs is None:
        return (1, 0)
    values = tuple(ddofs)
    if (
        not values
        or any(
            isinstance(v, bool)
            or not isinstance(v, (Integral, np.integer))
            or v not in (0, 1)
            for v in values
        )
        or len(set(values)) != len(values)
    ):
        raise ValueError(
            f"The 'ddofs' parameter of shumailov_gaussian must be a non-empty "
            f"sequence of distinct values in {{0, 1}}; got {ddofs!r}."
        )
    return tuple(int(v) for v in values)


def _plot_shumailov(result, ax):
    table = result.table
    for quantity, marker in (("std", "o"), ("wasserstein2", "s")):
        for condition in dict.fromkeys(table["condition"]):
            rows = (table["condition"] == condition) & (table["quantity"] == quantity)
            if not rows.any():
                continue
            g, mean = table["generation"][rows], table["mean"][rows]
            se = table["standard_error"][rows]
            style = marker + (":" if condition.endswith("ddof=0") else "-")
            line = ax.plot(g, mean, style, ms=2.5, label=f"{quantity}, {condition}")[0]
            low = np.maximum(mean - 2 * se, mean / 10)  # a log scale
            ax.fill_between(g, low, mean + 2 * se, alpha=0.2, color=line.get_color())
            ax.plot(g, table["theory"][rows], "--", color="black", lw=1)
    ax.plot([], [], "--", color="black", lw=1, label="theory")
    ax.set_yscale("log")
    ax.set_xlabel("generation")
    ax.set_ylabel("E sigma_g (fitted std), E W2^2 to the truth")
    ax.set_title(result.name)
    ax.legend(fontsize="x-small")
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
    " the fully synthetic loop goes MAD; fresh real rows every generation hold"
    " tr Sigma_t and the mean error at a finite fixed point, a lower one with"
    " sampling bias and too little fresh data",
    {"quick": 10, "paper": 20},
    {
        "temperatures": [None, "array-like"],
        "n_features": count(1),
        "n_samples": count(3),
        "n_repeats": count(2),
        "n_generations": count(2),
        "fresh": [None, "array-like"],
        "n_synthetic": count(2),
        "theory_temperature": [None, Interval(Real, 0, None, closed="neither")],
        "theory_fresh_rows": count(1),
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
    fresh=None,
    n_synthetic=None,
    theory_temperature=None,
    theory_fresh_rows=None,
):
    """Alemohammad et al.'s Gaussian loops: fully synthetic and fresh data.

    ``d``-dimensional ``N(0, I)``; generation 0 fits a Gaussian (``ddof=1``)
    on ``n`` real samples, every later generation on samples drawn from the
    previous one with covariance ``lambda Sigma`` (``temperature=lambda`` of
    :class:`~skcollapse.RecursiveDensityRetrainer`; the paper's sampling
    bias, 1 unbiased). Two of the paper's three loops:

    - **fully synthetic**: generation ``t`` is fitted on ``n`` samples of
      generation ``t - 1`` only;
    - **fresh data**: generation ``t`` is fitted on ``n_r`` new real rows of
      ``N(0, I)`` (``real_sampling="fresh"`` with a
      :class:`~skcollapse.datasets.GaussianSource`, ``real_fraction=n_r /
      n``) and ``n_s`` samples of generation ``t - 1``
      (``synthetic_size=n_s``), every row of weight 1, so the fresh rows
      carry the share ``w = n_r / (n_r + n_s)`` of the fit. The paper's
      claim: with enough fresh data the loop does not go MAD, its error
      settles at a fixed point instead of collapsing; with sampling bias,
      too little fresh data still degrades (a fixed point of ``tr Sigma``
      well below the truth's).

    Checks (family-wise over all of them):

    - fully synthetic, every ``lambda``: the fitted ``E tr Sigma_t`` at
      three generations against :func:`skcollapse.theory.gaussian_refit`
      (``kappa(n) (lambda kappa(n))^t tr Sigma``, ``kappa = 1`` for
      ``ddof=1``);
    - fresh data, every ``(lambda, n_r)``: ``E tr Sigma_t`` and the mean
      error ``E||mu_t - mu||^2`` (to the true mean) at three generations
      against :func:`~skcollapse.theory.gaussian_refit` with
      ``real_sampling="fresh"`` (an exact recursion that converges to the
      fixed point);
    - the fresh loop is not the fully synthetic one (paired per repeat
      against the fully synthetic run of the same ``lambda``, the same seeds,
      so the same generation 0; each value in standard errors, at least the
      family-wise ``z``): at the last generation its mean error is lower
      (every ``lambda``), and its ``tr Sigma`` higher (``lambda < 1``);
    - too little fresh data still degrades: for ``lambda < 1``, ``tr
      Sigma`` at the last generation is below generation 0's (paired), and
      below that of the same ``lambda`` with more fresh rows (paired).

    ``theory_temperature`` computes every closed form with another
    ``lambda``, ``theory_fresh_rows`` the fresh-data closed forms with
    another ``n_r``: the mean checks then fail.

    Parameters
    ----------
    scale : {"quick", "paper"}, default="quick"
        ``"quick"``: ``d = 2``, ``n = 50``, 20 generations, 300 repeats;
        fully synthetic ``lambda`` in (0.8, 0.95, 1.0); fresh data ``(lambda,
        n_r)`` in ((1, 25), (0.8, 25), (0.8, 5)) with ``n_s = 50``.
        ``"paper"``: ``d = 10``, ``n = 500``, 50 generations, 500 repeats;
        the same fully synthetic ``lambda``; fresh data ((1, 100), (0.8,
        100), (0.8, 20)) with ``n_s = 900``. These sizes are ours: the paper
        (Sections 3 and 4) shows its Gaussian loops in figures, not at stated
        sizes; ``n_s / n_r = 9`` at paper scale is the setting of the
        fresh-loop reference number this package checks against (for
        ``lambda = 1`` the mean error settles at about ``0.5286`` times that
        of ``n_r`` real rows alone; ``1 / (2 - w) = 0.5263`` with a known
        covariance).

    %(random_state)s

    %(n_jobs)s

    temperatures : tuple of float, default=None
        Override the scale's fully synthetic ``lambda`` values.

    n_features, n_samples, n_repeats, n_generations : int, default=None
        Override the scale's ``d``, ``n``, repeats and generations.

    fresh : array-like of (float, int) pairs, default=None
        Override the scale's fresh-data conditions ``(lambda, n_r)``, ``1 <=
        n_r <= n``; an empty sequence runs the fully synthetic loop only.

    n_synthetic : int, default=None
        Override the scale's ``n_s`` of the fresh-data loop.

    theory_temperature : float, default=None
        Compute every closed form with this ``lambda`` (to see checks fail).

    theory_fresh_rows : int, default=None
        Compute the fresh-data closed forms with this ``n_r`` (to see the
        fresh-data checks fail).

    Returns
    -------
    %(result)s

    Examples
    --------
    >>> from skcollapse.experiments import mad_sampling_bias
    >>> result = mad_sampling_bias(
    ...     temperatures=(0.8,), fresh=[(0.8, 7)], n_samples=20, n_repeats=30,
    ...     n_generations=4,
    ... )
    >>> sorted(set(result.table["condition"]))
    ['fresh n_r=7, lambda=0.8', 'lambda=0.8']
    >>> sorted(set(result.table["quantity"]))  # doctest: +NORMALIZE_WHITESPACE
    ['error_gap_to_synthetic', 'mean_error', 'trace', 'trace_gap_to_synthetic',
     'trace_loss']
    """
    from .. import RecursiveDensityRetrainer
    from ..datasets import GaussianSource
    from ..generative import GaussianDensity

    quick = scale == "quick"
    lambdas = tuple(temperatures) if temperatures is not None else (0.8, 0.95, 1.0)
    lambdas = tuple(_positive(lam, "temperatures") for lam in lambdas)
    d = n_features or (2 if quick else 10)
    n = n_samples or (50 if quick else 500)
    G = n_generations or (20 if quick else 50)
    repeats = n_repeats or (300 if quick else 500)
    n_s = n_synthetic or (50 if quick else 900)
    conditions = _fresh_conditions(
        fresh,
        ((1.0, 25), (0.8, 25), (0.8, 5))
        if quick
        else ((1.0, 100), (0.8, 100), (0.8, 20)),
        n,
    )
    if theory_fresh_rows is not None and theory_fresh_rows > n:
        raise ValueError(
            f"theory_fresh_rows={theory_fresh_rows} is above n_samples={n}: the "
            "fresh rows of a generation are a share of generation 0's n rows."
        )
    run = Recorder("mad-sampling-bias", scale, random_state, n_jobs, repeats)
    source = GaussianSource(np.zeros(d), np.eye(d))
    checked = (1, G // 2, G)
    generations = None
    synthetic = {}  # lambda -> per-repeat trace and mean error (fully synthetic)
    for lam in lambdas:
        estimator = RecursiveDensityRetrainer(
            GaussianDensity(),
            n_generations=G,
            temperature=lam,
            metrics=["total_variance"],
        )
        result = run.curves(estimator, source, n)
        generations = result["generation"]
        theory = gaussian_refit(
            G,
            n_real=n,
            n_features=d,
            variance=float(d),
            temperature=theory_temperature or lam,
        )
        # tr Sigma_t of the fitted model: the trace ratio to the truth's (d)
        values = _trace_and_error(result, d)
        condition = f"lambda={lam:g}"
        run.curve(
            condition,
            "trace",
            values["trace"],
            theory["total_variance"],
            generations,
            checked,
            label="tr Sigma_t",
        )
        run.curve(
            condition,
            "mean_error",
            values["mean_error"],
            theory["mean_error"],
            generations,
        )
        synthetic[lam] = values
    claims = []
    fresh_runs = {}  # (lambda, n_r) -> per-repeat trace and mean error
    for lam, n_r in conditions:
        estimator = RecursiveDensityRetrainer(
            GaussianDensity(),
            n_generations=G,
            temperature=lam,
            real_sampling="fresh",
            real_source=source,
            real_fraction=n_r / n,
            synthetic_size=n_s,
            metrics=["total_variance"],
        )
        result = run.curves(estimator, source, n)
        generations = result["generation"]
        values = _trace_and_error(result, d)
        theory_rows = theory_fresh_rows or n_r
        theory = gaussian_refit(
            G,
            n_real=n,
            n_synthetic=n_s,
            n_features=d,
            variance=float(d),
            temperature=theory_temperature or lam,
            # n_r fresh rows: the meta-estimator's rounding of n_r / n * n
            real_fraction=min(theory_rows / n, 1.0),
            real_sampling="fresh",
        )
        short = f"n_r={n_r}, lambda={lam:g}"
        condition = f"fresh {short}"
        run.curve(
            condition,
            "trace",
            values["trace"],
            theory["total_variance"],
            generations,
            checked,
            label="tr Sigma_t",
        )
        run.curve(
            condition,
            "mean_error",
            values["mean_error"],
            theory["mean_error"],
            generations,
            checked,
            label="mean error",
        )
        fresh_runs[lam, n_r] = values
        if lam in synthetic:
            other = synthetic[lam]
            claims.append(
                (
                    f"error below synthetic, {short}",
                    condition,
                    "error_gap_to_synthetic",
                    other["mean_error"][:, G] - values["mean_error"][:, G],
                )
            )
            if lam < 1:
                claims.append(
                    (
                        f"trace above synthetic, {short}",
                        condition,
                        "trace_gap_to_synthetic",
                        values["trace"][:, G] - other["trace"][:, G],
                    )
                )
        if lam < 1:
            claims.append(
                (
                    f"trace lost, g={G} vs 0, {short}",
                    condition,
                    "trace_loss",
                    values["trace"][:, 0] - values["trace"][:, G],
                )
            )
    for (lam, n_r), values in fresh_runs.items():
        more = [k for k in fresh_runs if k[0] == lam and k[1] > n_r]
        if lam < 1 and more:
            richer = max(more, key=lambda k: k[1])
            claims.append(
                (
                    f"trace below n_r={richer[1]}, n_r={n_r}, lambda={lam:g}",
                    f"fresh n_r={n_r}, lambda={lam:g}",
                    f"trace_gap_to_n_r={richer[1]}",
                    fresh_runs[richer]["trace"][:, G] - values["trace"][:, G],
                )
            )
    _paired_claims(run, claims, G)
    params = {
        "temperatures": lambdas,
        "n_features": d,
        "n_samples": n,
        "n_generations": G,
        "n_repeats": repeats,
        "fresh": conditions,
        "n_synthetic": n_s,
        "theory_temperature": theory_temperature,
        "theory_fresh_rows": theory_fresh_rows,
    }
    return run.result(params, plotter=_plot_mad)


def _positive(value, name):
    """``value`` as a float > 0, or a ValueError naming ``name``."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = np.nan
    if isinstance(value, bool) or not number > 0 or not np.isfinite(number):
        raise ValueError(
            f"The {name!r} parameter holds {value!r}; every value must be a "
            "finite float > 0."
        )
    return number


def _fresh_conditions(fresh, default, n):
    """The fresh-data conditions ``((lambda, n_r), ...)``, validated."""
    if fresh is None:
        return tuple(default)
    conditions = []
    for pair in fresh:
        try:
            lam, n_r = pair
        except (TypeError, ValueError):
            lam, n_r = None, None
        if (
            lam is None
            or isinstance(n_r, bool)
            or not isinstance(n_r, (Integral, np.integer))
            or not 1 <= n_r <= n
        ):
            raise ValueError(
                f"The 'fresh' parameter holds {pair!r}; each entry must be a "
                f"pair (temperature > 0, fresh rows n_r: an int in [1, "
                f"n_samples={n}])."
            )
        conditions.append((_positive(lam, "fresh"), int(n_r)))
    return tuple(conditions)


def _trace_and_error(result, d):
    """Per repeat and generation: ``tr Sigma_t`` (the trace ratio to the
    truth's ``d``) and ``||mu_t - mu||^2``."""
    return {
        "trace": d * np.asarray(result["truth_covariance_trace_ratio"], dtype=float),
        "mean_error": np.asarray(result["truth_mean_error"], dtype=float),
    }


def _paired_claims(run, claims, G):
    """Each paired difference (per repeat; a row of the table at the last
    generation) positive by the family-wise ``z`` standard errors (the
    check's value is the difference in standard errors)."""
    z = family_z(len(run.pending) + len(claims))
    for name, condition, quantity, difference in claims:
        mean, se = mean_and_se(difference)
        run.table.add(condition, G, quantity, mean, se, np.nan)
        run.check(
            "at_least",
            name,
            mean / se if se > 0 else np.inf * np.sign(mean),
            0.0,
            z,
        )


def _plot_mad(result, ax):
    """Left, ``E tr Sigma_t``; right (when the run has fresh-data
    conditions), the mean error; fresh data solid, fully synthetic dotted,
    the closed forms dashed."""
    table = result.table
    _draw_conditions(ax, table, "trace")
    ax.set_ylabel("E tr Sigma_t")
    ax.set_title(result.name)
    if not any(c.startswith("fresh") for c in table["condition"]):
        return
    from mpl_toolkits.axes_grid1 import make_axes_locatable

    figure = ax.figure
    if len(figure.axes) == 1:
        width, height = figure.get_size_inches()
        figure.set_size_inches(max(width, 2 * height + 3), height)
    right = make_axes_locatable(ax).append_axes("right", size="85%", pad=0.7)
    _draw_conditions(right, table, "mean_error")
    right.set_ylabel("E||mu_t - mu||^2 (to the truth)")
    right.set_title("mean error", fontsize="medium")


def _draw_conditions(ax, table, quantity):
    """Every condition's mean +- 2 s.e. of ``quantity`` and its theory."""
    for condition in dict.fromkeys(table["condition"]):
        rows = (table["condition"] == condition) & (table["quantity"] == quantity)
        if not rows.any():
            continue
        g, mean = table["generation"][rows], table["mean"][rows]
        se = table["standard_error"][rows]
        style = "o-" if condition.startswith("fresh") else "s:"
        line = ax.plot(g, mean, style, ms=3, label=condition)[0]
        ax.fill_between(
            g, mean - 2 * se, mean + 2 * se, alpha=0.2, color=line.get_color()
        )
        ax.plot(g, table["theory"][rows], "--", color="black", lw=1)
    ax.plot([], [], "--", color="black", lw=1, label="theory")
    ax.set_yscale("log")
    ax.set_xlabel("generation")
    ax.legend(fontsize="x-small")
