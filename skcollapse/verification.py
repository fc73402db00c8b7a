"""Ready verifiers for curating synthetic data (Feng et al., 2024).

A *verifier* scores each synthetic sample of a generation, higher is better,
and the generation loop keeps the samples scored at least ``threshold``, or
the best-scored ``keep_fraction`` of them, or the best of ``n_candidates``
candidate labels per input (parameters of
:class:`~skcollapse.RecursiveRetrainer` and
:class:`~skcollapse.RecursiveDensityRetrainer`). The verifiers of this
module are callables ``(X, y) -> scores``, to pass as the ``verifier`` of
:class:`~skcollapse.RecursiveRetrainer` (a density loop calls its verifier
with ``X`` only: there, pass a callable ``(X) -> scores``). All are small
scikit-learn-style objects (``get_params``/``set_params``), so that a
retrainer holding one can be cloned, pickled and tuned
(``verifier__keep_wrong`` in a parameter grid).

- :class:`OracleVerifier`: a perfect verifier, from a function that knows the
  truth: score 1 for a correct label, 0 for a wrong one (classification), or
  minus the error (regression).
- :class:`NoisyVerifier`: an imperfect verifier with known keep rates: keeps a
  correct label with probability ``keep_correct`` and a wrong one with
  probability ``keep_wrong`` (the ``phi_c``, ``phi_w`` of Feng et al.).
- :class:`LinearVerifier`: the linear verifier of Feng et al., scoring a label
  ``y`` in ``{-1, +1}`` by its margin ``y (w' x + b)``.
- :class:`LabelLookup`: the truth of the real data: the real label of each row
  of a fixed table, found by the row's values.
- :func:`effective_error`: the label error rate left after verification,
  ``p_eff``, which decides whether the loop collapses.

**What "correct" means.** The loop passes a verifier only the synthetic rows
``X`` and their synthetic labels ``y``; the truth must come from ``X``. Two
truths are natural for the two-class Gaussian mixture of
:func:`~skcollapse.datasets.make_gaussian_mixture`:

- the *real label* of the row: with ``inputs="reuse"`` (or ``"bootstrap"``)
  every synthetic row is a real row, and ``LabelLookup(X_real, y_real)``
  returns its real label. This is the truth of the error rate ``p`` of Feng
  et al. and of the trajectory keys ``"synthetic_error"`` and
  ``"selected_error"``, so use it to compare a fit with the theory;
- the *Bayes label* ``sign(mu' x)``, defined for any input (also sampled
  ones): ``LinearVerifier(mu)`` with ``threshold=0`` keeps exactly the labels
  that agree with it, and ``OracleVerifier(bayes.predict)`` does the same with
  any fitted ``bayes`` classifier. It disagrees with the real label on about
  ``1 - Phi(||mu||)`` of the rows, so its error rates are not the
  ``"synthetic_error"`` of the trajectory.

**Estimators as verifiers.** No wrapper is needed to verify with an
estimator: pass it as ``verifier`` directly. An unfitted estimator is cloned
and fitted on the real training data at generation 0; a prefit one is wrapped
in :class:`sklearn.frozen.FrozenEstimator` so that it is used as it is. A
classifier scores a synthetic label by the probability it gives it
(``predict_proba``), a regressor by minus its absolute disagreement with it,
a density estimator by ``score_samples``. For a logistic regression the
probability of ``y`` is an increasing function of the margin
``y (w' x + b)``, so a probability threshold is a margin threshold of the
:class:`LinearVerifier` of the same ``w`` and ``b``. A classifier with only
``decision_function`` (``LinearSVC``) can be used through
``LinearVerifier(clf.coef_.ravel(), clf.intercept_[0])``.

**Randomness.** :class:`NoisyVerifier` draws its keep decisions from a
generator seeded by ``random_state`` *and a hash of the call's* ``(X, y)``:
with an int seed, the same batch always gets the same decisions, and any other
batch (in the loop, each generation's new synthetic labels) gets fresh,
independent decisions. The verifier holds no state between calls. Inside a
retrainer, the loop verifies with a clone whose ``random_state`` it sets from
its own ``random_state``, as it does for the base estimator: a fit is
reproducible bit for bit, a refit gives the same trajectory, each generation
is verified anew, and fits with different seeds (the repeats of
:func:`~skcollapse.model_selection.collapse_curve`) verify independently, even
when their synthetic labels coincide (``label_noise="argmax"``).
"""

# Authors: The skcollapse developers
# SPDX-License-Identifier: BSD-3-Clause

from numbers import Integral, Real

import joblib
import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state
from sklearn.utils.extmath import safe_sparse_dot
from sklearn.utils.multiclass import type_of_target

from ._compat import (
    HasMethods,
    StrOptions,
    validate_parameter_constraints,
    validate_params,
)
from ._docstrings import Substitution, references
from ._params import Interval
from ._random import draw_seed, keyed_rng

__all__ = [
    "LabelLookup",
    "LinearVerifier",
    "NoisyVerifier",
    "OracleVerifier",
    "effective_error",
]


@validate_params(
    {
        "p": [Interval(Real, 0, 1, closed="both"), "array-like"],
        "keep_correct": [Interval(Real, 0, 1, closed="both"), "array-like"],
        "keep_wrong": [Interval(Real, 0, 1, closed="both"), "array-like"],
    },
    prefer_skip_nested_validation=True,
)
@Substitution(references=references("feng2024"))
def effective_error(p, keep_correct, keep_wrong):
    """Label error rate after verification, ``p_eff`` (Feng et al., 2024).

    A generator labels a sample wrongly with probability ``p``; a verifier
    keeps a correct label with probability ``keep_correct`` (``phi_c``) and a
    wrong one with probability ``keep_wrong`` (``phi_w``). Among the kept
    samples, the share of wrong labels is

    .. math::

        p_{\\text{eff}} = \\frac{p \\, \\phi_w}{(1 - p) \\, \\phi_c + p \\, \\phi_w}.

    It is the measurable proxy of the quality of selection: with inputs reused
    from real rows, a retrainer's ``trajectory_["selected_error"]`` is its
    empirical value (the error rate of the kept labels against the real
    labels of their rows), and ``trajectory_["synthetic_error"]`` the
    empirical ``p``.

    Read more in the :ref:`User Guide <verification>`.

    Parameters
    ----------
    p : float or array-like
        Error rate of the generator's labels, in [0, 1].

    keep_correct : float or array-like
        Probability that the verifier keeps a correct label, in [0, 1].

    keep_wrong : float or array-like
        Probability that the verifier keeps a wrong label, in [0, 1].

    Returns
    -------
    p_eff : float or ndarray
        The error rate of the kept labels, broadcast over the three inputs (a
        float when all three are scalars). NaN where the verifier keeps
        nothing (``(1 - p) keep_correct + p keep_wrong == 0``).

    See Also
    --------
    NoisyVerifier : A verifier with these keep rates.

    Notes
    -----
    In the two-class Gaussian mixture ``x | y ~ N(y mu, I)`` of Feng et al.,
    wrong labels independent of ``x`` shrink the mean-difference classifier
    towards ``E w = (1 - 2 p_eff) mu``. As the sample grows, its accuracy
    tends to ``Phi(||mu||)`` when ``p_eff < 1/2`` and to
    ``1 - Phi(||mu||)`` when ``p_eff > 1/2``: a sharp phase transition at
    ``p_eff = 1/2``, whatever ``p``. A verifier thus rescues even a generator
    wrong more often than right (``p > 1/2``) when ``keep_wrong / keep_correct
    < (1 - p) / p``, and ruins a good one when that ratio is exceeded.

    The verifier keeps a share ``(1 - p) keep_correct + p keep_wrong`` of the
    samples: the trajectory's ``"acceptance_rate"``.

    %(references)s

    Examples
    --------
    >>> from skcollapse.verification import effective_error
    >>> round(effective_error(0.3, keep_correct=1.0, keep_wrong=0.3), 3)
    0.114

    A generator wrong 60% of the time is rescued by a verifier that keeps
    fewer than 2/3 of its wrong labels (and all the correct ones):

    >>> effective_error(0.6, keep_correct=1.0, keep_wrong=[0.0, 0.5, 2 / 3, 1.0])
    array([0.   , 0.428..., 0.5  , 0.6  ])
    """
    arrays = {
        "p": np.asarray(p, dtype=float),
        "keep_correct": np.asarray(keep_correct, dtype=float),
        "keep_wrong": np.asarray(keep_wrong, dtype=float),
    }
    for name, value in arrays.items():
        if not np.all((value >= 0) & (value <= 1)):
            raise ValueError(
                f"{name} must be a probability in [0, 1]; got {name}={value!r}."
            )
    p, phi_c, phi_w = np.broadcast_arrays(*arrays.values())
    kept = (1 - p) * phi_c + p * phi_w
    with np.errstate(invalid="ignore", divide="ignore"):
        p_eff = np.where(kept > 0, p * phi_w / np.where(kept > 0, kept, 1), np.nan)
    return float(p_eff) if p_eff.ndim == 0 else p_eff


class _Verifier(BaseEstimator):
    """Shared plumbing: parameter validation and the truth of a batch."""

    def _validate_params(self):
        validate_parameter_constraints(
            self._parameter_constraints,
            self.get_params(deep=False),
            caller_name=type(self).__name__,
        )

    def _truth(self, X, n_samples):
        truth = self.truth
        values = truth.predict(X) if hasattr(truth, "predict") else truth(X)
        values = np.asarray(values)
        if values.shape[:1] != (n_samples,):
            raise ValueError(
                f"truth returned {values.shape[:1] or 'no'} values for {n_samples} "
                "samples; it must return one true label (or value) per row of X."
            )
        return values

    def _correct(self, X, y):
        """Boolean mask of the synthetic labels that equal the truth."""
        y = np.asarray(y)
        truth = self._truth(X, y.shape[0])
        correct = truth == y
        if correct.ndim > 1:
            correct = correct.reshape(correct.shape[0], -1).all(axis=1)
        return np.asarray(correct, dtype=bool).reshape(-1)


_TRUTH = [callable, HasMethods(["predict"])]

# The parameters of ``__call__`` of the verifiers that take any labels (a
# numpydoc entry each, filled by ``Substitution``).
_CALL_PARAMETERS = """\
X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_features)
    Synthetic inputs.

y : array-like of shape (n_samples,) or (n_samples, n_outputs)
    Synthetic labels."""


class OracleVerifier(_Verifier):
    """A perfect verifier, from a function that knows the truth.

    Classification: score 1 for a synthetic label equal to the true label of
    its row, 0 otherwise; with ``threshold`` in (0, 1] the loop keeps the
    correct labels only (``p_eff = 0``), with ``n_candidates`` > 1 it keeps a
    correct candidate whenever there is one. Regression: score minus the
    absolute error of the synthetic label (mean over outputs), so
    ``threshold=-tol`` keeps the labels within ``tol`` of the truth and
    ``keep_fraction`` the most accurate ones.

    Read more in the :ref:`User Guide <verification>`.

    Parameters
    ----------
    truth : callable or fitted estimator
        ``truth(X) -> true labels`` (or true values), one per row of ``X``; or
        a fitted estimator, whose ``predict`` is used. For the real labels of
        reused inputs use :class:`LabelLookup`. It must be picklable (not a
        lambda) for the retrainer holding the verifier to be picklable.

    task : {"auto", "classification", "regression"}, default="auto"
        How to score. ``"auto"``: regression when the synthetic labels are
        continuous (``type_of_target`` is ``"continuous"`` or
        ``"continuous-multioutput"``), classification otherwise.

    See Also
    --------
    NoisyVerifier : An imperfect verifier with known keep rates.
    LabelLookup : The real label of a real row.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skcollapse import RecursiveRetrainer
    >>> from skcollapse.datasets import make_gaussian_mixture
    >>> from skcollapse.verification import LabelLookup, OracleVerifier
    >>> X, y = make_gaussian_mixture(200, 2, 1.0, random_state=0)
    >>> oracle = OracleVerifier(LabelLookup(X, y))
    >>> y[:4]
    array([1, 1, 1, 1])
    >>> oracle(X[:4], [1, -1, 1, -1])
    array([1., 0., 1., 0.])
    >>> est = RecursiveRetrainer(
    ...     LogisticRegression(), n_generations=3, verifier=oracle, threshold=0.5,
    ...     random_state=0,
    ... ).fit(X, y)
    >>> est.trajectory_["selected_error"]
    array([nan,  0.,  0.,  0.])
    """

    _parameter_constraints: dict = {
        "truth": _TRUTH,
        "task": [StrOptions({"auto", "classification", "regression"})],
    }

    def __init__(self, truth, *, task="auto"):
        self.truth = truth
        self.task = task

    @Substitution(call_parameters=_CALL_PARAMETERS)
    def __call__(self, X, y):
        """Score synthetic samples against the truth.

        Parameters
        ----------
        %(call_parameters)s

        Returns
        -------
        scores : ndarray of shape (n_samples,)
            1.0 (correct) or 0.0 (wrong) for classification; minus the
            absolute error for regression.
        """
        self._validate_params()
        y = np.asarray(y)
        task = self.task
        if task == "auto":
            continuous = type_of_target(y).startswith("continuous")
            task = "regression" if continuous else "classification"
        if task == "classification":
            return self._correct(X, y).astype(float)
        truth = np.asarray(self._truth(X, y.shape[0]), dtype=float)
        error = np.abs(truth.reshape(y.shape) - y.astype(float))
        return -error.reshape(y.shape[0], -1).mean(axis=1)


class NoisyVerifier(_Verifier):
    """An imperfect verifier with known keep rates (Feng et al., 2024).

    Keeps a correct synthetic label with probability ``keep_correct``
    (``phi_c``) and a wrong one with probability ``keep_wrong`` (``phi_w``),
    independently per sample: score 1.0 for keep, 0.0 for reject. Use it with
    ``threshold`` in (0, 1] (``threshold=0.5``). From labels of error rate
    ``p`` it keeps labels of error rate :func:`effective_error` ``(p,
    keep_correct, keep_wrong)``: a verifier of known quality, to study how
    imperfect verification changes collapse.

    Read more in the :ref:`User Guide <verification>`.

    Parameters
    ----------
    truth : callable or fitted estimator
        ``truth(X) -> true labels``, one per row; or a fitted estimator whose
        ``predict`` gives them. For the real labels of reused inputs (the
        truth of the error rate ``p`` of Feng et al.) use
        :class:`LabelLookup`. A synthetic label is correct when it equals the
        truth (all outputs equal, for multi-output labels).

    keep_correct : float in [0, 1]
        Probability of keeping a correct label.

    keep_wrong : float in [0, 1]
        Probability of keeping a wrong label.

    random_state : int, RandomState instance or None, default=None
        Seed of the keep decisions. With an int, the decisions are a
        deterministic function of ``random_state`` and the call's ``(X, y)``
        (through a hash of both): the same batch gets the same decisions,
        another batch fresh ones, and no state is kept between calls. A
        RandomState instance is consumed (one seed drawn per call); None
        does the same with NumPy's global random state, as in scikit-learn
        (fresh decisions at each call, repeated after ``numpy.random.seed``).
        Inside a retrainer, the loop replaces it by a seed drawn from the
        retrainer's ``random_state``.

    See Also
    --------
    effective_error : The error rate of the kept labels.
    OracleVerifier : The perfect verifier (``keep_correct=1``,
        ``keep_wrong=0``).

    Examples
    --------
    >>> import numpy as np
    >>> from skcollapse.datasets import make_gaussian_mixture
    >>> from skcollapse.verification import (
    ...     LabelLookup, NoisyVerifier, effective_error)
    >>> X, y = make_gaussian_mixture(10_000, 2, 1.0, random_state=0)
    >>> rng = np.random.default_rng(0)
    >>> y_synthetic = np.where(rng.random(len(y)) < 0.3, -y, y)  # p = 0.3
    >>> verifier = NoisyVerifier(LabelLookup(X, y), keep_correct=1.0,
    ...                          keep_wrong=0.3, random_state=0)
    >>> kept = verifier(X, y_synthetic) >= 0.5
    >>> round(float(np.mean(y_synthetic[kept] != y[kept])), 2)
    0.11
    >>> round(effective_error(0.3, 1.0, 0.3), 2)
    0.11
    """

    _parameter_constraints: dict = {
        "truth": _TRUTH,
        "keep_correct": [Interval(Real, 0, 1, closed="both")],
        "keep_wrong": [Interval(Real, 0, 1, closed="both")],
        "random_state": ["random_state"],
    }

    def __init__(self, truth, keep_correct, keep_wrong, *, random_state=None):
        self.truth = truth
        self.keep_correct = keep_correct
        self.keep_wrong = keep_wrong
        self.random_state = random_state

    @Substitution(call_parameters=_CALL_PARAMETERS)
    def __call__(self, X, y):
        """Keep (1.0) or reject (0.0) each synthetic sample.

        Parameters
        ----------
        %(call_parameters)s

        Returns
        -------
        scores : ndarray of shape (n_samples,)
            1.0 for the kept samples, 0.0 for the rejected ones.
        """
        self._validate_params()
        correct = self._correct(X, y)
        rate = np.where(correct, self.keep_correct, self.keep_wrong)
        u = self._generator(X, y).random(correct.shape[0])
        return (u < rate).astype(float)

    def _generator(self, X, y):
        random_state = self.random_state
        if isinstance(random_state, Integral):
            digest = joblib.hash((_hashable(X), np.asarray(y)), hash_name="md5")
            return keyed_rng(random_state, int(digest, 16))
        return np.random.default_rng(draw_seed(check_random_state(random_state)))


class LinearVerifier(_Verifier):
    """The linear verifier of Feng et al.: score ``y (w' x + b)``.

    Scores a binary synthetic label by its signed margin under a fixed linear
    rule: ``s (X @ coef + intercept)`` with ``s = +1`` when the label is
    ``pos_label`` and ``-1`` otherwise. With ``threshold=0`` the loop keeps
    the labels that agree with the rule ``sign(w' x + b)``; a positive
    threshold keeps only confident agreements, and ``keep_fraction`` the
    largest margins. With ``coef = mu`` of the Gaussian mixture it is the
    Bayes-rule verifier; a ``coef`` at an angle to ``mu`` is a verifier of
    lower quality.

    Read more in the :ref:`User Guide <verification>`.

    Parameters
    ----------
    coef : array-like of shape (n_features,)
        The verifier's direction ``w``.

    intercept : float, default=0.0
        The verifier's offset ``b``.

    pos_label : int, float, bool or str, default=1
        The label of sign +1; every other label has sign -1 (so labels -1/+1
        and 0/1 both work with the default). It must have the labels' type: a
        number for numeric (or boolean) labels, a string for string labels;
        a ``pos_label`` no label could equal raises a ``ValueError`` (a
        ``pos_label`` absent from the labels is fine: the class vanished).

    See Also
    --------
    OracleVerifier : A verifier that knows the truth.

    Examples
    --------
    >>> import numpy as np
    >>> from skcollapse.verification import LinearVerifier
    >>> verifier = LinearVerifier(coef=[1.0, 1.0])
    >>> X = np.array([[1.0, 1.0], [1.0, 1.0], [-2.0, 0.5]])
    >>> verifier(X, [1, -1, -1])
    array([ 2. , -2. ,  1.5])
    """

    _parameter_constraints: dict = {
        "coef": ["array-like"],
        "intercept": [Real],
        "pos_label": [Real, str, "boolean"],
    }

    def __init__(self, coef, *, intercept=0.0, pos_label=1):
        self.coef = coef
        self.intercept = intercept
        self.pos_label = pos_label

    def __call__(self, X, y):
        """Signed margins of the synthetic labels.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_features)
            Synthetic inputs.

        y : array-like of shape (n_samples,)
            Synthetic labels.

        Returns
        -------
        scores : ndarray of shape (n_samples,)
            ``s (X @ coef + intercept)``, ``s = +1`` for ``pos_label``, else -1.
        """
        self._validate_params()
        coef = np.asarray(self.coef, dtype=float).reshape(-1)
        X = X if sp.issparse(X) else np.asarray(X, dtype=float)
        if X.ndim != 2 or X.shape[1] != coef.shape[0]:
            raise ValueError(
                f"LinearVerifier has coef of {coef.shape[0]} features; X has shape "
                f"{X.shape}."
            )
        y = np.asarray(y).reshape(-1)
        sign = np.where(_positive_labels(y, self.pos_label), 1.0, -1.0)
        margin = np.asarray(safe_sparse_dot(X, coef)).reshape(-1) + self.intercept
        return sign * margin


def _positive_labels(y, pos_label):
    """``y == pos_label``, refusing a ``pos_label`` no label can equal.

    The one comparison of labels with a ``pos_label``, for
    :class:`LinearVerifier` and for the batched engine's batches of labels.
    """
    y = np.asarray(y)
    _check_pos_label_type(pos_label, y.reshape(-1))
    return y == pos_label


def _check_pos_label_type(pos_label, y):
    """Refuse a ``pos_label`` that no label can equal by its type.

    A string never equals a number: numeric labels with a string
    ``pos_label``, or string labels with a numeric one, would give every row
    the sign -1 without a word. A ``pos_label`` of the right type that no
    label equals is not refused: a class that vanished from the synthetic
    labels is what collapse does.
    """
    if y.size == 0:
        return
    strings = y.dtype.kind in "US" or (
        y.dtype.kind == "O" and any(isinstance(v, str) for v in y)
    )
    numbers = y.dtype.kind in "biuf"
    if (strings and not isinstance(pos_label, str)) or (
        numbers and isinstance(pos_label, str)
    ):
        what = "strings" if strings else "numbers"
        raise ValueError(
            f"LinearVerifier has pos_label={pos_label!r}, which no label can "
            f"equal: the labels are {what} (such as {y[:1].tolist()[0]!r}). Pass the "
            "positive class as pos_label, of the labels' type."
        )


class LabelLookup(BaseEstimator):
    """The real label of a row, found by the row's values.

    A truth function for :class:`OracleVerifier` and :class:`NoisyVerifier`
    when the synthetic inputs are real rows (``inputs="reuse"`` or
    ``"bootstrap"``): ``LabelLookup(X, y)(X_rows)`` returns, for each row of
    ``X_rows``, the label ``y`` of the identical row of ``X``. This is the
    truth behind the trajectory's ``"synthetic_error"`` and
    ``"selected_error"`` and behind the error rate ``p`` of Feng et al.

    Read more in the :ref:`User Guide <verification>`.

    Parameters
    ----------
    X : array-like, sparse matrix or DataFrame of shape (n_samples, n_features)
        The real inputs.

    y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Their labels (or target values).

    See Also
    --------
    OracleVerifier : A perfect verifier, from a truth function such as this.
    NoisyVerifier : A verifier of known keep rates, from a truth function.

    Notes
    -----
    Rows match when all their values are equal (for floats, the same bits:
    ``0.0`` and ``-0.0`` differ). A row of ``X`` repeated with different
    labels has no single real label and raises an error at lookup; so does a
    looked-up row that is not in ``X`` (use a truth function for sampled
    inputs). The table is built at each call, in ``O(n log n)``.

    Examples
    --------
    >>> import numpy as np
    >>> from skcollapse.verification import LabelLookup
    >>> X = np.array([[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]])
    >>> truth = LabelLookup(X, y=[7, 8, 9])
    >>> truth(X[[2, 0, 0]])
    array([9, 7, 7])
    """

    _parameter_constraints: dict = {
        "X": ["array-like", "sparse matrix"],
        "y": ["array-like"],
    }

    def __init__(self, X, y):
        self.X = X
        self.y = y

    def __call__(self, X):
        """The real labels of the rows of ``X``.

        Parameters
        ----------
        X : array-like, sparse matrix or DataFrame of shape (n_rows, n_features)
            Rows of the table's ``X``.

        Returns
        -------
        y : ndarray of shape (n_rows,) or (n_rows, n_outputs)
            Their labels.
        """
        validate_parameter_constraints(
            self._parameter_constraints,
            self.get_params(deep=False),
            caller_name=type(self).__name__,
        )
        keys, labels = _row_keys(self.X), np.asarray(self.y)
        if labels.shape[0] != keys.shape[0]:
            raise ValueError(
                f"LabelLookup has {keys.shape[0]} rows in X but {labels.shape[0]} "
                "labels in y."
            )
        queries = _row_keys(X, like=self.X)
        order = np.argsort(keys, kind="stable")
        keys, labels = keys[order], labels[order]
        same = keys[1:] == keys[:-1]
        conflict = same & _rows_differ(labels[1:], labels[:-1])
        if np.any(conflict):
            raise ValueError(
                f"LabelLookup: {int(np.sum(conflict))} row(s) of X appear with "
                "different labels, so they have no single real label. Use a "
                "truth function instead."
            )
        position = np.minimum(np.searchsorted(keys, queries), max(len(keys) - 1, 0))
        found = keys[position] == queries if len(keys) else np.zeros(len(queries), bool)
        if not np.all(found):
            raise ValueError(
                f"LabelLookup: {int(np.sum(~found))} of the {len(queries)} rows are "
                "not rows of its X: it knows only the real rows (synthetic inputs "
                "reused from real rows, inputs='reuse' or 'bootstrap'). Use a "
                "truth function for sampled inputs."
            )
        return labels[position]


def _dense(X):
    if sp.issparse(X):
        return X.toarray()
    if hasattr(X, "to_numpy"):
        return X.to_numpy()
    return np.asarray(X)


def _row_keys(X, like=None):
    """One comparable, sortable key per row of ``X``.

    Numeric rows are keyed by the bytes of their float64 values; rows of other
    types by their text. ``like`` is the table whose keys the rows must match.
    """
    X = _dense(X)
    if X.ndim != 2:
        raise ValueError(f"LabelLookup expects 2-D inputs; got shape {X.shape}.")
    reference = X if like is None else _dense(like)
    if X.shape[1] != reference.shape[1]:
        raise ValueError(
            f"LabelLookup has rows of {reference.shape[1]} features; got rows "
            f"of {X.shape[1]}."
        )
    if reference.dtype.kind in "biuf":
        X = np.ascontiguousarray(X, dtype=np.float64)
        return X.view(np.dtype((np.void, 8 * X.shape[1]))).reshape(-1)
    return np.array(["\x1f".join(map(repr, row)) for row in X.tolist()])


def _rows_differ(a, b):
    differ = a != b
    if differ.ndim > 1:
        differ = differ.reshape(differ.shape[0], -1).any(axis=1)
    return differ


def _hashable(X):
    if sp.issparse(X):
        X = X.tocsr()
        return (X.shape, X.data, X.indices, X.indptr)
    return X
