"""Pairs of face images for verification, with their truth (same person or not).

No bundled data set holds two photos of one real person, so the example pairs are SYNTHETIC: each identity is
one of scikit-image's lfw_subset faces (25×25 gray, enlarged), and its two images are two random augmentations
of that one photo (rotation, scale, shift, flip, gamma, contrast, blur, noise: core.face_sets). A different-person
pair joins images of two lfw photos. Real pairs (pose, age, lighting, expression) are far harder, so these
figures are optimistic. A zip with one folder per person gives real pairs.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from core.face_sets import _augment, lfw_faces

SYNTHETIC_SIDE = 112  # lfw_subset's 25×25 faces are enlarged to this (HOG needs faces of about 80 px)
ZIP_DECODE_SIDE = 384  # faces in a photo this size are still 40 px or more, which HOG (upsampled once) finds
MAX_ZIP_IMAGES = 160  # kept as uint8 RGB: at most 160 × 0.44 MB = 70 MB for one zip


@dataclass
class PairSet:
    faces_a: list[np.ndarray]  # RGB, float32 in [0, 1] (synthetic) or uint8 (from a zip), any size each
    faces_b: list[np.ndarray]
    same: np.ndarray  # (N,) bool
    names: list[tuple[str, str]]
    synthetic: bool = False
    notes: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.same)


def _rgb(gray: np.ndarray) -> np.ndarray:
    return np.repeat(np.clip(gray, 0, 1)[..., None], 3, axis=2).astype(np.float32)


def synthetic_pairs(*, identities: int = 10, strength: float = 1.0, seed: int = 0,
                    side: int = SYNTHETIC_SIDE) -> PairSet:
    """SYNTHETIC pairs: `identities` lfw_subset photos, each augmented twice (images A_i and B_i). Pair i is
    (A_i, B_i), the same person; pair n + i is (A_i, B_{i+1}), two different people. Every image is in two
    pairs, half the pairs are the same person."""
    if not 2 <= identities <= 100:
        raise ValueError("Use between 2 and 100 synthetic identities.")
    rng = np.random.default_rng(seed)
    chosen = rng.choice(100, identities, replace=False)
    photos = lfw_faces()[chosen]
    a = [_rgb(_augment(p, rng, side, strength)) for p in photos]
    b = [_rgb(_augment(p, rng, side, strength)) for p in photos]
    n = identities
    names = [f"lfw #{i}" for i in chosen]
    faces_a = a + a
    faces_b = b + [b[(i + 1) % n] for i in range(n)]
    same = np.array([True] * n + [False] * n)
    labels = [(names[i], names[i]) for i in range(n)] + [(names[i], names[(i + 1) % n]) for i in range(n)]
    return PairSet(faces_a, faces_b, same, labels, synthetic=True)


AUGMENTATIONS = ("gamma 0.8 + rotated 8°", "mirrored", "darker, blurred and noisy", "smaller (half size)")


def augmented(image: np.ndarray, kind: str, seed: int = 0) -> np.ndarray:
    """A synthetic second photo of the same person: one of AUGMENTATIONS applied to a float RGB image."""
    import cv2

    img = np.clip(np.asarray(image, np.float32), 0, 1)
    h, w = img.shape[:2]
    if kind == AUGMENTATIONS[0]:
        matrix = cv2.getRotationMatrix2D((w / 2, h / 2), 8, 1.0)
        return np.clip(cv2.warpAffine(img ** 0.8, matrix, (w, h), flags=cv2.INTER_LINEAR,
                                      borderMode=cv2.BORDER_REFLECT), 0, 1)
    if kind == AUGMENTATIONS[1]:
        return np.ascontiguousarray(img[:, ::-1])
    if kind == AUGMENTATIONS[2]:
        rng = np.random.default_rng(seed)
        dark = cv2.GaussianBlur(img * 0.6, (0, 0), 1.5)
        return np.clip(dark + rng.normal(0, 0.03, img.shape).astype(np.float32), 0, 1)
    if kind == AUGMENTATIONS[3]:
        return np.clip(cv2.resize(img, (max(8, w // 2), max(8, h // 2)), interpolation=cv2.INTER_AREA), 0, 1)
    raise ValueError(f"Unknown augmentation {kind!r}.")


def lfw_face(index: int, side: int = 256) -> np.ndarray:
    """One lfw_subset face (a different person per index), enlarged to side × side RGB."""
    import cv2

    face = lfw_faces()[int(index) % 100]
    return _rgb(cv2.resize(face, (side, side), interpolation=cv2.INTER_CUBIC))


def read_person_zip(data: bytes, *, max_images: int = MAX_ZIP_IMAGES) -> tuple[dict[str, list[np.ndarray]], list[str]]:
    """{person: [uint8 RGB images]} from a zip with one folder per person, and notes on what was skipped.
    Refused (ValueError): not a zip, empty, a path leading outside it, a zip bomb, too large unpacked."""
    from core.zips import read_image_folders

    def rgb(image: np.ndarray) -> np.ndarray:
        image = image if image.ndim == 3 else _rgb(image)
        return (np.clip(image, 0, 1) * 255 + 0.5).astype(np.uint8)

    found, notes = read_image_folders(data, what="face photos per person", folder="person", convert=rgb,
                                      decode_side=ZIP_DECODE_SIDE, max_images=max_images)
    people: dict[str, list[np.ndarray]] = {}
    for person, image in found:
        people.setdefault(person, []).append(image)
    if not people:
        raise ValueError("No face photos were found in the zip. Put each person's photos (PNG, JPEG, ...) in a "
                         "folder named after them.")
    return people, notes


def pairs_from_people(people: dict[str, list[np.ndarray]], *, max_pairs: int = 120, seed: int = 0,
                      notes: list[str] | None = None) -> PairSet:
    """Every same-person pair (up to max_pairs / 2, sampled) and as many different-person pairs, sampled."""
    notes = list(notes or [])
    names = sorted(people)
    if len(names) < 2:
        raise ValueError(f"The zip holds one person only ({names[0] if names else 'none'}): verification needs "
                         "at least two people, to have pairs of different people as well as of the same one.")
    rng = np.random.default_rng(seed)
    same_pairs = [(p, i, p, j) for p in names for i in range(len(people[p])) for j in range(i + 1, len(people[p]))]
    if not same_pairs:
        raise ValueError("Every person in the zip has a single photo: put at least two photos in one person's "
                         "folder, to have a same-person pair.")
    half = max(1, max_pairs // 2)
    if len(same_pairs) > half:
        same_pairs = [same_pairs[k] for k in sorted(rng.choice(len(same_pairs), half, replace=False))]
        notes.append(f"{half} same-person pairs sampled from all of them.")
    diff_pairs = set()
    attempts = 0
    while len(diff_pairs) < len(same_pairs) and attempts < 50 * half:
        attempts += 1
        p, q = rng.choice(len(names), 2, replace=False)
        i, j = int(rng.integers(len(people[names[p]]))), int(rng.integers(len(people[names[q]])))
        diff_pairs.add((names[p], i, names[q], j))
    pairs = same_pairs + sorted(diff_pairs)
    return PairSet([people[p][i] for p, i, _, _ in pairs], [people[q][j] for _, _, q, j in pairs],
                   np.array([p == q for p, _, q, _ in pairs]),
                   [(f"{p} #{i + 1}", f"{q} #{j + 1}") for p, i, q, j in pairs], synthetic=False, notes=notes)


def load_pair_zip(data: bytes, *, max_pairs: int = 120, seed: int = 0) -> PairSet:
    """Labelled pairs from a zip with one folder of photos per person (guards: read_person_zip)."""
    people, notes = read_person_zip(data)
    return pairs_from_people(people, max_pairs=max_pairs, seed=seed, notes=notes)
