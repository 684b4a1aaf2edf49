"""Benchmark: 10,000 sampled disks of one design after its base solve (goal: <= 10 s).

The design is the row of examples/qs3_scatter.yaml (a 20 um QS3 disk, TE and TM, every spread
of the example). The sensitivity table is the run's own when ``--cache DIR`` holds it (after
``paradisk run examples/qs3_scatter.yaml -o out``: ``--cache out/cache``); otherwise the
analytic comb of tests/scatter_synthetic.py with the same window and margins stands in (the
sampling cost depends on the number of modes and samples, not on where the table came from).
Prints the seconds of each step (best of --repeat) and the row's summary.
Run: .venv/bin/python benchmarks/bench_scatter.py [--samples 10000] [--cache out/cache]

Measured 2026-12-02 ~22:00 UTC, 2-core VM shared with other jobs (load average ~6), analytic
table (5 descriptors, 40 modes): draw + descriptors + comb shift + thresholds + lasing pick of
10,000 disks 0.5-0.6 s; summary 0.03 s.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--samples", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--cache", type=Path, default=None)
    args = parser.parse_args()

    from paradisk.cache import Cache
    from paradisk.scatter.sampling import (
        descriptor_steps,
        nominal_descriptors,
        row_inputs,
        sample_row,
    )
    from paradisk.scatter.stage import (
        SENSITIVITY,
        sensitivity_key,
        stage_args,
        summarise,
        widened_window,
    )
    from paradisk.spec import load_spec

    spec = load_spec(ROOT / "examples" / "qs3_scatter.yaml")
    plan = spec.unique_disks()[0]
    nom = row_inputs(spec, plan)
    sens = None
    if args.cache is not None:
        body, solver, steps, window, _, _ = stage_args(spec, None, False)[0]
        key, _ = sensitivity_key(body, solver["fem"], solver, steps, window)
        sens = Cache(args.cache, report=None).get(SENSITIVITY, key)
        print("sensitivity table:", "from the cache" if sens else "not in the cache")
    if sens is None:
        sys.path.insert(0, str(ROOT))
        from tests.scatter_synthetic import comb, sensitivities

        d0 = nominal_descriptors(nom)
        sens = sensitivities(d0, descriptor_steps(spec.scatter, nom),
                             tuple(widened_window(spec, plan)))
        table = comb(d0, tuple(spec.solver.window_nm))
        print("sensitivity table: analytic stand-in")
    else:
        table = [m for m in sens["modes"] if spec.solver.window_nm[0] <= m["wavelength_nm"]
                 <= spec.solver.window_nm[1]]
    print(f"{len(sens['modes'])} modes, {len(sens['steps'])} descriptors, "
          f"{args.samples} samples")
    best = best_sum = float("inf")
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        df = sample_row(spec, plan, sens, table, n=args.samples)
        t1 = time.perf_counter()
        summary, modes = summarise(df)
        t2 = time.perf_counter()
        best, best_sum = min(best, t1 - t0), min(best_sum, t2 - t1)
    print(f"sampling {args.samples} disks: {best:.3f} s (best of {args.repeat}); "
          f"summary {best_sum:.3f} s")
    print(summary.T.to_string())
    print(modes.to_string(index=False))


if __name__ == "__main__":
    main()
