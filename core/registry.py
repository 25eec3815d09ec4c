"""The method registry: each method is a pure function plus a declarative description, and the catalogue of
tasks (core.tasks.protocol): what their methods take and return, and how a result is scored.

A `Task` fixes a method's positional inputs and the kind of its output, so the UI, the benchmark and the
tests can run, score and compare any method of a task the same way.
"""
from __future__ import annotations

import importlib
import inspect
import math
import sys
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from core.tasks.protocol import CLASS_SCORES  # the classify task's output kind
from core.tasks.protocol import (ALIGNED, BOXES, CLASSIFICATION, IMAGE, MASK, MASKS, PANORAMA, SCORES,
                                 SEGMENTATION, SHIFTED, NEEDS, Metric, MissingInput, Output, OutputKind, Task,
                                 arguments)
from core.tasks.protocol import KEYPOINTS as KEYPOINTS_KIND
from core.tasks.protocol import LABELLED_BOXES  # the detect task's output kind

__all__ = ["Param", "Method", "Output", "Task", "Metric", "MissingInput", "TASKS", "method", "methods_for",
           "get_method", "get_task"]


@dataclass(frozen=True)
class Param:
    """One tunable parameter. `kind` is inferred from the default unless given."""

    name: str
    label: str
    default: Any
    min: float | None = None
    max: float | None = None
    step: float | None = None
    choices: tuple | None = None
    help: str = ""
    kind: str = ""
    log: bool = False  # a log-scaled slider (regularisation weights and the like)

    def __post_init__(self):
        if not self.kind:
            if self.choices is not None:
                kind = "choice"
            elif isinstance(self.default, bool):
                kind = "bool"
            elif isinstance(self.default, int):
                kind = "int"
            elif isinstance(self.default, float):
                kind = "float"
            else:
                raise ValueError(f"Param {self.name}: cannot infer its kind from {self.default!r}.")
            object.__setattr__(self, "kind", kind)
        if self.choices is not None:
            object.__setattr__(self, "choices", tuple(self.choices))
            if self.default not in self.choices:
                raise ValueError(f"Param {self.name}: default {self.default!r} is not among its choices.")

    def coerce(self, value: Any) -> Any:
        """Turn a value from a URL, a JSON file or a widget into a valid value of this parameter."""
        if self.kind == "choice":
            for choice in self.choices:
                if value == choice or str(value) == str(choice):
                    return choice
            raise ValueError(f"{self.label}: {value!r} is not one of {', '.join(map(str, self.choices))}.")
        if self.kind == "bool":
            if isinstance(value, str):
                return value.strip().lower() in ("1", "true", "yes", "on")
            return bool(value)
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ValueError(f"{self.label}: {value!r} is not a number.") from None
        if not math.isfinite(number):
            raise ValueError(f"{self.label}: {value!r} is not a finite number.")
        if self.min is not None:
            number = max(number, self.min)
        if self.max is not None:
            number = min(number, self.max)
        return int(round(number)) if self.kind == "int" else float(number)

    def sweep_values(self, count: int = 9) -> list:
        """Evenly spread values over the range (log-spaced for log params), for parameter sweeps."""
        if self.kind == "choice":
            return list(self.choices)
        if self.kind == "bool":
            return [False, True]
        low, high = self.min, self.max
        if low is None or high is None:
            raise ValueError(f"{self.label} has no range to sweep.")
        if self.log and low > 0:
            values = np.geomspace(low, high, count)
        else:
            values = np.linspace(low, high, count)
        coerced = [self.coerce(v) for v in values]
        return list(dict.fromkeys(coerced))  # ints may repeat


@dataclass(frozen=True)
class Method:
    key: str
    task: Task
    label: str
    function: Callable
    params: tuple[Param, ...] = ()
    book: str = ""
    summary: str = ""
    explanation: str = ""
    latex: str = ""
    slow: bool = False
    reference: bool = False  # shown as the reference the others are judged against
    needs_tensorflow: bool = False
    # pure TensorFlow work (weights from disk, nothing kept between runs): on the server it runs in core.worker's
    # child process, which exits when idle, so TensorFlow's memory comes back
    in_worker: bool = False
    needs: tuple[str, ...] = ()  # inputs beyond the task's (a mask, scribbles, ...)
    # files fetched on demand: () -> None when the method can run on this host, else why not (a sentence)
    unavailable: Callable[[], str | None] | None = None

    @property
    def accepts_progress(self) -> bool:
        return "progress" in inspect.signature(self.function).parameters

    def defaults(self) -> dict[str, Any]:
        return {p.name: p.default for p in self.params}

    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(f"{self.label} has no parameter {name!r}.")

    def resolve(self, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """Defaults overridden by `params`, each value checked; unknown names are an error."""
        values = self.defaults()
        for name, value in (params or {}).items():
            values[name] = self.param(name).coerce(value)
        return values

    @property
    def input_names(self) -> tuple[str, ...]:
        return self.task.inputs + self.needs

    def arguments(self, available: dict[str, Any]) -> tuple:
        """The positional inputs of `run`, taken by name from `available` (raises MissingInput)."""
        return arguments(self.label, self.task.inputs, self.needs, available)

    def run(self, *inputs: Any, params: dict[str, Any] | None = None,
            progress: Callable[[float, str], None] | None = None) -> Output:
        """Run on positional inputs (the task's, then `needs`); the output is checked against the task's
        output kind (dtype and range normalised, shape and extras checked). Optional needs at the end may be
        left out (they are None)."""
        names = self.input_names
        if len(inputs) < len(names) and all(n in NEEDS and not NEEDS[n].required for n in names[len(inputs):]):
            inputs = inputs + (None,) * (len(names) - len(inputs))
        if len(inputs) != len(names):
            raise ValueError(f"{self.label} needs these inputs: {', '.join(self.input_names)}.")
        kwargs = self.resolve(params)
        if progress is not None and self.accepts_progress:
            kwargs["progress"] = progress
        fresh_opencv_rng()
        result = self.function(*inputs, **kwargs)
        output = result if isinstance(result, Output) else Output(result)
        return self.task.output.check(output, dict(zip(self.input_names, inputs)), self.label)


def fresh_opencv_rng() -> None:
    """Put this thread's OpenCV random generator (k-means++ starts, the stitcher's sampling, background models'
    updates) back in the state a new process starts with, so that a method's result never depends on what ran
    before it on this thread: the same inputs give the same output in the app, serially and on any worker."""
    cv2 = sys.modules.get("cv2")  # not loaded yet: no thread has used it, every state is the first one
    if cv2 is not None:
        cv2.setRNGSeed(0)  # OpenCV takes seed 0 as its default state


# -- the task catalogue: what each task's methods take and return, and how their results are scored ------------

PSNR = Metric("psnr", "PSNR", " dB", 2, gain=True)
SSIM = Metric("ssim", "SSIM", "", 3)
MSE = Metric("mse", "MSE", "", 5, higher_is_better=False, caption=False)
RESTORED = (PSNR, SSIM, MSE)
OVERLAP = (Metric("iou", "IoU", "", 3), Metric("dice", "Dice", "", 3))
SEGMENTS = Metric("segments", "segments", "", 0, needs_truth=False, noun=("segment", "segments"))
DETECTED = (Metric("count", "detections", "", 0, needs_truth=False, noun=("detection", "detections")),
            Metric("f1", "F1", "", 2), Metric("precision", "precision", "", 2),
            Metric("recall", "recall", "", 2))
_RESTORATION, _SEGMENTATION = "core.tasks.restoration", "core.tasks.segmentation"
_FEATURES, _DETECTION = "core.tasks.features", "core.tasks.detection"


def _task(name: str, label: str, inputs: tuple[str, ...], output: OutputKind, module: str, metrics: tuple,
          family: str, **details) -> Task:
    """A task whose scorer and examples are `score_<name>` and `example_<name>` in its family's module."""
    return Task(name, label, inputs, output, module, metrics, scorer=f"{family}:score_{name}",
                examples=f"{family}:example_{name}", **details)


# Chapters 1-2: restoration (truth: the clean image)
DENOISE = _task("denoise", "Denoising", ("image",), IMAGE, "core.denoise", RESTORED, _RESTORATION, baseline="image")
DEBLUR = _task("deblur", "Deblurring", ("image", "psf"), IMAGE, "core.deblur", RESTORED, _RESTORATION,
               baseline="image")
INPAINT = _task("inpaint", "Inpainting", ("image", "mask"), IMAGE, "core.inpaint",  # mask: True = missing
                RESTORED + (Metric("psnr_mask", "Mask PSNR", " dB", 2, gain=True),
                            Metric("ssim_mask", "Mask SSIM", "", 3)), _RESTORATION, baseline="image",
                primary="psnr_mask")  # the whole-image figures count the untouched pixels too
DIFFUSE = _task("diffuse", "Anisotropic diffusion", ("image",), IMAGE, "core.diffusion", RESTORED, _RESTORATION,
                baseline="image")
SKETCH = _task("sketch", "Pencil sketch", ("image",), IMAGE, "core.sketch",
               (Metric("ink", "ink", "", 3, needs_truth=False),), _RESTORATION)
# background: an image and a bool foreground mask in; out, the image with its background changed
BACKGROUND = _task("background", "Background effects", ("image", "mask"), IMAGE, "core.segmentation.background",
                   (Metric("background_change", "background change", "", 3, needs_truth=False),
                    Metric("foreground_change", "foreground change", "", 4, higher_is_better=False,
                           needs_truth=False)), _RESTORATION)
# Chapters 3-4: segmentation (truth: a bool reference mask), classifiers of pixels, video, outliers
SEGMENT = _task("segment", "Interactive segmentation", ("image",), SEGMENTATION, "core.segmentation.interactive",
                OVERLAP + (SEGMENTS,), _SEGMENTATION)
THRESHOLD = _task("threshold", "Thresholding", ("image",), SEGMENTATION, "core.threshold", OVERLAP + (SEGMENTS,),
                  _SEGMENTATION)  # global methods put their threshold ([0, 1]) in extras["threshold"]
CLUSTER = _task("cluster", "Clustering", ("image",), SEGMENTATION, "core.clustering", OVERLAP + (SEGMENTS,),
                _SEGMENTATION)
SUPERPIXELS = _task("superpixels", "Superpixels & graph cuts", ("image",), SEGMENTATION, "core.superpixels",
                    OVERLAP + (SEGMENTS,), _SEGMENTATION)
COMPONENTS = _task("components", "Connected components", ("mask",),  # truth: the true label image
                   OutputKind("segmentation", SEGMENTATION.contract, SEGMENTATION.validate, like="mask"),
                   "core.regions", (Metric("regions", "regions", "", 0, needs_truth=False, noun=("region", "regions")),
                                    Metric("agreement", "agreement", "", 3)), _SEGMENTATION)
# skin: scribbles are int32, 0 none, 1 non-skin, 2 skin; truth: the true skin mask
SKIN = _task("skin", "Skin classification", ("image", "scribbles"), MASK, "core.skin",
             (Metric("accuracy", "held-out accuracy", "", 3, needs_truth=False),
              Metric("skin_fraction", "skin fraction", "", 3, needs_truth=False, caption=False),
              Metric("iou", "IoU", "", 3)), _SEGMENTATION)
# background_subtraction: frames (T, H, W, 3) in; extras["background"]: the final background model
BACKGROUND_SUBTRACTION = _task("background_subtraction", "Video background subtraction", ("frames",), MASKS,
                               "core.video_bg", OVERLAP, _SEGMENTATION)
# outliers: samples (N, D) in [0, 1] in; extras["reconstruction"]: (N, D); truth: which samples were corrupted
OUTLIERS = _task("outliers", "Outlier detection", ("samples",), SCORES, "core.outliers",
                 (Metric("roc_auc", "ROC AUC", "", 3), Metric("precision_top20", "precision in the top 20", "", 2)),
                 _SEGMENTATION)
# Chapters 5-6: features, registration, stitching (truth: the known transform, corners, shifts or source)
KEYPOINTS = _task("keypoints", "Keypoint detection", ("image",), KEYPOINTS_KIND, "core.keypoints",
                  (Metric("keypoints", "keypoints", "", 0, needs_truth=False, noun=("keypoint", "keypoints")),
                   Metric("recall_3px", "corners found (3 px)", "", 2)), _FEATURES)
REGISTER = _task("register", "Registration", ("fixed", "moving"), ALIGNED, "core.registration",  # moving onto fixed
                 (Metric("error_px", "error", " px", 2, higher_is_better=False),
                  Metric("mse", "MSE after", "", 4, higher_is_better=False, needs_truth=False),
                  Metric("ncc", "NCC after", "", 3, needs_truth=False, caption=False)), _FEATURES,
                 baseline="moving")
ALIGN_CHANNELS = _task("align_channels", "Colour-channel alignment", ("image",), SHIFTED,
                       "core.registration.channels", (Metric("error_px", "shift error", " px", 2,
                                                             higher_is_better=False),), _FEATURES)
STITCH = _task("stitch", "Panorama stitching", ("images",), PANORAMA, "core.panorama",  # 2-6 overlapping images
               (Metric("used", "images joined", "", 0, needs_truth=False, noun=("image joined", "images joined")),
                Metric("width", "width", " px", 0, needs_truth=False, caption=False),
                Metric("height", "height", " px", 0, needs_truth=False, caption=False),
                Metric("seam_psnr", "seam PSNR", " dB", 2), Metric("seam_mae", "seam error", "", 4,
                                                                   higher_is_better=False),
                Metric("coverage", "coverage", "", 3)), _FEATURES, primary="seam_psnr")
DETECT_FACES = _task("detect_faces", "Face and eye detection", ("image",), BOXES, "core.faces", DETECTED, _DETECTION,
                     primary="f1")
RECOGNIZE_FACES = _task("recognize_faces", "Face recognition", ("faces", "labels"), CLASSIFICATION, "core.faces",
                        (Metric("accuracy", "held-out accuracy", "", 3, needs_truth=False),
                         Metric("chance", "chance", "", 3, needs_truth=False, caption=False)), _DETECTION)
DETECT_PEOPLE = _task("detect_people", "People detection", ("image",), BOXES, "core.pedestrians", DETECTED,
                      _DETECTION, primary="f1")

# Chapters 7-8: classification, pretrained networks, object detection, face verification, barcodes and QR codes
# detect: boxes with class labels and scores; truth: {"boxes": (N, 4) x, y, w, h, "labels": N class names}, matched
# class by class at IoU >= 0.5 (core.tasks.objects)
DETECT = _task("detect", "Object detection", ("image",), LABELLED_BOXES, "core.objects.detectors", DETECTED,
               "core.tasks.objects", primary="f1")
# classify: training images (N, H, W) float32 in [0, 1], their int labels 0..K-1 and test images in; out, (N_test, K)
# class probabilities; truth: the test labels
CLASSIFY = _task("classify", "Image classification", ("x_train", "y_train", "x_test"), CLASS_SCORES,
                 "core.classify.models",
                 (Metric("accuracy", "accuracy", "", 4), Metric("f1_macro", "macro F1", "", 4),
                  Metric("fit_seconds", "train time", " s", 3, higher_is_better=False, needs_truth=False),
                  Metric("predict_seconds", "predict time", " s", 3, higher_is_better=False, needs_truth=False,
                         caption=False)), "core.tasks.classification", primary="accuracy")

# decode_codes: an image in; the decoded codes out (texts, symbologies, corner polygons); truth: the payloads in the
# image (a list of strings; [] = none), matched as a multiset (core.tasks.codes)
from core.tasks.protocol import CODES as CODES_KIND  # noqa: E402

DECODE_CODES = _task("decode_codes", "Barcode & QR decoding", ("image",), CODES_KIND, "core.codes.decoders",
                     (Metric("count", "codes", "", 0, needs_truth=False, noun=("code", "codes")),
                      Metric("decode_rate", "decode rate", "", 2), Metric("correct", "correct payloads", "", 0),
                      Metric("false_decodes", "false decodes", "", 0, higher_is_better=False)),
                     "core.tasks.codes", primary="decode_rate")

# verify_faces: two lists of face images (RGB or gray, float in [0, 1] or uint8, any size each), pair i = (a[i], b[i]);
# out, a distance per pair; truth: (N,) bool, True = the same person (core.tasks.verification)
from core.tasks.protocol import DISTANCES  # noqa: E402

VERIFY_FACES = _task("verify_faces", "Face verification", ("faces_a", "faces_b"), DISTANCES, "core.verification",
                     (Metric("distance", "distance", "", 3, higher_is_better=False, needs_truth=False),
                      Metric("matches", "matches", "", 0, needs_truth=False, noun=("match", "matches")),
                      Metric("roc_auc", "ROC AUC", "", 3), Metric("accuracy", "accuracy at threshold", "", 3),
                      Metric("best_threshold", "best threshold (tuned on these pairs)", "", 3, caption=False),
                      Metric("best_accuracy", "accuracy at the best threshold", "", 3, caption=False)),
                     "core.tasks.verification", primary="roc_auc")

# classify_imagenet: an image in; out, its 1000 ImageNet class probabilities; truth: a tuple of accepted class
# indices (core.tasks.pretrained); transfer: images (N, 224, 224, 3) uint8 and labels 0..K-1 in; out, the confusion
# matrix on held-out images
from core.tasks.protocol import PROBABILITIES  # noqa: E402

CLASSIFY_IMAGENET = _task("classify_imagenet", "ImageNet classification", ("image",), PROBABILITIES,
                          "core.pretrained.methods",
                          (Metric("confidence", "top-1 probability", "", 3, needs_truth=False),
                           Metric("top1", "top-1 correct", "", 0), Metric("top5", "top-5 correct", "", 0)),
                          "core.tasks.pretrained", primary="confidence")
TRANSFER = _task("transfer", "Transfer learning", ("images", "labels"), CLASSIFICATION, "core.pretrained.methods",
                 (Metric("accuracy", "held-out accuracy", "", 3, needs_truth=False),
                  Metric("chance", "chance", "", 3, needs_truth=False, caption=False)), "core.tasks.pretrained")

TASKS = {task.name: task for task in list(globals().values()) if isinstance(task, Task)}

_METHODS: dict[tuple[str, str], Method] = {}


def method(*, task: Task, key: str, label: str, params=(), **details) -> Callable:
    """Decorator that registers a function as a method of `task`."""

    def register(function: Callable) -> Callable:
        spec = Method(key=key, task=task, label=label, function=function, params=tuple(params), **details)
        if (task.name, key) in _METHODS and _METHODS[(task.name, key)].function is not function:
            raise ValueError(f"Method {task.name}/{key} is registered twice.")
        _METHODS[(task.name, key)] = spec
        return function

    return register


def methods_for(task: Task | str) -> list[Method]:
    """All methods of a task, in registration order (importing the task's module if needed)."""
    task = TASKS[task] if isinstance(task, str) else task
    importlib.import_module(task.module)
    return [m for (name, _), m in _METHODS.items() if name == task.name]


def get_task(name: str) -> Task:
    try:
        return TASKS[name]
    except KeyError:
        raise KeyError(f"Unknown task {name!r}. Known: {', '.join(TASKS)}.") from None


def get_method(task: Task | str, key: str) -> Method:
    task = TASKS[task] if isinstance(task, str) else task
    for m in methods_for(task):
        if m.key == key:
            return m
    known = ", ".join(m.key for m in methods_for(task))
    raise KeyError(f"Unknown {task.name} method {key!r}. Known: {known}.")
