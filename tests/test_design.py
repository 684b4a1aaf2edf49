"""paradisk design: absorber concentration search under the anchoring constraint."""

from __future__ import annotations

import math

import pytest

from paradisk.cli import main
from paradisk.design import DesignTarget, search_design, write_design
from paradisk.errors import UserInputError
from paradisk.spec import load_spec, spec_from_dict
from tests.test_pipeline_run import small_spec_data


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
    feasible = scores[scores["feasible"]]
    assert result.best_concentration_mg_per_mL == feasible["score"].idxmin()


def test_recommended_spec_is_valid_and_writes_the_target(design):
    _, target, result, out = design
    spec = load_spec(out / "recommended_spec.yaml")
    assert spec.process.absorber.concentration_mg_per_mL == result.best_concentration_mg_per_mL
    assert [d.profile.top_diameter_um for d in spec.unique_disks()] == pytest.approx(
        list(target.top_diameters_um))
    assert all(d.profile.anchored for d in spec.disks())
    assert (out / "design_map.png").stat().st_size > 1000
    assert (out / "design_grid.csv").read_text().startswith("concentration_mg_per_mL,")


def test_objective_K_and_cli(design, tmp_path, capsys):
    spec, _, _, out = design
    spec_file = tmp_path / "s.yaml"
    import yaml

    spec_file.write_text(yaml.safe_dump(spec.model_dump(mode="json")))
    code = main(["design", str(spec_file), "-o", str(out), "--diameters-um", "14",
                 "--concentrations", "10", "30", "100", "--objective", "K"])
    assert code == 0
    assert "best:" in capsys.readouterr().out


def test_bad_targets():
    with pytest.raises(UserInputError, match="top diameters"):
        DesignTarget(top_diameters_um=())
    with pytest.raises(UserInputError, match="concentrations"):
        DesignTarget(top_diameters_um=(10.0,), concentrations_mg_per_mL=(-1.0,))
