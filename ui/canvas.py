"""The drawable-canvas wrapper: canvas output to numpy, in source-image pixel coordinates.

The canvas is shown smaller than the image, so every output is scaled back to the source size.
The conversion functions are pure (testable without a browser); only `*_canvas` functions
touch the component, which imports lazily because it only works inside a running app.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from core.image import digest, to_uint8
from core.caching import bounded

DEFAULT_LABEL_COLORS = ("#ff3b30", "#34c759", "#007aff", "#ffcc00", "#af52de", "#ff9500")


@dataclass(frozen=True)
class CanvasGeometry:
    source_height: int
    source_width: int
    display_height: int
    display_width: int

    @classmethod
    def fit(cls, shape: tuple[int, ...], max_width: int = 512, min_width: int = 0) -> "CanvasGeometry":
        """Shown at most `max_width` wide; a narrower image is enlarged to `min_width` (if given)."""
        height, width = shape[:2]
        scale = min(1.0, max_width / width)
        if min_width and width * scale < min_width:
            scale = min(min_width, max_width) / width
        return cls(height, width, max(1, round(height * scale)), max(1, round(width * scale)))

    @property
    def scale_x(self) -> float:
        return self.source_width / self.display_width

    @property
    def scale_y(self) -> float:
        return self.source_height / self.display_height


def _resize_nearest(array: np.ndarray, geometry: CanvasGeometry) -> np.ndarray:
    import cv2

    return cv2.resize(array, (geometry.source_width, geometry.source_height), interpolation=cv2.INTER_NEAREST)


def mask_from_rgba(rgba: np.ndarray | None, geometry: CanvasGeometry, *, alpha_threshold: int = 32) -> np.ndarray:
    """Painted pixels (alpha above a threshold) as a bool mask of the source size."""
    if rgba is None:
        return np.zeros((geometry.source_height, geometry.source_width), bool)
    painted = (np.asarray(rgba)[..., 3] > alpha_threshold).astype(np.uint8)
    return _resize_nearest(painted, geometry).astype(bool)


def _hex_to_rgb(color: str) -> np.ndarray:
    color = color.lstrip("#")
    return np.array([int(color[i:i + 2], 16) for i in (0, 2, 4)], dtype=np.float32)


def labels_from_rgba(rgba: np.ndarray | None, geometry: CanvasGeometry, colors: tuple[str, ...],
                     *, alpha_threshold: int = 96) -> np.ndarray:
    """Scribbles to a label image: 0 = unlabelled, k = drawn with colors[k-1] (nearest colour wins)."""
    labels = np.zeros((geometry.display_height, geometry.display_width), np.int32)
    if rgba is not None:
        rgba = np.asarray(rgba)
        painted = rgba[..., 3] > alpha_threshold
        palette = np.stack([_hex_to_rgb(c) for c in colors])
        distances = np.linalg.norm(rgba[..., None, :3].astype(np.float32) - palette[None, None], axis=-1)
        labels[painted] = distances[painted].argmin(axis=-1) + 1
    return _resize_nearest(labels, geometry).astype(np.int32)


def _objects(json_data: dict | None, *types: str) -> list[dict]:
    wanted = {t.lower() for t in types}
    return [o for o in (json_data or {}).get("objects", []) if str(o.get("type", "")).lower() in wanted]


def points_from_json(json_data: dict | None, geometry: CanvasGeometry) -> list[tuple[float, float]]:
    """Centres of point/circle objects as (x, y) in source pixels."""
    points = []
    for obj in _objects(json_data, "circle", "point"):
        radius = float(obj.get("radius", 0)) * float(obj.get("scaleX", 1))
        left, top = float(obj.get("left", 0)), float(obj.get("top", 0))
        centre_x = left if obj.get("originX") == "center" else left + radius
        centre_y = top if obj.get("originY") == "center" else top + radius
        points.append((centre_x * geometry.scale_x, centre_y * geometry.scale_y))
    return points


def rect_from_json(json_data: dict | None, geometry: CanvasGeometry) -> tuple[int, int, int, int] | None:
    """The last rectangle drawn, as (x, y, width, height) in source pixels, clipped to the image."""
    rects = rects_from_json(json_data, geometry)
    return rects[-1] if rects else None


def rects_from_json(json_data: dict | None, geometry: CanvasGeometry) -> list[tuple[int, int, int, int]]:
    """Every rectangle drawn, in drawing order, as (x, y, width, height) in source pixels, clipped."""
    return [_rect(obj, geometry) for obj in _objects(json_data, "rect")]


def _rect(obj: dict, geometry: CanvasGeometry) -> tuple[int, int, int, int]:
    width = float(obj.get("width", 0)) * float(obj.get("scaleX", 1))
    height = float(obj.get("height", 0)) * float(obj.get("scaleY", 1))
    left, top = float(obj.get("left", 0)), float(obj.get("top", 0))
    x0 = int(np.clip(round(left * geometry.scale_x), 0, geometry.source_width))
    y0 = int(np.clip(round(top * geometry.scale_y), 0, geometry.source_height))
    x1 = int(np.clip(round((left + width) * geometry.scale_x), 0, geometry.source_width))
    y1 = int(np.clip(round((top + height) * geometry.scale_y), 0, geometry.source_height))
    return x0, y0, x1 - x0, y1 - y0


def _background(image: np.ndarray, geometry: CanvasGeometry) -> bytes:
    """The canvas background as PNG bytes, cached: the component would re-encode a PIL image on every
    rerun (about 0.1-0.5 s per canvas), while bytes are keyed by their digest on its side too."""
    return _background_png(digest(image), geometry, image)


@bounded(max_mb=16)
def _background_png(image_digest: str, geometry: CanvasGeometry, _image: np.ndarray) -> bytes:
    import io

    import cv2
    from PIL import Image

    small = cv2.resize(np.ascontiguousarray(_image), (geometry.display_width, geometry.display_height),
                       interpolation=cv2.INTER_AREA)
    buffer = io.BytesIO()
    Image.fromarray(to_uint8(small)).save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


_UNSET = object()


def _same(a, b) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.shape == b.shape and np.array_equal(a, b)
    return a == b


class _BlankCanvas:
    json_data = None
    image_data = None


_BLANK_CANVAS = _BlankCanvas()


def _component(key: str, convert, *, own_fragment: bool = True, **kwargs):
    """The canvas component inside a fragment, returning `convert(result)`.

    A canvas reports its (empty) value once it has mounted in the browser, which used to rerun the whole page
    about two seconds after it opened. In a fragment only the fragment reruns; the page reruns when what the canvas
    gives (a mask, points, rectangles) has really changed. A caller that draws the canvas in a fragment of its own
    (and decides itself when the page reruns) passes `own_fragment=False`."""
    if get_script_run_ctx() is None:  # a bare run (ui.warmup): what a canvas nobody has drawn on gives
        return convert(_BLANK_CANVAS)
    from streamlit_drawable_canvas import st_canvas

    if not own_fragment:
        return convert(st_canvas(key=key, **kwargs))
    store, in_page_run = f"_canvas.{key}.value", f"_canvas.{key}.page_run"

    def draw() -> None:
        value = convert(st_canvas(key=key, **kwargs))
        previous = st.session_state.get(store, _UNSET)
        st.session_state[store] = value
        if not st.session_state.get(in_page_run) and previous is not _UNSET and not _same(previous, value):
            st.rerun()  # the whole page: its inputs changed

    st.session_state[in_page_run] = True
    try:
        st.fragment(draw)()
    finally:
        st.session_state[in_page_run] = False
    return st.session_state[store]


def _canvas(image: np.ndarray | None, geometry: CanvasGeometry, *, key: str, mode: str, convert,
            own_fragment: bool = True, **kwargs):
    background = _background(image, geometry) if image is not None else None
    # The key carries the image digest, so strokes made on one image never land on another.
    suffix = digest(image)[:10] if image is not None else "blank"
    return _component(f"{key}.{suffix}", convert, own_fragment=own_fragment, background_image=background,
                      height=geometry.display_height, width=geometry.display_width, drawing_mode=mode, **kwargs)


def mask_canvas(image: np.ndarray, *, key: str, brush: int = 15, color: str = "#ff2d55",
                max_width: int = 512, min_width: int = 0, own_fragment: bool = True) -> np.ndarray:
    """Freehand brush; returns a bool mask of the source size (small images shown at `min_width`)."""
    geometry = CanvasGeometry.fit(image.shape, max_width, min_width)
    return _canvas(image, geometry, key=key, mode="freedraw", stroke_width=brush, stroke_color=color,
                   return_image_data=True, own_fragment=own_fragment,
                   convert=lambda result: mask_from_rgba(result.image_data, geometry))


def scribble_canvas(image: np.ndarray, *, key: str, label: int, colors=DEFAULT_LABEL_COLORS,
                    brush: int = 8, max_width: int = 512) -> np.ndarray:
    """Scribbles in one colour per label; `label` (1-based) picks the current brush colour."""
    geometry = CanvasGeometry.fit(image.shape, max_width)
    return _canvas(image, geometry, key=key, mode="freedraw", stroke_width=brush, stroke_color=colors[label - 1],
                   return_image_data=True,
                   convert=lambda result: labels_from_rgba(result.image_data, geometry, tuple(colors)))


def point_canvas(image: np.ndarray, *, key: str, max_width: int = 512) -> list[tuple[float, float]]:
    geometry = CanvasGeometry.fit(image.shape, max_width)
    return _canvas(image, geometry, key=key, mode="point", stroke_color="#ff2d55", point_display_radius=4,
                   convert=lambda result: points_from_json(result.json_data, geometry))


def rect_canvas(image: np.ndarray, *, key: str, max_width: int = 512) -> tuple[int, int, int, int] | None:
    geometry = CanvasGeometry.fit(image.shape, max_width)
    return _canvas(image, geometry, key=key, mode="rect", stroke_color="#ff2d55", stroke_width=2,
                   fill_color="rgba(255, 45, 85, 0.15)",
                   convert=lambda result: rect_from_json(result.json_data, geometry))


def rects_canvas(image: np.ndarray, *, key: str, color: str = "#ff2d55",
                 max_width: int = 512) -> list[tuple[int, int, int, int]]:
    """Several rectangles (e.g. one reference patch per class); returns them all, in drawing order."""
    geometry = CanvasGeometry.fit(image.shape, max_width)
    return _canvas(image, geometry, key=key, mode="rect", stroke_color=color, stroke_width=2,
                   fill_color="rgba(255, 255, 255, 0.15)",
                   convert=lambda result: rects_from_json(result.json_data, geometry))


def draw_kernel(*, key: str, size: int = 160) -> np.ndarray | None:
    """A small black pad on which the user draws a blur kernel in white; None until something is drawn."""
    st.sidebar.caption("Draw the kernel (white on black). It is cropped to the stroke and normalised.")
    with st.sidebar:
        return _component(key, _kernel_drawing, background_color="#000000", stroke_color="#ffffff", stroke_width=6,
                          height=size, width=size, drawing_mode="freedraw", return_image_data=True)


def _kernel_drawing(result) -> np.ndarray | None:
    rgba = result.image_data
    if rgba is None:
        return None
    drawing = np.asarray(rgba)[..., :3].max(axis=2).astype(np.float32) / 255.0
    return drawing if drawing.max() > 0.2 else None
