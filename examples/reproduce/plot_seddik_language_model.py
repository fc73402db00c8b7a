"""Seddik et al.: a language model retrained on the text it writes
===================================================================

Seddik et al. (COLM 2024) retrain a language model on its own generated
text, with the training set of every later generation 100%, 50% or 20%
synthetic, and watch it degrade the more, the larger the synthetic share; in
their theory, a count model with one context collapses to a Dirac mass when
fully synthetic (Theorem 1) and stays near its real fit when the real data
is kept (Theorem 2). :func:`skcollapse.experiments.seddik_language_model`
runs the same loop on real English text shipped with every Python, the help
topics of the Python documentation
(:func:`~skcollapse.datasets.load_python_docs_text`), with a word-level
:class:`~skcollapse.generative.NGramLanguageModel` inside
:class:`~skcollapse.RecursiveDensityRetrainer`: held-out perplexity and the
distinct n-grams of the text each generation writes, per synthetic share,
and the unigram case against the two theorems with English word frequencies
(wordfreq) as the true law.
"""

# %%
# Run at quick scale (a bigram model over 500 words, the paper's 10
# generations, 6 repeats; the unigram check with 40 repeats) and print the
# checks: the ordered claims as paired t statistics that must exceed the
# family-wise z, the unigram collision against the closed forms.
from skcollapse.experiments import seddik_language_model

result = seddik_language_model(scale="quick", random_state=0)
print("\n".join(result.format_checks()))

# %%
# Held-out perplexity per synthetic share (solid, two standard errors
# shaded), distinct n-grams relative to generation 0 (dashed, right axis),
# and, inset, the unigram collision with Theorems 1-2 dashed.
result.plot()
assert result.passed, result
