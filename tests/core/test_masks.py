"""Inpainting masks: generated patterns hit their share and are seeded; uploads and bad masks get clear errors."""
import io

import numpy as np
import pytest
from PIL import Image

from core.masks import (MASK_KINDS, apply_mask, check_mask, fit_mask, generate_mask, load_mask, random_pixels,
                        random_strokes, read_mask, text_mask)

TOLERANCE = {"strokes": 0.03, "text": 0.05, "pixels": 0.02}


def _png(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.mark.parametrize("kind", MASK_KINDS)
@pytest.mark.parametrize("shape", [(128, 128), (96, 160)])
def test_generated_masks_cover_about_the_requested_share(kind, shape):
    for ratio in (0.05, 0.1, 0.25):
        mask = generate_mask(kind, shape, ratio=ratio, seed=1)
        assert mask.dtype == bool and mask.shape == shape
        assert abs(mask.mean() - ratio) <= TOLERANCE[kind], (kind, ratio, mask.mean())


@pytest.mark.parametrize("kind", MASK_KINDS)
def test_generated_masks_are_seeded(kind):
    first = generate_mask(kind, (80, 120), ratio=0.15, seed=3)
    again = generate_mask(kind, (80, 120), ratio=0.15, seed=3)
    other = generate_mask(kind, (80, 120), ratio=0.15, seed=4)
    assert np.array_equal(first, again)
    assert not np.array_equal(first, other)


def test_ratio_limits_and_bad_settings():
    for generator in (random_strokes, text_mask, random_pixels):
        assert not generator((40, 50), ratio=0.0).any()
        assert generator((40, 50), ratio=1.0).all()
        with pytest.raises(ValueError, match="between 0 and 1"):
            generator((40, 50), ratio=1.5)
    with pytest.raises(ValueError, match="Unknown mask kind"):
        generate_mask("blobs", (40, 50))


def test_strokes_are_thick_lines_not_scattered_pixels():
    from scipy.ndimage import label

    mask = random_strokes((256, 256), ratio=0.1, seed=0)
    _, pieces = label(mask)
    assert pieces < 60  # a few dozen strokes, unlike ~6500 isolated pixels


def test_uploaded_mask_white_means_missing():
    array = np.zeros((40, 60), np.uint8)
    array[10:20, 5:30] = 255
    mask = load_mask(_png(array))
    assert mask.dtype == bool and mask.shape == (40, 60)
    assert mask[15, 10] and not mask[30, 50]
    assert mask.sum() == 10 * 25


def test_uploaded_mask_tolerates_a_few_antialiased_pixels():
    array = np.zeros((100, 100), np.uint8)
    array[40:60, 40:60] = 255
    array[39, 40:60] = 128  # one soft edge row: 0.2 % of the pixels
    assert load_mask(_png(array)).sum() == 400 + 20


def test_a_soft_uploaded_mask_is_thresholded_at_half_with_a_notice():
    from scipy.ndimage import gaussian_filter

    array = np.zeros((64, 64), np.float32)
    array[16:48, 16:48] = 255
    soft = np.round(gaussian_filter(array, 5)).astype(np.uint8)  # wide soft edges: 36 % gray
    mask, info = read_mask(_png(soft))
    assert mask.dtype == bool and mask.shape == (64, 64)
    assert np.array_equal(mask, soft >= 128)  # 50 % gray is the threshold
    assert 0.3 < info["gray_share"] < 0.5
    assert f"not pure black and white: {info['gray_share']:.0%} of its pixels are gray" in info["notice"]
    assert "thresholded at 50 %" in info["notice"]
    assert np.array_equal(load_mask(_png(soft)), mask)  # the old entry point returns the same mask


def test_a_mostly_gray_upload_is_refused_as_not_a_mask():
    ramp = np.tile(np.linspace(0, 255, 64).astype(np.uint8), (48, 1))  # 78 % gray
    with pytest.raises(ValueError, match="not black and white: 78% of its pixels are gray.*white where pixels are "
                                         "missing"):
        load_mask(_png(ramp))


def test_a_clean_mask_has_no_notice():
    array = np.zeros((40, 60), np.uint8)
    array[10:20, 5:30] = 255
    _, info = read_mask(_png(array))
    assert "notice" not in info and info["gray_share"] == 0.0


def test_unreadable_mask_file():
    with pytest.raises(ValueError, match="could not be read"):
        load_mask(b"this is not an image")


def test_fit_mask_rescales_but_refuses_another_shape():
    mask = np.zeros((200, 300), bool)
    mask[50:100, 100:200] = True
    small = fit_mask(mask, (100, 150))
    assert small.shape == (100, 150) and abs(small.mean() - mask.mean()) < 0.01
    assert fit_mask(mask, (200, 300, 3)) is not None
    with pytest.raises(ValueError, match=r"300×200 pixels but the image is 128×128.*don't match"):
        fit_mask(mask, (128, 128))


def test_check_mask_messages():
    image = np.zeros((32, 48), np.float32)
    with pytest.raises(ValueError, match="mask is empty"):
        check_mask(image, np.zeros((32, 48), bool))
    with pytest.raises(ValueError, match="covers the whole image"):
        check_mask(image, np.ones((32, 48), bool))
    with pytest.raises(ValueError, match=r"mask is 40×32 pixels but the image is 48×32"):
        check_mask(image, np.ones((32, 40), bool))
    good = np.zeros((32, 48), np.uint8)
    good[3, 4] = 1
    checked = check_mask(image, good)
    assert checked.dtype == bool and checked.sum() == 1


def test_apply_mask_fills_a_copy():
    image = np.full((20, 20, 3), 0.3, np.float32)
    mask = np.zeros((20, 20), bool)
    mask[5:8, 5:8] = True
    damaged = apply_mask(image, mask)
    assert np.all(damaged[mask] == 1.0) and np.all(damaged[~mask] == 0.3)
    assert np.all(image == 0.3)
