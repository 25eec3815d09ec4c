"""The Face-verification page through AppTest: the verdicts on the sample pairs, the faces found, bad uploads
(corrupt, 1×1, elongated, RGBA / 16-bit / palette), a blank photo with no face, and the ROC over labelled pairs
(synthetic and from zips, including refused zips)."""
import io
import re
import zipfile

import numpy as np
from PIL import Image

from tests.pages.helpers import errors, open_page, open_tab

PAGE = "pages/face_verification.py"
SAME_PAIR = {"fv.b.sample": "astronaut, gamma 0.8 + rotated 8° (synthetic)"}


def _png(array, mode=None) -> bytes:
    buffer = io.BytesIO()
    (Image.fromarray(array, mode) if mode else Image.fromarray(array)).save(buffer, format="PNG")
    return buffer.getvalue()


def _verdicts(at) -> list[str]:
    return [m.value.removeprefix("#### ") for m in at.markdown if m.value.startswith("#### ")]


def _distances(at) -> list[float]:
    return [float(re.match(r"distance \*\*([\d.]+)\*\*", c.value).group(1)) for c in at.caption
            if c.value.startswith("distance **")]


def _upload(at, slot: int, name: str, data: bytes):
    at.get("file_uploader")[slot].set_value((name, data, "image/png"))
    return at.run()


def _astronaut_u8():
    from core.gallery import load_sample

    return (load_sample("astronaut") * 255).round().astype(np.uint8)


def test_same_and_different_sample_pairs():
    at = open_page(PAGE, SAME_PAIR)
    assert not at.exception and not errors(at), (at.exception, errors(at))
    assert any("Privacy" in c.value and "nothing is written" in c.value for c in at.caption)
    assert _verdicts(at)[0] == "Same person" and _distances(at)[0] < 0.2  # dlib, the first method
    assert all("✅ right" in c.value for c in at.caption if c.value.startswith("distance **"))
    assert any("Synthetic second photo" in w.value for w in at.warning)
    assert any("0.66" in i.value and "DeepFace" in i.value for i in at.info)
    # HOG finds the astronaut twice (a spurious box too): the page says which face is used
    assert any("faces found in photo A" in i.value and "highest score" in i.value for i in at.info)
    at.selectbox(key="fv.b.sample").set_value("lfw_subset face #11 (another person, enlarged)").run()
    assert not at.exception
    assert _verdicts(at)[0] == "Different people" and _distances(at)[0] > 0.6


def test_choosing_the_other_face_changes_the_crop():
    at = open_page(PAGE, SAME_PAIR)
    first = _distances(at)[0]
    at.selectbox(key="fv.a.face").set_value(1).run()
    assert not at.exception
    assert any("face 2 (green) is used" in i.value for i in at.info)
    assert _distances(at)[0] > first + 0.3  # the spurious box is not her face
    # the Export tab's snippet rebuilds both photos and the chosen crops, and gets the same distance
    namespace = {}
    snippet = next(c.value for c in open_tab(at, "fv.pair.tab", "Export").code if "get_method(" in c.value)
    assert "crop(a, " in snippet and "crop(b, " in snippet
    exec(snippet, namespace)
    assert abs(float(namespace["result"][0]) - _distances(at)[0]) < 2e-3


def test_bad_uploads_are_clear_messages():
    at = open_page(PAGE, {"fv.a.source": "Upload"})
    assert any("Upload a photo" in i.value for i in at.info) and not _verdicts(at)
    for name, data, words in (("broken.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 40, "could not be read"),
                              ("dot.png", _png(np.zeros((1, 1), np.uint8)), "at least 8"),
                              ("strip.png", _png(np.zeros((8, 5000), np.uint8)), "32 times")):
        _upload(at, 0, name, data)
        assert not at.exception
        text = " ".join(errors(at))
        assert f"Could not use “{name}”" in text and words in text, text
        assert not _verdicts(at)


def test_rgba_16bit_and_palette_uploads_are_the_same_person():
    u8 = _astronaut_u8()
    palette = io.BytesIO()
    Image.fromarray(u8).quantize(256).save(palette, format="PNG")
    gray16 = (u8.astype(np.float64) @ [0.2125, 0.7154, 0.0721] * 257).astype(np.uint16)
    at = open_page(PAGE, {"fv.b.source": "Upload"})
    for i, (name, data) in enumerate((("rgba.png", _png(np.dstack([u8, np.full(u8.shape[:2], 200, np.uint8)]))),
                                      ("deep.png", _png(gray16)), ("palette.png", palette.getvalue()))):
        _upload(at, 0, name, data)
        if i == 0:  # one method from here on: a quicker test
            at.multiselect(key="fv.pair.methods").set_value(["dlib_resnet"]).run()
        assert not at.exception and not errors(at), errors(at)
        assert _verdicts(at) == ["Same person"] and _distances(at)[0] < 0.3, name


def test_a_photo_without_a_face_is_flagged():
    at = open_page(PAGE, {"fv.b.source": "Upload"})
    _upload(at, 0, "wall.png", _png(np.full((200, 300, 3), 128, np.uint8)))
    assert not at.exception
    assert any("No face found in photo B" in w.value for w in at.warning)
    assert any("whole image was used" in c.value for c in at.caption)


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_roc_over_synthetic_pairs_and_zips():
    at = open_page(PAGE, {"fv.n_ids": "8"})
    at = open_tab(at, "fv.tab", "Labelled pairs (ROC)")
    assert not at.exception and not errors(at), errors(at)
    assert any("Synthetic pairs." in w.value for w in at.warning)
    table = at.dataframe[0].value
    auc = dict(zip(table["method"], table["ROC AUC"]))
    assert auc["dlib ResNet embedding"] > 0.95 and auc["dlib ResNet embedding"] > auc["LBP histograms (χ²)"]
    assert any("book's 0.66" in str(c) for c in at.get("plotly_chart")[1].proto.spec.split("annotations")[1:2])

    at = open_page(PAGE, {"fv.set_source": "Upload a zip (one folder per person)"})
    at = open_tab(at, "fv.tab", "Labelled pairs (ROC)")
    face = _png(_astronaut_u8())
    for data, words in ((b"PK\x03\x04 not a zip", "not a zip archive"),
                        (_zip({"../up/a.png": face, "ann/a.png": face}), "outside"),
                        (_zip({"ann/bomb.png": b"\0" * (64 * 2 ** 20)}), "zip bomb"),
                        (_zip({"ann/1.png": face, "ann/2.png": face}), "one person only")):
        at.get("file_uploader")[0].set_value(("people.zip", data, "application/zip")).run()
        assert not at.exception
        text = " ".join(errors(at))
        assert "Could not use “people.zip”" in text and words in text, text
    # the page's own example zip: three synthetic people, four photos each
    from ui.panels.verification import example_zip

    at.get("file_uploader")[0].set_value(("example.zip", example_zip(), "application/zip")).run()
    assert not at.exception and not errors(at), errors(at)
    table = at.dataframe[0].value
    assert len(table) == 3 and table["ROC AUC"].iloc[0] > 0.9


def test_two_sets_of_photos():
    at = open_page(PAGE)
    at = open_tab(at, "fv.tab", "Two sets of photos")
    assert not at.exception and not errors(at), errors(at)
    assert _verdicts(at)[0] == "Same person"  # dlib: 4 of the 6 pairs are her, B3 is someone else
    assert any(c.value.startswith("median distance") and "4 of 6 pairs match" in c.value for c in at.caption)
    namespace = {}  # the Export snippet rebuilds both sets and all six pairs
    exec(next(c.value for c in open_tab(at, "fv.sets.tab", "Export").code if "get_method(" in c.value), namespace)
    assert len(namespace["result"]) == 6 and int((namespace["result"] <= 0.6).sum()) == 4
    at = open_page(PAGE, {"fv.sets_source": "Upload photos"})
    at = open_tab(at, "fv.tab", "Two sets of photos")
    assert any("at least one photo to each set" in i.value for i in at.info)
    face = _png(_astronaut_u8())
    at.get("file_uploader")[0].set_value([("her.png", face, "image/png"), ("junk.png", b"junk", "image/png")])
    at.get("file_uploader")[1].set_value([("again.png", face, "image/png")])
    at.run()
    assert not at.exception
    assert any("Could not use “junk.png”" in e for e in errors(at)), errors(at)
    assert _verdicts(at)[0] == "Same person"


def test_the_default_view_loads_dlib_but_not_tensorflow():
    from tests.pages.helpers import heavy_imports

    loaded = heavy_imports(PAGE)  # a fresh process: MTCNN (TensorFlow) loads only when chosen
    assert "dlib" in loaded and not loaded & {"tensorflow", "keras", "mtcnn", "onnxruntime", "torch"}, loaded
