"""Stack choice for the FEM solver: NGSolve vs scikit-fem on one sphere (prints the numbers).

The same problem, the same weak form (solvers.fem.formulation: H(curl) x H1 mixed, complex
PML, shift-invert Arnoldi) and the same Netgen triangulations, solved

- with NGSolve: curved elements of order p (Nedelec order p, Lagrange order p + 1), C++ assembly,
  sparse Cholesky (solvers.fem as shipped);
- with scikit-fem 12: straight-sided triangles, ElementTriN2 x ElementTriP2 (the highest pair
  whose gradients nest, ElementTriN2 being Nedelec of the first kind of degree 2), Python
  assembly, SciPy SuperLU for the shift-invert.

Sphere: radius 2 um, n = 1.6, in air, m = 20, TE fundamental; exact Mie root from
tests/test_fem_mie.py. Printed: degrees of freedom, seconds, relative wavelength error, Q error.

Run: OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_fem_stack.py
"""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path

import numpy as np
import scipy.sparse.linalg as spla
from ngsolve import VOL
from skfem import Basis, BilinearForm, ElementTriN2, ElementTriP2, MeshTri

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from test_fem_mie import mie_resonance

from geometry.bodies import Sphere
from solvers.fem import FemSettings, find_modes
from solvers.fem.mesh import build_domain, region_permittivities

RADIUS, INDEX, M = 2.0, 1.6, 20


def exact_te() -> tuple[float, float]:
    k = mie_resonance(RADIUS, INDEX, M, "TE")
    return 2 * math.pi / k.real * 1e3, k.real / (-2 * k.imag)


def run_ngsolve(settings: FemSettings, lam: float, q: float) -> None:
    t0 = time.perf_counter()
    recs = find_modes(Sphere(radius_um=RADIUS, index=INDEX), m=M, window_nm=(810.0, 830.0),
                      polarizations=("TE",), settings=settings)
    dt = time.perf_counter() - t0
    r = next(r for r in recs if (r.radial_order, r.axial_order) == (1, 0))
    print(f"  NGSolve order {settings.order} h_rim {settings.h_rim}: ndof {r.extra['ndof']:6d} "
          f"{dt:6.2f} s  rel. wavelength error {abs(r.wavelength_nm - lam) / lam:.1e}  "
          f"Q error {abs(r.Q - q) / q:.1e}")


def run_skfem(settings: FemSettings, lam: float, q: float) -> None:
    """The same weak form with scikit-fem on the straight-sided Netgen triangulation."""
    t0 = time.perf_counter()
    body = Sphere(radius_um=RADIUS, index=INDEX)
    dom = build_domain(body, lam, settings, m_min=M)
    ngm = dom.mesh
    pts = np.array([v.point for v in ngm.vertices]).T
    tris = np.array([[v.nr for v in el.vertices] for el in ngm.Elements(VOL)]).T
    eps_region = region_permittivities(dom, lam)
    el_eps = np.array([eps_region[el.mat] for el in ngm.Elements(VOL)])
    mesh = MeshTri(pts, tris)
    basis = Basis(mesh, ElementTriN2() * ElementTriP2(), intorder=6)
    d, sig = dom.pml_um, dom.pml_sigma
    r0, zlo, zhi = dom.r_phys_um, dom.z_lo_phys_um, dom.z_hi_phys_um

    def stretch(x):
        xi_r = np.clip(x[0] - r0, 0.0, None)
        xi_z = np.clip(x[1] - zhi, 0.0, None) + (
            0.0 if dom.metal_cut else np.clip(zlo - x[1], 0.0, None))
        s_r = 1.0 + 1j * sig * (xi_r / d) ** 2
        s_z = 1.0 + 1j * sig * (xi_z / d) ** 2
        r_t = x[0] + 1j * sig * xi_r**3 / (3 * d * d)
        return s_r, s_z, r_t

    @BilinearForm(dtype=np.complex128)
    def stiff(e, u, f, v, w):
        s_r, s_z, r_t = stretch(w.x)
        g_r = u.grad[0] + M * e.value[0]
        g_z = u.grad[1] + M * e.value[1]
        h_r = v.grad[0] + M * f.value[0]
        h_z = v.grad[1] + M * f.value[1]
        return ((s_z / s_r) * g_r * h_r + (s_r / s_z) * g_z * h_z) / r_t + (
            e.curl * f.curl * r_t / (s_r * s_z))

    @BilinearForm(dtype=np.complex128)
    def mass(e, u, f, v, w):
        s_r, s_z, r_t = stretch(w.x)
        eps = w.eps
        return eps * (r_t * ((s_z / s_r) * e.value[0] * f.value[0]
                             + (s_r / s_z) * e.value[1] * f.value[1]) + s_r * s_z * u * v / r_t)

    eps_field = np.repeat(el_eps[:, None], basis.X.shape[1], axis=1)
    a = stiff.assemble(basis)
    b = mass.assemble(basis, eps=eps_field)
    fixed = basis.get_dofs(mesh.boundary_facets()).flatten()
    free = np.setdiff1d(np.arange(basis.N), fixed)
    a, b = a[free][:, free].tocsc(), b[free][:, free].tocsc()
    t1 = time.perf_counter()
    shift = (2 * math.pi / (lam * 1e-3)) ** 2
    lu = spla.splu((a - shift * b).tocsc())
    op = spla.LinearOperator(a.shape, matvec=lambda x: lu.solve(b @ x), dtype=complex)
    mu, _ = spla.eigs(op, k=4, which="LM", tol=1e-10)
    k2 = shift + 1.0 / mu
    k0 = np.sqrt(k2)
    lams = 2 * math.pi / k0.real * 1e3
    i = int(np.argmin(np.abs(lams - lam)))
    dt = time.perf_counter() - t0
    qf = k0[i].real / (2 * abs(k0[i].imag))
    print(f"  scikit-fem N2xP2 h_rim {settings.h_rim}: ndof {len(free):6d} {dt:6.2f} s "
          f"(assembly {t1 - t0:.2f} s)  rel. wavelength error {abs(lams[i] - lam) / lam:.1e}  "
          f"Q error {abs(qf - q) / q:.1e}")


def main() -> None:
    lam, q = exact_te()
    print(f"sphere R = {RADIUS} um, n = {INDEX}, m = {M}, TE: exact {lam:.6f} nm, Q = {q:.1f}")
    for s in (FemSettings(order=2), FemSettings(order=3), FemSettings(), FemSettings(order=5)):
        run_ngsolve(s, lam, q)
    for h in (0.5, 0.25, 0.15, 0.1):
        run_skfem(FemSettings(order=1, h_rim=h, h_medium=2 * h), lam, q)


if __name__ == "__main__":
    main()
