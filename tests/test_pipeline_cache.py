"""Cache keys, atomic entries and the executors (inline, process pool, Dask LocalCluster)."""

from __future__ import annotations

import operator

import pytest

from paradisk.cache import Cache, code_version, make_key
from paradisk.executors import map_tasks


def test_keys_depend_on_exactly_their_inputs():
    a = make_key("modes", "v1", {"x": 1.0, "y": [1, 2]})
    assert a == make_key("modes", "v1", {"y": [1, 2], "x": 1.0})  # order-free
    assert a != make_key("modes", "v2", {"x": 1.0, "y": [1, 2]})
    assert a != make_key("lasing", "v1", {"x": 1.0, "y": [1, 2]})
    assert a != make_key("modes", "v1", {"x": 1.0000001, "y": [1, 2]})


def test_code_version_is_per_package():
    assert code_version("gain") != code_version("solvers", "geometry")
    assert code_version("solvers", "geometry") == code_version("geometry", "solvers")
    with pytest.raises(ValueError, match="no package"):
        code_version("nonexistent_pkg")


def test_cache_round_trip_and_damage(tmp_path):
    cache = Cache(tmp_path)
    key = make_key("modes", "v", {"a": 1})
    assert cache.get("modes", key) is None
    cache.put("modes", key, {"modes": [{"Q": float("inf")}]}, {"a": 1})
    assert cache.get("modes", key) == {"modes": [{"Q": float("inf")}]}
    assert list(cache.keys("modes")) == [key]
    # no temporary files are left next to the entry
    assert [p.name for p in cache.path("modes", key).parent.iterdir()] == [f"{key}.json"]
    # a damaged entry (not written by us) is dropped and recomputed, never returned
    cache.path("modes", key).write_text('{"result": ')
    assert cache.get("modes", key) is None
    off = Cache(tmp_path / "off", enabled=False)
    off.put("modes", key, {"x": 1})
    assert off.get("modes", key) is None and not (tmp_path / "off").exists()


@pytest.mark.parametrize("workers", [1, 2])
def test_local_executors_keep_order(workers):
    seen = []
    args = [(2, k) for k in range(6)]
    out = map_tasks(operator.pow, args, workers=workers, on_done=lambda i, r: seen.append(i))
    assert out == [2**k for k in range(6)]
    assert sorted(seen) == list(range(6))


def test_dask_local_cluster_executor():
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster:
        out = map_tasks(operator.pow, [(3, k) for k in range(5)],
                        scheduler=cluster.scheduler_address)
    assert out == [3**k for k in range(5)]
