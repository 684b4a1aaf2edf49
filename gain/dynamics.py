"""Above-threshold dynamics during the pump pulse: populations and competing cavity modes.

Rate equations (PHYSICS.md section 6; paper p. 9 and Fig. 6d), per emitter site (a particle
holds ``independent_sites`` sites sharing its cross-sections, see gain.materials), time in ns:

    n0 = 1 - nX - nXX
    dnX/dt  = p(t) (n0 - nX) - nX/tau_X + nXX/tau_XX
              + sum_k W_k [ A0_k n0 - (EX_k + AX_k) nX + EXX_k nXX ]
    dnXX/dt = p(t) nX - nXX/tau_XX + sum_k W_k [ AX_k nX - EXX_k nXX ]
    dq_k/dt = v_k Gamma_k C [ G_k(n) q_k + EX_k nX + EXX_k nXX ] - q_k omega_k / Q_k

- p(t): pump rate per site, a Gaussian pulse of FWHM ``pulse_duration_ns`` whose integral is
  N / sites (N = mean photons absorbed per particle). Pumping 0 -> X and X -> XX at the same
  rate reproduces the Poisson populations of Eq. 5 when decay is negligible; absorption by XX
  leads to higher multiexcitons that relax back into XX (no change).
- Cross-sections per particle at the mode wavelength (Eq. 5 terms, energy shifts):
  A0 = s0(E) (0 -> X), EX = s0(E + D_S)/2 (X -> 0 emission), AX = s0(E - D_XX)/2 (X -> XX),
  EXX = s0(E + D_S - D_XX) (XX -> X emission); G_k = -A0 n0 + (EX - AX) nX + EXX nXX - h.
- q_k: photon number in mode k; W_k = v_k q_k / (V_k sites) the stimulated rate per site per
  unit cross-section (photon density q/V in the mode volume V); v = c/n_g with n_g the index
  of the gain medium (``CavityModes.loss_index``: the film's refractive index, see the ``gain``
  package docstring; the same index as in the loss 2 pi n / (lambda Q)); omega/Q the cavity
  decay. The static threshold of a mode is then that of ``mode_thresholds(..., loss_index)``.
  Spontaneous emission into a mode is the stimulated rate with one photon in it (Einstein
  relation), which gives the source term
  v Gamma C (EX nX + EXX nXX). All modes draw on the same emitters (the rim region).
- The system is stiff (cavity photon lifetimes of ps against a ns pulse): it is integrated with
  scipy's BDF method on ln q_k, vectorised over modes; the emitted photons per mode
  int q_k omega_k/Q_k dt and the free-space spontaneous photons per site are integrated
  alongside, through the pulse and a tail of several lifetimes (``simulate_pulse``).
- Photon bookkeeping: spontaneous emission into a mode is part of the measured radiative rate
  (tau_X, QY_X), so it does not deplete the populations a second time; cavity photons the film
  reabsorbs (A0 n0) re-excite it. Below threshold the free-space photons per site therefore
  equal QY-weighted pump absorption plus this recycling (+4 % for two Gamma = 0.1 modes,
  tests/test_gain_dynamics.py).

Mode volume: ``mode_volume_um3`` if given, else the assumption V = 2 pi R * 1.5 (lambda/n)^2
with R = m lambda / (2 pi n) (a whispering-gallery mode of cross-section ~1.5 (lambda/n)^2).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.integrate import solve_ivp

from gain.materials import NanocrystalMaterial, energy_eV
from geometry.constants import SPEED_OF_LIGHT_M_PER_S, SPEED_OF_LIGHT_NM_PER_NS

C_CM_PER_NS = SPEED_OF_LIGHT_M_PER_S * 1e-7  # speed of light, cm/ns (1 m/s = 1e-7 cm/ns)
GAUSS_FWHM_PER_SIGMA = 2.0 * math.sqrt(2.0 * math.log(2.0))
WGM_SECTION_FACTOR = 1.5  # assumption: WGM cross-section ~ 1.5 (lambda/n)^2
# default tail after the pulse, in units of the slowest lifetime max(tau_X, tau_XX): exp(-8)
# = 3e-4 of the excitation is left (numerical choice, not a physical parameter)
TAIL_LIFETIMES = 8.0


@dataclass(frozen=True)
class CavityModes:
    """The competing modes of one disk (1-D arrays of equal length)."""

    wavelength_nm: NDArray[np.float64]
    Q: NDArray[np.float64]
    film_fraction: NDArray[np.float64]
    effective_index: NDArray[np.float64]
    mode_volume_um3: NDArray[np.float64]
    loss_index: NDArray[np.float64]  # film (gain medium) index: v = c / loss_index

    @classmethod
    def build(
        cls,
        wavelength_nm: ArrayLike,
        Q: ArrayLike,
        film_fraction: ArrayLike,
        effective_index: ArrayLike,
        m: ArrayLike | None = None,
        mode_volume_um3: ArrayLike | None = None,
        *,
        loss_index: ArrayLike,
    ) -> CavityModes:
        """Validate; estimate mode volumes from m when not given (see module docstring).

        ``loss_index``: the film's refractive index (required; the effective index only sets
        the estimated mode volume).
        """
        lam, q, g, n = (np.atleast_1d(np.asarray(x, dtype=float)) for x in
                        (wavelength_nm, Q, film_fraction, effective_index))
        lam, q, g, n = np.broadcast_arrays(lam, q, g, n)
        if lam.ndim != 1 or lam.size == 0:
            raise ValueError("modes must be a non-empty 1-D set")
        if np.any(~np.isfinite(lam)) or np.any(lam <= 0):
            raise ValueError("wavelength_nm must be finite and > 0")
        if np.any(~np.isfinite(q)) or np.any(q <= 0):
            raise ValueError("Q must be finite and > 0 for the dynamics")
        if np.any((g < 0) | (g > 1)):
            raise ValueError("film_fraction must be within [0, 1]")
        if np.any(n <= 0):
            raise ValueError("effective_index must be > 0")
        if mode_volume_um3 is not None:
            vol = np.broadcast_to(np.asarray(mode_volume_um3, dtype=float), lam.shape).copy()
            if np.any(~(vol > 0)):
                raise ValueError("mode_volume_um3 must be > 0")
        elif m is not None:
            mm = np.broadcast_to(np.asarray(m, dtype=float), lam.shape)
            if np.any(mm <= 0):
                raise ValueError("m must be > 0 to estimate a mode volume")
            lam_um = lam * 1e-3
            vol = mm * lam_um / n * WGM_SECTION_FACTOR * (lam_um / n) ** 2
        else:
            raise ValueError("give mode_volume_um3 or m (to estimate the mode volume)")
        ng = np.broadcast_to(np.asarray(loss_index, dtype=float), lam.shape).copy()
        if np.any(~(ng > 0)):
            raise ValueError("loss_index must be > 0")
        return cls(lam.copy(), q.copy(), g.copy(), n.copy(), vol, ng)

    @property
    def size(self) -> int:
        return int(self.wavelength_nm.size)


@dataclass(frozen=True)
class PulseResult:
    """Outcome of one pump pulse."""

    N: float  # mean photons absorbed per particle in the pulse
    emitted_photons: NDArray[np.float64]  # photons leaving each mode during the pulse
    spontaneous_X: float  # int nX/tau_X,rad dt per site (photons per site, free space)
    spontaneous_XX: float  # int nXX/tau_XX,rad dt per site
    t_ns: NDArray[np.float64]
    nX: NDArray[np.float64]
    nXX: NDArray[np.float64]
    photons: NDArray[np.float64]  # (modes, times) photon number in each mode


def _cross_sections(material: NanocrystalMaterial, lam_nm: NDArray) -> dict[str, NDArray]:
    e = energy_eV(lam_nm)
    s = material.sigma0_at_energy
    ds, dxx = material.stokes_shift_eV, material.xx_splitting_eV
    return {
        "A0": s(e),
        "EX": 0.5 * s(e + ds),
        "AX": 0.5 * s(e - dxx),
        "EXX": s(e + ds - dxx),
        "H": material.sigma_high_at_energy(e),
    }


def simulate_pulse(
    material: NanocrystalMaterial,
    concentration_per_cm3: float,
    modes: CavityModes,
    N: float,
    pulse_duration_ns: float = 1.0,
    tail_ns: float | None = None,
    rtol: float = 1e-6,
) -> PulseResult:
    """Integrate one pulse delivering N absorbed photons per particle (on average).

    Integration runs from 3 pulse widths (FWHM) before the pulse maximum to 3 widths after it
    (steps <= FWHM/5), then over ``tail_ns`` (free step size) while the excitation decays.
    Default tail: ``TAIL_LIFETIMES`` times the slowest lifetime max(tau_X, tau_XX), so that
    the photons emitted after the pulse (below threshold: most of them, on the X lifetime) are
    counted to ~3e-4.
    """
    if not (N >= 0 and math.isfinite(N)):
        raise ValueError(f"N must be finite and >= 0, got {N}")
    if not concentration_per_cm3 > 0:
        raise ValueError("concentration_per_cm3 must be > 0")
    if not pulse_duration_ns > 0:
        raise ValueError("pulse_duration_ns must be > 0")
    K = modes.size
    sites = material.independent_sites
    xs = _cross_sections(material, modes.wavelength_nm)
    A0, EX, AX, EXX, H = xs["A0"], xs["EX"], xs["AX"], xs["EXX"], xs["H"]
    v = C_CM_PER_NS / modes.loss_index  # cm/ns, light speed in the gain medium
    vol_cm3 = modes.mode_volume_um3 * 1e-12
    kappa = 2.0 * math.pi * SPEED_OF_LIGHT_NM_PER_NS / (modes.wavelength_nm * modes.Q)  # 1/ns
    vgc = v * modes.film_fraction * concentration_per_cm3  # 1/(ns cm^2)
    w_per_q = v / (vol_cm3 * sites)  # W_k = w_per_q * q_k  (1/(ns cm^2))
    gx, gxx = 1.0 / material.tau_x_ns, 1.0 / material.tau_xx_ns
    rad_x = material.radiative_rate_x_per_ns
    rad_xx = material.radiative_rate_xx_per_ns
    sig_t = pulse_duration_ns / GAUSS_FWHM_PER_SIGMA
    n_site = N / sites
    if tail_ns is None:
        tail_ns = TAIL_LIFETIMES * max(material.tau_x_ns, material.tau_xx_ns)
    if not (tail_ns >= 0 and math.isfinite(tail_ns)):
        raise ValueError(f"tail_ns must be finite and >= 0, got {tail_ns}")
    t0 = -3.0 * pulse_duration_ns
    t_end_pulse = 3.0 * pulse_duration_ns
    t1 = t_end_pulse + tail_ns

    def pump(t: float) -> float:
        return n_site * math.exp(-0.5 * (t / sig_t) ** 2) / (sig_t * math.sqrt(2.0 * math.pi))

    col = (slice(None), None)

    def rhs(t: float, y: NDArray) -> NDArray:
        nx, nxx = y[0], y[1]
        lq = np.maximum(y[2 : 2 + K], -600.0)  # q -> 0 only when a mode has no film overlap
        q = np.exp(lq)
        n0 = 1.0 - nx - nxx
        p = pump(t)
        w = w_per_q[col] * q
        stim_x = np.sum(w * (A0[col] * n0 - (EX[col] + AX[col]) * nx + EXX[col] * nxx), axis=0)
        stim_xx = np.sum(w * (AX[col] * nx - EXX[col] * nxx), axis=0)
        dnx = p * (n0 - nx) - gx * nx + gxx * nxx + stim_x
        dnxx = p * nx - gxx * nxx + stim_xx
        gain = -A0[col] * n0 + (EX[col] - AX[col]) * nx + EXX[col] * nxx - H[col]
        spont = EX[col] * nx + EXX[col] * nxx
        dlq = vgc[col] * (gain + spont * np.exp(-lq)) - kappa[col]
        demit = kappa[col] * q
        # free-space spontaneous photons per site (X -> 0 and XX -> X radiative decays)
        return np.vstack([dnx, dnxx, dlq, demit, rad_x * nx, rad_xx * nxx])

    def rhs1(t: float, y: NDArray) -> NDArray:
        if y.ndim == 1:
            return rhs(t, y[:, None])[:, 0]
        return rhs(t, y)

    # start: no excitation, photon numbers at a tiny seed (spontaneous emission fills them)
    y0 = np.concatenate([[0.0, 0.0], np.full(K, math.log(1e-12)), np.zeros(K), [0.0, 0.0]])
    atol = np.concatenate([[1e-12, 1e-12], np.full(K, 1e-6), np.full(K, 1e-9),
                           [1e-12, 1e-12]])
    # the pulse with bounded steps (the pump must not be stepped over), then the free tail
    sol = solve_ivp(
        rhs1, (t0, t_end_pulse), y0, method="BDF", rtol=rtol, atol=atol, vectorized=True,
        first_step=1e-4 * pulse_duration_ns, max_step=pulse_duration_ns / 5.0,
    )
    if not sol.success:
        raise RuntimeError(f"rate equations failed at N={N}: {sol.message}")
    t_all, y_all = sol.t, sol.y
    if tail_ns > 0:
        tail = solve_ivp(
            rhs1, (t_end_pulse, t1), sol.y[:, -1], method="BDF", rtol=rtol, atol=atol,
            vectorized=True, first_step=1e-4 * pulse_duration_ns,
        )
        if not tail.success:
            raise RuntimeError(f"rate equations failed after the pulse at N={N}: "
                               f"{tail.message}")
        t_all = np.concatenate([sol.t, tail.t[1:]])
        y_all = np.concatenate([sol.y, tail.y[:, 1:]], axis=1)
    nx_t, nxx_t = y_all[0], y_all[1]
    return PulseResult(
        N=float(N),
        emitted_photons=y_all[2 + K : 2 + 2 * K, -1].copy(),
        spontaneous_X=float(y_all[-2, -1]),
        spontaneous_XX=float(y_all[-1, -1]),
        t_ns=t_all,
        nX=nx_t,
        nXX=nxx_t,
        photons=np.exp(y_all[2 : 2 + K]),
    )


def light_in_light_out(
    material: NanocrystalMaterial,
    concentration_per_cm3: float,
    modes: CavityModes,
    N_values: ArrayLike,
    pulse_duration_ns: float = 1.0,
) -> tuple[NDArray[np.float64], list[PulseResult]]:
    """Photons emitted by each mode per pulse, shape (len(N_values), modes), and the runs."""
    runs = [
        simulate_pulse(material, concentration_per_cm3, modes, float(n), pulse_duration_ns)
        for n in np.atleast_1d(np.asarray(N_values, dtype=float))
    ]
    return np.array([r.emitted_photons for r in runs]), runs


def emission_spectra(
    material: NanocrystalMaterial,
    modes: CavityModes,
    runs: list[PulseResult],
    wavelengths_nm: ArrayLike,
    resolution_nm: float = 0.2,
    background_per_site: float = 1.0e3,
) -> NDArray[np.float64]:
    """Spectra (runs x wavelengths, photons/nm, arbitrary scale) seen by a spectrometer.

    Each mode contributes its emitted photons as a Gaussian line of FWHM ``resolution_nm``
    (paper: lasing lines < 0.2 nm, spectrometer-limited). The free-space spontaneous emission
    of X (line s0(E + D_S)) and XX (line s0(E + D_S - D_XX)) is added with weight
    ``background_per_site`` (assumption: a collection scale, not a physical constant).
    """
    lam = np.asarray(wavelengths_nm, dtype=float)
    e = energy_eV(lam)
    sx = material.sigma0_at_energy(e + material.stokes_shift_eV)
    sxx = material.sigma0_at_energy(e + material.stokes_shift_eV - material.xx_splitting_eV)
    dlam = np.abs(np.gradient(lam))
    sx = sx / max(np.sum(sx * dlam), 1e-300)
    sxx = sxx / max(np.sum(sxx * dlam), 1e-300)
    sig = resolution_nm / GAUSS_FWHM_PER_SIGMA
    lines = np.exp(-0.5 * ((lam[None, :] - modes.wavelength_nm[:, None]) / sig) ** 2) / (
        sig * math.sqrt(2.0 * math.pi)
    )
    out = np.empty((len(runs), lam.size))
    for i, r in enumerate(runs):
        out[i] = r.emitted_photons @ lines + background_per_site * (
            r.spontaneous_X * sx + r.spontaneous_XX * sxx
        )
    return out
