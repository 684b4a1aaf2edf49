"""Cylindrical Meep FDTD with Harminv: the reference solver for whispering-gallery modes.

``find_modes(body, m=..., window_nm=(lo, hi), polarizations=("TE", "TM"), settings=None, ...)
-> list[ModeRecord]``, the same entry point and records as solvers.fem; see solvers.meep.driver.

Every Meep simulation runs in a worker subprocess: this package never imports Meep (importing
Debian's Meep 1.25 sets flush-to-zero for the whole process).

Modules: settings (MeepSettings, the CI resolution scale), dispersion (Drude-Lorentz fits of
the materials), scene (cell, objects, resolution, axis zone), protocol and worker (the
subprocess side), runner (starts workers, retries blow-ups), hits (Harminv's spurious-hit
rule), fields (the (r, z) DFT field of a mode: polarization, orders, energies), driver
(find_modes: the broadband and perturbation runs per m and polarization).
"""

from __future__ import annotations

from solvers.meep.driver import FILM_PERTURBATION, find_modes, make_job, ringdown_time
from solvers.meep.runner import MeepWorkerError
from solvers.meep.scene import GeometryResolutionError, zeroed_zone_um
from solvers.meep.settings import MeepSettings

__all__ = [
    "FILM_PERTURBATION",
    "GeometryResolutionError",
    "MeepSettings",
    "MeepWorkerError",
    "find_modes",
    "make_job",
    "ringdown_time",
    "zeroed_zone_um",
]
