"""Side-by-side results for methods that do not return a restored image: detectors (boxes, counts, times,
precision/recall against known boxes), stitchers (panoramas) and recognisers (accuracy, confusion)."""
from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go
import streamlit as st
from plotly.subplots import make_subplots

from core.boxes import match
from core.registry import Task
from ui.compare import parameter_panels, pick_methods, result_cells
from ui.runner import RunResult, run_method


def run_chosen(task: Task, inputs: tuple, defaults: list[str], *, key: str) -> list[RunResult]:
    """The method picker, one expander of widgets per method, and a cached run of each."""
    methods = pick_methods(task, defaults, key=f"{key}.methods")
    if not methods:
        st.info("Choose at least one method.")
        return []
    values = parameter_panels(methods)
    return [run_method(m, inputs, values[m.key]) for m in methods]


def detection_scores(result: RunResult, truth: np.ndarray | None) -> dict:
    if not result.ok:
        return {}
    scores = {"count": int(result.output.extras.get("count", 0)), "seconds": result.seconds}
    if truth is not None:
        scores.update(match(result.output.extras["boxes"], truth, threshold=0.5))
    return scores


def _fmt(value: float) -> str:
    return "–" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.2f}"


def detection_grid(results: list[RunResult], *, truth: np.ndarray | None = None,
                   nouns: tuple[str, str] = ("box", "boxes"), per_row: int = 3) -> list[dict]:
    """Each detector's picture with its count and time (and precision / recall at IoU 0.5 when the true
    boxes are known). Returns one row of scores per method."""
    rows = []
    for result in result_cells(results, per_row=per_row):
        scores = detection_scores(result, truth)
        rows.append({"method": result.method.label, **scores})
        st.image(result.image, caption=result.method.label, width="stretch")
        count = scores["count"]
        text = f"**{count} {nouns[0] if count == 1 else nouns[1]}**"
        extras = result.output.extras
        if extras.get("raw windows") is not None:
            text += f" (from {extras['raw windows']} raw windows)"
        if "eyes" in extras:
            text += f" · {len(extras['eyes'])} eyes"
        text += f" · {result.seconds:.3f} s"
        if truth is not None:
            text += (f"  \nprecision **{_fmt(scores['precision'])}** · recall **{_fmt(scores['recall'])}**"
                     f" (IoU ≥ 0.5, {len(truth)} true)")
        st.markdown(text)
    return rows


def count_time_bars(rows: list[dict], *, truth_count: int | None = None) -> go.Figure:
    """Counts and run times side by side, one bar per method; the true count as a dashed line."""
    labels = [r["method"] for r in rows]
    fig = make_subplots(rows=1, cols=2, subplot_titles=("Detections", "Time (s) ↓"))
    fig.add_trace(go.Bar(x=labels, y=[r["count"] for r in rows], text=[r["count"] for r in rows],
                         textposition="outside", marker_color="#4c78a8", showlegend=False), row=1, col=1)
    fig.add_trace(go.Bar(x=labels, y=[r["seconds"] for r in rows], text=[f"{r['seconds']:.3f}" for r in rows],
                         textposition="outside", marker_color="#f58518", showlegend=False), row=1, col=2)
    if truth_count is not None:
        fig.add_hline(y=truth_count, line_dash="dash", line_color="#888", row=1, col=1,
                      annotation_text="true", annotation_position="top left")
    fig.update_layout(height=330, margin=dict(l=10, r=10, t=40, b=10))
    return fig
