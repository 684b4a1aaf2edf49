"""Faults around a run, none of which may lose work or answer nonsense: a damaged cache, two
runs on one cache, a failed or killed run and its output folder, a dead parent process, Ctrl-C,
a scheduler address that is not a Dask scheduler, a cluster without workers.

No test here runs a real solver: where a run needs modes, the solver is replaced by a fake one
(in this process, or in a child process started for the test)."""

from __future__ import annotations

import http.server
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
import yaml

from paradisk.cache import DAMAGED_DIR, Cache, make_key
from paradisk.cli import main
from paradisk.errors import UserInputError
from paradisk.executors import map_tasks, probe_scheduler
from paradisk.output_folder import StagedOutputs
from paradisk.pipeline import RunFailedError, RunOptions, run_pipeline
from paradisk.spec import load_spec, spec_from_dict
from paradisk.stages import lasing_stage

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "qs3_array.yaml"
# generous bounds for a loaded machine: these are hang detectors, not timings
WAIT_S = 120.0


def wait_for(condition, timeout_s: float = WAIT_S, what: str = "") -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def small_spec(rows: int = 2) -> dict:
    data = yaml.safe_load(EXAMPLE.read_text())
    data["name"] = "faults"
    data["array"]["target_top_diameters_um"] = [14.0, 16.0, 18.0][:rows]
    data["array"]["repeats"] = 1
    data["solver"] = {"method": "fem", "window_nm": [615.0, 665.0], "polarizations": ["TE"]}
    return data


def tree(root: Path) -> dict[str, bytes | None]:
    """Every path under ``root`` with its bytes (None for a directory)."""
    return {str(p.relative_to(root)): None if p.is_dir() else p.read_bytes()
            for p in sorted(root.rglob("*"))}


# ---- cache damage --------------------------------------------------------------------------

MODES = [{"m": 60, "polarization": "TE", "wavelength_nm": 640.0, "Q": 1e6, "film_fraction": 0.02,
          "effective_index": 1.5}]


def _lasing_args():
    spec = load_spec(EXAMPLE)
    return (MODES, spec.nanocrystals.model_dump(mode="json"),
            spec.pump.model_dump(mode="json"))


def _damage(path: Path, how: str) -> None:
    if how == "empty dict":
        path.write_text("{}")
    elif how == "random bytes":
        path.write_bytes(bytes(range(256)) * 4)
    elif how == "directory":
        path.unlink()
        path.mkdir()
        (path / "x").write_text("1")
    elif how == "list":
        path.write_text("[1, 2, 3]")
    elif how == "modes garbage":
        path.write_text('{"modes": "garbage"}')
    elif how == "changed number":
        entry = json.loads(path.read_text())
        entry["result"]["lasing"]["threshold_N"] = 1e-9
        path.write_text(json.dumps(entry))
    else:  # pragma: no cover
        raise ValueError(how)


@pytest.mark.parametrize("how", ["empty dict", "random bytes", "directory", "list",
                                 "modes garbage", "changed number"])
def test_damaged_entry_is_reported_once_moved_aside_and_recomputed(tmp_path, caplog, how):
    cache = Cache(tmp_path)
    good = lasing_stage(*_lasing_args(), cache=cache)
    assert good["lasing"] is not None
    (path,) = list((tmp_path / "lasing").glob("*/*.json"))
    _damage(path, how)

    caplog.set_level(logging.WARNING, logger="paradisk.cache")
    again = lasing_stage(*_lasing_args(), cache=Cache(tmp_path))
    assert again == good  # recomputed: never the damaged numbers
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 1, warnings
    assert "damaged cache entry" in warnings[0] and "\n" not in warnings[0]
    assert path.name in warnings[0] and "recomputing" in warnings[0]
    (aside,) = list((tmp_path / DAMAGED_DIR / "lasing").iterdir())
    assert aside.name.startswith(path.stem)
    assert path.is_file()  # the recomputed entry
    # reported once: the next run finds the good entry and says nothing
    caplog.clear()
    assert lasing_stage(*_lasing_args(), cache=Cache(tmp_path)) == good
    assert caplog.records == []


def test_entries_carry_schema_and_checksum(tmp_path):
    cache = Cache(tmp_path)
    key = make_key("modes", "v", {"a": 1})
    cache.put("modes", key, {"modes": [{"m": 1, "wavelength_nm": 600.0}]}, {"a": 1})
    entry = json.loads(cache.path("modes", key).read_text())
    assert entry["schema"] == 2 and len(entry["sha256"]) == 64
    # an entry of another key copied over this one is damage too
    other = make_key("modes", "v", {"a": 2})
    cache.put("modes", other, {"modes": []}, {"a": 2})
    cache.path("modes", key).write_bytes(cache.path("modes", other).read_bytes())
    assert cache.get("modes", key) is None and "another stage or key" in cache.damaged[0]


def test_damage_found_by_a_worker_is_reported_by_the_run(tmp_path, monkeypatch, caplog):
    """The modes stage runs in workers (or on a cluster): it hands what it found back to the
    run, which reports it once, in the main process."""
    import solvers

    monkeypatch.setattr(solvers, "find_modes", lambda *a, **k: [])
    spec = spec_from_dict(small_spec(rows=1))
    options = RunOptions(cache_dir=tmp_path, workers=1, report=False, write_layout=False)
    first = run_pipeline(spec, options)
    assert first.stats["modes_solved"] == 1
    (path,) = list((tmp_path / "modes").glob("*/*.json"))
    path.write_text('{"modes": "garbage"}')
    caplog.set_level(logging.WARNING, logger="paradisk.cache")
    again = run_pipeline(spec, options)
    assert again.stats["modes_solved"] == 1 and again.stats["cache_damaged"] == 1
    assert len([r for r in caplog.records if "damaged" in r.getMessage()]) == 1


# ---- two runs on one cache -----------------------------------------------------------------

TWO_RUNS = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    import solvers
    from paradisk.pipeline import RunOptions, run_pipeline
    from paradisk.spec import load_spec

    spec_file, cache_dir, log, release = sys.argv[1:5]

    def fake_find_modes(*_a, **_k):  # a slow solve, held until the test releases it
        with open(log, "a") as f:
            f.write("solve\\n")
        while not Path(release).exists():
            time.sleep(0.05)
        return []

    solvers.find_modes = fake_find_modes
    r = run_pipeline(load_spec(spec_file), RunOptions(cache_dir=cache_dir, workers=1,
                                                      report=False, write_layout=False))
    print(r.stats["modes_solved"], r.stats["modes_cached"])
""")


def _waits_for_a_lock(pid: int) -> bool:
    """Whether process ``pid`` is blocked on a file lock (Linux's /proc/locks lists waiters
    with '->')."""
    return any("->" in line and f" {pid} " in line
               for line in Path("/proc/locks").read_text().splitlines())


@pytest.mark.slow  # child processes importing the pipeline: ~20 s
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/locks")
def test_two_runs_on_one_cache_solve_each_disk_once(tmp_path):
    spec_file = tmp_path / "spec.yaml"
    spec_file.write_text(yaml.safe_dump(small_spec(rows=2)))
    log, release = tmp_path / "solves.log", tmp_path / "release"
    cmd = [sys.executable, "-c", TWO_RUNS, str(spec_file), str(tmp_path / "cache"), str(log),
           str(release)]
    first = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    second = None
    try:
        wait_for(lambda: log.exists(), what="the first run to start solving")
        # the second run starts while the first holds a disk: it must wait for it (a blocked
        # flock, listed in /proc/locks) instead of solving it too (a second "solve" line)
        second = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True)
        wait_for(lambda: _waits_for_a_lock(second.pid) or log.read_text().count("solve") > 1,
                 what="the second run to reach the disk the first is solving")
        release.touch()
        out1, err1 = first.communicate(timeout=WAIT_S)
        out2, err2 = second.communicate(timeout=WAIT_S)
    finally:
        for proc in (first, second):
            if proc is not None and proc.poll() is None:
                proc.kill()
    assert first.returncode == 0 and second.returncode == 0, (err1, err2)
    assert log.read_text().count("solve") == 2  # two disks, each solved once
    solved = [int(out.split()[0]) for out in (out1, out2)]
    cached = [int(out.split()[1]) for out in (out1, out2)]
    assert sum(solved) == 2 and sum(cached) == 2, (out1, out2)


# ---- the output folder: all or nothing -----------------------------------------------------

def test_staged_outputs_replace_the_whole_set_and_clean_leftovers(tmp_path):
    out = tmp_path / "out"
    for name, text in {"results.csv": "old", "modes/r00c00.csv": "old",
                       "modes/r02c00.csv": "stale", "meep_check.csv": "old",
                       "figures/.exposure_map.png.k2j3": "", "layout/.layout-staging-ab/x": "",
                       ".results.csv.q1w2.csv": "half", "cache/modes/x.json": "keep",
                       "notes.txt": "mine"}.items():
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_text(text)
    (out / ".run-staging-dead").mkdir()  # a killed run's (no live lock)
    live = StagedOutputs(out)  # another run still working in the same folder
    with StagedOutputs(out) as staged:
        (staged.dir / "modes").mkdir()
        (staged.dir / "modes" / "r00c00.csv").write_text("new")
        (staged.dir / "results.csv").write_text("new")
        (staged.dir / "figures").mkdir()
        (staged.dir / "figures" / "design_map.png").write_text("png")
        staged.commit()
    got = {k: v for k, v in tree(out).items() if not k.startswith(live.dir.name)}
    assert got == {"cache": None, "cache/modes": None,
                   "cache/modes/x.json": b"keep", "figures": None,
                   "figures/design_map.png": b"png", "modes": None,
                   "modes/r00c00.csv": b"new", "notes.txt": b"mine",
                   "results.csv": b"new"}
    assert live.dir.is_dir()  # a live run's staging directory is left alone
    live.discard()
    assert not live.dir.exists()


def test_a_discarded_run_leaves_the_folder_as_it_was(tmp_path):
    out = tmp_path / "out"
    (out / "modes").mkdir(parents=True)
    (out / "modes" / "r00c00.csv").write_text("good")
    (out / "results.csv").write_text("good")
    before = tree(out)
    with pytest.raises(RuntimeError), StagedOutputs(out) as staged:
        (staged.dir / "results.csv").write_text("half")
        raise RuntimeError("the run failed")
    assert tree(out) == before
    # a folder the failed run created is not left behind
    with pytest.raises(RuntimeError), StagedOutputs(tmp_path / "new"):
        raise RuntimeError("the run failed")
    assert not (tmp_path / "new").exists()


def _good_folder(out: Path) -> dict:
    (out / "modes").mkdir(parents=True)
    (out / "modes" / "r00c00.csv").write_text("good modes")
    (out / "results.csv").write_text("good results")
    (out / "report.html").write_text("<html>good</html>")
    return tree(out)


@pytest.mark.slow  # writes the layout (gdsfactory): ~10 s
def test_a_run_where_every_disk_fails_keeps_the_previous_results(tmp_path, monkeypatch):
    import solvers

    def broken(*_a, **_k):
        raise RuntimeError("mesh generation failed")

    monkeypatch.setattr(solvers, "find_modes", broken)
    out = tmp_path / "out"
    before = _good_folder(out)
    spec = spec_from_dict(small_spec(rows=2))
    with pytest.raises(RunFailedError, match=r"every disk failed.*mesh generation failed"):
        run_pipeline(spec, RunOptions(out_dir=out, cache_dir=tmp_path / "cache", workers=1))
    assert tree(out) == before


def test_a_successful_run_leaves_only_its_own_files(tmp_path, monkeypatch):
    """A 2-row run after a 3-row run: no modes/r02c00.csv; a killed run's temporary files go."""
    import solvers

    monkeypatch.setattr(solvers, "find_modes", lambda *a, **k: [])
    out = tmp_path / "out"
    for name in ("modes/r02c00.csv", "figures/.exposure_map.png.abcd",
                 "layout/.layout-staging-xyz/layout.gds", "meep_check.csv"):
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_text("")
    result = run_pipeline(spec_from_dict(small_spec(rows=2)),
                          RunOptions(out_dir=out, workers=1, report=False, write_layout=False))
    assert sorted(p.name for p in (out / "modes").iterdir()) == ["r00c00.csv", "r01c00.csv"]
    assert not (out / "figures").exists() and not (out / "layout").exists()
    assert not (out / "meep_check.csv").exists()
    assert result.paths["results_csv"] == out / "results.csv"
    assert (out / "results.csv").is_file() and (out / "cache").is_dir()
    assert not [p for p in out.iterdir() if p.name.startswith(".run-")]


# ---- Dask: addresses that are not a scheduler, clusters without workers --------------------

def _garbage_server() -> str:
    """A service that answers every connection with bytes that are not Dask's."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)

    def serve() -> None:
        while True:
            conn, _ = srv.accept()
            conn.sendall(b"\xff" * 8 + b"HTTP/1.1 400 Bad Request\r\n\r\n")

    threading.Thread(target=serve, daemon=True).start()
    return f"tcp://127.0.0.1:{srv.getsockname()[1]}"


def _http_server() -> str:
    """Like a dashboard port: accepts the connection, says nothing until asked over HTTP."""
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.BaseHTTPRequestHandler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return f"tcp://127.0.0.1:{srv.server_address[1]}"


def test_an_address_that_is_not_a_scheduler_is_one_line_and_bounded():
    t0 = time.monotonic()
    with pytest.raises(UserInputError, match="but not a Dask scheduler"):
        probe_scheduler(_garbage_server(), timeout_s=30)
    assert time.monotonic() - t0 < 25  # at once, not after the timeout (a generous bound)
    with pytest.raises(UserInputError, match=r"no Dask handshake within 1 s.*dashboard"):
        map_tasks(pow, [(2, 1)], scheduler=_http_server(), connect_timeout_s=1)


def test_cli_garbage_scheduler_is_one_line_and_keeps_the_output_folder(tmp_path, capsys):
    out = tmp_path / "out"
    before = _good_folder(out)
    spec_file = tmp_path / "spec.yaml"
    spec_file.write_text(yaml.safe_dump(small_spec(rows=1)))
    address = _garbage_server()
    code = main(["run", str(spec_file), "-o", str(out), "--scheduler", address, "--quiet"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.startswith(f"paradisk run: error: --scheduler {address}: cannot reach")
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert tree(out) == before


def test_a_cluster_without_workers_gives_up_with_notes():
    from distributed import LocalCluster

    notes: list[str] = []
    with LocalCluster(n_workers=0, processes=False, protocol="tcp://", host="127.0.0.1",
                      dashboard_address=None) as cluster:
        probe_scheduler(cluster.scheduler_address, timeout_s=30)  # a real scheduler passes
        with pytest.raises(UserInputError, match=r"no workers for 1\.5 s; 2 of 2 tasks"):
            map_tasks(pow, [(2, 1), (2, 2)], scheduler=cluster.scheduler_address,
                      no_workers_timeout_s=1.5, on_note=notes.append, note_every_s=0.5)
    assert notes and all("no workers" in n and "\n" not in n for n in notes), notes


# ---- orphans and Ctrl-C ----------------------------------------------------------------------

def _descendants(pid: int) -> set[int]:
    """Live (not zombie) descendants of ``pid``, from /proc."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z":
            children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    out, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.add(child)
            todo.append(child)
    return out


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


POOL = textwrap.dedent("""
    import sys
    from paradisk.executors import map_tasks
    from tests.test_pipeline_faults import sleepy
    try:
        map_tasks(sleepy, [(sys.argv[1], k) for k in range(2)], workers=2)
    except KeyboardInterrupt:
        print("stopped", flush=True)
""")


def sleepy(marker_dir: str, k: int) -> None:
    """A long task that says where it runs."""
    Path(marker_dir, f"{k}.{os.getpid()}").write_text("")
    time.sleep(600)


@pytest.mark.slow  # child processes: ~20 s
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def _terminal_sigint() -> None:
    """SIGINT as a terminal's foreground process has it: a test runner started in the
    background inherits SIGINT ignored, and Python then installs no Ctrl-C handler."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.parametrize("how", ["kill -9", "Ctrl-C"])
def test_pool_workers_do_not_outlive_their_run(tmp_path, how):
    proc = subprocess.Popen([sys.executable, "-c", POOL, str(tmp_path)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, preexec_fn=_terminal_sigint)
    family: set[int] = set()
    try:
        wait_for(lambda: len(list(tmp_path.iterdir())) == 2, what="both tasks to start")
        family = _descendants(proc.pid)  # the two workers and the resource tracker
        assert len(family) >= 2
        if how == "kill -9":
            proc.kill()
        else:  # what a terminal's Ctrl-C does: SIGINT to the whole process group
            os.killpg(proc.pid, signal.SIGINT)
        out, err = proc.communicate(timeout=WAIT_S)
        wait_for(lambda: not any(_alive(p) for p in family), what="the workers to exit")
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        for pid in family:  # a failed test leaves no orphans behind either
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
    if how == "Ctrl-C":
        assert out.strip() == "stopped" and proc.returncode == 0
        assert "Traceback" not in err, err


CLI_RUN = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    import solvers
    from paradisk.cli import main

    calls = []

    def fake_find_modes(*_a, **_k):  # the first disk is quick, the second takes forever
        calls.append(1)
        if len(calls) > 1:
            time.sleep(600)
        return []

    solvers.find_modes = fake_find_modes
    sys.exit(main(sys.argv[1:]))
""")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="process groups")
@pytest.mark.slow  # child processes importing the pipeline: ~20 s
def test_ctrl_c_is_one_line_keeps_the_folder_and_the_cache_resumes(tmp_path, monkeypatch):
    import solvers

    spec_file = tmp_path / "spec.yaml"
    spec_file.write_text(yaml.safe_dump(small_spec(rows=2)))
    out, cache = tmp_path / "out", tmp_path / "cache"
    before = _good_folder(out)
    proc = subprocess.Popen(
        [sys.executable, "-c", CLI_RUN, "run", str(spec_file), "-o", str(out), "--cache",
         str(cache), "--workers", "1", "--quiet", "--no-report"], cwd=ROOT,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
        preexec_fn=_terminal_sigint)
    try:
        wait_for(lambda: list(Cache(cache).keys("modes")), what="the first disk's entry")
        os.killpg(proc.pid, signal.SIGINT)
        _, err = proc.communicate(timeout=WAIT_S)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130, err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    assert err.startswith("paradisk run: interrupted") and "re-run resumes" in err, err
    assert tree(out) == before
    monkeypatch.setattr(solvers, "find_modes", lambda *a, **k: [])
    resumed = run_pipeline(load_spec(spec_file), RunOptions(
        out_dir=out, cache_dir=cache, workers=1, report=False, write_layout=False))
    assert resumed.stats["modes_cached"] == 1 and resumed.stats["modes_solved"] == 1
