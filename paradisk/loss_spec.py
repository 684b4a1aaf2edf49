"""The spec's ``losses:`` section: which loss channels a mode's Q takes into account.

Maps onto ``solvers.losses.LossSettings`` (the channels are defined there): the solver gives
Q_radiation and Q_metal; this section adds

- ``material_absorption`` (on by default): bulk absorption of SU8, glass and the film's ligand
  host from the cited data of ``solvers.materials.extinction_coefficient``; ``extinction``
  overrides k per region ("body", "film", "halfspace", ...) or per material name;
- ``roughness``: rms height and correlation length per interface ("wall", "top": the disk's
  side wall and top face under the film; "film": the film's outer surface). Default: none, an
  interface not listed is smooth (no roughness is assumed for you);
- ``film_scattering`` (on by default): Rayleigh scattering of the nanocrystal film, with the
  particle size and packing taken from the spec's ``nanocrystals`` (the preset's particle
  volume, the film's volume fraction) and the particle index below;
- ``Q_other``: any further loss as a Q (e.g. a floor measured on your disks), default none.
  The spec's top-level ``intrinsic_Q`` is its deprecated name.

Ground-state absorption of the nanocrystals is in the gain model (paper Eq. 5), not here.
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from solvers.losses.settings import FilmComposition, LossSettings, SurfaceRoughness
from solvers.materials import MaterialError, permittivity

Interface = Literal["wall", "top", "film"]
_FILM = FilmComposition()


class LossesSpec(BaseModel):
    """The ``losses:`` section of a design spec (module docstring)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    material_absorption: bool = Field(
        True, description="bulk absorption of the materials from solvers.materials data")
    extinction: dict[str, Annotated[float, Field(ge=0.0, le=1.0)]] = Field(
        default_factory=dict, description="extinction coefficient k per region or material")
    roughness: dict[Interface, SurfaceRoughness] = Field(
        default_factory=dict, description="rms_nm and correlation_nm per interface")
    film_scattering: bool = Field(True, description="Rayleigh scattering of the film")
    # assumption (solvers.losses.settings.FilmComposition): near bulk CdS, n ~ 2.5 in the red
    particle_index: float = Field(_FILM.particle_index, ge=1.0, le=4.0,
                                  description="nanocrystal refractive index")
    # solvers.materials "ligand": oleic acid, n = 1.459 (CRC Handbook)
    film_host: str = Field(_FILM.host_material, description="film host material name")
    Q_other: float | None = Field(None, gt=10.0, le=1.0e12,
                                  description="Q of further losses the channels do not hold")

    @field_validator("film_host")
    @classmethod
    def _known_host(cls, v: str) -> str:
        try:
            permittivity(v, 630.0)
        except MaterialError as exc:
            raise ValueError(str(exc)) from None
        return v

    def settings(self, particle_volume_nm3: float | None,
                 volume_fraction: float | None) -> LossSettings:
        """The LossSettings of this section for a film of particles of ``particle_volume_nm3``
        (its radius: the sphere of that volume) at ``volume_fraction`` (None: FilmComposition's
        assumptions)."""
        film = {"particle_index": self.particle_index, "host_material": self.film_host,
                "scattering": self.film_scattering}
        if particle_volume_nm3:
            film["particle_radius_nm"] = (3.0 * particle_volume_nm3 / (4.0 * math.pi)) ** (1 / 3)
        if volume_fraction:
            film["volume_fraction"] = min(volume_fraction, 0.64)
        return LossSettings(
            material_absorption=self.material_absorption, extinction=dict(self.extinction),
            roughness=dict(self.roughness), film=FilmComposition(**film), Q_other=self.Q_other,
        )
