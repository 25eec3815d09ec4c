"""Slicing & thresholding: gray-level slicing, bit planes, and global / local thresholds compared on one
image, each threshold marked on the histogram, scored by IoU/Dice when a reference mask is known."""
import streamlit as st

import ui
from core.registry import THRESHOLD, methods_for
from core.threshold import GLOBAL_METHODS, shade
from ui.panels import segmentation

DEFAULT_METHODS = ["otsu", "triangle", "kapur", "sauvola"]

ui.header("Slicing & thresholding",
       "Highlight a band of gray levels, split an image into bit planes, and compare seven global thresholds, "
       "maximum entropy (and six more SimpleITK thresholds) and six local (adaptive) thresholds.", "Chapter 3")
choice = ui.pick_image(key="th", default="coins")
image = choice.image
with st.sidebar.expander("Uneven lighting (book §3.2.2)", icon=":material/light_mode:"):
    st.caption("Multiply the image by a ramp to see global thresholds fail where local ones still work.")
    strength = st.slider("Shading strength", 0.0, 1.0, 0.0, 0.05, key="th.shade", bind="query-params",
                         help="1 is the book's full 0 → 1 ramp (the darkest edge becomes black).")
    direction = st.radio("Direction", ["horizontal", "vertical", "radial"], horizontal=True, key="th.shade_dir",
                         bind="query-params")
recipe = choice.code
if strength > 0:
    image = shade(image, strength=strength, direction=direction)
    recipe += f"\nfrom core.threshold import shade\nimage = shade(image, strength={strength}, direction={direction!r})"
reference, reference_code = ui.reference_mask(image, choice.name, key="th")
ui.method_cards(methods_for(THRESHOLD))

thresholds, slicing, bits = st.tabs([":material/contrast: Global & local thresholds",
                                     ":material/tonality: Gray-level slicing & ROI contrast",
                                     ":material/stacks: Bit planes"])
with thresholds:
    st.caption("Each method turns the (luminance) image into a mask. Global methods pick one threshold for the "
               "whole image; local ones compute a threshold map (see *Legend & details*). Set *Objects are* to "
               "*dark* for dark objects on a light background, such as text.")
    comparison = ui.compare(THRESHOLD, {"image": image}, truth=reference, truth_code="reference",
                            recipe="\n".join(x for x in (recipe, reference_code) if x), defaults=DEFAULT_METHODS,
                            key="th")
    if any("threshold" in r.output.extras for r in comparison.ok):
        st.plotly_chart(ui.cached_figure(segmentation.threshold_histogram, image, comparison.ok), width="stretch",
                        key="th.histogram")
    else:
        st.info("Pick a global method (" + ", ".join(GLOBAL_METHODS) + ") to see its threshold on the histogram.")
with slicing:
    segmentation.slicing_panel(image, key="th.slice")
with bits:
    segmentation.bit_plane_panel(image, key="th.bits")
