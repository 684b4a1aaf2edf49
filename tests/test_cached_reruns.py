"""An unchanged rerun does no work it did before: cached tasks are answered without starting
workers, and the layout files come from the cache instead of being rebuilt."""

from __future__ import annotations

import paradisk.outputs as outputs
from paradisk.executors import map_tasks
from paradisk.layout_cache import write_layout_cached
from paradisk.spec import spec_from_dict
from tests.test_pipeline_run import small_spec_data


def _never(*_a):
    raise AssertionError("a cached task was run")


def test_all_cached_tasks_start_no_worker(monkeypatch):
    import paradisk.executors as executors

    monkeypatch.setattr(executors, "_run_pool", _never)  # a pool would fail the test
    seen = []
    out = map_tasks(_never, [(1,), (2,), (3,)], workers=2, cached=lambda x: {"hit": x},
                    on_done=lambda i, v: seen.append((i, v["hit"])))
    assert out == [{"hit": 1}, {"hit": 2}, {"hit": 3}]
    assert sorted(seen) == [(0, 1), (1, 2), (2, 3)]


def test_only_the_missing_tasks_run_and_keep_their_places():
    seen = []
    out = map_tasks(lambda x: {"ran": x}, [(1,), (2,), (3,), (4,)], workers=1,
                    cached=lambda x: {"hit": x} if x % 2 else None,
                    on_done=lambda i, v: seen.append(i))
    assert out == [{"hit": 1}, {"ran": 2}, {"hit": 3}, {"ran": 4}]
    assert sorted(seen) == [0, 1, 2, 3]


def test_layout_files_come_from_the_cache_on_a_rerun(tmp_path, monkeypatch):
    # a stand-in for the layout build (gdsfactory takes seconds to import): files whose bytes
    # depend on the spec, and a count of the builds
    builds = []

    def fake_build(spec, out, oas=False):
        builds.append(spec.name)
        out.mkdir(parents=True, exist_ok=True)
        (out / "layout.gds").write_bytes(spec.spec_hash().encode() + bytes(range(256)))
        (out / "preview.png").write_bytes(b"\x89PNG" + spec.name.encode())
        return None, {"gds": out / "layout.gds", "png": out / "preview.png"}

    monkeypatch.setattr(outputs, "write_spec_layout", fake_build)
    spec = spec_from_dict(small_spec_data())
    first = write_layout_cached(spec, tmp_path / "a", tmp_path / "cache")
    second = write_layout_cached(spec, tmp_path / "b", tmp_path / "cache")
    assert builds == ["small"]  # the rerun copied, not built
    assert set(second) == set(first) == {"gds", "png"}
    for name, path in first.items():
        assert second[name] == tmp_path / "b" / path.name
        assert second[name].read_bytes() == path.read_bytes()
    # another spec is another layout: built, not copied; no cache: always built
    write_layout_cached(spec_from_dict(small_spec_data(diameters=(12.0,))), tmp_path / "c",
                        tmp_path / "cache")
    write_layout_cached(spec, tmp_path / "d", None)
    assert builds == ["small"] * 3
