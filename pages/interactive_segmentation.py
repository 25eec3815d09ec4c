"""Interactive segmentation: watershed, GrabCut, random walker, fast marching and an active contour,
driven by what you draw, scored against a reference mask."""
import streamlit as st

import ui
from core.registry import SEGMENT, methods_for

DEFAULT_METHODS = ["watershed_markers", "grabcut", "random_walker", "fast_marching"]

ui.header("Interactive segmentation",
       "Paint markers, drag a rectangle or click seeds, then compare watershed, GrabCut, random walker, fast "
       "marching and a geodesic active contour by IoU, Dice and speed.", "Chapter 3")
choice = ui.pick_image(key="is", default="synthetic objects", gray_default=False)
image = choice.image
reference, reference_code = ui.reference_mask(image, choice.name, key="is")
ui.method_cards(methods_for(SEGMENT))

st.subheader("Your input")
extras = ui.drawing_tools(image, key="is", reference=reference)
st.caption("Scribbles feed the marker watersheds and the random walker, and refine GrabCut; the rectangle starts "
           "GrabCut; seeds start fast marching and the active contour. The automatic-marker watershed needs "
           "nothing (it is the book's coins pipeline: try the *coins* sample).")

st.subheader("Results")
painted = extras.get("scribbles") is not None and "scribbles" not in extras.get("auto", ())
drawn = {name: value for name, value in extras.items() if name != "auto"}
ui.compare(SEGMENT, {"image": image, **drawn}, truth=reference, truth_code="reference", defaults=DEFAULT_METHODS,
           recipe="\n".join(x for x in (choice.code, reference_code, ui.inputs_recipe(extras)) if x), key="is",
           files=(("Scribbles (.npy)", ui.npy_bytes(extras["scribbles"]), "scribbles.npy"),) if painted else ())
