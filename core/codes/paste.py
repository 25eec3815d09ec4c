"""Pasting codes into a photo with a perspective warp (the book pastes with PIL's `rotate()` without `expand`,
which crops the corners and fills them black, eating the quiet zone; here the whole code, quiet zone included,
is warped onto four corners with a homography, and only the pixels inside it are replaced)."""
from __future__ import annotations

import math

import numpy as np

from core.codes.generate import Code
from core.image import to_float, to_rgb


def corners(shape: tuple[int, ...], code_shape: tuple[int, ...], *, center: tuple[float, float] = (0.5, 0.5),
            size: float = 0.4, rotation: float = 0.0, tilt_x: float = 0.0, tilt_y: float = 0.0) -> np.ndarray:
    """Four corners (top-left, top-right, bottom-right, bottom-left; x, y in pixels) for a code in an image of
    `shape`: centred at `center` (fractions of width and height), its longer side `size` × the image's shorter
    side, turned by `rotation` degrees (counter-clockwise), and foreshortened: `tilt_x` in (-1, 1) makes the
    right edge taller than the left one (a turn about the vertical axis), `tilt_y` the bottom wider than the top."""
    height, width = shape[:2]
    ch, cw = code_shape[:2]
    longest = size * min(height, width)
    a, b = longest * cw / max(ch, cw) / 2, longest * ch / max(ch, cw) / 2
    tx, ty = float(np.clip(tilt_x, -0.9, 0.9)), float(np.clip(tilt_y, -0.9, 0.9))
    points = np.array([[-a * (1 - ty / 2), -b * (1 - tx / 2)], [a * (1 - ty / 2), -b * (1 + tx / 2)],
                       [a * (1 + ty / 2), b * (1 + tx / 2)], [-a * (1 + ty / 2), b * (1 - tx / 2)]])
    angle = math.radians(rotation)
    turn = np.array([[math.cos(angle), math.sin(angle)], [-math.sin(angle), math.cos(angle)]])  # y points down
    return (points @ turn.T + [center[0] * width, center[1] * height]).astype(np.float32)


def warp_code(code_image: np.ndarray, target: np.ndarray, shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """The code warped onto the corners `target` (4, 2) in an image of `shape` (H, W), and its coverage in [0, 1]
    (fractional at the edges, so the paste is anti-aliased)."""
    import cv2

    code = np.ascontiguousarray(np.asarray(code_image, np.float32))
    ch, cw = code.shape[:2]
    source = np.array([[0, 0], [cw, 0], [cw, ch], [0, ch]], np.float32)
    target = np.asarray(target, np.float32).reshape(4, 2)
    if abs(cv2.contourArea(target)) < 4:
        raise ValueError("The four corners enclose no area: move them apart.")
    homography = cv2.getPerspectiveTransform(source, target)
    height, width = int(shape[0]), int(shape[1])
    # area-averaged when the code shrinks a lot (linear interpolation alone would alias its modules)
    scale = math.sqrt(abs(cv2.contourArea(target)) / (cw * ch))
    if scale < 0.5:
        factor = max(1, int(1 / scale) // 2 * 2)
        small = cv2.resize(code, (max(1, cw // factor), max(1, ch // factor)), interpolation=cv2.INTER_AREA)
        homography = cv2.getPerspectiveTransform(
            np.array([[0, 0], [small.shape[1], 0], [small.shape[1], small.shape[0]], [0, small.shape[0]]], np.float32),
            target)
        code = small
    warped = cv2.warpPerspective(code, homography, (width, height), flags=cv2.INTER_LINEAR,
                                 borderMode=cv2.BORDER_CONSTANT, borderValue=1.0)
    coverage = cv2.warpPerspective(np.ones(code.shape[:2], np.float32), homography, (width, height),
                                   flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0.0)
    return warped, np.clip(coverage, 0, 1)


def paste(photo: np.ndarray, code: Code | np.ndarray, target: np.ndarray) -> np.ndarray:
    """`photo` (gray or RGB, any dtype) with the code (its quiet zone white) warped onto the corners `target`;
    the result is float32, RGB when the photo is."""
    image = to_float(np.asarray(photo)).copy()
    if image.ndim == 3 and image.shape[2] == 4:
        image = to_rgb(image)
    code_image = code.image if isinstance(code, Code) else np.asarray(code, np.float32)
    warped, coverage = warp_code(code_image, target, image.shape[:2])
    if image.ndim == 3:
        warped, coverage = warped[..., None], coverage[..., None]
    return (image * (1 - coverage) + warped * coverage).astype(np.float32)


def inside(target: np.ndarray, shape: tuple[int, ...]) -> bool:
    """Whether all four corners lie in an image of `shape`."""
    points = np.asarray(target, np.float32).reshape(4, 2)
    return bool(np.all(points >= 0) and np.all(points[:, 0] <= shape[1]) and np.all(points[:, 1] <= shape[0]))
