"""solvers.fields: the one field-map type of both solvers and its JSON-safe serialisation."""

from __future__ import annotations

import json

import numpy as np
import pytest

from solvers.fields import FieldMap, normalised_field_map


def _map(with_eps: bool = True) -> FieldMap:
    rng = np.random.default_rng(1)
    r, z = np.linspace(0.5, 5.0, 40), np.linspace(-1.0, 1.0, 30)
    comps = [rng.normal(size=(30, 40)) + 1j * rng.normal(size=(30, 40)) for _ in range(3)]
    eps = np.full((30, 40), 2.52) + (1j * 1e-3 if with_eps else 0.0)
    fmap, peak = normalised_field_map(r, z, *comps, eps if with_eps else None)
    assert peak == pytest.approx(float(np.max(sum(np.abs(c) ** 2 for c in comps))))
    return fmap


def test_normalised_map_has_unit_peak_and_a_real_positive_reference():
    fmap = _map()
    i = int(np.argmax(fmap.intensity))
    assert fmap.intensity.ravel()[i] == pytest.approx(1.0)
    big = [fmap.E_r.ravel()[i], fmap.E_phi.ravel()[i], fmap.E_z.ravel()[i]]
    ref = big[int(np.argmax(np.abs(big)))]
    assert ref.real > 0 and abs(ref.imag) < 1e-12


@pytest.mark.parametrize("with_eps", [True, False])
def test_full_map_survives_json_to_float32_precision(with_eps):
    fmap = _map(with_eps)
    back = FieldMap.from_dict(json.loads(json.dumps(fmap.to_dict())))
    np.testing.assert_allclose(back.r_um, fmap.r_um)
    np.testing.assert_allclose(back.z_um, fmap.z_um)
    for name in ("E_r", "E_phi", "E_z"):
        np.testing.assert_allclose(getattr(back, name), getattr(fmap, name), atol=1e-6)
    if with_eps:
        np.testing.assert_allclose(back.eps, fmap.eps, rtol=1e-6)
        assert np.iscomplexobj(back.eps)
    else:
        assert back.eps is None


def test_intensity_only_map_keeps_the_intensity_and_is_smaller():
    fmap = _map()
    small = fmap.to_dict(intensity_only=True)
    assert len(json.dumps(small)) < 0.5 * len(json.dumps(fmap.to_dict()))
    back = FieldMap.from_dict(json.loads(json.dumps(small)))
    np.testing.assert_allclose(back.intensity, fmap.intensity / fmap.intensity.max(),
                               atol=1e-6)
    assert not back.E_phi.any() and not back.E_z.any() and back.eps is None
