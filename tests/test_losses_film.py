"""Rayleigh scattering of the nanocrystal film (Q_film_scattering) against a hand calculation,
and the loss settings' validation."""

from __future__ import annotations

import math

import pytest
from pydantic import ValidationError

from solvers.losses import FilmComposition, LossSettings, SurfaceRoughness
from solvers.losses.film import (
    film_attenuation_per_um,
    film_scattering_inverse_q,
    percus_yevick_s0,
)


def test_film_scattering_q_matches_a_hand_calculation() -> None:
    # 5 nm radius, n_p = 2.5 in a host of 1.5, f = 0.3, lambda = 640 nm, film n_f = 1.8,
    # Gamma = 0.02. By hand (lengths in um):
    #   k_h = 2 pi 1.5 / 0.64 = 14.7262 /um;  (m^2 - 1)/(m^2 + 2) = 1.77778/4.77778 = 0.372093
    #   sigma_s = (8 pi/3) k_h^4 a^6 0.372093^2 = 8.5233e-10 um^2
    #   N = 0.3 / (4/3 pi 0.005^3) = 5.7296e5 /um^3;  S(0) = 0.7^4 / 1.6^2 = 0.0937891
    #   alpha = N sigma_s S(0) = 4.5802e-5 /um
    #   1/Q = 0.02 alpha 0.64 / (2 pi 1.8) = 5.1837e-8  ->  Q = 1.9291e7
    assert percus_yevick_s0(0.3) == pytest.approx(0.0937890625, rel=1e-12)
    alpha = film_attenuation_per_um(640.0, 5.0, 0.3, 2.5, 1.5)
    assert alpha == pytest.approx(4.5802e-5, rel=1e-4)
    inv_q = film_scattering_inverse_q(0.02, 640.0, 1.8, 5.0, 0.3, 2.5, 1.5)
    assert 1.0 / inv_q == pytest.approx(1.9291e7, rel=1e-4)


def test_film_scattering_scalings() -> None:
    base = film_scattering_inverse_q(0.02, 640.0, 1.8, 5.0, 0.1, 2.5, 1.5)
    # linear in the film fraction, a^3 at fixed volume fraction, lambda^-3 (k^4 times lambda)
    assert film_scattering_inverse_q(0.04, 640.0, 1.8, 5.0, 0.1, 2.5, 1.5) == pytest.approx(
        2 * base, rel=1e-12)
    assert film_scattering_inverse_q(0.02, 640.0, 1.8, 10.0, 0.1, 2.5, 1.5) == pytest.approx(
        8 * base, rel=1e-12)
    assert film_scattering_inverse_q(0.02, 320.0, 1.8, 5.0, 0.1, 2.5, 1.5) == pytest.approx(
        8 * base, rel=1e-12)
    # index matched particles do not scatter
    assert film_scattering_inverse_q(0.02, 640.0, 1.8, 5.0, 0.1, 1.5, 1.5) == 0.0
    # dense packing suppresses scattering: past f ~ 0.13 adding particles scatters less
    a = [film_attenuation_per_um(640.0, 5.0, f, 2.5, 1.5) for f in (0.05, 0.13, 0.4, 0.6)]
    assert a[0] < a[1] and a[1] > a[2] > a[3]
    assert percus_yevick_s0(0.0) == 1.0


def test_loss_settings_are_validated_with_field_names() -> None:
    s = LossSettings()
    assert s.material_absorption and s.roughness == {} and s.Q_other is None
    with pytest.raises(ValidationError, match="rms_nm"):
        SurfaceRoughness(rms_nm=-1.0, correlation_nm=20.0)
    with pytest.raises(ValidationError, match="not an interface"):
        LossSettings(roughness={"side": {"rms_nm": 1.0, "correlation_nm": 10.0}})
    with pytest.raises(ValidationError, match="volume_fraction"):
        FilmComposition(volume_fraction=0.9)
    with pytest.raises(ValidationError, match="unknown name"):
        FilmComposition(host_material="unobtainium")
    with pytest.raises(ValidationError, match="extinction"):
        LossSettings(extinction={"body": -1e-4})
    with pytest.raises(ValidationError, match="Q_other"):
        LossSettings(Q_other=0.0)
    with pytest.raises(ValidationError):
        s.Q_other = 5.0  # frozen
    assert LossSettings(extinction={"SU8": 1e-6}).extinction == {"su8": 1e-6}
    assert math.isclose(FilmComposition().volume_fraction, 0.2)
