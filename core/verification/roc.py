"""Scoring verification distances against same/different truth: ROC curve, AUC, accuracy at a threshold and
the threshold that would have been best on these pairs (which is tuning on the test set: shown as such)."""
from __future__ import annotations

import numpy as np


def _checked(distances, same) -> tuple[np.ndarray, np.ndarray]:
    d = np.asarray(distances, np.float64).ravel()
    s = np.asarray(same, bool).ravel()
    if d.shape != s.shape:
        raise ValueError(f"{len(d)} distances for {len(s)} same/different labels.")
    return d, s


def roc_auc(distances, same) -> float:
    """P(a same-person pair is closer than a different-person pair), ties counted half; NaN without both kinds."""
    d, s = _checked(distances, same)
    n_same, n_diff = int(s.sum()), int((~s).sum())
    if n_same == 0 or n_diff == 0:
        return float("nan")
    order = np.argsort(d, kind="mergesort")
    ranks = np.empty(len(d))
    sorted_d = d[order]
    i = 0
    while i < len(d):  # average ranks over ties
        j = i
        while j + 1 < len(d) and sorted_d[j + 1] == sorted_d[i]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2 + 1
        i = j + 1
    # Mann-Whitney U of the different pairs (large distances): how often a different pair ranks above a same one
    u = ranks[~s].sum() - n_diff * (n_diff + 1) / 2
    return float(u / (n_same * n_diff))


def roc_curve(distances, same) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """False-positive and true-positive rates of "same if distance <= t" for every threshold t that changes them
    (from accepting nothing to accepting everything), and those thresholds."""
    d, s = _checked(distances, same)
    thresholds = np.concatenate([[-np.inf], np.unique(d)])
    n_same, n_diff = max(int(s.sum()), 1), max(int((~s).sum()), 1)
    tpr = np.array([(s & (d <= t)).sum() / n_same for t in thresholds])
    fpr = np.array([(~s & (d <= t)).sum() / n_diff for t in thresholds])
    return fpr, tpr, thresholds


def accuracy_at(distances, same, threshold: float) -> float:
    d, s = _checked(distances, same)
    return float(np.mean((d <= threshold) == s)) if len(d) else float("nan")


def best_threshold(distances, same) -> tuple[float, float]:
    """The threshold with the highest accuracy on these pairs (the middle of the best gap) and that accuracy."""
    d, s = _checked(distances, same)
    if not len(d):
        return float("nan"), float("nan")
    values = np.unique(d)
    candidates = np.concatenate([[values[0] - 1e-6], (values[:-1] + values[1:]) / 2, [values[-1] + 1e-6]])
    accuracies = np.array([np.mean((d <= t) == s) for t in candidates])
    best = int(np.argmax(accuracies))
    return float(candidates[best]), float(accuracies[best])


def rates_at(distances, same, threshold: float) -> dict[str, int]:
    """The 2×2 counts at a threshold: true/false accepts and rejects."""
    d, s = _checked(distances, same)
    accept = d <= threshold
    return {"true_accept": int((accept & s).sum()), "false_reject": int((~accept & s).sum()),
            "false_accept": int((accept & ~s).sum()), "true_reject": int((~accept & ~s).sum())}
