"""Tests of solvers.materials: cited dispersion laws and tabulated metals."""

from __future__ import annotations

import numpy as np
import pytest

from geometry.constants import HC_EV_NM
from solvers.materials import MaterialError, permittivity, refractive_index


def test_su8_cauchy_at_630nm_matches_physics_md() -> None:
    # PHYSICS.md section 2: n(630 nm) = 1.587
    assert refractive_index("SU8", 630.0).real == pytest.approx(1.587, abs=5e-4)
    assert permittivity("su-8", 630.0).imag == 0.0


def test_su8_normal_dispersion() -> None:
    n = np.real(refractive_index("SU8", np.array([400.0, 630.0, 1000.0])))
    assert n[0] > n[1] > n[2]


def test_gold_johnson_christy_at_630nm() -> None:
    # PHYSICS.md section 2: Johnson & Christy eps(630 nm) = -11.55 + 1.28i
    eps = permittivity("Au", 630.0)
    assert eps.real == pytest.approx(-11.55, abs=0.02)
    assert eps.imag == pytest.approx(1.28, abs=0.01)


def test_gold_tabulated_points_reproduced_and_drude_like_trend() -> None:
    # J&C table point at 1.88 eV: n = 0.14, k = 3.697
    wl = HC_EV_NM / 1.88
    n = refractive_index("gold", wl)
    assert n.real == pytest.approx(0.14, abs=1e-9)
    assert n.imag == pytest.approx(3.697, abs=1e-9)
    eps = permittivity("Au", np.linspace(550.0, 1000.0, 50))
    assert np.all(np.diff(eps.real) < 0.0)  # more metallic towards the infrared
    assert np.all(eps.imag > 0.0)


def test_titanium_rakic_is_lossy_metal() -> None:
    eps = permittivity("Ti", np.linspace(400.0, 1000.0, 7))
    assert eps.shape == (7,)
    assert np.all(eps.imag > 5.0)
    assert np.all(eps.real < 0.0)


def test_glasses_sellmeier() -> None:
    # Schott N-BK7 nd = 1.5168 at 587.6 nm; Malitson fused silica n = 1.4585 at 587.6 nm
    assert refractive_index("glass", 587.56).real == pytest.approx(1.5168, abs=2e-4)
    assert refractive_index("SiO2", 587.56).real == pytest.approx(1.4585, abs=2e-4)


def test_numbers_and_air() -> None:
    assert permittivity(1.6, 630.0) == pytest.approx(2.56)
    assert permittivity(1.5 + 0.01j, 630.0) == pytest.approx((1.5 + 0.01j) ** 2)
    assert permittivity("air", np.array([500.0, 600.0])) == pytest.approx([1.0, 1.0])


def test_vectorised_shape_and_scalar_type() -> None:
    wl = np.linspace(400.0, 1000.0, 12).reshape(3, 4)
    assert np.shape(permittivity("Au", wl)) == (3, 4)
    assert isinstance(permittivity("Au", 630.0), complex)


@pytest.mark.parametrize(
    ("material", "wl", "match"),
    [
        ("unobtainium", 630.0, "unknown name"),
        ("Au", 100.0, "outside the data range"),
        ("SU8", 2000.0, "outside the data range"),
        ("Au", -5.0, "must be finite"),
        (-1.5, 630.0, "Re\\(n\\) > 0"),
    ],
)
def test_bad_input_raises_clear_error(material, wl, match) -> None:
    with pytest.raises(MaterialError, match=match):
        permittivity(material, wl)
