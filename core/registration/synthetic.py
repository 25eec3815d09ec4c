"""Moving images made from a fixed one with a known transform, and the errors against that truth.

`strength` 1 is a moderate transform; 0 is the identity.
- homography: rotation 10°·s and zoom 1 + 0.08·s about the centre, a shift of 3 % of the size, and a
  perspective tilt of 0.12·s across the image;
- affine: rotation 10°·s, anisotropic scale and a shear of 0.08·s, the same shift;
- deformable: a smooth random field (Gaussian-filtered noise, σ = 1/8 of the longer side) whose largest
  displacement is 1.5 %·s of the longer side (7.7 px at 512²).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.registration.warp import apply_matrix, field_from_matrix, grid, invert_field, warp_field, warp_matrix

KINDS = ("homography", "affine", "deformable")


def _centred(shape: tuple[int, int], linear: np.ndarray) -> np.ndarray:
    height, width = shape[:2]
    centre = np.array([[1, 0, (width - 1) / 2], [0, 1, (height - 1) / 2], [0, 0, 1]])
    return centre @ linear @ np.linalg.inv(centre)


def make_matrix(shape: tuple[int, int], *, kind: str = "homography", strength: float = 1.0,
                seed: int = 0) -> np.ndarray:
    """A moving → fixed matrix of the given kind and strength; the seed picks signs and small variations."""
    rng = np.random.default_rng(seed)
    height, width = shape[:2]
    s = float(strength)
    sign = rng.choice([-1.0, 1.0], size=4)
    jitter = rng.uniform(0.8, 1.2, size=6)
    angle = np.deg2rad(10.0 * s * sign[0] * jitter[0])
    shift = np.array([0.03 * width * sign[1] * jitter[1], 0.03 * height * sign[2] * jitter[2]]) * s
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    if kind == "homography":
        linear = rotation * (1 + 0.08 * s * jitter[3])
        tilt = np.array([0.12 * s * sign[3] * jitter[4] / width, 0.06 * s * jitter[5] / height])
    elif kind == "affine":
        scale = np.diag([1 + 0.08 * s * jitter[3], 1 - 0.05 * s * jitter[4]])
        shear = np.array([[1, 0.08 * s * sign[3] * jitter[5]], [0, 1]])
        linear, tilt = rotation @ scale @ shear, np.zeros(2)
    else:
        raise ValueError(f"{kind!r} is not a parametric transform; choose homography or affine.")
    matrix = np.eye(3)
    matrix[:2, :2], matrix[:2, 2], matrix[2, :2] = linear, shift, tilt
    return _centred(shape, matrix)


def smooth_field(shape: tuple[int, int], *, strength: float = 1.0, smoothness: float | None = None,
                 seed: int = 0) -> np.ndarray:
    """A smooth random (dx, dy) field whose largest vector is 1.5 %·strength of the longer side."""
    from scipy.ndimage import gaussian_filter

    height, width = shape[:2]
    side = max(height, width)
    sigma = smoothness if smoothness is not None else side / 8
    rng = np.random.default_rng(seed)
    field = np.stack([gaussian_filter(rng.standard_normal((height, width)), sigma, mode="reflect")
                      for _ in range(2)], axis=-1)
    peak = float(np.linalg.norm(field, axis=-1).max()) or 1.0
    return (field / peak * 0.015 * side * float(strength)).astype(np.float32)


@dataclass
class Truth:
    """The known fixed → moving relation of a synthetic pair."""

    kind: str
    shape: tuple[int, int]
    matrix: np.ndarray | None  # moving → fixed, for homography and affine
    field: np.ndarray  # (H, W, 2) fixed → moving displacement: the ideal output field

    @property
    def corners(self) -> np.ndarray:
        height, width = self.shape
        return np.array([[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]], np.float64)

    def error_px(self, extras: dict | None) -> float:
        """Mean corner error (homography, affine) or mean field error (deformable), in pixels.
        `extras` None means the identity (doing nothing)."""
        extras = extras or {}
        if self.kind == "deformable":
            estimate = _field_of(extras, self.shape)
            inside = self._valid()
            return float(np.linalg.norm(estimate - self.field, axis=-1)[inside].mean())
        truth = apply_matrix(np.linalg.inv(self.matrix), self.corners)
        if extras.get("transform") is not None:
            guess = apply_matrix(np.linalg.inv(extras["transform"]), self.corners)
        else:
            field = _field_of(extras, self.shape)
            guess = self.corners + field[self.corners[:, 1].astype(int), self.corners[:, 0].astype(int)]
        return float(np.linalg.norm(guess - truth, axis=1).mean())

    def _valid(self) -> np.ndarray:
        xs, ys = grid(self.shape)
        height, width = self.shape
        x, y = xs + self.field[..., 0], ys + self.field[..., 1]
        return (x >= 0) & (x <= width - 1) & (y >= 0) & (y <= height - 1)


def _field_of(extras: dict, shape: tuple[int, int]) -> np.ndarray:
    if extras.get("field") is not None:
        return extras["field"]
    if extras.get("transform") is not None:
        return field_from_matrix(extras["transform"], shape)
    return np.zeros(tuple(shape) + (2,), np.float32)


def make_pair(fixed: np.ndarray, *, kind: str = "homography", strength: float = 1.0,
              seed: int = 0) -> tuple[np.ndarray, Truth]:
    """The moving image and the truth. The fixed image is not modified."""
    if kind not in KINDS:
        raise ValueError(f"Unknown transform {kind!r}; choose one of {', '.join(KINDS)}.")
    if not np.isfinite(strength) or strength < 0:
        raise ValueError(f"The strength must be a number ≥ 0, not {strength}.")
    shape = fixed.shape[:2]
    if kind == "deformable":
        pushed = smooth_field(shape, strength=strength, seed=seed)  # moving(q) = fixed(q + pushed(q))
        moving = warp_field(fixed, pushed, border="reflect")
        return moving, Truth(kind, shape, None, invert_field(pushed))
    matrix = make_matrix(shape, kind=kind, strength=strength, seed=seed)
    moving = warp_matrix(fixed, np.linalg.inv(matrix), shape)  # moving(q) = fixed(matrix q)
    return moving, Truth(kind, shape, matrix, field_from_matrix(matrix, shape))


def ncc(a: np.ndarray, b: np.ndarray) -> float:
    a = np.asarray(a, np.float64).ravel() - np.mean(a)
    b = np.asarray(b, np.float64).ravel() - np.mean(b)
    denominator = np.sqrt((a @ a) * (b @ b))
    return float(a @ b / denominator) if denominator > 0 else 0.0


def similarity(fixed: np.ndarray, image: np.ndarray) -> dict[str, float]:
    """MSE and NCC between the fixed image and an (aligned) image."""
    difference = np.asarray(fixed, np.float64) - np.asarray(image, np.float64)
    return {"mse": float(np.mean(difference ** 2)), "ncc": ncc(fixed, image)}


def misalign_channels(image: np.ndarray, *, green=(7.0, -4.0), blue=(-12.0, 9.0)) -> np.ndarray:
    """An RGB image whose green and blue planes are shifted by (dx, dy) px relative to red,
    like an unaligned Prokudin-Gorskii plate (edges wrap by reflection)."""
    import cv2

    if image.ndim != 3 or image.shape[2] != 3:
        raise ValueError("Channel alignment needs a colour (RGB) image; switch off Grayscale.")
    out = np.array(image, np.float32, copy=True)
    height, width = image.shape[:2]
    for channel, (dx, dy) in ((1, green), (2, blue)):
        shift = np.float64([[1, 0, dx], [0, 1, dy]])
        out[..., channel] = cv2.warpAffine(np.ascontiguousarray(image[..., channel]), shift, (width, height),
                                           flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT101)
    return out
