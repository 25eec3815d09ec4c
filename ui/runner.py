"""The cached runner: every call into a registered method goes through here.

Streamlit hashes big arrays from a sample of their elements, so two images that differ by a
brush stroke could share a cache entry. We key on an explicit content digest instead and pass
the arrays themselves as unhashed (`_`-prefixed) arguments.
"""
from __future__ import annotations

import contextvars
import json
import math
import time
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import streamlit as st

from core.image import digest
from core.metrics import quality
from core.registry import Method, Output


@dataclass
class RunResult:
    method: Method
    params: dict[str, Any]
    output: Output | None
    seconds: float
    error: str | None = None
    metrics: dict[str, float] = field(default_factory=dict)

    @property
    def image(self) -> np.ndarray | None:
        return None if self.output is None else self.output.image

    @property
    def ok(self) -> bool:
        return self.error is None


def params_key(params: dict[str, Any]) -> str:
    return json.dumps(params, sort_keys=True, default=str)


@st.cache_data(max_entries=96, show_spinner=False)
def _cached_run(task: str, key: str, params_json: str, input_digest: str, reference_digest: str,
                _method: Method, _inputs: tuple, _reference, _progress, metrics_name: str = "", _metrics=None):
    """Returns (output, seconds, error, metrics); the metrics are cached with the result."""
    params = json.loads(params_json)
    start = time.perf_counter()
    try:
        output = _method.run(*_inputs, params=params, progress=_progress)
    except ValueError as exc:
        return None, time.perf_counter() - start, str(exc), {}
    except MemoryError:
        return None, time.perf_counter() - start, "Out of memory: lower the working size and try again.", {}
    seconds = time.perf_counter() - start
    if _method.task.output == "image":  # masks and label maps keep their dtype
        image = np.asarray(output.image, dtype=np.float32)
        if not np.all(np.isfinite(image)):
            return None, seconds, f"{_method.label} produced NaN or infinite values for these settings.", {}
        output.image = image
    if _metrics is not None:  # an injected metrics function (reference, result) -> dict, e.g. IoU/Dice
        # one marked `takes_output = True` gets the whole Output (its extras: keypoints, transform, field)
        return output, seconds, None, _metrics(_reference, output if getattr(_metrics, "takes_output", False)
                                               else output.image)
    metrics = quality(_reference, output.image) if _reference is not None else {}
    return output, seconds, None, metrics


def inputs_digest(inputs: tuple) -> str:
    """Content digest of a method's inputs; an input may also be a list or tuple of arrays of different
    shapes (the images to stitch), digested one by one."""
    flat: list = []
    for x in inputs:
        if isinstance(x, (list, tuple)):
            flat.append(np.asarray(len(x)))
            flat.extend(np.asarray(item) for item in x)
        else:
            flat.append(None if x is None else np.asarray(x))
    return digest(*flat)


def run_method(method: Method, inputs: tuple, params: dict[str, Any], *,
               reference: np.ndarray | None = None, show_progress: bool | None = None,
               metrics: Callable[[np.ndarray | None, np.ndarray], dict] | None = None,
               digests: tuple[str, str] | None = None) -> RunResult:
    """Run a method through the cache; errors become a message, never an exception.
    `metrics(reference, result)` replaces PSNR/SSIM (`core.metrics.quality`) when given; it is part of
    the cache key by its qualified name, so give different metrics different names.
    `digests`: (inputs_digest(inputs), digest(reference)) when the caller has them already."""
    try:
        resolved = method.resolve(params)
    except (KeyError, ValueError) as exc:
        return RunResult(method, dict(params), None, 0.0, str(exc))
    input_digest, reference_digest = digests or (inputs_digest(inputs), digest(reference))
    show_progress = method.slow if show_progress is None else show_progress
    holder = st.empty() if show_progress else None
    progress = None
    if holder is not None:
        bar = holder.progress(0.0, text=f"{method.label}: running…")
        context = contextvars.copy_context()  # outside the cached call, so updates aren't replayed

        def progress(fraction: float, message: str = "") -> None:
            text = f"{method.label}: {message}" if message else f"{method.label}: running…"
            context.run(bar.progress, float(min(max(fraction, 0.0), 1.0)), text=text)
    try:
        output, seconds, error, metrics = _cached_run(
            method.task.name, method.key, params_key(resolved), input_digest, reference_digest,
            method, tuple(inputs), reference, progress,
            "" if metrics is None else f"{metrics.__module__}.{metrics.__qualname__}", metrics)
    except Exception as exc:  # a bug in a method must not take the page down
        output, seconds, metrics = None, 0.0, {}
        error = f"{method.label} failed unexpectedly: {type(exc).__name__}: {exc}"
    finally:
        if holder is not None:
            holder.empty()
    return RunResult(method, resolved, output, seconds, error, metrics)


def format_metric(value: float | None, unit: str = "", digits: int = 2) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, float) and math.isinf(value):
        return "∞" + unit
    return f"{value:.{digits}f}{unit}"
