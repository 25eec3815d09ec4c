"""Every upload path refuses bad files with the app's own sentence and decodes odd but valid ones correctly.

The files are written here: corrupt, truncated, lying headers (so the size guards are tested without
decoding 100-megapixel images), every PIL mode, zips and videos. The real large-file memory measurement is
`python -m bench.decode_probe`.
"""
import io
import struct
import zipfile
import zlib

import numpy as np
import pytest
from PIL import Image, ImageOps

import core.decode as decode
import core.face_sets as faces
import core.zips as zips
import core.learned.loading as loading
import core.video_bg as video_bg
from core.decode import MAX_ASPECT, MIN_SIDE, UnreadableImage
from core.image import decode_image
from core.masks import load_mask, read_mask


def encode(image, format="PNG", **save) -> bytes:
    buffer = io.BytesIO()
    (image if isinstance(image, Image.Image) else Image.fromarray(image)).save(buffer, format=format, **save)
    return buffer.getvalue()


def chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_declaring(width: int, height: int, *, color_type: int = 0) -> bytes:
    """A 2 KB PNG whose header declares `width`×`height` pixels (8-bit gray, or RGB with color_type=2)."""
    header = struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00" * 4000))
            + chunk(b"IEND", b""))


def jpeg_declaring(width: int, height: int) -> bytes:
    """A 2 KB JPEG (16×16 pixels of data) whose frame header is patched to declare `width`×`height`."""
    data = bytearray(encode(np.full((16, 16, 3), 200, np.uint8), "JPEG"))
    at = data.index(b"\xff\xc0")
    data[at + 5:at + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def smooth(shape, seed=0) -> np.ndarray:
    """A smooth random image in [0, 1] (so that downscaling methods agree closely)."""
    import cv2

    small = np.random.default_rng(seed).random((8, 8) + shape[2:]).astype(np.float32)
    return np.clip(cv2.resize(small, shape[1::-1], interpolation=cv2.INTER_CUBIC), 0, 1)


def area(image: np.ndarray, size) -> np.ndarray:
    import cv2

    return cv2.resize(image.astype(np.float32), size, interpolation=cv2.INTER_AREA)


def assert_image(image, shape):
    assert image.shape == shape and image.dtype == np.float32
    assert image.min() >= 0.0 and image.max() <= 1.0


def refusal(data, **kwargs) -> str:
    with pytest.raises(UnreadableImage) as caught:
        decode_image(data, **kwargs)
    assert isinstance(caught.value, ValueError)  # callers that catch ValueError still do
    return str(caught.value)


# -- damaged files: the app's own sentence, the library's words only in parentheses ---------------------

@pytest.mark.parametrize("data,expected", [
    (b"this is not an image at all", "could not be read as an image: it is not in an image format the app reads"),
    (b"%!PS-Adobe-3.0 EPSF-3.0\n" + b"0" * 100, "not in an image format the app reads"),
    (b"\x00\x00\x00\x18ftypheic" + b"\x00" * 100, "HEIC/HEIF photo"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 30, "damaged or truncated PNG file"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\x05IHDR\x00\x00\x00\x10\x00", "damaged or truncated PNG file"),
    (b"\xff\xd8\xff\xe0" + b"\x00" * 40, "damaged or truncated JPEG file"),
])
def test_corrupt_files_get_a_sentence(data, expected):
    message = refusal(data)
    assert expected in message
    assert message.startswith("The file could not be read as")


def test_truncated_png_and_jpeg():
    png = encode(np.random.default_rng(0).integers(0, 255, (64, 64), np.uint8))
    assert "damaged or truncated PNG file" in refusal(png[: len(png) // 2])
    jpeg = encode(np.random.default_rng(0).integers(0, 255, (64, 64, 3), np.uint8), "JPEG")
    assert "damaged or truncated JPEG file" in refusal(jpeg[: len(jpeg) // 2])


def test_truncated_ihdr_is_not_passed_through_raw():
    data = b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 5) + b"IHDR" + b"\x00" * 9
    message = refusal(data)
    assert message.startswith("The file could not be read as an image: it looks like a damaged or truncated PNG")


@pytest.mark.parametrize("kind", [b"zTXt", b"iTXt"])
@pytest.mark.parametrize("where", ["before", "after"])
def test_png_with_a_huge_text_chunk(kind, where):
    from PIL import PngImagePlugin

    text = zlib.compress(b"a" * (PngImagePlugin.MAX_TEXT_CHUNK + 1000))
    body = b"Comment\x00\x00" + text if kind == b"zTXt" else b"Comment\x00\x01\x00\x00\x00" + text
    png = encode(np.zeros((16, 16), np.uint8))
    at = png.index(b"IDAT") - 4 if where == "before" else png.index(b"IEND") - 4
    message = refusal(png[:at] + chunk(kind, body) + png[at:])
    assert "metadata text block too large to read safely" in message


def test_empty_file():
    assert refusal(b"") == "The file is empty."


# -- size guards, from the header alone ------------------------------------------------------------------

def test_a_header_declaring_too_many_bytes_is_refused_before_decoding():
    message = refusal(png_declaring(15000, 9000, color_type=2))
    assert "15000×9000 pixels (135 megapixels)" in message and "MB of memory" in message
    assert f"the {decode.MAX_DECODE_BYTES // 2 ** 20} MB the app allows" in message


def test_a_header_beyond_pillows_bomb_limit_is_refused():
    assert "far too large" in refusal(png_declaring(20000, 20000), max_side=512)


def test_a_lying_header_within_the_budget_fails_fast_as_truncated():
    assert "damaged or truncated" in refusal(png_declaring(6000, 6000), max_side=512)


def test_a_lying_jpeg_header_is_refused_from_its_file_size():
    data = jpeg_declaring(10950, 10950)
    assert len(data) < 3000
    message = refusal(data, max_side=512)
    assert "damaged or truncated JPEG file" in message
    assert f"({len(data):,} bytes are far too few for the 10950×10950 pixels its header declares)" in message
    assert "MB of memory" in refusal(data)  # at full size it would not fit
    with pytest.raises(ValueError, match="mask file could not be read.*damaged or truncated"):
        load_mask(data)


def test_the_budget_counts_the_result_too(monkeypatch):
    data = encode(np.zeros((400, 400, 3), np.uint8))
    assert decode_image(data)[0].shape == (400, 400, 3)
    monkeypatch.setattr(decode, "MAX_DECODE_BYTES", 2 * 2 ** 20 + 6 * decode._STRIP_BYTES)
    assert "decoded at full size here" in refusal(data)  # 400×400×3 float32 is 1.8 MB
    assert decode_image(data, max_side=128)[0].shape == (128, 128, 3)


def test_one_pixel_and_thin_images():
    assert f"at least {MIN_SIDE} pixels on each side" in refusal(encode(np.zeros((1, 1), np.uint8)))
    message = refusal(encode(np.zeros((5000, 8), np.uint8)), max_side=512)
    assert "8×5000 pixels" in message and f"at most {MAX_ASPECT} times" in message
    image, _ = decode_image(encode(np.zeros((40, 1200), np.uint8)), max_side=512)  # 30:1 is accepted
    assert image.shape == (17, 512)
    assert "would be only 4 px on its shorter side" in refusal(encode(np.zeros((40, 1200), np.uint8)), max_side=128)


@pytest.mark.parametrize("shape,max_side", [((300, 200), 64), ((200, 300), 100), ((97, 131), 50), ((64, 2000), 512)])
def test_no_side_under_min_side_after_fitting(shape, max_side):
    image, _ = decode_image(encode(np.zeros(shape, np.uint8)), max_side=max_side)
    assert min(image.shape) >= MIN_SIDE and max(image.shape) == max_side


# -- every mode decodes, and downscales like cv2.INTER_AREA on the full image -------------------------------

def test_16_bit_tiff_larger_than_the_working_size():
    truth = smooth((300, 200))
    data = encode(np.round(truth * 65535).astype(np.uint16), "TIFF")
    image, info = decode_image(data, max_side=64)
    assert_image(image, (64, 43))
    assert info["bit_depth"] == 16 and info["mode"].startswith("I;16")
    np.testing.assert_allclose(image, area(truth, (43, 64)), atol=1e-4)


def test_palette_png_larger_than_the_working_size():
    rgb = np.round(smooth((120, 160, 3)) * 255).astype(np.uint8)
    pil = Image.fromarray(rgb).convert("P", palette=Image.Palette.ADAPTIVE, colors=32)
    image, info = decode_image(encode(pil), max_side=40)
    assert_image(image, (30, 40, 3))
    expected = area(np.asarray(pil.convert("RGB")) / 255.0, (40, 30))
    np.testing.assert_allclose(image, expected, atol=1e-4)
    assert "palette" in info["note"]


def test_palette_png_with_transparency_is_flattened():
    pil = Image.fromarray(np.repeat(np.arange(8, dtype=np.uint8)[None] * 30, 16, axis=0)).convert("P")
    pil.info["transparency"] = 0
    data = encode(pil, transparency=0)
    image, info = decode_image(data)
    assert_image(image, (16, 8, 3))
    assert np.allclose(image[:, 0], 1.0)  # index 0 is transparent: white
    assert "transparency flattened onto white" in info["note"]


def test_rgba_larger_than_the_working_size():
    rgba = np.zeros((100, 200, 4), np.uint8)
    rgba[..., 0] = 255
    rgba[:50, :, 3] = 255  # top half opaque red, bottom transparent
    image, info = decode_image(encode(rgba), max_side=50)
    assert_image(image, (25, 50, 3))
    assert np.allclose(image[0, 0], [1, 0, 0], atol=1e-5) and np.allclose(image[-1, -1], [1, 1, 1], atol=1e-5)
    assert "transparency" in info["note"]
    opaque = rgba.copy()
    opaque[..., 3] = 255
    assert "note" not in decode_image(encode(opaque))[1]  # an alpha channel that hides nothing is not reported


@pytest.mark.parametrize("mode", ["L", "RGB", "LA", "1", "I"])
def test_modes_downscale_like_inter_area(mode):
    truth = smooth((90, 130, 3))
    rgb = Image.fromarray(np.round(truth * 255).astype(np.uint8))
    pil = rgb.convert(mode) if mode != "I" else Image.fromarray((np.asarray(rgb.convert("L")).astype(np.int32) * 200))
    format = "TIFF" if mode == "I" else "PNG"
    image, info = decode_image(encode(pil, format), max_side=40)
    full, _ = decode_image(encode(pil, format))
    assert image.shape[:2] == (28, 40) and image.dtype == np.float32
    np.testing.assert_allclose(image, area(full, (40, 28)), atol=1e-4)
    assert image.ndim == (3 if mode == "RGB" else 2)


def test_float_tiff_in_range_is_kept_and_out_of_range_is_stretched():
    truth = smooth((40, 60))
    image, info = decode_image(encode(Image.fromarray(truth, "F"), "TIFF"))
    np.testing.assert_allclose(image, truth, atol=1e-6)
    assert info["bit_depth"] == 32 and "note" not in info
    image, info = decode_image(encode(Image.fromarray(truth * 1000 - 200, "F"), "TIFF"))
    assert image.min() == 0.0 and image.max() == pytest.approx(1.0)
    assert "stretched to [0, 1]" in info["note"]


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_float_tiff_with_nan_or_inf_is_refused_by_the_decoder(bad):
    array = smooth((40, 60))
    array[5, 7] = bad
    message = refusal(encode(Image.fromarray(array, "F"), "TIFF"), max_side=32)
    assert message == "The image holds NaN or infinite values (a float TIFF?): it cannot be shown."


def test_cmyk_jpeg():
    rgb = np.round(smooth((64, 96, 3)) * 255).astype(np.uint8)
    data = encode(Image.fromarray(rgb).convert("CMYK"), "JPEG", quality=95)
    image, info = decode_image(data, max_side=48)
    assert info["mode"] == "CMYK"
    assert_image(image, (32, 48, 3))
    assert np.abs(image - area(rgb / 255.0, (48, 32))).mean() < 0.03


def test_large_jpeg_decodes_at_a_reduced_scale():
    truth = smooth((1200, 1600, 3))
    data = encode(np.round(truth * 255).astype(np.uint8), "JPEG", quality=95)
    image, info = decode_image(data, max_side=300)
    assert info["decoded_size"] == (400, 300)  # libjpeg's 1/4 scale, still at least 300×225
    assert_image(image, (225, 300, 3))
    assert np.abs(image - area(truth, (300, 225))).mean() < 0.01
    image, info = decode_image(data, max_side=200)
    assert info["decoded_size"] == (200, 150)  # 1/8: the mean of each 8×8 block, the target itself
    assert np.abs(image - area(truth, (200, 150))).mean() < 0.01


def test_webp_decodes_at_half_size_and_with_alpha():
    truth = smooth((200, 300, 3))
    data = encode(np.round(truth * 255).astype(np.uint8), "WEBP", lossless=True)
    image, info = decode_image(data, max_side=100)
    assert info["decoded_size"] == (150, 100)
    assert_image(image, (67, 100, 3))
    np.testing.assert_allclose(image, area(truth, (100, 67)), atol=3 / 255)
    rgba = np.zeros((40, 40, 4), np.uint8)
    rgba[:20, :, 3] = 255
    image, info = decode_image(encode(rgba, "WEBP", lossless=True))
    assert np.allclose(image[0, 0], 0) and np.allclose(image[-1, -1], 1) and "transparency" in info["note"]


@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientations_match_pillow(orientation):
    array = np.tile(np.arange(36, dtype=np.uint8) * 7, (20, 1))
    array[:5] = 255  # a bright top band: every orientation gives another image
    pil = Image.fromarray(array)
    exif = pil.getexif()
    exif[0x0112] = orientation
    data = encode(pil, "PNG", exif=exif)
    image, info = decode_image(data, max_side=18)
    with Image.open(io.BytesIO(data)) as opened:
        upright = np.asarray(ImageOps.exif_transpose(opened)) / 255.0
    np.testing.assert_allclose(image, area(upright, decode._target(*upright.shape[1::-1], 18)), atol=1e-4)
    assert info["original_size"] == upright.shape[1::-1]


# -- masks ----------------------------------------------------------------------------------------------------

def test_a_jpeg_mask_with_gray_edges_is_thresholded_with_a_notice():
    import cv2

    truth = np.zeros((120, 160), np.uint8)
    cv2.putText(truth, "mask", (5, 80), cv2.FONT_HERSHEY_SIMPLEX, 1.8, 255, 5)
    data = encode(cv2.GaussianBlur(truth, (0, 0), 1.5), "JPEG", quality=40)  # soft, compressed edges
    mask, info = read_mask(data)
    assert mask.dtype == bool and mask.shape == (120, 160)
    iou = (mask & (truth > 0)).sum() / (mask | (truth > 0)).sum()
    assert iou > 0.9
    assert info["gray_share"] > 0.01 and "thresholded at 50 %" in info["notice"]
    assert np.array_equal(load_mask(data), mask)


def test_a_large_mask_is_decoded_at_most_max_side():
    mask = np.zeros((300, 600), np.uint8)
    mask[:, 300:] = 255
    small, info = read_mask(encode(mask), max_side=100)
    assert small.shape == (50, 100) and small[:, 60:].all() and not small[:, :40].any()
    assert "downscaled from 600×300 to 100×50" in info["notice"]


# -- identity zips ------------------------------------------------------------------------------------------

def _zip(members: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, body in members.items():
            archive.writestr(name, body)
    return buffer.getvalue()


def _faces(count=3, seed=0) -> list[bytes]:
    rng = np.random.default_rng(seed)
    return [encode((smooth((48, 48), seed=int(rng.integers(1000))) * 255).astype(np.uint8)) for _ in range(count)]


def test_a_zip_with_climbing_paths_is_refused():
    for path in ("../ann/0.png", "ann/../../x.png", "/etc/ann/0.png"):
        with pytest.raises(ValueError, match="path that leads outside it"):
            faces.load_identity_zip(_zip({path: _faces(1)[0], "ben/0.png": _faces(1)[0]}))


def test_a_zip_bomb_is_refused_from_its_declared_sizes(monkeypatch):
    with pytest.raises(ValueError, match="zip bomb"):
        faces.load_identity_zip(_zip({"ann/0.png": b"\x00" * (3 * 2 ** 20), "ben/0.png": _faces(1)[0]}))
    monkeypatch.setattr(faces, "MAX_ZIP_UNPACKED", 1000)
    members = {f"{name}/{i}.png": face for name in ("ann", "ben") for i, face in enumerate(_faces(3))}
    with pytest.raises(ValueError, match="would unpack to .* MB, more than"):
        faces.load_identity_zip(_zip(members, zipfile.ZIP_STORED))


def test_an_empty_zip_and_one_without_images():
    with pytest.raises(ValueError, match="The zip is empty"):
        faces.load_identity_zip(_zip({}))
    with pytest.raises(ValueError, match="No face images"):
        faces.load_identity_zip(_zip({"ann/notes.txt": b"hello", "ben/data.csv": b"1,2"}))


def test_unreadable_members_are_skipped_with_a_note(monkeypatch):
    members = {f"{name}/{i}.png": face for name in ("ann", "ben") for i, face in enumerate(_faces(3))}
    members["ann/broken.png"] = b"\x89PNG\r\n\x1a\nnot really"
    members["ben/huge.jpg"] = jpeg_declaring(10950, 10950)
    members["ann/readme.txt"] = b"not an image"
    face_set = faces.load_identity_zip(_zip(members))
    assert face_set.faces.shape == (6, 48, 48) and face_set.names == ["ann", "ben"]
    assert any("2 file(s) were skipped" in note for note in face_set.notes)
    monkeypatch.setattr(zips, "MAX_ZIP_MEMBER", 100)
    with pytest.raises(ValueError, match="No face images"):
        faces.load_identity_zip(_zip(members))


def test_a_damaged_member_is_skipped():
    members = {f"{name}/{i}.png": face for name in ("ann", "ben") for i, face in enumerate(_faces(3))}
    data = bytearray(_zip(members, zipfile.ZIP_STORED))
    at = data.index(b"IDAT")  # the first stored PNG's pixel data: its zip CRC no longer matches
    data[at + 10:at + 20] = b"\xff" * 10
    face_set = faces.load_identity_zip(bytes(data))
    assert len(face_set.faces) == 5 and any("skipped" in note for note in face_set.notes)


# -- videos -------------------------------------------------------------------------------------------------

def test_a_video_with_frames_over_the_limit_is_refused(monkeypatch):
    data = video_bg.encode_mp4(np.zeros((3, 32, 48, 3), np.float32), fps=5)
    monkeypatch.setattr(video_bg, "MAX_FRAME_PIXELS", 32 * 48 - 1)
    with pytest.raises(ValueError, match="has 48×32 frames; videos of at most"):
        video_bg.read_video(data, name="big.mp4")


def test_a_too_narrow_video_is_refused():
    data = video_bg.encode_mp4(np.zeros((3, 16, 640, 3), np.float32), fps=5)
    with pytest.raises(ValueError, match="640×16 frames: too narrow"):
        video_bg.read_video(data, name="strip.mp4", max_side=160)


def test_an_empty_video_file():
    with pytest.raises(ValueError, match="empty"):
        video_bg.read_video(b"", name="empty.mp4")


# -- .keras uploads ---------------------------------------------------------------------------------------

def test_keras_uploads_are_checked_before_keras_reads_them(monkeypatch):
    with pytest.raises(ValueError, match="is damaged: it starts like a .keras"):
        loading.load_keras_model(b"PK\x03\x04" + b"\x00" * 100, "model.keras")
    with pytest.raises(ValueError, match="no config.json"):
        loading.load_keras_model(_zip({"weights.h5": b"\x00" * 10}), "model.keras")
    with pytest.raises(ValueError, match="would unpack to 3 MB"):
        monkeypatch.setattr(loading, "MAX_UNPACKED_BYTES", 2 ** 20)
        loading.load_keras_model(_zip({"config.json": b"{}", "model.weights.h5": b"\x00" * (3 * 2 ** 20)}),
                                 "model.keras")
    monkeypatch.setattr(loading, "MAX_BYTES", 2 ** 20)
    with pytest.raises(ValueError, match="The file is 2 MB; models up to 1 MB are accepted"):
        loading.load_keras_model(b"PK" + b"\x00" * (2 * 2 ** 20), "model.keras")
