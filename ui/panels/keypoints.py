"""Views for the Corners & keypoints page: the Harris probe, sub-pixel accuracy and repeatability charts."""
from __future__ import annotations

import contextvars
import json

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from core.image import digest
from core.registry import Method
from ui.canvas import point_canvas


def harris_probe(image: np.ndarray, params: dict, *, key: str) -> None:
    """Click a pixel: its structure tensor, eigenvalues and Harris response; plus Fig. 5.1 from real pixels."""
    from core.keypoint_tools import eigenvalue_samples, structure_tensor_at

    options = {name: params[name] for name in ("block_size", "ksize", "k") if name in params}
    left, right = st.columns([1, 1])
    with left:
        st.caption("Click a pixel (point tool) to inspect its structure tensor.")
        factor = max(1, 420 // max(image.shape[:2]))  # small working images are enlarged to be clickable
        shown = np.kron(image, np.ones((factor, factor), np.float32)) if factor > 1 else image
        points = [(px / factor, py / factor) for px, py in point_canvas(shown, key=f"{key}.canvas", max_width=420)]
    x, y = points[-1] if points else (image.shape[1] / 2, image.shape[0] / 2)
    probe = structure_tensor_at(image, x, y, **options)
    samples = eigenvalue_samples(image, **options)
    with right:
        where = "clicked pixel" if points else "image centre (click to choose)"
        st.markdown(f"**({probe['x']}, {probe['y']})**, {where}: **{probe['verdict']}**")
        tensor = probe["tensor"]
        st.latex(r"M = \begin{pmatrix} %.3g & %.3g \\ %.3g & %.3g \end{pmatrix}"
                 % (tensor[0, 0], tensor[0, 1], tensor[1, 0], tensor[1, 1]))
        st.latex(r"\lambda_1 = %.3g,\quad \lambda_2 = %.3g,\quad R = %.3g" % (*probe["eigenvalues"], probe["response"]))
        st.plotly_chart(eigen_scatter(samples, probe), width="stretch", key=f"{key}.scatter")


def eigen_scatter(samples: dict, probe: dict) -> go.Figure:
    floor = 1e-8
    l1, l2 = np.maximum(samples["lambda1"], floor), np.maximum(samples["lambda2"], floor)
    response = samples["response"]
    top = float(np.abs(response).max()) or 1.0
    kind = np.where(response > 0.01 * top, "corner", np.where(response < -0.01 * top, "edge", "flat"))
    fig = go.Figure()
    for name, color in (("flat", "#9e9e9e"), ("edge", "#4c78a8"), ("corner", "#e45756")):
        chosen = kind == name
        fig.add_trace(go.Scattergl(x=l1[chosen], y=l2[chosen], mode="markers", name=name,
                                   marker=dict(size=4, color=color, opacity=0.6)))
    fig.add_trace(go.Scatter(x=[max(probe["eigenvalues"][0], floor)], y=[max(probe["eigenvalues"][1], floor)],
                             mode="markers", name="probe", marker=dict(size=14, symbol="star", color="#ffb000")))
    fig.update_xaxes(type="log", title="λ1 (larger)")
    fig.update_yaxes(type="log", title="λ2 (smaller)")
    fig.update_layout(height=330, margin=dict(l=10, r=10, t=30, b=10), title="Eigenvalues of sampled pixels")
    return fig


def subpixel_panel(params: dict, *, key: str) -> None:
    """The sub-pixel test pattern with known corners: centroids vs refined corners, in px."""
    import pandas as pd

    from core.keypoint_tools import nearest_errors, subpixel_checkerboard
    from core.keypoints import draw_keypoints, subpixel_corners

    c1, c2 = st.columns(2)
    dx = c1.slider("Sub-pixel offset x", 0.0, 0.99, 0.37, 0.01, key=f"{key}.dx")
    angle = c2.slider("Rotation (°)", 0.0, 45.0, 7.0, 0.5, key=f"{key}.angle")
    pattern, truth = subpixel_checkerboard(128, 8, offset=(dx, 0.61), angle=angle)
    try:
        seeds, refined, background = subpixel_corners(pattern, **params)
    except ValueError as exc:
        st.error(str(exc))
        return
    before, after = nearest_errors(seeds, truth), nearest_errors(refined, truth)
    left, right = st.columns([1, 1])
    zoom = np.kron(draw_keypoints(pattern, np.c_[refined, np.full((len(refined), 3), [5, -1, 0])],
                                  extra_points=seeds), np.ones((3, 3, 1)))
    left.image(zoom, caption="Green: refined corners; red crosses: blob centroids (×3 zoom)", width="stretch")
    right.dataframe(pd.DataFrame({"points": ["blob centroids", "cornerSubPix"],
                                  "mean error (px)": [before.mean(), after.mean()],
                                  "max error (px)": [before.max(), after.max()]}), hide_index=True)
    right.caption(f"{len(truth)} true inner corners. The background component's centroid "
                  f"({background[0]:.1f}, {background[1]:.1f}) is not a corner: the book refines and draws it; "
                  "here it is dropped.")


@st.cache_data(max_entries=8, show_spinner=False)
def _curves(image_digest: str, keys: tuple, kind: str, params_json: str, _image: np.ndarray, _progress):
    from core.keypoint_tools import repeatability_curves

    return repeatability_curves(_image, list(keys), kind=kind, params=json.loads(params_json), progress=_progress)


def repeatability_panel(image: np.ndarray, methods: list[Method], current: dict, *, key: str) -> None:
    from core.keypoint_tools import TRANSFORMS
    from core.registration.warp import working_copy

    kind = st.radio("Transform", list(TRANSFORMS), format_func=lambda k: TRANSFORMS[k][0], horizontal=True,
                    key=f"{key}.kind")
    usable = [m for m in methods if not m.slow] or methods
    small = working_copy(image, 256)
    st.caption(f"Each detector runs on the image ({small.shape[1]}×{small.shape[0]}) and on transformed copies; "
               "a keypoint counts as repeated when one is found within 3 px of where the known transform sends it.")
    bar = st.progress(0.0, text="Measuring repeatability…")
    context = contextvars.copy_context()  # updates run outside the cached call, so they are not replayed
    curves = _curves(digest(small), tuple(m.key for m in usable), kind,
                     json.dumps({m.key: current.get(m.key, {}) for m in usable}, sort_keys=True, default=str),
                     small, lambda fraction, message: context.run(bar.progress, fraction, text=message))
    bar.empty()
    label, strengths, unit = TRANSFORMS[kind]
    fig = go.Figure([go.Scatter(x=list(strengths), y=curves[m.key], mode="lines+markers", name=m.label)
                     for m in usable])
    fig.update_layout(height=380, margin=dict(l=10, r=10, t=30, b=10), xaxis_title=f"{label} ({unit})",
                      yaxis=dict(title="repeatability", range=[0, 1.05]))
    st.plotly_chart(fig, width="stretch", key=f"{key}.chart")
