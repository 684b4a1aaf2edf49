"""``paradisk design SPEC -o DIR``: choose the absorber concentration and the doses.

Searches a grid of absorber concentrations for the lowest predicted lasing threshold (or the
largest K) of disks of the target top diameters, subject to every disk being anchored, and
writes the recommended spec (recommended_spec.yaml) with a design-map plot.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from paradisk.tables import text_table


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser("design", help="search absorber concentration and dose for a target",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("spec", type=Path, help="starting spec (process, cavity, solver)")
    p.add_argument("-o", "--out", type=Path, required=True, help="output directory")
    p.add_argument("--diameters-um", type=float, nargs="+", required=True,
                   help="target top diameters, um (e.g. 15 20 25)")
    p.add_argument("--band-nm", type=float, nargs=2, metavar=("LO", "HI"),
                   help="gain band, nm (default: the spec's solver window)")
    p.add_argument("--preset", help="nanocrystal preset (default: the spec's)")
    p.add_argument("--concentrations", type=float, nargs="+", default=[5.0, 10.0, 20.0, 40.0],
                   help="absorber concentrations to try, mg/mL (solution basis)")
    p.add_argument("--objective", choices=("threshold", "K"), default="threshold")
    p.add_argument("--workers", type=int, default=None)
    p.add_argument("--scheduler", metavar="ADDRESS", help="Dask scheduler address")
    p.add_argument("--cache", type=Path, metavar="DIR", help="cache (default OUT/cache)")
    p.add_argument("--no-cache", action="store_true")
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    from paradisk.design import DesignTarget, search_design, write_design
    from paradisk.pipeline import default_workers
    from paradisk.spec import load_spec

    spec = load_spec(args.spec)
    target = DesignTarget(
        top_diameters_um=tuple(args.diameters_um),
        window_nm=tuple(args.band_nm) if args.band_nm else None,
        preset=args.preset, concentrations_mg_per_mL=tuple(args.concentrations),
        objective=args.objective,
    )
    cache = None if args.no_cache else (args.cache or args.out / "cache")
    workers = default_workers() if args.workers is None else args.workers
    result = search_design(spec, target, workers=workers, scheduler=args.scheduler,
                           cache_dir=cache)
    paths = write_design(result, target, args.out)
    print(text_table(result.grid.to_dict(orient="records"),
                     ["concentration_mg_per_mL", "top_diameter_um", "dwell_ms", "anchored",
                      "lasing_m", "lasing_wavelength_nm", "threshold_N", "K"]))
    if result.best_concentration_mg_per_mL is None:
        print("no concentration of the grid gives anchored disks that lase at every diameter")
        return 1
    print(f"\nbest: {result.best_concentration_mg_per_mL:g} mg/mL ({args.objective}); "
          f"recommended spec: {paths['spec']}; map: {paths['map']}")
    return 0
