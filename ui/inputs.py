"""Image input for every page: the sample gallery, an upload, or the camera, at a working size."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st

from core.gallery import SAMPLES, load_sample
from core.image import decode_image, digest, fit_size, to_gray, to_rgb
from core.caching import bounded

UPLOAD_TYPES = ["png", "jpg", "jpeg", "tif", "tiff", "bmp", "webp"]


@dataclass
class ImageChoice:
    image: np.ndarray  # float32 working copy, gray or RGB
    name: str
    code: str  # Python that rebuilds `image` with core, imports included (for the export snippet)
    notices: tuple[str, ...] = ()


@bounded(max_mb=32)
def _decoded(data_digest: str, max_side: int, _data: bytes) -> tuple[np.ndarray | None, dict, str | None]:
    try:
        image, info = decode_image(_data, max_side=max_side)
    except ValueError as exc:
        return None, {}, str(exc)
    return image, info, None


@bounded(max_mb=48)
def _sample(name: str) -> np.ndarray:
    return load_sample(name)


def _working(image: np.ndarray, *, gray: bool, max_side: int) -> tuple[np.ndarray, float]:
    image = to_gray(image) if gray else to_rgb(image)
    return fit_size(image, max_side)


def pick_image(*, key: str = "img", default: str = "camera", gray_default: bool = True,
               allow_color: bool = True) -> ImageChoice:
    """Sidebar controls for the input image. Bad uploads show a clear error and fall back to a sample."""
    sidebar = st.sidebar
    sidebar.header("Input image")
    sources = ["Sample gallery", "Upload", "Camera"]
    source = sidebar.radio("Source", sources, horizontal=True, key=f"{key}.source", bind="query-params")
    names = list(SAMPLES)
    sample = sidebar.selectbox("Sample", names, index=names.index(default), key=f"{key}.sample",
                               help="Bundled images: no network needed.", bind="query-params",
                               format_func=lambda n: f"{n} — {SAMPLES[n][1]}",
                               disabled=source != "Sample gallery")
    gray = sidebar.toggle("Grayscale", value=gray_default, key=f"{key}.gray", bind="query-params",
                          disabled=not allow_color, help="Work on luminance only (faster, as in most of the book).")
    gray = gray or not allow_color
    max_side = sidebar.select_slider("Working size (max side, px)", [128, 192, 256, 384, 512, 768, 1024],
                                     value=512, key=f"{key}.max_side", bind="query-params",
                                     help="Larger images are downscaled to this size before processing.")
    notices: list[str] = []
    raw, label = None, None
    if source == "Upload":
        upload = sidebar.file_uploader("Image file", type=UPLOAD_TYPES, key=f"{key}.upload",
                                       help="PNG, JPEG, TIFF, BMP or WebP; 8 or 16 bit; gray, RGB, RGBA or palette.")
        if upload is not None:
            raw, label = upload.getvalue(), upload.name
        else:
            notices.append("No file uploaded yet: showing the sample image.")
    elif source == "Camera":
        shot = sidebar.camera_input("Take a picture", key=f"{key}.camera")
        if shot is not None:
            raw, label = shot.getvalue(), "camera.jpg"
        else:
            notices.append("No picture taken yet: showing the sample image.")

    if raw is not None:
        image, info, error = _decoded(digest(np.frombuffer(raw, np.uint8)), max_side, raw)
        if error:
            st.error(f"Could not use “{label}”: {error} Showing the sample image instead.")
        else:
            working, _ = _working(image, gray=gray, max_side=max_side)
            width, height = info.get("original_size", working.shape[1::-1])
            if max(width, height) > max_side:
                notices.append(f"“{label}” was downscaled from {width}×{height} to "
                               f"{working.shape[1]}×{working.shape[0]} (working size {max_side}).")
            if info.get("bit_depth") == 16:
                notices.append("16-bit image: scaled to [0, 1] with full precision.")
            if info.get("note"):
                notices.append(f"Note: {info['note']}.")
            code = ("from core.image import decode_image, prepare\n"
                    f"image, _ = decode_image(open({label!r}, 'rb').read(), max_side={max_side})\n"
                    f"image = prepare(image, gray={gray}, max_side={max_side})")
            return _show_notices(ImageChoice(working, label, code, tuple(notices)))

    working, scale = _working(_sample(sample), gray=gray, max_side=max_side)
    if scale < 1:
        notices.append(f"Sample downscaled to {working.shape[1]}×{working.shape[0]} (working size {max_side}).")
    code = ("from core.gallery import load_sample\nfrom core.image import prepare\n"
            f"image = prepare(load_sample({sample!r}), gray={gray}, max_side={max_side})")
    return _show_notices(ImageChoice(working, sample, code, tuple(notices)))


def _show_notices(choice: ImageChoice) -> ImageChoice:
    for notice in choice.notices:
        st.sidebar.info(notice)
    st.sidebar.image(np.clip(choice.image, 0, 1), caption=f"{choice.name}: {choice.image.shape[1]}×"
                     f"{choice.image.shape[0]}", width="stretch")
    return choice
