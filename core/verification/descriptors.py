"""What a face chip is compared by: dlib's 128-D ResNet embedding (the main method) and two classical
baselines on the same aligned chips, LBP histograms (Ahonen et al. 2006) and raw pixels / eigenfaces."""
from __future__ import annotations

import numpy as np



def dlib_embedding(chip: np.ndarray, jitter: int = 0) -> np.ndarray:
    """The 128-D embedding of an aligned 150×150 RGB chip (unit-ish length). `jitter` > 0 averages the embeddings
    of that many randomly jittered copies (dlib's num_jitters): a little steadier, that many times slower."""
    from core.verification.models import resnet

    chip = np.ascontiguousarray(chip, np.uint8)
    return np.asarray(resnet().compute_face_descriptor(chip, int(jitter)), np.float32)


def gray(chip: np.ndarray) -> np.ndarray:
    c = np.asarray(chip, np.float32) / 255.0
    return c @ np.array([0.2125, 0.7154, 0.0721], np.float32) if c.ndim == 3 else c


def inner(chip: np.ndarray, keep: float = 0.8) -> np.ndarray:
    """The central part of a chip (the padding around the face holds hair and background)."""
    h, w = chip.shape[:2]
    dy, dx = int(h * (1 - keep) / 2), int(w * (1 - keep) / 2)
    return chip[dy:h - dy, dx:w - dx]


def lbp_histograms(chip: np.ndarray, *, grid: int = 7, radius: int = 1) -> np.ndarray:
    """Uniform LBP codes (8·radius neighbours) of the chip's inner gray face, one histogram per cell of a
    grid × grid division, each normalised to sum 1, concatenated."""
    from skimage.feature import local_binary_pattern

    face = gray(inner(chip))
    points = 8 * int(radius)
    codes = local_binary_pattern((face * 255).astype(np.uint8), points, int(radius), method="uniform")
    bins = points + 2
    h, w = codes.shape
    ys, xs = np.linspace(0, h, grid + 1).astype(int), np.linspace(0, w, grid + 1).astype(int)
    hists = []
    for i in range(grid):
        for j in range(grid):
            cell = codes[ys[i]:ys[i + 1], xs[j]:xs[j + 1]]
            hist = np.bincount(cell.astype(np.int64).ravel(), minlength=bins)[:bins].astype(np.float32)
            hists.append(hist / max(hist.sum(), 1.0))
    return np.concatenate(hists)


def chi_square(a: np.ndarray, b: np.ndarray, cells: int) -> float:
    """Σ (a − b)² / (a + b) over the bins, averaged over the cells: 0 (identical) to 2 (disjoint)."""
    total = a + b
    nonzero = total > 0
    return float(np.sum((a[nonzero] - b[nonzero]) ** 2 / total[nonzero]) / max(cells, 1))


def pixel_vector(chip: np.ndarray, side: int = 32) -> np.ndarray:
    """The chip's inner gray face at side × side, with zero mean and unit length (so lighting offsets and
    contrast don't count): distances run from 0 to 2."""
    import cv2

    face = cv2.resize(gray(inner(chip)), (side, side), interpolation=cv2.INTER_AREA).ravel()
    face = face - face.mean()
    norm = np.linalg.norm(face)
    return (face / norm if norm > 1e-8 else face).astype(np.float32)


def eigenface_projection(vectors: np.ndarray, components: int) -> np.ndarray:
    """The vectors in the space of their own first principal components (fitted on these faces only, with no
    identity labels), each projection scaled to unit length."""
    centred = vectors - vectors.mean(axis=0)
    k = int(min(components, len(vectors) - 1, vectors.shape[1]))
    if k < 1:
        return vectors
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    projected = centred @ vt[:k].T
    norms = np.linalg.norm(projected, axis=1, keepdims=True)
    return projected / np.maximum(norms, 1e-8)
