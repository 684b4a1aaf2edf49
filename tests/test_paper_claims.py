"""The paper's quantitative statements, one test each, against the package's presets.

Paper: Kersuzan et al., hal-05014673 (2025), main text (../shared/paper); PHYSICS.md s. 4
lists the statements. The cavities are the example's (examples/qs3_array.yaml): its film
(volume fraction, thickness, index), its pump, and the FEM modes of its five distinct disks
recorded in tests/data/qs3_example_fem_modes.csv with their loss budgets (provenance in that
file's header), so these tests run no solver. Q is varied over the paper's range where a
statement is about Q.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
import yaml

from gain import PRESETS, NanocrystalFilm, PumpSettings, predict_lasing
from gain.ase import (
    AseGeometry,
    ase_spectral,
    ase_threshold_N,
    minimum_concentration_per_cm3,
    minimum_concentration_spectral_per_cm3,
)
from gain.dynamics import CavityModes, light_in_light_out
from gain.modetable import ModeTable
from gain.spectra import (
    default_wavelength_grid,
    inversion_x0,
    normalized_gain,
    simple_transition_gains,
)
from gain.threshold import continuum_threshold, figure_of_merit_K

ROOT = Path(__file__).resolve().parents[1]
FEM_MODES = Path(__file__).parent / "data" / "qs3_example_fem_modes.csv"
# the paper's cavities: Q > 6,000 (spectrometer-limited, p. 5); 1e5 as the top of the range
# (assumption: the spectrometer hides anything above 6,000)
PAPER_Q = (6.0e3, 2.0e4, 1.0e5)


@pytest.fixture(scope="module")
def example() -> dict:
    data = yaml.safe_load((ROOT / "examples" / "qs3_array.yaml").read_text())
    losses = data.get("losses") or {}
    return {"film": NanocrystalFilm.model_validate(data["nanocrystals"]),
            "pump": PumpSettings.model_validate(data.get("pump", {})),
            "Q_other": losses.get("Q_other", data.get("intrinsic_Q"))}


def lasing_Q(example: dict, disks: dict[str, ModeTable]) -> float:
    """The median Q_total of the example disks' lasing modes (their loss budgets)."""
    qs = [predict_lasing(t, example["film"], example["pump"],
                         intrinsic_Q=example["Q_other"]).Q_total for t in disks.values()]
    return float(np.median(qs))


@pytest.fixture(scope="module")
def disks() -> dict[str, ModeTable]:
    table = ModeTable.from_csv(FEM_MODES)
    return {d: table.for_disk(d) for d in table.disk_ids()}


def film_of(example: dict, preset: str, volume_fraction: float | None = None
            ) -> NanocrystalFilm:
    """The example's film (thickness, index) holding another preset at the same volume
    fraction (paper p. 8: samples spin-coated as solutions of similar optical density)."""
    base = example["film"]
    phi = base.particle_volume_fraction if volume_fraction is None else volume_fraction
    return NanocrystalFilm(preset=preset, volume_fraction=phi, thickness_nm=base.thickness_nm,
                           refractive_index=base.refractive_index)


def with_Q(table: ModeTable, Q: float) -> ModeTable:
    """The table with every mode's total Q set to ``Q`` (its loss budgets left out)."""
    return dataclasses.replace(table, Q=np.full(len(table), Q), Q_total=None)


def test_x0_inversion_peaks_at_e_minus_2_at_N_2() -> None:
    # paper p. 3: N_X - N_0 = exp(-N)(N - 1) reaches at most e^-2 ~ 0.13, at N = 2
    N = np.linspace(0.0, 20.0, 200001)
    inv = inversion_x0(N)
    assert N[np.argmax(inv)] == pytest.approx(2.0, abs=1e-4)
    assert inv.max() == pytest.approx(np.exp(-2.0), rel=1e-9)


def test_max_xx_gain_is_about_15_times_the_max_x0_gain() -> None:
    # paper p. 3: a factor 2 in cross-section and ~7.4 in inversion, "about 15 times"
    g_x0, g_xx = simple_transition_gains(np.linspace(0.0, 60.0, 600001))
    ratio = g_xx.max() / g_x0.max()
    assert ratio == pytest.approx(2.0 * np.exp(2.0), rel=1e-6)
    assert 14.0 < ratio < 16.0


def test_fig4a_gain_spectra_red_and_small_below_one_photon_blue_and_large_above() -> None:
    # paper Fig. 4a and p. 6: below N = 1 the gain is positive only red of the emission and
    # limited; at higher N it is larger and nearer the (blue) XX-X emission
    m = PRESETS["QS3"]
    lam = default_wavelength_grid(m, 2001)
    low, high = normalized_gain(m, lam, 0.5), normalized_gain(m, lam, 5.0)
    assert lam[low > 0].min() > m.emission_peak_nm - 2.0  # the red side of the emission line
    assert low.max() > 0 and lam[np.argmax(low)] > m.emission_peak_nm + 5.0
    assert high.max() > 3.0 * low.max()
    assert lam[np.argmax(high)] < lam[np.argmax(low)] - 10.0


def test_fig4b_red_gain_turns_positive_below_one_photon_xx_gain_only_above() -> None:
    # paper Fig. 4b: red of the X-0 emission, gain at N < 1 but small; at the XX-X emission,
    # gain only for larger N but much higher
    m = PRESETS["QS3"]
    red = m.emission_peak_nm + 20.0
    xx = 1239.84198 / (m.emission_peak_eV + m.xx_splitting_eV)
    N = np.logspace(-2, 1.5, 701)
    g_red, g_xx = normalized_gain(m, red, N), normalized_gain(m, xx, N)
    n_on_red, n_on_xx = N[np.argmax(g_red > 0)], N[np.argmax(g_xx > 0)]
    assert n_on_red < 0.5 and n_on_xx > 5.0 * n_on_red
    assert g_xx.max() > 3.0 * g_red.max()


def test_fig4cd_threshold_falls_and_lasing_reddens_as_K_grows() -> None:
    # paper Fig. 4c,d: higher K, lower threshold and a redder lasing line
    for name in ("QS3", "QS2", "NPL", "QD"):
        m = PRESETS[name]
        inv_k = np.logspace(-0.3, -2.5, 12)  # K growing from 2 to 300
        nth, lam = continuum_threshold(m, inv_k, default_wavelength_grid(m, 3001))
        assert np.all(np.isfinite(nth)) and np.all(np.diff(nth) < 0), name
        assert np.all(np.diff(lam) >= 0) and lam[-1] - lam[0] > 15.0, name


def test_fig5_qs3_disks_with_Q_above_6000_lase_below_half_a_photon(example, disks) -> None:
    # paper Fig. 5: 95 % of 63 QS3 cavities (Q > 6,000) lase below N = 0.5
    for Q in PAPER_Q:
        for disk_id, table in disks.items():
            pred = predict_lasing(with_Q(table, Q), example["film"], example["pump"],
                                  intrinsic_Q=None)
            assert pred.lases and pred.threshold_N < 0.5, (Q, disk_id, pred.reason)


def test_fig5_low_Q_cavities_lase_at_higher_threshold_and_bluer(example, disks) -> None:
    # paper p. 7: lower-Q cavities (film defects) lase up to 20 times higher, blue of the
    # spontaneous emission (here Q = 500 against the example's 2e4: 13x, -7 nm)
    table = disks["r02c00"]
    good = predict_lasing(with_Q(table, 2.0e4), example["film"], example["pump"],
                          intrinsic_Q=None)
    poor = predict_lasing(with_Q(table, 5.0e2), example["film"], example["pump"],
                          intrinsic_Q=None)
    assert poor.lases
    assert 3.0 < poor.threshold_N / good.threshold_N <= 25.0
    assert poor.shift_from_emission_peak_nm <= 0.0 < good.shift_from_emission_peak_nm


@pytest.mark.parametrize("preset", ["QS3", "QS2"])
def test_fig6a_quantum_shells_below_half_a_photon_lase_10_to_25_nm_red(example, preset
                                                                        ) -> None:
    # paper Fig. 6a, p. 8: for both QS samples, lasing at N < 0.5 lies 10-25 nm red of
    # lambda_0. The model's threshold-wavelength curve (modes at every wavelength, Fig. 5's
    # line) over the thresholds the paper reports, 0.1 <= N < 0.5, within 1 nm
    m = PRESETS[preset]
    nth, lam = continuum_threshold(m, 1.0 / np.logspace(0.5, 2.5, 200),
                                   default_wavelength_grid(m, 4001))
    sel = (nth >= 0.1) & (nth < 0.5)
    assert sel.sum() > 20
    shift = lam[sel] - m.emission_peak_nm
    assert shift.min() >= 9.0 and shift.max() <= 26.0, (shift.min(), shift.max())


def test_example_spec_runs_in_the_paper_regime(example, disks) -> None:
    # examples/qs3_array.yaml (the loss budget of each FEM mode, Q_total): every disk lases
    # below N = 0.5, 10-25 nm red of the emission peak (paper Fig. 5, 6a), every mode's Q above
    # the paper's Q > 6,000 (spectrometer-limited)
    for disk_id, table in disks.items():
        assert table.Q_total is not None and np.all(table.Q_total > 6.0e3), disk_id
        pred = predict_lasing(table, example["film"], example["pump"],
                              intrinsic_Q=example["Q_other"])
        assert pred.lases and pred.threshold_N < 0.5, (disk_id, pred.reason)
        assert 10.0 <= pred.shift_from_emission_peak_nm <= 25.0, (disk_id, pred.wavelength_nm)


def test_fig6b_platelets_lowest_thresholds_above_two_photons_10_to_25_nm_red(example, disks
                                                                            ) -> None:
    # paper Fig. 6b, p. 8: NPL cavities lasing at the lowest thresholds lie above N = 2, at
    # 10-25 nm red of lambda_0; higher thresholds move towards lambda_0. NPL lines (650 nm and
    # red of it) lie beyond the recorded FEM window, so the example's film fractions and Q are
    # taken with modes at every wavelength (Fig. 4c,d)
    film = film_of(example, "NPL")
    m = film.resolved_material
    lam = default_wavelength_grid(m, 4001)
    gamma = np.array([t.film_fraction.max() for t in disks.values()])  # TE family of each disk
    nth, las = [], []
    for Q in (6.0e3, lasing_Q(example, disks)):
        K = figure_of_merit_K(m.emission_peak_nm + 15.0, Q, film.concentration_per_cm3,
                              m.sigma0_reference_cm2, film.refractive_index)
        n, lw = continuum_threshold(m, 1.0 / (gamma * K), lam)
        nth.append(n)
        las.append(lw - m.emission_peak_nm)
    lowest = int(np.argmin(nth[1]))
    assert 2.0 < nth[1][lowest] <= 4.0
    assert 10.0 <= las[1][lowest] <= 25.0
    assert np.all(nth[0] > nth[1]) and np.all(las[0] < las[1])  # lower Q: higher and bluer


def test_quantum_dots_never_lase_within_the_pumps_reach(example, disks) -> None:
    """Paper p. 8: none of the QD samples lased "in our conditions"; their lower sigma_0 makes
    K "too low". In the model K of the QD film is about a third of QS3's, which puts every
    example disk's threshold beyond the pump's reach: with the disks' own loss budgets (at the
    example's volume fraction and at random close packing) and at the measured Q range (6e3 and
    2e4, any packing). The model's reason is the pump's reach, as the paper's ("in our
    conditions"): at Q 1e5 with a close-packed film the QD threshold comes within reach
    (98-107 uJ/cm^2 against 100; the QD preset's notes)."""
    reach = example["pump"].max_fluence_uJ_per_cm2
    cases = [(phi, Q) for phi in (None, 0.64) for Q in (None, *PAPER_Q[:2])]
    for phi, Q in cases:
        qd, qs3 = (film_of(example, p, volume_fraction=phi) for p in ("QD", "QS3"))
        for disk_id, table in disks.items():
            t = table if Q is None else with_Q(table, Q)
            pred = predict_lasing(t, qd, example["pump"], intrinsic_Q=None)
            assert not pred.lases, (phi, Q, disk_id)
            assert pred.reason.startswith("needs more fluence than the pump gives"), pred.reason
            assert pred.threshold_fluence_uJ_per_cm2 > 1.3 * reach, (phi, Q, disk_id)
            # K too low: the QD film's K is well below QS3's in the same cavity
            assert pred.K < 0.4 * predict_lasing(t, qs3, example["pump"], intrinsic_Q=None).K
    # the limit stated above: at Q 1e5 with a close-packed film the QD threshold is at the reach
    qd = film_of(example, "QD", volume_fraction=0.64)
    edge = [predict_lasing(with_Q(t, PAPER_Q[2]), qd, example["pump"], intrinsic_Q=None)
            .threshold_fluence_uJ_per_cm2 for t in disks.values()]
    assert 0.9 * reach < min(edge) <= reach < max(edge) < 1.3 * reach


def test_fig6cd_first_lasing_mode_stays_dominant_up_to_N_10(example, disks) -> None:
    # paper Fig. 6c,d: above threshold (N >= 0.3) the first lasing mode dominates up to N ~ 10.
    # Rate equations on the example's 20 um disk: its lasing mode and its neighbours
    film = example["film"]
    table = disks["r02c00"]
    pred = predict_lasing(table, film, example["pump"], intrinsic_Q=example["Q_other"])
    near = np.flatnonzero(np.abs(table.wavelength_nm - pred.wavelength_nm) <= 4.5)
    modes = CavityModes.build(table.wavelength_nm[near], pred.mode_Q_total[near],
                              table.film_fraction[near], table.effective_index[near],
                              mode_volume_um3=table.mode_volume_um3[near],
                              loss_index=film.refractive_index)
    first = int(np.flatnonzero(near == pred.mode_index)[0])
    emitted, _ = light_in_light_out(film.resolved_material, film.concentration_per_cm3, modes,
                                    [10.0],
                                    example["pump"].pulse_duration_ns)
    assert np.all(np.argmax(emitted, axis=1) == first)


def test_fig1c_ase_threshold_falls_with_concentration() -> None:
    # paper Fig. 1c: above C_min the ASE threshold falls as the concentration grows
    geo = AseGeometry()
    for m in PRESETS.values():
        C = minimum_concentration_spectral_per_cm3(m, geo) * np.logspace(0.02, 2.0, 25)
        n_full, _ = ase_spectral(m, C, geo)
        assert np.all(np.isfinite(n_full)) and np.all(np.diff(n_full) < 0), m.name
        n_simple = ase_threshold_N(m, C, geo)  # Eq. 1 (XX-X only): also falls, never below
        assert np.all(np.diff(n_simple) < 0) and np.all(n_full <= n_simple * (1 + 1e-9))


def test_fig1d_minimum_concentration_is_inverse_to_sigma0() -> None:
    # paper p. 4 and Fig. 1d: C_min ~ 1 / (sigma L): C_min * sigma_0 is the same for all samples
    geo = AseGeometry()
    products = [minimum_concentration_spectral_per_cm3(m, geo) * m.sigma0_reference_cm2
                for m in PRESETS.values()]
    assert np.ptp(products) <= 0.05 * np.mean(products)
    assert np.mean(products) == pytest.approx(
        geo.exponent_at_threshold / geo.line_length_cm, rel=0.05)
    assert minimum_concentration_per_cm3(PRESETS["QD"], geo) > minimum_concentration_per_cm3(
        PRESETS["QS3"], geo)


def test_fig1_ase_line_moves_red_with_concentration() -> None:
    # paper p. 6 and Fig. S10-S12: the ASE line sits at the peak of the lineic gain at
    # threshold, which moves to longer wavelengths at higher concentration; near C_min it is
    # blue of the spontaneous emission (paper Fig. 1a)
    geo = AseGeometry()
    for m in PRESETS.values():
        C = minimum_concentration_spectral_per_cm3(m, geo) * np.logspace(0.02, 2.0, 25)
        _, lam = ase_spectral(m, C, geo)
        assert np.all(np.diff(lam) >= 0) and lam[-1] - lam[0] > 10.0, m.name
        assert lam[0] < m.emission_peak_nm, m.name
