"""Seddik et al. 2024: collapse of a statistical language model (one context).

Each generation of the model is the empirical next-token distribution of its
training tokens (:class:`~skcollapse.generative.CategoricalDensity`), fitted
on tokens the previous generation emitted.
"""

# Authors: The skcollapse developers
# SPDX-License-Identifier: BSD-3-Clause

from numbers import Integral, Real

import numpy as np

from .._params import Interval
from ..theory import categorical_collapse_bounds, categorical_collision
from ._base import Recorder, count, mean_and_se, register

PAPER_SEDDIK = (
    "Seddik, Chen, Hayou, Youssef, Debbah 2024, How Bad is Training on "
    "Synthetic Data? (arXiv:2404.05090)"
)


#: The Zipf law both experiments draw tokens from: ``p_i ∝ i^-exponent``.
_ZIPF_CONSTRAINTS = {
    "n_categories": [Interval(Integral, 2, None, closed="left")],
    "exponent": [Interval(Real, 0, None, closed="left")],
}


def _zipf(n_categories, exponent):
    from ..datasets import _zipf_probabilities

    return _zipf_probabilities(n_categories, exponent)


def _drift(fitted):
    """``||p(g) - p(0)||_1`` of every generation (Seddik et al.'s drift)."""
    first = np.asarray(fitted.estimators_[0].probabilities_)
    return {
        "drift_l1": np.asarray(
            [
                float(np.sum(np.abs(np.asarray(m.probabilities_) - first)))
                for m in fitted.estimators_
            ]
        )
    }


def _absorbed(values, result):
    """The trajectory of a key, carried past absorption: a Dirac mass
    resamples to itself, so a repeat stopped at its collapse keeps its last
    value in every later generation."""
    values = np.array(values, dtype=float)
    for i, condition in enumerate(result["termination_condition"]):
        if condition == "collapsed":
            last = int(result["n_generations"][i])
            values[i, last + 1 :] = values[i, last]
    return values


@register(
    "seddik-fully-synthetic",
    PAPER_SEDDIK,
    "Fully synthetic retraining collapses to a Dirac mass: S_g = 1 - (1-1/n)^(g+1)"
    " (1 - S_0), absorption inside Theorem 1's bounds, landing on token i with"
    " probability p_i",
    {"quick": 5, "paper": 15},
    {
        **_ZIPF_CONSTRAINTS,
        "n_tokens": [None, "array-like"],
        "n_repeats": count(2),
        "n_generations": count(1),
        "theory_n_tokens": count(2),
    },
)
def seddik_fully_synthetic(
    scale="quick",
    random_state=0,
    n_jobs=None,
    *,
    n_categories=20,
    exponent=1.2,
    n_tokens=None,
    n_repeats=None,
    n_generations=None,
    theory_n_tokens=None,
):
    """Seddik et al.'s Theorem 1 and Proposition 1, fully synthetic loop.

    A Zipf distribution ``p_i ∝ i^-exponent`` on ``n_categories`` tokens;
    generation 0 is fitted on ``n`` real tokens, generation ``g`` on ``n``
    tokens emitted by generation ``g - 1``, until the model is a Dirac mass
    (``stop_on_collapse=True, collapse_threshold=0``).

    Checks: the mean collision ``S_g`` against Theorem 1 at four generations
    for every ``n`` (family-wise over all mean checks); the collapse
    probability at two generations within Theorem 1's bounds; the mean
    absorption generation within its bounds; the share of runs that end on
    the most likely token against ``p_1`` (Proposition 1).

    Parameters
    ----------
    scale : {"quick", "paper"}, default="quick"
        ``"quick"``: ``n`` in (10, 20), 300 repeats. ``"paper"``: ``n`` in
        (10, 20, 50, 100), 1,000 repeats (the paper runs 100 per ``n`` with
        600 tokens; a Zipf law on 20 tokens keeps the absorption time short).

    %(random_state)s

    %(n_jobs)s

    n_categories, exponent : int, float
        The true distribution.

    n_tokens : tuple of int, default=None
        Overrides the scale's values of ``n``.

    n_repeats, n_generations : int, default=None
        Override the scale's repeats and cap on generations.

    theory_n_tokens : int, default=None
        Compute the closed forms with this ``n`` instead of the simulated one
        (to see the checks fail against the theory of another setting).

    Returns
    -------
    %(result)s
    """
    from .. import RecursiveDensityRetrainer
    from ..datasets import CategoricalSource
    from ..generative import CategoricalDensity

    quick = scale == "quick"
    ns = (
        tuple(n_tokens)
        if n_tokens is not None
        else ((10, 20) if quick else (10, 20, 50, 100))
    )
    repeats = n_repeats or (300 if quick else 1000)
    run = Recorder("seddik-fully-synthetic", scale, random_state, n_jobs, repeats)
    p = _zipf(n_categories, exponent)
    for n in ns:
        n_theory = theory_n_tokens or n
        cap = n_generations or int(30 * n * (1 - np.sum(p**2))) + 20
        estimator = RecursiveDensityRetrainer(
            CategoricalDensity(categories=np.arange(n_categories)),
            n_generations=cap,
            stop_on_collapse=True,
            collapse_threshold=0.0,
        )
        result = run.curves(estimator, CategoricalSource(p), n)
        generations = np.asarray(result["generation"])
        last = len(generations) - 1
        theory = categorical_collision(last, p, n_real=n_theory)
        # generations where some runs are not absorbed yet (once every run is
        # a Dirac mass the Monte Carlo spread is 0 and tells nothing)
        checked = [g for g in _spread(n, last) if theory[g] < 0.95]
        run.curve(
            f"n={n}",
            "collision",
            _absorbed(result["collision"], result),
            theory,
            generations,
            checked,
            label="S_g",
        )
        bounds = categorical_collapse_bounds(last, p, n_real=n_theory)
        dirac = (_absorbed(result["support_size"], result) == 1).astype(float)
        rho, rho_se = run.curve(
            f"n={n}", "collapse_probability", dirac, np.nan, generations
        )
        for g in checked[1:3]:
            run.check(
                "bounds",
                f"P(Dirac at g={g}), n={n}",
                rho[g],
                rho_se[g],
                (
                    bounds["collapse_probability_lower"][g],
                    bounds["collapse_probability_upper"][g],
                ),
            )
        tau = np.asarray(result["collapse_generation"], dtype=float)
        absorbed = np.isfinite(tau)
        run.check(
            "bounds",
            f"E[tau] (absorption), n={n}",
            *mean_and_se(tau[absorbed]),
            (
                float(bounds["absorption_time_lower"]),
                float(bounds["absorption_time_upper"]),
            ),
        )
        # the token of the Dirac mass: the true mass the model misses is
        # 1 - p_i once it sits on token i (the p_i of a Zipf law differ)
        stops = np.asarray(result["n_generations"], dtype=int)
        missing = np.asarray(result["truth_missing_mass"])[np.arange(len(stops)), stops]
        on_first = np.isclose(missing[absorbed], 1 - p[0]).astype(float)
        run.check(
            "mean", f"P(Dirac on token 1), n={n}", *mean_and_se(on_first), float(p[0])
        )
    params = {
        "n_categories": n_categories,
        "exponent": exponent,
        "n_tokens": ns,
        "n_repeats": repeats,
        "theory_n_tokens": theory_n_tokens,
    }
    return run.result(params, plotter=_plot_fully_synthetic)


@register(
    "seddik-partially-synthetic",
    PAPER_SEDDIK,
    "Keeping N real tokens and adding n synthetic ones per generation, S_g"
    " converges to S_inf (Theorem 2): collapse is avoided when n << N",
    {"quick": 40, "paper": 300},
    {
        **_ZIPF_CONSTRAINTS,
        "n_real": count(1),
        "n_synthetic": [None, "array-like"],
        "n_repeats": count(2),
        "n_generations": count(3),
        "theory_n_synthetic": count(1),
    },
)
def seddik_partially_synthetic(
    scale="quick",
    random_state=0,
    n_jobs=None,
    *,
    n_categories=20,
    exponent=1.2,
    n_real=None,
    n_synthetic=None,
    n_repeats=None,
    n_generations=None,
    theory_n_synthetic=None,
):
    """Seddik et al.'s Theorem 2: ``N`` real tokens plus ``n`` synthetic ones.

    The same ``N`` real tokens are kept in every generation, with ``n`` fresh
    synthetic ones emitted by the previous generation.

    Checks: the mean collision ``S_g`` against Theorem 2 at four generations
    for every ratio ``n/N`` (family-wise); and the drift from generation 0,
    ``E||p(G) - p(0)||_1``, at most ``sqrt(n (s - 1))/N`` (Theorems 3-4 in
    a simple form derived from them): synthetic data much smaller than real
    data keeps the model near its real fit.

    Parameters
    ----------
    scale : {"quick", "paper"}, default="quick"
        ``"quick"``: ``N = 50``, ``n`` in (5, 50, 500), 200 repeats, 20
        generations. ``"paper"``: ``N = 100``, ``n`` in (10, 100, 1000),
        1,000 repeats, 50 generations (the paper's ``N`` and horizon).

    %(random_state)s

    %(n_jobs)s

    n_categories, exponent : int, float
        The true distribution (Zipf).

    n_real : int, default=None
        ``N``; overrides the scale's.

    n_synthetic : tuple of int, default=None
        The values of ``n``; override the scale's.

    n_repeats, n_generations : int, default=None
        Override the scale's.

    theory_n_synthetic : int, default=None
        Compute the closed forms with this ``n`` for every condition (to see
        the checks fail).

    Returns
    -------
    %(result)s
    """
    from .. import RecursiveDensityRetrainer
    from ..datasets import CategoricalSource
    from ..generative import CategoricalDensity

    quick = scale == "quick"
    N = n_real or (50 if quick else 100)
    ns = (
        tuple(n_synthetic)
        if n_synthetic is not None
        else ((5, 50, 500) if quick else (10, 100, 1000))
    )
    repeats = n_repeats or (200 if quick else 1000)
    G = n_generations or (20 if quick else 50)
    run = Recorder("seddik-partially-synthetic", scale, random_state, n_jobs, repeats)
    p = _zipf(n_categories, exponent)
    for n in ns:
        estimator = RecursiveDensityRetrainer(
            CategoricalDensity(categories=np.arange(n_categories)),
            n_generations=G,
            data="replace",
            real_fraction=1.0,
            synthetic_size=n,
        )
        result = run.curves(estimator, CategoricalSource(p), N, measure=_drift)
        generations = result["generation"]
        condition = f"n/N={n / N:g}"
        theory = categorical_collision(
            G, p, n_real=N, n_synthetic=theory_n_synthetic or n, real_fraction=1.0
        )
        run.curve(
            condition,
            "collision",
            result["collision"],
            theory,
            generations,
            (1, 3, G // 2, G),
            label="S_g",
        )
        bound = np.sqrt((theory_n_synthetic or n) * (n_categories - 1)) / N
        drift, drift_se = run.curve(
            condition, "drift_l1", result["drift_l1"], bound, generations
        )
        run.check(
            "at_most",
            f"drift ||p(G) - p(0)||_1, {condition}",
            drift[-1],
            drift_se[-1],
            min(bound, 2.0),
        )
    params = {
        "n_categories": n_categories,
        "exponent": exponent,
        "n_real": N,
        "n_synthetic": ns,
        "n_repeats": repeats,
        "n_generations": G,
        "theory_n_synthetic": theory_n_synthetic,
    }
    return run.result(params)


def _spread(n, last):
    """Four generations to check: early, around the absorption time, late."""
    picks = sorted({1, max(2, n // 2), min(last, 2 * n), min(last, 4 * n)})
    return [g for g in picks if g <= last]


def _plot_fully_synthetic(result, ax):
    from ._base import plot_table

    plot_table(result, ax, quantities=["collision"])
    ax.set_ylabel("collision probability S_g (1: Dirac mass)")
