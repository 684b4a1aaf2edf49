"""Cache keys, atomic entries and the executors (inline, process pool, Dask LocalCluster)."""

from __future__ import annotations

import operator
import os

import pytest

import paradisk.cache as cache_module
from paradisk.cache import Cache, code_version, make_key
from paradisk.errors import UserInputError
from paradisk.executors import error_result, map_tasks
from paradisk.stages import lasing_key, modes_key


def die_on_three(k: int) -> int:
    """A task whose worker process dies (as in a segfault or an OOM kill) for k == 3."""
    if k == 3:
        os._exit(9)
    return k * k


def raise_on_two(k: int) -> int:
    if k == 2:
        raise RuntimeError("bad disk")
    return k * k


def test_keys_depend_on_exactly_their_inputs():
    a = make_key("modes", "v1", {"x": 1.0, "y": [1, 2]})
    assert a == make_key("modes", "v1", {"y": [1, 2], "x": 1.0})  # order-free
    assert a != make_key("modes", "v2", {"x": 1.0, "y": [1, 2]})
    assert a != make_key("lasing", "v1", {"x": 1.0, "y": [1, 2]})
    assert a != make_key("modes", "v1", {"x": 1.0000001, "y": [1, 2]})


def test_code_version_is_per_module_set():
    assert code_version("gain.lasing") != code_version("solvers.modes", "geometry.bodies")
    assert code_version("solvers.modes", "geometry.bodies") == code_version(
        "geometry.bodies", "solvers.modes")
    with pytest.raises(ValueError, match="no module"):
        code_version("nonexistent_pkg")
    with pytest.raises(ValueError, match="no module"):
        code_version("solvers.no_such_module")
    # a single paradisk module: the stage module itself (the assembly of the records)
    assert code_version("paradisk.stages") != code_version("gain.lasing")


def _edited(monkeypatch, tmp_path, module: str) -> None:
    """Make ``module``'s source, as the cache keys read it, an edited copy of the real file."""
    real = cache_module.module_file
    copy = tmp_path / f"{module}.py"
    copy.write_bytes(real(module).read_bytes() + b"\n# an edit\n")
    monkeypatch.setattr(cache_module, "module_file",
                        lambda name: copy if name == module else real(name))
    cache_module._code_version.cache_clear()


def test_the_source_scan_sees_every_form_of_import(monkeypatch, tmp_path):
    fake = tmp_path / "fake.py"
    fake.write_text("import solvers.modes, numpy as np\n"
                    "from . import fields\n"
                    "from .orders import classify_order as c\n"
                    "def f():\n"
                    "    from solvers.fem import settings\n"
                    "    from geometry.bodies import (\n"
                    "        Body,\n        ParabolicDisk,\n    )\n")
    real = cache_module.module_file
    monkeypatch.setattr(cache_module, "module_file",
                        lambda name: fake if name == "solvers.fake" else real(name))
    assert cache_module._imports("solvers.fake") == {
        "solvers", "solvers.modes", "solvers.fields", "solvers.orders", "solvers.fem",
        "solvers.fem.settings", "geometry.bodies"}


@pytest.mark.parametrize(("module", "fem", "meep", "lasing"), [
    ("solvers.plots", False, False, False),  # a figure: no result depends on it
    ("geometry.plots", False, False, False),
    ("gain.plots", False, False, False),
    ("paradisk.report", False, False, False),
    ("solvers.fem.formulation", True, False, False),  # the FEM's weak form
    ("solvers.meep.driver", False, True, False),
    ("solvers.modes", True, True, False),  # shared by both solvers
    ("geometry.profile", True, True, False),  # the body's shape
    ("gain.threshold", False, False, True),
    ("paradisk.stages", True, True, True),  # assembles every stage's record
])
def test_a_stage_key_changes_with_the_code_its_result_depends_on_only(
        monkeypatch, tmp_path, module, fem, meep, lasing):
    from paradisk import stages

    cache_module._code_version.cache_clear()
    before = (stages.solver_version("fem"), stages.solver_version("meep"),
              stages.lasing_version())
    _edited(monkeypatch, tmp_path, module)
    after = (stages.solver_version("fem"), stages.solver_version("meep"),
             stages.lasing_version())
    cache_module._code_version.cache_clear()
    assert [a != b for a, b in zip(after, before, strict=True)] == [fem, meep, lasing]


def test_code_version_is_the_same_wherever_the_packages_are_installed(tmp_path):
    """Keys follow module content, not file locations: a copy of the packages elsewhere (as a
    wheel puts them in site-packages) gives the same versions."""
    import shutil
    import subprocess
    import sys

    from paradisk import stages

    root = cache_module.module_file("paradisk").parents[1]
    for package in ("geometry", "layouts", "solvers", "gain", "paradisk"):
        shutil.copytree(root / package, tmp_path / package,
                        ignore=shutil.ignore_patterns("__pycache__"))
    probe = ("import paradisk.stages as s, paradisk.cache as c\n"
             f"assert str(c.module_file('solvers.modes')).startswith({str(tmp_path)!r})\n"
             "print(s.solver_version('fem'), s.solver_version('meep'), s.lasing_version())")
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True, cwd=tmp_path, env=env)
    assert out.stdout.split() == [stages.solver_version("fem"), stages.solver_version("meep"),
                                  stages.lasing_version()]


def test_stage_keys_include_their_own_code_and_only_the_running_solver(monkeypatch):
    import paradisk.stages as stages
    from solvers.settings import SolverSettings

    body = {"any": "body"}
    solver = SolverSettings().model_dump(mode="json")
    other_meep = {**solver, "meep": {**solver["meep"], "resolution": 7}}
    other_fem = {**solver, "fem": {**solver["fem"], "h_rim": 0.123}}
    fem_key = modes_key(body, solver, "fem")[0]
    assert modes_key(body, other_meep, "fem")[0] == fem_key  # Meep settings: no FEM rerun
    assert modes_key(body, other_fem, "fem")[0] != fem_key
    meep_key = modes_key(body, solver, "meep")[0]
    assert modes_key(body, other_fem, "meep")[0] == meep_key
    assert modes_key(body, other_meep, "meep")[0] != meep_key
    las_key = lasing_key([], {"f": 1}, {"p": 1})[0]
    # an edit of paradisk/stages.py (here: a different version of it) changes both keys
    real = stages.code_version
    monkeypatch.setattr(stages, "code_version", lambda *src, **kw: real(*src, **kw) + (
        "-edited" if "paradisk.stages" in src else ""))
    assert modes_key(body, solver, "fem")[0] != fem_key
    assert lasing_key([], {"f": 1}, {"p": 1})[0] != las_key


def test_cache_round_trip_and_damage(tmp_path):
    cache = Cache(tmp_path)
    key = make_key("modes", "v", {"a": 1})
    assert cache.get("modes", key) is None
    cache.put("modes", key, {"modes": [{"Q": float("inf")}]}, {"a": 1})
    assert cache.get("modes", key) == {"modes": [{"Q": float("inf")}]}
    assert list(cache.keys("modes")) == [key]
    # no temporary files are left next to the entry: only the entry and its lock file
    assert sorted(p.name for p in cache.path("modes", key).parent.iterdir()) == [
        f".{key}.lock", f"{key}.json"]
    # what a writer killed before its rename leaves: a dot-file, never counted as an entry
    leftover = cache.path("modes", key).parent / f".{key}.json.abc123.tmp"
    leftover.write_text('{"result": ')
    stale_json = cache.path("modes", key).parent / f".{key}.json.old.json"
    stale_json.write_text('{"result": ')
    assert list(cache.keys("modes")) == [key]
    # a damaged entry (not written by us) is moved aside and recomputed, never returned
    cache.path("modes", key).write_text('{"result": ')
    assert cache.get("modes", key) is None
    assert not cache.path("modes", key).exists() and len(cache.damaged) == 1
    off = Cache(tmp_path / "off", enabled=False)
    off.put("modes", key, {"x": 1})
    assert off.get("modes", key) is None and not (tmp_path / "off").exists()


@pytest.mark.parametrize("workers", [1, 2])
def test_local_executors_keep_order(workers):
    seen = []
    args = [(2, k) for k in range(6)]
    out = map_tasks(operator.pow, args, workers=workers, on_done=lambda i, r: seen.append(i))
    assert out == [2**k for k in range(6)]
    assert sorted(seen) == list(range(6))


def test_put_writes_through_a_non_json_temporary_file(tmp_path, monkeypatch):
    import paradisk.files as files

    seen = []
    real = files.tempfile.mkstemp

    def spy(**kw):
        seen.append(kw)
        return real(**kw)

    monkeypatch.setattr(files.tempfile, "mkstemp", spy)
    Cache(tmp_path).put("modes", make_key("modes", "v", 1), {"x": 1})
    assert seen and seen[0]["suffix"] == ".tmp" and seen[0]["prefix"].startswith(".")


@pytest.mark.parametrize("workers", [1, 2])
def test_a_raising_task_is_an_error_result_not_fatal(workers):
    out = map_tasks(raise_on_two, [(k,) for k in range(5)], workers=workers,
                    on_error=error_result)
    assert out == [0, 1, {"error": "RuntimeError: bad disk"}, 9, 16]
    with pytest.raises(RuntimeError, match="bad disk"):
        map_tasks(raise_on_two, [(k,) for k in range(5)], workers=workers)


@pytest.mark.slow  # process pools: ~10 s
def test_a_dead_worker_process_is_an_error_for_its_task_only():
    out = map_tasks(die_on_three, [(k,) for k in range(6)], workers=2, on_error=error_result)
    assert [out[k] for k in (0, 1, 2, 4, 5)] == [0, 1, 4, 16, 25]
    assert "BrokenProcessPool" in out[3]["error"] and "died" in out[3]["error"]


def test_unreachable_scheduler_is_a_user_error():
    with pytest.raises(UserInputError, match="cannot reach a Dask scheduler"):
        map_tasks(operator.pow, [(2, 1)], scheduler="not-an-address", connect_timeout_s=2)
    with pytest.raises(UserInputError, match=r"tcp://127\.0\.0\.1:9"):
        map_tasks(operator.pow, [(2, 1)], scheduler="tcp://127.0.0.1:9", connect_timeout_s=1)


@pytest.mark.slow  # a Dask LocalCluster: ~10 s
def test_dask_local_cluster_executor():
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster:
        out = map_tasks(operator.pow, [(3, k) for k in range(5)],
                        scheduler=cluster.scheduler_address)
        # a task that raises on a worker is that task's error; the others complete
        mixed = map_tasks(raise_on_two, [(k,) for k in range(4)],
                          scheduler=cluster.scheduler_address, on_error=error_result)
    assert out == [3**k for k in range(5)]
    assert mixed == [0, 1, {"error": "RuntimeError: bad disk"}, 9]


def square_once(k: int, cache_root: str, die_flag: str) -> dict:
    """k * k, stored in a paradisk cache; the worker running k == 3 dies while ``die_flag``
    exists (a disk whose solve kills its worker until the cause is fixed)."""
    cache = Cache(cache_root)
    key = make_key("square", "v", k)
    hit = cache.get("square", key)
    if hit is not None:
        return {**hit, "cached": True}
    if k == 3 and os.path.exists(die_flag):
        os._exit(9)
    cache.put("square", key, {"value": k * k}, k)
    return {"value": k * k, "cached": False}


@pytest.mark.slow  # a Dask LocalCluster: ~15 s
def test_dask_killed_worker_is_an_error_for_its_task_only(tmp_path):
    """What Dask promises, whatever worker it gives each task: the task that kills its worker
    is an error; every other task succeeds or, if it was in the dead worker's hands (queued
    there, or finished there and its result lost with it), names the dead worker; a re-run
    (cause fixed) completes, reading every finished task from the cache."""
    import re

    import dask
    from distributed import LocalCluster

    flag = tmp_path / "die"
    flag.touch()
    args = [(k, str(tmp_path / "cache"), str(flag)) for k in range(5)]
    # the scheduler gives up on a task the first time its worker dies (KilledWorker)
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}), LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
            dashboard_address=None) as cluster:
        out = map_tasks(square_once, args, scheduler=cluster.scheduler_address,
                        on_error=error_result)
        assert "KilledWorker" in out[3]["error"], out[3]
        dead = re.findall(r"tcp://127\.0\.0\.1:\d+", out[3]["error"])
        assert dead, out[3]["error"]  # the message names the worker that died
        finished = []
        for k in (0, 1, 2, 4):
            if "error" in out[k]:
                assert "KilledWorker" in out[k]["error"] and dead[-1] in out[k]["error"], out[k]
            else:
                # (from the cache if it ran twice: finished on the dead worker, result lost)
                assert out[k]["value"] == k * k, out[k]
                finished.append(k)
        flag.unlink()
        again = map_tasks(square_once, args, scheduler=cluster.scheduler_address,
                          on_error=error_result)
    assert [r["value"] for r in again] == [k * k for k in range(5)]
    # every task that finished is read back; so may be one that finished on the dead worker
    # before it died (its result was lost with the worker, its cache entry was not)
    cached = {k for k in range(5) if again[k]["cached"]}
    assert set(finished) <= cached and 3 not in cached, (finished, cached)
