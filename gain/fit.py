"""Fit the gain model to a lab's cavities: Stokes shift, linewidth, C sigma_0 (and X-XX).

Data: one row per lasing cavity, its measured threshold N (mean photons absorbed per
nanocrystal), its lasing wavelength, and the loss and gain overlap of the lasing mode (total Q,
film fraction Gamma). Optionally a below-threshold emission spectrum gives the line centre and
width (``fit_emission_line``).

Model (paper Eq. 5 and p. 6, ``gain.threshold``): with C sigma_0 fixed, a mode of wavelength
lambda, total Q and film fraction Gamma lases at the smallest N where
g(lambda, N) / (C sigma_0) >= 1 / (Gamma K), K = lambda Q C sigma_0 / (2 pi n_f). Each cavity
gives two observations:

- its threshold: the model's threshold of a mode at the *measured* lasing wavelength
  (residual in ln N, one-sigma ``threshold_sigma_fraction``);
- its lasing wavelength. When the disk's modes are known (a run's mode table, matched by
  ``disk_id``), the measured mode must be the one of lowest model threshold among them (the
  rule of ``gain.lasing``): the residual is ln(N_measured mode / N_lowest mode) in units of the
  threshold's sigma, zero when the model agrees (a one-sided, continuous residual). Otherwise
  the disk is taken to have modes every free spectral range, the one that lases lying near the
  wavelength where the threshold curve N(lambda) at the cavity's Gamma and Q is lowest (paper
  Fig. 4c,d, here per cavity): the residual is measured minus that optimum, with a one-sigma
  of FSR / sqrt(12) (the lasing mode anywhere within half an FSR of it, uniform).

The emission spectrum, when given, fixes the emission peak (its Gaussian centre) and adds its
FWHM as a third kind of observation of the linewidth. The fit is weighted least squares
(``scipy.optimize.least_squares``, trust region with bounds), started from the spec's material
with C sigma_0 first scanned in one dimension; one-sigma uncertainties come from the Jacobian at
the optimum, (J^T J)^-1, scaled by the residual variance (chi-square per degree of freedom).
C sigma_0 is fitted as ln(C sigma_0); its sigma is propagated to C sigma_0.

Pure: arrays and materials in, a frozen ``GainFit`` out. The particle's sigma_0 and sites, the
film's index and everything else about the material stay as given.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import least_squares

from gain.materials import FWHM_PER_SIGMA, HC_EV_NM, NanocrystalMaterial
from gain.modetable import ModeTable
from gain.spectra import gain_coefficients
from gain.threshold import NM_TO_CM, threshold_for_required_gain
from geometry.textfile import data_lines, read_csv_text

# One-sigma of a measured threshold, relative. ASSUMPTION: 10 %, the usual accuracy of a pump
# fluence on a film (spot size, power meter) and of a threshold read off a light-in/light-out
# curve. A column threshold_sigma_fraction replaces it per cavity.
DEFAULT_THRESHOLD_SIGMA_FRACTION = 0.10
# One-sigma of the lasing wavelength about the continuum optimum when the cavity's free spectral
# range is not known, nm. ASSUMPTION: the 10-30 um SU8 disks of the example have TE free spectral
# ranges of 2.6-7.6 nm at 640 nm (tests/data/qs3_example_fem_modes.csv); a mode uniform within
# +-FSR/2 of the optimum has sigma FSR / sqrt(12) = 0.75-2.2 nm: 1.5 nm taken.
DEFAULT_WAVELENGTH_SIGMA_NM = 1.5
# wavelength grid of the threshold curve N(lambda) (before the parabolic refinement), nm
GRID_STEP_NM = 0.25
# the threshold search runs to this many photons per emitter site (as gain.lasing)
SEARCH_N_PER_SITE = 50.0
# A measured lasing line is matched to the nearest mode of its disk's table; further than this
# (nm) it is reported as not matching (a wrong disk_id, or a disk far from its design).
MAX_MODE_OFFSET_NM = 5.0

PARAMETER_FIELDS = {
    "stokes_shift_meV": "nanocrystals.material.stokes_shift_meV",
    "linewidth_fwhm_meV": "nanocrystals.material.linewidth_fwhm_meV",
    "C_sigma0_per_cm": "nanocrystals.concentration_per_cm3 (= C_sigma0_per_cm / "
                       "material.sigma0_peak_cm2)",
    "xx_splitting_meV": "nanocrystals.material.xx_splitting_meV",
}
# bounds of the fitted line-shape fields (those of NanocrystalMaterial)
BOUNDS = {"stokes_shift_meV": (0.0, 300.0), "linewidth_fwhm_meV": (1.0001, 500.0),
          "xx_splitting_meV": (-200.0, 200.0)}


class GainDataError(ValueError):
    """Bad fit input: the message names the column (or option) and what is allowed."""


# ------------------------------------------------------------------------------------------------
# input
# ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class MeasuredCavities:
    """Lasing cavities as parallel arrays (one entry per cavity)."""

    threshold_N: NDArray[np.float64]
    lasing_wavelength_nm: NDArray[np.float64]
    Q_total: NDArray[np.float64]
    film_fraction: NDArray[np.float64]
    threshold_sigma_fraction: NDArray[np.float64]
    wavelength_sigma_nm: NDArray[np.float64]
    labels: tuple[str, ...]
    # the modes of each cavity's disk (cavities x modes, nan-padded; a row of nan: not known),
    # the lasing mode at its measured wavelength; see the module docstring
    comb_wavelength_nm: NDArray[np.float64] | None = None
    comb_Q: NDArray[np.float64] | None = None
    comb_film_fraction: NDArray[np.float64] | None = None

    def __post_init__(self) -> None:
        n = len(self.labels)
        for name in ("threshold_N", "lasing_wavelength_nm", "Q_total", "film_fraction",
                     "threshold_sigma_fraction", "wavelength_sigma_nm"):
            v = np.asarray(getattr(self, name), float)
            if v.shape != (n,):
                raise GainDataError(f"{name}: {v.size} values for {n} cavities")
            bad = np.flatnonzero(~(np.isfinite(v) & (v > 0)))
            if bad.size:
                raise GainDataError(f"column {name}, cavity {self.labels[bad[0]]}: "
                                    f"{v[bad[0]]:g}: allowed: finite and > 0")
        ff = np.asarray(self.film_fraction)
        if np.any(ff > 1):
            i = int(np.argmax(ff))
            raise GainDataError(f"column film_fraction, cavity {self.labels[i]}: {ff[i]:g}: "
                                "allowed: 0 < film_fraction <= 1")

    def __len__(self) -> int:
        return len(self.labels)

    @property
    def has_comb(self) -> NDArray[np.bool_]:
        """Cavities whose disk's modes are known."""
        if self.comb_wavelength_nm is None:
            return np.zeros(len(self), dtype=bool)
        return np.any(np.isfinite(self.comb_wavelength_nm), axis=1)


@dataclass(frozen=True)
class MeasuredRows:
    """The measurement CSV as read: columns by name (float arrays, nan where empty)."""

    path: str
    columns: dict[str, NDArray[np.float64]]
    text: dict[str, tuple[str, ...]]  # disk_id, polarization
    n: int

    def has(self, name: str) -> bool:
        return name in self.columns or name in self.text


NUMERIC_COLUMNS = ("threshold_N", "threshold_fluence_uJ_per_cm2", "lasing_wavelength_nm", "Q",
                   "film_fraction", "threshold_sigma_fraction", "wavelength_sigma_nm")
TEXT_COLUMNS = ("disk_id", "polarization")


def read_measured_cavities(path: str | Path) -> MeasuredRows:
    """Read the measurement CSV (``#`` lines are comments; UTF-8, a BOM allowed).

    Columns: ``threshold_N`` or ``threshold_fluence_uJ_per_cm2``; ``lasing_wavelength_nm``;
    optional ``Q`` (the cavity's loaded Q), ``film_fraction``, ``disk_id``, ``polarization``,
    ``threshold_sigma_fraction``, ``wavelength_sigma_nm``. Other columns are an error (a
    misspelt one would otherwise vanish).
    """
    p = Path(path)
    if not p.is_file():
        raise GainDataError(f"{p}: measurements file does not exist")
    try:
        lines = data_lines(read_csv_text(p))
    except ValueError as exc:
        raise GainDataError(str(exc)) from None
    reader = csv.reader(lines)
    header = [c.strip() for c in next(reader, [])]
    body = list(reader)
    if not body:
        raise GainDataError(f"{p}: no data rows")
    known = set(NUMERIC_COLUMNS) | set(TEXT_COLUMNS)
    unknown = [c for c in header if c not in known]
    if unknown:
        raise GainDataError(f"{p}: unknown column {unknown[0]!r}; allowed: "
                            f"{', '.join(NUMERIC_COLUMNS + TEXT_COLUMNS)}")
    repeated = sorted({c for c in header if header.count(c) > 1})
    if repeated:
        raise GainDataError(f"{p}: column {repeated[0]!r} appears more than once")
    for i, values in enumerate(body, start=1):
        if len(values) != len(header):
            raise GainDataError(f"{p}: row {i} has {len(values)} fields, the header "
                                f"{len(header)}")
    cols: dict[str, NDArray[np.float64]] = {}
    txt: dict[str, tuple[str, ...]] = {}
    for j, name in enumerate(header):
        vals = [r[j].strip() for r in body]
        if name in TEXT_COLUMNS:
            txt[name] = tuple(vals)
            continue
        out = []
        for i, v in enumerate(vals, start=1):
            if v == "":
                out.append(math.nan)
                continue
            try:
                out.append(float(v))
            except ValueError:
                raise GainDataError(f"{p}: column {name}, row {i}: {v!r} is not a number"
                                    ) from None
        cols[name] = np.array(out)
    if "lasing_wavelength_nm" not in cols:
        raise GainDataError(f"{p}: needs a lasing_wavelength_nm column (has {header})")
    if "threshold_N" not in cols and "threshold_fluence_uJ_per_cm2" not in cols:
        raise GainDataError(f"{p}: needs a threshold_N or a threshold_fluence_uJ_per_cm2 "
                            f"column (has {header})")
    if "film_fraction" not in cols and "disk_id" not in txt:
        raise GainDataError(f"{p}: needs a film_fraction column, or disk_id with the run's "
                            "mode tables (--modes)")
    return MeasuredRows(path=str(p), columns=cols, text=txt, n=len(body))


def _nearest_mode(table: ModeTable, wavelength_nm: float, polarization: str | None
                  ) -> tuple[int, float]:
    """(row, free spectral range nm) of the mode of ``table`` nearest ``wavelength_nm``."""
    idx = np.arange(len(table))
    if polarization and table.polarization is not None:
        idx = np.array([i for i in idx if table.polarization[i] == polarization], dtype=int)
    if idx.size == 0:
        return -1, math.nan
    lam = table.wavelength_nm[idx]
    k = int(idx[np.argmin(np.abs(lam - wavelength_nm))])
    # the spacing of this mode's family: same polarization and radial order ~ same m +- 1
    pol = table.polarization[k] if table.polarization is not None else None
    fam = [i for i in range(len(table)) if (pol is None or table.polarization[i] == pol)
           and abs(int(table.m[i]) - int(table.m[k])) == 1]
    fsr = (float(np.mean([abs(table.wavelength_nm[i] - table.wavelength_nm[k]) for i in fam]))
           if fam else math.nan)
    return k, fsr


def resolve_cavities(
    rows: MeasuredRows,
    *,
    modes: Mapping[str, ModeTable] | None,
    intrinsic_Q: float | None,
    N_per_fluence: float | None,
) -> tuple[MeasuredCavities, list[str]]:
    """The cavities to fit, and notes on where each value came from.

    ``modes``: mode tables by disk id (a run's ``modes/<id>.csv``), used for the cavities with a
    ``disk_id`` and no ``film_fraction`` (and no ``Q``): the mode nearest the measured lasing
    wavelength (of the row's ``polarization`` when given) gives Gamma, its total Q
    (1/Q = 1/Q_table + 1/Q_other, or the table's Q_total) and the free spectral range (the
    wavelength's sigma).
    ``N_per_fluence``: mean photons per nanocrystal per uJ/cm^2 (the spec's pump and material),
    for a ``threshold_fluence_uJ_per_cm2`` column.
    """
    from gain.lasing import mode_total_Q

    p, n, c = rows.path, rows.n, rows.columns
    notes: list[str] = []
    ids = rows.text.get("disk_id")
    labels = tuple(ids) if ids is not None and all(ids) else tuple(
        f"row {i + 1}" for i in range(n))
    if "threshold_N" in c:
        nth = c["threshold_N"]
    else:
        if N_per_fluence is None:
            raise GainDataError(f"{p}: column threshold_fluence_uJ_per_cm2 needs the spec's "
                                "pump to convert fluence to N")
        nth = c["threshold_fluence_uJ_per_cm2"] * N_per_fluence
        notes.append(f"threshold N = fluence x {N_per_fluence:.4g} per uJ/cm^2 (the spec's "
                     "pump wavelength and the material's sigma_pump_cm2)")
    lam = c["lasing_wavelength_nm"]
    for name, v in (("threshold_N" if "threshold_N" in c else
                     "threshold_fluence_uJ_per_cm2", nth), ("lasing_wavelength_nm", lam)):
        bad = np.flatnonzero(~(np.isfinite(v) & (v > 0)))
        if bad.size:
            raise GainDataError(f"{p}: column {name}, row {bad[0] + 1}: empty or not > 0 "
                                "(every cavity in the file must lase: leave out those that "
                                "do not)")
    bad = np.flatnonzero((lam < 200.0) | (lam > 5000.0))
    if bad.size:
        raise GainDataError(f"{p}: column lasing_wavelength_nm, row {bad[0] + 1}: "
                            f"{lam[bad[0]]:g}: allowed: 200-5000 nm")
    q = c.get("Q", np.full(n, math.nan)).copy()
    ff = c.get("film_fraction", np.full(n, math.nan)).copy()
    wsig = c.get("wavelength_sigma_nm", np.full(n, math.nan)).copy()
    tsig = c.get("threshold_sigma_fraction", np.full(n, math.nan)).copy()
    pols = rows.text.get("polarization", ("",) * n)
    from_modes = 0
    combs: list[tuple[NDArray, NDArray, NDArray] | None] = [None] * n
    for i in range(n):
        did = ids[i] if ids is not None else ""
        table = modes.get(did) if (modes is not None and did) else None
        if table is None:
            if not math.isfinite(ff[i]):
                where = ("no --modes given" if modes is None or not did else
                         f"no mode table for disk_id {did!r} in --modes")
                raise GainDataError(f"{p}: column film_fraction, row {i + 1}: empty and "
                                    f"{where}")
            continue
        k, fsr = _nearest_mode(table, float(lam[i]), pols[i] or None)
        if k < 0:
            raise GainDataError(f"{p}: row {i + 1}: disk {did} has no {pols[i]} mode")
        off = float(table.wavelength_nm[k] - lam[i])
        if abs(off) > MAX_MODE_OFFSET_NM:
            raise GainDataError(
                f"{p}: row {i + 1}: lasing_wavelength_nm = {lam[i]:g}: disk {did}'s nearest "
                f"mode is at {table.wavelength_nm[k]:g} nm ({off:+.2f} nm; allowed: within "
                f"{MAX_MODE_OFFSET_NM:g} nm): wrong disk_id, or a mode outside the run's window")
        q_modes = mode_total_Q(table, intrinsic_Q)
        if not math.isfinite(ff[i]):
            ff[i] = table.film_fraction[k]
        if not math.isfinite(q[i]):
            q[i] = q_modes[k]
        if not math.isfinite(wsig[i]) and math.isfinite(fsr):
            wsig[i] = fsr / math.sqrt(12.0)
        # the disk's other modes, their Q scaled as the lasing mode's (a measured Q says how
        # much lossier or better the disk is than its table), the lasing mode where measured
        lam_c = table.wavelength_nm.copy()
        lam_c[k] = lam[i]
        q_c = q_modes * (q[i] / q_modes[k]) if math.isfinite(q_modes[k]) else q_modes
        g_c = table.film_fraction.copy()
        g_c[k] = ff[i]
        keep = np.isfinite(q_c) & (g_c > 0)
        combs[i] = (lam_c[keep], q_c[keep], g_c[keep])
        from_modes += 1
    if from_modes:
        notes.append(f"{from_modes} cavities matched to the mode of their disk nearest the "
                     "lasing wavelength: film_fraction and Q (1/Q = 1/Q_table + "
                     "1/Q_other, or the table's Q_total) where the file has none; the disk's other "
                     "modes compete")
    missing_q = ~np.isfinite(q)
    if missing_q.any():
        if intrinsic_Q is None:
            where = (f"column Q, row {int(np.argmax(missing_q)) + 1}: empty" if "Q" in c
                     else "no column Q")
            raise GainDataError(f"{p}: {where}, and the spec has no losses.Q_other to stand "
                                "in (add Q, or --modes with the run's mode tables)")
        q[missing_q] = intrinsic_Q
        notes.append(f"{int(missing_q.sum())} cavities without Q take the spec's losses.Q_other "
                     f"= {intrinsic_Q:g}")
    wsig = np.where(np.isfinite(wsig), wsig, DEFAULT_WAVELENGTH_SIGMA_NM)
    tsig = np.where(np.isfinite(tsig), tsig, DEFAULT_THRESHOLD_SIGMA_FRACTION)
    comb_arrays = {}
    if from_modes:
        width = max(len(c[0]) for c in combs if c is not None)
        for j, name in enumerate(("comb_wavelength_nm", "comb_Q", "comb_film_fraction")):
            a = np.full((n, width), np.nan)
            for i, c in enumerate(combs):
                if c is not None:
                    a[i, : len(c[j])] = c[j]
            comb_arrays[name] = a
    return MeasuredCavities(threshold_N=np.asarray(nth, float), lasing_wavelength_nm=lam,
                            Q_total=q, film_fraction=ff, threshold_sigma_fraction=tsig,
                            wavelength_sigma_nm=wsig, labels=labels, **comb_arrays), notes


# ------------------------------------------------------------------------------------------------
# emission line
# ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class EmissionLine:
    """Gaussian (in energy) fit of a below-threshold emission spectrum."""

    peak_nm: float
    peak_sigma_nm: float
    fwhm_meV: float
    fwhm_sigma_meV: float
    n_points: int


def read_emission_spectrum(path: str | Path) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """(wavelength_nm, intensity) of a CSV with those two columns (``#`` comments)."""
    p = Path(path)
    if not p.is_file():
        raise GainDataError(f"--emission {p}: file does not exist")
    try:
        lines = data_lines(read_csv_text(p))
    except ValueError as exc:
        raise GainDataError(f"--emission {exc}") from None
    rows = list(csv.DictReader(lines))
    if not rows or not {"wavelength_nm", "intensity"} <= set(rows[0]):
        raise GainDataError(f"--emission {p}: needs columns wavelength_nm and intensity")
    try:
        lam = np.array([float(r["wavelength_nm"]) for r in rows])
        inten = np.array([float(r["intensity"]) for r in rows])
    except (TypeError, ValueError):
        raise GainDataError(f"--emission {p}: columns wavelength_nm, intensity: a value is not "
                            "a number") from None
    if np.any(~np.isfinite(lam) | (lam <= 0)) or np.any(~np.isfinite(inten)):
        raise GainDataError(f"--emission {p}: column wavelength_nm: allowed: finite and > 0; "
                            "intensity: finite")
    return lam, inten


def fit_emission_line(wavelength_nm: ArrayLike, intensity: ArrayLike) -> EmissionLine:
    """Fit A exp(-(E - E0)^2 / 2 s^2) + B to the spectrum in energy (the model's 0-X line shape,
    which is the spontaneous emission's below threshold: paper Eq. 5, X-0 term)."""
    from scipy.optimize import curve_fit

    lam = np.asarray(wavelength_nm, float)
    y = np.asarray(intensity, float)
    if lam.size < 5:
        raise GainDataError(f"--emission: {lam.size} points; need at least 5 to fit a line")
    e = HC_EV_NM / lam
    base = float(np.min(y))
    w = np.clip(y - base, 0.0, None)
    if w.sum() <= 0:
        raise GainDataError("--emission: column intensity is flat: no line to fit")
    e0 = float(np.sum(w * e) / w.sum())
    s0 = float(math.sqrt(max(np.sum(w * (e - e0) ** 2) / w.sum(), 1e-8)))

    def model(x: NDArray, a: float, c: float, s: float, b: float) -> NDArray:
        return a * np.exp(-0.5 * ((x - c) / s) ** 2) + b

    try:
        popt, cov = curve_fit(model, e, y, p0=[float(w.max()), e0, s0, base], maxfev=20000)
    except RuntimeError:
        raise GainDataError("--emission: the Gaussian line fit did not converge") from None
    _, c, s, _ = popt
    s = abs(float(s))
    if not (np.all(np.isfinite(cov)) and e.min() < c < e.max()):
        raise GainDataError("--emission: the line's maximum is not inside the spectrum")
    sc, ss = float(math.sqrt(cov[1, 1])), float(math.sqrt(cov[2, 2]))
    peak_nm = HC_EV_NM / float(c)
    return EmissionLine(peak_nm=peak_nm, peak_sigma_nm=peak_nm * sc / float(c),
                        fwhm_meV=1e3 * FWHM_PER_SIGMA * s,
                        fwhm_sigma_meV=1e3 * FWHM_PER_SIGMA * ss, n_points=int(lam.size))


# ------------------------------------------------------------------------------------------------
# model
# ------------------------------------------------------------------------------------------------
def _required(lam_nm: ArrayLike, Q: ArrayLike, gamma: ArrayLike, c_sigma0_per_cm: float,
              loss_index: float) -> NDArray[np.float64]:
    """1 / (Gamma K), K = lambda Q C sigma_0 / (2 pi n_f)."""
    K = np.asarray(lam_nm, float) * NM_TO_CM * np.asarray(Q, float) * c_sigma0_per_cm / (
        2.0 * math.pi * loss_index)
    return 1.0 / (np.asarray(gamma, float) * K)


def threshold_at(material: NanocrystalMaterial, c_sigma0_per_cm: float, wavelength_nm: ArrayLike,
                 Q: ArrayLike, film_fraction: ArrayLike, loss_index: float) -> NDArray[np.float64]:
    """Threshold N of modes at these wavelengths (inf where the gain never reaches the loss)."""
    coeffs = gain_coefficients(material, wavelength_nm)
    req = _required(wavelength_nm, Q, film_fraction, c_sigma0_per_cm, loss_index)
    return threshold_for_required_gain(coeffs, req,
                                       N_max=SEARCH_N_PER_SITE * material.independent_sites)


def band_grid_nm(material: NanocrystalMaterial, extra_nm: ArrayLike = ()) -> NDArray[np.float64]:
    """Wavelengths (nm, ascending, GRID_STEP_NM apart) where the material can lase: from two
    linewidths blue of the emission peak (the XX line) to four red of it (thresholds far below
    N = 1 move into the red tail), widened to hold ``extra_nm``."""
    fw = material.linewidth_fwhm_meV * 1e-3
    e0 = material.emission_peak_eV
    lo = HC_EV_NM / (e0 + 2.0 * fw + max(material.xx_splitting_eV, 0.0))
    hi = HC_EV_NM / max(e0 - 4.0 * fw, 0.2)
    extra = np.asarray(extra_nm, float)
    if extra.size:
        lo, hi = min(lo, float(extra.min()) - 10.0), max(hi, float(extra.max()) + 10.0)
    return np.arange(lo, hi + GRID_STEP_NM, GRID_STEP_NM)


def optimal_wavelength(material: NanocrystalMaterial, c_sigma0_per_cm: float, Q: ArrayLike,
                       film_fraction: ArrayLike, loss_index: float,
                       grid_nm: NDArray[np.float64]) -> tuple[NDArray[np.float64],
                                                              NDArray[np.float64]]:
    """(wavelength nm, threshold N) where N(lambda) of modes with this Q and Gamma is lowest.

    One cavity per entry of ``Q``/``film_fraction``. The grid minimum is refined by two
    parabolic steps (the second on +-0.02 nm), so the optimum moves smoothly with the
    parameters (the fit differentiates it). nan where no wavelength reaches threshold.
    """
    q = np.atleast_1d(np.asarray(Q, float))[:, None]
    g = np.atleast_1d(np.asarray(film_fraction, float))[:, None]
    lam = grid_nm[None, :]
    nth = threshold_at(material, c_sigma0_per_cm, lam, q, g, loss_index)
    nth = np.where(np.isfinite(nth), nth, np.inf)
    i = np.argmin(nth, axis=1)
    best = nth[np.arange(nth.shape[0]), i]
    ok = np.isfinite(best)
    i_in = np.clip(i, 1, grid_nm.size - 2)
    x = grid_nm[i_in]
    h = GRID_STEP_NM
    for step in (h, 0.02):
        xs = np.stack([x - step, x, x + step], axis=1)
        ys = threshold_at(material, c_sigma0_per_cm, xs, q, g, loss_index)
        ym, y0, yp = ys[:, 0], ys[:, 1], ys[:, 2]
        with np.errstate(invalid="ignore", divide="ignore"):
            curv = ym - 2.0 * y0 + yp
            shift = np.where(np.isfinite(curv) & (curv > 0), 0.5 * (ym - yp) / curv, 0.0)
        x = x + np.clip(shift, -1.0, 1.0) * step
    n_best = threshold_at(material, c_sigma0_per_cm, x, q[:, 0], g[:, 0], loss_index)
    return np.where(ok, x, np.nan), np.where(ok, n_best, np.nan)


def model_curve(material: NanocrystalMaterial, c_sigma0_per_cm: float, loss_index: float,
                gamma_Q: ArrayLike, grid_nm: NDArray[np.float64] | None = None
                ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """The threshold-wavelength curve (paper Fig. 5 model): for each Gamma Q, the optimum
    wavelength (nm) and threshold N of a cavity with modes at every wavelength."""
    gq = np.asarray(gamma_Q, float)
    grid = band_grid_nm(material) if grid_nm is None else grid_nm
    return optimal_wavelength(material, c_sigma0_per_cm, gq, np.ones_like(gq), loss_index, grid)


# ------------------------------------------------------------------------------------------------
# fit
# ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class FitParameter:
    """One fitted parameter: value, one-sigma, the start of the fit and its spec field."""

    name: str
    value: float
    sigma: float
    start: float
    unit: str
    spec_field: str

    def to_dict(self) -> dict[str, float | str]:
        return {"value": self.value, "sigma": self.sigma, "start": self.start,
                "unit": self.unit, "spec_field": self.spec_field}


@dataclass(frozen=True)
class GainFit:
    """The fitted material and film absorption, with per-cavity model values."""

    parameters: dict[str, FitParameter]
    material: NanocrystalMaterial  # the start material with the fitted line shape
    C_sigma0_per_cm: float
    loss_index: float
    cavities: MeasuredCavities
    model_threshold_N: NDArray[np.float64]  # at the measured wavelengths
    # the model's lasing wavelength: its lowest mode of the disk, or the optimum of the curve
    model_wavelength_nm: NDArray[np.float64]
    model_optimum_N: NDArray[np.float64]
    reduced_chi2: float
    n_observations: int
    emission: EmissionLine | None = None
    correlation: dict[str, dict[str, float]] = field(default_factory=dict)

    def residual_rows(self) -> list[dict[str, float | str]]:
        """Per cavity: measured and model threshold and wavelength, and the residuals."""
        c = self.cavities
        out = []
        for i, label in enumerate(c.labels):
            out.append({
                "cavity": label, "Q_total": float(c.Q_total[i]),
                "film_fraction": float(c.film_fraction[i]),
                "threshold_N": float(c.threshold_N[i]),
                "model_threshold_N": float(self.model_threshold_N[i]),
                "threshold_residual_fraction": float(
                    c.threshold_N[i] / self.model_threshold_N[i] - 1.0),
                "lasing_wavelength_nm": float(c.lasing_wavelength_nm[i]),
                "model_wavelength_nm": float(self.model_wavelength_nm[i]),
                "wavelength_residual_nm": float(
                    c.lasing_wavelength_nm[i] - self.model_wavelength_nm[i]),
                "wavelength_sigma_nm": float(c.wavelength_sigma_nm[i]),
            })
        return out


def _comb_thresholds(material: NanocrystalMaterial, c_sigma0_per_cm: float,
                     cavities: MeasuredCavities, rows: NDArray[np.bool_], loss_index: float
                     ) -> NDArray[np.float64]:
    """Model thresholds of the disk modes of the cavities ``rows`` (inf where none)."""
    lam = cavities.comb_wavelength_nm[rows]
    ok = np.isfinite(lam)
    nth = threshold_at(material, c_sigma0_per_cm, np.where(ok, lam, 600.0),
                       np.where(ok, cavities.comb_Q[rows], 1.0),
                       np.where(ok, cavities.comb_film_fraction[rows], 0.5), loss_index)
    return np.where(ok & np.isfinite(nth), nth, np.inf)


def _with(material: NanocrystalMaterial, names: Sequence[str], x: ArrayLike) -> tuple[
        NanocrystalMaterial, float]:
    vals = dict(zip(names, np.asarray(x, float), strict=True))
    c_sigma0 = math.exp(vals.pop("ln_C_sigma0"))
    return material.model_copy(update={k: float(v) for k, v in vals.items()}), c_sigma0


def fit_gain(
    cavities: MeasuredCavities,
    material: NanocrystalMaterial,
    C_sigma0_per_cm: float,
    loss_index: float,
    *,
    fit_xx_splitting: bool = False,
    emission: EmissionLine | None = None,
) -> GainFit:
    """Fit Stokes shift, linewidth, C sigma_0 (and the X-XX splitting) to the cavities.

    ``material`` and ``C_sigma0_per_cm`` are the start (the spec's film); ``loss_index`` is the
    film's refractive index (the n of the loss, gain package docstring). With ``emission`` the
    emission peak is its centre and its FWHM observes the linewidth. Raises GainDataError when
    the data cannot determine the parameters.
    """
    if material.absorption_spectrum_file is not None:
        raise GainDataError("nanocrystals.material.absorption_spectrum_file: fit-gain fits the "
                            "Gaussian band-edge line; remove the measured spectrum to fit it")
    if not (C_sigma0_per_cm > 0 and math.isfinite(C_sigma0_per_cm)):
        raise GainDataError(f"C sigma_0 = {C_sigma0_per_cm:g} /cm: allowed: > 0")
    if emission is not None:
        material = material.model_copy(update={"emission_peak_nm": emission.peak_nm})
    names = ["stokes_shift_meV", "linewidth_fwhm_meV", "ln_C_sigma0"]
    if fit_xx_splitting:
        names.append("xx_splitting_meV")
    n_obs = 2 * len(cavities) + (1 if emission is not None else 0)
    if n_obs <= len(names):
        raise GainDataError(
            f"{len(cavities)} cavities give {n_obs} observations for {len(names)} parameters:"
            f" need at least {len(names) // 2 + 1} cavities")
    lam_meas = cavities.lasing_wavelength_nm
    ln_n = np.log(cavities.threshold_N)
    grid = band_grid_nm(material, lam_meas)
    n_cap = SEARCH_N_PER_SITE * material.independent_sites
    comb = cavities.has_comb
    cont = ~comb

    def residuals(x: NDArray) -> NDArray:
        mat, cs = _with(material, names, x)
        nth = threshold_at(mat, cs, lam_meas, cavities.Q_total, cavities.film_fraction,
                           loss_index)
        # a cavity the model cannot make lase at its wavelength counts as lasing at the
        # search's end: a large, finite residual that the fit reduces
        nth = np.where(np.isfinite(nth), nth, 10.0 * n_cap)
        ln_sig = np.log1p(cavities.threshold_sigma_fraction)
        r_lam = np.zeros(len(cavities))
        if cont.any():
            lam_opt, _ = optimal_wavelength(mat, cs, cavities.Q_total[cont],
                                            cavities.film_fraction[cont], loss_index, grid)
            lam_opt = np.where(np.isfinite(lam_opt), lam_opt, grid[-1])
            r_lam[cont] = (lam_meas[cont] - lam_opt) / cavities.wavelength_sigma_nm[cont]
        if comb.any():
            n_min = _comb_thresholds(mat, cs, cavities, comb, loss_index).min(axis=1)
            r_lam[comb] = np.log(nth[comb] / np.minimum(n_min, nth[comb])) / ln_sig[comb]
        r = [(ln_n - np.log(nth)) / ln_sig, r_lam]
        if emission is not None:
            r.append(np.array([(mat.linewidth_fwhm_meV - emission.fwhm_meV)
                               / max(emission.fwhm_sigma_meV, 1e-3)]))
        return np.concatenate(r)

    start_mat = material
    if emission is not None:
        start_mat = material.model_copy(update={"linewidth_fwhm_meV": emission.fwhm_meV})
    x0 = np.array([start_mat.stokes_shift_meV, start_mat.linewidth_fwhm_meV,
                   math.log(C_sigma0_per_cm)] + ([material.xx_splitting_meV]
                                                 if fit_xx_splitting else []))
    # C sigma_0 scanned first over two decades either way: the threshold depends on it
    # exponentially at low N and a poor start otherwise ends in a far local minimum
    scan = x0[2] + np.log(np.geomspace(0.01, 100.0, 9))
    costs = []
    for s in scan:
        xs = x0.copy()
        xs[2] = s
        costs.append(float(np.sum(residuals(xs) ** 2)))
    x0[2] = scan[int(np.argmin(costs))]
    lo = [BOUNDS[n][0] if n in BOUNDS else -np.inf for n in names]
    hi = [BOUNDS[n][1] if n in BOUNDS else np.inf for n in names]
    x0 = np.clip(x0, np.array(lo) + 1e-9, np.array(hi) - 1e-9)
    sol = least_squares(residuals, x0, bounds=(lo, hi), x_scale=[5.0, 5.0, 0.1, 5.0][
        :len(names)], diff_step=1e-4)
    if not sol.success:
        raise GainDataError(f"the fit did not converge ({sol.message}); check the columns")
    J = sol.jac
    dof = n_obs - len(names)
    chi2 = float(2.0 * sol.cost / dof)
    try:
        cov = np.linalg.inv(J.T @ J) * chi2
    except np.linalg.LinAlgError:
        cov = np.full((len(names), len(names)), np.inf)
    sig = np.sqrt(np.clip(np.diag(cov), 0.0, None))
    if not np.all(np.isfinite(sig)) or np.any(np.diag(cov) < 0):
        raise GainDataError("the data do not determine the parameters (singular Jacobian): "
                            "cavities of more different Gamma Q, or an --emission spectrum")
    mat, cs = _with(material, names, sol.x)
    mat = NanocrystalMaterial.model_validate(mat.model_dump())
    params: dict[str, FitParameter] = {}
    units = {"stokes_shift_meV": "meV", "linewidth_fwhm_meV": "meV",
             "xx_splitting_meV": "meV", "C_sigma0_per_cm": "1/cm"}
    starts = {"stokes_shift_meV": material.stokes_shift_meV,
              "linewidth_fwhm_meV": material.linewidth_fwhm_meV,
              "xx_splitting_meV": material.xx_splitting_meV,
              "C_sigma0_per_cm": C_sigma0_per_cm}
    for k, name in enumerate(names):
        if name == "ln_C_sigma0":
            key, value, sigma = "C_sigma0_per_cm", cs, cs * float(sig[k])
        else:
            key, value, sigma = name, float(sol.x[k]), float(sig[k])
        params[key] = FitParameter(name=key, value=value, sigma=sigma, start=starts[key],
                                   unit=units[key], spec_field=PARAMETER_FIELDS[key])
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = cov / np.outer(sig, sig)
    keys = list(params)
    correlation = {a: {b: float(corr[i, j]) for j, b in enumerate(keys) if j != i}
                   for i, a in enumerate(keys)}
    nth = threshold_at(mat, cs, lam_meas, cavities.Q_total, cavities.film_fraction, loss_index)
    lam_opt, n_opt = optimal_wavelength(mat, cs, cavities.Q_total, cavities.film_fraction,
                                        loss_index, grid)
    if comb.any():
        n_comb = _comb_thresholds(mat, cs, cavities, comb, loss_index)
        j = np.argmin(n_comb, axis=1)
        rows = np.flatnonzero(comb)
        lam_opt[comb] = cavities.comb_wavelength_nm[rows, j]
        n_opt[comb] = n_comb[np.arange(rows.size), j]
    return GainFit(parameters=params, material=mat, C_sigma0_per_cm=cs, loss_index=loss_index,
                   cavities=cavities, model_threshold_N=nth, model_wavelength_nm=lam_opt,
                   model_optimum_N=n_opt, reduced_chi2=chi2, n_observations=n_obs,
                   emission=emission, correlation=correlation)
