"""Calibrate the exposure model from a measured dose series (dwell or energy vs diameter).

The top diameter of a disk written with exposure energy E = P0 tau (uJ) is

    D_top^2 = 2 w0^2 ln(E / E_th),        E_th = pi w0^2 W_cl / 2

so a series of (E, D_top) fixes the beam radius w0 and the threshold dose W_cl. Measured foot
diameters (SEM, optional) then fix the attenuation alpha through
D_foot^2 = 2 w0^2 [ln(E / E_th) - alpha z0]. The fit is weighted least squares on the diameters
themselves (scipy.optimize.curve_fit), started from the exact linear fit of D^2 against ln E.

Units: um, uW, ms, uJ, mJ/cm^2, 1/um.
"""

from __future__ import annotations

import csv
import math
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.optimize import OptimizeWarning, curve_fit

from geometry.exposure import MJ_PER_CM2_PER_UJ_PER_UM2, ExposureProcess
from geometry.textfile import data_lines, read_csv_text


@dataclass(frozen=True)
class DoseSeries:
    """Measured disks: exposure energy (uJ), top diameter (um), optional foot diameter (um) and
    diameter uncertainty (um, one sigma)."""

    energy_uJ: np.ndarray
    top_diameter_um: np.ndarray
    foot_diameter_um: np.ndarray | None = None
    sigma_um: np.ndarray | None = None

    def __post_init__(self) -> None:
        n = len(self.energy_uJ)
        if n < 3:
            raise ValueError(f"dose series: {n} points given, need at least 3 to fit w0 and W_cl")
        columns = [("energy_uJ", self.energy_uJ, "an exposure energy"),
                   ("top_diameter_um", self.top_diameter_um,
                    "a diameter (drop unwritten disks)"),
                   ("foot_diameter_um", self.foot_diameter_um,
                    "a foot diameter (only anchored disks)"),
                   ("diameter_sigma_um", self.sigma_um, "an uncertainty")]
        for name, values, what in columns:
            if values is None:
                continue
            bad = np.flatnonzero(~(np.isfinite(values) & (np.asarray(values) > 0)))
            if bad.size:
                i = int(bad[0])
                raise ValueError(f"column {name}, row {i + 1}: {values[i]:g}: allowed: {what} "
                                 "that is finite and > 0")
        if self.foot_diameter_um is not None:
            wider = np.flatnonzero(np.asarray(self.foot_diameter_um)
                                   > np.asarray(self.top_diameter_um))
            if wider.size:
                i = int(wider[0])
                raise ValueError(
                    f"column foot_diameter_um, row {i + 1}: {self.foot_diameter_um[i]:g} um is "
                    f"wider than top_diameter_um = {self.top_diameter_um[i]:g} um; a parabolic "
                    "disk is widest at its top (are the columns swapped?)")
        distinct = len(np.unique(self.energy_uJ))
        if distinct < 3:
            raise ValueError(
                f"column energy_uJ (or dwell_ms x power_uW): {distinct} distinct exposure "
                "energies; need at least 3: two fix w0 and W_cl exactly and leave nothing to "
                "estimate their uncertainty")


def read_dose_series(
    path: str | Path, power_uW: float | None = None
) -> DoseSeries:
    """Read a CSV (``#`` comments allowed) with columns ``energy_uJ`` or ``dwell_ms`` (then
    ``power_uW`` per row or the ``power_uW`` argument), ``top_diameter_um``, and optionally
    ``foot_diameter_um`` and ``diameter_sigma_um``."""
    path = Path(path)
    lines = data_lines(read_csv_text(path))
    reader = csv.reader(lines)
    header = [c.strip() for c in next(reader, [])]
    body = list(reader)
    if not body:
        raise ValueError(f"{path}: no data rows")
    repeated = sorted({c for c in header if header.count(c) > 1})
    if repeated:
        raise ValueError(f"{path}: column {repeated[0]} appears more than once in the header")
    for i, values in enumerate(body, start=1):
        if len(values) != len(header):
            raise ValueError(f"{path}: row {i} has {len(values)} fields, the header "
                             f"{len(header)} ({', '.join(header)})")
    rows = [dict(zip(header, values, strict=True)) for values in body]
    cols = set(header)
    if "top_diameter_um" not in cols:
        raise ValueError(f"{path}: needs a top_diameter_um column (has {sorted(cols)})")

    def column(name: str) -> np.ndarray:
        out = []
        for i, r in enumerate(rows, start=1):
            try:
                v = float(r[name])
            except ValueError:
                raise ValueError(f"{path}: column {name}, row {i}: {r[name]!r} is not a "
                                 "number") from None
            if not math.isfinite(v):
                raise ValueError(f"{path}: column {name}, row {i}: {v}: must be finite")
            out.append(v)
        return np.array(out)

    if "energy_uJ" in cols:
        energy = column("energy_uJ")
    elif "dwell_ms" in cols:
        if "power_uW" in cols:
            power = column("power_uW")
        elif power_uW is not None:
            power = np.full(len(rows), float(power_uW))
        else:
            raise ValueError(f"{path}: dwell_ms given without a power_uW column or --power-uW")
        energy = column("dwell_ms") * power * 1.0e-3
    else:
        raise ValueError(f"{path}: needs an energy_uJ or a dwell_ms column (has {sorted(cols)})")
    try:
        return DoseSeries(
            energy_uJ=energy,
            top_diameter_um=column("top_diameter_um"),
            foot_diameter_um=column("foot_diameter_um") if "foot_diameter_um" in cols else None,
            sigma_um=column("diameter_sigma_um") if "diameter_sigma_um" in cols else None,
        )
    except ValueError as exc:
        if str(exc).startswith(f"{path}: "):
            raise
        raise ValueError(f"{path}: {exc}") from None


@dataclass(frozen=True)
class Calibration:
    """Fitted exposure parameters with one-sigma uncertainties and fit statistics."""

    waist_um: float
    waist_sigma_um: float
    threshold_dose_mJ_per_cm2: float
    threshold_dose_sigma_mJ_per_cm2: float
    alpha_per_um: float | None
    alpha_sigma_per_um: float | None
    residual_rms_um: float
    reduced_chi2: float | None  # only when diameter uncertainties were given
    n_points: int

    def apply(self, process: ExposureProcess) -> ExposureProcess:
        """``process`` with the fitted beam radius and threshold (and absorber if fitted)."""
        update: dict = {
            "waist_um": self.waist_um,
            "threshold_dose_mJ_per_cm2": self.threshold_dose_mJ_per_cm2,
        }
        if self.alpha_per_um is not None:
            absorber_alpha = max(self.alpha_per_um - process.resin_absorption_per_um, 0.0)
            update["absorber"] = process.absorber.with_alpha(absorber_alpha)
        return process.model_copy(update=update)

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def _top_model(energy: np.ndarray, w0: float, log_eth: float) -> np.ndarray:
    return w0 * np.sqrt(2.0 * np.clip(np.log(energy) - log_eth, 0.0, None))


# Largest residual rms accepted, as a fraction of the mean top diameter. ASSUMPTION: SEM or
# optical diameters scatter by a few percent around the exposure model; 20 % means the model
# (or the columns, or their units) does not describe the data.
MAX_RELATIVE_RMS = 0.2


# Smallest physical beam radius: the diffraction limit lambda / (pi NA) at 405 nm with an oil
# objective (NA 1.4) is 0.09 um.
WAIST_MIN_UM = 0.1


def _upper_bound(field: str) -> float:
    """The upper limit ExposureProcess puts on ``field`` (a calibration outside it is unusable)."""
    for meta in ExposureProcess.model_fields[field].metadata:
        if hasattr(meta, "le"):
            return float(meta.le)
    return math.inf


def _check_fit(w0: float, w0_sigma: float, w_cl: float, w_cl_sigma: float, rms: float,
               d: np.ndarray) -> None:
    """A fit that is not determined (infinite or >100 % uncertainty), not physical (W_cl or w0
    zero) or that misses the data is an error saying which."""
    values = {"w0": (w0, w0_sigma, "um"), "threshold dose": (w_cl, w_cl_sigma, "mJ/cm^2")}
    for name, (value, sigma, unit) in values.items():
        if not (math.isfinite(value) and value > 0.0 and math.isfinite(sigma)):
            raise ValueError(
                f"columns energy_uJ, top_diameter_um: the fit is not determined: {name} = "
                f"{value:.3g} +/- {sigma:.2g} {unit} (the diameters do not follow "
                "D^2 = 2 w0^2 ln(E/E_th); check the columns and units)")
        if sigma > value:
            raise ValueError(
                f"columns energy_uJ, top_diameter_um: the fit is not determined: {name} = "
                f"{value:.3g} +/- {sigma:.2g} {unit}, more than 100 % uncertain (spread the "
                "doses further apart or add points)")
    w0_hi = _upper_bound("waist_um")
    if not WAIST_MIN_UM <= w0 <= w0_hi:
        raise ValueError(
            f"columns energy_uJ, top_diameter_um: the fitted beam radius w0 = {w0:.3g} um is not "
            f"physical (allowed: {WAIST_MIN_UM:g}-{w0_hi:g} um); are the diameters in um and "
            "the energies in uJ?")
    w_cl_hi = _upper_bound("threshold_dose_mJ_per_cm2")
    if not w_cl <= w_cl_hi:
        raise ValueError(
            f"columns energy_uJ, top_diameter_um: the fitted threshold dose {w_cl:.3g} mJ/cm^2 is "
            f"above the {w_cl_hi:g} allowed; are the diameters in um and the energies in uJ?")
    mean_d = float(np.mean(d))
    if rms > MAX_RELATIVE_RMS * mean_d:
        raise ValueError(
            f"column top_diameter_um: the exposure model misses the data by {rms:.3g} um rms for "
            f"diameters of {mean_d:.3g} um on average (allowed: {MAX_RELATIVE_RMS:.0%}); check "
            "the columns and their units")


def calibrate(series: DoseSeries, film_thickness_um: float | None = None) -> Calibration:
    """Fit w0 and W_cl (and alpha when foot diameters and ``film_thickness_um`` are given)."""
    e = np.asarray(series.energy_uJ, float)
    d = np.asarray(series.top_diameter_um, float)
    sigma = None if series.sigma_um is None else np.asarray(series.sigma_um, float)
    # exact linear start: D^2 = 2 w0^2 ln E - 2 w0^2 ln E_th
    slope, intercept = np.polyfit(np.log(e), d**2, 1)
    if slope <= 0:
        raise ValueError("dose series: diameters do not grow with dose; cannot fit the model")
    p0 = [math.sqrt(slope / 2.0), -intercept / slope]
    with warnings.catch_warnings():
        warnings.simplefilter("error", OptimizeWarning)
        try:
            (w0, log_eth), cov = curve_fit(
                _top_model, e, d, p0=p0, sigma=sigma, absolute_sigma=sigma is not None
            )
        except (RuntimeError, OptimizeWarning) as exc:
            raise ValueError(f"dose series: the fit of w0 and W_cl did not converge "
                             f"({' '.join(str(exc).split())}); check the columns and units"
                             ) from None
    w0 = abs(float(w0))  # the model depends on w0 only through w0^2 (and |w0| D)
    resid = d - _top_model(e, w0, log_eth)
    n = len(e)
    chi2 = None if sigma is None else float(np.sum((resid / sigma) ** 2) / max(n - 2, 1))
    sw = float(np.sqrt(cov[0, 0]))
    # W_cl = 2 E_th / (pi w0^2): propagate the (w0, ln E_th) covariance
    w_cl = 2.0 * math.exp(log_eth) / (math.pi * w0**2) * MJ_PER_CM2_PER_UJ_PER_UM2
    grad = np.array([-2.0 / w0, 1.0]) * w_cl  # d W_cl / d(w0, ln E_th)
    w_cl_sigma = float(math.sqrt(max(float(grad @ cov @ grad), 0.0))) \
        if np.all(np.isfinite(cov)) else math.inf
    rms = float(np.sqrt(np.mean(resid**2)))
    _check_fit(w0, sw, w_cl, w_cl_sigma, rms, d)

    alpha = alpha_sigma = None
    if series.foot_diameter_um is not None:
        if film_thickness_um is None:
            raise ValueError("foot diameters given: film_thickness_um is needed to fit alpha")
        if not (math.isfinite(film_thickness_um) and film_thickness_um > 0.0):
            raise ValueError(f"film_thickness_um = {film_thickness_um:g}: allowed: finite, > 0")
        foot = np.asarray(series.foot_diameter_um, float)
        # D_foot^2 = D_top^2 - 2 w0^2 alpha z0: alpha from the mean of the differences
        x = (d**2 - foot**2) / (2.0 * w0**2 * film_thickness_um)
        alpha = float(np.mean(x))
        alpha_sigma = float(np.std(x, ddof=1) / math.sqrt(n)) if n > 1 else math.nan
        if not (math.isfinite(alpha) and alpha >= 0.0 and math.isfinite(alpha_sigma)):
            raise ValueError(f"column foot_diameter_um: the fitted attenuation alpha = "
                             f"{alpha:.3g} +/- {alpha_sigma:.2g} /um is not physical "
                             "(allowed: finite, >= 0)")
    return Calibration(
        waist_um=float(w0),
        waist_sigma_um=float(sw),
        threshold_dose_mJ_per_cm2=float(w_cl),
        threshold_dose_sigma_mJ_per_cm2=w_cl_sigma,
        alpha_per_um=alpha,
        alpha_sigma_per_um=alpha_sigma,
        residual_rms_um=rms,
        reduced_chi2=chi2,
        n_points=n,
    )
