"""Benchmark set-up for inpainting: mask each image (a generated pattern or a mask file), score
every method over the whole image (`psnr`, `ssim`) and inside the mask alone (`psnr_mask`, `ssim_mask`).

The "degraded" row scores the masked input (missing pixels white), as the page shows it.
"""
from __future__ import annotations

import argparse
import math
from pathlib import Path

import numpy as np

from bench.tasks import Degradation, TaskSetup
from core import metrics
from core.masks import MASK_KINDS, apply_mask, check_mask, fit_mask, generate_mask, load_mask
from core.registry import INPAINT


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("mask (white = missing)")
    source = group.add_mutually_exclusive_group()
    source.add_argument("--mask", choices=MASK_KINDS, default="strokes",
                        help="generated mask: random brush strokes, a text overlay or random pixels "
                             "(default: strokes)")
    source.add_argument("--mask-file", metavar="PATH",
                        help="a black-and-white mask image, white = missing, used for every image; resized "
                             "when only the scale differs from an image")
    group.add_argument("--ratio", type=float, default=0.1,
                       help="generated masks: the share of missing pixels, between 0 and 1 (default: 0.1)")
    group.add_argument("--seed", type=int, default=0, help="generated masks: the seed (default: 0)")


def degradation(args: argparse.Namespace) -> Degradation:
    if args.mask_file:
        try:
            data = Path(args.mask_file).read_bytes()
        except OSError as exc:
            raise ValueError(f"--mask-file {args.mask_file}: cannot read it ({exc.strerror or exc}).") from None
        try:
            uploaded = load_mask(data)
        except ValueError as exc:
            raise ValueError(f"--mask-file {args.mask_file}: {exc}") from None
        settings = {"mask_file": args.mask_file, "mask_size": f"{uploaded.shape[1]}x{uploaded.shape[0]}"}

        def mask_for(image: np.ndarray) -> np.ndarray:
            return fit_mask(uploaded, image.shape)
    else:
        if not math.isfinite(args.ratio) or not 0.0 < args.ratio < 1.0:
            raise ValueError(f"--ratio must be between 0 and 1 (both excluded), not {args.ratio}.")
        settings = {"mask": args.mask, "ratio": args.ratio, "seed": args.seed}

        def mask_for(image: np.ndarray) -> np.ndarray:
            return generate_mask(args.mask, image.shape, ratio=args.ratio, seed=args.seed)

    def check(name: str, image: np.ndarray) -> None:
        try:
            check_mask(image, mask_for(image))
        except ValueError as exc:
            raise ValueError(f"{name}: {exc}") from None

    def apply(clean: np.ndarray) -> tuple[tuple, np.ndarray]:
        mask = check_mask(clean, mask_for(clean))
        damaged = apply_mask(clean, mask)
        return (damaged, mask), damaged

    return Degradation(settings, apply, check)


def _psnr_mask(reference: np.ndarray, estimate: np.ndarray, *, inputs: tuple) -> float:
    return metrics.masked_psnr(reference, estimate, inputs[1])


def _ssim_mask(reference: np.ndarray, estimate: np.ndarray, *, inputs: tuple) -> float:
    return metrics.masked_ssim(reference, estimate, inputs[1])


SETUP = TaskSetup(INPAINT, "mask pixels (a generated pattern or a mask file), then compare inpainting methods "
                           "over the whole image and inside the mask",
                  add_arguments, degradation,
                  {"psnr": metrics.psnr, "ssim": metrics.ssim, "psnr_mask": _psnr_mask, "ssim_mask": _ssim_mask})
