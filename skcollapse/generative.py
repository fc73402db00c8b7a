"""Generative base estimators: fit, score, and sample.

The estimators of this module are the small generative models of the
model-collapse literature, written as scikit-learn estimators so that the
recursive meta-estimators can refit them on their own samples:

- :class:`GaussianDensity`: a single multivariate Gaussian (Shumailov et al.,
  Alemohammad et al.);
- :class:`CategoricalDensity`: a distribution over integer tokens, with the
  top-k / top-p / temperature sampling of language models (Dohmatob et al.,
  "A Tale of Tails");
- :class:`FrequencyClassifier`: the count-based next-token model of Seddik et
  al.;
- :class:`EmpiricalDensity`: the empirical distribution of the training rows,
  the memorising learner of "A Tale of Tails" in any dimension;
- :class:`NGramLanguageModel`: Seddik et al.'s count model with context
  length ``l``, over rows of tokens (sequences) that it fits, scores and
  writes.
"""

# Authors: The skcollapse developers
# SPDX-License-Identifier: BSD-3-Clause

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, DensityMixin
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import (
    check_is_fitted,
    validate_data,
)

from ._compat import StrOptions, _check_sample_weight, _fit_context
from ._docstrings import Substitution, references, sample_parameters
from ._params import Interval

__all__ = [
    "CategoricalDensity",
    "EmpiricalDensity",
    "FrequencyClassifier",
    "GaussianDensity",
    "NGramLanguageModel",
]

# Eigenvalues of a correlation matrix below _RCOND * (largest eigenvalue) are
# numerically zero: the cut-off of scipy.linalg.pinvh for float64.
_RCOND = 1e6 * np.finfo(np.float64).eps
# Relative tolerance (in units of the data scale) for "x lies on the support".
_SUPPORT_RTOL = 1e3 * np.finfo(np.float64).eps


def _check_n_samples(n_samples):
    """Validate the ``n_samples`` argument of ``sample``: an int >= 0."""
    if isinstance(n_samples, (bool, np.bool_)) or not isinstance(
        n_samples, (Integral, np.integer)
    ):
        raise TypeError(
            f"n_samples must be an int >= 0; got {n_samples!r} of type "
            f"{type(n_samples).__name__}."
        )
    if n_samples < 0:
        raise ValueError(f"n_samples must be an int >= 0; got n_samples={n_samples}.")
    return int(n_samples)


def _positive_weight_rows(X, sample_weight):
    """Drop the rows of zero weight and return ``(X, weights, total_weight)``.

    With ``sample_weight=None`` every row has weight 1. Dropping the zero-weight
    rows makes an integer weight exactly equivalent to repeating the row, and a
    zero weight exactly equivalent to removing it.
    """
    if sample_weight is None:
        return X, None, float(X.shape[0])
    sample_weight = _check_sample_weight(
        sample_weight, X, dtype=np.float64, ensure_non_negative=True
    )
    keep = sample_weight > 0
    with np.errstate(over="ignore"):  # inf for huge weights; callers rescale
        total = float(sample_weight[keep].sum())
    return X[keep], sample_weight[keep], total


def _decompose_covariance(covariance):
    """Scale-free decomposition ``covariance = S R S`` with ``S = diag(std)``.

    The numerical rank is decided on the correlation matrix ``R`` of the
    features of positive variance, so that features in very different units
    (variances 1e-6 and 1e9) are not mistaken for a degenerate direction.
    Eigenvalues of ``R`` at or below ``cutoff = 1e6 * eps * max(eigenvalue)``
    (the scipy ``pinvh`` convention) are set to exactly 0; features of zero
    variance are constant.

    Returns ``(std, varying, eigenvalues, eigenvectors, cutoff)``: the
    per-feature standard deviations, the mask of features with ``std > 0``,
    and the eigen-decomposition of ``R`` restricted to those features.
    """
    std = np.sqrt(np.clip(np.diag(covariance), 0.0, None))
    varying = std > 0
    scale = std[varying]
    correlation = covariance[np.ix_(varying, varying)] / np.outer(scale, scale)
    eigenvalues, eigenvectors = np.linalg.eigh(correlation)
    cutoff = _RCOND * max(float(np.max(eigenvalues, initial=0.0)), 0.0)
    eigenvalues = np.where(eigenvalues > cutoff, eigenvalues, 0.0)
    return std, varying, eigenvalues, eigenvectors, cutoff


def _gaussian_log_density(X, mean, covariance, temperature=1.0):
    """Log-density of N(mean, temperature * covariance) at the rows of X.

    With a singular covariance this is the density of the degenerate Gaussian
    with respect to the Lebesgue measure on its support, the affine subspace
    ``mean + range(covariance)`` (pseudo-determinant and pseudo-inverse, as
    ``scipy.stats.multivariate_normal(allow_singular=True)``), and ``-inf``
    off that support. A zero covariance is a unit point mass at ``mean``: 0.0
    there, ``-inf`` elsewhere.

    ``temperature`` is applied to the Mahalanobis distance and the
    log-determinant, never to the covariance itself: ``temperature *
    covariance`` would underflow to denormal numbers or zero for tiny
    temperatures (1e-310), losing the shape of the covariance, while the
    support of ``temperature * covariance`` is that of ``covariance``. A
    point off the mean of a very narrow Gaussian gets ``-inf`` (its
    distance overflows), never NaN.
    """
    std, varying, eigenvalues, eigenvectors, cutoff = _decompose_covariance(covariance)
    positive = eigenvalues > 0
    rank = int(positive.sum())
    scale = std[varying]
    # standardised coordinates of the varying features
    z = (X[:, varying] - mean[varying]) / scale
    projected = z @ eigenvectors
    with np.errstate(over="ignore"):
        maha = np.sum(projected[:, positive] ** 2 / eigenvalues[positive], axis=1)
        maha = maha / temperature
    # pdet(S R S) = det(Lambda_r) det(B'B) with B = S V_r, the volume change
    # from standardised to original coordinates on the support: prod(std^2)
    # at full rank, the squared singular values of B otherwise (never B'B,
    # whose condition number is squared).
    log_pdet = np.sum(np.log(eigenvalues[positive])) + rank * np.log(temperature)
    if rank == len(eigenvalues):
        log_pdet += 2 * np.sum(np.log(scale))
    elif rank:
        basis = scale[:, None] * eigenvectors[:, positive]
        log_pdet += 2 * np.sum(np.log(np.linalg.svd(basis, compute_uv=False)))
    log_density = -0.5 * (rank * np.log(2 * np.pi) + log_pdet + maha)

    # Support: constant features at their value, and no component along the
    # null space of R, up to rounding (relative to the magnitude of the
    # numbers) and to the spread declared numerically zero.
    magnitude = np.abs(X) + np.abs(mean)
    on_support = np.all(
        np.abs(X[:, ~varying] - mean[~varying])
        <= _SUPPORT_RTOL * magnitude[:, ~varying],
        axis=1,
    )
    if rank < len(eigenvalues):
        off_support = np.linalg.norm(projected[:, ~positive], axis=1)
        rounding = np.max(magnitude[:, varying] / scale, axis=1)
        on_support &= off_support <= np.sqrt(cutoff) + _SUPPORT_RTOL * rounding
    return np.where(on_support, log_density, -np.inf)


def _sample_gaussian(mean, covariance, n_samples, random_state, temperature=1.0):
    """Draw ``n_samples`` rows from N(mean, temperature * covariance).

    With ``covariance = S R S`` and ``R = V Lambda V'``, the draw is
    ``mean + sqrt(temperature) S V Lambda^(1/2) Z``: constant features (zero
    variance) are exactly ``mean`` and a singular covariance samples on its
    support. The temperature scales the standard deviations (its square
    root is representable for every float temperature > 0), never the
    covariance, which would underflow for tiny temperatures; with such a
    temperature the rows are ``mean`` up to rounding.
    """
    rng = check_random_state(random_state)
    std, varying, eigenvalues, eigenvectors, _ = _decompose_covariance(covariance)
    noise = rng.standard_normal(size=(n_samples, len(eigenvalues)))
    X = np.tile(mean, (n_samples, 1))
    scale = std[varying] * np.sqrt(temperature)
    X[:, varying] += ((noise * np.sqrt(eigenvalues)) @ eigenvectors.T) * scale
    return X


def _temper(probabilities, temperature):
    """Return ``p ** (1 / temperature)``, normalised, for any temperature > 0.

    Computed in log space relative to the largest probability,
    ``exp((log p - log max p) / temperature)``: the largest entries get
    exactly 1 before normalisation and the others a value in [0, 1), so
    nothing overflows and nothing is NaN, however small the temperature.
    As ``temperature -> 0`` this is the limit, the uniform distribution over
    the (exactly) tied maxima: at ``temperature=1e-310`` every smaller
    probability underflows to 0. A large temperature tends to the uniform
    distribution over the support; zeros stay zero at every temperature.
    """
    probabilities = np.asarray(probabilities, dtype=np.float64)
    if temperature == 1.0:
        return probabilities / probabilities.sum()
    with np.errstate(divide="ignore"):
        log_p = np.log(probabilities)
    with np.errstate(over="ignore", invalid="ignore"):
        # <= 0; -inf for zeros (and for gaps that overflow at tiny temperatures)
        logits = (log_p - np.max(log_p)) / temperature
    tempered = np.exp(np.where(probabilities > 0, logits, -np.inf))
    return tempered / tempered.sum()


def _sample_categorical(categories, probabilities, n_samples, random_state):
    """Draw ``n_samples`` tokens as a column of shape (n_samples, 1)."""
    rng = check_random_state(random_state)
    index = rng.choice(len(categories), size=n_samples, p=probabilities)
    return categories[index].reshape(-1, 1)


# The integers float64 holds exactly: |x| <= 2**53. A float token beyond may
# already have been rounded (10**20 + 1 read as a float is 10**20).
_FLOAT_EXACT_INTEGERS = 2**53
_INT64 = np.iinfo(np.int64)


def _as_integer_tokens(X, caller):
    """Convert a validated numeric column to int64 tokens or raise a clear error.

    Tokens are kept exactly or refused, never converted to another integer:

    - signed integers of any width are kept (negative tokens included);
    - booleans are the tokens 0 (False) and 1 (True);
    - unsigned integers must fit int64 (at most ``2**63 - 1``);
    - floats must hold whole numbers of magnitude at most ``2**53``, the
      range in which float64 represents every integer (beyond, a float
      token may already differ from the integer it was read from: pass
      int64 tokens instead). Object arrays of Python ints are converted to
      float64 by scikit-learn's validation, so they follow the float rule.
    """
    kind = X.dtype.kind
    if kind in "ib":
        return X.astype(np.int64, copy=False)
    if kind == "u":
        too_big = X > _INT64.max
        if np.any(too_big):
            raise ValueError(
                f"{caller} holds tokens as int64; got tokens beyond its range "
                f"such as {int(X[too_big][0])} (the largest is {_INT64.max}). "
                "Re-encode the tokens as smaller integers (for example with "
                "sklearn.preprocessing.OrdinalEncoder)."
            )
        return X.astype(np.int64)
    integral = np.equal(np.mod(X, 1), 0)
    if not np.all(integral):
        example = X[~integral][0]
        raise ValueError(
            f"{caller} expects integer tokens; got non-integer values such as "
            f"{example!r}. Encode categories as integers first (for example "
            "with sklearn.preprocessing.OrdinalEncoder)."
        )
    inexact = np.abs(X) > _FLOAT_EXACT_INTEGERS
    if np.any(inexact):
        raise ValueError(
            f"{caller} expects integer tokens; got the float token "
            f"{float(X[inexact][0]):.17g}, beyond 2**53 = "
            f"{_FLOAT_EXACT_INTEGERS}, where float64 cannot hold every integer "
            "(it may already differ from the token it was read from). Pass the "
            "tokens as an int64 array (tokens up to 2**63 - 1 are kept exactly), "
            "or re-encode them as smaller integers (for example with "
            "sklearn.preprocessing.OrdinalEncoder)."
        )
    return X.astype(np.int64)


def _check_token_array(X, caller):
    """Refuse strings and other non-numeric tokens with a clear message."""
    array = X if hasattr(X, "dtype") and not hasattr(X, "iloc") else None
    if array is None:
        try:
            array = np.asarray(X)
        except Exception:  # ragged input: let validate_data explain
            return
    kind = getattr(array, "dtype", np.dtype(float)).kind
    if kind in "USV" or (
        kind == "O" and any(isinstance(v, (str, bytes)) for v in np.ravel(array))
    ):
        raise ValueError(
            f"{caller} expects integer tokens; got strings. Encode them as "
            "integers first (for example with sklearn.preprocessing."
            "OrdinalEncoder)."
        )


@Substitution(references=references("shumailov2024", "alemohammad2024"))
class GaussianDensity(DensityMixin, BaseEstimator):
    """Single multivariate Gaussian density, the simplest collapsing generator.

    ``fit`` estimates the mean and covariance of the data, ``sample`` draws
    from the fitted Gaussian with the covariance multiplied by ``temperature``,
    and ``score_samples`` returns the log-density of that emitting Gaussian.
    Refitting it on its own samples generation after generation is the
    Gaussian model collapse of Shumailov et al.: the variance shrinks to zero
    almost surely.

    Read more in the :ref:`User Guide <generative_models>`.

    Parameters
    ----------
    covariance_type : {"full", "diag", "spherical"}, default="full"
        Form of the covariance estimate.

        - "full": the sample covariance matrix;
        - "diag": the per-feature variances on the diagonal, zeros elsewhere;
        - "spherical": the mean of the per-feature variances times the
          identity.

    ddof : int, default=1
        Delta degrees of freedom: the covariance is the sum of squared
        deviations divided by ``n_samples - ddof`` (by the total sample weight
        minus ``ddof`` when weights are given). ``ddof=1`` is the unbiased
        estimate of the theory; ``ddof=0`` the maximum-likelihood estimate.

    temperature : float, default=1.0
        Sampling bias (Alemohammad et al.'s lambda): the model emits
        ``N(mean_, temperature * covariance_)``. Values below 1 narrow what the
        model generates. ``temperature`` is applied at sampling and scoring
        time; ``covariance_`` is the estimate from the data. Any float > 0
        works, however small: it scales the standard deviations and the
        Mahalanobis distance, never ``covariance_`` (whose product with
        ``1e-310`` would underflow), so at a tiny temperature ``sample``
        returns ``mean_`` up to rounding and ``score_samples`` is ``-inf``
        away from ``mean_``.

    Attributes
    ----------
    mean_ : ndarray of shape (n_features,)
        Mean of the training data (weighted by ``sample_weight``). A feature
        whose training values are all equal has exactly that value as mean.

    covariance_ : ndarray of shape (n_features, n_features)
        Covariance estimate of the training data (without ``temperature``).
        It may be singular: zero when every sample is identical.

    n_features_in_ : int
        Number of features seen during ``fit``.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during ``fit``. Defined only when `X`
        has feature names that are all strings.

    See Also
    --------
    CategoricalDensity : Distribution over integer tokens.
    sklearn.mixture.GaussianMixture : Mixture of Gaussians.
    sklearn.neighbors.KernelDensity : Kernel density estimate.

    Notes
    -----
    With ``M`` samples ``x_1, ..., x_M``, the fit is

    .. math::

        \\hat\\mu = \\frac{1}{M} \\sum_i x_i, \\qquad
        \\hat\\Sigma = \\frac{1}{M - \\text{ddof}}
        \\sum_i (x_i - \\hat\\mu)(x_i - \\hat\\mu)^\\top,

    and the model is :math:`N(\\hat\\mu, \\lambda \\hat\\Sigma)` with
    :math:`\\lambda` = ``temperature``. Refitted on its own samples
    generation after generation (by
    :class:`~skcollapse.RecursiveDensityRetrainer`), with ``ddof=1``, the
    variance is unbiased at each step but the standard deviation goes to
    zero almost surely (Shumailov et al.), and a sampling bias
    :math:`\\lambda < 1` shrinks the covariance geometrically (Alemohammad
    et al.). The expected trajectory is
    :func:`skcollapse.theory.gaussian_refit`; the formulas are in the Notes
    of :class:`~skcollapse.RecursiveDensityRetrainer`.

    Degenerate data is the end point of collapse, so it is never an error.
    When the covariance is singular (collinear features, fewer samples than
    features, or every sample identical), ``score_samples`` returns the
    log-density of the degenerate Gaussian with respect to the Lebesgue
    measure on its support, the affine subspace
    ``mean_ + range(covariance_)`` (pseudo-determinant and pseudo-inverse,
    the same values as ``scipy.stats.multivariate_normal(allow_singular=True)``),
    and ``-inf`` for points off that support (beyond rounding error). The
    numerical rank is decided on the correlation matrix, so features in very
    different units are not mistaken for a degenerate direction: a feature of
    zero variance is constant, and eigenvalues of the correlation matrix below
    ``1e6 * eps`` times the largest count as zero. When every training sample
    was identical the support is the single point ``mean_``:
    ``score_samples`` is 0.0 (the log of a unit point mass) there and ``-inf``
    elsewhere, and ``sample`` returns copies of ``mean_``. A constant feature
    beside varying ones is handled the same way, feature by feature.

    Scale: data of any magnitude whose covariance is a finite float64 can be
    fitted (``X * 1e150`` has covariances near ``1e300``). Sample weights are
    rescaled by their maximum when their total overflows, so huge weights
    give the same fit as their normalised values (with ``ddof`` counted in
    the original units). Data whose covariance overflows float64 raise a
    ``ValueError`` asking to rescale X; in a recursive loop (a temperature
    above 1 inflating the spread generation after generation) that ends the
    loop as ``"degenerate"``.

    %(references)s

    Examples
    --------
    >>> import numpy as np
    >>> from skcollapse.generative import GaussianDensity
    >>> X = np.array([[0.0, 1.0], [2.0, 1.0], [1.0, 4.0], [1.0, 2.0]])
    >>> density = GaussianDensity().fit(X)
    >>> density.mean_
    array([1., 2.])
    >>> density.covariance_
    array([[0.6667, 0.    ],
           [0.    , 2.    ]])
    >>> density.sample(3, random_state=0).shape
    (3, 2)

    A collapsed generation: every sample identical.

    >>> collapsed = GaussianDensity().fit(np.ones((5, 2)))
    >>> collapsed.score_samples([[1.0, 1.0], [1.0, 2.0]])
    array([  0., -inf])
    >>> collapsed.sample(2, random_state=0)
    array([[1., 1.],
           [1., 1.]])
    """

    _parameter_constraints: dict = {
        "covariance_type": [StrOptions({"full", "diag", "spherical"})],
        "ddof": [Interval(Integral, 0, None, closed="left")],
        "temperature": [Interval(Real, 0, None, closed="neither")],
    }

    def __init__(self, covariance_type="full", ddof=1, temperature=1.0):
        self.covariance_type = covariance_type
        self.ddof = ddof
        self.temperature = temperature

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None, sample_weight=None):
        """Estimate the mean and covariance of X.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.

        y : None
            Ignored. Present for API consistency.

        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative frequency weights: an integer weight is equivalent to
            repeating the row, a zero weight to removing it.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        X = validate_data(self, X, dtype=np.float64)
        n_samples = X.shape[0]
        X, weights, total_weight = _positive_weight_rows(X, sample_weight)
        if total_weight <= self.ddof:
            if weights is None:
                raise ValueError(
                    f"GaussianDensity with ddof={self.ddof} needs more than "
                    f"{self.ddof} sample(s); got n_samples={n_samples}. Use "
                    "ddof=0 (the maximum-likelihood estimate) to fit fewer."
                )
            raise ValueError(
                f"GaussianDensity with ddof={self.ddof} needs a total sample "
                f"weight above {self.ddof}; got {total_weight:g}. A weight of "
                "zero for every sample cannot be fitted."
            )

        # Huge weights (their sum overflows) are rescaled by their maximum: the
        # fit depends on the weights relative to their total, and ddof is
        # rescaled with them so that it still counts in units of the weights.
        unit = 1.0
        if weights is not None and not np.isfinite(total_weight):
            unit = float(np.max(weights))
            weights = weights / unit
        mean = np.average(X, axis=0, weights=weights)
        # Features that are constant in the data get exactly that value, so the
        # fully collapsed case has an exact mean and an exactly zero covariance.
        constant = np.all(X == X[0], axis=0)
        mean[constant] = X[0, constant]
        centered = X - mean
        weighted = centered if weights is None else centered * weights[:, None]
        denominator = (X.shape[0] if weights is None else weights.sum()) - (
            self.ddof / unit
        )
        with np.errstate(over="ignore", invalid="ignore"):
            if self.covariance_type == "full":
                covariance = weighted.T @ centered / denominator
                covariance = covariance / 2 + covariance.T / 2
            else:
                variances = np.sum(weighted * centered, axis=0) / denominator
                if self.covariance_type == "spherical":
                    variances = np.full_like(variances, variances.mean())
                covariance = np.diag(variances)
        if not (np.all(np.isfinite(mean)) and np.all(np.isfinite(covariance))):
            raise ValueError(
                "The covariance of X overflows float64 (X holds values up to "
                f"{float(np.max(np.abs(X))):.3g}), so GaussianDensity cannot "
                "represent it. Rescale X, for example with "
                "sklearn.preprocessing.StandardScaler."
            )
        self.mean_ = mean
        self.covariance_ = covariance
        return self

    def score_samples(self, X):
        """Log-density of the emitting Gaussian ``N(mean_, temperature * covariance_)``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Points at which to evaluate the density.

        Returns
        -------
        log_density : ndarray of shape (n_samples,)
            Log-density of each point. With a singular covariance, the
            log-density on the support ``mean_ + range(covariance_)`` and
            ``-inf`` off it (see Notes); never NaN.
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        return _gaussian_log_density(
            X, self.mean_, self.covariance_, float(self.temperature)
        )

    def score(self, X, y=None):
        """Mean log-likelihood of X under the model.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data.

        y : None
            Ignored. Present for API consistency.

        Returns
        -------
        score : float
            Mean of :meth:`score_samples` over the rows of X (``-inf`` when a
            row lies off the support of a degenerate model).
        """
        return float(np.mean(self.score_samples(X)))

    @Substitution(sample_parameters=sample_parameters())
    def sample(self, n_samples=1, random_state=None):
        """Draw samples from ``N(mean_, temperature * covariance_)``.

        Parameters
        ----------
        %(sample_parameters)s

        Returns
        -------
        X : ndarray of shape (n_samples, n_features)
            The samples, as float64. Copies of ``mean_`` when the covariance
            is zero.
        """
        check_is_fitted(self)
        n_samples = _check_n_samples(n_samples)
        return _sample_gaussian(
            self.mean_,
            self.covariance_,
            n_samples,
            random_state,
            temperature=float(self.temperature),
        )


@Substitution(references=references("seddik2024", "dohmatob2024tails", "shumailov2024"))
class CategoricalDensity(DensityMixin, BaseEstimator):
    """Distribution over integer tokens estimated from counts, with tail cutting.

    ``fit`` counts the tokens of a single column, smooths the counts with
    ``alpha``, then applies the sampling rules of language models:
    ``temperature``, ``top_k`` and ``top_p``. The result, ``probabilities_``,
    is the distribution the model emits: ``sample`` draws from it and
    ``score_samples`` scores with it. Refitting on the model's own samples
    loses the tail generation after generation (Seddik et al.; Dohmatob et
    al., "A Tale of Tails").

    Read more in the :ref:`User Guide <generative_models>`.

    Parameters
    ----------
    alpha : float, default=0.0
        Additive (Laplace) smoothing of the counts over the vocabulary
        ``categories_``. With ``categories="auto"`` it smooths among the seen
        tokens only; give the full vocabulary in ``categories`` so that unseen
        tokens get a positive probability.

    temperature : float, default=1.0
        Tail narrowing: the estimate ``p`` becomes ``p ** (1 / temperature)``,
        normalised. Values below 1 favour frequent tokens.

    top_k : int, default=None
        Keep only the ``top_k`` most probable tokens (ties broken in favour of
        the smaller token). None keeps every token.

    top_p : float in (0, 1], default=None
        Nucleus cut: keep the smallest set of most probable tokens whose
        total probability is at least ``top_p``. None keeps every token.

    categories : "auto" or array-like of int, default="auto"
        The vocabulary. "auto": the distinct tokens seen in ``fit``.
        An array-like: every token of the vocabulary (sorted and
        de-duplicated); a training token outside it is an error.

    Attributes
    ----------
    categories_ : ndarray of shape (n_categories,), dtype=int64
        The vocabulary, sorted.

    counts_ : ndarray of shape (n_categories,), dtype=float64
        Raw (weighted) count of each token of ``categories_`` in the training
        data, before smoothing, tempering and cutting.

    probabilities_ : ndarray of shape (n_categories,)
        The emitting distribution over ``categories_``: smoothed, tempered and
        cut, summing to 1. Tokens removed by ``top_k`` / ``top_p``, and tokens
        never seen when ``alpha=0``, have probability 0.

    n_features_in_ : int
        Number of features seen during ``fit`` (always 1).

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during ``fit``. Defined only when `X`
        has feature names that are all strings.

    See Also
    --------
    GaussianDensity : Single multivariate Gaussian.
    FrequencyClassifier : Count-based next-token model.
    skcollapse.datasets.make_zipf : Zipf-distributed tokens.

    Notes
    -----
    With counts :math:`c_i` of the :math:`K` tokens of the vocabulary and
    total :math:`n`, the estimate is
    :math:`\\hat p_i = (c_i + \\alpha) / (n + \\alpha K)`. The emitting
    distribution is built in the order of language-model decoding (as in
    Hugging Face ``generate``): temperature
    :math:`q_i \\propto \\hat p_i^{1/T}`, then top-k, then top-p on the
    renormalised result, then a final renormalisation. Temperature is
    monotone, so the top-k set does not depend on it; the top-p set does.

    The model *is* the emitting distribution: ``sample``, ``score_samples``
    and ``score`` all use ``probabilities_``, so the log-likelihood of a
    tail-cut model is ``-inf`` on a cut token. The raw estimate is recovered
    from ``counts_``.

    Refitting on ``n`` samples per generation is the multinomial resampling
    of Seddik et al.: the collision probability :math:`\\sum_i p_i^2` grows
    towards 1 and the distribution ends as a Dirac mass on token :math:`i`
    with probability :math:`p_i`. The expected trajectory is
    :func:`skcollapse.theory.categorical_collision` (formula in the Notes of
    :class:`~skcollapse.RecursiveDensityRetrainer`), the probability and time
    of total collapse :func:`skcollapse.theory.categorical_collapse_bounds`.

    Top-k sampling cuts the tail at rank :math:`k`, which for Zipf data
    :math:`p_i \\propto i^{-\\beta}` adds an error floor of order
    :math:`k^{-(\\beta - 1)}` (Dohmatob et al.; the error across generations
    is :func:`skcollapse.theory.zipf_error`).

    ``score_samples`` returns ``-inf`` (without warnings) for tokens of zero
    probability and for tokens outside the vocabulary. Non-integer values
    raise a ``ValueError`` in every method.

    %(references)s

    Examples
    --------
    >>> import numpy as np
    >>> from skcollapse.generative import CategoricalDensity
    >>> X = np.array([[0], [0], [0], [0], [1], [1], [1], [2], [2], [3]])
    >>> density = CategoricalDensity().fit(X)
    >>> density.categories_
    array([0, 1, 2, 3])
    >>> density.probabilities_
    array([0.4, 0.3, 0.2, 0.1])
    >>> CategoricalDensity(top_k=2).fit(X).probabilities_
    array([0.5714, 0.4286, 0.    , 0.    ])
    >>> CategoricalDensity(top_p=0.8).fit(X).score_samples([[0], [3], [7]])
    array([-0.8109, -inf, -inf])
    >>> density.sample(4, random_state=0).ravel()
    array([1, 2, 1, 1])
    """

    _parameter_constraints: dict = {
        "alpha": [Interval(Real, 0, None, closed="left")],
        "temperature": [Interval(Real, 0, None, closed="neither")],
        "top_k": [Interval(Integral, 1, None, closed="left"), None],
        "top_p": [Interval(Real, 0, 1, closed="right"), None],
        "categories": [StrOptions({"auto"}), "array-like"],
    }

    def __init__(
        self,
        alpha=0.0,
        temperature=1.0,
        top_k=None,
        top_p=None,
        categories="auto",
    ):
        self.alpha = alpha
        self.temperature = temperature
        self.top_k = top_k
        self.top_p = top_p
        self.categories = categories

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.categorical = True
        return tags

    def _validate_tokens(self, X, reset):
        """Validate X as one column of integer tokens; return them as int64 (n,)."""
        _check_token_array(X, type(self).__name__)
        X = validate_data(self, X, dtype="numeric", reset=reset)
        if X.shape[1] != 1:
            raise ValueError(
                "CategoricalDensity models a single column of integer tokens; "
                f"got X with {X.shape[1]} columns. Pass X of shape (n_samples, 1)."
            )
        return _as_integer_tokens(X[:, 0], type(self).__name__)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None, sample_weight=None):
        """Count the tokens of X and build the emitting distribution.

        Parameters
        ----------
        X : array-like of shape (n_samples, 1)
            Integer tokens (floats are accepted when they hold integer
            values).

        y : None
            Ignored. Present for API consistency.

        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights added to the counts instead of 1. A token
            whose weights are all zero counts as unseen.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        vocabulary = self._check_categories()
        tokens = self._validate_tokens(X, reset=True)
        tokens, weights, _ = _positive_weight_rows(tokens.reshape(-1, 1), sample_weight)
        tokens = tokens[:, 0]
        if tokens.shape[0] == 0:
            raise ValueError(
                "CategoricalDensity needs at least one token of positive weight; "
                "every sample_weight is zero."
            )
        # Huge weights (their total overflows) are counted relative to the
        # largest one; the estimate depends only on the relative counts.
        unit = 1.0
        if weights is not None:
            with np.errstate(over="ignore"):
                if not np.isfinite(weights.sum()):
                    unit = float(np.max(weights))
                    weights = weights / unit
        seen, inverse = np.unique(tokens, return_inverse=True)
        seen_counts = np.bincount(inverse, weights=weights, minlength=len(seen))

        if vocabulary is None:  # "auto"
            categories, counts = seen, seen_counts
        else:
            categories = vocabulary
            unknown = np.setdiff1d(seen, categories)
            if unknown.size:
                raise ValueError(
                    f"Found tokens {unknown[:10].tolist()} in X that are not in "
                    "`categories`. Add them to the vocabulary or use "
                    'categories="auto".'
                )
            counts = np.zeros(len(categories), dtype=np.float64)
            counts[np.searchsorted(categories, seen)] = seen_counts

        alpha = self.alpha / unit
        estimate = (counts + alpha) / (counts.sum() + alpha * len(counts))
        self.categories_ = categories.astype(np.int64)
        with np.errstate(over="ignore"):
            self.counts_ = counts.astype(np.float64) * unit
        self.probabilities_ = self._emitting_distribution(estimate)
        return self

    def _check_categories(self):
        """The vocabulary as sorted unique int64 tokens, or None for "auto".

        The tokens of ``categories`` follow the rules of X (see
        ``_as_integer_tokens``): kept exactly, never through float64.
        """
        if isinstance(self.categories, str):
            return None
        caller = "CategoricalDensity(categories=...)"
        _check_token_array(self.categories, caller)
        categories = np.asarray(self.categories)
        if categories.dtype.kind not in "iubf":
            try:
                categories = categories.astype(np.float64)
            except (TypeError, ValueError) as exc:
                raise ValueError(
                    f"{caller} must be 'auto' or an array-like of integer "
                    f"tokens; got {self.categories!r}."
                ) from exc
        if categories.ndim == 2 and categories.shape[1] == 1:
            categories = categories[:, 0]
        if categories.ndim != 1:
            raise ValueError(
                f"{caller} must be 'auto' or a 1-D array-like of integer tokens; "
                f"got an array of shape {categories.shape}."
            )
        return np.unique(_as_integer_tokens(categories, caller))

    def _emitting_distribution(self, estimate):
        """Apply temperature, then top_k, then top_p, and renormalise."""
        probabilities = _temper(estimate, self.temperature)
        # Most probable first; ties keep the smaller token first.
        order = np.argsort(-probabilities, kind="stable")
        keep = probabilities[order] > 0
        if self.top_k is not None:
            keep[self.top_k :] = False
        if self.top_p is not None:
            kept_mass = np.where(keep, probabilities[order], 0.0)
            cumulative = np.cumsum(kept_mass) / kept_mass.sum()
            # smallest prefix with mass >= top_p (up to rounding)
            n_nucleus = np.searchsorted(cumulative, self.top_p - 1e-12) + 1
            keep[n_nucleus:] = False
        cut = np.zeros_like(probabilities)
        cut[order[keep]] = probabilities[order[keep]]
        return cut / cut.sum()

    def score_samples(self, X):
        """Log-probability of each token under ``probabilities_``.

        Parameters
        ----------
        X : array-like of shape (n_samples, 1)
            Integer tokens.

        Returns
        -------
        log_probability : ndarray of shape (n_samples,)
            ``log(probabilities_)`` of each token; ``-inf`` for tokens of zero
            probability (cut or never seen) and tokens outside
            ``categories_``.
        """
        check_is_fitted(self)
        tokens = self._validate_tokens(X, reset=False)
        index = np.searchsorted(self.categories_, tokens)
        index = np.minimum(index, len(self.categories_) - 1)
        known = self.categories_[index] == tokens
        probability = np.where(known, self.probabilities_[index], 0.0)
        with np.errstate(divide="ignore"):
            return np.log(probability)

    def score(self, X, y=None):
        """Mean log-likelihood of the tokens of X.

        Parameters
        ----------
        X : array-like of shape (n_samples, 1)
            Integer tokens.

        y : None
            Ignored. Present for API consistency.

        Returns
        -------
        score : float
            Mean of :meth:`score_samples` (``-inf`` if a token has probability
            0).
        """
        return float(np.mean(self.score_samples(X)))

    @Substitution(sample_parameters=sample_parameters("tokens"))
    def sample(self, n_samples=1, random_state=None):
        """Draw tokens from ``probabilities_``.

        Parameters
        ----------
        %(sample_parameters)s

        Returns
        -------
        X : ndarray of shape (n_samples, 1), dtype=int64
            The tokens.
        """
        check_is_fitted(self)
        n_samples = _check_n_samples(n_samples)
        return _sample_categorical(
            self.categories_, self.probabilities_, n_samples, random_state
        )


@Substitution(references=references("seddik2024"))
class FrequencyClassifier(ClassifierMixin, BaseEstimator):
    """Count-based next-token model: label frequencies per distinct input row.

    Each distinct row of X is a context; ``predict_proba`` returns the
    empirical frequency of each label among the training rows equal to it,
    smoothed by ``alpha``. This is the statistical language model of Seddik et
    al.: a linear softmax on one-hot contexts trained by cross-entropy is
    minimised by exactly these frequencies. Wrapped in a recursive retrainer
    that draws labels from ``predict_proba`` it reproduces their collapse.

    Read more in the :ref:`User Guide <generative_models>`.

    Parameters
    ----------
    alpha : float, default=0.0
        Additive (Laplace) smoothing of the counts over ``classes_``.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels seen during ``fit``.

    contexts_ : ndarray of shape (n_contexts, n_features)
        The distinct training rows (contexts), sorted lexicographically.

    counts_ : ndarray of shape (n_contexts, n_classes)
        (Weighted) count of each label per context.

    class_count_ : ndarray of shape (n_classes,)
        (Weighted) count of each label over all training rows.

    n_features_in_ : int
        Number of features seen during ``fit``.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during ``fit``. Defined only when `X`
        has feature names that are all strings.

    See Also
    --------
    CategoricalDensity : The same estimate without contexts.
    sklearn.dummy.DummyClassifier : The marginal frequencies only.

    Notes
    -----
    For a context :math:`x` with label counts :math:`c_k(x)` over :math:`K`
    classes,

    .. math::

        \\hat p(k \\mid x) = \\frac{c_k(x) + \\alpha}{\\sum_j c_j(x) + \\alpha K}.

    A row never seen in ``fit`` has no counts: it falls back to the
    marginal label frequency :math:`(c_k + \\alpha) / (n + \\alpha K)`, the
    prediction of the model that ignores the context. Rows are matched
    exactly (after conversion to float64).

    Per context, refitting on labels drawn from the previous generation's
    ``predict_proba`` is multinomial resampling: the collision probability
    :math:`\\sum_k \\hat p(k \\mid x)^2` grows towards 1 and each context's
    distribution ends as a Dirac mass (Seddik et al., Theorem 1), as given
    for one context by :func:`skcollapse.theory.categorical_collision`.

    %(references)s

    Examples
    --------
    >>> import numpy as np
    >>> from skcollapse.generative import FrequencyClassifier
    >>> X = np.array([[0], [0], [0], [0], [1], [1]])
    >>> y = np.array(["a", "a", "a", "b", "b", "b"])
    >>> clf = FrequencyClassifier().fit(X, y)
    >>> clf.predict_proba([[0], [1], [2]])
    array([[0.75, 0.25],
           [0.  , 1.  ],
           [0.5 , 0.5 ]])
    >>> clf.predict([[0], [1]])
    array(['a', 'b'], dtype='<U1')
    """

    _parameter_constraints: dict = {
        "alpha": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(self, alpha=0.0):
        self.alpha = alpha

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Count the labels of each distinct row of X.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Contexts (any numeric values; equal rows are the same context).

        y : array-like of shape (n_samples,)
            Labels.

        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights added to the counts instead of 1. Rows of
            zero weight are ignored.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        X, y = validate_data(self, X, y, dtype=np.float64)
        check_classification_targets(y)
        self.classes_, y_encoded = np.unique(y, return_inverse=True)
        if sample_weight is None:
            weights = np.ones(X.shape[0])
        else:
            weights = _check_sample_weight(
                sample_weight, X, dtype=np.float64, ensure_non_negative=True
            )
            keep = weights > 0
            X, y_encoded, weights = X[keep], y_encoded[keep], weights[keep]
        # -0.0 and 0.0 are the same context
        self.contexts_, context_index = np.unique(X + 0.0, axis=0, return_inverse=True)
        n_classes = len(self.classes_)
        counts = np.zeros((len(self.contexts_), n_classes))
        np.add.at(counts, (context_index.ravel(), y_encoded), weights)
        self.counts_ = counts
        self.class_count_ = counts.sum(axis=0)
        return self

    def _context_index(self, X):
        """Index in ``contexts_`` of each row of X, -1 for unseen rows."""
        n_contexts = len(self.contexts_)
        rows = np.vstack([self.contexts_, X + 0.0])
        _, inverse = np.unique(rows, axis=0, return_inverse=True)
        inverse = inverse.ravel()
        position = np.full(inverse.max() + 1, -1)
        position[inverse[:n_contexts]] = np.arange(n_contexts)
        return position[inverse[n_contexts:]]

    def predict_proba(self, X):
        """Label frequencies of each row's context.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Contexts.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Smoothed label frequencies of each row's context, in the order of
            ``classes_``; the marginal frequencies for unseen rows.
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        counts = np.vstack([self.counts_, self.class_count_])
        index = self._context_index(X)  # -1 selects the marginal counts
        selected = counts[index] + self.alpha
        return selected / selected.sum(axis=1, keepdims=True)

    def predict_log_proba(self, X):
        """Log of :meth:`predict_proba` (``-inf`` for labels of frequency 0).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Contexts.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Log-probabilities in the order of ``classes_``.
        """
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def predict(self, X):
        """Most frequent label of each row's context.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Contexts.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            The label of highest frequency (the first in ``classes_`` on
            ties).
        """
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]


@Substitution(references=references("dohmatob2024tails"))
class EmpiricalDensity(DensityMixin, BaseEstimator):
    """Empirical distribution of the training rows: sampling resamples them.

    ``fit`` stores the distinct training rows and the (weighted) share of the
    training set each of them makes up; ``sample`` draws rows from that
    distribution, which is drawing training rows uniformly with replacement
    (in proportion to their weights when fitted with ``sample_weight``). It is
    the non-parametric model that memorises its data: the "Hutter" learner of
    "A Tale of Tails" in any dimension, and the empirical-CDF resampling of the
    fresh-data loop of the golden-ratio paper. It has no parameter.

    Read more in the :ref:`User Guide <generative_models>`.

    Attributes
    ----------
    support_ : ndarray of shape (n_support, n_features)
        The distinct training rows (of positive weight), sorted
        lexicographically, in the dtype of the training data (integer tokens
        stay integers).

    probabilities_ : ndarray of shape (n_support,)
        Mass of each row of ``support_``: its count (or total weight) divided
        by the number of rows (or the total weight).

    n_features_in_ : int
        Number of features seen during ``fit``.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during ``fit``. Defined only when `X`
        has feature names that are all strings.

    See Also
    --------
    CategoricalDensity : The same estimate for one column of tokens, with
        smoothing and tail cutting.
    sklearn.neighbors.KernelDensity : A smoothed empirical distribution.

    Notes
    -----
    The model is the discrete measure :math:`\\hat P = \\sum_i w_i
    \\delta_{x_i} / \\sum_i w_i`. ``score_samples`` returns the log of its
    mass at each row, :math:`\\log \\hat P(\\{x\\})`: finite on the support,
    ``-inf`` off it (rows are matched exactly, after conversion to a common
    dtype; ``-0.0`` and ``0.0`` are the same value). With continuous data a
    fresh row is off the support almost surely, so held-out log-likelihoods
    are ``-inf``: the empirical distribution has no density.

    A sampling bias means nothing for it: ``temperature`` would have to reweight
    the training rows, which are all equally likely. The density
    meta-estimator refuses ``RecursiveDensityRetrainer(EmpiricalDensity(),
    temperature=t)`` for ``t != 1`` at fit, before any work.

    Refitted on its own ``n`` samples generation after generation (by
    :class:`~skcollapse.RecursiveDensityRetrainer`), the support can only
    shrink: from ``n`` equally likely distinct rows, ``n`` draws with
    replacement keep each row with probability :math:`1 - (1 - 1/n)^n`, so
    the expected fraction of distinct rows kept by the first generation is
    :math:`1 - (1 - 1/n)^n \\approx 1 - 1/e = 0.632`. The chain is absorbed
    when one row is left (a Dirac mass), after about :math:`2n` generations
    (the Wright-Fisher coalescent); under ``data="accumulate"`` nothing is
    ever lost.

    %(references)s

    Examples
    --------
    >>> import numpy as np
    >>> from skcollapse.generative import EmpiricalDensity
    >>> X = np.array([[0.0, 1.0], [2.0, 1.0], [0.0, 1.0], [5.0, 5.0]])
    >>> density = EmpiricalDensity().fit(X)
    >>> density.support_
    array([[0., 1.],
           [2., 1.],
           [5., 5.]])
    >>> density.probabilities_
    array([0.5 , 0.25, 0.25])
    >>> density.score_samples([[0.0, 1.0], [3.0, 3.0]])
    array([-0.6931,   -inf])
    >>> density.sample(4, random_state=1)
    array([[0., 1.],
           [2., 1.],
           [0., 1.],
           [0., 1.]])
    """

    _parameter_constraints: dict = {}

    def __init__(self):
        pass

    def _validate_rows(self, X, reset):
        X = validate_data(self, X, dtype="numeric", reset=reset)
        if X.dtype.kind == "b":
            X = X.astype(np.int64)
        elif X.dtype.kind == "f":
            X = X + 0.0  # -0.0 and 0.0 are the same row
        return X

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None, sample_weight=None):
        """Store the distinct rows of X and their share of the data.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data (any numeric dtype; integers are kept).

        y : None
            Ignored. Present for API consistency.

        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative frequency weights: an integer weight is equivalent to
            repeating the row, a zero weight to removing it.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        X = self._validate_rows(X, reset=True)
        X, weights, total = _positive_weight_rows(X, sample_weight)
        if X.shape[0] == 0:
            raise ValueError(
                "Sample weights must contain at least one non-zero number; "
                "every sample_weight is zero (EmpiricalDensity needs a row of "
                "positive weight)."
            )
        if weights is not None and not np.isfinite(total):
            weights = weights / np.max(weights)  # only relative weights matter
        support, inverse = np.unique(X, axis=0, return_inverse=True)
        mass = np.bincount(inverse.ravel(), weights=weights, minlength=len(support))
        self.support_ = support
        self.probabilities_ = mass / mass.sum()
        return self

    def _support_index(self, X):
        """Index in ``support_`` of each row of X, -1 off the support."""
        n_support = len(self.support_)
        rows = np.vstack([self.support_, X])
        _, inverse = np.unique(rows, axis=0, return_inverse=True)
        inverse = inverse.ravel()
        position = np.full(inverse.max() + 1, -1)
        position[inverse[:n_support]] = np.arange(n_support)
        return position[inverse[n_support:]]

    def score_samples(self, X):
        """Log of the empirical mass of each row of X.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to score.

        Returns
        -------
        log_mass : ndarray of shape (n_samples,)
            ``log(probabilities_)`` of the row of ``support_`` equal to each
            row of X; ``-inf`` for rows off the support.
        """
        check_is_fitted(self)
        X = self._validate_rows(X, reset=False)
        index = self._support_index(X)
        mass = np.where(index >= 0, self.probabilities_[index], 0.0)
        with np.errstate(divide="ignore"):
            return np.log(mass)

    def score(self, X, y=None):
        """Mean of :meth:`score_samples` over the rows of X.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data.

        y : None
            Ignored. Present for API consistency.

        Returns
        -------
        score : float
            Mean log-mass (``-inf`` if a row is off the support).
        """
        return float(np.mean(self.score_samples(X)))

    @Substitution(sample_parameters=sample_parameters("rows"))
    def sample(self, n_samples=1, random_state=None):
        """Draw rows of ``support_`` with probabilities ``probabilities_``.

        Parameters
        ----------
        %(sample_parameters)s

        Returns
        -------
        X : ndarray of shape (n_samples, n_features)
            The drawn rows, in the dtype of ``support_`` (a copy).
        """
        check_is_fitted(self)
        n_samples = _check_n_samples(n_samples)
        rng = check_random_state(random_state)
        index = rng.choice(len(self.support_), size=n_samples, p=self.probabilities_)
        return self.support_[index]


def _sorted_search(table, needles, side="right"):
    """``np.searchsorted(table, needles)``, the needles sorted first (a
    search in order walks the table once: several times faster)."""
    order = np.argsort(needles)
    where = np.empty(len(needles), dtype=np.intp)
    where[order] = np.searchsorted(table, needles[order], side=side)
    return where


# Contexts of up to this many codes ((V + 1) ** n_context) are looked up in a
# direct table (8 bytes each); longer ones by binary search.
_DENSE_CONTEXTS = 2**21


@Substitution(references=references("seddik2024"))
class NGramLanguageModel(DensityMixin, BaseEstimator):
    """Count-based n-gram language model over rows of integer tokens.

    Each row of X is one sequence of ``n_features`` tokens (word ids
    ``0 .. vocabulary_size - 1``). ``fit`` counts, in every row, each token
    together with the ``n_context`` tokens before it (the first tokens of a
    row have a context padded with a start-of-sequence symbol), and the model
    predicts the next token with the additively smoothed frequencies of its
    context: the statistical language model of Seddik et al. with context
    length ``l = n_context``. ``sample`` writes new sequences token by token,
    ``score_samples`` returns the log-likelihood of each sequence and
    ``score`` the mean log-likelihood per token (``exp(-score)`` is the
    perplexity). Refitted on its own sequences generation after generation
    (by :class:`~skcollapse.RecursiveDensityRetrainer`), it loses n-grams and
    its held-out perplexity grows.

    Read more in the :ref:`User Guide <generative_models>`.

    Parameters
    ----------
    n_context : int, default=1
        Context length ``l``: the number of previous tokens the next one
        depends on. 0 is the unigram model (tokens independent), 1 a bigram
        model, 2 a trigram model.

    alpha : float, default=0.0
        Additive (Laplace) smoothing of the next-token counts of every
        context over the whole vocabulary. 0 is the maximum-likelihood
        (count) model of Seddik et al., under which a sequence holding an
        n-gram never seen in ``fit`` has log-likelihood ``-inf``; any
        ``alpha > 0`` makes held-out perplexity finite. The model *is* the
        smoothed distribution: ``sample`` draws from it too.

    vocabulary_size : int, default=None
        The tokens are ``0 .. vocabulary_size - 1``; a training token outside
        is an error, a scored token outside has probability 0. None: one
        more than the largest training token. Give it when the model is
        refitted on its own samples (a token lost by one generation stays in
        the vocabulary of the next) or scored on held-out text.

    Attributes
    ----------
    vocabulary_size_ : int
        Number of tokens of the vocabulary.

    ngrams_ : ndarray of shape (n_ngrams, n_context + 1), dtype=int64
        The distinct n-grams (context, then next token) of the training rows,
        sorted lexicographically with the start-of-sequence symbol ``-1``
        (the context of a row's first tokens) after every token.
        ``len(ngrams_)`` is the number of distinct n-grams of the training
        text.

    ngram_counts_ : ndarray of shape (n_ngrams,)
        (Weighted) count of each n-gram of ``ngrams_``.

    token_counts_ : ndarray of shape (`vocabulary_size_`,)
        (Weighted) count of each token over all training positions: the
        unigram law, the prediction for a context never seen in ``fit``.

    n_features_in_ : int
        Number of features seen during ``fit``: the sequence length.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during ``fit``. Defined only when `X`
        has feature names that are all strings.

    See Also
    --------
    CategoricalDensity : The unigram model of one column of tokens, with
        tail cutting.
    FrequencyClassifier : Next-token frequencies of explicit context rows.
    skcollapse.datasets.load_python_docs_text : Real English text as rows of
        word ids.

    Notes
    -----
    Sequences are rows: X of shape ``(n_sequences, sequence_length)`` holds
    one fixed-length sequence per row (cut a long text into consecutive
    windows, for example with ``load_python_docs_text(sequence_length=L)``).
    Tokens of different rows never share a context, so the rows are
    independent samples, as scikit-learn expects: ``sample`` returns
    ``n_samples`` such rows, and a sample weight weighs a whole sequence.

    For a context :math:`c` (the ``n_context`` previous tokens) with counts
    :math:`n(c, w)` over a vocabulary of :math:`V` tokens,

    .. math::

        \\hat p(w \\mid c) = \\frac{n(c, w) + \\alpha}{\\sum_v n(c, v) + \\alpha V},

    and a context never seen in ``fit`` (which only a smoothed model or a
    row end can lead to) gets the unigram law :math:`(n(w) + \\alpha) / (n +
    \\alpha V)`, as :class:`FrequencyClassifier` does for unseen rows. The
    log-likelihood of a row :math:`x_1 \\dots x_L` is :math:`\\sum_t \\log
    \\hat p(x_t \\mid x_{t-l} \\dots x_{t-1})`, with the start symbol before
    :math:`x_1`; ``score`` divides the total over the rows of X by the number
    of tokens, so :math:`\\exp(-\\text{score})` is the perplexity.

    Per context, the count model refitted on text it generated is multinomial
    resampling, Seddik et al.'s setting; with ``n_context=0`` and rows of one
    token it is exactly :class:`CategoricalDensity`, whose expected collision
    :func:`skcollapse.theory.categorical_collision` gives (Theorems 1 and 2).
    With context, the number of occurrences of each context changes from one
    generation to the next, and there is no closed form.

    %(references)s

    Examples
    --------
    >>> import numpy as np
    >>> from skcollapse.generative import NGramLanguageModel
    >>> X = np.array([[0, 1, 2, 1], [0, 1, 1, 2]])
    >>> model = NGramLanguageModel(n_context=1).fit(X)
    >>> model.ngrams_
    array([[ 0,  1],
           [ 1,  1],
           [ 1,  2],
           [ 2,  1],
           [-1,  0]])
    >>> model.ngram_counts_
    array([2., 1., 2., 1., 2.])
    >>> model.score_samples([[0, 1, 2, 1], [0, 2, 1, 2]])
    array([-0.4055,    -inf])
    >>> round(float(np.exp(-model.score(X))), 4)  # training perplexity
    1.2696
    >>> model.sample(2, random_state=0)
    array([[0, 1, 2, 1],
           [0, 1, 2, 1]])
    >>> smoothed = NGramLanguageModel(n_context=1, alpha=0.1).fit(X)
    >>> bool(np.isfinite(smoothed.score([[0, 2, 1, 2]])))
    True
    """

    _parameter_constraints: dict = {
        "n_context": [Interval(Integral, 0, None, closed="left")],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "vocabulary_size": [None, Interval(Integral, 1, None, closed="left")],
    }

    def __init__(self, n_context=1, alpha=0.0, vocabulary_size=None):
        self.n_context = n_context
        self.alpha = alpha
        self.vocabulary_size = vocabulary_size

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.categorical = True
        tags.input_tags.positive_only = True
        return tags

    def _validate_tokens(self, X, reset):
        """Validate X as rows of integer tokens; return them as int64."""
        _check_token_array(X, type(self).__name__)
        X = validate_data(self, X, dtype="numeric", reset=reset)
        return _as_integer_tokens(X, type(self).__name__)

    def _context_codes(self, tokens):
        """Integer code of the context of every position, shape of tokens.

        The alphabet of contexts is the vocabulary plus the start symbol
        (code ``V``): a context is a number in base ``V + 1``.
        """
        n_rows, length = tokens.shape
        base = self.vocabulary_size_ + 1
        padded = np.hstack(
            [np.full((n_rows, self.n_context), base - 1, dtype=np.int64), tokens]
        )
        codes = np.zeros((n_rows, length), dtype=np.int64)
        for j in range(self.n_context):
            codes = codes * base + padded[:, j : j + length]
        return codes

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None, sample_weight=None):
        """Count the n-grams of the rows of X.

        Parameters
        ----------
        X : array-like of shape (n_sequences, sequence_length)
            One sequence of integer tokens (>= 0) per row (floats are
            accepted when they hold integer values).

        y : None
            Ignored. Present for API consistency.

        sample_weight : array-like of shape (n_sequences,), default=None
            Non-negative weight of each sequence, added to the counts of its
            n-grams instead of 1. Rows of zero weight are ignored.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        tokens = self._validate_tokens(X, reset=True)
        tokens, weights, _ = _positive_weight_rows(tokens, sample_weight)
        if tokens.shape[0] == 0:
            raise ValueError(
                "Sample weights must contain at least one non-zero number; "
                "every sample_weight is zero (NGramLanguageModel needs a "
                "sequence of positive weight)."
            )
        if np.any(tokens < 0):
            raise ValueError(
                "Negative values in data passed to NGramLanguageModel: it "
                "expects tokens >= 0 (word ids); got the token "
                f"{int(tokens[tokens < 0][0])}. Encode the words as "
                "0 .. vocabulary_size - 1."
            )
        largest = int(tokens.max())
        if self.vocabulary_size is None:
            vocabulary_size = largest + 1
        elif largest >= self.vocabulary_size:
            raise ValueError(
                f"Found the token {largest} in X, outside the vocabulary "
                f"0 .. {self.vocabulary_size - 1} of "
                f"vocabulary_size={self.vocabulary_size}. Increase "
                "vocabulary_size or use vocabulary_size=None."
            )
        else:
            vocabulary_size = int(self.vocabulary_size)
        # the codes of the n-grams, (context * V + token), must fit int64
        if (self.n_context + 1) * np.log2(vocabulary_size + 1) >= 62:
            raise ValueError(
                f"NGramLanguageModel cannot index n-grams of n_context="
                f"{self.n_context} over vocabulary_size={vocabulary_size}: "
                f"(vocabulary_size + 1) ** (n_context + 1) must stay below "
                "2**62. Use a shorter context or a smaller vocabulary."
            )
        self.vocabulary_size_ = vocabulary_size
        if weights is not None and not np.isfinite(weights.sum()):
            weights = weights / np.max(weights)  # only relative weights matter
        codes = (self._context_codes(tokens) * vocabulary_size + tokens).ravel()
        # sort the codes once: distinct n-grams and their counts are runs
        if weights is None:
            codes = np.sort(codes)
        else:
            order = np.argsort(codes)
            codes = codes[order]
        first = np.flatnonzero(np.concatenate([[True], codes[1:] != codes[:-1]]))
        ngram_codes = codes[first]
        if weights is None:
            counts = np.diff(np.append(first, len(codes))).astype(np.float64)
        else:
            row_weights = np.repeat(weights, tokens.shape[1])[order]
            counts = np.add.reduceat(row_weights, first)
        context_of = ngram_codes // vocabulary_size
        starts = np.flatnonzero(
            np.concatenate([[True], context_of[1:] != context_of[:-1]])
        )
        context_codes = context_of[starts]
        row_weights = None if weights is None else np.repeat(weights, tokens.shape[1])
        self._ngram_codes = ngram_codes
        self._cumulative = np.cumsum(counts)
        self._context_codes_seen = context_codes
        self._context_starts = starts
        self._context_ends = np.append(starts[1:], len(ngram_codes))
        self._context_totals = np.add.reduceat(counts, starts)
        n_codes = (vocabulary_size + 1) ** self.n_context
        self._context_table = None
        if n_codes <= _DENSE_CONTEXTS:
            self._context_table = np.full(n_codes, -1, dtype=np.int64)
            self._context_table[context_codes] = np.arange(len(context_codes))
        self.ngram_counts_ = counts
        self.token_counts_ = np.bincount(
            tokens.ravel(), weights=row_weights, minlength=vocabulary_size
        ).astype(np.float64)
        self.ngrams_ = self._decode(ngram_codes)
        return self

    def _decode(self, ngram_codes):
        """The n-grams of their codes, as rows of tokens (-1: start symbol)."""
        V = self.vocabulary_size_
        base = V + 1
        columns = [ngram_codes % V]
        rest = ngram_codes // V
        for _ in range(self.n_context):
            columns.append(rest % base)
            rest = rest // base
        ngrams = np.column_stack(columns[::-1]).astype(np.int64)
        ngrams[:, :-1][ngrams[:, :-1] == V] = -1
        return ngrams

    def _lookup(self, context):
        """Index of each context code in the seen contexts, -1 if unseen."""
        table = self.__dict__.get("_context_table")
        if table is not None:  # short contexts: a direct table
            return table[context]
        seen = self._context_codes_seen
        index = np.minimum(np.searchsorted(seen, context), len(seen) - 1)
        return np.where(seen[index] == context, index, -1)

    def score_samples(self, X):
        """Log-likelihood of each sequence of X.

        Parameters
        ----------
        X : array-like of shape (n_sequences, sequence_length)
            Sequences of integer tokens, of the training length.

        Returns
        -------
        log_likelihood : ndarray of shape (n_sequences,)
            Sum over the tokens of each row of the log-probability of the
            token given its context; ``-inf`` when a token has probability 0
            (an n-gram never seen with ``alpha=0``, a token outside the
            vocabulary).
        """
        check_is_fitted(self)
        tokens = self._validate_tokens(X, reset=False)
        V = self.vocabulary_size_
        inside = (tokens >= 0) & (tokens < V)
        clipped = np.where(inside, tokens, 0)
        context = self._context_codes(clipped)
        index = self._lookup(context)
        seen = index >= 0
        # count of the n-gram (0 if unseen) and total of its context
        codes = (context * V + clipped).ravel()
        where = _sorted_search(self._ngram_codes, codes, side="left")
        where = np.minimum(where, len(self._ngram_codes) - 1).reshape(tokens.shape)
        found = self._ngram_codes[where] == codes.reshape(tokens.shape)
        counts = np.diff(np.concatenate([[0.0], self._cumulative]))
        ngram_count = np.where(found, counts[where], 0.0)
        total = np.where(seen, self._context_totals[np.maximum(index, 0)], 0.0)
        unigram = self.token_counts_[clipped]
        numerator = np.where(seen, ngram_count, unigram) + self.alpha
        denominator = np.where(seen, total, self.token_counts_.sum()) + self.alpha * V
        probability = np.where(inside, numerator / denominator, 0.0)
        with np.errstate(divide="ignore"):
            return np.sum(np.log(probability), axis=1)

    def score(self, X, y=None):
        """Mean log-likelihood per token of the sequences of X.

        Parameters
        ----------
        X : array-like of shape (n_sequences, sequence_length)
            Sequences of integer tokens.

        y : None
            Ignored. Present for API consistency.

        Returns
        -------
        score : float
            The total of :meth:`score_samples` divided by the number of
            tokens of X; ``exp(-score)`` is the perplexity of X (``-inf``
            when a token has probability 0).
        """
        log_likelihood = self.score_samples(X)
        return float(
            np.sum(log_likelihood) / (len(log_likelihood) * self.n_features_in_)
        )

    @Substitution(sample_parameters=sample_parameters("sequences"))
    def sample(self, n_samples=1, random_state=None):
        """Generate sequences token by token.

        Parameters
        ----------
        %(sample_parameters)s

        Returns
        -------
        X : ndarray of shape (n_samples, `n_features_in_`), dtype=int64
            The sequences: each starts after the start symbol, and each
            token is drawn from the smoothed next-token distribution of the
            ``n_context`` tokens before it.
        """
        check_is_fitted(self)
        n_samples = _check_n_samples(n_samples)
        rng = check_random_state(random_state)
        V = self.vocabulary_size_
        length = self.n_features_in_
        base = V + 1
        out = np.zeros((n_samples, length), dtype=np.int64)
        context = np.zeros(n_samples, dtype=np.int64)
        for _ in range(self.n_context):
            context = context * base + V  # the start symbol
        modulus = base**self.n_context
        unigram_cumulative = np.cumsum(self.token_counts_)
        n_tokens = unigram_cumulative[-1]
        # each context's block of the cumulative counts: its lower end, last
        starts = self._context_starts
        lower = np.where(starts > 0, self._cumulative[starts - 1], 0.0)
        last = self._context_ends - 1
        # every uniform draw up front: one per token, two more per token
        # with smoothing (whether to smooth, and the uniform token)
        draws = rng.random_sample((length, n_samples))
        if self.alpha > 0:
            smooth = rng.random_sample((length, n_samples))
            uniform = rng.randint(V, size=(length, n_samples))
        smoothing_mass = self.alpha * V
        for t in range(length):
            index = self._lookup(context)
            seen = index >= 0
            all_seen = seen.all()
            i = index if all_seen else np.maximum(index, 0)
            total = self._context_totals[i]
            if not all_seen:
                total = np.where(seen, total, n_tokens)
            u = draws[t] * total
            # the draw inside the context's block of cumulative counts
            position = _sorted_search(self._cumulative, lower[i] + u)
            token = self._ngram_codes[np.minimum(position, last[i])] % V
            if not all_seen:  # unseen contexts: the unigram law
                unseen = ~seen
                from_unigram = np.searchsorted(
                    unigram_cumulative, u[unseen], side="right"
                )
                token[unseen] = np.minimum(from_unigram, V - 1)
            if self.alpha > 0:
                # the smoothing mass alpha V / (total + alpha V) is uniform
                smoothed = smooth[t] * (total + smoothing_mass) < smoothing_mass
                token[smoothed] = uniform[t, smoothed]
            out[:, t] = token
            if self.n_context:
                context = (context * base + token) % modulus
        return out
