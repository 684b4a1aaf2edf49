"""Nanocrystal gain, lasing threshold and mode per disk, ASE and above-threshold dynamics.

Modules: ``materials`` (cross-sections, shifts, presets), ``film`` (film and pump settings,
N <-> fluence <-> power), ``spectra`` (paper Eq. 5), ``threshold`` (threshold and lasing mode,
vectorised), ``lasing`` (one disk's prediction: total Q, lasing mode, competing modes, the
pump's reach and the reason it does not lase), ``modetable`` (mode tables from CSV or
records), ``ase`` (Eq. 1), ``dynamics``
(rate equations above threshold), ``plots`` (paper-style figures; imports matplotlib).

Loss index (which n in Gamma g >= 2 pi n / (lambda Q) and K = lambda Q C sigma_0 / (2 pi n)):
the film's refractive index n_f, not the mode's effective index. A film of intensity gain
g = omega eps'' / (c n_f) delivers power omega eps0 eps'' |E|^2 / 2 = g (c / n_f) 2 w_e per volume
(w_e = eps0 n_f^2 |E|^2 / 4, its electric energy density). Integrated over the film and divided
by the mode energy U = 2 W_e (electric = magnetic at resonance), the gain rate is
Gamma g c / n_f with Gamma = W_e,film / W_e; equal to the loss rate omega / Q = 2 pi c/(lambda Q)
when Gamma g = 2 pi n_f / (lambda Q). That index is called ``loss_index`` throughout and is
required (``mode_thresholds``, ``dynamics.CavityModes``); ``lasing.predict_lasing`` takes it
from the film.

Data flows in as mode records (wavelength, Q, film fraction, effective index) as plain data:
this package never imports ``solvers`` or ``paradisk``.
"""

from gain.film import NanocrystalFilm, PumpSettings
from gain.lasing import LasingPrediction, predict_lasing
from gain.materials import PRESETS, NanocrystalMaterial, get_preset
from gain.modetable import ModeTable, ModeTableError
from gain.threshold import ModeThresholds, lasing_mode_index, mode_thresholds

__all__ = [
    "PRESETS",
    "LasingPrediction",
    "ModeTable",
    "ModeTableError",
    "ModeThresholds",
    "NanocrystalFilm",
    "NanocrystalMaterial",
    "PumpSettings",
    "get_preset",
    "lasing_mode_index",
    "mode_thresholds",
    "predict_lasing",
]
