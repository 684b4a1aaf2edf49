"""Solver settings shared by the spec and the solvers' entry point.

Wavelengths in nm.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from solvers.fem.settings import FemSettings
from solvers.meep.settings import MeepSettings


class SolverSettings(BaseModel):
    """Which solver to run and on which wavelength window."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    method: Literal["fem", "meep"] = "fem"
    # the gain band of the paper's QS3 emission (~630-660 nm, Fig. 5) with margin: assumption
    window_nm: tuple[float, float] = (610.0, 680.0)
    polarizations: tuple[Literal["TE", "TM"], ...] = ("TE", "TM")
    max_radial_order: int = Field(1, ge=1, le=10, description="highest radial order kept")
    fem: FemSettings = FemSettings()
    meep: MeepSettings = MeepSettings()

    @model_validator(mode="after")
    def _window(self) -> SolverSettings:
        lo, hi = self.window_nm
        if not (200.0 <= lo < hi <= 3000.0):
            raise ValueError(
                f"window_nm = ({lo}, {hi}): need 200 <= lo < hi <= 3000 nm"
            )
        return self
