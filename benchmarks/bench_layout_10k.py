"""Benchmark: build and write a 100 x 100 dose matrix (10,000 disks) and read it back.

Prints the seconds of each step. Goal (issue 3): a few seconds for the layout, the job files and
the round trip. Run: .venv/bin/python benchmarks/bench_layout_10k.py [--preview]
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
