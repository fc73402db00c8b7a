"""Linear regression: Gerstgrasser et al. 2024 (replace vs accumulate)."""

# Authors: The skcollapse developers
# SPDX-License-Identifier: BSD-3-Clause

from numbers import Real

import numpy as np

from .._compat import StrOptions
from .._params import Interval
from ..theory import linear_regression_error
from ._base import Recorder, count, family_z, mean_and_se, register


@register(
    "gerstgrasser-accumulate",
    "Gerstgrasser, Schaeffer, Dey, Rafailov, Sleight, Hughes, Korbak, Agrawal, "
    "Pai, Gromov, Roberts, Yang, Donoho, Koyejo 2024, Is Model Collapse "
    "Inevitable? (arXiv:2404.01413)",
    "OLS on a fixed design: replacing the data makes the error grow linearly"
    " in the generations; accumulating it keeps the error below pi^2/6 times"
    " the first fit's",
    {"quick": 5, "paper": 30},
    {
        "n_features": count(1),
        "n_samples": count(3),
        "noise": [Interval(Real, 0, None, closed="neither")],
        "n_repeats": count(2),
        "n_generations": count(2),
        "theory_data": [None, StrOptions({"replace", "accumulate"})],
    },
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
        reference Monte Carlo of Gerstgrasser et al.: replace 1.1236 and accumulate
        0.17413 at their n = 10).

    %(random_state)s

    %(n_jobs)s

    n_features, n_samples : int, default=None
        Override the scale's ``d`` and ``T``.

    noise : float, default=1.0
        ``sigma``, real and synthetic.

    n_repeats, n_generations : int, default=None
        Override the scale's.

    theory_data : {"replace", "accumulate"}, default=None
        Compare both regimes with this regime's closed form (to see the
        checks fail).

    Returns
    -------
    %(result)s
    """
    from sklearn.linear_model import LinearRegression

    from .. import RecursiveRetrainer
    from ..datasets import LinearSource

    quick = scale == "quick"
    d = n_features or 10
    T = n_samples or 100
    G = n_generations or (10 if quick else 50)
    repeats = n_repeats or (400 if quick else 3000)
    run = Recorder("gerstgrasser-accumulate", scale, random_state, n_jobs, repeats)
    source = LinearSource(_unit_vector(d, random_state), noise=noise)
    errors = {}
    for data in ("replace", "accumulate"):
        estimator = RecursiveRetrainer(
            LinearRegression(fit_intercept=False),
            n_generations=G,
            data=data,
            label_noise=noise,
            metrics=["score_real"],
        )
        result = run.curves(estimator, source, T)
        errors[data] = values = np.asarray(result["truth_excess_risk"])
        theory = linear_regression_error(
            G,
            n_features=d,
            n_real=T,
            noise=noise,
            data=theory_data or data,
            design="fixed",
        )
        run.curve(
            data,
            "excess_risk",
            values,
            theory,
            result["generation"],
            (1, G // 2, G),
            label="excess risk",
        )
    # accumulate stays below pi^2/6 times the first fit's error, per repeat pair
    accumulated = (
        errors["accumulate"][:, -1] - np.pi**2 / 6 * errors["accumulate"][:, 0]
    )
    m, se = mean_and_se(accumulated)
    run.check("at_most", f"accumulate g={G} - pi^2/6 x g=0", m, se, 0.0)
    params = {
        "n_features": d,
        "n_samples": T,
        "noise": noise,
        "n_generations": G,
        "n_repeats": repeats,
        "theory_data": theory_data,
    }
    return run.result(params, plotter=_plot)


def _unit_vector(n_features, random_state):
    """A random direction of ``n_features`` dimensions, from the run's seed."""
    vector = np.random.default_rng(random_state).standard_normal(n_features)
    return vector / np.linalg.norm(vector)


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


class GaussianInputs:
    """Fresh isotropic Gaussian inputs ``N(0, I_d)``, the ``inputs`` callable
    of :class:`~skcollapse.RecursiveRetrainer` for a fresh design (picklable,
    so that repeats can run in other processes)."""

    def __init__(self, n_features):
        self.n_features = n_features

    def __call__(self, n_samples, random_state):
        rng = np.random.default_rng(random_state)
        return rng.standard_normal((n_samples, self.n_features))


@register(
    "demystified-regression",
    "Dohmatob, Feng, Kempe 2024, Model Collapse Demystified: the Case of "
    "Regression (NeurIPS; arXiv:2402.07712)",
    "Fresh-design OLS retrained on its own labels: the error grows linearly,"
    " sigma^2 d/(T-d-1) + n sigma0^2 d/(T0-d-1); over-parameterised and"
    " noise-free, min-norm fits forget: 1 - (T0/d)^(n+1)",
    {"quick": 5, "paper": 60},
    {
        "n_features": count(1),
        "n_samples": count(4),
        "n_repeats": count(2),
        "n_generations": count(2),
        "theory_n_samples": count(3),
    },
)
def demystified_regression(
    scale="quick",
    random_state=0,
    n_jobs=None,
    *,
    n_features=None,
    n_samples=None,
    n_repeats=None,
    n_generations=None,
    theory_n_samples=None,
):
    """Dohmatob, Feng and Kempe's chain of regressions on fresh inputs.

    Two conditions. **OLS**: ``x ~ N(0, I_d)``, ``T`` real rows ``y = x'w* +
    N(0, 1)`` (``||w*|| = 1``, a :class:`~skcollapse.datasets.LinearSource`),
    every generation fitted by OLS on ``T`` fresh Gaussian inputs
    (``inputs`` a callable) labelled by the previous generation plus
    ``N(0, 1)``. **Min-norm**: ``d`` larger than the rows, no noise: each
    generation is the minimum-norm interpolator (``LinearRegression`` on fewer
    rows than features) of the previous one's labels.

    Checks (family-wise): the mean excess risk ``||w_g - w*||^2`` of both
    conditions at three generations against
    :func:`skcollapse.theory.linear_regression_error` (``design="fresh"``).

    Parameters
    ----------
    scale : {"quick", "paper"}, default="quick"
        ``"quick"``: OLS ``d = 10``, ``T = 40``, min-norm ``d = 20``, ``T =
        10``, 8 generations, 200 repeats. ``"paper"``: the paper's OLS sizes
        ``d = 50``, ``T = T0 = 200`` and min-norm ``d = 100``, ``T0 = 50``,
        10 generations, 2,000 repeats (the reference values 0.3356, 0.6711,
        2.0134, 3.6913 at n = 0, 1, 5, 10).

    %(random_state)s

    %(n_jobs)s

    n_features, n_samples : int, default=None
        The OLS condition's ``d`` and ``T`` (the min-norm one uses ``2 d``
        features and ``T / 4`` rows).

    n_repeats, n_generations : int, default=None
        Override the scale's.

    theory_n_samples : int, default=None
        Compute the OLS closed form with this ``T`` (to see the checks fail).

    Returns
    -------
    %(result)s
    """
    from sklearn.linear_model import LinearRegression

    from .. import RecursiveRetrainer
    from ..datasets import LinearSource

    quick = scale == "quick"
    d = n_features or (10 if quick else 50)
    T = n_samples or (40 if quick else 200)
    G = n_generations or (8 if quick else 10)
    repeats = n_repeats or (200 if quick else 2000)
    run = Recorder("demystified-regression", scale, random_state, n_jobs, repeats)
    conditions = {
        "OLS": (d, T, 1.0),
        "min-norm": (2 * d, max(T // 4, 2), 0.0),
    }
    for name, (n_feat, n_rows, noise) in conditions.items():
        estimator = RecursiveRetrainer(
            LinearRegression(fit_intercept=False),
            n_generations=G,
            inputs=GaussianInputs(n_feat),
            label_noise=noise,
            metrics=["score_real"],
        )
        source = LinearSource(_unit_vector(n_feat, random_state), noise=noise)
        result = run.curves(estimator, source, n_rows)
        n_theory = theory_n_samples if (theory_n_samples and name == "OLS") else n_rows
        theory = linear_regression_error(
            G, n_features=n_feat, n_real=n_theory, noise=noise, design="fresh"
        )
        run.curve(
            name,
            "excess_risk",
            result["truth_excess_risk"],
            theory,
            result["generation"],
            (1, G // 2, G),
            label="excess risk",
        )
    params = {
        "conditions": {k: list(v) for k, v in conditions.items()},
        "n_generations": G,
        "n_repeats": repeats,
        "theory_n_samples": theory_n_samples,
    }
    return run.result(params)


@register(
    "strong-collapse",
    "Dohmatob, Feng, Subramonian, Kempe 2025, Strong Model Collapse (ICLR; "
    "arXiv:2410.04840)",
    "Any constant share p2 of synthetic data leaves a plateau p2^2 c^2 in the"
    " test error of OLS, however much data is added; larger random-projection"
    " models amplify it below the interpolation threshold",
    {"quick": 15, "paper": 360},
    {
        "n_features": count(1),
        "synthetic_shares": [None, "array-like"],
        "n_train": [None, "array-like"],
        "n_repeats": count(2),
        "projections": [None, "array-like"],
        "theory_shift": [None, Interval(Real, 0, None, closed="left")],
    },
)
def strong_collapse(
    scale="quick",
    random_state=0,
    n_jobs=None,
    *,
    n_features=None,
    synthetic_shares=None,
    n_train=None,
    n_repeats=None,
    projections=None,
    theory_shift=None,
):
    """Strong model collapse: OLS trained once on real and synthetic rows.

    Real rows ``y = x'w1 + N(0, 1)`` and synthetic rows ``y = x'w2 + N(0, 1)``
    (two :class:`~skcollapse.datasets.LinearSource`, ``||w2 - w1||^2 = c^2 =
    1``), mixed with a synthetic share ``p2``; the model is tested on real
    data (the excess risk of the real source's ``evaluate``).

    Checks (family-wise): the mean test risk for every ``p2`` and training
    size against :func:`skcollapse.theory.strong_collapse_error` (a
    deterministic equivalent, exact up to ``O(1/n)``), and the plateau: at the
    largest size, the risk of the largest ``p2`` is at least ``p2^2 c^2``.

    Random projections (their Section 2.2, "larger models can amplify model
    collapse"): the model ``x -> v' S x`` with a random ``S`` of ``m`` rows
    (``N(0, 1/d)`` entries, ``m < n``: below the interpolation threshold),
    ``v`` by OLS on ``n`` rows whose share ``p2`` is synthetic. The collapse
    gap of a repeat is its test risk minus the risk of the same fit on the
    same rows with every label real (the same ``S``, inputs and noise: a
    paired difference). As ``n`` grows it tends to ``p2^2 c^2 m / d`` (the
    part of ``w2 - w1`` the projection sees), slowly: at ``n = 200`` the gap
    is about 2.5 times that, at ``n = 8000`` still 6-12% above; it is the
    table's reference (``theory``), not a check.
    Checked (family-wise, no closed form at finite ``n``): the mean gap grows
    with ``m``, each step by more than ``z`` standard errors of the paired
    difference of gaps (the check's value is that step in standard errors).

    Parameters
    ----------
    scale : {"quick", "paper"}, default="quick"
        ``"quick"``: ``d = 20``, ``n`` in (100, 400, 1600), ``p2`` in (0,
        0.1, 0.5), 200 repeats. ``"paper"``: ``d = 100``, ``n`` in (1000,
        4000, 16000), ``p2`` in (0.01, 0.1, 0.5), 400 repeats (the reference
        values 0.1123, 0.1311, 0.3889 at ``n = 1000``). Random projections:
        ``"quick"``: ``d = 80``, ``n = 200``, ``p2 = 0.3``, ``m`` in (10, 25,
        60); ``"paper"``: ``n = 500`` (the paper's random-projection
        figures), ``d = 200``, ``m`` in (25, 50, 100, 200), same ``p2``.

    %(random_state)s

    n_jobs : int, default=None
        Accepted for a uniform signature: the fits are single, not repeats
        of a loop.

    n_features : int, default=None
        ``d``.

    synthetic_shares, n_train : tuple, default=None
        Override the scale's ``p2`` and sizes.

    n_repeats : int, default=None
        Override the scale's.

    projections : array-like of int, default=None
        The random-projection sizes ``m``; override the scale's (each below
        the projection experiment's ``n``).

    theory_shift : float, default=None
        Compute the closed form with this ``c^2`` (to see the checks fail).

    Returns
    -------
    %(result)s
    """
    from sklearn.linear_model import LinearRegression

    from .._random import draw_seed
    from ..datasets import LinearSource
    from ..theory import strong_collapse_error

    quick = scale == "quick"
    d = n_features or (20 if quick else 100)
    shares = tuple(synthetic_shares or ((0.0, 0.1, 0.5) if quick else (0.01, 0.1, 0.5)))
    sizes = tuple(n_train or ((100, 400, 1600) if quick else (1000, 4000, 16000)))
    repeats = n_repeats or (200 if quick else 400)
    run = Recorder("strong-collapse", scale, random_state, n_jobs, repeats)
    rng = np.random.default_rng(random_state)
    w1 = _unit_vector(d, rng)
    real, synthetic = LinearSource(w1), LinearSource(w1 + _unit_vector(d, rng))
    for p2 in shares:
        risks = np.empty((repeats, len(sizes)))
        theory = []
        for j, n in enumerate(sizes):
            n2 = int(round(p2 * n))
            for i in range(repeats):
                X1, y1 = real.sample(n - n2, random_state=draw_seed(rng))
                X2, y2 = synthetic.sample(n2, random_state=draw_seed(rng))
                model = LinearRegression(fit_intercept=False).fit(
                    np.vstack([X1, X2]), np.concatenate([y1, y2])
                )
                risks[i, j] = real.evaluate(model)["excess_risk"]
            shift = 1.0 if theory_shift is None else theory_shift
            theory.append(
                float(
                    strong_collapse_error(
                        1 - n2 / n, n_features=d, n_train=n, shift=shift
                    )
                )
            )
        # the table's "generation" column holds the training size here
        mean, se = run.curve(f"p2={p2:g}", "test_risk", risks, theory, sizes)
        for j, n in enumerate(sizes):
            run.check("mean", f"risk, p2={p2:g}, n={n}", mean[j], se[j], theory[j])
        if p2 == max(shares):
            largest = int(np.argmax(sizes))
            plateau = (
                f"plateau: risk at p2={p2:g}, n={sizes[largest]}",
                mean[largest],
                se[largest],
                p2**2,
            )
    run.check("at_least", *plateau)
    projection = {
        "n_features": 80 if quick else 200,
        "n_train": 200 if quick else 500,
        "synthetic_share": 0.3,
        "sizes": tuple(
            int(m)
            for m in (
                projections
                if projections is not None
                else (10, 25, 60)
                if quick
                else (25, 50, 100, 200)
            )
        ),
    }
    _projection_gaps(run, rng, repeats, **projection)
    params = {
        "n_features": d,
        "synthetic_shares": shares,
        "n_train": sizes,
        "n_repeats": repeats,
        "projection": projection,
        "theory_shift": theory_shift,
    }
    return run.result(params, plotter=_plot_strong)


def _projection_gaps(run, rng, repeats, *, n_features, n_train, synthetic_share, sizes):
    """The collapse gap of random-projection models of every size ``m``: table
    rows and the checks that it grows with ``m`` (see ``strong_collapse``)."""
    from sklearn.linear_model import LinearRegression

    from .._random import draw_seed

    d, n, p2 = n_features, n_train, synthetic_share
    if max(sizes) >= n - 1:
        raise ValueError(
            f"projections={sizes} must stay below the interpolation threshold: "
            f"each m below n - 1 = {n - 1} (n={n} training rows)."
        )
    n2 = int(round(p2 * n))
    w1 = _unit_vector(d, draw_seed(rng))
    shift = _unit_vector(d, draw_seed(rng))  # c^2 = ||w2 - w1||^2 = 1
    gaps = np.empty((repeats, len(sizes)))
    for i in range(repeats):
        draw = np.random.default_rng(draw_seed(rng))
        X = draw.standard_normal((n, d))
        noise = draw.standard_normal(n)
        clean = X @ w1 + noise
        mixed = clean.copy()
        mixed[:n2] += X[:n2] @ shift  # the synthetic rows: labels of w2
        for j, m in enumerate(sizes):
            S = draw.standard_normal((m, d)) / np.sqrt(d)
            Z = X @ S.T
            risks = []
            for y in (mixed, clean):
                v = LinearRegression(fit_intercept=False).fit(Z, y).coef_
                # test risk on real data, isotropic inputs: ||w1 - S'v||^2
                risks.append(float(np.sum((w1 - S.T @ v) ** 2)))
            gaps[i, j] = risks[0] - risks[1]
    mean, se = mean_and_se(gaps)
    first_order = [p2**2 * m / d for m in sizes]
    condition = f"random projections, p2={p2:g}, n={n}, d={d}"
    # the table's "generation" column holds the projection size m here
    run.table.add(condition, sizes, "collapse_gap", mean, se, first_order)
    steps = []
    for j in range(1, len(sizes)):
        step_mean, step_se = mean_and_se(gaps[:, j] - gaps[:, j - 1])
        steps.append((sizes[j - 1], sizes[j], step_mean, step_se))
    z = family_z(len(run.pending) + len(steps))
    for small, large, step_mean, step_se in steps:
        run.check(
            "at_least",
            f"(gap(m={large}) - gap(m={small}))/s.e., projections",
            step_mean / step_se if step_se > 0 else np.inf * np.sign(step_mean),
            0.0,
            z,
        )


def _plot_strong(result, ax):
    from ._base import plot_table

    plot_table(result, ax, quantities=["test_risk"], log=True)
    ax.set_xscale("log")
    ax.set_xlabel("training rows n (real and synthetic)")
    ax.set_ylabel("test risk on real data")
    table = result.table
    rows = table["quantity"] == "collapse_gap"
    if rows.any():
        # the random-projection models, in an inset: the gap against m
        inset = ax.inset_axes([0.62, 0.4, 0.35, 0.28])
        m = table["generation"][rows]
        mean, se = table["mean"][rows], table["standard_error"][rows]
        inset.errorbar(m, mean, yerr=2 * se, fmt="o-", ms=3, color="C3")
        inset.plot(m, table["theory"][rows], "--", color="black", lw=1)
        inset.set_xlabel("projection size m", fontsize="x-small")
        inset.set_ylabel("collapse gap", fontsize="x-small")
        inset.set_title("random projections (dashed: n -> inf)", fontsize="x-small")
        inset.tick_params(labelsize="x-small")
        ax.legend(fontsize="small", loc="lower left")
