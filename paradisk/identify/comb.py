"""The predicted comb of a disk as a function of its top diameter, from a few FEM solves.

A measured disk differs from the spec's mostly in size (dose and focus drift): the body for a
top diameter D is the one the spec's exposure process writes with the energy for D (same beam,
film, absorber and surroundings; ``disk_for_top_diameter``).

Between FEM solves, each family f = (polarization, radial order) is described by its ratio to
the Airy asymptotics of a sphere of the disk's rim radius (solvers.fem.estimate):

    lambda_f(m; D_k) = r_f,k(m) * lambda_asym(m, f, D_k / 2)

with r_f,k(m) a straight line in m fitted to the modes solved at D_k (the asymptotics carry the
m dependence and the dispersion; the ratio, a few percent from 1 for a parabolic disk, varies
slowly). Solved modes keep their FEM wavelengths exactly. With one solve, another diameter
scales through the asymptotics alone; with two or more, lambda(m, f, D) is interpolated (or
extrapolated) linearly in D between the two solves nearest D: the sensitivity d lambda / dD of
each mode is the finite difference of two FEM solves.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from geometry import ParabolicDisk
from geometry.inverse import energy_for_top_diameter
from solvers.fem.estimate import AIRY_ZEROS
from solvers.materials import refractive_index
from solvers.modes import ModeRecord

Family = tuple[str, int]  # (polarization, radial order)


def disk_for_top_diameter(spec, top_diameter_um: float) -> ParabolicDisk:
    """The disk ``spec``'s exposure process writes with top diameter ``top_diameter_um`` (um),
    in the spec's surroundings with its nanocrystal coating. Raises NotAnchoredError when
    that disk would not reach the substrate."""
    energy = energy_for_top_diameter(spec.process, top_diameter_um)
    surroundings = spec.cavity.model_copy(update={"coating": spec.coating})
    return ParabolicDisk(profile=spec.process.profile(energy), index=spec.disk_material,
                         surroundings=surroundings)


def asymptotic_wavelength_nm(m: np.ndarray, radius_um: float, material, n_env: float,
                             family: Family, guess_nm: float | np.ndarray = 640.0
                             ) -> np.ndarray:
    """Airy-asymptotic vacuum wavelength (nm) of the fundamental-axial WGMs (m, family) of a
    sphere of ``radius_um``, with the material's dispersion (vectorised
    solvers.fem.estimate.wgm_wavelength_nm)."""
    pol, q = family
    nu = np.asarray(m, dtype=float) + 0.5
    a = AIRY_ZEROS[q - 1]
    lam = np.broadcast_to(np.asarray(guess_nm, dtype=float), nu.shape).copy()
    for _ in range(40):
        n = np.real(refractive_index(material, lam))
        rel = n / n_env
        p = rel if pol == "TE" else 1.0 / rel
        x = (nu + 2 ** (-1 / 3) * a * nu ** (1 / 3) - p / np.sqrt(rel**2 - 1.0)
             + 0.3 * 2 ** (-2 / 3) * a**2 * nu ** (-1 / 3))
        new = 2.0 * math.pi * n * radius_um / x * 1e3
        if np.all(np.abs(new - lam) < 1e-11 * lam):
            return new
        lam = new
    return lam


@dataclass
class CombSolve:
    """The FEM modes of the disk of one top diameter (um) and its per-family ratio lines."""

    top_diameter_um: float
    modes: list[ModeRecord]
    ratio: dict[Family, np.ndarray] = field(default_factory=dict)  # polyfit coefficients
    exact: dict[Family, dict[int, float]] = field(default_factory=dict)


class Comb:
    """lambda(m, family, D) of one disk design; see the module doc.

    ``solve(D)`` returns the FEM ModeRecords of the disk of top diameter D (um); it is called
    only by ``add_solve``.
    """

    def __init__(self, solve: Callable[[float], list[ModeRecord]], material, n_env: float,
                 families: Sequence[Family]):
        self._solve = solve
        self.material = material
        self.n_env = n_env
        self.families = tuple(families)
        self.solves: list[CombSolve] = []
        self._memo: dict[tuple, np.ndarray] = {}

    def add_solve(self, top_diameter_um: float) -> CombSolve:
        """Solve the disk of this top diameter with the FEM and add it to the model."""
        modes = [r for r in self._solve(top_diameter_um) if r.axial_order == 0]
        s = CombSolve(top_diameter_um, modes)
        for f in self.families:
            got = sorted((r.m, r.wavelength_nm) for r in modes
                         if (r.polarization, r.radial_order) == f)
            if not got:
                continue
            ms = np.array([g[0] for g in got], dtype=float)
            lam = np.array([g[1] for g in got])
            r = lam / self._asym(ms, top_diameter_um, f, float(np.mean(lam)))
            s.ratio[f] = np.polyfit(ms, r, 1) if len(set(ms)) >= 2 else np.array([0.0, r[0]])
            s.exact[f] = {int(mm): float(ll) for mm, ll in got}
        if not s.ratio:
            raise ValueError(
                f"the FEM found no mode of the families {self.families} for the disk of top "
                f"diameter {top_diameter_um:.4g} um in the window")
        self.solves.append(s)
        return s

    def _asym(self, m: np.ndarray, top_diameter_um: float, f: Family, guess_nm: float
              ) -> np.ndarray:
        key = (f, float(top_diameter_um), tuple(np.asarray(m, dtype=float)))
        hit = self._memo.get(key)
        if hit is None:
            if self.solves:
                # start from the first solve's diameter scaled: a few fixed-point steps
                d_ref = self.solves[0].top_diameter_um
                ref = self._asym(m, d_ref, f, guess_nm) if d_ref != top_diameter_um else None
                guess = guess_nm if ref is None else ref * top_diameter_um / d_ref
            else:
                guess = guess_nm
            hit = asymptotic_wavelength_nm(m, 0.5 * top_diameter_um, self.material,
                                           self.n_env, f, guess)
            if len(self._memo) > 100_000:
                self._memo.clear()
            self._memo[key] = hit
        return hit

    def _at_solve(self, s: CombSolve, m: np.ndarray, f: Family, top_diameter_um: float
                  ) -> np.ndarray:
        """lambda(m, f) of solve s, carried to ``top_diameter_um`` by the asymptotics."""
        coef = s.ratio.get(f)
        if coef is None:
            coef = np.mean([c for c in s.ratio.values()], axis=0)  # nearest information
        lam = np.polyval(coef, m) * self._asym(m, top_diameter_um, f, 640.0)
        if top_diameter_um == s.top_diameter_um:
            ex = s.exact.get(f, {})
            lam = np.array([ex.get(int(mm), ll) for mm, ll in zip(m, lam, strict=True)])
        return lam

    def wavelength_nm(self, m: np.ndarray, f: Family, top_diameter_um: float) -> np.ndarray:
        """Predicted wavelengths (nm) of the modes (m, f) of the disk of this top diameter."""
        m = np.atleast_1d(np.asarray(m, dtype=float))
        if not self.solves:
            raise ValueError("Comb: no FEM solve yet")
        if len(self.solves) == 1:
            return self._at_solve(self.solves[0], m, f, top_diameter_um)
        a, b = sorted(self.solves, key=lambda s: abs(s.top_diameter_um - top_diameter_um))[:2]
        la = self._at_solve(a, m, f, a.top_diameter_um)
        lb = self._at_solve(b, m, f, b.top_diameter_um)
        t = (top_diameter_um - a.top_diameter_um) / (b.top_diameter_um - a.top_diameter_um)
        return la + t * (lb - la)

    def slope_nm_per_um(self, m: np.ndarray, f: Family, top_diameter_um: float) -> np.ndarray:
        """d lambda / dD (nm per um of top diameter) of the modes (m, f) at this diameter."""
        h = 1e-3 * top_diameter_um
        return (self.wavelength_nm(m, f, top_diameter_um + h)
                - self.wavelength_nm(m, f, top_diameter_um - h)) / (2.0 * h)

    def nearest_solve(self, top_diameter_um: float) -> CombSolve:
        return min(self.solves, key=lambda s: abs(s.top_diameter_um - top_diameter_um))
