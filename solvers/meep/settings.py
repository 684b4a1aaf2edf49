"""Settings of the cylindrical Meep FDTD solver (see solvers.meep).

Lengths in um (Meep's unit length is 1 um here, so Meep frequencies are 1/um and Meep time
units are um/c = 3.336 fs). Every default cites where it comes from; "measured" means the facts
measured with Debian's Meep 1.25 (serial, x86-64).

Resolution scale for CI: the environment variable ``PARADISK_MEEP_RESOLUTION_SCALE`` (a number
in (0, 4]) multiplies every automatically chosen *and* every explicit resolution; CI sets it
below 1 to run the slow cross-validation tests quickly. Unset means 1.
"""

from __future__ import annotations

import os

from pydantic import BaseModel, ConfigDict, Field, model_validator

RESOLUTION_SCALE_ENV = "PARADISK_MEEP_RESOLUTION_SCALE"


def resolution_scale() -> float:
    """The factor from ``PARADISK_MEEP_RESOLUTION_SCALE`` (1 when unset); bad values raise."""
    raw = os.environ.get(RESOLUTION_SCALE_ENV, "").strip()
    if not raw:
        return 1.0
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(
            f"{RESOLUTION_SCALE_ENV} = {raw!r}: must be a number in (0, 4]"
        ) from None
    if not 0.0 < value <= 4.0:
        raise ValueError(f"{RESOLUTION_SCALE_ENV} = {raw!r}: must be a number in (0, 4]")
    return value


class MeepSettings(BaseModel):
    """Discretisation, boundaries and run length of the Meep solver."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    resolution: float | None = Field(
        None, gt=0.0, le=400.0, description="pixels per um (None: chosen from the wavelength)"
    )
    # Yee error of a WGM: ~1e-4 in frequency at ~32 pixels per wavelength in SU8 (measured:
    # R = 5 um disk, m = 71, resolution 80 at 630 nm in n = 1.59)
    pixels_per_wavelength: float = Field(
        32.0, ge=4.0, le=200.0,
        description="automatic resolution: pixels per smallest wavelength in the highest index",
    )
    # Meep's default and stable for m up to 250 with accurate_fields_near_cylorigin=False
    # (measured); the worker retries with courant * courant_retry_factor after a blow-up
    courant: float = Field(0.5, gt=0.0, le=0.5, description="Courant factor S = c dt / dx")
    courant_retry_factor: float = Field(0.5, gt=0.05, lt=1.0)
    max_retries: int = Field(2, ge=0, le=5, description="retries with a smaller Courant factor")
    # one free-space wavelength of PML: the cylindrical PML reflects more than a Cartesian one
    # (measured: Q of a sphere moves by 3 % between 1 um PML + 0.6 um gap and 2 um + 1.2 um)
    pml_um: float | None = Field(
        None, gt=0.0, le=20.0, description="PML thickness, um (None: 1.5 x largest wavelength)"
    )
    gap_um: float | None = Field(
        None, gt=0.0, le=20.0,
        description="air gap between body and PML, um (None: 1.5 x largest wavelength)",
    )
    # Q that Harminv must resolve: sets the ring-down time after the source (Harminv reached
    # 3e-7 relative at Q = 1e4 and 3e-4 at Q = 1e7 with 200 time units: measured)
    q_target: float = Field(1.0e5, ge=10.0, le=1.0e9)
    min_ringdown_periods: float = Field(
        150.0, ge=20.0, le=1.0e5, description="least ring-down time, in optical periods"
    )
    max_ringdown_periods: float = Field(
        600.0, ge=20.0, le=1.0e6, description="cap on the ring-down time, in optical periods"
    )
    # cell that excludes the axis: r in [axis_cut * R_rim, ...] (measured: stable, ~40 % fewer
    # pixels, same frequency to 4e-8 for r0 = 0.6-0.7 R, inside the inner turning radius)
    exclude_axis: bool = Field(
        False, description="cut the cell at r0 = axis_cut_fraction * rim radius (WGMs only)"
    )
    axis_cut_fraction: float = Field(0.6, ge=0.1, le=0.9)
    accurate_fields_near_cylorigin: bool = Field(
        False, description="Meep option; True is unstable at large m at Courant 0.5 in Meep 1.25"
    )
    # narrowband run for the film fraction and the (r, z) field of each mode
    fields: bool = Field(True, description="run the narrowband DFT pass for every mode found")
    n_probes: int = Field(4, ge=1, le=12, description="Harminv probe points near the rim")
    dispersion_terms: int = Field(
        2, ge=1, le=4, description="Lorentz terms of the metal fits (plus one Drude term)"
    )
    richardson: bool = Field(
        False,
        description="also run at 1.5x the resolution and extrapolate the wavelength (O(dx^2))",
    )
    timeout_s: float = Field(6 * 3600.0, gt=0.0, le=7 * 86400.0, description="per worker run")
    z_mirror: bool = Field(
        False,
        description=(
            "use the z-mirror symmetry about the rim height (only for z-symmetric bodies "
            "without substrate): keeps the z-even modes only (TE: Ez even, TM: Er even) and "
            "halves the cost. Checked on spheres (tests/test_meep_crossval.py); on a thin "
            "(0.3 um, n = 3) disk at m = 100 it gave a wrong TE wavelength (3e-3 off the FEM, "
            "tests/test_meep_convergence.py): compare with a run without it on thin disks"
        ),
    )

    @model_validator(mode="after")
    def _check(self) -> MeepSettings:
        if self.max_ringdown_periods < self.min_ringdown_periods:
            raise ValueError(
                f"max_ringdown_periods = {self.max_ringdown_periods}: must be >= "
                f"min_ringdown_periods = {self.min_ringdown_periods}"
            )
        return self
