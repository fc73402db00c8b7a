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

The theorem fits the variance without bias (``ddof=1``); the paper's public
code fits the maximum-likelihood estimate (``ddof=0``), whose second moment
shrinks too, ``E sigma_n^2 = sigma^2
((M-1)/M)^n``. Both are conditions of the run, each checked against its own
closed forms; the MLE collapses faster: at the last generation its ``E
sigma`` lies below the unbiased closed form, and the unbiased ``E sigma``
above the MLE closed form, each by more than the family-wise ``z`` standard
errors. (The two runs share their seeds, hence their draws: in every repeat
the MLE chain is the unbiased one shrunk by ``sqrt((M-1)/M)`` at every fit.)

The paper's second experiment refits a Gaussian mixture on its own samples:
the tails thin out and a small mode is lost. The truth here is ``0.9 N(0, 1)
+ 0.1 N(4, 0.5^2)``; every generation fits a two-component
:class:`~sklearn.mixture.GaussianMixture` on ``M' = 20`` samples of the
previous one, under ``data="replace"`` (the paper's loop) and
``data="accumulate"`` (every sample kept, the real ones included: Gerstgrasser
et al., 2024). Each fit's mass beyond the true 1% and 99% quantiles and near
the far mode is computed exactly from its parameters; a repeat has lost its
tails when that mass is below half the truth's (0.02), lost the far mode when
its mass there is below a quarter of the truth's. No closed form exists: the
checks are that, paired per repeat from generation 0 to the last, the share of
repeats that lost each grows by at least a quarter under ``"replace"`` and by
at most a quarter under ``"accumulate"``.
"""

# %%
# Run at quick scale (``M = 20``, 60 generations, 200 repeats per estimate;
# the mixture ``M' = 20``, 15 generations, 48 repeats per regime) and print
# the checks, family-wise over the three quantities of both estimates at four
# generations, the two MLE claims and the four mixture claims.
from skcollapse.experiments import shumailov_gaussian

result = shumailov_gaussian(scale="quick", random_state=0)
print("\n".join(result.format_checks()))

# %%
# Left, the simulated means with two standard errors (log scale; the unbiased
# estimate solid, the MLE dotted), the closed forms dashed.
# Right, the share of the mixture's repeats that lost their tails (solid) and
# the far mode (dotted): under ``"replace"`` almost every repeat has lost its
# tails within 15 generations, and most the far mode; under ``"accumulate"``
# the shares stay where generation 0's fit on 20 real samples left them.
result.plot()
assert result.passed, result
