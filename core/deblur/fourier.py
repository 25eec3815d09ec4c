"""Deconvolution in the Fourier domain: inverse, pseudo-inverse, Wiener, Wiener–Hunt, Tikhonov.

One convention throughout: the blur is a true convolution g = h ⊛ f with the PSF centred at
(k // 2, k // 2), so its transfer function (OTF) is the FFT of the PSF placed at the top-left
corner and rolled by -(k // 2) (no phase shift), and every filter uses conj(H). Inverse FFTs
keep the real part (never the modulus, which would hide ringing); results are clipped to
[0, 1] only at the end. Images are extended by `inputs.extend` so the FFT sees no edge jump.
"""
from __future__ import annotations

from typing import Callable

import numpy as np
import scipy.fft as sfft
from skimage.restoration import unsupervised_wiener as _sk_unsupervised_wiener
from skimage.restoration import wiener as _sk_wiener

from core.deblur.inputs import BOUNDARIES, BOUNDARY_HELP, assemble, check_pair, extend, planes
from core.image import to_gray, to_float
from core.registry import DEBLUR, Output, Param, method

_DIVISION_GUARD = 1e-12  # |H| below this counts as an exact zero (the naive inverse only)


def embed_psf(psf: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """The PSF on a zero canvas of `shape`, its centre (k // 2) moved to index (0, 0)."""
    psf = np.asarray(psf, dtype=np.float64)
    if psf.shape[0] > shape[0] or psf.shape[1] > shape[1]:
        raise ValueError(f"The PSF ({psf.shape[0]}×{psf.shape[1]}) is larger than the image ({shape[0]}×{shape[1]}).")
    canvas = np.zeros(shape, dtype=np.float64)
    canvas[: psf.shape[0], : psf.shape[1]] = psf
    return np.roll(canvas, (-(psf.shape[0] // 2), -(psf.shape[1] // 2)), axis=(0, 1))


def psf2otf(psf: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Optical transfer function of `psf` for images of `shape` (complex, full FFT layout).

    With it, ifft2(psf2otf(h, x.shape) * fft2(x)).real is the periodic (wrap) convolution h ⊛ x.
    """
    return sfft.fft2(embed_psf(psf, tuple(shape)))


def _rotf(psf: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """The OTF on the half-spectrum of a real FFT (what the filters below work with)."""
    return sfft.rfft2(embed_psf(psf, shape), workers=-1)


def otf_magnitude(psf: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """|H| with the zero frequency in the centre, for display."""
    return np.fft.fftshift(np.abs(psf2otf(psf, shape)))


def spectrum_db(image: np.ndarray, eps: float = 1e-3) -> np.ndarray:
    """Centred log-magnitude spectrum 20·log10(eps + |F|) in dB, for display.

    The FFT is orthonormal, so white noise of standard deviation s sits near 20·log10(s).
    Colour images are shown through their luminance.
    """
    gray = to_gray(image) if np.ndim(image) == 3 else to_float(image)
    spectrum = np.abs(sfft.fft2(gray.astype(np.float64), norm="ortho"))
    return np.fft.fftshift(20.0 * np.log10(eps + spectrum)).astype(np.float32)


def _frequency_radius(shape: tuple[int, int]) -> np.ndarray:
    """Signed-frequency radius in cycles per pixel on the real-FFT half-spectrum (0.5 = Nyquist)."""
    fy = sfft.fftfreq(shape[0])[:, None]
    fx = sfft.rfftfreq(shape[1])[None, :]
    return np.sqrt(fx ** 2 + fy ** 2)


def apply_filter(image: np.ndarray, psf: np.ndarray, boundary: str,
                 make_filter: Callable[[np.ndarray, tuple[int, int]], np.ndarray]) -> np.ndarray:
    """Multiply each channel's spectrum by make_filter(H, shape) and transform back.

    `make_filter` receives the half-spectrum OTF of the extended image and its shape.
    """
    image, psf = check_pair(image, psf)
    height, width = image.shape[:2]
    results, gain, shape = [], None, None
    for plane in planes(image):
        extended = extend(plane, psf.shape, boundary)
        if gain is None:
            shape = extended.shape
            gain = make_filter(_rotf(psf, shape), shape)
        spectrum = sfft.rfft2(extended, workers=-1) * gain
        results.append(sfft.irfft2(spectrum, s=shape, workers=-1)[:height, :width])
    return assemble(results)


def _boundary_param() -> Param:
    return Param("boundary", "Boundary handling", "reflect", choices=BOUNDARIES, help=BOUNDARY_HELP)


# ---------------------------------------------------------------- inverse and pseudo-inverse
@method(
    task=DEBLUR, key="inverse", label="Inverse filter (naive)", book="1.4.1",
    params=[_boundary_param()],
    summary="Divides the spectrum by the blur's transfer function: exact without noise, useless with it.",
    explanation=(
        "By the convolution theorem the blurred spectrum is G = H·F, so dividing G by H undoes the blur. "
        "Wherever |H| is tiny (high frequencies of a Gaussian blur, the zeros of a motion or defocus blur) "
        "the division multiplies the noise, and even 8-bit rounding, by huge factors. "
        "Only exact zeros of H are skipped here; the result is shown as it is, to make the noise blow-up visible."
    ),
    latex=r"\hat F(u,v) = \frac{G(u,v)}{H(u,v)}",
)
def inverse(image, psf, *, boundary="reflect"):
    """Naive inverse filter G / H (frequencies where H is exactly zero are set to zero)."""

    def gain(otf, shape):
        safe = np.abs(otf) > _DIVISION_GUARD
        return np.where(safe, 1.0 / np.where(safe, otf, 1.0), 0.0)

    return apply_filter(image, psf, boundary, gain)


@method(
    task=DEBLUR, key="pseudo_inverse", label="Pseudo-inverse / cutoff inverse filter", book="1.4.2",
    params=[
        Param("mode", "Which frequencies to invert", "threshold", choices=("threshold", "cutoff"),
              help="threshold: invert only where |H| ≥ ε; cutoff: invert only inside a disc of low frequencies."),
        Param("epsilon", "Threshold ε on |H|", 0.1, min=1e-4, max=1.0, log=True,
              help="threshold mode: frequencies with |H| < ε are set to zero. Larger is smoother."),
        Param("radius", "Cutoff radius (cycles/pixel)", 0.15, min=0.01, max=0.5, step=0.01,
              help="cutoff mode: frequencies farther than this from zero are set to zero (0.5 is the Nyquist "
                   "frequency). Exact zeros of H inside the disc are skipped."),
        _boundary_param(),
    ],
    summary="Inverts the blur only where it is safe: where |H| is large enough, or at low frequencies.",
    explanation=(
        "The pseudo-inverse keeps 1/H where |H| is at least ε and sets the other frequencies to zero, so the "
        "worst noise amplification is 1/ε. The cutoff variant keeps 1/H inside a disc of low frequencies "
        "(measured with signed frequencies, so the disc really is centred on zero) and drops the rest. "
        "Both are hard on/off decisions, which leaves ringing near edges; Wiener-type filters blend smoothly instead. "
        "The cutoff variant fails when H has zeros inside the disc, as motion and defocus blurs do."
    ),
    latex=r"\hat F = \begin{cases} G/H & |H| \ge \varepsilon \text{ (or } \rho \le \rho_c) \\ "
          r"0 & \text{otherwise}\end{cases}",
)
def pseudo_inverse(image, psf, *, mode="threshold", epsilon=0.1, radius=0.15, boundary="reflect"):
    """Pseudo-inverse (threshold on |H|) or cutoff inverse (disc of low frequencies)."""
    if mode not in ("threshold", "cutoff"):
        raise ValueError(f"Unknown mode {mode!r}; choose threshold or cutoff.")
    if epsilon <= 0 or radius <= 0:
        raise ValueError("The threshold ε and the cutoff radius must be positive.")

    def gain(otf, shape):
        magnitude = np.abs(otf)
        if mode == "threshold":
            keep = magnitude >= epsilon
        else:
            keep = (_frequency_radius(shape) <= radius) & (magnitude > _DIVISION_GUARD)
        return np.where(keep, 1.0 / np.where(keep, otf, 1.0), 0.0)

    return apply_filter(image, psf, boundary, gain)


# ---------------------------------------------------------------- Wiener family and Tikhonov
@method(
    task=DEBLUR, key="wiener", label="Wiener filter (constant noise-to-signal ratio)", book="1.4.4",
    params=[
        Param("snr_db", "Assumed signal-to-noise ratio (dB)", 20.0, min=0.0, max=60.0, step=1.0,
              help="Sets K = 10^(−SNR/10). Lower assumes more noise and gives a smoother result."),
        _boundary_param(),
    ],
    summary="The minimum-mean-square-error filter when noise and image spectra are both assumed flat.",
    explanation=(
        "The Wiener filter is the linear filter that minimises the expected squared error; it needs the ratio of "
        "the noise spectrum to the image spectrum at each frequency. Assuming both are flat turns that ratio into "
        "one constant K, set here from a signal-to-noise ratio in decibels. Where |H|² is much larger than K "
        "it behaves like the inverse filter, where it is smaller it fades to zero instead of exploding. "
        "With a constant K this is exactly the Tikhonov closed form with α = K."
    ),
    latex=r"\hat F = \frac{H^*}{|H|^2 + K}\,G,\qquad K = 10^{-\mathrm{SNR}/10}",
)
def wiener(image, psf, *, snr_db=20.0, boundary="reflect"):
    """Wiener deconvolution with a constant noise-to-signal ratio K = 10^(-snr_db/10)."""
    k = 10.0 ** (-float(snr_db) / 10.0)
    return apply_filter(image, psf, boundary, lambda otf, shape: np.conj(otf) / (np.abs(otf) ** 2 + k))


@method(
    task=DEBLUR, key="tikhonov_fft", label="Tikhonov (closed form, FFT)", book="1.2",
    params=[
        Param("alpha", "Regularisation weight α", 1e-2, min=1e-4, max=1.0, log=True,
              help="Penalty on the energy of the result. Larger suppresses more noise and keeps more blur."),
        _boundary_param(),
    ],
    summary="Ridge-regularised least squares, solved exactly in one step in the Fourier domain.",
    explanation=(
        "Tikhonov regularisation minimises ‖g − h⊛f‖² + α‖f‖²: fit the data, but keep the image's energy small. "
        "Setting the gradient to zero gives the normal equations (AᵀA + αI)f = Aᵀg. With periodic boundaries the "
        "blur matrix A is diagonalised by the FFT, so the system is solved frequency by frequency in one division. "
        "The weight α trades noise amplification against residual blur."
    ),
    latex=r"\hat f = \arg\min_f \|g - h\circledast f\|^2 + \alpha\|f\|^2"
          r"\;\Rightarrow\; \hat F = \frac{H^* G}{|H|^2 + \alpha}",
)
def tikhonov_fft(image, psf, *, alpha=1e-2, boundary="reflect"):
    """Closed-form Tikhonov deconvolution F = conj(H) G / (|H|² + α)."""
    if alpha <= 0:
        raise ValueError("The regularisation weight α must be positive.")
    return apply_filter(image, psf, boundary, lambda otf, shape: np.conj(otf) / (np.abs(otf) ** 2 + alpha))


def _run_planes(image, psf, boundary, solve):
    """Run solve(extended_plane, psf) -> (restored_extended, info) on each channel; crop; collect info."""
    image, psf = check_pair(image, psf)
    height, width = image.shape[:2]
    results, infos = [], []
    for plane in planes(image):
        restored, info = solve(extend(plane, psf.shape, boundary), psf)
        results.append(np.asarray(restored)[:height, :width])
        infos.append(info)
    return assemble(results), infos


@method(
    task=DEBLUR, key="wiener_hunt", label="Wiener–Hunt (Laplacian regulariser)", book="1.4.4",
    params=[
        Param("balance", "Regularisation balance λ", 1e-2, min=1e-4, max=1.0, log=True,
              help="Weight of the smoothness penalty. Larger gives a smoother, less noisy result."),
        _boundary_param(),
    ],
    summary="Wiener filtering with a smoothness prior: penalises the Laplacian of the result (scikit-image).",
    explanation=(
        "Instead of assuming a flat image spectrum, Wiener–Hunt deconvolution assumes the image is smooth: it "
        "penalises the energy of its Laplacian, whose transfer function grows with frequency. High frequencies, "
        "where noise dominates, are therefore damped more than low ones, which keeps edges better than a constant "
        "K for the same noise. The balance λ sets the strength of that prior; scikit-image's implementation is used."
    ),
    latex=r"\hat F = \frac{H^*}{|H|^2 + \lambda |\Lambda|^2}\,G,\qquad \Lambda = \mathcal{F}\{\text{Laplacian}\}",
)
def wiener_hunt(image, psf, *, balance=1e-2, boundary="reflect"):
    """Supervised Wiener–Hunt deconvolution (skimage.restoration.wiener)."""
    if balance <= 0:
        raise ValueError("The balance must be positive.")
    restored, _ = _run_planes(image, psf, boundary,
                              lambda plane, kernel: (_sk_wiener(plane, kernel, balance, clip=False), None))
    return restored


@method(
    task=DEBLUR, key="unsupervised_wiener", label="Unsupervised Wiener (Gibbs sampler)", book="1.4.5", slow=True,
    params=[
        Param("seed", "Random seed", 0, min=0, max=9999, step=1,
              help="Seed of the Gibbs sampler; the same seed gives the same result."),
        _boundary_param(),
    ],
    summary="Wiener–Hunt whose noise and prior strengths are estimated from the image by MCMC sampling.",
    explanation=(
        "This is Wiener–Hunt deconvolution (Laplacian prior) in which nothing is hand-tuned: the noise precision and "
        "the prior precision are treated as unknowns and sampled, together with the image, by a Gibbs sampler. "
        "The result is the average of the sampled images once the chains have settled. "
        "The chains of the two precisions are returned so you can see them converge."
    ),
    latex=r"p(f,\gamma_n,\gamma_p \mid g) \propto \gamma_n^{N/2} e^{-\frac{\gamma_n}{2}\|g-Hf\|^2}"
          r"\,\gamma_p^{N/2} e^{-\frac{\gamma_p}{2}\|\Lambda f\|^2}\,p(\gamma_n)\,p(\gamma_p)",
)
def unsupervised_wiener(image, psf, *, seed=0, boundary="reflect"):
    """Unsupervised Wiener–Hunt (skimage.restoration.unsupervised_wiener), seeded."""

    def solve(plane, kernel):
        rng = np.random.default_rng(int(seed))
        restored, chains = _sk_unsupervised_wiener(plane, kernel, clip=False, rng=rng)
        return restored, chains

    restored, infos = _run_planes(image, psf, boundary, solve)
    if len(infos) == 1:
        chains = {"noise precision": np.asarray(infos[0]["noise"], dtype=np.float64),
                  "prior precision": np.asarray(infos[0]["prior"], dtype=np.float64)}
    else:
        chains = {}
        for name, info in zip(("red", "green", "blue"), infos):
            chains[f"noise precision ({name})"] = np.asarray(info["noise"], dtype=np.float64)
            chains[f"prior precision ({name})"] = np.asarray(info["prior"], dtype=np.float64)
    return Output(restored, extras={"Gibbs chains": chains})
