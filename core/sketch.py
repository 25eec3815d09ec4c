"""Pencil sketches from a scale-space residual: the image minus a smoothed version of itself (task SKETCH).

Where the image is darker than its smoothed version (the dark side of an edge, thin dark lines) the
residual is negative and a pencil line is drawn. A Gaussian (a difference of Gaussians) spreads every
edge, so each outline becomes a wide band; anisotropic diffusion keeps strong edges in the smoothed
image, so their lines stay thin while low-contrast detail is still drawn.
"""
from __future__ import annotations

import numpy as np

from core.diffusion import CONDUCTIONS, gaussian_blur, perona_malik
from core.image import to_float, to_gray
from core.registry import SKETCH, Param, method


def residual_sketch(image: np.ndarray, smoothed: np.ndarray, *, threshold: float = 0.01, soft: bool = True,
                    contrast: float = 12.0, invert: bool = False) -> np.ndarray:
    """Lines where image − smoothed < −threshold: white paper (1) with dark strokes (0).

    soft: stroke darkness grows with the residual (× contrast) instead of a hard binary line.
    Unlike the book, a residual of exactly zero counts as paper, not as a line.
    """
    if threshold < 0:
        raise ValueError("The line threshold cannot be negative.")
    if contrast <= 0:
        raise ValueError("The stroke contrast must be positive.")
    darkness = (to_float(smoothed) - to_float(image)) - threshold  # > 0: draw a line
    if soft:
        sketch = 1.0 - np.clip(darkness * contrast, 0.0, 1.0)
    else:
        sketch = np.where(darkness > 0, 0.0, 1.0)
    if invert:
        sketch = 1.0 - sketch
    return sketch.astype(np.float32)


def _as_input_layout(sketch: np.ndarray, image: np.ndarray) -> np.ndarray:
    """A gray sketch, repeated into three channels when the input is colour (keeps the task's shape)."""
    return np.repeat(sketch[..., None], 3, axis=2).copy() if image.ndim == 3 else sketch


_COMMON = [
    Param("presmooth", "Pre-smoothing σ (px)", 0.5, min=0.0, max=3.0, step=0.1,
          help="A light Gaussian first, as in the book (σ = 0.5), to keep pixel noise out of the lines."),
    Param("threshold", "Line threshold", 0.01, min=0.0, max=0.1, step=0.002,
          help="A pixel becomes a line where image − smoothed < −threshold (on the [0, 1] scale)."),
    Param("soft", "Soft strokes", True, help="Grey strokes whose darkness follows the residual, "
          "instead of the book's pure black-and-white lines."),
    Param("contrast", "Stroke contrast", 12.0, min=1.0, max=50.0, step=1.0,
          help="How fast a soft stroke goes from paper to black as the residual grows."),
    Param("invert", "Invert (chalk on a board)", False, help="White lines on black."),
]


@method(task=SKETCH, key="sk_diffusion", label="Sketch from anisotropic diffusion", book="2.4.1",
        params=[Param("iterations", "Diffusion iterations", 40, min=5, max=200, step=5,
                      help="More iterations smooth more, so more of the image turns into lines."),
                Param("kappa", "Edge threshold κ", 0.1, min=0.01, max=0.5, step=0.01, log=True,
                      help="On the [0, 1] scale. The book's κ = 50 makes the conduction ≈ 1 everywhere, "
                           "i.e. plain heat flow; small κ keeps strong edges out of the smoothing."),
                Param("gamma", "Time step γ", 0.2, min=0.05, max=0.25, step=0.01,
                      help="0.25 is the stability limit."),
                Param("conduction", "Conduction function", "exponential", choices=CONDUCTIONS),
                *_COMMON],
        summary="Lines where the image is darker than its Perona–Malik-diffused version.",
        explanation=(
            "The gray image is diffused with Perona–Malik. The difference between the image and its diffused "
            "version is a band-pass residual, like a difference of Gaussians, but with edges protected by the "
            "conduction function. Pixels where the image falls below its smoothed version (the dark side of "
            "every outline) become pencil strokes on white paper."),
        latex=r"S = \mathbb{1}\big[\,I - \mathrm{PM}_t(I) \ge -\tau\,\big]")
def sk_diffusion(image, *, iterations=40, kappa=0.1, gamma=0.2, conduction="exponential", presmooth=0.5,
                 threshold=0.01, soft=True, contrast=12.0, invert=False, progress=None):
    gray = gaussian_blur(to_gray(to_float(image)), sigma=presmooth)
    smoothed = perona_malik(gray, iterations=iterations, kappa=kappa, gamma=gamma, conduction=conduction,
                            progress=progress)
    sketch = residual_sketch(gray, smoothed, threshold=threshold, soft=soft, contrast=contrast, invert=invert)
    return _as_input_layout(sketch, np.asarray(image))


@method(task=SKETCH, key="sk_gaussian", label="Sketch from a Gaussian (DoG)", book="2.4.1",
        params=[Param("sigma", "Smoothing σ (px)", 2.0, min=0.5, max=8.0, step=0.1,
                      help="σ = √(2·iterations·γ) matches the diffusion time of the other method."),
                *_COMMON],
        summary="The same recipe with a Gaussian blur: a difference of Gaussians, for comparison.",
        explanation=(
            "Replacing the diffusion with a Gaussian blur gives a difference-of-Gaussians sketch. The blur "
            "spreads every edge over a width of about σ, so strong outlines turn into wide dark bands."),
        latex=r"S = \mathbb{1}\big[\,I - G_\sigma * I \ge -\tau\,\big]")
def sk_gaussian(image, *, sigma=2.0, presmooth=0.5, threshold=0.01, soft=True, contrast=12.0, invert=False):
    gray = gaussian_blur(to_gray(to_float(image)), sigma=presmooth)
    sketch = residual_sketch(gray, gaussian_blur(gray, sigma=sigma), threshold=threshold, soft=soft,
                             contrast=contrast, invert=invert)
    return _as_input_layout(sketch, np.asarray(image))
