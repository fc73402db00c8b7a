"""Parallel speed-up of collapse_curve, and the per-repeat overhead of dask.

Workload: ``collapse_curve(RecursiveRetrainer(Ridge()), X, y)`` with 400
repeats of 20 generations on 2,000 x 20 data (the defaults), run

1. sequentially (``n_jobs=1``, the default call, with the machine's default
   BLAS threads in the calling process: each repeat runs under one BLAS
   thread, ``inner_threads=1``, in every backend),
2. with loky (``n_jobs=2``; the target is a speed-up of at least 1.6 on two
   cores),
3. with the dask backend on a ``distributed.LocalCluster`` of ``n_jobs``
   single-threaded worker processes.

Then the per-repeat overhead of each backend is measured on repeats that do
almost nothing (generation 0 only, on 50 x 2 data): the wall time per repeat
minus the sequential one. The worker pools (loky processes, the dask cluster)
are started and warmed up before any timing; each timing is the median of
``--rounds`` runs. The script also checks that every backend returns the same
curves bit for bit, and prints the load average, since timings on a shared
machine depend on what else runs.

Run::

    python benchmarks/bench_collapse_curve.py [--n-repeats 400] [--rounds 3]
    python benchmarks/bench_collapse_curve.py --no-dask
"""

import argparse
import os
import time

import joblib
import numpy as np
from sklearn.linear_model import Ridge
from sklearn.utils.parallel import Parallel, delayed

from skcollapse import RecursiveRetrainer
from skcollapse.model_selection import collapse_curve


def make_data(n_samples, n_features, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_samples, n_features))
    y = X @ rng.standard_normal(n_features) + rng.standard_normal(n_samples)
    return X, y


def run_once(estimator, X, y, n_repeats, n_jobs):
    start = time.perf_counter()
    result = collapse_curve(
        estimator, X, y, n_repeats=n_repeats, n_jobs=n_jobs, random_state=0
    )
    return time.perf_counter() - start, result


def same_curves(a, b):
    return all(
        np.array_equal(a[key], b[key], equal_nan=a[key].dtype.kind == "f")
        for key in a
        if key != "fit_time"
    )


def spin(n_iterations):
    """Pure CPU work without memory traffic or numerical libraries."""
    total = 0
    for i in range(n_iterations):
        total += i * i
    return total


def spin_iterations(seconds):
    start = time.perf_counter()
    spin(200_000)
    return max(1, int(200_000 * seconds / (time.perf_counter() - start)))


def time_spin(n_tasks, n_iterations, n_jobs):
    start = time.perf_counter()
    Parallel(n_jobs=n_jobs)(delayed(spin)(n_iterations) for _ in range(n_tasks))
    return time.perf_counter() - start


def run_backends(estimator, X, y, n_repeats, n_jobs, rounds, client, calibrate):
    """{backend: (median wall time, median in-worker fit time, result)}.

    The backends are timed in turn within each round, so that a change of
    load on the machine hits them all alike. With ``calibrate``, each round
    also times ``n_repeats`` tasks of pure CPU work as long as one sequential
    repeat, sequentially and with loky: the speed-up a perfectly parallel
    workload gets from the cores available at that moment.
    """
    backends = {"sequential": ("sequential", 1), "loky": ("loky", n_jobs)}
    if client is not None:
        backends["dask"] = ("dask", None)
    for backend, jobs in backends.values():  # start and warm the pools
        with joblib.parallel_config(backend=backend):
            collapse_curve(estimator, X, y, n_repeats=2 * n_jobs, n_jobs=jobs)
    walls = {name: [] for name in backends}
    fits = {name: [] for name in backends}
    if calibrate:
        walls.update({"spin sequential": [], "spin loky": []})
    results = {}
    for _ in range(rounds):
        for name, (backend, jobs) in backends.items():
            with joblib.parallel_config(backend=backend):
                wall, results[name] = run_once(estimator, X, y, n_repeats, jobs)
            walls[name].append(wall)
            fits[name].append(results[name]["fit_time"].sum())
        if calibrate:
            n_iterations = spin_iterations(fits["sequential"][-1] / n_repeats)
            walls["spin sequential"].append(time_spin(n_repeats, n_iterations, 1))
            with joblib.parallel_config(backend="loky"):
                walls["spin loky"].append(time_spin(n_repeats, n_iterations, n_jobs))
    runs = {
        name: (
            float(np.median(walls[name])),
            float(np.median(fits[name])),
            results[name],
        )
        for name in backends
    }
    if calibrate:
        runs["calibration"] = float(
            np.median(np.array(walls["spin sequential"]) / walls["spin loky"])
        )
    return runs


def print_table(title, runs, n_repeats, n_jobs):
    sequential = runs["sequential"][0]
    print(title)
    print(
        f"  {'backend':<11}{'n_jobs':>7}{'wall (s)':>10}{'speed-up':>10}"
        f"{'fit/repeat (ms)':>17}{'overhead/repeat (ms)':>22}{'same curves':>13}"
    )
    for name, (wall, fit, result) in runs.items():
        jobs = 1 if name == "sequential" else n_jobs
        # wall time not spent fitting: dispatch, (de)serialisation, scheduling
        overhead = (wall - fit / jobs) / n_repeats * 1e3
        print(
            f"  {name:<11}{jobs:>7}{wall:>10.2f}{sequential / wall:>10.2f}"
            f"{fit / n_repeats * 1e3:>17.2f}{overhead:>22.2f}"
            f"{str(same_curves(runs['sequential'][2], result)):>13}"
        )
    print(
        "  fit/repeat: wall time of one repeat's fit inside its worker (it grows "
        "when\n  the workers compete for the cores); overhead/repeat: the rest "
        "of the wall time,\n  per repeat: (wall - total fit time / n_jobs) / "
        "n_repeats."
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-repeats", type=int, default=400)
    parser.add_argument("--n-generations", type=int, default=20)
    parser.add_argument("--n-samples", type=int, default=2000)
    parser.add_argument("--n-features", type=int, default=20)
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--overhead-repeats",
        type=int,
        default=400,
        help="repeats of the near-empty workload that measures per-repeat overhead",
    )
    parser.add_argument("--no-dask", action="store_true", help="skip the dask runs")
    parser.add_argument(
        "--blas-threads",
        type=int,
        default=0,
        help="BLAS threads of the calling process (default 0: leave BLAS as it "
        "is, the call a user makes; collapse_curve runs every repeat under one "
        "BLAS thread itself, inner_threads=1, in every backend)",
    )
    args = parser.parse_args(argv)
    if args.blas_threads > 0:
        from threadpoolctl import threadpool_limits

        threadpool_limits(args.blas_threads)
        print(f"BLAS threads in the calling process: {args.blas_threads}")

    print(
        f"cores: {os.cpu_count()}, load average before: "
        + ", ".join(f"{v:.2f}" for v in os.getloadavg())
    )
    cluster = client = None
    if not args.no_dask:
        from distributed import Client, LocalCluster

        cluster = LocalCluster(
            n_workers=args.n_jobs,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
        )
        client = Client(cluster)
    try:
        X, y = make_data(args.n_samples, args.n_features)
        estimator = RecursiveRetrainer(Ridge(), n_generations=args.n_generations)
        runs = run_backends(
            estimator, X, y, args.n_repeats, args.n_jobs, args.rounds, client, True
        )
        calibration = runs.pop("calibration")
        print_table(
            f"\nRecursiveRetrainer(Ridge()), {args.n_repeats} repeats x "
            f"{args.n_generations} generations, {args.n_samples} x "
            f"{args.n_features} data, median of {args.rounds}",
            runs,
            args.n_repeats,
            args.n_jobs,
        )

        X, y = make_data(50, 2)
        tiny = RecursiveRetrainer(Ridge(), n_generations=0)
        overhead_runs = run_backends(
            tiny, X, y, args.overhead_repeats, args.n_jobs, args.rounds, client, False
        )
        print_table(
            f"\nNear-empty repeats (generation 0 only, 50 x 2 data), "
            f"{args.overhead_repeats} repeats: per-repeat overhead",
            overhead_runs,
            args.overhead_repeats,
            args.n_jobs,
        )
    finally:
        if client is not None:
            client.close()
            cluster.close()

    def overhead(runs, name, n_repeats):
        wall, fit, _ = runs[name]
        jobs = 1 if name == "sequential" else args.n_jobs
        return (wall - fit / jobs) / n_repeats * 1e3

    seq_wall, seq_fit, _ = runs["sequential"]
    speed_up = seq_wall / runs["loky"][0]
    loky_overhead = overhead(runs, "loky", args.n_repeats)
    projected = seq_wall / (
        seq_fit / args.n_jobs + loky_overhead * args.n_repeats / 1e3
    )
    print(
        f"\nspeed-up n_jobs={args.n_jobs} vs n_jobs=1 (loky): {speed_up:.2f} measured"
    )
    print(
        f"  projected on {args.n_jobs} idle cores (sequential fit times, measured "
        f"loky overhead): {projected:.2f}   target >= 1.6"
    )
    print(
        f"  a perfectly parallel task of the same length got {calibration:.2f} "
        f"from the cores free meanwhile: collapse_curve reached "
        f"{speed_up / calibration:.0%} of it"
    )
    if "dask" in runs:
        gap = overhead(runs, "dask", args.n_repeats) - loky_overhead
        tiny_gap = overhead(overhead_runs, "dask", args.overhead_repeats) - overhead(
            overhead_runs, "loky", args.overhead_repeats
        )
        print(
            f"dask overhead per repeat, minus loky's: {gap:+.2f} ms (workload), "
            f"{tiny_gap:+.2f} ms (near-empty repeats)"
        )
    print("load average after: " + ", ".join(f"{v:.2f}" for v in os.getloadavg()))
    return speed_up


if __name__ == "__main__":
    main()
