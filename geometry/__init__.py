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
from geometry.exposure import Absorber, ExposureProcess
from geometry.profile import DiskProfile, NotAnchoredError, NothingWrittenError

__all__ = [
    "Absorber",
    "Body",
    "Coating",
    "Cylinder",
    "DiskProfile",
    "ExposureProcess",
    "Layer",
    "NotAnchoredError",
    "NothingWrittenError",
    "ParabolicDisk",
    "PolygonBody",
    "Sphere",
    "Surroundings",
]
