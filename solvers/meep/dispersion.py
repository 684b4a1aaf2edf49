"""Drude-Lorentz fits of solvers.materials permittivities for Meep (no Meep import here).

Meep needs a material as eps_inf plus susceptibilities. Meep 1.25's own gold models are not
usable here (measured): ``Au_JC_visible`` has its damping terms swapped (eps(630 nm) =
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

import dataclasses
import functools
import itertools
from dataclasses import asdict, dataclass, field
from typing import Literal

import numpy as np

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
    # Meep's D_conductivity (1/um in Meep units): eps -> eps (1 + i sigma_D / (2 pi f)); the
    # absorption of a complex index (absorbing_constant_medium) and the tests' uniformly lossy
    # media, whose exact Q is 2 pi f / sigma_D
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


def absorbing_constant_medium(index: complex, band_nm: tuple[float, float]) -> DispersiveMedium:
    """A complex refractive index n + i k (k > 0) as Meep sees it: eps_inf = Re (n + i k)^2
    and a D-conductivity sigma_D (1/um) that gives the exact Im (n + i k)^2 at the band's
    centre wavelength lambda_c (nm).

    Meep's conductivity makes eps(f) = eps_inf (1 + i sigma_D / (2 pi f)), so Im eps grows
    with the wavelength, as lambda / lambda_c: off the centre it misses the constant k by
    at most (hi - lo) / (hi + lo) of Im eps (``extra["max_rel_error_imag"]``). The loss
    tangent at a mode's own wavelength is ``permittivity(wavelength_nm)`` of the result.
    """
    eps = complex(index) ** 2
    name = f"n={complex(index):.10g}"
    if complex(index).imag < 0.0:
        raise DispersionFitError(f"{name}: Im n < 0 (gain) is not supported")
    lo, hi = band_nm
    if not (0.0 < lo < hi):
        raise ValueError(f"band_nm = {band_nm}: need 0 < lo < hi")
    medium = constant_medium(eps.real, name=name)
    f_centre = 2.0e3 / (lo + hi)  # 1/um
    return dataclasses.replace(
        medium, d_conductivity=2.0 * np.pi * f_centre * eps.imag / eps.real,
        band_nm=(float(lo), float(hi)),
        extra={"max_rel_error_imag": (hi - lo) / (hi + lo)},
    )


# The fit is done in real arithmetic with elementwise + - * / only, by the Levenberg-Marquardt
# iteration below, and the start is found by a scan whose linear algebra is written out
# elementwise too: no step depends on the BLAS kernel, the vector unit of the processor or the
# memory layout, so the poles are the same on every machine and every run, bit for bit. (On a
# nearly flat valley of the misfit, which narrow bands have, a BLAS-dependent optimiser stops at
# points that differ in the first digit from one machine to the next; scipy's MINPACK
# translation, without BLAS, still stopped at one of two points from run to run in one process,
# as the heap changed.)


@dataclass
class _FitResult:
    x: np.ndarray
    cost: float  # half the sum of squared residuals
    nfev: int


def _levenberg_marquardt(fun_jac, q0: np.ndarray, xtol: float = 1e-12, ftol: float = 1e-12,
                         gtol: float = 1e-12, max_nfev: int = 400) -> _FitResult:
    """Minimise 0.5 |r(q)|^2 from ``q0``; ``fun_jac(q)`` -> (r, J).

    Levenberg-Marquardt with Marquardt's scaling (the damping acts on the running maximum of
    diag(J^T J), as MINPACK's lmder) and Nielsen's update of the damping from the gain ratio
    (H. B. Nielsen, IMM-REP-1999-05, DTU); the normal equations are formed and solved with the
    elementwise helpers of this module (``_dot``, ``_solve_small``). Stops when the gradient,
    the step or the relative decrease of the cost falls below its tolerance, or after
    ``max_nfev`` evaluations.
    """
    q = np.array(q0, dtype=float)
    r, jac = fun_jac(q)
    nfev = 1
    cost = 0.5 * float(_dot(r, r))
    jt = np.ascontiguousarray(jac.T)
    a = _dot(jt[:, None, :], jt[None, :, :])
    g = _dot(jt, r)
    scale = np.maximum(np.diagonal(a).copy(), 1e-300)
    mu, nu = 1e-3, 2.0
    while nfev < max_nfev and float(np.max(np.abs(g))) > gtol:
        damped = a + mu * np.diag(scale)
        step = -_solve_small(damped[None], g[None])[0]
        if float(np.sqrt(_dot(step, step))) <= xtol * (float(np.sqrt(_dot(q, q))) + xtol):
            break
        q_new = q + step
        r_new, jac_new = fun_jac(q_new)
        nfev += 1
        cost_new = 0.5 * float(_dot(r_new, r_new))
        predicted = 0.5 * float(_dot(step, mu * scale * step - g))
        rho = (cost - cost_new) / predicted if predicted > 0.0 else -1.0
        if rho > 0.0:
            small = cost - cost_new <= ftol * cost
            q, r, cost = q_new, r_new, cost_new
            jt = np.ascontiguousarray(jac_new.T)
            a = _dot(jt[:, None, :], jt[None, :, :])
            g = _dot(jt, r)
            scale = np.maximum(scale, np.diagonal(a))
            mu *= max(1.0 / 3.0, 1.0 - (2.0 * rho - 1.0) ** 3)
            nu = 2.0
            if small:
                break
        else:
            mu *= nu
            nu *= 2.0
    return _FitResult(x=q, cost=cost, nfev=nfev)


def _terms(f: np.ndarray, kinds: tuple[str, ...], x: np.ndarray):
    """Each pole's real and imaginary eps and its derivatives by (f_j^2 or -, gamma, sigma).

    ``x`` = [eps_inf, (f_j, gamma_j, sigma_j) per pole]. A pole term is
    sigma num / (a - i b) with a = f_j^2 - f^2 (Drude: -f^2, num = 1), b = f gamma_j,
    num = f_j^2 (Lorentz).
    """
    ff = f * f
    out = []
    for i, kind in enumerate(kinds):
        fn, g, s = x[1 + 3 * i], x[2 + 3 * i], x[3 + 3 * i]
        u = fn * fn if kind == "lorentz" else 0.0
        num = u if kind == "lorentz" else 1.0
        a = u - ff
        b = f * g
        d = a * a + b * b
        # 1 / (a - i b) = (a + i b) / d ;  1 / (a - i b)^2 = (a^2 - b^2 + 2 i a b) / d^2
        inv_re, inv_im = a / d, b / d
        inv2_re, inv2_im = (a * a - b * b) / (d * d), (2.0 * a * b) / (d * d)
        t_re, t_im = s * num * inv_re, s * num * inv_im
        ds = (num * inv_re, num * inv_im)
        # d/dg: s num i f / (a - i b)^2
        dg = (-(s * num * f) * inv2_im, (s * num * f) * inv2_re)
        # d/du (Lorentz): s / (a - i b) - s u / (a - i b)^2
        du = (s * inv_re - s * u * inv2_re, s * inv_im - s * u * inv2_im)
        out.append((t_re, t_im, du, dg, ds, kind))
    return out


def _eval(params: np.ndarray, f: np.ndarray, kinds: tuple[str, ...]) -> np.ndarray:
    x = np.asarray(params, dtype=float)
    re = np.full(f.shape, x[0])
    im = np.zeros(f.shape)
    for t_re, t_im, *_ in _terms(f, kinds, x):
        re = re + t_re
        im = im + t_im
    return re + 1j * im


class _Layout:
    """Which parameters the fit moves, each as the square of a free number (positivity
    without bounds): eps_inf - 1, then per pole f_j (Lorentz only), gamma_j (absorbing media
    only) and sigma_j."""

    def __init__(self, kinds: tuple[str, ...], damped: bool):
        self.kinds = kinds
        slots = [0]
        for i, kind in enumerate(kinds):
            if kind == "lorentz":
                slots.append(1 + 3 * i)
            if damped:
                slots.append(2 + 3 * i)
            slots.append(3 + 3 * i)
        self.slots = slots

    def params(self, q: np.ndarray, fixed: np.ndarray) -> np.ndarray:
        x = fixed.copy()
        x[self.slots] = q * q
        x[0] = 1.0 + q[0] * q[0]
        return x

    def free(self, x: np.ndarray) -> np.ndarray:
        v = np.array([x[k] for k in self.slots], dtype=float)
        v[0] = x[0] - 1.0
        return np.sqrt(np.maximum(v, 0.0))


def _solve_small(g: np.ndarray, r: np.ndarray) -> np.ndarray:
    """Batched Gaussian elimination with partial pivoting, written elementwise (no LAPACK)."""
    g = g.copy()
    r = r.copy()
    n = g.shape[1]
    rows = np.arange(g.shape[0])
    for k in range(n):
        piv = k + np.argmax(np.abs(g[:, k:, k]), axis=1)
        gk, gp = g[rows, k].copy(), g[rows, piv].copy()
        g[rows, k], g[rows, piv] = gp, gk
        rk, rp = r[rows, k].copy(), r[rows, piv].copy()
        r[rows, k], r[rows, piv] = rp, rk
        pivot = g[:, k, k]
        pivot = np.where(pivot == 0.0, 1e-300, pivot)
        for i in range(k + 1, n):
            m = g[:, i, k] / pivot
            g[:, i, :] = g[:, i, :] - m[:, None] * g[:, k, :]
            r[:, i] = r[:, i] - m * r[:, k]
    x = np.zeros_like(r)
    for k in range(n - 1, -1, -1):
        acc = r[:, k]
        for j in range(k + 1, n):
            acc = acc - g[:, k, j] * x[:, j]
        pivot = np.where(g[:, k, k] == 0.0, 1e-300, g[:, k, k])
        x[:, k] = acc / pivot
    return x


def _dot(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Sum over the last axis of u * v by numpy's own pairwise summation (no BLAS)."""
    return np.sum(u * v, axis=-1)


# Pole grid of the deterministic global search, in units of the band's centre frequency:
# Lorentz resonances from just above the band to the far UV, damping from sharp to broad.
_GRID_FREQUENCY = (1.02, 1.06, 1.12, 1.2, 1.3, 1.45, 1.65, 1.9, 2.3, 3.0, 4.0)
_GRID_DAMPING = (0.02, 0.05, 0.1, 0.2, 0.4, 0.8)
_GRID_DRUDE_DAMPING = (0.005, 0.02, 0.04, 0.08)
_REFINED_STARTS = 3
_TIE = 1e-9  # relative cost difference below which two minima count as equal (first one wins)


def _grid_starts(f: np.ndarray, target: np.ndarray, weights: tuple[np.ndarray, np.ndarray],
                 kinds: tuple[str, ...]) -> list[np.ndarray]:
    """The best few starting points of a variable-projection scan over a fixed pole grid.

    For fixed pole frequencies and dampings eps is linear in eps_inf and the strengths sigma,
    so each grid point costs one small linear least-squares solve; the scan covers the whole
    grid, so the start does not depend on a guess.
    """
    fc = float(np.mean(f))
    n_lorentz = kinds.count("lorentz")
    drude = "drude" in kinds
    w_re, w_im = weights
    y = np.concatenate([target.real * w_re, target.imag * w_im])

    def column(kind: str, fn: float, g: float) -> np.ndarray:
        x = np.array([0.0, fn, g, 1.0])
        t_re, t_im, *_ = _terms(f, (kind,), x)[0]
        return np.concatenate([t_re * w_re, t_im * w_im])

    undamped = not drude  # a transparent medium: undamped UV poles only
    dampings = (0.0,) if undamped else tuple(fc * g for g in _GRID_DAMPING)
    f_min = 1.2 * float(f.max()) if undamped else 0.0  # an undamped pole stays off the band
    lorentz = [(fc * a, g) for a in _GRID_FREQUENCY for g in dampings if fc * a > f_min]
    drude_gammas = tuple(fc * g for g in _GRID_DRUDE_DAMPING) if drude else ()
    cols = [np.concatenate([w_re, 0.0 * w_im])]
    cols += [column("drude", 1.0, gd) for gd in drude_gammas]
    cols += [column("lorentz", fn, g) for fn, g in lorentz]
    a = np.stack(cols)
    gram = _dot(a[:, None, :], a[None, :, :])
    rhs = _dot(a, y)
    yy = float(_dot(y, y))
    first_lorentz = 1 + len(drude_gammas)
    combos = [
        c for c in itertools.combinations(range(len(lorentz)), n_lorentz)
        if len({lorentz[i][0] for i in c}) == n_lorentz
    ]
    chosen = []  # column indices of each candidate: eps_inf, [Drude], Lorentz terms
    for d in range(len(drude_gammas)) if drude else (None,):
        head = [0] if d is None else [0, 1 + d]
        chosen += [head + [first_lorentz + i for i in c] for c in combos]
    idx = np.array(chosen)
    g = gram[idx[:, :, None], idx[:, None, :]]
    ridge = 1e-12 * np.sum(np.diagonal(g, axis1=1, axis2=2), axis=1)
    g = g + ridge[:, None, None] * np.eye(idx.shape[1])
    c = _solve_small(g, rhs[idx])
    c = np.maximum(c, np.array([1.0] + [0.0] * (idx.shape[1] - 1)))  # eps_inf >= 1, sigma >= 0
    gc = np.sum(g * c[:, None, :], axis=2)
    cost = yy - 2.0 * _dot(c, rhs[idx]) + _dot(c, gc)
    # ranked on 6 significant digits, then by grid position: a rounding difference cannot
    # reorder two candidates
    key = np.array([float(f"{v:.6e}") for v in cost])
    starts = []
    for k in np.lexsort((np.arange(key.size), key))[:_REFINED_STARTS]:
        params = [c[k, 0]]
        rest = list(c[k, 1:])
        if drude:
            params += [1.0, drude_gammas[idx[k, 1] - 1], rest.pop(0)]
        for col_i, s in zip(idx[k, len(idx[k]) - n_lorentz:], rest, strict=True):
            fn, gm = lorentz[col_i - first_lorentz]
            params += [fn, gm, s]
        starts.append(np.array(params))
    return starts


@functools.lru_cache(maxsize=64)
def fit_material(
    material: str | float | complex,
    band_nm: tuple[float, float],
    n_lorentz: int = 2,
    n_samples: int = 61,
    tolerance: float = 0.02,
    tolerance_imag: float = 0.06,
) -> DispersiveMedium:
    """Fit ``material`` (a solvers.materials name or a real index) over ``band_nm``; a
    complex index n + i k becomes ``absorbing_constant_medium`` (no fit: exact at the band's
    centre).

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
        if complex(material).imag != 0.0:
            return absorbing_constant_medium(complex(material), band_nm)
        n = float(complex(material).real)
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
    absorbing = bool(np.any(target.imag > 1e-6 * np.abs(target)))
    # transparent: eps_inf + one undamped Lorentz pole in the UV (Sellmeier-like);
    # absorbing: a Drude term plus n_lorentz damped Lorentz terms
    kinds: tuple[str, ...] = ("drude",) + ("lorentz",) * n_lorentz if absorbing else ("lorentz",)
    # real and imaginary parts weighted by what the fit must meet: Im(eps) sets the
    # metal-limited Q, and a single |eps| scale would let a 2 % error in Im(gold) hide behind
    # Re(gold) ~ -12; each part counts relative to its own tolerance
    scale_re = np.abs(target) * (tolerance / tolerance_imag)
    scale_im = np.maximum(np.abs(target.imag), 1e-3 * np.abs(target))
    w_re, w_im = 1.0 / scale_re, 1.0 / scale_im
    layout = _Layout(kinds, damped=absorbing)

    def misfit(q: np.ndarray, fixed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        x = layout.params(q, fixed)
        re = np.full(f.shape, x[0]) - target.real
        im = -target.imag
        cols_re, cols_im = [np.ones(f.shape)], [np.zeros(f.shape)]
        for i, (t_re, t_im, du, dg, ds, kind) in enumerate(_terms(f, kinds, x)):
            re = re + t_re
            im = im + t_im
            if kind == "lorentz":  # d/df_j = 2 f_j d/du
                fn = x[1 + 3 * i]
                cols_re.append(2.0 * fn * du[0])
                cols_im.append(2.0 * fn * du[1])
            if absorbing:
                cols_re.append(dg[0])
                cols_im.append(dg[1])
            cols_re.append(ds[0])
            cols_im.append(ds[1])
        chain = 2.0 * q  # d x / d q
        jac = np.concatenate([np.stack(cols_re, axis=1) * w_re[:, None],
                              np.stack(cols_im, axis=1) * w_im[:, None]]) * chain[None, :]
        res = np.concatenate([re * w_re, im * w_im])
        if not (np.all(np.isfinite(res)) and np.all(np.isfinite(jac))):
            res = np.full(res.shape, 1e10)
            jac = np.zeros(jac.shape)
        return res, jac

    best = None
    for start in _grid_starts(f, target, (w_re, w_im), kinds):
        fixed = start.copy()
        q0 = layout.free(start)
        q0 = np.where(q0 == 0.0, 1e-3, q0)  # off the stationary point of the square
        sol = _levenberg_marquardt(lambda q, fx=fixed: misfit(q, fx), q0)
        sol.x = layout.params(sol.x, fixed)
        if best is None or sol.cost < best.cost * (1.0 - _TIE):
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
