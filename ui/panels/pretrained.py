"""Panels of the Pretrained networks page: top-5 bars per classifier, Grad-CAM, the keras.applications weights
(download with a progress bar, or a clear offline message), the transfer-learning image sets and results."""
from __future__ import annotations

import contextvars

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from core.image import digest
from ui.cells import Cells


# -- ImageNet classification ----------------------------------------------------------------------------------

def _top5_figure(top: list, title: str) -> go.Figure:
    names = [f"{name} ({index})" for index, name, _ in top][::-1]
    values = [p for _, _, p in top][::-1]
    fig = go.Figure(go.Bar(x=values, y=names, orientation="h", text=[f"{v:.1%}" for v in values],
                           textposition="auto", marker_color="#4c78a8"))
    fig.update_layout(title=title, height=230, xaxis=dict(range=[0, 1], title="probability"),
                      margin=dict(l=10, r=10, t=40, b=10))
    return fig


def top5_grid(comparison) -> None:
    """One column per classifier: its top-5 classes as bars, its top-1 and its time."""
    results = comparison.results
    for start in range(0, len(results), 3):
        for column, r in zip(st.columns(3), results[start:start + 3]):
            with column:
                if not r.ok:
                    st.warning(f"**{r.method.label}**: {r.error}", icon=":material/cloud_off:")
                    continue
                top = r.output.extras["top"]
                st.plotly_chart(_top5_figure(top, r.method.label), width="stretch",
                                key=f"{comparison.key}.top5.{r.method.key}")
                verdict = ""
                if "top1" in r.metrics:
                    verdict = " · top-1 ✓" if r.metrics["top1"] == 1 else (
                        " · top-5 ✓" if r.metrics.get("top5") == 1 else " · ✗ not in the top 5")
                st.markdown(f"**{top[0][1]}** {top[0][2]:.1%}{verdict} · {r.seconds:.3f} s")


def _top5_png(result, comparison) -> bytes:
    from core.image import encode_png

    bars = np.ones((5 * 24, 400), np.float32)
    for row, (_, _, p) in enumerate(result.output.extras["top"]):
        bars[row * 24 + 4:row * 24 + 20, :max(1, int(400 * p))] = 0.3
    return encode_png(bars)


TOP5_CELLS = Cells(grid=top5_grid, png=_top5_png, zoom=False)


def true_class_picker(sample: str | None, *, key: str) -> tuple[int, ...] | None:
    """The true ImageNet class(es) of the image, when known: preset for the bundled photos, chosen otherwise."""
    from core.pretrained.labels import class_names
    from core.tasks.pretrained import KNOWN_CLASSES

    names = class_names()
    preset = KNOWN_CLASSES.get(sample or "")
    options = list(range(1000))
    chosen = st.multiselect("True class (optional: scores top-1 / top-5)", options,
                            default=list(preset) if preset else [], key=f"{key}.truth",
                            format_func=lambda i: f"{i}: {names[i]}", max_selections=6,
                            help="Any of these counts as correct (a cup of espresso is both “espresso” and “cup”).")
    return tuple(int(i) for i in chosen) or None


def weights_panel(*, key: str) -> None:
    """The book's models: which weights are cached, a download button with a progress bar, the offline message."""
    from core.downloads import DownloadUnavailable
    from core.pretrained import applications

    st.caption("EfficientNet-Lite0's ImageNet weights ship with a pip package and run offline. The book's "
               "keras.applications models need their weights file from Google's keras-applications storage (the "
               "same URL keras uses), fetched once and cached; on a host without internet they show a message.")
    rows = []
    for app in applications.APPLICATIONS.values():
        cached = applications.cached_file(app.key)
        rows.append({"model": app.label, "input": f"{app.size}²", "parameters": app.parameters,
                     "weights": f"{app.megabytes:.0f} MB", "status": "cached" if cached else "not downloaded"})
    st.dataframe(rows, hide_index=True, width="stretch")
    missing = [a for a in applications.APPLICATIONS.values() if applications.cached_file(a.key) is None]
    if not missing:
        return
    c1, c2 = st.columns([2, 1])
    choice = c1.selectbox("Download the weights of", [a.key for a in missing], key=f"{key}.pick",
                          format_func=lambda k: f"{applications.APPLICATIONS[k].label} "
                                                f"({applications.APPLICATIONS[k].megabytes:.0f} MB)")
    if c2.button("Download", key=f"{key}.go", icon=":material/download:"):
        bar = st.progress(0.0, text="Connecting…")
        context = contextvars.copy_context()
        try:
            applications.weights_file(choice, progress=lambda f, m="": context.run(bar.progress, min(1.0, f), text=m))
        except DownloadUnavailable as exc:
            bar.empty()
            st.error(f"No download: {exc}", icon=":material/cloud_off:")
        else:
            bar.empty()
            st.success(f"{applications.APPLICATIONS[choice].label}'s weights are cached.")
            st.rerun()


@st.cache_data(max_entries=8, show_spinner="EfficientNet-Lite0…")
def _network(image_digest: str, _image: np.ndarray):
    from core.pretrained.gradcam import network_pass

    return network_pass(_image)  # numpy: no TensorFlow, no worker; one pass for the top-5 and every class's map


@st.cache_data(max_entries=8, show_spinner="Grad-CAM…")
def _grad_cam(image_digest: str, class_index: int, _image: np.ndarray):
    from core.pretrained.gradcam import grad_cam, overlay

    cam = grad_cam(_image, class_index, network=_network(image_digest, _image))
    return cam, overlay(_image, cam.heatmap)


def gradcam_panel(image: np.ndarray, *, key: str) -> None:
    """Grad-CAM of EfficientNet-Lite0: the map of one of its top-5 classes over the image."""
    from core.pretrained.labels import class_names, top_k

    try:
        probabilities = _probabilities(digest(image), image)
    except ValueError as exc:
        st.error(str(exc))
        return
    top = top_k(probabilities, 5)
    index = st.radio("Class to explain", [i for i, _, _ in top], horizontal=True, key=f"{key}.class",
                     format_func=lambda i: f"{class_names()[i].split(',')[0]} ({probabilities[i]:.0%})")
    cam, blended = _grad_cam(digest(image), int(index), image)
    c1, c2, c3 = st.columns(3)
    c1.image(np.clip(image, 0, 1), caption="Input (squeezed to 224×224 for the network)", width="stretch")
    c2.image(blended, caption=f"Grad-CAM of “{class_names()[cam.class_index].split(',')[0]}”", width="stretch")
    c3.image(cam.heatmap, caption="The map alone (white: strongest evidence)", width="stretch", clamp=True)
    st.caption("The class score is differentiated with respect to the last convolutional feature map (7×7×1280); "
               "each channel is weighted by its mean gradient, the weighted sum is rectified and upsampled. At "
               "this layer the gradient is known in closed form (the class's weights in the final dense layer, "
               "spread over the 49 positions), so no backpropagation is run. Its coarse 7×7 grid is why the map "
               "is blurry.")


def _probabilities(image_digest: str, _image: np.ndarray) -> np.ndarray:
    from core.pretrained import lite0_numpy

    return lite0_numpy.softmax(_network(image_digest, _image)[1])[0]


# -- transfer learning ----------------------------------------------------------------------------------------

@st.cache_data(max_entries=4, show_spinner="Cutting the example classes…")
def example_set(per_class: int, seed: int):
    from core.pretrained.transfer import example_set as make

    return make(per_class=per_class, seed=seed)


@st.cache_data(max_entries=4, show_spinner="Reading the zip…")
def zip_set(data_digest: str, _data: bytes):
    from core.pretrained.transfer import load_class_zip

    try:
        return load_class_zip(_data), None
    except ValueError as exc:
        return None, str(exc)


@st.cache_data(max_entries=2, show_spinner=False)
def example_zip() -> bytes:
    from core.pretrained.transfer import example_set as make, make_zip

    images = make(per_class=5, seed=7)
    return make_zip({name: [im for im, label in zip(images.images, images.labels) if label == i]
                     for i, name in enumerate(images.names)})


def set_overview(image_set) -> None:
    """Up to 8 thumbnails (56 px) of each of the first 6 classes, one row per class."""
    import cv2

    counts = np.bincount(image_set.labels)
    side, gap, per_row, shown = 56, 4, 8, min(len(image_set.names), 6)
    grid = np.full((shown * (side + gap), per_row * (side + gap), 3), 255, np.uint8)
    for row in range(shown):
        members = image_set.images[image_set.labels == row][:per_row]
        for column, tile in enumerate(members):
            y, x = row * (side + gap), column * (side + gap)
            grid[y:y + side, x:x + side] = cv2.resize(tile, (side, side), interpolation=cv2.INTER_AREA)
    st.image(grid, width=per_row * (side + gap),
             caption=f"{len(image_set.names)} classes ({', '.join(image_set.names[:6])}), {len(image_set.labels)} "
                     f"images ({counts.min()}–{counts.max()} each); one row per class")
    for note in image_set.notes:
        st.caption(note)


def transfer_results(comparison) -> None:
    """Held-out accuracy per learner, their training curves, and their confusion matrices."""
    from ui.plots import heatmap

    key, ok = comparison.key, comparison.ok
    names = comparison.inputs.get("class_names") or []
    for r in comparison.results:
        if not r.ok:
            st.error(f"**{r.method.label}**: {r.error}")
    if not ok:
        return
    for column, r in zip(st.columns(len(ok)), ok):
        extras = r.output.extras
        column.metric(r.method.label, f"{extras['accuracy']:.1%}", f"{extras['accuracy'] - extras['chance']:+.1%} vs chance",
                      help=f"Accuracy on {extras['test']} test images never used in training or to pick an epoch "
                           f"({extras['train']} training images); chance = {extras['chance']:.1%}.")
        column.caption(f"{extras['test']} test images · {r.seconds:.2f} s")
    trained = [r for r in ok if "curves" in r.output.extras]
    if trained:
        st.markdown("**Training curves** (train and validation, per epoch)")
        for column, r in zip(st.columns(len(trained)), trained):
            curves = r.output.extras["curves"]
            fig = go.Figure()
            for name, values in curves.items():
                dash = "dot" if name.startswith("val") else "solid"
                axis = "y2" if "accuracy" in name else "y"
                fig.add_trace(go.Scatter(x=np.arange(1, len(values) + 1), y=values, name=name, yaxis=axis,
                                         line=dict(dash=dash)))
            start = r.output.extras.get("fine_tune_from")
            if start:
                fig.add_vline(x=start - 0.5, line_dash="dash", line_color="#888", annotation_text="fine-tuning")
            fig.update_layout(title=r.method.label, height=300, xaxis_title="epoch", yaxis_title="loss",
                              yaxis2=dict(title="accuracy", overlaying="y", side="right", range=[0, 1.05],
                                          tickmode="array", tickvals=[0, 0.25, 0.5, 0.75, 1], showgrid=False),
                              legend=dict(orientation="h", y=-0.3), margin=dict(l=10, r=10, t=40, b=10))
            column.plotly_chart(fig, width="stretch", key=f"{key}.curves.{r.method.key}")
    st.markdown("**Confusion matrices** on the test images (rows: true class, normalised)")
    for column, r in zip(st.columns(len(ok)), ok):
        fig = heatmap(r.image, title=r.method.label, colorscale="Blues", height=320)
        if names and len(names) == r.image.shape[0]:
            fig.update_layout(xaxis=dict(tickvals=list(range(len(names))), ticktext=names, title="predicted"),
                              yaxis=dict(tickvals=list(range(len(names))), ticktext=names, title="true"))
        column.plotly_chart(fig, width="stretch", key=f"{key}.confusion.{r.method.key}")


def _confusion_png(result, comparison) -> bytes:
    from core.image import encode_png

    return encode_png(np.kron(result.image, np.ones((16, 16), np.float32)))


TRANSFER_CELLS = Cells(grid=transfer_results, png=_confusion_png, zoom=False)
