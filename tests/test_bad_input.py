"""Bad input found by trying: every file of tests/fixtures/bad gives exit status 2 and one line on
stderr naming what is wrong, never a traceback, a hang or a silently wrong answer.

Each case once failed: a UnicodeDecodeError or OverflowError traceback, a hang (alias bomb,
a million disks), or an answer accepted with exit 0 (``waist_um: true`` read as 1 um, an
unknown substrate material, a calibration of "0 +/- 0").
"""

from __future__ import annotations

import math
import os
import re
from pathlib import Path

import pytest

from paradisk.cli import main
from paradisk.errors import UserInputError
from paradisk.spec import load_spec

ROOT = Path(__file__).resolve().parents[1]
BAD = ROOT / "tests" / "fixtures" / "bad"
SPEC = ROOT / "examples" / "qs3_array.yaml"
DOSES = ROOT / "examples" / "dose_series.csv"


def _fails_with_one_line(capsys: pytest.CaptureFixture, argv: list[str], *expected: str) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(f"paradisk {argv[0]}: error: "), err
    for text in expected:
        assert text in lines[0], lines[0]
    return lines[0]


@pytest.mark.parametrize(("name", "expected"), [
    ("bool_waist.yaml", ["process.waist_um = True", "yes/no", "0 < value <= 200"]),
    ("inf_diameter.yaml", ["array.target_top_diameters_um[1] = inf", "finite"]),
    ("nan_dwell.yaml", ["array.dwell_ms[1] = nan", "finite"]),
    ("target_60um.yaml", ["target_top_diameters_um[1]", "4.43e+08 ms", "up to 42.64 um"]),
    ("target_1e300.yaml", ["target_top_diameters_um[0]", "beyond any float"]),
    ("target_500um.yaml", ["target_top_diameters_um[0]", "beyond any float"]),
    ("unobtainium.yaml", ["cavity.substrate_halfspace = 'Unobtainium'", "unknown material",
                          "glass"]),
    ("unknown_disk_material.yaml", ["disk_material = 'PMMA'", "unknown material"]),
    ("unknown_layer_material.yaml", ["cavity.substrate[1].material = 'Chromium'"]),
    ("negative_index.yaml", ["disk_material = -1.6", "1 <= n <= 5"]),
    ("window_below_data.yaml", ["'SU8' has data for 320-1100 nm", "[200, 201]"]),
    ("window_above_data.yaml", ["'SU8' has data for 320-1100 nm", "[2000, 2010]"]),
    ("million_disks.yaml", ["1000 rows x 1000 repeats = 1000000 disks", "max_disks = 10000"]),
    ("duplicate_key.yaml", ["duplicate key 'waist_um'"]),
    ("alias_bomb.yaml", ["too large", "at most 20000"]),
    ("deep_nesting.yaml", ["nested more than 64 levels"]),
    ("utf16_spec.yaml", ["UTF-16", "UTF-8"]),
    ("binary_spec.yaml", ["not UTF-8 text"]),
    ("losses_negative_rms.yaml", ["losses.roughness.wall.rms_nm = -5.0", "greater than 0"]),
    ("losses_unknown_interface.yaml", ["losses.roughness.side", "'wall', 'top' or 'film'"]),
    ("losses_no_correlation.yaml", ["losses.roughness.film.correlation_nm", "required"]),
    ("losses_two_Q_other.yaml", ["intrinsic_Q = 20000.0 and losses.Q_other = 30000.0",
                                 "give only losses.Q_other"]),
    ("losses_unknown_host.yaml", ["losses.film_host = 'butter'", "unknown name"]),
])
def test_bad_spec_is_one_line_exit_2(name, expected, capsys, tmp_path):
    _fails_with_one_line(capsys, ["profile", str(BAD / name)], *expected)
    # layout and run reject it before writing anything
    out = tmp_path / "out"
    _fails_with_one_line(capsys, ["layout", str(BAD / name), "-o", str(out)])
    assert not out.exists()


def test_max_disks_is_the_override(tmp_path):
    text = (BAD / "million_disks.yaml").read_text()
    # the same array is accepted when the spec raises the limit explicitly (fewer rows here, to
    # keep the test fast: the limit is what matters)
    small = text.replace("repeats: 1000", "repeats: 20")
    (tmp_path / "a.yaml").write_text(small)
    with pytest.raises(UserInputError, match="1000 rows x 20 repeats = 20000 disks"):
        load_spec(tmp_path / "a.yaml")
    (tmp_path / "b.yaml").write_text(small + "max_disks: 20000\n")
    assert len(load_spec(tmp_path / "b.yaml").disks()) == 20000


def test_utf8_bom_spec_is_read(tmp_path):
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + SPEC.read_bytes())
    assert load_spec(path) == load_spec(SPEC)


def test_json_spec_bounds(tmp_path):
    import json

    import yaml

    data = yaml.safe_load(SPEC.read_text())
    path = tmp_path / "s.json"
    path.write_text(json.dumps(data)[:-1] + ', "name": "again"}')
    with pytest.raises(UserInputError, match="duplicate key 'name'"):
        load_spec(path)
    data["array"]["repeats"] = float("nan")
    path.write_text(json.dumps(data))  # writes NaN, which json.loads accepts
    with pytest.raises(UserInputError, match=r"array.repeats = nan: must be a finite number"):
        load_spec(path)


@pytest.mark.parametrize("text", ["inf", "-Infinity", "nan", ".inf"])
def test_nonfinite_text_in_a_number_field(text, tmp_path):
    # PyYAML reads `inf` as a string, which pydantic would turn into float('inf')
    path = tmp_path / "s.yaml"
    path.write_text(SPEC.read_text().replace("waist_um: 10.0", f"waist_um: '{text}'"))
    with pytest.raises(UserInputError, match=r"process.waist_um = .*finite number"):
        load_spec(path)


def test_boolean_is_refused_as_a_material_but_kept_where_a_flag_belongs(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(SPEC.read_text().replace("disk_material: SU8", "disk_material: true"))
    with pytest.raises(UserInputError, match="disk_material = True: a yes/no value"):
        load_spec(path)
    # `decadic: true` is a flag and stays accepted
    assert load_spec(SPEC).process.absorber.decadic is True


# --------------------------------------------------------------------------------------------
# outputs that cannot be written: checked before any work

def test_output_that_is_a_file(capsys, tmp_path):
    afile = tmp_path / "afile"
    afile.write_text("keep\n")
    _fails_with_one_line(capsys, ["layout", str(SPEC), "-o", str(afile)],
                         "is a file, not a directory")
    _fails_with_one_line(capsys, ["layout", str(SPEC), "-o", str(afile / "sub")],
                         "is a file, not a directory")
    _fails_with_one_line(capsys, ["run", str(SPEC), "-o", str(afile), "--quiet"],
                         "-o", "is a file")
    _fails_with_one_line(capsys, ["run", str(SPEC), "-o", str(tmp_path / "o"), "--cache",
                                  str(afile), "--quiet"], "--cache", "is a file")
    _fails_with_one_line(capsys, ["profile", str(SPEC), "--plot", str(afile)], "--plot")
    _fails_with_one_line(capsys, ["profile", str(SPEC), "--csv", str(tmp_path)],
                         "is a directory")
    assert afile.read_text() == "keep\n"
    assert not (tmp_path / "o").exists()


def test_calibrate_plot_into_a_directory(capsys, tmp_path):
    _fails_with_one_line(capsys, ["calibrate", str(DOSES), "--power-uW", "500", "--plot",
                                  str(tmp_path)], "--plot", "is a directory")


def test_read_only_output_folder(capsys, tmp_path, monkeypatch):
    # the tests may run as root, for whom no folder is read-only: the permission answer is
    # replaced, the decision made on it is what is tested
    real_access = os.access
    ro = tmp_path / "ro"
    ro.mkdir()
    monkeypatch.setattr("paradisk.files.os.access",
                        lambda p, mode: False if Path(p) == ro else real_access(p, mode))
    _fails_with_one_line(capsys, ["layout", str(SPEC), "-o", str(ro / "layout")],
                         f"{ro} is not writable")
    assert list(ro.iterdir()) == []


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="needs Linux's /proc")
def test_a_folder_that_takes_no_files_is_one_line(capsys):
    # /proc passes a permission check as root, yet no file can be made in it
    for argv in (["layout", str(SPEC), "-o", "/proc/paradisk-out"],
                 ["run", str(SPEC), "-o", "/proc/paradisk-out", "--quiet"],
                 ["profile", str(SPEC), "--plot", "/proc/paradisk-out"]):
        _fails_with_one_line(capsys, argv, "cannot write in /proc")


def test_a_file_system_error_during_a_command_is_one_line(capsys, monkeypatch):
    def refuse(args):
        raise PermissionError(13, "Permission denied", "/somewhere/out.csv")

    import paradisk.commands.profile as profile

    monkeypatch.setattr(profile, "run", refuse)
    assert main(["profile", str(SPEC)]) == 1
    err = capsys.readouterr().err.strip()
    assert err == "paradisk profile: error: /somewhere/out.csv: Permission denied"


# --------------------------------------------------------------------------------------------
# interrupts and closed pipes

def test_ctrl_c_is_one_line_and_exit_130(capsys, monkeypatch):
    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr("paradisk.commands.profile.run", interrupted)
    assert main(["profile", str(SPEC)]) == 130
    assert capsys.readouterr().err == "paradisk profile: interrupted\n"


def test_closed_stdout_exits_quietly(capsys, monkeypatch):
    def broken(args):
        raise BrokenPipeError

    monkeypatch.setattr("paradisk.commands.profile.run", broken)
    assert main(["profile", str(SPEC)]) == 141
    assert capsys.readouterr().err == ""


# --------------------------------------------------------------------------------------------
# mode tables

@pytest.mark.parametrize(("name", "expected"), [
    ("modes_duplicate_Q.csv", ["column 'Q' appears more than once"]),
    ("modes_huge_m.csv", ["m = '99999999999999999999999'", "0 <= m <= 100000"]),
    ("modes_m_5000.csv", ["m = 5000", "circulates at radius", "allowed:"]),
    ("modes_m_1.csv", ["m = 1 ", "disk r00c00 has a top radius of 5 um"]),
    ("modes_no_disk_id.csv", ["no disk_id column", "5 top diameters", "add a disk_id column"]),
    ("modes_extra_field.csv", ["row 1 has 6 fields, more than the header's 5"]),
    ("modes_utf16.csv", ["UTF-16"]),
])
def test_bad_mode_table(name, expected, capsys):
    _fails_with_one_line(capsys, ["predict", str(SPEC), "--modes", str(BAD / name)],
                         "--modes", *expected)


def test_mode_table_with_bom_and_unknown_column(capsys):
    from gain.modetable import ModeTable

    assert ModeTable.from_csv(BAD / "modes_bom.csv").m.tolist() == [72]
    table = ModeTable.from_csv(BAD / "modes_unknown_column.csv")
    assert table.ignored_columns == ("polarisation",)
    assert main(["predict", str(SPEC), "--modes", str(BAD / "modes_unknown_column.csv")]) == 0
    assert "columns not used: polarisation" in capsys.readouterr().err


def test_solver_mode_columns_are_not_reported(tmp_path):
    from gain.modetable import ModeTable

    path = tmp_path / "m.csv"
    path.write_text("m,polarization,radial_order,axial_order,wavelength_nm,Q,Q_radiation,"
                    "Q_absorption,film_fraction,effective_index,mode_volume_um3,Q_total,"
                    "N_threshold,K,fluence_uJ_per_cm2\n"
                    "72,TE,1,0,641.0,inf,inf,,0.1,1.47,50,2e4,1.2,3.4,5.6\n")
    assert ModeTable.from_csv(path).ignored_columns == ()


# --------------------------------------------------------------------------------------------
# calibration: a fit that is not determined or not physical is an error saying why

@pytest.mark.parametrize(("name", "options", "expected"), [
    ("dose_two_energies.csv", [], ["2 distinct exposure energies", "need at least 3"]),
    ("dose_foot_wider.csv", ["--film-thickness-um", "5"],
     ["column foot_diameter_um, row 1", "wider than top_diameter_um"]),
    ("dose_no_trend.csv", [], ["top_diameter_um", "not determined"]),
    ("dose_utf16.csv", [], ["UTF-16"]),
    ("dose_nan.csv", [], ["column top_diameter_um, row 2", "finite"]),
    ("dose_duplicate_column.csv", [], ["top_diameter_um appears more than once"]),
])
def test_bad_dose_series(name, options, expected, capsys):
    line = _fails_with_one_line(capsys, ["calibrate", str(BAD / name), *options], *expected)
    assert str(BAD / name) in line  # the file is named


def test_negative_film_thickness_is_refused(capsys):
    _fails_with_one_line(capsys, ["calibrate", str(DOSES), "--power-uW", "500",
                                  "--film-thickness-um", "-5"], "--film-thickness-um = -5")


def test_undetermined_fit_is_an_error():
    import numpy as np

    from geometry.calibration import DoseSeries, calibrate

    # three energies, diameters that decrease then jump: no w0 > 0 describes them
    series = DoseSeries(energy_uJ=np.array([10.0, 10.0001, 10.0002]),
                        top_diameter_um=np.array([14.0, 30.0, 2.0]))
    with pytest.raises(ValueError, match=r"not determined|misses the data|do not grow"):
        calibrate(series)


def test_good_calibration_still_passes(capsys):
    assert main(["calibrate", str(DOSES), "--power-uW", "500", "--film-thickness-um", "5",
                 "--json"]) == 0


# --------------------------------------------------------------------------------------------
# inverse exposure: huge targets are an error, not an OverflowError

@pytest.mark.parametrize("diameter", [500.0, 1.0e300, math.inf])
def test_inverse_huge_target(diameter):
    from geometry.inverse import ImplausibleDoseError, energy_for_top_diameter

    process = load_spec(SPEC).process
    with pytest.raises(ImplausibleDoseError, match="beyond any float"):
        energy_for_top_diameter(process, diameter)


def test_derived_dwell_bound_names_the_largest_diameter():
    from geometry.inverse import (
        ImplausibleDoseError,
        dwell_for_top_diameter,
        largest_top_diameter_um,
    )

    process = load_spec(SPEC).process
    d_max = largest_top_diameter_um(process, 60_000.0)
    # the largest diameter is exactly the one written with the bound's dwell
    assert dwell_for_top_diameter(process, d_max) == pytest.approx(60_000.0, rel=1e-9)
    assert dwell_for_top_diameter(process, 0.99 * d_max, max_dwell_ms=60_000.0) < 60_000.0
    with pytest.raises(ImplausibleDoseError, match=f"up to {d_max:.4g} um"):
        dwell_for_top_diameter(process, 1.01 * d_max, max_dwell_ms=60_000.0)
    # without a bound the function stays the plain inverse (4.4e8 ms for 60 um)
    assert dwell_for_top_diameter(process, 60.0) == pytest.approx(4.43e8, rel=0.01)


@pytest.mark.parametrize(("scale", "expected"), [(1000.0, "w0 = 1e+04 um is not physical"),
                                                 (1.0e-3, "w0 = 0.01 um is not physical")])
def test_diameters_in_the_wrong_unit_are_refused(scale, expected):
    import numpy as np

    from geometry.calibration import DoseSeries, calibrate

    # exact diameters of w0 = 10 um, E_th = 3.38 uJ, then given in nm (or mm) instead of um
    energy = np.array([6.0, 12.0, 25.0, 50.0, 100.0])
    d_um = 2.0 * 10.0 * np.sqrt(0.5 * np.log(energy / 3.38))
    assert calibrate(DoseSeries(energy, d_um)).waist_um == pytest.approx(10.0, rel=1e-6)
    with pytest.raises(ValueError, match=re.escape(expected)):
        calibrate(DoseSeries(energy, d_um * scale))


def test_modes_refuses_an_m_no_disk_can_hold(capsys, monkeypatch):
    import solvers

    def no_solve(*args, **kwargs):
        raise AssertionError("the solver ran")

    monkeypatch.setattr(solvers, "find_modes", no_solve)
    # the example's largest disk: 15 um top radius, SU8 n = 1.59 at 620 nm -> m <= ~360
    line = _fails_with_one_line(capsys, ["modes", str(SPEC), "--m", "99999999"],
                                "--m 99999999", "allowed: 0 <= m <=")
    m_max = int(line.rsplit("<= ", 1)[1])
    assert 300 < m_max < 400
