"""Content-addressed, crash-safe cache of stage results.

A stage result is stored under a key made from everything that determines it: the stage name,
the code version of that stage (a hash of the source files of the packages it runs), and the
canonical JSON of its inputs. Entries are JSON files written atomically (temporary file
``.<key>.json.XXXX.tmp``, fsync, rename), so a run killed at any moment (kill -9) leaves either
a whole entry or none: a restart recomputes only what is missing and never reads a half-written
entry (nor counts a leftover temporary file as one).

Layout: ``<root>/<stage>/<key[:2]>/<key>.json``; each entry holds its key inputs for audit.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

from paradisk.files import atomic_write_text

REPO_ROOT = Path(__file__).resolve().parents[1]


TEMP_SUFFIX = ".tmp"  # temporary files of atomic writes: never taken for entries


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


def make_key(stage: str, version: str, inputs: Any) -> str:
    """Cache key: sha256 hex of the stage, its code version and its inputs (canonical JSON)."""
    blob = json.dumps({"stage": stage, "version": version, "inputs": inputs}, sort_keys=True,
                      separators=(",", ":"), allow_nan=True)
    return hashlib.sha256(blob.encode()).hexdigest()


class Cache:
    """Stage results on disk under ``root``; ``enabled=False`` reads nothing and writes nothing."""

    def __init__(self, root: str | os.PathLike[str], enabled: bool = True) -> None:
        self.root = Path(root)
        self.enabled = enabled

    def path(self, stage: str, key: str) -> Path:
        return self.root / stage / key[:2] / f"{key}.json"

    def get(self, stage: str, key: str) -> Any | None:
        """The stored result, or None when absent (or caching is off)."""
        if not self.enabled:
            return None
        path = self.path(stage, key)
        try:
            entry = json.loads(path.read_text())
        except FileNotFoundError:
            return None
        except json.JSONDecodeError:
            # cannot happen with atomic writes; a file damaged by other means is recomputed
            path.unlink(missing_ok=True)
            return None
        return entry["result"]

    def put(self, stage: str, key: str, result: Any, inputs: Any = None) -> None:
        """Store ``result`` (JSON-serialisable) atomically."""
        if not self.enabled:
            return
        text = json.dumps({"stage": stage, "key": key, "inputs": inputs, "result": result},
                          sort_keys=True, allow_nan=True)
        atomic_write_text(self.path(stage, key), text, suffix=TEMP_SUFFIX)

    def keys(self, stage: str) -> Iterable[str]:
        """Keys stored for ``stage``: whole entries only (no dot-files, no temporary files that
        a killed writer left behind)."""
        return (p.stem for p in (self.root / stage).glob("*/*.json")
                if not p.name.startswith(".") and p.name.endswith(".json"))
