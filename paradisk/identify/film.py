"""Top diameter and nanocrystal-film thickness fitted together.

The film shifts the TE and TM families by different amounts (their electric-energy fractions
in the film differ: 5.5 % and 3.7 % on the 10 um disk of examples/qs3_array.yaml) while a
change of diameter moves both alike, so with lines of both polarizations the two separate.
The film sensitivity g = d lambda / dt of each mode is the finite difference of two FEM solves
at one diameter (the spec's film and a thicker one):

    lambda(m, f, D, t) = comb(m, f, D) + (t - t_spec) g(m, f).

A film thickness off by tens of percent moves the lines by a good fraction of the TE-TM
spacing, so the labels are searched with both parameters (``hypotheses_film``: the D-only
hypotheses as starts, each refined by Gauss-Newton on (D, t) with re-matching), not fixed
first. A Gaussian prior on t (the spec's thickness, one sigma FILM_PRIOR_REL of it) keeps the
fit defined when one polarization is missing; it enters the score.
"""

from __future__ import annotations

import math

import numpy as np

from paradisk.identify.assign import (
    CAPTURE_REL,
    MAX_ITER,
    Hypothesis,
    evaluate,
    line_slopes,
    m_span_for,
)
from paradisk.identify.comb import Comb, Family

# ASSUMPTION: a spin-coated nanocrystal film's thickness is known to +-50 % before measuring
FILM_PRIOR_REL = 0.5
ANNEAL_STEPS = 4


class FilmComb:
    """A Comb whose lines also move with the film thickness ``t_nm`` (settable): ``base`` is
    the comb of the film ``t_base_nm``; the film slopes come from the combs ``thin`` and
    ``thick`` (films ``dt_nm`` apart) at the diameter ``d_ref_um``; the prior is centred on
    ``t_spec_nm``."""

    def __init__(self, base: Comb, t_base_nm: float, thin: Comb, thick: Comb, d_ref_um: float,
                 dt_nm: float, t_spec_nm: float):
        self.base, self.thin, self.thick = base, thin, thick
        self.t_base_nm, self.d_ref_um, self.dt_nm = t_base_nm, d_ref_um, dt_nm
        self.t_spec_nm = t_spec_nm
        self.t_nm = t_base_nm
        self.families = base.families
        self.solves = base.solves

    def film_slope(self, m, f: Family) -> np.ndarray:
        """g = d lambda / dt (nm per nm of film) of the modes (m, f)."""
        return (self.thick.wavelength_nm(m, f, self.d_ref_um)
                - self.thin.wavelength_nm(m, f, self.d_ref_um)) / self.dt_nm

    def wavelength_nm(self, m, f: Family, top_diameter_um: float) -> np.ndarray:
        return (self.base.wavelength_nm(m, f, top_diameter_um)
                + (self.t_nm - self.t_base_nm) * self.film_slope(m, f))

    def slope_nm_per_um(self, m, f: Family, top_diameter_um: float) -> np.ndarray:
        return self.base.slope_nm_per_um(m, f, top_diameter_um)


def _prior(fc: FilmComb) -> float:
    return ((fc.t_nm - fc.t_spec_nm) / (FILM_PRIOR_REL * fc.t_spec_nm)) ** 2


def refine_film(fc: FilmComb, d_um: float, t_nm: float, peaks_nm: np.ndarray,
                sigma_nm: np.ndarray, model_rel: float, span: tuple[int, int],
                bounds: tuple[float, float]) -> tuple[Hypothesis, float, np.ndarray]:
    """Gauss-Newton on (D, t) with re-matching; returns (hypothesis with the prior in its
    score, t in nm, 2x2 covariance in (um, nm))."""
    s = np.sqrt(sigma_nm**2 + (model_rel * peaks_nm) ** 2)
    prior_sigma = FILM_PRIOR_REL * fc.t_spec_nm
    fc.t_nm = t_nm
    h = evaluate(fc, d_um, peaks_nm, sigma_nm, model_rel, span)
    h.score += _prior(fc)
    cov = np.full((2, 2), math.nan)
    for _ in range(MAX_ITER):
        use = [i for i, lab in enumerate(h.labels) if lab is not None]
        if not use:
            break
        jd = line_slopes(fc, h, use)
        jt = np.array([fc.film_slope([h.labels[i].m], h.labels[i].family)[0] for i in use])
        a = np.vstack([np.column_stack([jd, jt]) / s[use, None], [0.0, 1.0 / prior_sigma]])
        b = np.append(h.residuals_nm[use] / s[use], -(t_nm - fc.t_spec_nm) / prior_sigma)
        normal = a.T @ a
        cov = np.linalg.inv(normal)
        step = cov @ (a.T @ b)
        d_new = float(np.clip(h.top_diameter_um + step[0], *bounds))
        t_new = float(max(t_nm + step[1], 0.05 * fc.t_spec_nm))
        fc.t_nm = t_new
        new = evaluate(fc, d_new, peaks_nm, sigma_nm, model_rel, span)
        new.score += _prior(fc)
        if new.score > h.score + 1e-9 and new.labels != h.labels:
            fc.t_nm = t_nm
            break
        converged = abs(d_new - h.top_diameter_um) < 1e-7 * d_new and abs(t_new - t_nm) < 1e-4
        h, t_nm = new, t_new
        if converged:
            break
    h.sigma_um = float(math.sqrt(cov[0, 0])) if np.isfinite(cov[0, 0]) else math.nan
    return h, t_nm, cov


def hypotheses_film(fc: FilmComb, peaks_nm: np.ndarray, sigma_nm: np.ndarray, model_rel: float,
                    bounds: tuple[float, float], seeds: list[float]
                    ) -> list[tuple[Hypothesis, float, np.ndarray]]:
    """Distinct label sets from the diameters ``seeds`` (with the base comb's film), each
    refined on (D, t) with a shrinking capture radius; best first."""
    span = m_span_for(fc, peaks_nm, bounds)
    top = max(CAPTURE_REL, model_rel)
    schedule = top * (model_rel / top) ** np.linspace(0.0, 1.0, ANNEAL_STEPS)
    found: dict[tuple, tuple[Hypothesis, float, np.ndarray]] = {}
    for d0 in seeds:
        d, t = d0, fc.t_base_nm
        for rel in schedule:
            h, t, cov = refine_film(fc, d, t, peaks_nm, sigma_nm, float(rel), span, bounds)
            d = h.top_diameter_um
        if h.labels not in found or h.score < found[h.labels][0].score:
            found[h.labels] = (h, t, cov)
    return sorted(found.values(), key=lambda r: r[0].score)
