"""Panels of the Faces page: identity sets, recognition results, NMF parts and the Gabor bank."""
from __future__ import annotations

import contextvars

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from core.image import digest, encode_png, fit_size
from ui.cells import Cells
from ui.plots import heatmap


@st.cache_data(max_entries=8, show_spinner="Making synthetic identities…")
def synthetic_set(identities: int, per_identity: int, strength: float, seed: int):
    from core.face_sets import synthetic_identities

    return synthetic_identities(identities=identities, per_identity=per_identity, strength=strength, seed=seed)


@st.cache_data(max_entries=4, show_spinner="Reading the zip…")
def zip_set(data_digest: str, crop_faces: bool, _data: bytes):
    from core.face_sets import load_identity_zip

    try:
        return load_identity_zip(_data, crop_faces=crop_faces), None
    except ValueError as exc:
        return None, str(exc)


@st.cache_data(max_entries=2, show_spinner=False)
def example_zip() -> bytes:
    from core.face_sets import make_zip, synthetic_identities

    faces = synthetic_identities(identities=3, per_identity=5, seed=1)
    return make_zip({name: [f for f, label in zip(faces.faces, faces.labels) if label == i]
                     for i, name in enumerate(["alice", "bob", "carol"])})


def identity_overview(face_set) -> None:
    from core.faces import mosaic

    counts = np.bincount(face_set.labels)
    shown = min(len(face_set.names), 8)
    tiles = []
    for label in range(shown):
        members = face_set.faces[face_set.labels == label][:10]
        tiles += list(members) + [np.ones_like(face_set.faces[0])] * (10 - len(members))
    st.image(mosaic(np.stack(tiles), columns=10), width=520,
             caption=f"{len(face_set.names)} identities, {len(face_set.labels)} faces ({counts.min()}–{counts.max()} "
                     f"each); one row per identity" + (f", first {shown} shown" if shown < len(face_set.names) else ""))
    for note in face_set.notes:
        st.caption(note)


def recognition_results(comparison) -> None:
    """Held-out accuracy against chance per recogniser, as metrics and a chart; their confusion matrices."""
    ok, key = comparison.ok, comparison.key
    for r in comparison.results:
        if not r.ok:
            st.error(f"**{r.method.label}**: {r.error}")
    if not ok:
        return
    columns = st.columns(len(ok))
    for column, r in zip(columns, ok):
        extras = r.output.extras
        column.metric(r.method.label, f"{extras['accuracy']:.1%}", f"{extras['accuracy'] - extras['chance']:+.1%} vs chance",
                      help=f"Held-out accuracy on {extras['test']} faces never seen in training "
                           f"({extras['train']} training faces); chance = {extras['chance']:.1%}.")
        column.caption(f"{extras['test']} test faces · {r.seconds:.2f} s")
    fig = go.Figure(go.Bar(x=[r.method.label for r in ok], y=[r.output.extras["accuracy"] for r in ok],
                           text=[f"{r.output.extras['accuracy']:.1%}" for r in ok], textposition="outside",
                           marker_color="#4c78a8"))
    fig.add_hline(y=ok[0].output.extras["chance"], line_dash="dash", line_color="#888", annotation_text="chance")
    fig.update_layout(height=300, yaxis=dict(range=[0, 1.1], title="held-out accuracy"),
                      margin=dict(l=10, r=10, t=20, b=10))
    st.plotly_chart(fig, width="stretch", key=f"{key}.accuracy")
    with st.expander("Confusion matrices (rows: true identity, normalised)"):
        cells = st.columns(len(ok))
        for cell, r in zip(cells, ok):
            cell.plotly_chart(heatmap(r.image, title=r.method.label, colorscale="Blues", height=320),
                              width="stretch", key=f"{key}.confusion.{r.method.key}")


def _confusion_png(result, comparison) -> bytes:
    """The row-normalised confusion matrix, one pixel per cell, enlarged."""
    return encode_png(np.kron(result.image, np.ones((16, 16), np.float32)))


RECOGNITION_CELLS = Cells(grid=recognition_results, png=_confusion_png, zoom=False)


@st.cache_data(max_entries=8, show_spinner="Factorising…")
def _nmf(k: int, max_iter: int):
    from core.face_sets import lfw_faces
    from core.faces import nmf_faces

    faces = lfw_faces()
    return faces, nmf_faces(faces, k=k, max_iter=max_iter)


@st.cache_data(max_entries=4, show_spinner=False)
def _nmf_curve(ks: tuple, max_iter: int, _progress=None):
    from core.face_sets import lfw_faces
    from core.faces import nmf_error_curve

    return nmf_error_curve(lfw_faces(), ks, max_iter=max_iter, progress=_progress)


def nmf_panel(*, key: str) -> None:
    from core.faces import mosaic

    st.caption("scikit-image's bundled `lfw_subset` (100 faces of 25×25) stands in for the book's CBCL faces, "
               "which need a download. NMF writes each face as a non-negative mix of k non-negative parts. These "
               "faces are less tightly cropped and aligned than CBCL's, so the parts come out more holistic "
               "(whole faces under different lighting) than the book's eyes, noses and mouths.")
    c1, c2 = st.columns(2)
    k = c1.slider("Components k", 2, 80, 25, key=f"{key}.k")
    max_iter = c2.select_slider("Iterations (at most)", [50, 100, 200, 400], 200, key=f"{key}.iter")
    faces, result = _nmf(k, max_iter)
    m1, m2 = st.columns(2)
    m1.image(mosaic(result.components, columns=min(10, k)), width="stretch",
             caption=f"The {k} parts (each scaled to its own maximum)")
    pairs = np.concatenate([faces[:10], result.reconstructions[:10]])
    m2.image(mosaic(pairs, columns=10), width="stretch",
             caption=f"Top: faces; bottom: their reconstruction from {k} parts "
                     f"(relative error {result.error:.3f}, {result.iterations} iterations)")
    ks = (2, 5, 10, 20, 35, 50, 80)
    bar = st.progress(0.0, text="Reconstruction error for each k…")
    context = contextvars.copy_context()  # outside the cached call, so the updates are not replayed
    curve = _nmf_curve(ks, max_iter, lambda f, m="": context.run(bar.progress, min(1.0, f), text=f"Fitting NMF: {m}"))
    bar.empty()
    fig = go.Figure(go.Scatter(x=list(curve), y=list(curve.values()), mode="lines+markers", name="error"))
    fig.add_trace(go.Scatter(x=[k], y=[result.error], mode="markers", marker=dict(size=12, color="#f58518"),
                             name=f"k = {k}"))
    fig.update_layout(height=300, xaxis_title="components k", yaxis_title="‖V − WH‖ / ‖V‖",
                      margin=dict(l=10, r=10, t=20, b=10))
    st.plotly_chart(fig, width="stretch", key=f"{key}.curve")


@st.cache_data(max_entries=8, show_spinner=False)
def _gabor(image_digest: str, ksize: int, sigma: float, lambd: float, gamma: float, psi: float, orientations: int,
           _image: np.ndarray):
    from core.faces import gabor_bank, gabor_responses, uint8_clipping

    bank = gabor_bank(ksize=ksize, sigma=sigma, wavelengths=(lambd,), gamma=gamma, psi=psi, orientations=orientations)
    small, _ = fit_size(_image, 256)
    return bank, gabor_responses(small, bank), uint8_clipping(small, bank)


def gabor_panel(image: np.ndarray, *, key: str) -> None:
    from core.faces import mosaic

    c = st.columns(6)
    ksize = c[0].slider("Kernel size", 5, 51, 31, 2, key=f"{key}.ksize")
    sigma = c[1].slider("σ (envelope)", 1.0, 10.0, 4.0, 0.5, key=f"{key}.sigma")
    lambd = c[2].slider("λ (wavelength, px)", 2.0, 30.0, 10.0, 0.5, key=f"{key}.lambda")
    gamma = c[3].slider("γ (aspect)", 0.1, 1.0, 0.5, 0.05, key=f"{key}.gamma")
    psi = c[4].slider("ψ (phase)", 0.0, float(np.pi), 0.0, 0.05, key=f"{key}.psi")
    orientations = c[5].select_slider("Orientations", [4, 6, 8, 12, 16], 8, key=f"{key}.n")
    try:
        bank, responses, clipped = _gabor(digest(image), ksize, sigma, lambd, gamma, psi, orientations, image)
    except ValueError as exc:
        st.error(str(exc))
        return
    kernels = bank.kernels / (2 * np.abs(bank.kernels).max(axis=(1, 2), keepdims=True)) + 0.5
    st.image(mosaic(kernels, columns=min(8, len(kernels)), gap=2), width=min(900, 110 * min(8, len(kernels))),
             caption="Kernels, θ from 0 to π (gray = 0); each has zero mean, so flat areas give no response")
    peak = responses.max()
    shown = responses / peak if peak > 0 else responses
    r1, r2 = st.columns([3, 1])
    r1.image(mosaic(shown, columns=min(4, len(shown)), gap=3), width="stretch",
             caption="|response| to each kernel (filtered in float32: no uint8 clipping)")
    r2.image(shown.max(axis=0), width="stretch", caption="Strongest response over all orientations")
    st.caption(f"Filtering the 8-bit image into an 8-bit result, as the book does, would get {clipped:.0%} of these "
               "responses wrong (negative ones clipped to 0, large ones to 255); here they are float32.")
