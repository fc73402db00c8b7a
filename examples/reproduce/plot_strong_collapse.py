"""Dohmatob et al.: strong model collapse
=======================================

Dohmatob, Feng, Subramonian and Kempe (ICLR, 2025) train least squares once,
on real rows mixed with a constant share ``p2`` of synthetic rows whose true
coefficients are off by ``c``. However many rows are added, the test error on
real data does not go to zero: it levels off at ``p2^2 c^2``. Any constant
share of synthetic data, however small, leaves this plateau.
:func:`skcollapse.experiments.strong_collapse` draws both kinds of rows from
two :class:`~skcollapse.datasets.LinearSource` and checks the test risk
against :func:`skcollapse.theory.strong_collapse_error`.
"""

# %%
# Run at quick scale (``d = 20``, three training sizes, three shares ``p2``,
# 200 repeats) and print the checks, the plateau among them.
from skcollapse.experiments import strong_collapse

result = strong_collapse(scale="quick", random_state=0)
print("\n".join(result.format_checks()))

# %%
# The test risk against the training size for every share ``p2``.
result.plot()
assert result.passed, result
