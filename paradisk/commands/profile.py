"""paradisk profile SPEC: the disks a spec writes, one line per row of its array.

For each row: dwell (ms), laser power (uW), exposure energy (uJ), peak dose (mJ/cm^2), the
predicted top and foot diameters (um), height (um), wall angle (degrees) and whether the disk
reaches the substrate (anchored). From the exposure model alone: instant, no mode solver.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING

from paradisk.files import (
    atomic_write_text,
    atomic_write_with,
    check_writable_dir,
    check_writable_file,
)
from paradisk.tables import csv_text, text_table

if TYPE_CHECKING:
    from paradisk.spec import DesignSpec

COLUMNS = ("id", "dwell_ms", "power_uW", "energy_uJ", "peak_dose_mJ_per_cm2",
           "top_diameter_um", "foot_diameter_um", "height_um", "wall_angle_deg", "anchored")


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser("profile", help="table of the disks a spec writes (shape per dose)",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("spec", type=Path, help="design spec (YAML or JSON)")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.add_argument("--all", action="store_true",
                   help="list every disk of the array, not one per row")
    p.add_argument("--csv", type=Path, metavar="FILE", help="also write the table as CSV")
    p.add_argument("--plot", type=Path, metavar="DIR",
                   help="write two PNGs into DIR: the dose map of the middle row's exposure "
                        "(paper Fig. 2a) and the disk profiles at 0.5, 1 and 2 times the "
                        "absorber concentration (Fig. 2b)")
    p.set_defaults(func=run)
    return p


def profile_rows(spec: DesignSpec, every_disk: bool = False) -> list[dict]:
    """One row per disk (or per array row): write settings and predicted shape."""
    plans = spec.disks() if every_disk else spec.unique_disks()
    return [{**d.summary(), "anchored": d.profile.anchored} for d in plans]


def write_profile_figures(spec: DesignSpec, out_dir: Path) -> list[Path]:
    """Fig. 2a for the middle row's exposure and Fig. 2b at 0.5x, 1x, 2x the spec absorber."""
    from geometry.plots import exposure_map_figure, profiles_vs_absorber_figure

    plans = spec.unique_disks()
    energy = plans[len(plans) // 2].energy_uJ
    conc = spec.process.absorber.concentration_mg_per_mL
    figures = {
        "exposure_map.png": exposure_map_figure(spec.process, energy),
        "profiles_vs_absorber.png": profiles_vs_absorber_figure(
            spec.process, energy, [0.5 * conc, conc, 2.0 * conc]),
    }
    paths = []
    for name, fig in figures.items():
        paths.append(atomic_write_with(out_dir / name, lambda tmp, f=fig: f.savefig(
            tmp, dpi=150, format="png", metadata={"Software": None})))
    return paths


def run(args: argparse.Namespace) -> int:
    from paradisk.spec import load_spec

    if args.csv:
        check_writable_file(args.csv, "--csv")
    if args.plot:
        check_writable_dir(args.plot, "--plot")
    spec = load_spec(args.spec)
    rows = profile_rows(spec, args.all)
    if args.json:
        print(json.dumps({"spec": spec.name, "disks": rows}, indent=2))
    else:
        print(text_table(rows, COLUMNS))
    if args.csv:
        atomic_write_text(args.csv, csv_text(rows, COLUMNS))
    if args.plot:
        for path in write_profile_figures(spec, args.plot):
            if not args.json:
                print(f"wrote {path}")
    return 0
