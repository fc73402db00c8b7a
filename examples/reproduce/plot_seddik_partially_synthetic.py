"""Seddik et al.: real data keeps the model near its real fit
===========================================================

In Seddik et al.'s partially synthetic loop every generation keeps the same
``N`` real tokens and adds ``n`` tokens emitted by the previous generation.
The collision probability converges to a limit ``S_inf`` (their Theorem 2)
instead of 1, and the model drifts from its real fit by at most about
``sqrt(n (s - 1)) / N``: collapse is avoided when the synthetic data is much
smaller than the real data. :func:`skcollapse.experiments.seddik_partially_synthetic`
runs three ratios ``n / N`` and checks the curves and the drift bound.
"""

# %%
# Run at quick scale (``N = 50``, ``n`` in 5, 50 and 500, 20 generations,
# 200 repeats) and print the checks.
from skcollapse.experiments import seddik_partially_synthetic

result = seddik_partially_synthetic(scale="quick", random_state=0)
print("\n".join(result.format_checks()))

# %%
# The collision probability per generation for each ratio, Theorem 2 dashed.
result.plot()
assert result.passed, result
