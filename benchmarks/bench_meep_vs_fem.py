"""Meep (cylindrical FDTD + Harminv) against the FEM eigen solver: same modes, matched accuracy.

Usage (from the repository root; serial, OMP_NUM_THREADS=1):

    .venv/bin/python benchmarks/bench_meep_vs_fem.py            # sphere case (~2 min)
    .venv/bin/python benchmarks/bench_meep_vs_fem.py --qs3 40   # + QS3 disk at resolution 40

Sphere case: n = 2, R = 1 um, l = m = 10 (Q ~ 1e3), TE and TM, against exact Mie roots. Meep
runs at resolutions 40 and 60 per um with Richardson extrapolation and the z-mirror (the
cheapest way it reaches 1e-5..1e-4); the FEM runs its defaults (order 4). Both errors are
printed next to each time, and the ratio of wall times.

QS3 case: the smallest disk of examples/qs3_array.yaml (R = 5 um SU8 on Ti/Au with the 30 nm
nanocrystal film), m = 67, both families, Meep at the given resolution (no Richardson) with a
cell that excludes the axis, against the FEM: wavelengths, Q and film fractions side by side.

Measured 2026-12-02 06:12 UTC, sphere case, 2-core machine with the test suite running on the
other core (OMP_NUM_THREADS=1):

    solver pol     lambda nm   rel err         Q    Q err
    fem    TE     920.442119  6.91e-07    1344.9 8.31e-04
    fem    TM     866.896729  5.82e-07     838.5 7.50e-04
    meep   TE     920.451539  9.54e-06    1355.2 6.75e-03
    meep   TM     866.911487  1.64e-05     844.8 8.25e-03
    time: FEM 0.8 s, Meep 57.7 s (Richardson 40/60, z-mirror), Meep/FEM = 74.6

The FEM is both 15-30x more accurate and 75x faster here, so at matched accuracy the ratio is
larger than 75 (Meep's error falls as resolution^-2 and its cost grows as resolution^3).
QS3 disk at resolution 60 (tests/test_meep_qs3.py, CI test): 451 s of Meep for one family and
one m, 2.1e-4 from the FEM, whose whole 620-660 nm window of that disk takes about 10 s.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("OMP_NUM_THREADS", "1")

from geometry.bodies import Sphere  # noqa: E402
from solvers.fem import find_modes as fem_modes  # noqa: E402
from solvers.meep import find_modes as meep_modes  # noqa: E402
from tests.test_meep_crossval import WINDOW, L, mie_mode  # noqa: E402


def _timed(fn, *args, **kwargs):
    t = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - t


def sphere_case() -> None:
    body = Sphere(radius_um=1.0, index=2.0, center_z_um=0.0)
    fem, t_fem = _timed(fem_modes, body, m=L, window_nm=WINDOW, polarizations=("TE", "TM"))
    meep, t_meep = _timed(
        meep_modes, body, m=L, window_nm=WINDOW, resolution=40.0, richardson=True,
        z_mirror=True, fields=False, q_target=1e3, min_ringdown_periods=60.0, pml_um=1.0,
        gap_um=1.2, progress=False,
    )
    print(f"sphere n=2 R=1 um, m={L}: TE and TM fundamental modes vs exact Mie roots")
    print(f"{'solver':6} {'pol':3} {'lambda nm':>13} {'rel err':>9} {'Q':>9} {'Q err':>8}")
    for name, recs in (("fem", fem), ("meep", meep)):
        for r in sorted(recs, key=lambda r: r.polarization):
            if r.radial_order not in (0, 1):
                continue
            lam, q = mie_mode(r.polarization, r.wavelength_nm)
            print(f"{name:6} {r.polarization:3} {r.wavelength_nm:13.6f} "
                  f"{abs(r.wavelength_nm - lam) / lam:9.2e} {r.Q:9.1f} {abs(r.Q - q) / q:8.2e}")
    print(f"time: FEM {t_fem:.1f} s, Meep {t_meep:.1f} s (Richardson 40/60, z-mirror), "
          f"Meep/FEM = {t_meep / t_fem:.1f}")


def qs3_case(resolution: float) -> None:
    from paradisk.spec import load_spec  # benchmarks may use the app layer

    spec = load_spec(ROOT / "examples" / "qs3_array.yaml")
    body = spec.disks()[0].body
    m = 67
    fem, t_fem = _timed(fem_modes, body, m=m, window_nm=(620.0, 660.0),
                        polarizations=("TE", "TM"), settings=spec.solver.fem)
    meep, t_meep = _timed(meep_modes, body, m=m, window_nm=(620.0, 660.0),
                          resolution=resolution, exclude_axis=True, q_target=1e4,
                          progress=False)
    print(f"QS3 disk r00c00 (R = {body.rim_radius_um:.2f} um), m = {m}")
    print(f"{'solver':6} {'pol':3} {'lambda nm':>12} {'Q':>10} {'film':>8}")
    for name, recs in (("fem", fem), ("meep", meep)):
        for r in sorted(recs, key=lambda r: (r.polarization, r.wavelength_nm)):
            q = f"{r.Q:10.3g}" if math.isfinite(r.Q) else f"{'unres.':>10}"
            print(f"{name:6} {r.polarization:3} {r.wavelength_nm:12.4f} {q} "
                  f"{r.film_fraction:8.4f}")
    print(f"time: FEM {t_fem:.1f} s, Meep {t_meep:.1f} s (resolution {resolution}), "
          f"Meep/FEM = {t_meep / t_fem:.1f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--qs3", type=float, default=None, metavar="RESOLUTION",
                    help="also run the QS3 example disk at this Meep resolution (pixels/um)")
    args = ap.parse_args()
    sphere_case()
    if args.qs3:
        qs3_case(args.qs3)


if __name__ == "__main__":
    main()
