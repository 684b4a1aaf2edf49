"""Exact resonances of a dielectric sphere (Mie theory) and the FEM solver checked against them.

The sphere (index n, radius a, in vacuum) has, for angular number l, the characteristic
equations (psi_l(z) = z j_l(z), xi_l(z) = z h_l^(1)(z), x = k0 a, outgoing waves for the
exp(-i omega t) convention, so resonances have Im x < 0):

    TE (no radial E):   n psi_l'(n x) / psi_l(n x) = xi_l'(x) / xi_l(x)
    TM (no radial H):   psi_l'(n x) / (n psi_l(n x)) = xi_l'(x) / xi_l(x)

(Bohren & Huffman, Absorption and Scattering of Light by Small Particles, sec. 4.4; the poles
of the Mie coefficients b_l and a_l). The roots are found by a complex secant iteration started
from the Airy-zero asymptotics of Lam et al., J. Opt. Soc. Am. B 9, 1585 (1992).
A mode with azimuthal number m and l = m + q has axial order q (q nodes along the polar angle).
"""

from __future__ import annotations

import math

import pytest
from scipy.special import spherical_jn, spherical_yn

from geometry.bodies import Coating, Sphere, Surroundings
from solvers.fem import FemSettings, find_modes

# FEM solves of spheres: the slow tier
pytestmark = pytest.mark.slow

AIRY_ZEROS = (2.338107410459767, 4.087949444130971, 5.520559828095551, 6.786708090071759)


def _log_derivatives(l_: int, z: complex) -> tuple[complex, complex]:
    """psi_l'(z)/psi_l(z) and xi_l'(z)/xi_l(z) for complex z."""
    j = spherical_jn(l_, z)
    jp = spherical_jn(l_, z, derivative=True)
    yv = spherical_yn(l_, z)
    yp = spherical_yn(l_, z, derivative=True)
    h, hp = j + 1j * yv, jp + 1j * yp
    return (j + z * jp) / (z * j), (h + z * hp) / (z * h)


def mie_characteristic(x: complex, l_: int, n: float, pol: str) -> complex:
    """Residual of the TE/TM characteristic equation at size parameter x = k0 a."""
    dpsi, _ = _log_derivatives(l_, n * x)
    _, dxi = _log_derivatives(l_, x)
    if pol == "TE":
        return n * dpsi - dxi
    return dpsi / n - dxi


def mie_resonance(radius_um: float, n: float, l_: int, pol: str, radial: int = 1) -> complex:
    """Complex resonance wavenumber k0 (1/um) of a sphere in vacuum (Im k0 < 0)."""
    nu = l_ + 0.5
    p = n if pol == "TE" else 1.0 / n
    a_s = AIRY_ZEROS[radial - 1]
    nx = (nu + 2 ** (-1 / 3) * a_s * nu ** (1 / 3) - p / math.sqrt(n * n - 1)
          + 3 / 10 * 2 ** (-2 / 3) * a_s**2 * nu ** (-1 / 3))
    x0 = complex(nx / n)
    x1 = x0 * (1 + 1e-4)
    f0, f1 = mie_characteristic(x0, l_, n, pol), mie_characteristic(x1, l_, n, pol)
    for _ in range(100):
        x2 = x1 - f1 * (x1 - x0) / (f1 - f0)
        x0, f0 = x1, f1
        x1, f1 = x2, mie_characteristic(x2, l_, n, pol)
        if abs(x1 - x0) < 1e-15 * abs(x1):
            break
    return x1 / radius_um


def test_mie_solver_matches_known_asymptotics_and_residual() -> None:
    k = mie_resonance(2.0, 1.6, 20, "TE")
    x = k * 2.0
    assert abs(mie_characteristic(x, 20, 1.6, "TE")) < 1e-9
    assert x.imag < 0.0
    # TM lies to the blue of TE for the same l (smaller polarization shift P = 1/n)
    assert mie_resonance(2.0, 1.6, 20, "TM").real > k.real
    # Q grows with l
    q = [mie_resonance(2.0, 1.6, ll, "TE") for ll in (15, 20, 25)]
    qs = [kk.real / (-2 * kk.imag) for kk in q]
    assert qs[0] < qs[1] < qs[2]


# --- the finite-element solver against the exact resonances -------------------------------



def _wavelength_q(k0: complex) -> tuple[float, float]:
    return 2.0 * math.pi / k0.real * 1e3, k0.real / (-2.0 * k0.imag)


def _check_against_mie(radius: float, n: float, m: int, settings: FemSettings | None = None):
    exact = {p: _wavelength_q(mie_resonance(radius, n, m, p)) for p in ("TE", "TM")}
    window = (exact["TM"][0] - 3.0, exact["TE"][0] + 3.0)
    recs = find_modes(Sphere(radius_um=radius, index=n), m=m, window_nm=window,
                      settings=settings)
    by_pol = {r.polarization: r for r in recs if r.radial_order == 1 and r.axial_order == 0}
    assert set(by_pol) == {"TE", "TM"}, [(r.polarization, r.radial_order, r.axial_order)
                                         for r in recs]
    for pol, (lam, q) in exact.items():
        rec = by_pol[pol]
        assert abs(rec.wavelength_nm - lam) / lam <= 1e-6, (pol, rec.wavelength_nm, lam)
        assert abs(rec.Q - q) / q <= 0.02, (pol, rec.Q, q)
    return by_pol


def test_fem_sphere_matches_mie_fundamental_te_and_tm() -> None:
    by_pol = _check_against_mie(2.0, 1.6, 20)
    te = by_pol["TE"]
    assert te.m == 20 and te.solver == "fem"
    assert te.film_fraction == 0.0  # no coating
    # the azimuthal phase index at the rim lies between the outside and inside indices
    assert 1.0 < te.effective_index < 1.6
    assert te.mode_volume_um3 is not None and 0.0 < te.mode_volume_um3 < 4 / 3 * math.pi * 8
    assert te.Q_absorption == math.inf  # nothing absorbs
    assert te.field_rz is not None and te.field_rz.intensity.max() == pytest.approx(1.0)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("radius", "n", "m", "h_rim"),
    [(2.5, 1.45, 30, 0.5), (3.0, 1.6, 38, 0.5), (4.0, 1.45, 44, 0.5), (1.5, 2.0, 16, 0.35)],
)
def test_fem_sphere_matches_mie_several_radii_and_m(
    radius: float, n: float, m: int, h_rim: float
) -> None:
    # (3.0, 1.6, 38): radiation Q ~ 1e7 (TE 1.29e7, TM 8.7e6). The small high-index sphere
    # (rim curvature radius 3 local wavelengths) needs a finer outline than the default 0.5.
    _check_against_mie(radius, n, m, FemSettings(h_rim=h_rim))


@pytest.mark.slow
def test_fem_identifies_axial_and_radial_orders_as_mie() -> None:
    radius, n, m = 2.0, 1.6, 20
    exact = {
        ("TE", 1, 0): _wavelength_q(mie_resonance(radius, n, m, "TE")),
        ("TM", 1, 0): _wavelength_q(mie_resonance(radius, n, m, "TM")),
        ("TE", 1, 1): _wavelength_q(mie_resonance(radius, n, m + 1, "TE")),
        ("TE", 2, 0): _wavelength_q(mie_resonance(radius, n, m, "TE", radial=2)),
    }
    lo = min(v[0] for v in exact.values()) - 3.0
    hi = max(v[0] for v in exact.values()) + 3.0
    recs = find_modes(Sphere(radius_um=radius, index=n), m=m, window_nm=(lo, hi),
                      max_radial_order=2, max_axial_order=1, nev=10)
    got = {(r.polarization, r.radial_order, r.axial_order): r for r in recs}
    for key, (lam, _) in exact.items():
        assert key in got, (key, sorted(got))
        assert abs(got[key].wavelength_nm - lam) / lam < 1e-5, (key, got[key].wavelength_nm, lam)


def test_fem_rim_truncation_does_not_move_the_answer() -> None:
    body = Sphere(radius_um=3.0, index=1.6)
    full = find_modes(body, m=38, window_nm=(675.0, 695.0), settings=FemSettings(truncate=False))
    cut = find_modes(body, m=38, window_nm=(675.0, 695.0), settings=FemSettings(truncate=True))
    assert cut[0].extra["r_in_um"] > 1.0  # the cut removed most of the sphere
    assert full[0].extra["r_in_um"] == 0.0
    assert cut[0].extra["ndof"] < full[0].extra["ndof"]
    # the two meshes differ, so the answers differ by the discretisation error (< 1e-6), not
    # by the truncation (the field at the cut is exp(-18) of its value at the caustic)
    for a, b in zip(full, cut, strict=True):
        assert a.polarization == b.polarization
        assert abs(a.wavelength_nm - b.wavelength_nm) / a.wavelength_nm < 5e-7
        assert abs(a.Q - b.Q) / a.Q < 0.01
        lam, _ = _wavelength_q(mie_resonance(3.0, 1.6, 38, b.polarization))
        assert abs(b.wavelength_nm - lam) / lam < 1e-6


def test_fem_coating_pulls_energy_into_film_and_redshifts() -> None:
    def te(thickness: float | None) -> object:
        coat = None if thickness is None else Coating(thickness_um=thickness, index=1.8)
        body = Sphere(radius_um=2.0, index=1.6, surroundings=Surroundings(coating=coat))
        recs = find_modes(body, m=20, window_nm=(800.0, 880.0), polarizations=("TE",))
        return next(r for r in recs if r.radial_order == 1 and r.axial_order == 0)

    bare, thin, thick = te(None), te(0.02), te(0.05)
    assert bare.film_fraction == 0.0
    assert 0.0 < thin.film_fraction < thick.film_fraction < 0.5
    assert bare.wavelength_nm < thin.wavelength_nm < thick.wavelength_nm
