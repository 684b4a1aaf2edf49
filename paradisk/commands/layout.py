"""paradisk layout SPEC -o DIR: the write pattern of a spec for the lithography laser.

Writes into DIR:
  layout.gds   the dose matrix: disks, labels, alignment marks, chip outline
  layout.lyp   layer names and colours for KLayout: klayout layout.gds -l layout.lyp
  layout.oas   the same layout as OASIS (with --oas)
  job.csv      the exposure points in the stage's coordinates, in serpentine write order
  job.json     the same with the totals, the spec and its hash
  preview.png  a picture of the pattern, for readers without KLayout
then prints the stage travel and the estimated writing time.

Bad input (overlapping disks, a dose that writes nothing, an array larger than the stage
travel) stops before any file is written. The files are written as one set: a failure leaves
the previous run's files as they were, and a layout.oas of an earlier run with --oas is removed
by a run without it. Other files in DIR are left alone.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from paradisk.files import check_writable_dir


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser("layout", help="write the GDS layout, stage job and preview of a spec",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("spec", type=Path, help="design spec (YAML or JSON)")
    p.add_argument("-o", "--out", type=Path, required=True, metavar="DIR",
                   help="output directory (created if missing)")
    p.add_argument("--oas", action="store_true", help="also write layout.oas (OASIS)")
    p.set_defaults(func=run)
    return p


# arrays of at least this many disks show the layout's steps on stderr (smaller ones take
# well under a second)
BIG_ARRAY_DISKS = 500


def summary_text(result: Any) -> str:
    """Two lines: how many points, stage travel, writing time and its parts."""
    s = result.summary
    return (
        f"{s.n_points} exposure points ({len(result.rows)} rows x {result.array.repeats}), "
        f"serpentine order; stage travel {s.travel_um / 1000:.4g} mm\n"
        f"estimated writing time {s.total_s:.4g} s ({s.total_s / 60:.3g} min): dwell "
        f"{s.dwell_s:.4g} s + moves {s.move_s:.4g} s at {s.speed_um_per_s:g} um/s + settling "
        f"{s.settle_s:.4g} s ({s.settle_ms:g} ms per move)"
    )


def run(args: argparse.Namespace) -> int:
    from paradisk.outputs import write_spec_layout
    from paradisk.spec import load_spec

    check_writable_dir(args.out, "-o")
    spec = load_spec(args.spec)
    from paradisk.progress import Progress

    big = spec.array.rows * spec.array.repeats >= BIG_ARRAY_DISKS
    with Progress(big) as progress:
        result, paths = write_spec_layout(spec, args.out, oas=args.oas, progress=progress)
    for path in paths.values():
        print(f"wrote {path}")
    print(summary_text(result))
    if "lyp" in paths:
        print(f"view: klayout {paths['gds']} -l {paths['lyp']}")
    return 0
