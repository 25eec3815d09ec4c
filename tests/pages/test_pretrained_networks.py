"""Pretrained networks page: EfficientNet-Lite0's top-5 on the coffee photo scored against its known classes, the
offline message of a download model, a download through the page from a local server, Grad-CAM, and transfer
learning on the example classes and on bad zips."""
import io
import zipfile

import pytest

from tests.pages.helpers import errors, image_captions, open_page, open_tab

PAGE = "pages/pretrained_networks.py"
SMALL = {"pn.max_side": "256"}
TAB = "pn.tab"


@pytest.fixture
def offline(monkeypatch, tmp_path):
    from core.pretrained import applications

    monkeypatch.setenv("IPCV_CACHE", str(tmp_path))
    monkeypatch.setattr(applications, "BASE_URL", "http://127.0.0.1:9/")  # nothing listens there


def test_defaults_classify_the_coffee_and_a_download_model_explains_itself(offline):
    at = open_page(PAGE, SMALL)
    assert not at.exception, at.exception
    assert not errors(at), errors(at)
    texts = [m.value for m in at.markdown]
    assert any(t.startswith("**espresso**") and "top-1 ✓" in t for t in texts), texts[-5:]
    assert at.get("plotly_chart")  # the top-5 bars
    at.multiselect(key="pn.cls.methods").set_value(["efficientnet_lite0", "vgg16"]).run()
    assert not at.exception
    warnings = [w.value for w in at.warning]
    assert any("VGG16" in w and "needs its ImageNet weights" in w and "offline" in w for w in warnings), warnings


from tests.core.test_pretrained import weights_server  # noqa: E402,F401 (the local weights server fixture)


def test_download_through_the_page_then_classify(weights_server):  # noqa: F811
    at = open_page(PAGE, SMALL)
    at.selectbox(key="pn.weights.pick").set_value("mobilenet_v2")
    at.button(key="pn.weights.go").click().run()
    assert not at.exception, at.exception
    assert not errors(at), errors(at)
    at.multiselect(key="pn.cls.methods").set_value(["mobilenet_v2"]).run()
    assert not at.exception and not at.warning, [w.value for w in at.warning]
    texts = [m.value for m in at.markdown]
    assert any(" s" in t and "%" in t and t.startswith("**") for t in texts)  # a top-1 line with its time


def test_grad_cam_tab():
    at = open_tab(open_page(PAGE, SMALL), TAB, "Grad-CAM")
    assert not at.exception and not errors(at), errors(at)
    assert any(c.startswith("Grad-CAM of “espresso”") for c in image_captions(at))


def test_transfer_learning_on_the_example_classes():
    at = open_page(PAGE, SMALL | {"pn.per_class": "6"})
    at = open_tab(at, TAB, "Transfer learning")
    assert not at.exception and not errors(at), errors(at)
    assert any("Synthetic classes" in w.value for w in at.warning)
    accuracies = {m.label: float(m.value.rstrip("%")) / 100 for m in at.metric}
    assert len(accuracies) == 2 and min(accuracies.values()) > 0.5  # chance is 25%
    assert len(at.get("plotly_chart")) >= 3  # curves, confusion matrices


def _zip(entries: dict) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_zip_mode_explains_the_format_and_bad_zips_give_messages():
    import numpy as np

    from core.image import digest
    from ui.panels.pretrained import zip_set

    at = open_tab(open_page(PAGE, SMALL | {"pn.set": "Upload a zip"}), TAB, "Transfer learning")
    assert not at.exception
    assert any("Upload a zip with one folder per class" in i.value for i in at.info)
    assert len(at.get("download_button")) >= 1  # the example zip
    for data, expected in ((_zip({}), "empty"), (b"PK\x03\x04 junk", "not a zip"),
                           (_zip({"../x/a.jpg": b"1", "c/b.jpg": b"2"}), "outside"),
                           (_zip({"solo/a.png": b"1"}), "No readable images")):
        image_set, error = zip_set(digest(np.frombuffer(data, np.uint8)), data)
        assert image_set is None and expected in error, error
