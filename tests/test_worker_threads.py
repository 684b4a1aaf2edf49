"""Local pool workers size their BLAS/OpenMP thread pools to their share of the cores, so two
workers on two cores do not each start a thread per core and preempt each other."""

from __future__ import annotations

import os

from paradisk.executors import THREAD_VARIABLES, map_tasks, threads_per_worker


def test_share_of_the_cores():
    assert threads_per_worker(2, cores=2) == 1
    assert threads_per_worker(2, cores=8) == 4
    assert threads_per_worker(3, cores=8) == 2
    assert threads_per_worker(16, cores=2) == 1  # never zero threads


def test_workers_start_with_their_share_and_the_parent_is_left_as_it_was(monkeypatch):
    for k in THREAD_VARIABLES:
        monkeypatch.delenv(k, raising=False)
    monkeypatch.setenv("MKL_NUM_THREADS", "3")  # the user's own setting is kept
    seen = map_tasks(os.getenv, [(k,) for k in THREAD_VARIABLES], workers=2)
    share = str(threads_per_worker(2))
    assert dict(zip(THREAD_VARIABLES, seen, strict=True)) == {
        "OMP_NUM_THREADS": share, "OPENBLAS_NUM_THREADS": share, "MKL_NUM_THREADS": "3"}
    assert os.environ.get("OMP_NUM_THREADS") is None
    assert os.environ.get("OPENBLAS_NUM_THREADS") is None
    assert os.environ["MKL_NUM_THREADS"] == "3"
