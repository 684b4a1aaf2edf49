"""The finite-element field on the body's interfaces, for the surface-roughness loss.

The field is read just inside each interface at depths delta and 2 delta along the inward
normal and extrapolated linearly to the interface, E(0) = 2 E(delta) - E(2 delta), so that the
one-sided value is taken (E_n jumps across the interface) with an error of order
(k n delta)^2 ~ 1e-4. delta is 1 nm, or an eighth of the film thickness for thinner films.
Permittivities on both sides are read from the mesh regions at the same offsets. Points that
lie outside the mesh (inside the inner cut r < r_in, where the whispering-gallery field is
below exp(-truncation_decay)) carry no field.
"""

from __future__ import annotations

import numpy as np
from ngsolve import CoefficientFunction

from geometry.bodies import Body
from solvers.fem.mesh import Domain
from solvers.losses.interfaces import InterfaceField, InterfacePoints, sample_interfaces

DEPTH_UM = 1e-3

_LOCATED: dict = {}  # the last mesh's interface points, located (see _located_points)


def _located_points(domain: Domain, body: Body):
    """(interface names, their points, the mesh points at depths -delta, -2 delta and +delta
    along the normals, which of those lie in the mesh, their region numbers in
    domain.materials order, -1 outside), or None when no interface lies in the mesh.
    Locating points in the mesh costs more than evaluating the field there: once per mesh."""
    mesh = domain.mesh
    key = (id(mesh), id(body))
    if _LOCATED.get("key") == key:
        return _LOCATED["value"]
    coat = body.surroundings.coating
    delta = DEPTH_UM if coat is None else min(DEPTH_UM, coat.thickness_um / 8.0)
    names, parts = [], []
    for name, p in sample_interfaces(body).items():
        keep = p.r_um > max(domain.r_in_um, 0.0) + 2.0 * delta
        if np.any(keep):
            names.append(name)
            parts.append(InterfacePoints(p.r_um[keep], p.z_um[keep], p.normal_r[keep],
                                         p.normal_z[keep], p.ds_um[keep]))
    value = None
    if parts:
        r = np.concatenate([p.r_um for p in parts])
        z = np.concatenate([p.z_um for p in parts])
        nr = np.concatenate([p.normal_r for p in parts])
        nz = np.concatenate([p.normal_z for p in parts])
        n = r.size
        # inside at delta and 2 delta, outside at delta
        depth = np.concatenate([np.full(n, -delta), np.full(n, -2.0 * delta),
                                np.full(n, delta)])
        pts = mesh(np.tile(r, 3) + depth * np.tile(nr, 3),
                   np.tile(z, 3) + depth * np.tile(nz, 3))
        found = np.asarray(pts["nr"]) >= 0
        region_cf = mesh.MaterialCF({k: float(i) for i, k in enumerate(domain.materials)},
                                    default=-1.0)
        region = np.rint(np.asarray(region_cf(pts)).ravel()).astype(int)
        value = (names, parts, pts, found, region)
    _LOCATED.clear()
    # the mesh and body are kept so that their ids are not reused while the entry exists
    _LOCATED.update(key=key, value=value, mesh=mesh, body=body)
    return value


def interface_fields(
    domain: Domain, body: Body, e_cfs, eps: dict[str, complex], scale: float
) -> dict[str, InterfaceField]:
    """Field of the mode (coefficient functions E_r, E_phi, E_z) on each interface of
    ``body``, |E|^2 divided by ``scale``. One point location and one evaluation for all the
    interfaces (the cost is a few per cent of a mode's analysis)."""
    located = _located_points(domain, body)
    if located is None:
        return {}
    names, parts, pts, found, region = located
    r = np.concatenate([p.r_um for p in parts])
    nr = np.concatenate([p.normal_r for p in parts])
    nz = np.concatenate([p.normal_z for p in parts])
    n = r.size
    e = np.asarray(CoefficientFunction(tuple(e_cfs))(pts)).reshape(3 * n, 3)
    e = np.where(found[:, None], e, 0.0)
    table = np.array([complex(eps[k]).real for k in domain.materials] + [1.0])
    eps_all = table[region]
    e0 = 2.0 * e[:n] - e[n:2 * n]
    en = e0[:, 0] * nr + e0[:, 2] * nz
    et = -e0[:, 0] * nz + e0[:, 2] * nr
    phi2 = np.abs(e0[:, 1]) ** 2 / scale
    tan2 = np.abs(et) ** 2 / scale + phi2
    norm2 = np.abs(en) ** 2 / scale
    out: dict[str, InterfaceField] = {}
    start = 0
    for name, p in zip(names, parts, strict=True):
        sl = slice(start, start + p.r_um.size)
        start += p.r_um.size
        out[name] = InterfaceField(
            points=p, e_tan2=tan2[sl], e_norm_in2=norm2[sl],
            eps_in=eps_all[:n][sl], eps_out=eps_all[2 * n:][sl], e_phi2=phi2[sl],
        )
    return out
