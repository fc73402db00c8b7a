"""Seddik et al.: fully synthetic retraining ends in a Dirac mass
===============================================================

Seddik, Chen, Hayou, Youssef and Debbah (2024) model a language model for
one context as a categorical distribution over tokens, refitted on ``n``
tokens that the previous generation emitted. A token that no draw picks is
lost for ever, so the chain is absorbed in a Dirac mass. Their Theorem 1
gives the expected collision probability ``S_g = 1 - (1 - 1/n)^(g+1) (1 -
S_0)`` and bounds the probability of collapse and the time to absorption;
their Proposition 1 says the Dirac mass lands on token ``i`` with
probability ``p_i``. :func:`skcollapse.experiments.seddik_fully_synthetic`
runs the loop until absorption (``stop_on_collapse=True``) and checks all
four claims.
"""

# %%
# Run at quick scale (a Zipf law on 20 tokens, ``n`` in 10 and 20, 300
# repeats) and print the checks.
from skcollapse.experiments import seddik_fully_synthetic

result = seddik_fully_synthetic(scale="quick", random_state=0)
print("\n".join(result.format_checks()))

# %%
# The collision probability per generation, Theorem 1 dashed.
result.plot()
assert result.passed, result
