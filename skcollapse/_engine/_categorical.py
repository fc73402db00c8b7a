"""Batched ``RecursiveDensityRetrainer(CategoricalDensity(...))``: token counts.

Every repeat's model is a distribution over the vocabulary of generation 0
(later generations can only emit those tokens). Collapse shrinks the support
of most repeats to a few tokens, so each repeat keeps only the *columns* that
can still matter, its layout: the tokens of positive probability, those of
its training set, and (when the loop keeps real rows) the real tokens. A
generation then costs the support, not the vocabulary. Statistics carry the
layout they were counted in and are re-aligned when it changes.
"""

# Authors: The skcollapse developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np

from .._loop import real_fraction_of, round_count
from .._metrics import token_distribution
from .._sources import CategoricalSource
from ..generative import CategoricalDensity, _as_integer_tokens, _check_token_array
from ._density import DensityFamily, broadcast
from ._protocol import Rows, evaluate_with

__all__ = ["CategoricalFamily"]

#: Ticks per unit of the uniforms of numpy's Generator.random (k / 2**53).
_TICKS = 2**53
#: Rows searched at once: their int64 offsets stay below 2**63.
_SEARCH_ROWS = 512
#: Layouts at most this wide draw by comparisons instead of a search.
_COMPARE_WIDTH = 24
#: A layout is compacted when its widest repeat needs at most this share of it.
_COMPACT_SHARE = 0.75


def _inverse_cdf(cdf, uniforms):
    """Row-wise ``searchsorted(cdf[r], uniforms[r], side="right")``, exactly.

    The uniforms are multiples of ``2**-53``; comparing them with the
    ``ceil`` of the CDF in the same units is exact in int64, and offsetting
    each row makes one ``searchsorted`` serve every row. This is the index
    ``Generator.choice(p=...)`` returns for the same uniforms.
    """
    n_rows, n_columns = cdf.shape
    if n_columns <= _COMPARE_WIDTH:
        # ceil(cdf * 2**53) <= u * 2**53 exactly when cdf <= u, so the index
        # is the number of columns at or below u: counted column by column,
        # cheaper than a search on the narrow layouts of collapsed repeats
        # (the last column, 1, is above every uniform: never counted)
        out = np.zeros(uniforms.shape, dtype=np.int64)
        for j in range(n_columns - 1):
            out += cdf[:, j : j + 1] <= uniforms
        return out
    out = np.empty(uniforms.shape, dtype=np.int64)
    for start in range(0, n_rows, _SEARCH_ROWS):
        stop = min(start + _SEARCH_ROWS, n_rows)
        rows = np.arange(stop - start, dtype=np.int64)[:, None]
        ticks = np.ceil(cdf[start:stop] * _TICKS).astype(np.int64) + rows * (_TICKS + 1)
        drawn = (uniforms[start:stop] * _TICKS).astype(np.int64) + rows * (_TICKS + 1)
        index = np.searchsorted(ticks.ravel(), drawn.ravel(), side="right")
        out[start:stop] = index.reshape(drawn.shape) - rows * n_columns
    return out


def _row_sum(values):
    """Row sums in sequence (a cumulative sum): a column of zeros anywhere
    leaves them unchanged to the last bit, so a repeat's numbers do not
    depend on the width of its chunk's layout (pairwise summation, numpy's
    ``sum``, groups the terms by the row's length)."""
    return np.cumsum(values, axis=1)[:, -1]


def _temper_rows(p, temperature):
    """``generative._temper`` row-wise: ``p ** (1 / temperature)``, normalised."""
    if temperature == 1.0:
        return p / _row_sum(p)[:, None]
    with np.errstate(divide="ignore"):
        log_p = np.log(p)
    with np.errstate(over="ignore", invalid="ignore"):
        logits = (log_p - np.max(log_p, axis=1, keepdims=True)) / temperature
    tempered = np.exp(np.where(p > 0, logits, -np.inf))
    return tempered / _row_sum(tempered)[:, None]


def _gather(dense, columns):
    """``dense[r, columns[r]]`` for every repeat (dense may be shared)."""
    if dense.shape[0] == 1 and columns.shape[0] > 1:
        return dense[0][columns]
    return np.take_along_axis(dense, columns, axis=1)


class _Layout:
    """The vocabulary columns each repeat keeps: ``columns`` of shape
    (n_repeats, width), ascending vocabulary indices, padded with the index
    ``n_categories`` (a column that is always empty)."""

    def __init__(self, columns, version, n_categories):
        self.columns, self.version, self.n_categories = columns, version, n_categories

    def keep(self, repeats):
        return _Layout(self.columns[repeats], self.version, self.n_categories)

    def dense(self, values):
        """``values`` (n_repeats, width) spread over the whole vocabulary."""
        out = np.zeros((values.shape[0], self.n_categories + 1))
        np.put_along_axis(out, self.columns, values, axis=1)
        out[:, -1] = 0.0
        return out


class _Counts:
    """Weighted token counts per repeat, in a layout."""

    def __init__(self, counts, sum_squares, n_rows, layout):
        self.counts, self.sum_squares, self.n_rows = counts, sum_squares, n_rows
        self.layout = layout

    def aligned(self, layout):
        """The same counts in ``layout`` (which holds every counted token)."""
        if layout.version == self.layout.version:
            return self
        counts = _gather(self.layout.dense(self.counts), layout.columns)
        return _Counts(counts, self.sum_squares, self.n_rows, layout)

    def __add__(self, other):
        newer = max(self.layout, other.layout, key=lambda layout: layout.version)
        a, b = self.aligned(newer), other.aligned(newer)
        return _Counts(
            a.counts + b.counts,
            a.sum_squares + b.sum_squares,
            a.n_rows + b.n_rows,
            newer,
        )

    def keep(self, repeats):
        return _Counts(
            self.counts[repeats],
            self.sum_squares[repeats],
            self.n_rows[repeats],
            self.layout.keep(repeats),
        )


class CategoricalFamily(DensityFamily):
    """``RecursiveDensityRetrainer(CategoricalDensity(...))``, on token counts.

    The vocabulary is generation 0's ``categories_`` (the union over repeats
    when each has its own validation split). With ``categories="auto"`` a
    token that no generation-``g`` training row holds leaves that
    generation's vocabulary, as in the refit (its probability is 0 and the
    smoothing ``alpha`` skips it). Tokens are drawn by the inverse CDF of the
    emitting distribution, the rule of ``Generator.choice``.
    """

    base = CategoricalDensity
    diversity_key = "entropy"
    computable = frozenset(
        {
            "log_likelihood_real",
            "log_likelihood_validation",
            "total_variance",
            "mean_shift",
            "wasserstein",
            "support_size",
            "entropy",
            "collision",
        }
    )

    def __init__(self, owner, real, models, n_repeats):
        super().__init__(owner, real, models, n_repeats)
        estimator = self.estimator
        self.auto = isinstance(estimator.categories, str)
        self.alpha = float(estimator.alpha)
        self.model_temperature = float(estimator.temperature)
        self.top_k, self.top_p = estimator.top_k, estimator.top_p
        tokens = _as_integer_tokens(real.X[..., 0].ravel(), "CategoricalDensity")
        tokens = tokens.reshape(real.X.shape[:2])
        weight = real.weight
        if models is None:
            # generation 0 fitted below on each repeat's real tokens: the
            # vocabulary is the given one, or every token of positive weight
            if self.auto:
                positive = np.ones(tokens.shape, bool) if weight is None else weight > 0
                vocabulary = np.unique(tokens[np.broadcast_to(positive, tokens.shape)])
            else:
                vocabulary = estimator._check_categories()
        else:
            vocabulary = np.unique(np.concatenate([m.categories_ for m in models]))
        self.vocabulary = vocabulary
        n_categories = self.n_categories = len(vocabulary)
        self.values = np.append(vocabulary.astype(float), 0.0)  # and the padding
        probabilities = np.zeros((1 if models is None else len(models), n_categories))
        for i, model in enumerate(models or ()):
            probabilities[i, np.searchsorted(vocabulary, model.categories_)] = (
                model.probabilities_
            )
        n_keep = round_count(
            real_fraction_of(owner.real_fraction, owner.data), real.n_rows
        )
        self.uses_real = n_keep > 0
        # a repeat left with one token keeps it in every later generation
        self.absorbing = owner.data == "replace" and not self.uses_real

        index = np.searchsorted(vocabulary, tokens)
        known = vocabulary[np.minimum(index, n_categories - 1)] == tokens
        # zero-weight tokens outside the vocabulary count in the padding column
        index = np.where(known, index, n_categories)
        self.real_rows = Rows(index, weight, np.ones(index.shape, dtype=bool))
        self.real_tokens = np.unique(tokens)
        self.real_dense = self._dense_counts(self.real_rows)
        self.real_present = self.real_dense > 0
        self.real_total = _row_sum(self.real_dense)  # whatever the chunk's width
        self.real_distinct = self.real_present[:, :-1].sum(axis=1)
        # summed as measure sums a training set's mean (in sequence, the
        # vocabulary's order): real rows alone have a mean shift of exactly 0
        self.real_mean = _row_sum(self.real_dense * self.values) / self.real_total
        self._real_set_up_distance(tokens, weight)
        self.validation = None
        if real.X_val is not None:
            self._real_set_up_validation(real.X_val)

        columns = np.broadcast_to(np.arange(n_categories), (n_repeats, n_categories))
        self.layout = _Layout(columns, 0, n_categories)
        self.p = broadcast(probabilities, n_repeats).copy()
        self.real_counts = None
        #: the training counts of the last fit (the fitted ``counts_``)
        self.trained = None
        self._test_set = None
        if models is None:  # the columns of the real tokens, for the first fit
            self._compact(_gather(self.real_present, self.layout.columns))
        else:
            self._compact(self.p > 0)

    def _real_set_up_distance(self, tokens, weight):
        support = np.union1d(np.unique(tokens), self.vocabulary).astype(float)
        self.model_slots = np.searchsorted(support, self.vocabulary.astype(float))
        real_mass = np.zeros((tokens.shape[0], len(support)))
        for i in range(tokens.shape[0]):
            categories, freq = token_distribution(
                tokens[i], None if weight is None else weight[i]
            )
            real_mass[i, np.searchsorted(support, categories)] = freq
        self.support_points = support
        self.real_massed = real_mass > 0
        self.real_cdf = np.cumsum(real_mass, axis=1)

    def _real_set_up_validation(self, X_val):
        val = _as_integer_tokens(X_val[..., 0].ravel(), "CategoricalDensity")
        val = val.reshape(X_val.shape[:2])
        index = np.searchsorted(self.vocabulary, val)
        known = self.vocabulary[np.minimum(index, self.n_categories - 1)] == val
        index = np.where(known, index, self.n_categories)
        dense = self._dense_counts(Rows(index, None, None))
        self.validation = (dense, dense > 0, (dense[:, :-1] > 0).sum(axis=1))

    def _dense_counts(self, rows):
        """Counts of rows of vocabulary indices over the vocabulary and padding."""
        n_repeats, width = rows.values.shape[0], self.n_categories + 1
        flat = rows.values + (np.arange(n_repeats) * width)[:, None]
        weight = None if rows.weight is None else rows.weight.ravel()
        counts = np.bincount(flat.ravel(), weights=weight, minlength=n_repeats * width)
        return counts.reshape(n_repeats, width).astype(float)

    def _compact(self, keep):
        """Drop the columns no repeat needs any more (``keep`` marks those
        needed), when that narrows the layout enough."""
        if not self.auto and self.alpha > 0:
            return  # smoothing over a given vocabulary: every token matters
        layout = self.layout
        if self.uses_real:
            keep = keep | _gather(self.real_present, layout.columns)
        keep &= layout.columns < self.n_categories
        width = int(keep.sum(axis=1).max())
        if width > _COMPACT_SHARE * keep.shape[1]:
            return
        order = np.argsort(~keep, axis=1, kind="stable")[:, : max(width, 1)]
        kept = np.take_along_axis(keep, order, axis=1)
        columns = np.where(kept, np.take_along_axis(layout.columns, order, 1), -1)
        columns = np.where(columns < 0, self.n_categories, columns)
        self.p = np.where(kept, np.take_along_axis(self.p, order, axis=1), 0.0)
        self.layout = _Layout(columns, layout.version + 1, self.n_categories)
        self.real_counts = None

    def _real_counts(self):
        """The counts of every real row, in the current layout (cached)."""
        if self.real_counts is None:
            counts = _gather(self.real_dense, self.layout.columns)
            weight = self.real_rows.weight
            n = self.p.shape[0]
            if weight is None:
                n_rows = np.full(n, self.real_rows.n_rows)
                squares = n_rows.astype(float)
            else:
                squares = broadcast(np.sum(weight**2, axis=1), n)
                n_rows = broadcast(np.count_nonzero(weight > 0, axis=1), n)
            self.real_counts = _Counts(counts, squares, n_rows, self.layout)
        return self.real_counts

    def keep(self, repeats):
        self.n_repeats = len(repeats)
        self.p = self.p[repeats]
        self.layout = self.layout.keep(repeats)
        self.synthetic_weight = self.synthetic_weight[repeats]
        self.real_counts = None
        if self.trained is not None:
            self.trained = self.trained.keep(repeats)
        for name in (
            "real_dense",
            "real_present",
            "real_total",
            "real_distinct",
            "real_mean",
            "real_cdf",
            "real_massed",
        ):
            value = getattr(self, name)
            if value.shape[0] > 1:
                setattr(self, name, value[repeats])
        if self.real_rows.values.shape[0] > 1:
            self.real_rows = self.real_rows.keep(repeats)
        if self.validation is not None and self.validation[0].shape[0] > 1:
            self.validation = tuple(v[repeats] for v in self.validation)

    def first_generation(self):
        """Fit generation 0 of every repeat on its real tokens (all rows), as
        the refit path fits it; a token outside a given vocabulary is the
        refit path's error."""
        if not self.auto and np.any(self.real_dense[:, -1] > 0):
            unknown = np.setdiff1d(self.real_tokens, self.vocabulary)
            raise ValueError(
                f"Found tokens {unknown[:10].tolist()} in X that are not in "
                "`categories`. Add them to the vocabulary or use "
                'categories="auto".'
            )
        stats = self._real_counts()
        return stats, self.fit(stats, 0)

    # -- against a truth and a test set ----------------------------------
    @classmethod
    def evaluates(cls, owner, evaluation):
        return None  # CategoricalSource and the log-likelihood in arrays, else models()

    def _dense_p(self):
        """Every repeat's emitting distribution over the vocabulary."""
        return self.layout.dense(self.p)[:, :-1]

    def models(self):
        """Every repeat's model: a clone of the base with ``categories_``,
        ``counts_`` and ``probabilities_`` set, as its fit sets them (with
        ``categories="auto"`` the tokens of positive training weight)."""
        from sklearn.base import clone

        p = self._dense_p()
        if self.trained is None:
            counts = np.zeros_like(p)  # not fitted here: no counts known
        else:
            counts = self.layout.dense(self.trained.aligned(self.layout).counts)
            counts = counts[:, :-1]
        models = []
        for row, count in zip(p, counts):
            keep = (count != 0) | (row > 0) if self.auto else slice(None)
            model = clone(self.estimator)
            model.categories_ = self.vocabulary[keep].astype(np.int64)
            model.counts_ = count[keep].copy()
            model.probabilities_ = row[keep].copy()
            model.n_features_in_ = 1
            models.append(model)
        return models

    def evaluate(self, evaluation, generation):
        return evaluate_with(self, evaluation, generation, self._truth, self._test)

    def _truth(self, source):
        """CategoricalSource's keys (its ``evaluate``'s exact formulas, per
        repeat in arrays) of every repeat's emitting distribution ``q``."""
        if type(source) is not CategoricalSource:
            return None
        dense = self._dense_p()
        vocabulary = self.vocabulary
        inside = (vocabulary >= 0) & (vocabulary < source.n_categories)
        q = np.zeros((dense.shape[0], source.n_categories))
        q[:, vocabulary[inside]] = dense[:, inside]
        beyond = dense[:, ~inside]
        outside = beyond.sum(axis=1)
        p = source.probabilities
        support = p > 0
        with np.errstate(divide="ignore", invalid="ignore"):
            # contiguous rows: each summed as the refit sums its own, whatever
            # the chunk (numpy sums strided rows in another order)
            q_support = np.ascontiguousarray(q[:, support])
            terms = p[support] * np.log(p[support] / q_support)
        return {
            "truth_total_variation": 0.5 * (np.sum(np.abs(q - p), axis=1) + outside),
            "truth_kl": np.sum(terms, axis=1),
            "truth_missing_mass": np.sum(np.where(q <= 0, p, 0.0), axis=1),
            "truth_support_size": (
                np.count_nonzero(q > 0, axis=1) + np.count_nonzero(beyond > 0, axis=1)
            ).astype(float),
        }

    def _test(self, evaluation):
        """The mean log-likelihood of X_test (any ``scoring`` one model at
        a time)."""
        if evaluation.test.scorer is not None:
            return None
        if self._test_set is None:
            from sklearn.utils import check_array

            _check_token_array(evaluation.X_test, "CategoricalDensity")
            X = check_array(evaluation.X_test, dtype="numeric")
            if X.shape[1] != 1:
                raise ValueError(
                    "CategoricalDensity models a single column of integer "
                    f"tokens; got X with {X.shape[1]} columns. Pass X of shape "
                    "(n_samples, 1)."
                )
            tokens = _as_integer_tokens(X[:, 0], "CategoricalDensity")
            index = np.searchsorted(self.vocabulary, tokens)
            known = self.vocabulary[np.minimum(index, self.n_categories - 1)] == tokens
            index = np.where(known, index, self.n_categories)
            dense = self._dense_counts(Rows(index[None], None, None))
            present = dense > 0
            self._test_set = (dense, present, present[:, :-1].sum(axis=1))
        dense, present, distinct = self._test_set
        with np.errstate(divide="ignore"):
            log_p = np.log(self.p)
        value = self._mean_log(dense, present, distinct, _row_sum(dense), log_p)
        return {"test_log_likelihood": np.where(present[:, -1], -np.inf, value)}

    # -- the protocol -----------------------------------------------------
    def synthesize(self, streams, n_samples, as_rows):
        if self.absorbing and self.p.shape[1] == 1:
            # Every repeat of the chunk is one token for good (a fully
            # synthetic replace loop refits it on copies of itself): its
            # draws are that token whatever the uniforms, so none are drawn
            # (nothing else in this loop draws any, and no repeat's later
            # numbers depend on them: the result does not depend on the chunk).
            position = np.zeros((self.p.shape[0], n_samples), dtype=np.int64)
        else:
            uniforms = streams.uniform(n_samples)
            positive = self.p > 0
            # a repeat of one token draws it whatever its uniforms (the
            # search would return its column): only the others are searched
            single = np.count_nonzero(positive, axis=1) == 1
            p, drawn = self.p, None
            if np.any(single):
                drawn = np.flatnonzero(~single)
                p, uniforms = p[drawn], uniforms[drawn]
            emitting = _temper_rows(p, self.loop_temperature)
            cdf = np.cumsum(emitting, axis=1)
            cdf /= cdf[:, -1:]
            position = _inverse_cdf(cdf, uniforms)
            if drawn is not None:
                searched = position
                position = np.repeat(np.argmax(positive, axis=1)[:, None], n_samples, 1)
                position[drawn] = searched
        weight = self.synthetic_weight_rows(n_samples)
        if as_rows:
            index = np.take_along_axis(self.layout.columns, position, axis=1)
            return Rows(index, weight, np.zeros(index.shape, dtype=bool))
        n_repeats, width = position.shape[0], self.p.shape[1]
        flat = position + (np.arange(n_repeats) * width)[:, None]
        counts = np.bincount(flat.ravel(), minlength=n_repeats * width)
        counts = counts.reshape(n_repeats, width).astype(float)
        w = self.synthetic_weight if self.weighted else np.ones(n_repeats)
        return _Counts(
            counts * w[:, None],
            w**2 * n_samples,
            np.full(n_repeats, n_samples),
            self.layout,
        )

    def real_part(self, rows, as_rows):
        if as_rows:
            return self.real_rows_of(rows)
        if rows is None:
            return self._real_counts()
        return self.stats_of(self.real_rows_of(rows))

    def stats_of(self, rows):
        counts = _gather(self._dense_counts(rows), self.layout.columns)
        n = counts.shape[0]
        if rows.weight is None:
            n_rows = np.full(n, rows.n_rows)
            return _Counts(counts, n_rows.astype(float), n_rows, self.layout)
        return _Counts(
            counts,
            np.sum(rows.weight**2, axis=1),
            np.count_nonzero(rows.weight > 0, axis=1),
            self.layout,
        )

    def fit(self, stats, generation):
        stats = stats.aligned(self.layout)
        counts = stats.counts
        total = _row_sum(counts)[:, None]
        if self.auto:
            seen = counts > 0
            n_seen = seen.sum(axis=1, keepdims=True)
            estimate = np.where(
                seen, (counts + self.alpha) / (total + self.alpha * n_seen), 0.0
            )
        else:
            padding = self.layout.columns >= self.n_categories
            estimate = np.where(
                padding,
                0.0,
                (counts + self.alpha) / (total + self.alpha * self.n_categories),
            )
        self.p = self._emitting(estimate)
        self.trained = stats
        self._compact((self.p > 0) | (counts > 0))
        return np.zeros(len(counts), dtype=bool)

    def _emitting(self, estimate):
        """``CategoricalDensity._emitting_distribution`` row-wise."""
        p = _temper_rows(estimate, self.model_temperature)
        if self.top_k is None and self.top_p is None:
            return p
        order = np.argsort(-p, axis=1, kind="stable")
        ranked = np.take_along_axis(p, order, axis=1)
        keep = ranked > 0
        if self.top_k is not None:
            keep[:, self.top_k :] = False
        if self.top_p is not None:
            kept_mass = np.where(keep, ranked, 0.0)
            cumulative = np.cumsum(kept_mass, axis=1)
            cumulative /= cumulative[:, -1:]
            n_nucleus = np.sum(cumulative < self.top_p - 1e-12, axis=1) + 1
            keep &= np.arange(p.shape[1]) < n_nucleus[:, None]
        cut = np.zeros_like(p)
        np.put_along_axis(cut, order, np.where(keep, ranked, 0.0), axis=1)
        return cut / _row_sum(cut)[:, None]

    def _mean_log(self, dense, present, distinct, total, log_p):
        """Mean log-probability of counted tokens: -inf when one of them is
        outside the layout (probability 0)."""
        columns = self.layout.columns
        counts = _gather(dense, columns)
        covered = np.sum(_gather(present, columns) & (columns < self.n_categories), 1)
        with np.errstate(invalid="ignore"):
            terms = np.where(counts > 0, counts * log_p, 0.0)
        return np.where(covered < distinct, -np.inf, _row_sum(terms) / total)

    def measure(self, stats, generation):
        p, wanted, record = self.p, self.wanted, {}
        with np.errstate(divide="ignore"):
            log_p = np.log(p)
        if "log_likelihood_real" in wanted:
            record["log_likelihood_real"] = self._mean_log(
                self.real_dense,
                self.real_present,
                self.real_distinct,
                self.real_total,
                log_p,
            )
        if self.validation is not None and "log_likelihood_validation" in wanted:
            dense, present, distinct = self.validation
            value = self._mean_log(dense, present, distinct, _row_sum(dense), log_p)
            record["log_likelihood_validation"] = np.where(
                present[:, -1], -np.inf, value
            )
        counts, total = stats.counts, _row_sum(stats.counts)
        values = self.values[stats.layout.columns]
        mean = _row_sum(counts * values) / total
        if "total_variance" in wanted:
            spread = _row_sum(counts * (values - mean[:, None]) ** 2)
            with np.errstate(invalid="ignore", divide="ignore"):
                variance = spread / (total - stats.sum_squares / total)
            record["total_variance"] = np.where(stats.n_rows < 2, 0.0, variance)
        if "mean_shift" in wanted:
            record["mean_shift"] = np.abs(mean - self.real_mean)
        if "wasserstein" in wanted:
            mass = np.zeros((p.shape[0], self.real_cdf.shape[1]))
            mass[:, self.model_slots] = self.layout.dense(p)[:, :-1]
            gap = np.abs(np.cumsum(mass, axis=1) - self.real_cdf)
            # Between two tokens of positive mass (the model's or the real
            # data's) both CDFs are flat: each such stretch is one term, the
            # distance to the next such token, so the sum does not depend on
            # the other tokens of the chunk's support (other repeats' real
            # tokens); summed in sequence (not a matrix product, whose
            # rounding depends on where a repeat's row sits in the chunk).
            massed = (mass > 0) | self.real_massed
            points = np.where(massed, self.support_points, np.inf)
            following = np.minimum.accumulate(points[:, ::-1], axis=1)[:, ::-1]
            following = np.concatenate(
                [following[:, 1:], np.full((len(points), 1), np.inf)], axis=1
            )
            stretch = np.where(
                massed & np.isfinite(following), following - self.support_points, 0.0
            )
            record["wasserstein"] = _row_sum(np.where(stretch > 0, gap * stretch, 0.0))
        support = p > 0
        if "support_size" in wanted:
            record["support_size"] = support.sum(axis=1)
        if "entropy" in wanted:
            with np.errstate(invalid="ignore"):
                terms = np.where(support, p * log_p, 0.0)
            record["entropy"] = -_row_sum(terms)
        if "collision" in wanted:
            record["collision"] = _row_sum(p**2)
        return record
