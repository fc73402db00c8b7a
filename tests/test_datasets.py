"""Tests for skcollapse.datasets."""

import sys

import numpy as np
import pytest
from scipy.stats import norm

from skcollapse.datasets import (
    load_word_frequencies,
    make_gaussian_mixture,
    make_zipf,
)
from skcollapse.utils._testing import assert_mc_agrees

# make_zipf


def test_make_zipf_shape_dtype_and_range():
    X = make_zipf(500, 7, 1.5, random_state=0)
    assert X.shape == (500, 1)
    assert X.dtype == np.int64
    assert X.min() >= 0 and X.max() <= 6


def test_make_zipf_zero_samples():
    X, p = make_zipf(0, 4, 1.0, random_state=0, return_probabilities=True)
    assert X.shape == (0, 1)
    assert p.shape == (4,)


def test_make_zipf_reproducible_and_seed_dependent():
    np.testing.assert_array_equal(
        make_zipf(200, 50, 1.1, random_state=3), make_zipf(200, 50, 1.1, random_state=3)
    )
    assert not np.array_equal(
        make_zipf(200, 50, 1.1, random_state=3), make_zipf(200, 50, 1.1, random_state=4)
    )


@pytest.mark.parametrize("exponent", [0.0, 1.0, 2.0])
def test_make_zipf_probabilities_follow_the_power_law(exponent):
    _, p = make_zipf(0, 10, exponent, return_probabilities=True)
    assert p.sum() == pytest.approx(1.0)
    ranks = np.arange(1, 11)
    # p_i / p_1 = i ** -exponent
    np.testing.assert_allclose(p / p[0], ranks**-exponent)
    if exponent == 0.0:
        np.testing.assert_allclose(p, 0.1)


def test_make_zipf_frequencies_match_probabilities():
    n = 20_000
    X, p = make_zipf(n, 20, 1.2, random_state=0, return_probabilities=True)
    frequencies = np.bincount(X[:, 0], minlength=20) / n
    assert_mc_agrees(frequencies, p, standard_error=np.sqrt(p * (1 - p) / n))


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"n_samples": -1}, "n_samples"),
        ({"n_samples": 2.5}, "n_samples"),
        ({"n_categories": 0}, "n_categories"),
        ({"exponent": -1.0}, "exponent"),
        ({"exponent": "1"}, "exponent"),
    ],
)
def test_make_zipf_rejects_bad_inputs(kwargs, match):
    params = {"n_samples": 10, "n_categories": 5, "exponent": 1.0, **kwargs}
    with pytest.raises(ValueError, match=match):
        make_zipf(**params)


# make_gaussian_mixture


def test_make_gaussian_mixture_shape_dtype_labels():
    X, y = make_gaussian_mixture(300, 4, 1.0, random_state=0)
    assert X.shape == (300, 4) and X.dtype == np.float64
    assert y.shape == (300,) and y.dtype == np.int64
    assert set(np.unique(y)) == {-1, 1}


def test_make_gaussian_mixture_reproducible():
    X1, y1 = make_gaussian_mixture(50, 3, 2.0, random_state=1)
    X2, y2 = make_gaussian_mixture(50, 3, 2.0, random_state=1)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    X3, _ = make_gaussian_mixture(50, 3, 2.0, random_state=2)
    assert not np.array_equal(X1, X3)


def test_make_gaussian_mixture_class_means_and_balance():
    n, d, separation = 20_000, 5, 1.5
    X, y = make_gaussian_mixture(n, d, separation, random_state=0)
    # labels uniform on {-1, +1}
    assert_mc_agrees(np.mean(y == 1), 0.5, standard_error=np.sqrt(0.25 / n))
    # y * x ~ N(mu, I) whatever the label, with mu = separation / sqrt(d) * ones
    aligned = y[:, None] * X
    mu = separation / np.sqrt(d)
    assert_mc_agrees(aligned.mean(axis=0), mu, standard_error=1 / np.sqrt(n))
    np.testing.assert_allclose(np.cov(aligned, rowvar=False), np.eye(d), atol=0.05)


@pytest.mark.parametrize("separation", [0.0, 0.5, 1.0, 2.0])
def test_make_gaussian_mixture_bayes_accuracy(separation):
    n, d = 20_000, 10
    X, y = make_gaussian_mixture(n, d, separation, random_state=0)
    bayes = np.where(X.sum(axis=1) >= 0, 1, -1)  # sign(mu' x)
    expected = norm.cdf(separation)
    assert_mc_agrees(
        np.mean(bayes == y),
        expected,
        standard_error=np.sqrt(expected * (1 - expected) / n),
    )


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"n_samples": 0}, "n_samples"),
        ({"n_features": 0}, "n_features"),
        ({"separation": -0.1}, "separation"),
    ],
)
def test_make_gaussian_mixture_rejects_bad_inputs(kwargs, match):
    params = {"n_samples": 10, "n_features": 2, "separation": 1.0, **kwargs}
    with pytest.raises(ValueError, match=match):
        make_gaussian_mixture(**params)


# load_word_frequencies


def test_load_word_frequencies_without_wordfreq(monkeypatch):
    monkeypatch.setitem(sys.modules, "wordfreq", None)  # import fails
    with pytest.raises(ImportError, match=r"pip install wordfreq.*skcollapse\[data\]"):
        load_word_frequencies("en", n_words=10)


def test_load_word_frequencies_english():
    pytest.importorskip("wordfreq")
    data = load_word_frequencies("en", n_words=200)
    assert data.words.shape == data.frequencies.shape == data.ranks.shape == (200,)
    assert data.words[0] == "the"
    assert len(set(data.words)) == 200
    assert data.frequencies.sum() == pytest.approx(1.0)
    assert np.all(np.diff(data.frequencies) <= 0)
    np.testing.assert_array_equal(data.ranks, np.arange(1, 201))
    assert data.raw_frequencies.sum() < 1
    np.testing.assert_allclose(
        data.frequencies, data.raw_frequencies / data.raw_frequencies.sum()
    )
    assert data.lang == "en" and "en" in data.DESCR


def test_load_word_frequencies_is_roughly_zipf():
    pytest.importorskip("wordfreq")
    data = load_word_frequencies("en", n_words=5000)
    slope = np.polyfit(np.log(data.ranks[10:]), np.log(data.frequencies[10:]), 1)[0]
    assert -1.4 < slope < -0.7


def test_load_word_frequencies_whole_list_and_small_list():
    pytest.importorskip("wordfreq")
    small = load_word_frequencies("en", n_words=None, wordlist="small")
    assert 1000 < len(small.words) < 10**6
    assert small.wordlist == "small"


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"lang": "xx-not-a-language"}, ValueError, "xx-not-a-language"),
        ({"n_words": 0}, ValueError, "n_words"),
        ({"wordlist": "huge"}, ValueError, "wordlist"),
    ],
)
def test_load_word_frequencies_rejects_bad_inputs(kwargs, error, match):
    pytest.importorskip("wordfreq")
    with pytest.raises(error, match=match):
        load_word_frequencies(**kwargs)
