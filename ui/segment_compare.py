"""The segmentation comparison kit: `compare_segmentations` is to segmentation pages what
`ui.compare.compare_methods` is to restoration pages.

    from ui.segment_compare import compare_segmentations
    compare_segmentations(THRESHOLD, image, reference=mask_or_None, recipe=choice.code,
                          defaults=["otsu", "li", "yen"], key="th")

- `extras` supplies what methods declare in `Method.needs` ({"scribbles": labels, "rect": (x, y, w, h),
  "seeds": [(x, y), ...]}); a method whose input is missing shows a message in its cell, not a crash.
- `reference` (a bool mask, synthetic ground truth or one the user drew) turns on IoU/Dice, the error
  view and the sweep; without it the captions show segment counts and times only.
- `background_label=None` for clusterings (every label is a segment, none is background).
Results: a grid of overlays (segments tinted, boundaries yellow) with IoU/Dice/segments/time captions;
tabs Compare (bars + pairwise agreement heatmap + synced zoom), Sweep (IoU/Dice against a parameter),
History and Export (mask PNGs, metrics CSV, a Python snippet).
"""
from __future__ import annotations

import numpy as np
import streamlit as st

from core.image import digest, encode_png
from core.registry import Method, Task
from core.tasks.protocol import NEEDS, MissingInput
from core.segmentation.metrics import foreground, pairwise_agreement, segmentation_scores
from core.segmentation.overlay import colorize, draw_inputs, error_overlay, legend, overlay
from ui.compare import parameter_panels, show_extras, pick_methods
from ui.export import export_panel
from ui.history import history_panel, record
from ui.memo import memo
from ui.page import COMPARE, EXPORT, HISTORY, SWEEP, lazy_tabs
from ui.plots import agreement_heatmap, cached_figure, score_bars, synced_images
from ui.runner import RunResult, format_metric, run_method
from ui.sweep import sweep_panel

VIEWS = ("Overlay", "Error map (vs reference)", "Labels")
IMPORTS = """import numpy as np
from core.gallery import load_sample
from core.image import decode_image, prepare
from core.registry import get_method
from core.segmentation.metrics import dice, foreground, iou
from core.segmentation.synthetic import reference_for_sample, rect_from_mask, scribbles_from_mask, seeds_from_mask
"""
SCORE_LINE = ('fg = foreground(result, reference)\n'
              'print(f"IoU {iou(reference, fg):.3f}, Dice {dice(reference, fg):.3f}")')
HISTORY_COLUMNS = (("iou", "IoU", "%.3f"), ("dice", "Dice", "%.3f"), ("segments", "segments", "%d"))


def caption(metrics: dict, seconds: float | None) -> str:
    parts = []
    if "iou" in metrics:
        parts.append(f"IoU **{format_metric(metrics['iou'], digits=3)}**")
        parts.append(f"Dice **{format_metric(metrics.get('dice'), digits=3)}**")
    if "segments" in metrics:
        count = int(metrics["segments"])
        parts.append(f"{count} segment{'s' if count != 1 else ''}")
    if seconds is not None:
        parts.append(f"{seconds:.3f} s")
    return " · ".join(parts)


def run_all(methods: list[Method], image: np.ndarray, extras: dict, current: dict[str, dict],
            reference: np.ndarray | None) -> tuple[list[RunResult], dict[str, tuple]]:
    """Run each method with the inputs it needs; a missing input becomes that method's error message."""
    results, inputs = [], {}
    for method in methods:
        try:
            inputs[method.key] = method.arguments(dict(extras, image=image))
        except MissingInput as exc:
            results.append(RunResult(method, dict(current.get(method.key, {})), None, 0.0, str(exc)))
            continue
        results.append(run_method(method, inputs[method.key], current[method.key], reference=reference,
                                  metrics=segmentation_scores))
    return results, inputs


def view_of(image: np.ndarray, result: np.ndarray, reference: np.ndarray | None, view: str,
            background_label: int | None) -> np.ndarray:
    """The result drawn for display (cached: a rerun with nothing changed redraws nothing)."""
    return memo(draw_view, image, result, reference, view, background_label)


def draw_view(image: np.ndarray, result: np.ndarray, reference: np.ndarray | None, view: str,
              background_label: int | None) -> np.ndarray:
    if view == VIEWS[1] and reference is not None:
        return error_overlay(image, reference, foreground(result, reference))
    if view == VIEWS[2]:
        return colorize(result, background_label=background_label)
    return overlay(image, result, background_label=background_label)


def legend_markdown(result: np.ndarray, background_label: int | None, max_items: int = 8) -> str:
    items = legend(result, max_items=max_items, background_label=background_label)
    total = max(1, int(np.asarray(result).size))
    return "  \n".join(f"<span style='color:{i['color']}'>■</span> {i['label']}: {100 * i['pixels'] / total:.1f} %"
                       for i in items)


def results_grid(image: np.ndarray, results: list[RunResult], *, extras: dict, reference: np.ndarray | None,
                 view: str, background_label: int | None, key: str, per_row: int = 4) -> None:
    drawn = memo(draw_inputs, image, scribbles=extras.get("scribbles"), rect=extras.get("rect"),
                 seeds=extras.get("seeds"))
    first = [("Your input", drawn, "")]
    if reference is not None:
        first.append(("Reference", view_of(image, reference, None, VIEWS[0], 1),
                      f"{int(np.count_nonzero(reference))} px foreground"))
    cells = first + results
    for start in range(0, len(cells), per_row):
        for column, item in zip(st.columns(per_row), cells[start:start + per_row]):
            with column:
                if isinstance(item, tuple):
                    st.image(item[1], caption=item[0], width="stretch")
                    st.markdown(item[2] or "&nbsp;")
                elif not item.ok:
                    st.error(f"**{item.method.label}**: {item.error}")
                else:
                    st.image(view_of(image, item.image, reference, view, background_label),
                             caption=item.method.label, width="stretch")
                    st.markdown(caption(item.metrics, item.seconds))
                    with st.popover("Legend & details", icon=":material/palette:"):
                        st.markdown(legend_markdown(item.image, background_label), unsafe_allow_html=True)
                        show_extras(item, f"{key}.extras.{item.method.key}")


def metric_rows(results: list[RunResult]) -> list[dict]:
    return [dict(method=r.method.label, iou=r.metrics.get("iou"), dice=r.metrics.get("dice"),
                 segments=r.metrics.get("segments"), seconds=r.seconds if r.ok else None, params=str(r.params),
                 error=r.error or "") for r in results]


def compare_tab(image: np.ndarray, results: list[RunResult], reference: np.ndarray | None, *,
                background_label: int | None, key: str) -> None:
    ok = [r for r in results if r.ok]
    if not ok:
        st.info("No method produced a result yet.")
        return
    fields = ([("iou", "IoU ↑", ".3f"), ("dice", "Dice ↑", ".3f")] if reference is not None else []) + [
        ("segments", "Segments", ".0f"), ("seconds", "Time (s) ↓", ".3f")]
    st.plotly_chart(cached_figure(score_bars, metric_rows(ok), fields), width="stretch", key=f"{key}.bars")
    maps = ({"Reference": reference} if reference is not None else {}) | {r.method.label: r.image for r in ok}
    if len(maps) >= 2:
        st.plotly_chart(cached_figure(agreement_figure, maps), width="stretch", key=f"{key}.agreement")
        st.caption("Agreement: IoU of the foregrounds for two masks; for label maps, the area-weighted best-match "
                   "IoU of their segments (1 = the same partition).")
    st.markdown("**Synced zoom**: drag a box on any panel to zoom them all; double-click to reset.")
    views = {r.method.label: view_of(image, r.image, None, VIEWS[0], background_label) for r in ok}
    st.plotly_chart(cached_figure(synced_images, views), width="stretch", key=f"{key}.zoom")


def agreement_figure(maps: dict[str, np.ndarray]):
    """The pairwise-agreement heatmap of {label: result} (computed with the figure, so cached with it)."""
    return agreement_heatmap(pairwise_agreement(maps), list(maps))


def _extras_recipe(extras: dict, auto: tuple[str, ...] = ()) -> str:
    lines = [f"{tool} = {tool}_from_mask(reference)  # automatic input" for tool in auto]
    extras = {k: v for k, v in extras.items() if k not in auto}
    if extras.get("rect") is not None:
        lines.append(f"rect = {tuple(int(v) for v in extras['rect'])}")
    if extras.get("seeds"):
        lines.append(f"seeds = {[(round(float(x), 1), round(float(y), 1)) for x, y in extras['seeds']]}")
    if extras.get("scribbles") is not None:
        lines.append('scribbles = np.load("scribbles.npy")  # download it from the Export tab')
    elif "scribbles" not in auto:
        lines.append("scribbles = None  # GrabCut's refinement strokes are optional")
    return "\n".join(lines)


def npy_bytes(array: np.ndarray) -> bytes:
    import io

    buffer = io.BytesIO()
    np.save(buffer, np.asarray(array))
    return buffer.getvalue()


def _mask_png(result: RunResult) -> bytes:
    image = result.image
    return encode_png(image.astype(np.float32) if image.dtype == bool else colorize(image))


def compare_segmentations(task: Task, image: np.ndarray, *, extras: dict | None = None,
                          reference: np.ndarray | None = None, recipe: str, defaults: list[str],
                          key: str | None = None, background_label: int | None = 1) -> list[RunResult]:
    """The whole comparison block for segmentation methods of `task` on `image`. `recipe` is Python that
    rebuilds `image` (and `reference`, when given) with core, for the export snippet and the history."""
    key = key or task.name
    auto = tuple((extras or {}).get("auto", ()))  # inputs made from the known mask (ui.segment_inputs)
    extras = {k: v for k, v in (extras or {}).items() if v is not None and k != "auto"}
    methods_key = f"{key}.methods"
    methods = pick_methods(task, defaults, key=methods_key)
    if not methods:
        st.info("Choose at least one method to compare.")
        return []
    if reference is not None and reference.shape != image.shape[:2]:
        st.error("The reference mask does not match the image size; it is ignored.")
        reference = None
    current = parameter_panels(methods)
    views = list(VIEWS) if reference is not None else [VIEWS[0], VIEWS[2]]
    view = st.radio("Show", views, horizontal=True, key=f"{key}.view",
                    help="Error map: green = correct object pixels, red = false object, blue = missed object.")
    results, inputs = run_all(methods, image, extras, current, reference)
    full_recipe = "\n".join(x for x in (recipe, _extras_recipe(extras, auto)) if x)
    input_digest = digest(image, *[np.asarray(v) for v in extras.values()])
    for result in results:
        record(task.name, result, input_digest=input_digest, recipe=full_recipe)
    results_grid(image, results, extras=extras, reference=reference, view=view, background_label=background_label,
                 key=key)
    compare, sweep, history, export = lazy_tabs([COMPARE, SWEEP, HISTORY, EXPORT], key=f"{key}.tab")
    if compare.open:
        with compare:
            compare_tab(image, results, reference, background_label=background_label, key=f"{key}.compare")
    if sweep.open:
        with sweep:
            runnable = [m for m in methods if m.key in inputs]
            sweep_panel(runnable, inputs, reference=reference, current=current, key=f"{key}.sweep",
                        methods_key=methods_key, scores=("iou", "dice"), metrics=segmentation_scores)
    if history.open:
        with history:
            history_panel(task.name, input_digest=input_digest, methods_key=methods_key, key=f"{key}.history",
                          columns=HISTORY_COLUMNS)
    if export.open:
        with export:
            if extras.get("scribbles") is not None and "scribbles" not in auto:
                st.download_button("Scribbles (.npy)", npy_bytes(extras["scribbles"]), file_name="scribbles.npy",
                                   key=f"{key}.npy", icon=":material/brush:")
            names = {m.key: ("image",) + tuple(NEEDS[n].key for n in m.needs) for m in methods}
            export_panel(task.name, results, metric_rows(results), full_recipe, inputs=names,
                         has_reference=reference is not None, key=f"{key}.export", png=_mask_png, imports=IMPORTS,
                         score_line=SCORE_LINE)
    return results
