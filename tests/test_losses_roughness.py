"""Surface-roughness scattering (solvers.losses.roughness) on a sphere, checked against the same
model evaluated with the exact (Mie) fields of the sphere's modes and against the published
large-sphere estimate of Gorodetsky et al. (J. Opt. Soc. Am. B 17, 1051 (2000)).

Mie fields of a sphere (radius a, index n, in vacuum, real k = 2 pi / lambda), with the vector
spherical harmonics X_lm, Y_lm (angular integrals of |X|^2, |Y|^2, |r x X|^2 all 1):

- TE: E = j_l(n k r) X_lm inside, c h_l(k r) X_lm outside, c = j_l(n k a) / h_l(k a);
- TM: H = f(r) X_lm with f = j_l(n k r) inside, c h_l(k r) outside (tangential H continuous);
  E = curl H / (eps k) up to a common factor: E_r = sqrt(l(l+1)) f / (eps r) Y_lm,
  E_t = (f + r f') / (eps r) (r x X_lm).
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import pytest
from scipy.integrate import dblquad, quad
from scipy.special import spherical_jn, spherical_yn

from geometry.bodies import Sphere
from solvers.losses import LossSettings, SurfaceRoughness, loss_budget
from solvers.losses.interfaces import InterfaceField, InterfacePoints
from solvers.losses.roughness import (
    roughness_inverse_q,
    spectral_factors,
    sphere_q_closed_form,
)
from tests.test_fem_mie import mie_resonance

R_UM, N, M = 3.0, 1.6, 35
RMS_NM, CORR_NM = 2.0, 20.0


def _h2(l_: int, x: float) -> float:
    return spherical_jn(l_, x) ** 2 + spherical_yn(l_, x) ** 2


def mie_energy_over_surface(l_: int, wavelength_nm: float, pol: str) -> tuple[float, float]:
    """(W, S) of the model for the sphere's mode of angular number l at real k: W the electric
    energy integral of eps |E|^2 (um^3), S the interface integral of
    |E_t|^2 + (eps_in/eps_out) |E_n,in|^2 (um^2), on one common scale."""
    k = 2.0 * math.pi / (wavelength_nm * 1e-3)
    eps = N * N
    a = R_UM
    j = lambda r: spherical_jn(l_, N * k * r)  # noqa: E731
    jp = lambda r: N * k * spherical_jn(l_, N * k * r, derivative=True)  # noqa: E731
    h2 = lambda r: _h2(l_, k * r)  # noqa: E731
    c2 = j(a) ** 2 / h2(a)
    r_out = 2.0 * a
    opts = {"limit": 400, "epsabs": 0.0, "epsrel": 1e-10}
    if pol == "TE":
        w_in = eps * quad(lambda r: j(r) ** 2 * r * r, 0.0, a, **opts)[0]
        w_out = c2 * quad(lambda r: h2(r) * r * r, a, r_out, **opts)[0]
        return w_in + w_out, a * a * j(a) ** 2
    ll = l_ * (l_ + 1)

    def hout(r: float) -> complex:
        return spherical_jn(l_, k * r) + 1j * spherical_yn(l_, k * r)

    def hpout(r: float) -> complex:
        return k * (spherical_jn(l_, k * r, derivative=True)
                    + 1j * spherical_yn(l_, k * r, derivative=True))

    c = j(a) / hout(a)

    def e2_in(r: float) -> float:
        return (ll * j(r) ** 2 + (j(r) + r * jp(r)) ** 2) / (eps * r) ** 2

    def e2_out(r: float) -> float:
        return (ll * abs(c * hout(r)) ** 2 + abs(c * (hout(r) + r * hpout(r))) ** 2) / r**2

    w_in = eps * quad(lambda r: e2_in(r) * r * r, 1e-9, a, **opts)[0]
    w_out = quad(lambda r: e2_out(r) * r * r, a, r_out, **opts)[0]
    e_r_in2 = ll * j(a) ** 2 / (eps * a) ** 2
    e_t_in2 = (j(a) + a * jp(a)) ** 2 / (eps * a) ** 2
    return w_in + w_out, a * a * (eps * e_r_in2 + e_t_in2)


def _mie_q(l_: int, wavelength_nm: float, pol: str) -> float:
    w, s = mie_energy_over_surface(l_, wavelength_nm, pol)
    lam = wavelength_nm * 1e-3
    area = math.pi * (CORR_NM * 1e-3) ** 2
    return 3 * lam**3 * w / (4 * math.pi**2 * (RMS_NM * 1e-3) ** 2 * area * (N * N - 1) ** 2 * s)


def _settings(rms_nm: float = RMS_NM) -> LossSettings:
    # the Rayleigh limit: the model whose sphere result is the closed form
    rough = SurfaceRoughness(rms_nm=rms_nm, correlation_nm=CORR_NM, spectrum="rayleigh")
    return LossSettings(roughness={"wall": rough, "top": rough})


@lru_cache(maxsize=1)
def sphere_modes():
    from solvers.fem import find_modes

    body = Sphere(radius_um=R_UM, index=N)
    recs = find_modes(body, m=M, window_nm=None)
    return body, {r.polarization: r for r in recs if r.radial_order == 1 and r.axial_order == 0}


# --- fast: the formula itself --------------------------------------------------------------


def _flat_patch(e_tan2: float, e_norm2: float) -> InterfaceField:
    pts = InterfacePoints(np.array([1.0]), np.array([0.0]), np.array([1.0]), np.array([0.0]),
                          np.array([1.0 / (2 * math.pi)]))  # 1 um^2 of surface
    return InterfaceField(pts, np.array([e_tan2]), np.array([e_norm2]), np.array([2.25]),
                          np.array([1.0]))


def test_roughness_q_is_exactly_inverse_square_in_rms_and_in_correlation_length() -> None:
    f = _flat_patch(1.0, 0.5)
    base = roughness_inverse_q(f, 10.0, 630.0, 2.0, 30.0, 1.0)
    assert roughness_inverse_q(f, 10.0, 630.0, 6.0, 30.0, 1.0) == pytest.approx(9 * base,
                                                                               rel=1e-14)
    assert roughness_inverse_q(f, 10.0, 630.0, 2.0, 60.0, 1.0) == pytest.approx(4 * base,
                                                                               rel=1e-14)
    # by hand: 4 pi^2 n0 sigma^2 pi L^2 (eps_in - eps_out)^2 (E_t^2 + eps_in/eps_out E_n^2)
    #          / (3 lambda^3 W), lengths in um
    hand = (4 * math.pi**2 * 1.0 * 0.002**2 * math.pi * 0.03**2 * 1.25**2 * (1.0 + 2.25 * 0.5)
            / (3 * 0.63**3 * 10.0))
    assert base == pytest.approx(hand, rel=1e-12)


def test_spectral_factors_against_direct_integration() -> None:
    # Rayleigh limit: every component radiates fully
    for f in spectral_factors(1e-8, np.array([0.0])):
        assert f[0] == pytest.approx(1.0, abs=1e-12)
    # no in-plane phase (b = 0): F_phi = F_t, and F_n = (3/4) int (1 - mu^2) exp(-a^2 (1 - mu^2))
    a = 0.8
    f_phi, f_t, f_n = (x[0] for x in spectral_factors(a, np.array([0.0])))
    assert f_phi == pytest.approx(f_t, rel=1e-12)
    direct_n = 0.75 * quad(lambda mu: (1 - mu * mu) * math.exp(-a * a * (1 - mu * mu)), -1, 1)[0]
    assert f_n == pytest.approx(direct_n, rel=1e-8)
    # a mode's own phase (b > 0) against a direct double integral over the sphere
    a, b = 0.6, 0.9

    def integrand(psi: float, mu: float, comp: int) -> float:
        st = math.sqrt(1 - mu * mu)
        s = (st * math.cos(psi), st * math.sin(psi), mu)
        g = math.exp(-((a * s[0] - b) ** 2) - (a * s[1]) ** 2)
        return 3 / (8 * math.pi) * (1 - s[comp] ** 2) * g

    got = spectral_factors(a, np.array([b]))
    for comp in range(3):
        want = dblquad(lambda psi, mu, c=comp: integrand(psi, mu, c), -1, 1, 0, 2 * math.pi,
                       epsabs=1e-12, epsrel=1e-10)[0]
        assert got[comp][0] == pytest.approx(want, rel=1e-6)
    # a longer correlation, or a faster phase, radiates less
    assert spectral_factors(1.2, np.array([b]))[2][0] < got[2][0]
    assert spectral_factors(a, np.array([1.5]))[2][0] < got[2][0]


def test_gaussian_spectrum_tends_to_the_rayleigh_limit() -> None:
    f = _flat_patch(1.0, 0.5)
    ray = roughness_inverse_q(f, 10.0, 630.0, 2.0, 30.0, 1.0)
    for corr, lo, hi in ((0.01, 1 - 1e-6, 1.0), (30.0, 0.5, 0.99), (300.0, 0.0, 0.5)):
        r = roughness_inverse_q(f, 10.0, 630.0, 2.0, corr, 1.0, azimuthal_number=20,
                                spectrum="gaussian")
        r_ray = ray * (corr / 30.0) ** 2
        assert lo <= r / r_ray <= hi, corr
    with pytest.raises(ValueError, match="azimuthal_number"):
        roughness_inverse_q(f, 10.0, 630.0, 2.0, 30.0, 1.0, spectrum="gaussian")


def test_normal_field_scatters_more_than_the_same_tangential_field() -> None:
    # the formula's weights: for the same intensity just inside, a normal field counts
    # eps_in/eps_out times a tangential one (a mode's normal field just inside is itself smaller:
    # the bare disk's faces scatter TE and TM alike, tests/test_losses_roughness_polarization.py)
    t = roughness_inverse_q(_flat_patch(1.0, 0.0), 1.0, 630.0, 1.0, 20.0, 1.0)
    n = roughness_inverse_q(_flat_patch(0.0, 1.0), 1.0, 630.0, 1.0, 20.0, 1.0)
    assert n == pytest.approx(2.25 * t, rel=1e-12)


def test_exact_mie_fields_give_the_closed_form_for_te_and_tm() -> None:
    # At every resonance of a sphere in vacuum, W / S = a (eps - 1) / 2 exactly, TE and TM:
    # eps - 1 times S is the boundary integral of the shifted-boundary perturbation formula
    # (Johnson et al. 2002), and scaling the sphere scales lambda (d ln omega / d ln a = -1),
    # so Q = 3 lambda^3 a / (8 pi^2 n0 (n^2 - 1) A_c sigma^2) for both polarizations
    for pol in ("TE", "TM"):
        for l_ in (35, 50, 100):  # radiation Q > 1e6: the outgoing tail is negligible
            lam = 2 * math.pi / mie_resonance(R_UM, N, l_, pol).real * 1e3
            q = _mie_q(l_, lam, pol)
            closed = sphere_q_closed_form(lam, R_UM, N, RMS_NM, CORR_NM)
            assert q == pytest.approx(closed, rel=1e-4), (pol, l_)
    # off resonance the identity fails: the check can fail
    lam = 2 * math.pi / mie_resonance(R_UM, N, 35, "TE").real * 1e3
    assert abs(_mie_q(35, 1.01 * lam, "TE") / sphere_q_closed_form(
        1.01 * lam, R_UM, N, RMS_NM, CORR_NM) - 1.0) > 0.05


# --- slow: the FEM mode's fields on the sphere ----------------------------------------------


@pytest.mark.slow
def test_fem_sphere_roughness_q_matches_the_model_with_exact_mie_fields() -> None:
    body, modes = sphere_modes()
    assert set(modes) == {"TE", "TM"}
    for pol, rec in modes.items():
        budget = loss_budget(rec, body, _settings())
        exact = _mie_q(M, rec.wavelength_nm, pol)
        assert budget.Q_roughness == pytest.approx(exact, rel=2e-3), pol
        # a sphere's cap and side add up to its whole surface
        assert set(budget.roughness_by_interface) == {"wall", "top"}


@pytest.mark.slow
def test_fem_sphere_te_roughness_q_matches_the_published_estimate() -> None:
    """The estimate Q_ss ~ 3 lambda^3 a / (8 n pi^2 B^2 sigma^2) quoted from Gorodetsky et al.
    (PHYSICS.md; Vernooy et al., Opt. Lett. 23, 247 (1998)), B^2 read as the correlation area
    (pi L^2 for this model's Gaussian correlation exp(-r^2 / L^2)). The volume-current model
    has the same lambda^3 a / (B^2 sigma^2) form and prefactor 3 / (8 pi^2), with the sliver's
    polarizability n0 (n^2 - 1) in place of the estimate's n: the two agree only near
    n^2 - 1 = n (n ~ 1.62; here n = 1.6, 2.5 % apart) and differ by 30 % at silica's 1.45.
    So the check is the ratio, n / (n0 (n^2 - 1)), to 2 %, and the absolute agreement is not
    claimed beyond that."""
    body, modes = sphere_modes()
    rec = modes["TE"]
    q = loss_budget(rec, body, _settings()).Q_roughness
    lam = rec.wavelength_nm * 1e-3
    b2 = math.pi * (CORR_NM * 1e-3) ** 2
    published = 3 * lam**3 * R_UM / (8 * N * math.pi**2 * b2 * (RMS_NM * 1e-3) ** 2)
    assert q == pytest.approx(published * N / (N**2 - 1.0), rel=0.02)
    assert q == pytest.approx(
        sphere_q_closed_form(rec.wavelength_nm, R_UM, N, RMS_NM, CORR_NM), rel=0.02)


@pytest.mark.slow
def test_fem_roughness_q_scales_as_inverse_rms_squared() -> None:
    body, modes = sphere_modes()
    rec = modes["TE"]
    q1 = loss_budget(rec, body, _settings(1.0)).Q_roughness
    q3 = loss_budget(rec, body, _settings(3.0)).Q_roughness
    assert q1 / q3 == pytest.approx(9.0, rel=1e-12)
