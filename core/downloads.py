"""Files fetched on demand (model weights a wheel can't carry): one downloader with a progress callback, a size
limit, an atomic write and a checksum, and one cache folder.

Nothing here runs unless a user asks for a file: the app and the tests need no network. Where the host is offline
(this project's CI machine) `fetch` raises `DownloadUnavailable`, whose message is a sentence for the user.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
import urllib.error
import urllib.request
from pathlib import Path
from typing import Callable

__all__ = ["DownloadUnavailable", "cache_dir", "fetch", "sha256_of"]

CHUNK = 1 << 20
MAX_BYTES = 1 << 30  # no single file of ours is larger than 1 GB


class DownloadUnavailable(ValueError):
    """A file could not be had: offline, refused, too large, or not the file it should be."""


def cache_dir(name: str) -> Path:
    """The folder for downloaded files of one kind: `$IPCV_CACHE/<name>` or `~/.cache/ipcv-explorer/<name>`."""
    if not name or "/" in name or "\\" in name or name in (".", ".."):
        raise ValueError(f"{name!r} is not a plain folder name.")
    root = Path(os.environ.get("IPCV_CACHE") or Path.home() / ".cache" / "ipcv-explorer")
    folder = root / name
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def sha256_of(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def fetch(url: str, destination: str | Path, *, sha256: str | None = None, size: int | None = None,
          progress: Callable[[float, str], None] | None = None, timeout: float = 30.0) -> Path:
    """Download `url` to `destination` (kept if it is already there and matches `sha256`) and return its path.

    Parameters
    ----------
    url : str
        An http(s) or file URL.
    destination : path
        Where the file goes; written to a temporary file beside it first, then renamed, so a broken download never
        leaves a partial file under the final name.
    sha256 : str, optional
        The file's SHA-256 in hex: checked before the file is kept.
    size : int, optional
        The expected size in bytes: used for the progress fraction and as a limit.
    progress : callable, optional
        Called as ``progress(fraction, text)`` while the file arrives (fraction in [0, 1]).
    timeout : float
        Seconds to wait for the server to answer or send more.

    Raises
    ------
    DownloadUnavailable
        When the host is offline or the server refuses, when the file is larger than expected, or when its
        checksum is not the expected one.
    """
    destination = Path(destination)
    name = destination.name
    if destination.exists() and (sha256 is None or sha256_of(destination) == sha256):
        return destination
    destination.parent.mkdir(parents=True, exist_ok=True)
    limit = size if size else MAX_BYTES
    try:
        response = urllib.request.urlopen(url, timeout=timeout)  # noqa: S310 (our own fixed URLs)
    except (urllib.error.URLError, OSError, ValueError) as error:
        reason = getattr(error, "reason", error)
        raise DownloadUnavailable(f"{name} could not be downloaded from {url} ({reason}). This server may be "
                                  "offline; on a host with internet access the file is fetched once and kept.") \
            from None
    handle, temporary = tempfile.mkstemp(prefix=f".{name}.", dir=destination.parent)
    try:
        with response, os.fdopen(handle, "wb") as out:
            total = size or int(response.headers.get("Content-Length") or 0) or None
            received = 0
            while True:
                try:
                    block = response.read(CHUNK)
                except OSError as error:
                    raise DownloadUnavailable(f"The download of {name} broke off after {received / 1e6:.1f} MB "
                                              f"({error}). Try again.") from None
                if not block:
                    break
                received += len(block)
                if received > limit:
                    raise DownloadUnavailable(f"{name} is larger than the {limit / 1e6:.1f} MB expected: "
                                              "it was not kept.")
                out.write(block)
                if progress is not None:
                    fraction = min(received / total, 1.0) if total else 0.0
                    progress(fraction, f"Downloading {name}: {received / 1e6:.1f}"
                                       + (f" of {total / 1e6:.1f} MB" if total else " MB"))
        if size is not None and received != size:
            raise DownloadUnavailable(f"{name} arrived with {received:,} bytes instead of {size:,}: it was not kept.")
        if sha256 is not None:
            found = sha256_of(temporary)
            if found != sha256:
                raise DownloadUnavailable(f"{name} is not the expected file (its SHA-256 is {found[:12]}…, not "
                                          f"{sha256[:12]}…): it was not kept.")
        os.replace(temporary, destination)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    if progress is not None:
        progress(1.0, f"{name} is ready.")
    return destination
