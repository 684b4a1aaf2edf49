"""Optical permittivity of the materials named in geometry.bodies, at the mode's wavelength.

``permittivity(material, wavelength_nm)`` returns the relative permittivity eps = (n + i k)^2
with the physics sign convention exp(-i omega t): absorbing materials have Im(eps) > 0.
It is vectorised: a scalar wavelength gives a Python complex, an array gives a complex array of
the same shape.

``material`` is a real (or complex) refractive index, or one of these names (case-insensitive):

- "SU8" (aliases "SU-8", "su8"): uncured SU-8 2000, Cauchy n = A + B/lambda^2 + C/lambda^4 with
  lambda in um, A = 1.566, B = 0.00796 um^2, C = 0.00014 um^4 (MicroChem datasheet via
  refractiveindex.info; PHYSICS.md section 2). n(630 nm) = 1.587. The datasheet fit covers
  320-800 nm; 800-1100 nm is a Cauchy extrapolation (assumption: SU-8 is transparent and
  smoothly dispersive there). Cross-linked films are 0.005-0.015 higher (PHYSICS.md).
- "Au" ("gold"): P. B. Johnson and R. W. Christy, "Optical constants of the noble metals",
  Phys. Rev. B 6, 4370 (1972), Table 1 (n, k at photon energies 0.64-4.12 eV). n and k are
  interpolated linearly in wavelength between the tabulated points (as refractiveindex.info
  does), which gives eps(630 nm) = -11.55 + 1.28i (PHYSICS.md). Valid 301-1937 nm.
- "Ti" ("titanium"): the Lorentz-Drude model of A. D. Rakic, A. B. Djurisic, J. M. Elazar and
  M. L. Majewski, "Optical properties of metallic films for vertical-cavity optoelectronic
  devices", Appl. Opt. 37, 5271 (1998), Table 1 parameters for Ti (also the parameters of Meep's
  ``Ti``, so both solvers see the same metal). The paper fits 0.1-5 eV; we allow 250-2000 nm.
  Titanium data sets disagree strongly (PHYSICS.md), but 100 nm of gold hides the Ti.
- "glass" ("BK7"): Schott N-BK7 Sellmeier formula (Schott optical glass data sheet, N-BK7,
  B1..3 = 1.03961212, 0.231792344, 1.01046945; C1..3 = 0.00600069867, 0.0200179144,
  103.560653 um^2), valid 300-2500 nm. n(630 nm) = 1.515. The paper's substrate is a glass
  cover slip; BK7-like borosilicate is the assumption.
- "fused_silica" ("SiO2", "silica"): I. H. Malitson, J. Opt. Soc. Am. 55, 1205 (1965)
  Sellmeier, valid 210-3710 nm.
- "air" ("vacuum"): eps = 1 (the 3e-4 index excess of air is below every other uncertainty).
- "ligand" ("oleic_acid"): the organic host of a nanocrystal film, n = 1.459 (oleic acid at
  589 nm, CRC Handbook of Chemistry and Physics, physical constants of organic compounds),
  taken constant over 400-1100 nm (assumption: the dispersion of a transparent aliphatic
  liquid, ~0.01 over the range, is below the uncertainty of what the ligand shell really is).

Bulk absorption of the transparent materials (``extinction_coefficient``, the k of n + i k) is
kept apart from ``permittivity``: the solvers see these materials lossless and the loss budget
(solvers.losses) adds their absorption by perturbation, so that no loss is counted twice.

Unknown names and wavelengths outside a material's range raise ``MaterialError`` (a
ValueError) naming the material, the value and the allowed range.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from geometry.constants import HC_EV_NM

__all__ = [
    "MaterialError",
    "extinction_coefficient",
    "is_absorbing",
    "known_materials",
    "permittivity",
    "refractive_index",
    "valid_range_nm",
]

class MaterialError(ValueError):
    """Unknown material name, or a wavelength outside the material's data range."""


# Johnson & Christy 1972, Table 1, gold: photon energy (eV), n, k.
_JC_AU_EV_N_K = np.array(
    [
        [0.64, 0.92, 13.78],
        [0.77, 0.56, 11.21],
        [0.89, 0.43, 9.519],
        [1.02, 0.35, 8.145],
        [1.14, 0.27, 7.150],
        [1.26, 0.22, 6.350],
        [1.39, 0.17, 5.663],
        [1.51, 0.16, 5.083],
        [1.64, 0.14, 4.542],
        [1.76, 0.13, 4.103],
        [1.88, 0.14, 3.697],
        [2.01, 0.21, 3.272],
        [2.13, 0.29, 2.863],
        [2.26, 0.43, 2.455],
        [2.38, 0.62, 2.081],
        [2.50, 1.04, 1.833],
        [2.63, 1.31, 1.849],
        [2.75, 1.38, 1.914],
        [2.88, 1.45, 1.948],
        [3.00, 1.46, 1.958],
        [3.12, 1.47, 1.952],
        [3.25, 1.46, 1.933],
        [3.37, 1.48, 1.895],
        [3.50, 1.50, 1.866],
        [3.62, 1.48, 1.871],
        [3.74, 1.48, 1.883],
        [3.87, 1.54, 1.898],
        [3.99, 1.53, 1.893],
        [4.12, 1.53, 1.889],
    ]
)
# ascending wavelength for np.interp
_AU_WL_NM = (HC_EV_NM / _JC_AU_EV_N_K[:, 0])[::-1]
_AU_N = _JC_AU_EV_N_K[::-1, 1]
_AU_K = _JC_AU_EV_N_K[::-1, 2]

# Rakic et al. 1998, Table 1, titanium: plasma energy (eV), then (f_j, Gamma_j eV, omega_j eV)
# for the Drude term (j = 0, omega_0 = 0) and four Lorentz oscillators.
_RAKIC_TI_PLASMA_EV = 7.29
_RAKIC_TI_TERMS = (
    (0.148, 0.082, 0.0),
    (0.899, 2.276, 0.777),
    (0.393, 2.518, 1.545),
    (0.187, 1.663, 2.509),
    (0.001, 1.762, 19.43),
)


def _cauchy_su8(wl_nm: np.ndarray) -> np.ndarray:
    lam = wl_nm * 1e-3
    n = 1.566 + 0.00796 / lam**2 + 0.00014 / lam**4
    return (n**2).astype(complex)


def _sellmeier(
    b: tuple[float, ...], c_um2: tuple[float, ...]
) -> Callable[[np.ndarray], np.ndarray]:
    def eps(wl_nm: np.ndarray) -> np.ndarray:
        lam2 = (wl_nm * 1e-3) ** 2
        out = np.ones_like(lam2)
        for bi, ci in zip(b, c_um2, strict=True):
            out = out + bi * lam2 / (lam2 - ci)
        return out.astype(complex)

    return eps


def _jc_gold(wl_nm: np.ndarray) -> np.ndarray:
    n = np.interp(wl_nm, _AU_WL_NM, _AU_N)
    k = np.interp(wl_nm, _AU_WL_NM, _AU_K)
    return (n + 1j * k) ** 2


def _rakic_titanium(wl_nm: np.ndarray) -> np.ndarray:
    w = HC_EV_NM / wl_nm  # photon energy, eV
    wp2 = _RAKIC_TI_PLASMA_EV**2
    f0, g0, _ = _RAKIC_TI_TERMS[0]
    eps = 1.0 - f0 * wp2 / (w * (w + 1j * g0))
    for fj, gj, wj in _RAKIC_TI_TERMS[1:]:
        eps = eps + fj * wp2 / (wj**2 - w**2 - 1j * w * gj)
    return eps


def _air(wl_nm: np.ndarray) -> np.ndarray:
    return np.ones_like(wl_nm, dtype=complex)


def _ligand(wl_nm: np.ndarray) -> np.ndarray:
    return np.full(np.shape(wl_nm), 1.459**2, dtype=complex)


@dataclass(frozen=True)
class _Material:
    eps: Callable[[np.ndarray], np.ndarray]
    lo_nm: float
    hi_nm: float


_MATERIALS: dict[str, _Material] = {
    "su8": _Material(_cauchy_su8, 320.0, 1100.0),
    "au": _Material(_jc_gold, float(_AU_WL_NM[0]), float(_AU_WL_NM[-1])),
    "ti": _Material(_rakic_titanium, 250.0, 2000.0),
    "bk7": _Material(
        _sellmeier(
            (1.03961212, 0.231792344, 1.01046945), (0.00600069867, 0.0200179144, 103.560653)
        ),
        300.0,
        2500.0,
    ),
    "fused_silica": _Material(
        _sellmeier((0.6961663, 0.4079426, 0.8974794), (0.0684043**2, 0.1162414**2, 9.896161**2)),
        210.0,
        3710.0,
    ),
    "air": _Material(_air, 1.0, 1.0e6),
    "ligand": _Material(_ligand, 400.0, 1100.0),
}
_ALIASES = {
    "su8": "su8", "su-8": "su8", "su_8": "su8",
    "au": "au", "gold": "au",
    "ti": "ti", "titanium": "ti",
    "glass": "bk7", "bk7": "bk7", "n-bk7": "bk7",
    "fused_silica": "fused_silica", "fused silica": "fused_silica", "sio2": "fused_silica",
    "silica": "fused_silica",
    "air": "air", "vacuum": "air",
    "ligand": "ligand", "oleic_acid": "ligand", "oleic acid": "ligand",
}

# Bulk absorption of the transparent materials as a Napierian intensity attenuation
# coefficient alpha (1/cm), taken constant over the range of each material's data
# (k = alpha lambda / (4 pi) then grows with lambda). Sources:
# - su8 (cross-linked SU-8): ASSUMPTION 1 dB/cm (alpha = 0.23 /cm). Waveguides of cured SU-8
#   2005 lose 0.2-3 dB/cm at 800-1600 nm by cut-back, scattering included (M. Nordstrom,
#   D. A. Zauner, A. Boisen and J. Hubner, J. Lightwave Technol. 25, 1284 (2007)); cured SU-8
#   yellows toward the blue, so 1 dB/cm is taken for the 600-700 nm window. Q_material of an
#   SU-8 disk from it alone is ~7e5 at 630 nm, far above the paper's Q > 6,000.
# - bk7 (glass): Schott N-BK7 data sheet, internal transmittance tau_i(10 mm) ~ 0.998 from
#   500 to 700 nm (the lower end of the 0.998-0.999 listed there): alpha = -ln(0.998) / 1 cm.
# - fused_silica: ASSUMPTION 1e-5 /cm (4 dB/km, the Rayleigh-limited attenuation of silica
#   fibre near 630 nm; bulk absorption of pure silica is below it).
# - ligand (oleic-acid-like host): ASSUMPTION 0.1 /cm (aliphatic C-H overtones are the only
#   absorption of such liquids in the red; an upper bound, irrelevant next to the film's
#   few-per-cent energy fraction).
# - air: 0.
_BULK_ALPHA_PER_CM: dict[str, float] = {
    "su8": math.log(10.0) / 10.0 * 1.0,
    "bk7": -math.log(0.998),
    "fused_silica": 1.0e-5,
    "ligand": 0.1,
    "air": 0.0,
}


def known_materials() -> list[str]:
    """The material names ``permittivity`` accepts (aliases included), sorted."""
    return sorted(_ALIASES)


def _lookup(name: str) -> _Material:
    key = _ALIASES.get(name.strip().lower())
    if key is None:
        raise MaterialError(
            f"material = {name!r}: unknown name; use a refractive index (number) or one of "
            f"{', '.join(known_materials())}"
        )
    return _MATERIALS[key]


def valid_range_nm(material: float | complex | str) -> tuple[float, float]:
    """Wavelength range (nm) over which ``material``'s data are valid (numbers: any)."""
    if isinstance(material, str):
        m = _lookup(material)
        return (m.lo_nm, m.hi_nm)
    return (0.0, float("inf"))


def permittivity(
    material: float | complex | str, wavelength_nm: float | np.ndarray
) -> complex | np.ndarray:
    """Relative permittivity of ``material`` at ``wavelength_nm`` (vacuum wavelength, nm).

    A number is taken as a (possibly complex) refractive index n + i k, giving eps = (n+ik)^2.
    Returns a complex for a scalar wavelength, a complex array for an array.
    Raises MaterialError for unknown names or wavelengths outside the data range.
    """
    wl = np.asarray(wavelength_nm, dtype=float)
    if not np.all(np.isfinite(wl)) or np.any(wl <= 0.0):
        raise MaterialError(f"wavelength_nm = {wavelength_nm!r}: must be finite and > 0 nm")
    if isinstance(material, bool):
        raise MaterialError(f"material = {material!r}: not a refractive index or a name")
    if isinstance(material, int | float | complex | np.number):
        n = complex(material)
        if n.real <= 0.0 or n.imag < 0.0:
            raise MaterialError(
                f"material = {material!r}: a refractive index needs Re(n) > 0 and Im(n) >= 0"
            )
        eps = np.full(wl.shape, n * n, dtype=complex)
    elif isinstance(material, str):
        m = _lookup(material)
        if np.any(wl < m.lo_nm) or np.any(wl > m.hi_nm):
            raise MaterialError(
                f"wavelength_nm = {wavelength_nm!r} outside the data range of {material!r}: "
                f"{m.lo_nm:.0f}-{m.hi_nm:.0f} nm"
            )
        eps = np.asarray(m.eps(wl), dtype=complex)
    else:
        raise MaterialError(f"material = {material!r}: not a refractive index or a name")
    if eps.ndim == 0:
        return complex(eps)
    return eps


def refractive_index(
    material: float | complex | str, wavelength_nm: float | np.ndarray
) -> complex | np.ndarray:
    """Complex refractive index n + i k = sqrt(eps) with k >= 0 (same shapes as permittivity)."""
    eps = np.asarray(permittivity(material, wavelength_nm))
    n = np.sqrt(eps)
    n = np.where(n.imag < 0.0, -n, n)
    if n.ndim == 0:
        return complex(n)
    return n


def is_absorbing(material: float | complex | str, wavelength_nm: float) -> bool:
    """True when Im(eps) > 0 at this wavelength (metals, or a complex index)."""
    return complex(permittivity(material, wavelength_nm)).imag > 0.0


def extinction_coefficient(material: float | complex | str, wavelength_nm: float) -> float:
    """Bulk absorption of ``material`` as the extinction coefficient k (Im of n + i k) at
    ``wavelength_nm``.

    Transparent named materials: from their attenuation data (see ``_BULK_ALPHA_PER_CM``:
    sources and assumptions), k = alpha lambda / (4 pi), which ``permittivity`` leaves out.
    Metals ("Au", "Ti"): the k of their permittivity (the solvers already include it).
    Numbers: the imaginary part of the given index. Raises MaterialError like
    ``permittivity`` (unknown name, wavelength outside the data range).
    """
    n = complex(refractive_index(material, wavelength_nm))  # validates name and range
    if isinstance(material, str):
        key = _ALIASES[material.strip().lower()]
        alpha = _BULK_ALPHA_PER_CM.get(key)
        if alpha is not None:
            return alpha * wavelength_nm * 1e-7 / (4.0 * math.pi)
    return max(n.imag, 0.0)
