"""A measured emission spectrum: wavelength (nm) and intensity (counts, any unit), as a
spectrometer exports it.

Accepted files: text with any number of header lines (instrument name, exposure, column names),
then two or more numeric columns separated by tabs, commas, semicolons or spaces (decimal point,
not comma). The wavelength column is the one named ``wavelength``/``lambda``/``nm`` in the last
header line when there is one, else the first; the intensity column is the one named
``intensity``/``counts``/``signal``, else the next one. Rows are sorted by wavelength; repeated
wavelengths are averaged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from paradisk.errors import UserInputError

_SPLIT = re.compile(r"[\t,;]|\s+")
_WAVELENGTH_NAMES = ("wavelength", "lambda", "wl", "nm")
_INTENSITY_NAMES = ("intensity", "counts", "signal", "count", "cts", "power")
MIN_POINTS = 20  # fewer samples cannot hold a background and a peak fit


@dataclass(frozen=True)
class Spectrum:
    """Samples of one spectrum, sorted by wavelength."""

    wavelength_nm: np.ndarray
    intensity: np.ndarray
    source: str = "spectrum"

    @property
    def step_nm(self) -> float:
        """Median sampling step (nm): the pixel pitch of the spectrometer."""
        return float(np.median(np.diff(self.wavelength_nm)))


def _fields(line: str) -> list[str]:
    return [f for f in _SPLIT.split(line.strip()) if f != ""]


def _numbers(fields: list[str]) -> list[float] | None:
    try:
        return [float(f) for f in fields]
    except ValueError:
        return None


def _column(names: list[str], wanted: tuple[str, ...]) -> int | None:
    for i, name in enumerate(names):
        low = name.lower().strip("\"' #")
        if any(low == w or low.startswith(w) for w in wanted):
            return i
    return None


def parse_spectrum(text: str, source: str = "spectrum") -> Spectrum:
    """Spectrum from the text of a spectrometer export (see the module doc); raises
    UserInputError naming what is wrong."""
    header: list[str] = []
    rows: list[list[float]] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        fields = _fields(line)
        nums = _numbers(fields)
        if nums is None or len(nums) < 2:
            if rows:
                # a trailer after the data (e.g. "End of spectrum") ends the table
                if nums is None:
                    break
                raise UserInputError(
                    f"{source}: a data row has {len(nums or [])} column(s); need wavelength_nm "
                    "and intensity")
            header.append(line)
            continue
        rows.append(nums)
    if not rows:
        raise UserInputError(
            f"{source}: no numeric rows found; need two columns wavelength_nm, intensity "
            "(tab, comma or space separated)")
    width = min(len(r) for r in rows)
    data = np.array([r[:width] for r in rows], dtype=float)
    names = _fields(header[-1]) if header else []
    i_wl = _column(names, _WAVELENGTH_NAMES) if len(names) == data.shape[1] else None
    i_in = _column(names, _INTENSITY_NAMES) if len(names) == data.shape[1] else None
    i_wl = 0 if i_wl is None else i_wl
    if i_in is None or i_in == i_wl:
        i_in = 1 if i_wl == 0 else 0
    wl, inten = data[:, i_wl], data[:, i_in]
    good = np.isfinite(wl) & np.isfinite(inten)
    wl, inten = wl[good], inten[good]
    if len(wl) < MIN_POINTS:
        raise UserInputError(f"{source}: {len(wl)} data rows; need at least {MIN_POINTS}")
    if not (wl.min() >= 100.0 and wl.max() <= 5000.0):
        raise UserInputError(
            f"{source}: wavelength column spans {wl.min():g} to {wl.max():g}; expected nm "
            "(allowed: 100 to 5000 nm)")
    order = np.argsort(wl, kind="stable")
    wl, inten = wl[order], inten[order]
    uniq, inverse = np.unique(wl, return_inverse=True)
    if len(uniq) < len(wl):
        inten = np.bincount(inverse, weights=inten) / np.bincount(inverse)
        wl = uniq
    if len(wl) < MIN_POINTS:
        raise UserInputError(
            f"{source}: {len(wl)} distinct wavelengths; need at least {MIN_POINTS}")
    return Spectrum(wl, inten, source)


def read_spectrum(path: str | Path) -> Spectrum:
    """Read a spectrum file (see the module doc)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise UserInputError(f"spectrum file {path}: cannot read it ({exc.strerror})") from None
    return parse_spectrum(text, str(path))
