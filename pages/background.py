"""Background effects: blur, replace or desaturate what lies behind a GrabCut or hand-drawn mask."""
import pandas as pd
import streamlit as st

from core.registry import BACKGROUND, methods_for
from core.segmentation.background import UNAVAILABLE_MODELS
from core.segmentation.overlay import overlay
from ui.cards import method_cards
from ui.compare import compare_methods
from ui.inputs import pick_image
from ui.page import header
from ui.segment_compare import npy_bytes
from ui.segment_inputs import foreground_mask

DEFAULT_METHODS = ["blur", "replace", "desaturate"]

header("Background blur & replace",
       "Cut the object out with GrabCut (a box, then strokes) or paint it, then blur, replace or desaturate the "
       "background through a feathered matte.", "Chapter 4 (§4.6), with GrabCut from Chapter 3")
choice = pick_image(key="bg", default="astronaut", gray_default=False)
image = choice.image
method_cards(methods_for(BACKGROUND))

st.subheader("Foreground mask")
mask, described = foreground_mask(image, key="bg.fg")
if mask is not None:
    st.columns(3)[0].image(overlay(image, mask), width="stretch",
                           caption=f"Foreground: {described}, {100 * mask.mean():.1f} % of the image")

st.subheader("Results")
if mask is not None:
    st.download_button("Mask (.npy)", npy_bytes(mask), file_name="mask.npy", key="bg.mask.npy",
                       icon=":material/download:")
    compare_methods(BACKGROUND, (image, mask), reference=None, baseline_label="Input",
                    recipe=f"{choice.code}\nmask = np.load('mask.npy')  # from the download button",
                    defaults=DEFAULT_METHODS, key="bg")
else:
    st.info("The effects appear once there is a foreground mask.")

with st.expander("Deep-learning person segmentation from the book: not available here", expanded=False,
                 icon=":material/block:"):
    st.markdown("The chapter segments people with pretrained deep networks. Their weights cannot ship with this app "
                "and it needs no network, so they are **not run here** (and nothing is faked). GrabCut from a box "
                "is the classical stand-in.")
    st.dataframe(pd.DataFrame(UNAVAILABLE_MODELS), hide_index=True, width="stretch")
