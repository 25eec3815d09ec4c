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


# --- OpenCV version, Gaussian baseline, iteration curves (task DIFFUSE) ---------------------------

from core.diffusion import diffusion_curves, fast_ssim, gaussian_blur, matched_sigma, opencv_diffusion  # noqa: E402
from core.metrics import ssim  # noqa: E402
from core.registry import methods_for  # noqa: E402


def test_diffuse_task_offers_numpy_opencv_and_gaussian():
    assert [m.key for m in methods_for("diffuse")] == ["df_gaussian", "df_numpy", "df_opencv"]


@pytest.mark.parametrize("color", [False, True])
def test_every_diffusion_method_denoises_and_keeps_conventions(clean, color):
    reference = np.stack([clean, clean[::-1], clean.T], axis=2).copy() if color else clean
    noisy = add_noise(reference, level=25 / 255, seed=1)
    before = noisy.copy()
    for m in methods_for("diffuse"):
        out = m.run(noisy).image
        assert out.shape == noisy.shape and out.dtype == np.float32
        assert out.min() >= 0 and out.max() <= 1
        assert psnr(reference, out) > psnr(reference, noisy) + 1.5, m.key
    np.testing.assert_array_equal(noisy, before)


def test_opencv_diffusion_keeps_edges_better_than_a_matched_gaussian():
    step = step_image(0.2, 0.8)
    diffused = opencv_diffusion(step, iterations=20, alpha=0.1, k=0.1)
    heat = opencv_diffusion(step, iterations=20, alpha=0.1, k=30.0)  # the book's K: conduction ≈ 1
    blurred = gaussian_blur(step, sigma=2.0)
    assert diffused[:, 16].mean() - diffused[:, 15].mean() > 0.55
    assert heat[:, 16].mean() - heat[:, 15].mean() < 0.2
    assert blurred[:, 16].mean() - blurred[:, 15].mean() < 0.3


def test_opencv_diffusion_gives_the_same_output_every_time():
    # OpenCV alone left its buffer's border unwritten after the first iteration: the outer rows varied by up to
    # 25 levels from call to call (about 1 % of the pixels of a 512² image after 10 iterations)
    noisy = np.clip(np.random.default_rng(1).normal(0.5, 0.2, (96, 128, 3)), 0, 1).astype(np.float32)
    first = opencv_diffusion(noisy, iterations=10)
    assert all(np.array_equal(opencv_diffusion(noisy, iterations=10), first) for _ in range(5))
    assert first.shape == noisy.shape and opencv_diffusion(noisy[:3, :2], iterations=30).shape == (3, 2, 3)


def test_fast_ssim_against_a_fixed_reference_equals_pair_by_pair(clean):
    from core.diffusion import FastSsim

    rng = np.random.default_rng(2)
    against = FastSsim(clean)
    for sigma in (0.02, 0.1):
        noisy = np.clip(clean + rng.normal(0, sigma, clean.shape), 0, 1).astype(np.float32)
        assert against(noisy) == fast_ssim(clean, noisy)


def test_gaussian_blur_matches_heat_flow_at_the_same_time(clean):
    # with κ huge, Perona–Malik is the linear heat equation; after time t it equals a Gaussian σ = √(2t)
    heat = perona_malik(clean, iterations=40, kappa=1e4, gamma=0.2)
    gauss = gaussian_blur(clean, sigma=matched_sigma(40, 0.2))
    assert np.abs(heat - gauss)[8:-8, 8:-8].mean() < 0.004


def test_observe_sees_every_iteration_and_cannot_change_the_run(clean):
    seen = []

    def observe(step, u):
        seen.append(step)
        with pytest.raises(ValueError):
            u[0, 0] = 5.0  # read-only view

    out = perona_malik(clean, iterations=7, observe=observe)
    assert seen == list(range(1, 8))
    np.testing.assert_array_equal(out, perona_malik(clean, iterations=7))


def test_fast_ssim_equals_the_reference_definition(clean):
    noisy = add_noise(clean, level=0.1, seed=3)
    assert fast_ssim(clean, noisy) == pytest.approx(ssim(clean, noisy), abs=1e-4)
    rgb = np.stack([clean, clean.T, clean[::-1]], axis=2).copy()
    noisy_rgb = add_noise(rgb, level=0.1, seed=3)
    assert fast_ssim(rgb, noisy_rgb) == pytest.approx(ssim(rgb, noisy_rgb), abs=1e-4)


def test_curves_come_from_one_run_and_match_direct_runs(clean):
    noisy = add_noise(clean, level=25 / 255, seed=0)
    curves = diffusion_curves(noisy, clean, iterations=12, kappa=0.12, gamma=0.2, points=12)
    assert set(curves) == {"Perona–Malik (numpy)", "Perona–Malik (OpenCV)", "Gaussian, matched time"}
    for curve in curves.values():
        np.testing.assert_array_equal(curve["iteration"], np.arange(13))
        assert curve["psnr"][0] == pytest.approx(psnr(clean, noisy))
        assert curve["psnr"].max() > curve["psnr"][0] + 2
    direct = perona_malik(noisy, iterations=12, kappa=0.12, gamma=0.2)
    assert curves["Perona–Malik (numpy)"]["psnr"][-1] == pytest.approx(psnr(clean, direct), abs=1e-3)
    assert curves["Perona–Malik (numpy)"]["ssim"][-1] == pytest.approx(ssim(clean, direct), abs=1e-3)
    gauss = gaussian_blur(noisy, sigma=matched_sigma(12, 0.2))
    assert curves["Gaussian, matched time"]["psnr"][-1] == pytest.approx(psnr(clean, gauss), abs=1e-6)
    one_step = opencv_diffusion(noisy, iterations=1)
    assert curves["Perona–Malik (OpenCV)"]["psnr"][1] == pytest.approx(psnr(clean, one_step), abs=1e-6)


def test_curves_are_thinned_to_the_requested_points(clean):
    noisy = add_noise(clean, level=0.1, seed=0)
    curve = diffusion_curves(noisy, clean, iterations=100, points=10)["Perona–Malik (numpy)"]
    assert len(curve["iteration"]) == 11 and curve["iteration"][-1] == 100


@pytest.mark.parametrize("call", [
    lambda img: opencv_diffusion(img, alpha=0.0), lambda img: opencv_diffusion(img, k=0.0),
    lambda img: opencv_diffusion(img, iterations=-1), lambda img: gaussian_blur(img, sigma=-1.0),
    lambda img: diffusion_curves(img, img, iterations=0), lambda img: diffusion_curves(img, img[:10], iterations=3),
])
def test_bad_diffusion_settings_raise_value_error(call, clean):
    with pytest.raises(ValueError):
        call(clean)
