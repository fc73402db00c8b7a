"""Speed of collapse_curve's batched engine against the refit path.

Four workloads of issue 12, each run through ``collapse_curve`` with
``engine="refit"`` and ``engine="batched"`` in the same process, one BLAS
thread (``threadpoolctl``), ``n_jobs=1``:

1. Seddik et al.'s categorical loop: ``CategoricalDensity`` over a
   vocabulary of 600 tokens, n = 100 tokens per generation, 100 generations,
   1,000 repeats (target: batched at least 100x faster);
2. Shumailov et al.'s 1-D Gaussian refit: ``GaussianDensity``, M = 100
   samples, 2,000 generations, 200 repeats (target: 300x);
3. the fixed-design OLS chain: ``LinearRegression`` on 100 x 10 real data,
   ``inputs="reuse"``, ``label_noise=1.0``, 20 generations, 1,000 repeats
   (target: 300x);
4. Dohmatob et al.'s fresh-design ridge: ``Ridge(alpha=1.0)`` on T0 = 200
   real rows of d = 50 Gaussian features, every generation's T = 200
   synthetic inputs drawn fresh from a ``GaussianDensity`` fitted on them
   (``inputs=GaussianDensity()``), ``label_noise=1.0``, 10 generations, 500
   repeats (target: 30x).

The refit side is measured on ``--refit-repeats`` repeats (default 20) and
scaled linearly to the full count (its repeats are independent and cost the
same, so its time is linear in them); the output says so. The batched side
runs the full count. The batched time is the best of ``--rounds`` runs
(default 5: a run of a second or less is easily hit by another process on a
shared machine, and the best of a few is the least disturbed), the refit time
the best of ``--refit-rounds`` (default 1: a refit run lasts seconds to
minutes). The load average is printed: on a shared machine both sides slow
down, the refit side more (its many small fits suffer more from the other
processes), so the ratio is highest under load; quote it with the load.

Then the scale run of issue 12 (:func:`seddik_scale`): the categorical loop
for 10,000 repeats x 1,000 generations with ``n_jobs=2``, its wall time and
CPU seconds (``--scale-repeats 0`` skips it).

Run::

    python benchmarks/bench_engine.py [--refit-repeats 20] [--rounds 5]
        [--refit-rounds 1] [--only 4]
        [--scale-repeats 10000]
"""

import argparse
import os
import time

import numpy as np
from sklearn.linear_model import LinearRegression, Ridge
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
    X_fresh = rng.standard_normal((200, 50))
    y_fresh = X_fresh @ rng.standard_normal(50) + rng.standard_normal(200)
    fresh = RecursiveRetrainer(
        Ridge(alpha=1.0), n_generations=10, inputs=GaussianDensity(), label_noise=1.0
    )
    return [
        ("Seddik categorical, 600 tokens, n=100, 100 gen.", seddik, tokens, None,
         1000, 100),
        ("1-D Gaussian refit, M=100, 2,000 gen.", gaussian, X_gauss, None, 200, 300),
        ("fixed-design OLS chain 100 x 10, 20 gen.", ols, X, y, 1000, 300),
        ("fresh-design ridge, d=50, T=T0=200, 10 gen.", fresh, X_fresh, y_fresh,
         500, 30),
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


def seddik_scale(n_repeats=10_000, n_generations=1_000, n_jobs=2):
    """Issue 12's scale target: Seddik et al.'s categorical loop (600 tokens,
    n = 100) for 10,000 repeats x 1,000 generations in under a minute on 2
    cores (``n_jobs=2``, joblib's default backend).

    Returns the wall time and the CPU seconds of the main process and of its
    worker processes (through ``psutil`` when it is installed, else NaN): on
    a shared machine the wall time grows with the load, the CPU seconds do
    not, and CPU / 2 is the wall time on two idle cores.
    """
    rng = np.random.default_rng(0)
    tokens = rng.integers(0, 600, size=(100, 1))
    estimator = RecursiveDensityRetrainer(
        CategoricalDensity(categories=np.arange(600)), n_generations=n_generations
    )
    try:
        import psutil
    except ImportError:  # the CPU time of the workers is then unknown
        psutil = None

    def cpu():
        if psutil is None:
            return float("nan")
        process = psutil.Process()
        total = sum(process.cpu_times()[:2])
        for child in process.children(recursive=True):
            try:
                total += sum(child.cpu_times()[:2])
            except psutil.Error:  # a worker that has just exited
                pass
        return total

    start_cpu, start = cpu(), time.perf_counter()
    result = collapse_curve(
        estimator, tokens, n_repeats=n_repeats, random_state=0,
        engine="batched", n_jobs=n_jobs,
    )  # fmt: skip
    wall, cpu_seconds = time.perf_counter() - start, cpu() - start_cpu
    assert set(result["engine"]) == {"batched"}
    return wall, cpu_seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--refit-repeats", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--refit-rounds", type=int, default=1)
    parser.add_argument(
        "--scale-repeats", type=int, default=10_000,
        help="repeats of the scale run (0 skips it)",
    )  # fmt: skip
    parser.add_argument(
        "--only", type=int, nargs="*", help="run only these workloads (1-4)"
    )
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()}")
    rows = []
    with threadpool_limits(limits=1):
        for index, (name, estimator, X, y, n_repeats, target) in enumerate(
            workloads(), start=1
        ):
            if args.only and index not in args.only:
                continue
            batched = best_time(estimator, X, y, n_repeats, "batched", args.rounds)
            n_refit = min(args.refit_repeats, n_repeats)
            refit = best_time(estimator, X, y, n_refit, "refit", args.refit_rounds)
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
    scale = None
    if args.scale_repeats:
        with threadpool_limits(limits=1):
            scale = seddik_scale(args.scale_repeats)
    print(f"load average after: {os.getloadavg()}")
    print()
    print("| workload | repeats | refit (s) | batched (s) | batched/refit |")
    print("|---|---|---|---|---|")
    for name, n_repeats, scaled, n_refit, batched, ratio, target in rows:
        print(
            f"| {name} | {n_repeats:,} | {scaled:.1f} (from {n_refit}) | "
            f"{batched:.3f} | {ratio:.0f}x (target {target}x) |"
        )
    if scale is not None:
        wall, cpu = scale
        print(
            f"\nSeddik categorical at scale, {args.scale_repeats:,} repeats x 1,000 "
            f"gen., n_jobs=2: {wall:.1f} s wall, {cpu:.1f} CPU s (target: under "
            "a minute on 2 cores, i.e. CPU / 2 < 60 s on idle cores)"
        )


if __name__ == "__main__":
    main()
