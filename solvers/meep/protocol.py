"""Exit statuses of the Meep worker process, shared by the worker and the runner (a module of
its own so the runner never imports the worker: ``python -m solvers.meep.worker`` must not find
the worker already imported by its package)."""

from __future__ import annotations

EXIT_BAD_JOB = 2  # the job file is missing, unreadable or lacks a key
EXIT_DIVERGED = 3  # NaN/inf or growth after the source: retry with a smaller Courant factor
