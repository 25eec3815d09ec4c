"""`python -m bench segment | threshold | cluster | superpixels`: segmentations scored by IoU and Dice against a
reference mask per image (a label map through its best mask: each segment is foreground when most of its pixels
lie inside the reference).

Inputs per image, in image pixel coordinates (before --max-side; they are scaled with the image):
- `--reference MASK ...`: one mask per image, nonzero = foreground (sample:synthetic_objects has its own);
- `--scribbles LABELS ...`: one label image per image, 0 unlabelled, 1 background, 2 foreground (3+ objects);
- `--rect x,y,w,h ...`: GrabCut's rectangle, one for all images or one per image;
- `--seeds "x,y;x,y" ...`: seed points for fast marching / the active contour, one group per image.
With `--auto-inputs` (always on for sample: images with a known mask) what is not given is made from the
reference: a cross inside each object and a ring around them, the bounding box plus 4 %, one seed per object.
The Mahalanobis clustering needs reference patches: with --auto-inputs (always for samples with a known mask) two
are made from the reference (a square deep in the background, one deep inside the largest object).
A method whose input is still missing gets a skip line and an "error" record, not a crash.
"""
from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bench.cases import Case, Degradation, ImageSetup, inputs_digest
from bench.inputs import SAMPLE_PREFIX, load, sources as image_sources
from core.image import decode_image
from core.registry import CLUSTER, SEGMENT, SUPERPIXELS, THRESHOLD
from core.segmentation.synthetic import (SAMPLE_NAME, reference_for_sample, rect_from_mask, scribbles_from_mask,
                                         seeds_from_mask)

MAX_LABEL_PIXELS = 40_000_000  # a label image (scribbles, reference) read at its full size


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("segmentation inputs")
    group.add_argument("--reference", nargs="+", metavar="MASK",
                       help="one reference mask per image (nonzero = foreground); not needed for "
                            f"{SAMPLE_PREFIX}{SAMPLE_NAME.replace(' ', '_')}")
    group.add_argument("--scribbles", nargs="+", metavar="LABELS",
                       help="one scribble label image per image: 0 unlabelled, 1 background, 2 foreground")
    group.add_argument("--rect", nargs="+", metavar="X,Y,W,H",
                       help="GrabCut's rectangle in image pixels: one for all images, or one per image")
    group.add_argument("--seeds", nargs="+", metavar="X,Y;X,Y",
                       help="seed points per image for fast marching and the active contour, e.g. '120,80;300,200'")
    group.add_argument("--auto-inputs", action="store_true",
                       help="make missing scribbles/rectangle/seeds from the reference mask")


def _per_image(values: list[str] | None, count: int, option: str, *, shared: bool = False) -> list:
    if values is None:
        return [None] * count
    if shared and len(values) == 1:
        return values * count
    if len(values) != count:
        one = " (or one for all)" if shared else ""
        raise ValueError(f"{option}: give one per image{one}: {count} image(s) but {len(values)} value(s).")
    return list(values)


def _read_labels(path: str, option: str) -> np.ndarray:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ValueError(f"{option} {path}: cannot read the file ({exc.strerror or exc}).") from None
    if path.endswith(".npy"):
        import io

        try:
            array = np.load(io.BytesIO(data), allow_pickle=False)
        except ValueError as exc:
            raise ValueError(f"{option} {path}: not a valid .npy array ({exc}).") from None
    else:
        from PIL import Image
        import io

        try:
            with Image.open(io.BytesIO(data)) as pil:
                if pil.size[0] * pil.size[1] > MAX_LABEL_PIXELS:
                    raise ValueError(f"{option} {path}: {pil.size[0]}×{pil.size[1]} pixels is more than a label "
                                     f"image may have ({MAX_LABEL_PIXELS // 1_000_000} megapixels).")
                array = np.asarray(pil.convert("L") if pil.mode not in ("L", "I", "I;16", "P") else pil)
        except ValueError:
            raise
        except Exception as exc:  # PIL raises many kinds for a bad file
            raise ValueError(f"{option} {path}: not a readable image ({type(exc).__name__}).") from None
    if array.ndim == 3:
        array = array.max(axis=2)
    if array.ndim != 2:
        raise ValueError(f"{option} {path}: expected a 2-D image, got shape {array.shape}.")
    return array.astype(np.int64)


def _parse_rect(text: str) -> tuple[float, ...]:
    try:
        values = tuple(float(v) for v in text.split(","))
    except ValueError:
        values = ()
    if len(values) != 4:
        raise ValueError(f"--rect {text!r}: expected four numbers x,y,w,h.")
    return values


def _parse_seeds(text: str) -> list[tuple[float, float]]:
    points = []
    for part in filter(None, (p.strip() for p in text.split(";"))):
        try:
            x, y = (float(v) for v in part.split(","))
        except ValueError:
            raise ValueError(f"--seeds {text!r}: each seed is x,y; seeds are separated by ';'.") from None
        points.append((x, y))
    return points


@dataclass(frozen=True)
class ImageInputs:
    reference: np.ndarray | None  # at the source size
    scribbles: np.ndarray | None
    rect: tuple | None
    seeds: list | None
    source_shape: tuple[int, int]


def _resize_nearest(array: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    import cv2

    if array.shape == shape:
        return array
    return cv2.resize(array.astype(np.int32), (shape[1], shape[0]), interpolation=cv2.INTER_NEAREST)


def _case_maker(per_image: dict, auto: bool, settings: dict):
    """(name, clean image) -> Case: the drawn inputs scaled to the working size, missing ones made from the
    reference when `auto` (or for a sample with a known mask)."""
    def make(name: str, clean: np.ndarray) -> Case:
        from core.clustering import patches_from_mask

        given = per_image[name]
        shape = clean.shape[:2]
        sy, sx = shape[0] / given.source_shape[0], shape[1] / given.source_shape[1]
        reference = _resize_nearest(given.reference, shape).astype(bool)
        inputs = {
            "image": clean,
            "scribbles": None if given.scribbles is None else _resize_nearest(given.scribbles, shape),
            "rect": None if given.rect is None else (given.rect[0] * sx, given.rect[1] * sy,
                                                     given.rect[2] * sx, given.rect[3] * sy),
            "seeds": None if given.seeds is None else [(x * sx, y * sy) for x, y in given.seeds],
            "patches": None,
        }
        if auto or name.startswith(SAMPLE_PREFIX):
            for key, make_input in (("scribbles", scribbles_from_mask), ("rect", rect_from_mask),
                                    ("seeds", seeds_from_mask), ("patches", patches_from_mask)):
                if inputs[key] is None:
                    inputs[key] = make_input(reference)
        return Case(name, inputs, reference, dict(settings))

    return make


def degradation(args: argparse.Namespace) -> Degradation:
    found = image_sources(args.images or [], recursive=getattr(args, "recursive", False))
    sources = [source.name for source in found]
    direct = {source.name: source.direct for source in found}
    count = len(sources)
    references = _per_image(args.reference, count, "--reference") if args.reference else [None] * count
    scribbles = _per_image(args.scribbles, count, "--scribbles")
    rects = _per_image(args.rect, count, "--rect", shared=True)
    seeds = _per_image(args.seeds, count, "--seeds")
    per_image = {}
    for source, ref_path, scr_path, rect, seed_text in zip(sources, references, scribbles, rects, seeds):
        if ref_path is not None:
            reference = _read_labels(ref_path, "--reference") != 0
            shape = reference.shape
        else:
            name = source[len(SAMPLE_PREFIX):] if source.startswith(SAMPLE_PREFIX) else None
            try:
                full = load(source, color=False, max_side=0)
            except ValueError:
                if direct[source]:
                    raise
                continue  # unreadable, found in a folder: the image set lists it and skips it
            shape = full.shape[:2]
            reference = reference_for_sample(name, shape) if name else None
            if reference is None:
                raise ValueError(f"{source}: no reference mask; give one per image with --reference "
                                 f"(or use {SAMPLE_PREFIX}{SAMPLE_NAME.replace(' ', '_')}).")
        if ref_path is not None and not source.startswith(SAMPLE_PREFIX):
            try:
                image_shape = _source_shape(source)
            except ValueError:
                if direct[source]:
                    raise
                continue
            if image_shape != shape:
                raise ValueError(f"--reference {ref_path}: {shape[1]}×{shape[0]} does not match the image "
                                 f"{source} ({image_shape[1]}×{image_shape[0]}).")
        labels = None
        if scr_path is not None:
            labels = _read_labels(scr_path, "--scribbles").astype(np.int32)
            if labels.shape != shape:
                raise ValueError(f"--scribbles {scr_path}: {labels.shape[1]}×{labels.shape[0]} does not match "
                                 f"the image {source} ({shape[1]}×{shape[0]}).")
        per_image[source] = ImageInputs(reference, labels, _parse_rect(rect) if rect else None,
                                        _parse_seeds(seed_text) if seed_text else None, shape)
    settings = {"auto_inputs": bool(args.auto_inputs)}
    return Degradation(settings, _case_maker(per_image, bool(args.auto_inputs), settings),
                       given_digest=lambda name: _given_digest(per_image[name]))


def _given_digest(given: ImageInputs) -> str:
    """The reference, scribbles, rectangle and seeds of one image, as one digest."""
    return inputs_digest({"reference": given.reference, "scribbles": given.scribbles,
                          "rect": None if given.rect is None else tuple(given.rect),
                          "seeds": None if given.seeds is None else [tuple(s) for s in given.seeds]})


def _source_shape(source: str) -> tuple[int, int]:
    try:
        image, _ = decode_image(Path(source).read_bytes())
    except (OSError, ValueError) as exc:
        raise ValueError(f"{source}: {exc}") from None
    return image.shape[:2]


def _setup(task, what: str) -> ImageSetup:
    return ImageSetup(task, f"{what}, then score IoU and Dice against a reference mask per image", add_arguments,
                      degradation)


SEGMENT_SETUP = _setup(SEGMENT, "segment with scribbles, a rectangle or seeds")
THRESHOLD_SETUP = _setup(THRESHOLD, "threshold (global and local methods)")
CLUSTER_SETUP = _setup(CLUSTER, "cluster pixels (k-means, mixtures, spectral, mean shift, Mahalanobis)")
SUPERPIXELS_SETUP = _setup(SUPERPIXELS, "superpixels and RAG cuts")
