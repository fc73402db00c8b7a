"""Tests written against the loop's surviving mutants (issue 16).

Each test here was written for mutants of ``skcollapse/_loop.py`` that the
rest of the suite let survive (``python tools/mutation.py loop``; the list
and the mutants judged equivalent are in ``tests/mutation_survivors.md``),
and checked against them: it fails with the mutant applied and passes
without. They test behaviour: the rows a check hands back, the rows and
weights a generation trains on, the whole text of a refusal.
"""

import re
import types

import numpy as np
import pytest
import scipy.sparse as sp
from test_loop import Guarded, ToyProblem, owner

from skcollapse._loop import check_rows, copy_data, run_generations
from skcollapse._problem import Batch, InputError, Synthesis
from skcollapse._random import SeedTable


@pytest.fixture
def X():
    return np.random.default_rng(5).normal(size=(9, 1))  # an odd count


def run(X, seed=0, problem=None, **params):
    return run_generations(
        owner(**params), Guarded(problem or ToyProblem(X)), SeedTable(seed)
    )


def _problem(X, y=None, classes=None):
    """What :func:`check_rows` reads of a problem: the real rows, the classes."""
    origin = np.zeros(X.shape[0], dtype=int)
    return types.SimpleNamespace(
        real=Batch(X=X, y=y, origin=origin),
        classes=None if classes is None else np.asarray(classes),
    )


# --------------------------------------------------------------------------
# check_rows: what a source or a correction returned
# --------------------------------------------------------------------------
WHAT = "correction (f) at generation 3"


def test_rows_for_dataframe_real_inputs_come_back_as_its_frame():
    pd = pytest.importorskip("pandas")
    real = pd.DataFrame({"a": [0.5, 1.5, 2.5], "b": [1.0, 2.0, 3.0]})
    rows = np.array([[1.25, -3.0], [7.0, 0.5], [2.0, 2.0]])
    X, y = check_rows(_problem(real), rows, None, 3, WHAT)
    assert y is None
    assert isinstance(X, pd.DataFrame) and list(X.columns) == ["a", "b"]
    np.testing.assert_array_equal(X.to_numpy(), rows)
    # a list of lists too; a frame with the real columns is returned as it is
    X, _ = check_rows(_problem(real), rows.tolist(), None, 3, WHAT)
    assert list(X.columns) == ["a", "b"]
    np.testing.assert_array_equal(X.to_numpy(), rows)
    frame = pd.DataFrame(rows, columns=["a", "b"])
    assert check_rows(_problem(real), frame, None, 3, WHAT)[0] is frame
    # the same frame two rows short is refused on its shape
    with pytest.raises(InputError, match=r"inputs of shape \(1, 2\); 3 rows"):
        check_rows(_problem(real), frame.iloc[:1], None, 3, WHAT)


def test_a_dataframe_with_other_columns_is_refused_in_full():
    pd = pytest.importorskip("pandas")
    real = pd.DataFrame({"a": [0.5, 1.5, 2.5], "b": [1.0, 2.0, 3.0]})
    frame = pd.DataFrame(np.ones((3, 2)), columns=["b", "a"])
    message = (
        f"{WHAT} returned a DataFrame with columns ['b', 'a']; "
        "the real data has ['a', 'b']."
    )
    with pytest.raises(InputError, match=f"^{re.escape(message)}$"):
        check_rows(_problem(real), frame, None, 3, WHAT)


def test_a_dataframe_of_text_for_dataframe_real_inputs_is_left_to_the_base():
    # frames are not checked for numbers (their columns may be categorical):
    # the base estimator that takes a frame judges its columns
    pd = pytest.importorskip("pandas")
    real = pd.DataFrame({"a": ["x", "y", "x"]})
    frame = pd.DataFrame({"a": ["y", "y", "z"]})
    assert check_rows(_problem(real), frame, None, 3, WHAT)[0] is frame


def test_rows_given_as_a_list_become_an_array_and_sparse_rows_stay_sparse():
    real = np.arange(12.0).reshape(4, 3)
    rows = [[0.5, 1.0, 2.0], [3.0, 4.0, 5.5], [6.0, 7.0, 8.0], [9.0, 1.0, 1.0]]
    X, _ = check_rows(_problem(real), rows, None, 4, WHAT)
    assert isinstance(X, np.ndarray)
    np.testing.assert_array_equal(X, rows)
    sparse = sp.csr_matrix(np.array(rows))
    X, _ = check_rows(_problem(real), sparse, None, 4, WHAT)
    assert X is sparse


def test_sparse_rows_are_checked_on_their_stored_values():
    real = np.zeros((4, 3))
    bad = sp.csr_matrix(np.array([[0, 1.0, 0], [0, 0, np.inf], [0, 0, 0], [2, 0, 0]]))
    message = (
        f"{WHAT} returned inputs with non-finite values (NaN or inf), "
        "which the estimator does not take."
    )
    with pytest.raises(InputError, match=f"^{re.escape(message)}$"):
        check_rows(_problem(real), bad, None, 4, WHAT)
    text = sp.csr_matrix(np.array([[0, 1], [1, 0], [0, 0], [1, 1]], dtype=bool))
    assert check_rows(_problem(np.zeros((4, 2))), text, None, 4, WHAT)[0] is text


def test_nan_inputs_are_refused_unless_the_estimator_takes_nan():
    real = np.zeros((3, 2))
    rows = np.array([[np.nan, 1.0], [2.0, 3.0], [4.0, 5.0]])
    message = (
        f"{WHAT} returned inputs with non-finite values (NaN or inf), "
        "which the estimator does not take."
    )
    with pytest.raises(InputError, match=f"^{re.escape(message)}$"):
        check_rows(_problem(real), rows, None, 3, WHAT)  # the default refuses
    X, _ = check_rows(_problem(real), rows, None, 3, WHAT, allow_nan=True)
    np.testing.assert_array_equal(X, rows)
    # inf is refused even where NaN is taken, and the message says no more
    rows[1, 1] = -np.inf
    message = f"{WHAT} returned inputs with non-finite values (NaN or inf)."
    with pytest.raises(InputError, match=f"^{re.escape(message)}$"):
        check_rows(_problem(real), rows, None, 3, WHAT, allow_nan=True)


@pytest.mark.parametrize("as_column", [False, True])
def test_one_dimensional_real_inputs_take_rows_as_a_column(as_column):
    real = np.array([0.5, 1.5, 2.5, 3.5, 4.5])  # one value per row (1-D)
    rows = np.array([9.0, 8.0, 7.5, 6.0, 5.0])
    X, _ = check_rows(
        _problem(real), rows[:, None] if as_column else rows, None, 5, WHAT
    )
    assert X.shape == (5,)
    np.testing.assert_array_equal(X, rows)
    with pytest.raises(InputError, match=r"inputs of shape \(5, 2\); 5 rows"):
        check_rows(_problem(real), np.ones((5, 2)), None, 5, WHAT)


def test_multi_output_targets_must_have_the_real_targets_columns():
    real, y_real = np.zeros((3, 2)), np.zeros((3, 2))
    y = np.array([[1.0, 2.0], [3.0, 4.0], [5.5, 6.0]])
    X, y_back = check_rows(_problem(real, y_real), np.ones((3, 2)), y, 3, WHAT)
    np.testing.assert_array_equal(y_back, y)
    message = (
        f"{WHAT} returned targets of shape (3,); shape (3, 2) (as the real "
        "targets) is needed."
    )
    with pytest.raises(InputError, match=f"^{re.escape(message)}$"):
        check_rows(_problem(real, y_real), np.ones((3, 2)), y[:, 0], 3, WHAT)


def test_unknown_labels_are_named_five_at_most():
    real, y_real = np.zeros((7, 1)), np.array([0, 1, 0, 1, 0, 1, 0])
    y = np.array([0, 2, 3, 4, 5, 6, 7])  # six labels the real data lacks
    message = (
        f"{WHAT} returned the label(s) [2, 3, 4, 5, 6], which the real data "
        "does not have; its classes are [0, 1]."
    )
    with pytest.raises(InputError, match=f"^{re.escape(message)}$"):
        check_rows(_problem(real, y_real, [0, 1]), np.ones((7, 1)), y, 7, WHAT)


# --------------------------------------------------------------------------
# corrections: the real labels (y_reference) follow unchanged inputs
# --------------------------------------------------------------------------
class _SparseReferenced(ToyProblem):
    """Sparse draws with real labels ``2 x`` (``y_reference``); the label
    error is their mean, so it is recorded exactly when the labels are kept."""

    def fit(self, estimator, batch):
        X = batch.X.toarray() if sp.issparse(batch.X) else np.asarray(batch.X)
        return estimator.fit(X)

    def synthesize(self, model, n_samples, rng, *, generation, n_candidates):
        batch = (
            super()
            .synthesize(
                model, n_samples, rng, generation=generation, n_candidates=n_candidates
            )
            .batch
        )
        X = sp.csr_matrix(batch.X)
        batch = Batch(X=X, origin=batch.origin, y_reference=2 * batch.X[:, 0])
        return Synthesis(batch, {"n_drawn": len(batch)})

    def measure(self, model, generation, train):
        if train is not None and sp.issparse(train.X):
            train = Batch(X=train.X.toarray(), origin=train.origin)
        return super().measure(model, generation, train)

    def label_error(self, y, y_reference):
        return float(np.mean(y_reference))


def test_a_correction_keeps_the_real_labels_of_unchanged_sparse_rows(X):
    def same(samples):
        return samples.copy()  # another matrix, the same values

    result = run(X, problem=_SparseReferenced(X), n_generations=2, correction=same)
    errors = result.trajectory["synthetic_error"]
    assert np.isnan(errors[0]) and np.all(np.isfinite(errors[1:]))
    assert np.all(errors[1:] != 0.0)

    def moved(samples):
        moved = samples.copy()
        moved.data = moved.data + 0.25  # the stored values move
        return moved

    result = run(X, problem=_SparseReferenced(X), n_generations=2, correction=moved)
    assert "synthetic_error" not in result.trajectory


# --------------------------------------------------------------------------
# copy_data
# --------------------------------------------------------------------------
def test_copy_data_uses_the_objects_own_copy_else_a_deep_copy():
    class Copies:
        def copy(self):
            return "own copy"

    assert copy_data(Copies()) == "own copy"
    nested = ([1.0, 2.0], [3.0, 4.5])  # a tuple has no copy(): a deep copy
    copied = copy_data(nested)
    copied[1][0] = -1.0
    assert copied == ([1.0, 2.0], [-1.0, 4.5]) and nested == ([1.0, 2.0], [3.0, 4.5])
    assert copy_data(None) is None


# --------------------------------------------------------------------------
# what a source or a correction returns: (X, y), or X
# --------------------------------------------------------------------------
def _regression(n=11):
    rng = np.random.default_rng(3)
    X = rng.standard_normal((n, 2))
    return X, X @ [1.5, -0.5] + 0.25 * rng.standard_normal(n)


@pytest.mark.parametrize(
    "returned, got",
    [
        (lambda X, y: (X, y, None), "tuple"),  # three parts, not two
        (lambda X, y: X, "ndarray"),
        (lambda X, y: X[:2], "ndarray"),  # an array of two rows is no pair
    ],
)
def test_a_supervised_correction_must_return_a_pair_in_full(returned, got):
    from sklearn.linear_model import LinearRegression

    from skcollapse import RecursiveRetrainer

    est = RecursiveRetrainer(LinearRegression(), n_generations=1, correction=returned)
    message = (
        "correction (<lambda>) at generation 1 must return a tuple (X, y) for a "
        f"supervised loop; got {got}."
    )
    with pytest.raises(InputError, match=f"^{re.escape(message)}$"):
        est.fit(*_regression())


def test_a_density_source_returning_an_empty_tuple_returns_no_inputs():
    from skcollapse import RecursiveDensityRetrainer
    from skcollapse.generative import GaussianDensity

    est = RecursiveDensityRetrainer(
        GaussianDensity(),
        n_generations=1,
        real_sampling="fresh",
        real_fraction=0.5,
        real_source=lambda n, seed: (),
    )
    message = "real_source (<lambda>) at generation 1 returned no inputs (None)."
    with pytest.raises(InputError, match=f"^{re.escape(message)}$"):
        est.fit(_regression()[0])


# --------------------------------------------------------------------------
# NaN in corrected rows: the estimator's tags decide
# --------------------------------------------------------------------------
def _nan_first_row(X_batch, y_batch):
    X_batch[0, 0] = np.nan
    return X_batch, y_batch


def test_corrected_rows_may_hold_nan_where_the_base_takes_nan():
    from sklearn.ensemble import HistGradientBoostingRegressor
    from sklearn.linear_model import LinearRegression

    from skcollapse import RecursiveRetrainer

    X, y = _regression()
    est = RecursiveRetrainer(
        HistGradientBoostingRegressor(max_iter=3, min_samples_leaf=2),
        n_generations=1,
        correction=_nan_first_row,
        random_state=0,
    ).fit(X, y)
    assert est.n_generations_ == 1
    est = RecursiveRetrainer(
        LinearRegression(), n_generations=1, correction=_nan_first_row
    )
    with pytest.raises(InputError, match="which the estimator does not take"):
        est.fit(X, y)


def test_an_owner_without_tags_takes_no_nan(X):
    # the loop's owner may be any object with the parameters (a namespace
    # here): without scikit-learn tags, NaN is refused
    def nan_first(samples):
        samples[0, 0] = np.nan
        return samples

    with pytest.raises(InputError, match="which the estimator does not take"):
        run(X, n_generations=1, correction=nan_first)


# --------------------------------------------------------------------------
# accumulate: the pool of rows
# --------------------------------------------------------------------------
class _Kept(ToyProblem):
    """ToyProblem that keeps a copy of every training set; ``draws`` makes
    the draws integers (``"int"``) or drops the real rows' weights."""

    def __init__(self, X, weight=None, draws="float"):
        super().__init__(X)
        self.real = Batch(X=X, origin=np.zeros(len(X), dtype=int), weight=weight)
        self.draws, self.trains = draws, []

    def fit(self, estimator, batch):
        weight = None if batch.weight is None else np.array(batch.weight)
        self.trains.append((np.array(batch.X), weight))
        return estimator.fit(batch.X)

    def synthesize(self, model, n_samples, rng, *, generation, n_candidates):
        synthesis = super().synthesize(
            model, n_samples, rng, generation=generation, n_candidates=n_candidates
        )
        if self.draws == "int":
            batch = synthesis.batch
            X = np.rint(10 * batch.X).astype(np.int64)
            synthesis = Synthesis(Batch(X=X, origin=batch.origin), synthesis.record)
        return synthesis


def test_integer_draws_never_truncate_the_pooled_float_rows(X):
    problem = _Kept(X, draws="int")
    run(X, problem=problem, n_generations=3, data="accumulate", synthetic_size=4)
    for g, (rows, _) in enumerate(problem.trains):
        assert rows.dtype == float and len(rows) == 9 + 4 * g
        np.testing.assert_array_equal(rows[:9], X)  # the real rows, not rounded
        assert np.all(rows[9:] == np.rint(rows[9:]))  # the draws, whole numbers


def test_unweighted_draws_pooled_with_weighted_real_rows_weigh_one(X):
    weight = np.linspace(0.5, 2.5, 9)
    problem = _Kept(X, weight=weight)
    run(X, problem=problem, n_generations=2, data="accumulate", synthetic_size=5)
    for g, (_, seen) in enumerate(problem.trains):
        np.testing.assert_array_equal(seen, np.r_[weight, np.ones(5 * g)])


def test_a_pool_that_starts_empty_grows_with_the_next_batches(X):
    # no real rows are kept and the verifier rejects generation 1's batch:
    # the pool starts from an empty batch, then takes every later batch
    calls = []

    def verifier(samples):
        calls.append(len(samples))
        return np.full(len(samples), -1.0 if len(calls) == 1 else 1.0)

    problem = _Kept(X)
    with pytest.warns(UserWarning, match="generation 1 has no training data"):
        result = run(
            X,
            problem=problem,
            n_generations=3,
            data="accumulate",
            real_fraction=0.0,
            synthetic_size=3,
            verifier=verifier,
            threshold=0.0,
        )
    np.testing.assert_array_equal(result.trajectory["n_train"], [9, 0, 3, 6])
    # fits of generations 0, 2, 3 (generation 1 kept generation 0's model)
    assert [len(rows) for rows, _ in problem.trains] == [9, 3, 6]
    np.testing.assert_array_equal(problem.trains[2][0][:3], problem.trains[1][0])


# --------------------------------------------------------------------------
# callable verifiers: how many arguments
# --------------------------------------------------------------------------
class _Labelled(ToyProblem):
    """ToyProblem whose verifier arguments are the inputs and their origins."""

    def verifier_arguments(self, batch):
        return batch.X, batch.origin


def test_a_verifier_with_an_optional_second_parameter_keeps_its_default(X):
    calls = []

    def verifier(samples, scale=2.5):
        calls.append(scale)
        return -np.abs(samples[:, 0])

    run(X, problem=_Labelled(X), n_generations=2, verifier=verifier, threshold=-9.0)
    assert calls == [2.5, 2.5]


# --------------------------------------------------------------------------
# verbose: the plain line's elapsed time
# --------------------------------------------------------------------------
def test_the_progress_lines_show_the_time_since_the_fit_began(X, capsys):
    import time

    start = time.perf_counter()
    run(X, n_generations=3, verbose=1)
    took = time.perf_counter() - start
    lines = capsys.readouterr().out.splitlines()
    elapsed = [float(re.search(r"\((\d+\.\d+)s\)", line).group(1)) for line in lines]
    assert len(elapsed) == 4
    assert elapsed == sorted(elapsed) and elapsed[-1] <= took + 0.005


# --------------------------------------------------------------------------
# verifier scores, real rows kept, collapse without a diversity
# --------------------------------------------------------------------------
def test_a_single_score_for_a_batch_is_refused_as_one_score(X):
    message = (
        "The verifier verifier returned 1 scores for 4 synthetic samples at "
        "generation 1: it must return one score per sample."
    )

    def verifier(samples):
        return np.float64(1.5)  # a scalar, not one score per row

    with pytest.raises(InputError, match=f"^{re.escape(message)}$"):
        run(X, n_generations=1, synthetic_size=4, verifier=verifier, threshold=0.0)


@pytest.mark.parametrize("real_sampling", ["fixed", "resample"])
def test_a_real_fraction_of_one_row_keeps_one_real_row(X, real_sampling):
    # 9 rows at real_fraction 0.12: round(1.08) = 1 row, drawn among the 9
    problem = _Kept(X)
    result = run(
        X,
        problem=problem,
        n_generations=3,
        real_fraction=0.12,
        real_sampling=real_sampling,
        synthetic_size=5,
    )
    np.testing.assert_array_equal(result.trajectory["n_real"], [9, 1, 1, 1])
    np.testing.assert_array_equal(result.trajectory["n_train"], [9, 6, 6, 6])
    for rows, _ in problem.trains[1:]:
        assert rows[0, 0] in X[:, 0] and not np.isin(rows[1:, 0], X[:, 0]).any()


def test_a_problem_that_records_no_diversity_has_no_collapse_generation(X):
    class NoDiversity(ToyProblem):
        diversity_key = "entropy"  # never measured by the toy problem

    result = run(X, problem=NoDiversity(X), n_generations=2, stop_on_collapse=True)
    assert result.collapse_generation is None
    assert result.termination_condition == "max_generations"
    assert "entropy" not in result.trajectory


class _Halve:
    """A correction object without ``__name__``: it is named by its type."""

    def __call__(self, samples):
        return np.full((3, 2), np.nan)  # the wrong shape, so it is refused


def test_a_correction_object_is_named_by_its_type(X):
    message = (
        "correction (_Halve) at generation 1 returned inputs of shape (3, 2); "
        "4 rows of the real data's shape (4, 1) are needed."
    )
    with pytest.raises(InputError, match=f"^{re.escape(message)}$"):
        run(X, n_generations=1, synthetic_size=4, correction=_Halve())


# --------------------------------------------------------------------------
# the real rows kept, and their random streams
# --------------------------------------------------------------------------
@pytest.mark.parametrize("data", ["replace", "accumulate"])
def test_fixed_real_rows_are_drawn_from_generation_zeros_stream(X, data):
    from skcollapse._random import Stream

    # 9 rows at real_fraction 0.4: round(3.6) = 4 rows, the same in every
    # generation, drawn by the REAL_ROWS stream of generation 0's seeds
    problem = _Kept(X)
    run(X, seed=11, problem=problem, n_generations=3, real_fraction=0.4, data=data)
    rng = SeedTable(11).rng(0, Stream.REAL_ROWS)
    rows = np.sort(rng.choice(9, size=4, replace=False))
    for train, _ in problem.trains[1:]:
        np.testing.assert_array_equal(train[:4], X[rows])


def test_resampled_real_rows_are_drawn_from_each_generations_stream(X):
    from skcollapse._random import Stream

    problem = _Kept(X)
    run(
        X,
        seed=11,
        problem=problem,
        n_generations=3,
        real_fraction=0.4,
        real_sampling="resample",
    )
    for g, (train, _) in enumerate(problem.trains[1:], start=1):
        rng = SeedTable(11).rng(g, Stream.REAL_ROWS)
        np.testing.assert_array_equal(
            train[:4], X[np.sort(rng.choice(9, size=4, replace=False))]
        )


def test_accumulate_with_one_resampled_real_row_draws_it_anew(X):
    from skcollapse._random import Stream

    # real_fraction 0.12 of 9 rows: one real row, drawn again in every
    # generation, beside every batch so far
    problem = _Kept(X)
    run(
        X,
        seed=4,
        problem=problem,
        n_generations=4,
        real_fraction=0.12,
        real_sampling="resample",
        data="accumulate",
        synthetic_size=2,
    )
    for g, (train, _) in enumerate(problem.trains[1:], start=1):
        assert len(train) == 1 + 2 * g
        row = SeedTable(4).rng(g, Stream.REAL_ROWS).choice(9, size=1, replace=False)
        np.testing.assert_array_equal(train[0], X[row[0]])
        # the batches of earlier generations follow, in order
        for h in range(1, g):
            np.testing.assert_array_equal(
                train[1 + 2 * (h - 1) : 1 + 2 * h], problem.trains[h][0][-2:]
            )


def test_the_rounding_rule_reads_the_product_to_nine_decimals():
    from skcollapse._loop import round_count

    # 5 * 0.49999999992 = 2.4999999996: to 9 decimals 2.5, so 3 rows
    assert round_count(0.49999999992, 5) == 3
    # and 2.4999999994 is 2.499999999 to 9 decimals: 2 rows
    assert round_count(0.49999999988, 5) == 2


# --------------------------------------------------------------------------
# fresh real rows: the source's name, NaN
# --------------------------------------------------------------------------
class _Source:
    """A real source object (``sample``) drawing rows of the wrong width."""

    def sample(self, n_samples, random_state=None):
        return np.zeros((n_samples, 3))


def _wide(n_samples, seed):
    return np.zeros((n_samples, 3))


@pytest.mark.parametrize(
    "source, what",
    [(_Source(), "real_source (_Source).sample"), (_wide, "real_source (_wide)")],
)
def test_a_fresh_source_is_named_in_full(X, source, what):
    from skcollapse import RecursiveDensityRetrainer
    from skcollapse.generative import GaussianDensity

    est = RecursiveDensityRetrainer(
        GaussianDensity(),
        n_generations=1,
        real_sampling="fresh",
        real_fraction=0.5,
        real_source=source,
    )
    message = (
        f"{what} at generation 1 returned inputs of shape (5, 3); 5 rows of the "
        "real data's shape (5, 1) are needed."
    )
    with pytest.raises(InputError, match=f"^{re.escape(message)}$"):
        est.fit(X)


def test_fresh_rows_may_hold_nan_where_the_base_takes_nan():
    from sklearn.ensemble import HistGradientBoostingRegressor

    from skcollapse import RecursiveRetrainer

    X, y = _regression()

    def source(n_samples, seed):
        rows, targets = _regression(n_samples)
        rows[0, 1] = np.nan
        return rows, targets

    est = RecursiveRetrainer(
        HistGradientBoostingRegressor(max_iter=3, min_samples_leaf=2),
        n_generations=1,
        real_sampling="fresh",
        real_fraction=0.5,
        real_source=source,
        random_state=0,
    ).fit(X, y)
    assert est.trajectory_["n_real"].tolist() == [11, 6]


# --------------------------------------------------------------------------
# the verifier's clone and seed
# --------------------------------------------------------------------------
def test_a_verifier_estimator_is_a_clone_seeded_by_generation_zeros_stream(X):
    from sklearn.base import clone
    from test_loop import MeanModel

    from skcollapse._random import Stream, seed_estimator

    class Seen(ToyProblem):
        def fit_verifier(self, verifier):
            self.verifier = verifier
            return super().fit_verifier(verifier)

    given = MeanModel(random_state=None)
    problem = Seen(X)
    run(X, seed=13, problem=problem, n_generations=2, verifier=given, threshold=-9)
    expected = seed_estimator(clone(given), SeedTable(13).rng(0, Stream.VERIFY))
    assert problem.verifier is not given and given.random_state is None
    assert problem.verifier.random_state == expected.random_state
    assert isinstance(expected.random_state, int)


# --------------------------------------------------------------------------
# what a schedule sees (GenerationContext), and parameter validation
# --------------------------------------------------------------------------
class _Noisy(_Kept):
    """_Kept whose draws record a label-noise scale of 0.37 per generation."""

    def synthesize(self, model, n_samples, rng, *, generation, n_candidates):
        synthesis = super().synthesize(
            model, n_samples, rng, generation=generation, n_candidates=n_candidates
        )
        record = {**synthesis.record, "label_noise_scale": 0.37 * generation}
        return Synthesis(synthesis.batch, record)


def test_a_schedule_sees_every_field_of_its_generation(X):
    weight = np.linspace(0.5, 2.5, 9)
    problem = _Noisy(X, weight=weight)
    seen, history = [], []

    def schedule(context):
        seen.append(context)
        history.append(list(context.history["generation"]))  # the records so far
        return {"fail_below": 0}

    result = run(
        X,
        problem=problem,
        n_generations=3,
        real_fraction=0.4,
        synthetic_size=5,
        regularization=schedule,
        store_estimators=True,
    )
    assert [c.generation for c in seen] == [0, 1, 2, 3]
    assert [c.n_train for c in seen] == [9, 9, 9, 9]
    assert [c.n_real for c in seen] == [9, 4, 4, 4]
    assert all(c.n_real_total == 9 and c.data == "replace" for c in seen)
    assert np.isnan(seen[0].label_noise_scale)
    assert [c.label_noise_scale for c in seen[1:]] == [0.37, 0.74, 0.37 * 3]
    for g, context in enumerate(seen):
        np.testing.assert_array_equal(context.X, problem.trains[g][0])
        np.testing.assert_array_equal(context.sample_weight, problem.trains[g][1])
        assert context.y is None and context.real_y is None
        assert context.real_X is X and context.real_sample_weight is weight
        assert context.estimator is result.estimators[g]  # the model to be fitted
        assert context.previous is (None if g == 0 else result.estimators[g - 1])
        assert history[g] == list(range(g))


def test_the_base_estimators_parameters_are_validated_at_generation_zero():
    from sklearn.linear_model import Ridge

    from skcollapse import RecursiveRetrainer
    from skcollapse._compat import InvalidParameterError

    with pytest.raises(InvalidParameterError, match="'alpha' parameter of Ridge"):
        RecursiveRetrainer(Ridge(alpha=-1.5), n_generations=2).fit(*_regression())


def test_corrected_rows_keep_their_weights(X):
    from test_loop import _WeightedMean, _WeightedToy

    # draws weigh 0.3 each; the correction moves them and keeps the weights
    result = run(
        X,
        problem=_WeightedToy(X, np.arange(1.0, 10.0)),
        estimator=_WeightedMean(),
        n_generations=2,
        synthetic_size=5,
        correction=lambda samples: 1.5 * samples,
        store_estimators=True,
    )
    for model in result.estimators[1:]:
        np.testing.assert_array_equal(model.weight_seen_, np.full(5, 0.3))


def test_a_supervised_schedule_sees_the_labels_each_generation_trains_on():
    from conftest import RecordingRegression

    from skcollapse import RecursiveRetrainer

    X, y = _regression()
    seen = []

    def schedule(context):
        seen.append((np.array(context.y), context.real_y))
        return {"fit_intercept": True}

    est = RecursiveRetrainer(
        RecordingRegression(),
        n_generations=2,
        label_noise=0.5,
        regularization=schedule,
        random_state=1,
    )
    est.fit(X, y)
    for (labels, real_y), model in zip(seen, est.estimators_):
        np.testing.assert_array_equal(labels, model.y_seen_)
        np.testing.assert_array_equal(real_y, y)
    np.testing.assert_array_equal(seen[0][0], y)
    assert not np.array_equal(seen[2][0], y)


def test_a_schedule_value_rejected_after_generation_zero_is_named():
    from sklearn.linear_model import Ridge

    from skcollapse import RecursiveRetrainer

    # valid at generations 0 and 1 (1.0, 0.2), refused at generation 2 (-0.6)
    est = RecursiveRetrainer(
        Ridge(), n_generations=3, regularization={"alpha": lambda g, n: 1.0 - 0.8 * g}
    )
    with pytest.raises(ValueError, match=r"at generation 2, which Ridge rejects"):
        est.fit(*_regression())


def test_fine_tune_grows_every_counted_member_after_one_without_a_count():
    from sklearn.ensemble import RandomForestRegressor, VotingRegressor
    from sklearn.linear_model import SGDRegressor

    from skcollapse import RecursiveRetrainer

    # the first member warm-starts but has no count (SGD): the forest after
    # it still grows by its own 3 trees per generation
    base = VotingRegressor(
        [("a", SGDRegressor(max_iter=50, tol=None)),
         ("b", RandomForestRegressor(n_estimators=3, max_depth=2))]
    )  # fmt: skip
    est = RecursiveRetrainer(base, n_generations=2, fine_tune=True, random_state=0)
    est.fit(*_regression())
    assert [m.get_params()["b__n_estimators"] for m in est.estimators_] == [3, 6, 9]
    trees = [len(m.named_estimators_["b"].estimators_) for m in est.estimators_]
    assert trees == [3, 6, 9]
    assert base.get_params()["b__n_estimators"] == 3


def test_a_verifier_of_no_known_kind_is_refused_in_full(X):
    message = (
        "verifier must be None, an estimator with fit and predict_proba, predict "
        "or score_samples, or a callable (X, y) -> scores or (X) -> scores; got 0.5."
    )
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        run(X, n_generations=1, verifier=0.5)


# --------------------------------------------------------------------------
# the memory check, the synthesis stream, the trajectory's keys
# --------------------------------------------------------------------------
@pytest.mark.parametrize("n_generations, refused", [(0, False), (1, True)])
def test_the_memory_check_runs_when_a_batch_will_be_drawn(
    monkeypatch, X, n_generations, refused
):
    import skcollapse._loop

    # 9 rows of 8 bytes on a machine of 800 bytes: 101 rows do not fit
    monkeypatch.setattr(skcollapse._loop, "physical_memory", lambda: 800)
    params = {"n_generations": n_generations, "synthetic_size": 101}
    if refused:
        with pytest.raises(ValueError, match="GiB of memory"):
            run(X, **params)
    else:
        assert run(X, **params).n_generations == 0


def test_the_draws_consume_generation_zeros_synthesis_stream(X):
    from skcollapse._random import Stream

    problem = _Kept(X)
    run(X, seed=21, problem=problem, n_generations=2, synthetic_size=5)
    rng = SeedTable(21).rng(0, Stream.SYNTHESIS)
    mean = float(np.mean(X))
    for rows, _ in problem.trains[1:]:
        draws = mean + rng.standard_normal((5, 1))  # from the previous mean
        np.testing.assert_allclose(rows, draws, rtol=0, atol=1e-15)
        mean = float(np.mean(rows))


def test_the_trajectory_has_the_records_keys_and_no_others(X):
    result = run(X, n_generations=2, synthetic_size=4)
    assert set(result.trajectory) == {
        "generation", "n_rejected", "n_drawn", "n_train", "n_real",
        "n_synthetic", "mean", "spread",
    }  # fmt: skip
    np.testing.assert_array_equal(result.trajectory["generation"], [0, 1, 2])
    np.testing.assert_array_equal(result.trajectory["n_rejected"], [0, 0, 0])
    np.testing.assert_array_equal(result.trajectory["n_train"], [9, 4, 4])


# --------------------------------------------------------------------------
# a verifier that keeps one row, or none
# --------------------------------------------------------------------------
def test_a_training_set_of_one_row_is_fitted(X):
    import warnings

    problem = _Kept(X)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "no training data" warning
        result = run(X, problem=problem, n_generations=2, synthetic_size=5,
                     verifier=lambda s: -np.abs(s[:, 0]), keep_fraction=0.1,
                     store_estimators=True)  # fmt: skip
    np.testing.assert_array_equal(result.trajectory["n_train"], [9, 1, 1])
    for model, (rows, _) in zip(result.estimators[1:], problem.trains[1:]):
        assert rows.shape == (1, 1) and model.mean_ == rows[0, 0]


def test_the_warning_of_a_generation_without_training_data_in_full(X):
    from skcollapse import CollapseWarning

    message = (
        "SimpleNamespace: generation 1 has no training data (the verifier "
        "rejected every synthetic sample and no real data is kept); the previous "
        "generation's model is kept."
    )
    with pytest.warns(CollapseWarning, match=f"^{re.escape(message)}$"):
        result = run(X, n_generations=1, verifier=lambda s: -np.ones(len(s)),
                     threshold=0.0, store_estimators=True)  # fmt: skip
    assert result.estimators[1] is result.estimators[0]
    assert result.termination_condition == "max_generations"
    # nor does such a generation stop a loop that stops on collapse
    with pytest.warns(CollapseWarning, match="has no training data"):
        result = run(X, n_generations=2, verifier=lambda s: -np.ones(len(s)),
                     threshold=0.0, stop_on_collapse=True)  # fmt: skip
    assert result.termination_condition == "max_generations"
    assert result.n_generations == 2


def test_a_batch_of_exactly_the_machines_memory_fits(monkeypatch, X):
    import skcollapse._loop

    # 100 rows of 8 bytes on a machine of 800 bytes: drawn; and a single
    # real row is checked too (101 of its rows are refused)
    monkeypatch.setattr(skcollapse._loop, "physical_memory", lambda: 800)
    assert run(X, n_generations=1, synthetic_size=100).trajectory["n_train"][1] == 100
    with pytest.raises(ValueError, match="GiB of memory"):
        run(X[:1], n_generations=1, synthetic_size=101)


def test_a_failed_measure_is_named_in_the_degenerate_warning(X):
    from test_loop import FailingAt

    from skcollapse import CollapseWarning

    message = (
        "SimpleNamespace: collapse made the data of generation 2 too degenerate to "
        "fit (measure: ValueError: no spread); the loop stopped and keeps "
        "generation 1 as the fitted estimator (termination_condition_="
        "'degenerate')."
    )
    problem = FailingAt(X, "measure", 2, ValueError("no spread"))
    with pytest.warns(CollapseWarning, match=f"^{re.escape(message)}$"):
        result = run(X, problem=problem, n_generations=4)
    assert result.termination_condition == "degenerate"


def test_without_store_estimators_only_the_last_model_is_kept(X):
    result = run(X, n_generations=3, store_estimators=False)
    assert result.estimators[:3] == [None, None, None]
    assert result.estimators[3].mean_ == result.trajectory["mean"][3]


def test_the_memory_check_counts_the_real_rows_own_bytes(monkeypatch, X):
    import skcollapse._loop

    # float32 rows of one feature: 4 bytes a row, so 800 bytes hold 200 rows
    monkeypatch.setattr(skcollapse._loop, "physical_memory", lambda: 800)
    X32 = X.astype(np.float32)
    result = run(X32, problem=ToyProblem(X32), n_generations=1, synthetic_size=200)
    assert result.trajectory["n_train"][1] == 200
    with pytest.raises(ValueError, match="GiB of memory"):
        run(X32, problem=ToyProblem(X32), n_generations=1, synthetic_size=201)
    # where the machine's memory is unknown, nothing is refused
    monkeypatch.setattr(skcollapse._loop, "physical_memory", lambda: None)
    assert run(X, n_generations=1, synthetic_size=201).trajectory["n_train"][1] == 201


def test_a_failed_fit_is_named_in_the_degenerate_warning(X):
    from test_loop import MeanModel

    from skcollapse import CollapseWarning

    # generation 1 trains on 4 synthetic rows: fewer than the 5 the base needs
    message = (
        "SimpleNamespace: collapse made the data of generation 1 too degenerate to "
        "fit (fit: ValueError: 4 rows, fewer than 5); the loop stopped and keeps "
        "generation 0 as the fitted estimator (termination_condition_="
        "'degenerate')."
    )
    with pytest.warns(CollapseWarning, match=f"^{re.escape(message)}$"):
        result = run(X, estimator=MeanModel(fail_below=5), n_generations=2,
                     synthetic_size=4)  # fmt: skip
    assert result.termination_condition == "degenerate"
