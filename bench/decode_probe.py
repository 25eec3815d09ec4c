"""`python -m bench.decode_probe`: the peak memory and time of decoding large uploads.

Writes large files into a temporary folder (a 10000×10000 RGB WebP, PNG and JPEG, a palette PNG, a 16-bit
gray TIFF, files whose header lies about their size, a 4K video), decodes each in a fresh Python process
the way the app does (`decode_image(data, max_side=512)`, `load_mask`, `read_video`), and prints a
markdown table: the peak resident memory (VmHWM from /proc, which exec resets; ru_maxrss as well, which
Linux carries over from the parent at fork, so the files are written by another process and the parent
stays small), the part of the peak above the process's memory before it read the file, and the seconds.
The goal: every decode peaks under 500 MiB, and lying headers are refused fast.
"""
from __future__ import annotations

import argparse
import io
import json
import os
import struct
import subprocess
import sys
import tempfile
import zlib
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
CHILD = r"""
import json, resource, sys, time
sys.path.insert(0, sys.argv[1])
from core.image import decode_image
from core.masks import load_mask
from core.video_bg import read_video
path, how, max_side = sys.argv[2], sys.argv[3], int(sys.argv[4])
def hwm():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
before = hwm()
start = time.perf_counter()
data = open(path, "rb").read()
try:
    if how == "mask":
        shape, result = load_mask(data).shape, "mask"
    elif how == "video":
        frames, _, _ = read_video(data, max_frames=30, max_side=max_side, name=path)
        shape, result = frames.shape, "frames"
    else:
        image, info = decode_image(data, max_side=max_side)
        shape, result = image.shape, f"decoded at {info['decoded_size'][0]}×{info['decoded_size'][1]}"
except ValueError as exc:
    shape, result = None, "refused: " + str(exc)
maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"before": before / 1024, "peak": hwm() / 1024, "maxrss": maxrss / 1024,
                  "seconds": time.perf_counter() - start,
                  "shape": shape, "result": result}))
"""


def _png_header_only(width: int, height: int) -> bytes:
    """An 80-byte PNG whose IHDR declares `width`×`height` gray pixels, followed by a tiny IDAT."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00" * 2000))
            + chunk(b"IEND", b""))


def _jpeg_lying(width: int, height: int) -> bytes:
    """A small real JPEG whose SOF marker is patched to declare `width`×`height`."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(np.full((16, 16, 3), 200, np.uint8)).save(buffer, format="JPEG")
    data = bytearray(buffer.getvalue())
    at = data.index(b"\xff\xc0")
    data[at + 5:at + 9] = struct.pack(">HH", height, width)
    return bytes(data + b"\x00" * 1500)


def make_files(folder: Path, side: int) -> list[tuple[str, Path, str]]:
    """(label, path, how) for every probe file, written into `folder`."""
    from PIL import Image

    y, x = np.ogrid[:side, :side]
    red = np.broadcast_to((x * 255 // side).astype(np.uint8), (side, side))
    green = np.broadcast_to((y * 255 // side).astype(np.uint8), (side, side))
    blue = (((x // 50 + y // 50) % 2) * 200).astype(np.uint8)
    rgb = Image.fromarray(np.dstack([red, green, blue]))
    files = []
    for label, name, kwargs in [("RGB WebP (lossy)", "rgb.webp", {"quality": 80, "method": 0}),
                                ("RGB PNG", "rgb.png", {"compress_level": 1}),
                                ("RGB JPEG", "rgb.jpg", {"quality": 85})]:
        rgb.save(folder / name, **kwargs)
        files.append((f"{side}×{side} {label}", folder / name, "image"))
    rgb.convert("P", palette=Image.Palette.ADAPTIVE, colors=64).save(folder / "palette.png", compress_level=1)
    files.append((f"{side}×{side} palette PNG", folder / "palette.png", "image"))
    rgba = rgb.convert("RGBA")
    rgba.putalpha(Image.fromarray((np.broadcast_to(x, (side, side)) < side // 2).astype(np.uint8) * 255))
    del rgb
    rgba.save(folder / "rgba.png", compress_level=1)
    files.append((f"{side}×{side} RGBA PNG, half transparent", folder / "rgba.png", "image"))
    rgba.save(folder / "rgba.webp", quality=80, method=0)
    files.append((f"{side}×{side} RGBA WebP, half transparent", folder / "rgba.webp", "image"))
    del rgba
    mask = Image.fromarray(((x // 400 + y // 400) % 2 * 255).astype(np.uint8)).resize((side * 4 // 5, side * 3 // 5))
    mask.save(folder / "mask.jpg", quality=75)
    files.append((f"{mask.size[0]}×{mask.size[1]} JPEG mask, as a mask", folder / "mask.jpg", "mask"))
    gray16 = Image.fromarray(np.broadcast_to((x * 65535 // side).astype(np.uint16), (side, side)).copy())
    gray16.save(folder / "gray16.tif", compression="tiff_adobe_deflate")
    files.append((f"{side}×{side} 16-bit gray TIFF (deflate)", folder / "gray16.tif", "image"))
    gray16.save(folder / "gray16_raw.tif")
    files.append((f"{side}×{side} 16-bit gray TIFF (uncompressed)", folder / "gray16_raw.tif", "image"))
    del gray16
    (folder / "lying.jpg").write_bytes(_jpeg_lying(10950, 10950))
    files.append(("2 KB JPEG declaring 10950×10950, as a mask", folder / "lying.jpg", "mask"))
    (folder / "lying.png").write_bytes(_png_header_only(12000, 12000))
    files.append(("PNG header alone declaring 12000×12000", folder / "lying.png", "image"))
    (folder / "lying_small.png").write_bytes(_png_header_only(9000, 9000))
    files.append(("PNG header alone declaring 9000×9000", folder / "lying_small.png", "image"))
    files.append(("3840×2160 H.264 video, 30 frames", _video(folder / "uhd.mp4"), "video"))
    return files


def _video(path: Path) -> Path:
    import imageio_ffmpeg

    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i",
                    "testsrc2=s=3840x2160:r=30", "-frames:v", "30", "-c:v", "libx264", "-preset", "ultrafast",
                    "-pix_fmt", "yuv420p", "-y", str(path)], check=True)
    return path


def probe(path: Path, how: str, max_side: int) -> dict:
    done = subprocess.run([sys.executable, "-c", CHILD, str(ROOT), str(path), how, str(max_side)],
                          capture_output=True, text=True, env={**os.environ, "PYTHONWARNINGS": "ignore"})
    if done.returncode != 0:
        return {"before": 0, "peak": 0, "maxrss": 0, "seconds": 0, "shape": None,
                "result": "crashed: " + done.stderr[-300:]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.decode_probe", description=__doc__.splitlines()[0])
    parser.add_argument("--side", type=int, default=10000, help="side of the large square images (default 10000)")
    parser.add_argument("--max-side", type=int, default=512, help="working size passed to decode_image (512)")
    parser.add_argument("--limit-mb", type=float, default=500.0, help="peak RSS goal in MiB (default 500)")
    parser.add_argument("--write", metavar="DIR", help=argparse.SUPPRESS)  # the child that writes the files
    args = parser.parse_args(argv)
    if args.write:
        print(json.dumps([(label, str(path), how) for label, path, how in make_files(Path(args.write), args.side)]))
        return 0
    over = 0
    with tempfile.TemporaryDirectory() as folder:
        made = subprocess.run([sys.executable, "-m", "bench.decode_probe", "--write", folder, "--side", str(args.side)],
                              cwd=ROOT, capture_output=True, text=True, check=True)
        files = [(label, Path(path), how) for label, path, how in json.loads(made.stdout.strip().splitlines()[-1])]
        print(f"decode_image(max_side={args.max_side}) (videos: read_video(max_side=240)), one fresh process per "
              "file; memory in MiB\n")
        print("| file | on disk | result | peak RSS (VmHWM) | ru_maxrss | above start | seconds |")
        print("| --- | ---: | --- | ---: | ---: | ---: | ---: |")
        for label, path, how in files:
            row = probe(path, how, 240 if how == "video" else args.max_side)
            shape = "×".join(map(str, row["shape"])) + " " if row["shape"] else ""
            result = (shape + row["result"]).replace("|", "/")[:150]
            over += row["peak"] > args.limit_mb
            size = path.stat().st_size
            size = f"{size / 2 ** 20:.1f} MiB" if size >= 2 ** 20 else f"{size / 2 ** 10:.1f} KiB"
            print(f"| {label} | {size} | {result} | {row['peak']:.0f} | "
                  f"{row['maxrss']:.0f} | {row['peak'] - row['before']:.0f} | {row['seconds']:.2f} |")
    print(f"\n{over} file(s) over {args.limit_mb:.0f} MiB." if over else f"\nAll under {args.limit_mb:.0f} MiB.")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
