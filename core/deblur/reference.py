"""BM3D deblurring (the BM3D authors' `bm3d` package): the reference the other methods are judged by.

Licence note: the `bm3d` package is free for non-commercial use only.

Two compatibility details of bm3d 4.0.3 / bm4d 4.2.5 are handled here:
- `bm3d_deblurring` builds its noise spectrum with the shape of a 2-D input before making it 3-D,
  which silently turns an (H, W) problem into an (H, W, W) one (gigabytes of memory), and with
  several channels its second stage fails (the pilot's shape does not match one channel). So each
  channel is passed on its own, as an (H, W, 1) array.
- bm4d calls `numpy.trapz`, which NumPy 2.4 removed; bm4d alone is given a view of NumPy that
  maps `trapz` to `trapezoid` (NumPy itself is not modified).
"""
from __future__ import annotations

import types

import numpy as np

from core.deblur.inputs import check_pair, extend
from core.metrics import noise_sigma
from core.registry import DEBLUR, Output, Param, method

_MIN_SIGMA = 1e-3  # on the [0, 1] scale: about the noise of 8-bit rounding; BM3D needs some noise
# An orthonormal opponent colour transform: luminance first, then two colour-difference channels.
# Orthonormal, so white noise of std s stays white with std s in every new channel, and the
# blur (the same in every channel) commutes with it.
_OPPONENT = np.array([[1.0, 1.0, 1.0], [1.0, 0.0, -1.0], [1.0, -2.0, 1.0]]) / np.array(
    [[np.sqrt(3.0)], [np.sqrt(2.0)], [np.sqrt(6.0)]])


class _NumpyWithTrapz(types.ModuleType):
    """NumPy as bm4d expects it: everything from numpy, plus `trapz` (removed in NumPy 2.4)."""

    trapz = staticmethod(np.trapezoid)

    def __getattr__(self, name):
        return getattr(np, name)


def _bm3d():
    """Import bm3d, making its bm4d backend work with this NumPy."""
    import bm3d
    import bm4d

    if not hasattr(np, "trapz") and not isinstance(bm4d.np, _NumpyWithTrapz):
        bm4d.np = _NumpyWithTrapz("numpy")
    return bm3d


@method(
    task=DEBLUR, key="bm3d_deblur", label="BM3D deblurring (reference)", book="2.Q3", needs=("known_sigma",),
    params=[
        Param("sigma", "Noise σ (0–255 scale, 0 = known or estimated)", 0.0, min=0.0, max=100.0, step=0.5,
              help="Standard deviation of the noise on a 0–255 scale. 0 uses the σ the page added, when it made "
                   "the degradation itself; otherwise it estimates σ from the image (wavelet "
                   "median absolute deviation), which works reasonably on blurred images because blur removes "
                   "most of the fine detail that would otherwise be mistaken for noise."),
        Param("profile", "Speed profile", "fast", choices=("fast", "normal"),
              help="fast: BM3D's low-complexity settings (sparser block search, about half the time); "
                   "normal: the default settings, marginally better."),
    ],
    summary="Regularised inverse followed by BM3D collaborative filtering of the coloured noise it leaves.",
    explanation=(
        "BM3D deblurring first applies a mildly regularised inverse filter, which undoes the blur but leaves "
        "strongly coloured (high-frequency) noise. It then removes that noise with BM3D, which stacks similar "
        "patches from across the image into 3-D groups and shrinks them jointly in a transform domain, knowing the "
        "exact noise spectrum. A second, Wiener-type pass uses the first result as a pilot. Colour images are "
        "turned into an orthonormal luminance/opponent space, each of those channels is deblurred on its own, and "
        "the result is turned back. It is slow but usually the best here, so it serves as the reference."
    ),
    latex=r"\hat f = \mathrm{BM3D}\!\left(\mathcal{F}^{-1}\!\left[\frac{H^*}{|H|^2+\alpha\sigma^2 N}\,G\right],"
          r"\;\sigma^2 N\,\frac{|H|^2}{(|H|^2+\alpha\sigma^2 N)^2}\right)",
    slow=True,
    reference=True,
)
def bm3d_deblur(image, psf, known_sigma=None, *, sigma=0.0, profile="fast", progress=None):
    """BM3D deblurring (bm3d.bm3d_deblurring) on the extended image; colour via an opponent transform.
    σ: the parameter when set, else `known_sigma` (0–255, the noise added), else an estimate."""
    image, psf = check_pair(image, psf)
    if sigma < 0:
        raise ValueError("The noise σ cannot be negative.")
    if profile not in ("fast", "normal"):
        raise ValueError(f"Unknown profile {profile!r}; choose fast or normal.")
    if sigma == 0 and known_sigma:
        sigma = float(known_sigma)
    noise = noise_sigma(image.astype(np.float32)) if sigma == 0 else sigma / 255.0
    noise = max(float(noise), _MIN_SIGMA)
    bm3d = _bm3d()
    settings = bm3d.BM3DProfileLC() if profile == "fast" else bm3d.BM3DProfile()
    height, width = image.shape[:2]
    colour = image.ndim == 3
    channels = image @ _OPPONENT.T if colour else image[..., None]
    count = channels.shape[2]
    restored = np.empty_like(channels)
    for c in range(count):
        if progress is not None:
            progress(c / count, f"channel {c + 1}/{count}: regularised inverse, then BM3D")
        extended = extend(channels[..., c], psf.shape, "reflect")[..., None]  # always (H, W, 1): see above
        result = np.asarray(bm3d.bm3d_deblurring(extended, noise, psf, profile=settings))
        restored[..., c] = result.reshape(extended.shape[:2])[:height, :width]
    restored = restored @ _OPPONENT if colour else restored[..., 0]
    if progress is not None:
        progress(1.0, "done")
    return Output(np.clip(restored, 0.0, 1.0).astype(np.float32),
                  extras={"Noise σ used (0–255 scale)": round(noise * 255.0, 2)})
