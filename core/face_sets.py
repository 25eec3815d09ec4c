"""Identity sets for face recognition (book §6.3–6.4): synthetic identities built from scikit-image's bundled
lfw_subset (one photo per identity, augmented), or a zip with one folder of face images per person, read through
the app's guarded decode with zip-bomb and path checks."""
from __future__ import annotations

import io
import os
import zipfile
import zlib
from dataclasses import dataclass, field

import numpy as np

from core.boxes import as_boxes
from core.image import decode_image, to_float, to_uint8

FACE_SIDE = 48  # every face of an identity set is resized to this square
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp", ".pgm")
MAX_ZIP_UNPACKED = 1024 * 2 ** 20  # what all of an identity zip's members may unpack to
MAX_ZIP_MEMBER = 32 * 2 ** 20  # one image in the zip; larger ones are skipped
MAX_ZIP_RATIO = 200  # a member over 1 MB unpacking this many times its stored size marks a zip bomb
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


def _check_zip(members: list[zipfile.ZipInfo]) -> None:
    """Refuse an archive that is empty, climbs out of itself (../ or absolute paths) or is a zip bomb."""
    if not members:
        raise ValueError("The zip is empty. Upload a .zip with one folder of face images per person.")
    for member in members:
        parts = member.filename.replace("\\", "/").split("/")
        if member.filename.startswith(("/", "\\")) or ".." in parts or ":" in parts[0]:
            raise ValueError(f"The zip holds a path that leads outside it (“{member.filename[:80]}”), so it was "
                             "refused. Zip the folders themselves (one per person) and upload that.")
        if member.file_size > 2 ** 20 and member.file_size > MAX_ZIP_RATIO * max(member.compress_size, 1):
            raise ValueError(f"“{member.filename[:80]}” in the zip would unpack to "
                             f"{member.file_size / 2 ** 20:,.0f} MB from {member.compress_size / 2 ** 10:,.0f} KB, "
                             "which marks a zip bomb; the zip was refused.")
    total = sum(member.file_size for member in members)
    if total > MAX_ZIP_UNPACKED:
        raise ValueError(f"The zip would unpack to {total / 2 ** 20:,.0f} MB, more than the "
                         f"{MAX_ZIP_UNPACKED // 2 ** 20:,} MB accepted. Upload fewer or smaller images.")


def load_identity_zip(data: bytes, *, crop_faces: bool = False, max_images: int = 2000) -> FaceSet:
    """A zip with one folder per person (the folder name is the label), holding that person's face images.
    With `crop_faces`, each image is cut to its largest Haar-detected face; images without one are skipped.

    The zip is refused when empty, when a path leads outside it, or when it would unpack to more than
    MAX_ZIP_UNPACKED (or a member shows a zip bomb's ratio); each image goes through `decode_image`."""
    import cv2

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, NotImplementedError):
        raise ValueError("This file is not a zip archive. Upload a .zip with one folder of face images per "
                         "person.") from None
    faces, names, notes, skipped, loose, large = [], [], [], 0, 0, 0
    with archive:
        _check_zip(archive.infolist())
        entries = [e for e in archive.infolist() if not e.is_dir() and e.filename.lower().endswith(IMAGE_EXTENSIONS)
                   and "__MACOSX" not in e.filename and not os.path.basename(e.filename).startswith(".")]
        for entry in sorted(entries, key=lambda e: e.filename)[:max_images]:
            parts = entry.filename.replace("\\", "/").split("/")
            if len(parts) < 2:
                loose += 1
                continue
            if entry.file_size > MAX_ZIP_MEMBER:
                large += 1
                continue
            try:
                raw = archive.read(entry)  # at most file_size bytes: zipfile stops there
                image, _ = decode_image(raw, max_side=ZIP_DECODE_SIDE, gray=True)
            except (ValueError, OSError, EOFError, RuntimeError, NotImplementedError, zipfile.BadZipFile,
                    zlib.error):  # unreadable, encrypted, damaged or oddly compressed members are skipped
                skipped += 1
                continue
            gray = to_uint8(image)
            if crop_faces:
                gray = _largest_face(gray)
                if gray is None:
                    skipped += 1
                    continue
            faces.append(to_float(cv2.resize(gray, (FACE_SIDE, FACE_SIDE), interpolation=cv2.INTER_AREA)))
            names.append(parts[-2])
    if loose:
        notes.append(f"{loose} image(s) at the top of the zip, outside any person's folder, were ignored.")
    if skipped:
        notes.append(f"{skipped} file(s) were skipped ({'no face found or ' if crop_faces else ''}not readable).")
    if large:
        notes.append(f"{large} image(s) over {MAX_ZIP_MEMBER // 2 ** 20} MB were skipped.")
    if not faces:
        if crop_faces and entries:
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
