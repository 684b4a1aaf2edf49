"""The exposure record: a text at each exposure point of the layout, on EXPOSURE_RECORD.

What a viewer shows is short and rounded, the dwell to 4 significant digits ("13.88 ms"; the
disk id is drawn under each disk on LABEL), in text ``EXPOSURE_TEXT_HEIGHT_UM`` tall, centred
over the point. KLayout's default bitmap font draws every text at one screen size whatever its
height, so only a short text keeps a matrix readable (with a scalable font, Setup > Display >
Texts, the records shrink to their 1 um), and layout.lyp starts their layer hidden.

The exact write settings ride on the same text as GDS/OASIS properties (standard in both
formats, listed in KLayout's object properties): attribute i + 1 holds
"<EXPOSURE_RECORD_FIELDS[i]>=<value>", floats as their shortest repr, so reading them back
(layouts.gds_io.read_exposure_points) gives the job's exact numbers, independently of
gdsfactory's meta info, which other tools drop.
"""

from __future__ import annotations

from collections.abc import Mapping

from layouts.job import ExposurePoint
from layouts.text import significant

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
"""The exact values of a point, one GDS property each (attribute number = index + 1)."""
EXPOSURE_TEXT_HEIGHT_UM = 1.0
"""Height of the record's text (half the default exposure marker): an assumption of what stays
legible next to the marker without covering the disk."""

_INT_FIELDS = {"order", "row", "col"}


def exposure_text(p: ExposurePoint) -> str:
    """The visible text of a point: its dwell to 4 significant digits, e.g. "13.88 ms"."""
    return f"{significant(p.dwell_ms)} ms"


def exposure_properties(p: ExposurePoint) -> list[tuple[int, str]]:
    """The exact values of a point as (GDS attribute number, "field=value") pairs."""
    values = {
        "order": str(p.order), "id": p.id, "row": str(p.row), "col": str(p.col),
        "power_uW": repr(p.power_uW), "dwell_ms": repr(p.dwell_ms),
        "energy_uJ": repr(p.energy_uJ), "peak_dose_mJ_per_cm2": repr(p.peak_dose_mJ_per_cm2),
        "top_diameter_um": repr(p.top_diameter_um),
        "foot_diameter_um": repr(p.foot_diameter_um),
    }
    return [(i + 1, f"{f}={values[f]}") for i, f in enumerate(EXPOSURE_RECORD_FIELDS)]


def _fields(properties: Mapping[object, object]) -> dict[str, str]:
    return dict(str(v).split("=", 1) for v in properties.values() if "=" in str(v))


def is_exposure_record(properties: Mapping[object, object]) -> bool:
    """Whether a text with these properties is an exposure record (it has an ``order``)."""
    return EXPOSURE_RECORD_FIELDS[0] in _fields(properties)


def parse_exposure_properties(text: str, properties: Mapping[object, object], x_nm: int,
                              y_nm: int) -> ExposurePoint:
    """The exposure point recorded by one EXPOSURE_RECORD text with its properties, at
    (x_nm, y_nm). Raises ValueError naming what is missing."""
    fields = _fields(properties)
    missing = [f for f in EXPOSURE_RECORD_FIELDS if f not in fields]
    if missing:
        raise ValueError(f"exposure record {text!r} lacks the properties {missing}")
    values: dict[str, object] = {}
    for f in EXPOSURE_RECORD_FIELDS:
        v = fields[f]
        values[f] = v if f == "id" else int(v) if f in _INT_FIELDS else float(v)
    return ExposurePoint(x_nm=x_nm, y_nm=y_nm, **values)  # type: ignore[arg-type]
