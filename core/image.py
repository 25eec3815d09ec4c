"""Image conventions: float32 in [0, 1], gray (H, W) or RGB (H, W, 3).

Everything that enters `core/` passes through here once, so the rest of the code
can rely on one dtype, one range and one channel order.
"""
from __future__ import annotations

import io
import warnings

import numpy as np
import xxhash
from PIL import Image, ImageOps

MIN_SIDE = 8
# Refuse to decode more pixels than this (a decompression-bomb guard). 10000 x 10000 passes
# and is then downscaled; anything far bigger is refused before decoding.
MAX_DECODE_PIXELS = 120_000_000


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


def decode_image(data: bytes, *, max_side: int | None = None) -> tuple[np.ndarray, dict]:
    """Decode uploaded bytes to a float gray/RGB image, with checks a user can understand.

    Handles 8/16-bit, gray/RGB/RGBA/palette, EXIF orientation and very large files.
    Returns (image, info) where info says what was done (downscaled, alpha dropped, bit depth).
    """
    if not data:
        raise ValueError("The file is empty.")
    info: dict = {}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            Image.MAX_IMAGE_PIXELS = None  # our own guard below replaces Pillow's
            pil = Image.open(io.BytesIO(data))
            width, height = pil.size
            if width * height > MAX_DECODE_PIXELS:
                raise ValueError(
                    f"The image is {width}×{height} pixels ({width * height / 1e6:.0f} megapixels); "
                    f"the limit is {MAX_DECODE_PIXELS / 1e6:.0f} megapixels."
                )
            if min(width, height) < MIN_SIDE:
                raise ValueError(
                    f"The image is {width}×{height} pixels; it needs at least {MIN_SIDE} pixels on each side."
                )
            if max_side and pil.format == "JPEG" and max(width, height) > 2 * max_side:
                pil.draft(pil.mode, (max_side, max_side))  # decode JPEG at a reduced scale
            pil = ImageOps.exif_transpose(pil)
            if max_side and max(pil.size) > 2 * max_side:
                factor = max(pil.size) // max_side
                if factor >= 2:
                    pil = pil.reduce(factor)
            array = _pil_to_array(pil, info)
    except ValueError:
        raise
    except Exception as exc:  # Pillow raises many types for corrupt files
        raise ValueError(f"This file could not be read as an image ({type(exc).__name__}).") from exc
    info["original_size"] = (width, height)
    if max_side:
        array, scale = fit_size(array, max_side)
        info["scale"] = float(np.prod(array.shape[:2]) / (width * height)) ** 0.5
    return array, info


def _pil_to_array(pil: Image.Image, info: dict) -> np.ndarray:
    mode = pil.mode
    info["mode"] = mode
    if mode == "P":
        pil = pil.convert("RGBA" if "transparency" in pil.info else "RGB")
        mode = pil.mode
        info["note"] = "palette image converted to RGB"
    if mode in ("I;16", "I;16B", "I;16L", "I;16N"):
        array = np.asarray(pil, dtype=np.uint16)
        info["bit_depth"] = 16
        return to_float(array)
    if mode == "I":
        array = np.asarray(pil).astype(np.int64)
        peak = 65535 if array.max() > 255 else 255
        info["bit_depth"] = 16 if peak > 255 else 8
        return np.clip(array / peak, 0, 1).astype(np.float32)
    if mode == "F":
        array = np.asarray(pil, dtype=np.float32)
        low, high = float(np.nanmin(array)), float(np.nanmax(array))
        return ((array - low) / (high - low) if high > low else np.zeros_like(array)).astype(np.float32)
    if mode in ("1", "L"):
        return to_float(np.asarray(pil.convert("L")))
    if mode == "LA":
        pil = pil.convert("RGBA")
        mode = "RGBA"
    if mode in ("RGBA", "PA"):
        info["note"] = "transparency flattened onto white"
        return _drop_alpha(to_float(np.asarray(pil.convert("RGBA"))))
    return to_float(np.asarray(pil.convert("RGB")))


def encode_png(image: np.ndarray) -> bytes:
    """Float or uint8 image to PNG bytes."""
    buffer = io.BytesIO()
    Image.fromarray(to_uint8(image)).save(buffer, format="PNG")
    return buffer.getvalue()


def prepare(image: np.ndarray, *, gray: bool, max_side: int) -> np.ndarray:
    """The working copy every page and the benchmark use: float, gray or RGB, fitted."""
    image = to_gray(image) if gray else to_rgb(image)
    return fit_size(image, max_side)[0]
