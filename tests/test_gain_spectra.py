"""Paper Eq. 5: populations, inversion facts and the shape of the gain spectrum."""

from __future__ import annotations

import numpy as np
import pytest

from gain import get_preset
from gain.spectra import (
    default_wavelength_grid,
    gain_coefficients,
    inversion_x0,
    lineic_gain_per_cm,
    normalized_gain,
    poisson_populations,
    simple_transition_gains,
)
from geometry.constants import HC_EV_NM


def test_populations_sum_to_one_and_match_poisson() -> None:
    N = np.linspace(0.0, 20.0, 401)
    n0, nx, nxx = poisson_populations(N)
    assert np.allclose(n0 + nx + nxx, 1.0)
    assert np.all(nxx >= 0)
    # small-N expansion: N_XX ~ N^2 / 2
    n0, nx, nxx = poisson_populations(1e-4)
    assert nxx == pytest.approx(0.5e-8, rel=1e-3)


def test_x0_inversion_formula_and_peak_at_two() -> None:
    N = np.linspace(0.0, 10.0, 100001)
    inv = inversion_x0(N)
    assert np.allclose(inv, np.exp(-N) * (N - 1.0))
    i = np.argmax(inv)
    assert N[i] == pytest.approx(2.0, abs=1e-3)
    assert inv[i] == pytest.approx(np.exp(-2.0), rel=1e-6)
    assert np.all(inv[N < 1.0] < 0)


def test_xx_gain_about_15_times_x0_gain_with_paper_simplifications() -> None:
    N = np.linspace(0.0, 60.0, 600001)
    g_x0, g_xx = simple_transition_gains(N)
    ratio = g_xx.max() / g_x0.max()
    assert 14.0 < ratio < 16.0  # 2 / exp(-2) = 14.78


def test_negative_N_rejected() -> None:
    with pytest.raises(ValueError, match="N"):
        poisson_populations(-0.1)


def test_gain_at_zero_pump_is_pure_absorption() -> None:
    m = get_preset("QS3")
    lam = default_wavelength_grid(m)
    g = normalized_gain(m, lam, 0.0)
    expected = -(m.sigma0_cm2(lam) + m.sigma_high_cm2(lam)) / m.sigma0_peak_cm2
    assert np.allclose(g, expected)
    assert g.min() <= -1.0 + 1e-6  # absorption peak: -sigma0 (normalised -1) at least


def test_gain_saturates_at_xx_emission_line_for_large_N() -> None:
    m = get_preset("QS3").model_copy(update={"sigma_high_ratio": 0.0})
    lam = default_wavelength_grid(m, 4001)
    g = normalized_gain(m, lam, 40.0)
    # all in XX: g = s0(E + D_S - D_XX)/sigma0, peaking at 1 at E_abs - D_S + D_XX
    e_peak = m.absorption_peak_eV - m.stokes_shift_eV + m.xx_splitting_eV
    assert g.max() == pytest.approx(1.0, abs=1e-4)
    assert HC_EV_NM / lam[np.argmax(g)] == pytest.approx(e_peak, abs=5e-4)


@pytest.mark.parametrize("preset", ["QS3", "QD"])
def test_far_red_gain_positive_for_any_N_with_stokes_shift(preset: str) -> None:
    m = get_preset(preset).model_copy(update={"sigma_high_ratio": 0.0})
    # far red: 8 linewidths (FWHM) below the emission peak; the Gaussian band edge falls faster
    # than the Stokes-shifted emission, so stimulated emission wins even at tiny N
    e = m.emission_peak_eV - 8.0 * m.linewidth_fwhm_meV * 1e-3
    lam = HC_EV_NM / e
    for N in (1e-3, 0.05, 0.3, 0.9, 2.0, 5.0):
        assert normalized_gain(m, lam, N) > 0, N
    # ... while nearer the emission peak, low N still absorbs
    assert normalized_gain(m, m.emission_peak_nm, 0.05) < 0


def test_far_red_gain_negative_at_low_N_without_stokes_shift() -> None:
    m = get_preset("QS3").model_copy(update={"sigma_high_ratio": 0.0, "stokes_shift_meV": 0.0})
    e = m.emission_peak_eV - 8.0 * m.linewidth_fwhm_meV * 1e-3
    lam = HC_EV_NM / e
    for N in (1e-5, 1e-3, 0.05, 0.3, 0.9, 1.5):
        assert normalized_gain(m, lam, N) < 0, N


def test_energy_shift_moves_stimulated_emission_red() -> None:
    m = get_preset("QS3").model_copy(update={"sigma_high_ratio": 0.0})
    c = gain_coefficients(m, default_wavelength_grid(m, 4001))
    lam = default_wavelength_grid(m, 4001)
    # X -> 0 emission term (b without X -> XX absorption) peaks at the emission wavelength
    emission = 0.5 * m.sigma0_at_energy(HC_EV_NM / lam + m.stokes_shift_eV)
    assert lam[np.argmax(emission)] == pytest.approx(m.emission_peak_nm, abs=0.1)
    assert lam[np.argmin(c.a)] == pytest.approx(m.absorption_peak_nm, abs=0.1)
    assert m.absorption_peak_nm < m.emission_peak_nm


def test_lineic_gain_scales_with_concentration() -> None:
    m = get_preset("NPL")
    g1 = lineic_gain_per_cm(m, 1e16, 660.0, 3.0)
    g2 = lineic_gain_per_cm(m, 3e16, 660.0, 3.0)
    assert g2 == pytest.approx(3.0 * g1)
    with pytest.raises(ValueError, match="concentration"):
        lineic_gain_per_cm(m, 0.0, 660.0, 3.0)


def test_platelet_sites_rescale_N() -> None:
    npl = get_preset("NPL")
    one = npl.model_copy(update={"independent_sites": 1.0})
    lam = default_wavelength_grid(npl, 201)
    assert np.allclose(
        normalized_gain(npl, lam, npl.independent_sites * 0.7), normalized_gain(one, lam, 0.7)
    )
