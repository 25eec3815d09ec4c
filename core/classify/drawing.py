"""A drawing from the page's canvas turned into an image like the data set's (book §7.2's "draw a digit").

The canvas gives white strokes on black at a few hundred pixels. Like MNIST's own preparation, the strokes are
cropped to their bounding box, scaled (keeping their aspect) so the longer side fills a share of the image
(20 of 28 pixels for MNIST; the whole side for the 8×8 digits and for garments), placed at the centre (of mass
for MNIST, of the box otherwise), and inverted when the data set has dark strokes on a light ground.
"""
from __future__ import annotations

import numpy as np

# how each bundled data set was prepared: share of the side the drawing fills, and how it is centred
STYLES = {"digits": (1.0, "box"), "mnist": (20 / 28, "mass"), "fashion-mnist": (1.0, "box")}


def ink(rgba: np.ndarray | None) -> np.ndarray | None:
    """The canvas's RGBA (white on black) as ink in [0, 1]; None when nothing is drawn."""
    if rgba is None:
        return None
    array = np.asarray(rgba, np.float32)
    values = array[..., :3].max(axis=2) / 255.0 if array.ndim == 3 else array / (255.0 if array.max() > 1 else 1)
    return values if values.max() > 0.2 else None


def prepare(drawing: np.ndarray, shape: tuple[int, int], *, fill: float = 1.0, centre: str = "box",
            dark_background: bool = True) -> np.ndarray:
    """`drawing` (ink in [0, 1], any size) as a (height, width) float32 image of the data set's kind."""
    import cv2

    drawing = np.asarray(drawing, np.float32)
    height, width = shape
    rows, cols = np.nonzero(drawing > 0.1)
    out = np.zeros((height, width), np.float32)
    if len(rows) == 0:
        return out if dark_background else 1 - out
    crop = drawing[rows.min():rows.max() + 1, cols.min():cols.max() + 1]
    scale = fill * min(height, width) / max(crop.shape)
    new_h, new_w = max(1, min(height, round(crop.shape[0] * scale))), max(1, min(width, round(crop.shape[1] * scale)))
    small = cv2.resize(crop, (new_w, new_h), interpolation=cv2.INTER_AREA)
    small = small / max(float(small.max()), 1e-6)
    top, left = (height - new_h) // 2, (width - new_w) // 2
    if centre == "mass" and small.sum() > 0:
        yy, xx = np.indices(small.shape)
        cy, cx = (yy * small).sum() / small.sum(), (xx * small).sum() / small.sum()
        top = int(np.clip(round(height / 2 - cy), 0, height - new_h))
        left = int(np.clip(round(width / 2 - cx), 0, width - new_w))
    out[top:top + new_h, left:left + new_w] = small
    out = np.clip(out, 0, 1)
    return out if dark_background else (1 - out).astype(np.float32)


def prepare_for(drawing: np.ndarray, dataset) -> np.ndarray:
    """`prepare` with the data set's size, style and polarity (an uploaded set: 90 % fill, box-centred)."""
    fill, centre = STYLES.get(dataset.name, (0.9, "box"))
    return prepare(drawing, dataset.image_shape, fill=fill, centre=centre, dark_background=dataset.dark_background)
