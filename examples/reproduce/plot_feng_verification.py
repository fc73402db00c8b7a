"""Feng et al.: verification and the phase transition at p_eff = 1/2
===================================================================

Feng, Dohmatob, Yang, Charton and Kempe (2024) show that a model trained on
synthesized data that a *verifier* curates does not collapse, even when the
verifier is imperfect, as long as the labels it keeps are right more often
than wrong. On the two-class Gaussian mixture ``x | y ~ N(y mu, I)``, a
verifier that keeps a correct label with probability ``phi_c`` and a wrong
one with probability ``phi_w`` leaves labels of error
``p_eff = p phi_w / ((1 - p) phi_c + p phi_w)``
(:func:`skcollapse.verification.effective_error`), and the accuracy of the
linear classifier trained on them tends to the Bayes accuracy
``Phi(||mu||)`` when ``p_eff < 1/2`` and to ``1 - Phi(||mu||)`` when
``p_eff > 1/2``: a sharp transition, read from a measurable proxy.

:func:`skcollapse.experiments.feng_verification` runs the loop with
:class:`~skcollapse.RecursiveRetrainer` around a logistic regression, with
:class:`~skcollapse.verification.NoisyVerifier` over a grid of ratios
``phi_w / phi_c`` and without a verifier, and measures the proxy, the error
of the kept labels against the real ones (``"selected_error"``).
"""

# %%
# Run at quick scale (``n = 500``, ``d = 8``, ``||mu|| = 1``, 12
# generations, 20 repeats) and print the checks: ``p_eff`` at generation 1
# against its formula, the final accuracy against the limit of its side, the
# gain over the unverified loop (in standard errors, against the family-wise
# ``z``) and the rank correlation between the proxy and the final accuracy.
from skcollapse.experiments import feng_verification

result = feng_verification(scale="quick", random_state=0)
print("\n".join(result.format_checks()))

# %%
# Each point is one fit: its final accuracy against its proxy. The dashed
# step is the limit of Feng et al.; the dash-dotted line the mean final
# accuracy of the unverified loop, which drifts down from generation 0's.
result.plot()
assert result.passed, result
