"""The HTML of the run report: style sheet and small builders (tables, figures, sections).

Plain strings, no template engine: every value is escaped here. The page is self-contained
(images embedded as data URIs) and fits its width: wide tables scroll inside their own box,
never the page.
"""

from __future__ import annotations

import base64
import html
import json
import math
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

CSS = """
* { box-sizing: border-box; }
body { font-family: system-ui, sans-serif; max-width: 1100px; margin: auto; padding: 1em;
       color: #222; line-height: 1.4; }
h1 { margin-bottom: 0.2em; } h2 { border-bottom: 1px solid #ddd; padding-bottom: 0.2em; }
.meta { color: #555; font-size: 14px; }
.scroll { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; font-size: 13px; margin: 0.4em 0; }
td, th { border: 1px solid #ccc; padding: 3px 6px; text-align: right; vertical-align: top; }
th { background: #f3f3f3; } th small { font-weight: normal; color: #555; }
td.text, th.text { text-align: left; }
td.error { color: #a00; text-align: left; max-width: 24em; }
.params { display: grid; grid-template-columns: repeat(auto-fill, minmax(320px, 1fr));
          gap: 0 1.5em; }
.params table { width: 100%; } .params td:first-child { text-align: left; }
.params td { word-break: break-word; }
.tag { white-space: nowrap; background: #fff3cd; border: 1px solid #e0c060;
       border-radius: 3px; font-size: 11px; padding: 0 3px; margin-left: 4px; }
.kind { white-space: nowrap; color: #555; font-size: 11px; font-style: italic; }
table.material small { color: #555; }
figure { margin: 1em 0; } figcaption { color: #555; font-size: 13px; }
img { max-width: 100%; height: auto; display: block; }
details > summary { cursor: pointer; color: #036; margin: 0.4em 0; }
.skipped { color: #777; font-style: italic; }
"""


def esc(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def number(value: Any) -> str:
    """A cell: 5 significant digits, inf as the infinity sign, nan and None as empty."""
    if isinstance(value, bool) or value is None:
        return esc(value)
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if math.isinf(value):
            return "&infin;" if value > 0 else "-&infin;"
        return f"{value:.5g}"
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        # a list of records (the substrate layers): one per line, "key value" pairs
        return "<br>".join(esc(", ".join(f"{k} {v}" for k, v in item.items()))
                           for item in value)
    if isinstance(value, list | dict):
        return esc(json.dumps(value, separators=(", ", ": ")))
    return esc(value)


def table(records: Sequence[dict[str, Any]], columns: Sequence[tuple[str, str, str]],
          text_columns: Iterable[str] = ()) -> str:
    """A table of ``records``; ``columns`` = (key, heading, unit or '')."""
    text_cols = set(text_columns)

    def th(key: str, head: str, unit: str) -> str:
        cls = ' class="text"' if key in text_cols else ""
        return f"<th{cls}>{esc(head)}" + (f"<br><small>{esc(unit)}</small>" if unit else "") \
            + "</th>"

    def td(key: str, value: Any) -> str:
        if key == "error":
            return f'<td class="error">{esc(value)}</td>'
        cls = ' class="text"' if key in text_cols else ""
        return f"<td{cls}>{number(value)}</td>"

    head = "".join(th(*c) for c in columns)
    body = "".join("<tr>" + "".join(td(c[0], r.get(c[0])) for c in columns) + "</tr>"
                   for r in records)
    return f'<div class="scroll"><table><thead><tr>{head}</tr></thead>' \
           f"<tbody>{body}</tbody></table></div>"


def key_values(title: str, items: Sequence[tuple[str, Any, bool]]) -> str:
    """A two-column table of (name, value, is an assumption) under ``title``."""
    rows = "".join(
        f"<tr><td>{esc(k)}{'<span class=tag>assumption</span>' if assumed else ''}</td>"
        f"<td>{number(v)}</td></tr>" for k, v, assumed in items)
    return f"<div><h3>{esc(title)}</h3><table><tbody>{rows}</tbody></table></div>"


def image(path: Path, alt: str) -> str:
    data = base64.b64encode(path.read_bytes()).decode()
    return f'<img src="data:image/png;base64,{data}" alt="{esc(alt)}">'


def figure(path: Path, name: str, caption: str) -> str:
    return f"<figure>{image(path, name)}<figcaption>{esc(caption)}</figcaption></figure>"


def page(title: str, body: Sequence[str]) -> str:
    return ("<!doctype html><html lang='en'><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width, initial-scale=1'>"
            f"<title>{esc(title)}</title><style>{CSS}</style></head><body>\n"
            + "\n".join(body) + "\n</body></html>\n")
