"""The method registry: each method is a pure function plus a declarative description.

A `Task` fixes what a method receives (its positional inputs) and what it returns, so the UI,
the benchmark and the tests can run any method of a task the same way.
"""
from __future__ import annotations

import importlib
import inspect
import math
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np


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
class Task:
    """What every method of a task receives and returns."""

    name: str
    label: str
    inputs: tuple[str, ...]  # positional inputs, in order
    output: str  # "image", "labels", "mask", ...
    module: str  # the core module that registers its methods


@dataclass
class Output:
    """A method's result with optional extras to display (an estimated PSF, a curve, ...)."""

    image: np.ndarray
    extras: dict[str, Any] = field(default_factory=dict)


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
    needs: tuple[str, ...] = ()  # inputs beyond the task's (a mask, scribbles, ...)

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

    def run(self, *inputs: Any, params: dict[str, Any] | None = None,
            progress: Callable[[float, str], None] | None = None) -> Output:
        if len(inputs) != len(self.task.inputs) + len(self.needs):
            names = ", ".join(self.task.inputs + self.needs)
            raise ValueError(f"{self.label} needs these inputs: {names}.")
        kwargs = self.resolve(params)
        if progress is not None and self.accepts_progress:
            kwargs["progress"] = progress
        result = self.function(*inputs, **kwargs)
        return result if isinstance(result, Output) else Output(result)


# Chapter 1
DENOISE = Task("denoise", "Denoising", ("image",), "image", "core.denoise")
DEBLUR = Task("deblur", "Deblurring", ("image", "psf"), "image", "core.deblur")
# Chapter 2 (mask: bool, True where pixels are missing)
INPAINT = Task("inpaint", "Inpainting", ("image", "mask"), "image", "core.inpaint")
DIFFUSE = Task("diffuse", "Anisotropic diffusion", ("image",), "image", "core.diffusion")
SKETCH = Task("sketch", "Pencil sketch", ("image",), "image", "core.sketch")
# Chapters 3-4 tasks
# segment (interactive): the image, then what Method.needs names (core.segmentation.inputs: scribbles, strokes,
# rect, seeds). Output.image: a bool foreground mask, or int32 labels (1 = background, >= 2 objects).
SEGMENT = Task("segment", "Interactive segmentation", ("image",), "labels", "core.segmentation.interactive")
# background: an image and a bool foreground mask in; Output.image is the image with its background changed.
BACKGROUND = Task("background", "Background effects", ("image", "mask"), "image", "core.segmentation.background")
# threshold: Output.image is a bool mask (True = object); global methods put their threshold ([0, 1]) in
# extras["threshold"]. cluster / superpixels: Output.image is an int32 label map (labels from 1;
# 0 = unassigned). Mahalanobis needs "patches": an int32 label image of reference patches (0 = none).
THRESHOLD = Task("threshold", "Thresholding", ("image",), "mask", "core.threshold")
CLUSTER = Task("cluster", "Clustering", ("image",), "labels", "core.clustering")
SUPERPIXELS = Task("superpixels", "Superpixels & graph cuts", ("image",), "labels", "core.superpixels")
# components: a bool mask in, int32 labels out (0 = background), as Output.image.
COMPONENTS = Task("components", "Connected components", ("mask",), "labels", "core.regions")
# skin: an RGB image and scribbles (int32: 0 none, 1 non-skin, 2 skin) in; Output.image is the float skin
# mask (H, W) in {0, 1}; extras["accuracy"] is the accuracy on held-out stroke pixels.
SKIN = Task("skin", "Skin classification", ("image", "scribbles"), "mask", "core.skin")
# background_subtraction: frames (T, H, W, 3) float in; Output.image is the bool foreground masks
# (T, H, W); extras["background"] is the final background model (H, W, 3).
BACKGROUND_SUBTRACTION = Task("background_subtraction", "Video background subtraction", ("frames",), "masks",
                              "core.video_bg")
# outliers: samples (N, D) in [0, 1] in; Output.image is the per-sample reconstruction error (N,);
# extras["reconstruction"] holds the (N, D) reconstructions.
OUTLIERS = Task("outliers", "Outlier detection", ("samples",), "scores", "core.outliers")
# Chapters 5-6 tasks
# panorama (a list of 2-6 overlapping images in; the panorama out), faces and pedestrians ("boxes": an
# annotated image plus extras["boxes"]; "classification": a row-normalised confusion matrix plus extras)
STITCH = Task("stitch", "Panorama stitching", ("images",), "image", "core.panorama")
DETECT_FACES = Task("detect_faces", "Face and eye detection", ("image",), "boxes", "core.faces")
RECOGNIZE_FACES = Task("recognize_faces", "Face recognition", ("faces", "labels"), "classification", "core.faces")
DETECT_PEOPLE = Task("detect_people", "People detection", ("image",), "boxes", "core.pedestrians")
# keypoints: Output.image is the image with its keypoints drawn (RGB); extras["keypoints"] is an
# (N, 5) float32 array of x, y, size (diameter, px), angle (degrees, -1 = none), response.
KEYPOINTS = Task("keypoints", "Keypoint detection", ("image",), "keypoints", "core.keypoints")
# register: `moving` is aligned onto `fixed`. Output.image is the aligned moving image (fixed's shape);
# extras["transform"] is a 3×3 moving→fixed matrix (parametric methods) and extras["field"] an (H, W, 2)
# float32 displacement (dx, dy) with aligned(x) = moving(x + field(x)) (every method).
REGISTER = Task("register", "Registration", ("fixed", "moving"), "image", "core.registration")
# align_channels: an RGB image whose channels are shifted; extras["shifts"] holds the (dx, dy) per channel.
ALIGN_CHANNELS = Task("align_channels", "Colour-channel alignment", ("image",), "image",
                      "core.registration.channels")

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


def get_method(task: Task | str, key: str) -> Method:
    task = TASKS[task] if isinstance(task, str) else task
    for m in methods_for(task):
        if m.key == key:
            return m
    known = ", ".join(m.key for m in methods_for(task))
    raise KeyError(f"Unknown {task.name} method {key!r}. Known: {known}.")
