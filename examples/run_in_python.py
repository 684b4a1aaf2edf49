"""Use paradisk from Python (a notebook works the same): run a spec, look at the table.

    .venv/bin/python examples/run_in_python.py
"""

from __future__ import annotations

from pathlib import Path

from geometry import process_for_wall_angle
from paradisk.pipeline import RunOptions, run_pipeline
from paradisk.spec import load_spec

HERE = Path(__file__).resolve().parent


def main() -> None:
    spec = load_spec(HERE / "qs3_array.yaml")

    # the exposure stage alone is instant: dwell per row and the disks it writes
    for disk in spec.unique_disks():
        p = disk.profile
        print(f"{disk.id}: {disk.dwell_ms:7.2f} ms -> top {p.top_diameter_um:5.2f} um, "
              f"foot {p.foot_diameter_um:5.2f} um, wall {p.wall_angle_deg:4.1f} deg")

    # inverse design: which absorber concentration gives 75 degree walls on a 20 um disk?
    steeper = process_for_wall_angle(spec.process, top_diameter_um=20.0, wall_angle_deg=75.0)
    print(f"75 deg walls need {steeper.absorber.concentration_mg_per_mL:.1f} mg/mL")

    # the whole pipeline (modes with the FEM solver, thresholds); cached in out/cache
    result = run_pipeline(spec, RunOptions(out_dir=HERE.parent / "out", workers=2))
    df = result.table
    print(df[df["col"] == 0][["id", "top_diameter_um", "lasing_m", "lasing_wavelength_nm",
                              "threshold_N", "threshold_fluence_uJ_per_cm2", "K"]])


# the guard matters: the local worker processes are started with "spawn" and import this file
if __name__ == "__main__":
    main()
