"""Electric energy of a mode and the quantities built on it (film fraction, mode volume).

One definition for both solvers (FEM and Meep), so that their film fractions compare.

Electric energy density (time-averaged, up to the common factor eps0/4):

    w_E(x) = e(eps) |E(x)|^2

with the energy weight e(eps) of the local permittivity eps = eps' + i eps'':

- dielectrics (eps' >= 1): e = eps' (Jackson, Classical Electrodynamics, 3rd ed., sec. 6.8;
  the dispersion of SU8 or glass changes e by < 1 % and is ignored);
- metals (eps' < 1): e = 2 - eps' = 1 + omega_p^2 / omega^2, the energy density
  Re d(omega eps)/d omega of a lossless Drude metal (Landau & Lifshitz, Electrodynamics of
  Continuous Media, sec. 80), which stays positive where eps' < 0.

Integrals are over the physical domain only (never over perfectly matched layers), with the
axisymmetric volume element dV = 2 pi r dr dz; callers pass quadrature weights that include it.

- ``film_fraction``: Gamma = integral over the nanocrystal film of w_E / integral of w_E over
  the whole physical domain (PHYSICS.md section 3: the modal gain is Gamma * g).
- ``mode_volume_um3``: V = integral of w_E / max(w_E) (Purcell's effective volume), in um^3 when
  the weights are in um^3.
"""

from __future__ import annotations

import numpy as np


def energy_weight(eps: np.ndarray | complex) -> np.ndarray:
    """Electric energy weight e(eps) (dimensionless, > 0) of each permittivity sample."""
    re = np.real(np.asarray(eps))
    return np.where(re >= 1.0, re, 2.0 - re)


def electric_energy_density(eps: np.ndarray, e_abs2: np.ndarray) -> np.ndarray:
    """w_E = e(eps) |E|^2 at each sample (units of |E|^2)."""
    return energy_weight(eps) * np.asarray(e_abs2, dtype=float)


def film_fraction(
    eps: np.ndarray, e_abs2: np.ndarray, weights: np.ndarray, in_film: np.ndarray
) -> float:
    """Fraction of the electric energy inside the film, in [0, 1].

    ``eps`` (complex permittivity), ``e_abs2`` (|E|^2 = |E_r|^2 + |E_phi|^2 + |E_z|^2) and
    ``weights`` (quadrature weights including the volume element, any unit) are samples over the
    physical domain; ``in_film`` is a boolean mask of the samples inside the film.
    """
    w = electric_energy_density(eps, e_abs2) * np.asarray(weights, dtype=float)
    total = float(np.sum(w))
    if not total > 0.0:
        raise ValueError("film_fraction: the field has no electric energy")
    return float(np.sum(w[np.asarray(in_film, dtype=bool)]) / total)


def mode_volume(eps: np.ndarray, e_abs2: np.ndarray, weights: np.ndarray) -> float:
    """Effective mode volume integral(w_E dV) / max(w_E), in the units of ``weights``."""
    wd = electric_energy_density(eps, e_abs2)
    peak = float(np.max(wd))
    if not peak > 0.0:
        raise ValueError("mode_volume: the field has no electric energy")
    return float(np.sum(wd * np.asarray(weights, dtype=float)) / peak)


def absorption_q(
    eps: np.ndarray,
    e_abs2: np.ndarray,
    weights: np.ndarray,
    h_abs2: np.ndarray | None = None,
) -> float:
    """Absorption-limited Q = omega W / P_abs (math.inf when nothing absorbs):

        W = (1/4) [ integral(w_E) + integral(|H|^2) ],  P_abs = (omega/2) integral(eps'' |E|^2)
        Q_abs = [ integral(w_E) + integral(|H|^2) ] / (2 integral(eps'' |E|^2))

    in units eps0 = mu0 = 1 (H = curl E / (i k0)). ``h_abs2`` are |H|^2 samples at the same
    points; without them the magnetic energy is taken equal to the electric one
    (equipartition at resonance), giving integral(w_E) / integral(eps'' |E|^2).
    """
    w = np.asarray(weights, dtype=float)
    e2 = np.asarray(e_abs2, dtype=float)
    electric = float(np.sum(electric_energy_density(eps, e2) * w))
    magnetic = electric if h_abs2 is None else float(np.sum(np.asarray(h_abs2) * w))
    lost = float(np.sum(np.clip(np.imag(np.asarray(eps)), 0.0, None) * e2 * w))
    return float("inf") if lost <= 0.0 else (electric + magnetic) / (2.0 * lost)
