"""paradisk calibrate MEASUREMENTS.csv: fit the exposure model to disks you measured.

The CSV has one row per measured disk: energy_uJ, or dwell_ms with power_uW (a column, or
--power-uW for all rows), and top_diameter_um. Optional columns: foot_diameter_um (with
--film-thickness-um, also fits the film's attenuation at 405 nm) and diameter_sigma_um (the
one-sigma measurement error, for a reduced chi-square). Lines starting with # are comments.

Prints each fitted value with its one-sigma uncertainty and the spec field it goes to, then
the residual (measured - fitted diameter) of every disk.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path
from typing import Any

from paradisk.errors import UserInputError
from paradisk.files import atomic_write_with, check_writable_file


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser("calibrate", help="fit beam radius and threshold dose to measured disks",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("measurements", type=Path, help="CSV of measured disks (see above)")
    p.add_argument("--power-uW", type=float, metavar="UW",
                   help="laser power at the resist, uW, when the CSV has dwell_ms but no "
                        "power_uW column")
    p.add_argument("--film-thickness-um", type=float, metavar="UM",
                   help="resist film thickness, um: with foot_diameter_um in the CSV, also fit "
                        "the attenuation")
    p.add_argument("--spec", type=Path, metavar="SPEC",
                   help="a spec whose absorber (absorptivity, concentration basis, "
                        "solution-to-film factor) and resin absorption turn the fitted "
                        "attenuation into the value of process.absorber.concentration_mg_per_mL")
    p.add_argument("--json", action="store_true",
                   help="print the fit and the residuals as JSON instead of text")
    p.add_argument("--plot", type=Path, metavar="FILE",
                   help="write measured and fitted diameters against energy as a PNG")
    p.set_defaults(func=run)
    return p


def residual_rows(series: Any, cal: Any, film_thickness_um: float | None) -> list[dict]:
    """Measured and fitted diameters of every disk, um (foot only when alpha was fitted).

    The fitted top diameter is D^2 = 2 w0^2 ln(E / E_th) with E_th = pi w0^2 W_cl / 2, the
    foot D_foot^2 = D^2 - 2 w0^2 alpha z0 (the model geometry.calibration fits).
    """
    from geometry.exposure import MJ_PER_CM2_PER_UJ_PER_UM2

    w0 = cal.waist_um
    e_th = math.pi * w0**2 * cal.threshold_dose_mJ_per_cm2 / 2.0 / MJ_PER_CM2_PER_UJ_PER_UM2
    rows = []
    for i, energy in enumerate(series.energy_uJ):
        top2 = 2.0 * w0**2 * max(math.log(energy / e_th), 0.0)
        top = float(series.top_diameter_um[i])
        row = {"energy_uJ": float(energy), "top_diameter_um": top,
               "top_fit_um": math.sqrt(top2), "top_residual_um": top - math.sqrt(top2)}
        if cal.alpha_per_um is not None and film_thickness_um is not None:
            foot_fit = math.sqrt(max(top2 - 2.0 * w0**2 * cal.alpha_per_um * film_thickness_um,
                                     0.0))
            foot = float(series.foot_diameter_um[i])
            row.update(foot_diameter_um=foot, foot_fit_um=foot_fit,
                       foot_residual_um=foot - foot_fit)
        rows.append(row)
    return rows


def absorber_for_alpha(spec_path: Path, alpha_per_um: float) -> Any:
    """The spec's absorber at the concentration (in its own basis) that, with the spec's resin
    absorption, gives the film the attenuation ``alpha_per_um`` (1/um); UserInputError when the
    resin alone attenuates more."""
    from paradisk.spec import load_spec

    process = load_spec(spec_path).process
    part = alpha_per_um - process.resin_absorption_per_um
    if not part > 0.0:
        raise UserInputError(
            f"--spec {spec_path}: its process.resin_absorption_per_um = "
            f"{process.resin_absorption_per_um:g} 1/um alone exceeds the fitted attenuation "
            f"{alpha_per_um:.4g} 1/um: no absorber concentration fits")
    return process.absorber.with_alpha(part)


def run(args: argparse.Namespace) -> int:
    from geometry import calibrate, read_dose_series

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
    residuals = residual_rows(series, cal, args.film_thickness_um)
    absorber = None
    if args.spec is not None and cal.alpha_per_um is not None:
        absorber = absorber_for_alpha(args.spec, cal.alpha_per_um)
    if args.json:
        extra = {} if absorber is None else {
            "absorber_concentration_mg_per_mL": absorber.concentration_mg_per_mL,
            "absorber_concentration_basis": absorber.concentration_basis}
        print(json.dumps({**cal.to_dict(), **extra, "residuals": residuals}, indent=2))
    else:
        fitted = [("beam radius w0", f"{cal.waist_um:.4g} +/- {cal.waist_sigma_um:.2g} um",
                   "process.waist_um"),
                  ("threshold dose W_cl", f"{cal.threshold_dose_mJ_per_cm2:.4g} +/- "
                   f"{cal.threshold_dose_sigma_mJ_per_cm2:.2g} mJ/cm^2",
                   "process.threshold_dose_mJ_per_cm2")]
        if cal.alpha_per_um is not None:
            fitted.append(("attenuation alpha", f"{cal.alpha_per_um:.4g} +/- "
                           f"{cal.alpha_sigma_per_um:.2g} 1/um",
                           "process.resin_absorption_per_um + the absorber's part (*)"))
        print(f"{cal.n_points} disks fitted; copy each value into the spec field named:")
        for name, value, field in fitted:
            print(f"  {name:<20} {value:<26} {field}")
        if absorber is not None:
            print(f"  absorber             {absorber.concentration_mg_per_mL:<26.4g} "
                  "process.absorber.concentration_mg_per_mL\n"
                  f"  (*) with {args.spec}'s absorber and resin absorption: alpha = "
                  f"{cal.alpha_per_um:.4g} 1/um is the resin's\n"
                  "      process.resin_absorption_per_um plus the absorber at this concentration "
                  f"(basis '{absorber.concentration_basis}'")
            if absorber.concentration_basis == "solution":
                print(f"      as mixed: {absorber.film_concentration_mg_per_mL:.4g} mg/mL in "
                      f"the dried film, x {absorber.solution_to_film_factor:g})")
            else:
                print("      : the dried film's)")
        elif cal.alpha_per_um is not None:
            print("  (*) alpha is the film's total Napierian attenuation at 405 nm. The "
                  "absorber's part is\n"
                  "      absorptivity_405_mL_per_mg_per_cm x DRIED-FILM concentration (mg/mL) x "
                  "1e-4 per um (x ln 10\n"
                  "      when decadic). process.absorber.concentration_mg_per_mL holds it in "
                  "the spec's basis: with\n"
                  "      concentration_basis 'solution', as mixed (the film's divided by "
                  "solution_to_film_factor).\n"
                  "      --spec SPEC prints the value for a spec.")
        print("residuals, measured - fitted diameter (um):")
        foot = "foot_residual_um" in residuals[0]
        print(f"  {'energy_uJ':>10} {'top':>8} {'top_fit':>8} {'residual':>8}"
              + (f" {'foot':>8} {'foot_fit':>8} {'residual':>8}" if foot else ""))
        for r in residuals:
            line = (f"  {r['energy_uJ']:>10.4g} {r['top_diameter_um']:>8.3f} "
                    f"{r['top_fit_um']:>8.3f} {r['top_residual_um']:>+8.3f}")
            if foot:
                line += (f" {r['foot_diameter_um']:>8.3f} {r['foot_fit_um']:>8.3f} "
                         f"{r['foot_residual_um']:>+8.3f}")
            print(line)
        print(f"  rms of the top residuals {cal.residual_rms_um:.3g} um"
              + ("" if cal.reduced_chi2 is None else
                 f"; reduced chi-square {cal.reduced_chi2:.3g} (from diameter_sigma_um)"))
    if args.plot:
        from geometry.plots import calibration_figure

        fig = calibration_figure(series, cal)
        atomic_write_with(args.plot, lambda tmp: fig.savefig(tmp, dpi=150, format="png"))
    return 0
