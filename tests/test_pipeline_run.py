"""End-to-end runs on a small spec: physical consistency across stages, cache, resume, Dask."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from paradisk.pipeline import RunOptions, run_pipeline
from paradisk.spec import spec_from_dict
from paradisk.stages import total_Q

ROOT = Path(__file__).resolve().parents[1]


def small_spec_data(diameters=(14.0, 18.0)) -> dict:
    """The example spec cut down: a few small disks, a narrow band, coarse elements."""
    data = yaml.safe_load((ROOT / "examples" / "qs3_array.yaml").read_text())
    data["name"] = "small"
    data["array"]["target_top_diameters_um"] = list(diameters)
    data["array"]["repeats"] = 2
    data["array"]["pitch_um"] = 60.0
    data["solver"] = {"method": "fem", "window_nm": [620.0, 660.0], "polarizations": ["TE"]}
    return data


@pytest.fixture(scope="module")
def first_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    spec = spec_from_dict(small_spec_data())
    return run_pipeline(spec, RunOptions(out_dir=out, workers=2)), out


def test_stages_are_physically_consistent(first_run):
    result, out = first_run
    df = result.table
    assert (df["error"] == "").all(), df["error"].tolist()
    rows = df[df["col"] == 0].sort_values("dwell_ms")
    # larger dose -> larger disk -> more modes in the band (smaller free spectral range)
    assert rows["top_diameter_um"].is_monotonic_increasing
    assert rows["n_modes"].iloc[-1] >= rows["n_modes"].iloc[0] >= 1
    # ... and a longer round trip: the lasing mode has a larger m
    assert rows["lasing_m"].iloc[-1] > rows["lasing_m"].iloc[0]
    for _, row in rows.iterrows():
        modes = result.modes[row["id"]]
        # the lasing wavelength is one of the disk's modes, the one with the lowest threshold
        lam = [m["wavelength_nm"] for m in modes]
        assert row["lasing_wavelength_nm"] in lam
        assert row["threshold_N"] == pytest.approx(min(m["N_threshold"] for m in modes))
    # repeats of a row share the row's prediction
    for _, g in df.groupby("row"):
        assert g["lasing_wavelength_nm"].nunique() == 1
    for name in ("results.csv", "results.json", "report.html", "layout/layout.gds",
                 "layout/job.csv", "figures/design_map.png", "modes/r00c00.csv"):
        assert (out / name).is_file(), name


def test_threshold_equals_the_gain_module_on_that_mode_table(first_run):
    from gain import NanocrystalFilm
    from gain.threshold import mode_thresholds

    result, _ = first_run
    film = NanocrystalFilm.model_validate(result.spec.nanocrystals.model_dump())
    for rid, modes in result.modes.items():
        th = mode_thresholds(film.resolved_material, film.concentration_per_cm3,
                             [m["wavelength_nm"] for m in modes],
                             [total_Q(m["Q"], result.spec.intrinsic_Q) for m in modes],
                             [m["film_fraction"] for m in modes],
                             [m["effective_index"] for m in modes])
        row = result.table[result.table["id"] == rid].iloc[0]
        assert row["threshold_N"] == pytest.approx(np.min(th.N_threshold), rel=1e-12)


def test_second_run_recomputes_nothing_and_gain_change_reruns_no_solver(first_run):
    result, out = first_run
    again = run_pipeline(result.spec, RunOptions(out_dir=out, workers=2))
    assert again.stats["modes_solved"] == 0 and again.stats["modes_cached"] == 2
    pd.testing.assert_frame_equal(again.table, result.table)

    data = result.spec.model_dump(mode="json")
    data["nanocrystals"]["concentration_per_cm3"] *= 3.0
    changed = run_pipeline(spec_from_dict(data), RunOptions(out_dir=out, workers=2))
    assert changed.stats["modes_solved"] == 0
    # three times more emitters: larger K, lower threshold
    assert (changed.table["K"] > result.table["K"]).all()
    assert (changed.table["threshold_N"] < result.table["threshold_N"]).all()


def test_kill_9_mid_run_resumes_to_the_identical_table(first_run, tmp_path):
    result, _ = first_run
    spec_file = tmp_path / "small.yaml"
    spec_file.write_text(yaml.safe_dump(result.spec.model_dump(mode="json")))
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "paradisk.cli", "run", str(spec_file), "-o", str(out),
           "--workers", "1", "--no-layout", "--no-report", "--quiet"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline and proc.poll() is None:
        if list((out / "cache" / "modes").glob("*/*.json")):
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the run finished before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not (out / "results.csv").exists()
    finished = len(list((out / "cache" / "modes").glob("*/*.json")))
    assert finished == 1
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
