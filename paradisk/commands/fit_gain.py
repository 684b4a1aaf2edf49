"""paradisk fit-gain SPEC MEASURED.csv: fit the gain model to cavities you measured.

MEASURED.csv has one row per lasing cavity: threshold_N (or threshold_fluence_uJ_per_cm2,
converted with the spec's pump and material), lasing_wavelength_nm, and the lasing mode's
film_fraction and Q; or a disk_id, with --modes pointing at a run's mode tables (modes/ of
'paradisk run', or one CSV with a disk_id column): the mode of that disk nearest the measured
wavelength gives film_fraction (and Q: the table's Q_total, or 1/Q = 1/Q + 1/losses.Q_other,
when the file has no Q), and the disk's other modes must not lase first. Optional columns:
polarization (TE/TM, restricts that match), threshold_sigma_fraction (default 0.1) and
wavelength_sigma_nm (default 1.5 nm, or FSR/sqrt(12) from the mode table). Lines starting
with # are comments.

Fitted: the Stokes shift and the linewidth of the 0-X line, the film's C sigma_0 (and with
--fit-xx-splitting the X-XX splitting), each with its one-sigma uncertainty (Jacobian at the
optimum, scaled by the residual variance). --emission FILE (wavelength_nm, intensity: a
below-threshold emission spectrum) sets the emission peak and observes the linewidth.

Prints each fitted value with the spec field it goes to, the residual of every cavity and a
spec snippet (the nanocrystals section with the fitted values) to paste into the spec.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any

from paradisk.errors import UserInputError
from paradisk.files import atomic_write_text, atomic_write_with, check_writable_file


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser("fit-gain", help="fit Stokes shift, linewidth and C sigma_0 to measured "
                       "lasing thresholds", description=__doc__,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("spec", type=Path, help="design spec (YAML or JSON): the film, pump, start")
    p.add_argument("measurements", type=Path, help="CSV of measured lasing cavities (see above)")
    p.add_argument("--modes", type=Path, metavar="PATH",
                   help="a run's modes/ folder (one CSV per row) or one mode table CSV with "
                        "a disk_id column, for the cavities given by disk_id")
    p.add_argument("--emission", type=Path, metavar="FILE",
                   help="below-threshold emission spectrum CSV (wavelength_nm, intensity): "
                        "the line centre and width")
    p.add_argument("--fit-xx-splitting", action="store_true",
                   help="also fit the X-XX splitting (needs cavities lasing above N ~ 1)")
    p.add_argument("--json", action="store_true", help="print the fit as JSON")
    p.add_argument("--plot", type=Path, metavar="FILE",
                   help="write threshold N against lasing wavelength (paper Fig. 5 style), "
                        "measured and fitted, as a PNG")
    p.add_argument("--snippet", type=Path, metavar="FILE",
                   help="write the spec snippet (YAML) to FILE")
    p.set_defaults(func=run)
    return p


def read_mode_tables(path: Path, spec: Any = None) -> dict[str, Any]:
    """Mode tables by disk id: a run's modes/ folder (one <row id>.csv per row of ``spec``,
    each disk of the row given its row's modes, as ``paradisk predict`` reads it), another
    folder of <disk_id>.csv, or one CSV with a disk_id column."""
    from gain.modetable import ModeTable, ModeTableError
    from paradisk.results import row_id

    if spec is not None and path.is_dir() and all(
            (path / f"{row_id(d)}.csv").is_file() for d in spec.disks()):
        from paradisk.commands.predict import read_modes_folder

        t = read_modes_folder(spec, path)
        return {d: t.for_disk(d) for d in t.disk_ids()}
    try:
        if path.is_dir():
            files = sorted(path.glob("*.csv"))
            if not files:
                raise UserInputError(f"--modes {path}: no .csv mode tables in the folder")
            out: dict[str, Any] = {}
            for f in files:
                t = ModeTable.from_csv(f)
                if t.has_disk_ids:
                    out.update({d: t.for_disk(d) for d in t.disk_ids()})
                else:
                    out[f.stem] = t
            return out
        t = ModeTable.from_csv(path)
    except ModeTableError as exc:
        raise UserInputError(f"--modes: {exc}") from None
    if not t.has_disk_ids:
        raise UserInputError(f"--modes {path}: the table has no disk_id column; give a run's "
                             "modes/ folder or add disk_id")
    return {d: t.for_disk(d) for d in t.disk_ids()}


def spec_snippet(spec: Any, fit: Any, source: str) -> str:
    """The spec's nanocrystals section with the fitted values (YAML, one-sigma in comments)."""
    import yaml

    from gain.film import RANDOM_CLOSE_PACKING

    mat = fit.material
    film = spec.nanocrystals
    p = fit.parameters
    c = fit.C_sigma0_per_cm / mat.sigma0_reference_cm2
    phi = None if mat.particle_volume_nm3 is None else c * mat.particle_volume_nm3 * 1e-21

    def line(key: str, value: Any, indent: int, comment: str = "") -> str:
        text = yaml.safe_dump({key: value}, width=10**6, default_flow_style=True,
                              sort_keys=False).strip()
        text = text[1:-1] if text.startswith("{") else text
        return " " * indent + text + (f"  # {comment}" if comment else "")

    def fitted(name: str) -> str:
        q = p[name]
        return f"fitted: +/- {q.sigma:.2g} {q.unit} (start {q.start:.4g})"

    conc_note = (f"C sigma_0 = {fit.C_sigma0_per_cm:.4g} +/- "
                 f"{p['C_sigma0_per_cm'].sigma:.2g} /cm over sigma0_peak_cm2")
    if phi is not None:
        conc_note += f"; volume fraction {phi:.3g}"
        if phi > RANDOM_CLOSE_PACKING:
            conc_note += (f" > {RANDOM_CLOSE_PACKING} (close packing): the spec refuses it; "
                          "sigma0_peak_cm2 is too small for the fitted C sigma_0")
    lines = [f"# paradisk fit-gain: {len(fit.cavities)} cavities of {source}; replaces the "
             "spec's nanocrystals section",
             "# (the material is the spec's with the fitted line; volume_fraction is replaced "
             "by the concentration)",
             "nanocrystals:",
             line("concentration_per_cm3", float(f"{c:.6g}"), 2, conc_note),
             line("thickness_nm", film.thickness_nm, 2),
             line("refractive_index", film.refractive_index, 2),
             "  material:"]
    comments = {"stokes_shift_meV": fitted("stokes_shift_meV"),
                "linewidth_fwhm_meV": fitted("linewidth_fwhm_meV")}
    if "xx_splitting_meV" in p:
        comments["xx_splitting_meV"] = fitted("xx_splitting_meV")
    if fit.emission is not None:
        comments["emission_peak_nm"] = (f"--emission centre +/- {fit.emission.peak_sigma_nm:.2g}"
                                        " nm")
    rounded = {"stokes_shift_meV": 2, "linewidth_fwhm_meV": 2, "xx_splitting_meV": 2,
               "emission_peak_nm": 2}
    for key, value in mat.model_dump(mode="json", exclude_none=True).items():
        if key == "absorption_spectrum_sha256":
            continue
        if key in rounded:
            value = round(float(value), rounded[key])
        if key == "name":
            value = f"{value}-fit" if not str(value).endswith("-fit") else value
        if key == "notes":
            value = (f"{value} Line shape and C sigma_0 refitted by paradisk fit-gain to "
                     f"{len(fit.cavities)} cavities of {source}.").strip()
        lines.append(line(key, value, 4, comments.get(key, "")))
    return "\n".join(lines) + "\n"


def _f(x: float) -> float | None:
    return None if not math.isfinite(x) else float(x)


def run(args: argparse.Namespace) -> int:
    from gain.fit import (
        GainDataError,
        fit_emission_line,
        fit_gain,
        read_emission_spectrum,
        read_measured_cavities,
        resolve_cavities,
    )
    from paradisk.spec import load_spec

    for option, path in (("--plot", args.plot), ("--snippet", args.snippet)):
        if path is not None:
            check_writable_file(path, option)
    spec = load_spec(args.spec)
    film, pump = spec.nanocrystals, spec.pump
    material = film.resolved_material
    modes = read_mode_tables(args.modes, spec) if args.modes is not None else None
    try:
        try:
            n_per_fluence = float(pump.N_from_fluence(1.0, material))
        except ValueError as exc:
            raise GainDataError(f"pump: {exc}") from None
        rows = read_measured_cavities(args.measurements)
        cavities, notes = resolve_cavities(rows, modes=modes, intrinsic_Q=spec.intrinsic_Q,
                                           N_per_fluence=n_per_fluence)
        emission = None
        if args.emission is not None:
            emission = fit_emission_line(*read_emission_spectrum(args.emission))
            notes.append(f"--emission: line centre {emission.peak_nm:.2f} +/- "
                         f"{emission.peak_sigma_nm:.2g} nm (the emission peak), FWHM "
                         f"{emission.fwhm_meV:.1f} +/- {emission.fwhm_sigma_meV:.2g} meV")
        fit = fit_gain(cavities, material, film.sigma0_C_per_cm, film.refractive_index,
                       fit_xx_splitting=args.fit_xx_splitting, emission=emission)
    except GainDataError as exc:
        raise UserInputError(str(exc)) from None
    snippet = spec_snippet(spec, fit, str(args.measurements))
    residuals = fit.residual_rows()
    if args.json:
        print(json.dumps({
            "spec": spec.name, "measurements": str(args.measurements),
            "material": material.name, "n_cavities": len(cavities),
            "parameters": {k: v.to_dict() for k, v in fit.parameters.items()},
            "emission_peak_nm": fit.material.emission_peak_nm,
            "emission": None if fit.emission is None else fit.emission.__dict__,
            "reduced_chi2": fit.reduced_chi2, "n_observations": fit.n_observations,
            "correlation": fit.correlation, "notes": notes,
            "residuals": [{k: (_f(v) if isinstance(v, float) else v) for k, v in r.items()}
                          for r in residuals],
            "snippet": snippet,
        }, indent=2))
    else:
        for note in notes:
            print(f"note: {note}", file=sys.stderr)
        print(f"{len(cavities)} cavities fitted ({material.name} start, emission peak "
              f"{fit.material.emission_peak_nm:.2f} nm); copy each value into the spec field "
              "named:")
        for prm in fit.parameters.values():
            value = f"{prm.value:.5g} +/- {prm.sigma:.2g} {prm.unit}"
            print(f"  {prm.name:<20} {value:<28} (start {prm.start:.4g})  {prm.spec_field}")
        print("residuals per cavity (measured vs model):")
        print(f"  {'cavity':<10} {'Gamma':>6} {'Q':>9} {'N':>8} {'N_model':>8} {'dN/N':>7} "
              f"{'lambda':>8} {'model':>8} {'dlambda':>8}")
        for r in residuals:
            print(f"  {r['cavity']:<10} {r['film_fraction']:>6.3f} {r['Q_total']:>9.4g} "
                  f"{r['threshold_N']:>8.4g} {r['model_threshold_N']:>8.4g} "
                  f"{r['threshold_residual_fraction']:>+7.1%} {r['lasing_wavelength_nm']:>8.2f}"
                  f" {r['model_wavelength_nm']:>8.2f} {r['wavelength_residual_nm']:>+8.2f}")
        print(f"  reduced chi-square {fit.reduced_chi2:.3g} ({fit.n_observations} observations"
              f", {len(fit.parameters)} parameters); the sigmas are scaled by it")
        print("spec snippet:")
        print(snippet, end="")
    if args.snippet is not None:
        atomic_write_text(args.snippet, snippet)
    if args.plot is not None:
        from gain.plots import fit_gain_figure

        fig = fit_gain_figure(fit)
        atomic_write_with(args.plot, lambda tmp: fig.savefig(tmp, dpi=150, format="png"))
    return 0
