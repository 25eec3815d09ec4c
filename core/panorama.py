"""Panorama stitching with OpenCV's Stitcher, synthetic overlapping views with a known source,
the seam error of a panorama against that source, and video frames to stitch (book §6.1)."""
from __future__ import annotations

from typing import Callable

import numpy as np

from core.image import fit_size, to_float, to_gray, to_rgb, to_uint8
from core.registry import STITCH, Output, Param, method

MIN_SIDE = 32
MAX_IMAGES = 8
UPSCALE_TO = 256  # shortest side the stitcher's features are found at

# cv2.Stitcher status codes, as sentences a user understands
STATUS_MESSAGES = {
    0: "The images were stitched.",
    1: ("The stitcher could not find enough overlap between the images (status 1, ERR_NEED_MORE_IMGS): "
        "each image must share a good part of its content (about a third) with a neighbour, "
        "and the images must have texture to match."),
    2: ("The stitcher matched the images but could not estimate a consistent geometry between them "
        "(status 2, ERR_HOMOGRAPHY_EST_FAIL): the overlap may be too small, too repetitive, or the "
        "images may not show the same scene."),
    3: ("The stitcher could not refine the camera parameters (status 3, ERR_CAMERA_PARAMS_ADJUST_FAIL): "
        "try the other mode (panorama for a rotating camera, scans for flat documents) or a lower "
        "confidence threshold."),
}


def status_message(status: int) -> str:
    return STATUS_MESSAGES.get(int(status), f"The stitcher failed with an unknown status code {int(status)}.")


# -- inputs -------------------------------------------------------------------------------------

def camera_views(source: np.ndarray, *, count: int = 3, overlap: float = 0.4, focal: float = 1.0,
                 wobble: float = 1.0, seed: int = 0) -> list[np.ndarray]:
    """`count` overlapping views of the flat `source`, left to right, as a camera turning about its centre
    would see it (yaw spread across the image; pitch and roll jittered by up to `wobble` degrees).
    `focal` is the focal length in image widths. The source is the truth a panorama is measured against."""
    import cv2

    if count < 2:
        raise ValueError("Make at least two views to stitch.")
    if not 0.1 <= overlap <= 0.8:
        raise ValueError("The overlap between neighbouring views must be between 10% and 80%.")
    image = to_float(source)
    height, width = image.shape[:2]
    f = focal * width
    view_w = int(width / (count - (count - 1) * overlap))
    source_k = np.array([[f, 0, width / 2], [0, f, height / 2], [0, 0, 1]])
    view_k = np.array([[f, 0, view_w / 2], [0, f, height / 2], [0, 0, 1]])
    step = (width - view_w) / (count - 1)
    rng = np.random.default_rng(seed)
    views = []
    for i in range(count):
        yaw = np.arctan((view_w / 2 + i * step - width / 2) / f)
        pitch, roll = np.deg2rad(rng.uniform(-wobble, wobble, 2))
        rotation = cv2.Rodrigues(np.array([pitch, yaw, roll]))[0]
        view_to_source = source_k @ rotation @ np.linalg.inv(view_k)
        view = cv2.warpPerspective(image, view_to_source, (view_w, height),
                                   flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_REFLECT)
        views.append(np.clip(view, 0, 1).astype(np.float32))
    return views


def prepare_images(images, *, max_side: int = 512) -> tuple[list[np.ndarray], list[str]]:
    """Checks a set of images for stitching and brings them to RGB at a working size.
    Returns the images and notes on what was changed (gray converted, downscaled)."""
    images = list(images)
    if len(images) < 2:
        raise ValueError("Stitching needs at least two images; add another one that overlaps the first.")
    if len(images) > MAX_IMAGES:
        raise ValueError(f"Stitch at most {MAX_IMAGES} images at a time (got {len(images)}).")
    notes, out = [], []
    gray = [np.asarray(im).ndim == 2 for im in images]
    if any(gray) and not all(gray):
        notes.append("The images mix gray and colour: the gray ones were converted to RGB.")
    for i, image in enumerate(images, start=1):
        image = to_rgb(image)
        if min(image.shape[:2]) < MIN_SIDE:
            raise ValueError(f"Image {i} is {image.shape[1]}×{image.shape[0]} pixels; stitching needs at least "
                             f"{MIN_SIDE} pixels on each side.")
        if float(to_gray(image).std()) < 1e-3:
            raise ValueError(f"Image {i} is flat (one colour): it has no features to match.")
        resized, scale = fit_size(image, max_side)
        if scale < 1:
            notes.append(f"Image {i} was downscaled to {resized.shape[1]}×{resized.shape[0]}.")
        out.append(resized)
    areas = [im.shape[0] * im.shape[1] for im in out]
    if max(areas) > 16 * min(areas):
        notes.append("The images differ a lot in size; the stitcher matches best at similar scales.")
    return out, notes


# -- stitching ------------------------------------------------------------------------------------

def trim_black(image: np.ndarray) -> np.ndarray:
    """Crop to the bounding box of the non-black pixels (what the book's ImageMagick trim does)."""
    mask = (image.max(axis=2) if image.ndim == 3 else image) > 0
    if not mask.any():
        return image
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    return image[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]


def inner_crop(image: np.ndarray) -> np.ndarray:
    """The panorama without its black corners: shave off the border row or column with the most black
    pixels until none is left (a greedy approximation of the largest fully covered rectangle)."""
    valid = (image.max(axis=2) if image.ndim == 3 else image) > 0
    top, bottom, left, right = 0, valid.shape[0], 0, valid.shape[1]
    while bottom - top > 2 and right - left > 2:
        window = valid[top:bottom, left:right]
        missing = {"top": (~window[0]).sum(), "bottom": (~window[-1]).sum(),
                   "left": (~window[:, 0]).sum(), "right": (~window[:, -1]).sum()}
        side = max(missing, key=missing.get)
        if missing[side] == 0:
            break
        if side == "top":
            top += 1
        elif side == "bottom":
            bottom -= 1
        elif side == "left":
            left += 1
        else:
            right -= 1
    return image[top:bottom, left:right]


def _stitch(images, *, mode: str, registration_mp: float, confidence: float, wave_correction: bool,
            trim: str, progress: Callable | None = None) -> Output:
    import cv2

    prepared, notes = prepare_images(images, max_side=100_000)
    if progress:
        progress(0.1, f"stitching {len(prepared)} images")
    stitcher = cv2.Stitcher_create(cv2.Stitcher_PANORAMA if mode == "panorama" else cv2.Stitcher_SCANS)
    stitcher.setRegistrationResol(float(registration_mp))
    stitcher.setPanoConfidenceThresh(float(confidence))
    stitcher.setWaveCorrection(bool(wave_correction))
    # OpenCV's feature finder needs room: small images are matched at an enlarged size, and the
    # panorama is brought back to the input scale afterwards.
    factor = float(np.clip(UPSCALE_TO / min(min(im.shape[:2]) for im in prepared), 1.0, 4.0))
    bgr = [cv2.resize(cv2.cvtColor(to_uint8(im), cv2.COLOR_RGB2BGR), None, fx=factor, fy=factor,
                      interpolation=cv2.INTER_CUBIC) if factor > 1 else cv2.cvtColor(to_uint8(im), cv2.COLOR_RGB2BGR)
           for im in prepared]
    try:
        status, pano = stitcher.stitch(bgr)
    except cv2.error as exc:
        raise ValueError("The stitcher failed while estimating the geometry (OpenCV: "
                         f"{str(exc).strip().splitlines()[-1][:120]}). Try the other mode or more overlap.") from None
    if status != cv2.Stitcher_OK or pano is None:
        raise ValueError(status_message(status))
    if factor > 1:
        pano = cv2.resize(pano, (max(1, round(pano.shape[1] / factor)), max(1, round(pano.shape[0] / factor))),
                          interpolation=cv2.INTER_AREA)
    pano = to_float(cv2.cvtColor(pano, cv2.COLOR_BGR2RGB))
    used = len(stitcher.component())
    if used < len(prepared):
        notes.append(f"Only {used} of the {len(prepared)} images made it into the panorama; the others matched "
                     "their neighbours too weakly (lower the confidence threshold to keep them).")
    if trim == "inner":
        pano = inner_crop(trim_black(pano))
    elif trim == "bounding box":
        pano = trim_black(pano)
    if progress:
        progress(1.0, "done")
    return Output(pano, {"status": status_message(0), "images": len(prepared), "used": used,
                         "size": f"{pano.shape[1]}×{pano.shape[0]}", "notes": " ".join(notes)})


_COMMON = [
    Param("registration_mp", "Registration resolution (megapixels)", 0.6, min=0.1, max=1.0, step=0.05,
          help="Images are matched at this size; smaller is faster but finds fewer features."),
    Param("confidence", "Confidence threshold", 1.0, min=0.3, max=1.5, step=0.1,
          help="Images whose match confidence is lower are dropped; lower it when the stitcher gives up."),
    Param("trim", "Crop", "bounding box", choices=("none", "bounding box", "inner"),
          help="bounding box: cut the black margins (the book's trim); inner: also cut the black corners, "
               "keeping only fully covered pixels; none: the stitcher's canvas as is."),
]


@method(task=STITCH, key="stitcher_panorama", label="Stitcher · panorama mode", book="6.1.1",
        params=[*_COMMON, Param("wave_correction", "Wave correction", True,
                                help="Straighten the horizon that a tilted rotating camera bends into a wave.")],
        summary="OpenCV's stitching pipeline for a camera that rotates about its centre.",
        explanation=("Finds ORB features in every image, matches neighbours, estimates each camera's rotation "
                     "and focal length by bundle adjustment, projects the images onto a sphere, finds seams "
                     "along which the images differ least, compensates exposure and blends across the seams "
                     "with multi-band blending."),
        latex=r"x_j \sim K_j R_j R_i^{\top} K_i^{-1} x_i")
def stitch_panorama(images, *, registration_mp=0.6, confidence=1.0, trim="bounding box", wave_correction=True,
                    progress=None):
    return _stitch(images, mode="panorama", registration_mp=registration_mp, confidence=confidence,
                   wave_correction=wave_correction, trim=trim, progress=progress)


@method(task=STITCH, key="stitcher_scans", label="Stitcher · scans mode", book="6.1.1",
        params=_COMMON,
        summary="OpenCV's stitching pipeline for flat scenes (scanned pages, maps) related by affine maps.",
        explanation=("Matches features like the panorama mode but models each image as an affine transform of "
                     "a flat scene, with no spherical projection: right for scans and for views that only "
                     "shift, wrong for a camera that turns a lot."),
        latex=r"x_j = A_{ij} x_i + t_{ij}")
def stitch_scans(images, *, registration_mp=0.6, confidence=1.0, trim="bounding box", progress=None):
    return _stitch(images, mode="scans", registration_mp=registration_mp, confidence=confidence,
                   wave_correction=False, trim=trim, progress=progress)


# -- measuring a panorama against its source ------------------------------------------------------

def _poly_terms(x: np.ndarray, y: np.ndarray, degree: int) -> np.ndarray:
    return np.stack([x ** i * y ** j for i in range(degree + 1) for j in range(degree + 1 - i)], axis=1)


def seam_error(panorama: np.ndarray, source: np.ndarray, *, degree: int = 3) -> dict:
    """Align the panorama to the source, then measure what is left: seams, ghosts, blending, resampling.

    The panorama is a spherical projection of the flat source, so no homography maps one onto the other;
    a smooth cubic polynomial warp fitted to SIFT matches (outliers dropped by RANSAC, then by their
    residual) absorbs that bending but not a local step at a seam. Returns the mean absolute error
    (gray levels in [0, 1]) and PSNR where the panorama covers the source, the coverage, the fit's
    median residual in pixels and the error map."""
    import cv2

    sift = cv2.SIFT_create()
    k1, d1 = sift.detectAndCompute(to_uint8(to_gray(panorama)), None)
    k2, d2 = sift.detectAndCompute(to_uint8(to_gray(source)), None)
    if d1 is None or d2 is None or len(k1) < 10 or len(k2) < 10:
        raise ValueError("Too few features to align the panorama with the source.")
    pairs = cv2.BFMatcher().knnMatch(d1, d2, k=2)
    good = [p[0] for p in pairs if len(p) == 2 and p[0].distance < 0.75 * p[1].distance]
    terms = (degree + 1) * (degree + 2) // 2
    if len(good) < 2 * terms:
        raise ValueError(f"Only {len(good)} matches between the panorama and the source: too few to align them.")
    pano_pts = np.float64([k1[m.queryIdx].pt for m in good])
    src_pts = np.float64([k2[m.trainIdx].pt for m in good])
    _, inliers = cv2.findHomography(src_pts.astype(np.float32), pano_pts.astype(np.float32), cv2.RANSAC, 10.0)
    keep = inliers.ravel() > 0 if inliers is not None else np.ones(len(good), bool)
    height, width = source.shape[:2]
    scale = float(max(height, width))
    design = _poly_terms(src_pts[:, 0] / scale, src_pts[:, 1] / scale, degree)
    for _ in range(3):
        if keep.sum() < terms:
            raise ValueError("Too few consistent matches to align the panorama with the source.")
        cx = np.linalg.lstsq(design[keep], pano_pts[keep, 0], rcond=None)[0]
        cy = np.linalg.lstsq(design[keep], pano_pts[keep, 1], rcond=None)[0]
        residual = np.hypot(design @ cx - pano_pts[:, 0], design @ cy - pano_pts[:, 1])
        keep = residual < max(1.5, 3 * float(np.median(residual[keep])))
    yy, xx = np.mgrid[0:height, 0:width]
    grid = _poly_terms(xx.ravel() / scale, yy.ravel() / scale, degree)
    map_x = (grid @ cx).reshape(height, width).astype(np.float32)
    map_y = (grid @ cy).reshape(height, width).astype(np.float32)
    warped = cv2.remap(to_rgb(panorama), map_x, map_y, cv2.INTER_LINEAR, borderValue=0)
    covered = cv2.remap(np.full(panorama.shape[:2], 255, np.uint8), map_x, map_y, cv2.INTER_NEAREST,
                        borderValue=0)
    valid = (cv2.erode(covered, np.ones((5, 5), np.uint8)) > 0) & (warped.max(axis=2) > 0)
    error = np.abs(warped - to_rgb(source)).mean(axis=2)
    error[~valid] = 0
    if not valid.any():
        raise ValueError("The aligned panorama does not cover the source.")
    mse = float((error[valid] ** 2).mean())
    return {"mae": float(error[valid].mean()), "psnr": float(10 * np.log10(1.0 / mse)) if mse > 0 else float("inf"),
            "coverage": float(valid.mean()), "residual_px": float(np.median(residual[keep])),
            "matches": int(keep.sum()), "error_map": error.astype(np.float32)}


def resampling_floor(source: np.ndarray) -> float:
    """The mean absolute error of the source against itself shifted by half a pixel: the error that
    interpolation alone causes, a floor for any stitched result."""
    import cv2

    image = to_rgb(source)
    shifted = cv2.warpAffine(image, np.float32([[1, 0, 0.5], [0, 1, 0.5]]), image.shape[1::-1])
    return float(np.abs(shifted - image)[4:-4, 4:-4].mean())


# -- video (decoding and H.264 encoding: core.video_bg.read_video / encode_mp4) -------------------

def panning_video(source: np.ndarray, *, frames: int = 40, view_fraction: float = 0.45) -> np.ndarray:
    """A camera panning left to right across `source`: (T, H, w, 3) float32 frames."""
    image = to_rgb(source)
    height, width = image.shape[:2]
    view_w = max(MIN_SIDE, int(width * view_fraction)) // 2 * 2
    starts = np.linspace(0, width - view_w, frames).round().astype(int)
    return np.stack([image[: height // 2 * 2, x:x + view_w] for x in starts]).astype(np.float32)


def sample_frames(frames: np.ndarray, count: int) -> list[np.ndarray]:
    """`count` frames spread evenly from the first to the last."""
    if count < 2:
        raise ValueError("Sample at least two frames to stitch.")
    if len(frames) < count:
        raise ValueError(f"The video has {len(frames)} frames; it needs at least {count}.")
    picks = np.linspace(0, len(frames) - 1, count).round().astype(int)
    return [frames[i].copy() for i in picks]
