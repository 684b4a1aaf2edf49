"""Design search: the absorber concentration (and the doses) for the lowest threshold.

Given a target (a range of top diameters, the gain band, a nanocrystal preset), every absorber
concentration of a grid is tried: for each target diameter the dose is solved from the exposure
model (geometry.inverse), the disk must be anchored, its modes are solved in the band (cached,
in parallel) and its lasing threshold predicted (gain). A concentration is scored by the median
over the diameters of the threshold N (objective "threshold", lower is better) or of the lasing
mode's figure of merit K (objective "K", higher is better); concentrations where any target
disk is not anchored or does not lase are infeasible. The best one is written back into the
spec as the recommendation.

Units: um, mg/mL, ms, nm, uJ/cm^2.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import yaml
from matplotlib.figure import Figure

from geometry import NotAnchoredError, ParabolicDisk, dwell_for_top_diameter
from paradisk.cache import Cache
from paradisk.errors import UserInputError
from paradisk.executors import error_result, map_tasks
from paradisk.files import atomic_write_text, atomic_write_with
from paradisk.progress import Progress
from paradisk.results import LASING_COLUMNS, lasing_columns
from paradisk.scatter.robust import MAX_BELOW_N, ROBUST_COLUMNS, robust_scores
from paradisk.scatter.stage import N_GOOD
from paradisk.spec import DesignSpec, spec_from_dict
from paradisk.stages import cached_modes_stage, lasing_stage, modes_stage
from paradisk.tables import csv_text

GRID_COLUMNS = ("concentration_mg_per_mL", "top_diameter_um", "dwell_ms", "foot_diameter_um",
                "wall_angle_deg", "anchored", "n_modes", "lasing_m", "lasing_polarization",
                "lasing_wavelength_nm", "threshold_N", "threshold_fluence_uJ_per_cm2", "K",
                "lasing_Q", "threshold_N_p90", "fraction_below_N", "below_N", "error")


@dataclass(frozen=True)
class DesignTarget:
    """What the user wants: disk sizes, gain band, nanocrystals, and what to optimise."""

    top_diameters_um: tuple[float, ...]
    window_nm: tuple[float, float] | None = None  # None: the spec's solver window
    preset: str | None = None  # None: the spec's nanocrystal preset
    concentrations_mg_per_mL: tuple[float, ...] = (5.0, 10.0, 20.0, 40.0)
    # robust objectives (paradisk.scatter.robust): p90_threshold, p_below
    objective: Literal["threshold", "K", "p90_threshold", "p_below"] = "threshold"
    below_N: float = N_GOOD  # p_below: the threshold N a good disk lases below

    def __post_init__(self) -> None:
        if not self.top_diameters_um or any(not d > 0 for d in self.top_diameters_um):
            raise UserInputError("top diameters: give at least one, each > 0 um")
        if not self.concentrations_mg_per_mL or any(
                not 0 <= c <= 500 for c in self.concentrations_mg_per_mL):
            raise UserInputError("concentrations: give at least one, each in [0, 500] mg/mL")
        if self.objective not in ("threshold", "K", "p90_threshold", "p_below"):
            raise UserInputError(f"objective = {self.objective!r}: must be 'threshold', 'K', "
                                 "'p90_threshold' or 'p_below'")
        if not 0.0 < self.below_N <= MAX_BELOW_N:
            raise UserInputError(f"below N = {self.below_N:g}: allowed (0, {MAX_BELOW_N:g}] "
                                 "photons per nanocrystal per pulse")


@dataclass
class DesignResult:
    # one row per case: GRID_COLUMNS (design.csv), then the rest of the case's lasing record
    # (paradisk.results.LASING_COLUMNS, as a run reports it)
    grid: pd.DataFrame
    scores: pd.DataFrame  # one row per concentration: feasible, score
    best_concentration_mg_per_mL: float | None
    recommended: DesignSpec | None
    paths: dict[str, Path] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)  # e.g. the best case on the grid's edge


def target_spec(spec: DesignSpec, target: DesignTarget) -> DesignSpec:
    """The spec with the target's diameters, band and preset (absorber unchanged)."""
    data = spec.model_dump(mode="json")
    data["array"]["dwell_ms"] = None
    data["array"]["target_top_diameters_um"] = list(target.top_diameters_um)
    data["array"]["pitch_um"] = max(data["array"]["pitch_um"],
                                    2.0 * max(target.top_diameters_um))
    if target.window_nm is not None:
        data["solver"]["window_nm"] = list(target.window_nm)
    if target.preset is not None:
        data["nanocrystals"]["preset"] = target.preset
        data["nanocrystals"]["material"] = None
    # the least absorbing case, so that validating the target array does not reject
    # diameters that only some concentrations of the grid leave floating
    data["process"]["absorber"]["concentration_mg_per_mL"] = 0.0
    return spec_from_dict(data, "design target")


def search_design(spec: DesignSpec, target: DesignTarget, workers: int | None = None,
                  scheduler: str | None = None, cache_dir: Path | None = None,
                  progress: Progress | None = None) -> DesignResult:
    """Evaluate every (concentration, diameter) and pick the best feasible concentration.

    ``progress``: told after each case (cases done / total, the best case so far);
    ``workers``: local processes (None: ``paradisk.executors.default_workers``)."""
    base = target_spec(spec, target)
    # dwell at the array's power when the spec sets one (what the writer uses), else the
    # process power (uW); the disk shape depends on the energy only
    power_uW = spec.write_power_uW
    surroundings = base.cavity.model_copy(update={"coating": base.coating})
    solver_json = base.solver.model_dump(mode="json")
    cases: list[dict[str, Any]] = []
    tasks = []
    for conc in target.concentrations_mg_per_mL:
        absorber = base.process.absorber.model_copy(update={"concentration_mg_per_mL": conc})
        process = base.process.model_copy(update={"absorber": absorber})
        for d in target.top_diameters_um:
            case: dict[str, Any] = {"concentration_mg_per_mL": conc, "top_diameter_um": d}
            try:
                dwell = dwell_for_top_diameter(process, d, power_uW)
            except NotAnchoredError as exc:
                cases.append({**case, "anchored": False, "error": str(exc)})
                continue
            prof = process.profile_for_dwell(dwell, power_uW)
            body = ParabolicDisk(profile=prof, index=base.disk_material,
                                 surroundings=surroundings)
            case.update(dwell_ms=dwell, foot_diameter_um=prof.foot_diameter_um,
                        wall_angle_deg=prof.wall_angle_deg, anchored=True,
                        task=len(tasks), body=body)
            tasks.append((body.model_dump(mode="json"), solver_json, base.solver.method,
                          str(cache_dir) if cache_dir else None, cache_dir is not None,
                          base.loss_settings.model_dump(mode="json")))
            cases.append(case)
    cache = Cache(cache_dir) if cache_dir else None
    film_json = base.nanocrystals.model_dump(mode="json")
    pump_json = base.pump.model_dump(mode="json")
    by_task = {case["task"]: case for case in cases if "task" in case}
    index_of = {case["task"]: i for i, case in enumerate(cases) if "task" in case}
    mode_tables: dict[int, list[dict]] = {}  # case index -> its mode table (robust objectives)
    tally = {"done": 0, "cached": 0}
    progress = progress or Progress(False)
    progress.start("design")

    def case_done(i: int, res: dict) -> None:
        case = by_task[i]
        _evaluate_case(case, res, film_json, pump_json, cache, base.intrinsic_Q)
        if "error" not in case:
            mode_tables[index_of[i]] = res["modes"]
        tally["done"] += 1
        tally["cached"] += bool(res.get("cached"))
        progress("design", tally["done"], len(tasks), tally["cached"],
                 _best_so_far(cases, target.objective))

    map_tasks(modes_stage, tasks, workers=workers, scheduler=scheduler, on_done=case_done,
              on_error=error_result, on_note=progress.note, cached=cached_modes_stage)
    progress.close()
    for case in cases:
        case.pop("task", None)
    if target.objective in ROBUST_COLUMNS:
        robust_scores(base, cases, mode_tables, map_tasks, cache_dir, target.below_N,
                      workers=workers,
                      scheduler=scheduler, on_error=error_result)
    grid = pd.DataFrame(cases, columns=[*GRID_COLUMNS, *(c for c in LASING_COLUMNS
                                                       if c not in GRID_COLUMNS)])
    scores = _score(grid, target)
    feasible = scores[scores["feasible"]]
    best = None
    recommended = None
    if len(feasible):
        pick = feasible["score"].idxmin() if target.objective in (
            "threshold", "p90_threshold") else feasible["score"].idxmax()
        best = float(scores.loc[pick, "concentration_mg_per_mL"])
        data = base.model_dump(mode="json")
        data["process"]["absorber"]["concentration_mg_per_mL"] = best
        data["name"] = f"{spec.name}_design"[:64]
        data["description"] = (f"paradisk design: {target.objective} objective over top "
                               f"diameters {list(target.top_diameters_um)} um; absorber "
                               f"{best:g} mg/mL chosen from "
                               f"{list(target.concentrations_mg_per_mL)}")
        recommended = spec_from_dict(data, "recommended spec")
    return DesignResult(grid=grid, scores=scores, best_concentration_mg_per_mL=best,
                        recommended=recommended,
                        warnings=grid_edge_warnings(best, target.concentrations_mg_per_mL))


def _evaluate_case(case: dict[str, Any], res: dict, film_json: dict, pump_json: dict,
                   cache: Cache | None, intrinsic_Q: float | None) -> None:
    """Fill ``case`` from its mode solve ``res``: the lasing mode and threshold, or the error
    that makes the case infeasible (the design goes on)."""
    if "error" in res:
        case["error"] = res["error"]
        return
    try:
        pred = lasing_stage(res["modes"], film_json, pump_json, cache, intrinsic_Q)
    except Exception as exc:  # this case is infeasible; the design goes on
        case["error"] = f"{type(exc).__name__}: {exc}"
        return
    case.update(n_modes=len(res["modes"]),
                **lasing_columns(pred["lasing"], pred.get("reason", "")))


def _best_so_far(cases: list[dict[str, Any]], objective: str) -> str:
    """The best finished case, as the progress display shows it ('' before any lases)."""
    if objective == "threshold":
        done = [c for c in cases if math.isfinite(c.get("threshold_N") or math.inf)]
        if not done:
            return ""
        c = min(done, key=lambda c: c["threshold_N"])
        value = f"N_th {c['threshold_N']:.3g}"
    else:
        done = [c for c in cases if c.get("K") is not None and math.isfinite(c["K"])]
        if not done:
            return ""
        c = max(done, key=lambda c: c["K"])
        value = f"K {c['K']:.3g}"
    return (f"best so far {value} at {c['concentration_mg_per_mL']:g} mg/mL, "
            f"D {c['top_diameter_um']:g} um")


def grid_edge_warnings(best_mg_per_mL: float | None,
                       grid_mg_per_mL: tuple[float, ...]) -> list[str]:
    """A warning when the best concentration is the lowest or the highest of a grid of two or
    more: the optimum may lie outside it, and the warning says which way to extend it."""
    values = sorted(set(grid_mg_per_mL))
    if best_mg_per_mL is None or len(values) < 2:
        return []
    if best_mg_per_mL == values[-1]:
        more = [round(best_mg_per_mL * f, 3) for f in (1.5, 2.0)]
        return [f"the best concentration, {best_mg_per_mL:g} mg/mL, is the highest of the "
                f"grid: the optimum may be higher; extend --concentrations upwards (e.g. "
                f"{' '.join(f'{v:g}' for v in more)})"]
    if best_mg_per_mL == values[0]:
        if best_mg_per_mL <= 0:
            return []  # no absorber is the lower end of every grid: nothing to extend to
        less = [round(best_mg_per_mL * f, 3) for f in (0.5, 0.75)]
        return [f"the best concentration, {best_mg_per_mL:g} mg/mL, is the lowest of the "
                f"grid: the optimum may be lower; extend --concentrations downwards (e.g. "
                f"{' '.join(f'{v:g}' for v in less)})"]
    return []


def _score(grid: pd.DataFrame, target: DesignTarget) -> pd.DataFrame:
    out = []
    for conc, g in grid.groupby("concentration_mg_per_mL", sort=True):
        nth = g["threshold_N"].astype(float)
        feasible = bool(g["anchored"].fillna(False).all() and np.isfinite(nth).all())
        if target.objective == "threshold":
            score = float(np.median(nth)) if feasible else math.inf
        elif target.objective in ROBUST_COLUMNS:
            robust = g[ROBUST_COLUMNS[target.objective]].astype(float)
            worst = math.inf if target.objective == "p90_threshold" else -math.inf
            score = float(np.median(robust)) if feasible and robust.notna().all() else worst
        else:
            score = float(np.median(g["K"].astype(float))) if feasible else -math.inf
        out.append({"concentration_mg_per_mL": conc, "feasible": feasible, "score": score})
    return pd.DataFrame(out)


def design_map_figure(result: DesignResult, target: DesignTarget) -> Figure:
    """Threshold N (or K) versus absorber concentration, one line per target diameter."""
    fig = Figure(figsize=(6.0, 3.6), layout="constrained")
    ax = fig.subplots()
    col = ROBUST_COLUMNS.get(target.objective,
                             "threshold_N" if target.objective == "threshold" else "K")
    for d, g in result.grid.groupby("top_diameter_um"):
        ax.plot(g["concentration_mg_per_mL"], g[col].astype(float), "o-", label=f"D = {d:g} um")
    if result.best_concentration_mg_per_mL is not None:
        ax.axvline(result.best_concentration_mg_per_mL, color="red", ls="--", label="chosen")
    ax.set_xlabel("absorber concentration (mg/mL, solution)")
    ax.set_ylabel({"threshold_N": "threshold N (photons per NC)",
                   "threshold_N_p90": "90th percentile of the sampled threshold N",
                   "fraction_below_N": "fraction of sampled disks below N = "
                                       f"{target.below_N:g}"}.get(col, col))
    if col != "fraction_below_N":
        ax.set_yscale("log")
    ax.legend(fontsize=8)
    ax.set_title("design map (missing points: not anchored or no lasing)", fontsize=9)
    return fig


def write_design(result: DesignResult, target: DesignTarget, out: Path) -> dict[str, Path]:
    """design_grid.csv, design_scores.csv, design_map.png and recommended_spec.yaml."""
    paths = {
        "grid": atomic_write_text(out / "design_grid.csv", csv_text(
            result.grid.to_dict(orient="records"), GRID_COLUMNS)),
        "scores": atomic_write_text(out / "design_scores.csv", csv_text(
            result.scores.to_dict(orient="records"),
            ["concentration_mg_per_mL", "feasible", "score"])),
    }
    fig = design_map_figure(result, target)
    paths["map"] = atomic_write_with(out / "design_map.png",
                                     lambda tmp: fig.savefig(tmp, dpi=120, format="png"))
    if result.recommended is not None:
        header = ("# Recommended by `paradisk design` (see design_grid.csv and design_map.png).\n"
                  "# Numbers are those of the spec it started from, except the absorber\n"
                  "# concentration, the target diameters, the band and the preset.\n")
        # losses.Q_other holds the extra Q; its deprecated top-level name is left out
        data = result.recommended.model_dump(mode="json", exclude={"intrinsic_Q"})
        text = header + yaml.safe_dump(data, sort_keys=False)
        paths["spec"] = atomic_write_text(out / "recommended_spec.yaml", text)
    result.paths.update(paths)
    return paths
