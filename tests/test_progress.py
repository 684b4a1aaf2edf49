"""Progress of long commands: a rich bar per stage on a terminal, one plain line per step in a
log, the time left estimated from the computed (not cached) tasks."""

from __future__ import annotations

import io

from rich.console import Console

from paradisk.progress import Progress, eta_seconds, format_seconds


def _drive(console: Console) -> tuple[Progress, list[tuple]]:
    seen: list[tuple] = []
    p = Progress(True, lambda *a: seen.append(a), console=console, min_interval_s=0.0)
    for i in range(3):
        p("modes", i + 1, 3, 1)
    p("lasing", 1, 2, 0, note="best so far N_th 0.5")
    p("lasing", 2, 2, 0)
    p.close()
    assert p.bar is None
    return p, seen


def test_log_output_is_one_plain_line_per_step():
    buf = io.StringIO()
    _, seen = _drive(Console(file=buf, force_terminal=False, width=80))
    lines = buf.getvalue().splitlines()
    assert [ln.split(" (")[0] for ln in lines] == [
        "modes 1/3", "modes 2/3", "modes 3/3", "lasing 1/2", "lasing 2/2"]
    assert "1 from cache" in lines[2] and "took" in lines[2]
    assert "best so far N_th 0.5" in lines[3]
    # no terminal control codes in a log
    assert "\x1b" not in buf.getvalue()
    assert seen[-1] == ("lasing", 2, 2, 0) and len(seen) == 5


def test_log_lines_are_throttled_but_the_last_step_is_always_shown():
    buf = io.StringIO()
    p = Progress(True, console=Console(file=buf, force_terminal=False), min_interval_s=3600)
    for i in range(10):
        p("design", i + 1, 10)
    assert buf.getvalue().splitlines()[0].startswith("design 1/10")
    assert buf.getvalue().splitlines()[-1].startswith("design 10/10")
    assert len(buf.getvalue().splitlines()) == 2


def test_terminal_output_is_a_bar_per_stage():
    buf = io.StringIO()
    _drive(Console(file=buf, force_terminal=True, width=100))
    out = buf.getvalue()
    # rich draws the bar with box characters and the count as done/total
    assert "━" in out
    assert "3/3" in out and "2/2" in out and "1 from cache" in out


def test_disabled_progress_only_calls_back():
    seen: list[tuple] = []
    p = Progress(False, lambda *a: seen.append(a))
    p("modes", 1, 2, 0)
    p.note("waiting")
    assert p.console is None and seen == [("modes", 1, 2, 0)]


def test_eta_counts_only_computed_tasks():
    # 2 computed tasks in 10 s, 2 cached, 4 left: 5 s per computed task
    assert eta_seconds(10.0, 4, 8, 2) == 20.0
    assert eta_seconds(10.0, 2, 8, 2) is None  # only cached so far: no rate yet
    assert eta_seconds(10.0, 8, 8, 0) == 0.0
    assert format_seconds(45) == "45 s"
    assert format_seconds(185) == "3 min 05 s"
    assert format_seconds(4800) == "1 h 20 min"


def test_a_long_log_line_is_not_wrapped():
    """Off a terminal rich assumes 80 columns: a step (and a note) longer than that stays one
    line in the log, not split mid-phrase."""
    buf = io.StringIO()
    p = Progress(True, console=Console(file=buf, force_terminal=False, width=80),
                 min_interval_s=0.0)
    note = "best so far: 40 mg/mL, D 25 um, N_th 0.123 at 648.2 nm, " * 2
    p.start("design")
    p("design", 1, 30, 0, note=note)
    p.note("waiting for the solver pool: " + "x" * 90)
    lines = buf.getvalue().splitlines()
    assert len(lines) == 2, lines
    assert lines[0].startswith("design 1/30 (") and note in lines[0] and len(lines[0]) > 80
    assert lines[1].endswith("x" * 90)


def test_a_long_task_gets_a_heartbeat_line_until_it_ends():
    import time as _time

    buf = io.StringIO()
    p = Progress(True, console=Console(file=buf, force_terminal=False, width=80))
    with p.heartbeat("sensitivity", "the combs are being solved", every_s=0.05):
        _time.sleep(0.3)
    lines = buf.getvalue().splitlines()
    assert len(lines) >= 2, lines
    assert all(ln.startswith("sensitivity: the combs are being solved, ") and
               ln.endswith(" so far") for ln in lines), lines
    _time.sleep(0.2)  # the beat stopped with the block
    assert buf.getvalue().splitlines() == lines
    quiet = Progress(False)
    with quiet.heartbeat("x", "y", every_s=0.01):  # no console: nothing, no thread
        _time.sleep(0.05)
