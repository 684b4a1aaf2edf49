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
"""Exposure point: a small cross marker and a text record with the point's write settings."""
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
    "LABEL": LABEL,
    "MARK": MARK,
    "CHIP": CHIP,
}
"""Every layer of the write pattern by name."""
