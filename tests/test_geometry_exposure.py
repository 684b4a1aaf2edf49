"""Exposure model (paper Eq. 2) and the disk profile (Eq. 3 corrected, PHYSICS.md)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from pydantic import ValidationError
from scipy.integrate import trapezoid

from geometry import Absorber, DiskProfile, ExposureProcess, NotAnchoredError, NothingWrittenError


def test_boundary_is_the_threshold_isodose(process):
    """Every wall point of the profile receives exactly the threshold dose."""
    energy = 25.0
    prof = process.profile(energy)
    pts = prof.wall_points(200)
    dose = process.dose_map(pts[:, 0], pts[:, 1], energy)
    np.testing.assert_allclose(dose, process.threshold_dose_mJ_per_cm2, rtol=1e-12)


def test_printed_eq3_is_not_unit_invariant_but_the_corrected_form_is(process):
    """Erratum: the printed Eq. 3 adds ln(...) to a length; in nm its answer differs from um."""
    energy, r = 25.0, 6.0
    w0, a, z0 = process.waist_um, process.alpha_per_um, process.film_thickness_um
    log_term = math.log(process.threshold_energy_uJ() / energy)  # ln(W_cl pi w0^2 / 2 P0 tau)

    def corrected(scale: float) -> float:
        return (z0 * scale + (2 * (r * scale) ** 2 / (w0 * scale) ** 2 + log_term) / (a / scale))

    def printed(scale: float) -> float:
        return z0 * scale + 2 * (r * scale) ** 2 / ((a / scale) * (w0 * scale) ** 2) + log_term

    assert corrected(1e3) / 1e3 == pytest.approx(corrected(1.0), rel=1e-12)
    assert float(process.profile(energy).height_at(r)) == pytest.approx(corrected(1.0), rel=1e-12)
    assert abs(printed(1e3) / 1e3 - printed(1.0)) > 1e-3


def test_example_disk_numbers(process):
    """500 uW x 50 ms at the example's 20 mg/mL gives the 20 um disk the spec is built on."""
    prof = process.profile_for_dwell(50.0)
    assert process.alpha_per_um == pytest.approx(math.log(10) * 5 * 50 * 1e-4 + 0.01)
    assert prof.top_diameter_um == pytest.approx(20.0, rel=2e-3)
    assert prof.anchored and prof.foot_diameter_um < prof.top_diameter_um
    assert 70.0 < prof.wall_angle_deg < 90.0


def test_more_absorber_curves_the_walls(process):
    """Paper Fig. 2b: at one exposure, more absorber -> narrower foot and shallower wall."""
    feet, angles = [], []
    for conc in (10.0, 20.0, 40.0):
        p = process.model_copy(update={"absorber": process.absorber.model_copy(
            update={"concentration_mg_per_mL": conc})})
        prof = p.profile(25.0)
        feet.append(prof.foot_diameter_um)
        angles.append(prof.wall_angle_deg)
        assert prof.top_diameter_um == pytest.approx(process.profile(25.0).top_diameter_um)
    assert feet[0] > feet[1] > feet[2]
    assert angles[0] > angles[1] > angles[2]


def test_thresholds_and_errors(process):
    e_th, e_anchor = process.threshold_energy_uJ(), process.anchoring_energy_uJ()
    assert not process.profile(0.99 * e_th).written
    assert process.profile(1.01 * e_th).written and not process.profile(1.01 * e_th).anchored
    assert process.profile(1.01 * e_anchor).anchored
    with pytest.raises(NothingWrittenError):
        process.profile(0.5 * e_th).require_written()
    with pytest.raises(NotAnchoredError, match="substrate"):
        process.profile(0.99 * e_anchor).require_anchored()


def test_zero_absorption_gives_vertical_walls():
    prof = DiskProfile(waist_um=8.0, alpha_per_um=0.0, film_thickness_um=5.0, log_overdose=3.0)
    assert prof.foot_radius_um == pytest.approx(prof.top_radius_um)
    assert prof.wall_angle_deg == pytest.approx(90.0)


def test_polygon_is_valid_and_has_the_right_area(process):
    prof = process.profile(25.0)
    poly = prof.polygon(400)
    assert poly.is_valid
    # volume of revolution by Pappus is not needed: compare area with the integral of r(z)
    z = np.linspace(prof.bottom_z_um, prof.film_thickness_um, 20001)
    area = trapezoid(prof.radius_at(z), z)
    assert poly.area == pytest.approx(area, rel=1e-4)


@pytest.mark.parametrize(
    ("field", "value", "match"),
    [
        ("film_thickness_um", -1.0, "greater than 0"),
        ("waist_um", 0.0, "greater than 0"),
        ("power_uW", 2e6, "less than or equal"),
        ("threshold_dose_mJ_per_cm2", "x", "valid number"),
    ],
)
def test_process_validation(process, field, value, match):
    data = process.model_dump()
    data[field] = value
    with pytest.raises(ValidationError, match=match):
        ExposureProcess(**data)


def test_absorber_basis_and_unknown_fields():
    sol = Absorber(concentration_mg_per_mL=20, absorptivity_405_mL_per_mg_per_cm=5.0)
    film = Absorber(concentration_mg_per_mL=50, concentration_basis="film",
                    absorptivity_405_mL_per_mg_per_cm=5.0)
    assert sol.alpha_per_um == pytest.approx(film.alpha_per_um)
    assert sol.with_alpha(2 * sol.alpha_per_um).concentration_mg_per_mL == pytest.approx(40.0)
    with pytest.raises(ValidationError, match="Extra inputs"):
        Absorber(concentration_mg_per_mL=1, absorptivity_405_mL_per_mg_per_cm=1, colour="red")
