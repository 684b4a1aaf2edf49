"""The loss budget decides the lasing mode: mode tables carry Q_total, predict_lasing uses it,
and the budget of a stored mode table is the budget of the solve."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from gain import PRESETS, NanocrystalFilm, PumpSettings, predict_lasing
from gain.modetable import ModeTable, ModeTableError
from geometry.bodies import Coating, Cylinder, Surroundings
from solvers.losses import LossSettings, SurfaceRoughness
from solvers.losses.columns import COLUMNS, budget_columns
from solvers.losses.interfaces import InterfaceField, InterfacePoints
from solvers.losses.store import (
    LossFields,
    decode_mode_loss_fields,
    encode_mode_loss_fields,
)
from solvers.modes import ModeRecord

FILM = NanocrystalFilm(preset="QS3", volume_fraction=0.35, thickness_nm=80.0,
                       refractive_index=1.8)
LAM = PRESETS["QS3"].emission_peak_nm + 15.0  # red of the emission: gain below N = 1


def _record(pol: str = "TE", fields=None, **kw) -> ModeRecord:
    base = dict(m=50, wavelength_nm=640.0, Q=math.inf, polarization=pol, radial_order=1,
                axial_order=0, film_fraction=0.1, effective_index=1.5, solver="fem",
                Q_radiation=math.inf, Q_absorption=math.inf)
    base.update(kw)
    return ModeRecord(**base, field_rz=fields)


def _fields(scale: float = 1.0, r0: float = 2.0) -> LossFields:
    rng = np.random.default_rng(7)
    n = 40
    pts = InterfacePoints(r0 + 0.01 * np.arange(n), np.linspace(0.0, 1.0, n), np.ones(n),
                          np.zeros(n), np.full(n, 0.025))
    wall = InterfaceField(pts, scale * rng.random(n), scale * rng.random(n),
                          np.full(n, 2.5), np.full(n, 3.24), scale * 0.5 * rng.random(n))
    return LossFields(region_energy={"body": 8.0, "film": 1.0, "env": 1.0},
                      region_material={"body": "SU8", "film": 1.8, "env": 1.0},
                      interfaces={"wall": wall})


def _body() -> Cylinder:
    return Cylinder(radius_um=2.0, height_um=1.0, index="SU8",
                    surroundings=Surroundings(coating=Coating(thickness_um=0.08, index=1.8)))


LOSSES = LossSettings(roughness={"wall": SurfaceRoughness(rms_nm=8.0, correlation_nm=60.0)},
                      Q_other=3e5)


def test_stored_loss_fields_give_the_budget_of_the_fields_they_came_from() -> None:
    """encode/decode (JSON-safe, float32 arrays, one geometry per distinct interface set)
    reproduces every channel to float32 precision; a mode without fields stays None."""
    import json

    maps = [_fields(1.0), _fields(0.5), None, _fields(1.0, r0=3.0)]
    data = json.loads(json.dumps(encode_mode_loss_fields(maps)))
    assert len(data["points"]) == 2  # the first two share their geometry
    back = decode_mode_loss_fields(data)
    assert back[2] is None
    for f, g in zip(maps, back, strict=True):
        if f is None:
            continue
        a = budget_columns(_record(), _body(), LOSSES, f)
        b = budget_columns(_record(), _body(), LOSSES, g)
        assert list(a) == list(COLUMNS)
        for c in COLUMNS:
            assert b[c] == pytest.approx(a[c], rel=1e-6), c
        assert math.isfinite(a["Q_roughness"]) and math.isfinite(a["Q_material"])


def test_a_mode_without_fields_has_the_solver_channels_and_no_total() -> None:
    cols = budget_columns(_record(Q=5e4, Q_radiation=None, Q_absorption=None, solver="meep"),
                          _body(), LOSSES)
    assert cols["Q_radiation"] == 5e4 and cols["Q_metal"] == math.inf
    assert cols["Q_other"] == 3e5
    assert all(math.isnan(cols[c]) for c in ("Q_material", "Q_roughness",
                                             "Q_film_scattering", "Q_total"))


def _rows(q_total: list[float | None], q: float = math.inf) -> list[dict]:
    return [{"m": 60 + i, "wavelength_nm": LAM - 0.5 * i, "Q": q, "film_fraction": 0.1,
             "effective_index": 1.5, "polarization": "TE", "Q_total": qt}
            for i, qt in enumerate(q_total)]


def test_predict_uses_q_total_and_falls_back_on_q_with_q_other() -> None:
    pump = PumpSettings()
    rows = _rows([2e4, 5e4])
    pred = predict_lasing(rows, FILM, pump, intrinsic_Q=1e3)  # Q_other not added again
    assert list(pred.mode_Q_total) == [2e4, 5e4]
    assert pred.mode_index == 1 and pred.Q_total == 5e4
    # a mode without a budget (empty, nan) uses Q with the spec's Q_other, as before
    mixed = predict_lasing(_rows([None, 5e4], q=1e5), FILM, pump, intrinsic_Q=1e5)
    assert mixed.mode_Q_total[0] == pytest.approx(5e4, rel=1e-12)
    assert mixed.mode_Q_total[1] == 5e4
    # the same prediction as a table whose single Q column holds those totals
    plain = [{k: v for k, v in r.items() if k != "Q_total"} | {"Q": qt}
             for r, qt in zip(rows, (2e4, 5e4), strict=True)]
    ref = predict_lasing(plain, FILM, pump, intrinsic_Q=None)
    assert pred.threshold_N == ref.threshold_N and pred.mode_index == ref.mode_index


def test_mode_table_csv_with_budget_columns(tmp_path: Path) -> None:
    head = "m,wavelength_nm,Q,film_fraction,effective_index,Q_radiation,Q_metal,Q_material," \
           "Q_roughness,Q_film_scattering,Q_other,Q_total"
    f = tmp_path / "modes.csv"
    f.write_text(f"{head}\n60,{LAM},inf,0.1,1.5,inf,inf,8e5,3e4,5e5,,2.7e4\n"
                 f"61,{LAM - 0.5},inf,0.1,1.5,inf,inf,8e5,,5e5,,\n")
    t = ModeTable.from_csv(f)
    assert t.ignored_columns == ()
    assert t.Q_total[0] == 2.7e4 and math.isnan(t.Q_total[1])
    f.write_text(f"{head}\n60,{LAM},inf,0.1,1.5,inf,inf,8e5,3e4,5e5,,-1\n")
    with pytest.raises(ModeTableError, match=r"row 1: Q_total = -1\.0 must be > 0"):
        ModeTable.from_csv(f)


@pytest.mark.slow
def test_the_rougher_interface_changes_which_mode_lases() -> None:
    """TE and TM fundamentals of one m of one disk, given equal gain (one wavelength, one film
    fraction): predict_lasing picks the one whose loss budget, from its own surface field, is
    lower. A rough wall leaves TE the higher Q (it lases); roughening the top face, which the
    TE mode's E_z meets normally, hands lasing to TM."""
    from tests.test_losses_budget import disk_pair

    body, te, tm = disk_pair()
    pump = PumpSettings()
    wall = SurfaceRoughness(rms_nm=1.0, correlation_nm=50.0)
    top = SurfaceRoughness(rms_nm=3.0, correlation_nm=50.0)
    lasing = {}
    for name, rough in (("wall", {"wall": wall}), ("wall+top", {"wall": wall, "top": top})):
        losses = LossSettings(roughness=rough, material_absorption=False)
        rows = [{**r.to_dict(), **budget_columns(r, body, losses), "wavelength_nm": LAM,
                 "film_fraction": 0.1} for r in (te, tm)]
        pred = predict_lasing(rows, FILM, pump, intrinsic_Q=None)
        assert pred.lases, pred.reason
        assert pred.Q_total == max(r["Q_total"] for r in rows)
        lasing[name] = pred.polarization
    assert lasing == {"wall": "TE", "wall+top": "TM"}


def test_loss_budget_figure_draws_one_over_q_per_channel() -> None:
    from solvers.losses.budget import CHANNELS
    from solvers.losses.plots import loss_budget_figure

    a = {"Q_radiation": math.inf, "Q_metal": math.inf, "Q_material": 8e5, "Q_roughness": 2e4,
         "Q_film_scattering": 5e5, "Q_other": None, "Q_total": 1.87e4}
    b = {**a, "Q_roughness": 5e4, "Q_total": 4.2e4}
    fig = loss_budget_figure({"r00c00 m=72 TE": a, "r04c00 m=210 TE": b})
    ax = fig.axes[0]
    bars = [p for p in ax.patches]
    assert len(bars) == 2 * len(CHANNELS)
    heights = [p.get_height() for p in bars[: len(CHANNELS)]]
    expected = [math.nan, math.nan, 1 / 8e5, 1 / 2e4, 1 / 5e5, math.nan]
    for h, e in zip(heights, expected, strict=True):
        assert (math.isnan(h) and math.isnan(e)) or h == pytest.approx(e, rel=1e-12)
    assert sorted(line.get_ydata()[0] for line in ax.lines) == [1 / 4.2e4, 1 / 1.87e4]
    assert ax.get_yscale() == "log"
