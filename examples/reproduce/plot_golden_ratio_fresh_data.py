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

:func:`skcollapse.experiments.golden_ratio_fresh_data` runs this loop for
least squares with :class:`~skcollapse.RecursiveRetrainer`
(``real_sampling="fresh"`` with a ``real_source``, a ``synthetic_weight``,
fresh Gaussian inputs for the synthetic rows) at ``w*(k)`` and at ``w* +-
0.2`` for ``k`` = 0.5, 1 and 2, and compares the long-run excess risk with
the exact recursion of :func:`skcollapse.theory.linear_fresh_data_error`;
:func:`skcollapse.theory.optimal_real_weight` gives ``w*`` (and, with
``as_synthetic_weight=True``, the meta-estimators' ``synthetic_weight``).
"""

# %%
# Run at quick scale (``d = 5``, ``n = 42``, 8 generations averaged from
# generation 3, 40 repeats) and print the checks: every long-run error
# against the exact recursion, and the minimum at ``w*`` (each neighbour's
# paired excess over ``w*``, in standard errors, above the family-wise ``z``).
import matplotlib.pyplot as plt
import numpy as np

from skcollapse.experiments import golden_ratio_fresh_data
from skcollapse.theory import optimal_real_weight


# sphinx_gallery_start_ignore
def _save_dir():
    """``python plot_<name>.py --save DIR`` writes the figures as PNG into DIR."""
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("--save", metavar="DIR", help="write the figures into DIR")
    return parser.parse_known_args()[0].save


SAVE_DIR = _save_dir()
# sphinx_gallery_end_ignore

result = golden_ratio_fresh_data(scale="quick", random_state=0)
print("\n".join(result.format_checks()))

# %%
# Error against the weight of real data
# -------------------------------------
# In units of ``d / n`` (the large-sample error of ``n`` real rows): the
# points are the simulation (two standard errors), the lines the exact
# long-run error, the dotted lines ``w*(k)``.
ax = result.plot()
ax.figure.set_size_inches(7, 4.5)
assert result.passed, result

# %%
# Generation by generation
# ------------------------
# The excess risk of every generation at ``k = 1``: generation 0 is OLS on
# the real rows alone, ``d / (n - d - 1)``; the fresh real rows then bring
# it down to the long-run level within a few generations, lowest at ``w*``.
table = result.table
fig, ax = plt.subplots(figsize=(7, 4.5))
at_k1 = [
    c
    for c in dict.fromkeys(table["condition"][table["quantity"] == "excess_risk"])
    if c.startswith("k=1,")
]
for condition, color in zip(at_k1, ["C0", "C1", "C2"]):
    chosen = (table["quantity"] == "excess_risk") & (table["condition"] == condition)
    g = table["generation"][chosen]
    mean, se = table["mean"][chosen], table["standard_error"][chosen]
    ax.errorbar(g, mean, yerr=2 * se, fmt="o", color=color, label=condition)
    ax.plot(g, table["theory"][chosen], "--", color=color)
ax.plot([], [], "--", color="black", label="exact (linear_fresh_data_error)")
ax.set(xlabel="generation", ylabel="excess risk", title="k = n/m = 1")
ax.legend(fontsize="small")

# %%
# What the figures show, checked
# ------------------------------
# Beyond the experiment's checks (asserted above): the exact long-run error,
# on a grid of weights 0.06 apart, is lowest at the grid point next to
# ``w*(k)`` for every ``k`` (at these sizes the exact optimum sits within
# 0.02 of ``w*``: ``w*`` is optimal to first order in ``d / n``); with the
# golden-ratio weight the loop beats the real data alone (generation 0,
# ``d/(n - d - 1)``) by more than 3 standard errors; and the rule of thumb
# ``((1-w)^2 + w^2)/(w(2-w)) d/(n-d-1)`` overestimates the exact long-run
# error at ``k = 1``.
n, d = result.params["n_real"], result.params["n_features"]
for k in result.params["ratios"]:
    best = optimal_real_weight(n, max(1, round(n / k)))
    prefix = f"k={k:g},"
    grid = (table["quantity"] == "long_run_error_theory") & np.array(
        [c.startswith(prefix) for c in table["condition"]]
    )
    weights = np.array([float(c.split("w=")[1]) for c in table["condition"][grid]])
    found = weights[np.argmin(table["theory"][grid])]
    print(f"k={k:g}: w*={best:.3f}, argmin of the exact long-run error {found:.3f}")
    assert abs(found - best) <= 0.06 / 2 + 0.02, (k, found, best)
    chosen = (table["quantity"] == "long_run_error") & (
        table["condition"] == f"k={k:g}, w={best:.4f}"
    )
    mean, se = table["mean"][chosen][0], table["standard_error"][chosen][0]
    assert mean + 3 * se < d / (n - d - 1), (k, mean, se)
for condition in at_k1:
    chosen = table["condition"] == condition
    exact = table["theory"][chosen & (table["quantity"] == "long_run_error")][0]
    rule = table["theory"][chosen & (table["quantity"] == "heuristic_error")][0]
    print(f"{condition}: exact {exact:.4f}, rule of thumb {rule:.4f}")
    assert rule > exact, (condition, rule, exact)

# %%
# Fresh real data alone would give an error of about ``d/n``; mixing in as
# many synthetic rows with the golden-ratio weight brings it to about ``0.62
# d/n`` in the large-sample limit, as if every generation had 1.6 times as
# many real rows (at ``n = 42`` rows for ``d = 5`` the exact level is about
# 10% higher). The optimal weight moves with ``k``: 0.5 with twice as many
# synthetic rows as real ones, 0.73 with half as many.

# sphinx_gallery_start_ignore
if SAVE_DIR is not None:
    from skcollapse.plotting import save_figures

    save_figures(SAVE_DIR, prefix="plot_golden_ratio_fresh_data")
# sphinx_gallery_end_ignore
plt.show()
