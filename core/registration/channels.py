"""Colour-channel alignment (book §5.4, Prokudin-Gorskii): shift two planes of an RGB image onto the third."""
from __future__ import annotations

import numpy as np

from core.registry import ALIGN_CHANNELS, Output, Param, method

CHANNELS = ("R", "G", "B")


def _check(image: np.ndarray) -> None:
    if image.ndim != 3 or image.shape[2] != 3:
        raise ValueError("Channel alignment needs a colour (RGB) image; switch off Grayscale.")
    if min(image.shape[:2]) < 16:
        raise ValueError("The image needs at least 16 pixels on each side.")


def _signal(plane: np.ndarray, edges: bool) -> np.ndarray:
    """Raw intensity, or gradient magnitude (planes of different colours share edges, not brightness)."""
    if not edges:
        return plane.astype(np.float64)
    from skimage.filters import sobel

    return sobel(plane).astype(np.float64)


def _shift(plane: np.ndarray, dx: float, dy: float) -> np.ndarray:
    """Move a plane's content by (−dx, −dy): undoes a measured displacement (dx, dy)."""
    import cv2

    height, width = plane.shape
    matrix = np.float64([[1, 0, -dx], [0, 1, -dy]])
    return cv2.warpAffine(np.ascontiguousarray(plane, np.float32), matrix, (width, height), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_REFLECT101)


def _align(image: np.ndarray, reference: str, estimate) -> Output:
    _check(image)
    ref = CHANNELS.index(reference)
    out = np.array(image, np.float32, copy=True)
    shifts = {}
    for index, name in enumerate(CHANNELS):
        if index == ref:
            shifts[name] = (0.0, 0.0)
            continue
        dx, dy = estimate(image[..., ref], image[..., index])
        shifts[name] = (float(dx), float(dy))
        out[..., index] = _shift(image[..., index], dx, dy)
    return Output(np.clip(out, 0, 1), {"shifts": shifts, "reference": reference})


REFERENCE = Param("reference", "Reference channel", "R", choices=CHANNELS, help="Book: red.")
EDGES = Param("edges", "Register gradients, not intensities", True,
              help="Colour planes differ in brightness but share edges; the book registers raw intensities.")


@method(task=ALIGN_CHANNELS, key="phase", label="Phase correlation", book="5.4",
        summary="The peak of the normalised cross-power spectrum gives the shift, refined to 1/20 px.",
        explanation="A shift multiplies the Fourier transform by a linear phase. Normalising the cross-power "
        "spectrum of the two planes keeps only that phase, and its inverse transform is a sharp peak at the "
        "shift. scikit-image refines the peak by upsampling the spectrum around it.",
        latex=r"\mathcal{F}^{-1}\!\left[\frac{F_1 \overline{F_2}}{|F_1 \overline{F_2}|}\right] = \delta(x - d)",
        params=[REFERENCE, EDGES, Param("upsample", "Sub-pixel factor", 20, min=1, max=100)])
def phase(image, *, reference="R", edges=True, upsample=20):
    from skimage.registration import phase_cross_correlation

    def estimate(ref, moving):
        shift, _, _ = phase_cross_correlation(_signal(ref, edges), _signal(moving, edges),
                                              upsample_factor=int(upsample), normalization="phase")
        return -shift[1], -shift[0]  # skimage returns the shift that registers the plane: its negative is (dx, dy)

    return _align(image, reference, estimate)


@method(task=ALIGN_CHANNELS, key="stackreg", label="StackReg (pystackreg)", book="5.4",
        summary="TurboReg's intensity-based least squares on a pyramid, translation only (the book's choice).",
        explanation="StackReg minimises the squared difference between the reference plane and the transformed "
        "plane over the transform's parameters, coarse to fine on a spline pyramid. The book uses its "
        "translation model; the rigid model adds a rotation.",
        latex=r"\hat\theta = \arg\min_\theta \sum_x \big(R(x) - M(T_\theta(x))\big)^2",
        params=[REFERENCE, EDGES, Param("model", "Model", "translation", choices=("translation", "rigid"))])
def stackreg(image, *, reference="R", edges=True, model="translation"):
    from pystackreg import StackReg

    kind = StackReg.TRANSLATION if model == "translation" else StackReg.RIGID_BODY

    def estimate(ref, moving):
        matrix = StackReg(kind).register(_signal(ref, edges), _signal(moving, edges))
        return matrix[0, 2], matrix[1, 2]

    return _align(image, reference, estimate)
