"""The batched engine's family 2: RecursiveRetrainer over FrequencyClassifier
and DummyClassifier(strategy="prior") (Seddik et al.'s statistical language
model, one multinomial per context), against the refit path (two-sample
tests) and the closed forms of skcollapse.theory."""

import joblib
import numpy as np
import pytest
from sklearn.dummy import DummyClassifier
from test_engine import _curve
from test_engine import assert_same_distribution as _same_distribution
from test_engine import compare as _compare

from skcollapse import RecursiveRetrainer, theory
from skcollapse.generative import FrequencyClassifier, GaussianDensity
from skcollapse.model_selection import collapse_curve
from skcollapse.utils._testing import assert_mc_agrees

RNG = np.random.RandomState(7)
# 31 rows, 7 distinct contexts (two features), 4 string labels of unequal
# frequencies; the labels depend on the context
X_CTX = RNG.randint(0, 3, size=(31, 2)).astype(float)
X_CTX[X_CTX[:, 0] == 2, 1] = 1.0  # 7 contexts, some rare
Y_CTX = np.array(["a", "b", "c", "d"])[
    (X_CTX[:, 0].astype(int) + RNG.choice(4, size=31, p=[0.5, 0.25, 0.15, 0.1])) % 4
]
WEIGHTS_31 = RNG.uniform(0.2, 2.0, size=31)
WEIGHTS_31[4] = 0.0


def assert_same_distribution(batched, refit, n_se=3.0):
    """test_engine's two-sample comparison on values rounded to 9 decimals
    (these keys take few distinct values)."""
    _same_distribution(batched, refit, n_se, decimals=9)


def compare(estimator, X, y, n_repeats=100, **kwargs):
    """Batched and refit runs of ``estimator``: the same layout (keys in
    order, shapes, dtypes) and the same distribution."""
    return _compare(estimator, X, y, n_repeats, decimals=9, **kwargs)


def _collision_partial(p0, n_real, n, n_generations):
    """E collision of p_g = (N p0 + n phat_g) / (N + n) given p0 (Seddik et
    al., Theorem 2): E p_g = p0, E phat_i^2 = ((n - 1) E p_{g-1,i}^2 + p0_i) / n."""
    a, b = n_real / (n_real + n), n / (n_real + n)
    second, out = p0**2, []
    for _ in range(n_generations):
        phat2 = (second * (n - 1) + p0) / n
        second = a**2 * p0**2 + 2 * a * b * p0**2 + b**2 * phat2
        out.append(second.sum())
    return np.array(out)


def test_data_has_several_contexts_and_classes():
    contexts, counts = np.unique(X_CTX, axis=0, return_counts=True)
    assert len(contexts) == 7 and counts.min() >= 1
    assert len(np.unique(Y_CTX)) == 4


@pytest.mark.parametrize(
    "base", [FrequencyClassifier(alpha=0.2), DummyClassifier(strategy="prior")]
)
def test_auto_runs_batched(base):
    estimator = RecursiveRetrainer(base, n_generations=2)
    result = collapse_curve(estimator, X_CTX, Y_CTX, n_repeats=3, random_state=0)
    assert list(result["engine"]) == ["batched"] * 3


def test_frequency_replace_matches_refit():
    compare(
        RecursiveRetrainer(FrequencyClassifier(), n_generations=3, metrics="all"),
        X_CTX,
        Y_CTX,
        n_repeats=60,
    )


FREQUENCY_CASES = [
    (FrequencyClassifier(alpha=0.3),
     dict(temperature=0.6, inputs="bootstrap"), {}),
    (FrequencyClassifier(),
     dict(data="accumulate", real_fraction=0.4, synthetic_size=0.63,
          synthetic_weight=0.5),
     {"params": {"sample_weight": WEIGHTS_31}}),
    (FrequencyClassifier(alpha=0.1),
     dict(real_fraction=0.3, real_sampling="resample", synthetic_size=1.6,
          temperature=1.7), {}),
    (FrequencyClassifier(), dict(data="accumulate-subsample", synthetic_size=0.5),
     {}),
    (FrequencyClassifier(alpha=0.05),
     dict(data="accumulate-subsample", real_fraction=0.0, synthetic_size=1.3,
          inputs="bootstrap"), {}),
    (FrequencyClassifier(),
     dict(validation_fraction=0.3, inputs="bootstrap", real_fraction=0.5), {}),
    (FrequencyClassifier(alpha=0.2),
     dict(label_noise="argmax", data="accumulate", real_fraction=0.5,
          synthetic_size=0.45), {}),
    (DummyClassifier(strategy="prior"),
     dict(data="accumulate", inputs="bootstrap", synthetic_weight=2.0),
     {"params": {"sample_weight": WEIGHTS_31}}),
    (DummyClassifier(strategy="prior"),
     dict(temperature=1.7, real_fraction=0.5, synthetic_size=0.7), {}),
    (DummyClassifier(strategy="prior"),
     dict(label_noise="argmax", validation_fraction=0.25), {}),
]  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize("base, params, kwargs", FREQUENCY_CASES)
def test_frequency_regimes_match_refit(base, params, kwargs):
    estimator = RecursiveRetrainer(base, n_generations=5, metrics="all", **params)
    compare(estimator, X_CTX, Y_CTX, n_repeats=100, **kwargs)


# ----------------------------------------------------------------------
# Closed forms (Seddik et al., Theorems 1 and 2, per context)
# ----------------------------------------------------------------------
def _drift_squared(collision, first, multiplicity):
    """E drift_g^2 = sum_c (m_c / N) (E sum_k p_{g,c,k}^2 - |p0_c|^2): each
    context's distribution is a martingale (E p_g = p0), so
    E |p_g - p0|^2 = E |p_g|^2 - |p0|^2."""
    weight = multiplicity / multiplicity.sum()
    return np.sum(weight[:, None] * (collision - first[:, None]), axis=0)


def _contexts(X, y):
    contexts, index = np.unique(X, axis=0, return_inverse=True)
    index = index.ravel()
    classes, labels = np.unique(y, return_inverse=True)
    counts = np.zeros((len(contexts), len(classes)))
    np.add.at(counts, (index, labels), 1.0)
    multiplicity = counts.sum(axis=1)
    return counts / multiplicity[:, None], multiplicity.astype(int)


@pytest.mark.slow
@pytest.mark.parametrize("real_fraction", [0.0, 1.0])
@pytest.mark.parametrize(
    "base", [FrequencyClassifier(), DummyClassifier(strategy="prior")]
)
def test_drift_matches_theory(base, real_fraction):
    """Context c has m_c real rows and, with inputs="reuse" and as many
    synthetic rows as real ones, m_c synthetic rows per generation: its label
    distribution follows Seddik's loop with N = n = m_c from its real label
    frequencies p0_c (Theorem 1 fully synthetic, Theorem 2 with the real rows
    kept). The mean squared drift is the m_c-weighted sum of their collision
    gains over generation 0, at 20,000 repeats."""
    n_generations = 6
    estimator = RecursiveRetrainer(
        base, n_generations=n_generations, real_fraction=real_fraction,
        metrics="all",
    )  # fmt: skip
    result = _curve(estimator, X_CTX, Y_CTX, n_repeats=20_000, random_state=1)
    X = X_CTX[:, :1] * 0 if isinstance(base, DummyClassifier) else X_CTX
    p0, multiplicity = _contexts(X, Y_CTX)
    collision = np.array(
        [
            theory.categorical_collision(n_generations - 1, p, n_real=m)
            if real_fraction == 0
            else _collision_partial(p, m, m, n_generations)
            for p, m in zip(p0, multiplicity)
        ]
    )
    expected = _drift_squared(collision, np.sum(p0**2, axis=1), multiplicity)
    assert_mc_agrees(result["drift"][:, 1:] ** 2, expected, family_wise="bonferroni")


def test_drift_closed_form_is_not_trivial():
    """The closed form the theory test checks moves across generations and
    differs between the two regimes (a test that cannot fail checks
    nothing)."""
    p0, m = _contexts(X_CTX, Y_CTX)
    first = np.sum(p0**2, axis=1)
    full = _drift_squared(
        np.array([theory.categorical_collision(5, p, n_real=k) for p, k in zip(p0, m)]),
        first,
        m,
    )
    partial = _drift_squared(
        np.array([_collision_partial(p, k, k, 6) for p, k in zip(p0, m)]), first, m
    )
    assert np.all(np.diff(full) > 0) and full[0] > 0.05
    assert np.all(partial < full)


# ----------------------------------------------------------------------
# Degenerate states, reproducibility, errors
# ----------------------------------------------------------------------
def test_argmax_prior_collapses_to_one_class_as_refit():
    """DummyClassifier(prior) with argmax labels: one class from generation
    1 on (n_classes_train 1, prediction_std exactly 0), collapsed at
    generation 1 in both engines; stop_on_collapse stops there."""
    estimator = RecursiveRetrainer(
        DummyClassifier(strategy="prior"), n_generations=4, label_noise="argmax",
        metrics="all",
    )  # fmt: skip
    for stop in (False, True):
        estimator.set_params(stop_on_collapse=stop)
        b = _curve(estimator, X_CTX, Y_CTX, "batched", n_repeats=3, random_state=0)
        r = _curve(estimator, X_CTX, Y_CTX, "refit", n_repeats=3, random_state=0)
        keys = ("n_classes_train", "prediction_std", "drift", "score_real",
                "synthetic_error", "n_generations", "collapse_generation")  # fmt: skip
        for key in keys:
            np.testing.assert_allclose(b[key], r[key], rtol=1e-12, err_msg=key)
        assert list(b["termination_condition"]) == list(r["termination_condition"])
        assert b["n_classes_train"][0, 1] == 1


@pytest.mark.parametrize(
    "backend", ["threading", pytest.param("loky", marks=pytest.mark.slow)]
)
def test_bit_identical_for_any_n_jobs(backend):
    estimator = RecursiveRetrainer(
        FrequencyClassifier(alpha=0.1), n_generations=3, inputs="bootstrap",
        temperature=0.8, data="accumulate-subsample", metrics="all",
    )  # fmt: skip
    kwargs = dict(n_repeats=7, random_state=3, engine="batched")
    one = collapse_curve(estimator, X_CTX, Y_CTX, n_jobs=1, **kwargs)
    with joblib.parallel_config(backend=backend):
        two = collapse_curve(estimator, X_CTX, Y_CTX, n_jobs=2, chunk_size=2, **kwargs)
    for key in one:
        if key != "fit_time":
            np.testing.assert_array_equal(one[key], two[key], err_msg=key)


UNCOVERED = [
    (DummyClassifier(strategy="most_frequent"), {},
     "DummyClassifier(strategy='most_frequent')"),
    (DummyClassifier(strategy="stratified"), {},
     "DummyClassifier(strategy='stratified')"),
    (FrequencyClassifier(), {"inputs": GaussianDensity()}, "inputs=GaussianDensity()"),
]  # fmt: skip


@pytest.mark.parametrize("base, params, reason", UNCOVERED)
def test_uncovered_configurations(base, params, reason):
    estimator = RecursiveRetrainer(base, n_generations=2, **params)
    with pytest.raises(ValueError, match="engine='batched' does not cover") as info:
        collapse_curve(estimator, X_CTX, Y_CTX, n_repeats=2, random_state=0,
                       engine="batched")  # fmt: skip
    assert reason in str(info.value)
    result = collapse_curve(estimator, X_CTX, Y_CTX, n_repeats=2, random_state=0)
    assert list(result["engine"]) == ["refit", "refit"]


def test_chunk_is_bounded_by_the_state_and_the_result_does_not_change(monkeypatch):
    """Every repeat holds arrays of n_contexts x n_classes values: the chunk
    holds at most _STATE_VALUES of them per array (here 2 repeats: 7
    contexts x 4 classes x 2), and the result is the same."""
    from skcollapse._engine import _frequency

    estimator = RecursiveRetrainer(FrequencyClassifier(), n_generations=3)
    kwargs = dict(n_repeats=5, random_state=0, engine="batched")
    one = collapse_curve(estimator, X_CTX, Y_CTX, **kwargs)
    monkeypatch.setattr(_frequency, "_STATE_VALUES", 7 * 4 * 2)
    assert _frequency.FrequencyFamily.chunk_limit(estimator, X_CTX, Y_CTX) == 2
    small = collapse_curve(estimator, X_CTX, Y_CTX, **kwargs)
    for key in one:
        if key != "fit_time":
            np.testing.assert_array_equal(one[key], small[key], err_msg=key)


# ----------------------------------------------------------------------
# The categorical family's fast draws (the scale of issue 12)
# ----------------------------------------------------------------------
def test_categorical_draws_do_not_depend_on_the_chunk():
    """Narrow layouts draw by comparisons, one-token repeats are not
    searched and a chunk whose repeats are all absorbed at one token stops
    drawing: none of it depends on which repeats share a chunk (chunks of 1,
    3 and 8 repeats give the same numbers), and the repeats do collapse to
    one token within the run (so the absorbed paths are exercised)."""
    from skcollapse import RecursiveDensityRetrainer
    from skcollapse.generative import CategoricalDensity

    tokens = np.random.default_rng(0).integers(0, 7, size=(9, 1))
    estimator = RecursiveDensityRetrainer(
        CategoricalDensity(), n_generations=150, temperature=0.9, metrics="all"
    )
    kwargs = dict(n_repeats=8, random_state=0, engine="batched")
    runs = [
        collapse_curve(estimator, tokens, chunk_size=size, **kwargs)
        for size in (1, 3, 8)
    ]
    assert np.all(runs[0]["support_size"][:, -1] == 1)
    assert np.any(runs[0]["support_size"][:, 5] > 1)
    for other in runs[1:]:
        for key in runs[0]:
            if key != "fit_time":
                np.testing.assert_array_equal(runs[0][key], other[key], err_msg=key)
