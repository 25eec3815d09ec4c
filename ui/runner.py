"""The cached runner: every call into a registered method goes through here, and is scored there by its
task's `score(truth, output, inputs)` (core.tasks.protocol), so a cache hit brings its scores with it.

Streamlit hashes big arrays from a sample of their elements, so two images that differ by a brush stroke
could share a cache entry. We key on an explicit content digest instead and pass the arrays themselves as
unhashed (`_`-prefixed) arguments.
"""
from __future__ import annotations

import contextvars
import json
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import streamlit as st
from streamlit.runtime import Runtime
from streamlit.runtime.scriptrunner import get_script_run_ctx

from core.image import digest
from core.registry import Method, Output
from core import worker
from core.caching import bounded
from core.jobs import HEAVY
from core.threads import app_threads, limit_threads

THREADS = app_threads()


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


@bounded(max_mb=192)  # the default views (warm-up) take about 140 MB of it
def _cached_run(task: str, key: str, params_json: str, input_digest: str, truth_key: str,
                _method: Method, _inputs: tuple, _truth, _progress, _queue=None):
    """Returns (output, seconds, error, scores); the scores are cached with the result. `_queue`: (owner, on_wait)
    for a slow method, which then waits for a slot of core.jobs.HEAVY (the time shown leaves the wait out)."""
    if _queue is not None:
        with HEAVY.slot(*_queue):
            return _cached_run.__wrapped__(task, key, params_json, input_digest, truth_key, _method, _inputs, _truth,
                                           _progress)
    start = time.perf_counter()
    try:
        if _method.in_worker and worker.enabled():  # timed in the child: the child's start-up is left out
            output, seconds = worker.call("core.worker:run_registered", task, key, tuple(_inputs),
                                          json.loads(params_json),
                                          progress=_progress if _method.accepts_progress else None)
        else:
            output = _method.run(*_inputs, params=json.loads(params_json), progress=_progress)
            seconds = time.perf_counter() - start
    except ValueError as exc:  # worker.WorkerGone included
        return None, time.perf_counter() - start, str(exc), {}
    except MemoryError:
        return None, time.perf_counter() - start, "Out of memory: lower the working size and try again.", {}
    try:
        scores = _method.task.score(_truth, output, dict(zip(_method.input_names, _inputs)))
    except ValueError:  # a result that can't be scored (another size than the truth, ...) is still shown
        scores = {}
    return output, seconds, None, scores


def inputs_digest(inputs: tuple | list) -> str:
    """Content digest of a method's inputs; an input may be a list of arrays of different shapes (the images
    to stitch, digested one by one), a number, a tuple of numbers (a rectangle) or None."""
    flat: list = []
    for x in inputs:
        if isinstance(x, (list, tuple)):
            flat.append(np.asarray(len(x)))
            flat.extend(np.asarray(item) for item in x)
        else:
            flat.append(None if x is None else np.asarray(x))
    return digest(*flat)


def truth_key(truth: Any) -> str:
    """A content key for a truth of any kind (an array, a known transform, a dict of shifts)."""
    from ui.memo import Unkeyed, fingerprint

    try:
        return fingerprint(truth)
    except Unkeyed:
        return f"object:{id(truth)}"


class SessionLeft(Exception):
    """The visitor's browser is gone: their queued job is dropped."""


def _heavy_queue(method: Method, holder) -> tuple:
    """(owner, on_wait) for core.jobs.HEAVY: the owner is the visitor's session; while the job waits, the page
    says so, and a session that has left (or asked for another run meanwhile) gives its place up."""
    ctx = get_script_run_ctx()
    owner = ctx.session_id if ctx is not None else "bare"
    context = contextvars.copy_context()

    def on_wait(ahead: int) -> None:
        runtime = Runtime.instance() if Runtime.exists() else None
        if ctx is not None and runtime is not None and not runtime.is_active_session(ctx.session_id):
            raise SessionLeft(owner)
        if holder is not None:  # an update is also where Streamlit stops a run that is no longer wanted
            context.run(holder.progress, 0.0, text=f"{method.label}: busy, queued behind {ahead} heavy "
                                                   f"job{'s' if ahead != 1 else ''} of this server…")

    return owner, on_wait


def run_method(method: Method, inputs: tuple, params: dict[str, Any], *, truth: Any = None,
               show_progress: bool | None = None, digests: tuple[str, str] | None = None) -> RunResult:
    """Run a method through the cache and score it against `truth`; errors become a message, never an
    exception. `digests`: (inputs_digest(inputs), truth_key(truth)) when the caller has them already."""
    try:
        resolved = method.resolve(params)
    except (KeyError, ValueError) as exc:
        return RunResult(method, dict(params), None, 0.0, str(exc))
    why = method.unavailable() if method.unavailable else None
    if why:  # files fetched on demand are missing: said, and never cached (they may arrive in a minute)
        return RunResult(method, resolved, None, 0.0, why)
    limit_threads(THREADS)  # again after a method's first run imported its libraries
    input_digest, truth_digest = digests or (inputs_digest(inputs), truth_key(truth))
    show_progress = method.slow if show_progress is None else show_progress
    holder = st.empty() if show_progress else None
    progress = None
    if holder is not None:
        bar = holder.progress(0.0, text=f"{method.label}: running…")
        context = contextvars.copy_context()  # outside the cached call, so updates aren't replayed

        def progress(fraction: float, message: str = "") -> None:
            text = f"{method.label}: {message}" if message else f"{method.label}: running…"
            context.run(bar.progress, float(min(max(fraction, 0.0), 1.0)), text=text)
    queue = _heavy_queue(method, holder) if method.slow else None
    try:
        output, seconds, error, scores = _cached_run(method.task.name, method.key, params_key(resolved), input_digest,
                                                     truth_digest, method, tuple(inputs), truth, progress, queue)
    except SessionLeft:
        output, seconds, scores, error = None, 0.0, {}, "Cancelled: this session ended while the job was queued."
    except Exception as exc:  # a bug in a method must not take the page down
        output, seconds, scores = None, 0.0, {}
        error = f"{method.label} failed unexpectedly: {type(exc).__name__}: {exc}"
    finally:
        if holder is not None:
            holder.empty()
    return RunResult(method, resolved, output, seconds, error, scores)
