"""Panels of the Face-verification page: two photos to compare (sample, upload or camera), the faces found in
each, the per-method verdict with a distance-vs-threshold gauge, and, over a set of labelled pairs, ROC curves,
distance histograms and the 2×2 counts at each method's threshold."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from core.caching import bounded
from core.image import digest, encode_png, fit_size
from ui.cells import Cells

KEY = "fv"
WORK_SIDE = 1024  # photos are reduced to at most this before anything else
COLOURS = ("#4c78a8", "#f58518", "#54a24b", "#e45756", "#72b7b2")
PRIVACY = ("**Privacy.** Photos (uploads and camera shots) are processed in this server's memory only: nothing is "
           "written to disk, sent elsewhere or kept after you leave; caches hold results for at most an hour.")
DEEPFACE_NOTE = ("**Why 0.6 here and 0.66 in the book?** A threshold belongs to one model's distance scale. The book "
                 "compares DeepFace's 4096-D embeddings, L2-normalised (so distances run 0–2), and calls a pair the "
                 "same at ≤ 0.66. That figure was picked on the same five pairs it then scored, so its 5/5 is not a "
                 "test. dlib's 128-D ResNet embedding is a different model whose authors use 0.6 (Euclidean, not "
                 "normalised). Each baseline here has its own scale, set on synthetic pairs not shown on this page.")


@dataclass
class Photo:
    image: np.ndarray | None  # float32 RGB at most WORK_SIDE
    name: str
    error: str | None = None
    synthetic: bool = False  # made from a bundled photo by augmentation
    code: str = ""  # Python that rebuilds it, with `{var}` for its variable name


@st.cache_data(max_entries=8, show_spinner=False)
def _astronaut() -> np.ndarray:
    from core.gallery import load_sample

    return load_sample("astronaut")


@st.cache_data(max_entries=8, show_spinner=False)
def _augmented(kind: str) -> np.ndarray:
    from core.verification.pairs import augmented

    return augmented(_astronaut(), kind)


@st.cache_data(max_entries=16, show_spinner=False)
def _lfw(index: int) -> np.ndarray:
    from core.verification.pairs import lfw_face

    return lfw_face(index)


def _decode(raw: bytes) -> tuple[np.ndarray | None, str | None]:
    from core.image import to_rgb
    from ui.inputs import _decoded

    image, _, error = _decoded(digest(np.frombuffer(raw, np.uint8)), WORK_SIDE, raw)
    if error:
        return None, error
    return fit_size(to_rgb(image), WORK_SIDE)[0], None


def sample_names(first: bool) -> list[str]:
    from core.verification.pairs import AUGMENTATIONS

    people = [f"lfw_subset face #{i} (another person, enlarged)" for i in (3, 11, 42)]
    if first:
        return ["astronaut (Eileen Collins)"] + people
    return [f"astronaut, {a} (synthetic)" for a in AUGMENTATIONS] + people


def _sample(name: str) -> Photo:
    from core.verification.pairs import AUGMENTATIONS

    load = "from core.gallery import load_sample\n"
    if name.startswith("lfw_subset face #"):
        index = int(name.split("#")[1].split()[0])
        return Photo(_lfw(index), name, code=f"from core.verification.pairs import lfw_face\n{{var}} = lfw_face({index})")
    for kind in AUGMENTATIONS:
        if kind in name:
            return Photo(_augmented(kind), name, synthetic=True,
                         code=load + "from core.verification.pairs import augmented\n"
                                     f"{{var}} = augmented(load_sample('astronaut'), {kind!r})")
    return Photo(_astronaut(), name, code=load + "{var} = load_sample('astronaut')")


def photo_picker(label: str, *, key: str, first: bool) -> Photo:
    """One photo: a bundled sample, an upload or a camera shot (decoded through the guarded decoder)."""
    st.markdown(f"**{label}**")
    source = st.radio("Source", ["Sample", "Upload", "Camera"], horizontal=True, key=f"{key}.source",
                      bind="query-params", label_visibility="collapsed")
    if source == "Sample":
        names = sample_names(first)
        return _sample(st.selectbox("Sample", names, key=f"{key}.sample", bind="query-params",
                                    label_visibility="collapsed"))
    if source == "Upload":
        upload = st.file_uploader("Photo", type=["png", "jpg", "jpeg", "tif", "tiff", "bmp", "webp"],
                                  key=f"{key}.upload", label_visibility="collapsed")
        if upload is None:
            return Photo(None, "", "Upload a photo with a face.")
        raw, name = upload.getvalue(), upload.name
    else:
        shot = st.camera_input("Take a picture", key=f"{key}.camera", label_visibility="collapsed")
        if shot is None:
            return Photo(None, "", "Take a picture with the camera.")
        raw, name = shot.getvalue(), "camera shot"
    image, error = _decode(raw)
    if error:
        return Photo(None, name, f"Could not use “{name}”: {error}")
    return Photo(image, name, code=upload_code(name))


def upload_code(name: str) -> str:
    """The code that decodes an uploaded file as the page does (`{var}` for its variable)."""
    return ("from core.decode import decode_image\nfrom core.image import fit_size, to_rgb\n"
            f"{{var}} = fit_size(to_rgb(decode_image(open({name!r}, 'rb').read(), max_side={WORK_SIDE})[0]), "
            f"{WORK_SIDE})[0]")


@st.cache_data(max_entries=32, show_spinner="Finding faces…")
def _found(image_digest: str, detector: str, _image: np.ndarray):
    from core.verification.faces import find_faces

    return find_faces(_image, detector)


def _drawn(image: np.ndarray, boxes: np.ndarray, chosen: int) -> np.ndarray:
    import cv2

    shown = np.ascontiguousarray(np.clip(image, 0, 1).astype(np.float32))
    thick = max(2, int(max(image.shape[:2]) / 200))
    for i, (x, y, w, h) in enumerate(boxes):
        colour = (0.1, 0.9, 0.2) if i == chosen else (1.0, 0.6, 0.0)
        cv2.rectangle(shown, (int(x), int(y)), (int(x + w), int(y + h)), colour, thick)
        cv2.putText(shown, str(i + 1), (int(x), max(12, int(y) - 4)), cv2.FONT_HERSHEY_SIMPLEX,
                    max(0.5, thick / 3), colour, thick)
    return shown


def face_choice(photo: Photo, detector: str, *, key: str, label: str) -> tuple[np.ndarray, str]:
    """Show the faces found in the photo; with several, let the user choose one (the best by default) and return
    that face with a margin, so every method sees the same face. With none, say so (the whole photo is used).
    Also returns the code line that makes the crop ("" when the whole photo is used)."""
    from core.verification.faces import crop

    boxes, scores = _found(digest(photo.image), detector, photo.image)
    chosen = 0
    if len(boxes) > 1:
        options = list(range(len(boxes)))
        chosen = st.selectbox(f"Face to use in {label}", options, key=f"{key}.face",
                              format_func=lambda i: f"face {i + 1} (score {scores[i]:.2f})" + (" — best" if i == 0 else ""))
        chosen = min(int(chosen), len(boxes) - 1)
        st.info(f"{len(boxes)} faces found in {label}; face {chosen + 1} (green) is used"
                f"{' because it has the highest score' if chosen == 0 else ''}. Choose another above.",
                icon=":material/group:")
    elif not len(boxes):
        st.warning(f"No face found in {label} by {detector}. The whole photo is taken as the face, which only "
                   "makes sense for a tight face crop: try the other face finder, or a sharper, frontal photo.",
                   icon=":material/face_retouching_off:")
    st.image(_drawn(photo.image, boxes, chosen), width=340,
             caption=f"{photo.name} · {photo.image.shape[1]}×{photo.image.shape[0]} · {len(boxes)} face(s)")
    if len(boxes) > 1:
        box = tuple(int(v) for v in boxes[chosen])
        return crop(photo.image, box, margin=0.5), ("from core.verification.faces import crop\n"
                                                    f"{{var}} = crop({{var}}, {box}, margin=0.5)")
    return photo.image, ""


@st.cache_data(max_entries=32, show_spinner=False)
def _chip(image_digest: str, detector: str, upsample: int, _image: np.ndarray):
    from core.verification.faces import face_chip

    return face_chip(_image, detector, upsample)


def _gauge(distance: float, threshold: float, top: float, title: str) -> go.Figure:
    same = distance <= threshold
    fig = go.Figure(go.Indicator(
        mode="gauge+number", value=distance, number=dict(valueformat=".3f"),
        title=dict(text=title, font=dict(size=13)),
        gauge=dict(axis=dict(range=[0, top]), bar=dict(color="#222", thickness=0.25),
                   steps=[dict(range=[0, threshold], color="#bfe3c0"), dict(range=[threshold, top], color="#f3c1bd")],
                   threshold=dict(line=dict(color="#d62728" if not same else "#2ca02c", width=4), thickness=0.9,
                                  value=threshold))))
    fig.update_layout(height=190, margin=dict(l=20, r=20, t=40, b=5))
    return fig


def pair_results(comparison) -> None:
    """Per method: the verdict, the distance on a gauge against its threshold (green: same, red: different)."""
    for r in comparison.results:
        if not r.ok:
            st.error(f"**{r.method.label}**: {r.error}")
    ok = comparison.ok
    if not ok:
        return
    columns = st.columns(len(ok))
    for column, r in zip(columns, ok):
        distance, threshold = float(r.image[0]), float(r.output.extras["threshold"])
        top = max(r.method.param("threshold").max, distance * 1.05)
        with column:
            verdict = "Same person" if distance <= threshold else "Different people"
            st.markdown(f"#### {verdict}")
            st.plotly_chart(_gauge(distance, threshold, top, r.method.label), width="stretch",
                            key=f"{comparison.key}.gauge.{r.method.key}")
            truth = comparison.truth
            right = "" if truth is None else (" · ✅ right" if (distance <= threshold) == bool(truth[0]) else " · ❌ wrong")
            st.caption(f"distance **{distance:.3f}** vs threshold {threshold:g} · {r.seconds:.3f} s{right}")
            found = r.output.extras["found"][0]
            if not found.all():
                st.caption(f"No face found in photo {'AB'[int(np.argmin(found))]}: the whole image was used.")
    st.info(DEEPFACE_NOTE, icon=":material/straighten:")


def _pair_png(result, comparison) -> bytes:
    a, b = comparison.inputs["faces_a"][0], comparison.inputs["faces_b"][0]
    detector = result.params.get("detector", "HOG (dlib)")
    upsample = int(result.params.get("upsample", 1))
    chips = [_chip(digest(x), detector, upsample, x).chip for x in (a, b)]
    return encode_png(np.concatenate(chips, axis=1))


PAIR_CELLS = Cells(grid=pair_results, png=_pair_png, zoom=False)


def chips_row(a: np.ndarray, b: np.ndarray, detector: str) -> None:
    """The two aligned 150×150 chips the methods compare, side by side."""
    c1, c2, _ = st.columns([1, 1, 2])
    for column, image, label in ((c1, a, "A"), (c2, b, "B")):
        chip = _chip(digest(image), detector, 1, image)
        column.image(chip.chip, width="stretch", caption=f"aligned face {label} (5 landmarks, 150×150)")


# -- sets of pairs ------------------------------------------------------------------------------------------------

@st.cache_data(max_entries=8, show_spinner="Making synthetic pairs…")
def synthetic_set(identities: int, strength: float, seed: int):
    from core.verification.pairs import synthetic_pairs

    return synthetic_pairs(identities=identities, strength=strength, seed=seed)


@bounded(max_mb=96)  # shared read-only, not copied on every rerun as st.cache_data would
def zip_set(data_digest: str, max_pairs: int, _data: bytes):
    from core.verification.pairs import load_pair_zip

    try:
        return load_pair_zip(_data, max_pairs=max_pairs), None
    except ValueError as exc:
        return None, str(exc)


@st.cache_data(max_entries=2, show_spinner=False)
def example_zip() -> bytes:
    """Three synthetic people (lfw_subset faces, augmented), four photos each: the zip layout to upload."""
    from core.face_sets import _augment, lfw_faces, make_zip

    rng = np.random.default_rng(7)
    faces = lfw_faces()
    return make_zip({name: [_augment(faces[i], rng, 112, 1.0) for _ in range(4)]
                     for name, i in (("alice", 5), ("bob", 17), ("carol", 60))})


def pairs_overview(pairs, shown: int = 8) -> None:
    from core.verification.faces import as_rgb_u8

    def tile(image):
        small = fit_size(as_rgb_u8(image).astype(np.float32) / 255.0, 72)[0]
        out = np.ones((72, 72, 3), np.float32)
        out[:small.shape[0], :small.shape[1]] = small if small.ndim == 3 else small[..., None]
        return out

    same = [i for i in range(len(pairs)) if pairs.same[i]][:shown // 2]
    diff = [i for i in range(len(pairs)) if not pairs.same[i]][:shown // 2]
    columns = st.columns(len(same) + len(diff) or 1)
    for column, i in zip(columns, same + diff):
        column.image(as_rgb_u8(np.concatenate([tile(pairs.faces_a[i]), tile(pairs.faces_b[i])], axis=0)),
                     caption=("same" if pairs.same[i] else "different"), width="stretch")
    st.caption(f"{len(pairs)} pairs: {int(pairs.same.sum())} of the same person, {int((~pairs.same).sum())} of "
               f"different people (first {len(same)} + {len(diff)} shown, one pair per column).")
    for note in pairs.notes:
        st.caption(note)


def set_results(comparison) -> None:
    """A table of the scores, ROC curves of every method, and each one's distance histogram and 2×2 counts."""
    from core.verification.roc import rates_at, roc_curve

    for r in comparison.results:
        if not r.ok:
            st.error(f"**{r.method.label}**: {r.error}")
    ok, same = comparison.ok, comparison.truth
    if not ok or same is None:
        return
    rows = []
    for r in ok:
        m = r.metrics
        rows.append({"method": r.method.label, "ROC AUC": m.get("roc_auc"),
                     "accuracy at its threshold": m.get("accuracy"), "its threshold": r.output.extras["threshold"],
                     "best threshold (on these pairs)": m.get("best_threshold"),
                     "accuracy there": m.get("best_accuracy"), "seconds": r.seconds})
    st.dataframe(rows, hide_index=True, width="stretch",
                 column_config={k: st.column_config.NumberColumn(format="%.3f") for k in rows[0] if k != "method"})
    st.caption("The best threshold is chosen on the very pairs it is scored on (what the book did with its 0.66), "
               "so the accuracy there is optimistic; the accuracy at each method's own threshold is the fair one.")
    left, right = st.columns(2)
    fig = go.Figure()
    for i, r in enumerate(ok):
        fpr, tpr, _ = roc_curve(r.image, same)
        fig.add_trace(go.Scatter(x=fpr, y=tpr, mode="lines", line=dict(color=COLOURS[i % 5], shape="hv"),
                                 name=f"{r.method.label} (AUC {r.metrics.get('roc_auc', float('nan')):.3f})"))
    fig.add_trace(go.Scatter(x=[0, 1], y=[0, 1], mode="lines", line=dict(color="#999", dash="dot"), name="chance"))
    fig.update_layout(height=380, xaxis_title="false accepts (different people called same)",
                      yaxis_title="true accepts (same person called same)", margin=dict(l=10, r=10, t=30, b=10),
                      title="ROC over the pairs", legend=dict(orientation="h", y=-0.25))
    left.plotly_chart(fig, width="stretch", key=f"{comparison.key}.roc")
    pick = right.selectbox("Distances of", [r.method.label for r in ok], key=f"{KEY}.hist_of")
    r = next(x for x in ok if x.method.label == pick)
    threshold = float(r.output.extras["threshold"])
    hist = go.Figure()
    hist.add_trace(go.Histogram(x=r.image[same], name="same person", marker_color="#54a24b", opacity=0.7, nbinsx=20))
    hist.add_trace(go.Histogram(x=r.image[~same], name="different people", marker_color="#e45756", opacity=0.7,
                                nbinsx=20))
    hist.add_vline(x=threshold, line_dash="dash", annotation_text=f"threshold {threshold:g}")
    if r.method.key == "dlib_resnet":
        hist.add_vline(x=0.66, line_dash="dot", line_color="#999", annotation_text="book's 0.66 (DeepFace)",
                       annotation_position="bottom right")
    hist.update_layout(barmode="overlay", height=300, xaxis_title="distance", yaxis_title="pairs",
                       margin=dict(l=10, r=10, t=30, b=10), legend=dict(orientation="h", y=1.15))
    right.plotly_chart(hist, width="stretch", key=f"{comparison.key}.hist")
    counts = rates_at(r.image, same, threshold)
    right.markdown(
        f"At {threshold:g}: | called same | called different\n|---|---|---|\n"
        f"| **same person** | {counts['true_accept']} | {counts['false_reject']} |\n"
        f"| **different people** | {counts['false_accept']} | {counts['true_reject']} |")
    st.info(DEEPFACE_NOTE, icon=":material/straighten:")


def _set_png(result, comparison) -> bytes:
    """The distances, one gray level per pair (for the Export tab)."""
    d = np.asarray(result.image, np.float32)
    top = max(float(d.max()), 1e-6)
    return encode_png(np.kron((d / top)[None, :], np.ones((24, 12), np.float32)))


SET_CELLS = Cells(grid=set_results, png=_set_png, zoom=False)


# -- two sets of photos -------------------------------------------------------------------------------------------

MAX_SET = 8  # photos per set: every photo of A is compared with every photo of B


def sample_sets() -> tuple[list[Photo], list[Photo]]:
    """Set A: the astronaut and her mirror image; set B: two more copies of her (gamma and rotation; darker,
    blurred and noisy) and one lfw person, the odd one out."""
    from core.verification.pairs import AUGMENTATIONS

    first = [_sample("astronaut (Eileen Collins)"), _sample(f"astronaut, {AUGMENTATIONS[1]} (synthetic)")]
    second = [_sample(f"astronaut, {AUGMENTATIONS[k]} (synthetic)") for k in (0, 2)] + [_sample(sample_names(False)[-2])]
    return first, second


def set_uploader(label: str, *, key: str) -> tuple[list[Photo], list[str]]:
    """Several photos for one set; unreadable ones are named and left out."""
    uploads = st.file_uploader(label, type=["png", "jpg", "jpeg", "tif", "tiff", "bmp", "webp"],
                               accept_multiple_files=True, key=key)
    photos, problems = [], []
    for upload in (uploads or [])[:MAX_SET]:
        image, error = _decode(upload.getvalue())
        if error:
            problems.append(f"Could not use “{upload.name}”: {error}")
        else:
            photos.append(Photo(image, upload.name, code=upload_code(upload.name)))
    if uploads and len(uploads) > MAX_SET:
        problems.append(f"Only the first {MAX_SET} photos of {label.lower()} are used.")
    return photos, problems


def sets_recipe(set_a: list[Photo], set_b: list[Photo], truth) -> str:
    """Python that rebuilds both sets and the A × B pairs."""
    lines = ["import numpy as np"]
    for prefix, photos in (("a", set_a), ("b", set_b)):
        lines += [photo.code.format(var=f"{prefix}{i + 1}") for i, photo in enumerate(photos)]
    lines += [f"set_a = [{', '.join(f'a{i + 1}' for i in range(len(set_a)))}]",
              f"set_b = [{', '.join(f'b{i + 1}' for i in range(len(set_b)))}]",
              "faces_a = [a for a in set_a for _ in set_b]", "faces_b = [b for _ in set_a for b in set_b]",
              "truth = None" if truth is None else f"truth = np.array({[bool(t) for t in truth]})"]
    return "\n".join(lines)


def set_strip(photos: list[Photo], caption: str) -> None:
    tiles = st.columns(MAX_SET)
    for tile, photo in zip(tiles, photos):
        tile.image(fit_size(np.clip(photo.image, 0, 1), 160)[0], caption=photo.name[:28], width="stretch")
    st.caption(caption)


def sets_results(comparison) -> None:
    """Per method: the A × B distance matrix (✓ where a pair is called the same) and a verdict from the median."""
    for r in comparison.results:
        if not r.ok:
            st.error(f"**{r.method.label}**: {r.error}")
    ok = comparison.ok
    if not ok:
        return
    names_a, names_b = comparison.view
    columns = st.columns(min(3, len(ok)))
    for i, r in enumerate(ok):
        threshold = float(r.output.extras["threshold"])
        matrix = np.asarray(r.image, np.float64).reshape(len(names_a), len(names_b))
        median = float(np.median(matrix))
        matches = int((matrix <= threshold).sum())
        with columns[i % len(columns)]:
            st.markdown(f"#### {'Same person' if median <= threshold else 'Different people'}")
            text = [[f"{v:.2f}{' ✓' if v <= threshold else ''}" for v in row] for row in matrix]
            fig = go.Figure(go.Heatmap(z=matrix, x=[f"B{j + 1}" for j in range(len(names_b))],
                                       y=[f"A{k + 1}" for k in range(len(names_a))], text=text,
                                       texttemplate="%{text}", colorscale=[[0, "#54a24b"], [1, "#e45756"]],
                                       zmid=threshold, showscale=False,
                                       hovertemplate="%{y} × %{x}: %{z:.3f}<extra></extra>"))
            fig.update_layout(title=dict(text=r.method.label, font=dict(size=13)), height=80 + 46 * len(names_a),
                              margin=dict(l=10, r=10, t=35, b=10), yaxis=dict(autorange="reversed"))
            st.plotly_chart(fig, width="stretch", key=f"{comparison.key}.matrix.{r.method.key}")
            st.caption(f"median distance **{median:.3f}** vs threshold {threshold:g} · {matches} of {matrix.size} "
                       f"pairs match · {r.seconds:.2f} s")
    st.caption("A1… and B1… are the photos of each set, in order. The verdict takes the median over all A × B pairs, "
               "so one odd photo does not decide it.")


def sets_cells(names: tuple[list[str], list[str]]) -> Cells:
    """Cells for the two-sets view; `names` (set A's photos, set B's) becomes comparison.view."""
    return Cells(grid=sets_results, png=_set_png, zoom=False, controls=lambda comparison: names)
