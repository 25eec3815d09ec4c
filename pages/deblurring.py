"""Deblurring: deconvolution methods side by side on a blur kernel of your choice."""
import streamlit as st

import ui
from core.registry import DEBLUR, methods_for
from ui.panels import restoration

DEFAULT_METHODS = ["pseudo_inverse", "wiener", "tikhonov_fft", "richardson_lucy"]

ui.header("Deblurring", "Blur an image with a known kernel, add a little noise, and compare deconvolution methods.",
          "Chapter 1")
sharp = ui.pick_image(key="db")
blurred = ui.blur_controls(sharp.image, key="db.blur")
ui.method_cards(methods_for(DEBLUR))
st.caption(f"Input: **{sharp.name}** with {blurred.description}. Non-blind methods are given the true PSF; "
           "blind Richardson–Lucy only its size. BM3D deblurring (★) is the reference, given the noise σ added.")
comparison = ui.compare(DEBLUR, {"image": blurred.image, "psf": blurred.kernel, "known_sigma": blurred.sigma},
                        truth=sharp.image, baseline="Blurred input", recipe=f"{sharp.code}\n{blurred.code}",
                        variables={"image": "degraded"}, truth_code="image", defaults=DEFAULT_METHODS, key="db")
restoration.spectra_panel(sharp.image, blurred.image, blurred.kernel, comparison, key="db.spectrum")
