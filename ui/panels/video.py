"""Video section: background subtraction on a synthetic clip with known masks, or on an upload."""
from __future__ import annotations

import numpy as np
import streamlit as st

from core.image import digest, encode_png
from core.registry import BACKGROUND_SUBTRACTION
from core.video_bg import encode_mp4, iou_per_frame, read_video, side_by_side, synthetic_video, warmup_frames
from ui.cells import own_grid
from ui.comparison import compare
from ui.plots import cached_figure, lines

KEY = "vid"
VIDEO_TYPES = ["mp4", "avi", "mov", "mkv", "webm", "m4v", "mpg", "mpeg", "gif"]
WIDTHS = {"small (128×96)": (128, 96), "medium (160×120)": (160, 120), "large (240×180)": (240, 180)}


@st.cache_data(max_entries=2, show_spinner="Generating the synthetic video…")
def _synthetic(frames: int, size: str, objects: int, noise: float, lighting: float, seed: int):
    width, height = WIDTHS[size]
    return synthetic_video(frames=frames, height=height, width=width, objects=objects, noise=noise,
                           lighting=lighting, seed=seed)


@st.cache_data(max_entries=2, show_spinner="Decoding the video…")
def load_upload(data_digest: str, name: str, max_frames: int, _data: bytes):
    """(frames, fps, info, error): a clear message instead of an exception for undecodable files."""
    try:
        frames, fps, info = read_video(_data, max_frames=max_frames, max_side=240, name=name)
    except ValueError as exc:
        return None, 0.0, {}, str(exc)
    return frames, fps, info, None


@st.cache_data(max_entries=6, show_spinner="Encoding the playback video (H.264)…")
def _playback(masks_digest: str, fps: float, _frames, _masks, _truth) -> bytes:
    return encode_mp4(side_by_side(_frames, _masks, truth=_truth), fps=fps)


def _middle_frame_png(result, comparison) -> bytes:
    """The foreground mask of the middle frame."""
    return encode_png(result.image[len(result.image) // 2].astype(np.float32))


def _source() -> tuple[np.ndarray | None, np.ndarray | None, float, str]:
    """(frames, true masks or None, fps, Python that rebuilds the frames as `video`)."""
    st.sidebar.header("Video")
    source = st.sidebar.radio("Source", ["Synthetic", "Upload"], horizontal=True, key=f"{KEY}.source",
                              bind="query-params")
    if source == "Upload":
        upload = st.sidebar.file_uploader("Video file", type=VIDEO_TYPES, key=f"{KEY}.upload",
                                          help="Decoded with OpenCV; the first 120 frames are used, at most 240 px.")
        if upload is None:
            st.info("Upload a short video in the sidebar, or switch the source back to *Synthetic*.")
            return None, None, 0.0, ""
        data = upload.getvalue()
        frames, fps, info, error = load_upload(digest(np.frombuffer(data, np.uint8)), upload.name, 120, data)
        if error:
            st.error(error)
            return None, None, 0.0, ""
        if info.get("truncated"):
            st.sidebar.info(f"Using the first {len(frames)} of {info['frames_in_file']} frames.")
        code = ("from core.video_bg import read_video\n"
                f"video, fps, info = read_video(open({upload.name!r}, 'rb').read(), max_frames=120, max_side=240, "
                f"name={upload.name!r})")
        return frames, None, fps, code
    frames = st.sidebar.slider("Frames", 20, 150, 60, 10, key=f"{KEY}.frames", bind="query-params")
    size = st.sidebar.selectbox("Frame size", list(WIDTHS), index=1, key=f"{KEY}.size")
    objects = st.sidebar.slider("Moving objects", 1, 5, 3, key=f"{KEY}.objects")
    noise = st.sidebar.slider("Noise σ", 0.0, 0.1, 0.02, 0.005, key=f"{KEY}.noise")
    lighting = st.sidebar.slider("Lighting drift", 0.0, 0.3, 0.0, 0.01, key=f"{KEY}.lighting",
                                 help="A slow global brightness change, which a background model must absorb.")
    seed = st.sidebar.number_input("Seed", 0, 999, 0, key=f"{KEY}.seed")
    video, truth = _synthetic(frames, size, objects, noise, lighting, int(seed))
    width, height = WIDTHS[size]
    code = ("from core.video_bg import synthetic_video\n"
            f"video, truth = synthetic_video(frames={frames}, height={height}, width={width}, objects={objects}, "
            f"noise={noise!r}, lighting={lighting!r}, seed={int(seed)})")
    return video, truth, 15.0, code


def video_section() -> None:
    frames, truth, fps, recipe = _source()
    if frames is None:
        return
    st.caption(f"{len(frames)} frames of {frames.shape[2]}×{frames.shape[1]} px"
               + (" with known foreground masks (synthetic)." if truth is not None else "."))
    ok = compare(BACKGROUND_SUBTRACTION, {"frames": frames}, truth=truth, defaults=["mog2", "knn", "approx_median"],
                 key=KEY, label="Background models to compare", recipe=recipe, variables={"frames": "video"},
                 cells=own_grid(png=_middle_frame_png)).ok
    if not ok:
        return
    warmup = warmup_frames(len(frames))
    if truth is not None:
        ious = {r.method.label: iou_per_frame(r.image, truth) for r in ok}
        st.plotly_chart(cached_figure(lines, ious, title="IoU with the true foreground, per frame",
                                     x_title="frame", y_title="IoU"), width="stretch", key=f"{KEY}.iou")
        columns = st.columns(len(ok))
        for column, r in zip(columns, ok):
            column.metric(r.method.label, f"{r.metrics['iou']:.3f}",
                          help=f"Mean IoU after a {warmup}-frame warm-up, while the model learns the background "
                               f"(Dice {r.metrics['dice']:.3f}).")
            column.caption(f"{r.seconds:.2f} s for {len(frames)} frames")
    t = st.slider("Frame", 1, len(frames), min(len(frames), max(warmup + 1, len(frames) // 2)), key=f"{KEY}.t") - 1
    columns = st.columns(len(ok) + 1)
    columns[0].image(frames[t], caption=f"Frame {t + 1}", width="stretch")
    if truth is not None:
        columns[0].image(truth[t].astype(np.float32), caption="True foreground", width="stretch")
    for column, r in zip(columns[1:], ok):
        column.image(r.image[t].astype(np.float32), caption=f"{r.method.label}: foreground", width="stretch", clamp=True)
        column.image(r.output.extras["background"], caption="Background model (end)", width="stretch", clamp=True)
    st.subheader("Playback")
    chosen = st.selectbox("Method to play", [r.method.label for r in ok], key=f"{KEY}.play")
    result = next(r for r in ok if r.method.label == chosen)
    try:
        video = _playback(digest(result.image, truth) + chosen, fps, frames, result.image, truth)
    except (ValueError, RuntimeError, OSError) as exc:
        st.error(f"The playback video could not be encoded: {exc}")
        return
    shown = int(min(960, max(480, 2.5 * (2 * frames.shape[2] + 4))))
    st.video(video, format="video/mp4", loop=True, autoplay=True, muted=True, width=shown)
    st.download_button("Download this video (H.264 MP4)", video, "foreground.mp4", "video/mp4", key=f"{KEY}.download",
                       icon=":material/download:")
    st.caption("Left: the input with the detected foreground tinted magenta. Right: the foreground mask"
               + (" (true foreground that was missed in red)." if truth is not None else "."))
