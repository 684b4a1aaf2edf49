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

from scipy.special import spherical_jn, spherical_yn

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
