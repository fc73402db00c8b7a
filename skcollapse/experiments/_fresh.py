"""Golden-ratio weighting of fresh real data (He, Xu & Cheng 2025), for least
squares retrained on fresh real rows and its own synthetic rows."""

# Authors: The skcollapse developers
# SPDX-License-Identifier: BSD-3-Clause

from numbers import Integral, Real

import numpy as np

from .._params import Interval
from ..theory import linear_fresh_data_error, optimal_real_weight
from ._base import Recorder, count, family_z, mean_and_se, register

#: How far from ``w*`` the two neighbouring weights of every ``k`` sit.
WEIGHT_STEP = 0.2


class GaussianInputs:
    """Fresh ``N(0, I_d)`` inputs of the synthetic rows: the ``inputs``
    callable of :class:`~skcollapse.RecursiveRetrainer` (picklable, so that
    the repeats can run in parallel)."""

    def __init__(self, n_features):
        self.n_features = n_features

    def __call__(self, n_samples, random_state):
        rng = np.random.default_rng(random_state)
        return rng.standard_normal((n_samples, self.n_features))


def heuristic_error(weight, n_features, n_real, noise=1.0):
    """The late-generation OLS error ``((1-w)^2 + w^2) / (w (2-w)) sigma^2
    d / (n-d-1)``: the ``k = 1`` long-run factor applied to the error of
    ``n`` real rows (the rule of thumb this experiment tests against the exact
    recursion)."""
    w = np.asarray(weight, dtype=float)
    factor = ((1 - w) ** 2 + w**2) / (w * (2 - w))
    return factor * noise**2 * n_features / (n_real - n_features - 1)


@register(
    "golden-ratio-fresh-data",
    "He, Xu, Cheng 2025, Golden Ratio Weighting Prevents Model Collapse "
    "(arXiv:2502.18049)",
    "With n fresh real rows and m synthetic rows per generation, the long-run "
    "error is smallest when the real rows carry the share w*(k) = (sqrt(k^2 + "
    "4k) - k)/2, k = n/m, of the weight (1/golden ratio at k = 1)",
    {"quick": 5, "paper": 30},
    {
        "n_features": count(1),
        "n_real": count(3),
        "ratios": [None, "array-like"],
        "n_repeats": count(2),
        "n_generations": count(2),
        "burn_in": [Interval(Integral, 0, None, closed="left"), None],
        "theory_n_real": count(3),
        "theory_noise": [None, Interval(Real, 0, None, closed="left")],
    },
)
def golden_ratio_fresh_data(
    scale="quick",
    random_state=0,
    n_jobs=None,
    *,
    n_features=None,
    n_real=None,
    ratios=None,
    n_repeats=None,
    n_generations=None,
    burn_in=None,
    theory_n_real=None,
    theory_noise=None,
):
    """He, Xu & Cheng's fresh-data loop for least squares: the best real weight.

    ``x ~ N(0, I_d)``, ``y = x'w_true + N(0, 1)``
    (:class:`~skcollapse.datasets.LinearSource`). Generation 0 is OLS on
    ``n`` real rows; generation ``g >= 1`` is weighted least squares on ``n``
    fresh real rows (weight 1) and ``m = n / k`` synthetic rows (weight
    ``s``) whose inputs are fresh Gaussian draws and whose labels are
    generation ``g - 1``'s predictions plus ``N(0, 1)``:
    :class:`~skcollapse.RecursiveRetrainer` with ``real_sampling="fresh"``,
    ``real_fraction=1``, ``synthetic_size=m``, ``synthetic_weight=s``,
    ``label_noise=1.0`` and :class:`GaussianInputs`. The real rows carry the
    share ``w = n / (n + s m)`` of the weight; for every ``k`` the loop runs
    at ``w*(k)`` (:func:`skcollapse.theory.optimal_real_weight`) and at ``w*
    +- 0.2``. The long-run error of a repeat is its excess risk averaged over
    generations ``burn_in .. G``.

    Checks (family-wise):

    - the mean long-run error at every ``(k, w)`` against the same average of
      :func:`skcollapse.theory.linear_fresh_data_error` (the exact recursion);
    - the minimum at ``w*``: for both neighbours of every ``k``, the paired
      difference ``E(w) - E(w*)`` (the same seeds, so the same real data)
      is positive by at least the family-wise ``z`` standard errors (the
      check's value is that difference in standard errors).

    The table also holds, per generation, the excess risk and the exact
    recursion, and at ``k = 1`` the heuristic
    ``((1-w)^2 + w^2)/(w(2-w)) d/(n-d-1)`` (:func:`heuristic_error`), which
    this experiment measures but does not check.

    Parameters
    ----------
    scale : {"quick", "paper"}, default="quick"
        ``"quick"``: ``d = 5``, ``n = 42``, ``k`` in (0.5, 1, 2) (``m`` =
        84, 42, 21), 8 generations averaged from generation 3, 40 repeats.
        ``"paper"``: ``d = 10``, ``n = 200``, the same ``k``, 30 generations
        averaged from generation 10, 400 repeats (our sizes: the paper
        reports its simulations' design in figures we have not reproduced
        number for number).

    %(random_state)s

    %(n_jobs)s

    n_features, n_real : int, default=None
        ``d`` and ``n``; override the scale's (``n >= d + 2``).

    ratios : array-like of float, default=None
        The values of ``k = n / m``; override the scale's.

    n_repeats, n_generations, burn_in : int, default=None
        Override the scale's.

    theory_n_real : int, default=None
        Compute the closed forms with this ``n`` (to see the checks fail).

    theory_noise : float, default=None
        Compute the closed forms with this label noise.

    Returns
    -------
    %(result)s
    """
    from sklearn.linear_model import LinearRegression

    from .. import RecursiveRetrainer
    from ..datasets import LinearSource

    quick = scale == "quick"
    d = n_features or (5 if quick else 10)
    n = n_real or (42 if quick else 200)
    if n < d + 2:
        raise ValueError(
            f"n_real={n} must be at least n_features + 2 = {d + 2}: generation "
            "0 is OLS on the real rows, whose error is finite from d + 2 rows."
        )
    ks = tuple(float(k) for k in (ratios if ratios is not None else (0.5, 1.0, 2.0)))
    repeats = n_repeats or (40 if quick else 400)
    G = n_generations or (8 if quick else 30)
    start = burn_in if burn_in is not None else (3 if quick else 10)
    if start > G:
        raise ValueError(
            f"burn_in={start} is beyond n_generations={G}: the long-run error "
            "averages the generations burn_in .. n_generations."
        )
    run = Recorder("golden-ratio-fresh-data", scale, random_state, n_jobs, repeats)
    rng = np.random.default_rng(random_state)
    coef = rng.standard_normal(d)
    source = LinearSource(coef / np.linalg.norm(coef), noise=1.0)
    n_theory = theory_n_real or n
    noise_theory = 1.0 if theory_noise is None else float(theory_noise)
    conditions = []
    paired = []
    for k in ks:
        m = max(1, int(round(n / k)))
        best = optimal_real_weight(n, m)
        weights = (best - WEIGHT_STEP, best, min(best + WEIGHT_STEP, 0.99))
        long_run = {}
        for w in weights:
            s = n * (1 - w) / (w * m)
            estimator = RecursiveRetrainer(
                LinearRegression(fit_intercept=False),
                n_generations=G,
                real_sampling="fresh",
                real_source=source,
                real_fraction=1.0,
                synthetic_size=m,
                synthetic_weight=s,
                label_noise=1.0,
                inputs=GaussianInputs(d),
            )
            result = run.curves(estimator, source, n)
            risk = np.asarray(result["truth_excess_risk"], dtype=float)
            theory = linear_fresh_data_error(
                G,
                n_features=d,
                n_real=n_theory,
                n_synthetic=m,
                synthetic_weight=s,
                noise=noise_theory,
            )
            condition = f"k={k:g}, w={w:.4f}"
            run.curve(condition, "excess_risk", risk, theory, result["generation"])
            values = risk[:, start:].mean(axis=1)
            expected = float(theory[start:].mean())
            mean, se = mean_and_se(values)
            run.table.add(condition, G, "long_run_error", mean, se, expected)
            run.check("mean", f"long-run error, k={k:g}, w={w:.3f}", mean, se, expected)
            long_run[w] = values
            conditions.append({"k": k, "n_synthetic": m, "weight": w, "s": s})
            if k == 1.0:
                heuristic = float(heuristic_error(w, d, n_theory, noise_theory))
                run.table.add(
                    condition, G, "heuristic_error", np.nan, np.nan, heuristic
                )
        for w in (weights[0], weights[2]):
            paired.append((k, w, best, long_run[w] - long_run[best]))
        _theory_curve(run, k, m, d, n_theory, noise_theory, G, start)
    # the minimum at w*: each paired difference positive by z standard errors
    z = family_z(len(run.pending) + len(paired))
    for k, w, best, difference in paired:
        mean, se = mean_and_se(difference)
        run.table.add(f"k={k:g}, w={w:.4f}", G, "excess_over_best", mean, se, np.nan)
        run.check(
            "at_least",
            f"(E(w={w:.3f}) - E(w*={best:.3f}))/s.e., k={k:g}",
            mean / se if se > 0 else np.inf * np.sign(mean),
            0.0,
            z,
        )
    params = {
        "n_features": d,
        "n_real": n,
        "ratios": ks,
        "n_repeats": repeats,
        "n_generations": G,
        "burn_in": start,
        "conditions": conditions,
        "theory_n_real": theory_n_real,
        "theory_noise": theory_noise,
    }
    return run.result(params, plotter=_plot_fresh)


def _theory_curve(run, k, m, d, n, noise, G, start):
    """The exact long-run error on a grid of weights (for the figure)."""
    for w in np.linspace(0.25, 0.97, 13):
        s = n * (1 - w) / (w * m)
        theory = linear_fresh_data_error(
            G,
            n_features=d,
            n_real=n,
            n_synthetic=m,
            synthetic_weight=s,
            noise=noise,
            n_draws=1000,
        )
        run.table.add(
            f"k={k:g}, w={w:.4f}",
            G,
            "long_run_error_theory",
            np.nan,
            np.nan,
            float(theory[start:].mean()),
        )


def _plot_fresh(result, ax):
    """Long-run error against the real weight w, for every k."""
    table = result.table
    n, d = result.params["n_real"], result.params["n_features"]
    unit = n / d  # in units of the asymptotic error of n real rows, d / n

    def rows(quantity, k):
        chosen = (table["quantity"] == quantity) & np.array(
            [c.startswith(f"k={k:g},") for c in table["condition"]]
        )
        weights = np.array(
            [float(c.split("w=")[1]) for c in table["condition"][chosen]]
        )
        order = np.argsort(weights)
        return (
            weights[order],
            table["mean"][chosen][order] * unit,
            table["standard_error"][chosen][order] * unit,
            table["theory"][chosen][order] * unit,
        )

    for k in result.params["ratios"]:
        w, _, _, theory = rows("long_run_error_theory", k)
        line = ax.plot(w, theory, "-", lw=1, label=f"exact, k = n/m = {k:g}")[0]
        color = line.get_color()
        w, mean, se, _ = rows("long_run_error", k)
        ax.errorbar(w, mean, yerr=2 * se, fmt="o", color=color, capsize=3)
        best = optimal_real_weight(n, max(1, int(round(n / k))))
        ax.axvline(best, color=color, ls=":", lw=1)
    ax.plot([], [], "ko", label="simulated (+- 2 s.e.)")
    ax.plot([], [], "k:", label="w*(k)")
    ax.set_xlabel("share w of the weight on the fresh real rows")
    ax.set_ylabel("long-run excess risk, in units of d/n")
    ax.set_title("golden-ratio-fresh-data: OLS, fresh real data every generation")
    ax.legend(fontsize="small")
