"""Denoising: classic and modern denoisers side by side on a noise model of your choice."""
import numpy as np
import plotly.express as px
import streamlit as st

from core.registry import DENOISE, methods_for
from ui.cards import method_cards
from ui.compare import compare_methods
from ui.degrade_controls import noise_controls
from ui.inputs import pick_image
from ui.page import header
from ui.plots import cached_figure

DEFAULT_METHODS = ["median", "tv_chambolle", "nlm_cv", "bayes_shrink"]

header("Denoising", "Add noise to an image, then compare denoisers by PSNR, SSIM and speed.", "Chapter 1")
clean = pick_image(key="dn")
noisy = noise_controls(clean.image, key="dn.noise")
method_cards(methods_for(DENOISE))
st.caption(f"Input: **{clean.name}** with {noisy.description}. The noisy image is the baseline every method "
           "must beat; BM3D (★) is the reference the others are judged against.")
compare_methods(DENOISE, (noisy.image,), reference=clean.image, baseline_label="Noisy input",
                recipe=f"{clean.code}\n{noisy.code}", defaults=DEFAULT_METHODS, key="dn")


@st.cache_data(max_entries=8, show_spinner=False)
def _dwt(image_digest: str, wavelet: str, level: int, _image: np.ndarray):
    from core.denoise.wavelets import detail_coefficients, dwt_mosaic

    return dwt_mosaic(_image, wavelet=wavelet, level=level), detail_coefficients(_image, wavelet=wavelet, level=level)


with st.expander("Wavelet coefficients of the noisy image (book §1.7.1)"):
    from core.denoise.wavelets import dwt_level_max
    from core.image import digest, to_gray

    gray = to_gray(noisy.image)
    c1, c2 = st.columns(2)
    wavelet = c1.selectbox("Wavelet", ["haar", "db2", "db4", "sym4", "coif2", "bior2.8"], key="dn.dwt.wavelet")
    top = max(1, dwt_level_max(gray.shape, wavelet))
    level = c2.slider("Levels", 1, top, min(3, top), key="dn.dwt.level")
    mosaic, details = _dwt(digest(gray), wavelet, level, gray)
    m1, m2 = st.columns([3, 2])
    m1.image(mosaic, caption="Multilevel 2-D DWT: approximation top-left, details per level "
             "(each band contrast-stretched on its own)", width="stretch")
    histogram = cached_figure(px.histogram, x=np.clip(details, -0.5, 0.5), nbins=120, log_y=True,
                              labels={"x": "detail coefficient"}, title="Detail coefficients are sparse")
    m2.plotly_chart(histogram, width="stretch", key="dn.dwt.hist")


@st.cache_data(max_entries=8, show_spinner=False)
def _digits(sigma: float, pca_components: int, kpca_gamma: float, fit_on: str, seed: int):
    from core.digits_denoise import pca_vs_kernel_pca

    return pca_vs_kernel_pca(noise_sigma=sigma, pca_components=pca_components, kpca_gamma=kpca_gamma,
                             fit_on=fit_on, seed=seed)


with st.expander("PCA vs kernel PCA on handwritten digits (book §1.11)"):
    st.caption("scikit-learn's bundled 8×8 digits stand in for the book's MNIST CSV (which needs a download).")
    c1, c2, c3, c4 = st.columns(4)
    sigma = c1.slider("Noise σ", 0.05, 0.5, 0.25, 0.05, key="dn.pca.sigma")
    components = c2.slider("PCA components", 2, 64, 30, key="dn.pca.n")
    gamma = c3.select_slider("Kernel γ", [1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1], 1e-3, key="dn.pca.gamma")
    fit_on = c4.radio("Fit on", ["noisy", "clean"], key="dn.pca.fit",
                      help="The book's code fits on noisy digits although its text says clean ones.")
    panel = _digits(sigma, components, gamma, fit_on, 0)
    rows = [("Clean", panel.clean), ("Noisy", panel.noisy), ("PCA", panel.pca), ("Kernel PCA", panel.kpca)]
    grid = np.concatenate([np.concatenate(list(np.clip(digits[:12], 0, 1)), axis=1) for _, digits in rows], axis=0)
    g1, g2 = st.columns([3, 2])
    g1.image(np.kron(grid, np.ones((6, 6))), caption="Rows: clean, noisy, PCA, kernel PCA", width="stretch")
    bars = cached_figure(px.bar, x=["noisy", "PCA", "kernel PCA"], y=[panel.mse_noisy, panel.mse_pca, panel.mse_kpca],
                         labels={"x": "", "y": "MSE on 100 test digits"}, text_auto=".4f")
    g2.plotly_chart(bars, width="stretch", key="dn.pca.bars")
