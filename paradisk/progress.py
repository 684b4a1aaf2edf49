"""What a long command is doing, on stderr: a rich progress bar per stage on a terminal, one
plain line per step otherwise (logs, CI; never wrapped, whatever the width), and/or a
callback.

``Progress(enabled, callback)`` is called as ``progress(stage, done, total, cached, note)``
after each finished task of a stage (``cached``: how many of the ``done`` came from the cache;
``note``: a short text such as the best case so far). Each line or bar shows done/total, the
cached count, the note and the time left, estimated from the tasks that were really computed
(cached ones take no time, so they do not count towards the rate). ``progress.note(line)``
prints a line about what the command is waiting for. Used by ``run``, ``modes``, ``design``,
``layout`` (big arrays) and the Meep runs.

rich is imported only when a display is shown, so a quiet run or ``--help`` does not load it.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

# called as callback(stage, done, total, cached) after each finished task
ProgressCallback = Callable[[str, int, int, int], None]


def format_seconds(seconds: float) -> str:
    """A duration for people: '45 s', '3 min 05 s', '1 h 20 min'."""
    s = max(0, round(seconds))
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min {s % 60:02d} s"
    return f"{s // 3600} h {s % 3600 // 60:02d} min"


def eta_seconds(elapsed_s: float, done: int, total: int, cached: int) -> float | None:
    """Time left (s) at the rate of the tasks computed so far; None before the first computed
    task (a cached task tells nothing about how long a solve takes)."""
    computed = done - cached
    if done >= total:
        return 0.0
    if computed <= 0 or elapsed_s <= 0:
        return None
    return elapsed_s / computed * (total - done)


class Progress:
    """Per-stage counts on stderr (when ``enabled``) and/or to ``callback``.

    ``console``: a rich Console to draw on (tests); by default one on stderr. On a terminal a
    bar per stage; otherwise a line per step, at most one per ``min_interval_s`` for a stage
    except its last step."""

    def __init__(self, enabled: bool = True, callback: ProgressCallback | None = None,
                 console: Any = None, min_interval_s: float = 0.5) -> None:
        self.callback = callback
        self.console = console
        if enabled and console is None:
            from rich.console import Console

            self.console = Console(stderr=True)
        self.min_interval_s = min_interval_s
        self.started: dict[str, float] = {}
        self.last: dict[str, float] = {}
        self.bar: Any = None  # (stage, rich Progress, task id) of the stage being shown
        # a heartbeat thread prints notes while the caller's thread updates the bar
        self._lock = threading.RLock()

    def start(self, stage: str) -> None:
        """Mark the start of ``stage`` (its time left counts from here); optional: the first
        call of a stage starts it otherwise."""
        self.started[stage] = time.monotonic()

    def __call__(self, stage: str, done: int, total: int, cached: int = 0,
                 note: str = "") -> None:
        if self.callback is not None:
            self.callback(stage, done, total, cached)
        if self.console is None:
            return
        with self._lock:
            self._show(stage, done, total, cached, note)

    def _show(self, stage: str, done: int, total: int, cached: int, note: str) -> None:
        now = time.monotonic()
        started = self.started.setdefault(stage, now)
        text = self._text(done, total, cached, note, now - started)
        if self.console.is_terminal:
            self._bar(stage, done, total, text)
            return
        if done >= total or now - self.last.get(stage, -1e9) >= self.min_interval_s:
            self.last[stage] = now
            # soft_wrap: a step is one line in a log, however narrow the console thinks it is
            self.console.print(f"{stage} {done}/{total}{text}", markup=False,
                               highlight=False, soft_wrap=True)

    @staticmethod
    def _text(done: int, total: int, cached: int, note: str, elapsed_s: float) -> str:
        parts = []
        if cached:
            parts.append(f"{cached} from cache")
        if note:
            parts.append(note)
        eta = eta_seconds(elapsed_s, done, total, cached)
        if done >= total:
            parts.append(f"took {format_seconds(elapsed_s)}")
        elif eta is not None:
            parts.append(f"about {format_seconds(eta)} left")
        return f" ({'; '.join(parts)})" if parts else ""

    def _bar(self, stage: str, done: int, total: int, text: str) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, TextColumn
        from rich.progress import Progress as RichProgress

        if self.bar is None or self.bar[0] != stage:
            self.close()
            bar = RichProgress(TextColumn("[bold]{task.description}"), BarColumn(),
                               MofNCompleteColumn(), TextColumn("{task.fields[note]}"),
                               console=self.console, transient=False)
            bar.start()
            self.bar = (stage, bar, bar.add_task(stage, total=total, note=""))
        _, bar, task = self.bar
        bar.update(task, completed=done, total=total, note=text)
        if done >= total:
            self.close()

    def note(self, line: str) -> None:
        """A line about what the command is waiting for (shown with the progress)."""
        if self.console is not None:
            with self._lock:
                self.close()
                self.console.print(line, markup=False, highlight=False, soft_wrap=True)

    @contextlib.contextmanager
    def heartbeat(self, stage: str, what: str, every_s: float = 30.0) -> Iterator[None]:
        """While the block runs, a line every ``every_s`` seconds saying that ``what`` is still
        running and for how long: for long tasks whose own steps cannot be counted (a worker
        solving one row's perturbed combs)."""
        if self.console is None:
            yield
            return
        stop = threading.Event()
        started = self.started.setdefault(stage, time.monotonic())

        def beat() -> None:
            while not stop.wait(every_s):
                self.note(f"{stage}: {what}, {format_seconds(time.monotonic() - started)} "
                          "so far")

        thread = threading.Thread(target=beat, name=f"paradisk-{stage}-heartbeat", daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()

    def close(self) -> None:
        """Stop the live bar, if one is shown."""
        with self._lock:
            if self.bar is not None:
                self.bar[1].stop()
                self.bar = None

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
