"""Inpainting: mark missing pixels (generate, draw or upload a mask) and compare methods that fill them."""
import streamlit as st

from core.masks import apply_mask, check_mask
from core.metrics import inpainting_quality
from core.registry import INPAINT, methods_for
from ui.cards import method_cards
from ui.compare import ExtraMetric, compare_methods
from ui.inputs import pick_image
from ui.mask_controls import mask_controls
from ui.page import header

DEFAULT_METHODS = ["mean_fill", "telea", "navier_stokes", "biharmonic"]
IN_MASK = (ExtraMetric("psnr_mask", "Mask PSNR", " dB", 2), ExtraMetric("ssim_mask", "Mask SSIM", "", 3))


def _metrics_for(mask):
    """Whole-image PSNR/SSIM plus both inside the mask. The mask is one of the method inputs, so the
    runner's cache key (the inputs' digest) already tells masks apart."""
    def inpainting_metrics(reference, estimate):
        return inpainting_quality(reference, estimate, mask)

    return inpainting_metrics


header("Inpainting", "Mark the missing pixels, then compare methods that fill them: diffusion, patches, "
       "Fourier models, regression on pixel positions and a small neural network.", "Chapter 2")
clean = pick_image(key="inp", default="astronaut")
choice = mask_controls(clean.image, key="inp.mask")
method_cards(methods_for(INPAINT))

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
compare_methods(INPAINT, (damaged, mask), reference=clean.image, baseline_label="Masked input", recipe=recipe,
                defaults=DEFAULT_METHODS, key="inp", metrics=_metrics_for(mask), extra_metrics=IN_MASK)
