"""From an eigenvector to a mode record: fields, energies, polarization and mode orders.

- Energies (film fraction, absorption Q, mode volume) use the one definition of
  solvers.energy, integrated exactly over each region of the physical domain (PML
  excluded) with dV = 2 pi r dr dz, as x^H M x with matrices assembled once per mesh
  (Discretisation.energies).
- Q = Re(k0) / (2 |Im(k0)|); Q_absorption = omega W / P_abs from the absorbed power in lossy
  materials and the stored electric + magnetic energy (H from curl E) in the physical domain,
  Q_radiation from 1/Q = 1/Q_radiation + 1/Q_absorption.
- Polarization (solvers.modes convention): the in-plane field (E_r, E_z) is split into the
  component along the outward normal of the body's outline at the point nearest the field
  maximum and the tangential one; "TM" when the normal part carries most of the in-plane
  energy (r-weighted over the field map).
- Orders: solvers.orders (the rule both solvers share) on the dominant in-plane component
  (tangential for TE, normal for TM), with the outline normal used for the polarization.
- For the loss budget (solvers.losses) the field map also carries the electric energy of each
  mesh region and the field on the body's interfaces (solvers.fem.surfaces).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
from ngsolve import VOL, CoefficientFunction, ElementId, x

from geometry.bodies import Body
from solvers.energy import absorption_q, energy_weight, film_fraction
from solvers.fem.formulation import Discretisation
from solvers.fem.mesh import Domain
from solvers.fem.surfaces import interface_fields
from solvers.fields import FieldMap, normalised_field_map
from solvers.orders import mode_orders, outline_normal


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
    k0 = complex(np.sqrt(k0_squared))
    if k0.real < 0:
        k0 = -k0
    q_total = k0.real / (2.0 * abs(k0.imag)) if k0.imag != 0.0 else math.inf

    # electric |E|^2 per region and magnetic |H|^2 = |curl E|^2 / |k0|^2 over the physical
    # domain; the energy functions take one sample per region
    e_region, curl_total = disc.energies(vec, m_az)
    regions = list(e_region)
    el_int = np.array([e_region[r] for r in regions])
    el_eps = np.array([complex(eps[r]) for r in regions])
    in_film = np.isin(regions, list(domain.film_regions))
    in_body = in_film | (np.array(regions) == "body")
    ones = np.ones_like(el_int)
    ff = film_fraction(el_eps, el_int, ones, in_film)
    bf = film_fraction(el_eps, el_int, ones, in_body)
    in_metal = np.real(el_eps) < 0.0
    mf = film_fraction(el_eps, el_int, ones, in_metal) if in_metal.any() else 0.0
    # the magnetic energy is not split by region: all of it on the first sample
    el_h = np.zeros_like(el_int)
    el_h[0] = curl_total / abs(k0) ** 2
    q_abs = absorption_q(el_eps, el_int, ones, el_h)
    inv_rad = 1.0 / q_total - (0.0 if math.isinf(q_abs) else 1.0 / q_abs)
    q_rad = math.inf if inv_rad <= 0.0 else 1.0 / inv_rad

    # per-region x^T B_i x (non-conjugated), for dispersion perturbation
    region_norms = {r: disc.region_norm(r, vec) for r in domain.materials}

    fmap, fmap_scale = sample_field(domain, body, gf, eps, grid_points)
    el_w = energy_weight(el_eps) * el_int / fmap_scale
    fmap = replace(
        fmap,
        region_energy={r: float(w_r) for r, w_r in zip(regions, el_w, strict=True)},
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
    radial, axial = mode_orders(fmap.r_um, fmap.z_um, e_dom, _outline(body, 256), pr, pz,
                                normal)
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


_POINTS: dict = {}  # the last mesh's located sampling grid (see sample_field)
_OUTLINES: dict = {}  # the last body's outline polygons (see _outline)


def _outline(body: Body, n_points: int):
    """``body.polygon(n_points)``, built once per body (every mode of a scan reads it)."""
    if _OUTLINES.get("body") is not body:
        _OUTLINES.clear()
        _OUTLINES["body"] = body
    if n_points not in _OUTLINES:
        _OUTLINES[n_points] = body.polygon(n_points)
    return _OUTLINES[n_points]


def sample_field(
    domain: Domain, body: Body, gf, eps: dict[str, complex], n: int
) -> tuple[FieldMap, float]:
    """Sample the mode on an n x n grid over the physical region; returns the normalised map
    and the raw peak |E|^2 it was divided by."""
    mesh = domain.mesh
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
    # the unknowns themselves, E_phi = -i u / r formed here: evaluating the composite
    # coefficient function took twice as long
    v, u = gf.components
    e_rz = np.asarray(v(pts)).reshape(-1, 2)
    er, ez = e_rz[:, 0].reshape(rg.shape), e_rz[:, 1].reshape(rg.shape)
    ep = -1j * np.asarray(u(pts)).reshape(rg.shape) / rg
    table = np.array([complex(eps[r]) for r in domain.materials] + [1.0 + 0j])
    eg = table[region].reshape(rg.shape)
    return normalised_field_map(rr, zz, er, ep, ez, eg)


def _polarization(
    body: Body, fmap: FieldMap, peak_r: float, peak_z: float
) -> tuple[str, float, np.ndarray, np.ndarray]:
    """Polarization family, normal-energy fraction, the dominant in-plane component and the
    normal used.

    One direction pair for the whole mode: the outward normal n of the body's outline at the
    point nearest the field maximum, and the in-plane tangent t. E_n = E . n, E_t = E . t.
    """
    nr, nz = outline_normal(_outline(body, 512), peak_r, peak_z)
    e_n = fmap.E_r * nr + fmap.E_z * nz
    e_t = -fmap.E_r * nz + fmap.E_z * nr
    w = np.meshgrid(fmap.r_um, fmap.z_um)[0]  # volume element ~ r
    en = float(np.sum(np.abs(e_n) ** 2 * w))
    et = float(np.sum(np.abs(e_t) ** 2 * w))
    frac = en / (en + et) if en + et > 0 else 0.0
    pol = "TM" if frac > 0.5 else "TE"
    dom = e_n if pol == "TM" else e_t
    return pol, frac, dom, np.array([nr, nz])
