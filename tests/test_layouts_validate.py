"""Every error path of the layout checks: each names the field and the limit."""

from __future__ import annotations

import re

import pytest

from layouts import LabelSettings, LayoutSettings, StageFrame, WriteArray
from layouts.errors import LayoutError
from layouts.validate import validate_layout

NO_LABELS = LayoutSettings(labels=LabelSettings(show=False))


def _limit(message: str, pattern: str) -> float:
    m = re.search(pattern, message)
    assert m, message
    return float(m.group(1))


def test_valid_array_returns_rows(process):
    rows = validate_layout(process, WriteArray(target_top_diameters_um=(10.0, 20.0, 30.0),
                                               repeats=3, pitch_um=60.0), LayoutSettings())
    assert [r.row for r in rows] == [0, 1, 2]
    assert [r.top_diameter_um for r in rows] == pytest.approx([10.0, 20.0, 30.0])
    assert all(r.anchored and r.written for r in rows)


def test_dose_that_writes_nothing(process):
    threshold_ms = process.dwell_ms(process.threshold_energy_uJ())
    array = WriteArray(dwell_ms=(20.0, 0.9 * threshold_ms), repeats=2, pitch_um=60.0)
    with pytest.raises(LayoutError, match=r"array\.dwell_ms\[1\].*writes nothing") as err:
        validate_layout(process, array, NO_LABELS)
    assert _limit(str(err.value), r"exceed ([\d.]+) ms to write") == pytest.approx(
        threshold_ms, rel=1e-3)


def test_disk_that_is_not_anchored(process):
    anchor_ms = process.dwell_ms(process.anchoring_energy_uJ())
    threshold_ms = process.dwell_ms(process.threshold_energy_uJ())
    dwell = 0.5 * (anchor_ms + threshold_ms)  # written, but floating
    array = WriteArray(dwell_ms=(dwell,), repeats=2, pitch_um=60.0)
    with pytest.raises(LayoutError, match=r"array\.dwell_ms\[0\].*not anchored") as err:
        validate_layout(process, array, NO_LABELS)
    assert _limit(str(err.value), r"must exceed ([\d.]+) ms") == pytest.approx(anchor_ms, rel=1e-3)


def test_target_diameter_too_small_to_anchor(process):
    array = WriteArray(target_top_diameters_um=(20.0, 4.0), repeats=2, pitch_um=60.0)
    with pytest.raises(LayoutError, match=r"array\.target_top_diameters_um\[1\].*not anchored"):
        validate_layout(process, array, NO_LABELS)


def test_overlapping_disks_name_pitch_and_limit(process):
    array = WriteArray(target_top_diameters_um=(10.0, 30.0), repeats=3, pitch_um=33.0)
    with pytest.raises(LayoutError, match=r"array\.pitch_um = 33.*overlap") as err:
        validate_layout(process, array, NO_LABELS)
    msg = str(err.value)
    assert "layout.margin_um = 5" in msg and "(row 1)" in msg
    assert _limit(msg, r">= ([\d.]+) um$") == pytest.approx(35.0, rel=1e-3)
    # the margin is what makes 33 um too small: with 2 um it fits
    ok = NO_LABELS.model_copy(update={"margin_um": 2.0})
    assert len(validate_layout(process, array, ok)) == 2


def test_labels_that_do_not_fit(process):
    array = WriteArray(target_top_diameters_um=(20.0,), repeats=3, pitch_um=40.0)
    with pytest.raises(LayoutError, match=r"layout\.labels\.text_height_um = 10") as err:
        validate_layout(process, array, LayoutSettings())
    h_fit = _limit(str(err.value), r"text_height_um <= ([\d.]+)")
    smaller = LayoutSettings(labels=LabelSettings(text_height_um=h_fit))
    assert validate_layout(process, array, smaller)
    no_ids = LayoutSettings(labels=LabelSettings(per_disk=False))
    assert validate_layout(process, array, no_ids)


def test_array_longer_than_the_stage_travel(process):
    array = WriteArray(target_top_diameters_um=(20.0,), repeats=3, pitch_um=60.0)
    settings = NO_LABELS.model_copy(update={
        "stage": StageFrame(travel_um=((0.0, 100.0), (0.0, 100.0)))})
    with pytest.raises(LayoutError, match=r"spans 120 um in stage x.*travel_um\[0\]"):
        validate_layout(process, array, settings)


def test_points_outside_travel_suggest_an_origin(process):
    array = WriteArray(target_top_diameters_um=(20.0,), repeats=3, pitch_um=60.0)
    stage = StageFrame(origin_um=(900.0, 0.0), travel_um=((-1000.0, 1000.0), (-10.0, 10.0)))
    settings = NO_LABELS.model_copy(update={"stage": stage})
    with pytest.raises(LayoutError, match=r"origin_um\[0\]") as err:
        validate_layout(process, array, settings)
    upper = _limit(str(err.value), r"into \[[-\d.]+, ([-\d.]+)\] um")
    assert upper == pytest.approx(880.0)
    moved = settings.model_copy(update={"stage": stage.model_copy(update={
        "origin_um": (upper, 0.0)})})
    assert validate_layout(process, array, moved)


def test_flip_decides_whether_rows_fit_the_travel(process):
    array = WriteArray(target_top_diameters_um=(20.0, 20.0, 20.0), repeats=1, pitch_um=60.0)
    travel = ((-10.0, 10.0), (-10.0, 500.0))  # rows run to -120 um unless y is flipped
    down = NO_LABELS.model_copy(update={"stage": StageFrame(travel_um=travel)})
    with pytest.raises(LayoutError, match=r"stage y = -120 .. 0 um.*travel_um\[1\]"):
        validate_layout(process, array, down)
    up = NO_LABELS.model_copy(update={"stage": StageFrame(travel_um=travel, flip_y=True)})
    assert validate_layout(process, array, up)


def test_row_labels_taller_than_the_pitch(process):
    array = WriteArray(target_top_diameters_um=(20.0,), repeats=2, pitch_um=40.0)
    tall = LayoutSettings(labels=LabelSettings(per_disk=False, text_height_um=38.0))
    with pytest.raises(LayoutError, match=r"text_height_um = 38 um: row labels.*<= .*35 um"):
        validate_layout(process, array, tall)
    hidden = LayoutSettings(labels=LabelSettings(show=False, text_height_um=38.0))
    assert validate_layout(process, array, hidden)
