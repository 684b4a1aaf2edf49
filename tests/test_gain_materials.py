"""Nanocrystal materials, presets, film and pump conversions: values, units and validation."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from pydantic import ValidationError

from gain import PRESETS, NanocrystalFilm, NanocrystalMaterial, PumpSettings, get_preset
from geometry.constants import HC_EV_NM


def test_presets_exist_and_lookup_is_case_insensitive() -> None:
    assert set(PRESETS) == {"QS3", "QS2", "QD", "NPL"}
    assert get_preset("qs3") is PRESETS["QS3"]
    with pytest.raises(ValueError, match=r"valid presets: \['NPL', 'QD', 'QS2', 'QS3'\]"):
        get_preset("QS9")


def test_paper_ordering_of_cross_sections_and_quantum_yields() -> None:
    # paper p. 8: QDs have lower band-edge sigma_0 than QS and NPL
    assert PRESETS["QD"].sigma0_peak_cm2 < PRESETS["QS3"].sigma0_peak_cm2
    assert PRESETS["QD"].sigma0_peak_cm2 < PRESETS["NPL"].sigma0_peak_cm2
    for m in PRESETS.values():
        assert 0.45 <= m.qy_x <= 0.60  # paper p. 2
        assert 0.17 <= m.qy_xx <= 0.29
        assert m.stokes_shift_meV > 0 and m.xx_splitting_meV > 0  # XX blue of X (paper p. 3)
    assert PRESETS["NPL"].independent_sites > 1 and PRESETS["QS3"].independent_sites == 1


def test_sigma0_peaks_at_absorption_maximum_blue_of_emission() -> None:
    m = get_preset("QS3")
    lam = np.linspace(560, 700, 14001)
    s = m.sigma0_cm2(lam)
    assert lam[np.argmax(s)] == pytest.approx(m.absorption_peak_nm, abs=0.02)
    assert s.max() == pytest.approx(m.sigma0_peak_cm2, rel=1e-6)
    # Stokes shift in energy: 1239.84/lambda_abs - 1239.84/lambda_em = D_S
    d = HC_EV_NM / m.absorption_peak_nm - HC_EV_NM / m.emission_peak_nm
    assert d * 1e3 == pytest.approx(m.stokes_shift_meV, rel=1e-9)
    # FWHM in energy
    half = lam[s >= 0.5 * s.max()]
    fwhm = (HC_EV_NM / half.min() - HC_EV_NM / half.max()) * 1e3
    assert fwhm == pytest.approx(m.linewidth_fwhm_meV, rel=0.01)


def test_sigma_high_is_a_step_above_the_band_edge() -> None:
    m = get_preset("QS3")
    e_on = m.absorption_peak_eV + m.high_onset_meV * 1e-3
    assert m.sigma_high_at_energy(e_on) == pytest.approx(0.5 * m.sigma_high_ratio
                                                         * m.sigma0_peak_cm2)
    assert m.sigma_high_at_energy(e_on + 0.5) == pytest.approx(m.sigma_high_ratio
                                                               * m.sigma0_peak_cm2, rel=1e-6)
    assert m.sigma_high_cm2(m.emission_peak_nm + 30) < 1e-6 * m.sigma0_peak_cm2


def test_material_validation_names_fields() -> None:
    base = get_preset("QS3").model_dump()
    with pytest.raises(ValidationError, match="sigma0_peak_cm2"):
        NanocrystalMaterial(**{**base, "sigma0_peak_cm2": -1.0})
    with pytest.raises(ValidationError, match="qy_x"):
        NanocrystalMaterial(**{**base, "qy_x": 1.5})
    with pytest.raises(ValidationError, match="tau_xx_ns"):
        NanocrystalMaterial(**{**base, "tau_xx_ns": 100.0})
    with pytest.raises(ValidationError, match="extra"):
        NanocrystalMaterial(**{**base, "colour": "red"})
    with pytest.raises(ValidationError, match="does not exist"):
        NanocrystalMaterial(**{**base, "absorption_spectrum_file": "/nonexistent.csv"})


def test_measured_spectrum_file_replaces_gaussian(tmp_path: Path) -> None:
    f = tmp_path / "abs.csv"
    lam = np.linspace(560, 700, 141)
    e = HC_EV_NM / lam
    rel = np.exp(-0.5 * ((e - 2.0) / 0.03) ** 2)
    f.write_text("# measured\nwavelength_nm,relative\n"
                 + "".join(f"{a},{b}\n" for a, b in zip(lam, rel, strict=True)))
    m = get_preset("QS3").model_copy(update={"absorption_spectrum_file": f})
    m = NanocrystalMaterial.model_validate(m.model_dump())
    # relative values are scaled so that the measured maximum is sigma0_peak_cm2
    assert m.sigma0_cm2(lam).max() == pytest.approx(m.sigma0_peak_cm2, rel=1e-9)
    assert lam[np.argmax(m.sigma0_cm2(lam))] == pytest.approx(HC_EV_NM / 2.0, abs=1.0)
    assert m.sigma0_reference_cm2 == m.sigma0_peak_cm2
    assert m.sigma0_at_energy(3.0) == 0.0  # outside the measured range
    bad = tmp_path / "bad.csv"
    bad.write_text("lambda,absorbance\n600,1\n")
    with pytest.raises(ValidationError, match="wavelength_nm"):
        NanocrystalMaterial(**{**get_preset("QS3").model_dump(), "absorption_spectrum_file": bad})


def test_film_defaults_validation_and_material_override() -> None:
    f = NanocrystalFilm()
    assert f.resolved_material.name == "QS3"
    assert f.sigma0_C_per_cm == pytest.approx(f.concentration_per_cm3
                                              * PRESETS["QS3"].sigma0_peak_cm2)
    custom = PRESETS["QD"].model_copy(update={"name": "mine"})
    assert NanocrystalFilm(material=custom).resolved_material.name == "mine"
    for field, value in (("concentration_per_cm3", 1e25), ("thickness_nm", 0.1),
                         ("refractive_index", 4.0), ("preset", "CdTe")):
        with pytest.raises(ValidationError, match=field):
            NanocrystalFilm(**{field: value})
    with pytest.raises(ValidationError, match="extra"):
        NanocrystalFilm(conc=1.0)
    dumped = NanocrystalFilm(material=custom).model_dump(mode="json")
    assert NanocrystalFilm.model_validate(dumped) == NanocrystalFilm(material=custom)


def test_pump_conversions() -> None:
    p = PumpSettings()
    # PHYSICS.md: 1 uJ/cm^2 at 532 nm is 2.68e12 photons/cm^2
    assert p.photons_per_cm2_per_uJ_per_cm2 == pytest.approx(2.678e12, rel=1e-3)
    m = get_preset("QS3")
    f = p.fluence_uJ_per_cm2_from_N(1.0, m)
    assert f == pytest.approx(1.0 / (m.sigma_pump_cm2 * 2.678e12), rel=1e-3)
    assert p.N_from_fluence(f, m) == pytest.approx(1.0)
    # flat-top 50 um spot at 20 kHz: P = F A f
    area = math.pi * (50e-4) ** 2 / 4
    assert p.average_power_uW_from_fluence(10.0) == pytest.approx(10.0 * area * 2e4)
    assert p.N_from_average_power_uW(p.average_power_uW_from_N(0.7, m), m) == pytest.approx(0.7)
    g = PumpSettings(spot_profile="gaussian")
    assert g.spot_area_cm2 == pytest.approx(p.spot_area_cm2 / 2)
    with pytest.raises(ValueError, match="532"):
        PumpSettings(wavelength_nm=400.0).fluence_uJ_per_cm2_from_N(1.0, m)
    with pytest.raises(ValidationError, match="repetition_rate_Hz"):
        PumpSettings(repetition_rate_Hz=0.0)


def _spectrum_csv(path: Path, peak_eV: float = 2.0) -> Path:
    lam = np.linspace(560, 700, 141)
    rel = np.exp(-0.5 * ((HC_EV_NM / lam - peak_eV) / 0.03) ** 2)
    path.write_text("wavelength_nm,relative\n"
                    + "".join(f"{a},{b:.6g}\n" for a, b in zip(lam, rel, strict=True)))
    return path


def test_spectrum_path_relative_to_base_dir_not_cwd(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    import hashlib

    sub = tmp_path / "specs"
    sub.mkdir()
    f = _spectrum_csv(sub / "abs.csv")
    monkeypatch.chdir(tmp_path)  # abs.csv is not in the working directory
    data = {**get_preset("QS3").model_dump(), "absorption_spectrum_file": "abs.csv"}
    m = NanocrystalMaterial.model_validate(data, context={"base_dir": sub})
    assert m.absorption_spectrum_file == f.resolve() and m.absorption_spectrum_file.is_absolute()
    assert m.absorption_spectrum_sha256 == hashlib.sha256(f.read_bytes()).hexdigest()
    with pytest.raises(ValidationError, match="does not exist"):
        NanocrystalMaterial.model_validate(data)  # no base dir: the working directory
    # the dump (absolute path + hash) validates again anywhere, e.g. on a worker
    monkeypatch.chdir(sub.parent.parent)
    again = NanocrystalMaterial.model_validate(m.model_dump())
    assert again == m
    # a hash that does not match the file is refused
    with pytest.raises(ValidationError, match="absorption_spectrum_sha256"):
        NanocrystalMaterial.model_validate(
            {**m.model_dump(), "absorption_spectrum_sha256": "0" * 64})
    # the file changing after validation is detected, not silently used under the old hash
    _spectrum_csv(f, peak_eV=2.005)
    with pytest.raises(ValueError, match="changed since"):
        m.sigma0_cm2(620.0)


def test_spec_loader_resolves_spectrum_against_spec_folder_and_hashes_content(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import yaml

    from paradisk.errors import UserInputError
    from paradisk.spec import load_spec

    root = Path(__file__).resolve().parents[1]
    data = yaml.safe_load((root / "examples" / "qs3_array.yaml").read_text())
    folder = tmp_path / "design"
    folder.mkdir()
    f = _spectrum_csv(folder / "abs.csv")
    data["nanocrystals"].pop("preset", None)
    data["nanocrystals"]["material"] = {
        **get_preset("QS3").model_dump(mode="json", exclude_none=True),
        "absorption_spectrum_file": "abs.csv",
    }
    spec_file = folder / "spec.yaml"
    spec_file.write_text(yaml.safe_dump(data))
    monkeypatch.chdir(tmp_path)  # not the spec's folder
    spec = load_spec(Path("design") / "spec.yaml")
    mat = spec.nanocrystals.resolved_material
    assert mat.absorption_spectrum_file == f.resolve()
    h1 = spec.spec_hash("nanocrystals")
    _spectrum_csv(f, peak_eV=2.005)  # same path, new content: a new cache identity
    spec2 = load_spec(spec_file)
    assert spec2.spec_hash("nanocrystals") != h1
    assert spec2.nanocrystals.resolved_material.absorption_spectrum_sha256 != \
        mat.absorption_spectrum_sha256
    _spectrum_csv(f, peak_eV=2.10)  # 97 meV from emission peak + Stokes shift: inconsistent
    with pytest.raises(UserInputError, match="emission_peak_nm = 630 is inconsistent"):
        load_spec(spec_file)


def test_spectrum_peak_must_match_emission_peak_plus_stokes_shift(tmp_path: Path) -> None:
    # FWHM 100 meV: tolerance +-50 meV; Stokes shift 35 meV
    qs3 = get_preset("QS3").model_copy(update={"linewidth_fwhm_meV": 100.0,
                                               "stokes_shift_meV": 35.0})
    f = _spectrum_csv(tmp_path / "abs.csv", peak_eV=2.0)
    e_file = HC_EV_NM / np.linspace(560, 700, 141)
    e_peak = e_file[np.argmin(np.abs(e_file - 2.0))]  # the file's sampled maximum
    e_em = e_peak - 0.035
    lo_nm, hi_nm = HC_EV_NM / (e_em + 0.05), HC_EV_NM / (e_em - 0.05)
    base = {**qs3.model_dump(), "absorption_spectrum_file": f}
    for inside in (lo_nm + 0.05, HC_EV_NM / e_em, hi_nm - 0.05):
        NanocrystalMaterial.model_validate({**base, "emission_peak_nm": inside})
    for outside in (lo_nm - 0.05, hi_nm + 0.05):
        with pytest.raises(ValidationError, match=rf"allowed: {lo_nm:.1f} <= emission_peak_nm "
                                                  rf"<= {hi_nm:.1f}"):
            NanocrystalMaterial.model_validate({**base, "emission_peak_nm": outside})
