"""Detection boxes: drawing, overlap (IoU), non-maximum suppression and scoring against ground truth.
A box is (x, y, width, height) in pixels, as OpenCV's detectors return them."""
from __future__ import annotations

import numpy as np

from core.image import to_float, to_rgb, to_uint8


def as_boxes(boxes) -> np.ndarray:
    """Any detector output (tuple, list, (N, 4) array, empty) as an (N, 4) int32 array."""
    array = np.asarray(boxes, dtype=np.float64).reshape(-1, 4) if len(boxes) else np.zeros((0, 4))
    return np.round(array).astype(np.int32)


def iou(a, b) -> np.ndarray:
    """Intersection over union of every box in `a` with every box in `b`: an (len(a), len(b)) array."""
    a, b = as_boxes(a).astype(np.float64), as_boxes(b).astype(np.float64)
    if not len(a) or not len(b):
        return np.zeros((len(a), len(b)))
    ax2, ay2, bx2, by2 = a[:, 0] + a[:, 2], a[:, 1] + a[:, 3], b[:, 0] + b[:, 2], b[:, 1] + b[:, 3]
    w = np.clip(np.minimum(ax2[:, None], bx2) - np.maximum(a[:, None, 0], b[:, 0]), 0, None)
    h = np.clip(np.minimum(ay2[:, None], by2) - np.maximum(a[:, None, 1], b[:, 1]), 0, None)
    inter = w * h
    union = (a[:, 2] * a[:, 3])[:, None] + b[:, 2] * b[:, 3] - inter
    return np.where(union > 0, inter / np.maximum(union, 1e-12), 0.0)


def non_max_suppression(boxes, scores=None, *, overlap: float = 0.3) -> np.ndarray:
    """Greedy NMS: keep the best-scoring box, drop the others that overlap it by more than `overlap`
    (IoU), repeat. Without scores, larger boxes come first. Returns the indices kept."""
    boxes = as_boxes(boxes)
    if not len(boxes):
        return np.zeros(0, dtype=np.int64)
    order_by = np.asarray(scores, dtype=np.float64).ravel() if scores is not None and len(scores) else \
        (boxes[:, 2] * boxes[:, 3]).astype(np.float64)
    order = list(np.argsort(-order_by, kind="stable"))
    overlaps = iou(boxes, boxes)
    keep = []
    while order:
        best = order.pop(0)
        keep.append(best)
        order = [i for i in order if overlaps[best, i] <= overlap]
    return np.asarray(keep, dtype=np.int64)


def match(detected, truth, *, threshold: float = 0.5) -> dict:
    """Greedy one-to-one matching at IoU >= threshold: true positives, precision and recall."""
    detected, truth = as_boxes(detected), as_boxes(truth)
    overlaps = iou(detected, truth)
    used, hits = set(), 0
    for d in range(len(detected)):
        if not len(truth):
            break
        candidates = [(overlaps[d, t], t) for t in range(len(truth)) if t not in used and overlaps[d, t] >= threshold]
        if candidates:
            used.add(max(candidates)[1])
            hits += 1
    precision = hits / len(detected) if len(detected) else float("nan")
    recall = hits / len(truth) if len(truth) else float("nan")
    return {"true_positives": hits, "precision": precision, "recall": recall}


def draw_boxes(image: np.ndarray, boxes, *, color=(1.0, 0.15, 0.1), thickness: int = 2) -> np.ndarray:
    """An RGB float copy of `image` with the boxes drawn (the input is not changed)."""
    import cv2

    canvas = to_uint8(to_rgb(image))
    rgb = tuple(int(round(255 * c)) for c in color)
    for x, y, w, h in as_boxes(boxes):
        cv2.rectangle(canvas, (int(x), int(y)), (int(x + w), int(y + h)), rgb, thickness)
    return to_float(canvas)
