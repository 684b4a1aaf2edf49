"""Colloidal nanocrystal materials: band-edge cross-sections, shifts, lifetimes (PHYSICS.md s. 4).

Spectral conventions
--------------------
Every spectral function takes wavelengths in nm and works internally in photon energy (eV),
``E = 1239.84198 / lambda_nm``. The shifts of the paper's Eq. 5 are applied in energy:

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
are not available; every preset number below says whether it is from the paper's main text,
from the literature, or an assumption of plausible order of magnitude.
"""

from __future__ import annotations

import csv
import hashlib
import math
import os
from functools import lru_cache
from pathlib import Path

import numpy as np
from numpy.typing import ArrayLike, NDArray
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, model_validator
from scipy.special import erfc

HC_EV_NM = 1239.84198  # h c in eV nm (CODATA 2018)
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
# Presets. Paper = Kersuzan et al., hal-05014673 (2025), main text (Tables S1-S3 unavailable).
# ------------------------------------------------------------------------------------------------
PRESETS: dict[str, NanocrystalMaterial] = {
    "QS3": NanocrystalMaterial(
        name="QS3",
        # assumption: CdS/CdSe/CdS quantum shells emit near 630 nm (Cassidy et al., Nat. Photon.
        # 16, 2022); QS-3's exact peak is in the paper's Table S1, not available.
        emission_peak_nm=630.0,
        # assumption: ensemble 0-X FWHM ~ 100 meV (~ 30 nm at 630 nm), typical for QS ensembles
        linewidth_fwhm_meV=100.0,
        # assumption: Stokes shift grows with shell thickness (paper p. 6, its refs 33-34); 35 meV
        # puts the lowest-threshold lasing ~10-25 nm red of the emission peak as in paper Fig. 6a
        stokes_shift_meV=35.0,
        # assumption: XX emission blue of X (paper p. 3, Coulomb repulsion); ASE lines 5-10 nm blue
        xx_splitting_meV=20.0,
        # assumption: order of magnitude for thick-shell QS band edge; paper p. 8 only says QS and
        # NPL have higher sigma_0 than QD (its Table S2)
        sigma0_peak_cm2=2.0e-15,
        # assumption: higher transitions (CdSe shell continuum) equal sigma0, 150 meV above edge
        sigma_high_ratio=1.0,
        high_onset_meV=150.0,
        high_width_meV=40.0,
        # assumption: 532 nm lies ~0.3 eV above the QS band edge (CdSe shell absorbs, CdS core
        # does not: CdS gap ~2.42 eV = 512 nm), a few times sigma0
        sigma_pump_cm2=6.0e-15,
        # assumption: X lifetime of thick CdSe/CdS shells ~ 20-30 ns; QS XX (suppressed Auger,
        # Cassidy et al. 2022) ~ 5 ns
        tau_x_ns=25.0,
        tau_xx_ns=5.0,
        qy_x=0.55,  # paper p. 2: monoexciton QY 45-60 % for all samples
        qy_xx=0.25,  # paper p. 2: biexciton QY 17-29 % for all samples
        independent_sites=1.0,  # three-level model (paper Eq. 5)
        notes="Paper's QS-3 quantum shells; numbers not in the main text are assumptions.",
    ),
    "QD": NanocrystalMaterial(
        name="QD",
        emission_peak_nm=620.0,  # assumption: typical CdSe/CdS core/shell dots (Table S1 n/a)
        linewidth_fwhm_meV=90.0,  # assumption: ensemble FWHM ~ 28 nm
        stokes_shift_meV=20.0,  # assumption: Liptay et al. PRB 76, 155314 (2007): 10-30 meV
        xx_splitting_meV=15.0,  # assumption: small blue XX shift (paper p. 3)
        # assumption: paper p. 8: QDs have lower sigma_0 than QS/NPL; CdSe 1S ~ 1e-16-1e-15
        sigma0_peak_cm2=3.0e-16,
        sigma_high_ratio=1.5,  # assumption
        high_onset_meV=120.0,  # assumption
        high_width_meV=40.0,  # assumption
        sigma_pump_cm2=1.0e-15,  # assumption: a few times sigma0 at 532 nm
        tau_x_ns=25.0,  # assumption: CdSe/CdS core/shell X lifetime 20-30 ns
        tau_xx_ns=1.0,  # assumption: Auger-limited XX in core/shell dots ~ 1 ns
        qy_x=0.5,  # paper p. 2: 45-60 %
        qy_xx=0.2,  # paper p. 2: 17-29 %
        independent_sites=1.0,
        notes="CdSe/CdS dots (paper QD-1/2); numbers not in the main text are assumptions.",
    ),
    "NPL": NanocrystalMaterial(
        name="NPL",
        emission_peak_nm=650.0,  # assumption: CdSe/CdZnS core/shell platelets emit ~ 640-660 nm
        linewidth_fwhm_meV=60.0,  # assumption: platelets have narrow ensemble lines (~20 nm)
        stokes_shift_meV=25.0,  # assumption
        xx_splitting_meV=10.0,  # assumption
        # assumption: large lateral size gives a large band-edge sigma0 (paper p. 8)
        sigma0_peak_cm2=5.0e-15,
        sigma_high_ratio=1.0,  # assumption
        high_onset_meV=150.0,  # assumption
        high_width_meV=40.0,  # assumption
        sigma_pump_cm2=1.5e-14,  # assumption: a few times sigma0
        tau_x_ns=8.0,  # assumption: core/shell NPL X lifetime ~ 5-10 ns
        tau_xx_ns=0.5,  # assumption
        qy_x=0.5,  # paper p. 2: 45-60 %
        qy_xx=0.2,  # paper p. 2: 17-29 %
        # assumption: several excitons coexist per platelet (paper p. 8, its ref. 35); 6 sites put
        # the lowest thresholds above N = 2 when QS lase below N = 0.5 (paper Fig. 6b)
        independent_sites=6.0,
        notes="CdSe/CdZnS platelets (paper NPL-1/2); numbers not in the main text are "
        "assumptions; multi-exciton occupancy modelled by independent sites.",
    ),
}


def get_preset(name: str) -> NanocrystalMaterial:
    """The preset material called ``name`` (case-insensitive); ValueError lists valid names."""
    for key, mat in PRESETS.items():
        if key.lower() == str(name).lower():
            return mat
    raise ValueError(f"unknown nanocrystal preset {name!r}; valid presets: {sorted(PRESETS)}")
