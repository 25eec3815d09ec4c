"""Background subtraction: IoU against the synthetic video's known masks, H.264 writing, robust reading."""
import numpy as np
import pytest

from core.registry import methods_for
from core.video_bg import (encode_mp4, iou_per_frame, read_video, side_by_side, synthetic_video, video_scores,
                            warmup_frames)

WARMUP = 20


@pytest.fixture(scope="module")
def clip():
    return synthetic_video(frames=50, height=64, width=96, objects=3, noise=0.02, seed=0)


def test_synthetic_video_has_moving_objects_and_known_masks(clip):
    frames, truth = clip
    assert frames.shape == (50, 64, 96, 3) and frames.dtype == np.float32
    assert truth.shape == (50, 64, 96) and truth.dtype == bool
    assert 0.01 < truth.mean() < 0.2
    assert not np.array_equal(truth[10], truth[11])  # the objects move
    again, _ = synthetic_video(frames=50, height=64, width=96, objects=3, noise=0.02, seed=0)
    assert np.array_equal(again, frames)  # seeded


@pytest.mark.parametrize("key,bar", [("mog2", 0.8), ("knn", 0.9), ("approx_median", 0.7)])
def test_models_find_the_moving_objects_after_warm_up(clip, key, bar):
    frames, truth = clip
    frozen = frames.copy()
    method = next(m for m in methods_for("background_subtraction") if m.key == key)
    calls = []
    out = method.run(frames, progress=lambda f, m="": calls.append(f))
    assert out.image.shape == truth.shape and out.image.dtype == bool  # 4× lighter than float in the cache
    ious = iou_per_frame(out.image, truth)
    assert ious[WARMUP:].mean() >= bar, ious
    assert out.extras["background"].shape == frames.shape[1:]
    assert np.array_equal(frozen, frames)
    assert calls and calls[-1] == pytest.approx(1.0)


def test_background_model_matches_the_empty_scene(clip):
    frames, truth = clip
    out = next(m for m in methods_for("background_subtraction") if m.key == "mog2").run(frames)
    background = out.extras["background"]
    free = ~truth.any(axis=0)  # pixels never covered by an object
    clean = np.median(frames, axis=0)
    assert np.abs(background - clean)[free].mean() < 0.03


def test_iou_per_frame_counts_two_empty_masks_as_perfect():
    truth = np.zeros((3, 8, 8), bool)
    truth[1, :4] = True
    masks = np.zeros((3, 8, 8), np.float32)
    masks[1, :2] = 1
    assert iou_per_frame(masks, truth).tolist() == [1.0, 0.5, 1.0]
    with pytest.raises(ValueError):
        iou_per_frame(masks[:2], truth)


def test_mp4_is_h264_and_reads_back(clip):
    frames, truth = clip
    playback = side_by_side(frames[:12], truth[:12].astype(np.float32), truth=truth[:12])
    assert playback.shape == (12, 64, 96 * 2 + 4, 3)
    data = encode_mp4(playback, fps=10)
    assert data[4:8] == b"ftyp" and b"avc1" in data[:4000]  # H.264 in an MP4 container, moov first
    decoded, fps, info = read_video(data, name="clip.mp4", max_side=400)
    assert decoded.shape == playback.shape
    assert fps == pytest.approx(10, abs=0.5)
    assert np.abs(decoded - playback).mean() < 0.05


def test_encoding_odd_sizes_crops_to_even():
    data = encode_mp4(np.random.default_rng(0).random((4, 33, 47, 3)).astype(np.float32))
    decoded, _, _ = read_video(data, name="odd.mp4")
    assert decoded.shape[1:3] == (32, 46)


@pytest.mark.parametrize("data,message", [
    (b"", "empty"),
    (b"this is not a video at all" * 50, "could not be decoded"),
    (b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 200, "could not be decoded|no frames"),
])
def test_bad_videos_give_a_clear_message(data, message):
    with pytest.raises(ValueError, match=message):
        read_video(data, name="upload.mp4")


def test_a_video_with_zero_frames_gives_a_clear_message(tmp_path):
    """A real container whose only stream has no frames (ffmpeg with a zero-duration limit)."""
    import subprocess

    import imageio_ffmpeg

    path = tmp_path / "empty.mp4"
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i", "color=c=black:s=32x32:r=5",
                    "-frames:v", "0", "-c:v", "libx264", "-y", str(path)], check=True)
    with pytest.raises(ValueError, match="no frames|could not be decoded"):
        read_video(path.read_bytes(), name="empty.mp4")


def test_methods_refuse_an_empty_frame_stack():
    for method in methods_for("background_subtraction"):
        with pytest.raises(ValueError, match="no frames"):
            method.run(np.zeros((0, 16, 16, 3), np.float32))


def test_video_scores_skip_the_warm_up(clip):
    frames, truth = clip
    masks = truth.copy()
    masks[:10] = True  # wrong during the warm-up only
    scores = video_scores(truth, masks)
    assert scores == {"iou": 1.0, "dice": 1.0}
    assert video_scores(None, masks) == {}
    assert warmup_frames(50) == 16 and warmup_frames(300) == 20
