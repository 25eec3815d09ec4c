"""Benchmark set-up for registration: warp each image with a known transform (homography, affine or a
smooth deformation), register the warp back onto the image, and score

- `error_px`: the mean corner error in px for homography/affine (where the estimate and the truth send
  the four image corners), the mean displacement-field error in px for deformable;
- `mse`: the mean squared difference between the image and the aligned result.

The "degraded" row scores the identity (doing nothing): its error is the size of the transform.
"""
from __future__ import annotations

import argparse
import math
import numpy as np

from bench.tasks import Degradation, TaskSetup
from core.image import digest
from core.registration.synthetic import KINDS, Truth, make_pair
from core.registry import REGISTER, Output


# The runner scores against the clean (fixed) image; each image's truth is kept here, by content digest,
# when its moving image is made, so the metrics can find it. Only the latest few images are kept.
_TRUTHS: dict[str, Truth] = {}
_KEEP = 4


def _truth_of(fixed: np.ndarray) -> Truth:
    try:
        return _TRUTHS[digest(fixed)]
    except KeyError:
        raise ValueError("No known transform for this image (it was not warped by the register set-up).") from None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("known transform")
    group.add_argument("--transform", choices=KINDS, default="homography",
                       help="homography, affine or deformable (default: homography)")
    group.add_argument("--strength", type=float, default=1.0,
                       help="1 = moderate: 10° rotation, 8 %% zoom, 3 %% shift and a slight tilt; deformable: a "
                            "smooth field peaking at 1.5 %% of the longer side (default: 1)")
    group.add_argument("--seed", type=int, default=0, help="picks the transform's signs and field (default: 0)")


def degradation(args: argparse.Namespace) -> Degradation:
    if not math.isfinite(args.strength) or args.strength < 0:
        raise ValueError(f"--strength must be a finite number ≥ 0, not {args.strength}.")
    settings = {"transform": args.transform, "strength": args.strength, "seed": args.seed}

    def apply(fixed: np.ndarray) -> tuple[tuple, np.ndarray]:
        moving, truth = make_pair(fixed, kind=args.transform, strength=args.strength, seed=args.seed)
        _TRUTHS[digest(fixed)] = truth
        while len(_TRUTHS) > _KEEP:
            del _TRUTHS[next(iter(_TRUTHS))]
        return (fixed, moving), moving

    return Degradation(settings, apply)


def error_px(fixed: np.ndarray, estimate: np.ndarray, *, output: Output | None = None) -> float:
    """Mean corner (or field) error of the method's estimate; the identity's for the degraded row."""
    return _truth_of(fixed).error_px(None if output is None else output.extras)


def mse(fixed: np.ndarray, estimate: np.ndarray) -> float:
    return float(np.mean((np.asarray(fixed, np.float64) - np.asarray(estimate, np.float64)) ** 2))


SETUP = TaskSetup(REGISTER, "warp each image with a known transform, register it back, and measure the error in "
                            "pixels against the truth", add_arguments, degradation,
                  metrics={"error_px": error_px, "mse": mse})
