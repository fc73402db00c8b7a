"""Tests of CollapseCurveResult: the collapse_curve result, kept and read back."""

import io
import json
import pickle
import sys

import numpy as np
import pytest
from sklearn.base import BaseEstimator
from sklearn.datasets import make_regression
from sklearn.linear_model import Ridge
from sklearn.utils import Bunch

from skcollapse import CollapseWarning, RecursiveRetrainer
from skcollapse.model_selection import CollapseCurveResult, collapse_curve

pd = pytest.importorskip("pandas")

N_GENERATIONS = 4


class StubRetrainer(BaseEstimator):
    """A meta-estimator whose trajectory holds every kind of value.

    Floats with infinities, integer counts, a boolean and a string per
    generation; seeds of odd parity stop after generation 2 ("degenerate"),
    so that their rows are padded.
    """

    def __init__(self, n_generations=N_GENERATIONS, random_state=None):
        self.n_generations = n_generations
        self.random_state = random_state

    def fit(self, X, y=None):
        rng = np.random.default_rng(self.random_state)
        stops = self.random_state % 2 == 1
        n = 2 if stops else self.n_generations
        value = rng.standard_normal(n + 1)
        value[0] = np.inf if stops else -np.inf
        self.trajectory_ = {
            "generation": np.arange(n + 1),
            "n_train": np.full(n + 1, len(X)),
            "value": value,
            "tiny": rng.standard_normal(n + 1) * 1e-300,
            "flag": np.arange(n + 1) % 2 == 0,
            "phase": np.array([f"g{g}" for g in range(n + 1)], dtype=object),
        }
        self.n_generations_ = n
        self.termination_condition_ = "degenerate" if stops else "max_generations"
        self.collapse_generation_ = 1 if stops else None
        return self


@pytest.fixture(scope="module")
def stub_result():
    with pytest.warns(CollapseWarning, match="stopped before generation"):
        result = collapse_curve(
            StubRetrainer(), np.zeros((7, 1)), n_repeats=6, random_state=0
        )
    # the fixture is useful only if it has padding and both conditions
    assert set(result["termination_condition"]) == {"degenerate", "max_generations"}
    return result


@pytest.fixture(scope="module")
def ridge_result():
    X, y = make_regression(n_samples=40, n_features=3, noise=5.0, random_state=0)
    return collapse_curve(
        RecursiveRetrainer(Ridge(), n_generations=3), X, y, n_repeats=3, random_state=0
    )


def assert_same_result(expected, got):
    """Same keys in the same order, same dtypes, shapes and values (NaN too)."""
    assert list(got) == [k for k in expected if k != "estimators"]
    for key in got:
        a, b = np.asarray(expected[key]), np.asarray(got[key])
        assert b.dtype == a.dtype, (key, a.dtype, b.dtype)
        assert b.shape == a.shape, key
        if a.dtype.kind == "f":
            np.testing.assert_array_equal(b, a, err_msg=key)  # NaN == NaN here
        else:
            assert a.tolist() == b.tolist(), key


def csv_round_trip(result):
    buffer = io.StringIO()
    result.to_csv(buffer)
    buffer.seek(0)
    return CollapseCurveResult.from_csv(buffer)


def json_round_trip(result):
    buffer = io.StringIO()
    result.to_json(buffer)
    buffer.seek(0)
    return CollapseCurveResult.from_json(buffer)


# ----------------------------------------------------------------------
# The result stays a Bunch
# ----------------------------------------------------------------------
def test_result_is_a_bunch_with_attribute_access(ridge_result):
    assert isinstance(ridge_result, CollapseCurveResult)
    assert isinstance(ridge_result, Bunch) and isinstance(ridge_result, dict)
    assert ridge_result.score_real is ridge_result["score_real"]
    assert "score_real" in dir(ridge_result) and "to_frame" in dir(ridge_result)
    restored = pickle.loads(pickle.dumps(ridge_result))
    assert type(restored) is CollapseCurveResult
    assert_same_result(ridge_result, restored)


def test_dataframe_of_the_result_fails_but_to_frame_works(ridge_result):
    """The reason for to_frame: pandas cannot take the 2-D entries."""
    with pytest.raises(ValueError):
        pd.DataFrame(ridge_result)
    assert isinstance(ridge_result.to_frame(), pd.DataFrame)


# ----------------------------------------------------------------------
# to_frame
# ----------------------------------------------------------------------
def test_to_frame_is_tidy(stub_result):
    frame = stub_result.to_frame()
    n_repeats, n_columns = stub_result["value"].shape
    assert len(frame) == n_repeats * n_columns
    trajectory_keys = ["n_train", "value", "tiny", "flag", "phase"]
    repeat_keys = [
        "seeds",
        "n_generations",
        "termination_condition",
        "collapse_generation",
        "fit_time",
        "engine",
    ]
    assert list(frame.columns) == [
        "repeat",
        "generation",
        *trajectory_keys,
        *repeat_keys,
    ]
    # row i * n_columns + g is repeat i, generation g
    np.testing.assert_array_equal(
        frame["repeat"], np.repeat(np.arange(n_repeats), n_columns)
    )
    np.testing.assert_array_equal(
        frame["generation"], np.tile(np.arange(n_columns), n_repeats)
    )
    for key in trajectory_keys:
        grid = frame[key].to_numpy().reshape(n_repeats, n_columns)
        assert grid.tolist() == stub_result[key].tolist() or np.array_equal(
            grid, stub_result[key], equal_nan=True
        ), key
    for key in repeat_keys:
        grid = frame[key].to_numpy().reshape(n_repeats, n_columns)
        for g in range(n_columns):
            np.testing.assert_array_equal(grid[:, g], stub_result[key], err_msg=key)
    # dtypes of the result, column by column
    assert frame["repeat"].dtype == frame["generation"].dtype == np.int64
    assert frame["seeds"].dtype == frame["n_generations"].dtype == np.int64
    for key in ("value", "n_train", "flag", "collapse_generation", "fit_time"):
        assert frame[key].dtype == np.float64, key
    assert frame["phase"].dtype == object
    assert frame["termination_condition"].dtype == object


def test_to_frame_keeps_padding(stub_result):
    frame = stub_result.to_frame()
    stopped = frame["termination_condition"] == "degenerate"
    late = frame["generation"] > 2
    assert (stopped & late).any()
    assert frame.loc[stopped & late, "value"].isna().all()
    assert frame.loc[stopped & late, "phase"].map(lambda v: v is None).all()
    assert frame.loc[~(stopped & late), "value"].notna().all()


def test_mean_curve_from_the_frame(ridge_result):
    means = ridge_result.to_frame().groupby("generation")["score_real"].mean()
    np.testing.assert_allclose(means, ridge_result["score_real"].mean(axis=0))


def test_to_frame_leaves_the_estimators_out():
    X, y = make_regression(n_samples=30, n_features=2, noise=5.0, random_state=0)
    result = collapse_curve(
        RecursiveRetrainer(Ridge(), n_generations=1),
        X,
        y,
        n_repeats=2,
        random_state=0,
        return_estimators=True,
    )
    assert "estimators" in result
    assert "estimators" not in result.to_frame().columns
    assert "estimators" not in csv_round_trip(result)
    assert "estimators" not in json_round_trip(result)


def test_to_frame_refuses_an_entry_of_another_shape(ridge_result):
    broken = CollapseCurveResult(**ridge_result)
    broken["odd"] = np.zeros((2, 2))
    with pytest.raises(ValueError, match=r"result\['odd'\] has shape \(2, 2\)"):
        broken.to_frame()
    with pytest.raises(ValueError, match="no 'generation' entry"):
        CollapseCurveResult(score_real=np.zeros((2, 3))).to_frame()


# ----------------------------------------------------------------------
# Round trips
# ----------------------------------------------------------------------
@pytest.mark.parametrize("round_trip", [csv_round_trip, json_round_trip])
def test_round_trip_real_result(ridge_result, round_trip):
    assert_same_result(ridge_result, round_trip(ridge_result))


def test_json_round_trip_every_kind_of_value(stub_result):
    """JSON keeps everything: infinities, tiny floats, padding, objects."""
    got = json_round_trip(stub_result)
    assert_same_result(stub_result, got)
    assert np.isposinf(got["value"][1, 0]) and np.isneginf(got["value"][0, 0])
    assert got["phase"][1, 4] is None and got["phase"][0, 4] == "g4"


def test_csv_round_trip_every_kind_of_value(stub_result):
    got = csv_round_trip(stub_result)
    assert_same_result(stub_result, got)
    # object padding is None again, not NaN; strings are str
    assert got["phase"][1, 4] is None and got["phase"][0, 4] == "g4"
    assert got["termination_condition"].tolist() == list(
        stub_result["termination_condition"]
    )


def test_frame_round_trip_in_any_row_order(stub_result):
    frame = stub_result.to_frame().sample(frac=1.0, random_state=0)
    assert_same_result(stub_result, CollapseCurveResult.from_frame(frame))


def test_filtered_frame_gives_nan_for_missing_rows(stub_result):
    frame = stub_result.to_frame()
    kept = frame[frame["value"].notna()]  # the padded rows dropped
    assert len(kept) < len(frame)
    got = CollapseCurveResult.from_frame(kept)
    assert_same_result(stub_result, got)


def test_to_csv_and_to_json_on_paths(tmp_path, ridge_result):
    ridge_result.to_csv(tmp_path / "curve.csv")
    ridge_result.to_json(str(tmp_path / "curve.json"))
    assert_same_result(
        ridge_result, CollapseCurveResult.from_csv(tmp_path / "curve.csv")
    )
    assert_same_result(
        ridge_result, CollapseCurveResult.from_json(str(tmp_path / "curve.json"))
    )
    header = (tmp_path / "curve.csv").read_text().splitlines()[0]
    assert header.startswith("repeat,generation,")


def test_json_is_strict(stub_result):
    """No NaN or Infinity tokens: any JSON parser reads the file."""
    buffer = io.StringIO()
    stub_result.to_json(buffer)

    def refuse(token):
        raise AssertionError(f"non-standard JSON token {token}")

    document = json.loads(buffer.getvalue(), parse_constant=refuse)
    assert document["format"] == "skcollapse.collapse_curve"
    entry = document["entries"]["value"]
    assert entry["shape"] == list(stub_result["value"].shape)
    assert entry["data"][1][0] == "inf" and entry["data"][1][4] is None


def test_json_needs_no_pandas(monkeypatch, ridge_result):
    monkeypatch.setitem(sys.modules, "pandas", None)
    assert_same_result(ridge_result, json_round_trip(ridge_result))
    with pytest.raises(
        ImportError, match=r"to_frame requires pandas.*skcollapse\[pandas\]"
    ):
        ridge_result.to_frame()
    with pytest.raises(ImportError, match="from_csv requires pandas"):
        CollapseCurveResult.from_csv(io.StringIO("repeat,generation\n0,0\n"))


def test_loaded_result_plots(ridge_result):
    pytest.importorskip("matplotlib")
    import matplotlib.pyplot as plt

    from skcollapse.plotting import CollapseCurveDisplay

    display = CollapseCurveDisplay.from_trajectories(
        {"saved": json_round_trip(ridge_result), "csv": csv_round_trip(ridge_result)}
    )
    for line in display.lines_:
        np.testing.assert_allclose(
            line.get_ydata(), ridge_result["score_real"].mean(axis=0)
        )
    plt.close("all")


# ----------------------------------------------------------------------
# Errors
# ----------------------------------------------------------------------
def test_from_frame_errors(ridge_result):
    frame = ridge_result.to_frame()
    with pytest.raises(TypeError, match="frame must be a pandas DataFrame"):
        CollapseCurveResult.from_frame({"repeat": [0]})
    with pytest.raises(ValueError, match="frame has no column 'generation'"):
        CollapseCurveResult.from_frame(frame.drop(columns="generation"))
    with pytest.raises(ValueError, match=r"frame\['repeat'\] must hold integers"):
        CollapseCurveResult.from_frame(frame.assign(repeat=frame["repeat"] + 0.5))
    with pytest.raises(ValueError, match="several rows for one"):
        CollapseCurveResult.from_frame(pd.concat([frame, frame.iloc[:1]]))
    changed = frame.copy()
    changed.loc[1, "seeds"] = 12345
    with pytest.raises(
        ValueError, match=r"frame\['seeds'\] holds one value per repeat"
    ):
        CollapseCurveResult.from_frame(changed)
    with pytest.raises(ValueError, match=r"frame\['n_generations'\] has missing"):
        CollapseCurveResult.from_frame(frame.assign(n_generations=np.nan))


def test_from_json_errors():
    with pytest.raises(ValueError, match="Not a collapse_curve result"):
        CollapseCurveResult.from_json(io.StringIO('{"a": 1}'))
    document = {"format": "skcollapse.collapse_curve", "format_version": 99}
    with pytest.raises(ValueError, match="format_version=99 is not supported"):
        CollapseCurveResult.from_json(io.StringIO(json.dumps(document)))
    document = {
        "format": "skcollapse.collapse_curve",
        "format_version": 1,
        "entries": {"x": {"dtype": "<f8", "shape": [2], "data": [1.0, "nan?"]}},
    }
    with pytest.raises(ValueError, match="Entry 'x' of the JSON document holds"):
        CollapseCurveResult.from_json(io.StringIO(json.dumps(document)))
    document["entries"] = {"x": {"dtype": "<f8", "shape": [3], "data": [1.0, 2.0]}}
    with pytest.raises(ValueError, match="not of its shape"):
        CollapseCurveResult.from_json(io.StringIO(json.dumps(document)))


def test_to_json_refuses_what_json_cannot_hold(ridge_result):
    result = CollapseCurveResult(**ridge_result)
    result["thing"] = np.array([object()] * 3, dtype=object)
    with pytest.raises(TypeError, match=r"result\['thing'\] holds a object"):
        result.to_json(io.StringIO())
