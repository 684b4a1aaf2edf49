"""paradisk design SPEC -o DIR --diameters-um D [D ...]: choose the absorber concentration and
the doses.

For each absorber concentration of a grid and each target top diameter: the dose that writes
that diameter, whether the disk reaches the substrate, its modes and its lasing threshold. A
concentration is scored by the median over the diameters of the threshold (or of K); one where
any disk floats or does not lase is ruled out. Writes into DIR design_grid.csv (every case),
design_scores.csv, design_map.png and recommended_spec.yaml (the starting spec with the best
concentration, the target diameters, the band and the preset). Solved modes are cached with
the same entries as 'paradisk run' (out/cache, the run's, unless --cache), so a disk the run
solved is not solved again."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from paradisk.commands import RUN_CACHE, add_solve_options
from paradisk.tables import text_table


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser("design", help="search absorber concentration and dose for a target",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("spec", type=Path,
                   help="starting spec (YAML or JSON): process, cavity, nanocrystals, solver")
    p.add_argument("-o", "--out", type=Path, required=True, metavar="DIR",
                   help="output directory (created if missing)")
    p.add_argument("--diameters-um", type=float, nargs="+", required=True, metavar="D",
                   help="target top diameters, um (e.g. 15 20 25)")
    p.add_argument("--band-nm", type=float, nargs=2, metavar=("LO", "HI"),
                   help="wavelength window of the modes, nm (default: the spec's "
                        "solver.window_nm)")
    p.add_argument("--preset", help="nanocrystal preset, e.g. QS3 (default: the spec's)")
    p.add_argument("--concentrations", type=float, nargs="+", default=[5.0, 10.0, 20.0, 40.0],
                   metavar="C",
                   help="absorber concentrations to try, mg/mL of resin solution "
                        "(default: 5 10 20 40)")
    p.add_argument("--objective", choices=("threshold", "K", "p90_threshold", "p_below"),
                   default="threshold",
                   help="what the best concentration optimises: the lowest lasing threshold, "
                        "the largest K, or over the spec's scatter: samples the lowest 90th "
                        "percentile threshold (p90_threshold) or the largest fraction lasing "
                        "below N = --below-N (p_below) (default: threshold)")
    p.add_argument("--below-N", type=float, default=0.5, metavar="N", dest="below_N",
                   help="p_below: the threshold N (photons per nanocrystal per pulse) a good "
                        "disk lases below, in (0, 100] (default: 0.5, the best QS3 disks of "
                        "the paper's Fig. 5)")
    add_solve_options(p, default_cache=f"{RUN_CACHE}, the cache of 'paradisk run SPEC -o out'")
    p.add_argument("--quiet", action="store_true", help="no progress display on stderr")
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    from paradisk.design import DesignTarget, search_design, write_design
    from paradisk.pipeline import default_workers
    from paradisk.progress import Progress
    from paradisk.spec import load_spec

    spec = load_spec(args.spec)
    target = DesignTarget(
        top_diameters_um=tuple(args.diameters_um),
        window_nm=tuple(args.band_nm) if args.band_nm else None,
        preset=args.preset, concentrations_mg_per_mL=tuple(args.concentrations),
        objective=args.objective, below_N=args.below_N,
    )
    cache = None if args.no_cache else (args.cache or RUN_CACHE)
    workers = default_workers() if args.workers is None else args.workers
    with Progress(not args.quiet) as progress:
        result = search_design(spec, target, workers=workers, scheduler=args.scheduler,
                               cache_dir=cache, progress=progress)
    paths = write_design(result, target, args.out)
    print(text_table(result.grid.to_dict(orient="records"),
                     ["concentration_mg_per_mL", "top_diameter_um", "dwell_ms", "anchored",
                      "lasing_m", "lasing_wavelength_nm", "threshold_N", "K"]))
    if result.best_concentration_mg_per_mL is None:
        print("no concentration of the grid gives anchored disks that lase at every diameter")
        return 1
    print(f"\nbest: {result.best_concentration_mg_per_mL:g} mg/mL ({args.objective}); "
          f"recommended spec: {paths['spec']}; map: {paths['map']}")
    for warning in result.warnings:
        print(f"paradisk design: warning: {warning}", file=sys.stderr)
    return 0
