"""The report's table of the fabrication scatter: one line per row of the array, from the
run's ``scatter_summary.csv`` and ``scatter_modes.csv`` (``paradisk.scatter.stage``).

It says apart the disks that do not lase (physics: the pump, no gain, no mode, not anchored)
and the disks the sampler refused (a draw beyond the solved box, at the comb's edge, or not a
physical disk): a refused disk is a limit of the sampling, not a prediction.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from paradisk import report_page as page
from paradisk.scatter.stage import N_GOOD, NOT_LASING, REFUSED

# the lasing modes listed per row, most probable first
TOP_MODES = 3
COLUMNS = (
    ("row", "row", ""), ("samples", "disks", ""), ("lasing", "lase", ""),
    ("below", f"lase below N = {N_GOOD:g}", ""),
    ("threshold_N_p5", "N p5", ""), ("threshold_N_p50", "N p50", ""),
    ("threshold_N_p95", "N p95", ""),
    ("lasing_wavelength_nm_p5", "λ p5", "nm"), ("lasing_wavelength_nm_p50", "λ p50", "nm"),
    ("lasing_wavelength_nm_p95", "λ p95", "nm"),
    ("modes", "most probable lasing modes", "pol. radial order, m (probability)"),
    ("not_lasing", "do not lase (why)", ""), ("refused", "refused (why)", ""),
    ("error", "error", ""),
)
TEXT = ("lasing", "below", "modes", "not_lasing", "refused", "error")


def _percent(x: Any) -> str:
    return "" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{100.0 * x:.1f} %"


def _why(rec: dict, codes: tuple[str, ...]) -> str:
    """'total (code share, ...)' of the given reasons, largest first; '0 %' when none."""
    shares = sorted(((float(rec.get(f"fraction_{c}", 0.0) or 0.0), c) for c in codes),
                    reverse=True)
    total = sum(f for f, _ in shares)
    if not total > 0.0:
        return "0 %"
    parts = ", ".join(f"{c.replace('_', ' ')} {_percent(f)}" for f, c in shares if f > 0.0)
    return f"{_percent(total)} ({parts})"


def summary_records(summary: pd.DataFrame, modes: pd.DataFrame) -> list[dict[str, Any]]:
    """One record per row of ``summary`` with the cells of ``COLUMNS``."""
    out = []
    not_lasing = tuple(c for c in NOT_LASING if c not in REFUSED)
    for rec in summary.to_dict(orient="records"):
        error = rec.get("error") or ""
        if isinstance(error, float):  # a missing error read back as nan
            error = ""
        rec = {**rec, "error": error}
        mine = modes[modes["row"] == rec["row"]].sort_values(
            ["probability", "m"], ascending=[False, True]).head(TOP_MODES) if len(modes) \
            else modes
        rec["modes"] = ", ".join(
            f"{r.polarization}{r.radial_order} m={r.m} ({_percent(r.probability)})"
            for r in mine.itertuples())
        if not error:
            rec["lasing"] = _percent(rec.get("fraction_lasing"))
            rec["below"] = _percent(rec.get(f"fraction_below_N_{N_GOOD:g}"))
            rec["not_lasing"] = _why(rec, not_lasing)
            rec["refused"] = _why(rec, REFUSED)
        out.append(rec)
    return out


def summary_html(scatter: dict[str, Any] | None) -> str:
    """The table (empty without a scatter)."""
    if not scatter or scatter["summary"].empty:
        return ""
    return page.table(summary_records(scatter["summary"], scatter["modes"]), COLUMNS, TEXT)
