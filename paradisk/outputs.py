"""The files of a run: the results tables, the write pattern and the report.

Every file is written atomically (paradisk.files); the pipeline writes them into a staging
folder that replaces the output folder only when the run succeeds (paradisk.output_folder).
The commands call the same functions (``paradisk layout`` writes ``write_spec_layout``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from paradisk.errors import UserInputError
from paradisk.files import atomic_write_json, atomic_write_text
from paradisk.results import CHECK_COLUMNS, MODE_COLUMNS, RESULT_COLUMNS, RunResult
from paradisk.tables import csv_text

if TYPE_CHECKING:
    from paradisk.spec import DesignSpec


def write_spec_layout(spec: DesignSpec, out_dir: Path, oas: bool = False,
                      progress: Any = None) -> tuple[Any, dict]:
    """Build and write the layout files of ``spec`` into ``out_dir``.

    Returns (layouts.LayoutResult, paths by name). Layout problems become UserInputError.
    ``progress``: a paradisk.progress.Progress told when the pattern is built and when the
    files are written.
    """
    import layouts

    if progress is not None:
        progress.start("layout")
    try:
        result = layouts.build_layout(spec.process, spec.array, spec.layout, title=spec.name)
    except layouts.LayoutError as exc:
        raise UserInputError(str(exc)) from None
    if progress is not None:
        progress("layout", 1, 2, note=f"{result.summary.n_points} disks placed; writing files")
    paths = layouts.write_outputs(
        result, out_dir, spec_dict=spec.model_dump(mode="json"), spec_hash=spec.spec_hash(),
        oas=oas,
    )
    if progress is not None:
        progress("layout", 2, 2, note="files written")
    return result, paths


def write_layout(spec: DesignSpec, out: Path, cache_dir: Path | None = None) -> dict[str, Path]:
    """The write pattern (paradisk layout's files) under ``out``, copied from ``cache_dir``
    when an unchanged spec built it before; paths keyed layout_<name>."""
    from paradisk.layout_cache import write_layout_cached

    written = write_layout_cached(spec, out, cache_dir)
    return {f"layout_{k}": Path(v) for k, v in written.items()}


def write_results(result: RunResult, out: Path,
                  report: bool = True) -> tuple[dict[str, Path], dict[str, str]]:
    """results.csv, results.json, modes/<row id>.csv, meep_check.csv (when checked) and, with
    ``report``, the report's figures and report.html under ``out``.

    Returns (paths by name, figures the report could not make -> why); ``result`` is read only.
    """
    spec = result.spec
    paths: dict[str, Path] = {}
    records = result.table.to_dict(orient="records")
    paths["results_csv"] = atomic_write_text(out / "results.csv",
                                             csv_text(records, RESULT_COLUMNS))
    paths["results_json"] = atomic_write_json(out / "results.json", {
        "spec": spec.model_dump(mode="json"), "spec_hash": spec.spec_hash(),
        "disks": records, "lasing": result.lasing,
        "stats": {k: v for k, v in result.stats.items() if not k.endswith("seconds")},
    })
    for rid, table in result.modes.items():
        atomic_write_text(out / "modes" / f"{rid}.csv",
                          csv_text([{**m, "disk_id": rid} for m in table], MODE_COLUMNS))
    paths["modes_dir"] = out / "modes"
    if result.meep_checks:
        paths["meep_check"] = atomic_write_text(
            out / "meep_check.csv", csv_text(result.meep_checks, CHECK_COLUMNS))
    if result.scatter is not None:
        from paradisk.scatter.stage import write_scatter

        paths.update(write_scatter(result.scatter, out))
    skipped: dict[str, str] = {}
    if report:
        from paradisk.report import write_report

        report_paths, skipped = write_report(result, out)
        paths.update(report_paths)
    return paths, skipped
