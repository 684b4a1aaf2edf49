"""``paradisk identify SPEC SPECTRUM.csv``: label the peaks of a measured emission spectrum.

SPECTRUM.csv is a spectrometer export: header lines, then wavelength_nm and intensity columns,
tab, comma, semicolon or space separated. The disk is named by ``--row N`` (row of the spec's
array), ``--disk ID`` (e.g. r01c02) or ``--top-diameter-um D`` (the disk the spec's process
writes with that top diameter).

The peaks are fitted (Lorentzian; Voigt with the instrument's Gaussian when ``--resolution-nm``
is given) for their centre with uncertainty and loaded Q (flagged resolution-limited when the
instrument sets the width; Q is then a lower bound). The disk's top diameter is fitted so that
its FEM comb (TE/TM, the spec's radial orders, the spec's solver window) matches the peaks; each
peak gets (m, polarization, radial order) with a confidence, and a warning says when another
label set fits about as well and what would decide. ``--fit-film-thickness`` also fits the
nanocrystal film's thickness (four FEM solves in all). Two or three FEM solves per call;
``--cache DIR`` reads the spec disk's modes from a run's cache (never writes it). Above
threshold the lasing line is compared with the mode the gain model predicts.

``--json`` prints fitted_top_diameter_um, sigma, peaks (wavelength_nm, m, polarization,
radial_order, confidence, Q, resolution_limited, ...), warnings and the lasing comparison;
``--plot FILE`` writes the spectrum with the fits, labels and the predicted comb (PNG/PDF/SVG).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from paradisk.errors import UserInputError
from paradisk.files import atomic_write_with


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser("identify", help="label the peaks of a measured spectrum and fit the "
                       "disk's top diameter", description=__doc__.replace("``", ""),
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("spec", type=Path, help="design spec (YAML or JSON)")
    p.add_argument("spectrum", type=Path, metavar="SPECTRUM.csv",
                   help="measured spectrum: wavelength_nm, intensity")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--row", type=int, metavar="N", help="row N of the spec's array")
    which.add_argument("--disk", metavar="ID", help="disk id of the spec's array (r01c02)")
    which.add_argument("--top-diameter-um", type=float, metavar="D",
                       help="the spec's process writing a disk of this top diameter")
    p.add_argument("--resolution-nm", type=float, metavar="R",
                   help="spectrometer resolution (FWHM, nm): Voigt fits and the Q limit")
    p.add_argument("--search-fraction", type=float, default=None, metavar="F",
                   help="try top diameters within +-F of the spec's (default 0.04)")
    p.add_argument("--window-nm", type=float, nargs=2, metavar=("LO", "HI"),
                   help="solver window (default: the spec's solver.window_nm)")
    p.add_argument("--fit-film-thickness", action="store_true",
                   help="fit the nanocrystal film's thickness too (needs TE and TM lines; four "
                        "FEM solves)")
    p.add_argument("--cache", type=Path, metavar="DIR",
                   help="a run's cache to read the spec disk's modes from (read only)")
    p.add_argument("--json", action="store_true",
                   help="print the result as JSON (fitted diameter, sigma, peaks, warnings)")
    p.add_argument("--plot", type=Path, metavar="FILE",
                   help="write the spectrum with the fitted peaks, labels and predicted comb")
    p.set_defaults(func=run)
    return p


def _text(res: Any) -> str:
    from paradisk.tables import text_table

    head = (f"{res.disk or 'disk'}: top diameter {res.fitted_top_diameter_um:.4f} +/- "
            f"{res.sigma_um:.2g} um (spec {res.spec_top_diameter_um:.4f} um), rms residual "
            f"{res.rms_residual_nm:.3g} nm, FEM solves at "
            + ", ".join(f"{d:.4f}" for d in res.solved_diameters_um) + " um")
    rows = []
    for a in res.peaks:
        d = a.to_dict()
        d["Q"] = (">" if a.peak.resolution_limited else "") + f"{a.peak.Q:.4g}"
        rows.append(d)
    table = text_table(rows, ("wavelength_nm", "wavelength_sigma_nm", "m", "polarization",
                              "radial_order", "confidence", "residual_nm", "Q", "fwhm_nm"),
                       digits=7)
    lines = [head, table]
    if res.film_thickness_nm is not None:
        lines.insert(1, f"nanocrystal film {res.film_thickness_nm:.3f} +/- "
                        f"{res.film_sigma_nm:.2g} nm (correlation with the diameter "
                        f"{res.film_correlation:+.2f})")
    for f in res.fsr:
        lines.append(f"free spectral range {f['polarization']}{f['radial_order']} "
                     f"m={f['m']}-{f['m'] + 1}: measured {f['measured_nm']:.4f} nm, predicted "
                     f"{f['predicted_nm']:.4f} nm")
    if res.lasing:
        las = res.lasing
        pred = las["predicted"]
        obs = las["observed"]
        lines.append(
            f"lasing line {obs['wavelength_nm']:.3f} nm: observed "
            f"{obs['polarization']}{obs['radial_order']} m={obs['m']}, predicted "
            + ("none" if pred is None else
               f"{pred['polarization']}{pred['radial_order']} m={pred['m']} at "
               f"{pred['wavelength_nm']:.3f} nm")
            + (" (agree)" if las["agree"] else " (differ)"))
    lines += [f"warning: {w}" for w in res.warnings]
    return "\n".join(lines)


def _solve_note() -> Callable[[float, float], None]:
    """One stderr line per FEM solve (each takes seconds): identify's progress."""
    count = [0]

    def note(d_um: float, film_nm: float) -> None:
        count[0] += 1
        print(f"identify: solve {count[0]}: the modes of a {d_um:.4g} um disk with a "
              f"{film_nm:g} nm film", file=sys.stderr, flush=True)

    return note


def run(args: argparse.Namespace) -> int:
    from paradisk.identify import identify, read_spectrum
    from paradisk.identify.identification import SEARCH_FRACTION
    from paradisk.spec import load_spec

    spec = load_spec(args.spec)
    spectrum = read_spectrum(args.spectrum)
    if args.resolution_nm is not None and not 0.0 < args.resolution_nm <= 10.0:
        raise UserInputError(f"--resolution-nm {args.resolution_nm:g}: allowed 0 < value <= 10")
    if args.window_nm is not None:
        from solvers.modes import WINDOW_LIMITS_NM

        lo, hi = WINDOW_LIMITS_NM
        if not lo <= args.window_nm[0] < args.window_nm[1] <= hi:
            raise UserInputError(f"--window-nm {args.window_nm[0]:g} {args.window_nm[1]:g}: "
                                 f"need {lo:g} <= LO < HI <= {hi:g} nm")
    if args.cache is not None and not args.cache.is_dir():
        raise UserInputError(f"--cache {args.cache}: not a directory")
    res = identify(
        spec, spectrum, row=args.row, disk=args.disk, top_diameter_um=args.top_diameter_um,
        resolution_nm=args.resolution_nm,
        search_fraction=SEARCH_FRACTION if args.search_fraction is None else args.search_fraction,
        window_nm=None if args.window_nm is None else tuple(args.window_nm),
        cache_dir=None if args.cache is None else str(args.cache),
        fit_film_thickness=args.fit_film_thickness, on_solve=_solve_note(),
    )
    if args.plot:
        from paradisk.identify.plot import identification_figure

        fig = identification_figure(res)
        suffix = args.plot.suffix.lower() or ".png"
        if suffix not in (".png", ".pdf", ".svg"):
            raise UserInputError(f"--plot {args.plot}: allowed extensions .png, .pdf, .svg")
        atomic_write_with(args.plot, lambda tmp: fig.savefig(tmp, dpi=130,
                                                             format=suffix.lstrip(".")))
    if args.json:
        print(json.dumps(res.to_dict(), indent=2, allow_nan=False, default=float))
    else:
        print(_text(res))
    return 0
