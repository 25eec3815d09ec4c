"""The comparison engine: pick methods of a task, tune them, run them through the cached runner, draw the
result cells for the task's output kind, then the Compare / Sweep / History / Export tabs, all from the task's
description (core.tasks.protocol). A page adds its own topic tabs and panels around it.

    comparison = ui.compare(DENOISE, {"image": noisy.image}, truth=clean.image, recipe=clean.code + noisy.code,
                            defaults=["median", "nlm_cv"], key="dn", baseline="Noisy input",
                            variables={"image": "degraded"}, truth_code="image")
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Callable

import numpy as np
import streamlit as st

from core.registry import Method, Task, methods_for
from core.tasks.protocol import SECONDS, Metric, MissingInput, Output
from ui.cells import cells_for
from ui.export import export_panel
from ui.history import history_panel, record
from ui.memo import memo
from ui.page import COMPARE, EXPORT, HISTORY, SWEEP, lazy_tabs
from ui.params import param_widgets
from ui.plots import cached_figure, score_bars
from ui.runner import RunResult, inputs_digest, run_method, truth_key
from ui.sweep import sweep_panel


@dataclass(frozen=True)
class Tab:
    """A page's own tab beside the standard ones; `draw(comparison)` runs only while the tab is open.
    A tab labelled `ui.COMPARE` replaces the standard Compare tab."""

    label: str
    draw: Callable[["Comparison"], None]


@dataclass
class Comparison:
    """One comparison on a page: the task, its named inputs and truth, the chosen methods, their settings
    and their scored runs."""

    task: Task
    key: str
    inputs: dict[str, Any]
    truth: Any = None
    recipe: str = ""  # Python that rebuilds the inputs (and the truth) with core
    variables: dict[str, str] = field(default_factory=dict)  # input name -> its variable in the recipe
    truth_code: str = "truth"  # the truth's variable in the recipe
    methods: list[Method] = field(default_factory=list)
    params: dict[str, dict] = field(default_factory=dict)
    results: list[RunResult] = field(default_factory=list)
    baseline: RunResult | None = None  # the "do nothing" result (task.baseline), scored like a method
    baseline_label: str = ""
    view: Any = None  # a display choice made above the cells (segmentation: overlay, error map, labels)
    files: tuple[tuple[str, bytes, str], ...] = ()  # extra Export downloads: (label, data, file name)
    methods_key: str = ""  # the method picker's widget key (default: "<key>.methods")
    cells: Any = None  # how the results were drawn (ui.cells.Cells)
    truth_digest: str = ""

    def __post_init__(self):
        self.methods_key = self.methods_key or f"{self.key}.methods"
        self.truth_digest = truth_key(self.truth)

    @property
    def ok(self) -> list[RunResult]:
        return [r for r in self.results if r.ok]

    @property
    def metrics(self) -> tuple[Metric, ...]:
        """The metrics every result gets here: all the task's with a truth, its truth-free ones without."""
        return self.task.metrics_for(self.truth)

    @cached_property
    def digest(self) -> str:
        """The inputs' content digest (history entries remember which input a run used)."""
        names = sorted(self.inputs)
        return inputs_digest([self.inputs[n] for n in names])

    def arguments(self, method: Method) -> tuple:
        """`method`'s positional inputs (raises MissingInput naming what to draw or upload)."""
        return method.arguments(self.inputs)

    def run(self, method: Method, params: dict, *, show_progress: bool | None = None) -> RunResult:
        """One scored run through the cache; a missing input becomes the result's message."""
        try:
            args = self.arguments(method)
        except MissingInput as exc:
            return RunResult(method, dict(params), None, 0.0, str(exc))
        return run_method(method, args, params, truth=self.truth, show_progress=show_progress,
                          digests=(inputs_digest(args), self.truth_digest))

    def rows(self) -> list[dict]:
        """One row per result (the baseline first): every metric, the time, the parameters, any error."""
        names = [m.name for m in self.metrics]
        rows = []
        if self.baseline is not None:
            rows.append(dict(method=self.baseline_label, **{n: self.baseline.metrics.get(n) for n in names},
                             seconds=None, params="", error=""))
        for r in self.results:
            rows.append(dict(method=r.method.label, **{n: r.metrics.get(n) for n in names},
                             seconds=r.seconds if r.ok else None, params=str(r.params), error=r.error or ""))
        return rows


def _tags(method: Method) -> str:
    return (" ★" if method.reference else "") + (" (slow)" if method.slow else "")


def pick_methods(task: Task, defaults: list[str], *, key: str, label: str = "Methods to compare") -> list[Method]:
    by_key = {m.key: m for m in methods_for(task)}
    chosen = st.multiselect(label, list(by_key), default=[k for k in defaults if k in by_key],
                            format_func=lambda k: by_key[k].label, key=key, bind="query-params",
                            help="Each method's parameters are in its panel below; the URL keeps your choices. "
                            "★ marks the reference method.")
    return [by_key[k] for k in chosen]


def parameter_panels(methods: list[Method], *, columns: int = 3) -> dict[str, dict]:
    """One expander of widgets per method, from its spec; returns {method key: params}."""
    values: dict[str, dict] = {}
    if not methods:
        return values
    cells = st.columns(min(columns, len(methods)))
    for i, method in enumerate(methods):
        with cells[i % len(cells)].expander(method.label + _tags(method), expanded=False, icon=":material/tune:"):
            if method.summary:
                st.caption(method.summary)
            values[method.key] = param_widgets(method) if method.params else {}
            if not method.params:
                st.caption("No parameters.")
    return values


def compare(task: Task, inputs: dict[str, Any], *, defaults: list[str], key: str, truth: Any = None,
            recipe: str = "", baseline: str | None = None, cells=None, tabs: tuple[Tab, ...] = (),
            variables: dict[str, str] | None = None, truth_code: str = "truth",
            files: tuple[tuple[str, bytes, str], ...] = (), label: str = "Methods to compare",
            methods_key: str | None = None) -> Comparison:
    """The whole comparison block for `task` on the named `inputs` (the task's inputs, and whatever its methods
    may need: scribbles, a rectangle, a known noise level...). `truth` is what results are scored against
    (None: only the truth-free metrics). `baseline` labels the "do nothing" cell when the task has one.
    `cells` (ui.cells.Cells) overrides how results are drawn; `tabs` adds the page's own tabs."""
    comparison = Comparison(task, key, dict(inputs), truth, recipe, dict(variables or {}), truth_code, files=files,
                            methods_key=methods_key or "")
    comparison.methods = pick_methods(task, defaults, key=comparison.methods_key, label=label)
    if baseline is not None and task.baseline is not None and task.baseline in comparison.inputs:
        comparison.baseline_label = baseline
        comparison.baseline = _scored_baseline(comparison)
    if not comparison.methods:
        st.info("Choose at least one method to compare.")
        return comparison
    comparison.params = parameter_panels(comparison.methods)
    comparison.results = [comparison.run(m, comparison.params[m.key]) for m in comparison.methods]
    for result in comparison.results:
        record(comparison, result)
    drawing = cells or cells_for(task)
    drawing.draw(comparison)
    standard_tabs(comparison, tabs)
    return comparison


def standard_tabs(comparison: Comparison, tabs: tuple[Tab, ...] = ()) -> None:
    """Compare (unless a page tab replaces it), the page's tabs, then Sweep, History and Export; lazy: only the
    open one runs."""
    own = {tab.label: tab.draw for tab in tabs}
    labels = ([] if COMPARE in own else [COMPARE]) + list(own) + [SWEEP, HISTORY, EXPORT]
    draw = {COMPARE: compare_panel, **own, SWEEP: sweep_panel, HISTORY: history_panel, EXPORT: export_panel}
    for label, tab in zip(labels, lazy_tabs(labels, key=f"{comparison.key}.tab")):
        if tab.open:
            with tab:
                draw[label](comparison)


def compare_panel(comparison: Comparison) -> None:
    """Every metric as a bar per method (the baseline dashed), then the kind's own views (ui.cells)."""
    if not comparison.ok:
        st.info("No method produced a result yet.")
        return
    cells = comparison.cells or cells_for(comparison.task)
    fields = [m for m in comparison.metrics if m.caption] + [SECONDS]
    lines, label = (comparison.baseline.metrics, "input") if comparison.baseline is not None else ({}, "")
    if cells.targets is not None:
        lines, label = cells.targets(comparison), "true"
    st.plotly_chart(cached_figure(score_bars, comparison.rows(), fields, baseline=lines, baseline_label=label),
                    width="stretch", key=f"{comparison.key}.compare.bars")
    cells.compare(comparison)


def _scored_baseline(comparison: Comparison) -> RunResult:
    """The task's baseline input returned unchanged, scored like a method (cached by content)."""
    task = comparison.task
    output = task.baseline_output(comparison.inputs)
    inputs = {name: comparison.inputs[name] for name in task.inputs}  # what its score reads (not a model file)
    scores = memo(_baseline_scores, task.name, comparison.truth, output.image, inputs) \
        if comparison.truth is not None or any(not m.needs_truth for m in task.metrics) else {}
    return RunResult(_BaselineMethod(comparison.baseline_label, task), {}, output, 0.0, None, scores)


def _baseline_scores(task_name: str, truth, image: np.ndarray, inputs: dict) -> dict:
    from core.registry import get_task

    try:
        return get_task(task_name).score(truth, Output(image), inputs)
    except ValueError:
        return {}


@dataclass(frozen=True)
class _BaselineMethod:
    """Stands in for a method in the baseline's RunResult (label and task only)."""

    label: str
    task: Task
    key: str = "baseline"
