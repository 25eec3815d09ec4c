"""Matching and robust fitting: known homographies recovered, and clear refusals."""
import numpy as np
import pytest

from core.gallery import load_sample
from core.matching import describe, draw_matches, fit, match, match_images
from core.registration.synthetic import make_pair
from core.registration.warp import apply_matrix


@pytest.fixture(scope="module")
def fixed():
    return load_sample("astronaut")[:, :, :].mean(axis=2)[::4, ::4].astype(np.float32)  # 128²


def corner_error(estimate, truth, shape):
    corners = np.array([[0, 0], [shape[1] - 1, 0], [shape[1] - 1, shape[0] - 1], [0, shape[0] - 1]], float)
    return np.linalg.norm(apply_matrix(estimate, corners) - apply_matrix(truth, corners), axis=1).mean()


@pytest.mark.parametrize("detector,estimator,limit", [
    ("SIFT", "RANSAC", 0.5), ("SIFT", "MAGSAC", 0.5), ("SIFT", "LMEDS", 0.5), ("BRISK", "LMEDS", 1.0),
    ("AKAZE", "RANSAC", 1.5), ("ORB", "MAGSAC", 1.5)])
def test_a_known_homography_is_recovered_within_a_pixel(fixed, detector, estimator, limit):
    """128² images; at 512² the bench gets SIFT + RANSAC well under 1 px (see bench/README.md)."""
    moving, truth = make_pair(fixed, kind="homography", strength=1.0, seed=1)
    matches = match_images(moving, fixed, detector=detector, nfeatures=1000)
    result = fit(matches, estimator=estimator)
    assert corner_error(result.matrix, truth.matrix, fixed.shape) < limit
    assert result.inlier_ratio > 0.5


def test_cross_check_gives_mutual_pairs(fixed):
    features = describe(fixed, detector="ORB", nfeatures=300)
    pairs = match(features, features, strategy="crosscheck")
    assert len(pairs) == len(features.points) or len(pairs) > 0.9 * len(features.points)
    assert np.mean(pairs[:, 0] == pairs[:, 1]) > 0.95


def test_affine_model_recovers_an_affine_map(fixed):
    moving, truth = make_pair(fixed, kind="affine", strength=1.0, seed=2)
    result = fit(match_images(moving, fixed, detector="SIFT"), model="affine")
    assert np.allclose(result.matrix[2], [0, 0, 1])
    assert corner_error(result.matrix, truth.matrix, fixed.shape) < 1.0


def test_flat_image_has_no_keypoints(fixed):
    with pytest.raises(ValueError, match="no texture"):
        match_images(np.full_like(fixed, 0.3), fixed)


def test_fewer_than_four_matches_is_refused(fixed):
    moving, _ = make_pair(fixed, kind="homography", strength=1.0)
    matches = match_images(moving, fixed, detector="SIFT")
    matches.pairs = matches.pairs[:3]
    with pytest.raises(ValueError, match="Only 3 matches survived.*at least 4"):
        fit(matches)


def test_a_homography_that_fails_is_refused(fixed):
    matches = match_images(fixed, fixed, detector="SIFT")
    points = matches.moving.points.copy()
    points[:, 1] = 5.0  # every moving point on one line: no homography exists
    matches.moving.points = points
    matches.pairs = matches.pairs[:20]
    with pytest.raises(ValueError, match="fit failed"):
        fit(matches)


def test_drawing_marks_inliers(fixed):
    moving, _ = make_pair(fixed, kind="homography", strength=0.5)
    matches = match_images(moving, fixed)
    picture = draw_matches(fixed, moving, matches, fit(matches).inliers)
    assert picture.shape == (384, 768, 3) and picture.dtype == np.uint8  # enlarged ×3 for thin lines
    green = (picture[..., 1] > 200) & (picture[..., 0] < 100) & (picture[..., 2] < 100)
    assert green.sum() > 100  # the inliers' lines
