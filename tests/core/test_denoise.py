"""Denoising methods: conventions, quality bars and the correctness of the hand-written parts."""
from __future__ import annotations

import re

import numpy as np
import pytest
from scipy.ndimage import median_filter
from scipy.optimize import check_grad
from skimage import data

from core.degrade import add_noise
from core.denoise import (detail_coefficients, dwt_level_max, dwt_mosaic, map_closed_form_solution, map_energy,
                          median_weights, minimise_map_energy, weighted_median_filter)
from core.denoise.wavelets import threshold_details, universal_threshold
from core.image import to_float
from core.metrics import psnr
from core.registry import DENOISE, get_method, methods_for

EXPECTED_KEYS = {
    "median", "weighted_median", "gaussian", "bilateral_cv", "bilateral_sitk", "nlm_cv", "nlm_skimage",
    "tv_chambolle", "tv_bregman_iso", "tv_bregman_aniso", "wavelet_pywt", "bayes_shrink", "visu_shrink",
    "map_lbfgs", "map_closed_form", "perona_malik", "bm3d",
}
SIGMA = 25 / 255


@pytest.fixture(scope="module")
def camera_crop() -> np.ndarray:
    return to_float(data.camera())[96:224, 192:320]  # the camera man: edges and texture


@pytest.fixture(scope="module")
def noisy_crop(camera_crop) -> np.ndarray:
    return add_noise(camera_crop, model="gaussian", level=SIGMA, seed=0)


@pytest.fixture(scope="module")
def small_gray(noisy_crop) -> np.ndarray:
    return noisy_crop[:48, :40].copy()


@pytest.fixture(scope="module")
def small_rgb() -> np.ndarray:
    return add_noise(to_float(data.astronaut())[100:140, 180:228], level=SIGMA, seed=1)


def all_methods():
    return methods_for(DENOISE)


def classical_methods():
    """The denoisers that need nothing but the image and no network (the learned ones are in test_learned.py)."""
    return [m for m in methods_for(DENOISE) if not m.needs_tensorflow]


def test_every_expected_method_is_registered():
    keys = {m.key for m in all_methods()}
    assert EXPECTED_KEYS <= keys


@pytest.mark.parametrize("spec", all_methods(), ids=lambda m: m.key)
def test_spec_is_complete(spec):
    assert re.fullmatch(r"[a-z][a-z0-9_]*", spec.key)
    assert spec.book and spec.summary and spec.latex
    assert spec.explanation.count(".") >= 3
    for param in spec.params:
        assert param.help or param.kind in ("choice", "bool"), param.name
        if param.kind in ("int", "float"):
            assert param.min is not None and param.max is not None, param.name
            assert param.min <= param.default <= param.max, param.name
            assert len(param.sweep_values(5)) >= 2
    assert spec.slow == (spec.key in {"bm3d", "bilateral_sitk", "nlm_skimage", "map_lbfgs", "autoencoder"})
    assert spec.reference == (spec.key == "bm3d")


@pytest.mark.parametrize("spec", classical_methods(), ids=lambda m: m.key)
@pytest.mark.parametrize("which", ["small_gray", "small_rgb"])
def test_defaults_keep_conventions(spec, which, request):
    image = request.getfixturevalue(which)
    before = image.copy()
    out = spec.run(image).image
    assert out.shape == image.shape
    assert out.dtype == np.float32
    assert np.all(np.isfinite(out)) and out.min() >= 0.0 and out.max() <= 1.0
    np.testing.assert_array_equal(image, before)  # the input is never modified
    assert psnr(before, out) < 60  # it did something


MIN_GAIN_DB = {  # measured on this crop at defaults, minus about 1 dB
    "median": 1.5, "weighted_median": 2.2, "gaussian": 3.8, "bilateral_cv": 5.3, "bilateral_sitk": 5.0,
    "nlm_cv": 5.0, "nlm_skimage": 5.8, "tv_chambolle": 5.7, "tv_bregman_iso": 4.8, "tv_bregman_aniso": 4.8,
    "map_lbfgs": 4.9, "map_closed_form": 3.7, "perona_malik": 5.2, "wavelet_pywt": 4.6, "bayes_shrink": 4.8,
    "visu_shrink": 4.2,
}


@pytest.mark.parametrize("key", sorted(MIN_GAIN_DB))
def test_psnr_gain_on_gaussian_noise(key, camera_crop, noisy_crop):
    out = get_method(DENOISE, key).run(noisy_crop).image
    gain = psnr(camera_crop, out) - psnr(camera_crop, noisy_crop)
    assert gain >= MIN_GAIN_DB[key], f"{key}: {gain:.2f} dB"


def test_bm3d_is_the_reference_on_a_small_crop(camera_crop):
    clean = camera_crop[:64, :64]
    noisy = add_noise(clean, level=SIGMA, seed=0)
    calls = []
    out = get_method(DENOISE, "bm3d").run(noisy, progress=lambda f, text: calls.append(f)).image
    nlm = get_method(DENOISE, "nlm_skimage").run(noisy).image
    gain = psnr(clean, out) - psnr(clean, noisy)
    assert gain > 6.5
    assert psnr(clean, out) > psnr(clean, nlm)
    assert calls[0] == 0.0 and calls[-1] == 1.0


def test_known_sigma_matches_the_estimate(camera_crop, noisy_crop):
    tv = get_method(DENOISE, "tv_chambolle")
    estimated = psnr(camera_crop, tv.run(noisy_crop).image)
    given = psnr(camera_crop, tv.run(noisy_crop, params={"sigma": 25.0}).image)
    assert abs(estimated - given) < 0.5


# ---- weighted median --------------------------------------------------------------------------

@pytest.mark.parametrize("size", [3, 5, 7])
def test_uniform_weighted_median_is_the_median(size, noisy_crop):
    ours = weighted_median_filter(noisy_crop, median_weights("uniform", size))
    plain = median_filter(noisy_crop, size=size, mode="mirror")
    np.testing.assert_array_equal(ours, plain)
    np.testing.assert_array_equal(get_method(DENOISE, "median").run(noisy_crop, params={"size": size}).image, plain)


def _brute_force_weighted_median(image, weights):
    r0, r1 = weights.shape[0] // 2, weights.shape[1] // 2
    padded = np.pad(image, ((r0, r0), (r1, r1)), mode="reflect")
    out = np.empty_like(image)
    for i in range(image.shape[0]):
        for j in range(image.shape[1]):
            values = padded[i:i + weights.shape[0], j:j + weights.shape[1]].ravel()
            order = np.argsort(values, kind="stable")
            cumulative = np.cumsum(weights.ravel()[order])
            out[i, j] = values[order][np.searchsorted(cumulative, cumulative[-1] / 2)]
    return out


def test_weighted_median_matches_a_brute_force_reference():
    rng = np.random.default_rng(3)
    image = rng.random((11, 13)).astype(np.float32)
    weights = rng.integers(0, 4, (5, 5)).astype(float)
    weights[2, 2] = 3
    np.testing.assert_array_equal(weighted_median_filter(image, weights), _brute_force_weighted_median(image, weights))
    # the cumulative-weight rule on one 3×3 window whose centre is an outlier (0.8)
    window = np.array([[0.0, 0.1, 0.2], [0.3, 0.8, 0.4], [0.5, 0.6, 0.7]], np.float32)
    weights = np.ones((3, 3))
    assert weighted_median_filter(window, weights)[1, 1] == pytest.approx(0.4)  # plain median
    weights[1, 1] = 3  # total 11: the sorted cumulative weight first reaches 5.5 at 0.5
    assert weighted_median_filter(window, weights)[1, 1] == pytest.approx(0.5)
    weights[1, 1] = 9  # more than half of the total: the centre itself
    assert weighted_median_filter(window, weights)[1, 1] == pytest.approx(0.8)


def test_weight_presets():
    book = median_weights("centre_weighted", 5)
    assert book.sum() == 34 and book[2, 2] == 2 and book[0, 0] == 1
    gauss = median_weights("gaussian", 3)
    np.testing.assert_array_equal(gauss, [[1, 2, 1], [2, 4, 2], [1, 2, 1]])
    with pytest.raises(ValueError):
        median_weights("gaussian", 4)
    with pytest.raises(ValueError):
        weighted_median_filter(np.zeros((8, 8)), -np.ones((3, 3)))


def test_weighted_median_beats_noisy_on_salt_and_pepper(camera_crop):
    noisy = add_noise(camera_crop, model="salt_pepper", level=0.05, seed=0)
    before = psnr(camera_crop, noisy)
    scores = {}
    for preset in ("uniform", "centre_weighted", "gaussian"):
        out = get_method(DENOISE, "weighted_median").run(noisy, params={"weights": preset}).image
        scores[preset] = psnr(camera_crop, out)
        assert scores[preset] > before + 5, preset
    # heavier centre weights keep more of the texture than the plain 5×5 median
    assert scores["uniform"] < scores["centre_weighted"] < scores["gaussian"]


# ---- MAP with an MRF prior ----------------------------------------------------------------------

@pytest.mark.parametrize("prior", ["quadratic", "huber", "log_adaptive"])
@pytest.mark.parametrize("boundary", ["reflect", "periodic"])
@pytest.mark.parametrize("shape", [(7, 9), (6, 5, 3)])
def test_map_gradient_matches_numerical_gradient(prior, boundary, shape):
    rng = np.random.default_rng(0)
    noisy = rng.random(shape)
    start = rng.random(shape).ravel()
    options = dict(alpha=0.7, prior=prior, gamma=0.1, boundary=boundary)

    def energy(x):
        return map_energy(x, noisy, **options)[0]

    def gradient(x):
        return map_energy(x, noisy, **options)[1]

    error = check_grad(energy, gradient, start, epsilon=1e-6)
    assert error < 1e-4 * max(1.0, np.linalg.norm(gradient(start)))


@pytest.mark.parametrize("boundary", ["reflect", "periodic"])
def test_lbfgs_reaches_the_closed_form_for_the_quadratic_prior(boundary, noisy_crop):
    noisy = noisy_crop[:40, :48]
    closed = map_closed_form_solution(noisy, alpha=2.0, boundary=boundary)
    iterative, energies = minimise_map_energy(noisy, alpha=2.0, prior="quadratic", boundary=boundary, max_iter=300)
    assert np.max(np.abs(closed - iterative)) < 1e-3
    assert energies[-1] < energies[0]
    assert np.all(np.diff(energies) <= 1e-9)


def test_map_validates_its_parameters(small_gray):
    with pytest.raises(ValueError):
        map_closed_form_solution(small_gray, alpha=0)
    with pytest.raises(ValueError):
        get_method(DENOISE, "map_lbfgs").function(small_gray, prior="cauchy")


# ---- wavelets -------------------------------------------------------------------------------------

def test_wavelet_thresholding_never_touches_the_approximation(noisy_crop):
    huge = 10.0  # removes every detail coefficient
    smooth = threshold_details(noisy_crop.astype(np.float64), wavelet="db4", levels=3, threshold=huge, mode="soft")
    assert abs(smooth.mean() - noisy_crop.mean()) < 2e-3
    for mode in ("hard", "soft"):
        out = get_method(DENOISE, "wavelet_pywt").run(noisy_crop, params={"mode": mode, "threshold_scale": 2.0}).image
        assert abs(float(out.mean()) - float(noisy_crop.mean())) < 3e-3


def test_wavelet_output_is_cropped_for_odd_sizes():
    image = add_noise(to_float(data.camera())[:67, :45], level=SIGMA, seed=0)
    for key in ("wavelet_pywt", "bayes_shrink", "visu_shrink"):
        assert get_method(DENOISE, key).run(image).image.shape == (67, 45)


def test_universal_threshold_uses_the_natural_log():
    assert universal_threshold(1.0, 512 * 512) == pytest.approx(4.9944, abs=1e-3)


def test_dwt_views(camera_crop):
    mosaic = dwt_mosaic(camera_crop, wavelet="haar", level=2)
    assert mosaic.shape == camera_crop.shape and mosaic.dtype == np.float32
    assert mosaic.min() >= 0.0 and mosaic.max() <= 1.0
    assert mosaic[64:, 64:].std() > 0.05  # the finest diagonal band is visible after normalisation
    rgb = np.repeat(camera_crop[..., None], 3, axis=2)
    assert dwt_mosaic(rgb, wavelet="db2", level=3).ndim == 2
    assert dwt_level_max((128, 128), "haar") == 7
    assert dwt_level_max((128, 128), "sym8") < 7
    details = detail_coefficients(camera_crop, "haar", 2)
    assert details.ndim == 1 and details.size == 128 * 128 - 32 * 32
    assert np.median(np.abs(details)) < 0.1 * np.abs(details).max()  # sparse: most coefficients are small


# ---- user errors ------------------------------------------------------------------------------------

@pytest.mark.parametrize("key, params", [
    ("nlm_cv", {"sigma": -1.0}),
    ("bilateral_sitk", {"domain_sigma": 10.0}),
    ("wavelet_pywt", {"wavelet": "nope"}),
    ("perona_malik", {"gamma": 0.3}),
])
def test_user_errors_raise_value_error(key, params, small_gray):
    spec = get_method(DENOISE, key)
    with pytest.raises(ValueError):
        spec.function(small_gray, **{**spec.defaults(), **params})


def test_bad_image_shapes_are_refused():
    with pytest.raises(ValueError):
        get_method(DENOISE, "tv_chambolle").run(np.zeros((8, 8, 4), np.float32))


def test_bm3d_uses_the_known_sigma_when_the_noise_was_made_here(camera_crop):
    """The page and the bench give BM3D the σ they added (its need "known_sigma"); 0 in its panel means "use it"."""
    clean = camera_crop[:64, :64]
    noisy = add_noise(clean, level=25 / 255, seed=4)
    bm3d = get_method(DENOISE, "bm3d")
    assert "known_sigma" in bm3d.needs
    known = bm3d.run(noisy, 25.0).image
    given = bm3d.run(noisy, None, params={"sigma": 25.0}).image
    estimated = bm3d.run(noisy).image  # the optional need left out: σ is estimated
    np.testing.assert_allclose(known, given, atol=1e-6)
    assert not np.allclose(known, estimated)
    assert bm3d.run(noisy, 25.0, params={"sigma": 10.0}).image.mean() != pytest.approx(known.mean(), abs=1e-7)
