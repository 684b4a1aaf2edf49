"""Analytic estimates of whispering-gallery resonances, to choose m and the eigen-solver shifts.

Airy-zero asymptotics of a dielectric sphere (C. C. Lam, P. T. Leung and K. Young, J. Opt. Soc.
Am. B 9, 1585 (1992), Eq. 10), with nu = m + 1/2 for the fundamental axial family, relative
index N = n / n_env and P = N (TE) or 1/N (TM):

    n k0 R = nu + 2^(-1/3) a_q nu^(1/3) - P / sqrt(N^2 - 1)
             + (3/10) 2^(-2/3) a_q^2 nu^(-1/3) + O(nu^(-2/3))

a_q the q-th zero of Ai(-x) (radial order q). For disks the rim radius is used: the estimate is
then a few percent off, and the scan corrects it with the first solved mode (solvers.fem).
"""

from __future__ import annotations

import math

from solvers.materials import refractive_index

AIRY_ZEROS = (
    2.338107410459767, 4.087949444130971, 5.520559828095551, 6.786708090071759,
    7.944133587120853, 9.022650853340980, 10.04017434155809, 11.00852430373326,
    11.93601556323626, 12.82877675286576,
)


def size_parameter(m: int, n_rel: float, polarization: str, radial_order: int = 1) -> float:
    """n k0 R of the fundamental-axial WGM (m, radial_order) of a sphere, dimensionless."""
    if not 1 <= radial_order <= len(AIRY_ZEROS):
        raise ValueError(f"radial_order = {radial_order}: must be 1..{len(AIRY_ZEROS)}")
    if n_rel <= 1.0:
        raise ValueError(f"relative index {n_rel}: must be > 1 for whispering-gallery modes")
    nu = m + 0.5
    a = AIRY_ZEROS[radial_order - 1]
    p = n_rel if polarization == "TE" else 1.0 / n_rel
    return (
        nu + 2 ** (-1 / 3) * a * nu ** (1 / 3) - p / math.sqrt(n_rel**2 - 1.0)
        + 0.3 * 2 ** (-2 / 3) * a**2 * nu ** (-1 / 3)
    )


def wgm_wavelength_nm(
    m: int,
    radius_um: float,
    material: float | str,
    n_env: float,
    polarization: str,
    radial_order: int = 1,
    guess_nm: float = 630.0,
) -> float:
    """Estimated vacuum wavelength (nm) of the WGM (m, radial_order, axial 0), with the body's
    dispersion taken at the estimated wavelength (fixed point)."""
    lam = guess_nm
    for _ in range(30):
        n = float(complex(refractive_index(material, lam)).real)
        x = size_parameter(m, n / n_env, polarization, radial_order)
        new = 2.0 * math.pi * n * radius_um / x * 1e3
        if abs(new - lam) < 1e-9 * lam:
            return new
        lam = new
    return lam


def m_of_wavelength(
    wavelength_nm: float,
    radius_um: float,
    material: float | str,
    n_env: float,
    polarization: str,
    radial_order: int = 1,
) -> float:
    """Real azimuthal number whose estimated WGM sits at ``wavelength_nm`` (inverse of
    wgm_wavelength_nm, by bisection; size_parameter grows with m)."""
    n = float(complex(refractive_index(material, wavelength_nm)).real)
    target = 2.0 * math.pi * n * radius_um / (wavelength_nm * 1e-3)
    lo, hi = 0.5, 2.0 * target + 20.0
    for _ in range(80):
        mid = 0.5 * (lo + hi)
        if size_parameter(mid, n / n_env, polarization, radial_order) < target:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def m_range(
    window_nm: tuple[float, float],
    radius_um: float,
    material: float | str,
    n_env: float,
    polarizations: tuple[str, ...],
    max_radial_order: int,
    margin: float = 0.02,
) -> list[int]:
    """Azimuthal numbers whose estimated fundamental-axial modes (any requested polarization and
    radial order) fall in the window widened by ``margin`` (relative) on each side."""
    lo, hi = window_nm[0] * (1 - margin), window_nm[1] * (1 + margin)
    ms: set[int] = set()
    for pol in polarizations:
        for q in range(1, max_radial_order + 1):
            m_lo = m_of_wavelength(hi, radius_um, material, n_env, pol, q)
            m_hi = m_of_wavelength(lo, radius_um, material, n_env, pol, q)
            ms.update(range(max(1, math.floor(m_lo)), math.ceil(m_hi) + 1))
    return sorted(ms)
