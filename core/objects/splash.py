"""Selective colouring, "colour splash" (book §8.3): keep the colour inside an object's mask and turn the rest
gray. The book takes the mask from Mask R-CNN, which this app cannot run (its 246 MB weights and TF1-era code);
the same splash takes its mask here from GrabCut (a rectangle), a drawn mask, a detector's boxes, or MediaPipe's
selfie segmentation network (a 244 KB TF-Lite file, Apache-2.0, shipped in assets/models and run by OpenCV).
"""
from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

from core.image import to_gray, to_rgb, to_uint8

SELFIE_MODEL = Path(__file__).resolve().parents[2] / "assets" / "models" / "selfie_segmentation.tflite"
SELFIE_SIZE = 256  # the network's square input
MASK_RCNN = ("Mask R-CNN (the book's model) is not available: it needs the 246 MB mask_rcnn_coco.h5 weights, a "
             "download this app cannot have, and matterport's TensorFlow 1 code. Use GrabCut, a drawn mask, a "
             "detector's boxes or the selfie segmentation instead.")


def splash(image: np.ndarray, mask: np.ndarray, *, invert: bool = False, feather: float = 0.0,
           strength: float = 1.0) -> np.ndarray:
    """Colour kept where `mask` is True (or outside it, with `invert`), the rest mixed towards its luminance by
    `strength` (1 = fully gray); `feather` blurs the mask's edge by a Gaussian of that σ (px). float32 RGB."""
    from core.segmentation.background import alpha_matte

    rgb = to_rgb(np.asarray(image, np.float32))
    mask = np.asarray(mask)
    if mask.shape != rgb.shape[:2]:
        raise ValueError(f"The mask ({mask.shape[1]}×{mask.shape[0]}) does not match the image "
                         f"({rgb.shape[1]}×{rgb.shape[0]}).")
    mask = mask.astype(bool)
    if invert:
        mask = ~mask
    if not mask.any():
        raise ValueError("The mask is empty: nothing would keep its colour. Draw, detect or segment an object "
                         "first (or untick 'invert').")
    if not 0.0 <= strength <= 1.0:
        raise ValueError("The desaturation strength must be between 0 and 1.")
    alpha = alpha_matte(mask, float(feather))
    gray = to_gray(rgb)[..., None]
    muted = (1.0 - strength) * rgb + strength * gray
    return np.clip(alpha * rgb + (1.0 - alpha) * muted, 0, 1).astype(np.float32)


def boxes_mask(shape: tuple[int, ...], boxes) -> np.ndarray:
    """A bool mask that is True inside any of the (x, y, w, h) boxes."""
    from core.boxes import as_boxes

    mask = np.zeros(shape[:2], bool)
    for x, y, w, h in as_boxes(boxes):
        mask[max(0, y):max(0, y + h), max(0, x):max(0, x + w)] = True
    return mask


def grabcut_mask(image: np.ndarray, rect, *, iterations: int = 3) -> np.ndarray:
    """GrabCut's object mask from a rectangle (x, y, w, h): the interactive-segmentation page's GrabCut."""
    from core.segmentation.interactive import grabcut

    return np.asarray(grabcut(to_rgb(image), rect, iterations=int(iterations)), bool)


_SELFIE = {}
_SELFIE_LOCK = threading.Lock()


def _selfie_net():
    if "net" not in _SELFIE:
        import cv2

        if not SELFIE_MODEL.is_file():
            raise ValueError(f"The selfie segmentation model is missing from {SELFIE_MODEL.parent}.")
        _SELFIE["net"] = cv2.dnn.readNetFromTFLite(str(SELFIE_MODEL))
    return _SELFIE["net"]


def selfie_probability(image: np.ndarray) -> np.ndarray:
    """MediaPipe's selfie segmentation: the probability that each pixel is a person, (H, W) float32 in [0, 1]."""
    import cv2

    rgb = np.ascontiguousarray(to_uint8(to_rgb(image)))
    height, width = rgb.shape[:2]
    blob = cv2.dnn.blobFromImage(rgb, 1 / 255.0, (SELFIE_SIZE, SELFIE_SIZE), swapRB=False, crop=False)  # NCHW RGB
    with _SELFIE_LOCK:
        net = _selfie_net()
        net.setInput(blob)
        out = net.forward()
    probability = np.asarray(out, np.float32).reshape(SELFIE_SIZE, SELFIE_SIZE)
    return np.clip(cv2.resize(probability, (width, height), interpolation=cv2.INTER_LINEAR), 0, 1)


def selfie_mask(image: np.ndarray, *, threshold: float = 0.5) -> np.ndarray:
    """Pixels the selfie segmentation calls person (probability above `threshold`)."""
    return selfie_probability(image) > float(threshold)


def mask_rcnn_mask(image: np.ndarray) -> np.ndarray:
    """The book's source, which cannot run here: always a ValueError that says why."""
    raise ValueError(MASK_RCNN)
