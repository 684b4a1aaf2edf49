"""Nanocrystal gain, lasing threshold and mode per disk, ASE and above-threshold dynamics.

Modules: ``materials`` (cross-sections, shifts, presets), ``film`` (film and pump settings,
N <-> fluence <-> power), ``spectra`` (paper Eq. 5), ``threshold`` (threshold and lasing mode,
vectorised), ``modetable`` (mode tables from CSV or records), ``ase`` (Eq. 1), ``dynamics``
(rate equations above threshold), ``plots`` (paper-style figures; imports matplotlib).

Data flows in as mode records (wavelength, Q, film fraction, effective index) as plain data:
this package never imports ``solvers`` or ``paradisk``.
"""

from gain.film import NanocrystalFilm, PumpSettings
from gain.materials import PRESETS, NanocrystalMaterial, get_preset
from gain.modetable import ModeTable, ModeTableError
from gain.threshold import ModeThresholds, lasing_mode_index, mode_thresholds

__all__ = [
    "PRESETS",
    "ModeTable",
    "ModeTableError",
    "ModeThresholds",
    "NanocrystalFilm",
    "NanocrystalMaterial",
    "PumpSettings",
    "get_preset",
    "lasing_mode_index",
    "mode_thresholds",
]
