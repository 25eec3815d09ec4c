"""Foreground/background separation in video (book §4.3): Gaussian-mixture background models.

- `synthetic_video`: moving shapes over a noisy textured background, with the true foreground masks,
  so that each frame's IoU can be measured (the book's corridor clip is not available).
- Registered methods: OpenCV's MOG2 (Zivkovic's adaptive Gaussian mixture, the book's method), its KNN
  subtractor, and a running-median baseline.
- `read_video` decodes an upload robustly (clear errors for undecodable or empty files);
  `encode_mp4` writes H.264 through imageio-ffmpeg, which browsers play (OpenCV's mp4v does not).

Frames are float32 RGB (T, H, W, 3) in [0, 1]; masks are (T, H, W).
"""
from __future__ import annotations

import os
import tempfile
from typing import Callable

import numpy as np

from core.image import fit_size, to_uint8
from core.registry import BACKGROUND_SUBTRACTION, Output, Param, method

Progress = Callable[[float, str], None] | None

HISTORY = Param("history", "History (frames)", 100, min=10, max=1000, step=10,
                help="How many recent frames the model remembers; the learning rate is about 1/history.")
LEARNING_RATE = Param("learning_rate", "Learning rate (-1 = automatic)", -1.0, min=-1.0, max=1.0, step=0.01,
                      help="-1 lets OpenCV use 1/history; 0 freezes the model; 1 relearns it from each frame.")
SHADOWS = Param("detect_shadows", "Detect shadows", False,
                help="Marks darker copies of the background as shadow (grey, 127) instead of foreground; "
                     "shadow pixels count as background here.")
OPENING = Param("opening", "Clean-up opening (px)", 0, min=0, max=7,
                help="Morphological opening of each mask with a disc of this radius removes speckles.")


def _frames(frames: np.ndarray) -> np.ndarray:
    frames = np.asarray(frames)
    if frames.ndim == 3:
        frames = np.repeat(frames[..., None], 3, axis=-1)
    if frames.ndim != 4 or frames.shape[-1] != 3:
        raise ValueError(f"A video must be frames of shape (T, H, W, 3), got {frames.shape}.")
    if frames.shape[0] == 0:
        raise ValueError("The video has no frames.")
    return frames


def _clean(mask: np.ndarray, radius: int) -> np.ndarray:
    import cv2

    if radius <= 0:
        return mask
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))
    return cv2.morphologyEx(mask, cv2.MORPH_OPEN, kernel)


def _run_subtractor(frames: np.ndarray, subtractor, *, learning_rate: float, opening: int,
                    progress: Progress, label: str) -> Output:
    import cv2

    frames = _frames(frames)
    masks = np.zeros(frames.shape[:3], bool)
    count = len(frames)
    for t in range(count):
        bgr = cv2.cvtColor(to_uint8(frames[t]), cv2.COLOR_RGB2BGR)
        raw = subtractor.apply(bgr, learningRate=float(learning_rate))
        masks[t] = _clean((raw == 255).astype(np.uint8), opening)
        if progress is not None and (t % 10 == 9 or t == count - 1):
            progress((t + 1) / count, f"{label}: frame {t + 1} of {count}")
    background = subtractor.getBackgroundImage()
    background = (cv2.cvtColor(background, cv2.COLOR_BGR2RGB).astype(np.float32) / 255.0
                  if background is not None else np.zeros(frames.shape[1:], np.float32))
    return Output(masks, {"background": background})


@method(task=BACKGROUND_SUBTRACTION, key="mog2", label="MOG2 (Gaussian mixture)", book="4.3",
        params=[HISTORY, Param("var_threshold", "Variance threshold", 32.0, min=4.0, max=100.0, step=1.0,
                               help="Squared Mahalanobis distance under which a pixel matches a background "
                                    "Gaussian (book: 32; OpenCV default 16)."),
                SHADOWS, LEARNING_RATE, OPENING],
        summary="Zivkovic's adaptive mixture of Gaussians per pixel, the book's method.",
        explanation="Every pixel keeps a small mixture of Gaussians over its recent colours; the heaviest "
                    "components form the background. A new colour that no background component explains (within "
                    "the variance threshold) is foreground. The number of components adapts per pixel.",
        latex=r"p(x)=\sum_{m=1}^{M}\pi_m\,\mathcal N(x;\mu_m,\sigma_m^2 I),\quad "
              r"\text{fg}\iff \min_{m\in\text{bg}}\tfrac{\|x-\mu_m\|^2}{\sigma_m^2}>T")
def mog2(frames, *, history=100, var_threshold=32.0, detect_shadows=False, learning_rate=-1.0, opening=0,
         progress: Progress = None):
    import cv2

    subtractor = cv2.createBackgroundSubtractorMOG2(history=int(history), varThreshold=float(var_threshold),
                                                    detectShadows=bool(detect_shadows))
    return _run_subtractor(frames, subtractor, learning_rate=learning_rate, opening=opening, progress=progress,
                           label="MOG2")


@method(task=BACKGROUND_SUBTRACTION, key="knn", label="KNN background model", book="4.3",
        params=[HISTORY, Param("dist2_threshold", "Distance² threshold", 400.0, min=50.0, max=2000.0, step=50.0,
                               help="Squared colour distance (0-255 units) for a sample to count as a neighbour."),
                SHADOWS, LEARNING_RATE, OPENING],
        summary="A non-parametric model: the pixel's recent samples, with a k-nearest-neighbour test.",
        explanation="Instead of fitting Gaussians, each pixel keeps samples of its past colours. A new colour "
                    "with too few close samples (closer than the distance threshold) is foreground. It adapts "
                    "to multi-modal backgrounds without choosing a number of components.",
        latex=r"\text{fg}\iff \#\{s\in S(p): \|x-s\|^2 < D\} < k")
def knn(frames, *, history=100, dist2_threshold=400.0, detect_shadows=False, learning_rate=-1.0, opening=0,
        progress: Progress = None):
    import cv2

    subtractor = cv2.createBackgroundSubtractorKNN(history=int(history), dist2Threshold=float(dist2_threshold),
                                                   detectShadows=bool(detect_shadows))
    return _run_subtractor(frames, subtractor, learning_rate=learning_rate, opening=opening, progress=progress,
                           label="KNN")


@method(task=BACKGROUND_SUBTRACTION, key="approx_median", label="Approximate median (baseline)", book="4.3",
        params=[Param("step", "Update step (0-255 units)", 2.0, min=0.5, max=10.0, step=0.5,
                      help="How far the background moves towards each new frame; larger adapts faster."),
                Param("threshold", "Difference threshold", 0.12, min=0.02, max=0.5, step=0.01,
                      help="Largest colour difference (0-1) still counted as background."),
                OPENING],
        summary="One background colour per pixel that creeps towards each frame (McFarlane & Schofield).",
        explanation="A single-mode baseline with no mixture: the background starts as the median of the first "
                    "frames and then moves a fixed step towards every new frame, which converges to the running "
                    "median. It copes with noise but not with backgrounds that flicker between colours.",
        latex=r"B_t=B_{t-1}+\delta\,\operatorname{sign}(I_t-B_{t-1}),\quad \text{fg}\iff\|I_t-B_{t-1}\|_\infty>\tau")
def approx_median(frames, *, step=2.0, threshold=0.12, opening=0, progress: Progress = None):
    frames = _frames(frames)
    count = len(frames)
    masks = np.zeros(frames.shape[:3], bool)
    background = np.median(frames[:min(count, 9)], axis=0).astype(np.float32)
    delta = np.float32(step / 255.0)
    for t in range(count):
        difference = frames[t] - background
        masks[t] = _clean((np.abs(difference).max(axis=-1) > threshold).astype(np.uint8), opening)
        background += delta * np.sign(difference)
        if progress is not None and (t % 10 == 9 or t == count - 1):
            progress((t + 1) / count, f"median: frame {t + 1} of {count}")
    return Output(masks, {"background": np.clip(background, 0, 1)})


def synthetic_video(*, frames: int = 60, height: int = 96, width: int = 128, objects: int = 3,
                    noise: float = 0.02, lighting: float = 0.0, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Discs and boxes crossing a static textured background, with per-pixel noise.

    Each object travels in a straight line, leaves the frame, re-enters on the other side with a new
    colour, and starts outside the frame (so the first frames show the empty background). `lighting`
    adds a slow global brightness drift (amplitude, in [0, 1] units). Returns
    (frames float32 (T, H, W, 3), true foreground masks bool (T, H, W)).
    """
    import cv2

    if frames < 1 or height < 16 or width < 16:
        raise ValueError("A synthetic video needs at least 1 frame of 16×16 pixels.")
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    texture = cv2.GaussianBlur(rng.random((height, width, 3)).astype(np.float32), (0, 0), 3)
    texture = (texture - texture.min()) / max(float(np.ptp(texture)), 1e-6)
    background = (0.25 + 0.25 * texture + 0.15 * (xx / width)[..., None]
                  + 0.08 * np.sin(yy / 6.0)[..., None]).astype(np.float32)
    size = min(height, width)
    shapes = []
    for i in range(objects):
        radius = rng.uniform(0.07, 0.11) * size
        speed = rng.uniform(0.025, 0.04) * size
        angle = rng.uniform(-0.5, 0.5) + (np.pi if i % 2 else 0.0)  # mostly horizontal, both directions
        velocity = speed * np.array([np.cos(angle), np.sin(angle)])
        start = np.array([-radius - i * 0.3 * width if velocity[0] > 0 else width + radius + i * 0.3 * width,
                          rng.uniform(radius, height - radius)])
        shapes.append(dict(kind="disc" if i % 2 == 0 else "box", radius=radius, pos=start, vel=velocity,
                           colour=_bright_colour(rng)))
    video = np.empty((frames, height, width, 3), np.float32)
    truth = np.zeros((frames, height, width), bool)
    span_y = height
    for t in range(frames):
        frame = background * np.float32(1.0 + lighting * np.sin(2 * np.pi * t / max(frames, 1)))
        for shape in shapes:
            x, y = shape["pos"]
            r = shape["radius"]
            if shape["kind"] == "disc":
                inside = (xx - x) ** 2 + (yy - y) ** 2 <= r ** 2
            else:
                inside = (np.abs(xx - x) <= r) & (np.abs(yy - y) <= 0.7 * r)
            frame[inside] = shape["colour"]
            truth[t] |= inside
            shape["pos"] = shape["pos"] + shape["vel"]
            if not -r <= shape["pos"][1] <= height + r:  # wrap vertically
                shape["pos"][1] %= span_y
            if shape["vel"][0] > 0 and shape["pos"][0] > width + r or shape["vel"][0] < 0 and shape["pos"][0] < -r:
                shape["pos"][0] = -r if shape["vel"][0] > 0 else width + r  # re-enter with a new colour
                shape["pos"][1] = rng.uniform(r, height - r)
                shape["colour"] = _bright_colour(rng)
        video[t] = np.clip(frame + np.float32(noise) * rng.standard_normal(frame.shape, dtype=np.float32), 0, 1)
    return video, truth


def _bright_colour(rng: np.random.Generator) -> np.ndarray:
    """A saturated colour that stands out from the mid-grey background."""
    import colorsys

    return np.array(colorsys.hsv_to_rgb(rng.random(), rng.uniform(0.7, 1.0), rng.uniform(0.85, 1.0)), np.float32)


def iou_per_frame(masks: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """IoU of each frame's mask with the true mask (the segmentation kit's IoU: 1 when both are empty)."""
    from core.segmentation.metrics import iou

    masks, truth = np.asarray(masks) > 0.5, np.asarray(truth).astype(bool)
    if masks.shape != truth.shape:
        raise ValueError(f"Masks {masks.shape} and reference {truth.shape} differ in shape.")
    return np.array([iou(t, m) for t, m in zip(truth, masks)], np.float32)


def warmup_frames(count: int) -> int:
    """Frames a background model gets to learn before it is scored: 20, or a third of a short clip."""
    return min(20, count // 3)


def video_scores(truth: np.ndarray | None, masks: np.ndarray) -> dict[str, float]:
    """Mean IoU and Dice with the true foreground after the warm-up frames (the runner's metrics)."""
    from core.segmentation.metrics import dice

    if truth is None:
        return {}
    start = warmup_frames(len(masks))
    masks, truth = np.asarray(masks)[start:] > 0.5, np.asarray(truth)[start:].astype(bool)
    return {"iou": float(iou_per_frame(masks, truth).mean()),
            "dice": float(np.mean([dice(t, m) for t, m in zip(truth, masks)]))}


MAX_FRAME_PIXELS = 4096 * 4096  # larger frames are refused: one of them takes 48 MB before downscaling


def read_video(data: bytes, *, max_frames: int = 120, max_side: int = 160, name: str = "video") \
        -> tuple[np.ndarray, float, dict]:
    """Decode uploaded bytes to float RGB frames (at most `max_frames`, longest side `max_side`).

    Each frame is downscaled as uint8 before it becomes float, and frames over MAX_FRAME_PIXELS (from the
    header, then from each decoded frame) are refused, so memory stays bounded.
    Returns (frames, fps, info). Raises ValueError with a clear message when the file cannot be decoded,
    holds no frames, or has frames that are too large, too small or too elongated.
    """
    import cv2

    from core.decode import MAX_ASPECT, MIN_SIDE

    if not data:
        raise ValueError(f"“{name}” is empty (0 bytes).")

    def check(width: int, height: int) -> None:
        short, long = sorted((width, height))
        if width * height > MAX_FRAME_PIXELS:
            raise ValueError(f"“{name}” has {width}×{height} frames; videos of at most "
                             f"{MAX_FRAME_PIXELS / 1e6:.1f} megapixels a frame are accepted.")
        fitted = round(short * min(1.0, max_side / long)) if max_side and max_side > 0 and long else short
        if short and (long > MAX_ASPECT * short or fitted < MIN_SIDE):
            raise ValueError(f"“{name}” has {width}×{height} frames: too narrow to use (at least {MIN_SIDE} "
                             f"pixels a side at the working size of {max_side} px, and at most {MAX_ASPECT}:1).")
    suffix = os.path.splitext(name)[1] or ".mp4"
    handle, path = tempfile.mkstemp(suffix=suffix)  # OpenCV reads from a path, not from memory
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        capture = cv2.VideoCapture(path)
        try:
            if not capture.isOpened():
                raise ValueError(f"“{name}” could not be decoded as a video (unknown or damaged format).")
            check(int(capture.get(cv2.CAP_PROP_FRAME_WIDTH) or 0), int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT) or 0))
            fps = float(capture.get(cv2.CAP_PROP_FPS) or 0.0)
            total = int(capture.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
            frames = []
            while len(frames) < max_frames:
                ok, bgr = capture.read()
                if not ok or bgr is None:
                    break
                check(bgr.shape[1], bgr.shape[0])  # the header may not tell the truth
                small = fit_size(bgr, max_side)[0]  # in uint8: a 4K frame as float32 would be 100 MB
                frames.append(cv2.cvtColor(small, cv2.COLOR_BGR2RGB).astype(np.float32) / 255.0)
        finally:
            capture.release()
    finally:
        os.unlink(path)
    if not frames:
        raise ValueError(f"“{name}” has no frames that could be decoded.")
    if len({f.shape for f in frames}) > 1:
        raise ValueError(f"“{name}” changes frame size mid-stream, which is not supported.")
    info = {"frames_in_file": total, "truncated": total > len(frames), "size": frames[0].shape[1::-1]}
    return np.stack(frames), (fps if 0 < fps < 240 else 25.0), info


def encode_mp4(frames: np.ndarray, *, fps: float = 15.0) -> bytes:
    """H.264 MP4 bytes (yuv420p, even sizes, faststart) that browsers play, via imageio-ffmpeg."""
    import imageio_ffmpeg

    frames = _frames(frames)
    video = to_uint8(frames)
    height, width = video.shape[1:3]
    video = video[:, :height - height % 2, :width - width % 2]  # yuv420p needs even sides
    if video.shape[1] < 2 or video.shape[2] < 2:
        raise ValueError("The video is too small to encode.")
    handle, path = tempfile.mkstemp(suffix=".mp4")
    os.close(handle)
    try:
        writer = imageio_ffmpeg.write_frames(path, (video.shape[2], video.shape[1]), fps=float(fps), codec="libx264",
                                             pix_fmt_out="yuv420p", macro_block_size=1, quality=None,
                                             output_params=["-crf", "23", "-preset", "veryfast",
                                                            "-movflags", "+faststart"])
        writer.send(None)
        for frame in video:
            writer.send(np.ascontiguousarray(frame))
        writer.close()
        with open(path, "rb") as file:
            return file.read()
    finally:
        os.unlink(path)


def side_by_side(frames: np.ndarray, masks: np.ndarray, *, truth: np.ndarray | None = None) -> np.ndarray:
    """Playback frames: the input with the foreground tinted, next to the mask (truth misses in red)."""
    frames = _frames(frames)
    fg = (np.asarray(masks) > 0.5)[..., None]
    tinted = np.where(fg, 0.45 * frames + 0.55 * np.array([1.0, 0.2, 0.6], np.float32), frames)
    mask_rgb = np.repeat(fg.astype(np.float32), 3, axis=-1)
    if truth is not None:
        missed = np.asarray(truth).astype(bool)[..., None] & ~fg
        mask_rgb = np.where(missed, np.array([0.9, 0.1, 0.1], np.float32), mask_rgb)
    gap = np.ones((frames.shape[0], frames.shape[1], 4, 3), np.float32)
    return np.concatenate([tinted, gap, mask_rgb], axis=2).astype(np.float32)
