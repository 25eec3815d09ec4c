"""Corner and keypoint detectors (book §5.2 and the detectors of §5.3). The tools that judge them (the
structure tensor at one pixel, a sub-pixel test pattern, repeatability) are in `core.keypoint_tools`.

Every detector returns `Output(image=drawing, extras={"keypoints": (N, 5) array, ...})`, the array
holding x, y, size (diameter in px), angle (degrees, -1 when the detector gives none) and response.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from core.image import to_gray, to_rgb, to_uint8
from core.registry import KEYPOINTS, Output, Param, method

COLUMNS = ("x", "y", "size", "angle", "response")
MIN_CONTRAST = 1e-3  # an image whose gray levels vary less than this has no texture at all


# -- helpers shared by the detectors ------------------------------------------------------------

def gray_u8(image: np.ndarray) -> np.ndarray:
    """The detectors' common input: 8-bit luminance. A flat image is refused with a clear message."""
    gray = to_gray(image)
    if float(gray.max() - gray.min()) < MIN_CONTRAST:
        raise ValueError("The image has no texture (it is flat), so there are no corners or keypoints to find.")
    return to_uint8(gray)


def _from_cv(keypoints) -> np.ndarray:
    rows = [(k.pt[0], k.pt[1], k.size, k.angle, k.response) for k in keypoints]
    return np.asarray(rows, np.float32).reshape(-1, 5)


def _from_points(points: np.ndarray, *, size: float, response: np.ndarray | None = None) -> np.ndarray:
    points = np.asarray(points, np.float32).reshape(-1, 2)
    out = np.zeros((len(points), 5), np.float32)
    out[:, :2] = points
    out[:, 2] = size
    out[:, 3] = -1
    if response is not None:
        out[:, 4] = response
    return out


def draw_keypoints(image: np.ndarray, keypoints: np.ndarray, *, color=(0, 255, 80),
                   extra_points: np.ndarray | None = None, extra_color=(255, 40, 40)) -> np.ndarray:
    """RGB drawing: a circle of each keypoint's size and a radius along its orientation."""
    import cv2

    canvas = to_uint8(to_rgb(image))
    scale = max(1, round(max(canvas.shape[:2]) / 512))
    for x, y, size, angle, _ in np.asarray(keypoints, np.float32):
        centre = (int(round(x)), int(round(y)))
        radius = max(3 * scale, int(round(size / 2)))
        cv2.circle(canvas, centre, radius, color, scale, cv2.LINE_AA)
        if angle >= 0:
            theta = np.deg2rad(angle)
            tip = (int(round(x + radius * np.cos(theta))), int(round(y + radius * np.sin(theta))))
            cv2.line(canvas, centre, tip, color, scale, cv2.LINE_AA)
    if extra_points is not None:
        for x, y in np.asarray(extra_points, np.float32).reshape(-1, 2):
            cv2.drawMarker(canvas, (int(round(x)), int(round(y))), extra_color, cv2.MARKER_CROSS,
                           7 * scale, scale)
    return canvas.astype(np.float32) / 255.0


def _result(image: np.ndarray, keypoints: np.ndarray, label: str, **extras) -> Output:
    if len(keypoints) == 0:
        raise ValueError(f"{label} found no keypoints: the image has too little texture for these settings "
                         "(try a lower threshold or a textured image).")
    extra_points = extras.pop("draw_also", None)
    drawing = draw_keypoints(image, keypoints, extra_points=extra_points)
    return Output(drawing, {"keypoints": keypoints, "count": len(keypoints), **extras})


def _local_maxima(response: np.ndarray, threshold: float, min_distance: int) -> np.ndarray:
    from scipy.ndimage import maximum_filter

    peaks = (response == maximum_filter(response, size=2 * min_distance + 1)) & (response > threshold)
    ys, xs = np.nonzero(peaks)
    return np.stack([xs, ys], axis=1).astype(np.float32)


# -- Harris and friends (§5.2) ---------------------------------------------------------------------

HARRIS_PARAMS = [
    Param("block_size", "Block size", 2, min=2, max=10, help="Side of the window summing the structure tensor."),
    Param("ksize", "Sobel aperture", 3, choices=(3, 5, 7), help="Size of the Sobel derivative filter."),
    Param("k", "Harris k", 0.04, min=0.02, max=0.10, step=0.005,
          help="Weight of the trace term in R = det M − k (trace M)²; larger k finds fewer corners."),
]


def harris_response(image: np.ndarray, *, block_size: int = 2, ksize: int = 3, k: float = 0.04) -> np.ndarray:
    """R = det M − k (trace M)² at every pixel (float32, same size as the image)."""
    import cv2

    gray = gray_u8(image).astype(np.float32) / 255.0
    return cv2.cornerHarris(gray, int(block_size), int(ksize), float(k))


@method(task=KEYPOINTS, key="harris", label="Harris", book="5.2.1",
        summary="Corner response from the 2×2 structure tensor; pixels above a fraction of the maximum.",
        explanation="Shifting a small window over a corner changes its content in every direction, so both "
        "eigenvalues of the window's gradient covariance M are large. Harris avoids the eigenvalues and scores "
        "det M − k·(trace M)². The book paints every pixel above 7.5 % of the maximum, which marks blobs around "
        "each corner; with *Keep local maxima* on, each blob keeps only its peak.",
        latex=r"R = \det M - k\,(\operatorname{tr} M)^2 = \lambda_1\lambda_2 - k(\lambda_1+\lambda_2)^2",
        params=HARRIS_PARAMS + [
            Param("threshold", "Threshold (fraction of max R)", 0.075, min=0.001, max=0.2, step=0.001,
                  help="A pixel is a corner when R exceeds this fraction of the largest R (book: 0.075)."),
            Param("peaks_only", "Keep local maxima", True,
                  help="Off reproduces the book: every pixel above the threshold is marked."),
            Param("min_distance", "Min distance between maxima (px)", 3, min=1, max=20),
        ])
def harris(image, *, block_size=2, ksize=3, k=0.04, threshold=0.075, peaks_only=True, min_distance=3):
    response = harris_response(image, block_size=block_size, ksize=ksize, k=k)
    top = float(response.max())
    if top <= 0:
        raise ValueError("Harris found no corners: no pixel has a positive corner response (the image has no "
                         "corners, only flat areas or straight edges).")
    level = threshold * top
    if peaks_only:
        points = _local_maxima(response, level, int(min_distance))
    else:
        ys, xs = np.nonzero(response > level)
        points = np.stack([xs, ys], axis=1).astype(np.float32)
    strength = response[points[:, 1].astype(int), points[:, 0].astype(int)] if len(points) else None
    keypoints = _from_points(points, size=2 * block_size + 1, response=strength)
    return _result(image, keypoints, "Harris", response=response)


def subpixel_corners(image: np.ndarray, *, threshold: float = 0.01, half_window: int = 5, iterations: int = 100,
                     epsilon: float = 0.001) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Harris blobs → their centroids → cornerSubPix. Returns (centroids, refined, background centroid).

    Component 0 of connectedComponentsWithStats is the background; the book refines it as if it were a
    corner (it sits near the image centre). It is returned separately and never refined."""
    import cv2

    gray = gray_u8(image)
    response = cv2.dilate(cv2.cornerHarris(gray.astype(np.float32) / 255.0, 2, 3, 0.04), None)
    top = float(response.max())
    if top <= 0:
        raise ValueError("No corner has a positive Harris response in this image.")
    blobs = (response > threshold * top).astype(np.uint8)
    count, _, _, centroids = cv2.connectedComponentsWithStats(blobs)
    background, seeds = centroids[0].astype(np.float32), centroids[1:].astype(np.float32)
    if len(seeds) == 0:
        return seeds.reshape(0, 2), seeds.reshape(0, 2), background
    criteria = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, int(iterations), float(epsilon))
    refined = cv2.cornerSubPix(gray, seeds.reshape(-1, 1, 2).copy(), (int(half_window), int(half_window)),
                               (-1, -1), criteria).reshape(-1, 2)
    height, width = gray.shape
    refined = np.clip(refined, 0, [width - 1, height - 1]).astype(np.float32)
    return seeds, refined, background


@method(task=KEYPOINTS, key="harris_subpix", label="Harris + sub-pixel", book="5.2.2",
        summary="Centroids of the Harris blobs, refined to sub-pixel accuracy with cornerSubPix.",
        explanation="Thresholding R leaves a small blob around each corner; the centroid of each blob is a "
        "first guess (red crosses). cornerSubPix then moves it to the point where the image gradients in a small "
        "window are orthogonal to the vectors from that point, which is exact at an ideal corner (green). "
        "The background component, which the book refines and draws as a corner, is left out.",
        latex=r"\min_{q}\sum_{p \in W} \left(\nabla I(p)^\top (p - q)\right)^2",
        params=[
            Param("threshold", "Threshold (fraction of max R)", 0.01, min=0.001, max=0.2, step=0.001),
            Param("half_window", "Search half-window (px)", 5, min=2, max=11,
                  help="cornerSubPix looks at a (2n+1)² window around each seed (book: 5 → 11×11)."),
            Param("iterations", "Max iterations", 100, min=10, max=200),
            Param("epsilon", "Stop when the shift is below (px)", 0.001, min=1e-4, max=0.1, log=True),
        ])
def harris_subpix(image, *, threshold=0.01, half_window=5, iterations=100, epsilon=0.001):
    seeds, refined, background = subpixel_corners(image, threshold=threshold, half_window=half_window,
                                                  iterations=iterations, epsilon=epsilon)
    keypoints = _from_points(refined, size=2 * half_window + 1)
    shift = np.linalg.norm(refined - seeds, axis=1) if len(seeds) else np.zeros(0)
    return _result(image, keypoints, "Harris + sub-pixel", centroids=seeds, draw_also=seeds,
                   background_centroid=background, mean_shift_px=float(shift.mean()) if len(shift) else 0.0)


@method(task=KEYPOINTS, key="shi_tomasi", label="Shi–Tomasi", book="5.2.3",
        summary="goodFeaturesToTrack: min(λ1, λ2) above a fraction of the best, spread out by a minimum distance.",
        explanation="Shi and Tomasi score a pixel by the smaller eigenvalue of its structure tensor: a corner "
        "needs both to be large. Pixels under *quality* × the best score are dropped (the level is relative, "
        "not absolute), then the strongest are kept greedily, skipping any closer than the minimum distance "
        "to one already kept.",
        latex=r"R = \min(\lambda_1, \lambda_2)",
        params=[
            Param("max_corners", "Max corners", 100, min=1, max=500, help="Book: 25."),
            Param("quality", "Quality level (relative)", 0.01, min=0.001, max=0.5, log=True),
            Param("min_distance", "Min distance (px)", 10, min=1, max=50),
            Param("block_size", "Block size", 3, min=3, max=9),
            Param("use_harris", "Harris score instead", False, help="useHarrisDetector=True with k = 0.04."),
        ])
def shi_tomasi(image, *, max_corners=100, quality=0.01, min_distance=10, block_size=3, use_harris=False):
    import cv2

    gray = gray_u8(image)
    corners = cv2.goodFeaturesToTrack(gray, int(max_corners), float(quality), float(min_distance),
                                      blockSize=int(block_size), useHarrisDetector=bool(use_harris), k=0.04)
    points = np.zeros((0, 2), np.float32) if corners is None else corners.reshape(-1, 2)
    return _result(image, _from_points(points, size=2 * block_size + 1), "Shi–Tomasi")


# -- scale-space detectors (OpenCV) -------------------------------------------------------------

def _cv_detect(image: np.ndarray, detector, label: str) -> Output:
    keypoints = _from_cv(detector.detect(gray_u8(image), None))
    order = np.argsort(-keypoints[:, 4], kind="stable")
    return _result(image, keypoints[order], label)


@method(task=KEYPOINTS, key="fast", label="FAST", book="5.1",
        summary="Segment test: a pixel is a corner when a long arc of the 16-pixel circle is all brighter or darker.",
        explanation="FAST compares the 16 pixels on a circle of radius 3 with the centre. If enough contiguous "
        "ones (9 for TYPE_9_16) are all brighter or all darker by more than the threshold, the centre is a "
        "corner. It is very fast, has no scale and no orientation.",
        latex=r"\exists\,\text{arc } A \subset C_{16}(p),\ |A| \ge n:\ "
              r"\forall x \in A,\ I(x) > I(p) + t \ \text{or}\ \forall x \in A,\ I(x) < I(p) - t",
        params=[
            Param("threshold", "Intensity threshold (0–255)", 20, min=1, max=100),
            Param("nonmax", "Non-maximum suppression", True),
            Param("kind", "Circle / arc", "9_16", choices=("9_16", "7_12", "5_8")),
        ])
def fast(image, *, threshold=20, nonmax=True, kind="9_16"):
    import cv2

    types = {"9_16": cv2.FAST_FEATURE_DETECTOR_TYPE_9_16, "7_12": cv2.FAST_FEATURE_DETECTOR_TYPE_7_12,
             "5_8": cv2.FAST_FEATURE_DETECTOR_TYPE_5_8}
    detector = cv2.FastFeatureDetector_create(int(threshold), bool(nonmax), types[kind])
    return _cv_detect(image, detector, "FAST")


ORB_PARAMS = [
    Param("nfeatures", "Max keypoints", 500, min=50, max=5000, step=50, help="Book: 500."),
    Param("scale_factor", "Pyramid scale factor", 1.2, min=1.05, max=2.0, step=0.05),
    Param("nlevels", "Pyramid levels", 8, min=1, max=12),
    Param("fast_threshold", "FAST threshold", 20, min=1, max=100),
]


@method(task=KEYPOINTS, key="orb", label="ORB (OpenCV)", book="5.3.2", params=ORB_PARAMS,
        summary="FAST corners on an image pyramid, oriented by the intensity centroid, described by rBRIEF.",
        explanation="ORB runs FAST on every level of a pyramid, keeps the best by Harris score, and gives each "
        "keypoint the direction from its centre to the patch's intensity centroid. Its 256-bit descriptor is "
        "rBRIEF, binary tests steered by that angle and chosen to be uncorrelated (not a BRISK variant, as the "
        "book's table says).",
        latex=r"\theta = \operatorname{atan2}(m_{01}, m_{10}),\quad m_{pq} = \sum x^p y^q I(x, y)")
def orb(image, *, nfeatures=500, scale_factor=1.2, nlevels=8, fast_threshold=20):
    import cv2

    detector = cv2.ORB_create(int(nfeatures), float(scale_factor), int(nlevels), fastThreshold=int(fast_threshold))
    return _cv_detect(image, detector, "ORB")


SIFT_PARAMS = [
    Param("nfeatures", "Max keypoints (0 = all)", 0, min=0, max=5000, step=50),
    Param("contrast_threshold", "Contrast threshold", 0.04, min=0.005, max=0.1, step=0.005,
          help="Weak extrema of the difference of Gaussians are dropped; lower finds more."),
    Param("edge_threshold", "Edge threshold", 10.0, min=2.0, max=30.0, step=1.0,
          help="Extrema on edges (a large ratio of principal curvatures) are dropped."),
    Param("sigma", "Base blur σ", 1.6, min=0.8, max=3.0, step=0.1),
]


@method(task=KEYPOINTS, key="sift", label="SIFT", book="5.3.4", params=SIFT_PARAMS,
        summary="Extrema of the difference of Gaussians over scale, with a dominant gradient orientation.",
        explanation="SIFT blurs the image at geometrically spaced scales, subtracts neighbours and keeps points "
        "that are extrema in space and scale, refined to sub-pixel and sub-scale. The dominant direction of the "
        "gradients around it gives the orientation, so the 128-d histogram descriptor is rotation invariant. "
        "It stands in for SURF, which is patented and missing from every OpenCV wheel.",
        latex=r"D(x, y, \sigma) = (G(k\sigma) - G(\sigma)) * I")
def sift(image, *, nfeatures=0, contrast_threshold=0.04, edge_threshold=10.0, sigma=1.6):
    import cv2

    detector = cv2.SIFT_create(int(nfeatures), 3, float(contrast_threshold), float(edge_threshold), float(sigma))
    return _cv_detect(image, detector, "SIFT")


@method(task=KEYPOINTS, key="akaze", label="AKAZE", book="5.3.5",
        summary="Hessian extrema in a nonlinear (edge-preserving) scale space, with a binary descriptor.",
        explanation="AKAZE builds its scale space with nonlinear diffusion, which blurs within regions but not "
        "across edges, so keypoints stay well localised at coarse scales. Keypoints are extrema of the "
        "determinant of the Hessian; the descriptor (M-LDB) is binary and compared with the Hamming distance.",
        latex=r"\partial_t L = \operatorname{div}\big(g(|\nabla L_\sigma|)\,\nabla L\big),\quad "
              r"\det H = L_{xx}L_{yy} - L_{xy}^2",
        params=[
            Param("threshold", "Detector threshold", 0.001, min=1e-4, max=0.01, log=True,
                  help="Lower finds more keypoints."),
            Param("octaves", "Octaves", 4, min=1, max=8),
        ])
def akaze(image, *, threshold=0.001, octaves=4):
    import cv2

    return _cv_detect(image, cv2.AKAZE_create(threshold=float(threshold), nOctaves=int(octaves)), "AKAZE")


@method(task=KEYPOINTS, key="brisk", label="BRISK", book="5.3 (named, not implemented in the book)",
        summary="AGAST corners over a scale pyramid with a binary descriptor from a ring sampling pattern.",
        explanation="BRISK finds corners with AGAST (a faster FAST) on octaves and intra-octaves, interpolating "
        "the scale. Long-distance pairs of its concentric sampling pattern give the orientation, short ones the "
        "512-bit descriptor.",
        latex=r"b_k = \big[\, I_\sigma(p_i^{\alpha}) < I_\sigma(p_j^{\alpha}) \,\big],\quad "
              r"(p_i, p_j) \in \mathcal{S}\ \text{(short pairs)},\ 512 \text{ bits}",
        params=[
            Param("threshold", "AGAST threshold", 30, min=5, max=100),
            Param("octaves", "Octaves", 3, min=0, max=8),
        ])
def brisk(image, *, threshold=30, octaves=3):
    import cv2

    return _cv_detect(image, cv2.BRISK_create(int(threshold), int(octaves)), "BRISK")


@method(task=KEYPOINTS, key="orb_skimage", label="ORB (scikit-image)", book="5.3.3", slow=True,
        summary="scikit-image's ORB: oriented FAST on a pyramid, the best by Harris score.",
        explanation="The same idea as OpenCV's ORB in pure scikit-image. It returns (row, col) coordinates, "
        "converted here to (x, y), and is slower than OpenCV's.",
        latex=r"\theta = \operatorname{atan2}(m_{01}, m_{10}),\quad m_{pq} = \sum_{x,y} x^p y^q I(x, y)",
        params=[
            Param("n_keypoints", "Keypoints", 200, min=20, max=1000, step=10, help="Book: 100."),
            Param("fast_threshold", "FAST threshold", 0.08, min=0.01, max=0.2, step=0.01),
            Param("n_scales", "Scales", 8, min=2, max=12),
            Param("downscale", "Downscale", 1.2, min=1.1, max=2.0, step=0.05),
        ])
def orb_skimage(image, *, n_keypoints=200, fast_threshold=0.08, n_scales=8, downscale=1.2,
                progress: Callable[[float, str], None] | None = None):
    from skimage.feature import ORB

    if progress is not None:
        progress(0.05, "building the pyramid and scoring corners")

    gray = gray_u8(image).astype(np.float32) / 255.0
    detector = ORB(n_keypoints=int(n_keypoints), fast_threshold=float(fast_threshold), n_scales=int(n_scales),
                   downscale=float(downscale))
    try:
        detector.detect(gray)
    except (RuntimeError, ValueError, IndexError):
        raise ValueError("ORB (scikit-image) found no keypoints: the image has too little contrast or is too "
                         "small for its pyramid.") from None
    rows = detector.keypoints
    keypoints = np.zeros((len(rows), 5), np.float32)
    keypoints[:, 0], keypoints[:, 1] = rows[:, 1], rows[:, 0]
    keypoints[:, 2] = 31 * detector.scales
    keypoints[:, 3] = np.rad2deg(detector.orientations) % 360
    keypoints[:, 4] = detector.responses
    if progress is not None:
        progress(1.0, f"{len(keypoints)} keypoints")
    return _result(image, keypoints, "ORB (scikit-image)")
