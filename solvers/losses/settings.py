"""What the loss budget of a mode takes into account: frozen, validated settings.

Every default cites its source or says "assumption" (the same numbers as solvers.materials for
the bulk absorption data). Lengths in nm as the field names say.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from solvers.losses.interfaces import INTERFACES
from solvers.materials import MaterialError, permittivity


class SurfaceRoughness(BaseModel):
    """Roughness of one interface: rms height and correlation length (Gaussian correlation
    function C(rho) = exp(-rho^2 / L^2), correlation area pi L^2). ``spectrum``: "gaussian"
    keeps the phase matching of the Gaussian roughness spectrum (finite L), "rayleigh" takes
    the L -> 0 limit (an upper bound of the loss); solvers.losses.roughness."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rms_nm: float = Field(gt=0.0, le=200.0, description="rms height sigma, nm")
    correlation_nm: float = Field(gt=0.0, le=2000.0, description="correlation length L, nm")
    spectrum: Literal["gaussian", "rayleigh"] = "gaussian"


class FilmComposition(BaseModel):
    """What the nanocrystal film is made of, for its Rayleigh scattering and its host's
    absorption (the nanocrystals' own absorption is the gain model's, not a Q)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    # Stand-alone defaults: a spec sets the particle size and the volume fraction from its
    # nanocrystals section (paradisk.loss_spec). Assumption: ~15 nm CdS/CdSe/CdS quantum shells
    particle_radius_nm: float = Field(7.5, gt=0.0, le=100.0, description="particle radius, nm")
    # assumption: ~20 % inorganic filling of a loosely packed spin-coated film with ligands;
    # random close packing of bare spheres is the upper bound, 0.64
    volume_fraction: float = Field(0.2, gt=0.0, le=0.64, description="particle volume fraction")
    # assumption: near bulk CdS (n ~ 2.5 in the red) for CdS-rich shells
    particle_index: float = Field(2.5, ge=1.0, le=4.0, description="particle refractive index")
    # the organic ligands (solvers.materials "ligand": oleic acid, n = 1.459, CRC Handbook)
    host_material: str = Field("ligand", description="host material name (solvers.materials)")
    scattering: bool = Field(True, description="include the film's Rayleigh scattering")

    @field_validator("host_material")
    @classmethod
    def _known(cls, v: str) -> str:
        try:
            permittivity(v, 630.0)
        except MaterialError as exc:
            raise ValueError(str(exc)) from None
        return v


class LossSettings(BaseModel):
    """Loss channels of the budget beyond the solver's radiation and metal absorption.

    - ``material_absorption``: bulk absorption of every transparent material from the data of
      ``solvers.materials.extinction_coefficient`` (on by default), with ``extinction``
      overriding k per region ("body", "film", "halfspace", "layer0", ...) or per material
      name (lower case).
    - ``roughness``: per interface ("wall", "top", "film"; see solvers.losses.interfaces) the
      rms height and correlation length; an interface not listed is taken smooth. Default:
      none (no roughness is assumed for you).
    - ``film``: composition of the nanocrystal film (its scattering and its host's absorption).
    - ``Q_other``: any further loss the user knows of (e.g. a measured floor), default none.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    material_absorption: bool = True
    extinction: dict[str, float] = Field(default_factory=dict)
    roughness: dict[str, SurfaceRoughness] = Field(default_factory=dict)
    film: FilmComposition = FilmComposition()
    Q_other: float | None = Field(None, gt=0.0, description="additional loss as a Q")

    @field_validator("roughness")
    @classmethod
    def _interfaces(cls, v: dict[str, SurfaceRoughness]) -> dict[str, SurfaceRoughness]:
        for k in v:
            if k not in INTERFACES:
                raise ValueError(f"roughness: {k!r} is not an interface; use {list(INTERFACES)}")
        return v

    @field_validator("extinction")
    @classmethod
    def _k_range(cls, v: dict[str, float]) -> dict[str, float]:
        for name, k in v.items():
            if not 0.0 <= k <= 1.0:
                raise ValueError(f"extinction[{name!r}] = {k}: allowed 0 <= k <= 1")
        return {name.strip().lower(): k for name, k in v.items()}
