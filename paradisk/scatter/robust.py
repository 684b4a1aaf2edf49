"""Robust design objectives: score a design by its sampled disks, not its nominal one.

``paradisk design --objective p90_threshold`` ranks absorber concentrations by the 90th
percentile of the threshold N of the spec's ``scatter:`` samples (a disk that does not lase
counts as an infinite threshold: a design of which more than 10 % fail scores inf), and
``--objective p_below`` by the fraction of sampled disks lasing below N (``--below-N``,
default 0.5: ``paradisk.scatter.stage.N_GOOD``). Each (concentration, diameter) of the design
grid gets the cached sensitivity stage of its disk and ``sample_row``, exactly as ``paradisk run``.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np

from paradisk.errors import UserInputError
from paradisk.scatter.sampling import descriptor_steps, row_inputs, sample_row
from paradisk.scatter.stage import N_GOOD, sensitivity_stage, widened_window

ROBUST_OBJECTIVES = {
    "p90_threshold": "90th percentile of the sampled threshold N (lower is better)",
    "p_below": "fraction of sampled disks lasing below N = --below-N (default "
               f"{N_GOOD:g}; higher is better)",
}
# the grid's column each robust objective scores
ROBUST_COLUMNS = {"p90_threshold": "threshold_N_p90", "p_below": "fraction_below_N"}
# the largest --below-N: far above any threshold the paper reports (N ~ 0.5-10, Fig. 5)
MAX_BELOW_N = 100.0


def robust_scores(spec: Any, cases: list[dict], modes: dict[int, list[dict]],
                  map_tasks: Any, cache_dir: Any, below_N: float = N_GOOD,
                  **executor: Any) -> None:
    """Add ``threshold_N_p90``, ``fraction_below_N`` (lasing below ``below_N``) and
    ``below_N`` to each anchored case (in place).

    ``spec``: the design's base spec (with ``scatter:``); ``cases``: the design grid rows
    (``concentration_mg_per_mL``, ``dwell_ms``, ``body`` ...); ``modes``: case index -> its
    deterministic mode table."""
    if spec.scatter is None:
        raise UserInputError("a robust objective needs the spec's scatter: section (the "
                             "spreads to sample)")
    jobs = []
    for i, case in enumerate(cases):
        if i not in modes:
            continue
        absorber = spec.process.absorber.model_copy(
            update={"concentration_mg_per_mL": case["concentration_mg_per_mL"]})
        spec_c = spec.model_copy(update={"process": spec.process.model_copy(
            update={"absorber": absorber})})
        body = case["body"]
        plan = SimpleNamespace(id=f"case{i}", row=i, col=0, dwell_ms=case["dwell_ms"],
                               power_uW=spec_c.write_power_uW, profile=body.profile, body=body)
        steps = descriptor_steps(spec_c.scatter, row_inputs(spec_c, plan))
        jobs.append((i, spec_c, plan, (body.model_dump(mode="json"),
                                       spec.solver.model_dump(mode="json"), steps,
                                       widened_window(spec_c, plan),
                                       str(cache_dir) if cache_dir else None,
                                       cache_dir is not None,
                                       spec.loss_settings.model_dump(mode="json"))))
    results = map_tasks(sensitivity_stage, [j[3] for j in jobs], **executor)
    for (i, spec_c, plan, _), sens in zip(jobs, results, strict=True):
        if "error" in sens:
            cases[i]["error"] = sens["error"]
            continue
        df = sample_row(spec_c, plan, sens, modes[i])
        nth = np.where(df["lases"], df["threshold_N"], np.inf)
        cases[i]["threshold_N_p90"] = float(np.percentile(nth, 90, method="higher"))
        cases[i]["fraction_below_N"] = float(np.mean(df["lases"] & (nth < below_N)))
        cases[i]["below_N"] = below_N
