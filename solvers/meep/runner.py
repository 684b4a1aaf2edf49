"""Parent side of the Meep worker: write the job, start ``python -m solvers.meep.worker`` in a
subprocess, relay its progress, read back the results; never imports Meep.

A worker that diverges (exit status 3: NaN/inf or growth after the source) is retried with the
Courant factor times ``courant_retry_factor`` (a RuntimeWarning says so); any other failure, a
crash, a signal or a timeout raises MeepWorkerError with the tail of the worker's messages.
Each run works in a fresh temporary directory (under ``workdir`` when given), removed after a
successful run; a failed run's files (job.json, meep.log) are kept only under ``workdir``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from solvers.meep.protocol import EXIT_BAD_JOB, EXIT_DIVERGED
from solvers.tier import refuse_in_fast_tier

ProgressCallback = Callable[[dict[str, Any]], None]
_ROOT = Path(__file__).resolve().parents[2]


class MeepWorkerError(RuntimeError):
    """A Meep worker process failed (crash, bad job, timeout, or divergence after retries)."""


@dataclass
class WorkerResult:
    """What one worker run returned: result.json content and the DFT arrays (if any)."""

    result: dict[str, Any]
    fields: dict[str, np.ndarray] | None
    courant: float
    retries: int


def print_progress(label: str, after_s: float = 3.0) -> ProgressCallback:
    """A progress callback printing ``label: 42 % (t = ..., 12 s)`` to stderr for runs longer
    than ``after_s`` seconds."""

    def report(line: dict[str, Any]) -> None:
        if line.get("elapsed_s", 0.0) >= after_s:
            print(f"meep {label}: {100.0 * line['progress']:5.1f} % "
                  f"(t = {line['t']:.1f}/{line['t_total']:.1f}, {line['elapsed_s']:.0f} s)",
                  file=sys.stderr, flush=True)

    return report


def _worker_env() -> dict[str, str]:
    env = dict(os.environ)
    # the Debian build runs serially; its OpenMP threads would only compete with the other
    # disks' workers
    env.setdefault("OMP_NUM_THREADS", "1")
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(_ROOT), env.get("PYTHONPATH", "")) if p)
    return env


def run_worker(
    job: dict[str, Any],
    timeout_s: float = 6 * 3600.0,
    max_retries: int = 2,
    retry_factor: float = 0.5,
    progress: ProgressCallback | None = None,
    workdir: str | os.PathLike[str] | None = None,
) -> WorkerResult:
    """Run ``job`` in a worker process; retry a divergence with a smaller Courant factor."""
    refuse_in_fast_tier("Meep run")
    job = dict(job)
    retries = 0
    while True:
        code, messages, out = _run_once(job, timeout_s, progress, workdir)
        if code == 0:
            result = json.loads((out / "result.json").read_text())
            fields = None
            if (out / "fields.npz").exists():
                with np.load(out / "fields.npz") as data:
                    fields = {k: data[k] for k in data.files}
            shutil.rmtree(out.parent, ignore_errors=True)
            return WorkerResult(result, fields, float(job["courant"]), retries)
        tail = "\n".join(messages[-8:])
        if code == EXIT_DIVERGED and retries < max_retries:
            new = float(job["courant"]) * retry_factor
            warnings.warn(
                f"Meep run diverged at Courant {job['courant']:.3g} (m = {job['m']}); "
                f"retrying with Courant {new:.3g}: {tail}",
                RuntimeWarning, stacklevel=2,
            )
            job["courant"] = new
            retries += 1
            continue
        if code == EXIT_DIVERGED:
            raise MeepWorkerError(
                f"Meep run diverged (m = {job['m']}) after {retries} retries with smaller "
                f"Courant factors (last {job['courant']:.3g}): {tail}")
        if code == EXIT_BAD_JOB:
            raise MeepWorkerError(f"the Meep worker rejected its job: {tail}")
        if code == "timeout":
            raise MeepWorkerError(f"the Meep worker exceeded its time limit of {timeout_s} s")
        if isinstance(code, int) and code < 0:
            raise MeepWorkerError(f"the Meep worker was killed by signal {-code}: {tail}")
        raise MeepWorkerError(f"the Meep worker failed with exit status {code}: {tail}")


def _run_once(
    job: dict[str, Any], timeout_s: float, progress: ProgressCallback | None,
    workdir: str | os.PathLike[str] | None,
) -> tuple[int | str, list[str], Path]:
    base = Path(workdir) if workdir is not None else None
    if base is not None:
        base.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="paradisk-meep-", dir=base))
    job_path = tmp / "job.json"
    job_path.write_text(json.dumps(job, allow_nan=True))
    out = tmp / "out"
    log = open(tmp / "meep.log", "wb")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [sys.executable, "-m", "solvers.meep.worker", str(job_path), str(out)],
        stdout=log, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, env=_worker_env(),
        cwd=str(_ROOT), text=True, bufsize=1,
    )
    messages: list[str] = []

    def read_stderr() -> None:
        assert proc.stderr is not None
        for raw in proc.stderr:
            line = raw.rstrip("\n")
            try:
                data = json.loads(line)
            except ValueError:
                data = None
            if isinstance(data, dict) and "progress" in data:
                if progress is not None:
                    progress(data)
                continue
            if isinstance(data, dict) and "error" in data:
                line = str(data["error"])
            messages.append(line)
            del messages[:-200]

    reader = threading.Thread(target=read_stderr, daemon=True)
    reader.start()
    t0 = time.monotonic()
    try:
        code: int | str = proc.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        code = "timeout"
    finally:
        log.close()
    reader.join(timeout=5.0)
    if proc.stderr is not None:
        proc.stderr.close()
    if code not in (0,) and (tmp / "meep.log").exists():
        messages.extend((tmp / "meep.log").read_text(errors="replace").splitlines()[-5:])
    if code != 0 and workdir is None:
        # failed runs keep their files only under a caller's workdir (no litter in /tmp)
        shutil.rmtree(tmp, ignore_errors=True)
        messages.append(f"({time.monotonic() - t0:.1f} s; pass workdir= to keep the files)")
    else:
        messages.append(f"(worker files in {tmp}, {time.monotonic() - t0:.1f} s)")
    return code, messages, out
