"""Rayleigh scattering by the nanocrystal film, through the mode's energy in the film.

Each particle (radius a, index n_p) in the ligand host (index n_h, m = n_p / n_h) scatters
sigma_s = (8 pi / 3) k_h^4 a^6 |(m^2 - 1)/(m^2 + 2)|^2, k_h = 2 pi n_h / lambda (Bohren &
Huffman, Absorption and Scattering of Light by Small Particles, ch. 5). At volume fraction f,
N = f / (4 pi a^3 / 3) particles per volume, and the waves they scatter interfere: for
wavelengths much longer than the particle spacing the attenuation is N sigma_s S(0) with S(0) the
structure factor at q -> 0, for hard spheres in the Percus-Yevick approximation
S(0) = (1 - f)^4 / (1 + 2 f)^2 (J. K. Percus and G. J. Yevick, Phys. Rev. 110, 1 (1958);
M. S. Wertheim, Phys. Rev. Lett. 10, 321 (1963); the isothermal compressibility of the hard-sphere
fluid). So

    alpha_s = 2 f k_h^4 a^3 |(m^2 - 1)/(m^2 + 2)|^2 (1 - f)^4 / (1 + 2 f)^2

and the mode, which holds the fraction Gamma of its electric energy in the film of index n_f,
loses (PHYSICS.md section 3: the loss rate Gamma alpha c / n_f equals omega / Q)

    1/Q_film_scattering = Gamma alpha_s lambda / (2 pi n_f).

Limits: Rayleigh (k_h a << 1); the film is taken as a bulk medium (a film a few particles thick
near an interface scatters somewhat differently); the nanocrystals' absorption is the gain
model's (ground-state absorption in g), not a loss here.
"""

from __future__ import annotations

import math


def percus_yevick_s0(volume_fraction: float) -> float:
    """Hard-sphere structure factor at q -> 0 (Percus-Yevick): (1 - f)^4 / (1 + 2 f)^2."""
    f = volume_fraction
    return (1.0 - f) ** 4 / (1.0 + 2.0 * f) ** 2


def film_attenuation_per_um(
    wavelength_nm: float, particle_radius_nm: float, volume_fraction: float,
    particle_index: float, host_index: float,
) -> float:
    """Scattering attenuation coefficient alpha_s of the film (1/um, intensity)."""
    k_h = 2.0 * math.pi * host_index / (wavelength_nm * 1e-3)
    a = particle_radius_nm * 1e-3
    m2 = (particle_index / host_index) ** 2
    lorentz = ((m2 - 1.0) / (m2 + 2.0)) ** 2
    return 2.0 * volume_fraction * k_h**4 * a**3 * lorentz * percus_yevick_s0(volume_fraction)


def film_scattering_inverse_q(
    film_fraction: float, wavelength_nm: float, film_index: float, particle_radius_nm: float,
    volume_fraction: float, particle_index: float, host_index: float,
) -> float:
    """1/Q of the film's Rayleigh scattering for a mode with ``film_fraction`` of its electric
    energy in the film of index ``film_index``."""
    alpha = film_attenuation_per_um(
        wavelength_nm, particle_radius_nm, volume_fraction, particle_index, host_index
    )
    return film_fraction * alpha * wavelength_nm * 1e-3 / (2.0 * math.pi * film_index)
