"""The benchmark's image set: files, directories of images, and bundled samples (`sample:NAME`).

Every image is read and prepared before any method runs, so a bad path or a corrupt file stops
the run at once, with a message naming the file, instead of an hour into a batch.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.gallery import SAMPLES, load_sample
from core.image import decode_image, prepare

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp")
SAMPLE_PREFIX = "sample:"


@dataclass(frozen=True)
class BenchImage:
    name: str  # as shown in the table and the JSON records
    image: np.ndarray  # float32 in [0, 1], gray (H, W) or RGB (H, W, 3), fitted to the working size


def expand(specs: list[str]) -> list[str]:
    """Turn paths, directories and `sample:NAME` into a list of single image sources, in order."""
    sources: list[str] = []
    for spec in specs:
        if spec.startswith(SAMPLE_PREFIX):
            sources.append(SAMPLE_PREFIX + _sample_name(spec[len(SAMPLE_PREFIX):]))
            continue
        path = Path(spec)
        if path.is_dir():
            files = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
            if not files:
                raise ValueError(f"{spec}: the directory holds no image files ({', '.join(IMAGE_SUFFIXES)}).")
            sources.extend(str(p) for p in files)
        elif path.is_file():
            sources.append(spec)
        else:
            raise ValueError(f"{spec}: no such file or directory.")
    return list(dict.fromkeys(sources))  # the same image given twice runs once


def _sample_name(name: str) -> str:
    for candidate in (name, name.replace("_", " ")):
        if candidate in SAMPLES:
            return candidate
    known = ", ".join(n.replace(" ", "_") for n in SAMPLES)
    raise ValueError(f"Unknown sample {name!r}; choose one of {known}.")


def load(source: str, *, color: bool, max_side: int) -> np.ndarray:
    """One source to the working image: gray unless `color`, longer side at most `max_side` (0: any)."""
    if source.startswith(SAMPLE_PREFIX):
        image = load_sample(source[len(SAMPLE_PREFIX):])
    else:
        try:
            data = Path(source).read_bytes()
        except OSError as exc:
            raise ValueError(f"{source}: cannot read the file ({exc.strerror or exc}).") from None
        try:
            image, _ = decode_image(data, max_side=max_side or None)
        except ValueError as exc:
            raise ValueError(f"{source}: {exc}") from None
    return prepare(image, gray=not color, max_side=max_side)


def load_images(specs: list[str], *, color: bool, max_side: int) -> list[BenchImage]:
    return [BenchImage(source, load(source, color=color, max_side=max_side)) for source in expand(specs)]
