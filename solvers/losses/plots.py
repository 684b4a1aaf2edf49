"""Figure of loss budgets: 1/Q of each channel of a few modes, side by side.

``loss_budget_figure({"r00c00 m=72 TE": {"Q_radiation": ..., ..., "Q_total": ...}, ...})``
takes the budget columns (solvers.losses.columns: math.inf means no loss in that channel, nan
not computed) and draws one group of bars per channel, one bar per mode, on a log axis of 1/Q,
with each mode's 1/Q_total as a dashed line: the channel that reaches the line sets the mode's
Q. matplotlib's object API only (no pyplot state).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
from matplotlib.figure import Figure

from solvers.losses.budget import CHANNELS

FLOOR = 1e-4  # the axis starts this far below the largest 1/Q shown
LABELS = {"Q_radiation": "radiation", "Q_metal": "metal", "Q_material": "material",
          "Q_roughness": "roughness", "Q_film_scattering": "film scattering",
          "Q_other": "other"}


def _inverse(q: float | None) -> float:
    """1/Q for a bar (0: no loss or not computed, drawn as no bar)."""
    if q is None or not math.isfinite(q) or q <= 0.0:
        return 0.0
    return 1.0 / q


def loss_budget_figure(budgets: Mapping[str, Mapping[str, float | None]],
                       title: str = "loss budget of each disk's lasing mode") -> Figure:
    """Bars of 1/Q per channel (module docstring); ``budgets`` maps a label to its columns."""
    labels = list(budgets)
    fig = Figure(figsize=(6.8, 3.2 + 0.12 * len(labels)), layout="constrained")
    ax = fig.subplots()
    x = np.arange(len(CHANNELS))
    width = 0.8 / max(len(labels), 1)
    colours = [f"C{i % 10}" for i in range(len(labels))]
    values = []
    for k, (label, cols) in enumerate(budgets.items()):
        inv = np.array([_inverse(cols.get(c)) for c in CHANNELS])
        values.append(inv[inv > 0])
        ax.bar(x - 0.4 + (k + 0.5) * width, np.where(inv > 0, inv, np.nan), width,
               color=colours[k], label=f"{label}: Q_total {_fmt(cols.get('Q_total'))}")
        total = _inverse(cols.get("Q_total"))
        if total > 0:
            ax.axhline(total, color=colours[k], lw=0.8, ls="--")
    ax.set_xticks(x, [LABELS[c] for c in CHANNELS], fontsize=8)
    ax.set_ylabel("1/Q of the channel")
    shown = np.concatenate(values) if values else np.array([])
    if shown.size:
        ax.set_yscale("log")
        # down to FLOOR of the largest channel: what lies below does not count for Q_total
        top = shown.max()
        ax.set_ylim(max(shown.min(), FLOOR * top) / 3.0, top * 3.0)
    ax.set_title(f"{title}\n(dashed: 1/Q_total; no bar: no loss or below {FLOOR:g} of the "
                 "largest)", fontsize=9)
    ax.legend(fontsize=6, loc="upper center", bbox_to_anchor=(0.5, -0.12),
              ncol=2 if len(labels) > 2 else 1)
    return fig


def _fmt(q: float | None) -> str:
    if q is None or (isinstance(q, float) and math.isnan(q)):
        return "-"
    return "inf" if not math.isfinite(q) else f"{q:.3g}"
