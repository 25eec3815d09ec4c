"""Showing segmentations: tinted overlays with boundaries, colour legends, error maps, drawn inputs."""
from __future__ import annotations

import numpy as np

from core.image import to_rgb

# Distinct, colour-blind-friendly colours (Okabe-Ito first, then Tableau), as RGB in [0, 1].
_PALETTE_HEX = ("#e69f00", "#56b4e9", "#009e73", "#f0e442", "#0072b2", "#d55e00", "#cc79a7",
                "#4e79a7", "#f28e2b", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#76b7b2")
BOUNDARY = np.array([1.0, 1.0, 0.0], np.float32)  # yellow
FOREGROUND = np.array([0.0, 0.62, 0.45], np.float32)  # green tint for masks
# Colours of the scribble labels (1 = background, 2 = foreground, then more objects), matching ui.canvas.
SCRIBBLE_HEX = ("#ff3b30", "#34c759", "#007aff", "#ffcc00", "#af52de", "#ff9500")


def hex_to_rgb(color: str) -> np.ndarray:
    color = color.lstrip("#")
    return np.array([int(color[i:i + 2], 16) / 255.0 for i in (0, 2, 4)], np.float32)


def label_color(label: int, *, background_label: int | None = 1) -> np.ndarray:
    """A stable colour per label number; the background label (1 by default) is a neutral gray."""
    if label == background_label:
        return np.array([0.55, 0.55, 0.55], np.float32)
    return hex_to_rgb(_PALETTE_HEX[(label - 2) % len(_PALETTE_HEX)])


def _rgb_hex(rgb: np.ndarray) -> str:
    return "#" + "".join(f"{int(round(float(c) * 255)):02x}" for c in rgb)


def boundaries(result: np.ndarray) -> np.ndarray:
    """Pixels on the border between two segments (or between a mask and its outside), one pixel wide."""
    result = np.asarray(result)
    result = result.astype(np.int32) if result.dtype == bool else result
    edges = np.zeros(result.shape, bool)
    edges[:, 1:] |= result[:, 1:] != result[:, :-1]
    edges[1:, :] |= result[1:, :] != result[:-1, :]
    return edges


def colorize(result: np.ndarray, *, background_label: int | None = 1) -> np.ndarray:
    """A label map (or mask) as an RGB image, one colour per label."""
    result = np.asarray(result)
    if result.dtype == bool:
        out = np.zeros(result.shape + (3,), np.float32)
        out[result] = FOREGROUND
        return out
    if result.size and result.min() >= 0 and result.max() < 1 << 16:  # small labels: a lookup table
        present = np.flatnonzero(np.bincount(result.ravel()))
        table = np.zeros((int(present[-1]) + 1, 3), np.float32)
        for value in present:
            table[value] = label_color(int(value), background_label=background_label)
        return table[result]
    values, inverse = np.unique(result, return_inverse=True)
    colors = np.stack([label_color(int(v), background_label=background_label) for v in values])
    return colors[inverse.reshape(result.shape)]


def overlay(image: np.ndarray, result: np.ndarray, *, alpha: float = 0.45, show_boundaries: bool = True,
            background_label: int | None = 1) -> np.ndarray:
    """The image with each segment tinted in its colour and the boundaries in yellow (RGB float).
    Masks tint the foreground. Label maps tint every label except `background_label` (1 by default,
    the interactive methods' background; pass None for clusterings, where every label is a segment)."""
    base = to_rgb(image)
    result = np.asarray(result)
    if result.shape != base.shape[:2]:
        raise ValueError(f"The segmentation {result.shape} does not match the image {base.shape[:2]}.")
    colors = colorize(result, background_label=background_label)
    if result.dtype == bool:
        tinted = result
    else:
        tinted = result != background_label if background_label is not None else np.ones(result.shape, bool)
    out = np.where(tinted[..., None], (1 - alpha) * base + alpha * colors, base)
    if show_boundaries:
        out = np.where(boundaries(result)[..., None], BOUNDARY, out)
    return np.clip(out, 0, 1).astype(np.float32)


def legend(result: np.ndarray, *, max_items: int = 20, background_label: int | None = 1) -> list[dict]:
    """Label, colour (hex) and pixel count of each segment, largest first (at most `max_items`)."""
    result = np.asarray(result)
    if result.dtype == bool:
        count = int(np.count_nonzero(result))
        return [dict(label="foreground", color=_rgb_hex(FOREGROUND), pixels=count),
                dict(label="background", color="#8c8c8c", pixels=int(result.size - count))]
    values, counts = np.unique(result, return_counts=True)
    order = np.argsort(-counts)[:max_items]
    return [dict(label=int(values[i]), pixels=int(counts[i]),
                 color=_rgb_hex(label_color(int(values[i]), background_label=background_label))) for i in order]


def error_overlay(image: np.ndarray, reference: np.ndarray, mask: np.ndarray, *, alpha: float = 0.55) -> np.ndarray:
    """Where a mask agrees with the reference: true positives green, false positives red, misses blue."""
    base = to_rgb(image) * 0.6 + 0.2
    reference, mask = np.asarray(reference, bool), np.asarray(mask, bool)
    out = base.copy()
    for region, color in ((reference & mask, (0.1, 0.75, 0.3)), (mask & ~reference, (0.95, 0.2, 0.2)),
                          (reference & ~mask, (0.2, 0.4, 1.0))):
        out[region] = (1 - alpha) * base[region] + alpha * np.array(color, np.float32)
    return np.clip(out, 0, 1).astype(np.float32)


def draw_inputs(image: np.ndarray, *, scribbles: np.ndarray | None = None,
                rect: tuple[int, int, int, int] | None = None,
                seeds: list[tuple[float, float]] | None = None) -> np.ndarray:
    """The user's scribbles (one colour per label), rectangle and seed points drawn on the image."""
    import cv2

    out = np.ascontiguousarray(to_rgb(image))
    if scribbles is not None:
        scribbles = np.asarray(scribbles)
        for label in np.unique(scribbles[scribbles > 0]):
            out[scribbles == label] = hex_to_rgb(SCRIBBLE_HEX[(int(label) - 1) % len(SCRIBBLE_HEX)])
    thickness = max(1, round(max(out.shape[:2]) / 256))
    if rect is not None:
        x, y, w, h = map(int, rect)
        cv2.rectangle(out, (x, y), (x + max(w - 1, 0), y + max(h - 1, 0)), (1.0, 0.18, 0.33), thickness)
    for x, y in seeds or []:
        cv2.circle(out, (int(round(x)), int(round(y))), 2 + 2 * thickness, (1.0, 0.18, 0.33), -1)
    return np.clip(out, 0, 1).astype(np.float32)
