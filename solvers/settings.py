"""Solver settings shared by the spec and the solvers' entry point.

Wavelengths in nm.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from solvers.fem.settings import FemSettings
from solvers.meep.settings import MeepSettings
from solvers.modes import (
    DEFAULT_WINDOW_NM,
    POLARIZATIONS,
    RADIAL_ORDER_RANGE,
    Polarization,
    check_polarizations,
    check_window_nm,
)


class SolverSettings(BaseModel):
    """Which solver to run and on which wavelength window."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    method: Literal["fem", "meep"] = "fem"
    window_nm: tuple[float, float] = DEFAULT_WINDOW_NM  # see solvers.modes
    polarizations: tuple[Polarization, ...] = POLARIZATIONS
    max_radial_order: int = Field(
        1, ge=RADIAL_ORDER_RANGE[0], le=RADIAL_ORDER_RANGE[1],
        description="highest radial order kept",
    )
    fem: FemSettings = FemSettings()
    meep: MeepSettings = MeepSettings()

    @model_validator(mode="after")
    def _window(self) -> SolverSettings:
        # the bounds every solver's find_modes applies
        check_window_nm(self.window_nm)
        check_polarizations(self.polarizations)
        return self
