"""Background effects: blur, replace or desaturate what lies behind a GrabCut or hand-drawn mask."""
import pandas as pd
import streamlit as st

import ui
from core.registry import BACKGROUND, methods_for
from core.segmentation.background import UNAVAILABLE_MODELS
from core.segmentation.overlay import overlay

DEFAULT_METHODS = ["blur", "replace", "desaturate"]

ui.header("Background blur & replace",
       "Cut the object out with GrabCut (a box, then strokes) or paint it, then blur, replace or desaturate the "
       "background through a feathered matte.", "Chapter 4 (§4.6), with GrabCut from Chapter 3")
choice = ui.pick_image(key="bg", default="astronaut", gray_default=False)
image = choice.image
ui.method_cards(methods_for(BACKGROUND))

st.subheader("Foreground mask")
mask, described = ui.foreground_mask(image, key="bg.fg")
if mask is not None:
    st.columns(3)[0].image(overlay(image, mask), width="stretch",
                           caption=f"Foreground: {described}, {100 * mask.mean():.1f} % of the image")

st.subheader("Results")
if mask is not None:
    st.download_button("Mask (.npy)", ui.npy_bytes(mask), file_name="mask.npy", key="bg.mask.npy",
                       icon=":material/download:")
    ui.compare(BACKGROUND, {"image": image, "mask": mask}, defaults=DEFAULT_METHODS, key="bg",
               recipe=f"{choice.code}\nimport numpy as np\nmask = np.load('mask.npy')  # from the download button",
               cells=ui.Cells(leading=lambda comparison: [ui.Leading("Input", image)]))
else:
    st.info("The effects appear once there is a foreground mask.")

with st.expander("Deep-learning person segmentation from the book: not available here", expanded=False,
                 icon=":material/block:"):
    st.markdown("The chapter segments people with pretrained deep networks. Their weights cannot ship with this app "
                "and it needs no network, so they are **not run here** (and nothing is faked). GrabCut from a box "
                "is the classical stand-in.")
    st.dataframe(pd.DataFrame(UNAVAILABLE_MODELS), hide_index=True, width="stretch")
