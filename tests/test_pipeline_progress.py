"""Progress of a run: a rich bar per stage on a terminal, one-line counts in a log."""

from __future__ import annotations

import io

from rich.console import Console

from paradisk.pipeline import RunOptions, _Progress


def _drive(console: Console) -> list[tuple]:
    seen: list[tuple] = []
    p = _Progress(RunOptions(progress=True, on_progress=lambda *a: seen.append(a)), console)
    for i in range(3):
        p("modes", i + 1, 3, 1)
    p("lasing", 1, 2, 0)
    p("lasing", 2, 2, 0)
    p.close()
    assert p.bar is None
    return seen


def test_log_output_has_per_stage_counts():
    buf = io.StringIO()
    seen = _drive(Console(file=buf, force_terminal=False, width=80))
    out = buf.getvalue()
    assert "modes 3/3 (1 from cache)" in out and "lasing 2/2" in out
    assert seen[-1] == ("lasing", 2, 2, 0) and len(seen) == 5


def test_terminal_output_is_a_bar_per_stage():
    buf = io.StringIO()
    _drive(Console(file=buf, force_terminal=True, width=80))
    out = buf.getvalue()
    # rich draws the bar with box characters and the count as done/total
    assert "━" in out
    assert "3/3" in out and "2/2" in out and "1 from cache" in out
