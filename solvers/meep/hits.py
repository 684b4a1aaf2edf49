"""From raw Harminv hits at several probe points to resonances: the spurious-hit rule.

Harminv fits decaying sinusoids to the ring-down at each probe; besides the cavity modes it
returns fits of noise, of the source's tail and of fast-decaying PML/radiation transients.
The rule, applied in this order (frequencies in Meep units, 1/um):

1. in band: the hit's frequency lies in the requested window;
2. small error: Harminv's own error estimate ``err`` (relative, on the complex frequency) is
   below ``max_err`` (1e-3);
3. not a transient: |Q| >= ``min_abs_Q`` (20): a decay within ~3 periods is the source's tail
   or a PML artefact, not a resonance;
4. not tiny: |amplitude| >= ``min_rel_amp`` (1e-3) times the largest surviving amplitude at
   the same probe;
5. seen twice: hits at different probes are grouped when their frequencies agree within
   max(1e-5 f, f / (10 |Q|)); a group is a mode when it holds hits from at least
   ``min_probes`` probes (2, or 1 when there is a single probe).

A mode's frequency and Q are those of its hit with the smallest ``err``; the spread of the
group's frequencies and Qs (or Harminv's error when the spread is smaller) is the error bar.
Q is unresolved when |Q| > ``q_unresolved`` (1e9: the 1e10 random-sign Q of a lossless disk
measured with Meep 1.25) - reported as inf - or negative with |Q| below that - reported as nan.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class HitRule:
    """Thresholds of the spurious-hit rule (see the module docstring)."""

    max_err: float = 1e-3
    min_abs_Q: float = 20.0
    min_rel_amp: float = 1e-3
    min_probes: int = 2
    q_unresolved: float = 1e9


@dataclass
class Resonance:
    """A mode seen by Harminv: frequency (1/um), Q (inf/nan when unresolved) and errors."""

    freq: float
    Q: float
    amp: float
    err: float
    freq_error: float
    Q_error: float
    n_probes: int
    hits: list[dict[str, Any]] = field(default_factory=list)

    @property
    def wavelength_nm(self) -> float:
        return 1.0e3 / self.freq


def resolve_q(q: float, rule: HitRule = HitRule()) -> float:
    """Harminv's Q as a number, inf (|Q| above the resolvable limit) or nan (negative)."""
    if not math.isfinite(q) or abs(q) > rule.q_unresolved:
        return math.inf
    if q < 0.0:
        return math.nan
    return q


def select_resonances(
    hits_per_probe: list[list[dict[str, Any]]],
    f_lo: float,
    f_hi: float,
    rule: HitRule = HitRule(),
) -> list[Resonance]:
    """Apply the rule to hits {"freq", "Q", "amp", "err"} per probe; resonances by frequency."""
    kept: list[dict[str, Any]] = []
    for probe, hits in enumerate(hits_per_probe):
        good = [
            dict(h, probe=probe) for h in hits
            if f_lo <= h["freq"] <= f_hi
            and h["err"] <= rule.max_err
            and abs(h["Q"]) >= rule.min_abs_Q
        ]
        if not good:
            continue
        amax = max(h["amp"] for h in good)
        kept += [h for h in good if h["amp"] >= rule.min_rel_amp * amax]
    kept.sort(key=lambda h: h["freq"])
    groups: list[list[dict[str, Any]]] = []
    for h in kept:
        if groups:
            ref = min(groups[-1], key=lambda g: g["err"])
            q = min(abs(ref["Q"]), abs(h["Q"]))
            tol = max(1e-5 * h["freq"], h["freq"] / (10.0 * q))
            if abs(h["freq"] - ref["freq"]) <= tol:
                groups[-1].append(h)
                continue
        groups.append([h])
    need = min(rule.min_probes, max(len(hits_per_probe), 1))
    out: list[Resonance] = []
    for g in groups:
        probes = {h["probe"] for h in g}
        if len(probes) < need:
            continue
        best = min(g, key=lambda h: h["err"])
        freqs = [h["freq"] for h in g]
        qs = [h["Q"] for h in g]
        spread_f = (max(freqs) - min(freqs)) / 2.0 if len(g) > 1 else 0.0
        q = resolve_q(best["Q"], rule)
        if math.isfinite(q):
            finite = [x for x in qs if 0 < x <= rule.q_unresolved]
            spread_q = (max(finite) - min(finite)) / 2.0 if len(finite) > 1 else 0.0
            q_err = max(spread_q, abs(best["err"]) * q)
        else:
            q_err = math.nan
        out.append(Resonance(
            freq=best["freq"], Q=q, amp=max(h["amp"] for h in g), err=best["err"],
            freq_error=max(spread_f, abs(best["err"]) * best["freq"]), Q_error=q_err,
            n_probes=len(probes), hits=g,
        ))
    return out
