"""geometry: the exposure model of the SU8 microdisks and the axisymmetric bodies it writes.

Lengths in um, power in uW, dwell in ms, exposure energy in uJ, dose in mJ/cm^2.
"""

from geometry.bodies import (
    Body,
    Coating,
    Cylinder,
    Layer,
    ParabolicDisk,
    PolygonBody,
    Sphere,
    Surroundings,
)
from geometry.calibration import Calibration, DoseSeries, calibrate, read_dose_series
from geometry.exposure import Absorber, ExposureProcess
from geometry.inverse import (
    dwell_for_top_diameter,
    energy_for_top_diameter,
    process_for_foot_ratio,
    process_for_wall_angle,
    smallest_anchored_top_diameter_um,
)
from geometry.profile import DiskProfile, NotAnchoredError, NothingWrittenError

__all__ = [
    "Absorber",
    "Body",
    "Calibration",
    "Coating",
    "Cylinder",
    "DiskProfile",
    "DoseSeries",
    "ExposureProcess",
    "Layer",
    "NotAnchoredError",
    "NothingWrittenError",
    "ParabolicDisk",
    "PolygonBody",
    "Sphere",
    "Surroundings",
    "calibrate",
    "dwell_for_top_diameter",
    "energy_for_top_diameter",
    "process_for_foot_ratio",
    "process_for_wall_angle",
    "read_dose_series",
    "smallest_anchored_top_diameter_um",
]
