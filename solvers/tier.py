"""The test suite's fast tier: a real mode solve is refused while ``PARADISK_FAST_TIER`` is set.

The suite sets it for every test not marked slow (tests/conftest.py), so the tier stays fast
and honest: a test that solves must say so. Outside the test suite the variable is never set.
"""

from __future__ import annotations

import os

FAST_TIER_ENV = "PARADISK_FAST_TIER"


class FastTierSolveError(RuntimeError):
    """A real solve was started in a test of the fast tier (mark the test slow)."""


def refuse_in_fast_tier(what: str) -> None:
    """Raise FastTierSolveError when the fast tier is on; ``what`` names the solve."""
    if os.environ.get(FAST_TIER_ENV, "") not in ("", "0"):
        raise FastTierSolveError(
            f"{what}: a real solve in a test not marked slow ({FAST_TIER_ENV} is set)"
        )
