"""Perona–Malik anisotropic diffusion: our numpy version (with a choice of conduction function),
OpenCV's ximgproc version, and the Gaussian blur they are compared with (task DIFFUSE).

`perona_malik` is also used by the denoising page (core.denoise.variational) and the sketch.
`diffusion_curves` scores every iteration of one run, for PSNR/SSIM-against-iterations plots.
"""
from __future__ import annotations

import math
from typing import Callable

import numpy as np

from core.image import to_float
from core.registry import DIFFUSE, Param, method

CONDUCTIONS = ("exponential", "quadratic")


def conductance(gradient: np.ndarray, kappa: float, conduction: str) -> np.ndarray:
    """Edge-stopping function g(|∇I|): near 1 on flat areas, near 0 across strong edges."""
    ratio = (gradient / kappa) ** 2
    if conduction == "exponential":
        return np.exp(-ratio)
    if conduction == "quadratic":
        return 1.0 / (1.0 + ratio)
    raise ValueError(f"Unknown conduction function {conduction!r}; choose one of {', '.join(CONDUCTIONS)}.")


def perona_malik(image: np.ndarray, *, iterations: int = 20, kappa: float = 0.1, gamma: float = 0.2,
                 conduction: str = "exponential",
                 progress: Callable[[float, str], None] | None = None,
                 observe: Callable[[int, np.ndarray], None] | None = None) -> np.ndarray:
    """Perona–Malik diffusion with 4 neighbours and no flux across the image border.

    kappa is on the [0, 1] intensity scale: differences well below it are smoothed, well above it
    kept. gamma is the time step; with 4 neighbours the explicit scheme is stable for gamma <= 0.25.
    Colour images diffuse each channel on its own. Returns float32 in [0, 1].
    `observe(iteration, current)` is called after every iteration (with a read-only view), so one run
    can record the whole trajectory.
    """
    if iterations < 0:
        raise ValueError("The number of diffusion iterations cannot be negative.")
    if kappa <= 0:
        raise ValueError("The edge threshold kappa must be positive.")
    if not 0 < gamma <= 0.25:
        raise ValueError("The time step gamma must be in (0, 0.25]; larger steps make the diffusion unstable.")
    if conduction not in CONDUCTIONS:
        raise ValueError(f"Unknown conduction function {conduction!r}; choose one of {', '.join(CONDUCTIONS)}.")
    u = to_float(image).copy()
    update = np.empty_like(u)
    for step in range(iterations):
        diff_rows = np.diff(u, axis=0)  # u[i + 1, j] - u[i, j]
        diff_cols = np.diff(u, axis=1)
        flux_rows = conductance(np.abs(diff_rows), kappa, conduction) * diff_rows
        flux_cols = conductance(np.abs(diff_cols), kappa, conduction) * diff_cols
        update.fill(0.0)
        update[:-1] += flux_rows
        update[1:] -= flux_rows
        update[:, :-1] += flux_cols
        update[:, 1:] -= flux_cols
        u += gamma * update
        if observe is not None:
            view = u.view()
            view.flags.writeable = False
            observe(step + 1, view)
        if progress is not None and (step + 1) % 10 == 0:
            progress((step + 1) / iterations, f"iteration {step + 1} of {iterations}")
    if progress is not None:
        progress(1.0, "done")
    return np.clip(u, 0.0, 1.0).astype(np.float32)


def matched_sigma(iterations: int, gamma: float) -> float:
    """Gaussian σ (px) equal to `iterations` steps of γ of linear heat flow: σ = √(2·iterations·γ)."""
    return math.sqrt(2.0 * iterations * gamma)


def gaussian_blur(image: np.ndarray, *, sigma: float = 2.0) -> np.ndarray:
    """Gaussian blur of each channel, reflecting at the border; sigma 0 returns the image."""
    from scipy.ndimage import gaussian_filter

    if sigma < 0:
        raise ValueError("The blur σ cannot be negative.")
    image = to_float(image)
    if sigma == 0:
        return image.copy()
    sigmas = (sigma, sigma, 0) if image.ndim == 3 else sigma
    return np.clip(gaussian_filter(image, sigmas, mode="reflect"), 0, 1).astype(np.float32)


def opencv_diffusion(image: np.ndarray, *, iterations: int = 10, alpha: float = 0.1, k: float = 0.12) -> np.ndarray:
    """cv2.ximgproc.anisotropicDiffusion, which takes 8-bit 3-channel images only.

    Gray images are replicated into three channels and averaged back. OpenCV's conduction is
    exp(-(Σ_c|ΔI_c| / (3·255·K))²), so K is on the [0, 1] intensity scale.
    The result is quantised to 8 bits, as OpenCV returns it.
    """
    import cv2

    if iterations < 0:
        raise ValueError("The number of diffusion iterations cannot be negative.")
    if not 0 < alpha <= 1:
        raise ValueError("OpenCV's time step α must be in (0, 1]; above about 0.15 it becomes unstable.")
    if k <= 0:
        raise ValueError("OpenCV's edge sensitivity K must be positive.")
    image = to_float(image)
    if iterations == 0:
        return image.copy()
    # With more than one iteration OpenCV reads a border of its working buffer that it never wrote, so the outer
    # rows came out different from run to run (up to 25 levels, reaching `iterations` pixels in). A reflected
    # margin that wide absorbs that and is cut off again: same input, same output, and a defined boundary.
    margin = int(iterations) if iterations > 1 else 0
    bgr = cv2.copyMakeBorder(_to_bgr8(image), margin, margin, margin, margin, cv2.BORDER_REFLECT)
    out = cv2.ximgproc.anisotropicDiffusion(bgr, float(alpha), float(k), int(iterations))
    return _from_bgr8(out[margin:out.shape[0] - margin, margin:out.shape[1] - margin], gray=image.ndim == 2)


def _to_bgr8(image: np.ndarray) -> np.ndarray:
    rgb = np.repeat(image[..., None], 3, axis=2) if image.ndim == 2 else image
    return np.ascontiguousarray((np.clip(rgb, 0, 1) * 255.0 + 0.5).astype(np.uint8)[..., ::-1])


def _from_bgr8(bgr: np.ndarray, *, gray: bool) -> np.ndarray:
    if gray and np.array_equal(bgr[..., 0], bgr[..., 1]) and np.array_equal(bgr[..., 0], bgr[..., 2]):
        return bgr[..., 0].astype(np.float32) / np.float32(255.0)  # a gray input stays gray: its three copies agree
    out = bgr[..., ::-1].astype(np.float32) / 255.0
    return (out.mean(axis=2) if gray else out).astype(np.float32)


_PM_EXPLANATION = (
    "The image evolves under a diffusion equation whose conductivity is recomputed at every step from the "
    "local gradient: small differences (noise, flat regions) diffuse freely, large ones (edges) barely do. "
    "With a constant conductivity the same equation is heat flow, which is exactly a Gaussian blur of "
    "σ = √(2t) after time t, so the Gaussian blur is the isotropic baseline.")
_PM_LATEX = (r"\frac{\partial I}{\partial t} = \operatorname{div}\!\big(g(|\nabla I|)\,\nabla I\big),\quad "
             r"g_1(s) = e^{-(s/\kappa)^2},\quad g_2(s) = \frac{1}{1 + (s/\kappa)^2}")


@method(task=DIFFUSE, key="df_gaussian", label="Gaussian blur (isotropic)", book="2.4",
        params=[Param("sigma", "Blur σ (px)", 2.0, min=0.3, max=8.0, step=0.1,
                      help="The book's 11×11 OpenCV kernel has σ ≈ 2. Heat flow for a time t equals σ = √(2t).")],
        summary="The isotropic baseline: heat diffusion blurs noise and edges alike.",
        explanation=("A Gaussian blur is the solution of the linear heat equation: every pixel exchanges "
                     "intensity with its neighbours at the same rate, whatever lies between them, so noise "
                     "goes away together with the sharpness of edges."),
        latex=r"\frac{\partial I}{\partial t} = \Delta I \;\Rightarrow\; I(t) = G_{\sqrt{2t}} * I(0)")
def df_gaussian(image, *, sigma=2.0):
    return gaussian_blur(image, sigma=sigma)


@method(task=DIFFUSE, key="df_numpy", label="Perona–Malik (numpy)", book="2.4",
        params=[Param("iterations", "Iterations", 15, min=1, max=200, step=1,
                      help="Explicit steps; the total diffusion time is iterations × γ."),
                Param("kappa", "Edge threshold κ", 0.12, min=0.01, max=0.5, step=0.01, log=True,
                      help="On the [0, 1] scale: differences well below κ are smoothed, well above it kept. "
                           "About 1.5 × the noise σ works. (The book's κ = 50 on [0, 1] data makes g ≈ 1: "
                           "plain heat flow.)"),
                Param("gamma", "Time step γ", 0.2, min=0.01, max=0.25, step=0.01,
                      help="0.25 is the stability limit with 4 neighbours."),
                Param("conduction", "Conduction function", "exponential", choices=CONDUCTIONS,
                      help="exponential g₁ favours high-contrast edges; quadratic g₂ favours wide regions.")],
        summary="Our own 4-neighbour explicit scheme, with either of Perona and Malik's conduction functions.",
        explanation=_PM_EXPLANATION, latex=_PM_LATEX)
def df_numpy(image, *, iterations=15, kappa=0.12, gamma=0.2, conduction="exponential", progress=None):
    return perona_malik(image, iterations=iterations, kappa=kappa, gamma=gamma, conduction=conduction,
                        progress=progress)


@method(task=DIFFUSE, key="df_opencv", label="Perona–Malik (OpenCV ximgproc)", book="2.4",
        params=[Param("iterations", "Iterations", 10, min=1, max=100, step=1,
                      help="The book uses 5 and 10."),
                Param("alpha", "Time step α", 0.1, min=0.01, max=0.25, step=0.01,
                      help="The book uses 0.05. OpenCV sums 8 neighbours, so steps above 1/8 overshoot and "
                           "above about 0.15 the scheme becomes unstable."),
                Param("k", "Edge sensitivity K", 0.12, min=0.01, max=50.0, log=True,
                      help="OpenCV divides the summed colour difference by K·3·255, so K is on the [0, 1] "
                           "scale, like κ. The book's K = 30 makes the conduction 1 everywhere: plain heat "
                           "flow, no edge is kept.")],
        summary="cv2.ximgproc.anisotropicDiffusion: 8 neighbours, exponential conduction, 8-bit colour.",
        explanation=_PM_EXPLANATION + (
            " OpenCV's version takes 8-bit 3-channel images only, uses the 8 neighbours with the exponential "
            "conduction of the summed absolute colour difference, and rounds to 8 bits at the end. Its K is "
            "a fraction of the full intensity range (K = 0.1 means a difference of about 25 gray levels); "
            "the book's K = 30 therefore switches the edge-stopping off. Gray images run as three equal "
            "channels here."),
        latex=_PM_LATEX + r",\quad s = 	frac{1}{3\cdot 255}\sum_c |\Delta I_c|,\ \kappa = K")
def df_opencv(image, *, iterations=10, alpha=0.1, k=0.12):
    return opencv_diffusion(image, iterations=iterations, alpha=alpha, k=k)


class FastSsim:
    """core.metrics.ssim (Gaussian σ = 1.5 window, population covariance, 5-pixel border cropped as
    scikit-image does) against one fixed reference, computed with OpenCV's float32 blur: several times faster,
    for dense curves. The reference's local means and variances are blurred once, not at every call."""

    C1, C2 = 0.01 ** 2, 0.03 ** 2

    def __init__(self, reference: np.ndarray):
        self.x = np.atleast_3d(to_float(reference)).astype(np.float32)
        if min(self.x.shape[:2]) < 11:
            raise ValueError("SSIM needs an image of at least 11×11 pixels.")
        self.channels = []
        for channel in range(self.x.shape[2]):
            a = np.ascontiguousarray(self.x[..., channel])
            mu_a = self.blur(a)
            var_a = self.blur(a * a) - mu_a * mu_a
            self.channels.append((a, mu_a, 2 * mu_a, mu_a * mu_a + self.C1, var_a + self.C2))

    @staticmethod
    def blur(z: np.ndarray) -> np.ndarray:
        import cv2

        return cv2.GaussianBlur(z, (11, 11), 1.5, borderType=cv2.BORDER_REFLECT)

    def __call__(self, estimate: np.ndarray) -> float:
        y = np.atleast_3d(np.clip(np.asarray(estimate, np.float32), 0, 1))
        if y.shape != self.x.shape:
            raise ValueError(f"Cannot compare images of shapes {self.x.shape} and {y.shape}.")
        scores = []
        for channel, (a, mu_a, two_mu_a, mu_a2_c1, var_a_c2) in enumerate(self.channels):
            b = np.ascontiguousarray(y[..., channel])
            mu_b = self.blur(b)
            mu_b2 = mu_b * mu_b
            var_b = self.blur(b * b) - mu_b2
            cov = self.blur(a * b) - mu_a * mu_b
            numerator = (two_mu_a * mu_b + self.C1) * (2 * cov + self.C2)
            index = numerator / ((mu_a2_c1 + mu_b2) * (var_a_c2 + var_b))
            scores.append(float(index[5:-5, 5:-5].mean(dtype=np.float64)))
        return float(np.mean(scores))


def fast_ssim(reference: np.ndarray, estimate: np.ndarray) -> float:
    """FastSsim for one pair (see there)."""
    return FastSsim(reference)(estimate)


def _separable_gaussian(image: np.ndarray, sigma: float) -> np.ndarray:
    """gaussian_blur's kernel (scipy's: radius 4σ, reflected border) applied by OpenCV in float32: the same blur
    to about 1e-6, four times faster, for the curve's dozens of them."""
    import cv2

    radius = int(4.0 * sigma + 0.5)
    taps = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma) ** 2)
    taps = (taps / taps.sum()).astype(np.float32)
    blurred = cv2.sepFilter2D(np.ascontiguousarray(image, np.float32), -1, taps, taps, borderType=cv2.BORDER_REFLECT)
    return np.clip(blurred.reshape(image.shape), 0, 1)


def _checkpoints(iterations: int, points: int) -> set[int]:
    return set(np.unique(np.linspace(0, iterations, min(points, iterations) + 1).round().astype(int)).tolist())


def diffusion_curves(noisy: np.ndarray, clean: np.ndarray, *, iterations: int = 50, kappa: float = 0.12,
                     gamma: float = 0.2, conduction: str = "exponential", alpha: float = 0.1, k: float = 0.12,
                     points: int = 40, progress: Callable[[float, str], None] | None = None
                     ) -> dict[str, dict[str, np.ndarray]]:
    """PSNR and SSIM against the iteration count, scored at up to `points` iterations.

    Each curve comes from ONE run that is scored as it goes: our Perona–Malik through its `observe`
    hook; OpenCV's as a chain of one-iteration calls (so the image is rounded to 8 bits between
    iterations, which a single multi-iteration call does not do); the Gaussian at the matched time
    σ = √(2·iteration·γ) (one cheap blur per point). Returns {curve: {"iteration", "psnr", "ssim"}}.
    """
    from core.metrics import psnr

    if iterations < 1:
        raise ValueError("Plot at least one iteration.")
    noisy, clean = to_float(noisy), to_float(clean)
    if noisy.shape != clean.shape:
        raise ValueError("The noisy and clean images must have the same shape.")
    marks = _checkpoints(iterations, points)
    curves: dict[str, dict[str, list]] = {}
    ssim_to_clean = FastSsim(clean)

    def record(name: str, step: int, image: np.ndarray) -> None:
        if step in marks:
            curve = curves.setdefault(name, {"iteration": [], "psnr": [], "ssim": []})
            curve["iteration"].append(step)
            curve["psnr"].append(psnr(clean, image))
            curve["ssim"].append(ssim_to_clean(image))

    numpy_name, cv_name, gauss_name = "Perona–Malik (numpy)", "Perona–Malik (OpenCV)", "Gaussian, matched time"
    for name in (numpy_name, cv_name, gauss_name):
        record(name, 0, noisy)
    perona_malik(noisy, iterations=iterations, kappa=kappa, gamma=gamma, conduction=conduction,
                 observe=lambda step, u: record(numpy_name, step, u))
    if progress is not None:
        progress(0.4, "Perona–Malik (numpy) done")
    import cv2

    if not 0 < alpha <= 1 or k <= 0:
        raise ValueError("OpenCV needs a time step α in (0, 1] and a positive edge sensitivity K.")
    current = _to_bgr8(noisy)
    for step in range(1, iterations + 1):
        current = cv2.ximgproc.anisotropicDiffusion(current, float(alpha), float(k), 1)
        if step in marks:
            record(cv_name, step, _from_bgr8(current, gray=noisy.ndim == 2))
    if progress is not None:
        progress(0.8, "OpenCV done")
    for step in sorted(marks - {0}):
        record(gauss_name, step, _separable_gaussian(noisy, matched_sigma(step, gamma)))
    if progress is not None:
        progress(1.0, "done")
    return {name: {field: np.asarray(values) for field, values in curve.items()} for name, curve in curves.items()}
