"""Scores and examples of the detection tasks: detect_faces, recognize_faces and detect_people.

Detections are scored against true boxes at IoU >= 0.5 (`core.boxes.match`); recognisers measure their own
accuracy on a stratified held-out split of the identities they are given.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from core.tasks.protocol import Example, Output

ASTRONAUT_FACE = (176, 66, 96, 96)  # x, y, w, h of Eileen Collins' face in the 512² astronaut (measured by hand)


def score_detect_faces(truth: np.ndarray | None, output: Output, inputs: dict[str, Any]) -> dict[str, float]:
    """The count; against true boxes (IoU >= 0.5), precision, recall and F1."""
    from core.boxes import match

    scores = {"count": float(output.extras["count"])}
    if truth is not None and len(truth):
        found = match(output.extras["boxes"], truth, threshold=0.5)
        precision, recall = found["precision"], found["recall"]
        total = precision + recall
        scores.update(precision=precision, recall=recall,
                      f1=2 * precision * recall / total if np.isfinite(total) and total > 0 else 0.0)
    return scores


score_detect_people = score_detect_faces


def score_recognize_faces(truth: None, output: Output, inputs: dict[str, Any]) -> dict[str, float]:
    return {"accuracy": float(output.extras["accuracy"]), "chance": float(output.extras["chance"])}


def example_detect_faces(seed: int) -> Example:
    from core.gallery import load_sample
    from core.image import fit_size

    image, scale = fit_size(load_sample("astronaut"), 256)
    truth = np.round(np.asarray([ASTRONAUT_FACE], np.float64) * scale).astype(np.int32)
    return Example({"image": image}, truth, "the astronaut at 256 px; her face box, measured by hand")


def example_recognize_faces(seed: int) -> Example:
    from core.face_sets import synthetic_identities

    faces = synthetic_identities(identities=4, per_identity=8, strength=1.0, seed=seed)
    return Example({"faces": faces.faces, "labels": faces.labels}, None,
                   "4 synthetic identities × 8 augmented lfw_subset faces")


def example_detect_people(seed: int) -> Example:
    from core.pedestrians import street_scene

    image, truth = street_scene(256, people=3, seed=seed)
    return Example({"image": image}, truth, "a drawn street with 3 people, their boxes known")
