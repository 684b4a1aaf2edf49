"""Inverse design and calibration of the exposure model."""

from __future__ import annotations

import numpy as np
import pytest

from geometry import (
    DoseSeries,
    NotAnchoredError,
    calibrate,
    dwell_for_top_diameter,
    energy_for_top_diameter,
    process_for_foot_ratio,
    process_for_wall_angle,
    read_dose_series,
    smallest_anchored_top_diameter_um,
)


@pytest.mark.parametrize("diameter", [12.0, 20.0, 31.5])
def test_dose_for_diameter_round_trip(process, diameter):
    energy = energy_for_top_diameter(process, diameter)
    assert process.profile(energy).top_diameter_um == pytest.approx(diameter, rel=1e-9)
    dwell = dwell_for_top_diameter(process, diameter, power_uW=250.0)
    assert process.profile_for_dwell(dwell, 250.0).top_diameter_um == pytest.approx(
        diameter, rel=1e-9)


def test_too_small_disk_is_not_anchored(process):
    d_min = smallest_anchored_top_diameter_um(process)
    assert process.profile(energy_for_top_diameter(process, 1.001 * d_min)).anchored
    with pytest.raises(NotAnchoredError, match="smallest anchored top diameter"):
        energy_for_top_diameter(process, 0.99 * d_min)


@pytest.mark.parametrize("ratio", [0.3, 0.7, 0.95])
def test_absorber_for_foot_ratio(process, ratio):
    new = process_for_foot_ratio(process, 20.0, ratio)
    prof = new.profile(energy_for_top_diameter(new, 20.0))
    assert prof.foot_radius_um / prof.top_radius_um == pytest.approx(ratio, rel=1e-9)
    # only the absorber changed
    assert new.waist_um == process.waist_um and new.absorber.name == process.absorber.name


def test_absorber_for_wall_angle(process):
    new = process_for_wall_angle(process, 20.0, 60.0)
    prof = new.profile(energy_for_top_diameter(new, 20.0))
    assert prof.wall_angle_deg == pytest.approx(60.0, rel=1e-9)
    assert new.absorber.concentration_mg_per_mL > process.absorber.concentration_mg_per_mL
    with pytest.raises(NotAnchoredError, match="floating"):
        process_for_wall_angle(process, 20.0, 5.0)
    with pytest.raises(ValueError, match="resin"):
        process_for_wall_angle(process.model_copy(update={"resin_absorption_per_um": 5.0}),
                               20.0, 80.0)


def _synthetic(process, rng, sigma=0.2, n=8, foot=False):
    diam = np.linspace(12.0, 30.0, n)
    energy = np.array([energy_for_top_diameter(process, d) for d in diam])
    prof = [process.profile(e) for e in energy]
    top = np.array([p.top_diameter_um for p in prof]) + rng.normal(0, sigma, n)
    feet = np.array([p.foot_diameter_um for p in prof]) + rng.normal(0, sigma, n) if foot else None
    return DoseSeries(energy_uJ=energy, top_diameter_um=top, foot_diameter_um=feet,
                      sigma_um=np.full(n, sigma))


def test_calibration_recovers_parameters_with_honest_uncertainties(process):
    """Over 300 noisy synthetic series the 1-sigma intervals cover the truth ~68 % of the time."""
    rng = np.random.default_rng(1)
    hits_w = hits_c = 0
    trials = 300
    for _ in range(trials):
        cal = calibrate(_synthetic(process, rng))
        hits_w += abs(cal.waist_um - process.waist_um) < cal.waist_sigma_um
        hits_c += abs(cal.threshold_dose_mJ_per_cm2 - process.threshold_dose_mJ_per_cm2) < \
            cal.threshold_dose_sigma_mJ_per_cm2
    assert 0.58 < hits_w / trials < 0.78
    assert 0.58 < hits_c / trials < 0.78


def test_calibration_exact_data_and_alpha(process):
    rng = np.random.default_rng(0)
    series = _synthetic(process, rng, sigma=1e-6, foot=True)
    cal = calibrate(series, film_thickness_um=process.film_thickness_um)
    assert cal.waist_um == pytest.approx(process.waist_um, rel=1e-5)
    assert cal.threshold_dose_mJ_per_cm2 == pytest.approx(process.threshold_dose_mJ_per_cm2,
                                                          rel=1e-4)
    assert cal.alpha_per_um == pytest.approx(process.alpha_per_um, rel=1e-4)
    applied = cal.apply(process.model_copy(update={"waist_um": 3.0}))
    assert applied.alpha_per_um == pytest.approx(process.alpha_per_um, rel=1e-4)
    assert applied.waist_um == pytest.approx(process.waist_um, rel=1e-5)
    with pytest.raises(ValueError, match="film_thickness_um"):
        calibrate(series)


def test_read_dose_series(tmp_path):
    f = tmp_path / "s.csv"
    f.write_text("# measured\ndwell_ms,top_diameter_um\n10,12\n20,15\n40,18\n")
    s = read_dose_series(f, power_uW=500.0)
    np.testing.assert_allclose(s.energy_uJ, [5.0, 10.0, 20.0])
    with pytest.raises(ValueError, match="power_uW"):
        read_dose_series(f)
    f.write_text("energy_uJ,diameter\n1,2\n")
    with pytest.raises(ValueError, match="top_diameter_um"):
        read_dose_series(f)
    with pytest.raises(ValueError, match="at least 3"):
        DoseSeries(energy_uJ=np.array([1.0, 2.0]), top_diameter_um=np.array([1.0, 2.0]))
