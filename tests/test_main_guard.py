"""A script that starts the worker pool outside ``if __name__ == "__main__":`` gets one clear
error before any worker starts (each spawned worker would import the script and run it again)
and writes nothing; the guarded script runs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

BODY = """\
import math
from pathlib import Path
from paradisk.executors import map_tasks

def main():
    print(map_tasks(math.sqrt, [(4.0,), (9.0,)], workers=2))
    Path("written.txt").write_text("ran")
"""


def _run(tmp_path: Path, script: str) -> subprocess.CompletedProcess:
    path = tmp_path / "script.py"
    path.write_text(script)
    return subprocess.run([sys.executable, str(path)], capture_output=True, text=True,
                          cwd=tmp_path, timeout=120)


def test_unguarded_script_gets_one_clear_error_and_writes_nothing(tmp_path):
    proc = _run(tmp_path, BODY + "\nmain()\n")
    assert proc.returncode != 0
    assert proc.stderr.count("Traceback") == 1  # not one per worker
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("paradisk.executors.UnguardedScriptError:")
    assert "script.py, line 9" in last and 'if __name__ == "__main__":' in last
    assert not (tmp_path / "written.txt").exists()


def test_guarded_script_runs_the_pool(tmp_path):
    proc = _run(tmp_path, BODY + '\nif __name__ == "__main__":\n    main()\n')
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[2.0, 3.0]"
    assert (tmp_path / "written.txt").read_text() == "ran"


def test_guard_written_either_way_round_is_recognised(tmp_path):
    from paradisk.executors import _guarded_lines

    path = tmp_path / "m.py"
    path.write_text("x = 1\nif '__main__' == __name__:\n    x = 2\n    x = 3\n"
                    "if __name__ == \"__main__\":\n    pass\nif x == '__main__':\n    pass\n")
    assert _guarded_lines(str(path)) == [(2, 4), (5, 6)]
