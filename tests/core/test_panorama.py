"""Panorama stitching: synthetic views of a known image are stitched back with a small seam error,
and every way the stitcher can fail ends in a sentence."""
import numpy as np
import pytest

from core.gallery import load_sample
from core.image import fit_size, to_gray
from core.panorama import (camera_views, inner_crop, panning_video, prepare_images, resampling_floor, sample_frames,
                           seam_error, status_message, trim_black)
from core.registry import STITCH, get_method, methods_for


@pytest.fixture(scope="module")
def source():
    return fit_size(load_sample("coffee"), 256)[0]  # 171×256 RGB


@pytest.fixture(scope="module")
def views(source):
    return camera_views(source, count=3, overlap=0.5, wobble=1.0, seed=0)


@pytest.mark.parametrize("key", [m.key for m in methods_for(STITCH)])
def test_every_stitcher_runs_with_defaults_without_touching_its_inputs(key, views):
    frozen = [v.copy() for v in views]
    out = get_method(STITCH, key).run(list(views))
    assert out.image.dtype == np.float32 and out.image.ndim == 3
    assert 0 <= out.image.min() and out.image.max() <= 1
    assert all(np.array_equal(a, b) for a, b in zip(frozen, views))
    assert out.extras["used"] == 3


@pytest.mark.parametrize("key,bound", [("stitcher_panorama", 0.03), ("stitcher_scans", 0.035)])
def test_three_synthetic_views_stitch_back_into_the_source(key, bound, source, views):
    pano = get_method(STITCH, key).run(list(views)).image
    # wider than one view, about as wide as the source
    assert pano.shape[1] > 1.5 * views[0].shape[1]
    error = seam_error(pano, source)
    assert error["coverage"] > 0.95
    assert error["mae"] < bound, error["mae"]  # half a pixel of resampling alone gives ~0.02
    assert error["mae"] < 1.6 * resampling_floor(source)
    assert error["residual_px"] < 0.5


def test_seam_error_of_the_source_against_itself_is_zero(source):
    error = seam_error(source, source)
    assert error["mae"] < 1e-3 and error["coverage"] > 0.95


def test_camera_views_are_seeded_overlapping_crops(source):
    a = camera_views(source, count=4, overlap=0.6, seed=3)
    b = camera_views(source, count=4, overlap=0.6, seed=3)
    assert len(a) == 4 and all(np.array_equal(x, y) for x, y in zip(a, b))
    assert all(v.shape[0] == source.shape[0] and v.shape[1] < source.shape[1] for v in a)
    with pytest.raises(ValueError, match="at least two"):
        camera_views(source, count=1)


def test_status_codes_become_sentences():
    for code, name in ((1, "ERR_NEED_MORE_IMGS"), (2, "ERR_HOMOGRAPHY_EST_FAIL"), (3, "ERR_CAMERA_PARAMS_ADJUST_FAIL")):
        message = status_message(code)
        assert f"status {code}" in message and name in message and message.endswith(".")
    assert "unknown status code 7" in status_message(7)


def test_images_of_different_scenes_fail_with_the_status_as_a_sentence():
    coffee = fit_size(load_sample("coffee"), 256)[0][:, :128]
    moon = fit_size(load_sample("moon"), 171)[0][:, :128]
    with pytest.raises(ValueError, match=r"status \d"):
        get_method(STITCH, "stitcher_panorama").run([coffee, moon])


def test_bad_image_sets_get_clear_messages(views):
    run = get_method(STITCH, "stitcher_scans").run
    with pytest.raises(ValueError, match="at least two images"):
        run([views[0]])
    with pytest.raises(ValueError, match="flat"):
        run([views[0], np.full_like(views[1], 0.5)])
    with pytest.raises(ValueError, match="at least 32 pixels"):
        run([views[0], views[1][:20, :20]])
    with pytest.raises(ValueError, match="at most"):
        run([views[0]] * 9)


def test_mixed_gray_and_colour_images_are_converted_and_said_so(views):
    mixed = [views[0], to_gray(views[1]), views[2]]
    images, notes = prepare_images(mixed)
    assert all(im.ndim == 3 for im in images)
    assert any("gray" in n for n in notes)
    out = get_method(STITCH, "stitcher_scans").run(mixed)
    assert "gray" in out.extras["notes"]


def test_trim_black_crops_to_the_content():
    image = np.zeros((20, 30, 3), np.float32)
    image[5:15, 4:25] = 0.5
    assert trim_black(image).shape == (10, 21, 3)


def test_the_inner_crop_removes_black_corners(views):
    import cv2

    tilted = np.zeros((100, 160, 3), np.float32)
    cv2.fillPoly(tilted, [np.array([[10, 0], [159, 8], [150, 99], [0, 90]], np.int32)], (0.6, 0.5, 0.4))
    inner = inner_crop(tilted)
    assert (inner.max(axis=2) > 0).all() and inner.shape[0] * inner.shape[1] > 0.7 * 100 * 160
    pano = get_method(STITCH, "stitcher_panorama").run(list(views), params={"trim": "inner"}).image
    assert (pano.max(axis=2) == 0).mean() < 0.01


def test_frames_of_a_panning_video_stitch(source):
    frames = panning_video(source, frames=20)
    assert frames.shape[0] == 20 and frames.dtype == np.float32
    picked = sample_frames(frames, 3)
    assert np.array_equal(picked[0], frames[0]) and np.array_equal(picked[-1], frames[-1])
    out = get_method(STITCH, "stitcher_scans").run(picked)
    assert out.image.shape[1] > 1.5 * frames.shape[2]
    with pytest.raises(ValueError, match="at least 30"):
        sample_frames(frames, 30)


def test_a_video_survives_h264_encoding_and_decoding(source):
    from core.video_bg import encode_mp4, read_video

    frames = panning_video(fit_size(source, 128)[0], frames=8)
    decoded, _, _ = read_video(encode_mp4(frames, fps=8), max_side=256)
    assert decoded.shape == frames.shape
    assert np.abs(decoded - frames).mean() < 0.03


def test_the_stitch_bench_scores_each_stitcher(tmp_path):
    import json

    from bench.cli import main

    out = tmp_path / "stitch.json"
    assert main(["stitch", "--images", "sample:coffee", "--color", "--max-side", "256", "--repeat", "1",
                 "--json", str(out), "-q"]) == 0
    records = json.loads(out.read_text())
    assert {r["method"] for r in records} == {"stitcher_panorama", "stitcher_scans"}
    for record in records:
        assert record["seam_mae"] < 0.04 and record["coverage"] > 0.95 and record["seconds"] > 0
    with pytest.raises(SystemExit) as stop:  # a mistake in the command
        main(["stitch", "--images", "sample:coffee", "--views", "9"])
    assert stop.value.code == 2
