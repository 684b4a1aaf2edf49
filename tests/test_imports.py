"""Import direction between the packages (AST scan of every source file, nothing imported).

paradisk (pipeline, CLI) sits on top of geometry, layouts, solvers and gain; none of those
imports paradisk. gain does not import solvers (it works on plain mode tables), layouts
imports neither solvers nor gain, and geometry is the base that imports none of the others.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("geometry", "layouts", "solvers", "gain", "paradisk")
FORBIDDEN = {
    "geometry": {"layouts", "solvers", "gain", "paradisk"},
    "layouts": {"solvers", "gain", "paradisk"},
    "solvers": {"paradisk"},
    "gain": {"solvers", "paradisk"},
}


def imported_packages(path: Path) -> set[str]:
    """Top-level names of the absolute imports in ``path`` (relative imports stay inside)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            out.add(node.module.split(".")[0])
    return out


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_import_direction(package):
    files = sorted((ROOT / package).rglob("*.py"))
    assert files, f"no sources under {package}/"
    bad = []
    for path in files:
        for name in sorted(imported_packages(path) & FORBIDDEN[package]):
            bad.append(f"{path.relative_to(ROOT)} imports {name}")
    assert not bad, "\n".join(bad)


def test_the_scan_sees_imports_in_functions_and_from_forms(tmp_path):
    src = tmp_path / "m.py"
    src.write_text("import os.path\nfrom gain.threshold import x\n"
                   "def f():\n    import solvers\n    from . import sib\n"
                   "    from paradisk.stages import y\n")
    assert imported_packages(src) == {"os", "gain", "solvers", "paradisk"}
