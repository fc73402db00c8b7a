"""Data sets of the model-collapse literature: Zipf tokens, word frequencies, the
text of the Python documentation, the two-class Gaussian mixture, and data
sources that know their true distribution."""

# Authors: The skcollapse developers
# SPDX-License-Identifier: BSD-3-Clause

import importlib
import importlib.metadata
from numbers import Integral, Real

import numpy as np
from sklearn.utils import Bunch, check_random_state

from ._compat import StrOptions, validate_params
from ._docstrings import Substitution, references
from ._params import RANDOM_STATE, Interval
from ._sources import (
    CategoricalSource,
    GaussianClassificationSource,
    GaussianMixtureSource,
    GaussianSource,
    LinearSource,
)

__all__ = [
    "CategoricalSource",
    "GaussianClassificationSource",
    "GaussianMixtureSource",
    "GaussianSource",
    "LinearSource",
    "load_python_docs_text",
    "load_word_frequencies",
    "make_gaussian_mixture",
    "make_zipf",
]


def _zipf_probabilities(n_categories, exponent):
    """Zipf probabilities ``p_i = i**-exponent / sum_j j**-exponent``, i = 1..K.

    Public route: ``make_zipf(0, n_categories, exponent,
    return_probabilities=True)[1]``.

    Parameters
    ----------
    n_categories : int
        Number of categories K.

    exponent : float
        Zipf exponent (0 gives the uniform distribution).

    Returns
    -------
    probabilities : ndarray of shape (n_categories,)
        ``probabilities[k]`` is the probability of rank ``k + 1``.
    """
    weights = np.arange(1, n_categories + 1, dtype=np.float64) ** -float(exponent)
    return weights / weights.sum()


@validate_params(
    {
        "n_samples": [Interval(Integral, 0, None, closed="left")],
        "n_categories": [Interval(Integral, 1, None, closed="left")],
        "exponent": [Interval(Real, 0, None, closed="left")],
        "random_state": RANDOM_STATE,
        "return_probabilities": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
@Substitution(references=references("dohmatob2024tails"))
def make_zipf(
    n_samples,
    n_categories,
    exponent,
    *,
    random_state=None,
    return_probabilities=False,
):
    """Draw integer tokens from a finite Zipf (power-law) distribution.

    Token ``k`` (0-based, ``k = 0 .. n_categories - 1``) has rank ``k + 1`` and
    probability ``p_k ∝ (k + 1) ** -exponent``, so token 0 is the most
    frequent and ``probabilities[X[:, 0]]`` gives each sample's probability.
    This is the data of Dohmatob et al.'s "A Tale of Tails", where model
    collapse shows as a loss of the tail of the distribution.

    Parameters
    ----------
    n_samples : int
        Number of tokens to draw (0 gives an empty column).

    n_categories : int
        Vocabulary size K; the tokens are ``0, 1, ..., K - 1``.

    exponent : float
        Zipf exponent beta >= 0: larger values give a thinner tail; 0 gives
        the uniform distribution. The theory assumes beta > 1 (so that the
        infinite-vocabulary distribution exists), but any beta >= 0 is valid
        on a finite vocabulary.

    random_state : int, RandomState instance or None, default=None
        Seed or generator of the draw. Pass an int for reproducible output.

    return_probabilities : bool, default=False
        Also return the true probabilities of the tokens.

    Returns
    -------
    X : ndarray of shape (n_samples, 1), dtype=int64
        The tokens, one per row: the input of
        :class:`~skcollapse.generative.CategoricalDensity`.

    probabilities : ndarray of shape (n_categories,)
        ``probabilities[k]`` is the probability of token ``k``. Only returned
        when ``return_probabilities=True``.

    See Also
    --------
    load_word_frequencies : Real word frequencies, close to Zipf with
        exponent about 1.
    skcollapse.generative.CategoricalDensity : Estimate the distribution of
        the tokens.

    Notes
    -----
    .. math::

        p_k = \\frac{(k + 1)^{-\\beta}}{\\sum_{j=1}^{K} j^{-\\beta}}, \\qquad
        k = 0, \\dots, K - 1.

    %(references)s

    Examples
    --------
    >>> from skcollapse.datasets import make_zipf
    >>> X, p = make_zipf(5, 4, 2.0, random_state=0, return_probabilities=True)
    >>> X.ravel()
    array([0, 1, 0, 0, 0])
    >>> p
    array([0.7024, 0.1756, 0.0780, 0.0439])
    """
    rng = check_random_state(random_state)
    probabilities = _zipf_probabilities(n_categories, exponent)
    X = rng.choice(n_categories, size=n_samples, p=probabilities)
    X = X.astype(np.int64).reshape(-1, 1)
    if return_probabilities:
        return X, probabilities
    return X


@validate_params(
    {
        "n_samples": [Interval(Integral, 1, None, closed="left")],
        "n_features": [Interval(Integral, 1, None, closed="left")],
        "separation": [Interval(Real, 0, None, closed="left")],
        "random_state": RANDOM_STATE,
    },
    prefer_skip_nested_validation=True,
)
@Substitution(references=references("feng2024"))
def make_gaussian_mixture(n_samples, n_features, separation, *, random_state=None):
    """Two-class Gaussian mixture of the verification theory of Feng et al.

    Each label ``y`` is -1 or +1 with probability 1/2 (independently), and
    ``x | y ~ N(y * mu, I)`` with ``mu = (separation / sqrt(n_features)) *
    ones(n_features)``, so that ``||mu|| = separation``. The Bayes classifier
    is ``sign(mu' x)`` and its accuracy is ``Phi(separation)`` (``Phi`` the
    standard normal distribution function).

    Parameters
    ----------
    n_samples : int
        Number of samples.

    n_features : int
        Dimension d.

    separation : float
        Distance ``||mu||`` of each class mean from the origin (half the
        distance between the two means), >= 0. 0 makes the classes
        indistinguishable.

    random_state : int, RandomState instance or None, default=None
        Seed or generator of the draw. Pass an int for reproducible output.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features), dtype=float64
        The samples.

    y : ndarray of shape (n_samples,), dtype=int64
        The class labels, -1 or +1 (the signs of the class means).

    See Also
    --------
    sklearn.datasets.make_classification : Generic classification data.

    Notes
    -----
    The Bayes accuracy is :math:`\\Phi(\\|\\mu\\|)`. If a generator assigns
    wrong labels with probability :math:`p_{\\text{eff}} < 1/2` (after
    verification), the accuracy of the mean-difference classifier trained on
    its labels still tends to :math:`\\Phi(\\|\\mu\\|)` as the sample size
    grows, and to :math:`1 - \\Phi(\\|\\mu\\|)` when :math:`p_{\\text{eff}} >
    1/2` (Feng et al.).

    %(references)s

    Examples
    --------
    >>> import numpy as np
    >>> from skcollapse.datasets import make_gaussian_mixture
    >>> X, y = make_gaussian_mixture(1000, 2, 1.0, random_state=0)
    >>> X.shape, np.unique(y)
    ((1000, 2), array([-1,  1]))

    The Bayes classifier ``sign(mu' x) = sign(sum(x))`` reaches about
    ``Phi(1) = 0.84``:

    >>> float(np.mean(np.sign(X.sum(axis=1)) == y))
    0.8...
    """
    rng = check_random_state(random_state)
    y = np.where(rng.uniform(size=n_samples) < 0.5, -1, 1).astype(np.int64)
    mean = np.full(n_features, separation / np.sqrt(n_features))
    X = y[:, np.newaxis] * mean + rng.standard_normal((n_samples, n_features))
    return X, y


def _version(package):
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover
        return "unknown version"


_WORDFREQ_MISSING = (
    "load_word_frequencies requires the optional package `wordfreq`. Install it "
    "with `pip install wordfreq` or `pip install skcollapse[data]`."
)


@validate_params(
    {
        "lang": [str],
        "n_words": [Interval(Integral, 1, None, closed="left"), None],
        "wordlist": [StrOptions({"best", "large", "small"})],
        "ascii_only": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
@Substitution(references=references("speer2022", "dohmatob2024tails"))
def load_word_frequencies(
    lang="en", n_words=1000, *, wordlist="best", ascii_only=False
):
    """Load the frequencies of the most common words of a language.

    Real Zipf-like data for the tail-cutting experiments of "A Tale of Tails":
    the ``n_words`` most frequent words of ``lang`` and their frequencies,
    renormalised to sum to 1 over those words. The data comes from the
    optional package `wordfreq <https://pypi.org/project/wordfreq/>`_, which
    ships its word lists inside the package: no network access is needed.

    Parameters
    ----------
    lang : str, default="en"
        Language code known to wordfreq ("en", "fr", "de", "es", "zh", ...).

    n_words : int or None, default=1000
        Number of most frequent words to return. None returns the whole word
        list; so does a number larger than the list.

    wordlist : {"best", "large", "small"}, default="best"
        The wordfreq word list: "large" and "best" (the largest available)
        hold up to a few hundred thousand words, "small" tens of thousands.

    ascii_only : bool, default=False
        Keep only words made of ASCII characters.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with the attributes:

        words : ndarray of shape (n_words,), dtype=object
            The words, most frequent first.
        frequencies : ndarray of shape (n_words,)
            Frequencies renormalised to sum to 1 over ``words``
            (non-increasing).
        raw_frequencies : ndarray of shape (n_words,)
            wordfreq's frequencies: the share of all word occurrences in the
            language (summing to less than 1).
        ranks : ndarray of shape (n_words,), dtype=int64
            1-based ranks, ``1 .. n_words`` (token ``k`` of a Zipf model
            has rank ``k + 1``).
        lang, wordlist : str
            The language and word list used.
        DESCR : str
            Description of the data.

    Raises
    ------
    ImportError
        If wordfreq is not installed.
    ValueError
        If wordfreq has no word list for ``lang``.

    See Also
    --------
    make_zipf : Synthetic Zipf tokens with a chosen exponent.

    Notes
    -----
    wordfreq stores frequencies rounded to a logarithmic grid, so words
    further down the list share equal frequencies. The frequencies of a
    large word list decay roughly as ``rank ** -1`` (Zipf's law).

    %(references)s

    Examples
    --------
    >>> from skcollapse.datasets import load_word_frequencies
    >>> data = load_word_frequencies("en", n_words=5)  # doctest: +SKIP
    >>> data.words  # doctest: +SKIP
    array(['the', 'to', 'and', 'of', 'a'], dtype=object)
    """
    try:
        wordfreq = importlib.import_module("wordfreq")
    except ImportError as exc:
        raise ImportError(_WORDFREQ_MISSING) from exc

    available = wordfreq.available_languages(wordlist)
    if lang not in available:
        raise ValueError(
            f"wordfreq has no {wordlist!r} word list for lang={lang!r}; available "
            f"languages: {sorted(available)}."
        )
    n_top = n_words if n_words is not None else 10**9
    words = wordfreq.top_n_list(lang, n_top, wordlist=wordlist, ascii_only=ascii_only)
    table = wordfreq.get_frequency_dict(lang, wordlist=wordlist)
    raw = np.array(
        [
            table[word]
            if word in table
            else wordfreq.word_frequency(word, lang, wordlist=wordlist)
            for word in words
        ],
        dtype=np.float64,
    )
    words = np.array(words, dtype=object)
    descr = (
        f"The {len(words)} most frequent words of lang={lang!r} in wordfreq's "
        f"{wordlist!r} word list (wordfreq {_version('wordfreq')})."
        " `frequencies` are renormalised to sum to 1 over these words; "
        "`raw_frequencies` are the shares of all word occurrences."
    )
    return Bunch(
        words=words,
        frequencies=raw / raw.sum(),
        raw_frequencies=raw,
        ranks=np.arange(1, len(words) + 1, dtype=np.int64),
        lang=lang,
        wordlist=wordlist,
        DESCR=descr,
    )


_WORD = None  # the compiled word pattern, built on first use


def _words(text):
    """The words of a text: maximal runs of ASCII letters, lowercased."""
    global _WORD
    if _WORD is None:
        import re

        _WORD = re.compile(r"[a-z]+")
    return _WORD.findall(text.lower())


def _held_out(n_topics, test_fraction):
    """Mask of the held-out topics: evenly spread, ``floor`` steps of f."""
    index = np.arange(n_topics)
    return np.floor((index + 1) * test_fraction) > np.floor(index * test_fraction)


@validate_params(
    {
        "n_words": [Interval(Integral, 1, None, closed="left")],
        "test_fraction": [Interval(Real, 0, 1, closed="neither")],
        "sequence_length": [None, Interval(Integral, 1, None, closed="left")],
    },
    prefer_skip_nested_validation=True,
)
def load_python_docs_text(n_words=1000, *, test_fraction=0.2, sequence_length=None):
    """Load the English text of the Python documentation topics as word ids.

    Real text that every Python install has, with no download: the help
    topics of the Python documentation (``pydoc_data.topics``, the text
    ``help("if")`` shows), tokenised into words and encoded over a vocabulary
    of the ``n_words`` most frequent training words plus an unknown-word
    token. The topics are split into training and held-out topics, so the
    held-out text is text the vocabulary and any model fitted on the
    training part have never seen. Deterministic: two calls return the same
    tokens.

    Read more in the :ref:`User Guide <reproduce>`.

    Parameters
    ----------
    n_words : int, default=1000
        Size of the vocabulary without the unknown-word token: the most
        frequent words of the training topics (ties broken alphabetically).
        A text with fewer distinct words keeps them all.

    test_fraction : float in (0, 1), default=0.2
        Share of the topics held out, spread evenly over the topics sorted by
        name: topic ``i`` is held out when ``floor((i + 1) f) > floor(i f)``.

    sequence_length : int, default=None
        None: ``train`` and ``test`` are the token streams (1-D). An int
        ``L``: each stream cut into consecutive non-overlapping rows of
        ``L`` tokens (the last incomplete row dropped), the input of
        :class:`~skcollapse.generative.NGramLanguageModel`.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with the attributes:

        train, test : ndarray of dtype int64
            The token ids of the training and held-out topics, in topic
            order: of shape (n_tokens,), or (n_rows, sequence_length).
        vocabulary : ndarray of shape (vocabulary_size,), dtype=object
            The word of each token id: the most frequent first, the
            unknown-word token ``"<unk>"`` last (id ``vocabulary_size -
            1``).
        counts : ndarray of shape (vocabulary_size,)
            Occurrences of each token id in the whole training stream (the
            unknown-word token counts the words outside the vocabulary).
        unknown : int
            The id of ``"<unk>"``.
        train_topics, test_topics : list of str
            The topics of each part (disjoint).
        python_version : str
            The Python whose documentation this is: the text (and so every
            count) differs slightly between Python versions.
        DESCR : str
            Description of the data.

    See Also
    --------
    load_word_frequencies : Word frequencies of a language (wordfreq).
    skcollapse.generative.NGramLanguageModel : The model of such rows.

    Notes
    -----
    A word is a maximal run of the ASCII letters ``a-z`` after lowercasing:
    ``"object's"`` is the two words ``object`` and ``s``, and digits,
    punctuation and code symbols separate words. The topics are joined in
    order of their names, so a row of ``sequence_length`` tokens can span
    the end of one topic and the start of the next.

    Examples
    --------
    >>> from skcollapse.datasets import load_python_docs_text
    >>> data = load_python_docs_text(n_words=50, sequence_length=16)
    >>> data.vocabulary[:5].tolist()
    ['the', 'a', 'is', 'of', 'in']
    >>> len(data.vocabulary), data.vocabulary[data.unknown]
    (51, '<unk>')
    >>> data.train.shape[1], bool(data.train.max() <= data.unknown)
    (16, True)
    >>> set(data.train_topics) & set(data.test_topics)
    set()
    """
    import platform
    from pydoc_data.topics import topics

    names = sorted(topics)
    held_out = _held_out(len(names), float(test_fraction))
    if held_out.all() or not held_out.any():  # pragma: no cover (79+ topics)
        raise ValueError(
            f"test_fraction={test_fraction} leaves no topic in one part of the "
            f"{len(names)} topics."
        )
    train_topics = [name for name, out in zip(names, held_out) if not out]
    test_topics = [name for name, out in zip(names, held_out) if out]
    train_words = [word for name in train_topics for word in _words(topics[name])]
    test_words = [word for name in test_topics for word in _words(topics[name])]

    distinct, frequency = np.unique(
        np.asarray(train_words, dtype=object), return_counts=True
    )
    # most frequent first; np.unique sorted the words, a stable sort keeps ties
    # in alphabetical order
    order = np.argsort(-frequency, kind="stable")[:n_words]
    vocabulary = np.append(distinct[order], "<unk>").astype(object)
    unknown = len(vocabulary) - 1
    index = {word: i for i, word in enumerate(vocabulary[:-1])}

    def encode(words):
        return np.asarray([index.get(word, unknown) for word in words], dtype=np.int64)

    train, test = encode(train_words), encode(test_words)
    counts = np.bincount(train, minlength=len(vocabulary)).astype(np.float64)
    if sequence_length is not None:
        L = int(sequence_length)
        train = train[: len(train) // L * L].reshape(-1, L)
        test = test[: len(test) // L * L].reshape(-1, L)
    version = platform.python_version()
    descr = (
        f"The help topics of the Python {version} documentation "
        f"(pydoc_data.topics): {len(train_words)} training words in "
        f"{len(train_topics)} topics and {len(test_words)} held-out words in "
        f"{len(test_topics)} topics, encoded over the {unknown} most frequent "
        "training words plus '<unk>'."
    )
    return Bunch(
        train=train,
        test=test,
        vocabulary=vocabulary,
        counts=counts,
        unknown=unknown,
        train_topics=train_topics,
        test_topics=test_topics,
        python_version=version,
        DESCR=descr,
    )
