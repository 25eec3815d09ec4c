"""Intensity-based parametric alignment: OpenCV's ECC (enhanced correlation coefficient), coarse to fine."""
from __future__ import annotations

import numpy as np

from core.registration.common import check_pair, gray_pair, parametric_output
from core.registration.warp import working_copy
from core.registry import REGISTER, Param, method

MOTIONS = ("translation", "euclidean", "affine", "homography")


def _scale(warp: np.ndarray, factor: float) -> np.ndarray:
    """The same warp expressed on an image `factor` times larger."""
    scale = np.diag([factor, factor, 1.0])
    return scale @ warp @ np.linalg.inv(scale)


@method(task=REGISTER, key="ecc", label="ECC (intensity)", book="5.3",
        summary="Maximise the correlation coefficient between the fixed and the warped moving image.",
        explanation="ECC needs no keypoints: it finds the warp parameters that maximise the zero-mean normalised "
        "correlation between the fixed image and the warped moving image, by Gauss–Newton-like steps. The "
        "correlation makes it blind to brightness and contrast changes. It only converges from a nearby start, "
        "so it runs on an image pyramid, coarse to fine, each level starting from the previous result.",
        latex=r"\max_p \; \frac{\bar{i}_F^\top \bar{i}_M(p)}{\|\bar{i}_F\|\,\|\bar{i}_M(p)\|}",
        params=[
            Param("motion", "Motion model", "homography", choices=MOTIONS),
            Param("levels", "Pyramid levels", 4, min=1, max=6, help="More levels reach larger motions."),
            Param("iterations", "Iterations per level", 100, min=10, max=500),
            Param("epsilon", "Stop when the correlation gains less than", 1e-5, min=1e-8, max=1e-2, log=True),
            Param("smoothing", "Gaussian pre-filter (px)", 5, choices=(1, 3, 5, 7, 9)),
        ])
def ecc(fixed, moving, *, motion="homography", levels=4, iterations=100, epsilon=1e-5, smoothing=5):
    import cv2

    check_pair(fixed, moving)
    gray_fixed, gray_moving = gray_pair(fixed, moving, method="ECC")
    codes = {"translation": cv2.MOTION_TRANSLATION, "euclidean": cv2.MOTION_EUCLIDEAN,
             "affine": cv2.MOTION_AFFINE, "homography": cv2.MOTION_HOMOGRAPHY}
    side = max(gray_fixed.shape)
    criteria = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, int(iterations), float(epsilon))
    warp = np.eye(3)  # fixed → moving, on the current level's grid
    previous = None
    correlation = float("nan")
    for level in reversed(range(int(levels))):
        level_side = max(16, side // (2 ** level))
        small_fixed, small_moving = working_copy(gray_fixed, level_side), working_copy(gray_moving, level_side)
        if previous is not None:
            warp = _scale(warp, small_fixed.shape[1] / previous)
        previous = small_fixed.shape[1]
        guess = (warp if motion == "homography" else warp[:2]).astype(np.float32)
        try:
            correlation, guess = cv2.findTransformECC(small_fixed, small_moving, guess, codes[motion], criteria,
                                                      None, int(smoothing))
        except cv2.error:
            raise ValueError("ECC did not converge: the images are too different or the motion too large for "
                             "this model (try more pyramid levels or feature matching).") from None
        warp = np.vstack([guess, [0, 0, 1]]) if guess.shape[0] == 2 else guess.astype(np.float64)
    if previous != gray_fixed.shape[1]:
        warp = _scale(warp, gray_fixed.shape[1] / previous)
    return parametric_output(fixed, moving, np.linalg.inv(warp), correlation=float(correlation))
