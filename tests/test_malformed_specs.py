"""Held-out style check: specs made malformed at random from examples/qs3_array.yaml.

A seeded generator removes required fields, swaps types and puts nan, inf, negative and huge
values into the fields of the example; ``profile``, ``layout`` and ``run`` must each answer
every case with exit status 2 and exactly one line on stderr, never a traceback, and leave a
pre-existing output folder exactly as it was. Every case is rejected while the spec loads, so
no solver runs (fast tier).
"""

from __future__ import annotations

import copy
import random
from pathlib import Path
from typing import Any

import pytest
import yaml

from paradisk.cli import main
from paradisk.spec import DesignSpec, _field_info

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "qs3_array.yaml"
SEED = 20261202
N_CASES = 48


def _leaves(data: Any, path: tuple = ()) -> list[tuple[tuple, Any]]:
    if isinstance(data, dict):
        return [leaf for k, v in data.items() for leaf in _leaves(v, (*path, k))]
    if isinstance(data, list):
        return [leaf for i, v in enumerate(data) for leaf in _leaves(v, (*path, i))]
    return [(path, data)]


def _fields(data: Any, path: tuple = ()) -> list[tuple]:
    """Paths of every mapping key (leaves and sections)."""
    out = []
    if isinstance(data, dict):
        for k, v in data.items():
            out.append((*path, k))
            out += _fields(v, (*path, k))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            out += _fields(v, (*path, i))
    return out


def _is_number(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return True
    try:  # PyYAML reads 2.0e4 (no exponent sign) as text; pydantic makes it a number
        float(value)
        return True
    except (TypeError, ValueError):
        return False


def _set(data: Any, path: tuple, value: Any) -> None:
    for key in path[:-1]:
        data = data[key]
    data[path[-1]] = value


def _delete(data: Any, path: tuple) -> None:
    for key in path[:-1]:
        data = data[key]
    del data[path[-1]]


def malformed_specs(seed: int = SEED, n: int = N_CASES) -> list[tuple[str, dict]]:
    """``n`` (description, spec data) pairs, each with one defect, deterministic in ``seed``."""
    base = yaml.safe_load(EXAMPLE.read_text())
    rng = random.Random(seed)
    numbers = [(p, v) for p, v in _leaves(base) if _is_number(v)]
    others = [(p, v) for p, v in _leaves(base) if not _is_number(v)]
    required = []
    for path in _fields(base):
        info = _field_info(DesignSpec, path)
        if info is not None and info.is_required():
            required.append(path)
    kinds = ["remove", "swap", "nan", "inf", "negative", "huge"]
    cases = []
    for i in range(n):
        kind = kinds[i % len(kinds)]
        data = copy.deepcopy(base)
        if kind == "remove":
            path = rng.choice(required)
            _delete(data, path)
            what = f"remove {'.'.join(map(str, path))}"
        elif kind == "swap":
            path, value = rng.choice(numbers + others)
            if _is_number(value):
                bad = rng.choice(["twelve", {"value": 1}, [[1.0]], True])
            elif isinstance(value, bool):
                bad = rng.choice(["maybe", {"value": 1}, 2.5])
            else:
                bad = rng.choice([{"value": 1}, [[]], True])
            _set(data, path, bad)
            what = f"{'.'.join(map(str, path))}: {value!r} -> {bad!r}"
        else:
            path, value = rng.choice(numbers)
            bad = {
                "nan": rng.choice([float("nan"), ".nan", "nan"]),
                "inf": rng.choice([float("inf"), float("-inf"), "inf", "Infinity"]),
                "negative": -abs(float(value)) - rng.choice([1.0, 1.0e-3, 7.0]),
                "huge": rng.choice([1.0e30, 10**30, 1.0e300, 99999999999999999999999]),
            }[kind]
            _set(data, path, bad)
            what = f"{'.'.join(map(str, path))}: {value!r} -> {bad!r}"
        cases.append((f"{i:02d} {kind} {what}", data))
    return cases


CASES = malformed_specs()


def test_the_generator_is_deterministic_and_covers_each_kind():
    again = malformed_specs()
    assert [c[0] for c in again] == [c[0] for c in CASES]
    assert len(CASES) == N_CASES
    for kind in ("remove", "swap", "nan", "inf", "negative", "huge"):
        assert sum(f" {kind} " in name for name, _ in CASES) >= N_CASES // 6


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() if p.is_file() else b"<dir>"
            for p in sorted(folder.rglob("*"))}


@pytest.fixture(scope="module")
def good_output(tmp_path_factory) -> Path:
    """An output folder as a finished run leaves it (contents are placeholders)."""
    out = tmp_path_factory.mktemp("good") / "out"
    (out / "modes").mkdir(parents=True)
    (out / "layout").mkdir()
    (out / "results.csv").write_text("id,threshold_N\nr00c00,1.23\n")
    (out / "modes" / "r00.csv").write_text("m,wavelength_nm\n72,641.0\n")
    (out / "layout" / "layout.gds").write_bytes(b"\x00\x06\x00\x02\x02\x58")
    (out / "report.html").write_text("<html>good</html>\n")
    return out


@pytest.mark.parametrize(("name", "data"), CASES, ids=[c[0].split(" ")[0] for c in CASES])
def test_malformed_spec_is_rejected_by_every_verb(name, data, tmp_path, good_output, capsys):
    spec = tmp_path / "bad.yaml"
    spec.write_text(yaml.safe_dump(data, sort_keys=False))
    before = _snapshot(good_output)
    for argv in (["profile", str(spec)],
                 ["layout", str(spec), "-o", str(good_output / "layout")],
                 ["run", str(spec), "-o", str(good_output), "--workers", "1", "--quiet"]):
        status = main(argv)
        captured = capsys.readouterr()
        lines = captured.err.strip().splitlines()
        assert status == 2, f"{name}: {argv[0]} exit {status}\n{captured.err}"
        assert len(lines) == 1, f"{name}: {argv[0]}:\n{captured.err}"
        assert lines[0].startswith(f"paradisk {argv[0]}: error: "), lines[0]
        assert "Traceback" not in captured.err
        assert captured.out == "", f"{name}: {argv[0]} printed {captured.out!r}"
        assert _snapshot(good_output) == before, f"{name}: {argv[0]} changed the output folder"
