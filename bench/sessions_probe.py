"""`python -m bench.sessions_probe`: many short sessions uploading files, and the server's memory over them.

Each session is a fresh browser context (a new Streamlit session) that opens the Denoising page in upload mode,
uploads a distinct image (random content, so no cache entry is reused) and, every other session, a bad file (a
PNG whose header lies about its size), waits for the page to finish, and closes. The server's RSS (with children,
from /proc) is printed every `--every` sessions, then again after `--linger` seconds with no session open.

Caches are bounded by bytes (core.caching), so the RSS should level off instead of climbing with every new upload.
"""
from __future__ import annotations

import argparse
import io
import struct
import sys
import tempfile
import time
import zlib
from pathlib import Path

import numpy as np

from bench.memory_probe import (ROOT, ProbeError, free_port, launch_browser, rss_mb, settle, start_server,
                                stop_server, wait_healthy)


def distinct_png(index: int, size: tuple[int, int]) -> bytes:
    from PIL import Image

    rng = np.random.default_rng(index)
    small = rng.integers(0, 256, (size[1] // 16, size[0] // 16, 3), dtype=np.uint8)
    image = Image.fromarray(small).resize(size, Image.BILINEAR)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def lying_png(width: int = 12000, height: int = 9000) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00" * 4000))
            + chunk(b"IEND", b""))


def run(sessions: int, every: int, linger: float, size: tuple[int, int], port: int) -> list[tuple[str, float]]:
    from playwright.sync_api import sync_playwright

    readings: list[tuple[str, float]] = []
    with tempfile.TemporaryDirectory() as folder, open(Path(folder) / "server.log", "wb") as log:
        server = start_server(ROOT / "app.py", port, log)
        try:
            wait_healthy(port, server, 60)
            readings.append(("server started", rss_mb(server.pid)))
            url = f"http://127.0.0.1:{port}/denoising?dn.source=Upload&dn.max_side=512"
            with sync_playwright() as playwright:
                browser = launch_browser(playwright)
                start = time.monotonic()
                for index in range(1, sessions + 1):
                    context = browser.new_context()
                    page = context.new_page()
                    page.goto(url, wait_until="domcontentloaded", timeout=120_000)
                    settle(page, quiet=1.0, timeout=120)
                    uploads = [("photo.png", distinct_png(index, size))] + (
                        [("liar.png", lying_png())] if index % 2 == 0 else [])
                    for name, data in uploads:
                        path = Path(folder) / f"{index}-{name}"
                        path.write_bytes(data)
                        page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(path))
                        settle(page, quiet=1.0, timeout=120)
                        path.unlink()
                    context.close()
                    if index % every == 0 or index == sessions:
                        readings.append((f"after {index} sessions ({time.monotonic() - start:.0f} s)",
                                         rss_mb(server.pid)))
                        print(f"{readings[-1][0]}: {readings[-1][1]:.0f} MB", file=sys.stderr, flush=True)
                browser.close()
            time.sleep(linger)
            readings.append((f"{linger:.0f} s after the last session", rss_mb(server.pid)))
        finally:
            stop_server(server)
    return readings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.sessions_probe", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=200)
    parser.add_argument("--every", type=int, default=20, help="print the RSS every N sessions (default: 20)")
    parser.add_argument("--linger", type=float, default=150.0,
                        help="seconds to wait after the last session before the last reading (default: 150)")
    parser.add_argument("--size", default="1024x768", help="uploaded image size, WxH (default: 1024x768)")
    args = parser.parse_args(argv)
    width, height = (int(v) for v in args.size.lower().split("x"))
    try:
        readings = run(args.sessions, args.every, args.linger, (width, height), free_port())
    except ProbeError as exc:
        print(f"{parser.prog}: error: {exc}", file=sys.stderr)
        return 2
    print("| when | server RSS (MB) |\n| --- | ---: |")
    for when, rss in readings:
        print(f"| {when} | {rss:.0f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
