"""collapse_curve: repeats in chunks, one math-library thread per repeat."""

import numpy as np
import pytest
from sklearn.linear_model import Ridge
from threadpoolctl import threadpool_info, threadpool_limits

from skcollapse import RecursiveRetrainer
from skcollapse.model_selection import _chunk_size, collapse_curve

rng = np.random.default_rng(0)
X = rng.normal(size=(40, 3))
Y = X @ [1.0, -1.0, 2.0] + rng.normal(size=40)
RETRAINER = RecursiveRetrainer(Ridge(), n_generations=3)


def _blas_threads(estimator):
    threads = max(
        (p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"),
        default=1,
    )
    return {"blas_threads": np.full(estimator.n_generations_ + 1, threads)}


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(chunk_size=1),
        dict(chunk_size=3),
        dict(chunk_size=100),
        dict(n_jobs=2),
        dict(n_jobs=2, chunk_size=2),
        dict(inner_threads=None),
    ],
)
def test_the_result_does_not_depend_on_how_repeats_are_dispatched(kwargs):
    reference = collapse_curve(RETRAINER, X, Y, n_repeats=7, random_state=0)
    result = collapse_curve(RETRAINER, X, Y, n_repeats=7, random_state=0, **kwargs)
    assert set(result) == set(reference)
    for key in ("score_real", "drift", "label_noise_scale", "seeds", "n_generations"):
        np.testing.assert_array_equal(result[key], reference[key])


@pytest.mark.parametrize(
    "chunk_size, n_repeats, n_jobs, expected",
    [
        ("auto", 7, 1, 2),  # ceil(7 / 4)
        ("auto", 400, 2, 50),  # ceil(400 / 8)
        ("auto", 10_000, 2, 64),  # at most 64
        ("auto", 3, 2, 1),
        (5, 3, 2, 5),
    ],
)
def test_chunk_size(chunk_size, n_repeats, n_jobs, expected):
    assert _chunk_size(chunk_size, n_repeats, n_jobs) == expected


def test_each_repeat_runs_with_one_blas_thread_unless_asked_otherwise():
    if not any(p["user_api"] == "blas" for p in threadpool_info()):
        pytest.skip("no BLAS thread pool visible to threadpoolctl")
    with threadpool_limits(limits=2, user_api="blas"):
        outside = _blas_threads(RETRAINER.fit(X, Y))["blas_threads"][0]
        if outside < 2:
            pytest.skip("the BLAS here runs a single thread")
        kw = dict(n_repeats=2, random_state=0, measure=_blas_threads)
        pinned = collapse_curve(RETRAINER, X, Y, **kw)
        free = collapse_curve(RETRAINER, X, Y, inner_threads=None, **kw)
        two = collapse_curve(RETRAINER, X, Y, inner_threads=2, **kw)
    assert np.all(pinned["blas_threads"] == 1)
    assert np.all(free["blas_threads"] == outside)
    assert np.all(two["blas_threads"] == 2)


@pytest.mark.parametrize("value", [0, True, "many"])
def test_bad_dispatch_parameters_are_refused(value):
    from skcollapse._compat import InvalidParameterError

    for param in ("chunk_size", "inner_threads"):
        with pytest.raises(InvalidParameterError, match=param):
            collapse_curve(RETRAINER, X, Y, n_repeats=2, **{param: value})
