"""Score and example of the decode_codes task.

The truth is the list of payloads pasted into the image ([] when it holds none). Decoded texts are matched to it
as a multiset: each true payload can be matched once, so a code read twice counts once correct and once false.
"""
from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np

from core.tasks.protocol import Example, Output

BOOK_PAYLOAD = "বই: Image Processing MasterClass (BPB)\nসন্দীপন দে"  # the book's Bengali + English string
BOOK_ISBN = "9789389898644"
PHOTOS = ("astronaut", "coffee", "chelsea", "camera", "rocket")


def match(truth: list[str], texts: list[str]) -> tuple[int, int]:
    """(correct, false): decoded `texts` matched once each to the true payloads."""
    left = Counter(truth)
    correct = 0
    for text in texts:
        if left[text] > 0:
            left[text] -= 1
            correct += 1
    return correct, len(texts) - correct


def score_decode_codes(truth: list[str] | None, output: Output, inputs: dict[str, Any]) -> dict[str, float]:
    """The number of codes decoded; against the true payloads, the decode rate (correct / true; NaN when there
    are none), the correct payloads and the false decodes (texts that match no remaining true payload)."""
    texts = [code["text"] for code in output.extras["codes"]]
    scores = {"count": float(len(texts))}
    if truth is not None:
        truth = [str(t) for t in truth]
        correct, false = match(truth, texts)
        scores.update(correct=float(correct), false_decodes=float(false),
                      decode_rate=correct / len(truth) if truth else float("nan"))
    return scores


def photo(name: str, size: int) -> np.ndarray:
    """A bundled photo (scikit-image's, offline), RGB, cropped square and resized to `size`²."""
    import cv2
    from skimage import data

    from core.image import to_float, to_rgb

    image = to_rgb(to_float(getattr(data, name)()))
    h, w = image.shape[:2]
    side = min(h, w)
    top, left = (h - side) // 2, (w - side) // 2
    square = np.ascontiguousarray(image[top:top + side, left:left + side])
    return cv2.resize(square, (size, size), interpolation=cv2.INTER_AREA).astype(np.float32)


def book_scene(seed: int = 0, *, size: int = 512, level: str | None = None, photo_name: str | None = None,
               jitter: float = 1.0) -> tuple[np.ndarray, list[str], list[np.ndarray]]:
    """The book's composite, redone: a photo with a QR code of the book's Bengali + English string and an
    EAN-13 of its ISBN pasted with a perspective warp. Seeded: the photo, the QR level and the warps vary with
    `seed` (`jitter` 0 = no random warp). Returns the image, the true payloads and the pasted corners."""
    from core.codes.generate import LEVELS, make_ean13, make_qr
    from core.codes.paste import corners, paste

    rng = np.random.default_rng(seed)
    image = photo(photo_name or PHOTOS[seed % len(PHOTOS)], size)
    qr = make_qr(BOOK_PAYLOAD, level=level or LEVELS[seed % 4], scale=4)
    ean = make_ean13(BOOK_ISBN, scale=2, height=70)
    j = float(jitter)
    qr_at = corners(image.shape, qr.image.shape, center=(0.3 + 0.04 * j * rng.uniform(-1, 1), 0.62),
                    size=0.42, rotation=j * rng.uniform(-15, 15), tilt_x=j * rng.uniform(-0.3, 0.3),
                    tilt_y=j * rng.uniform(-0.2, 0.2))
    ean_at = corners(image.shape, ean.image.shape, center=(0.72, 0.2 + 0.03 * j * rng.uniform(-1, 1)), size=0.44,
                     rotation=j * rng.uniform(-10, 10), tilt_x=j * rng.uniform(-0.2, 0.2))
    image = paste(paste(image, qr, qr_at), ean, ean_at)
    return image, [qr.payload, ean.payload], [qr_at, ean_at]


def example_decode_codes(seed: int) -> Example:
    image, truth, _ = book_scene(seed, size=512)
    return Example({"image": image}, truth, "a bundled photo with the book's QR code (Bengali + English) and "
                   "its ISBN as EAN-13, pasted with a seeded perspective warp")
