"""Axisymmetric finite-element solver for whispering-gallery modes (NGSolve/Netgen).

``find_modes(body, m=None, window_nm=(lo, hi), polarizations=("TE", "TM"), settings=None,
max_radial_order=1, ...) -> list[ModeRecord]``; see solvers.fem.solver.

Stack choice (measured by benchmarks/bench_fem_stack.py on one sphere, see its output):
NGSolve 6.2 with Netgen/OCC meshing. It gives curved high-order elements (order 4: the sphere
and the parabolic wall are represented to ~1e-8, which the 1e-6 wavelength target needs), a
C++ assembly and sparse Cholesky factorisation, OCC offsets for the thin conformal film, and
coefficient functions for the complex PML. scikit-fem 12 has the same element families
(ElementTriN1/N2 with Lagrange) and reads as the math, but its Nedelec elements stop at order 2
and its meshes are straight-sided: on the same sphere it needs far more degrees of freedom for
a given accuracy, and its Python assembly and SciPy SuperLU factorisation are slower (numbers in
the benchmark). Formulation: mixed H(curl) x H1 (see solvers.fem.formulation) - Nedelec for
(E_r, E_z), Lagrange for i r E_phi - free of spurious modes without a penalty term, unlike the
nodal H-field formulation of Oxborrow (IEEE Trans. MTT 55, 1209 (2007)) that it follows for the
axisymmetric reduction.

Modules: settings (FemSettings), mesh (regions and mesh), formulation (weak form, assembly,
shift-invert), analysis (energies, polarization, orders, field maps), estimate (Airy
asymptotics for m and shifts), solver (find_modes, window scan).
"""

from __future__ import annotations

from solvers.fem.settings import FemSettings
from solvers.fem.solver import find_modes

__all__ = ["FemSettings", "find_modes"]
