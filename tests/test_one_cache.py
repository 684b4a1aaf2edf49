"""Every command shares the run's solved modes: ``paradisk modes`` and ``paradisk design``
read the entries ``paradisk run`` stored (same stages, same keys), identical disks are solved
once, and run, design and predict evaluate the same mode table into the same lasing record.

The mode solver is replaced by the recorded FEM modes of the example's five disks
(tests/data/qs3_example_fem_modes.csv, picked by the disk's top diameter), so this runs in the
fast tier and counts every solver call.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pytest

from paradisk.cli import main
from paradisk.spec import load_spec

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "qs3_array.yaml"


@pytest.fixture(scope="module")
def spec_file(tmp_path_factory) -> Path:
    """The example with losses.Q_other = 2e4: the recorded modes stand in for the solver
    without their fields, so no loss budget is computed, and Q_other gives every mode a loss."""
    import yaml

    data = yaml.safe_load(EXAMPLE.read_text())
    data["losses"]["Q_other"] = 2.0e4
    path = tmp_path_factory.mktemp("spec") / "qs3_array.yaml"
    path.write_text(yaml.safe_dump(data))
    return path
RECORDED = ROOT / "tests" / "data" / "qs3_example_fem_modes.csv"


def _recorded_modes() -> dict[str, list[dict]]:
    lines = [ln for ln in RECORDED.read_text().splitlines() if not ln.startswith("#")]
    out: dict[str, list[dict]] = {}
    for row in csv.DictReader(lines):
        out.setdefault(row["disk_id"], []).append(row)
    return out


@pytest.fixture
def solver_calls(monkeypatch, spec_file):
    """solvers.find_modes answers with the recorded modes of the example row whose top
    diameter the body has; returns the list of diameters it was called for."""
    import solvers
    from solvers.modes import ModeRecord

    spec = load_spec(spec_file)
    by_diameter = {round(p.profile.top_diameter_um, 6): p.id for p in spec.unique_disks()}
    recorded = _recorded_modes()
    calls: list[float] = []

    def fake(body, m=None, window_nm=None, solver="fem", **_options):
        d = round(body.profile.top_diameter_um, 6)
        calls.append(d)
        return [ModeRecord(m=int(r["m"]), wavelength_nm=float(r["wavelength_nm"]),
                           Q=float(r["Q"]), polarization=r["polarization"], radial_order=1,
                           axial_order=0, film_fraction=float(r["film_fraction"]),
                           effective_index=float(r["effective_index"]), solver="fem",
                           mode_volume_um3=float(r["mode_volume_um3"]))
                for r in recorded[by_diameter[d]]]

    monkeypatch.setattr(solvers, "find_modes", fake)
    return calls


@pytest.fixture
def first_run(tmp_path, solver_calls, spec_file):
    from paradisk.pipeline import RunOptions, run_pipeline

    spec = load_spec(spec_file)
    out = tmp_path / "out"
    result = run_pipeline(spec, RunOptions(out_dir=out, workers=1, write_layout=False,
                                           report=False))
    # 5 rows x 4 identical repeats: one solve per row
    assert sorted(solver_calls) == sorted({round(p.profile.top_diameter_um, 6)
                                           for p in spec.disks()})
    assert len(solver_calls) == 5 and result.stats["modes_solved"] == 5
    solver_calls.clear()
    return spec, result, out / "cache"


def test_modes_after_run_reads_every_disk_from_the_run_cache(first_run, solver_calls, capsys,
                                                             spec_file):
    spec, result, cache = first_run
    assert main(["modes", str(spec_file), "--cache", str(cache), "--workers", "1"]) == 0
    assert solver_calls == []  # every table came from the cache
    text = capsys.readouterr().out
    heads = [line for line in text.splitlines() if line.startswith("disk ")]
    assert len(heads) == 5  # one table per distinct disk, not one per disk
    for plan in spec.unique_disks():
        repeats = [p.id for p in spec.disks() if p.row == plan.row and p.col > 0]
        n = len(result.modes[plan.id])
        assert f"disk {plan.id} (identical: {', '.join(repeats)}): {n} mode(s)" in heads
        first = min(result.modes[plan.id], key=lambda m: m["wavelength_nm"])
        assert f"{first['wavelength_nm']:.4f}" in text


def test_modes_solves_identical_disks_once_and_fills_the_run_cache(tmp_path, solver_calls,
                                                                   spec_file, capsys):
    from paradisk.pipeline import RunOptions, run_pipeline

    cache = tmp_path / "cache"
    assert main(["modes", str(spec_file), "--cache", str(cache), "--workers", "1", "--json"]) == 0
    assert len(solver_calls) == 5  # 20 disks, 5 distinct
    solver_calls.clear()
    result = run_pipeline(load_spec(spec_file), RunOptions(cache_dir=cache, workers=1))
    assert solver_calls == [] and result.stats["modes_cached"] == 5


def test_design_reuses_the_run_cache_and_agrees_with_run_and_predict(first_run, solver_calls,
                                                                     tmp_path):
    """The design case at the spec's own concentration is the run's disk: no solve, and the
    same lasing record; predict on the run's mode table gives it too."""
    from gain.modetable import ModeTable
    from paradisk.commands.predict import predict_rows
    from paradisk.design import DesignTarget, search_design

    spec, result, cache = first_run
    targets = spec.array.target_top_diameters_um
    conc = spec.process.absorber.concentration_mg_per_mL
    design = search_design(spec, DesignTarget(top_diameters_um=targets,
                                              concentrations_mg_per_mL=(conc,)),
                           workers=1, cache_dir=cache)
    assert solver_calls == []
    run_rows = result.table[result.table["col"] == 0].reset_index(drop=True)
    grid = design.grid.reset_index(drop=True)
    assert len(grid) == len(run_rows) == 5
    for a, b in (("lasing_m", "lasing_m"), ("lasing_wavelength_nm", "lasing_wavelength_nm"),
                 ("threshold_N", "threshold_N"), ("K", "K"), ("lasing_Q", "lasing_Q"),
                 ("threshold_fluence_uJ_per_cm2", "threshold_fluence_uJ_per_cm2"),
                 ("dwell_ms", "dwell_ms")):
        assert grid[a].tolist() == run_rows[b].tolist(), a

    for plan in spec.unique_disks():
        table = ModeTable.from_records(result.modes[plan.id])
        row = next(r for r in predict_rows(spec, table) if r["id"] == plan.id)
        ran = run_rows[run_rows["id"] == plan.id].iloc[0]
        assert row["lasing_m"] == ran["lasing_m"]
        assert row["lasing_wavelength_nm"] == ran["lasing_wavelength_nm"]
        for key in ("threshold_N", "K", "threshold_fluence_uJ_per_cm2", "lasing_Q_total"):
            assert row[key] == pytest.approx(ran[key], rel=1e-12) or (
                math.isinf(row[key]) and math.isinf(ran[key])), key


@pytest.mark.slow  # the report's figures: ~16 s
def test_writing_the_outputs_and_report_changes_nothing_in_the_result(first_run, tmp_path):
    """paradisk.outputs and the report read the RunResult; the pipeline alone fills it."""
    import copy

    from paradisk.outputs import write_results

    _, result, _ = first_run
    before = copy.deepcopy({k: v for k, v in vars(result).items() if k != "table"})
    table = result.table.copy()
    paths, skipped = write_results(result, tmp_path / "written", report=True)
    assert paths["report"].is_file() and paths["results_csv"].is_file()
    assert {k: v for k, v in vars(result).items() if k != "table"} == before
    assert result.table.equals(table)
    assert paths["report"].parent == tmp_path / "written" and isinstance(skipped, dict)
