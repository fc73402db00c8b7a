"""The batched categorical family against a CategoricalSource and a test set.

``collapse_curve(RecursiveDensityRetrainer(CategoricalDensity()),
source=CategoricalSource(p), n_samples=n)``: the real rows and seeds of the
refit path, generation 0 fitted batched, and every later generation's
``truth_`` and ``test_`` keys computed in arrays or through lightweight
fitted models.
"""

# Authors: The skcollapse developers
# SPDX-License-Identifier: BSD-3-Clause

import joblib
import numpy as np
import pytest
from sklearn.base import clone
from test_engine import (
    _curve,
    assert_same_distribution,
    assert_same_layout,
    same_source_rows_and_generation_zero,
)

from skcollapse import RecursiveDensityRetrainer
from skcollapse._engine import _chunk_input, resolve_engine
from skcollapse.datasets import CategoricalSource
from skcollapse.generative import CategoricalDensity
from skcollapse.model_selection import collapse_curve
from skcollapse.theory import categorical_collision
from skcollapse.utils._testing import assert_mc_agrees

ZIPF = CategoricalSource.zipf(11, 1.3)
SMALL = CategoricalSource([0.45, 0.3, 0.2, 0.05])
X_TEST = ZIPF.sample(19, random_state=7)
X_SMALL = SMALL.sample(13, random_state=8)
WEIGHTS = np.r_[0.0, np.random.RandomState(0).uniform(0.2, 2.0, size=16)]

SOURCED = [
    (
        RecursiveDensityRetrainer(CategoricalDensity(), n_generations=3),
        dict(source=ZIPF, n_samples=17, X_test=X_TEST),
    ),
    (
        # a given vocabulary wider than the source's (tokens 11 and 12 are
        # outside it: mass outside the vocabulary), smoothed, all metrics
        RecursiveDensityRetrainer(
            CategoricalDensity(categories=np.arange(13), alpha=0.35),
            n_generations=3, data="accumulate", metrics="all",
        ),
        dict(source=ZIPF, n_samples=15, X_test=X_TEST),
    ),
    (
        RecursiveDensityRetrainer(
            CategoricalDensity(temperature=0.8, top_k=3, alpha=0.5),
            n_generations=3, real_fraction=0.4, synthetic_size=1.3,
        ),
        dict(source=SMALL, n_samples=23, X_test=X_SMALL),
    ),
    (
        RecursiveDensityRetrainer(
            CategoricalDensity(top_p=0.9), n_generations=3,
            data="accumulate-subsample", temperature=1.2,
        ),
        dict(source=SMALL, n_samples=21, X_test=X_SMALL),
    ),
    (
        # weighted real tokens (one of weight 0), lighter synthetic ones
        RecursiveDensityRetrainer(
            CategoricalDensity(alpha=0.2), n_generations=3,
            synthetic_weight=0.6, metrics="all",
        ),
        dict(source=ZIPF, n_samples=17, X_test=X_TEST,
             params={"sample_weight": WEIGHTS}),
    ),
]  # fmt: skip
IDS = ["auto", "vocabulary-accumulate", "topk-real", "topp-subsample", "weighted"]


@pytest.mark.parametrize("estimator, kwargs", SOURCED, ids=IDS)
def test_source_rows_seeds_and_generation_zero_are_the_refit_paths(estimator, kwargs):
    # generation 0: the same real rows, the same fit (batched)
    evaluated = same_source_rows_and_generation_zero(
        estimator, rtol=1e-12, atol=1e-14, **kwargs
    )
    assert evaluated == [
        "truth_total_variation",
        "truth_kl",
        "truth_missing_mass",
        "truth_support_size",
        "test_log_likelihood",
    ]


def test_each_repeats_real_rows_are_the_refit_paths():
    # The rows the batched chunk fits generation 0 on are the rows the refit
    # path's repeat draws: source.sample(n, random_state=source_seeds[i]).
    estimator, kwargs = SOURCED[0]
    result = _curve(estimator, None, None, "batched", n_repeats=4, random_state=6,
                    **kwargs)  # fmt: skip
    family = resolve_engine("batched", estimator, None, None, {}, None, False)
    from skcollapse._engine import Evaluation

    evaluation = Evaluation(source=ZIPF, n_samples=17, name="x")
    real, models, records, _ = _chunk_input(
        estimator, None, None, result["seeds"], {}, ZIPF, evaluation, True
    )
    assert models is None and len(records) == 1
    for i, seed in enumerate(result["source_seeds"]):
        np.testing.assert_array_equal(
            real.X[i], ZIPF.sample(17, random_state=int(seed)).astype(float)
        )
    assert family.__name__ == "CategoricalFamily"


@pytest.mark.slow
@pytest.mark.parametrize("estimator, kwargs", SOURCED, ids=IDS)
def test_truth_and_test_keys_equal_in_distribution(estimator, kwargs):
    batched = _curve(estimator, None, None, "batched", n_repeats=300,
                     random_state=21, **kwargs)  # fmt: skip
    refit = _curve(estimator, None, None, "refit", n_repeats=300,
                   random_state=22, **kwargs)  # fmt: skip
    assert_same_layout(batched, refit)
    # every key and generation: means within 3 s.e. family-wise (Bonferroni),
    # the share of finite values (an infinite KL, a -inf log-likelihood) too
    assert_same_distribution(batched, refit)


def test_truth_keys_equal_in_distribution_fast():
    # The default tier: the fully synthetic loop of a four-token source.
    estimator = RecursiveDensityRetrainer(CategoricalDensity(), n_generations=4)
    kwargs = dict(source=SMALL, n_samples=27, X_test=X_SMALL)
    batched = _curve(estimator, None, None, "batched", n_repeats=400,
                     random_state=31, **kwargs)  # fmt: skip
    refit = _curve(estimator, None, None, "refit", n_repeats=150,
                   random_state=32, **kwargs)  # fmt: skip
    assert_same_layout(batched, refit)
    assert_same_distribution(batched, refit)


class _Plain(CategoricalSource):
    """Not exactly a CategoricalSource: evaluated through lightweight models."""


@pytest.mark.parametrize("estimator, kwargs", SOURCED, ids=IDS)
def test_array_evaluations_equal_the_lightweight_models(estimator, kwargs):
    # The same batched trajectories (same seed: the subclass draws the same
    # rows), scored in arrays and through each repeat's CategoricalDensity
    # clone with its fitted attributes set.
    kwargs = dict(kwargs)
    source = kwargs.pop("source")
    common = dict(n_repeats=7, random_state=5, **kwargs)
    arrays = _curve(estimator, None, None, source=source, **common)
    plain = _Plain(source.probabilities)
    models = _curve(estimator, None, None, source=plain,
                    scoring=lambda model, X, y: model.score(X), **common)  # fmt: skip
    assert set(arrays["engine"]) == set(models["engine"]) == {"batched"}
    truth = [k for k in arrays if k.startswith("truth_")]
    assert len(truth) == 4
    for key in truth + ["test_log_likelihood"]:
        np.testing.assert_allclose(arrays[key], models[key], rtol=1e-12, atol=1e-15,
                                   err_msg=key)  # fmt: skip
    np.testing.assert_allclose(
        arrays["test_log_likelihood"], models["test_score"], rtol=1e-12
    )
    for key in ("entropy", "collision", "support_size"):
        np.testing.assert_array_equal(arrays[key], models[key], key)


def test_lightweight_models_are_the_refit_fit():
    # A repeat's model from the batched problem equals CategoricalDensity
    # fitted on the same tokens (generation 0: the real rows).
    from skcollapse._engine import Evaluation
    from skcollapse._engine._categorical import CategoricalFamily

    for estimator, kwargs in SOURCED:
        seeds = np.array([4, 9, 13])
        n = kwargs["n_samples"]
        evaluation = Evaluation(source=kwargs["source"], n_samples=n, name="x")
        real, _, _, _ = _chunk_input(
            estimator, None, None, seeds, {}, kwargs["source"], evaluation, True
        )
        problem = CategoricalFamily(estimator, real, None, len(seeds))
        problem.first_generation()
        for i, model in enumerate(problem.models()):
            fitted = CategoricalDensity(**estimator.estimator.get_params()).fit(
                real.X[i]
            )
            np.testing.assert_array_equal(model.categories_, fitted.categories_)
            np.testing.assert_allclose(model.counts_, fitted.counts_, rtol=1e-15)
            np.testing.assert_allclose(
                model.probabilities_, fitted.probabilities_, rtol=1e-12
            )


def test_a_token_outside_a_given_vocabulary_is_the_refit_error():
    estimator = RecursiveDensityRetrainer(
        CategoricalDensity(categories=[0, 1, 2, 3]), n_generations=2
    )
    for engine in ("batched", "refit"):
        # ZIPF's tokens reach 10; the first repeat raises in both engines
        with pytest.raises(ValueError, match="not in `categories`"):
            _curve(estimator, None, None, engine, source=ZIPF, n_samples=40,
                   n_repeats=3, random_state=0)  # fmt: skip


@pytest.mark.parametrize("estimator, kwargs", SOURCED, ids=IDS)
def test_bit_identical_for_any_n_jobs_and_chunk(estimator, kwargs):
    # every metric: "wasserstein" too, though the chunk's support holds the
    # real tokens of all its repeats
    estimator = clone(estimator).set_params(metrics="all")
    reference = _curve(estimator, None, None, n_repeats=5, random_state=9, **kwargs)
    assert set(reference["engine"]) == {"batched"}
    for options in (dict(n_jobs=2), dict(n_jobs=2, chunk_size=1), dict(chunk_size=2)):
        with joblib.parallel_config(backend="threading"):
            other = _curve(estimator, None, None, n_repeats=5, random_state=9,
                           **kwargs, **options)  # fmt: skip
        for key in reference:
            if key != "fit_time":
                np.testing.assert_array_equal(reference[key], other[key], key)


@pytest.mark.slow
def test_bit_identical_with_loky_workers():
    estimator, kwargs = SOURCED[0]
    reference = _curve(estimator, None, None, n_repeats=6, random_state=2, **kwargs)
    other = _curve(estimator, None, None, n_repeats=6, random_state=2, n_jobs=2,
                   **kwargs)  # fmt: skip
    for key in reference:
        if key != "fit_time":
            np.testing.assert_array_equal(reference[key], other[key], key)


# ----------------------------------------------------------------------
# Against the closed forms, many repeats
# ----------------------------------------------------------------------
P_THEORY = np.array([0.37, 0.21, 0.17, 0.11, 0.07, 0.04, 0.02, 0.01])


@pytest.mark.slow
@pytest.mark.parametrize("real_fraction", [0.0, 1.0])
def test_seddik_collision_and_generation_zero_truth_at_many_repeats(real_fraction):
    # Each repeat draws its own N real tokens from p: the collision of
    # generation g is categorical_collision (Seddik et al.'s Theorems 1 and
    # 2, averaged over the real data), and generation 0's missing mass and
    # support size are sum_k p_k (1 - p_k)^N and sum_k 1 - (1 - p_k)^N.
    n_real, n_generations = 13, 6
    source = CategoricalSource(P_THEORY)
    estimator = RecursiveDensityRetrainer(
        CategoricalDensity(), n_generations=n_generations, real_fraction=real_fraction
    )
    result = _curve(estimator, None, None, "batched", source=source,
                    n_samples=n_real, n_repeats=20_000, random_state=17)  # fmt: skip
    expected = categorical_collision(
        n_generations, P_THEORY, n_real=n_real, real_fraction=real_fraction
    )
    assert_mc_agrees(result["collision"], expected, family_wise="bonferroni")
    absent = (1 - P_THEORY) ** n_real
    assert_mc_agrees(
        np.stack(
            [result["truth_missing_mass"][:, 0], result["truth_support_size"][:, 0]],
            axis=1,
        ),
        [np.sum(P_THEORY * absent), np.sum(1 - absent)],
        family_wise="bonferroni",
    )


def test_seddik_partially_synthetic_stays_refit():
    # measure= is called on each repeat's fitted estimator: refit under auto
    estimator = RecursiveDensityRetrainer(CategoricalDensity(), n_generations=2)
    result = collapse_curve(
        estimator, source=SMALL, n_samples=9, n_repeats=2, random_state=0,
        measure=lambda fitted: {"double": 2 * fitted.trajectory_["entropy"]},
    )  # fmt: skip
    assert list(result["engine"]) == ["refit", "refit"]
