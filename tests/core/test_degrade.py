import numpy as np
import pytest
from scipy.ndimage import convolve as nd_convolve

from core.degrade import (BOKEH_SHAPES, add_noise, bokeh_kernel, convolve, custom_kernel, degrade, disk_kernel,
                          gaussian_kernel, make_kernel, motion_kernel)
from core.gallery import SAMPLES, load_sample


@pytest.fixture(scope="module")
def camera():
    return load_sample("camera")[:96, :96]


@pytest.mark.parametrize("model,level", [("gaussian", 0.1), ("salt_pepper", 0.1), ("poisson", 30.0),
                                         ("speckle", 0.2)])
def test_noise_is_seeded_and_in_range(camera, model, level):
    a = add_noise(camera, model=model, level=level, seed=3)
    b = add_noise(camera, model=model, level=level, seed=3)
    c = add_noise(camera, model=model, level=level, seed=4)
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    assert a.dtype == np.float32 and a.shape == camera.shape
    assert 0 <= a.min() and a.max() <= 1


def test_gaussian_noise_level(camera):
    noisy = add_noise(np.full((256, 256), 0.5, np.float32), level=0.05, seed=0)
    assert np.std(noisy - 0.5) == pytest.approx(0.05, rel=0.05)


def test_salt_and_pepper_fraction():
    noisy = add_noise(np.full((200, 200), 0.5, np.float32), model="salt_pepper", level=0.2, seed=0)
    hit = (noisy == 0) | (noisy == 1)
    assert hit.mean() == pytest.approx(0.2, abs=0.01)


def test_poisson_noise_depends_on_signal():
    image = np.zeros((128, 256), np.float32)
    image[:, 128:] = 0.4
    noisy = add_noise(image, model="poisson", level=20, seed=0)
    assert noisy[:, :128].std() == 0  # no photons, no noise
    assert noisy[:, 128:].std() == pytest.approx(np.sqrt(0.4 / 20), rel=0.1)


def test_unknown_noise_model(camera):
    with pytest.raises(ValueError, match="Unknown noise"):
        add_noise(camera, model="pink", level=0.1)


@pytest.mark.parametrize("kernel", [gaussian_kernel(2.0), motion_kernel(9, 30), disk_kernel(3.5), bokeh_kernel("star", 6),
                                    bokeh_kernel("hexagon", 5), bokeh_kernel("heart", 6)])
def test_kernels_are_normalised_and_centred(kernel):
    assert kernel.sum() == pytest.approx(1.0, abs=1e-5)
    assert kernel.shape[0] % 2 == 1 and kernel.shape[1] % 2 == 1
    rows, cols = np.indices(kernel.shape)
    centre = kernel.shape[0] // 2
    assert (rows * kernel).sum() == pytest.approx(centre, abs=0.6)
    assert (cols * kernel).sum() == pytest.approx(centre, abs=0.6)


def test_motion_kernel_direction():
    horizontal = motion_kernel(9, 0)
    assert horizontal[horizontal.shape[0] // 2].sum() > 0.95
    vertical = motion_kernel(9, 90)
    assert vertical[:, vertical.shape[1] // 2].sum() > 0.95


def test_zero_kernel_is_rejected(camera):
    with pytest.raises(ValueError, match="all zeros"):
        convolve(camera, np.zeros((5, 5)))
    with pytest.raises(ValueError, match="empty"):
        custom_kernel(np.zeros((40, 40)))


def test_custom_kernel_from_drawing():
    drawing = np.zeros((100, 100))
    drawing[50, 20:80] = 1.0
    kernel = custom_kernel(drawing, 15)
    assert kernel.shape == (15, 15) and kernel.sum() == pytest.approx(1, abs=1e-5)
    assert kernel[7].sum() > 0.5  # a horizontal stroke stays horizontal


def test_convolution_is_true_convolution_with_stated_boundary(camera):
    kernel = np.zeros((5, 5), np.float32)
    kernel[2, 2], kernel[2, 4] = 0.5, 0.5  # asymmetric: tells convolution from correlation
    ours = convolve(camera, kernel, boundary="reflect")
    reference = nd_convolve(camera.astype(np.float64), kernel, mode="mirror")
    assert np.abs(ours[3:-3, 3:-3] - reference[3:-3, 3:-3]).max() < 1e-5
    wrapped = convolve(camera, kernel, boundary="wrap")
    assert np.abs(wrapped - nd_convolve(camera.astype(np.float64), kernel, mode="wrap")).max() < 1e-5


def test_reflect_blur_has_no_dark_border():
    flat = np.full((64, 64), 0.7, np.float32)
    assert np.allclose(convolve(flat, gaussian_kernel(3), boundary="reflect"), 0.7, atol=1e-5)
    assert convolve(flat, gaussian_kernel(3), boundary="zero")[0, 0] < 0.5


def test_degrade_blur_then_noise_colour():
    rgb = load_sample("astronaut")[:64, :64]
    out = degrade(rgb, kernel=make_kernel("motion", size=7, angle=45), noise="gaussian", level=0.02, seed=0,
                  quantize=True)
    assert out.shape == rgb.shape
    assert np.allclose(out * 255, np.round(out * 255), atol=1e-4)


def test_make_kernel_kinds():
    for kind in ("gaussian", "motion", "disk", "box"):
        assert make_kernel(kind, size=3).sum() == pytest.approx(1, abs=1e-5)
    for shape in BOKEH_SHAPES:
        assert make_kernel("bokeh", size=5, shape=shape).sum() == pytest.approx(1, abs=1e-5)
    assert make_kernel("none") is None
    with pytest.raises(ValueError, match="Draw"):
        make_kernel("custom")


@pytest.mark.parametrize("name", list(SAMPLES))
def test_every_sample_loads_offline(name):
    image = load_sample(name)
    assert image.dtype == np.float32 and image.ndim in (2, 3) and min(image.shape[:2]) >= 64
    assert 0 <= image.min() and image.max() <= 1
    image[...] = 0.123  # a copy: the cached sample is not changed
    assert not np.all(load_sample(name) == np.float32(0.123))
