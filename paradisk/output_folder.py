"""A run's output folder, all or nothing: staged while the run works, swapped in at its end.

``paradisk run -o OUT`` owns a set of members in OUT (``RUN_OUTPUTS``: the tables, modes/,
figures/, layout/, the report). A run writes them into a fresh hidden staging directory inside
OUT (same file system, so the swap is renames) and, only when the run succeeded, replaces the
whole set in OUT with the staged one:

- a run that fails (a bad scheduler, every disk failing, Ctrl-C, an exception) discards its
  staging directory and leaves OUT exactly as it was;
- a successful run leaves exactly its own members: a member the run did not make (a
  ``modes/r02c00.csv`` of an earlier 3-row run after a 2-row run, a ``meep_check.csv`` of a run
  with --meep-check, a layout/ after --no-layout) is removed with the earlier set, so OUT never
  mixes two runs;
- what a killed run left behind (its staging directory, the temporary files of an interrupted
  atomic write such as ``figures/.exposure_map.png.XXXX`` or ``layout/.layout-staging-XXXX``)
  goes away with the next successful run.

Other files in OUT (the default cache OUT/cache, the user's own files) are never touched. Each
live staging directory holds an ``flock`` on its ``.lock`` file, so a run cleaning up never
removes the staging directory of another run still working in the same OUT; the swaps of two
runs into one OUT are serialised by an ``flock`` on OUT itself. The swap is a handful of
renames (results.json, which describes the set, last): only a crash of the machine inside it could
leave a mixed set, and the next run replaces it whole.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import signal
import tempfile
import threading
from pathlib import Path

# results.json last: it describes the whole set
RUN_OUTPUTS = ("modes", "figures", "layout", "meep_check.csv", "results.csv", "report.html",
               "scatter.csv", "scatter_summary.csv", "scatter_modes.csv", "results.json")
STAGING_PREFIX = ".run-staging-"
OLD_PREFIX = ".run-old-"


class StagedOutputs:
    """The staging directory of one run in ``out``; ``commit()`` swaps it in, ``discard()``
    removes it (use as a context manager: discarded on exit unless committed)."""

    def __init__(self, out: str | os.PathLike[str]) -> None:
        self.out = Path(out)
        self.created_out = not self.out.exists()
        self.out.mkdir(parents=True, exist_ok=True)
        # made and locked under the swap lock: a run cleaning up (under the same lock) never
        # sees this directory unlocked
        with _locked(self.out):
            self.dir = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=self.out))
            self._lock_fd: int | None = os.open(self.dir / ".lock", os.O_RDWR | os.O_CREAT,
                                                0o666)
            fcntl.flock(self._lock_fd, fcntl.LOCK_EX)
        self.committed = False

    def __enter__(self) -> StagedOutputs:
        return self

    def __exit__(self, *exc: object) -> None:
        if not self.committed:
            self.discard()

    def final_path(self, staged: Path) -> Path:
        """Where a path under the staging directory lives after ``commit()``."""
        try:
            return self.out / Path(staged).relative_to(self.dir)
        except ValueError:
            return Path(staged)

    def commit(self) -> None:
        """Replace the run's members in ``out`` by the staged ones, remove the members this run
        did not make and the leftovers of killed runs."""
        with _locked(self.out), _no_ctrl_c():
            old = Path(tempfile.mkdtemp(prefix=OLD_PREFIX, dir=self.out))
            for name in RUN_OUTPUTS:
                target, new = self.out / name, self.dir / name
                if target.exists() or target.is_symlink():
                    os.replace(target, old / name)
                if new.exists():
                    os.replace(new, target)
            self.committed = True
            self._release()
            shutil.rmtree(self.dir, ignore_errors=True)
            shutil.rmtree(old, ignore_errors=True)
            clean_leftovers(self.out)

    def discard(self) -> None:
        """Remove the staging directory; ``out`` keeps what it had (an ``out`` this run
        created and left empty is removed too)."""
        self._release()
        shutil.rmtree(self.dir, ignore_errors=True)
        if self.created_out:
            with contextlib.suppress(OSError):
                self.out.rmdir()

    def _release(self) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None


def clean_leftovers(out: Path) -> list[Path]:
    """Remove what killed runs left in ``out`` (call it holding the lock of ``out``): staging
    directories no live run holds, the old sets of interrupted swaps, temporary files of
    interrupted atomic writes of the run's members. Returns what was removed."""
    removed = []
    for path in sorted(out.iterdir()):
        name = path.name
        if name.startswith(STAGING_PREFIX) and path.is_dir():
            if not _is_held(path / ".lock"):
                shutil.rmtree(path, ignore_errors=True)
                removed.append(path)
        elif name.startswith(OLD_PREFIX) and path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
        elif path.is_file() and any(name.startswith(f".{m}.") for m in RUN_OUTPUTS):
            path.unlink(missing_ok=True)  # ".results.csv.XXXX.csv" of atomic_write_text
            removed.append(path)
    return removed


def _is_held(lock: Path) -> bool:
    """Whether a live process holds ``lock`` (a missing lock file: nobody)."""
    try:
        fd = os.open(lock, os.O_RDWR)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


@contextlib.contextmanager
def _locked(directory: Path):
    """Hold an exclusive flock on ``directory`` itself (no lock file to leave behind); a file
    system without flock on directories is used without it."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


@contextlib.contextmanager
def _no_ctrl_c():
    """Hold Ctrl-C off during the swap (a few renames): the run has succeeded by then, and an
    interrupted swap would leave a mixed set until the next run."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, lambda *_: None)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
