"""Settings of the finite-element eigen solver (see solvers.fem)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class FemSettings(BaseModel):
    """Discretisation of the axisymmetric finite-element solver."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    order: int = Field(4, ge=1, le=8, description="polynomial order of the elements")
