"""Bad uploads on the pages themselves (AppTest uploads real bytes): each gets a clear message in the app's own
words, the page keeps working, and odd but valid files are used. The decoder's own cases are tests/core."""
import io

import numpy as np
import pytest
from PIL import Image

from tests.core.test_uploads import jpeg_declaring, png_declaring
from tests.pages.helpers import errors, image_captions, metric_captions, open_page

RAW_WORDS = ("Truncated IHDR", "image has wrong mode", "MAX_TEXT_CHUNK", "Traceback", "cannot identify")


def encode(array, format="PNG", **save) -> bytes:
    buffer = io.BytesIO()
    (array if isinstance(array, Image.Image) else Image.fromarray(array)).save(buffer, format=format, **save)
    return buffer.getvalue()


def gradient(height: int, width: int) -> np.ndarray:
    return np.tile(np.linspace(0, 255, width, dtype=np.uint8), (height, 1))


def upload(at, name: str, data: bytes, mime: str = "image/png", *, index: int = 0):
    at.get("file_uploader")[index].set_value((name, data, mime))
    return at.run()


def messages(at) -> str:
    return " ".join(errors(at) + [i.value for i in at.sidebar.info] + [w.value for w in at.warning])


BAD_IMAGES = [
    ("broken.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "could not be read as an image"),
    ("truncated.png", encode(gradient(64, 64))[:60], "could not be read as an image"),
    ("liar.png", png_declaring(12000, 9000), "damaged or truncated"),
    ("liar.jpg", jpeg_declaring(10950, 10950), "damaged or truncated"),
    ("dot.png", encode(np.zeros((1, 1), np.uint8)), "at least 8"),
    ("strip.png", encode(gradient(8, 5000)), "32"),
]


@pytest.mark.parametrize("name,data,expected", BAD_IMAGES, ids=[b[0] for b in BAD_IMAGES])
def test_a_bad_image_upload_is_a_clear_message_and_the_sample_is_used(name, data, expected):
    at = open_page("pages/denoising.py", {"dn.max_side": "128", "dn.source": "Upload"})
    upload(at, name, data)
    assert not at.exception, at.exception
    text = " ".join(errors(at))
    assert name in text and expected in text, text
    assert not any(word in text for word in RAW_WORDS), text
    assert len(metric_captions(at)) == 5  # the page still compares on the sample


def _tiff(array, **save) -> bytes:
    return encode(Image.fromarray(array), "TIFF", **save)


VALID = [
    ("deep.tif", _tiff(gradient(400, 600).astype(np.uint16) * 257), "16-bit"),
    ("palette.png", encode(Image.fromarray(gradient(300, 500)).convert("P")), "palette"),
    ("alpha.png", encode(np.dstack([gradient(200, 200)] * 3 + [np.full((200, 200), 128, np.uint8)])), "transparency"),
]


@pytest.mark.parametrize("name,data,note", VALID, ids=[v[0] for v in VALID])
def test_odd_but_valid_images_larger_than_the_working_size_are_used(name, data, note):
    at = open_page("pages/denoising.py", {"dn.max_side": "128", "dn.source": "Upload"})
    upload(at, name, data)
    assert not at.exception, at.exception
    assert not errors(at), errors(at)
    assert "downscaled" in messages(at) and note in messages(at), messages(at)
    assert len(metric_captions(at)) == 5


def test_a_float_tiff_holding_nan_is_a_message_not_a_traceback():
    array = np.linspace(0, 1, 64 * 64, dtype=np.float32).reshape(64, 64)
    array[3, 3] = np.nan
    at = open_page("pages/denoising.py", {"dn.max_side": "128", "dn.source": "Upload"})
    upload(at, "float.tif", _tiff(array), "image/tiff")
    assert not at.exception, at.exception
    assert any("NaN or infinite" in e and "float.tif" in e for e in errors(at)), errors(at)


def test_the_books_jpeg_mask_is_thresholded_with_a_notice():
    import cv2

    mask = np.zeros((128, 128), np.uint8)  # the astronaut is square
    mask[30:60, 40:90] = 255
    mask = cv2.GaussianBlur(mask, (0, 0), 4)  # soft edges, as the book's mask has: many gray pixels
    at = open_page("pages/inpainting.py", {"inp.max_side": "128", "inp.mask.source": "Upload"})
    upload(at, "mask.jpg", encode(mask, "JPEG", quality=60), "image/jpeg")
    assert not at.exception, at.exception
    assert not errors(at), errors(at)
    assert "thresholded at 50" in messages(at), messages(at)
    assert len(metric_captions(at)) == 5  # masked input + the four default methods


def test_a_mask_whose_header_lies_about_its_size_is_refused_quickly():
    at = open_page("pages/inpainting.py", {"inp.max_side": "128", "inp.mask.source": "Upload"})
    upload(at, "huge.jpg", jpeg_declaring(10950, 10950), "image/jpeg")
    assert not at.exception, at.exception
    assert any("huge.jpg" in e and "damaged or truncated" in e for e in errors(at)), errors(at)


def test_a_second_image_of_another_shape_is_resized_to_the_fixed_one():
    at = open_page("pages/registration.py", {"rg.max_side": "128", "rg.moving.source": "Upload"})
    from core.gallery import load_sample
    from core.image import to_uint8

    photo = to_uint8(load_sample("astronaut"))[::4, ::3]  # 128 × 171: another shape and aspect
    upload(at, "other.png", encode(photo))
    assert not at.exception, at.exception
    assert "resized to the fixed image" in messages(at), messages(at)
    assert not [e for e in errors(at) if "broadcast" in e], errors(at)
    assert any("Moving (before)" == c for c in image_captions(at))


def test_a_thin_strip_among_the_images_to_stitch_is_a_message():
    at = open_page("pages/panorama.py", {"pano.input": "Your images", "pano.max_side": "256"})
    from core.gallery import load_sample
    from core.image import to_uint8

    coffee = to_uint8(load_sample("coffee"))
    files = [("left.png", encode(coffee[:, :300]), "image/png"), ("strip.png", encode(coffee[:12, :350]), "image/png")]
    at.get("file_uploader")[0].set_value(files)
    at.run()
    assert not at.exception, at.exception
    text = " ".join(errors(at))
    assert "strip.png" in text or "Image 2" in text or "pixels" in text, text
    assert "height and width must be > 0" not in text
