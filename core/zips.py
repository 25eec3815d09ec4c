"""Zips of image folders (one folder per class or person), read in memory and never extracted.

One reader for every page that takes such a zip (face identities, classification, transfer learning, face
verification): the archive is refused when it is not a zip, is empty, lists too many members, holds a path that
leads outside it (`../`, absolute, a drive letter) or would unpack past the limits (a zip bomb); each image goes
through the guarded decode (`core.decode`), and unreadable, damaged or oversized members are skipped with a note.
"""
from __future__ import annotations

import io
import os
import zipfile
import zlib
from typing import Any, Callable

import numpy as np

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp", ".pgm", ".gif")
MAX_ZIP_UNPACKED = 1024 * 2 ** 20  # what all of a zip's members may unpack to
MAX_ZIP_MEMBER = 32 * 2 ** 20  # one image in the zip; larger ones are skipped
MAX_ZIP_RATIO = 200  # a member over 1 MB unpacking this many times its stored size marks a zip bomb
MAX_ZIP_ENTRIES = 20_000  # names in the archive's directory
UNREADABLE = (ValueError, OSError, EOFError, RuntimeError, NotImplementedError, zipfile.BadZipFile, zlib.error)


def check_members(members: list[zipfile.ZipInfo], *, what: str, folder: str,
                  max_unpacked: int = MAX_ZIP_UNPACKED, max_entries: int = MAX_ZIP_ENTRIES) -> None:
    """Refuse an archive that is empty, lists too many members, climbs out of itself or is a zip bomb.
    `what`: "face images per person"; `folder`: "person" (for the messages)."""
    if not members:
        raise ValueError(f"The zip is empty. Upload a .zip with one folder of {what}.")
    if len(members) > max_entries:
        raise ValueError(f"The zip lists {len(members):,} entries, more than the {max_entries:,} accepted.")
    for member in members:
        parts = member.filename.replace("\\", "/").split("/")
        if member.filename.startswith(("/", "\\")) or ".." in parts or ":" in parts[0]:
            raise ValueError(f"The zip holds a path that leads outside it (“{member.filename[:80]}”), so it was "
                             f"refused. Zip the folders themselves (one per {folder}) and upload that.")
        if member.file_size > 2 ** 20 and member.file_size > MAX_ZIP_RATIO * max(member.compress_size, 1):
            raise ValueError(f"“{member.filename[:80]}” in the zip would unpack to "
                             f"{member.file_size / 2 ** 20:,.0f} MB from {member.compress_size / 2 ** 10:,.0f} KB, "
                             "which marks a zip bomb; the zip was refused.")
    total = sum(member.file_size for member in members)
    if total > max_unpacked:
        raise ValueError(f"The zip would unpack to {total / 2 ** 20:,.0f} MB, more than the "
                         f"{max_unpacked // 2 ** 20:,} MB accepted. Upload fewer or smaller images.")


def read_image_folders(data: bytes, *, what: str, folder: str, convert: Callable[[np.ndarray], Any],
                       decode_side: int, gray: bool = False, max_images: int = 2000,
                       max_unpacked: int = MAX_ZIP_UNPACKED,
                       max_entries: int = MAX_ZIP_ENTRIES) -> tuple[list[tuple[str, Any]], list[str]]:
    """[(folder name, convert(image))] in file-name order, and notes on what was left out.

    Each image is decoded at most `decode_side` large (gray or colour, float in [0, 1]) and handed to `convert`,
    which returns what to keep, or None to skip it (no face found, say); `convert` may raise ValueError for an
    image it can't use (skipped too). ValueError with a sentence when the zip itself is refused."""
    from core.decode import decode_image

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, NotImplementedError):
        raise ValueError(f"This file is not a zip archive (or it is damaged). Upload a .zip with one folder of "
                         f"{what}.") from None
    found, skipped, loose, large, dropped = [], 0, 0, 0, 0
    with archive:
        members = archive.infolist()
        check_members(members, what=what, folder=folder, max_unpacked=max_unpacked, max_entries=max_entries)
        entries = sorted((e for e in members if not e.is_dir() and e.filename.lower().endswith(IMAGE_EXTENSIONS)
                          and "__MACOSX" not in e.filename and not os.path.basename(e.filename).startswith(".")),
                         key=lambda e: e.filename)
        for entry in entries[:max_images]:
            parts = entry.filename.replace("\\", "/").split("/")
            if len(parts) < 2:
                loose += 1
                continue
            if entry.file_size > MAX_ZIP_MEMBER:
                large += 1
                continue
            try:
                image, _ = decode_image(archive.read(entry), max_side=decode_side, gray=gray)
                kept = convert(image)
            except UNREADABLE:  # unreadable, encrypted, damaged or oddly compressed members are skipped
                skipped += 1
                continue
            if kept is None:
                dropped += 1
                continue
            found.append((parts[-2], kept))
    notes = []
    if len(entries) > max_images:
        notes.append(f"Only the first {max_images:,} of {len(entries):,} images (by name) were read.")
    if loose:
        notes.append(f"{loose} image(s) at the top of the zip, outside any {folder} folder, were ignored.")
    if skipped:
        notes.append(f"{skipped} file(s) were skipped: they could not be read as images.")
    if large:
        notes.append(f"{large} image(s) over {MAX_ZIP_MEMBER // 2 ** 20} MB were skipped.")
    if dropped:
        notes.append(f"{dropped} image(s) had no usable content (no face found) and were skipped.")
    return found, notes
