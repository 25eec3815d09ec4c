"""Intensity slicing, bit planes, and global / local thresholds (book Chapter 3, §3.1–3.2).

Every threshold is a registered method of the THRESHOLD task: image in, bool mask out (True = the
object). A colour image is thresholded on its luminance. Global methods put the threshold they chose
in `extras["threshold"]` (on the [0, 1] scale) so the page can mark it on the histogram.
"""
from __future__ import annotations

import numpy as np

from core.image import to_float, to_gray, to_uint8
from core.registry import THRESHOLD, Output, Param, method

FOREGROUND = Param("foreground", "Objects are", "bright", choices=("bright", "dark"),
                   help="Bright: the object is above the threshold. Dark: below it (text on paper).")


def _gray(image: np.ndarray) -> np.ndarray:
    gray = to_gray(image)
    if min(gray.shape) < 2:
        raise ValueError("The image must be at least 2×2 pixels to threshold.")
    return gray


def _split(gray: np.ndarray, threshold, foreground: str) -> np.ndarray:
    """Pixels above the threshold (a number or a per-pixel map) are bright objects."""
    above = gray > threshold
    return above if foreground == "bright" else ~above


def _flat_check(gray: np.ndarray) -> None:
    if float(gray.max() - gray.min()) < 1e-6:
        raise ValueError("The image is flat (a single gray level): there is nothing to separate.")


def _global(gray: np.ndarray, threshold: float, foreground: str) -> Output:
    return Output(_split(gray, threshold, foreground), {"threshold": float(threshold)})


def _skimage_global(image: np.ndarray, name: str, foreground: str, **options) -> Output:
    """Threshold with `skimage.filters.<name>` (on the luminance), after the flat-image check."""
    from skimage import filters

    gray = _gray(image)
    _flat_check(gray)
    return _global(gray, getattr(filters, name)(gray, **options), foreground)


# ---------------------------------------------------------------- slicing and bit planes (§3.1)

def gray_level_slice(image: np.ndarray, *, low: float = 90 / 255, high: float = 1.0, with_background: bool = False,
                     highlight: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Highlight the intensity band [low, high]. Returns (sliced image, band mask).

    Without background everything outside the band becomes 0; with background it keeps its value.
    """
    if not 0.0 <= low <= high <= 1.0:
        raise ValueError("The band needs 0 ≤ low ≤ high ≤ 1.")
    gray = to_gray(image)
    band = (gray >= low) & (gray <= high)
    out = gray.copy() if with_background else np.zeros_like(gray)
    out[band] = highlight
    return out.astype(np.float32), band


def rect_mask(shape: tuple[int, ...], rect: tuple[int, int, int, int] | None) -> np.ndarray:
    """A rectangle (x, y, w, h) in pixels as a bool mask; the whole image when `rect` is None."""
    height, width = shape[:2]
    mask = np.zeros((height, width), bool)
    if rect is None:
        mask[:] = True
        return mask
    x, y, w, h = (int(round(v)) for v in rect)
    x0, y0, x1, y1 = max(0, x), max(0, y), min(width, x + w), min(height, y + h)
    if x1 <= x0 or y1 <= y0:
        raise ValueError("The rectangle is empty or lies outside the image: draw it again.")
    mask[y0:y1, x0:x1] = True
    return mask


def roi_contrast(image: np.ndarray, *, low: float = 90 / 255, high: float = 1.0, gamma: float = 1.1,
                 rect: tuple[int, int, int, int] | None = None, background: float = 25 / 255,
                 keep_background: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Stretch the band [low, high] to [0, 1] with a power law inside a region of interest.

    The ROI is the band's pixels, restricted to the rectangle `rect` (x, y, w, h) when one is given.
    Unlike the book, the band is normalised before the power is applied, so nothing clips and the
    ROI's darkest pixels are not darker than the background. Returns (enhanced image, ROI mask).
    """
    if gamma <= 0:
        raise ValueError("The exponent must be positive.")
    if not 0.0 <= low < high <= 1.0:
        raise ValueError("The band needs 0 ≤ low < high ≤ 1.")
    gray = to_gray(image)
    roi = (gray >= low) & (gray <= high) & rect_mask(gray.shape, rect)
    out = gray.copy() if keep_background else np.full_like(gray, background)
    stretched = np.clip((gray[roi] - low) / (high - low), 0.0, 1.0) ** gamma
    out[roi] = stretched
    return out.astype(np.float32), roi


def bit_planes(image: np.ndarray) -> np.ndarray:
    """The 8 bit planes of the 8-bit (rounded) image: planes[k] is bit k (0 = least significant), bool."""
    gray8 = to_uint8(to_gray(image))
    return np.stack([(gray8 >> k) & 1 for k in range(8)]).astype(bool)


def rebuild_from_planes(planes: np.ndarray, keep) -> np.ndarray:
    """Σ b_k 2^k over the kept planes, as a float image in [0, 1] (the bit-plane compression idea)."""
    keep = sorted({int(k) for k in keep})
    if any(k < 0 or k > 7 for k in keep):
        raise ValueError("Bit planes are numbered 0 to 7.")
    value = np.zeros(planes.shape[1:], np.uint16)
    for k in keep:
        value += planes[k].astype(np.uint16) << k
    return (value / 255.0).astype(np.float32)


def shade(image: np.ndarray, *, strength: float = 1.0, direction: str = "horizontal") -> np.ndarray:
    """Simulated uneven lighting: multiply by a ramp from 1 − strength to 1 (book §3.2.2 uses 0 → 1)."""
    if not 0.0 <= strength <= 1.0:
        raise ValueError("The shading strength must be between 0 and 1.")
    image = to_float(image)
    height, width = image.shape[:2]
    if direction == "horizontal":
        ramp = np.broadcast_to(np.linspace(0.0, 1.0, width, dtype=np.float32), (height, width))
    elif direction == "vertical":
        ramp = np.broadcast_to(np.linspace(0.0, 1.0, height, dtype=np.float32)[:, None], (height, width))
    elif direction == "radial":
        yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
        r = np.hypot((yy - height / 2) / (height / 2), (xx - width / 2) / (width / 2)) / np.sqrt(2)
        ramp = 1.0 - r
    else:
        raise ValueError("The shading direction must be horizontal, vertical or radial.")
    gain = (1.0 - strength) + strength * ramp
    if image.ndim == 3:
        gain = gain[..., None]
    return np.clip(image * gain, 0.0, 1.0).astype(np.float32)


def histogram(image: np.ndarray, *, bins: int = 256) -> tuple[np.ndarray, np.ndarray]:
    """Counts and bin centres of the luminance on [0, 1]."""
    counts, edges = np.histogram(to_gray(image), bins=bins, range=(0.0, 1.0))
    return counts, (edges[:-1] + edges[1:]) / 2


# ---------------------------------------------------------------- global thresholds (§3.2.1, §3.2.3)

_GLOBAL_BOOK = "3.2.1"


@method(task=THRESHOLD, key="otsu", label="Otsu", book=_GLOBAL_BOOK, params=[FOREGROUND],
        summary="The threshold that maximises the variance between the two classes.",
        explanation="Every candidate t splits the histogram into two classes with weights ω₀, ω₁ and means "
                    "μ₀, μ₁. Otsu picks the t where the classes are farthest apart relative to their size; "
                    "equivalently, where the spread inside each class is smallest.",
        latex=r"t^* = \arg\max_t\ \omega_0(t)\,\omega_1(t)\,\bigl(\mu_0(t)-\mu_1(t)\bigr)^2")
def otsu(image, *, foreground="bright"):
    return _skimage_global(image, "threshold_otsu", foreground, nbins=256)


@method(task=THRESHOLD, key="li", label="Li (minimum cross-entropy)", book=_GLOBAL_BOOK, params=[FOREGROUND],
        summary="Minimises the cross-entropy between the image and its two-level version.",
        explanation="Li's method iterates towards the threshold whose two class means describe the image "
                    "with the least information lost, measured as cross-entropy.",
        latex=r"t^* = \arg\min_t\ -m_0(t)\log\mu_0(t) - m_1(t)\log\mu_1(t)")
def li(image, *, foreground="bright"):
    return _skimage_global(image, "threshold_li", foreground)


@method(task=THRESHOLD, key="yen", label="Yen (maximum correlation)", book=_GLOBAL_BOOK, params=[FOREGROUND],
        summary="Maximises a correlation criterion between the two classes' distributions.",
        explanation="Yen's criterion rewards thresholds whose two normalised class histograms are each "
                    "concentrated (a Rényi-type entropy of order 2). It is a maximum-correlation method, not "
                    "a cross-entropy one, whatever the book's text says.",
        latex=r"t^* = \arg\max_t\ -\log\sum_{i\le t}\Bigl(\tfrac{p_i}{P_t}\Bigr)^2 - \log\sum_{i>t}\Bigl(\tfrac{p_i}{1-P_t}\Bigr)^2")
def yen(image, *, foreground="bright"):
    return _skimage_global(image, "threshold_yen", foreground)


@method(task=THRESHOLD, key="isodata", label="ISODATA (Ridler–Calvard)", book=_GLOBAL_BOOK, params=[FOREGROUND],
        summary="The threshold halfway between the mean below it and the mean above it.",
        explanation="Start anywhere, then repeatedly move t to the average of the two class means until it "
                    "stops moving.",
        latex=r"t = \tfrac12\bigl(\mu_0(t) + \mu_1(t)\bigr)")
def isodata(image, *, foreground="bright"):
    return _skimage_global(image, "threshold_isodata", foreground)


@method(task=THRESHOLD, key="mean", label="Mean", book=_GLOBAL_BOOK, params=[FOREGROUND],
        summary="The image's mean gray level: the simplest automatic threshold.",
        explanation="Splits the pixels at their average. It needs no histogram model and is a fair choice "
                    "when objects and background cover similar areas; a large background drags it away.",
        latex=r"t = \frac{1}{N}\sum_x I(x)")
def mean(image, *, foreground="bright"):
    gray = _gray(image)
    _flat_check(gray)
    return _global(gray, float(gray.mean()), foreground)


@method(task=THRESHOLD, key="minimum", label="Minimum (valley)", book=_GLOBAL_BOOK, params=[FOREGROUND],
        summary="Smooths the histogram until two peaks remain and takes the valley between them.",
        explanation="Works well on clearly bimodal histograms; fails when smoothing never leaves exactly two "
                    "peaks, which is reported as a message rather than a result.",
        latex=r"t = \arg\min_{p_1 < i < p_2} h_\sigma(i)")
def minimum(image, *, foreground="bright"):
    try:
        return _skimage_global(image, "threshold_minimum", foreground)
    except RuntimeError:
        raise ValueError("The histogram never smooths down to two peaks, so the minimum method has no "
                         "valley to choose on this image.") from None


@method(task=THRESHOLD, key="triangle", label="Triangle", book=_GLOBAL_BOOK, params=[FOREGROUND],
        summary="The histogram point farthest from the line joining its peak to its far end.",
        explanation="Good when one class is a big peak and the other a long, thin tail (a few bright "
                    "objects on a dark background, or a sketch on paper).",
        latex=r"t = \arg\max_i\ \operatorname{dist}\bigl((i, h_i),\ \overline{(i_{peak}, h_{peak})(i_{end}, 0)}\bigr)")
def triangle(image, *, foreground="bright"):
    return _skimage_global(image, "threshold_triangle", foreground)


@method(task=THRESHOLD, key="kapur", label="Maximum entropy (Kapur, SimpleITK)", book="3.2.3",
        params=[Param("bins", "Histogram bins", 256, min=32, max=512, step=32,
                      help="SimpleITK's default is 256."), FOREGROUND],
        summary="Maximises the sum of the entropies of the two class histograms (SimpleITK).",
        explanation="Each side of t is treated as its own probability distribution; the best t makes both "
                    "as uninformative (high-entropy) as possible. It maximises the two class entropies, not "
                    "the entropy of the binary image.",
        latex=r"t^* = \arg\max_t\ -\sum_{i\le t}\tfrac{p_i}{P_t}\ln\tfrac{p_i}{P_t} "
              r"- \sum_{i>t}\tfrac{p_i}{1-P_t}\ln\tfrac{p_i}{1-P_t}")
def kapur(image, *, bins=256, foreground="bright"):
    return _sitk_global(image, "MaximumEntropy", bins, foreground)


def _sitk_global(image: np.ndarray, name: str, bins: int, foreground: str) -> Output:
    """Threshold with SimpleITK's `<name>ThresholdImageFilter` (it reports the threshold it chose)."""
    import SimpleITK as sitk

    gray = _gray(image)
    _flat_check(gray)
    thresholder = getattr(sitk, f"{name}ThresholdImageFilter")()
    thresholder.SetNumberOfHistogramBins(int(bins))
    try:
        thresholder.Execute(sitk.GetImageFromArray(gray))
    except RuntimeError:
        raise ValueError(f"SimpleITK's {name} threshold found no valid threshold on this image.") from None
    return _global(gray, thresholder.GetThreshold(), foreground)


SITK_FILTERS = ("Huang", "Intermodes", "KittlerIllingworth", "Moments", "RenyiEntropy", "Shanbhag")


@method(task=THRESHOLD, key="sitk", label="More SimpleITK thresholds", book="3.2.3",
        params=[Param("filter", "Method", "Huang", choices=SITK_FILTERS,
                      help="Huang: fuzzy-set entropy; Intermodes: smooth until bimodal, midpoint of the peaks; "
                           "Kittler–Illingworth: minimum error for two Gaussians; Moments: keep the first three "
                           "moments; Rényi: Rényi-entropy variant of Kapur; Shanbhag: fuzzy information measure."),
                Param("bins", "Histogram bins", 256, min=32, max=512, step=32), FOREGROUND],
        summary="SimpleITK's other histogram thresholders, from the same family as maximum entropy.",
        explanation="Each reads the image histogram and returns one global threshold by its own criterion; "
                    "compare them with Otsu and Kapur on the histogram below the results.",
        latex=r"t^* = \arg\mathrm{opt}_t\ J(h; t)")
def sitk(image, *, filter="Huang", bins=256, foreground="bright"):
    if filter not in SITK_FILTERS:
        raise ValueError(f"Unknown SimpleITK threshold {filter!r}; choose one of {', '.join(SITK_FILTERS)}.")
    return _sitk_global(image, filter, bins, foreground)


# ---------------------------------------------------------------- local thresholds (§3.2.2, §3.2.4, 3.Q1)

def _odd(size: int, name: str) -> int:
    size = int(size)
    if size < 3 or size % 2 == 0:
        raise ValueError(f"The {name} must be an odd number of at least 3 pixels.")
    return size


def _local(gray: np.ndarray, threshold_map: np.ndarray, foreground: str) -> Output:
    return Output(_split(gray, threshold_map, foreground), {"threshold map": threshold_map.astype(np.float32)})


@method(task=THRESHOLD, key="local", label="Local (threshold_local)", book="3.Q1",
        params=[Param("block_size", "Block size (odd, px)", 35, min=3, max=151, step=2),
                Param("offset", "Offset", 0.0, min=-0.2, max=0.2, step=0.01,
                      help="Subtracted from the local average: positive lowers the threshold (more bright, "
                           "fewer dark pixels). With dark objects on a flat background, a small positive "
                           "offset removes the noise in flat areas."),
                Param("statistic", "Local statistic", "gaussian", choices=("gaussian", "mean", "median")),
                FOREGROUND],
        summary="Each pixel's threshold is a weighted mean of its neighbourhood minus an offset.",
        explanation="Instead of one number for the whole image, every pixel is compared with the average of "
                    "the block around it, so slow changes of lighting cancel out. The block must be larger "
                    "than the objects, or their insides fall below their own local mean.",
        latex=r"T(x) = \bigl(w * I\bigr)(x) - c")
def local(image, *, block_size=35, offset=0.0, statistic="gaussian", foreground="bright"):
    from skimage.filters import threshold_local

    gray = _gray(image)
    block = _odd(block_size, "block size")
    return _local(gray, threshold_local(gray, block, method=statistic, offset=offset), foreground)


@method(task=THRESHOLD, key="local_otsu", label="Local Otsu (rank filter)", book="3.2.2",
        params=[Param("radius", "Disk radius (px)", 15, min=3, max=60),
                Param("min_contrast", "Minimum local contrast", 0.1, min=0.0, max=0.5, step=0.01,
                      help="Where the disk's max − min is below this, the neighbourhood is flat: it borrows the "
                           "threshold of nearby contrasted areas instead (0 = never; the book's version shows "
                           "speckle there)."),
                FOREGROUND],
        summary="Otsu's threshold computed in a disk around every pixel.",
        explanation="Copes with uneven lighting where one global threshold cannot. In flat regions the local "
                    "histogram has nothing to separate, which gives speckle; below a minimum local contrast "
                    "a pixel borrows the threshold of the contrasted pixels around it.",
        latex=r"T(x) = t_{\mathrm{Otsu}}\bigl(\{I(y) : \lVert y-x\rVert \le r\}\bigr)")
def local_otsu(image, *, radius=15, min_contrast=0.1, foreground="bright"):
    import cv2
    from skimage.filters import threshold_otsu
    from skimage.filters.rank import otsu as rank_otsu
    from skimage.morphology import disk

    gray = _gray(image)
    _flat_check(gray)
    gray8 = to_uint8(gray)
    footprint = disk(int(radius))
    threshold_map = rank_otsu(gray8, footprint).astype(np.float32) / 255.0
    if min_contrast > 0:
        kernel = footprint.astype(np.uint8)
        contrast = (cv2.dilate(gray8, kernel).astype(np.float32) - cv2.erode(gray8, kernel)) / 255.0
        flat = contrast < min_contrast
        if np.any(flat):
            # Flat neighbourhoods borrow the threshold of nearby contrasted ones (a normalised Gaussian
            # average), which sits between the two classes even under uneven light.
            sigma = 2.0 * float(radius)
            weight = cv2.GaussianBlur((~flat).astype(np.float32), (0, 0), sigma)
            spread = cv2.GaussianBlur(np.where(flat, 0.0, threshold_map).astype(np.float32), (0, 0), sigma)
            borrowed = np.where(weight > 1e-3, spread / np.maximum(weight, 1e-6), threshold_otsu(gray8) / 255.0)
            threshold_map[flat] = borrowed[flat]
    return Output(_split(gray8 / 255.0, threshold_map, foreground), {"threshold map": threshold_map})


@method(task=THRESHOLD, key="niblack", label="Niblack", book="3.Q1",
        params=[Param("window_size", "Window (odd, px)", 25, min=3, max=151, step=2),
                Param("k", "k", 0.2, min=-1.0, max=1.0, step=0.05,
                      help="How many local standard deviations the threshold sits above the local mean."),
                FOREGROUND],
        summary="Local mean plus k local standard deviations.",
        explanation="Niblack adapts the threshold to both the local brightness and the local contrast. In "
                    "flat background areas the standard deviation is small, so noise there tends to be "
                    "classified as foreground; Sauvola's variant was designed to fix that.",
        latex=r"T(x) = m(x) - k\,s(x)")
def niblack(image, *, window_size=25, k=0.2, foreground="bright"):
    from skimage.filters import threshold_niblack

    gray = _gray(image)
    window = _odd(window_size, "window")
    return _local(gray, threshold_niblack(gray, window_size=window, k=k), foreground)


@method(task=THRESHOLD, key="sauvola", label="Sauvola", book="3.Q1",
        params=[Param("window_size", "Window (odd, px)", 25, min=3, max=151, step=2),
                Param("k", "k", 0.2, min=0.0, max=1.0, step=0.05),
                Param("r", "Dynamic range R", 0.5, min=0.05, max=1.0, step=0.05,
                      help="The standard deviation's range; 0.5 for images in [0, 1]."),
                FOREGROUND],
        summary="Niblack adapted to documents: the deviation term is scaled by the dynamic range.",
        explanation="Where the neighbourhood is flat (low deviation), the threshold drops below the mean, "
                    "so paper stays background instead of turning into noise.",
        latex=r"T(x) = m(x)\Bigl(1 + k\bigl(\tfrac{s(x)}{R} - 1\bigr)\Bigr)")
def sauvola(image, *, window_size=25, k=0.2, r=0.5, foreground="bright"):
    from skimage.filters import threshold_sauvola

    gray = _gray(image)
    window = _odd(window_size, "window")
    return _local(gray, threshold_sauvola(gray, window_size=window, k=k, r=r), foreground)


def _adaptive_cv(image, *, block_size, c, foreground, gaussian: bool) -> Output:
    import cv2

    gray = _gray(image)
    block = _odd(block_size, "block size")
    gray8 = to_uint8(gray)
    kind = cv2.ADAPTIVE_THRESH_GAUSSIAN_C if gaussian else cv2.ADAPTIVE_THRESH_MEAN_C
    # THRESH_BINARY keeps pixels above (local mean − C); THRESH_BINARY_INV (the book's choice) keeps
    # the rest, i.e. dark strokes. The polarity is explicit here instead of hidden in the flag.
    flag = cv2.THRESH_BINARY if foreground == "bright" else cv2.THRESH_BINARY_INV
    out = cv2.adaptiveThreshold(gray8, 255, kind, flag, block, float(c))
    return Output(out > 0)


_ADAPTIVE_PARAMS = dict(
    block=Param("block_size", "Block size (odd, px)", 21, min=3, max=101, step=2, help="The book uses 21."),
    fg=Param("foreground", "Objects are", "dark", choices=("bright", "dark"),
             help="Dark (the book's THRESH_BINARY_INV): keep pixels darker than the local mean minus C."),
)


@method(task=THRESHOLD, key="adaptive_mean", label="Adaptive mean (OpenCV)", book="3.2.4",
        params=[_ADAPTIVE_PARAMS["block"],
                Param("c", "C (gray levels)", 10.0, min=-20.0, max=30.0, step=1.0, help="The book uses 10."),
                _ADAPTIVE_PARAMS["fg"]],
        summary="cv2.adaptiveThreshold with the block's plain mean minus C.",
        explanation="OpenCV's local threshold on 8-bit images: each pixel is kept when it differs from the "
                    "unweighted mean of its block by more than C. Fast, and the usual choice for scanned text.",
        latex=r"T(x) = \tfrac{1}{b^2}\sum_{y\in B_b(x)} I(y) - C")
def adaptive_mean(image, *, block_size=21, c=10.0, foreground="dark"):
    return _adaptive_cv(image, block_size=block_size, c=c, foreground=foreground, gaussian=False)


@method(task=THRESHOLD, key="adaptive_gaussian", label="Adaptive Gaussian (OpenCV)", book="3.2.4",
        params=[_ADAPTIVE_PARAMS["block"],
                Param("c", "C (gray levels)", 4.0, min=-20.0, max=30.0, step=1.0, help="The book uses 4."),
                _ADAPTIVE_PARAMS["fg"]],
        summary="cv2.adaptiveThreshold with a Gaussian-weighted block mean minus C.",
        explanation="The same as the adaptive mean, but near neighbours count more than far ones, which "
                    "gives smoother boundaries and less sensitivity to the exact block size.",
        latex=r"T(x) = (G_b * I)(x) - C")
def adaptive_gaussian(image, *, block_size=21, c=4.0, foreground="dark"):
    return _adaptive_cv(image, block_size=block_size, c=c, foreground=foreground, gaussian=True)


GLOBAL_METHODS = ("otsu", "li", "yen", "isodata", "mean", "minimum", "triangle", "kapur", "sitk")
LOCAL_METHODS = ("local", "local_otsu", "niblack", "sauvola", "adaptive_mean", "adaptive_gaussian")
