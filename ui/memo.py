"""Values computed once per distinct input and shared across reruns and sessions (display images, tables,
figures): a plain rerun then costs a content digest instead of the computation."""
from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from core.image import digest, to_uint8
from core.registry import Method
from core.caching import bounded


class Unkeyed(Exception):
    """An input with no content key (an object known only by its address): build, don't cache."""


def fingerprint(value) -> str:
    """A content key for inputs: arrays and tables by their digest, containers and dataclasses (a
    RunResult) item by item, methods by their key, plain values by their repr."""
    if isinstance(value, np.ndarray):
        return f"array:{digest(value)}"
    if isinstance(value, (str, int, float, bool, complex, type(None), np.generic)):
        return repr(value)
    if isinstance(value, Method):
        return f"method:{value.task.name}.{value.key}"
    if isinstance(value, pd.DataFrame):
        return f"frame:{list(value.columns)!r}:{digest(pd.util.hash_pandas_object(value).to_numpy())}"
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return f"{type(value).__name__}(" + ",".join(
            f"{f.name}={fingerprint(getattr(value, f.name))}" for f in dataclasses.fields(value)) + ")"
    if isinstance(value, dict):
        return "{" + ",".join(f"{k!r}:{fingerprint(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(fingerprint(v) for v in value) + "]"
    qualname = getattr(value, "__qualname__", "<")
    if callable(value) and "<" not in qualname:  # a module-level function, not a lambda or closure
        return f"function:{value.__module__}.{qualname}"
    raise Unkeyed(type(value).__name__)


@bounded(max_mb=96)  # the default views (warm-up) take about 55 MB of it
def _computed(name: str, key: str, _function, _args: tuple, _kwargs: dict):
    return _function(*_args, **_kwargs)  # shared: its arrays are made read-only


def memo(function, *args, **kwargs):
    """`function(*args, **kwargs)`, computed once per distinct input (arrays count by every pixel). The value
    is shared, not copied, so callers must not modify it. Inputs with no content key are not cached."""
    try:
        key = fingerprint((function, args, kwargs))  # a lambda or closure has no key: it is not cached
    except Unkeyed:
        return function(*args, **kwargs)
    return _computed(f"{function.__module__}.{function.__qualname__}", key, function, args, kwargs)


def _as_picture(function, *args, **kwargs) -> np.ndarray:
    return to_uint8(function(*args, **kwargs))


def memo_picture(function, *args, **kwargs) -> np.ndarray:
    """`memo` for an image that is only shown (an overlay, a colouring): kept as uint8 pixels, a quarter of a
    float32 image's bytes; the screen shows 8 bits anyway."""
    return memo(_as_picture, function, *args, **kwargs)
