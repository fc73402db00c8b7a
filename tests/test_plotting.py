"""Tests of CollapseCurveDisplay: it draws what it is given."""

import sys

import numpy as np
import pytest
from sklearn.base import BaseEstimator
from sklearn.datasets import make_regression
from sklearn.linear_model import Ridge

from skcollapse import RecursiveRetrainer
from skcollapse.model_selection import collapse_curve
from skcollapse.plotting import CollapseCurveDisplay

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def regression_data():
    return make_regression(n_samples=50, n_features=3, noise=5.0, random_state=0)


def fake_result(n_repeats=5, n_generations=4, seed=0, shift=0.0):
    """A collapse_curve-like result with known values."""
    rng = np.random.default_rng(seed)
    return {
        "generation": np.arange(n_generations + 1),
        "score_real": shift + rng.standard_normal((n_repeats, n_generations + 1)),
        "drift": rng.random((n_repeats, n_generations + 1)),
        "seeds": np.arange(n_repeats),
    }


def band_limits(collection, x):
    """Lower and upper limit of a fill_between band at each x."""
    vertices = np.concatenate([p.vertices for p in collection.get_paths()])
    low = [vertices[vertices[:, 0] == xi, 1].min() for xi in x]
    high = [vertices[vertices[:, 0] == xi, 1].max() for xi in x]
    return np.array(low), np.array(high)


def legend_texts(ax):
    return [text.get_text() for text in ax.get_legend().get_texts()]


# ----------------------------------------------------------------------
# matplotlib is optional
# ----------------------------------------------------------------------


@pytest.mark.parametrize("method", ["plot", "from_trajectories", "from_estimator"])
def test_missing_matplotlib_message(monkeypatch, method):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)

    class MustNotFit(BaseEstimator):
        def __init__(self, random_state=None):
            self.random_state = random_state

        def fit(self, X, y=None):  # pragma: no cover - must not be reached
            raise AssertionError("computed before checking matplotlib")

    match = r"requires matplotlib.*pip install skcollapse\[plot\]"
    with pytest.raises(ImportError, match=match):
        if method == "plot":
            result = fake_result()
            display = CollapseCurveDisplay(
                generations=result["generation"], trajectories=[result]
            )
            display.plot()
        elif method == "from_trajectories":
            CollapseCurveDisplay.from_trajectories(fake_result())
        else:
            CollapseCurveDisplay.from_estimator(MustNotFit(), np.zeros((3, 1)))


# ----------------------------------------------------------------------
# What is drawn
# ----------------------------------------------------------------------
def test_plot_std_band_draws_mean_and_std():
    result = fake_result()
    display = CollapseCurveDisplay(
        generations=result["generation"], trajectories=[result], names=["a"]
    )
    assert display.plot(key="score_real") is display

    values = result["score_real"]
    (line,) = display.lines_
    np.testing.assert_array_equal(line.get_xdata(), np.arange(5))
    np.testing.assert_allclose(line.get_ydata(), values.mean(axis=0))
    low, high = band_limits(display.fill_between_[0], np.arange(5))
    np.testing.assert_allclose(low, values.mean(axis=0) - values.std(axis=0))
    np.testing.assert_allclose(high, values.mean(axis=0) + values.std(axis=0))
    assert display.fill_between_[0].get_facecolor()[0][:3] == pytest.approx(
        matplotlib.colors.to_rgb(line.get_color())
    )

    assert display.ax_.get_xlabel() == "Generation"
    assert display.ax_.get_ylabel() == "score_real"
    assert display.figure_ is display.ax_.figure
    assert legend_texts(display.ax_) == ["a"]
    assert display.theory_lines_ is None


def test_plot_sem_band():
    result = fake_result(n_repeats=8)
    display = CollapseCurveDisplay.from_trajectories(result, key="drift", band="sem")
    values = result["drift"]
    sem = values.std(axis=0, ddof=1) / np.sqrt(8)
    low, high = band_limits(display.fill_between_[0], np.arange(5))
    np.testing.assert_allclose(low, values.mean(axis=0) - sem)
    np.testing.assert_allclose(high, values.mean(axis=0) + sem)


def test_plot_quantile_band():
    result = fake_result(n_repeats=21)
    display = CollapseCurveDisplay.from_trajectories(
        result, key="score_real", band=("quantile", 0.1, 0.9)
    )
    values = result["score_real"]
    np.testing.assert_allclose(display.lines_[0].get_ydata(), values.mean(axis=0))
    low, high = band_limits(display.fill_between_[0], np.arange(5))
    np.testing.assert_allclose(low, np.quantile(values, 0.1, axis=0))
    np.testing.assert_allclose(high, np.quantile(values, 0.9, axis=0))


def test_no_band():
    display = CollapseCurveDisplay.from_trajectories(fake_result(), band=None)
    assert display.fill_between_ is None
    assert len(display.lines_) == 1
    assert display.ax_.get_legend() is None  # one unnamed curve: no legend


def test_padded_repeats_are_left_out_of_later_generations():
    result = fake_result(n_repeats=4)
    values = result["score_real"]
    values[0, 3:] = np.nan  # repeat 0 stopped after generation 2
    values[:, 4] = np.nan  # no repeat reached generation 4
    display = CollapseCurveDisplay.from_trajectories(result)
    mean = display.lines_[0].get_ydata()
    np.testing.assert_allclose(mean[:3], values[:, :3].mean(axis=0))
    np.testing.assert_allclose(mean[3], values[1:, 3].mean())
    assert np.isnan(mean[4])
    low, high = band_limits(display.fill_between_[0], np.arange(4))
    np.testing.assert_allclose(high[3], mean[3] + values[1:, 3].std())


def test_theory_overlay_single_curve():
    result = fake_result()
    theory = np.linspace(0.0, 1.0, 5)
    display = CollapseCurveDisplay.from_trajectories(
        result, key="drift", theory=theory, theory_kw={"linewidth": 3}
    )
    (theory_line,) = display.theory_lines_
    np.testing.assert_array_equal(theory_line.get_xdata(), np.arange(5))
    np.testing.assert_allclose(theory_line.get_ydata(), theory)
    assert theory_line.get_linestyle() == "--"
    assert theory_line.get_linewidth() == 3
    assert matplotlib.colors.same_color(theory_line.get_color(), "black")
    assert legend_texts(display.ax_) == ["theory"]


def test_theory_overlay_per_curve_takes_the_curve_colour():
    results = {"replace": fake_result(seed=0), "accumulate": fake_result(seed=1)}
    theory = {"replace": np.arange(5.0), "accumulate": np.ones(5), "other": np.ones(3)}
    display = CollapseCurveDisplay.from_trajectories(
        results, key="drift", theory=theory
    )
    replace_line, accumulate_line = display.lines_
    theory_replace, theory_accumulate, theory_other = display.theory_lines_
    assert theory_replace.get_color() == replace_line.get_color()
    assert theory_accumulate.get_color() == accumulate_line.get_color()
    np.testing.assert_allclose(theory_replace.get_ydata(), np.arange(5.0))
    np.testing.assert_array_equal(theory_other.get_xdata(), np.arange(3))
    assert legend_texts(display.ax_) == [
        "replace",
        "accumulate",
        "replace (theory)",
        "accumulate (theory)",
        "other",
    ]


def test_several_curves_on_one_axis():
    a, b = fake_result(seed=0), fake_result(seed=1, n_generations=6, shift=5.0)
    display = CollapseCurveDisplay.from_trajectories([a, b], names=["A", "B"])
    assert len(display.lines_) == len(display.fill_between_) == 2
    np.testing.assert_allclose(
        display.lines_[0].get_ydata(), a["score_real"].mean(axis=0)
    )
    np.testing.assert_allclose(
        display.lines_[1].get_ydata(), b["score_real"].mean(axis=0)
    )
    np.testing.assert_array_equal(display.lines_[1].get_xdata(), np.arange(7))
    assert display.lines_[0].get_color() != display.lines_[1].get_color()
    assert legend_texts(display.ax_) == ["A", "B"]


def test_plot_on_given_axes_and_replot_another_key():
    _, (ax1, ax2) = plt.subplots(1, 2)
    result = fake_result()
    display = CollapseCurveDisplay.from_trajectories(result, ax=ax1)
    assert display.ax_ is ax1
    display.plot(ax=ax2, key="drift", line_kw={"marker": "o"}, ylabel="Drift")
    assert display.ax_ is ax2 and display.figure_ is ax1.figure
    np.testing.assert_allclose(
        display.lines_[0].get_ydata(), result["drift"].mean(axis=0)
    )
    assert display.lines_[0].get_marker() == "o"
    assert ax2.get_ylabel() == "Drift"


def test_fitted_trajectory_plots_as_one_repeat(regression_data):
    X, y = regression_data
    estimator = RecursiveRetrainer(Ridge(), n_generations=3, random_state=0).fit(X, y)
    display = CollapseCurveDisplay.from_trajectories(estimator.trajectory_)
    np.testing.assert_allclose(
        display.lines_[0].get_ydata(), estimator.trajectory_["score_real"]
    )
    np.testing.assert_array_equal(display.lines_[0].get_xdata(), np.arange(4))


# ----------------------------------------------------------------------
# from_estimator
# ----------------------------------------------------------------------
def test_from_estimator_draws_collapse_curve_means(regression_data):
    X, y = regression_data
    retrainer = RecursiveRetrainer(Ridge(), n_generations=3)
    display = CollapseCurveDisplay.from_estimator(
        retrainer, X, y, key="drift", n_repeats=4, random_state=0
    )
    expected = collapse_curve(retrainer, X, y, n_repeats=4, random_state=0)
    np.testing.assert_allclose(
        display.lines_[0].get_ydata(), expected["drift"].mean(axis=0)
    )
    assert legend_texts(display.ax_) == ["Ridge (replace)"]
    np.testing.assert_array_equal(display.trajectories[0]["seeds"], expected["seeds"])


def test_from_estimator_several_regimes(regression_data):
    X, y = regression_data
    regimes = {
        "replace": RecursiveRetrainer(Ridge(), n_generations=3),
        "accumulate": RecursiveRetrainer(Ridge(), n_generations=3, data="accumulate"),
    }
    display = CollapseCurveDisplay.from_estimator(
        regimes, X, y, n_repeats=3, random_state=0, theory={"replace": np.zeros(4)}
    )
    assert [line.get_label() for line in display.lines_] == list(regimes)
    assert legend_texts(display.ax_) == ["replace", "accumulate", "replace (theory)"]
    # an int random_state gives every regime the same seeds
    seeds = [result["seeds"] for result in display.trajectories]
    np.testing.assert_array_equal(seeds[0], seeds[1])
    assert display.ax_.get_ylabel() == "score_real"


def test_from_estimator_list_default_names(regression_data):
    X, y = regression_data
    estimators = [
        RecursiveRetrainer(Ridge(), n_generations=2),
        RecursiveRetrainer(Ridge(), n_generations=2, real_fraction=0.5),
        RecursiveRetrainer(Ridge(), n_generations=2, real_fraction=0.5),
    ]
    display = CollapseCurveDisplay.from_estimator(
        estimators, X, y, n_repeats=2, random_state=0, band=None
    )
    assert legend_texts(display.ax_) == [
        "Ridge (replace)",
        "Ridge (replace, real_fraction=0.5) #1",
        "Ridge (replace, real_fraction=0.5) #2",
    ]


# ----------------------------------------------------------------------
# Errors
# ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"key": "nope"}, r"key='nope' is not a trajectory key.*available keys"),
        ({"key": "seeds"}, r"'seeds'\] holds one value per repeat.*cannot be plotted"),
        ({"key": "generation"}, r"key='generation' is not a trajectory key"),
        ({"band": "iqr"}, "band must be"),
        ({"band": ("quantile", 0.9, 0.1)}, "band must be"),
        ({"band": ("quantile", 0.1)}, "band must be"),
        ({"theory": np.zeros((2, 5))}, "theory must be a 1-D array"),
    ],
)
def test_plot_errors(kwargs, match):
    result = fake_result()
    display = CollapseCurveDisplay(
        generations=result["generation"], trajectories=[result]
    )
    with pytest.raises(ValueError, match=match):
        display.plot(**kwargs)


def test_constructor_argument_errors():
    result = fake_result()
    with pytest.raises(ValueError, match="names has 2 labels for 1 curves"):
        CollapseCurveDisplay(
            generations=result["generation"], trajectories=[result], names=["a", "b"]
        ).plot()
    with pytest.raises(ValueError, match="generations has 2 arrays for 1 curves"):
        CollapseCurveDisplay(
            generations=[np.arange(5), np.arange(5)], trajectories=[result]
        ).plot()
    with pytest.raises(ValueError, match="trajectories must be a dict"):
        CollapseCurveDisplay(generations=np.arange(5), trajectories=[]).plot()
    with pytest.raises(ValueError, match="No default trajectory key"):
        CollapseCurveDisplay.from_trajectories({"drift": np.zeros((2, 3))})
    with pytest.raises(ValueError, match="names has 1 labels for 2 curves"):
        CollapseCurveDisplay.from_trajectories([result, result], names=["a"])


def test_available_keys_are_the_plottable_ones(regression_data):
    """The error lists what can be drawn: no seeds, fit_time, generation."""
    X, y = regression_data
    result = collapse_curve(
        RecursiveRetrainer(Ridge(), n_generations=2), X, y, n_repeats=2, random_state=0
    )
    with pytest.raises(ValueError, match="available keys") as info:
        CollapseCurveDisplay.from_trajectories(result, key="score_rael")
    listed = str(info.value)
    for key in ("score_real", "drift", "n_train"):
        assert repr(key) in listed
    for key in (
        "seeds",
        "fit_time",
        "n_generations",
        "collapse_generation",
        "generation",
    ):
        assert repr(key) not in listed, key
    with pytest.raises(ValueError, match="holds one value per repeat"):
        CollapseCurveDisplay.from_trajectories(result, key="fit_time")
    # a fitted trajectory_ (1-D arrays): every key but generation
    fitted = RecursiveRetrainer(Ridge(), n_generations=2, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="available keys") as info:
        CollapseCurveDisplay.from_trajectories(fitted.trajectory_, key="nope")
    assert "'drift'" in str(info.value) and "'generation'" not in str(info.value)


def test_non_numeric_key_cannot_be_plotted():
    result = fake_result()
    result["phase"] = np.full((5, 5), "a", dtype=object)
    with pytest.raises(ValueError, match=r"'phase'\] is not numeric"):
        CollapseCurveDisplay.from_trajectories(result, key="phase")


# ----------------------------------------------------------------------
# from_estimator checks everything before the first repeat
# ----------------------------------------------------------------------
@pytest.fixture
def no_collapse_curve(monkeypatch):
    """from_estimator must fail before computing any repeat."""

    def refuse(*args, **kwargs):  # pragma: no cover - must not be reached
        raise AssertionError("collapse_curve ran before the arguments were checked")

    monkeypatch.setattr("skcollapse.plotting.collapse_curve", refuse)


def test_from_estimator_typo_fails_before_computing(regression_data, no_collapse_curve):
    X, y = regression_data
    regimes = {
        "replace": RecursiveRetrainer(Ridge(), n_generations=50),
        "accumulate": RecursiveRetrainer(Ridge(), n_generations=50, data="accumulate"),
    }
    with pytest.raises(ValueError, match="key='drfit' is not a trajectory key") as info:
        CollapseCurveDisplay.from_estimator(regimes, X, y, key="drfit", n_repeats=1000)
    message = str(info.value)
    assert "the curve 'replace'" in message
    assert "'drift'" in message and "'score_real'" in message
    assert "'seeds'" not in message and "'fit_time'" not in message


def test_from_estimator_key_missing_from_one_regime(regression_data, no_collapse_curve):
    X, y = regression_data
    regimes = {
        "all": RecursiveRetrainer(Ridge(), n_generations=5),
        "drift only": RecursiveRetrainer(Ridge(), n_generations=5, metrics=["drift"]),
    }
    with pytest.raises(
        ValueError, match="not a trajectory key of the curve 'drift only'"
    ):
        CollapseCurveDisplay.from_estimator(regimes, X, y, key="score_real")
    with pytest.raises(ValueError, match="No default trajectory key"):
        CollapseCurveDisplay.from_estimator(regimes, X, y)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"band": "iqr"}, "band must be"),
        ({"theory": np.zeros((2, 5))}, "theory must be a 1-D array"),
        ({"theory": {"a": "curve"}}, "theory must be a 1-D array"),
    ],
)
def test_from_estimator_checks_plot_arguments_first(
    regression_data, no_collapse_curve, kwargs, match
):
    X, y = regression_data
    with pytest.raises(ValueError, match=match):
        CollapseCurveDisplay.from_estimator(
            RecursiveRetrainer(Ridge(), n_generations=3), X, y, **kwargs
        )


def _coef_norm(estimator):
    return {"coef_norm": [np.linalg.norm(e.coef_) for e in estimator.estimators_]}


def _needs_three_generations(estimator):
    return {"late": np.r_[np.nan, np.nan, 0.0, estimator.estimators_[3].coef_[:1]]}


def test_from_estimator_measure_keys(regression_data, no_collapse_curve):
    X, y = regression_data
    retrainer = RecursiveRetrainer(Ridge(), n_generations=3)
    with pytest.raises(ValueError, match="available keys.*'coef_norm'"):
        CollapseCurveDisplay.from_estimator(
            retrainer, X, y, key="coef_nrom", measure=_coef_norm
        )


def test_from_estimator_plots_a_measure_key(regression_data):
    X, y = regression_data
    retrainer = RecursiveRetrainer(Ridge(), n_generations=3)
    display = CollapseCurveDisplay.from_estimator(
        retrainer,
        X,
        y,
        key="coef_norm",
        measure=_coef_norm,
        n_repeats=2,
        random_state=0,
    )
    expected = collapse_curve(
        retrainer, X, y, n_repeats=2, random_state=0, measure=_coef_norm
    )
    np.testing.assert_allclose(
        display.lines_[0].get_ydata(), expected["coef_norm"].mean(axis=0)
    )


def test_from_estimator_measure_that_needs_the_full_run(regression_data):
    """A measure that fails on the one-generation probe: the key is checked
    after the repeats (as a plot of the results would)."""
    X, y = regression_data
    retrainer = RecursiveRetrainer(Ridge(), n_generations=3)
    display = CollapseCurveDisplay.from_estimator(
        retrainer, X, y, key="late", measure=_needs_three_generations, n_repeats=2
    )
    assert np.isfinite(display.lines_[0].get_ydata()[-1])
    with pytest.raises(ValueError, match="key='lat' is not a trajectory key"):
        CollapseCurveDisplay.from_estimator(
            retrainer, X, y, key="lat", measure=_needs_three_generations, n_repeats=2
        )


def test_from_estimator_density_default_key(no_collapse_curve):
    from sklearn.mixture import GaussianMixture

    from skcollapse import RecursiveDensityRetrainer

    X = np.random.default_rng(0).standard_normal((40, 2))
    density = RecursiveDensityRetrainer(GaussianMixture(), n_generations=4)
    with pytest.raises(ValueError, match="available keys.*'log_likelihood_real'"):
        CollapseCurveDisplay.from_estimator(density, X, key="score_real")
    # metrics without the default key: no default, said before computing
    with pytest.raises(ValueError, match="No default trajectory key.*'total_variance'"):
        CollapseCurveDisplay.from_estimator(
            density.set_params(metrics=["total_variance"]), X
        )


def test_from_estimator_probe_does_not_touch_the_estimator(regression_data):
    X, y = regression_data
    retrainer = RecursiveRetrainer(Ridge(), n_generations=2, verbose=0)
    CollapseCurveDisplay.from_estimator(retrainer, X, y, n_repeats=2, random_state=0)
    assert retrainer.n_generations == 2 and retrainer.random_state is None
    assert not hasattr(retrainer, "trajectory_")


@pytest.mark.parametrize("n_generations", [1, 5, 20, 37])
def test_ticks_only_at_generations_that_exist(n_generations):
    """Integer ticks, none in the margins: no 21 on a curve of 0..20, no 2.5."""
    display = CollapseCurveDisplay.from_trajectories(
        fake_result(n_generations=n_generations), key="drift"
    )
    display.figure_.canvas.draw()
    ticks = display.ax_.get_xticks()
    assert len(ticks) >= 2
    assert np.all(ticks == np.round(ticks))
    assert ticks.min() >= 0 and ticks.max() <= n_generations
    # A second, longer curve on the same axes widens the range.
    CollapseCurveDisplay.from_trajectories(
        fake_result(n_generations=n_generations + 8), key="drift", ax=display.ax_
    )
    display.figure_.canvas.draw()
    assert display.ax_.get_xticks().max() > n_generations


def test_save_figures_writes_numbered_pngs(tmp_path):
    from skcollapse.plotting import save_figures

    first = CollapseCurveDisplay.from_trajectories(fake_result(), key="drift")
    second = CollapseCurveDisplay.from_trajectories(fake_result(seed=1), key="drift")
    folder = tmp_path / "new" / "folder"
    paths = save_figures(folder, prefix="curves")
    assert [p.rsplit("/", 1)[-1] for p in paths] == ["curves_001.png", "curves_002.png"]
    for path in paths:
        assert open(path, "rb").read(8) == b"\x89PNG\r\n\x1a\n"
    # An explicit list keeps its order; anything else than a Figure is refused.
    paths = save_figures(str(folder), figures=[second.figure_, first.figure_])
    assert len(paths) == 2 and paths[0].endswith("figure_001.png")
    with pytest.raises(TypeError, match=r"figures\[1\] is a Axes"):
        save_figures(folder, figures=[first.figure_, first.ax_])
