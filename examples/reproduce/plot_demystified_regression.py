"""Dohmatob, Feng and Kempe: model collapse in regression, demystified
====================================================================

Dohmatob, Feng and Kempe (NeurIPS, 2024) chain regressions on *fresh*
Gaussian inputs, each generation labelled by the previous generation's
model plus noise. With ordinary least squares the test error grows linearly
in the generations, ``sigma^2 d / (T - d - 1) + n sigma_0^2 d / (T_0 - d -
1)``; over-parameterised and noise-free, each minimum-norm interpolator
forgets a share of the truth, ``1 - (T_0 / d)^(n + 1)``.

Their ridge setting keeps that OLS chain and, after ``n`` synthetic
generations, fits a *ridge* regression on fresh rows labelled by the
chain's ``n``-th model. Its risk has a closed form
(:func:`skcollapse.theory.linear_regression_error` with ``ridge=lam,
synthetic_ridge=0``), and the penalty that minimises it, ``lam*(n)``
(:func:`skcollapse.theory.optimal_ridge_penalty`), grows about linearly in
``n``: the errors of the models that labelled the data act as extra label
noise. Tuned once on clean data, a fixed penalty ``lam*(0)`` (what
cross-validation on the real data picks) lets the error grow linearly again;
the adaptive ``lam*(n)`` keeps it bounded (at the paper's sizes 0.913
against 2.95 at ``n = 20``).

The package's mitigation, :class:`~skcollapse.regularization.AdaptiveRegularization`,
applies the paper's rule to *every* generation of a ridge loop. There the
models that label the data are themselves shrunk, so the rule
over-penalises the first generations: the adaptive loop is worse than the
fixed one at generations 1 to 4, and better from generation 5 on. Both
claims ("adaptive below fixed at the last generation") are checked as
paired differences (the same rows, or the same seeds) above the family-wise
number of standard errors; every mean is checked against its closed form.

:func:`skcollapse.experiments.demystified_regression` runs every condition
through :class:`~skcollapse.RecursiveRetrainer` and
:func:`~skcollapse.model_selection.collapse_curve` (the ridge final fits are
a ``measure`` of the OLS chain).
"""

# %%
# Run at quick scale (OLS ``d = 10``, ``T = T_0 = 40``, ridge final fits on
# ``T = 25`` rows with ``lam = 0.1``; min-norm ``d = 20``, ``T = 10``; 8
# generations, 200 repeats) and print the checks.
from skcollapse.experiments import demystified_regression

result = demystified_regression(scale="quick", random_state=0)
print("\n".join(result.format_checks()))

# %%
# The optimal penalty of the final fit, generation by generation: it grows
# about linearly, as the paper says.
print([round(float(lam), 3) for lam in result.params["adaptive_penalty"]])

# %%
# Every excess risk per generation (log scale), the closed forms dashed.
result.plot()
assert result.passed, result
