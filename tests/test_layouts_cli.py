"""``paradisk layout``: the files it writes, what it prints, and bad input stopping it early."""

from __future__ import annotations

import csv
import json

import pytest
import yaml

from paradisk.cli import main
from paradisk.spec import load_spec


def test_layout_command_writes_everything(example_spec_path, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["layout", str(example_spec_path), "-o", str(out), "--oas"]) == 0
    for name in ("layout.gds", "layout.lyp", "layout.oas", "job.csv", "job.json", "preview.png"):
        assert (out / name).stat().st_size > 0, name
    printed = capsys.readouterr().out
    assert "stage travel" in printed and "writing time" in printed
    spec = load_spec(example_spec_path)
    job = json.loads((out / "job.json").read_text())
    assert job["spec_hash"] == spec.spec_hash()
    assert job["spec"] == spec.model_dump(mode="json")
    with open(out / "job.csv") as f:
        lines = list(csv.DictReader(f))
    plans = {d.id: d for d in spec.disks()}
    assert len(lines) == len(plans)
    for line in lines:  # the job agrees with the spec's own disk plan
        d = plans[line["id"]]
        assert float(line["dwell_ms"]) == pytest.approx(d.dwell_ms, rel=1e-12)
        assert float(line["top_diameter_um"]) == pytest.approx(d.profile.top_diameter_um)
    assert f"{job['summary']['travel_um'] / 1000:.4g} mm" in printed


def test_rerun_without_oas_leaves_no_stale_oas(example_spec_path, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["layout", str(example_spec_path), "-o", str(out), "--oas"]) == 0
    gds = (out / "layout.gds").read_bytes()
    assert "layout.oas" in capsys.readouterr().out
    assert main(["layout", str(example_spec_path), "-o", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["job.csv", "job.json", "layout.gds",
                                                     "layout.lyp", "preview.png"]
    assert (out / "layout.gds").read_bytes() == gds
    assert "layout.oas" not in capsys.readouterr().out  # the second run wrote none


def _spec_with(example_spec_path, tmp_path, **changes):
    data = yaml.safe_load(example_spec_path.read_text())
    for path, value in changes.items():
        node = data
        keys = path.split("__")
        for k in keys[:-1]:
            node = node.setdefault(k, {})
        node[keys[-1]] = value
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"array__pitch_um": 25.0}, "array.pitch_um = 25"),
        ({"layout__stage__travel_um": [[0.0, 100.0], [-1000.0, 1000.0]]}, "travel_um[0]"),
        ({"layout__labels__text_height_um": 40.0}, "layout.labels.text_height_um = 40"),
    ],
)
def test_bad_layout_stops_before_writing(example_spec_path, tmp_path, capsys, changes, message):
    spec = _spec_with(example_spec_path, tmp_path, **changes)
    out = tmp_path / "out"
    assert main(["layout", str(spec), "-o", str(out)]) == 2
    assert message in capsys.readouterr().err
    assert not out.exists() or not any(out.iterdir())
