"""End-to-end runs on a small spec: physical consistency across stages, cache, resume, Dask,
per-disk errors, the CLI's cache options, the Python API and the report's content."""

from __future__ import annotations

import base64
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from paradisk.cache import Cache
from paradisk.cli import main
from paradisk.pipeline import RESULT_COLUMNS, RunOptions, run_pipeline, run_spec
from paradisk.report import FIGURES, SECTIONS, _sections_of
from paradisk.spec import spec_from_dict

# whole runs with real FEM solves: the slow tier
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
# 615-665 nm: wide enough that the 18 um disk is guaranteed more modes than the 14 um one
# (see test_stages_are_physically_consistent), narrow enough to stay quick
WINDOW_NM = (615.0, 665.0)


def small_spec_data(diameters=(14.0, 18.0)) -> dict:
    """The example spec cut down: a few small disks, a narrow band, coarse elements."""
    data = yaml.safe_load((ROOT / "examples" / "qs3_array.yaml").read_text())
    data["name"] = "small"
    data["array"]["target_top_diameters_um"] = list(diameters)
    data["array"]["repeats"] = 2
    data["array"]["pitch_um"] = 60.0
    data["solver"] = {"method": "fem", "window_nm": list(WINDOW_NM), "polarizations": ["TE"]}
    return data


def write_spec(data: dict, path: Path) -> Path:
    path.write_text(yaml.safe_dump(data))
    return path


@pytest.fixture(scope="module")
def first_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    spec = spec_from_dict(small_spec_data())
    return run_pipeline(spec, RunOptions(out_dir=out, workers=2)), out


@pytest.fixture
def no_solver(monkeypatch):
    """Any solver call in this process fails the test (runs use workers=1: inline)."""
    import solvers

    def boom(*_a, **_k):
        raise AssertionError("a solver ran although everything was cached")

    monkeypatch.setattr(solvers, "find_modes", boom)


def fundamental(modes: list[dict]) -> list[dict]:
    """The TE fundamental family (radial order 1, axial order 0), sorted by m."""
    return sorted((m for m in modes if m["polarization"] == "TE" and m["radial_order"] == 1
                   and m["axial_order"] == 0), key=lambda m: m["m"])


def m_at(modes: list[dict], wavelength_nm: float) -> tuple[float, float]:
    """(m, free spectral range in nm) of a family at ``wavelength_nm``, from a straight-line
    fit of m against 1/wavelength (m = 2 pi R n_eff / lambda)."""
    m = np.array([x["m"] for x in modes], float)
    inv = 1.0 / np.array([x["wavelength_nm"] for x in modes], float)
    slope, icpt = np.polyfit(inv, m, 1)
    m0 = slope / wavelength_nm + icpt
    fsr = wavelength_nm**2 / slope  # d lambda / d m = lambda^2 / slope
    return float(m0), float(fsr)


def test_stages_are_physically_consistent(first_run):
    result, out = first_run
    df = result.table
    assert (df["error"] == "").all(), df["error"].tolist()
    rows = df[df["col"] == 0].sort_values("dwell_ms")
    small, large = rows.iloc[0], rows.iloc[-1]
    # larger dose -> larger disk
    assert rows["top_diameter_um"].is_monotonic_increasing
    assert large["dwell_ms"] > small["dwell_ms"]
    fam_s, fam_l = fundamental(result.modes[small["id"]]), fundamental(result.modes[large["id"]])
    assert len(fam_s) >= 4 and len(fam_l) >= 4
    # consecutive m of one family: wavelength falls as m rises
    for fam in (fam_s, fam_l):
        assert np.all(np.diff([x["m"] for x in fam]) == 1)
        assert np.all(np.diff([x["wavelength_nm"] for x in fam]) < 0)
    # ... longer round trip: at a fixed wavelength the larger disk holds more wavelengths
    # around (larger m) and its free spectral range is smaller, both in the ratio of sizes
    centre = 0.5 * sum(WINDOW_NM)
    m_s, fsr_s = m_at(fam_s, centre)
    m_l, fsr_l = m_at(fam_l, centre)
    ratio = large["top_diameter_um"] / small["top_diameter_um"]
    assert m_l > m_s and fsr_l < fsr_s
    assert m_l / m_s == pytest.approx(ratio, rel=0.05)
    assert fsr_s / fsr_l == pytest.approx(ratio, rel=0.05)
    # ... more modes in the band: a family has one mode per integer m in
    # [m(hi), m(lo)], i.e. floor(span) or floor(span) + 1 of them; when the larger disk's span
    # exceeds the smaller one's by 2 or more, it has strictly more (the window is chosen so)
    lo, hi = WINDOW_NM
    span_s = m_at(fam_s, lo)[0] - m_at(fam_s, hi)[0]
    span_l = m_at(fam_l, lo)[0] - m_at(fam_l, hi)[0]
    assert span_l - span_s >= 2.0, (span_s, span_l)
    assert len(fam_l) > len(fam_s)
    assert large["n_modes"] > small["n_modes"]
    for _, row in rows.iterrows():
        modes = result.modes[row["id"]]
        # the lasing wavelength is one of the disk's modes, the one with the lowest threshold
        lam = [m["wavelength_nm"] for m in modes]
        assert row["lasing_wavelength_nm"] in lam
        lasing = modes[lam.index(row["lasing_wavelength_nm"])]
        assert lasing["m"] == row["lasing_m"]
        assert row["threshold_N"] == pytest.approx(min(m["N_threshold"] for m in modes))
    # repeats of a row share the row's prediction
    for _, g in df.groupby("row"):
        assert g["lasing_wavelength_nm"].nunique() == 1
    for name in ("results.csv", "results.json", "report.html", "layout/layout.gds",
                 "layout/job.csv", "figures/design_map.png", "modes/r00c00.csv"):
        assert (out / name).is_file(), name


def test_threshold_equals_the_gain_module_on_an_independent_mode_table(first_run):
    """Solve the smallest disk's modes directly (solvers.find_modes, no pipeline, no cache) and
    run gain's threshold on that table: the run's lasing mode and threshold are the same."""
    import solvers
    from gain import NanocrystalFilm
    from gain.threshold import lasing_mode_index, mode_thresholds
    from solvers.losses.columns import budget_columns

    result, _ = first_run
    spec = result.spec
    plan = min(spec.unique_disks(), key=lambda p: p.profile.top_diameter_um)
    s = spec.solver
    records = solvers.find_modes(plan.body, m=None, window_nm=s.window_nm, solver="fem",
                                 polarizations=s.polarizations,
                                 max_radial_order=s.max_radial_order, settings=s.fem)
    film = NanocrystalFilm.model_validate(spec.nanocrystals.model_dump())
    # each mode's Q: its loss budget for the spec's losses, from the field in memory
    q_total = [budget_columns(r, plan.body, spec.loss_settings)["Q_total"] for r in records]
    assert all(6.0e3 < q < 1e6 for q in q_total)
    th = mode_thresholds(film.resolved_material, film.concentration_per_cm3,
                         [r.wavelength_nm for r in records], q_total,
                         [r.film_fraction for r in records],
                         loss_index=film.refractive_index)
    idx, best = lasing_mode_index(th.N_threshold)
    row = result.table[result.table["id"] == plan.id].iloc[0]
    assert row["n_modes"] == len(records)
    # the run's budgets come from the interface fields as stored (float32,
    # solvers.losses.store): Q_total agrees to ~1e-7, and so does the threshold
    assert row["lasing_Q_total"] == pytest.approx(q_total[int(idx)], rel=1e-6)
    assert row["threshold_N"] == pytest.approx(float(best), rel=1e-6)
    assert row["lasing_wavelength_nm"] == pytest.approx(records[int(idx)].wavelength_nm,
                                                         rel=1e-12)
    assert row["lasing_m"] == records[int(idx)].m


def test_second_run_and_gain_change_run_no_solver_at_all(first_run, no_solver):
    result, out = first_run
    # 2 mode tables; the report's mode field was stored by the mode solve, not re-solved
    assert result.stats["solver_runs"] == 2
    assert result.stats["field_solved"] == 0 and result.stats["field_cached"] == 1
    again = run_pipeline(result.spec, RunOptions(out_dir=out, workers=1))
    assert again.stats["solver_runs"] == 0
    assert again.stats["modes_cached"] == 2 and again.stats["field_cached"] == 1
    assert again.skipped_figures == {}  # the mode picture came from the cache
    pd.testing.assert_frame_equal(again.table, result.table)
    # a loss-only change (a rougher wall) reruns no solver: the budget comes from the stored
    # fields, and only the roughness channel and the total move
    data = result.spec.model_dump(mode="json")
    data["losses"]["roughness"]["wall"]["rms_nm"] *= 2.0
    rough = run_pipeline(spec_from_dict(data), RunOptions(out_dir=out, workers=1))
    assert rough.stats["solver_runs"] == 0
    for rid, modes in result.modes.items():
        for a, b in zip(modes, rough.modes[rid], strict=True):
            assert b["Q_material"] == a["Q_material"]  # to the last bit, as the cached rerun
            assert b["Q_roughness"] < a["Q_roughness"] and b["Q_total"] < a["Q_total"]

    data = result.spec.model_dump(mode="json")
    # 1.5 times more emitters (the example's film is at volume fraction 0.35; three times would
    # exceed close packing, which the spec refuses)
    data["nanocrystals"].pop("volume_fraction", None)
    data["nanocrystals"]["concentration_per_cm3"] *= 1.5
    changed = run_pipeline(spec_from_dict(data), RunOptions(out_dir=out, workers=1))
    assert changed.stats["solver_runs"] == 0 and changed.skipped_figures == {}
    # more emitters: larger K, lower threshold
    assert (changed.table["K"] > result.table["K"]).all()
    assert (changed.table["threshold_N"] < result.table["threshold_N"]).all()


def test_kill_9_mid_run_resumes_to_the_identical_table(first_run, tmp_path):
    result, _ = first_run
    spec_file = write_spec(result.spec.model_dump(mode="json"), tmp_path / "small.yaml")
    out = tmp_path / "out"
    cache = Cache(out / "cache")
    cmd = [sys.executable, "-m", "paradisk.cli", "run", str(spec_file), "-o", str(out),
           "--workers", "1", "--no-layout", "--no-report", "--quiet"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline and proc.poll() is None:
        if list(cache.keys("modes")):  # a whole entry (temporary files do not count)
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the run finished before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not (out / "results.csv").exists()
    # what a writer killed mid-write would leave: a temporary file, which is no entry
    key = next(iter(cache.keys("modes")))
    (cache.path("modes", key).parent / f".{key}.json.x1y2z3.tmp").write_text('{"resu')
    assert len(list(cache.keys("modes"))) == 1
    resumed = run_pipeline(result.spec, RunOptions(out_dir=out, workers=1, report=False,
                                                   write_layout=False))
    assert resumed.stats["modes_cached"] == 1 and resumed.stats["modes_solved"] == 1
    pd.testing.assert_frame_equal(resumed.table, result.table)


def test_dask_local_cluster_gives_the_same_table(first_run, tmp_path):
    from distributed import LocalCluster

    result, _ = first_run
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster:
        dask_run = run_pipeline(result.spec, RunOptions(
            out_dir=tmp_path, scheduler=cluster.scheduler_address, report=False,
            write_layout=False))
    assert dask_run.stats["modes_solved"] == 2  # a fresh cache: really solved on the cluster
    pd.testing.assert_frame_equal(dask_run.table, result.table)


def test_a_failing_disk_is_an_error_row_and_the_others_complete(first_run, tmp_path,
                                                                monkeypatch):
    """The 16 um row's mode solve raises; the 14 um rows (from the cache) still lase."""
    import solvers

    result, out = first_run

    def broken_solver(*_a, **_k):
        raise RuntimeError("mesh generation failed")

    monkeypatch.setattr(solvers, "find_modes", broken_solver)
    spec = spec_from_dict(small_spec_data(diameters=(14.0, 16.0)))
    run = run_pipeline(spec, RunOptions(out_dir=tmp_path, cache_dir=out / "cache", workers=1,
                                        write_layout=False, report=False))
    df = run.table
    bad, good = df[df["row"] == 1], df[df["row"] == 0]
    assert len(bad) == 2 and len(good) == 2
    assert (bad["error"] == "RuntimeError: mesh generation failed").all()
    assert bad["lasing_m"].isna().all() and (bad["n_modes"] == 0).all()
    assert (good["error"] == "").all()
    ref = result.table[result.table["row"] == 0].reset_index(drop=True)
    # (lasing_m is float in this table: its NaN rows)
    pd.testing.assert_frame_equal(good.reset_index(drop=True), ref, check_dtype=False)
    assert run.stats["errors"] == 1
    csv = pd.read_csv(tmp_path / "results.csv")
    assert csv.loc[csv["row"] == 1, "error"].str.contains("mesh generation failed").all()


def test_cli_cache_dir_reads_that_cache_and_no_cache_reads_and_writes_none(
        first_run, tmp_path, capsys, no_solver, monkeypatch):
    result, out = first_run
    spec_file = write_spec(result.spec.model_dump(mode="json"), tmp_path / "small.yaml")
    # --cache DIR: everything from that cache, nothing under OUT/cache
    code = main(["run", str(spec_file), "-o", str(tmp_path / "a"), "--cache",
                 str(out / "cache"), "--workers", "1", "--no-layout", "--quiet"])
    text = capsys.readouterr().out
    assert code == 0
    assert "0 mode solves, 2 from cache, 0 solver runs in all" in text
    assert not (tmp_path / "a" / "cache").exists()
    assert (tmp_path / "a" / "report.html").is_file()

    # --no-cache: the 14 um disk is in that cache, yet it is solved, and nothing is stored;
    # without a cache the report's mode picture is one more (field-only) solve
    monkeypatch.undo()  # the real solver again
    one = write_spec(small_spec_data(diameters=(14.0,)), tmp_path / "one.yaml")
    before = sorted(p.relative_to(out) for p in (out / "cache").rglob("*"))
    code = main(["run", str(one), "-o", str(tmp_path / "b"), "--cache", str(out / "cache"),
                 "--no-cache", "--workers", "1", "--no-layout", "--quiet"])
    captured = capsys.readouterr()
    text = captured.out
    assert code == 0
    assert "1 mode solves, 0 from cache, 2 solver runs in all" in text
    assert "skipped" not in captured.err
    assert 'alt="lasing_mode_field"' in (tmp_path / "b" / "report.html").read_text()
    assert sorted(p.relative_to(out) for p in (out / "cache").rglob("*")) == before
    assert not (tmp_path / "b" / "cache").exists()
    got = pd.read_csv(tmp_path / "b" / "results.csv")
    ref = result.table[result.table["row"] == 0]
    assert got["threshold_N"].to_numpy() == pytest.approx(ref["threshold_N"].to_numpy(),
                                                          rel=1e-9)


def test_cli_bad_scheduler_is_one_line_not_a_traceback(tmp_path, capsys):
    spec_file = write_spec(small_spec_data(), tmp_path / "small.yaml")
    code = main(["run", str(spec_file), "-o", str(tmp_path / "o"), "--scheduler",
                 "not-an-address", "--no-layout", "--no-report", "--quiet"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("paradisk run: error: --scheduler not-an-address: cannot reach")
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_run_spec_returns_the_results_dataframe(first_run, tmp_path, no_solver):
    result, out = first_run
    spec_file = write_spec(result.spec.model_dump(mode="json"), tmp_path / "small.yaml")
    df = run_spec(spec_file, cache_dir=out / "cache", workers=1)
    assert isinstance(df, pd.DataFrame)
    assert list(df.columns) == list(RESULT_COLUMNS)
    assert len(df) == len(result.spec.disks()) == 4
    pd.testing.assert_frame_equal(df, result.table)


def test_report_embeds_every_figure_of_every_section(first_run):
    result, out = first_run
    assert result.skipped_figures == {}, result.skipped_figures
    text = (out / "report.html").read_text()
    images = {alt: data for data, alt in re.findall(
        r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)" alt="([^"]+)">', text)}
    assert text.count("<img ") == len(images)  # every image is embedded, none linked
    # every figure of every section this run has (the example asks for no scatter: section)
    sections = _sections_of(result)
    assert "scatter" not in sections and "Fabrication scatter" not in text
    named = {n for s, n, _ in FIGURES if s in sections}
    assert named <= set(images), sorted(named - set(images))
    for name, data in images.items():
        png = base64.b64decode(data)
        assert png.startswith(b"\x89PNG") and len(png) > 2000, name
    # each section's figures sit under its heading
    for key in sections:
        title = SECTIONS[key][0]
        start = text.index(f"<h2>{title}</h2>")
        nxt = text.find("<h2>", start + 1)
        section = text[start:nxt]
        for n in (n for s, n, _ in FIGURES if s == key):
            assert f'alt="{n}"' in section, (title, n)
    for _, row in result.table[result.table["col"] == 0].iterrows():
        assert row["id"] in text
