"""The degradation simulator: seeded noise models, blur kernels and convolution.

Convolution here is true convolution (the kernel is flipped), with the boundary mode stated,
and every kernel is normalised to sum 1 with its centre at index (k // 2, k // 2).
"""
from __future__ import annotations

import numpy as np

from core.image import to_float

NOISE_MODELS = ("gaussian", "salt_pepper", "poisson", "speckle", "none")
BLUR_KERNELS = ("gaussian", "motion", "disk", "bokeh", "box", "custom", "none")
BOKEH_SHAPES = ("disk", "hexagon", "star", "heart")
BOUNDARIES = {"reflect": "symmetric", "wrap": "wrap", "zero": "constant", "edge": "edge"}


def add_noise(image: np.ndarray, *, model: str = "gaussian", level: float = 0.1, seed: int = 0,
              salt_vs_pepper: float = 0.5, clip: bool = True) -> np.ndarray:
    """Add noise of a given model. `level` means:

    - gaussian: standard deviation on the [0, 1] scale;
    - salt_pepper: fraction of pixels replaced;
    - poisson: photons at full white (lower is noisier; shot noise depends on the signal);
    - speckle: standard deviation of the multiplicative noise.
    """
    image = to_float(image)
    rng = np.random.default_rng(seed)
    if model == "none" or level <= 0 and model != "poisson":
        return image.copy()
    if model == "gaussian":
        noisy = image + rng.normal(0.0, level, image.shape)
    elif model == "speckle":
        noisy = image * (1.0 + rng.normal(0.0, level, image.shape))
    elif model == "salt_pepper":
        if not 0 <= level <= 1:
            raise ValueError("The salt-and-pepper amount must be between 0 and 1.")
        noisy = image.copy()
        hit = rng.random(image.shape[:2]) < level
        salt = rng.random(image.shape[:2]) < salt_vs_pepper
        noisy[hit & salt] = 1.0
        noisy[hit & ~salt] = 0.0
    elif model == "poisson":
        if level <= 0:
            raise ValueError("The photon count must be positive.")
        noisy = rng.poisson(image.astype(np.float64) * level) / level
    else:
        raise ValueError(f"Unknown noise model {model!r}; choose one of {', '.join(NOISE_MODELS)}.")
    if clip:
        noisy = np.clip(noisy, 0.0, 1.0)
    return noisy.astype(np.float32)


def _normalised(kernel: np.ndarray) -> np.ndarray:
    kernel = np.asarray(kernel, dtype=np.float64)
    if kernel.ndim != 2:
        raise ValueError("A blur kernel must be a 2-D array.")
    if np.any(kernel < 0):
        kernel = np.clip(kernel, 0, None)
    total = kernel.sum()
    if not np.isfinite(total) or total <= 0:
        raise ValueError("The blur kernel is empty (all zeros): draw or choose a kernel with some weight.")
    return (kernel / total).astype(np.float32)


def _odd(n: float) -> int:
    n = max(1, int(np.ceil(n)))
    return n if n % 2 else n + 1


def gaussian_kernel(sigma: float, size: int | None = None) -> np.ndarray:
    if sigma <= 0:
        raise ValueError("The Gaussian blur sigma must be positive.")
    size = _odd(size if size else 2 * np.ceil(3 * sigma) + 1)
    axis = np.arange(size) - size // 2
    g = np.exp(-(axis ** 2) / (2 * sigma ** 2))
    return _normalised(np.outer(g, g))


def box_kernel(size: int) -> np.ndarray:
    size = _odd(size)
    return _normalised(np.ones((size, size)))


def motion_kernel(length: float, angle: float = 0.0) -> np.ndarray:
    """A line of `length` pixels at `angle` degrees (0 = horizontal, counter-clockwise), anti-aliased."""
    if length < 1:
        raise ValueError("The motion length must be at least 1 pixel.")
    size = _odd(length + 2)
    kernel = np.zeros((size, size))
    centre = size // 2
    theta = np.deg2rad(angle)
    samples = max(int(length * 8), 2)
    for t in np.linspace(-(length - 1) / 2, (length - 1) / 2, samples):
        x, y = centre + t * np.cos(theta), centre - t * np.sin(theta)
        x0, y0 = int(np.floor(x)), int(np.floor(y))
        fx, fy = x - x0, y - y0
        for dx, dy, w in ((0, 0, (1 - fx) * (1 - fy)), (1, 0, fx * (1 - fy)),
                          (0, 1, (1 - fx) * fy), (1, 1, fx * fy)):
            if 0 <= y0 + dy < size and 0 <= x0 + dx < size:
                kernel[y0 + dy, x0 + dx] += w
    return _normalised(kernel)


def _supersampled(inside, radius: float, factor: int = 4) -> np.ndarray:
    size = _odd(2 * radius + 1)
    offsets = (np.arange(size * factor) + 0.5) / factor - size / 2
    yy, xx = np.meshgrid(offsets, offsets, indexing="ij")
    mask = inside(xx, -yy).astype(np.float64)
    return _normalised(mask.reshape(size, factor, size, factor).mean(axis=(1, 3)))


def disk_kernel(radius: float) -> np.ndarray:
    """Defocus blur: a uniform disk, anti-aliased by supersampling."""
    if radius <= 0:
        raise ValueError("The defocus radius must be positive.")
    return _supersampled(lambda x, y: x ** 2 + y ** 2 <= radius ** 2, radius)


def bokeh_kernel(shape: str, radius: float) -> np.ndarray:
    """An aperture-shaped kernel: disk, hexagon, star or heart, centred, of the given radius."""
    if radius <= 0:
        raise ValueError("The aperture radius must be positive.")
    if shape == "disk":
        return disk_kernel(radius)
    if shape == "hexagon":
        def inside(x, y):
            ax, ay = np.abs(x), np.abs(y)
            return (ay <= radius * np.sqrt(3) / 2) & (np.sqrt(3) * ax + ay <= np.sqrt(3) * radius)
    elif shape == "star":
        def inside(x, y):
            r, phi = np.hypot(x, y), np.arctan2(y, x)
            # five points: the boundary radius swings between 0.45 r and r
            edge = radius * (0.45 + 0.55 * np.abs(np.cos(2.5 * (phi - np.pi / 2))) ** 3)
            return r <= edge
    elif shape == "heart":
        def inside(x, y):
            u, v = x / radius * 1.2, y / radius * 1.2 + 0.25
            return (u ** 2 + v ** 2 - 1) ** 3 - u ** 2 * v ** 3 <= 0
    else:
        raise ValueError(f"Unknown aperture shape {shape!r}; choose one of {', '.join(BOKEH_SHAPES)}.")
    return _supersampled(inside, radius)


def custom_kernel(drawing: np.ndarray, size: int = 15) -> np.ndarray:
    """A kernel from a drawn mask (any size), cropped to its content and resized to `size`."""
    import cv2

    drawing = np.asarray(drawing, dtype=np.float32)
    if drawing.ndim == 3:
        drawing = drawing.max(axis=2)
    if not np.any(drawing > 0):
        raise ValueError("The drawn kernel is empty: draw a stroke first.")
    rows, cols = np.nonzero(drawing > 0)
    crop = drawing[rows.min():rows.max() + 1, cols.min():cols.max() + 1]
    side = max(crop.shape)
    square = np.zeros((side, side), np.float32)
    top, left = (side - crop.shape[0]) // 2, (side - crop.shape[1]) // 2
    square[top:top + crop.shape[0], left:left + crop.shape[1]] = crop
    size = _odd(size)
    return _normalised(cv2.resize(square, (size, size), interpolation=cv2.INTER_AREA))


def make_kernel(kind: str, *, size: float = 2.0, angle: float = 0.0, shape: str = "disk",
                drawing: np.ndarray | None = None) -> np.ndarray | None:
    """One entry point for the kernels the UI and the benchmark offer. `size` means the Gaussian
    sigma, the motion length, the disk/bokeh radius, the box width or the custom kernel width."""
    if kind == "none":
        return None
    if kind == "gaussian":
        return gaussian_kernel(size)
    if kind == "motion":
        return motion_kernel(size, angle)
    if kind == "disk":
        return disk_kernel(size)
    if kind == "bokeh":
        return bokeh_kernel(shape, size)
    if kind == "box":
        return box_kernel(int(size))
    if kind == "custom":
        if drawing is None:
            raise ValueError("Draw a kernel first.")
        return custom_kernel(drawing, int(size))
    raise ValueError(f"Unknown blur kernel {kind!r}; choose one of {', '.join(BLUR_KERNELS)}.")


def convolve(image: np.ndarray, kernel: np.ndarray, *, boundary: str = "reflect") -> np.ndarray:
    """True 2-D convolution of each channel with `kernel`, same size as the input.

    boundary: 'reflect' (mirror, the default), 'wrap' (periodic, what FFT methods assume),
    'zero' or 'edge'. The image is padded by the kernel radius, so there is no dark border.
    """
    if boundary not in BOUNDARIES:
        raise ValueError(f"Unknown boundary {boundary!r}; choose one of {', '.join(BOUNDARIES)}.")
    from scipy.signal import fftconvolve  # here: scipy.signal takes 0.5 s to import, and most runs never blur

    image = to_float(image)
    kernel = _normalised(kernel)
    kh, kw = kernel.shape
    pad = ((kh - 1 - kh // 2, kh // 2), (kw - 1 - kw // 2, kw // 2))  # kernel centre at k // 2
    channels = image[..., None] if image.ndim == 2 else image
    out = np.empty_like(channels)
    for c in range(channels.shape[2]):
        padded = np.pad(channels[..., c], pad, mode=BOUNDARIES[boundary])
        out[..., c] = fftconvolve(padded, kernel, mode="valid")
    out = np.clip(out, 0.0, 1.0)
    return out[..., 0] if image.ndim == 2 else out


def degrade(image: np.ndarray, *, kernel: np.ndarray | None = None, boundary: str = "reflect",
            noise: str = "none", level: float = 0.0, seed: int = 0, quantize: bool = False,
            salt_vs_pepper: float = 0.5) -> np.ndarray:
    """g = h * f + n: blur (if a kernel is given), then noise, then optional 8-bit quantisation."""
    out = convolve(image, kernel, boundary=boundary) if kernel is not None else to_float(image)
    out = add_noise(out, model=noise, level=level, seed=seed, salt_vs_pepper=salt_vs_pepper)
    if quantize:
        out = (np.round(out * 255.0) / 255.0).astype(np.float32)
    return out
