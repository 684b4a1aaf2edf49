"""The physical constants (geometry.constants) are the SI/CODATA values, and every package uses
the one definition."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from geometry import constants as c

ROOT = Path(__file__).resolve().parents[1]


def test_hc_is_the_codata_value():
    # CODATA 2018 (NIST): h c = 1239.841 984... eV nm, exact from the 2019 SI definitions
    assert pytest.approx(1239.841984, abs=1e-6) == c.HC_EV_NM
    assert pytest.approx(299792.458, rel=1e-15) == c.SPEED_OF_LIGHT_NM_THZ


def test_no_package_writes_its_own_copy_of_a_constant():
    """A second literal of h c or c drifts (two values of h c differing in the 9th digit once
    lived in solvers/ and gain/): only geometry/constants.py may spell them out."""
    pattern = re.compile(r"1239\.84|299792|2\.99792|6\.626|1\.602176")
    bad = []
    for package in ("geometry", "layouts", "solvers", "gain", "paradisk"):
        for path in sorted((ROOT / package).rglob("*.py")):
            if path == ROOT / "geometry" / "constants.py":
                continue
            for i, line in enumerate(path.read_text().splitlines(), 1):
                if pattern.search(line):
                    bad.append(f"{path.relative_to(ROOT)}:{i}: {line.strip()}")
    assert not bad, "\n".join(bad)
