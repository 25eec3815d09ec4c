import io

import numpy as np
import pytest
from PIL import Image

from core.image import MIN_SIDE, decode_image, digest, encode_png, fit_size, prepare, to_float, to_gray, to_rgb, to_uint8


def _png(array, mode=None, **save):
    buffer = io.BytesIO()
    Image.fromarray(array, mode=mode).save(buffer, format=save.pop("format", "PNG"), **save)
    return buffer.getvalue()


def test_to_float_scales_integer_types():
    assert to_float(np.array([0, 255], np.uint8)).tolist() == [0.0, 1.0]
    assert to_float(np.array([0, 65535], np.uint16)).tolist() == [0.0, 1.0]
    assert to_float(np.array([True, False])).dtype == np.float32


def test_to_float_rejects_nan():
    with pytest.raises(ValueError, match="NaN"):
        to_float(np.array([np.nan, 0.5]))


def test_uint8_round_trip_is_exact():
    values = np.arange(256, dtype=np.uint8)
    assert np.array_equal(to_uint8(to_float(values)), values)


def test_gray_and_rgb_conversions():
    rgb = np.zeros((4, 4, 3), np.float32)
    rgb[..., 1] = 1.0
    gray = to_gray(rgb)
    assert gray.shape == (4, 4) and np.allclose(gray, 0.7154)
    assert to_rgb(gray).shape == (4, 4, 3)
    rgba = np.dstack([rgb, np.zeros((4, 4), np.float32)])  # fully transparent → white
    assert np.allclose(to_rgb(rgba), 1.0)


def test_fit_size_downscales_longest_side():
    image = np.zeros((300, 600), np.float32)
    small, scale = fit_size(image, 200)
    assert small.shape == (100, 200) and scale == pytest.approx(1 / 3)
    same, scale = fit_size(image, 1000)
    assert same is image and scale == 1.0


def test_digest_sees_every_pixel():
    a = np.zeros((1024, 1024), np.float32)
    b = a.copy()
    b[700, 333] = 1e-6
    assert digest(a) != digest(b)
    assert digest(a) == digest(a.copy())
    assert digest(a) != digest(a.astype(np.float64))


def test_conversions_do_not_mutate_input():
    image = np.random.default_rng(0).random((8, 8, 3)).astype(np.float32)
    before = image.copy()
    to_gray(image), to_rgb(image), prepare(image, gray=True, max_side=4)
    assert np.array_equal(image, before)


class TestDecode:
    def test_corrupt_file(self):
        with pytest.raises(ValueError, match="could not be read"):
            decode_image(b"this is not an image at all")

    def test_truncated_png(self):
        data = _png(np.zeros((64, 64), np.uint8))
        with pytest.raises(ValueError):
            decode_image(data[: len(data) // 2])

    def test_empty_file(self):
        with pytest.raises(ValueError, match="empty"):
            decode_image(b"")

    def test_one_pixel_image(self):
        with pytest.raises(ValueError, match=f"at least {MIN_SIDE}"):
            decode_image(_png(np.zeros((1, 1), np.uint8)))

    def test_16_bit_tiff_keeps_precision(self):
        array = (np.arange(64 * 64, dtype=np.uint16).reshape(64, 64) * 16)
        buffer = io.BytesIO()
        Image.fromarray(array).save(buffer, format="TIFF")
        image, info = decode_image(buffer.getvalue())
        assert info["bit_depth"] == 16
        assert image.dtype == np.float32
        assert np.allclose(image, array / 65535, atol=1e-6)
        assert len(np.unique(image)) > 256  # not squashed to 8 bits

    def test_rgba_png_is_flattened(self):
        rgba = np.zeros((16, 16, 4), np.uint8)
        rgba[..., 0] = 255
        rgba[:8, :, 3] = 255  # top half opaque red, bottom transparent
        image, info = decode_image(_png(rgba))
        assert image.shape == (16, 16, 3)
        assert np.allclose(image[0, 0], [1, 0, 0]) and np.allclose(image[-1, -1], [1, 1, 1])
        assert "transparency" in info["note"]

    def test_palette_png(self):
        pil = Image.fromarray((np.arange(32 * 32).reshape(32, 32) % 7 * 30).astype(np.uint8)).convert("P")
        buffer = io.BytesIO()
        pil.save(buffer, format="PNG")
        image, _ = decode_image(buffer.getvalue())
        assert image.shape == (32, 32, 3) and image.dtype == np.float32

    def test_large_image_is_downscaled(self):
        data = _png(np.full((1500, 3000), 128, np.uint8), compress_level=1)
        image, info = decode_image(data, max_side=512)
        assert image.shape == (256, 512) and image.dtype == np.float32
        assert info["original_size"] == (3000, 1500) and info["scale"] == pytest.approx(512 / 3000, rel=1e-3)
        assert np.allclose(image, 128 / 255, atol=1e-5)

    def test_exif_orientation_is_applied(self):
        pil = Image.fromarray(np.zeros((20, 40), np.uint8))
        exif = pil.getexif()
        exif[0x0112] = 6  # rotate 90° on display
        buffer = io.BytesIO()
        pil.save(buffer, format="JPEG", exif=exif)
        image, _ = decode_image(buffer.getvalue())
        assert image.shape[:2] == (40, 20)


def test_encode_png_round_trip():
    image = np.linspace(0, 1, 64 * 64, dtype=np.float32).reshape(64, 64)
    decoded, _ = decode_image(encode_png(image))
    assert np.abs(decoded - image).max() <= 0.5 / 255 + 1e-6


@pytest.mark.parametrize("shape", [(40, 30), (40, 30, 3), (40, 30, 4), (1, 1), (8, 500, 3)])
def test_encode_png_is_lossless_and_keeps_channel_order(shape):
    pixels = np.random.default_rng(0).integers(0, 256, shape, dtype=np.uint8)
    pixels[0, 0] = [255, 0, 0, 255][:shape[2]] if len(shape) == 3 else 255  # red stays red (RGB, not BGR)
    decoded = np.array(Image.open(io.BytesIO(encode_png(pixels))))
    assert decoded.shape == shape and np.array_equal(decoded, pixels)
    mask = np.zeros((20, 20), bool)
    mask[5:10, 5:10] = True
    assert np.array_equal(np.array(Image.open(io.BytesIO(encode_png(mask.astype(np.float32))))), mask * 255)
