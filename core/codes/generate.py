"""Making codes (book §8.5.1): QR codes through segno, EAN-13 drawn from the standard's tables.

Both return a `Code`: a float32 gray image (1 = white) with its quiet zone, the payload a reader should give back,
and the module grid. The book's generator (qrcode with `fit=True`) silently grows the version, python-barcode
silently replaces a wrong 13th digit and its `save()` appends an extension; here a version that is too small, a
payload that is too long, a wrong check digit or a non-digit are each a `ValueError` with a sentence for the user.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

LEVELS = ("L", "M", "Q", "H")
RECOVERY = {"L": 7, "M": 15, "Q": 25, "H": 30}  # % of codewords a level can restore (the standard's claim)
CAPACITY_BYTES = {"L": 2953, "M": 2331, "Q": 1663, "H": 1273}  # byte mode, version 40


@dataclass(frozen=True)
class Code:
    """A generated code: `image` float32 (H, W) in [0, 1] (1 = white) including its quiet zone."""

    image: np.ndarray
    payload: str  # what a decoder should read (EAN-13: the 13 digits)
    symbology: str  # "QR Code" or "EAN-13"
    modules: np.ndarray  # bool, True = dark: (n, n) for QR, (95,) for EAN-13
    scale: int  # pixels per module
    border: int  # quiet zone, in modules (EAN-13: the left one)
    version: int = 0  # QR only
    level: str = ""  # QR only
    notice: str = ""  # what the generator changed or wants the user to know

    @property
    def label(self) -> str:
        return f"QR {self.version}-{self.level}" if self.symbology == "QR Code" else self.symbology


# -- QR ---------------------------------------------------------------------------------------------------------

def payload_text(payload: str | bytes) -> str:
    """What a reader shows for a payload: UTF-8 text, or bytes as Latin-1 (the QR standard's default charset)."""
    if isinstance(payload, str):
        return payload
    try:
        return payload.decode("utf-8")
    except UnicodeDecodeError:
        return payload.decode("latin-1")


def make_qr(payload: str | bytes, *, level: str = "M", version: int | None = None, border: int = 4,
            scale: int = 8) -> Code:
    """A QR code (never a Micro QR, which most readers skip) of `payload` at error-correction `level`.

    `version` None picks the smallest that holds the payload; a version that is too small is an error (the
    book's `fit=True` grows it silently). The level is kept as asked (segno would raise it when room is left)."""
    import segno
    from segno import DataOverflowError

    level = str(level).upper()
    if level not in LEVELS:
        raise ValueError(f"The error-correction level must be one of {', '.join(LEVELS)}, not {level!r}.")
    if version is not None and not 1 <= int(version) <= 40:
        raise ValueError(f"A QR version is 1 to 40, not {version}.")
    if not 0 <= int(border) <= 20 or not 1 <= int(scale) <= 40:
        raise ValueError("The border is 0 to 20 modules and the scale 1 to 40 pixels per module.")
    if isinstance(payload, str) and not payload:
        raise ValueError("The payload is empty: type the text to encode.")
    size = len(payload.encode("utf-8")) if isinstance(payload, str) else len(payload)
    try:
        qr = segno.make_qr(payload, error=level.lower(), version=None if version is None else int(version),
                           boost_error=False)
    except DataOverflowError:
        if version is not None:
            try:
                needed = segno.make_qr(payload, error=level.lower(), boost_error=False).version
            except DataOverflowError:
                needed = None
            if needed is not None:
                raise ValueError(f"The payload ({size} bytes) does not fit a version-{version} QR code at level "
                                 f"{level}: it needs version {needed}. Choose “auto”, version {needed} or more, "
                                 "or a lower error-correction level.") from None
        raise ValueError(f"The payload ({size} bytes) is too long for any QR code at level {level}: version 40 "
                         f"holds at most {CAPACITY_BYTES[level]} bytes at that level ({CAPACITY_BYTES['L']} at L). "
                         "Shorten it or lower the level.") from None
    modules = np.asarray(qr.matrix, dtype=bool)
    notice = "" if version is None or qr.version == int(version) else f"Version {qr.version} was used."
    return Code(render(modules, scale=scale, border=border), payload_text(payload), "QR Code", modules, int(scale),
                int(border), int(qr.version), level, notice)


def render(modules: np.ndarray, *, scale: int, border: int) -> np.ndarray:
    """A module grid (True = dark) as a float32 image: `border` white modules around, `scale` px a module."""
    light = np.pad(~np.asarray(modules, bool), int(border), constant_values=True)
    return np.kron(light, np.ones((int(scale), int(scale)), bool)).astype(np.float32)


# -- EAN-13 -----------------------------------------------------------------------------------------------------

# The standard's digit patterns, 7 modules each (1 = bar). Set A ("L") is odd parity; set C ("R") is its
# complement; set B ("G") is set C reversed. The first digit is not drawn: it picks the A/B mix of the left half.
_SET_A = ("0001101", "0011001", "0010011", "0111101", "0100011", "0110001", "0101111", "0111011", "0110111",
          "0001011")
_SET_C = tuple("".join("1" if b == "0" else "0" for b in p) for p in _SET_A)
_SET_B = tuple(p[::-1] for p in _SET_C)
_PARITY = ("AAAAAA", "AABABB", "AABBAB", "AABBBA", "ABAABB", "ABBAAB", "ABBBAA", "ABABAB", "ABABBA", "ABBABA")
EAN_QUIET = (11, 7)  # the standard's minimum quiet zones, left and right, in modules


def ean13_check_digit(first12: str) -> int:
    """The 13th digit: weights 1, 3, 1, 3, ... over the first 12, then what brings the sum to a multiple of 10."""
    if len(first12) != 12 or not first12.isdigit():
        raise ValueError("The check digit is computed from exactly 12 digits.")
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(first12))
    return (10 - total % 10) % 10


def validate_ean13(text: str) -> tuple[str, str]:
    """The 13 digits of an EAN-13 and a notice: 12 digits get their check digit added (and said so); 13 digits
    must carry the right one. Spaces and hyphens are ignored; anything else is a ValueError."""
    digits = "".join(str(text).split()).replace("-", "")
    if not digits:
        raise ValueError("Type the EAN-13 number: 12 digits (the check digit is added) or 13.")
    bad = sorted({c for c in digits if not c.isascii() or not c.isdigit()})
    if bad:
        raise ValueError(f"An EAN-13 holds the digits 0-9 only; “{text}” contains {', '.join(map(repr, bad))}.")
    if len(digits) == 12:
        check = ean13_check_digit(digits)
        return digits + str(check), f"Check digit {check} added: {digits}{check}."
    if len(digits) != 13:
        raise ValueError(f"An EAN-13 has 13 digits (or 12 without the check digit); “{text}” has {len(digits)}.")
    check = ean13_check_digit(digits[:12])
    if int(digits[12]) != check:
        raise ValueError(f"The check digit of {digits} is wrong: it should be {check} ({digits[:12]}{check}). "
                         "(python-barcode would silently replace it; here you choose.)")
    return digits, ""


def ean13_modules(digits: str) -> np.ndarray:
    """The 95 modules (True = bar) of a valid 13-digit EAN-13: guard, 6 digits, centre guard, 6 digits, guard."""
    parity = _PARITY[int(digits[0])]
    left = "".join((_SET_A if p == "A" else _SET_B)[int(d)] for p, d in zip(parity, digits[1:7]))
    right = "".join(_SET_C[int(d)] for d in digits[7:])
    return np.array([b == "1" for b in "101" + left + "01010" + right + "101"])


def make_ean13(text: str, *, scale: int = 3, height: int = 60, border: int = EAN_QUIET[0],
               digits_below: bool = True) -> Code:
    """An EAN-13 symbol: `scale` px per module, bars `height` px tall, a quiet zone of `border` modules on the
    left (the standard asks for at least 11) and at least 7 on the right, and the digits printed below."""
    import cv2

    digits, notice = validate_ean13(text)
    if not 1 <= int(scale) <= 20 or not 10 <= int(height) <= 600 or not 0 <= int(border) <= 40:
        raise ValueError("The scale is 1 to 20 px per module, the height 10 to 600 px, the border 0 to 40 modules.")
    modules = ean13_modules(digits)
    row = np.concatenate([np.zeros(int(border), bool), modules, np.zeros(max(EAN_QUIET[1], int(border) // 2), bool)])
    bars = np.repeat(~row, int(scale)).astype(np.float32)
    text_h = 12 * int(scale) if digits_below else 0
    image = np.ones((int(height) + text_h + 2 * int(scale), bars.size), np.float32)
    image[int(scale):int(scale) + int(height)] = bars
    if digits_below:
        canvas = (image * 255).astype(np.uint8)
        font_scale = 0.33 * int(scale)
        for i, d in enumerate(digits):  # the first digit sits in the quiet zone, the rest under their 7 modules
            if i == 0:
                start = int(border) - 7
            else:
                start = int(border) + 3 + 7 * (i - 1) + (5 if i > 6 else 0)
            cv2.putText(canvas, d, (max(0, (start + 1) * int(scale)), int(scale) + int(height) + 10 * int(scale)),
                        cv2.FONT_HERSHEY_SIMPLEX, font_scale, 0, max(1, int(scale) // 2), cv2.LINE_AA)
        image = canvas.astype(np.float32) / 255
    return Code(image, digits, "EAN-13", modules, int(scale), int(border), notice=notice)
