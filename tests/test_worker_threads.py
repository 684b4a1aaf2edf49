"""Local pool workers start with single-threaded BLAS/OpenMP thread pools, so the workers,
one per core, do not each start a thread per core and preempt each other."""

from __future__ import annotations

import os

from paradisk.executors import THREAD_VARIABLES, map_tasks


def test_workers_start_single_threaded_and_the_parent_is_left_as_it_was(monkeypatch):
    for k in THREAD_VARIABLES:
        monkeypatch.delenv(k, raising=False)
    monkeypatch.setenv("MKL_NUM_THREADS", "3")  # the user's own setting is kept
    seen = map_tasks(os.getenv, [(k,) for k in THREAD_VARIABLES], workers=2)
    assert dict(zip(THREAD_VARIABLES, seen, strict=True)) == {
        "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "3"}
    assert os.environ.get("OMP_NUM_THREADS") is None
    assert os.environ.get("OPENBLAS_NUM_THREADS") is None
    assert os.environ["MKL_NUM_THREADS"] == "3"


def test_one_default_worker_count(monkeypatch):
    """run (RunOptions), design (search_design) and map_tasks take their worker count from
    paradisk.executors.default_workers: one per core, at most 8."""
    import inspect

    from paradisk import executors
    from paradisk.design import search_design
    from paradisk.pipeline import default_workers
    from paradisk.results import RunOptions

    assert default_workers is executors.default_workers
    for cores, expected in ((1, 1), (2, 2), (6, 6), (64, 8), (None, 1)):
        monkeypatch.setattr(os, "cpu_count", lambda c=cores: c)
        assert executors.default_workers() == expected
        assert RunOptions().workers == expected
    assert inspect.signature(search_design).parameters["workers"].default is None
    assert inspect.signature(map_tasks).parameters["workers"].default is None


def test_the_command_line_runs_single_threaded_numerics_unless_told_otherwise(tmp_path):
    """A task the command line runs inline (one disk, one row) solves with the single-threaded
    BLAS of a pool worker: the variables are set before numpy loads, a user's value kept."""
    import subprocess
    import sys

    from tests.conftest import EXAMPLE_SPEC

    script = ("import os, sys\n"
              "from paradisk.cli import main\n"
              "main(['profile', sys.argv[1], '--json'])\n"
              "import numpy\n"
              "print('|'.join(os.environ.get(k, '-') for k in sys.argv[2:]))\n")
    env = {k: v for k, v in os.environ.items() if k not in THREAD_VARIABLES}
    env["MKL_NUM_THREADS"] = "3"
    out = subprocess.run([sys.executable, "-c", script, str(EXAMPLE_SPEC), *THREAD_VARIABLES],
                         capture_output=True, text=True, env=env, check=True, timeout=300)
    assert out.stdout.strip().splitlines()[-1] == "1|1|3"
