"""Inpainting methods on synthetic holes: the fill is accurate on smooth images, only the hole changes,
the values under the mask are never read, and bad masks get clear messages."""
import math
import re

import numpy as np
import pytest

from core.masks import apply_mask
from core.metrics import inpainting_quality, masked_psnr, masked_ssim, psnr
from core.registry import INPAINT, get_method, methods_for

EXPECTED_KEYS = {"mean_fill", "telea", "navier_stokes", "fsr_fast", "fsr_best", "shiftmap", "biharmonic", "knn",
                 "neural_painting"}
# RMSE bound inside the hole on a smooth image (intensities in [0, 1]); the mean fill is far worse
BOUNDS = {"telea": 0.02, "navier_stokes": 0.02, "biharmonic": 0.005, "knn": 0.02, "fsr_fast": 0.01,
          "fsr_best": 0.02}
FAST_PARAMS = {"fsr_best": {"max_side": 64}}


def smooth_image(size: int = 64, color: bool = False) -> np.ndarray:
    yy, xx = np.mgrid[0:size, 0:size] / size
    gray = 0.15 + 0.6 * xx + 0.15 * np.sin(2 * np.pi * yy) * np.cos(np.pi * xx)
    if not color:
        return gray.astype(np.float32)
    return np.stack([gray, 0.8 - 0.5 * gray, 0.2 + 0.4 * yy], axis=-1).astype(np.float32)


def hole_mask(size: int = 64) -> np.ndarray:
    yy, xx = np.mgrid[0:size, 0:size]
    mask = (yy - size * 0.3) ** 2 + (xx - size * 0.75) ** 2 <= (size * 0.09) ** 2  # a disk
    mask[size // 5:size // 5 + 3, size // 8:size // 2] = True  # and a scratch
    return mask


def rmse_in(mask, reference, estimate) -> float:
    return float(np.sqrt(np.mean((reference[mask] - estimate[mask]) ** 2)))


def test_every_method_is_registered_with_a_card():
    methods = {m.key: m for m in methods_for(INPAINT)}
    assert set(methods) == EXPECTED_KEYS
    for m in methods.values():
        assert m.summary and m.explanation and m.latex and m.book, m.key
    assert {k for k, m in methods.items() if m.slow} == {"fsr_fast", "fsr_best", "shiftmap", "neural_painting"}
    assert {k for k, m in methods.items() if m.needs_tensorflow} == {"neural_painting"}
    for key in ("fsr_fast", "fsr_best", "shiftmap", "neural_painting"):
        assert methods[key].accepts_progress and "max_side" in methods[key].defaults()


@pytest.mark.parametrize("color", [False, True], ids=["gray", "rgb"])
@pytest.mark.parametrize("key", sorted(BOUNDS))
def test_smooth_image_with_a_hole_is_filled_accurately(key, color):
    clean, mask = smooth_image(color=color), hole_mask()
    damaged = apply_mask(clean, mask)
    frozen = damaged.copy(), mask.copy()
    out = get_method(INPAINT, key).run(damaged, mask, params=FAST_PARAMS.get(key)).image
    assert out.shape == clean.shape and out.dtype == np.float32
    assert np.array_equal(out[~mask], damaged[~mask]), "known pixels must stay as they are"
    error = rmse_in(mask, clean, out)
    baseline = rmse_in(mask, clean, get_method(INPAINT, "mean_fill").run(damaged, mask).image)
    assert error < BOUNDS[key], (key, error)
    assert error < baseline / 2, (key, error, baseline)
    assert np.array_equal(frozen[0], damaged) and np.array_equal(frozen[1], mask), "inputs were modified"


@pytest.mark.parametrize("color", [False, True], ids=["gray", "rgb"])
@pytest.mark.parametrize("key", ["shiftmap", "fsr_fast"])
def test_periodic_texture_is_continued_by_patch_and_fourier_methods(key, color):
    """Diffusion can only blur a texture into the hole; shift-map copies it and FSR extrapolates it."""
    yy, xx = np.mgrid[0:64, 0:64]
    texture = (0.5 + 0.35 * np.sin(2 * np.pi * xx / 8) * np.sin(2 * np.pi * yy / 8)).astype(np.float32)
    clean = np.stack([texture, 1 - texture, 0.5 * texture + 0.2], axis=-1) if color else texture
    mask = hole_mask()
    damaged = apply_mask(clean, mask)
    error = rmse_in(mask, clean, get_method(INPAINT, key).run(damaged, mask).image)
    diffusion = rmse_in(mask, clean, get_method(INPAINT, "telea").run(damaged, mask).image)
    assert error < 0.02 and diffusion > 0.1, (error, diffusion)


@pytest.mark.parametrize("key", ["mean_fill", "telea", "navier_stokes", "biharmonic", "knn", "fsr_fast"])
def test_values_under_the_mask_are_never_read(key):
    clean, mask = smooth_image(color=True), hole_mask()
    method = get_method(INPAINT, key)
    white = method.run(apply_mask(clean, mask, fill=1.0), mask).image
    black = method.run(apply_mask(clean, mask, fill=0.0), mask).image
    assert np.array_equal(white, black)


def test_capped_methods_return_full_size_and_report_progress():
    clean, mask = smooth_image(96), hole_mask(96)
    calls = []
    out = get_method(INPAINT, "fsr_fast").run(apply_mask(clean, mask), mask, params={"max_side": 64},
                                               progress=lambda f, m="": calls.append((f, m)))
    assert out.image.shape == (96, 96)
    assert rmse_in(mask, clean, out.image) < 0.05
    assert calls and "downscaled" in calls[0][1] and calls[-1][0] == 1.0
    assert max(int(n) for n in re.findall(r"(\d+)×(\d+) px", calls[0][1])[0]) == 64


def test_downscaling_averages_known_pixels_only():
    from core.inpaint import _shrunk

    clean = smooth_image(128)
    mask = np.zeros((128, 128), bool)
    mask[40, :] = True  # a 1 px scratch: at 1/4 scale it covers a quarter of a row of small pixels
    mask[80:100, 30:60] = True  # a real hole
    white, small_mask = _shrunk(apply_mask(clean, mask, fill=1.0), mask, 32)
    black, _ = _shrunk(apply_mask(clean, mask, fill=0.0), mask, 32)
    assert white.shape == (32, 32) and np.allclose(white[~small_mask], black[~small_mask], atol=1e-5)
    assert not small_mask[10].any()  # the scratch doesn't swell into a hole
    assert small_mask[21:24, 8:14].all()  # the hole stays one
    out = get_method(INPAINT, "fsr_fast").run(apply_mask(clean, mask), mask, params={"max_side": 64}).image
    assert rmse_in(mask, clean, out) < 0.02


def test_a_small_hole_in_a_big_image_is_filled_at_full_resolution():
    clean, mask = smooth_image(256), np.zeros((256, 256), bool)
    mask[100:110, 150:170] = True
    calls = []
    out = get_method(INPAINT, "fsr_fast").run(apply_mask(clean, mask), mask, params={"max_side": 128},
                                               progress=lambda f, m="": calls.append(m))
    assert "downscaled" not in calls[0] and "84×74 px" in calls[0]  # the hole plus 32 px of context
    assert rmse_in(mask, clean, out.image) < 0.01
    assert np.array_equal(out.image[~mask], clean[~mask])


def test_knn_uniform_average_of_the_nearest_known_pixels():
    image = np.zeros((9, 9), np.float32)
    image[4, 3], image[4, 5] = 0.2, 0.6  # the two nearest known pixels of the hole at (4, 4)
    mask = np.zeros((9, 9), bool)
    mask[4, 4] = True
    out = get_method(INPAINT, "knn").run(image, mask, params={"neighbors": 4}).image
    assert out[4, 4] == pytest.approx((0.2 + 0.6 + 0 + 0) / 4)  # and (3, 4), (5, 4) are 0


@pytest.mark.parametrize("key", sorted(EXPECTED_KEYS - {"neural_painting"}))
def test_bad_masks_get_clear_messages(key):
    method, image = get_method(INPAINT, key), smooth_image(32)
    with pytest.raises(ValueError, match="mask is empty"):
        method.run(image, np.zeros((32, 32), bool))
    with pytest.raises(ValueError, match="covers the whole image"):
        method.run(image, np.ones((32, 32), bool))
    with pytest.raises(ValueError, match="same size"):
        method.run(image, np.ones((16, 32), bool))


def test_masked_metrics_score_the_hole_only():
    clean, mask = smooth_image(), hole_mask()
    estimate = clean.copy()
    estimate[mask] += 0.1
    assert masked_psnr(clean, estimate, mask) == pytest.approx(20.0, abs=1e-3)  # RMSE 0.1 in the hole
    assert psnr(clean, estimate) > 30  # the whole image looks far better than the hole
    assert math.isinf(masked_psnr(clean, clean, mask))
    assert masked_ssim(clean, clean, mask) == pytest.approx(1.0)
    assert masked_ssim(clean, estimate, mask) < 0.99
    scores = inpainting_quality(clean, estimate, mask)
    assert set(scores) >= {"psnr", "ssim", "psnr_mask", "ssim_mask"}
    assert math.isnan(masked_psnr(clean, estimate, np.zeros_like(mask)))
    with pytest.raises(ValueError, match="mask is 32×32"):
        masked_psnr(clean, estimate, np.ones((32, 32), bool))


def test_neural_painting_fills_a_hole_better_than_the_mean():
    pytest.importorskip("keras")
    clean, mask = smooth_image(32), hole_mask(32)
    damaged = apply_mask(clean, mask)
    calls = []
    params = {"epochs": 30, "width": 32, "scale": 1.0, "band": 0, "seed": 0}
    out = get_method(INPAINT, "neural_painting").run(damaged, mask, params=params,
                                                      progress=lambda f, m="": calls.append(f))
    baseline = get_method(INPAINT, "mean_fill").run(damaged, mask).image
    assert np.array_equal(out.image[~mask], damaged[~mask])
    assert rmse_in(mask, clean, out.image) < 0.6 * rmse_in(mask, clean, baseline)
    losses = out.extras["training loss (MSE)"]
    assert len(losses) == 30 and losses[-1] < losses[0] / 5 and calls[-1] == pytest.approx(1.0)
