"""Per-task benchmark setup: the task's own command-line options and how a clean image becomes
the inputs its methods receive.

Adding a task (inpaint, segment, register, ...) means one `TaskSetup` in `SETUPS`: a function
that adds its options, and a function that reads them into a `Degradation` (validated settings
plus how to build one image's inputs). The CLI and the runner need no other change.
"""
from __future__ import annotations

import argparse
import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from core import metrics
from core.degrade import add_noise, degrade, make_kernel
from core.registry import DEBLUR, DENOISE, Method, Task

NOISES = ("gaussian", "salt_pepper", "poisson", "speckle")
BLURS = ("gaussian", "motion", "disk")


@dataclass(frozen=True)
class Case:
    """One image, ready to run: what every method receives, and what it is judged against."""

    image: str
    reference: np.ndarray  # the clean image the metrics compare with
    inputs: tuple  # positional inputs of Method.run, in the task's order
    degraded: np.ndarray | None  # the degraded input, scored as the "degraded" row (None: no such row)
    settings: dict  # the degradation's settings, recorded as the "degraded" row's params
    # per-method inputs (methods with different Method.needs); raises ValueError when one is missing
    prepare: Callable[[Method], tuple] | None = None

    def inputs_for(self, method: Method) -> tuple:
        return self.inputs if self.prepare is None else self.prepare(method)


@dataclass(frozen=True)
class Degradation:
    settings: dict
    apply: Callable[[np.ndarray], tuple[tuple, np.ndarray | None]]  # clean -> (inputs, degraded)
    # optional check of each loaded image before anything runs (name, image); raises ValueError
    check: Callable[[str, np.ndarray], None] | None = None

    def case(self, name: str, clean: np.ndarray) -> Case:
        inputs, degraded = self.apply(clean)
        return Case(name, clean, inputs, degraded, self.settings)


@dataclass(frozen=True)
class TaskSetup:
    task: Task
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    degradation: Callable[[argparse.Namespace], Degradation]  # raises ValueError on bad settings
    metrics: dict[str, Callable[[np.ndarray, np.ndarray], float]] = field(
        default_factory=lambda: {"psnr": metrics.psnr, "ssim": metrics.ssim})


def _nonnegative(name: str, value: float) -> float:
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite number ≥ 0, not {value}.")
    return value


# -- denoise -----------------------------------------------------------------------------------

def _denoise_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("noise")
    group.add_argument("--noise", choices=NOISES, default="gaussian", help="noise model (default: gaussian)")
    group.add_argument("--sigma", type=float, default=25.0,
                       help="gaussian/speckle: standard deviation on the 0-255 scale (default: 25)")
    group.add_argument("--amount", type=float, default=0.05,
                       help="salt_pepper: fraction of pixels replaced (default: 0.05)")
    group.add_argument("--peak", type=float, default=30.0,
                       help="poisson: photons at full white; lower is noisier (default: 30)")
    group.add_argument("--seed", type=int, default=0, help="noise seed (default: 0)")


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

    def apply(clean: np.ndarray) -> tuple[tuple, np.ndarray]:
        noisy = add_noise(clean, model=args.noise, level=level, seed=args.seed)
        return (noisy,), noisy

    return Degradation(settings, apply)


# -- deblur ------------------------------------------------------------------------------------

def _deblur_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("blur and noise")
    group.add_argument("--blur", choices=BLURS, default="gaussian", help="blur kernel (default: gaussian)")
    group.add_argument("--size", type=float, default=2.0,
                       help="gaussian: sigma in px; motion: length in px; disk: radius in px (default: 2)")
    group.add_argument("--angle", type=float, default=0.0,
                       help="motion: direction in degrees, 0 = horizontal (default: 0)")
    group.add_argument("--sigma", type=float, default=1.0,
                       help="added gaussian noise, standard deviation on the 0-255 scale (default: 1)")
    group.add_argument("--seed", type=int, default=0, help="noise seed (default: 0)")


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

    def apply(clean: np.ndarray) -> tuple[tuple, np.ndarray]:
        blurred = degrade(clean, kernel=psf, boundary="reflect", noise="gaussian",
                          level=args.sigma / 255.0, seed=args.seed)
        return (blurred, psf.copy()), blurred

    return Degradation(settings, apply)


from bench.setup_inpaint import SETUP as INPAINT_SETUP  # noqa: E402  (it uses the classes above)
from bench.setup_segment import SETUP as SEGMENT_SETUP  # noqa: E402
from bench.setup_register import SETUP as REGISTER_SETUP  # noqa: E402
from bench.setup_stitch import SETUP as STITCH_SETUP  # noqa: E402
from bench.setup_pixel_segment import CLUSTER_SETUP, SUPERPIXELS_SETUP, THRESHOLD_SETUP  # noqa: E402

SETUPS: dict[str, TaskSetup] = {
    setup.task.name: setup
    for setup in (
        TaskSetup(DENOISE, "add seeded noise, then compare denoisers",
                  _denoise_arguments, _denoise_degradation),
        TaskSetup(DEBLUR, "blur with a known PSF and add noise, then compare deblurring methods "
                          "(every method receives the true PSF)",
                  _deblur_arguments, _deblur_degradation),
        INPAINT_SETUP,
        SEGMENT_SETUP,
        THRESHOLD_SETUP,
        CLUSTER_SETUP,
        SUPERPIXELS_SETUP,
        REGISTER_SETUP,
        STITCH_SETUP,
    )
}
