"""Fresh real data every generation: the golden-ratio weight
==========================================================

When every generation draws ``n`` *fresh* real samples and adds ``m``
synthetic samples from the previous generation, model collapse cannot
happen: the real data keep pulling the model back to the truth. The
question becomes how much weight the synthetic data should get. He, Xu &
Cheng (2025) show that the real data's optimal share of the total weight is

``w*(k) = (sqrt(k^2 + 4k) - k) / 2``,  with ``k = n / m``,

the reciprocal of the golden ratio, 0.618, when ``n = m``. Too little weight
on the synthetic data wastes them; too much lets the errors of the previous
generations pile up.

We run this loop with :class:`~skcollapse.RecursiveDensityRetrainer`
(``real_sampling="fresh"`` with a ``real_source``, and a
``synthetic_weight``) on a Gaussian, and compare the long-run error of the
fitted mean with :func:`skcollapse.theory.gaussian_refit`, which gives it
exactly for this estimator, and with :func:`skcollapse.theory.optimal_real_weight`.
"""

# %%
# The loop
# --------
# A 1-D Gaussian ``N(0, 1)`` fitted by :class:`~skcollapse.generative.GaussianDensity`
# on ``n = 10`` fresh real rows (weight 1 each) and ``m`` synthetic rows
# (weight ``s`` each) in every generation, so that the real rows carry the
# share ``w = n / (n + s m)`` of the weight:
# :func:`~skcollapse.theory.optimal_real_weight` with
# ``as_synthetic_weight=True`` gives the ``s`` of a given ``w``. We try
# ``k = n/m`` of 0.5, 1 and 2, five weights each (``w*(k)`` among them),
# and measure the long-run error ``||mu_g - mu||^2`` as its average over
# generations 6 to 30 of every repeat (each repeat draws its own real data
# for generation 0).
import matplotlib.pyplot as plt
import numpy as np

from skcollapse import RecursiveDensityRetrainer
from skcollapse.datasets import GaussianSource
from skcollapse.generative import GaussianDensity
from skcollapse.theory import gaussian_refit, optimal_real_weight


# sphinx_gallery_start_ignore
def _save_dir():
    """``python plot_<name>.py --save DIR`` writes the figures as PNG into DIR."""
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("--save", metavar="DIR", help="write the figures into DIR")
    return parser.parse_known_args()[0].save


SAVE_DIR = _save_dir()
# sphinx_gallery_end_ignore

source = GaussianSource([0.0], [[1.0]])
n_real, n_generations, burn_in, n_repeats = 10, 30, 6, 12
ratios = {0.5: 20, 1.0: 10, 2.0: 5}  # k = n / m: m synthetic rows


def synthetic_weight(w, n_synthetic):
    """The synthetic_weight s giving the real rows the share w of the weight."""
    return n_real * (1 - w) / (w * n_synthetic)


def long_run_error(w, n_synthetic):
    """Per repeat: ||mu_g - mu||^2 averaged over generations burn_in..end."""
    estimator = RecursiveDensityRetrainer(
        GaussianDensity(),
        n_generations=n_generations,
        real_sampling="fresh",
        real_source=source,
        real_fraction=1.0,
        synthetic_size=n_synthetic,
        synthetic_weight=synthetic_weight(w, n_synthetic),
        metrics=[],
    )
    errors = np.empty(n_repeats)
    for repeat in range(n_repeats):
        X = source.sample(n_real, random_state=1000 + repeat)
        estimator.set_params(random_state=repeat).fit(X)
        means = np.array([e.mean_[0] for e in estimator.estimators_[burn_in:]])
        errors[repeat] = np.mean((means - source.mean[0]) ** 2)
    return errors


def theory_error(w, n_synthetic):
    """Expected value of the same time average (gaussian_refit, exact)."""
    moments = gaussian_refit(
        n_generations,
        n_real=n_real,
        n_synthetic=n_synthetic,
        real_fraction=1.0,
        real_sampling="fresh",
        synthetic_weight=synthetic_weight(w, n_synthetic),
    )
    return moments["mean_error"][burn_in:].mean()


simulated, expected = {}, {}
for k, m in ratios.items():
    best = optimal_real_weight(n_real, m)
    for w in (0.3, 0.45, best, 0.8, 0.95):
        simulated[k, w] = long_run_error(w, m)
        expected[k, w] = theory_error(w, m)

# %%
# Error against the weight of real data
# -------------------------------------
# In units of the error of the real data alone (``1/n``: ``w = 1``, the
# dotted line). The points are the simulation (one standard error), the
# lines the exact expectation, the stars the golden-ratio weights ``w*(k)``,
# the crosses the unweighted mix (``synthetic_weight=1``, ``w = n/(n+m)``).
grid = np.linspace(0.2, 0.99, 80)
fig, ax = plt.subplots(figsize=(7, 4.5))
for (k, m), color in zip(ratios.items(), ("C0", "C1", "C2")):
    curve = [theory_error(w, m) * n_real for w in grid]
    ax.plot(grid, curve, color=color, label=f"theory, k = n/m = {k:g}")
    weights = [w for kk, w in simulated if kk == k]
    means = [simulated[k, w].mean() * n_real for w in weights]
    errors = [
        simulated[k, w].std(ddof=1) / np.sqrt(n_repeats) * n_real for w in weights
    ]
    ax.errorbar(weights, means, errors, fmt="o", color=color, capsize=3)
    best = optimal_real_weight(n_real, m)
    ax.plot(best, theory_error(best, m) * n_real, "*", ms=14, color=color)
    plain = n_real / (n_real + m)
    ax.plot(plain, theory_error(plain, m) * n_real, "x", ms=9, mew=2, color=color)
ax.axhline(1.0, ls=":", color="gray", label="real data alone (w = 1)")
ax.plot([], [], "ko", label="simulation (mean +- 1 SE)")
ax.plot([], [], "k*", ms=12, ls="", label="golden-ratio weight w*(k)")
ax.plot([], [], "kx", ms=9, mew=2, ls="", label="unweighted mix (s = 1)")
ax.set_xlabel("share w of the weight on fresh real data")
ax.set_ylabel("long-run error n ||mu_g - mu||^2")
ax.set_ylim(0, 2.6)
ax.legend(fontsize=8)
fig.tight_layout()

# %%
# What the figure shows, checked
# ------------------------------
# Every simulated point agrees with the exact expectation (within 4.5
# standard errors: 15 points, each standard error estimated from 12
# repeats); summed over the three ``k``, the simulated error at ``w*`` is
# below that at ``w = 0.3`` and at ``w = 0.95``; and the exact long-run
# error is minimised within 0.03 of ``w*(k)`` (the covariance is estimated
# too, which moves the optimum by ``O(1/m)``), where it is close to ``w*``
# itself, the error of ``n / w*`` real rows.
for (k, w), errors in simulated.items():
    se = errors.std(ddof=1) / np.sqrt(n_repeats)
    z = (errors.mean() - expected[k, w]) / se
    print(
        f"k={k:g} w={w:.3f}: simulated {errors.mean() * n_real:.3f}, theory "
        f"{expected[k, w] * n_real:.3f} ({z:+.1f} SE)"
    )
    assert abs(z) < 4.5, f"k={k}, w={w}: {z:+.1f} SE from the theory"
at_best = sum(
    simulated[k, optimal_real_weight(n_real, m)].mean() for k, m in ratios.items()
)
for w in (0.3, 0.95):
    assert at_best < sum(simulated[k, w].mean() for k in ratios), f"w*={w}"
for k, m in ratios.items():
    limit = [
        gaussian_refit(
            200,
            n_real=n_real,
            n_synthetic=m,
            real_fraction=1.0,
            real_sampling="fresh",
            synthetic_weight=synthetic_weight(w, m),
        )["mean_error"][-1]
        * n_real
        for w in grid
    ]
    found = grid[int(np.argmin(limit))]
    best = optimal_real_weight(n_real, m)
    print(f"k={k:g}: w*={best:.3f}, argmin of the exact long-run error {found:.3f}")
    assert abs(found - best) < 0.03, (k, found, best)
    assert abs(min(limit) - best) < 0.1 * best, (k, min(limit), best)

# %%
# Fresh real data alone would give an error of ``1/n``; mixing in as many
# synthetic rows with the golden-ratio weight brings it to about ``0.62/n``,
# as if every generation had 1.6 times as many real rows. The unweighted
# mix (crosses) is always worse, the more so the more synthetic rows there
# are: with ``m = 2n`` it errs by about 0.6/n against 0.5/n at ``w*``.

# sphinx_gallery_start_ignore
if SAVE_DIR is not None:
    from skcollapse.plotting import save_figures

    save_figures(SAVE_DIR, prefix="plot_golden_ratio_fresh_data")
# sphinx_gallery_end_ignore
plt.show()
