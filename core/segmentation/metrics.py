"""Segmentation metrics: overlap with a reference mask, segment counts, agreement between methods."""
from __future__ import annotations

import math
import numpy as np


def _mask(array: np.ndarray, name: str = "mask") -> np.ndarray:
    array = np.asarray(array)
    if array.ndim != 2:
        raise ValueError(f"The {name} must be a 2-D array, not shape {array.shape}.")
    return array.astype(bool) if array.dtype != bool else array


def _same_shape(a: np.ndarray, b: np.ndarray) -> None:
    if a.shape != b.shape:
        raise ValueError(f"Cannot compare segmentations of shapes {a.shape} and {b.shape}.")


def iou(reference: np.ndarray, mask: np.ndarray) -> float:
    """Intersection over union (Jaccard) of two masks; 1 when both are empty."""
    reference, mask = _mask(reference, "reference"), _mask(mask)
    _same_shape(reference, mask)
    union = np.count_nonzero(reference | mask)
    return 1.0 if union == 0 else float(np.count_nonzero(reference & mask) / union)


def dice(reference: np.ndarray, mask: np.ndarray) -> float:
    """Dice (F1) overlap of two masks; 1 when both are empty."""
    reference, mask = _mask(reference, "reference"), _mask(mask)
    _same_shape(reference, mask)
    total = np.count_nonzero(reference) + np.count_nonzero(mask)
    return 1.0 if total == 0 else float(2.0 * np.count_nonzero(reference & mask) / total)


def foreground(result: np.ndarray, reference: np.ndarray | None = None) -> np.ndarray:
    """The foreground of a result, as a bool mask.

    A bool mask is its own foreground. A label map is mapped onto the reference when there is one:
    each label whose pixels lie mostly inside the reference becomes foreground (the best any
    labelling can score, the usual way to score unsupervised segmentations). Without a reference,
    labels >= 2 are foreground (label 1 is the background, 0 unlabelled or a watershed line).
    """
    result = np.asarray(result)
    if result.dtype == bool:
        return result.copy()
    labels = result.astype(np.int64)
    if reference is None:
        return labels >= 2
    reference = _mask(reference, "reference")
    _same_shape(reference, labels)
    flat = labels.ravel()
    offset = flat.min()
    shifted = flat - offset
    total = np.bincount(shifted)
    inside = np.bincount(shifted, weights=reference.ravel())
    chosen = inside * 2 > total  # strictly more than half inside
    return chosen[shifted].reshape(labels.shape)


def segment_count(result: np.ndarray) -> int:
    """Connected foreground regions of a mask; distinct labels of a label map (0 is not counted)."""
    result = np.asarray(result)
    if result.dtype == bool:
        from scipy import ndimage

        return int(ndimage.label(result)[1])
    values = np.unique(result)
    return int(np.count_nonzero(values != 0))


def agreement(a: np.ndarray, b: np.ndarray) -> float:
    """How much two results agree, in [0, 1].

    Two masks: their IoU. Otherwise (label maps): the area-weighted best-match IoU of the segments
    of each map with those of the other, averaged both ways (1 when the partitions are identical,
    whatever the label numbers)."""
    a, b = np.asarray(a), np.asarray(b)
    _same_shape(a, b)
    if a.dtype == bool and b.dtype == bool:
        return iou(a, b)
    _, ia = np.unique(a.ravel(), return_inverse=True)
    _, ib = np.unique(b.ravel(), return_inverse=True)
    rows, cols = int(ia.max()) + 1, int(ib.max()) + 1
    table = np.bincount(ia.ravel() * cols + ib.ravel(), minlength=rows * cols).reshape(rows, cols).astype(np.float64)
    size_a, size_b = table.sum(axis=1), table.sum(axis=0)
    union = size_a[:, None] + size_b[None, :] - table
    overlap = table / np.maximum(union, 1.0)
    ab = float(np.sum(overlap.max(axis=1) * size_a) / size_a.sum())
    ba = float(np.sum(overlap.max(axis=0) * size_b) / size_b.sum())
    return (ab + ba) / 2.0


def pairwise_agreement(results: dict[str, np.ndarray]) -> np.ndarray:
    """Symmetric matrix of `agreement` between every pair of results (1 on the diagonal)."""
    names = list(results)
    matrix = np.eye(len(names))
    for i in range(len(names)):
        for j in range(i + 1, len(names)):
            try:
                value = agreement(results[names[i]], results[names[j]])
            except ValueError:
                value = math.nan
            matrix[i, j] = matrix[j, i] = value
    return matrix
