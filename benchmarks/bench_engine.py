"""Speed of collapse_curve's batched engine against the refit path.

Three workloads of issue 12, each run through ``collapse_curve`` with
``engine="refit"`` and ``engine="batched"`` in the same process, one BLAS
thread (``threadpoolctl``), ``n_jobs=1``:

1. Seddik et al.'s categorical loop: ``CategoricalDensity`` over a
   vocabulary of 600 tokens, n = 100 tokens per generation, 100 generations,
   1,000 repeats (target: batched at least 100x faster);
2. Shumailov et al.'s 1-D Gaussian refit: ``GaussianDensity``, M = 100
   samples, 2,000 generations, 200 repeats (target: 300x);
3. the fixed-design OLS chain: ``LinearRegression`` on 100 x 10 real data,
   ``inputs="reuse"``, ``label_noise=1.0``, 20 generations, 1,000 repeats
   (target: 300x).

The refit side is measured on ``--refit-repeats`` repeats (default 20) and
scaled linearly to the full count (its repeats are independent and cost the
same, so its time is linear in them); the output says so. The batched side
runs the full count. Each time is the best of ``--rounds`` runs. The load
average is printed: on a shared machine both sides slow down together, and
the ratio is what is compared.

Run::

    python benchmarks/bench_engine.py [--refit-repeats 20] [--rounds 2]
"""

import argparse
import os
import time

import numpy as np
from sklearn.linear_model import LinearRegression
from threadpoolctl import threadpool_limits

from skcollapse import RecursiveDensityRetrainer, RecursiveRetrainer
from skcollapse.generative import CategoricalDensity, GaussianDensity
from skcollapse.model_selection import collapse_curve


def workloads():
    rng = np.random.default_rng(0)
    tokens = rng.integers(0, 600, size=(100, 1))
    seddik = RecursiveDensityRetrainer(
        CategoricalDensity(categories=np.arange(600)), n_generations=100
    )
    gaussian = RecursiveDensityRetrainer(GaussianDensity(), n_generations=2000)
    X_gauss = rng.standard_normal((100, 1))
    X = rng.standard_normal((100, 10))
    y = X @ rng.standard_normal(10) + rng.standard_normal(100)
    ols = RecursiveRetrainer(LinearRegression(), n_generations=20, label_noise=1.0)
    return [
        ("Seddik categorical, 600 tokens, n=100, 100 gen.", seddik, tokens, None,
         1000, 100),
        ("1-D Gaussian refit, M=100, 2,000 gen.", gaussian, X_gauss, None, 200, 300),
        ("fixed-design OLS chain 100 x 10, 20 gen.", ols, X, y, 1000, 300),
    ]  # fmt: skip


def best_time(estimator, X, y, n_repeats, engine, rounds):
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        result = collapse_curve(
            estimator, X, y, n_repeats=n_repeats, random_state=0, engine=engine
        )
        times.append(time.perf_counter() - start)
        assert set(result["engine"]) == {engine}
    return min(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--refit-repeats", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()}")
    rows = []
    with threadpool_limits(limits=1):
        for name, estimator, X, y, n_repeats, target in workloads():
            batched = best_time(estimator, X, y, n_repeats, "batched", args.rounds)
            n_refit = min(args.refit_repeats, n_repeats)
            refit = best_time(estimator, X, y, n_refit, "refit", 1)
            scaled = refit * n_repeats / n_refit
            ratio = scaled / batched
            rows.append((name, n_repeats, scaled, n_refit, batched, ratio, target))
            print(
                f"{name}: {n_repeats} repeats, refit {scaled:.1f} s (measured on "
                f"{n_refit} repeats, scaled linearly), batched {batched:.3f} s, "
                f"ratio {ratio:.0f}x (target >= {target}x: "
                f"{'met' if ratio >= target else 'NOT met'})",
                flush=True,
            )
    print(f"load average after: {os.getloadavg()}")
    print()
    print("| workload | repeats | refit (s) | batched (s) | batched/refit |")
    print("|---|---|---|---|---|")
    for name, n_repeats, scaled, n_refit, batched, ratio, target in rows:
        print(
            f"| {name} | {n_repeats:,} | {scaled:.1f} (from {n_refit}) | "
            f"{batched:.3f} | {ratio:.0f}x (target {target}x) |"
        )


if __name__ == "__main__":
    main()
