"""The write settings and predicted shape of each row of the dose matrix.

Each row of a ``WriteArray`` is one exposure (dwell at a power); its columns repeat it. The
predicted top and foot diameters come from the exposure model (geometry.ExposureProcess, paper
Eq. 2-3 with the PHYSICS.md erratum). Units: um, uW, ms, uJ, mJ/cm^2.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from geometry.exposure import ExposureProcess
from geometry.inverse import (
    ImplausibleDoseError,
    dwell_for_top_diameter,
    smallest_anchored_top_diameter_um,
)
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


def plan_rows(process: ExposureProcess, array: WriteArray,
              max_dwell_ms: float | None = None) -> tuple[DiskRow, ...]:
    """The rows of ``array`` with their dwell, dose and predicted diameters: the one row
    planner (the layout and the design spec both use it).

    Rows given as target top diameters get their dwell from the inverse exposure model
    (geometry.inverse.dwell_for_top_diameter); a target too small to reach the substrate, or
    one needing more than ``max_dwell_ms`` (None: no bound), raises LayoutError naming
    ``array.target_top_diameters_um[i]``. Rows given as dwell times must not exceed
    ``max_dwell_ms`` either; written or not, they are returned as they are: ``check_rows``
    reports those that write nothing or float.
    """
    power = array_power_uW(process, array)
    rows: list[DiskRow] = []
    if array.dwell_ms is not None:
        dwells = list(array.dwell_ms)
        targets: list[float | None] = [None] * len(dwells)
        for i, dwell in enumerate(dwells):
            if max_dwell_ms is not None and dwell > max_dwell_ms:
                raise LayoutError(
                    f"array.dwell_ms[{i}] = {dwell:g} ms: allowed: at most {max_dwell_ms:g} ms "
                    "per exposure point (raise array.power_uW for a larger dose)"
                )
    else:
        targets = list(array.target_top_diameters_um or ())
        dwells = []
        for i, d in enumerate(targets):
            try:
                dwells.append(dwell_for_top_diameter(process, d, power,
                                                     max_dwell_ms=max_dwell_ms))
            except (NotAnchoredError, ImplausibleDoseError) as exc:
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


def _row_field(array: WriteArray, i: int) -> str:
    """The spec field that sets row ``i``, with its value and unit."""
    if array.dwell_ms is not None:
        return f"array.dwell_ms[{i}] = {array.dwell_ms[i]:g} ms"
    return f"array.target_top_diameters_um[{i}] = {(array.target_top_diameters_um or ())[i]:g} um"


def check_rows(process: ExposureProcess, array: WriteArray,
               rows: tuple[DiskRow, ...]) -> None:
    """The one anchoring check: LayoutError naming the first row that writes nothing or leaves
    a disk that does not reach the substrate (it would wash off in development)."""
    power = array_power_uW(process, array)
    write_ms = process.dwell_ms(process.threshold_energy_uJ(), power)
    anchor_ms = process.dwell_ms(process.anchoring_energy_uJ(), power)
    for i, row in enumerate(rows):
        if not row.written:
            raise LayoutError(
                f"{_row_field(array, i)} at {power:g} uW writes nothing: the peak dose "
                f"{row.peak_dose_mJ_per_cm2:.4g} mJ/cm^2 stays at or below "
                f"process.threshold_dose_mJ_per_cm2 = {process.threshold_dose_mJ_per_cm2:g}; "
                f"the dwell must exceed {write_ms:.4g} ms to write anything and "
                f"{anchor_ms:.4g} ms for an anchored disk"
            )
        if not row.anchored:
            raise LayoutError(
                f"{_row_field(array, i)} at {power:g} uW writes a disk that is not anchored: "
                f"it does not reach the substrate (top diameter {row.top_diameter_um:.4g} um) "
                f"and washes off; the dwell must exceed {anchor_ms:.4g} ms (allowed: dwell > "
                f"{anchor_ms:.4g} ms, top diameters from "
                f"{smallest_anchored_top_diameter_um(process):.4g} um), or lower "
                f"process.absorber.concentration_mg_per_mL"
            )
