"""Radial and axial order of a mode from its (r, z) field map: one rule for both solvers.

The caller gives the dominant in-plane component of the field (tangential to the wall for TE,
normal to it for TM: solvers.modes), the body's outline and the point of largest electric
energy density. The component is phase-normalised at its own maximum and its real part read

- along the outline normal through the energy maximum, inside the body: the radial order is
  the number of sign-alternating lobes (1 = fundamental);
- along the curve parallel to the outline at the maximum's depth (the polar angle for a
  sphere, along the wall for a disk), as a closed loop started at a quiet point: the axial
  order is the number of lobes - 1 (0 = fundamental).

Lobes whose peak is below ``LOBE_THRESHOLD`` = 0.2 of the largest are not counted. Why 0.2:
the true lobes of a whispering-gallery mode are much stronger than that. Radially the field
follows the Airy function Ai(x - a_p) near the rim, whose successive extrema are 1, 0.78, 0.71,
..., 0.56 of the first for the first ten (Abramowitz & Stegun 10.4.95, values of Ai at the
zeros of Ai'); axially it follows Hermite-Gauss functions, whose inner lobes are >= 0.80 of the
outer ones up to order 4. 0.2 keeps a margin of ~3 below the weakest of those, and rejects the
small sign changes a count at 0.1 lets through: evanescent tails past an interface, the
interpolation ripple of a coarse field map, the few-percent admixture of a neighbouring mode in
an FDTD DFT field. Checked against the exact orders of Mie modes (tests/test_fem_mie.py).
"""

from __future__ import annotations

import numpy as np
import shapely
from scipy.interpolate import RegularGridInterpolator
from scipy.spatial import cKDTree

LOBE_THRESHOLD = 0.2


def count_lobes(values: np.ndarray, threshold: float = LOBE_THRESHOLD) -> int:
    """Number of sign-alternating lobes of the real profile ``values`` whose peak exceeds
    ``threshold`` times the largest |value| (0 for a zero profile)."""
    values = np.asarray(values, dtype=float)
    vmax = float(np.max(np.abs(values))) if values.size else 0.0
    if vmax == 0.0:
        return 0
    signs = np.sign(values[np.abs(values) >= threshold * vmax])
    if signs.size == 0:
        return 0
    return int(1 + np.count_nonzero(np.diff(signs) != 0))


def outline_normal(outline: shapely.Polygon, r_um: float, z_um: float) -> np.ndarray:
    """Outward unit normal (n_r, n_z) of ``outline`` at its point nearest (r_um, z_um), the
    symmetry axis r = 0 excluded."""
    pts = np.asarray(outline.exterior.coords)[:-1]
    if outline.exterior.is_ccw is False:
        pts = pts[::-1]
    seg = np.linspace(0.0, 1.0, 8, endpoint=False)[:, None]
    dense = np.concatenate([a + seg * (b - a)
                            for a, b in zip(pts, np.roll(pts, -1, axis=0), strict=True)])
    tang = np.roll(dense, -1, axis=0) - np.roll(dense, 1, axis=0)
    tang /= np.maximum(np.linalg.norm(tang, axis=1, keepdims=True), 1e-300)
    normal = np.column_stack([tang[:, 1], -tang[:, 0]])  # outward for counter-clockwise
    keep = dense[:, 0] > 1e-9 * max(1.0, float(np.max(dense[:, 0])))
    _, i = cKDTree(dense[keep]).query([r_um, z_um])
    return normal[keep][int(i)]


def real_profile(dominant: np.ndarray) -> np.ndarray:
    """Real part of ``dominant`` times the phase that makes it real at its own |maximum|."""
    i = int(np.argmax(np.abs(dominant)))
    ref = np.ravel(dominant)[i]
    return np.real(dominant * (abs(ref) / ref)) if abs(ref) > 0 else np.real(dominant)


def _points_along(vertices: np.ndarray, step: float) -> tuple[np.ndarray, np.ndarray]:
    """Points every ``step`` of arc length along the polyline through ``vertices`` (N x 2),
    from its first vertex: the points shapely's line interpolation gives, by one linear
    interpolation in the cumulative arc length (a per-point call cost as much as the rest
    of a mode's analysis)."""
    arc = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(vertices, axis=0).T))])
    at = np.arange(0.0, arc[-1], step)
    return np.interp(at, arc, vertices[:, 0]), np.interp(at, arc, vertices[:, 1])


def mode_orders(
    r_um: np.ndarray, z_um: np.ndarray, dominant: np.ndarray, outline: shapely.Polygon,
    peak_r_um: float, peak_z_um: float, normal: np.ndarray | None = None,
) -> tuple[int, int]:
    """(radial >= 1, axial >= 0) orders of a mode (see the module docstring).

    ``dominant``: the dominant in-plane component (complex or real), shape (len(z_um),
    len(r_um)) on the regular grid r_um x z_um (um); ``outline``: the body's (r, z) outline;
    the energy maximum at (peak_r_um, peak_z_um); ``normal``: the outline normal to read the
    radial order along (default: ``outline_normal`` at the maximum).
    """
    r_um, z_um = np.asarray(r_um, float), np.asarray(z_um, float)
    if normal is None:
        normal = outline_normal(outline, peak_r_um, peak_z_um)
    interp = RegularGridInterpolator(
        (z_um, r_um), real_profile(np.asarray(dominant)), bounds_error=False, fill_value=0.0)
    span = max(r_um[-1] - r_um[0], z_um[-1] - z_um[0])
    step = 0.25 * min(r_um[1] - r_um[0], z_um[1] - z_um[0])
    s = np.arange(-span, span, step)
    rr, zz = peak_r_um + s * normal[0], peak_z_um + s * normal[1]
    vals = np.where(shapely.contains_xy(outline, rr, zz),
                    interp(np.column_stack([zz, rr])), 0.0)
    radial = max(count_lobes(vals), 1)
    depth = max(float(outline.exterior.distance(shapely.Point(peak_r_um, peak_z_um))),
                2.0 * step)
    inner = outline.buffer(-depth)
    if inner.is_empty:
        return radial, 0
    if inner.geom_type == "MultiPolygon":
        inner = max(inner.geoms, key=lambda g: g.area)
    ring = inner.exterior
    cr, cz = _points_along(np.asarray(ring.coords), step)
    cv = interp(np.column_stack([cz, cr]))
    cv = np.roll(cv, -int(np.argmin(np.abs(cv))))  # start the closed loop at a quiet point
    return radial, max(count_lobes(cv) - 1, 0)
