"""Benchmark: thresholds and lasing modes of 10,000 disks x 100 modes (goal: ~1 s).

Random but plausible modes (600-680 nm, Q 5e3-1e5, film fraction 0.02-0.3)
with the QS3 preset and the default film (loss index = the film's refractive index). Prints
the seconds of each step (best of --repeat) and a cross-check of the exact bracketing against
a brute-force scan on a sample of modes.
Run: OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_gain_threshold.py

Measured 2026-12-02 05:03 UTC, 2-core AMD EPYC VM (nproc 2), OMP_NUM_THREADS=1, shared with
other jobs (load average 5.5-6.7 on 2 cores, so an idle machine is likely faster):
  Eq. 5 coefficients 0.087-0.102 s; thresholds + lasing modes of 1,000,000 modes 0.944 s
  (best of 3) and 0.853 s (best of 5); 100 % of disks lase, median threshold N = 0.569;
  brute-force scan of 2,000 modes (20,001 N, 5.9 s): same lasing set, max |dN| = 5.0e-3 =
  the grid step.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from gain import NanocrystalFilm
from gain.spectra import gain_coefficients
from gain.threshold import lasing_mode_index, mode_thresholds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--disks", type=int, default=10_000)
    parser.add_argument("--modes", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    film = NanocrystalFilm()
    mat = film.resolved_material
    rng = np.random.default_rng(0)
    shape = (args.disks, args.modes)
    lam = rng.uniform(600.0, 680.0, shape)
    Q = 10.0 ** rng.uniform(np.log10(5e3), 5.0, shape)
    gam = rng.uniform(0.02, 0.3, shape)

    best_total = best_coeff = np.inf
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        gain_coefficients(mat, lam)
        best_coeff = min(best_coeff, time.perf_counter() - t0)
        t0 = time.perf_counter()
        th = mode_thresholds(mat, film.concentration_per_cm3, lam, Q, gam,
                             loss_index=film.refractive_index)
        _, nth = lasing_mode_index(th.N_threshold)
        best_total = min(best_total, time.perf_counter() - t0)
    lasing = np.isfinite(nth)
    print(f"{args.disks} disks x {args.modes} modes = {lam.size:,} modes, preset {mat.name}")
    print(f"  Eq. 5 coefficients           {best_coeff:7.3f} s")
    print(f"  thresholds + lasing modes    {best_total:7.3f} s  (best of {args.repeat})")
    print(f"  disks that lase              {lasing.mean() * 100:6.1f} %  "
          f"median threshold N = {np.median(nth[lasing]):.3f}")

    # cross-check: first crossing on a dense N grid for 2,000 random modes
    pick = rng.choice(lam.size, 2000, replace=False)
    c = gain_coefficients(mat, lam.ravel()[pick])
    req = th.required_normalized_gain.ravel()[pick]
    grid = np.linspace(0.0, 100.0, 20001)
    t0 = time.perf_counter()
    ok = c.normalized_gain(grid[:, None]) >= req
    first = np.where(ok.any(axis=0), grid[np.argmax(ok, axis=0)], np.inf)
    t_scan = time.perf_counter() - t0
    got = th.N_threshold.ravel()[pick]
    fin = np.isfinite(first)
    agree = np.array_equal(fin, np.isfinite(got))
    err = np.max(np.abs(first[fin] - got[fin])) if fin.any() else 0.0
    print(f"  brute-force scan (2,000 modes, 20,001 N) {t_scan:6.3f} s: same lasing set {agree}, "
          f"max |dN| = {err:.2e} (grid step {grid[1]:.0e})")


if __name__ == "__main__":
    main()
