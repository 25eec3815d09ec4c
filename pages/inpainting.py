"""Inpainting: mark missing pixels (generate, draw or upload a mask) and compare methods that fill them."""
import streamlit as st

import ui
from core.masks import apply_mask, check_mask
from core.registry import INPAINT, methods_for

DEFAULT_METHODS = ["mean_fill", "telea", "navier_stokes", "biharmonic"]

ui.header("Inpainting", "Mark the missing pixels, then compare methods that fill them: diffusion, patches, "
       "Fourier models, regression on pixel positions and a small neural network.", "Chapter 2")
clean = ui.pick_image(key="inp", default="astronaut")
choice = ui.mask_controls(clean.image, key="inp.mask")
ui.method_cards(methods_for(INPAINT))

if choice.mask is None:
    if choice.error:
        st.error(choice.error)
    else:
        st.info("Upload a black-and-white mask image in the sidebar: white where pixels are missing, black where "
                "they are known. It should have the image's proportions; it is resized to the working size.")
    st.stop()
try:
    mask = check_mask(clean.image, choice.mask)
except ValueError as exc:
    drawing_nothing = choice.source == "Draw" and not choice.mask.any()
    (st.info if drawing_nothing else st.error)(str(exc))
    st.stop()

damaged = apply_mask(clean.image, mask)
st.caption(f"Input: **{clean.name}** with {choice.description}, shown in white. Scores compare each result with "
           "the intact image over the whole picture and **inside the mask** alone (the whole-image numbers are "
           "inflated by the untouched pixels). The mean fill is the baseline every method should beat.")
st.caption("Slow methods are marked *(slow)*. FSR and shift-map work on the hole's surroundings, downscaled to "
           "their *Working size* when those are larger (a mask spread over the whole picture is filled at that "
           "size and scaled back up); neural painting trains a Keras network here (TensorFlow loads on its "
           "first use, about 10 s).")
recipe = (f"{clean.code}\nfrom core.masks import apply_mask, fit_mask, generate_mask, load_mask\n{choice.code}\n"
          "degraded = apply_mask(image, mask)")
ui.compare(INPAINT, {"image": damaged, "mask": mask}, truth=clean.image, baseline="Masked input", recipe=recipe,
           variables={"image": "degraded"}, truth_code="image", defaults=DEFAULT_METHODS, key="inp")
