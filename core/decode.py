"""The one guarded decode every upload goes through: bytes to a float32 gray/RGB image, or a clear refusal.

Before any pixel is decoded, the header is checked: a format the app reads, at least MIN_SIDE pixels a
side, an aspect ratio of at most MAX_ASPECT, and a memory estimate (file + decoder buffer + result) within
MAX_DECODE_BYTES. A large image is reduced while decoding where the format allows it (JPEG's DCT scaling,
WebP's half-size decode), then area-averaged strip by strip, so no full-size float copy ever exists.
Every failure is an `UnreadableImage` (a ValueError) whose message is a sentence for the user.
"""
from __future__ import annotations

import io
import warnings

import numpy as np
from PIL import Image, UnidentifiedImageError

MIN_SIDE = 8
MAX_ASPECT = 32  # the longer side may be at most this many times the shorter one
MAX_DECODE_BYTES = 420 * 2 ** 20  # estimated peak of one decode, above the process's own memory
FORMATS = ("PNG", "JPEG", "TIFF", "WEBP", "AVIF", "BMP", "GIF", "PPM", "TGA", "ICO")
FORMAT_NAMES = "PNG, JPEG, TIFF, WebP, AVIF, BMP, GIF, PPM/PGM, TGA or ICO"
_STRIP_BYTES = 4 * 2 ** 20  # float32 bytes of one strip of rows
_LUMA = np.array([0.2125, 0.7154, 0.0721], np.float32)  # ITU-R BT.709, as core.image.to_gray
_GRAY = {"1", "L", "LA", "La", "I", "F", "I;16", "I;16L", "I;16B", "I;16N"}
_MODES = _GRAY | {"P", "PA", "RGB", "RGBX", "RGBA", "RGBa", "CMYK", "YCbCr", "LAB", "HSV"}
_SIGNATURES = ((b"\x89PNG\r\n\x1a\n", "PNG"), (b"\xff\xd8\xff", "JPEG"), (b"GIF8", "GIF"), (b"II*\x00", "TIFF"),
               (b"MM\x00*", "TIFF"), (b"II+\x00", "TIFF"), (b"BM", "BMP"))
# EXIF orientation → the numpy operation that shows the image upright (as PIL.ImageOps.exif_transpose)
_ORIENT = {2: lambda a: a[:, ::-1], 3: lambda a: a[::-1, ::-1], 4: lambda a: a[::-1],
           5: lambda a: a.swapaxes(0, 1), 6: lambda a: np.rot90(a, -1),
           7: lambda a: a.swapaxes(0, 1)[::-1, ::-1], 8: lambda a: np.rot90(a, 1)}


class UnreadableImage(ValueError):
    """An upload the app cannot decode. The message is a sentence for the user."""


def decode_image(data: bytes, *, max_side: int | None = None, gray: bool = False) -> tuple[np.ndarray, dict]:
    """Decode uploaded bytes to a float image, with checks a user can understand.

    Parameters
    ----------
    data : bytes
        The file's content.
    max_side : int, optional
        Fit the longer side to at most this many pixels (area averaging). None or 0: full size.
    gray : bool
        Return luminance (H, W) whatever the file holds (a third of the memory of RGB).

    Returns
    -------
    image : ndarray
        float32 in [0, 1]; gray (H, W) or RGB (H, W, 3), upright (EXIF orientation applied).
    info : dict
        "format", "mode" (PIL's), "original_size" (width, height as shown), "decoded_size" (what the decoder
        produced, in the file's orientation: smaller after JPEG/WebP reduction), "scale" (output/original), "bit_depth" (8, 16 or 32)
        and, when something was changed, "note" (palette, transparency, value stretch).

    Raises
    ------
    UnreadableImage
        Empty, unknown format, damaged or truncated, too small, too elongated, too large for memory, NaN.
    """
    if not data:
        raise UnreadableImage("The file is empty.")
    max_side = max_side if max_side and max_side > 0 else None
    pil = _open(data)
    try:
        return _decode(pil, data, max_side, gray)
    except UnreadableImage:
        raise
    except MemoryError:
        raise UnreadableImage("There was not enough memory to decode this image; upload a smaller one.") from None
    except Exception as exc:  # decoders raise many types (OSError, SyntaxError, ValueError, zlib.error...)
        raise _damaged(exc, data) from None
    finally:
        pil.close()


def _open(data: bytes) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            return Image.open(io.BytesIO(data), formats=FORMATS)  # reads the header only
    except Image.DecompressionBombError:
        raise UnreadableImage(f"The image is far too large: its header declares over "
                              f"{2 * Image.MAX_IMAGE_PIXELS / 1e6:.0f} megapixels. Downscale it before uploading."
                              ) from None
    except UnidentifiedImageError:
        kind = _sniff(data)
        if kind in ("HEIC", None):
            what = "an HEIC/HEIF photo" if kind else "not in an image format the app reads"
            raise UnreadableImage(f"The file could not be read as an image: it is {what}. Save it as "
                                  f"{FORMAT_NAMES}.") from None
        raise UnreadableImage(f"The file could not be read as an image: it looks like a damaged or truncated "
                              f"{kind} file (its header is broken).") from None
    except Exception as exc:
        raise _damaged(exc, data) from None


def _sniff(data: bytes) -> str | None:
    """The format a file's first bytes announce (for messages only)."""
    head = bytes(data[:16])
    for magic, name in _SIGNATURES:
        if head.startswith(magic):
            return name
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WebP"
    if head[4:8] == b"ftyp":
        return "AVIF" if head[8:12] in (b"avif", b"avis") else "HEIC" if head[8:11] in (b"hei", b"mif") else None
    return None


def _damaged(exc: BaseException, data: bytes) -> UnreadableImage:
    detail = " ".join(str(exc).split())[:120] or type(exc).__name__
    if "MAX_TEXT_CHUNK" in detail or "text chunks" in detail:
        return UnreadableImage("The PNG file carries a metadata text block too large to read safely; re-save it "
                               f"without metadata ({detail}).")
    kind = _sniff(data)
    what = f"like a damaged or truncated {kind} file" if kind else "damaged or truncated"
    return UnreadableImage(f"The file could not be read as an image: it looks {what} ({detail}).")


def _check_shape(width: int, height: int, max_side: int | None) -> None:
    short, long = sorted((width, height))
    if short < MIN_SIDE:
        raise UnreadableImage(f"The image is {width}×{height} pixels; it needs at least {MIN_SIDE} pixels on "
                              "each side.")
    if long > MAX_ASPECT * short:
        raise UnreadableImage(f"The image is {width}×{height} pixels: its longer side is {long / short:.0f} times "
                              f"its shorter one, and the app accepts at most {MAX_ASPECT} times. Crop it to a less "
                              "elongated shape.")
    if max_side and long > max_side and round(short * max_side / long) < MIN_SIDE:
        raise UnreadableImage(f"At the working size of {max_side} px, the {width}×{height} image would be only "
                              f"{round(short * max_side / long)} px on its shorter side; at least {MIN_SIDE} are "
                              "needed. Choose a larger working size or crop the image.")


def _target(width: int, height: int, max_side: int | None) -> tuple[int, int]:
    """(width, height) after fitting the longer side to `max_side`, rounded as core.image.fit_size does."""
    if not max_side or max(width, height) <= max_side:
        return width, height
    scale = max_side / max(width, height)
    return max(1, round(width * scale)), max(1, round(height * scale))


def _check_plausible(fmt: str, width: int, height: int, size: int) -> None:
    """Refuse a PNG or JPEG far too small for the size its header declares (a lying or truncated header):
    deflate packs at most 1032:1 (and a row holds at least 1 + width / 8 bytes); a JPEG needs at least about
    one bit per 8×8 block (a quarter of that here, for arithmetic coding)."""
    least = {"PNG": height * (1 + width // 8) // 2064,
             "JPEG": -(-width // 8) * -(-height // 8) // 32}.get("JPEG" if fmt == "MPO" else fmt, 0)
    if size < least:
        amount = f"{size:,} bytes" if size < 10240 else f"{size / 1024:,.0f} KB"
        raise UnreadableImage(f"The file could not be read as an image: it looks like a damaged or truncated "
                              f"{'PNG' if fmt == 'PNG' else 'JPEG'} file "
                              f"({amount} are far too few for the {width}×{height} pixels its header declares).")


def _pixel_bytes(mode: str) -> int:
    """Bytes per pixel in PIL's own storage (RGB takes 4)."""
    return 1 if mode in ("1", "L", "P") else 2 if mode.startswith("I;16") else 4


def _decode(pil: Image.Image, data: bytes, max_side: int | None, gray: bool) -> tuple[np.ndarray, dict]:
    mode, fmt = pil.mode, pil.format
    if mode not in _MODES:
        raise UnreadableImage(f"The image's pixel format ({mode}) is not supported; save it as 8- or 16-bit gray, "
                              "RGB or RGBA.")
    width, height = pil.size
    _check_shape(width, height, max_side)
    target = _target(width, height, max_side)
    if fmt in ("JPEG", "MPO") and target != (width, height):
        pil.draft(mode, target)  # libjpeg decodes at 1/2, 1/4 or 1/8 scale, still at least `target`
    half = max_side is not None and target[0] <= width // 2 and target[1] <= height // 2
    # PIL's WebP decode holds three full copies; OpenCV's one (n_frames is cheap for WebP, not for GIF)
    use_cv2 = fmt == "WEBP" and mode == "RGB" and getattr(pil, "n_frames", 1) == 1
    source = (width // 2, height // 2) if use_cv2 and half else pil.size
    channels = 1 if gray or mode in _GRAY else 3
    if use_cv2:
        decoder = width * height * 3 + (source[0] * source[1] * 3 if half else width * height * 3)
    else:
        decoder = pil.size[0] * pil.size[1] * _pixel_bytes(mode) * (3 if fmt in ("WEBP", "AVIF") else 1)
        if fmt == "TIFF" and getattr(pil, "tag_v2", {}).get(262) == 6:
            decoder *= 2  # YCbCr TIFFs are read through an RGBA raster
    need = len(data) + decoder + target[0] * target[1] * channels * 4 + 6 * _STRIP_BYTES
    if need > MAX_DECODE_BYTES:
        hint = " It is decoded at full size here." if not max_side else (
            "" if fmt in ("JPEG", "MPO") else " A JPEG of the same size would decode at a reduced scale.")
        raise UnreadableImage(f"The image is {width}×{height} pixels ({width * height / 1e6:.0f} megapixels): "
                              f"decoding it would need about {need / 2 ** 20:.0f} MB of memory, more than the "
                              f"{MAX_DECODE_BYTES // 2 ** 20} MB the app allows for one image. Downscale it before "
                              f"uploading.{hint}")
    _check_plausible(fmt, width, height, len(data))
    info: dict = {"format": fmt, "mode": mode, "bit_depth": 8}
    notes: list[str] = []
    if use_cv2:
        rows = _cv2_rows(data, half, source)
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            pil.load()
        rows = _pil_rows(pil, info, notes)
    image = _resample(rows, source, target, gray)
    if rows.transparent:
        notes.append("transparency flattened onto white")
    orientation = _orientation(pil)
    if orientation in _ORIENT:
        image = np.ascontiguousarray(_ORIENT[orientation](image))
    shown = (height, width) if orientation in (5, 6, 7, 8) else (width, height)
    info.update(original_size=shown, decoded_size=tuple(source),
                scale=float(np.sqrt(target[0] * target[1] / (width * height))))
    if notes:
        info["note"] = "; ".join(notes)
    return image, info


def _orientation(pil: Image.Image) -> int:
    try:
        return int(pil.getexif().get(0x0112, 1))
    except Exception:  # a broken EXIF block is no reason to refuse the image
        return 1


class _Rows:
    """Strips of an image as float32 [0, 1] arrays, (h, w) or (h, w, 3); records whether alpha was used."""

    def __init__(self, read, channels: int):
        self.read, self.channels, self.transparent = read, channels, False

    def flatten(self, rgba: np.ndarray) -> np.ndarray:
        """Colour over white: c·a + 1 − a = (c − 1)·a + 1, one plane at a time (much faster than broadcasting)."""
        alpha, colours = rgba[..., -1], rgba.shape[-1] - 1
        if alpha.min() >= 1:
            return np.ascontiguousarray(rgba[..., 0] if colours == 1 else rgba[..., :colours])
        self.transparent = True
        out = np.empty(rgba.shape[:-1] + ((colours,) if colours > 1 else ()), np.float32)
        for k in range(colours):
            plane = out[..., k] if colours > 1 else out
            np.subtract(rgba[..., k], 1.0, out=plane)
            plane *= alpha
        out += 1.0
        return out


def _cv2_rows(data: bytes, half: bool, source: tuple[int, int]) -> _Rows:
    import cv2

    flags = (cv2.IMREAD_REDUCED_COLOR_2 if half else cv2.IMREAD_COLOR) | cv2.IMREAD_IGNORE_ORIENTATION
    bgr = cv2.imdecode(np.frombuffer(data, np.uint8), flags)  # 2× reduction averages 2×2 blocks exactly
    if bgr is None or bgr.shape[1::-1] != tuple(source):
        raise UnreadableImage("The file could not be read as an image: it looks like a damaged or truncated "
                              "WebP file.")
    return _Rows(lambda y0, y1: _unit(bgr[y0:y1, :, ::-1]), 3)


def _pil_rows(pil: Image.Image, info: dict, notes: list[str]) -> _Rows:
    mode, width = pil.mode, pil.size[0]
    if mode not in _MODES:
        raise UnreadableImage(f"The image's pixel format ({mode}) is not supported.")

    def crop(y0, y1, as_mode=None):
        strip = pil.crop((0, y0, width, y1))
        return strip if as_mode in (None, mode) else strip.convert(as_mode)

    if mode in ("1", "L"):
        return _Rows(lambda y0, y1: _unit(crop(y0, y1, "L")), 1)
    if mode.startswith("I;16"):
        info["bit_depth"] = 16
        return _Rows(lambda y0, y1: _unit(crop(y0, y1), 65535.0), 1)
    if mode in ("I", "F"):
        low, span = _value_range(pil, crop, info, notes)
        return _Rows(lambda y0, y1: np.clip((np.asarray(crop(y0, y1), np.float32) - low) / span, 0.0, 1.0), 1)
    if mode == "P":
        notes.append("palette image converted to RGB")
    alpha = mode in ("LA", "La", "RGBA", "RGBa", "PA") or (
        mode == "P" and ("transparency" in pil.info or getattr(pil.palette, "mode", "") == "RGBA"))
    if alpha:
        rows = _Rows(None, 1 if mode in ("LA", "La") else 3)
        target = "LA" if mode in ("LA", "La") else "RGBA"
        rows.read = lambda y0, y1: rows.flatten(_unit(crop(y0, y1, target)))
        return rows
    return _Rows(lambda y0, y1: _unit(crop(y0, y1, "RGB")), 3)


def _unit(strip, peak: float = 255.0) -> np.ndarray:
    """An integer strip (PIL image or array) as float32 in [0, 1], in one pass."""
    return np.multiply(np.asarray(strip), np.float32(1.0 / peak), dtype=np.float32)


def _value_range(pil: Image.Image, crop, info: dict, notes: list[str]) -> tuple[float, float]:
    """(offset, span) that map an integer or float image to [0, 1]; refuses NaN and infinities."""
    if pil.mode == "I":
        low, high = pil.getextrema()
        if low >= 0 and high <= 65535:
            info["bit_depth"] = 16 if high > 255 else 8
            return 0.0, 65535.0 if high > 255 else 255.0
    else:
        info["bit_depth"] = 32
        low, high, step = np.inf, -np.inf, max(1, _STRIP_BYTES // (4 * pil.size[0]))
        for y0 in range(0, pil.size[1], step):
            strip = np.asarray(crop(y0, min(pil.size[1], y0 + step)), np.float32)
            if not np.isfinite(strip).all():
                raise UnreadableImage("The image holds NaN or infinite values (a float TIFF?): it cannot be shown.")
            low, high = min(low, float(strip.min())), max(high, float(strip.max()))
        if low >= 0 and high <= 1:
            return 0.0, 1.0
    notes.append(f"values from {low:.4g} to {high:.4g} stretched to [0, 1]")
    return float(low), float(high - low) if high > low else 1.0


def _resample(rows: _Rows, source: tuple[int, int], target: tuple[int, int], gray: bool) -> np.ndarray:
    """Read `rows` strip by strip into a (target) image, area-averaged like cv2.INTER_AREA."""
    (sw, sh), (tw, th) = source, target
    channels = 1 if gray else rows.channels
    out = np.empty((th, tw) if channels == 1 else (th, tw, 3), np.float32)
    step = max(1, _STRIP_BYTES // (4 * sw * max(rows.channels, 1)))
    resize = (sw, sh) != (tw, th)
    if resize:  # output row i covers source rows [edges[i], edges[i + 1])
        edges = np.arange(th + 1) * (sh / th)
        first = np.minimum(edges.astype(np.int64), sh - 1)
        below = np.zeros((tw,) + out.shape[2:], np.float64)  # sum of the (column-averaged) rows seen so far
        previous, done = None, 0
    for y0 in range(0, sh, step):
        y1 = min(sh, y0 + step)
        strip = rows.read(y0, y1)
        if gray and strip.ndim == 3:
            strip = strip @ _LUMA
        if not resize:
            out[y0:y1] = strip
            continue
        strip = _area_columns(strip, tw)
        cumulative = np.concatenate([below[None], below + np.cumsum(strip, axis=0, dtype=np.float64)])
        below = cumulative[-1]
        pick = np.nonzero((first >= y0) & (first < y1))[0]
        if not len(pick):
            continue
        local = first[pick] - y0
        frac = (edges[pick] - first[pick]).reshape((-1,) + (1,) * (strip.ndim - 1))
        values = cumulative[local] + frac * strip[local]
        if previous is not None:
            values = np.concatenate([previous[None], values])
        rows_out = np.diff(values, axis=0) / (sh / th)
        out[done:done + len(rows_out)] = rows_out
        done += len(rows_out)
        previous = values[-1]
    return np.clip(out, 0.0, 1.0, out=out)


def _area_columns(strip: np.ndarray, tw: int) -> np.ndarray:
    """Area-average a strip's columns to `tw` (cv2.INTER_AREA along x only)."""
    import cv2

    if strip.shape[1] == tw:
        return strip
    return cv2.resize(np.ascontiguousarray(strip), (tw, strip.shape[0]), interpolation=cv2.INTER_AREA)
