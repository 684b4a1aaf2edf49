"""The loss budget of one mode: every channel as a Q, and their total.

    1/Q_total = 1/Q_radiation + 1/Q_metal + 1/Q_material + 1/Q_roughness
                + 1/Q_film_scattering + 1/Q_other

- Q_radiation, Q_metal: from the solver (complex eigenvalue; absorption in the materials the
  solver saw as lossy: the metals, and any complex index given as a number).
- Q_material: bulk absorption of the transparent materials (solvers.losses.material).
- Q_roughness: surface scattering of the rough interfaces (solvers.losses.roughness).
- Q_film_scattering: Rayleigh scattering of the nanocrystal film (solvers.losses.film).
- Q_other: what the user adds (LossSettings.Q_other).

Ground-state absorption of the nanocrystals is not a loss channel here: it is the
-sigma_0 N_0 term of the gain (paper Eq. 5), which depends on the pump.
A Q the solver could not resolve (math.inf: above 1e9) counts as no loss.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

from geometry.bodies import Body
from solvers.losses.film import film_scattering_inverse_q
from solvers.losses.material import material_inverse_q
from solvers.losses.roughness import roughness_inverse_q
from solvers.losses.settings import LossSettings
from solvers.materials import extinction_coefficient, permittivity, refractive_index
from solvers.modes import ModeRecord

CHANNELS = ("Q_radiation", "Q_metal", "Q_material", "Q_roughness", "Q_film_scattering",
            "Q_other")


def _q(inverse: float) -> float:
    return math.inf if inverse <= 0.0 else 1.0 / inverse


def _inverse(q: float | None) -> float:
    if q is None or not math.isfinite(q) or q <= 0.0:
        return 0.0
    return 1.0 / q


@dataclass(frozen=True)
class LossBudget:
    """Quality factors of each loss channel of one mode (math.inf: no loss in that channel)."""

    Q_radiation: float
    Q_metal: float
    Q_material: float
    Q_roughness: float
    Q_film_scattering: float
    Q_other: float
    Q_total: float
    material_by_region: dict[str, float] = field(default_factory=dict)  # 1/Q per mesh region
    roughness_by_interface: dict[str, float] = field(default_factory=dict)  # 1/Q per interface

    def inverse_q(self) -> dict[str, float]:
        """1/Q of each channel (0 for math.inf), the numbers that add up to 1/Q_total."""
        return {c: _inverse(getattr(self, c)) for c in CHANNELS}

    def columns(self) -> dict[str, float]:
        """The table columns Q_radiation ... Q_other, Q_total (math.inf: no loss)."""
        return {c: getattr(self, c) for c in (*CHANNELS, "Q_total")}

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _fields(mode: ModeRecord, fields: Any) -> Any:
    f = mode.field_rz if fields is None else fields
    if f is None or not getattr(f, "region_energy", None):
        raise ValueError(
            "loss_budget: the mode carries no region energies and interface fields; "
            "solve it with the FEM solver (solvers.fem) and keep its field_rz"
        )
    return f


def _im_eps(region: str, spec: Any, lam: float, losses: LossSettings) -> float:
    """Im(eps) to add to the region's (lossless in the solver) permittivity."""
    n = float(complex(refractive_index(spec, lam)).real)
    key = spec.strip().lower() if isinstance(spec, str) else None
    if region in losses.extinction:
        k = losses.extinction[region]
    elif key is not None and key in losses.extinction:
        k = losses.extinction[key]
    else:
        k = extinction_coefficient(spec, lam)
    return 2.0 * n * k


def _film_im_eps(spec: Any, lam: float, losses: LossSettings) -> float:
    """Im(eps) of the film: an ``extinction["film"]`` override is the film's own k; otherwise
    the host's absorption weighted by its volume share, (1 - f) Im(eps_host) (first order in
    the host's absorption; assumption)."""
    if "film" in losses.extinction:
        return _im_eps("film", spec, lam, losses)
    host = losses.film.host_material
    return (1.0 - losses.film.volume_fraction) * _im_eps("host", host, lam, losses)


def loss_budget(
    mode: ModeRecord, body: Body, losses: LossSettings | None = None, fields: Any = None
) -> LossBudget:
    """Loss budget of ``mode`` of ``body`` (FEM record: its field_rz holds the region energies
    and interface fields), with the channels of ``losses`` (default LossSettings())."""
    losses = losses or LossSettings()
    f = _fields(mode, fields)
    lam = mode.wavelength_nm
    total = float(sum(f.region_energy.values()))

    inv_mat: dict[str, float] = {}
    if losses.material_absorption:
        eps_re: dict[str, float] = {}
        eps_im: dict[str, float] = {}
        for region, spec in f.region_material.items():
            eps = complex(permittivity(spec, lam))
            if eps.real < 1.0 or eps.imag > 0.0:
                continue  # metals and complex indices: already in the solver's Q_metal
            eps_re[region] = eps.real
            if region == "film":
                eps_im[region] = _film_im_eps(spec, lam, losses)
            else:
                eps_im[region] = _im_eps(region, spec, lam, losses)
        inv_mat = material_inverse_q(
            {r: f.region_energy[r] for r in eps_re}, eps_re, eps_im
        )
        # fractions are of the total energy, metals included
        scale = sum(f.region_energy[r] for r in eps_re) / total if total > 0 else 0.0
        inv_mat = {r: v * scale for r, v in inv_mat.items()}

    inv_rough: dict[str, float] = {}
    n0 = body.surroundings.environment_index
    for name, rough in losses.roughness.items():
        iface = f.interfaces.get(name)
        if iface is None:
            continue  # the body has no such interface (e.g. "film" without a coating)
        inv_rough[name] = roughness_inverse_q(
            iface, total, lam, rough.rms_nm, rough.correlation_nm, n0, mode.m, rough.spectrum
        )

    inv_film = 0.0
    coat = body.surroundings.coating
    if losses.film.scattering and coat is not None and mode.film_fraction > 0.0:
        n_f = float(complex(refractive_index(coat.index, lam)).real)
        n_h = float(complex(refractive_index(losses.film.host_material, lam)).real)
        inv_film = film_scattering_inverse_q(
            mode.film_fraction, lam, n_f, losses.film.particle_radius_nm,
            losses.film.volume_fraction, losses.film.particle_index, n_h,
        )

    q_rad = mode.Q_radiation if mode.Q_radiation is not None else mode.Q
    inv = {
        "Q_radiation": _inverse(q_rad),
        "Q_metal": _inverse(mode.Q_absorption),
        "Q_material": sum(inv_mat.values()),
        "Q_roughness": sum(inv_rough.values()),
        "Q_film_scattering": inv_film,
        "Q_other": _inverse(losses.Q_other),
    }
    return LossBudget(
        **{c: _q(v) for c, v in inv.items()},
        Q_total=_q(sum(inv.values())),
        material_by_region=inv_mat,
        roughness_by_interface=inv_rough,
    )
