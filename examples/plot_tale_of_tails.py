"""A Tale of Tails: cut and narrowed Zipf data
===========================================

Dohmatob, Feng, Yang, Charton & Kempe ("A Tale of Tails", 2024) explain
model collapse as a change of scaling laws. Tokens follow a Zipf law
``p_i ~ i^-beta``; a *memorising* learner answers correctly exactly the
tokens it has seen, so its test error after ``T`` training tokens drawn from
a distribution ``q`` is the probability mass it never saw:

``E(T) = sum_i p_i (1 - q_i)^T``.

On clean data (``q = p``) the error decays as ``T^-(1 - 1/beta)``. A
generator that cuts the tail (top-k sampling) leaves a plateau, the mass of
the cut tokens; one that narrows it (temperature below 1) slows the decay to
``T^-((beta - 1)/beta')``. And a model retrained on its own samples loses
more of the tail at every generation.

We draw the three regimes with
:class:`~skcollapse.generative.CategoricalDensity` (``top_k``,
``temperature``) on the Zipf law of :func:`~skcollapse.datasets.make_zipf`,
then on real English word frequencies, with the closed forms of
:func:`skcollapse.theory.zipf_error` on top.
"""

# %%
# Generators and memorisers
# -------------------------
# A generator is a ``CategoricalDensity`` fitted on the true token
# probabilities (passed as sample weights over the vocabulary: an infinitely
# large corpus); ``top_k`` and ``temperature`` shape what it emits. The
# memoriser is a plain ``CategoricalDensity`` fitted on ``T`` of the
# generator's samples; its test error is the true probability of the tokens
# it never saw.
import matplotlib.pyplot as plt
import numpy as np
from scipy.optimize import minimize_scalar

from skcollapse import RecursiveDensityRetrainer
from skcollapse.datasets import make_zipf
from skcollapse.generative import CategoricalDensity
from skcollapse.theory import zipf_error


# sphinx_gallery_start_ignore
def _save_dir():
    """``python plot_<name>.py --save DIR`` writes the figures as PNG into DIR."""
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("--save", metavar="DIR", help="write the figures into DIR")
    return parser.parse_known_args()[0].save


SAVE_DIR = _save_dir()
# sphinx_gallery_end_ignore

n_categories, exponent, n_repeats = 100_000, 2.0, 10
sizes = np.logspace(2, 5, 7).astype(int)
_, p = make_zipf(0, n_categories, exponent, return_probabilities=True)
vocabulary = np.arange(n_categories)[:, None]
regimes = {
    "clean": {},
    "tail cut (top_k=100)": {"top_k": 100},
    "narrowed (temperature=2/3)": {"temperature": 2 / 3},
}


def missing_mass(memoriser, p):
    """True probability of the tokens a fitted memoriser never saw."""
    seen = memoriser.categories_[memoriser.probabilities_ > 0]
    return 1.0 - p[seen].sum()


def simulate(generator, p, sizes, n_repeats):
    """Mean and standard error of the memoriser's error for each size T."""
    errors = np.array(
        [
            [
                missing_mass(
                    CategoricalDensity().fit(generator.sample(T, random_state=seed)), p
                )
                for T in sizes
            ]
            for seed in range(n_repeats)
        ]
    )
    return errors.mean(axis=0), errors.std(axis=0, ddof=1) / np.sqrt(n_repeats)


fig, ax = plt.subplots(figsize=(7, 4.5))
simulated = {}
for (name, params), color in zip(regimes.items(), ["C0", "C1", "C2"]):
    generator = CategoricalDensity(**params).fit(vocabulary, sample_weight=p)
    mean, se = simulate(generator, p, sizes, n_repeats)
    ax.errorbar(sizes, mean, yerr=3 * se, fmt="o", color=color, label=name)
    theory = zipf_error(
        0, n_train=sizes, exponent=exponent, n_categories=n_categories, **params
    )[0]
    ax.plot(sizes, theory, "--", color=color)
    simulated[name] = mean, se, theory
tail_beyond_100 = np.sum(p[100:])
ax.axhline(tail_beyond_100, linestyle=":", color="grey", label="mass beyond rank 100")
ax.plot([], [], "--", color="black", label="theory (zipf_error)")
ax.plot([], [], "o", color="black", label="simulation (+/- 3 SE)")
ax.set(
    xscale="log",
    yscale="log",
    xlabel="training tokens T",
    ylabel="test error (missing mass)",
    title=f"Zipf law, beta = {exponent:g}",
)
ax.legend(fontsize="small")

# %%
# The clean error falls as ``T^-1/2`` (``beta = 2``); the tail-cut one
# flattens at the mass beyond rank 100 (dotted line), whatever the amount of
# data; the narrowed one (``beta' = beta / temperature = 3``) falls only as
# ``T^-1/3``.
#
# Generations
# -----------
# :class:`~skcollapse.RecursiveDensityRetrainer` refits the memoriser on
# ``T`` of its own samples, generation after generation: a token that
# missed one sample is gone for good, and the error grows.
# :func:`~skcollapse.theory.zipf_error` approximates the later generations by
# a branching process (each rare token's copies survive ``g`` generations
# with probability about ``2/g``).
T, n_generations = 10_000, 8
fig, ax = plt.subplots(figsize=(7, 4.5))
by_generation = {}
for (name, params), color in zip(list(regimes.items())[:2], ["C0", "C1"]):
    generator = CategoricalDensity(**params).fit(vocabulary, sample_weight=p)
    errors = []
    for seed in range(n_repeats):
        loop = RecursiveDensityRetrainer(
            CategoricalDensity(), n_generations=n_generations, random_state=seed
        ).fit(generator.sample(T, random_state=seed))
        errors.append([missing_mass(model, p) for model in loop.estimators_])
    errors = np.array(errors)
    g = np.arange(n_generations + 1)
    ax.errorbar(
        g,
        errors.mean(axis=0),
        yerr=3 * errors.std(axis=0, ddof=1) / np.sqrt(n_repeats),
        fmt="o",
        color=color,
        label=name,
    )
    theory = zipf_error(
        n_generations,
        n_train=T,
        exponent=exponent,
        n_categories=n_categories,
        **params,
    )
    ax.plot(g, theory, "--", color=color)
    by_generation[name] = errors, theory
ax.plot([], [], "--", color="black", label="theory (branching process)")
ax.set(
    xlabel="generation",
    ylabel="test error (missing mass)",
    title=f"Refitted on its own samples, T = {T}",
)
ax.legend(fontsize="small")

# %%
# Real word frequencies
# ---------------------
# The frequencies of the 20,000 most common English words (from the optional
# package ``wordfreq``) follow Zipf's law with an exponent close to 1. The
# memoriser's error has the same closed form for any distribution, ``sum_i
# p_i (1 - q_i)^T``, computed here from the generator's ``probabilities_``
# (dashed); the dotted line is :func:`~skcollapse.theory.zipf_error` for a
# Zipf law fitted by maximum likelihood (the exponent minimising the
# cross-entropy ``-sum_i p_i log q_i``; a least-squares fit of the log-log
# plot is dominated by the many rare words and overestimates it).
fig, ax = plt.subplots(figsize=(7, 4.5))
try:
    from skcollapse.datasets import load_word_frequencies

    words = load_word_frequencies("en", n_words=20_000)
except ImportError:
    words = None
    ax.text(0.5, 0.5, "install wordfreq\nfor this panel", ha="center", va="center")
    ax.set_axis_off()
else:
    p_words = words.frequencies
    ranks = words.ranks.astype(float)

    def cross_entropy(beta):
        return beta * np.sum(p_words * np.log(ranks)) + np.log(np.sum(ranks**-beta))

    beta_words = minimize_scalar(cross_entropy, bounds=(0.1, 5), method="bounded").x
    tokens = np.arange(len(p_words))[:, None]
    word_regimes = {"clean": {}, "top_k=100": {"top_k": 100}}
    word_simulated = {}
    for (name, params), color in zip(word_regimes.items(), ["C0", "C1"]):
        generator = CategoricalDensity(**params).fit(tokens, sample_weight=p_words)
        mean, se = simulate(generator, p_words, sizes, n_repeats)
        ax.errorbar(sizes, mean, yerr=3 * se, fmt="o", color=color, label=name)
        q = generator.probabilities_
        exact = [np.sum(p_words * (1 - q) ** T) for T in sizes]
        ax.plot(sizes, exact, "--", color=color)
        word_simulated[name] = mean, se, np.array(exact)
    ax.plot([], [], "--", color="black", label="exact, sum p (1 - q)^T")
    fitted = zipf_error(
        0, n_train=sizes, exponent=beta_words, n_categories=len(p_words)
    )[0]
    label = f"Zipf law, beta = {beta_words:.2f}"
    ax.plot(sizes, fitted, ":", color="grey", label=label)
    ax.set(
        xscale="log",
        yscale="log",
        xlabel="training tokens T",
        ylabel="test error (missing mass)",
        title="English word frequencies (wordfreq)",
    )
    ax.set_yticks([0.05, 0.1, 0.2, 0.5], labels=["0.05", "0.1", "0.2", "0.5"])
    ax.minorticks_off()
    ax.legend(fontsize="small")
fig.tight_layout()

# %%
# Real text shows the same two regimes: with top-k sampling the error stops
# improving at the mass of the words beyond rank 100 (half of it!), however
# much synthetic text the learner sees. With ``beta`` close to 1 the clean
# error itself decays slowly: the long tail of language is where a
# memoriser, and a collapsing model, has the most to lose.


# %%
# What the figures show, checked
# ------------------------------
# The script stops with an error when one of these no longer holds (the test
# suite runs every example). The memoriser's expected error is exact for one
# generation, so every simulated point must sit within 3.5 of its standard
# errors from it (ten repeats, many points: 3.5 leaves room for chance; plus
# 0.1%, for the points where every repeat saw the same tokens); the
# tail-cut error must stop at the mass beyond rank 100; the generations must
# follow the branching-process approximation within 10%, the error growing by
# more than half in 8 generations.


def agrees(mean, se, expected):
    """Simulated means within 3.5 standard errors (+ 0.1%) of their expectation."""
    return np.all(np.abs(mean - expected) <= 3.5 * se + 1e-3 * expected)


for name, (mean, se, theory) in simulated.items():
    print(f"{name:28}: worst point {np.max(np.abs(mean - theory) / theory):.1%} off")
    assert agrees(mean, se, theory), f"{name}: {mean} against {theory}"
    assert np.all(mean - 3 * se > 0), f"{name}: an error bar below zero"
plateau = simulated["tail cut (top_k=100)"][0][-1]
assert abs(plateau / tail_beyond_100 - 1) < 0.05, (plateau, tail_beyond_100)
for name, (errors, theory) in by_generation.items():
    relative = errors.mean(axis=0) / theory - 1
    print(f"{name:28}: generations within {np.max(np.abs(relative)):.1%} of theory")
    assert np.all(np.abs(relative) < 0.1), f"{name}: {relative.round(3)}"
    assert errors.mean(axis=0)[-1] > 1.5 * errors.mean(axis=0)[0], name
if words is not None:
    for name, (mean, se, exact) in word_simulated.items():
        assert agrees(mean, se, exact), f"words, {name}: {mean} against {exact}"
    beyond = np.sum(p_words[100:])
    print(f"English words beyond rank 100: {beyond:.3f} of the mass")
    assert abs(word_simulated["top_k=100"][0][-1] / beyond - 1) < 0.05

# sphinx_gallery_start_ignore
if SAVE_DIR is not None:
    from skcollapse.plotting import save_figures

    save_figures(SAVE_DIR, prefix="plot_tale_of_tails")
# sphinx_gallery_end_ignore
plt.show()
