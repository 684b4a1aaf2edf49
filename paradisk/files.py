"""Atomic file output: a reader never sees a half-written file, a killed writer leaves none.

Each write goes to a temporary file in the destination directory, is flushed and fsynced, then
renamed over the destination (``os.replace`` is atomic on POSIX within one file system).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes,
                       suffix: str | None = None) -> Path:
    """Write ``data`` to ``path`` atomically, creating parent directories; returns the path.
    ``suffix``: extension of the temporary file (default: the target's)."""
    return atomic_write_with(path, lambda tmp: Path(tmp).write_bytes(data), suffix=suffix)


def atomic_write_text(path: str | os.PathLike[str], text: str, suffix: str | None = None) -> Path:
    """Write UTF-8 ``text`` to ``path`` atomically (newlines kept as given)."""
    return atomic_write_bytes(path, text.encode("utf-8"), suffix=suffix)


def atomic_write_json(path: str | os.PathLike[str], obj: Any) -> Path:
    """Write ``obj`` as indented, key-sorted JSON (deterministic bytes) atomically."""
    text = json.dumps(obj, indent=2, sort_keys=True, allow_nan=True) + "\n"
    return atomic_write_text(path, text)


def atomic_write_with(
    path: str | os.PathLike[str], writer: Callable[[str], Any], suffix: str | None = None
) -> Path:
    """Let ``writer(tmp_path)`` write a file (e.g. a library's ``save(path)``), then move it to
    ``path`` atomically. ``suffix`` is the temporary file's extension (default: the target's),
    for writers that pick the format from it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(
        prefix=f".{path.name}.", suffix=path.suffix if suffix is None else suffix,
        dir=path.parent,
    )
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


def _current_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def check_writable_dir(path: str | os.PathLike[str], option: str) -> None:
    """Check before any work that ``path`` can be (or become) a writable directory; raise
    UserInputError naming ``option`` (e.g. "-o") otherwise. Nothing is created."""
    _check_target(Path(path), option, want_dir=True)


def check_writable_file(path: str | os.PathLike[str], option: str) -> None:
    """Check before any work that a file can be written at ``path`` (its folder exists or can
    be created, and ``path`` is not a directory); UserInputError naming ``option`` otherwise."""
    _check_target(Path(path), option, want_dir=False)


def _check_target(path: Path, option: str, want_dir: bool) -> None:
    from paradisk.errors import UserInputError

    if path.exists():
        if want_dir and not path.is_dir():
            raise UserInputError(f"{option} {path}: is a file, not a directory")
        if not want_dir and path.is_dir():
            raise UserInputError(f"{option} {path}: is a directory; give a file name")
        folder = path if want_dir else path.parent
    else:
        folder = path.parent
    # the nearest existing ancestor must be a directory we may write into
    while not folder.exists():
        folder = folder.parent
    if not folder.is_dir():
        raise UserInputError(f"{option} {path}: {folder} is a file, not a directory")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise UserInputError(f"{option} {path}: {folder} is not writable")
    # permissions are not everything (a read-only or virtual file system, e.g. /proc, as
    # root): a file made and removed at once says whether the folder takes files
    import tempfile

    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        raise UserInputError(f"{option} {path}: cannot write in {folder} "
                             f"({exc.strerror or type(exc).__name__})") from None
