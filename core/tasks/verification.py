"""Score and example of the verify_faces task: a distance per pair of face images, scored against which pairs
are the same person (ROC AUC, accuracy at the method's threshold, the best threshold on these very pairs)."""
from __future__ import annotations

from typing import Any

import numpy as np

from core.tasks.protocol import Example, Output


def score_verify_faces(truth: np.ndarray | None, output: Output, inputs: dict[str, Any]) -> dict[str, float]:
    """Mean distance and matches (distance <= threshold) always; with the truth, ROC AUC, accuracy at the
    method's threshold, and the best threshold on these pairs with its accuracy (an optimistic figure)."""
    from core.verification.roc import accuracy_at, best_threshold, roc_auc

    distances = np.asarray(output.image, np.float64)
    threshold = float(output.extras["threshold"])
    scores = {"distance": float(distances.mean()) if len(distances) else float("nan"),
              "matches": float(np.sum(distances <= threshold))}
    if truth is not None:
        same = np.asarray(truth, bool).ravel()
        best, best_acc = best_threshold(distances, same)
        scores.update(roc_auc=roc_auc(distances, same), accuracy=accuracy_at(distances, same, threshold),
                      best_threshold=best, best_accuracy=best_acc)
    return scores


def example_verify_faces(seed: int) -> Example:
    from core.verification.pairs import synthetic_pairs

    pairs = synthetic_pairs(identities=8, strength=1.0, seed=seed)
    return Example({"faces_a": pairs.faces_a, "faces_b": pairs.faces_b}, pairs.same,
                   "SYNTHETIC: 8 lfw_subset faces, each augmented twice; 8 same-person and 8 different pairs")
