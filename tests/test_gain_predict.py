"""``paradisk predict SPEC --modes FILE.csv``: per-disk thresholds from a mode table."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
import yaml

from gain.modetable import ModeTable
from paradisk.cli import main
from paradisk.spec import DesignSpec, load_spec

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "examples" / "qs3_array.yaml"
MODES = ROOT / "examples" / "qs3_modes.csv"  # one 20 um disk, no disk_id
ARRAY_MODES = ROOT / "examples" / "qs3_array_modes.csv"  # every disk of SPEC, by disk_id


def _one_size_text() -> str:
    """The example spec with its 20 um row only: a table without disk_id fits every disk."""
    text = SPEC.read_text()
    one = text.replace("target_top_diameters_um: [10.0, 15.0, 20.0, 25.0, 30.0]",
                       "target_top_diameters_um: [20.0]")
    assert one != text
    return one


@pytest.fixture(scope="module")
def spec20(tmp_path_factory: pytest.TempPathFactory) -> Path:
    f = tmp_path_factory.mktemp("spec") / "qs3_20um.yaml"
    f.write_text(_one_size_text())
    return f


def _loss_index(spec: DesignSpec, table: ModeTable) -> np.ndarray:
    """The n of the loss 2 pi n/(lambda Q): the film index (gain package docstring)."""
    return np.full(len(table), spec.nanocrystals.refractive_index)


def _json(capsys: pytest.CaptureFixture, *args: str) -> dict:
    assert main(["predict", *args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_shared_table_applies_to_every_disk(spec20: Path,
                                            capsys: pytest.CaptureFixture) -> None:
    out = _json(capsys, str(spec20), "--modes", str(MODES))
    spec = load_spec(spec20)
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
    # the first row's disks have a 5 um top radius: m lambda / (2 pi n_eff) ~ 5 um
    for i, q in ((0, 5e3), (1, 5e4)):
        for m, lam in ((72, 641.0), (73, 636.6), (74, 632.2)):
            lines.append(f"{ids[i]},{m},{lam},{q},0.1,1.47,TE")
    lines.append(f"{ids[2]},72,640.0,2e4,0.0,1.47,TM")  # no film overlap: never lases
    f.write_text("\n".join(lines) + "\n")
    rows = {r["id"]: r for r in _json(capsys, str(SPEC), "--modes", str(f))["disks"]}
    low_q, high_q = rows[ids[0]], rows[ids[1]]
    assert low_q["lases"] and high_q["lases"]
    assert high_q["threshold_N"] < low_q["threshold_N"]
    # higher K: lasing moves red (paper Fig. 4d)
    assert high_q["lasing_wavelength_nm"] >= low_q["lasing_wavelength_nm"]
    assert rows[ids[2]]["n_modes"] == 1 and not rows[ids[2]]["lases"]
    # no modes: evaluated and does not lase, as a run reports such a disk (threshold_N inf)
    assert rows[ids[3]]["n_modes"] == 0 and rows[ids[3]]["threshold_N"] == math.inf
    assert not rows[ids[3]]["lases"] and rows[ids[3]]["reason"] == "no modes in the table"


def test_text_output(capsys: pytest.CaptureFixture) -> None:
    """The README's example: every disk of the example with its own FEM modes."""
    assert main(["predict", str(SPEC), "--modes", str(ARRAY_MODES)]) == 0
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


def _one_line_error(capsys: pytest.CaptureFixture, argv: list[str]) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("paradisk predict: error: "), err
    return err[0]


def test_table_without_disk_id_on_disks_of_several_diameters_is_an_error(
        capsys: pytest.CaptureFixture) -> None:
    """The 20 um table applied to the example's 10-30 um disks would give m = 142 on a 10 um
    disk (where m ~ 72 fits): refused, saying what to add."""
    err = _one_line_error(capsys, ["predict", str(SPEC), "--modes", str(MODES)])
    assert "no disk_id column" in err and "5 top diameters (10-30 um)" in err
    assert "add a disk_id column" in err and "r00c00 .. r04c03" in err


def test_m_must_agree_with_the_disk(tmp_path: Path, spec20: Path,
                                    capsys: pytest.CaptureFixture) -> None:
    """m ~ 2 pi R n_eff / lambda with R the top radius (10 um here): m = 143 at 640 nm with
    n_eff 1.47 circulates at 9.91 um (accepted); m = 72 (a 10 um disk's) at 4.99 um is not."""
    ok = tmp_path / "ok.csv"
    ok.write_text("m,wavelength_nm,Q,film_fraction,effective_index\n143,640.0,2e4,0.2,1.47\n")
    assert main(["predict", str(spec20), "--modes", str(ok), "--json"]) == 0
    capsys.readouterr()
    bad = tmp_path / "bad.csv"
    bad.write_text("m,wavelength_nm,Q,film_fraction,effective_index\n143,640.0,2e4,0.2,1.47\n"
                   "72,640.0,2e4,0.2,1.47\n")
    err = _one_line_error(capsys, ["predict", str(spec20), "--modes", str(bad)])
    assert "row 2: m = 72" in err and "4.99 um" in err and "10 um" in err
    # the allowed range is the 5 % tolerance around 2 pi R n_eff / lambda = 144.3
    assert "138 <= m <= 151" in err
    # per disk: a 20 um disk's modes under a 10 um disk's id
    ids = tmp_path / "ids.csv"
    ids.write_text("disk_id,m,wavelength_nm,Q,film_fraction,effective_index\n"
                   "r00c00,143,640.0,2e4,0.2,1.47\n")
    err = _one_line_error(capsys, ["predict", str(SPEC), "--modes", str(ids)])
    assert "disk r00c00 has a top radius of 5 um" in err and "69 <= m <= 75" in err


def test_solver_tables_agree_with_their_disks() -> None:
    """The FEM modes of the example's disks put m lambda / (2 pi n_eff) at the top radius to
    their rounding (the tolerance of 5 % is not what lets them pass)."""
    import math

    spec = load_spec(SPEC)
    table = ModeTable.from_csv(ARRAY_MODES)
    radius = {d.id: 0.5 * d.profile.top_diameter_um for d in spec.disks()}
    dev = max(abs(int(table.m[i]) * table.wavelength_nm[i] * 1e-3 / (
        2 * math.pi * table.effective_index[i]) / radius[table.disk_id[i]] - 1)
        for i in range(len(table)))
    assert dev < 1e-4
    assert set(table.disk_ids()) == set(radius)


@pytest.mark.slow
def test_plot_directory(tmp_path: Path, spec20: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "figs"
    assert main(["predict", str(spec20), "--modes", str(MODES), "--plot", str(out)]) == 0
    names = sorted(p.name for p in out.glob("*.png"))
    assert "fig6d_spectra_vs_pump.png" in names and "fig4cd_threshold_vs_K.png" in names
    assert len(names) == 7
    assert all((out / n).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for n in names)
    assert not list(out.glob(".*"))  # atomic writes leave no temporary files


def _write_table(path: Path, q: str, n: int = 3) -> Path:
    lines = ["m,wavelength_nm,Q,film_fraction,effective_index,polarization"]
    for k, (m, lam) in enumerate(((143, 641.0), (144, 636.6), (145, 632.2))):
        if k < n:
            lines.append(f"{m},{lam},{q},0.1,1.47,TE")
    path.write_text("\n".join(lines) + "\n")
    return path


def _spec_file(tmp_path: Path, intrinsic_Q: str) -> Path:
    """The example with the deprecated intrinsic_Q (losses.Q_other) set to ``intrinsic_Q``."""
    data = yaml.safe_load(_one_size_text())
    data["intrinsic_Q"] = yaml.safe_load(intrinsic_Q)
    f = tmp_path / "spec.yaml"
    f.write_text(yaml.safe_dump(data))
    return f


@pytest.fixture(scope="module")
def spec_q2e4(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example with losses.Q_other = 2e4: the losses of the modes of a table without loss
    budgets (Q only) beyond their Q."""
    data = yaml.safe_load(_one_size_text())
    data["losses"]["Q_other"] = 2.0e4
    f = tmp_path_factory.mktemp("spec") / "spec.yaml"
    f.write_text(yaml.safe_dump(data))
    return f


def test_unresolved_Q_uses_intrinsic_Q(spec_q2e4: Path, tmp_path: Path,
                                       capsys: pytest.CaptureFixture) -> None:
    """Q = inf rows (solver saw no loss): predict, like the pipeline, lases on intrinsic_Q."""
    spec = load_spec(spec_q2e4)
    assert spec.intrinsic_Q == 2.0e4
    none_spec = _spec_file(tmp_path, "null")  # intrinsic_Q: null, solver Q only
    inf_rows = _json(capsys, str(spec_q2e4), "--modes",
                     str(_write_table(tmp_path / "a.csv", "inf")))
    explicit = _json(capsys, str(none_spec), "--modes",
                     str(_write_table(tmp_path / "b.csv", "2e4")))
    for r_inf in inf_rows["disks"]:
        assert r_inf["lases"]
        # the table's Q stays "no loss resolved" (inf), as in run's results
        assert r_inf["lasing_Q"] == math.inf and r_inf["lasing_Q_total"] == 2.0e4
    # the same threshold as a table that states the intrinsic Q as its (only) loss
    r_inf, r_q = inf_rows["disks"][0], explicit["disks"][0]
    assert r_inf["threshold_N"] == pytest.approx(r_q["threshold_N"], rel=1e-12)
    assert r_inf["lasing_m"] == r_q["lasing_m"]
    # without intrinsic_Q an unresolved Q means no known loss: no prediction, no lasing
    rows = _json(capsys, str(none_spec), "--modes", str(tmp_path / "a.csv"))["disks"]
    assert not any(r["lases"] for r in rows)


def test_finite_Q_combines_with_intrinsic_Q(spec_q2e4: Path, tmp_path: Path,
                                            capsys: pytest.CaptureFixture) -> None:
    """1/Q = 1/Q_table + 1/intrinsic_Q: Q_table 5e4 with 2e4 gives 1e5/7, as a table of 1e5/7."""
    combined = 1.0 / (1.0 / 5.0e4 + 1.0 / 2.0e4)
    a = _json(capsys, str(spec_q2e4), "--modes", str(_write_table(tmp_path / "a.csv", "5e4")))
    b = _json(capsys, str(_spec_file(tmp_path, "1.0e12")), "--modes",
              str(_write_table(tmp_path / "b.csv", repr(combined))))
    ra, rb = a["disks"][0], b["disks"][0]
    assert ra["lasing_Q"] == 5.0e4
    assert ra["lasing_Q_total"] == pytest.approx(combined, rel=1e-12)
    # intrinsic_Q = 1e12 changes the combined Q by 1.4e-8 relative: thresholds agree to ~1e-7
    assert ra["threshold_N"] == pytest.approx(rb["threshold_N"], rel=1e-6)


def _brute_thresholds(mat, conc: float, lam, q, gam, n_loss, N_grid) -> np.ndarray:
    """First N of ``N_grid`` where Gamma g(lambda, N) >= 2 pi n/(lambda Q), per mode (scan)."""
    from gain.spectra import lineic_gain_per_cm

    g = lineic_gain_per_cm(mat, conc, np.asarray(lam)[None, :], N_grid[:, None])
    loss = 2.0 * np.pi * np.asarray(n_loss) / (np.asarray(lam) * 1e-7 * np.asarray(q))
    ok = np.asarray(gam)[None, :] * g >= loss[None, :]
    return np.where(ok.any(axis=0), N_grid[np.argmax(ok, axis=0)], np.inf)


def test_lasing_mode_is_argmin_of_independent_thresholds(spec_q2e4: Path,
                                                         capsys: pytest.CaptureFixture) -> None:
    spec = load_spec(spec_q2e4)
    mat = spec.nanocrystals.resolved_material
    table = ModeTable.from_csv(MODES)
    q_total = 1.0 / (1.0 / table.Q + 1.0 / spec.intrinsic_Q)  # all Q of the example resolved
    N_grid = np.geomspace(1e-3, 100.0, 40001)  # relative step 2.9e-4
    brute = _brute_thresholds(mat, spec.nanocrystals.concentration_per_cm3, table.wavelength_nm,
                              q_total, table.film_fraction, _loss_index(spec, table), N_grid)
    k = int(np.argmin(brute))
    assert np.isfinite(brute[k])
    second = np.partition(brute, 1)[1]
    assert second > brute[k] * 1.002  # the minimum is unambiguous at the scan's resolution
    r = _json(capsys, str(spec_q2e4), "--modes", str(MODES))["disks"][0]
    assert (r["lasing_m"], r["lasing_wavelength_nm"]) == (int(table.m[k]),
                                                          float(table.wavelength_nm[k]))
    assert brute[k] / (1 + 2.9e-4) <= r["threshold_N"] <= brute[k]  # within one scan step
    assert r["lasing_Q_total"] == pytest.approx(q_total[k], rel=1e-12)
    # K = lambda Q C sigma_0 / (2 pi n_film)
    assert r["K"] == pytest.approx(
        table.wavelength_nm[k] * 1e-7 * q_total[k] * spec.nanocrystals.concentration_per_cm3
        * mat.sigma0_reference_cm2 / (2 * np.pi * spec.nanocrystals.refractive_index),
        rel=1e-12)
    # competing modes: exactly those within 2 % by the scan (none closer than 3.9 % here)
    near = np.flatnonzero((brute <= brute[k] * 1.02) & (np.arange(brute.size) != k))
    assert r["n_competing"] == near.size == len(r["competing_modes"])


def test_competing_modes_are_reported(spec_q2e4: Path, tmp_path: Path,
                                      capsys: pytest.CaptureFixture) -> None:
    """Modes with thresholds < 1 % apart: the lowest is the lasing mode, the next competes."""
    f = tmp_path / "modes.csv"
    f.write_text("m,wavelength_nm,Q,film_fraction,effective_index,polarization\n"
                 "142,644.0,3e4,0.100,1.47,TE\n"
                 "141,645.0,3e4,0.100,1.47,TE\n"
                 "140,646.0,3e4,0.100,1.47,TM\n"
                 "143,640.0,3e4,0.010,1.47,TE\n")
    spec = load_spec(spec_q2e4)
    mat = spec.nanocrystals.resolved_material
    table = ModeTable.from_csv(f)
    q_total = 1.0 / (1.0 / table.Q + 1.0 / spec.intrinsic_Q)
    brute = _brute_thresholds(mat, spec.nanocrystals.concentration_per_cm3, table.wavelength_nm,
                              q_total, table.film_fraction, _loss_index(spec, table),
                              np.geomspace(1e-3, 100.0, 40001))
    order = np.argsort(brute)
    ratio = brute[order[1]] / brute[order[0]]
    assert 1.001 < ratio < 1.01  # a close race, resolved by the scan (step 2.9e-4)
    r = _json(capsys, str(spec_q2e4), "--modes", str(f))["disks"][0]  # default: within 2 %
    assert r["lasing_wavelength_nm"] == table.wavelength_nm[order[0]]
    comp = r["competing_modes"]
    assert comp and comp[0]["wavelength_nm"] == table.wavelength_nm[order[1]]
    assert comp[0]["threshold_ratio"] == pytest.approx(ratio, abs=6e-4)
    assert all(1.0 <= c["threshold_ratio"] <= 1.02 for c in comp)
    assert r["n_competing"] == len(comp)
    wide = _json(capsys, str(spec_q2e4), "--modes", str(f), "--competing-within",
                 "0.3")["disks"][0]
    assert [c["m"] for c in wide["competing_modes"]][: len(comp)] == [c["m"] for c in comp]
    assert 143 not in [c["m"] for c in wide["competing_modes"]]  # Gamma 0.01: 3x threshold
    assert main(["predict", str(spec_q2e4), "--modes", str(f)]) == 0
    assert "compete" in capsys.readouterr().out


def test_run_and_predict_evaluate_a_disk_identically() -> None:
    """The pipeline's lasing stage (run, design) and predict give the same record for the same
    modes: both are gain.lasing.predict_lasing. FEM modes of the example's 20 um disk with
    their loss budgets (Q_total)."""
    import dataclasses

    from paradisk.commands.predict import predict_rows
    from paradisk.stages import lasing_stage

    spec = load_spec(SPEC)
    fem = ModeTable.from_csv(ROOT / "tests" / "data" / "qs3_example_fem_modes.csv")
    table = fem.for_disk("r02c00")
    records = [{"m": int(table.m[i]), "wavelength_nm": float(table.wavelength_nm[i]),
                "Q": None, "film_fraction": float(table.film_fraction[i]),
                "effective_index": float(table.effective_index[i]),
                "polarization": table.polarization[i], "Q_total": float(table.Q_total[i])}
               for i in range(len(table))]
    staged = lasing_stage(records, spec.nanocrystals.model_dump(mode="json"),
                          spec.pump.model_dump(mode="json"), None, spec.intrinsic_Q)
    ids = [d.id for d in spec.disks()]
    shared = dataclasses.replace(table, disk_id=tuple("r02c00" for _ in range(len(table))))
    rows = predict_rows(spec, shared)
    row = next(r for r in rows if r["id"] == "r02c00")
    assert all(r["n_modes"] == 0 and not r["lases"] for r in rows if r["id"] != "r02c00")
    las = staged["lasing"]
    assert las is not None and row["lases"] and "r02c00" in ids
    assert (las["m"], las["polarization"], las["wavelength_nm"]) == (
        row["lasing_m"], row["lasing_polarization"], row["lasing_wavelength_nm"])
    for a, b in (("threshold_N", "threshold_N"), ("Q_total", "lasing_Q_total"), ("K", "K"),
                 ("threshold_fluence_uJ_per_cm2", "threshold_fluence_uJ_per_cm2")):
        assert las[a] == pytest.approx(row[b], rel=1e-12), a
    assert staged["reason"] == row["reason"]


def test_a_lasing_mode_at_the_window_edge_is_flagged(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture) -> None:
    """The same warning as `run`'s: a lasing mode within one free spectral range of the spec's
    solver window may have a better neighbour beyond the edge that was never solved."""
    rows = _json(capsys, str(SPEC), "--modes", str(ARRAY_MODES))["disks"]
    assert all(r["lases"] and r["window_edge_warning"] == "" for r in rows)
    data = yaml.safe_load(SPEC.read_text())
    edge = max(r["lasing_wavelength_nm"] for r in rows) + 0.5  # inside one FSR of the mode
    data["solver"]["window_nm"] = [620.0, round(edge, 2)]
    narrow = tmp_path / "narrow.yaml"
    narrow.write_text(yaml.safe_dump(data))
    flagged = _json(capsys, str(narrow), "--modes", str(ARRAY_MODES))["disks"]
    worst = max(flagged, key=lambda r: r["lasing_wavelength_nm"])
    assert "red edge" in worst["window_edge_warning"]
    assert main(["predict", str(narrow), "--modes", str(ARRAY_MODES)]) == 0
    assert f"warning: {worst['id']}: lasing mode at" in capsys.readouterr().out


def test_the_competing_margin_has_one_source(capsys: pytest.CaptureFixture) -> None:
    """predict's default and its help use gain.lasing.COMPETING_WITHIN (the parser is built
    without importing gain, so the help states the value: it must be that one)."""
    import argparse

    from gain.lasing import COMPETING_WITHIN
    from paradisk.commands import predict

    sub = argparse.ArgumentParser().add_subparsers()
    parser = predict.add_parser(sub)
    (action,) = [a for a in parser._actions if a.dest == "competing_within"]
    assert action.default is None and f"default {COMPETING_WITHIN:g}," in action.help
    out = _json(capsys, str(SPEC), "--modes", str(ARRAY_MODES))
    assert out["competing_within"] == COMPETING_WITHIN


def test_the_lasing_record_carries_the_budget_of_the_lasing_mode() -> None:
    """gain.lasing.lasing_record: the table's channels of the lasing mode (inf: no loss),
    the table's Q inf when unresolved, Q_total the threshold's; None when it does not lase."""
    import csv
    import dataclasses

    from gain.lasing import lasing_record, predict_lasing

    spec = load_spec(SPEC)
    table = ModeTable.from_csv(ARRAY_MODES).for_disk("r02c00")
    pred = predict_lasing(table, spec.nanocrystals, spec.pump, intrinsic_Q=spec.intrinsic_Q)
    rec = lasing_record(pred, table)
    assert pred.lases and rec is not None
    i = rec["index"]
    lines = [ln for ln in ARRAY_MODES.read_text().splitlines() if not ln.startswith("#")]
    row = [r for r in csv.DictReader(lines) if r["disk_id"] == "r02c00"][i]
    for c in ("Q_radiation", "Q_metal", "Q_material", "Q_roughness", "Q_film_scattering",
              "Q_other", "Q_total"):
        assert rec[c] == float(row[c]), c
    assert rec["Q"] == math.inf and rec["Q_radiation"] == math.inf
    assert (rec["m"], rec["polarization"], rec["wavelength_nm"]) == (
        int(row["m"]), row["polarization"], float(row["wavelength_nm"]))
    assert rec["shift_from_emission_peak_nm"] == pytest.approx(
        rec["wavelength_nm"] - spec.nanocrystals.resolved_material.emission_peak_nm, abs=1e-12)
    dark = dataclasses.replace(table, film_fraction=np.zeros(len(table)))
    none = predict_lasing(dark, spec.nanocrystals, spec.pump, intrinsic_Q=spec.intrinsic_Q)
    assert not none.lases and lasing_record(none, dark) is None
