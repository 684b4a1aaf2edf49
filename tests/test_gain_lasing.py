"""gain.lasing.predict_lasing: one disk's prediction, and the reason when it does not lase."""

from __future__ import annotations

import math

import numpy as np
import pytest
from pydantic import ValidationError

from gain import NanocrystalFilm, PumpSettings, get_preset, predict_lasing
from gain.lasing import max_normalized_gain, total_Q
from gain.modetable import ModeTable
from gain.spectra import gain_coefficients, normalized_gain
from gain.threshold import mode_thresholds

FILM = NanocrystalFilm(preset="QS3", volume_fraction=0.35, thickness_nm=80.0,
                       refractive_index=1.8)


def table(Q=2e4, gamma=0.15, lam=(636.0, 642.0, 648.0, 654.0)) -> ModeTable:
    return ModeTable.from_records(
        [{"m": 100 + i, "wavelength_nm": w, "Q": Q, "film_fraction": gamma,
          "effective_index": 1.47, "polarization": "TE"} for i, w in enumerate(lam)])


def test_total_Q_combines_and_unresolved_keeps_intrinsic() -> None:
    assert total_Q(2e4, 2e4) == pytest.approx(1e4)
    assert total_Q(math.inf, 2e4) == 2e4 and total_Q(None, 2e4) == 2e4
    assert math.isnan(total_Q(math.nan, None)) and total_Q(5e3, None) == 5e3


def test_lasing_mode_is_the_lowest_threshold_with_the_film_index() -> None:
    t = table()
    pred = predict_lasing(t, FILM, PumpSettings(), intrinsic_Q=None)
    th = mode_thresholds(FILM.resolved_material, FILM.concentration_per_cm3, t.wavelength_nm,
                         t.Q, t.film_fraction, loss_index=1.8).N_threshold
    assert pred.lases and pred.mode_index == int(np.argmin(th))
    assert pred.threshold_N == pytest.approx(th.min(), rel=1e-12)
    assert pred.threshold_fluence_uJ_per_cm2 == pytest.approx(float(
        PumpSettings().fluence_uJ_per_cm2_from_N(th.min(), FILM.resolved_material)))
    # a higher film index raises the loss: no effective index stands in for it
    dense = FILM.model_copy(update={"refractive_index": 2.2})
    assert predict_lasing(t, dense, PumpSettings(), intrinsic_Q=None).threshold_N > \
        pred.threshold_N


def test_max_normalized_gain_is_the_supremum_over_N() -> None:
    m = get_preset("QS3")
    lam = np.linspace(600.0, 680.0, 41)
    brute = normalized_gain(m, lam[:, None], np.geomspace(1e-4, 60.0, 20001)[None, :])
    got = max_normalized_gain(gain_coefficients(m, lam))
    assert np.allclose(got, brute.max(axis=1), atol=1e-6)


def test_no_lasing_reasons() -> None:
    pump = PumpSettings()
    assert predict_lasing([], FILM, pump, intrinsic_Q=2e4).reason == "no modes in the table"
    unresolved = predict_lasing(table(Q=math.inf), FILM, pump, intrinsic_Q=None)
    assert not unresolved.lases and "no mode has a known loss" in unresolved.reason
    lossy = predict_lasing(table(Q=50.0), FILM, pump, intrinsic_Q=None)
    assert not lossy.lases and lossy.mode_index is None
    assert lossy.reason.startswith("the gain never exceeds the loss at any N")
    assert np.all(lossy.mode_max_gain_ratio < 1.0)
    weak = PumpSettings(max_fluence_uJ_per_cm2=0.5)
    far = predict_lasing(table(), FILM, weak, intrinsic_Q=None)
    assert not far.lases and far.reason.startswith("needs more fluence than the pump gives")
    assert far.threshold_fluence_uJ_per_cm2 > 0.5 and far.N_reach < far.threshold_N
    assert far.mode_index is not None  # which mode it would be is still said


def test_competing_modes_within_the_fraction() -> None:
    t = table(lam=(643.0, 643.2, 660.0))
    pred = predict_lasing(t, FILM, PumpSettings(), intrinsic_Q=None, competing_within=0.05)
    assert [c.index for c in pred.competing] == [1 - pred.mode_index]
    assert all(1.0 <= c.threshold_ratio <= 1.05 for c in pred.competing)
    with pytest.raises(ValueError, match="competing_within"):
        predict_lasing(t, FILM, PumpSettings(), intrinsic_Q=None, competing_within=2.0)


def test_film_volume_fraction_sets_concentration_and_close_packing_bounds_it() -> None:
    m = get_preset("QS3")
    assert FILM.concentration_per_cm3 == pytest.approx(0.35 / (m.particle_volume_nm3 * 1e-21))
    assert FILM.particle_volume_fraction == pytest.approx(0.35)
    with pytest.raises(ValidationError, match="random close packing"):
        NanocrystalFilm(preset="QS3", concentration_per_cm3=2e18)
    with pytest.raises(ValidationError, match="volume_fraction"):
        NanocrystalFilm(preset="QS3", volume_fraction=0.9)
    with pytest.raises(ValidationError, match="disagree"):
        NanocrystalFilm(preset="QS3", volume_fraction=0.35, concentration_per_cm3=1e17)
    again = NanocrystalFilm.model_validate(FILM.model_dump())  # the dump validates again
    assert again == FILM


def test_preset_cross_sections_follow_cdse_volume() -> None:
    # sigma_pump / V_CdSe is the same 532 nm absorption for every CdSe-based preset, and the
    # band-edge peak times the FWHM is the same oscillator strength per CdSe volume
    from gain.materials import CDSE_ABSORPTION_532_PER_CM, QS3_RADII_NM, shell_volume_nm3

    qs3 = get_preset("QS3")
    v_cdse = shell_volume_nm3(*QS3_RADII_NM[:2]) * 1e-21
    assert qs3.sigma_pump_cm2 == pytest.approx(v_cdse * CDSE_ABSORPTION_532_PER_CM)
    qd = get_preset("QD")
    assert qd.sigma0_peak_cm2 / qd.particle_volume_nm3 < qs3.sigma0_peak_cm2 / \
        qs3.particle_volume_nm3  # paper p. 8: QDs have the lower sigma_0
