"""Benchmark set-up for panorama stitching: cut each image into overlapping views seen by a virtual camera
turning about its centre (`core.panorama.camera_views`), stitch them, and score

- `seam_mae`: the mean absolute error (gray levels in [0, 1]) of the panorama against the image, after a smooth
  polynomial alignment that undoes the spherical projection (`core.panorama.seam_error`);
- `coverage`: the fraction of the image the aligned panorama covers.

There is no "degraded" row: the views are not one image that could be scored against the source.
"""
from __future__ import annotations

import argparse

import numpy as np

from bench.tasks import Degradation, TaskSetup
from core.image import digest
from core.panorama import camera_views, seam_error
from core.registry import STITCH


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("synthetic views")
    group.add_argument("--views", type=int, default=3, help="number of views, 2-6 (default: 3)")
    group.add_argument("--overlap", type=float, default=0.5, help="overlap of neighbouring views (default: 0.5)")
    group.add_argument("--wobble", type=float, default=1.0,
                       help="random pitch/roll of each view, in degrees (default: 1)")
    group.add_argument("--seed", type=int, default=0, help="picks the wobble (default: 0)")


def degradation(args: argparse.Namespace) -> Degradation:
    if not 2 <= args.views <= 6:
        raise ValueError(f"--views must be between 2 and 6, not {args.views}.")
    if not 0.1 <= args.overlap <= 0.8:
        raise ValueError(f"--overlap must be between 0.1 and 0.8, not {args.overlap}.")
    if not 0 <= args.wobble <= 10:
        raise ValueError(f"--wobble must be between 0 and 10 degrees, not {args.wobble}.")
    settings = {"views": args.views, "overlap": args.overlap, "wobble": args.wobble, "seed": args.seed}

    def apply(clean: np.ndarray) -> tuple[tuple, None]:
        views = camera_views(clean, count=args.views, overlap=args.overlap, wobble=args.wobble, seed=args.seed)
        return (views,), None

    return Degradation(settings, apply)


_LAST: dict = {}  # the last measurement, so the two metrics align each panorama once


def _measured(source: np.ndarray, panorama: np.ndarray, field: str) -> float:
    key = (digest(source), digest(panorama))
    if key not in _LAST:
        _LAST.clear()
        try:
            _LAST[key] = seam_error(panorama, source)
        except ValueError:  # too few matches to align: unmeasurable, not zero
            _LAST[key] = {}
    return float(_LAST[key].get(field, float("nan")))


def seam_mae(source: np.ndarray, panorama: np.ndarray) -> float:
    return _measured(source, panorama, "mae")


def coverage(source: np.ndarray, panorama: np.ndarray) -> float:
    return _measured(source, panorama, "coverage")


SETUP = TaskSetup(STITCH, "cut each image into overlapping views of a turning camera, stitch them, and measure the "
                          "panorama against the image", add_arguments, degradation,
                  metrics={"seam_mae": seam_mae, "coverage": coverage})
