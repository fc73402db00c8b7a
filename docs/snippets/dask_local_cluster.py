"""Collapse curves on a Dask cluster: a LocalCluster on this machine.

Run it as a script (``python dask_local_cluster.py``): the ``__main__`` guard
lets the cluster's worker processes start on every platform. On a real cluster,
replace ``LocalCluster(...)`` by the scheduler's address (step 3).
"""

import joblib
from distributed import Client, LocalCluster
from sklearn.datasets import make_regression
from sklearn.linear_model import Ridge

from skcollapse import RecursiveRetrainer
from skcollapse.model_selection import collapse_curve

if __name__ == "__main__":
    X, y = make_regression(n_samples=500, n_features=10, noise=10.0, random_state=0)
    retrainer = RecursiveRetrainer(Ridge(), n_generations=20)

    # 2 worker processes of 1 thread each: the repeats are single-threaded.
    with (
        LocalCluster(n_workers=2, threads_per_worker=1) as cluster,
        Client(cluster) as client,
    ):
        print("dashboard:", client.dashboard_link)
        with joblib.parallel_config(backend="dask"):
            result = collapse_curve(
                retrainer, X, y, n_repeats=200, random_state=0, verbose=1
            )

    # The same seeds give the same curves as on one machine, bit for bit.
    local = collapse_curve(retrainer, X, y, n_repeats=200, random_state=0)
    assert (result["drift"] == local["drift"]).all()
    print(result.to_frame().groupby("generation")["score_real"].mean())
