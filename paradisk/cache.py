"""Content-addressed, crash-safe, self-checking cache of stage results.

A stage result is stored under a key made from everything that determines it: the entry
schema, the stage name, the code version of that stage (``code_version``: a hash of the
modules its result depends on), and the canonical JSON of its inputs. Entries are JSON files written
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
import importlib.util
import json
import logging
import os
import re
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

from paradisk.files import atomic_write_text

SCHEMA = 2  # version of the entry format; part of every key, so older entries are never read
TEMP_SUFFIX = ".tmp"  # temporary files of atomic writes: never taken for entries
LOCK_SUFFIX = ".lock"
DAMAGED_DIR = ".damaged"  # where damaged entries are moved, under the cache root

log = logging.getLogger("paradisk.cache")

# check(result) -> None if the result has the shape its stage stores, else why not
Check = Callable[[Any], str | None]


# the packages whose code a stage's result can depend on: an import of anything else (numpy,
# paradisk's own glue) is not followed when collecting a stage's sources
LIBRARY_PACKAGES = ("geometry", "layouts", "solvers", "gain")


def code_version(*roots: str, exclude: tuple[str, ...] = ()) -> str:
    """sha256 (16 hex digits) of the code of the modules ``roots`` (dotted names, e.g.
    "solvers.fem.solver") and of every library module they import (``source_modules``): each
    module's name and the bytes of its file. Any edit to that code invalidates the stage's
    entries; an edit elsewhere (a plot, the report, the CLI) does not. Keyed by module content,
    not by file location, so a checkout and a wheel install give the same keys."""
    return _code_version(tuple(sorted(set(roots))), tuple(sorted(set(exclude))))


@cache
def _code_version(roots: tuple[str, ...], exclude: tuple[str, ...]) -> str:
    h = hashlib.sha256()
    for name in source_modules(roots, exclude):
        h.update(name.encode() + b"\0")
        h.update(module_file(name).read_bytes())
    return h.hexdigest()[:16]


def module_file(name: str) -> Path:
    """The source file of module ``name``, found without importing it: its top-level package
    is located by importlib (a checkout, an editable or a wheel install alike), the rest of the
    name is a path inside it."""
    top, *rest = name.split(".")
    spec = importlib.util.find_spec(top)
    if spec is None or spec.origin is None:
        raise ValueError(f"code_version: no module {top!r}")
    if not spec.submodule_search_locations:  # a single-file module
        if rest:
            raise ValueError(f"code_version: {top!r} is not a package ({name})")
        return Path(spec.origin)
    path = Path(next(iter(spec.submodule_search_locations))).joinpath(*rest)
    for candidate in (path / "__init__.py", path.with_suffix(".py")):
        if candidate.is_file():
            return candidate
    raise ValueError(f"code_version: no module {name!r} (looked for {path}.py)")


def _is_module(name: str) -> bool:
    try:
        module_file(name)
    except ValueError:
        return False
    return True


# an import statement at any indentation: "import a.b, c" or "from .a import (b, c)"; a line
# of a docstring that reads like one is taken too (over-including only costs a recomputation)
_IMPORT = re.compile(
    r"^[ \t]*(?:from[ \t]+(\.*[\w.]*)[ \t]+import[ \t]+(\([^)]*\)|[^\n#]*)"
    r"|import[ \t]+([\w., \t]+))", re.MULTILINE)


def _imports(name: str) -> set[str]:
    """The library modules that module ``name`` imports anywhere in its code (top level,
    functions, TYPE_CHECKING blocks). A text scan, not a parse: ten times faster, and the keys
    of a cached rerun are computed before anything else."""
    path = module_file(name)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: set[str] = set()
    for match in _IMPORT.finditer(path.read_text(encoding="utf-8")):
        source, names, plain = match.groups()
        if plain is not None:
            out.update(n.split(" as ")[0].strip() for n in plain.split(","))
            continue
        level = len(source) - len(source.lstrip("."))
        module = source[level:]
        if level:
            base = package.split(".")[: len(package.split(".")) - level + 1]
            module = ".".join(base + ([module] if module else []))
        out.add(module)
        # ``from pkg import sub`` imports the module pkg.sub when there is one
        for alias in names.strip("()").split(","):
            alias = alias.split(" as ")[0].strip()
            if alias.isidentifier() and module.split(".")[0] in LIBRARY_PACKAGES:
                out.add(f"{module}.{alias}")
    return {m for m in out if m.split(".")[0] in LIBRARY_PACKAGES and _is_module(m)}


def source_modules(roots: tuple[str, ...] | list[str],
                   exclude: tuple[str, ...] = ()) -> list[str]:
    """``roots`` and every library module (LIBRARY_PACKAGES) they import, directly or not;
    modules named in ``exclude`` (and their submodules) are left out. Sorted dotted names.

    The ``__init__`` of a package that an imported module sits in is included (it runs), but
    what it imports is not followed unless imported itself (``from geometry.bodies import X``
    does not make a stage depend on geometry.calibration). A root outside the libraries (a
    paradisk module) is included and not followed: its library imports are roots of their own.
    """
    def excluded(m: str) -> bool:
        return any(m == e or m.startswith(e + ".") for e in exclude)

    followed: set[str] = set()
    leaves: set[str] = set()
    todo = [r for r in roots if not excluded(r)]
    while todo:
        name = todo.pop()
        if name in followed:
            continue
        if name.split(".")[0] not in LIBRARY_PACKAGES:
            leaves.add(name)
            continue
        followed.add(name)
        todo.extend(m for m in _imports(name) if m not in followed and not excluded(m))
        leaves.update(".".join(name.split(".")[:i]) for i in range(1, name.count(".") + 1))
    return sorted(followed | {m for m in leaves if not excluded(m)})


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
