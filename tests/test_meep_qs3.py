"""The parabolic disk on gold of examples/qs3_array.yaml: Meep and the FEM solver find the same
fundamental modes and film fractions (slow: ~10 min of Meep at resolution 40; runs only with
PARADISK_FULL=1, the project's switch for full-length runs, see pyproject's slow marker)."""

from __future__ import annotations

import math
import os

import pytest

from solvers.meep.settings import resolution_scale

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(os.environ.get("PARADISK_FULL") != "1",
                       reason="~10 min of Meep: set PARADISK_FULL=1"),
]

M = 67  # the smallest disk's mode in the 620-660 nm window (found by the FEM scan)


def test_qs3_disk_meep_and_fem_agree(example_spec_path):
    from paradisk.spec import load_spec
    from solvers.fem import find_modes as fem_modes
    from solvers.meep import find_modes as meep_modes

    spec = load_spec(example_spec_path)
    body = spec.disks()[0].body
    window = (620.0, 660.0)
    fem = fem_modes(body, m=M, window_nm=window, polarizations=("TE", "TM"),
                    settings=spec.solver.fem)
    meep = meep_modes(body, m=M, window_nm=window, resolution=40.0, exclude_axis=True,
                      q_target=1e4, progress=False)
    assert fem and meep
    # resolution 40 (16 pixels per wavelength in SU8): the Yee error is ~1e-3
    tol = 2e-3 / resolution_scale() ** 2
    for ref in fem:
        twins = [r for r in meep if r.polarization == ref.polarization and r.m == ref.m]
        assert twins, f"Meep misses the FEM's {ref.polarization} mode at {ref.wavelength_nm}"
        r = min(twins, key=lambda r: abs(r.wavelength_nm - ref.wavelength_nm))
        assert abs(r.wavelength_nm - ref.wavelength_nm) / ref.wavelength_nm < tol
        assert r.film_fraction == pytest.approx(ref.film_fraction, rel=0.05)
        if ref.Q < 1e5:
            assert math.isfinite(r.Q) and pytest.approx(ref.Q, rel=0.10) == r.Q
