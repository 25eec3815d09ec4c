"""Outlier section: an autoencoder on scikit-learn's digits; error distribution and the top outliers."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from core.image import encode_png
from core.outliers import CORRUPTIONS, detection_scores, load_digit_samples, threshold_at
from core.registry import OUTLIERS
from ui.cells import own_grid
from ui.comparison import compare
from ui.plots import lines

KEY = "ae"
COLOURS = ("#4c78a8", "#f58518", "#54a24b")


def _strip_png(data, top_k: int):
    """A result's download: its top outliers and their reconstructions, as one strip."""
    def png(result, comparison) -> bytes:
        top = np.argsort(result.image)[::-1][:top_k]
        return encode_png(digit_strip([data.samples[top], result.output.extras["reconstruction"][top]]))

    return png


@st.cache_data(max_entries=4, show_spinner=False)
def _digits(n_corrupted: int, kinds: tuple[str, ...], seed: int):
    return load_digit_samples(n_corrupted=n_corrupted, kinds=kinds, seed=seed)


def digit_strip(rows: list[np.ndarray], *, zoom: int = 6) -> np.ndarray:
    """Rows of 8×8 digits (each row a (k, 64) array) as one enlarged image with thin gaps."""
    tiles = []
    for row in rows:
        digits = [np.pad(d.reshape(8, 8), 1, constant_values=0.35) for d in row]
        tiles.append(np.concatenate(digits, axis=1))
    grid = np.clip(np.concatenate(tiles, axis=0), 0, 1)
    return np.kron(grid, np.ones((zoom, zoom), np.float32))


def outliers_section() -> None:
    st.sidebar.header("Digits")
    st.sidebar.caption("scikit-learn's 1797 bundled 8×8 digits stand in for the book's MNIST (a download).")
    n_bad = st.sidebar.slider("Corrupted digits mixed in", 0, 100, 20, 5, key=f"{KEY}.n_bad", bind="query-params",
                              help="Known anomalies, so the detection can be scored (ROC AUC, precision).")
    kinds = tuple(st.sidebar.multiselect("Kinds of corruption", CORRUPTIONS, default=list(CORRUPTIONS),
                                         key=f"{KEY}.kinds"))
    top_k = st.sidebar.slider("Top outliers to show", 4, 32, 12, key=f"{KEY}.k")
    try:
        data = _digits(n_bad, kinds, 0)
    except ValueError as exc:
        st.error(str(exc))
        return
    ok = compare(OUTLIERS, {"samples": data.samples}, truth=data.injected if data.injected.any() else None,
                 defaults=["autoencoder", "pca_recon"], key=KEY, label="Reconstruction models to compare",
                 recipe=("from core.outliers import load_digit_samples\n"
                         f"data = load_digit_samples(n_corrupted={n_bad}, kinds={kinds!r}, seed=0)"),
                 variables={"samples": "data.samples"}, truth_code="data.injected",
                 cells=own_grid(png=_strip_png(data, top_k))).ok
    if not ok:
        return
    percentile = st.slider("Flag as outlier above this percentile of the error", 80.0, 99.9, 98.0, 0.1,
                           key=f"{KEY}.pct")
    figure = go.Figure()
    for r, colour, position in zip(ok, COLOURS, ("top right", "bottom right")):
        figure.add_trace(go.Histogram(x=r.image, name=r.method.label, opacity=0.55, nbinsx=80, marker_color=colour))
        figure.add_vline(x=threshold_at(r.image, percentile), line_dash="dash", line_color=colour,
                         annotation_text=f"{percentile:g}th percentile", annotation_position=position,
                         annotation_font_color=colour)
    figure.update_layout(barmode="overlay", height=340, title="Reconstruction error (per-image MSE)",
                         xaxis_title="MSE", yaxis_title="digits", yaxis_type="log", margin=dict(l=10, r=10, t=40, b=10))
    st.plotly_chart(figure, width="stretch", key=f"{KEY}.hist")
    columns = st.columns(len(ok))
    for column, r in zip(columns, ok):
        scores = detection_scores(r.image, data.injected, top_k=top_k)
        flagged = int((r.image > threshold_at(r.image, percentile)).sum())
        text = f"**{r.method.label}** · mean MSE {r.image.mean():.4f} · {flagged} flagged · {r.seconds:.2f} s"
        if scores:
            text += (f"  \nROC AUC for the corrupted digits **{scores['roc_auc']:.3f}** · "
                     f"{scores['precision_at_k']:.0%} of the top {top_k} are corrupted")
        column.markdown(text)
    for r in ok:
        order = np.argsort(r.image)[::-1]
        reconstruction = r.output.extras["reconstruction"]
        st.markdown(f"**{r.method.label}**: top {top_k} outliers (rows: original, reconstruction) and the "
                    f"{top_k} best-reconstructed digits")
        top, best = order[:top_k], order[::-1][:top_k]
        strip = digit_strip([data.samples[top], reconstruction[top], data.samples[best], reconstruction[best]])
        marks = " ".join("✗" if data.injected[i] else str(data.labels[i]) for i in top)
        st.image(strip, caption=f"Top outliers' labels (✗ = injected corruption): {marks}", width="stretch")
        if "codes" in r.output.extras:
            _code_scatter(r.output.extras["codes"], data, order[:top_k], key=f"{KEY}.codes.{r.method.key}")
        if "training loss" in r.output.extras:
            with st.expander(f"{r.method.label}: training loss", icon=":material/show_chart:"):
                st.plotly_chart(lines({"loss": r.output.extras["training loss"]}, x_title="epoch",
                                      y_title="squared error / 2"), width="stretch", key=f"{KEY}.loss.{r.method.key}")


def _code_scatter(codes: np.ndarray, data, top: np.ndarray, *, key: str) -> None:
    """The bottleneck codes in 2-D (PCA when wider than 2), coloured by digit, top outliers circled."""
    import plotly.express as px
    from sklearn.decomposition import PCA

    with st.expander("The bottleneck: each digit's code in 2-D", icon=":material/scatter_plot:"):
        xy = codes if codes.shape[1] == 2 else PCA(2, random_state=0).fit_transform(codes)
        names = np.where(data.injected, "corrupted", data.labels.astype(str))
        figure = px.scatter(x=xy[:, 0], y=xy[:, 1], color=names, opacity=0.6,
                            category_orders={"color": [str(d) for d in range(10)] + ["corrupted"]},
                            labels={"x": "code axis 1", "y": "code axis 2", "color": "digit"})
        figure.add_scatter(x=xy[top, 0], y=xy[top, 1], mode="markers", name="top outliers",
                           marker=dict(size=12, color="rgba(0,0,0,0)", line=dict(width=2, color="black")))
        figure.update_layout(height=420, margin=dict(l=10, r=10, t=30, b=10))
        st.caption("Codes of the same digit cluster together when the network has learned what digits look like "
                   "(a PCA of the codes when the bottleneck is wider than 2).")
        st.plotly_chart(figure, width="stretch", key=key)
