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


def _region(reference: np.ndarray, estimate: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, ...]:
    reference, estimate = _pair(reference, estimate)
    mask = np.asarray(mask, dtype=bool)
    if mask.shape != reference.shape[:2]:
        raise ValueError(f"The mask is {mask.shape[1]}×{mask.shape[0]} pixels but the images are "
                         f"{reference.shape[1]}×{reference.shape[0]}.")
    return reference, estimate, mask


def masked_psnr(reference: np.ndarray, estimate: np.ndarray, mask: np.ndarray) -> float:
    """PSNR over the pixels where `mask` is True only (e.g. the filled hole); NaN for an empty mask."""
    reference, estimate, mask = _region(reference, estimate, mask)
    if not mask.any():
        return math.nan
    error = float(np.mean((reference[mask].astype(np.float64) - estimate[mask]) ** 2))
    return math.inf if error == 0 else float(10.0 * np.log10(1.0 / error))


def masked_ssim(reference: np.ndarray, estimate: np.ndarray, mask: np.ndarray) -> float:
    """The mean of the SSIM map (same definition as `ssim`) over the pixels where `mask` is True."""
    reference, estimate, mask = _region(reference, estimate, mask)
    if not mask.any():
        return math.nan
    if min(reference.shape[:2]) < 11:
        raise ValueError("SSIM needs an image of at least 11×11 pixels.")
    _, ssim_map = structural_similarity(
        reference, estimate, data_range=1.0, gaussian_weights=True, sigma=1.5, use_sample_covariance=False,
        channel_axis=-1 if is_color(reference) else None, full=True)
    if ssim_map.ndim == 3:
        ssim_map = ssim_map.mean(axis=2)
    return float(ssim_map[mask].mean())


def masked_quality(reference: np.ndarray | None, estimate: np.ndarray, mask: np.ndarray) -> dict[str, float]:
    """PSNR and SSIM inside the mask, as `psnr_mask` and `ssim_mask`; empty without a reference."""
    if reference is None:
        return {}
    out = {"psnr_mask": masked_psnr(reference, estimate, mask)}
    try:
        out["ssim_mask"] = masked_ssim(reference, estimate, mask)
    except ValueError:
        out["ssim_mask"] = math.nan
    return out


def inpainting_quality(reference: np.ndarray | None, estimate: np.ndarray, mask: np.ndarray) -> dict[str, float]:
    """`quality` over the whole image plus `masked_quality` inside the mask (the filled hole)."""
    return {**quality(reference, estimate), **masked_quality(reference, estimate, mask)}
