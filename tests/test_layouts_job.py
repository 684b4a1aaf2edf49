"""The stage job: serpentine order, travel, writing time, stage frame in job.csv / job.json."""

from __future__ import annotations

import csv
import io
import itertools
import json

import numpy as np
import pytest

from layouts import LayoutSettings, StageFrame, WriteArray
from layouts.job import (
    exposure_points,
    job_csv_text,
    job_json_obj,
    job_json_text,
    serpentine_order,
    summarize,
)
from layouts.rows import plan_rows


@pytest.fixture
def rows(process):
    array = WriteArray(dwell_ms=(20.0, 30.0, 40.0), repeats=4, pitch_um=60.0)
    return plan_rows(process, array)


def test_serpentine_visits_every_disk_once_and_alternates():
    order = serpentine_order(5, 7)
    assert len(order) == 35 and len(set(order)) == 35
    for r in range(5):
        cols = [c for rr, c in order if rr == r]
        assert cols == (sorted(cols) if r % 2 == 0 else sorted(cols, reverse=True))
    # rows are written one after the other, the row change is a single step in y
    for (r0, c0), (r1, c1) in itertools.pairwise(order):
        assert (r1 == r0 and abs(c1 - c0) == 1) or (r1 == r0 + 1 and c1 == c0)


def test_points_ids_positions_and_row_settings(rows):
    pts = exposure_points(rows, 4, 60.0)
    assert [p.order for p in pts] == list(range(12))
    assert [p.id for p in pts[:5]] == ["r00c00", "r00c01", "r00c02", "r00c03", "r01c03"]
    for p in pts:
        assert p.id == f"r{p.row:02d}c{p.col:02d}"
        assert (p.x_nm, p.y_nm) == (p.col * 60000, -p.row * 60000)
        assert p.dwell_ms == rows[p.row].dwell_ms
        assert p.top_diameter_um == rows[p.row].top_diameter_um


def _raster_travel_um(n_rows: int, n_cols: int, pitch_um: float) -> float:
    """Length of the raster path over the same grid: every row left to right, in order."""
    xy = np.array([(c * pitch_um, -r * pitch_um) for r in range(n_rows) for c in range(n_cols)])
    return float(np.hypot(*np.diff(xy, axis=0).T).sum())


def test_travel_is_the_serpentine_length(rows):
    n_rows, n_cols, pitch = 3, 4, 60.0
    pts = exposure_points(rows, n_cols, pitch)
    s = summarize(pts, StageFrame())
    expected = n_rows * (n_cols - 1) * pitch + (n_rows - 1) * pitch
    assert s.travel_um == pytest.approx(expected, rel=1e-12)
    # the travel is that of the points in job order
    xy = np.array([(p.x_um, p.y_um) for p in pts])
    assert s.travel_um == pytest.approx(np.hypot(*np.diff(xy, axis=0).T).sum(), rel=1e-12)


@pytest.mark.parametrize(("n_rows", "n_cols"), [(1, 5), (2, 2), (3, 4), (7, 3), (10, 10)])
def test_serpentine_is_shorter_than_a_raster(process, n_rows, n_cols):
    """Against the raster path actually computed on the same grid: equal for one row, strictly
    shorter for more (the raster flies back across the row each time)."""
    pitch = 60.0
    array = WriteArray(dwell_ms=tuple(20.0 + r for r in range(n_rows)), repeats=n_cols,
                       pitch_um=pitch)
    pts = exposure_points(plan_rows(process, array), n_cols, pitch)
    serpentine = summarize(pts, StageFrame()).travel_um
    raster = _raster_travel_um(n_rows, n_cols, pitch)
    if n_rows == 1:
        assert serpentine == pytest.approx(raster, rel=1e-12)
    else:
        assert serpentine < raster


def test_writing_time_is_dwell_plus_moves_plus_settling(rows):
    pts = exposure_points(rows, 4, 60.0)
    stage = StageFrame(speed_um_per_s=200.0, settle_ms=25.0)
    s = summarize(pts, stage)
    dwell = 4 * sum(r.dwell_ms for r in rows) / 1000.0
    assert s.dwell_s == pytest.approx(dwell)
    assert s.move_s == pytest.approx(s.travel_um / 200.0)
    assert s.settle_s == pytest.approx(11 * 0.025)
    assert s.total_s == pytest.approx(dwell + s.travel_um / 200.0 + 11 * 0.025)
    faster = summarize(pts, StageFrame(speed_um_per_s=400.0, settle_ms=25.0))
    assert faster.total_s < s.total_s


def _csv(points, stage):
    return list(csv.DictReader(io.StringIO(job_csv_text(points, stage))))


def test_csv_in_stage_frame_with_flips_origin_and_mm(rows):
    pts = exposure_points(rows, 4, 60.0)
    plain = _csv(pts, StageFrame())
    assert plain[0]["x_um"] == "0.0000" and plain[1]["x_um"] == "60.0000"
    assert plain[4]["y_um"] == "-60.0000"
    stage = StageFrame(origin_um=(5000.0, 7000.0), flip_x=True, flip_y=True, units="mm")
    lines = _csv(pts, stage)
    assert set(lines[0]) >= {"x_mm", "y_mm", "power_uW", "dwell_ms", "top_diameter_um", "row"}
    assert "x_um" not in lines[0]
    for p, line in zip(pts, lines, strict=True):
        assert float(line["x_mm"]) == pytest.approx((5000.0 - p.x_um) / 1000.0, abs=1e-9)
        assert float(line["y_mm"]) == pytest.approx((7000.0 - p.y_um) / 1000.0, abs=1e-9)
        assert float(line["dwell_ms"]) == p.dwell_ms  # exact: shortest repr
        assert line["id"] == p.id


def test_no_negative_zero_in_csv(rows):
    pts = exposure_points(rows, 4, 60.0)
    text = job_csv_text(pts, StageFrame(flip_x=True, flip_y=True))
    assert "-0.0000," not in text


def test_json_holds_spec_hash_summary_and_points(rows):
    pts = exposure_points(rows, 4, 60.0)
    settings = LayoutSettings(stage=StageFrame(units="mm"))
    s = summarize(pts, settings.stage)
    spec = {"name": "x", "array": {"pitch_um": 60.0}}
    obj = job_json_obj(pts, s, settings, rows, spec, "ab" * 32)
    text = job_json_text(obj)
    back = json.loads(text)
    assert back["spec"] == spec and back["spec_hash"] == "ab" * 32
    assert back["summary"]["travel_um"] == pytest.approx(s.travel_um)
    assert back["summary"]["total_s"] == pytest.approx(s.total_s)
    assert len(back["points"]) == 12 and back["points"][4]["id"] == "r01c03"
    assert back["points"][1]["x_mm"] == pytest.approx(0.06)
    assert back["stage"]["units"] == "mm"
    assert text == job_json_text(job_json_obj(pts, s, settings, rows, spec, "ab" * 32))
