"""Matching & registration: features + RANSAC/MAGSAC, ECC, deformable methods, channel alignment, VoxelMorph."""
import streamlit as st

from core.registry import REGISTER, methods_for
from ui.cards import method_cards
from ui.compare import parameter_panels, pick_methods
from ui.export import export_panel
from ui.inputs import pick_image
from ui.page import EXPORT, HISTORY, SWEEP, header, lazy_tabs
from ui.plots import cached_figure
from ui.registration_extras import channel_panel, voxelmorph_panel
from ui.registration_views import (deformation_panel, error_chart, matches_panel, metric_rows, moving_controls,
                                   overlay_panel, results_grid)
from ui.runner import run_method
from ui.sweep_history import registration_scores, registration_settings, sweep_history

DEFAULTS = {"parametric": ["sift", "orb", "akaze", "ecc"], "deformable": ["demons", "tvl1", "ilk"]}

header("Matching & registration", "Align a moving image onto a fixed one with keypoint matching, intensity-based "
       "ECC or a deformable method; with a synthetic warp the true transform is known, so the error is in pixels.",
       "Chapter 5")
fixed_choice = pick_image(key="rg", default="astronaut")
fixed = fixed_choice.image
moving = moving_controls(fixed, key="rg.moving")
method_cards(methods_for(REGISTER))
group = "deformable" if moving.truth is not None and moving.truth.kind == "deformable" else "parametric"
methods = pick_methods(REGISTER, DEFAULTS[group], key=f"rg.methods.{group}")
st.caption(f"Fixed: **{fixed_choice.name}**; moving: {moving.description}. Errors are the mean distance between "
           "where the estimate and the truth send the image corners (deformable: every pixel).")
if not methods:
    st.info("Choose at least one method.")
    st.stop()
current = parameter_panels(methods)
scores = registration_scores(moving.truth)
results = [run_method(m, (fixed, moving.image), current[m.key], reference=fixed, metrics=scores) for m in methods]
results_grid(results, fixed, moving.image, moving.truth)

tabs = lazy_tabs([":material/compare: Overlay", ":material/join: Matches", ":material/grid_on: Deformation",
                  ":material/bar_chart: Errors & times", SWEEP, HISTORY, EXPORT], key="rg.tab")
if tabs[0].open:
    with tabs[0]:
        overlay_panel(fixed, moving.image, results, key="rg.overlay")
if tabs[1].open:
    with tabs[1]:
        matches_panel(results)
if tabs[2].open:
    with tabs[2]:
        deformation_panel(fixed, moving.image, results, moving.truth, key="rg.field")
if tabs[3].open:
    with tabs[3]:
        st.plotly_chart(cached_figure(error_chart, results, moving.truth), width="stretch", key="rg.chart")
sweep_history(tabs[4], tabs[5], REGISTER.name, methods, (fixed, moving.image), results, reference=fixed,
              current=current, metrics=scores, recipe=f"{fixed_choice.code}\n{moving.code}",
              methods_key=f"rg.methods.{group}", key="rg", **registration_settings(moving.truth))
if tabs[6].open:
    with tabs[6]:
        export_panel(REGISTER.name, results, metric_rows(results, fixed, moving.truth),
                     f"{fixed_choice.code}\n{moving.code}", inputs=("fixed", "moving"), has_reference=False,
                     key="rg.export")

channels = st.expander("Colour-channel alignment, Prokudin-Gorskii style (book §5.4)", icon=":material/palette:",
                       key="rg.channels.open", on_change="rerun")  # runs only while open
if channels.open:
    with channels:
        channel_panel(fixed, key="rg.channels")
with st.expander("A small VoxelMorph-style network, trained here on digits (book §5.7)", icon=":material/hub:"):
    voxelmorph_panel(key="rg.vxm")
