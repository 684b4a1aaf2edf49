"""Where the per-disk tasks run: inline, a local process pool, or a Dask distributed cluster.

``map_tasks(fn, args, ...)`` calls ``fn(*a)`` for every tuple in ``args`` and reports each result
to ``on_done(index, result)`` as it completes (for progress bars); it returns the results in the
order of ``args``. ``fn`` must be importable (a module-level function) and its arguments and
results plain data, because they cross process or machine boundaries.

- ``workers == 1`` and no scheduler: inline, in this process (debugging, profiling).
- ``workers > 1``: a ``ProcessPoolExecutor`` with the "spawn" start method (a forked copy of a
  process holding NGSolve or BLAS threads is not safe); each worker's BLAS/OpenMP thread pools are
  single-threaded (``worker_thread_limits``).
- ``scheduler``: the address of a running Dask scheduler ("tcp://host:8786"), e.g. one started
  by dask-jobqueue's SLURMCluster on a cluster (see docs/cluster.md).

A task whose worker dies (segfault, out-of-memory kill: ``BrokenProcessPool``, Dask's
``KilledWorker``) or that raises becomes ``on_error(exception)`` when ``on_error`` is given
(the pipeline turns it into an error row for that disk), instead of aborting the sweep. A dead
worker breaks a whole process pool, so the tasks that were pending in it are run again, each in
a fresh single-process pool of its own: only the task that kills its worker again gets an error.
Faults of the machinery itself stop the run with one line (``UserInputError``), never a hang:

- a scheduler address that is not a Dask scheduler, or does not answer its handshake within
  ``connect_timeout_s`` (a dashboard port, a port of another service, a firewall dropping
  packets), is checked with a plain socket before Dask reads anything from it (Dask would take
  the first bytes of an unrelated service for a message length and try to allocate exabytes);
- a cluster with no worker for ``no_workers_timeout_s`` (all died, none started) gives up,
  after notes every ``note_every_s`` while it waits (``on_note``).

Local pool workers exit when the process that started them dies, even by kill -9 (the kernel's
parent-death signal, and a watchdog thread polling the parent), so no worker and no
multiprocessing resource tracker outlives a killed run; they ignore Ctrl-C, which the main
process handles by stopping them and re-raising ``KeyboardInterrupt`` promptly.

A script that starts a process pool from its top level, outside ``if __name__ == "__main__":``,
would be run again by every spawned worker (spawn imports the main script); ``check_main_guard``
stops it with one clear error before any worker starts or any result is written.
"""

from __future__ import annotations

import ast
import contextlib
import multiprocessing
import os
import signal
import socket
import struct
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from paradisk.errors import UserInputError

OnError = Callable[[BaseException], Any]
OnNote = Callable[[str], None]
# a Dask handshake is a few hundred bytes; a larger length is another protocol's bytes
MAX_HANDSHAKE_BYTES = 1 << 20


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


def default_workers() -> int:
    """Local worker processes for the mode solves when none is asked for: one per core (a solve
    is CPU-bound, and each worker's BLAS is single-threaded, ``worker_thread_limits``), at
    most 8 (assumption: bounds the memory of the solves that run
    at once)."""
    return max(1, min(os.cpu_count() or 1, 8))


def map_tasks(
    fn: Callable[..., Any],
    args: Sequence[tuple],
    workers: int | None = None,
    scheduler: str | None = None,
    on_done: Callable[[int, Any], None] | None = None,
    on_error: OnError | None = None,
    connect_timeout_s: float = 30.0,
    no_workers_timeout_s: float = 120.0,
    on_note: OnNote | None = None,
    note_every_s: float = 30.0,
    cached: Callable[..., Any] | None = None,
) -> list[Any]:
    """Run ``fn(*a)`` for every ``a`` in ``args``; results in input order.

    ``cached(*a)``: the result of a task that needs no work (a cache hit), else None; such
    tasks are done here, and a run whose every task is cached starts no worker at all.

    ``on_error(exc)``: the result of a task that raised or whose worker died (None: re-raise).
    ``connect_timeout_s``: how long to try reaching ``scheduler`` (s).
    ``no_workers_timeout_s``: give up when the cluster has had no worker this long (s).
    ``on_note(line)``: what a Dask run is waiting for, every ``note_every_s`` without progress.
    ``workers``: local processes (None: ``default_workers()``).
    """
    if workers is None:
        workers = default_workers()
    results: list[Any] = [None] * len(args)

    def done(i: int, value: Any) -> None:
        results[i] = value
        if on_done is not None:
            on_done(i, value)

    def failed(i: int, exc: BaseException) -> None:
        if on_error is None:
            raise exc
        done(i, on_error(exc))

    if cached is not None:
        todo = []
        for i, a in enumerate(args):
            hit = cached(*a)
            if hit is None:
                todo.append(i)
            else:
                done(i, hit)
        if len(todo) < len(args):
            rest = map_tasks(fn, [args[i] for i in todo], workers, scheduler,
                             None if on_done is None else lambda j, v: on_done(todo[j], v),
                             on_error, connect_timeout_s, no_workers_timeout_s, on_note,
                             note_every_s)
            for i, value in zip(todo, rest, strict=True):
                results[i] = value
            return results
    if not args:
        return results
    if scheduler is not None:
        _run_dask(fn, args, scheduler, done, failed, connect_timeout_s, no_workers_timeout_s,
                  on_note or (lambda _line: None), note_every_s)
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
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_worker_init,
                               initargs=(os.getpid(),))
    try:
        # spawn starts the workers inside the first submits: they inherit this environment
        with worker_thread_limits():
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
    except BaseException:
        # Ctrl-C or an error in a callback: stop the workers now rather than wait for their
        # solves (a killed worker leaves no cache entry half-written: entries are atomic)
        _stop_pool(pool)
        raise
    pool.shutdown(wait=True)
    return sorted(broken)


def _stop_pool(pool: ProcessPoolExecutor) -> None:
    processes = list((getattr(pool, "_processes", None) or {}).values())
    for proc in processes:
        with contextlib.suppress(Exception):
            proc.terminate()
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in processes:
        with contextlib.suppress(Exception):
            proc.join(timeout=5)


# the BLAS/OpenMP thread pools a worker's numerical libraries start (numpy's and NGSolve's
# OpenBLAS, MKL where present); each reads its variable once, when it loads
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def single_threaded_numerics() -> None:
    """Make this process's BLAS/OpenMP thread pools single-threaded, unless the user set them;
    effective only before numpy (or NGSolve) loads: the command line calls it first. A task
    run inline (one disk, one row) then solves as a pool worker does (``worker_thread_limits``),
    instead of with a thread per core spinning in the kernel (a row's sensitivity solves spent
    2 min 20 s of 6 min CPU there)."""
    for k in THREAD_VARIABLES:
        os.environ.setdefault(k, "1")


@contextlib.contextmanager
def worker_thread_limits() -> Iterator[None]:
    """Environment for starting worker processes: each library's thread pool single-threaded.
    A worker's solves gain nothing from more BLAS threads (the FEM's dense products are small:
    a 20 um disk's window took 7.5 s wall and 7.6 s CPU with one thread, 7.9 s and 14.1 s with
    two, the second spinning while it waits), and the cores are the workers': with a thread per
    core in every worker the threads preempt each other (a cold example run spent a quarter of
    its CPU time in the kernel). A thread count the user set is kept."""
    before = {k: os.environ.get(k) for k in THREAD_VARIABLES}
    for k, v in before.items():
        if v is None:
            os.environ[k] = "1"
    try:
        yield
    finally:
        for k, v in before.items():
            if v is None:
                os.environ.pop(k, None)


PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _worker_init(parent_pid: int) -> None:
    """Initializer of the local pool's workers: exit when the parent dies; leave Ctrl-C to the
    parent (which stops the pool), so a worker prints no traceback of its own."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    die_with_parent(parent_pid)


def die_with_parent(parent_pid: int, poll_s: float = 1.0) -> None:
    """Make this process exit when ``parent_pid`` (its parent) dies: the kernel's parent-death
    signal on Linux (works even while a solve holds the GIL), and a daemon thread polling the
    parent's pid (any POSIX system). The parent may already be gone: then exit at once."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(Exception):
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
    if os.getppid() != parent_pid:
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(poll_s)
            if os.getppid() != parent_pid:
                os._exit(1)

    threading.Thread(target=watch, name="paradisk-parent-watchdog", daemon=True).start()


def _run_dask(fn: Callable[..., Any], args: Sequence[tuple], scheduler: str,
              done: Callable[[int, Any], None], failed: Callable[[int, BaseException], None],
              connect_timeout_s: float, no_workers_timeout_s: float, note: OnNote,
              note_every_s: float) -> None:
    try:
        from distributed import Client
        from distributed import wait as dask_wait
    except ImportError as exc:  # pragma: no cover - dask is a dependency
        raise RuntimeError("the Dask scheduler needs the 'distributed' package") from exc
    t0 = time.monotonic()
    probe_scheduler(scheduler, connect_timeout_s, note)
    left = max(1.0, connect_timeout_s - (time.monotonic() - t0))
    try:
        client = Client(scheduler, timeout=f"{left}s")
    except (OSError, TimeoutError, ValueError, TypeError) as exc:
        raise _unreachable(scheduler, _first_line(exc)) from None
    with client:
        futures = [client.submit(fn, *a, pure=False) for a in args]
        index = {f.key: i for i, f in enumerate(futures)}
        pending = set(futures)
        last_change = last_note = time.monotonic()
        no_workers_since: float | None = None
        poll_s = min(2.0, note_every_s, max(0.2, no_workers_timeout_s / 10))
        while pending:
            try:
                finished = dask_wait(list(pending), timeout=poll_s,
                                     return_when="FIRST_COMPLETED").done
            except TimeoutError:
                finished = set()
            for fut in finished:
                pending.discard(fut)
                try:
                    value = fut.result()
                except Exception as exc:  # KilledWorker, or the task raised
                    failed(index[fut.key], exc)
                else:
                    done(index[fut.key], value)
            now = time.monotonic()
            if finished:
                last_change = now
                continue
            workers = _n_workers(client)
            if workers == 0:
                no_workers_since = no_workers_since or now
                if now - no_workers_since >= no_workers_timeout_s:
                    client.cancel(list(pending))
                    raise UserInputError(
                        f"--scheduler {scheduler}: no workers for {no_workers_timeout_s:g} s; "
                        f"{len(pending)} of {len(args)} tasks unfinished (every finished one "
                        f"is in the cache: a re-run resumes from there)")
            else:
                no_workers_since = None
            if now - max(last_change, last_note) >= note_every_s:
                last_note = now
                who = ("the scheduler does not answer" if workers is None else
                       "no workers" if workers == 0 else
                       f"{workers} worker{'s' if workers != 1 else ''}")
                gone = (f"; giving up after {no_workers_timeout_s:g} s without one"
                        if workers == 0 else "")
                note(f"waiting for the Dask cluster at {scheduler}: {len(args) - len(pending)} "
                     f"of {len(args)} tasks done, {who}{gone}")


def _n_workers(client: Any) -> int | None:
    """Workers connected to the scheduler now (None: the scheduler did not answer)."""
    try:
        return len(client.nthreads())
    except Exception:
        return None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _unreachable(scheduler: str, reason: str) -> UserInputError:
    return UserInputError(f"--scheduler {scheduler}: cannot reach a Dask scheduler there "
                          f"({reason})")


def probe_scheduler(address: str, timeout_s: float, note: OnNote | None = None) -> None:
    """Check that a Dask scheduler answers at ``address`` (tcp://host:port) within
    ``timeout_s``, with a plain socket: it must send a Dask handshake (a length-prefixed
    message of a few hundred bytes). A refused connection is retried until the deadline (the
    scheduler may be starting). Other transports (tls://, ...) are left to Dask's own timeout.
    Raises UserInputError (one line) otherwise."""
    scheme, sep, rest = address.partition("://")
    if not sep:
        scheme, rest = "tcp", address
    if scheme != "tcp":
        return
    host, _, port_text = rest.rpartition(":")
    host = host.strip("[]")
    if not host or not port_text.isdigit():
        raise _unreachable(address, "not an address of the form tcp://host:port")
    deadline = time.monotonic() + timeout_s
    next_note = time.monotonic() + 10.0
    refused = False
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise _unreachable(address, ("connection refused" if refused else "no connection")
                               + f" for {timeout_s:g} s")
        try:
            sock = socket.create_connection((host, int(port_text)), timeout=left)
            break
        except ConnectionRefusedError:
            refused = True
            if time.monotonic() > next_note and note is not None:
                note(f"{address} refuses connections; trying again until {timeout_s:g} s")
                next_note = time.monotonic() + 10.0
            time.sleep(min(0.5, max(0.0, deadline - time.monotonic())))
        except (OSError, ValueError) as exc:
            raise _unreachable(address, _first_line(exc)) from None
    with sock:
        try:
            head = _recv_exactly(sock, 8, deadline)
            (size,) = struct.unpack("Q", head)
            if not 0 < size <= MAX_HANDSHAKE_BYTES:
                raise _unreachable(address, "something answers there, but not a Dask "
                                            "scheduler")
            body = _recv_exactly(sock, size, deadline)
        except TimeoutError:
            raise _unreachable(address, f"no Dask handshake within {timeout_s:g} s: is it "
                                        "the scheduler's port (8786 by default), not the "
                                        "dashboard's (8787)?") from None
        except OSError as exc:
            raise _unreachable(address, _first_line(exc)) from None
    if not _is_handshake(body):
        raise _unreachable(address, "something answers there, but not a Dask scheduler")


def _recv_exactly(sock: socket.socket, n: int, deadline: float) -> bytes:
    data = bytearray()
    while len(data) < n:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError
        sock.settimeout(left)
        chunk = sock.recv(min(n - len(data), 1 << 16))
        if not chunk:
            raise ConnectionError("the connection was closed")
        data += chunk
    return bytes(data)


def _is_handshake(body: bytes) -> bool:
    """Whether ``body`` (the bytes after the length prefix) decode to Dask's handshake."""
    try:
        from distributed.protocol.core import loads
        from distributed.protocol.utils import unpack_frames

        frames, more = unpack_frames(body, partial=True)
        if more:  # a handshake has no out-of-band buffers
            return False
        msg = loads(frames, deserialize=False)
    except Exception:
        return False
    return isinstance(msg, dict) and "compression" in msg
