"""Keypoint detectors: correctness on patterns with known corners, repeatability, clear refusals."""
import numpy as np
import pytest

from core.gallery import load_sample
from core.keypoint_tools import (nearest_errors, repeatability, repeatability_curves, structure_tensor_at,
                                 subpixel_checkerboard, transform_image)
from core.keypoints import subpixel_corners
from core.registry import KEYPOINTS, get_method, methods_for

ALL = [m.key for m in methods_for(KEYPOINTS)]


@pytest.fixture(scope="module")
def textured():
    return load_sample("astronaut")[60:188, 160:288].mean(axis=2).astype(np.float32)


@pytest.mark.parametrize("key", ALL)
def test_every_detector_finds_keypoints_and_draws_them(key, textured):
    frozen = textured.copy()
    out = get_method(KEYPOINTS, key).run(textured)
    keypoints = out.extras["keypoints"]
    assert keypoints.ndim == 2 and keypoints.shape[1] == 5 and len(keypoints) > 0
    assert out.image.shape == textured.shape + (3,) and out.image.dtype == np.float32
    assert np.all((keypoints[:, 0] >= 0) & (keypoints[:, 0] < 128) & (keypoints[:, 1] >= 0) & (keypoints[:, 1] < 128))
    assert np.array_equal(frozen, textured)


@pytest.mark.parametrize("key", ALL)
def test_a_flat_image_is_refused_with_a_message(key):
    with pytest.raises(ValueError, match="no texture"):
        get_method(KEYPOINTS, key).run(np.full((64, 64), 0.5, np.float32))


def test_harris_finds_the_corners_of_a_checkerboard():
    image, truth = subpixel_checkerboard(128, 8, offset=(0.0, 0.0), angle=0.0)
    found = get_method(KEYPOINTS, "harris").run(image, params={"threshold": 0.1}).extras["keypoints"]
    assert nearest_errors(found[:, :2], truth).max() <= 1.5  # every inner corner is found


def test_subpixel_refinement_beats_centroids_and_drops_the_background():
    image, truth = subpixel_checkerboard(128, 8, offset=(0.37, 0.61), angle=7.0)
    seeds, refined, background = subpixel_corners(image)
    assert nearest_errors(refined, truth).mean() < 0.15
    assert nearest_errors(refined, truth).mean() < 0.5 * nearest_errors(seeds, truth).mean()
    assert np.linalg.norm(background - 64) < 5  # component 0 sits at the image centre ...
    assert np.linalg.norm(refined - background, axis=1).min() > 1  # ... and is not among the corners


def test_structure_tensor_tells_corner_edge_and_flat_apart():
    image = np.zeros((64, 64), np.float32)
    image[32:, 32:] = 1.0
    corner = structure_tensor_at(image, 32, 32, block_size=3)
    edge = structure_tensor_at(image, 48, 32, block_size=3)
    flat = structure_tensor_at(image, 10, 10, block_size=3)
    assert corner["verdict"] == "corner" and corner["eigenvalues"][1] > 0.1 * corner["eigenvalues"][0]
    assert edge["verdict"] == "edge" and edge["eigenvalues"][1] < 0.01 * edge["eigenvalues"][0]
    assert flat["verdict"] == "flat" and flat["eigenvalues"][0] < 1e-6


def test_repeatability_is_perfect_for_the_identity_and_maps_points_through_the_transform(textured):
    keypoints = get_method(KEYPOINTS, "shi_tomasi").run(textured).extras["keypoints"]
    assert repeatability(keypoints, keypoints, np.eye(3), textured.shape) == 1.0
    _, matrix = transform_image(textured, "rotation", 90)
    rotated = keypoints.copy()
    homogeneous = np.c_[keypoints[:, :2], np.ones(len(keypoints))] @ matrix.T
    rotated[:, :2] = homogeneous[:, :2]
    assert repeatability(keypoints, rotated, matrix, textured.shape) == 1.0
    assert repeatability(keypoints, rotated, np.eye(3), textured.shape) < 0.5


def test_repeatability_curves_fall_with_noise(textured):
    curves = repeatability_curves(textured, ["harris", "sift"], kind="noise", strengths=(0.0, 0.2))
    for values in curves.values():
        assert values[0] >= 0.99 and values[1] < values[0]


def test_a_detector_that_finds_nothing_gets_an_empty_curve():
    from core.gallery import zone_plate

    curves = repeatability_curves(zone_plate(128), ["harris", "fast"], kind="blur", strengths=(0.0, 2.0),
                                  params={"fast": {"threshold": 100}})
    assert np.isnan(curves["fast"]).all() and not np.isnan(curves["harris"]).any()
