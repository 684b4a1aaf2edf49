"""Axisymmetric finite-element solver for whispering-gallery modes (NGSolve/Netgen).

``find_modes(body, m=None, window_nm=(lo, hi), polarizations=("TE", "TM"), settings=None,
max_radial_order=1, ...) -> list[ModeRecord]``; see solvers.fem.solver.

Stack choice, measured by benchmarks/bench_fem_stack.py on one sphere (R = 2 um, n = 1.6,
m = 20, TE; same weak form, same PML, same Netgen triangulations, one process each; the times
compare the stacks with each other, what matters is their ratio, not the seconds):

    NGSolve order 3 (curved):      7.5e3 dof  0.9 s  wavelength error 1.2e-5
    NGSolve order 4 (curved):     1.2e4 dof  1.7 s  wavelength error 2.9e-7   (default)
    NGSolve order 5 (curved):     1.7e4 dof  2.5 s  wavelength error 2.9e-8
    scikit-fem N2 x P2 (straight): 1.1e4 dof  2.1 s  wavelength error 1.5e-4
    scikit-fem N2 x P2 (straight): 2.3e4 dof  3.5 s  wavelength error 6.2e-5

NGSolve 6.2 with Netgen/OCC meshing is the choice: curved high-order elements (the sphere and the
parabolic wall are represented exactly or to ~1e-8, which a 1e-6 wavelength target needs; with
straight-sided second-order elements scikit-fem stalls near 1e-4 from the polygonal boundary
alone), C++ assembly and sparse Cholesky, OCC offsets for the thin conformal film, and
coefficient functions for the complex PML. scikit-fem reads as the math and has the same element
families (ElementTriN1-N3 with Lagrange), but would need curved geometry and a faster sparse
factorisation to compete. Formulation: mixed H(curl) x H1 (see solvers.fem.formulation) -
Nedelec for (E_r, E_z), Lagrange for i r E_phi - free of spurious modes without a penalty term,
unlike the nodal H-field formulation of Oxborrow (IEEE Trans. MTT 55, 1209 (2007)) that it
follows for the axisymmetric reduction.

Accuracy (tests/test_fem_mie.py, benchmarks/bench_fem_convergence.py): default settings give
wavelengths within ~1e-7 and Q within 0.1 % of the exact Mie roots for spheres of n <= 1.6 up to
radiation Q ~ 1e7; a small n = 2 sphere needs h_rim = 0.35. Q above 1e9 (the resolution of
Im(k0)) is reported as inf. tests/test_fem_layered_mie.py: a sphere with a 30 nm n = 1.8 shell
(the nanocrystal film) within 2.5e-7 of the layered-sphere Mie roots, the film fraction equal to
n_f d(ln lambda)/d(n_f) to 0.3 %, and an absorbing sphere (n = 1.6 + 3e-4 i) with Q to 1e-4 and
Q_absorption to 0.4 % of the complex Mie roots.

Modules: settings (FemSettings), mesh (regions and mesh), formulation (weak form, assembly,
shift-invert), analysis (energies, polarization, orders, field maps), surfaces (the field on
the body's interfaces, for solvers.losses), estimate (Airy asymptotics for m and shifts),
solver (find_modes, window scan).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from solvers.fem.settings import FemSettings

if TYPE_CHECKING:
    from solvers.fem.solver import find_modes

__all__ = ["FemSettings", "find_modes"]


def __getattr__(name: str) -> Any:
    # NGSolve and Netgen load only with the solver: the spec imports FemSettings from here,
    # and every command (profile, --help) would otherwise pay some 2 s for them
    if name == "find_modes":
        from solvers.fem.solver import find_modes

        return find_modes
    raise AttributeError(f"module 'solvers.fem' has no attribute {name!r}")
