"""ASE in solution (paper Eq. 1, Fig. 1b-d)."""

from __future__ import annotations

import numpy as np
import pytest

from gain import PRESETS, get_preset
from gain.ase import (
    AseGeometry,
    ase_gain_per_cm,
    ase_intensity,
    ase_threshold_N,
    minimum_concentration_per_cm3,
)
from gain.spectra import inversion_xx_x


def test_cmin_is_one_over_sigma_L_and_proportional_to_inverse_sigma0() -> None:
    geo = AseGeometry(line_length_mm=3.0)
    for m in PRESETS.values():
        assert minimum_concentration_per_cm3(m, geo) == pytest.approx(
            1.0 / (m.sigma0_peak_cm2 * 0.3))
    # paper Fig. 1d: C_min * sigma0 is the same for every sample
    prods = [minimum_concentration_per_cm3(m, geo) * m.sigma0_peak_cm2 for m in PRESETS.values()]
    assert np.allclose(prods, prods[0])


def test_no_ase_below_cmin_and_threshold_falls_with_concentration() -> None:
    m = get_preset("QS3")
    cmin = minimum_concentration_per_cm3(m)
    assert np.isinf(ase_threshold_N(m, 0.95 * cmin))
    C = cmin * np.array([1.05, 1.5, 3.0, 10.0, 100.0])
    n = ase_threshold_N(m, C)
    assert np.all(np.isfinite(n)) and np.all(np.diff(n) < 0)
    # sharp drop just above C_min (paper Fig. 1c), XX-X inversion needs N > ~1.26
    assert n[0] > 2 * n[2]
    assert np.all(n > 1.2)
    # at threshold the exponent C sigma dN L equals 1
    g = ase_gain_per_cm(m, C, n)
    assert np.allclose(g * AseGeometry().line_length_cm, 1.0, rtol=1e-8)


def test_platelets_need_more_photons_for_same_inversion() -> None:
    npl = get_preset("NPL")
    one = npl.model_copy(update={"independent_sites": 1.0})
    C = 5 * minimum_concentration_per_cm3(npl)
    assert ase_threshold_N(npl, C) == pytest.approx(npl.independent_sites
                                                     * ase_threshold_N(one, C), rel=1e-9)


def test_detected_intensity_is_superlinear_above_threshold() -> None:
    m = get_preset("QS3")
    C = 10 * minimum_concentration_per_cm3(m)
    N = np.array([0.05, 0.1, 20.0, 40.0])
    i = ase_intensity(m, C, N)
    # low pump: spontaneous emission ~ linear in excited fraction
    assert i[1] / i[0] == pytest.approx((1 - np.exp(-0.1)) / (1 - np.exp(-0.05)), rel=0.02)
    # high pump at 10 C_min: the ASE term dominates by orders of magnitude
    geo = AseGeometry()
    spont_only = C * (1 - np.exp(-20.0)) * geo.collection_solid_angle_sr
    assert i[2] > 100 * spont_only
    # below C_min the signal stays spontaneous-like (no exponential growth)
    low = 0.5 * minimum_concentration_per_cm3(m)
    j = ase_intensity(m, low, 40.0)
    assert j < 2 * low * geo.collection_solid_angle_sr
    assert inversion_xx_x(40.0) == pytest.approx(1.0, abs=1e-12)


def test_ase_validation() -> None:
    m = get_preset("QS3")
    with pytest.raises(ValueError, match="concentration"):
        ase_threshold_N(m, -1.0)
    with pytest.raises(ValueError, match="line_length_mm"):
        AseGeometry(line_length_mm=0.0)
