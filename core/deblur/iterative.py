"""Iterative deconvolution: Richardson–Lucy (plain and blind) and Tikhonov solved by conjugate gradients.

Convolutions are done with FFTs on an image extended by `inputs.extend` (periodic, no edge
jumps), with the PSF centred at (k // 2, k // 2) as everywhere in this package. Each method
accepts a `progress(fraction, message)` callback.
"""
from __future__ import annotations

import numpy as np
import scipy.fft as sfft
from scipy.sparse.linalg import LinearOperator, cg

from core.deblur.fourier import embed_psf
from core.deblur.inputs import BOUNDARIES, BOUNDARY_HELP, assemble, check_pair, extend, planes
from core.registry import DEBLUR, Output, Param, method

_FLOOR = 1e-4  # Richardson–Lucy needs positive data: the input is clipped to this floor
_TINY = 1e-12  # guard for divisions by the re-blurred estimate


def _report(progress, fraction: float, message: str) -> None:
    if progress is not None:
        progress(float(min(max(fraction, 0.0), 1.0)), message)


class _Periodic:
    """FFT convolution / correlation of a stack of planes (C, M, N) with one PSF, periodic.

    Richardson–Lucy works in single precision (half the FFT time; its multiplicative updates
    need no more), so the OTF is stored as complex64.
    """

    def __init__(self, psf: np.ndarray, shape: tuple[int, int]):
        self.shape = shape
        self.otf = sfft.rfft2(embed_psf(psf, shape), workers=-1).astype(np.complex64)

    def spectrum(self, stack: np.ndarray) -> np.ndarray:
        return sfft.rfft2(stack, workers=-1)

    def back(self, spectrum: np.ndarray) -> np.ndarray:
        return sfft.irfft2(spectrum, s=self.shape, workers=-1)

    def blur(self, stack: np.ndarray) -> np.ndarray:
        return self.back(self.spectrum(stack) * self.otf)

    def correlate(self, stack: np.ndarray) -> np.ndarray:
        """The adjoint of `blur`: correlation with the PSF (convolution with the flipped PSF)."""
        return self.back(self.spectrum(stack) * np.conj(self.otf))


def _rl_image_step(estimate: np.ndarray, data: np.ndarray, op: _Periodic) -> np.ndarray:
    """One Richardson–Lucy update of the image: f ← f · [h̃ ⊛ (g / (h ⊛ f))], h̃ the flipped PSF."""
    ratio = data / np.maximum(op.blur(estimate), _TINY)
    return estimate * op.correlate(ratio)


def _extended_stack(image: np.ndarray, psf_shape: tuple[int, int], boundary: str) -> np.ndarray:
    """The channels as a float32 stack (C, M, N), floored to positive values and extended."""
    return np.stack([extend(np.maximum(p, _FLOOR), psf_shape, boundary) for p in planes(image)]).astype(np.float32)


def _unstack(stack: np.ndarray, image: np.ndarray) -> np.ndarray:
    height, width = image.shape[:2]
    return assemble([p[:height, :width] for p in stack])


# ---------------------------------------------------------------- Richardson–Lucy
@method(
    task=DEBLUR, key="richardson_lucy", label="Richardson–Lucy", book="1.4.6",
    params=[
        Param("num_iter", "Iterations", 30, min=1, max=100, step=1,
              help="Each iteration sharpens more and amplifies more noise: the count is the regulariser."),
        Param("boundary", "Boundary handling", "reflect", choices=BOUNDARIES, help=BOUNDARY_HELP),
    ],
    summary="Maximum-likelihood deconvolution for Poisson (photon-counting) noise, by multiplicative updates.",
    explanation=(
        "Richardson–Lucy re-blurs the current estimate, compares it with the observation as a ratio, and multiplies "
        "the estimate by that ratio blurred back with the flipped PSF. Each step increases the Poisson likelihood, "
        "keeps the estimate non-negative and preserves the total brightness. Run long, it fits the noise, so the "
        "number of iterations acts as the regularisation (stop early). The image is extended by mirroring before "
        "the iterations and cropped afterwards, so the borders do not ring."
    ),
    latex=r"f_{k+1} = f_k \cdot \left( \tilde h \circledast \frac{g}{h \circledast f_k} \right),"
          r"\quad \tilde h(x) = h(-x)",
)
def richardson_lucy(image, psf, *, num_iter=30, boundary="reflect", progress=None):
    """Non-blind Richardson–Lucy on the extended image, started from the observation."""
    image, psf = check_pair(image, psf)
    num_iter = int(num_iter)
    if num_iter < 1:
        raise ValueError("Richardson–Lucy needs at least one iteration.")
    data = _extended_stack(image, psf.shape, boundary)
    op = _Periodic(psf, data.shape[1:])
    estimate = data.copy()
    changes = []
    for it in range(num_iter):
        updated = _rl_image_step(estimate, data, op)
        changes.append(float(np.linalg.norm(updated - estimate) / max(np.linalg.norm(estimate), _TINY)))
        estimate = updated
        _report(progress, (it + 1) / num_iter, f"iteration {it + 1}/{num_iter}")
    return Output(_unstack(estimate, image), extras={"Relative change per iteration": np.asarray(changes)})


# ---------------------------------------------------------------- blind Richardson–Lucy
_INITS = ("flat", "gaussian", "given PSF")


def _initial_psf(init: str, given: np.ndarray) -> np.ndarray:
    if init == "given PSF":
        return given.copy()
    if init == "flat":
        return np.full(given.shape, 1.0 / given.size)
    if init == "gaussian":
        axes = []
        for size in given.shape:
            sigma = max(size / 4.0, 0.5)
            offsets = np.arange(size) - size // 2
            axes.append(np.exp(-offsets ** 2 / (2.0 * sigma ** 2)))
        kernel = np.outer(axes[0], axes[1])
        return kernel / kernel.sum()
    raise ValueError(f"Unknown initial PSF {init!r}; choose one of {', '.join(_INITS)}.")


def _rl_psf_step(psf: np.ndarray, estimate_spectrum: np.ndarray, estimate_total: float,
                 data: np.ndarray, shape: tuple[int, int], exponent: float) -> np.ndarray:
    """One Richardson–Lucy update of the PSF with the image fixed.

    The correction at lag x is Σ_y r(y) f(y − x) / Σf with r = g / (h ⊛ f): the correlation of
    the ratio with the image (the ratio convolved with the flipped image), summed over colour
    channels and cropped to the PSF support around zero lag. Raising it to `exponent` > 1 takes
    a longer step in the same direction (plain RL is exponent 1 and barely moves the PSF).
    """
    otf = sfft.rfft2(embed_psf(psf, shape), workers=-1).astype(np.complex64)
    reblurred = sfft.irfft2(estimate_spectrum * otf, s=shape, workers=-1)
    ratio = data / np.maximum(reblurred, _TINY)
    cross = sfft.irfft2(sfft.rfft2(ratio, workers=-1) * np.conj(estimate_spectrum), s=shape, workers=-1).sum(axis=0)
    kh, kw = psf.shape
    lags = np.roll(cross, (kh // 2, kw // 2), axis=(0, 1))[:kh, :kw]  # lag (i - kh//2, j - kw//2) at [i, j]
    correction = np.maximum(lags.astype(np.float64) / estimate_total, 0.0)
    updated = np.clip(psf * correction ** exponent, 0.0, None)
    total = updated.sum()
    return updated / total if total > 0 and np.isfinite(total) else psf


def gradient_sparsity(image: np.ndarray) -> float:
    """Normalised sparsity of the gradient magnitudes, ‖∇f‖₁ / ‖∇f‖₂ (scaled to be size-independent).

    Blur spreads edges over many small gradients (higher value); ringing and amplified noise add
    many small gradients too. A sharp, clean image has few large gradients (lower value).
    Krishnan, Tay & Fergus (CVPR 2011) use this ratio as an image prior for blind deconvolution.
    """
    gray = image.mean(axis=2) if image.ndim == 3 else image
    gx = np.diff(gray, axis=1)[:-1, :]
    gy = np.diff(gray, axis=0)[:, :-1]
    magnitude = np.hypot(gx, gy)
    norm2 = np.sqrt((magnitude ** 2).sum())
    return float(magnitude.sum() / norm2 / np.sqrt(magnitude.size)) if norm2 > 0 else 1.0


_PATIENCE = 3  # rounds without a sharper result before the automatic stop


@method(
    task=DEBLUR, key="blind_rl", label="Blind Richardson–Lucy (estimates the PSF)", book="1.5",
    params=[
        Param("outer_iter", "Rounds (maximum)", 20, min=1, max=50, step=1,
              help="Rounds of (PSF steps, then image steps). Run too long, the PSF shrinks towards a point."),
        Param("auto_stop", "Keep the sharpest round", True,
              help="Score each round by the gradient sparsity ‖∇f‖₁/‖∇f‖₂ of its image (lower is sharper and "
                   "cleaner), stop after 3 rounds without improvement and return the best round's image and PSF. "
                   "Off: run every round and return the last."),
        Param("image_steps", "Image steps per round", 2, min=1, max=10, step=1,
              help="Richardson–Lucy updates of the image with the PSF fixed."),
        Param("psf_steps", "PSF steps per round", 5, min=1, max=20, step=1,
              help="Richardson–Lucy updates of the PSF with the image fixed."),
        Param("psf_exponent", "PSF step exponent", 20.0, min=1.0, max=50.0, step=1.0,
              help="Each PSF correction is raised to this power: 1 is the textbook update, which barely "
                   "moves the PSF; larger moves it faster (and overshoots sooner)."),
        Param("init", "Initial PSF", "flat", choices=_INITS,
              help="flat: uniform over the support; gaussian: a broad Gaussian (σ = a quarter of the support); "
                   "given PSF: start from the PSF supplied. Otherwise the supplied PSF only sets the support size."),
    ],
    summary="Alternates Richardson–Lucy updates of the image and of the PSF; only the PSF's size is given.",
    explanation=(
        "When the blur is unknown, the same multiplicative update can be applied to the PSF with the image held "
        "fixed: the ratio of observed to re-blurred image is correlated with the current image, cropped to the PSF's "
        "support, then the PSF is clipped to be non-negative and renormalised. The method alternates PSF and image "
        "updates. The data alone cannot tell a sharp image with a wide PSF from a blurrier image with a narrower "
        "one, so from a flat start the PSF shrinks, passes near the true blur and goes on towards a point; the "
        "round whose image has the sparsest gradients is kept. It works best for compact, smooth blurs (Gaussian, "
        "defocus) on textured images, and poorly for thin motion blurs or flat images."
    ),
    latex=r"h_{k+1} = \frac{h_k}{\sum f}\left( \tilde f \circledast \frac{g}{h_k \circledast f} \right)"
          r"\Big|_{\text{support}},"
          r"\quad f_{k+1} = f_k\left(\tilde h \circledast \frac{g}{h \circledast f_k}\right)",
    slow=True,
)
def blind_rl(image, psf, *, outer_iter=20, auto_stop=True, image_steps=2, psf_steps=5, psf_exponent=20.0,
             init="flat", progress=None):
    """Blind Richardson–Lucy (Fish et al. 1995 style) with a working, correlation-based PSF update."""
    image, given = check_pair(image, psf)
    outer_iter, image_steps, psf_steps = int(outer_iter), int(image_steps), int(psf_steps)
    if min(outer_iter, image_steps, psf_steps) < 1:
        raise ValueError("Blind Richardson–Lucy needs at least one iteration of each kind.")
    if psf_exponent < 1:
        raise ValueError("The PSF step exponent must be at least 1.")
    kernel = _initial_psf(init, given)
    data = _extended_stack(image, given.shape, "reflect")
    shape = data.shape[1:]
    estimate = data.copy()
    steps_per_round = image_steps + psf_steps
    total_steps = outer_iter * steps_per_round
    changes, scores = [], []
    best = (np.inf, None, None)  # (score, image, psf)
    for outer in range(outer_iter):
        before = kernel
        spectrum = sfft.rfft2(estimate, workers=-1)
        mass = float(estimate.sum())
        for step in range(psf_steps):
            kernel = _rl_psf_step(kernel, spectrum, mass, data, shape, float(psf_exponent))
            done = outer * steps_per_round + step + 1
            _report(progress, done / total_steps, f"round {outer + 1}/{outer_iter}: PSF step {step + 1}")
        changes.append(float(np.abs(kernel - before).sum()))
        op = _Periodic(kernel, shape)
        for step in range(image_steps):
            estimate = _rl_image_step(estimate, data, op)
            done = outer * steps_per_round + psf_steps + step + 1
            _report(progress, done / total_steps, f"round {outer + 1}/{outer_iter}: image step {step + 1}")
        restored = _unstack(estimate, image)
        scores.append(gradient_sparsity(restored))
        if not auto_stop or scores[-1] < best[0]:
            best = (scores[-1], restored, kernel)
        elif auto_stop and outer - int(np.argmin(scores)) >= _PATIENCE:
            _report(progress, 1.0, f"stopped after round {outer + 1}: the sharpest was round {np.argmin(scores) + 1}")
            break
    _, restored, kernel = best
    return Output(restored, extras={
        "Estimated PSF": kernel.astype(np.float32),
        "Gradient sparsity per round (lower is sharper)": np.asarray(scores),
        "PSF change per round (L1)": np.asarray(changes),
    })


# ---------------------------------------------------------------- Tikhonov by conjugate gradients
_CG_BOUNDARIES = ("reflect", "wrap", "zero", "edge")
_NUMPY_MODES = {"reflect": "symmetric", "wrap": "wrap", "zero": "constant", "edge": "edge"}


class _BlurMatrix:
    """The blur A as an exact operator on (H, W) images with a given boundary rule, and its adjoint.

    A f = (pad f by the boundary rule, then keep the 'valid' part of h ⊛ padded f), which is how a
    blur with that boundary is simulated; Aᵀ is the full correlation with h followed by the adjoint
    of the padding (mirrored or wrapped margins are folded back onto the pixels they copy).
    """

    def __init__(self, psf: np.ndarray, shape: tuple[int, int], boundary: str):
        if boundary not in _CG_BOUNDARIES:
            raise ValueError(f"Unknown boundary {boundary!r}; choose one of {', '.join(_CG_BOUNDARIES)}.")
        self.shape = shape
        self.psf_shape = psf.shape
        self.mode = _NUMPY_MODES[boundary]
        # centre at k // 2: k - 1 - k // 2 rows of margin before, k // 2 after
        self.pads = tuple((k - 1 - k // 2, k // 2) for k in psf.shape)
        self.fft_shape = tuple(sfft.next_fast_len(n + k - 1, real=True) for n, k in zip(shape, psf.shape))
        canvas = np.zeros(self.fft_shape)
        canvas[: psf.shape[0], : psf.shape[1]] = psf  # not centred: linear convolution, 'valid' part cropped
        self.otf = sfft.rfft2(canvas, workers=-1)
        # for each axis, the source pixel of every padded position (-1: a zero margin)
        self.sources = [self._sources(n, pad) for n, pad in zip(shape, self.pads)]

    def _sources(self, n: int, pad: tuple[int, int]) -> np.ndarray:
        if self.mode == "constant":
            return np.concatenate([np.full(pad[0], -1), np.arange(n), np.full(pad[1], -1)])
        return np.pad(np.arange(n), pad, mode=self.mode)

    def forward(self, image: np.ndarray) -> np.ndarray:
        padded = np.pad(image, self.pads, mode=self.mode)
        full = sfft.irfft2(sfft.rfft2(padded, s=self.fft_shape, workers=-1) * self.otf, s=self.fft_shape, workers=-1)
        kh, kw = self.psf_shape
        return full[kh - 1: kh - 1 + self.shape[0], kw - 1: kw - 1 + self.shape[1]]

    def adjoint(self, data: np.ndarray) -> np.ndarray:
        kh, kw = self.psf_shape
        canvas = np.zeros(self.fft_shape)
        canvas[kh - 1: kh - 1 + self.shape[0], kw - 1: kw - 1 + self.shape[1]] = data
        full = sfft.irfft2(sfft.rfft2(canvas, workers=-1) * np.conj(self.otf), s=self.fft_shape, workers=-1)
        folded = full[: self.shape[0] + kh - 1, : self.shape[1] + kw - 1]
        for axis in (0, 1):
            folded = self._fold(folded, axis)
        return folded

    def _fold(self, padded: np.ndarray, axis: int) -> np.ndarray:
        """Adjoint of the padding along one axis: each margin value is added to the pixel it copied."""
        sources, (before, _) = self.sources[axis], self.pads[axis]
        n = self.shape[axis]
        moved = np.moveaxis(padded, axis, 0)
        out = moved[before: before + n].copy()
        margins = np.concatenate([np.arange(before), np.arange(before + n, sources.size)])
        margins = margins[sources[margins] >= 0]
        if margins.size:
            np.add.at(out, sources[margins], moved[margins])
        return np.ascontiguousarray(np.moveaxis(out, 0, axis))


@method(
    task=DEBLUR, key="tikhonov_cg", label="Tikhonov (conjugate gradients)", book="1.2", slow=True,
    params=[
        Param("alpha", "Regularisation weight α", 1e-2, min=1e-4, max=1.0, log=True,
              help="Penalty on the energy of the result. Larger suppresses more noise and keeps more blur."),
        Param("maxiter", "Maximum CG iterations", 30, min=5, max=200, step=1,
              help="The solver also stops when the residual falls below 10⁻⁶ of the right-hand side."),
        Param("boundary", "Boundary model", "reflect", choices=_CG_BOUNDARIES,
              help="How the blur treats pixels outside the image. The solver uses this exact model, so matching "
                   "the rule the image was blurred with removes border artefacts; wrap agrees with the FFT form."),
    ],
    summary="The Tikhonov normal equations solved iteratively with a matrix-free blur operator.",
    explanation=(
        "The same objective as the closed-form Tikhonov filter, ‖g − Af‖² + α‖f‖², but the normal equations "
        "(AᵀA + αI)f = Aᵀg are solved by conjugate gradients, which only needs products with A and Aᵀ. The operator "
        "reshapes each vector to the image grid, blurs it in 2-D with the chosen boundary rule, and applies the "
        "exact adjoint. Unlike the FFT form, any boundary rule can be modelled exactly; with wrap boundaries both "
        "give the same answer. The iteration count is capped, and stopping early also regularises."
    ),
    latex=r"(A^\top A + \alpha I)\,f = A^\top g,\quad A f = h \circledast f",
)
def tikhonov_cg(image, psf, *, alpha=1e-2, maxiter=30, boundary="reflect", progress=None):
    """Tikhonov deconvolution by conjugate gradients on the normal equations (matrix-free, 2-D)."""
    image, psf = check_pair(image, psf)
    if alpha <= 0:
        raise ValueError("The regularisation weight α must be positive.")
    maxiter = int(maxiter)
    if maxiter < 1:
        raise ValueError("Conjugate gradients needs at least one iteration.")
    shape = image.shape[:2]
    blur = _BlurMatrix(psf, shape, boundary)
    size = shape[0] * shape[1]

    def normal(vector: np.ndarray) -> np.ndarray:
        f = vector.reshape(shape)  # the operator acts on the 2-D image, not the flat vector
        return (blur.adjoint(blur.forward(f)) + alpha * f).ravel()

    operator = LinearOperator((size, size), matvec=normal, rmatvec=normal, dtype=np.float64)
    image_planes = planes(image)
    results, changes = [], []
    for index, plane in enumerate(image_planes):
        count = [0]
        previous = [plane.ravel().copy()]

        def callback(xk, index=index, count=count, previous=previous):
            count[0] += 1
            step = np.linalg.norm(xk - previous[0]) / max(np.linalg.norm(previous[0]), _TINY)
            previous[0] = xk.copy()
            if index == 0:
                changes.append(float(step))
            _report(progress, (index + count[0] / maxiter) / len(image_planes),
                    f"channel {index + 1}/{len(image_planes)}, CG iteration {count[0]}")

        rhs = blur.adjoint(plane).ravel()
        solution, _ = cg(operator, rhs, x0=plane.ravel(), rtol=1e-6, atol=0.0, maxiter=maxiter, callback=callback)
        results.append(solution.reshape(shape))
    return Output(assemble(results), extras={"Relative change per CG iteration": np.asarray(changes)})
