"""One module per verb of the command line; the options several verbs share live here."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_solve_options(p: argparse.ArgumentParser) -> None:
    """Where the mode solves run and what they reuse: --workers, --scheduler, --cache,
    --no-cache (the same for every verb that solves)."""
    p.add_argument("--workers", type=int, default=None, metavar="N",
                   help="local worker processes for the mode solves (default: the number of "
                        "cores, at most 8)")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="run the mode solves on a running Dask scheduler instead of local "
                        "workers, e.g. tcp://host:8786")
    p.add_argument("--cache", type=Path, metavar="CACHE_DIR",
                   help="where solved modes are stored and reused (default DIR/cache)")
    p.add_argument("--no-cache", action="store_true",
                   help="solve everything again and store nothing")
