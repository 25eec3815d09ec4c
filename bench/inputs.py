"""The benchmark's image set: files, folders of images (recursive with `recursive=True`), glob patterns and
bundled samples (`sample:NAME`).

Every image is read and prepared before any method runs. A file named on the command line that cannot be read
stops the run at once, with a message naming it; an unreadable file found in a folder or by a glob is listed
and skipped, so one bad photo does not stop a batch of thousands.
"""
from __future__ import annotations

import glob
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from core.gallery import SAMPLES, load_sample
from core.image import decode_image, digest, prepare

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp")
SAMPLE_PREFIX = "sample:"
GLOB_CHARS = "*?["
KEEP_BYTES = 512 * 2**20  # prepared images kept in memory up to this total; the rest are read again when run


@dataclass(frozen=True)
class Source:
    name: str  # a path or sample:NAME, as shown in the table and the records
    direct: bool  # named on the command line: unreadable is an error; found in a folder or by a glob: skipped


def _images_in(folder: Path, recursive: bool) -> list[Path]:
    found = folder.rglob("*") if recursive else folder.iterdir()
    return sorted(p for p in found if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)


def sources(specs: list[str], *, recursive: bool = False) -> list[Source]:
    """Paths, folders, globs and `sample:NAME` as single image sources, in order, each once."""
    found: dict[str, Source] = {}

    def add(name: str, direct: bool) -> None:
        found.setdefault(name, Source(name, direct))

    for spec in specs:
        if spec.startswith(SAMPLE_PREFIX):
            add(SAMPLE_PREFIX + _sample_name(spec[len(SAMPLE_PREFIX):]), True)
            continue
        path = Path(spec)
        if path.is_dir():
            files = _images_in(path, recursive)
            if not files:
                deeper = not recursive and any(p.is_dir() for p in path.iterdir())
                hint = " Add --recursive to look in its subfolders." if deeper else ""
                raise ValueError(f"{spec}: the folder holds no image files ({', '.join(IMAGE_SUFFIXES)}).{hint}")
            for file in files:
                add(str(file), False)
        elif path.is_file():
            add(spec, True)
        elif any(char in spec for char in GLOB_CHARS):
            matches = sorted(Path(p) for p in glob.glob(spec, recursive=True))
            files = [p for p in matches if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES]
            for folder in (p for p in matches if p.is_dir()):
                files.extend(_images_in(folder, recursive))
            if not files:
                raise ValueError(f"{spec}: the pattern matches no image file ({', '.join(IMAGE_SUFFIXES)}).")
            for file in files:
                add(str(file), False)
        else:
            raise ValueError(f"{spec}: no such file or directory.")
    return list(found.values())


def expand(specs: list[str], *, recursive: bool = False) -> list[str]:
    """The names of `sources(specs)`, in order."""
    return [source.name for source in sources(specs, recursive=recursive)]


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


@dataclass
class BenchImage:
    name: str  # as shown in the table and the JSON records
    image: np.ndarray | None  # float32 in [0, 1], gray (H, W) or RGB (H, W, 3); None: read again when needed
    digest: str = ""  # of the prepared image: how a resumed run recognises it


@dataclass
class ImageSet:
    images: list[BenchImage]
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (source, why), found in folders or globs
    color: bool = False
    max_side: int = 512

    def image(self, index: int) -> np.ndarray:
        item = self.images[index]
        return item.image if item.image is not None else load(item.name, color=self.color, max_side=self.max_side)


def scan_images(specs: list[str], *, color: bool, max_side: int, recursive: bool = False,
                keep_bytes: int = KEEP_BYTES) -> ImageSet:
    """Read every source once (to check it and digest it); keep the prepared images up to `keep_bytes`."""
    result = ImageSet([], color=color, max_side=max_side)
    kept = 0
    for source in sources(specs, recursive=recursive):
        try:
            image = load(source.name, color=color, max_side=max_side)
        except ValueError as exc:
            if source.direct:
                raise
            result.skipped.append((source.name, str(exc).removeprefix(f"{source.name}: ")))
            continue
        kept += image.nbytes
        result.images.append(BenchImage(source.name, image if kept <= keep_bytes else None, digest(image)))
    if not result.images:
        raise ValueError(f"none of the {len(result.skipped)} image file(s) found could be read; "
                         f"the first: {result.skipped[0][0]}: {result.skipped[0][1]}")
    return result


def load_images(specs: list[str], *, color: bool, max_side: int, recursive: bool = False) -> list[BenchImage]:
    """Every image, in memory (unreadable ones found in folders are left out)."""
    found = scan_images(specs, color=color, max_side=max_side, recursive=recursive, keep_bytes=2**62)
    return found.images
