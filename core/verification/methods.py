"""The verify_faces methods: dlib's ResNet embedding (the main one) and two classical baselines that see the
same aligned face chips, so that the comparison measures the descriptor, not the face finding."""
from __future__ import annotations

from typing import Callable

import numpy as np

from core.image import digest
from core.registry import VERIFY_FACES, Param, method
from core.tasks.protocol import Output
from core.verification.faces import DETECTORS, face_chip

DLIB_THRESHOLD = 0.6  # dlib's conventional tolerance for its ResNet embedding (Euclidean)
BOOK_THRESHOLD = 0.66  # the book's, for DeepFace's L2-normalised 4096-D embedding: another model, another scale
# The baselines' thresholds: the medians of their best thresholds on synthetic pairs of seeds 100-104 (12 identities
# each), not on the example (seeds 0-9) or the page's pairs
LBP_THRESHOLD = 0.065
PIXEL_THRESHOLD = 0.72

FINDER = Param("detector", "Face finder", DETECTORS[0], choices=DETECTORS,
               help="dlib's HOG detector (fast, frontal faces) or MTCNN (three small CNNs, TensorFlow; finds more "
                    "turned and smaller faces; its first use loads TensorFlow, several seconds). When no face is found "
                    "the whole image is taken as the face.")
UPSAMPLE = Param("upsample", "HOG upsampling", 1, min=0, max=2, step=1,
                 help="HOG only: how many times the image is doubled before the search. Its window is 80 px, so "
                      "1 finds faces down to about 40 px (4× the pixels, slower).")


def _threshold(default: float, high: float, step: float = 0.01) -> Param:
    return Param("threshold", "Threshold (same if distance ≤)", default, min=0.0, max=high, step=step,
                 help="Pairs at or below this distance are called the same person.")


def _chips(faces_a, faces_b, detector: str, upsample: int, progress: Callable | None):
    """Aligned chips of every pair, the faces found in each image and the boxes used (an image given in several
    pairs is found and aligned once)."""
    if len(faces_a) != len(faces_b):
        raise ValueError(f"{len(faces_a)} first faces for {len(faces_b)} second ones: give them in pairs.")
    if not len(faces_a):
        raise ValueError("Give at least one pair of face images.")
    chips_a, chips_b = [], []
    found = np.zeros((len(faces_a), 2), np.int32)
    boxes = np.zeros((len(faces_a), 2, 4), np.int32)
    done: dict[str, object] = {}
    for i, (a, b) in enumerate(zip(faces_a, faces_b)):
        for side, (image, chips) in enumerate(((a, chips_a), (b, chips_b))):
            key = digest(np.asarray(image))
            chip = done.get(key)
            if chip is None:
                chip = done[key] = face_chip(image, detector, upsample)
            chips.append(chip.chip)
            found[i, side] = chip.found
            boxes[i, side] = chip.box
        if progress is not None:
            progress((i + 1) / len(faces_a), f"pair {i + 1} of {len(faces_a)}")
    return chips_a, chips_b, found, boxes


def _output(distances, threshold: float, found, boxes) -> Output:
    return Output(np.asarray(distances, np.float32), {"threshold": float(threshold), "found": found, "boxes": boxes})


@method(task=VERIFY_FACES, key="dlib_resnet", label="dlib ResNet embedding", book="8.4", reference=True,
        params=[FINDER, UPSAMPLE,
                Param("jitter", "Jitters", 0, min=0, max=10, step=1,
                      help="dlib's num_jitters: average the embeddings of this many randomly shifted, scaled and "
                           "mirrored copies of the chip (steadier, that many times slower)."),
                _threshold(DLIB_THRESHOLD, 1.2)],
        summary="Align on 5 landmarks, embed with dlib's ResNet-29 into 128-D, Euclidean distance; 0.6 by default.",
        explanation="Each face is found, aligned on dlib's 5-point landmarks into a 150×150 chip and passed "
                    "through dlib's face-recognition ResNet (29 layers, trained with a metric loss on about 3 "
                    "million faces), which maps it to 128 numbers. Photos of one person land close together: "
                    "dlib calls two faces the same below a Euclidean distance of 0.6. The book uses DeepFace "
                    "(4096-D, L2-normalised) with 0.66, a threshold it chose on the very pairs it then scored; "
                    "that figure belongs to that model's scale and does not carry over to this one.",
        latex=r"d(a, b) = \lVert f(a) - f(b) \rVert_2,\quad f:\ \text{chip}_{150\times150} \to \mathbb{R}^{128}")
def dlib_resnet(faces_a, faces_b, *, detector=DETECTORS[0], upsample=1, jitter=0, threshold=DLIB_THRESHOLD,
                progress=None):
    from core.verification.descriptors import dlib_embedding

    chips_a, chips_b, found, boxes = _chips(faces_a, faces_b, detector, upsample, progress)
    embedded: dict[str, np.ndarray] = {}

    def embedding(chip):
        key = digest(chip)
        if key not in embedded:
            embedded[key] = dlib_embedding(chip, jitter)
        return embedded[key]

    distances = [float(np.linalg.norm(embedding(a) - embedding(b))) for a, b in zip(chips_a, chips_b)]
    return _output(distances, threshold, found, boxes)


@method(task=VERIFY_FACES, key="lbp_chi2", label="LBP histograms (χ²)", book="6.3",
        params=[FINDER, UPSAMPLE,
                Param("grid", "Grid (cells per side)", 7, min=3, max=10, step=1,
                      help="The face is cut into grid × grid cells, one LBP histogram each (Ahonen et al. use 7)."),
                Param("radius", "LBP radius", 1, min=1, max=3, step=1,
                      help="Neighbours on a circle of this radius (8 per unit of radius)."),
                _threshold(LBP_THRESHOLD, 0.3, 0.005)],
        summary="Uniform LBP histograms on a grid over the aligned face, χ² distance (classical baseline).",
        explanation="A classical baseline on the same aligned chips: each pixel gets a local binary pattern code "
                    "(which neighbours are brighter), the face is divided into a grid, and each cell's histogram of "
                    "codes is compared with the χ² distance, averaged over the cells. It is the descriptor behind "
                    "OpenCV's LBPH recogniser. It is robust to lighting, but it only sees texture, not identity.",
        latex=r"\chi^2(h, g) = \frac{1}{C}\sum_{c}\sum_{k} \frac{(h_{ck} - g_{ck})^2}{h_{ck} + g_{ck}}")
def lbp_chi2(faces_a, faces_b, *, detector=DETECTORS[0], upsample=1, grid=7, radius=1, threshold=LBP_THRESHOLD,
             progress=None):
    from core.verification.descriptors import chi_square, lbp_histograms

    chips_a, chips_b, found, boxes = _chips(faces_a, faces_b, detector, upsample, progress)
    distances = [chi_square(lbp_histograms(a, grid=grid, radius=radius), lbp_histograms(b, grid=grid, radius=radius),
                            grid * grid) for a, b in zip(chips_a, chips_b)]
    return _output(distances, threshold, found, boxes)


@method(task=VERIFY_FACES, key="pixels", label="Pixels / eigenfaces", book="8.4",
        params=[FINDER, UPSAMPLE,
                Param("components", "Eigenfaces (0 = raw pixels)", 0, min=0, max=40, step=1,
                      help="0 compares the normalised 32×32 pixels; k > 0 first projects them on the first k "
                           "principal components of the faces given here (no identity labels are used)."),
                _threshold(PIXEL_THRESHOLD, 2.0)],
        summary="Normalised 32×32 pixels of the aligned face (or their eigenface projection), Euclidean distance.",
        explanation="The simplest baseline: the aligned gray face at 32×32, with its mean removed and scaled to "
                    "unit length (so a brighter photo is not a different person), compared pixel by pixel. With "
                    "eigenfaces (Turk and Pentland), the vectors are first projected on the main directions of "
                    "variation of the faces in the set. Pose, expression and lighting move pixels as much as "
                    "identity does.",
        latex=r"d(a, b) = \lVert \hat{x}_a - \hat{x}_b \rVert_2,\quad \hat{x} = \frac{x - \bar{x}}{\lVert x - \bar{x}\rVert}")
def pixels(faces_a, faces_b, *, detector=DETECTORS[0], upsample=1, components=0, threshold=PIXEL_THRESHOLD,
           progress=None):
    from core.verification.descriptors import eigenface_projection, pixel_vector

    chips_a, chips_b, found, boxes = _chips(faces_a, faces_b, detector, upsample, progress)
    va = np.stack([pixel_vector(c) for c in chips_a])
    vb = np.stack([pixel_vector(c) for c in chips_b])
    if components > 0:
        projected = eigenface_projection(np.concatenate([va, vb]), components)
        va, vb = projected[:len(va)], projected[len(va):]
    return _output(np.linalg.norm(va - vb, axis=1), threshold, found, boxes)
