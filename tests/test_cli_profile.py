"""The command line: verbs, profile table/JSON/figures, calibrate, and error exit codes."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from paradisk.cli import main


def test_help_lists_the_verbs():
    out = subprocess.run([sys.executable, "-m", "paradisk.cli", "--help"], capture_output=True,
                         text=True, check=True).stdout
    for verb in ("profile", "calibrate"):
        assert verb in out


def test_profile_json_and_plots(example_spec_path, tmp_path, capsys):
    assert main(["profile", str(example_spec_path), "--json", "--plot", str(tmp_path),
                 "--csv", str(tmp_path / "p.csv")]) == 0
    data = json.loads(capsys.readouterr().out)
    tops = [d["top_diameter_um"] for d in data["disks"]]
    assert tops == pytest.approx([10, 15, 20, 25, 30])
    assert all(d["anchored"] for d in data["disks"])
    for name in ("exposure_map.png", "profiles_vs_absorber.png"):
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (tmp_path / "p.csv").read_text().splitlines()[0].startswith("id,dwell_ms")
    assert not list(tmp_path.glob(".*"))  # no temporary files left behind


def test_profile_table(example_spec_path, capsys):
    assert main(["profile", str(example_spec_path), "--all"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[0] == "id" and len(lines) == 1 + 20


def test_bad_spec_exits_2_without_traceback(tmp_path, example_spec_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(example_spec_path.read_text().replace("waist_um: 10.0", "waist_um: -10.0"))
    proc = subprocess.run([sys.executable, "-m", "paradisk.cli", "profile", str(bad)],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert "process.waist_um = -10.0" in proc.stderr and "Traceback" not in proc.stderr


def test_calibrate(tmp_path, capsys):
    from tests.conftest import ROOT

    csv = ROOT / "examples" / "dose_series.csv"
    assert main(["calibrate", str(csv), "--film-thickness-um", "5", "--json",
                 "--plot", str(tmp_path / "fit.png")]) == 0
    cal = json.loads(capsys.readouterr().out)
    # the example series was drawn from w0 = 10 um, W_cl = 2150 mJ/cm^2, alpha = 0.0676/um
    assert abs(cal["waist_um"] - 10.0) < 3 * cal["waist_sigma_um"]
    assert abs(cal["threshold_dose_mJ_per_cm2"] - 2150) < 3 * cal["threshold_dose_sigma_mJ_per_cm2"]
    assert abs(cal["alpha_per_um"] - 0.0676) < 3 * cal["alpha_sigma_per_um"]
    assert (tmp_path / "fit.png").exists()
    assert main(["calibrate", str(tmp_path / "missing.csv")]) == 2
