"""Scores and examples of the pretrained-network tasks: classify_imagenet and transfer.

An ImageNet result is scored by its top-1 probability and, given the true classes (a tuple of accepted class
indices: a cup of espresso is both "espresso" and "cup"), whether the top-1 and the top-5 contain one of them.
Transfer learners measure their own accuracy on a stratified held-out split of the images they are given.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from core.tasks.protocol import Example, Output

# bundled photos with the ImageNet classes a person would accept for them (indices into the shipped names)
KNOWN_CLASSES = {"coffee": (967, 968), "chelsea": (281, 282, 283, 285), "astronaut": ()}


def score_classify_imagenet(truth: tuple[int, ...] | None, output: Output, inputs: dict[str, Any]) -> dict[str, float]:
    probabilities = np.asarray(output.image)
    order = np.argsort(-probabilities, kind="stable")
    scores = {"confidence": float(probabilities[order[0]])}
    if truth is not None and len(truth):
        accepted = {int(t) for t in np.atleast_1d(truth)}
        scores.update(top1=float(int(order[0]) in accepted), top5=float(bool(accepted & {int(i) for i in order[:5]})))
    return scores


def score_transfer(truth: None, output: Output, inputs: dict[str, Any]) -> dict[str, float]:
    return {"accuracy": float(output.extras["accuracy"]), "chance": float(output.extras["chance"])}


def example_classify_imagenet(seed: int) -> Example:
    """Odd seeds: Chelsea the cat; even: the cup of coffee. The keras.applications models get "untrained" weights
    here (random: no network in tests and examples); the page downloads their ImageNet weights."""
    from core.gallery import load_sample
    from core.image import fit_size

    name = "chelsea" if seed % 2 else "coffee"
    image, _ = fit_size(load_sample(name), 320)
    return Example({"image": image, "weights": "untrained"}, KNOWN_CLASSES[name],
                   f"the bundled {name} photo with its accepted ImageNet classes; downloaded-weight models run "
                   "untrained (random weights) in the example")


def example_transfer(seed: int) -> Example:
    from core.pretrained.transfer import example_set

    images = example_set(per_class=8, seed=seed)
    return Example({"images": images.images, "labels": images.labels}, None,
                   "4 synthetic classes × 8 augmented crops of one bundled photo each (cat, coffee, rocket, astronaut)")
