"""Linear regression: Gerstgrasser et al. 2024 (replace vs accumulate)."""

# Authors: The skcollapse developers
# SPDX-License-Identifier: BSD-3-Clause

import time

import numpy as np

from ..theory import linear_regression_error
from ._base import ExperimentResult, Table, mean_and_se, register
from ._seddik import _make_checks


@register(
    "gerstgrasser-accumulate",
    "Gerstgrasser, Schaeffer, Dey, Rafailov, Sleight, Hughes, Korbak, Agrawal, "
    "Pai, Gromov, Roberts, Yang, Donoho, Koyejo 2024, Is Model Collapse "
    "Inevitable? (arXiv:2404.01413)",
    "OLS on a fixed design: replacing the data makes the error grow linearly"
    " in the generations; accumulating it keeps the error below pi^2/6 times"
    " the first fit's",
    {"quick": 20, "paper": 240},
)
def gerstgrasser_accumulate(
    scale="quick",
    random_state=0,
    n_jobs=None,
    *,
    n_features=None,
    n_samples=None,
    noise=1.0,
    n_repeats=None,
    n_generations=None,
    theory_data=None,
):
    """Gerstgrasser et al.'s linear regression, replace against accumulate.

    ``x ~ N(0, I_d)``, ``y = x'w* + N(0, sigma^2)``, ``T`` real rows per
    repeat (drawn from a :class:`~skcollapse.datasets.LinearSource`);
    every generation relabels the same inputs (``inputs="reuse"``) with the
    previous OLS fit plus ``N(0, sigma^2)`` noise (``label_noise=sigma``).
    The error is the excess risk ``||w_g - w*||^2`` against the true
    coefficients (``truth_excess_risk``).

    Checks (family-wise): the mean excess risk of both regimes at three
    generations against :func:`skcollapse.theory.linear_regression_error`,
    and the accumulated error of the last generation at most ``pi^2/6``
    times generation 0's.

    Parameters
    ----------
    scale : {"quick", "paper"}, default="quick"
        ``"quick"``: ``d = 10``, ``T = 100``, 10 generations, 400 repeats.
        ``"paper"``: the same sizes, 50 generations, 3,000 repeats (the
        reference Monte Carlo of PAPERS.md §6: replace 1.1236 and accumulate
        0.17413 at their n = 10).

    random_state, n_jobs : int
        Seed; parallel repeats.

    n_features, n_samples, n_repeats, n_generations : int, default=None
        Override the scale's.

    noise : float, default=1.0
        ``sigma``, real and synthetic.

    theory_data : {"replace", "accumulate"}, default=None
        Compare both regimes with this regime's closed form (to see the
        checks fail).

    Returns
    -------
    result : ExperimentResult
    """
    from sklearn.linear_model import LinearRegression

    from .. import RecursiveRetrainer
    from ..datasets import LinearSource
    from ..model_selection import collapse_curve

    start = time.perf_counter()
    quick = scale == "quick"
    d = n_features or 10
    T = n_samples or 100
    G = n_generations or (10 if quick else 50)
    repeats = n_repeats or (400 if quick else 3000)
    rng = np.random.default_rng(random_state)
    coef = rng.standard_normal(d)
    coef /= np.linalg.norm(coef)
    source = LinearSource(coef, noise=noise)
    table, pending, errors = Table(), [], {}
    for data in ("replace", "accumulate"):
        estimator = RecursiveRetrainer(
            LinearRegression(fit_intercept=False),
            n_generations=G,
            data=data,
            label_noise=noise,
            metrics=["score_real"],
        )
        result = collapse_curve(
            estimator,
            source=source,
            n_samples=T,
            n_repeats=repeats,
            random_state=random_state,
            n_jobs=n_jobs,
        )
        generations = np.asarray(result["generation"])
        values = np.asarray(result["truth_excess_risk"])
        errors[data] = values
        theory = linear_regression_error(
            G,
            n_features=d,
            n_real=T,
            noise=noise,
            data=theory_data or data,
            design="fixed",
        )
        m, se = mean_and_se(values)
        table.add(data, generations, "excess_risk", m, se, theory)
        for g in (1, G // 2, G):
            pending.append(
                ("mean", f"excess risk, {data}, g={g}", m[g], se[g], theory[g])
            )
    # accumulate stays below pi^2/6 times the first fit's error, per repeat pair
    accumulated = (
        errors["accumulate"][:, -1] - np.pi**2 / 6 * errors["accumulate"][:, 0]
    )
    m, se = mean_and_se(accumulated)
    pending.append(("at_most", f"accumulate g={G} - pi^2/6 x g=0", m, se, 0.0))
    return ExperimentResult(
        "gerstgrasser-accumulate",
        table.to_dict(),
        _make_checks(pending),
        {
            "n_features": d,
            "n_samples": T,
            "noise": noise,
            "n_generations": G,
            "n_repeats": repeats,
            "theory_data": theory_data,
        },
        scale,
        random_state,
        time.perf_counter() - start,
        plotter=_plot,
    )


def _plot(result, ax):
    from ._base import plot_table

    plot_table(result, ax, quantities=["excess_risk"])
    first = result.table["theory"][
        (result.table["condition"] == "accumulate") & (result.table["generation"] == 0)
    ]
    if len(first):
        ax.axhline(
            np.pi**2 / 6 * first[0], color="grey", ls=":", label="pi^2/6 x generation 0"
        )
        ax.legend(fontsize="small")
    ax.set_ylabel("excess risk ||w_g - w*||^2")
