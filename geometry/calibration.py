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
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.optimize import curve_fit

from geometry.exposure import MJ_PER_CM2_PER_UJ_PER_UM2, ExposureProcess


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
        if np.any(~(np.asarray(self.energy_uJ) > 0)):
            raise ValueError("energy_uJ: every exposure energy must be > 0")
        if np.any(~(np.asarray(self.top_diameter_um) > 0)):
            raise ValueError("top_diameter_um: every diameter must be > 0 (drop unwritten disks)")
        if self.sigma_um is not None and np.any(~(np.asarray(self.sigma_um) > 0)):
            raise ValueError("diameter_sigma_um: every uncertainty must be > 0")
        if len(np.unique(self.energy_uJ)) < 2:
            raise ValueError("energy_uJ: need at least two different exposure energies")


def read_dose_series(
    path: str | Path, power_uW: float | None = None
) -> DoseSeries:
    """Read a CSV (``#`` comments allowed) with columns ``energy_uJ`` or ``dwell_ms`` (then
    ``power_uW`` per row or the ``power_uW`` argument), ``top_diameter_um``, and optionally
    ``foot_diameter_um`` and ``diameter_sigma_um``."""
    path = Path(path)
    lines = [ln for ln in path.read_text().splitlines() if ln.strip() and not ln.startswith("#")]
    rows = list(csv.DictReader(lines))
    if not rows:
        raise ValueError(f"{path}: no data rows")
    cols = set(rows[0])
    if "top_diameter_um" not in cols:
        raise ValueError(f"{path}: needs a top_diameter_um column (has {sorted(cols)})")

    def column(name: str) -> np.ndarray:
        try:
            return np.array([float(r[name]) for r in rows])
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{path}: column {name}: {exc}") from exc

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
    return DoseSeries(
        energy_uJ=energy,
        top_diameter_um=column("top_diameter_um"),
        foot_diameter_um=column("foot_diameter_um") if "foot_diameter_um" in cols else None,
        sigma_um=column("diameter_sigma_um") if "diameter_sigma_um" in cols else None,
    )


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
    (w0, log_eth), cov = curve_fit(
        _top_model, e, d, p0=p0, sigma=sigma, absolute_sigma=sigma is not None
    )
    resid = d - _top_model(e, w0, log_eth)
    n = len(e)
    chi2 = None if sigma is None else float(np.sum((resid / sigma) ** 2) / max(n - 2, 1))
    sw = float(np.sqrt(cov[0, 0]))
    # W_cl = 2 E_th / (pi w0^2): propagate the (w0, ln E_th) covariance
    w_cl = 2.0 * math.exp(log_eth) / (math.pi * w0**2) * MJ_PER_CM2_PER_UJ_PER_UM2
    grad = np.array([-2.0 / w0, 1.0]) * w_cl  # d W_cl / d(w0, ln E_th)
    w_cl_sigma = float(math.sqrt(grad @ cov @ grad))

    alpha = alpha_sigma = None
    if series.foot_diameter_um is not None:
        if film_thickness_um is None:
            raise ValueError("foot diameters given: film_thickness_um is needed to fit alpha")
        foot = np.asarray(series.foot_diameter_um, float)
        # D_foot^2 = D_top^2 - 2 w0^2 alpha z0: alpha from the mean of the differences
        x = (d**2 - foot**2) / (2.0 * w0**2 * film_thickness_um)
        alpha = float(np.mean(x))
        alpha_sigma = float(np.std(x, ddof=1) / math.sqrt(n)) if n > 1 else math.nan
    return Calibration(
        waist_um=float(w0),
        waist_sigma_um=float(sw),
        threshold_dose_mJ_per_cm2=float(w_cl),
        threshold_dose_sigma_mJ_per_cm2=w_cl_sigma,
        alpha_per_um=alpha,
        alpha_sigma_per_um=alpha_sigma,
        residual_rms_um=float(np.sqrt(np.mean(resid**2))),
        reduced_chi2=chi2,
        n_points=n,
    )
