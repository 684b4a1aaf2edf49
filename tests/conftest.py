"""Shared test fixtures: the example process and spec, and Agg plotting."""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")
os.environ.setdefault("OMP_NUM_THREADS", "1")

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE_SPEC = ROOT / "examples" / "qs3_array.yaml"


@pytest.fixture
def process():
    """The exposure process of examples/qs3_array.yaml (20 mg/mL absorber, w0 = 10 um)."""
    from geometry import Absorber, ExposureProcess

    return ExposureProcess(
        film_thickness_um=5.0,
        waist_um=10.0,
        threshold_dose_mJ_per_cm2=2150.0,
        power_uW=500.0,
        resin_absorption_per_um=0.01,
        absorber=Absorber(concentration_mg_per_mL=20.0, absorptivity_405_mL_per_mg_per_cm=5.0),
    )


@pytest.fixture
def example_spec_path() -> Path:
    return EXAMPLE_SPEC


# The fast tier (`make check`, -m "not slow") must not run a real mode solve: while a test that
# is not marked slow runs, PARADISK_FAST_TIER=1 makes every FEM or Meep solve raise (in this
# process and in any worker it starts), so an unmarked solver test fails instead of quietly
# making the fast tier slow.
@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    if item.get_closest_marker("slow") is None:
        os.environ["PARADISK_FAST_TIER"] = "1"
    else:
        os.environ.pop("PARADISK_FAST_TIER", None)
