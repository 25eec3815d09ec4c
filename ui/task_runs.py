"""Pick methods of a task, tune them in expanders, run them through the cached runner.

A lighter cousin of `ui.compare.compare_methods` for tasks whose results are not images to be
scored by PSNR (skin maps, video masks, outlier scores, label maps): the caller shows the results.
"""
from __future__ import annotations

from typing import Any

import streamlit as st

from core.registry import Method, Task
from ui.compare import pick_methods
from ui.params import param_widgets
from ui.runner import RunResult, run_method
from ui.sweep import sweep_panel


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
                 reference=None, metrics=None, scores: tuple[str, ...] = ()) -> list[RunResult]:
    """Method picker, parameter expanders, and the cached runs (errors come back in each result).

    With a `reference` and a `metrics(reference, result)` function, each run is scored and a sweep of
    any parameter against the two `scores` is offered in an expander."""
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
    return results


def successes(results: list[RunResult]) -> list[RunResult]:
    """Show each failed run's message in an error box; return the runs that worked."""
    for result in results:
        if not result.ok:
            st.error(f"**{result.method.label}**: {result.error}")
    return [r for r in results if r.ok]
