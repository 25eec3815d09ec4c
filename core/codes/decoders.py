"""Decoders of barcodes and QR codes side by side (book §8.5.2, which uses pyzbar; that needs the system library
libzbar0, so the readers here are the ones that ship in wheels): zxing-cpp, OpenCV's QR detector (classic and
ArUco-based), OpenCV's 1-D barcode detector and WeChat's QR reader from opencv-contrib.

Every method takes an image (gray or RGB, float in [0, 1]) and returns it outlined with what it decoded, with
`extras["codes"]`: one dict per code {text, symbology, polygon, hex, notice}. A payload that is not UTF-8 (byte
mode with another charset) is shown as Latin-1, the QR standard's default charset, with a notice and its bytes in
hex; it never raises. An image with no code gives an empty list and a notice, not an error.
"""
from __future__ import annotations

import hashlib
import time
from functools import lru_cache
from pathlib import Path

import numpy as np

from core.image import to_gray, to_rgb, to_uint8
from core.registry import DECODE_CODES, Output, Param, method

# names as readers print them -> one spelling
SYMBOLOGIES = {"QRCODE": "QR Code", "MICROQRCODE": "Micro QR", "RMQRCODE": "rMQR", "EAN13": "EAN-13",
               "EAN8": "EAN-8", "UPCA": "UPC-A", "UPCE": "UPC-E", "CODE128": "Code 128", "CODE39": "Code 39",
               "CODE93": "Code 93", "DATAMATRIX": "Data Matrix", "AZTEC": "Aztec", "PDF417": "PDF417",
               "ITF": "ITF", "CODABAR": "Codabar"}
COLOURS = ((0.0, 0.8, 0.2), (1.0, 0.3, 0.0), (0.1, 0.4, 1.0), (0.9, 0.0, 0.8), (0.9, 0.75, 0.0), (0.0, 0.8, 0.8))
NOT_FOUND = "No code found."


def symbology_name(raw: str) -> str:
    key = "".join(c for c in str(raw).split(".")[-1].upper() if c.isalnum())
    return SYMBOLOGIES.get(key, str(raw).split(".")[-1])


def text_of(raw: bytes) -> tuple[str, str]:
    """A payload's text and a notice: UTF-8 when it is valid UTF-8, else Latin-1 (said so)."""
    try:
        return raw.decode("utf-8"), ""
    except UnicodeDecodeError:
        return raw.decode("latin-1"), "The payload is not UTF-8 text: shown as Latin-1 (the QR default charset)."


def found(text: str, symbology: str, polygon, raw: bytes | None = None, notice: str = "") -> dict:
    raw = text.encode("utf-8") if raw is None else raw
    points = np.asarray(polygon, np.float32).reshape(-1, 2)[:4]
    return {"text": text, "symbology": symbology_name(symbology), "polygon": points.round(1).tolist(),
            "hex": raw.hex(" ") if len(raw) <= 256 else raw[:256].hex(" ") + " …", "notice": notice}


def gray_u8(image: np.ndarray) -> np.ndarray:
    """The image as contiguous uint8 gray, what every reader here looks at."""
    image = np.asarray(image)
    if image.ndim == 3 and image.shape[2] == 4:
        image = to_rgb(image)
    return np.ascontiguousarray(to_uint8(to_gray(image) if image.ndim == 3 else image))


def annotate(image: np.ndarray, codes: list[dict], undecoded: list | None = None) -> np.ndarray:
    """The image in RGB with each code's polygon and its number (the row of the results table); codes found
    but not decoded dashed in grey."""
    import cv2

    canvas = to_uint8(to_rgb(np.asarray(image, np.float32))).copy()
    height, width = canvas.shape[:2]
    thick = max(1, round(min(height, width) / 200))
    for index, code in enumerate(codes):
        colour = tuple(int(255 * c) for c in COLOURS[index % len(COLOURS)])
        points = np.round(np.asarray(code["polygon"], np.float32)).astype(np.int32)
        if len(points) < 2:
            continue
        cv2.polylines(canvas, [points.reshape(-1, 1, 2)], True, colour, thick + 1, cv2.LINE_AA)
        cv2.circle(canvas, tuple(int(v) for v in points[0]), thick + 2, colour, -1, cv2.LINE_AA)  # the first corner
        x, y = int(points[:, 0].min()), int(points[:, 1].min())
        cv2.putText(canvas, str(index + 1), (max(0, x), max(12, y - 4)), cv2.FONT_HERSHEY_SIMPLEX,
                    0.4 + 0.2 * thick, colour, thick + 1, cv2.LINE_AA)
    for polygon in undecoded or ():
        points = np.round(np.asarray(polygon, np.float32)).astype(np.int32).reshape(-1, 1, 2)
        cv2.polylines(canvas, [points], True, (150, 150, 150), thick, cv2.LINE_4)
    return canvas.astype(np.float32) / 255


def _output(image, codes, seconds, *, undecoded=(), notices=()) -> Output:
    notes = list(notices) + ([] if codes else [NOT_FOUND])
    undecoded = [np.asarray(p, np.float32).reshape(-1, 2).round(1).tolist() for p in undecoded]
    if undecoded:
        notes.append(f"{len(undecoded)} found but not decoded (grey outline).")
    return Output(annotate(image, codes, undecoded), {"codes": codes, "count": len(codes), "undecoded": undecoded,
                                                      "decoder seconds": seconds, "notices": notes})


# -- zxing-cpp ------------------------------------------------------------------------------------------------

ZXING_FORMATS = {"all": "All", "QR only": "QRCode", "matrix (QR, Data Matrix, Aztec, ...)": "AllMatrix",
                 "linear (EAN, UPC, Code 128, ...)": "AllLinear", "EAN/UPC only": "EANUPC"}
ZXING_BINARIZERS = {"local average": "LocalAverage", "global histogram": "GlobalHistogram",
                    "fixed threshold": "FixedThreshold"}


@method(task=DECODE_CODES, key="zxing", label="zxing-cpp", book="8.5.2", reference=True,
        params=[Param("formats", "Formats", "all", choices=tuple(ZXING_FORMATS)),
                Param("try_rotate", "Try 90° turns", True, help="Also look for codes turned by 90° and 270°."),
                Param("try_downscale", "Try downscaled copies", True,
                      help="Also scan smaller copies of the image (helps with large, blurred codes)."),
                Param("try_invert", "Try inverted", True, help="Also look for light-on-dark codes."),
                Param("binarizer", "Binarizer", "local average", choices=tuple(ZXING_BINARIZERS),
                      help="How the image is turned into black and white before the modules are read.")],
        summary="The C++ port of ZXing: QR, Micro QR, Data Matrix, Aztec, PDF417 and every common 1-D code, "
                "several per image.",
        explanation=("A binarizer turns the image black and white (a local mean threshold by default); detectors "
                     "per format then look for their landmarks: the three finder squares of a QR code, the guard "
                     "bars of an EAN. The grid of modules is sampled through a perspective transform fitted to "
                     "them and the codewords are error-corrected (Reed–Solomon for QR). It replaces the book's "
                     "pyzbar, which needs a system library."),
        latex=r"\text{module}(u,v) = I\big(H\,[u\;v\;1]^\top\big) \lessgtr t_{\text{local}}")
def zxing(image, *, formats="all", try_rotate=True, try_downscale=True, try_invert=True, binarizer="local average"):
    import zxingcpp

    gray = gray_u8(image)
    start = time.perf_counter()
    results = zxingcpp.read_barcodes(gray, formats=getattr(zxingcpp.BarcodeFormat, ZXING_FORMATS[formats]),
                                     try_rotate=try_rotate, try_downscale=try_downscale, try_invert=try_invert,
                                     binarizer=getattr(zxingcpp.Binarizer, ZXING_BINARIZERS[binarizer]))
    seconds = time.perf_counter() - start
    codes = []
    for result in results:
        raw = bytes(result.bytes)
        text, notice = text_of(raw)
        position = result.position
        polygon = [(p.x, p.y) for p in (position.top_left, position.top_right, position.bottom_right,
                                        position.bottom_left)]
        codes.append(found(text, result.format.name if hasattr(result.format, "name") else str(result.format),
                           polygon, raw, notice))
    return _output(image, codes, seconds)


# -- OpenCV QR ------------------------------------------------------------------------------------------------

def _opencv_qr(detector, image, multi: bool) -> Output:
    gray = gray_u8(image)
    start = time.perf_counter()
    if multi:
        ok, payloads, points, _ = detector.detectAndDecodeBytesMulti(gray)
        payloads = list(payloads) if ok else []
        points = [] if points is None or not ok else list(np.asarray(points).reshape(-1, 4, 2))
    else:
        payload, points, _ = detector.detectAndDecodeBytes(gray)
        payloads = [payload] if points is not None else []
        points = [] if points is None else [np.asarray(points).reshape(4, 2)]
    seconds = time.perf_counter() - start
    codes, undecoded = [], []
    for payload, polygon in zip(payloads, points):
        if payload:
            text, notice = text_of(bytes(payload))
            codes.append(found(text, "QRCODE", polygon, bytes(payload), notice))
        else:
            undecoded.append(polygon)
    return _output(image, codes, seconds, undecoded=undecoded)


_MULTI = Param("multi", "Several codes per image", True,
               help="detectAndDecodeMulti: every QR code in the image; off: the first one only (a little faster).")


@method(task=DECODE_CODES, key="opencv_qr", label="OpenCV QRCodeDetector", book="8.5.2",
        params=[_MULTI, Param("alignment", "Use alignment markers", True,
                              help="Refine the grid with the small alignment squares of versions 2 and up.")],
        summary="OpenCV's classic QR reader: finder squares from run-length ratios 1:1:3:1:1, then a "
                "perspective-corrected grid.",
        explanation=("Rows and columns are scanned for the 1:1:3:1:1 dark/light run pattern that crosses a "
                     "finder square; three such squares give the code's corners, refined on its contour and, from "
                     "version 2, with the alignment markers. The code is rectified with a homography, sampled "
                     "module by module and decoded (bytes through `detectAndDecodeBytes`, so a non-UTF-8 payload "
                     "is not lost). Measured here: it is sensitive to exact placement, and misses some undamaged "
                     "synthetic codes that a sub-pixel shift makes readable."),
        latex=r"\text{finder: runs } \approx 1:1:3:1:1")
def opencv_qr(image, *, multi=True, alignment=True):
    import cv2

    detector = cv2.QRCodeDetector()
    detector.setUseAlignmentMarkers(bool(alignment))
    return _opencv_qr(detector, image, multi)


@method(task=DECODE_CODES, key="opencv_qr_aruco", label="OpenCV QRCodeDetectorAruco", book="8.5.2",
        params=[_MULTI, Param("min_module", "Smallest module in the pyramid (px)", 4.0, min=1.0, max=16.0,
                              step=0.5, help="minModuleSizeInPyramid: the image pyramid stops when a module would "
                              "be smaller than this."),
                Param("max_rotation", "Largest finder rotation (rad)", 0.26, min=0.05, max=1.0, step=0.01,
                      help="maxRotation: how far the finder squares of one code may be turned from each other "
                           "(OpenCV's default is π/12).")],
        summary="OpenCV's second QR reader: finder squares found as ArUco-style square markers, more robust to "
                "perspective and several codes.",
        explanation=("The finder squares are detected like ArUco markers (adaptive thresholding, square contours, "
                     "checked by their inner pattern) on an image pyramid, grouped in threes into codes, then "
                     "rectified and decoded like the classic detector."),
        latex=r"\text{3 square markers} \to H \to \text{grid}")
def opencv_qr_aruco(image, *, multi=True, min_module=4.0, max_rotation=0.26):
    import cv2

    params = cv2.QRCodeDetectorAruco_Params()
    params.minModuleSizeInPyramid = float(min_module)
    params.maxRotation = float(max_rotation)
    return _opencv_qr(cv2.QRCodeDetectorAruco(params), image, multi)


# -- OpenCV 1-D barcodes --------------------------------------------------------------------------------------

@method(task=DECODE_CODES, key="opencv_barcode", label="OpenCV BarcodeDetector (1-D)", book="8.5.2",
        params=[Param("downsampling", "Downsampling threshold (px)", 512, min=64, max=2048, step=64,
                      help="Images larger than this are shrunk before the bars are searched."),
                Param("gradient", "Gradient threshold", 64, min=8, max=255,
                      help="How strong an edge must be to count as a bar edge.")],
        summary="OpenCV's 1-D reader (EAN-8/13, UPC-A/E, Code 128, Code 39...): regions of parallel gradients, "
                "then scan lines across them. No QR codes.",
        explanation=("Gradient orientation is measured in blocks at several scales; blocks whose gradients agree "
                     "in direction are grouped into candidate bar regions, each a rotated rectangle. Scan lines "
                     "across a region are read as bar widths and matched to the symbology's digit tables "
                     "(`detectAndDecodeWithType` returns the symbology too). Measured here: it often misses "
                     "perfectly sharp synthetic bars and reads them once slightly blurred or noisy, as a camera "
                     "gives them."),
        latex=r"\text{coherence} = \frac{|\sum \nabla I\,e^{2i\theta}|}{\sum |\nabla I|}")
def opencv_barcode(image, *, downsampling=512, gradient=64):
    import cv2

    detector = cv2.barcode.BarcodeDetector()
    detector.setDownsamplingThreshold(float(downsampling))
    detector.setGradientThreshold(float(gradient))
    gray = gray_u8(image)
    start = time.perf_counter()
    ok, texts, kinds, points = detector.detectAndDecodeWithType(gray)
    seconds = time.perf_counter() - start
    codes, undecoded = [], []
    if ok or points is not None:
        points = [] if points is None else list(np.asarray(points).reshape(-1, 4, 2))
        for text, kind, polygon in zip(texts or [""] * len(points), kinds or [""] * len(points), points):
            if text:
                codes.append(found(text, kind, _clockwise(polygon)))
            else:
                undecoded.append(polygon)
    return _output(image, codes, seconds, undecoded=undecoded)


def _clockwise(polygon) -> np.ndarray:
    """OpenCV's barcode corners start bottom-left; reorder them from the top-left, clockwise on screen."""
    points = np.asarray(polygon, np.float32).reshape(4, 2)
    first = int(np.argmin(points.sum(axis=1)))
    ordered = np.roll(points, -first, axis=0)
    if np.cross(ordered[1] - ordered[0], ordered[2] - ordered[0]) < 0:  # counter-clockwise on screen
        ordered = ordered[[0, 3, 2, 1]]
    return ordered


# -- WeChat ---------------------------------------------------------------------------------------------------

WECHAT_COMMIT = "a8b69ccc738421293254aec5ddb38bd523503252"  # the revision opencv_contrib's build downloads
WECHAT_FILES = {  # name: md5 (from opencv_contrib's modules/wechat_qrcode/CMakeLists.txt)
    "detect.prototxt": "6fb4976b32695f9f5c6305c19f12537d", "detect.caffemodel": "238e2b2d6f3c18d6c3a30de0c31e23cf",
    "sr.prototxt": "69db99927a70df953b471daaba03fbef", "sr.caffemodel": "cbfcd60361a73beb8c583eea7e8e6664"}
WECHAT_URL = "https://raw.githubusercontent.com/WeChatCV/opencv_3rdparty/{commit}/{name}"
WECHAT_DETECTORS = ("traditional (no model files)", "CNN (downloaded model files)")


def wechat_folder() -> Path:
    from core.downloads import cache_dir

    return cache_dir("wechat_qrcode")


def _md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes(), usedforsecurity=False).hexdigest()


def wechat_models(folder: Path | None = None) -> dict[str, Path] | None:
    """The four CNN model files when all are in `folder` (default: the cache) with the right checksums, else None."""
    folder = wechat_folder() if folder is None else Path(folder)
    paths = {name: folder / name for name in WECHAT_FILES}
    if all(p.is_file() and _md5(p) == WECHAT_FILES[name] for name, p in paths.items()):
        return paths
    return None


def download_wechat_models(progress=None, folder: Path | None = None) -> dict[str, Path]:
    """Fetch WeChat's detector and super-resolution CNNs (about 1 MB in all) into the cache; DownloadUnavailable
    (a ValueError with a sentence for the user) when offline or a file is not the published one."""
    from core.downloads import DownloadUnavailable, fetch

    folder = wechat_folder() if folder is None else Path(folder)
    names = list(WECHAT_FILES)
    for index, name in enumerate(names):
        step = (lambda f, t, i=index: progress((i + f) / len(names), f"{name}: {t}")) if progress else None
        path = fetch(WECHAT_URL.format(commit=WECHAT_COMMIT, name=name), folder / name, progress=step)
        if _md5(Path(path)) != WECHAT_FILES[name]:
            Path(path).unlink(missing_ok=True)
            raise DownloadUnavailable(f"The downloaded {name} is not the file WeChat published (checksum differs); "
                                      "it was deleted. Try again later.")
    return {name: folder / name for name in names}


@lru_cache(maxsize=2)
def _wechat(paths: tuple[str, ...] | None):
    import cv2

    return cv2.wechat_qrcode.WeChatQRCode(*paths) if paths else cv2.wechat_qrcode.WeChatQRCode()


@method(task=DECODE_CODES, key="wechat", label="WeChat QR (opencv-contrib)", book="8.5.2",
        params=[Param("detector", "Detector", WECHAT_DETECTORS[0], choices=WECHAT_DETECTORS,
                      help="Without its model files WeChat uses a traditional finder-pattern detector and no "
                           "super-resolution. The CNN files (about 1 MB) are not in any wheel: download them on "
                           "this page when online."),
                Param("scale_factor", "Pre-scale (-1 = automatic)", -1.0, min=-1.0, max=4.0, step=0.25,
                      help="Scale applied to the image before detection; -1 lets WeChat choose.")],
        summary="WeChat's QR reader (ZXing-derived), with an optional CNN detector and a super-resolution CNN "
                "for small codes; several codes per image.",
        explanation=("With its model files, an SSD-style CNN proposes code boxes and a small super-resolution "
                     "network enlarges small ones before ZXing-style decoding. **Without them (the default "
                     "here, since no wheel ships them) it falls back to its traditional detector**: binarization "
                     "and finder-pattern search, like the others. Its Python binding cannot return a payload that "
                     "is not UTF-8: the bytes are then recovered from the error, without the corners."),
        latex=r"\text{CNN boxes} \to \text{SR}\ (\times 2) \to \text{ZXing decode}")
def wechat(image, *, detector=WECHAT_DETECTORS[0], scale_factor=-1.0):
    notices = []
    paths = None
    if detector == WECHAT_DETECTORS[1]:
        models = wechat_models()
        if models is None:
            raise ValueError("WeChat's CNN detector needs its four model files, which are not in the cache "
                             f"({wechat_folder()}). Download them on this page (needs internet) or choose the "
                             "traditional detector.")
        paths = tuple(str(models[n]) for n in ("detect.prototxt", "detect.caffemodel", "sr.prototxt",
                                                "sr.caffemodel"))
    reader = _wechat(paths)
    reader.setScaleFactor(float(scale_factor))
    gray = gray_u8(image)
    start = time.perf_counter()
    codes = []
    try:
        texts, points = reader.detectAndDecode(gray)
        codes = [found(text, "QRCODE", polygon) for text, polygon in zip(texts, points)]
    except UnicodeDecodeError as exc:  # the binding turns the payload into str and fails on non-UTF-8 bytes
        raw = bytes(exc.object)
        text, notice = text_of(raw)
        codes = [found(text, "QRCODE", np.zeros((0, 2), np.float32), raw,
                       notice + " WeChat's binding failed on it: no corners, and other codes in the image are "
                       "lost on this call.")]
    seconds = time.perf_counter() - start
    if paths is None:
        notices.append("Traditional detector (no CNN model files).")
    return _output(image, codes, seconds, notices=notices)
