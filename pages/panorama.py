"""Panorama: OpenCV's Stitcher in panorama and scans modes, on synthetic views of a known image (so the
seam error can be measured), on your own images, or on frames sampled from a video."""
import numpy as np
import streamlit as st

import ui
from core.image import decode_image, digest
from core.registry import STITCH, methods_for
from ui.panels import panorama

ui.header("Panorama stitching", "Stitch 2–4 overlapping images with OpenCV's Stitcher, in panorama or scans mode, "
       "and measure the seams against the image the views were cut from.", "Chapter 6 (§6.1)")

SOURCES = ["Synthetic views", "Your images", "Video frames"]
source = st.sidebar.radio("Stitch", SOURCES, key="pano.input", bind="query-params",
                          help="Synthetic views are cut from one image by a virtual camera turning about its "
                               "centre, so the stitched result can be compared with that image.")


@st.cache_data(max_entries=8, show_spinner=False)
def _views(image_digest: str, count: int, overlap: float, wobble: float, seed: int, _image: np.ndarray):
    from core.panorama import camera_views

    return camera_views(_image, count=count, overlap=overlap, wobble=wobble, seed=seed)


reference, images, notes, recipe = None, [], [], ""
if source == SOURCES[0]:
    choice = ui.pick_image(key="pano", default="coffee", gray_default=False)
    count = st.sidebar.slider("Views", 2, 4, 3, key="pano.views", bind="query-params")
    overlap = st.sidebar.slider("Overlap between neighbours", 0.3, 0.7, 0.5, 0.05, key="pano.overlap",
                                bind="query-params")
    wobble = st.sidebar.slider("Camera wobble (pitch/roll, °)", 0.0, 3.0, 1.0, 0.25, key="pano.wobble",
                               bind="query-params", help="Random tilt of each view, as a hand-held camera has.")
    seed = st.sidebar.number_input("Seed", 0, 999, 0, key="pano.seed", bind="query-params")
    reference = choice.image
    recipe = (f"{choice.code}\nfrom core.panorama import camera_views\n"
              f"views = camera_views(image, count={count}, overlap={overlap}, wobble={wobble}, seed={seed})")
    try:
        images = _views(digest(reference), count, overlap, wobble, int(seed), reference)
    except ValueError as exc:
        st.error(str(exc))
    notes.append(f"{len(images)} views of **{choice.name}** seen by a virtual camera turning about its centre "
                 f"({overlap:.0%} overlap, ±{wobble:g}° wobble); {choice.name} is the truth the result is measured on.")
else:
    max_side = st.sidebar.select_slider("Working size (max side, px)", [128, 192, 256, 384, 512, 768], 512,
                                        key="pano.max_side", bind="query-params")
    if source == SOURCES[1]:
        files = st.sidebar.file_uploader("2–4 overlapping images, left to right", type=ui.UPLOAD_TYPES,
                                         accept_multiple_files=True, key="pano.files")
        recipe = ("from core.image import decode_image\n"
                  f"views = [decode_image(open(name, 'rb').read(), max_side={max_side})[0] "
                  f"for name in {[f.name for f in files or []][:4]!r}]")
        for upload in files or []:
            try:
                images.append(decode_image(upload.getvalue(), max_side=max_side)[0])
            except ValueError as exc:
                st.error(f"Could not use “{upload.name}”: {exc}")
        if len(files or []) > 4:
            st.warning("More than 4 images: only the first 4 are stitched.")
            images = images[:4]
    else:
        kind = st.sidebar.radio("Video", ["Generated pan", "Upload"], horizontal=True, key="pano.video",
                                bind="query-params")
        frames = None
        if kind == "Upload":
            upload = st.sidebar.file_uploader("Video file (MP4, MOV, AVI, WebM)", type=["mp4", "mov", "avi",
                                              "webm", "mkv", "m4v"], key="pano.video_file")
            if upload is not None:
                data = upload.getvalue()
                recipe = ("from core.video_bg import read_video\n"
                          f"frames = read_video(open({upload.name!r}, 'rb').read(), max_frames=300, "
                          f"max_side={max_side}, name={upload.name!r})[0]")
                frames, error = panorama.uploaded_video(digest(np.frombuffer(data, np.uint8)), max_side, upload.name,
                                                        data)
                if error:
                    st.error(f"Could not use “{upload.name}”: {error}")
                else:
                    st.sidebar.video(data)
        else:
            frames, mp4, reference = panorama.generated_video("coffee", max_side)
            recipe = ("from core.gallery import load_sample\nfrom core.image import fit_size\n"
                      "from core.panorama import panning_video\n"
                      f"source = fit_size(load_sample('coffee'), {max_side})[0]\nframes = panning_video(source)\n"
                      "image = source[:frames.shape[1]]")
            st.sidebar.video(mp4)
            st.sidebar.caption("A camera sliding across the coffee sample (40 frames, generated here). It moves "
                               "sideways rather than turning, which is what scans mode assumes.")
        count = st.sidebar.slider("Frames to stitch", 2, 6, 3, key="pano.frames", bind="query-params")
        if frames is not None:
            if len(frames) < count:
                st.error(f"The video has {len(frames)} frames; it needs at least {count}.")
            else:
                picks = np.linspace(0, len(frames) - 1, count).round().astype(int)
                images = [frames[i] for i in picks]
                recipe += f"\nviews = [frames[i] for i in {picks.tolist()}]"
                notes.append(f"Frames {', '.join(str(i + 1) for i in picks)} of {len(frames)}, evenly spread.")

ui.method_cards(methods_for(STITCH))
if len(images) < 2:
    st.info("Stitching needs at least two overlapping images: upload them in the sidebar "
            "(or pick **Synthetic views** to start from a sample).", icon=":material/photo_library:")
    st.stop()

st.subheader("Input images")
for note in notes:
    st.caption(note)
st.image([np.clip(image, 0, 1) for image in images], width=min(240, max(120, 900 // len(images))),
         caption=[f"{i}: {image.shape[1]}×{image.shape[0]}" for i, image in enumerate(images, start=1)])

st.subheader("Stitched")
ui.compare(STITCH, {"images": list(images)}, truth=reference, truth_code="image", recipe=recipe,
           variables={"images": "views"}, defaults=["stitcher_panorama", "stitcher_scans"], key="pano",
           cells=panorama.PANORAMA_CELLS)
