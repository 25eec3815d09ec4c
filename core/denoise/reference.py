"""BM3D, the reference denoiser the other methods are judged against (the `bm3d` package by its authors)."""
from __future__ import annotations

import numpy as np

from core.denoise.common import checked, finished, resolve_sigma, sigma_param
from core.registry import DENOISE, Param, method

BM3D_PROFILES = ("fast", "normal")


def _bm3d_profile(name: str):
    from bm3d.profiles import BM3DProfile, BM3DProfileLC

    if name == "fast":
        return BM3DProfileLC()  # larger steps and smaller search windows: about 3× faster, ~0.1–0.2 dB lower
    if name == "normal":
        return BM3DProfile()
    raise ValueError(f"Unknown BM3D profile {name!r}; choose one of {', '.join(BM3D_PROFILES)}.")


@method(task=DENOISE, key="bm3d", label="BM3D (reference)", book="2.Q3", slow=True, reference=True,
        needs=("known_sigma",),
        params=[sigma_param("BM3D needs it; a wrong σ is its main failure mode. When the page made the noise "
                            "itself (Gaussian), 0 uses the σ it was made with."),
                Param("profile", "Profile", "fast", choices=BM3D_PROFILES,
                      help="fast: the authors' low-complexity settings (a few seconds at 512²). normal: their "
                           "default settings, slightly better and about three times slower.")],
        summary="Block matching and 3-D collaborative filtering: the classical state of the art.",
        explanation=(
            "BM3D groups patches that look alike into 3-D stacks, so that the stack is very redundant. A 3-D "
            "transform of each stack concentrates the shared structure in a few coefficients, which survive "
            "hard thresholding while noise does not; the filtered patches are put back and averaged. A second "
            "pass repeats the grouping on this first estimate and replaces thresholding by empirical Wiener "
            "filtering. When the noise was made here with a known σ, BM3D is given that σ (its parameter 0 means "
            "\"known, else estimated\"); on an uploaded noisy photo it estimates σ from the finest wavelet band. "
            "The bm3d package is free for non-commercial use only."),
        latex=r"\hat Y_{G} = \mathcal{T}_{3D}^{-1}\big(\eta_{\lambda\sigma}(\mathcal{T}_{3D}(Z_{G}))\big),\quad "
              r"\hat f = \frac{\sum_G w_G\, \hat Y_G}{\sum_G w_G\, \chi_G}")
def bm3d(image, known_sigma=None, *, sigma=0.0, profile="fast", progress=None):
    """bm3d.bm3d for gray images, bm3d.bm3d_rgb (opponent colour space) for colour. σ: the parameter when set,
    else `known_sigma` (0–255, the σ the noise was made with), else an estimate."""
    import bm3d as bm3d_package

    image = checked(image)
    settings = _bm3d_profile(profile)
    noise = resolve_sigma(image, sigma if sigma > 0 or not known_sigma else float(known_sigma))
    if progress is not None:
        progress(0.0, "grouping and filtering blocks")
    if image.ndim == 2:
        out = bm3d_package.bm3d(image.astype(np.float64), sigma_psd=noise, profile=settings)
    else:
        out = bm3d_package.bm3d_rgb(image.astype(np.float64), sigma_psd=noise, profile=settings)
    if progress is not None:
        progress(1.0, "done")
    return finished(np.asarray(out).reshape(image.shape))
