"""Exposure of the resin film by the 405 nm writing laser (paper Eq. 2, PHYSICS.md section 1).

The beam is parked at one point for a dwell time tau at power P0. The areal energy density it
deposits at radius r and height z (light enters at the film top z = z0, the substrate is z = 0) is

    W(r, z) = E0 * exp(-2 r^2 / w0^2) * exp(-alpha * (z0 - z)),   E0 = 2 P0 tau / (pi w0^2)

with alpha the Napierian attenuation coefficient of the film at 405 nm (absorber plus resin).

Units used throughout this module: lengths in um, power in uW, dwell time in ms, exposure
energy P0*tau in uJ, areal dose (fluence) in mJ/cm^2, attenuation in 1/um (Napierian),
absorber concentration in mg/mL and absorptivity in mL/(mg cm).
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from geometry.profile import DiskProfile

# 1 uJ/um^2 = 1e-3 mJ / 1e-8 cm^2 = 1e5 mJ/cm^2
MJ_PER_CM2_PER_UJ_PER_UM2 = 1.0e5
# 1 uW during 1 ms is 1 nJ = 1e-3 uJ
UJ_PER_UW_MS = 1.0e-3
# absorptivity [mL/(mg cm)] * concentration [mg/mL] is per cm; per um is 1e-4 of that
PER_UM_PER_PER_CM = 1.0e-4


class Absorber(BaseModel):
    """UV absorber dissolved in the resin (the paper uses Tinuvin Carboprotect).

    ``concentration_mg_per_mL`` is read in the basis named by ``concentration_basis``: the
    concentration in the resin solution as mixed ("solution"), or in the dried film ("film").
    The solvent evaporates during the soft bake, so the film concentration is the solution one
    times ``solution_to_film_factor``.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field("Tinuvin Carboprotect", min_length=1, description="absorber name")
    concentration_mg_per_mL: float = Field(
        ge=0.0, le=500.0, description="absorber concentration, mg/mL, in concentration_basis"
    )
    concentration_basis: Literal["solution", "film"] = "solution"
    # PHYSICS.md section 1: SU8-2015 diluted 3:2 in cyclopentanone dries to ~2.5x the solution
    # concentration (an estimate from densities, not a measurement).
    solution_to_film_factor: float = Field(2.5, gt=0.0, le=20.0)
    absorptivity_405_mL_per_mg_per_cm: float = Field(
        gt=0.0,
        le=1.0e3,
        description="absorptivity at 405 nm, mL/(mg cm); decadic if `decadic`, else Napierian",
    )
    decadic: bool = Field(True, description="absorptivity is decadic (A = eps c l)")

    @property
    def film_concentration_mg_per_mL(self) -> float:
        """Concentration of absorber in the dried film, mg/mL."""
        if self.concentration_basis == "film":
            return self.concentration_mg_per_mL
        return self.concentration_mg_per_mL * self.solution_to_film_factor

    @property
    def alpha_per_um(self) -> float:
        """Napierian attenuation coefficient the absorber gives the film, 1/um."""
        base = math.log(10.0) if self.decadic else 1.0
        return (
            base
            * self.absorptivity_405_mL_per_mg_per_cm
            * self.film_concentration_mg_per_mL
            * PER_UM_PER_PER_CM
        )

    def with_alpha(self, absorber_alpha_per_um: float) -> Absorber:
        """The same absorber at the concentration (in its own basis) giving this attenuation."""
        base = math.log(10.0) if self.decadic else 1.0
        film_conc = absorber_alpha_per_um / (
            base * self.absorptivity_405_mL_per_mg_per_cm * PER_UM_PER_PER_CM
        )
        conc = film_conc if self.concentration_basis == "film" else (
            film_conc / self.solution_to_film_factor
        )
        return self.model_copy(update={"concentration_mg_per_mL": conc})


class ExposureProcess(BaseModel):
    """The writing process: resin film, absorber, effective beam and cross-linking threshold."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    film_thickness_um: float = Field(gt=0.0, le=500.0, description="resin film thickness z0, um")
    absorber: Absorber
    resin_absorption_per_um: float = Field(
        0.0, ge=0.0, le=10.0, description="Napierian absorption of the resin itself at 405 nm, 1/um"
    )
    waist_um: float = Field(
        gt=0.0, le=200.0, description="effective 1/e^2 beam radius w0 at the resist, um"
    )
    threshold_dose_mJ_per_cm2: float = Field(
        gt=0.0, le=1.0e7, description="cross-linking threshold dose W_cl, mJ/cm^2"
    )
    power_uW: float = Field(gt=0.0, le=1.0e6, description="laser power P0 at the resist, uW")
    wavelength_nm: float = Field(405.0, gt=200.0, le=1100.0, description="writing wavelength, nm")

    @property
    def alpha_per_um(self) -> float:
        """Total Napierian attenuation of the film at the writing wavelength, 1/um."""
        return self.absorber.alpha_per_um + self.resin_absorption_per_um

    def energy_uJ(self, dwell_ms: float, power_uW: float | None = None) -> float:
        """Exposure energy P0 * tau of one point, uJ."""
        return (self.power_uW if power_uW is None else power_uW) * dwell_ms * UJ_PER_UW_MS

    def dwell_ms(self, energy_uJ: float, power_uW: float | None = None) -> float:
        """Dwell time that delivers ``energy_uJ`` at ``power_uW`` (default: the process power)."""
        return energy_uJ / ((self.power_uW if power_uW is None else power_uW) * UJ_PER_UW_MS)

    def peak_dose_mJ_per_cm2(self, energy_uJ: float) -> float:
        """Dose E0 = 2 P0 tau / (pi w0^2) on the beam axis at the film top, mJ/cm^2."""
        return 2.0 * energy_uJ / (math.pi * self.waist_um**2) * MJ_PER_CM2_PER_UJ_PER_UM2

    def threshold_energy_uJ(self) -> float:
        """Smallest exposure energy that cross-links anything (E0 = W_cl), uJ."""
        w_cl = self.threshold_dose_mJ_per_cm2 / MJ_PER_CM2_PER_UJ_PER_UM2
        return math.pi * self.waist_um**2 * w_cl / 2.0

    def anchoring_energy_uJ(self) -> float:
        """Smallest exposure energy whose cross-linked body reaches the substrate, uJ."""
        return self.threshold_energy_uJ() * math.exp(self.alpha_per_um * self.film_thickness_um)

    def log_overdose(self, energy_uJ: float) -> float:
        """ln(E0 / W_cl): zero at the writing threshold, dimensionless."""
        if energy_uJ <= 0.0:
            return -math.inf
        return math.log(self.peak_dose_mJ_per_cm2(energy_uJ) / self.threshold_dose_mJ_per_cm2)

    def dose_map(self, r_um: np.ndarray, z_um: np.ndarray, energy_uJ: float) -> np.ndarray:
        """Deposited dose W(r, z) in mJ/cm^2 (paper Eq. 2), broadcast over r_um and z_um."""
        r = np.asarray(r_um, dtype=float)
        z = np.asarray(z_um, dtype=float)
        return (
            self.peak_dose_mJ_per_cm2(energy_uJ)
            * np.exp(-2.0 * r**2 / self.waist_um**2)
            * np.exp(-self.alpha_per_um * (self.film_thickness_um - z))
        )

    def profile(self, energy_uJ: float) -> DiskProfile:
        """The cross-linked body written by one exposure of ``energy_uJ``."""
        return DiskProfile(
            waist_um=self.waist_um,
            alpha_per_um=self.alpha_per_um,
            film_thickness_um=self.film_thickness_um,
            log_overdose=self.log_overdose(energy_uJ),
        )

    def profile_for_dwell(self, dwell_ms: float, power_uW: float | None = None) -> DiskProfile:
        """The cross-linked body written by parking the beam ``dwell_ms`` at ``power_uW``."""
        return self.profile(self.energy_uJ(dwell_ms, power_uW))
