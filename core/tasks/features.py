"""Scores and examples of the feature tasks: keypoints, register, align_channels and stitch.

Truths are known by construction: a checkerboard's inner corners, a synthetic warp (`Truth`), the shifts
applied to the green and blue planes, the image the panorama's views were cut from.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from core.image import to_gray
from core.tasks.protocol import Example, Output

CHANNEL_SHIFTS = {"R": (0.0, 0.0), "G": (5.0, -3.0), "B": (-6.0, 4.0)}  # (dx, dy) applied to each plane


def score_keypoints(truth: np.ndarray | None, output: Output, inputs: dict[str, Any]) -> dict[str, float]:
    """The number of keypoints; with true corner positions, the share found within 3 px."""
    from core.keypoint_tools import nearest_errors

    scores = {"keypoints": float(output.extras["count"])}
    if truth is not None:
        scores["recall_3px"] = float(np.mean(nearest_errors(output.extras["keypoints"][:, :2], truth) <= 3.0))
    return scores


def score_register(truth, output: Output, inputs: dict[str, Any]) -> dict[str, float]:
    """MSE and NCC between the fixed image and the aligned one; with a known transform, the mean corner error
    (homography, affine) or field error (deformable) in pixels."""
    from core.registration.synthetic import similarity

    scores = similarity(to_gray(inputs["fixed"]), to_gray(output.image))
    if truth is not None:
        scores["error_px"] = float(truth.error_px(output.extras))
    return scores


def score_align_channels(truth: dict | None, output: Output, inputs: dict[str, Any]) -> dict[str, float]:
    """The mean distance between the estimated and the true shift of each plane relative to the reference."""
    if truth is None:
        return {}
    reference = np.asarray(truth[output.extras["reference"]], np.float64)
    errors = [np.hypot(*(np.subtract(shift, np.subtract(truth[name], reference))))
              for name, shift in output.extras["shifts"].items()]
    return {"error_px": float(np.mean(errors))}


def score_stitch(truth: np.ndarray | None, output: Output, inputs: dict[str, Any]) -> dict[str, float]:
    """Images joined and size; with the source, the error of the aligned panorama against it (seam PSNR, mean
    absolute error, coverage). NaN when the panorama cannot be aligned with the source."""
    from core.panorama import seam_error

    pano = output.image
    scores = {"used": float(output.extras["used"]), "width": float(pano.shape[1]), "height": float(pano.shape[0])}
    if truth is not None:
        try:
            error = seam_error(pano, truth)
            scores.update(seam_psnr=error["psnr"], seam_mae=error["mae"], coverage=error["coverage"])
        except ValueError:
            pass
    return scores


def example_keypoints(seed: int) -> Example:
    from core.keypoint_tools import subpixel_checkerboard

    rng = np.random.default_rng(seed)
    image, corners = subpixel_checkerboard(128, 8, offset=tuple(rng.uniform(0, 1, 2)), angle=float(rng.uniform(0, 30)))
    return Example({"image": image}, corners, "a rotated checkerboard with sub-pixel offset; its 49 inner corners")


def example_register(seed: int) -> Example:
    from core.gallery import load_sample
    from core.registration.synthetic import make_pair

    fixed = load_sample("astronaut")[100:228, 160:288]
    fixed = fixed if seed % 2 else fixed.mean(axis=2).astype(np.float32)
    kind = ("homography", "affine", "deformable")[seed % 3]
    moving, truth = make_pair(fixed, kind=kind, strength=0.3 if kind != "deformable" else 1.0, seed=seed)
    return Example({"fixed": fixed, "moving": moving}, truth, f"astronaut crop and a synthetic {kind} warp of it")


def example_align_channels(seed: int) -> Example:
    from core.gallery import load_sample
    from core.image import fit_size
    from core.registration.synthetic import misalign_channels

    image = fit_size(load_sample("chelsea"), 128)[0]
    return Example({"image": misalign_channels(image, green=CHANNEL_SHIFTS["G"], blue=CHANNEL_SHIFTS["B"])},
                   dict(CHANNEL_SHIFTS), "Chelsea with the green and blue planes shifted")


def example_stitch(seed: int) -> Example:
    from core.gallery import load_sample
    from core.image import fit_size
    from core.panorama import camera_views

    source = fit_size(load_sample("coffee"), 256)[0]
    views = camera_views(source, count=3, overlap=0.5, wobble=1.0, seed=seed)
    return Example({"images": views}, source, "three overlapping views of the coffee sample by a turning camera")
