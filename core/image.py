"""Image conventions: float32 in [0, 1], gray (H, W) or RGB (H, W, 3).

Everything that enters `core/` passes through here once, so the rest of the code
can rely on one dtype, one range and one channel order. Uploaded bytes are decoded by
`decode_image` (core.decode, re-exported here).
"""
from __future__ import annotations

import numpy as np
import xxhash

# the guarded decode of uploads lives in core.decode; importing it from here keeps working
from core.decode import MAX_DECODE_BYTES, MIN_SIDE, UnreadableImage, decode_image  # noqa: F401


def to_float(image: np.ndarray) -> np.ndarray:
    """Any numeric image to float32 in [0, 1]. Integer types are scaled by their range."""
    array = np.asarray(image)
    if array.dtype == bool:
        return array.astype(np.float32)
    if np.issubdtype(array.dtype, np.integer):
        info = np.iinfo(array.dtype)
        if info.min < 0:
            array = array.astype(np.float64) - info.min
        return (array / float(info.max - info.min if info.min < 0 else info.max)).astype(np.float32)
    if not np.issubdtype(array.dtype, np.floating):
        raise ValueError(f"Unsupported image data type {array.dtype}.")
    out = array.astype(np.float32)
    if not np.all(np.isfinite(out)):
        raise ValueError("The image contains NaN or infinite values.")
    return np.clip(out, 0.0, 1.0)


def to_uint8(image: np.ndarray) -> np.ndarray:
    """Float image in [0, 1] to uint8, rounding (not truncating)."""
    array = np.asarray(image)
    if array.dtype == np.uint8:
        return array.copy()
    return np.round(np.clip(to_float(array), 0.0, 1.0) * 255.0).astype(np.uint8)


def to_gray(image: np.ndarray) -> np.ndarray:
    """RGB to luminance (ITU-R BT.709 weights, as scikit-image uses); gray passes through."""
    image = to_float(image)
    if image.ndim == 2:
        return image.copy()
    if image.ndim == 3 and image.shape[2] == 4:
        image = _drop_alpha(image)
    if image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"Expected a gray or RGB image, got shape {image.shape}.")
    weights = np.array([0.2125, 0.7154, 0.0721], dtype=np.float32)
    return np.clip(image @ weights, 0.0, 1.0).astype(np.float32)


def to_rgb(image: np.ndarray) -> np.ndarray:
    """Gray to RGB by repetition; RGBA to RGB over white; RGB passes through."""
    image = to_float(image)
    if image.ndim == 2:
        return np.repeat(image[..., None], 3, axis=2)
    if image.shape[2] == 4:
        return _drop_alpha(image)
    if image.shape[2] == 3:
        return image.copy()
    raise ValueError(f"Expected a gray or RGB image, got shape {image.shape}.")


def _drop_alpha(rgba: np.ndarray) -> np.ndarray:
    alpha = rgba[..., 3:4]
    return (rgba[..., :3] * alpha + (1.0 - alpha)).astype(np.float32)


def is_color(image: np.ndarray) -> bool:
    return image.ndim == 3 and image.shape[2] == 3


def fit_size(image: np.ndarray, max_side: int) -> tuple[np.ndarray, float]:
    """Downscale so the longer side is at most `max_side` (area averaging). Returns (image, scale)."""
    import cv2

    height, width = image.shape[:2]
    longest = max(height, width)
    if max_side <= 0 or longest <= max_side:
        return image, 1.0
    scale = max_side / longest
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    resized = cv2.resize(np.ascontiguousarray(image), size, interpolation=cv2.INTER_AREA)
    return resized.astype(image.dtype, copy=False), scale


def digest(*arrays: np.ndarray | None) -> str:
    """Content digest over bytes, shape and dtype: every pixel counts (unlike a sampled hash). XXH3-128 is
    non-cryptographic and about 50 times faster than blake2b, which matters: a rerun digests every image."""
    hasher = xxhash.xxh3_128()
    for array in arrays:
        if array is None:
            hasher.update(b"none")
            continue
        array = np.ascontiguousarray(array)
        hasher.update(f"{array.shape}|{array.dtype.str}|".encode())
        hasher.update(array.data)
    return hasher.hexdigest()


def picture(image: np.ndarray) -> np.ndarray:
    """An image ready to be shown: uint8 pixels as they are, anything else clipped to [0, 1]."""
    image = np.asarray(image)
    return image if image.dtype == np.uint8 else np.clip(image, 0, 1)


def encode_png(image: np.ndarray) -> bytes:
    """Float or uint8 image (gray, RGB or RGBA) to PNG bytes. OpenCV's encoder at zlib level 1 with run-length
    matching: lossless like any PNG, 3-5x faster than Pillow's default (a third of a page's rerun went into
    encoding its images) and no larger on photographs, results and masks."""
    import cv2

    pixels = to_uint8(image)
    if pixels.ndim == 3 and pixels.shape[2] in (3, 4):
        pixels = cv2.cvtColor(pixels, cv2.COLOR_RGB2BGR if pixels.shape[2] == 3 else cv2.COLOR_RGBA2BGRA)
    options = [cv2.IMWRITE_PNG_COMPRESSION, 1, cv2.IMWRITE_PNG_STRATEGY, cv2.IMWRITE_PNG_STRATEGY_RLE]
    ok, data = cv2.imencode(".png", np.ascontiguousarray(pixels), options)
    if not ok:
        raise ValueError(f"Could not encode an image of shape {pixels.shape} as PNG.")
    return data.tobytes()


def prepare(image: np.ndarray, *, gray: bool, max_side: int) -> np.ndarray:
    """The working copy every page and the benchmark use: float, gray or RGB, fitted."""
    image = to_gray(image) if gray else to_rgb(image)
    return fit_size(image, max_side)[0]
