"""Image-quality metrics with one fixed definition across the app and the benchmark.

PSNR uses data_range=1 on float images (not the max of the estimate). SSIM follows Wang et al.:
Gaussian weights with sigma 1.5 and population (not sample) covariance.
"""
from __future__ import annotations

import math

import numpy as np
from skimage.metrics import structural_similarity
from skimage.restoration import estimate_sigma

from core.image import is_color, to_float


def _pair(reference: np.ndarray, estimate: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    reference, estimate = to_float(reference), np.asarray(estimate, dtype=np.float32)
    if reference.shape != estimate.shape:
        raise ValueError(f"Cannot compare images of shapes {reference.shape} and {estimate.shape}.")
    return reference, np.clip(estimate, 0.0, 1.0)


def mse(reference: np.ndarray, estimate: np.ndarray) -> float:
    reference, estimate = _pair(reference, estimate)
    return float(np.mean((reference.astype(np.float64) - estimate) ** 2))


def psnr(reference: np.ndarray, estimate: np.ndarray) -> float:
    """Peak signal-to-noise ratio in dB for data in [0, 1]; infinite when the images are equal."""
    error = mse(reference, estimate)
    return math.inf if error == 0 else float(10.0 * np.log10(1.0 / error))


def ssim(reference: np.ndarray, estimate: np.ndarray) -> float:
    """Structural similarity (Gaussian window, sigma 1.5), averaged over channels for colour."""
    reference, estimate = _pair(reference, estimate)
    if min(reference.shape[:2]) < 11:
        raise ValueError("SSIM needs an image of at least 11×11 pixels.")
    return float(
        structural_similarity(
            reference, estimate, data_range=1.0, gaussian_weights=True, sigma=1.5,
            use_sample_covariance=False, channel_axis=-1 if is_color(reference) else None,
        )
    )


def noise_sigma(image: np.ndarray) -> float:
    """Robust (wavelet MAD) estimate of the Gaussian noise standard deviation, on the [0, 1] scale."""
    image = to_float(image)
    return float(estimate_sigma(image, channel_axis=-1 if is_color(image) else None, average_sigmas=True))


def quality(reference: np.ndarray | None, estimate: np.ndarray) -> dict[str, float]:
    """All full-reference metrics at once; empty without a reference."""
    if reference is None:
        return {}
    out = {"psnr": psnr(reference, estimate), "mse": mse(reference, estimate)}
    try:
        out["ssim"] = ssim(reference, estimate)
    except ValueError:
        out["ssim"] = math.nan
    return out
