"""People detection (book §6.5): the HOG descriptor, OpenCV's HOG + linear SVM people detector with
raw / NMS / rectangle / mean-shift grouping, and Haar body cascades; a synthetic street with ground truth."""
from __future__ import annotations

import time

import numpy as np

from core.boxes import as_boxes, draw_boxes, non_max_suppression
from core.image import to_gray, to_uint8
from core.registry import DETECT_PEOPLE, Output, Param, method

MIN_SIDE = 64  # below this, no 64x128 detection window fits at any scale


def _check(image: np.ndarray, min_height: int = 128, what: str = "The HOG people detector") -> None:
    height, width = image.shape[:2]
    if height < min_height or width < min_height // 2:
        raise ValueError(f"{what} needs an image of at least {min_height // 2}×{min_height} pixels; this one is "
                         f"{width}×{height}. Use a larger working size.")


# -- a synthetic street with known people ----------------------------------------------------------

def _person(canvas: np.ndarray, x: float, feet: float, height: float, color, rng) -> tuple[int, int, int, int]:
    """Draw a standing figure (head, torso, arms, legs) with its feet at (x, feet); returns its tight box."""
    import cv2

    u = height / 8.0
    aa = cv2.LINE_AA
    cv2.ellipse(canvas, (int(x), int(feet - 7.3 * u)), (int(0.45 * u), int(0.6 * u)), 0, 0, 360, color, -1, aa)
    cv2.ellipse(canvas, (int(x), int(feet - 5.0 * u)), (int(0.85 * u), int(1.7 * u)), 0, 0, 360, color, -1, aa)
    leg, arm, stride = max(2, int(0.42 * u)), max(2, int(0.3 * u)), rng.uniform(0.2, 0.6)
    for side in (-1, 1):
        cv2.line(canvas, (int(x + side * 0.3 * u), int(feet - 3.4 * u)),
                 (int(x + side * (stride + 0.2) * u), int(feet)), color, leg, aa)
        cv2.line(canvas, (int(x + side * 0.8 * u), int(feet - 6.3 * u)),
                 (int(x + side * 1.1 * u), int(feet - 3.6 * u)), color, arm, aa)
    return int(x - 1.3 * u), int(feet - 8 * u), int(2.6 * u), int(8 * u)


def window_box(tight: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
    """A person's tight box grown to the detector's 1:2 window convention (the person fills about 3/4
    of the window height, as in the INRIA training windows), centred on the person."""
    x, y, w, h = tight
    height = h * 128 / 96
    width = height / 2
    return int(round(x + w / 2 - width / 2)), int(round(y + h / 2 - height / 2)), int(round(width)), int(round(height))


def street_scene(size: int = 512, *, people: int = 4, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A synthetic street: sky, a pavement, a lamp post and a bin as distractors, and `people` standing
    figures of different sizes and colours. Returns the RGB image and the people's ground-truth boxes
    (window convention, see `window_box`). Drawn shapes, not photographs: a sanity check for the
    detectors, not a benchmark of real pedestrians."""
    import cv2

    if not 1 <= people <= 6:
        raise ValueError("The synthetic street holds 1 to 6 people.")
    rng = np.random.default_rng(seed)
    s = size / 512
    yy = np.mgrid[0:size, 0:size][0] / size
    image = ((0.55 + 0.2 * yy)[..., None] * np.array([0.9, 0.9, 0.95])).astype(np.float32)
    horizon = int(0.35 * size)
    image[:horizon] = (0.75, 0.8, 0.9)
    cv2.rectangle(image, (int(20 * s), int(60 * s)), (int(26 * s), int(400 * s)), (0.25, 0.25, 0.27), -1)
    cv2.circle(image, (int(23 * s), int(60 * s)), int(9 * s), (0.95, 0.9, 0.6), -1, cv2.LINE_AA)
    cv2.rectangle(image, (int(470 * s), int(330 * s)), (int(500 * s), int(380 * s)), (0.2, 0.35, 0.2), -1)
    slots = np.linspace(80 * s, 430 * s, people) if people > 1 else np.array([256 * s])
    boxes = []
    for x in slots:
        height = rng.uniform(165, 235) * s
        feet = min(size - 8 * s, horizon + height * rng.uniform(1.05, 1.2))
        color = tuple(float(c) for c in rng.uniform(0.05, 0.35, 3))
        boxes.append(window_box(_person(image, x + rng.uniform(-12, 12) * s, feet, height, color, rng)))
    noise = cv2.GaussianBlur(rng.normal(0, 0.04, (size, size)).astype(np.float32), (0, 0), 1.5)
    image = cv2.GaussianBlur(np.clip(image + noise[..., None], 0, 1), (0, 0), 0.8)
    return np.clip(image, 0, 1).astype(np.float32), as_boxes(boxes)


# -- HOG ------------------------------------------------------------------------------------------

def hog_picture(image: np.ndarray, *, orientations: int = 9, pixels_per_cell: int = 8,
                cells_per_block: int = 2) -> tuple[np.ndarray, int]:
    """scikit-image's HOG with its visualisation: a star of gradient strengths in every cell.
    Returns the picture (float32 in [0, 1]) and the descriptor length."""
    from skimage.feature import hog

    gray = to_gray(image)
    if min(gray.shape) < pixels_per_cell * cells_per_block:
        raise ValueError("The image is smaller than one HOG block.")
    features, picture = hog(gray, orientations=orientations, pixels_per_cell=(pixels_per_cell,) * 2,
                            cells_per_block=(cells_per_block,) * 2, visualize=True, block_norm="L2-Hys")
    picture = picture / picture.max() if picture.max() > 0 else picture
    return np.sqrt(picture).astype(np.float32), int(features.size)  # sqrt: weak cells stay visible


_HOGS: dict = {}
WINDOWS = {"dalal": (64, 128), "daimler": (48, 96)}


def _hog(kind: str = "dalal"):
    """OpenCV's HOG descriptor with its built-in people SVM: Dalal–Triggs (64×128, INRIA) or Daimler (48×96)."""
    if kind not in _HOGS:
        import cv2

        if kind == "daimler":
            hog = cv2.HOGDescriptor((48, 96), (16, 16), (8, 8), (8, 8), 9)
            hog.setSVMDetector(cv2.HOGDescriptor_getDaimlerPeopleDetector())
        else:
            hog = cv2.HOGDescriptor()
            hog.setSVMDetector(cv2.HOGDescriptor_getDefaultPeopleDetector())
        _HOGS[kind] = hog
    return _HOGS[kind]


def _result(image: np.ndarray, boxes, extras: dict, color=(1.0, 0.15, 0.1)) -> Output:
    boxes = as_boxes(boxes)
    return Output(draw_boxes(image, boxes, color=color), {"boxes": boxes, "count": int(len(boxes)), **extras})


def _hog_params(hit_default: float) -> list[Param]:
    return [
        Param("scale", "Pyramid scale step", 1.05, min=1.01, max=1.5, step=0.01,
              help="Each pyramid level is this much smaller. Closer to 1 finds more sizes but is slower "
                   "(the book's 1.01 takes seconds)."),
        Param("win_stride", "Window stride (px)", 8, choices=(4, 8, 16),
              help="How far the window moves between tests; 4 is the book's, 8 is 4× faster."),
        Param("padding", "Padding (px)", 8, choices=(0, 8, 16, 32), help="Border added around the image."),
        Param("hit_threshold", "SVM score threshold", hit_default, min=-1.0, max=3.0, step=0.1,
              help="Windows scoring below this are not people. Raise it to drop weak detections."),
        Param("grouping", "Grouping of overlapping windows", "nms", choices=("none", "nms", "rectangles", "meanshift"),
              help="none: every raw window; nms: non-maximum suppression by SVM score; rectangles: OpenCV's "
                   "groupRectangles; meanshift: OpenCV's mean-shift grouping."),
        Param("overlap", "NMS overlap (IoU) threshold", 0.3, min=0.05, max=0.9, step=0.05,
              help="nms: a box overlapping a better one by more than this is dropped."),
        Param("group_threshold", "Rectangles: minimum neighbours", 2, min=1, max=6,
              help="rectangles: a group needs more than this many raw windows."),
    ]


def _hog_detect(image, kind: str, *, scale, win_stride, padding, hit_threshold, grouping, overlap,
                group_threshold) -> Output:
    import cv2

    width, height = WINDOWS[kind]
    _check(image, min_height=height, what=f"The {width}×{height} HOG people detector")
    gray = to_uint8(to_gray(image))
    options = dict(hitThreshold=float(hit_threshold), winStride=(win_stride, win_stride),
                   padding=(padding, padding), scale=float(scale))
    start = time.perf_counter()
    if grouping == "meanshift":
        rects, weights = _hog(kind).detectMultiScale(gray, useMeanshiftGrouping=True, **options)
        raw = None
    else:
        rects, weights = _hog(kind).detectMultiScale(gray, groupThreshold=0, **options)
        raw = len(rects)
        if grouping == "nms":
            keep = non_max_suppression(rects, np.ravel(weights), overlap=overlap)
            rects, weights = as_boxes(rects)[keep], np.ravel(weights)[keep]
        elif grouping == "rectangles" and len(rects):
            rects, weights = cv2.groupRectangles(as_boxes(rects).tolist(), int(group_threshold), 0.2)
    extras = {"raw windows": raw, "scores": np.round(np.ravel(weights), 3) if len(weights) else np.zeros(0),
              "detector seconds": time.perf_counter() - start}
    return _result(image, rects, extras)


@method(task=DETECT_PEOPLE, key="hog_svm", label="HOG + linear SVM (OpenCV)", book="6.5.1",
        params=_hog_params(0.0),
        summary="Dalal–Triggs: HOG descriptors of a sliding 64×128 window scored by a linear SVM trained on people.",
        explanation=("Every window of an image pyramid is described by histograms of gradient orientations in "
                     "8×8 cells, contrast-normalised over 2×2 blocks (3780 numbers), and scored by a linear SVM "
                     "whose weights ship inside OpenCV (trained on the INRIA person set). One person fires many "
                     "overlapping windows, so the raw hits are grouped: by non-maximum suppression on the SVM "
                     "score, by OpenCV's rectangle grouping, or by mean shift in position-scale space."),
        latex=r"\text{person} \iff w^\top \phi_{\mathrm{HOG}}(\text{window}) + b > \tau")
def hog_svm(image, *, scale=1.05, win_stride=8, padding=8, hit_threshold=0.0, grouping="nms", overlap=0.3,
            group_threshold=2):
    return _hog_detect(image, "dalal", scale=scale, win_stride=win_stride, padding=padding,
                       hit_threshold=hit_threshold, grouping=grouping, overlap=overlap, group_threshold=group_threshold)


@method(task=DETECT_PEOPLE, key="hog_daimler", label="HOG + linear SVM, Daimler 48×96 (OpenCV)", book="6.5.1",
        params=_hog_params(1.0),
        summary="The same HOG + SVM pipeline with OpenCV's second built-in model: a 48×96 window trained on "
                "the Daimler pedestrian set, for smaller people.",
        explanation=("A smaller window (48×96, 1980 numbers) finds people down to about 70 px tall, where the "
                     "64×128 model sees nothing; it also fires more often on clutter, hence a default score "
                     "threshold of 1 instead of 0. Not in the book: an extra comparison."),
        latex=r"\text{person} \iff w_{\mathrm{Daimler}}^\top \phi_{\mathrm{HOG}}(\text{window}) + b > \tau")
def hog_daimler(image, *, scale=1.05, win_stride=8, padding=8, hit_threshold=1.0, grouping="nms", overlap=0.3,
                group_threshold=2):
    return _hog_detect(image, "daimler", scale=scale, win_stride=win_stride, padding=padding,
                       hit_threshold=hit_threshold, grouping=grouping, overlap=overlap, group_threshold=group_threshold)


CASCADES = {"fullbody": "haarcascade_fullbody.xml", "upperbody": "haarcascade_upperbody.xml",
            "lowerbody": "haarcascade_lowerbody.xml"}


def load_cascade(filename: str):
    """One of OpenCV's bundled Haar cascades (shipped in the 4.x wheels under cv2.data.haarcascades)."""
    import os

    import cv2

    path = os.path.join(cv2.data.haarcascades, filename)
    cascade = cv2.CascadeClassifier(path)
    if cascade.empty():
        raise ValueError(f"OpenCV's cascade file {filename} is missing from this installation.")
    return cascade


@method(task=DETECT_PEOPLE, key="haar_body", label="Haar cascade · body (OpenCV)", book="6.5.2",
        params=[
            Param("cascade", "Cascade", "fullbody", choices=tuple(CASCADES),
                  help="OpenCV's bundled body cascades: whole body, head and shoulders, or legs."),
            Param("scale_factor", "Scale factor", 1.05, min=1.01, max=1.5, step=0.01,
                  help="Pyramid step; the book's 1.01 is thorough but slow."),
            Param("min_neighbors", "Minimum neighbours", 3, min=0, max=10,
                  help="Raw hits a detection needs around it; 0 shows every raw hit."),
            Param("min_size", "Minimum size (px, height)", 64, min=24, max=256, step=8,
                  help="Smaller detections are not searched for."),
        ],
        summary="Viola–Jones: a boosted cascade of Haar-like rectangle features, trained on whole bodies.",
        explanation=("Haar-like features are differences of sums over adjacent rectangles, each computed in four "
                     "look-ups of an integral image. AdaBoost picks and weights a few thousand of them and "
                     "arranges them in stages; a window is rejected as soon as one stage says no, so most of "
                     "the image costs little. Overlapping hits are grouped, and `minNeighbors` sets how many "
                     "a detection needs."),
        latex=r"\text{stage}_k:\ \sum_j \alpha_j\, h_j(\text{window}) \ge \theta_k \text{ for all } k")
def haar_body(image, *, cascade="fullbody", scale_factor=1.05, min_neighbors=3, min_size=64):
    import cv2

    _check(image, min_height=min_size, what="The Haar cascade")
    gray = to_uint8(to_gray(image))
    detector = load_cascade(CASCADES[cascade])
    start = time.perf_counter()
    size = (max(8, int(min_size) // 2), int(min_size)) if cascade == "fullbody" else (int(min_size),) * 2
    rects = detector.detectMultiScale(gray, scaleFactor=float(scale_factor), minNeighbors=int(min_neighbors),
                                      minSize=size)
    return _result(image, rects, {"detector seconds": time.perf_counter() - start}, color=(0.1, 0.45, 1.0))
