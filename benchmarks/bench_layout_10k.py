"""Benchmark: build and write a 100 x 100 dose matrix (10,000 disks) and read it back.

Prints the seconds of each step. Goal: a few seconds for the layout, the job files and
the round trip. Run: .venv/bin/python benchmarks/bench_layout_10k.py [--preview]

Measured 2026-12-02 on the shared 2-core development machine (OMP_NUM_THREADS=1; the gdsfactory
import, about 2.2 s, is not counted):

- earlier that day, on a quieter machine (an auditor's run, before the per-disk cell info and
  the new labels): build 0.93 s + write 0.23 s + read back 0.15 s = 1.30 s; 1.88 s with
  --preview.
- 05:05-05:08 UTC, with the per-disk cell info, the new labels and the staged output set, while
  other jobs kept the load average at 7-8 on the 2 cores (so every step ran 2-3x slower):
  median of 3 runs build 2.50 s + write 0.73 s + read back 0.42 s = 3.64 s (range 3.46-3.87 s);
  4.69 s with --preview (4.38-5.19 s; preview alone 0.55-0.84 s).
  The code from before those changes, run alternately under the same load, took 3.79 s
  (3.66-3.87 s) and 3.78 s with --preview (3.13-4.16 s): within the noise of the load. The
  preview itself timed the same for both (0.6-0.8 s).
- File sizes: layout.gds 3.27 MB (2.98 MB before the per-disk ids and positions went into the
  row cells' info), job.csv 1.29 MB, job.json 3.30 MB, preview.png 0.56 MB.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import layouts
from geometry.exposure import Absorber, ExposureProcess


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--preview", action="store_true", help="also time the PNG preview")
    args = parser.parse_args()
    # the process of examples/qs3_array.yaml (values marked there as paper or assumption)
    process = ExposureProcess(
        film_thickness_um=5.0, waist_um=10.0, threshold_dose_mJ_per_cm2=2150.0, power_uW=500.0,
        resin_absorption_per_um=0.01,
        absorber=Absorber(concentration_mg_per_mL=20.0, absorptivity_405_mL_per_mg_per_cm=5.0),
    )
    diameters = tuple(10.0 + 0.2 * i for i in range(100))  # 10 .. 29.8 um, 100 rows
    array = layouts.WriteArray(target_top_diameters_um=diameters, repeats=100, pitch_um=60.0)
    settings = layouts.LayoutSettings()

    t0 = time.perf_counter()
    import gdsfactory  # noqa: F401  (import time reported apart)

    t_import = time.perf_counter() - t0
    t0 = time.perf_counter()
    result = layouts.build_layout(process, array, settings, title="bench_10k")
    t_build = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        paths = layouts.write_outputs(result, tmp, spec_dict={"bench": True}, spec_hash="0" * 64,
                                      preview=args.preview)
        t_write = time.perf_counter() - t0
        sizes = {k: Path(p).stat().st_size for k, p in paths.items()}
        t0 = time.perf_counter()
        back = layouts.read_exposure_points(paths["gds"])
        t_read = time.perf_counter() - t0
    assert back == result.points, "round trip failed"
    s = result.summary
    print(f"disks: {s.n_points} ({len(result.rows)} rows x {array.repeats})")
    print(f"import gdsfactory: {t_import:.2f} s")
    print(f"build (validate + cells + job): {t_build:.2f} s")
    print(f"write ({', '.join(paths)}): {t_write:.2f} s")
    print(f"read back and compare: {t_read:.2f} s")
    print(f"total without import: {t_build + t_write + t_read:.2f} s")
    print("file sizes: " + ", ".join(f"{k} {v / 1e6:.2f} MB" for k, v in sizes.items()))
    print(f"stage travel {s.travel_um / 1000:.4g} mm, "
          f"estimated writing time {s.total_s / 3600:.3g} h")


if __name__ == "__main__":
    main()
