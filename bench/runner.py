"""The generic benchmark loop: for each case, for each method, time the run and score it with the task's own
`score(truth, output, inputs)`, the one the app uses.

Only `Method.run` is timed (time.perf_counter); copying the inputs and scoring are not. A method that raises
ValueError (a user-level refusal, e.g. "needs a colour image") gets a record with an "error" field and the run
goes on; one whose input is missing (no rectangle for GrabCut) gets a "skipped: ..." record. Any other exception
is a bug in the method: it is recorded the same way, its traceback goes to `log`, and it is counted in
`BenchResult.crashes`.

`run_method` and `baseline_record` are what the command line's engine (`bench.engine`, here or inside a Dask
worker) runs for each case; `run` is the plain loop over them, for callers that need no journal or cluster.
"""
from __future__ import annotations

import statistics
import time
import traceback
from dataclasses import dataclass
from typing import Any, Callable, Iterable

import numpy as np

from bench.cases import Case
from core.registry import Method, Task
from core.tasks.protocol import MissingInput


@dataclass
class BenchResult:
    records: list[dict[str, Any]]
    crashes: int = 0


def _record(case: Case, task: Task, method: str, params: dict, scores: dict, seconds: float | None,
            error: str | None = None) -> dict[str, Any]:
    record = {"image": case.name, "task": task.name, "method": method, "params": params, **scores,
              "seconds": seconds}
    if error is not None:
        record["error"] = error
    return record


def _empty(task: Task, case: Case) -> dict:
    return dict.fromkeys(m.name for m in task.metrics_for(case.truth))


def _fresh(inputs: tuple) -> tuple:
    """A private copy of the inputs for each run, so a method that writes into them cannot change what the
    next method receives (lists of arrays, the images to stitch, included)."""
    def copy(x):
        if isinstance(x, np.ndarray):
            return np.array(x, copy=True)
        if isinstance(x, list):
            return [copy(v) for v in x]
        return x

    return tuple(copy(x) for x in inputs)


def baseline_record(case: Case, task: Task) -> dict | None:
    """The "degraded" row: the task's baseline input returned unchanged, scored like a method."""
    if task.baseline is None:
        return None
    try:
        scores = task.score(case.truth, task.baseline_output(case.inputs), case.inputs)
    except ValueError as exc:  # e.g. an image too small for SSIM
        return _record(case, task, "degraded", dict(case.settings), _empty(task, case), None, error=str(exc))
    return _record(case, task, "degraded", dict(case.settings), scores, 0.0)


def run_method(case: Case, method: Method, params: dict, repeat: int,
               log: Callable[[str], None]) -> tuple[dict[str, Any], bool]:
    """Run one method on one case `repeat` times and score the last output. Returns (record, crashed)."""
    task = method.task
    resolved = method.resolve(params)
    try:
        given = method.arguments(case.inputs)
    except MissingInput as exc:
        log(f"skip {case.name} · {method.key}: {exc}")
        return _record(case, task, method.key, resolved, _empty(task, case), None, error=f"skipped: {exc}"), False
    times = []
    try:
        for _ in range(repeat):
            inputs = _fresh(given)
            start = time.perf_counter()
            output = method.run(*inputs, params=resolved)
            times.append(time.perf_counter() - start)
        scores = task.score(case.truth, output, dict(zip(method.input_names, given)))
        if task.output.record is not None:  # what else of the output a record keeps (the detect task's boxes)
            scores = {**scores, **task.output.record(output)}
    except ValueError as exc:
        return _record(case, task, method.key, resolved, _empty(task, case), None,
                       error=str(exc) or type(exc).__name__), False
    except Exception as exc:  # a bug in the method: report it, keep benchmarking the others
        log(f"{case.name} · {method.key} crashed:\n{traceback.format_exc().rstrip()}")
        return _record(case, task, method.key, resolved, _empty(task, case), None,
                       error=f"internal error: {type(exc).__name__}: {exc}"), True
    return _record(case, task, method.key, resolved, scores, statistics.median(times)), False


def run(cases: Iterable[Case], methods: list[Method], *, task: Task, params: dict[str, dict],
        repeats: dict[str, int], log: Callable[[str], None] = lambda message: None) -> BenchResult:
    """Benchmark `methods` of `task` on every case, made one at a time (so only one case's inputs are in
    memory). `params` and `repeats` are keyed by method key."""
    result = BenchResult([])
    total = len(cases) if hasattr(cases, "__len__") else "?"
    for index, case in enumerate(cases, 1):
        baseline = baseline_record(case, task)
        if baseline is not None:
            result.records.append(baseline)
        for method in methods:
            log(f"[{index}/{total}] {case.name} · {method.key}")
            record, crashed = run_method(case, method, params.get(method.key, {}), repeats[method.key], log)
            result.records.append(record)
            result.crashes += crashed
    return result
