"""Reading the text of the CSV files a lab gives (dose series, mode tables, measured lasing,
spectra): UTF-8 with or without a byte-order mark, ``#`` lines as comments.

A file that is not such text (UTF-16 from a spreadsheet, a binary file) gets one ValueError
naming the file and what to do, instead of a decoding traceback or garbled columns.
"""

from __future__ import annotations

import os
from pathlib import Path


def read_csv_text(path: str | os.PathLike[str]) -> str:
    """The text of a CSV file (UTF-8, a BOM allowed); ValueError naming the file otherwise."""
    p = Path(path)
    raw = p.read_bytes()
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise ValueError(f"{p}: UTF-16 text; save it as UTF-8 CSV")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{p}: not UTF-8 text (byte {exc.start}): a CSV file is "
                         "expected") from None
    if "\x00" in text:
        raise ValueError(f"{p}: contains NUL bytes: not a CSV text file")
    return text


def data_lines(text: str, keepends: bool = False) -> list[str]:
    """The lines of ``text`` that hold data: not blank, not a ``#`` comment."""
    return [ln for ln in text.splitlines(keepends=keepends)
            if ln.strip() and not ln.lstrip().startswith("#")]
