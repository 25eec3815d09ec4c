"""Scores and examples of the restoration tasks: denoise, deblur, inpaint, diffuse, sketch, background.

The truth is the clean image; PSNR and SSIM follow `core.metrics` (data range 1, Wang et al.'s SSIM).
Examples are 64×64 crops of the astronaut, gray for even seeds and colour for odd ones.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from core.metrics import masked_quality, quality
from core.tasks.protocol import Example, Lazy, Output

EXAMPLE_NOISE = 20.0  # σ on the 0–255 scale


def clean_crop(seed: int, *, side: int = 64) -> np.ndarray:
    """A textured crop of the astronaut (her badge and suit), gray for even seeds, RGB for odd ones."""
    from core.gallery import load_sample

    image = load_sample("astronaut")[100:100 + side, 180:180 + side]
    return image if seed % 2 else image.mean(axis=2).astype(np.float32)


def score_denoise(truth: np.ndarray | None, output: Output, inputs: dict[str, Any]) -> dict[str, float]:
    return quality(truth, output.image)


score_deblur = score_diffuse = score_denoise


def score_inpaint(truth: np.ndarray | None, output: Output, inputs: dict[str, Any]) -> dict[str, float]:
    """Over the whole image, and inside the mask alone (the whole-image figures count untouched pixels)."""
    if truth is None:
        return {}
    return {**quality(truth, output.image), **masked_quality(truth, output.image, inputs["mask"])}


def score_sketch(truth: None, output: Output, inputs: dict[str, Any]) -> dict[str, float]:
    """The share of pixels drawn darker than mid-gray: how much ink the sketch uses."""
    gray = output.image if output.image.ndim == 2 else output.image.mean(axis=2)
    return {"ink": float(np.mean(gray < 0.5))}


def score_background(truth: None, output: Output, inputs: dict[str, Any]) -> dict[str, float]:
    """Mean absolute change behind the object (the effect's strength) and on the object (should be ~0:
    only the feathered edge may change)."""
    change = np.abs(output.image - np.asarray(inputs["image"], np.float32))
    change = change.mean(axis=2) if change.ndim == 3 else change
    mask = np.asarray(inputs["mask"], bool)
    return {"background_change": float(change[~mask].mean()) if (~mask).any() else float("nan"),
            "foreground_change": float(change[mask].mean()) if mask.any() else float("nan")}


def _tiny_keras_model() -> bytes:
    """A small fully convolutional Keras model (untrained, seeded): input for the "your model" method."""
    from core.learned.denoisers import tiny_model_bytes

    return tiny_model_bytes(seed=0)


def example_denoise(seed: int) -> Example:
    from core.degrade import add_noise

    clean = clean_crop(seed)
    noisy = add_noise(clean, level=EXAMPLE_NOISE / 255, seed=seed)
    return Example({"image": noisy, "known_sigma": EXAMPLE_NOISE, "model": Lazy(_tiny_keras_model)}, clean,
                   f"astronaut crop with Gaussian noise σ = {EXAMPLE_NOISE:g}")


def example_deblur(seed: int) -> Example:
    from core.degrade import degrade, gaussian_kernel

    clean, psf = clean_crop(seed), gaussian_kernel(1.5)
    blurred = degrade(clean, kernel=psf, noise="gaussian", level=0.01, seed=seed)
    return Example({"image": blurred, "psf": psf, "known_sigma": 0.01 * 255}, clean,
                   "astronaut crop, Gaussian blur σ = 1.5 px, noise σ = 2.55")


def example_inpaint(seed: int) -> Example:
    from core.masks import apply_mask, random_strokes

    clean = clean_crop(seed)
    mask = random_strokes(clean.shape, ratio=0.1, seed=seed)
    return Example({"image": apply_mask(clean, mask), "mask": mask}, clean, "astronaut crop, 10% random strokes")


def example_diffuse(seed: int) -> Example:
    from core.degrade import add_noise

    clean = clean_crop(seed)
    return Example({"image": add_noise(clean, level=EXAMPLE_NOISE / 255, seed=seed)}, clean,
                   f"astronaut crop with Gaussian noise σ = {EXAMPLE_NOISE:g}")


def example_sketch(seed: int) -> Example:
    return Example({"image": clean_crop(seed)}, None, "astronaut crop (no truth: a sketch is a drawing)")


def example_background(seed: int) -> Example:
    image = clean_crop(1)
    yy, xx = np.mgrid[0:64, 0:64]
    mask = (xx - 28 - seed % 8) ** 2 + (yy - 32) ** 2 < 18 ** 2
    return Example({"image": image, "mask": mask}, None, "colour astronaut crop, a disc as the foreground")
