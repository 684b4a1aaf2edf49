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
B^2 the correlation area and n0 (n^2 - 1) for n (1.56 against 1.6 at n = 1.6 in air). On a
sphere TE and TM scatter alike; on a disk they differ by where their field meets the surface:
a TM mode's normal field at the wall (outside, eps_in/eps_out times the inside one), a TE
mode's E_z normal to the top face, so wall and top roughness weigh them differently.

Limits: the Rayleigh limit overestimates the loss when k n0 L approaches 1 (the roughness
spectrum then cuts off the phase-matched directions; Borselli et al. keep that factor); the
radiation of a dipole on an interface is taken as in the homogeneous medium n0 (the
environment above the chip); first order in sigma (sigma << lambda / n).
"""

from __future__ import annotations

import math

import numpy as np

from solvers.losses.interfaces import InterfaceField


def surface_integral(f: InterfaceField) -> float:
    """Delta-eps-weighted surface integral (eps_in - eps_out)^2 S of the interface, um^2 times
    the |E|^2 scale."""
    d_eps = f.eps_in - f.eps_out
    ratio = f.eps_in / f.eps_out
    dens = d_eps**2 * (f.e_tan2 + ratio * f.e_norm_in2)
    return float(np.sum(dens * f.points.area_weights_um2))


def roughness_inverse_q(
    f: InterfaceField,
    total_energy: float,
    wavelength_nm: float,
    rms_nm: float,
    correlation_nm: float,
    n_scatter: float,
) -> float:
    """1/Q of the scattering by one rough interface (model in the module docstring).

    ``total_energy``: integral of e(eps)|E|^2 over the physical domain, um^3 on the scale of
    ``f``; ``n_scatter``: index n0 of the medium the light is scattered into.
    """
    if not total_energy > 0.0:
        raise ValueError("roughness_inverse_q: the mode has no electric energy")
    lam = wavelength_nm * 1e-3
    sigma = rms_nm * 1e-3
    area = math.pi * (correlation_nm * 1e-3) ** 2
    s = surface_integral(f)
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
