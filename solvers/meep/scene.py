"""The Meep job for one body: cell, materials, objects, sources and probes as plain JSON data.

Built in the parent process (no Meep import); solvers.meep.worker turns it into a
``meep.Simulation`` with ``dimensions=mp.CYLINDRICAL``. Coordinates are (r, z) in um, Meep
frequencies in 1/um (f = 1000 / wavelength_nm).

Geometry (the body as Meep sees it):
- substrate layers: blocks from the cell's inner edge to ``r_metal_end`` for absorbing layers
  (the metal ends one gap before the r-PML: dispersive metal inside a PML is unstable), to the
  outer edge for transparent ones; the half-space below fills to the cell bottom;
- the conformal coating: ``body.coating_polygon()`` as prisms (vertices in the (r, z) plane,
  extruded along phi), painted before the body;
- the body: ``body.polygon()`` as a prism. Sub-pixel smoothing (eps_averaging) stays on.

Materials: named ones are Drude-Lorentz fits (solvers.meep.dispersion); a number is a constant
index, and a complex number n + i k an absorbing one (Meep's D-conductivity, exact at the
window's centre), so a run gives the Q of a mode with material absorption included.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely

from solvers.materials import permittivity
from solvers.meep.dispersion import DispersiveMedium, fit_material
from solvers.meep.settings import MeepSettings, resolution_scale

# the rule of the main components of each family (solvers/modes.py): TE = E along z at the rim,
# TM = E along r
SOURCE_COMPONENT = {"TE": "Ez", "TM": "Er"}
# outline points of curved bodies and coatings: the chord error of a 256-point quarter outline
# is ~1e-5 of the radius, below the 1e-4 the solver aims at; the outlines are then simplified
# to within SIMPLIFY_UM (0.1 nm, 3e-3 of a 30 nm film): Meep's sub-pixel averaging costs grow
# with the prism's vertex count (the QS3 disk's film has 605 vertices, 141 after simplifying;
# its area changes by 1e-3)
POLYGON_POINTS = 256
SIMPLIFY_UM = 1e-4


class GeometryResolutionError(ValueError):
    """The grid cannot represent the body (e.g. Meep 1.25's zeroed zone near the axis)."""


@dataclass
class Scene:
    """Everything a worker needs for one body at one resolution (JSON-able via ``to_json``)."""

    resolution: float
    r_min: float
    r_max: float
    z_min: float
    z_max: float
    pml_um: float
    materials: dict[str, DispersiveMedium]
    objects: list[dict[str, Any]]
    rim_r: float
    rim_z: float
    body_index: float
    wavelength_band_nm: tuple[float, float]
    film_material: str | None = None
    z_mirror: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "resolution": self.resolution,
            "cell": {"r_min": self.r_min, "r_max": self.r_max,
                     "z_min": self.z_min, "z_max": self.z_max},
            "pml_um": self.pml_um,
            "materials": {k: v.to_json() for k, v in self.materials.items()},
            "objects": self.objects,
            "z_mirror": self.z_mirror,
            "environment": self.extra.get("environment"),
        }

    def inside_pml_free(self, r: float, z: float) -> bool:
        return (self.r_min <= r <= self.r_max - self.pml_um
                and self.z_min + self.pml_um <= z <= self.z_max - self.pml_um)


def _material_key(spec: float | complex | str) -> str:
    if isinstance(spec, str):
        return spec
    n = complex(spec)
    return f"n={n.real:.10g}" if n.imag == 0.0 else f"n={n:.10g}"


def auto_resolution(
    body: Any, window_nm: tuple[float, float], settings: MeepSettings
) -> float:
    """Pixels per um: ``pixels_per_wavelength`` per smallest wavelength in the highest index of
    the transparent materials (metals are not resolved by the grid: their skin depth is ~13 nm),
    times ``PARADISK_MEEP_RESOLUTION_SCALE``; an explicit ``settings.resolution`` is scaled too.
    """
    scale = resolution_scale()
    if settings.resolution is not None:
        return float(settings.resolution) * scale
    lo = window_nm[0]
    n_max = 1.0
    for spec in _transparent_specs(body):
        eps = complex(permittivity(spec, lo))
        n_max = max(n_max, math.sqrt(max(eps.real, 1.0)))
    return settings.pixels_per_wavelength * n_max / (lo * 1e-3) * scale


def _transparent_specs(body: Any) -> list[float | complex | str]:
    s = body.surroundings
    specs: list[float | complex | str] = [body.index, s.environment_index]
    if s.coating is not None:
        specs.append(s.coating.index)
    return specs


def zeroed_zone_um(m: int, resolution: float) -> float:
    """Radius of the zone Meep 1.25 zeroes near the axis (|m| pixels) when
    ``accurate_fields_near_cylorigin`` is False, um."""
    return abs(m) / resolution


def safe_inner_radius_um(body: Any, m: int, window_nm: tuple[float, float]) -> float:
    """Radius inside which a WGM of azimuthal number m has (almost) no field, um.

    The field vanishes inside the inner caustic r_c = |m| / (n k0) (n the body index, k0 at the
    long end of the window) as an Airy tail of length l = r_c (2 / m^2)^(1/3); two tail lengths
    in, its amplitude is down to ~15 % and its energy to ~2 %. Returns r_c - 2 l (>= 0).
    """
    n = math.sqrt(max(complex(permittivity(body.index, window_nm[1])).real, 1.0))
    k0 = 2.0 * math.pi / (window_nm[1] * 1e-3)
    caustic = abs(m) / (n * k0)
    tail = caustic * (2.0 / max(m * m, 1)) ** (1.0 / 3.0)
    return max(caustic - 2.0 * tail, 0.0)


def check_axis_zone(body: Any, m: int, resolution: float, settings: MeepSettings,
                    window_nm: tuple[float, float]) -> None:
    """Raise GeometryResolutionError when the grid near the axis cannot carry the mode.

    - With ``accurate_fields_near_cylorigin=False`` (the default: stable at large m) Meep 1.25
      zeroes the fields within |m| pixels of the axis; that zone must stay inside
      ``safe_inner_radius_um`` (at low resolution it can swallow the mode).
    - With ``exclude_axis`` the cell starts at r0 = axis_cut_fraction * rim radius (a hard
      wall): r0 must stay inside ``safe_inner_radius_um`` too.
    """
    if m == 0:
        return
    safe = safe_inner_radius_um(body, m, window_nm)
    if settings.exclude_axis:
        r0 = settings.axis_cut_fraction * body.rim_radius_um
        if r0 > safe:
            raise GeometryResolutionError(
                f"exclude_axis: the cell would start at r0 = {r0:.3g} um, beyond the radius "
                f"where the m = {m} mode still has field ({safe:.3g} um): lower "
                f"axis_cut_fraction below {safe / body.rim_radius_um:.3g}"
            )
        return
    if settings.accurate_fields_near_cylorigin:
        return
    zone = zeroed_zone_um(m, resolution)
    if zone > safe:
        raise GeometryResolutionError(
            f"Meep 1.25 zeroes the fields within |m| = {abs(m)} pixels of the axis "
            f"({zone:.3g} um at resolution {resolution:.4g}/um), which reaches the field of the "
            f"mode (nonzero beyond {safe:.3g} um): raise the resolution above "
            f"{abs(m) / max(safe, 1e-9):.4g}/um, or set accurate_fields_near_cylorigin or "
            "exclude_axis in MeepSettings"
        )


def build_scene(
    body: Any,
    window_nm: tuple[float, float],
    settings: MeepSettings,
    resolution: float,
    film_eps_factor: float = 1.0,
) -> Scene:
    """The Meep scene of ``body`` for the wavelength window ``window_nm`` (nm).

    ``film_eps_factor`` multiplies the coating permittivity (used by the film-fraction
    perturbation run).
    """
    lo, hi = window_nm
    s = body.surroundings
    lam_max_um = hi * 1e-3
    pml = settings.pml_um if settings.pml_um is not None else 1.5 * lam_max_um
    gap = settings.gap_um if settings.gap_um is not None else 1.5 * lam_max_um

    materials: dict[str, DispersiveMedium] = {}

    def medium(spec: float | complex | str, factor: float = 1.0) -> str:
        key = _material_key(spec) + (f"*{factor:.8g}" if factor != 1.0 else "")
        if key not in materials:
            fitted = fit_material(spec, window_nm, n_lorentz=settings.dispersion_terms)
            if factor != 1.0:
                fitted = DispersiveMedium(
                    eps_inf=fitted.eps_inf * factor,
                    poles=tuple(
                        type(p)(kind=p.kind, frequency=p.frequency, gamma=p.gamma,
                                sigma=p.sigma * factor) for p in fitted.poles
                    ),
                    max_rel_error=fitted.max_rel_error, band_nm=fitted.band_nm,
                    name=key, extra=fitted.extra, d_conductivity=fitted.d_conductivity,
                )
            materials[key] = fitted
        return key

    poly = body.polygon(POLYGON_POINTS).simplify(SIMPLIFY_UM)
    coat = _areas(body.coating_polygon(POLYGON_POINTS)).simplify(SIMPLIFY_UM)
    outline = poly.union(coat) if not coat.is_empty else poly
    _rmin_b, zmin_b, rmax_b, zmax_b = outline.bounds
    rim_r, rim_z = float(body.rim_radius_um), float(body.rim_height_um)

    interfaces = s.substrate_interfaces_um
    has_substrate = bool(s.substrate) or s.substrate_halfspace is not None
    z_min = min(zmin_b, interfaces[-1] if has_substrate else zmin_b) - gap - pml
    z_max = zmax_b + gap + pml
    r_max = rmax_b + gap + pml
    r_min = 0.0
    if settings.exclude_axis:
        r_min = settings.axis_cut_fraction * rim_r
    r_metal_end = rmax_b + 0.5 * gap

    z_mirror = bool(settings.z_mirror)
    if z_mirror:
        if has_substrate:
            raise ValueError("MeepSettings.z_mirror: the body has a substrate, not z-symmetric")
        zc = 0.5 * (zmin_b + zmax_b)
        flipped = shapely.affinity.scale(outline, 1.0, -1.0, origin=(0.0, zc))
        # allow the outline simplification (SIMPLIFY_UM) on both sides
        if outline.symmetric_difference(flipped).area > 4.0 * SIMPLIFY_UM * outline.length:
            raise ValueError("MeepSettings.z_mirror: the body is not symmetric in z")
        half = max(z_max - zc, zc - z_min)
        z_min, z_max = zc - half, zc + half

    # whole pixels: r from a multiple of 1/resolution, an even number of pixels along z (the
    # worker centres z on 0, so voxel edges then sit on multiples of 1/resolution from there)
    r_min = math.floor(r_min * resolution) / resolution
    r_max = r_min + math.ceil((r_max - r_min) * resolution) / resolution
    nz = 2 * math.ceil(0.5 * (z_max - z_min) * resolution)
    zc = 0.5 * (z_min + z_max)
    z_min, z_max = zc - 0.5 * nz / resolution, zc + 0.5 * nz / resolution

    objects: list[dict[str, Any]] = []
    if has_substrate:
        z_top = 0.0
        for layer in s.substrate:
            z_bot = z_top - layer.thickness_um
            absorbing = complex(permittivity(layer.material, 0.5 * (lo + hi))).imag > 0.0
            objects.append({
                "type": "block", "r": [r_min - 1.0, r_metal_end if absorbing else r_max + 1.0],
                "z": [z_bot, z_top], "material": medium(layer.material),
            })
            z_top = z_bot
        if s.substrate_halfspace is not None:
            absorbing = complex(permittivity(s.substrate_halfspace, 0.5 * (lo + hi))).imag > 0
            objects.append({
                "type": "block",
                "r": [r_min - 1.0, r_metal_end if absorbing else r_max + 1.0],
                "z": [z_min - 1.0, z_top], "material": medium(s.substrate_halfspace),
            })
    film_key = None
    if not coat.is_empty:
        film_key = medium(s.coating.index, film_eps_factor)
        for part in getattr(coat, "geoms", [coat]):
            if part.geom_type != "Polygon" or part.area <= 0.0:
                continue
            objects.append(_prism(part, film_key))
    body_key = medium(body.index)
    objects.append(_body_object(body, poly, body_key))
    env = medium(s.environment_index)

    n_body = math.sqrt(max(complex(permittivity(body.index, hi)).real, 1.0))
    return Scene(
        resolution=resolution, r_min=r_min, r_max=r_max, z_min=z_min, z_max=z_max,
        pml_um=pml, materials=materials, objects=objects, rim_r=rim_r, rim_z=rim_z,
        body_index=n_body, wavelength_band_nm=(lo, hi), film_material=film_key,
        z_mirror=z_mirror,
        extra={"environment": env, "outline": outline, "body_polygon": poly,
               "coating_polygon": coat, "has_substrate": has_substrate},
    )


def _areas(geom: shapely.Geometry) -> shapely.Geometry:
    """The polygons of ``geom`` (a coating clipped at the substrate can come back with
    zero-area line pieces)."""
    if geom.is_empty or geom.geom_type == "Polygon":
        return geom
    parts = [g for g in getattr(geom, "geoms", []) if g.geom_type == "Polygon" and g.area > 0]
    if not parts:
        return shapely.Polygon()
    return parts[0] if len(parts) == 1 else shapely.MultiPolygon(parts)


def _body_object(body: Any, poly: shapely.Polygon, material: str) -> dict[str, Any]:
    """Exact Meep shapes where they exist (a polygon's chords would shift a sphere's modes by
    ~1e-4), a prism otherwise."""
    if type(body).__name__ == "Sphere":
        return {"type": "sphere", "center_z": float(body.center_um),
                "radius": float(body.radius_um), "material": material}
    if type(body).__name__ == "Cylinder":
        return {"type": "block", "r": [-1.0, float(body.radius_um)],
                "z": [float(body.bottom_z_um), float(body.bottom_z_um + body.height_um)],
                "material": material}
    return _prism(poly, material)


def _prism(polygon: shapely.Polygon, material: str) -> dict[str, Any]:
    """A prism (r, z) outline; holes are not representable as one prism."""
    if len(polygon.interiors):
        raise ValueError("a coating or body outline with holes cannot be a Meep prism")
    pts = np.asarray(shapely.geometry.polygon.orient(polygon, 1.0).exterior.coords)[:-1]
    return {"type": "prism", "vertices": pts.tolist(), "material": material}


def rim_points(scene: Scene, wavelength_um: float, n_points: int) -> tuple[
        tuple[float, float], list[tuple[float, float]]]:
    """Source position and Harminv probe positions near the rim, (r, z) in um.

    The source sits a fifth of the wavelength in the body inside the rim (in the body's
    interior); probes are spread over different depths and heights near the rim, and the last
    one is just outside the rim (it sees modes with little field inside, e.g. TM-like), so a
    mode with a node at one probe shows at the others.
    """
    poly: shapely.Polygon = scene.extra["body_polygon"]
    d = 0.2 * wavelength_um / scene.body_index
    R, zr = scene.rim_r, scene.rim_z

    def inside(r: float, z: float) -> bool:
        p = shapely.Point(r, z)
        return poly.contains(p) and poly.exterior.distance(p) >= 0.25 * d

    def settle(r: float, z: float) -> tuple[float, float]:
        # move down/up into the body if the offset point is outside (top rim of a disk)
        for dz in (0.0, -0.5 * d, 0.5 * d, -d, d, -2 * d, 2 * d, -3 * d):
            if inside(r, z + dz):
                return (r, z + dz)
        return (r, z)

    source = settle(R - d, zr + 0.13 * d)
    offsets = [(0.7 * d, -0.31 * d), (1.6 * d, 0.37 * d), (2.5 * d, -0.55 * d),
               (0.4 * d, 0.8 * d), (3.5 * d, 0.2 * d), (1.2 * d, -1.1 * d)]
    probes = [settle(R - a, zr + b) for a, b in offsets[: max(n_points - 1, 1)]]
    probes.append((R + 0.4 * d, zr - 0.1 * d))
    return source, probes[:n_points] if n_points > 1 else probes[:1]
