"""NGramLanguageModel, load_python_docs_text and the seddik-language-model
experiment."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.utils.estimator_checks import check_sample_weight_equivalence_on_dense_data

from skcollapse import RecursiveDensityRetrainer
from skcollapse.datasets import load_python_docs_text
from skcollapse.generative import CategoricalDensity, NGramLanguageModel
from skcollapse.utils._testing import assert_mc_agrees


# --------------------------------------------------------------------------
# NGramLanguageModel
# --------------------------------------------------------------------------
def _markov_rows(n_rows, length, transition, start, random_state):
    """Rows of a Markov chain on tokens 0..K-1 (first token from ``start``)."""
    rng = np.random.RandomState(random_state)
    K = len(start)
    X = np.zeros((n_rows, length), dtype=np.int64)
    X[:, 0] = rng.choice(K, size=n_rows, p=start)
    for t in range(1, length):
        u = rng.random_sample(n_rows)[:, None]
        X[:, t] = (u > np.cumsum(transition[X[:, t - 1]], axis=1)).sum(axis=1)
    return np.minimum(X, K - 1)


def test_bigram_counts_and_probabilities_by_hand():
    X = np.array([[0, 1, 2, 1], [0, 1, 1, 2], [2, 2, 0, 1]])
    model = NGramLanguageModel(n_context=1, alpha=0.5).fit(X)
    assert model.vocabulary_size_ == 3 and model.n_features_in_ == 4
    # n-grams with the start symbol -1 sort after every token
    expected = {(-1, 0): 2, (-1, 2): 1, (0, 1): 3, (1, 1): 1, (1, 2): 2}
    expected.update({(2, 1): 1, (2, 2): 1, (2, 0): 1})
    got = {tuple(g): c for g, c in zip(model.ngrams_.tolist(), model.ngram_counts_)}
    assert got == expected
    np.testing.assert_array_equal(model.token_counts_, [3, 5, 4])
    # p(w | c) = (n(c, w) + alpha) / (n(c) + alpha V), summed over one row
    p = {
        (-1, 0): (2 + 0.5) / (3 + 1.5),
        (0, 1): (3 + 0.5) / (3 + 1.5),
        (1, 1): (1 + 0.5) / (3 + 1.5),
        (1, 2): (2 + 0.5) / (3 + 1.5),
        (2, 1): (1 + 0.5) / (3 + 1.5),
    }
    row = np.log(p[(-1, 0)] * p[(0, 1)] * p[(1, 2)] * p[(2, 1)])
    other = np.log(p[(-1, 0)] * p[(0, 1)] * p[(1, 1)] * p[(1, 2)])
    np.testing.assert_allclose(model.score_samples(X[:2]), [row, other])
    # score is per token: exp(-score) is the perplexity
    assert model.score(X[:2]) == pytest.approx((row + other) / 8)


def test_unseen_context_falls_back_to_the_unigram_law():
    # token 3 is only ever last in a row: its context is never seen
    X = np.array([[0, 1, 3], [1, 0, 3], [0, 0, 1]])
    model = NGramLanguageModel(n_context=1, vocabulary_size=4).fit(X)
    n = model.token_counts_
    # a row 0, 3, 1: p(0 | start) p(3 | 0) p(1 | 3) with p(1 | 3) the unigram
    p_start = 2 / 3
    p_3_after_0 = 1 / 4  # after 0: 1, 3, 0, 1 -> 3 once in four
    p_unigram = n[1] / n.sum()
    expected = np.log(p_start * p_3_after_0 * p_unigram)
    assert model.score_samples([[0, 3, 1]])[0] == pytest.approx(expected)


def test_zero_smoothing_gives_minus_inf_and_out_of_vocabulary_too():
    X = np.array([[0, 1, 0, 1], [1, 0, 1, 0]])
    model = NGramLanguageModel(n_context=1).fit(X)
    assert np.isneginf(model.score_samples([[0, 0, 1, 0]]))[0]
    smoothed = NGramLanguageModel(n_context=1, alpha=0.1, vocabulary_size=3).fit(X)
    assert np.isfinite(smoothed.score_samples([[0, 2, 1, 0]]))[0]
    assert np.isneginf(smoothed.score_samples([[0, 7, 1, 0]]))[0]


def test_samples_follow_the_model_statistically():
    """Bigram frequencies of the generated text match the model's
    conditionals (family-wise over the transitions)."""
    transition = np.array([[0.1, 0.6, 0.3], [0.5, 0.2, 0.3], [0.25, 0.25, 0.5]])
    start = np.array([0.2, 0.5, 0.3])
    X = _markov_rows(300, 7, transition, start, random_state=0)
    model = NGramLanguageModel(n_context=1, alpha=0.3).fit(X)
    S = model.sample(4000, random_state=1)
    assert S.shape == (4000, 7) and S.dtype == np.int64
    V = 3
    counts = np.zeros((V, V))
    for (a, b), c in zip(model.ngrams_.tolist(), model.ngram_counts_):
        if a >= 0:
            counts[a, b] = c
    probabilities = (counts + 0.3) / (counts.sum(axis=1, keepdims=True) + 0.3 * V)
    # one indicator per transition after token a: given the past, each is an
    # independent draw from p(. | a) (the Markov property), so their mean is
    # the conditional probability with the binomial standard error
    previous, following = S[:, :-1].ravel(), S[:, 1:].ravel()
    for a in range(V):
        after = following[previous == a]
        indicators = after[:, None] == np.arange(V)
        assert_mc_agrees(
            indicators.astype(float), probabilities[a], family_wise="bonferroni"
        )
    # and the first tokens follow the start-symbol context
    start_counts = _start_counts(model, V)
    expected = (start_counts + 0.3) / (start_counts.sum() + 0.3 * V)
    assert_mc_agrees(
        (S[:, [0]] == np.arange(V)).astype(float), expected, family_wise="bonferroni"
    )


def _start_counts(model, V):
    counts = np.zeros(V)
    for (a, b), c in zip(model.ngrams_.tolist(), model.ngram_counts_):
        if a == -1:
            counts[b] = c
    return counts


def test_unigram_model_is_categorical_density():
    rng = np.random.RandomState(3)
    X = rng.choice(7, size=(41, 1), p=[0.3, 0.2, 0.1, 0.1, 0.1, 0.1, 0.1])
    ngram = NGramLanguageModel(n_context=0, vocabulary_size=7).fit(X)
    categorical = CategoricalDensity(categories=np.arange(7)).fit(X)
    tokens = np.arange(7).reshape(-1, 1)
    np.testing.assert_allclose(
        ngram.score_samples(tokens), categorical.score_samples(tokens)
    )


def test_sample_weight_is_repetition_on_integer_tokens():
    """The control of the expected failure of
    check_sample_weight_equivalence_on_dense_data (it fits float data)."""
    rng = np.random.RandomState(0)
    X = rng.randint(4, size=(13, 5))
    weights = rng.randint(0, 3, size=13)
    weighted = NGramLanguageModel(n_context=2, alpha=0.2).fit(X, sample_weight=weights)
    repeated = NGramLanguageModel(n_context=2, alpha=0.2).fit(np.repeat(X, weights, 0))
    np.testing.assert_array_equal(weighted.ngrams_, repeated.ngrams_)
    np.testing.assert_allclose(weighted.ngram_counts_, repeated.ngram_counts_)
    np.testing.assert_allclose(weighted.score_samples(X), repeated.score_samples(X))
    # and the scikit-learn check itself fails on the float data only
    with pytest.raises(ValueError, match="expects integer tokens"):
        check_sample_weight_equivalence_on_dense_data(
            "NGramLanguageModel", NGramLanguageModel()
        )


@pytest.mark.parametrize(
    "X, params, message",
    [
        ([[0, -1, 2]], {}, "Negative values in data"),
        ([[0, 1.5, 2]], {}, "integer tokens"),
        ([["a", "b"]], {}, "got strings"),
        ([[0, 5, 2]], {"vocabulary_size": 4}, "outside the vocabulary"),
        ([[0, 1, 2]], {"n_context": 30, "vocabulary_size": 100}, "2\\*\\*62"),
    ],
)
def test_bad_tokens_are_refused_with_clear_messages(X, params, message):
    with pytest.raises(ValueError, match=message):
        NGramLanguageModel(**params).fit(X)


def test_does_not_modify_its_input_and_clones():
    X = np.array([[0, 1, 2], [2, 1, 0]])
    before = X.copy()
    model = NGramLanguageModel(n_context=2, alpha=0.1)
    clone(model).fit(X).sample(3, random_state=0)
    np.testing.assert_array_equal(X, before)
    assert model.get_params() == {"n_context": 2, "alpha": 0.1, "vocabulary_size": None}


def test_collapses_as_the_base_of_the_density_loop():
    """Fully synthetic retraining only loses n-grams (alpha=0 writes no new
    bigram but at a row's end), and the loop runs it as a generic sampler."""
    transition = np.array([[0.1, 0.6, 0.3], [0.5, 0.2, 0.3], [0.25, 0.25, 0.5]])
    X = _markov_rows(20, 5, transition, np.array([0.2, 0.5, 0.3]), random_state=2)
    loop = RecursiveDensityRetrainer(
        NGramLanguageModel(n_context=1, vocabulary_size=3),
        n_generations=25,
        random_state=0,
    ).fit(X)
    assert loop.termination_condition_ == "max_generations"
    distinct = [len(m.ngrams_) for m in loop.estimators_]
    assert distinct[-1] < distinct[0]
    assert loop.sample(4, random_state=0).shape == (4, 5)


# --------------------------------------------------------------------------
# load_python_docs_text
# --------------------------------------------------------------------------
def test_text_loader_is_deterministic_and_split_by_topic():
    first = load_python_docs_text(n_words=200)
    second = load_python_docs_text(n_words=200)
    np.testing.assert_array_equal(first.train, second.train)
    np.testing.assert_array_equal(first.test, second.test)
    assert len(first.vocabulary) == 201 and first.vocabulary[-1] == "<unk>"
    assert first.unknown == 200
    assert not set(first.train_topics) & set(first.test_topics)
    n_topics = len(first.train_topics) + len(first.test_topics)
    # one topic in five held out, evenly (the counts depend on the version)
    assert len(first.test_topics) == n_topics // 5
    # the vocabulary is the most frequent training words, in order
    assert np.all(np.diff(first.counts[:-1]) <= 0)
    np.testing.assert_array_equal(first.counts, np.bincount(first.train, minlength=201))
    assert first.train.min() >= 0 and first.test.max() <= first.unknown


def test_text_loader_rows_and_vocabulary_size():
    data = load_python_docs_text(n_words=50, sequence_length=13)
    streams = load_python_docs_text(n_words=50)
    assert data.train.shape[1] == 13 and data.test.shape[1] == 13
    assert data.train.shape[0] == len(streams.train) // 13
    np.testing.assert_array_equal(data.train.ravel(), streams.train[: data.train.size])
    # held-out text has words never seen in training: the unknown token
    assert np.any(data.test == data.unknown)
    # a larger vocabulary leaves fewer unknown words
    large = load_python_docs_text(n_words=2000)
    assert np.mean(large.train == large.unknown) < np.mean(
        streams.train == streams.unknown
    )


def test_text_loader_validates_its_parameters():
    with pytest.raises(ValueError, match="test_fraction"):
        load_python_docs_text(test_fraction=1.0)
    with pytest.raises(ValueError, match="n_words"):
        load_python_docs_text(n_words=0)


# --------------------------------------------------------------------------
# the experiment
# --------------------------------------------------------------------------
def test_english_law_over_the_vocabulary():
    pytest.importorskip("wordfreq")
    from skcollapse.experiments._language import _english_law

    data = load_python_docs_text(n_words=100)
    p = _english_law(data.vocabulary)
    assert p.shape == (101,) and p[-1] == 0 and p.sum() == pytest.approx(1)
    # "the" is the most frequent word of both English and the documentation
    assert data.vocabulary[np.argmax(p)] == "the" == data.vocabulary[0]


def test_missing_wordfreq_names_the_extra(monkeypatch):
    import importlib

    from skcollapse.experiments import _language

    real = importlib.import_module

    def fake(name, *args):
        if name == "wordfreq":
            raise ImportError("no wordfreq")
        return real(name, *args)

    monkeypatch.setattr(_language.importlib, "import_module", fake)
    with pytest.raises(ImportError, match=r"skcollapse\[data\].*unigram_law='text'"):
        _language._english_law(np.array(["the", "<unk>"], dtype=object))


def test_experiment_refuses_bad_shares():
    from skcollapse.experiments import seddik_language_model

    with pytest.raises(ValueError, match="synthetic_shares"):
        seddik_language_model(synthetic_shares=(1.5,))


@pytest.mark.slow
def test_ordering_checks_fail_between_equal_shares():
    """The ordered claims are not met by noise: between two synthetic shares
    that differ by one row in 1,893 (the same expectations, different draws)
    each gap check must fail, while the unigram checks still pass."""
    from skcollapse.experiments import seddik_language_model

    result = seddik_language_model(
        synthetic_shares=(0.5, 0.4999),
        n_words=100,
        n_repeats=4,
        n_generations=3,
        unigram_repeats=20,
        unigram_law="text",
    )
    gaps = [c for c in result.checks if "(t)" in c.name and "vs" in c.name]
    assert gaps and not any(c.passed for c in gaps)
    assert all(c.passed for c in result.checks if c.name.startswith("S_g"))
