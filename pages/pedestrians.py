"""Pedestrians: the HOG descriptor, OpenCV's HOG + SVM people detector (raw, NMS, rectangle or mean-shift
grouping) and Haar body cascades side by side, with counts, times and, on the synthetic street, precision/recall."""
import numpy as np
import streamlit as st

from core.image import digest
from core.registry import DETECT_PEOPLE, methods_for
from ui.cards import method_cards
from ui.detections import box_scoring, comparison_tabs, count_time_bars, detection_grid, run_compared
from ui.inputs import pick_image
from ui.page import header
from ui.plots import cached_figure

header("Pedestrian detection", "HOG + linear SVM against Haar cascades: boxes, counts and run times side by side.",
       "Chapter 6 (§6.5)")

SCENES = ["Synthetic street (true boxes known)", "Gallery or upload"]
scene = st.sidebar.radio("Scene", SCENES, key="ped.scene", bind="query-params",
                         help="No photograph of pedestrians ships with the app's libraries, so the default "
                              "is a drawn street whose people's boxes are known.")


@st.cache_data(max_entries=8, show_spinner=False)
def _street(size: int, people: int, seed: int):
    from core.pedestrians import street_scene

    return street_scene(size, people=people, seed=seed)


truth = None
if scene == SCENES[0]:
    size = st.sidebar.select_slider("Size (px)", [128, 256, 384, 512], 512, key="ped.max_side", bind="query-params")
    people = st.sidebar.slider("People", 1, 6, 4, key="ped.people", bind="query-params")
    seed = st.sidebar.number_input("Seed", 0, 999, 0, key="ped.seed", bind="query-params")
    image, truth = _street(size, people, int(seed))
    recipe = (f"from core.pedestrians import street_scene\n"
              f"image, truth = street_scene({size}, people={people}, seed={seed})")
    st.sidebar.image(image, caption=f"Synthetic street, {size}×{size}, {people} people", width="stretch")
    st.info("**What the default shows.** No photograph of pedestrians ships offline (the book's photo is not "
            "available), so this street is *drawn*: flat-coloured standing figures on a plain background, "
            "with a lamp post and a bin as distractors. The detectors find such figures easily, so the "
            "precision and recall here check that the pipeline works — they say little about real streets. "
            "Upload a street photo (sidebar → Gallery or upload) to see real behaviour; the astronaut sample "
            "is a person framed from the waist up, which full-body detectors are not made for.",
            icon=":material/info:")
else:
    choice = pick_image(key="ped", default="astronaut", gray_default=False)
    image, recipe = choice.image, choice.code
    if min(image.shape[:2]) < 128:
        st.warning("The image is smaller than 128 px: the HOG people window (64×128) cannot fit. "
                   "Raise the working size.")
    with st.expander("Mark the people yourself (optional): precision and recall", icon=":material/crop_free:"):
        st.caption("Drag a box around each person, head to feet. The detections are then scored against your "
                   "boxes at IoU ≥ 0.5 (a detection window has some margin around the person).")
        from ui.canvas import rects_canvas

        marked = [box for box in rects_canvas(image, key="ped.truth", max_width=512) if box[2] > 4 and box[3] > 4]
        if marked:
            truth = np.asarray(marked, dtype=np.int32)
            st.caption(f"{len(marked)} {'person' if len(marked) == 1 else 'people'} marked.")

method_cards(methods_for(DETECT_PEOPLE))
st.subheader("Detectors side by side")
chosen = run_compared(DETECT_PEOPLE, (image,), ["hog_svm", "hog_daimler", "haar_body"], key="ped",
                      scoring=box_scoring(truth))
rows = detection_grid(chosen.results, truth=truth, nouns=("person", "people"))
if rows:
    st.plotly_chart(cached_figure(count_time_bars, rows, truth_count=None if truth is None else len(truth)),
                    width="stretch", key="ped.bars")
comparison_tabs(chosen, recipe=recipe, inputs=("image",))


@st.cache_data(max_entries=8, show_spinner=False)
def _groupings(image_digest: str, scale: float, stride: int, hit: float, overlap: float, _image: np.ndarray):
    from core.registry import get_method

    hog = get_method(DETECT_PEOPLE, "hog_svm")
    out = {}
    for grouping in ("none", "nms", "rectangles", "meanshift"):
        try:
            out[grouping] = hog.run(_image, params=dict(scale=scale, win_stride=stride, hit_threshold=hit,
                                                        overlap=overlap, grouping=grouping))
        except ValueError as exc:
            out[grouping] = str(exc)
    return out


with st.expander("HOG grouping: raw windows, NMS, rectangle grouping and mean shift (book Fig. 6.21)"):
    st.caption("The same HOG + SVM run at the parameters below, grouped four ways. One person fires many "
               "overlapping windows; grouping merges them into one box each.")
    c1, c2, c3, c4 = st.columns(4)
    scale = c1.slider("Scale step", 1.01, 1.5, 1.05, 0.01, key="ped.group.scale")
    stride = c2.select_slider("Window stride", [4, 8, 16], 8, key="ped.group.stride")
    hit = c3.slider("SVM threshold", -1.0, 2.0, 0.0, 0.1, key="ped.group.hit")
    overlap = c4.slider("NMS overlap", 0.05, 0.9, 0.3, 0.05, key="ped.group.overlap")
    groupings = _groupings(digest(image), scale, stride, hit, overlap, image)
    columns = st.columns(4)
    for column, (name, output) in zip(columns, groupings.items()):
        if isinstance(output, str):
            column.error(output)
            continue
        column.image(output.image, caption=name, width="stretch")
        column.markdown(f"**{output.extras['count']}** boxes · {output.extras['detector seconds']:.3f} s")


@st.cache_data(max_entries=8, show_spinner=False)
def _hog_picture(image_digest: str, orientations: int, cell: int, block: int, _image: np.ndarray):
    from core.image import fit_size
    from core.pedestrians import hog_picture

    small, _ = fit_size(_image, 256)
    return small, *hog_picture(small, orientations=orientations, pixels_per_cell=cell, cells_per_block=block)


with st.expander("HOG descriptor (scikit-image)", expanded=True):
    c1, c2, c3 = st.columns(3)
    orientations = c1.slider("Orientation bins", 4, 18, 9, key="ped.hog.bins")
    cell = c2.select_slider("Cell size (px)", [4, 6, 8, 12, 16], 8, key="ped.hog.cell")
    block = c3.select_slider("Block size (cells)", [1, 2, 3, 4], 2, key="ped.hog.block")
    try:
        small, picture, length = _hog_picture(digest(image), orientations, cell, block, image)
        h1, h2 = st.columns(2)
        h1.image(small, caption=f"Input at {small.shape[1]}×{small.shape[0]}", width="stretch")
        h2.image(picture, caption=f"Gradient histograms per {cell}×{cell} cell ({length} numbers, "
                 "square-root scaled)", width="stretch")
    except ValueError as exc:
        st.error(str(exc))
