"""Dohmatob, Feng and Kempe: model collapse in regression, demystified
====================================================================

Dohmatob, Feng and Kempe (NeurIPS, 2024) chain regressions on *fresh*
Gaussian inputs, each generation labelled by the previous generation's
model plus noise. With ordinary least squares the test error grows linearly
in the generations, ``sigma^2 d / (T - d - 1) + n sigma_0^2 d / (T_0 - d -
1)``; over-parameterised and noise-free, each minimum-norm interpolator
forgets a share of the truth, ``1 - (T_0 / d)^(n + 1)``.
:func:`skcollapse.experiments.demystified_regression` runs both conditions
through :class:`~skcollapse.RecursiveRetrainer` and checks them against
:func:`skcollapse.theory.linear_regression_error` with ``design="fresh"``.
"""

# %%
# Run at quick scale (OLS ``d = 10``, ``T = 40``; min-norm ``d = 20``,
# ``T = 10``; 8 generations, 200 repeats) and print the checks.
from skcollapse.experiments import demystified_regression

result = demystified_regression(scale="quick", random_state=0)
print("\n".join(result.format_checks()))

# %%
# Both excess risks per generation, the closed forms dashed.
result.plot()
assert result.passed, result
