"""Synthetic ground truth: objects on textured backgrounds with a known mask, and synthetic user
input (scribbles, a rectangle, seed points) made from a reference mask, for tests and the bench."""
from __future__ import annotations

import numpy as np

SAMPLE_NAME = "synthetic objects"


def _texture(rng: np.random.Generator, shape: tuple[int, int], scale: float) -> np.ndarray:
    """Smooth random texture in [-1, 1] with features about `scale` pixels wide."""
    from scipy import ndimage

    noise = ndimage.gaussian_filter(rng.standard_normal(shape), scale)
    return noise / (np.abs(noise).max() + 1e-9)


def objects_mask(size: int = 512, *, seed: int = 0) -> np.ndarray:
    """The known mask of `objects_scene`: an irregular blob and a smaller ellipse."""
    import cv2

    rng = np.random.default_rng(seed)
    mask = np.zeros((size, size), np.uint8)
    s = size / 512
    cx, cy = (190 + rng.integers(-20, 21)) * s, (230 + rng.integers(-20, 21)) * s
    for angle in np.linspace(0, 2 * np.pi, 5, endpoint=False) + rng.uniform(0, np.pi):  # a lumpy blob
        ox, oy = cx + 45 * s * np.cos(angle), cy + 45 * s * np.sin(angle)
        cv2.ellipse(mask, (int(ox), int(oy)), (int(75 * s), int(55 * s)), float(np.degrees(angle)), 0, 360, 1, -1)
    cv2.ellipse(mask, (int((390 + rng.integers(-15, 16)) * s), int((370 + rng.integers(-15, 16)) * s)),
                (int(60 * s), int(40 * s)), float(rng.uniform(0, 180)), 0, 360, 1, -1)
    return mask.astype(bool)


def objects_scene(size: int = 512, *, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(RGB image float32, bool mask): warm, finely textured objects on a cooler, coarsely textured
    background with stripes and a light gradient. The ground truth is exact by construction."""
    from scipy import ndimage

    rng = np.random.default_rng(seed)
    mask = objects_mask(size, seed=seed)
    yy, xx = np.mgrid[0:size, 0:size] / size
    background = (0.30 + 0.10 * xx + 0.06 * np.sin(2 * np.pi * 9 * (xx + 0.4 * yy))
                  + 0.08 * _texture(rng, (size, size), 4 * size / 512))
    objects = 0.68 + 0.07 * _texture(rng, (size, size), 1.5 * size / 512)
    edge = ndimage.gaussian_filter(mask.astype(float), 0.8 * size / 512)[..., None]  # soft, like a photo
    tint_fg, tint_bg = np.array([1.2, 0.95, 0.7]), np.array([0.85, 1.0, 1.15])
    image = edge * objects[..., None] * tint_fg + (1 - edge) * background[..., None] * tint_bg
    image += rng.normal(0, 0.02, image.shape)
    return np.clip(image, 0, 1).astype(np.float32), mask


def objects_image() -> np.ndarray:
    """The gallery sample (512² RGB)."""
    return objects_scene(512)[0]


def reference_for_sample(name: str, shape: tuple[int, ...]) -> np.ndarray | None:
    """The known mask of a synthetic sample at a working size, or None for images without one."""
    if name != SAMPLE_NAME:
        return None
    import cv2

    mask = objects_mask(512).astype(np.uint8)
    height, width = shape[:2]
    return cv2.resize(mask, (width, height), interpolation=cv2.INTER_NEAREST).astype(bool)


def _components(mask: np.ndarray):
    from scipy import ndimage

    labels, count = ndimage.label(mask)
    return labels, count


def scribbles_from_mask(mask: np.ndarray, *, width: int | None = None) -> np.ndarray:
    """Scribbles a careful user might draw: a cross through the middle of each object (label 2) and a
    ring around the objects plus the image border (label 1). 0 elsewhere (int32)."""
    from scipy import ndimage

    mask = np.asarray(mask, bool)
    if not mask.any() or mask.all():
        raise ValueError("The reference mask must contain both foreground and background.")
    height, width_px = mask.shape
    width = width or max(2, round(max(mask.shape) / 128))
    out = np.zeros(mask.shape, np.int32)
    labels, count = _components(mask)
    inside = ndimage.distance_transform_edt(mask)
    for index in range(1, count + 1):
        component = labels == index
        depth = np.where(component, inside, 0)
        y, x = np.unravel_index(np.argmax(depth), mask.shape)
        deep = component & (inside >= max(2.0, 0.35 * depth[y, x]))
        cross = np.zeros(mask.shape, bool)
        cross[max(0, y - width // 2):y + width // 2 + 1, :] = True
        cross[:, max(0, x - width // 2):x + width // 2 + 1] = True
        out[cross & deep] = 2
    outside = ndimage.distance_transform_edt(~mask)
    gap = max(4.0, 0.04 * max(mask.shape))
    out[(outside >= gap) & (outside < gap + width)] = 1
    border = np.zeros(mask.shape, bool)
    border[:width, :] = border[-width:, :] = border[:, :width] = border[:, -width:] = True
    out[border & ~mask & (out == 0)] = 1
    return out


def rect_from_mask(mask: np.ndarray, *, margin: float = 0.04) -> tuple[int, int, int, int]:
    """The bounding box of the foreground, grown by `margin` of the image size, as (x, y, w, h)."""
    mask = np.asarray(mask, bool)
    if not mask.any():
        raise ValueError("The reference mask is empty: there is nothing to put a rectangle around.")
    rows, cols = np.nonzero(mask)
    pad = int(round(margin * max(mask.shape)))
    x0, y0 = max(0, cols.min() - pad), max(0, rows.min() - pad)
    x1, y1 = min(mask.shape[1], cols.max() + 1 + pad), min(mask.shape[0], rows.max() + 1 + pad)
    return int(x0), int(y0), int(x1 - x0), int(y1 - y0)


def seeds_from_mask(mask: np.ndarray) -> list[tuple[float, float]]:
    """One seed per object, at its deepest interior point, as (x, y) pixel coordinates."""
    from scipy import ndimage

    mask = np.asarray(mask, bool)
    if not mask.any():
        raise ValueError("The reference mask is empty: there is nowhere to put a seed.")
    labels, count = _components(mask)
    inside = ndimage.distance_transform_edt(mask)
    seeds = []
    for index in range(1, count + 1):
        depth = np.where(labels == index, inside, 0)
        y, x = np.unravel_index(np.argmax(depth), mask.shape)
        seeds.append((float(x), float(y)))
    return seeds
