"""The error raised for a write pattern that cannot be written as asked."""

from __future__ import annotations


class LayoutError(ValueError):
    """Bad layout input: the message names the field, its value and the allowed limits.

    Raised before anything is written (overlapping disks, a dose that writes nothing or leaves
    a disk floating, an array larger than the stage travel, labels that do not fit)."""
