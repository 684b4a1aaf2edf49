"""From an eigenvector to a mode record: fields, energies, polarization and mode orders.

- Energies (film fraction, absorption Q, mode volume) use the one definition of
  solvers.energy, integrated exactly element by element over the physical domain (PML
  excluded) with dV = 2 pi r dr dz.
- Q = Re(k0) / (2 |Im(k0)|); Q_absorption = omega W / P_abs from the absorbed power in lossy
  materials and the stored electric + magnetic energy (H from curl E) in the physical domain,
  Q_radiation from 1/Q = 1/Q_radiation + 1/Q_absorption.
- Polarization (solvers.modes convention): the in-plane field (E_r, E_z) is split into the
  component along the outward normal of the body's outline at the point nearest the field
  maximum and the tangential one; "TM" when the normal part carries most of the in-plane
  energy (r-weighted over the field map).
- Orders: the phase-normalised dominant in-plane component (tangential for TE, normal for TM) is
  read along the outline normal through the field maximum (radial order = number of lobes,
  inside the body) and along the curve parallel to the outline at the maximum's depth (axial
  order = lobes - 1: the polar angle for a sphere, along the wall for a disk); lobes weaker
  than 20 % of the maximum are ignored.
- For the loss budget (solvers.losses) the field map also carries the electric energy of each
  mesh region and the field on the body's interfaces (solvers.fem.surfaces).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import shapely
from ngsolve import VOL, CoefficientFunction, ElementId, Integrate, Norm, curl, grad, x
from scipy.interpolate import RegularGridInterpolator
from scipy.spatial import cKDTree

from geometry.bodies import Body
from solvers.energy import absorption_q, energy_weight, film_fraction
from solvers.fem.formulation import Discretisation
from solvers.fem.mesh import Domain
from solvers.fem.surfaces import interface_fields


@dataclass(frozen=True)
class FieldMap:
    """Field of a mode on a regular (r, z) grid (um), phase-normalised, for plotting.

    Arrays have shape (len(z_um), len(r_um)); E components are complex, arbitrary scale
    (max |E| = 1).
    """

    r_um: np.ndarray
    z_um: np.ndarray
    E_r: np.ndarray
    E_phi: np.ndarray
    E_z: np.ndarray
    eps: np.ndarray
    # for the loss budget (solvers.losses), on the scale of the map (|E|^2 / raw peak):
    # integral of w_E over each mesh region of the physical domain (um^3), the material of each
    # region, and the field on the body's interfaces (solvers.losses.interfaces)
    region_energy: dict[str, float] = field(default_factory=dict)
    region_material: dict[str, Any] = field(default_factory=dict)
    interfaces: dict[str, Any] = field(default_factory=dict)

    @property
    def intensity(self) -> np.ndarray:
        """|E|^2 on the grid."""
        return np.abs(self.E_r) ** 2 + np.abs(self.E_phi) ** 2 + np.abs(self.E_z) ** 2


@dataclass(frozen=True)
class ModeAnalysis:
    """Everything derived from one eigenpair."""

    k0: complex  # 1/um
    Q: float
    Q_absorption: float
    Q_radiation: float
    film_fraction: float
    body_fraction: float  # electric energy fraction in body + film
    metal_fraction: float  # electric energy fraction in materials with Re(eps) < 0
    peak_region: str  # mesh region holding the maximum of the electric energy density
    polarization: str
    normal_fraction: float
    radial_order: int
    axial_order: int
    mode_volume_um3: float
    peak_r_um: float
    peak_z_um: float
    region_norms: dict[str, complex]  # integral of the mass density per region (x^T B_i x)
    field: FieldMap


def _field_cfs(gf) -> tuple[CoefficientFunction, CoefficientFunction, CoefficientFunction]:
    v, u = gf.components
    e_r = v[0]
    e_z = v[1]
    e_phi = -1j * u / x
    return e_r, e_phi, e_z


@functools.lru_cache(maxsize=16)
def _outline_normals(body: Body) -> tuple[np.ndarray, np.ndarray]:
    """Points of the body's outline (excluding the axis) and their outward unit normals
    (cached: every mode of a scan asks for the same body)."""
    poly = body.polygon(512)
    pts = np.asarray(poly.exterior.coords)[:-1]
    if poly.exterior.is_ccw is False:
        pts = pts[::-1]
    # densify
    dense = []
    for a, b in zip(pts, np.roll(pts, -1, axis=0), strict=True):
        seg = np.linspace(0.0, 1.0, 8, endpoint=False)[:, None]
        dense.append(a + seg * (b - a))
    d = np.concatenate(dense)
    tang = np.roll(d, -1, axis=0) - np.roll(d, 1, axis=0)
    tang /= np.maximum(np.linalg.norm(tang, axis=1, keepdims=True), 1e-300)
    normal = np.column_stack([tang[:, 1], -tang[:, 0]])  # outward for counter-clockwise
    keep = d[:, 0] > 1e-9 * max(1.0, float(np.max(d[:, 0])))
    return d[keep], normal[keep]


@functools.lru_cache(maxsize=16)
def _polygon(body: Body):
    """The body's outline as a shapely polygon (cached like _outline_normals)."""
    return body.polygon(256)


def _lobes(values: np.ndarray, threshold: float = 0.2) -> int:
    """Number of sign-alternating lobes of ``values`` whose peak exceeds threshold * max."""
    vmax = float(np.max(np.abs(values)))
    if vmax == 0.0:
        return 0
    sig = np.abs(values) >= threshold * vmax
    signs = np.sign(values[sig])
    if signs.size == 0:
        return 0
    return int(1 + np.count_nonzero(np.diff(signs) != 0))


def analyse(
    disc: Discretisation,
    domain: Domain,
    body: Body,
    vec: np.ndarray,
    k0_squared: complex,
    eps: dict[str, complex],
    m_az: int,
    grid_points: int = 121,
) -> ModeAnalysis:
    """Post-process one eigenpair of ``disc`` for azimuthal number ``m_az`` (permittivities
    ``eps`` by region)."""
    mesh = domain.mesh
    gf = disc.gridfunction(vec)
    e_r, e_phi, e_z = _field_cfs(gf)
    st = disc.stretch
    phys = st.physical
    k0 = complex(np.sqrt(k0_squared))
    if k0.real < 0:
        k0 = -k0
    q_total = k0.real / (2.0 * abs(k0.imag)) if k0.imag != 0.0 else math.inf

    # element-wise integrals over the physical domain
    evec = CoefficientFunction((e_r, e_phi, e_z))
    e2 = Norm(evec) ** 2
    el_int = np.asarray(Integrate(e2 * 2.0 * math.pi * x * phys, mesh, element_wise=True)).real
    names = mesh.GetMaterials()
    el_region = np.array([names[el.index] for el in mesh.Elements(VOL)])
    el_eps = np.array([eps[r] for r in el_region])
    in_film = np.isin(el_region, list(domain.film_regions))
    in_body = in_film | (el_region == "body")
    ff = film_fraction(el_eps, el_int, np.ones_like(el_int), in_film)
    bf = film_fraction(el_eps, el_int, np.ones_like(el_int), in_body)
    in_metal = np.real(el_eps) < 0.0
    mf = film_fraction(el_eps, el_int, np.ones_like(el_int), in_metal) if in_metal.any() else 0.0
    # magnetic energy density |H|^2 = |curl E|^2 / |k0|^2 (physical domain, s = 1)
    v_c, u_c = gf.components
    g_r = grad(u_c)[0] + m_az * v_c[0]
    g_z = grad(u_c)[1] + m_az * v_c[1]
    curl2 = (Norm(g_r) ** 2 + Norm(g_z) ** 2) / (x * x) + Norm(curl(v_c)) ** 2
    el_h = np.asarray(
        Integrate(curl2 * 2.0 * math.pi * x * phys, mesh, element_wise=True)
    ).real / abs(k0) ** 2
    q_abs = absorption_q(el_eps, el_int, np.ones_like(el_int), el_h)
    inv_rad = 1.0 / q_total - (0.0 if math.isinf(q_abs) else 1.0 / q_abs)
    q_rad = math.inf if inv_rad <= 0.0 else 1.0 / inv_rad

    # per-region x^T B_i x (non-conjugated), for dispersion perturbation
    region_norms = {r: disc.region_norm(r, vec) for r in domain.materials}

    fmap, fmap_scale = sample_field(domain, body, gf, eps, grid_points)
    el_w = energy_weight(el_eps) * el_int / fmap_scale
    fmap = replace(
        fmap,
        region_energy={r: float(np.sum(el_w[el_region == r])) for r in domain.materials},
        region_material=dict(domain.materials),
        interfaces=interface_fields(domain, body, (e_r, e_phi, e_z), eps, fmap_scale),
    )
    w = energy_weight(fmap.eps) * fmap.intensity
    iz, ir = np.unravel_index(int(np.argmax(w)), w.shape)
    peak_region = _region_at(mesh, float(fmap.r_um[ir]), float(fmap.z_um[iz]))
    peak_w = float(w[iz, ir])
    # mode volume: integral of w_E over the physical domain / peak of w_E (same scale)
    scale = float(np.sum(energy_weight(el_eps) * el_int))
    mode_volume = scale / (peak_w * fmap_scale) if peak_w > 0 else math.nan

    pr, pz = float(fmap.r_um[ir]), float(fmap.z_um[iz])
    pol, nfrac, e_dom, normal = _polarization(body, fmap, pr, pz)
    radial, axial = _orders(fmap, e_dom, pr, pz, normal, body)
    return ModeAnalysis(
        k0=k0,
        Q=q_total,
        Q_absorption=q_abs,
        Q_radiation=q_rad,
        film_fraction=ff,
        body_fraction=bf,
        metal_fraction=mf,
        peak_region=peak_region,
        polarization=pol,
        normal_fraction=nfrac,
        radial_order=max(radial, 1),
        axial_order=max(axial, 0),
        mode_volume_um3=mode_volume,
        peak_r_um=float(fmap.r_um[ir]),
        peak_z_um=float(fmap.z_um[iz]),
        region_norms=region_norms,
        field=fmap,
    )


def _region_at(mesh, r: float, z: float) -> str:
    """Name of the mesh region containing the point (r, z)."""
    mp = mesh(r, z)
    return str(mesh[ElementId(VOL, mp.nr)].mat) if mp.nr >= 0 else ""


def _orders(
    fmap: FieldMap, e_dom: np.ndarray, pr: float, pz: float, normal: np.ndarray, body: Body
) -> tuple[int, int]:
    """(radial, axial) orders of the dominant component: lobes along the outline normal through
    the field maximum (radial), and along the curve parallel to the outline at the maximum's
    depth (axial: lobes - 1), inside the body only."""
    interp = RegularGridInterpolator(
        (fmap.z_um, fmap.r_um), e_dom, bounds_error=False, fill_value=0.0
    )
    poly = _polygon(body)
    span = max(fmap.r_um[-1] - fmap.r_um[0], fmap.z_um[-1] - fmap.z_um[0])
    step = 0.25 * min(fmap.r_um[1] - fmap.r_um[0], fmap.z_um[1] - fmap.z_um[0])
    s = np.arange(-span, span, step)
    rr, zz = pr + s * normal[0], pz + s * normal[1]
    vals = np.where(shapely.contains_xy(poly, rr, zz), interp(np.column_stack([zz, rr])), 0.0)
    radial = _lobes(vals)
    # parallel curve at the depth of the maximum
    depth = float(poly.exterior.distance(shapely.Point(pr, pz)))
    depth = max(depth, 2.0 * step)
    inner = poly.buffer(-depth)
    if inner.is_empty:
        return radial, 0
    if inner.geom_type == "MultiPolygon":
        inner = max(inner.geoms, key=lambda g: g.area)
    ring = inner.exterior
    xy = shapely.get_coordinates(
        shapely.line_interpolate_point(ring, np.arange(0.0, ring.length, step))
    )
    cr, cz = xy[:, 0], xy[:, 1]
    cv = interp(np.column_stack([cz, cr]))
    cv = np.roll(cv, -int(np.argmin(np.abs(cv))))  # start the closed loop at a quiet point
    return radial, _lobes(cv) - 1


_POINTS: dict = {}  # the last mesh's located sampling grid (see sample_field)


def sample_field(
    domain: Domain, body: Body, gf, eps: dict[str, complex], n: int
) -> tuple[FieldMap, float]:
    """Sample the mode on an n x n grid over the physical region; returns the normalised map
    and the raw peak |E|^2 it was divided by."""
    mesh = domain.mesh
    e_r, e_phi, e_z = _field_cfs(gf)
    r0 = domain.r_in_um if domain.r_in_um > 0 else 0.0
    r1 = domain.r_phys_um
    z0, z1 = domain.z_lo_phys_um, domain.z_hi_phys_um
    # avoid the axis itself (E_phi = u / r)
    rr = np.linspace(r0 + 1e-6 * (r1 - r0), r1 - 1e-9 * (r1 - r0), n)
    zz = np.linspace(z0 + 1e-9 * (z1 - z0), z1 - 1e-9 * (z1 - z0), n)
    rg, zg = np.meshgrid(rr, zz)
    # locating the grid points in the mesh costs more than evaluating the field there: once
    # per mesh and grid
    key = (id(mesh), n)
    if _POINTS.get("key") != key:
        _POINTS.clear()
        pts = mesh(rg.ravel(), zg.ravel())
        region_cf = mesh.MaterialCF({r: float(i) for i, r in enumerate(domain.materials)},
                                    default=-1.0)
        region = np.rint(np.asarray(region_cf(pts)).ravel()).astype(int)
        _POINTS.update(key=key, pts=pts, mesh=mesh, region=region)
    pts, region = _POINTS["pts"], _POINTS["region"]
    e_all = np.asarray(CoefficientFunction((e_r, e_z, e_phi))(pts)).reshape(-1, 3)
    er, ez, ep = (e_all[:, i].reshape(rg.shape) for i in range(3))
    table = np.array([complex(eps[r]) for r in domain.materials] + [1.0 + 0j])
    eg = table[region].reshape(rg.shape)
    inten = np.abs(er) ** 2 + np.abs(ep) ** 2 + np.abs(ez) ** 2
    i = int(np.argmax(inten))
    big = [er.ravel()[i], ep.ravel()[i], ez.ravel()[i]]
    ref = big[int(np.argmax(np.abs(big)))]
    phase = ref / abs(ref) if abs(ref) > 0 else 1.0
    norm = math.sqrt(float(inten.ravel()[i])) or 1.0
    fmap = FieldMap(
        r_um=rr, z_um=zz, E_r=er / (phase * norm), E_phi=ep / (phase * norm),
        E_z=ez / (phase * norm), eps=eg,
    )
    return fmap, norm**2


def _polarization(
    body: Body, fmap: FieldMap, peak_r: float, peak_z: float
) -> tuple[str, float, np.ndarray, np.ndarray]:
    """Polarization family, normal-energy fraction, the dominant in-plane component and the
    normal used.

    One direction pair for the whole mode: the outward normal n of the body's outline at the
    point nearest the field maximum, and the in-plane tangent t. E_n = E . n, E_t = E . t.
    """
    pts, normals = _outline_normals(body)
    _, i_near = cKDTree(pts).query([peak_r, peak_z])
    nr, nz = normals[int(i_near)]
    e_n = fmap.E_r * nr + fmap.E_z * nz
    e_t = -fmap.E_r * nz + fmap.E_z * nr
    w = np.meshgrid(fmap.r_um, fmap.z_um)[0]  # volume element ~ r
    en = float(np.sum(np.abs(e_n) ** 2 * w))
    et = float(np.sum(np.abs(e_t) ** 2 * w))
    frac = en / (en + et) if en + et > 0 else 0.0
    pol = "TM" if frac > 0.5 else "TE"
    dom = e_n if pol == "TM" else e_t
    # phase-normalise the dominant component at its own maximum
    i = int(np.argmax(np.abs(dom)))
    ref = dom.ravel()[i]
    dom_real = np.real(dom * (abs(ref) / ref)) if abs(ref) > 0 else np.real(dom)
    return pol, frac, dom_real, np.array([nr, nz])
