"""The parabolic disk on gold of examples/qs3_array.yaml (with a 30 nm film, the case the figures
below were measured on): Meep and the FEM solver find the same fundamental modes (m, wavelength)
and film fractions.

Two tests:
- ``test_qs3_disk_meep_and_fem_agree_ci`` (slow, runs by default): the TE fundamental (the
  family with the larger film fraction, 0.054 against TM's 0.037) at m = 67, resolution 60,
  the axis-excluding cell (r from 0.6 R = 3 um, inside the caustic), 0.7 um PML + 0.5 um gap
  and a 60-period ring-down. Measured on one core (Meep 1.25): 653.8447 nm
  against the FEM's 653.7077 nm (+2.1e-4), film fraction 0.05534 against 0.05440 (+1.7 %),
  pixel-sum film fraction 0.05621 (+1.6 % of the perturbative one); 88,530 pixels, 12,936
  steps per run, two runs (Harminv, then film perturbation + DFT fields). The test takes 451 s
  alone on the otherwise idle machine (628 s at load average 3-5): above the ~6 min aimed at;
  resolution 60 is kept because the 5 % film-fraction check fails at 40.
- ``test_qs3_disk_meep_and_fem_agree`` (both families at the default PML and gap, ~40 min of
  Meep): only with PARADISK_FULL=1, the project's switch for full-length runs.

Measured earlier (m = 67, TM, default PML and gap): at resolution 40 Meep's wavelengths are
1.5e-3 below the FEM's and its film fractions 15 % low (a 30 nm film is 1.2 pixels); at 60 they
are 2.5e-4 above and 2.5-3.7 % high: the convergence is not monotonic, so no Richardson step
here, and the 5 % film-fraction check needs resolution 60 (it fails at 40).
"""

from __future__ import annotations

import math
import os

import pytest

from solvers.meep.settings import resolution_scale

full_only = pytest.mark.skipif(os.environ.get("PARADISK_FULL") != "1",
                               reason="~40 min of Meep: set PARADISK_FULL=1")

M = 67  # the smallest disk's mode in the 620-660 nm window (found by the FEM scan)


# the CI run's wavelength tolerance: 2.4x the measured 2.1e-4 at resolution 60, growing as
# 1/scale^2 under PARADISK_MEEP_RESOLUTION_SCALE (the Yee error is O(dx^2))
CI_WAVELENGTH_TOL = 5e-4


def recorded_case(example_spec_path):
    """The example spec with the 30 nm film of the recorded figures above."""
    import yaml

    from paradisk.spec import spec_from_dict

    data = yaml.safe_load(example_spec_path.read_text())
    data["nanocrystals"]["thickness_nm"] = 30.0
    return spec_from_dict(data, "QS3 case", base_dir=example_spec_path.parent)


@pytest.mark.slow
def test_qs3_disk_meep_and_fem_agree_ci(example_spec_path):
    from solvers.fem import find_modes as fem_modes
    from solvers.meep import find_modes as meep_modes

    spec = recorded_case(example_spec_path)
    body = spec.disks()[0].body
    window = (620.0, 660.0)
    fem = fem_modes(body, m=M, window_nm=window, polarizations=("TE", "TM"),
                    settings=spec.solver.fem)
    ref = [r for r in fem if r.polarization == "TE"]
    assert len(ref) == 1, [(r.polarization, r.wavelength_nm) for r in fem]
    ref_te = ref[0]
    meep = meep_modes(body, m=M, window_nm=window, polarizations=("TE",), resolution=60.0,
                      exclude_axis=True, pml_um=0.7, gap_um=0.5, q_target=1e4,
                      min_ringdown_periods=60.0, progress=False,
                      max_radial_order=2, max_axial_order=1)
    twins = [r for r in meep if r.polarization == "TE" and r.m == M]
    assert twins, f"Meep misses the FEM's TE mode at {ref_te.wavelength_nm} nm: {meep}"
    r = min(twins, key=lambda r: abs(r.wavelength_nm - ref_te.wavelength_nm))
    # both solvers read the orders with solvers.orders: the same mode gets the same label
    # (Meep keeps orders up to (2, 1) here, so a different label would show, not be filtered)
    assert (r.radial_order, r.axial_order) == (ref_te.radial_order, ref_te.axial_order) == (1, 0)
    tol = CI_WAVELENGTH_TOL / min(resolution_scale(), 1.0) ** 2
    assert abs(r.wavelength_nm - ref_te.wavelength_nm) / ref_te.wavelength_nm < tol
    assert r.film_fraction == pytest.approx(ref_te.film_fraction, rel=0.05)
    # the pixel sum of the DFT field, weighted by eps at the mode's frequency (measured +1.6 %
    # of the perturbative value; with Meep's f = 0 eps, the SU8 weight 1.07 instead of 2.52
    # would make it ~2x too large)
    assert r.extra["film_fraction_dft"] == pytest.approx(r.film_fraction, rel=0.10)
    assert 0.9 < r.extra["body_fraction"] < 1.0


@pytest.mark.slow
@full_only
def test_qs3_disk_meep_and_fem_agree(example_spec_path):
    from solvers.fem import find_modes as fem_modes
    from solvers.meep import find_modes as meep_modes

    spec = recorded_case(example_spec_path)
    body = spec.disks()[0].body
    window = (620.0, 660.0)
    fem = fem_modes(body, m=M, window_nm=window, polarizations=("TE", "TM"),
                    settings=spec.solver.fem)
    meep = meep_modes(body, m=M, window_nm=window, resolution=60.0, exclude_axis=True,
                      q_target=1e4, progress=False)
    assert fem and meep
    # resolution 60 (24 pixels per wavelength in SU8): the Yee error is a few 1e-4
    tol = 5e-4 / resolution_scale() ** 2
    for ref in fem:
        twins = [r for r in meep if r.polarization == ref.polarization and r.m == ref.m]
        assert twins, f"Meep misses the FEM's {ref.polarization} mode at {ref.wavelength_nm}"
        r = min(twins, key=lambda r: abs(r.wavelength_nm - ref.wavelength_nm))
        assert abs(r.wavelength_nm - ref.wavelength_nm) / ref.wavelength_nm < tol
        assert r.film_fraction == pytest.approx(ref.film_fraction, rel=0.05)
        if ref.Q < 1e5:
            assert math.isfinite(r.Q) and pytest.approx(ref.Q, rel=0.10) == r.Q
