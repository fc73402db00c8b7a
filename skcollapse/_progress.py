"""Progress of long runs: a tqdm bar where it can be drawn, plain lines otherwise.

``collapse_curve(verbose=1)`` and the meta-estimators' ``verbose`` report
their progress through this module. A bar needs the optional ``tqdm`` (the
``progress`` extra) and an output that redraws a line in place: a terminal
(``sys.stderr`` is a TTY) or a notebook. Elsewhere (a log file, a CI job, a
captured test) the callers print their plain lines, which read well in a
file. tqdm is imported only when a bar is drawn.
"""

import sys
import threading

__all__ = ["make_bar", "report_generation"]

# Trajectory keys worth showing next to a generation bar, in this order (a
# bar is one line: the whole record does not fit).
_SHOWN_KEYS = (
    "score_real",
    "score_validation",
    "log_likelihood_real",
    "log_likelihood_validation",
    "prediction_std",
    "total_variance",
    "entropy",
)


def _interactive():
    """Whether the output redraws a line in place: a terminal or a notebook."""
    stream = sys.stderr
    try:
        if stream is not None and stream.isatty():
            return True
    except (AttributeError, ValueError):  # a closed or unusual stream
        return False
    return "ipykernel" in sys.modules


def make_bar(total, *, desc, unit):
    """A tqdm progress bar, or None where plain lines are the better output.

    None when tqdm is not installed or the output is neither a terminal nor
    a notebook.
    """
    if not _interactive():
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None
    return tqdm(total=total, desc=desc, unit=unit, leave=True)


def _format(value):
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def generation_line(name, record, n_generations, elapsed):
    """The plain line of one generation: every entry of its record."""
    shown = ", ".join(
        f"{key}={_format(value)}"
        for key, value in record.items()
        if key != "generation"
    )
    return (
        f"[{name}] generation {record['generation']}/{n_generations} "
        f"({elapsed:.2f}s): {shown}"
    )


# The bar of the fit running in each thread (a fit runs in one thread).
_bars = threading.local()


def report_generation(name, record, n_generations, start, elapsed):
    """Report one finished generation of a meta-estimator's fit.

    A bar over the generations ``0 .. n_generations`` when one can be drawn
    (created at generation 0, closed after the last; a new fit in the same
    thread closes the bar of a fit that stopped early), else the plain line.
    """
    bar = getattr(_bars, "bar", None)
    if bar is not None and (record["generation"] == 0 or _bars.start != start):
        bar.close()  # the previous fit stopped early ("degenerate")
        bar = _bars.bar = None
    if bar is None:
        bar = make_bar(n_generations + 1, desc=name, unit="generation")
        if bar is None:
            print(generation_line(name, record, n_generations, elapsed), flush=True)
            return
        _bars.bar, _bars.start = bar, start
    shown = [key for key in _SHOWN_KEYS if key in record][:3]
    bar.set_postfix_str(
        ", ".join(f"{key}={_format(record[key])}" for key in shown), refresh=False
    )
    bar.update(1)
    if record["generation"] >= n_generations:
        bar.close()
        _bars.bar = None


def end_fit():
    """Close the bar of this thread's fit, if one is open (the loop ended,
    possibly early: a degenerate stop, an error)."""
    bar = getattr(_bars, "bar", None)
    if bar is not None:
        bar.close()
        _bars.bar = None
