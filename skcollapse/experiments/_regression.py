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
    " sigma^2 d/(T-d-1) + n sigma0^2 d/(T0-d-1); a ridge fit on the chain's"
    " labels follows the paper's ridge formula; the adaptive penalty lam*(n)"
    " ends below the best fixed (clean-data) penalty, in the paper's setting"
    " and with AdaptiveRegularization in every generation; over-parameterised"
    " and noise-free, min-norm fits forget: 1 - (T0/d)^(n+1)",
    {"quick": 30, "paper": 950},
    {
        "n_features": count(1),
        "n_samples": count(4),
        "n_ridge_samples": count(2),
        "ridge": [None, Interval(Real, 0, None, closed="neither")],
        "fixed_penalty": [None, Interval(Real, 0, None, closed="neither")],
        "n_repeats": count(2),
        "n_generations": count(2),
        "theory_n_samples": count(3),
        "theory_synthetic_ridge": [None, Interval(Real, 0, None, closed="left")],
        "theory_n_synthetic": count(3),
    },
)
def demystified_regression(
    scale="quick",
    random_state=0,
    n_jobs=None,
    *,
    n_features=None,
    n_samples=None,
    n_ridge_samples=None,
    ridge=None,
    fixed_penalty=None,
    n_repeats=None,
    n_generations=None,
    theory_n_samples=None,
    theory_synthetic_ridge=None,
    theory_n_synthetic=None,
):
    """Dohmatob, Feng and Kempe's chain of regressions on fresh inputs.

    Inputs ``x ~ N(0, I_d)``, ``||w*|| = 1``, every noise ``N(0, 1)``
    (``sigma = sigma0 = 1``). Five conditions, the paper's ``n`` being the
    table's generation ``g``:

    - **OLS**: ``T`` real rows ``y = x'w* + noise`` (a
      :class:`~skcollapse.datasets.LinearSource`), every generation fitted by
      OLS on ``T`` fresh Gaussian inputs (``inputs`` a callable) labelled by
      the previous generation plus noise. This is the paper's synthetic
      chain (``T0 = T`` rows per fit): its model after ``n`` fits is
      ``estimators_[n - 1]``.
    - **Ridge final fit** (the paper's ridge setting): at each ``n``, a
      ridge fit ``Ridge(alpha=T_r lam, fit_intercept=False)`` on ``T_r``
      fresh Gaussian rows labelled by the chain's ``n``-th model (``w*``
      itself at ``n = 0``) plus noise; its excess risk ``||w_ridge -
      w*||^2``. It is a ``measure`` of the OLS run's
      :func:`~skcollapse.model_selection.collapse_curve` (so the chain is the
      OLS condition's), with its own draws from a generator keyed by the
      experiment's seed and the repeat's ``random_state``: reproducible,
      independent across repeats, and never touching the loop's streams.
      The closed form is :func:`skcollapse.theory.linear_regression_error`
      with ``design="fresh", ridge=lam, synthetic_ridge=0, n_synthetic=T``:
      the chain is OLS, as in the paper; that is why the condition is a
      final fit on the chain's labels rather than ``Ridge`` in every
      generation, whose risk is a different formula
      (``synthetic_ridge=None``, lower from ``n = 1`` on;
      ``theory_synthetic_ridge`` compares with it).
    - **Adaptive** and **fixed** final fits, on the same rows and labels as
      the ridge final fit (common random numbers: their difference is
      paired): the adaptive penalty ``lam*(n)``, exact argmin of the
      closed-form risk for known ``sigma``, ``sigma0`` and ``||w*||``
      (:func:`skcollapse.theory.optimal_ridge_penalty`), against the *best
      fixed penalty*, defined as ``lam*(0)``: the penalty optimal on clean
      data, the one cross-validation on real data picks, kept for every
      generation (``fixed_penalty`` overrides it).
    - **Every generation ridge** (the mitigation users get): the OLS
      condition's loop with ``Ridge`` as base estimator, once with
      :class:`~skcollapse.regularization.AdaptiveRegularization` (known
      noise and ``||w*||``) and once with the fixed penalty optimal at
      generation 0 for ``T`` rows, same seeds (same real data). The shrunk
      models that label the data make the rule over-penalise the first
      generations: the adaptive loop is *worse* than the fixed one at
      generations 1 to 4 and better from 5 on (the Notes of
      ``AdaptiveRegularization``; at both scales), so the claim holds only
      from ``n_generations = 5``. Its closed form: the recursion of
      ``linear_regression_error`` with each generation's own penalty (the
      recorded ``param_alpha``).
    - **Min-norm**: ``2 d`` features, ``T / 4`` rows, no noise: each
      generation is the minimum-norm interpolator (``LinearRegression`` on
      fewer rows than features) of the previous one's labels.

    Checks (family-wise ``z``): the mean excess risk at four generations
    (``1``, ``G // 4``, ``G // 2``, ``G``: the paper's ``n = 5, 10, 20`` at
    paper scale) of every condition against its closed form;
    and twice the claim "adaptive below fixed at the last generation": the
    paired difference fixed minus adaptive at ``g = G``, in standard errors,
    above ``z``.

    Parameters
    ----------
    scale : {"quick", "paper"}, default="quick"
        ``"quick"``: OLS ``d = 10``, ``T = 40``; ridge final fits on ``T_r =
        25`` rows with ``lam = 0.1``; min-norm ``d = 20``, ``T = 10``; 8
        generations, 200 repeats. ``"paper"``: the paper's sizes, ``d = 50``,
        ``T0 = T = 200`` (OLS, and every generation ridge) and ``T_r = 100``
        rows for the final ridge fits, ``lam = 0.1`` (the setting of the
        paper's reference values below), min-norm ``d = 100``, ``T0 = 50``;
        20 generations, 2,000 repeats (their Monte Carlo). Reference values:
        OLS 0.3356, 0.6711, 2.0134, 3.6913 at ``n = 0, 1, 5, 10``; ridge
        1.8415 at ``n = 5``; ``lam*(n)`` 0.50, 0.77, 2.34, 4.78, 9.77 at ``n
        = 0, 1, 5, 10, 20`` with risks 0.416, 0.526, 0.748, 0.845, 0.913
        (``T_r = 100``, ``T0 = 200``).

    %(random_state)s

    %(n_jobs)s

    n_features, n_samples : int, default=None
        The OLS condition's ``d`` and ``T`` (the min-norm one uses ``2 d``
        features and ``T / 4`` rows).

    n_ridge_samples : int, default=None
        Rows ``T_r`` of the ridge final fits.

    ridge : float, default=None
        ``lam`` of the ridge final fit (paper's convention, ``alpha = T_r
        lam``); None: 0.1.

    fixed_penalty : float, default=None
        The fixed penalty of the final fit compared with the adaptive one;
        None: ``lam*(0)``. A penalty optimal for a later generation (for
        example ``lam*(G)``) is a setting where the claim does not hold.

    n_repeats, n_generations : int, default=None
        Override the scale's.

    theory_n_samples : int, default=None
        Compute the OLS closed form with this ``T`` (to see the checks fail).

    theory_synthetic_ridge : float, default=None
        Compute the ridge final fit's closed form as if every fit of the
        chain were a ridge of this penalty (``synthetic_ridge``; None: 0, the
        paper's OLS chain), to see the checks fail.

    theory_n_synthetic : int, default=None
        Compute the closed forms of the adaptive and fixed penalties (both
        settings) with this many rows per synthetic fit (to see the checks
        fail).

    Returns
    -------
    %(result)s
    """
    from sklearn.linear_model import LinearRegression, Ridge

    from .. import RecursiveRetrainer
    from ..datasets import LinearSource
    from ..regularization import AdaptiveRegularization
    from ..theory import optimal_ridge_penalty

    quick = scale == "quick"
    d = n_features or (10 if quick else 50)
    T = n_samples or (40 if quick else 200)
    T_r = n_ridge_samples or (25 if quick else 100)
    lam = 0.1 if ridge is None else float(ridge)
    G = n_generations or (8 if quick else 20)
    repeats = n_repeats or (200 if quick else 2000)
    if T < d + 2:
        raise ValueError(
            f"n_samples must be >= n_features + 2 = {d + 2} (the OLS chain), "
            f"got n_samples={T}."
        )
    run = Recorder("demystified-regression", scale, random_state, n_jobs, repeats)
    checked = sorted({1, G // 4, G // 2, G})
    T0_theory = theory_n_synthetic or T

    # the paper's setting: an OLS chain, a ridge final fit at every n
    adaptive, adaptive_theory = optimal_ridge_penalty(
        G, n_features=d, n_real=T_r, n_synthetic=T, return_error=True
    )
    if theory_n_synthetic is not None:
        adaptive_theory = _final_ridge_error(adaptive, d, T_r, T0_theory)
    fixed = float(adaptive[0]) if fixed_penalty is None else float(fixed_penalty)
    penalties = {
        "ridge": np.full(G + 1, lam),
        "adaptive": adaptive,
        "fixed": np.full(G + 1, fixed),
    }
    conditions = {"OLS": (d, T, 1.0), "min-norm": (2 * d, max(T // 4, 2), 0.0)}
    final = {}
    for name, (n_feat, n_rows, noise) in conditions.items():
        estimator = RecursiveRetrainer(
            LinearRegression(fit_intercept=False),
            n_generations=G,
            inputs=GaussianInputs(n_feat),
            label_noise=noise,
            metrics=["score_real"],
        )
        coef = _unit_vector(n_feat, random_state)
        source = LinearSource(coef, noise=noise)
        measure = None
        if name == "OLS":
            measure = _FinalRidge(random_state, coef, T_r, 1.0, penalties)
        result = run.curves(estimator, source, n_rows, measure=measure)
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
            checked,
            label="excess risk",
        )
        if name == "OLS":
            final = {key: np.asarray(result[f"final_{key}"]) for key in penalties}
            generations = result["generation"]

    labels = {
        "ridge": f"ridge final fit, lam={lam:g}",
        "adaptive": "adaptive final fit, lam*(n)",
        "fixed": f"fixed final fit, lam={fixed:.3g}",
    }
    synthetic_ridge = theory_synthetic_ridge or 0.0
    theories = {
        "ridge": linear_regression_error(
            G,
            n_features=d,
            n_real=T_r,
            n_synthetic=T,
            design="fresh",
            ridge=lam,
            synthetic_ridge=synthetic_ridge,
        ),
        "adaptive": adaptive_theory,
        "fixed": linear_regression_error(
            G,
            n_features=d,
            n_real=T_r,
            n_synthetic=T0_theory,
            design="fresh",
            ridge=fixed,
            synthetic_ridge=0.0,
        ),
    }
    for key, label in labels.items():
        run.curve(
            label,
            "excess_risk",
            final[key],
            theories[key],
            generations,
            checked,
            label="risk",
        )
    gaps = [("final fit", final["fixed"][:, G] - final["adaptive"][:, G])]

    # the package's mitigation: Ridge in every generation
    coef = _unit_vector(d, random_state)
    source = LinearSource(coef, noise=1.0)
    fixed_every = float(optimal_ridge_penalty(0, n_features=d, n_real=T)[0])
    every = {}
    loops = {
        "adaptive": (
            "every generation, AdaptiveRegularization",
            {"regularization": AdaptiveRegularization(noise=1.0, coef_norm=1.0)},
        ),
        "fixed": (
            f"every generation, fixed lam={fixed_every:.3g}",
            {"estimator__alpha": T * fixed_every},
        ),
    }
    for key, (label, settings) in loops.items():
        estimator = RecursiveRetrainer(
            Ridge(fit_intercept=False),
            n_generations=G,
            inputs=GaussianInputs(d),
            label_noise=1.0,
            metrics=["score_real"],
        ).set_params(**settings)
        result = run.curves(estimator, source, T)
        every[key] = np.asarray(result["truth_excess_risk"])
        if key == "adaptive":  # known noise and ||w*||: the same in every repeat
            alphas = np.nanmean(np.asarray(result["param_alpha"], float), axis=0)
        else:
            alphas = np.full(G + 1, T * fixed_every)
        rows = np.r_[T, np.full(G, T0_theory)]
        theory = _ridge_chain_error(alphas, rows, d)
        run.curve(
            label,
            "excess_risk",
            every[key],
            theory,
            result["generation"],
            checked,
            label="risk",
        )
    gaps.append(("every generation", every["fixed"][:, G] - every["adaptive"][:, G]))

    # adaptive below fixed at the last generation, paired, above z s.e.
    z = family_z(len(run.pending) + len(gaps))
    for where, gap in gaps:
        m, se = mean_and_se(gap)
        t = m / se if se > 0 else (np.inf * np.sign(m) if m else 0.0)
        run.check("at_least", f"(fixed - adaptive)/s.e., {where}, g={G}", t, 0.0, z)
    params = {
        "conditions": {k: list(v) for k, v in conditions.items()},
        "n_ridge_samples": T_r,
        "ridge": lam,
        "adaptive_penalty": adaptive,
        "fixed_penalty": fixed,
        "every_generation_fixed_penalty": fixed_every,
        "n_generations": G,
        "n_repeats": repeats,
        "theory_n_samples": theory_n_samples,
        "theory_synthetic_ridge": theory_synthetic_ridge,
        "theory_n_synthetic": theory_n_synthetic,
    }
    return run.result(params, plotter=_plot_demystified)


class _FinalRidge:
    """``measure`` of collapse_curve: Dohmatob et al.'s ridge final fits.

    At each generation ``n``, ``T_r`` fresh Gaussian rows labelled by the
    chain's ``n``-th model (``coef``, the truth, at ``n = 0``; then
    ``estimators_[n - 1]``) plus ``N(0, noise^2)``, fitted by ridge with each
    named penalty sequence, all on the same rows and labels; returns
    ``final_<name>``, the excess risks ``||w_ridge - coef||^2`` (isotropic
    inputs). The fit is ``Ridge(alpha=T_r lam_n, fit_intercept=False)``'s
    solution ``(X'X + alpha I)^-1 X'y``, computed from one
    eigendecomposition of ``X'X`` per generation for every penalty (a
    scikit-learn ``Ridge`` costs about 3 ms a fit, most of it validation:
    the paper scale would spend minutes there). The draws derive from the
    experiment's seed and the repeat's own (``keyed_rng``), outside the
    loop's streams: reproducible, and independent across repeats.
    """

    def __init__(self, seed, coef, n_rows, noise, penalties):
        self.seed, self.coef, self.n_rows, self.noise = seed, coef, n_rows, noise
        self.penalties = {k: np.asarray(v, dtype=float) for k, v in penalties.items()}

    def __call__(self, fitted):
        from .._random import keyed_rng

        rng = keyed_rng(self.seed, fitted.random_state)
        coef = np.asarray(self.coef, dtype=float)
        n_values = len(fitted.estimators_)
        labelling = [coef] + [model.coef_ for model in fitted.estimators_[:-1]]
        out = {f"final_{k}": np.empty(n_values) for k in self.penalties}
        for g, w in enumerate(labelling):
            X = rng.standard_normal((self.n_rows, coef.size))
            y = X @ np.ravel(w) + self.noise * rng.standard_normal(self.n_rows)
            s, V = np.linalg.eigh(X.T @ X)
            projected = V.T @ (X.T @ y)
            target = V.T @ coef
            for key, lams in self.penalties.items():
                alpha = self.n_rows * lams[g]
                error = projected / (s + alpha) - target
                out[f"final_{key}"][g] = float(error @ error)
        return out


def _final_ridge_error(penalties, n_features, n_rows, n_synthetic):
    """Risk of the final fit of generation ``g`` with penalty ``penalties[g]``
    on an OLS chain of ``n_synthetic`` rows per fit (closed form)."""
    return np.array(
        [
            linear_regression_error(
                g,
                n_features=n_features,
                n_real=n_rows,
                n_synthetic=n_synthetic,
                design="fresh",
                ridge=float(lam),
                synthetic_ridge=0.0,
            )[-1]
            for g, lam in enumerate(penalties)
        ]
    )


def _ridge_chain_error(alphas, n_rows, n_features, noise=1.0, coef_norm=1.0):
    """Expected ``||w_g - w*||^2`` of ridge fits in every generation, each
    with its own penalty.

    Generation ``g`` is ``Ridge(alpha=alphas[g])`` on ``n_rows[g]`` fresh
    isotropic Gaussian rows labelled by generation ``g - 1`` (``w*`` for
    ``g = 0``) plus ``N(0, noise^2)``. The recursion of
    :func:`skcollapse.theory.linear_regression_error` (``design="fresh"``,
    Notes), with each generation's own spectral moments: ``b_g = m1_g
    b_{g-1}``, ``a_g = m2_g a_{g-1} + noise^2 m3_g`` from ``a = b =
    ||w*||^2``, ``error_g = ||w*||^2 - 2 b_g + a_g``. A constant penalty
    gives ``linear_regression_error(..., ridge=alpha/T)``.
    """
    from ..theory._linear import _ridge_moments

    w2 = float(coef_norm) ** 2
    b = a = w2
    error = np.empty(len(alphas))
    for g, (alpha, rows) in enumerate(zip(alphas, n_rows)):
        m1, m2, m3 = _ridge_moments(int(rows), n_features, float(alpha), None, 0)
        b, a = m1 * b, m2 * a + noise**2 * m3
        error[g] = w2 - 2 * b + a
    return error


def _plot_demystified(result, ax):
    """Every condition's mean excess risk +- 2 s.e. (log scale), its closed
    form dashed; the every-generation ridge loops dotted."""
    table = result.table
    rows = table["quantity"] == "excess_risk"
    for condition in dict.fromkeys(table["condition"][rows]):
        mine = rows & (table["condition"] == condition)
        g, mean = table["generation"][mine], table["mean"][mine]
        se = table["standard_error"][mine]
        style = ":" if condition.startswith("every generation") else "-"
        line = ax.plot(g, mean, style, marker="o", ms=3, label=condition)[0]
        ax.fill_between(
            g, mean - 2 * se, mean + 2 * se, alpha=0.2, color=line.get_color()
        )
        ax.plot(g, table["theory"][mine], "--", color="black", lw=0.8)
    ax.plot([], [], "--", color="black", lw=0.8, label="closed forms")
    ax.set_yscale("log")
    low, high = ax.get_ylim()
    ax.set_ylim(low, high * 4)  # room for the legend
    ax.set_title(result.name)
    ax.set_xlabel("generation n (synthetic fits behind the model)")
    ax.set_ylabel("excess risk ||w_n - w*||^2")
    ax.legend(fontsize="x-small", ncol=2, loc="upper left", framealpha=0.8)


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
