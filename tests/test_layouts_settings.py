"""LayoutSettings: validation of every field group and the stage-frame transform."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError

from layouts import LabelSettings, LayoutSettings, MarkSettings, StageFrame


def test_defaults_are_valid_and_frozen():
    s = LayoutSettings()
    assert s.stage.units == "um"
    assert s.stage.travel_um[0][0] < s.stage.travel_um[0][1]
    with pytest.raises(ValidationError):
        s.margin_um = 3.0  # frozen


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"unknown": 1}, "unknown"),
        ({"margin_um": -1.0}, "margin_um"),
        ({"chip_margin_um": -5.0}, "chip_margin_um"),
        ({"circle_points": 8}, "circle_points"),
        ({"stage": {"units": "inch"}}, "units"),
        ({"stage": {"speed_um_per_s": 0.0}}, "speed_um_per_s"),
        ({"stage": {"settle_ms": -1.0}}, "settle_ms"),
        ({"stage": {"travel_um": [[10.0, 0.0], [0.0, 10.0]]}}, "travel_um[0]"),
        ({"stage": {"travel_um": [[0.0, 10.0], [0.0, float("inf")]]}}, "travel_um[1]"),
        ({"stage": {"origin_um": [float("nan"), 0.0]}}, "origin_um[0]"),
        ({"stage": {"origin_um": [0.0, 2.0e6]}}, "origin_um[1]"),
        ({"labels": {"text_height_um": 0.5}}, "text_height_um"),
        ({"marks": {"size_um": 20.0, "line_width_um": 10.0}}, "line_width_um"),
        ({"marks": {"gap_um": -1.0}}, "gap_um"),
    ],
)
def test_bad_settings_name_the_field(data, field):
    with pytest.raises(ValidationError) as err:
        LayoutSettings.model_validate(data)
    assert field in str(err.value)


def test_parts_forbid_extra_fields():
    for model in (StageFrame, LabelSettings, MarkSettings):
        with pytest.raises(ValidationError):
            model.model_validate({"nope": 1})


def test_stage_origin_and_flips():
    x, y = np.array([0.0, 10.0, -3.0]), np.array([0.0, -20.0, 5.0])
    plain = StageFrame(origin_um=(100.0, 200.0))
    xs, ys = plain.to_stage(x, y)
    assert np.allclose(xs, [100.0, 110.0, 97.0]) and np.allclose(ys, [200.0, 180.0, 205.0])
    flipped = StageFrame(origin_um=(100.0, 200.0), flip_x=True, flip_y=True)
    xs, ys = flipped.to_stage(x, y)
    assert np.allclose(xs, [100.0, 90.0, 103.0]) and np.allclose(ys, [200.0, 220.0, 195.0])
    only_y = StageFrame(flip_y=True)
    xs, ys = only_y.to_stage(x, y)
    assert np.allclose(xs, x) and np.allclose(ys, -y)


def test_stage_mm_units_and_inverse():
    stage = StageFrame(origin_um=(1500.0, -2500.0), flip_x=True, units="mm")
    x, y = np.array([0.0, 250.0]), np.array([0.0, -750.0])
    xs, ys = stage.to_stage(x, y)
    assert np.allclose(xs, [1.5, 1.25]) and np.allclose(ys, [-2.5, -3.25])
    xu, _yu = stage.to_stage_um(x, y)
    assert np.allclose(xu, [1500.0, 1250.0])
    xb, yb = stage.from_stage(xs, ys)
    assert np.allclose(xb, x) and np.allclose(yb, y)
