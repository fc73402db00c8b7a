"""Shumailov et al.: a Gaussian refitted on its own samples
=========================================================

Shumailov et al. (Nature, 2024, Theorem 3.1) fit a one-dimensional Gaussian
on ``M`` samples, draw ``M`` samples from the fit, refit, and so on. The
fitted standard deviation shrinks in expectation, ``E sigma_n = sigma
a(M)^n`` with ``a(M) < 1``, the fitted mean wanders away from the truth
(``E (mu_n - mu)^2 = sigma^2 n / M``), and the Wasserstein-2 distance to the
truth grows: the model collapses towards a Dirac mass, however large ``M``.
:func:`skcollapse.experiments.shumailov_gaussian` runs the loop through
:class:`~skcollapse.RecursiveDensityRetrainer` over
:class:`~skcollapse.generative.GaussianDensity`, every repeat on its own real
sample of a :class:`~skcollapse.datasets.GaussianSource`, and checks the
three curves against :func:`skcollapse.theory.gaussian_refit`.
"""

# %%
# Run at quick scale (``M = 20``, 60 generations, 200 repeats) and print the
# checks, family-wise over the three quantities at four generations.
from skcollapse.experiments import shumailov_gaussian

result = shumailov_gaussian(scale="quick", random_state=0)
print("\n".join(result.format_checks()))

# %%
# The simulated means with two standard errors, the closed forms dashed.
result.plot()
assert result.passed, result
