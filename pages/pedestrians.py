"""Pedestrians: the HOG descriptor, OpenCV's HOG + SVM people detector (raw, NMS, rectangle or mean-shift
grouping) and Haar body cascades side by side, with counts, times and, on the synthetic street, precision/recall."""
import numpy as np
import streamlit as st

import ui
from core.image import digest
from core.registry import DETECT_PEOPLE, get_method, methods_for

ui.header("Pedestrian detection", "HOG + linear SVM against Haar cascades: boxes, counts and run times side by side.",
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
    choice = ui.pick_image(key="ped", default="astronaut", gray_default=False)
    image, recipe = choice.image, choice.code
    if min(image.shape[:2]) < 128:
        st.warning("The image is smaller than 128 px: the HOG people window (64×128) cannot fit. "
                   "Raise the working size.")
    with st.expander("Mark the people yourself (optional): precision and recall", icon=":material/crop_free:"):
        st.caption("Drag a box around each person, head to feet. The detections are then scored against your "
                   "boxes at IoU ≥ 0.5 (a detection window has some margin around the person).")
        marked = [box for box in ui.rects_canvas(image, key="ped.truth", max_width=512) if box[2] > 4 and box[3] > 4]
        if marked:
            truth = np.asarray(marked, dtype=np.int32)
            recipe += f"\ntruth = {[list(map(int, box)) for box in marked]}  # the people you marked"
            st.caption(f"{len(marked)} {'person' if len(marked) == 1 else 'people'} marked.")

ui.method_cards(methods_for(DETECT_PEOPLE))
st.subheader("Detectors side by side")
ui.compare(DETECT_PEOPLE, {"image": image}, truth=truth, recipe=recipe, defaults=["hog_svm", "hog_daimler", "haar_body"],
           key="ped", label="Detectors to compare")

GROUPED = ("scale", "win_stride", "hit_threshold", "overlap")  # the HOG + SVM settings the grouping view shows


with st.expander("HOG grouping: raw windows, NMS, rectangle grouping and mean shift (book Fig. 6.21)"):
    st.caption("The same HOG + SVM run at the parameters below, grouped four ways. One person fires many "
               "overlapping windows; grouping merges them into one box each.")
    hog = get_method(DETECT_PEOPLE, "hog_svm")
    settings = {}
    for column, name in zip(st.columns(len(GROUPED)), GROUPED):  # the method's own widgets, from its spec
        settings.update(ui.param_widgets(hog, container=column, prefix="ped.group", names=(name,)))
    for column, grouping in zip(st.columns(4), ("none", "nms", "rectangles", "meanshift")):
        with column:
            run = ui.run_method(hog, (image,), dict(settings, grouping=grouping), show_progress=False)
            if not run.ok:
                st.error(run.error)
                continue
            st.image(run.image, caption=grouping, width="stretch")
            st.markdown(f"**{run.output.extras['count']}** boxes · {run.output.extras['detector seconds']:.3f} s")


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
