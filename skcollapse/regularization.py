"""Per-generation regularisation: schedules and the adaptive rule.

The ``regularization`` parameter of :class:`~skcollapse.RecursiveRetrainer` and
:class:`~skcollapse.RecursiveDensityRetrainer` sets hyper-parameters of the base
estimator generation by generation, before each fit:

- a dict ``{param: schedule}``, a schedule being a callable
  ``(generation, n_train) -> value`` (or a constant).
  :func:`linear_schedule` and :func:`geometric_schedule` build the common
  ones as small picklable objects, so that the meta-estimator stays
  clonable, picklable and searchable with ``GridSearchCV``;
- a callable ``context -> {param: value}`` receiving the
  :class:`GenerationContext` of the generation.
  :class:`AdaptiveRegularization` is one: it derives each generation's ridge
  penalty from the data with the rule of Dohmatob, Feng & Kempe (2024).

The values set appear in ``trajectory_`` as ``"param_<name>"``.
"""

# Authors: skcollapse developers
# License: BSD 3-Clause

import numbers
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator

from ._compat import validate_params
from ._docstrings import Substitution, references
from ._params import Interval

__all__ = [
    "AdaptiveRegularization",
    "GenerationContext",
    "geometric_schedule",
    "linear_schedule",
]


@dataclass
class GenerationContext:
    """What a regularisation hook may use to set a generation's parameters.

    The loop builds one before every fit and passes it to a callable
    ``regularization`` (such as :class:`AdaptiveRegularization`), which
    returns ``{param: value}`` for the base estimator. A hook should read it,
    never modify it. Every parameter is an attribute of the same name.

    Read more in the :ref:`User Guide <regularization>`.

    Parameters
    ----------
    generation : int
        The generation about to be fitted (0: real data).
    n_train : int
        Rows in its training set.
    n_real : int
        Real rows in its training set.
    n_real_total : int
        Real training rows available (generation 0's training set size).
    X : array-like, sparse matrix or DataFrame
        The inputs of its training set.
    y : ndarray or None
        Their targets (None for density estimators).
    sample_weight : ndarray or None
        Their weights (None: unweighted).
    estimator : estimator
        The unfitted clone that will be fitted.
    previous : estimator or None
        The fitted model of generation ``generation - 1``.
    label_noise_scale : float
        Noise scale used to draw this generation's synthetic labels (NaN at
        generation 0 and for density estimators).
    data : str
        The data regime.
    history : Mapping of str to ndarray
        The trajectory of generations ``0 .. generation - 1``, key by key
        (an array is built only for the keys a hook reads).
    real_X, real_y, real_sample_weight : array-like or None
        The real training rows (generation 0's training set), the same at
        every generation, so that a hook can estimate what it needs from the
        real data without keeping state between calls.

    Examples
    --------
    >>> from sklearn.datasets import make_regression
    >>> from sklearn.linear_model import Ridge
    >>> from skcollapse import RecursiveRetrainer
    >>> X, y = make_regression(n_samples=50, n_features=3, random_state=0)
    >>> def penalty(context):
    ...     return {"alpha": 1.0 + context.generation}
    >>> est = RecursiveRetrainer(Ridge(), n_generations=2, regularization=penalty,
    ...                          random_state=0).fit(X, y)
    >>> est.trajectory_["param_alpha"]
    array([1., 2., 3.])
    """

    generation: int
    n_train: int
    n_real: int
    n_real_total: int
    X: Any
    y: Any
    sample_weight: Any
    estimator: Any
    previous: Any
    label_noise_scale: float
    data: str
    history: Mapping = field(default_factory=dict)
    real_X: Any = None
    real_y: Any = None
    real_sample_weight: Any = None


# ---------------------------------------------------------------------------
# Schedules (generation, n_train) -> value
# ---------------------------------------------------------------------------


def _check_number(value, name, *, positive=False):
    """``value`` as an int or float, or a ValueError naming ``name``."""
    accepted = "a finite number > 0" if positive else "a finite number"
    if (
        isinstance(value, (bool, np.bool_))
        or not isinstance(value, numbers.Real)
        or not np.isfinite(value)
        or (positive and value <= 0)
    ):
        raise ValueError(f"{name} must be {accepted}, got {value!r}.")
    return int(value) if isinstance(value, numbers.Integral) else float(value)


def _check_flag(value, name):
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be a bool, got {value!r}.")
    return bool(value)


class _Schedule:
    """A schedule ``(generation, n_train) -> value`` with a readable repr.

    Subclasses define ``_function`` (the public factory's name), ``_fields``
    (its parameters, in order) and ``_value(generation)``; the constructor
    takes the values of ``_fields`` in that order, then ``per_sample``.
    Instances compare equal when they are the same schedule, so that search
    results and ``get_params`` stay legible.
    """

    _function = ""
    _fields = ()

    def __init__(self, *values, per_sample):
        for name, value in zip(self._fields, values, strict=True):
            setattr(self, name, value)
        self.per_sample = per_sample

    def __call__(self, generation, n_train):
        value = self._value(generation)
        return value * n_train if self.per_sample else value

    def _key(self):
        return tuple(getattr(self, field) for field in self._fields) + (
            self.per_sample,
        )

    def __repr__(self):
        args = ", ".join(f"{field}={getattr(self, field)!r}" for field in self._fields)
        if self.per_sample:
            args += ", per_sample=True"
        return f"{self._function}({args})"

    def __eq__(self, other):
        if type(other) is not type(self):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self):
        return hash((type(self).__name__, self._key()))


class _LinearSchedule(_Schedule):
    _function = "linear_schedule"
    _fields = ("start", "slope")

    def _value(self, generation):
        return self.start + self.slope * generation


class _GeometricSchedule(_Schedule):
    _function = "geometric_schedule"
    _fields = ("start", "ratio")

    def _value(self, generation):
        return self.start * self.ratio**generation


@validate_params(
    {
        "start": [Interval(numbers.Real, None, None, closed="neither")],
        "slope": [Interval(numbers.Real, None, None, closed="neither")],
        "per_sample": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def linear_schedule(start, slope, *, per_sample=False):
    """Schedule growing linearly with the generation: ``start + slope * g``.

    Dohmatob, Feng & Kempe (2024) show that the optimal ridge penalty after
    ``g`` synthetic generations grows about linearly in ``g``; a linear
    schedule is the fixed-budget version of
    :class:`AdaptiveRegularization`.

    Parameters
    ----------
    start : int or float
        Value at generation 0 (the fit on real data).

    slope : int or float
        Increment per generation (negative values decrease the parameter).

    per_sample : bool, default=False
        If True, the value is multiplied by the number of training rows of
        the generation: the schedule then gives a penalty per sample, the
        ``lambda`` of the papers (``argmin (1/T)||y - Xw||^2 + lambda
        ||w||^2``), and sets scikit-learn's ``Ridge(alpha=T * lambda)``,
        which stays right when the training set grows (``data="accumulate"``).

    Returns
    -------
    schedule : callable
        ``schedule(generation, n_train) -> value``, picklable, with a
        readable repr; pass it as ``regularization={"alpha": schedule}``.
        Integer ``start`` and ``slope`` give integer values (for parameters
        such as ``max_depth``) unless ``per_sample``.

    Raises
    ------
    ValueError
        If ``start`` or ``slope`` is not a finite number or ``per_sample``
        is not a bool.

    See Also
    --------
    geometric_schedule : ``start * ratio ** g``.
    AdaptiveRegularization : The penalty derived from the data.

    Examples
    --------
    >>> from sklearn.linear_model import Ridge
    >>> from skcollapse import RecursiveRetrainer
    >>> from skcollapse.regularization import linear_schedule
    >>> schedule = linear_schedule(1.0, 0.5)
    >>> schedule
    linear_schedule(start=1.0, slope=0.5)
    >>> [schedule(g, 100) for g in range(4)]
    [1.0, 1.5, 2.0, 2.5]
    >>> linear_schedule(0.01, 0.01, per_sample=True)(2, 100)
    3.0
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((50, 3))
    >>> y = X @ [1.0, 2.0, 3.0] + rng.standard_normal(50)
    >>> est = RecursiveRetrainer(Ridge(), n_generations=3,
    ...                          regularization={"alpha": schedule},
    ...                          random_state=0).fit(X, y)
    >>> est.trajectory_["param_alpha"]
    array([1. , 1.5, 2. , 2.5])
    """
    return _LinearSchedule(
        _check_number(start, "start"),
        _check_number(slope, "slope"),
        per_sample=_check_flag(per_sample, "per_sample"),
    )


@validate_params(
    {
        "start": [Interval(numbers.Real, None, None, closed="neither")],
        "ratio": [Interval(numbers.Real, 0, None, closed="neither")],
        "per_sample": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def geometric_schedule(start, ratio, *, per_sample=False):
    """Schedule multiplied by ``ratio`` every generation: ``start * ratio ** g``.

    Parameters
    ----------
    start : int or float
        Value at generation 0 (the fit on real data).

    ratio : float > 0
        Factor applied per generation (``< 1`` decays, ``> 1`` grows).

    per_sample : bool, default=False
        If True, the value is multiplied by the number of training rows of
        the generation (a penalty per sample, see :func:`linear_schedule`).

    Returns
    -------
    schedule : callable
        ``schedule(generation, n_train) -> value``, picklable, with a
        readable repr; pass it as ``regularization={param: schedule}``.

    Raises
    ------
    ValueError
        If ``start`` is not a finite number, ``ratio`` is not a finite
        number > 0, or ``per_sample`` is not a bool.

    See Also
    --------
    linear_schedule : ``start + slope * g``.

    Examples
    --------
    >>> from skcollapse.regularization import geometric_schedule
    >>> schedule = geometric_schedule(1.0, 2.0)
    >>> schedule
    geometric_schedule(start=1.0, ratio=2.0)
    >>> [schedule(g, 100) for g in range(4)]
    [1.0, 2.0, 4.0, 8.0]
    """
    return _GeometricSchedule(
        _check_number(start, "start"),
        _check_number(ratio, "ratio", positive=True),
        per_sample=_check_flag(per_sample, "per_sample"),
    )


# ---------------------------------------------------------------------------
# Adaptive ridge penalty (Dohmatob, Feng & Kempe)
# ---------------------------------------------------------------------------

_SUPPORTED_DATA = ("replace", "accumulate")


@Substitution(references=references("dohmatob2024regression", "gerstgrasser2024"))
class AdaptiveRegularization(BaseEstimator):
    """Ridge penalty of each generation derived from the data.

    A ``regularization`` hook for :class:`~skcollapse.RecursiveRetrainer`:
    before each generation's fit it sets the base estimator's penalty
    ``param`` to the value the rule of Dohmatob, Feng & Kempe [1]_ gives for
    that generation. The optimal ridge penalty grows about linearly with the
    number of synthetic generations behind a fit, because the errors of the
    models that labelled the data act as extra label noise:

    ``lambda*(n) = (d/T) (sigma^2 + n sigma0^2 T/(T0 - d - 1)) / ||w0||^2``

    (``d`` features, ``T`` rows in the penalised fit, ``T0`` rows in each
    synthetic fit, ``sigma`` and ``sigma0`` the label noise of the real and
    synthetic data, ``w0`` the true coefficients), set as scikit-learn's
    ``Ridge(alpha=T * lambda)``. ``d`` and ``T`` are read off each
    generation's training set, ``sigma0`` off the noise the loop used to draw
    the synthetic labels, ``sigma`` and ``||w0||^2`` are estimated from the
    real data at generation 0 (or given). See Notes for the rule as
    implemented and its assumptions.

    Pass it as ``regularization=AdaptiveRegularization()``. Its values
    appear in ``trajectory_["param_<param>"]``.

    Read more in the :ref:`User Guide <regularization>`.

    Parameters
    ----------
    param : str, default="alpha"
        The base estimator's penalty parameter, in the convention of
        scikit-learn's :class:`~sklearn.linear_model.Ridge`: the weight of
        ``||w||^2`` against the *sum* of squared residuals. The value set is
        ``alpha = T * lambda``. A nested name such as ``"ridge__alpha"`` works
        for a :class:`~sklearn.pipeline.Pipeline`; the base's
        ``fit_intercept`` is read at the same level.

    noise : float >= 0, default=None
        Standard deviation ``sigma`` of the label noise of the real data.
        None estimates it at generation 0 from the residuals of an ordinary
        least-squares fit, with ``d`` degrees of freedom removed (one more
        with ``fit_intercept=True``).

    synthetic_noise : float >= 0, default=None
        Standard deviation ``sigma0`` of the noise of the synthetic labels.
        None uses the noise the loop drew them with
        (``GenerationContext.label_noise_scale``, recorded in
        ``trajectory_["label_noise_scale"]``), or when unknown the root mean
        squared residual of the previous generation's model on the
        generation's training set.

    coef_norm : float > 0, default=None
        Norm ``||w0||`` of the true coefficients. None estimates ``||w0||^2``
        at generation 0 from the ordinary least-squares coefficients,
        debiased: ``||w_ols||^2 - sigma^2 tr((X'X)^-1)`` (its expectation is
        ``||w0||^2``), floored at 1% of ``||w_ols||^2``.

    See Also
    --------
    linear_schedule : A penalty growing linearly on a fixed budget.
    skcollapse.theory.optimal_ridge_penalty : The exact optimal penalty of
        the theory, for known ``sigma``, ``sigma0`` and ``||w0||``.
    skcollapse.theory.linear_regression_error : The risk of ridge fits along
        the generations.

    Notes
    -----
    **The rule as implemented.** Write ``lambda`` for the penalty per sample
    (``alpha = N_g lambda``), ``N_j`` and ``r_j`` for the training rows and
    real rows of generation ``j``, ``pi_j = r_j / N_j``, ``s_j`` for the
    noise of its synthetic labels, ``c = 1`` with an intercept, else ``0``.
    Generation ``g`` gets ``lambda_g = R_g / ||w0||^2``, where ``R_g``
    estimates the excess risk an unpenalised fit of generation ``g`` would
    have if every earlier generation had been fitted by ordinary least
    squares, its own label noise being counted as ``d s^2 / N`` (the
    Bayes-optimal ridge at generation 0, ``alpha = d sigma^2 / ||w0||^2``):

    - ``data="replace"``: the training labels come from the previous model
      (and the real data for a share ``pi_g``), so
      ``R_g = d sbar_g^2 / N_g + (1 - pi_g)^2 E_{g-1}``, with ``sbar_j^2 =
      pi_j sigma^2 + (1 - pi_j) s_j^2`` (``sbar_0 = sigma``) and the OLS
      risk of the labelling chain ``E_j = (1 - pi_j)^2 E_{j-1} + d sbar_j^2
      / (N_j - d - 1 - c)``, ``E_{-1} = 0``. Without real rows, ``E_{g-1} =
      sigma^2 d/(N_0 - d - 1) + sum_{0<j<g} s_j^2 d/(N_j - d - 1)``: with
      ``sigma = sigma0`` and ``N_j = T = T0`` this is the formula above with
      ``n = g``, the number of synthetic generations behind the fit (our
      generation ``g`` is the paper's ``n``). With ``sigma != sigma0`` the
      real data's noise is counted in the first fit of the chain, where the
      meta-estimator injects it (the paper puts it in the last). The
      factor ``(1 - pi)^2`` for a share of real rows is a mean-field
      approximation (exact for ``pi = 0``).
    - ``data="accumulate"``: every generation refits on the real data and all
      the synthetic data so far, and the least-squares fit of generation
      ``g`` is exactly that of ``g - 1`` plus the noise of the newest batch
      (Gerstgrasser et al. [2]_). Each row of the stack being seen by the
      fit directly, ``R_g = d sigma^2 / N_0 + sum_{j=1}^{g} d s_j^2 B_j /
      N_j^2`` with ``B_j`` the synthetic rows added at generation ``j``.
      Here ``n`` is not the number of generations: in the formula above it
      becomes ``n_eff = sum_j B_j (T0 - d - 1) / N_j^2``: each batch is
      weighted by its share of an ever larger training set. With
      batches of the real size ``T`` this is about ``sum_{j=1}^{g}
      1/(j+1)^2 < pi^2/6 - 1 = 0.64``: the penalty converges, staying close
      to generation 0's, as the risk does.
    - ``data="accumulate-subsample"`` is refused (the mixture of labelling
      models in a subsample has no such closed form); use a schedule.

    **Assumptions.** A linear model penalised by ``||w||^2`` on the features
    of ``X`` as given (``d`` is the number of columns; a preprocessing step
    that changes them is not accounted for), isotropic Gaussian inputs as in
    the theory (the OLS risks ``d/(N - d - 1)`` hold for any input
    covariance, the ridge optimum only approximately), Gaussian label noise;
    more rows than ``d + c`` in generation 0 when ``sigma`` or ``||w0||`` is
    estimated, and than ``d + 1 + c`` in every fit of a ``"replace"`` chain
    (a ValueError says so otherwise). Sample weights
    are assumed uniform within a generation; with weights, ``T`` in ``alpha
    = T lambda`` is their sum. The paper derives the rule for an
    OLS chain followed by one ridge fit; when every generation is
    ridge-regularised, the models that label the data are shrunk and have a
    smaller risk than the OLS chain, so the rule over-penalises the first
    generations: for ``d=50, T=T0=200, sigma=sigma0=||w0||=1`` its risk
    exceeds that of the fixed generation-0 optimum (``lambda=0.25``) by
    0.015 to 0.08 at generations 1 to 4, is lower from generation 5 on, and
    at generation 10 is 1.01 against 1.32 (theory of
    :func:`skcollapse.theory.linear_regression_error`).

    **State.** None: every call reads what it needs from the
    :class:`GenerationContext`. When ``noise`` or
    ``coef_norm`` is None, they are estimated from the real training rows
    (``context.real_X``, ``context.real_y``, the same at every generation);
    the earlier generations' sizes and noise come from ``context.history``
    (the trajectory so far). One instance can serve several fits at once.

    %(references)s

    Examples
    --------
    With the noise and ``||w0||`` known, ``alpha`` grows by ``d sigma0^2
    T/(T - d - 1) / ||w0||^2 = 1.03`` per generation from ``d sigma^2 /
    ||w0||^2 = 1``:

    >>> import numpy as np
    >>> from sklearn.linear_model import Ridge
    >>> from skcollapse import RecursiveRetrainer
    >>> from skcollapse.regularization import AdaptiveRegularization
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((200, 5))
    >>> y = X @ np.ones(5) + rng.standard_normal(200)
    >>> adaptive = AdaptiveRegularization(noise=1.0, coef_norm=np.sqrt(5))
    >>> est = RecursiveRetrainer(Ridge(fit_intercept=False), n_generations=3,
    ...                          label_noise=1.0, regularization=adaptive,
    ...                          random_state=0).fit(X, y)
    >>> est.trajectory_["param_alpha"].round(3)
    array([1.   , 2.031, 3.062, 4.093])

    Estimated from the data instead:

    >>> est.set_params(regularization=AdaptiveRegularization()).fit(X, y)
    RecursiveRetrainer(...)
    >>> est.trajectory_["param_alpha"].round(2)
    array([0.92, 1.91, 2.9 , 3.88])
    """

    _parameter_constraints: dict = {
        "param": [str],
        "noise": [None, Interval(numbers.Real, 0, None, closed="left")],
        "synthetic_noise": [None, Interval(numbers.Real, 0, None, closed="left")],
        "coef_norm": [None, Interval(numbers.Real, 0, None, closed="neither")],
    }

    def __init__(
        self, param="alpha", *, noise=None, synthetic_noise=None, coef_norm=None
    ):
        self.param = param
        self.noise = noise
        self.synthetic_noise = synthetic_noise
        self.coef_norm = coef_norm

    def __call__(self, context):
        """The penalty of the generation described by ``context``.

        Parameters
        ----------
        context : :class:`GenerationContext`
            The generation about to be fitted (the loop builds it).

        Returns
        -------
        values : dict
            ``{param: alpha}``, with ``alpha = T * lambda`` (see Notes).
        """
        self._validate_params()
        if context.data not in _SUPPORTED_DATA:
            raise ValueError(
                f"AdaptiveRegularization supports data='replace' and "
                f"data='accumulate', got data={context.data!r}: the rule has no "
                "closed form when a subsample mixes the labelling models. Use a "
                "schedule, e.g. regularization={'alpha': linear_schedule(...)}."
            )
        if context.y is None:
            raise ValueError(
                "AdaptiveRegularization sets a ridge penalty for regression; the "
                "generation has no target y (a density estimator?)."
            )
        n_features = context.X.shape[1]
        fit_intercept = self._fit_intercept(context.estimator)
        noise_var, coef_sq = self._real_data_estimates(
            context, n_features, fit_intercept
        )
        records = self._records(context)
        lam = _penalty(
            records, context.data, n_features, fit_intercept, noise_var, coef_sq
        )
        weight = (
            context.n_train
            if context.sample_weight is None
            else float(np.sum(context.sample_weight))
        )
        return {self.param: float(weight * lam)}

    # -- helpers -----------------------------------------------------------
    def _fit_intercept(self, estimator):
        prefix, _, _ = self.param.rpartition("__")
        key = f"{prefix}__fit_intercept" if prefix else "fit_intercept"
        try:
            return bool(estimator.get_params(deep=True).get(key, False))
        except AttributeError:  # not a scikit-learn estimator
            return bool(getattr(estimator, "fit_intercept", False))

    def _real_data_estimates(self, context, n_features, fit_intercept):
        """``(sigma^2, ||w0||^2)``: given, or estimated from the real data."""
        if self.noise is not None and self.coef_norm is not None:
            return float(self.noise) ** 2, float(self.coef_norm) ** 2
        if context.real_X is None or context.real_y is None:
            raise ValueError(
                "AdaptiveRegularization estimates the noise and ||w0|| from the "
                "real data (context.real_X, context.real_y), which this context "
                "does not carry. Pass noise= and coef_norm=."
            )
        return _estimate_real(
            context.real_X,
            context.real_y,
            context.real_sample_weight,
            fit_intercept,
            self.noise,
            self.coef_norm,
        )

    def _records(self, context):
        """``(n_train, n_real, s^2)`` of generations 0 .. g (NaN s^2 at 0)."""
        g = context.generation
        current_scale = self._synthetic_scale(context, context.label_noise_scale)
        if g == 0:
            return np.array([[context.n_train, context.n_real, np.nan]])
        history = context.history
        missing = [
            key
            for key in ("n_train", "n_real", "label_noise_scale")
            if len(history.get(key, ())) < g
        ]
        if missing:
            raise ValueError(
                f"AdaptiveRegularization at generation {g} needs the sizes and "
                "label noise of generations 0.."
                f"{g - 1} in context.history; missing: {missing}."
            )
        n_train = np.append(np.asarray(history["n_train"][:g], dtype=float), 0)
        n_real = np.append(np.asarray(history["n_real"][:g], dtype=float), 0)
        n_train[g], n_real[g] = context.n_train, context.n_real
        scales = np.append(np.asarray(history["label_noise_scale"][:g], float), 0)
        if self.synthetic_noise is not None:
            scales[:] = self.synthetic_noise
        else:
            scales[~np.isfinite(scales)] = current_scale
        scales[g] = current_scale
        variances = scales**2
        variances[0] = np.nan
        return np.column_stack([n_train, n_real, variances])

    def _synthetic_scale(self, context, scale):
        if context.generation == 0:
            return np.nan
        if self.synthetic_noise is not None:
            return float(self.synthetic_noise)
        if scale is not None and np.isfinite(scale):
            return float(scale)
        if context.previous is None:
            raise ValueError(
                "AdaptiveRegularization: the noise of the synthetic labels is "
                f"unknown at generation {context.generation} (no "
                "label_noise_scale, no previous model). Pass synthetic_noise=."
            )
        y = np.asarray(context.y, dtype=float).reshape(context.n_train, -1)
        prediction = np.asarray(context.previous.predict(context.X), dtype=float)
        return float(np.sqrt(np.mean((y - prediction.reshape(y.shape)) ** 2)))


def _estimate_real(X, y, sample_weight, fit_intercept, noise, coef_norm):
    """Noise variance and debiased ``||w0||^2`` from an OLS fit of the real data."""
    try:
        X = X.toarray() if sp.issparse(X) else np.asarray(X, dtype=float)
        y = np.asarray(y, dtype=float).reshape(X.shape[0], -1)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            "AdaptiveRegularization estimates the noise and ||w0|| from the real "
            "data by least squares, which needs numeric X and y (regression)."
        ) from exc
    n_samples, n_features = X.shape
    dof = n_samples - n_features - int(fit_intercept)
    weight = None
    if sample_weight is not None:
        weight = np.asarray(sample_weight, dtype=float)
        weight = weight / weight.mean()
    if fit_intercept:
        X = X - np.average(X, axis=0, weights=weight)
        y = y - np.average(y, axis=0, weights=weight)
    if weight is not None:
        root = np.sqrt(weight)[:, None]
        X, y = X * root, y * root
    # Eigen-decomposition of the Gram matrix: an SVD of X is needlessly slow
    # with some BLAS builds, and the spectrum gives tr((X'X)^-1) at once.
    eigenvalues, eigenvectors = np.linalg.eigh(X.T @ X)
    tolerance = eigenvalues[-1] * max(X.shape) * np.finfo(float).eps
    rank = int(np.sum(eigenvalues > tolerance))
    if dof <= 0 or rank < n_features:
        raise ValueError(
            "AdaptiveRegularization estimates the noise and ||w0|| of the real "
            "data by ordinary least squares at generation 0, which needs more "
            f"samples than features{' + 1' if fit_intercept else ''} and "
            f"linearly independent features; got n_samples={n_samples}, "
            f"n_features={n_features}, rank={rank}. Pass noise= and coef_norm=."
        )
    coef = eigenvectors @ ((eigenvectors.T @ (X.T @ y)) / eigenvalues[:, None])
    residual = y - X @ coef
    if noise is None:
        noise_var = np.sum(residual**2, axis=0) / dof
    else:
        noise_var = np.full(y.shape[1], float(noise) ** 2)
    if coef_norm is None:
        raw = np.sum(coef**2, axis=0)
        debiased = raw - noise_var * np.sum(1.0 / eigenvalues)
        coef_sq = float(np.mean(np.maximum(debiased, 0.01 * raw)))
    else:
        coef_sq = float(coef_norm) ** 2
    return float(np.mean(noise_var)), coef_sq


def _penalty(records, data, n_features, fit_intercept, noise_var, coef_sq):
    """``lambda_g = R_g / ||w0||^2`` of the last record (see the Notes).

    ``records`` is an array of rows ``(n_train, n_real, s^2)`` of generations
    0 .. g; generations left without data (``n_train == 0``) are skipped. The
    sums and the chain recursion are computed as array operations, so a
    generation costs no Python loop over its predecessors.
    """
    d = n_features
    n_train, n_real, synthetic_var = records.T
    if data == "accumulate":
        later = n_train[1:] > 0
        n_synthetic = (n_train - n_real)[1:][later]
        added = np.diff(np.concatenate([[0.0], n_synthetic]))
        risk = d * noise_var / n_train[0] + np.sum(
            d * synthetic_var[1:][later] * added / n_train[1:][later] ** 2
        )
    else:  # replace: chain_j = (1 - share_j)^2 chain_{j-1} + d mean_var_j / dof_j
        past = np.flatnonzero(n_train[:-1] > 0)
        dof = n_train[past] - d - 1 - int(fit_intercept)
        if np.any(dof <= 0):
            generation = int(past[np.argmax(dof <= 0)])
            raise ValueError(
                "AdaptiveRegularization (data='replace') treats earlier "
                "generations as least-squares fits, which needs more than "
                f"n_features + {1 + int(fit_intercept)} = "
                f"{d + 1 + int(fit_intercept)} training rows; generation "
                f"{generation} had {int(n_train[generation])}."
            )
        share, mean_var = _mix(
            n_train[past], n_real[past], noise_var, synthetic_var[past]
        )
        decay = (1 - share) ** 2
        # chain after the last past generation: sum_j b_j prod_{k > j} a_k
        after = np.append(np.cumprod(decay[::-1])[::-1][1:], 1.0)
        chain = float(np.sum(d * mean_var / dof * after))
        share_g, mean_var_g = _mix(
            n_train[-1:], n_real[-1:], noise_var, synthetic_var[-1:]
        )
        risk = float(d * mean_var_g[0] / n_train[-1] + (1 - share_g[0]) ** 2 * chain)
    if risk == 0:
        return 0.0
    return risk / max(coef_sq, np.finfo(float).eps)


def _mix(n_train, n_real, noise_var, synthetic_var):
    """Share of real rows and mean label-noise variance of training sets.

    Arrays, one entry per training set; an all-real set has the real noise
    (its synthetic variance, NaN in generation 0, plays no part).
    """
    share = n_real / n_train
    mean_var = np.where(
        share == 1, noise_var, share * noise_var + (1 - share) * synthetic_var
    )
    return share, mean_var
