"""paradisk modes SPEC: the whispering-gallery modes of every disk of a spec.

For each disk of the array (or those named with --disk), the modes inside the spec's
wavelength window (solver.window_nm) are computed with the chosen solver and printed as a
table: m, polarization, radial and axial order, wavelength (nm), Q (with its absorption and
radiation parts when known) and the fraction of the mode's energy in the nanocrystal film.

--m computes only the azimuthal numbers given, instead of every m that can have a fundamental
mode in the window: with --solver meep each m takes one or two FDTD runs per polarization,
so this is how to get a quick look. The Meep settings (resolution, absorbing layer, ...) come
from the spec's solver.meep section.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path
from typing import Any

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
    p.set_defaults(func=run)
    return p


def _fmt_q(q: float | None) -> str:
    if q is None:
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


def _table(disk_id: str, recs: list[Any]) -> str:
    lines = [f"disk {disk_id}: {len(recs)} mode(s)"]
    head = (f"  {'m':>5} {'pol':>3} {'rad':>3} {'ax':>3} {'wavelength_nm':>14} {'Q':>9} "
            f"{'Q_abs':>9} {'Q_rad':>9} {'film_fraction':>13}")
    lines.append(head)
    for r in recs:
        lines.append(
            f"  {r.m:>5d} {r.polarization:>3} {r.radial_order:>3d} {r.axial_order:>3d} "
            f"{r.wavelength_nm:>14.4f} {_fmt_q(r.Q):>9} {_fmt_q(r.Q_absorption):>9} "
            f"{_fmt_q(r.Q_radiation):>9} {r.film_fraction:>13.4f}"
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
    from paradisk.progress import Progress
    from paradisk.spec import load_spec
    from solvers import find_modes_with

    if args.plot:
        check_writable_dir(args.plot, "--plot")
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
    m_values: list[int | None] = [None]
    if args.m_values:
        bad = [m for m in args.m_values if m < 0]
        if bad:
            raise UserInputError(f"--m {bad[0]}: the azimuthal number must be >= 0")
        m_values = list(dict.fromkeys(args.m_values))
        _check_m_values(m_values, plans, spec)
    out: list[dict[str, Any]] = []
    progress = Progress(True)
    progress.start("modes")
    for i, plan in enumerate(plans):
        recs = []
        for m in m_values:
            recs += find_modes_with(plan.body, spec.solver, m=m, method=solver)
        recs.sort(key=lambda r: r.wavelength_nm)
        if args.json:
            out.append({"disk": plan.id, "modes": [_json_record(r.to_dict()) for r in recs]})
        else:
            print(_table(plan.id, recs), flush=True)
        if args.plot:
            for r in recs:
                if r.field_rz is None:
                    continue
                name = f"{plan.id}_m{r.m}_{r.polarization}{r.radial_order}{r.axial_order}.png"
                _plot_mode(args.plot / name, plan.id, plan.body, r)
        progress("modes", i + 1, len(plans), note=f"disk {plan.id}")
    progress.close()
    if args.json:
        print(json.dumps(out, indent=2, default=str, allow_nan=False))
    return 0
