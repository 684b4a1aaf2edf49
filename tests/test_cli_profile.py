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


def test_calibrate_prints_spec_fields_and_residuals(capsys):
    """The text output names, for every fitted value, a field that exists in the spec's
    process, and lists one residual per disk whose rms is the fit's own residual rms (the
    printed fitted diameters are the model the fit used)."""
    import re

    from geometry import Absorber, ExposureProcess
    from tests.conftest import ROOT

    csv = ROOT / "examples" / "dose_series.csv"
    assert main(["calibrate", str(csv), "--film-thickness-um", "5"]) == 0
    out = capsys.readouterr().out
    for field in re.findall(r"process\.([A-Za-z_0-9.]+[A-Za-z0-9])", out):
        model = ExposureProcess
        for part in field.split("."):
            assert part in model.model_fields, field
            model = {"absorber": Absorber}.get(part, model)
    assert "process.waist_um" in out and "process.threshold_dose_mJ_per_cm2" in out
    assert "process.absorber.concentration_mg_per_mL" in out  # where alpha goes
    rows = [line.split() for line in out.splitlines() if re.match(r"\s+[\d.]+\s+[\d.]+\s", line)]
    assert len(rows) == 8  # one per disk of the CSV
    top_resid = [float(r[3]) for r in rows]
    rms = (sum(x * x for x in top_resid) / len(top_resid)) ** 0.5
    printed_rms = float(re.search(r"rms of the top residuals ([\d.]+) um", out).group(1))
    assert rms == pytest.approx(printed_rms, rel=0.02)
    for r in rows:  # residual = measured - fit, foot too
        assert float(r[1]) - float(r[2]) == pytest.approx(float(r[3]), abs=2e-3)
        assert float(r[4]) - float(r[5]) == pytest.approx(float(r[6]), abs=2e-3)


def test_calibrate_gives_the_absorber_concentration_in_the_specs_basis(capsys, tmp_path):
    """The example series was drawn from the example spec's process: 20 mg/mL of absorber in
    the solution (x 2.5 in the dried film). With --spec, the fitted attenuation comes back as
    that spec field's value, in the spec's basis; a film-basis spec gets the film's."""
    import yaml

    from tests.conftest import EXAMPLE_SPEC, ROOT

    csv = ROOT / "examples" / "dose_series.csv"
    args = ["calibrate", str(csv), "--film-thickness-um", "5", "--json", "--spec"]
    assert main([*args, str(EXAMPLE_SPEC)]) == 0
    cal = json.loads(capsys.readouterr().out)
    assert cal["absorber_concentration_basis"] == "solution"
    sigma = 20.0 * cal["alpha_sigma_per_um"] / cal["alpha_per_um"]
    assert abs(cal["absorber_concentration_mg_per_mL"] - 20.0) < 3 * sigma
    data = yaml.safe_load(EXAMPLE_SPEC.read_text())
    data["process"]["absorber"]["concentration_basis"] = "film"
    film = tmp_path / "film.yaml"
    film.write_text(yaml.safe_dump(data))
    assert main([*args, str(film)]) == 0
    film_cal = json.loads(capsys.readouterr().out)
    assert film_cal["absorber_concentration_mg_per_mL"] == pytest.approx(
        2.5 * cal["absorber_concentration_mg_per_mL"], rel=1e-12)
    assert main(["calibrate", str(csv), "--film-thickness-um", "5", "--spec",
                 str(EXAMPLE_SPEC)]) == 0
    assert "process.absorber.concentration_mg_per_mL" in capsys.readouterr().out


def test_every_help_explains_every_option_without_markup_or_module_names():
    """The --help of each command is for users: every option has a help line, and no text
    holds reST markup or a code module path (paradisk.stages, layouts.outputs, ...)."""
    import argparse
    import re

    from paradisk.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    assert sorted(sub.choices) == ["calibrate", "design", "fit-gain", "identify", "layout",
                                   "modes", "predict", "profile", "run"]
    internal = re.compile(r"``|\b(paradisk|layouts|solvers|gain|geometry)\.[a-z_]")
    for name, p in sub.choices.items():
        text = p.format_help()
        assert not internal.search(text), (name, internal.search(text).group(0))
        for action in p._actions:
            if isinstance(action, argparse._HelpAction):
                continue
            assert action.help and len(action.help) > 10, (name, action.dest)
