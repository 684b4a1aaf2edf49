"""solvers: whispering-gallery modes of axisymmetric bodies (FEM eigen solver and Meep FDTD).

One entry point for both: ``find_modes(body, m=..., window_nm=(lo, hi), solver="fem")``, and
``find_modes_with(body, settings)`` for a ``SolverSettings`` (the spec's solver section).
Wavelengths in nm, lengths in um.

Shared by both solvers: the mode record and the checks of a search (solvers.modes), the field
map (solvers.fields), the order rule (solvers.orders), the energy weights (solvers.energy) and
the materials (solvers.materials).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from solvers.modes import (
    AXIAL_ORDER_RANGE,
    DEFAULT_WINDOW_NM,
    POLARIZATIONS,
    RADIAL_ORDER_RANGE,
    ModeRecord,
    check_mode_search,
)
from solvers.settings import SolverSettings

if TYPE_CHECKING:
    from collections.abc import Sequence

    from geometry.bodies import Body
    from solvers.fem.settings import FemSettings
    from solvers.meep.settings import MeepSettings

__all__ = ["ModeRecord", "SolverSettings", "find_modes", "find_modes_with"]


def find_modes(
    body: Body,
    m: int | None = None,
    window_nm: tuple[float, float] | None = DEFAULT_WINDOW_NM,
    solver: Literal["fem", "meep"] = "fem",
    settings: FemSettings | MeepSettings | None = None,
    **options: Any,
) -> list[ModeRecord]:
    """Resonances of ``body`` (a geometry.bodies.Body) with azimuthal number ``m``, or with every
    m whose fundamental-family modes fall in ``window_nm`` when ``m`` is None.

    ``solver`` is "fem" (axisymmetric finite elements) or "meep" (cylindrical FDTD, run in a
    worker subprocess); ``settings`` are that solver's (``FemSettings`` or ``MeepSettings``;
    None: its defaults). Extra keyword options (``polarizations``, ``max_radial_order``,
    ``progress``, ...) go to the chosen solver. The window, the
    polarization families and the highest orders are checked here (solvers.modes), before
    either solver loads, with one clear ValueError naming the field and its allowed range.
    """
    if solver not in ("fem", "meep"):
        raise ValueError(f"solver = {solver!r}: must be 'fem' or 'meep'")
    wanted = "FemSettings" if solver == "fem" else "MeepSettings"
    if type(settings).__name__ in ("FemSettings", "MeepSettings") \
            and type(settings).__name__ != wanted:
        raise TypeError(f"settings: a {wanted} for solver = {solver!r}, got "
                        f"{type(settings).__name__}")
    check_mode_search(
        window_nm, options.get("polarizations", POLARIZATIONS),
        options.get("max_radial_order", RADIAL_ORDER_RANGE[0]),
        options.get("max_axial_order", AXIAL_ORDER_RANGE[0]),
    )
    if solver == "fem":
        from solvers.fem import find_modes as backend
    else:
        from solvers.meep import find_modes as backend
    return backend(body, m=m, window_nm=window_nm, settings=settings, **options)


def find_modes_with(
    body: Body,
    settings: SolverSettings,
    m: int | None = None,
    method: str | None = None,
    window_nm: tuple[float, float] | None = None,
    polarizations: Sequence[str] | None = None,
    **options: Any,
) -> list[ModeRecord]:
    """``find_modes`` as ``settings`` says: its method, window, polarization families, highest
    radial order and the method's own settings (``settings.fem`` or ``settings.meep``).
    ``method``, ``window_nm`` and ``polarizations`` override the settings when given; other
    keyword ``options`` go to the solver (e.g. ``progress=False``)."""
    method = method or settings.method
    return find_modes(
        body, m=m, window_nm=tuple(window_nm or settings.window_nm), solver=method,
        polarizations=tuple(polarizations or settings.polarizations),
        max_radial_order=settings.max_radial_order,
        settings=settings.fem if method == "fem" else settings.meep, **options,
    )
