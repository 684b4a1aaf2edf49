"""The scatter stage of a run: mode sensitivities per design (cached), then the sampled disks.

``sensitivity_stage`` is a per-design stage like ``paradisk.stages.modes_stage``: plain data
in and out, cached under its own key (stage ``sensitivity``: the body, the FEM settings, the
solved box, the widened window and the loss settings the field's channels depend on, without
the rms heights and Q_other: roughness is stored at unit rms; code version of ``solvers``,
``geometry`` and this module). It always uses the FEM: the index perturbation and the loss
channels need its fields.

``run_scatter`` samples every row of the spec from those sensitivities and the run's
deterministic mode tables (``paradisk.scatter.sampling``) and summarises each row
(``summarise``). Sampling costs milliseconds and is not cached: the same seed gives the same
table.
"""

from __future__ import annotations

import contextlib
import math
import time
from typing import Any

import numpy as np
import pandas as pd

from gain.sampled import REASONS
from paradisk.cache import Cache, code_version, make_key
from paradisk.scatter.sampling import (
    GEOMETRY_REASONS,
    build_comb,
    descriptor_steps,
    row_inputs,
    sample_row,
)
from paradisk.stages import plain_data

SENSITIVITY = "sensitivity"
THIS_MODULE = "paradisk.scatter.stage"
# the code a sensitivity table depends on (paradisk.cache.code_version follows their library
# imports): this module, the sensitivity solves and the FEM they run, not the Meep package
SENSITIVITY_ROOTS = (THIS_MODULE, "solvers.sensitivity", "solvers.fem.solver", "geometry.bodies",
                     "solvers.losses.budget")
# the fraction of a row lasing below this N is reported (paper: the best QS3 disks lase near
# N = 0.5, Fig. 5)
N_GOOD = 0.5
PERCENTILES = (5, 50, 95)
# every reason a sampled disk does not lase: one summary column each, present in every run
NOT_LASING = tuple(sorted(set(REASONS) - {"lases"})) + tuple(GEOMETRY_REASONS)
# the reasons that are limits of the sampling, not physics: the disk was refused, not predicted
REFUSED = ("nonphysical_draw", "outside_solved_range", "comb_edge")


def _check(result: Any) -> str | None:
    if not isinstance(result, dict) or not isinstance(result.get("modes"), list):
        return "not a sensitivity table"
    return None


def unit_rms_losses(losses_json: dict | None) -> dict | None:
    """The loss settings a sensitivity table depends on: every rms height 1 nm, no Q_other
    (``solvers.sensitivity.loss_channels`` stores roughness at unit rms)."""
    if losses_json is None:
        return None
    rough = {k: {**v, "rms_nm": 1.0} for k, v in (losses_json.get("roughness") or {}).items()}
    return {**losses_json, "roughness": rough, "Q_other": None}


def sensitivity_key(body_json: dict, fem_json: dict, solver_json: dict, steps: dict,
                    window_nm: list[float], losses_json: dict | None = None
                    ) -> tuple[str, dict]:
    inputs = {"body": body_json, "fem": fem_json, "solver": {
        k: solver_json[k] for k in ("polarizations", "max_radial_order")},
        "steps": steps, "window_nm": window_nm}
    if losses_json is not None:
        inputs["losses"] = unit_rms_losses(losses_json)
    version = code_version(*SENSITIVITY_ROOTS, exclude=("solvers.meep",))
    return make_key(SENSITIVITY, version, inputs), inputs


def sensitivity_stage(body_json: dict, solver_json: dict, steps: dict, window_nm: list[float],
                      cache_root: str | None = None, use_cache: bool = True,
                      losses_json: dict | None = None) -> dict[str, Any]:
    """``solvers.sensitivity.mode_sensitivities`` of one design, with the loss channels of
    ``losses_json`` (``LossSettings`` data; None: the solver's Q only); {"error": ...} on
    failure."""
    key, inputs = sensitivity_key(body_json, solver_json["fem"], solver_json, steps,
                                  window_nm, losses_json)
    cache = Cache(cache_root, report=None) if (cache_root and use_cache) else None
    if cache is not None:
        hit = cache.get(SENSITIVITY, key, _check)
        if hit is not None:
            return {**hit, "cached": True}
    t0 = time.perf_counter()
    try:
        result = _solve(body_json, solver_json, steps, window_nm, losses_json)
    except Exception as exc:  # reported per row, not fatal
        return {"error": f"{type(exc).__name__}: {exc}"}
    result = {**result, "seconds": time.perf_counter() - t0}
    if cache is not None:
        cache.put(SENSITIVITY, key, result, inputs)
    return {**result, "cached": False}


def _solve(body_json: dict, solver_json: dict, steps: dict, window_nm: list[float],
           losses_json: dict | None = None) -> dict[str, Any]:
    from geometry import ParabolicDisk
    from solvers import find_modes_with
    from solvers.losses import LossSettings
    from solvers.sensitivity import loss_channels, mode_sensitivities
    from solvers.settings import SolverSettings

    settings = SolverSettings.model_validate(solver_json)
    body = ParabolicDisk.model_validate(body_json)

    def solve(b: Any, window: tuple[float, float]) -> list[Any]:
        return find_modes_with(b, settings, method="fem", window_nm=window)

    def solve_m(b: Any, m: int, polarization: str, target_nm: float) -> list[Any]:
        return find_modes_with(b, settings, m=m, method="fem", polarizations=(polarization,),
                               window_nm=(0.95 * target_nm, 1.05 * target_nm),
                               target_nm=target_nm)

    channels = None if losses_json is None else loss_channels(
        LossSettings.model_validate(unit_rms_losses(losses_json)))
    out = mode_sensitivities(body, solve, steps, tuple(window_nm), solve_m, channels)
    return plain_data(out)


def widened_window(spec: Any, plan: Any) -> list[float]:
    """The spec's window widened by ``scatter.window_margin_nm`` plus about 1.5 free spectral
    ranges of the disk (lambda^2 / (pi D n), n = 1.5), so that the comb's neighbours beyond
    each edge are solved."""
    lo, hi = spec.solver.window_nm
    centre = 0.5 * (lo + hi)
    fsr = centre**2 / (math.pi * plan.profile.top_diameter_um * 1.0e3 * 1.5)
    pad = spec.scatter.window_margin_nm + 1.5 * fsr
    return [max(lo - pad, 200.0), min(hi + pad, 3000.0)]


def stage_args(spec: Any, cache_dir: str | None, use_cache: bool) -> list[tuple]:
    """Arguments of ``sensitivity_stage`` for each row of the spec."""
    solver_json = spec.solver.model_dump(mode="json")
    losses_json = spec.loss_settings.model_dump(mode="json")
    args = []
    for plan in spec.unique_disks():
        steps = descriptor_steps(spec.scatter, row_inputs(spec, plan))
        args.append((plan.body.model_dump(mode="json"), solver_json, steps,
                     widened_window(spec, plan), cache_dir, use_cache, losses_json))
    return args


def run_scatter(spec: Any, sens_results: list[dict],
                mode_tables: dict[str, list[dict]]) -> dict[str, Any]:
    """Sampled disks of every row: {"samples": DataFrame, "summary": DataFrame, "modes":
    DataFrame (probability of each lasing mode per row), "errors": {row id: text}}. A row
    whose sensitivity stage failed has no samples; its summary line says why (``error``:
    empty for the rows that were sampled)."""
    frames, errors, notes = [], {}, {}
    window = tuple(spec.solver.window_nm)
    for plan, sens in zip(spec.unique_disks(), sens_results, strict=True):
        if "error" in sens:
            errors[plan.id] = sens["error"]
            continue
        table = mode_tables.get(plan.id, [])
        frames.append(sample_row(spec, plan, sens, table))
        # what the summary says about the sensitivity table of the row
        notes[plan.row] = {"modes_dropped": len(sens.get("dropped", [])),
                           "modes_borrowed": build_comb(sens, table, window).borrowed}
    samples = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    summary, modes = summarise(samples) if frames else (pd.DataFrame(), pd.DataFrame())
    for col in ("modes_dropped", "modes_borrowed"):
        if len(summary):
            summary[col] = [notes[r][col] for r in summary["row"]]
    if len(summary):
        summary["error"] = ""
    if errors:
        failed = pd.DataFrame([{"row": p.row, "samples": 0, "error": errors[p.id]}
                               for p in spec.unique_disks() if p.id in errors])
        summary = pd.concat([summary, failed] if len(summary) else [failed],
                            ignore_index=True).sort_values("row", ignore_index=True)
    return {"samples": samples, "summary": summary, "modes": modes, "errors": errors}


def summarise(samples: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per row: fractions lasing, below N = 0.5 and not lasing by reason; percentiles of the
    threshold N and fluence (disks with a finite threshold) and of the lasing wavelength
    (disks that lase); the probability of each lasing mode."""
    rows, modes = [], []
    for row, g in samples.groupby("row", sort=True):
        n = len(g)
        lases = g["lases"].to_numpy(bool)
        nth = g["threshold_N"].to_numpy(float)
        finite = np.isfinite(nth)
        rec: dict[str, Any] = {"row": int(row), "samples": n,
                               "fraction_lasing": lases.sum() / n,
                               "fraction_below_N_0.5": (lases & (nth < N_GOOD)).sum() / n}
        for code in NOT_LASING:
            rec[f"fraction_{code}"] = float((g["reason"] == code).sum() / n)
        for name, values, mask in (
                ("threshold_N", nth, finite),
                ("threshold_fluence_uJ_per_cm2", g["threshold_fluence_uJ_per_cm2"].to_numpy(
                    float), finite),
                ("lasing_wavelength_nm", g["lasing_wavelength_nm"].to_numpy(float), lases)):
            v = values[mask]
            for p in PERCENTILES:
                rec[f"{name}_p{p}"] = float(np.percentile(v, p)) if v.size else math.nan
        wl = g["lasing_wavelength_nm"].to_numpy(float)[lases]
        rec["lasing_wavelength_std_nm"] = float(wl.std()) if wl.size else math.nan
        rows.append(rec)
        las = g[lases]
        counts = las.groupby(["lasing_m", "lasing_polarization", "lasing_radial_order"],
                             sort=True).size()
        for (m, pol, q), c in counts.items():
            sel = las[(las["lasing_m"] == m) & (las["lasing_polarization"] == pol)
                      & (las["lasing_radial_order"] == q)]
            modes.append({"row": int(row), "m": int(m), "polarization": pol,
                          "radial_order": int(q), "probability": c / n,
                          "wavelength_nm_median": float(sel["lasing_wavelength_nm"].median())})
    return pd.DataFrame(rows), pd.DataFrame(modes, columns=[
        "row", "m", "polarization", "radial_order", "probability", "wavelength_nm_median"])


def write_scatter(scatter: dict[str, Any], out: Any) -> dict[str, Any]:
    """scatter.csv, scatter_summary.csv and scatter_modes.csv, each written atomically."""
    from pathlib import Path

    from paradisk.files import atomic_write_text

    out = Path(out)
    return {
        "scatter_csv": atomic_write_text(out / "scatter.csv",
                                         scatter["samples"].to_csv(index=False)),
        "scatter_summary_csv": atomic_write_text(out / "scatter_summary.csv",
                                                 scatter["summary"].to_csv(index=False)),
        "scatter_modes_csv": atomic_write_text(out / "scatter_modes.csv",
                                               scatter["modes"].to_csv(index=False)),
    }


def scatter_in_run(spec: Any, mode_tables: dict[str, list[dict]], cache_dir: Any,
                   use_cache: bool, map_tasks: Any, progress: Any = None,
                   **executor: Any) -> dict[str, Any] | None:
    """The scatter of a run (None when the spec has no ``scatter:``): the sensitivity stage of
    every row through the run's executor, then ``run_scatter``; adds "stats". ``progress``: a
    paradisk.progress.Progress told as each row's sensitivities are done."""
    if spec.scatter is None:
        return None
    from paradisk.executors import error_result

    t0 = time.perf_counter()
    args = stage_args(spec, str(cache_dir) if cache_dir else None, use_cache)
    count = {"done": 0, "cached": 0}

    def done(_i: int, result: dict) -> None:
        count["done"] += 1
        count["cached"] += bool(result.get("cached"))
        if progress is not None:
            progress("sensitivity", count["done"], len(args), count["cached"])

    if progress is not None:
        progress.start("sensitivity")
        progress.note(f"sensitivity: the comb of {len(args)} row(s) at +-h of each moving "
                      "descriptor (a few FEM solves per descriptor; cached)")
    with (progress.heartbeat("sensitivity", "the perturbed combs are being solved")
          if progress is not None else contextlib.nullcontext()):
        sens = map_tasks(sensitivity_stage, args, on_done=done, on_error=error_result,
                         **executor)
    t1 = time.perf_counter()
    result = run_scatter(spec, sens, mode_tables)
    result["stats"] = {
        "sensitivity_seconds": t1 - t0, "sampling_seconds": time.perf_counter() - t1,
        "sensitivity_solves": sum(int(s.get("solves", 0)) for s in sens
                                  if not s.get("cached") and "error" not in s),
        "sensitivity_cached": sum(bool(s.get("cached")) for s in sens),
        "scatter_errors": len(result["errors"])}
    return result
