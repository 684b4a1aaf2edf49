"""Mesh convergence of the FEM solver: error versus degrees of freedom (prints a table).

1. Dielectric sphere (R = 3 um, n = 1.6, m = 38, radiation Q ~ 1e7) against the exact Mie roots
   (tests/test_fem_mie.py), TE and TM fundamental, for element orders 2-5 and two outline
   resolutions.
2. The 20 um parabolic disk of the example spec at m = 150 (benchmarks/bench_fem_speed.py)
   against the finest mesh, and with / without the rim truncation (inner cut at the WKB decay
   FemSettings.truncation_decay inside the caustic) to show the cut does not move the answer.

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


if __name__ == "__main__":
    sphere()
    parabolic_disk()
