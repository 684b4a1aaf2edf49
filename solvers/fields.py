"""The (r, z) field map of a mode, as both solvers return it (``ModeRecord.field_rz``).

A regular grid r_um x z_um (um) and the complex components E_r, E_phi, E_z of the mode
exp(i m phi) on it, arrays of shape (len(z_um), len(r_um)), phase-normalised with max |E| = 1
(arbitrary scale otherwise), and the permittivity of each grid point at the mode's wavelength
(complex from the FEM, its real part from Meep).

Serialisation (``to_dict`` / ``from_dict``) is JSON-safe and compact: the grid axes as lists,
every 2-D array as zlib-compressed, base64-encoded float32 (complex64 for the fields). A map
saved with ``intensity_only=True`` keeps |E|^2 / max only (about 80 kB for 121 x 121, what a
picture needs); it reads back with E_r = |E| and E_phi = E_z = 0, so ``intensity`` is the
stored |E|^2 exactly while the phases and the split into components are lost.
"""

from __future__ import annotations

import base64
import math
import zlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass(frozen=True)
class FieldMap:
    """A mode's field on a regular (r, z) grid (um); arrays (len(z_um), len(r_um))."""

    r_um: np.ndarray
    z_um: np.ndarray
    E_r: np.ndarray
    E_phi: np.ndarray
    E_z: np.ndarray
    eps: np.ndarray | None = None  # permittivity at the mode's wavelength (None: not kept)
    # for the loss budget (solvers.losses), on the scale of the map (|E|^2 / raw peak): the
    # integral of w_E over each mesh region of the physical domain (um^3), the material of each
    # region, and the field on the body's interfaces (solvers.losses.interfaces); FEM only, not
    # serialised
    region_energy: dict[str, float] = field(default_factory=dict)
    region_material: dict[str, Any] = field(default_factory=dict)
    interfaces: dict[str, Any] = field(default_factory=dict)

    @property
    def intensity(self) -> np.ndarray:
        """|E|^2 on the grid."""
        return np.abs(self.E_r) ** 2 + np.abs(self.E_phi) ** 2 + np.abs(self.E_z) ** 2

    def to_dict(self, intensity_only: bool = False) -> dict[str, Any]:
        """JSON-safe data (see the module docstring); ``from_dict`` reads it back."""
        inten = self.intensity
        out: dict[str, Any] = {
            "r_um": np.asarray(self.r_um, float).tolist(),
            "z_um": np.asarray(self.z_um, float).tolist(),
            "shape": list(inten.shape),
        }
        if intensity_only:
            out["intensity"] = _encode(inten / (inten.max() or 1.0), np.float32)
            return out
        for name in ("E_r", "E_phi", "E_z"):
            out[name] = _encode(np.asarray(getattr(self, name)), np.complex64)
        if self.eps is not None:
            out["eps"] = _encode(np.asarray(self.eps), np.complex64)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FieldMap:
        """Inverse of ``to_dict`` (to float32 precision)."""
        shape = tuple(int(n) for n in data["shape"])
        r_um, z_um = np.asarray(data["r_um"], float), np.asarray(data["z_um"], float)
        if "intensity" in data:
            inten = _decode(data["intensity"], np.float32, shape)
            zero = np.zeros_like(inten)
            return cls(r_um, z_um, np.sqrt(inten), zero, zero)
        comps = [_decode(data[n], np.complex64, shape).astype(complex)
                 for n in ("E_r", "E_phi", "E_z")]
        eps = _decode(data["eps"], np.complex64, shape) if "eps" in data else None
        if eps is not None and not np.any(eps.imag):
            eps = eps.real
        return cls(r_um, z_um, *comps, eps=eps)


def normalised_field_map(r_um: np.ndarray, z_um: np.ndarray, er: np.ndarray, ep: np.ndarray,
                         ez: np.ndarray, eps: np.ndarray | None) -> tuple[FieldMap, float]:
    """The field map of raw components: multiplied by one complex constant so that the largest
    component at the |E| maximum is real positive and max |E| = 1. Returns the map and the raw
    peak |E|^2 it was divided by."""
    inten = np.abs(er) ** 2 + np.abs(ep) ** 2 + np.abs(ez) ** 2
    i = int(np.argmax(inten))
    big = [er.ravel()[i], ep.ravel()[i], ez.ravel()[i]]
    ref = big[int(np.argmax(np.abs(big)))]
    phase = ref / abs(ref) if abs(ref) > 0 else 1.0
    norm = math.sqrt(float(inten.ravel()[i])) or 1.0
    c = 1.0 / (phase * norm)
    fmap = FieldMap(np.asarray(r_um, float), np.asarray(z_um, float), er * c, ep * c, ez * c,
                    None if eps is None else np.asarray(eps))
    return fmap, norm**2


def _encode(a: np.ndarray, dtype: type) -> str:
    raw = np.ascontiguousarray(a, dtype=dtype).tobytes()
    return base64.b64encode(zlib.compress(raw, 6)).decode("ascii")


def _decode(text: str, dtype: type, shape: tuple[int, ...]) -> np.ndarray:
    raw = zlib.decompress(base64.b64decode(text))
    return np.frombuffer(raw, dtype=dtype).reshape(shape).astype(
        complex if np.dtype(dtype).kind == "c" else float)
