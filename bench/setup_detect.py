"""Image setup of the `detect` task (objects with class labels): each image is run as it is.

Truth, when there is one, gives precision / recall / F1 (IoU >= 0.5, class by class) in the records:
- the bundled photos `sample:astronaut`, `sample:chelsea` and `sample:coffee` have their hand-measured boxes
  (`core.tasks.objects.TRUTHS`), scaled to the working size;
- `--truth FILE.json` gives boxes for other images, keyed by the image's name as the table shows it or by its file
  name: {"street.jpg": {"size": [W, H], "objects": [{"label": "person", "x": 10, "y": 20, "w": 50, "h": 120}]}}
  ("size", optional, is the size the boxes were measured at; without it they are in working-size pixels).

Every record also carries the detections, `boxes: [{label, score, x, y, w, h}]`. Detectors are meant for colour
photos: add `--color` (the bench loads images in gray by default).
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from bench.cases import Case, Degradation, ImageSetup
from core.registry import DETECT
from core.tasks.objects import truth_for


def _arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("true boxes")
    group.add_argument("--truth", metavar="FILE.json",
                       help="true boxes per image name (see bench/setup_detect.py); bundled samples have their own")


def _read_truth(path: str | None) -> dict:
    if not path:
        return {}
    try:
        data = json.loads(Path(path).read_text())
    except (OSError, ValueError) as error:
        raise ValueError(f"--truth {path}: could not read it as JSON ({error}).") from None
    if not isinstance(data, dict):
        raise ValueError(f"--truth {path}: expected an object keyed by image name.")
    for name, entry in data.items():
        objects = entry.get("objects") if isinstance(entry, dict) else None
        if not isinstance(objects, list) or not all(
                isinstance(o, dict) and {"label", "x", "y", "w", "h"} <= set(o) for o in objects):
            raise ValueError(f"--truth {path}: {name!r} needs \"objects\": [{{label, x, y, w, h}}, ...].")
    return data


def _truth(entry: dict, shape: tuple[int, ...]) -> dict:
    width, height = entry.get("size") or (shape[1], shape[0])
    sx, sy = shape[1] / float(width), shape[0] / float(height)
    boxes = [(o["x"] * sx, o["y"] * sy, o["w"] * sx, o["h"] * sy) for o in entry["objects"]]
    return {"boxes": np.round(np.asarray(boxes, np.float64).reshape(-1, 4)).astype(np.int32),
            "labels": [str(o["label"]) for o in entry["objects"]]}


def _degradation(args: argparse.Namespace) -> Degradation:
    given = _read_truth(getattr(args, "truth", None))
    settings = {"truth": getattr(args, "truth", None) or "bundled samples only"}

    def make(name: str, image: np.ndarray) -> Case:
        entry = given.get(name) or given.get(Path(name).name)
        truth = _truth(entry, image.shape) if entry else (
            truth_for(name.split(":", 1)[1], image.shape) if name.startswith("sample:") else None)
        return Case(name, {"image": image}, truth, settings)

    return Degradation(settings, make)


DETECT_SETUP = ImageSetup(DETECT, "run each detector on each image as it is; with true boxes (bundled samples or "
                                  "--truth), precision, recall and F1 at IoU 0.5, class by class", _arguments,
                          _degradation)
