"""Finding and aligning faces for verification: dlib's HOG detector or MTCNN (core.mtcnn_faces) find them,
dlib's 5-point landmarks align each one into a 150×150 chip (`dlib.get_face_chip`: eyes level, a fixed scale).

Nothing is cached across calls, so each method's time includes finding and aligning its faces (a fair
comparison); within one call, an image that appears in several pairs is found and aligned once (methods._chips).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


DETECTORS = ("HOG (dlib)", "MTCNN")
CHIP_SIDE = 150  # what dlib's ResNet was trained on
CHIP_PADDING = 0.25
MAX_SIDE = 1024  # a larger image is reduced before the search (the HOG window is 80 px; faces stay large enough)


@dataclass(frozen=True)
class Chip:
    """One aligned face: the chip, the box it came from (x, y, w, h in the image as given), how many faces the
    finder saw, which one was used (by score, 0 = best), and whether none was found (the whole image used)."""

    chip: np.ndarray  # (150, 150, 3) uint8
    box: tuple[int, int, int, int]
    found: int
    used: int
    fallback: bool
    score: float


def as_rgb_u8(image: np.ndarray) -> np.ndarray:
    """Any gray / RGB / RGBA image (uint8, uint16 or float in [0, 1]) as contiguous uint8 RGB."""
    a = np.asarray(image)
    if a.ndim == 3 and a.shape[2] == 1:
        a = a[..., 0]
    if a.ndim == 2:
        a = np.stack([a] * 3, axis=-1)
    if a.ndim != 3 or a.shape[2] not in (3, 4):
        raise ValueError(f"A face image must be gray, RGB or RGBA, not an array of shape {a.shape}.")
    a = a[..., :3]
    if a.dtype == np.uint8:
        return np.ascontiguousarray(a)
    f = np.nan_to_num(a.astype(np.float32))
    if a.dtype == np.uint16:
        f = f / 65535.0
    elif np.issubdtype(a.dtype, np.integer):
        f = f / 255.0
    return np.ascontiguousarray(np.clip(f * 255.0 + 0.5, 0, 255).astype(np.uint8))


def _reduced(rgb: np.ndarray) -> tuple[np.ndarray, float]:
    import cv2

    side = max(rgb.shape[:2])
    if side <= MAX_SIDE:
        return rgb, 1.0
    scale = MAX_SIDE / side
    size = (max(1, round(rgb.shape[1] * scale)), max(1, round(rgb.shape[0] * scale)))
    return np.ascontiguousarray(cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)), scale


def find_faces(image: np.ndarray, detector: str = DETECTORS[0], upsample: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Faces in `image`, best first: boxes (N, 4) int x, y, w, h (in the image as given) and scores (N,).
    HOG scores are SVM margins (> 0 is a detection), MTCNN's are probabilities."""
    rgb = as_rgb_u8(image)
    small, scale = _reduced(rgb)
    h, w = small.shape[:2]
    if min(h, w) < 8:
        return np.zeros((0, 4), int), np.zeros(0)
    if detector == DETECTORS[1]:
        from core.mtcnn_faces import detect_faces_mtcnn

        boxes, scores, _ = detect_faces_mtcnn(small)
        boxes = boxes.astype(np.float64)
    elif detector == DETECTORS[0]:
        from core.verification.models import hog_detector

        rects, scores, _ = hog_detector().run(small, int(upsample), 0.0)
        boxes = np.asarray([(r.left(), r.top(), r.right() - r.left() + 1, r.bottom() - r.top() + 1) for r in rects],
                           np.float64).reshape(-1, 4)
        scores = np.asarray(scores, np.float64)
        x0, y0 = np.clip(boxes[:, 0], 0, w - 1), np.clip(boxes[:, 1], 0, h - 1)  # HOG boxes may stick out
        boxes = np.stack([x0, y0, np.minimum(boxes[:, 0] + boxes[:, 2], w) - x0,
                          np.minimum(boxes[:, 1] + boxes[:, 3], h) - y0], axis=1) if len(boxes) else boxes
    else:
        raise ValueError(f"Unknown face finder {detector!r}; use one of {', '.join(DETECTORS)}.")
    order = np.argsort(-scores, kind="stable")
    boxes = np.round(boxes[order] / scale).astype(int).reshape(-1, 4)
    return boxes, scores[order]


def align(rgb: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
    """The 150×150 chip of the face in `box`, aligned on dlib's 5 landmarks (eye corners and nose)."""
    from core.verification.models import dlib_module, landmarks_5

    dlib = dlib_module()
    x, y, w, h = (int(v) for v in box)
    shape = landmarks_5()(rgb, dlib.rectangle(x, y, x + max(w, 1) - 1, y + max(h, 1) - 1))
    return np.asarray(dlib.get_face_chip(rgb, shape, size=CHIP_SIDE, padding=CHIP_PADDING), np.uint8)


def face_chip(image: np.ndarray, detector: str = DETECTORS[0], upsample: int = 1, choice: int = 0) -> Chip:
    """The aligned chip of one face of `image`: the `choice`-th best found (the best when there are fewer), or,
    when none is found, the whole image taken as a face crop (`fallback`)."""
    rgb = as_rgb_u8(image)
    boxes, scores = find_faces(rgb, detector, upsample)
    if len(boxes):
        used = min(max(int(choice), 0), len(boxes) - 1)
        box = tuple(int(v) for v in boxes[used])
        return Chip(align(rgb, box), box, len(boxes), used, False, float(scores[used]))
    h, w = rgb.shape[:2]
    return Chip(align(rgb, (0, 0, w, h)), (0, 0, w, h), 0, -1, True, float("nan"))


def crop(image: np.ndarray, box: tuple[int, int, int, int], margin: float = 0.2) -> np.ndarray:
    """The box with a margin, cut from the image (for showing a detection, or isolating one face of several)."""
    x, y, w, h = box
    mx, my = int(w * margin), int(h * margin)
    H, W = np.asarray(image).shape[:2]
    return np.asarray(image)[max(0, y - my):min(H, y + h + my), max(0, x - mx):min(W, x + w + mx)]
