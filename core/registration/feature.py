"""Feature-based registration (book §5.3.2–5.3.5): keypoints, matches, a robust homography or affine fit."""
from __future__ import annotations

from core.matching import ESTIMATORS, MODELS, draw_matches, fit, match_images
from core.registration.common import check_pair, parametric_output
from core.registry import REGISTER, Param, method

_EXPLANATION = ("Keypoints are detected and described in both images and matched: Lowe's ratio test keeps a "
                "match only when its nearest descriptor is clearly closer than the second nearest; a cross-check "
                "keeps mutual nearest neighbours. A robust estimator then fits the moving → fixed map to the "
                "matches: RANSAC scores random minimal samples by their inlier count, MAGSAC (Marginalizing "
                "Sample Consensus) marginalises over the noise scale so the threshold matters less, LMedS "
                "minimises the median residual. The moving image is warped into the fixed frame.")


def _params(nfeatures: int, strategy: str, estimator: str) -> list[Param]:
    return [
        Param("nfeatures", "Max keypoints", nfeatures, min=100, max=5000, step=100),
        Param("strategy", "Matching", strategy, choices=("ratio", "crosscheck"),
              help="Lowe's ratio test, or mutual nearest neighbours (the book's skimage demo)."),
        Param("ratio", "Ratio test threshold", 0.75, min=0.5, max=0.95, step=0.01,
              help="Keep a match when its distance is below this fraction of the second best (book: 0.75)."),
        Param("estimator", "Robust estimator", estimator, choices=ESTIMATORS),
        Param("threshold", "Reprojection threshold (px)", 3.0, min=0.5, max=10.0, step=0.5),
        Param("model", "Model", "homography", choices=MODELS),
    ]


def register_features(fixed, moving, *, detector, nfeatures, strategy, ratio, estimator, threshold, model):
    check_pair(fixed, moving, same_size=False)
    matches = match_images(moving, fixed, detector=detector, nfeatures=nfeatures, strategy=strategy, ratio=ratio)
    result = fit(matches, model=model, estimator=estimator, threshold=threshold)
    return parametric_output(
        fixed, moving, result.matrix, matches=draw_matches(fixed, moving, matches, result.inliers),
        keypoints_fixed=len(matches.fixed.points), keypoints_moving=len(matches.moving.points),
        match_count=len(matches.pairs), inlier_count=int(result.inliers.sum()), inlier_ratio=result.inlier_ratio)


def _register(detector: str, key: str, book: str, nfeatures: int, strategy: str, estimator: str, summary: str):
    @method(task=REGISTER, key=key, label=f"{detector} features", book=book, summary=summary,
            explanation=_EXPLANATION, params=_params(nfeatures, strategy, estimator),
            latex=r"\tilde{x}_{\text{fixed}} \sim H\,\tilde{x}_{\text{moving}},\quad "
                  r"H = \arg\max_H \#\{i : \|x_i' - H x_i\| < \tau\}")
    def run(fixed, moving, *, nfeatures=nfeatures, strategy=strategy, ratio=0.75, estimator=estimator,
            threshold=3.0, model="homography"):
        return register_features(fixed, moving, detector=detector, nfeatures=nfeatures, strategy=strategy,
                                 ratio=ratio, estimator=estimator, threshold=threshold, model=model)

    run.__name__ = f"register_{key}"
    return run


register_sift = _register("SIFT", "sift", "5.3.4", 2000, "ratio", "RANSAC",
                          "SIFT keypoints, ratio test, RANSAC homography: the accurate default.")
register_orb = _register("ORB", "orb", "5.3.2", 2000, "ratio", "RANSAC",
                         "ORB keypoints (binary, Hamming distance), as in the book's OpenCV demo, but with a "
                         "ratio test instead of keeping the best 15 %.")
register_akaze = _register("AKAZE", "akaze", "5.3.5", 2000, "ratio", "RANSAC",
                           "AKAZE keypoints (nonlinear scale space, binary descriptor).")
register_brisk = _register("BRISK", "brisk", "5.3.5", 2000, "ratio", "MAGSAC",
                           "BRISK keypoints with MAGSAC, standing in for the book's DISK + AdaLAM + MAGSAC "
                           "(DISK's weights need a download).")
