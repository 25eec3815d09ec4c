"""Identity sets for face recognition (book §6.3–6.4): synthetic identities built from scikit-image's bundled
lfw_subset (one photo per identity, augmented), or a zip with one folder of face images per person, read through
the app's guarded decode with zip-bomb and path checks."""
from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field

import numpy as np

from core.boxes import as_boxes
from core.image import to_float, to_uint8

FACE_SIDE = 48  # every face of an identity set is resized to this square
MAX_ZIP_UNPACKED = 1024 * 2 ** 20  # what all of an identity zip's members may unpack to
ZIP_DECODE_SIDE = 512  # each image is decoded at most this large (then cropped and resized to FACE_SIDE)


def lfw_faces() -> np.ndarray:
    """The 100 faces (25×25, float32) of scikit-image's bundled lfw_subset (the other 100 are non-faces)."""
    from skimage import data

    return data.lfw_subset()[:100].astype(np.float32)


@dataclass
class FaceSet:
    faces: np.ndarray  # (n, FACE_SIDE, FACE_SIDE) float32
    labels: np.ndarray  # (n,) int32
    names: list[str]
    synthetic: bool = False
    notes: list[str] = field(default_factory=list)


def _augment(face: np.ndarray, rng: np.random.Generator, side: int, strength: float) -> np.ndarray:
    import cv2

    h, w = face.shape
    angle = rng.uniform(-12, 12) * strength
    scale = 1 + rng.uniform(-0.1, 0.1) * strength
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, scale)
    matrix[:, 2] += rng.uniform(-1.5, 1.5, 2) * strength
    out = cv2.warpAffine(face, matrix, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    if rng.random() < 0.3:
        out = out[:, ::-1]
    gamma = np.exp(rng.uniform(-0.35, 0.35) * strength)
    out = np.clip(out, 0, 1) ** gamma
    out = (out - out.mean()) * (1 + rng.uniform(-0.25, 0.25) * strength) + out.mean() + rng.uniform(-0.1, 0.1) * strength
    out = cv2.resize(np.clip(out, 0, 1).astype(np.float32), (side, side), interpolation=cv2.INTER_CUBIC)
    out = cv2.GaussianBlur(out, (0, 0), 0.3 + rng.uniform(0, 1.2) * strength)
    out += rng.normal(0, 0.03 * strength, out.shape).astype(np.float32)
    return np.clip(out, 0, 1).astype(np.float32)


def synthetic_identities(*, identities: int = 10, per_identity: int = 12, strength: float = 1.0,
                         seed: int = 0) -> FaceSet:
    """SYNTHETIC identities: each one is a single lfw_subset photo, varied by random rotation, scale, shift,
    flip, gamma, contrast, blur and noise. Real identities vary far more (pose, age, expression,
    lighting), so accuracies on this set are optimistic."""
    if not 2 <= identities <= 100:
        raise ValueError("Use between 2 and 100 synthetic identities.")
    if per_identity < 3:
        raise ValueError("Each identity needs at least 3 images (some to train on, one to test).")
    rng = np.random.default_rng(seed)
    photos = lfw_faces()[rng.choice(100, identities, replace=False)]
    faces, labels = [], []
    for label, photo in enumerate(photos):
        for _ in range(per_identity):
            faces.append(_augment(photo, rng, FACE_SIDE, strength))
            labels.append(label)
    return FaceSet(np.stack(faces), np.asarray(labels, np.int32), [f"synthetic #{i + 1}" for i in range(identities)],
                   synthetic=True)


def _largest_face(gray_u8: np.ndarray):
    from core.faces import load_cascade

    detector = load_cascade("haarcascade_frontalface_default.xml")
    found = as_boxes(detector.detectMultiScale(gray_u8, scaleFactor=1.1, minNeighbors=4, minSize=(24, 24)))
    if not len(found):
        return None
    x, y, w, h = found[np.argmax(found[:, 2] * found[:, 3])]
    return gray_u8[y:y + h, x:x + w]


def load_identity_zip(data: bytes, *, crop_faces: bool = False, max_images: int = 2000) -> FaceSet:
    """A zip with one folder per person (the folder name is the label), holding that person's face images.
    With `crop_faces`, each image is cut to its largest Haar-detected face; images without one are skipped.

    The zip is refused when empty, when a path leads outside it, or when it would unpack to more than
    MAX_ZIP_UNPACKED (or a member shows a zip bomb's ratio); each image goes through `decode_image`."""
    import cv2

    from core.zips import read_image_folders

    def face(image: np.ndarray):
        gray = to_uint8(image)
        if crop_faces:
            gray = _largest_face(gray)
            if gray is None:
                return None
        return to_float(cv2.resize(gray, (FACE_SIDE, FACE_SIDE), interpolation=cv2.INTER_AREA))

    found, notes = read_image_folders(data, what="face images per person", folder="person", convert=face,
                                      decode_side=ZIP_DECODE_SIDE, gray=True, max_images=max_images,
                                      max_unpacked=MAX_ZIP_UNPACKED)
    names = [folder for folder, _ in found]
    faces = [image for _, image in found]
    if not faces:
        if crop_faces and any("no face found" in note for note in notes):
            raise ValueError("No faces were found in the zip's images: the face detector found nothing to crop.")
        raise ValueError("No face images were found in the zip. Put each person's images (PNG, JPEG, ...) "
                         "in a folder named after them.")
    people, counts = np.unique(names, return_counts=True)
    too_few = [p for p, c in zip(people, counts) if c < 2]
    if too_few:
        notes.append(f"Dropped {len(too_few)} identity(ies) with a single image: {', '.join(too_few[:5])}.")
    keep_people = [p for p, c in zip(people, counts) if c >= 2]
    if len(keep_people) < 2:
        raise ValueError(f"Recognition needs at least two identities with two images or more each; this zip has "
                         f"{len(keep_people)} (folders: {', '.join(people[:5])}).")
    index = {p: i for i, p in enumerate(keep_people)}
    kept = [i for i, n in enumerate(names) if n in index]
    return FaceSet(np.stack([faces[i] for i in kept]), np.asarray([index[names[i]] for i in kept], np.int32),
                   list(keep_people), synthetic=False, notes=notes)


def make_zip(folders: dict[str, list[np.ndarray]]) -> bytes:
    """A zip of PNG files, one folder per name (for tests and for a downloadable example)."""
    from PIL import Image

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, images in folders.items():
            for i, image in enumerate(images):
                png = io.BytesIO()
                Image.fromarray(to_uint8(image)).save(png, format="PNG")
                archive.writestr(f"{name}/{i:03d}.png", png.getvalue())
    return buffer.getvalue()
