"""Sidebar mask controls for inpainting: generate, draw (in a fragment) or upload a mask.

Drawing happens inside `st.fragment`, so a stroke reruns only the canvas, not the methods; the
"Inpaint" button applies the strokes with one full rerun. The mask is in source-image pixels.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st

from core.image import digest, encode_png
from core.masks import MASK_KINDS, MASK_LABELS, fit_mask, generate_mask, read_mask
from core.caching import bounded
from ui.canvas import mask_canvas

SOURCES = ("Generate", "Draw", "Upload")
UPLOAD_TYPES = ["png", "bmp", "tif", "tiff", "webp", "jpg", "jpeg"]
STROKE = "rgba(255, 45, 85, 0.75)"


@dataclass
class MaskChoice:
    mask: np.ndarray | None  # bool, True = missing; None when there is no usable mask yet
    source: str
    description: str
    code: str  # Python lines that rebuild `mask` from `image`
    error: str | None = None  # why the mask can't be used (a message for the user)
    notice: str | None = None


@bounded(max_mb=16)
def _generated(kind: str, shape: tuple, ratio: float, seed: int) -> np.ndarray:
    return generate_mask(kind, shape, ratio=ratio, seed=seed)


@bounded(max_mb=16)
def uploaded_mask(data_digest: str, shape: tuple, _data: bytes) -> tuple[np.ndarray | None, str | None, str | None]:
    """(mask, error, notice) for uploaded mask bytes and an image of `shape`."""
    try:
        raw, info = read_mask(_data)
        mask = fit_mask(raw, shape)
    except ValueError as exc:
        return None, str(exc), None
    notices = [info["notice"]] if info.get("notice") else []
    if raw.shape != mask.shape:
        notices.append(f"The mask was resized from {raw.shape[1]}×{raw.shape[0]} to {mask.shape[1]}×{mask.shape[0]} "
                       "to match the working image.")
    return mask, None, " ".join(notices) or None


def _editor_state(key: str) -> dict:
    return st.session_state.setdefault(f"{key}.editor", {"version": 0, "run": 0, "seen": -1, "applied": None,
                                                           "drawn": None})


def _clear(key: str) -> None:
    state = _editor_state(key)
    state["version"] += 1
    state["drawn"] = None


@st.fragment
def _mask_editor(image: np.ndarray, key: str, brush: int) -> None:
    """The canvas. A stroke reruns only this fragment; the button reruns the app with the new mask."""
    state = _editor_state(key)
    st.markdown("**Paint the missing region** (your strokes are the mask; the canvas toolbar can undo them).")
    drawn = mask_canvas(image, key=f"{key}.canvas{state['version']}", brush=brush, color=STROKE, min_width=448,
                        own_fragment=False)  # this fragment decides when the page reruns (the button)
    state["drawn"] = drawn
    if state["seen"] != state["run"]:  # first pass of a full run: the page uses exactly these strokes
        state["seen"], state["applied"] = state["run"], digest(drawn)
    pending = digest(drawn) != state["applied"]
    left, right = st.columns([1, 2])
    if left.button("Inpaint with these strokes", type="primary", key=f"{key}.apply", icon=":material/brush:",
                   disabled=not pending):
        st.rerun()
    right.caption(f"{drawn.mean():.1%} of the image painted. "
                  + ("New strokes: press the button to inpaint them." if pending else "Results are up to date."))


def mask_controls(image: np.ndarray, *, key: str = "mask") -> MaskChoice:
    """Sidebar controls (and, when drawing, the canvas in the main area) for the inpainting mask."""
    sb = st.sidebar
    sb.header("Mask (white = missing)")
    source = sb.radio("Mask source", SOURCES, horizontal=True, key=f"{key}.source", bind="query-params")
    shape = tuple(image.shape[:2])
    if source == "Generate":
        kind = sb.selectbox("Pattern", MASK_KINDS, format_func=MASK_LABELS.get, key=f"{key}.kind",
                            bind="query-params")
        ratio = sb.slider("Share of missing pixels", 0.0, 1.0, 0.1, 0.01, key=f"{key}.ratio", bind="query-params",
                          help="Strokes and text stop near this share; random pixels hit it on average.")
        seed = int(sb.number_input("Seed", 0, 10_000, 0, key=f"{key}.seed", bind="query-params"))
        mask = _generated(kind, shape, ratio, seed)
        choice = MaskChoice(mask, source, f"{MASK_LABELS[kind].lower()} ({mask.mean():.1%} missing, seed {seed})",
                            f"mask = generate_mask({kind!r}, image.shape, ratio={ratio:g}, seed={seed})")
    elif source == "Draw":
        brush = sb.slider("Brush size (screen px)", 3, 60, 18, key=f"{key}.brush", bind="query-params")
        sb.button("Clear strokes", key=f"{key}.clear", on_click=_clear, args=(key,), icon=":material/ink_eraser:")
        state = _editor_state(key)
        state["run"] += 1
        _mask_editor(image, key, brush)
        mask = state["drawn"] if state["drawn"] is not None and state["drawn"].shape == shape else None
        mask = np.zeros(shape, bool) if mask is None else mask
        choice = MaskChoice(mask, source, f"a drawn mask ({mask.mean():.1%} missing)",
                            "mask = load_mask(open('mask.png', 'rb').read())  # the drawn mask, downloaded as PNG")
    else:
        upload = sb.file_uploader("Mask image (white = missing, black = known)", type=UPLOAD_TYPES,
                                  key=f"{key}.upload")
        if upload is None:  # not an error yet: the page asks for a file
            return MaskChoice(None, source, "", "")
        data = upload.getvalue()
        mask, error, notice = uploaded_mask(digest(np.frombuffer(data, np.uint8)), shape, data)
        if error:
            return MaskChoice(None, source, "", "", error=f"Could not use “{upload.name}”: {error}")
        choice = MaskChoice(mask, source, f"the uploaded mask “{upload.name}” ({mask.mean():.1%} missing)",
                            f"mask = fit_mask(load_mask(open({upload.name!r}, 'rb').read()), image.shape)",
                            notice=notice)
    if choice.notice:
        sb.info(choice.notice)
    if choice.mask is not None and choice.mask.any():
        sb.image(choice.mask.astype(np.float32), caption="Mask (white = missing)", width="stretch")
        sb.download_button("Download the mask (PNG)", data=lambda m=choice.mask: encode_png(m.astype(np.float32)),
                           file_name="mask.png", mime="image/png", key=f"{key}.download", icon=":material/download:")
    return choice
