"""paradisk run SPEC -o DIR: the whole pipeline for every disk, cached, in parallel.

For every disk: exposure profile, write pattern, modes (finite elements unless the spec or
--solver says meep), threshold and lasing mode. Writes into DIR: results.csv and results.json
(one row per disk), modes/<disk>.csv (every mode with its threshold), layout/ (as 'paradisk
layout'), figures/ and report.html (self-contained). Modes already solved for the same disk
and settings are read from the cache (DIR/cache unless --cache), so a rerun takes seconds.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from paradisk.commands import add_solve_options
from paradisk.errors import UserInputError
from paradisk.files import check_writable_dir
from paradisk.tables import text_table

SHOWN = ("id", "dwell_ms", "top_diameter_um", "n_modes", "lasing_m", "lasing_polarization",
         "lasing_wavelength_nm", "threshold_N", "threshold_fluence_uJ_per_cm2", "lasing_Q_total",
         "lasing_film_fraction", "K", "error")


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser("run", help="profile, pattern, modes and lasing for every disk; report",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("spec", type=Path, help="design spec (YAML or JSON)")
    p.add_argument("-o", "--out", type=Path, required=True, metavar="DIR",
                   help="output directory (created if missing)")
    p.add_argument("--solver", choices=("fem", "meep"),
                   help="mode solver instead of the spec's solver.method: fem (finite "
                        "elements, fast) or meep (FDTD, reference, minutes per mode)")
    p.add_argument("--meep-check", type=int, default=0, metavar="N",
                   help="also solve the lasing mode of N rows with Meep and compare "
                        "wavelength and Q with the finite elements (slow; default 0)")
    add_solve_options(p)
    p.add_argument("--no-layout", action="store_true", help="do not write layout/")
    p.add_argument("--no-report", action="store_true",
                   help="do not write figures/ and report.html")
    p.add_argument("--quiet", action="store_true", help="no progress display on stderr")
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    from paradisk.pipeline import RunOptions, default_workers, run_pipeline
    from paradisk.spec import load_spec

    if args.workers is None:
        args.workers = default_workers()
    if args.meep_check < 0:
        raise UserInputError(f"--meep-check = {args.meep_check}: must be >= 0")
    if args.workers < 1:
        raise UserInputError(f"--workers = {args.workers}: must be >= 1")
    check_writable_dir(args.out, "-o")
    if args.cache is not None and not args.no_cache:
        check_writable_dir(args.cache, "--cache")
    spec = load_spec(args.spec)
    options = RunOptions(
        out_dir=args.out, cache_dir=args.cache, use_cache=not args.no_cache,
        workers=args.workers, scheduler=args.scheduler, solver=args.solver,
        meep_check=args.meep_check,
        write_layout=not args.no_layout, report=not args.no_report, progress=not args.quiet,
    )
    result = run_pipeline(spec, options)
    rows = result.table[result.table["col"] == 0].to_dict(orient="records")
    print(text_table(rows, SHOWN))
    s = result.stats
    print(f"\n{s['disks']} disks ({s['rows']} distinct), {s['modes_solved']} mode solves, "
          f"{s['modes_cached']} from cache, {s['solver_runs']} solver runs in all, "
          f"{s['errors']} errors, {s['total_seconds']:.1f} s")
    for rid, why in (result.scatter or {}).get("errors", {}).items():
        print(f"scatter of {rid}: error: {' '.join(why.split())}", file=sys.stderr)
    for name, why in result.skipped_figures.items():
        print(f"figure {name} skipped: {why}", file=sys.stderr)
    if result.meep_checks:
        print("\nMeep check of the lasing modes:")
        print(text_table(result.meep_checks, ["id", "m", "polarization", "fem_wavelength_nm",
                                              "meep_wavelength_nm", "relative_difference",
                                              "fem_Q", "meep_Q", "error"]))
    if "report" in result.paths:
        print(f"report: {result.paths['report']}")
    return 1 if s["errors"] - s.get("scatter_errors", 0) == s["rows"] else 0
