"""Result cells: how the comparison engine draws each result of a task's output kind (a picture, a caption of
its metrics, a details popover), the cells before them (the degraded input, what you drew, the reference), and
the kind's own views on the Compare tab. A topic panel passes its own `Cells` for kinds it draws differently.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import streamlit as st

from core.image import encode_png, picture
from core.registry import Task
from ui.memo import memo, memo_picture
from ui.runner import RunResult


@dataclass(frozen=True)
class Leading:
    """A cell before the results: an image with a caption (the noisy input, your scribbles, the reference)."""

    label: str
    image: np.ndarray
    caption: str = ""


def metric_caption(result: RunResult, comparison) -> str:
    """The result's caption metrics (the gain over the baseline where a metric asks for it) and its time."""
    is_baseline = result is comparison.baseline
    baseline = comparison.baseline.metrics if comparison.baseline is not None and not is_baseline else {}
    parts = [m.describe(result.metrics[m.name], baseline.get(m.name)) for m in comparison.metrics
             if m.caption and m.name in result.metrics]
    if not is_baseline:
        parts.append(f"{result.seconds:.3f} s")
    return " · ".join(parts)


def extras_details(result: RunResult, comparison, key: str) -> None:
    """Whatever else a method reported: maps as heatmaps, curves as lines, images, numbers."""
    from ui.plots import cached_figure, heatmap, lines

    for name, value in result.output.extras.items():
        if isinstance(value, np.ndarray) and value.ndim == 2 and value.size > 64:
            st.plotly_chart(cached_figure(heatmap, value, title=name, height=260), width="stretch", key=f"{key}.{name}")
        elif isinstance(value, dict) and value and all(isinstance(v, (list, np.ndarray)) for v in value.values()):
            st.plotly_chart(cached_figure(lines, value, title=name, x_title="iteration"), width="stretch",
                            key=f"{key}.{name}")
        elif isinstance(value, np.ndarray) and value.ndim == 1 and value.size > 1:
            st.plotly_chart(cached_figure(lines, {name: value}, title=name, x_title="iteration"), width="stretch",
                            key=f"{key}.{name}")
        elif isinstance(value, np.ndarray) and value.ndim == 3 and value.shape[2] in (3, 4):  # an RGB image
            st.image(picture(value), caption=name, width="stretch")
        elif isinstance(value, float):
            st.caption(f"{name}: {value:.4g}")
        elif isinstance(value, (int, str, bool)):
            st.caption(f"{name}: {value}")


def result_image(result: RunResult, comparison) -> np.ndarray:
    return result.image


def baseline_cell(comparison) -> list[Leading]:
    """The task's degraded input, with its scores, before the results."""
    if comparison.baseline is None:
        return []
    base = comparison.baseline
    return [Leading(comparison.baseline_label, base.image, metric_caption(base, comparison))]


def result_png(result: RunResult, comparison) -> bytes:
    return encode_png(result.image)


@dataclass(frozen=True)
class Cells:
    """How results are drawn. Every callable takes (result, comparison) unless said otherwise."""

    display: Callable[[RunResult, Any], np.ndarray | None] = result_image  # the picture of a result
    caption: Callable[[RunResult, Any], str] = metric_caption
    details: Callable[[RunResult, Any, str], None] | None = extras_details  # popover body, (result, comparison, key)
    details_label: tuple[str, str] = ("More", ":material/insights:")
    leading: Callable[[Any], list[Leading]] = baseline_cell  # (comparison) -> the cells before the results
    controls: Callable[[Any], Any] | None = None  # (comparison) -> a display choice, stored as comparison.view
    png: Callable[[RunResult, Any], bytes] = result_png  # a result's download on the Export tab
    per_row: int | None = None  # None: 4, or 5 for more than 4 cells
    grid: Callable[[Any], None] | None = None  # (comparison) -> draws the results itself instead of the grid
    compare_views: Callable[[Any], None] | None = None  # (comparison) -> the kind's views on the Compare tab
    targets: Callable[[Any], dict] | None = None  # (comparison) -> {metric: value} drawn as "true" lines
    zoom: bool = True  # the Compare tab shows the pictures in a synced zoom
    split: bool = False  # ... and a before / after split view
    views: "Cells | None" = None  # other cells for the Compare tab's views (default: these)

    def draw(self, comparison) -> None:
        comparison.cells = self
        if self.controls is not None:
            comparison.view = self.controls(comparison)
        if self.grid is not None:
            self.grid(comparison)
            return
        leading = self.leading(comparison)
        items: list = leading + comparison.results
        per_row = self.per_row or (4 if len(items) <= 4 else 5)
        for start in range(0, len(items), per_row):
            for column, item in zip(st.columns(per_row), items[start:start + per_row]):
                with column:
                    self._cell(item, comparison)

    def _cell(self, item, comparison) -> None:
        if isinstance(item, Leading):
            st.image(picture(item.image), caption=item.label, width="stretch")
            st.markdown(item.caption or "&nbsp;")
            return
        if not item.ok:
            st.error(f"**{item.method.label}**: {item.error}")
            return
        shown = self.display(item, comparison)
        if shown is not None:
            st.image(picture(shown), caption=item.method.label, width="stretch")
        st.markdown(self.caption(item, comparison) or "&nbsp;")
        if self.details is not None and item.output.extras:
            label, icon = self.details_label
            with st.popover(label, icon=icon):
                self.details(item, comparison, f"{comparison.key}.extras.{item.method.key}")

    def compare(self, comparison) -> None:
        """The kind's views under the metric chart: its own, then a synced zoom (and a split view)."""
        from ui.plots import cached_figure, split_view, synced_images

        if self.views is not None:
            return self.views.compare(comparison)
        if self.compare_views is not None:
            self.compare_views(comparison)
        if not self.zoom:
            return
        images = {item.label: item.image for item in self.leading(comparison)}
        images.update({r.method.label: self.display(r, comparison) for r in comparison.ok})
        images = {name: image for name, image in images.items() if image is not None}
        if len(images) < 2 or len({image.shape[:2] for image in images.values()}) > 1:
            return
        st.markdown("**Synced zoom**: drag a box on any panel to zoom them all; double-click to reset.")
        st.plotly_chart(cached_figure(synced_images, images), width="stretch", key=f"{comparison.key}.zoom")
        if not self.split:
            return
        st.markdown("**Before / after split**")
        names = list(images)
        c1, c2, c3 = st.columns([2, 2, 3])
        start = names.index(comparison.baseline_label) if comparison.baseline_label in names else 0
        left = c1.selectbox("Left", names, index=start, key=f"{comparison.key}.left")
        right = c2.selectbox("Right", names, index=len(names) - 1, key=f"{comparison.key}.right")
        position = c3.slider("Split position", 0.0, 1.0, 0.5, 0.01, key=f"{comparison.key}.split")
        width = int(min(768, max(512, images[left].shape[1])))
        st.image(memo(split_view, images[left], images[right], position), caption=f"{left} | {right}", width=width)


def _reference_first(comparison) -> list[Leading]:
    """The truth (when it is an image of the input's shape), then the degraded input."""
    cells = []
    truth, base = comparison.truth, comparison.baseline
    if isinstance(truth, np.ndarray) and base is not None and truth.shape == base.image.shape:
        cells.append(Leading("Reference", truth))
    return cells + baseline_cell(comparison)


# restored images: the reference joins the zoom and the split view, not the grid
IMAGE_CELLS = Cells(views=Cells(leading=_reference_first, split=True, details=None))


# -- segmentation: masks and label maps --------------------------------------------------------------------

VIEWS = ("Overlay", "Error map (vs reference)", "Labels")
BACKGROUND_LABEL = {"segment": 1, "threshold": 1, "components": 0}  # the rest (clusters...) have no background


def _view_choice(comparison) -> str:
    views = list(VIEWS) if comparison.truth is not None else [VIEWS[0], VIEWS[2]]
    return st.radio("Show", views, horizontal=True, key=f"{comparison.key}.view",
                    help="Error map: green = correct object pixels, red = false object, blue = missed object.")


def segmentation_image(comparison) -> np.ndarray:
    return comparison.inputs.get("image", comparison.inputs.get("mask"))


def draw_view(image: np.ndarray, result: np.ndarray, reference: np.ndarray | None, view: str,
              background_label: int | None) -> np.ndarray:
    from core.segmentation.metrics import foreground
    from core.segmentation.overlay import colorize, error_overlay, overlay

    image = np.asarray(image, np.float32)
    if view == VIEWS[1] and reference is not None:
        return error_overlay(image, reference, foreground(result, reference))
    if view == VIEWS[2]:
        return colorize(result, background_label=background_label)
    return overlay(image, result, background_label=background_label)


def _segment_display(result: RunResult, comparison) -> np.ndarray:
    return memo_picture(draw_view, segmentation_image(comparison), result.image, comparison.truth,
                        comparison.view or VIEWS[0], BACKGROUND_LABEL.get(comparison.task.name))


def _segment_leading(comparison) -> list[Leading]:
    from core.segmentation.overlay import draw_inputs

    image, inputs = segmentation_image(comparison), comparison.inputs
    cells = [Leading("Your input", memo_picture(draw_inputs, np.asarray(image, np.float32),
                                                scribbles=inputs.get("scribbles"), rect=inputs.get("rect"),
                                                seeds=inputs.get("seeds")))]
    if isinstance(comparison.truth, np.ndarray) and comparison.truth.dtype == bool:
        cells.append(Leading("Reference", memo_picture(draw_view, image, comparison.truth, None, VIEWS[0], 1),
                             f"{int(np.count_nonzero(comparison.truth))} px foreground"))
    return cells


def _legend(result: RunResult, comparison, key: str) -> None:
    from core.segmentation.overlay import legend

    items = legend(result.image, max_items=8, background_label=BACKGROUND_LABEL.get(comparison.task.name))
    total = max(1, int(np.asarray(result.image).size))
    st.markdown("  \n".join(f"<span style='color:{i['color']}'>■</span> {i['label']}: "
                            f"{100 * i['pixels'] / total:.1f} %" for i in items), unsafe_allow_html=True)
    extras_details(result, comparison, key)


def labels_png(result: RunResult, comparison) -> bytes:
    from core.segmentation.overlay import colorize

    image = result.image
    return encode_png(image.astype(np.float32) if image.dtype == bool else
                      colorize(image, background_label=BACKGROUND_LABEL.get(comparison.task.name)))


def _agreement(comparison) -> None:
    from ui.plots import agreement_figure, cached_figure

    maps = ({"Reference": comparison.truth} if isinstance(comparison.truth, np.ndarray) else {}) | {
        r.method.label: r.image for r in comparison.ok}
    if len(maps) >= 2:
        st.plotly_chart(cached_figure(agreement_figure, maps), width="stretch", key=f"{comparison.key}.agreement")
        st.caption("Agreement: IoU of the foregrounds for two masks; for label maps, the area-weighted best-match "
                   "IoU of their segments (1 = the same partition).")


SEGMENTATION_CELLS = Cells(display=_segment_display, details=_legend, leading=_segment_leading,
                           details_label=("Legend & details", ":material/palette:"), controls=_view_choice,
                           png=labels_png, views=Cells(leading=lambda c: [], compare_views=_agreement,  # overlays
                                                       display=lambda r, c: memo_picture(
                                                           draw_view, segmentation_image(c), r.image, None, VIEWS[0],
                                                           BACKGROUND_LABEL.get(c.task.name))))


# -- detections and keypoints ------------------------------------------------------------------------------

DETECTION_NOUNS = {"detect_faces": ("face", "faces"), "detect_people": ("person", "people")}


def detection_caption(result: RunResult, comparison) -> str:
    """"**4 people** (from 37 raw windows) · 0.123 s", then precision and recall against the true boxes."""
    one, many = DETECTION_NOUNS.get(comparison.task.name, ("box", "boxes"))
    extras, count = result.output.extras, int(result.output.extras["count"])
    text = f"**{count} {one if count == 1 else many}**"
    if extras.get("raw windows") is not None:
        text += f" (from {extras['raw windows']} raw windows)"
    if "eyes" in extras:
        text += f" · {len(extras['eyes'])} eyes"
    text += f" · {result.seconds:.3f} s"
    if comparison.truth is not None and "precision" in result.metrics:
        metric = comparison.task.metric
        text += (f"  \nprecision **{metric('precision').format(result.metrics['precision'])}** · recall "
                 f"**{metric('recall').format(result.metrics['recall'])}** (IoU ≥ 0.5, {len(comparison.truth)} true)")
    return text


def keypoint_caption(result: RunResult, comparison) -> str:
    text = f"**{result.output.extras['count']}** keypoints · {result.seconds * 1000:.1f} ms"
    if "recall_3px" in result.metrics:
        text += f" · {result.metrics['recall_3px']:.0%} of the true corners within 3 px"
    return text


BOX_CELLS = Cells(caption=detection_caption, details=None, per_row=3, zoom=False,
                  targets=lambda c: {"count": float(len(c.truth))} if c.truth is not None else {})
KEYPOINT_CELLS = Cells(caption=keypoint_caption, details=None, per_row=3, zoom=False)
PLAIN_CELLS = Cells(zoom=False)


def failures(comparison) -> None:
    """Only the failed methods' messages: for panels that draw their results themselves, below the engine."""
    for result in comparison.results:
        if not result.ok:
            st.error(f"**{result.method.label}**: {result.error}")


def own_grid(**details) -> Cells:
    """Cells for a panel that draws its results itself (failures are still shown here)."""
    return Cells(grid=failures, zoom=False, **details)

_BY_KIND = {"image": IMAGE_CELLS, "segmentation": SEGMENTATION_CELLS, "boxes": BOX_CELLS, "keypoints": KEYPOINT_CELLS,
            "aligned": Cells(), "shifted": Cells()}


def cells_for(task: Task) -> Cells:
    """The default cells of a task's output kind."""
    return _BY_KIND.get(task.output.name, PLAIN_CELLS)

