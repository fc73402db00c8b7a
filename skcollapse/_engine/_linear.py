"""Batched ``RecursiveRetrainer`` over ``LinearRegression`` and ``Ridge``.

With ``inputs="reuse"`` or ``"bootstrap"`` every training row, real or
synthetic, has the inputs of one real row (a *design row*), so a training set
is summarised per design row: its total weight ``c_i``, its weighted label
sum ``s_i`` (what the weighted least-squares fit needs), and, for
``label_noise="residual"``, its unweighted count, label sum and the
within-row scatter of the labels (what the residuals of the refit's
``batch.y - predict(batch.X)`` need, without cancellation). Accumulating is
a running sum of these. The fit solves the normal equations of the centred
problem (the weighted means removed, as scikit-learn centres for the
intercept) with the ridge penalty, so ``LinearRegression``, ``Ridge`` and
both ``fit_intercept`` give the refit's coefficients up to rounding. With a
unit weight on every design row (the fixed-design chain: ``inputs="reuse"``
and as many synthetic rows as real ones) the Gram matrix is the same in
every generation and repeat and is factorised once.
"""

# Authors: The skcollapse developers
# SPDX-License-Identifier: BSD-3-Clause

import numbers

import numpy as np
from scipy.linalg import lapack
from sklearn.linear_model import LinearRegression, Ridge

from .._sources import LinearSource
from ..generative import GaussianDensity, _decompose_covariance
from ..regularization import AdaptiveRegularization, _penalty
from ._density import broadcast
from ._protocol import BatchedProblem, Rows, evaluate_with

__all__ = ["LinearFamily"]


#: The scorers of ``collapse_curve``'s ``scoring`` computed in arrays, by
#: name: ``(n_repeats, n_test, k)`` predictions and targets -> (n_repeats,).
def _r2_scores(y, prediction):
    total = np.sum((y - y.mean(axis=1, keepdims=True)) ** 2, axis=1)
    return LinearFamily._r2(y, prediction, total)


_SCORERS = {
    "r2": _r2_scores,
    "neg_mean_squared_error": lambda y, p: -np.mean((y - p) ** 2, axis=(1, 2)),
    "neg_mean_absolute_error": lambda y, p: -np.mean(np.abs(y - p), axis=(1, 2)),
    "neg_root_mean_squared_error": lambda y, p: (
        -np.mean(np.sqrt(np.mean((y - p) ** 2, axis=1)), axis=1)
    ),
}

#: Ridge solvers that compute the exact solution (the others iterate to a
#: tolerance).
_EXACT_SOLVERS = ("auto", "svd", "cholesky")

#: Values per (n_block, d, d) array of the per-repeat linear algebra
#: (Bartlett factors, Gram matrices, solves): a block of repeats is
#: processed at a time so that its temporaries stay in the cache. Every
#: product and solve is one repeat's matrix at a time, so a repeat's numbers
#: do not depend on the block (nor on the chunk).
_BLOCK_VALUES = 2**16


def _block_size(d):
    """Repeats per block for (d, d) matrices."""
    return max(1, _BLOCK_VALUES // (d * d))


def _matmul(A, B, out=None):
    """``A @ B`` of stacked matrices (one per repeat, broadcast), rounded the
    same wherever a repeat's matrices sit in memory. A product with one row
    or one column is an einsum: numpy 1.x computes it as BLAS's
    matrix-vector product on each repeat's sub-array, whose rounding depends
    on the sub-array's memory alignment, so that a repeat's numbers would
    depend on its place in the chunk (the products of more rows and columns,
    BLAS's matrix-matrix ones, do not)."""
    if A.shape[-2] == 1 or B.shape[-1] == 1:
        return np.einsum("...ij,...jk->...ik", A, B, out=out)
    return np.matmul(A, B, out=out)


class _Design:
    """Per design row: weight ``c`` (None: 1 on every row), weighted label sum
    ``s``; for residuals, count ``m``, label sum ``u`` and the within-row
    scatter ``within`` (per output); rows ``n_rows``."""

    def __init__(self, c, s, n_rows, m=None, u=None, within=None):
        self.c, self.s, self.n_rows = c, s, n_rows
        self.m, self.u, self.within = m, u, within

    def _full(self):
        c = np.ones(self.s.shape[:2]) if self.c is None else self.c
        m = c if self.m is None and self.c is None else self.m
        return c, m

    def __add__(self, other):
        ca, ma = self._full()
        cb, mb = other._full()
        within = None
        if self.within is not None:
            total = ma + mb
            with np.errstate(invalid="ignore", divide="ignore"):
                gap = self.u / ma[:, :, None] - other.u / mb[:, :, None]
                share = np.where(total > 0, ma * mb / total, 0.0)
            gap = np.where((ma > 0)[:, :, None] & (mb > 0)[:, :, None], gap, 0.0)
            within = self.within + other.within + np.einsum("rn,rnk->rk", share, gap**2)
        return _Design(
            ca + cb,
            self.s + other.s,
            self.n_rows + other.n_rows,
            None if ma is None or mb is None else ma + mb,  # residuals only
            None if self.u is None or other.u is None else self.u + other.u,
            within,
        )

    def keep(self, repeats):
        def pick(a):
            return None if a is None else a[repeats]

        return _Design(
            pick(self.c),
            self.s[repeats],
            self.n_rows[repeats],
            pick(self.m),
            pick(self.u),
            pick(self.within),
        )


class _Shortcut:
    """A synthetic batch of the fixed-design chain, as the fit sees it: the
    previous coefficients, the noise level and ``xi = Q'z``; ``outside`` is
    the squared norm of the rest of ``z`` (see ``LinearFamily``)."""

    def __init__(self, theta, sigma, xi, outside, n_rows):
        self.theta, self.sigma, self.xi = theta, sigma, xi
        self.outside, self.n_rows = outside, n_rows

    def keep(self, repeats):
        return _Shortcut(
            self.theta[repeats],
            self.sigma[repeats],
            self.xi[repeats],
            self.outside[repeats],
            self.n_rows,
        )


class _Moments:
    """Training rows with inputs of their own (fresh inputs, fresh real rows),
    per repeat: total weight ``w``, weighted means ``mx`` (d) and ``my`` (k),
    weighted centred co-moments ``cxx`` (d, d) and ``cxy`` (d, k); for
    ``label_noise="residual"``, the unweighted ones too (``unweighted``, a
    :class:`_Moments` without residual part, or None when every weight is
    1) and the centred label scatter ``cyy`` (k). Combined exactly by the
    pairwise update (Chan et al.), so an accumulated pool is a running sum
    without cancellation."""

    def __init__(self, w, mx, my, cxx, cxy, n_rows, cyy=None, unweighted=None):
        self.w, self.mx, self.my, self.cxx, self.cxy = w, mx, my, cxx, cxy
        self.n_rows, self.cyy, self.unweighted = n_rows, cyy, unweighted

    @classmethod
    def of(cls, X, y, weight, residual):
        """Moments of rows ``X`` (R, n, d), ``y`` (R, n, k), ``weight`` (R, n)."""
        n = np.full(X.shape[0], X.shape[1])
        if weight is None:
            w = np.full(X.shape[0], float(X.shape[1]))
            mx, my = X.mean(axis=1), y.mean(axis=1)
            dx, dy = X - mx[:, None, :], y - my[:, None, :]
            dxt = np.swapaxes(dx, 1, 2)
            cxx, cxy = _matmul(dxt, dx), _matmul(dxt, dy)
            cyy = np.sum(dy**2, axis=1) if residual else None
            return cls(w, mx, my, cxx, cxy, n, cyy)
        w = weight.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            safe = np.where(w > 0, w, 1.0)
            mx = np.einsum("rn,rnd->rd", weight, X) / safe[:, None]
            my = np.einsum("rn,rnk->rk", weight, y) / safe[:, None]
        dx, dy = X - mx[:, None, :], y - my[:, None, :]
        dxt = np.swapaxes(dx * weight[:, :, None], 1, 2)
        cxx, cxy = _matmul(dxt, dx), _matmul(dxt, dy)
        unweighted = cls.of(X, y, None, True) if residual else None
        return cls(w, mx, my, cxx, cxy, n, None, unweighted)

    def __add__(self, other):
        w = self.w + other.w
        with np.errstate(invalid="ignore", divide="ignore"):
            share = np.where(w > 0, other.w / np.where(w > 0, w, 1.0), 0.0)
        dx, dy = other.mx - self.mx, other.my - self.my
        mx = self.mx + share[:, None] * dx
        my = self.my + share[:, None] * dy
        cross = self.w * share  # w_a w_b / w
        cxx = self.cxx + other.cxx + cross[:, None, None] * dx[:, :, None] * dx[:, None]
        cxy = self.cxy + other.cxy + cross[:, None, None] * dx[:, :, None] * dy[:, None]
        cyy = unweighted = None
        if self.unweighted is not None or other.unweighted is not None:
            unweighted = self._plain() + other._plain()
        elif self.cyy is not None:  # unit weights: the moments are unweighted
            cyy = self.cyy + other.cyy + cross[:, None] * dy**2
        return _Moments(
            w, mx, my, cxx, cxy, self.n_rows + other.n_rows, cyy, unweighted
        )

    def _plain(self):
        """The unweighted moments (with the label scatter)."""
        return self if self.unweighted is None else self.unweighted

    def keep(self, repeats):
        return _Moments(
            self.w[repeats],
            self.mx[repeats],
            self.my[repeats],
            self.cxx[repeats],
            self.cxy[repeats],
            self.n_rows[repeats],
            None if self.cyy is None else self.cyy[repeats],
            None if self.unweighted is None else self.unweighted.keep(repeats),
        )

    def rss(self, coef, intercept):
        """Unweighted residual sum of squares per output of ``coef`` (R, k, d)
        and ``intercept`` (R, k): centred, no cancellation of the means."""
        plain = self._plain()
        fitted = np.einsum("rkd,rdk->rk", coef, plain.cxy)
        spread = np.einsum("rkd,rde,rke->rk", coef, plain.cxx, coef)
        offset = plain.my - np.einsum("rd,rkd->rk", plain.mx, coef) - intercept
        total = plain.cyy - 2 * fitted + spread + plain.n_rows[:, None] * offset**2
        return np.maximum(total, 0.0)


def _check_alpha(value, generation):
    """A schedule's alpha, or the refit path's error for a value Ridge rejects."""
    if (
        isinstance(value, (bool, np.bool_))
        or not isinstance(value, numbers.Real)
        or not value >= 0
    ):
        raise ValueError(
            f"The regularization schedule set {{'alpha': {value!r}}} at generation "
            f"{generation}, which Ridge rejects: alpha must be a float in the "
            "range [0.0, inf)."
        )
    return float(value)


def _gaussian_inputs_types():
    from ..experiments._fresh import GaussianInputs as FreshInputs
    from ..experiments._regression import GaussianInputs

    return (GaussianInputs, FreshInputs)


def _sampler_kind(inputs):
    """``"reuse"``, ``"bootstrap"``, ``"density"`` (a GaussianDensity fitted
    on the real inputs), ``"standard"`` (the experiments' ``N(0, I)``
    inputs) or None (not covered)."""
    if isinstance(inputs, str):
        return inputs if inputs in ("reuse", "bootstrap") else None
    if type(inputs) is GaussianDensity:
        return "density"
    if type(inputs) in _gaussian_inputs_types():
        return "standard"
    return None


def _per_row(index, values, n_design, weight=None):
    """Sums of ``values`` (n_repeats, n_rows, k), or of ``weight``, per design
    row ``index`` (n_repeats, n_rows) -> (n_repeats, n_design[, k])."""
    n_repeats = index.shape[0]
    flat = (index + (np.arange(n_repeats) * n_design)[:, None]).ravel()
    size = n_repeats * n_design
    if values is None:
        w = None if weight is None else weight.ravel()
        return np.bincount(flat, weights=w, minlength=size).reshape(n_repeats, n_design)
    out = np.empty((n_repeats, n_design, values.shape[2]))
    for j in range(values.shape[2]):
        v = values[:, :, j] if weight is None else values[:, :, j] * weight
        out[:, :, j] = np.bincount(flat, weights=v.ravel(), minlength=size).reshape(
            n_repeats, n_design
        )
    return out


class LinearFamily(BatchedProblem):
    """``RecursiveRetrainer(LinearRegression() or Ridge(alpha))`` on a fixed
    design: ``inputs`` "reuse" or "bootstrap", ``label_noise`` a number or
    ``"residual"``, any ``fit_intercept``, one or several outputs."""

    diversity_key = "prediction_std"

    @classmethod
    def bases(cls):
        return (LinearRegression, Ridge)

    @classmethod
    def covers(cls, owner):
        base = owner.estimator
        name = type(base).__name__
        if getattr(base, "positive", False):
            return f"{name}(positive=True)"
        if isinstance(base, Ridge):
            alpha = base.alpha
            per_target = np.ndim(alpha) == 1 and all(
                isinstance(a, numbers.Real) and not isinstance(a, (bool, np.bool_))
                for a in np.asarray(alpha, dtype=object)
            )
            scalar = isinstance(alpha, numbers.Real) and not isinstance(alpha, bool)
            if not (scalar or per_target):
                return (
                    f"Ridge(alpha={alpha!r}) (batched: a float or a 1-D array "
                    "of one float per target)"
                )
            if base.solver not in _EXACT_SOLVERS:
                return f"Ridge(solver={base.solver!r}) (batched: {_EXACT_SOLVERS})"
        if _sampler_kind(owner.inputs) is None:
            return (
                f"inputs={owner.inputs!r} (batched: 'reuse', 'bootstrap', a "
                "GaussianDensity, GaussianInputs)"
            )
        noise = owner.label_noise
        if noise == "auto":
            noise = owner._check_own_params()
        if isinstance(noise, str) and noise != "residual":
            return f"label_noise={owner.label_noise!r} (batched: a number, 'residual')"
        return None

    @classmethod
    def fresh_sources(cls):
        return (LinearSource,)

    @classmethod
    def regularizes(cls, owner):
        regularization = owner.regularization
        if isinstance(regularization, dict):
            others = sorted(set(regularization) - {"alpha"})
            if others or not isinstance(owner.estimator, Ridge):
                return (
                    f"regularization={regularization!r} (batched: a schedule of "
                    "Ridge's alpha)"
                )
            return None
        if type(regularization) is AdaptiveRegularization:
            if regularization.param != "alpha" or not isinstance(
                owner.estimator, Ridge
            ):
                return (
                    f"regularization={regularization!r} (batched: "
                    "AdaptiveRegularization of Ridge's alpha)"
                )
            return None
        return (
            f"regularization={regularization!r} (batched: a dict of schedules, "
            "AdaptiveRegularization)"
        )

    @classmethod
    def new_keys(cls, owner):
        if _sampler_kind(owner.inputs) not in ("reuse", "bootstrap"):
            return ()  # sampled inputs have no real label to compare with
        return ("synthetic_error", "selected_error")

    def __init__(self, owner, real, models, n_repeats):
        self.n_repeats = n_repeats
        self.wanted = set(owner._check_metrics())
        base = owner.estimator
        self.fit_intercept = bool(base.fit_intercept)
        self.alpha = 0.0
        if isinstance(base, Ridge):
            # a float, or one penalty per target (Ridge checks its length at
            # generation 0's fit, which the refit path makes)
            self.alpha = (
                float(base.alpha)
                if np.ndim(base.alpha) == 0
                else np.asarray(base.alpha, dtype=float)
            )
        noise = owner.label_noise
        if noise == "auto":
            noise = owner._check_own_params()
        self.residual = noise == "residual"
        self.noise = None if self.residual else float(noise)
        self.scale = np.sqrt(float(owner.temperature))
        self.inputs = owner.inputs
        self.base = base
        self.one_output = np.ndim(real.y) == 2  # (repeats, rows): a 1-D y
        self.per_repeat = bool(real.per_repeat)
        self._test_set = None

        X = np.asarray(real.X, dtype=float)
        y = np.asarray(real.y, dtype=float)
        if y.ndim == 2:
            y = y[:, :, None]
        self.X, self.y = X, y
        n_real = self.n_real = X.shape[1]
        self.weight = real.weight
        self.weighted = real.weight is not None or owner.synthetic_weight != 1.0
        self.synthetic_weight = float(owner.synthetic_weight)
        self.real_rows = Rows(
            broadcast(np.arange(n_real)[None], X.shape[0]),
            real.weight,
            np.ones((X.shape[0], n_real), dtype=bool),
            y,
        )
        if models is None:  # generation 0 fitted by the loop (first_generation)
            coef = [np.zeros((y.shape[2], X.shape[2]))]
            intercept = [np.zeros(y.shape[2])]
        else:
            coef = [np.asarray(m.coef_, float).reshape(y.shape[2], -1) for m in models]
            intercept = [
                np.broadcast_to(np.asarray(m.intercept_, float), (y.shape[2],))
                for m in models
            ]
        self.coef = broadcast(np.stack(coef), n_repeats).copy()  # (R, k, d)
        self.intercept = broadcast(np.stack(intercept), n_repeats).copy()
        self.output = self._predict(self.X)
        self.first = self.output
        self.real_total = np.sum((y - y.mean(axis=1, keepdims=True)) ** 2, axis=1)
        self.validation = None
        if real.X_val is not None:
            y_val = np.asarray(real.y_val, dtype=float)
            if y_val.ndim == 2:
                y_val = y_val[:, :, None]
            self.validation = (np.asarray(real.X_val, dtype=float), y_val)
        if self.residual:
            residual = y - self.output
            self.residual_rms = np.sqrt(np.mean(residual**2, axis=1))  # (R', k)
            self.residual_rms = broadcast(self.residual_rms, n_repeats)
        self._shared = None
        self._drawn = {}
        self.kind = _sampler_kind(owner.inputs)
        self.sampler = self._set_up_sampler(owner.inputs)
        self.fresh = None
        if owner.real_sampling == "fresh":
            self.fresh = self._set_up_fresh(owner.real_source)
        # rows with inputs of their own: moments, not design-row sums
        self.moments = self.sampler is not None or self.fresh is not None
        self._real_moments = None
        self._param = {}
        if self.moments:
            self.real_rows = Rows(X, real.weight, self.real_rows.real, y)
        self.schedule = self._set_up_schedule(owner, real)
        self.shortcut = None
        if not self.moments and self.schedule is None:
            self.shortcut = self._set_up_shortcut(owner)

    def _set_up_sampler(self, inputs):
        """``(mean (R', d), factor (R', d, d))`` of the input sampler, whose
        rows are ``mean + factor z`` for standard normal ``z``; None for the
        real inputs. A GaussianDensity is fitted on each real data set as
        the refit path fits it (rows ``N(mean_, temperature * covariance_)``,
        ``_sample_gaussian``'s factor, its constant features exactly
        ``mean_``)."""
        d = self.X.shape[2]
        if self.kind == "standard":
            if inputs.n_features != d:
                raise ValueError(
                    f"inputs={inputs!r} draws {inputs.n_features} features; the "
                    f"real data has {d}."
                )
            return np.zeros((1, d)), np.eye(d)[None]
        if self.kind != "density":
            return None
        from sklearn.base import clone

        means, factors = [], []
        for X in self.X:
            model = clone(inputs).fit(X)
            std, varying, eigenvalues, eigenvectors, _ = _decompose_covariance(
                model.covariance_
            )
            factor = np.zeros((d, d))
            scale = std[varying] * np.sqrt(float(model.temperature))
            block = eigenvectors * np.sqrt(eigenvalues) * scale[:, None]
            factor[np.ix_(varying, np.arange(block.shape[1]))] = block
            means.append(np.asarray(model.mean_, float))
            factors.append(factor)
        return np.stack(means), np.stack(factors)

    def _set_up_fresh(self, source):
        """The LinearSource of ``real_sampling="fresh"``: its factor, true
        coefficients, intercept and noise."""
        d, k = self.X.shape[2], self.y.shape[2]
        if (
            source.n_features != d
            or source.n_targets != k
            or (source.coef.ndim == 1) != self.one_output
        ):
            raise ValueError(
                f"real_source={source!r} draws rows of {source.n_features} "
                f"features and {source.n_targets} target(s); the real data has "
                f"{d} features and {k} target(s)."
            )
        weight = None
        if self.weight is not None:
            weight = np.asarray(self.weight, float).mean(axis=1)  # (R',)
        return {
            "factor": source._factor,
            "coef": source._coef_2d(),
            "intercept": source._intercept_1d(),
            "noise": float(source.noise),
            "weight": weight,
        }

    def _set_up_schedule(self, owner, real):
        """``generation, n_train, n_real, weight_sum -> alpha (R,)``, or None."""
        regularization = owner.regularization
        if regularization is None:
            return None
        if isinstance(regularization, dict):
            schedule = regularization["alpha"]

            def alpha(generation, n_train, n_real, weight_sum, noise_scale):
                if not callable(schedule):
                    return np.full(len(n_train), float(schedule))
                values = {n: schedule(generation, int(n)) for n in np.unique(n_train)}
                return np.array([_check_alpha(values[n], generation) for n in n_train])

            return alpha
        hook = regularization
        d, data = self.X.shape[2], owner.data
        estimates = []
        for i in range(self.X.shape[0]):
            from ..regularization import GenerationContext

            context = GenerationContext(
                generation=0, n_train=self.n_real, n_real=self.n_real,
                n_real_total=self.n_real, X=self.X[i], y=self.y[i],
                sample_weight=None if self.weight is None else self.weight[i],
                estimator=self.base, previous=None, label_noise_scale=np.nan,
                data=data, real_X=real.X[i], real_y=real.y[i],
                real_sample_weight=None if real.weight is None else real.weight[i],
            )  # fmt: skip
            estimates.append(hook._real_data_estimates(context, d, self.fit_intercept))
        self.estimates = np.array(estimates)  # (R', 2): noise variance, ||w0||^2
        self.history = [
            np.full(self.n_repeats, float(self.n_real)),
            np.full(self.n_repeats, float(self.n_real)),
            np.full(self.n_repeats, np.nan),
        ]

        def alpha(generation, n_train, n_real, weight_sum, noise_scale):
            n_train_past, n_real_past, scales = self.history
            n_rows = len(n_train)
            scale = np.broadcast_to(np.asarray(noise_scale, float), (n_rows,))
            if hook.synthetic_noise is not None:
                scale = np.full(n_rows, float(hook.synthetic_noise))
            estimates = broadcast(self.estimates, n_rows)
            values = np.empty(n_rows)
            cache = {}
            for r in range(n_rows):
                past = np.c_[n_train_past[r], n_real_past[r], scales[r]]
                key = (past.tobytes(), n_train[r], n_real[r], scale[r], weight_sum[r],
                       estimates[r].tobytes())  # fmt: skip
                if key not in cache:
                    variances = np.append(scales[r], scale[r]) ** 2
                    if hook.synthetic_noise is not None:
                        variances[:] = float(hook.synthetic_noise) ** 2
                    variances[0] = np.nan
                    records = np.column_stack(
                        [
                            np.append(n_train_past[r], n_train[r]),
                            np.append(n_real_past[r], n_real[r]),
                            variances,
                        ]
                    )
                    lam = _penalty(records, data, d, self.fit_intercept, *estimates[r])
                    cache[key] = float(weight_sum[r] * lam)
                values[r] = cache[key]
            self.history = [
                np.c_[n_train_past, n_train],
                np.c_[n_real_past, n_real],
                np.c_[scales, scale],
            ]
            return values

        self.history = [h[:, None] for h in self.history]
        return alpha

    def _set_up_shortcut(self, owner):
        """The exact shortcut of the fixed-design chain, or None.

        Fully synthetic replace loop, ``inputs="reuse"`` with one synthetic
        row per real row, unweighted, one design for every repeat of full
        column rank: the labels are ``f + sigma z`` with ``f`` in the column
        space of the design ``D = Q R``, so the fit only sees ``xi = Q'z ~
        N(0, I_p)``: ``theta_g = T theta_{g-1} + sigma A R' xi`` (``A`` the
        inverse of the penalised Gram matrix, ``T = A D'D``, the identity
        for least squares). What the metrics need of the rest of ``z`` is
        ``eta``, its component along the residual ``y_perp`` of the real
        labels (N(0, 1)), and the squared norm of the remainder
        (chi-square with ``n - p - 1`` degrees of freedom): ``p + 2`` draws
        per output instead of ``n``.
        """
        from .._loop import real_fraction_of, round_count, synthetic_count

        n_real = self.n_real
        n_keep = round_count(real_fraction_of(owner.real_fraction, owner.data), n_real)
        if (
            np.ndim(self.alpha)  # one penalty per target: the general path
            or owner.data != "replace"
            or n_keep
            or self.inputs != "reuse"
            or synthetic_count(owner.synthetic_size, n_real) != n_real
            or self.weighted
            or self.per_repeat
        ):
            return None
        design = self.X[0]
        if self.fit_intercept:
            design = np.c_[design, np.ones(n_real)]
        n_columns = design.shape[1]
        if n_real - n_columns < 2 or np.linalg.matrix_rank(design) < n_columns:
            return None
        q, r = np.linalg.qr(design)
        centred = (
            self.X[0] - self.X[0].mean(axis=0) if self.fit_intercept else self.X[0]
        )
        penalty = self.alpha * np.eye(n_columns)
        if self.fit_intercept:
            penalty[-1, -1] = 0.0
        gram = design.T @ design
        inverse = np.linalg.inv(gram + penalty)
        y = self.y[0]
        projected = q.T @ y
        return {
            "r": r,
            "transition": inverse @ gram,
            "noise": inverse @ r.T,
            "projected": projected,  # Q'y, (p, k)
            "perp": np.sqrt(np.maximum(np.sum(y**2, 0) - np.sum(projected**2, 0), 0)),
            "df": n_real - n_columns - 1,
            "spread": centred.T @ centred,  # of the predictions: beta' Xc'Xc beta
            "first": self._theta(),
        }

    def _theta(self):
        """Coefficients and intercept stacked as (n_repeats, p, k)."""
        theta = np.swapaxes(self.coef, 1, 2)
        if self.fit_intercept:
            theta = np.concatenate([theta, self.intercept[:, None, :]], axis=1)
        return theta

    def _set_theta(self, theta):
        d = self.X.shape[2]
        self.coef = np.swapaxes(theta[:, :d, :], 1, 2)
        self.intercept = (
            theta[:, d, :] if self.fit_intercept else np.zeros(self.intercept.shape)
        )

    def keep(self, repeats):
        self.n_repeats = len(repeats)
        self.coef, self.intercept = self.coef[repeats], self.intercept[repeats]
        self.output = self.output[repeats]
        if self.residual:
            self.residual_rms = self.residual_rms[repeats]
        if self.first.shape[0] > 1:
            self.first = self.first[repeats]
        if self.X.shape[0] > 1:
            self.X, self.y = self.X[repeats], self.y[repeats]
            self.real_total = self.real_total[repeats]
            self.real_rows = self.real_rows.keep(repeats)
            if self.weight is not None:
                self.weight = self.weight[repeats]
            if self.validation is not None:
                self.validation = tuple(v[repeats] for v in self.validation)
            self._shared = None
        self._drawn = {k: v[repeats] for k, v in self._drawn.items()}
        self._param = {k: v[repeats] for k, v in self._param.items()}
        self._real_moments = None
        if self.schedule is not None and hasattr(self, "history"):
            self.history = [h[repeats] for h in self.history]
            if self.estimates.shape[0] > 1:
                self.estimates = self.estimates[repeats]
        if self.sampler is not None and self.sampler[0].shape[0] > 1:
            self.sampler = tuple(a[repeats] for a in self.sampler)
        if self.fresh is not None and self.fresh["weight"] is not None:
            if self.fresh["weight"].shape[0] > 1:
                self.fresh = {**self.fresh, "weight": self.fresh["weight"][repeats]}

    def _predict(self, X, shared=None):
        """Every repeat's predictions at ``X`` (1 or n_repeats, n, d) -> (R, n, k).

        ``shared``: whether ``X`` is the same for every repeat (by default,
        when it has one row on its leading axis and the real data is not per
        repeat)."""
        if shared is None:
            shared = X.shape[0] == 1 and not self.per_repeat
        if shared:
            out = _matmul(X[0], np.swapaxes(self.coef, 1, 2))
        else:
            out = _matmul(X, np.swapaxes(self.coef, 1, 2))
        return out + self.intercept[:, None, :]

    def first_generation(self):
        """Fit generation 0 on the real data (all rows), as the refit path
        fits it; the reference of ``drift``."""
        stats = self.real_part(None, False)
        self.train_counts = (stats.n_rows, stats.n_rows)
        degenerate = self.fit(stats, 0)
        self.first = self.output
        return stats, degenerate

    # -- against a truth and a test set ----------------------------------
    @classmethod
    def evaluates(cls, owner, evaluation):
        return None  # LinearSource and the common scorers in arrays, else models()

    def models(self):
        """Every repeat's model: a clone of the base with ``coef_`` and
        ``intercept_`` set, as its fit sets them."""
        from sklearn.base import clone

        models = []
        d = self.coef.shape[2]
        for coef, intercept in zip(self.coef, self.intercept):
            model = clone(self.base)
            if self.one_output:
                model.coef_ = coef[0].copy()
                model.intercept_ = float(intercept[0]) if self.fit_intercept else 0.0
            else:
                model.coef_ = coef.copy()
                model.intercept_ = intercept.copy() if self.fit_intercept else 0.0
            model.n_features_in_ = d
            models.append(model)
        return models

    def evaluate(self, evaluation, generation):
        return evaluate_with(self, evaluation, generation, self._truth, self._test)

    def _truth(self, source):
        """LinearSource's closed forms of every repeat's coefficients."""
        if type(source) is not LinearSource:
            return None
        W = self.coef - source._coef_2d()
        b = self.intercept - source._intercept_1d()
        with np.errstate(all="ignore"):
            risk = np.einsum("rkd,de,rke->rk", W, source.covariance, W) + b**2
            return {
                "truth_excess_risk": np.mean(risk, axis=1),
                "truth_coef_error": np.mean(np.sum(W**2, axis=2), axis=1),
            }

    def _test(self, evaluation):
        """The named scorers of ``scoring`` (None: ``score``, the R^2)."""
        scoring = evaluation.scoring
        if scoring is None or isinstance(scoring, str):
            names = {"score": "r2" if scoring is None else scoring}
        elif isinstance(scoring, (list, tuple, set)) and all(
            isinstance(name, str) for name in scoring
        ):
            names = {name: name for name in scoring}
        else:
            return None
        if not set(names.values()) <= set(_SCORERS):
            return None
        if self._test_set is None:
            from sklearn.utils import check_array

            X = check_array(evaluation.X_test, dtype="numeric")
            y = np.asarray(evaluation.y_test, dtype=float)
            y = y.reshape(y.shape[0], -1)
            self._test_set = (np.asarray(X, float)[None], y[None])
        X, y = self._test_set
        prediction = self._predict(X, shared=True)
        y = broadcast(y, prediction.shape[0])
        with np.errstate(all="ignore"):
            return {
                f"test_{key}": _SCORERS[name](y, prediction)
                for key, name in names.items()
            }

    # -- the protocol -----------------------------------------------------
    def _rows(self, streams, n_samples):
        """The design rows of a synthetic batch (None: every row, in order)."""
        n_real = self.n_real
        if self.inputs == "bootstrap":
            drawn = np.floor(streams.uniform(n_samples) * n_real).astype(np.int64)
            return np.minimum(drawn, n_real - 1)
        if n_samples == n_real:
            return None
        if n_samples > n_real:
            rows = np.resize(np.arange(n_real), n_samples)
            return np.broadcast_to(rows, (self.n_repeats, n_samples))
        return streams.subset(n_real, n_samples)

    def _noise_sigma(self):
        """The label noise of every repeat, (R, k) or a float, and its scale."""
        n_outputs = self.y.shape[2]
        if self.residual:
            sigma = self.residual_rms * self.scale  # (R, k)
            noise_scale = (
                sigma[:, 0] if n_outputs == 1 else np.sqrt(np.mean(sigma**2, axis=1))
            )
            return sigma, noise_scale
        sigma = self.noise * self.scale
        return sigma, np.full(self.n_repeats, sigma)

    def _synthesize_shortcut(self, streams):
        cut, (n_real, n_outputs) = self.shortcut, self.y.shape[1:]
        n_columns = cut["r"].shape[0]
        xi = streams.normal((n_columns, n_outputs))
        eta = streams.normal(n_outputs)
        rest = streams.chisquare(cut["df"], n_outputs)
        sigma, noise_scale = self._noise_sigma()
        sigma = np.broadcast_to(np.asarray(sigma, float), (self.n_repeats, n_outputs))
        theta = self._theta()
        # f - y = Q (R theta - Q'y) - y_perp
        gap = np.einsum("pq,rqk->rpk", cut["r"], theta) - cut["projected"]
        cross = np.einsum("rpk,rpk->rk", gap, xi) - cut["perp"] * eta
        squares = np.sum(xi**2, axis=1) + eta**2 + rest
        error = (
            np.sum(gap**2, axis=1)
            + cut["perp"] ** 2
            + 2 * sigma * cross
            + sigma**2 * squares
        )
        error = np.sum(error, axis=1) / (n_real * n_outputs)
        self._drawn = {
            "label_noise_scale": noise_scale,
            "synthetic_error": error,
            "selected_error": error,
        }
        return _Shortcut(theta, sigma, xi, eta**2 + rest, n_real)

    def _synthesize_sampled(self, streams, n_samples, as_rows):
        """A batch of fresh inputs ``mean + factor z`` labelled by every
        repeat's model (no real label behind them)."""
        mean, factor = self.sampler
        d, n_outputs = self.X.shape[2], self.y.shape[2]
        sigma, noise_scale = self._noise_sigma()
        sigma = np.broadcast_to(np.asarray(sigma, float), (self.n_repeats, n_outputs))
        self._drawn = {"label_noise_scale": noise_scale}
        weight = None
        if self.weighted:
            mean_weight = (
                np.ones(self.n_repeats)
                if self.weight is None
                else broadcast(
                    np.asarray(self.weight, float).mean(axis=1), self.n_repeats
                )
            )
            weight = self.synthetic_weight * mean_weight
        if not as_rows and n_samples > d:
            return self._sampled_moments(streams, n_samples, sigma, weight)
        z = streams.normal((n_samples, d))
        X = _matmul(z, np.swapaxes(broadcast(factor, z.shape[0]), 1, 2))
        X += broadcast(mean, z.shape[0])[:, None, :]
        noise = streams.normal((n_samples, n_outputs)) * sigma[:, None, :]
        labels = self._predict(X) + noise
        if weight is not None:
            weight = np.repeat(weight[:, None], n_samples, axis=1)
        if as_rows:
            return Rows(X, weight, np.zeros(labels.shape[:2], bool), labels)
        return _Moments.of(X, labels, weight, self.residual)

    def _sampled_moments(self, streams, n, sigma, weight):
        """The moments of a batch of ``n > d`` fresh Gaussian inputs and their
        labels, drawn exactly without the rows: with ``z`` the standard
        normal rows, their mean is ``N(0, I / n)``, their centred scatter
        ``A A' ~ Wishart(n - 1, I)`` (Bartlett's factor ``A``), independent;
        the label noise ``e`` enters through ``Q'e ~ N(0, I_d)`` (``Q`` the
        orthonormal basis of the centred ``z = Q A'``), its mean ``N(0,
        1 / n)`` and the rest of its scatter (chi-square, ``n - 1 - d``
        degrees of freedom), all independent: ``d (d + 1) / 2 + d + (d + 2)
        k`` draws per repeat instead of ``n (d + k)``."""
        mean, factor = self.sampler
        d, k = self.X.shape[2], self.y.shape[2]
        z_mean = streams.normal(d) / np.sqrt(n)
        diagonal = np.sqrt(streams.chisquares(n - 1 - np.arange(d)))
        below = streams.normal(d * (d - 1) // 2)  # the strictly lower triangle
        xi = streams.normal((d, k))
        e_mean = streams.normal(k) / np.sqrt(n)
        rest = None
        if self.residual:
            rest = (
                streams.chisquare(n - 1 - d, k)
                if n - 1 > d
                else np.zeros((self.n_repeats, k))
            )
        R = self.n_repeats
        mx = mean + _matmul(factor, z_mean[:, :, None])[:, :, 0]
        beta = np.swapaxes(self.coef, 1, 2)  # (R, d, k)
        cxx, Gxi, cxy = np.empty((R, d, d)), np.empty((R, d, k)), np.empty((R, d, k))
        # block by block (in the cache): the Bartlett factor A, G = factor A
        # (the centred inputs' factor), cxx = G G', G xi sigma, cxx beta + G xi sigma
        size = min(R, _block_size(d))
        bartlett = np.zeros((size, d * d))  # its upper triangle stays 0
        row, column = np.tril_indices(d, -1)
        lower = row * d + column
        for start in range(0, R, size):
            stop = min(R, start + size)
            block = bartlett[: stop - start]
            block[:, lower] = below[start:stop]
            block[:, :: d + 1] = diagonal[start:stop]
            block = block.reshape(stop - start, d, d)
            G = _matmul(factor if len(factor) == 1 else factor[start:stop], block)
            # G G' from a copy of G': numpy's own A A' (syrk, then a copy of
            # the triangle) is slower on small matrices
            _matmul(G, np.swapaxes(G, 1, 2).copy(), out=cxx[start:stop])
            _matmul(G, xi[start:stop], out=Gxi[start:stop])
            Gxi[start:stop] *= sigma[start:stop, None, :]
            _matmul(cxx[start:stop], beta[start:stop], out=cxy[start:stop])
            cxy[start:stop] += Gxi[start:stop]
        my = np.einsum("rd,rdk->rk", mx, beta) + self.intercept + sigma * e_mean
        nrows = np.full(R, n)
        cyy = None
        if self.residual:
            cyy = (
                np.einsum("rdk,rdk->rk", beta, _matmul(cxx, beta))
                + 2 * np.einsum("rdk,rdk->rk", beta, Gxi)
                + sigma**2 * (np.sum(xi**2, axis=1) + rest)
            )
        plain = _Moments(np.full(R, float(n)), mx, my, cxx, cxy, nrows, cyy)
        if weight is None:
            return plain
        return _Moments(
            n * weight,
            mx,
            my,
            cxx * weight[:, None, None],
            cxy * weight[:, None, None],
            nrows,
            None,
            plain if self.residual else None,
        )

    def fresh_part(self, streams, n_rows, as_rows):
        """``n_rows`` fresh real rows of every repeat, drawn from the
        LinearSource of ``real_sampling="fresh"``, with the mean real weight
        (as the refit path weighs them)."""
        fresh = self.fresh
        d, k = self.X.shape[2], self.y.shape[2]
        X = _matmul(streams.normal((n_rows, d)), fresh["factor"].T)
        y = _matmul(X, fresh["coef"].T) + fresh["intercept"]
        y = y + fresh["noise"] * streams.normal((n_rows, k))
        weight = None
        if fresh["weight"] is not None:
            weight = np.repeat(
                broadcast(fresh["weight"], X.shape[0])[:, None], n_rows, axis=1
            )
        if as_rows:
            return Rows(X, weight, np.ones(X.shape[:2], bool), y)
        return _Moments.of(X, y, weight, self.residual)

    def synthesize(self, streams, n_samples, as_rows):
        if self.shortcut is not None and not as_rows:
            return self._synthesize_shortcut(streams)
        if self.sampler is not None:
            return self._synthesize_sampled(streams, n_samples, as_rows)
        rows = self._rows(streams, n_samples)
        n_outputs = self.y.shape[2]
        noise = streams.normal((n_samples, n_outputs))
        sigma, noise_scale = self._noise_sigma()
        if self.residual:
            noise = noise * sigma[:, None, :]
        else:
            noise = noise * sigma if sigma != 0 else 0.0
        y_real = broadcast(self.y, self.n_repeats)
        if rows is None:
            labels = self.output + noise
            reference = y_real
        else:
            index = rows[:, :, None]
            labels = np.take_along_axis(self.output, index, axis=1) + noise
            reference = np.take_along_axis(y_real, index, axis=1)
        error = np.mean((labels - reference) ** 2, axis=(1, 2))
        self._drawn = {
            "label_noise_scale": noise_scale,
            "synthetic_error": error,
            "selected_error": error,
        }
        weight = None
        if self.weighted:
            real_weight = (
                1.0 if self.weight is None else broadcast(self.weight, self.n_repeats)
            )
            if self.weight is None:
                weight = np.full(labels.shape[:2], self.synthetic_weight)
            elif rows is None:
                weight = self.synthetic_weight * real_weight
            else:
                weight = self.synthetic_weight * np.take_along_axis(
                    real_weight, rows, axis=1
                )
        if as_rows:
            index = (
                np.broadcast_to(np.arange(self.n_real), labels.shape[:2])
                if rows is None
                else rows
            )
            if self.moments:
                index = np.take_along_axis(
                    broadcast(self.X, index.shape[0]), index[:, :, None], axis=1
                )
            return Rows(index, weight, np.zeros(labels.shape[:2], bool), labels)
        if self.moments:
            X = broadcast(self.X, labels.shape[0])
            if rows is not None:
                X = np.take_along_axis(X, rows[:, :, None], axis=1)
            return _Moments.of(X, labels, weight, self.residual)
        if rows is None:
            return self._identity_stats(labels, weight)
        return self.stats_of(Rows(rows, weight, None, labels))

    def _identity_stats(self, labels, weight):
        """Statistics of one row per design row, in order."""
        n = np.full(labels.shape[0], labels.shape[1])
        within = np.zeros((labels.shape[0], labels.shape[2])) if self.residual else None
        if weight is None:
            return _Design(None, labels, n, None, labels, within)
        m = np.ones(labels.shape[:2])
        return _Design(weight, labels * weight[:, :, None], n, m, labels, within)

    def real_part(self, rows, as_rows):
        real = self.real_rows
        n = self.n_repeats
        real = Rows(
            broadcast(real.values, n),
            broadcast(real.weight, n),
            broadcast(real.real, n),
            broadcast(real.extra, n),
        )
        if rows is not None:
            real = real.take(rows)
        if as_rows:
            return real
        if self.moments:
            if rows is None:
                if self._real_moments is None:
                    self._real_moments = self.stats_of(real)
                return self._real_moments
            return self.stats_of(real)
        if rows is None:
            return self._identity_stats(real.extra, real.weight)
        return self.stats_of(real)

    def stats_of(self, rows):
        if self.moments:
            return _Moments.of(rows.values, rows.extra, rows.weight, self.residual)
        index, labels, weight = rows.values, rows.extra, rows.weight
        n_design = self.n_real
        n = np.full(index.shape[0], index.shape[1])
        c = _per_row(index, None, n_design, weight)
        s = _per_row(index, labels, n_design, weight)
        if not self.residual:
            return _Design(c, s, n)
        m = _per_row(index, None, n_design) if weight is not None else c
        u = _per_row(index, labels, n_design) if weight is not None else s
        squares = _per_row(index, labels**2, n_design)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.where(m[:, :, None] > 0, u / m[:, :, None], 0.0)
        within = np.sum(squares - m[:, :, None] * mean**2, axis=1)
        return _Design(c, s, n, m, u, np.maximum(within, 0.0))

    @staticmethod
    def _penalised_solve(gram, right, alpha):
        """``(gram + alpha I)^-1 right`` per repeat, ``gram`` (R, d, d)
        symmetric, ``right`` (R, d, k): a Cholesky solve (LAPACK's ``posv``)
        where ``alpha > 0``; the minimum-norm solution (as lstsq) where
        unpenalised or not numerically positive definite; NaN where the Gram
        matrix is not finite. One repeat's matrix at a time (block by block,
        in the cache), so a repeat's coefficients do not depend on its
        chunk."""
        if alpha.ndim == 2:  # (R, k): one penalty per target, solved apart
            return np.concatenate(
                [
                    LinearFamily._penalised_solve(gram, right[:, :, [j]], alpha[:, j])
                    for j in range(right.shape[2])
                ],
                axis=2,
            )
        n, d = gram.shape[:2]
        coef = np.full(right.shape, np.nan)
        minimum_norm = ~(alpha > 0)
        size = min(n, _block_size(d))
        for start in range(0, n, size):
            stop = min(n, start + size)
            penalised = gram[start:stop].copy()
            penalised.reshape(stop - start, d * d)[:, :: d + 1] += alpha[
                start:stop, None
            ]
            for i in np.flatnonzero(~minimum_norm[start:stop]):
                # the transpose is Fortran-ordered: factorised in place
                _, x, info = lapack.dposv(
                    penalised[i].T, right[start + i], lower=1, overwrite_a=1
                )
                if info == 0:
                    coef[start + i] = x
                else:
                    minimum_norm[start + i] = True
        rows = np.flatnonzero(minimum_norm)
        if len(rows):
            penalised = gram[rows] + alpha[rows, None, None] * np.eye(d)
            finite = np.all(np.isfinite(penalised), axis=(1, 2))
            if np.any(finite):
                inverse = np.linalg.pinv(penalised[finite], hermitian=True)
                coef[rows[finite]] = _matmul(inverse, right[rows[finite]])
        return coef

    def _solve_moments(self, stats, alpha):
        """Every repeat's weighted (ridge) least-squares fit on its moments."""
        gram, right = stats.cxx, stats.cxy
        if not self.fit_intercept:  # the raw second moments
            w = stats.w[:, None, None]
            gram = gram + w * stats.mx[:, :, None] * stats.mx[:, None, :]
            right = right + w * stats.mx[:, :, None] * stats.my[:, None, :]
        coef = np.swapaxes(self._penalised_solve(gram, right, alpha), 1, 2)
        if not self.fit_intercept:
            return coef, np.zeros(stats.my.shape)
        return coef, stats.my - np.einsum("rd,rkd->rk", stats.mx, coef)

    def _solve(self, stats, alpha):
        """Coefficients and intercepts of every repeat's weighted (ridge)
        least-squares fit on its design-row statistics."""
        if isinstance(stats, _Moments):
            return self._solve_moments(stats, alpha)
        X, k = self.X, stats.s.shape[2]
        d = X.shape[2]
        shared = (
            stats.c is None
            and not self.per_repeat
            and alpha.ndim == 1
            and np.all(alpha == alpha[0])
        )
        if shared:
            if self._shared is None or self._shared[0] != alpha[0]:
                mean = X[0].mean(axis=0) if self.fit_intercept else np.zeros(d)
                centred = X[0] - mean
                gram = centred.T @ centred + alpha[0] * np.eye(d)
                inverse = np.linalg.pinv(gram, hermitian=True)
                self._shared = (alpha[0], mean, centred, inverse)
            _, mean, centred, inverse = self._shared
            total = np.full(stats.s.shape[0], X.shape[1], dtype=float)
            y_mean = stats.s.sum(axis=1) / total[:, None]
            right = np.einsum("nd,rnk->rdk", centred, stats.s)
            if self.fit_intercept:
                right -= centred.sum(axis=0)[None, :, None] * y_mean[:, None, :]
            coef = np.einsum("de,rek->rkd", inverse, right)
            intercept = (
                y_mean - np.einsum("d,rkd->rk", mean, coef)
                if self.fit_intercept
                else np.zeros_like(y_mean)
            )
            return coef, intercept
        c = np.ones(stats.s.shape[:2]) if stats.c is None else stats.c
        Xb = broadcast(X, c.shape[0])
        total = c.sum(axis=1)
        if self.fit_intercept:
            mean = np.einsum("rn,rnd->rd", c, Xb) / total[:, None]
            y_mean = stats.s.sum(axis=1) / total[:, None]
        else:
            mean = np.zeros((c.shape[0], d))
            y_mean = np.zeros((c.shape[0], k))
        centred = Xb - mean[:, None, :]
        gram = np.einsum("rn,rnd,rne->rde", c, centred, centred)
        right = np.einsum(
            "rnd,rnk->rdk", centred, stats.s - c[:, :, None] * y_mean[:, None, :]
        )
        coef = np.swapaxes(self._penalised_solve(gram, right, alpha), 1, 2)
        intercept = y_mean - np.einsum("rd,rkd->rk", mean, coef)
        return coef, intercept

    def _fit_shortcut(self, stats):
        cut = self.shortcut
        with np.errstate(all="ignore"):
            theta = np.einsum("pq,rqk->rpk", cut["transition"], stats.theta)
            theta += stats.sigma[:, None, :] * np.einsum(
                "pq,rqk->rpk", cut["noise"], stats.xi
            )
        degenerate = ~np.all(np.isfinite(theta), axis=(1, 2))
        if np.any(degenerate):
            theta = np.where(degenerate[:, None, None], stats.theta, theta)
        if self.residual:
            # the training residuals: R (theta_old - theta) + sigma xi in the
            # column space, sigma times the rest of z outside it
            inside = (
                np.einsum("pq,rqk->rpk", cut["r"], stats.theta - theta)
                + stats.sigma[:, None, :] * stats.xi
            )
            rss = np.sum(inside**2, axis=1) + stats.sigma**2 * stats.outside
            rms = np.sqrt(rss / stats.n_rows)
            self.residual_rms = np.where(degenerate[:, None], self.residual_rms, rms)
        self._set_theta(theta)
        self._theta_now = theta
        return degenerate

    def _measure_shortcut(self):
        """The metrics of the fixed-design chain from the coefficients: the
        predictions at the real rows are ``Q R theta``."""
        cut, theta, record = self.shortcut, self._theta_now, dict(self._drawn)
        (n_real, n_outputs), wanted = self.y.shape[1:], self.wanted
        r = cut["r"]
        if "score_real" in wanted:
            gap = np.einsum("pq,rqk->rpk", r, theta) - cut["projected"]
            residual = np.sum(gap**2, axis=1) + cut["perp"] ** 2
            record["score_real"] = self._score(residual, self.real_total)
        d = self.X.shape[2]
        beta = theta[:, :d, :]
        spread = np.einsum("rdk,de,rek->rk", beta, cut["spread"], beta)
        record["prediction_std"] = np.mean(np.sqrt(np.maximum(spread, 0) / n_real), 1)
        if "drift" in wanted:
            change = np.einsum("pq,rqk->rpk", r, theta - cut["first"])
            record["drift"] = np.sqrt(
                np.sum(change**2, axis=(1, 2)) / (n_real * n_outputs)
            )
        return record

    def fit(self, stats, generation):
        if isinstance(stats, _Shortcut):
            return self._fit_shortcut(stats)
        alpha = self._alpha(stats, generation)
        with np.errstate(all="ignore"):
            coef, intercept = self._solve(stats, alpha)
        labels = stats.my if isinstance(stats, _Moments) else stats.s
        finite = np.all(np.isfinite(labels.reshape(len(labels), -1)), axis=1) & np.all(
            np.isfinite(coef), axis=(1, 2)
        )
        degenerate = ~finite
        if np.any(degenerate):
            coef = np.where(finite[:, None, None], coef, self.coef)
            intercept = np.where(finite[:, None], intercept, self.intercept)
        self.coef, self.intercept = coef, intercept
        self.output = self._predict(self.X)
        if self.residual and isinstance(stats, _Moments):
            with np.errstate(all="ignore"):
                rms = np.sqrt(stats.rss(coef, intercept) / stats.n_rows[:, None])
            self.residual_rms = np.where(finite[:, None], rms, self.residual_rms)
        elif self.residual:
            m = stats.m if stats.m is not None else np.ones(stats.s.shape[:2])
            with np.errstate(invalid="ignore", divide="ignore"):
                mean = np.where(m[:, :, None] > 0, stats.u / m[:, :, None], 0.0)
            output = broadcast(self.output, m.shape[0])
            between = np.einsum("rn,rnk->rk", m, (mean - output) ** 2)
            rss = stats.within + between
            rms = np.sqrt(rss / stats.n_rows[:, None])
            self.residual_rms = np.where(finite[:, None], rms, self.residual_rms)
        return degenerate

    def _alpha(self, stats, generation):
        """Every repeat's penalty of this generation: the base's, or the
        ``regularization`` schedule's as the refit loop computes it (from
        the training set's size, real rows, total weight and label noise)."""
        n = len(stats.n_rows)
        if self.schedule is None:
            if np.ndim(self.alpha):  # (R, k): one penalty per target
                return np.tile(self.alpha, (n, 1))
            return np.full(n, self.alpha)
        n_train, n_real = self.train_counts
        if isinstance(stats, _Moments):
            weight_sum = stats.w if self.weighted else n_train
        else:
            weight_sum = n_train if stats.c is None else stats.c.sum(axis=1)
        if not self.weighted:
            weight_sum = n_train
        alpha = self.schedule(
            generation,
            np.asarray(n_train),
            np.asarray(n_real),
            np.asarray(weight_sum, float),
            self._drawn.get("label_noise_scale", np.nan),
        )
        self._param = {"param_alpha": alpha}
        return alpha

    def measure(self, stats, generation):
        if isinstance(stats, _Shortcut):
            return self._measure_shortcut()
        output, wanted, record = self.output, self.wanted, dict(self._drawn)
        record.update(self._param)
        y = broadcast(self.y, output.shape[0])
        if "score_real" in wanted:
            record["score_real"] = self._r2(y, output, self.real_total)
        if self.validation is not None and "score_validation" in wanted:
            X_val, y_val = self.validation
            y_val = broadcast(y_val, output.shape[0])
            total = np.sum((y_val - y_val.mean(axis=1, keepdims=True)) ** 2, axis=1)
            record["score_validation"] = self._r2(y_val, self._predict(X_val), total)
        centred = output - output.mean(axis=1, keepdims=True)
        record["prediction_std"] = np.mean(np.sqrt(np.mean(centred**2, axis=1)), 1)
        if "drift" in wanted:
            record["drift"] = np.sqrt(np.mean((output - self.first) ** 2, axis=(1, 2)))
        return record

    @classmethod
    def _r2(cls, y, prediction, total):
        """``_metrics.r2`` row-wise: mean over outputs, constant targets scored
        1 when predicted exactly, else 0."""
        return cls._score(np.sum((y - prediction) ** 2, axis=1), total)

    @staticmethod
    def _score(residual, total):
        total = broadcast(total, residual.shape[0])
        with np.errstate(invalid="ignore", divide="ignore"):
            score = np.where(
                total > 0, 1 - residual / total, np.where(residual == 0, 1.0, 0.0)
            )
        return np.mean(score, axis=1)
