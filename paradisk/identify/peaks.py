"""Resonance peaks of a measured spectrum: background, detection and line-shape fits.

1. Background: the spontaneous-emission envelope under the whispering-gallery peaks varies on a
   scale of tens of nm, the peaks on a fraction of a nm. A running median over
   ``background_window_nm`` (many peak widths, much less than the envelope) follows the envelope
   and ignores the peaks; it is re-done on the samples that are not in a peak, then smoothed.
2. Detection: ``scipy.signal.find_peaks`` on the background-free spectrum, with a prominence of
   ``min_snr`` times the noise (the median absolute deviation of the sample-to-sample
   differences, which the smooth envelope and the narrow peaks barely affect).
3. Fit: peaks closer than a few widths are fitted together, each with its own centre, height
   and Lorentzian full width, on a local quadratic background (fitted to the measured samples,
   not to the background-free ones). With the spectrometer resolution
   given, the line is a Voigt profile: the Lorentzian of the cavity convolved with the
   instrument's Gaussian of full width ``resolution_nm`` (fixed), so the fitted Lorentzian width
   is the cavity's. Centre uncertainties are the one-sigma errors of the least-squares fit.

Loaded Q = centre / Lorentzian FWHM. A line is *resolution-limited* when its Lorentzian FWHM is
below the resolution (with ``resolution_nm``) or below two sampling steps (without): the
instrument then sets the measured width, and Q is reported as the lower bound
centre / max(resolution, FWHM) that the data still support.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import ndimage, optimize, signal, special

from paradisk.identify.spectrum import Spectrum

# peak prominence needed for a detection, in noise standard deviations: assumption (5 sigma
# keeps false detections on pure noise below ~1e-6 per sample)
MIN_SNR = 5.0
# the fit window reaches this many (estimated) full widths on each side of a peak
FIT_HALF_WIDTHS = 6.0
GAUSS_FWHM_PER_SIGMA = 2.0 * math.sqrt(2.0 * math.log(2.0))


@dataclass(frozen=True)
class Peak:
    """One fitted resonance line. Wavelengths in nm; height in the spectrum's units above the
    background."""

    wavelength_nm: float
    wavelength_sigma_nm: float
    fwhm_nm: float  # Lorentzian (cavity) full width at half maximum
    fwhm_sigma_nm: float
    height: float  # peak height above the background
    snr: float  # height / noise standard deviation
    Q: float  # loaded Q = wavelength / fwhm, or its lower bound when resolution_limited
    resolution_limited: bool

    def to_dict(self) -> dict[str, float | bool]:
        return {
            "wavelength_nm": self.wavelength_nm, "wavelength_sigma_nm": self.wavelength_sigma_nm,
            "fwhm_nm": self.fwhm_nm, "fwhm_sigma_nm": self.fwhm_sigma_nm,
            "height": self.height, "snr": self.snr, "Q": self.Q,
            "resolution_limited": self.resolution_limited,
        }


def lorentzian(x: np.ndarray, centre: float, height: float, fwhm: float) -> np.ndarray:
    """Lorentzian line of peak ``height`` and full width ``fwhm`` (same units as x)."""
    return height / (1.0 + (2.0 * (x - centre) / fwhm) ** 2)


def voigt(x: np.ndarray, centre: float, height: float, fwhm_lorentz: float,
          fwhm_gauss: float) -> np.ndarray:
    """Lorentzian of ``fwhm_lorentz`` convolved with a Gaussian of ``fwhm_gauss``, scaled to peak
    ``height``."""
    sigma = fwhm_gauss / GAUSS_FWHM_PER_SIGMA
    gamma = 0.5 * abs(fwhm_lorentz)
    return height * special.voigt_profile(x - centre, sigma, gamma) / special.voigt_profile(
        0.0, sigma, gamma)


def noise_sigma(y: np.ndarray) -> float:
    """White-noise standard deviation from the sample-to-sample differences (robust: MAD)."""
    d = np.diff(y)
    mad = np.median(np.abs(d - np.median(d)))
    return float(1.4826 * mad / math.sqrt(2.0))


def background(spec: Spectrum, window_nm: float) -> np.ndarray:
    """The slowly varying envelope under the peaks (see the module doc), same samples."""
    x, y = spec.wavelength_nm, spec.intensity
    n = max(3, round(window_nm / spec.step_nm) | 1)
    n = min(n, len(y) - (1 - len(y) % 2))
    base = ndimage.median_filter(y, size=n, mode="nearest")
    sigma = noise_sigma(y)
    quiet = (y - base) < 3.0 * sigma
    if quiet.sum() >= 2:
        # again on the samples outside the peaks, bridged by interpolation, then smoothed
        filled = np.interp(x, x[quiet], y[quiet])
        base = ndimage.median_filter(filled, size=n, mode="nearest")
        base = ndimage.uniform_filter1d(base, size=max(1, n // 4), mode="nearest")
    return base


def _fit_group(x: np.ndarray, y: np.ndarray, guesses: list[tuple[float, float, float]],
               resolution_nm: float | None, fwhm_min: float):
    """Least-squares fit of several lines plus a quadratic background on (x, y); returns
    (params, covariance) with params = [c0, h0, w0, c1, h1, w1, ..., b0, b1, b2]."""
    x_mid = float(np.mean(x))

    def model(xx, *p):
        t = xx - x_mid
        out = p[-3] + p[-2] * t + p[-1] * t * t
        for k in range(len(guesses)):
            c, h, w = p[3 * k:3 * k + 3]
            if resolution_nm:
                out = out + voigt(xx, c, h, w, resolution_nm)
            else:
                out = out + lorentzian(xx, c, h, w)
        return out

    p0, lo, hi = [], [], []
    for c, h, w in guesses:
        p0 += [c, h, w]
        lo += [c - 2.0 * w, 0.0, fwhm_min]
        hi += [c + 2.0 * w, 10.0 * h + 1e-300, 20.0 * w]
    p0 += [float(np.median(y)), 0.0, 0.0]
    lo += [-np.inf, -np.inf, -np.inf]
    hi += [np.inf, np.inf, np.inf]
    p0 = np.clip(p0, lo, hi)
    # absolute_sigma=False: the covariance is scaled by the reduced chi-square, so the noise
    # level comes from the residuals themselves
    popt, pcov = optimize.curve_fit(model, x, y, p0=p0, bounds=(lo, hi), maxfev=20000)
    return popt, pcov


def find_peaks(spec: Spectrum, resolution_nm: float | None = None, min_snr: float = MIN_SNR,
               background_window_nm: float | None = None) -> list[Peak]:
    """Detect and fit the resonance peaks of ``spec`` (see the module doc); sorted by
    wavelength. ``resolution_nm``: the spectrometer's full width at half maximum (Gaussian
    instrument function), None when unknown."""
    x = spec.wavelength_nm
    step = spec.step_nm
    if resolution_nm is not None and not resolution_nm > 0.0:
        raise ValueError(f"resolution_nm = {resolution_nm}: must be > 0")
    if background_window_nm is None:
        # many widths of the narrowest line the instrument shows, and at least 2 nm: the peaks
        # of a Q > 1e3 microdisk are < 0.7 nm wide
        background_window_nm = max(2.0, 40.0 * max(resolution_nm or 0.0, 2.0 * step))
    base = background(spec, background_window_nm)
    y = spec.intensity - base
    sigma = noise_sigma(spec.intensity)
    if not sigma > 0.0:
        sigma = max(1e-12, 1e-6 * float(np.max(np.abs(y))))
    # both: a prominence alone lets the largest noise excursions of a long flat stretch through
    # (their bases lie at the deepest noise minima on either side)
    idx, props = signal.find_peaks(y, height=min_snr * sigma, prominence=min_snr * sigma,
                                   width=0.5)
    if len(idx) == 0:
        return []
    widths_nm = np.maximum(props["widths"] * step, 2.0 * step)
    if resolution_nm:
        widths_nm = np.maximum(widths_nm, resolution_nm)
    # group peaks whose fit windows overlap: they are fitted together
    order = np.argsort(x[idx])
    idx, widths_nm = idx[order], widths_nm[order]
    groups: list[list[int]] = [[0]]
    for k in range(1, len(idx)):
        prev = groups[-1][-1]
        reach = FIT_HALF_WIDTHS * (widths_nm[prev] + widths_nm[k])
        if x[idx[k]] - x[idx[prev]] < reach:
            groups[-1].append(k)
        else:
            groups.append([k])
    fwhm_min = 1e-3 * step if resolution_nm else 0.05 * step
    peaks: list[Peak] = []
    for g in groups:
        lo = x[idx[g[0]]] - FIT_HALF_WIDTHS * widths_nm[g[0]]
        hi = x[idx[g[-1]]] + FIT_HALF_WIDTHS * widths_nm[g[-1]]
        sel = (x >= lo) & (x <= hi)
        if sel.sum() < 3 * len(g) + 3:
            continue
        guesses = []
        for k in g:
            w = float(widths_nm[k])
            if resolution_nm:
                # the detected width is the Voigt's; start the cavity width below it
                w = max(fwhm_min, math.sqrt(max(w**2 - resolution_nm**2, (0.3 * w) ** 2)))
            guesses.append((float(x[idx[k]]), float(y[idx[k]]), w))
        try:
            # the raw samples: the local quadratic background takes the envelope, so the running
            # median (which keeps a little of the Lorentzian wings) does not narrow the lines
            popt, pcov = _fit_group(x[sel], spec.intensity[sel], guesses, resolution_nm,
                                    fwhm_min)
        except (RuntimeError, ValueError):
            continue
        errs = np.sqrt(np.clip(np.diag(pcov), 0.0, None))
        for j in range(len(g)):
            c, h, w = popt[3 * j:3 * j + 3]
            ec, ew = errs[3 * j], errs[3 * j + 2]
            if not (np.isfinite(ec) and lo <= c <= hi and h > 0.0):
                continue
            limit = resolution_nm if resolution_nm else 2.0 * step
            limited = bool(w < limit)
            q = c / max(w, limit) if limited else c / w
            peaks.append(Peak(
                wavelength_nm=float(c), wavelength_sigma_nm=float(ec), fwhm_nm=float(w),
                fwhm_sigma_nm=float(ew), height=float(h), snr=float(h / sigma), Q=float(q),
                resolution_limited=limited,
            ))
    return sorted(peaks, key=lambda p: p.wavelength_nm)
