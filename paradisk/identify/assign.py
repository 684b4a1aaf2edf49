"""Assignment of measured peaks to the modes of the predicted comb, and the top diameter that
makes them agree.

A hypothesis is a top diameter D together with the labels (m, polarization, radial order) that
the comb at D gives the peaks: each peak takes the nearest comb line (one peak per line). Its
score is a robust chi-square,

    S(D) = sum_i min(r_i^2 / s_i^2, CLIP^2),    s_i^2 = sigma_i^2 + sigma_model_i^2,

with r_i the peak's distance to its line, sigma_i its fitted centre uncertainty and
sigma_model_i the error of the comb model itself; a peak farther than CLIP s_i from every line
is left unassigned and costs CLIP^2. Every label set the comb can give inside the search range
is tried: each of the strongest peaks is put on every comb line in turn (that fixes a D), the
other peaks are matched, and D is refined by Gauss-Newton with the comb's sensitivities
d lambda / dD until the labels stop changing. Absolute positions and the free spectral range
enter together: a label set shifted by one m moves D by about D/m to keep one peak in place,
and then misplaces the others by about (their distance in FSRs) x FSR / m.

Confidence of a peak's label: the share of the hypotheses' likelihoods exp(-S/2) (scaled by
the best hypothesis's reduced chi-square when it exceeds 1) carried by hypotheses that give
this peak the same label.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from paradisk.identify.comb import Comb, Family

CLIP = 3.0  # residuals beyond CLIP s_i count as unassigned peaks
# refinement: Gauss-Newton iterations per hypothesis (labels usually settle in 2)
MAX_ITER = 8
# how many of the strongest peaks serve as anchors: two, so that one anchor outside the modelled
# families (a higher radial order) does not hide the right hypothesis
N_ANCHORS = 2
# a start puts one peak on a line; the others may be off by the start's error in D (~1e-4 D)
# and the model's: each hypothesis is refined with a model error shrinking from 1e-3 of the
# wavelength (CLIP times that: ~2 nm capture) to the model's own, so the matching can lock on
CAPTURE_REL = 1e-3
ANNEAL_STEPS = 4


@dataclass(frozen=True)
class Label:
    m: int
    polarization: str
    radial_order: int

    @property
    def family(self) -> Family:
        return (self.polarization, self.radial_order)

    def __str__(self) -> str:
        return f"{self.polarization}{self.radial_order} m={self.m}"


@dataclass
class Hypothesis:
    """One assignment: the top diameter (um), each peak's label (None: unassigned), the
    predicted wavelengths (nm), the residuals peak - prediction (nm) and the score."""

    top_diameter_um: float
    labels: tuple[Label | None, ...]
    predicted_nm: np.ndarray
    residuals_nm: np.ndarray
    score: float
    sigma_um: float = math.nan
    slopes_nm_per_um: np.ndarray = field(default_factory=lambda: np.zeros(0))

    @property
    def n_assigned(self) -> int:
        return sum(lab is not None for lab in self.labels)


def _lines(comb: Comb, d_um: float, m_span: tuple[int, int]) -> list[tuple[Label, float]]:
    out = []
    ms = np.arange(m_span[0], m_span[1] + 1)
    for f in comb.families:
        lam = comb.wavelength_nm(ms, f, d_um)
        out += [(Label(int(m), f[0], f[1]), float(v)) for m, v in zip(ms, lam, strict=True)]
    return out


def _match(peaks_nm: np.ndarray, s_nm: np.ndarray, lines: list[tuple[Label, float]]
           ) -> list[int]:
    """Index into ``lines`` for each peak (-1: none within CLIP s), one peak per line, the
    closest pairs first."""
    lam = np.array([v for _, v in lines])
    d = np.abs(peaks_nm[:, None] - lam[None, :]) / s_nm[:, None]
    pairs = np.argwhere(d <= CLIP)
    pairs = pairs[np.argsort(d[pairs[:, 0], pairs[:, 1]], kind="stable")]
    out = [-1] * len(peaks_nm)
    taken: set[int] = set()
    for i, j in pairs:
        if out[i] == -1 and j not in taken:
            out[i] = int(j)
            taken.add(int(j))
    return out


def evaluate(comb: Comb, d_um: float, peaks_nm: np.ndarray, sigma_nm: np.ndarray,
             model_rel: float, m_span: tuple[int, int]) -> Hypothesis:
    """The hypothesis at diameter ``d_um``: nearest-line labels and their score."""
    s = np.sqrt(sigma_nm**2 + (model_rel * peaks_nm) ** 2)
    lines = _lines(comb, d_um, m_span)
    idx = _match(peaks_nm, s, lines)
    labels = tuple(lines[j][0] if j >= 0 else None for j in idx)
    pred = np.array([lines[j][1] if j >= 0 else math.nan for j in idx])
    r = peaks_nm - pred
    score = float(np.sum(np.where(np.isfinite(r), np.minimum((r / s) ** 2, CLIP**2), CLIP**2)))
    return Hypothesis(d_um, labels, pred, r, score)


def line_slopes(comb: Comb, h: Hypothesis, use: list[int]) -> np.ndarray:
    """d lambda / dD (nm/um) of the lines the peaks ``use`` are assigned to, one call per
    family."""
    out = np.zeros(len(use))
    for f in {h.labels[i].family for i in use}:
        k = [j for j, i in enumerate(use) if h.labels[i].family == f]
        out[k] = comb.slope_nm_per_um([h.labels[use[j]].m for j in k], f, h.top_diameter_um)
    return out


def refine(comb: Comb, d_um: float, peaks_nm: np.ndarray, sigma_nm: np.ndarray,
           model_rel: float, m_span: tuple[int, int], bounds: tuple[float, float]
           ) -> Hypothesis:
    """Gauss-Newton on D with the labels of the current D, re-matched after each step."""
    s = np.sqrt(sigma_nm**2 + (model_rel * peaks_nm) ** 2)
    h = evaluate(comb, d_um, peaks_nm, sigma_nm, model_rel, m_span)
    for _ in range(MAX_ITER):
        use = [i for i, lab in enumerate(h.labels) if lab is not None]
        if not use:
            break
        slopes = line_slopes(comb, h, use)
        w = 1.0 / s[use] ** 2
        step = float(np.sum(w * slopes * h.residuals_nm[use]) / np.sum(w * slopes**2))
        d_new = float(np.clip(h.top_diameter_um + step, *bounds))
        new = evaluate(comb, d_new, peaks_nm, sigma_nm, model_rel, m_span)
        converged = abs(d_new - h.top_diameter_um) < 1e-7 * d_new
        if new.score > h.score + 1e-9 and new.labels != h.labels:
            break  # the step changed the labels for the worse: keep the current labels
        h = new
        if converged:
            break
    use = [i for i, lab in enumerate(h.labels) if lab is not None]
    if use:
        slopes = line_slopes(comb, h, use)
        h.sigma_um = float(1.0 / math.sqrt(np.sum(slopes**2 / s[use] ** 2)))
        full = np.full(len(peaks_nm), math.nan)
        full[use] = slopes
        h.slopes_nm_per_um = full
    return h


def m_span_for(comb: Comb, peaks_nm: np.ndarray, bounds: tuple[float, float]) -> tuple[int, int]:
    """Azimuthal numbers whose lines can reach the peaks for any D inside ``bounds``."""
    ms = [r.m for s in comb.solves for r in s.modes]
    d_ref = comb.solves[0].top_diameter_um
    lam_ref = float(np.mean([r.wavelength_nm for r in comb.solves[0].modes]))
    m_ref = float(np.mean([r.m for r in comb.solves[0].modes]))
    # m scales as D / lambda along a family
    lo = m_ref * bounds[0] / d_ref * lam_ref / float(peaks_nm.max())
    hi = m_ref * bounds[1] / d_ref * lam_ref / float(peaks_nm.min())
    lo, hi = min(lo, min(ms)), max(hi, max(ms))
    return max(1, math.floor(lo) - 3), math.ceil(hi) + 3


def hypotheses(comb: Comb, peaks_nm: np.ndarray, sigma_nm: np.ndarray, heights: np.ndarray,
               model_rel: float, bounds: tuple[float, float],
               seeds: list[float] | None = None) -> list[Hypothesis]:
    """Every distinct label set inside ``bounds`` (um), best first (see the module doc).
    ``seeds``: diameters (um) to start from instead of the anchors: the best hypotheses of a
    coarser comb, re-refined with a finer one."""
    span = m_span_for(comb, peaks_nm, bounds)
    d_mid = 0.5 * (bounds[0] + bounds[1])
    starts: list[float] = list(seeds or [])
    for a in ([] if seeds else np.argsort(-heights)[:N_ANCHORS]):
        for f in comb.families:
            ms = np.arange(span[0], span[1] + 1)
            # the D that puts line (m, f) on the anchor: the comb scales ~ linearly with D
            lam = comb.wavelength_nm(ms, f, d_mid)
            for d in d_mid * peaks_nm[a] / lam:
                if bounds[0] <= d <= bounds[1]:
                    starts.append(float(d))
    found: dict[tuple, Hypothesis] = {}
    top = max(CAPTURE_REL, model_rel)
    schedule = top * (model_rel / top) ** np.linspace(0.0, 1.0, ANNEAL_STEPS)
    for d0 in starts:
        d = d0
        for rel in schedule:
            h = refine(comb, d, peaks_nm, sigma_nm, float(rel), span, bounds)
            d = h.top_diameter_um
        key = h.labels
        if key not in found or h.score < found[key].score:
            found[key] = h
    d_spec = comb.solves[0].top_diameter_um
    # equal scores (one peak fits anywhere): the diameter nearest the spec's first
    return sorted(found.values(), key=lambda h: (round(h.score, 9),
                                                 abs(h.top_diameter_um - d_spec)))


def confidences(hyps: list[Hypothesis], scale: float = 1.0) -> list[float]:
    """Per peak: share of the likelihood exp(-S/(2 scale)) with the best hypothesis's label."""
    if not hyps:
        return []
    best = hyps[0]
    w = np.array([math.exp(-(h.score - best.score) / (2.0 * scale)) for h in hyps])
    w /= w.sum()
    out = []
    for i, lab in enumerate(best.labels):
        out.append(float(sum(wk for wk, h in zip(w, hyps, strict=True)
                             if h.labels[i] == lab)))
    return out
