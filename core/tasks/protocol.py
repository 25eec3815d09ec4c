"""The task protocol: what every method of a task receives, the kind of output it returns, its metrics,
how one result is scored against the truth, and a small seeded example with its truth.

IPOL's demo description makes results as declarative as parameters. A `Task` does the same for a family of
methods, so the app (captions, charts, sweeps, history, export) and the bench read one description.
"""
from __future__ import annotations

import importlib
import math
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np


@dataclass
class Output:
    """A method's result: `image` is the primary array its task's `OutputKind` describes; `extras` holds
    what else the method reports (boxes, keypoints, a transform, a curve, ...)."""

    image: np.ndarray
    extras: dict[str, Any] = field(default_factory=dict)


# -- metrics ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Metric:
    """One score of a result: how to name it, print it and rank it."""

    name: str  # its key in the scores dict, e.g. "psnr"
    label: str  # e.g. "PSNR"
    unit: str = ""  # e.g. " dB"
    digits: int = 2
    higher_is_better: bool = True
    needs_truth: bool = True  # False: computed from the output (and inputs) alone
    gain: bool = False  # captions also show the difference to the baseline's value
    noun: tuple[str, str] | None = None  # a count, read "3 segments" rather than "segments **3**"
    caption: bool = True  # False: only in tables, the CSV, the history and sweeps

    @property
    def title(self) -> str:
        """"PSNR (dB)": a column or axis title."""
        return self.label + (f" ({self.unit.strip()})" if self.unit.strip() else "")

    @property
    def arrow(self) -> str:
        return "↑" if self.higher_is_better else "↓"

    def format(self, value: Any, *, unit: bool = True) -> str:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return "–"
        if isinstance(value, float) and math.isinf(value):
            return ("∞" if value > 0 else "-∞") + (self.unit if unit else "")
        if self.noun is not None:
            return f"{int(round(value))}"
        return f"{value:.{self.digits}f}" + (self.unit if unit else "")

    def describe(self, value: Any, baseline: Any = None) -> str:
        """The caption fragment: "PSNR **28.31 dB** (+7.72)", or "3 segments" for a count."""
        if self.noun is not None and value is not None and math.isfinite(value):
            count = int(round(value))
            return f"{count} {self.noun[0] if count == 1 else self.noun[1]}"
        text = f"{self.label} **{self.format(value)}**"
        if self.gain and baseline is not None and value is not None:
            difference = float(value) - float(baseline)
            if math.isfinite(difference):
                text += f" ({difference:+.{self.digits}f})"
        return text


SECONDS = Metric("seconds", "time", " s", 3, higher_is_better=False, needs_truth=False)


# -- output kinds -------------------------------------------------------------------------------------------

def _float_image(array: np.ndarray, label: str) -> np.ndarray:
    image = np.asarray(array, dtype=np.float32)
    if image.ndim not in (2, 3) or (image.ndim == 3 and image.shape[2] not in (3, 4)):
        raise ValueError(f"{label} returned an array of shape {image.shape}, not an image.")
    if not np.all(np.isfinite(image)):
        raise ValueError(f"{label} produced NaN or infinite values for these settings.")
    return np.clip(image, 0.0, 1.0)


def _bool_mask(array: np.ndarray, label: str) -> np.ndarray:
    mask = np.asarray(array)
    if mask.dtype != bool:
        if not np.all(np.isin(mask, (0, 1))):
            raise ValueError(f"{label} returned a mask with values other than 0 and 1.")
        mask = mask.astype(bool)
    return mask


def _mask2d(array: np.ndarray, label: str) -> np.ndarray:
    mask = _bool_mask(array, label)
    if mask.ndim != 2:
        raise ValueError(f"{label} returned a mask of shape {mask.shape}, not (height, width).")
    return mask


def _masks3d(array: np.ndarray, label: str) -> np.ndarray:
    masks = _bool_mask(array, label)
    if masks.ndim != 3:
        raise ValueError(f"{label} returned masks of shape {masks.shape}, not (frames, height, width).")
    return masks


def _segmentation(array: np.ndarray, label: str) -> np.ndarray:
    result = np.asarray(array)
    if result.ndim != 2:
        raise ValueError(f"{label} returned a segmentation of shape {result.shape}, not (height, width).")
    if result.dtype == bool:
        return result
    if not np.issubdtype(result.dtype, np.integer):
        raise ValueError(f"{label} returned labels of type {result.dtype}, not integers.")
    return result.astype(np.int32, copy=False)


def _vector(array: np.ndarray, label: str) -> np.ndarray:
    values = np.asarray(array, dtype=np.float32)
    if values.ndim != 1 or not np.all(np.isfinite(values)):
        raise ValueError(f"{label} must return one finite score per sample.")
    return values


def _matrix(array: np.ndarray, label: str) -> np.ndarray:
    values = np.asarray(array, dtype=np.float32)
    if values.ndim != 2 or values.shape[0] != values.shape[1]:
        raise ValueError(f"{label} must return a square confusion matrix, not shape {values.shape}.")
    return values


@dataclass(frozen=True)
class OutputKind:
    """What `Output.image` holds for every method of a task, and which extras they all fill."""

    name: str  # "image", "mask", "segmentation", ...
    contract: str  # one line, for people
    validate: Callable[[np.ndarray, str], np.ndarray]  # the primary array, normalised, or ValueError
    like: str | None = None  # the input whose height and width (or frames) the primary array shares
    extras: tuple[str, ...] = ()  # extras every method of the kind fills
    record: Callable[[Output], dict] | None = None  # what of a result a bench record keeps besides its scores

    def check(self, output: Output, inputs: dict[str, Any], label: str) -> Output:
        """`output` with its primary array normalised (dtype, range); ValueError when it breaks the contract."""
        output.image = self.validate(output.image, label)
        like = inputs.get(self.like) if self.like else None
        if isinstance(like, np.ndarray):
            size = like.shape[:3] if self.name == "masks" else like.shape[:2]
            if output.image.shape[:len(size)] != size:
                raise ValueError(f"{label} returned shape {output.image.shape} for an input of shape {like.shape}.")
        missing = [name for name in self.extras if name not in output.extras]
        if missing:
            raise ValueError(f"{label} did not report {', '.join(missing)}.")
        return output


IMAGE = OutputKind("image", "float32 image in [0, 1], the shape of the input image", _float_image, like="image")
PANORAMA = OutputKind("panorama", "float32 RGB image in [0, 1] of any size; extras['used']: images joined",
                      _float_image, extras=("used",))
ALIGNED = OutputKind("aligned", "the moving image aligned onto the fixed one (float32, fixed's shape); "
                     "extras['field']: (H, W, 2) displacement, aligned(x) = moving(x + field(x))",
                     _float_image, like="fixed", extras=("field",))
SHIFTED = OutputKind("shifted", "the image with its channels aligned (float32 RGB); extras['shifts']: "
                     "{channel: (dx, dy)} relative to extras['reference']", _float_image, like="image",
                     extras=("shifts", "reference"))
MASK = OutputKind("mask", "bool (H, W) mask, True = object (skin, foreground)", _mask2d, like="image")
MASKS = OutputKind("masks", "bool (T, H, W) foreground masks, one per frame", _masks3d, like="frames")
SEGMENTATION = OutputKind("segmentation", "bool (H, W) foreground mask, or int32 (H, W) labels "
                          "(segment: 1 = background, >= 2 objects; clusters and superpixels: labels from 1; "
                          "components: 0 = background)", _segmentation, like="image")
SCORES = OutputKind("scores", "float32 (N,) score per sample (higher = more unusual)", _vector)
BOXES = OutputKind("boxes", "the image with its detections drawn (float32 RGB); extras['boxes']: (N, 4) int "
                   "x, y, w, h; extras['count']", _float_image, like="image", extras=("boxes", "count"))
KEYPOINTS = OutputKind("keypoints", "the image with its keypoints drawn (float32 RGB); extras['keypoints']: "
                       "(N, 5) float32 x, y, size, angle (-1 = none), response; extras['count']",
                       _float_image, like="image", extras=("keypoints", "count"))
CLASSIFICATION = OutputKind("classification", "float32 (K, K) row-normalised confusion matrix on held-out "
                            "samples; extras['accuracy'], extras['chance']", _matrix,
                            extras=("accuracy", "chance"))


def _labelled_boxes_record(output: Output) -> dict:
    """The detections as JSON: [{label, score, x, y, w, h}], for bench records."""
    extras = output.extras
    return {"boxes": [{"label": str(label), "score": round(float(score), 4), "x": int(x), "y": int(y), "w": int(w),
                       "h": int(h)} for (x, y, w, h), label, score in zip(np.asarray(extras["boxes"]).reshape(-1, 4),
                                                                          extras["labels"], extras["scores"])]}


LABELLED_BOXES = OutputKind("labelled_boxes", "the image with its labelled detections drawn (float32 RGB); "
                            "extras['boxes']: (N, 4) int x, y, w, h; extras['labels']: N class names; "
                            "extras['scores']: (N,) float32 in [0, 1] (1 where a detector gives none); "
                            "extras['count']", _float_image, like="image",
                            extras=("boxes", "labels", "scores", "count"), record=_labelled_boxes_record)


def _class_scores(array: np.ndarray, label: str) -> np.ndarray:
    scores = np.asarray(array, dtype=np.float32)
    if scores.ndim != 2 or scores.shape[1] < 2:
        raise ValueError(f"{label} must return one row of class probabilities per test image, not shape "
                         f"{scores.shape}.")
    if not np.all(np.isfinite(scores)):
        raise ValueError(f"{label} produced NaN or infinite class scores.")
    return scores


CLASS_SCORES = OutputKind("class_scores", "float32 (N_test, K) class probabilities (rows sum to 1); "
                          "extras['predictions'] (N_test,) int, extras['model'] (a predictor: predict_proba(images) "
                          "-> (N, K)), extras['fit_seconds'], extras['predict_seconds']", _class_scores,
                          extras=("predictions", "model", "fit_seconds", "predict_seconds"))


def _codes_record(output: Output) -> dict:
    """The decoded codes as JSON: [{symbology, text, polygon}], for bench records."""
    return {"codes": [{"symbology": c["symbology"], "text": c["text"],
                       "polygon": [[round(float(x), 1), round(float(y), 1)] for x, y in c["polygon"]]}
                      for c in output.extras["codes"]]}


CODES = OutputKind("codes", "the image with its decoded codes outlined (float32 RGB); extras['codes']: a list of "
                   "{text, symbology, polygon (4 x, y corners), hex (the raw payload), notice}; extras['count']",
                   _float_image, like="image", extras=("codes", "count"), record=_codes_record)


def _distances_record(output: Output) -> dict:
    """The distance of every pair and the decision threshold, for bench records."""
    return {"distances": [round(float(d), 4) for d in output.image], "threshold": float(output.extras["threshold"])}


DISTANCES = OutputKind("distances", "float32 (N,) distance per pair of face images (lower = more alike); "
                       "extras['threshold']: same person when distance <= threshold; extras['found']: (N, 2) int "
                       "faces found in each image (0: none, the whole image was taken as the face)", _vector,
                       extras=("threshold", "found"), record=_distances_record)


def _probabilities(array: np.ndarray, label: str) -> np.ndarray:
    values = np.asarray(array, dtype=np.float32)
    if values.ndim != 1 or values.size < 2 or not np.all(np.isfinite(values)) or np.any(values < 0):
        raise ValueError(f"{label} must return one non-negative probability per class, not shape {values.shape}.")
    total = float(values.sum())
    if not 0.98 <= total <= 1.02:
        raise ValueError(f"{label} returned class probabilities that sum to {total:.3f}, not 1.")
    return values / total


def _probabilities_record(output: Output) -> dict:
    """The top classes as JSON: [{index, name, probability}], for bench records."""
    return {"top": [{"index": int(i), "name": str(n), "probability": round(float(p), 4)}
                    for i, n, p in output.extras["top"]]}


PROBABILITIES = OutputKind("probabilities", "float32 (K,) class probabilities summing to 1 (ImageNet: K = 1000); "
                           "extras['top']: the 5 best as (index, name, probability)", _probabilities,
                           extras=("top",), record=_probabilities_record)


# -- inputs ---------------------------------------------------------------------------------------------------

class MissingInput(ValueError):
    """A method was run without an input it needs (shown as a message in its cell, or a bench skip line)."""


@dataclass(frozen=True)
class Need:
    """An input a method may take beyond its task's (`Method.needs`)."""

    name: str
    what: str  # for messages: "<method> needs <what>"
    required: bool = True
    source: str = ""  # the key in the available inputs that supplies it (default: its name)

    @property
    def key(self) -> str:
        return self.source or self.name


NEEDS = {need.name: need for need in (
    Need("scribbles", "scribbles: paint the background with label 1 and the object with label 2"),
    Need("strokes", "optional refinement strokes", required=False, source="scribbles"),
    Need("rect", "a rectangle around the object"),
    Need("seeds", "seed points inside the object"),
    Need("patches", "reference patches: draw one rectangle on each kind of region"),
    Need("known_sigma", "the noise level, when it is known", required=False),
    Need("model", "a Keras model file (.keras): upload one"),
    Need("weights", "its ImageNet weights: “imagenet” (downloaded on first use, then cached) or “untrained”",
         required=False),
)}


class Lazy:
    """An example input that is costly to make (a Keras model): made on first use, by the methods that need it."""

    def __init__(self, make: Callable[[], Any]):
        self._make, self._value, self._made = make, None, False

    def get(self) -> Any:
        if not self._made:
            self._value, self._made = self._make(), True
        return self._value


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, (list, tuple)) and len(value) == 0) or (
        isinstance(value, np.ndarray) and value.dtype != object and not np.any(value))


def arguments(label: str, names: tuple[str, ...], needs: tuple[str, ...], available: dict[str, Any]) -> tuple:
    """The positional inputs of a method: its task's inputs, then each of its needs, taken from `available`.
    Raises MissingInput naming what to give when a required one is missing."""
    values = []
    for name in names:
        if available.get(name) is None:
            raise MissingInput(f"{label} needs {name.replace('_', ' ')}.")
        values.append(_resolved(available[name]))
    for name in needs:
        need = NEEDS.get(name)
        if need is None:
            raise ValueError(f"{label} needs an input no task knows: {name!r}.")
        value = _resolved(available.get(need.key))
        if _empty(value):
            if need.required:
                raise MissingInput(f"{label} needs {need.what}.")
            value = None
        values.append(value)
    return tuple(values)


def _resolved(value: Any) -> Any:
    return value.get() if isinstance(value, Lazy) else value


# -- tasks ----------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Example:
    """Small seeded inputs of a task and their truth (None when the task has none to offer)."""

    inputs: dict[str, Any]  # every input a method of the task may take (task inputs and needs)
    truth: Any = None
    note: str = ""  # what the example shows, one line


def _function(reference: str) -> Callable:
    module, name = reference.split(":")
    return getattr(importlib.import_module(module), name)


@dataclass(frozen=True)
class Task:
    """What every method of a task receives and returns, and how its results are scored."""

    name: str
    label: str
    inputs: tuple[str, ...]  # positional inputs, in order
    output: OutputKind
    module: str  # the core module that registers its methods
    metrics: tuple[Metric, ...] = ()
    scorer: str = ""  # "module:function", (truth, output, inputs) -> {metric name: value}
    examples: str = ""  # "module:function", (seed) -> Example
    baseline: str | None = None  # the input that, returned unchanged, is the "do nothing" result
    primary: str = ""  # the metric sweeps rank by at first (default: the first one a result gets)

    def metric(self, name: str) -> Metric:
        if name == SECONDS.name:
            return SECONDS
        for metric in self.metrics:
            if metric.name == name:
                return metric
        raise KeyError(f"{self.label} has no metric {name!r}.")

    def metrics_for(self, truth: Any) -> tuple[Metric, ...]:
        """The metrics a result gets: all of them with a truth, the truth-free ones without."""
        return tuple(m for m in self.metrics if truth is not None or not m.needs_truth)

    def score(self, truth: Any, output: Output, inputs: dict[str, Any]) -> dict[str, float]:
        """Every metric of `metrics_for(truth)` for one result, as floats (NaN where it can't be measured)."""
        if not self.scorer:
            return {}
        values = _function(self.scorer)(truth, output, inputs)
        return {m.name: float(values.get(m.name, math.nan)) for m in self.metrics_for(truth)}

    def example(self, seed: int = 0) -> Example:
        return _function(self.examples)(int(seed))

    def baseline_output(self, inputs: dict[str, Any]) -> Output | None:
        """The baseline "method": the degraded input returned unchanged (None when the task has no such input)."""
        return None if self.baseline is None else Output(np.asarray(inputs[self.baseline]))

    def describe(self, scores: dict[str, float]) -> str:
        """Scores as one plain line: "PSNR 28.31 dB · SSIM 0.764"."""
        return " · ".join(self.metric(name).describe(value).replace("**", "") for name, value in scores.items())
