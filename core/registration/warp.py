"""Warping with a 3×3 matrix or a dense displacement field, and conversions between the two.

Conventions used by the whole registration package:
- a matrix maps moving-image coordinates to fixed-image coordinates (x, y, 1);
- a field is (H, W, 2) float32 (dx, dy) on the fixed grid, and aligned(x) = moving(x + field(x)).
"""
from __future__ import annotations

import numpy as np


def grid(shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    height, width = shape[:2]
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    return xs, ys


def apply_matrix(matrix: np.ndarray, points: np.ndarray) -> np.ndarray:
    points = np.asarray(points, np.float64).reshape(-1, 2)
    homogeneous = np.c_[points, np.ones(len(points))] @ np.asarray(matrix, np.float64).T
    return homogeneous[:, :2] / homogeneous[:, 2:3]


def warp_matrix(moving: np.ndarray, matrix: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """The moving image resampled on the fixed grid through the moving → fixed matrix (outside: 0)."""
    import cv2

    height, width = shape[:2]
    out = cv2.warpPerspective(np.ascontiguousarray(moving, np.float32), np.asarray(matrix, np.float64),
                              (width, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
    return np.clip(out, 0, 1).astype(np.float32)


def warp_field(moving: np.ndarray, field: np.ndarray, *, border: str = "constant") -> np.ndarray:
    """aligned(x) = moving(x + field(x)), bilinear; `border` 'constant' (0), 'reflect' or 'replicate'."""
    import cv2

    xs, ys = grid(field.shape)
    modes = {"constant": cv2.BORDER_CONSTANT, "reflect": cv2.BORDER_REFLECT101, "replicate": cv2.BORDER_REPLICATE}
    mode = modes[border]
    out = cv2.remap(np.ascontiguousarray(moving, np.float32), xs + field[..., 0], ys + field[..., 1],
                    cv2.INTER_LINEAR, borderMode=mode)
    return np.clip(out, 0, 1).astype(np.float32)


def field_from_matrix(matrix: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """The dense field of a moving → fixed matrix on a fixed grid of `shape`."""
    xs, ys = grid(shape)
    points = np.stack([xs.ravel(), ys.ravel()], axis=1)
    moved = apply_matrix(np.linalg.inv(matrix), points).reshape(xs.shape + (2,))
    return (moved - np.stack([xs, ys], axis=-1)).astype(np.float32)


def invert_field(field: np.ndarray, *, iterations: int = 20) -> np.ndarray:
    """u with u(x) = −v(x + u(x)), by fixed-point iteration (v smooth and small enough to be invertible)."""
    import cv2

    xs, ys = grid(field.shape)
    inverse = -field.copy()
    for _ in range(iterations):
        sampled = cv2.remap(field, xs + inverse[..., 0], ys + inverse[..., 1], cv2.INTER_LINEAR,
                            borderMode=cv2.BORDER_REPLICATE)
        inverse = -sampled
    return inverse.astype(np.float32)


def resize_field(field: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """A field computed at a working size, resampled (and its vectors rescaled) to `shape`."""
    import cv2

    height, width = shape[:2]
    if field.shape[:2] == (height, width):
        return field.astype(np.float32)
    sy, sx = height / field.shape[0], width / field.shape[1]
    resized = cv2.resize(field, (width, height), interpolation=cv2.INTER_LINEAR)
    return (resized * np.array([sx, sy], np.float32)).astype(np.float32)


def working_copy(image: np.ndarray, side: int) -> np.ndarray:
    """Downscale (area averaging) so the longer side is at most `side`."""
    from core.image import fit_size

    return fit_size(np.ascontiguousarray(image, np.float32), int(side))[0]
