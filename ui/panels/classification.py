"""Panels of the classification page (book §7.1-7.2): the data set picker and overview, the results of the
classifiers side by side (accuracy, per-class precision / recall / F1, confusion matrix, misclassified
samples), the CNN's background training with live loss and accuracy curves and a stop button, the drawing
canvas that every trained model classifies, and the book's figures beside ours."""
from __future__ import annotations

from functools import partial

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from plotly.subplots import make_subplots

from core.classify import datasets
from core.classify.datasets import Dataset
from core.image import digest
from core.registry import Method
from core.tasks.classification import predictions
from ui.cells import Cells
from ui.params import param_widgets, set_params

SOURCES = {"Digits": "digits", "MNIST": "mnist", "Fashion-MNIST": "fashion-mnist", "Zip": "zip"}  # label: key
SOURCES_HELP = ("**Digits**: scikit-learn's 1,797 8×8 digits (bundled). **MNIST**: 5,000 real 28×28 digits "
                "(bundled). **Fashion-MNIST**: 70,000 28×28 garments (Debian's dataset-fashion-mnist). **Zip**: "
                "your own images, one folder per class.")
MAX_UPLOAD_MB = 100
# the book's accuracies on full Fashion-MNIST (60,000 / 10,000), and ours on the same split (measured with
# `python -m bench classify --dataset fashion-mnist`, 2 CPU cores, defaults: see README "Benchmarks")
BOOK = {"naive_bayes": 0.6715, "sgd": 0.7958, "random_forest": 0.8751, "cnn": 0.9030}
OURS_FULL: dict[str, float] = {"naive_bayes": 0.6715, "sgd": 0.8314, "random_forest": 0.8751, "cnn": 0.9048}


# -- data ------------------------------------------------------------------------------------------------------

@st.cache_resource(max_entries=3, show_spinner="Loading the data set…")
def _builtin(name: str, seed: int) -> Dataset:
    return datasets.load(name, seed=seed) if name != "fashion-mnist" else datasets.fashion_mnist()


@st.cache_resource(max_entries=3, show_spinner=False)
def _subsampled(name: str, seed: int, train_size: int, _data: Dataset) -> Dataset:
    return datasets.subsample(_data, train_size, seed=seed)


@st.cache_resource(max_entries=2, show_spinner="Reading the zip…")
def _zipped(data_digest: str, side: int, seed: int, file_name: str, _data: bytes) -> tuple[Dataset | None, str]:
    try:
        return datasets.load_class_zip(_data, side=side, seed=seed, name=file_name), ""
    except ValueError as exc:
        return None, str(exc)


@st.cache_data(max_entries=1, show_spinner=False)
def example_zip() -> bytes:
    return datasets.example_shapes_zip()


def dataset_picker(*, key: str) -> tuple[Dataset | None, str]:
    """The sidebar's data set choice; (the data set, or None, and a message when there is none)."""
    q = dict(bind="query-params")
    st.sidebar.header("Data set")
    source = SOURCES[st.sidebar.radio("Images", list(SOURCES), key=f"{key}.data", help=SOURCES_HELP, **q)]
    seed = int(st.sidebar.number_input("Split and subsample seed", 0, 999, 0, key=f"{key}.seed", **q))
    if source == "fashion-mnist" and not datasets.fashion_available():
        return None, datasets.FASHION_HOW
    if source == "zip":
        upload = st.sidebar.file_uploader("Zip: one folder of images per class", type=["zip"], key=f"{key}.zip")
        side = st.sidebar.select_slider("Resize every image to", [0, 8, 16, 28, 32, 48, 64], 0, key=f"{key}.side",
                                        format_func=lambda s: "their most common size" if s == 0 else f"{s}×{s}",
                                        **q)
        st.sidebar.download_button("Example zip (3 classes of shapes)", example_zip(), "classes_example.zip",
                                   mime="application/zip", key=f"{key}.example", icon=":material/download:")
        if upload is None:
            return None, "Upload a zip with one folder per class (the folder name is the class's name)."
        if upload.size > MAX_UPLOAD_MB * 2 ** 20:
            return None, f"“{upload.name}” is {upload.size / 2 ** 20:,.0f} MB; the limit is {MAX_UPLOAD_MB} MB."
        raw = upload.getvalue()
        data, error = _zipped(digest(np.frombuffer(raw, np.uint8)), int(side), seed, upload.name, raw)
        if data is None:
            return None, f"Could not use “{upload.name}”: {error}"
    else:
        data = _builtin(source, seed)
    full = len(data.y_train)
    default = min(full, 10_000 if source == "fashion-mnist" else full)
    minimum = min(full, max(20, 2 * data.classes))
    if full > minimum:
        step = 10 if full < 5000 else 500
        default = max(minimum, default - default % step) if default != full else full
        train_size = st.sidebar.slider("Training images", minimum, full, default, step=step if full > 500 else 1,
                                       key=f"{key}.train_size.{source}", **q,
                                       help="A stratified, seeded subsample of the training split (the test split "
                                            "stays whole), so the large sets stay interactive.")
    else:
        train_size = full
    return _subsampled(source, seed, int(train_size), data) if train_size < full else data, ""


def dataset_overview(data: Dataset, *, key: str) -> None:
    from core.faces import mosaic

    counts = np.bincount(data.y_train, minlength=data.classes)
    st.caption(f"**{data.source}**. Training {len(data.y_train):,} images, test {len(data.y_test):,}; "
               f"{data.image_shape[1]}×{data.image_shape[0]} gray in [0, 1]; {data.classes} classes.")
    for note in data.notes:
        st.info(note, icon=":material/info:")
    left, right = st.columns([3, 2])
    shown = min(data.classes, 12)
    picks = [np.flatnonzero(data.y_train == c)[:4] for c in range(shown)]
    blank = np.zeros(data.image_shape, np.float32)
    tiles = np.stack([data.x_train[p[row]] if row < len(p) else blank for row in range(4) for p in picks])
    zoom = max(1, 28 // data.image_shape[0])
    grid = mosaic(tiles, columns=shown)
    left.image(np.kron(grid, np.ones((zoom, zoom), np.float32)), clamp=True, width=min(560, 44 * shown),
               caption="Four training images per class, one class per column: "
                       + ", ".join(data.class_names[:shown]) + (" …" if data.classes > shown else ""))
    fig = go.Figure(go.Bar(x=list(data.class_names), y=counts, marker_color="#4c78a8"))
    fig.update_layout(height=260, title="Training images per class", margin=dict(l=10, r=10, t=40, b=10))
    right.plotly_chart(fig, width="stretch", key=f"{key}.balance")


# -- the results, side by side ----------------------------------------------------------------------------------

def per_class(data: Dataset, output) -> pd.DataFrame:
    from sklearn.metrics import precision_recall_fscore_support

    labels = np.arange(data.classes)
    precision, recall, f1, support = precision_recall_fscore_support(data.y_test, predictions(output), labels=labels,
                                                                     zero_division=0)
    return pd.DataFrame({"class": list(data.class_names), "precision": precision, "recall": recall, "F1": f1,
                         "support": support})


def confusion(data: Dataset, output, normalise: bool) -> np.ndarray:
    from sklearn.metrics import confusion_matrix

    matrix = confusion_matrix(data.y_test, predictions(output), labels=np.arange(data.classes)).astype(np.float64)
    if normalise:
        matrix = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
    return matrix


def confusion_figure(matrix: np.ndarray, names: tuple[str, ...], *, normalise: bool, title: str) -> go.Figure:
    text = [[f"{v:.2f}" if normalise else f"{int(v)}" for v in row] for row in matrix]
    fig = go.Figure(go.Heatmap(z=matrix, x=list(names), y=list(names), colorscale="Blues", text=text,
                               texttemplate="%{text}" if len(names) <= 12 else None,
                               hovertemplate="true %{y}<br>predicted %{x}<br>%{text}<extra></extra>"))
    fig.update_yaxes(autorange="reversed", title_text="true class")
    fig.update_xaxes(title_text="predicted class")
    fig.update_layout(title=title, height=420, margin=dict(l=10, r=10, t=40, b=10))
    return fig


def history_figure(history: list[dict], *, title: str = "Training") -> go.Figure:
    """Loss (left) and accuracy (right) per epoch, training and validation, with the batch values faint."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=("loss", "accuracy"))
    batches = [h for h in history if h["kind"] == "batch"]
    epochs = [h for h in history if h["kind"] == "epoch"]
    per_epoch = (batches[-1]["total"] / max(1, max(h["epoch"] for h in batches))) if batches else 1
    if batches:
        x = [h["step"] / per_epoch for h in batches]
        fig.add_trace(go.Scatter(x=x, y=[h["loss"] for h in batches], mode="lines", name="batch (running)",
                                 line=dict(color="#c6dbef", width=1), showlegend=False), 1, 1)
        fig.add_trace(go.Scatter(x=x, y=[h["accuracy"] for h in batches], mode="lines", name="batch (running)",
                                 line=dict(color="#c6dbef", width=1), showlegend=False), 1, 2)
    if epochs:
        x = [h["epoch"] for h in epochs]
        for column, field in ((1, "loss"), (2, "accuracy")):
            fig.add_trace(go.Scatter(x=x, y=[h[field] for h in epochs], mode="lines+markers", name="training",
                                     line=dict(color="#4c78a8"), showlegend=column == 1), 1, column)
            fig.add_trace(go.Scatter(x=x, y=[h[f"val_{field}"] for h in epochs], mode="lines+markers",
                                     name="validation", line=dict(color="#f58518"), showlegend=column == 1), 1, column)
    fig.update_xaxes(title_text="epoch")
    fig.update_layout(title=title, height=300, margin=dict(l=10, r=10, t=60, b=10),
                      legend=dict(orientation="h", y=-0.25))
    return fig


def results_grid(comparison, *, data: Dataset, key: str) -> None:
    """Every classifier's figures in one table, then per-class scores, a confusion matrix and the mistakes of
    the chosen one."""
    for r in comparison.results:
        if not r.ok:
            st.error(f"**{r.method.label}**: {r.error}")
    ok = comparison.ok
    if not ok:
        return
    table = pd.DataFrame([{"method": r.method.label, "accuracy": r.metrics.get("accuracy"),
                           "macro F1": r.metrics.get("f1_macro"),
                           "errors": int(np.sum(predictions(r.output) != data.y_test)),
                           "train (s)": r.output.extras["fit_seconds"],
                           "predict (s)": r.output.extras["predict_seconds"],
                           "book (Fashion-MNIST)": BOOK.get(r.method.key)} for r in ok])
    st.dataframe(table, hide_index=True, width="stretch", column_config={
        "accuracy": st.column_config.NumberColumn(format="%.4f"), "macro F1": st.column_config.NumberColumn(
            format="%.4f"), "train (s)": st.column_config.NumberColumn(format="%.3f"),
        "predict (s)": st.column_config.NumberColumn(format="%.3f"),
        "book (Fashion-MNIST)": st.column_config.NumberColumn(format="%.4f", help="The book's accuracy on full "
                                                               "Fashion-MNIST (60,000 / 10,000).")})
    st.caption(f"On {len(data.y_test):,} test images never seen in training ({len(data.y_train):,} training "
               "images). Train and predict times are each method's own, measured here.")
    labels = {r.method.key: r.method.label for r in ok}
    chosen = st.radio("Look closer at", list(labels), format_func=labels.get, horizontal=True,
                      key=f"{key}.closer")
    result = next((r for r in ok if r.method.key == chosen), ok[0])
    scores = per_class(data, result.output)
    left, right = st.columns(2)
    with left:
        st.dataframe(scores, hide_index=True, width="stretch", column_config={
            name: st.column_config.NumberColumn(format="%.3f") for name in ("precision", "recall", "F1")})
        bars = go.Figure([go.Bar(name=name, x=scores["class"], y=scores[name]) for name in ("precision", "recall",
                                                                                          "F1")])
        bars.update_layout(barmode="group", height=300, yaxis=dict(range=[0, 1.05]), title="Per class",
                           margin=dict(l=10, r=10, t=40, b=10), legend=dict(orientation="h", y=-0.3))
        st.plotly_chart(bars, width="stretch", key=f"{key}.perclass.{chosen}")
    with right:
        normalise = st.toggle("Normalise rows (recall per class)", value=True, key=f"{key}.normalise")
        st.plotly_chart(confusion_figure(confusion(data, result.output, normalise), data.class_names,
                                         normalise=normalise, title=f"Confusion matrix: {result.method.label}"),
                        width="stretch", key=f"{key}.confusion.{chosen}")
    pictures(data, result, key=key)
    history = result.output.extras.get("history")
    if history:
        st.plotly_chart(history_figure(history, title=f"{result.method.label}: {result.output.extras.get('state')}"),
                        width="stretch", key=f"{key}.history.{chosen}")
    misclassified_gallery(data, result, key=key)


def pictures(data: Dataset, result, *, key: str) -> None:
    """What a model learned, as images: naive Bayes' class means and variances, the SGD classifier's weight
    images, the random forest's pixel importances."""
    from core.faces import mosaic

    extras = result.output.extras
    shown = []
    for name, caption in (("mean_images", "class means (μ per pixel)"), ("variance_images", "class variances"),
                          ("weight_images", "weight image per class (red +, blue −)")):
        if name in extras:
            tiles = np.asarray(extras[name], np.float32)
            if name == "weight_images":
                scale = np.abs(tiles).max(axis=(1, 2), keepdims=True) + 1e-9
                tiles = 0.5 + 0.5 * tiles / scale
            else:
                tiles = tiles / (tiles.max(axis=(1, 2), keepdims=True) + 1e-9)
            shown.append((mosaic(tiles, columns=min(10, len(tiles))), caption, name == "weight_images"))
    if "importance" in extras:
        importance = np.asarray(extras["importance"], np.float32)
        shown.append((importance / (importance.max() + 1e-9), "pixel importance (mean impurity decrease)", False))
    if not shown:
        return
    zoom = max(1, 28 // data.image_shape[0])
    for column, (image, caption, signed) in zip(st.columns(len(shown)), shown):
        picture = np.kron(image, np.ones((zoom, zoom), np.float32))
        if signed:  # diverging: blue below 0.5, red above, white lines stay white
            red = np.clip(2 * picture, 0, 1)
            blue = np.clip(2 - 2 * picture, 0, 1)
            picture = np.stack([red, np.minimum(red, blue), blue], axis=-1)
        column.image(picture, clamp=True, caption=caption + " · classes " + ", ".join(data.class_names[:10]),
                     width="stretch")


def misclassified_gallery(data: Dataset, result, *, key: str, count: int = 24) -> None:
    wrong = np.flatnonzero(predictions(result.output) != data.y_test)
    head, seed_column = st.columns([4, 1])
    head.markdown(f"**Misclassified by {result.method.label}**: {len(wrong):,} of {len(data.y_test):,} "
                  "test images (predicted → true).")
    seed = int(seed_column.number_input("Gallery seed", 0, 9999, 0, key=f"{key}.gallery_seed",
                                        help="Draws another random set of mistakes."))
    if not len(wrong):
        st.success("No test image is misclassified.")
        return
    picks = np.random.default_rng(seed).choice(wrong, size=min(count, len(wrong)), replace=False)
    predicted = predictions(result.output)
    zoom = max(1, 56 // data.image_shape[0])
    columns = st.columns(12)
    for i, index in enumerate(picks):
        image = np.kron(data.x_test[index], np.ones((zoom, zoom), np.float32))
        columns[i % 12].image(image, clamp=True, width="stretch",
                             caption=f"{data.class_names[predicted[index]]} → {data.class_names[data.y_test[index]]}")


def _confusion_png(result, comparison) -> bytes:
    from core.image import encode_png

    matrix = np.asarray(result.output.image)
    return encode_png(np.kron(matrix / max(float(matrix.max()), 1e-9), np.ones((4, 64), np.float32)))


def results_cells(data: Dataset, *, key: str) -> Cells:
    return Cells(grid=partial(results_grid, data=data, key=key), zoom=False, png=_confusion_png)


# -- the CNN's live training -------------------------------------------------------------------------------------

@st.cache_resource(max_entries=3, show_spinner=False)
def _job(settings_key: str, _settings, _x, _y):
    from core.classify.cnn import train_cnn
    from core.learned.training import TrainingJob

    return TrainingJob(lambda settings, progress, should_stop: train_cnn(settings, _x, _y, progress=progress,
                                                                         should_stop=should_stop), _settings)


def _status(job) -> None:
    from ui.training import _status as status

    status(job)


def cnn_panel(method: Method, data: Dataset, *, methods_key: str, key: str) -> None:
    """The CNN's settings (its own parameters), Train / Stop and live loss and accuracy curves; the trained
    network joins the comparison with exactly these settings."""
    from core.classify.cnn import remember, settings_of

    st.markdown("Train the **convolutional network** here in the background and watch its loss and accuracy, "
                "on the training batches and on a held-out validation share, epoch by epoch; stop it at any "
                "time (a network stopped after a full epoch is kept, marked partial). Early stopping ends "
                "training when the validation loss stops falling and keeps the best weights.")
    with st.expander("Network and training settings", icon=":material/tune:"):
        columns = st.columns(4)
        params = {}
        for i, param in enumerate(method.params):
            params.update(param_widgets(method, container=columns[i % 4], prefix=key, names=(param.name,)))
    settings = settings_of(**params)
    job = _job(repr((settings, data.name, digest(data.x_train, data.y_train))), settings, data.x_train, data.y_train)
    label = "Train" if job.status == "idle" else "Train again"
    if st.button(label, key=f"{key}.train", type="primary", disabled=job.running, icon=":material/play_arrow:"):
        with st.spinner("Loading TensorFlow…"):
            job.prepare()
        job.start()
    running = job.running

    @st.fragment(run_every=1.5 if running else None)
    def live() -> None:
        if st.button("Stop", key=f"{key}.stop", disabled=not job.running, icon=":material/stop:"):
            job.stop()
            job.wait(30)
        batches = [h for h in job.history if h["kind"] == "batch"]
        if job.running and batches:
            st.progress(min(1.0, batches[-1]["step"] / batches[-1]["total"]),
                        text=f"epoch {batches[-1]['epoch']} of {settings.epochs}: running loss "
                             f"{batches[-1]['loss']:.3f}, accuracy {batches[-1]['accuracy']:.3f}")
        _status(job)
        if job.history:
            st.plotly_chart(history_figure(list(job.history)), width="stretch", key=f"{key}.curves")
        if running and not job.running:
            st.rerun(scope="app")

    live()
    if job.model is not None:
        remember(settings, data.x_train, data.y_train, job.result)
        marker = repr((settings, digest(data.x_train)))
        if st.session_state.get(f"{methods_key}.added.cnn") != marker:
            st.session_state[f"{methods_key}.added.cnn"] = marker
            set_params(method, params)
            chosen = list(st.session_state.get(methods_key, []))
            if method.key not in chosen:
                st.session_state[methods_key] = chosen + [method.key]
        if job.result.extras.get("early_stop"):
            st.caption(f"Early stopping ended training after {job.result.epochs_done} epochs.")
        st.caption(f"{job.result.extras.get('parameters', 0):,} weights. The network is in the comparison below "
                   "with these settings.")


# -- drawing ----------------------------------------------------------------------------------------------------

def draw_panel(comparison, *, data: Dataset, key: str) -> None:
    """A canvas; the drawing prepared like the data set's images and classified by every trained model."""
    from streamlit_drawable_canvas import st_canvas

    from core.classify.drawing import ink, prepare_for

    ok = [r for r in comparison.ok if r.output.extras.get("model") is not None]
    if not ok:
        st.info("Run at least one classifier above; its trained model then classifies your drawing.")
        return
    what = "a digit" if data.name in ("digits", "mnist") else "a garment" if data.name == "fashion-mnist" \
        else "an image of one of the classes"
    left, middle, right = st.columns([2, 1, 4])
    with left:
        st.markdown(f"Draw **{what}** (white on black):")
        stroke = st.slider("Brush", 6, 40, 18, key=f"{key}.brush")
        canvas = st_canvas(background_color="#000000", stroke_color="#ffffff", stroke_width=stroke, height=240,
                           width=240, drawing_mode="freedraw", return_image_data=True, key=f"{key}.canvas",
                           update_streamlit=True)
    drawing = ink(canvas.image_data)
    if drawing is None:
        middle.caption("Nothing drawn yet.")
        right.info("Draw on the canvas: each model's class probabilities appear here.", icon=":material/draw:")
        return
    image = prepare_for(drawing, data)
    zoom = max(1, 112 // data.image_shape[0])
    middle.image(np.kron(image, np.ones((zoom, zoom), np.float32)), clamp=True, width="stretch",
                 caption=f"as the models see it ({data.image_shape[1]}×{data.image_shape[0]}, cropped, scaled, "
                         f"centred{'' if data.dark_background else ', inverted'})")
    fig = go.Figure()
    answers = []
    for r in ok:
        proba = np.asarray(r.output.extras["model"].predict_proba(image[None]))[0]
        answers.append(f"{r.method.label}: **{data.class_names[int(np.argmax(proba))]}** ({proba.max():.0%})")
        fig.add_trace(go.Bar(name=r.method.label, x=list(data.class_names), y=proba))
    fig.update_layout(barmode="group", height=360, yaxis=dict(range=[0, 1], title="probability"),
                      title="Class probabilities of your drawing", margin=dict(l=10, r=10, t=40, b=10),
                      legend=dict(orientation="h", y=-0.25))
    with right:
        st.plotly_chart(fig, width="stretch", key=f"{key}.proba")
        st.markdown(" · ".join(answers))


# -- the book's figures -------------------------------------------------------------------------------------------

def book_panel(comparison, *, data: Dataset) -> None:
    st.markdown("The book's classifiers on **full Fashion-MNIST** (60,000 training and 10,000 test images), "
                "beside this app's same models on the same split, measured on a 2-core CPU:")
    rows = []
    labels = {"naive_bayes": "Gaussian naive Bayes (var_smoothing 1e-2)", "sgd": "SGD, modified Huber",
              "random_forest": "Random forest (100 trees, depth 20)", "cnn": "CNN (the book's network, 5 epochs)"}
    here = {r.method.key: r.metrics.get("accuracy") for r in comparison.ok} if data.name == "fashion-mnist" else {}
    for method_key, book in BOOK.items():
        rows.append({"model": labels[method_key], "book": book, "ours (full set)": OURS_FULL.get(method_key),
                     "this page now": here.get(method_key)})
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch",
                 column_config={c: st.column_config.NumberColumn(format="%.4f")
                                for c in ("book", "ours (full set)", "this page now")})
    st.caption(OURS_NOTE)


OURS_NOTE = ("Ours: scikit-learn 1.9 and Keras 3.15 at this page's defaults (`python -m bench classify --dataset "
             "fashion-mnist`). Naive Bayes and the random forest (random_state 0) give the book's figures exactly. "
             "The SGD classifier is seeded here (seed 0: 0.8314; seeds 1 and 2: 0.8248 and 0.8139); the book set no "
             "seed, and SGD's accuracy moves by several points with the seed and the number of epochs (0.750 "
             "after 5 epochs, 0.771 after 20), so its 0.7958 can't be repeated exactly. The CNN figure is the "
             "book's network (architecture “book”, 5 epochs, batch 64, a shuffled 20 % validation share): 0.9048 "
             "in 213 s on 2 CPU cores; the small default network reaches 0.9060 in 5 epochs (126 s). “This page now” fills in on Fashion-MNIST with the training size and settings chosen in "
             "the sidebar and the panels.")
