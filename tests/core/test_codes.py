"""Barcodes & QR codes: generation, the perspective paste, every decoder's round trip (Bengali text included), bad
input, the score, the robustness curves and WeChat's model files."""
import hashlib
import io

import numpy as np
import pytest
from PIL import Image

from core.codes import decoders
from core.codes.generate import LEVELS, ean13_check_digit, ean13_modules, make_ean13, make_qr, validate_ean13
from core.codes.paste import corners, paste
from core.codes.robustness import robustness
from core.registry import DECODE_CODES, get_method
from core.tasks.codes import BOOK_ISBN, BOOK_PAYLOAD, book_scene, match, photo

QR_READERS = ("zxing", "opencv_qr", "opencv_qr_aruco", "wechat")
ALL = QR_READERS + ("opencv_barcode",)


def decode(key, image, **params):
    return get_method(DECODE_CODES, key).run(image, params=params)


def texts(output):
    return [code["text"] for code in output.extras["codes"]]


@pytest.fixture(scope="module")
def astronaut():
    return photo("astronaut", 512)


# -- generation -------------------------------------------------------------------------------------------

def test_qr_levels_versions_and_quiet_zone():
    codes = {level: make_qr(BOOK_PAYLOAD, level=level, scale=3) for level in LEVELS}
    versions = [codes[level].version for level in LEVELS]
    assert versions == sorted(versions) and versions[0] < versions[-1]  # more correction, more modules
    assert all(codes[level].level == level for level in LEVELS)  # not raised behind our back (boost_error)
    code = codes["M"]
    n = 17 + 4 * code.version
    assert code.modules.shape == (n, n)
    assert code.image.shape == ((n + 8) * 3,) * 2  # 4-module quiet zone on each side
    assert code.image[:12].min() == 1.0 and code.image[:, -12:].min() == 1.0  # the quiet zone is white
    assert code.image[12:33, 12:33].min() == 0.0  # the top-left finder square is dark


def test_qr_too_long_or_too_small_a_version_is_a_clear_message():
    with pytest.raises(ValueError, match="needs version"):
        make_qr(BOOK_PAYLOAD, level="H", version=2)
    with pytest.raises(ValueError, match="too long for any QR code at level H"):
        make_qr("x" * 1300, level="H")
    assert make_qr("x" * 1273, level="H").version == 40  # the most a version-40 H code holds
    with pytest.raises(ValueError, match="empty"):
        make_qr("")
    with pytest.raises(ValueError, match="level"):
        make_qr("a", level="X")


def test_ean13_check_digit_rule_and_validation():
    assert ean13_check_digit("978938989864") == 4  # the book's ISBN
    assert ean13_check_digit("400638133393") == 1  # 4006381333931, the usual textbook example
    assert validate_ean13("978-938989864")[0] == BOOK_ISBN
    assert "Check digit 4 added" in validate_ean13("978938989864")[1]
    assert validate_ean13(BOOK_ISBN) == (BOOK_ISBN, "")
    with pytest.raises(ValueError, match="should be 4"):
        validate_ean13("9789389898645")  # python-barcode would silently make this …644
    with pytest.raises(ValueError, match="digits 0-9 only"):
        validate_ean13("97893898986X4")
    with pytest.raises(ValueError, match="digits 0-9 only"):
        validate_ean13("97893898986٤4")  # an Arabic-Indic digit is a digit to Python, not to EAN
    with pytest.raises(ValueError, match="has 5"):
        validate_ean13("12345")


@pytest.mark.parametrize("digits", ["978938989864", "400638133393", "012345678901", "590123412345"])
def test_ean13_modules_match_python_barcode(digits):
    import barcode

    full = digits + str(ean13_check_digit(digits))
    ours = "".join("1" if m else "0" for m in ean13_modules(full))
    assert ours == barcode.get("ean13", digits).build()[0]


# -- paste -------------------------------------------------------------------------------------------------

def test_paste_warps_the_whole_code_and_keeps_the_quiet_zone_white(astronaut):
    code = make_qr("quiet zone", level="M", scale=4)
    target = corners(astronaut.shape, code.image.shape, size=0.5, rotation=20, tilt_x=0.3)
    before = astronaut.copy()
    out = paste(astronaut, code, target)
    assert np.array_equal(astronaut, before) and out.shape == astronaut.shape and out.dtype == np.float32
    # a point just inside each corner lies in the quiet zone: white
    centre = target.mean(axis=0)
    for corner in target:
        x, y = np.round(corner + 0.04 * (centre - corner)).astype(int)
        assert out[y, x].min() > 0.95
    # far outside the polygon the photo is untouched
    assert np.array_equal(out[:5, :5], astronaut[:5, :5])


def test_degenerate_corners_are_refused(astronaut):
    with pytest.raises(ValueError, match="no area"):
        paste(astronaut, make_qr("x"), np.zeros((4, 2), np.float32))


# -- round trips -------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def bengali_scene(astronaut):
    code = make_qr(BOOK_PAYLOAD, level="M", scale=4)
    target = corners(astronaut.shape, code.image.shape, center=(0.45, 0.55), size=0.55, rotation=-12, tilt_x=0.25,
                     tilt_y=-0.1)
    return paste(astronaut, code, target), code, target


@pytest.mark.parametrize("key", QR_READERS)
def test_qr_round_trip_with_perspective_and_bengali_text(bengali_scene, key):
    image, code, target = bengali_scene
    out = decode(key, image)
    assert texts(out) == [BOOK_PAYLOAD] == [code.payload]
    found = out.extras["codes"][0]
    assert found["symbology"] == "QR Code" and found["notice"] == ""
    polygon = np.asarray(found["polygon"])
    assert np.linalg.norm(polygon.mean(axis=0) - target.mean(axis=0)) < 20  # the corners are where we pasted it
    assert DECODE_CODES.score([BOOK_PAYLOAD], out, {"image": image})["decode_rate"] == 1.0
    assert out.image.shape == image.shape and not np.array_equal(out.image, image)  # the outline is drawn


@pytest.mark.parametrize("key", ["zxing", "opencv_barcode"])
def test_ean13_round_trip(astronaut, key):
    code = make_ean13("978938989864", scale=2, height=70)
    image = paste(astronaut, code, corners(astronaut.shape, code.image.shape, center=(0.5, 0.3), size=0.6,
                                           rotation=8, tilt_x=0.15))
    out = decode(key, image)
    assert texts(out) == [BOOK_ISBN]
    assert out.extras["codes"][0]["symbology"] == "EAN-13"


def test_example_scene_has_both_codes_and_zxing_reads_them():
    image, truth, placed = book_scene(2)
    assert truth == [BOOK_PAYLOAD, BOOK_ISBN] and len(placed) == 2
    out = decode("zxing", image)
    scores = DECODE_CODES.score(truth, out, {"image": image})
    assert scores == {"count": 2.0, "decode_rate": 1.0, "correct": 2.0, "false_decodes": 0.0}


def test_several_qr_codes_in_one_image():
    canvas = np.ones((300, 600), np.float32)
    for i, text in enumerate(["first", "second"]):
        code = make_qr(text, scale=5)
        canvas = paste(canvas, code, corners(canvas.shape, code.image.shape, center=(0.25 + 0.5 * i, 0.5), size=0.6))
    for key in ("zxing", "opencv_qr", "opencv_qr_aruco", "wechat"):
        assert sorted(texts(decode(key, canvas))) == ["first", "second"], key


# -- bad input ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("key", ALL)
def test_no_code_is_no_decode_not_an_error(astronaut, key):
    out = decode(key, astronaut)
    assert out.extras["count"] == 0 and texts(out) == []
    assert decoders.NOT_FOUND in out.extras["notices"]
    scores = DECODE_CODES.score([], out, {"image": astronaut})
    assert scores["false_decodes"] == 0 and np.isnan(scores["decode_rate"])


@pytest.mark.parametrize("key", QR_READERS)
def test_payload_that_is_not_utf8_is_shown_as_latin1(key):
    raw = b"\xff\xfe\x80 caf\xe9"
    code = make_qr(raw, level="M", scale=6)
    assert code.payload == raw.decode("latin-1")
    out = decode(key, code.image)
    assert texts(out) == [raw.decode("latin-1")]
    if key in ("zxing", "wechat"):  # they hand over the raw bytes: the notice says what happened
        assert "not UTF-8" in out.extras["codes"][0]["notice"]
        assert out.extras["codes"][0]["hex"] == raw.hex(" ")


@pytest.mark.parametrize("shape", [(1, 1), (8, 5000), (5000, 8), (1, 1, 3)])
def test_tiny_and_thin_arrays_give_no_decodes(shape):
    image = np.full(shape, 0.5, np.float32)
    for key in ALL:
        out = decode(key, image)
        assert out.extras["count"] == 0 and out.image.shape[:2] == shape[:2], key


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def test_uploads_corrupt_tiny_thin_are_refused_with_a_sentence():
    from core.decode import UnreadableImage, decode_image

    with pytest.raises(UnreadableImage):
        decode_image(b"\x89PNG\r\n\x1a\nnot really a png")
    with pytest.raises(UnreadableImage, match="small|least"):
        decode_image(_png(Image.new("L", (1, 1))))
    with pytest.raises(UnreadableImage):
        decode_image(_png(Image.new("L", (8, 5000))))


@pytest.mark.parametrize("mode", ["RGBA", "P", "I;16"])
def test_rgba_palette_and_16_bit_uploads_decode(mode):
    from core.decode import decode_image

    code = make_qr("format check", scale=4)
    gray = Image.fromarray((code.image * 255).astype(np.uint8))
    if mode == "I;16":
        picture = Image.fromarray((code.image * 65535).astype(np.uint16))
    else:
        picture = gray.convert(mode)
    image, info = decode_image(_png(picture))
    for key in ("zxing", "opencv_qr"):
        assert texts(decode(key, image)) == ["format check"], (mode, key, info)


def test_wechat_cnn_without_model_files_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setenv("IPCV_CACHE", str(tmp_path))
    with pytest.raises(ValueError, match="model files"):
        decode("wechat", np.ones((64, 64), np.float32), detector=decoders.WECHAT_DETECTORS[1])


def test_wechat_download_checks_the_files(tmp_path, monkeypatch):
    from core.downloads import DownloadUnavailable

    made = {name: f"made by the test: {name}".encode() for name in decoders.WECHAT_FILES}

    def fake_fetch(url, destination, **kwargs):
        name = url.rsplit("/", 1)[1]
        assert decoders.WECHAT_COMMIT in url
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_bytes(made[name])
        return destination

    monkeypatch.setattr("core.downloads.fetch", fake_fetch)
    with pytest.raises(DownloadUnavailable, match="checksum"):  # not WeChat's files: refused and deleted
        decoders.download_wechat_models(folder=tmp_path)
    assert not any(tmp_path.iterdir())
    sums = {name: hashlib.md5(data).hexdigest() for name, data in made.items()}
    monkeypatch.setattr(decoders, "WECHAT_FILES", sums)
    steps = []
    paths = decoders.download_wechat_models(lambda f, t: steps.append(f), folder=tmp_path)
    assert decoders.wechat_models(tmp_path) == paths and set(paths) == set(sums)


# -- score and robustness -----------------------------------------------------------------------------------

def test_match_is_a_multiset():
    assert match(["a", "b"], ["a", "a", "c"]) == (1, 2)
    assert match(["a", "a"], ["a", "a"]) == (2, 0)
    assert match([], ["x"]) == (0, 1)


def test_decode_rate_falls_with_noise():
    rows = robustness("noise", decoders=("zxing",), symbols=("QR M",), values=(0.0, 0.1, 0.3, 0.5, 0.7), trials=2)
    rates = [r["decode_rate"] for r in rows]
    assert rates[0] == 1.0 and rates[-1] == 0.0
    assert all(b <= a + 0.5 for a, b in zip(rates, rates[1:]))  # monotone-ish


def test_blur_and_occlusion_h_is_at_least_as_robust_as_l():
    blur = robustness("blur", decoders=("zxing",), symbols=("QR L", "QR H"), values=(0.0, 0.5, 0.6, 1.2), trials=2)
    by = {(r["symbol"], r["value"]): r["decode_rate"] for r in blur}
    assert by[("QR L", 0.0)] == by[("QR H", 0.0)] == 1.0 and by[("QR L", 1.2)] == 0.0
    assert all(by[("QR H", v)] >= by[("QR L", v)] for v in (0.0, 0.5, 0.6, 1.2))
    occlusion = robustness("occlusion", decoders=("zxing",), symbols=("QR L", "QR H"), values=(0.0, 10.0, 15.0),
                           trials=3)
    by = {(r["symbol"], r["value"]): r["decode_rate"] for r in occlusion}
    assert by[("QR H", 15.0)] == 1.0 and by[("QR L", 15.0)] == 0.0  # 15 % of the area: beyond L's 7 %, within H's 30 %
    assert all(by[("QR H", v)] >= by[("QR L", v)] for v in (0.0, 10.0, 15.0))


def test_robustness_is_seeded_and_refuses_unreadable_pairs():
    first = robustness("occlusion", decoders=("zxing",), symbols=("QR M",), values=(10.0,), trials=2, seed=3)
    again = robustness("occlusion", decoders=("zxing",), symbols=("QR M",), values=(10.0,), trials=2, seed=3)
    assert [r["decode_rate"] for r in first] == [r["decode_rate"] for r in again]
    with pytest.raises(ValueError, match="None of the chosen decoders"):
        robustness("blur", decoders=("opencv_barcode",), symbols=("QR L",))
    with pytest.raises(ValueError, match="Unknown degradation"):
        robustness("fog")


def test_bench_truth_from_json_or_a_text_file_beside_the_image(tmp_path):
    import argparse
    import json

    from bench.setup_codes import CODES_SETUP, read_truth

    (tmp_path / "a.txt").write_text("9789389898644\nhello\n", encoding="utf-8")
    truth = tmp_path / "truth.json"
    truth.write_text(json.dumps({"b.png": [BOOK_PAYLOAD]}, ensure_ascii=False), encoding="utf-8")
    degradation = CODES_SETUP.make_degradation(argparse.Namespace(truth=str(truth)))
    image = np.ones((32, 32), np.float32)
    assert degradation.make(str(tmp_path / "a.png"), image).truth == ["9789389898644", "hello"]
    assert degradation.make(str(tmp_path / "b.png"), image).truth == [BOOK_PAYLOAD]
    assert degradation.make(str(tmp_path / "c.png"), image).truth is None
    truth.write_text('{"a.png": "not a list"}')
    with pytest.raises(ValueError, match="expected"):
        read_truth(str(truth))
