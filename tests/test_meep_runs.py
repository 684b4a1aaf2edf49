"""Real Meep runs (in worker processes), short enough for the default test run.

Resolution: these tests pick low resolutions on purpose; PARADISK_MEEP_RESOLUTION_SCALE (see
solvers.meep.settings) scales them further down in CI when set.
"""

from __future__ import annotations

import dataclasses
import math
import subprocess
import sys

import numpy as np
import pytest

from geometry.bodies import Coating, Cylinder, Layer, Surroundings
from solvers.materials import permittivity
from solvers.meep import MeepSettings, make_job
from solvers.meep.fields import scene_eps_grid
from solvers.meep.hits import select_resonances
from solvers.meep.runner import MeepWorkerError, run_worker
from solvers.meep.scene import build_scene
from solvers.meep.settings import resolution_scale

# real Meep runs: the slow tier
pytestmark = pytest.mark.slow

# a small high-index disk: m = 12 near 1.2 um, radiation Q of a few 1e4 (cheap, well isolated)
DISK = Cylinder(radius_um=1.5, height_um=0.6, index=2.5)
WINDOW_NM = (1250.0, 1550.0)
M = 12


def _scene(resolution: float, conductivity: float = 0.0, **kw):
    # short ring-down and a thin air margin: the checks here do not need Q_rad to 1 %
    # the cell starts at r = 0.6 um (exclude_axis), inside the m = 12 mode's caustic tail
    s = MeepSettings(resolution=resolution, q_target=1e3, min_ringdown_periods=60.0,
                     pml_um=1.0, gap_um=0.8, exclude_axis=True, axis_cut_fraction=0.4, **kw)
    scene = build_scene(DISK, WINDOW_NM, s, resolution * resolution_scale())
    if conductivity:
        scene.materials = {
            k: dataclasses.replace(v, d_conductivity=conductivity)
            for k, v in scene.materials.items()
        }
    return s, scene


def _resonances(job):
    wr = run_worker(job, timeout_s=600)
    f_lo, f_hi = 1e3 / WINDOW_NM[1], 1e3 / WINDOW_NM[0]
    return wr, select_resonances(wr.result["hits"], f_lo, f_hi)


def test_uniformly_lossy_disk_has_exact_absorption_q():
    """With the same D-conductivity sigma everywhere (disk, air, PML), eps -> eps (1 + i
    sigma / omega) in every medium, so Im(omega) grows by exactly sigma / 2: 1/Q = 1/Q_rad +
    sigma / omega, i.e. Q_abs = Re eps / Im eps = omega / sigma."""
    s, scene = _scene(16)
    _, lossless = _resonances(make_job(scene, M, "TE", s))
    assert lossless, "no mode found in the lossless disk"
    f0 = lossless[0].freq
    q_abs_target = 3.0e3
    sigma = 2.0 * math.pi * f0 / q_abs_target
    _, lossy_scene = _scene(16, conductivity=sigma)
    _, lossy = _resonances(make_job(lossy_scene, M, "TE", s))
    match = min(lossy, key=lambda r: abs(r.freq - f0))
    inv_rad = 0.0 if math.isinf(lossless[0].Q) else 1.0 / lossless[0].Q
    q_abs = 1.0 / (1.0 / match.Q - inv_rad)
    exact = 2.0 * math.pi * match.freq / sigma  # Re eps / Im eps at the mode's frequency
    # measured: 5.8e-5 (the short ring-down's error of the subtracted Q_rad ~ 9e4 dominates)
    assert q_abs == pytest.approx(exact, rel=5e-4)
    # the loss moves the frequency by exactly Re w = sqrt(w0^2 - sigma^2/4), here -1.4e-8
    # (measured -1.26e-8)
    shifted = f0 * math.sqrt(1.0 - (sigma / (4.0 * math.pi * f0)) ** 2)
    assert match.freq == pytest.approx(shifted, rel=1e-8)


def test_worker_eps_grid_is_z_r_ordered_and_matches_the_body():
    """DFT fields come back (z, r)-ordered on voxel centres: the permittivity on that grid is
    the disk's where the disk is, air elsewhere, and the mode lives at the rim."""
    s, scene = _scene(16)
    _, res = _resonances(make_job(scene, M, "TE", s))
    job = make_job(scene, M, "TE", s, dft_freqs=[res[0].freq])
    wr = run_worker(job, timeout_s=600)
    r = np.asarray(wr.result["grid"]["r"])
    z = np.asarray(wr.result["grid"]["z"])
    eps = wr.fields["eps_f0"]
    assert eps.shape == (z.size, r.size)
    inside = (r[None, :] < DISK.radius_um - 0.1) & (np.abs(z[:, None] - 0.3) < 0.2)
    outside = (r[None, :] > DISK.radius_um + 0.1) | (np.abs(z[:, None] - 0.3) > 0.45)
    assert np.allclose(eps[inside], 6.25)
    assert np.allclose(eps[outside], 1.0)
    inten = np.abs(wr.fields["Ez"][0]) ** 2
    iz, ir = np.unravel_index(np.argmax(inten), inten.shape)
    assert 0.7 * DISK.radius_um < r[ir] < DISK.radius_um + 0.05
    assert abs(z[iz] - 0.3) < 0.2


def _interior(mask: np.ndarray) -> np.ndarray:
    """The pixels of ``mask`` whose 8 neighbours are in ``mask`` too."""
    out = mask.copy()
    out[0, :] = out[-1, :] = out[:, 0] = out[:, -1] = False
    for dz in (-1, 0, 1):
        for dr in (-1, 0, 1):
            out &= np.roll(np.roll(mask, dz, axis=0), dr, axis=1)
    return out


def test_eps_grid_of_a_mode_is_taken_at_its_frequency_for_dispersive_materials():
    """Named (dispersive) materials: the eps grid the field analysis uses is the eps at the DFT
    frequency, i.e. solvers.materials' permittivity there (SU8 2.52, gold -12 + 1.2i near
    640 nm), not Meep's instantaneous eps (f = 0: eps_inf of the fits, 1.59 and ~11, which
    made film_fraction_dft, body_fraction and mode_volume_um3 wrong). Meep's f = 0 grid
    (``eps_f0``) is the reference for where each material is; no mode is needed: the DFT runs
    at two fixed wavelengths."""
    body = Cylinder(radius_um=1.0, height_um=0.5, index="SU8", surroundings=Surroundings(
        substrate=(Layer(material="Au", thickness_um=0.3),), substrate_halfspace="glass"))
    window = (610.0, 680.0)
    # resolution 40: at 20 (dt = 0.025) the UV poles of the SU8 and glass fits (f ~ 7-10/um,
    # eps_inf ~ 1) are unstable at Courant 0.5
    s = MeepSettings(resolution=40.0, pml_um=0.5, gap_um=0.4)
    scene = build_scene(body, window, s, 40.0)
    wavelengths_nm = (615.0, 675.0)
    job = make_job(scene, 3, "TE", s, dft_freqs=[1e3 / w for w in wavelengths_nm])
    job["ringdown_time"] = 2.0
    wr = run_worker(job, timeout_s=600)
    r = np.asarray(wr.result["grid"]["r"])
    z = np.asarray(wr.result["grid"]["z"])
    eps0 = wr.fields["eps_f0"]
    # pixels well inside the SU8 disk and the gold layer (away from sub-pixel averaging)
    in_su8 = (r[None, :] < 0.8) & (np.abs(z[:, None] - 0.25) < 0.12)
    in_gold = (r[None, :] < 0.8) & (np.abs(z[:, None] + 0.15) < 0.07)
    assert in_su8.any() and in_gold.any()
    fits = {k: scene.materials[k] for k in ("SU8", "Au")}
    assert np.allclose(eps0[in_su8], fits["SU8"].eps_inf)  # Meep's f = 0 grid: eps_inf
    assert np.allclose(eps0[in_gold], fits["Au"].eps_inf)
    for lam in wavelengths_nm:
        eps = scene_eps_grid(scene, r, z, lam)
        assert eps.shape == eps0.shape
        su8, gold = complex(permittivity("SU8", lam)), complex(permittivity("Au", lam))
        assert np.allclose(eps[in_su8], su8, rtol=1e-4), (lam, eps[in_su8][:3], su8)
        assert np.allclose(eps[in_gold], gold, rtol=0.02), (lam, eps[in_gold][:3], gold)
        # the same materials where Meep put them: every pixel that Meep sees, with its
        # neighbours, as pure SU8 / gold / air is that material here too (get_array
        # interpolates between Yee points, so pixels next to an interface are mixed)
        for eps_f0, want in ((fits["SU8"].eps_inf, su8), (fits["Au"].eps_inf, gold),
                             (1.0, 1.0)):
            pure = _interior(np.isclose(eps0, eps_f0, rtol=1e-6))
            assert pure.sum() > 20
            assert np.allclose(eps[pure], want, rtol=0.02)
    # gold's eps moves across the band (the dispersion is really evaluated)
    g615, g675 = (scene_eps_grid(scene, r, z, lam)[in_gold].mean() for lam in wavelengths_nm)
    assert abs(g615 - g675) > 1.0


def test_worker_divergence_is_retried_with_smaller_courant():
    """Courant 1.2 breaks the Yee stability limit: the worker reports the blow-up, the runner
    warns and retries at 0.6 and 0.3 x, and the retried run finds the mode."""
    s, scene = _scene(10)
    job = make_job(scene, M, "TE", s, courant=1.2)
    job["ringdown_time"] = 30.0
    with pytest.warns(RuntimeWarning, match="diverged at Courant 1.2"):
        wr = run_worker(job, timeout_s=600, max_retries=3, retry_factor=0.5)
    assert wr.retries >= 1
    assert wr.courant <= 0.6
    # the retried run is a clean restart: it finds the m = 12 mode exactly as a direct run at
    # the retried Courant factor does (measured: f = 0.733102/um at Courant 0.6; the Courant
    # factor itself moves the Yee dispersion by 1e-3 at this coarse resolution, so the
    # reference is a run at the same factor)
    f_lo, f_hi = 1e3 / WINDOW_NM[1], 1e3 / WINDOW_NM[0]
    found = select_resonances(wr.result["hits"], f_lo, f_hi)
    assert found, "the retried run found no mode"
    direct = run_worker(dict(job, courant=wr.courant), timeout_s=600, max_retries=0)
    ref = select_resonances(direct.result["hits"], f_lo, f_hi)
    assert ref and direct.retries == 0
    assert [r.freq for r in found] == pytest.approx([r.freq for r in ref], rel=1e-9)


def test_worker_divergence_without_retries_raises():
    s, scene = _scene(10)
    job = make_job(scene, M, "TE", s, courant=1.2)
    job["ringdown_time"] = 30.0
    with pytest.raises(MeepWorkerError, match="diverged"):
        run_worker(job, timeout_s=600, max_retries=0)


def test_worker_bad_job_and_timeout_raise_clear_errors():
    s, scene = _scene(10)
    job = make_job(scene, M, "TE", s)
    bad = {k: v for k, v in job.items() if k != "probes"}
    with pytest.raises(MeepWorkerError, match=r"rejected its job.*probes"):
        run_worker(bad, timeout_s=600)
    broken = dict(job, scene=dict(job["scene"], objects=[{"type": "torus"}]))
    with pytest.raises(MeepWorkerError, match="exit status 1"):
        run_worker(broken, timeout_s=600)
    with pytest.raises(MeepWorkerError, match="time limit"):
        run_worker(job, timeout_s=0.5)


def test_parent_never_imports_meep():
    """Running find_modes' whole parent side (scene, job, one worker run) leaves ``meep`` out of
    the caller's modules (Debian's Meep sets flush-to-zero on import)."""
    code = (
        "import sys\n"
        "from tests.test_meep_runs import DISK, WINDOW_NM, M\n"
        "from solvers.meep import find_modes\n"
        "recs = find_modes(DISK, m=M, window_nm=WINDOW_NM, polarizations=('TE',),"
        " resolution=10, q_target=1e3, fields=False, progress=False, exclude_axis=True,"
        " axis_cut_fraction=0.4)\n"
        "assert recs, 'no mode'\n"
        "assert 'meep' not in sys.modules, 'meep imported in the parent'\n"
        "import numpy as np\n"
        "assert np.finfo(float).smallest_subnormal > 0\n"
        "print('ok', recs[0].wavelength_nm)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=600, cwd=str(__import__('pathlib').Path(__file__).parents[1]))
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.startswith("ok")


def test_coated_disk_film_fraction_and_polarization():
    """find_modes end to end on a coated disk: one TE and one TM fundamental mode, their film
    fractions from the perturbation run agree with the pixel sum of the DFT fields within 40 %
    (the pixel sum misses the jump of the normal E across an 80 nm film, 1.3 pixels here), and
    are small but non-zero."""
    body = Cylinder(radius_um=1.5, height_um=0.6, index=2.5,
                    surroundings=Surroundings(coating=Coating(thickness_um=0.08, index=1.8)))
    from solvers.meep import find_modes

    recs = find_modes(body, m=M, window_nm=WINDOW_NM, resolution=16,
                      q_target=1e3, min_ringdown_periods=60.0, pml_um=1.0, gap_um=0.8,
                      exclude_axis=True, axis_cut_fraction=0.4, progress=False)
    pols = sorted(r.polarization for r in recs)
    assert pols == ["TE", "TM"], [(r.polarization, r.wavelength_nm) for r in recs]
    for r in recs:
        assert r.radial_order == 1 and r.axial_order == 0
        assert 0.01 < r.film_fraction < 0.5
        assert r.film_fraction == pytest.approx(r.extra["film_fraction_dft"], rel=0.4)
        assert r.field_rz is not None and r.field_rz.E_z.shape == r.field_rz.eps.shape
