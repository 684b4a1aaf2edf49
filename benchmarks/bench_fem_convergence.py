"""Mesh convergence of the FEM solver: error versus degrees of freedom (prints a table).

1. Dielectric sphere (R = 3 um, n = 1.6, m = 38, radiation Q ~ 1e7) against the exact Mie roots
   (tests/test_fem_mie.py), TE and TM fundamental, for element orders 2-5 and two outline
   resolutions.
2. The 20 um parabolic disk of the example spec at m = 150 (benchmarks/bench_fem_speed.py)
   against the finest mesh, and with / without the rim truncation (inner cut at the WKB decay
   FemSettings.truncation_decay inside the caustic) to show the cut does not move the answer.
3. The gold-bottom cut (FemSettings.metal_cut_decay_lengths): a 1 um thick disk whose rim sits
   on 100 nm Au / 5 nm Ti / glass (tests/test_fem_disk.py, TM m = 70, Q ~ 3e3, absorption-
   limited), domain ended by a perfect conductor under the gold against the full stack.
   Measured 2026-12-02 (shared machine): cut 24911 unknowns, 637.453145 nm, Q 2983.0,
   Q_abs 3133.7; full stack 40411 unknowns, 637.449896 nm, Q 3065.3, Q_abs 3186.5: the cut
   moves the wavelength by 5e-6, Q_abs by 1.7 % and Q by 2.7 %.

Run: OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_fem_convergence.py
"""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_fem_speed import disk
from test_fem_disk import thin_disk
from test_fem_mie import mie_resonance

from geometry.bodies import Sphere
from solvers.fem import FemSettings, find_modes


def fundamentals(body, m, window, settings):
    t0 = time.perf_counter()
    recs = find_modes(body, m=m, window_nm=window, settings=settings)
    dt = time.perf_counter() - t0
    out = {r.polarization: r for r in recs if (r.radial_order, r.axial_order) == (1, 0)}
    return out, dt


def sphere() -> None:
    radius, n, m = 3.0, 1.6, 38
    exact = {}
    for pol in ("TE", "TM"):
        k = mie_resonance(radius, n, m, pol)
        exact[pol] = (2 * math.pi / k.real * 1e3, k.real / (-2 * k.imag))
    print(f"sphere R={radius} n={n} m={m}: exact TE {exact['TE'][0]:.6f} nm Q {exact['TE'][1]:.3g}"
          f", TM {exact['TM'][0]:.6f} nm Q {exact['TM'][1]:.3g}")
    print(f"  {'order':>5} {'h_rim':>5} {'ndof':>7} {'s':>6} {'dlam/lam TE':>12} "
          f"{'dlam/lam TM':>12} {'dQ/Q TE':>9} {'dQ/Q TM':>9}")
    body = Sphere(radius_um=radius, index=n)
    for h_rim in (0.6, 0.4):
        for order in (2, 3, 4, 5):
            s = FemSettings(order=order, h_rim=h_rim)
            got, dt = fundamentals(body, m, (670.0, 700.0), s)
            if set(got) != {"TE", "TM"}:
                print(f"  {order:>5} {h_rim:>5} modes not resolved: {sorted(got)}")
                continue
            e = {p: abs(got[p].wavelength_nm - exact[p][0]) / exact[p][0] for p in got}
            q = {p: abs(got[p].Q - exact[p][1]) / exact[p][1] for p in got}
            print(f"  {order:>5} {h_rim:>5} {got['TE'].extra['ndof']:>7} {dt:>6.2f} "
                  f"{e['TE']:>12.1e} {e['TM']:>12.1e} {q['TE']:>9.1e} {q['TM']:>9.1e}")


def parabolic_disk() -> None:
    body = disk()
    m, window = 150, (610.0, 630.0)
    ref, _ = fundamentals(body, m, window,
                          FemSettings(order=5, h_medium=0.5, h_rim=0.25, h_film=1.5, grading=0.3))
    print(f"20 um parabolic disk, m={m}: reference (order 5, fine) TE "
          f"{ref['TE'].wavelength_nm:.7f} nm, TM {ref['TM'].wavelength_nm:.7f} nm")
    print(f"  {'settings':<44} {'ndof':>7} {'s':>6} {'dlam/lam TE':>12} {'dlam/lam TM':>12}")
    cases = {
        "order 3": FemSettings(order=3),
        "order 4 (default)": FemSettings(),
        "order 4, coarse (h 1.0/0.5, film 6)": FemSettings(h_medium=1.0, h_rim=0.5, h_film=6.0,
                                                           grading=0.7),
        "order 5": FemSettings(order=5),
        "order 4, no truncation (mesh to the axis)": FemSettings(truncate=False),
        "order 4, deeper cut (decay 30)": FemSettings(truncation_decay=30.0),
    }
    for name, s in cases.items():
        got, dt = fundamentals(body, m, window, s)
        if set(got) != {"TE", "TM"}:
            print(f"  {name:<44} modes not resolved: {sorted(got)}")
            continue
        e = {p: abs(got[p].wavelength_nm - ref[p].wavelength_nm) / ref[p].wavelength_nm
             for p in got}
        print(f"  {name:<44} {got['TE'].extra['ndof']:>7} {dt:>6.2f} {e['TE']:>12.1e} "
              f"{e['TM']:>12.1e}   (inner cut r = {got['TE'].extra['r_in_um']:.2f} um)")


def gold_cut() -> None:
    body = thin_disk(0.0)
    print("1 um disk on 100 nm Au / 5 nm Ti / glass, TM m = 70: gold-bottom cut vs full stack")
    print(f"  {'domain':<34} {'ndof':>7} {'s':>6} {'wavelength_nm':>14} {'Q':>8} {'Q_abs':>8}")
    for name, s in (("cut under the gold (default)", FemSettings()),
                    ("full stack (Ti, glass, PML)", FemSettings(metal_cut_decay_lengths=50.0))):
        t0 = time.perf_counter()
        recs = find_modes(body, m=70, window_nm=(540.0, 680.0), polarizations=("TM",),
                          settings=s)
        dt = time.perf_counter() - t0
        r = max((r for r in recs if (r.radial_order, r.axial_order) == (1, 0)), key=lambda r: r.Q)
        print(f"  {name:<34} {r.extra['ndof']:>7} {dt:>6.2f} {r.wavelength_nm:>14.6f} "
              f"{r.Q:>8.1f} {r.Q_absorption:>8.1f}")


if __name__ == "__main__":
    sphere()
    parabolic_disk()
    gold_cut()
