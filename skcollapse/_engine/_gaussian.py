"""Batched ``RecursiveDensityRetrainer(GaussianDensity(...))``: moments.

A training set is summarised by its total weight, sum of squared weights,
rows of positive weight, weighted mean and centred scatter matrix, combined
exactly (Chan et al.'s pairwise update, no cancellation), so the accumulated
pool is a running sum. A synthetic batch of ``n`` rows of ``N(mu, T Sigma)``
is ``mu + B z`` with ``B B' = T Sigma`` (the factor ``_sample_gaussian``
uses) and standard normal ``z``: its mean is ``mu + B zbar``, ``zbar ~ N(0,
I / n)``, and its scatter ``B W B'`` with ``W ~ Wishart(n - 1, I)`` drawn by
Bartlett's decomposition, independent of the mean. A constant feature (a
zero row of ``B``) stays exactly constant, as in the refit. Fresh real rows
of a :class:`~skcollapse.datasets.GaussianSource` (``real_sampling="fresh"``)
are drawn the same way from the source's ``N(mean, covariance)``, with the
mean real weight (as the refit path weighs them).
"""

# Authors: The skcollapse developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np

from .._sources import GaussianSource, _psd_sqrt
from ..generative import _RCOND, GaussianDensity, _gaussian_log_density
from ._density import DensityFamily, broadcast
from ._protocol import Rows, evaluate_with

__all__ = ["GaussianFamily"]


class _Moments:
    """Total weight, sum of squared weights, rows of positive weight, weighted
    mean and centred scatter matrix of a set of rows, per repeat."""

    def __init__(self, weight, sum_squares, n_rows, mean, scatter):
        self.weight, self.sum_squares, self.n_rows = weight, sum_squares, n_rows
        self.mean, self.scatter = mean, scatter

    def __add__(self, other):
        weight = self.weight + other.weight
        delta = other.mean - self.mean
        mean = self.mean + delta * (other.weight / weight)[:, None]
        scatter = (
            self.scatter
            + other.scatter
            + delta[:, :, None]
            * delta[:, None, :]
            * (self.weight * other.weight / weight)[:, None, None]
        )
        return _Moments(
            weight,
            self.sum_squares + other.sum_squares,
            self.n_rows + other.n_rows,
            mean,
            scatter,
        )

    def keep(self, repeats):
        return _Moments(
            self.weight[repeats],
            self.sum_squares[repeats],
            self.n_rows[repeats],
            self.mean[repeats],
            self.scatter[repeats],
        )

    def broadcast(self, n_repeats):
        return _Moments(
            *(
                broadcast(a, n_repeats)
                for a in (
                    self.weight,
                    self.sum_squares,
                    self.n_rows,
                    self.mean,
                    self.scatter,
                )
            )
        )


def _decompose(covariance):
    """``generative._decompose_covariance`` for a stack of covariances.

    Returns ``(std, varying, eigenvalues, eigenvectors)``; the correlation
    matrix of each covariance is completed by the identity on its constant
    features (whose standard deviation 0 then cancels them).
    """
    std = np.sqrt(np.clip(np.diagonal(covariance, axis1=1, axis2=2), 0.0, None))
    varying = std > 0
    if covariance.shape[1] == 1:
        ones = np.ones(covariance.shape)
        return std, varying, ones[:, :, 0], ones
    safe = np.where(varying, std, 1.0)
    correlation = covariance / (safe[:, :, None] * safe[:, None, :])
    both = varying[:, :, None] & varying[:, None, :]
    eye = np.eye(covariance.shape[1], dtype=bool)
    correlation = np.where(both, correlation, np.where(eye, 1.0, 0.0))
    eigenvalues, eigenvectors = np.linalg.eigh(correlation)
    cutoff = _RCOND * np.maximum(eigenvalues.max(axis=1, keepdims=True), 0.0)
    eigenvalues = np.where(eigenvalues > cutoff, eigenvalues, 0.0)
    return std, varying, eigenvalues, eigenvectors


class GaussianFamily(DensityFamily):
    """``RecursiveDensityRetrainer(GaussianDensity(...))``, on moments
    (``covariance_type`` full, diag or spherical, any ``ddof`` and
    ``temperature``)."""

    base = GaussianDensity
    diversity_key = "total_variance"
    computable = frozenset(
        {
            "log_likelihood_real",
            "log_likelihood_validation",
            "total_variance",
            "mean_shift",
            "wasserstein",
        }
    )

    def __init__(self, owner, real, models, n_repeats):
        super().__init__(owner, real, models, n_repeats)
        estimator = self.estimator
        self.ddof = float(estimator.ddof)
        self.covariance_type = estimator.covariance_type
        self.model_temperature = float(estimator.temperature)
        X = np.asarray(real.X, dtype=float)
        self.n_features = X.shape[2]
        if models is None:  # generation 0 fitted below, on the real moments
            self.mean = np.zeros((n_repeats, self.n_features))
            self.covariance = np.zeros((n_repeats, self.n_features, self.n_features))
        else:
            self.mean = broadcast(
                np.stack([np.asarray(m.mean_, float) for m in models]), n_repeats
            ).copy()
            self.covariance = broadcast(
                np.stack([np.asarray(m.covariance_, float) for m in models]),
                n_repeats,
            ).copy()
        self.real_rows = Rows(X, real.weight, np.ones(X.shape[:2], dtype=bool))
        stats = self.stats_of(self.real_rows)
        self.real_stats = stats
        self.real_second = stats.scatter / stats.weight[:, None, None]
        self.validation = None
        self._test_set = None
        self._sliced = None  # the sliced Wasserstein distance's set-up
        self.fresh = None
        if owner.real_sampling == "fresh":
            self.fresh = self._set_up_fresh(owner.real_source, real)
        if real.X_val is not None:
            X_val = np.asarray(real.X_val, dtype=float)
            val = self.stats_of(Rows(X_val, None, None))
            self.validation = (
                Rows(X_val, None, None),
                val.mean,
                val.scatter / val.weight[:, None, None],
            )

    def _set_up_fresh(self, source, real):
        """The GaussianSource of ``real_sampling="fresh"``: its mean, its
        factor (the one its ``sample`` draws with) and the weight of a fresh
        row (the mean real weight, per repeat; None when unweighted)."""
        if source.n_features != self.n_features:
            raise ValueError(
                f"real_source={source!r} draws rows of {source.n_features} "
                f"feature(s); the real data has {self.n_features}."
            )
        weight = None
        if real.weight is not None:
            weight = np.asarray(real.weight, float).mean(axis=1)  # (1 or R,)
        return {
            "mean": np.asarray(source.mean, float),
            "factor": np.asarray(source._factor, float),
            "weight": weight,
        }

    def keep(self, repeats):
        self.n_repeats = len(repeats)
        if self.seeds is not None:
            self.seeds = self.seeds[repeats]
        if self._sliced is not None:
            self._sliced = [self._sliced[i] for i in repeats]
        if self.fresh is not None and self.fresh["weight"] is not None:
            if self.fresh["weight"].shape[0] > 1:
                self.fresh = {**self.fresh, "weight": self.fresh["weight"][repeats]}
        self.mean = self.mean[repeats]
        self.covariance = self.covariance[repeats]
        self.synthetic_weight = self.synthetic_weight[repeats]
        if self.real_rows.values.shape[0] > 1:
            self.real_rows = self.real_rows.keep(repeats)
            self.real_stats = self.real_stats.keep(repeats)
            self.real_second = self.real_second[repeats]
        if self.validation is not None and self.validation[1].shape[0] > 1:
            rows, mean, second = self.validation
            self.validation = (rows.keep(repeats), mean[repeats], second[repeats])

    def first_generation(self):
        """Fit generation 0 on the real data (all rows), as the refit path
        fits it."""
        stats = self.real_part(None, False)
        return stats, self.fit(stats, 0)

    # -- against a truth and a test set ----------------------------------
    @classmethod
    def evaluates(cls, owner, evaluation):
        return None  # GaussianSource and the log-likelihood in arrays, else models()

    def models(self):
        """Every repeat's model: a clone of the base with ``mean_`` and
        ``covariance_`` set, as its fit sets them."""
        from sklearn.base import clone

        models = []
        for mean, covariance in zip(self.mean, self.covariance):
            model = clone(self.estimator)
            model.mean_, model.covariance_ = mean.copy(), covariance.copy()
            model.n_features_in_ = self.n_features
            models.append(model)
        return models

    def evaluate(self, evaluation, generation):
        return evaluate_with(self, evaluation, generation, self._truth, self._test)

    def _truth(self, source):
        """GaussianSource's closed forms (``_sources``' own formulas, per
        repeat in arrays) of ``N(mean_, temperature * covariance_)``."""
        if type(source) is not GaussianSource:
            return None
        mean = self.mean
        S = self.model_temperature * self.covariance
        true_mean, true_S = source.mean, source.covariance
        d = self.n_features
        with np.errstate(all="ignore"):
            finite = np.all(np.isfinite(mean), axis=1) & np.all(
                np.isfinite(S), axis=(1, 2)
            )
            S_safe = np.where(finite[:, None, None], S, np.eye(d))
            sign, logdet = np.linalg.slogdet(S_safe)
            logdet = np.where(sign > 0, logdet, -np.inf)
            true_logdet = np.linalg.slogdet(true_S)[1]
            diff = true_mean - mean
            solved = np.linalg.solve(true_S, S_safe)
            # one right-hand side per repeat (a solve of all repeats' columns
            # at once is blocked by their number: last bits by chunk size)
            maha = np.einsum(
                "rd,rd->r", diff, np.linalg.solve(true_S, diff[:, :, None])[:, :, 0]
            )
            kl = 0.5 * (
                np.trace(solved, axis1=1, axis2=2) + maha - d + true_logdet - logdet
            )
            kl = np.where(logdet == -np.inf, np.inf, np.maximum(kl, 0.0))
            root = _psd_sqrt(true_S)
            inner = root @ S_safe @ root
            inner = (inner + np.swapaxes(inner, 1, 2)) / 2
            cross = np.sum(np.sqrt(np.clip(np.linalg.eigvalsh(inner), 0, None)), 1)
            trace = np.trace(S_safe, axis1=1, axis2=2)
            mean_error = np.sum(diff**2, axis=1)
            w2 = np.maximum(mean_error + trace + np.trace(true_S) - 2 * cross, 0.0)
            nan = np.where(finite, 0.0, np.nan)
            return {
                "truth_mean_error": mean_error,
                "truth_covariance_trace_ratio": np.trace(S, axis1=1, axis2=2)
                / np.trace(true_S),
                "truth_covariance_logdet_ratio": logdet - true_logdet + nan,
                "truth_kl": kl + nan,
                "truth_w2": w2 + nan,
            }

    def _test(self, evaluation):
        """The mean log-likelihood of X_test (any ``scoring`` one model at
        a time)."""
        if evaluation.test.scorer is not None:
            return None
        if self._test_set is None:
            from sklearn.utils import check_array

            X = np.asarray(check_array(evaluation.X_test, dtype="numeric"), float)
            rows = Rows(X[None], None, None)
            stats = self.stats_of(rows)
            self._test_set = (
                rows,
                stats.mean,
                stats.scatter / stats.weight[:, None, None],
            )
        rows, mean, second = self._test_set
        return {"test_log_likelihood": self._log_likelihood(mean, second, rows)}

    # -- the protocol -----------------------------------------------------
    def _factor(self):
        """``B`` with ``B B' = T Sigma`` per repeat, as ``_sample_gaussian``."""
        temperature = self.loop_temperature * self.model_temperature
        if self.n_features == 1:
            std = np.sqrt(np.clip(self.covariance, 0.0, None))
            return std * np.sqrt(temperature)
        std, _, eigenvalues, eigenvectors = _decompose(self.covariance)
        scale = std * np.sqrt(temperature)
        return scale[:, :, None] * eigenvectors * np.sqrt(eigenvalues)[:, None, :]

    def _wishart(self, streams, n_samples):
        """``W ~ Wishart(n_samples - 1, I)`` per repeat (Bartlett)."""
        d, df = self.n_features, n_samples - 1
        if d == 1:
            return streams.chisquare(df, (1, 1))
        diagonal = np.sqrt(
            np.stack([streams.chisquare(df - i, ()) for i in range(d)], axis=1)
        )
        lower = np.tril(streams.normal((d, d)), -1)
        factor = lower + diagonal[:, :, None] * np.eye(d)
        return factor @ np.swapaxes(factor, 1, 2)

    def synthesize(self, streams, n_samples, as_rows):
        factor = self._factor()
        mean, d = self.mean, self.n_features
        if as_rows or n_samples - 1 < d:
            noise = streams.normal((n_samples, d))
            X = mean[:, None, :] + noise @ np.swapaxes(factor, 1, 2)
            rows = Rows(
                X,
                self.synthetic_weight_rows(n_samples),
                np.zeros(X.shape[:2], dtype=bool),
            )
            return rows if as_rows else self.stats_of(rows)
        weight = self.synthetic_weight if self.weighted else np.ones(len(mean))
        noise = streams.normal(d) / np.sqrt(n_samples)
        wishart = self._wishart(streams, n_samples)
        if d == 1:
            batch_mean = mean + factor[:, :, 0] * noise
            scatter = factor * wishart * factor
        else:
            batch_mean = mean + np.einsum("rjk,rk->rj", factor, noise)
            scatter = factor @ wishart @ np.swapaxes(factor, 1, 2)
        return _Moments(
            weight * n_samples,
            weight**2 * n_samples,
            np.full(len(mean), n_samples),
            batch_mean,
            scatter * weight[:, None, None],
        )

    @classmethod
    def fresh_sources(cls):
        return (GaussianSource,)

    def fresh_part(self, streams, n_rows, as_rows):
        """``n_rows`` fresh real rows of every repeat from the GaussianSource
        of ``real_sampling="fresh"`` (``mean + factor z``, the source's own
        factor): rows, or their moments (the mean and a Wishart scatter, as
        :meth:`synthesize` draws a batch) when there are more than
        ``n_features`` of them."""
        fresh, d, n = self.fresh, self.n_features, self.n_repeats
        mean, factor = fresh["mean"], fresh["factor"]
        weight = None
        if fresh["weight"] is not None:
            weight = broadcast(fresh["weight"], n)
        if as_rows or n_rows - 1 < d:
            X = mean + streams.normal((n_rows, d)) @ factor.T
            rows = Rows(
                X,
                None if weight is None else np.repeat(weight[:, None], n_rows, 1),
                np.ones(X.shape[:2], dtype=bool),
            )
            return rows if as_rows else self.stats_of(rows)
        noise = streams.normal(d) / np.sqrt(n_rows)
        wishart = self._wishart(streams, n_rows)
        w = np.ones(n) if weight is None else weight
        return _Moments(
            w * n_rows,
            w**2 * n_rows,
            np.full(n, n_rows),
            mean + noise @ factor.T,
            (factor @ wishart @ factor.T) * w[:, None, None],
        )

    def real_part(self, rows, as_rows):
        if as_rows:
            return self.real_rows_of(rows)
        if rows is None:
            return self.real_stats.broadcast(self.n_repeats)
        return self.stats_of(self.real_rows_of(rows))

    def stats_of(self, rows):
        X = rows.values
        weight = np.ones(X.shape[:2]) if rows.weight is None else rows.weight
        positive = weight > 0
        total = weight.sum(axis=1)
        mean = np.einsum("rn,rnk->rk", weight, X) / total[:, None]
        # features constant over the rows of positive weight: exactly that
        # value, and no spread, as GaussianDensity.fit makes them
        masked = np.where(positive[:, :, None], X, np.nan)
        with np.errstate(invalid="ignore"):
            low, high = np.nanmin(masked, axis=1), np.nanmax(masked, axis=1)
        constant = low == high
        mean = np.where(constant, high, mean)
        centred = np.where(positive[:, :, None], X - mean[:, None, :], 0.0)
        centred = np.where(constant[:, None, :], 0.0, centred)
        # a matrix product per repeat (a three-operand einsum does not use BLAS)
        scatter = np.swapaxes(centred * weight[:, :, None], 1, 2) @ centred
        return _Moments(
            total, np.sum(weight**2, axis=1), positive.sum(axis=1), mean, scatter
        )

    def fit(self, stats, generation):
        denominator = stats.weight - self.ddof
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            if self.covariance_type == "full":
                covariance = stats.scatter / denominator[:, None, None]
                covariance = covariance / 2 + np.swapaxes(covariance, 1, 2) / 2
            else:
                variances = np.diagonal(stats.scatter, axis1=1, axis2=2)
                variances = variances / denominator[:, None]
                if self.covariance_type == "spherical":
                    variances = np.repeat(
                        variances.mean(axis=1, keepdims=True), self.n_features, axis=1
                    )
                covariance = variances[:, :, None] * np.eye(self.n_features)
        finite = np.all(np.isfinite(stats.mean), axis=1) & np.all(
            np.isfinite(covariance), axis=(1, 2)
        )
        degenerate = (stats.weight <= self.ddof) | ~finite
        if np.any(degenerate):
            fitted = ~degenerate
            self.mean = np.where(fitted[:, None], stats.mean, self.mean)
            self.covariance = np.where(
                fitted[:, None, None], covariance, self.covariance
            )
        else:
            self.mean, self.covariance = stats.mean, covariance
        return degenerate

    def measure(self, stats, generation):
        wanted, record = self.wanted, {}
        if "log_likelihood_real" in wanted:
            record["log_likelihood_real"] = self._log_likelihood(
                self.real_stats.mean, self.real_second, self.real_rows
            )
        if self.validation is not None and "log_likelihood_validation" in wanted:
            rows, mean, second = self.validation
            record["log_likelihood_validation"] = self._log_likelihood(
                mean, second, rows
            )
        if "total_variance" in wanted:
            with np.errstate(invalid="ignore", divide="ignore"):
                trace = np.trace(stats.scatter, axis1=1, axis2=2) / (
                    stats.weight - stats.sum_squares / stats.weight
                )
            record["total_variance"] = np.where(stats.n_rows < 2, 0.0, trace)
        if "wasserstein" in wanted:
            record["wasserstein"] = self._sliced_wasserstein(generation)
        if "mean_shift" in wanted:
            shift = stats.mean - self.real_stats.mean
            record["mean_shift"] = (
                np.abs(shift[:, 0])
                if self.n_features == 1
                else np.linalg.norm(shift, axis=1)
            )
        return record

    def seeded_first(self):
        """Generation 0's sliced Wasserstein distance of every repeat (its
        own directions and model sample)."""
        if "wasserstein" not in self.wanted:
            return {}
        return {"wasserstein": self._sliced_wasserstein(0)}

    def _sliced_wasserstein(self, generation):
        """The refit path's sliced Wasserstein distance, repeat by repeat:
        its directions and capped real rows (generation 0's streams of the
        repeat's seed table) and its seeded sample of the model
        (``Stream.METRIC_SAMPLE`` of the generation), so given the model it
        is exactly the refit path's number. It costs a sort of
        ``N_MODEL_SAMPLES x N_PROJECTIONS`` values per repeat and generation,
        which dominates a batched run that asks for it."""
        from .. import _metrics
        from .._random import SeedTable, Stream, draw_seed
        from .._sampling import draw_samples
        from ..density import N_METRIC_ROWS, N_MODEL_SAMPLES, N_PROJECTIONS

        if self.seeds is None:  # a defect of the loop, never the user's
            raise RuntimeError("the batched loop did not set the repeats' seeds")
        rows = self.real_rows
        if self._sliced is None:
            self._sliced = []
            for r, seed in enumerate(self.seeds):
                seeds = SeedTable(int(seed))
                i = r if rows.values.shape[0] > 1 else 0
                X = rows.values[i]
                weight = None if rows.weight is None else rows.weight[i]
                rng = seeds.rng(0, Stream.METRIC_DIRECTIONS)
                n_projections = N_PROJECTIONS if X.shape[1] > 1 else 1
                directions = rng.standard_normal((X.shape[1], n_projections))
                directions = directions / np.linalg.norm(directions, axis=0)
                if X.shape[0] > N_METRIC_ROWS:
                    keep = np.sort(
                        seeds.rng(0, Stream.METRIC_ROWS).choice(
                            X.shape[0], size=N_METRIC_ROWS, replace=False
                        )
                    )
                    X = X[keep]
                    weight = None if weight is None else weight[keep]
                n_model = min(max(N_MODEL_SAMPLES, X.shape[0]), N_METRIC_ROWS)
                self._sliced.append((directions, X @ directions, weight, n_model))
        value = np.empty(self.n_repeats)
        for r, model in enumerate(self.models()):
            directions, projected, weight, n_model = self._sliced[r]
            rng = SeedTable(int(self.seeds[r])).rng(generation, Stream.METRIC_SAMPLE)
            sample = draw_samples(model, n_model, random_state=draw_seed(rng))
            distances = _metrics.wasserstein_1d(
                np.asarray(sample, dtype=float) @ directions, projected, weight
            )
            value[r] = float(np.mean(distances))
        return value

    def _log_likelihood(self, mean, second, rows):
        """Mean log-density of rows under every repeat's model, from their
        (weighted) mean and second central moment; the singular models (a
        constant feature, a rank-deficient covariance) row by row, with the
        refit's own ``_gaussian_log_density``."""
        model_mean, covariance = self.mean, self.covariance
        temperature = self.model_temperature
        d = self.n_features
        if d == 1:
            variance = covariance[:, 0, 0]
            singular = ~(variance > 0)
            with np.errstate(divide="ignore", invalid="ignore"):
                maha = (second[:, 0, 0] + (mean - model_mean)[:, 0] ** 2) / variance
                log_pdet = np.log(variance * temperature)
            maha = maha / temperature
        else:
            std, varying, eigenvalues, eigenvectors = _decompose(covariance)
            singular = ~np.all(varying, axis=1) | ~np.all(eigenvalues > 0, axis=1)
            safe_std = np.where(varying, std, 1.0)
            delta = (mean - model_mean) / safe_std
            moment = second / (safe_std[:, :, None] * safe_std[:, None, :]) + (
                delta[:, :, None] * delta[:, None, :]
            )
            projected = np.einsum("rjk,rjl,rlk->rk", eigenvectors, moment, eigenvectors)
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                maha = np.sum(projected / eigenvalues, axis=1) / temperature
                log_pdet = (
                    np.sum(np.log(eigenvalues), axis=1)
                    + d * np.log(temperature)
                    + 2 * np.sum(np.log(safe_std), axis=1)
                )
        value = -0.5 * (d * np.log(2 * np.pi) + log_pdet + maha)
        for r in np.flatnonzero(singular):
            i = r if rows.values.shape[0] > 1 else 0
            scores = _gaussian_log_density(
                rows.values[i], model_mean[r], covariance[r], temperature
            )
            weight = None if rows.weight is None else rows.weight[i]
            if weight is None:
                value[r] = float(np.mean(scores))
            else:
                positive = weight > 0
                value[r] = float(np.average(scores[positive], weights=weight[positive]))
        return value
