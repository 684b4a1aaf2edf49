"""The axisymmetric cross-linked body left by one exposure (paper Eq. 3, corrected).

Cross-linked where W(r, z) >= W_cl. With L = ln(E0 / W_cl) the boundary is (PHYSICS.md, erratum
to the printed Eq. 3, which lacks the 1/alpha on the log term):

    r(z)^2 = (w0^2 / 2) * [L - alpha (z0 - z)]
    z(r)   = z0 + [2 r^2 / w0^2 - L] / alpha

Coordinates: r >= 0 from the beam axis, z from the substrate (z = 0) to the film top (z = z0),
all in um. The body is widest at the top (radius r_top) and narrows towards the substrate.
"""

from __future__ import annotations

import math

import numpy as np
import shapely
from pydantic import BaseModel, ConfigDict, Field


class NothingWrittenError(ValueError):
    """The exposure never reaches the cross-linking threshold."""


class NotAnchoredError(ValueError):
    """The cross-linked body does not reach the substrate and would wash off in development."""


class DiskProfile(BaseModel):
    """Shape of the body written by one exposure, from the exposure model's four numbers."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    waist_um: float = Field(gt=0.0, description="effective beam radius w0, um")
    alpha_per_um: float = Field(ge=0.0, description="Napierian attenuation at 405 nm, 1/um")
    film_thickness_um: float = Field(gt=0.0, description="film thickness z0, um")
    log_overdose: float = Field(description="L = ln(E0 / W_cl), dimensionless")

    @property
    def written(self) -> bool:
        """True when some resin is cross-linked (E0 > W_cl)."""
        return self.log_overdose > 0.0

    @property
    def anchored(self) -> bool:
        """True when the cross-linked body reaches the substrate: L > alpha z0."""
        return self.log_overdose > self.alpha_per_um * self.film_thickness_um

    @property
    def top_radius_um(self) -> float:
        """Radius at the film top, r_top = w0 sqrt(L / 2), um (0 if nothing is written)."""
        return self.waist_um * math.sqrt(max(self.log_overdose, 0.0) / 2.0)

    @property
    def top_diameter_um(self) -> float:
        return 2.0 * self.top_radius_um

    @property
    def foot_radius_um(self) -> float:
        """Radius where the body meets the substrate, um (0 if not anchored)."""
        arg = self.log_overdose - self.alpha_per_um * self.film_thickness_um
        return self.waist_um * math.sqrt(max(arg, 0.0) / 2.0)

    @property
    def foot_diameter_um(self) -> float:
        return 2.0 * self.foot_radius_um

    @property
    def bottom_z_um(self) -> float:
        """Lowest cross-linked height on the axis, um (0 when anchored)."""
        if not self.written:
            return self.film_thickness_um
        if self.anchored or self.alpha_per_um == 0.0:
            return 0.0
        return self.film_thickness_um - self.log_overdose / self.alpha_per_um

    @property
    def height_um(self) -> float:
        """Height of the cross-linked body on its axis, um."""
        return self.film_thickness_um - self.bottom_z_um

    @property
    def rim_slope(self) -> float:
        """dz/dr of the wall at the top rim, 4 r_top / (alpha w0^2) (inf for vertical walls)."""
        if self.alpha_per_um == 0.0:
            return math.inf
        return 4.0 * self.top_radius_um / (self.alpha_per_um * self.waist_um**2)

    @property
    def wall_angle_deg(self) -> float:
        """Angle between the wall at the top rim and the substrate plane, degrees (90 vertical)."""
        return math.degrees(math.atan(self.rim_slope))

    def radius_at(self, z_um: np.ndarray | float) -> np.ndarray:
        """Wall radius r(z) in um; 0 where the height lies below the body."""
        z = np.asarray(z_um, dtype=float)
        r2 = 0.5 * self.waist_um**2 * (
            self.log_overdose - self.alpha_per_um * (self.film_thickness_um - z)
        )
        return np.sqrt(np.clip(r2, 0.0, None))

    def height_at(self, r_um: np.ndarray | float) -> np.ndarray:
        """Wall height z(r) in um for foot radius <= r <= r_top (paper Eq. 3, corrected).

        Vertical walls (alpha = 0) have no z(r): that case raises ValueError.
        """
        if self.alpha_per_um == 0.0:
            raise ValueError("alpha_per_um = 0: the wall is vertical, use radius_at(z) instead")
        r = np.asarray(r_um, dtype=float)
        return self.film_thickness_um + (
            2.0 * r**2 / self.waist_um**2 - self.log_overdose
        ) / self.alpha_per_um

    def require_anchored(self) -> None:
        """Raise NothingWrittenError or NotAnchoredError if this body cannot be a cavity."""
        self.require_written()
        if not self.anchored:
            raise NotAnchoredError(
                f"the body is not anchored: ln(E0/W_cl) = {self.log_overdose:.4g} must exceed "
                f"alpha*z0 = {self.alpha_per_um * self.film_thickness_um:.4g} for the body to "
                "reach the substrate"
            )

    def wall_points(self, n_points: int = 64) -> np.ndarray:
        """(n, 2) array of (r, z) points along the wall from the foot to the top rim, um.

        Points are spaced evenly in arc length, so a wall that is nearly flat near the foot is
        sampled as finely as its steep upper part.
        """
        if n_points < 2:
            raise ValueError(f"n_points = {n_points}: must be >= 2")
        self.require_written()
        z_lo = self.bottom_z_um
        if self.alpha_per_um == 0.0:
            z = np.linspace(z_lo, self.film_thickness_um, n_points)
            return np.column_stack([np.full(n_points, self.top_radius_um), z])
        # dense parametrisation by r, then resample to even arc length
        r_lo = self.foot_radius_um
        r_dense = np.linspace(r_lo, self.top_radius_um, 40 * n_points)
        z_dense = self.height_at(r_dense)
        z_dense[0], z_dense[-1] = z_lo, self.film_thickness_um
        s = np.concatenate([[0.0], np.cumsum(np.hypot(np.diff(r_dense), np.diff(z_dense)))])
        s_even = np.linspace(0.0, s[-1], n_points)
        z = np.interp(s_even, s, z_dense)
        # exact points on the boundary: the radius follows from z (r^2 is linear in z)
        r = self.radius_at(z)
        r[-1] = self.top_radius_um
        return np.column_stack([r, z])

    def require_written(self) -> None:
        if not self.written:
            raise NothingWrittenError(
                f"nothing is written: ln(E0/W_cl) = {self.log_overdose:.3g} must be > 0"
            )

    def polygon(self, n_wall_points: int = 64) -> shapely.Polygon:
        """The (r, z) cross-section of the body as a polygon with r >= 0, um.

        Vertices run counter-clockwise: axis bottom, along the foot, up the wall, top rim, axis
        top. Ready for meshing (the axis edge is r = 0).
        """
        wall = self.wall_points(n_wall_points)
        pts = [(0.0, self.bottom_z_um)]
        if wall[0, 0] > 0.0:
            pts.append((float(wall[0, 0]), float(wall[0, 1])))
        pts.extend((float(r), float(z)) for r, z in wall[1:])
        pts.append((0.0, self.film_thickness_um))
        return shapely.Polygon(pts)
