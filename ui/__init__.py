"""The Streamlit kit every page uses (only ui/, pages/ and app.py import streamlit). What a page needs is
exported here; topic panels (the faces page's NMF view, the registration overlays, ...) live in `ui.panels`.

    import ui
    clean = ui.pick_image(key="dn")
    noisy = ui.noise_controls(clean.image, key="dn.noise")
    ui.compare(DENOISE, {"image": noisy.image}, truth=clean.image, defaults=["median", "nlm_cv"], key="dn", ...)
"""
from ui.canvas import point_canvas, rects_canvas
from ui.cards import method_cards
from ui.cells import Cells, Leading, metric_caption, own_grid
from ui.comparison import Comparison, Tab, compare, parameter_panels, pick_methods
from ui.degrade_controls import blur_controls, noise_controls
from ui.export import npy_bytes
from ui.inputs import UPLOAD_TYPES, ImageChoice, pick_image
from ui.mask_controls import mask_controls
from ui.memo import memo
from ui.page import COMPARE, EXPORT, HISTORY, SWEEP, header, lazy_tabs
from ui.params import param_widgets
from ui.plots import cached_figure, heatmap, lines, metric_curves, score_bars, synced_images
from ui.runner import RunResult, run_method
from ui.segment_inputs import drawing_tools, foreground_mask, inputs_recipe, reference_mask

__all__ = [
    "COMPARE", "EXPORT", "HISTORY", "SWEEP", "UPLOAD_TYPES", "Cells", "Comparison", "ImageChoice", "Leading",
    "RunResult", "Tab", "blur_controls", "cached_figure", "compare", "drawing_tools", "foreground_mask", "header",
    "heatmap", "inputs_recipe", "lazy_tabs", "lines", "mask_controls", "memo", "method_cards", "metric_caption", "metric_curves",
    "noise_controls", "npy_bytes", "own_grid", "parameter_panels", "param_widgets", "pick_image", "pick_methods", "point_canvas",
    "rects_canvas", "reference_mask", "run_method", "score_bars", "synced_images",
]

from core.threads import app_threads, limit_threads  # noqa: E402

limit_threads(app_threads())  # before TensorFlow or SimpleITK load: a shared host's thread pools (core.threads)
