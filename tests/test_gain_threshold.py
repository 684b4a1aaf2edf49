"""Thresholds, lasing mode and figure of merit K (paper Fig. 4c,d; PHYSICS.md s. 3-4)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gain import get_preset
from gain.spectra import default_wavelength_grid, gain_coefficients, lineic_gain_per_cm
from gain.threshold import (
    continuum_threshold,
    figure_of_merit_K,
    lasing_mode_index,
    lineic_loss_per_cm,
    mode_thresholds,
    threshold_for_required_gain,
)


def test_K_formula() -> None:
    k_value = figure_of_merit_K(640.0, 2.0e4, 2.0e17, 2.0e-15, 1.5)
    assert k_value == pytest.approx(640e-7 * 2e4 * 2e17 * 2e-15 / (2 * math.pi * 1.5))
    assert lineic_loss_per_cm(640.0, 2e4, 1.5) == pytest.approx(2 * math.pi * 1.5 / (640e-7 * 2e4))


@pytest.fixture(scope="module")
def scanned_gain() -> tuple:
    m = get_preset("QS3")
    lam = default_wavelength_grid(m, 201)
    c = gain_coefficients(m, lam)
    Ns = np.linspace(0.0, 100.0, 100001)
    return c, Ns, c.normalized_gain(Ns[:, None])


@pytest.mark.parametrize("required", [0.005, 0.05, 0.2, 0.6])
def test_threshold_is_first_crossing_of_brute_force_scan(scanned_gain: tuple, required: float
                                                         ) -> None:
    c, Ns, g = scanned_gain
    ok = g >= required
    first = np.where(ok.any(axis=0), Ns[np.argmax(ok, axis=0)], np.inf)
    got = threshold_for_required_gain(c, required)
    assert np.array_equal(np.isfinite(first), np.isfinite(got))
    fin = np.isfinite(first)
    assert fin.any()
    assert np.max(np.abs(first[fin] - got[fin])) <= 1.0e-3 + 1e-9  # the scan's step


def test_modal_gain_equals_loss_at_threshold() -> None:
    m = get_preset("QS3")
    C = 2e17
    lam, Q, gam, n = np.array([622.0, 634.0, 646.0]), 3e4, 0.1, 1.47
    r = mode_thresholds(m, C, lam, Q, gam, loss_index=n)
    assert np.all(np.isfinite(r.N_threshold))
    g = lineic_gain_per_cm(m, C, lam, r.N_threshold)
    assert np.allclose(gam * g, r.loss_per_cm, rtol=1e-7)
    # just below threshold the modal gain is short of the loss
    g_below = lineic_gain_per_cm(m, C, lam, r.N_threshold * (1 - 1e-4))
    assert np.all(gam * g_below < r.loss_per_cm)


def test_threshold_falls_and_lasing_moves_red_as_K_grows() -> None:
    m = get_preset("QS3")
    lam = default_wavelength_grid(m, 3001)
    inv_k = np.array([0.5, 0.2, 0.1, 0.05, 0.02, 0.01, 0.003])  # K growing
    nth, lam_l = continuum_threshold(m, inv_k, lam)
    assert np.all(np.isfinite(nth))
    assert np.all(np.diff(nth) < 0)
    assert np.all(np.diff(lam_l) > 0)
    # K >> 1: lasing below one absorbed photon per nanocrystal, red of the emission peak
    assert nth[-1] < 1.0 and nth[-2] < 1.0
    assert lam_l[-1] > m.emission_peak_nm
    # low K: biexcitonic regime, threshold above N = 1 and lasing blue of the K >> 1 case
    assert nth[0] > 1.0


def test_loss_index_is_required_and_scales_K() -> None:
    m = get_preset("QS3")
    with pytest.raises(TypeError, match="loss_index"):
        mode_thresholds(m, 2e17, 640.0, 2e4, 0.1)  # no silent fallback to an effective index
    a = mode_thresholds(m, 2e17, 640.0, 2e4, 0.1, loss_index=1.47)
    b = mode_thresholds(m, 2e17, 640.0, 2e4, 0.1, loss_index=1.8)
    assert float(b.K) == pytest.approx(float(a.K) * 1.47 / 1.8)
    assert float(b.N_threshold) > float(a.N_threshold)
    with pytest.raises(ValueError, match="loss_index"):
        mode_thresholds(m, 2e17, 640.0, 2e4, 0.1, loss_index=0.0)


def test_lasing_mode_is_lowest_threshold_and_padding_ignored() -> None:
    nth = np.array([[3.0, 0.7, np.nan, 1.2], [np.inf, np.inf, np.nan, np.nan]])
    idx, best = lasing_mode_index(nth)
    assert idx.tolist() == [1, -1]
    assert best[0] == 0.7 and math.isinf(best[1])


def test_higher_Q_and_overlap_lower_threshold_zero_overlap_never_lases() -> None:
    m = get_preset("QS3")
    r = mode_thresholds(m, 2e17, 640.0, np.array([5e3, 2e4, 1e5]), 0.1, loss_index=1.8)
    assert np.all(np.diff(r.N_threshold) < 0)
    r2 = mode_thresholds(m, 2e17, 640.0, 2e4, np.array([0.0, 0.05, 0.2]), loss_index=1.8)
    assert math.isinf(r2.N_threshold[0])
    assert r2.N_threshold[1] > r2.N_threshold[2]


def test_vectorised_over_disks_and_modes() -> None:
    m = get_preset("QS3")
    rng = np.random.default_rng(1)
    lam = rng.uniform(600, 680, (50, 20))
    Q = rng.uniform(5e3, 5e4, (50, 20))
    r = mode_thresholds(m, 2e17, lam, Q, 0.1, loss_index=1.8)
    assert r.N_threshold.shape == (50, 20)
    one = mode_thresholds(m, 2e17, lam[7, 3], Q[7, 3], 0.1, loss_index=1.8)
    assert r.N_threshold[7, 3] == pytest.approx(float(one.N_threshold), rel=1e-9)


def test_platelet_threshold_scales_with_sites() -> None:
    npl = get_preset("NPL")
    one = npl.model_copy(update={"independent_sites": 1.0})
    a = mode_thresholds(npl, 1e17, 670.0, 2e4, 0.1, loss_index=1.8).N_threshold
    b = mode_thresholds(one, 1e17, 670.0, 2e4, 0.1, loss_index=1.8).N_threshold
    assert float(a) == pytest.approx(npl.independent_sites * float(b), rel=1e-8)


def test_threshold_input_validation() -> None:
    m = get_preset("QS3")
    with pytest.raises(ValueError, match="film_fraction"):
        mode_thresholds(m, 2e17, 640.0, 2e4, 1.5, loss_index=1.8)
    with pytest.raises(ValueError, match="Q"):
        mode_thresholds(m, 2e17, 640.0, -5.0, 0.1, loss_index=1.8)
    with pytest.raises(ValueError, match="concentration"):
        mode_thresholds(m, -1.0, 640.0, 2e4, 0.1, loss_index=1.8)
    with pytest.raises(ValueError, match="N_max"):
        threshold_for_required_gain(gain_coefficients(m, 640.0), 0.1, N_max=0.0)
    with pytest.raises(ValueError, match="inverse_K"):
        continuum_threshold(m, [0.0], [640.0])


def test_beta_zero_is_monotonic_not_an_empty_bracket() -> None:
    """b == c exactly: f = const + alpha exp(-N) rises monotonically when alpha < 0."""
    from gain.spectra import GainCoefficients

    one = np.array(1.0)
    c = GainCoefficients(a=-one, b=0.3 * one, c=0.3 * one, h=0 * one, sites=1.0)
    # 0.3 - 0.1 - 1.3 exp(-N) = 0  <=>  N = ln(6.5)
    assert threshold_for_required_gain(c, 0.1) == pytest.approx(math.log(6.5), rel=1e-9)
    # beyond reach (c - h < required) and falling f (alpha >= 0, f(0) < 0): no threshold
    assert np.isinf(threshold_for_required_gain(c, 0.31))
    c2 = GainCoefficients(a=0.5 * one, b=0.3 * one, c=0.3 * one, h=one, sites=1.0)
    assert np.isinf(threshold_for_required_gain(c2, 0.1))


@pytest.mark.parametrize("sites", [1.0, 3.0])
def test_threshold_matches_brute_force_for_arbitrary_coefficients(sites: float) -> None:
    """Random coefficient sets (including b == c, b < c, gain at N = 0) against a dense scan."""
    from gain.spectra import GainCoefficients

    rng = np.random.default_rng(7)
    n = 200
    a = rng.uniform(-1.5, 0.2, n)
    c = rng.uniform(0.0, 1.0, n)
    b = c + rng.uniform(-1.0, 1.0, n)
    b[::4] = c[::4]  # beta == 0 exactly in a quarter of the sets
    h = rng.uniform(0.0, 0.3, n)
    coeffs = GainCoefficients(a=a, b=b, c=c, h=h, sites=sites)
    required = rng.uniform(0.01, 0.5, n)
    N_max = 30.0
    Ns = np.linspace(0.0, N_max, 30001)
    step = Ns[1]
    g = coeffs.normalized_gain(Ns[:, None])
    ok = g >= required
    first = np.where(ok.any(axis=0), Ns[np.argmax(ok, axis=0)], np.inf)
    got = threshold_for_required_gain(coeffs, required, N_max=N_max)
    fin = np.isfinite(first)
    assert fin[::4].sum() > 10 and (~fin).sum() > 10  # both outcomes, also with beta == 0
    assert np.array_equal(fin, np.isfinite(got))
    # the scan's first hit lies at most one step above the root
    assert np.all((got[fin] <= first[fin] + 1e-9) & (got[fin] >= first[fin] - step - 1e-9))
