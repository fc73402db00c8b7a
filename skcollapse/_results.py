"""The result of :func:`~skcollapse.model_selection.collapse_curve`, exportable.

A :class:`CollapseCurveResult` is the dict of arrays ``collapse_curve`` has
always returned (a :class:`sklearn.utils.Bunch`, so attribute access works),
plus a tidy table (:meth:`~CollapseCurveResult.to_frame`, one row per repeat
and generation), CSV and JSON files, and the way back from each. pandas is
imported only by the methods that need it.
"""

import json
import os

import numpy as np
from sklearn.utils import Bunch

__all__ = ["CollapseCurveResult"]

# Entries with one value per repeat, in the order collapse_curve sets them,
# and the dtype each is restored with from a table.
_REPEAT_DTYPES = {
    "seeds": np.int64,
    "source_seeds": np.int64,
    "n_generations": np.int64,
    "termination_condition": object,
    "collapse_generation": np.float64,
    "fit_time": np.float64,
    "engine": object,
}
# Columns of the tidy table that are not keys of the result.
_INDEX_COLUMNS = ("repeat", "generation")
# Entries that no file can hold.
_NOT_EXPORTED = ("estimators",)

_JSON_FORMAT = "skcollapse.collapse_curve"
_JSON_FORMAT_VERSION = 1


class CollapseCurveResult(Bunch):
    """Monte Carlo collapse trajectories: a dict of arrays, exportable.

    The value returned by :func:`~skcollapse.model_selection.collapse_curve`:
    a dict (with attribute access, as a :class:`sklearn.utils.Bunch`) whose
    entries are described there. Each trajectory key holds an array of shape
    ``(n_repeats, n_generations + 1)``, ``"generation"`` the generation of each
    column and ``"seeds"``, ``"source_seeds"`` (with a source),
    ``"n_generations"``, ``"termination_condition"``,
    ``"collapse_generation"`` and ``"fit_time"`` one value per repeat.

    ``pandas.DataFrame(result)`` cannot hold the 2-D entries:
    :meth:`to_frame` is the tidy table (one row per repeat and generation),
    :meth:`to_csv` writes it, :meth:`to_json` writes the result itself
    (lossless, no pandas needed), and :meth:`from_frame`, :meth:`from_csv`
    and :meth:`from_json` read them back.

    Read more in the :ref:`User Guide <saving_results>`.

    Parameters
    ----------
    **entries : dict
        The entries of the result, ``{key: array}``.

    See Also
    --------
    skcollapse.model_selection.collapse_curve : Compute the result.
    skcollapse.plotting.CollapseCurveDisplay : Plot it.

    Examples
    --------
    >>> from sklearn.datasets import make_regression
    >>> from sklearn.linear_model import Ridge
    >>> from skcollapse import RecursiveRetrainer
    >>> from skcollapse.model_selection import collapse_curve
    >>> X, y = make_regression(n_samples=100, n_features=5, noise=10.0,
    ...                        random_state=0)
    >>> result = collapse_curve(RecursiveRetrainer(Ridge(), n_generations=3),
    ...                         X, y, n_repeats=2, random_state=0)
    >>> frame = result.to_frame()
    >>> frame[["repeat", "generation", "score_real"]].shape
    (8, 3)
    >>> frame.groupby("generation")["score_real"].mean().index.tolist()
    [0, 1, 2, 3]
    """

    def __init__(self, **entries):
        super().__init__(**entries)

    def __dir__(self):
        # the keys (as Bunch lists them) and the export methods
        methods = [name for name in dir(type(self)) if not name.startswith("_")]
        return [*self.keys(), *(m for m in methods if m not in dir(dict))]

    # ------------------------------------------------------------------
    # the tidy table
    # ------------------------------------------------------------------
    def to_frame(self):
        """Return the result as a tidy DataFrame: one row per repeat and generation.

        Columns: ``"repeat"`` (the row of the repeat in the result, ``0 ..
        n_repeats - 1``), ``"generation"``, then one column per trajectory
        key, then one column per per-repeat entry (``"seeds"``,
        ``"n_generations"``, ``"termination_condition"``, ...), its value
        repeated on every row of the repeat. Rows are sorted by repeat, then
        generation; a repeat that stopped early keeps its rows after its last
        generation, padded with NaN (None in object columns), as in the
        result. The fitted estimators (``return_estimators=True``) are left
        out.

        Returns
        -------
        frame : pandas.DataFrame of shape (n_repeats * (n_generations + 1), \
                n_keys + 2)
            The tidy table: ``frame.groupby("generation").mean()`` is the mean
            curve, and plotting libraries read it directly.

        Raises
        ------
        ImportError
            If pandas is not installed.
        ValueError
            If an entry has a shape that is neither per repeat and generation
            nor per repeat.
        """
        pd = _import_pandas("CollapseCurveResult.to_frame")
        generation, n_repeats = self._layout()
        n_columns = len(generation)
        columns = {
            "repeat": np.repeat(np.arange(n_repeats, dtype=np.int64), n_columns),
            "generation": np.tile(generation, n_repeats),
        }
        per_repeat = {}
        for key, value in self.items():
            if key in _INDEX_COLUMNS or key in _NOT_EXPORTED:
                continue
            value = np.asarray(value)
            if value.shape == (n_repeats, n_columns):
                columns[key] = value.reshape(-1)
            elif value.shape == (n_repeats,):
                per_repeat[key] = np.repeat(value, n_columns)
            else:
                raise ValueError(
                    f"result[{key!r}] has shape {value.shape}; to_frame expects "
                    f"({n_repeats}, {n_columns}) (one value per repeat and "
                    f"generation) or ({n_repeats},) (one value per repeat)."
                )
        columns.update(per_repeat)
        return pd.DataFrame(
            {
                key: pd.Series(value, dtype=object if value.dtype == object else None)
                for key, value in columns.items()
            }
        )

    @classmethod
    def from_frame(cls, frame):
        """Build a result back from its tidy table.

        The inverse of :meth:`to_frame`: every column but ``"repeat"`` and
        ``"generation"`` becomes an entry, of shape ``(n_repeats, n_generations
        + 1)``, or ``(n_repeats,)`` for the per-repeat entries (``"seeds"``,
        ``"source_seeds"``, ``"n_generations"``, ``"termination_condition"``,
        ``"collapse_generation"``, ``"fit_time"``). Numeric columns become
        float arrays (``"seeds"``, ``"source_seeds"`` and ``"n_generations"``
        int64), other columns object arrays with None where values are
        missing. Rows may come in any order, and missing rows (a filtered
        table) become NaN.

        Parameters
        ----------
        frame : pandas.DataFrame
            A table with the columns ``"repeat"`` and ``"generation"`` and at
            most one row per repeat and generation, such as
            :meth:`to_frame` returns.

        Returns
        -------
        result : CollapseCurveResult
            The result.

        Raises
        ------
        ValueError
            If a column is missing, a (repeat, generation) pair is repeated,
            or a per-repeat entry differs between the rows of one repeat.
        """
        pd = _import_pandas("CollapseCurveResult.from_frame")
        if not isinstance(frame, pd.DataFrame):
            raise TypeError(
                f"frame must be a pandas DataFrame; got {type(frame).__name__}."
            )
        missing = [c for c in _INDEX_COLUMNS if c not in frame.columns]
        if missing:
            raise ValueError(
                f"frame has no column {missing[0]!r}; a collapse_curve table has "
                f"the columns 'repeat' and 'generation' and one per key (got "
                f"{list(frame.columns)})."
            )
        for name in _INDEX_COLUMNS:
            if frame[name].isna().any() or not pd.api.types.is_integer_dtype(
                frame[name]
            ):
                raise ValueError(
                    f"frame[{name!r}] must hold integers, without missing values; "
                    f"got dtype {frame[name].dtype}."
                )
        repeats, rows = np.unique(frame["repeat"].to_numpy(), return_inverse=True)
        generation, cols = np.unique(
            frame["generation"].to_numpy(), return_inverse=True
        )
        rows, cols = rows.reshape(-1), cols.reshape(-1)
        n_repeats, n_columns = len(repeats), len(generation)
        if len(set(zip(rows.tolist(), cols.tolist()))) != len(frame):
            raise ValueError(
                "frame has several rows for one (repeat, generation) pair; a "
                "collapse_curve table has one row per repeat and generation."
            )
        trajectories, per_repeat = {}, {}
        for key in frame.columns:
            if key in _INDEX_COLUMNS:
                continue
            column = frame[key]
            if key in _REPEAT_DTYPES:
                per_repeat[key] = _per_repeat(key, column, rows)
                continue
            if _is_numeric(column):
                grid = np.full((n_repeats, n_columns), np.nan)
                grid[rows, cols] = column.to_numpy(dtype=float, na_value=np.nan)
            else:
                grid = np.full((n_repeats, n_columns), None, dtype=object)
                grid[rows, cols] = _objects(column)
            trajectories[key] = grid
        result = cls(**trajectories)
        result["generation"] = generation.astype(np.int64)
        # the per-repeat entries after the others, in collapse_curve's order
        for key in _REPEAT_DTYPES:
            if key in per_repeat:
                result[key] = per_repeat[key]
        return result

    # ------------------------------------------------------------------
    # files
    # ------------------------------------------------------------------
    def to_csv(self, path_or_buf):
        """Write the tidy table of :meth:`to_frame` to a CSV file.

        Floats are written with every digit (:meth:`from_csv` reads them back
        exactly); NaN and None are empty fields. Reading the file back infers
        the types: numeric columns become floats, others object arrays.

        Parameters
        ----------
        path_or_buf : str, path object or file-like object
            Where to write, as for :meth:`pandas.DataFrame.to_csv`.

        Raises
        ------
        ImportError
            If pandas is not installed.
        """
        _import_pandas("CollapseCurveResult.to_csv")
        self.to_frame().to_csv(path_or_buf, index=False)

    @classmethod
    def from_csv(cls, path_or_buf):
        """Read a result from a CSV file written by :meth:`to_csv`.

        Parameters
        ----------
        path_or_buf : str, path object or file-like object
            The file, as for :func:`pandas.read_csv`.

        Returns
        -------
        result : CollapseCurveResult
            The result, as :meth:`from_frame` builds it from the table.

        Raises
        ------
        ImportError
            If pandas is not installed.
        """
        pd = _import_pandas("CollapseCurveResult.from_csv")
        options = {}
        if int(pd.__version__.split(".")[0]) < 3:  # pandas 3 reads exactly
            options["float_precision"] = "round_trip"
        frame = pd.read_csv(
            path_or_buf,
            dtype={"termination_condition": object},
            keep_default_na=False,  # "None" or "NA" are strings, "" is missing
            na_values=[""],
            **options,
        )
        return cls.from_frame(frame)

    def to_json(self, path_or_buf):
        """Write the result to a JSON file, losslessly, without pandas.

        The file holds every entry in the result's own layout (not the tidy
        table): its dtype, shape and values, NaN as ``null`` and infinities as
        the strings ``"inf"`` and ``"-inf"`` (the file is strict JSON).
        :meth:`from_json` gives back the same arrays, dtypes and shapes. The
        fitted estimators (``return_estimators=True``) are left out.

        Parameters
        ----------
        path_or_buf : str, path object or file-like object
            Where to write: a path, or a text file open for writing.

        Raises
        ------
        TypeError
            If an entry holds objects JSON cannot represent.
        """
        entries = {}
        for key, value in self.items():
            if key in _NOT_EXPORTED:
                continue
            entries[key] = _encode(key, np.asarray(value))
        document = {
            "format": _JSON_FORMAT,
            "format_version": _JSON_FORMAT_VERSION,
            "entries": entries,
        }
        text = json.dumps(document, allow_nan=False)
        if hasattr(path_or_buf, "write"):
            path_or_buf.write(text)
        else:
            with open(os.fspath(path_or_buf), "w", encoding="utf-8") as file:
                file.write(text)

    @classmethod
    def from_json(cls, path_or_buf):
        """Read a result from a JSON file written by :meth:`to_json`.

        Parameters
        ----------
        path_or_buf : str, path object or file-like object
            The file: a path, or a text file open for reading.

        Returns
        -------
        result : CollapseCurveResult
            The result, with the arrays, dtypes and shapes that were written.

        Raises
        ------
        ValueError
            If the file is not a collapse_curve result.
        """
        if hasattr(path_or_buf, "read"):
            document = json.loads(path_or_buf.read())
        else:
            with open(os.fspath(path_or_buf), encoding="utf-8") as file:
                document = json.load(file)
        if not isinstance(document, dict) or document.get("format") != _JSON_FORMAT:
            raise ValueError(
                "Not a collapse_curve result: the JSON document has no "
                f'"format": "{_JSON_FORMAT}" (write it with '
                "CollapseCurveResult.to_json)."
            )
        version = document.get("format_version")
        if version != _JSON_FORMAT_VERSION:
            raise ValueError(
                f"format_version={version!r} is not supported; this version of "
                f"skcollapse reads format_version {_JSON_FORMAT_VERSION}."
            )
        return cls(
            **{key: _decode(key, entry) for key, entry in document["entries"].items()}
        )

    # ------------------------------------------------------------------
    def _layout(self):
        """``(generation, n_repeats)`` of the result."""
        if "generation" not in self:
            raise ValueError(
                "The result has no 'generation' entry (the generation of each "
                "column); it is not a collapse_curve result."
            )
        generation = np.asarray(self["generation"])
        if generation.ndim != 1:
            raise ValueError(
                f"result['generation'] has shape {generation.shape}; expected "
                "(n_generations + 1,)."
            )
        if "seeds" in self:
            return generation, len(self["seeds"])
        for key, value in self.items():
            if key not in _NOT_EXPORTED and np.ndim(value) == 2:
                return generation, np.shape(value)[0]
        raise ValueError("The result has no trajectory: nothing to export.")


# ----------------------------------------------------------------------
# helpers
# ----------------------------------------------------------------------
def _import_pandas(caller):
    try:
        import pandas
    except ImportError as exc:
        raise ImportError(
            f"{caller} requires pandas. Install it with `pip install pandas` or "
            "`pip install skcollapse[pandas]`; CollapseCurveResult.to_json and "
            "from_json need no pandas."
        ) from exc
    return pandas


def _is_numeric(column):
    import pandas as pd

    return pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column)


def _objects(column):
    """A column's values as Python objects, None where missing."""
    values = column.to_numpy(dtype=object, copy=True)
    missing = column.isna().to_numpy()
    values[missing] = None
    return values


def _per_repeat(key, column, rows):
    """One value per repeat, the same on every row of the repeat."""
    dtype = _REPEAT_DTYPES[key]
    if dtype is object:
        values = _objects(column)
    elif not _is_numeric(column):
        raise ValueError(f"frame[{key!r}] must be numeric; got dtype {column.dtype}.")
    elif dtype is np.int64:
        if column.isna().any():
            raise ValueError(
                f"frame[{key!r}] has missing values; it holds one integer per repeat."
            )
        values = column.to_numpy(dtype=np.int64)
    else:
        values = column.to_numpy(dtype=float, na_value=np.nan)
    _, first = np.unique(rows, return_index=True)  # each repeat's first row
    out = values[first]
    for row, value in zip(rows, values):
        if not _same(out[row], value):
            raise ValueError(
                f"frame[{key!r}] holds one value per repeat, but repeat row {row} "
                f"has both {out[row]!r} and {value!r}."
            )
    return out


def _same(a, b):
    if a is None or b is None or isinstance(a, str) or isinstance(b, str):
        return a == b
    return a == b or (a != a and b != b)  # NaN equals NaN here


def _encode(key, array):
    """``{"dtype", "shape", "data"}`` of an array, in strict JSON."""
    kind = array.dtype.kind
    if kind == "f":
        data = [_json_float(value) for value in array.reshape(-1).tolist()]
        dtype = array.dtype.str
    elif kind in "biu":
        data, dtype = array.reshape(-1).tolist(), array.dtype.str
    elif kind in "OU":
        data = [_json_object(key, value) for value in array.reshape(-1)]
        dtype = "object"
    else:
        raise TypeError(
            f"result[{key!r}] has dtype {array.dtype}, which JSON cannot hold; "
            "to_json writes numbers, booleans, strings and None."
        )
    return {
        "dtype": dtype,
        "shape": list(array.shape),
        "data": _nest(data, array.shape),
    }


def _json_float(value):
    if value != value:  # NaN
        return None
    if value in (np.inf, -np.inf):
        return "inf" if value > 0 else "-inf"
    return value


def _json_object(key, value):
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return _json_float(value)
    if value is not None and not isinstance(value, (str, bool, int)):
        raise TypeError(
            f"result[{key!r}] holds a {type(value).__name__}, which JSON "
            "cannot hold; to_json writes numbers, booleans, strings and None."
        )
    return value


def _nest(flat, shape):
    """A flat list as nested lists of the given shape."""
    if not shape:
        return flat[0]
    array = np.empty(len(flat), dtype=object)
    array[:] = flat
    return array.reshape(shape).tolist()


def _decode(key, entry):
    try:
        dtype, shape, data = entry["dtype"], tuple(entry["shape"]), entry["data"]
    except (KeyError, TypeError) as exc:
        raise ValueError(
            f"Entry {key!r} of the JSON document is not a result entry (it "
            "needs 'dtype', 'shape' and 'data')."
        ) from exc
    try:
        grid = np.empty(shape, dtype=object)
        grid[...] = data  # the nested lists, element by element
    except ValueError as exc:
        raise ValueError(
            f"Entry {key!r} of the JSON document has data that is not of its "
            f"shape {list(shape)}."
        ) from exc
    if dtype == "object":
        return grid
    dtype = np.dtype(dtype)
    if dtype.kind == "f":
        flat = [_decode_float(key, v) for v in grid.reshape(-1).tolist()]
        return np.asarray(flat, dtype=dtype).reshape(shape)
    return grid.astype(dtype)


_FLOATS = {None: np.nan, "inf": np.inf, "-inf": -np.inf}


def _decode_float(key, value):
    if value is None or isinstance(value, str):
        if value not in _FLOATS:
            raise ValueError(
                f"Entry {key!r} of the JSON document holds {value!r}; a float "
                'entry holds numbers, null (NaN), "inf" and "-inf".'
            )
        return _FLOATS[value]
    return value
