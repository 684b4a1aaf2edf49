"""The gain band (gain.band) sets the default solver window; a lasing mode at the window's edge
is flagged in the results. No solver runs: the modes are the example's recorded FEM modes."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from gain.band import (
    free_spectral_range_nm,
    gain_band_nm,
    max_gain_within,
    window_edge_warning,
)
from gain.film import NanocrystalFilm, PumpSettings
from gain.lasing import predict_lasing
from gain.modetable import ModeTable
from gain.spectra import gain_coefficients
from paradisk.spec import load_spec, read_spec_data, spec_from_dict

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "examples" / "qs3_array.yaml"
FEM_MODES = ROOT / "tests" / "data" / "qs3_example_fem_modes.csv"


def _film(preset: str = "QS3") -> NanocrystalFilm:
    return NanocrystalFilm(preset=preset, volume_fraction=0.35, thickness_nm=80.0,
                           refractive_index=1.8)


def test_max_gain_within_matches_a_scan_over_N() -> None:
    film = _film()
    lam = np.linspace(580.0, 690.0, 45)
    coeffs = gain_coefficients(film.resolved_material, lam)
    for n_max in (0.3, 1.0, 12.4):
        n = np.linspace(0.0, n_max, 20001)
        scan = coeffs.normalized_gain(n[:, None]).max(axis=0)
        np.testing.assert_allclose(max_gain_within(coeffs, n_max), scan, atol=1e-7)


def test_band_is_where_the_best_cavity_can_lase() -> None:
    """Just inside each edge the best cavity (Q = intrinsic_Q, Gamma = 1) reaches its loss at
    some N within the pump's reach; one step outside, nowhere."""
    film, pump = _film(), PumpSettings()
    lo, hi = gain_band_nm(film, pump, 2.0e4)
    assert 575.0 < lo < 600.0 and 660.0 < hi < 690.0  # paper Fig. 4a: gain ~600-680 nm
    best = [{"m": 100, "wavelength_nm": lam, "Q": 2.0e4, "film_fraction": 1.0,
             "effective_index": 1.5} for lam in (lo + 0.5, hi - 0.5)]
    outside = [{**b, "wavelength_nm": lam} for b, lam in zip(best, (lo - 0.5, hi + 0.5),
                                                              strict=True)]
    for inside, out in zip(best, outside, strict=True):
        assert predict_lasing([inside], film, pump, intrinsic_Q=None).lases
        assert not predict_lasing([out], film, pump, intrinsic_Q=None).lases
    # a better cavity lases over a wider band
    lo2, hi2 = gain_band_nm(film, pump, 1.0e5)
    assert lo2 <= lo and hi2 > hi


def test_every_lasing_mode_of_the_example_disks_lies_in_the_band() -> None:
    """The band bounds every cavity of the spec: the FEM disks at any Q up to intrinsic_Q."""
    film, pump = _film(), PumpSettings()
    lo, hi = gain_band_nm(film, pump, 2.0e4)
    table = ModeTable.from_csv(FEM_MODES)
    for disk in table.disk_ids():
        for q in (2e3, 6e3, 2e4):
            p = predict_lasing(table.for_disk(disk), film, pump, intrinsic_Q=q)
            assert p.lases and lo <= p.wavelength_nm <= hi


def test_qd_film_has_no_band() -> None:
    """The QD preset never lases in these cavities (paper p. 8: K too low): no band at all."""
    assert gain_band_nm(_film("QD"), PumpSettings(), 2.0e4) is None


def test_spec_window_defaults_to_the_band_and_keeps_a_given_one() -> None:
    data = read_spec_data(SPEC)
    assert spec_from_dict(data).solver.window_nm == (620.0, 660.0)  # given: kept
    del data["solver"]["window_nm"]
    spec = spec_from_dict(data)
    assert spec.solver.window_nm == gain_band_nm(spec.nanocrystals, spec.pump, spec.intrinsic_Q)
    npl = spec_from_dict({**data, "nanocrystals": {"preset": "NPL", "volume_fraction": 0.3}})
    assert npl.solver.window_nm[0] > spec.solver.window_nm[0]  # follows the material
    assert npl.solver.window_nm[1] > 665.0  # where the paper's NPL lase (Fig. 6b)
    # a film that can lase nowhere (QD in cavities of Q <= 2e4) keeps the solvers' default
    # window
    qd = spec_from_dict({**data, "losses": {**data.get("losses", {}), "Q_other": 2.0e4},
                         "nanocrystals": {"preset": "QD", "volume_fraction": 0.3}})
    assert qd.solver.window_nm == (610.0, 680.0)


def test_window_edge_warning() -> None:
    assert "red edge (660 nm)" in window_edge_warning(656.86, 8.3, (620.0, 660.0))
    assert "blue edge (620 nm)" in window_edge_warning(621.0, 5.0, (620.0, 660.0))
    assert window_edge_warning(648.58, 8.0, (620.0, 660.0)) == ""
    assert window_edge_warning(648.58, math.nan, (620.0, 660.0)) == ""
    modes = [{"m": 70, "wavelength_nm": 648.58, "polarization": "TE", "radial_order": 1},
             {"m": 71, "wavelength_nm": 640.52, "polarization": "TE", "radial_order": 1},
             {"m": 69, "wavelength_nm": 656.86, "polarization": "TE", "radial_order": 1},
             {"m": 71, "wavelength_nm": 648.19, "polarization": "TM", "radial_order": 1}]
    assert free_spectral_range_nm(modes, 0) == pytest.approx(0.5 * (8.06 + 8.28))
    assert free_spectral_range_nm(modes[3:], 0) == pytest.approx(648.19 / 71)


def _results(spec, intrinsic_Q: float, window_nm: tuple[float, float]):
    """The run's results rows (paradisk.results.results_table) from the example's recorded FEM
    modes, each disk evaluated by the run's lasing stage."""
    from paradisk.results import results_table
    from paradisk.stages import lasing_stage

    table = ModeTable.from_csv(FEM_MODES)
    film_json = spec.nanocrystals.model_dump(mode="json")
    pump_json = spec.pump.model_dump(mode="json")
    modes, lasing, reasons = {}, {}, {}
    for plan in spec.unique_disks():
        sub = table.for_disk(plan.id)
        recs = [{"m": int(sub.m[i]), "wavelength_nm": float(sub.wavelength_nm[i]), "Q": None,
                 "film_fraction": float(sub.film_fraction[i]),
                 "effective_index": float(sub.effective_index[i]),
                 "polarization": sub.polarization[i], "radial_order": 1}
                for i in range(len(sub))]
        pred = lasing_stage(recs, film_json, pump_json, None, intrinsic_Q)
        modes[plan.id], lasing[plan.id], reasons[plan.id] = recs, pred["lasing"], pred["reason"]
    return results_table(spec.disks(), modes, lasing, {}, reasons, window_nm)


def test_results_table_has_lases_reason_and_edge_warning() -> None:
    """With Q = 3e5 the example's disks lase at 656.9-659.8 nm, within one FSR (2.8-8.3 nm) of
    the 660 nm edge of the example's window: every row is warned (the issue: high-K disks lase
    where that window cuts). With the example's Q = 2e4 they lase at 648.6-652.3 nm, more than
    an FSR inside: none is."""
    from paradisk.pipeline import RESULT_COLUMNS

    spec = load_spec(SPEC)
    df = _results(spec, 3.0e5, (620.0, 660.0))
    assert list(df.columns) == list(RESULT_COLUMNS)
    first = df[df["row"] == 0].iloc[0]
    assert first["lasing_wavelength_nm"] == pytest.approx(656.856)
    assert "3.14 nm from the window's red edge (660 nm)" in first["window_edge_warning"]
    assert bool(first["lases"]) and first["reason"].startswith("lases in m = 69 TE")
    assert (df["window_edge_warning"] != "").all()
    # the report lists them under its results table, one per array row
    from paradisk.report import _warnings_html

    notes = _warnings_html(df[df["col"] == 0].to_dict(orient="records"))
    assert len(notes) == 5 and "r00c00" in notes[0] and "red edge" in notes[0]
    assert (_results(spec, 3.0e5, (600.0, 700.0))["window_edge_warning"] == "").all()
    assert (_results(spec, 2.0e4, (620.0, 660.0))["window_edge_warning"] == "").all()


def test_results_table_says_why_a_disk_does_not_lase() -> None:
    """A pump that reaches N = 0.06 only: the disks need N = 0.15-0.2 and do not lase; the
    results row says so (lases false, reason with the fluence needed) instead of empty cells."""
    data = read_spec_data(SPEC)
    data["pump"] = {"max_fluence_uJ_per_cm2": 0.5}
    df = _results(spec_from_dict(data), 2.0e4, (620.0, 660.0))
    assert not df["lases"].any()
    assert df["reason"].str.startswith("needs more fluence than the pump gives").all()
    assert df["threshold_N"].isna().all() or np.isinf(df["threshold_N"]).all()
