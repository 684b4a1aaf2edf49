"""``paradisk predict SPEC --modes FILE.csv``: per-disk thresholds from a mode table."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gain.modetable import ModeTable
from paradisk.cli import main
from paradisk.spec import load_spec

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "examples" / "qs3_array.yaml"
MODES = ROOT / "examples" / "qs3_modes.csv"


def _json(capsys: pytest.CaptureFixture, *args: str) -> dict:
    assert main(["predict", *args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_shared_table_applies_to_every_disk(capsys: pytest.CaptureFixture) -> None:
    out = _json(capsys, str(SPEC), "--modes", str(MODES))
    spec = load_spec(SPEC)
    rows = out["disks"]
    assert [r["id"] for r in rows] == [d.id for d in spec.disks()]
    table = ModeTable.from_csv(MODES)
    assert all(r["lases"] and r["n_modes"] == len(table) for r in rows)
    r = rows[0]
    assert r["lasing_wavelength_nm"] in table.wavelength_nm.tolist()
    # the lasing mode is the minimum-threshold mode of the table, and conversions agree
    mat = spec.nanocrystals.resolved_material
    assert r["shift_from_emission_peak_nm"] == pytest.approx(
        r["lasing_wavelength_nm"] - mat.emission_peak_nm)
    assert r["threshold_fluence_uJ_per_cm2"] == pytest.approx(
        float(spec.pump.fluence_uJ_per_cm2_from_N(r["threshold_N"], mat)))
    assert r["threshold_power_uW"] == pytest.approx(
        float(spec.pump.average_power_uW_from_fluence(r["threshold_fluence_uJ_per_cm2"])))
    assert out["spec_hash"] == spec.spec_hash()


def test_per_disk_rows(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    ids = [d.id for d in load_spec(SPEC).disks()]
    f = tmp_path / "modes.csv"
    lines = ["disk_id,m,wavelength_nm,Q,film_fraction,effective_index,polarization"]
    for i, q in ((0, 5e3), (1, 5e4)):
        for m, lam in ((143, 641.0), (144, 636.6), (145, 632.2)):
            lines.append(f"{ids[i]},{m},{lam},{q},0.1,1.47,TE")
    lines.append(f"{ids[2]},100,640.0,2e4,0.0,1.47,TM")  # no film overlap: never lases
    f.write_text("\n".join(lines) + "\n")
    rows = {r["id"]: r for r in _json(capsys, str(SPEC), "--modes", str(f))["disks"]}
    low_q, high_q = rows[ids[0]], rows[ids[1]]
    assert low_q["lases"] and high_q["lases"]
    assert high_q["threshold_N"] < low_q["threshold_N"]
    # higher K: lasing moves red (paper Fig. 4d)
    assert high_q["lasing_wavelength_nm"] >= low_q["lasing_wavelength_nm"]
    assert rows[ids[2]]["n_modes"] == 1 and not rows[ids[2]]["lases"]
    assert rows[ids[3]]["n_modes"] == 0 and rows[ids[3]]["threshold_N"] is None


def test_text_output(capsys: pytest.CaptureFixture) -> None:
    assert main(["predict", str(SPEC), "--modes", str(MODES)]) == 0
    out = capsys.readouterr().out
    assert "disks lase" in out and "threshold_N" in out


def test_bad_inputs_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    f = tmp_path / "bad.csv"
    f.write_text("m,wavelength_nm,Q,film_fraction,effective_index\n140,640,2e4,1.5,1.47\n")
    assert main(["predict", str(SPEC), "--modes", str(f)]) == 2
    assert "film_fraction = 1.5" in capsys.readouterr().err
    g = tmp_path / "ids.csv"
    g.write_text("disk_id,m,wavelength_nm,Q,film_fraction,effective_index\n"
                 "r99c99,140,640,2e4,0.1,1.47\n")
    assert main(["predict", str(SPEC), "--modes", str(g)]) == 2
    assert "r99c99" in capsys.readouterr().err
    assert main(["predict", str(SPEC), "--modes", str(tmp_path / "none.csv")]) == 2


@pytest.mark.slow
def test_plot_directory(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "figs"
    assert main(["predict", str(SPEC), "--modes", str(MODES), "--plot", str(out)]) == 0
    names = sorted(p.name for p in out.glob("*.png"))
    assert "fig6d_spectra_vs_pump.png" in names and "fig4cd_threshold_vs_K.png" in names
    assert len(names) == 7
    assert all((out / n).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for n in names)
    assert not list(out.glob(".*"))  # atomic writes leave no temporary files
