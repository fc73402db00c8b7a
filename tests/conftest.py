"""Test-suite settings shared by every test module."""

import os

import pytest
from threadpoolctl import threadpool_limits

# Plots are drawn off-screen.
os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture(autouse=True, scope="session")
def _one_blas_thread():
    """One BLAS thread per test process.

    pytest-xdist runs one process per core; letting each of them start a BLAS
    thread per core oversubscribes the machine, and small least-squares solves
    then take a hundred times longer.
    """
    with threadpool_limits(limits=1):
        yield
