"""The (r, z) field of a Meep mode from its DFT arrays: polarization, orders, energies.

Same rules as the FEM solver (solvers.fem.analysis), so the two solvers classify alike:

- polarization: the in-plane field (E_r, E_z) at every sample is split into the part normal to
  the body's outline (nearest outline point) and the tangential part, weighted by r; "TM" when
  the normal part carries most of the in-plane energy (solvers/modes.py convention);
- orders: the phase-normalised dominant in-plane component (tangential for TE, normal for TM)
  along the line through the energy maximum at constant z (radial order = number of lobes,
  lobes weaker than 10 % ignored) and at constant r (axial order = lobes - 1);
- energies: solvers.energy's weight e(eps) |E|^2 with dV = 2 pi r dr dz over the DFT region
  (the physical domain near the body, PML excluded). On the Yee grid a thin film is only a few
  pixels thick, so the film fraction from these pixels is a rough check (``film_fraction_dft``);
  the film fraction reported is the perturbative one (solvers.meep, exact to first order).

Meep 1.25 returns cylindrical arrays (z, r)-ordered on voxel centres (issue 5).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely

from solvers.energy import energy_weight


@dataclass(frozen=True)
class MeepFieldMap:
    """A mode's DFT field on the Meep grid: arrays (len(z_um), len(r_um)), max |E| = 1."""

    r_um: np.ndarray
    z_um: np.ndarray
    E_r: np.ndarray
    E_phi: np.ndarray
    E_z: np.ndarray
    eps: np.ndarray  # Meep's (sub-pixel averaged) permittivity at the pixel, real part

    @property
    def intensity(self) -> np.ndarray:
        """|E|^2 on the grid."""
        return np.abs(self.E_r) ** 2 + np.abs(self.E_phi) ** 2 + np.abs(self.E_z) ** 2


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


def field_map(r_um: np.ndarray, z_um: np.ndarray, er: np.ndarray, ep: np.ndarray,
              ez: np.ndarray, eps: np.ndarray) -> MeepFieldMap:
    """Normalise the DFT arrays (phase of the largest component at the |E| maximum, max 1)."""
    inten = np.abs(er) ** 2 + np.abs(ep) ** 2 + np.abs(ez) ** 2
    i = int(np.argmax(inten))
    big = [er.ravel()[i], ep.ravel()[i], ez.ravel()[i]]
    ref = big[int(np.argmax(np.abs(big)))]
    phase = ref / abs(ref) if abs(ref) > 0 else 1.0
    norm = math.sqrt(float(inten.ravel()[i])) or 1.0
    c = 1.0 / (phase * norm)
    return MeepFieldMap(np.asarray(r_um), np.asarray(z_um), er * c, ep * c, ez * c,
                        np.asarray(eps, dtype=float))


def _lobes(values: np.ndarray, threshold: float = 0.1) -> int:
    vmax = float(np.max(np.abs(values))) if values.size else 0.0
    if vmax == 0.0:
        return 0
    signs = np.sign(values[np.abs(values) >= threshold * vmax])
    return int(1 + np.count_nonzero(np.diff(signs) != 0)) if signs.size else 0


def _outline_normals(outline: shapely.Polygon) -> tuple[np.ndarray, np.ndarray]:
    """Dense points on the outline (r > 0 part) with outward unit normals."""
    ring = shapely.geometry.polygon.orient(outline, 1.0).exterior
    pts = np.asarray(ring.segmentize(ring.length / 2000.0).coords)
    tang = np.roll(pts, -1, axis=0) - np.roll(pts, 1, axis=0)
    tang /= np.maximum(np.linalg.norm(tang, axis=1, keepdims=True), 1e-300)
    normal = np.column_stack([tang[:, 1], -tang[:, 0]])
    keep = pts[:, 0] > 1e-9
    return pts[keep], normal[keep]


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


def analyse_field(fmap: MeepFieldMap, body_polygon: shapely.Polygon,
                  coating: shapely.Geometry, film_eps: float | None) -> FieldAnalysis:
    """Polarization, orders and grid energies of one mode (see the module docstring)."""
    rg, zg = np.meshgrid(fmap.r_um, fmap.z_um)
    outline = body_polygon.union(coating) if not coating.is_empty else body_polygon
    pts, normals = _outline_normals(body_polygon)
    q = np.column_stack([rg.ravel(), zg.ravel()])
    idx = np.empty(q.shape[0], dtype=int)
    for s in range(0, q.shape[0], 2048):
        d2 = ((q[s:s + 2048, None, :] - pts[None, :, :]) ** 2).sum(axis=2)
        idx[s:s + 2048] = np.argmin(d2, axis=1)
    nr = normals[idx, 0].reshape(rg.shape)
    nz = normals[idx, 1].reshape(rg.shape)
    e_n = fmap.E_r * nr + fmap.E_z * nz
    e_t = -fmap.E_r * nz + fmap.E_z * nr
    en = float(np.sum(np.abs(e_n) ** 2 * rg))
    et = float(np.sum(np.abs(e_t) ** 2 * rg))
    frac = en / (en + et) if en + et > 0 else 0.0
    pol = "TM" if frac > 0.5 else "TE"
    dom = e_n if pol == "TM" else e_t

    w = energy_weight(fmap.eps) * fmap.intensity * rg  # 2 pi dr dz cancels in ratios
    iz, ir = np.unravel_index(int(np.argmax(w / np.maximum(rg, 1e-12))), w.shape)
    ref = dom[iz, ir]
    dom_real = np.real(dom * (abs(ref) / ref)) if abs(ref) > 0 else np.real(dom)
    rim_cols = int(np.count_nonzero(
        fmap.r_um <= outline.bounds[2] + 0.05 * (fmap.r_um[-1] - fmap.r_um[0])))
    radial = _lobes(dom_real[iz, :rim_cols])
    axial = _lobes(dom_real[:, ir]) - 1

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
        polarization=pol, normal_fraction=frac, radial_order=max(radial, 1),
        axial_order=max(axial, 0), film_fraction_dft=film, body_fraction=body_frac,
        mode_volume_um3=volume, peak_r_um=float(fmap.r_um[ir]), peak_z_um=float(fmap.z_um[iz]),
    )
