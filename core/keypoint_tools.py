"""Tools that judge the keypoint detectors of `core.keypoints`: the structure tensor at one pixel, a
sub-pixel test pattern with known corners, and repeatability under a synthetic rotation, scaling, noise
or blur (book §5.2)."""
from __future__ import annotations

from typing import Callable

import numpy as np

from core.keypoints import gray_u8, harris_response
from core.registry import KEYPOINTS, get_method


# -- the structure tensor at one pixel ----------------------------------------------------------

def structure_tensor_at(image: np.ndarray, x: float, y: float, *, block_size: int = 2, ksize: int = 3,
                        k: float = 0.04) -> dict:
    """M, its eigenvalues, the Harris response and a verdict at pixel (x, y), with OpenCV's scaling."""
    import cv2

    gray = gray_u8(image).astype(np.float32) / 255.0
    height, width = gray.shape
    col, row = int(np.clip(round(x), 0, width - 1)), int(np.clip(round(y), 0, height - 1))
    eig = cv2.cornerEigenValsAndVecs(gray, int(block_size), int(ksize))[row, col]
    l1, l2, v1, v2 = float(eig[0]), float(eig[1]), eig[2:4], eig[4:6]
    tensor = l1 * np.outer(v1, v1) + l2 * np.outer(v2, v2)
    response = harris_response(image, block_size=block_size, ksize=ksize, k=k)
    r = float(response[row, col])
    top = float(np.abs(response).max()) or 1.0
    if r > 0.01 * top:
        verdict = "corner"
    elif r < -0.01 * top:
        verdict = "edge"
    else:
        verdict = "flat"
    return dict(x=col, y=row, tensor=tensor, eigenvalues=(max(l1, l2), min(l1, l2)), response=r, verdict=verdict)


def eigenvalue_samples(image: np.ndarray, *, block_size: int = 2, ksize: int = 3, k: float = 0.04,
                       count: int = 3000, seed: int = 0) -> dict[str, np.ndarray]:
    """(λ1, λ2) and R at randomly chosen pixels: the book's Fig. 5.1 drawn from real data."""
    import cv2

    gray = gray_u8(image).astype(np.float32) / 255.0
    eig = cv2.cornerEigenValsAndVecs(gray, int(block_size), int(ksize))
    response = harris_response(image, block_size=block_size, ksize=ksize, k=k)
    rng = np.random.default_rng(seed)
    flat = rng.choice(gray.size, size=min(count, gray.size), replace=False)
    l1, l2 = eig[..., 0].ravel()[flat], eig[..., 1].ravel()[flat]
    return dict(lambda1=np.maximum(l1, l2), lambda2=np.minimum(l1, l2), response=response.ravel()[flat])


# -- a test pattern with known sub-pixel corners --------------------------------------------------

def subpixel_checkerboard(size: int = 128, squares: int = 8, *, offset=(0.37, 0.61), angle: float = 7.0,
                          supersample: int = 8) -> tuple[np.ndarray, np.ndarray]:
    """A rotated, sub-pixel shifted checkerboard rendered by area sampling, and its true inner corners (x, y)."""
    import cv2

    cell = size / squares
    theta = np.deg2rad(angle)
    rot = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
    centre = np.array([size / 2 + offset[0], size / 2 + offset[1]])
    big = size * supersample
    ys, xs = (np.mgrid[0:big, 0:big] + 0.5) / supersample - 0.5  # pixel-centre coordinates
    local = np.tensordot(rot.T, np.stack([xs - centre[0], ys - centre[1]]), axes=1)
    pattern = (np.floor(local[0] / cell) + np.floor(local[1] / cell)) % 2
    image = cv2.resize(pattern.astype(np.float32), (size, size), interpolation=cv2.INTER_AREA)
    image = (0.15 + 0.7 * image).astype(np.float32)
    half = squares // 2 - 1
    grid = np.array([(i, j) for i in range(-half, half + 1) for j in range(-half, half + 1)], np.float64) * cell
    corners = grid @ rot.T + centre
    return image, corners.astype(np.float32)


def nearest_errors(found: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """For each true point, the distance to the nearest found point."""
    from scipy.spatial import cKDTree

    found = np.asarray(found, np.float64).reshape(-1, 2)
    if len(found) == 0:
        return np.full(len(truth), np.inf)
    return cKDTree(found).query(np.asarray(truth, np.float64).reshape(-1, 2))[0]


# -- repeatability under a known transform --------------------------------------------------------

TRANSFORMS = {  # name -> (label, default strengths, unit)
    "rotation": ("Rotation", (0, 10, 20, 30, 45, 60, 90), "degrees"),
    "scale": ("Scale", (0.5, 0.7, 0.85, 1.0, 1.2, 1.5, 2.0), "factor"),
    "noise": ("Gaussian noise", (0.0, 0.02, 0.05, 0.1, 0.15, 0.2), "σ"),
    "blur": ("Gaussian blur", (0.0, 1.0, 2.0, 3.0, 4.0, 6.0), "σ in px"),
}


def transform_image(image: np.ndarray, kind: str, strength: float, *, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The transformed image (same size) and the 3×3 matrix mapping original to transformed coordinates."""
    import cv2

    height, width = image.shape[:2]
    matrix = np.eye(3)
    out = image
    if kind in ("rotation", "scale"):
        angle, scale = (strength, 1.0) if kind == "rotation" else (0.0, strength)
        if scale <= 0:
            raise ValueError("The scale factor must be positive.")
        matrix[:2] = cv2.getRotationMatrix2D(((width - 1) / 2, (height - 1) / 2), angle, scale)
        out = cv2.warpAffine(image, matrix[:2], (width, height), flags=cv2.INTER_LINEAR,
                             borderMode=cv2.BORDER_CONSTANT)
    elif kind == "noise":
        rng = np.random.default_rng(seed)
        out = np.clip(image + rng.normal(0, strength, image.shape), 0, 1).astype(np.float32)
    elif kind == "blur":
        out = cv2.GaussianBlur(image, (0, 0), strength) if strength > 0 else image
    else:
        raise ValueError(f"Unknown transform {kind!r}; choose one of {', '.join(TRANSFORMS)}.")
    return np.asarray(out, np.float32), matrix


def repeatability(before: np.ndarray, after: np.ndarray, matrix: np.ndarray, shape: tuple[int, int], *,
                  tolerance: float = 3.0, margin: float = 8.0) -> float:
    """Share of keypoints found again within `tolerance` px, among those visible in both images
    (Mikolajczyk's measure: correspondences over the smaller of the two counts)."""
    from scipy.spatial import cKDTree

    height, width = shape
    inverse = np.linalg.inv(matrix)

    def inside(points):
        return ((points[:, 0] >= margin) & (points[:, 0] < width - margin) & (points[:, 1] >= margin)
                & (points[:, 1] < height - margin))

    before, after = _unique_points(before), _unique_points(after)  # SIFT repeats a point per orientation
    mapped = _apply(matrix, before[:, :2])
    keep_before = inside(mapped) & inside(before[:, :2])
    back = _apply(inverse, after[:, :2])
    keep_after = inside(after[:, :2]) & inside(back)
    a, b = mapped[keep_before], after[keep_after, :2]
    if len(a) == 0 or len(b) == 0:
        return 0.0
    distances, nearest = cKDTree(b).query(a)
    matched = len(set(nearest[distances <= tolerance].tolist()))  # one-to-one: each detection counts once
    return matched / min(len(a), len(b))


def _unique_points(keypoints: np.ndarray) -> np.ndarray:
    points = np.asarray(keypoints, np.float64)[:, :2]
    _, first = np.unique(np.round(points * 2), axis=0, return_index=True)
    return points[np.sort(first)]


def _apply(matrix: np.ndarray, points: np.ndarray) -> np.ndarray:
    homogeneous = np.c_[points, np.ones(len(points))] @ matrix.T
    return homogeneous[:, :2] / homogeneous[:, 2:3]


def repeatability_curves(image: np.ndarray, keys: list[str], *, kind: str = "rotation",
                         strengths: tuple | None = None, params: dict[str, dict] | None = None,
                         tolerance: float = 3.0, seed: int = 0,
                         progress: Callable[[float, str], None] | None = None) -> dict[str, list[float]]:
    """Repeatability of each detector (method key) at each strength of one synthetic transform.
    A detector that finds nothing at some strength scores 0 there; one that finds nothing in the
    original image gets NaN everywhere."""
    strengths = TRANSFORMS[kind][1] if strengths is None else strengths
    methods = [get_method(KEYPOINTS, key) for key in keys]
    base = {}
    for m in methods:
        try:
            base[m.key] = m.run(image, params=(params or {}).get(m.key)).extras["keypoints"]
        except ValueError:
            base[m.key] = None
    curves: dict[str, list[float]] = {m.key: [] for m in methods}
    for i, strength in enumerate(strengths):
        moved, matrix = transform_image(image, kind, float(strength), seed=seed)
        for m in methods:
            if base[m.key] is None:
                curves[m.key].append(float("nan"))
                continue
            try:
                found = m.run(moved, params=(params or {}).get(m.key)).extras["keypoints"]
                score = repeatability(base[m.key], found, matrix, image.shape[:2], tolerance=tolerance)
            except ValueError:
                score = 0.0
            curves[m.key].append(score)
        if progress is not None:
            progress((i + 1) / len(strengths), f"{TRANSFORMS[kind][0]} {strength}")
    return curves
