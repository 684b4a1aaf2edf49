"""gain.fit and `paradisk fit-gain`: the gain model fitted to measured cavities.

The fit must give back known parameters: from synthetic cavities (known Stokes shift,
linewidth and C sigma_0, plus noise) within two of its own sigmas; from a run's own predictions
(gain.lasing.predict_lasing on the FEM modes of the example's disks) exactly. No solver runs.
"""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

import numpy as np
import pytest
import yaml

from gain import fit as gfit
from gain.film import NanocrystalFilm, PumpSettings
from gain.lasing import predict_lasing
from gain.materials import HC_EV_NM, get_preset
from gain.modetable import ModeTable
from paradisk.cli import main
from paradisk.spec import load_spec, read_spec_data, spec_from_dict

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "examples" / "qs3_array.yaml"
LASING = ROOT / "examples" / "qs3_lasing.csv"
EMISSION = ROOT / "examples" / "qs3_emission.csv"
FEM_MODES = ROOT / "tests" / "data" / "qs3_example_fem_modes.csv"
FILM_INDEX = 1.8


def _true_material():
    return get_preset("QS3").model_copy(update={"stokes_shift_meV": 75.0,
                                                "linewidth_fwhm_meV": 100.0})


def _synthetic(n: int, seed: int, c_sigma0: float, sigma_n: float = 0.1,
               sigma_lam: float = 1.5) -> gfit.MeasuredCavities:
    """Cavities of random Q and Gamma, lasing near their continuum optimum (+- sigma_lam) at
    the model's threshold there (x lognormal noise of sigma_n)."""
    rng = np.random.default_rng(seed)
    mat = _true_material()
    q = np.exp(rng.uniform(math.log(4e3), math.log(1e5), n))
    g = rng.uniform(0.12, 0.3, n)
    lam_opt, _ = gfit.optimal_wavelength(mat, c_sigma0, q, g, FILM_INDEX, gfit.band_grid_nm(mat))
    lam = lam_opt + rng.normal(0.0, sigma_lam, n)
    nth = gfit.threshold_at(mat, c_sigma0, lam, q, g, FILM_INDEX) * np.exp(
        rng.normal(0.0, math.log1p(sigma_n), n))
    return gfit.MeasuredCavities(
        threshold_N=nth, lasing_wavelength_nm=lam, Q_total=q, film_fraction=g,
        threshold_sigma_fraction=np.full(n, sigma_n), wavelength_sigma_nm=np.full(n, sigma_lam),
        labels=tuple(f"c{i}" for i in range(n)))


@pytest.mark.parametrize("seed", [1, 7])
def test_synthetic_cavities_come_back_within_two_sigma(seed: int) -> None:
    c_sigma0 = 2500.0
    cav = _synthetic(24, seed, c_sigma0)
    start = get_preset("QS3")  # Stokes 69.8, FWHM 108.15: off by 5 and 8 meV
    fit = gfit.fit_gain(cav, start, 2.0 * c_sigma0, FILM_INDEX)
    truth = {"stokes_shift_meV": 75.0, "linewidth_fwhm_meV": 100.0, "C_sigma0_per_cm": c_sigma0}
    for name, value in truth.items():
        p = fit.parameters[name]
        assert abs(p.value - value) <= 2.0 * p.sigma, (name, p)
        assert 0.0 < p.sigma < 0.2 * abs(value), (name, p)  # determined, not everything fits
    assert fit.parameters["C_sigma0_per_cm"].start == 2.0 * c_sigma0
    assert 0.3 < fit.reduced_chi2 < 2.5  # the residuals are the noise put in


def test_run_predictions_give_back_the_spec_parameters() -> None:
    """Cavities made by predict_lasing on the example's FEM disks (Q 3e3-1e5), matched to their
    disks' modes by disk_id: the spec's line shape and C sigma_0 come back exactly."""
    # the solver's Q with an intrinsic one (no loss budget), so the cavities span Q 3e3-1e5
    table = dataclasses.replace(ModeTable.from_csv(FEM_MODES), Q_total=None)
    film = NanocrystalFilm(preset="QS3", volume_fraction=0.35, thickness_nm=80.0,
                           refractive_index=FILM_INDEX)
    ids, nth, lam, q = [], [], [], []
    for disk in table.disk_ids():
        for q_int in (3e3, 6e3, 2e4, 1e5):
            p = predict_lasing(table.for_disk(disk), film, PumpSettings(), intrinsic_Q=q_int)
            assert p.lases
            ids.append(disk)
            nth.append(p.threshold_N)
            lam.append(p.wavelength_nm)
            q.append(p.Q_total)
    rows = gfit.MeasuredRows(path="run", n=len(ids), text={"disk_id": tuple(ids)},
                          columns={"threshold_N": np.array(nth), "Q": np.array(q),
                                   "lasing_wavelength_nm": np.array(lam)})
    cav, _ = gfit.resolve_cavities(rows, modes={d: table.for_disk(d) for d in table.disk_ids()},
                                intrinsic_Q=2e4, N_per_fluence=None)
    assert cav.has_comb.all()
    mat = film.resolved_material
    start = mat.model_copy(update={"stokes_shift_meV": 55.0, "linewidth_fwhm_meV": 95.0})
    fit = gfit.fit_gain(cav, start, 2.0 * film.sigma0_C_per_cm, FILM_INDEX)
    p = fit.parameters
    assert p["stokes_shift_meV"].value == pytest.approx(mat.stokes_shift_meV, rel=1e-6)
    assert p["linewidth_fwhm_meV"].value == pytest.approx(mat.linewidth_fwhm_meV, rel=1e-6)
    assert p["C_sigma0_per_cm"].value == pytest.approx(film.sigma0_C_per_cm, rel=1e-6)
    # the model's lasing mode is the measured one for every cavity
    np.testing.assert_allclose(fit.model_wavelength_nm, lam, atol=1e-9)
    np.testing.assert_allclose(fit.model_threshold_N, nth, rtol=1e-6)


def test_xx_splitting_fit_is_reported_with_its_sigma() -> None:
    cav = _synthetic(30, 3, 2500.0)
    fit = gfit.fit_gain(cav, _true_material(), 2500.0, FILM_INDEX, fit_xx_splitting=True)
    p = fit.parameters["xx_splitting_meV"]
    assert p.start == 30.0 and math.isfinite(p.sigma) and p.sigma > 0
    assert p.spec_field == "nanocrystals.material.xx_splitting_meV"


def test_emission_line_fit_gives_centre_and_width() -> None:
    rng = np.random.default_rng(0)
    lam = np.arange(580.0, 700.0, 0.5)
    e = HC_EV_NM / lam
    s = 0.100 / (2.0 * math.sqrt(2.0 * math.log(2.0)))  # 100 meV FWHM
    y = 3.0 * np.exp(-0.5 * ((e - HC_EV_NM / 632.0) / s) ** 2) + 0.1 + rng.normal(0, 0.02,
                                                                                   lam.size)
    line = gfit.fit_emission_line(lam, y)
    assert abs(line.peak_nm - 632.0) < 3 * line.peak_sigma_nm + 1e-3
    assert abs(line.fwhm_meV - 100.0) < 3 * line.fwhm_sigma_meV
    assert line.fwhm_sigma_meV < 2.0


def test_too_few_cavities_is_an_error() -> None:
    cav = _synthetic(1, 0, 2500.0)
    with pytest.raises(gfit.GainDataError, match="need at least 2 cavities"):
        gfit.fit_gain(cav, get_preset("QS3"), 2500.0, FILM_INDEX)


# ------------------------------------------------------------------------------------------------
# command line
# ------------------------------------------------------------------------------------------------
def test_cli_json_on_the_example(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """The example (made from Stokes 75 meV, FWHM 100 meV, peak 632 nm, C sigma_0 2,400 /cm:
    examples/make_qs3_lasing.py) with its emission spectrum comes back within 2 sigma."""
    plot, snippet = tmp_path / "fit.png", tmp_path / "snippet.yaml"
    assert main(["fit-gain", str(SPEC), str(LASING), "--emission", str(EMISSION), "--json",
                 "--plot", str(plot), "--snippet", str(snippet)]) == 0
    out = json.loads(capsys.readouterr().out)
    p = out["parameters"]
    assert set(p) == {"stokes_shift_meV", "linewidth_fwhm_meV", "C_sigma0_per_cm"}
    for name, truth in (("stokes_shift_meV", 75.0), ("linewidth_fwhm_meV", 100.0),
                        ("C_sigma0_per_cm", 2400.0)):
        assert set(p[name]) >= {"value", "sigma", "start"}
        assert abs(p[name]["value"] - truth) <= 2.0 * p[name]["sigma"], (name, p[name])
    assert p["stokes_shift_meV"]["start"] == 69.8  # the spec's preset
    assert abs(out["emission_peak_nm"] - 632.0) < 0.2
    assert len(out["residuals"]) == out["n_cavities"] == 25
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # the snippet replaces the spec's nanocrystals section and loads
    data = read_spec_data(SPEC)
    data["nanocrystals"] = yaml.safe_load(snippet.read_text())["nanocrystals"]
    spec = spec_from_dict(data)
    assert spec.nanocrystals.sigma0_C_per_cm == pytest.approx(
        p["C_sigma0_per_cm"]["value"], rel=1e-5)
    mat = spec.nanocrystals.resolved_material
    assert mat.stokes_shift_meV == pytest.approx(p["stokes_shift_meV"]["value"], abs=0.006)
    assert snippet.read_text() == out["snippet"]


def test_cli_modes_folder_of_a_run(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """disk_id rows take Gamma and Q from a run's modes/<row id>.csv files, the repeats of a
    row (r02c03) from their row's file, as run and predict evaluate them."""
    table = ModeTable.from_csv(FEM_MODES)
    modes = tmp_path / "modes"
    modes.mkdir()
    lines = FEM_MODES.read_text().splitlines()
    header = next(ln for ln in lines if ln.startswith("disk_id"))
    for disk in table.disk_ids():
        rows = [ln.split(",", 1)[1] for ln in lines if ln.startswith(disk + ",")]
        (modes / f"{disk}.csv").write_text(header.split(",", 1)[1] + "\n" + "\n".join(rows))
    spec = load_spec(SPEC)
    meas = tmp_path / "m.csv"
    text = ["disk_id,threshold_N,lasing_wavelength_nm"]
    for disk in table.disk_ids():
        p = predict_lasing(table.for_disk(disk), spec.nanocrystals, spec.pump,
                           intrinsic_Q=spec.intrinsic_Q)
        text.append(f"{disk},{p.threshold_N:.8g},{p.wavelength_nm}")
        text.append(f"{disk[:3]}c03,{p.threshold_N:.8g},{p.wavelength_nm}")
    meas.write_text("\n".join(text) + "\n")
    assert main(["fit-gain", str(SPEC), str(meas), "--modes", str(modes), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    p = out["parameters"]
    assert p["stokes_shift_meV"]["value"] == pytest.approx(69.8, rel=1e-5)
    assert p["C_sigma0_per_cm"]["value"] == pytest.approx(spec.nanocrystals.sigma0_C_per_cm,
                                                          rel=1e-5)
    assert all(r["wavelength_residual_nm"] == pytest.approx(0.0, abs=1e-9)
               for r in out["residuals"])


def test_cli_text_output(capsys: pytest.CaptureFixture) -> None:
    assert main(["fit-gain", str(SPEC), str(LASING)]) == 0
    out = capsys.readouterr().out
    assert "nanocrystals.material.stokes_shift_meV" in out
    assert "residuals per cavity" in out and "r04c00" in out
    assert "nanocrystals:\n  concentration_per_cm3:" in out


@pytest.mark.parametrize(("content", "expected"), [
    ("lasing_wavelength_nm,film_fraction,Q\n640,0.2,1e4\n",
     "needs a threshold_N or a threshold_fluence_uJ_per_cm2 column"),
    ("threshold_N,film_fraction\n0.2,0.2\n", "needs a lasing_wavelength_nm column"),
    ("threshold_N,lasing_wavelength_nm\n0.2,640\n0.3,645\n", "needs a film_fraction column"),
    ("threshold_N,lasing_wavelength_nm,film_fraction,Qtotal\n0.2,640,0.2,1e4\n",
     "unknown column 'Qtotal'"),
    ("threshold_N,lasing_wavelength_nm,film_fraction,Q\n0.2,640,1.5,1e4\n0.3,645,0.2,1e4\n",
     "column film_fraction, cavity row 1: 1.5"),
    ("threshold_N,lasing_wavelength_nm,film_fraction\n0.2,640,0.2\n",
     "no column Q, and the spec has no losses.Q_other"),
    ("threshold_N,lasing_wavelength_nm,film_fraction,Q\n0.2,640,0.2,\n",
     "column Q, row 1: empty, and the spec has no losses.Q_other"),
    ("threshold_N,lasing_wavelength_nm,film_fraction\nx,640,0.2\n",
     "column threshold_N, row 1: 'x' is not a number"),
    ("threshold_N,lasing_wavelength_nm,film_fraction\n-1,640,0.2\n0.3,645,0.2\n",
     "column threshold_N, row 1"),
    ("threshold_N,lasing_wavelength_nm,disk_id\n0.2,640,r00c00\n",
     "column film_fraction, row 1: empty and no --modes given"),
])
def test_cli_bad_input_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture,
                                   content: str, expected: str) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(content)
    assert main(["fit-gain", str(SPEC), str(bad)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("paradisk fit-gain: error: "), err
    assert expected in err[0], err[0]


def test_cli_bad_modes_and_emission(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    no_ids = tmp_path / "t.csv"
    no_ids.write_text("m,wavelength_nm,Q,film_fraction,effective_index\n70,640,inf,0.2,1.45\n")
    assert main(["fit-gain", str(SPEC), str(LASING), "--modes", str(no_ids)]) == 2
    assert "no disk_id column" in capsys.readouterr().err
    emis = tmp_path / "e.csv"
    emis.write_text("lambda,counts\n600,1\n")
    assert main(["fit-gain", str(SPEC), str(LASING), "--emission", str(emis)]) == 2
    err = capsys.readouterr().err
    assert "needs columns wavelength_nm and intensity" in err and len(err.splitlines()) == 1
