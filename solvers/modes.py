"""Mode records: what every solver returns for one resonance.

Units: wavelengths in nm, mode volume in um^3; Q is dimensionless.

Polarization families (one convention for every body, chosen to agree with Mie theory on the
sphere): "TE" when the electric field is tangential to the body's rim surface (for a disk or a
sphere at its equator: E mostly along z, no component normal to the surface), "TM" when the
electric field is mostly normal to the rim surface (E mostly along r).
"""

from __future__ import annotations

import math
import operator
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from geometry.constants import SPEED_OF_LIGHT_NM_THZ

Polarization = Literal["TE", "TM"]
POLARIZATIONS: tuple[Polarization, ...] = ("TE", "TM")

# the window a solver accepts, nm: assumption, wide enough for any body of constant-index
# materials; a tabulated material narrows it further (solvers.materials raises outside its data
# range, e.g. 301-1937 nm for gold)
WINDOW_LIMITS_NM = (200.0, 3000.0)
# the gain band of the paper's QS3 emission (~630-660 nm, Fig. 5) with margin: assumption
DEFAULT_WINDOW_NM = (610.0, 680.0)
# mode orders a search may ask for (radial 1 = fundamental, axial 0 = fundamental); beyond 10
# the order rule (solvers.orders) has not been checked
RADIAL_ORDER_RANGE = (1, 10)
AXIAL_ORDER_RANGE = (0, 10)


def check_window_nm(window_nm: Sequence[float]) -> tuple[float, float]:
    """``window_nm`` as (lo, hi) floats; ValueError naming the field and the range when
    outside ``WINDOW_LIMITS_NM`` or not increasing."""
    try:
        lo, hi = (float(x) for x in window_nm)
    except (TypeError, ValueError):
        raise ValueError(f"window_nm = {window_nm!r}: must be two numbers (lo, hi) in nm") from None
    a, b = WINDOW_LIMITS_NM
    if not (a <= lo < hi <= b):
        raise ValueError(f"window_nm = ({lo}, {hi}): need {a:g} <= lo < hi <= {b:g} nm")
    return lo, hi


def check_polarizations(polarizations: Sequence[str]) -> tuple[Polarization, ...]:
    """``polarizations`` as a tuple; ValueError naming the first one not 'TE' or 'TM'."""
    if isinstance(polarizations, str):
        polarizations = (polarizations,)
    pols = tuple(polarizations)
    for p in pols:
        if p not in POLARIZATIONS:
            raise ValueError(f"polarizations: {p!r} is not 'TE' or 'TM'")
    if not pols:
        raise ValueError("polarizations: empty, need 'TE' and/or 'TM'")
    return pols  # type: ignore[return-value]


def check_order(name: str, value: int, bounds: tuple[int, int]) -> int:
    """``value`` of the order limit ``name``; ValueError naming it and ``bounds`` (inclusive)."""
    lo, hi = bounds
    try:
        n = operator.index(value)  # int and numpy integers, not floats
    except TypeError:
        n = None
    if n is None or isinstance(value, bool) or not lo <= n <= hi:
        raise ValueError(f"{name} = {value!r}: must be an integer {lo}..{hi}")
    return n


def check_mode_search(
    window_nm: Sequence[float] | None, polarizations: Sequence[str],
    max_radial_order: int, max_axial_order: int,
) -> tuple[tuple[float, float] | None, tuple[Polarization, ...]]:
    """The checks every solver's ``find_modes`` makes on what to search for: the window (None
    allowed: the solver then needs a target), the polarization families and the highest radial
    and axial orders kept. Returns the normalised (window, polarizations)."""
    window = None if window_nm is None else check_window_nm(window_nm)
    pols = check_polarizations(polarizations)
    check_order("max_radial_order", max_radial_order, RADIAL_ORDER_RANGE)
    check_order("max_axial_order", max_axial_order, AXIAL_ORDER_RANGE)
    return window, pols


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
        return SPEED_OF_LIGHT_NM_THZ / self.wavelength_nm

    @property
    def Q_resolved(self) -> bool:
        return math.isfinite(self.Q) and self.Q > 0.0

    def to_dict(self) -> dict[str, Any]:
        """Plain data (no field arrays) for JSON and CSV."""
        d = asdict(self)
        d.pop("field_rz")
        return d
