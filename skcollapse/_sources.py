"""Data sources: distributions that sample real data and know their truth.

A *source* is the data-generating distribution of the theory. It draws as
many real samples as asked (``sample``), exposes its true parameters as
attributes, and measures a fitted model against the truth (``evaluate``):
exactly where a closed form exists, otherwise on a fixed evaluation sample
drawn once from the source (:data:`EVALUATION_SIZE` rows, seed
:data:`EVALUATION_SEED`).

The keys ``evaluate`` returns carry no prefix; ``collapse_curve(source=...)``
records them as ``truth_<key>``.
"""

# Authors: The skcollapse developers
# SPDX-License-Identifier: BSD-3-Clause

import functools
import numbers

import numpy as np
from scipy.special import logsumexp, ndtr
from sklearn.utils import check_random_state

from .generative import _check_n_samples

__all__ = [
    "EVALUATION_SEED",
    "EVALUATION_SIZE",
    "CategoricalSource",
    "GaussianClassificationSource",
    "GaussianMixtureSource",
    "GaussianSource",
    "LinearSource",
]

#: Rows of the fixed evaluation sample of every source (its Monte Carlo
#: metrics have a standard error of about ``std / 100``).
EVALUATION_SIZE = 10_000
#: Seed of the fixed evaluation sample: ``numpy.random.default_rng(EVALUATION_SEED)``
#: (a PCG64 stream, so it never coincides with a sample drawn with an int
#: ``random_state``, which goes through a ``RandomState``).
EVALUATION_SEED = 20261201
# Rows of the evaluation sample on which "predict is linear in coef_" is checked.
_N_LINEARITY_ROWS = 7
# Nodes of the Gauss-Hermite rule of the exact logistic log-loss.
_N_HERMITE_NODES = 101
# Tolerance of "the probabilities sum to 1" and of symmetry checks.
_SUM_TOL = 1e-6


# ---------------------------------------------------------------- validation
def _check_rng(random_state):
    """A RandomState or Generator from None, an int, a RandomState or a Generator."""
    if isinstance(random_state, np.random.Generator):
        return random_state
    if isinstance(random_state, (bool, np.bool_)):
        raise ValueError(
            f"random_state must be None, an int, a numpy RandomState or a numpy "
            f"Generator; got random_state={random_state!r}."
        )
    try:
        return check_random_state(random_state)
    except ValueError as exc:
        raise ValueError(
            "random_state must be None, an int, a numpy RandomState or a numpy "
            f"Generator; got random_state={random_state!r}."
        ) from exc


def _float_array(value, name, ndims, source):
    """A finite float64 copy of ``value`` with ``ndim`` in ``ndims``."""
    if isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{source}: {name} must be numeric; got {name}={value!r}.")
    try:
        array = np.array(value, dtype=np.float64, copy=True)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"{source}: {name} must be a numeric array-like; got {name}={value!r}."
        ) from exc
    if array.ndim not in ndims:
        accepted = " or ".join(f"{n}-D" for n in ndims)
        raise ValueError(
            f"{source}: {name} must be {accepted}; got an array of shape {array.shape}."
        )
    if array.size == 0:
        raise ValueError(f"{source}: {name} must not be empty; got {name}={value!r}.")
    if not np.all(np.isfinite(array)):
        raise ValueError(
            f"{source}: {name} must be finite; got {name}={_short(array)} holding "
            "NaN or infinity."
        )
    return array


def _check_real(value, name, source, *, low=None, low_closed=True):
    if (
        isinstance(value, (bool, np.bool_))
        or not isinstance(value, numbers.Real)
        or not np.isfinite(value)
    ):
        raise ValueError(
            f"{source}: {name} must be a finite real number; got {name}={value!r}."
        )
    if low is not None and (value < low or (value == low and not low_closed)):
        bound = ">=" if low_closed else ">"
        raise ValueError(
            f"{source}: {name} must be {bound} {low}; got {name}={value!r}."
        )
    return float(value)


def _check_probabilities(value, name, source):
    """A float copy of a probability vector: >= 0 and summing to 1 (renormalised)."""
    p = _float_array(value, name, (1,), source)
    if np.any(p < 0):
        raise ValueError(
            f"{source}: {name} must be non-negative; got {name}={_short(p)}."
        )
    total = float(p.sum())
    if abs(total - 1.0) > _SUM_TOL:
        raise ValueError(
            f"{source}: {name} must sum to 1 (within {_SUM_TOL:g}); got "
            f"{name}={_short(p)}, which sums to {total:.10g}."
        )
    return p / total


def _check_covariance(value, n_features, name, source, *, definite):
    """A (d, d) covariance from a scalar (times I), a 1-D diagonal or a 2-D matrix.

    ``definite=True`` requires it positive definite, else semi-definite.
    """
    array = _float_array(value, name, (0, 1, 2), source)
    if array.ndim == 0:
        array = np.eye(n_features) * float(array)
    elif array.ndim == 1:
        if array.shape[0] != n_features:
            raise ValueError(
                f"{source}: a 1-D {name} is the diagonal of the covariance and "
                f"needs {n_features} entries (one per feature); got {array.shape[0]}."
            )
        array = np.diag(array)
    if array.shape != (n_features, n_features):
        raise ValueError(
            f"{source}: {name} must have shape ({n_features}, {n_features}); got "
            f"{array.shape}."
        )
    scale = max(float(np.max(np.abs(array))), np.finfo(np.float64).tiny)
    if not np.allclose(array, array.T, rtol=0.0, atol=_SUM_TOL * scale):
        raise ValueError(f"{source}: {name} must be symmetric; got {_short(array)}.")
    array = (array + array.T) / 2
    smallest = float(np.linalg.eigvalsh(array)[0])
    if definite and not smallest > _SUM_TOL * 1e-3 * scale:
        raise ValueError(
            f"{source}: {name} must be positive definite (the true density, its "
            "KL divergence and log-determinant need it); got a matrix of "
            f"smallest eigenvalue {smallest:.3g}."
        )
    if not definite and smallest < -_SUM_TOL * scale:
        raise ValueError(
            f"{source}: {name} must be positive semi-definite; got a matrix of "
            f"smallest eigenvalue {smallest:.3g}."
        )
    return array


def _short(array):
    return np.array2string(
        np.asarray(array), precision=4, threshold=8, separator=", ", edgeitems=2
    ).replace("\n", "")


def _frozen(array):
    array.flags.writeable = False
    return array


# ------------------------------------------------------------- linear algebra
def _psd_factor(covariance):
    """``L`` with ``L @ L.T == covariance`` for a symmetric PSD matrix."""
    eigenvalues, eigenvectors = np.linalg.eigh(covariance)
    return eigenvectors * np.sqrt(np.clip(eigenvalues, 0.0, None))


def _psd_sqrt(matrix):
    """Symmetric square root of a symmetric PSD matrix (negative rounding clipped)."""
    matrix = (matrix + matrix.T) / 2
    eigenvalues, eigenvectors = np.linalg.eigh(matrix)
    root = (eigenvectors * np.sqrt(np.clip(eigenvalues, 0.0, None))) @ eigenvectors.T
    return (root + root.T) / 2


def _logdet(matrix):
    """``log det`` of a PSD matrix: ``-inf`` if singular, NaN if not finite."""
    if not np.all(np.isfinite(matrix)):
        return np.nan
    sign, value = np.linalg.slogdet(matrix)
    return float(value) if sign > 0 else -np.inf


def _gaussian_log_pdf(X, mean, covariance):
    """Log-density of N(mean, covariance) (positive definite) at the rows of X."""
    cholesky = np.linalg.cholesky(covariance)
    z = np.linalg.solve(cholesky, (X - mean).T)
    log_det = 2 * np.sum(np.log(np.diag(cholesky)))
    return -0.5 * (mean.shape[0] * np.log(2 * np.pi) + log_det + np.sum(z**2, axis=0))


def _gaussian_kl(mean, covariance, true_mean, true_covariance):
    """KL(N(mean, covariance) || N(true_mean, true_covariance)), closed form.

    ``inf`` when ``covariance`` is singular (the model has no density), NaN
    when it is not finite.
    """
    if not (np.all(np.isfinite(mean)) and np.all(np.isfinite(covariance))):
        return np.nan
    log_det = _logdet(covariance)
    if log_det == -np.inf:
        return np.inf
    solved = np.linalg.solve(true_covariance, covariance)
    diff = true_mean - mean
    maha = float(diff @ np.linalg.solve(true_covariance, diff))
    kl = 0.5 * (
        np.trace(solved) + maha - mean.shape[0] + _logdet(true_covariance) - log_det
    )
    return max(float(kl), 0.0)


def _gaussian_w2(mean, covariance, true_mean, true_covariance):
    """Squared 2-Wasserstein distance between two Gaussians, closed form.

    ``||m - m*||^2 + tr(S + S* - 2 (S*^(1/2) S S*^(1/2))^(1/2))``; valid for
    singular covariances too (a point mass included).
    """
    if not (np.all(np.isfinite(mean)) and np.all(np.isfinite(covariance))):
        return np.nan
    root = _psd_sqrt(true_covariance)
    cross = _psd_sqrt(root @ covariance @ root)
    value = float(np.sum((mean - true_mean) ** 2)) + float(
        np.trace(covariance) + np.trace(true_covariance) - 2 * np.trace(cross)
    )
    return max(value, 0.0)


# ----------------------------------------------------------- fitted models
def _fitted_model(estimator):
    """The model to evaluate: a fitted skcollapse meta-estimator's last generation."""
    if hasattr(estimator, "trajectory_") and hasattr(estimator, "estimator_"):
        return estimator.estimator_
    return estimator


def _gaussian_parameters(model):
    """(mean, covariance) of a single fitted Gaussian model, or None.

    ``GaussianDensity``: ``mean_`` and ``temperature * covariance_`` (the
    distribution it emits and scores); a (Bayesian) Gaussian mixture of one
    component: its mean and covariance.
    """
    from sklearn.mixture import BayesianGaussianMixture, GaussianMixture

    from .generative import GaussianDensity

    if isinstance(model, GaussianDensity):
        return (
            np.asarray(model.mean_, dtype=np.float64),
            float(model.temperature) * np.asarray(model.covariance_, dtype=np.float64),
        )
    if isinstance(model, (GaussianMixture, BayesianGaussianMixture)):
        weights, means, covariances = _mixture_parameters_of_sklearn(model)
        if len(weights) == 1:
            return means[0], covariances[0]
    return None


def _mixture_parameters_of_sklearn(model):
    weights = np.asarray(model.weights_, dtype=np.float64)
    means = np.asarray(model.means_, dtype=np.float64)
    covariances = np.asarray(model.covariances_, dtype=np.float64)
    n_components, n_features = means.shape
    kind = model.covariance_type
    if kind == "full":
        full = covariances
    elif kind == "tied":
        full = np.broadcast_to(covariances, (n_components, n_features, n_features))
    elif kind == "diag":
        full = np.stack([np.diag(row) for row in covariances])
    else:  # spherical
        full = covariances[:, None, None] * np.eye(n_features)
    return weights / weights.sum(), means, np.array(full)


def _mixture_parameters(model):
    """(weights, means, full covariances) of a fitted Gaussian mixture model, or None.

    Gaussian mixtures of scikit-learn, ``GaussianDensity`` (one component)
    and ``KernelDensity(kernel="gaussian")`` with the Euclidean metric (one
    component ``N(x_i, bandwidth_^2 I)`` per training row, weighted by the
    sample weights).
    """
    from sklearn.mixture import BayesianGaussianMixture, GaussianMixture
    from sklearn.neighbors import KernelDensity

    from .generative import GaussianDensity

    if isinstance(model, (GaussianMixture, BayesianGaussianMixture)):
        return _mixture_parameters_of_sklearn(model)
    if isinstance(model, GaussianDensity):
        mean, covariance = _gaussian_parameters(model)
        return np.ones(1), mean[None, :], covariance[None, :, :]
    if (
        isinstance(model, KernelDensity)
        and model.kernel == "gaussian"
        and model.metric in ("euclidean", "l2", "minkowski")
        and not (model.metric_params or {}).get("p", 2) != 2
    ):
        data = np.asarray(model.tree_.data, dtype=np.float64)
        weights = model.tree_.sample_weight
        weights = (
            np.ones(len(data)) if weights is None else np.asarray(weights, dtype=float)
        )
        n_features = data.shape[1]
        bandwidth = float(model.bandwidth_)
        covariances = np.broadcast_to(
            bandwidth**2 * np.eye(n_features), (len(data), n_features, n_features)
        )
        return weights / weights.sum(), data, covariances
    return None


def _check_dimension(n_model, source):
    if n_model != source.n_features:
        raise ValueError(
            f"{type(source).__name__} has n_features={source.n_features}; the "
            f"model to evaluate describes {n_model} feature(s)."
        )


def _model_draws(model, n_samples):
    """``n_samples`` rows drawn from a fitted model with the evaluation seed."""
    from ._sampling import draw_samples

    return np.asarray(
        draw_samples(model, n_samples, random_state=EVALUATION_SEED), dtype=np.float64
    )


def _mixture_cross(weights_a, means_a, covs_a, weights_b, means_b, covs_b):
    """``sum_ij a_i b_j N(m_i; m_j, S_i + S_j)``: the integral of the product.

    Every ``S_i + S_j`` must be positive definite (the callers return ``inf``
    first for a model with a singular component). Computed in log space,
    vectorised over pairs; when each mixture has one shared covariance (a
    kernel density, a tied mixture) through one whitening and pairwise
    distances.
    """
    from scipy.spatial.distance import cdist

    keep_a, keep_b = weights_a > 0, weights_b > 0
    weights_a, means_a, covs_a = weights_a[keep_a], means_a[keep_a], covs_a[keep_a]
    weights_b, means_b, covs_b = weights_b[keep_b], means_b[keep_b], covs_b[keep_b]
    n_features = means_a.shape[1]
    log_weights = np.log(weights_a)[:, None] + np.log(weights_b)[None, :]
    if np.all(covs_a == covs_a[0]) and np.all(covs_b == covs_b[0]):
        summed = covs_a[0] + covs_b[0]
        cholesky = np.linalg.cholesky(summed)
        white_a = np.linalg.solve(cholesky, means_a.T).T
        white_b = np.linalg.solve(cholesky, means_b.T).T
        maha = cdist(white_a, white_b, "sqeuclidean")
        log_det = 2 * np.sum(np.log(np.diag(cholesky)))
        logs = log_weights - 0.5 * (n_features * np.log(2 * np.pi) + log_det + maha)
        return _sum_exp(logs)
    if len(weights_a) > len(weights_b):  # the integral is symmetric: loop less
        return _mixture_cross(weights_b, means_b, covs_b, weights_a, means_a, covs_a)
    logs = np.empty_like(log_weights)
    for i in range(len(weights_a)):
        summed = covs_a[i][None, :, :] + covs_b
        diff = means_a[i][None, :] - means_b
        _, log_det = np.linalg.slogdet(summed)
        maha = np.sum(diff * np.linalg.solve(summed, diff[:, :, None])[:, :, 0], axis=1)
        logs[i] = log_weights[i] - 0.5 * (
            n_features * np.log(2 * np.pi) + log_det + maha
        )
    return _sum_exp(logs)


def _sum_exp(logs):
    """``sum(exp(logs))`` without overflow (faster than scipy's logsumexp here)."""
    largest = float(np.max(logs))
    return float(np.exp(largest) * np.sum(np.exp(logs - largest)))


def _has_singular_component(weights, covariances):
    """Whether a component of positive weight has a singular covariance."""
    sign, _ = np.linalg.slogdet(covariances[weights > 0])
    return bool(np.any(sign <= 0))


def _mixture_cdf(x, weights, means, variances):
    """CDF of a 1-D Gaussian mixture at ``x`` (zero variances: step functions)."""
    x = np.atleast_1d(np.asarray(x, dtype=np.float64))[:, None]
    std = np.sqrt(np.clip(variances, 0.0, None))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (x - means) / std
    point = np.where(x >= means, 1.0, 0.0)
    cdf = np.where(std > 0, ndtr(np.nan_to_num(z, nan=0.0)), point)
    return cdf @ weights


def _mixture_quantile(q, weights, means, variances):
    """The ``q`` quantile of a 1-D Gaussian mixture (positive variances)."""
    from scipy.optimize import brentq

    std = np.sqrt(variances)
    low = float(np.min(means - 12 * std))
    high = float(np.max(means + 12 * std))
    return brentq(
        lambda x: _mixture_cdf(x, weights, means, variances)[0] - q,
        low,
        high,
        xtol=1e-12 * max(1.0, high - low),
    )


class _Source:
    """Base of the sources: sampling, the cached evaluation sample, repr, pickling.

    Subclasses implement ``_draw(n_samples, rng)`` and ``evaluate``, and list
    their constructor parameters in ``_repr_params``.
    """

    _supervised = False

    @property
    def supervised(self):
        """Whether ``sample`` returns ``(X, y)`` (True) or ``X`` only (False)."""
        return self._supervised

    def sample(self, n_samples, random_state=None):
        """Draw ``n_samples`` independent samples from the source.

        Parameters
        ----------
        n_samples : int
            Number of samples (0 gives empty arrays of the right shape).

        random_state : None, int, numpy RandomState or numpy Generator, default=None
            Seed or generator of the draw. An int gives reproducible draws (it
            seeds a ``numpy.random.RandomState``, as in scikit-learn); a
            ``Generator`` is used as it is.

        Returns
        -------
        X : ndarray
            The samples (for the supervised sources, ``X, y``).
        """
        n_samples = _check_n_samples(n_samples)
        return self._draw(n_samples, _check_rng(random_state))

    def _evaluation_sample(self):
        """The fixed evaluation sample, drawn once and cached on the source."""
        cached = self.__dict__.get("_evaluation_cache")
        if cached is None:
            cached = self._draw(EVALUATION_SIZE, np.random.default_rng(EVALUATION_SEED))
            self._evaluation_cache = cached
        return cached

    def __getstate__(self):
        # the cache is redrawn on demand: pickles stay small for joblib workers
        state = self.__dict__.copy()
        state.pop("_evaluation_cache", None)
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        for value in state.values():
            if isinstance(value, np.ndarray):
                value.flags.writeable = False

    def __repr__(self):
        parts = []
        for name, value, positional in self._repr_params():
            shown = _short(value) if isinstance(value, np.ndarray) else repr(value)
            parts.append(shown if positional else f"{name}={shown}")
        return f"{type(self).__name__}({', '.join(parts)})"


# -------------------------------------------------------------- LinearSource
class LinearSource(_Source):
    """Gaussian linear regression, ``y = x'coef + intercept + noise``.

    The data of the linear theory of model collapse (Dohmatob et al.,
    Gerstgrasser et al.): rows ``x ~ N(0, covariance)`` and labels ``y =
    x' coef + intercept + eps`` with ``eps ~ N(0, noise^2)``, independent.
    With a 2-D ``coef`` of shape ``(n_targets, n_features)`` (the layout of
    scikit-learn's ``coef_``) the labels have ``n_targets`` columns with
    independent noise.

    Read more in the :ref:`User Guide <sources>`.

    Parameters
    ----------
    coef : array-like of shape (n_features,) or (n_targets, n_features)
        The true coefficients ``w*``.

    noise : float, default=1.0
        Standard deviation of the label noise, >= 0.

    covariance : None, float or array-like, default=None
        Covariance of the rows, of shape (n_features, n_features): None is
        the identity, a float ``s`` is ``s * I``, a 1-D array of shape
        (n_features,) the diagonal; a matrix must be symmetric positive
        semi-definite.

    intercept : float or array-like of shape (n_targets,), default=0.0
        The true intercept ``b*``.

    Attributes
    ----------
    supervised : bool
        True: ``sample`` returns ``(X, y)``.

    coef : ndarray of shape (n_features,) or (n_targets, n_features)
        The true coefficients (a read-only copy).

    noise : float
        The noise standard deviation.

    covariance : ndarray of shape (n_features, n_features)
        The covariance of the rows.

    intercept : float or ndarray of shape (n_targets,)
        The true intercept.

    n_features : int
        Dimension of the rows.

    n_targets : int
        Number of label columns (1 for a 1-D ``coef``).

    See Also
    --------
    GaussianSource : A Gaussian density source.
    skcollapse.theory.linear_regression_error : The expected excess risk of
        the recursive OLS loop.

    Notes
    -----
    ``evaluate(estimator)`` returns

    - ``"excess_risk"``: :math:`E[(f(x) - x'w^* - b^*)^2]` over fresh rows
      :math:`x \\sim N(0, \\Sigma)` (label noise excluded), averaged over the
      targets. For a linear model it is exact: when the model has ``coef_``
      (and ``intercept_``, 0 if absent) and its ``predict`` equals
      ``X @ coef_.T + intercept_`` on 7 rows of the evaluation sample,
      :math:`(w - w^*)'\\Sigma(w - w^*) + (b - b^*)^2`. Any other model (a
      Pipeline, a tree, a meta-estimator) is evaluated by Monte Carlo on the
      fixed evaluation sample (``EVALUATION_SIZE = 10000`` rows drawn with
      ``numpy.random.default_rng(EVALUATION_SEED)``).
    - ``"coef_error"``: :math:`\\|w - w^*\\|^2` (averaged over the targets)
      for linear models as above; NaN for any other model, whose ``coef_``
      (if any) is not in the coordinates of ``x`` (a Pipeline's scaler) or
      does not describe its predictions.

    A collapsed fit (NaN or infinite coefficients) gives NaN or inf, never an
    error.

    Examples
    --------
    >>> from sklearn.linear_model import LinearRegression
    >>> from skcollapse.datasets import LinearSource
    >>> source = LinearSource([1.0, -2.0, 0.5], noise=0.5)
    >>> X, y = source.sample(200, random_state=0)
    >>> X.shape, y.shape
    ((200, 3), (200,))
    >>> metrics = source.evaluate(LinearRegression().fit(X, y))
    >>> sorted(metrics)
    ['coef_error', 'excess_risk']
    >>> bool(metrics["excess_risk"] < 0.05)
    True
    """

    _supervised = True

    def __init__(self, coef, *, noise=1.0, covariance=None, intercept=0.0):
        name = "LinearSource"
        coef = _float_array(coef, "coef", (1, 2), name)
        n_features = coef.shape[-1]
        self.coef = _frozen(coef)
        self.n_features = int(n_features)
        self.n_targets = 1 if coef.ndim == 1 else int(coef.shape[0])
        self.noise = _check_real(noise, "noise", name, low=0.0)
        if covariance is None:
            covariance = np.eye(n_features)
        self.covariance = _frozen(
            _check_covariance(
                covariance, n_features, "covariance", name, definite=False
            )
        )
        intercept_array = _float_array(intercept, "intercept", (0, 1), name)
        if coef.ndim == 1 and intercept_array.ndim == 1:
            raise ValueError(
                f"{name}: with a 1-D coef the intercept must be a float; got "
                f"intercept={_short(intercept_array)}."
            )
        if intercept_array.ndim == 1 and intercept_array.shape[0] != self.n_targets:
            raise ValueError(
                f"{name}: intercept must be a float or have n_targets="
                f"{self.n_targets} entries; got {intercept_array.shape[0]}."
            )
        self.intercept = (
            float(intercept_array)
            if intercept_array.ndim == 0
            else _frozen(intercept_array)
        )
        self._factor = _psd_factor(self.covariance)

    def _repr_params(self):
        params = [("coef", self.coef, True)]
        if self.noise != 1.0:
            params.append(("noise", self.noise, False))
        if not np.array_equal(self.covariance, np.eye(self.n_features)):
            params.append(("covariance", self.covariance, False))
        if np.any(np.asarray(self.intercept) != 0):
            params.append(("intercept", self.intercept, False))
        return params

    def _coef_2d(self):
        return self.coef.reshape(self.n_targets, self.n_features)

    def _intercept_1d(self):
        return np.broadcast_to(
            np.asarray(self.intercept, dtype=float), (self.n_targets,)
        )

    def _true_function(self, X):
        return X @ self._coef_2d().T + self._intercept_1d()

    def _draw(self, n_samples, rng):
        X = rng.standard_normal((n_samples, self.n_features)) @ self._factor.T
        noise = rng.standard_normal((n_samples, self.n_targets))
        y = self._true_function(X) + self.noise * noise
        if self.coef.ndim == 1:
            y = y[:, 0]
        return X, y

    def _linear_parameters(self, model):
        """(W, b), shapes (n_targets, n_features) and (n_targets,), or None.

        None unless ``model`` has ``coef_`` and predicts ``X W' + b``.
        """
        coef = getattr(model, "coef_", None)
        if coef is None:
            return None
        try:
            W = np.asarray(coef, dtype=np.float64)
            W = W.reshape(self.n_targets, self.n_features)
            b = np.asarray(getattr(model, "intercept_", 0.0), dtype=np.float64)
            b = np.broadcast_to(b.reshape(-1), (self.n_targets,)).copy()
        except (TypeError, ValueError):
            return None
        X_check = self._evaluation_sample()[0][:_N_LINEARITY_ROWS]
        try:
            predicted = np.asarray(model.predict(X_check), dtype=np.float64)
            predicted = predicted.reshape(_N_LINEARITY_ROWS, self.n_targets)
        except (TypeError, ValueError, AttributeError):
            return None
        with np.errstate(all="ignore"):
            expected = X_check @ W.T + b
            scale = np.abs(X_check) @ np.abs(W.T) + np.abs(b)
            linear = np.all(np.abs(predicted - expected) <= 1e-8 * (1.0 + scale))
        if not np.all(np.isfinite(W)) or not np.all(np.isfinite(b)):
            return W, b  # a diverged linear fit: its error is NaN/inf, exactly
        return (W, b) if linear else None

    def evaluate(self, estimator):
        """Excess risk and coefficient error of a fitted regressor against the truth.

        Parameters
        ----------
        estimator : fitted regressor
            Any fitted model with ``predict`` (a fitted skcollapse
            meta-estimator is evaluated through its last generation,
            ``estimator_``).

        Returns
        -------
        metrics : dict
            ``"excess_risk"`` and ``"coef_error"`` (see Notes of the class).
        """
        model = _fitted_model(estimator)
        parameters = self._linear_parameters(model)
        if parameters is not None:
            W, b = parameters
            with np.errstate(all="ignore"):
                dW = W - self._coef_2d()
                db = b - self._intercept_1d()
                risk = np.einsum("kd,de,ke->k", dW, self.covariance, dW) + db**2
                return {
                    "excess_risk": float(np.mean(risk)),
                    "coef_error": float(np.mean(np.sum(dW**2, axis=1))),
                }
        X = self._evaluation_sample()[0]
        predicted = np.asarray(model.predict(X), dtype=np.float64)
        predicted = predicted.reshape(len(X), self.n_targets)
        with np.errstate(all="ignore"):
            risk = float(np.mean((predicted - self._true_function(X)) ** 2))
        return {"excess_risk": risk, "coef_error": np.nan}


# ------------------------------------------------------------ GaussianSource
class GaussianSource(_Source):
    """Multivariate Gaussian density ``N(mean, covariance)``.

    The data of the Gaussian refit of Shumailov et al. and Alemohammad et al.

    Read more in the :ref:`User Guide <sources>`.

    Parameters
    ----------
    mean : array-like of shape (n_features,)
        The true mean.

    covariance : float, array-like of shape (n_features,) or (n_features, n_features)
        The true covariance: a float ``s`` is ``s * I``, a 1-D array the
        diagonal; it must be symmetric positive definite.

    Attributes
    ----------
    supervised : bool
        False: ``sample`` returns ``X`` only.

    mean : ndarray of shape (n_features,)
        The true mean (a read-only copy).

    covariance : ndarray of shape (n_features, n_features)
        The true covariance.

    n_features : int
        Dimension.

    See Also
    --------
    skcollapse.generative.GaussianDensity : The Gaussian model to refit.
    skcollapse.theory.gaussian_refit : Its expected trajectory.

    Notes
    -----
    ``evaluate(estimator)`` returns, for the model's mean :math:`\\mu` and
    covariance :math:`S` against the truth :math:`\\mu^*, S^*`:

    - ``"mean_error"``: :math:`\\|\\mu - \\mu^*\\|^2`;
    - ``"covariance_trace_ratio"``: :math:`\\operatorname{tr} S /
      \\operatorname{tr} S^*` (1 at the truth, 0 for a collapsed model);
    - ``"covariance_logdet_ratio"``: :math:`\\log\\det S - \\log\\det S^*`,
      the log of the ratio of the determinants (0 at the truth, ``-inf``
      for a singular :math:`S`);
    - ``"kl"``: :math:`KL(N(\\mu, S) \\,\\|\\, N(\\mu^*, S^*))` (model to
      truth), ``inf`` for a singular :math:`S` (the model has no density);
    - ``"w2"``: the squared 2-Wasserstein distance
      :math:`\\|\\mu - \\mu^*\\|^2 + \\operatorname{tr}(S + S^* - 2 (S^{*1/2}
      S S^{*1/2})^{1/2})`, finite for every :math:`S` (a point mass too).

    All five are exact (closed forms) for
    :class:`~skcollapse.generative.GaussianDensity` (with :math:`S` =
    ``temperature * covariance_``, the Gaussian it emits and scores) and for
    a ``GaussianMixture`` or ``BayesianGaussianMixture`` of one component
    (any ``covariance_type``). Any other model that can sample (a
    ``KernelDensity``, a mixture of several components) is evaluated by Monte
    Carlo on ``EVALUATION_SIZE`` rows drawn from the model with the seed
    ``EVALUATION_SEED``: its mean and covariance (``ddof=1``) give the first
    three keys, ``kl`` is the mean of ``score_samples - log p*`` over those
    rows, and ``w2`` is NaN (it has no closed form outside the Gaussians).
    Non-finite fitted parameters give NaN.

    Examples
    --------
    >>> from skcollapse.datasets import GaussianSource
    >>> from skcollapse.generative import GaussianDensity
    >>> source = GaussianSource([0.0, 1.0], [[2.0, 0.5], [0.5, 1.0]])
    >>> X = source.sample(500, random_state=0)
    >>> X.shape
    (500, 2)
    >>> metrics = source.evaluate(GaussianDensity().fit(X))
    >>> sorted(metrics)
    ['covariance_logdet_ratio', 'covariance_trace_ratio', 'kl', 'mean_error', 'w2']
    >>> source.evaluate(GaussianDensity().fit([[1.0, 1.0], [1.0, 1.0]]))["kl"]
    inf
    """

    def __init__(self, mean, covariance):
        name = "GaussianSource"
        mean = _float_array(mean, "mean", (1,), name)
        self.mean = _frozen(mean)
        self.n_features = int(mean.shape[0])
        self.covariance = _frozen(
            _check_covariance(
                covariance, self.n_features, "covariance", name, definite=True
            )
        )
        self._factor = _psd_factor(self.covariance)

    def _repr_params(self):
        return [("mean", self.mean, True), ("covariance", self.covariance, True)]

    def _draw(self, n_samples, rng):
        return self.mean + rng.standard_normal((n_samples, self.n_features)) @ (
            self._factor.T
        )

    def _log_pdf(self, X):
        return _gaussian_log_pdf(X, self.mean, self.covariance)

    def evaluate(self, estimator):
        """Mean, covariance, KL and Wasserstein errors of a fitted density model.

        Parameters
        ----------
        estimator : fitted density estimator
            A ``GaussianDensity``, a one-component Gaussian mixture (exact), or
            any model with ``sample`` and ``score_samples`` (Monte Carlo); a
            fitted skcollapse meta-estimator is evaluated through its last
            generation.

        Returns
        -------
        metrics : dict
            ``"mean_error"``, ``"covariance_trace_ratio"``,
            ``"covariance_logdet_ratio"``, ``"kl"``, ``"w2"`` (see Notes of the
            class).
        """
        model = _fitted_model(estimator)
        parameters = _gaussian_parameters(model)
        w2 = np.nan
        if parameters is not None:
            mean, covariance = parameters
            _check_dimension(mean.shape[0], self)
            kl = _gaussian_kl(mean, covariance, self.mean, self.covariance)
            w2 = _gaussian_w2(mean, covariance, self.mean, self.covariance)
        else:
            draws = _model_draws(model, EVALUATION_SIZE)
            mean = draws.mean(axis=0)
            covariance = np.atleast_2d(np.cov(draws, rowvar=False))
            with np.errstate(all="ignore"):
                gap = np.asarray(model.score_samples(draws)) - self._log_pdf(draws)
                kl = float(np.mean(gap))
        with np.errstate(all="ignore"):
            return {
                "mean_error": float(np.sum((mean - self.mean) ** 2)),
                "covariance_trace_ratio": float(
                    np.trace(covariance) / np.trace(self.covariance)
                ),
                "covariance_logdet_ratio": _logdet(covariance)
                - _logdet(self.covariance),
                "kl": kl,
                "w2": w2,
            }


# ----------------------------------------------------- GaussianMixtureSource
class GaussianMixtureSource(_Source):
    """Gaussian mixture density ``sum_k weights[k] N(means[k], covariances[k])``.

    The data of Shumailov et al.'s recursive Gaussian-mixture experiment.

    Read more in the :ref:`User Guide <sources>`.

    Parameters
    ----------
    weights : array-like of shape (n_components,)
        Component weights, >= 0, summing to 1.

    means : array-like of shape (n_components, n_features)
        Component means (a 1-D array is ``n_components`` means in one
        dimension).

    covariances : array-like
        Component covariances, each positive definite: full matrices, of
        shape (n_components, n_features, n_features); diagonals, of shape
        (n_components, n_features); or variances (spherical), of shape
        (n_components,).

    Attributes
    ----------
    supervised : bool
        False: ``sample`` returns ``X`` only.

    weights : ndarray of shape (n_components,)
        The component weights.

    means : ndarray of shape (n_components, n_features)
        The component means.

    covariances : ndarray of shape (n_components, n_features, n_features)
        The component covariances, as full matrices.

    n_components, n_features : int
        Number of components and dimension.

    quantiles : ndarray of shape (2, n_features)
        The true 1% and 99% quantiles of each feature's marginal.

    Notes
    -----
    ``evaluate(estimator)`` returns

    - ``"ise"``: the integrated squared error :math:`\\int (f - f^*)^2`
      between the model's density :math:`f` and the truth's, and
      ``"l2_distance"`` its square root. Exact for Gaussian mixture models
      (scikit-learn's mixtures, ``GaussianDensity``,
      ``KernelDensity(kernel="gaussian")``, a mixture of one Gaussian per
      training row): :math:`\\int f g = \\sum_{ij} a_i b_j N(m_i; m_j, S_i +
      S_j)` (the cost grows with the product of the numbers of components:
      about a second for a kernel density of 2000 rows). A model with a
      singular component (a collapsed Gaussian, a zero bandwidth) is not
      square integrable: ``inf``. Other models:
      :math:`\\int f^2` by Monte Carlo on ``EVALUATION_SIZE`` rows drawn from
      the model (seed ``EVALUATION_SEED``), :math:`\\int f f^*` on the
      evaluation sample of the source, :math:`\\int f^{*2}` exact.
    - ``"tail_mass_low"`` and ``"tail_mass_high"``: the model's mass below
      the true 1% quantile and above the true 99% quantile of each feature
      (averaged over the features); both are 0.01 at the truth, and fall to
      0 as collapse loses the tails (Shumailov et al.). Exact for Gaussian
      mixture models (normal CDFs), otherwise the fraction of the model's
      ``EVALUATION_SIZE`` rows beyond the quantiles.

    Examples
    --------
    >>> from sklearn.mixture import GaussianMixture
    >>> from skcollapse.datasets import GaussianMixtureSource
    >>> source = GaussianMixtureSource([0.3, 0.7], [[-2.0], [1.0]], [0.5, 1.0])
    >>> X = source.sample(400, random_state=0)
    >>> model = GaussianMixture(2, random_state=0).fit(X)
    >>> sorted(source.evaluate(model))
    ['ise', 'l2_distance', 'tail_mass_high', 'tail_mass_low']
    """

    def __init__(self, weights, means, covariances):
        name = "GaussianMixtureSource"
        weights = _check_probabilities(weights, "weights", name)
        means = _float_array(means, "means", (1, 2), name)
        if means.ndim == 1:
            means = means[:, None]
        if means.shape[0] != weights.shape[0]:
            raise ValueError(
                f"{name}: means must have one row per component "
                f"(n_components={weights.shape[0]} weights); got {means.shape[0]} rows."
            )
        n_components, n_features = means.shape
        covariances = _float_array(covariances, "covariances", (1, 2, 3), name)
        if covariances.shape[0] != n_components:
            raise ValueError(
                f"{name}: covariances must have one entry per component "
                f"(n_components={n_components}); got an array of shape "
                f"{covariances.shape}."
            )
        self.weights = _frozen(weights)
        self.means = _frozen(means)
        self.covariances = _frozen(
            np.stack(
                [
                    _check_covariance(
                        covariances[k],
                        n_features,
                        f"covariances[{k}]",
                        name,
                        definite=True,
                    )
                    for k in range(n_components)
                ]
            )
        )
        self.n_components = int(n_components)
        self.n_features = int(n_features)
        self._factors = [_psd_factor(c) for c in self.covariances]
        variances = np.diagonal(self.covariances, axis1=1, axis2=2)
        self.quantiles = _frozen(
            np.array(
                [
                    [
                        _mixture_quantile(q, weights, means[:, j], variances[:, j])
                        for j in range(n_features)
                    ]
                    for q in (0.01, 0.99)
                ]
            )
        )

    def _repr_params(self):
        return [
            ("weights", self.weights, True),
            ("means", self.means, True),
            ("covariances", self.covariances, True),
        ]

    def _draw(self, n_samples, rng):
        labels = rng.choice(self.n_components, size=n_samples, p=self.weights)
        noise = rng.standard_normal((n_samples, self.n_features))
        X = np.empty((n_samples, self.n_features))
        for k in range(self.n_components):
            rows = labels == k
            X[rows] = self.means[k] + noise[rows] @ self._factors[k].T
        return X

    def _log_pdf(self, X):
        logs = [
            np.log(w) + _gaussian_log_pdf(X, m, c)
            for w, m, c in zip(self.weights, self.means, self.covariances)
            if w > 0
        ]
        return logsumexp(np.stack(logs), axis=0)

    def _truth_square(self):
        truth = (self.weights, self.means, self.covariances)
        return _mixture_cross(*truth, *truth)

    def evaluate(self, estimator):
        """Integrated squared error and tail masses of a fitted density model.

        Parameters
        ----------
        estimator : fitted density estimator
            A Gaussian mixture model (exact) or any model with ``sample`` and
            ``score_samples`` (Monte Carlo); a fitted skcollapse meta-estimator
            is evaluated through its last generation.

        Returns
        -------
        metrics : dict
            ``"ise"``, ``"l2_distance"``, ``"tail_mass_low"``,
            ``"tail_mass_high"`` (see Notes of the class).
        """
        model = _fitted_model(estimator)
        parameters = _mixture_parameters(model)
        truth = (self.weights, self.means, self.covariances)
        low, high = self.quantiles
        if parameters is not None:
            weights, means, covariances = parameters
            _check_dimension(means.shape[1], self)
            if not (np.all(np.isfinite(means)) and np.all(np.isfinite(covariances))):
                return dict.fromkeys(
                    ("ise", "l2_distance", "tail_mass_low", "tail_mass_high"), np.nan
                )
            if _has_singular_component(weights, covariances):
                ise = np.inf  # a point mass (or a line) is not square integrable
            else:
                ise = (
                    _mixture_cross(*parameters, *parameters)
                    - 2 * _mixture_cross(*parameters, *truth)
                    + self._truth_square()
                )
            variances = np.diagonal(covariances, axis1=1, axis2=2)
            below = [
                _mixture_cdf(low[j], weights, means[:, j], variances[:, j])[0]
                for j in range(self.n_features)
            ]
            above = [
                1.0 - _mixture_cdf(high[j], weights, means[:, j], variances[:, j])[0]
                for j in range(self.n_features)
            ]
            tail_low, tail_high = float(np.mean(below)), float(np.mean(above))
        else:
            draws = _model_draws(model, EVALUATION_SIZE)
            X = self._evaluation_sample()
            with np.errstate(all="ignore"):
                model_square = float(np.mean(np.exp(model.score_samples(draws))))
                cross = float(np.mean(np.exp(model.score_samples(X))))
                ise = model_square - 2 * cross + self._truth_square()
            tail_low = float(np.mean(draws < low))
            tail_high = float(np.mean(draws > high))
        ise = max(float(ise), 0.0) if np.isfinite(ise) else float(ise)
        return {
            "ise": ise,
            "l2_distance": float(np.sqrt(ise)),
            "tail_mass_low": tail_low,
            "tail_mass_high": tail_high,
        }


# --------------------------------------------------------- CategoricalSource
class CategoricalSource(_Source):
    """Distribution over the integer tokens 0 to ``n_categories - 1``.

    Tokens come as one integer column, the input of
    :class:`~skcollapse.generative.CategoricalDensity`.
    :meth:`zipf` builds the Zipf source of "A Tale of Tails".

    Read more in the :ref:`User Guide <sources>`.

    Parameters
    ----------
    probabilities : array-like of shape (n_categories,)
        ``probabilities[k]`` is the probability of token ``k``: >= 0, summing
        to 1 (within 1e-6; renormalised). Zeros are allowed (tokens that
        never occur).

    Attributes
    ----------
    supervised : bool
        False: ``sample`` returns ``X`` only.

    probabilities : ndarray of shape (n_categories,)
        The true probabilities (a read-only copy).

    n_categories : int
        Vocabulary size.

    exponent : float or None
        The Zipf exponent when built by :meth:`zipf`, else None.

    Notes
    -----
    ``evaluate(estimator)`` compares the model's probabilities :math:`q`
    with the truth :math:`p`, exactly:

    - ``"total_variation"``: :math:`\\frac12 \\sum_k |q_k - p_k|`, the mass a
      model puts on tokens outside the vocabulary counted in full;
    - ``"kl"``: :math:`KL(p \\,\\|\\, q) = \\sum_{p_k > 0} p_k \\log(p_k /
      q_k)` (truth to model), ``inf`` as soon as the model gives probability
      0 to a token of positive true probability (a lost tail);
    - ``"missing_mass"``: :math:`\\sum_{q_k = 0} p_k`, the true mass of the
      tokens the model cannot emit (the lost tail of "A Tale of Tails");
    - ``"support_size"``: the number of tokens of positive model
      probability.

    :math:`q` is ``probabilities_`` over ``categories_`` for a model that
    has them (:class:`~skcollapse.generative.CategoricalDensity`: the
    distribution it emits, after its own temperature, top-k and top-p);
    for any other model, ``exp(score_samples)`` of the tokens ``0 ..
    n_categories - 1`` (the mass of token ``k``), its missing remainder
    counted as mass outside the vocabulary.

    Examples
    --------
    >>> from skcollapse.datasets import CategoricalSource
    >>> from skcollapse.generative import CategoricalDensity
    >>> source = CategoricalSource.zipf(50, 1.5)
    >>> X = source.sample(100, random_state=0)
    >>> X.shape, X.dtype
    ((100, 1), dtype('int64'))
    >>> metrics = source.evaluate(CategoricalDensity().fit(X))
    >>> metrics["kl"]  # unseen tokens have probability 0
    inf
    >>> bool(0 < metrics["missing_mass"] < 1), metrics["support_size"] < 50
    (True, True)
    """

    def __init__(self, probabilities):
        p = _check_probabilities(probabilities, "probabilities", "CategoricalSource")
        self.probabilities = _frozen(p)
        self.n_categories = int(p.shape[0])
        self.exponent = None

    @classmethod
    def zipf(cls, n_categories, exponent):
        """The Zipf source: ``p_k ∝ (k + 1) ** -exponent``, ``k = 0 .. K - 1``.

        Parameters
        ----------
        n_categories : int
            Vocabulary size K >= 1.

        exponent : float
            Zipf exponent >= 0 (0 is uniform); the theory of "A Tale of
            Tails" assumes > 1.

        Returns
        -------
        source : CategoricalSource
            With ``exponent`` recorded; ``sample`` draws what
            :func:`~skcollapse.datasets.make_zipf` draws.

        Examples
        --------
        >>> from skcollapse.datasets import CategoricalSource
        >>> CategoricalSource.zipf(4, 2.0).probabilities
        array([0.7024, 0.1756, 0.0780, 0.0439])
        """
        from .datasets import _zipf_probabilities

        if (
            isinstance(n_categories, (bool, np.bool_))
            or not isinstance(n_categories, numbers.Integral)
            or n_categories < 1
        ):
            raise ValueError(
                "CategoricalSource.zipf: n_categories must be an int >= 1; got "
                f"n_categories={n_categories!r}."
            )
        exponent = _check_real(exponent, "exponent", "CategoricalSource.zipf", low=0.0)
        source = cls(_zipf_probabilities(int(n_categories), exponent))
        source.exponent = exponent
        return source

    def _repr_params(self):
        if self.exponent is not None:
            return [
                ("n_categories", self.n_categories, False),
                ("exponent", self.exponent, False),
            ]
        return [("probabilities", self.probabilities, True)]

    def __repr__(self):
        if self.exponent is not None:
            return (
                f"CategoricalSource.zipf(n_categories={self.n_categories}, "
                f"exponent={self.exponent!r})"
            )
        return super().__repr__()

    def _draw(self, n_samples, rng):
        tokens = rng.choice(self.n_categories, size=n_samples, p=self.probabilities)
        return np.asarray(tokens, dtype=np.int64).reshape(-1, 1)

    def _model_probabilities(self, model):
        """(q over 0..K-1, mass outside, support outside) of a fitted model."""
        categories = getattr(model, "categories_", None)
        probabilities = getattr(model, "probabilities_", None)
        if categories is not None and probabilities is not None:
            categories = np.asarray(categories).ravel()
            probabilities = np.asarray(probabilities, dtype=np.float64).ravel()
            inside = (categories >= 0) & (categories < self.n_categories)
            q = np.zeros(self.n_categories)
            q[categories[inside].astype(np.int64)] = probabilities[inside]
            outside = probabilities[~inside]
            return q, float(outside.sum()), int(np.count_nonzero(outside > 0))
        tokens = np.arange(self.n_categories, dtype=np.int64).reshape(-1, 1)
        with np.errstate(over="ignore"):
            q = np.exp(np.asarray(model.score_samples(tokens), dtype=np.float64))
        return q, max(0.0, 1.0 - float(q.sum())), 0

    def evaluate(self, estimator):
        """Total variation, KL, missing mass and support size of a fitted model.

        Parameters
        ----------
        estimator : fitted density estimator
            A ``CategoricalDensity`` (or any model with ``categories_`` and
            ``probabilities_``), or any model whose ``score_samples`` gives
            the log-probability of a token; a fitted skcollapse
            meta-estimator is evaluated through its last generation.

        Returns
        -------
        metrics : dict
            ``"total_variation"``, ``"kl"``, ``"missing_mass"``,
            ``"support_size"`` (see Notes of the class).
        """
        model = _fitted_model(estimator)
        q, outside, outside_support = self._model_probabilities(model)
        p = self.probabilities
        true_support = p > 0
        with np.errstate(divide="ignore", invalid="ignore"):
            kl = float(
                np.sum(p[true_support] * np.log(p[true_support] / q[true_support]))
            )
        return {
            "total_variation": 0.5 * (float(np.sum(np.abs(q - p))) + outside),
            "kl": kl,
            "missing_mass": float(np.sum(p[q <= 0])),
            "support_size": int(np.count_nonzero(q > 0)) + outside_support,
        }


# ---------------------------------------------- GaussianClassificationSource
@functools.lru_cache(maxsize=1)
def _hermite_rule():
    """Nodes and weights of the Gauss-Hermite rule for ``E f(Z)``, Z ~ N(0, 1).

    Computed once (an eigenproblem of ~4 ms, which every ``evaluate`` of a
    logistic model would repeat); read-only, as the cache shares them.
    """
    nodes, weights = np.polynomial.hermite_e.hermegauss(_N_HERMITE_NODES)
    weights = weights / np.sqrt(2 * np.pi)
    nodes.setflags(write=False)
    weights.setflags(write=False)
    return nodes, weights


class GaussianClassificationSource(_Source):
    """Classes uniform, ``x | y ~ N(mean_y, I)``: the model of Feng et al.

    With two classes the labels are -1 and +1 and ``x | y ~ N(y * mean,
    I)`` (the data of :func:`~skcollapse.datasets.make_gaussian_mixture`);
    with ``n_classes = K > 2`` the labels are ``0 .. K - 1``.

    Read more in the :ref:`User Guide <sources>`.

    Parameters
    ----------
    mean : array-like of shape (n_features,) or (n_classes, n_features)
        Two classes: the class means are ``-mean`` and ``+mean``. More
        classes, 1-D: class ``k`` has mean ``||mean|| u_k``, with ``u_0 =
        mean / ||mean||`` and ``u_1, ..., u_(K-1)`` the orthonormal
        directions that complete it along the coordinate axes (Gram-Schmidt:
        the means are pairwise orthogonal, all at distance ``sqrt(2)
        ||mean||``; needs ``n_features >= n_classes`` and ``mean != 0``).
        A 2-D array gives the class means themselves, one row per class.

    n_classes : int, default=2
        Number of classes (for a 2-D ``mean``, its number of rows).

    Attributes
    ----------
    supervised : bool
        True: ``sample`` returns ``(X, y)``.

    means : ndarray of shape (n_classes, n_features)
        The class means (row ``k`` for ``classes[k]``).

    classes : ndarray of shape (n_classes,)
        The labels: ``[-1, 1]`` for two classes from a 1-D ``mean``, else
        ``0 .. n_classes - 1``.

    n_classes, n_features : int
        Number of classes and dimension.

    bayes_accuracy : float
        Accuracy of the Bayes classifier: ``Phi(||mean||)`` for two classes
        from a 1-D mean; NaN otherwise (no closed form).

    Notes
    -----
    ``evaluate(estimator)`` returns ``"accuracy"`` (the probability that the
    model predicts the true class of a fresh sample) and ``"log_loss"``
    (:math:`-E \\log \\hat p(y \\mid x)`, probabilities clipped at float64
    epsilon as in ``sklearn.metrics.log_loss``; NaN without
    ``predict_proba``), both against the true distribution.

    Exact for binary linear classifiers (labels -1/+1; ``decision_function``
    equal to ``X @ coef_.T + intercept_`` on 7 rows of the evaluation sample):
    with :math:`f(x) = w'x + b` and :math:`m = w'\\mu`, :math:`f(x) \\mid y
    \\sim N(y m + b, \\|w\\|^2)`, so the accuracy is :math:`\\frac12[\\Phi((m
    + b)/\\|w\\|) + \\Phi((m - b)/\\|w\\|)]`; when also ``predict_proba`` is
    the logistic :math:`\\sigma(f)` the log-loss is
    :math:`\\frac12 E[\\log(1 + e^{-(m + b + \\|w\\| Z)})] + \\frac12
    E[\\log(1 + e^{-m + b + \\|w\\| Z})]`, :math:`Z \\sim N(0, 1)`,
    integrated by a 101-node Gauss-Hermite rule. Otherwise (other
    classifiers, several classes) both are Monte Carlo on the fixed
    evaluation sample (``EVALUATION_SIZE`` rows, seed ``EVALUATION_SEED``).
    A class the model never saw counts as a wrong prediction and as the
    clipped probability in the log-loss.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skcollapse.datasets import GaussianClassificationSource
    >>> source = GaussianClassificationSource([1.0, 0.5])
    >>> X, y = source.sample(300, random_state=0)
    >>> metrics = source.evaluate(LogisticRegression().fit(X, y))
    >>> round(source.bayes_accuracy, 4)
    0.8682
    >>> bool(abs(metrics["accuracy"] - source.bayes_accuracy) < 0.02)
    True
    """

    _supervised = True

    def __init__(self, mean, *, n_classes=2):
        name = "GaussianClassificationSource"
        mean = _float_array(mean, "mean", (1, 2), name)
        if (
            isinstance(n_classes, (bool, np.bool_))
            or not isinstance(n_classes, numbers.Integral)
            or n_classes < 2
        ):
            raise ValueError(
                f"{name}: n_classes must be an int >= 2; got n_classes={n_classes!r}."
            )
        n_classes = int(n_classes)
        self._antipodal = mean.ndim == 1 and n_classes == 2
        if mean.ndim == 2:
            if mean.shape[0] != n_classes and n_classes != 2:
                raise ValueError(
                    f"{name}: a 2-D mean gives one row per class; got {mean.shape[0]} "
                    f"rows for n_classes={n_classes}."
                )
            if mean.shape[0] < 2:
                raise ValueError(
                    f"{name}: a 2-D mean needs at least 2 rows (classes); got "
                    f"{mean.shape[0]}."
                )
            means = mean
            n_classes = mean.shape[0]
        elif n_classes == 2:
            means = np.stack([-mean, mean])
        else:
            means = self._orthogonal_means(mean, n_classes, name)
        self.mean = _frozen(mean)
        self.means = _frozen(np.array(means))
        self.n_classes = n_classes
        self.n_features = int(means.shape[1])
        self.classes = _frozen(
            np.array([-1, 1]) if self._antipodal else np.arange(n_classes)
        )
        self.bayes_accuracy = (
            float(ndtr(np.linalg.norm(mean))) if self._antipodal else np.nan
        )

    @staticmethod
    def _orthogonal_means(mean, n_classes, name):
        norm = float(np.linalg.norm(mean))
        if mean.shape[0] < n_classes or norm == 0:
            raise ValueError(
                f"{name}: a 1-D mean gives {n_classes} orthogonal class means only "
                f"when it is non-zero and n_features >= n_classes; got "
                f"mean={_short(mean)} for n_classes={n_classes}. Pass the class "
                "means as a (n_classes, n_features) array instead."
            )
        basis = np.column_stack([mean / norm, np.eye(mean.shape[0])])
        directions = []
        for column in basis.T:
            residual = column - sum((column @ u) * u for u in directions)
            length = np.linalg.norm(residual)
            if length > 1e-8:
                directions.append(residual / length)
            if len(directions) == n_classes:
                break
        return norm * np.array(directions)

    def _repr_params(self):
        params = [("mean", self.mean, True)]
        if self.mean.ndim == 1 and self.n_classes != 2:
            params.append(("n_classes", self.n_classes, False))
        return params

    def _draw(self, n_samples, rng):
        index = rng.choice(self.n_classes, size=n_samples)
        X = self.means[index] + rng.standard_normal((n_samples, self.n_features))
        return X, self.classes[index].copy()

    def _binary_linear(self, model):
        """(w, b, logistic) of a binary linear classifier on labels -1/+1, or None."""
        if not self._antipodal:
            return None
        classes = getattr(model, "classes_", None)
        coef = getattr(model, "coef_", None)
        if classes is None or coef is None or not hasattr(model, "decision_function"):
            return None
        try:
            if not np.array_equal(np.asarray(classes), [-1, 1]):
                return None
            w = np.asarray(coef, dtype=np.float64).reshape(self.n_features)
            b = float(np.asarray(getattr(model, "intercept_", 0.0)).reshape(-1)[0])
        except (TypeError, ValueError):
            return None
        X_check = self._evaluation_sample()[0][:_N_LINEARITY_ROWS]
        decision = np.asarray(model.decision_function(X_check), dtype=np.float64)
        expected = X_check @ w + b
        scale = 1.0 + np.abs(X_check) @ np.abs(w) + abs(b)
        if decision.shape != expected.shape or not np.all(
            np.abs(decision - expected) <= 1e-8 * scale
        ):
            return None
        logistic = False
        if hasattr(model, "predict_proba"):
            try:
                proba = np.asarray(model.predict_proba(X_check), dtype=np.float64)
                logistic = np.allclose(
                    proba[:, 1], 1.0 / (1.0 + np.exp(-expected)), rtol=1e-7, atol=1e-12
                )
            except (AttributeError, ValueError, NotImplementedError):
                logistic = False
        return w, b, logistic

    def evaluate(self, estimator):
        """Accuracy and log-loss of a fitted classifier against the truth.

        Parameters
        ----------
        estimator : fitted classifier
            Any fitted classifier with ``predict`` (a fitted skcollapse
            meta-estimator is evaluated through its last generation).

        Returns
        -------
        metrics : dict
            ``"accuracy"`` and ``"log_loss"`` (see Notes of the class).
        """
        model = _fitted_model(estimator)
        linear = self._binary_linear(model)
        if linear is not None:
            w, b, logistic = linear
            accuracy, log_loss = self._exact_linear(w, b, logistic)
            if logistic:
                return {"accuracy": accuracy, "log_loss": log_loss}
            return {"accuracy": accuracy, "log_loss": self._mc_log_loss(model)}
        X, y = self._evaluation_sample()
        accuracy = float(np.mean(np.asarray(model.predict(X)) == y))
        return {"accuracy": accuracy, "log_loss": self._mc_log_loss(model)}

    def _exact_linear(self, w, b, logistic):
        if not (np.all(np.isfinite(w)) and np.isfinite(b)):
            return np.nan, np.nan
        margin = float(w @ self.mean)
        norm = float(np.linalg.norm(w))
        if norm == 0:
            # constant decision b: classes_[1] (= +1) when b > 0, else -1
            accuracy = 0.5
        else:
            accuracy = 0.5 * float(
                ndtr((margin + b) / norm) + ndtr((margin - b) / norm)
            )
        log_loss = np.nan
        if logistic:
            nodes, weights = _hermite_rule()
            positive = np.logaddexp(0.0, -(margin + b + norm * nodes)) @ weights
            negative = np.logaddexp(0.0, -margin + b + norm * nodes) @ weights
            log_loss = float(0.5 * (positive + negative))
        return accuracy, log_loss

    def _mc_log_loss(self, model):
        if not hasattr(model, "predict_proba"):
            return np.nan
        X, y = self._evaluation_sample()
        proba = np.asarray(model.predict_proba(X), dtype=np.float64)
        classes = np.asarray(model.classes_)
        true_proba = np.zeros(len(y))
        for column, label in enumerate(classes):
            rows = y == label
            true_proba[rows] = proba[rows, column]
        eps = np.finfo(np.float64).eps
        return float(-np.mean(np.log(np.clip(true_proba, eps, 1.0))))
