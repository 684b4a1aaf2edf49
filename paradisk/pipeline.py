"""The end-to-end run: profile -> write pattern -> modes -> threshold and lasing mode, per disk.

``run_pipeline(spec, RunOptions(...))`` is what ``paradisk run`` and notebooks call;
``run_spec(path)`` returns the results as a pandas DataFrame.

Stages and their costs: the exposure profile and the write pattern take milliseconds and are
recomputed every run; the mode solve (seconds per disk with the FEM solver, hours with Meep),
the gain model and the field of the report's mode picture are cached per disk (paradisk.cache,
paradisk.stages), so an unchanged rerun or a gain-only change runs no solver at all
(``stats["solver_runs"] == 0``). Identical disks (the
repeats of a row) are solved once. Mode solves run in parallel over ``workers`` local processes
or on a Dask cluster; a disk that fails gets its error in the table and the run goes on. The
output folder is all or nothing (paradisk.output_folder): a run that stops, or in which every
disk failed, leaves the previous results as they were.

Units: um, ms, uW, uJ, mJ/cm^2, nm, uJ/cm^2.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from paradisk.cache import Cache
from paradisk.cache import log as cache_log
from paradisk.errors import UserInputError
from paradisk.executors import (  # noqa: F401  (default_workers: re-exported)
    default_workers,
    error_result,
    map_tasks,
    probe_scheduler,
)
from paradisk.output_folder import StagedOutputs
from paradisk.outputs import write_layout, write_results
from paradisk.progress import Progress
from paradisk.results import (  # noqa: F401  (re-exported: the run's public names)
    CHECK_COLUMNS,
    MODE_COLUMNS,
    RESULT_COLUMNS,
    RunOptions,
    RunResult,
    results_table,
)
from paradisk.scatter.stage import scatter_in_run
from paradisk.spec import DesignSpec, DiskPlan, load_spec
from paradisk.stages import (
    body_id,
    cached_modes_stage,
    field_stage,
    lasing_stage,
    meep_check_stage,
    modes_stage,
    stored_mode_field,
)


def run_spec(spec: DesignSpec | str | Path, **options: Any) -> pd.DataFrame:
    """Notebook entry point: run a spec (object or file) and return the results table."""
    if not isinstance(spec, DesignSpec):
        spec = load_spec(spec)
    return run_pipeline(spec, RunOptions(**options)).table


class RunFailedError(UserInputError):
    """Every disk of the run failed: nothing was written (``result`` holds the error rows)."""

    def __init__(self, message: str, result: RunResult) -> None:
        super().__init__(message)
        self.result = result


class RunInterrupted(KeyboardInterrupt):
    """Ctrl-C stopped the run: its message says what was kept."""


def run_pipeline(spec: DesignSpec, options: RunOptions | None = None) -> RunResult:
    """Run every stage for every disk of ``spec``; write outputs when ``options.out_dir``.

    The outputs are all or nothing (paradisk.output_folder): staged while the run works and
    swapped into ``out_dir`` only at its end. A run that stops (an exception, Ctrl-C) or in
    which every disk failed (``RunFailedError``) leaves ``out_dir`` as it was; the cache keeps
    every disk it finished, so a re-run resumes from there. ``options`` None: the defaults.
    """
    if options is None:
        options = RunOptions()
    if options.out_dir is None:
        result = _run(spec, options, None)
        _check_not_all_failed(result, None)
        return result
    try:
        with StagedOutputs(options.out_dir) as staged:
            result = _run(spec, options, staged.dir)
            _check_not_all_failed(result, Path(options.out_dir))
            written, result.skipped_figures = write_results(result, staged.dir,
                                                            report=options.report)
            result.paths.update(written)
            staged.commit()
            result.paths = {k: staged.final_path(v) for k, v in result.paths.items()}
    except KeyboardInterrupt:
        where = options.resolved_cache_dir()
        kept = (f"; every finished disk is in the cache {where}: a re-run resumes from there"
                if where is not None else "")
        raise RunInterrupted(f"interrupted; {options.out_dir} left as it was{kept}") from None
    return result


def _check_not_all_failed(result: RunResult, out: Path | None) -> None:
    errors = result.table.drop_duplicates("row")["error"].tolist()
    if errors and all(errors):
        first = errors[0].strip().splitlines()[0] if errors[0].strip() else "?"
        kept = f"; {out} left as it was" if out is not None else ""
        raise RunFailedError(f"every disk failed ({len(errors)} of {len(errors)} rows){kept}; "
                             f"the first: {first}", result)


def _run(spec: DesignSpec, options: RunOptions, staging: Path | None) -> RunResult:
    """The stages; the layout is written under ``staging`` (None: nothing written)."""
    t_start = time.perf_counter()
    method = options.solver or spec.solver.method
    cache_dir = options.resolved_cache_dir()
    cache = Cache(cache_dir) if cache_dir is not None else None
    stats: dict[str, Any] = {"solver": method, "workers": options.workers,
                             "scheduler": options.scheduler, "cache_dir": str(cache_dir)}
    progress = Progress(options.progress, options.on_progress)
    if options.scheduler is not None:  # a bad address stops the run before any work
        probe_scheduler(options.scheduler, options.connect_timeout_s, progress.note)

    # exposure profiles (and the spec's cross-checks) -----------------------------------
    t0 = time.perf_counter()
    plans = spec.disks()
    rows = spec.unique_disks()
    stats["profile_seconds"] = time.perf_counter() - t0

    # write pattern --------------------------------------------------------------------
    paths: dict[str, Path] = {}
    if staging is not None and options.write_layout:
        t0 = time.perf_counter()
        paths.update(write_layout(spec, staging / "layout", cache_dir))
        stats["layout_seconds"] = time.perf_counter() - t0

    # modes: one solve per distinct body ------------------------------------------------
    t0 = time.perf_counter()
    solver_json = spec.solver.model_dump(mode="json")
    losses_json = spec.loss_settings.model_dump(mode="json")
    bodies: dict[str, tuple] = {}
    # the largest disks first: a solve's cost grows with the diameter (more modes in the
    # window), and starting the longest tasks first keeps every worker busy to the end
    for plan in sorted(rows, key=lambda p: -p.profile.top_diameter_um):
        body_json = plan.body.model_dump(mode="json")
        bodies.setdefault(body_id(body_json), (body_json, solver_json, method,
                                               str(cache_dir) if cache_dir else None,
                                               options.use_cache, losses_json))
    keys = list(bodies)
    counter = {"done": 0, "cached": 0}

    def modes_done(_i: int, result: dict) -> None:
        counter["done"] += 1
        counter["cached"] += bool(result.get("cached"))
        progress("modes", counter["done"], len(keys), counter["cached"])

    progress.start("modes")
    results = map_tasks(modes_stage, [bodies[k] for k in keys], on_done=modes_done,
                        on_error=error_result, cached=cached_modes_stage,
                        **_executor(options, progress))
    stats["cache_damaged"] = _report_damage(results)
    by_body = dict(zip(keys, results, strict=True))
    stats["modes_seconds"] = time.perf_counter() - t0
    stats["modes_solved"] = len(keys) - counter["cached"]
    stats["modes_cached"] = counter["cached"]
    stats["modes_cpu_seconds"] = sum(r.get("seconds", 0.0) for r in results)
    stats["field_solved"] = stats["field_cached"] = stats["meep_checks_solved"] = 0

    # gain: threshold of every mode, lasing mode ----------------------------------------
    t0 = time.perf_counter()
    film_json = spec.nanocrystals.model_dump(mode="json")
    pump_json = spec.pump.model_dump(mode="json")
    mode_tables: dict[str, list[dict]] = {}
    lasing: dict[str, dict] = {}
    reasons: dict[str, str] = {}
    errors: dict[str, str] = {}
    for i, plan in enumerate(rows):
        res = by_body[body_id(plan.body.model_dump(mode="json"))]
        if "error" in res:
            errors[plan.id] = res["error"]
            mode_tables[plan.id] = []
            continue
        try:
            pred = lasing_stage(res["modes"], film_json, pump_json, cache, spec.intrinsic_Q)
        except Exception as exc:  # reported per disk, not fatal
            errors[plan.id] = f"{type(exc).__name__}: {exc}"
            mode_tables[plan.id] = res["modes"]
            continue
        mode_tables[plan.id] = [{**m, **t} for m, t in
                                zip(res["modes"], pred["thresholds"], strict=True)]
        lasing[plan.id] = pred["lasing"]
        reasons[plan.id] = pred.get("reason", "")
        progress("lasing", i + 1, len(rows), 0)
    stats["lasing_seconds"] = time.perf_counter() - t0
    scatter = scatter_in_run(spec, mode_tables, cache_dir, options.use_cache, map_tasks,
                             progress=progress, **_executor(options, progress))
    stats.update(scatter["stats"] if scatter is not None else {})

    checks: list[dict] = []
    if options.meep_check > 0 and method == "fem":
        t0 = time.perf_counter()
        checks = _meep_checks(rows, lasing, solver_json, cache_dir, options, progress)
        stats["meep_check_seconds"] = time.perf_counter() - t0
        stats["meep_checks_solved"] = sum(not c.pop("cached", False) for c in checks)

    mode_field = None
    if options.out_dir is not None and options.report and method == "fem":
        t0 = time.perf_counter()
        mode_field = _mode_field(rows, lasing, mode_tables, solver_json, cache_dir, options)
        if mode_field is not None:
            stats["field_cached" if mode_field["cached"] else "field_solved"] = 1
        stats["field_seconds"] = time.perf_counter() - t0
    # every solver call of this run (0 when everything came from the cache)
    stats["solver_runs"] = (stats["modes_solved"] + stats["field_solved"]
                            + stats["meep_checks_solved"] + stats.get("sensitivity_solves", 0))

    stats["cache_damaged"] += len(cache.damaged) if cache is not None else 0
    progress.close()  # a stage whose last task failed leaves its bar open
    table = results_table(plans, mode_tables, lasing, errors, reasons,
                          tuple(spec.solver.window_nm))
    stats["disks"] = len(plans)
    stats["rows"] = len(rows)
    stats["errors"] = len(errors) + stats.get("scatter_errors", 0)  # + failed scatter rows
    stats["total_seconds"] = time.perf_counter() - t_start
    result = RunResult(spec=spec, table=table, modes=mode_tables, lasing=lasing, stats=stats,
                       paths=paths, meep_checks=checks, mode_field=mode_field,
                       scatter=scatter)
    return result


def _executor(options: RunOptions, progress: Progress) -> dict[str, Any]:
    """map_tasks' options of a run."""
    return {"workers": options.workers, "scheduler": options.scheduler,
            "connect_timeout_s": options.connect_timeout_s,
            "no_workers_timeout_s": options.no_workers_timeout_s, "on_note": progress.note}


def _report_damage(results: list[dict]) -> int:
    """Report (one warning line each) the damaged cache entries that stages in workers found
    and moved aside; returns how many."""
    notes = [n for r in results if isinstance(r, dict) for n in r.pop("cache_damaged", [])]
    for note in notes:
        cache_log.warning("paradisk: warning: %s", note)
    return len(notes)


def _meep_checks(rows: list[DiskPlan], lasing: dict[str, dict], solver_json: dict,
                 cache_dir: Path | None, options: RunOptions, progress: Progress) -> list[dict]:
    """Meep re-solves of the lasing mode of ``options.meep_check`` rows spread over the array."""
    lasing_rows = [p for p in rows if lasing.get(p.id)]
    n = min(options.meep_check, len(lasing_rows))
    if n == 0:
        return []
    picks = [lasing_rows[round(float(i))] for i in np.linspace(0, len(lasing_rows) - 1, n)]
    tasks = [(p.body.model_dump(mode="json"), solver_json, lasing[p.id]["m"],
              lasing[p.id]["polarization"], lasing[p.id]["wavelength_nm"],
              str(cache_dir) if cache_dir else None, options.use_cache) for p in picks]
    count = {"done": 0}

    def done(_i: int, _r: dict) -> None:
        count["done"] += 1
        progress("meep check", count["done"], len(tasks), 0)

    results = map_tasks(meep_check_stage, tasks, on_done=done, on_error=error_result,
                        **_executor(options, progress))
    _report_damage(results)
    out = []
    for plan, res in zip(picks, results, strict=True):
        las = lasing[plan.id]
        meep = res.get("meep") or {}
        lam = meep.get("wavelength_nm")
        out.append({
            "id": plan.id, "m": las["m"], "polarization": las["polarization"],
            "fem_wavelength_nm": las["wavelength_nm"], "meep_wavelength_nm": lam,
            "relative_difference": None if lam is None else
            (lam - las["wavelength_nm"]) / las["wavelength_nm"],
            "fem_Q": las["Q"], "meep_Q": meep.get("Q"),
            "fem_film_fraction": las["film_fraction"],
            "meep_film_fraction": meep.get("film_fraction"),
            "error": res.get("error", "" if meep else "Meep found no mode near the FEM one"),
            "cached": bool(res.get("cached")),
        })
    return out


def field_row(rows: list[DiskPlan], lasing: dict[str, dict]) -> DiskPlan | None:
    """The row whose lasing mode the report pictures: the middle row, if it lases."""
    plan = rows[len(rows) // 2]
    return plan if lasing.get(plan.id) else None


def _mode_field(rows: list[DiskPlan], lasing: dict[str, dict], modes: dict[str, list[dict]],
                solver_json: dict, cache_dir: Path | None,
                options: RunOptions) -> dict[str, Any] | None:
    """The |E|^2 map of the lasing mode of ``field_row``: the one the mode solve stored in the
    cache, else re-solved by the (cached) field stage; None without a lasing mode."""
    plan = field_row(rows, lasing)
    if plan is None:
        return None
    mode_table = [{k: v for k, v in m.items() if k not in ("Q_total", "N_threshold", "K",
                                                           "fluence_uJ_per_cm2")}
                  for m in modes[plan.id]]
    las = lasing[plan.id]
    body_json = plan.body.model_dump(mode="json")
    cache = Cache(cache_dir) if (cache_dir is not None and options.use_cache) else None
    stored = stored_mode_field(cache, body_json, solver_json, "fem", las["index"])
    if stored is not None:  # saved by the mode solve: no solver run
        return {"id": plan.id, "record": mode_table[las["index"]], "field": stored,
                "cached": True}
    res = field_stage(body_json, solver_json, las["m"], las["polarization"],
                      las["wavelength_nm"], str(cache_dir) if cache_dir else None,
                      options.use_cache)
    _report_damage([res])
    return {"id": plan.id, **res}
