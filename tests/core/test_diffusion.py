"""Perona–Malik diffusion (core.diffusion), the pure function shared by several pages."""
from __future__ import annotations

import numpy as np
import pytest
from skimage import data

from core.degrade import add_noise
from core.diffusion import conductance, perona_malik
from core.image import to_float
from core.metrics import psnr


@pytest.fixture(scope="module")
def clean() -> np.ndarray:
    return to_float(data.camera())[96:224, 192:320]


def step_image(low=0.3, high=0.7) -> np.ndarray:
    image = np.full((32, 32), low, np.float32)
    image[:, 16:] = high
    return image


def test_conventions_gray_and_colour(clean):
    rgb = np.stack([clean, clean[::-1], clean.T], axis=2).copy()
    for image in (clean, rgb):
        before = image.copy()
        out = perona_malik(image, iterations=5, kappa=0.1, gamma=0.2)
        assert out.shape == image.shape and out.dtype == np.float32
        assert out.min() >= 0.0 and out.max() <= 1.0
        np.testing.assert_array_equal(image, before)


def test_zero_iterations_and_constant_images_are_unchanged(clean):
    np.testing.assert_array_equal(perona_malik(clean, iterations=0), clean)
    flat = np.full((20, 30), 0.4, np.float32)
    np.testing.assert_allclose(perona_malik(flat, iterations=50), flat, atol=1e-7)


def test_no_flux_boundary_conserves_the_mean(clean):
    inside = 0.2 + 0.6 * clean  # stays inside (0, 1), so clipping plays no part
    out = perona_malik(inside, iterations=30, kappa=0.1, gamma=0.25)
    assert abs(float(out.mean()) - float(inside.mean())) < 1e-5


def test_maximum_principle_at_the_stability_limit(clean):
    noisy = 0.3 + 0.4 * add_noise(clean, level=0.2, seed=0)
    for conduction in ("exponential", "quadratic"):
        out = perona_malik(noisy, iterations=100, kappa=0.05, gamma=0.25, conduction=conduction)
        assert out.min() >= noisy.min() - 1e-6 and out.max() <= noisy.max() + 1e-6


def test_edges_survive_while_heat_diffusion_blurs_them():
    step = step_image()
    kept = perona_malik(step, iterations=50, kappa=0.05, gamma=0.2)
    heat = perona_malik(step, iterations=50, kappa=1e3, gamma=0.2)  # conductance ≈ 1: plain heat flow
    assert kept[:, 16].mean() - kept[:, 15].mean() > 0.39
    assert heat[:, 16].mean() - heat[:, 15].mean() < 0.15


def test_denoises_gaussian_noise(clean):
    noisy = add_noise(clean, level=25 / 255, seed=0)
    for conduction, kappa in (("exponential", 0.15), ("quadratic", 0.1)):
        out = perona_malik(noisy, iterations=10, kappa=kappa, gamma=0.2, conduction=conduction)
        assert psnr(clean, out) > psnr(clean, noisy) + 5


def test_conductance_functions():
    gradient = np.array([0.0, 0.05, 0.1, 0.5])
    for conduction in ("exponential", "quadratic"):
        values = conductance(gradient, 0.1, conduction)
        assert values[0] == 1.0 and np.all(np.diff(values) < 0)
    assert conductance(np.array([0.1]), 0.1, "exponential")[0] == pytest.approx(np.exp(-1))
    assert conductance(np.array([0.1]), 0.1, "quadratic")[0] == pytest.approx(0.5)


def test_progress_reports_to_the_end(clean):
    calls = []
    perona_malik(clean, iterations=20, progress=lambda fraction, text: calls.append(fraction))
    assert calls and calls[-1] == 1.0 and all(0 < f <= 1 for f in calls)


@pytest.mark.parametrize("options", [
    {"gamma": 0.3}, {"gamma": 0.0}, {"kappa": 0.0}, {"iterations": -1}, {"conduction": "linear"},
])
def test_bad_parameters_raise_value_error(options, clean):
    with pytest.raises(ValueError):
        perona_malik(clean, **options)
