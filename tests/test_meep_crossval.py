"""Cross-validation of the Meep solver: a dielectric sphere against exact Mie theory and the FEM
solver (slow: real Meep runs at two resolutions).

Resolution: 40 and 60 pixels/um (Richardson pair) times PARADISK_MEEP_RESOLUTION_SCALE; the
wavelength tolerance is 1e-4 at scale 1 and grows as 1/scale^2 (the Yee error is O(dx^2)).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.special import spherical_jn, spherical_yn

from geometry.bodies import Sphere
from solvers.meep import find_modes
from solvers.meep.settings import resolution_scale

N, R, L = 2.0, 1.0, 10  # index, radius (um), angular number: Q ~ 1e3, lambda ~ 0.9 um
SPHERE = Sphere(radius_um=R, index=N, center_z_um=0.0)
WINDOW = (850.0, 1000.0)


def _mie_denominator(x: complex, pol: str) -> complex:
    """Pole condition of the Mie coefficients b_l (TE) / a_l (TM), size parameter x = k0 R."""
    def psi(z):
        return z * spherical_jn(L, z)

    def dpsi(z):
        return spherical_jn(L, z) + z * spherical_jn(L, z, derivative=True)

    def h(z):
        return spherical_jn(L, z) + 1j * spherical_yn(L, z)

    def dh(z):
        return (spherical_jn(L, z, derivative=True)
                + 1j * spherical_yn(L, z, derivative=True))

    def xi(z):
        return z * h(z)

    def dxi(z):
        return h(z) + z * dh(z)

    nx = N * x
    if pol == "TE":
        return psi(nx) * dxi(x) - N * xi(x) * dpsi(nx)
    return N * psi(nx) * dxi(x) - xi(x) * dpsi(nx)


def mie_mode(pol: str, guess_nm: float) -> tuple[float, float]:
    """(wavelength nm, Q) of the sphere's resonance near ``guess_nm`` (Newton, complex x)."""
    x = complex(2 * math.pi * R / (guess_nm * 1e-3))
    for _ in range(100):
        f = _mie_denominator(x, pol)
        d = (_mie_denominator(x + 1e-7, pol) - _mie_denominator(x - 1e-7, pol)) / 2e-7
        step = f / d
        x -= step
        if abs(step) < 1e-13:
            break
    return 2 * math.pi * R / x.real * 1e3, x.real / (-2.0 * x.imag)


def test_mie_helper_reproduces_known_roots():
    lam_te, q_te = mie_mode("TE", 920.0)
    lam_tm, q_tm = mie_mode("TM", 867.0)
    assert lam_te > lam_tm  # TE modes sit red of TM at the same l
    assert 1000 < q_te < 2000 and 500 < q_tm < q_te


@pytest.mark.slow
def test_sphere_meep_matches_mie_and_fem():
    scale = resolution_scale()
    tol = 1e-4 / scale**2
    recs = find_modes(
        SPHERE, m=L, window_nm=WINDOW, resolution=40.0, richardson=True, z_mirror=True,
        fields=False, q_target=1e3, min_ringdown_periods=60.0, pml_um=1.0, gap_um=1.2,
        progress=False,
    )
    by_pol = {r.polarization: r for r in recs}
    assert set(by_pol) == {"TE", "TM"}, [(r.polarization, r.wavelength_nm) for r in recs]
    for pol, rec in by_pol.items():
        lam, q = mie_mode(pol, rec.wavelength_nm)
        err = abs(rec.wavelength_nm - lam) / lam
        assert err < tol, (pol, rec.wavelength_nm, lam)
        assert pytest.approx(q, rel=0.10) == rec.Q
        # the disagreement shrinks with resolution: 60/um beats 40/um
        coarse = abs(rec.extra["wavelength_coarse_nm"] - lam)
        fine = abs(rec.extra["wavelength_fine_nm"] - lam)
        assert fine < 0.7 * coarse
    try:
        from solvers.fem import find_modes as fem_find_modes
    except ImportError:  # pragma: no cover - the FEM stack is part of the project's deps
        pytest.skip("FEM solver not importable")
    fem = fem_find_modes(SPHERE, m=L, window_nm=WINDOW, polarizations=("TE", "TM"))
    fem_by_pol = {r.polarization: r for r in fem if r.radial_order == 1}
    for pol, rec in by_pol.items():
        ref = fem_by_pol[pol]
        assert abs(rec.wavelength_nm - ref.wavelength_nm) / ref.wavelength_nm < tol
        assert pytest.approx(ref.Q, rel=0.10) == rec.Q
    assert np.isfinite([r.Q for r in recs]).all()
