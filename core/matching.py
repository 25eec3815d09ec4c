"""Feature matching (book §5.3.2–5.3.5): detect and describe, match with a ratio test or a cross-check,
then fit a homography or an affine map robustly (RANSAC, MAGSAC, LMedS).

Points are (x, y) in pixels. The fitted matrix maps the moving image's coordinates to the fixed one's.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.image import to_uint8
from core.keypoints import gray_u8

DETECTORS = ("ORB", "SIFT", "AKAZE", "BRISK")
ESTIMATORS = ("RANSAC", "MAGSAC", "LMEDS")
MODELS = ("homography", "affine", "partial affine")
MIN_MATCHES = {"homography": 4, "affine": 3, "partial affine": 2}


@dataclass
class Features:
    points: np.ndarray  # (N, 2) float32 x, y
    descriptors: np.ndarray | None
    binary: bool  # Hamming distance (ORB, AKAZE, BRISK) or L2 (SIFT)


@dataclass
class Matches:
    fixed: Features
    moving: Features
    pairs: np.ndarray  # (M, 2) int: index into moving, index into fixed


@dataclass
class Fit:
    matrix: np.ndarray  # 3×3, moving → fixed
    inliers: np.ndarray  # (M,) bool over the matches

    @property
    def inlier_ratio(self) -> float:
        return float(self.inliers.mean()) if len(self.inliers) else 0.0


def _detector(name: str, nfeatures: int):
    import cv2

    if name == "ORB":
        return cv2.ORB_create(int(nfeatures)), True
    if name == "SIFT":
        return cv2.SIFT_create(int(nfeatures)), False
    if name == "AKAZE":
        return cv2.AKAZE_create(), True
    if name == "BRISK":
        return cv2.BRISK_create(), True
    raise ValueError(f"Unknown detector {name!r}; choose one of {', '.join(DETECTORS)}.")


def describe(image: np.ndarray, *, detector: str = "SIFT", nfeatures: int = 2000, role: str = "image") -> Features:
    """Keypoints and descriptors of one image; refuses an image with no keypoints."""
    engine, binary = _detector(detector, nfeatures)
    try:
        gray = gray_u8(image)
    except ValueError:
        raise ValueError(f"The {role} has no texture (it is flat), so {detector} finds no keypoints to match.") \
            from None
    keypoints, descriptors = engine.detectAndCompute(gray, None)
    if not keypoints or descriptors is None:
        raise ValueError(f"{detector} found no keypoints in the {role}: it has too little texture to register.")
    if detector == "AKAZE" and nfeatures and len(keypoints) > nfeatures:
        order = np.argsort([-k.response for k in keypoints], kind="stable")[:nfeatures]
        keypoints, descriptors = [keypoints[i] for i in order], descriptors[order]
    points = np.array([k.pt for k in keypoints], np.float32)
    return Features(points, descriptors, binary)


def match(moving: Features, fixed: Features, *, strategy: str = "ratio", ratio: float = 0.75) -> np.ndarray:
    """Pairs (moving index, fixed index): Lowe's ratio test on the two nearest neighbours, or mutual
    nearest neighbours (cross-check)."""
    import cv2

    norm = cv2.NORM_HAMMING if moving.binary else cv2.NORM_L2
    if strategy == "crosscheck":
        found = cv2.BFMatcher(norm, crossCheck=True).match(moving.descriptors, fixed.descriptors)
        pairs = [(m.queryIdx, m.trainIdx) for m in sorted(found, key=lambda m: m.distance)]
    elif strategy == "ratio":
        found = cv2.BFMatcher(norm).knnMatch(moving.descriptors, fixed.descriptors, k=2)
        pairs = [(p[0].queryIdx, p[0].trainIdx) for p in found
                 if len(p) == 2 and p[0].distance < ratio * p[1].distance]  # guard: a lone neighbour
    else:
        raise ValueError(f"Unknown matching strategy {strategy!r}; use 'ratio' or 'crosscheck'.")
    return np.asarray(pairs, np.int64).reshape(-1, 2)


def match_images(moving: np.ndarray, fixed: np.ndarray, *, detector: str = "SIFT", nfeatures: int = 2000,
                 strategy: str = "ratio", ratio: float = 0.75) -> Matches:
    fixed_features = describe(fixed, detector=detector, nfeatures=nfeatures, role="fixed image")
    moving_features = describe(moving, detector=detector, nfeatures=nfeatures, role="moving image")
    pairs = match(moving_features, fixed_features, strategy=strategy, ratio=ratio)
    return Matches(fixed_features, moving_features, pairs)


def fit(matches: Matches, *, model: str = "homography", estimator: str = "RANSAC",
        threshold: float = 3.0) -> Fit:
    """Robust fit of the moving → fixed map; clear errors for too few matches or a failed fit."""
    import cv2

    if model not in MODELS:
        raise ValueError(f"Unknown model {model!r}; choose one of {', '.join(MODELS)}.")
    need = MIN_MATCHES[model]
    count = len(matches.pairs)
    if count < need:
        raise ValueError(f"Only {count} match{'es' if count != 1 else ''} survived matching; a {model} needs at "
                         f"least {need}. Try a looser ratio, more features, or a more textured image.")
    source = matches.moving.points[matches.pairs[:, 0]].reshape(-1, 1, 2)
    target = matches.fixed.points[matches.pairs[:, 1]].reshape(-1, 1, 2)
    flags = {"RANSAC": cv2.RANSAC, "MAGSAC": cv2.USAC_MAGSAC, "LMEDS": cv2.LMEDS}
    if estimator not in flags:
        raise ValueError(f"Unknown estimator {estimator!r}; choose one of {', '.join(ESTIMATORS)}.")
    try:
        if model == "homography":
            matrix, mask = cv2.findHomography(source, target, flags[estimator], float(threshold),
                                              maxIters=5000, confidence=0.999)
        else:
            estimate = cv2.estimateAffine2D if model == "affine" else cv2.estimateAffinePartial2D
            matrix, mask = estimate(source, target, method=flags[estimator], ransacReprojThreshold=float(threshold),
                                    maxIters=5000, confidence=0.999)
            if matrix is not None:
                matrix = np.vstack([matrix, [0, 0, 1]])
    except cv2.error:
        matrix, mask = None, None
    if matrix is None or not np.all(np.isfinite(matrix)) or abs(np.linalg.det(matrix)) < 1e-6:
        raise ValueError(f"The {model} fit failed: the {count} matches do not agree on one {model} "
                         "(too many wrong matches, or points nearly on one line).")
    inliers = mask.ravel().astype(bool) if mask is not None else np.ones(count, bool)
    if inliers.sum() < need:
        raise ValueError(f"The {model} fit failed: only {int(inliers.sum())} of {count} matches agree with it.")
    return Fit(np.asarray(matrix, np.float64), inliers)


def draw_matches(fixed: np.ndarray, moving: np.ndarray, matches: Matches, inliers: np.ndarray | None = None,
                 *, limit: int = 300) -> np.ndarray:
    """Fixed on the left, moving on the right; inliers green, outliers red (at most `limit` lines), as uint8 RGB.
    Images under 192 px are enlarged by an integer factor first, so the lines stay thin."""
    import cv2

    from core.image import to_rgb

    factor = max(1, 384 // max(fixed.shape[0], moving.shape[0]))  # thin lines even on small images
    left, right = (np.kron(to_uint8(to_rgb(x)), np.ones((factor, factor, 1), np.uint8)) for x in (fixed, moving))
    height = max(left.shape[0], right.shape[0])
    canvas = np.zeros((height, left.shape[1] + right.shape[1], 3), np.uint8)
    canvas[:left.shape[0], :left.shape[1]] = left
    canvas[:right.shape[0], left.shape[1]:] = right
    inliers = np.ones(len(matches.pairs), bool) if inliers is None else inliers
    order = np.r_[np.nonzero(~inliers)[0], np.nonzero(inliers)[0]][-limit:]  # inliers drawn last, on top
    thickness = max(1, round(height / 512))
    for index in order:
        m, f = matches.pairs[index]
        x1, y1 = (matches.fixed.points[f] + 0.5) * factor - 0.5
        x2, y2 = (matches.moving.points[m] + 0.5) * factor - 0.5
        color = (60, 220, 60) if inliers[index] else (235, 60, 60)
        start, end = (int(round(x1)), int(round(y1))), (int(round(x2 + left.shape[1])), int(round(y2)))
        cv2.line(canvas, start, end, color, thickness, cv2.LINE_AA)
        cv2.circle(canvas, start, 2 * thickness, color, -1, cv2.LINE_AA)
        cv2.circle(canvas, end, 2 * thickness, color, -1, cv2.LINE_AA)
    return canvas  # uint8: a picture only shown, a quarter of the bytes of float32 in the caches
