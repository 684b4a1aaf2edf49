"""Colloidal nanocrystal materials: band-edge cross-sections, shifts, lifetimes (PHYSICS.md s. 4).

Spectral conventions
--------------------
Every spectral function takes wavelengths in nm and works internally in photon energy (eV),
``E = HC_EV_NM / lambda_nm`` (h c, geometry.constants). The shifts of the paper's Eq. 5 are
applied in energy:

- ``stokes_shift_meV`` (D_S > 0): the emission maximum of the 0-X transition lies D_S below the
  absorption maximum.
- ``xx_splitting_meV`` (D_XX > 0): the XX-X transition lies D_XX *above* the X-0 transition
  (biexciton emission blue of exciton emission: Coulomb repulsion in CdSe/CdS heterostructures,
  paper p. 3). A negative value is a bound biexciton (red-shifted XX emission).

``sigma0_cm2(lambda)`` is the absorption cross-section spectrum of the band-edge 0-X transition
per particle (cm^2). It is either a Gaussian in energy centred on the absorption maximum
``emission_peak_eV + stokes_shift`` with peak value ``sigma0_peak_cm2``, or a measured spectrum
read from ``absorption_spectrum_file`` (CSV with columns ``wavelength_nm`` and ``sigma_cm2``;
a column ``relative`` instead of ``sigma_cm2`` is scaled so that its maximum is
``sigma0_peak_cm2``). A relative file path is resolved against the ``base_dir`` of the
validation context (``NanocrystalMaterial.model_validate(data, context={"base_dir": ...})``;
the spec loader passes the spec's folder), else the working directory, and stored absolute;
``absorption_spectrum_sha256`` (filled in on validation) makes the file's content part of the
material's dump and so of every cache key built from it. The file's maximum must lie at
``emission_peak_eV + stokes_shift`` within ``PEAK_TOLERANCE_*`` (else a ValueError names
``emission_peak_nm`` and its allowed range). A Gaussian band edge matters for the physics: the
red tail of the absorption must fall faster than exponentially for the Stokes-shifted emission
to win far on the red side (paper Fig. S13).

``sigma_high_cm2(lambda)``: absorption by transitions above the band edge (higher hole and
electron levels, the CdS shell), modelled as a smooth step ``sigma_high_ratio * sigma0_peak *
0.5 * erfc(-(E - E_onset) / width)`` with E_onset ``high_onset_meV`` above the 0-X absorption
maximum. It is not bleached by the pump (Eq. 5).

Platelets
---------
In large nanoplatelets more than two excitons coexist at the band edge (paper p. 8, its ref. 35).
The model treats a particle as ``independent_sites`` independent three-level emitters (exciton
coherence areas) that share the particle's cross-sections equally: each site absorbs on average
N / sites photons, populations are Poisson per site, and the gain per particle is
``sites * C * (sigma0 / sites) * g_hat(N / sites) = C * sigma0 * g_hat(N / sites)``. The figure
of merit K is unchanged and the threshold N is ``sites`` times that of a one-site particle with
the same K, which is the behaviour the paper reports (NPL thresholds above N = 2 while QS lase
below N = 0.5). ``independent_sites = 1`` for dots and shells.

Sources: the paper's supporting Tables S1-S3 (sizes, cross-sections, quantum yields per sample)
are not available; every field of every preset carries its provenance (``PROVENANCE``,
written next to the value): the paper's main text or the literature ("cited"), an assumption
of plausible order of magnitude ("assumption"), fitted to the paper's figures ("fitted":
QS3_FIT, NPL_FIT) or computed from other values ("derived"). Cross-sections follow from each
preset's CdSe volume and the bulk absorption of CdSe (``cdse_sigmas_cm2``), and
``particle_volume_nm3`` lets the film check its concentration against close packing
(gain.film).
"""

from __future__ import annotations

import csv
import hashlib
import math
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, get_args

import numpy as np
from numpy.typing import ArrayLike, NDArray
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, model_validator
from scipy.special import erfc

from geometry.constants import HC_EV_NM

FWHM_PER_SIGMA = 2.0 * math.sqrt(2.0 * math.log(2.0))


def energy_eV(wavelength_nm: ArrayLike) -> NDArray[np.float64]:
    """Photon energy (eV) of a vacuum wavelength (nm)."""
    return HC_EV_NM / np.asarray(wavelength_nm, dtype=float)


def wavelength_nm(energy: ArrayLike) -> NDArray[np.float64]:
    """Vacuum wavelength (nm) of a photon energy (eV)."""
    return HC_EV_NM / np.asarray(energy, dtype=float)


@lru_cache(maxsize=16)
def _read_spectrum(
    path: str, mtime_ns: int, size_bytes: int
) -> tuple[str, NDArray[np.float64], NDArray[np.float64], bool]:
    """(sha256 of the bytes, energies eV ascending, values, values_are_absolute) of a CSV."""
    del mtime_ns, size_bytes  # part of the cache key only
    raw = Path(path).read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    lines = raw.decode("utf-8").splitlines()
    rows = list(csv.DictReader(line for line in lines if not line.lstrip().startswith("#")))
    if not rows:
        raise ValueError(f"absorption_spectrum_file {path!r}: no data rows")
    cols = set(rows[0])
    if "wavelength_nm" not in cols or not ({"sigma_cm2", "relative"} & cols):
        raise ValueError(
            f"absorption_spectrum_file {path!r}: needs columns wavelength_nm and sigma_cm2 "
            f"(absolute, cm^2) or relative (scaled to sigma0_peak_cm2); found {sorted(cols)}"
        )
    absolute = "sigma_cm2" in cols
    key = "sigma_cm2" if absolute else "relative"
    try:
        lam = np.array([float(r["wavelength_nm"]) for r in rows])
        val = np.array([float(r[key]) for r in rows])
    except (TypeError, ValueError) as exc:
        raise ValueError(f"absorption_spectrum_file {path!r}: non-numeric value ({exc})") from exc
    if np.any(~np.isfinite(lam)) or np.any(lam <= 0) or np.any(~np.isfinite(val)):
        raise ValueError(f"absorption_spectrum_file {path!r}: wavelengths must be > 0, finite")
    if np.any(val < 0) or val.max() <= 0:
        raise ValueError(f"absorption_spectrum_file {path!r}: {key} must be >= 0, not all 0")
    e = HC_EV_NM / lam
    order = np.argsort(e)
    e, val = e[order], val[order]
    if np.any(np.diff(e) <= 0):
        raise ValueError(f"absorption_spectrum_file {path!r}: duplicate wavelengths")
    e.flags.writeable = False
    val.flags.writeable = False
    return digest, e, val, absolute


def read_spectrum_file(
    path: str | os.PathLike[str],
) -> tuple[str, NDArray[np.float64], NDArray[np.float64], bool]:
    """Parse a spectrum CSV (memoised on path, mtime and size): (sha256, E eV, values, abs)."""
    st = os.stat(path)
    return _read_spectrum(str(path), st.st_mtime_ns, st.st_size)


def resolve_spectrum_path(
    path: str | os.PathLike[str], base_dir: str | os.PathLike[str] | None
) -> Path:
    """Absolute path of a spectrum file: a relative path is taken relative to ``base_dir`` (the
    folder of the spec that names it) or, without one, to the working directory."""
    p = Path(path).expanduser()
    if not p.is_absolute() and base_dir is not None:
        p = Path(base_dir) / p
    return p.resolve()


# A measured band-edge maximum may sit this far (in energy) from emission peak + Stokes shift
# before the material is rejected as inconsistent. ASSUMPTION: half the 0-X line FWHM, at
# least 10 meV (the accuracy of an absorbance maximum read on a broad ensemble line).
PEAK_TOLERANCE_FRACTION_OF_FWHM = 0.5
PEAK_TOLERANCE_MIN_MEV = 10.0


class NanocrystalMaterial(BaseModel):
    """Optical constants of one nanocrystal sample (per particle)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1)
    emission_peak_nm: float = Field(
        gt=350.0, lt=2000.0, description="maximum of the X-0 spontaneous emission, nm"
    )
    linewidth_fwhm_meV: float = Field(
        gt=1.0, le=500.0, description="FWHM of the Gaussian 0-X band-edge line (energy), meV"
    )
    stokes_shift_meV: float = Field(
        ge=0.0, le=300.0, description="0-X absorption maximum minus emission maximum, meV"
    )
    xx_splitting_meV: float = Field(
        ge=-200.0, le=200.0, description="XX-X minus X-0 transition energy, meV (>0: blue XX)"
    )
    sigma0_peak_cm2: float = Field(
        gt=1e-19, lt=1e-11, description="peak 0-X absorption cross-section per particle, cm^2"
    )
    sigma_high_ratio: float = Field(
        0.0, ge=0.0, le=100.0, description="plateau of sigma_high relative to sigma0_peak"
    )
    high_onset_meV: float = Field(
        150.0, ge=0.0, le=2000.0, description="onset of sigma_high above the 0-X absorption peak"
    )
    high_width_meV: float = Field(40.0, gt=1.0, le=1000.0, description="width of that onset, meV")
    sigma_pump_cm2: float = Field(
        gt=1e-19, lt=1e-11, description="absorption cross-section at the pump wavelength, cm^2"
    )
    pump_wavelength_nm: float = Field(532.0, gt=200.0, lt=2000.0)
    tau_x_ns: float = Field(gt=0.0, le=1e4, description="exciton (X) total lifetime, ns")
    tau_xx_ns: float = Field(gt=0.0, le=1e4, description="biexciton (XX) total lifetime, ns")
    qy_x: float = Field(gt=0.0, le=1.0, description="X photoluminescence quantum yield")
    qy_xx: float = Field(gt=0.0, le=1.0, description="XX photoluminescence quantum yield")
    independent_sites: float = Field(
        1.0, ge=1.0, le=1000.0, description="independent 3-level emitters per particle (NPL > 1)"
    )
    absorption_spectrum_file: Path | None = Field(
        None, description="measured 0-X band-edge spectrum CSV (replaces the Gaussian); a "
        "relative path is relative to the spec's folder"
    )
    absorption_spectrum_sha256: str | None = Field(
        None, pattern=r"^[0-9a-f]{64}$",
        description="sha256 of the spectrum file's content: filled in on validation (a cache "
        "identity of the measured spectrum); a given value must match the file",
    )
    particle_volume_nm3: float | None = Field(
        None, gt=1.0, le=1.0e6,
        description="inorganic volume of one particle, nm^3: bounds the film's concentration "
        "(close packing, gain.film) and ties the cross-sections to bulk absorption",
    )
    notes: str = ""

    @model_validator(mode="before")
    @classmethod
    def _resolve_spectrum_file(cls, data: object, info: ValidationInfo) -> object:
        """Resolve the spectrum path (against ``context["base_dir"]``), read it, hash it."""
        if not isinstance(data, dict) or data.get("absorption_spectrum_file") in (None, ""):
            return data
        base = (info.context or {}).get("base_dir")
        given = data["absorption_spectrum_file"]
        p = resolve_spectrum_path(given, base)
        if not p.is_file():
            where = f" (relative to {base})" if base is not None else ""
            raise ValueError(f"absorption_spectrum_file {str(given)!r}{where} does not exist "
                             f"(looked for {str(p)!r})")
        digest = read_spectrum_file(p)[0]
        want = data.get("absorption_spectrum_sha256")
        if want not in (None, "") and want != digest:
            raise ValueError(
                f"absorption_spectrum_sha256 = {want!r} does not match the content of "
                f"absorption_spectrum_file {str(p)!r} (sha256 {digest}): the file changed"
            )
        return {**data, "absorption_spectrum_file": p, "absorption_spectrum_sha256": digest}

    @model_validator(mode="after")
    def _check(self) -> NanocrystalMaterial:
        if self.tau_xx_ns > self.tau_x_ns:
            raise ValueError(
                f"tau_xx_ns={self.tau_xx_ns} must not exceed tau_x_ns={self.tau_x_ns}"
            )
        if self.absorption_spectrum_file is not None:
            self._check_spectrum_peak()
        return self

    def _check_spectrum_peak(self) -> None:
        """The file's absorption maximum must sit at emission_peak + Stokes shift (tolerance)."""
        _, es, vals, _ = self._spectrum()
        e_file = float(es[int(np.argmax(vals))])
        tol_eV = 1e-3 * max(PEAK_TOLERANCE_FRACTION_OF_FWHM * self.linewidth_fwhm_meV,
                            PEAK_TOLERANCE_MIN_MEV)
        expected = self.absorption_peak_eV
        if abs(e_file - expected) > tol_eV:
            e_em = e_file - self.stokes_shift_eV  # the emission peak the file implies
            lo_nm, hi_nm = HC_EV_NM / (e_em + tol_eV), HC_EV_NM / (e_em - tol_eV)
            raise ValueError(
                f"emission_peak_nm = {self.emission_peak_nm:g} is inconsistent with "
                f"absorption_spectrum_file {str(self.absorption_spectrum_file)!r}: its maximum "
                f"at {HC_EV_NM / e_file:.1f} nm ({e_file:.4f} eV) minus stokes_shift_meV = "
                f"{self.stokes_shift_meV:g} puts the emission peak at {HC_EV_NM / e_em:.1f} nm;"
                f" allowed: {lo_nm:.1f} <= emission_peak_nm <= {hi_nm:.1f} (+-{1e3 * tol_eV:g}"
                f" meV), or change stokes_shift_meV"
            )

    def _spectrum(self) -> tuple[str, NDArray[np.float64], NDArray[np.float64], bool]:
        """The measured spectrum, checked against the hash taken on validation."""
        if self.absorption_spectrum_file is None:
            raise ValueError("no absorption_spectrum_file")
        spec = read_spectrum_file(self.absorption_spectrum_file)
        want = self.absorption_spectrum_sha256
        if want is not None and spec[0] != want:
            raise ValueError(
                f"absorption_spectrum_file {str(self.absorption_spectrum_file)!r} changed since "
                "this material was validated (sha256 differs): load the spec again"
            )
        return spec

    # --- derived energies -------------------------------------------------------------------
    @property
    def emission_peak_eV(self) -> float:
        return HC_EV_NM / self.emission_peak_nm

    @property
    def absorption_peak_eV(self) -> float:
        """0-X absorption maximum (eV): emission peak plus the Stokes shift."""
        return self.emission_peak_eV + self.stokes_shift_meV * 1e-3

    @property
    def absorption_peak_nm(self) -> float:
        return HC_EV_NM / self.absorption_peak_eV

    @property
    def stokes_shift_eV(self) -> float:
        return self.stokes_shift_meV * 1e-3

    @property
    def xx_splitting_eV(self) -> float:
        return self.xx_splitting_meV * 1e-3

    @property
    def linewidth_sigma_eV(self) -> float:
        """Gaussian standard deviation of the 0-X line, eV."""
        return self.linewidth_fwhm_meV * 1e-3 / FWHM_PER_SIGMA

    # --- cross-section spectra ---------------------------------------------------------------
    def sigma0_at_energy(self, energy: ArrayLike) -> NDArray[np.float64]:
        """0-X absorption cross-section (cm^2) at photon energies ``energy`` (eV)."""
        e = np.asarray(energy, dtype=float)
        if self.absorption_spectrum_file is not None:
            _, es, vals, absolute = self._spectrum()
            scale = 1.0 if absolute else self.sigma0_peak_cm2 / vals.max()
            return np.interp(e, es, vals, left=0.0, right=0.0) * scale
        x = (e - self.absorption_peak_eV) / self.linewidth_sigma_eV
        return self.sigma0_peak_cm2 * np.exp(-0.5 * x * x)

    def sigma0_cm2(self, wavelength: ArrayLike) -> NDArray[np.float64]:
        """0-X absorption cross-section spectrum sigma_0(lambda), cm^2 (lambda in nm)."""
        return self.sigma0_at_energy(energy_eV(wavelength))

    def sigma_high_at_energy(self, energy: ArrayLike) -> NDArray[np.float64]:
        """Absorption above the band edge (cm^2) at photon energies (eV); never bleached."""
        e = np.asarray(energy, dtype=float)
        if self.sigma_high_ratio == 0.0:
            return np.zeros_like(e)
        onset = self.absorption_peak_eV + self.high_onset_meV * 1e-3
        x = (e - onset) / (self.high_width_meV * 1e-3)
        return self.sigma_high_ratio * self.sigma0_peak_cm2 * 0.5 * erfc(-x)

    def sigma_high_cm2(self, wavelength: ArrayLike) -> NDArray[np.float64]:
        """sigma_high(lambda), cm^2 (lambda in nm)."""
        return self.sigma_high_at_energy(energy_eV(wavelength))

    @property
    def sigma0_reference_cm2(self) -> float:
        """The sigma_0 used in K and in normalised gain: the peak of the 0-X line, cm^2."""
        if self.absorption_spectrum_file is None:
            return self.sigma0_peak_cm2
        _, _, vals, absolute = self._spectrum()
        return float(vals.max()) if absolute else self.sigma0_peak_cm2

    # --- lifetimes -----------------------------------------------------------------------------
    @property
    def radiative_rate_x_per_ns(self) -> float:
        return self.qy_x / self.tau_x_ns

    @property
    def radiative_rate_xx_per_ns(self) -> float:
        return self.qy_xx / self.tau_xx_ns



# ------------------------------------------------------------------------------------------------
# Cross-sections from particle volume and bulk absorption (PHYSICS.md s. 4: sigma ~ V * alpha).
# ------------------------------------------------------------------------------------------------
AVOGADRO_PER_MOL = 6.02214076e23  # SI, exact
# Leatherdale, Woo, Mikulec & Bawendi, J. Phys. Chem. B 106, 7619 (2002): CdSe nanocrystals
# absorb at 350 nm C_abs = 5.501e5 a^3 cm^-1 (a the radius, cm): 1.313e5 cm^-1 per volume.
CDSE_ABSORPTION_350_PER_CM = 5.501e5 / (4.0 * math.pi / 3.0)
# ASSUMPTION: at 532 nm (2.33 eV, 0.6 eV above the bulk gap) CdSe absorbs 0.4 times its 350 nm
# value, the ratio of the bulk CdSe absorption coefficients at 2.33 and 3.54 eV (~1.3e5 and
# ~3.3e5 cm^-1, order of magnitude); the local-field factor is taken equal at both.
CDSE_ABSORPTION_532_PER_CM = 0.4 * CDSE_ABSORPTION_350_PER_CM
# CdS is transparent at 532 nm: its bulk gap is 2.42 eV = 512 nm at room temperature
# (O. Madelung, Semiconductors: Data Handbook, 3rd ed., Springer 2004). A CdS core or shell
# adds volume (dilutes the film) but no pump absorption.
CDS_GAP_NM = 512.0
# Band edge: Yu, Qu, Guo & Peng, Chem. Mater. 15, 2854 (2003), first-exciton extinction of CdSe
# dots eps = 5857 D^2.65 M^-1 cm^-1 (D in nm). Its per-volume value at D = 5 nm (2.4e4 cm^-1)
# is taken for the band-edge oscillator strength of any CdSe volume (ASSUMPTION for shells and
# platelets), spread over the sample's line: the peak scales as 1/FWHM at a fixed integral,
# with ASSUMPTION: FWHM 90 meV for the first-exciton line of the dots Yu et al. measured.
YU_REFERENCE_DIAMETER_NM = 5.0
YU_REFERENCE_FWHM_MEV = 90.0


def sphere_volume_nm3(radius_nm: float) -> float:
    """Volume (nm^3) of a sphere of radius ``radius_nm``."""
    return 4.0 / 3.0 * math.pi * radius_nm**3


def shell_volume_nm3(inner_radius_nm: float, outer_radius_nm: float) -> float:
    """Volume (nm^3) of a spherical shell."""
    if not 0.0 <= inner_radius_nm < outer_radius_nm:
        raise ValueError("shell radii must satisfy 0 <= inner < outer")
    return sphere_volume_nm3(outer_radius_nm) - sphere_volume_nm3(inner_radius_nm)


def cross_section_cm2_from_molar_extinction(eps_per_M_per_cm: float) -> float:
    """sigma = 1000 ln(10) eps / N_A (cm^2) of a decadic molar extinction (M^-1 cm^-1)."""
    return 1000.0 * math.log(10.0) * eps_per_M_per_cm / AVOGADRO_PER_MOL


def cdse_band_edge_per_cm(fwhm_meV: float) -> float:
    """Peak 0-X absorption per CdSe volume (cm^-1) for a band-edge line of this FWHM (meV)."""
    d = YU_REFERENCE_DIAMETER_NM
    sigma = cross_section_cm2_from_molar_extinction(5857.0 * d**2.65)
    per_cm = sigma / (sphere_volume_nm3(d / 2.0) * 1e-21)
    return per_cm * YU_REFERENCE_FWHM_MEV / fwhm_meV


def cdse_sigmas_cm2(cdse_volume_nm3: float, fwhm_meV: float) -> tuple[float, float]:
    """(sigma_0 peak, sigma_pump at 532 nm) in cm^2 of a particle holding this CdSe volume."""
    v_cm3 = cdse_volume_nm3 * 1e-21
    return v_cm3 * cdse_band_edge_per_cm(fwhm_meV), v_cm3 * CDSE_ABSORPTION_532_PER_CM


# ------------------------------------------------------------------------------------------------
# Presets. Paper = Kersuzan et al., hal-05014673 (2025), main text (its Tables S1-S3, with the
# samples' sizes, cross-sections and spectra, are not available). Sizes are ASSUMPTIONS of the
# right order for each family; the cross-sections follow from the CdSe volume (above); the line
# shape (Stokes shift, linewidth) and the platelets' sites are FITTED to the paper's
# quantitative statements (each preset's fit record below; benchmarks/fit_presets.py redoes
# it). Lifetimes and quantum yields enter only the rate equations (gain.dynamics).
# ------------------------------------------------------------------------------------------------

# --- QS3: CdS/CdSe/CdS quantum shell (paper's QS-3, its refs 11, 24-26) --------------------------
# ASSUMPTION: sphere, CdS core radius 4.0 nm, CdSe shell to 6.5 nm, CdS outer shell to 8.0 nm
# (16 nm across; Table S1 n/a). CdSe volume 882 nm^3 of 2145 nm^3.
QS3_RADII_NM = (4.0, 6.5, 8.0)
# FITTED (record in QS3_FIT): 0-X line width and Stokes shift
QS3_FWHM_MEV = 108.15
QS3_STOKES_MEV = 69.80
_QS3_SIGMA0, _QS3_SIGMA_PUMP = cdse_sigmas_cm2(shell_volume_nm3(*QS3_RADII_NM[:2]),
                                               QS3_FWHM_MEV)
QS3_FIT = """Fit of the QS3 line shape (benchmarks/fit_presets.py, solved 2026-12-02).

Fitted: Stokes shift and FWHM of the 0-X line (sigma_0 follows the FWHM at a fixed band-edge
oscillator strength per CdSe volume). Data: the paper's Fig. 5 and 6a statements, read on the
model's threshold-wavelength curve (modes at every wavelength, paper Fig. 4c,d): the paper's
QS lasing at N < 0.5 lies 10-25 nm red of lambda_0, for thresholds the paper shows down to
~0.1. Targets: shift at N = 0.5 of 10.5 nm and at N = 0.1 of 24.5 nm (0.5 nm inside the band).
Result: Stokes shift 69.80 meV, FWHM 108.15 meV; residuals -0.61 nm (9.89 nm at N = 0.5) and
+0.30 nm (24.80 nm at N = 0.1). The curve needs Gamma K >= 9.91 for N <= 0.5.
Check against Fig. 5 (Q > 6,000 lase below N = 0.5), not fitted: the example's film (volume
fraction 0.35, 80 nm, index 1.8: C sigma_0 = 2.9e3 /cm) on its FEM disks (TE film fractions
0.131-0.278, tests/data/qs3_example_fem_modes.csv): at Q = 6,000 and the smallest film
fraction (30 um disk) Gamma K = 13.2, N = 0.42 at +11.6 nm; Q = 2e4: N = 0.20, +18.4 nm;
Q = 1e5: N = 0.088, +26.0 nm; Q = 1,500: N = 1.10, +1.1 nm (low-Q cavities: higher, bluer).
"""

# --- QS2: the paper's second quantum-shell sample of Fig. 6a ---------------------------------
# The main text does not say which of QS-1/QS-2 it is; "QS2" is this package's name for it.
# ASSUMPTION: a thinner CdSe shell than QS3 (core 4.0 nm, CdSe to 6.0 nm, CdS to 7.5 nm), so a
# bluer emission; the line shape of QS3 (same family, same fit; the test suite checks that the
# paper's Fig. 6a statements hold for it too).
QS2_RADII_NM = (4.0, 6.0, 7.5)
_QS2_SIGMA0, _QS2_SIGMA_PUMP = cdse_sigmas_cm2(shell_volume_nm3(*QS2_RADII_NM[:2]),
                                               QS3_FWHM_MEV)

# --- QD: CdSe/CdS core/shell dots (paper's QD-1/2, its refs 6, 20-23) --------------------------
# ASSUMPTION: CdSe core radius 2.0 nm, CdS shell to 4.0 nm (8 nm across; Table S1 n/a).
QD_RADII_NM = (2.0, 4.0)
QD_FWHM_MEV = 90.0  # ASSUMPTION: ensemble FWHM ~ 28 nm at 625 nm, typical of CdSe/CdS dots
_QD_SIGMA0, _QD_SIGMA_PUMP = cdse_sigmas_cm2(sphere_volume_nm3(QD_RADII_NM[0]), QD_FWHM_MEV)

# --- NPL: CdSe/CdZnS core/shell platelets (paper's NPL-1/2, its refs 8, 10, 27) ---------------
# ASSUMPTION: CdSe core 20 x 12 x 1.4 nm (4.5 monolayers), CdZnS shell to 22 x 14 x 5 nm
# (Table S1 n/a). The Cd-rich inner shell is CdS-like: transparent at 532 nm (CDS_GAP_NM).
NPL_CORE_NM = (20.0, 12.0, 1.4)
NPL_OUTER_NM = (22.0, 14.0, 5.0)
NPL_FWHM_MEV = 80.0  # ASSUMPTION: ~27 nm at 650 nm, core/shell platelets
# FITTED (record in NPL_FIT): Stokes shift and independent sites
NPL_STOKES_MEV = 45.2
NPL_SITES = 12.5
_NPL_SIGMA0, _NPL_SIGMA_PUMP = cdse_sigmas_cm2(math.prod(NPL_CORE_NM), NPL_FWHM_MEV)
NPL_FIT = """Fit of the NPL line shape and sites (benchmarks/fit_presets.py, solved 2026-12-02).

FWHM fixed at 80 meV (ASSUMPTION: ~27 nm at 650 nm, core/shell platelets). Fitted: Stokes
shift and independent sites. Data: paper Fig. 6b, the platelet cavities lasing at the lowest
thresholds lie above N = 2, 10-25 nm red of lambda_0. Targets, at the best example cavity
(film fraction 0.278, the 10 um disk's TE modes; Q = 2e4; film volume fraction 0.35 of
platelets): lasing 17.5 nm red (the middle of the band) at N = 2.5. Solved exactly (two
targets, two parameters; on the larger-Stokes-shift branch, which has the lower thresholds):
Stokes shift 45.2 meV, 12.5 sites (240 nm^2 of CdSe per platelet: 19 nm^2 per site).
At the smallest film fraction (0.131): Q = 6,000: N = 6.8, +9.1 nm; Q = 2e4: N = 3.6,
+14.5 nm; Q = 1e5: N = 1.7, +20.6 nm.
"""


# ------------------------------------------------------------------------------------------------
# Provenance: every field of every preset says where its value comes from, written next to the
# value (one literal holds both: ``_QS3`` etc. below), so the two cannot drift apart. The report
# (paradisk) shows it beside each value and lists the assumed ones.
# ------------------------------------------------------------------------------------------------
ProvenanceKind = Literal["assumption", "fitted", "cited", "derived", "label"]
PROVENANCE_KINDS: tuple[ProvenanceKind, ...] = get_args(ProvenanceKind)


@dataclass(frozen=True)
class Provenance:
    """Where a preset value comes from.

    ``kind``: "assumption" (plausible order of magnitude, no measurement behind it: a lab
    should replace it by its own), "fitted" (to the paper's figures: the fit record names the
    data), "cited" (the paper or the literature, named in ``source``), "derived" (computed from
    other values, named in ``source``) or "label" (a name or a note, not a physical value).
    ``source``: the reference, the fit record or what was assumed and why.
    """

    kind: ProvenanceKind
    source: str


Sourced = tuple[Any, Provenance]  # (value, where it comes from)


def assumed(value: Any, why: str) -> Sourced:
    return value, Provenance("assumption", why)


def fitted(value: Any, record: str) -> Sourced:
    return value, Provenance("fitted", record)


def cited(value: Any, source: str) -> Sourced:
    return value, Provenance("cited", source)


def derived(value: Any, how: str) -> Sourced:
    return value, Provenance("derived", how)


def label(value: Any, what: str) -> Sourced:
    return value, Provenance("label", what)


# shared by every preset
_PUMP_532 = cited(532.0, "paper Methods: 532 nm pulsed pump laser")
_QY_X = "paper p. 2: monoexciton QY 45-60 % for all samples"
_QY_XX = "paper p. 2: biexciton QY 17-29 % for all samples"
_NO_SPECTRUM = assumed(None, "no measured band-edge spectrum (paper Table S3 n/a): a Gaussian "
                             "line of the FWHM above")
_NO_SPECTRUM_HASH = derived(None, "sha256 of absorption_spectrum_file (none given)")
_SIGMA0_HOW = ("CdSe volume of the assumed size x band-edge absorption per CdSe volume (Yu et "
               "al., Chem. Mater. 15, 2854 (2003), at 5 nm dots; ASSUMPTION that it holds for "
               "this shape) spread over the line's FWHM")
_SIGMA_PUMP_HOW = ("CdSe volume of the assumed size x CdSe absorption at 532 nm (Leatherdale et "
                   "al., J. Phys. Chem. B 106, 7619 (2002) at 350 nm, times 0.4: ASSUMPTION, "
                   "bulk ratio); CdS and CdZnS are transparent at 532 nm")
_THREE_LEVEL = cited(1.0, "three-level emitter per particle (paper Eq. 5)")

QS3_SIZE = (f"sphere: CdS core r {QS3_RADII_NM[0]} nm, CdSe shell to {QS3_RADII_NM[1]} nm, CdS "
            f"to {QS3_RADII_NM[2]} nm ({2 * QS3_RADII_NM[2]:g} nm across; Table S1 n/a)")
QS2_SIZE = (f"sphere: CdS core r {QS2_RADII_NM[0]} nm, CdSe shell to {QS2_RADII_NM[1]} nm, CdS "
            f"to {QS2_RADII_NM[2]} nm (a thinner CdSe shell than QS3, so a bluer emission)")
QD_SIZE = (f"sphere: CdSe core r {QD_RADII_NM[0]} nm, CdS shell to {QD_RADII_NM[1]} nm "
           f"({2 * QD_RADII_NM[1]:g} nm across; Table S1 n/a)")
NPL_SIZE = ("platelet: CdSe core {:g} x {:g} x {:g} nm (4.5 monolayers), CdZnS shell to {:g} x "
            "{:g} x {:g} nm (Table S1 n/a)").format(*NPL_CORE_NM, *NPL_OUTER_NM)

_QS3: dict[str, Sourced] = {
    "name": label("QS3", "the paper's sample QS-3"),
    "emission_peak_nm": assumed(630.0, "QS-3's peak is in Table S1 (n/a); quantum shells of "
                                "this size emit in the red, and the paper's Fig. 5 lasing lines "
                                "lie at 630-660 nm"),
    "linewidth_fwhm_meV": fitted(QS3_FWHM_MEV, "to paper Fig. 5 and 6a (gain.materials.QS3_FIT)"),
    "stokes_shift_meV": fitted(QS3_STOKES_MEV, "to paper Fig. 5 and 6a (gain.materials.QS3_FIT)"
                               "; it grows with shell thickness (paper p. 6)"),
    "xx_splitting_meV": assumed(30.0, "XX emission blue of X (paper p. 3: Coulomb repulsion; "
                                "ASE lines blue of the spontaneous emission, Fig. 1a); 30 meV ~ "
                                "10 nm"),
    "sigma0_peak_cm2": assumed(_QS3_SIGMA0, _SIGMA0_HOW),
    "sigma_high_ratio": assumed(1.0, "CdSe continuum above the band edge ~ sigma_0"),
    "high_onset_meV": assumed(150.0, "next hole level ~150 meV above the 0-X peak"),
    "high_width_meV": assumed(40.0, "width of that onset, below the 0-X line width"),
    "sigma_pump_cm2": assumed(_QS3_SIGMA_PUMP, _SIGMA_PUMP_HOW),
    "pump_wavelength_nm": _PUMP_532,
    "tau_x_ns": assumed(25.0, "X lifetime of thick CdSe/CdS shells ~ 20-30 ns"),
    "tau_xx_ns": assumed(5.0, "XX ~ 5 ns: Auger suppressed in quantum shells (paper p. 2 and its "
                         "ref. 11: Cassidy et al., ACS Nano 16, 3017 (2022))"),
    "qy_x": cited(0.55, _QY_X),
    "qy_xx": cited(0.25, _QY_XX),
    "independent_sites": _THREE_LEVEL,
    "absorption_spectrum_file": _NO_SPECTRUM,
    "absorption_spectrum_sha256": _NO_SPECTRUM_HASH,
    "particle_volume_nm3": assumed(sphere_volume_nm3(QS3_RADII_NM[2]), QS3_SIZE),
    "notes": label("Paper's QS-3 quantum shells: sphere of CdS core r 4.0 nm / CdSe to 6.5 nm / "
                   "CdS to 8.0 nm (assumption). Line shape fitted to paper Fig. 5 and 6a "
                   "(gain.materials.QS3_FIT).", "description"),
}

# The main text does not say which of QS-1/QS-2 the second QS sample of Fig. 6a is; "QS2" is
# this package's name for it. QS3's values but for the size and the emission peak.
_QS3_LINE = "QS3's fitted value (same family, same fit; the test suite checks that the paper's " \
            "Fig. 6a statements hold for QS2 too)"
_QS2: dict[str, Sourced] = {
    **_QS3,
    "name": label("QS2", "the paper's second QS sample of Fig. 6a (QS-1 or QS-2, not said)"),
    "emission_peak_nm": assumed(615.0, "thinner CdSe shell, bluer than QS3"),
    "linewidth_fwhm_meV": assumed(QS3_FWHM_MEV, _QS3_LINE),
    "stokes_shift_meV": assumed(QS3_STOKES_MEV, _QS3_LINE),
    "sigma0_peak_cm2": assumed(_QS2_SIGMA0, _SIGMA0_HOW),
    "sigma_pump_cm2": assumed(_QS2_SIGMA_PUMP, _SIGMA_PUMP_HOW),
    "particle_volume_nm3": assumed(sphere_volume_nm3(QS2_RADII_NM[2]), QS2_SIZE),
    "notes": label("The paper's second QS sample of Fig. 6a (QS-1 or QS-2, not said): CdS core "
                   "r 4.0 nm / CdSe to 6.0 nm / CdS to 7.5 nm (assumption); QS3's fitted line "
                   "shape.", "description"),
}

_QD: dict[str, Sourced] = {
    "name": label("QD", "the paper's samples QD-1/2"),
    "emission_peak_nm": assumed(625.0, "CdSe/CdS dots with a 4 nm core (Table S1 n/a)"),
    "linewidth_fwhm_meV": assumed(QD_FWHM_MEV, "ensemble FWHM ~ 28 nm at 625 nm, typical of "
                                  "CdSe/CdS dots"),
    "stokes_shift_meV": cited(25.0, "Liptay et al., Phys. Rev. B 76, 155314 (2007) (paper's ref. "
                              "31): Stokes shifts of CdSe dots of this size are ~20-30 meV; 25 "
                              "meV taken"),
    "xx_splitting_meV": assumed(15.0, "small blue XX shift (paper p. 3)"),
    "sigma0_peak_cm2": assumed(_QD_SIGMA0, _SIGMA0_HOW),
    "sigma_high_ratio": assumed(1.5, "dense higher transitions of a small core"),
    "high_onset_meV": assumed(120.0, "next transitions of a small core close above the 0-X peak"),
    "high_width_meV": assumed(40.0, "width of that onset, below the 0-X line width"),
    "sigma_pump_cm2": assumed(_QD_SIGMA_PUMP, _SIGMA_PUMP_HOW),
    "pump_wavelength_nm": _PUMP_532,
    "tau_x_ns": assumed(25.0, "CdSe/CdS core/shell X lifetime 20-30 ns"),
    "tau_xx_ns": assumed(1.0, "Auger-limited XX in core/shell dots ~ 1 ns"),
    "qy_x": cited(0.5, _QY_X),
    "qy_xx": cited(0.2, _QY_XX),
    "independent_sites": _THREE_LEVEL,
    "absorption_spectrum_file": _NO_SPECTRUM,
    "absorption_spectrum_sha256": _NO_SPECTRUM_HASH,
    "particle_volume_nm3": assumed(sphere_volume_nm3(QD_RADII_NM[1]), QD_SIZE),
    "notes": label(
        "CdSe/CdS dots (paper QD-1/2): core r 2.0 nm, CdS shell to 4.0 nm (assumption). "
        "Not fitted: the paper reports no lasing (p. 8), which the tests check as a prediction. "
        "Its K is 0.33-0.36 of QS3's at the same film fraction (smaller sigma_0, as the paper "
        "says), so on the example disks the threshold needs 1.4-2.7x the pump's reach for Q "
        "6e3-2e4 or their own loss budgets; at Q 1e5 and a close-packed film it comes within "
        "the reach (98-107 uJ/cm^2 for 100): the paper's 'K may be too low' holds for its "
        "measured Q range, not for any Q.", "description"),
}

_NPL: dict[str, Sourced] = {
    "name": label("NPL", "the paper's samples NPL-1/2"),
    "emission_peak_nm": assumed(650.0, "CdSe/CdZnS core/shell platelets emit ~640-660 nm"),
    "linewidth_fwhm_meV": assumed(NPL_FWHM_MEV, "~27 nm at 650 nm, core/shell platelets"),
    "stokes_shift_meV": fitted(NPL_STOKES_MEV, "to paper Fig. 6b (gain.materials.NPL_FIT)"),
    "xx_splitting_meV": assumed(10.0, "small blue XX shift (paper p. 3)"),
    "sigma0_peak_cm2": assumed(_NPL_SIGMA0, _SIGMA0_HOW),
    "sigma_high_ratio": assumed(1.0, "CdSe continuum above the band edge ~ sigma_0"),
    "high_onset_meV": assumed(150.0, "light-hole transition ~150 meV above the heavy hole"),
    "high_width_meV": assumed(40.0, "width of that onset, below the 0-X line width"),
    "sigma_pump_cm2": assumed(_NPL_SIGMA_PUMP, _SIGMA_PUMP_HOW),
    "pump_wavelength_nm": _PUMP_532,
    "tau_x_ns": assumed(8.0, "core/shell NPL X lifetime ~ 5-10 ns"),
    "tau_xx_ns": assumed(0.5, "Auger-limited XX of platelets, well below the X lifetime"),
    "qy_x": cited(0.5, _QY_X),
    "qy_xx": cited(0.2, _QY_XX),
    "independent_sites": fitted(NPL_SITES, "to paper Fig. 6b (gain.materials.NPL_FIT): several "
                                "excitons coexist per platelet (paper p. 8, its ref. 35: Li & "
                                "Lian, Acc. Chem. Res. 52, 2684 (2019))"),
    "absorption_spectrum_file": _NO_SPECTRUM,
    "absorption_spectrum_sha256": _NO_SPECTRUM_HASH,
    "particle_volume_nm3": assumed(math.prod(NPL_OUTER_NM), NPL_SIZE),
    "notes": label("CdSe/CdZnS platelets (paper NPL-1/2): core 20 x 12 x 1.4 nm, shell to 22 x "
                   "14 x 5 nm (assumption); line shape and sites fitted to paper Fig. 6b "
                   "(gain.materials.NPL_FIT).", "description"),
}

_SOURCED: dict[str, dict[str, Sourced]] = {"QS3": _QS3, "QD": _QD, "NPL": _NPL, "QS2": _QS2}

PRESETS: dict[str, NanocrystalMaterial] = {
    name: NanocrystalMaterial(**{f: v for f, (v, _) in fields.items()})
    for name, fields in _SOURCED.items()
}
# preset name -> field -> where its value comes from (every field of NanocrystalMaterial)
PROVENANCE: dict[str, dict[str, Provenance]] = {
    name: {f: p for f, (_, p) in fields.items()} for name, fields in _SOURCED.items()
}


def get_preset(name: str) -> NanocrystalMaterial:
    """The preset material called ``name`` (case-insensitive); ValueError lists valid names."""
    for key, mat in PRESETS.items():
        if key.lower() == str(name).lower():
            return mat
    raise ValueError(f"unknown nanocrystal preset {name!r}; valid presets: {sorted(PRESETS)}")
