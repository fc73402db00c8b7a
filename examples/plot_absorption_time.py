"""Running until absorption: Seddik's collapse time and its bounds
===============================================================

A categorical distribution refitted, generation after generation, on ``n``
tokens drawn from the previous generation (the statistical language model
of Seddik et al., 2024, for one context) loses a token whenever no draw
picks it, and never gets it back. The chain is absorbed in a Dirac mass: a
model that emits one token only. Seddik et al. bound the probability
``rho_g`` that generation ``g`` has collapsed and the expected time of
collapse ``E[tau]``.

With ``stop_on_collapse=True`` and ``collapse_threshold=0``,
:class:`~skcollapse.RecursiveDensityRetrainer` runs every repeat exactly
until the Dirac mass (``n_generations`` is then only a cap), and
:func:`~skcollapse.model_selection.collapse_curve` reports the generation of
absorption of each repeat. We compare its distribution with the bounds of
:func:`skcollapse.theory.categorical_collapse_bounds` and with the exact
law of the chain, small enough here to compute.
"""

# %%
# The experiment
# --------------
# Three tokens of probabilities 0.5, 0.3 and 0.2, ``n = 12`` tokens per
# generation, 600 repeats, each drawing its own real tokens from a
# :class:`~skcollapse.datasets.CategoricalSource` (the unconditional Monte
# Carlo of the theory).
import itertools

import matplotlib.pyplot as plt
import numpy as np
from scipy.stats import multinomial

from skcollapse import RecursiveDensityRetrainer
from skcollapse.datasets import CategoricalSource
from skcollapse.generative import CategoricalDensity
from skcollapse.model_selection import collapse_curve
from skcollapse.theory import categorical_collapse_bounds


# sphinx_gallery_start_ignore
def _save_dir():
    """``python plot_<name>.py --save DIR`` writes the figures as PNG into DIR."""
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("--save", metavar="DIR", help="write the figures into DIR")
    return parser.parse_known_args()[0].save


SAVE_DIR = _save_dir()
# sphinx_gallery_end_ignore

probabilities = np.array([0.5, 0.3, 0.2])
n_tokens, n_repeats, cap = 12, 600, 150
source = CategoricalSource(probabilities)
estimator = RecursiveDensityRetrainer(
    CategoricalDensity(),
    n_generations=cap,
    stop_on_collapse=True,
    collapse_threshold=0.0,
    metrics=["entropy"],
)
result = collapse_curve(
    estimator, source=source, n_samples=n_tokens, n_repeats=n_repeats, random_state=0
)
tau = result["collapse_generation"]
assert np.all(result["termination_condition"] == "collapsed"), "a repeat hit the cap"

# %%
# The exact law of the chain
# --------------------------
# The counts of the three tokens are a Markov chain on the 91 ways of
# splitting 12 tokens in three (a Wright-Fisher chain); a state with one
# non-zero count is absorbing. Generation 0's counts are multinomial with
# the true probabilities, each later generation's multinomial with the
# previous counts over ``n``.
states = [
    c for c in itertools.product(range(n_tokens + 1), repeat=3) if sum(c) == n_tokens
]
states = np.array(states)
transition = np.array([multinomial.pmf(states, n_tokens, c / n_tokens) for c in states])
absorbed = (states > 0).sum(axis=1) == 1
law = multinomial.pmf(states, n_tokens, probabilities)
exact_rho = []
for _ in range(cap + 1):
    exact_rho.append(law[absorbed].sum())
    law = law @ transition
exact_rho = np.array(exact_rho)
exact_mean = np.sum(1 - exact_rho)  # E[tau] = sum_g P(tau > g)
bounds = categorical_collapse_bounds(cap, probabilities, n_real=n_tokens)

# %%
# When does the chain collapse?
# -----------------------------
# Left: the distribution of the generation of absorption over the repeats,
# the exact law, and Seddik's bounds on its mean. Right: the share of
# repeats collapsed by each generation (a 95% binomial band), the exact
# ``rho_g`` and the bounds of Theorem 1.
generations = np.arange(cap + 1)
shown = 60
fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
left.hist(
    tau,
    bins=np.arange(shown + 1) - 0.5,
    density=True,
    color="C0",
    alpha=0.5,
    label="simulation",
)
left.plot(
    generations[:shown], np.diff(exact_rho, prepend=0)[:shown], "k-", label="exact law"
)
lower, upper = bounds["absorption_time_lower"], bounds["absorption_time_upper"]
left.axvline(tau.mean(), color="C0", label=f"simulated mean {tau.mean():.1f}")
left.axvline(exact_mean, color="k", ls="--", label=f"exact E[tau] {exact_mean:.2f}")
left.axvspan(
    lower,
    min(upper, shown),
    color="C3",
    alpha=0.08,
    label=f"bounds on E[tau]: [{float(lower):.1f}, {float(upper):.0f}]",
)
left.set_xlim(-0.5, shown)
left.set_xlabel("generation of absorption tau")
left.set_ylabel("probability")
left.legend(fontsize=8)

collapsed = (tau[:, None] <= generations).mean(axis=0)
half_width = 1.96 * np.sqrt(np.maximum(collapsed * (1 - collapsed), 1e-12) / n_repeats)
right.plot(generations, collapsed, color="C0", label="simulation")
right.fill_between(
    generations,
    np.clip(collapsed - half_width, 0, 1),
    np.clip(collapsed + half_width, 0, 1),
    color="C0",
    alpha=0.2,
    label="95% binomial band",
)
right.plot(generations, exact_rho, "k--", label="exact rho_g")
right.plot(
    generations,
    bounds["collapse_probability_lower"],
    color="C3",
    ls=":",
    label="Seddik's bounds",
)
right.plot(generations, bounds["collapse_probability_upper"], color="C3", ls=":")
right.set_xlim(0, shown)
right.set_xlabel("generation g")
right.set_ylabel("P(collapsed by generation g)")
right.legend(fontsize=8, loc="lower right")
fig.tight_layout()

# %%
# What the figure shows, checked
# ------------------------------
# The simulated mean time is within 3 standard errors of the exact
# ``E[tau]``, which lies inside Seddik's bounds; the simulated share
# collapsed by generations 5, 10, 20 and 40 is within 3.5 binomial
# standard errors of the exact ``rho_g`` (four comparisons together); the
# exact ``rho_g`` lies between the bounds at every generation.
se = tau.std(ddof=1) / np.sqrt(n_repeats)
print(
    f"E[tau]: simulated {tau.mean():.2f} +- {se:.2f}, exact {exact_mean:.3f}, "
    f"bounds [{float(lower):.2f}, {float(upper):.1f}]"
)
assert abs(tau.mean() - exact_mean) < 3 * se
assert lower <= exact_mean <= upper
for g in (5, 10, 20, 40):
    sd = np.sqrt(exact_rho[g] * (1 - exact_rho[g]) / n_repeats)
    print(f"rho_{g}: simulated {collapsed[g]:.3f}, exact {exact_rho[g]:.3f}")
    assert abs(collapsed[g] - exact_rho[g]) < 3.5 * sd, g
assert np.all(bounds["collapse_probability_lower"] <= exact_rho + 1e-12)
assert np.all(exact_rho <= bounds["collapse_probability_upper"] + 1e-12)

# %%
# The bounds are loose (the upper one is 6 times the exact mean here), but
# they hold for every distribution and every ``n``: without fresh real data
# a categorical model collapses, after about ``n (1 - S_0)`` to ``n^2 (1 -
# S_0)`` generations. Proposition 1 says where: on token ``i`` with
# probability ``p_i``.

# sphinx_gallery_start_ignore
if SAVE_DIR is not None:
    from skcollapse.plotting import save_figures

    save_figures(SAVE_DIR, prefix="plot_absorption_time")
# sphinx_gallery_end_ignore
plt.show()
