"""One module per verb of the command line; the options several verbs share live here."""

from __future__ import annotations

import argparse
from pathlib import Path

# the cache of `paradisk run SPEC -o out` (the README's command): where modes and design look
# for the run's solved modes unless --cache says otherwise
RUN_CACHE = Path("out") / "cache"


def add_solve_options(p: argparse.ArgumentParser, default_cache: str = "DIR/cache") -> None:
    """Where the mode solves run and what they reuse: --workers, --scheduler, --cache,
    --no-cache (the same for every verb that solves)."""
    p.add_argument("--workers", type=int, default=None, metavar="N",
                   help="local worker processes for the mode solves (default: the number of "
                        "cores, at most 8)")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="run the mode solves on a running Dask scheduler instead of local "
                        "workers, e.g. tcp://host:8786")
    p.add_argument("--cache", type=Path, metavar="CACHE_DIR",
                   help=f"where solved modes are stored and reused (default {default_cache})")
    p.add_argument("--no-cache", action="store_true",
                   help="solve everything again and store nothing")
