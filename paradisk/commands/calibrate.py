"""``paradisk calibrate MEASUREMENTS.csv``: fit the beam radius and threshold dose.

The CSV has ``energy_uJ`` or ``dwell_ms`` (with ``power_uW`` per row or ``--power-uW``), and
``top_diameter_um``; optional ``foot_diameter_um`` (with ``--film-thickness-um``, fits the
attenuation) and ``diameter_sigma_um`` (one-sigma measurement error, for a chi-square).
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

from geometry import calibrate, read_dose_series
from paradisk.errors import UserInputError
from paradisk.files import atomic_write_with, check_writable_file


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser("calibrate", help="fit waist and threshold dose to measured diameters",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("measurements", type=Path, help="CSV of measured disks")
    p.add_argument("--power-uW", type=float, help="laser power when the CSV gives dwell_ms only")
    p.add_argument("--film-thickness-um", type=float, help="film thickness z0 (to fit alpha)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--plot", type=Path, metavar="FILE", help="write the fit as a PNG")
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    if not args.measurements.is_file():
        raise UserInputError(f"measurements file {args.measurements} does not exist")
    for option, value in (("--power-uW", args.power_uW),
                          ("--film-thickness-um", args.film_thickness_um)):
        if value is not None and not (math.isfinite(value) and value > 0.0):
            raise UserInputError(f"{option} = {value:g}: allowed: a finite value > 0")
    if args.plot:
        check_writable_file(args.plot, "--plot")
    try:
        series = read_dose_series(args.measurements, power_uW=args.power_uW)
        cal = calibrate(series, film_thickness_um=args.film_thickness_um)
    except ValueError as exc:
        text = str(exc)
        prefix = f"{args.measurements}: "
        raise UserInputError(text if text.startswith(prefix) else prefix + text) from None
    if args.json:
        print(json.dumps(cal.to_dict(), indent=2))
    else:
        print(f"points            {cal.n_points}")
        print(f"waist_um          {cal.waist_um:.4g} +/- {cal.waist_sigma_um:.2g}")
        print(f"threshold_dose    {cal.threshold_dose_mJ_per_cm2:.5g} +/- "
              f"{cal.threshold_dose_sigma_mJ_per_cm2:.2g} mJ/cm^2")
        if cal.alpha_per_um is not None:
            print(f"alpha_per_um      {cal.alpha_per_um:.4g} +/- {cal.alpha_sigma_per_um:.2g}")
        print(f"residual rms      {cal.residual_rms_um:.3g} um")
        if cal.reduced_chi2 is not None:
            print(f"reduced chi2      {cal.reduced_chi2:.3g}")
    if args.plot:
        from geometry.plots import calibration_figure

        fig = calibration_figure(series, cal)
        atomic_write_with(args.plot, lambda tmp: fig.savefig(tmp, dpi=150, format="png"))
    return 0
