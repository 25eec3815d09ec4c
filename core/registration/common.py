"""Checks and packaging shared by every registration method."""
from __future__ import annotations

import numpy as np

from core.image import to_gray
from core.registry import Output
from core.registration.warp import field_from_matrix, warp_field, warp_matrix


def _describe(image: np.ndarray) -> str:
    kind = "colour" if image.ndim == 3 else "gray"
    return f"{image.shape[1]}×{image.shape[0]} {kind}"


def check_pair(fixed: np.ndarray, moving: np.ndarray, *, same_size: bool = True) -> None:
    """Refuse pairs a method cannot register, with a sentence naming both images."""
    fixed, moving = np.asarray(fixed), np.asarray(moving)
    if fixed.ndim != moving.ndim or (fixed.ndim == 3 and fixed.shape[2] != moving.shape[2]):
        raise ValueError(f"The fixed image is {_describe(fixed)} but the moving image is {_describe(moving)}: "
                         "both must be gray or both colour.")
    if same_size and fixed.shape[:2] != moving.shape[:2]:
        raise ValueError(f"The fixed image is {_describe(fixed)} but the moving image is {_describe(moving)}: "
                         "this method needs two images of the same size (feature matching does not).")
    if min(fixed.shape[:2]) < 16 or min(moving.shape[:2]) < 16:
        raise ValueError("Both images need at least 16 pixels on each side to be registered.")


def same_size(moving: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """The moving image resized (area averaging) to the fixed image's height and width, for the methods that need
    one size; an image of another aspect ratio is stretched, which a homography can still undo."""
    import cv2

    height, width = shape[:2]
    if moving.shape[:2] == (height, width):
        return moving
    resized = cv2.resize(np.ascontiguousarray(moving, np.float32), (width, height), interpolation=cv2.INTER_AREA)
    return np.clip(resized, 0, 1).astype(np.float32)


def gray_pair(fixed: np.ndarray, moving: np.ndarray, *, method: str) -> tuple[np.ndarray, np.ndarray]:
    """Luminance of both images; a flat one is refused (intensity-based methods need texture)."""
    gray_fixed, gray_moving = to_gray(fixed), to_gray(moving)
    if gray_fixed.std() < 1e-3 or gray_moving.std() < 1e-3:
        flat = "fixed" if gray_fixed.std() < 1e-3 else "moving"
        raise ValueError(f"{method} needs texture, but the {flat} image is flat.")
    return gray_fixed, gray_moving


def parametric_output(fixed: np.ndarray, moving: np.ndarray, matrix: np.ndarray, **extras) -> Output:
    aligned = warp_matrix(moving, matrix, fixed.shape)
    return Output(aligned, {"transform": np.asarray(matrix, np.float64),
                            "field": field_from_matrix(matrix, fixed.shape[:2]), **extras})


def field_output(moving: np.ndarray, field: np.ndarray, **extras) -> Output:
    # a deformable field may point a few pixels outside near the border: repeat the edge there, not black
    return Output(warp_field(moving, field, border="replicate"), {"field": field.astype(np.float32), **extras})
