"""Which polarization a rough face of the example disk scatters more (solvers.losses.roughness).

The 10 um disk of examples/qs3_array.yaml (parabolic SU8 wall, 5 um tall, on gold), bare and
under the example's 80 nm n = 1.8 nanocrystal film; TE = E_z (along the wall, normal to the
top), TM = E_r (normal to the wall, along the top), solvers/modes.py.

In the Rayleigh limit an interface's (eps_in - eps_out) S is twice the electric energy times
d ln(lambda) / dh, h a uniform outward shift of that interface (the shifted-boundary formula of
Johnson et al., Phys. Rev. E 65, 066611 (2002)): a face scatters a mode as strongly as moving
the face moves the mode's wavelength.

- Bare: both fundamentals sit in the same corner of the disk and their wavelengths follow the
  faces alike, so wall and top scatter TE and TM within a few per cent (as on a sphere, where
  they are equal). The normal field's eps_in/eps_out weight does not make TM scatter more from
  the wall: a mode's normal field just inside is itself eps_out/eps_in smaller.
- Coated: "wall" and "top" are the buried SU8/film interfaces. Across the thin film E_t and D_n
  carry over; a buried interface weighs the tangential field by (eps_f - eps_s)^2 and the
  normal one by (eps_f - eps_s)^2 / (eps_s eps_f): against the tangential field, the normal
  one counts eps_f (3.24) times less than on the bare surface; and a high-index film holds a
  field along it (eps_f |E_t|^2) more than one across it (|D_n|^2 / eps_f). The polarization
  whose field lies along a face scatters more from it: TE from the wall, TM from the top.
"""

from __future__ import annotations

import math
from functools import lru_cache

import pytest

from geometry.bodies import Coating
from solvers.fem import FemSettings
from solvers.losses import LossSettings, SurfaceRoughness, loss_budget
from solvers.losses.roughness import surface_integral
from tests.conftest import EXAMPLE_SPEC

# benchmarks/bench_fem_speed.py FAST_SETTINGS: 6e-7 in wavelength on the 20 um example disk;
# ratios between polarizations need far less
FAST = FemSettings(
    h_medium=1.4, h_rim=0.7, h_film=8.0, grading=0.7, layer_h_thicknesses=3.0,
    truncation_decay=10.0, metal_h_decay_lengths=12.0, caustic_max_wavelengths=1.5,
    margin_wavelengths=0.7, pml_wavelengths=0.7,
)
M = 70  # the 10 um disk's fundamentals near 630-640 nm, bare and coated


def _bodies():
    from paradisk.spec import load_spec

    coated = load_spec(EXAMPLE_SPEC).unique_disks()[0].body
    assert coated.rim_radius_um == pytest.approx(5.0, rel=1e-3)
    bare = coated.model_copy(update={
        "surroundings": coated.surroundings.model_copy(update={"coating": None})})
    return bare, coated


def _fundamentals(body):
    from solvers.fem import find_modes

    recs = find_modes(body, m=M, window_nm=(600.0, 680.0), settings=FAST)
    return {r.polarization: r for r in recs if r.radial_order == 1 and r.axial_order == 0}


@lru_cache(maxsize=1)
def _solved():
    bare, coated = _bodies()
    return (bare, _fundamentals(bare)), (coated, _fundamentals(coated))


def _per_interface(body, modes, spectrum: str) -> dict[str, dict[str, float]]:
    rough = SurfaceRoughness(rms_nm=10.0, correlation_nm=100.0, spectrum=spectrum)
    losses = LossSettings(roughness={k: rough for k in ("wall", "top", "film")},
                          material_absorption=False)
    return {p: loss_budget(r, body, losses).roughness_by_interface for p, r in modes.items()}


@pytest.mark.slow
@pytest.mark.parametrize("spectrum", ["rayleigh", "gaussian"])
def test_bare_disk_faces_scatter_te_and_tm_alike_and_the_film_turns_them_apart(
    spectrum: str,
) -> None:
    """Measured (FAST settings, m = 70, Rayleigh / Gaussian L = 100 nm), TE/TM of 1/Q: bare
    wall 0.98 / 1.03, top 0.98 / 0.97; coated wall 2.17 / 2.26, top 0.34 / 0.33 (TM/TE 2.9 /
    3.0); the coated wall scatters TE 0.81x as much as the bare wall. The example's 15-30 um
    disks: coated wall 2.5-2.8, top TM/TE 3.3-4.3; bare within 5 % of 1."""
    (bare, bare_modes), (coated, coated_modes) = _solved()
    assert set(bare_modes) == set(coated_modes) == {"TE", "TM"}
    b = _per_interface(bare, bare_modes, spectrum)
    for face in ("wall", "top"):
        assert b["TE"][face] / b["TM"][face] == pytest.approx(1.0, abs=0.1), face
    c = _per_interface(coated, coated_modes, spectrum)
    assert c["TE"]["wall"] > 1.8 * c["TM"]["wall"]
    assert c["TM"]["top"] > 2.2 * c["TE"]["top"]
    # the buried interfaces, for the polarization whose field lies along them, keep about the
    # loss of the bare face (the film draws the field to the surface, offsetting the smaller
    # (eps_f - eps_s)^2): the film does not simply screen the disk's roughness
    assert c["TE"]["wall"] == pytest.approx(b["TE"]["wall"], rel=0.3)


@pytest.mark.slow
def test_film_surface_scatters_each_mode_as_its_thickness_moves_the_wavelength() -> None:
    """The identity behind the ordering, on the coated disk: the film's outer surface,
    (eps_f - 1) S = 2 W d ln(lambda)/dt with t the film thickness (moving the outer surface
    out by dt thickens the film). Measured: 0.730 against 0.718 /um (TE), 0.636 against
    0.623 /um (TM), from two solves at t +- 2 nm."""
    from solvers.fem import find_modes

    _, (coated, modes) = _solved()
    coat = coated.surroundings.coating
    eps_f = coat.index**2
    dt = 0.002

    def with_thickness(t: float):
        sur = coated.surroundings.model_copy(
            update={"coating": Coating(thickness_um=t, index=coat.index)})
        return coated.model_copy(update={"surroundings": sur})

    ratio = {}
    for pol, rec in modes.items():
        lam = []
        for t in (coat.thickness_um - dt, coat.thickness_um + dt):
            recs = find_modes(with_thickness(t), m=M, window_nm=(600.0, 680.0),
                              polarizations=(pol,), settings=FAST)
            (one,) = [r for r in recs if r.radial_order == 1 and r.axial_order == 0]
            lam.append(one.wavelength_nm)
        dlnl_dt = (math.log(lam[1]) - math.log(lam[0])) / (2.0 * dt)
        f = rec.field_rz
        w = float(sum(f.region_energy.values()))
        s = surface_integral(f.interfaces["film"]) / (eps_f - 1.0)
        assert s / (2.0 * w) == pytest.approx(dlnl_dt, rel=0.05), pol
        ratio[pol] = dlnl_dt
    # TE's wavelength depends more on the film (its E_z lies along the wall's film)
    assert ratio["TE"] > 1.08 * ratio["TM"]
