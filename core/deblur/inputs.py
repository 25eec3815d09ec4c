"""Checking and preparing what every deblurring method receives: an image and a PSF.

Also home of the boundary handling shared by the FFT-based methods. A discrete Fourier
transform treats the image as periodic, so the jump between its left and right (or top and
bottom) edges acts like a strong edge that the deconvolution then "sharpens" into ringing.
`extend` appends a band to the bottom and to the right of the image that is a mirror copy of
the image near both edges (so, within the PSF radius, it matches a blur made with reflecting
boundaries) and blends smoothly between the two mirror copies in the middle of the band. The
extended image is periodic without jumps; after deconvolution the band is cropped off.
"""
from __future__ import annotations

import numpy as np
import scipy.fft as sfft

from core.image import to_float

BOUNDARIES = ("reflect", "wrap")
BOUNDARY_HELP = (
    "reflect: extend the image by mirroring it near its edges, blended into a periodic band that "
    "is cropped off afterwards (no ringing at the borders); wrap: treat the image as periodic, as "
    "a plain FFT does (exact only for an image blurred with wrap-around boundaries)."
)
_BLEND = 32  # width of the smooth blend between the two mirror copies, in pixels
_ZERO_PSF = "The PSF is all zeros or not a finite array: choose or draw a blur kernel with some weight."


def check_pair(image: np.ndarray, psf: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Validate (image, psf); return float64 copies: the image in [0, 1], the PSF non-negative, sum 1."""
    array = np.asarray(image)
    if not (array.ndim == 2 or (array.ndim == 3 and array.shape[2] == 3)):
        raise ValueError(f"Expected a gray (H, W) or RGB (H, W, 3) image, got shape {array.shape}.")
    image = to_float(array).astype(np.float64)
    kernel = np.asarray(psf)
    if kernel.ndim != 2 or kernel.size == 0:
        raise ValueError(f"The PSF must be a non-empty 2-D array, got shape {kernel.shape}.")
    if not np.issubdtype(kernel.dtype, np.number) or np.iscomplexobj(kernel):
        raise ValueError("The PSF must be an array of real numbers.")
    kernel = kernel.astype(np.float64)
    if not np.all(np.isfinite(kernel)):
        raise ValueError(_ZERO_PSF)
    kernel = np.clip(kernel, 0.0, None)
    total = kernel.sum()
    if total <= 0:
        raise ValueError(_ZERO_PSF)
    height, width = image.shape[:2]
    if kernel.shape[0] > height or kernel.shape[1] > width:
        raise ValueError(
            f"The PSF ({kernel.shape[0]}×{kernel.shape[1]}) is larger than the image ({height}×{width}): "
            "use a smaller blur kernel or a bigger image."
        )
    return image, kernel / total


def planes(image: np.ndarray) -> list[np.ndarray]:
    """The 2-D planes to process: the image itself, or its three colour channels."""
    return [image] if image.ndim == 2 else [image[..., c] for c in range(image.shape[2])]


def assemble(results: list[np.ndarray]) -> np.ndarray:
    """Stack per-plane results back into an image: float32, clipped to [0, 1]."""
    out = results[0] if len(results) == 1 else np.stack(results, axis=-1)
    return np.clip(out, 0.0, 1.0).astype(np.float32)


def check_boundary(boundary: str) -> None:
    if boundary not in BOUNDARIES:
        raise ValueError(f"Unknown boundary {boundary!r}; choose one of {', '.join(BOUNDARIES)}.")


def _band(n: int, k: int) -> tuple[int, int]:
    """(band length, reach) for an image side n and kernel side k: the band holds an exact mirror
    copy for `reach` pixels at each end and a blend in between; its length makes the FFT fast."""
    reach = k // 2 + 1
    total = sfft.next_fast_len(n + 2 * reach + _BLEND, real=True)
    return total - n, reach


def extend(plane: np.ndarray, psf_shape: tuple[int, int], boundary: str) -> np.ndarray:
    """Make a 2-D plane periodic without jumps (see the module docstring); 'wrap' returns it as is.

    The original occupies [:H, :W] of the result.
    """
    check_boundary(boundary)
    if boundary == "wrap":
        return plane
    out = plane
    for axis in (0, 1):
        n = out.shape[axis]
        length, reach = _band(n, psf_shape[axis])
        index = np.arange(n)
        after_end = np.pad(index, (0, length), mode="symmetric")[n:]  # mirror of the last rows
        before_start = np.pad(index, (length, 0), mode="symmetric")[:length]  # mirror of the first rows
        j = np.arange(length)
        t = np.clip((j - reach + 0.5) / max(length - 2 * reach, 1), 0.0, 1.0)
        weight = 0.5 * (1.0 + np.cos(np.pi * t))  # 1 next to the end, 0 next to the (wrapped) start
        shape = [1, 1]
        shape[axis] = length
        weight = weight.reshape(shape)
        band = weight * np.take(out, after_end, axis=axis) + (1.0 - weight) * np.take(out, before_start, axis=axis)
        out = np.concatenate([out, band], axis=axis)
    return out
