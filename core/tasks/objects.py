"""Scores and examples of the `detect` task (objects with class labels), and the bundled photos' true boxes.

A truth is {"boxes": (N, 4) int x, y, w, h, "labels": N class names}. Detections are matched to the true boxes of
their own class, one to one, at IoU >= 0.5; classes the truth does not annotate (the astronaut's eyes, the table
under the coffee cup) are not scored, so detectors of different classes can be compared on one picture.

The true boxes of the three bundled photos were measured once by hand, on a 50-px grid drawn over each
scikit-image original (the boxes are tight around the visible object):

- astronaut (512 × 512): the person, hair to the bottom edge and left sleeve to right shoulder, (20, 14, 345, 498);
  her face, brow to chin, (176, 66, 96, 96) (the faces page's box).
- chelsea (451 × 300): the cat, which fills the frame from its left cheek to its right ear, (10, 0, 372, 300).
- coffee (600 × 400): the cup with its handle, (172, 18, 236, 290); the spoon on the saucer, (318, 65, 105, 262).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from core.tasks.protocol import Example, Output

TRUTHS = {
    "astronaut": ((512, 512), [("person", (20, 14, 345, 498)), ("face", (176, 66, 96, 96))]),
    "chelsea": ((451, 300), [("cat", (10, 0, 372, 300))]),
    "coffee": ((600, 400), [("cup", (172, 18, 236, 290)), ("spoon", (318, 65, 105, 262))]),
}


def truth_for(sample: str, shape: tuple[int, ...]) -> dict | None:
    """The true boxes of a bundled photo, scaled to an image of `shape` (the working size); None if it has none."""
    if sample not in TRUTHS:
        return None
    (width, height), objects = TRUTHS[sample]
    sx, sy = shape[1] / width, shape[0] / height
    boxes = np.round(np.asarray([box for _, box in objects], np.float64) * (sx, sy, sx, sy)).astype(np.int32)
    return {"boxes": boxes, "labels": [label for label, _ in objects]}


def score_detect(truth: dict | None, output: Output, inputs: dict[str, Any]) -> dict[str, float]:
    """The count; against a truth, micro-averaged precision, recall and F1 over its annotated classes."""
    from core.objects.geometry import class_scores, overall_scores

    scores = {"count": float(output.extras["count"])}
    if truth is not None and len(truth["labels"]):
        table = class_scores(output.extras["boxes"], output.extras["labels"], truth["boxes"], truth["labels"])
        scores.update(overall_scores(table))
    return scores


def example_detect(seed: int) -> Example:
    from core.gallery import load_sample
    from core.image import fit_size

    names = ("astronaut", "chelsea", "coffee")
    name = names[seed % len(names)]
    image, _ = fit_size(load_sample(name), 256)
    return Example({"image": image}, truth_for(name, image.shape),
                   f"the {name} photo at 256 px; its objects' boxes, measured by hand")
