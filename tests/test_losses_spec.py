"""The spec's losses section: what it maps to, its defaults and the deprecated intrinsic_Q."""

from __future__ import annotations

import copy
import math
from pathlib import Path

import pytest
import yaml

from paradisk.errors import UserInputError
from paradisk.spec import load_spec, spec_from_dict

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "qs3_array.yaml"


def _data(**changes) -> dict:
    data = yaml.safe_load(EXAMPLE.read_text())
    data.pop("losses", None)
    data.update(changes)
    return data


def test_example_losses_map_to_the_solver_settings() -> None:
    spec = load_spec(EXAMPLE)
    s = spec.loss_settings
    assert s.material_absorption and s.film.scattering
    assert set(s.roughness) == {"wall", "top", "film"}
    assert (s.roughness["wall"].rms_nm, s.roughness["wall"].correlation_nm) == (15.0, 100.0)
    # the film's particles are the spec's nanocrystals: QS3's 2145 nm^3 is a sphere of 8.0 nm
    # radius, at the film's volume fraction 0.35
    v = spec.nanocrystals.resolved_material.particle_volume_nm3
    assert s.film.particle_radius_nm == pytest.approx((3 * v / (4 * math.pi)) ** (1 / 3))
    assert s.film.particle_radius_nm == pytest.approx(8.0, abs=0.01)
    assert s.film.volume_fraction == pytest.approx(spec.nanocrystals.particle_volume_fraction)
    assert s.Q_other is None and spec.intrinsic_Q is None


def test_defaults_compute_material_and_film_channels_and_assume_no_roughness() -> None:
    spec = spec_from_dict(_data())
    s = spec.loss_settings
    assert s.material_absorption and s.film.scattering and s.roughness == {}
    assert s.Q_other is None


def test_intrinsic_Q_is_the_deprecated_name_of_Q_other() -> None:
    old = spec_from_dict(_data(intrinsic_Q=3.0e4))
    new = spec_from_dict(_data(losses={"Q_other": 3.0e4}))
    for spec in (old, new):
        assert spec.intrinsic_Q == spec.losses.Q_other == spec.loss_settings.Q_other == 3.0e4
    # a dumped spec holds both, alike: it loads again to the same spec
    assert spec_from_dict(old.model_dump(mode="json")) == old
    with pytest.raises(UserInputError, match=r"give only losses\.Q_other"):
        spec_from_dict(_data(intrinsic_Q=3.0e4, losses={"Q_other": 4.0e4}))


def test_loss_settings_do_not_enter_the_mode_cache_key() -> None:
    """The mode solve is loss-independent (the budget is recomputed from stored fields): a
    roughness change keeps the modes key."""
    from paradisk.stages import modes_key

    a = spec_from_dict(_data())
    b = spec_from_dict(_data(losses={"roughness": {"wall": {"rms_nm": 9.0,
                                                             "correlation_nm": 50.0}}}))
    body = a.unique_disks()[0].body.model_dump(mode="json")
    key = [modes_key(body, s.solver.model_dump(mode="json"), "fem")[0] for s in (a, b)]
    assert key[0] == key[1]
    assert a.loss_settings != b.loss_settings


def test_bad_losses_are_one_line_naming_the_field() -> None:
    cases = [
        ({"roughness": {"wall": {"rms_nm": 500.0, "correlation_nm": 50.0}}},
         "losses.roughness.wall.rms_nm = 500.0"),
        ({"extinction": {"body": 2.0}}, "losses.extinction.body = 2.0"),
        ({"Q_other": -1.0}, "losses.Q_other = -1.0"),
        ({"particle_index": 9.0}, "losses.particle_index = 9.0"),
        ({"roughnes": {}}, "losses.roughnes"),
    ]
    for losses, expected in cases:
        with pytest.raises(UserInputError) as err:
            spec_from_dict(_data(losses=copy.deepcopy(losses)))
        text = str(err.value)
        assert expected in text and "\n" not in text, text


def test_a_bad_Q_other_is_reported_once_under_the_name_written() -> None:
    with pytest.raises(UserInputError) as err:
        spec_from_dict(_data(losses={"Q_other": -5.0}))
    assert "losses.Q_other = -5.0" in str(err.value) and "intrinsic_Q" not in str(err.value)
    with pytest.raises(UserInputError) as err:
        spec_from_dict(_data(intrinsic_Q=-5.0))
    assert "intrinsic_Q = -5.0" in str(err.value) and "problems" not in str(err.value)
