"""Mode records: what every solver returns for one resonance.

Units: wavelengths in nm, mode volume in um^3; Q is dimensionless.

Polarization families (one convention for every body, chosen to agree with Mie theory on the
sphere): "TE" when the electric field is tangential to the body's rim surface (for a disk or a
sphere at its equator: E mostly along z, no component normal to the surface), "TM" when the
electric field is mostly normal to the rim surface (E mostly along r).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Polarization = Literal["TE", "TM"]


@dataclass(frozen=True)
class ModeRecord:
    """One resonance of an axisymmetric body for the azimuthal number ``m``."""

    m: int
    wavelength_nm: float
    Q: float  # total quality factor; math.inf or nan when the solver could not resolve it
    polarization: Polarization
    radial_order: int  # 1 = fundamental (one field maximum along r)
    axial_order: int  # 0 = fundamental (no node along z)
    film_fraction: float  # fraction of the electric energy inside the nanocrystal film
    effective_index: float  # m / (k0 * rim radius): the azimuthal phase index at the rim
    solver: Literal["fem", "meep"]
    Q_radiation: float | None = None
    Q_absorption: float | None = None
    mode_volume_um3: float | None = None
    wavelength_error_nm: float | None = None
    Q_error: float | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False)
    field_rz: Any = field(default=None, compare=False, repr=False)  # solver-specific field data

    @property
    def frequency_THz(self) -> float:
        return 299792.458 / self.wavelength_nm

    @property
    def Q_resolved(self) -> bool:
        return math.isfinite(self.Q) and self.Q > 0.0

    def to_dict(self) -> dict[str, Any]:
        """Plain data (no field arrays) for JSON and CSV."""
        d = asdict(self)
        d.pop("field_rz")
        return d
