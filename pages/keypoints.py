"""Corners & keypoints: Harris, Shi–Tomasi, FAST, ORB, SIFT, AKAZE and BRISK side by side."""
import streamlit as st

from core.image import to_gray
from core.registry import KEYPOINTS, methods_for
from ui.cards import method_cards
from ui.compare import parameter_panels, pick_methods
from ui.export import export_panel
from ui.inputs import pick_image
from ui.keypoint_views import counts_chart, detector_grid, harris_probe, repeatability_panel, subpixel_panel
from ui.page import EXPORT, HISTORY, SWEEP, header, lazy_tabs
from ui.plots import cached_figure
from ui.runner import run_method
from ui.sweep_history import KEYPOINT_SCORES, keypoint_scores, sweep_history

DEFAULT_METHODS = ["harris", "shi_tomasi", "orb", "sift"]

header("Corners & keypoints", "Detect corners and scale-space keypoints, see their scale and orientation, and "
       "measure how repeatable each detector is under rotation, scaling, noise and blur.", "Chapter 5")
choice = pick_image(key="kp", default="astronaut")
image = to_gray(choice.image)
method_cards(methods_for(KEYPOINTS))
methods = pick_methods(KEYPOINTS, DEFAULT_METHODS, key="kp.methods")
if not methods:
    st.info("Choose at least one detector.")
    st.stop()
current = parameter_panels(methods)
results = [run_method(m, (image,), current[m.key], reference=image, metrics=keypoint_scores) for m in methods]
st.caption(f"Input: **{choice.name}**, {image.shape[1]}×{image.shape[0]}. Circles show each keypoint's scale, "
           "the radius its orientation; corner detectors have neither.")
detector_grid(results)

chart, probe, subpixel, repeat, sweep, history, export = lazy_tabs([
    ":material/bar_chart: Counts & times", ":material/ads_click: Harris probe",
    ":material/center_focus_strong: Sub-pixel accuracy", ":material/repeat: Repeatability", SWEEP, HISTORY, EXPORT],
    key="kp.tab")
if chart.open:
    with chart:
        st.plotly_chart(cached_figure(counts_chart, results), width="stretch", key="kp.counts")
if probe.open:
    with probe:
        harris_params = current.get("harris") or {"block_size": 2, "ksize": 3, "k": 0.04}
        st.caption("Uses the Harris detector's block size, aperture and k" +
                   (" from its panel." if "harris" in current else " (add Harris above to tune them)."))
        harris_probe(image, harris_params, key="kp.probe")
if subpixel.open:
    with subpixel:
        st.caption("A checkerboard rendered at a known sub-pixel offset and angle, so every corner's true position "
                   "is known (book §5.2.2). Uses the Harris + sub-pixel panel's settings when it is chosen.")
        subpixel_panel(current.get("harris_subpix", {}), key="kp.subpix")
if repeat.open:
    with repeat:
        repeatability_panel(image, methods, current, key="kp.repeat")
sweep_history(sweep, history, KEYPOINTS.name, methods, (image,), results, reference=image, current=current,
              metrics=keypoint_scores, recipe=choice.code, methods_key="kp.methods", key="kp", **KEYPOINT_SCORES)
if export.open:
    with export:
        rows = [dict(method=r.method.label, keypoints=r.output.extras["count"] if r.ok else None,
                     seconds=r.seconds, params=str(r.params), error=r.error or "") for r in results]
        export_panel(KEYPOINTS.name, results, rows, choice.code, inputs=("image",), has_reference=False,
                     key="kp.export")
