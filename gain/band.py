"""The gain band of a film: the wavelengths where a cavity can lase at all, and how close a
lasing mode sits to the edge of a solver window.

A mode of wavelength lambda, total Q and film fraction Gamma lases only where the most Eq. 5
gain the pump can give, max over 0 <= N <= N_reach of g(lambda, N) / (C sigma_0), reaches
1 / (Gamma K) with K = lambda Q C sigma_0 / (2 pi n_f) (gain.threshold). ``gain_band_nm`` gives
the wavelengths where that holds for the best cavity the spec allows: its Q at most the spec's
``intrinsic_Q`` (the total Q never exceeds it) and Gamma at most 1 (every mode has Gamma < 1).
Those are upper bounds, so a mode outside the band cannot lase in any disk of the spec: the
default solver window spans it.

A window that cuts the band (given explicitly) can hide the lasing mode: the solver finds only
the modes inside it. ``window_edge_warning`` flags a disk whose lasing mode lies within one
free spectral range of an edge, where a mode just outside the window may have a lower
threshold.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gain.film import NanocrystalFilm, PumpSettings
from gain.materials import HC_EV_NM
from gain.spectra import GainCoefficients, gain_coefficients
from gain.threshold import NM_TO_CM

# Q of the best cavity when the spec sets no intrinsic_Q. ASSUMPTION: SU8 absorbs ~1/cm at
# 630 nm, which alone limits a disk's Q to ~1e5 (the spec's intrinsic_Q field says the same).
UNBOUNDED_Q = 1.0e5
# grid of the band search, nm (the band edges are rounded outward to it)
BAND_STEP_NM = 0.5


def max_gain_within(coeffs: GainCoefficients, N_max: float) -> NDArray[np.float64]:
    """The most g / (C sigma_0) reaches at each wavelength for 0 <= N <= N_max (per particle).

    Per site, f(n) = (c - h) + exp(-n) (alpha + beta n) has one extremum, at
    n* = 1 - alpha / beta (gain.threshold): its maximum on [0, n_max] is at 0, at n_max or at
    n* when that lies inside and is a maximum (beta > 0).
    """
    if not N_max > 0:
        raise ValueError(f"N_max = {N_max}: must be > 0")
    n_max = N_max / coeffs.sites
    f = coeffs.normalized_gain
    a, b, c, h = np.broadcast_arrays(coeffs.a, coeffs.b, coeffs.c, coeffs.h)
    alpha, beta = a - c, b - c
    with np.errstate(divide="ignore", invalid="ignore"):
        n_star = 1.0 - alpha / beta
    inside = (beta > 0) & (n_star > 0) & (n_star < n_max)
    n_s = np.where(inside, n_star, 0.0)
    at_star = np.where(inside, (c - h) + np.exp(-n_s) * (alpha + beta * n_s), -np.inf)
    return np.maximum(np.maximum(f(0.0), f(N_max)), at_star)


def gain_band_nm(film: NanocrystalFilm, pump: PumpSettings, intrinsic_Q: float | None,
                 ) -> tuple[float, float] | None:
    """(lo, hi) nm where the best cavity of the spec can lase (module docstring); None when it
    can lase nowhere. Searched over +-6 linewidths around the emission peak (the Gaussian line
    is 1e-8 of its peak there), edges rounded outward to BAND_STEP_NM."""
    material = film.resolved_material
    q = UNBOUNDED_Q if intrinsic_Q is None else float(intrinsic_Q)
    n_reach = float(pump.N_from_fluence(pump.max_fluence_uJ_per_cm2, material))
    e0, fw = material.emission_peak_eV, 6.0 * material.linewidth_fwhm_meV * 1e-3
    span = fw + material.stokes_shift_eV + abs(material.xx_splitting_eV)
    lo = math.floor(HC_EV_NM / (e0 + span) / BAND_STEP_NM) * BAND_STEP_NM
    hi = math.ceil(HC_EV_NM / max(e0 - span, 0.1) / BAND_STEP_NM) * BAND_STEP_NM
    lam = np.arange(lo, hi + BAND_STEP_NM / 2, BAND_STEP_NM)
    gmax = max_gain_within(gain_coefficients(material, lam), n_reach)
    K = lam * NM_TO_CM * q * film.sigma0_C_per_cm / (2.0 * math.pi * film.refractive_index)
    ok = np.flatnonzero(gmax >= 1.0 / K)
    if ok.size == 0:
        return None
    # one grid step beyond the last wavelength that can lase, on each side
    return (float(lam[max(ok[0] - 1, 0)]), float(lam[min(ok[-1] + 1, lam.size - 1)]))


def free_spectral_range_nm(modes: Sequence[Mapping[str, Any]], index: int) -> float:
    """The spacing (nm) between mode ``index`` of a disk's mode records (m, wavelength_nm,
    optional polarization and radial_order) and its neighbours of the same family (same
    polarization and radial order, m +- 1), averaged; without one, lambda / m (nan for m = 0)."""
    me = modes[index]

    def family(r: Mapping[str, Any]) -> bool:
        return all(r.get(k) == me.get(k) for k in ("polarization", "radial_order"))

    near = [abs(float(r["wavelength_nm"]) - float(me["wavelength_nm"])) for r in modes
            if abs(int(r["m"]) - int(me["m"])) == 1 and family(r)]
    if near:
        return float(np.mean(near))
    return float(me["wavelength_nm"]) / int(me["m"]) if int(me["m"]) > 0 else math.nan


def window_edge_warning(wavelength_nm: float, fsr_nm: float,
                        window_nm: tuple[float, float]) -> str:
    """A sentence when the lasing mode lies within one free spectral range of a window edge
    (a mode beyond the edge, not solved, may have a lower threshold); "" otherwise."""
    lo, hi = window_nm
    if not math.isfinite(fsr_nm):
        return ""
    for edge, side in ((lo, "blue"), (hi, "red")):
        gap = abs(wavelength_nm - edge)
        if gap < fsr_nm:
            return (f"lasing mode at {wavelength_nm:.2f} nm is {gap:.2f} nm from the window's "
                    f"{side} edge ({edge:g} nm), within one free spectral range "
                    f"({fsr_nm:.2f} nm): a mode beyond it may lase first; widen "
                    "solver.window_nm")
    return ""
