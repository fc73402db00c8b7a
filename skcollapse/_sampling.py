"""Sampling adapter: one way to draw from any scikit-learn density estimator.

scikit-learn's generative estimators disagree on how to sample:

- ``KernelDensity.sample(n_samples, random_state)`` returns X, but only the
  "gaussian" and "tophat" kernels can sample (the others raise
  ``NotImplementedError`` from inside ``sample``);
- ``GaussianMixture.sample(n_samples)`` and
  ``BayesianGaussianMixture.sample(n_samples)`` return a tuple
  ``(X, labels)``, take no ``random_state`` (they reuse
  ``self.random_state``, so an int seed gives the same draw at every call),
  sort the rows by component, and refuse ``n_samples=0``;
- skcollapse's generative estimators take ``random_state`` and have their own
  ``temperature``;
- ``KernelDensity.sample`` always draws from the Euclidean kernel, whatever
  the ``metric`` that ``score_samples`` uses.

:func:`check_sampler` (at fit time, on the unfitted base estimator) and
:func:`draw_samples` (on a fitted one) even this out for the density
meta-estimator: every draw returns an ndarray of shape
``(n_samples, n_features)``, is reproducible for an int ``random_state``,
never mutates the caller's estimator, and applies the sampling bias
``temperature`` where the family supports it. :func:`is_discrete` and
:func:`probabilities` expose the distribution of discrete models for the
trajectory metrics ("support_size", "entropy", "collision").
"""

# Authors: The skcollapse developers
# SPDX-License-Identifier: BSD-3-Clause

import copy
import inspect
from numbers import Real

import numpy as np
from sklearn.base import clone
from sklearn.mixture import BayesianGaussianMixture, GaussianMixture
from sklearn.neighbors import KernelDensity
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from ._problem import InputError
from ._random import draw_seed
from .generative import (
    CategoricalDensity,
    GaussianDensity,
    _check_n_samples,
    _sample_categorical,
    _sample_gaussian,
    _temper,
)

__all__ = ["check_sampler", "draw_samples", "is_discrete", "probabilities"]

_SAMPLING_KERNELS = ("gaussian", "tophat")
_TEMPERED_FAMILIES = (
    "KernelDensity (gaussian and tophat kernels), GaussianMixture, "
    "BayesianGaussianMixture, GaussianDensity and CategoricalDensity"
)
_REQUIRED_METHODS = ("fit", "score_samples", "sample")
# What the loop needs to clone a fresh estimator for every generation and set
# its seeds and scheduled hyper-parameters.
_CLONING_METHODS = ("get_params", "set_params")
# Metric names of scikit-learn's trees that are the Euclidean distance (the
# Minkowski ones only with p=2, their default).
_EUCLIDEAN_METRICS = ("euclidean", "l2")
_MINKOWSKI_METRICS = ("minkowski", "p")


def _name(estimator):
    return type(estimator).__name__


def _check_temperature(temperature):
    if (
        isinstance(temperature, (bool, np.bool_))
        or not isinstance(temperature, Real)
        or not np.isfinite(temperature)
        or temperature <= 0
    ):
        raise ValueError(
            f"temperature must be a float > 0; got temperature={temperature!r}."
        )
    return float(temperature)


def _check_kernel(estimator):
    if estimator.kernel not in _SAMPLING_KERNELS:
        raise ValueError(
            f"KernelDensity(kernel={estimator.kernel!r}) cannot sample: scikit-learn "
            "implements KernelDensity.sample only for kernel='gaussian' and "
            "kernel='tophat'. Use one of them to generate synthetic data."
        )


def _check_metric(estimator):
    """Refuse a non-Euclidean KernelDensity: its sample() would ignore the metric.

    ``KernelDensity.sample`` draws ``N(x_i, h^2 I)`` (gaussian) or uniformly
    in the Euclidean ball of radius ``h`` (tophat) around a stored point,
    whatever ``metric`` is, while ``score_samples`` evaluates the kernel of
    the metric (and scikit-learn documents its normalisation as correct only
    for the Euclidean distance): the synthetic data would not come from the
    model that is scored. Minkowski with ``p=2`` (the default ``p``) and no
    weights is the Euclidean distance and is accepted.
    """
    metric = estimator.metric
    params = estimator.metric_params or {}
    if metric in _EUCLIDEAN_METRICS and not params:
        return
    if (
        metric in _MINKOWSKI_METRICS
        and set(params) <= {"p"}
        and params.get("p", 2) == 2
    ):
        return
    shown = "" if not params else f", metric_params={params!r}"
    raise ValueError(
        f"KernelDensity(metric={metric!r}{shown}) cannot generate synthetic "
        "data faithfully: scikit-learn's KernelDensity.sample ignores the metric "
        "and always draws from the Euclidean kernel, while score_samples uses "
        "the metric, so the samples would not come from the model that is "
        "scored. Use metric='euclidean' (the default), or a density estimator "
        "whose sample() matches its score_samples()."
    )


def _is_mixture(estimator):
    return isinstance(estimator, (GaussianMixture, BayesianGaussianMixture))


def _supports_temperature(estimator):
    return isinstance(
        estimator,
        (
            KernelDensity,
            GaussianMixture,
            BayesianGaussianMixture,
            GaussianDensity,
            CategoricalDensity,
        ),
    )


def check_sampler(estimator, temperature=1.0):
    """Check that an (unfitted) estimator can generate samples.

    Called at fit time by the density meta-estimator, before any fitting, so
    that a base estimator that cannot sample fails early with a clear message
    instead of deep inside a generation.

    What is needed of a duck-typed estimator (one that does not derive from
    :class:`~sklearn.base.BaseEstimator`): ``fit``, ``score_samples`` and
    ``sample``, and ``get_params`` / ``set_params`` so that
    :func:`sklearn.base.clone` can make a fresh copy for every generation
    and the loop can set its seeds and scheduled hyper-parameters. The
    estimator is test-cloned here, so a constructor that does not store its
    parameters fails now, with clone's explanation. Fitted attributes need
    no trailing underscore: a fitted estimator that scikit-learn's
    ``check_is_fitted`` cannot recognise is still sampled (see
    :func:`draw_samples`).

    Parameters
    ----------
    estimator : object
        The base density estimator (fitted or not).

    temperature : float, default=1.0
        The sampling bias that :func:`draw_samples` will apply. Values other
        than 1.0 are supported only for KernelDensity (gaussian and tophat
        kernels), GaussianMixture, BayesianGaussianMixture, GaussianDensity
        and CategoricalDensity.

    Raises
    ------
    ValueError
        If the estimator lacks ``fit``, ``score_samples`` or ``sample``, or
        ``get_params`` or ``set_params``, or cannot be cloned; if it is a
        ``KernelDensity`` with a kernel other than "gaussian" or "tophat",
        or with a non-Euclidean ``metric`` (its ``sample`` ignores the
        metric); if ``temperature`` is not a float > 0, or differs from 1.0
        for a family the adapter does not know how to temper.

    Examples
    --------
    >>> from sklearn.neighbors import KernelDensity
    >>> from skcollapse._sampling import check_sampler
    >>> check_sampler(KernelDensity(kernel="gaussian"), temperature=0.5)
    >>> check_sampler(KernelDensity(kernel="epanechnikov"))
    Traceback (most recent call last):
    ...
    ValueError: KernelDensity(kernel='epanechnikov') cannot sample: ...
    """
    missing = [
        method
        for method in _REQUIRED_METHODS
        if not callable(getattr(estimator, method, None))
    ]
    if missing:
        raise ValueError(
            "The density estimator must implement fit, score_samples and sample "
            f"to generate synthetic data; {_name(estimator)} lacks "
            f"{', '.join(missing)}."
        )
    _check_cloneable(estimator)
    if isinstance(estimator, KernelDensity):
        _check_kernel(estimator)
        _check_metric(estimator)
    temperature = _check_temperature(temperature)
    if temperature != 1.0 and not _supports_temperature(estimator):
        raise ValueError(
            f"temperature={temperature!r} cannot be applied to {_name(estimator)}: "
            f"the sampling bias `temperature` is supported only for "
            f"{_TEMPERED_FAMILIES}. Use temperature=1.0 with other estimators."
        )


def _check_cloneable(estimator):
    """The loop clones the estimator every generation: say what that needs."""
    missing = [
        method
        for method in _CLONING_METHODS
        if not callable(getattr(estimator, method, None))
    ]
    if missing:
        raise ValueError(
            f"The density estimator is cloned for every generation (a fresh, "
            f"seeded copy, with sklearn.base.clone), which needs get_params and "
            f"set_params; {_name(estimator)} lacks {', '.join(missing)}. Derive "
            "it from sklearn.base.BaseEstimator (its __init__ storing each "
            "parameter as an attribute of the same name), or implement both."
        )
    try:
        clone(estimator)
    except Exception as exc:
        raise ValueError(
            f"The density estimator is cloned for every generation, but "
            f"sklearn.base.clone({_name(estimator)}) fails: "
            f"{type(exc).__name__}: {exc}"
        ) from exc


def draw_samples(estimator, n_samples, *, random_state, temperature=1.0):
    """Draw samples from a fitted density estimator, with a sampling bias.

    Parameters
    ----------
    estimator : object
        A fitted estimator that passed :func:`check_sampler`. It is never
        modified.

    n_samples : int
        Number of samples (0 gives an empty array with the estimator's
        number of features).

    random_state : int, RandomState instance or None
        Seed or generator of the draw; an int gives a reproducible draw.

    temperature : float, default=1.0
        Sampling bias; < 1 narrows what the model emits. Per family:

        - ``KernelDensity`` (Euclidean metric only): the bandwidth is
          multiplied by
          ``sqrt(temperature)``, so the covariance of the kernel (the noise
          added around a stored training point) is multiplied by
          ``temperature``: exactly for "gaussian" (variance ``h**2`` per
          feature), and also for "tophat" (uniform in a ball of radius ``h``,
          covariance ``h**2 / (n_features + 2)`` per feature). The spread of
          the stored points themselves is unchanged.
        - ``GaussianMixture``, ``BayesianGaussianMixture``: every component
          covariance is multiplied by ``temperature`` (for every
          ``covariance_type``); weights and means are unchanged.
        - ``GaussianDensity``: N(mean_, estimator.temperature * temperature *
          covariance_), composing with the estimator's own temperature.
        - ``CategoricalDensity``: the emitting distribution
          ``probabilities_`` (after the estimator's own temperature, top-k
          and top-p) becomes ``probabilities_ ** (1 / temperature)``,
          normalised; temperatures compose multiplicatively. As
          ``temperature -> 0`` this tends to the uniform distribution over
          the most probable tokens (exact ties), which is what a tiny
          temperature such as ``1e-310`` gives (computed in log space).
        - any other estimator with ``sample``: only 1.0.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
        The samples, in random order.

    Raises
    ------
    InputError
        If another estimator's ``sample`` returns something other than
        ``n_samples`` rows of numbers (of ``n_features_in_`` columns when the
        estimator has that attribute): a mistake of the estimator, raised in
        every generation rather than taken for collapse.

    Notes
    -----
    Every temperature > 0 is applied without underflow: the Gaussian
    families scale their standard deviations by ``sqrt(temperature)``
    rather than their covariances by ``temperature`` (``1e-310`` times a
    covariance would be denormal or zero), so a tiny temperature draws the
    means up to rounding.

    A mixture draws the component of each row independently from
    ``weights_`` and then the row from that component, so the rows are not
    grouped by component (``GaussianMixture.sample`` sorts them) and
    ``n_samples=0`` is allowed. Another estimator's ``sample`` is called as
    ``sample(n_samples, random_state=...)`` when its signature has
    ``random_state``; otherwise, when it has a ``random_state`` attribute,
    on a shallow copy whose ``random_state`` is an int drawn from
    ``random_state``, as ``sample(n_samples)``. A returned tuple is reduced
    to its first element. Whether the estimator is fitted is checked (with
    scikit-learn's ``check_is_fitted``) only for the families whose fitted
    attributes the adapter reads; any other estimator is asked to sample as
    it is, so that fitted attributes without a trailing underscore are not
    mistaken for an unfitted estimator.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.mixture import GaussianMixture
    >>> from skcollapse._sampling import draw_samples
    >>> X = np.concatenate([np.zeros((20, 1)), np.full((20, 1), 10.0)])
    >>> X += np.random.RandomState(0).normal(size=X.shape)
    >>> gmm = GaussianMixture(n_components=2, random_state=0).fit(X)
    >>> draw_samples(gmm, 5, random_state=0, temperature=0.5).shape
    (5, 1)
    """
    if _supports_temperature(estimator):
        # the families whose fitted attributes are read below; any other
        # estimator is left to complain in its own sample() when not fitted
        # (its fitted attributes may not end with an underscore)
        check_is_fitted(estimator)
    n_samples = _check_n_samples(n_samples)
    temperature = _check_temperature(temperature)
    rng = check_random_state(random_state)

    if isinstance(estimator, GaussianDensity):
        return _sample_gaussian(
            estimator.mean_,
            estimator.covariance_,
            n_samples,
            rng,
            temperature=float(estimator.temperature) * temperature,
        )
    if isinstance(estimator, CategoricalDensity):
        emitting = _temper(estimator.probabilities_, temperature)
        return _sample_categorical(estimator.categories_, emitting, n_samples, rng)
    if _is_mixture(estimator):
        return _sample_mixture(estimator, n_samples, rng, temperature)
    if isinstance(estimator, KernelDensity):
        _check_kernel(estimator)
        _check_metric(estimator)
        if temperature != 1.0:
            estimator = copy.copy(estimator)
            estimator.bandwidth_ = estimator.bandwidth_ * np.sqrt(temperature)
        return np.asarray(estimator.sample(n_samples, random_state=rng), dtype=float)
    if temperature != 1.0:
        check_sampler(estimator, temperature)  # raises the explanatory error
    return _sample_generic(estimator, n_samples, rng)


def _sample_mixture(estimator, n_samples, rng, temperature):
    """Draw from a fitted (Bayesian) Gaussian mixture, rows in random order."""
    weights = np.asarray(estimator.weights_, dtype=np.float64)
    means = np.asarray(estimator.means_, dtype=np.float64)
    # the temperature scales the standard deviations (no underflow), see
    # _sample_gaussian
    covariances = np.asarray(estimator.covariances_, dtype=np.float64)
    n_components, n_features = means.shape
    labels = rng.choice(n_components, size=n_samples, p=weights / weights.sum())
    X = np.empty((n_samples, n_features))
    for k in range(n_components):
        rows = labels == k
        n_rows = int(rows.sum())
        if n_rows == 0:
            continue
        if estimator.covariance_type == "full":
            X[rows] = _sample_gaussian(
                means[k], covariances[k], n_rows, rng, temperature=temperature
            )
        elif estimator.covariance_type == "tied":
            X[rows] = _sample_gaussian(
                means[k], covariances, n_rows, rng, temperature=temperature
            )
        else:  # "diag": (n_components, n_features); "spherical": (n_components,)
            scale = np.sqrt(covariances[k]) * np.sqrt(temperature)
            X[rows] = means[k] + rng.standard_normal((n_rows, n_features)) * scale
    return X


def _sample_generic(estimator, n_samples, rng):
    """Call ``sample`` of any estimator reproducibly and return a 2-D array."""
    n_features = getattr(estimator, "n_features_in_", None)
    if n_samples == 0 and n_features is not None:
        return np.empty((0, n_features))
    try:
        parameters = inspect.signature(estimator.sample).parameters
    except (TypeError, ValueError):  # pragma: no cover - builtins
        parameters = {}
    seed = draw_seed(rng)
    if "random_state" in parameters:
        drawn = estimator.sample(n_samples, random_state=seed)
    elif hasattr(estimator, "random_state"):
        estimator = copy.copy(estimator)
        estimator.random_state = seed
        drawn = estimator.sample(n_samples)
    else:
        drawn = estimator.sample(n_samples)
    if isinstance(drawn, tuple):
        drawn = drawn[0]
    drawn = np.asarray(drawn)
    if drawn.ndim == 1:
        drawn = drawn.reshape(-1, 1)
    _check_drawn(estimator, drawn, n_samples, n_features)
    return drawn


def _check_drawn(estimator, drawn, n_samples, n_features):
    """What another estimator's ``sample`` returned must be the rows asked for."""
    where = f"{_name(estimator)}.sample({n_samples}) returned"
    if drawn.dtype.kind not in "biuf":
        raise InputError(
            f"{where} an array of dtype {drawn.dtype}; it must return numbers."
        )
    if drawn.ndim != 2 or drawn.shape[0] != n_samples:
        raise InputError(
            f"{where} an array of shape {drawn.shape}; it must return "
            f"{n_samples} rows, an array of shape (n_samples, n_features) (or a "
            "tuple starting with it)."
        )
    if n_features is not None and drawn.shape[1] != n_features:
        raise InputError(
            f"{where} {drawn.shape[1]} column(s), but the estimator was fitted on "
            f"n_features_in_={n_features}."
        )


def is_discrete(estimator):
    """Whether the estimator is a distribution over discrete tokens.

    Parameters
    ----------
    estimator : object
        A density estimator, fitted or not.

    Returns
    -------
    discrete : bool
        True for :class:`~skcollapse.generative.CategoricalDensity`.

    Examples
    --------
    >>> from skcollapse.generative import CategoricalDensity, GaussianDensity
    >>> from skcollapse._sampling import is_discrete
    >>> is_discrete(CategoricalDensity()), is_discrete(GaussianDensity())
    (True, False)
    """
    return isinstance(estimator, CategoricalDensity)


def probabilities(estimator):
    """Categories and emitting probabilities of a fitted discrete estimator.

    Parameters
    ----------
    estimator : object
        A fitted estimator for which :func:`is_discrete` is True.

    Returns
    -------
    categories : ndarray of shape (n_categories,)
        The vocabulary (``categories_``).

    probabilities : ndarray of shape (n_categories,)
        The distribution the model emits (``probabilities_``, after
        temperature, top-k and top-p); it sums to 1 and may hold zeros.
        Support size is ``np.count_nonzero(probabilities)``, entropy
        ``-sum(p log p)`` over the support, collision ``sum(p**2)``.

    Examples
    --------
    >>> import numpy as np
    >>> from skcollapse.generative import CategoricalDensity
    >>> from skcollapse._sampling import probabilities
    >>> density = CategoricalDensity().fit(np.array([[1], [1], [2], [5]]))
    >>> probabilities(density)
    (array([1, 2, 5]), array([0.5 , 0.25, 0.25]))
    """
    if not is_discrete(estimator):
        raise ValueError(
            f"{_name(estimator)} is not a discrete density estimator; "
            "probabilities() needs a CategoricalDensity."
        )
    check_is_fitted(estimator)
    return estimator.categories_.copy(), estimator.probabilities_.copy()
