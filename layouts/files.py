"""Atomic file output for the layout files (same pattern as paradisk.files, which library code
may not import): write to a temporary file in the destination directory, fsync, os.replace."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any


def write_atomic_with(path: str | os.PathLike[str], writer: Callable[[str], Any]) -> Path:
    """Let ``writer(tmp_path)`` write a file with the target's extension, then move it over
    ``path`` atomically; a failed writer leaves no file behind."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    # mkstemp makes the file private (0600); give it the mode a plain open() would
    os.chmod(tmp, 0o666 & ~_current_umask())
    try:
        writer(tmp)
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_atomic_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically."""
    return write_atomic_with(path, lambda tmp: Path(tmp).write_bytes(data))


def _current_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
