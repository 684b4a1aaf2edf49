"""paradisk design: absorber concentration search under the anchoring constraint."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from paradisk.cli import main
from paradisk.design import DesignTarget, search_design, write_design
from paradisk.errors import UserInputError
from paradisk.pipeline import RunOptions, run_pipeline
from paradisk.spec import load_spec, spec_from_dict
from tests.test_pipeline_run import small_spec_data

# the design search solves every case with the FEM: the slow tier
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def design(tmp_path_factory):
    out = tmp_path_factory.mktemp("design")
    spec = spec_from_dict(small_spec_data())
    # 14 um disks: anchored at 10 and 30 mg/mL; at 100 mg/mL (alpha = 0.30/um) the walls
    # close before the substrate (smallest anchored top diameter 17 um)
    target = DesignTarget(top_diameters_um=(14.0,), concentrations_mg_per_mL=(10.0, 30.0, 100.0))
    result = search_design(spec, target, workers=2, cache_dir=out / "cache")
    write_design(result, target, out)
    return spec, target, result, out


def test_floating_disks_are_infeasible_and_best_is_the_lowest_threshold(design):
    _, _, result, _ = design
    grid = result.grid.set_index("concentration_mg_per_mL")
    assert not grid.loc[100.0, "anchored"] and "not anchored" in grid.loc[100.0, "error"]
    assert grid.loc[10.0, "anchored"] and grid.loc[30.0, "anchored"]
    # more absorber at the same top diameter: narrower foot, shallower wall
    assert grid.loc[30.0, "foot_diameter_um"] < grid.loc[10.0, "foot_diameter_um"]
    assert grid.loc[30.0, "wall_angle_deg"] < grid.loc[10.0, "wall_angle_deg"]
    scores = result.scores.set_index("concentration_mg_per_mL")
    assert not scores.loc[100.0, "feasible"] and math.isinf(scores.loc[100.0, "score"])
    # the recommendation is the concentration of the lowest median threshold over the target
    # diameters among those whose disks are all anchored and lase, computed here from the grid
    by_conc = {}
    for conc, g in result.grid.groupby("concentration_mg_per_mL"):
        nth = g["threshold_N"].astype(float).to_numpy()
        if g["anchored"].astype(bool).all() and np.isfinite(nth).all():
            by_conc[conc] = float(np.median(nth))
    assert set(by_conc) == {10.0, 30.0}
    assert result.best_concentration_mg_per_mL == min(by_conc, key=by_conc.get)
    assert scores.loc[result.best_concentration_mg_per_mL, "score"] == pytest.approx(
        min(by_conc.values()), rel=1e-12)


def test_recommended_spec_is_valid_and_writes_the_target(design):
    _, target, result, out = design
    spec = load_spec(out / "recommended_spec.yaml")
    assert "intrinsic_Q" not in (out / "recommended_spec.yaml").read_text()  # deprecated name
    assert spec.process.absorber.concentration_mg_per_mL == result.best_concentration_mg_per_mL
    assert [d.profile.top_diameter_um for d in spec.unique_disks()] == pytest.approx(
        list(target.top_diameters_um))
    assert all(d.profile.anchored for d in spec.disks())
    assert (out / "design_map.png").stat().st_size > 1000
    assert (out / "design_grid.csv").read_text().startswith("concentration_mg_per_mL,")
    # running the recommended spec predicts the threshold the search scored (its disks are the
    # ones the search solved: the mode tables come from the search's cache)
    run = run_pipeline(spec, RunOptions(cache_dir=out / "cache", workers=1, report=False,
                                        write_layout=False))
    assert run.stats["modes_solved"] == 0
    grid = result.grid[result.grid["concentration_mg_per_mL"]
                       == result.best_concentration_mg_per_mL]
    assert run.table["threshold_N"].to_numpy() == pytest.approx(
        np.repeat(grid["threshold_N"].to_numpy(float), spec.array.repeats), rel=1e-12)


def test_a_failing_disk_makes_its_case_infeasible_not_the_design(design, monkeypatch):
    """20 mg/mL is not in the cache and its solve raises; the cached cases still decide."""
    import solvers

    spec, _, result, out = design

    def broken(*_a, **_k):
        raise RuntimeError("solver blew up")

    monkeypatch.setattr(solvers, "find_modes", broken)
    target = DesignTarget(top_diameters_um=(14.0,),
                          concentrations_mg_per_mL=(10.0, 20.0, 30.0))
    again = search_design(spec, target, workers=1, cache_dir=out / "cache")
    grid = again.grid.set_index("concentration_mg_per_mL")
    assert grid.loc[20.0, "error"] == "RuntimeError: solver blew up"
    scores = again.scores.set_index("concentration_mg_per_mL")
    assert not scores.loc[20.0, "feasible"]
    assert again.best_concentration_mg_per_mL == result.best_concentration_mg_per_mL

    # the gain stage raising for one case (the second: 30 mg/mL) leaves the others scored
    import paradisk.design as design_module

    real = design_module.lasing_stage
    calls = []

    def second_fails(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise ValueError("gain model failed")
        return real(*args, **kwargs)

    monkeypatch.setattr(design_module, "lasing_stage", second_fails)
    target = DesignTarget(top_diameters_um=(14.0,), concentrations_mg_per_mL=(10.0, 30.0))
    third = search_design(spec, target, workers=1, cache_dir=out / "cache")
    grid = third.grid.set_index("concentration_mg_per_mL")
    assert grid.loc[30.0, "error"] == "ValueError: gain model failed"
    assert math.isfinite(grid.loc[10.0, "threshold_N"]) and pd.isna(grid.loc[10.0, "error"])
    assert third.best_concentration_mg_per_mL == 10.0


def test_dwell_is_at_the_array_power_when_the_spec_sets_one(design):
    spec, _, result, out = design
    data = spec.model_dump(mode="json")
    data["array"]["power_uW"] = 0.5 * spec.process.power_uW
    half = spec_from_dict(data)
    target = DesignTarget(top_diameters_um=(14.0,), concentrations_mg_per_mL=(10.0,))
    got = search_design(half, target, workers=1, cache_dir=out / "cache")
    ref = result.grid.set_index("concentration_mg_per_mL").loc[10.0]
    row = got.grid.iloc[0]
    # the same energy (same disk, same modes: from the cache) at half the power: twice the dwell
    assert row["dwell_ms"] == pytest.approx(2.0 * ref["dwell_ms"], rel=1e-9)
    assert row["threshold_N"] == pytest.approx(ref["threshold_N"], rel=1e-12)
    rec = got.recommended
    assert rec is not None and rec.unique_disks()[0].dwell_ms == pytest.approx(row["dwell_ms"])


def test_objective_K_and_cli(design, tmp_path, capsys):
    spec, _, _, out = design
    spec_file = tmp_path / "s.yaml"
    import yaml

    spec_file.write_text(yaml.safe_dump(spec.model_dump(mode="json")))
    code = main(["design", str(spec_file), "-o", str(out), "--diameters-um", "14",
                 "--concentrations", "10", "30", "100", "--objective", "K",
                 "--cache", str(out / "cache")])
    assert code == 0
    assert "best:" in capsys.readouterr().out


def test_bad_targets():
    with pytest.raises(UserInputError, match="top diameters"):
        DesignTarget(top_diameters_um=())
    with pytest.raises(UserInputError, match="concentrations"):
        DesignTarget(top_diameters_um=(10.0,), concentrations_mg_per_mL=(-1.0,))
