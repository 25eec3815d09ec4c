"""Inpainting masks: generated (random strokes, a text overlay, random pixels), uploaded, checked.

A mask is a bool array of the image's height and width, True where a pixel is missing. Generators
are seeded: the same shape, ratio and seed give the same mask.
"""
from __future__ import annotations

import numpy as np

from core.image import UnreadableImage, decode_image

MASK_KINDS = ("strokes", "text", "pixels")
MASK_LABELS = {"strokes": "Random strokes", "text": "Text overlay", "pixels": "Random pixels"}
WORDS = ("inpainting", "restore", "missing", "pixels", "masterclass", "vision", "python", "image", "fill",
         "the", "gap", "scratch", "old", "photo", "2026", "opencv")
MAX_STROKES = 5000
GRAY_TOLERANCE = 0.01  # above this share of gray pixels, an upload's thresholding is reported
MAX_GRAY_SHARE = 0.5  # above this, an upload is mostly gray: a photo or a gradient, not a mask
MASK_MAX_SIDE = 4096  # uploaded masks are decoded at most this large (then fitted to the image)


def _shape2(shape: tuple[int, ...]) -> tuple[int, int]:
    height, width = int(shape[0]), int(shape[1])
    if height < 1 or width < 1:
        raise ValueError("A mask needs at least one row and one column.")
    return height, width


def _check_ratio(ratio: float) -> float:
    ratio = float(ratio)
    if not np.isfinite(ratio) or not 0.0 <= ratio <= 1.0:
        raise ValueError(f"The share of missing pixels must be between 0 and 1, not {ratio}.")
    return ratio


def random_strokes(shape: tuple[int, ...], *, ratio: float = 0.1, seed: int = 0, width: int | None = None
                   ) -> np.ndarray:
    """Random brush strokes (short random-walk polylines) until about `ratio` of the pixels are covered.

    `width` is the stroke thickness in pixels; by default it scales with the image (min side / 40).
    """
    import cv2

    height, width_px = _shape2(shape)
    ratio = _check_ratio(ratio)
    if ratio >= 1.0:
        return np.ones((height, width_px), bool)
    side = min(height, width_px)
    thickness = int(width) if width else max(2, round(side / 40))
    rng = np.random.default_rng(seed)
    canvas = np.zeros((height, width_px), np.uint8)
    target = ratio * height * width_px
    for _ in range(MAX_STROKES):
        if np.count_nonzero(canvas) >= target:
            break
        start = rng.uniform((0, 0), (width_px, height))
        angle = rng.uniform(0, 2 * np.pi)
        points = [start]
        for _ in range(int(rng.integers(3, 7))):
            angle += rng.normal(0, 0.8)
            step = rng.uniform(0.04, 0.1) * side
            points.append(points[-1] + step * np.array([np.cos(angle), np.sin(angle)]))
        polyline = np.round(np.array(points)).astype(np.int32).reshape(-1, 1, 2)
        cv2.polylines(canvas, [polyline], False, 1, thickness=thickness, lineType=cv2.LINE_8)
    return canvas.astype(bool)


def _text_layer(height: int, width: int, words: list[str], scale: float, thickness: int, offset: int,
                spacing: float = 1.0) -> np.ndarray:
    import cv2

    canvas = np.zeros((height, width), np.uint8)
    font = cv2.FONT_HERSHEY_SIMPLEX
    (_, text_height), _ = cv2.getTextSize("Ag", font, scale, thickness)
    line_step = max(4, int(round(text_height * 2.2 * spacing)))
    word_index = 0
    for row, y in enumerate(range(line_step, height + line_step // 2, line_step)):
        x = -offset if row % 2 else offset // 2 - offset
        while x < width:
            word = words[word_index % len(words)]
            word_index += 1
            cv2.putText(canvas, word, (x, y), font, scale, 1, thickness, cv2.LINE_8)
            x += cv2.getTextSize(word + " ", font, scale, thickness)[0][0]
    return canvas.astype(bool)


def text_mask(shape: tuple[int, ...], *, ratio: float = 0.1, seed: int = 0) -> np.ndarray:
    """Rows of printed words over the whole image (like a caption burnt into a photo).

    The letter size follows the image; the stroke thickness and the line spacing are chosen so the
    covered share comes close to `ratio`. The seed picks the words and their horizontal offset.
    """
    height, width = _shape2(shape)
    ratio = _check_ratio(ratio)
    if ratio == 0.0:
        return np.zeros((height, width), bool)
    if ratio >= 1.0:
        return np.ones((height, width), bool)
    rng = np.random.default_rng(seed)
    words = list(rng.permutation(WORDS))
    scale = max(0.3, min(height, width) / 320)
    offset = int(rng.integers(0, max(2, width // 4)))
    # the thinnest stroke that reaches the share at normal line spacing, then the spacing fine-tunes it
    for thickness in range(1, max(2, int(6 * scale)) + 1):
        coverage = _text_layer(height, width, words, scale, thickness, offset).mean()
        if coverage >= ratio:
            break
    spacing = float(np.clip(coverage / ratio, 0.7, 20.0)) if coverage > 0 else 1.0
    return _text_layer(height, width, words, scale, thickness, offset, spacing)


def random_pixels(shape: tuple[int, ...], *, ratio: float = 0.1, seed: int = 0) -> np.ndarray:
    """Each pixel missing independently with probability `ratio` (like dead sensor pixels)."""
    height, width = _shape2(shape)
    ratio = _check_ratio(ratio)
    return np.random.default_rng(seed).random((height, width)) < ratio


def generate_mask(kind: str, shape: tuple[int, ...], *, ratio: float = 0.1, seed: int = 0) -> np.ndarray:
    if kind == "strokes":
        return random_strokes(shape, ratio=ratio, seed=seed)
    if kind == "text":
        return text_mask(shape, ratio=ratio, seed=seed)
    if kind == "pixels":
        return random_pixels(shape, ratio=ratio, seed=seed)
    raise ValueError(f"Unknown mask kind {kind!r}; choose one of {', '.join(MASK_KINDS)}.")


def read_mask(data: bytes, *, max_side: int = MASK_MAX_SIDE) -> tuple[np.ndarray, dict]:
    """An uploaded mask image (white = missing, black = known) and what was done to read it.

    The file goes through the guarded decode of every upload (`decode_image`, in gray, longer side at most
    `max_side`). Gray pixels (JPEG artefacts, soft brush edges) are thresholded at 50 %; an image that is
    mostly gray (over MAX_GRAY_SHARE of its pixels) is refused, as it is not a mask.

    Returns
    -------
    mask : ndarray
        bool (H, W), True where pixels are missing.
    info : dict
        decode_image's info, plus "gray_share" (the share of pixels between 10 % and 90 % gray) and, when the
        mask was downscaled or more than GRAY_TOLERANCE of it was gray, "notice": a sentence for the user.
    """
    try:
        gray, info = decode_image(data, max_side=max_side, gray=True)
    except ValueError as exc:
        raise UnreadableImage(f"The mask file could not be read. {exc}") from None
    info["gray_share"] = share = float(np.mean((gray > 0.1) & (gray < 0.9)))
    if share > MAX_GRAY_SHARE:
        raise ValueError(f"The mask is not black and white: {share:.0%} of its pixels are gray, so it does not "
                         "look like a mask. Upload a binary image: white where pixels are missing, black where "
                         "they are known.")
    width, height = info["original_size"]
    if gray.shape != (height, width):
        info["notice"] = (f"The mask was downscaled from {width}×{height} to {gray.shape[1]}×{gray.shape[0]} "
                          "pixels and thresholded at 50 % gray (lighter = missing).")
    elif share > GRAY_TOLERANCE:
        info["notice"] = (f"The mask is not pure black and white: {share:.0%} of its pixels are gray (JPEG "
                          "artefacts or soft edges). It was thresholded at 50 %: lighter pixels count as missing.")
    return gray >= 0.5, info


def load_mask(data: bytes, *, max_side: int = MASK_MAX_SIDE) -> np.ndarray:
    """`read_mask`'s mask alone: bool (H, W), True = missing (gray thresholded at 50 %)."""
    return read_mask(data, max_side=max_side)[0]


def fit_mask(mask: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Resize a mask to an image of `shape` when only the scale differs (the image may have been
    downscaled to the working size); a different aspect ratio is an error."""
    import cv2

    mask = np.asarray(mask, dtype=bool)
    height, width = _shape2(shape)
    if mask.shape == (height, width):
        return mask
    mask_h, mask_w = mask.shape[:2]
    if abs(mask_w / mask_h - width / height) > 0.02 * (width / height):
        raise ValueError(f"The mask is {mask_w}×{mask_h} pixels but the image is {width}×{height}: "
                         "their shapes don't match. Use a mask made for this image.")
    resized = cv2.resize(mask.astype(np.uint8), (width, height), interpolation=cv2.INTER_NEAREST)
    return resized.astype(bool)


def check_mask(image: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """The mask as bool, or a ValueError a user understands (wrong size, empty, nothing known)."""
    mask = np.asarray(mask)
    if mask.ndim == 3 and mask.shape[2] == 1:
        mask = mask[..., 0]
    if mask.ndim != 2 or mask.shape != image.shape[:2]:
        size = "×".join(map(str, mask.shape[1::-1])) if mask.ndim >= 2 else str(mask.shape)
        raise ValueError(f"The mask is {size} pixels but the image is {image.shape[1]}×{image.shape[0]}: "
                         "a mask must have the same size as its image.")
    mask = mask.astype(bool)
    if not mask.any():
        raise ValueError("The mask is empty: nothing is marked as missing. Draw over the image, generate a "
                         "mask or upload one (white = missing).")
    if mask.all():
        raise ValueError("The mask covers the whole image: no known pixel is left to fill it from. "
                         "Leave part of the image unmasked.")
    return mask


def apply_mask(image: np.ndarray, mask: np.ndarray, *, fill: float = 1.0) -> np.ndarray:
    """The damaged image a method receives: missing pixels set to `fill` (white by default)."""
    out = np.array(image, dtype=np.float32, copy=True)
    out[np.asarray(mask, dtype=bool)] = fill
    return out
