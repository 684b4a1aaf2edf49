"""Settings of the finite-element eigen solver (see solvers.fem).

Lengths relative to the target vacuum wavelength lambda0 are in "wavelengths"; element sizes
relative to the local wavelength lambda0 / n. Defaults were chosen with
benchmarks/bench_fem_convergence.py (wavelength error < 1e-6 against Mie theory on spheres).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class FemSettings(BaseModel):
    """Discretisation of the axisymmetric finite-element solver."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    order: int = Field(4, ge=1, le=8, description="polynomial order of the elements")
    h_medium: float = Field(
        0.7, gt=0.02, le=2.0,
        description="largest element size in each medium, in local wavelengths lambda0/n",
    )
    h_rim: float = Field(
        0.4, gt=0.01, le=2.0,
        description="element size along the body's outline, in local wavelengths lambda0/n",
    )
    h_film: float = Field(
        4.0, gt=0.2, le=10.0,
        description="element size in the coating film, in film thicknesses",
    )
    grading: float = Field(
        0.5, gt=0.05, le=0.9,
        description="Netgen mesh grading: how fast elements grow away from small features",
    )
    margin_wavelengths: float = Field(
        1.0, ge=0.2, le=10.0,
        description="physical air/substrate margin around the body before the PML, in lambda0",
    )
    caustic_fraction: float = Field(
        1.0, ge=0.0, le=3.0,
        description="the radial PML starts no closer than this fraction of the outer caustic "
        "m / (k0 n_env), beyond which the whispering-gallery field radiates (0: ignore)",
    )
    caustic_max_wavelengths: float = Field(
        3.0, ge=0.5, le=20.0,
        description="but the radial PML starts at most this many lambda0 beyond the rim "
        "(high-m modes: the radiation Q is then astronomically large and only loosely bounded)",
    )
    metal_h_decay_lengths: float = Field(
        4.0, ge=0.5, le=20.0,
        description="element size in metals, in field decay lengths lambda0/(2 pi kappa); "
        "layers at least one decay length thick also cap it at their thickness, thinner ones "
        "(5 nm Ti) do not (see solvers.fem.mesh)",
    )
    layer_h_thicknesses: float = Field(
        1.0, ge=0.5, le=10.0,
        description="element size in a substrate layer thicker than its field decay length, "
        "in layer thicknesses (above 1: flat elements, for modes that barely reach the layer)",
    )
    pml_wavelengths: float = Field(
        1.0, ge=0.2, le=10.0, description="thickness of the perfectly matched layers, in lambda0"
    )
    pml_attenuation: float = Field(
        12.0, ge=1.0, le=100.0,
        description="one-way amplitude attenuation of a normally incident wave across the PML, "
        "nepers",
    )
    truncate: bool = Field(
        True, description="mesh only the rim region where the mode lives (high m)"
    )
    truncation_decay: float = Field(
        18.0, ge=5.0, le=100.0,
        description="WKB decay of the field (nepers) from the caustic m/(k n) to the inner cut",
    )
    metal_cut_decay_lengths: float = Field(
        2.5, ge=1.0, le=50.0,
        description="end the domain at the bottom of a metal layer at least this many field "
        "decay lengths lambda0/(2 pi kappa) thick (perfect conductor below). 100 nm of gold is "
        "2.9 decay lengths at 560 nm and 3.4 at 630 nm (Johnson & Christy): the field amplitude "
        "at its bottom is exp(-2.9) = 5.4 % to exp(-3.4) = 3.4 % of that at its top, and the "
        "Ti/glass below (PHYSICS.md: hidden by >= 100 nm of gold) are not meshed. Measured "
        "against the uncut stack (100 nm Au, 5 nm Ti, glass, PML) on a 1 um thick disk whose "
        "rim sits on the gold (tests/test_fem_disk.py, TM m = 70 at 637 nm, Q ~ 3e3, "
        "absorption-limited): the cut changes Q_absorption by 1.7 %, Q by 2.7 % and the "
        "wavelength by 5e-6 (the Q_radiation inferred from the two is not resolved there)",
    )
    nev: int = Field(6, ge=1, le=50, description="eigenvalues sought per shift")
    inverse: Literal["sparsecholesky", "umfpack"] = Field(
        "sparsecholesky", description="sparse direct solver of NGSolve for shift-invert"
    )
    eps_update_nm: float = Field(
        5.0, gt=0.0, le=100.0,
        description="in a scan, the permittivities are evaluated at the centre of the bin of "
        "this width (nm, counted from 0 nm) that holds the shift (one mass matrix per bin); the "
        "remainder is corrected by perturbation theory",
    )
    dispersion_rel_tol: float = Field(
        5e-4, gt=0.0, le=0.1,
        description="re-solve with the permittivities at the mode's own wavelength when the "
        "first-order dispersion correction moves the wavelength by more than this (relative)",
    )
