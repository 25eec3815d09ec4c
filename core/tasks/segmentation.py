"""Scores and examples of the segmentation-like tasks: segment, threshold, cluster, superpixels, components,
skin, background_subtraction and outliers.

A label map is scored through its best mask: each segment counts as foreground when most of its pixels lie
inside the reference (`core.segmentation.metrics.foreground`), the best any labelling can score.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from core.segmentation.metrics import dice, foreground, iou, segment_count
from core.tasks.protocol import Example, Output

EXAMPLE_SIDE = 96


def score_segment(truth: np.ndarray | None, output: Output, inputs: dict[str, Any]) -> dict[str, float]:
    """IoU and Dice of the (best) foreground against the reference mask; the number of segments."""
    scores = {"segments": float(segment_count(output.image))}
    if truth is not None:
        mask = foreground(output.image, truth)
        scores.update(iou=iou(truth, mask), dice=dice(truth, mask))
    return scores


score_threshold = score_cluster = score_superpixels = score_segment


def score_components(truth: np.ndarray | None, output: Output, inputs: dict[str, Any]) -> dict[str, float]:
    """The number of regions; against the true label image, how much the two partitions agree."""
    from core.segmentation.metrics import agreement

    scores = {"regions": float(int(np.max(output.image, initial=0)))}
    if truth is not None:
        scores["agreement"] = agreement(np.asarray(truth), output.image)
    return scores


def score_skin(truth: np.ndarray | None, output: Output, inputs: dict[str, Any]) -> dict[str, float]:
    """Accuracy on held-out stroke pixels (measured by the method), the skin share, and IoU with a true mask."""
    scores = {"accuracy": float(output.extras["accuracy"]), "skin_fraction": float(np.mean(output.image))}
    if truth is not None:
        scores["iou"] = iou(truth, output.image)
    return scores


def score_background_subtraction(truth: np.ndarray | None, output: Output, inputs: dict[str, Any]) -> dict:
    """Mean IoU and Dice with the true foreground after the warm-up frames."""
    from core.video_bg import video_scores

    return video_scores(truth, output.image)


def score_outliers(truth: np.ndarray | None, output: Output, inputs: dict[str, Any]) -> dict[str, float]:
    """How well the errors rank the truly corrupted samples first: ROC AUC, precision among the top 20."""
    from core.outliers import detection_scores

    if truth is None:
        return {}
    scores = detection_scores(output.image, truth, top_k=20)
    return {"roc_auc": scores["roc_auc"], "precision_top20": scores["precision_at_k"]} if scores else {}


def _scene(seed: int, *, gray: bool = False) -> tuple[np.ndarray, np.ndarray]:
    from core.segmentation.synthetic import objects_scene

    image, mask = objects_scene(EXAMPLE_SIDE, seed=seed)
    return (image.mean(axis=2).astype(np.float32) if gray else image), mask


def example_segment(seed: int) -> Example:
    from core.segmentation.synthetic import rect_from_mask, scribbles_from_mask, seeds_from_mask

    image, mask = _scene(seed)
    return Example({"image": image, "scribbles": scribbles_from_mask(mask), "rect": rect_from_mask(mask),
                    "seeds": seeds_from_mask(mask)}, mask,
                   "synthetic objects with a known mask; scribbles, a rectangle and seeds made from it")


def example_threshold(seed: int) -> Example:
    image, mask = _scene(seed, gray=seed % 2 == 0)
    return Example({"image": image}, mask, "synthetic bright objects on a darker background, known mask")


def example_cluster(seed: int) -> Example:
    from core.clustering import patches_from_mask

    image, mask = _scene(seed)
    return Example({"image": image, "patches": patches_from_mask(mask)}, mask,
                   "synthetic objects; two reference patches from the known mask")


def example_superpixels(seed: int) -> Example:
    image, mask = _scene(seed)
    return Example({"image": image}, mask, "synthetic objects with a known mask")


def example_components(seed: int) -> Example:
    """Discs that do not touch, each its own true region (label k for the k-th disc)."""
    rng = np.random.default_rng(seed)
    side = EXAMPLE_SIDE
    yy, xx = np.mgrid[0:side, 0:side]
    truth = np.zeros((side, side), np.int32)
    count = 0
    for cy in range(12, side - 8, 24):
        for cx in range(12, side - 8, 24):
            if rng.random() < 0.75:
                count += 1
                radius = rng.uniform(4, 8)
                truth[(xx - cx - rng.integers(-2, 3)) ** 2 + (yy - cy) ** 2 < radius ** 2] = count
    return Example({"mask": truth > 0}, truth, f"{count} separate discs, each a true region")


def example_skin(seed: int) -> Example:
    """Skin-toned discs on a textured background, strokes painted inside and outside them."""
    from core.segmentation.synthetic import scribbles_from_mask
    from core.skin import two_colour_scene

    image, skin = two_colour_scene(EXAMPLE_SIDE, seed=seed)
    return Example({"image": image, "scribbles": scribbles_from_mask(skin)}, skin,
                   "synthetic skin discs with a known mask; strokes inside (skin) and around (non-skin)")


def example_background_subtraction(seed: int) -> Example:
    from core.video_bg import synthetic_video

    frames, truth = synthetic_video(frames=30, height=48, width=64, objects=2, seed=seed)
    return Example({"frames": frames}, truth, "30 synthetic frames of moving discs and boxes, known masks")


def example_outliers(seed: int) -> Example:
    """400 of the bundled digits with 20 corrupted ones mixed in (the truth says which)."""
    from core.outliers import load_digit_samples

    data = load_digit_samples(n_corrupted=20, seed=seed)
    keep = np.sort(np.concatenate([np.flatnonzero(data.injected), np.flatnonzero(~data.injected)[:380]]))
    return Example({"samples": data.samples[keep]}, data.injected[keep], "400 digits, 20 of them corrupted")
