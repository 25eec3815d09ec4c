"""Pick methods of a task, tune them in expanders, run them through the cached runner.

A lighter cousin of `ui.compare.compare_methods` for tasks whose results are not images to be
scored by PSNR (skin maps, video masks, outlier scores, label maps): the caller shows the results.
Given a `Kit`, every successful run is recorded in the session history, and History and Export
expanders (result PNGs, metrics CSV, a Python snippet) follow the sweep.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Callable

import streamlit as st

from core.registry import Method, Task
from ui.compare import pick_methods
from ui.export import export_panel
from ui.history import history_panel, record
from ui.params import param_widgets
from ui.runner import RunResult, inputs_digest, run_method
from ui.sweep import sweep_panel


@dataclass(frozen=True)
class Kit:
    """What History and Export need to know about a section's runs.

    `recipe`: Python that rebuilds the inputs with core; `inputs`: their names in the snippet;
    `imports`: the snippet's imports; `score_line`: Python printing the scores of `result` ("" for none);
    `columns`: (metric, title, format) for the history and the CSV; `derived(result)`: extra metrics read
    from a run (e.g. from its extras), merged into `result.metrics`; `png(result)`: a result's PNG bytes;
    `files`: extra downloads (label, bytes, file name), e.g. strokes the recipe loads."""
    recipe: str
    inputs: tuple[str, ...]
    imports: str
    columns: tuple[tuple[str, str, str], ...]
    score_line: str = ""
    derived: Callable[[RunResult], dict] | None = None
    png: Callable[[RunResult], bytes] | None = None
    files: tuple[tuple[str, bytes, str], ...] = field(default_factory=tuple)


def tune(methods: list[Method], *, columns: int = 4) -> dict[str, dict[str, Any]]:
    """One expander of widgets per method; returns {method key: params}."""
    values: dict[str, dict[str, Any]] = {}
    if not methods:
        return values
    cells = st.columns(min(columns, len(methods)))
    for i, method in enumerate(methods):
        with cells[i % len(cells)].expander(method.label + (" (slow)" if method.slow else ""),
                                            icon=":material/tune:"):
            if method.summary:
                st.caption(method.summary)
            values[method.key] = param_widgets(method) if method.params else {}
    return values


def pick_and_run(task: Task, inputs: tuple, *, defaults: list[str], key: str, label: str = "Methods to compare",
                 reference=None, metrics=None, scores: tuple[str, ...] = (), kit: Kit | None = None
                 ) -> list[RunResult]:
    """Method picker, parameter expanders, and the cached runs (errors come back in each result).

    With a `reference` and a `metrics(reference, result)` function, each run is scored and a sweep of
    any parameter against the two `scores` is offered in an expander. With a `kit`, runs are recorded
    and History and Export expanders follow (see `Kit`)."""
    methods = pick_methods(task, defaults, key=f"{key}.methods")
    if not methods:
        st.info(f"Choose at least one method ({label.lower()}).")
        return []
    params = tune(methods)
    results = [run_method(m, inputs, params[m.key], reference=reference, metrics=metrics) for m in methods]
    if reference is not None and metrics is not None and scores:
        with st.expander("Sweep a parameter", icon=":material/tune:"):
            sweep_panel(methods, inputs, reference=reference, current=params, key=f"{key}.sweep",
                        methods_key=f"{key}.methods", scores=scores, metrics=metrics)
    if kit is not None:
        results = [with_derived(r, kit.derived) for r in results]
        history_and_export(task, results, inputs, kit, key=key)
    return results


def with_derived(result: RunResult, derived: Callable[[RunResult], dict] | None) -> RunResult:
    """The run with the kit's derived metrics added (a copy: cached results are never changed)."""
    if derived is None or not result.ok:
        return result
    return dataclasses.replace(result, metrics={**result.metrics, **derived(result)})


def metric_rows(results: list[RunResult], columns: tuple[tuple[str, str, str], ...]) -> list[dict]:
    return [dict(method=r.method.label, **{title: r.metrics.get(name) for name, title, _ in columns},
                 seconds=r.seconds if r.ok else None, params=str(r.params), error=r.error or "") for r in results]


def history_and_export(task: Task, results: list[RunResult], inputs: tuple, kit: Kit, *, key: str) -> None:
    """Record the successful runs, then the History and Export expanders."""
    input_digest = inputs_digest(inputs)
    for result in results:
        record(task.name, result, input_digest=input_digest, recipe=kit.recipe)
    with st.expander("History", icon=":material/history:"):
        history_panel(task.name, input_digest=input_digest, methods_key=f"{key}.methods", key=f"{key}.history",
                      columns=kit.columns)
    with st.expander("Export", icon=":material/download:"):
        for i, (label, data, name) in enumerate(kit.files):
            st.download_button(label, data, file_name=name, key=f"{key}.export.file{i}", icon=":material/draft:")
        export_panel(task.name, results, metric_rows(results, kit.columns), kit.recipe, inputs=kit.inputs,
                     has_reference=bool(kit.score_line), key=f"{key}.export", png=kit.png, imports=kit.imports,
                     score_line=kit.score_line)


def successes(results: list[RunResult]) -> list[RunResult]:
    """Show each failed run's message in an error box; return the runs that worked."""
    for result in results:
        if not result.ok:
            st.error(f"**{result.method.label}**: {result.error}")
    return [r for r in results if r.ok]
