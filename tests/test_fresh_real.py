"""``real_sampling="fresh"``: every generation draws its real part from ``real_source``.

The base estimators below record the data they were fitted on, so each
generation's training set can be read back row by row: its real part must be
the source's draw with the generation's own seed
(:attr:`~skcollapse._random.Stream.FRESH_REAL`), never the data passed to
``fit``.
"""

import numpy as np
import pytest
from conftest import RecordingGaussian, RecordingRegression
from scipy import stats
from sklearn.base import clone
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skcollapse import RecursiveDensityRetrainer, RecursiveRetrainer
from skcollapse._loop import round_count
from skcollapse._problem import InputError
from skcollapse._random import SeedTable, Stream
from skcollapse.datasets import GaussianSource, LinearSource

COEF = np.array([1.0, -2.0, 0.5])
N_REAL = 31  # real_fraction=0.5 keeps round(15.5) = 16 rows: halves up


class GaussianLinearSource:
    """x ~ N(shift, I), y = x'coef + N(0, noise^2): a tiny local source."""

    def __init__(self, coef=COEF, shift=5.0, noise=0.3):
        self.coef, self.shift, self.noise = np.asarray(coef), shift, noise

    def sample(self, n_samples, random_state=None):
        rng = np.random.default_rng(random_state)
        X = self.shift + rng.standard_normal((n_samples, len(self.coef)))
        return X, X @ self.coef + self.noise * rng.standard_normal(n_samples)


@pytest.fixture
def data():
    rng = np.random.default_rng(7)
    X = rng.standard_normal((N_REAL, 3))
    return X, X @ COEF + 0.3 * rng.standard_normal(N_REAL)


def fresh(estimator=None, **params):
    params = {
        "n_generations": 5,
        "real_sampling": "fresh",
        "real_source": GaussianLinearSource(),
        "real_fraction": 0.5,
        "random_state": 3,
        **params,
    }
    return RecursiveRetrainer(estimator or RecordingRegression(), **params)


def fresh_density(real_source, **params):
    """A density loop whose generations >= 1 draw their real part from
    ``real_source`` (the density counterpart of :func:`fresh`)."""
    return RecursiveDensityRetrainer(
        RecordingGaussian(), real_sampling="fresh", real_source=real_source, **params
    )


def test_the_real_part_is_the_sources_draw_with_the_generations_seed(data):
    X, y = data
    est = fresh().fit(X, y)
    n_keep = round_count(0.5, N_REAL)
    assert n_keep == 16
    np.testing.assert_array_equal(est.trajectory_["n_real"], [31] + [16] * 5)
    # generation 0: the data passed to fit, whole
    np.testing.assert_array_equal(est.estimators_[0].X_seen_, X)
    seeds = SeedTable(3)
    source = GaussianLinearSource()
    for g in range(1, 6):
        X_g, y_g = source.sample(n_keep, random_state=seeds.seed(g, Stream.FRESH_REAL))
        seen = est.estimators_[g]
        np.testing.assert_array_equal(seen.X_seen_[:n_keep], X_g)
        np.testing.assert_array_equal(seen.y_seen_[:n_keep], y_g)
        # the synthetic rows reuse the inputs passed to fit (inputs="reuse")
        np.testing.assert_array_equal(seen.X_seen_[n_keep:], X)
    # each generation's draw is its own
    firsts = {tuple(est.estimators_[g].X_seen_[0]) for g in range(1, 6)}
    assert len(firsts) == 5


def test_fresh_rows_follow_the_sources_distribution(data):
    X, y = data
    est = fresh(n_generations=12).fit(X, y)
    n_keep = 16
    rows = np.concatenate([e.X_seen_[:n_keep] for e in est.estimators_[1:]])
    # N(5, 1) in every coordinate (the data passed to fit is N(0, 1))
    for column in rows.T:
        assert stats.kstest(column, stats.norm(loc=5.0).cdf).pvalue > 1e-3
        assert stats.kstest(column, stats.norm(loc=0.0).cdf).pvalue < 1e-6
    # and the real part's labels are the source's labels, not the model's
    labels = np.concatenate([e.y_seen_[:n_keep] for e in est.estimators_[1:]])
    residual = labels - rows @ COEF
    assert abs(residual.std(ddof=1) - 0.3) < 0.05


def test_fresh_fits_are_reproducible_and_prefixes(data):
    X, y = data
    long = fresh(n_generations=6).fit(X, y).trajectory_
    again = fresh(n_generations=6).fit(X, y).trajectory_
    short = fresh(n_generations=2).fit(X, y).trajectory_
    other = fresh(n_generations=6, random_state=4).fit(X, y).trajectory_
    np.testing.assert_array_equal(long["drift"], again["drift"])
    np.testing.assert_array_equal(long["drift"][:3], short["drift"])
    assert not np.array_equal(long["drift"], other["drift"])


def test_a_callable_source_receives_the_count_and_an_integer_seed(data):
    X, y = data
    calls = []

    def source(n_samples, random_state):
        calls.append((n_samples, random_state))
        return GaussianLinearSource().sample(n_samples, random_state)

    est = fresh(real_source=source, n_generations=3).fit(X, y)
    seeds = SeedTable(3)
    assert calls == [(16, seeds.seed(g, Stream.FRESH_REAL)) for g in (1, 2, 3)]
    assert all(type(seed) is int for _, seed in calls)
    assert est.n_generations_ == 3


def test_fresh_rows_weigh_the_mean_real_weight(data):
    X, y = data
    weight = np.linspace(0.5, 2.5, N_REAL)
    est = fresh(synthetic_weight=0.25, n_generations=2).fit(X, y, sample_weight=weight)
    for g in (1, 2):
        seen = est.estimators_[g].weight_seen_
        np.testing.assert_allclose(seen[:16], np.mean(weight))
        np.testing.assert_allclose(seen[16:], 0.25 * weight)  # inputs reused
    # without sample_weight the fresh rows weigh 1, the synthetic ones 0.25
    est = fresh(synthetic_weight=0.25, n_generations=1).fit(X, y)
    np.testing.assert_array_equal(est.estimators_[1].weight_seen_[:16], 1.0)
    np.testing.assert_array_equal(est.estimators_[1].weight_seen_[16:], 0.25)


@pytest.mark.parametrize("data_regime", ["accumulate", "accumulate-subsample"])
def test_under_accumulate_only_the_synthetic_data_accumulates(data, data_regime):
    X, y = data
    est = fresh(data=data_regime, real_fraction=1.0, synthetic_size=7).fit(X, y)
    seeds = SeedTable(3)
    source = GaussianLinearSource()
    n_train = est.trajectory_["n_train"]
    if data_regime == "accumulate":
        np.testing.assert_array_equal(n_train, [31] + [31 + 7 * g for g in range(1, 6)])
    else:
        np.testing.assert_array_equal(n_train, [31] * 6)
    for g in range(1, 6):
        X_g, _ = source.sample(31, random_state=seeds.seed(g, Stream.FRESH_REAL))
        seen = est.estimators_[g].X_seen_
        # the real rows of generation g (whichever the subsample kept) are
        # all rows of generation g's own draw: earlier draws are gone
        real = seen[np.abs(seen.mean(axis=1) - 5.0) < 2.5]  # fresh rows sit at 5
        assert len(real) == est.trajectory_["n_real"][g]
        assert np.isin(real[:, 0], X_g[:, 0]).all()
    assert (
        np.count_nonzero(est.sample_generation_ == 0) == est.trajectory_["n_real"][-1]
    )


def test_metrics_on_the_real_data_use_the_data_passed_to_fit(data):
    X, y = data
    est = fresh(validation_fraction=0.2, n_generations=3).fit(X, y)
    # generation 0 trains on the data passed to fit less the validation split
    train = np.isin(X[:, 0], est.estimators_[0].X_seen_[:, 0])
    assert np.count_nonzero(train) == N_REAL - int(np.ceil(0.2 * N_REAL))
    for g, model in enumerate(est.estimators_):
        assert est.trajectory_["score_real"][g] == pytest.approx(
            model.score(X[train], y[train])
        )
        assert est.trajectory_["score_validation"][g] == pytest.approx(
            model.score(X[~train], y[~train])
        )
        if g:  # no fresh row comes from the held-out split
            assert not np.isin(model.X_seen_[:, 0], X[~train, 0]).any()


def test_a_fresh_density_loop(data):
    X, _ = data

    def shifted(n_samples, random_state):
        return 3.0 + np.random.default_rng(random_state).standard_normal((n_samples, 3))

    est = fresh_density(
        shifted, n_generations=4, real_fraction=1.0, synthetic_size=2, random_state=0
    ).fit(X)
    seeds = SeedTable(0)
    for g in range(1, 5):
        seen = est.estimators_[g].X_seen_
        np.testing.assert_array_equal(
            seen[:N_REAL], shifted(N_REAL, seeds.seed(g, Stream.FRESH_REAL))
        )
        assert len(seen) == N_REAL + 2
    # the model follows the source; mean_shift is measured from the data
    # passed to fit, whose mean is near 0
    assert np.all(np.abs(est.estimators_[-1].mean_ - 3.0) < 1.0)
    assert est.trajectory_["mean_shift"][-1] > 3.0


def test_a_density_loop_with_a_gaussian_source(data):
    X, _ = data
    source = GaussianSource(np.full(3, 3.0), np.eye(3))
    est = fresh_density(source, n_generations=3, real_fraction=0.5, random_state=1).fit(
        X
    )
    seeds = SeedTable(1)
    for g in range(1, 4):
        expected = source.sample(16, random_state=seeds.seed(g, Stream.FRESH_REAL))
        np.testing.assert_array_equal(est.estimators_[g].X_seen_[:16], expected)


def test_fresh_with_a_linear_source(data):
    X, y = data
    source = LinearSource(COEF, noise=0.3)
    est = fresh(LinearRegression(), real_source=source, n_generations=3).fit(X, y)
    assert est.trajectory_["n_real"].tolist() == [31, 16, 16, 16]
    # with 16 fresh rows of the true model in every generation the fit stays
    # close to the truth
    np.testing.assert_allclose(est.estimator_.coef_, COEF, atol=0.5)


def test_the_parameters_are_stored_untouched_and_cloned():
    source = GaussianLinearSource()
    est = fresh(real_source=source)
    assert est.get_params()["real_source"] is source
    assert clone(est).get_params()["real_source"] is not None
    assert clone(est).real_sampling == "fresh"


def test_a_classifier_loop_with_fresh_labels():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((41, 2))
    y = (X[:, 0] > 0).astype(int)

    def source(n_samples, random_state):
        r = np.random.default_rng(random_state)
        X_new = r.standard_normal((n_samples, 2))
        return X_new, (X_new[:, 0] > 0).astype(int)

    est = RecursiveRetrainer(
        make_pipeline(StandardScaler(), LogisticRegression()),
        n_generations=4,
        real_sampling="fresh",
        real_source=source,
        real_fraction=1.0,
        random_state=0,
    ).fit(X, y)
    assert est.termination_condition_ == "max_generations"
    assert est.trajectory_["score_real"][-1] > 0.8


# --------------------------------------------------------------------------
# errors
# --------------------------------------------------------------------------
@pytest.mark.parametrize(
    "params, match",
    [
        ({"real_sampling": "fixed"}, "real_source=.*only real_sampling='fresh'"),
        ({"real_sampling": "resample"}, "real_source=.*only real_sampling='fresh'"),
        ({"real_source": None}, "real_sampling='fresh'.*real_source=None"),
        ({"real_fraction": 0.0}, "real_fraction=0.0.*keeps no real rows"),
        ({"real_fraction": None}, "real_fraction=None.*keeps no real rows"),
    ],
)
def test_inconsistent_parameters_are_refused_before_any_work(data, params, match):
    X, y = data
    calls = []

    def source(n_samples, random_state):
        calls.append(n_samples)
        return GaussianLinearSource().sample(n_samples, random_state)

    est = fresh(**{"real_source": source, **params})
    with pytest.raises(ValueError, match=match):
        est.fit(X, y)
    assert not hasattr(est, "estimators_") and not calls


def test_fresh_with_accumulate_and_no_real_fraction_keeps_all_rows(data):
    # real_fraction=None means 1 under accumulate: fresh is accepted
    X, y = data
    est = fresh(data="accumulate", real_fraction=None, n_generations=2).fit(X, y)
    np.testing.assert_array_equal(est.trajectory_["n_real"], [31, 31, 31])


def _returning(value):
    def source(n_samples, random_state):
        return value(n_samples)

    return source


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda n: np.zeros((n, 3)), r"must return a tuple \(X, y\)"),
        (lambda n: (np.zeros((n, 2)), np.zeros(n)), r"inputs of shape \(16, 2\)"),
        (lambda n: (np.zeros((n + 1, 3)), np.zeros(n + 1)), r"shape \(17, 3\)"),
        (lambda n: (np.zeros((n, 3)), np.zeros((n, 2))), r"targets of shape \(16, 2\)"),
        (lambda n: (np.full((n, 3), np.nan), np.zeros(n)), "non-finite values"),
        (lambda n: (np.zeros((n, 3)), np.full(n, np.inf)), "non-finite targets"),
        (lambda n: (np.full((n, 3), "a"), np.zeros(n)), "dtype <U1"),
        (lambda n: (None, np.zeros(n)), "no inputs"),
        (lambda n: (np.zeros((n, 3)), None), "no targets"),
    ],
)
def test_what_the_source_returns_is_checked(data, make, match):
    X, y = data
    est = fresh(real_source=_returning(make))
    with pytest.raises(InputError, match=match) as info:
        est.fit(X, y)
    assert "real_source" in str(info.value) and "generation 1" in str(info.value)


def test_a_classifier_source_with_an_unknown_label_is_refused():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((20, 2))
    y = np.array([0, 1] * 10)
    est = RecursiveRetrainer(
        LogisticRegression(),
        real_sampling="fresh",
        real_source=lambda n, seed: (np.zeros((n, 2)), np.full(n, 2)),
        real_fraction=1.0,
    )
    with pytest.raises(InputError, match=r"label\(s\) \[2\].*classes are \[0, 1\]"):
        est.fit(X, y)


def test_a_density_source_must_match_the_features(data):
    X, _ = data
    est = fresh_density(lambda n, seed: np.zeros((n, 2)), real_fraction=1.0)
    with pytest.raises(InputError, match=r"real_source.*shape \(31, 2\)"):
        est.fit(X)
    # a tuple's first element is the samples (a sampler's (X, labels))
    est.set_params(real_source=lambda n, seed: (np.ones((n, 3)), np.zeros(n)))
    est.set_params(n_generations=1).fit(X)
    assert est.trajectory_["n_real"].tolist() == [31, 31]
