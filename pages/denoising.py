"""Denoising: classic and modern denoisers side by side on a noise model of your choice."""
import streamlit as st

import ui
from core.registry import DENOISE, methods_for
from ui.panels import restoration

DEFAULT_METHODS = ["median", "tv_chambolle", "nlm_cv", "bayes_shrink"]

ui.header("Denoising", "Add noise to an image, then compare denoisers by PSNR, SSIM and speed.", "Chapter 1")
clean = ui.pick_image(key="dn")
noisy = ui.noise_controls(clean.image, key="dn.noise")
ui.method_cards(methods_for(DENOISE))
st.caption(f"Input: **{clean.name}** with {noisy.description}. The noisy image is the baseline every method "
           "must beat; BM3D (★) is the reference the others are judged against"
           + (f", and is given the known σ = {noisy.sigma:g}." if noisy.sigma else "."))
ui.compare(DENOISE, {"image": noisy.image, "known_sigma": noisy.sigma}, truth=clean.image, baseline="Noisy input",
           recipe=f"{clean.code}\n{noisy.code}", variables={"image": "degraded"}, truth_code="image",
           defaults=DEFAULT_METHODS, key="dn")
restoration.wavelet_panel(noisy.image, key="dn.dwt")
restoration.digits_panel(key="dn.pca")
