"""What the denoising modules share: input checks, the noise-σ parameter and per-channel application."""
from __future__ import annotations

from typing import Callable

import numpy as np

from core.image import to_float
from core.metrics import noise_sigma
from core.registry import Param

SIGMA_FLOOR = 1e-3  # on the [0, 1] scale; keeps σ-scaled strengths finite on noise-free images


def sigma_param(help_extra: str = "") -> Param:
    """The noise level every σ-aware method offers, on the 0–255 scale people know."""
    text = ("Standard deviation of the Gaussian noise on the 0–255 scale. 0 estimates it from the image "
            "(median absolute deviation of the finest diagonal wavelet band / 0.6745).")
    return Param("sigma", "Noise σ (0–255, 0 = estimate)", 0.0, min=0.0, max=100.0, step=0.5,
                 help=f"{text} {help_extra}".strip())


def checked(image: np.ndarray) -> np.ndarray:
    """A float32 [0, 1] copy of a gray (H, W) or RGB (H, W, 3) image; the caller's array is never touched."""
    array = np.asarray(image)
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] != 3):
        raise ValueError(f"Expected a gray (H, W) or RGB (H, W, 3) image, got shape {array.shape}.")
    if min(array.shape[:2]) < 3:
        raise ValueError("The image is too small to denoise: it needs at least 3×3 pixels.")
    return to_float(array).copy()


def resolve_sigma(image: np.ndarray, sigma: float) -> float:
    """Noise σ on the [0, 1] scale: the given value (0–255 scale) or, for 0, an estimate from the image."""
    if sigma < 0:
        raise ValueError("The noise σ cannot be negative.")
    value = sigma / 255.0 if sigma > 0 else noise_sigma(image)
    return max(float(value), SIGMA_FLOOR)


def per_channel(function: Callable[[np.ndarray], np.ndarray], image: np.ndarray) -> np.ndarray:
    """Apply a 2-D function to a gray image or to each channel of a colour image."""
    if image.ndim == 2:
        return np.asarray(function(image), dtype=np.float32)
    return np.stack([np.asarray(function(image[..., c]), dtype=np.float32) for c in range(image.shape[2])],
                    axis=2)


def finished(result: np.ndarray) -> np.ndarray:
    """The method's output in the app's convention: float32, clipped to [0, 1]."""
    return np.clip(np.asarray(result, dtype=np.float32), 0.0, 1.0)


def channel_axis(image: np.ndarray) -> int | None:
    return -1 if image.ndim == 3 else None
