"""Skin detection section: paint skin / non-skin strokes, train four classifiers, compare their maps."""
from __future__ import annotations

import numpy as np
import streamlit as st

from core.image import encode_png
from core.registry import SKIN
from core.skin import NON_SKIN, SKIN_LABEL, check_scribbles, example_scribbles, merge_scribbles
from ui.canvas import scribble_canvas
from ui.cells import Cells
from ui.comparison import compare
from ui.export import npy_bytes
from ui.inputs import pick_image

KEY = "skin"
COLORS = ("#1e88e5", "#ff9800")  # label 1 = non-skin (blue), label 2 = skin (orange)
BRUSHES = {SKIN_LABEL: "Skin", NON_SKIN: "Non-skin"}
DEFAULTS = ["naive_bayes", "decision_tree", "random_forest", "svm"]


def _strokes(image: np.ndarray, scribbles: np.ndarray) -> tuple[str, tuple]:
    """The snippet's strokes: the example ones by name, painted ones as a .npy download."""
    if np.array_equal(scribbles, example_scribbles(image.shape)):
        return "from core.skin import example_scribbles\nscribbles = example_scribbles(image.shape)", ()
    return ('import numpy as np\nscribbles = np.load("strokes.npy")  # download it from the Export tab',
            (("Training strokes (.npy)", npy_bytes(scribbles), "strokes.npy"),))


def _caption(result, comparison) -> str:
    extras = result.output.extras
    return (f"Held-out accuracy **{extras['accuracy']:.1%}** · skin {extras['skin fraction']:.1%} "
            f"· {result.seconds:.2f} s")


def _skin_png(result, comparison) -> bytes:
    return encode_png(result.image.astype(np.float32))


SKIN_CELLS = Cells(display=lambda result, comparison: skin_map_view(comparison.inputs["image"], result.image),
                   caption=_caption, details=None, png=_skin_png, leading=lambda comparison: [], zoom=False)


def _painted(image: np.ndarray, scribbles: np.ndarray | None) -> np.ndarray:
    """The image with the example strokes drawn in their label colours (the canvas background)."""
    if scribbles is None:
        return image
    out = image.copy()
    for label, color in ((NON_SKIN, COLORS[0]), (SKIN_LABEL, COLORS[1])):
        rgb = np.array([int(color[i:i + 2], 16) / 255 for i in (1, 3, 5)], np.float32)
        out[scribbles == label] = rgb
    return out


def skin_map_view(image: np.ndarray, skin: np.ndarray) -> np.ndarray:
    """Skin pixels in full colour, the rest dimmed to a dark grey."""
    gray = image.mean(axis=2, keepdims=True) * 0.25
    return np.where(skin[..., None] > 0.5, image, gray).astype(np.float32)


def training_strokes(image: np.ndarray, *, example_default: bool = True) -> np.ndarray | None:
    """Sidebar brush controls and the canvas; returns the scribbles used for training (or None)."""
    st.sidebar.header("Strokes")
    use_example = st.sidebar.toggle("Use the example strokes", value=example_default, key=f"{KEY}.example",
                                    bind="query-params",
                                    help="Strokes prepared for the astronaut sample (face = skin; hair, suit, "
                                         "background, flag = non-skin), so results show before you draw. "
                                         "Your strokes are added on top.")
    label = st.sidebar.radio("Brush", list(BRUSHES), format_func=BRUSHES.get, horizontal=True,
                             key=f"{KEY}.label", help="Orange strokes mark skin, blue strokes mark non-skin.")
    brush = st.sidebar.slider("Brush width", 2, 30, 8, key=f"{KEY}.brush")
    example = example_scribbles(image.shape) if use_example else None
    left, right = st.columns([3, 2])
    with left:
        drawn = _canvas(_painted(image, example), label=label, brush=brush)
    drawn = drawn if drawn.any() else None
    with right:
        st.markdown(f"**Paint training strokes** on the image: <span style='color:{COLORS[1]}'>■ skin</span> · "
                    f"<span style='color:{COLORS[0]}'>■ non-skin</span> (pick the brush in the sidebar).",
                    unsafe_allow_html=True)
        if use_example:
            st.info("**Example strokes** are on (drawn on the canvas). They were made for the astronaut; on "
                    "another image, turn them off and paint your own.", icon=":material/draw:")
        counts = merge_scribbles(example, drawn)
        if counts is not None:
            st.caption(f"Training pixels: {(counts == SKIN_LABEL).sum()} skin, {(counts == NON_SKIN).sum()} "
                       f"non-skin ({0 if drawn is None else int((drawn > 0).sum())} painted by you).")
    return merge_scribbles(example, drawn)


def _canvas(image: np.ndarray, *, label: int, brush: int, min_width: int = 384) -> np.ndarray:
    """The scribble canvas, shown at least `min_width` px wide: small working images are enlarged by a
    whole factor for drawing, and the strokes are reduced back (a block is labelled by its strongest label)."""
    import cv2

    factor = max(1, -(-min_width // image.shape[1]))
    shown = image if factor == 1 else cv2.resize(image, None, fx=factor, fy=factor, interpolation=cv2.INTER_CUBIC)
    labels = scribble_canvas(np.clip(shown, 0, 1), key=f"{KEY}.canvas", label=label, colors=COLORS,
                             brush=brush * factor)
    if factor == 1:
        return labels
    height, width = image.shape[:2]
    return labels.reshape(height, factor, width, factor).max(axis=(1, 3)).astype(np.int32)


def skin_section() -> None:
    choice = pick_image(key=KEY, default="astronaut", gray_default=False)
    image = choice.image
    if image.ndim != 3:
        st.warning("Skin detection needs colour: turn off *Grayscale* in the sidebar.")
        return
    scribbles = training_strokes(image, example_default=choice.name == "astronaut")
    try:
        check_scribbles(np.zeros(image.shape[:2], np.int32) if scribbles is None else scribbles, image.shape)
    except ValueError as exc:
        st.error(str(exc))
        return
    strokes, files = _strokes(image, scribbles)
    comparison = compare(SKIN, {"image": image, "scribbles": scribbles}, defaults=DEFAULTS, key=KEY,
                         label="Classifiers to compare", recipe=f"{choice.code}\n{strokes}", files=files,
                         cells=SKIN_CELLS)
    ok = comparison.ok
    if ok:
        first = ok[0].output.extras
        st.caption(f"Accuracy is measured on {first['test pixels']} stroke pixels ({first['test skin pixels']} "
                   f"skin) held out in whole {12}×{12} tiles and never used for training; "
                   f"{first['train pixels']} pixels trained each model.")
        best = max(ok, key=lambda r: r.output.extras["accuracy"])
        st.download_button(f"Download the skin mask of the most accurate model ({best.method.label}, PNG)",
                           encode_png(best.image), "skin_mask.png", "image/png", key=f"{KEY}.download",
                           icon=":material/download:")
        _decision_regions(image, scribbles, ok)


def _decision_regions(image: np.ndarray, scribbles: np.ndarray, results: list) -> None:
    """Each classifier's skin region over the chroma plane with the stroke pixels on top (book Figure 4.2)."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    from core.skin import decision_slice, features

    with st.expander("Decision regions in the chroma plane", icon=":material/scatter_plot:"):
        params = results[0].params
        space = params["space"]
        st.caption("Where each classifier says *skin* (orange) for every chroma value, at the median brightness "
                   "of your skin strokes when the model also uses brightness. Dots: a sample of stroke pixels. "
                   f"Shown for the models that use the colour space of the first one ({space}).")
        shown = [r for r in results if r.params["space"] == space]
        flat = scribbles.ravel()
        picked = np.flatnonzero(flat)
        picked = np.random.default_rng(0).choice(picked, min(1500, len(picked)), replace=False)
        rows = features(image, space=space, features="all")[picked]
        if space == "YCrCb":
            px_, py_ = rows[:, 2] * 255, rows[:, 1] * 255  # Cb, Cr
        else:
            px_ = np.degrees(np.arctan2(rows[:, 1] - 0.5, rows[:, 0] - 0.5)) % 360
            py_ = rows[:, 2]
        pad_x, pad_y = (12.0, 12.0) if space == "YCrCb" else (20.0, 0.08)
        x_range = (max(px_.min() - pad_x, 0.0), min(px_.max() + pad_x, 255.0 if space == "YCrCb" else 360.0))
        y_range = (max(py_.min() - pad_y, 0.0), min(py_.max() + pad_y, 255.0 if space == "YCrCb" else 1.0))
        figure = make_subplots(rows=1, cols=len(shown), subplot_titles=[r.method.label for r in shown],
                               shared_yaxes=True, horizontal_spacing=0.03)
        for col, result in enumerate(shown, start=1):
            xs, ys, z, names = decision_slice(result.output.extras["model"], space=space,
                                              features_=result.params["features"],
                                              brightness=result.output.extras["skin brightness"],
                                              x_range=x_range, y_range=y_range)
            figure.add_trace(go.Heatmap(x=xs, y=ys, z=z, zmin=0, zmax=1, showscale=False, opacity=0.55,
                                        colorscale=[[0, "#cfe3f7"], [1, COLORS[1]]]), row=1, col=col)
            for label, colour, name in ((NON_SKIN, COLORS[0], "non-skin"), (SKIN_LABEL, "#8a4b00", "skin")):
                chosen = flat[picked] == label
                figure.add_trace(go.Scattergl(x=px_[chosen], y=py_[chosen], mode="markers", name=name,
                                              marker=dict(size=3, color=colour), showlegend=col == 1),
                                 row=1, col=col)
            figure.update_xaxes(title_text=names[0], row=1, col=col)
        figure.update_yaxes(title_text=names[1], row=1, col=1)
        figure.update_layout(height=360, margin=dict(l=10, r=10, t=40, b=10))
        st.plotly_chart(figure, width="stretch", key=f"{KEY}.regions")
