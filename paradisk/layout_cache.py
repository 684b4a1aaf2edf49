"""The run's write pattern, reused from the cache when the spec and the layout code are
unchanged: building a layout imports gdsfactory and KLayout (seconds), copying its files does
not, so an unchanged rerun writes the same files without building anything.

The entry holds the files themselves (layout.gds, job.csv, preview.png, ...), keyed by the
whole spec and the code of ``layouts`` (with the geometry it imports) and of the writing;
arrays whose files exceed ``MAX_CACHED_BYTES`` are rebuilt every run instead of filling the
cache.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

from paradisk.files import atomic_write_bytes

STAGE = "layout_files"
MAX_CACHED_BYTES = 32 * 1024 * 1024


def layout_key(spec: Any) -> str:
    import pkgutil

    import layouts
    from paradisk.cache import code_version, make_key

    modules = [f"layouts.{m.name}" for m in pkgutil.iter_modules(layouts.__path__)]
    return make_key(STAGE, code_version("layouts", *modules, "paradisk.outputs",
                                        "paradisk.layout_cache"),
                    spec.model_dump(mode="json"))


def _check(value: Any) -> str | None:
    files = value.get("files") if isinstance(value, dict) else None
    if not isinstance(files, dict) or not all(
            isinstance(v, list) and len(v) == 2 and all(isinstance(x, str) for x in v)
            for v in files.values()):
        return "not {files: {name: [file name, base64]}}"
    return None


def write_layout_cached(spec: Any, out: Path, cache_dir: Path | None) -> dict[str, Path]:
    """Write the layout files of ``spec`` into ``out`` (as ``paradisk layout``); returns their
    paths by name. Copied from the cache when there, built (and stored) otherwise."""
    from paradisk.outputs import write_spec_layout

    cache = None
    if cache_dir is not None:
        from paradisk.cache import Cache

        cache = Cache(cache_dir)
        key = layout_key(spec)
        hit = cache.get(STAGE, key, _check)
        if hit is not None:
            return {name: atomic_write_bytes(out / fname, base64.b64decode(data))
                    for name, (fname, data) in hit["files"].items()}
    _, written = write_spec_layout(spec, out)
    paths = {name: Path(p) for name, p in written.items()}
    if cache is not None and sum(p.stat().st_size for p in paths.values()) <= MAX_CACHED_BYTES:
        cache.put(STAGE, key, {"files": {
            name: [p.name, base64.b64encode(p.read_bytes()).decode()]
            for name, p in paths.items()}})
    return paths
