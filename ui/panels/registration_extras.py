"""Two self-contained panels of the registration page: colour-channel alignment (Prokudin-Gorskii) and
the small VoxelMorph-style network trained on digits (TensorFlow, imported only when training)."""
from __future__ import annotations

import contextvars

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from core.gallery import load_sample
from core.image import prepare
from core.registry import ALIGN_CHANNELS
from core.registration.synthetic import misalign_channels
from ui.cells import Cells, Leading
from ui.comparison import compare


def channel_panel(image: np.ndarray, image_code: str, *, key: str) -> None:
    """Shift the green and blue planes by known amounts, then compare the aligners (error in px per channel)."""
    colour = image if image.ndim == 3 else prepare(load_sample("chelsea"), gray=False, max_side=max(image.shape))
    if image.ndim == 2:
        st.caption("The input is gray, so Chelsea the cat is used here (switch off Grayscale to use your image).")
        image_code = ("from core.gallery import load_sample\nfrom core.image import prepare\n"
                      f"image = prepare(load_sample('chelsea'), gray=False, max_side={max(image.shape)})")
    c = st.columns(4)
    green = (c[0].slider("Green dx", -30, 30, 7, key=f"{key}.gx"),
             c[1].slider("Green dy", -30, 30, -4, key=f"{key}.gy"))
    blue = (c[2].slider("Blue dx", -30, 30, -12, key=f"{key}.bx"),
            c[3].slider("Blue dy", -30, 30, 9, key=f"{key}.by"))
    shifted = misalign_channels(colour, green=green, blue=blue)
    truth = {"R": (0.0, 0.0), "G": green, "B": blue}
    recipe = (f"{image_code}\nfrom core.registration.synthetic import misalign_channels\n"
              f"image = misalign_channels(image, green={green}, blue={blue})\ntruth = {truth!r}")
    comparison = compare(ALIGN_CHANNELS, {"image": shifted}, truth=truth, defaults=["phase", "stackreg"], key=key,
                         recipe=recipe, cells=Cells(details=None, leading=lambda c: [
                             Leading("Misaligned channels (synthetic)", shifted)]))
    rows = []
    for result in comparison.ok:
        reference = truth[result.output.extras["reference"]]
        for name, (dx, dy) in result.output.extras["shifts"].items():
            true = np.subtract(truth[name], reference)
            rows.append({"method": result.method.label, "channel": name, "estimated dx": dx, "estimated dy": dy,
                         "true dx": true[0], "true dy": true[1],
                         "error (px)": float(np.hypot(dx - true[0], dy - true[1]))})
    if rows:
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch",
                     column_config={c: st.column_config.NumberColumn(format="%.2f")
                                    for c in ("estimated dx", "estimated dy", "true dx", "true dy", "error (px)")})


@st.cache_resource(max_entries=2, show_spinner=False)
def _trained(steps: int, smoothness: float, amplitude: float, seed: int, _progress):
    from core.registration.voxelmorph import train

    return train(steps=steps, smoothness=smoothness, amplitude=amplitude, seed=seed, progress=_progress)


def voxelmorph_panel(*, key: str) -> None:
    st.caption("A small U-Net predicts a dense field from (moving, fixed) and is trained without ever seeing the "
               "true fields: loss = MSE(warped, fixed) + λ·‖∇u‖². Pairs are scikit-learn's bundled 8×8 digits "
               "upsampled to 32×32 and deformed by known smooth fields (the book uses MNIST, which needs a "
               "download), so the learned field can be scored against the truth on held-out pairs.")
    c = st.columns(4)
    steps = c[0].select_slider("Training steps", [50, 100, 150, 300, 600], 100, key=f"{key}.steps")
    smoothness = c[1].select_slider("Smoothness λ", [0.0, 0.01, 0.05, 0.1, 0.5, 1.0], 0.05, key=f"{key}.lambda")
    amplitude = c[2].slider("Deformation (px)", 0.5, 4.0, 2.5, 0.5, key=f"{key}.amp")
    seed = c[3].number_input("Seed", 0, 999, 0, key=f"{key}.seed")
    state = f"{key}.trained"
    settings = (int(steps), float(smoothness), float(amplitude), int(seed))
    if st.button("Train (TensorFlow; takes a while)", key=f"{key}.train", type="primary",
                 icon=":material/model_training:"):
        bar = st.progress(0.0, text="Loading TensorFlow…")
        context = contextvars.copy_context()  # updates run outside the cached call, so they are not replayed
        _trained(*settings, lambda f, m: context.run(bar.progress, f, text=m))
        bar.empty()
        st.session_state[state] = settings
    if st.session_state.get(state) != settings:
        st.info("Press Train to build and train the network with these settings (cached afterwards).")
        return
    from core.registration.voxelmorph import evaluate

    trained = _trained(*settings, None)
    result = evaluate(trained, amplitude=amplitude)
    m = st.columns(4)
    m[0].metric("MSE before → after", f"{result.mse_after:.4f}", f"{result.mse_after - result.mse_before:+.4f}",
                delta_color="inverse")
    m[1].metric("Field error (px)", f"{result.field_error_px:.2f}",
                f"{result.field_error_px - result.identity_error_px:+.2f} vs identity", delta_color="inverse")
    m[2].metric("Folded pixels (det J ≤ 0)", result.folding)
    m[3].metric("Training time", f"{trained.seconds:.1f} s")
    fig = go.Figure([go.Scatter(y=trained.losses, name="total"), go.Scatter(y=trained.similarity, name="MSE term")])
    fig.update_layout(height=280, margin=dict(l=10, r=10, t=30, b=10), xaxis_title="step", yaxis_type="log",
                      title="Training loss")
    st.plotly_chart(fig, width="stretch", key=f"{key}.loss")
    rows = [result.moving[:8], result.fixed[:8], result.moved[:8]]
    grid = np.concatenate([np.concatenate(list(r), axis=1) for r in rows], axis=0)
    st.image(np.kron(np.clip(grid, 0, 1), np.ones((4, 4))), width="stretch",
             caption="Held-out pairs. Rows: moving, fixed, moved by the network.")
