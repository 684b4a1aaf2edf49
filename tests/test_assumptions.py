"""The registry of assumptions follows the ASSUMPTION marks of the example spec and of the
library defaults it lists, and every entry names a real spec field."""

from __future__ import annotations

import re
from pathlib import Path

from paradisk.assumptions import ASSUMPTIONS, assumed_values
from paradisk.spec import load_spec

ROOT = Path(__file__).resolve().parents[1]


def _marked_keys(yaml_text: str) -> set[str]:
    """Dotted keys of the YAML lines marked ASSUMPTION: in the comment of the key's own line, or
    by a comment block just above it that starts with "# ASSUMPTION"."""
    stack: list[tuple[int, str]] = []
    marked: set[str] = set()
    pending = False
    for line in yaml_text.splitlines():
        m = re.match(r"^(\s*)([A-Za-z_][\w]*):", line)
        if m is None:
            if line.strip().startswith("# ASSUMPTION"):
                pending = True
            continue
        indent, key = len(m.group(1)), m.group(2)
        while stack and stack[-1][0] >= indent:
            stack.pop()
        stack.append((indent, key))
        if pending or ("#" in line and "ASSUMPTION" in line.split("#", 1)[1]):
            marked.add(".".join(k for _, k in stack))
        pending = False
    return marked


def test_every_assumption_of_the_example_is_registered():
    marked = _marked_keys((ROOT / "examples" / "qs3_array.yaml").read_text())
    # the parser sees them: on the key's line, and in a comment block above a nested key
    assert "process.waist_um" in marked and "losses.roughness.wall" in marked
    assert marked <= set(ASSUMPTIONS), marked - set(ASSUMPTIONS)


def test_every_registered_field_exists_in_the_spec():
    spec = load_spec(ROOT / "examples" / "qs3_array.yaml")
    values = assumed_values(spec.model_dump(mode="json"))
    missing = [v["field"] for v in values if v["value"] is None
               and v["field"] != "nanocrystals.concentration_per_cm3"]
    assert missing == []
    assert {v["field"]: v["value"] for v in values}["process.waist_um"] == 10.0
