"""Where the per-disk tasks run: inline, a local process pool, or a Dask distributed cluster.

``map_tasks(fn, args, ...)`` calls ``fn(*a)`` for every tuple in ``args`` and reports each result
to ``on_done(index, result)`` as it completes (for progress bars); it returns the results in the
order of ``args``. ``fn`` must be importable (a module-level function) and its arguments and
results plain data, because they cross process or machine boundaries.

- ``workers == 1`` and no scheduler: inline, in this process (debugging, profiling).
- ``workers > 1``: a ``ProcessPoolExecutor`` with the "spawn" start method (a forked copy of a
  process holding NGSolve or BLAS threads is not safe).
- ``scheduler``: the address of a running Dask scheduler ("tcp://host:8786"), e.g. one started
  by dask-jobqueue's SLURMCluster on a cluster (see docs/cluster.md).
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Any


def map_tasks(
    fn: Callable[..., Any],
    args: Sequence[tuple],
    workers: int = 2,
    scheduler: str | None = None,
    on_done: Callable[[int, Any], None] | None = None,
) -> list[Any]:
    """Run ``fn(*a)`` for every ``a`` in ``args``; results in input order."""
    results: list[Any] = [None] * len(args)

    def done(i: int, value: Any) -> None:
        results[i] = value
        if on_done is not None:
            on_done(i, value)

    if not args:
        return results
    if scheduler is not None:
        _run_dask(fn, args, scheduler, done)
    elif workers <= 1 or len(args) == 1:
        for i, a in enumerate(args):
            done(i, fn(*a))
    else:
        ctx = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=min(workers, len(args)), mp_context=ctx) as pool:
            futures = {pool.submit(fn, *a): i for i, a in enumerate(args)}
            for fut in as_completed(futures):
                done(futures[fut], fut.result())
    return results


def _run_dask(fn: Callable[..., Any], args: Sequence[tuple], scheduler: str,
              done: Callable[[int, Any], None]) -> None:
    try:
        from distributed import Client
        from distributed import as_completed as dask_completed
    except ImportError as exc:  # pragma: no cover - dask is a dependency
        raise RuntimeError("the Dask scheduler needs the 'distributed' package") from exc
    with Client(scheduler, timeout="30s") as client:
        futures = [client.submit(fn, *a, pure=False) for a in args]
        index = {f.key: i for i, f in enumerate(futures)}
        for fut in dask_completed(futures):
            done(index[fut.key], fut.result())
