"""Panels of the Chapter 1 pages: the noisy image's wavelet coefficients, PCA against kernel PCA on digits
(denoising), and the spectra of the image, the PSF and a result (deblurring)."""
from __future__ import annotations

import numpy as np
import plotly.express as px
import streamlit as st

from core.image import digest, fit_size, to_gray
from ui.plots import cached_figure, heatmap

DISPLAY_SIDE = 256  # spectra are shown at this size at most: the charts stay light to send


@st.cache_data(max_entries=8, show_spinner=False)
def _dwt(image_digest: str, wavelet: str, level: int, _image: np.ndarray):
    from core.denoise.wavelets import detail_coefficients, dwt_mosaic

    return dwt_mosaic(_image, wavelet=wavelet, level=level), detail_coefficients(_image, wavelet=wavelet, level=level)


def wavelet_panel(image: np.ndarray, *, key: str) -> None:
    """The multilevel 2-D DWT of the (noisy) image and the histogram of its detail coefficients."""
    from core.denoise.wavelets import dwt_level_max

    with st.expander("Wavelet coefficients of the noisy image (book §1.7.1)"):
        gray = to_gray(image)
        c1, c2 = st.columns(2)
        wavelet = c1.selectbox("Wavelet", ["haar", "db2", "db4", "sym4", "coif2", "bior2.8"], key=f"{key}.wavelet")
        top = max(1, dwt_level_max(gray.shape, wavelet))
        level = c2.slider("Levels", 1, top, min(3, top), key=f"{key}.level")
        mosaic, details = _dwt(digest(gray), wavelet, level, gray)
        m1, m2 = st.columns([3, 2])
        m1.image(mosaic, caption="Multilevel 2-D DWT: approximation top-left, details per level "
                 "(each band contrast-stretched on its own)", width="stretch")
        histogram = cached_figure(px.histogram, x=np.clip(details, -0.5, 0.5), nbins=120, log_y=True,
                                  labels={"x": "detail coefficient"}, title="Detail coefficients are sparse")
        m2.plotly_chart(histogram, width="stretch", key=f"{key}.hist")


@st.cache_data(max_entries=8, show_spinner=False)
def _digits(sigma: float, pca_components: int, kpca_gamma: float, fit_on: str, seed: int):
    from core.digits_denoise import pca_vs_kernel_pca

    return pca_vs_kernel_pca(noise_sigma=sigma, pca_components=pca_components, kpca_gamma=kpca_gamma,
                             fit_on=fit_on, seed=seed)


def digits_panel(*, key: str) -> None:
    """PCA and kernel PCA reconstructions of noisy digits, with their errors."""
    with st.expander("PCA vs kernel PCA on handwritten digits (book §1.11)"):
        st.caption("scikit-learn's bundled 8×8 digits stand in for the book's MNIST CSV (which needs a download).")
        c1, c2, c3, c4 = st.columns(4)
        sigma = c1.slider("Noise σ", 0.05, 0.5, 0.25, 0.05, key=f"{key}.sigma")
        components = c2.slider("PCA components", 2, 64, 30, key=f"{key}.n")
        gamma = c3.select_slider("Kernel γ", [1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1], 1e-3, key=f"{key}.gamma")
        fit_on = c4.radio("Fit on", ["noisy", "clean"], key=f"{key}.fit",
                          help="The book's code fits on noisy digits although its text says clean ones.")
        panel = _digits(sigma, components, gamma, fit_on, 0)
        rows = [panel.clean, panel.noisy, panel.pca, panel.kpca]
        grid = np.concatenate([np.concatenate(list(np.clip(digits[:12], 0, 1)), axis=1) for digits in rows], axis=0)
        g1, g2 = st.columns([3, 2])
        g1.image(np.kron(grid, np.ones((6, 6))), caption="Rows: clean, noisy, PCA, kernel PCA", width="stretch")
        bars = cached_figure(px.bar, x=["noisy", "PCA", "kernel PCA"],
                             y=[panel.mse_noisy, panel.mse_pca, panel.mse_kpca],
                             labels={"x": "", "y": "MSE on 100 test digits"}, text_auto=".4f")
        g2.plotly_chart(bars, width="stretch", key=f"{key}.bars")


@st.cache_resource(max_entries=24, show_spinner=False)  # figures are shared, never modified
def _spectrum_figure(image_digest: str, title: str, _image: np.ndarray):
    from core.deblur.fourier import spectrum_db

    return heatmap(fit_size(spectrum_db(to_gray(_image)), DISPLAY_SIDE)[0], title=title, height=320)


@st.cache_resource(max_entries=8, show_spinner=False)
def _otf_figure(kernel_digest: str, shape: tuple, _kernel: np.ndarray):
    from core.deblur.fourier import otf_magnitude

    otf_db = 20 * np.log10(1e-3 + np.fft.fftshift(otf_magnitude(_kernel, shape)))
    return heatmap(fit_size(otf_db.astype(np.float32), DISPLAY_SIDE)[0], title="PSF |H| (dB)", height=320)


def spectra_panel(sharp: np.ndarray, blurred: np.ndarray, kernel: np.ndarray, comparison, *, key: str) -> None:
    """Log-magnitude spectra of the sharp image, the PSF and a chosen result."""
    with st.expander("Spectra: image, PSF and result (log magnitude, centred)", expanded=False):
        choices = {"Sharp image": sharp, "Blurred input": blurred}
        choices.update({r.method.label: r.image for r in comparison.ok})
        c1, c2, c3 = st.columns(3)
        picked = c3.selectbox("Result", list(choices), index=len(choices) - 1, key=f"{key}.pick")
        c1.plotly_chart(_spectrum_figure(digest(sharp), "Sharp image |F|", sharp), width="stretch",
                        key=f"{key}.sharp")
        c2.plotly_chart(_otf_figure(digest(kernel), to_gray(sharp).shape, kernel), width="stretch", key=f"{key}.otf")
        c3.plotly_chart(_spectrum_figure(digest(choices[picked]), f"{picked} |F|", choices[picked]), width="stretch",
                        key=f"{key}.result")
        st.plotly_chart(cached_figure(heatmap, kernel, colorscale="Inferno", height=300,
                                      title=f"PSF ({kernel.shape[0]}×{kernel.shape[1]})"), key=f"{key}.psf")
