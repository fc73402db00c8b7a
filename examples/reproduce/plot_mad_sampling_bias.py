"""Alemohammad et al.: sampling bias makes a self-consuming loop go MAD
=====================================================================

Alemohammad et al. (ICLR, 2024) feed a generative model its own samples,
drawn with a sampling bias (a temperature ``lambda < 1`` that favours the
typical samples, as practitioners do for quality). For a Gaussian the
expected total variance falls geometrically, ``E tr Sigma_t = lambda^t tr
Sigma_0``: diversity is lost fast, and the loop "goes MAD".
:func:`skcollapse.experiments.mad_sampling_bias` runs it through
:class:`~skcollapse.RecursiveDensityRetrainer` with the ``temperature`` of
:class:`~skcollapse.generative.GaussianDensity` and checks the curve against
:func:`skcollapse.theory.gaussian_refit`.
"""

# %%
# Run at quick scale and print the checks.
from skcollapse.experiments import mad_sampling_bias

result = mad_sampling_bias(scale="quick", random_state=0)
print("\n".join(result.format_checks()))

# %%
# The total variance per generation, the closed form dashed.
result.plot()
assert result.passed, result
