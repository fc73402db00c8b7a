"""Feng et al.: predicting eigenvalues from one's own predictions
==============================================================

The task of Feng et al. (2024): a network learns the eigenvalues of
symmetric matrices. Retrained on its own (noisy) predictions for fresh
matrices, generation after generation, it gets worse: model collapse. A
cheap verifier, which checks a guess without solving the problem, prevents
it: among several guesses per matrix, keep the one the verifier prefers.

:func:`skcollapse.experiments.feng_eigenvalues` runs this at laptop scale
with :class:`~skcollapse.RecursiveRetrainer` around a small
:class:`~sklearn.neural_network.MLPRegressor` on ``3 x 3`` matrices (input:
the upper triangle; output: the sorted eigenvalues), fresh random matrices
every generation (``inputs=`` a sampler), ``label_noise="residual"``, and,
for the verified loop, ``n_candidates=8`` guesses scored by the Newton step
``|p(lambda) / p'(lambda)|`` of the matrix's characteristic polynomial
(Faddeev-LeVerrier: matrix products and traces, no eigenvalue solver). The
verifier is imperfect: it checks that each guess is close to *an*
eigenvalue, not the multiplicities.
"""

# %%
# Run at quick scale (``n = 400`` matrices, 32 hidden units, 100 L-BFGS
# iterations, 4 generations, 4 repeats) and print the checks. There is no
# closed form: the checks compare the last generation's error with
# generation 0's (a ratio per repeat), against stated factors.
from skcollapse.experiments import feng_eigenvalues

result = feng_eigenvalues(scale="quick", random_state=0)
print("\n".join(result.format_checks()))

# %%
# Mean squared error of the eigenvalues on 2,000 fixed fresh matrices, per
# generation, with two standard errors: the unverified loop climbs, the
# verified one stays near generation 0.
result.plot()
assert result.passed, result
