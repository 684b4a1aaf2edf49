"""Nanocrystal gain, lasing threshold and mode per disk, ASE and above-threshold dynamics.

Data flows in as mode records (wavelength, Q, film fraction, effective index) as plain data:
this package never imports ``solvers`` or ``paradisk``.
"""

from gain.film import NanocrystalFilm, PumpSettings
from gain.materials import PRESETS, NanocrystalMaterial, get_preset

__all__ = ["PRESETS", "NanocrystalFilm", "NanocrystalMaterial", "PumpSettings", "get_preset"]
