"""Interactive segmentation: watershed, GrabCut, random walker, fast marching and an active contour,
driven by what you draw, scored against a reference mask."""
import streamlit as st

from core.registry import SEGMENT, methods_for
from ui.cards import method_cards
from ui.inputs import pick_image
from ui.page import header
from ui.segment_compare import compare_segmentations
from ui.segment_inputs import drawing_tools, reference_mask

DEFAULT_METHODS = ["watershed_markers", "grabcut", "random_walker", "fast_marching"]

header("Interactive segmentation",
       "Paint markers, drag a rectangle or click seeds, then compare watershed, GrabCut, random walker, fast "
       "marching and a geodesic active contour by IoU, Dice and speed.", "Chapter 3")
choice = pick_image(key="is", default="synthetic objects", gray_default=False)
image = choice.image
reference, reference_code = reference_mask(image, choice.name, key="is")
method_cards(methods_for(SEGMENT))

st.subheader("Your input")
extras = drawing_tools(image, key="is", reference=reference)
st.caption("Scribbles feed the marker watersheds and the random walker, and refine GrabCut; the rectangle starts "
           "GrabCut; seeds start fast marching and the active contour. The automatic-marker watershed needs "
           "nothing (it is the book's coins pipeline: try the *coins* sample).")

st.subheader("Results")
compare_segmentations(SEGMENT, image, extras=extras, reference=reference,
                      recipe="\n".join(x for x in (choice.code, reference_code) if x),
                      defaults=DEFAULT_METHODS, key="is")
