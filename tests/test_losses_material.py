"""Bulk absorption (Q_material): first-order perturbation with the electric-energy fraction of
each material, against a finite-element solve with the complex indices."""

from __future__ import annotations

import math

import pytest

from geometry.bodies import Coating, Sphere, Surroundings
from solvers.losses import LossSettings, loss_budget
from solvers.losses.material import material_inverse_q
from solvers.materials import MaterialError, extinction_coefficient, permittivity

# sphere of 3 um, n = 1.6, 30 nm film of n = 1.8, resting on glass-like n = 1.5, m = 35
# (radiation Q ~ 3e6, so the lossless field is nearly real and E.E ~ |E|^2)
R_UM, M = 3.0, 35
N_BODY, N_FILM, N_SUB = 1.6, 1.8, 1.5
K_BODY, K_FILM, K_SUB = 2e-4, 5e-4, 1e-4


def _body(nb: complex, nf: complex, ns: complex) -> Sphere:
    # model_construct: the specs only take real indices; the solver takes complex ones
    return Sphere.model_construct(
        radius_um=R_UM, index=nb, center_z_um=None,
        surroundings=Surroundings.model_construct(
            coating=Coating.model_construct(thickness_um=0.03, index=nf),
            substrate=(), substrate_halfspace=ns, environment_index=1.0,
        ),
    )


def test_material_inverse_q_is_the_energy_weighted_loss_tangent() -> None:
    got = material_inverse_q({"a": 3.0, "b": 1.0, "c": 4.0}, {"a": 2.25, "b": 4.0, "c": 1.0},
                             {"a": 0.01, "b": 0.02})
    assert got["a"] == pytest.approx(3 / 8 * 0.01 / 2.25, rel=1e-14)
    assert got["b"] == pytest.approx(1 / 8 * 0.02 / 4.0, rel=1e-14)
    assert "c" not in got
    with pytest.raises(ValueError, match="no electric energy"):
        material_inverse_q({"a": 0.0}, {"a": 2.0}, {"a": 0.1})


def test_extinction_data_follow_their_sources() -> None:
    lam = 630.0
    # 1 dB/cm (SU8, assumption): alpha = ln(10)/10 /cm, k = alpha lambda / (4 pi)
    assert extinction_coefficient("SU8", lam) == pytest.approx(
        math.log(10) / 10 * 630e-7 / (4 * math.pi), rel=1e-12)
    # N-BK7, tau_i(10 mm) = 0.998
    assert extinction_coefficient("glass", lam) == pytest.approx(
        -math.log(0.998) * 630e-7 / (4 * math.pi), rel=1e-12)
    assert extinction_coefficient("air", lam) == 0.0
    assert extinction_coefficient(1.5, lam) == 0.0
    # metals: the k of their permittivity (Johnson & Christy gold: eps = -11.55 + 1.28i)
    eps_au = complex(permittivity("Au", lam))
    assert extinction_coefficient("Au", lam) == pytest.approx(
        (eps_au**0.5).imag, rel=1e-12)
    assert complex(permittivity("ligand", lam)) == pytest.approx(1.459**2)
    with pytest.raises(MaterialError, match="ligand"):
        extinction_coefficient("ligand", 300.0)


@pytest.mark.slow
def test_perturbation_matches_a_complex_index_solve_to_1e3() -> None:
    from solvers.fem import find_modes

    real_body = _body(N_BODY, N_FILM, N_SUB)
    real = find_modes(real_body, m=M, window_nm=None)
    lossy = find_modes(_body(complex(N_BODY, K_BODY), complex(N_FILM, K_FILM),
                             complex(N_SUB, K_SUB)), m=M, window_nm=None)
    settings = LossSettings(extinction={"body": K_BODY, "film": K_FILM, "halfspace": K_SUB})
    pols = set()
    for rec in real:
        other = min(lossy, key=lambda o: abs(o.wavelength_nm - rec.wavelength_nm))
        assert other.polarization == rec.polarization
        budget = loss_budget(rec, real_body, settings)
        solved = 1.0 / other.Q - 1.0 / rec.Q  # same mesh: the radiation part cancels
        assert 1.0 / budget.Q_material == pytest.approx(solved, rel=1e-3)
        # the film holds a few per cent of the energy and has the larger loss tangent
        assert 0.0 < budget.material_by_region["film"] < budget.material_by_region["body"]
        pols.add(rec.polarization)
    assert pols == {"TE", "TM"}
