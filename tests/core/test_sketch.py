"""Pencil sketches from image minus its smoothed version (core.sketch)."""
import numpy as np
import pytest

from core.registry import methods_for
from core.sketch import residual_sketch, sk_diffusion, sk_gaussian


def disk_on_noise(seed=0, size=96):
    """A dark disk on a bright, slightly textured background."""
    yy, xx = np.mgrid[:size, :size]
    image = np.where((yy - size / 2) ** 2 + (xx - size / 2) ** 2 < (size / 4) ** 2, 0.25, 0.75)
    rng = np.random.default_rng(seed)
    return np.clip(image + rng.normal(0, 0.02, image.shape), 0, 1).astype(np.float32)


def outline(size=96, width=3):
    yy, xx = np.mgrid[:size, :size]
    r = np.hypot(yy - size / 2, xx - size / 2)
    return np.abs(r - size / 4) <= width


def test_residual_sketch_draws_where_the_image_is_darker_than_smoothed():
    image = np.array([[0.5, 0.2, 0.5]], np.float32)
    smoothed = np.array([[0.5, 0.4, 0.5]], np.float32)
    hard = residual_sketch(image, smoothed, threshold=0.05, soft=False)
    np.testing.assert_array_equal(hard, [[1, 0, 1]])  # zero residual stays paper (unlike the book)
    assert residual_sketch(image, smoothed, threshold=0.05, soft=False, invert=True)[0, 1] == 1
    soft = residual_sketch(image, smoothed, threshold=0.05, soft=True, contrast=2.0)
    assert soft[0, 1] == pytest.approx(1 - 0.15 * 2)


def test_diffusion_sketch_follows_the_outline_and_ignores_the_texture():
    image = disk_on_noise()
    sketch = sk_diffusion(image, iterations=60, kappa=0.05, soft=False, threshold=0.03)
    lines = sketch < 0.5
    assert lines[outline()].mean() > 0.1  # the dark side of the outline is drawn
    assert lines[~outline(width=6)].mean() < 0.02  # the texture (σ = 0.02) stays under the threshold


def test_diffusion_keeps_the_edge_so_its_lines_are_thinner_than_a_difference_of_gaussians():
    image = disk_on_noise()
    diffusion = sk_diffusion(image, iterations=60, kappa=0.05, soft=False, threshold=0.03) < 0.5
    dog = sk_gaussian(image, sigma=3.5, soft=False, threshold=0.03) < 0.5  # σ = √(2·60·0.2) ≈ 4.9
    assert 0 < diffusion.sum() < 0.6 * dog.sum()


def test_sketch_methods_keep_the_input_layout_and_do_not_mutate():
    gray = disk_on_noise(size=48)
    rgb = np.stack([gray] * 3, axis=2).copy()
    for m in methods_for("sketch"):
        for image in (gray, rgb):
            before = image.copy()
            out = m.run(image).image
            assert out.shape == image.shape and out.dtype == np.float32
            assert out.min() >= 0 and out.max() <= 1
            np.testing.assert_array_equal(image, before)


@pytest.mark.parametrize("options", [{"threshold": -0.1}, {"contrast": 0.0}])
def test_bad_sketch_settings_raise_value_error(options):
    image = disk_on_noise(size=32)
    with pytest.raises(ValueError):
        residual_sketch(image, image, **options)
