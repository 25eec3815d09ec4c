"""Figures and panels of the thresholding, clustering and superpixel pages (Chapter 3): a histogram with
every threshold marked, slicing and ROI contrast with a drawn rectangle, the 8 bit planes, cluster
colours and sizes, superpixel size distributions."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from core import threshold as th
from core.clustering import cluster_table, mean_colour_image
from core.image import to_gray
from core.metrics import psnr
from ui.canvas import rect_canvas
from ui.memo import memo_picture
from ui.runner import RunResult

PALETTE = ["#e45756", "#4c78a8", "#54a24b", "#f58518", "#b279a2", "#72b7b2", "#9d755d", "#eeca3b"]


def _histogram_figure(image: np.ndarray, *, bins: int = 256, height: int = 320) -> go.Figure:
    counts, centres = th.histogram(image, bins=bins)
    fig = go.Figure(go.Bar(x=centres, y=counts, marker_color="#9aa5b1", marker_line_width=0, name="pixels",
                           showlegend=False, hovertemplate="gray %{x:.3f}: %{y} px<extra></extra>"))
    fig.update_layout(height=height, bargap=0, margin=dict(l=10, r=10, t=40, b=10), xaxis_title="gray level",
                      yaxis_title="pixels", xaxis_range=[0, 1])
    return fig


def threshold_histogram(image: np.ndarray, results: list[RunResult]) -> go.Figure:
    """The luminance histogram with one coloured vertical line per global threshold found."""
    fig = _histogram_figure(image)
    marks = [(r.method.label, r.output.extras["threshold"]) for r in results
             if r.ok and "threshold" in r.output.extras]
    top = float(fig.data[0].y.max()) if len(fig.data[0].y) else 1.0
    for i, (label, t) in enumerate(sorted(marks, key=lambda m: m[1])):
        color = PALETTE[i % len(PALETTE)]
        fig.add_trace(go.Scatter(x=[t, t], y=[0, top], mode="lines", line=dict(color=color, width=2),
                                 name=f"{label}: {t:.3f} ({t * 255:.0f}/255)"))
    fig.update_layout(title="Histogram with each global threshold", legend=dict(orientation="v", x=1.01, y=1))
    return fig


def slicing_panel(image: np.ndarray, *, key: str) -> None:
    """Gray-level slicing with and without background, and a power-law contrast boost inside an ROI
    (the band's pixels, limited to a rectangle the user drags on the canvas)."""
    gray = to_gray(image)
    c1, c2, c3 = st.columns([2, 1, 1])
    low, high = c1.slider("Band [a, b] (gray levels)", 0, 255, (90, 255), key=f"{key}.band",
                          help="The book highlights 90–255 on coins.")
    highlight = c2.slider("Highlight value", 0, 255, 255, key=f"{key}.highlight")
    gamma = c3.slider("ROI exponent γ", 0.3, 3.0, 1.1, 0.05, key=f"{key}.gamma", help="The book uses 1.1.")
    a, b = low / 255, max(high, low + 1) / 255
    without, band = th.gray_level_slice(gray, low=a, high=min(b, 1.0), highlight=highlight / 255)
    with_bg, _ = th.gray_level_slice(gray, low=a, high=min(b, 1.0), highlight=highlight / 255, with_background=True)
    left, right = st.columns([1, 1])
    with left:
        st.markdown("**Region of interest**: drag a rectangle (the last one counts); without one, the ROI is "
                    "the whole band.")
        rect = rect_canvas(gray, key=f"{key}.roi", max_width=380)
        keep = st.toggle("Keep the original outside the ROI", value=False, key=f"{key}.keep")
        level = st.slider("Background level outside the ROI", 0, 255, 25, key=f"{key}.bglevel", disabled=keep)
    try:
        boosted, roi = th.roi_contrast(gray, low=a, high=min(b, 1.0), gamma=gamma, rect=rect,
                                       background=level / 255, keep_background=keep)
    except ValueError as exc:
        right.error(str(exc))
        return
    where = f"rectangle x={rect[0]}, y={rect[1]}, {rect[2]}×{rect[3]}" if rect else "the whole image"
    with right:
        st.image(boosted, caption=f"ROI contrast (γ = {gamma:.2f})", width="stretch")
        st.markdown(f"ROI: **{int(roi.sum())} px** of the band inside {where}.")
    cols = st.columns(3)
    for col, picture, caption in zip(cols, (gray, without, with_bg),
                                     ("Input", "Sliced, without background", "Sliced, with background")):
        col.image(picture, caption=caption, width="stretch")
    fig = _histogram_figure(gray, height=260)
    fig.add_vrect(x0=a, x1=min(b, 1.0), fillcolor="#f58518", opacity=0.2, line_width=0,
                  annotation_text=f"band: {band.mean() * 100:.1f} % of pixels")
    st.plotly_chart(fig, width="stretch", key=f"{key}.hist")


def bit_plane_panel(image: np.ndarray, *, key: str) -> None:
    """The 8 bit planes in a grid, and the image rebuilt from the planes the user keeps."""
    planes = th.bit_planes(image)
    for row in (range(7, 3, -1), range(3, -1, -1)):
        for col, k in zip(st.columns(4), row):
            col.image(planes[k].astype(np.float32), caption=f"bit plane {k}" + (" (most significant)" if k == 7
                      else " (least significant)" if k == 0 else ""), width="stretch")
    keep = st.multiselect("Rebuild from planes", list(range(7, -1, -1)), default=[7, 6, 5, 4], key=f"{key}.keep",
                          help="Dropping the low planes is a crude lossy compression: they look like noise.")
    rebuilt = th.rebuild_from_planes(planes, keep)
    c1, c2 = st.columns(2)
    c1.image(rebuilt, caption=f"Planes {sorted(keep, reverse=True)}", width="stretch")
    full = th.rebuild_from_planes(planes, range(8))
    score = psnr(full, rebuilt)
    c2.metric("PSNR against the 8-bit image", "∞ dB" if np.isinf(score) else f"{score:.2f} dB")
    c2.metric("Bits kept per pixel", f"{len(keep)} of 8")


def cluster_composition(image: np.ndarray, maps: dict[str, np.ndarray], *, max_clusters: int = 12) -> go.Figure:
    """One stacked bar per method ({label: label map}): each cluster's share of the image, drawn in the
    cluster's mean colour."""
    fig = go.Figure()
    for name, labels in maps.items():
        rows = cluster_table(image, labels)
        for row in rows[:max_clusters]:
            fig.add_trace(go.Bar(y=[name], x=[100 * row["share"]], orientation="h",
                                 marker=dict(color=row["colour"], line=dict(color="#333", width=0.5)),
                                 showlegend=False, text=f"{row['pixels']} px" if row["share"] > 0.06 else "",
                                 hovertemplate=f"cluster {row['label']} · {row['colour']}<br>{row['pixels']} px "
                                               f"({100 * row['share']:.1f} %)<extra></extra>"))
    fig.update_layout(barmode="stack", height=90 + 45 * max(1, len(maps)), xaxis_title="share of the image (%)",
                      margin=dict(l=10, r=10, t=10, b=10),
                      xaxis_range=[0, 100])
    fig.update_yaxes(autorange="reversed")
    return fig


def mean_colour_row(image: np.ndarray, results: list[RunResult], *, what: str = "cluster") -> None:
    """Each result with every segment painted in its mean colour (a posterised view of the partition)."""
    ok = [r for r in results if r.ok]
    for col, result in zip(st.columns(max(1, len(ok))), ok):
        labels = np.maximum(result.image, 0)
        col.image(memo_picture(mean_colour_image, image, labels), width="stretch",
                  caption=f"{result.method.label}: mean colour per {what}")


def segment_size_histogram(maps: dict[str, np.ndarray]) -> go.Figure:
    """Distribution of segment sizes (pixels, log axis) per method ({label: label map})."""
    fig = go.Figure()
    for i, (name, labels) in enumerate(maps.items()):
        sizes = np.bincount(np.asarray(labels).ravel())[1:]
        sizes = sizes[sizes > 0]
        fig.add_trace(go.Histogram(x=np.log10(sizes), name=f"{name} ({len(sizes)})", opacity=0.6,
                                   marker_color=PALETTE[i % len(PALETTE)], nbinsx=30))
    fig.update_layout(barmode="overlay", height=320, title="Segment sizes", xaxis_title="log₁₀ pixels per segment",
                      yaxis_title="segments", margin=dict(l=10, r=10, t=40, b=10))
    return fig


def cluster_scatter(image: np.ndarray, labels: np.ndarray, *, count: int = 3000, seed: int = 0) -> go.Figure:
    """Pixels in the Lab a–b plane (a random sample): left in their own colour, right in their cluster's mean
    colour, the two panels of the book's Figure 3.15."""
    from plotly.subplots import make_subplots
    from skimage.color import rgb2lab

    from core.image import to_rgb

    rgb = to_rgb(image).reshape(-1, 3)
    flat = np.asarray(labels).ravel()
    pick = np.random.default_rng(seed).choice(len(rgb), min(count, len(rgb)), replace=False)
    lab = rgb2lab(rgb[pick][None])[0]
    means = {row["label"]: row["colour"] for row in cluster_table(image, labels)}
    own = ["#" + "".join(f"{int(round(c * 255)):02x}" for c in pixel) for pixel in rgb[pick]]
    fig = make_subplots(rows=1, cols=2, subplot_titles=("pixel colours", "cluster mean colours"),
                        shared_xaxes=True, shared_yaxes=True)
    for col, colours in ((1, own), (2, [means[int(v)] for v in flat[pick]])):
        fig.add_trace(go.Scattergl(x=lab[:, 1], y=lab[:, 2], mode="markers", showlegend=False,
                                   marker=dict(color=colours, size=4, line=dict(width=0)),
                                   hovertemplate="a %{x:.1f}, b %{y:.1f}<extra></extra>"), row=1, col=col)
    fig.update_xaxes(title_text="a (green → red)")
    fig.update_yaxes(title_text="b (blue → yellow)", col=1)
    fig.update_layout(height=380, margin=dict(l=10, r=10, t=40, b=10))
    return fig
