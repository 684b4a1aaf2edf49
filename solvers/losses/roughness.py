"""Scattering by surface roughness: the volume-current method in the Rayleigh limit.

Model (the volume-current approach of M. Borselli, T. J. Johnson and O. Painter, "Beyond the
Rayleigh scattering limit in high-Q silicon microdisks: theory and experiment", Opt. Express
13, 1515 (2005), sec. 3, applied to a two-dimensional rough surface; the same picture of
roughness as small dipoles radiating incoherently as M. L. Gorodetsky, A. D. Pryamikov and
V. S. Ilchenko, "Rayleigh scattering in high-Q microspheres", J. Opt. Soc. Am. B 17, 1051
(2000)). A surface displaced by a random height delta (rms sigma, Gaussian correlation of
length L, correlation area A_c = pi L^2) along its normal holds the polarization of the
displaced sliver, p / (eps0 dA) = delta (eps_in - eps_out) E_eff, with E_eff = E_t for the
tangential field and, for the normal one, the symmetric choice of S. G. Johnson et al.,
Phys. Rev. E 65, 066611 (2002) (perturbation with shifted boundaries):
|E_eff,n|^2 = |D_n|^2 / (eps0^2 eps_in eps_out) = (eps_in / eps_out) |E_n,in|^2. In the Rayleigh
limit (k n0 L << 1: patches radiate independently) each patch radiates as a dipole in the
surrounding medium of index n0, P = n0 omega^4 |p|^2 / (12 pi eps0 c^3). With the stored energy
omega W = (omega eps0 / 2) integral e(eps)|E|^2 dV:

    1/Q_roughness = 4 pi^2 n0 sigma^2 A_c (eps_in - eps_out)^2 S / (3 lambda^3 W),
    S = integral over the interface of (|E_t|^2 + (eps_in/eps_out) |E_n,in|^2) dA.

Sphere (radius a, index n, in vacuum): (eps - 1) S is the boundary integral of the
shifted-boundary formula of Johnson et al., and a uniform scaling of the sphere scales the
wavelength (d ln omega / d ln a = -1), so W / S = a (eps - 1) / 2 exactly, for TE and TM modes
alike, and Q = 3 lambda^3 a / (8 pi^2 n0 (n^2 - 1) A_c sigma^2): the form
Q_ss ~ 3 lambda^3 a / (8 n pi^2 B^2 sigma^2) quoted from Gorodetsky et al. (PHYSICS.md), with
B^2 the correlation area and n0 (n^2 - 1) for n (1.56 against 1.6 at n = 1.6 in air; 1.10
against 1.45 for silica: the quoted estimate's index factor is not this model's). On a
sphere TE and TM scatter alike.

Which polarization a face scatters more. For each interface on its own, (eps_in - eps_out) S =
2 W d ln(lambda)/dh, h a uniform outward shift of that interface (the same shifted-boundary
formula), so in the Rayleigh limit

    1/Q_interface = 8 pi^2 n0 sigma^2 A_c (eps_in - eps_out) (d ln lambda / dh) / (3 lambda^3):

a face scatters a mode as strongly as moving the face moves the mode's wavelength (within
2.1 % on the film of the example's 10 um disk, against two solves at film thickness +- 2 nm:
tests/test_losses_roughness_polarization.py). The normal field's eps_in/eps_out weight alone
does not decide: just inside the surface a mode's normal field is itself small. FEM, the
example's disks (examples/qs3_array.yaml, 10-30 um, 5 um tall), TE = E_z along the wall and
normal to the top, TM = E_r (solvers/modes.py), ratios TE/TM of 1/Q in the Rayleigh limit (the
Gaussian spectrum, L = 100 nm, within 6 % of them):

- bare disks: wall 0.98-1.01, top 0.98-1.03. Both fundamentals sit in the same corner and
  follow the faces alike. At the wall TM's normal-field term is 0.45 of TE's tangential one
  (10 um disk; about eps_out/eps_in), and TM's E_phi, tangential, gives the rest. On a thin
  disk the faces do weigh them differently (1 um tall cylinder, R = 3 um: wall 0.98, top
  1.28: TE, its E_z normal to the faces, is the less confined in height and feels the height
  more);
- coated disks (80 nm film, n = 1.8, over SU8, n = 1.59): "wall" and "top" are the buried
  SU8/film interfaces, wall 2.2-2.7, top 0.25-0.36 (TM/TE 2.8-4.1); the film's outer surface
  on the wall 1.6-2.0, on the top 0.34-0.47. Across a thin film E_t and D_n carry over, and a
  buried interface weighs the tangential field by (eps_f - eps_s)^2 but the normal one by
  (eps_f - eps_s)^2 / (eps_s eps_f): against the tangential field, eps_f times less than at
  the bare surface; a high-index film also holds a field along it (eps_f |E_t|^2) more than one
  across it (|D_n|^2 / eps_f). So a coated face scatters more the polarization whose field lies
  along it: TE from the wall, TM from the top. The film draws the field to the surface: the
  buried wall still scatters TE about as much as the bare wall does (0.8x on the 10 um disk).

Finite correlation length (``spectrum="gaussian"``, the default): a patch radiates into the
direction s (unit vector, medium n0) only the part of the roughness spectrum that bridges the
mode's own in-plane wavevector, beta = m / r along phi, and the in-plane part of the radiated
wavevector, k n0 s_par (the phase-matching that Borselli et al. keep through the roughness
spectrum). For the Gaussian correlation the spectrum is pi L^2 exp(-q^2 L^2 / 4), so each
dipole component a (phi, the in-plane tangent t, the normal n) is weighted by

    F_a = (3 / 8 pi) integral dOmega (1 - s_a^2) exp(-((k n0 s_phi - beta)^2 + (k n0 s_t)^2)
                                                      L^2 / 4)

(1 in the Rayleigh limit L -> 0; cross terms between components integrate to zero by
symmetry). The field's own variation along t (the wall's height, ~1 um) is taken slow next to
L. ``spectrum="rayleigh"`` sets F = 1 (the formula above, an upper bound).

Limits: the radiation of a dipole on an interface is taken as in the homogeneous medium n0
(the environment above the chip); first order in sigma (sigma << lambda / n); no
multiple scattering or coherent backscattering (mode splitting) is modelled. The interfaces
are rough independently: a film that replicates the wall's roughness (both its surfaces
displaced alike) is not modelled; its two slivers would add coherently (for the tangential
field (eps_s - eps_f) + (eps_f - 1) = eps_s - 1: one SU8/air sliver). Estimated so, in the
thin-film limit with the field on the film's outer surface, a replicated 15 nm wall of the
example's 10 um disk (m = 70) would give Q 4.0e3 (TE) / 5.7e3 (TM) against 8.7e3 / 2.0e4 for the
buried wall alone (Gaussian, L = 100 nm).
"""

from __future__ import annotations

import math

import numpy as np

from solvers.losses.interfaces import InterfaceField

# quadrature over the sphere of directions: Gauss-Legendre in cos(theta) about the normal,
# uniform in the azimuth psi; 24 x 48 nodes reach 1e-6 for k n0 L / 2 and beta L / 2 below 3
_MU, _W_MU = np.polynomial.legendre.leggauss(24)
_PSI = (np.arange(48) + 0.5) * 2.0 * np.pi / 48
_SIN = np.sqrt(1.0 - _MU**2)
_S_PHI = (_SIN[:, None] * np.cos(_PSI)[None, :]).ravel()
_S_T = (_SIN[:, None] * np.sin(_PSI)[None, :]).ravel()
_S_N = np.repeat(_MU, _PSI.size)
_W = np.repeat(_W_MU, _PSI.size) * (2.0 * np.pi / _PSI.size)


def spectral_factors(a: float, b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(F_phi, F_t, F_n) of the module docstring for a = k n0 L / 2 and each b = beta L / 2."""
    b = np.atleast_1d(np.asarray(b, dtype=float))
    g = np.exp(-((a * _S_PHI[None, :] - b[:, None]) ** 2) - (a * _S_T[None, :]) ** 2)
    c = 3.0 / (8.0 * np.pi)
    return tuple(c * (g * ((1.0 - s**2) * _W)[None, :]).sum(axis=1)
                 for s in (_S_PHI, _S_T, _S_N))  # type: ignore[return-value]


def _factors_on(a: float, b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """spectral_factors at many points, through 33 values of b (F is smooth in b)."""
    lo, hi = float(np.min(b)), float(np.max(b))
    if hi - lo < 1e-9 * max(hi, 1.0):
        f = spectral_factors(a, np.array([lo]))
        return tuple(np.full(b.shape, x[0]) for x in f)  # type: ignore[return-value]
    grid = np.linspace(lo, hi, 33)
    f = spectral_factors(a, grid)
    return tuple(np.interp(b, grid, x) for x in f)  # type: ignore[return-value]


def surface_integral(
    f: InterfaceField,
    factors: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
) -> float:
    """Delta-eps-weighted surface integral (eps_in - eps_out)^2 S of the interface, um^2 times
    the |E|^2 scale; with ``factors`` (F_phi, F_t, F_n per point) each component weighted."""
    d_eps = f.eps_in - f.eps_out
    normal = f.eps_in / f.eps_out * f.e_norm_in2
    if factors is None:
        dens = f.e_tan2 + normal
    else:
        e_phi2 = 0.5 * f.e_tan2 if f.e_phi2 is None else f.e_phi2
        f_phi, f_t, f_n = factors
        dens = f_phi * e_phi2 + f_t * (f.e_tan2 - e_phi2) + f_n * normal
    return float(np.sum(d_eps**2 * dens * f.points.area_weights_um2))


def roughness_inverse_q(
    f: InterfaceField,
    total_energy: float,
    wavelength_nm: float,
    rms_nm: float,
    correlation_nm: float,
    n_scatter: float,
    azimuthal_number: int | None = None,
    spectrum: str = "rayleigh",
) -> float:
    """1/Q of the scattering by one rough interface (model in the module docstring).

    ``total_energy``: integral of e(eps)|E|^2 over the physical domain, um^3 on the scale of
    ``f``; ``n_scatter``: index n0 of the medium the light is scattered into;
    ``spectrum``: "rayleigh" (L -> 0) or "gaussian" (finite L, needs ``azimuthal_number``).
    """
    if not total_energy > 0.0:
        raise ValueError("roughness_inverse_q: the mode has no electric energy")
    lam = wavelength_nm * 1e-3
    sigma = rms_nm * 1e-3
    ell = correlation_nm * 1e-3
    area = math.pi * ell**2
    factors = None
    if spectrum == "gaussian":
        if azimuthal_number is None:
            raise ValueError("roughness_inverse_q: spectrum 'gaussian' needs azimuthal_number")
        a = math.pi * n_scatter / lam * ell
        b = azimuthal_number / f.points.r_um * ell / 2.0
        factors = _factors_on(a, b)
    elif spectrum != "rayleigh":
        raise ValueError(f"spectrum = {spectrum!r}: must be 'rayleigh' or 'gaussian'")
    s = surface_integral(f, factors)
    return 4.0 * math.pi**2 * n_scatter * sigma**2 * area * s / (3.0 * lam**3 * total_energy)


def sphere_q_closed_form(
    wavelength_nm: float, radius_um: float, n_sphere: float, rms_nm: float,
    correlation_nm: float, n_scatter: float = 1.0,
) -> float:
    """This model's Q for any mode of a homogeneous sphere in vacuum (module docstring),
    Q = 3 lambda^3 a / (8 pi^2 n0 (n^2 - 1) A_c sigma^2), A_c = pi L^2 (lengths in um)."""
    lam = wavelength_nm * 1e-3
    area = math.pi * (correlation_nm * 1e-3) ** 2
    return 3.0 * lam**3 * radius_um / (
        8.0 * math.pi**2 * n_scatter * (n_sphere**2 - 1.0) * area * (rms_nm * 1e-3) ** 2
    )
