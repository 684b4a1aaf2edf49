"""The exposure record: a text at each exposure point of the layout, on the EXPOSURE layer.

Each exposure point has a text record with the point's write settings at its position
(``exposure_record``, read back by layouts.gds_io.read_exposure_points), which survives tools
that drop gdsfactory's meta info.
"""

from __future__ import annotations

from layouts.job import ExposurePoint

EXPOSURE_RECORD_PREFIX = "EXPOSE"
"""First word of the text record at each exposure point on the EXPOSURE layer."""
EXPOSURE_RECORD_FIELDS = (
    "order",
    "id",
    "row",
    "col",
    "power_uW",
    "dwell_ms",
    "energy_uJ",
    "peak_dose_mJ_per_cm2",
    "top_diameter_um",
    "foot_diameter_um",
)


def exposure_record(p: ExposurePoint) -> str:
    """The text record of one exposure point (exact: floats as their shortest repr)."""
    values = {
        "order": p.order, "id": p.id, "row": p.row, "col": p.col,
        "power_uW": repr(p.power_uW), "dwell_ms": repr(p.dwell_ms),
        "energy_uJ": repr(p.energy_uJ), "peak_dose_mJ_per_cm2": repr(p.peak_dose_mJ_per_cm2),
        "top_diameter_um": repr(p.top_diameter_um),
        "foot_diameter_um": repr(p.foot_diameter_um),
    }
    return " ".join([EXPOSURE_RECORD_PREFIX, *(f"{k}={values[k]}" for k in EXPOSURE_RECORD_FIELDS)])
