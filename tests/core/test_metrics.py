import math

import numpy as np
import pytest
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

from core.degrade import add_noise
from core.gallery import load_sample
from core.metrics import mse, noise_sigma, psnr, quality, ssim


@pytest.fixture(scope="module")
def camera():
    return load_sample("camera")[:128, :128]


def test_psnr_matches_definition(camera):
    noisy = add_noise(camera, level=0.1, seed=1, clip=False)
    expected = 10 * np.log10(1 / np.mean((camera.astype(np.float64) - np.clip(noisy, 0, 1)) ** 2))
    assert psnr(camera, noisy) == pytest.approx(expected, rel=1e-6)
    assert psnr(camera, noisy) == pytest.approx(peak_signal_noise_ratio(camera, np.clip(noisy, 0, 1), data_range=1),
                                                rel=1e-5)


def test_psnr_is_infinite_for_identical_and_all_black_images():
    black = np.zeros((32, 32), np.float32)
    assert math.isinf(psnr(black, black))
    assert mse(black, black) == 0.0
    assert quality(black, black)["ssim"] == pytest.approx(1.0)


def test_ssim_uses_wang_definition(camera):
    noisy = add_noise(camera, level=0.1, seed=1)
    expected = structural_similarity(camera, noisy, data_range=1, gaussian_weights=True, sigma=1.5,
                                     use_sample_covariance=False)
    assert ssim(camera, noisy) == pytest.approx(expected)
    assert ssim(camera, camera) == pytest.approx(1.0)


def test_ssim_colour_and_shape_mismatch():
    rgb = load_sample("astronaut")[:64, :64]
    assert 0.99 < ssim(rgb, rgb) <= 1.0
    with pytest.raises(ValueError, match="shapes"):
        psnr(rgb, rgb[..., 0])


def test_noise_sigma_estimate(camera):
    noisy = add_noise(load_sample("camera"), level=25 / 255, seed=0, clip=False)
    assert noise_sigma(noisy) * 255 == pytest.approx(25, rel=0.08)


def test_quality_without_reference_is_empty(camera):
    assert quality(None, camera) == {}
