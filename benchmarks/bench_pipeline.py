"""Pipeline figures: wall time of the demo run, per-disk cost by stage, 2 workers vs 1.

Run by hand (it takes a few minutes on the 2-core reference machine):

    .venv/bin/python benchmarks/bench_pipeline.py [SPEC]

Every run uses a fresh cache, so the mode solves are really done; the last line shows a
second (cached) run of the same spec.

Measured 2026-12-02 06:07 UTC on the idle 2-core machine (OMP_NUM_THREADS=1), spec
examples/qs3_array.yaml (20 disks, 5 distinct; FEM, 620-660 nm, TE + TM):

    demo run, 2 workers, cold cache :    59.2 s wall for 20 disks (5 distinct), 0 errors
    per distinct disk, by stage: profile 0.08 ms, layout 462 ms (whole array / rows),
        modes 16.4 s of solver time, lasing 3.4 ms
    modes+gain only: 1 worker 69.1 s, 2 workers 45.7 s, speed-up 1.51x
    second run, warm cache          :    8.32 s (5 cached, 0 solved)

The 2-worker speed-up is below 2: five tasks of unequal cost (10 to 30 modes in the band, from
the 10 um to the 30 um disk) cannot be split evenly over two workers. `make demo` from a fresh
clone (venv and install included) took 2 min 18 s; its run 74 s.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from paradisk.pipeline import RunOptions, run_pipeline
from paradisk.spec import load_spec

ROOT = Path(__file__).resolve().parents[1]


def timed_run(spec, workers: int, out: Path, **kw) -> tuple[float, dict]:
    t0 = time.perf_counter()
    result = run_pipeline(spec, RunOptions(out_dir=out, workers=workers, **kw))
    return time.perf_counter() - t0, result.stats


def main() -> None:
    spec = load_spec(sys.argv[1] if len(sys.argv) > 1 else ROOT / "examples" / "qs3_array.yaml")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        wall2, s2 = timed_run(spec, 2, tmp / "w2")
        print(f"demo run, 2 workers, cold cache : {wall2:7.1f} s wall for {s2['disks']} disks "
              f"({s2['rows']} distinct), {s2['errors']} errors")
        rows = s2["rows"]
        print("per distinct disk, by stage (2-worker run):")
        print(f"  profile  {1e3 * s2['profile_seconds'] / rows:9.2f} ms")
        if "layout_seconds" in s2:
            print(f"  layout   {1e3 * s2['layout_seconds'] / rows:9.2f} ms "
                  "(whole array, divided by rows)")
        print(f"  modes    {s2['modes_cpu_seconds'] / rows:9.2f} s of solver time")
        print(f"  lasing   {1e3 * s2['lasing_seconds'] / rows:9.2f} ms")
        wall1, _ = timed_run(spec, 1, tmp / "w1", report=False, write_layout=False)
        wall2b, _ = timed_run(spec, 2, tmp / "w2b", report=False, write_layout=False)
        print(f"modes+gain only: 1 worker {wall1:.1f} s, 2 workers {wall2b:.1f} s, "
              f"speed-up {wall1 / wall2b:.2f}x")
        wall_c, sc = timed_run(spec, 2, tmp / "w2")
        print(f"second run, warm cache          : {wall_c:7.2f} s "
              f"({sc['modes_cached']} cached, {sc['modes_solved']} solved)")


if __name__ == "__main__":
    main()
