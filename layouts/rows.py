"""The write settings and predicted shape of each row of the dose matrix.

Each row of a ``WriteArray`` is one exposure (dwell at a power); its columns repeat it. The
predicted top and foot diameters come from the exposure model (geometry.ExposureProcess, paper
Eq. 2-3 with the PHYSICS.md erratum). Units: um, uW, ms, uJ, mJ/cm^2.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from geometry.exposure import ExposureProcess
from geometry.inverse import dwell_for_top_diameter
from geometry.profile import NotAnchoredError
from layouts.array import WriteArray
from layouts.errors import LayoutError


class DiskRow(BaseModel):
    """One row of the dose matrix: how it is written and what it should give."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    row: int = Field(ge=0, description="row index (0 is written first)")
    dwell_ms: float = Field(gt=0.0, description="dwell time per exposure point, ms")
    power_uW: float = Field(gt=0.0, description="laser power at the resist, uW")
    energy_uJ: float = Field(gt=0.0, description="exposure energy P0*tau, uJ")
    peak_dose_mJ_per_cm2: float = Field(
        gt=0.0, description="peak areal dose E0 = 2 P0 tau / (pi w0^2), mJ/cm^2"
    )
    log_overdose: float = Field(description="ln(E0 / W_cl), dimensionless (> 0: written)")
    top_diameter_um: float = Field(ge=0.0, description="predicted top diameter, um")
    foot_diameter_um: float = Field(ge=0.0, description="predicted foot diameter, um")
    anchored: bool = Field(description="the predicted body reaches the substrate")
    target_top_diameter_um: float | None = Field(
        None, description="requested top diameter when the row was given as a target, um"
    )

    @property
    def written(self) -> bool:
        """True when the exposure cross-links some resin."""
        return self.log_overdose > 0.0


def array_power_uW(process: ExposureProcess, array: WriteArray) -> float:
    """Power the array is written with: its own, else the process power, uW."""
    return process.power_uW if array.power_uW is None else array.power_uW


def plan_rows(process: ExposureProcess, array: WriteArray) -> tuple[DiskRow, ...]:
    """The rows of ``array`` with their dwell, dose and predicted diameters.

    Rows given as target top diameters get their dwell from the inverse exposure model
    (geometry.inverse.dwell_for_top_diameter); a target too small to reach the substrate raises
    LayoutError naming ``array.target_top_diameters_um[i]``. Rows given as dwell times are
    returned as they are, written or not: ``validate`` reports those that write nothing or float.
    """
    power = array_power_uW(process, array)
    rows: list[DiskRow] = []
    if array.dwell_ms is not None:
        dwells = list(array.dwell_ms)
        targets: list[float | None] = [None] * len(dwells)
    else:
        targets = list(array.target_top_diameters_um or ())
        dwells = []
        for i, d in enumerate(targets):
            try:
                dwells.append(dwell_for_top_diameter(process, d, power))
            except NotAnchoredError as exc:
                raise LayoutError(f"array.target_top_diameters_um[{i}]: {exc}") from exc
    for i, (dwell, target) in enumerate(zip(dwells, targets, strict=True)):
        energy = process.energy_uJ(dwell, power)
        profile = process.profile(energy)
        rows.append(
            DiskRow(
                row=i,
                dwell_ms=dwell,
                power_uW=power,
                energy_uJ=energy,
                peak_dose_mJ_per_cm2=process.peak_dose_mJ_per_cm2(energy),
                log_overdose=profile.log_overdose,
                top_diameter_um=profile.top_diameter_um,
                foot_diameter_um=profile.foot_diameter_um,
                anchored=profile.anchored,
                target_top_diameter_um=target,
            )
        )
    return tuple(rows)
