"""Image setups of the restoration tasks: seeded noise (denoise), a known PSF plus noise (deblur), a generated
or uploaded mask (inpaint). The truth of each case is the clean image."""
from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import numpy as np

from bench.cases import Case, Degradation, ImageSetup, listable
from core.degrade import add_noise, degrade, make_kernel
from core.masks import MASK_KINDS, apply_mask, check_mask, fit_mask, generate_mask, read_mask
from core.registry import DEBLUR, DENOISE, INPAINT

NOISES = ("gaussian", "salt_pepper", "poisson", "speckle")
BLURS = ("gaussian", "motion", "disk")


def _nonnegative(name: str, value: float) -> float:
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite number ≥ 0, not {value}.")
    return value


# -- denoise ------------------------------------------------------------------------------------------------

def _denoise_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("noise")
    group.add_argument("--noise", choices=NOISES, default="gaussian", help="noise model (default: gaussian)")
    group.add_argument("--sigma", type=listable(float), default=25.0,
                       help="gaussian/speckle: standard deviation on the 0-255 scale (default: 25)")
    group.add_argument("--amount", type=listable(float), default=0.05,
                       help="salt_pepper: fraction of pixels replaced (default: 0.05)")
    group.add_argument("--peak", type=listable(float), default=30.0,
                       help="poisson: photons at full white; lower is noisier (default: 30)")
    group.add_argument("--seed", type=listable(int), default=0, help="noise seed (default: 0)")


def _denoise_degradation(args: argparse.Namespace) -> Degradation:
    if args.noise in ("gaussian", "speckle"):
        settings = {"noise": args.noise, "sigma": _nonnegative("--sigma", args.sigma)}
        level = args.sigma / 255.0
    elif args.noise == "salt_pepper":
        if not 0.0 <= args.amount <= 1.0:
            raise ValueError(f"--amount must be between 0 and 1, not {args.amount}.")
        settings, level = {"noise": args.noise, "amount": args.amount}, args.amount
    else:  # poisson
        if not math.isfinite(args.peak) or args.peak <= 0:
            raise ValueError(f"--peak must be a positive number of photons, not {args.peak}.")
        settings, level = {"noise": args.noise, "peak": args.peak}, args.peak
    settings["seed"] = args.seed
    known = args.sigma if args.noise == "gaussian" else None  # σ-aware references (BM3D) get the true σ

    def make(name: str, clean: np.ndarray) -> Case:
        noisy = add_noise(clean, model=args.noise, level=level, seed=args.seed)
        return Case(name, {"image": noisy, "known_sigma": known}, clean, settings)

    return Degradation(settings, make)


# -- deblur -------------------------------------------------------------------------------------------------

def _deblur_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("blur and noise")
    group.add_argument("--blur", choices=BLURS, default="gaussian", help="blur kernel (default: gaussian)")
    group.add_argument("--size", type=listable(float), default=2.0,
                       help="gaussian: sigma in px; motion: length in px; disk: radius in px (default: 2)")
    group.add_argument("--angle", type=listable(float), default=0.0,
                       help="motion: direction in degrees, 0 = horizontal (default: 0)")
    group.add_argument("--sigma", type=listable(float), default=1.0,
                       help="added gaussian noise, standard deviation on the 0-255 scale (default: 1)")
    group.add_argument("--seed", type=listable(int), default=0, help="noise seed (default: 0)")


def _deblur_degradation(args: argparse.Namespace) -> Degradation:
    if not math.isfinite(args.size) or args.size <= 0:
        raise ValueError(f"--size must be a positive number of pixels, not {args.size}.")
    if not math.isfinite(args.angle):
        raise ValueError(f"--angle must be a finite number of degrees, not {args.angle}.")
    _nonnegative("--sigma", args.sigma)
    try:
        psf = make_kernel(args.blur, size=args.size, angle=args.angle)
    except ValueError as exc:  # e.g. a motion blur shorter than one pixel
        raise ValueError(f"--size {args.size:g}: {exc}") from None
    settings = {"blur": args.blur, "size": args.size}
    if args.blur == "motion":
        settings["angle"] = args.angle
    settings.update(sigma=args.sigma, seed=args.seed, boundary="reflect")

    def make(name: str, clean: np.ndarray) -> Case:
        blurred = degrade(clean, kernel=psf, boundary="reflect", noise="gaussian", level=args.sigma / 255.0,
                          seed=args.seed)
        return Case(name, {"image": blurred, "psf": psf.copy(), "known_sigma": args.sigma}, clean, settings)

    return Degradation(settings, make)


# -- inpaint ------------------------------------------------------------------------------------------------

def _inpaint_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("mask (white = missing)")
    source = group.add_mutually_exclusive_group()
    source.add_argument("--mask", choices=MASK_KINDS, default="strokes",
                        help="generated mask: random brush strokes, a text overlay or random pixels "
                             "(default: strokes)")
    source.add_argument("--mask-file", metavar="PATH",
                        help="a black-and-white mask image, white = missing, used for every image; resized "
                             "when only the scale differs from an image; gray pixels are thresholded at 50%%")
    group.add_argument("--ratio", type=listable(float), default=0.1,
                       help="generated masks: the share of missing pixels, between 0 and 1 (default: 0.1)")
    group.add_argument("--seed", type=listable(int), default=0, help="generated masks: the seed (default: 0)")


def _inpaint_degradation(args: argparse.Namespace) -> Degradation:
    if args.mask_file:
        try:
            data = Path(args.mask_file).read_bytes()
        except OSError as exc:
            raise ValueError(f"--mask-file {args.mask_file}: cannot read it ({exc.strerror or exc}).") from None
        try:
            uploaded, info = read_mask(data)
        except ValueError as exc:
            raise ValueError(f"--mask-file {args.mask_file}: {exc}") from None
        if info.get("notice"):
            print(f"python -m bench inpaint: note: --mask-file {args.mask_file}: {info['notice']}", file=sys.stderr)
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

    def make(name: str, clean: np.ndarray) -> Case:
        mask = check_mask(clean, mask_for(clean))
        return Case(name, {"image": apply_mask(clean, mask), "mask": mask}, clean, settings)

    return Degradation(settings, make, check)


DENOISE_SETUP = ImageSetup(DENOISE, "add seeded noise, then compare denoisers", _denoise_arguments,
                           _denoise_degradation, grid=("sigma", "amount", "peak", "seed"))
DEBLUR_SETUP = ImageSetup(DEBLUR, "blur with a known PSF and add noise, then compare deblurring methods (every "
                                  "method receives the true PSF)", _deblur_arguments, _deblur_degradation,
                          grid=("size", "angle", "sigma", "seed"))
INPAINT_SETUP = ImageSetup(INPAINT, "mask pixels (a generated pattern or a mask file), then compare inpainting "
                                    "methods over the whole image and inside the mask",
                           _inpaint_arguments, _inpaint_degradation, grid=("ratio", "seed"))
