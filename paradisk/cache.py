"""Content-addressed, crash-safe, self-checking cache of stage results.

A stage result is stored under a key made from everything that determines it: the entry
schema, the stage name, the code version of that stage (a hash of the source files of the
packages it runs), and the canonical JSON of its inputs. Entries are JSON files written
atomically (temporary file ``.<key>.json.XXXX.tmp``, fsync, rename), so a run killed at any
moment (kill -9) leaves either a whole entry or none: a restart recomputes only what is missing
and never reads a half-written entry (nor counts a leftover temporary file as one).

Each entry carries its schema version (``SCHEMA``) and the sha256 of its payload (stage, key,
inputs, result). An entry that fails to read back whole (not a file, not JSON, not an entry of
this schema, another key, a checksum that does not match, a result of the wrong shape for its
stage) was damaged after it was written (a disk error, an edit, a copy gone wrong): it is
reported once (one warning line), moved into ``<root>/.damaged/`` for inspection and treated as
absent, so the stage recomputes it. Changed numbers are never used silently.

Two processes sharing a cache (two runs, or Dask workers on a shared file system) do not
compute the same entry twice: ``lock(stage, key)`` holds an exclusive ``flock`` on the lock
file ``.<key>.lock`` next to the entry; a stage that finds no entry takes the lock, looks again
(another process may have written it meanwhile: it then reads that entry) and only then
computes. The kernel releases the lock when its holder exits, even by kill -9, so a dead
process never blocks the others.

Layout: ``<root>/<stage>/<key[:2]>/<key>.json``; each entry holds its key inputs for audit.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

from paradisk.files import atomic_write_text

REPO_ROOT = Path(__file__).resolve().parents[1]

SCHEMA = 2  # version of the entry format; part of every key, so older entries are never read
TEMP_SUFFIX = ".tmp"  # temporary files of atomic writes: never taken for entries
LOCK_SUFFIX = ".lock"
DAMAGED_DIR = ".damaged"  # where damaged entries are moved, under the cache root

log = logging.getLogger("paradisk.cache")

# check(result) -> None if the result has the shape its stage stores, else why not
Check = Callable[[Any], str | None]


def code_version(*sources: str) -> str:
    """sha256 (16 hex digits) of the Python sources of ``sources``: package directories
    (e.g. "solvers", "geometry") or single files relative to the repository root
    (e.g. "paradisk/stages.py"). Any edit to the code of a stage invalidates that stage's cache
    entries, and only those. The order of ``sources`` does not matter."""
    return _code_version(tuple(sorted(set(sources))))


@cache
def _code_version(sources: tuple[str, ...]) -> str:
    h = hashlib.sha256()
    for source in sources:
        root = REPO_ROOT / source
        if root.is_file() and root.suffix == ".py":
            files = [root]
        elif root.is_dir():
            files = sorted(root.rglob("*.py"))
        else:
            raise ValueError(f"code_version: no package directory or .py file {root}")
        for path in files:
            h.update(str(path.relative_to(REPO_ROOT)).encode())
            h.update(path.read_bytes())
    return h.hexdigest()[:16]


def _canonical(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), allow_nan=True)


def make_key(stage: str, version: str, inputs: Any) -> str:
    """Cache key: sha256 hex of the entry schema, the stage, its code version and its inputs
    (canonical JSON)."""
    blob = _canonical({"schema": SCHEMA, "stage": stage, "version": version, "inputs": inputs})
    return hashlib.sha256(blob.encode()).hexdigest()


def payload_checksum(stage: str, key: str, inputs: Any, result: Any) -> str:
    """sha256 hex of an entry's payload (canonical JSON: floats round-trip exactly)."""
    blob = _canonical({"stage": stage, "key": key, "inputs": inputs, "result": result})
    return hashlib.sha256(blob.encode()).hexdigest()


def _warn(message: str) -> None:
    log.warning("paradisk: warning: %s", message)


class _Absent:
    pass


ABSENT = _Absent()


class Cache:
    """Stage results on disk under ``root``; ``enabled=False`` reads nothing and writes nothing.

    ``report(message)`` is called once for each damaged entry found (default: a warning line on
    the ``paradisk.cache`` logger; None: only collected in ``damaged``, for a caller in another
    process to report). ``waited`` counts the locks this object had to wait for.
    """

    def __init__(self, root: str | os.PathLike[str], enabled: bool = True,
                 report: Callable[[str], None] | None = _warn) -> None:
        self.root = Path(root)
        self.enabled = enabled
        self.report = report
        self.damaged: list[str] = []
        self.waited = 0
        self._held: set[tuple[str, str]] = set()

    def path(self, stage: str, key: str) -> Path:
        return self.root / stage / key[:2] / f"{key}.json"

    def lock_path(self, stage: str, key: str) -> Path:
        return self.root / stage / key[:2] / f".{key}{LOCK_SUFFIX}"

    @contextmanager
    def lock(self, stage: str, key: str) -> Iterator[None]:
        """Hold the entry's exclusive lock (blocking while another process holds it).
        Re-entrant within this object. A cache that cannot hold lock files (read-only) is
        read without them."""
        ident = (stage, key)
        if ident in self._held or not self.enabled:
            yield
            return
        path = self.lock_path(stage, key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
        except OSError:
            yield
            return
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                self.waited += 1
                fcntl.flock(fd, fcntl.LOCK_EX)
            self._held.add(ident)
            try:
                yield
            finally:
                self._held.discard(ident)
        finally:
            os.close(fd)  # releases the lock

    def get(self, stage: str, key: str, check: Check | None = None) -> Any | None:
        """The stored result, or None when absent, damaged (reported and moved aside) or
        caching is off. ``check(result)`` tells whether the result has its stage's shape."""
        if not self.enabled:
            return None
        value = self._read(stage, key, check)
        if not isinstance(value, _Damaged):
            return None if value is ABSENT else value
        # look again under the lock: a writer may be replacing the entry at this moment
        with self.lock(stage, key):
            value = self._read(stage, key, check)
            if isinstance(value, _Damaged):
                self._quarantine(stage, key, value.why)
                return None
        return None if value is ABSENT else value

    def put(self, stage: str, key: str, result: Any, inputs: Any = None) -> None:
        """Store ``result`` (JSON-serialisable) atomically, with its schema and checksum."""
        if not self.enabled:
            return
        entry = {"schema": SCHEMA, "stage": stage, "key": key, "inputs": inputs,
                 "result": result, "sha256": payload_checksum(stage, key, inputs, result)}
        text = json.dumps(entry, sort_keys=True, allow_nan=True)
        with self.lock(stage, key):
            atomic_write_text(self.path(stage, key), text, suffix=TEMP_SUFFIX)

    def keys(self, stage: str) -> Iterable[str]:
        """Keys stored for ``stage``: whole entries only (no dot-files, no temporary files that
        a killed writer left behind, no lock files)."""
        return (p.stem for p in (self.root / stage).glob("*/*.json")
                if not p.name.startswith(".") and p.name.endswith(".json"))

    def _read(self, stage: str, key: str, check: Check | None) -> Any:
        """The result, ABSENT, or _Damaged(why)."""
        path = self.path(stage, key)
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return ABSENT
        except IsADirectoryError:
            return _Damaged("a directory, not a file")
        except OSError as exc:
            return _Damaged(f"unreadable: {exc.strerror or exc}")
        try:
            entry = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return _Damaged("not JSON")
        if not isinstance(entry, dict):
            return _Damaged(f"a JSON {type(entry).__name__}, not an entry")
        if entry.get("schema") != SCHEMA:
            return _Damaged(f"schema {entry.get('schema')!r}, expected {SCHEMA}")
        if entry.get("stage") != stage or entry.get("key") != key:
            return _Damaged("the entry of another stage or key")
        if "result" not in entry or entry.get("sha256") != payload_checksum(
                stage, key, entry.get("inputs"), entry["result"]):
            return _Damaged("checksum mismatch: its content changed after it was written")
        why = check(entry["result"]) if check is not None else None
        if why:
            return _Damaged(f"bad result: {why}")
        return entry["result"]

    def _quarantine(self, stage: str, key: str, why: str) -> None:
        """Move a damaged entry into ``<root>/.damaged/<stage>/`` and report it once."""
        path = self.path(stage, key)
        dest = self.root / DAMAGED_DIR / stage / f"{key}.{time.time_ns()}.json"
        try:
            dest.parent.mkdir(parents=True, exist_ok=True)
            os.replace(path, dest)
            where = f"moved to {dest}"
        except FileNotFoundError:
            return  # another process moved it aside (and reported it)
        except OSError as exc:
            where = f"could not be moved aside ({exc.strerror or exc})"
        message = (f"damaged cache entry {path.relative_to(self.root)} in {self.root} ({why}); "
                   f"{where}; recomputing it")
        self.damaged.append(message)
        if self.report is not None:
            self.report(message)


class _Damaged:
    def __init__(self, why: str) -> None:
        self.why = why
