"""Image setups of the registration and stitching tasks.

- register: each image is the fixed image; the moving one is a known warp of it (homography, affine, or a smooth
  deformation, `core.registration.synthetic`), and the case's truth is that warp: records carry `error_px` (mean
  corner or field error) and `mse` (fixed against aligned). The "degraded" row is the identity (doing nothing).
- stitch: each image is cut into overlapping views of a camera turning about its centre; the case's truth is the
  image itself, so the panorama's seam error and coverage are measured against it. There is no "degraded" row.
"""
from __future__ import annotations

import argparse
import math

import numpy as np

from bench.cases import Case, Degradation, ImageSetup, listable
from core.panorama import camera_views
from core.registration.synthetic import KINDS, make_pair
from core.registry import REGISTER, STITCH


def _register_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("known transform")
    group.add_argument("--transform", choices=KINDS, default="homography",
                       help="homography, affine or deformable (default: homography)")
    group.add_argument("--strength", type=listable(float), default=1.0,
                       help="1 = moderate: 10° rotation, 8 %% zoom, 3 %% shift and a slight tilt; deformable: a "
                            "smooth field peaking at 1.5 %% of the longer side (default: 1)")
    group.add_argument("--seed", type=listable(int), default=0,
                       help="picks the transform's signs and field (default: 0)")


def _register_degradation(args: argparse.Namespace) -> Degradation:
    if not math.isfinite(args.strength) or args.strength < 0:
        raise ValueError(f"--strength must be a finite number ≥ 0, not {args.strength}.")
    settings = {"transform": args.transform, "strength": args.strength, "seed": args.seed}

    def make(name: str, fixed: np.ndarray) -> Case:
        moving, truth = make_pair(fixed, kind=args.transform, strength=args.strength, seed=args.seed)
        return Case(name, {"fixed": fixed, "moving": moving}, truth, settings)

    return Degradation(settings, make)


def _stitch_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("synthetic views")
    group.add_argument("--views", type=listable(int), default=3, help="number of views, 2-6 (default: 3)")
    group.add_argument("--overlap", type=listable(float), default=0.5,
                       help="overlap of neighbouring views (default: 0.5)")
    group.add_argument("--wobble", type=listable(float), default=1.0,
                       help="random pitch/roll of each view, in degrees (default: 1)")
    group.add_argument("--seed", type=listable(int), default=0, help="picks the wobble (default: 0)")


def _stitch_degradation(args: argparse.Namespace) -> Degradation:
    if not 2 <= args.views <= 6:
        raise ValueError(f"--views must be between 2 and 6, not {args.views}.")
    if not 0.1 <= args.overlap <= 0.8:
        raise ValueError(f"--overlap must be between 0.1 and 0.8, not {args.overlap}.")
    if not 0 <= args.wobble <= 10:
        raise ValueError(f"--wobble must be between 0 and 10 degrees, not {args.wobble}.")
    settings = {"views": args.views, "overlap": args.overlap, "wobble": args.wobble, "seed": args.seed}

    def make(name: str, source: np.ndarray) -> Case:
        views = camera_views(source, count=args.views, overlap=args.overlap, wobble=args.wobble, seed=args.seed)
        return Case(name, {"images": views}, source, settings)

    return Degradation(settings, make)


REGISTER_SETUP = ImageSetup(REGISTER, "warp each image with a known transform, register it back, and measure the "
                                      "error in pixels against the truth", _register_arguments, _register_degradation,
                            grid=("strength", "seed"))
STITCH_SETUP = ImageSetup(STITCH, "cut each image into overlapping views of a turning camera, stitch them, and "
                                  "measure the panorama against the image", _stitch_arguments, _stitch_degradation,
                            grid=("views", "overlap", "wobble", "seed"))
