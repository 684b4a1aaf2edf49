"""The run report as a lab opens it: rendered by headless Chromium (Debian's chromium, installed
by .ci/setup), nothing may overflow the page width and every image must load.

The report is built by the real pipeline and report code on the small test spec, with a
stand-in mode solve (whispering-gallery modes at m = pi D n_eff / lambda, a film fraction and a
Q of the right size), so no solver runs: what is checked is the page, not the physics.
Slow tier: the report draws every figure, the rate-equation spectra of Fig. 6d included.
"""

from __future__ import annotations

import json
import math
import re
import shutil
import subprocess
from pathlib import Path

import pytest

import paradisk.pipeline as pipeline
from paradisk.pipeline import RunOptions, run_pipeline
from paradisk.spec import spec_from_dict
from tests.test_pipeline_run import small_spec_data

pytestmark = pytest.mark.slow

CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                  "--disable-background-networking", "--no-first-run")

# run on load, every <details> opened: the page's widths and each image's state, written into
# the DOM for --dump-dom to carry out
MEASURE = """<script>
window.addEventListener('load', () => {
  document.querySelectorAll('details').forEach(d => { d.open = true; });
  const imgs = [...document.images].map(i => ({alt: i.alt, complete: i.complete,
                                               width: i.naturalWidth}));
  const wide = [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5
                 && !e.closest('.scroll'))
    .map(e => e.tagName + '.' + e.className).slice(0, 10);
  const out = document.createElement('pre');
  out.id = 'measure';
  out.textContent = JSON.stringify({scrollWidth: document.documentElement.scrollWidth,
                                    innerWidth: window.innerWidth, images: imgs, wide: wide});
  document.body.appendChild(out);
});
</script>"""


def _fake_modes_stage(body_json, solver_json, method, cache_root=None, use_cache=True,
                      losses_json=None):
    """Fundamental TE and TM whispering-gallery modes of the disk in the solver's window, with
    a loss budget (roughness-limited, as the example's)."""
    from geometry import ParabolicDisk

    body = ParabolicDisk.model_validate(body_json)
    d_um = body.profile.top_diameter_um
    lo, hi = solver_json["window_nm"]
    modes = []
    for pol, n_eff, film in (("TE", 1.45, 0.25), ("TM", 1.43, 0.20)):
        for m in range(math.ceil(math.pi * d_um * n_eff * 1e3 / hi),
                       math.floor(math.pi * d_um * n_eff * 1e3 / lo) + 1):
            q = 1e3 * d_um ** 2
            modes.append({"m": m, "polarization": pol, "radial_order": 1, "axial_order": 0,
                          "wavelength_nm": math.pi * d_um * n_eff * 1e3 / m, "Q": q,
                          "Q_radiation": q, "Q_absorption": math.inf, "film_fraction": film,
                          "effective_index": n_eff, "mode_volume_um3": 5.0})
            budget = {"Q_radiation": q, "Q_metal": math.inf, "Q_material": 8e5,
                      "Q_roughness": 2e4 if pol == "TE" else 5e4, "Q_film_scattering": 7e5,
                      "Q_other": math.inf}
            budget["Q_total"] = 1.0 / sum(1.0 / v for v in budget.values())
            modes[-1].update(budget)
    modes.sort(key=lambda r: r["wavelength_nm"])
    return {"modes": modes, "cached": False, "seconds": 0.0}


def _no_field(*_a, **_k):
    return {"record": None, "field": None, "cached": False, "seconds": 0.0}


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    mp = pytest.MonkeyPatch()
    mp.setattr(pipeline, "modes_stage", _fake_modes_stage)
    mp.setattr(pipeline, "field_stage", _no_field)
    try:
        out = tmp_path_factory.mktemp("report") / "out"
        result = run_pipeline(spec_from_dict(small_spec_data()),
                              RunOptions(out_dir=out, workers=1, use_cache=False))
    finally:
        mp.undo()
    return result, out / "report.html"


def _chromium() -> str:
    exe = shutil.which("chromium")
    if exe is None:
        pytest.fail("chromium is not installed: run ./.ci/setup (it installs Debian's chromium)")
    return exe


def _measure(html_path: Path, tmp: Path, width: int) -> dict:
    page = tmp / "measured.html"
    page.write_text(html_path.read_text().replace("</body>", MEASURE + "</body>"))
    proc = subprocess.run(
        [_chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={tmp / f'profile{width}'}",
         f"--window-size={width},2000", "--virtual-time-budget=10000", "--dump-dom",
         page.as_uri()],
        capture_output=True, text=True, timeout=180)
    found = re.search(r'<pre id="measure">(.*?)</pre>', proc.stdout, re.S)
    assert found, f"no measurement in Chromium's DOM; stderr: {proc.stderr[-2000:]}"
    return json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&"))


@pytest.mark.parametrize("width", [1280, 800])
def test_report_fits_the_page_and_every_image_loads(report, tmp_path, width):
    result, html_path = report
    m = _measure(html_path, tmp_path, width)
    assert m["innerWidth"] == width
    assert m["scrollWidth"] <= m["innerWidth"], m["wide"]
    assert m["wide"] == []
    drawn = {n for n in result.paths if n.startswith("figure_")}
    # every figure the run drew, and the layout preview, is an image on the page
    assert len(m["images"]) == len(drawn) + 1 >= 10
    broken = [i["alt"] for i in m["images"] if not (i["complete"] and i["width"] > 0)]
    assert broken == []


def test_report_leads_with_the_results_and_lists_the_assumptions(report):
    result, html_path = report
    text = html_path.read_text()
    first_table = text[text.index("<table>"):text.index("</table>")]
    for heading in ("lasing m", "lasing λ", "red shift", "threshold N", "threshold fluence",
                    "<th>Q", "<th>K"):
        assert heading in first_table, heading
    assert "foot_diameter_um" not in first_table  # behind the toggle
    assert "<details>" in text and "foot_diameter_um" in text
    assert result.spec.spec_hash()[:16] in text and "paradisk 0." in text
    assert "process.waist_um" in text[text.index("<h2>Assumptions</h2>"):]
