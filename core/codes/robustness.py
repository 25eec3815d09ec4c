"""Decode rate against degradations (noise, blur, rotation, scale, perspective, occlusion): a generated code is
degraded step by step, every chosen decoder reads it, and each read is scored with the decode_codes task's own
score (`DECODE_CODES.score`), so the curves mean what the page's metrics mean. Seeded: the same settings give the
same curves.

The code's size is fixed in pixels per module (not in pixels overall): a level-H code of the same payload has
more modules, so at a fixed module size a blur or noise level hurts every level alike and only the error
correction differs, which is what the L 7 % / M 15 % / Q 25 % / H 30 % claims are about.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Callable

import numpy as np

from core.codes.generate import Code, make_ean13, make_qr
from core.codes.paste import corners, paste


@dataclass(frozen=True)
class Degradation:
    name: str
    label: str  # the x axis
    values: tuple[float, ...]  # the default sweep
    help: str


DEGRADATIONS = {d.name: d for d in (
    Degradation("noise", "Gaussian noise σ (image in [0, 1])", (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6),
                "Independent Gaussian noise on every pixel, clipped to [0, 1]."),
    Degradation("blur", "Gaussian blur σ (in modules)", (0.0, 0.3, 0.5, 0.7, 0.9, 1.1, 1.3, 1.6),
                "Defocus as a Gaussian blur; σ in module widths, so it means the same at any module size."),
    Degradation("rotation", "rotation (°)", (0.0, 10.0, 20.0, 30.0, 45.0, 60.0, 75.0, 90.0),
                "The code turned in the image plane."),
    Degradation("scale", "module size (px)", (0.6, 0.8, 1.0, 1.25, 1.5, 2.0, 3.0, 4.0),
                "How many pixels one module covers after resampling (area-averaged)."),
    Degradation("perspective", "tilt (0 = facing the camera)", (0.0, 0.2, 0.4, 0.6, 0.8, 1.0, 1.2, 1.4),
                "The code turned away about a vertical axis: one edge shrinks, the other grows."),
    Degradation("occlusion", "occluded area (% of the symbol)", (0.0, 5.0, 10.0, 15.0, 20.0, 25.0, 30.0, 40.0),
                "A dark square sticker over the data area (kept off the three finder squares)."),
)}

SYMBOLS = ("QR L", "QR M", "QR Q", "QR H", "EAN-13")
QR_DECODERS = ("zxing", "opencv_qr", "opencv_qr_aruco", "wechat")
LINEAR_DECODERS = ("zxing", "opencv_barcode")


def reads(decoder: str, symbol: str) -> bool:
    """Whether a decoder reads a symbology at all (OpenCV's barcode reader has no QR, its QR readers no EAN)."""
    return decoder in (LINEAR_DECODERS if symbol == "EAN-13" else QR_DECODERS)


def make_symbol(symbol: str, payload: str, ean: str, module_px: int) -> Code:
    if symbol == "EAN-13":
        return make_ean13(ean, scale=module_px, height=40 * module_px, digits_below=False)
    return make_qr(payload, level=symbol.split()[1], scale=module_px)


def degrade(code: Code, kind: str, value: float, *, seed: int = 0, module_px: int = 4) -> np.ndarray:
    """The code (at `module_px` per module) on a white canvas, degraded by `kind` at `value`; float32 gray."""
    import cv2

    rng = np.random.default_rng(seed)
    base = code.image
    margin = 0.5
    side = int(max(base.shape) * (1 + margin))
    size = max(base.shape) / side
    canvas = np.ones((side, side), np.float32)
    # every trial places the code a little differently (a sub-pixel shift, a turn of up to 1°): some readers
    # are sensitive to exact placement, and a camera never gives the same one twice
    shift = rng.uniform(-0.5, 0.5, 2) / side
    jitter = dict(center=(0.5 + shift[0], 0.5 + shift[1]), size=size)
    turn = float(rng.uniform(-1, 1))
    if kind == "rotation":
        return paste(canvas, base, corners(canvas.shape, base.shape, rotation=value + turn, **jitter))
    if kind == "perspective":
        jitter["size"] = size / (1 + value / 2)
        return paste(canvas, base, corners(canvas.shape, base.shape, tilt_x=value / 1.6, rotation=turn, **jitter))
    image = paste(canvas, base, corners(canvas.shape, base.shape, rotation=turn, **jitter))
    if kind == "scale":
        factor = float(value) / module_px
        small = max(8, int(round(side * factor)))
        interpolation = cv2.INTER_AREA if factor < 1 else cv2.INTER_LINEAR
        return cv2.resize(image, (small, small), interpolation=interpolation)
    if kind == "noise":
        return np.clip(image + rng.normal(0, value, image.shape), 0, 1).astype(np.float32)
    if kind == "blur":
        sigma = float(value) * module_px
        return image if sigma <= 0 else cv2.GaussianBlur(image, (0, 0), sigma)
    if kind == "occlusion":
        return occlude(image, code, value / 100, rng, offset=((side - base.shape[1]) // 2, (side - base.shape[0]) // 2))
    raise ValueError(f"Unknown degradation {kind!r}; choose one of {', '.join(DEGRADATIONS)}.")


def occlude(image: np.ndarray, code: Code, fraction: float, rng: np.random.Generator, *,
            offset: tuple[int, int]) -> np.ndarray:
    """A dark square covering `fraction` of the symbol's area (quiet zone excluded) at a seeded place; on a QR
    code it is kept off the three finder squares. `offset`: the code's top-left corner (x, y) in `image`."""
    if fraction <= 0:
        return image
    out = image.copy()
    module, border = code.scale, code.border
    x_off, y_off = offset
    if code.symbology == "QR Code":
        n = code.modules.shape[0]
        k = min(n, max(1, int(round(math.sqrt(n * n * fraction)))))
        low, high = 8, n - 8 - k  # stay off the finder squares (7 modules and a separator)
        r, c = rng.integers(low, high + 1, size=2) if high > low else ((n - k) // 2,) * 2
        y0, x0 = y_off + (border + r) * module, x_off + (border + c) * module
        out[y0:y0 + k * module, x0:x0 + k * module] = 0.15
    else:  # a 1-D code: the same square sticker anywhere on the bars
        height, width = code.image.shape[0], code.modules.size * module
        k = min(height, int(round(math.sqrt(height * width * fraction))))
        y0 = y_off + int(rng.integers(0, max(1, height - k + 1)))
        x0 = x_off + border * module + int(rng.integers(0, max(1, width - k + 1)))
        out[y0:y0 + k, x0:x0 + k] = 0.15
    return out


def robustness(kind: str, *, decoders: tuple[str, ...] = QR_DECODERS + ("opencv_barcode",),
               symbols: tuple[str, ...] = SYMBOLS, values: tuple[float, ...] | None = None, trials: int = 2,
               payload: str = "https://example.org/book?chapter=8&section=5", ean: str = "9789389898644",
               module_px: int = 4, seed: int = 0,
               progress: Callable[[float, str], None] | None = None) -> list[dict]:
    """One row per (decoder, symbol, value): the mean decode rate over `trials` seeded degraded images, the mean
    false decodes and the mean seconds. Pairs where the decoder cannot read the symbology are left out."""
    from core.registry import DECODE_CODES, get_method

    if kind not in DEGRADATIONS:
        raise ValueError(f"Unknown degradation {kind!r}; choose one of {', '.join(DEGRADATIONS)}.")
    values = tuple(DEGRADATIONS[kind].values if values is None else values)
    pairs = [(d, s) for s in symbols for d in decoders if reads(d, s)]
    if not pairs:
        raise ValueError("None of the chosen decoders reads the chosen symbols (OpenCV's barcode reader has no QR "
                         "codes, its QR readers no EAN-13).")
    codes = {s: make_symbol(s, payload, ean, module_px) for s in symbols}
    images = {(s, v, t): degrade(codes[s], kind, v, seed=seed * 1000 + t, module_px=module_px)
              for s in symbols for v in values for t in range(trials)}
    rows, done, total = [], 0, len(pairs) * len(values)
    for decoder, symbol in pairs:
        method = get_method(DECODE_CODES, decoder)
        truth = [codes[symbol].payload]
        for value in values:
            rates, false, seconds = [], [], []
            for t in range(trials):
                image = images[(symbol, value, t)]
                start = time.perf_counter()
                output = method.run(image)
                seconds.append(time.perf_counter() - start)
                scores = DECODE_CODES.score(truth, output, {"image": image})
                rates.append(scores["decode_rate"])
                false.append(scores["false_decodes"])
            rows.append({"decoder": method.label, "key": decoder, "symbol": symbol, "value": float(value),
                         "decode_rate": float(np.mean(rates)), "false_decodes": float(np.mean(false)),
                         "seconds": float(np.mean(seconds)), "version": codes[symbol].version})
            done += 1
            if progress is not None:
                progress(done / total, f"{method.label} · {symbol} · {value:g}")
    return rows


def sample_images(kind: str, symbol: str = "QR M", *, values: tuple[float, ...] | None = None,
                  payload: str = "https://example.org/book?chapter=8&section=5", ean: str = "9789389898644",
                  module_px: int = 4, seed: int = 0) -> list[tuple[float, np.ndarray]]:
    """The first trial's degraded image at each value (what the decoders saw)."""
    values = tuple(DEGRADATIONS[kind].values if values is None else values)
    code = make_symbol(symbol, payload, ean, module_px)
    return [(float(v), degrade(code, kind, v, seed=seed * 1000, module_px=module_px)) for v in values]
