"""Least squares on its own labels: replace against accumulate
===========================================================

A linear model is refitted, generation after generation, on labels produced
by the previous generation plus fresh noise. When every generation *replaces*
the data with its own (``data="replace"``), the errors of the successive fits
add up and the test error grows linearly with the generation (Dohmatob, Feng
& Kempe, 2024; Gerstgrasser et al., 2024). When the synthetic data
*accumulate* beside the real data (``data="accumulate"``), each new batch
weighs less and less in an ever larger training set, and the error stays
bounded (Gerstgrasser et al., 2024).

We simulate both regimes with :class:`~skcollapse.RecursiveRetrainer` and
draw the closed forms of :func:`skcollapse.theory.linear_regression_error`
on top, in the two settings of the theory: every generation relabels the
same real inputs (fixed design), or draws new Gaussian inputs (fresh design).
"""

# %%
# The experiment
# --------------
# Ordinary least squares without intercept on ``T = 50`` Gaussian rows in
# ``d = 10`` dimensions, label noise ``sigma = 1`` in the real data and in
# every synthetic generation (``label_noise=1.0``: the synthetic labels are
# the previous model's predictions plus Gaussian noise of that known scale).
# The test error is the excess risk ``||w_g - w0||^2`` (isotropic inputs:
# the mean squared error on new data minus the noise floor).
#
# The theory averages over the real data too, so every repeat draws its own
# real data set and true coefficients.
import functools

import matplotlib.pyplot as plt
import numpy as np
from sklearn.base import clone
from sklearn.linear_model import LinearRegression

from skcollapse import RecursiveRetrainer
from skcollapse.plotting import CollapseCurveDisplay
from skcollapse.theory import linear_regression_error


# sphinx_gallery_start_ignore
def _save_dir():
    """``python plot_<name>.py --save DIR`` writes the figures as PNG into DIR."""
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("--save", metavar="DIR", help="write the figures into DIR")
    return parser.parse_known_args()[0].save


SAVE_DIR = _save_dir()
# sphinx_gallery_end_ignore

n_samples, n_features, noise, n_generations, n_repeats = 50, 10, 1.0, 15, 100


def gaussian_inputs(n, random_state, n_features):
    """Fresh Gaussian inputs for every synthetic generation."""
    return np.random.default_rng(random_state).standard_normal((n, n_features))


def excess_risk(estimator, n_repeats, seed=0):
    """||w_g - w0||^2 of every generation, one row per repeat."""
    rng = np.random.default_rng(seed)
    risks = np.empty((n_repeats, estimator.n_generations + 1))
    for repeat in range(n_repeats):
        X = rng.standard_normal((n_samples, n_features))
        coef = rng.standard_normal(n_features)
        y = X @ coef + noise * rng.standard_normal(n_samples)
        fitted = clone(estimator).set_params(random_state=repeat).fit(X, y)
        risks[repeat] = [np.sum((e.coef_ - coef) ** 2) for e in fitted.estimators_]
    return risks


designs = {
    "fixed": "reuse",
    "fresh": functools.partial(gaussian_inputs, n_features=n_features),
}
results, theory = {}, {}
for design, inputs in designs.items():
    for data in ("replace", "accumulate"):
        estimator = RecursiveRetrainer(
            LinearRegression(fit_intercept=False),
            n_generations=n_generations,
            data=data,
            inputs=inputs,
            label_noise=noise,
        )
        results[design, data] = {"excess_risk": excess_risk(estimator, n_repeats)}
        theory[design, data] = linear_regression_error(
            n_generations,
            n_features=n_features,
            n_real=n_samples,
            noise=noise,
            data=data,
            design=design,
        )

# %%
# Simulation and theory
# ---------------------
# The lines are the Monte Carlo means over the repeats, the bands one
# standard error around them (``band="sem"``, the scale on which the theory
# must agree), the dashed lines the closed forms. Under ``"replace"`` each
# generation adds ``sigma^2 d/(T - d - 1) = 0.26`` to the risk; under
# ``"accumulate"`` the risk converges, in the fixed design to ``pi^2/6``
# times that of generation 0.
fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
for ax, design in zip(axes, designs):
    labels = ["replace", "accumulate"]
    CollapseCurveDisplay.from_trajectories(
        {data: results[design, data] for data in labels},
        key="excess_risk",
        ax=ax,
        band="sem",
        theory={data: theory[design, data] for data in labels},
        ylabel="excess risk ||w_g - w0||^2",
    )
    ax.set_title(f"{design} design")
fig.tight_layout()

# %%
# How close?
# ----------
# At the last generation, in standard errors of the Monte Carlo mean. The
# script checks what the figure shows: each of the four means within 3.2
# standard errors of its closed form (3.2: the four comparisons together are
# wrong by chance less than 1% of the time), and the bands, which must stay
# above zero like the excess risk itself. It stops with an error when one
# check fails (the test suite runs every example).
for (design, data), result in results.items():
    risks = result["excess_risk"][:, -1]
    mean, se = risks.mean(), risks.std(ddof=1) / np.sqrt(n_repeats)
    expected = theory[design, data][-1]
    z = (mean - expected) / se
    print(
        f"{design:5} {data:10}: simulated {mean:.3f} +- {se:.3f}, theory "
        f"{expected:.3f} ({z:+.1f} SE)"
    )
    assert abs(z) < 3.2, f"{design} design, {data}: {z:+.1f} SE from the theory"
    assert mean - se > 0, "a band of the excess risk below zero"
growth = {
    design: results[design, "replace"]["excess_risk"].mean(axis=0) for design in designs
}
step = noise**2 * n_features / (n_samples - n_features - 1)  # 0.256
for design, curve in growth.items():
    slope = np.polyfit(np.arange(n_generations + 1), curve, 1)[0]
    print(f"{design:5} replace: {slope:.3f} per generation (theory {step:.3f})")
    assert abs(slope - step) < 0.05, f"{design} replace: slope {slope:.3f}"

# %%
# Accumulating is not free: the training set grows by ``T`` rows every
# generation, and the risk still rises a little above generation 0's. But it
# does not grow without bound, which is the point of Gerstgrasser et al.:
# model collapse is a consequence of *discarding* the real data.

# sphinx_gallery_start_ignore
if SAVE_DIR is not None:
    from skcollapse.plotting import save_figures

    save_figures(SAVE_DIR, prefix="plot_ols_replace_vs_accumulate")
# sphinx_gallery_end_ignore
plt.show()
