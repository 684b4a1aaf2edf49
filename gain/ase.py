"""Amplified spontaneous emission of a nanocrystal solution pumped along a line (paper Eq. 1).

    I ~ I_sp Omega_coll + I_sp Omega_ASE * integral_0^L exp(dN sigma_em,XX C z) dz
      = I_sp [ Omega_coll + Omega_ASE (exp(G L) - 1) / G ],   G = dN sigma_em,XX C

dN = N_XX - N_X is the XX-X inversion at the end of the pulse (Poisson, gain.spectra) and
sigma_em,XX the peak XX-X emission cross-section, equal to the peak 0-X absorption sigma_0 in
Eq. 5 (degeneracy factor 1 for XX -> X against 2 for X -> 0; paper Eq. 4-5). I_sp is taken
proportional to the density of excited emitters C (1 - N_0) (arbitrary units). Omega_ASE = S/L^2
with S the cross-section of the illuminated line.

ASE threshold: the paper's criterion (p. 4) that the exponent reaches ~1,
``C sigma_em,XX dN L = exponent_at_threshold``. As dN <= 1 there is a minimum concentration
``C_min = exponent_at_threshold / (sigma_em,XX L)`` below which ASE is never seen.

That is the paper's simple form (Eq. 1, the XX-X line alone): its threshold cannot fall below
the N at which dN first becomes positive, and its line cannot move. The full model
(``ase_spectral``) takes the exponent from the whole Eq. 5 gain spectrum instead: the line
starts where ``max over lambda of g(lambda, N) L`` first reaches the threshold exponent, at the
wavelength of that maximum (paper p. 6 and its Fig. S10-S12: a higher concentration needs a
smaller gain, reached at a lower N and a longer wavelength, so the ASE threshold falls and the
line red-shifts with C). C_min is then ``exponent / (sigma_0 L g_max)`` with g_max the largest
normalised gain over N and wavelength.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray
from pydantic import BaseModel, ConfigDict, Field

from gain.lasing import max_normalized_gain
from gain.materials import NanocrystalMaterial
from gain.spectra import (
    default_wavelength_grid,
    gain_coefficients,
    inversion_xx_x,
    poisson_populations,
)
from gain.threshold import continuum_threshold


class AseGeometry(BaseModel):
    """Pump line in a cuvette and the collection optics (paper Methods: 3 mm cuvettes)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    # assumption: the line spans the 3 mm cuvette of the paper's Methods
    line_length_mm: float = Field(3.0, gt=0.0, le=100.0)
    # assumption: width of the cylindrical-lens focus of the pump line
    line_width_um: float = Field(100.0, gt=0.0, le=1.0e4)
    # assumption: solid angle in which the lens + multimode fibre collect spontaneous emission
    # from the line (the paper collects along the line, Methods)
    collection_solid_angle_sr: float = Field(2.0e-3, gt=0.0, le=4.0 * math.pi)
    # paper p. 4: ASE is detectable when the exponent is comparable to 1
    exponent_at_threshold: float = Field(1.0, gt=0.0, le=50.0)

    @property
    def line_length_cm(self) -> float:
        return self.line_length_mm * 0.1

    @property
    def ase_solid_angle_sr(self) -> float:
        """Omega_ASE = S / L^2 with S = pi (width/2)^2 the section of the line."""
        s_cm2 = math.pi * (self.line_width_um * 1e-4 / 2.0) ** 2
        return s_cm2 / self.line_length_cm**2


def _check_c(concentration_per_cm3: ArrayLike) -> NDArray[np.float64]:
    c = np.asarray(concentration_per_cm3, dtype=float)
    if np.any(~(c > 0)) or np.any(~np.isfinite(c)):
        raise ValueError("concentration_per_cm3 must be finite and > 0")
    return c


def ase_gain_per_cm(
    material: NanocrystalMaterial, concentration_per_cm3: ArrayLike, N: ArrayLike
) -> NDArray[np.float64]:
    """G = (N_XX - N_X) sigma_em,XX C (1/cm) for per-particle N (broadcasts with C)."""
    c = _check_c(concentration_per_cm3)
    dn = inversion_xx_x(np.asarray(N, dtype=float) / material.independent_sites)
    return dn * material.sigma0_reference_cm2 * c


def ase_intensity(
    material: NanocrystalMaterial,
    concentration_per_cm3: ArrayLike,
    N: ArrayLike,
    geometry: AseGeometry | None = None,
) -> NDArray[np.float64]:
    """Detected intensity of Eq. 1 (arbitrary units, I_sp = C (1 - N_0)); broadcasts C and N."""
    geo = geometry or AseGeometry()
    c = _check_c(concentration_per_cm3)
    n = np.asarray(N, dtype=float)
    n0, _, _ = poisson_populations(n / material.independent_sites)
    i_sp = c * (1.0 - n0)
    g = ase_gain_per_cm(material, c, n)
    L = geo.line_length_cm
    gl = g * L
    small = np.abs(gl) < 1e-8
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        integral = np.where(small, L * (1.0 + 0.5 * gl), np.expm1(gl) / np.where(small, 1.0, g))
    return i_sp * (geo.collection_solid_angle_sr + geo.ase_solid_angle_sr * integral)


def minimum_concentration_per_cm3(
    material: NanocrystalMaterial, geometry: AseGeometry | None = None
) -> float:
    """C_min = exponent / (sigma_em,XX L): below it ASE is never detectable (paper p. 4)."""
    geo = geometry or AseGeometry()
    return geo.exponent_at_threshold / (material.sigma0_reference_cm2 * geo.line_length_cm)


def ase_threshold_N(
    material: NanocrystalMaterial,
    concentration_per_cm3: ArrayLike,
    geometry: AseGeometry | None = None,
    N_max: float = 1.0e3,
) -> NDArray[np.float64]:
    """Per-particle N at which C sigma_em,XX (N_XX - N_X) L reaches the threshold exponent.

    inf when the concentration is below C_min (or the threshold lies beyond N_max).
    """
    geo = geometry or AseGeometry()
    c = _check_c(concentration_per_cm3)
    target = geo.exponent_at_threshold / (material.sigma0_reference_cm2 * c * geo.line_length_cm)
    sites = material.independent_sites
    # dN(n) = 1 - exp(-n)(1 + 2n) falls to its minimum at n = 1/2, then rises monotonically to 1
    lo = np.full_like(target, 0.5)
    hi = np.full_like(target, N_max / sites)
    reachable = inversion_xx_x(hi) >= target
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        up = inversion_xx_x(mid) >= target
        hi = np.where(up, mid, hi)
        lo = np.where(up, lo, mid)
        if np.all(hi - lo <= 1e-12 * hi):
            break
    return np.where(reachable, hi * sites, np.inf)


def ase_spectral(
    material: NanocrystalMaterial,
    concentration_per_cm3: ArrayLike,
    geometry: AseGeometry | None = None,
    wavelengths_nm: ArrayLike | None = None,
    N_max: float = 1.0e3,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """(threshold N, ASE wavelength nm) per concentration from the full Eq. 5 gain spectrum.

    The threshold is the smallest N at which ``g(lambda, N) L`` reaches the threshold exponent
    at some wavelength; the ASE line sits at that wavelength. inf and nan below C_min.
    """
    geo = geometry or AseGeometry()
    c = np.atleast_1d(_check_c(concentration_per_cm3))
    lam = default_wavelength_grid(material, 1601) if wavelengths_nm is None else np.asarray(
        wavelengths_nm, dtype=float)
    required = geo.exponent_at_threshold / (material.sigma0_reference_cm2 * c
                                            * geo.line_length_cm)
    return continuum_threshold(material, required, lam, N_max=N_max)


def minimum_concentration_spectral_per_cm3(
    material: NanocrystalMaterial,
    geometry: AseGeometry | None = None,
    wavelengths_nm: ArrayLike | None = None,
) -> float:
    """C_min of the full model: exponent / (sigma_0 L max over lambda and N of g/(C sigma_0))."""
    geo = geometry or AseGeometry()
    lam = default_wavelength_grid(material, 1601) if wavelengths_nm is None else np.asarray(
        wavelengths_nm, dtype=float)
    g_max = float(np.max(max_normalized_gain(gain_coefficients(material, lam))))
    if not g_max > 0:
        return math.inf
    return geo.exponent_at_threshold / (material.sigma0_reference_cm2 * geo.line_length_cm
                                        * g_max)
