"""Cost per generation of long runs: 1,000 generations against 100.

A run ten times longer must cost ten times more, not a hundred: the loop's own
work per generation (synthesise, compose, schedule, record) must not grow with
the number of generations behind it. Workload: ``RecursiveRetrainer(Ridge())``
on 200 x 5 data, one BLAS thread, for

- ``data="replace"``;
- ``data="accumulate-subsample"`` (the training set keeps generation 0's size);
- ``data="accumulate"`` (the training set grows by one batch per generation,
  so Ridge's own fit grows with it: the loop's part is timed apart);
- a regularization schedule (``{"alpha": linear_schedule(1.0, 0.01)}``) and
  :class:`~skcollapse.regularization.AdaptiveRegularization`, hooks that read
  the trajectory so far.

For each it reports the time per generation at 100 and at 1,000 generations
(median of ``--repeats`` runs), their ratio (target <= 1.2), and, like
``bench_retrainer_overhead.py``, the time per generation spent outside Ridge's
own ``fit`` and ``predict``, whose ratio is the loop's (target <= 1.2 for every
regime, ``accumulate`` included).

Run::

    python benchmarks/bench_long_runs.py [--repeats 3] [--short 100] [--long 1000]
"""

import argparse
import time

import numpy as np
from bench_retrainer_overhead import BASE_TIME, TimedRidge  # the same timed base
from threadpoolctl import threadpool_limits

from skcollapse import RecursiveRetrainer
from skcollapse.regularization import AdaptiveRegularization, linear_schedule

CASES = {
    "replace": {},
    "accumulate-subsample": {"data": "accumulate-subsample"},
    "accumulate": {"data": "accumulate", "synthetic_size": 0.1},
    "linear_schedule": {"regularization": {"alpha": linear_schedule(1.0, 0.01)}},
    "AdaptiveRegularization": {
        "regularization": AdaptiveRegularization(noise=1.0, coef_norm=1.0)
    },
}


def per_generation(params, X, y, n_generations, repeats):
    """Median ``(total, outside the base)`` seconds per generation."""
    totals, outside = [], []
    for repeat in range(repeats):
        est = RecursiveRetrainer(
            TimedRidge(),
            n_generations=n_generations,
            store_estimators=False,
            random_state=repeat,
            **params,
        )
        BASE_TIME.clear()
        start = time.perf_counter()
        est.fit(X, y)
        elapsed = time.perf_counter() - start
        totals.append(elapsed / (n_generations + 1))
        outside.append((elapsed - sum(BASE_TIME)) / (n_generations + 1))
    return np.median(totals), np.median(outside)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--short", type=int, default=100)
    parser.add_argument("--long", type=int, default=1000)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(0)
    X = rng.standard_normal((200, 5))
    y = X @ rng.standard_normal(5) + rng.standard_normal(200)
    ratios = {}
    with threadpool_limits(limits=1, user_api="blas"):
        per_generation({}, X, y, 5, 1)  # warm up
        print(
            f"RecursiveRetrainer(Ridge()), 200 x 5, one BLAS thread, median of "
            f"{args.repeats}; ms per generation at {args.short} and {args.long} "
            "generations"
        )
        print(
            f"  {'case':<24}{'total':>9}{'':>9}{'ratio':>7}"
            f"{'outside Ridge':>15}{'':>9}{'ratio':>7}"
        )
        for name, params in CASES.items():
            short = per_generation(params, X, y, args.short, args.repeats)
            long = per_generation(params, X, y, args.long, args.repeats)
            ratios[name] = (long[0] / short[0], long[1] / short[1])
            print(
                f"  {name:<24}{short[0] * 1e3:9.3f}{long[0] * 1e3:9.3f}"
                f"{ratios[name][0]:7.2f}{short[1] * 1e3:15.3f}{long[1] * 1e3:9.3f}"
                f"{ratios[name][1]:7.2f}"
            )
    print("  target: ratio <= 1.2 (total where the training set keeps its size)")
    return ratios


if __name__ == "__main__":
    main()
