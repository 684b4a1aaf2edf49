"""solvers: whispering-gallery modes of axisymmetric bodies (FEM eigen solver and Meep FDTD).

One entry point for both: ``find_modes(body, m=..., window_nm=(lo, hi), solver="fem")``.
Wavelengths in nm, lengths in um.
"""

from __future__ import annotations

from typing import Any

from solvers.modes import ModeRecord
from solvers.settings import SolverSettings

__all__ = ["ModeRecord", "SolverSettings", "find_modes"]


def find_modes(
    body: Any,
    m: int | None = None,
    window_nm: tuple[float, float] = (610.0, 680.0),
    solver: str = "fem",
    **options: Any,
) -> list[ModeRecord]:
    """Resonances of ``body`` (a geometry.bodies.Body) with azimuthal number ``m``, or with every
    m whose fundamental-family modes fall in ``window_nm`` when ``m`` is None.

    ``solver`` is "fem" (axisymmetric finite elements) or "meep" (cylindrical FDTD, run in a
    worker subprocess). Extra keyword options go to the chosen solver.
    """
    if solver == "fem":
        from solvers.fem import find_modes as backend
    elif solver == "meep":
        from solvers.meep import find_modes as backend
    else:
        raise ValueError(f"solver = {solver!r}: must be 'fem' or 'meep'")
    return backend(body, m=m, window_nm=window_nm, **options)
