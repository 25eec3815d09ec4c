"""Sidebar controls for the degradation simulator (noise, blur) with a reproducible recipe."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st

from core.degrade import BOKEH_SHAPES, add_noise, convolve, make_kernel
from core.caching import bounded

NOISE_LABELS = {"gaussian": "Gaussian", "salt_pepper": "Salt & pepper", "poisson": "Poisson (shot)",
                "speckle": "Speckle", "none": "None"}
BLUR_LABELS = {"gaussian": "Gaussian", "motion": "Motion", "disk": "Defocus disk", "bokeh": "Bokeh aperture",
               "box": "Box", "custom": "Custom (draw it)"}


@dataclass
class Degraded:
    image: np.ndarray
    description: str
    code: str  # Python that rebuilds the degraded image from `image`, imports included
    kernel: np.ndarray | None = None
    sigma: float | None = None  # the Gaussian noise σ (0–255) when it is known, for σ-aware references


@bounded(max_mb=32)
def _noisy(image_digest: str, model: str, level: float, seed: int, _image: np.ndarray) -> np.ndarray:
    return add_noise(_image, model=model, level=level, seed=seed)


@bounded(max_mb=32)
def _blurred(image_digest: str, kernel_digest: str, boundary: str, _image, _kernel) -> np.ndarray:
    return convolve(_image, _kernel, boundary=boundary)


def _noise_level(model: str, key: str) -> tuple[float, str, str]:
    """A slider per model; returns (level in core units, label for humans, code literal)."""
    sb = st.sidebar
    if model == "gaussian":
        sigma = sb.slider("Noise σ (0–255 scale)", 0.0, 100.0, 25.0, 1.0, key=f"{key}.sigma", bind="query-params")
        return sigma / 255.0, f"Gaussian noise σ={sigma:g}", f"{sigma:g} / 255"
    if model == "salt_pepper":
        amount = sb.slider("Fraction of pixels hit", 0.0, 0.5, 0.05, 0.01, key=f"{key}.amount", bind="query-params")
        return amount, f"salt & pepper {amount:.0%}", f"{amount:g}"
    if model == "poisson":
        peak = sb.select_slider("Photons at full white", [1, 2, 5, 10, 20, 30, 50, 100, 200, 500, 1000], 30,
                                key=f"{key}.peak", bind="query-params", help="Fewer photons, more shot noise.")
        return float(peak), f"Poisson noise, {peak} photons at white", f"{peak}"
    if model == "speckle":
        sigma = sb.slider("Speckle σ", 0.0, 1.0, 0.2, 0.01, key=f"{key}.speckle", bind="query-params")
        return sigma, f"speckle σ={sigma:g}", f"{sigma:g}"
    return 0.0, "no noise", "0"


def noise_controls(image: np.ndarray, *, key: str = "noise", default_model: str = "gaussian",
                   models=("gaussian", "salt_pepper", "poisson", "speckle")) -> Degraded:
    from core.image import digest

    sb = st.sidebar
    sb.header("Degradation")
    model = sb.selectbox("Noise model", list(models), index=list(models).index(default_model),
                         format_func=NOISE_LABELS.get, key=f"{key}.model", bind="query-params")
    level, label, literal = _noise_level(model, key)
    seed = int(sb.number_input("Seed", 0, 10_000, 0, key=f"{key}.seed", bind="query-params"))
    noisy = _noisy(digest(image), model, level, seed, image)
    code = f"from core.degrade import add_noise\ndegraded = add_noise(image, model={model!r}, level={literal}, seed={seed})"
    return Degraded(noisy, f"{label}, seed {seed}", code, sigma=level * 255.0 if model == "gaussian" else None)


def blur_controls(image: np.ndarray, *, key: str = "blur") -> Degraded:
    """Kernel choice (including one drawn on a canvas), light noise, boundary mode."""
    from core.image import digest

    sb = st.sidebar
    sb.header("Degradation")
    kind = sb.selectbox("Blur kernel", list(BLUR_LABELS), format_func=BLUR_LABELS.get, key=f"{key}.kind",
                        bind="query-params")
    angle, shape, drawing = 0.0, "disk", None
    if kind == "gaussian":
        size = sb.slider("Blur σ (px)", 0.5, 6.0, 2.0, 0.1, key=f"{key}.sigma", bind="query-params")
        kernel_args, label = f"size={size:g}", f"Gaussian blur σ={size:g}px"
    elif kind == "motion":
        size = sb.slider("Motion length (px)", 2, 41, 15, key=f"{key}.length", bind="query-params")
        angle = sb.slider("Angle (°)", 0, 180, 0, key=f"{key}.angle", bind="query-params")
        kernel_args, label = f"size={size}, angle={angle}", f"motion {size}px at {angle}°"
    elif kind in ("disk", "bokeh"):
        size = sb.slider("Radius (px)", 1.0, 15.0, 4.0, 0.5, key=f"{key}.radius", bind="query-params")
        if kind == "bokeh":
            shape = sb.selectbox("Aperture", BOKEH_SHAPES, key=f"{key}.shape", bind="query-params")
        kernel_args = f"size={size:g}" + (f", shape={shape!r}" if kind == "bokeh" else "")
        label = f"{shape if kind == 'bokeh' else 'defocus disk'} radius {size:g}px"
    elif kind == "box":
        size = sb.slider("Box width (px)", 3, 21, 5, 2, key=f"{key}.box", bind="query-params")
        kernel_args, label = f"size={size}", f"{size}×{size} box blur"
    else:
        from ui.canvas import draw_kernel

        size = sb.slider("Kernel size (px)", 5, 31, 15, 2, key=f"{key}.custom_size", bind="query-params")
        drawing = draw_kernel(key=f"{key}.canvas")
        kernel_args, label = f"size={size}, drawing=drawing", f"drawn kernel {size}×{size}"
    try:
        kernel = make_kernel(kind, size=size, angle=angle, shape=shape, drawing=drawing)
    except ValueError as exc:
        sb.warning(f"{exc} Using a Gaussian σ=2 kernel meanwhile.")
        kind, kernel_args, label = "gaussian", "size=2", "Gaussian blur σ=2px (fallback)"
        kernel = make_kernel("gaussian", size=2.0)
    boundary = sb.selectbox("Boundary", ["reflect", "wrap", "zero", "edge"], key=f"{key}.boundary",
                            bind="query-params", help="How the blur sees beyond the image edge. "
                            "'wrap' matches what FFT methods assume; 'reflect' is the realistic case.")
    sigma = sb.slider("Added noise σ (0–255)", 0.0, 25.0, 2.5, 0.5, key=f"{key}.noise", bind="query-params")
    seed = int(sb.number_input("Seed", 0, 10_000, 0, key=f"{key}.seed", bind="query-params"))
    blurred = _blurred(digest(image), digest(kernel), boundary, image, kernel)
    degraded = _noisy(digest(blurred), "gaussian", sigma / 255.0, seed, blurred)
    code = ("from core.degrade import degrade, make_kernel\n"
            f"psf = make_kernel({kind!r}, {kernel_args})\n"
            f"degraded = degrade(image, kernel=psf, boundary={boundary!r}, noise='gaussian', "
            f"level={sigma:g} / 255, seed={seed})")
    return Degraded(degraded, f"{label}, {boundary} boundary, noise σ={sigma:g}", code, kernel, sigma=sigma)
