"""The (r, z) field of a Meep mode from its DFT arrays: polarization, orders, energies.

Rules close to the FEM solver's (solvers.fem.analysis), so the two solvers classify alike:

- polarization (solvers/modes.py convention): the in-plane field (E_r, E_z) is split into the
  part along the outward normal of the wall at the rim and the part along the wall, weighted
  by r; "TM" when the normal part carries most of the in-plane energy. (The FEM solver uses
  the nearest outline point of each sample instead; on a thin flat disk that counts a TE
  mode's E_z as normal to the top face, so Meep uses the single rim normal);
- orders: solvers.orders, the rule both solvers share, on the dominant in-plane component
  (tangential for TE, normal for TM) and the body's outline;
- energies: solvers.energy's weight e(eps) |E|^2 with dV = 2 pi r dr dz over the DFT region
  (the physical domain near the body, PML excluded). On the Yee grid a thin film is only a few
  pixels thick, so the film fraction from these pixels is a rough check (``film_fraction_dft``);
  the film fraction reported is the perturbative one (solvers.meep, exact to first order).

Meep 1.25 returns cylindrical arrays (z, r)-ordered on voxel centres (measured). The permittivity
of each pixel at the mode's frequency comes from the scene (``scene_eps_grid``): Meep's own eps
grid is its instantaneous eps (eps_inf of the dispersion fits) and its ``get_array(frequency=)``
is broken in cylindrical mode in 1.25.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely

from solvers.energy import energy_weight
from solvers.fields import FieldMap
from solvers.orders import mode_orders


@dataclass(frozen=True)
class FieldAnalysis:
    polarization: str
    normal_fraction: float
    radial_order: int
    axial_order: int
    film_fraction_dft: float
    body_fraction: float
    mode_volume_um3: float
    peak_r_um: float
    peak_z_um: float


def _area_fraction(geom: shapely.Geometry, r: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Fraction of each grid pixel (centres r, z; uniform spacing) covered by ``geom``."""
    out = np.zeros((z.size, r.size))
    if geom.is_empty:
        return out
    dr = (r[-1] - r[0]) / max(r.size - 1, 1)
    dz = (z[-1] - z[0]) / max(z.size - 1, 1)
    minr, minz, maxr, maxz = geom.bounds
    ir = np.nonzero((r + dr / 2 >= minr) & (r - dr / 2 <= maxr))[0]
    iz = np.nonzero((z + dz / 2 >= minz) & (z - dz / 2 <= maxz))[0]
    if ir.size == 0 or iz.size == 0:
        return out
    rr, zz = np.meshgrid(r[ir], z[iz])
    boxes = shapely.box(rr - dr / 2, zz - dz / 2, rr + dr / 2, zz + dz / 2)
    out[np.ix_(iz, ir)] = shapely.area(shapely.intersection(boxes, geom)) / (dr * dz)
    return out


def _object_geometry(obj: dict[str, Any]) -> shapely.Geometry:
    """The (r, z) shape of one scene object (solvers.meep.scene), unshifted coordinates."""
    if obj["type"] == "block":
        (ra, rb), (za, zb) = obj["r"], obj["z"]
        return shapely.box(ra, za, rb, zb)
    if obj["type"] == "sphere":
        return shapely.Point(0.0, obj["center_z"]).buffer(obj["radius"], quad_segs=256)
    if obj["type"] == "prism":
        return shapely.Polygon(obj["vertices"])
    raise ValueError(f"unknown object type {obj['type']!r}")


def scene_eps_grid(scene: Any, r_um: np.ndarray, z_um: np.ndarray,
                   wavelength_nm: float) -> np.ndarray:
    """Complex permittivity of each (z, r) pixel of the scene at ``wavelength_nm`` (nm).

    Each pixel's eps is the area-weighted mean over the materials covering it (later objects
    painted over earlier ones, as in Meep; the rest is the environment), each material taken
    from the Drude-Lorentz fit Meep runs (``scene.materials``, within the fit error of
    solvers.materials). This is the eps the energy sums need, at the mode's frequency; it
    differs from Meep's anisotropic sub-pixel average only in pixels cut by an interface.
    """
    r = np.asarray(r_um, dtype=float)
    z = np.asarray(z_um, dtype=float)
    env_key = scene.extra.get("environment")
    env_eps = (complex(scene.materials[env_key].permittivity(wavelength_nm))
               if env_key else 1.0 + 0.0j)
    eps = np.zeros((z.size, r.size), dtype=complex)
    covered = np.zeros((z.size, r.size))
    painted: shapely.Geometry = shapely.Polygon()
    for obj in reversed(scene.objects):  # the last object is on top
        geom = _object_geometry(obj)
        visible = geom.difference(painted) if not painted.is_empty else geom
        painted = painted.union(geom)
        frac = _area_fraction(visible, r, z)
        if np.any(frac > 0.0):
            eps += frac * complex(scene.materials[obj["material"]].permittivity(wavelength_nm))
            covered += frac
    eps += np.clip(1.0 - covered, 0.0, 1.0) * env_eps
    return eps


def rim_normal(body_polygon: shapely.Polygon, rim_r: float, rim_z: float) -> tuple[float, float]:
    """Outward unit normal (n_r, n_z) of the body's wall at the rim.

    Taken at the outline point nearest to (rim_r, rim_z - 1 % of the body height): the wall
    just below the rim (a disk's rim is the corner of its top face and its wall; a sphere's is
    its equator)."""
    _, zmin, _, zmax = body_polygon.bounds
    probe = shapely.Point(rim_r, rim_z - 0.01 * (zmax - zmin))
    ring = body_polygon.exterior
    s = ring.project(probe)
    d = 1e-4 * ring.length
    a, b = ring.interpolate(s - d), ring.interpolate(s + d)
    t = np.array([b.x - a.x, b.y - a.y])
    t /= np.linalg.norm(t) or 1.0
    n = np.array([t[1], -t[0]])
    c = np.array(body_polygon.centroid.coords[0])
    if np.dot(n, np.array([rim_r, rim_z]) - c) < 0:
        n = -n
    return float(n[0]), float(n[1])


def analyse_field(fmap: FieldMap, body_polygon: shapely.Polygon,
                  coating: shapely.Geometry, film_eps: float | None,
                  rim_r: float, rim_z: float) -> FieldAnalysis:
    """Polarization, orders and grid energies of one mode (see the module docstring)."""
    rg, _ = np.meshgrid(fmap.r_um, fmap.z_um)
    outline = body_polygon.union(coating) if not coating.is_empty else body_polygon
    nr, nz = rim_normal(body_polygon, rim_r, rim_z)
    e_n = fmap.E_r * nr + fmap.E_z * nz
    e_t = -fmap.E_r * nz + fmap.E_z * nr
    en = float(np.sum(np.abs(e_n) ** 2 * rg))
    et = float(np.sum(np.abs(e_t) ** 2 * rg))
    frac = en / (en + et) if en + et > 0 else 0.0
    pol = "TM" if frac > 0.5 else "TE"
    dom = e_n if pol == "TM" else e_t

    w = energy_weight(fmap.eps) * fmap.intensity * rg  # 2 pi dr dz cancels in ratios
    iz, ir = np.unravel_index(int(np.argmax(w / np.maximum(rg, 1e-12))), w.shape)
    # orders as the FEM solver reads them: along the normal of the body's outline nearest the
    # energy maximum (not the rim normal used for the polarization above)
    radial, axial = mode_orders(fmap.r_um, fmap.z_um, dom, body_polygon,
                                float(fmap.r_um[ir]), float(fmap.z_um[iz]))

    total = float(np.sum(w))
    in_body = _area_fraction(outline, fmap.r_um, fmap.z_um)
    body_frac = float(np.sum(w * in_body) / total) if total > 0 else math.nan
    if coating.is_empty or film_eps is None:
        film = 0.0
    else:
        a_film = _area_fraction(coating, fmap.r_um, fmap.z_um)
        # the film's own energy weight on the film's share of each pixel
        w_film = film_eps * fmap.intensity * rg * a_film
        film = float(np.sum(w_film) / total) if total > 0 else math.nan
    dr = (fmap.r_um[-1] - fmap.r_um[0]) / max(fmap.r_um.size - 1, 1)
    dz = (fmap.z_um[-1] - fmap.z_um[0]) / max(fmap.z_um.size - 1, 1)
    dens = energy_weight(fmap.eps) * fmap.intensity
    volume = float(np.sum(dens * 2.0 * math.pi * rg * dr * dz) / np.max(dens))
    return FieldAnalysis(
        polarization=pol, normal_fraction=frac, radial_order=radial, axial_order=axial,
        film_fraction_dft=film, body_fraction=body_frac,
        mode_volume_um3=volume, peak_r_um=float(fmap.r_um[ir]), peak_z_um=float(fmap.z_um[iz]),
    )
