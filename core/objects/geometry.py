"""Box geometry for detection (book §8.1 and exercise 8.Q4): IoU of corner boxes, a step-by-step greedy
non-maximum suppression, and precision / recall by class.

Boxes elsewhere in the app are (x, y, w, h) as OpenCV returns them (`core.boxes`); the book's exercise gives
corners (x_min, y_min, x_max, y_max). Neither adds the "+1 pixel" of some old VOC code: a box from 50 to 150
is 100 wide, so [50, 50, 150, 150] and [100, 100, 200, 200] overlap by 2500 / 17500 = 1/7.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.boxes import as_boxes, iou, match


def iou_corners(a, b) -> float:
    """IoU of two boxes given by corners (x_min, y_min, x_max, y_max); 0 when they don't overlap."""
    ax1, ay1, ax2, ay2 = (float(v) for v in a)
    bx1, by1, bx2, by2 = (float(v) for v in b)
    if ax2 < ax1 or ay2 < ay1 or bx2 < bx1 or by2 < by1:
        raise ValueError("A box's max corner must not be left of or above its min corner.")
    width = max(0.0, min(ax2, bx2) - max(ax1, bx1))
    height = max(0.0, min(ay2, by2) - max(ay1, by1))
    inter = width * height
    union = (ax2 - ax1) * (ay2 - ay1) + (bx2 - bx1) * (by2 - by1) - inter
    return inter / union if union > 0 else 0.0


def corners(box) -> tuple[float, float, float, float]:
    """(x, y, w, h) -> (x_min, y_min, x_max, y_max)."""
    x, y, w, h = (float(v) for v in box)
    return x, y, x + w, y + h


@dataclass(frozen=True)
class NMSStep:
    kept: int  # the index (into the input) kept at this step: the best score still in play
    removed: tuple[int, ...]  # the boxes it suppressed (IoU with it above the threshold)
    overlaps: dict  # index -> IoU with the kept box, for every box still in play after it was picked
    remaining: tuple[int, ...]  # still in play after this step


def nms_steps(boxes, scores, *, overlap: float = 0.45, labels=None) -> list[NMSStep]:
    """Greedy NMS, one step per kept box: pick the best score left, drop the boxes that overlap it by more than
    `overlap` (IoU), repeat until none is left. With `labels`, a box suppresses only boxes of its own class
    (as detectors do). The kept indices, in order, are `[s.kept for s in steps]`."""
    boxes = as_boxes(boxes)
    scores = np.asarray(scores, dtype=np.float64).ravel()
    if len(scores) != len(boxes):
        raise ValueError(f"{len(boxes)} boxes but {len(scores)} scores.")
    labels = None if labels is None else [str(v) for v in labels]
    overlaps = iou(boxes, boxes)
    order = [int(i) for i in np.argsort(-scores, kind="stable")]
    steps = []
    while order:
        best, rest = order[0], order[1:]
        seen = {i: float(overlaps[best, i]) for i in rest if labels is None or labels[i] == labels[best]}
        removed = tuple(i for i, value in seen.items() if value > overlap)
        order = [i for i in rest if i not in removed]
        steps.append(NMSStep(best, removed, seen, tuple(order)))
    return steps


def nms(boxes, scores, *, overlap: float = 0.45, labels=None) -> np.ndarray:
    """The indices greedy NMS keeps, best score first."""
    return np.asarray([s.kept for s in nms_steps(boxes, scores, overlap=overlap, labels=labels)], dtype=np.int64)


def synthetic_candidates(seed: int = 0, *, objects: int = 3, per_object: int = 4, size: int = 256):
    """Raw detections as a detector leaves them before NMS: a few jittered, overlapping boxes around each of
    `objects` objects, with scores. Returns (boxes (N, 4) x, y, w, h, scores (N,), the true boxes)."""
    rng = np.random.default_rng(seed)
    truths, boxes, scores = [], [], []
    for k in range(objects):
        w, h = rng.uniform(0.2, 0.35, 2) * size
        x, y = rng.uniform(0.05 * size, size - w - 0.05 * size), rng.uniform(0.05 * size, size - h - 0.05 * size)
        truths.append((x, y, w, h))
        for j in range(per_object):
            jitter = rng.normal(0, 0.08, 4) * (w, h, w, h)
            boxes.append((x + jitter[0], y + jitter[1], w + jitter[2], h + jitter[3]))
            scores.append(float(np.clip(0.95 - 0.15 * j + rng.normal(0, 0.03), 0.05, 0.99)))
    return as_boxes(boxes), np.asarray(scores, np.float32), as_boxes(truths)


def class_scores(boxes, labels, truth_boxes, truth_labels, *, threshold: float = 0.5) -> dict[str, dict]:
    """Precision, recall and F1 per annotated class: detections of a class are matched one to one to the true
    boxes of that class at IoU >= threshold. Classes the truth does not annotate are not scored."""
    boxes = as_boxes(boxes)
    labels = [str(v) for v in labels]
    truth_boxes = as_boxes(truth_boxes)
    truth_labels = [str(v) for v in truth_labels]
    table = {}
    for name in dict.fromkeys(truth_labels):
        found = boxes[[i for i, label in enumerate(labels) if label == name]]
        true = truth_boxes[[i for i, label in enumerate(truth_labels) if label == name]]
        result = match(found, true, threshold=threshold)
        precision = result["precision"] if len(found) else 0.0
        recall = result["recall"]
        total = precision + recall
        table[name] = {"true": len(true), "detected": len(found), "matched": result["true_positives"],
                       "precision": precision, "recall": recall,
                       "f1": 2 * precision * recall / total if total > 0 else 0.0}
    return table


def overall_scores(table: dict[str, dict]) -> dict[str, float]:
    """Micro-averaged precision, recall and F1 over the annotated classes of `class_scores`."""
    matched = sum(row["matched"] for row in table.values())
    detected = sum(row["detected"] for row in table.values())
    true = sum(row["true"] for row in table.values())
    precision = matched / detected if detected else 0.0
    recall = matched / true if true else float("nan")
    total = precision + recall
    return {"precision": precision, "recall": recall,
            "f1": 2 * precision * recall / total if np.isfinite(total) and total > 0 else 0.0}
