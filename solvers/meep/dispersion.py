"""Drude-Lorentz fits of solvers.materials permittivities for Meep (no Meep import here).

Meep needs a material as eps_inf plus susceptibilities. Meep 1.25's own gold models are not
usable here (issue 5, measured): ``Au_JC_visible`` has its damping terms swapped (eps(630 nm) =
-5.8 + 8.7i), ``Au`` (Rakic) goes NaN at Courant 0.5. So every named material is fitted to the
same tabulated constants the FEM solver uses (``solvers.materials.permittivity``), over the
wavelength band of the run, with the sign convention of both (exp(-i omega t), Im eps > 0 for
loss). Units: Meep frequencies f = 1/lambda in 1/um (Meep's unit length is 1 um here).

Model (Meep's LorentzianSusceptibility / DrudeSusceptibility):

    eps(f) = eps_inf + sum_j sigma_j f_j^2 / (f_j^2 - f^2 - i f gamma_j)        (Lorentz)
                     + sum_k sigma_k f_k^2 / (- f^2 - i f gamma_k)               (Drude)

Transparent materials get one undamped Lorentz term (a Sellmeier-like pole in the UV), metals a
Drude term plus ``n_lorentz`` damped Lorentz terms. eps_inf >= 1 is enforced: a smaller value
makes light faster than c in the medium and breaks the Courant condition.
"""

from __future__ import annotations

import functools
from dataclasses import asdict, dataclass, field
from typing import Literal

import numpy as np
from scipy.optimize import least_squares

from solvers.materials import permittivity


class DispersionFitError(ValueError):
    """The Drude-Lorentz fit misses the tabulated permittivity by more than allowed."""


@dataclass(frozen=True)
class Pole:
    """One susceptibility term (Meep units: frequencies in 1/um)."""

    kind: Literal["lorentz", "drude"]
    frequency: float
    gamma: float
    sigma: float


@dataclass(frozen=True)
class DispersiveMedium:
    """eps_inf and poles; ``max_rel_error`` is the fit's largest relative error on the band:
    ``extra["max_rel_error_imag"]`` is |Im eps_fit - Im eps| / |Im eps| for absorbing media."""

    eps_inf: float
    poles: tuple[Pole, ...] = ()
    max_rel_error: float = 0.0  # |eps_fit - eps| / |eps| on the band
    band_nm: tuple[float, float] = (0.0, 0.0)
    name: str = ""
    extra: dict = field(default_factory=dict)
    # Meep's D_conductivity (1/um in Meep units): eps -> eps (1 + i sigma_D / (2 pi f)); used
    # by the tests' uniformly lossy media, whose exact Q is 2 pi f / sigma_D
    d_conductivity: float = 0.0

    def permittivity(self, wavelength_nm: float | np.ndarray) -> np.ndarray | complex:
        """The fitted eps at ``wavelength_nm`` (same convention as solvers.materials)."""
        f = 1.0e3 / np.asarray(wavelength_nm, dtype=float)
        eps = np.full(f.shape, self.eps_inf, dtype=complex)
        for p in self.poles:
            if p.kind == "lorentz":
                eps = eps + p.sigma * p.frequency**2 / (p.frequency**2 - f**2 - 1j * f * p.gamma)
            else:
                eps = eps + p.sigma * p.frequency**2 / (-(f**2) - 1j * f * p.gamma)
        if self.d_conductivity:
            eps = eps * (1.0 + 1j * self.d_conductivity / (2.0 * np.pi * f))
        return complex(eps) if eps.ndim == 0 else eps

    def to_json(self) -> dict:
        d = asdict(self)
        d["poles"] = [asdict(p) for p in self.poles]
        return d

    @classmethod
    def from_json(cls, d: dict) -> DispersiveMedium:
        return cls(
            eps_inf=d["eps_inf"],
            poles=tuple(Pole(**p) for p in d["poles"]),
            max_rel_error=d.get("max_rel_error", 0.0),
            band_nm=tuple(d.get("band_nm", (0.0, 0.0))),
            name=d.get("name", ""),
            extra=d.get("extra", {}),
            d_conductivity=d.get("d_conductivity", 0.0),
        )


def constant_medium(eps: float, name: str = "") -> DispersiveMedium:
    """A non-dispersive real permittivity (a float refractive index squared)."""
    if eps < 1.0:
        raise DispersionFitError(f"{name or 'material'}: eps = {eps} < 1 is not supported")
    return DispersiveMedium(eps_inf=float(eps), name=name)


def _eval(params: np.ndarray, f: np.ndarray, kinds: list[str]) -> np.ndarray:
    eps = np.full(f.shape, params[0], dtype=complex)
    for i, kind in enumerate(kinds):
        fn, g, s = params[1 + 3 * i: 4 + 3 * i]
        if kind == "lorentz":
            eps = eps + s * fn**2 / (fn**2 - f**2 - 1j * f * g)
        else:
            eps = eps + s * fn**2 / (-(f**2) - 1j * f * g)
    return eps


@functools.lru_cache(maxsize=64)
def fit_material(
    material: str | float,
    band_nm: tuple[float, float],
    n_lorentz: int = 2,
    n_samples: int = 61,
    tolerance: float = 0.02,
    tolerance_imag: float = 0.06,
) -> DispersiveMedium:
    """Fit ``material`` (a solvers.materials name or a real index) over ``band_nm``.

    The band is the run's wavelength window; it is widened to at least 6 % of its centre so
    the fit stays smooth (a narrow band underdetermines the poles). Raises DispersionFitError
    when the largest relative error on the band exceeds ``tolerance`` (|eps_fit - eps| / |eps|)
    or, for absorbing media, ``tolerance_imag`` (on Im eps alone). The Im default 6 % is
    below the spread of the gold data sets (Im eps(630 nm) = 1.28 J&C, 1.17 Olmon: PHYSICS.md)
    and above what a smooth model can do on Johnson & Christy's linearly interpolated table,
    whose slope of Im eps breaks at the tabulated points (4 % at 660 nm over 580-710 nm).
    """
    lo, hi = band_nm
    if not (0.0 < lo < hi):
        raise ValueError(f"band_nm = {band_nm}: need 0 < lo < hi")
    if not isinstance(material, str):
        n = float(material)
        return constant_medium(n * n, name=f"n={n:g}")
    centre = 0.5 * (lo + hi)
    half = max(0.5 * (hi - lo), 0.03 * centre)
    wl = np.linspace(centre - half, centre + half, n_samples)
    try:
        target = np.asarray(permittivity(material, wl))
    except ValueError:  # the data range is narrower than the widened band: use the window
        wl = np.linspace(lo, hi, n_samples)
        target = np.asarray(permittivity(material, wl))
    f = 1.0e3 / wl
    fc = float(np.mean(f))
    absorbing = bool(np.any(target.imag > 1e-6 * np.abs(target)))
    if not absorbing:
        # eps_inf + one undamped Lorentz pole in the UV (Sellmeier-like)
        kinds = ["lorentz"]
        x0 = np.array([max(1.0, target.real.min() - 0.1), 3.0 * fc, 0.0, 0.1])
        lower = np.array([1.0, 1.2 * f.max(), 0.0, 0.0])
        upper = np.array([np.inf, 50.0 * fc, 1e-12, np.inf])
    else:
        kinds = ["drude"] + ["lorentz"] * n_lorentz
        # Drude pole with f_n = 1 (sigma = f_plasma^2 in 1/um^2): gold's plasma ~9 eV = 7.3/um
        x0 = [1.0, 1.0, 0.05 * fc, (2.0 * fc) ** 2]
        lower = [1.0, 1.0 - 1e-12, 0.0, 0.0]
        upper = [np.inf, 1.0, 5.0 * fc, np.inf]
        for j in range(n_lorentz):
            x0 += [fc * (1.3 + 0.5 * j), 0.5 * fc, 1.0]
            lower += [0.3 * fc, 0.05 * fc, 0.0]
            upper += [20.0 * fc, 10.0 * fc, np.inf]
        x0, lower, upper = np.array(x0), np.array(lower), np.array(upper)
    x0 = np.clip(x0, lower, np.where(np.isfinite(upper), upper, x0 + 1.0))
    # real and imaginary parts weighted separately: Im(eps) sets the metal-limited Q, and a
    # single |eps| scale would let a 2 % error in Im(gold) hide behind Re(gold) ~ -12
    scale_re = np.abs(target)
    scale_im = np.maximum(np.abs(target.imag), 1e-3 * np.abs(target))

    def residual(p: np.ndarray) -> np.ndarray:
        d = _eval(p, f, kinds) - target
        return np.concatenate([d.real / scale_re, d.imag / scale_im])

    best = None
    for attempt in range(4):
        start = x0 if attempt == 0 else x0 * (1.0 + 0.3 * np.sin(np.arange(x0.size) + attempt))
        start = np.clip(start, lower, np.where(np.isfinite(upper), upper, start))
        sol = least_squares(residual, start, bounds=(lower, upper), x_scale="jac", max_nfev=600)
        if best is None or sol.cost < best.cost:
            best = sol
    params = best.x
    fitted = _eval(params, f, kinds)
    err = float(np.max(np.abs(fitted - target) / np.abs(target)))
    err_im = float(np.max(np.abs(fitted.imag - target.imag) / scale_im)) if absorbing else 0.0
    extra = {"max_rel_error_eps": err, "max_rel_error_imag": err_im}
    poles = tuple(
        Pole(kind=kind, frequency=float(params[1 + 3 * i]), gamma=float(params[2 + 3 * i]),
             sigma=float(params[3 + 3 * i]))
        for i, kind in enumerate(kinds)
    )
    medium = DispersiveMedium(
        eps_inf=float(params[0]), poles=poles, max_rel_error=err,
        band_nm=(float(wl[0]), float(wl[-1])), name=str(material), extra=extra,
    )
    if err > tolerance or err_im > tolerance_imag:
        raise DispersionFitError(
            f"material {material!r}: Drude-Lorentz fit over {wl[0]:.0f}-{wl[-1]:.0f} nm misses "
            f"the tabulated permittivity by {err:.2%} (tolerance {tolerance:.2%}) and its "
            f"imaginary part by {err_im:.2%} (tolerance {tolerance_imag:.2%}); try more terms "
            "(MeepSettings.dispersion_terms) or a narrower window"
        )
    return medium
