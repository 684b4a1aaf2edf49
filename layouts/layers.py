"""GDS layers of the write pattern, named in one place.

Numbers avoid the layers of gdsfactory's generic PDK, so a layout opened with the generic layer
properties does not show disks as waveguides.
"""

from __future__ import annotations

from typing import Final

Layer = tuple[int, int]

DISK_TOP: Final[Layer] = (80, 0)
"""Expected footprint of the disk top (the rim where the whispering-gallery mode sits)."""
DISK_FOOT: Final[Layer] = (81, 0)
"""Expected footprint of the disk foot (where the cross-linked body meets the substrate)."""
EXPOSURE: Final[Layer] = (82, 0)
"""Exposure point: a small cross marker."""
EXPOSURE_RECORD: Final[Layer] = (82, 1)
"""Exposure record: a text at each exposure point with its dwell, the exact write settings as
properties (layouts.records); hidden in the layer properties file, shown on demand."""
LABEL: Final[Layer] = (83, 0)
"""Readable text: disk ids, row doses, column numbers, array title."""
MARK: Final[Layer] = (84, 0)
"""Alignment crosses and the orientation arrow."""
CHIP: Final[Layer] = (85, 0)
"""Chip outline."""

LAYERS: Final[dict[str, Layer]] = {
    "DISK_TOP": DISK_TOP,
    "DISK_FOOT": DISK_FOOT,
    "EXPOSURE": EXPOSURE,
    "EXPOSURE_RECORD": EXPOSURE_RECORD,
    "LABEL": LABEL,
    "MARK": MARK,
    "CHIP": CHIP,
}
"""Every layer of the write pattern by name."""

# How KLayout draws each layer: (colour, KLayout dither pattern). Fills are light hatches so
# the stacked top and foot footprints stay visible; the exposure cross and the text are solid.
# KLayout's default font draws every text at one screen size, so a record per point would
# cover a zoomed-out matrix: the records' layer starts hidden.
_HIDDEN: Final[frozenset[str]] = frozenset({"EXPOSURE_RECORD"})
_DISPLAY: Final[dict[str, tuple[str, str]]] = {
    "DISK_TOP": ("#5a9bff", "I9"),
    "DISK_FOOT": ("#1f3fbf", "I5"),
    "EXPOSURE": ("#ff4040", "I0"),
    "EXPOSURE_RECORD": ("#ff8080", "I0"),
    "LABEL": ("#e0b000", "I0"),
    "MARK": ("#30b030", "I0"),
    "CHIP": ("#a0a0a0", "I1"),
}


def layer_properties_xml() -> str:
    """A KLayout layer properties file (.lyp) naming and colouring every layer of the write
    pattern: GDS files carry layer numbers only, so KLayout shows names when opened as
    ``klayout layout.gds -l layout.lyp`` (or File > Load Layer Properties). The exposure
    records start hidden (click their layer to show them)."""
    entries = []
    for name, (layer, datatype) in LAYERS.items():
        colour, dither = _DISPLAY[name]
        entries.append(
            " <properties>\n"
            f"  <frame-color>{colour}</frame-color>\n"
            f"  <fill-color>{colour}</fill-color>\n"
            "  <frame-brightness>0</frame-brightness>\n"
            "  <fill-brightness>0</fill-brightness>\n"
            f"  <dither-pattern>{dither}</dither-pattern>\n"
            "  <valid>true</valid>\n"
            f"  <visible>{str(name not in _HIDDEN).lower()}</visible>\n"
            "  <transparent>false</transparent>\n"
            "  <width>1</width>\n"
            "  <marked>false</marked>\n"
            "  <animation>0</animation>\n"
            f"  <name>{name} {layer}/{datatype}</name>\n"
            f"  <source>{layer}/{datatype}@1</source>\n"
            " </properties>\n"
        )
    return ('<?xml version="1.0" encoding="utf-8"?>\n<layer-properties>\n'
            + "".join(entries) + "</layer-properties>\n")
