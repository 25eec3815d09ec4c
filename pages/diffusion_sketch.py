"""Anisotropic diffusion & sketch: Perona–Malik (numpy and OpenCV) against a Gaussian blur, PSNR/SSIM
against the iteration count, and pencil sketches from the image minus its diffused version."""
import numpy as np
import streamlit as st

import ui
from core.image import digest
from core.registry import DIFFUSE, SKETCH, methods_for

KAPPAS = [0.02, 0.03, 0.05, 0.07, 0.1, 0.12, 0.15, 0.2, 0.3, 0.5, 1.0, 30.0]

ui.header("Anisotropic diffusion & sketch",
       "Perona–Malik diffusion smooths inside regions but not across edges: compare it with a Gaussian blur, "
       "watch PSNR/SSIM evolve with the iterations, and turn the residual into a pencil sketch.", "Chapter 2")
clean = ui.pick_image(key="ds")
noisy = ui.noise_controls(clean.image, key="ds.noise")
ui.method_cards(methods_for(DIFFUSE) + methods_for(SKETCH))

st.subheader("Diffusion against a Gaussian blur")
st.caption(f"Input: **{clean.name}** with {noisy.description}. κ and K are on the [0, 1] intensity scale "
           "(OpenCV's K is divided by 3·255 internally): the book's K = 30 and κ = 50 make both versions plain "
           "heat flow, i.e. a Gaussian blur.")
ui.compare(DIFFUSE, {"image": noisy.image}, truth=clean.image, baseline="Noisy input",
           recipe=f"{clean.code}\n{noisy.code}", variables={"image": "degraded"}, truth_code="image",
           defaults=["df_gaussian", "df_numpy", "df_opencv"], key="ds")


@st.cache_data(max_entries=12, show_spinner="Diffusing and scoring every iteration…")
def _curves(noisy_digest: str, clean_digest: str, iterations: int, kappa: float, gamma: float, conduction: str,
            alpha: float, _noisy: np.ndarray, _clean: np.ndarray):
    from core.diffusion import diffusion_curves

    return diffusion_curves(_noisy, _clean, iterations=iterations, kappa=kappa, gamma=gamma,
                            conduction=conduction, alpha=alpha, k=kappa, points=40)


st.subheader("PSNR and SSIM against the number of iterations")
st.caption("Each curve is one run scored as it goes (not one run per point). Too few iterations leave noise, "
           "too many wash out detail: the ★ marks each method's best iteration. The Gaussian uses the same "
           "diffusion time as the numpy run, σ = √(2·iterations·γ); the OpenCV curve chains one-iteration "
           "calls, so the image is rounded to 8 bits between iterations.")
c1, c2, c3, c4, c5 = st.columns(5)
iterations = c1.slider("Iterations", 1, 200, 60, key="ds.curve.iterations", bind="query-params")
kappa = c2.select_slider("κ = K (edge threshold)", KAPPAS, 0.12, key="ds.curve.kappa", bind="query-params")
gamma = c3.slider("γ (numpy time step)", 0.05, 0.25, 0.2, 0.01, key="ds.curve.gamma", bind="query-params")
alpha = c4.slider("α (OpenCV time step)", 0.01, 0.25, 0.1, 0.01, key="ds.curve.alpha", bind="query-params")
conduction = c5.selectbox("Conduction (numpy)", ["exponential", "quadratic"], key="ds.curve.conduction",
                          bind="query-params")
if alpha > 0.15:
    st.warning("α above about 0.15 makes OpenCV's 8-neighbour scheme unstable: its curve will collapse.")
curves = _curves(digest(noisy.image), digest(clean.image), iterations, float(kappa), gamma, conduction, alpha,
                 noisy.image, clean.image)
st.plotly_chart(ui.cached_figure(ui.metric_curves, curves, x_title="iterations"), width="stretch", key="ds.curve.chart")
best = []
for name, curve in curves.items():
    i = int(np.argmax(curve["psnr"]))
    best.append(f"**{name}**: best PSNR {curve['psnr'][i]:.2f} dB at {int(curve['iteration'][i])} iterations")
st.markdown(" · ".join(best))

st.subheader("Pencil sketch: the image minus its diffused version")
st.caption("Where the image is darker than its smoothed version a pencil stroke is drawn. The sketch is made "
           f"from the clean **{clean.name}** (noise would be drawn too). Anisotropic diffusion keeps strong edges "
           "in the smoothed image, so outlines stay thin; the Gaussian version (a difference of Gaussians) draws "
           "them as wide bands.")
ui.compare(SKETCH, {"image": clean.image}, recipe=clean.code, defaults=["sk_diffusion", "sk_gaussian"], key="sk",
           cells=ui.Cells(leading=lambda comparison: [ui.Leading("Input", clean.image)]))
