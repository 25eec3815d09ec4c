"""MTCNN face detection (P-, R- and O-Net, Zhang et al. 2016) through the `mtcnn` package.

Shared by the face-verification page and the object-detection page. TensorFlow and `mtcnn` are imported only
when a detection is first asked for, and the detector (three small Keras networks, 2 MB of weights bundled in the
wheel, so nothing is downloaded) is built once per process.

`detect_faces_mtcnn(image)` returns

- boxes: (N, 4) int, x, y, width, height in pixels, clipped to the image;
- scores: (N,) float, the O-Net face probability;
- landmarks: (N, 5, 2) float, (x, y) of the left eye, right eye, nose, left and right mouth corners
  (left/right as seen in the picture, the order the package gives),

sorted by score, best first. An image too small for the network pyramid (under 12 pixels on a side) has no faces.
"""

from __future__ import annotations

import os
import threading

import numpy as np

_LOCK = threading.Lock()
_DETECTOR = None
_KEYPOINTS = ("left_eye", "right_eye", "nose", "mouth_left", "mouth_right")
MIN_SIDE = 12  # P-Net's window: the pyramid cannot start on anything smaller


def _detector():
    """The MTCNN detector, built once per process (thread-safe)."""
    global _DETECTOR
    if _DETECTOR is None:
        with _LOCK:
            if _DETECTOR is None:
                os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
                from mtcnn import MTCNN  # lazy: pulls in TensorFlow

                _DETECTOR = MTCNN(stages="face_and_landmarks_detection", device="CPU:0")
    return _DETECTOR


def _as_rgb_uint8(image: np.ndarray) -> np.ndarray:
    a = np.asarray(image)
    if a.ndim == 2:
        a = np.stack([a] * 3, axis=-1)
    if a.ndim != 3:
        raise ValueError("An image for face detection must be 2-D (grey) or 3-D (colour).")
    if a.shape[2] == 4:
        a = a[..., :3]
    elif a.shape[2] == 1:
        a = np.repeat(a, 3, axis=2)
    elif a.shape[2] != 3:
        raise ValueError("An image for face detection needs 1, 3 or 4 channels.")
    if a.dtype != np.uint8:
        f = a.astype(np.float64)
        if np.issubdtype(a.dtype, np.floating) and np.nanmax(f) <= 1.0 + 1e-6:
            f = f * 255.0
        elif a.dtype == np.uint16:
            f = f / 257.0
        a = np.clip(np.nan_to_num(f), 0, 255).round().astype(np.uint8)
    return np.ascontiguousarray(a)


def detect_faces_mtcnn(
    image: np.ndarray, *, min_face_size: int = 20, threshold: float = 0.8
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Faces in an RGB (or grey/RGBA, any dtype) image: boxes (N,4) int xywh, scores (N,), landmarks (N,5,2)."""
    rgb = _as_rgb_uint8(image)
    h, w = rgb.shape[:2]
    empty = (np.zeros((0, 4), int), np.zeros(0, float), np.zeros((0, 5, 2), float))
    if min(h, w) < MIN_SIDE:
        return empty
    det = _detector()
    with _LOCK:  # the Keras stages are not documented as re-entrant; detections are short
        found = det.detect_faces(
            rgb, min_face_size=int(max(MIN_SIDE, min_face_size)), threshold_onet=float(threshold)
        )
    if not found:
        return empty
    if isinstance(found, dict):
        found = [found]
    boxes, scores, marks = [], [], []
    for f in found:
        x, y, bw, bh = (int(round(v)) for v in f["box"])
        x0, y0 = max(0, x), max(0, y)
        x1, y1 = min(w, x + bw), min(h, y + bh)
        if x1 - x0 < 2 or y1 - y0 < 2:
            continue
        boxes.append((x0, y0, x1 - x0, y1 - y0))
        scores.append(float(f.get("confidence", 0.0)))
        kp = f.get("keypoints", {})
        marks.append([tuple(float(c) for c in kp.get(k, (np.nan, np.nan))) for k in _KEYPOINTS])
    if not boxes:
        return empty
    order = np.argsort(-np.asarray(scores), kind="stable")
    return (
        np.asarray(boxes, int)[order],
        np.asarray(scores, float)[order],
        np.asarray(marks, float).reshape(-1, 5, 2)[order],
    )
