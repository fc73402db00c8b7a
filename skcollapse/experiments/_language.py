"""Seddik et al. 2024, empirical part: an n-gram language model on real text,
retrained on the text it writes.

The model is :class:`~skcollapse.generative.NGramLanguageModel` (the count
model of the paper's theory with a context of ``l`` words), the text the
English help topics of the Python documentation that ship with CPython
(:func:`~skcollapse.datasets.load_python_docs_text`), and the unigram law of
the closed-form check the frequencies of the same words in English
(wordfreq).
"""

# Authors: The skcollapse developers
# SPDX-License-Identifier: BSD-3-Clause

import importlib
from numbers import Real

import numpy as np

from .._compat import StrOptions
from .._params import Interval
from ..theory import categorical_collision
from ._base import Recorder, count, family_z, mean_and_se, register
from ._seddik import PAPER_SEDDIK

_WORDFREQ_MISSING = (
    "seddik_language_model(unigram_law='english') reads English word "
    "frequencies from the optional package `wordfreq`. Install it with `pip "
    "install wordfreq` or `pip install skcollapse[data]`, or pass "
    "unigram_law='text' (the unigram law of the Python documentation itself)."
)


def _english_law(vocabulary):
    """English frequency of each word of the vocabulary (0 for ``<unk>``),
    renormalised over the vocabulary."""
    try:
        wordfreq = importlib.import_module("wordfreq")
    except ImportError as exc:
        raise ImportError(_WORDFREQ_MISSING) from exc
    frequency = np.array(
        [wordfreq.word_frequency(word, "en") for word in vocabulary[:-1]] + [0.0]
    )
    return frequency / frequency.sum()


class _WrittenNGrams:
    """``measure`` of collapse_curve: the distinct n-grams of a text of
    ``n_rows`` rows written by every generation's model.

    The draws derive from the experiment's seed and the repeat's own (the
    fitted loop's ``random_state``), through ``keyed_rng``: the
    measurement never touches the loop's streams, and every repeat writes
    its own texts.
    """

    def __init__(self, seed, n_rows):
        self.seed, self.n_rows = seed, n_rows

    def __call__(self, fitted):
        from .._random import draw_seed, keyed_rng

        rng = keyed_rng(self.seed, fitted.random_state)
        values = []
        for model in fitted.estimators_:
            text = model.sample(self.n_rows, random_state=draw_seed(rng))
            codes = model._context_codes(text) * model.vocabulary_size_ + text
            codes = np.sort(codes.ravel())
            values.append(1 + np.count_nonzero(codes[1:] != codes[:-1]))
        return {"distinct_ngrams": np.asarray(values, dtype=float)}


class _UnigramCollision:
    """``measure`` of collapse_curve: ``sum_w p_w^2`` of every generation's
    unigram model (its token frequencies)."""

    def __call__(self, fitted):
        values = []
        for model in fitted.estimators_:
            p = model.token_counts_ / model.token_counts_.sum()
            values.append(float(np.sum(p**2)))
        return {"collision": np.asarray(values)}


def _loop(n_context, alpha, vocabulary_size, share, n_generations):
    """The recursive retrainer of one synthetic share: fully synthetic, or
    the real rows kept with ``share / (1 - share)`` times as many synthetic
    rows (a training set ``share`` synthetic)."""
    from .. import RecursiveDensityRetrainer
    from ..generative import NGramLanguageModel

    if share == 1.0:
        real_fraction, synthetic_size = 0.0, 1.0
    else:
        real_fraction, synthetic_size = 1.0, share / (1.0 - share)
    return RecursiveDensityRetrainer(
        NGramLanguageModel(
            n_context=n_context, alpha=alpha, vocabulary_size=vocabulary_size
        ),
        n_generations=n_generations,
        real_fraction=real_fraction,
        synthetic_size=synthetic_size,
        metrics=[],
    )


def _n_synthetic(share, n_real):
    """Synthetic rows the loop draws (rounded as ``synthetic_size``)."""
    if share == 1.0:
        return n_real
    return max(1, int(np.floor(share / (1.0 - share) * n_real + 0.5)))


def _gap(higher, lower):
    """Mean of the paired differences ``higher - lower`` (the same seed in
    both conditions) in standard errors: a t statistic."""
    mean, se = mean_and_se(np.asarray(higher) - np.asarray(lower))
    if se > 0:
        return float(mean / se), float(mean)
    return (np.inf if mean > 0 else 0.0), float(mean)


def _label(share):
    return f"{100 * share:g}% synthetic"


@register(
    "seddik-language-model",
    PAPER_SEDDIK,
    "An n-gram language model retrained on its own text loses n-grams and"
    " gains held-out perplexity, the more so the larger the synthetic share"
    " (100% > 50% > 20%); its unigram case follows Theorems 1 and 2",
    {"quick": 15, "paper": 900},
    {
        "n_context": count(1),
        "n_words": count(2),
        "sequence_length": count(1),
        "alpha": [Interval(Real, 0, None, closed="neither")],
        "synthetic_shares": [None, "array-like"],
        "n_repeats": count(2),
        "n_generations": count(1),
        "unigram_law": [StrOptions({"english", "text"})],
        "unigram_tokens": count(2),
        "unigram_repeats": count(2),
        "theory_unigram_tokens": count(2),
    },
)
def seddik_language_model(
    scale="quick",
    random_state=0,
    n_jobs=None,
    *,
    n_context=None,
    n_words=None,
    sequence_length=32,
    alpha=1e-3,
    synthetic_shares=None,
    n_repeats=None,
    n_generations=None,
    unigram_law="english",
    unigram_tokens=None,
    unigram_repeats=None,
    theory_unigram_tokens=None,
):
    """Seddik et al.'s empirical part: a language model retrained on its text.

    The text is the English help topics of the Python documentation shipped
    with CPython (:func:`~skcollapse.datasets.load_python_docs_text`: word
    ids over the ``n_words`` most frequent training words plus ``<unk>``,
    one held-out topic in five), cut into rows of ``sequence_length`` words.
    The model is :class:`~skcollapse.generative.NGramLanguageModel` with
    ``n_context`` words of context and smoothing ``alpha`` (so held-out
    perplexity is finite). Generation 0 is fitted on the ``N`` real training
    rows; each later generation on text written by the previous one: all of
    it (100% synthetic), or the ``N`` real rows plus ``share / (1 - share)
    N`` synthetic rows (a training set ``share`` synthetic: 50%, 20%).
    Tracked per generation: the perplexity of the held-out topics and the
    number of distinct n-grams (``n_context + 1`` words) in a text of ``N``
    rows the generation writes (its smoothing included). The n-grams of the
    training text would not do: under partial synthesis it holds every real
    n-gram by construction.

    Checks (family-wise z over all of them). No closed form exists for the
    perplexity of a model with context, so the ordered claims are checked by
    paired t statistics over the repeats (the same seeds in every
    condition), each of which must exceed ``z``: at the last generation,
    fewer distinct n-grams and a higher held-out perplexity under each
    larger synthetic share than under the next smaller one; and under the
    largest share, fewer n-grams and a higher perplexity than at
    generation 0. The unigram case (``n_context=0``, one word per row) is
    Seddik et al.'s setting exactly: with words drawn from a unigram law
    ``p``, the mean collision ``S_g = E sum_w p_w(g)^2`` against Theorem 1
    (100% synthetic) and Theorem 2 (the real words kept) at three
    generations for every share.

    Parameters
    ----------
    scale : {"quick", "paper"}, default="quick"
        ``"quick"``: a bigram model (``n_context=1``) over 500 words, 6
        repeats; the unigram check with 100 words, 40 repeats. ``"paper"``:
        a trigram model (``n_context=2``) over 2,000 words, 50 repeats; the
        unigram check with 100 words, 1,000 repeats. Both run the paper's 10
        generations and its three synthetic shares (100%, 50%, 20%); the
        paper retrains a character-level GPT-2 on tiny Shakespeare (65
        characters), which a laptop cannot repeat.

    %(random_state)s

    %(n_jobs)s

    n_context : int, default=None
        Words of context of the model; overrides the scale's.

    n_words : int, default=None
        Vocabulary size without ``<unk>``; overrides the scale's.

    sequence_length : int, default=32
        Words per row (one sequence).

    alpha : float > 0, default=1e-3
        Additive smoothing of the model.

    synthetic_shares : tuple of float in (0, 1], default=None
        Shares of synthetic text in the training set of generations >= 1;
        default (1.0, 0.5, 0.2).

    n_repeats, n_generations : int, default=None
        Override the scale's repeats and generations.

    unigram_law : {"english", "text"}, default="english"
        The true law ``p`` of the unigram check: the English frequencies of
        the vocabulary's words (wordfreq, the optional extra ``data``;
        ``<unk>`` has probability 0), or the word frequencies of the Python
        documentation's training topics.

    unigram_tokens : int, default=None
        Real words ``N`` of the unigram check; overrides the scale's.

    unigram_repeats : int, default=None
        Repeats of the unigram check; overrides the scale's.

    theory_unigram_tokens : int, default=None
        Compute the closed forms of the unigram check with this ``N``
        instead of the simulated one (to see the checks fail against the
        theory of another setting).

    Returns
    -------
    %(result)s
    """
    from ..datasets import CategoricalSource, load_python_docs_text
    from ..model_selection import collapse_curve

    quick = scale == "quick"
    l_context = n_context or (1 if quick else 2)
    words = n_words or (500 if quick else 2000)
    shares = tuple(
        sorted((float(s) for s in (synthetic_shares or (1.0, 0.5, 0.2))), reverse=True)
    )
    if not shares or any(not 0.0 < s <= 1.0 for s in shares):
        raise ValueError(
            "synthetic_shares must hold shares in (0, 1]; got "
            f"synthetic_shares={synthetic_shares!r}."
        )
    repeats = n_repeats or (6 if quick else 50)
    G = n_generations or 10
    n_unigram = unigram_tokens or 100
    unigram_repeats = unigram_repeats or (40 if quick else 1000)
    run = Recorder("seddik-language-model", scale, random_state, n_jobs, repeats)

    text = load_python_docs_text(words, sequence_length=sequence_length)
    V = len(text.vocabulary)
    L = int(sequence_length)
    generations = np.arange(G + 1)
    perplexity, distinct = {}, {}
    for share in shares:
        result = collapse_curve(
            _loop(l_context, alpha, V, share, G),
            text.train,
            X_test=text.test,
            n_repeats=repeats,
            random_state=random_state,
            n_jobs=n_jobs,
            measure=_WrittenNGrams(random_state, text.train.shape[0]),
        )
        perplexity[share] = np.exp(-np.asarray(result["test_log_likelihood"]) / L)
        distinct[share] = np.asarray(result["distinct_ngrams"])
        run.curve(_label(share), "perplexity", perplexity[share], np.nan, generations)
        run.curve(
            _label(share), "distinct_ngrams", distinct[share], np.nan, generations
        )

    gaps = []  # (name, t statistic, gap): t must exceed the family-wise z
    for higher, lower in zip(shares, shares[1:]):
        pair = f"{100 * higher:g}% vs {100 * lower:g}%"
        t, gap = _gap(distinct[lower][:, G], distinct[higher][:, G])
        gaps.append((f"fewer n-grams, {pair}, g={G} (t)", t, gap))
        t, gap = _gap(perplexity[higher][:, G], perplexity[lower][:, G])
        gaps.append((f"higher perplexity, {pair}, g={G} (t)", t, gap))
    top = shares[0]
    t, gap = _gap(distinct[top][:, 0], distinct[top][:, G])
    gaps.append((f"n-grams lost, {_label(top)}, g=0 to {G} (t)", t, gap))
    t, gap = _gap(perplexity[top][:, G], perplexity[top][:, 0])
    gaps.append((f"perplexity gained, {_label(top)}, g=0 to {G} (t)", t, gap))

    # the unigram case: Seddik et al.'s theorems, exactly
    if unigram_law == "english":
        p = _english_law(text.vocabulary)
    else:
        p = text.counts / text.counts.sum()
    source = CategoricalSource(p)
    n_theory = theory_unigram_tokens or n_unigram
    checked = sorted({1, G // 2, G})
    for share in shares:
        result = collapse_curve(
            _loop(0, alpha, V, share, G).set_params(estimator__alpha=0.0),
            source=source,
            n_samples=n_unigram,
            n_repeats=unigram_repeats,
            random_state=random_state,
            n_jobs=n_jobs,
            measure=_UnigramCollision(),
        )
        if share == 1.0:
            theory = categorical_collision(G, p, n_real=n_theory)
        else:
            theory = categorical_collision(
                G,
                p,
                n_real=n_theory,
                n_synthetic=_n_synthetic(share, n_theory),
                real_fraction=1.0,
            )
        run.curve(
            f"unigram, {_label(share)}",
            "collision",
            result["collision"],
            theory,
            generations,
            checked,
            label="S_g",
        )

    z = family_z(len(run.pending) + len(gaps))
    for name, t, _ in gaps:
        run.check("at_least", name, t, 0.0, z)
    params = {
        "n_context": l_context,
        "n_words": words,
        "vocabulary_size": V,
        "sequence_length": L,
        "n_real_rows": int(text.train.shape[0]),
        "n_held_out_rows": int(text.test.shape[0]),
        "alpha": alpha,
        "synthetic_shares": shares,
        "n_repeats": repeats,
        "n_generations": G,
        "unigram_law": unigram_law,
        "unigram_tokens": n_unigram,
        "unigram_repeats": unigram_repeats,
        "theory_unigram_tokens": theory_unigram_tokens,
        "python_version": text.python_version,
        "gaps": {name: gap for name, _, gap in gaps},
    }
    return run.result(params, plotter=_plot)


def _plot(result, ax):
    """Held-out perplexity per share (left axis), distinct n-grams relative to
    generation 0 (right axis, dashed), and the unigram collision against
    Theorems 1-2 (inset)."""
    from ._base import plot_table

    table = result.table
    conditions = [
        c for c in dict.fromkeys(table["condition"]) if not c.startswith("unigram")
    ]
    right = ax.twinx()
    for condition in conditions:
        rows = table["condition"] == condition
        ppl = rows & (table["quantity"] == "perplexity")
        ngrams = rows & (table["quantity"] == "distinct_ngrams")
        g = table["generation"][ppl]
        mean, se = table["mean"][ppl], table["standard_error"][ppl]
        line = ax.plot(g, mean, marker="o", ms=3, label=condition)[0]
        ax.fill_between(
            g, mean - 2 * se, mean + 2 * se, alpha=0.2, color=line.get_color()
        )
        kept = table["mean"][ngrams] / table["mean"][ngrams][0]
        right.plot(g, kept, "--", color=line.get_color())
    ax.set_xlabel("generation")
    ax.set_ylabel("held-out perplexity (solid)")
    right.set_ylabel("distinct n-grams / generation 0 (dashed)")
    ax.legend(fontsize="small", loc="upper left")
    ax.set_title(result.name)

    inset = ax.inset_axes([0.55, 0.12, 0.4, 0.35])
    plot_table(result, inset, quantities=["collision"])
    inset.set_title("unigram: S_g vs Theorems 1-2", fontsize="x-small")
    inset.set_xlabel("")
    inset.tick_params(labelsize="x-small")
    inset.legend().remove()
