"""Import direction between the packages (AST scan of every source file, nothing imported).

paradisk (pipeline, CLI) sits on top of geometry, layouts, solvers and gain; none of those
imports paradisk. gain does not import solvers (it works on plain mode tables), layouts
imports neither solvers nor gain, and geometry is the base that imports none of the others.
"""

from __future__ import annotations

import ast
import subprocess
import sys
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


def imported_modules(path: Path) -> set[str]:
    """Full dotted names of the absolute imports in ``path``."""
    tree = ast.parse(path.read_text(), filename=str(path))
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            out.add(node.module)
    return out


def test_only_the_cli_imports_the_commands():
    """The commands sit on top of paradisk: the pipeline, its results, outputs and report
    never reach into them (what a command and the pipeline share lives in a library module)."""
    bad = []
    for path in sorted((ROOT / "paradisk").rglob("*.py")):
        rel = path.relative_to(ROOT)
        if rel.parts[:2] == ("paradisk", "commands") or rel == Path("paradisk/cli.py"):
            continue
        for name in sorted(imported_modules(path)):
            if name == "paradisk.commands" or name.startswith("paradisk.commands."):
                bad.append(f"{rel} imports {name}")
    assert not bad, "\n".join(bad)


def test_the_scan_sees_imports_in_functions_and_from_forms(tmp_path):
    src = tmp_path / "m.py"
    src.write_text("import os.path\nfrom gain.threshold import x\n"
                   "def f():\n    import solvers\n    from . import sib\n"
                   "    from paradisk.stages import y\n")
    assert imported_packages(src) == {"os", "gain", "solvers", "paradisk"}


# Loading a spec, the profile command and every --help must stay cheap: these packages take
# seconds to import (NGSolve/Netgen, gdsfactory, matplotlib) or change the process (Meep sets
# flush-to-zero), so only the commands that use them may load them.
HEAVY = ("ngsolve", "netgen", "gdsfactory", "kfactory", "meep", "matplotlib")
COMMANDS = ("calibrate", "design", "fit-gain", "identify", "layout", "modes", "predict",
            "profile", "run")


def _heavy_modules_after(code: str) -> list[str]:
    """Run ``code`` in a fresh interpreter and return the heavy packages it left imported."""
    probe = (f"{code}\nimport sys\n"
             f"print('heavy:' + ','.join(m for m in {HEAVY!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True, cwd=ROOT).stdout
    last = out.strip().splitlines()[-1]
    assert last.startswith("heavy:"), out
    return [m for m in last.removeprefix("heavy:").split(",") if m]


def test_loading_a_spec_imports_no_solver_layout_or_plotting_package():
    code = ("from paradisk.spec import load_spec\n"
            "spec = load_spec('examples/qs3_array.yaml')\n"
            "assert len(spec.disks()) == 20")
    assert _heavy_modules_after(code) == []


def test_profile_command_imports_no_solver_layout_or_plotting_package():
    code = ("import contextlib, io\n"
            "from paradisk.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()) as out:\n"
            "    assert main(['profile', 'examples/qs3_array.yaml']) == 0\n"
            "assert 'r04c00' in out.getvalue()")
    assert _heavy_modules_after(code) == []


def test_every_help_imports_nothing_heavy():
    """Building the parser loads every command module: each must defer its heavy imports to
    the moment it runs (the help texts are printed without numpy or the libraries)."""
    code = ("import contextlib, io\n"
            "from paradisk.cli import main\n"
            f"for argv in [[]] + [[c] for c in {COMMANDS!r}]:\n"
            "    with contextlib.redirect_stdout(io.StringIO()):\n"
            "        try:\n"
            "            main([*argv, '--help'])\n"
            "        except SystemExit as exc:\n"
            "            assert exc.code == 0, argv\n"
            "import sys\n"
            "assert 'numpy' not in sys.modules and 'paradisk.spec' not in sys.modules")
    assert _heavy_modules_after(code) == []


def test_every_command_module_is_covered():
    # a module fit_gain.py is the command fit-gain
    found = sorted(p.stem.replace("_", "-") for p in (ROOT / "paradisk" / "commands").glob("*.py")
                   if p.stem != "__init__")
    assert tuple(found) == COMMANDS
