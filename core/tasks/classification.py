"""Score and example of the classify task (book §7.1-7.2).

A classifier is fitted on (x_train, y_train) and returns class probabilities for x_test; it is scored against
the true test labels: accuracy and macro F1 (the mean of the per-class F1, so every class counts the same),
plus the fit and predict times it measured itself (no truth needed for those).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from core.tasks.protocol import Example, Output


def predictions(output: Output) -> np.ndarray:
    """The predicted classes of a result: its extras' predictions, or the most probable class."""
    predicted = output.extras.get("predictions")
    return np.asarray(predicted if predicted is not None else np.argmax(output.image, axis=1))


def score_classify(truth: np.ndarray | None, output: Output, inputs: dict[str, Any]) -> dict[str, float]:
    scores = {"fit_seconds": float(output.extras.get("fit_seconds", np.nan)),
              "predict_seconds": float(output.extras.get("predict_seconds", np.nan))}
    if truth is not None:
        from sklearn.metrics import f1_score

        truth = np.asarray(truth)
        predicted = predictions(output)
        if predicted.shape != truth.shape:
            raise ValueError(f"{len(predicted)} predictions for {len(truth)} test labels.")
        labels = np.arange(max(output.image.shape[1], int(truth.max()) + 1))
        scores["accuracy"] = float(np.mean(predicted == truth))
        present = np.unique(truth)  # macro F1 over the classes of the test set
        scores["f1_macro"] = float(f1_score(truth, predicted, labels=labels[np.isin(labels, present)],
                                            average="macro", zero_division=0))
    return scores


def example_classify(seed: int) -> Example:
    """The bundled 8×8 digits, 600 training and 300 test images (stratified, seeded)."""
    from core.classify.datasets import digits, subsample

    data = subsample(digits(seed=seed), 600, seed=seed)
    keep = np.sort(np.random.default_rng(seed).permutation(len(data.y_test))[:300])
    return Example({"x_train": data.x_train, "y_train": data.y_train, "x_test": data.x_test[keep]},
                   data.y_test[keep], "scikit-learn's 8×8 digits: 600 training and 300 test images")
