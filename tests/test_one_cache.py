"""Every command shares the run's solved modes: ``paradisk modes`` and ``paradisk design``
read the entries ``paradisk run`` stored (same stages, same keys), identical disks are solved
once, and run, design and predict evaluate the same mode table into the same lasing record.

The mode solver is replaced by the recorded FEM modes of the example's five disks
(tests/data/qs3_example_fem_modes.csv, picked by the disk's top diameter), so this runs in the
fast tier and counts every solver call.
"""

from __future__ import annotations

import csv
import json
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


def _same(a, b) -> bool:
    """Equal values, a missing value (None, nan) equal only to a missing one, inf to inf."""
    missing_a = a is None or (isinstance(a, float) and math.isnan(a))
    missing_b = b is None or (isinstance(b, float) and math.isnan(b))
    return missing_a == missing_b and (missing_a or a == b)


def _differences(row: dict, ref: dict) -> list[str]:
    from paradisk.results import LASING_COLUMNS

    return [f"{c}: {row[c]!r} != {ref[c]!r}" for c in LASING_COLUMNS
            if not _same(row[c], ref[c])]


def _predict_json(capsys, spec_file: Path, modes: Path) -> dict[str, dict]:
    assert main(["predict", str(spec_file), "--modes", str(modes), "--json"]) == 0
    return {r["id"]: r for r in json.loads(capsys.readouterr().out)["disks"]}


def test_design_reuses_the_run_cache_and_agrees_with_run_and_predict(first_run, solver_calls,
                                                                     capsys, spec_file):
    """The design case at the spec's own concentration is the run's disk: no solve, and the
    whole lasing record (paradisk.results.LASING_COLUMNS: mode, polarization, wavelength,
    shift, threshold N, fluence, power, lasing_Q, Q_total and every loss channel, film
    fraction, K, lases, reason) is the run's, value for value; predict on the run's own mode
    tables (its modes folder, the rows' records) gives it too. The recorded modes have Q inf
    (no loss resolved) and their budgets mix finite channels, inf (no loss) and channels not
    computed without the field: all three conventions are compared."""
    from gain.modetable import ModeTable
    from paradisk.commands.predict import predict_rows
    from paradisk.design import DesignTarget, search_design
    from paradisk.results import LASING_COLUMNS

    spec, result, cache = first_run
    targets = spec.array.target_top_diameters_um
    conc = spec.process.absorber.concentration_mg_per_mL
    design = search_design(spec, DesignTarget(top_diameters_um=targets,
                                              concentrations_mg_per_mL=(conc,)),
                           workers=1, cache_dir=cache)
    assert solver_calls == []
    run_rows = {r["id"]: r for r in result.table.to_dict(orient="records")}
    first_of_row = [r for r in run_rows.values() if r["col"] == 0]
    assert len(first_of_row) == 5 and all(r["lases"] for r in first_of_row)
    assert all(r["lasing_Q"] == math.inf for r in first_of_row)  # unresolved, as solved
    assert all(r["lasing_Q_other"] == 2.0e4 and r["lasing_Q_metal"] == math.inf
               and r["lasing_Q_material"] is None for r in first_of_row)
    grid = design.grid.to_dict(orient="records")
    assert len(grid) == 5
    for case, ran in zip(grid, first_of_row, strict=True):
        assert case["dwell_ms"] == ran["dwell_ms"]
        assert _differences(case, ran) == [], ran["id"]

    # predict on the run's modes folder: every disk, its row's modes
    folder = cache.parent / "modes"
    rows = _predict_json(capsys, spec_file, folder)
    assert sorted(rows) == sorted(run_rows) and len(rows) == 20
    for rid, ran in run_rows.items():
        assert rows[rid]["n_modes"] == ran["n_modes"] > 0
        assert _differences(rows[rid], ran) == [], rid
    # ... on one file of it (the rows of its disk_id column) and on the rows' records
    one = _predict_json(capsys, spec_file, folder / "r02c00.csv")
    assert _differences(one["r02c00"], run_rows["r02c00"]) == []
    assert one["r02c01"]["n_modes"] == 0 and not one["r02c01"]["lases"]
    for plan in spec.unique_disks():
        table = ModeTable.from_records(result.modes[plan.id])
        row = next(r for r in predict_rows(spec, table) if r["id"] == plan.id)
        assert _differences(row, run_rows[plan.id]) == [], plan.id
    assert set(LASING_COLUMNS) <= set(design.grid.columns)


def test_a_mode_file_without_disk_id_points_to_the_modes_folder(first_run, capsys, spec_file,
                                                                 tmp_path):
    """One disk's table without disk_id cannot serve disks of five diameters: the error says
    to add the column or to give the run's modes folder, which then works."""
    _, _, cache = first_run
    text = (cache.parent / "modes" / "r02c00.csv").read_text().splitlines()
    assert text[0].startswith("disk_id,")
    bare = tmp_path / "bare.csv"
    bare.write_text("\n".join(line.split(",", 1)[1] for line in text) + "\n")
    assert main(["predict", str(spec_file), "--modes", str(bare)]) == 2
    err = capsys.readouterr().err
    assert "add a disk_id column" in err and "a run's modes folder" in err
    assert "modes/<id>.csv" not in err


def test_a_modes_folder_of_another_spec_is_refused(first_run, capsys, spec_file, tmp_path):
    _, _, cache = first_run
    folder = tmp_path / "modes"
    folder.mkdir()
    for f in (cache.parent / "modes").glob("r0[0-3]c00.csv"):  # r04 missing
        (folder / f.name).write_text(f.read_text())
    assert main(["predict", str(spec_file), "--modes", str(folder)]) == 2
    err = capsys.readouterr().err
    assert "no r04c00.csv for disk r04c00" in err and "another spec's run" in err


def test_every_results_row_has_the_lasing_columns_in_order():
    from paradisk.results import LASING_COLUMNS, RESULT_COLUMNS, lasing_columns

    assert tuple(lasing_columns(None, "why")) == LASING_COLUMNS
    start = RESULT_COLUMNS.index(LASING_COLUMNS[0])
    assert RESULT_COLUMNS[start:start + len(LASING_COLUMNS)] == LASING_COLUMNS
    none = lasing_columns(None, "why")
    assert none["threshold_N"] == math.inf and none["lases"] is False
    assert none["reason"] == "why" and none["lasing_Q"] is None


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
