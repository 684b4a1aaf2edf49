"""Lineic gain spectrum of a nanocrystal film (paper Eq. 5, PHYSICS.md section 4).

Populations at the end of a short pump pulse, N = mean number of photons absorbed per emitter
(Poisson statistics, three levels; higher multiexcitons relax into XX):

    N_0 = exp(-N),   N_X = N exp(-N),   N_XX = 1 - N_0 - N_X

Eq. 5 written in photon energy E (shifts in energy, see gain.materials):

    g(E) / C = - sigma_high(E) - s0(E) N_0 - 1/2 s0(E - D_XX) N_X + 1/2 s0(E + D_S) N_X
               + s0(E + D_S - D_XX) N_XX

with s0 the 0-X absorption cross-section spectrum. Because the populations enter linearly,
the normalised gain g / (C sigma_0) at one wavelength is ``a N_0 + b N_X + c N_XX - h`` with
four coefficients that depend on the wavelength only (``gain_coefficients``); everything
vectorised downstream (thresholds over millions of modes) relies on that.

For particles with several independent sites (platelets, see gain.materials) the populations
are those of one site with N / sites photons.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from gain.materials import NanocrystalMaterial, energy_eV
from geometry.constants import HC_EV_NM


def poisson_populations(
    N: ArrayLike,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """(N_0, N_X, N_XX) population fractions for N mean absorbed photons (N >= 0)."""
    n = np.asarray(N, dtype=float)
    if np.any(n < 0) or np.any(~np.isfinite(n)):
        raise ValueError("N (mean absorbed photons per nanocrystal) must be finite and >= 0")
    n0 = np.exp(-n)
    nx = n * n0
    nxx = -np.expm1(-n) - nx  # 1 - N0 - NX without cancellation at small N
    return n0, nx, np.maximum(nxx, 0.0)


@dataclass(frozen=True)
class GainCoefficients:
    """g / (C sigma_0) = a N_0 + b N_X + c N_XX - h at given wavelengths (dimensionless).

    a: 0 -> X absorption; b: X -> 0 stimulated emission minus X -> XX absorption;
    c: XX -> X stimulated emission; h: sigma_high (never bleached). ``sites`` is the number of
    independent emitters per particle: populations use N / sites.
    """

    a: NDArray[np.float64]
    b: NDArray[np.float64]
    c: NDArray[np.float64]
    h: NDArray[np.float64]
    sites: float

    def normalized_gain(self, N: ArrayLike) -> NDArray[np.float64]:
        """g / (C sigma_0) for per-particle N; N broadcasts against the wavelengths."""
        n0, nx, nxx = poisson_populations(np.asarray(N, dtype=float) / self.sites)
        return self.a * n0 + self.b * nx + self.c * nxx - self.h


def gain_coefficients(material: NanocrystalMaterial, wavelength_nm: ArrayLike) -> GainCoefficients:
    """The Eq. 5 coefficients (normalised by the reference sigma_0) at these wavelengths (nm)."""
    lam = np.asarray(wavelength_nm, dtype=float)
    if np.any(~np.isfinite(lam)) or np.any(lam <= 0):
        raise ValueError("wavelength_nm must be finite and > 0")
    e = energy_eV(lam)
    ds, dxx = material.stokes_shift_eV, material.xx_splitting_eV
    s = material.sigma0_at_energy
    ref = material.sigma0_reference_cm2
    a = -s(e) / ref
    b = 0.5 * (s(e + ds) - s(e - dxx)) / ref
    c = s(e + ds - dxx) / ref
    h = material.sigma_high_at_energy(e) / ref
    return GainCoefficients(a=a, b=b, c=c, h=h, sites=material.independent_sites)


def normalized_gain(
    material: NanocrystalMaterial, wavelength_nm: ArrayLike, N: ArrayLike
) -> NDArray[np.float64]:
    """g(lambda) / (C_NC sigma_0): paper Fig. 4a,b. wavelength and N broadcast together."""
    return gain_coefficients(material, wavelength_nm).normalized_gain(N)


def lineic_gain_per_cm(
    material: NanocrystalMaterial,
    concentration_per_cm3: float,
    wavelength_nm: ArrayLike,
    N: ArrayLike,
) -> NDArray[np.float64]:
    """Lineic gain g(lambda) of the film (1/cm) at N absorbed photons per nanocrystal."""
    if not concentration_per_cm3 > 0:
        raise ValueError("concentration_per_cm3 must be > 0")
    return (
        concentration_per_cm3
        * material.sigma0_reference_cm2
        * normalized_gain(material, wavelength_nm, N)
    )


def inversion_x0(N: ArrayLike) -> NDArray[np.float64]:
    """N_X - N_0 = exp(-N) (N - 1): X-0 population inversion (paper p. 3)."""
    n0, nx, _ = poisson_populations(N)
    return nx - n0


def inversion_xx_x(N: ArrayLike) -> NDArray[np.float64]:
    """N_XX - N_X: XX-X population inversion (paper p. 3, Eq. 1)."""
    _, nx, nxx = poisson_populations(N)
    return nxx - nx


def simple_transition_gains(N: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """The paper's simple argument (p. 3): spectrally separate, unshifted transitions.

    Returns (g_X0, g_XX) in units of sigma_em,X * C: g_X0 = N_X - N_0 and
    g_XX = 2 (N_XX - N_X), the factor 2 being the XX-X level degeneracy.
    """
    return inversion_x0(N), 2.0 * inversion_xx_x(N)


def gain_peak(
    material: NanocrystalMaterial, N: float, wavelengths_nm: ArrayLike
) -> tuple[float, float]:
    """(wavelength nm, normalised gain) of the gain maximum on a wavelength grid."""
    lam = np.asarray(wavelengths_nm, dtype=float)
    g = normalized_gain(material, lam, N)
    i = int(np.argmax(g))
    return float(lam[i]), float(g[i])


def default_wavelength_grid(material: NanocrystalMaterial, points: int = 801) -> NDArray:
    """Wavelengths (nm) covering the band edge: +-4 linewidths around the emission peak."""
    w = 4.0 * material.linewidth_fwhm_meV * 1e-3 + material.stokes_shift_eV
    e0 = material.emission_peak_eV
    e = np.linspace(e0 + w + abs(material.xx_splitting_eV), e0 - w, points)
    return HC_EV_NM / e
