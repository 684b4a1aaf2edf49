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

A task whose worker dies (segfault, out-of-memory kill: ``BrokenProcessPool``, Dask's
``KilledWorker``) or that raises becomes ``on_error(exception)`` when ``on_error`` is given
(the pipeline turns it into an error row for that disk), instead of aborting the sweep. A dead
worker breaks a whole process pool, so the tasks that were pending in it are run again, each in
a fresh single-process pool of its own: only the task that kills its worker again gets an error.
A scheduler that cannot be reached is a ``UserInputError`` (one line, no traceback).

A script that starts a process pool from its top level, outside ``if __name__ == "__main__":``,
would be run again by every spawned worker (spawn imports the main script); ``check_main_guard``
stops it with one clear error before any worker starts or any result is written.
"""

from __future__ import annotations

import ast
import multiprocessing
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from paradisk.errors import UserInputError

OnError = Callable[[BaseException], Any]


def error_result(exc: BaseException) -> dict[str, str]:
    """The stage-result form of a task that died or raised: {"error": "Type: message"}."""
    return {"error": f"{type(exc).__name__}: {exc}"}


class UnguardedScriptError(RuntimeError):
    """A script starts worker processes outside ``if __name__ == "__main__":``."""


def _guarded_lines(path: str) -> list[tuple[int, int]]:
    """Line ranges of the top-level ``if __name__ == "__main__":`` blocks of the file."""
    try:
        with open(path, encoding="utf-8") as f:
            tree = ast.parse(f.read(), filename=path)
    except (OSError, SyntaxError, ValueError):
        return []
    out = []
    for node in tree.body:
        if isinstance(node, ast.If) and isinstance(node.test, ast.Compare):
            names = [node.test.left, *node.test.comparators]
            text = {ast.unparse(n) for n in names}
            if text == {"__name__", "'__main__'"}:
                out.append((node.lineno, node.end_lineno or node.lineno))
    return out


def check_main_guard() -> None:
    """Raise UnguardedScriptError when this call comes from the top level of a main script that
    spawned workers would import again (outside its ``if __name__ == "__main__":`` block).

    Mirrors what the "spawn" start method imports in each worker: the main module by name
    (``python -m mod``; not a package's ``__main__``) or by path (``python script.py``);
    notebooks and ``python -c`` have no main file and pass.
    """
    main = sys.modules.get("__main__")
    if main is None:
        return
    spec_name = getattr(getattr(main, "__spec__", None), "name", None)
    if spec_name is not None and (spec_name == "__main__" or spec_name.endswith(".__main__")):
        return
    path = getattr(main, "__file__", None)
    if not path:
        return
    frame = sys._getframe(1)
    while frame is not None and not (frame.f_code.co_name == "<module>"
                                     and frame.f_globals is vars(main)):
        frame = frame.f_back
    if frame is None:
        return
    line = frame.f_lineno
    if any(lo <= line <= hi for lo, hi in _guarded_lines(path)):
        return
    raise UnguardedScriptError(
        f"{path}, line {line}: paradisk runs the disks in worker processes, and each worker "
        "imports this script again, which would run it again from the top; put the code that "
        "runs the pipeline under 'if __name__ == \"__main__\":' (see examples/"
        "run_in_python.py). Stopped before starting any worker; no results were written."
    )


def map_tasks(
    fn: Callable[..., Any],
    args: Sequence[tuple],
    workers: int = 2,
    scheduler: str | None = None,
    on_done: Callable[[int, Any], None] | None = None,
    on_error: OnError | None = None,
    connect_timeout_s: float = 30.0,
) -> list[Any]:
    """Run ``fn(*a)`` for every ``a`` in ``args``; results in input order.

    ``on_error(exc)``: the result of a task that raised or whose worker died (None: re-raise).
    ``connect_timeout_s``: how long to try reaching ``scheduler`` (s).
    """
    results: list[Any] = [None] * len(args)

    def done(i: int, value: Any) -> None:
        results[i] = value
        if on_done is not None:
            on_done(i, value)

    def failed(i: int, exc: BaseException) -> None:
        if on_error is None:
            raise exc
        done(i, on_error(exc))

    if not args:
        return results
    if scheduler is not None:
        _run_dask(fn, args, scheduler, done, failed, connect_timeout_s)
    elif workers <= 1 or len(args) == 1:
        for i, a in enumerate(args):
            try:
                value = fn(*a)
            except Exception as exc:
                failed(i, exc)
            else:
                done(i, value)
    else:
        check_main_guard()
        broken = _run_pool(fn, args, range(len(args)), min(workers, len(args)), done, failed)
        for i in broken:  # isolate the tasks of a broken pool: one fresh process each
            _run_pool(fn, args, [i], 1, done, failed, last_try=True)
    return results


def _run_pool(fn: Callable[..., Any], args: Sequence[tuple], indices: Sequence[int] | range,
              workers: int, done: Callable[[int, Any], None],
              failed: Callable[[int, BaseException], None], last_try: bool = False) -> list[int]:
    """Run the tasks ``indices`` in a spawn process pool; returns those lost to a broken pool
    (a worker died) unless ``last_try``, when they are reported to ``failed``."""
    ctx = multiprocessing.get_context("spawn")
    broken: list[int] = []
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        futures: dict[Future, int] = {pool.submit(fn, *args[i]): i for i in indices}
        for fut in as_completed(futures):
            i = futures[fut]
            try:
                value = fut.result()
            except BrokenProcessPool as exc:
                if last_try:
                    failed(i, BrokenProcessPool(f"the worker process died ({exc})"))
                else:
                    broken.append(i)
            except Exception as exc:
                failed(i, exc)
            else:
                done(i, value)
    return sorted(broken)


def _run_dask(fn: Callable[..., Any], args: Sequence[tuple], scheduler: str,
              done: Callable[[int, Any], None], failed: Callable[[int, BaseException], None],
              connect_timeout_s: float) -> None:
    try:
        from distributed import Client
        from distributed import as_completed as dask_completed
    except ImportError as exc:  # pragma: no cover - dask is a dependency
        raise RuntimeError("the Dask scheduler needs the 'distributed' package") from exc
    try:
        client = Client(scheduler, timeout=f"{connect_timeout_s}s")
    except (OSError, TimeoutError, ValueError, TypeError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise UserInputError(f"--scheduler {scheduler}: cannot reach a Dask scheduler there "
                             f"({reason})") from None
    with client:
        futures = [client.submit(fn, *a, pure=False) for a in args]
        index = {f.key: i for i, f in enumerate(futures)}
        for fut in dask_completed(futures):
            try:
                value = fut.result()
            except Exception as exc:  # KilledWorker, or the task raised
                failed(index[fut.key], exc)
            else:
                done(index[fut.key], value)
