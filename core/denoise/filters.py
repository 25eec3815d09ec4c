"""Local and non-local filters: median, weighted median, Gaussian, bilateral, non-local means."""
from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from core.denoise.common import channel_axis, checked, finished, per_channel, resolve_sigma, sigma_param
from core.image import to_uint8
from core.registry import DENOISE, Param, method

WEIGHT_PRESETS = ("uniform", "centre_weighted", "gaussian")
WINDOW_SIZES = (3, 5, 7)
_ROWS_PER_CHUNK = 32  # bounds the memory of the sorted windows


def median_weights(preset: str, size: int = 5) -> np.ndarray:
    """The weight grid of a weighted-median preset (odd `size`).

    uniform: all ones (the plain median). centre_weighted: ones with the inner (size-2)² block
    set to 2; at size 5 this is the book's mask (total 34). gaussian: a binomial outer product.
    """
    if size < 1 or size % 2 == 0:
        raise ValueError("The median window size must be an odd number.")
    if preset == "uniform":
        return np.ones((size, size))
    if preset == "centre_weighted":
        weights = np.ones((size, size))
        if size >= 3:
            weights[1:-1, 1:-1] = 2.0
        return weights
    if preset == "gaussian":
        row = np.array([1.0])
        for _ in range(size - 1):
            row = np.convolve(row, [1.0, 1.0])  # binomial coefficients
        return np.outer(row, row)
    raise ValueError(f"Unknown weight preset {preset!r}; choose one of {', '.join(WEIGHT_PRESETS)}.")


def weighted_median_filter(image: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Weighted median over a sliding window (mirror-reflected border, so every pixel is filtered).

    For each pixel the window values are sorted with their weights carried along, and the output is
    the first sorted value whose cumulative weight reaches half of the total weight.
    """
    weights = np.asarray(weights, dtype=np.float64)
    if weights.ndim != 2 or weights.shape[0] % 2 == 0 or weights.shape[1] % 2 == 0:
        raise ValueError("The median weights must be a 2-D grid with an odd number of rows and columns.")
    if not np.all(np.isfinite(weights)) or np.any(weights < 0) or weights.sum() <= 0:
        raise ValueError("The median weights must be non-negative numbers with a positive sum.")
    image = checked(image)
    if min(image.shape[:2]) <= max(weights.shape) // 2:
        raise ValueError("The image is smaller than the median window.")
    flat = weights.ravel()
    used = np.flatnonzero(flat > 0)
    used_weights = flat[used]
    half = 0.5 * used_weights.sum() * (1.0 - 1e-12)  # tolerance for rounding in the cumulative sum
    rows, cols = weights.shape[0] // 2, weights.shape[1] // 2

    def filter_channel(channel: np.ndarray) -> np.ndarray:
        padded = np.pad(channel, ((rows, rows), (cols, cols)), mode="reflect")
        windows = sliding_window_view(padded, weights.shape)  # (H, W, kh, kw), a view: no copy yet
        out = np.empty_like(channel)
        for start in range(0, channel.shape[0], _ROWS_PER_CHUNK):
            block = windows[start:start + _ROWS_PER_CHUNK]
            values = block.reshape(*block.shape[:2], weights.size)[..., used]
            order = np.argsort(values, axis=-1)
            cumulative = np.cumsum(used_weights[order], axis=-1)
            first = np.argmax(cumulative >= half, axis=-1)[..., None]
            chosen = np.take_along_axis(order, first, axis=-1)
            out[start:start + _ROWS_PER_CHUNK] = np.take_along_axis(values, chosen, axis=-1)[..., 0]
        return out

    return finished(per_channel(filter_channel, image))


_WINDOW = Param("size", "Window size", 5, choices=WINDOW_SIZES,
                help="Side of the square window in pixels. Larger windows remove denser impulse noise "
                     "but erase thin lines and round corners.")


@method(task=DENOISE, key="median", label="Median filter", book="1.3",
        params=[_WINDOW],
        summary="Replaces each pixel by the median of its window; the classic cure for salt-and-pepper noise.",
        explanation=(
            "The median of a set of values is the value that minimises the sum of absolute deviations, so a "
            "few extreme outliers (salt or pepper pixels) barely move it, unlike a mean. It keeps step edges "
            "sharp because it picks an existing value rather than averaging across the edge. On Gaussian "
            "noise it is a weaker smoother than linear filters, and large windows remove fine detail."),
        latex=r"\hat f(s) = \operatorname{median}\{\, g(k) : k \in W(s) \,\}"
              r" = \arg\min_\theta \sum_{k \in W(s)} |g(k) - \theta|")
def median(image, *, size=5):
    """Plain median filter with a mirror-reflected border."""
    from scipy.ndimage import median_filter

    image = checked(image)
    if size not in WINDOW_SIZES:
        raise ValueError(f"The median window size must be one of {', '.join(map(str, WINDOW_SIZES))}.")
    return finished(per_channel(lambda c: median_filter(c, size=size, mode="mirror"), image))


@method(task=DENOISE, key="weighted_median", label="Weighted median filter", book="1.3",
        params=[_WINDOW,
                Param("weights", "Weight preset", "centre_weighted", choices=WEIGHT_PRESETS,
                      help="uniform equals the plain median. centre_weighted gives the inner block weight 2 "
                           "and the outer ring weight 1 (the book's 5×5 mask). gaussian uses binomial weights "
                           "that fall off from the centre.")],
        summary="A median in which some window positions count more than others.",
        explanation=(
            "Each position of the window carries a weight, and the output is the value at which the "
            "cumulative weight of the sorted window values first reaches half the total. Heavier weights "
            "near the centre make the filter keep more of the pixel's own neighbourhood, so fine structures "
            "survive better than with a plain median of the same size. With equal weights it is exactly "
            "the ordinary median."),
        latex=r"\hat f(s) = \arg\min_\theta \sum_{k \in W(s)} \alpha_k\, |g(k) - \theta|")
def weighted_median(image, *, size=5, weights="centre_weighted"):
    """Weighted median with a preset weight grid; see `weighted_median_filter` for any grid."""
    return weighted_median_filter(image, median_weights(weights, size))


@method(task=DENOISE, key="gaussian", label="Gaussian blur", book="2.4",
        params=[Param("blur_sigma", "Blur σ (pixels)", 1.0, min=0.3, max=10.0, step=0.1, log=True,
                      help="Standard deviation of the Gaussian kernel in pixels. Larger values remove more "
                           "noise and blur edges just as much.")],
        summary="Linear low-pass smoothing: the baseline every edge-preserving method is compared with.",
        explanation=(
            "Each output pixel is a weighted average of its neighbours with Gaussian weights that depend only "
            "on distance. It is the same as running isotropic heat diffusion for a time of σ²/2. Noise and "
            "edges are smoothed alike, which is why edge-preserving methods were invented."),
        latex=r"\hat f = G_\sigma * g,\qquad G_\sigma(x, y) \propto e^{-(x^2 + y^2)/(2\sigma^2)}")
def gaussian(image, *, blur_sigma=1.0):
    """Gaussian blur with a mirror-reflected border."""
    import cv2

    image = checked(image)
    if blur_sigma <= 0:
        raise ValueError("The blur σ must be positive.")
    return finished(cv2.GaussianBlur(image, (0, 0), sigmaX=float(blur_sigma), borderType=cv2.BORDER_REFLECT_101))


_BILATERAL_EXPLANATION = (
    "Each pixel becomes an average of its neighbours weighted by two Gaussians: one of the spatial "
    "distance and one of the intensity (or colour) difference. Neighbours across an edge differ a lot in "
    "intensity, get almost no weight, and so the edge is not blurred. As the range σ grows the filter "
    "turns into a plain Gaussian blur; it is a single non-iterative pass.")
_BILATERAL_LATEX = (r"\hat f(s) = \frac{1}{W_s} \sum_{k} e^{-\|s-k\|^2/(2\sigma_d^2)}"
                    r"\, e^{-|g(s)-g(k)|^2/(2\sigma_r^2)}\, g(k)")


@method(task=DENOISE, key="bilateral_cv", label="Bilateral filter (OpenCV)", book="1.9.2",
        params=[Param("diameter", "Diameter d (pixels)", 5, min=1, max=25, step=1,
                      help="Width of the neighbourhood. 5 is fast enough for real time; larger is slower and "
                           "smooths more."),
                Param("sigma_color", "Range σ (0–255)", 75.0, min=1.0, max=200.0, step=1.0,
                      help="Intensity difference, on the 0–255 scale, over which neighbours stop counting. "
                           "Below about 10 it does little; above about 150 results look cartoonish. About "
                           "3 × the noise σ works well."),
                Param("sigma_space", "Spatial σ (pixels)", 5.0, min=0.5, max=50.0, step=0.5,
                      help="Spatial spread of the weights. With a small diameter the weights are nearly flat "
                           "anyway, so this matters little.")],
        summary="Edge-preserving average weighted by both distance and intensity difference.",
        explanation=_BILATERAL_EXPLANATION, latex=_BILATERAL_LATEX)
def bilateral_cv(image, *, diameter=5, sigma_color=75.0, sigma_space=5.0):
    """cv2.bilateralFilter on float data (range σ converted from the 0–255 scale to [0, 1])."""
    import cv2

    image = checked(image)
    if diameter < 1 or sigma_color <= 0 or sigma_space <= 0:
        raise ValueError("The bilateral diameter and both sigmas must be positive.")
    # the filter measures colour distance over all channels, so RGB and BGR order give the same result
    out = cv2.bilateralFilter(image, int(diameter), float(sigma_color) / 255.0, float(sigma_space))
    return finished(out)


SITK_MAX_DOMAIN_SIGMA = 4.0


@method(task=DENOISE, key="bilateral_sitk", label="Bilateral filter (SimpleITK)", book="1.9.1", slow=True,
        params=[Param("domain_sigma", "Domain σ (pixels)", 2.0, min=0.5, max=SITK_MAX_DOMAIN_SIGMA, step=0.5,
                      help="Spatial σ of the weights. The cost grows with its square, so it is capped at 4 here "
                           "(the book's 10 takes several seconds on a 512² image, more per colour channel)."),
                Param("range_sigma", "Range σ (0–255)", 50.0, min=1.0, max=150.0, step=1.0,
                      help="Intensity difference, on the 0–255 scale, over which neighbours stop counting.")],
        summary="The bilateral filter from SimpleITK (ITK), applied to each channel on its own.",
        explanation=_BILATERAL_EXPLANATION + " This version filters colour images channel by channel.",
        latex=_BILATERAL_LATEX)
def bilateral_sitk(image, *, domain_sigma=2.0, range_sigma=50.0):
    """SimpleITK's BilateralImageFilter, per channel; the domain σ is capped to keep it interactive."""
    import SimpleITK as sitk

    image = checked(image)
    if domain_sigma <= 0 or range_sigma <= 0:
        raise ValueError("Both bilateral sigmas must be positive.")
    if domain_sigma > SITK_MAX_DOMAIN_SIGMA:
        raise ValueError(f"The domain σ is capped at {SITK_MAX_DOMAIN_SIGMA:g} pixels to keep the run time short.")

    def filter_channel(channel: np.ndarray) -> np.ndarray:
        bilateral = sitk.BilateralImageFilter()
        bilateral.SetDomainSigma(float(domain_sigma))
        bilateral.SetRangeSigma(float(range_sigma) / 255.0)
        return sitk.GetArrayFromImage(bilateral.Execute(sitk.GetImageFromArray(channel)))

    return finished(per_channel(filter_channel, image))


_NLM_EXPLANATION = (
    "Averaging many noisy copies of the same value reduces noise, and in natural images such copies are "
    "often far apart: along an edge, in a repeated texture. Non-local means therefore averages pixels from "
    "a large search window, each weighted by how similar the small patch around it is to the patch around "
    "the pixel being denoised. The filter strength h sets how quickly the weight falls with patch distance; "
    "it should scale with the noise σ.")
_NLM_LATEX = (r"\hat f(i) = \sum_{j \in S(i)} w(i, j)\, g(j),\qquad "
              r"w(i, j) \propto \exp\!\left(-\frac{\|P_i - P_j\|^2}{h^2}\right)")
_H_FACTOR_HELP = ("Filter strength h as a multiple of the noise σ (h = factor × σ). Larger removes more noise "
                  "and more texture.")


@method(task=DENOISE, key="nlm_cv", label="Non-local means (OpenCV, fast)", book="1.8",
        params=[sigma_param("h is tied to it."),
                Param("h_factor", "Strength h (× σ)", 1.0, min=0.2, max=3.0, step=0.05,
                      help=_H_FACTOR_HELP + " About 1 works well for this implementation."),
                Param("color_space", "Colour handling", "rgb", choices=("rgb", "lab"),
                      help="Colour images only. rgb: compare whole RGB patches with one h (usually better). "
                           "lab: the book's fastNlMeansDenoisingColored, which works in CIELAB with a separate "
                           "strength for the chroma channels."),
                Param("color_factor", "Chroma strength (× h)", 0.8, min=0.2, max=2.0, step=0.05,
                      help="Only for colour images in lab mode: OpenCV's hColor as a multiple of h."),
                Param("template_size", "Patch size", 7, choices=(3, 5, 7, 9, 11),
                      help="Side of the compared patches (odd; OpenCV recommends 7)."),
                Param("search_size", "Search window", 21, choices=(7, 11, 15, 21, 27, 35),
                      help="Side of the window searched for similar patches (odd). Time grows with its square.")],
        summary="Averages pixels whose surrounding patches look alike, wherever they are in a search window.",
        explanation=_NLM_EXPLANATION + " OpenCV's implementation works on 8-bit data.",
        latex=_NLM_LATEX)
def nlm_cv(image, *, sigma=0.0, h_factor=1.0, color_space="rgb", color_factor=0.8, template_size=7,
           search_size=21):
    """cv2.fastNlMeansDenoising(Colored) on a rounded 8-bit copy; h in 0–255 units = h_factor × σ."""
    import cv2

    image = checked(image)
    if template_size % 2 == 0 or search_size % 2 == 0:
        raise ValueError("The patch size and the search window must be odd numbers.")
    if h_factor <= 0 or color_factor <= 0:
        raise ValueError("The filter strengths must be positive.")
    if color_space not in ("rgb", "lab"):
        raise ValueError("The colour handling must be rgb or lab.")
    h = float(h_factor * resolve_sigma(image, sigma) * 255.0)
    data = to_uint8(image)  # clip, then round: no wrap-around
    if image.ndim == 2 or color_space == "rgb":
        out = cv2.fastNlMeansDenoising(data, None, h=h, templateWindowSize=template_size,
                                       searchWindowSize=search_size)
    else:
        bgr = np.ascontiguousarray(data[..., ::-1])
        out = cv2.fastNlMeansDenoisingColored(bgr, None, h=h, hColor=float(color_factor * h),
                                              templateWindowSize=template_size,
                                              searchWindowSize=search_size)[..., ::-1]
    return finished(out.astype(np.float32) / 255.0)


@method(task=DENOISE, key="nlm_skimage", label="Non-local means (scikit-image)", book="1.8", slow=True,
        params=[sigma_param("h is tied to it, and it is also subtracted from patch distances."),
                Param("h_factor", "Strength h (× σ)", 0.8, min=0.2, max=3.0, step=0.05,
                      help=_H_FACTOR_HELP + " scikit-image suggests about 0.8 in fast mode and 0.6 otherwise."),
                Param("patch_size", "Patch size", 5, choices=(3, 5, 7, 9),
                      help="Side of the compared patches."),
                Param("patch_distance", "Search radius", 6, min=1, max=15, step=1,
                      help="Maximal distance in pixels at which patches are searched; time grows with its square."),
                Param("fast_mode", "Fast mode", True,
                      help="Uniform patch weights with a faster algorithm. Off uses Gaussian-weighted patches "
                           "and is many times slower.")],
        summary="Non-local means in floating point, with the noise variance removed from patch distances.",
        explanation=_NLM_EXPLANATION + (" scikit-image works in floating point and subtracts the expected "
                                        "noise contribution from each patch distance."),
        latex=_NLM_LATEX)
def nlm_skimage(image, *, sigma=0.0, h_factor=0.8, patch_size=5, patch_distance=6, fast_mode=True):
    """skimage.restoration.denoise_nl_means with h = h_factor × σ."""
    from skimage.restoration import denoise_nl_means

    image = checked(image)
    if h_factor <= 0 or patch_distance < 1:
        raise ValueError("The filter strength and the search radius must be positive.")
    noise = resolve_sigma(image, sigma)
    out = denoise_nl_means(image, patch_size=int(patch_size), patch_distance=int(patch_distance),
                           h=h_factor * noise, sigma=noise, fast_mode=bool(fast_mode),
                           channel_axis=channel_axis(image))
    return finished(out)
