"""The design spec: the shipped example loads, and every bad input names its field and range."""

from __future__ import annotations

import copy

import pytest
import yaml

from paradisk.errors import UserInputError
from paradisk.spec import load_spec, spec_from_dict


@pytest.fixture
def raw(example_spec_path):
    return yaml.safe_load(example_spec_path.read_text())


def test_example_spec_loads_and_plans_disks(example_spec_path):
    spec = load_spec(example_spec_path)
    disks = spec.disks()
    assert len(disks) == spec.array.rows * spec.array.repeats
    assert len({d.id for d in disks}) == len(disks)
    tops = [d.profile.top_diameter_um for d in spec.unique_disks()]
    assert tops == pytest.approx(list(spec.array.target_top_diameters_um), rel=1e-9)
    # the 20 um row is the paper's ~50 ms at 500 uW
    assert spec.unique_disks()[2].dwell_ms == pytest.approx(50.0, rel=0.01)
    body = disks[0].body
    assert body.surroundings.coating.thickness_um == pytest.approx(0.080)  # 80 nm film
    assert body.surroundings.substrate[0].material == "Au"


def test_hash_is_stable_and_sensitive(raw):
    a, b = spec_from_dict(raw), spec_from_dict(copy.deepcopy(raw))
    assert a.spec_hash() == b.spec_hash()
    raw["nanocrystals"]["thickness_nm"] = 31.0
    c = spec_from_dict(raw)
    assert c.spec_hash() != a.spec_hash()
    assert c.spec_hash("process", "array") == a.spec_hash("process", "array")


def _set(data, path, value):
    d = data
    for k in path[:-1]:
        d = d[k]
    if value is _DELETE:
        del d[path[-1]]
    else:
        d[path[-1]] = value


_DELETE = object()


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        (("process", "film_thickness_um"), -5.0,
         ["process.film_thickness_um = -5.0", "greater than 0", "0 < value <= 500"]),
        (("process", "waist_um"), 0, ["process.waist_um = 0", "0 < value <= 200"]),
        (("process", "absorber", "concentration_mg_per_mL"), -1,
         ["process.absorber.concentration_mg_per_mL = -1", "0 <= value <= 500"]),
        (("array", "target_top_diameters_um"), _DELETE, ["exactly one of dwell_ms"]),
        (("array", "pitch_um"), 0, ["array.pitch_um = 0", "0 < value"]),
        (("nanocrystals", "preset"), "perovskite", ["nanocrystals", "perovskite", "QS3"]),
        (("nanocrystals", "thickness_nm"), -3, ["nanocrystals.thickness_nm = -3", "1 <= value"]),
        (("solver", "window_nm"), [700, 600], ["window_nm", "lo < hi"]),
        (("solver", "method"), "bem", ["solver.method = 'bem'", "'fem' or 'meep'"]),
        (("process", "colour"), "red", ["process.colour", "Extra inputs"]),
        (("name",), "bad name!", ["name = 'bad name!'", "pattern"]),
        (("process",), _DELETE, ["process: Field required"]),
    ],
)
def test_bad_values_name_field_value_and_range(raw, path, value, expected):
    _set(raw, path, value)
    with pytest.raises(UserInputError) as info:
        spec_from_dict(raw, "t.yaml")
    for text in expected:
        assert text in str(info.value)


def test_zero_dwell_is_rejected(raw):
    del raw["array"]["target_top_diameters_um"]
    raw["array"]["dwell_ms"] = [50.0, 0.0]
    with pytest.raises(UserInputError, match=r"dwell_ms\[1\] = 0.0: must be > 0"):
        spec_from_dict(raw)


def test_dose_below_threshold_is_rejected(raw):
    del raw["array"]["target_top_diameters_um"]
    raw["array"]["dwell_ms"] = [50.0, 5.0]
    with pytest.raises(UserInputError, match=r"dwell_ms\[1\] = 5 ms at 500 uW writes nothing"):
        spec_from_dict(raw)


def test_floating_disk_is_rejected(raw):
    del raw["array"]["target_top_diameters_um"]
    raw["array"]["dwell_ms"] = [8.0]  # written (threshold 6.75 ms) but not anchored (9.5 ms)
    with pytest.raises(UserInputError, match="does not reach the substrate") as info:
        spec_from_dict(raw)
    assert "allowed: dwell >" in str(info.value)


def test_target_too_small_to_anchor_is_rejected(raw):
    raw["array"]["target_top_diameters_um"] = [20.0, 5.0]
    with pytest.raises(UserInputError, match=r"target_top_diameters_um\[1\].*smallest anchored"):
        spec_from_dict(raw)


def test_coating_belongs_to_the_nanocrystals(raw):
    raw["cavity"]["coating"] = {"thickness_um": 0.03, "index": 1.8}
    with pytest.raises(UserInputError, match=r"cavity\.coating"):
        spec_from_dict(raw)


def test_unreadable_files(tmp_path):
    with pytest.raises(UserInputError, match="does not exist"):
        load_spec(tmp_path / "none.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("process: [unclosed\n")
    with pytest.raises(UserInputError, match="not valid"):
        load_spec(bad)
    bad.write_text("- a list\n")
    with pytest.raises(UserInputError, match="mapping"):
        load_spec(bad)
