"""The nanocrystal film on the disks, and the pulsed pump that excites it (PHYSICS.md s. 3-4).

Pump conversions (PHYSICS.md section 4): the mean number of photons absorbed per nanocrystal
during one pulse is ``N = sigma_pump * j`` with ``j`` the pump fluence in photons/cm^2. A pulse
fluence F (uJ/cm^2) at wavelength lambda carries ``F * 1e-6 / (h c / lambda)`` photons/cm^2
(1 uJ/cm^2 at 532 nm = 2.68e12 photons/cm^2). The average power of the pulse train is
``P = F * A * f_rep`` with A the spot area: ``pi d^2 / 4`` for a flat-top spot of diameter d,
``pi w^2 / 2`` for a Gaussian spot of 1/e^2 diameter d = 2 w, whose quoted fluence is the peak
(centre) fluence ``2 E / (pi w^2)``. ``max_fluence_uJ_per_cm2`` is the pump's reach: the
largest N it gives bounds what can lase (gain.lasing).

Film concentration: C = phi / V_particle with phi the inorganic volume fraction
(``volume_fraction``), at most random close packing (PHYSICS.md s. 4).
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from gain.materials import PRESETS, NanocrystalMaterial, get_preset
from geometry.constants import PLANCK_J_S, SPEED_OF_LIGHT_M_PER_S

UM2_PER_CM2 = 1.0e8
# Random close packing of equal spheres: volume fraction 0.637 (Scott & Kilgour, J. Phys. D 2,
# 863 (1969)); the most a film of particles can hold. Ligand shells lower the inorganic fraction
# further (0.64 (r / (r + ligand))^3), platelets pack differently: this is an upper bound.
RANDOM_CLOSE_PACKING = 0.64


def photon_energy_J(wavelength_nm: float) -> float:
    """Energy of one photon (J) at a vacuum wavelength (nm)."""
    return PLANCK_J_S * SPEED_OF_LIGHT_M_PER_S / (wavelength_nm * 1e-9)


class NanocrystalFilm(BaseModel):
    """Nanocrystal coating of the disks: which material, how dense, how thick, its index."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    preset: str = Field("QS3", description=f"material preset, one of {sorted(PRESETS)}")
    material: NanocrystalMaterial | None = Field(
        None, description="explicit material; overrides `preset` when given"
    )
    # ASSUMPTION: a film at a volume fraction of 0.43 of 16 nm QS3 shells (gain.materials);
    # give ``volume_fraction`` instead to have the concentration follow from the particle volume
    concentration_per_cm3: float = Field(
        2.0e17, ge=1.0e12, le=1.0e19, description="nanocrystals per cm^3 in the film"
    )
    volume_fraction: float | None = Field(
        None, gt=0.0, le=RANDOM_CLOSE_PACKING,
        description="inorganic volume fraction of the film; sets concentration_per_cm3 = "
        "volume_fraction / particle volume (at most random close packing, 0.64)",
    )
    # assumption: a few monolayers of ~15 nm particles from one spin-coat (paper gives none)
    thickness_nm: float = Field(50.0, ge=1.0, le=2000.0, description="film thickness, nm")
    # assumption: effective-medium index of a CdSe/CdS nanocrystal film with organic ligands
    # (~1.7-1.9 in the visible)
    refractive_index: float = Field(
        1.8, ge=1.0, le=3.5, description="film refractive index near the emission"
    )

    @field_validator("preset")
    @classmethod
    def _known_preset(cls, v: str) -> str:
        get_preset(v)  # raises ValueError listing the valid names
        return v

    @model_validator(mode="before")
    @classmethod
    def _concentration_from_volume_fraction(cls, data: object, info: ValidationInfo) -> object:
        """``volume_fraction`` given: the concentration follows from the particle volume."""
        if not isinstance(data, dict) or data.get("volume_fraction") is None:
            return data
        phi = data["volume_fraction"]
        if not isinstance(phi, int | float) or not 0.0 < phi <= RANDOM_CLOSE_PACKING:
            return data  # the field's own check reports it
        mat = data.get("material")
        if isinstance(mat, dict):
            mat = NanocrystalMaterial.model_validate(mat, context=info.context)
        if mat is None:
            mat = get_preset(data.get("preset", "QS3"))
        if mat.particle_volume_nm3 is None:
            raise ValueError(f"volume_fraction needs the particle volume: material "
                             f"{mat.name!r} has no particle_volume_nm3; give "
                             f"concentration_per_cm3 instead")
        c = phi / (mat.particle_volume_nm3 * 1e-21)
        given = data.get("concentration_per_cm3")
        if given is not None and not math.isclose(float(given), c, rel_tol=1e-6):
            raise ValueError(
                f"concentration_per_cm3 = {given:g} and volume_fraction = {phi:g} disagree "
                f"({phi:g} of {mat.name} particles of {mat.particle_volume_nm3:.0f} nm^3 is "
                f"{c:.4g} cm^-3): give one of them")
        return {**data, "concentration_per_cm3": c}

    @model_validator(mode="after")
    def _at_most_close_packed(self) -> NanocrystalFilm:
        phi = self.particle_volume_fraction
        if phi is not None and phi > RANDOM_CLOSE_PACKING * (1 + 1e-9):
            v = self.resolved_material.particle_volume_nm3
            c_max = RANDOM_CLOSE_PACKING / (v * 1e-21)
            raise ValueError(
                f"concentration_per_cm3 = {self.concentration_per_cm3:.4g} fills {phi:.2f} of "
                f"the film with {self.resolved_material.name} particles ({v:.0f} nm^3 each); "
                f"allowed: <= {c_max:.4g} cm^-3 (random close packing, volume fraction "
                f"{RANDOM_CLOSE_PACKING})")
        return self

    @property
    def particle_volume_fraction(self) -> float | None:
        """Inorganic volume fraction C * V_particle (None when the material has no volume)."""
        v = self.resolved_material.particle_volume_nm3
        return None if v is None else self.concentration_per_cm3 * v * 1e-21

    @property
    def resolved_material(self) -> NanocrystalMaterial:
        """``material`` if given, else the preset's material."""
        return self.material if self.material is not None else get_preset(self.preset)

    @property
    def thickness_um(self) -> float:
        return self.thickness_nm * 1e-3

    @property
    def sigma0_C_per_cm(self) -> float:
        """C_NC * sigma_0 (1/cm): the film's peak band-edge absorption coefficient."""
        return self.concentration_per_cm3 * self.resolved_material.sigma0_reference_cm2


class PumpSettings(BaseModel):
    """Pulsed pump laser used to excite the nanocrystals."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    wavelength_nm: float = Field(532.0, gt=200.0, lt=2000.0)  # paper Methods: 532 nm pulsed
    # assumption: spot defocused to cover a 10-30 um disk (paper: 10x 0.25 NA objective)
    spot_diameter_um: float = Field(50.0, gt=0.1, le=1.0e4, description="spot diameter, um")
    spot_profile: Literal["flat-top", "gaussian"] = Field(
        "flat-top", description="gaussian: diameter is 1/e^2 and fluence is the peak fluence"
    )
    repetition_rate_Hz: float = Field(2.0e4, gt=0.0, le=1.0e9)  # paper Methods: 20 kHz laser
    # assumption: Q-switched 20 kHz frequency-doubled lasers give ~1 ns pulses
    pulse_duration_ns: float = Field(1.0, gt=1e-6, le=1.0e6, description="pulse FWHM, ns")
    # The pump's reach: the highest pulse fluence on the film (what the laser gives or the film
    # survives). Default: paper Fig. 6c pumps QS3 disks up to N ~ 10, ~80 uJ/cm^2 with the QS3
    # preset's sigma_pump; ASSUMPTION: 100 uJ/cm^2. A threshold beyond it is "does not lase".
    max_fluence_uJ_per_cm2: float = Field(
        100.0, gt=0.0, le=1.0e7, description="highest pump fluence on the film, uJ/cm^2"
    )

    @property
    def spot_area_cm2(self) -> float:
        """Effective area (cm^2) with pulse energy = fluence * area."""
        d_cm = self.spot_diameter_um * 1e-4
        if self.spot_profile == "flat-top":
            return math.pi * d_cm**2 / 4.0
        return math.pi * (d_cm / 2.0) ** 2 / 2.0

    @property
    def photons_per_cm2_per_uJ_per_cm2(self) -> float:
        """Photons/cm^2 in a fluence of 1 uJ/cm^2 at the pump wavelength."""
        return 1.0e-6 / photon_energy_J(self.wavelength_nm)

    def _sigma(self, material: NanocrystalMaterial) -> float:
        if abs(material.pump_wavelength_nm - self.wavelength_nm) > 1.0:
            raise ValueError(
                f"material {material.name!r} gives sigma_pump at {material.pump_wavelength_nm} nm"
                f", the pump is at {self.wavelength_nm} nm: give a material for this wavelength"
            )
        return material.sigma_pump_cm2

    def fluence_uJ_per_cm2_from_N(
        self, N: ArrayLike, material: NanocrystalMaterial
    ) -> NDArray[np.float64]:
        """Pulse fluence (uJ/cm^2) giving N absorbed photons per nanocrystal on average."""
        j = np.asarray(N, dtype=float) / self._sigma(material)
        return j / self.photons_per_cm2_per_uJ_per_cm2

    def N_from_fluence(self, fluence_uJ_per_cm2: ArrayLike, material: NanocrystalMaterial
                       ) -> NDArray[np.float64]:
        """Mean absorbed photons per nanocrystal for a pulse fluence (uJ/cm^2)."""
        j = np.asarray(fluence_uJ_per_cm2, dtype=float) * self.photons_per_cm2_per_uJ_per_cm2
        return self._sigma(material) * j

    def average_power_uW_from_fluence(self, fluence_uJ_per_cm2: ArrayLike) -> NDArray[np.float64]:
        """Average pump power (uW) of the pulse train at this fluence."""
        return np.asarray(fluence_uJ_per_cm2, dtype=float) * self.spot_area_cm2 * (
            self.repetition_rate_Hz
        )

    def fluence_from_average_power_uW(self, power_uW: ArrayLike) -> NDArray[np.float64]:
        """Pulse fluence (uJ/cm^2) for an average pump power (uW)."""
        return np.asarray(power_uW, dtype=float) / (self.spot_area_cm2 * self.repetition_rate_Hz)

    def pulse_energy_uJ_from_fluence(self, fluence_uJ_per_cm2: ArrayLike) -> NDArray[np.float64]:
        return np.asarray(fluence_uJ_per_cm2, dtype=float) * self.spot_area_cm2

    def average_power_uW_from_N(self, N: ArrayLike, material: NanocrystalMaterial
                                ) -> NDArray[np.float64]:
        return self.average_power_uW_from_fluence(self.fluence_uJ_per_cm2_from_N(N, material))

    def N_from_average_power_uW(self, power_uW: ArrayLike, material: NanocrystalMaterial
                                ) -> NDArray[np.float64]:
        return self.N_from_fluence(self.fluence_from_average_power_uW(power_uW), material)
