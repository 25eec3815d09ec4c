"""Plotly figures shared by the pages: image grids with synced zoom, metric bars, heatmaps."""
from __future__ import annotations

import base64
import math

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from core.image import encode_png, picture, to_uint8
from ui.memo import memo


def cached_figure(builder, *args, **kwargs) -> go.Figure:
    """`builder(*args, **kwargs)`, built once per distinct input (see `ui.memo.memo`): building plotly figures
    is most of a rerun's time. The figure is shared between reruns and sessions: callers must not modify it."""
    return memo(builder, *args, **kwargs)


def _display(image: np.ndarray) -> np.ndarray:
    pixels = to_uint8(picture(image))
    return np.repeat(pixels[..., None], 3, axis=2) if pixels.ndim == 2 else pixels


def synced_images(images: dict[str, np.ndarray], *, columns: int = 3, height_per_row: int = 330) -> go.Figure:
    """Images in a grid whose axes are linked: zooming or panning one moves them all."""
    names = list(images)
    rows = max(1, math.ceil(len(names) / columns))
    cols = min(columns, len(names)) or 1
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=names, shared_xaxes="all", shared_yaxes="all",
                        horizontal_spacing=0.02, vertical_spacing=0.06)
    for i, name in enumerate(names):
        # a PNG source is several times smaller to send than raw pixels (hover shows coordinates only); a gray
        # image stays a one-channel PNG (a third of the bytes to encode and send)
        source = "data:image/png;base64," + base64.b64encode(encode_png(picture(images[name]))).decode()
        fig.add_trace(go.Image(source=source, name=name), row=i // cols + 1, col=i % cols + 1)
    fig.update_xaxes(showticklabels=False, matches="x")
    fig.update_yaxes(showticklabels=False, matches="y", scaleanchor="x")
    fig.update_layout(height=height_per_row * rows, margin=dict(l=5, r=5, t=30, b=5))
    return fig


def split_view(before: np.ndarray, after: np.ndarray, position: float) -> np.ndarray:
    """Left part from `before`, right part from `after`, with a thin marker line at the split."""
    before, after = _display(before), _display(after)
    width = before.shape[1]
    cut = int(round(np.clip(position, 0, 1) * width))
    out = after.copy()
    out[:, :cut] = before[:, :cut]
    if 0 < cut < width:
        out[:, max(cut - 1, 0):cut + 1] = (255, 214, 10)
    return out


def score_bars(rows: list[dict], fields: list, *, baseline: dict | None = None,
               baseline_label: str = "input") -> go.Figure:
    """One bar chart per metric (`core.tasks.protocol.Metric`; "seconds" is the run time), one bar per row's
    "method"; a baseline value is a dashed line. PSNR axes start near the data, not at 0."""
    rows = [r for r in rows if r.get("seconds") is not None]  # results, not the baseline row or failures
    labels = [r["method"] for r in rows]
    fig = make_subplots(rows=1, cols=len(fields), subplot_titles=[f"{m.title} {m.arrow}" for m in fields])
    for col, metric in enumerate(fields, start=1):
        values = [r.get(metric.name) for r in rows]
        finite = [v if v is not None and math.isfinite(v) else None for v in values]
        fig.add_trace(go.Bar(x=labels, y=finite, text=[metric.format(v, unit=False) for v in finite],
                             textposition="outside", showlegend=False, name=metric.name,
                             marker_color="#f58518" if metric.name == "seconds" else "#4c78a8"), row=1, col=col)
        base = (baseline or {}).get(metric.name)
        if base is not None and math.isfinite(base):
            fig.add_hline(y=base, line_dash="dash", line_color="#888", row=1, col=col,
                          annotation_text=baseline_label, annotation_position="bottom right")
        if metric.unit.strip() == "dB":  # differences of a few dB vanish on an axis that starts at 0
            shown = [v for v in finite + [base] if v is not None and math.isfinite(v)]
            if shown:
                fig.update_yaxes(range=[max(0.0, min(shown) - 2), max(shown) + 1.5], row=1, col=col)
    fig.update_layout(height=360, margin=dict(l=10, r=10, t=40, b=10))
    fig.update_xaxes(tickangle=-30)
    return fig


def heatmap(array: np.ndarray, *, title: str = "", colorscale: str = "Viridis", height: int = 300,
            max_side: int = 256) -> go.Figure:
    """A 2-D map, sent at most `max_side` px on its longer side (every `step`-th pixel; the axes keep
    source-pixel coordinates): a full 512² map would make each rerun serialise 262,144 numbers."""
    array = np.asarray(array)
    step = max(1, -(-max(array.shape) // max_side))
    z = array[::step, ::step]
    x, y = np.arange(0, array.shape[1], step), np.arange(0, array.shape[0], step)
    fig = go.Figure(go.Heatmap(z=z, x=x, y=y, colorscale=colorscale))
    fig.update_yaxes(autorange="reversed", scaleanchor="x")
    fig.update_layout(title=title, height=height, margin=dict(l=10, r=10, t=40 if title else 10, b=10))
    return fig


def lines(series: dict[str, np.ndarray], *, title: str = "", x_title: str = "", y_title: str = "") -> go.Figure:
    fig = go.Figure()
    for name, values in series.items():
        values = np.asarray(values).ravel()
        fig.add_trace(go.Scatter(x=np.arange(1, len(values) + 1), y=values, mode="lines", name=name))
    fig.update_layout(title=title, xaxis_title=x_title, yaxis_title=y_title, height=300,
                      margin=dict(l=10, r=10, t=40, b=10))
    return fig


def agreement_heatmap(matrix: np.ndarray, names: list[str], *, title: str = "Agreement between methods") -> go.Figure:
    """A symmetric [0, 1] matrix (pairwise IoU) with its values written in the cells."""
    text = [[("–" if not math.isfinite(v) else f"{v:.2f}") for v in row] for row in np.asarray(matrix, float)]
    fig = go.Figure(go.Heatmap(z=matrix, x=names, y=names, zmin=0, zmax=1, colorscale="Viridis", text=text,
                               texttemplate="%{text}", colorbar=dict(title="IoU")))
    fig.update_yaxes(autorange="reversed")
    fig.update_layout(title=title, height=max(300, 60 * len(names) + 120), margin=dict(l=10, r=10, t=40, b=10))
    return fig


def agreement_figure(maps: dict[str, np.ndarray]) -> go.Figure:
    """The pairwise-agreement heatmap of {label: result} (computed with the figure, so cached with it)."""
    from core.segmentation.metrics import pairwise_agreement

    return agreement_heatmap(pairwise_agreement(maps), list(maps))


def metric_curves(curves: dict[str, dict[str, np.ndarray]], *, x: str = "iteration", x_title: str = "iteration",
                  marker: float | None = None) -> go.Figure:
    """PSNR and SSIM against `x` (one line per curve, its best point marked); `marker`: a dotted x line."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=("PSNR (dB) ↑", "SSIM ↑"))
    palette = ["#4c78a8", "#f58518", "#54a24b", "#e45756", "#72b7b2", "#b279a2"]
    for i, (name, curve) in enumerate(curves.items()):
        color = palette[i % len(palette)]
        for col, field in enumerate(("psnr", "ssim"), start=1):
            xs, ys = np.asarray(curve[x]), np.asarray(curve[field], dtype=float)
            fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", name=name, legendgroup=name, showlegend=col == 1,
                                     line=dict(color=color)), row=1, col=col)
            if np.isfinite(ys).any():
                best = int(np.nanargmax(ys))
                fig.add_trace(go.Scatter(x=[xs[best]], y=[ys[best]], mode="markers", legendgroup=name,
                                         showlegend=False, marker=dict(color=color, size=9, symbol="star"),
                                         hovertemplate=f"{name}<br>best {field}: %{{y:.3f}} at %{{x}}<extra></extra>"),
                              row=1, col=col)
    if marker is not None:
        for col in (1, 2):
            fig.add_vline(x=marker, line_dash="dot", line_color="#888", row=1, col=col)
    fig.update_xaxes(title_text=x_title)
    fig.update_layout(height=340, margin=dict(l=10, r=10, t=40, b=10), legend=dict(orientation="h", y=-0.25))
    return fig
