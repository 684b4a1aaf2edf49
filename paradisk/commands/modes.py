"""paradisk modes SPEC: the whispering-gallery modes of every disk of a spec.

For each disk of the array (or those named with --disk), the modes inside the spec's
wavelength window (solver.window_nm) are computed with the chosen solver and printed as a
table: m, polarization, radial and axial order, wavelength (nm), Q (with its absorption and
radiation parts when known), the fraction of the mode's energy in the nanocrystal film, and the
mode's loss budget for the spec's losses section (--json: Q_radiation, Q_metal, Q_material,
Q_roughness, Q_film_scattering, Q_other, Q_total; the table: the material, roughness and film
scattering Q and Q_total). Meep modes carry no budget (nan: their field map holds no region
energies).

Identical disks (the repeats of a row) are solved once and printed as one table that lists
the disk ids it covers; distinct disks are solved in parallel (--workers, --scheduler). The
mode tables are those of 'paradisk run' (the same cache entries): after 'paradisk run SPEC
-o out' they are read from out/cache without solving (--cache for another run's cache).

--m computes only the azimuthal numbers given, instead of every m that can have a fundamental
mode in the window: with --solver meep each m takes one or two FDTD runs per polarization,
so this is how to get a quick look (not cached). The Meep settings (resolution, absorbing
layer, ...) come from the spec's solver.meep section.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any

from paradisk.commands import RUN_CACHE, add_solve_options
from paradisk.errors import UserInputError
from paradisk.files import atomic_write_with, check_writable_dir


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser("modes", help="compute the whispering-gallery modes of the spec's disks",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("spec", type=Path, help="design spec (YAML or JSON)")
    p.add_argument("--solver", choices=("fem", "meep"), default=None,
                   help="fem: axisymmetric finite elements (fast); meep: FDTD (reference, "
                        "minutes per mode) (default: the spec's solver.method)")
    p.add_argument("--disk", action="append", metavar="ID",
                   help="only this disk id (e.g. r02c00); repeatable")
    p.add_argument("--m", action="append", type=int, metavar="M", dest="m_values",
                   help="only this azimuthal number (>= 0); repeatable (default: every m that "
                        "can have a fundamental mode in the window)")
    p.add_argument("--json", action="store_true", help="print JSON instead of tables")
    p.add_argument("--plot", type=Path, metavar="DIR",
                   help="write one PNG per mode into DIR: |E|^2 on the (r, z) plane with the "
                        "disk outline")
    add_solve_options(p, default_cache=f"{RUN_CACHE}, the cache of 'paradisk run SPEC -o out'")
    p.set_defaults(func=run)
    return p


def _fmt_q(q: float | None) -> str:
    if q is None or math.isnan(q):  # nan: not computed (a budget channel of a Meep mode)
        return "-"
    if not math.isfinite(q):
        return "inf"
    return f"{q:.3g}"


def _json_record(d: dict[str, Any]) -> dict[str, Any]:
    """A mode record for standard JSON: non-finite numbers (an unresolved Q is inf, a failed
    quantity nan) become null, and ``unresolved`` lists the keys that were nulled ("extra.*"
    for entries of the solver's extra dict)."""
    unresolved: list[str] = []

    def clean(value: Any, key: str) -> Any:
        if isinstance(value, float) and not math.isfinite(value):
            unresolved.append(key)
            return None
        if isinstance(value, dict):
            return {k: clean(v, f"{key}.{k}" if key else str(k)) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [clean(v, f"{key}[{i}]") for i, v in enumerate(value)]
        return value

    out = clean(d, "")
    out["unresolved"] = unresolved
    return out


def _table(disk_ids: list[str], recs: list[Any], budgets: list[dict[str, float]]) -> str:
    same = f" (identical: {', '.join(disk_ids[1:])})" if len(disk_ids) > 1 else ""
    lines = [f"disk {disk_ids[0]}{same}: {len(recs)} mode(s)"]
    head = (f"  {'m':>5} {'pol':>3} {'rad':>3} {'ax':>3} {'wavelength_nm':>14} {'Q':>9} "
            f"{'Q_abs':>9} {'Q_rad':>9} {'film_fraction':>13} {'Q_mat':>9} {'Q_rough':>9} "
            f"{'Q_film':>9} {'Q_total':>9}")
    lines.append(head)
    for r, b in zip(recs, budgets, strict=True):
        lines.append(
            f"  {r.m:>5d} {r.polarization:>3} {r.radial_order:>3d} {r.axial_order:>3d} "
            f"{r.wavelength_nm:>14.4f} {_fmt_q(r.Q):>9} {_fmt_q(r.Q_absorption):>9} "
            f"{_fmt_q(r.Q_radiation):>9} {r.film_fraction:>13.4f} "
            f"{_fmt_q(b['Q_material']):>9} {_fmt_q(b['Q_roughness']):>9} "
            f"{_fmt_q(b['Q_film_scattering']):>9} {_fmt_q(b['Q_total']):>9}"
        )
    return "\n".join(lines)


def _plot_mode(path: Path, disk_id: str, body: Any, rec: Any) -> None:
    """Field map |E|^2 of one mode with the body outline, written atomically as PNG."""
    from solvers.plots import mode_field_figure

    fig = mode_field_figure(body, rec)
    fig.suptitle(f"{disk_id}: " + fig.get_suptitle(), fontsize=9)
    atomic_write_with(path, lambda tmp: fig.savefig(tmp, dpi=120, format="png"))


def _check_m_values(m_values: list[int], plans: list[Any], spec: Any) -> None:
    """A whispering-gallery mode of azimuthal number m at wavelength lambda circulates at radius
    m lambda / (2 pi n_eff) with n_eff below the disk's index: an m whose radius would lie
    outside every disk (with a 1.5x margin) cannot have a mode in the window."""
    from solvers.materials import refractive_index

    lo_nm = spec.solver.window_nm[0]
    n_disk = float(refractive_index(spec.disk_material, lo_nm).real)
    radius_um = max(p.profile.top_diameter_um for p in plans) / 2.0
    m_max = math.ceil(1.5 * 2.0 * math.pi * radius_um * n_disk / (lo_nm * 1.0e-3))
    too_big = [m for m in m_values if m > m_max]
    if too_big:
        raise UserInputError(
            f"--m {too_big[0]}: no whispering-gallery mode of these disks (largest top radius "
            f"{radius_um:.3g} um, disk index {n_disk:.3g}) reaches it in the window from "
            f"{lo_nm:g} nm; allowed: 0 <= m <= {m_max}"
        )


def run(args: argparse.Namespace) -> int:
    from paradisk.pipeline import default_workers
    from paradisk.progress import Progress
    from paradisk.spec import load_spec

    if args.plot:
        check_writable_dir(args.plot, "--plot")
    workers = default_workers() if args.workers is None else args.workers
    if workers < 1:
        raise UserInputError(f"--workers = {workers}: must be >= 1")
    cache_dir = None if args.no_cache else (args.cache or RUN_CACHE)
    if cache_dir is not None:
        try:
            check_writable_dir(cache_dir, "--cache")
        except UserInputError:
            if args.cache is not None:
                raise
            cache_dir = None  # no run's cache here and none can be kept: solve without one
    spec = load_spec(args.spec)
    solver = args.solver or spec.solver.method
    plans = spec.disks()
    if args.disk:
        known = {p.id for p in plans}
        unknown = [d for d in args.disk if d not in known]
        if unknown:
            raise UserInputError(
                f"--disk {', '.join(unknown)}: not in the spec's array (ids {min(known)} to "
                f"{max(known)})"
            )
        plans = [p for p in plans if p.id in set(args.disk)]
    m_values: list[int] | None = None
    if args.m_values:
        bad = [m for m in args.m_values if m < 0]
        if bad:
            raise UserInputError(f"--m {bad[0]}: the azimuthal number must be >= 0")
        m_values = list(dict.fromkeys(args.m_values))
        _check_m_values(m_values, plans, spec)
    groups = distinct_disks(plans)
    with Progress(True) as progress:
        progress.start("modes")
        if m_values is not None:
            tables = []
            for i, group in enumerate(groups):
                tables.append(_solve_m_values(group[0].body, spec, solver, m_values))
                progress("modes", i + 1, len(groups), note=f"disk {group[0].id}")
        else:
            tables = _cached_tables(groups, spec, solver, cache_dir, workers, args.scheduler,
                                    want_fields=bool(args.plot), progress=progress)
    out: list[dict[str, Any]] = []
    failed = 0
    for group, (recs, budgets, error) in zip(groups, tables, strict=True):
        ids = [p.id for p in group]
        if error:
            failed += 1
            print(f"disk {', '.join(ids)}: error: {error}", file=sys.stderr)
        if args.json:
            out += [{"disk": i, "modes": [_json_record({**r.to_dict(), **b})
                                          for r, b in zip(recs, budgets, strict=True)]}
                    for i in ids]
        elif not error:
            print(_table(ids, recs, budgets), flush=True)
        if args.plot:
            for r in recs:
                if r.field_rz is None:
                    continue
                name = f"{ids[0]}_m{r.m}_{r.polarization}{r.radial_order}{r.axial_order}.png"
                _plot_mode(args.plot / name, ids[0], group[0].body, r)
    if args.json:
        print(json.dumps(out, indent=2, default=str, allow_nan=False))
    return 1 if failed else 0


def distinct_disks(plans: list[Any]) -> list[list[Any]]:
    """The disks grouped by body (the repeats of a row are identical), in array order."""
    from paradisk.stages import body_id

    groups: dict[str, list[Any]] = {}
    for plan in plans:
        groups.setdefault(body_id(plan.body.model_dump(mode="json")), []).append(plan)
    return list(groups.values())


def _solve_m_values(body: Any, spec: Any, solver: str,
                    m_values: list[int]) -> tuple[list[Any], list[dict[str, float]], str]:
    """The modes of the azimuthal numbers ``m_values`` only (a direct solve, not cached), with
    their loss budgets."""
    from solvers import find_modes_with
    from solvers.losses.columns import budget_columns

    recs = []
    for m in m_values:
        recs += find_modes_with(body, spec.solver, m=m, method=solver)
    recs.sort(key=lambda r: r.wavelength_nm)
    return recs, [budget_columns(r, body, spec.loss_settings) for r in recs], ""


def _cached_tables(groups: list[list[Any]], spec: Any, solver: str, cache_dir: Path | None,
                   workers: int, scheduler: str | None,
                   want_fields: bool,
                   progress: Any = None) -> list[tuple[list[Any], list[dict[str, float]], str]]:
    """(mode records sorted by wavelength, their loss budgets, error) of each group: the run's
    mode stage, with its cache and executors; with ``want_fields`` the records carry the |E|^2
    maps the stage stored (in a temporary cache when there is none). ``progress``: a
    paradisk.progress.Progress told as each disk is done."""
    import tempfile

    from paradisk.cache import Cache
    from paradisk.executors import error_result, map_tasks
    from paradisk.stages import cached_modes_stage, decode_field, modes_stage, stored_mode_field
    from solvers.losses.columns import COLUMNS
    from solvers.modes import ModeRecord

    names = set(ModeRecord.__dataclass_fields__)
    losses_json = spec.loss_settings.model_dump(mode="json")
    with tempfile.TemporaryDirectory(prefix="paradisk-modes-") as tmp:
        root = cache_dir if cache_dir is not None else (Path(tmp) if want_fields else None)
        solver_json = spec.solver.model_dump(mode="json")
        bodies = [g[0].body.model_dump(mode="json") for g in groups]
        tasks = [(b, solver_json, solver, str(root) if root else None, root is not None,
                  losses_json) for b in bodies]
        count = {"done": 0, "cached": 0}

        def done(i: int, result: dict) -> None:
            count["done"] += 1
            count["cached"] += bool(result.get("cached"))
            if progress is not None:
                progress("modes", count["done"], len(tasks), count["cached"],
                         note=f"disk {groups[i][0].id}")

        results = map_tasks(modes_stage, tasks, workers=workers, scheduler=scheduler,
                            on_done=done, on_error=error_result, cached=cached_modes_stage)
        cache = Cache(root) if (root is not None and want_fields) else None
        tables = []
        for body_json, res in zip(bodies, results, strict=True):
            if "error" in res:
                tables.append(([], [], res["error"]))
                continue
            recs, budgets = [], []
            for i, d in enumerate(res["modes"]):
                stored = stored_mode_field(cache, body_json, solver_json, solver, i)
                recs.append(ModeRecord(**{k: v for k, v in d.items() if k in names},
                                       field_rz=None if stored is None
                                       else decode_field(stored)))
                budgets.append({k: float(d[k]) for k in COLUMNS})
            tables.append((recs, budgets, ""))
    return tables
