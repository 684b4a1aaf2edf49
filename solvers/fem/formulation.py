"""Weak form of the axisymmetric vector Helmholtz eigenproblem, assembly and shift-invert.

Fields E(r, phi, z) = (E_r, E_phi, E_z)(r, z) exp(i m phi), time dependence exp(-i omega t).
Unknowns: the (r, z) part v = (E_r, E_z) in H(curl) (Nedelec edge elements) and
u = i r E_phi in H1 (Lagrange). With g = grad u + m v the curl of E is

    (curl E)_r = i g_z / r,   (curl E)_z = -i g_r / r,   (curl E)_phi = d_z E_r - d_r E_z.

Testing with the mirrored field F exp(-i m phi) (u' = -i r F_phi) gives a complex symmetric
bilinear (not sesquilinear) problem, with dV = r dr dz and mu = 1:

    a(E, F) = integral [ (g_r g'_r + g_z g'_z) / r + rot v rot v' r ] dr dz
    b(E, F) = integral eps [ (v . v') r + u u' / r ] dr dz
    a(E, F) = k0^2 b(E, F)  for all F.

This is the E-field analogue of Oxborrow's H-field formulation (IEEE Trans. MTT 55, 1209
(2007)): the same (r, z) plane, the same exp(i m phi) separation, but with mixed elements
(edge elements for the in-plane part, nodal for r E_phi) in place of his nodal elements with
a penalty term, so that the discrete gradient kernel sits exactly at k0 = 0 and there are no
spurious modes near the physical ones (no penalty factor to tune). Using i r E_phi as unknown
makes the axis condition (r E_phi = 0, E_z = 0 for m != 0) a plain Dirichlet condition, and the
factor i makes the m-coupling real.

Perfectly matched layers are complex coordinate stretching: r~ = r + i int sigma_r dr and
z~ = z + i int sigma_z dz with s_r = dr~/dr = 1 + i sigma (xi/d)^2 in the layer (xi the depth,
d the thickness). Writing the exact weak form in the stretched coordinates and pulling it
back (v is a 1-form, so v_r = s_r E_r~) gives

    a = integral [ (s_z/s_r g_r g'_r + s_r/s_z g_z g'_z) / r~ + rot v rot v' r~ / (s_r s_z) ]
    b = integral eps [ r~ (s_z/s_r v_r v'_r + s_r/s_z v_z v'_z) + s_r s_z u u' / r~ ]

(bilinear, not sesquilinear: the matrices are complex symmetric). a = A0 + m A1 + m^2 A2 is
assembled once per mesh, so a new m costs a sparse-vector sum, not an assembly; b is
re-assembled only when the permittivities change.

The eigenproblem A x = k0^2 B x is solved by shift-invert Arnoldi (ARPACK through scipy) around
the target k0^2, with NGSolve's sparse direct factorisation of A - sigma B.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.sparse.linalg as spla
from ngsolve import (
    H1,
    BilinearForm,
    CoefficientFunction,
    FESpace,
    GridFunction,
    HCurl,
    IfPos,
    ParameterC,
    curl,
    dx,
    grad,
    x,
    y,
)

from solvers.fem.mesh import Domain


@dataclass
class Stretch:
    """PML coefficient functions of a domain."""

    s_r: CoefficientFunction
    s_z: CoefficientFunction
    r_t: CoefficientFunction  # stretched radius r~
    physical: CoefficientFunction  # 1 in the physical box, 0 in the PML


def stretch(domain: Domain) -> Stretch:
    """Complex stretching s_r(r), s_z(z) and r~(r) of the domain's layers."""
    d, sig = domain.pml_um, domain.pml_sigma
    r0, zlo, zhi = domain.r_phys_um, domain.z_lo_phys_um, domain.z_hi_phys_um
    xi_r = IfPos(x - r0, x - r0, 0.0)
    s_r = 1.0 + 1j * sig * (xi_r / d) ** 2
    r_t = x + 1j * sig * xi_r**3 / (3.0 * d * d)
    xi_hi = IfPos(y - zhi, y - zhi, 0.0)
    xi_lo = IfPos(zlo - y, zlo - y, 0.0) if not domain.metal_cut else CoefficientFunction(0.0)
    s_z = 1.0 + 1j * sig * ((xi_hi + xi_lo) / d) ** 2
    physical = IfPos(x - r0, 0.0, 1.0) * IfPos(y - zhi, 0.0, 1.0)
    if not domain.metal_cut:
        physical = physical * IfPos(zlo - y, 0.0, 1.0)
    return Stretch(s_r=s_r, s_z=s_z, r_t=r_t, physical=physical)


class Discretisation:
    """Finite-element space and the m- and eps-independent matrices of one domain."""

    def __init__(self, domain: Domain, order: int) -> None:
        self.domain = domain
        mesh = domain.mesh
        self.order = order
        vspace = HCurl(mesh, order=order, complex=True, dirichlet="outer")
        uspace = H1(mesh, order=order + 1, complex=True, dirichlet="outer")
        self.fes: FESpace = vspace * uspace
        (v, u), (vt, ut) = self.fes.TnT()
        st = stretch(domain)
        self.stretch = st
        cr = st.s_z / st.s_r
        cz = st.s_r / st.s_z
        rt = st.r_t
        mass = (rt * (cr * v[0] * vt[0] + cz * v[1] * vt[1]) + st.s_r * st.s_z * u * ut / rt)
        stiff0 = (cr * grad(u)[0] * grad(ut)[0] + cz * grad(u)[1] * grad(ut)[1]) / rt
        stiff0 = stiff0 + curl(v) * curl(vt) * rt / (st.s_r * st.s_z)
        stiff1 = (
            cr * (v[0] * grad(ut)[0] + grad(u)[0] * vt[0])
            + cz * (v[1] * grad(ut)[1] + grad(u)[1] * vt[1])
        ) / rt
        stiff2 = (cr * v[0] * vt[0] + cz * v[1] * vt[1]) / rt
        self.eps_params = {region: ParameterC(1.0) for region in domain.materials}
        self.eps_cf = mesh.MaterialCF(self.eps_params, default=1.0)
        self.b = BilinearForm(self.fes, symmetric=True)
        self.b += (self.eps_cf * mass) * dx
        self._eps_assembled: dict[str, complex] | None = None
        # A(m) = A0 + m A1 + m^2 A2: assembled once, combined per m as sparse value vectors
        self.a_parts = []
        for integrand in (stiff0, stiff1, stiff2):
            form = BilinearForm(self.fes, symmetric=True)
            form += integrand * dx
            form.Assemble()
            self.a_parts.append(form)
        self.free = self.fes.FreeDofs()
        self.ndof = self.fes.ndof
        self._free_np = np.array([self.free[i] for i in range(self.ndof)], dtype=bool)

    def mass(self, eps: dict[str, complex]):
        """B(eps) with the region permittivities ``eps`` (re-assembled only when they change)."""
        eps = {k: complex(v) for k, v in eps.items()}
        if eps != self._eps_assembled:
            for region, par in self.eps_params.items():
                par.Set(eps[region])
            self.b.Assemble()
            self._eps_assembled = eps
        return self.b.mat

    def solve(
        self, m: int, eps: dict[str, complex], k0_target: float, nev: int, inverse: str,
        start: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Eigenpairs (k0^2, vectors as columns) of A(m) x = k0^2 B(eps) x nearest k0_target^2,
        k0 in 1/um. ``start`` (e.g. the sum of the modes found for m - 1, whose fields differ
        little) starts the Arnoldi iteration; default a fixed random vector."""
        b = self.mass(eps)
        shift = complex(k0_target**2)
        a0, a1, a2 = (f.mat for f in self.a_parts)
        op = a0.CreateMatrix()
        op.AsVector().data = (
            a0.AsVector() + float(m) * a1.AsVector() + float(m * m) * a2.AsVector()
            - shift * b.AsVector()
        )
        inv = op.Inverse(self.free, inverse=inverse)
        tmp_in = b.CreateColVector()
        tmp_mid = b.CreateColVector()
        tmp_out = b.CreateColVector()
        free = self._free_np

        def matvec(vec: np.ndarray) -> np.ndarray:
            tmp_in.FV().NumPy()[:] = np.where(free, vec.ravel(), 0.0)
            tmp_mid.data = b * tmp_in
            tmp_out.data = inv * tmp_mid
            return tmp_out.FV().NumPy().copy()

        n = self.ndof
        lin = spla.LinearOperator((n, n), matvec=matvec, dtype=complex)
        rng = np.random.default_rng(12345)
        v0 = np.where(free, rng.standard_normal(n) + 0j, 0.0)
        if start is not None and np.linalg.norm(start) > 0.0:
            # mostly the previous modes, a little noise so no wanted direction is missing
            v0 = np.where(free, start / np.linalg.norm(start) + 1e-3 * v0 / np.linalg.norm(v0),
                          0.0)
        nev_eff = min(nev, int(free.sum()) - 2)
        mu, vecs = spla.eigs(lin, k=nev_eff, which="LM", v0=v0, ncv=max(2 * nev_eff + 1, 9),
                             tol=1e-8)
        lam = shift + 1.0 / mu
        order = np.argsort(np.abs(lam - shift))
        return lam[order], vecs[:, order]

    def gridfunction(self, vec: np.ndarray) -> GridFunction:
        """The field of one eigenvector as a GridFunction (components: v, u)."""
        gf = GridFunction(self.fes)
        gf.vec.FV().NumPy()[:] = vec
        return gf


def k0_of_wavelength_nm(wavelength_nm: float) -> float:
    """Vacuum wavenumber k0 = 2 pi / lambda in 1/um."""
    return 2.0 * math.pi / (wavelength_nm * 1e-3)


def wavelength_nm_of_k0(k0: complex) -> float:
    """Vacuum wavelength (nm) of the real part of a complex wavenumber k0 (1/um)."""
    return 2.0 * math.pi / k0.real * 1e3
