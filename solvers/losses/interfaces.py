"""The rough interfaces of a body and the mode's field on them.

Interfaces (names used by LossSettings.roughness):

- "top": the body's upper face, where the outward normal points up (n_z >= 0.9);
- "wall": every other free face of the body (the disk's side wall, a sphere's surface below
  the top cap); the face resting on a substrate (horizontal, at the lowest z of the body, when
  the body has a substrate) is not free and is left out;
- "film": the outer surface of the conformal coating (the nanocrystal film), without its part
  on the substrate. With a film, "top" and "wall" are the body/film interfaces.

Points on the axis (r = 0) are left out. ``sample_interfaces`` cuts each straight edge of the
(r, z) outline into pieces no longer than ``step_um`` and returns their midpoints, outward unit
normals and lengths: curved outlines come as many short chords (the sphere's 512-point outline
lies within 2e-5 um of the circle).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

from geometry.bodies import Body

INTERFACES = ("wall", "top", "film")
TOP_NORMAL_Z = 0.9  # n_z above which a face counts as "top"


@dataclass(frozen=True)
class InterfacePoints:
    """Sample points of one interface in the (r, z) half-plane, um."""

    r_um: np.ndarray
    z_um: np.ndarray
    normal_r: np.ndarray  # outward unit normal (away from the body)
    normal_z: np.ndarray
    ds_um: np.ndarray  # length of outline each point stands for

    @property
    def area_weights_um2(self) -> np.ndarray:
        """Surface of revolution each point stands for, 2 pi r ds (um^2)."""
        return 2.0 * np.pi * self.r_um * self.ds_um


@dataclass(frozen=True)
class InterfaceField:
    """The mode's field on one interface (any common scale of |E|^2, the scale of the
    region energies it is used with).

    ``e_tan2`` = |E_t|^2 + |E_phi|^2 (tangential, continuous across the interface), of which
    ``e_phi2`` = |E_phi|^2 (None: not known, taken as half); ``e_norm_in2`` = |E_n|^2 just
    inside (on the body side); ``eps_in``/``eps_out`` are the real permittivities on the two
    sides.
    """

    points: InterfacePoints
    e_tan2: np.ndarray
    e_norm_in2: np.ndarray
    eps_in: np.ndarray
    eps_out: np.ndarray
    e_phi2: np.ndarray | None = None


def _ccw_ring(poly: shapely.Polygon) -> np.ndarray:
    ring = poly.exterior
    pts = np.asarray(ring.coords)[:-1]
    return pts if ring.is_ccw else pts[::-1]


def _edges(pts: np.ndarray, step_um: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Midpoints, outward normals (counter-clockwise ring) and lengths of the pieces of every
    edge of the closed ring ``pts``."""
    a = pts
    d = np.roll(pts, -1, axis=0) - a
    length = np.hypot(d[:, 0], d[:, 1])
    ok = length > 0.0
    a, d, length = a[ok], d[ok], length[ok]
    k = np.maximum(1, np.ceil(length / step_um).astype(int))
    edge = np.repeat(np.arange(len(k)), k)
    start = np.cumsum(k) - k
    t = (np.arange(int(k.sum())) - start[edge] + 0.5) / k[edge]
    mids = a[edge] + t[:, None] * d[edge]
    nrms = np.column_stack([d[:, 1], -d[:, 0]])[edge] / length[edge, None]
    return mids, nrms, (length / k)[edge]


def _points(mids: np.ndarray, nrms: np.ndarray, ds: np.ndarray, keep: np.ndarray
            ) -> InterfacePoints:
    return InterfacePoints(mids[keep, 0], mids[keep, 1], nrms[keep, 0], nrms[keep, 1], ds[keep])


def sample_interfaces(
    body: Body, step_um: float = 0.02, n_outline: int = 512
) -> dict[str, InterfacePoints]:
    """Sample points of the body's rough interfaces ("wall", "top", and "film" when coated).
    Cached per body (geometry only): a mode search analyses many eigenpairs of one body."""
    key = (type(body).__name__, body.model_dump_json(warnings=False), step_um, n_outline)
    hit = _CACHE.get(key)
    if hit is None:
        hit = _sample(body, step_um, n_outline)
        if len(_CACHE) >= _CACHE_SIZE:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = hit
    return hit


_CACHE: dict[tuple, dict[str, InterfacePoints]] = {}
_CACHE_SIZE = 16


def _sample(body: Body, step_um: float, n_outline: int) -> dict[str, InterfacePoints]:
    sur = body.surroundings
    has_sub = bool(sur.substrate) or sur.substrate_halfspace is not None
    poly = body.polygon(n_outline)
    mids, nrms, ds = _edges(_ccw_ring(poly), step_um)
    zmin = poly.bounds[1]
    tol = 1e-9 * max(1.0, poly.bounds[2])
    on_axis = mids[:, 0] <= tol
    base = has_sub & (nrms[:, 1] < -0.99) & (mids[:, 1] <= zmin + tol)
    free = ~on_axis & ~base
    top = free & (nrms[:, 1] >= TOP_NORMAL_Z)
    out = {"wall": _points(mids, nrms, ds, free & ~top), "top": _points(mids, nrms, ds, top)}
    if sur.coating is not None:
        outer = shapely.union(poly, body.coating_polygon(n_outline))
        if outer.geom_type == "MultiPolygon":
            outer = max(outer.geoms, key=lambda g: g.area)
        fm, fn, fd = _edges(_ccw_ring(outer), step_um)
        fz = min(0.0, zmin) if has_sub else -np.inf
        f_axis = fm[:, 0] <= tol
        f_base = has_sub & (fn[:, 1] < -0.99) & (fm[:, 1] <= fz + tol)
        out["film"] = _points(fm, fn, fd, ~f_axis & ~f_base)
    return out
