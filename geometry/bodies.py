"""Axisymmetric bodies for the mode solvers, with their surroundings.

Every body is described in the (r, z) half-plane (r >= 0, um) and sits on the substrate plane
z = 0 unless said otherwise. All bodies share the same options: the surrounding medium, a
substrate stack below z = 0 and an optional conformal coating (the nanocrystal film) on the
body's exposed surface.

Materials are given as a real refractive index (float) or a material name (str, e.g. "SU8",
"Au", "Ti", "glass") that the solvers resolve to a dispersive permittivity at the mode's
wavelength; geometry/ only carries the names.
"""

from __future__ import annotations

import math
from typing import Annotated

import numpy as np
import shapely
from pydantic import BaseModel, ConfigDict, Field, model_validator

from geometry.exposure import ExposureProcess
from geometry.profile import DiskProfile

MaterialSpec = Annotated[
    float | str,
    Field(description="refractive index (float) or a material name resolved by the solvers"),
]


class Layer(BaseModel):
    """One layer of the substrate stack under the body."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    material: MaterialSpec
    thickness_um: float = Field(gt=0.0, le=1.0e4, description="layer thickness, um")


class Coating(BaseModel):
    """A conformal film of uniform thickness on the body's exposed surface (top and walls)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    thickness_um: float = Field(gt=0.0, le=10.0, description="film thickness, um")
    index: MaterialSpec = Field(description="film refractive index or material name")


class Surroundings(BaseModel):
    """What is around the body: medium above, substrate stack below z = 0, optional coating.

    ``substrate`` lists layers from the one touching the body downwards; ``substrate_halfspace``
    fills everything below the last layer (None: the environment medium continues below).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    # air above the chip (the paper measures the disks in air)
    environment_index: float = Field(1.0, ge=1.0, le=4.0, description="index above the chip")
    substrate: tuple[Layer, ...] = ()
    substrate_halfspace: MaterialSpec | None = None
    coating: Coating | None = None

    @property
    def substrate_interfaces_um(self) -> list[float]:
        """Heights of the substrate interfaces from z = 0 downwards, um."""
        z, out = 0.0, [0.0]
        for layer in self.substrate:
            z -= layer.thickness_um
            out.append(z)
        return out


class Body(BaseModel):
    """Common part of the axisymmetric bodies: material and surroundings."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    surroundings: Surroundings = Surroundings()

    def polygon(self, n_points: int = 64) -> shapely.Polygon:  # pragma: no cover - abstract
        """(r, z) cross-section with r >= 0, um."""
        raise NotImplementedError

    @property
    def rim_radius_um(self) -> float:  # pragma: no cover - abstract
        """Largest radius of the body, where whispering-gallery modes live, um."""
        raise NotImplementedError

    @property
    def rim_height_um(self) -> float:  # pragma: no cover - abstract
        """Height z of the rim (the point of largest radius), um."""
        raise NotImplementedError

    def coating_polygon(self, n_points: int = 64) -> shapely.Geometry:
        """The conformal coating as a (multi)polygon in (r, z): the body buffered by the coating
        thickness, minus the body, kept at r >= 0 and above the substrate (z >= 0 when there is
        a substrate). Empty when there is no coating."""
        coating = self.surroundings.coating
        if coating is None:
            return shapely.Polygon()
        body = self.polygon(n_points)
        shell = body.buffer(coating.thickness_um, quad_segs=16).difference(body)
        zmin = 0.0 if (self.surroundings.substrate or self.surroundings.substrate_halfspace) \
            else -math.inf
        _, miny, maxx, maxy = shell.bounds
        keep = shapely.box(0.0, max(zmin, miny - 1.0), maxx + 1.0, maxy + 1.0)
        return shell.intersection(keep)


class Sphere(Body):
    """Dielectric sphere of radius ``radius_um`` centred on the axis at z = ``center_z_um``."""

    radius_um: float = Field(gt=0.0, le=1.0e3)
    index: MaterialSpec
    center_z_um: float | None = Field(
        None, description="height of the centre, um (default: radius, so it rests on z = 0)"
    )

    @property
    def center_um(self) -> float:
        return self.radius_um if self.center_z_um is None else self.center_z_um

    def polygon(self, n_points: int = 64) -> shapely.Polygon:
        theta = np.linspace(-math.pi / 2, math.pi / 2, max(n_points, 8))
        r = self.radius_um * np.cos(theta)
        r[0] = r[-1] = 0.0
        z = self.center_um + self.radius_um * np.sin(theta)
        return shapely.Polygon(np.column_stack([r, z]))

    @property
    def rim_radius_um(self) -> float:
        return self.radius_um

    @property
    def rim_height_um(self) -> float:
        return self.center_um


class Cylinder(Body):
    """Flat disk with vertical walls (the paper's ref. 28 disks, or alpha -> 0)."""

    radius_um: float = Field(gt=0.0, le=1.0e3)
    height_um: float = Field(gt=0.0, le=1.0e3)
    index: MaterialSpec
    bottom_z_um: float = 0.0

    def polygon(self, n_points: int = 64) -> shapely.Polygon:
        z0, z1 = self.bottom_z_um, self.bottom_z_um + self.height_um
        return shapely.Polygon([(0, z0), (self.radius_um, z0), (self.radius_um, z1), (0, z1)])

    @property
    def rim_radius_um(self) -> float:
        return self.radius_um

    @property
    def rim_height_um(self) -> float:
        return self.bottom_z_um + 0.5 * self.height_um


class PolygonBody(Body):
    """Any axisymmetric body given by its (r, z) outline, um; the axis edge r = 0 is implied."""

    points_rz: tuple[tuple[float, float], ...] = Field(min_length=3)
    index: MaterialSpec

    @model_validator(mode="after")
    def _check(self) -> PolygonBody:
        if min(p[0] for p in self.points_rz) < 0.0:
            raise ValueError("points_rz: every r must be >= 0")
        if not shapely.Polygon(self.points_rz).is_valid:
            raise ValueError("points_rz: the outline must not cross itself")
        return self

    def polygon(self, n_points: int = 64) -> shapely.Polygon:
        return shapely.Polygon(self.points_rz)

    @property
    def rim_radius_um(self) -> float:
        return max(p[0] for p in self.points_rz)

    @property
    def rim_height_um(self) -> float:
        rmax = self.rim_radius_um
        return max(p[1] for p in self.points_rz if p[0] >= rmax - 1e-12)


class ParabolicDisk(Body):
    """The disk the exposure writes: parabolic walls, widest at the top (geometry.profile)."""

    profile: DiskProfile
    index: MaterialSpec = "SU8"

    @model_validator(mode="after")
    def _anchored(self) -> ParabolicDisk:
        self.profile.require_anchored()
        return self

    @classmethod
    def from_process(
        cls,
        process: ExposureProcess,
        dwell_ms: float,
        power_uW: float | None = None,
        **kwargs,
    ) -> ParabolicDisk:
        """The disk written by ``process`` with this dwell (ms) and power (uW)."""
        return cls(profile=process.profile_for_dwell(dwell_ms, power_uW), **kwargs)

    def polygon(self, n_points: int = 64) -> shapely.Polygon:
        return self.profile.polygon(n_points)

    @property
    def rim_radius_um(self) -> float:
        return self.profile.top_radius_um

    @property
    def rim_height_um(self) -> float:
        return self.profile.film_thickness_um
