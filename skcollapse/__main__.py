"""Command line of skcollapse: ``python -m skcollapse demo``.

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
    args = parser.parse_args(argv)
    run_demo(n_generations=args.generations, random_state=args.seed, alpha=args.alpha)
    return 0


if __name__ == "__main__":
    sys.exit(main())
