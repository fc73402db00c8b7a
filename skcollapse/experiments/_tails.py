"""A Tale of Tails (Dohmatob, Feng, Yang, Charton, Kempe 2024): Zipf data and a
memorising learner, through clean, tail-cut, narrowed and mixed data."""

# Authors: The skcollapse developers
# SPDX-License-Identifier: BSD-3-Clause

from numbers import Real

import numpy as np

from .._compat import StrOptions
from .._params import Interval
from ..theory import zipf_error
from ._base import Recorder, count, register

#: Relative accuracy allowed to the branching approximation of the later
#: generations in :func:`~skcollapse.theory.zipf_error` (documented there as
#: 1-2% for ``T = 10^4`` up to 31 generations).
GENERATIONS_TOLERANCE = 0.05

#: Finite-size allowance of the fitted plateau exponent: the tail mass
#: ``sum_{i>k} i^-beta`` is ``k^-(beta-1) / (beta-1)`` only to first order in
#: ``1/k``, and at a finite ``T`` the rarest kept tokens are not all seen yet
#: (the exact expectation has slope -0.967 over ``k = 10, 30, 100`` at
#: ``beta = 2``, ``T = 31622``).
PLATEAU_TOLERANCE = 0.05


class _GeneratedTokens:
    """A data source: tokens from a generator ``q``, the truth ``p``.

    ``sample`` draws from ``q`` (a tail-cut or narrowed generator, possibly
    mixed with real tokens); ``evaluate`` measures a fitted model against
    ``p``: its ``missing_mass`` is the memoriser's test error.
    """

    supervised = False

    def __init__(self, truth, generator):
        from ..datasets import CategoricalSource

        self.truth = CategoricalSource(truth)
        self.generator = CategoricalSource(generator)

    def sample(self, n_samples, random_state=None):
        return self.generator.sample(n_samples, random_state=random_state)

    def evaluate(self, estimator):
        return self.truth.evaluate(estimator)


def _generator(p, top_k=None, temperature=1.0, real_fraction=0.0):
    """The distribution a :class:`~skcollapse.generative.CategoricalDensity`
    fitted on ``p`` emits with ``top_k`` and ``temperature``, mixed with the
    share ``real_fraction`` of real tokens."""
    from ..generative import CategoricalDensity

    tokens = np.arange(len(p))[:, None]
    model = CategoricalDensity(top_k=top_k, temperature=temperature)
    model.fit(tokens, sample_weight=p)
    q = np.zeros(len(p))
    q[np.asarray(model.categories_, dtype=int)] = model.probabilities_
    return real_fraction * p + (1 - real_fraction) * q


def log_slope(x, values):
    """Least-squares slope of ``log(mean)`` against ``log(x)`` and its
    standard error (delta method, the covariance of the repeats across ``x``:
    the columns share their repeats' seeds).

    ``values`` has shape ``(n_repeats, len(x))``.

    >>> rng = np.random.default_rng(0)
    >>> x = np.array([10.0, 100.0, 1000.0])
    >>> values = x**-0.5 * rng.lognormal(0, 0.01, size=(200, 3))
    >>> slope, se = log_slope(x, values)
    >>> bool(abs(slope + 0.5) < 4 * se), bool(se < 0.01)
    (True, True)
    """
    values = np.asarray(values, dtype=float)
    log_x = np.log(np.asarray(x, dtype=float))
    centred = log_x - log_x.mean()
    weights = centred / np.sum(centred**2)
    mean = values.mean(axis=0)
    slope = float(weights @ np.log(mean))
    gradient = weights / mean
    covariance = np.atleast_2d(np.cov(values, rowvar=False))
    variance = float(gradient @ covariance @ gradient) / values.shape[0]
    return slope, float(np.sqrt(max(variance, 0.0)))


@register(
    "tale-of-tails",
    "Dohmatob, Feng, Yang, Charton, Kempe 2024, A Tale of Tails: Model Collapse "
    "as a Change of Scaling Laws (ICML; arXiv:2402.07043)",
    "A memoriser on Zipf data errs as T^-(1-1/beta); cutting the tail at top-k "
    "leaves a plateau k^-(beta-1), narrowing it slows the law to "
    "T^-((beta-1)/beta'), a clean fraction pi brings it back late, and every "
    "generation loses more tail",
    {"quick": 15, "paper": 900},
    {
        "exponent": [Interval(Real, 1, None, closed="neither")],
        "n_categories": count(2),
        "n_train": [None, "array-like"],
        "top_k": [None, "array-like"],
        "temperature": [Interval(Real, 0, 1, closed="neither")],
        "real_fractions": [None, "array-like"],
        "n_repeats": count(2),
        "n_generations": count(1),
        "words": ["boolean", StrOptions({"auto"})],
        "theory_exponent": [None, Interval(Real, 1, None, closed="neither")],
    },
)
def tale_of_tails(
    scale="quick",
    random_state=0,
    n_jobs=None,
    *,
    exponent=2.0,
    n_categories=None,
    n_train=None,
    top_k=None,
    temperature=2 / 3,
    real_fractions=None,
    n_repeats=None,
    n_generations=None,
    words="auto",
    theory_exponent=None,
):
    """Dohmatob et al.'s memoriser on Zipf data: the scaling laws of the tails.

    Tokens follow ``p_i ∝ i^-beta`` on a vocabulary of ``K`` tokens
    (:meth:`~skcollapse.datasets.CategoricalSource.zipf`); the learner is a
    :class:`~skcollapse.generative.CategoricalDensity` (the "Hutter"
    memoriser: it answers exactly the tokens it has seen), fitted on ``T``
    tokens drawn from a generator ``q``: the truth (clean), a
    ``CategoricalDensity`` with ``top_k`` (tail cutting) or ``temperature <
    1`` (tail narrowing, ``beta' = beta / temperature``) fitted on ``p``, or
    the share ``pi`` of real tokens mixed with the top-k generator. Its test
    error is the true mass of the tokens it never saw (``missing_mass`` of
    the truth); later generations
    (:class:`~skcollapse.RecursiveDensityRetrainer`) refit it on ``T`` of its
    own samples. Every curve is
    :func:`~skcollapse.model_selection.collapse_curve` over the repeats.

    Checks (family-wise):

    - the mean error of every regime (clean, each ``k``, narrowed, each
      ``pi``) at three sizes ``T`` against :func:`skcollapse.theory.zipf_error`
      (exact for one generation: ``sum_i p_i (1 - q_i)^T``);
    - the fitted exponents, slopes of ``log E`` against ``log T`` (standard
      error by the delta method over the repeats): clean against ``-(1 -
      1/beta)``, narrowed against ``-(beta - 1)/beta'``;
    - the plateau exponent, the slope of ``log E`` at the largest ``T``
      against ``log k``, within ``PLATEAU_TOLERANCE = 0.05`` of ``-(beta -
      1)`` (a first-order law; the exact sums are checked as means);
    - ``n`` generations, clean and the largest ``k``, at ``T = 10^4``: the
      mean error at three generations within ``GENERATIONS_TOLERANCE = 5%``
      of ``zipf_error``'s branching approximation, and growing: the last
      generation's error above generation 0's;
    - with English word frequencies (``wordfreq``, 20,000 words; optional):
      the clean and top-100 errors against ``sum_i p_i (1 - q_i)^T`` for the
      words' own ``p`` (exact), at three sizes.

    Parameters
    ----------
    scale : {"quick", "paper"}, default="quick"
        ``"quick"``: ``K = 10^5``, ``T`` in 6 sizes from 100 to 31,622,
        ``k`` in (10, 30, 100), ``pi`` in (0.1, 0.3) with ``k = 10``, 8
        generations at ``T = 10^4``, 40 repeats. ``"paper"``: ``K = 10^6``,
        ``T`` in 9 sizes from 100 to ``10^6`` (the range of the paper's
        figures of the memoriser, Section 2), ``k`` in (10, 30, 100, 300),
        31 generations at ``T_0 = 10^4`` (the paper's ``n = 1 .. 32``
        counts the fit on clean data as ``n = 1``), 100 repeats.

    %(random_state)s

    %(n_jobs)s

    exponent : float > 1, default=2.0
        Zipf exponent ``beta``.

    n_categories : int, default=None
        Vocabulary size ``K``; overrides the scale's.

    n_train : array-like of int, default=None
        Training sizes ``T``; override the scale's.

    top_k : array-like of int, default=None
        The tail cuts ``k``; override the scale's. The smallest also cuts the
        generator of the mixtures.

    temperature : float in (0, 1), default=2/3
        Tail narrowing of the narrowed regime.

    real_fractions : array-like of float, default=None
        The clean fractions ``pi`` mixed with the top-k generator.

    n_repeats, n_generations : int, default=None
        Override the scale's repeats and generations.

    words : bool or "auto", default="auto"
        Also run on English word frequencies
        (:func:`~skcollapse.datasets.load_word_frequencies`, the optional
        dependency wordfreq: ``pip install skcollapse[data]``). "auto": when
        wordfreq is installed; True: raise an ImportError without it.

    theory_exponent : float > 1, default=None
        Compute every closed form and theoretical exponent with this
        ``beta`` (to see the checks fail).

    Returns
    -------
    %(result)s
    """
    from .. import RecursiveDensityRetrainer
    from ..datasets import _zipf_probabilities
    from ..generative import CategoricalDensity

    quick = scale == "quick"
    beta = float(exponent)
    beta_theory = float(theory_exponent or beta)
    K = n_categories or (2 * 10**4 if quick else 10**6)
    sizes = np.unique(
        np.asarray(
            n_train
            if n_train is not None
            else np.logspace(2, 4.5 if quick else 6, 5 if quick else 9),
            dtype=float,
        ).astype(int)
    )
    cuts = tuple(
        int(k)
        for k in (
            top_k
            if top_k is not None
            else (10, 30, 100)
            if quick
            else (10, 30, 100, 300)
        )
    )
    fractions = tuple(
        float(f) for f in (real_fractions if real_fractions is not None else (0.1, 0.3))
    )
    repeats = n_repeats or (40 if quick else 100)
    G = n_generations or (8 if quick else 31)
    T_generations = 10**4
    run = Recorder("tale-of-tails", scale, random_state, n_jobs, repeats)
    p = _zipf_probabilities(K, beta)
    memoriser = RecursiveDensityRetrainer(
        CategoricalDensity(), n_generations=0, metrics=[]
    )
    checked = sorted({0, len(sizes) // 2, len(sizes) - 1})

    def scaling(condition, generator, theory):
        """Error against T under one generator: table rows, mean checks."""
        values = _memorised(run, memoriser, p, generator, sizes)
        mean, se = _error_rows(run, condition, values, p, generator, sizes, theory)
        for j in checked:
            run.check(
                "mean", f"E, {condition}, T={sizes[j]}", mean[j], se[j], theory[j]
            )
        return values

    def zipf_theory(**kwargs):
        return zipf_error(
            0, n_train=sizes, exponent=beta_theory, n_categories=K, **kwargs
        )[0]

    # clean scaling
    clean = scaling("clean", p, zipf_theory())
    slope, slope_se = log_slope(sizes, clean)
    _exponent(run, "clean", slope, slope_se, -(1 - 1 / beta_theory), "T")
    # tail cutting: each k, and the plateau against k
    plateaus = []
    for k in cuts:
        values = scaling(f"top_k={k}", _generator(p, top_k=k), zipf_theory(top_k=k))
        plateaus.append(values[:, -1])
    plateaus = np.column_stack(plateaus)
    if len(cuts) >= 2:
        # the exact error at the largest T, and the plateau it approaches
        at_largest = [
            zipf_error(
                0, n_train=sizes[-1], exponent=beta_theory, n_categories=K, top_k=k
            )[0]
            for k in cuts
        ]
        _rows(run, f"T={sizes[-1]}", "error_vs_top_k", plateaus, at_largest, cuts)
        tails = [_tail_mass(K, beta_theory, k) for k in cuts]
        run.table.add("tail mass", cuts, "error_vs_top_k", np.nan, np.nan, tails)
        slope, slope_se = log_slope(cuts, plateaus)
        run.table.add("plateau", 0, "exponent", slope, slope_se, -(beta_theory - 1))
        run.check(
            "bounds",
            "plateau exponent (E against k)",
            slope,
            slope_se,
            (
                -(beta_theory - 1) - PLATEAU_TOLERANCE,
                -(beta_theory - 1) + PLATEAU_TOLERANCE,
            ),
        )
    # tail narrowing
    narrowed = scaling(
        f"temperature={temperature:.3g}",
        _generator(p, temperature=temperature),
        zipf_theory(temperature=temperature),
    )
    slope, slope_se = log_slope(sizes, narrowed)
    beta_narrow = beta_theory / temperature
    _exponent(
        run,
        f"temperature={temperature:.3g}",
        slope,
        slope_se,
        -(beta_theory - 1) / beta_narrow,
        "T",
    )
    # mixing a clean fraction with the tail-cut generator
    k_mix = min(cuts)
    for pi in fractions:
        scaling(
            f"pi={pi:g}, top_k={k_mix}",
            _generator(p, top_k=k_mix, real_fraction=pi),
            zipf_theory(top_k=k_mix, real_fraction=pi),
        )
    # n generations at T_0 = 10^4
    looped = RecursiveDensityRetrainer(
        CategoricalDensity(), n_generations=G, metrics=[]
    )
    for condition, k in (("clean", None), (f"top_k={max(cuts)}", max(cuts))):
        generator = p if k is None else _generator(p, top_k=k)
        result = run.curves(looped, _GeneratedTokens(p, generator), T_generations)
        values = np.asarray(result["truth_missing_mass"])
        theory = zipf_error(
            G, n_train=T_generations, exponent=beta_theory, n_categories=K, top_k=k
        )
        generations = np.asarray(result["generation"])
        mean, se = _rows(
            run, condition, "error_vs_generation", values, theory, generations
        )
        for g in sorted({1, G // 2, G}):
            band = (
                theory[g] * (1 - GENERATIONS_TOLERANCE),
                theory[g] * (1 + GENERATIONS_TOLERANCE),
            )
            run.check(
                "bounds",
                f"E_g, {condition}, T={T_generations}, g={g}",
                mean[g],
                se[g],
                band,
            )
        growth = values[:, G] - values[:, 0]
        run.check(
            "at_least",
            f"E_{G} - E_0, {condition} (the tail is lost)",
            growth.mean(),
            growth.std(ddof=1) / np.sqrt(len(growth)),
            0.0,
        )
    # English word frequencies
    fitted_words = _words(run, words, sizes, checked, memoriser)
    params = {
        "exponent": beta,
        "n_categories": K,
        "n_train": sizes,
        "top_k": cuts,
        "temperature": temperature,
        "real_fractions": fractions,
        "n_repeats": repeats,
        "n_generations": G,
        "n_train_generations": T_generations,
        "words": fitted_words is not None,
        "words_exponent": fitted_words,
        "theory_exponent": theory_exponent,
    }
    return run.result(params, plotter=_plot_tails)


def _rows(run, condition, quantity, values, theory, x):
    """Table rows of a quantity against ``x`` (in the "generation" column)."""
    from ._base import mean_and_se

    mean, se = mean_and_se(values)
    run.table.add(condition, x, quantity, mean, se, theory)
    return mean, se


def _exponent(run, condition, slope, slope_se, theory, against):
    run.table.add(condition, 0, "exponent", slope, slope_se, theory)
    run.check(
        "mean", f"exponent of E against {against}, {condition}", slope, slope_se, theory
    )


def _memorised(run, memoriser, p, generator, sizes):
    """The memoriser's error (the true missing mass) of every repeat, fitted
    on ``T`` tokens of ``generator``, for every ``T``: shape (n_repeats,
    len(sizes))."""
    source = _GeneratedTokens(p, generator)
    columns = []
    for T in sizes:
        result = run.curves(memoriser, source, int(T))
        columns.append(np.asarray(result["truth_missing_mass"], dtype=float)[:, 0])
    return np.column_stack(columns)


def _error_rows(run, condition, values, p, generator, sizes, theory):
    """Table rows of an error curve against T; returns its mean and standard
    error.

    The standard error is at least the bound ``sqrt(sum_i p_i^2 u_i (1 -
    u_i) / R)``, ``u_i = (1 - q_i)^T`` the chance that token ``i`` is unseen
    (the unseen indicators of a multinomial sample are negatively associated,
    so their weighted sum varies less than if independent): on a plateau every
    repeat may see the same tokens, and a spread of 0 across the repeats says
    nothing of the rare misses the expectation counts. And at least ``1e-12``
    of the value (rounding).
    """
    from ._base import mean_and_se

    mean, se = mean_and_se(values)
    n_repeats = values.shape[0]
    for j, T in enumerate(sizes):
        unseen = (1 - generator) ** int(T)
        bound = np.sqrt(np.sum(p**2 * unseen * (1 - unseen)) / n_repeats)
        se[j] = max(se[j], bound, 1e-12 * abs(mean[j]))
    run.table.add(condition, sizes, "error_vs_T", mean, se, theory)
    return mean, se


def _tail_mass(n_categories, exponent, k):
    """``sum_{i>k} p_i`` of the Zipf law on ``n_categories`` tokens."""
    from ..datasets import _zipf_probabilities

    return float(np.sum(_zipf_probabilities(n_categories, exponent)[k:]))


def _words(run, words, sizes, checked, memoriser):
    """The clean and top-100 memorisers on English word frequencies; returns
    the Zipf exponent fitted to them (None when not run)."""
    from scipy.optimize import minimize_scalar

    if words is False:
        return None
    try:
        from ..datasets import load_word_frequencies

        data = load_word_frequencies("en", n_words=20_000)
    except ImportError:
        if words is True:
            raise ImportError(
                "tale_of_tails(words=True) needs the optional dependency wordfreq: "
                "`pip install wordfreq` or `pip install skcollapse[data]`; "
                "words='auto' skips the word frequencies without it."
            ) from None
        return None
    p = np.asarray(data.frequencies, dtype=float)
    ranks = np.asarray(data.ranks, dtype=float)

    def cross_entropy(beta):
        return beta * np.sum(p * np.log(ranks)) + np.log(np.sum(ranks**-beta))

    fitted = float(minimize_scalar(cross_entropy, bounds=(0.1, 5), method="bounded").x)
    for condition, k in (("words, clean", None), ("words, top_k=100", 100)):
        q = p if k is None else _generator(p, top_k=k)
        values = _memorised(run, memoriser, p, q, sizes)
        exact = np.array([np.sum(p * (1 - q) ** int(T)) for T in sizes])
        mean, se = _error_rows(run, condition, values, p, q, sizes, exact)
        for j in checked:
            run.check("mean", f"E, {condition}, T={sizes[j]}", mean[j], se[j], exact[j])
    zipf_fit = zipf_error(0, n_train=sizes, exponent=fitted, n_categories=len(p))[0]
    run.table.add(
        f"words, Zipf law beta={fitted:.2f}",
        sizes,
        "error_vs_T",
        np.nan,
        np.nan,
        zipf_fit,
    )
    return fitted


def _plot_tails(result, ax):
    """The scaling laws: error against T, every regime, theory dashed."""
    table = result.table
    rows = table["quantity"] == "error_vs_T"
    conditions = [
        c for c in dict.fromkeys(table["condition"][rows]) if not c.startswith("words")
    ]
    for condition in conditions:
        these = rows & (table["condition"] == condition)
        T = table["generation"][these]
        mean = table["mean"][these]
        se = table["standard_error"][these]
        line = ax.errorbar(T, mean, yerr=2 * se, fmt="o", ms=4, label=condition)
        color = line[0].get_color()
        ax.plot(T, table["theory"][these], "--", color=color, lw=1)
    ax.plot([], [], "--", color="black", lw=1, label="theory (zipf_error)")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("training tokens T")
    ax.set_ylabel("test error (missing mass)")
    beta = result.params.get("exponent")
    ax.set_title(f"tale-of-tails: Zipf law, beta = {beta:g}")
    ax.legend(fontsize="x-small", ncol=2)
