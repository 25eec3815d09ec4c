"""Deblurring methods: conventions, exactness where the maths says so, and quality bars."""
from __future__ import annotations

import numpy as np
import pytest
from skimage import data

from core.deblur import fourier, iterative, otf_magnitude, psf2otf, spectrum_db
from core.deblur.inputs import check_pair, extend
from core.degrade import convolve, degrade, gaussian_kernel, motion_kernel
from core.metrics import psnr
from core.registry import DEBLUR, methods_for

KEYS = {"inverse", "pseudo_inverse", "wiener", "wiener_hunt", "unsupervised_wiener", "tikhonov_fft",
        "richardson_lucy", "blind_rl", "tikhonov_cg", "bm3d_deblur"}
BAND = 16  # border band width (pixels) for the boundary checks on 128×128 crops


@pytest.fixture(scope="module")
def sharp() -> np.ndarray:
    """A textured 128×128 crop of skimage's camera (the photographer and tripod)."""
    return (data.camera()[60:188, 190:318] / 255.0).astype(np.float32)


@pytest.fixture(scope="module")
def sharp_rgb() -> np.ndarray:
    return (data.astronaut()[100:164, 150:214] / 255.0).astype(np.float32)


@pytest.fixture(scope="module")
def blurred(sharp) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian σ=2 blur with reflecting boundaries and light noise (σ = 0.01), as the app simulates it."""
    kernel = gaussian_kernel(2)
    return degrade(sharp, kernel=kernel, boundary="reflect", noise="gaussian", level=0.01, seed=0), kernel


def band_psnr(reference: np.ndarray, estimate: np.ndarray, width: int = BAND) -> float:
    inside = np.zeros(reference.shape[:2], bool)
    inside[width:-width, width:-width] = True
    error = np.mean((reference[~inside].astype(np.float64) - np.clip(estimate[~inside], 0, 1)) ** 2)
    return float(10 * np.log10(1.0 / error))


def asymmetric_kernel() -> np.ndarray:
    rng = np.random.default_rng(3)
    kernel = rng.random((5, 7)) ** 3
    return (kernel / kernel.sum()).astype(np.float32)


# ------------------------------------------------------------------------- registry and contract
def test_all_methods_registered_with_complete_specs():
    methods = {m.key: m for m in methods_for(DEBLUR)}
    assert set(methods) == KEYS
    for m in methods.values():
        assert m.summary and m.explanation and m.latex and m.book, m.key
        for p in m.params:
            if p.kind in ("int", "float"):
                assert p.min is not None and p.max is not None and p.min <= p.default <= p.max, (m.key, p.name)
                assert p.sweep_values(5), (m.key, p.name)
    assert methods["blind_rl"].slow and methods["bm3d_deblur"].slow and methods["bm3d_deblur"].reference
    assert not any(methods[k].slow for k in KEYS - {"blind_rl", "bm3d_deblur", "unsupervised_wiener", "tikhonov_cg"})


@pytest.mark.parametrize("key", sorted(KEYS))
def test_every_method_contract_gray_and_rgb(key, sharp, sharp_rgb):
    m = next(m for m in methods_for(DEBLUR) if m.key == key)
    kernel = gaussian_kernel(1.5)
    for clean in (sharp[:64, :64], sharp_rgb):
        image = degrade(clean, kernel=kernel, noise="gaussian", level=0.01, seed=1)
        image_copy, kernel_copy = image.copy(), kernel.copy()
        calls = []
        out = m.run(image, kernel, progress=lambda fraction, message: calls.append(fraction))
        assert out.image.shape == image.shape and out.image.dtype == np.float32
        assert np.all(np.isfinite(out.image)) and out.image.min() >= 0 and out.image.max() <= 1
        np.testing.assert_array_equal(image, image_copy)
        np.testing.assert_array_equal(kernel, kernel_copy)
        if m.accepts_progress:
            assert calls and all(0 <= c <= 1 for c in calls)


@pytest.mark.parametrize("key", sorted(KEYS))
def test_bad_psf_and_image_raise_value_error(key, sharp):
    m = next(m for m in methods_for(DEBLUR) if m.key == key)
    image = sharp[:32, :32]
    with pytest.raises(ValueError, match="PSF is all zeros"):
        m.run(image, np.zeros((5, 5)))
    with pytest.raises(ValueError, match="PSF is all zeros"):
        m.run(image, np.full((3, 3), np.nan))
    with pytest.raises(ValueError, match="larger than the image"):
        m.run(image, np.ones((40, 9)))
    with pytest.raises(ValueError):
        m.run(np.zeros((16, 16, 4), np.float32), gaussian_kernel(1))


# ------------------------------------------------------------------------- conventions
def test_psf2otf_round_trip_is_wrap_convolution(sharp):
    kernel = asymmetric_kernel()
    expected = convolve(sharp, kernel, boundary="wrap")
    otf = psf2otf(kernel, sharp.shape)
    result = np.fft.ifft2(otf * np.fft.fft2(sharp.astype(np.float64)))
    assert np.abs(result.imag).max() < 1e-9
    np.testing.assert_allclose(result.real, expected, atol=1e-5)


def test_display_helpers(sharp, sharp_rgb):
    magnitude = otf_magnitude(gaussian_kernel(2), (64, 64))
    assert magnitude.shape == (64, 64) and magnitude[32, 32] == pytest.approx(1.0)
    assert magnitude.max() == pytest.approx(1.0)
    for image in (sharp, sharp_rgb):
        spectrum = spectrum_db(image)
        assert spectrum.shape == image.shape[:2] and np.all(np.isfinite(spectrum))
        centre = tuple(n // 2 for n in spectrum.shape)
        assert spectrum[centre] == spectrum.max()  # the mean (zero frequency) dominates, in the centre


def test_extension_matches_mirror_near_edges_and_keeps_image(sharp):
    kernel_shape = (13, 9)
    extended = extend(sharp.astype(np.float64), kernel_shape, "reflect")
    height, width = sharp.shape
    np.testing.assert_array_equal(extended[:height, :width], sharp)
    reach = kernel_shape[0] // 2 + 1
    np.testing.assert_allclose(extended[height:height + reach, :width], sharp[::-1][:reach])
    np.testing.assert_allclose(extended[-reach:, :width], sharp[:reach][::-1])
    # periodic without jumps: the wrap-around step is no larger than ordinary neighbour steps
    assert np.abs(extended[-1] - extended[0]).max() <= np.abs(np.diff(extended, axis=0)).max() + 1e-9


def test_check_pair_normalises_without_mutating():
    psf = np.array([[0.0, 2.0, 0.0], [2.0, 4.0, -1.0], [0.0, 2.0, 0.0]])
    before = psf.copy()
    _, kernel = check_pair(np.zeros((8, 8), np.float32), psf)
    assert kernel.sum() == pytest.approx(1.0) and kernel.min() >= 0
    np.testing.assert_array_equal(psf, before)


# ------------------------------------------------------------------------- exactness
def test_inverse_filter_is_exact_without_noise(sharp):
    kernel = gaussian_kernel(0.5, size=5)  # well conditioned: min |H| ≈ 0.33
    assert np.abs(psf2otf(kernel, sharp.shape)).min() > 0.3
    blurred = convolve(sharp, kernel, boundary="wrap")
    restored = fourier.inverse(blurred, kernel, boundary="wrap")
    np.testing.assert_allclose(restored, sharp, atol=1e-4)


def test_inverse_filter_blows_up_noise(sharp):
    kernel = gaussian_kernel(2)
    noisy = degrade(sharp, kernel=kernel, boundary="wrap", noise="gaussian", level=0.01, seed=0)
    assert psnr(sharp, fourier.inverse(noisy, kernel, boundary="wrap")) < 12


def test_skimage_based_filters_share_the_convention(sharp):
    kernel = asymmetric_kernel()
    blurred = convolve(sharp, kernel, boundary="wrap")
    restored = fourier.wiener_hunt(blurred, kernel, balance=1e-4, boundary="wrap")
    assert psnr(sharp, restored) > 40  # a mirrored or shifted OTF would give ~20 dB


def test_pseudo_inverse_modes_keep_only_what_they_promise(sharp):
    kernel = motion_kernel(9)
    blurred = convolve(sharp, kernel, boundary="wrap")
    small_eps = fourier.pseudo_inverse(blurred, kernel, mode="threshold", epsilon=1e-3, boundary="wrap")
    assert psnr(sharp, small_eps) > 30
    low_pass = fourier.pseudo_inverse(blurred, kernel, mode="cutoff", radius=0.1, boundary="wrap")
    assert psnr(sharp, low_pass) > psnr(sharp, blurred) - 3  # smoother, but nothing explodes


def test_tikhonov_cg_matches_closed_form_with_wrap(blurred):
    image, kernel = blurred
    closed = fourier.tikhonov_fft(image, kernel, alpha=0.02, boundary="wrap")
    solved = iterative.tikhonov_cg(image, kernel, alpha=0.02, maxiter=200, boundary="wrap").image
    assert np.abs(closed - solved).max() < 2e-4


def test_tikhonov_cg_matches_mirror_extension_for_symmetric_kernel(blurred):
    # for a kernel symmetric in each axis, the reflect-boundary blur matrix is diagonalised by a
    # mirror extension, so CG with reflect boundaries and the extended FFT solve the same problem
    image, kernel = blurred
    closed = fourier.tikhonov_fft(image, kernel, alpha=0.02, boundary="reflect")
    solved = iterative.tikhonov_cg(image, kernel, alpha=0.02, maxiter=200, boundary="reflect").image
    assert np.abs(closed - solved).max() < 2e-3


@pytest.mark.parametrize("boundary", ["reflect", "wrap", "zero", "edge"])
def test_cg_operator_is_the_simulated_blur_and_its_adjoint(sharp, boundary):
    kernel = asymmetric_kernel()
    blur = iterative._BlurMatrix(kernel.astype(np.float64), sharp.shape, boundary)
    np.testing.assert_allclose(blur.forward(sharp.astype(np.float64)), convolve(sharp, kernel, boundary=boundary),
                               atol=1e-5)
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal(sharp.shape), rng.standard_normal(sharp.shape)
    assert np.vdot(blur.forward(x), y) == pytest.approx(np.vdot(x, blur.adjoint(y)), rel=1e-9)


# ------------------------------------------------------------------------- quality with light noise
@pytest.mark.parametrize("key, gain", [("wiener", 1.5), ("tikhonov_fft", 1.5), ("wiener_hunt", 1.5),
                                       ("tikhonov_cg", 1.5), ("richardson_lucy", 1.5),
                                       ("unsupervised_wiener", 1.0), ("pseudo_inverse", 1.0)])
def test_defaults_gain_psnr_with_light_noise(key, gain, sharp, blurred):
    image, kernel = blurred
    m = next(m for m in methods_for(DEBLUR) if m.key == key)
    assert psnr(sharp, m.run(image, kernel).image) > psnr(sharp, image) + gain


@pytest.mark.parametrize("key", ["richardson_lucy", "wiener", "tikhonov_fft", "wiener_hunt"])
def test_no_ringing_in_the_border_band(key, sharp, blurred):
    image, kernel = blurred
    m = next(m for m in methods_for(DEBLUR) if m.key == key)
    assert band_psnr(sharp, m.run(image, kernel).image) > band_psnr(sharp, image) + 1.0


def test_wrap_assumption_rings_on_reflect_blurred_data(sharp, blurred):
    image, kernel = blurred
    periodic = iterative.richardson_lucy(image, kernel, boundary="wrap").image
    extended = iterative.richardson_lucy(image, kernel, boundary="reflect").image
    assert band_psnr(sharp, extended) > band_psnr(sharp, periodic) + 1.0


def test_richardson_lucy_reports_its_iterations(blurred):
    image, kernel = blurred
    out = iterative.richardson_lucy(image, kernel, num_iter=7)
    changes = out.extras["Relative change per iteration"]
    assert changes.shape == (7,) and changes[-1] < changes[0]


def test_unsupervised_wiener_is_seeded_and_returns_chains(blurred):
    image, kernel = blurred
    first = fourier.unsupervised_wiener(image, kernel, seed=4)
    again = fourier.unsupervised_wiener(image, kernel, seed=4)
    np.testing.assert_array_equal(first.image, again.image)
    chains = first.extras["Gibbs chains"]
    assert set(chains) == {"noise precision", "prior precision"}
    assert all(c.ndim == 1 and c.size > 5 and np.all(c > 0) for c in chains.values())
    # the noise precision settles near 1/σ² of the added noise (σ = 0.01); within a factor of 3
    assert 1e4 / 3 < np.mean(chains["noise precision"][-10:]) < 1e4 * 3


# ------------------------------------------------------------------------- blind Richardson–Lucy
def test_blind_rl_moves_the_psf_towards_the_truth(sharp, blurred):
    image, kernel = blurred
    flat = np.full(kernel.shape, 1.0 / kernel.size)
    out = iterative.blind_rl(image, kernel, init="flat")
    estimate = out.extras["Estimated PSF"]
    assert estimate.shape == kernel.shape and estimate.min() >= 0 and estimate.sum() == pytest.approx(1.0, abs=1e-5)
    flat_error = np.linalg.norm(flat - kernel)
    assert np.linalg.norm(estimate - kernel) < 0.6 * flat_error  # measured about 0.3 × on this crop
    assert psnr(sharp, out.image) > psnr(sharp, image) + 0.5


def test_blind_rl_uses_the_given_psf_only_for_its_size(blurred):
    image, kernel = blurred
    other = np.zeros_like(kernel)
    other[0, 0] = 1.0  # same support, very different content
    a = iterative.blind_rl(image, kernel, outer_iter=3, auto_stop=False)
    b = iterative.blind_rl(image, other, outer_iter=3, auto_stop=False)
    np.testing.assert_array_equal(a.image, b.image)
    c = iterative.blind_rl(image, other, outer_iter=3, auto_stop=False, init="given PSF")
    assert not np.array_equal(a.image, c.image)


def test_textbook_psf_step_barely_moves_but_the_update_is_not_a_no_op(blurred):
    image, kernel = blurred
    plain = iterative.blind_rl(image, kernel, outer_iter=2, auto_stop=False, psf_exponent=1.0)
    change = plain.extras["PSF change per round (L1)"]
    assert np.all(change > 1e-4)  # the book's version multiplies by a scalar: change exactly 0


# ------------------------------------------------------------------------- BM3D reference
def test_bm3d_deblur_is_the_best_here(sharp, blurred):
    image, kernel = blurred
    out = next(m for m in methods_for(DEBLUR) if m.key == "bm3d_deblur").run(image, kernel)
    assert out.extras["Noise σ used (0–255 scale)"] == pytest.approx(2.55, rel=0.3)
    assert psnr(sharp, out.image) > psnr(sharp, fourier.wiener(image, kernel)) + 0.3
