"""Deblurring: deconvolution methods side by side on a blur kernel of your choice."""
import numpy as np
import streamlit as st

from core.image import digest, fit_size, to_gray
from core.registry import DEBLUR, methods_for
from ui.cards import method_cards
from ui.compare import compare_methods
from ui.degrade_controls import blur_controls
from ui.inputs import pick_image
from ui.page import header
from ui.plots import cached_figure, heatmap

DEFAULT_METHODS = ["pseudo_inverse", "wiener", "tikhonov_fft", "richardson_lucy"]

header("Deblurring", "Blur an image with a known kernel, add a little noise, and compare deconvolution methods.",
       "Chapter 1")
sharp = pick_image(key="db")
blurred = blur_controls(sharp.image, key="db.blur")
method_cards(methods_for(DEBLUR))
st.caption(f"Input: **{sharp.name}** with {blurred.description}. Non-blind methods are given the true PSF; "
           "blind Richardson–Lucy only its size. BM3D deblurring (★) is the reference.")
results = compare_methods(DEBLUR, (blurred.image, blurred.kernel), reference=sharp.image,
                          baseline_label="Blurred input", recipe=f"{sharp.code}\n{blurred.code}",
                          defaults=DEFAULT_METHODS, key="db")


DISPLAY_SIDE = 256  # spectra are shown at this size at most: the charts stay light to send


@st.cache_resource(max_entries=24, show_spinner=False)  # figures are shared, never modified
def _spectrum_figure(image_digest: str, title: str, _image: np.ndarray):
    from core.deblur.fourier import spectrum_db

    return heatmap(fit_size(spectrum_db(to_gray(_image)), DISPLAY_SIDE)[0], title=title, height=320)


@st.cache_resource(max_entries=8, show_spinner=False)
def _otf_figure(kernel_digest: str, shape: tuple, _kernel: np.ndarray):
    from core.deblur.fourier import otf_magnitude

    otf_db = 20 * np.log10(1e-3 + np.fft.fftshift(otf_magnitude(_kernel, shape)))
    return heatmap(fit_size(otf_db.astype(np.float32), DISPLAY_SIDE)[0], title="PSF |H| (dB)", height=320)


with st.expander("Spectra: image, PSF and result (log magnitude, centred)", expanded=False):
    choices = {"Sharp image": sharp.image, "Blurred input": blurred.image}
    choices.update({r.method.label: r.image for r in results if r.ok})
    shape = to_gray(sharp.image).shape
    c1, c2, c3 = st.columns(3)
    picked = c3.selectbox("Result", list(choices), index=len(choices) - 1, key="db.spectrum.pick")
    c1.plotly_chart(_spectrum_figure(digest(sharp.image), "Sharp image |F|", sharp.image), width="stretch",
                    key="db.spectrum.sharp")
    c2.plotly_chart(_otf_figure(digest(blurred.kernel), shape, blurred.kernel), width="stretch", key="db.spectrum.otf")
    c3.plotly_chart(_spectrum_figure(digest(choices[picked]), f"{picked} |F|", choices[picked]), width="stretch",
                    key="db.spectrum.result")
    st.plotly_chart(cached_figure(heatmap, blurred.kernel, colorscale="Inferno", height=300,
                                  title=f"PSF ({blurred.kernel.shape[0]}×{blurred.kernel.shape[1]})"), key="db.psf")
