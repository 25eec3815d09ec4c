"""Wavelet denoising (PyWavelets thresholding, BayesShrink, VisuShrink) and views of the 2-D DWT."""
from __future__ import annotations

import numpy as np

from core.denoise.common import channel_axis, checked, finished, per_channel, resolve_sigma, sigma_param
from core.image import to_gray, to_float
from core.registry import DENOISE, Param, method

WAVELETS = ("haar", "db2", "db4", "db6", "sym4", "sym8", "coif2", "bior2.8")
ORTHOGONAL_NOTE = ("The thresholds assume an orthogonal wavelet; bior2.8 is biorthogonal, which colours the noise "
                   "in the subbands.")
_TRANSFORM_MODE = "symmetric"  # mirror extension at the border for the DWT


def _wavelet(name: str):
    import pywt

    if name not in pywt.wavelist(kind="discrete"):
        raise ValueError(f"Unknown wavelet {name!r}; try one of {', '.join(WAVELETS)}.")
    return pywt.Wavelet(name)


def dwt_level_max(shape: tuple[int, ...], wavelet: str) -> int:
    """The deepest useful decomposition level for an image of this (H, W[, C]) shape."""
    import pywt

    return int(pywt.dwtn_max_level(tuple(shape[:2]), _wavelet(wavelet)))


def _levels(shape: tuple[int, ...], wavelet: str, levels: int) -> int:
    if levels < 1:
        raise ValueError("The number of wavelet levels must be at least 1.")
    deepest = dwt_level_max(shape, wavelet)
    if deepest < 1:
        raise ValueError(f"The image is too small for the {wavelet} wavelet.")
    return min(int(levels), deepest)


def universal_threshold(sigma: float, count: int) -> float:
    """Donoho–Johnstone universal threshold σ √(2 ln n), natural logarithm."""
    return float(sigma * np.sqrt(2.0 * np.log(count)))


def threshold_details(channel: np.ndarray, *, wavelet: str, levels: int, threshold: float, mode: str) -> np.ndarray:
    """Decompose, threshold every detail band (never the approximation), reconstruct, crop to the input."""
    import pywt

    coeffs = pywt.wavedec2(channel, wavelet, mode=_TRANSFORM_MODE, level=levels)
    kept = [coeffs[0]] + [tuple(pywt.threshold(band, threshold, mode=mode) for band in detail)
                          for detail in coeffs[1:]]
    rebuilt = pywt.waverec2(kept, wavelet, mode=_TRANSFORM_MODE)
    return rebuilt[:channel.shape[0], :channel.shape[1]]


@method(task=DENOISE, key="wavelet_pywt", label="Wavelet thresholding (PyWavelets)", book="1.7.2",
        params=[Param("wavelet", "Wavelet", "db4", choices=WAVELETS, help=ORTHOGONAL_NOTE),
                Param("levels", "Levels", 3, min=1, max=6, step=1,
                      help="Decomposition depth (reduced automatically for small images)."),
                Param("mode", "Thresholding", "hard", choices=("hard", "soft"),
                      help="hard keeps coefficients above the threshold unchanged; soft also shrinks them by the "
                           "threshold (smoother, but biased)."),
                Param("threshold_scale", "Threshold (× universal)", 0.75, min=0.1, max=2.0, step=0.05,
                      help="Threshold as a multiple of the universal threshold σ√(2 ln n). 1 removes almost "
                           "all noise but also fine detail; 0.6–0.8 usually scores a higher PSNR with hard "
                           "thresholding. Sweep it to see the PSNR-vs-threshold curve."),
                Param("shifts", "Cycle spins (per axis)", 2, min=1, max=4, step=1,
                      help="Average the result over shifts × shifts translated transforms (translation-"
                           "invariant denoising). 1 is the plain transform; more reduces blocky artefacts "
                           "and costs shifts² transforms."),
                sigma_param("The threshold is tied to it.")],
        summary="Zero (or shrink) small detail coefficients of a 2-D wavelet transform and transform back.",
        explanation=(
            "A wavelet transform packs the structure of a natural image into few large coefficients, while "
            "white noise spreads evenly over all of them. Setting the small detail coefficients to zero "
            "therefore removes mostly noise. The approximation band holds the local means and is never "
            "thresholded, so brightness is preserved. Donoho and Johnstone's universal threshold σ√(2 ln n) "
            "is the level that pure noise almost never exceeds; cycle spinning averages over shifted grids."),
        latex=r"\hat f = W^{-1}\, \eta_t(W g),\quad t = s\,\sigma\sqrt{2\ln n},\quad "
              r"\eta^{\text{hard}}_t(x) = x\,[|x| > t],\ "
              r"\eta^{\text{soft}}_t(x) = \operatorname{sign}(x)\max(|x| - t, 0)")
def wavelet_pywt(image, *, wavelet="db4", levels=3, mode="hard", threshold_scale=0.75, shifts=2, sigma=0.0):
    """Per-channel wavelet thresholding with the (scaled) universal threshold and optional cycle spinning."""
    image = checked(image)
    _wavelet(wavelet)
    if mode not in ("hard", "soft"):
        raise ValueError("The thresholding mode must be hard or soft.")
    if threshold_scale <= 0 or shifts < 1:
        raise ValueError("The threshold scale and the number of cycle spins must be positive.")
    levels = _levels(image.shape, wavelet, levels)
    height, width = image.shape[:2]
    threshold = threshold_scale * universal_threshold(resolve_sigma(image, sigma), height * width)
    shifts = int(shifts)

    def denoise_channel(channel: np.ndarray) -> np.ndarray:
        total = np.zeros(channel.shape, dtype=np.float64)
        for dy in range(shifts):
            for dx in range(shifts):
                # mirror-extend at the top-left so the dyadic grid moves without a wrap-around seam
                shifted = np.pad(channel, ((dy, 0), (dx, 0)), mode="symmetric")
                out = threshold_details(shifted, wavelet=wavelet, levels=levels, threshold=threshold, mode=mode)
                total += out[dy:dy + height, dx:dx + width]
        return total / (shifts * shifts)

    return finished(per_channel(denoise_channel, image))


def _skimage_wavelet(image, *, method_name, wavelet, mode, levels, sigma, ycbcr):
    from skimage.restoration import denoise_wavelet

    image = checked(image)
    _wavelet(wavelet)
    if mode not in ("hard", "soft"):
        raise ValueError("The thresholding mode must be hard or soft.")
    wavelet_levels = _levels(image.shape, wavelet, levels)
    colour = image.ndim == 3
    out = denoise_wavelet(image, sigma=sigma, wavelet=wavelet, mode=mode, wavelet_levels=wavelet_levels,
                          convert2ycbcr=bool(ycbcr and colour), method=method_name, rescale_sigma=True,
                          channel_axis=channel_axis(image))
    return finished(out)


_LEVELS = Param("levels", "Levels", 4, min=1, max=6, step=1,
                help="Decomposition depth (reduced automatically for small images and long wavelets).")
_YCBCR = Param("ycbcr", "Denoise in YCbCr (colour)", True,
               help="For colour images, denoise luma and chroma separately instead of R, G and B.")


@method(task=DENOISE, key="bayes_shrink", label="Wavelet BayesShrink (scikit-image)", book="1.7.3",
        params=[Param("wavelet", "Wavelet", "sym8", choices=WAVELETS, help=ORTHOGONAL_NOTE),
                Param("mode", "Thresholding", "soft", choices=("soft", "hard"),
                      help="BayesShrink is designed for soft thresholding."),
                _LEVELS, _YCBCR, sigma_param()],
        summary="Wavelet soft thresholding with a separate, data-driven threshold for every subband.",
        explanation=(
            "BayesShrink models the clean coefficients of each detail subband as a generalised Gaussian and "
            "picks the threshold that minimises the Bayesian risk, which comes out close to σ²/σ_x, where σ_x "
            "is the estimated signal spread in that band. Bands with strong structure get small thresholds and "
            "bands that are mostly noise get large ones, so it adapts to the image better than one global "
            "threshold. The noise σ is estimated from the finest diagonal band unless given."),
        latex=r"t_b = \frac{\sigma^2}{\hat\sigma_{x,b}},\qquad "
              r"\hat\sigma_{x,b} = \sqrt{\max\!\big(\tfrac{1}{n_b}\textstyle\sum_{k \in b} w_k^2 - \sigma^2,\ 0\big)}")
def bayes_shrink(image, *, wavelet="sym8", mode="soft", levels=4, ycbcr=True, sigma=0.0):
    """skimage.restoration.denoise_wavelet(method='BayesShrink', rescale_sigma=True)."""
    noise = None if sigma == 0 else resolve_sigma(image, sigma)
    return _skimage_wavelet(image, method_name="BayesShrink", wavelet=wavelet, mode=mode, levels=levels,
                            sigma=noise, ycbcr=ycbcr)


@method(task=DENOISE, key="visu_shrink", label="Wavelet VisuShrink (scikit-image)", book="1.7.3",
        params=[Param("wavelet", "Wavelet", "sym8", choices=WAVELETS, help=ORTHOGONAL_NOTE),
                Param("mode", "Thresholding", "soft", choices=("soft", "hard")),
                Param("divisor", "σ divisor", 3.0, min=1.0, max=6.0, step=0.5,
                      help="The universal threshold is computed from σ / divisor. 1 is the textbook rule, which "
                           "over-smooths; the book tries 2, 3 and 4."),
                _LEVELS, _YCBCR, sigma_param("It is divided by the divisor.")],
        summary="Wavelet thresholding with one universal threshold for all subbands.",
        explanation=(
            "VisuShrink applies the universal threshold σ√(2 ln n) to every detail coefficient. With high "
            "probability no pure-noise coefficient survives, which makes the result look clean but removes "
            "real detail too, so in practice σ is divided by a small factor. It is the global-threshold "
            "baseline that BayesShrink improves on."),
        latex=r"t = \frac{\sigma}{d}\sqrt{2 \ln n}")
def visu_shrink(image, *, wavelet="sym8", mode="soft", divisor=3.0, levels=4, ycbcr=True, sigma=0.0):
    """skimage.restoration.denoise_wavelet(method='VisuShrink') with sigma = σ / divisor."""
    if divisor <= 0:
        raise ValueError("The σ divisor must be positive.")
    noise = resolve_sigma(image, sigma) / divisor
    return _skimage_wavelet(image, method_name="VisuShrink", wavelet=wavelet, mode=mode, levels=levels,
                            sigma=noise, ycbcr=ycbcr)


# ---- Views of the transform (for the wavelet page) ---------------------------------------------

def _gray_for_transform(image: np.ndarray) -> np.ndarray:
    array = np.asarray(image)
    return to_gray(array) if array.ndim == 3 else to_float(array)


def _stretch_detail(band: np.ndarray) -> np.ndarray:
    """|c| on a log scale, normalised per band so weak bands stay visible."""
    magnitude = np.abs(band)
    scale = np.median(magnitude)
    scale = scale if scale > 0 else (magnitude.mean() if magnitude.mean() > 0 else 1.0)
    logged = np.log1p(magnitude / scale)
    top = np.percentile(logged, 99.5)
    return np.clip(logged / top, 0.0, 1.0) if top > 0 else np.zeros_like(logged)


def _stretch_approximation(band: np.ndarray) -> np.ndarray:
    low, high = float(band.min()), float(band.max())
    return (band - low) / (high - low) if high > low else np.zeros_like(band)


def dwt_mosaic(image: np.ndarray, *, wavelet: str = "haar", level: int = 2) -> np.ndarray:
    """The classic mosaic of a multilevel 2-D DWT, as a displayable float32 image in [0, 1].

    The approximation sits top-left and each detail band is contrast-normalised on its own (log of |c|),
    otherwise only the approximation would be visible. Colour images are converted to gray.
    """
    import pywt

    gray = _gray_for_transform(image)
    level = _levels(gray.shape, wavelet, level)
    coeffs = pywt.wavedec2(gray, wavelet, mode=_TRANSFORM_MODE, level=level)
    shown = [_stretch_approximation(coeffs[0])] + [tuple(_stretch_detail(band) for band in detail)
                                                   for detail in coeffs[1:]]
    mosaic, _ = pywt.coeffs_to_array(shown, padding=0.0)
    return np.clip(mosaic, 0.0, 1.0).astype(np.float32)


def detail_coefficients(image: np.ndarray, wavelet: str = "haar", level: int = 2) -> np.ndarray:
    """All detail coefficients of the multilevel 2-D DWT in one 1-D array (for a sparsity histogram)."""
    import pywt

    gray = _gray_for_transform(image)
    level = _levels(gray.shape, wavelet, level)
    coeffs = pywt.wavedec2(gray, wavelet, mode=_TRANSFORM_MODE, level=level)
    return np.concatenate([band.ravel() for detail in coeffs[1:] for band in detail]).astype(np.float32)
