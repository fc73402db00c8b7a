"""Feng et al. 2024: synthesized data requires verification.

Two experiments: the phase transition of a verified loop at ``p_eff = 1/2``
on the two-class Gaussian mixture of their theory (``feng-verification``),
and their eigenvalue task at laptop scale, an ``MLPRegressor`` that
predicts the eigenvalues of small symmetric matrices and is retrained on its
own predictions, with and without a cheap verifier (``feng-eigenvalues``).
"""

# Authors: The skcollapse developers
# SPDX-License-Identifier: BSD-3-Clause

import warnings
from functools import partial
from numbers import Integral, Real

import numpy as np
from scipy.special import ndtr
from scipy.stats import rankdata, spearmanr
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPRegressor

from .._compat import StrOptions
from .._params import Interval
from .._random import draw_seed
from ._base import Recorder, count, mean_and_se, register

PAPER_FENG = (
    "Feng, Dohmatob, Yang, Charton, Kempe 2024, Beyond Model Collapse: Scaling "
    "Up with Synthesized Data Requires Verification (arXiv:2406.07515)"
)

#: Ratios ``phi_w / phi_c`` of the verifiers of ``feng-verification``: a
#: ratio r <= 1 is ``phi_c = 1, phi_w = r``, a ratio r > 1 is ``phi_c = 1/r,
#: phi_w = 1``.
_RATIOS = (0.1, 0.5, 1.6, 10.0)

#: Conditions whose measured proxy is within this distance of 1/2 sit on the
#: transition itself: no limit is checked for them.
_NEAR_HALF = 0.1

# Bootstrap resamples of the rank correlation's standard error.
_N_BOOTSTRAP = 400


def _keep_rates(ratio):
    """``(phi_c, phi_w)`` of a verifier of ratio ``phi_w / phi_c``."""
    return (1.0, float(ratio)) if ratio <= 1 else (1.0 / ratio, 1.0)


class _Accuracy:
    """``measure`` of collapse_curve: every generation's exact accuracy on the
    true mixture.

    For a logistic regression of classes -1/+1, ``f(x) = w'x + b`` given
    ``y`` is ``N(y w'mu + b, ||w||^2)``, so the accuracy is ``(Phi((m + b) /
    ||w||) + Phi((m - b) / ||w||)) / 2`` with ``m = w'mu`` (the accuracy of
    ``source.evaluate``, without its log-loss quadrature, which the loop
    does not need); any other model goes through ``source.evaluate``.
    """

    def __init__(self, source):
        self.source = source

    def _accuracy(self, model):
        classes = getattr(model, "classes_", None)
        coef = getattr(model, "coef_", None)
        if (
            coef is None
            or classes is None
            or len(classes) != 2
            or list(classes) != [-1, 1]
        ):
            return self.source.evaluate(model)["accuracy"]
        w = np.asarray(coef, dtype=float).reshape(-1)
        b = float(np.asarray(model.intercept_).reshape(-1)[0])
        norm = float(np.linalg.norm(w))
        if not np.isfinite(norm) or not np.isfinite(b):
            return np.nan
        if norm == 0:
            return 0.5
        margin = float(w @ self.source.mean)
        return 0.5 * float(ndtr((margin + b) / norm) + ndtr((margin - b) / norm))

    def __call__(self, retrainer):
        return {"accuracy": [self._accuracy(m) for m in retrainer.estimators_]}


@register(
    "feng-verification",
    PAPER_FENG,
    "A verifier keeping correct labels with probability phi_c and wrong ones with"
    " phi_w rescues the loop when the kept labels' error p_eff is below 1/2 and"
    " ruins it above: accuracy -> Phi(||mu||) or 1 - Phi(||mu||); the measured"
    " p_eff ranks the final accuracies",
    {"quick": 25, "paper": 600},
    {
        "n_samples": count(10),
        "n_features": count(1),
        "separation": [Interval(Real, 0, None, closed="neither")],
        "ratios": [None, "array-like"],
        "n_repeats": count(3),
        "n_generations": count(2),
        "limit_tolerance": [None, Interval(Real, 0, 1, closed="neither")],
        "min_rank_correlation": [Interval(Real, -1, 1, closed="both")],
        "theory_separation": [None, Interval(Real, 0, None, closed="neither")],
    },
)
def feng_verification(
    scale="quick",
    random_state=0,
    n_jobs=None,
    *,
    n_samples=None,
    n_features=None,
    separation=1.0,
    ratios=None,
    n_repeats=None,
    n_generations=None,
    limit_tolerance=None,
    min_rank_correlation=0.8,
    theory_separation=None,
):
    """Feng et al.'s verified loop on the Gaussian mixture: the transition.

    ``y`` uniform in {-1, +1}, ``x | y ~ N(y mu, I_d)``, ``||mu||`` =
    ``separation``: ``n`` real rows drawn once from a
    :class:`~skcollapse.datasets.GaussianClassificationSource` (the repeats
    are the loop's randomness given this sample). Every generation relabels
    the real inputs (``inputs="reuse"``) with labels sampled from the
    previous logistic regression (``label_noise="sample"``); a
    :class:`~skcollapse.verification.NoisyVerifier` whose truth is the real
    label (:class:`~skcollapse.verification.LabelLookup`) keeps a correct
    label with probability ``phi_c`` and a wrong one with ``phi_w``
    (``threshold=0.5``), over a grid of ratios ``phi_w / phi_c``; one loop has
    no verifier. The accuracy of every generation is exact (the closed form
    of a linear rule on the mixture). The proxy of a fit is its measured
    ``p_eff``, the error rate of the kept labels against the real ones
    (``trajectory_["selected_error"]``), averaged over generations 1..G
    (the table's quantity ``"proxy"``, mean over the repeats, at generation
    G).

    Checks (family-wise):

    - ``p_eff`` at generation 1: the measured error of the kept labels
      against :func:`~skcollapse.verification.effective_error` of the
      measured error ``p`` of the synthetic labels, per verifier (paired
      over the repeats);
    - the limits of Feng et al.: a verifier whose mean proxy is below
      ``1/2 - 0.1`` ends with an accuracy in ``[Phi(||mu||) - tol,
      Phi(||mu||)]``, one above ``1/2 + 0.1`` in ``[1 - Phi(||mu||), 1 -
      Phi(||mu||) + tol]`` (``tol = limit_tolerance``: the loss of a fit on
      ``n`` finite rows; the limits are those of ``n -> infinity``);
    - below ``1/2 - 0.1``, the verified loop's final accuracy exceeds the
      unverified one's by more than ``z`` standard errors (the check's value
      is the gain over its standard error, against the family-wise ``z``);
      above ``1/2 + 0.1`` it does not exceed it (a verifier whose mean proxy
      is within 0.1 of 1/2 sits on the transition, where the loop may go
      either way: it enters only the rank correlation and ``p_eff`` check);
    - the Spearman rank correlation between the proxy and the final accuracy
      over every verified fit is at most ``-min_rank_correlation`` (checked
      as ``-rho >= min_rank_correlation``, with its bootstrap standard
      error over the fits).

    Parameters
    ----------
    scale : {"quick", "paper"}, default="quick"
        ``"quick"``: ``n = 500``, ``d = 8``, 12 generations, 20 repeats.
        ``"paper"``: ``n = 2,000``, ``d = 8``, 30 generations, 50 repeats.
        Feng et al.'s theory is asymptotic (``n -> infinity``); their
        figures are not reproduced size for size, so ``"paper"`` is a
        larger ``n`` (a tighter limit, ``limit_tolerance`` 0.01) and more
        generations.

    %(random_state)s

    %(n_jobs)s

    n_samples, n_features : int, default=None
        Override the scale's ``n`` and ``d``.

    separation : float, default=1.0
        ``||mu||``; the Bayes accuracy is ``Phi(||mu||)``.

    ratios : array-like of float, default=None
        The verifiers' ``phi_w / phi_c`` (default ``(0.1, 0.5, 1.6, 10)``):
        ``phi_c = 1, phi_w = r`` for ``r <= 1``, ``phi_c = 1/r, phi_w = 1``
        above.

    n_repeats, n_generations : int, default=None
        Override the scale's.

    limit_tolerance : float in (0, 1), default=None
        ``tol`` of the limit checks (0.03 at quick scale, 0.01 at paper
        scale).

    min_rank_correlation : float in [-1, 1], default=0.8
        The rank correlation ``-rho`` that the proxy must reach.

    theory_separation : float, default=None
        Compute the limits with this ``||mu||`` (to see the checks fail).

    Returns
    -------
    %(result)s
    """
    from sklearn.linear_model import LogisticRegression

    from .. import RecursiveRetrainer
    from ..datasets import GaussianClassificationSource
    from ..model_selection import collapse_curve
    from ..verification import LabelLookup, NoisyVerifier, effective_error

    quick = scale == "quick"
    n = n_samples or (500 if quick else 2000)
    d = n_features or 8
    G = n_generations or (12 if quick else 30)
    repeats = n_repeats or (20 if quick else 50)
    tol = limit_tolerance or (0.03 if quick else 0.01)
    grid = tuple(float(r) for r in (_RATIOS if ratios is None else ratios))
    if not grid or not all(np.isfinite(r) and r >= 0 for r in grid):
        raise ValueError(
            "ratios must be finite non-negative numbers phi_w / phi_c (at least "
            f"one); got ratios={ratios!r}."
        )
    run = Recorder("feng-verification", scale, random_state, n_jobs, repeats)
    source = GaussianClassificationSource(np.full(d, separation / np.sqrt(d)))
    # the real sample and the bootstrap: seeds of their own, drawn from
    # random_state (which also seeds the repeats, through collapse_curve)
    data_seed, bootstrap_seed = draw_seed(np.random.default_rng(random_state), 2)
    X, y = source.sample(n, random_state=int(data_seed))
    truth = LabelLookup(X, y)
    bayes = float(ndtr(theory_separation or separation))
    generations = np.arange(G + 1)

    def loop(verifier):
        estimator = RecursiveRetrainer(
            LogisticRegression(solver="newton-cholesky"),
            n_generations=G,
            label_noise="sample",
            verifier=verifier,
            threshold=None if verifier is None else 0.5,
            # the synthesis and verification entries are always recorded;
            # the experiment reads no other metric of the loop
            metrics=[],
        )
        return collapse_curve(
            estimator,
            X,
            y,
            n_repeats=repeats,
            random_state=random_state,
            n_jobs=n_jobs,
            measure=_Accuracy(source),
        )

    unverified = loop(None)
    base_final = np.asarray(unverified["accuracy"])[:, -1]
    run.curve("no verifier", "accuracy", unverified["accuracy"], np.nan, generations)
    points = {"no verifier": (np.full(repeats, np.nan), base_final)}
    proxies, finals, gains = [], [], []
    for ratio in grid:
        phi_c, phi_w = _keep_rates(ratio)
        condition = f"phi_w/phi_c={ratio:g}"
        verifier = NoisyVerifier(truth, phi_c, phi_w, random_state=0)
        result = loop(verifier)
        accuracy = np.asarray(result["accuracy"])
        selected = np.asarray(result["selected_error"], dtype=float)
        proxy = np.nanmean(selected[:, 1:], axis=1)
        side = float(np.mean(proxy))
        limit = np.nan
        if side < 0.5 - _NEAR_HALF:
            limit, bounds = bayes, (bayes - tol, bayes)
        elif side > 0.5 + _NEAR_HALF:
            limit, bounds = 1 - bayes, (1 - bayes, 1 - bayes + tol)
        run.curve(condition, "accuracy", accuracy, limit, generations)
        run.curve(condition, "selected_error", selected, np.nan, generations)
        run.table.add(condition, G, "proxy", *mean_and_se(proxy), np.nan)
        # the closed form of p_eff from the measured p of generation 1
        predicted = effective_error(
            np.asarray(result["synthetic_error"], dtype=float)[:, 1], phi_c, phi_w
        )
        _, paired_se = mean_and_se(selected[:, 1] - predicted)
        run.check(
            "mean",
            f"p_eff at g=1, {condition}",
            float(np.mean(selected[:, 1])),
            paired_se,
            float(np.mean(predicted)),
        )
        final = accuracy[:, -1]
        if np.isfinite(limit):
            run.check(
                "bounds",
                f"final accuracy, {condition}",
                *mean_and_se(final),
                bounds,
            )
        gain, gain_se = mean_and_se(final - base_final)
        if side < 0.5 - _NEAR_HALF:
            gains.append((condition, gain, gain_se))
        elif side > 0.5 + _NEAR_HALF:
            run.check(
                "at_most",
                f"gain vs unverified, {condition}",
                gain,
                gain_se,
                0.0,
            )
        proxies.append(proxy)
        finals.append(final)
        points[condition] = (proxy, final)
    proxy, final = np.concatenate(proxies), np.concatenate(finals)
    rho = _spearman(proxy, final)
    rng = np.random.default_rng(bootstrap_seed)
    rows = rng.integers(0, len(proxy), size=(_N_BOOTSTRAP, len(proxy)))
    boot = _spearman_rows(proxy[rows], final[rows])
    run.check(
        "at_least",
        "-Spearman(proxy, final accuracy)",
        -rho,
        float(np.nanstd(boot, ddof=1)),
        min_rank_correlation,
    )
    # "exceeds by more than z standard errors": the gain in standard errors
    # against the family-wise z of every check of the run
    z = _family_z_after(run, len(gains))
    for condition, gain, gain_se in gains:
        run.check(
            "at_least",
            f"gain/se vs unverified, {condition}",
            gain / gain_se if gain_se > 0 else np.sign(gain) * np.inf,
            0.0,
            z,
        )
    params = {
        "n_samples": n,
        "n_features": d,
        "separation": separation,
        "ratios": grid,
        "n_generations": G,
        "n_repeats": repeats,
        "limit_tolerance": tol,
        "min_rank_correlation": min_rank_correlation,
        "theory_separation": theory_separation,
    }
    plotter = partial(_plot_verification, points=points, bayes=bayes)
    return run.result(params, plotter=plotter)


def _family_z_after(run, n_more):
    from ._base import family_z

    return family_z(len(run.pending) + n_more)


def _spearman(a, b):
    """Spearman's rho (NaN when one side is constant)."""
    if np.ptp(a) == 0 or np.ptp(b) == 0:
        return np.nan
    return float(spearmanr(a, b)[0])


def _spearman_rows(a, b):
    """Spearman's rho of every row of ``a`` with the same row of ``b``
    (average ranks for ties, as :func:`scipy.stats.spearmanr`; NaN for a
    constant row)."""
    ra, rb = rankdata(a, axis=1), rankdata(b, axis=1)
    ra = ra - ra.mean(axis=1, keepdims=True)
    rb = rb - rb.mean(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.sum(ra * rb, axis=1) / np.sqrt(
            np.sum(ra**2, axis=1) * np.sum(rb**2, axis=1)
        )


def _plot_verification(result, ax, points, bayes):
    for condition, (proxy, final) in points.items():
        if condition == "no verifier":
            ax.axhline(
                np.mean(final), color="grey", lw=1, ls="-.", label="no verifier (mean)"
            )
            continue
        ax.scatter(proxy, final, s=12, label=condition, zorder=3)
    ax.plot(
        [0, 0.5, 0.5, 1],
        [bayes, bayes, 1 - bayes, 1 - bayes],
        "k--",
        lw=1,
        label="theory: Phi(||mu||), 1 - Phi(||mu||)",
    )
    ax.set_xlim(0, 1)
    ax.set_xlabel("proxy: measured p_eff (mean over generations)")
    ax.set_ylabel(f"accuracy at generation {result.params['n_generations']}")
    ax.legend(fontsize="x-small", loc="center left")
    ax.set_title(f"{result.name}: the transition at p_eff = 1/2")


# --------------------------------------------------------------------------
# The eigenvalue task
# --------------------------------------------------------------------------
def _matrices(X, size):
    """The symmetric matrices whose upper triangles are the rows of ``X``."""
    X = np.asarray(X, dtype=float)
    rows, cols = np.triu_indices(size)
    A = np.zeros((X.shape[0], size, size))
    A[:, rows, cols] = X
    A[:, cols, rows] = X
    return A


def _n_entries(size):
    return size * (size + 1) // 2


class SymmetricMatrices:
    """Random symmetric matrices: the upper triangle has i.i.d. N(0, 1) entries.

    An input sampler for ``RecursiveRetrainer(inputs=...)``: called as
    ``(n_samples, random_state) -> X``, it returns ``n_samples`` fresh
    matrices, one upper triangle (row by row) per row of ``X``.

    Parameters
    ----------
    size : int
        The matrices are ``size x size``.
    """

    def __init__(self, size):
        self.size = size

    def __call__(self, n_samples, random_state=None):
        rng = np.random.default_rng(random_state)
        return rng.standard_normal((int(n_samples), _n_entries(self.size)))

    def eigenvalues(self, X):
        """The sorted eigenvalues (ascending) of the matrices of ``X``."""
        return np.linalg.eigvalsh(_matrices(X, self.size))


def characteristic_polynomial(A):
    """Coefficients of ``det(lambda I - A)`` by Faddeev-LeVerrier.

    Matrix products and traces only (no eigenvalue solver), so checking a
    candidate eigenvalue is cheaper than finding one.

    Parameters
    ----------
    A : ndarray of shape (n_matrices, k, k)

    Returns
    -------
    coefficients : ndarray of shape (n_matrices, k + 1)
        ``coefficients[:, i]`` multiplies ``lambda ** i``; the leading one is 1.
    """
    n, k = A.shape[0], A.shape[-1]
    c = np.zeros((n, k + 1))
    c[:, k] = 1.0
    M = np.zeros_like(A)
    identity = np.eye(k)
    for m in range(1, k + 1):
        M = A @ M + c[:, k - m + 1, None, None] * identity
        c[:, k - m] = -np.trace(A @ M, axis1=1, axis2=2) / m
    return c


class EigenvalueVerifier(BaseEstimator):
    """A cheap, imperfect verifier of predicted eigenvalues.

    Scores predicted eigenvalues ``lambda_1..lambda_k`` of a symmetric matrix
    ``A`` (given by its upper triangle) by minus the largest Newton step
    ``|p(lambda_j) / p'(lambda_j)|`` of the characteristic polynomial ``p``
    of ``A``: about the distance of each prediction to the nearest true
    eigenvalue, found without solving for the eigenvalues (``p`` comes from
    :func:`characteristic_polynomial`). Imperfect: it checks that each
    prediction is *an* eigenvalue, not that the multiplicities are right (all
    predictions on one eigenvalue pass), and the Newton step is only
    approximately the distance far from a root. ``check="trace"`` scores by
    ``|sum(lambda) - tr(A)|`` instead: a single invariant, a much weaker
    verifier.

    Parameters
    ----------
    size : int
        The matrices are ``size x size``.

    check : {"newton", "trace"}, default="newton"
        What is checked.
    """

    def __init__(self, size, check="newton"):
        self.size = size
        self.check = check

    def __call__(self, X, y):
        """Scores (higher is better), one per row: minus the residual."""
        A = _matrices(X, self.size)
        lam = np.asarray(y, dtype=float).reshape(A.shape[0], self.size)
        if self.check == "trace":
            return -np.abs(lam.sum(axis=1) - np.trace(A, axis1=1, axis2=2))
        c = characteristic_polynomial(A)
        powers = lam[:, :, None] ** np.arange(self.size + 1)
        p = np.einsum("nji,ni->nj", powers, c)
        slope = c[:, 1:] * np.arange(1, self.size + 1)
        dp = np.einsum("nji,ni->nj", powers[:, :, :-1], slope)
        with np.errstate(divide="ignore", invalid="ignore"):
            # a zero slope off a root: no step measures it (-inf, the worst)
            step = np.where(p == 0, 0.0, np.abs(p / dp))
        return -np.max(step, axis=1)


class _QuietMLPRegressor(MLPRegressor):
    """MLPRegressor whose fit does not warn that ``max_iter`` was reached.

    The quick scale stops the optimiser early on purpose (a few seconds per
    experiment); the ConvergenceWarning of every one of the dozens of fits
    says only that, so it is caught here, around this fit only, never
    globally.
    """

    def fit(self, X, y):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            return super().fit(X, y)


class _EigenvalueError:
    """``measure``: every generation's mean squared error of the eigenvalues
    on a fixed test set of fresh matrices."""

    def __init__(self, sampler, n_test, seed):
        self.X = sampler(n_test, seed)
        self.y = sampler.eigenvalues(self.X)

    def __call__(self, retrainer):
        return {
            "eigenvalue_mse": [
                float(np.mean((model.predict(self.X) - self.y) ** 2))
                for model in retrainer.estimators_
            ]
        }


@register(
    "feng-eigenvalues",
    PAPER_FENG,
    "An MLP predicting the eigenvalues of symmetric matrices, retrained on its"
    " own predictions, degrades generation after generation; keeping the best"
    " of k guesses by a cheap characteristic-polynomial verifier holds it near"
    " generation 0",
    {"quick": 5, "paper": 900},
    {
        "size": [Interval(Integral, 2, None, closed="left")],
        "n_samples": count(10),
        "hidden_units": count(1),
        "max_iter": count(1),
        "n_candidates": count(1),
        "check": [StrOptions({"newton", "trace"})],
        "n_repeats": count(2),
        "n_generations": count(1),
        "verified_factor": [Interval(Real, 1, None, closed="left")],
        "unverified_factor": [Interval(Real, 1, None, closed="left")],
        "min_improvement": [Interval(Real, 0, None, closed="left")],
    },
)
def feng_eigenvalues(
    scale="quick",
    random_state=0,
    n_jobs=None,
    *,
    size=3,
    n_samples=None,
    hidden_units=None,
    max_iter=None,
    n_candidates=8,
    check="newton",
    n_repeats=None,
    n_generations=None,
    verified_factor=1.5,
    unverified_factor=1.5,
    min_improvement=0.25,
):
    """Feng et al.'s eigenvalue task, laptop-sized: a verifier stops collapse.

    Inputs: the upper triangle of a random symmetric ``size x size`` matrix
    (i.i.d. ``N(0, 1)`` entries); targets: its
    eigenvalues, sorted. Generation 0 is an ``MLPRegressor`` (one hidden
    layer, L-BFGS) fitted on ``n`` real pairs; every later generation is fitted
    on ``n`` *fresh* matrices (``inputs=`` the sampler) labelled by the
    previous generation's predictions plus Gaussian noise of its residual
    spread (``label_noise="residual"``, the self-consuming loop). The
    verified loop draws ``n_candidates`` noisy guesses per matrix and keeps
    the one a cheap verifier scores best (Feng et al.'s "best of several
    guesses"): minus the largest Newton step ``|p(lambda) / p'(lambda)|`` of
    the characteristic polynomial ``p`` of the matrix (by Faddeev-LeVerrier,
    without an eigenvalue solver), about each guess's distance to the
    nearest eigenvalue; or, with ``check="trace"``, ``|sum(lambda) - tr
    A|``. The unverified loop keeps its only guess. Error: the mean squared
    error of the eigenvalues on 2,000 fixed fresh matrices.

    No closed form: the checks compare the last generation's error with
    generation 0's, as a ratio per repeat (mean and standard error over the
    repeats, family-wise):

    - verified: ``E_G / E_0 <= verified_factor``;
    - unverified: ``E_G / E_0 >= unverified_factor``;
    - verification improves on the unverified loop of the same seeds: the
      verified ratio minus the unverified one, paired over the repeats, is
      at most ``-min_improvement`` (the unverified loop itself, with one
      guess per matrix, has a difference of exactly 0 and fails it).

    Parameters
    ----------
    scale : {"quick", "paper"}, default="quick"
        ``"quick"``: ``n = 400`` matrices, 32 hidden units, 100 L-BFGS
        iterations, 4 generations, 4 repeats. ``"paper"``: ``n = 2,000``,
        128 hidden units, 500 iterations, 10 generations, 10 repeats. Feng
        et al. train transformers on many more matrices; this is the same
        loop with a small MLP, not their model.

    %(random_state)s

    %(n_jobs)s

    size : int, default=3
        The matrices are ``size x size``.

    n_samples, hidden_units, max_iter : int, default=None
        Override the scale's ``n``, hidden units and L-BFGS iterations.

    n_candidates : int, default=8
        Guesses per matrix of the verified loop (1: the verifier has nothing
        to choose from, so the loop is unverified: the checks must fail).

    check : {"newton", "trace"}, default="newton"
        The verifier's check: ``"newton"``, each guess is close to an
        eigenvalue (multiplicities unchecked, so imperfect); ``"trace"``, the
        guesses sum to the trace (one invariant: a much weaker verifier).

    n_repeats, n_generations : int, default=None
        Override the scale's.

    verified_factor, unverified_factor : float >= 1, default=1.5
        The stated factors of the checks.

    min_improvement : float >= 0, default=0.25
        The stated improvement of the ratio ``E_G / E_0`` by verification.

    Returns
    -------
    %(result)s
    """
    from .. import RecursiveRetrainer

    quick = scale == "quick"
    n = n_samples or (400 if quick else 2000)
    hidden = hidden_units or (32 if quick else 128)
    iterations = max_iter or (100 if quick else 500)
    G = n_generations or (4 if quick else 10)
    repeats = n_repeats or (4 if quick else 10)
    run = Recorder("feng-eigenvalues", scale, random_state, n_jobs, repeats)
    sampler = SymmetricMatrices(size)
    # the real matrices and the test matrices: seeds of their own, drawn from
    # random_state (which also seeds the repeats, through collapse_curve)
    data_seed, test_seed = draw_seed(np.random.default_rng(random_state), 2)
    X = sampler(n, int(data_seed))
    y = sampler.eigenvalues(X)
    measure = _EigenvalueError(sampler, 2000, int(test_seed))
    generations = np.arange(G + 1)
    ratios = {}
    for condition, verifier, k in (
        ("no verifier", None, 1),
        (f"verified ({check}, best of {n_candidates})", "yes", n_candidates),
    ):
        from ..model_selection import collapse_curve

        estimator = RecursiveRetrainer(
            _QuietMLPRegressor(
                hidden_layer_sizes=(hidden,), solver="lbfgs", max_iter=iterations
            ),
            n_generations=G,
            inputs=sampler,
            label_noise="residual",
            verifier=None if verifier is None else EigenvalueVerifier(size, check),
            n_candidates=k,
            # one guess: nothing to choose from, the verifier keeps everything
            keep_fraction=1.0 if verifier is not None and k == 1 else None,
            metrics=[],
        )
        result = collapse_curve(
            estimator,
            X,
            y,
            n_repeats=repeats,
            random_state=random_state,
            n_jobs=n_jobs,
            measure=measure,
        )
        error = np.asarray(result["eigenvalue_mse"])
        run.curve(condition, "eigenvalue_mse", error, np.nan, generations)
        ratios[condition] = error[:, -1] / error[:, 0]
        run.table.add(
            condition, G, "error_ratio", *mean_and_se(ratios[condition]), np.nan
        )
    (base, base_ratio), (verified, verified_ratio) = ratios.items()
    run.check(
        "at_least",
        f"E_G / E_0, {base}",
        *mean_and_se(base_ratio),
        unverified_factor,
    )
    run.check(
        "at_most",
        f"E_G / E_0, {verified}",
        *mean_and_se(verified_ratio),
        verified_factor,
    )
    run.check(
        "at_most",
        "E_G / E_0 verified - unverified",
        *mean_and_se(verified_ratio - base_ratio),
        -min_improvement,
    )
    params = {
        "size": size,
        "n_samples": n,
        "hidden_units": hidden,
        "max_iter": iterations,
        "n_candidates": n_candidates,
        "check": check,
        "n_generations": G,
        "n_repeats": repeats,
        "verified_factor": verified_factor,
        "unverified_factor": unverified_factor,
        "min_improvement": min_improvement,
    }
    return run.result(params, plotter=_plot_eigenvalues)


def _plot_eigenvalues(result, ax):
    from ._base import plot_table

    plot_table(result, ax, quantities=["eigenvalue_mse"])
    ax.set_ylabel("eigenvalue MSE on fresh matrices")
