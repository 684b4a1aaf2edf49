"""FEM results are reproducible: the same solve, run twice in fresh processes (one with another
OpenBLAS kernel, as on another CPU), writes byte-identical mode tables.

NGSolve's sparse Cholesky factorisation is not bitwise reproducible from run to run (~1e-15
relative, measured on this sphere's matrices), and the eigen solver's stopping point can amplify
that; before the eigenvalues were Rayleigh quotients and the records rounded to their meaningful
digits (solvers.fem.solver: WAVELENGTH_DIGITS, Q_DIGITS, FRACTION_DIGITS), two runs of this
solve wrote Q differing at 1e-12 and film fractions at 1e-13 (and pipeline runs up to 1.2e-9).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# a coated sphere (R = 2 um, n = 1.6, 30 nm n = 1.8 film): Q ~ 3e3 (radiation), so the Q and the
# film fraction are resolved numbers, not inf; every field of the mode table is written
SCRIPT = """
from geometry.bodies import Coating, Sphere, Surroundings
from paradisk.tables import csv_text
from solvers.fem import find_modes

body = Sphere(radius_um=2.0, index=1.6,
              surroundings=Surroundings(coating=Coating(thickness_um=0.03, index=1.8)))
recs = find_modes(body, m=20, window_nm=(650.0, 950.0))
rows = [dict(r.to_dict(), **r.extra) for r in recs]
cols = [k for k in rows[0] if k != "extra"]
print(csv_text(rows, cols), end="")
"""


def _run(coretype: str | None) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENBLAS_CORETYPE")}
    env.update(OMP_NUM_THREADS="1", PYTHONPATH=str(ROOT))
    if coretype is not None:
        env["OPENBLAS_CORETYPE"] = coretype
    out = subprocess.run([sys.executable, "-c", SCRIPT], env=env, cwd=ROOT, capture_output=True,
                         text=True, timeout=600, check=True)
    return out.stdout


@pytest.mark.slow
def test_identical_solves_write_identical_tables_on_any_openblas_kernel() -> None:
    first = _run(None)
    assert first.count("\n") == 3  # header, TE and TM fundamentals
    assert _run(None) == first
    # Prescott (SSE3) and Sandybridge (AVX) kernels sum in other orders than the native one
    assert _run("Prescott") == first
    assert _run("Sandybridge") == first
