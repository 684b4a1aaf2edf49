"""paradisk predict SPEC --modes FILE.csv|DIR: lasing threshold and lasing mode of every disk.

The mode table has one row per mode, with columns m, wavelength_nm, Q, film_fraction and
effective_index, and optionally disk_id, polarization, mode_volume_um3 and the loss budget
columns Q_radiation ... Q_total (the modes/*.csv
files of 'paradisk run' have them; a table can also be measured or made by hand). With a
disk_id column each disk uses its own rows; without it the table applies to every disk, which
must then all have one top diameter. DIR is the modes folder of a run of the spec: its
<row id>.csv (the id of the row's first disk) holds the modes of every disk of that row.
Each mode must belong to its disk: m lambda / (2 pi effective_index) within 5 % of the disk's
top radius (the solvers define effective_index at that rim). The nanocrystal film and the
pump come from the spec.

Each disk is evaluated exactly as 'paradisk run' evaluates it: the loss of a mode is that of
its Q_total when the table gives one (the mode's loss budget, every channel in it), otherwise
1/Q = 1/Q_table + 1/Q_other (the spec's losses.Q_other, formerly intrinsic_Q; a table Q of inf
or nan leaves Q_other alone); the n of the loss 2 pi n/(lambda Q) and of K
is the film's refractive index (nanocrystals: refractive_index), not the table's
effective_index (which only sets estimated mode volumes for Fig. 6d); a disk whose threshold
needs more than the pump's max_fluence_uJ_per_cm2 does not lase, and the reason column says
why.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import sys
from pathlib import Path
from typing import Any

from paradisk.errors import UserInputError
from paradisk.files import atomic_write_with, check_writable_dir
from paradisk.tables import text_table

SHOWN = ("id", "n_modes", "lasing_m", "lasing_polarization", "lasing_wavelength_nm",
         "shift_from_emission_peak_nm", "threshold_N", "threshold_fluence_uJ_per_cm2",
         "threshold_power_uW", "lasing_Q", "lasing_Q_total", "lasing_film_fraction", "K",
         "n_competing")


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser("predict", help="threshold and lasing mode per disk from a mode table",
                       description=__doc__,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("spec", type=Path, help="design spec (YAML or JSON)")
    p.add_argument("--modes", type=Path, required=True, metavar="FILE.csv|DIR",
                   help="mode table CSV (m, wavelength_nm, Q, film_fraction, effective_index), "
                        "or the modes folder of a run of this spec (one CSV per row)")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.add_argument("--plot", type=Path, metavar="DIR",
                   help="write PNGs into DIR: the nanocrystal gain figures of the paper "
                        "(Fig. 1c-d, 4a-d), the spectra against pump of the best disk "
                        "(Fig. 6d) and a summary of every disk")
    # the default is the gain model's (gain.lasing.COMPETING_WITHIN), read when the command
    # runs so that building the parser imports no gain code; the help states its value
    p.add_argument("--competing-within", type=float, default=None, metavar="FRACTION",
                   help="list the modes whose threshold is within this fraction of the "
                        "lowest, 0-1: they compete above threshold (default 0.02, the gain "
                        "model's margin)")
    p.set_defaults(func=run)
    return p


def with_total_Q(table: Any, intrinsic_Q: float | None) -> Any:
    """Copy of a ModeTable whose Q is the threshold's (``gain.lasing.mode_total_Q``: Q_total
    when given, else the table Q with ``intrinsic_Q``; nan: no loss known)."""
    from gain.lasing import mode_total_Q

    return dataclasses.replace(table, Q=mode_total_Q(table, intrinsic_Q))


def prediction_row(pred: Any, table: Any) -> dict[str, Any]:
    """The lasing columns of a results row from a ``gain.lasing.LasingPrediction`` of
    ``table``: the run's (``paradisk.results.lasing_columns`` of ``gain.lasing.lasing_record``)
    and the competing modes (``n_competing``, ``competing_modes``)."""
    from gain.lasing import lasing_record
    from paradisk.results import lasing_columns

    record = lasing_record(pred, table)
    competing = record["competing_modes"] if record is not None else []
    return {**lasing_columns(record, pred.reason), "n_competing": len(competing),
            "competing_modes": competing}


def predict_rows(spec: Any, table: Any, competing_within: float | None = None
                 ) -> list[dict[str, Any]]:
    """One result row per disk of ``spec`` (a DesignSpec) for a ``gain.modetable.ModeTable``.

    Each disk is evaluated by ``gain.lasing.predict_lasing`` (total Q with the spec's
    ``intrinsic_Q``, the film's index, the pump's reach) into the columns of a ``run``
    (``prediction_row``): ``lasing_Q`` is the table's Q (inf when unresolved),
    ``lasing_Q_total`` the one the threshold uses. ``competing_modes`` lists
    the other modes whose threshold is within ``competing_within`` (fraction) of the lasing
    mode's: {m, polarization, wavelength_nm, threshold_N, threshold_ratio}, closest first
    (None: ``gain.lasing.COMPETING_WITHIN``).
    """
    from gain.lasing import COMPETING_WITHIN, predict_lasing

    if competing_within is None:
        competing_within = COMPETING_WITHIN
    film, pump = spec.nanocrystals, spec.pump
    disks = spec.disks()
    ids = [d.id for d in disks]
    if table.has_disk_ids:
        unknown = sorted(set(table.disk_ids()) - set(ids))
        if unknown:
            raise UserInputError(
                f"--modes: disk_id {unknown[:5]} not in the spec's disks "
                f"({ids[0]} .. {ids[-1]}, {len(ids)} disks)"
            )
    rows = []
    for d in disks:
        sub = table.for_disk(d.id)
        try:
            pred = predict_lasing(sub, film, pump, intrinsic_Q=spec.intrinsic_Q,
                                  competing_within=competing_within)
        except ValueError as exc:
            raise UserInputError(f"pump/nanocrystals: {exc}") from None
        rows.append({"id": d.id, "row": d.row, "col": d.col,
                     "top_diameter_um": d.profile.top_diameter_um, "n_modes": len(sub),
                     **prediction_row(pred, sub),
                     "window_edge_warning": _edge_warning(pred, sub, spec.solver.window_nm)})
    return rows


def _edge_warning(pred: Any, table: Any, window_nm: Any) -> str:
    """``gain.band.window_edge_warning`` for the lasing mode, against the spec's solver window
    (the window the table's modes were searched in)."""
    from gain.band import free_spectral_range_nm, window_edge_warning

    if not pred.lases or pred.mode_index is None:
        return ""
    pols = table.polarization or ("",) * len(table)
    records = [{"m": int(m), "wavelength_nm": float(w), "polarization": p}
               for m, w, p in zip(table.m, table.wavelength_nm, pols, strict=True)]
    fsr = free_spectral_range_nm(records, int(pred.mode_index))
    return window_edge_warning(float(pred.wavelength_nm), fsr, tuple(window_nm))


def competition_notes(rows: list[dict[str, Any]], competing_within: float,
                      max_lines: int = 10) -> list[str]:
    """Text notes on disks whose lasing mode has close competitors (one line per disk group)."""
    groups: dict[tuple, list[str]] = {}
    for r in rows:
        if r["competing_modes"]:
            key = (r["lasing_m"], r["lasing_polarization"], r["lasing_wavelength_nm"],
                   tuple((c["m"], c["polarization"], c["wavelength_nm"],
                          round(c["threshold_ratio"], 4)) for c in r["competing_modes"]))
            groups.setdefault(key, []).append(r["id"])
    if not groups:
        return []
    lines = [f"note: modes within {100 * competing_within:g} % of the lowest threshold compete; "
             "which lases first is not decided by the static threshold"]
    for key, ids in list(groups.items())[:max_lines]:
        m, pol, lam, comp = key
        others = ", ".join(f"m={cm}{' ' + cp if cp else ''} {cl:.2f} nm (+{100 * (q - 1):.2f} %)"
                           for cm, cp, cl, q in comp)
        where = ids[0] if len(ids) == 1 else f"{ids[0]} .. {ids[-1]} ({len(ids)} disks)"
        lines.append(f"  {where}: m={m}{' ' + pol if pol else ''} {lam:.2f} nm vs {others}")
    if len(groups) > max_lines:
        lines.append(f"  ... {len(groups) - max_lines} more groups (see --json)")
    return lines


def no_lasing_notes(rows: list[dict[str, Any]], max_lines: int = 10) -> list[str]:
    """One line per group of disks that do not lase for the same reason."""
    groups: dict[str, list[str]] = {}
    for r in rows:
        if not r["lases"]:
            groups.setdefault(r["reason"], []).append(r["id"])
    lines = []
    for reason, ids in list(groups.items())[:max_lines]:
        where = ids[0] if len(ids) == 1 else f"{ids[0]} .. {ids[-1]} ({len(ids)} disks)"
        lines.append(f"does not lase: {where}: {reason}")
    if len(groups) > max_lines:
        lines.append(f"  ... {len(groups) - max_lines} more reasons (see --json)")
    return lines


def write_plots(spec: Any, table: Any, rows: list[dict[str, Any]], out_dir: Path) -> list[Path]:
    """Gain figures of the spec's material, Fig. 6d for the best disk, and a lasing summary."""
    import numpy as np

    from gain import plots
    from gain.dynamics import CavityModes

    material = spec.nanocrystals.resolved_material
    figures = {
        "fig4a_gain_spectra.png": lambda: plots.fig4a_figure(material),
        "fig4b_gain_vs_N.png": lambda: plots.fig4b_figure(material),
        "fig4cd_threshold_vs_K.png": lambda: plots.fig4cd_figure(material, disks=rows),
        "fig1c_ase_threshold.png": lambda: plots.fig1c_figure(material, pump=spec.pump),
        "fig1d_cmin.png": lambda: plots.fig1d_figure(material),
        "lasing_summary.png": lambda: plots.lasing_summary_figure(rows),
    }
    lasing = [r for r in rows if r["lases"]]
    if lasing:
        best = min(lasing, key=lambda r: r["threshold_N"])
        sub = with_total_Q(table.for_disk(best["id"]), spec.intrinsic_Q)
        ok = sub.resolved
        lam = sub.wavelength_nm[ok]
        # the competing modes: within +-25 nm of the lasing mode (keeps the ODE small)
        near = np.abs(lam - best["lasing_wavelength_nm"]) <= 25.0
        vol = sub.mode_volume_um3[ok][near] if sub.mode_volume_um3 is not None else None
        modes = CavityModes.build(lam[near], sub.Q[ok][near], sub.film_fraction[ok][near],
                                  sub.effective_index[ok][near], m=sub.m[ok][near],
                                  mode_volume_um3=vol,
                                  loss_index=spec.nanocrystals.refractive_index)
        figures["fig6d_spectra_vs_pump.png"] = lambda: plots.fig6d_figure(
            material, modes, spec.nanocrystals.concentration_per_cm3,
            pulse_duration_ns=spec.pump.pulse_duration_ns)
    paths = []
    for name, make in figures.items():
        fig = make()
        paths.append(atomic_write_with(out_dir / name, lambda tmp, f=fig: f.savefig(
            tmp, dpi=150, format="png", metadata={"Software": None})))
    return paths


def read_modes_folder(spec: Any, folder: Path, source: str = "--modes") -> Any:
    """The mode table of every disk of ``spec`` from a run's modes folder: <row id>.csv
    (``paradisk.results.row_id``) holds the modes of its row, whose repeats are one body, so
    each disk of the row gets those rows under its own disk_id. A row's empty file (its solve
    failed) leaves its disks without modes. UserInputError for a missing or bad file."""
    from gain.modetable import ModeTable, ModeTableError, read_csv_rows
    from paradisk.results import row_id

    by_file: dict[Path, list[dict[str, Any]]] = {}
    rows: list[dict[str, Any]] = []
    for d in spec.disks():
        path = folder / f"{row_id(d)}.csv"
        if path not in by_file:
            if not path.is_file():
                raise UserInputError(
                    f"{source} {folder}: no {path.name} for disk {d.id}: a run's modes folder "
                    "holds one <row id>.csv per row of its spec; is it another spec's run?")
            try:
                by_file[path] = read_csv_rows(path)
                if by_file[path]:
                    ModeTable.from_records(by_file[path])  # names the file of a bad row
            except ModeTableError as exc:
                raise UserInputError(f"{source}: {path}: {exc}") from None
        rows += [{**r, "disk_id": d.id} for r in by_file[path]]
    if not rows:
        raise UserInputError(f"{source} {folder}: every mode file is empty (no modes solved)")
    return ModeTable.from_records(rows)


# How far (relative) the radius m lambda / (2 pi n_eff) of a mode may lie from its disk's top
# radius. R is the top radius: a parabolic disk is widest at its top, its rim, where the
# whispering-gallery modes circulate; n_eff is the table's effective_index, which the solvers
# define at that rim (solvers.modes.ModeRecord: m / (k0 R_rim)), so their tables agree to their
# rounding (1e-5). 5 % admits a table of the same disk as fabricated (`paradisk identify` fits
# diameters within +-4 % of the design) and refuses one of another diameter of a dose matrix
# (the example's steps are 17-100 %), whose m would be wrong by as much.
RIM_RADIUS_TOLERANCE = 0.05


def check_modes_fit_disks(spec: Any, table: Any, source: str = "--modes") -> None:
    """Every mode's azimuthal number must agree with its disk: m ~ 2 pi R n_eff / lambda within
    RIM_RADIUS_TOLERANCE, R the disk's top radius. A table without disk_id applies to every
    disk, so the spec's disks must then share one top diameter. UserInputError naming the row
    (or what to add) otherwise."""
    disks = spec.disks()
    radius_of = {d.id: 0.5 * d.profile.top_diameter_um for d in disks}
    tol = RIM_RADIUS_TOLERANCE
    if table.disk_id is None:
        lo, hi = min(radius_of.values()), max(radius_of.values())
        if hi > lo * (1.0 + tol):
            n_distinct = len({round(r, 3) for r in radius_of.values()})
            raise UserInputError(
                f"{source}: the table has no disk_id column, so it would apply to every disk, "
                f"but the spec's disks have {n_distinct} top diameters ({2 * lo:.3g}-"
                f"{2 * hi:.3g} um): add a disk_id column naming each row's disk ({disks[0].id}"
                f" .. {disks[-1].id}), or give a run's modes folder (its <row id>.csv holds "
                "the modes of that row's disks)")
    for i in range(len(table)):
        if table.disk_id is not None:
            if table.disk_id[i] not in radius_of:
                continue  # reported with the other unknown ids
            radius = radius_of[table.disk_id[i]]
            where = f"disk {table.disk_id[i]} has"
        else:
            radius = next(iter(radius_of.values()))
            where = "the spec's disks have"
        per_um = 2.0 * math.pi * float(table.effective_index[i]) / (
            float(table.wavelength_nm[i]) * 1.0e-3)  # m per um of radius
        r = int(table.m[i]) / per_um
        if abs(r / radius - 1.0) > tol:
            raise UserInputError(
                f"{source} row {i + 1}: m = {table.m[i]} at {table.wavelength_nm[i]:g} nm with "
                f"effective_index {table.effective_index[i]:g} circulates at radius "
                f"m lambda / (2 pi n_eff) = {r:.3g} um, but {where} a top radius of "
                f"{radius:.3g} um; allowed: {math.ceil((1 - tol) * radius * per_um)} <= m <= "
                f"{math.floor((1 + tol) * radius * per_um)} (within "
                f"{100 * tol:g} %): is the table for another disk?")


def edge_notes(rows: list[dict[str, Any]], max_lines: int = 10) -> list[str]:
    """One line per disk whose lasing mode sits within a free spectral range of the window."""
    lines = [f"warning: {r['id']}: {r['window_edge_warning']}"
             for r in rows if r.get("window_edge_warning")]
    if len(lines) > max_lines:
        lines = [*lines[:max_lines], f"  ... {len(lines) - max_lines} more (see --json)"]
    return lines


def run(args: argparse.Namespace) -> int:
    from gain.modetable import ModeTable, ModeTableError
    from paradisk.spec import load_spec

    if args.plot:
        check_writable_dir(args.plot, "--plot")
    spec = load_spec(args.spec)
    try:
        table = (read_modes_folder(spec, args.modes) if args.modes.is_dir()
                 else ModeTable.from_csv(args.modes))
    except ModeTableError as exc:
        raise UserInputError(f"--modes: {exc}") from None
    check_modes_fit_disks(spec, table)
    if table.ignored_columns:
        print(f"note: --modes columns not used: {', '.join(table.ignored_columns)}",
              file=sys.stderr)
    if args.competing_within is None:
        from gain.lasing import COMPETING_WITHIN

        args.competing_within = COMPETING_WITHIN
    if not 0.0 <= args.competing_within <= 1.0:
        raise UserInputError(f"--competing-within {args.competing_within:g}: allowed 0-1")
    rows = predict_rows(spec, table, args.competing_within)
    material = spec.nanocrystals.resolved_material
    if args.json:
        print(json.dumps({
            "spec": spec.name, "spec_hash": spec.spec_hash(), "modes_file": str(args.modes),
            "material": material.name, "emission_peak_nm": material.emission_peak_nm,
            "concentration_per_cm3": spec.nanocrystals.concentration_per_cm3,
            "competing_within": args.competing_within,
            "disks": rows,
        }, indent=2))
    else:
        print(f"{spec.name}: {sum(r['lases'] for r in rows)} of {len(rows)} disks lase "
              f"({material.name}, emission peak {material.emission_peak_nm:g} nm; "
              f"threshold N = mean photons absorbed per nanocrystal)")
        print(text_table(rows, SHOWN))
        for line in competition_notes(rows, args.competing_within):
            print(line)
        for line in no_lasing_notes(rows):
            print(line)
        for line in edge_notes(rows):
            print(line)
    if args.plot:
        paths = write_plots(spec, table, rows, args.plot)
        if not args.json:
            print(f"wrote {len(paths)} figures to {args.plot}")
    return 0
