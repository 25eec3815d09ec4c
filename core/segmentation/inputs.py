"""Checks of the extra inputs segmentation methods declare in `Method.needs` (`core.tasks.protocol.NEEDS`).

Canonical forms (image pixel coordinates):
- "scribbles": int32 label image, 0 = unlabelled, 1 = background, 2 = foreground, 3+ = more objects;
- "strokes":   the same label image, but optional (GrabCut's refinement strokes); None or empty is fine;
- "rect":      (x, y, w, h);
- "seeds":     a list of (x, y) points;
- "patches":   int32 label image of reference patches (0 = none, k = class k), e.g. one rectangle per class.
"""
from __future__ import annotations

import numpy as np


def check_scribbles(scribbles: np.ndarray | None, shape: tuple[int, ...], *, method: str) -> np.ndarray:
    """Validate a scribble label image: right size, at least two labels, label 1 (background) present."""
    if scribbles is None or not np.any(scribbles):
        raise ValueError(f"{method} needs scribbles: paint the background with label 1 and the object with "
                         "label 2.")
    scribbles = np.asarray(scribbles)
    if scribbles.shape != tuple(shape[:2]):
        raise ValueError(f"The scribbles ({scribbles.shape[1]}×{scribbles.shape[0]}) do not match the image "
                         f"({shape[1]}×{shape[0]}).")
    labels = np.unique(scribbles[scribbles > 0])
    if labels.size < 2:
        raise ValueError(f"{method} needs scribbles of at least two labels (background and object); "
                         f"only label {int(labels[0])} was drawn.")
    return scribbles.astype(np.int32)


def check_rect(rect, shape: tuple[int, ...], *, method: str) -> tuple[int, int, int, int]:
    """Validate an (x, y, w, h) rectangle: inside the image, not empty, not the whole image."""
    if rect is None:
        raise ValueError(f"{method} needs a rectangle around the object.")
    try:
        x, y, w, h = (int(round(float(v))) for v in rect)
    except (TypeError, ValueError):
        raise ValueError(f"A rectangle is four numbers x, y, width, height, not {rect!r}.") from None
    height, width = shape[:2]
    x0, y0 = max(0, x), max(0, y)
    x1, y1 = min(width, x + w), min(height, y + h)
    if x1 - x0 < 2 or y1 - y0 < 2:
        raise ValueError("The rectangle is empty (or outside the image): drag a box around the object.")
    if x0 == 0 and y0 == 0 and x1 == width and y1 == height:
        raise ValueError("The rectangle covers the whole image, so nothing is known to be background: "
                         "draw it tighter around the object.")
    return x0, y0, x1 - x0, y1 - y0


def check_seeds(seeds, shape: tuple[int, ...], *, method: str) -> list[tuple[int, int]]:
    """Validate (x, y) seed points: at least one, all inside the image. Returns integer (x, y)."""
    if seeds is None or len(seeds) == 0:
        raise ValueError(f"{method} needs at least one seed point inside the object.")
    height, width = shape[:2]
    points = []
    for point in seeds:
        try:
            x, y = (float(v) for v in point)
        except (TypeError, ValueError):
            raise ValueError(f"A seed is an (x, y) pair, not {point!r}.") from None
        if not (0 <= x < width and 0 <= y < height):
            raise ValueError(f"The seed ({x:g}, {y:g}) is outside the {width}×{height} image.")
        points.append((int(x), int(y)))
    return points
