"""The loss budget: channels add as 1/Q, each from its own data, and the rougher interface
decides between a TE and a TM mode of one disk."""

from __future__ import annotations

import math
from dataclasses import replace
from functools import lru_cache
from types import SimpleNamespace

import numpy as np
import pytest

from geometry.bodies import Coating, Cylinder, Surroundings
from solvers.losses import CHANNELS, LossSettings, SurfaceRoughness, loss_budget
from solvers.losses.interfaces import InterfaceField, InterfacePoints
from solvers.materials import extinction_coefficient, refractive_index
from solvers.modes import ModeRecord

LAM = 640.0


def _fields() -> SimpleNamespace:
    pts = InterfacePoints(np.array([2.0]), np.array([0.5]), np.array([1.0]), np.array([0.0]),
                          np.array([0.1]))
    wall = InterfaceField(pts, np.array([0.3]), np.array([0.1]), np.array([2.5]),
                          np.array([3.24]))
    return SimpleNamespace(
        region_energy={"body": 8.0, "film": 1.0, "env": 0.5, "layer0": 0.5},
        region_material={"body": "SU8", "film": 1.8, "env": 1.0, "layer0": "Au"},
        interfaces={"wall": wall},
    )


def _mode(**kw) -> ModeRecord:
    base = dict(m=50, wavelength_nm=LAM, Q=1e6, polarization="TE", radial_order=1,
                axial_order=0, film_fraction=0.1, effective_index=1.5, solver="fem",
                Q_radiation=2e6, Q_absorption=2e6)
    base.update(kw)
    return ModeRecord(**base, field_rz=_fields())


def _body(coated: bool = True) -> Cylinder:
    sur = Surroundings(coating=Coating(thickness_um=0.03, index=1.8)) if coated \
        else Surroundings()
    return Cylinder(radius_um=2.0, height_um=1.0, index="SU8", surroundings=sur)


def test_channels_add_as_inverse_q_and_each_follows_its_data() -> None:
    rough = SurfaceRoughness(rms_nm=2.0, correlation_nm=40.0)
    b = loss_budget(_mode(), _body(), LossSettings(roughness={"wall": rough}, Q_other=5e5))
    inv = b.inverse_q()
    assert set(inv) == set(CHANNELS)
    assert list(b.columns()) == [*CHANNELS, "Q_total"]
    assert 1.0 / b.Q_total == pytest.approx(sum(inv.values()), rel=1e-14)
    assert b.Q_radiation == 2e6 and b.Q_metal == 2e6 and b.Q_other == 5e5
    # material: SU8 body 8/10 of the energy with its data k; the film's host (ligand), (1 - f)
    # of it, in 1/10; gold is the solver's (Q_metal), air does not absorb
    n_su8 = complex(refractive_index("SU8", LAM)).real
    body = 0.8 * 2 * n_su8 * extinction_coefficient("SU8", LAM) / n_su8**2
    film = 0.1 * 0.8 * 2 * 1.459 * extinction_coefficient("ligand", LAM) / 1.8**2
    assert b.material_by_region["body"] == pytest.approx(body, rel=1e-12)
    assert b.material_by_region["film"] == pytest.approx(film, rel=1e-12)
    assert set(b.material_by_region) == {"body", "film"}
    assert 1.0 / b.Q_material == pytest.approx(body + film, rel=1e-12)
    # roughness only on the interface given; film scattering needs a coating
    assert set(b.roughness_by_interface) == {"wall"}
    assert math.isfinite(b.Q_film_scattering)
    bare = loss_budget(_mode(), _body(coated=False), LossSettings())
    assert bare.Q_film_scattering == math.inf and bare.Q_roughness == math.inf
    assert bare.Q_other == math.inf


def test_switches_and_overrides() -> None:
    off = loss_budget(_mode(), _body(), LossSettings(material_absorption=False))
    assert off.Q_material == math.inf and off.material_by_region == {}
    # an override of the body's k by region name, or by material name
    k = 1e-5
    by_region = loss_budget(_mode(), _body(), LossSettings(extinction={"body": k}))
    by_name = loss_budget(_mode(), _body(), LossSettings(extinction={"SU8": k}))
    assert by_region.material_by_region["body"] == pytest.approx(
        by_name.material_by_region["body"], rel=1e-14)
    n = complex(refractive_index("SU8", LAM)).real
    assert by_region.material_by_region["body"] == pytest.approx(0.8 * 2 * k / n, rel=1e-12)
    # a solver Q that is not resolved (inf) is no loss in that channel
    unresolved = loss_budget(_mode(Q=math.inf, Q_radiation=math.inf, Q_absorption=math.inf),
                             _body(), LossSettings(film={"scattering": False},
                                                   material_absorption=False))
    assert unresolved.Q_total == math.inf


def test_a_mode_without_fem_fields_is_refused_in_one_line() -> None:
    rec = replace(_mode(), field_rz=None)
    with pytest.raises(ValueError, match="FEM solver"):
        loss_budget(rec, _body())


# --- slow: a real disk ----------------------------------------------------------------------


@lru_cache(maxsize=1)
def disk_pair() -> tuple[Cylinder, ModeRecord, ModeRecord]:
    """TE and TM fundamentals of one m of a 6 um SU8-like cylinder (radiation Q ~ 2e7)."""
    from solvers.fem import find_modes

    body = Cylinder(radius_um=3.0, height_um=1.0, index=1.6)
    recs = {r.polarization: r for r in find_modes(body, m=40, window_nm=None)
            if r.radial_order == 1 and r.axial_order == 0}
    return body, recs["TE"], recs["TM"]


@pytest.mark.slow
def test_the_rougher_interface_decides_between_te_and_tm() -> None:
    """Two modes of one disk with equal gain lase in the order of their Q_total. The loss of a
    rough face follows how strongly the mode's field meets it: both WGMs meet the side wall
    alike (their frequencies move alike with the radius), but the TE mode's E_z is normal to
    the top face and meets it more. With a rough wall TE keeps the higher Q; roughening the
    top hands it to TM, and the budget changes only in the top's channel."""
    body, te, tm = disk_pair()
    wall = SurfaceRoughness(rms_nm=1.0, correlation_nm=50.0)

    def q(rec: ModeRecord, top_rms_nm: float | None) -> tuple[float, dict[str, float]]:
        rough = {"wall": wall}
        if top_rms_nm is not None:
            rough["top"] = SurfaceRoughness(rms_nm=top_rms_nm, correlation_nm=50.0)
        b = loss_budget(rec, body, LossSettings(roughness=rough))
        return b.Q_total, b.roughness_by_interface

    q_te, r_te = q(te, None)
    q_tm, r_tm = q(tm, None)
    assert q_te > q_tm
    # the wall scatters both modes within a few per cent; the top weighs TE more
    assert r_te["wall"] == pytest.approx(r_tm["wall"], rel=0.05)
    q_te3, r_te3 = q(te, 3.0)
    q_tm3, r_tm3 = q(tm, 3.0)
    assert q_tm3 > q_te3
    assert r_te3["top"] > 1.2 * r_tm3["top"]
    assert r_te3["wall"] == r_te["wall"]


@pytest.mark.slow
def test_disk_interface_fields_obey_the_scaling_identity() -> None:
    """A body in vacuum scaled by s has its wavelengths scaled by s, and the shifted-boundary
    formula (Johnson et al., Phys. Rev. E 65, 066611 (2002)) turns that into an identity on the
    fields the roughness channel uses: the integral over the surface of
    (x . n) (eps_in - eps_out) (|E_t|^2 + eps_in/eps_out |E_n,in|^2) equals twice the electric
    energy W. On the cylinder it checks the interface fields on the wall, the top, the bottom
    and at the corners, TE and TM."""
    _, te, tm = disk_pair()
    for rec in (te, tm):
        f = rec.field_rz
        total = 0.0
        for iface in f.interfaces.values():
            p = iface.points
            x_dot_n = p.r_um * p.normal_r + p.z_um * p.normal_z
            dens = (iface.eps_in - iface.eps_out) * (
                iface.e_tan2 + iface.eps_in / iface.eps_out * iface.e_norm_in2)
            total += float(np.sum(x_dot_n * dens * p.area_weights_um2))
        assert total == pytest.approx(2.0 * sum(f.region_energy.values()), rel=3e-3)
