"""Matching & registration: features + RANSAC/MAGSAC, ECC, deformable methods, channel alignment, VoxelMorph."""
import streamlit as st

import ui
from core.registry import REGISTER, methods_for
from ui.panels import registration, registration_extras

DEFAULTS = {"parametric": ["sift", "orb", "akaze", "ecc"], "deformable": ["demons", "tvl1", "ilk"]}

ui.header("Matching & registration", "Align a moving image onto a fixed one with keypoint matching, intensity-based "
          "ECC or a deformable method; with a synthetic warp the true transform is known, so the error is in pixels.",
          "Chapter 5")
fixed_choice = ui.pick_image(key="rg", default="astronaut")
fixed = fixed_choice.image
moving = registration.moving_controls(fixed, key="rg.moving")
ui.method_cards(methods_for(REGISTER))
group = "deformable" if moving.truth is not None and moving.truth.kind == "deformable" else "parametric"
st.caption(f"Fixed: **{fixed_choice.name}**; moving: {moving.description}. Errors are the mean distance between "
           "where the estimate and the truth send the image corners (deformable: every pixel).")
ui.compare(REGISTER, {"fixed": fixed, "moving": moving.image}, truth=moving.truth, baseline="Moving (before)",
           recipe=f"{fixed_choice.code}\n{moving.code}", defaults=DEFAULTS[group], key="rg",
           methods_key=f"rg.methods.{group}", cells=registration.REGISTRATION_CELLS,
           tabs=(ui.Tab(":material/compare: Overlay", registration.overlay_panel),
                 ui.Tab(":material/join: Matches", registration.matches_panel),
                 ui.Tab(":material/grid_on: Deformation", registration.deformation_panel)))

channels = st.expander("Colour-channel alignment, Prokudin-Gorskii style (book §5.4)", icon=":material/palette:",
                       key="rg.channels.open", on_change="rerun")  # runs only while open
if channels.open:
    with channels:
        registration_extras.channel_panel(fixed, fixed_choice.code, key="rg.channels")
with st.expander("A small VoxelMorph-style network, trained here on digits (book §5.7)", icon=":material/hub:"):
    registration_extras.voxelmorph_panel(key="rg.vxm")
