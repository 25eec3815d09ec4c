"""The comparison experience: pick methods, tune them, see results side by side, then compare,
sweep, revisit and export. Every restoration page calls `compare_methods`."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import streamlit as st

from core.image import digest
from core.metrics import quality
from core.registry import Method, Task, methods_for
from ui.export import export_panel
from ui.history import history_panel, record
from ui.memo import memo
from ui.page import COMPARE, EXPORT, HISTORY, SWEEP, lazy_tabs
from ui.params import param_widgets
from ui.plots import cached_figure, heatmap, lines, metric_bars, score_bars, split_view, synced_images
from ui.runner import RunResult, format_metric, inputs_digest, run_method
from ui.sweep import sweep_panel


@dataclass
class Baseline:
    image: np.ndarray
    label: str  # e.g. "Noisy input"
    metrics: dict


@dataclass(frozen=True)
class ExtraMetric:
    """A page's own metric beyond PSNR/SSIM (e.g. PSNR inside an inpainting mask), computed by the
    `metrics` function given to `compare_methods`, and shown in captions, chart, history and CSV."""

    name: str  # its key in the metrics dict, e.g. "psnr_mask"
    label: str  # e.g. "PSNR in the mask"
    unit: str = ""  # e.g. " dB"
    digits: int = 2
    gain: bool = False  # also show the difference to the baseline's value

    @property
    def title(self) -> str:
        return self.label + (f" ({self.unit.strip()})" if self.unit.strip() else "")


def _tags(method: Method) -> str:
    return (" ★" if method.reference else "") + (" (slow)" if method.slow else "")


def pick_methods(task: Task, defaults: list[str], *, key: str) -> list[Method]:
    methods = methods_for(task)
    by_key = {m.key: m for m in methods}
    chosen = st.multiselect("Methods to compare", list(by_key), default=[k for k in defaults if k in by_key],
                            format_func=lambda k: by_key[k].label, key=key, bind="query-params",
                            help="Each method's parameters are in its panel below; the URL keeps your choices. "
                            "★ marks the reference method.")
    return [by_key[k] for k in chosen]


def parameter_panels(methods: list[Method]) -> dict[str, dict]:
    values: dict[str, dict] = {}
    columns = st.columns(min(3, len(methods)))
    for i, method in enumerate(methods):
        with columns[i % len(columns)].expander(method.label + _tags(method), expanded=False,
                                                icon=":material/tune:"):
            if method.summary:
                st.caption(method.summary)
            values[method.key] = param_widgets(method) if method.params else {}
            if not method.params:
                st.caption("No parameters.")
    return values


def _caption(metrics: dict, seconds: float | None, baseline: dict | None,
             extra: tuple[ExtraMetric, ...] = ()) -> str:
    """Metrics under an image; the PSNR gain over the baseline when one is given."""
    parts = []
    if "psnr" in metrics:
        gain = metrics["psnr"] - (baseline or {}).get("psnr", np.nan)
        parts.append(f"PSNR **{format_metric(metrics['psnr'], ' dB')}**"
                     + (f" ({gain:+.2f})" if np.isfinite(gain) else ""))
    if "ssim" in metrics:
        parts.append(f"SSIM **{format_metric(metrics['ssim'], digits=3)}**")
    for item in extra:
        if item.name in metrics:
            gain = metrics[item.name] - (baseline or {}).get(item.name, np.nan) if item.gain else np.nan
            parts.append(f"{item.label} **{format_metric(metrics[item.name], item.unit, item.digits)}**"
                         + (f" ({gain:+.{item.digits}f})" if np.isfinite(gain) else ""))
    if seconds is not None:
        parts.append(f"{seconds:.3f} s")
    return " · ".join(parts)


def show_extras(result: RunResult, key: str) -> None:
    for name, value in result.output.extras.items():
        if isinstance(value, np.ndarray) and value.ndim == 2:
            st.plotly_chart(cached_figure(heatmap, value, title=name, height=260), width="stretch",
                            key=f"{key}.{name}")
        elif isinstance(value, dict):
            st.plotly_chart(cached_figure(lines, value, title=name, x_title="iteration"), width="stretch",
                            key=f"{key}.{name}")
        elif isinstance(value, np.ndarray) and value.ndim == 1:
            st.plotly_chart(cached_figure(lines, {name: value}, title=name, x_title="iteration"), width="stretch",
                            key=f"{key}.{name}")
        elif isinstance(value, np.ndarray) and value.ndim == 3 and value.shape[2] in (3, 4):  # an RGB image
            st.image(np.clip(value, 0, 1), caption=name, width="stretch")
        elif isinstance(value, float):
            st.caption(f"{name}: {value:.4g}")
        else:
            st.caption(f"{name}: {value}")


def result_cells(results: list[RunResult], *, per_row: int = 3):
    """Lay results out in rows of `per_row` columns and yield each successful one inside its column;
    a failed method shows its message in its own cell."""
    for start in range(0, len(results), per_row):
        columns = st.columns(per_row)
        for column, result in zip(columns, results[start:start + per_row]):
            with column:
                if not result.ok:
                    st.error(f"**{result.method.label}**: {result.error}")
                    continue
                yield result


def results_grid(results: list[RunResult], baseline: Baseline, *, key: str, max_per_row: int = 5,
                 extra: tuple[ExtraMetric, ...] = ()) -> None:
    cells = [None] + results
    per_row = 4 if len(cells) <= 4 else max_per_row
    for start in range(0, len(cells), per_row):
        columns = st.columns(per_row)
        for column, item in zip(columns, cells[start:start + per_row]):
            with column:
                if item is None:
                    st.image(np.clip(baseline.image, 0, 1), caption=baseline.label, width="stretch")
                    st.markdown(_caption(baseline.metrics, None, None, extra) or "&nbsp;")
                    continue
                if not item.ok:
                    st.error(f"**{item.method.label}**: {item.error}")
                    continue
                st.image(np.clip(item.image, 0, 1), caption=item.method.label, width="stretch")
                st.markdown(_caption(item.metrics, item.seconds, baseline.metrics, extra))
                if item.output.extras:
                    with st.popover("More", icon=":material/insights:"):
                        show_extras(item, f"{key}.extras.{item.method.key}")


def metric_rows(results: list[RunResult], baseline: Baseline, extra: tuple[ExtraMetric, ...] = ()) -> list[dict]:
    names = ("psnr", "ssim", "mse") + tuple(item.name for item in extra)
    rows = [dict(method=baseline.label, **{k: baseline.metrics.get(k) for k in names}, seconds=0.0, params="")]
    for r in results:
        rows.append(dict(method=r.method.label, **{k: r.metrics.get(k) for k in names}, seconds=r.seconds,
                         params=str(r.params), error=r.error or ""))
    return rows


def compare_tab(results: list[RunResult], baseline: Baseline, reference: np.ndarray | None, *, key: str,
                extra: tuple[ExtraMetric, ...] = ()) -> None:
    ok = [r for r in results if r.ok]
    if reference is not None and ok:
        rows = metric_rows(ok, baseline, extra)[1:]
        st.plotly_chart(cached_figure(metric_bars, rows, baseline=baseline.metrics), width="stretch", key=f"{key}.bars")
        if extra:
            fields = [(item.name, item.title + " ↑", f".{item.digits}f") for item in extra]
            st.plotly_chart(cached_figure(score_bars, metric_rows(ok, baseline, extra), fields), width="stretch",
                            key=f"{key}.extra_bars")
    images = {}
    if reference is not None:
        images["Reference"] = reference
    images[baseline.label] = baseline.image
    images.update({r.method.label: r.image for r in ok})
    st.markdown("**Synced zoom**: drag a box on any panel to zoom them all; double-click to reset.")
    st.plotly_chart(cached_figure(synced_images, images), width="stretch", key=f"{key}.zoom")
    st.markdown("**Before / after split**")
    names = list(images)
    c1, c2, c3 = st.columns([2, 2, 3])
    left = c1.selectbox("Left", names, index=names.index(baseline.label), key=f"{key}.left")
    right = c2.selectbox("Right", names, index=len(names) - 1, key=f"{key}.right")
    position = c3.slider("Split position", 0.0, 1.0, 0.5, 0.01, key=f"{key}.split")
    width = int(min(768, max(512, images[left].shape[1])))
    st.image(memo(split_view, images[left], images[right], position), caption=f"{left} | {right}", width=width)


@st.cache_data(max_entries=32, show_spinner=False)
def _baseline_scores(key: str, metrics_name: str, _metrics, _reference: np.ndarray, _degraded: np.ndarray) -> dict:
    return _metrics(_reference, _degraded)


def compare_methods(task: Task, inputs: tuple, *, reference: np.ndarray | None, baseline_label: str,
                    recipe: str, defaults: list[str], key: str | None = None,
                    metrics: Callable[[np.ndarray | None, np.ndarray], dict] | None = None,
                    extra_metrics: tuple[ExtraMetric, ...] = ()) -> list[RunResult]:
    """The whole comparison block. `inputs` are the task's positional inputs (degraded image first);
    `recipe` is Python that rebuilds them with core (for export and history).
    `metrics(reference, result)` replaces `core.metrics.quality` (keep "psnr"/"ssim" in what it returns);
    `extra_metrics` names what else it returns, for the captions, the chart, history, sweep and CSV."""
    key = key or task.name
    methods_key = f"{key}.methods"
    methods = pick_methods(task, defaults, key=methods_key)
    degraded = inputs[0]
    input_digest = digest(*[np.asarray(x) for x in inputs])
    scorer = metrics or quality
    baseline = Baseline(degraded, baseline_label, _baseline_scores(
        input_digest + digest(reference), f"{scorer.__module__}.{scorer.__qualname__}", scorer, reference,
        degraded) if reference is not None else {})
    if not methods:
        st.info("Choose at least one method to compare.")
        return []
    current = parameter_panels(methods)
    digests = (inputs_digest(inputs), digest(reference))  # hashed once, not once per method
    results = [run_method(m, inputs, current[m.key], reference=reference, metrics=metrics, digests=digests)
               for m in methods]
    for result in results:
        record(task.name, result, input_digest=input_digest, recipe=recipe)
    results_grid(results, baseline, key=key, extra=extra_metrics)
    compare, sweep, history, export = lazy_tabs([COMPARE, SWEEP, HISTORY, EXPORT], key=f"{key}.tab")
    if compare.open:
        with compare:
            compare_tab(results, baseline, reference, key=f"{key}.compare", extra=extra_metrics)
    if sweep.open:
        scores = ("psnr", "ssim") if len(extra_metrics) < 2 else tuple(item.name for item in extra_metrics[:2])
        with sweep:
            sweep_panel(methods, inputs, reference=reference, current=current, key=f"{key}.sweep",
                        methods_key=methods_key, scores=scores, metrics=metrics)
    if history.open:
        columns = (("psnr", "PSNR", "%.2f"), ("ssim", "SSIM", "%.3f")) + tuple(
            (item.name, item.title, f"%.{item.digits}f") for item in extra_metrics)
        with history:
            history_panel(task.name, input_digest=input_digest, methods_key=methods_key, key=f"{key}.history",
                          columns=columns)
    if export.open:
        with export:
            export_panel(task.name, results, metric_rows(results, baseline, extra_metrics), recipe,
                         inputs=_input_names(task), has_reference=reference is not None, key=f"{key}.export")
    return results


def _input_names(task: Task) -> tuple[str, ...]:
    return tuple("degraded" if name == "image" else name for name in task.inputs)
