"""The byte-bounded caches: least recently used entries go first, old ones expire, a value computed for one
session is waited for (not recomputed) by another, shared arrays are read-only, and what only visitors who have
left were using is released."""
import threading
import time

import numpy as np
import pytest

from core import caching
from core.caching import BoundedCache, approx_bytes, bounded


def test_entries_are_dropped_by_bytes_least_recently_used_first():
    cache = BoundedCache("test", max_bytes=3 * 2 ** 20 + 2048, max_age=None)  # room for three 1 MB arrays
    for name in "abc":
        cache.get(name, lambda: np.zeros(2 ** 18, np.float32))  # 1 MB each
    cache.get("a", lambda: pytest.fail("a is cached"))  # a becomes the most recently used
    cache.get("d", lambda: np.zeros(2 ** 18, np.float32))
    assert len(cache) == 3 and cache.bytes <= cache.max_bytes
    computed = []
    cache.get("b", lambda: computed.append("b") or np.zeros(1))  # b was the least recently used: gone
    assert computed == ["b"]
    cache.get("a", lambda: pytest.fail("a is still cached"))


def test_a_value_larger_than_the_budget_is_returned_but_not_kept():
    cache = BoundedCache("test", max_bytes=1024, max_age=None)
    value = cache.get("big", lambda: np.zeros(10_000))
    assert value.shape == (10_000,) and len(cache) == 0 and cache.bytes == 0


def test_old_entries_expire():
    cache = BoundedCache("test", max_bytes=2 ** 20, max_age=0.05)
    cache.get("x", lambda: 1)
    time.sleep(0.1)
    computed = []
    cache.get("x", lambda: computed.append(1) or 2)
    assert computed == [1]


@pytest.fixture
def visitor():
    """Who asks the caches: set `visitor.id` (None = the process itself)."""
    class Current:
        id = None
    caching.set_owner_lookup(lambda: Current.id)
    yield Current
    caching.set_owner_lookup(lambda: None)


def test_entries_only_departed_visitors_used_are_released(visitor):
    cache = BoundedCache("test", max_bytes=2 ** 24, max_age=None)
    megabyte = lambda: np.zeros(2 ** 18, np.float32)  # noqa: E731
    visitor.id = None
    cache.get("default view", megabyte)  # the process (warm-up): kept
    visitor.id = "a"
    cache.get("a's setting", megabyte)
    cache.get("shared", megabyte)
    cache.get("default view", lambda: pytest.fail("cached"))
    visitor.id = "b"
    cache.get("shared", lambda: pytest.fail("cached"))
    freed = cache.release(lambda session: session == "b")  # a left, b is still here
    assert freed >= 2 ** 20 and len(cache) == 2 and cache.bytes < 2.1 * 2 ** 20
    cache.get("shared", lambda: pytest.fail("b still uses it"))
    cache.release(lambda session: False)  # everybody left
    assert len(cache) == 1
    cache.get("default view", lambda: pytest.fail("the process's entries stay"))


def test_visitors_churn_evicts_their_own_entries_before_the_default_views(visitor):
    cache = BoundedCache("test", max_bytes=3 * 2 ** 20 + 2048, max_age=None)  # room for three 1 MB arrays
    megabyte = lambda: np.zeros(2 ** 18, np.float32)  # noqa: E731
    visitor.id = None
    cache.get("default view 1", megabyte)  # the warm-up's, least recently used of all
    cache.get("default view 2", megabyte)
    visitor.id = "a"
    for setting in range(5):  # a visitor nudging a slider: a new result every time
        cache.get(f"a's setting {setting}", megabyte)
    assert len(cache) == 3 and cache.bytes <= cache.max_bytes
    cache.get("default view 1", lambda: pytest.fail("the default views stayed"))
    cache.get("default view 2", lambda: pytest.fail("the default views stayed"))
    cache.get("a's setting 4", lambda: pytest.fail("the visitor's latest result stayed"))
    visitor.id = None
    for view in range(3, 6):  # more default views than their share: the oldest of them go after all
        cache.get(f"default view {view}", megabyte)
    assert list(cache._entries) == ["a's setting 4", "default view 4", "default view 5"]  # a keeps some room


def test_expire_all_drops_stale_entries_of_every_cache():
    cached = bounded(max_mb=4, max_age_minutes=0.001)(lambda n: np.zeros(n))
    cached(1000)
    time.sleep(0.1)
    assert caching.expire_all() >= 8000 and len(cached.cache) == 0
    caching.CACHES.remove(cached.cache)


def test_concurrent_requests_for_one_key_compute_it_once():
    cache = BoundedCache("test", max_bytes=2 ** 20, max_age=None)
    calls, results = [], []

    def slow():
        calls.append(1)
        time.sleep(0.2)
        return np.arange(3)

    threads = [threading.Thread(target=lambda: results.append(cache.get("k", slow))) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 1 and len(results) == 4 and all(r is results[0] for r in results)


def test_the_decorator_keys_on_the_named_arguments_only_and_freezes_arrays():
    seen = []

    @bounded(max_mb=1)
    def double(key: str, _array: np.ndarray):
        seen.append(key)
        return {"out": _array * 2}

    first = double("a", np.ones(4))
    again = double("a", np.zeros(4))  # "_array" is not part of the key: the cached value comes back
    assert first is again and seen == ["a"]
    with pytest.raises(ValueError, match="read-only"):
        first["out"][0] = 5
    double.clear()
    double("a", np.ones(4))
    assert seen == ["a", "a"]


def test_sizes_of_arrays_containers_and_figures():
    import plotly.graph_objects as go

    array = np.zeros((100, 100), np.float32)
    assert approx_bytes(array) >= 40_000
    assert approx_bytes({"a": array, "b": [array, array]}) >= 120_000
    figure = go.Figure(go.Heatmap(z=np.zeros((200, 200))))
    assert approx_bytes(figure) >= 200 * 200 * 8 * 0.9


def test_each_thread_counts_the_values_it_computed():
    cache = BoundedCache("test", max_bytes=2 ** 20, max_age=None)
    before = caching.computed_on_this_thread()
    cache.get("a", lambda: 1)
    cache.get("a", lambda: pytest.fail("cached"))
    cache.get("b", lambda: 2)
    counts = []
    other = threading.Thread(target=lambda: (cache.get("c", lambda: 3),
                                             counts.append(caching.computed_on_this_thread())))
    other.start()
    other.join()
    assert caching.computed_on_this_thread() - before == 2 and counts == [1]
