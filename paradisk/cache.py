"""Content-addressed, crash-safe cache of stage results.

A stage result is stored under a key made from everything that determines it: the stage name,
the code version of that stage (a hash of the source files of the packages it runs), and the
canonical JSON of its inputs. Entries are JSON files written atomically (temporary file, fsync,
rename), so a run killed at any moment (kill -9) leaves either a whole entry or none: a restart
recomputes only what is missing and never reads a half-written entry.

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


@cache
def code_version(*packages: str) -> str:
    """sha256 (16 hex digits) of the Python sources of ``packages`` (e.g. "solvers", "geometry"):
    any edit to the code of a stage invalidates that stage's cache entries, and only those."""
    h = hashlib.sha256()
    for package in sorted(packages):
        root = REPO_ROOT / package
        if not root.is_dir():
            raise ValueError(f"code_version: no package directory {root}")
        for path in sorted(root.rglob("*.py")):
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
        atomic_write_text(self.path(stage, key), text)

    def keys(self, stage: str) -> Iterable[str]:
        """Keys stored for ``stage``."""
        return (p.stem for p in (self.root / stage).glob("*/*.json"))
