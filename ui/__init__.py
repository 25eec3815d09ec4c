"""The Streamlit kit every page uses (only ui/, pages/ and app.py import streamlit). What a page needs is
exported here; topic panels (the faces page's NMF view, the registration overlays, ...) live in `ui.panels`.

    import ui
    clean = ui.pick_image(key="dn")
    noisy = ui.noise_controls(clean.image, key="dn.noise")
    ui.compare(DENOISE, {"image": noisy.image}, truth=clean.image, defaults=["median", "nlm_cv"], key="dn", ...)
"""
import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

# Streamlit treats an app with a pages/ folder as an old-style multipage app until app.py calls
# st.navigation. A deep link such as /denoising opened first on a fresh server would then run the
# page without app.py (no navigation, no page config). Rerunning hands control back to app.py.
if PagesManager.uses_pages_directory:
    PagesManager.uses_pages_directory = False
    st.rerun()

from ui.canvas import point_canvas, rects_canvas  # noqa: E402
from ui.cards import method_cards  # noqa: E402
from ui.cells import Cells, Leading, metric_caption, own_grid  # noqa: E402
from ui.comparison import Comparison, Tab, compare, parameter_panels, pick_methods  # noqa: E402
from ui.degrade_controls import blur_controls, noise_controls  # noqa: E402
from ui.export import npy_bytes  # noqa: E402
from ui.inputs import UPLOAD_TYPES, ImageChoice, pick_image  # noqa: E402
from ui.mask_controls import mask_controls  # noqa: E402
from ui.memo import memo  # noqa: E402
from ui.page import COMPARE, EXPORT, HISTORY, SWEEP, header, lazy_tabs  # noqa: E402
from ui.params import param_widgets  # noqa: E402
from ui.plots import cached_figure, heatmap, lines, metric_curves, score_bars, synced_images  # noqa: E402
from ui.runner import RunResult, run_method  # noqa: E402
from ui.segment_inputs import drawing_tools, foreground_mask, inputs_recipe, reference_mask  # noqa: E402

__all__ = [
    "COMPARE", "EXPORT", "HISTORY", "SWEEP", "UPLOAD_TYPES", "Cells", "Comparison", "ImageChoice", "Leading",
    "RunResult", "Tab", "blur_controls", "cached_figure", "compare", "drawing_tools", "foreground_mask", "header",
    "heatmap", "inputs_recipe", "lazy_tabs", "lines", "mask_controls", "memo", "method_cards", "metric_caption", "metric_curves",
    "noise_controls", "npy_bytes", "own_grid", "parameter_panels", "param_widgets", "pick_image", "pick_methods", "point_canvas",
    "rects_canvas", "reference_mask", "run_method", "score_bars", "synced_images",
]
