"""FEM solver on disks: the parabolic-wall trend on gold, the window scan, input checks."""

from __future__ import annotations

import itertools
import math

import pytest
from pydantic import ValidationError

from geometry.bodies import (
    Coating,
    Cylinder,
    Layer,
    ParabolicDisk,
    PolygonBody,
    Sphere,
    Surroundings,
)
from geometry.exposure import Absorber, ExposureProcess
from geometry.inverse import energy_for_top_diameter
from solvers import find_modes as find_modes_any
from solvers.energy import absorption_q, film_fraction, mode_volume
from solvers.fem import FemSettings, find_modes
from solvers.fem.estimate import m_range, wgm_wavelength_nm
from solvers.materials import refractive_index

GOLD_ON_GLASS = Surroundings(
    environment_index=1.0,
    substrate=(Layer(material="Au", thickness_um=0.1), Layer(material="Ti", thickness_um=0.005)),
    substrate_halfspace="glass",
    coating=Coating(thickness_um=0.03, index=1.8),
)


def thin_disk(concentration_mg_per_mL: float) -> ParabolicDisk:
    """A 1 um thick, 10 um top diameter disk on gold written with this absorber concentration
    (example-spec beam and threshold; the dose is solved for the top diameter)."""
    process = ExposureProcess(
        film_thickness_um=1.0,
        absorber=Absorber(concentration_mg_per_mL=concentration_mg_per_mL,
                          absorptivity_405_mL_per_mg_per_cm=5.0),
        resin_absorption_per_um=0.01, waist_um=10.0, threshold_dose_mJ_per_cm2=2150.0,
        power_uW=500.0,
    )
    profile = process.profile(energy_for_top_diameter(process, 10.0))
    return ParabolicDisk(profile=profile, surroundings=GOLD_ON_GLASS)


def tm_fundamental(body: ParabolicDisk, m: int = 70):
    recs = find_modes(body, m=m, window_nm=(540.0, 680.0), polarizations=("TM",))
    fund = [r for r in recs if r.radial_order == 1 and r.axial_order == 0]
    assert fund, [(r.polarization, r.radial_order, r.axial_order, r.wavelength_nm) for r in recs]
    return max(fund, key=lambda r: r.Q)


@pytest.mark.slow
def test_thin_disk_on_gold_q_rises_when_the_foot_narrows() -> None:
    wide, narrow = thin_disk(0.0), thin_disk(120.0)
    assert wide.profile.top_diameter_um == pytest.approx(narrow.profile.top_diameter_um)
    assert wide.profile.foot_radius_um > narrow.profile.foot_radius_um + 2.0
    q_wide, q_narrow = tm_fundamental(wide), tm_fundamental(narrow)
    # vertical-ish walls: the rim sits on the gold and the mode is absorption-limited
    assert q_wide.Q_absorption == pytest.approx(q_wide.Q, rel=0.1)  # energy-balance estimate
    assert q_wide.Q < 1e4
    # parabolic walls lift the rim off the gold: orders of magnitude higher Q
    assert q_narrow.Q > 100.0 * q_wide.Q
    assert 0.0 < q_wide.film_fraction < 0.2 and 0.0 < q_narrow.film_fraction < 0.2


@pytest.mark.slow
def test_gold_bottom_cut_leaves_the_absorption_q_of_a_disk_on_gold() -> None:
    # the default domain ends at the bottom of the 100 nm gold (perfect conductor below:
    # FemSettings.metal_cut_decay_lengths); the uncut one meshes the 5 nm Ti, the glass and a
    # PML below. A 1 um thick disk whose rim sits on the gold: Q ~ 3e3, absorption-limited
    from solvers.fem.mesh import build_domain

    body = thin_disk(0.0)
    uncut_settings = FemSettings(metal_cut_decay_lengths=50.0)
    cut_dom = build_domain(body, 630.0, FemSettings(), m_min=70)
    full_dom = build_domain(body, 630.0, uncut_settings, m_min=70)
    assert cut_dom.metal_cut and set(cut_dom.materials) == {"body", "film", "layer0", "env"}
    assert not full_dom.metal_cut
    assert full_dom.materials["layer1"] == "Ti" and full_dom.materials["halfspace"] == "glass"
    cut = tm_fundamental(body)
    full = find_modes(body, m=70, window_nm=(540.0, 680.0), polarizations=("TM",),
                      settings=uncut_settings)
    full = max((r for r in full if (r.radial_order, r.axial_order) == (1, 0)), key=lambda r: r.Q)
    assert cut.Q < 1e4 and cut.Q_absorption < 2.0 * cut.Q  # absorption-limited
    # measured: wavelength 5e-6, Q_absorption 1.7 %, Q 2.7 % (both lower with the cut);
    # 6 s in all (the uncut mesh has 4.0e4 unknowns since the Ti strip is no longer meshed
    # at its 5 nm thickness)
    assert abs(cut.wavelength_nm - full.wavelength_nm) / full.wavelength_nm < 2e-5
    assert abs(cut.Q_absorption - full.Q_absorption) / full.Q_absorption < 0.03
    assert abs(cut.Q - full.Q) / full.Q < 0.04


@pytest.mark.slow
def test_thin_disk_q_trend_versus_absorber_concentration() -> None:
    concs = (0.0, 20.0, 40.0, 120.0)
    qs = [tm_fundamental(thin_disk(c)).Q for c in concs]
    assert all(a < b for a, b in itertools.pairwise(qs)), qs


@pytest.mark.slow
def test_window_scan_finds_consecutive_m_for_each_family_and_agrees_with_fixed_m() -> None:
    body = Sphere(radius_um=2.0, index=1.6)
    window = (640.0, 720.0)
    recs = find_modes(body, m=None, window_nm=window)
    assert recs, "no mode found"
    assert all(window[0] <= r.wavelength_nm <= window[1] for r in recs)
    assert [r.wavelength_nm for r in recs] == sorted(r.wavelength_nm for r in recs)
    for pol in ("TE", "TM"):
        fam = sorted((r for r in recs if r.polarization == pol), key=lambda r: r.m)
        assert len(fam) >= 2
        assert all(r.radial_order == 1 and r.axial_order == 0 for r in fam)
        ms = [r.m for r in fam]
        assert ms == list(range(ms[0], ms[0] + len(ms)))  # no gap in m
        # wavelength falls as m rises, by about one free spectral range
        lams = [r.wavelength_nm for r in fam]
        assert all(a > b for a, b in itertools.pairwise(lams))
    one = recs[0]
    again = find_modes(body, m=one.m, window_nm=window, polarizations=(one.polarization,))
    same = [r for r in again if (r.radial_order, r.axial_order) == (1, 0)]
    assert abs(same[0].wavelength_nm - one.wavelength_nm) / one.wavelength_nm < 1e-6
    # the dispatcher reaches the same solver
    via = find_modes_any(body, m=one.m, window_nm=window, solver="fem",
                         polarizations=(one.polarization,))
    assert via[0].wavelength_nm == pytest.approx(same[0].wavelength_nm, rel=1e-9)


def test_estimate_brackets_the_exact_modes() -> None:
    # Airy asymptotics within 1 % of the solved sphere modes, and m_range covers them
    assert wgm_wavelength_nm(20, 2.0, 1.6, 1.0, "TE") == pytest.approx(821.84, rel=0.01)
    ms = m_range((640.0, 720.0), 2.0, 1.6, 1.0, ("TE", "TM"), 1)
    assert 23 in ms and 24 in ms


@pytest.mark.slow
def test_dispersive_su8_mode_equals_constant_index_solve_at_its_own_wavelength() -> None:
    # a dispersive body's mode must sit where a non-dispersive body with the SU8 index at that
    # mode's own wavelength has its mode. The solver evaluates eps at the shift (here ~3 nm
    # away, an index error of ~2e-4) and corrects by perturbation theory: without the
    # correction the two would differ by ~1e-4; measured 4e-8 (the meshes differ slightly)
    m = 40
    disp = find_modes(Cylinder(radius_um=3.0, height_um=1.0, index="SU8"), m=m,
                      window_nm=(560.0, 700.0), polarizations=("TE",))
    d = next(r for r in disp if (r.radial_order, r.axial_order) == (1, 0))
    n_own = complex(refractive_index("SU8", d.wavelength_nm)).real
    const = find_modes(Cylinder(radius_um=3.0, height_um=1.0, index=n_own), m=m,
                       window_nm=(560.0, 700.0), polarizations=("TE",))
    c = next(r for r in const if (r.radial_order, r.axial_order) == (1, 0))
    assert abs(d.wavelength_nm - c.wavelength_nm) / c.wavelength_nm < 1e-6
    assert abs(d.Q - c.Q) / c.Q < 0.01


@pytest.mark.slow
def test_polygon_body_equals_the_same_cylinder() -> None:
    cyl = Cylinder(radius_um=3.0, height_um=2.0, index=1.6)
    poly = PolygonBody(points_rz=((0.0, 0.0), (3.0, 0.0), (3.0, 2.0), (0.0, 2.0)), index=1.6)
    a = find_modes(cyl, m=30, window_nm=None)
    b = find_modes(poly, m=30, window_nm=None)
    assert a and len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        assert x.wavelength_nm == pytest.approx(y.wavelength_nm, rel=1e-9)


def test_settings_and_inputs_are_validated() -> None:
    with pytest.raises(ValidationError):
        FemSettings(order=0)
    with pytest.raises(ValidationError):
        FemSettings(h_medium=5.0)
    with pytest.raises(ValidationError):
        FemSettings(unknown_field=1)
    body = Sphere(radius_um=2.0, index=1.6)
    with pytest.raises(ValueError, match="m = 0"):
        find_modes(body, m=0)
    with pytest.raises(ValueError, match="window_nm"):
        find_modes(body, window_nm=(700.0, 600.0))
    with pytest.raises(ValueError, match="polarizations"):
        find_modes(body, m=20, polarizations=("TX",))


def test_energy_definitions() -> None:
    import numpy as np

    eps = np.array([2.5, 3.24, 1.0, -11.5 + 1.3j])
    e2 = np.array([1.0, 1.0, 1.0, 1.0])
    w = np.ones(4)
    # dielectrics weigh eps', metals 2 - eps' (lossless Drude energy)
    ff = film_fraction(eps, e2, w, np.array([False, True, False, False]))
    assert ff == pytest.approx(3.24 / (2.5 + 3.24 + 1.0 + 13.5))
    assert mode_volume(eps, e2, w) == pytest.approx((2.5 + 3.24 + 1.0 + 13.5) / 13.5)
    assert absorption_q(eps[:3], e2[:3], w[:3]) == math.inf
    assert absorption_q(eps, e2, w) == pytest.approx((2.5 + 3.24 + 1.0 + 13.5) / 1.3)


def test_dedupe_keeps_te_and_tm_of_one_m_at_the_same_wavelength() -> None:
    from solvers.fem.solver import _dedupe
    from solvers.modes import ModeRecord

    def rec(pol: str, lam: float, m: int = 150) -> ModeRecord:
        return ModeRecord(m=m, wavelength_nm=lam, Q=1e4, polarization=pol, radial_order=1,
                          axial_order=0, film_fraction=0.01, effective_index=1.4, solver="fem")

    lam = 630.0
    recs = [rec("TE", lam), rec("TM", lam * (1 + 2e-8)), rec("TE", lam * (1 + 5e-8)),
            rec("TE", lam, m=151), rec("TE", lam * (1 + 1e-6))]
    out = _dedupe(recs)
    # the TE repeat (5e-8 away, same m) goes; the TM mode, the other m and the TE mode 1e-6
    # away stay
    keys = sorted((r.m, r.polarization, round((r.wavelength_nm / lam - 1) * 1e8)) for r in out)
    assert keys == [(150, "TE", 0), (150, "TE", 100), (150, "TM", 2), (151, "TE", 0)]
    assert [r.wavelength_nm for r in out] == sorted(r.wavelength_nm for r in out)
