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
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely
from ngsolve import VOL, CoefficientFunction, ElementId, Integrate, Norm, curl, grad, x
from scipy.interpolate import RegularGridInterpolator
from scipy.spatial import cKDTree

from geometry.bodies import Body
from solvers.energy import absorption_q, energy_weight, film_fraction
from solvers.fem.formulation import Discretisation
from solvers.fem.mesh import Domain
from solvers.fields import FieldMap, normalised_field_map


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
    physical_fraction: float  # fraction of the (non-conjugated) field norm outside the PML
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


def _outline_normals(body: Body) -> tuple[np.ndarray, np.ndarray]:
    """Points of the body's outline (excluding the axis) and their outward unit normals."""
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
    v, u = gf.components
    cr = st.s_z / st.s_r
    cz = st.s_r / st.s_z
    dens = st.r_t * (cr * v[0] * v[0] + cz * v[1] * v[1]) + st.s_r * st.s_z * u * u / st.r_t
    el_dens = np.asarray(Integrate(dens, mesh, element_wise=True))
    region_norms = {r: complex(np.sum(el_dens[el_region == r])) for r in domain.materials}
    tot_norm = np.abs(el_dens).sum()
    phys_dens = np.asarray(Integrate(dens * phys, mesh, element_wise=True))
    physical_fraction = float(np.abs(phys_dens).sum() / tot_norm) if tot_norm > 0 else 0.0

    fmap, fmap_scale = sample_field(domain, body, gf, eps, grid_points)
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
        physical_fraction=physical_fraction,
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
    poly = body.polygon(256)
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
    pts = [ring.interpolate(d) for d in np.arange(0.0, ring.length, step)]
    cr = np.array([p.x for p in pts])
    cz = np.array([p.y for p in pts])
    cv = interp(np.column_stack([cz, cr]))
    cv = np.roll(cv, -int(np.argmin(np.abs(cv))))  # start the closed loop at a quiet point
    return radial, _lobes(cv) - 1


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
    pts = mesh(rg.ravel(), zg.ravel())
    er = np.asarray(e_r(pts)).reshape(rg.shape)
    ez = np.asarray(e_z(pts)).reshape(rg.shape)
    ep = np.asarray(e_phi(pts)).reshape(rg.shape)
    eps_cf = mesh.MaterialCF({k: complex(v) for k, v in eps.items()}, default=1.0)
    eg = np.asarray(eps_cf(pts)).reshape(rg.shape)
    return normalised_field_map(rr, zz, er, ep, ez, eg)


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
