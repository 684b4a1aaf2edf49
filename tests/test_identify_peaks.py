"""Peak fits, spectrum files and the comb assignment of ``paradisk identify`` (no FEM)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.ndimage import gaussian_filter1d

from paradisk.errors import UserInputError
from paradisk.identify import Spectrum, find_peaks, parse_spectrum
from paradisk.identify.assign import Label
from paradisk.identify.comb import asymptotic_wavelength_nm
from paradisk.identify.peaks import lorentzian, voigt

STEP = 0.005  # nm, a typical grating spectrometer pixel at 640 nm


def _spectrum(lines, step=STEP, noise=5.0, blur_fwhm_nm=None, seed=0, lo=620.0, hi=660.0):
    """Envelope (Gaussian, 30 nm wide, peak 1000) + Lorentzians (centre, height, fwhm) +
    optional Gaussian instrument blur + white noise."""
    x = np.arange(lo, hi, step)
    y = 1000.0 * np.exp(-0.5 * ((x - 641.0) / 13.0) ** 2)
    for c, h, w in lines:
        y = y + lorentzian(x, c, h, w)
    if blur_fwhm_nm:
        y = gaussian_filter1d(y, blur_fwhm_nm / (2.0 * math.sqrt(2.0 * math.log(2.0))) / step)
    y = y + np.random.default_rng(seed).normal(0.0, noise, len(x))
    return Spectrum(x, y, "synthetic")


def test_known_lorentzians_recovered():
    lines = [(624.1234, 400.0, 0.10), (631.50, 600.0, 0.12), (632.30, 300.0, 0.08),
             (645.987, 500.0, 0.15)]
    peaks = find_peaks(_spectrum(lines))
    assert len(peaks) == len(lines)
    for p, (c, h, w) in zip(peaks, lines, strict=True):
        assert abs(p.wavelength_nm - c) < max(4.0 * p.wavelength_sigma_nm, 1e-4)
        assert abs(p.wavelength_nm - c) < 2e-3
        assert 0.0 < p.wavelength_sigma_nm < 2e-3
        assert p.fwhm_nm == pytest.approx(w, rel=0.06)
        assert p.height == pytest.approx(h, rel=0.06)
        assert not p.resolution_limited


@pytest.mark.parametrize("q", [2000.0, 5000.0, 12000.0])
def test_loaded_q_from_linewidth(q):
    c = 640.0
    p, = find_peaks(_spectrum([(c, 800.0, c / q)], step=0.002, noise=3.0))
    assert pytest.approx(q, rel=0.05) == p.Q
    assert pytest.approx(p.wavelength_nm / p.fwhm_nm) == p.Q


def test_voigt_deconvolves_the_instrument_and_flags_resolution_limited_lines():
    res = 0.1  # nm FWHM of the instrument
    broad, narrow = (630.0, 600.0, 0.3), (645.0, 3000.0, 0.01)
    sp = _spectrum([broad, narrow], step=0.01, blur_fwhm_nm=res, noise=2.0)
    pb, pn = find_peaks(sp, resolution_nm=res)
    assert pb.fwhm_nm == pytest.approx(0.3, rel=0.1)
    assert pytest.approx(630.0 / 0.3, rel=0.1) == pb.Q
    assert not pb.resolution_limited
    # the cavity line is 10x narrower than the instrument: only a lower bound on Q is known
    assert pn.resolution_limited
    assert pytest.approx(pn.wavelength_nm / res) == pn.Q
    assert abs(pn.wavelength_nm - 645.0) < 2e-3
    # the same narrow line fitted as a plain Lorentzian comes out instrument-wide
    pl = find_peaks(sp)[1]
    assert pl.fwhm_nm > 0.07


def test_line_narrower_than_the_pixels_is_resolution_limited_without_resolution():
    p, = find_peaks(_spectrum([(640.0, 2000.0, 0.004)], step=0.01, noise=2.0))
    assert p.resolution_limited
    assert pytest.approx(p.wavelength_nm / 0.02) == p.Q


def test_voigt_limits():
    x = np.linspace(-1, 1, 401)
    assert np.allclose(voigt(x, 0.0, 1.0, 0.2, 1e-6), lorentzian(x, 0.0, 1.0, 0.2), atol=1e-4)
    assert voigt(np.array([0.0]), 0.0, 2.0, 0.1, 0.3)[0] == pytest.approx(2.0)


def test_noise_alone_gives_no_peak():
    for seed in range(3):
        assert find_peaks(_spectrum([], seed=seed)) == []


def _rows(sep, n=41):
    x = np.linspace(630, 640, n)
    return [f"{a:.4f}{sep}{100 + 50 * np.exp(-((a - 635) / 0.1) ** 2):.3f}" for a in x]


@pytest.mark.parametrize("sep", ["\t", ",", ";", "  ", ", "])
def test_csv_separators_and_header_lines(sep):
    head = ["Spectrometer XYZ", "Integration time (ms): 100", "", f"Wavelength (nm){sep}Intensity"]
    text = "\n".join([*head, *_rows(sep)]) + "\n"
    sp = parse_spectrum(text, "x.csv")
    assert len(sp.wavelength_nm) == 41
    assert sp.wavelength_nm[0] == pytest.approx(630.0)
    assert sp.intensity.max() == pytest.approx(150.0, rel=1e-3)


def test_csv_named_columns_in_any_order_unsorted_and_trailer():
    rows = _rows(",")[::-1]
    swapped = [",".join(reversed(r.split(","))) for r in rows]
    text = "counts,wavelength_nm\n" + "\n".join(swapped) + "\n>>>>>End of spectral data<<<<<\n"
    sp = parse_spectrum(text, "x.csv")
    assert np.all(np.diff(sp.wavelength_nm) > 0)
    assert sp.wavelength_nm[0] == pytest.approx(630.0)
    assert sp.intensity.max() == pytest.approx(150.0, rel=1e-3)


@pytest.mark.parametrize("text,match", [
    ("wavelength_nm\n" + "\n".join(str(630 + i) for i in range(50)), "no numeric rows"),
    ("a,b\n" + "\n".join(_rows(",", 5)), "need at least"),
    ("\n".join(f"{0.63 + 1e-3 * i},{i}" for i in range(50)), "expected nm"),
    ("", "no numeric rows"),
])
def test_bad_spectrum_files(text, match):
    with pytest.raises(UserInputError, match=match):
        parse_spectrum(text, "bad.csv")


def test_asymptotics_match_the_solver_estimate():
    from solvers.fem.estimate import wgm_wavelength_nm

    ms = np.array([60, 70, 85])
    for fam in (("TE", 1), ("TM", 1), ("TE", 2)):
        got = asymptotic_wavelength_nm(ms, 5.0, "SU8", 1.0, fam)
        want = [wgm_wavelength_nm(int(m), 5.0, "SU8", 1.0, *fam) for m in ms]
        assert np.allclose(got, want, rtol=1e-9)


def _analytic_solver(d_true_scale=1.0):
    """A stand-in for the FEM: SU8 sphere asymptotics of the rim radius, 2 % shorter (a disk's
    modes sit below a sphere's) with an m-dependent tilt, for the families TE1/TM1."""
    from solvers.modes import ModeRecord

    def solve(d_um):
        out = []
        for pol in ("TE", "TM"):
            ms = np.arange(55, 90)
            lam = asymptotic_wavelength_nm(ms, 0.5 * d_um, "SU8", 1.0, (pol, 1))
            lam = lam * (0.98 + 1e-4 * (ms - 70))
            for m, v in zip(ms, lam, strict=True):
                if 620.0 <= v <= 660.0:
                    out.append(ModeRecord(m=int(m), wavelength_nm=float(v), Q=math.inf,
                                          polarization=pol, radial_order=1, axial_order=0,
                                          film_fraction=0.05, effective_index=1.3,
                                          solver="fem"))
        return out

    return solve


@pytest.mark.parametrize("scale", [0.975, 1.02])
def test_assignment_on_an_analytic_comb(example_spec_path, scale):
    """The assignment recovers the diameter and every label of a comb it can model exactly."""
    from paradisk.identify import identify
    from paradisk.spec import load_spec

    spec = load_spec(example_spec_path)
    solve = _analytic_solver()
    d0 = spec.unique_disks()[0].profile.top_diameter_um
    truth = solve(d0 * scale)
    sp = _spectrum([(r.wavelength_nm, 300.0, r.wavelength_nm / 5000.0) for r in truth],
                   step=0.01)
    res = identify(spec, sp, row=0, solve=solve)
    assert res.fitted_top_diameter_um == pytest.approx(d0 * scale, abs=0.005)
    labels = {Label(r.m, r.polarization, r.radial_order) for r in truth}
    assert {a.label for a in res.peaks} == labels
    for a in res.peaks:
        r = min(truth, key=lambda r: abs(r.wavelength_nm - a.peak.wavelength_nm))
        assert a.label == Label(r.m, r.polarization, r.radial_order)
        assert a.confidence > 0.99
    assert not res.ambiguous
    assert len(res.solved_diameters_um) <= 3


def test_no_peak_is_one_clear_error(example_spec_path):
    from paradisk.identify import identify
    from paradisk.spec import load_spec

    spec = load_spec(example_spec_path)

    def no_fem(d_um):
        raise AssertionError("no solve expected")

    with pytest.raises(UserInputError, match="no peak"):
        identify(spec, _spectrum([]), row=0, solve=no_fem)
    with pytest.raises(UserInputError, match="solver window"):
        identify(spec, _spectrum([(665.0, 500.0, 0.1)], lo=650, hi=680), row=0, solve=no_fem)
    with pytest.raises(UserInputError, match="--row 9"):
        identify(spec, _spectrum([(640.0, 500.0, 0.1)]), row=9, solve=no_fem)


def test_cli_bad_input_exits_2_with_one_line(tmp_path, example_spec_path, capsys):
    from paradisk.cli import main

    bad = tmp_path / "bad.csv"
    bad.write_text("wavelength_nm\n" + "\n".join(str(630 + i) for i in range(50)))
    for argv in (
        ["identify", str(example_spec_path), str(bad), "--row", "0"],
        ["identify", str(example_spec_path), str(tmp_path / "missing.csv"), "--row", "0"],
    ):
        assert main(argv) == 2
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and "error" in err
    flat = tmp_path / "flat.csv"
    sp = _spectrum([])
    flat.write_text("wavelength_nm\tintensity\n" + "\n".join(
        f"{a}\t{b}" for a, b in zip(sp.wavelength_nm, sp.intensity, strict=True)))
    assert main(["identify", str(example_spec_path), str(flat), "--row", "0"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "no peak" in err


def test_spec_disk_modes_read_from_a_run_cache_read_only(example_spec_path, tmp_path,
                                                         monkeypatch):
    """With a run's cache the spec disk's comb is read from it (the pipeline's key), never
    solved again, and nothing is written into the cache."""
    import solvers
    from paradisk.cache import Cache
    from paradisk.identify import identify
    from paradisk.spec import load_spec
    from paradisk.stages import MODES, modes_key

    spec = load_spec(example_spec_path)
    plan = spec.unique_disks()[0]
    analytic = _analytic_solver()
    d0 = plan.profile.top_diameter_um
    key, inputs = modes_key(plan.body.model_dump(mode="json"),
                            spec.solver.model_dump(mode="json"), "fem")
    Cache(tmp_path).put(MODES, key, {"modes": [r.to_dict() for r in analytic(d0)]}, inputs)
    before = sorted(p.name for p in tmp_path.rglob("*"))
    solved = []

    def fake_find_modes(body, **kw):
        solved.append(body.rim_radius_um * 2.0)
        return analytic(body.rim_radius_um * 2.0)

    monkeypatch.setattr(solvers, "find_modes", fake_find_modes)
    truth = analytic(d0 * 1.02)
    sp = _spectrum([(r.wavelength_nm, 300.0, r.wavelength_nm / 5000.0) for r in truth],
                   step=0.01)
    res = identify(spec, sp, row=0, cache_dir=str(tmp_path))
    assert res.fitted_top_diameter_um == pytest.approx(d0 * 1.02, abs=0.005)
    assert solved and all(abs(d - d0) > 1e-3 for d in solved)
    assert sorted(p.name for p in tmp_path.rglob("*")) == before


def test_disk_selectors(example_spec_path):
    from paradisk.identify.identification import _spec_disk
    from paradisk.spec import load_spec

    spec = load_spec(example_spec_path)
    plans = spec.disks()
    disk_id, d, body = _spec_disk(spec, None, plans[5].id, None)
    assert (disk_id, d, body) == (plans[5].id, plans[5].profile.top_diameter_um, plans[5].body)
    disk_id, d, body = _spec_disk(spec, 2, None, None)
    assert disk_id == spec.unique_disks()[2].id
    disk_id, d, body = _spec_disk(spec, None, None, 12.5)
    assert disk_id is None and body.profile.top_diameter_um == pytest.approx(12.5)
    with pytest.raises(UserInputError, match="r99c99"):
        _spec_disk(spec, None, "r99c99", None)
    with pytest.raises(UserInputError, match="exactly one"):
        _spec_disk(spec, 1, "r00c00", None)
    with pytest.raises(UserInputError, match="top-diameter-um"):
        _spec_disk(spec, None, None, 1.0)  # too small to reach the substrate


def test_json_record_is_standard_json():
    import json

    from paradisk.identify.identification import Identification

    res = Identification(disk=None, spec_top_diameter_um=10.0, fitted_top_diameter_um=10.1,
                         sigma_um=math.nan, peaks=[], rms_residual_nm=math.inf,
                         reduced_chi2=np.float64(0.5), ambiguous=False, warnings=[],
                         alternatives=[], solved_diameters_um=[10.0], window_nm=(620.0, 660.0))
    d = json.loads(json.dumps(res.to_dict(), allow_nan=False))
    assert d["sigma"] is None and d["rms_residual_nm"] is None and d["reduced_chi2"] == 0.5
