"""Sample images that need no network: scikit-image's bundled files and synthetic scenes."""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from core.image import to_float


def _skimage(name: str):
    def load() -> np.ndarray:
        from skimage import data

        return to_float(getattr(data, name)())
    return load


def shapes(size: int = 256) -> np.ndarray:
    """Flat shapes on a gradient: sharp edges and smooth areas, a good denoising test."""
    import cv2

    yy, xx = np.mgrid[0:size, 0:size] / size
    image = (0.25 + 0.3 * xx + 0.1 * yy).astype(np.float32)
    image = np.repeat(image[..., None], 3, axis=2).copy()
    s = size / 256
    cv2.rectangle(image, (int(30 * s), int(30 * s)), (int(110 * s), int(120 * s)), (0.9, 0.2, 0.2), -1)
    cv2.circle(image, (int(180 * s), int(80 * s)), int(45 * s), (0.2, 0.5, 0.95), -1)
    triangle = (np.array([[60, 230], [130, 150], [200, 230]]) * s).astype(np.int32)
    cv2.fillPoly(image, [triangle], (0.95, 0.85, 0.2))
    cv2.ellipse(image, (int(200 * s), int(190 * s)), (int(35 * s), int(18 * s)), 30, 0, 360,
                (0.1, 0.1, 0.1), -1)
    return np.clip(image, 0, 1)


def checkerboard(size: int = 256, squares: int = 8) -> np.ndarray:
    cell = size // squares
    yy, xx = np.mgrid[0:size, 0:size] // max(cell, 1)
    return (0.15 + 0.7 * ((yy + xx) % 2)).astype(np.float32)


def text_image(size: int = 256) -> np.ndarray:
    import cv2

    image = np.full((size, size), 0.95, np.float32)
    lines = ["Image", "Processing", "& Vision", "0123456789"]
    scale = size / 256
    for i, line in enumerate(lines):
        cv2.putText(image, line, (int(12 * scale), int((50 + 55 * i) * scale)), cv2.FONT_HERSHEY_SIMPLEX,
                    1.1 * scale, 0.05, max(1, int(2 * scale)), cv2.LINE_AA)
    return image


def zone_plate(size: int = 256) -> np.ndarray:
    """Concentric rings whose frequency rises outwards: shows aliasing and frequency response."""
    yy, xx = (np.mgrid[0:size, 0:size] - size / 2) / size
    return (0.5 + 0.5 * np.cos(np.pi * size * 0.5 * (xx ** 2 + yy ** 2))).astype(np.float32)


def _segmentation_objects() -> np.ndarray:
    from core.segmentation.synthetic import objects_image

    return objects_image()


# name -> (loader, description)
SAMPLES = {
    "camera": (_skimage("camera"), "scikit-image camera man, 512² gray"),
    "astronaut": (_skimage("astronaut"), "astronaut Eileen Collins, 512² RGB"),
    "chelsea": (_skimage("chelsea"), "Chelsea the cat, 300×451 RGB"),
    "coffee": (_skimage("coffee"), "a cup of coffee, 400×600 RGB"),
    "coins": (_skimage("coins"), "Greek coins, 303×384 gray"),
    "moon": (_skimage("moon"), "lunar surface, 512² gray"),
    "brick": (_skimage("brick"), "brick wall texture, 512² gray"),
    "text": (_skimage("text"), "hand-written text, 172×448 gray"),
    "page": (_skimage("page"), "scanned page, 191×384 gray"),
    "retina": (_skimage("retina"), "retina fundus, 1411² RGB"),
    "synthetic shapes": (shapes, "flat shapes on a gradient (synthetic)"),
    "synthetic checkerboard": (checkerboard, "8×8 checkerboard (synthetic)"),
    "synthetic text": (text_image, "printed text (synthetic)"),
    "synthetic zone plate": (zone_plate, "chirped rings (synthetic)"),
    "synthetic objects": (_segmentation_objects, "objects on a textured background, known mask (synthetic)"),
}


@lru_cache(maxsize=16)
def _load(name: str) -> np.ndarray:
    image = SAMPLES[name][0]()
    image.flags.writeable = False
    return image


def load_sample(name: str) -> np.ndarray:
    """A fresh float copy of a bundled sample image."""
    if name not in SAMPLES:
        raise ValueError(f"Unknown sample {name!r}; choose one of {', '.join(SAMPLES)}.")
    return _load(name).copy()
