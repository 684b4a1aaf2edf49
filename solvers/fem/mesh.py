"""Meshing of an axisymmetric body and its surroundings in the (r, z) half-plane (Netgen/OCC).

Regions (mesh materials): "body", "film" (the conformal coating, body outline offset by the
coating thickness with rounded convex corners, exactly as ``Body.coating_polygon`` describes
it), "layer0", "layer1", ... (substrate stack from z = 0 down), "halfspace" (below the stack)
and "env" (the medium above). Curved outlines are exact (sphere arcs) or splines through the
analytic wall (parabolic disk), and elements are curved to the mesh order.

The computational box is the physical box extended by perfectly matched layers on the outer
radius, top and bottom; media continue straight into the layers. Its outer boundary, the axis
(r = 0) and the inner cut (r = r_in > 0, when only the rim region is meshed) are perfect
electric conductors; on the axis this is the exact condition E_z = r E_phi = 0 for m != 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from netgen.occ import Face, Glue, OCCGeometry, WorkPlane
from ngsolve import Mesh

from geometry.bodies import Body, Cylinder, ParabolicDisk, PolygonBody, Sphere
from solvers.fem.settings import FemSettings
from solvers.materials import permittivity, refractive_index


@dataclass(frozen=True)
class Domain:
    """The meshed domain: mesh, region materials and where the physical box ends (um)."""

    mesh: Mesh
    materials: dict[str, float | str]  # region name -> material spec
    r_in_um: float
    r_phys_um: float  # PML from here outwards in r
    z_lo_phys_um: float  # PML below
    z_hi_phys_um: float  # PML above
    pml_um: float
    pml_sigma: float  # see solvers.fem.formulation
    metal_cut: bool  # bottom boundary is a metal cut (no PML below)
    wavelength_nm: float  # wavelength the element sizes were chosen for
    film_regions: tuple[str, ...] = ("film",)
    info: dict[str, float] = field(default_factory=dict)


def body_face(body: Body) -> Face:
    """The body's (r, z) cross-section as an OCC face with exact or spline-accurate edges."""
    if isinstance(body, Sphere):
        zc, rad = body.center_um, body.radius_um
        return WorkPlane().MoveTo(0.0, zc - rad).Direction(1, 0).Arc(rad, 180).Close().Face()
    if isinstance(body, Cylinder):
        z0, z1 = body.bottom_z_um, body.bottom_z_um + body.height_um
        wp = WorkPlane().MoveTo(0.0, z0).LineTo(body.radius_um, z0)
        return wp.LineTo(body.radius_um, z1).LineTo(0.0, z1).Close().Face()
    if isinstance(body, PolygonBody):
        pts = list(body.points_rz)
        wp = WorkPlane().MoveTo(*pts[0])
        for p in pts[1:]:
            wp = wp.LineTo(*p)
        return wp.Close().Face()
    if isinstance(body, ParabolicDisk):
        prof = body.profile
        z_lo, z_top = prof.bottom_z_um, prof.film_thickness_um
        wp = WorkPlane().MoveTo(0.0, z_lo)
        if prof.alpha_per_um == 0.0:
            wp = wp.LineTo(prof.top_radius_um, z_lo).LineTo(prof.top_radius_um, z_top)
        else:
            wall = prof.wall_points(48)
            if wall[0, 0] > 0.0:
                wp = wp.LineTo(float(wall[0, 0]), float(wall[0, 1]))
            wp = wp.Spline([(float(r), float(z)) for r, z in wall[1:]])
        return wp.LineTo(0.0, z_top).Close().Face()
    raise TypeError(f"body: {type(body).__name__} is not a known axisymmetric body")


def _box(r0: float, r1: float, z0: float, z1: float) -> Face:
    return WorkPlane().MoveTo(r0, z0).Rectangle(r1 - r0, z1 - z0).Face()


def _decay_length_um(material: float | str, wavelength_nm: float) -> float:
    """Field (amplitude) decay length in a lossy medium, lambda / (2 pi kappa), um."""
    kappa = complex(refractive_index(material, wavelength_nm)).imag
    return math.inf if kappa <= 0.0 else wavelength_nm * 1e-3 / (2.0 * math.pi * kappa)


def inner_cut_radius_um(
    m: int, wavelength_nm: float, n_body: float, rim_radius_um: float, decay: float
) -> float:
    """Radius inside which a WGM of azimuthal number ``m`` is below exp(-decay) of its value at
    the caustic r_c = m / (k n) (WKB: J_m(x) ~ exp(-m (acosh(m/x) - sqrt(1 - (x/m)^2)))).
    Returns 0 when the whole body down to the axis must be kept."""
    k = 2.0 * math.pi / (wavelength_nm * 1e-3)
    rc = min(m / (k * n_body), rim_radius_um)
    if m < 8:
        return 0.0

    def exponent(t: float) -> float:  # t = r / r_c < 1
        return m * (math.acosh(1.0 / t) - math.sqrt(1.0 - t * t))

    if exponent(1e-3) < decay:
        return 0.0
    lo, hi = 1e-3, 1.0
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        if exponent(mid) > decay:
            lo = mid
        else:
            hi = mid
    return lo * rc


def build_domain(
    body: Body,
    wavelength_nm: float,
    settings: FemSettings,
    m_min: int | None = None,
    m_max: int | None = None,
) -> Domain:
    """Mesh ``body`` with its surroundings for modes near ``wavelength_nm``; ``m_min`` (the
    smallest azimuthal number to be solved on this mesh) sets the inner cut when truncating,
    ``m_max`` (default m_min) the outer caustic before which the radial PML does not start."""
    lam = wavelength_nm * 1e-3
    sur = body.surroundings
    n_env = sur.environment_index
    n_body = float(np.real(refractive_index(body.index, wavelength_nm)))
    face = body_face(body)
    bmin_r, bmin_z, bmax_r, bmax_z = body.polygon(256).bounds
    rim = body.rim_radius_um

    r_in = 0.0
    if settings.truncate and m_min is not None:
        r_in = inner_cut_radius_um(m_min, wavelength_nm, n_body, rim, settings.truncation_decay)

    coat = sur.coating
    t_film = coat.thickness_um if coat is not None else 0.0
    margin = settings.margin_wavelengths * lam
    d_pml = settings.pml_wavelengths * lam
    r_phys = bmax_r + t_film + margin
    m_out = m_max if m_max is not None else m_min
    if m_out is not None:
        caustic = m_out / (2.0 * math.pi / lam * n_env)
        r_cap = bmax_r + t_film + settings.caustic_max_wavelengths * lam
        r_phys = max(r_phys, min(settings.caustic_fraction * caustic, r_cap))
    z_hi = bmax_z + t_film + margin
    has_sub = bool(sur.substrate) or sur.substrate_halfspace is not None

    # substrate stack, possibly cut at the bottom of an opaque metal layer
    layers: list[tuple[str, float | str, float, float]] = []  # name, material, z_top, z_bot
    metal_cut = False
    z = 0.0
    for i, layer in enumerate(sur.substrate):
        z_bot = z - layer.thickness_um
        layers.append((f"layer{i}", layer.material, z, z_bot))
        dl = _decay_length_um(layer.material, wavelength_nm)
        z = z_bot
        if layer.thickness_um >= settings.metal_cut_decay_lengths * dl:
            metal_cut = True
            break
    if metal_cut:
        z_lo = z
        half_material = None
    elif has_sub:
        half_material = sur.substrate_halfspace if sur.substrate_halfspace is not None else n_env
        z_lo = z - margin
    else:
        half_material = None
        z_lo = min(bmin_z, 0.0) - t_film - margin

    r_box = r_phys + d_pml
    z_box_hi = z_hi + d_pml
    z_box_lo = z_lo if metal_cut else z_lo - d_pml
    box = _box(r_in, r_box, z_box_lo, z_box_hi)

    materials: dict[str, float | str] = {"body": body.index}

    def size(material: float | str, factor: float) -> float:
        n = abs(complex(refractive_index(material, wavelength_nm)))
        return factor * lam / max(n, 1.0)

    h_rim = size(body.index, settings.h_rim)
    shapes = []
    body_c = face * box
    body_c.faces.name = "body"
    body_c.faces.maxh = size(body.index, settings.h_medium)
    body_c.edges.maxh = h_rim
    solid = body_c
    film_f = None
    if coat is not None:
        wire = face.wires[0]
        outer = Face(wire.Offset(face, coat.thickness_um, "arc", False).wires[0])
        film_f = outer - face
        keep = _box(r_in, r_box, 0.0 if has_sub else z_box_lo, z_box_hi)
        film_f = film_f * keep
        film_f.faces.name = "film"
        # along the film: no longer than the rim's elements (half a local wavelength when
        # those are finer)
        film_f.faces.maxh = min(
            settings.h_film * coat.thickness_um, size(coat.index, max(0.5, settings.h_rim))
        )
        materials["film"] = coat.index
        solid = solid + film_f
    shapes.append(body_c)
    if film_f is not None:
        shapes.append(film_f)
    for name, mat, zt, zb in layers:
        lay = _box(r_in, r_box, zb, zt) - solid
        lay.faces.name = name
        thick = zt - zb
        decay_um = _decay_length_um(mat, wavelength_nm)
        h = min(size(mat, settings.h_medium), settings.metal_h_decay_lengths * decay_um)
        if thick >= decay_um:
            # a layer thicker than the field decay length: elements no taller than the layer
            # (times FemSettings.layer_h_thicknesses)
            h = min(h, settings.layer_h_thicknesses * thick)
        # a metal layer thinner than one decay length (the 5 nm Ti adhesion layer): the field
        # varies little across it, so its elements are sized by the decay length and the local
        # wavelength along r, not by the thickness (Netgen fills the strip with flat triangles).
        # Capping them at the thickness put ~3e5 unknowns in the strip for 5 nm of Ti; on the
        # thin disk on gold of tests/test_fem_disk.py the two meshes give the same Q to 3e-4 and
        # Q_absorption to 8e-4 (40411 against 352681 unknowns)
        lay.faces.maxh = h
        materials[name] = mat
        shapes.append(lay)
        solid = solid + lay
    if half_material is not None:
        z_top_half = layers[-1][3] if layers else 0.0
        half = _box(r_in, r_box, z_box_lo, z_top_half) - solid
        half.faces.name = "halfspace"
        half.faces.maxh = size(half_material, settings.h_medium)
        materials["halfspace"] = half_material
        shapes.append(half)
        solid = solid + half
    env = box - solid
    env.faces.name = "env"
    env.faces.maxh = size(n_env, settings.h_medium)
    materials["env"] = n_env
    shapes.append(env)

    glued = Glue(shapes)
    tol = 1e-6 * max(r_box, z_box_hi - z_box_lo)
    for edge in glued.edges:
        c = edge.center
        if (
            abs(c.x - r_in) < tol or abs(c.x - r_box) < tol
            or abs(c.y - z_box_lo) < tol or abs(c.y - z_box_hi) < tol
        ):
            edge.name = "outer"
    geo = OCCGeometry(glued, dim=2)
    ngmesh = geo.GenerateMesh(maxh=size(n_env, settings.h_medium), grading=settings.grading)
    mesh = Mesh(ngmesh)
    mesh.Curve(settings.order)

    # PML strength: one-way attenuation exp(-k n_env Im(r~)) across the layer = attenuation
    sigma = settings.pml_attenuation / (2.0 * math.pi / lam * n_env) * 3.0 / d_pml
    return Domain(
        mesh=mesh,
        materials=materials,
        r_in_um=r_in,
        r_phys_um=r_phys,
        z_lo_phys_um=z_lo,
        z_hi_phys_um=z_hi,
        pml_um=d_pml,
        pml_sigma=sigma,
        metal_cut=metal_cut,
        wavelength_nm=wavelength_nm,
        info={"bmin_r": bmin_r, "bmin_z": bmin_z, "bmax_r": bmax_r, "bmax_z": bmax_z},
    )


def region_permittivities(domain: Domain, wavelength_nm: float) -> dict[str, complex]:
    """Permittivity of every mesh region at ``wavelength_nm``."""
    return {
        name: complex(permittivity(mat, wavelength_nm)) for name, mat in domain.materials.items()
    }
