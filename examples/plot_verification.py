"""Verified synthetic data: curation prevents collapse, up to a breakdown point
==============================================================================

A classifier refitted generation after generation on labels sampled from its
predecessor slowly loses its accuracy. Feng et al. (2024) show that a
*verifier* that keeps or drops each synthetic sample can stop the decline,
even when it is imperfect, and that what matters is one number: the error
rate of the labels it keeps, ``p_eff``. On the two-class Gaussian mixture
``x | y ~ N(y mu, I)``, the accuracy of a linear classifier trained on labels
of error ``p_eff`` tends to ``Phi(||mu||)`` (the Bayes accuracy) when
``p_eff < 1/2`` and to ``1 - Phi(||mu||)`` when ``p_eff > 1/2``.

Here we run :class:`~skcollapse.RecursiveRetrainer` around a logistic
regression with the ready verifiers of :mod:`skcollapse.verification`: an
oracle that knows the real labels, and
:class:`~skcollapse.verification.NoisyVerifier` of known keep rates
``phi_c`` (correct labels) and ``phi_w`` (wrong labels). The trajectory's
``"selected_error"`` is the measured ``p_eff``.
"""

# %%
# The loop and what we measure
# ----------------------------
# ``n = 100`` real samples in ``d = 10`` dimensions with ``||mu|| = 1``: the
# Bayes accuracy is ``Phi(1) = 0.84``. Every generation relabels the real
# inputs (``inputs="reuse"``, the default) with labels drawn from the previous
# generation's ``predict_proba``, so the loop knows the real label of every
# synthetic row and records the error rates of the synthetic labels before
# (``"synthetic_error"``) and after (``"selected_error"``) verification.
#
# For this mixture the accuracy of a linear rule ``sign(w'x + b)`` is known in
# closed form, so we measure it exactly instead of on a test set.
import matplotlib.pyplot as plt
import numpy as np
from scipy.stats import norm
from sklearn.linear_model import LogisticRegression

from skcollapse import RecursiveRetrainer
from skcollapse.datasets import make_gaussian_mixture
from skcollapse.experiments import feng_verification
from skcollapse.model_selection import collapse_curve
from skcollapse.plotting import CollapseCurveDisplay
from skcollapse.verification import (
    LabelLookup,
    NoisyVerifier,
    OracleVerifier,
    effective_error,
)


# sphinx_gallery_start_ignore
def _save_dir():
    """``python plot_<name>.py --save DIR`` writes the figures as PNG into DIR."""
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("--save", metavar="DIR", help="write the figures into DIR")
    return parser.parse_known_args()[0].save


SAVE_DIR = _save_dir()
# sphinx_gallery_end_ignore

n_samples, n_features, separation, n_generations = 100, 10, 1.0, 20
X, y = make_gaussian_mixture(n_samples, n_features, separation, random_state=0)
mu = np.full(n_features, separation / np.sqrt(n_features))
bayes = norm.cdf(separation)


def accuracy(coef, intercept, mu):
    """Accuracy of sign(w'x + b) on x | y ~ N(y mu, I), y = -1 or +1."""
    scale = np.linalg.norm(coef)
    margin = coef @ mu
    return 0.5 * (
        norm.cdf((margin + intercept) / scale) + norm.cdf((margin - intercept) / scale)
    )


class GenerationAccuracy:
    """``measure`` of collapse_curve: the exact accuracy of every generation."""

    def __init__(self, mu):
        self.mu = mu

    def __call__(self, retrainer):
        return {
            "accuracy": [
                accuracy(est.coef_.ravel(), est.intercept_[0], self.mu)
                for est in retrainer.estimators_
            ]
        }


# %%
# Verifiers of several qualities
# ------------------------------
# The truth of the oracle and the noisy verifiers is the real label of each
# row, looked up by :class:`~skcollapse.verification.LabelLookup`: this is the
# truth of the error rate ``p`` of Feng et al. and of ``"selected_error"``.
# A :class:`~skcollapse.verification.NoisyVerifier` scores 1 (keep) or 0
# (drop); ``threshold=0.5`` keeps the samples scored 1. Its decisions are
# seeded by ``random_state`` and the batch it scores, so every fit below is
# reproducible while every generation is verified anew.
truth = LabelLookup(X, y)
verifiers = {
    "no verifier": None,
    "oracle": OracleVerifier(truth),
    "phi_c=1, phi_w=0.3": NoisyVerifier(truth, 1.0, 0.3, random_state=0),
    "phi_c=1, phi_w=0.8": NoisyVerifier(truth, 1.0, 0.8, random_state=0),
    "phi_c=0.4, phi_w=1": NoisyVerifier(truth, 0.4, 1.0, random_state=0),
}

results = {}
for name, verifier in verifiers.items():
    retrainer = RecursiveRetrainer(
        LogisticRegression(solver="newton-cholesky"),
        n_generations=n_generations,
        label_noise="sample",
        verifier=verifier,
        threshold=None if verifier is None else 0.5,
    )
    results[name] = collapse_curve(
        retrainer,
        X,
        y,
        n_repeats=10,
        random_state=0,
        measure=GenerationAccuracy(mu),
    )

# %%
# Accuracy per generation
# -----------------------
# Without a verifier, every refit adds estimation noise to the direction of
# ``w`` and the noise accumulates: the accuracy drifts down from generation
# 0's. The oracle keeps only correct labels (``p_eff = 0``): every generation
# is fitted on real rows with their real labels and the accuracy stays where
# it started. The imperfect verifiers that prefer correct labels
# (``phi_w < phi_c``) slow the decline or stop it; the one that prefers wrong
# labels drives the model to the wrong side, towards ``1 - Phi(||mu||)``.
#
# The right panel shows the measured proxy, the error rate of the labels the
# verifier kept. It stays below 1/2 for the verifiers that hold the accuracy
# up and climbs above 1/2 for the one that ruins it.
fig, (ax_accuracy, ax_error) = plt.subplots(1, 2, figsize=(12, 4.5))
flat = np.full(n_generations + 1, bayes)
CollapseCurveDisplay.from_trajectories(
    results,
    key="accuracy",
    ax=ax_accuracy,
    band="sem",
    theory={"Phi(||mu||)": flat},
    theory_kw={"linestyle": ":", "color": "black"},
    ylabel="accuracy",
)
ax_accuracy.axhline(1 - bayes, color="black", linestyle="--", label="1 - Phi(||mu||)")
ax_accuracy.legend(fontsize="small")
ax_accuracy.set_title("Accuracy of each generation (mean over 10 fits)")
CollapseCurveDisplay.from_trajectories(
    results,
    key="selected_error",
    ax=ax_error,
    band="sem",
    theory={"p_eff = 1/2": np.full(n_generations + 1, 0.5)},
    theory_kw={"linestyle": ":", "color": "black"},
    ylabel="selected_error (measured p_eff)",
)
ax_error.legend(fontsize="small")
ax_error.set_title("Label error after verification")
fig.tight_layout()

# %%
# The proxy and its formula
# -------------------------
# :func:`~skcollapse.verification.effective_error` gives ``p_eff`` from the
# generator's error rate ``p`` and the keep rates. At generation 1, ``p`` is
# the measured ``"synthetic_error"`` (generation 0 was fitted on real data):
# the formula and the measurement agree.
proxy_table = {}
print(f"{'verifier':>20}  p (gen 1)  p_eff formula  p_eff measured  final accuracy")
for name, verifier in verifiers.items():
    result = results[name]
    p = result["synthetic_error"][:, 1]
    if verifier is None:
        keep_correct, keep_wrong = 1.0, 1.0
    elif isinstance(verifier, OracleVerifier):
        keep_correct, keep_wrong = 1.0, 0.0
    else:
        keep_correct, keep_wrong = verifier.keep_correct, verifier.keep_wrong
    predicted = effective_error(p, keep_correct, keep_wrong).mean()
    measured = result["selected_error"][:, 1].mean()
    final = result["accuracy"][:, -1].mean()
    proxy_table[name] = predicted, measured
    print(
        f"{name:>20}  {p.mean():9.3f}  {predicted:13.3f}  {measured:14.3f}"
        f"  {final:14.3f}"
    )

# %%
# The phase transition
# --------------------
# Now a grid of verifiers, from good (``phi_w / phi_c = 0.1``) to bad
# (``phi_w / phi_c = 10``), on ``n = 500`` samples in ``d = 8`` dimensions,
# through :func:`skcollapse.experiments.feng_verification` (the
# ``feng-verification`` experiment of ``python -m skcollapse reproduce``,
# which also checks the numbers: see its gallery page). Each point is one
# fit: its final accuracy against the mean of its measured ``p_eff`` over the
# 12 generations.
#
# The proxy splits the fits at 1/2: the accuracy is ``Phi(||mu||)`` when
# ``p_eff`` is well below 1/2 and ``1 - Phi(||mu||)`` above it; the fits of
# the verifier near the transition (``phi_w / phi_c = 1.6``) end in between,
# on their way to one side or the other. Note that the loop amplifies a bad
# verifier: once a generation is weakened, its sampled labels are noisier,
# ``p`` grows, and so does ``p_eff``. So a verifier whose ``p_eff`` is still
# below 1/2 at generation 1 (ratios a little above 1) can end on the wrong
# side: the proxy to watch is the one measured along the whole loop.
transition = feng_verification(scale="quick", random_state=0)
transition.plot()
table = transition.table
last = table["generation"] == transition.params["n_generations"]


def per_condition(quantity):
    """Mean over the fits of a quantity at the last generation, by verifier."""
    rows = last & (table["quantity"] == quantity)
    return dict(zip(table["condition"][rows], table["mean"][rows]))


mean_proxy, mean_final = per_condition("proxy"), per_condition("accuracy")
for condition, value in mean_proxy.items():
    print(
        f"{condition:>20}: mean p_eff {value:.3f}, final accuracy "
        f"{mean_final[condition]:.3f}"
    )

# %%
# What the figures show, checked
# ------------------------------
# The script stops with an error when one of these no longer holds (the test
# suite runs every example).
mean_accuracy = {name: r["accuracy"].mean(axis=0) for name, r in results.items()}
start = mean_accuracy["no verifier"][0]
assert mean_accuracy["no verifier"][-1] < start - 0.05, "no verifier: no decline"
assert abs(mean_accuracy["oracle"][-1] - start) < 0.01, "the oracle should hold on"
assert mean_accuracy["phi_c=1, phi_w=0.3"][-1] > mean_accuracy["no verifier"][-1] + 0.05
assert mean_accuracy["phi_c=0.4, phi_w=1"][-1] < 0.3, "a bad verifier: wrong side"
for name, (predicted, measured) in proxy_table.items():
    assert abs(predicted - measured) < 0.02, f"{name}: p_eff {measured:.3f} measured"
assert transition.passed, "\n".join(transition.format_checks())
good = [c for c, value in mean_proxy.items() if value < 0.3]
bad = [c for c, value in mean_proxy.items() if value > 0.6]
assert len(good) >= 2 and len(bad) >= 1, "both sides drawn"
for condition in good:
    assert abs(mean_final[condition] - bayes) < 0.02, f"{condition}: p_eff < 0.3"
for condition in bad:
    assert abs(mean_final[condition] - (1 - bayes)) < 0.02, f"{condition}: p_eff > 0.6"

# %%
# References
# ----------
# Y. Feng, E. Dohmatob, P. Yang, F. Charton and J. Kempe, "Beyond Model
# Collapse: Scaling Up with Synthesized Data Requires Verification", 2024.

# sphinx_gallery_start_ignore
if SAVE_DIR is not None:
    from skcollapse.plotting import save_figures

    save_figures(SAVE_DIR, prefix="plot_verification")
# sphinx_gallery_end_ignore
plt.show()
