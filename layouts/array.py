"""The dose matrix to write: rows of dwell times (or target top diameters), columns of repeats.

Lengths in um, dwell in ms, power in uW.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator


class WriteArray(BaseModel):
    """Which disks to write: give either ``dwell_ms`` or ``target_top_diameters_um`` per row."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    dwell_ms: tuple[float, ...] | None = Field(
        None, description="dwell time of each row, ms (each > 0)"
    )
    target_top_diameters_um: tuple[float, ...] | None = Field(
        None, description="target top diameter of each row, um (each > 0); dwell is solved for"
    )
    power_uW: float | None = Field(
        None, gt=0.0, le=1.0e6, description="laser power for this array, uW (default: process)"
    )
    repeats: int = Field(1, ge=1, le=10000, description="disks per row (columns)")
    pitch_um: float = Field(gt=0.0, le=1.0e5, description="centre-to-centre spacing, um")

    @model_validator(mode="after")
    def _one_list(self) -> WriteArray:
        given = [n for n in ("dwell_ms", "target_top_diameters_um") if getattr(self, n)]
        if len(given) != 1:
            raise ValueError(
                "give exactly one of dwell_ms or target_top_diameters_um (a non-empty list)"
            )
        values = getattr(self, given[0])
        for i, v in enumerate(values):
            if not v > 0.0:
                raise ValueError(f"{given[0]}[{i}] = {v}: must be > 0")
        return self

    @property
    def rows(self) -> int:
        return len(self.dwell_ms or self.target_top_diameters_um or ())
