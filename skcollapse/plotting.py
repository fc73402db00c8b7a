"""Plots of collapse curves: the mean and spread of Monte Carlo trajectories.

matplotlib is imported inside the plotting calls only: importing this module
(or :mod:`skcollapse`) never imports it.
"""

import numbers
import os
import warnings
from collections.abc import Mapping
from numbers import Real

import numpy as np
from sklearn.base import clone

from ._compat import validate_params
from ._docstrings import Substitution
from ._params import Interval
from .model_selection import collapse_curve

__all__ = ["CollapseCurveDisplay", "save_figures"]

# Keys plotted when none is given, in order of preference.
_DEFAULT_KEYS = ("score_real", "log_likelihood_real")

# The plotting parameters that from_estimator and from_trajectories pass on
# to plot, documented once (placeholder %(plot_parameters)s).
_PLOT_PARAMETERS = """ax : matplotlib Axes, default=None
    Axes to plot on; ``None`` creates a figure and axes.

band : {"std", "sem"}, tuple ("quantile", low, high) or None, \
                default="std"
    Spread around the mean, see :meth:`plot`.

theory : array-like or dict, default=None
    Theory overlay, see :meth:`plot`.

line_kw, fill_between_kw, theory_kw : dict, default=None
    Keyword arguments of the lines, bands and theory lines, see
    :meth:`plot`.

ylabel : str, default=None
    Label of the y axis; ``None`` uses the key."""


class CollapseCurveDisplay:
    """Collapse curve visualisation: one trajectory key against the generation.

    For each curve (an estimator, a data regime), the mean over Monte Carlo
    repeats of one trajectory key is drawn as a line, with a band for the
    spread across repeats, and optionally the theoretical curve from
    :mod:`skcollapse.theory` as a dashed line.

    It is recommended to use :meth:`from_estimator` (computes the trajectories
    with :func:`~skcollapse.model_selection.collapse_curve`, then plots) or
    :meth:`from_trajectories` (plots results computed before) to create a
    display. All parameters are stored as attributes.

    Read more in the :ref:`User Guide <monte_carlo>`.

    Parameters
    ----------
    generations : ndarray of shape (n_generations + 1,) or list of such arrays
        The generation of each column of the trajectories: one array shared
        by every curve, or one per curve.

    trajectories : dict or list of dict
        One dict per curve mapping a trajectory key to an array of shape
        ``(n_repeats, n_generations + 1)``. A
        :func:`~skcollapse.model_selection.collapse_curve` result is such a
        dict; so is a fitted estimator's ``trajectory_``, whose 1-D arrays
        count as one repeat.

    names : list of str, default=None
        Legend label of each curve. ``None``: no labels.

    key : str, default=None
        The trajectory key :meth:`plot` draws when it is given none.
        ``None``: ``"score_real"`` (supervised) or ``"log_likelihood_real"``
        (density), whichever the trajectories have.

    Attributes
    ----------
    ax_ : matplotlib Axes
        Axes with the collapse curves.

    figure_ : matplotlib Figure
        Figure containing the axes.

    lines_ : list of matplotlib Line2D
        The mean line of each curve, in the order of ``trajectories``.

    fill_between_ : list of matplotlib PolyCollection or None
        The band of each curve; ``None`` when ``band=None``.

    theory_lines_ : list of matplotlib Line2D or None
        The theory overlays, in the order given; ``None`` without ``theory``.

    See Also
    --------
    skcollapse.model_selection.collapse_curve : Compute the trajectories.
    sklearn.model_selection.LearningCurveDisplay : The display this one
        follows.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from sklearn.datasets import make_regression
    >>> from sklearn.linear_model import Ridge
    >>> from skcollapse import RecursiveRetrainer
    >>> from skcollapse.model_selection import collapse_curve
    >>> from skcollapse.plotting import CollapseCurveDisplay
    >>> X, y = make_regression(n_samples=100, n_features=5, noise=10.0,
    ...                        random_state=0)
    >>> result = collapse_curve(RecursiveRetrainer(Ridge(), n_generations=5),
    ...                         X, y, n_repeats=4, random_state=0)
    >>> display = CollapseCurveDisplay(generations=result["generation"],
    ...                                trajectories=[result], names=["Ridge"])
    >>> display.plot(key="drift")
    <...>
    >>> plt.show()
    """

    def __init__(self, *, generations, trajectories, names=None, key=None):
        self.generations = generations
        self.trajectories = trajectories
        self.names = names
        self.key = key

    def plot(
        self,
        ax=None,
        *,
        key=None,
        band="std",
        theory=None,
        line_kw=None,
        fill_between_kw=None,
        theory_kw=None,
        ylabel=None,
    ):
        """Plot the mean of ``key`` per generation with a band and theory.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to plot on; ``None`` creates a figure and axes.

        key : str, default=None
            The trajectory key to plot; ``None`` uses the display's ``key``.

        band : {"std", "sem"}, tuple ("quantile", low, high) or None, \
                default="std"
            The spread drawn around each mean line, over the repeats:
            ``"std"``: mean +/- standard deviation; ``"sem"``: mean +/-
            standard error of the mean (to compare with a theory curve);
            ``("quantile", low, high)``: from the ``low`` to the ``high``
            quantile (``0 <= low < high <= 1``, e.g. ``("quantile", 0.1,
            0.9)``); ``None``: no band. Repeats that stopped early (NaN
            after their last generation) are left out of the generations they
            did not reach.

        theory : array-like of shape (n_generations + 1,) or dict, default=None
            Expected curve for generations ``0, 1, ...`` (for example from
            :func:`skcollapse.theory.linear_regression_error`), drawn as a
            dashed black line labelled "theory". A dict ``{label: curve}``
            draws several; a label equal to a curve's name takes that curve's
            colour and is shown as "<label> (theory)".

        line_kw : dict, default=None
            Keyword arguments of ``ax.plot`` for the mean lines.

        fill_between_kw : dict, default=None
            Keyword arguments of ``ax.fill_between`` for the bands (default:
            the line's colour, ``alpha=0.2``).

        theory_kw : dict, default=None
            Keyword arguments of ``ax.plot`` for the theory lines (default:
            ``linestyle="--"``).

        ylabel : str, default=None
            Label of the y axis; ``None`` uses the key.

        Returns
        -------
        display : CollapseCurveDisplay
            Object that stores computed values.
        """
        _check_matplotlib_support(f"{type(self).__name__}.plot")
        import matplotlib.pyplot as plt

        trajectories = _as_list(self.trajectories)
        generations = self._generations(len(trajectories))
        names = self._names(len(trajectories))
        key = _resolve_key(self.key if key is None else key, trajectories, names)
        band = _check_band(band)
        theory = _check_theory(theory)

        if ax is None:
            _, ax = plt.subplots()
        line_kw = {} if line_kw is None else line_kw
        fill_between_kw = {} if fill_between_kw is None else fill_between_kw

        self.lines_, self.fill_between_ = [], None if band is None else []
        for trajectory, x, name in zip(trajectories, generations, names):
            values = _curve_values(trajectory, key, len(x))
            mean, low, high = _summarise(values, band)
            (line,) = ax.plot(x, mean, **{"label": name, **line_kw})
            self.lines_.append(line)
            if band is not None:
                kw = {"color": line.get_color(), "alpha": 0.2, **fill_between_kw}
                self.fill_between_.append(ax.fill_between(x, low, high, **kw))

        self.theory_lines_ = self._plot_theory(ax, theory, names, theory_kw)

        ax.set_xlabel("Generation")
        ax.set_ylabel(key if ylabel is None else ylabel)
        ax.xaxis.set_major_locator(_generation_locator(ax, generations))
        if any(
            artist.get_label() and not artist.get_label().startswith("_")
            for artist in ax.get_lines()
        ):
            ax.legend()

        self.ax_ = ax
        self.figure_ = ax.figure
        return self

    def _generations(self, n_curves):
        generations = self.generations
        if isinstance(generations, (list, tuple)) and any(
            np.ndim(g) == 1 for g in generations
        ):
            if len(generations) != n_curves:
                raise ValueError(
                    f"generations has {len(generations)} arrays for {n_curves} "
                    "curves; pass one array shared by all curves or one per curve."
                )
            return [np.asarray(g) for g in generations]
        return [np.asarray(generations)] * n_curves

    def _names(self, n_curves):
        if self.names is None:
            return [None] * n_curves
        names = list(self.names)
        if len(names) != n_curves:
            raise ValueError(
                f"names has {len(names)} labels for {n_curves} curves; pass one "
                "label per curve."
            )
        return names

    def _plot_theory(self, ax, theory, names, theory_kw):
        if theory is None:
            return None
        theory_kw = {} if theory_kw is None else theory_kw
        colors = {
            name: line.get_color()
            for name, line in zip(names, self.lines_)
            if name is not None
        }
        lines = []
        for label, curve in theory:
            kw = {"linestyle": "--"}
            if label is None:
                kw.update(color="black", label="theory")
            elif label in colors:
                kw.update(color=colors[label], label=f"{label} (theory)")
            else:
                kw["label"] = str(label)
            (line,) = ax.plot(np.arange(len(curve)), curve, **{**kw, **theory_kw})
            lines.append(line)
        return lines

    @classmethod
    @Substitution(plot_parameters=_PLOT_PARAMETERS)
    def from_estimator(
        cls,
        estimator,
        X,
        y=None,
        *,
        key=None,
        names=None,
        n_repeats=10,
        n_jobs=None,
        random_state=None,
        verbose=0,
        measure=None,
        params=None,
        ax=None,
        band="std",
        theory=None,
        line_kw=None,
        fill_between_kw=None,
        theory_kw=None,
        ylabel=None,
    ):
        """Compute collapse curves with ``collapse_curve`` and plot them.

        Parameters
        ----------
        estimator : estimator, list of estimators or dict {label: estimator}
            Recursive meta-estimator(s) (:class:`~skcollapse.RecursiveRetrainer`,
            :class:`~skcollapse.RecursiveDensityRetrainer`), one curve each:
            several data regimes or models on one axis. Dict keys are the
            legend labels.

        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_features)
            The real data.

        y : array-like of shape (n_samples,) or (n_samples, n_outputs), \
                default=None
            The real targets; ``None`` for density estimators.

        key : str, default=None
            The trajectory key to plot (``"score_real"`` or
            ``"log_likelihood_real"`` when None). It is checked before any
            repeat runs: each estimator is first fitted once, for one
            generation, to learn the keys it records (and ``measure`` called
            on that fit for its keys), so that a misspelt key fails at once
            with the list of keys that can be plotted.

        names : list of str, default=None
            Legend labels; default: the dict keys, else the base estimator's
            class name and the data regime.

        n_repeats : int, default=10
            Independent trajectories per estimator.

        n_jobs : int, default=None
            Parallel repeats, see :func:`~skcollapse.model_selection.collapse_curve`.

        random_state : int, RandomState instance or None, default=None
            Seeds of the repeats. An int gives every estimator the same seeds
            (common random numbers, for a sharper comparison).

        verbose : int, default=0
            Progress messages of ``collapse_curve``.

        measure : callable, default=None
            Extra trajectory keys computed in the workers, see
            :func:`~skcollapse.model_selection.collapse_curve`.

        params : dict, default=None
            Parameters passed to every ``fit``.

        %(plot_parameters)s

        Returns
        -------
        display : CollapseCurveDisplay
            The display; ``display.trajectories`` holds the
            ``collapse_curve`` results.

        Examples
        --------
        >>> import matplotlib.pyplot as plt
        >>> from sklearn.datasets import make_regression
        >>> from sklearn.linear_model import Ridge
        >>> from skcollapse import RecursiveRetrainer
        >>> from skcollapse.plotting import CollapseCurveDisplay
        >>> X, y = make_regression(n_samples=100, n_features=5, noise=10.0,
        ...                        random_state=0)
        >>> regimes = {
        ...     "replace": RecursiveRetrainer(Ridge(), n_generations=5),
        ...     "accumulate": RecursiveRetrainer(
        ...         Ridge(), n_generations=5, data="accumulate"),
        ... }
        >>> display = CollapseCurveDisplay.from_estimator(
        ...     regimes, X, y, key="drift", n_repeats=4, random_state=0)
        >>> [line.get_label() for line in display.lines_]
        ['replace', 'accumulate']
        >>> plt.show()
        """
        _check_matplotlib_support(f"{cls.__name__}.from_estimator")
        labels, estimators = _labelled(estimator, names, _default_name)
        # Everything is checked before the first repeat: a typo in key must not
        # cost the whole run.
        _check_band(band)
        _check_theory(theory)
        probed = [
            (keys, label)
            for keys, label in zip(
                (_probe_keys(est, X, y, params, measure) for est in estimators),
                labels,
            )
            if keys is not None
        ]
        if probed:
            _choose_key(key, *zip(*probed))
        # An int seeds every estimator alike; a RandomState is drawn from in turn.
        results = [
            collapse_curve(
                est,
                X,
                y,
                n_repeats=n_repeats,
                n_jobs=n_jobs,
                random_state=random_state,
                verbose=verbose,
                measure=measure,
                params=params,
            )
            for est in estimators
        ]
        return cls._from_results(
            results,
            labels,
            key=key,
            ax=ax,
            band=band,
            theory=theory,
            line_kw=line_kw,
            fill_between_kw=fill_between_kw,
            theory_kw=theory_kw,
            ylabel=ylabel,
        )

    @classmethod
    @Substitution(plot_parameters=_PLOT_PARAMETERS)
    def from_trajectories(
        cls,
        results,
        *,
        key=None,
        names=None,
        ax=None,
        band="std",
        theory=None,
        line_kw=None,
        fill_between_kw=None,
        theory_kw=None,
        ylabel=None,
    ):
        """Plot collapse curves computed before.

        Parameters
        ----------
        results : dict, list of dict or dict {label: dict}
            One or several :func:`~skcollapse.model_selection.collapse_curve`
            results, or any dicts mapping trajectory keys to arrays of shape
            ``(n_repeats, n_generations + 1)`` (a fitted estimator's
            ``trajectory_`` plots as one repeat). The generations are taken
            from each result's ``"generation"`` entry when it is 1-D, else
            ``0, 1, ...``. A dict of results is labelled by its keys.

        key : str, default=None
            The trajectory key to plot (``"score_real"`` or
            ``"log_likelihood_real"`` when None).

        names : list of str, default=None
            Legend labels, one per result (default: the dict keys, else none).

        %(plot_parameters)s

        Returns
        -------
        display : CollapseCurveDisplay
            The display.

        Examples
        --------
        >>> import matplotlib.pyplot as plt
        >>> from sklearn.datasets import make_regression
        >>> from sklearn.linear_model import Ridge
        >>> from skcollapse import RecursiveRetrainer
        >>> from skcollapse.model_selection import collapse_curve
        >>> from skcollapse.plotting import CollapseCurveDisplay
        >>> X, y = make_regression(n_samples=100, n_features=5, noise=10.0,
        ...                        random_state=0)
        >>> result = collapse_curve(RecursiveRetrainer(Ridge(), n_generations=5),
        ...                         X, y, n_repeats=4, random_state=0)
        >>> display = CollapseCurveDisplay.from_trajectories(
        ...     {"Ridge": result}, key="score_real", band=("quantile", 0.1, 0.9))
        >>> len(display.fill_between_)
        1
        >>> plt.show()
        """
        _check_matplotlib_support(f"{cls.__name__}.from_trajectories")
        if isinstance(results, Mapping) and not _is_labelled(results):
            results = [results]  # one result, not a dict {label: result}
        labels, results = _labelled(results, names, lambda result: None)
        return cls._from_results(
            results,
            labels,
            key=key,
            ax=ax,
            band=band,
            theory=theory,
            line_kw=line_kw,
            fill_between_kw=fill_between_kw,
            theory_kw=theory_kw,
            ylabel=ylabel,
        )

    @classmethod
    def _from_results(cls, results, labels, *, key, ax, **plot_kw):
        generations = []
        for result in results:
            generation = result.get("generation")
            if generation is not None and np.ndim(generation) == 1:
                generations.append(np.asarray(generation))
            else:
                first = next(iter(result.values()))
                generations.append(np.arange(np.shape(first)[-1]))
        names = None if all(label is None for label in labels) else labels
        display = cls(
            generations=generations, trajectories=results, names=names, key=key
        )
        return display.plot(ax=ax, **plot_kw)


@validate_params(
    {
        "directory": [str, os.PathLike],
        "prefix": [str],
        "figures": ["array-like", None],
        "dpi": [Interval(Real, 0, None, closed="neither")],
    },
    prefer_skip_nested_validation=True,
)
def save_figures(directory, *, prefix="figure", figures=None, dpi=100):
    """Save matplotlib figures as PNG files, numbered in the order they were made.

    The figures are written as ``<prefix>_001.png``, ``<prefix>_002.png``, ...
    (the numbering of the gallery's images), into ``directory``, created if
    it does not exist. Every example of the gallery calls it when run with
    ``--save DIR`` (``python examples/plot_verification.py --save figures``),
    so that a headless run keeps its figures.

    Parameters
    ----------
    directory : str or path-like
        Folder the files are written to; created with its parents if missing.

    prefix : str, default="figure"
        Start of every file name, for example the example's name.

    figures : list of matplotlib Figure, default=None
        The figures to save, in that order; ``None``: every open figure of
        :mod:`matplotlib.pyplot`, in the order they were created.

    dpi : float, default=100
        Resolution in dots per inch.

    Returns
    -------
    paths : list of str
        The files written, in the order of ``figures``.

    See Also
    --------
    CollapseCurveDisplay : Plot collapse curves.

    Examples
    --------
    >>> import os
    >>> import tempfile
    >>> import matplotlib.pyplot as plt
    >>> from skcollapse.plotting import save_figures
    >>> fig, ax = plt.subplots()
    >>> _ = ax.plot([0, 1, 2], [1.0, 0.5, 0.2])
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     paths = save_figures(folder, prefix="curve", figures=[fig])
    ...     [os.path.basename(path) for path in paths]
    ['curve_001.png']
    >>> plt.close(fig)
    """
    _check_matplotlib_support("save_figures")
    from matplotlib.figure import Figure

    if figures is None:
        import matplotlib.pyplot as plt

        figures = [plt.figure(number) for number in plt.get_fignums()]
    figures = list(figures)
    for index, figure in enumerate(figures):
        if not isinstance(figure, Figure):
            raise TypeError(
                f"figures[{index}] is a {type(figure).__name__}; figures must be "
                "a list of matplotlib Figure objects, or None for every open figure."
            )
    os.makedirs(directory, exist_ok=True)
    paths = []
    for number, figure in enumerate(figures, start=1):
        path = os.path.join(os.fspath(directory), f"{prefix}_{number:03d}.png")
        figure.savefig(path, format="png", dpi=dpi)
        paths.append(path)
    return paths


# ----------------------------------------------------------------------
# helpers
# ----------------------------------------------------------------------
def _generation_locator(ax, generations):
    """Integer x ticks at generations that exist on ``ax``.

    matplotlib's ``MaxNLocator(integer=True)`` ticks the whole view, margins
    included: 21 on a curve of generations 0..20. This one keeps the ticks
    between the first and the last generation drawn on the axes (by this
    display and by displays drawn before on the same axes).
    """
    from matplotlib.ticker import MaxNLocator

    class GenerationLocator(MaxNLocator):
        def __init__(self, low, high):
            super().__init__(integer=True)
            self.generation_range = (low, high)

        def tick_values(self, vmin, vmax):
            ticks = super().tick_values(vmin, vmax)
            low, high = self.generation_range
            return ticks[(ticks >= low) & (ticks <= high)]

    drawn = np.concatenate([np.ravel(g) for g in generations]).astype(float)
    drawn = drawn[np.isfinite(drawn)]
    low, high = (drawn.min(), drawn.max()) if drawn.size else (-np.inf, np.inf)
    previous = getattr(ax.xaxis.get_major_locator(), "generation_range", None)
    if previous is not None:
        low, high = min(low, previous[0]), max(high, previous[1])
    return GenerationLocator(low, high)


def _check_matplotlib_support(caller_name):
    """Raise an ImportError telling how to install matplotlib."""
    try:
        import matplotlib  # noqa: F401
    except ImportError as exc:
        raise ImportError(
            f"{caller_name} requires matplotlib. Install it with "
            "`pip install matplotlib` or `pip install skcollapse[plot]`."
        ) from exc


def _as_list(trajectories):
    if isinstance(trajectories, Mapping):
        return [trajectories]
    trajectories = list(trajectories)
    if not trajectories or not all(isinstance(t, Mapping) for t in trajectories):
        raise ValueError(
            "trajectories must be a dict {key: array of shape (n_repeats, "
            "n_generations + 1)} or a non-empty list of such dicts (one per "
            "curve), such as collapse_curve results."
        )
    return trajectories


def _is_labelled(results):
    """A dict {label: result} rather than one result."""
    return bool(results) and all(isinstance(v, Mapping) for v in results.values())


def _labelled(items, names, default_name):
    """(labels, items) from one item, a list, or any dict: {label: item}."""
    if isinstance(items, Mapping):
        labels, items = list(items.keys()), list(items.values())
    elif isinstance(items, (list, tuple)):
        items = list(items)
        labels = [default_name(item) for item in items]
    else:
        items = [items]
        labels = [default_name(items[0])]
    if not items:
        raise ValueError("Nothing to plot: pass at least one estimator or result.")
    if names is not None:
        labels = list(names)
        if len(labels) != len(items):
            raise ValueError(
                f"names has {len(labels)} labels for {len(items)} curves; pass "
                "one label per curve."
            )
    return _deduplicate(labels), items


def _deduplicate(labels):
    seen, out = {}, []
    for label in labels:
        if label is not None and labels.count(label) > 1:
            seen[label] = seen.get(label, 0) + 1
            label = f"{label} #{seen[label]}"
        out.append(label)
    return out


def _default_name(estimator):
    """Base estimator class and data regime, e.g. ``"Ridge (accumulate)"``."""
    params = estimator.get_params(deep=False)
    base = params.get("estimator")
    name = type(estimator if base is None else base).__name__
    details = []
    if isinstance(params.get("data"), str):
        details.append(params["data"])
    if params.get("real_fraction") is not None:
        details.append(f"real_fraction={params['real_fraction']}")
    return f"{name} ({', '.join(details)})" if details else name


def _plottable_keys(trajectory):
    """The keys of one curve that can be drawn against the generation.

    In a ``collapse_curve`` result, the 2-D numeric entries (not ``seeds``,
    ``fit_time`` and the other per-repeat entries); in a fitted
    ``trajectory_`` (1-D arrays only), every numeric key but ``generation``.
    """
    arrays = {
        key: np.asarray(value)
        for key, value in trajectory.items()
        if key not in ("generation", "estimators")
    }
    ndim = 2 if any(array.ndim == 2 for array in arrays.values()) else 1
    return [
        key
        for key, array in arrays.items()
        if array.ndim == ndim and _is_numeric(array)
    ]


def _is_numeric(array):
    if array.dtype.kind in "biuf":
        return True
    if array.dtype.kind != "O":
        return False
    try:
        array.astype(float)
    except (TypeError, ValueError):
        return False
    return True


def _choose_key(key, keysets, labels):
    """``key``, or the default key, checked against the keys of every curve."""
    if key is None:
        for candidate in _DEFAULT_KEYS:
            if all(candidate in keys for keys in keysets):
                return candidate
        common = [k for k in keysets[0] if all(k in keys for keys in keysets)]
        raise ValueError(
            "No default trajectory key to plot (none of "
            f"{list(_DEFAULT_KEYS)} is recorded): pass key, one of {sorted(common)}."
        )
    for keys, label in zip(keysets, labels):
        if key not in keys:
            curve = "every curve" if label is None else f"the curve {label!r}"
            raise ValueError(
                f"key={key!r} is not a trajectory key of {curve}; available "
                f"keys: {sorted(keys)}."
            )
    return key


def _resolve_key(key, trajectories, names):
    """The key to plot: ``key`` or the default, plottable in every curve."""
    keysets = [_plottable_keys(t) for t in trajectories]
    if key == "generation":
        raise ValueError(
            "key='generation' is not a trajectory key (it is the x axis); "
            f"available keys: {sorted(keysets[0])}."
        )
    if key is not None:
        for trajectory, keys in zip(trajectories, keysets):
            if key in trajectory and key not in keys:
                values = np.asarray(trajectory[key])
                reason = (
                    "is not numeric"
                    if values.ndim == 2 or not _is_numeric(values)
                    else "holds one value per repeat, not one per generation,"
                )
                raise ValueError(
                    f"trajectories[{key!r}] {reason} and cannot be plotted "
                    f"against the generation; available keys: {sorted(keys)}."
                )
    return _choose_key(key, keysets, names)


def _probe_keys(estimator, X, y, params, measure):
    """The plottable keys a ``collapse_curve`` of ``estimator`` will return.

    A short fit tells: one generation (``n_generations=1``; 0 if it asks for
    0), seeded, quiet, warnings silenced. ``measure``, when given, is called
    on it for its keys. ``None`` when the keys cannot be known this way: no
    integer ``n_generations`` parameter, no ``trajectory_``, a probe that
    stopped early (keys of later generations unknown) or a ``measure`` that
    fails on a one-generation fit. An error of the fit itself is raised: the
    repeats would raise it too.
    """
    parameters = estimator.get_params(deep=False)
    n_generations = parameters.get("n_generations")
    if not isinstance(n_generations, numbers.Integral) or isinstance(
        n_generations, bool
    ):
        return None
    n_probe = min(int(n_generations), 1)
    probe = clone(estimator).set_params(n_generations=n_probe)
    if "random_state" in parameters:
        probe.set_params(random_state=0)
    if "verbose" in parameters:
        probe.set_params(verbose=0)
    params = {} if params is None else params
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if y is None:
            probe.fit(X, **params)
        else:
            probe.fit(X, y, **params)
    trajectory = getattr(probe, "trajectory_", None)
    if not isinstance(trajectory, Mapping) or not trajectory:
        return None
    if getattr(probe, "n_generations_", n_probe) < n_probe:
        return None
    keys = _plottable_keys(trajectory)
    if measure is not None:
        try:
            extra = measure(probe)
        except Exception:  # a measure written for longer trajectories
            return None
        if not isinstance(extra, Mapping):
            return None
        keys += [k for k in extra if _is_numeric(np.asarray(extra[k]))]
    return keys


def _check_theory(theory):
    """``[(label, curve), ...]`` of a theory overlay, or None."""
    if theory is None:
        return None
    if isinstance(theory, Mapping):
        curves = list(theory.items())
    else:
        curves = [(None, theory)]
    checked = []
    for label, curve in curves:
        try:
            curve = np.asarray(curve, dtype=float)
        except (TypeError, ValueError) as exc:
            raise ValueError(
                "theory must be a 1-D array, one value per generation 0, 1, ..., "
                f"or a dict of such arrays; got {type(curve).__name__}."
            ) from exc
        if curve.ndim != 1:
            raise ValueError(
                "theory must be a 1-D array, one value per generation "
                f"0, 1, ..., or a dict of such arrays; got shape {curve.shape}."
            )
        checked.append((label, curve))
    return checked


def _check_band(band):
    if band is None or (isinstance(band, str) and band in ("std", "sem")):
        return band
    if (
        isinstance(band, tuple)
        and len(band) == 3
        and band[0] == "quantile"
        and all(isinstance(q, numbers.Real) for q in band[1:])
        and 0 <= band[1] < band[2] <= 1
    ):
        return band
    raise ValueError(
        "band must be 'std', 'sem', None, or a tuple ('quantile', low, high) "
        f"with 0 <= low < high <= 1; got {band!r}."
    )


def _curve_values(trajectory, key, n_columns):
    try:
        values = np.asarray(trajectory[key], dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"The trajectory key {key!r} is not numeric and cannot be plotted."
        ) from exc
    if values.ndim == 1 and not any(np.ndim(v) == 2 for v in trajectory.values()):
        values = values[np.newaxis]  # a fitted trajectory_: one repeat
    if values.ndim != 2 or values.shape[1] != n_columns:
        raise ValueError(
            f"trajectories[{key!r}] has shape {values.shape}; expected "
            f"(n_repeats, {n_columns}), one column per generation."
        )
    return values


def _summarise(values, band):
    """Mean per generation over the repeats, and the band's lower and upper limits.

    Repeats that stopped early (NaN) are left out; a generation no repeat
    reached is NaN.
    """
    finite = np.isfinite(values)
    count = finite.sum(axis=0)
    filled = np.where(finite, values, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(count > 0, filled.sum(axis=0) / count, np.nan)
        if band is None:
            return mean, None, None
        if band in ("std", "sem"):
            squares = np.where(finite, (values - mean) ** 2, 0.0).sum(axis=0)
            if band == "std":
                spread = np.sqrt(squares / count)
            else:
                spread = np.sqrt(squares / (count - 1)) / np.sqrt(count)
                spread = np.where(count > 1, spread, np.nan)
            return mean, mean - spread, mean + spread
    _, low, high = band
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN generations
        low, high = np.nanquantile(values, [low, high], axis=0)
    return mean, low, high
