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

(bilinear, not sesquilinear: the matrices are complex symmetric). a = A0 + m A1 + m^2 A2 and
b = sum_i eps_i B_i (one part per mesh region) are assembled once per mesh, so a new m or new
permittivities cost a sparse-vector sum, not an assembly.

The eigenproblem A x = k0^2 B x is solved around a target k0^2 = sigma (Discretisation.solve):
- with approximate eigenvectors (a scan's modes of m - 1) and a factorisation of a nearby
  problem (m' within MAX_REUSE_M, among the last MAX_FACTORS): generalised Davidson
  preconditioned by that factorisation, no new factorisation (measured on the 20 um disk of
  benchmarks/bench_fem_speed.py: m + 3 from the factorisation of m converges to a residual of
  1e-9 in 5 steps);
- otherwise NGSolve's sparse direct factorisation of A - sigma B, then a block Krylov space of
  the shift-invert operator grown from the approximate eigenvectors, or ARPACK (shift-invert
  Arnoldi through scipy) from a fixed random vector when there are none.
Eigenvalues are the Rayleigh quotients of the converged vectors.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.linalg as sla
import scipy.sparse as sp
import scipy.sparse.linalg as spla
from ngsolve import (
    H1,
    BilinearForm,
    CoefficientFunction,
    FESpace,
    GridFunction,
    HCurl,
    IfPos,
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
        # B(eps) = sum_i eps_i B_i over the regions: each B_i assembled once, so new
        # permittivities (every shift of a scan) cost a sparse-vector sum, not an assembly
        self.regions = tuple(domain.materials)
        self.b_parts = {}
        for region in self.regions:
            form = BilinearForm(self.fes, symmetric=True)
            form += mass * dx(definedon=mesh.Materials(f"^{region}$"))
            form.Assemble()
            self.b_parts[region] = form
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
        self._b = self.a_parts[0].mat.CreateMatrix()  # B(eps), same sparsity as the A parts
        self._op = self.a_parts[0].mat.CreateMatrix()  # A(m) - sigma B(eps)
        # each B_i has the sparsity of its region only: where its values go in the full pattern
        full_keys = _csr_keys(self._b)
        # B(eps) values = placement @ eps: column i holds B_i's values at their positions
        rows, cols, vals = [], [], []
        for i, (region, form) in enumerate(self.b_parts.items()):
            keys = _csr_keys(form.mat)
            pos = np.searchsorted(full_keys, keys)
            if np.any(full_keys[np.minimum(pos, full_keys.size - 1)] != keys):
                raise RuntimeError(f"mass matrix of region {region}: pattern not in A's")
            rows.append(pos)
            cols.append(np.full(pos.size, i))
            vals.append(np.array(form.mat.CSR()[0], dtype=complex))
        self._b_placement = sp.csr_matrix(
            (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
            shape=(full_keys.size, len(self.regions)),
        )
        self._eps_assembled: dict[str, complex] | None = None
        self._energy_forms: tuple[dict, list] | None = None  # see energies
        # the last factorisations: m -> solver of (A(m) - sigma B) y = r (a scan that turns
        # back at its start finds the factorisation of that start again)
        self._factors: dict[int, object] = {}

    def mass(self, eps: dict[str, complex]):
        """B(eps) with the region permittivities ``eps`` (recombined only when they change)."""
        eps = {k: complex(v) for k, v in eps.items()}
        if eps != self._eps_assembled:
            self._b.AsVector().FV().NumPy()[:] = self._b_placement @ np.array(
                [eps[region] for region in self.regions]
            )
            self._eps_assembled = eps
        return self._b

    def region_norm(self, region: str, vec: np.ndarray) -> complex:
        """x^T B_region x (non-conjugated) of an eigenvector: the region's share of the mass
        form with unit permittivity (dispersion perturbation)."""
        return complex(vec @ _matvec(self.b_parts[region].mat, vec))

    def energies(self, vec: np.ndarray, m: int) -> tuple[dict[str, float], float]:
        """Integrals over the physical domain (PML excluded) of an eigenvector's field, with
        dV = 2 pi r dr dz: the electric |E|^2 of each region and the |curl E|^2 of all of
        them, as x^H M x with real symmetric matrices assembled once per mesh (exact for the
        polynomial fields, and a sparse product each instead of an element-wise integration)."""
        if self._energy_forms is None:
            self._energy_forms = self._assemble_energy_forms()
        electric_parts, curl_parts = self._energy_forms
        xc = vec.conj()
        electric = {r: float((xc @ _matvec(f.mat, vec)).real) for r, f in electric_parts.items()}
        # three products rather than one with K(m): summing the matrices costs more
        k0, k1, k2 = (float((xc @ _matvec(f.mat, vec)).real) for f in curl_parts)
        return electric, k0 + m * k1 + m * m * k2

    def _assemble_energy_forms(self) -> tuple[dict, list]:
        """The matrices of ``energies``: per region, |E|^2 r = r |v|^2 + |u|^2 / r; for
        |curl E|^2 r = |g|^2 / r + |rot v|^2 r with g = grad u + m v, the parts of m^0, m^1
        and m^2 (the unstretched A(m) of the module doc)."""
        mesh = self.domain.mesh
        (v, u), (vt, ut) = self.fes.TnT()
        w = 2.0 * math.pi * self.stretch.physical
        mass = w * (x * (v[0] * vt[0] + v[1] * vt[1]) + u * ut / x)
        electric = {}
        for region in self.regions:
            form = BilinearForm(self.fes, symmetric=True)
            form += mass * dx(definedon=mesh.Materials(f"^{region}$"))
            form.Assemble()
            electric[region] = form
        curl_parts = []
        for integrand in (
            grad(u) * grad(ut) / x + curl(v) * curl(vt) * x,
            (v * grad(ut) + grad(u) * vt) / x,
            v * vt / x,
        ):
            form = BilinearForm(self.fes, symmetric=True)
            form += w * integrand * dx
            form.Assemble()
            curl_parts.append(form)
        return electric, curl_parts

    def solve(
        self, m: int, eps: dict[str, complex], k0_target: float, nev: int, inverse: str,
        start: list[np.ndarray] | None = None, extra: list[np.ndarray] | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Eigenpairs (k0^2, vectors as columns) of A(m) x = k0^2 B(eps) x nearest k0_target^2,
        k0 in 1/um, sorted by distance to the target.

        ``start``: approximate eigenvectors (e.g. the modes found for m - 1, whose fields
        differ little; ``extra``, those of m - 2, let Rayleigh-Ritz extrapolate in m when a
        factorisation is reused): a block Krylov space of the shift-invert operator grown from them,
        with Rayleigh-Ritz, usually converges in a few solves; without them, or when that does
        not converge, ARPACK (implicitly restarted Arnoldi) from a fixed random vector. Either
        way the eigenvalue returned is the Rayleigh quotient x^T A x / x^T B x of the complex
        symmetric pencil, which is stationary: its error is second order in that of x, so it
        does not depend on where the iteration stopped, and the bitwise noise of the sparse
        factorisation (NGSolve's sparse Cholesky is not bitwise reproducible from run to run:
        ~1e-15 relative) stays at that level instead of being amplified to the iteration
        tolerance)."""
        b = self.mass(eps)
        shift = complex(k0_target**2)
        a0, a1, a2 = (f.mat for f in self.a_parts)
        op = self._op
        op.AsVector().data = (
            a0.AsVector() + float(m) * a1.AsVector() + float(m * m) * a2.AsVector()
            - shift * b.AsVector()
        )
        free = self._free_np

        def opmul(v: np.ndarray) -> np.ndarray:
            return np.where(free, _matvec(op, v), 0.0)

        def bmul(v: np.ndarray) -> np.ndarray:
            return np.where(free, _matvec(b, v), 0.0)

        pairs = None
        start = [s for s in (start or []) if np.linalg.norm(s) > 0.0]
        near = [mf for mf in self._factors if abs(m - mf) <= MAX_REUSE_M]
        if start and near:
            more = [s for s in (extra or []) if np.linalg.norm(s) > 0.0]
            nearest = min(near, key=lambda mf: (abs(m - mf), mf))
            pairs = _davidson(opmul, bmul, self._factors[nearest], free, start, shift, more)
        if pairs is None:
            fmat = op.CreateMatrix()
            fmat.AsVector().data = op.AsVector()
            inv = fmat.Inverse(self.free, inverse=inverse)
            tmp_in = b.CreateColVector()
            tmp_out = b.CreateColVector()

            def solve_vec(rhs: np.ndarray) -> np.ndarray:
                tmp_in.FV().NumPy()[:] = np.where(free, rhs, 0.0)
                tmp_out.data = inv * tmp_in
                return tmp_out.FV().NumPy().copy()

            self._factors.pop(m, None)
            self._factors[m] = solve_vec
            while len(self._factors) > MAX_FACTORS:
                del self._factors[next(iter(self._factors))]  # the oldest
            nev_eff = min(nev, int(free.sum()) - 2)
            if start:
                pairs = _block_krylov(
                    opmul, lambda v: solve_vec(bmul(v)), free, start, nev_eff, bmul
                )
            if pairs is None:
                pairs = self._arpack(opmul, bmul, solve_vec, free, nev_eff)
        theta, vecs = pairs
        lam = shift + theta
        order = np.argsort(np.abs(theta))
        return lam[order], vecs[:, order]

    def _arpack(self, opmul, bmul, solve_vec, free: np.ndarray, nev: int):
        n = self.ndof

        def matvec(vec: np.ndarray) -> np.ndarray:
            return solve_vec(bmul(np.where(free, vec.ravel(), 0.0)))

        lin = spla.LinearOperator((n, n), matvec=matvec, dtype=complex)
        rng = np.random.default_rng(12345)
        v0 = np.where(free, rng.standard_normal(n) + 0j, 0.0)
        _, vecs = spla.eigs(lin, k=nev, which="LM", v0=v0, ncv=max(2 * nev + 1, 9),
                            tol=ARPACK_TOL)
        return _refined(opmul, bmul, vecs)

    def gridfunction(self, vec: np.ndarray) -> GridFunction:
        """The field of one eigenvector as a GridFunction (components: v, u)."""
        gf = GridFunction(self.fes)
        gf.vec.FV().NumPy()[:] = vec
        return gf


# an eigenvector x of the shift-invert operator T is accepted when ||T x - mu x|| <= tol |mu|:
# the Rayleigh quotient is then exact to second order in that, and the energies computed from x
# to about tol over the relative gap to the next mode (~1e-7 for the 1e-3 gaps of a disk's
# spectrum; the energies are not wanted better than 1e-4)
KRYLOV_TOL = 1e-9
ARPACK_TOL = 1e-10
DAVIDSON_TOL = 1e-8
# a factorisation preconditions the Davidson iteration of azimuthal numbers up to this far from
# its own (measured on the 20 um disk: 3 m away, 5 iterations to 1e-9; its 60 nm window at
# FAST_SETTINGS of benchmarks/bench_fem_speed.py: up to 3 away, 4 factorisations and 174
# back-substitutions; up to 4, 3 and 178; up to 5, 3 and 185); beyond, or when Davidson does not
# converge in MAX_DAVIDSON_STEPS, a new factorisation
MAX_REUSE_M = 4
# factorisations kept (each a few times the matrix in memory)
MAX_FACTORS = 2
MAX_DAVIDSON_STEPS = 8
# largest block Krylov space tried from a warm start before falling back to ARPACK, in blocks
MAX_KRYLOV_BLOCKS = 8


def _csr_keys(mat) -> np.ndarray:
    """row * ncols + column of every stored entry of an NGSolve sparse matrix, in storage order
    (increasing: rows in order, columns sorted within a row)."""
    _, cols, ptr = mat.CSR()
    cols = np.asarray(cols, dtype=np.int64)
    counts = np.diff(np.asarray(ptr, dtype=np.int64))
    rows = np.repeat(np.arange(len(ptr) - 1, dtype=np.int64), counts)
    return rows * mat.width + cols


def _matvec(mat, vec: np.ndarray) -> np.ndarray:
    """``mat @ vec`` for an NGSolve matrix and a NumPy vector."""
    x = mat.CreateColVector()
    y = mat.CreateColVector()
    x.FV().NumPy()[:] = vec
    y.data = mat * x
    return y.FV().NumPy().copy()


def _orthonormalise(basis: np.ndarray, k: int, w: np.ndarray) -> np.ndarray:
    """Columns of ``w`` orthonormalised against the first k columns of ``basis`` and each
    other (two passes of block Gram-Schmidt, then QR; numerically dependent columns are
    dropped)."""
    for _ in range(2):
        if k:
            w = w - basis[:, :k] @ (basis[:, :k].conj().T @ w)
    scale = np.linalg.norm(w, axis=0)
    q, r = np.linalg.qr(w)
    keep = np.abs(np.diag(r)) > 1e-10 * max(float(np.max(scale)), 1e-300)
    return q[:, keep]


def _refined(opmul, bmul, vecs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rayleigh quotients theta = x^T (A - sigma B) x / x^T B x of the columns of ``vecs``
    (the complex symmetric pencil's stationary quotient), with the unit-norm vectors."""
    thetas, out = [], []
    for j in range(vecs.shape[1]):
        x = vecs[:, j] / np.linalg.norm(vecs[:, j])
        thetas.append(complex((x @ opmul(x)) / (x @ bmul(x))))
        out.append(x)
    return np.array(thetas), np.column_stack(out)


def _block_krylov(
    opmul, shift_invert, free: np.ndarray, start: list[np.ndarray], nev: int, bmul
) -> tuple[np.ndarray, np.ndarray] | None:
    """Eigenpairs of the shift-invert operator T = (A - sigma B)^-1 B with the largest |mu|
    (eigenvalues sigma + 1/mu nearest the shift), from a block Krylov space grown from
    ``start`` (block Arnoldi, Rayleigh-Ritz on V^H T V). Returns (theta = 1/mu, vectors) once
    the len(start) largest Ritz values have ||T x - mu x|| <= KRYLOV_TOL |mu| ||x|| (with every
    other converged one among the ``nev`` largest), or None after MAX_KRYLOV_BLOCKS."""
    n, p = free.size, len(start)
    cap = p * (MAX_KRYLOV_BLOCKS + 1)
    basis = np.zeros((n, cap), dtype=complex)
    t_basis = np.zeros((n, cap), dtype=complex)  # T applied to the basis
    block = _orthonormalise(basis, 0, np.column_stack([np.where(free, s, 0.0) for s in start]))
    k = 0
    want = min(p, nev)
    for _ in range(MAX_KRYLOV_BLOCKS):
        nb = block.shape[1]
        if nb == 0:
            return None
        basis[:, k:k + nb] = block
        for j in range(nb):
            t_basis[:, k + j] = shift_invert(block[:, j])
        k += nb
        v, tv = basis[:, :k], t_basis[:, :k]
        mu, y = sla.eig(v.conj().T @ tv)
        order = np.argsort(-np.abs(mu))[:nev]
        conv = []
        for j in order:
            r = tv @ y[:, j] - mu[j] * (v @ y[:, j])
            bound = KRYLOV_TOL * abs(mu[j]) * np.linalg.norm(y[:, j])
            conv.append(bool(np.linalg.norm(r) <= bound))
        if len(conv) >= want and all(conv[:want]):
            sel = [j for j, c in zip(order, conv, strict=True) if c]
            return _refined(opmul, bmul, v @ y[:, sel])
        block = _orthonormalise(basis, k, tv[:, k - nb:k])
    return None


def _davidson(
    opmul, bmul, precondition, free: np.ndarray, start: list[np.ndarray], shift: complex,
    extra: list[np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray] | None:
    """Eigenpairs of (A - sigma B) x = theta B x continuing the approximate eigenvectors
    ``start`` (one each), by generalised Davidson: Rayleigh-Ritz on a growing space, expanded
    by the residuals preconditioned with the factorisation of a nearby problem (that of m' a
    few units from m: (A(m') - sigma' B)^-1 is a good but not exact inverse of A(m) - theta B,
    so it neither stalls nor needs a factorisation of its own). Each start vector follows the
    Ritz value nearest its previous estimate; ``extra`` vectors only enrich the first space.
    Returns (theta, vectors) once every one has
    ||A x - lambda B x|| <= DAVIDSON_TOL |lambda| ||B x||, or None."""
    p = len(start)
    n = free.size
    s0 = np.column_stack([np.where(free, s, 0.0) for s in start])
    v = _orthonormalise(np.zeros((n, 0), dtype=complex), 0,
                        np.column_stack([s0] + [np.where(free, s, 0.0) for s in extra or []]))
    if v.shape[1] < p:
        return None
    ov = np.column_stack([opmul(c) for c in v.T])
    bv = np.column_stack([bmul(c) for c in v.T])
    # Rayleigh quotients of the start vectors s = V c (c = V^H s) from the products formed
    c = v.conj().T @ s0
    num, den = np.sum(c * ((v.T @ ov) @ c), axis=0), np.sum(c * ((v.T @ bv) @ c), axis=0)
    est = [complex(a / b) for a, b in zip(num, den, strict=True)]
    for _ in range(MAX_DAVIDSON_STEPS):
        vh = v.conj().T
        theta, y = sla.eig(vh @ ov, vh @ bv)
        ok = np.isfinite(theta)
        theta, y = theta[ok], y[:, ok]
        taken: list[int] = []
        for i in range(p):
            free_idx = [j for j in range(theta.size) if j not in taken]
            if not free_idx:
                return None
            taken.append(min(free_idx, key=lambda j, e=est[i]: abs(theta[j] - e)))
        corrections = []
        done = True
        for i, j in enumerate(taken):
            est[i] = theta[j]
            bx = bv @ y[:, j]
            r = ov @ y[:, j] - theta[j] * bx
            if np.linalg.norm(r) > DAVIDSON_TOL * abs(shift + theta[j]) * np.linalg.norm(bx):
                done = False
                corrections.append(precondition(r))
        if done:
            # the Rayleigh quotients from the projected matrices (the products A x and B x of
            # x = V y are already in ov and bv): no further matrix products
            ys = y[:, taken] / np.linalg.norm(y[:, taken], axis=0)
            num = np.sum(ys * ((v.T @ ov) @ ys), axis=0)
            den = np.sum(ys * ((v.T @ bv) @ ys), axis=0)
            return num / den, v @ ys
        w = _orthonormalise(v, v.shape[1], np.column_stack(corrections))
        if w.shape[1] == 0:
            return None
        v = np.column_stack([v, w])
        ov = np.column_stack([ov] + [opmul(c) for c in w.T])
        bv = np.column_stack([bv] + [bmul(c) for c in w.T])
    return None


def k0_of_wavelength_nm(wavelength_nm: float) -> float:
    """Vacuum wavenumber k0 = 2 pi / lambda in 1/um."""
    return 2.0 * math.pi / (wavelength_nm * 1e-3)


def wavelength_nm_of_k0(k0: complex) -> float:
    """Vacuum wavelength (nm) of the real part of a complex wavenumber k0 (1/um)."""
    return 2.0 * math.pi / k0.real * 1e3
