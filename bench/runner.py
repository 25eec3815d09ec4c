"""The generic benchmark loop: for each image, for each method, time the run and score the output.

Only `Method.run` is timed (time.perf_counter); copying the inputs and computing the metrics are not.
A method that raises ValueError (a user-level refusal, e.g. "needs a colour image") gets a record
with an "error" field and the run goes on. Any other exception is a bug in the method: it is
recorded the same way, its traceback goes to `log`, and it is counted in `BenchResult.crashes`.
"""
from __future__ import annotations

import inspect
import statistics
import time
import traceback
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from bench.inputs import BenchImage
from bench.tasks import Case, Degradation
from core.registry import Method, Output

Metrics = dict[str, Callable[[np.ndarray, np.ndarray], float]]


@dataclass
class BenchResult:
    records: list[dict[str, Any]]
    crashes: int = 0


def _record(case: Case, task: str, method: str, params: dict, scores: dict, seconds: float | None,
            error: str | None = None) -> dict[str, Any]:
    record = {"image": case.image, "task": task, "method": method, "params": params, **scores,
              "seconds": seconds}
    if error is not None:
        record["error"] = error
    return record


def _score(metrics: Metrics, reference: np.ndarray, estimate: np.ndarray, inputs: tuple = (),
           output: Output | None = None) -> dict[str, float]:
    """A metric that takes a keyword `inputs` also gets the method's inputs (e.g. an inpainting mask);
    one that takes `output` gets the method's whole Output (None for the degraded row), e.g. to score
    an estimated transform in its extras."""
    return {name: float(metric(reference, estimate, **_extra(metric, inputs=inputs, output=output)))
            for name, metric in metrics.items()}


def _extra(metric: Callable, **available) -> dict:
    try:
        wanted = inspect.signature(metric).parameters
    except (TypeError, ValueError):  # some builtins have no signature
        return {}
    return {name: value for name, value in available.items() if name in wanted}


def _fresh(inputs: tuple) -> tuple:
    """A private copy of the inputs for each run, so a method that writes into them cannot
    change what the next method receives."""
    return tuple(np.array(x, copy=True) if isinstance(x, np.ndarray) else x for x in inputs)


def run_method(case: Case, method: Method, params: dict, repeat: int, metrics: Metrics,
               log: Callable[[str], None]) -> tuple[dict[str, Any], bool]:
    """Run one method on one case `repeat` times. Returns (record, crashed)."""
    resolved = method.resolve(params)
    times = []
    try:
        given = case.inputs_for(method)
    except ValueError as exc:  # an input this method needs was not given (e.g. no --rect for GrabCut)
        log(f"skip {case.image} · {method.key}: {exc}")
        return _record(case, method.task.name, method.key, resolved, dict.fromkeys(metrics), None,
                       error=f"skipped: {exc}"), False
    try:
        for _ in range(repeat):
            inputs = _fresh(given)
            start = time.perf_counter()
            output = method.run(*inputs, params=resolved)
            times.append(time.perf_counter() - start)
        scores = _score(metrics, case.reference, output.image, case.inputs, output)
    except ValueError as exc:
        return _record(case, method.task.name, method.key, resolved, dict.fromkeys(metrics), None,
                       error=str(exc) or type(exc).__name__), False
    except Exception as exc:  # a bug in the method: report it, keep benchmarking the others
        log(f"{case.image} · {method.key} crashed:\n{traceback.format_exc().rstrip()}")
        return _record(case, method.task.name, method.key, resolved, dict.fromkeys(metrics), None,
                       error=f"internal error: {type(exc).__name__}: {exc}"), True
    return _record(case, method.task.name, method.key, resolved, scores, statistics.median(times)), False


def run(images: list[BenchImage], degradation: Degradation, methods: list[Method], *, task: str,
        params: dict[str, dict], repeats: dict[str, int], metrics: Metrics,
        log: Callable[[str], None] = lambda message: None) -> BenchResult:
    """Benchmark `methods` of `task` on every image, degraded one at a time (so only one image's
    inputs are in memory). `params` and `repeats` are keyed by method key."""
    result = BenchResult([])
    for index, item in enumerate(images, 1):
        case = degradation.case(item.name, item.image)
        if case.degraded is not None:
            try:
                baseline = _record(case, task, "degraded", dict(case.settings),
                                   _score(metrics, case.reference, case.degraded, case.inputs), 0.0)
            except ValueError as exc:  # e.g. an image too small for SSIM
                baseline = _record(case, task, "degraded", dict(case.settings), dict.fromkeys(metrics),
                                   None, error=str(exc))
            result.records.append(baseline)
        for method in methods:
            log(f"[{index}/{len(images)}] {case.image} · {method.key}")
            record, crashed = run_method(case, method, params.get(method.key, {}), repeats[method.key],
                                         metrics, log)
            result.records.append(record)
            result.crashes += crashed
    return result
