"""Process-wide caches bounded by memory (bytes), by age and, where values can't be measured (networks), by count.
No Streamlit here: the app's runner, figures and decodes use `bounded`, core keeps trained networks in a
`BoundedCache`.

Streamlit's `st.cache_data` bounds a cache by its number of entries: 96 results of 3 MB each is 290 MB, and every
session's distinct uploads fill it. Here each cache has a byte budget (values are measured: arrays, bytes, plotly
figures, containers of them), its least recently used entries go first, entries older than `max_age` are dropped,
and a value being computed for one session is waited for by the others instead of computed again.

    @bounded(max_mb=64)
    def _decoded(data_digest: str, max_side: int, _data: bytes): ...

As with `st.cache_data`, arguments whose names start with "_" are not part of the key. Cached values are shared
between sessions, not copied: their arrays are made read-only.
"""
from __future__ import annotations

import dataclasses
import functools
import inspect
import sys
import threading
import time
from collections import OrderedDict
from typing import Any, Callable

import numpy as np

CACHES: list["BoundedCache"] = []
_computed = threading.local()  # values this thread computed (cache misses), for the app's run log


def computed_on_this_thread() -> int:
    """How many cached values this thread has computed so far (a script run's misses are the difference)."""
    return getattr(_computed, "count", 0)
TRIM_EVERY = 32 * 2 ** 20  # after this many bytes evicted, ask the C allocator to hand free memory back


def _libc():
    try:
        import ctypes

        return ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc (macOS, musl): nothing to trim
        return None


_LIBC = _libc()
_evicted = 0


def _evicted_bytes(count: int) -> None:
    """Evicted arrays go back to the allocator, which keeps much of it; `malloc_trim` returns it to the OS, so
    the server's RSS comes down when caches shrink (glibc only)."""
    global _evicted
    _evicted += count
    if _evicted >= TRIM_EVERY and _LIBC is not None:
        _evicted = 0
        _LIBC.malloc_trim(0)


def approx_bytes(value: Any, _depth: int = 0) -> int:
    """About how much memory a cached value holds (arrays, bytes, strings, figures and containers of them)."""
    if _depth > 6:
        return 64
    if isinstance(value, np.ndarray):
        return int(value.nbytes) + 112
    if isinstance(value, (bytes, bytearray, str)):
        return len(value) + 49
    if isinstance(value, (int, float, bool, type(None), np.generic)):
        return 32
    if isinstance(value, dict):
        return 64 + sum(approx_bytes(k, _depth + 1) + approx_bytes(v, _depth + 1) for k, v in value.items())
    if isinstance(value, (list, tuple, set, frozenset)):
        items = list(value)
        if len(items) > 256:  # long lists of numbers: measure a sample
            sample = items[:: max(1, len(items) // 64)]
            return 64 + int(sum(approx_bytes(v, _depth + 1) for v in sample) * len(items) / len(sample))
        return 64 + sum(approx_bytes(v, _depth + 1) for v in items)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return 64 + sum(approx_bytes(getattr(value, f.name), _depth + 1) for f in dataclasses.fields(value))
    figure = getattr(value, "_data", None), getattr(value, "_layout", None)
    if figure[0] is not None and type(value).__module__.startswith("plotly"):
        return approx_bytes(list(figure[0]), _depth + 1) + approx_bytes(figure[1], _depth + 1)
    return sys.getsizeof(value)


def freeze(value: Any, _depth: int = 0) -> Any:
    """Make the arrays of a shared value read-only (a caller writing into one would corrupt every later hit)."""
    if _depth > 4:
        return value
    if isinstance(value, np.ndarray):
        value.flags.writeable = False
    elif isinstance(value, dict):
        for item in value.values():
            freeze(item, _depth + 1)
    elif isinstance(value, (list, tuple)):
        for item in value:
            freeze(item, _depth + 1)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            freeze(getattr(value, f.name), _depth + 1)
    return value


PINNED_SHARE = 0.75  # of a cache's bytes that the process's own entries may keep against visitors' churn
OwnerLookup = Callable[[], "str | None"]
_owner: list[OwnerLookup] = [lambda: None]


def set_owner_lookup(lookup: OwnerLookup) -> None:
    """Tell the caches who is asking: `lookup()` gives the current visitor's id (the app passes its session id),
    or None for the process itself (start-up, warm-up, scripts, tests), whose entries are kept."""
    _owner[0] = lookup


class BoundedCache:
    """An LRU map bounded by bytes and age, safe across the server's session threads. Each entry remembers who
    used it: None (the process: kept until age pushes it out, or bytes when no visitor's entry is left to evict)
    or the ids of the visitors who did, so that `release` can drop what only visitors who have left were
    using."""

    def __init__(self, name: str, max_bytes: int, max_age: float | None, max_entries: int | None = None):
        self.name, self.max_bytes, self.max_age, self.max_entries = name, max_bytes, max_age, max_entries
        # key -> (value, bytes, last used, owners: None = the process, else a set of visitor ids)
        self._entries: OrderedDict[Any, tuple[Any, int, float, set | None]] = OrderedDict()
        self._pending: dict[Any, threading.Event] = {}
        self._lock = threading.Lock()
        self.bytes = 0
        self.hits = self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.bytes = 0

    def _drop(self, key) -> int:
        size = self._entries.pop(key)[1]
        self.bytes -= size
        _evicted_bytes(size)
        return size

    def _expire(self, now: float) -> int:
        freed = 0
        if self.max_age is None:
            return freed
        while self._entries:
            key, (_, _, used, _) = next(iter(self._entries.items()))
            if now - used <= self.max_age:
                break
            freed += self._drop(key)
        return freed

    def expire(self) -> int:
        """Drop entries unused for longer than the age limit; returns the bytes freed."""
        with self._lock:
            return self._expire(time.monotonic())

    def release(self, alive: Callable[[str], bool]) -> int:
        """Drop the entries that only visitors who have left (not `alive(id)`) used; returns the bytes freed."""
        with self._lock:
            gone = [key for key, (_, _, _, owners) in self._entries.items()
                    if owners is not None and not any(alive(owner) for owner in owners)]
            return sum(self._drop(key) for key in gone)

    @staticmethod
    def _owners(owners: set | None, owner: str | None) -> set | None:
        if owners is None or owner is None:
            return None
        return owners | {owner}

    def get(self, key, compute: Callable[[], Any]) -> Any:
        owner = _owner[0]()
        while True:
            with self._lock:
                now = time.monotonic()
                self._expire(now)
                if key in self._entries:
                    value, size, _, owners = self._entries[key]
                    self._entries[key] = (value, size, now, self._owners(owners, owner))
                    self._entries.move_to_end(key)
                    self.hits += 1
                    return value
                waiting = self._pending.get(key)
                if waiting is None:
                    self._pending[key] = threading.Event()
                    break
            waiting.wait()  # another session is computing this value: use theirs
        _computed.count = computed_on_this_thread() + 1
        try:
            value = freeze(compute())
        except BaseException:
            with self._lock:
                self._pending.pop(key).set()
            raise
        with self._lock:
            self.misses += 1
            self._pending.pop(key).set()
            self._store(key, value, owner)
        return value

    def put(self, key, value) -> None:
        """Keep a value made elsewhere (a network trained in a background job)."""
        owner = _owner[0]()
        with self._lock:
            self._store(key, freeze(value), owner)

    def _store(self, key, value, owner: str | None) -> None:
        size = approx_bytes(value)
        if size > self.max_bytes:
            return
        owners = None if owner is None else {owner}
        if key in self._entries:
            owners = self._owners(self._entries[key][3], owner)
            self.bytes -= self._entries.pop(key)[1]
        self._entries[key] = (value, size, time.monotonic(), owners)
        self.bytes += size
        while self.bytes > self.max_bytes or (self.max_entries is not None and len(self._entries) > self.max_entries):
            self._drop(self._victim())

    def _victim(self):
        """The entry to evict: the least recently used one that visitors made, so that one visitor's churn does
        not push every other visitor's default view out; the process's own entries (the default views the
        warm-up computed) only when they hold more than PINNED_SHARE of the budget (visitors keep room for
        their own results) or nothing else is left."""
        pinned = sum(size for _, size, _, owners in self._entries.values() if owners is None)
        evict_pinned = pinned > PINNED_SHARE * self.max_bytes
        for key, (_, _, _, owners) in self._entries.items():
            if (owners is None) == evict_pinned:
                return key
        return next(iter(self._entries))


def expire_all() -> int:
    """Age out every cache's stale entries; returns the bytes freed."""
    return sum(cache.expire() for cache in CACHES)


def release_all(alive: Callable[[str], bool]) -> int:
    """Drop, in every cache, what only visitors who have left were using; returns the bytes freed."""
    return sum(cache.release(alive) for cache in CACHES)


def trim_heap() -> None:
    """Hand the C allocator's free memory back to the OS (glibc only)."""
    if _LIBC is not None:
        _LIBC.malloc_trim(0)


def bounded(*, max_mb: float, max_age_minutes: float | None = 60.0) -> Callable:
    """Cache a function's results within `max_mb` megabytes (and for at most `max_age_minutes`); arguments named
    with a leading "_" are left out of the key, like `st.cache_data`'s."""
    def decorate(function: Callable) -> Callable:
        names = list(inspect.signature(function).parameters)
        cache = BoundedCache(f"{function.__module__}.{function.__qualname__}", int(max_mb * 2 ** 20),
                             None if max_age_minutes is None else 60.0 * max_age_minutes)
        CACHES.append(cache)

        @functools.wraps(function)
        def cached(*args, **kwargs):
            bound = dict(zip(names, args)) | kwargs
            key = tuple((name, repr(value)) for name, value in bound.items() if not name.startswith("_"))
            return cache.get(key, lambda: function(*args, **kwargs))

        cached.cache = cache
        cached.clear = cache.clear
        return cached

    return decorate
