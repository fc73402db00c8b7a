"""Command line of skcollapse: ``python -m skcollapse demo | reproduce``.

``reproduce`` runs the experiments of :mod:`skcollapse.experiments` (every
paper's headline result, checked against its closed form): ``reproduce
--list`` shows them, ``reproduce NAME [NAME ...] | all`` runs them, prints
the table of checks and writes ``NAME.png``, ``NAME.csv`` and ``NAME.json``
into ``--out``. Exit status 0 when every check passes, 1 when one fails, 2
on bad arguments. The console script ``skcollapse`` is the same command.

The demo is the canonical experiment of the field on scikit-learn's bundled
diabetes data: a ridge regression refitted for 20 generations on its own
noisy predictions, fully synthetic (``replace``), accumulating every
generation's data (``accumulate``), and keeping half of the real data in every
generation (``real_fraction=0.5``). It prints, per generation, the score on
real data held out from every generation (R^2) and the diversity of the
predictions (their standard deviation on the real inputs).
"""

import argparse
import math
import sys
import time

REGIMES = {
    "replace": {"data": "replace"},
    "accumulate": {"data": "accumulate"},
    "real 50%": {"data": "replace", "real_fraction": 0.5},
}


def run_demo(n_generations=20, random_state=0, alpha=0.1, file=None):
    """Run the demo experiment and print its table.

    Parameters
    ----------
    n_generations : int, default=20
        Synthetic generations after generation 0.
    random_state : int, default=0
        Seed of every fit.
    alpha : float, default=0.1
        Ridge penalty of the base estimator.
    file : file-like, default=None
        Where to print (standard output by default).

    Returns
    -------
    trajectories : dict of str to dict
        The ``trajectory_`` of each regime.
    """
    from sklearn.datasets import load_diabetes
    from sklearn.linear_model import Ridge

    from . import RecursiveRetrainer

    file = sys.stdout if file is None else file
    X, y = load_diabetes(return_X_y=True)
    start = time.perf_counter()
    trajectories = {}
    for name, regime in REGIMES.items():
        estimator = RecursiveRetrainer(
            Ridge(alpha=alpha),
            n_generations=n_generations,
            validation_fraction=0.25,
            random_state=random_state,
            **regime,
        )
        trajectories[name] = estimator.fit(X, y).trajectory_
    elapsed = time.perf_counter() - start

    print(
        "skcollapse demo: Ridge refitted on its own noisy predictions "
        f"(diabetes data, {X.shape[0]} rows, 25% held out from every generation)",
        file=file,
    )
    print(
        "R2 = score on the held-out real data; std = standard deviation of the "
        "predictions on the real inputs (diversity)\n",
        file=file,
    )
    width = 20
    header = "generation" + "".join(f"{name:>{width}}" for name in REGIMES)
    sub = " " * 10 + "".join(f"{'R2':>10}{'std':>10}" for _ in REGIMES)
    print(header, file=file)
    print(sub, file=file)
    for g in range(n_generations + 1):
        row = f"{g:>10}"
        for name in REGIMES:
            trajectory = trajectories[name]
            if g < len(trajectory["generation"]):
                row += (
                    f"{trajectory['score_validation'][g]:>10.3f}"
                    f"{trajectory['prediction_std'][g]:>10.1f}"
                )
            else:
                row += f"{'-':>10}{'-':>10}"
        print(row, file=file)
    print(
        "\nFully synthetic retraining (replace) loses accuracy and diversity; "
        "accumulating data or keeping real data holds them.",
        file=file,
    )
    print(f"({elapsed:.2f} s)", file=file)
    return trajectories


def _bounded_int(low, high=None):
    """An argparse type: an int in ``[low, high]``, else a usage error."""

    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"invalid int value: {text!r}") from None
        if value < low or (high is not None and value > high):
            accepted = f">= {low}" if high is None else f"in [{low}, {high}]"
            raise argparse.ArgumentTypeError(f"must be an int {accepted}, got {value}")
        return value

    return parse


def _penalty(text):
    """An argparse type: a finite float >= 0 (a Ridge penalty)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid float value: {text!r}") from None
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"must be a finite float >= 0, got {text!r}")
    return value


def main(argv=None):
    """Entry point of ``python -m skcollapse``.

    A bad option value is a usage error (exit status 2, the value named),
    never a traceback.
    """
    parser = argparse.ArgumentParser(
        prog="python -m skcollapse",
        description="skcollapse: simulate, measure and mitigate model collapse.",
    )
    parser.add_argument("--version", action="version", version=_version())
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser(
        "demo", help="replace vs accumulate vs real-data mixing on the diabetes data"
    )
    demo.add_argument(
        "--generations", type=_bounded_int(0), default=20, help="default: 20"
    )
    demo.add_argument(
        "--seed",
        type=_bounded_int(0, 2**32 - 1),
        default=0,
        help="in [0, 2**32 - 1]; default: 0",
    )
    demo.add_argument(
        "--alpha", type=_penalty, default=0.1, help="Ridge penalty >= 0; default: 0.1"
    )
    _add_reproduce(commands)
    args = parser.parse_args(argv)
    if args.command == "reproduce":
        return _reproduce(args.subparser, args)
    run_demo(n_generations=args.generations, random_state=args.seed, alpha=args.alpha)
    return 0


def _version():
    from . import __version__

    return f"skcollapse {__version__}"


def _add_reproduce(commands):
    reproduce = commands.add_parser(
        "reproduce",
        help="every paper's headline result, checked against its closed form",
        description=(
            "Run experiments of skcollapse.experiments, print their checks "
            "(simulated mean, standard error, closed form, pass/fail) and write "
            "NAME.png, NAME.csv and NAME.json into --out. Exit status 0 when "
            "every check passes, 1 when one fails."
        ),
    )
    reproduce.add_argument(
        "names", nargs="*", metavar="NAME", help="experiment names, or 'all'"
    )
    reproduce.add_argument(
        "--list", action="store_true", help="list the experiments and exit"
    )
    reproduce.add_argument(
        "--scale",
        choices=["quick", "paper"],
        default="quick",
        help="quick: under a minute each on 2 cores; paper: the paper's sizes",
    )
    reproduce.add_argument(
        "--out",
        default="skcollapse-results",
        metavar="DIR",
        help="directory of the figures, tables and JSON (default: skcollapse-results)",
    )
    reproduce.add_argument(
        "--random-state", type=_bounded_int(0, 2**32 - 1), default=0, metavar="N"
    )
    reproduce.add_argument("--n-jobs", type=_n_jobs, default=None, metavar="N")
    reproduce.set_defaults(subparser=reproduce)


def _n_jobs(text):
    """An argparse type: an int other than 0 (-1: every core)."""
    value = _bounded_int(-(2**31))(text)
    if value == 0:
        raise argparse.ArgumentTypeError("must be a non-zero int (-1: every core)")
    return value


#: Seconds from which ``reproduce`` reports an experiment's progress.
LONG_RUN = 60


def _reproduce(parser, args, file=None):
    from .experiments import EXPERIMENTS
    from .experiments._base import progress

    file = sys.stdout if file is None else file
    if args.list:
        for name, entry in EXPERIMENTS.items():
            seconds = ", ".join(f"{k} ~{v:g} s" for k, v in entry.seconds.items())
            print(
                f"{name}\n    {entry.paper}\n    {entry.claim}\n    {seconds}",
                file=file,
            )
        return 0
    if not args.names:
        parser.error("give experiment names, 'all', or --list")
    names = list(EXPERIMENTS) if args.names == ["all"] else args.names
    unknown = [name for name in names if name not in EXPERIMENTS]
    if unknown:
        parser.error(
            f"unknown experiment(s) {unknown}; accepted: 'all' or {sorted(EXPERIMENTS)}"
        )
    failed = []
    for name in names:
        entry = EXPERIMENTS[name]
        print(
            f"== {name} ({args.scale} scale, about {entry.seconds[args.scale]:g} s) "
            f"== {entry.paper}",
            file=file,
            flush=True,
        )
        # progress lines for long runs (estimated at a minute or more)
        with progress(1 if entry.seconds[args.scale] >= LONG_RUN else 0):
            result = entry.function(
                scale=args.scale, random_state=args.random_state, n_jobs=args.n_jobs
            )
        for line in result.format_checks():
            print(line, file=file)
        paths = result.save(args.out)
        print(
            f"{'passed' if result.passed else 'FAILED'} in {result.elapsed:.1f} s; "
            f"wrote {', '.join(paths)}",
            file=file,
            flush=True,
        )
        if not result.passed:
            failed.append(name)
    if failed:
        print(f"checks failed: {', '.join(failed)}", file=file)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
