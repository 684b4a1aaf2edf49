"""Settings of the cylindrical Meep FDTD solver (see solvers.meep)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class MeepSettings(BaseModel):
    """Discretisation and run length of the Meep solver."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    resolution: float | None = Field(
        None, gt=0.0, le=400.0, description="pixels per um (None: chosen from the wavelength)"
    )
