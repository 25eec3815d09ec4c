"""Faces page: detection on the astronaut, held-out recognition on synthetic identities (labelled as such),
NMF parts and curve, the Gabor bank; the zip input's messages."""
import numpy as np

from tests.pages.helpers import errors, image_captions, open_page, open_tab

PAGE = "pages/faces.py"
SMALL = {"fc.max_side": "256", "fc.n_ids": "5", "fc.per_id": "8"}
TAB = "fc.tab"


def _accuracies(at) -> dict[str, float]:
    return {m.label: float(m.value.rstrip("%")) / 100 for m in at.metric}


def test_defaults_detect_recognise_and_decompose():
    at = open_page(PAGE, SMALL)
    assert not at.exception, at.exception
    assert not errors(at), errors(at)
    texts = [m.value for m in at.markdown]
    assert sum(t.startswith("**1 face**") for t in texts) == 2  # Haar and LBP both find the astronaut
    assert not at.metric  # the Recognition tab runs only when opened
    open_tab(at, TAB, "Recognition")
    assert not at.exception and not errors(at), errors(at)
    assert any("Synthetic identities" in w.value for w in at.warning)
    accuracies = _accuracies(at)
    assert len(accuracies) == 3
    assert accuracies["LBPH (OpenCV contrib)"] > 0.5  # chance is 20% with 5 identities
    assert len(at.get("plotly_chart")) >= 2  # accuracy bars, confusion matrices
    assert any(c.startswith("The 25 parts") for c in image_captions(open_tab(at, TAB, "NMF parts")))
    assert at.get("plotly_chart")  # the reconstruction-error curve
    assert any(c.startswith("Kernels") for c in image_captions(open_tab(at, TAB, "Gabor bank")))


def test_changing_k_and_the_identity_set():
    at = open_tab(open_page(PAGE, SMALL), TAB, "NMF parts")
    at.slider(key="fc.nmf.k").set_value(9).run()
    assert not at.exception
    assert any(c.startswith("The 9 parts") for c in image_captions(at))
    before = _accuracies(open_tab(at, TAB, "Recognition"))
    at.sidebar.slider(key="fc.strength").set_value(0.25).run()  # barely varied copies: easier
    after = _accuracies(at)
    assert not at.exception and after != before
    assert after["LBPH (OpenCV contrib)"] >= 0.9


def test_zip_mode_without_an_upload_explains_the_format():
    at = open_page(PAGE, {"fc.ids": "Upload a zip", "fc.max_side": "256"})
    assert not at.exception, at.exception
    assert len(at.get("download_button")) >= 1  # the example zip, in the sidebar
    assert any("one folder per person" in i.value for i in open_tab(at, TAB, "Recognition").info)


def test_bad_zips_give_messages_the_page_can_show():
    # AppTest cannot upload files: check the cached loader the page calls
    from core.face_sets import make_zip
    from core.image import digest
    from ui.panels.faces import zip_set

    for data, expected in ((b"not a zip", "not a zip"),
                           (make_zip({"solo": [np.full((8, 8), 0.5, np.float32)] * 3}), "at least two identities")):
        face_set, error = zip_set(digest(np.frombuffer(data, np.uint8)), False, data)
        assert face_set is None and expected in error


def test_a_tiny_working_size_shows_no_faces_without_breaking():
    at = open_page(PAGE, {"fc.max_side": "128", "fc.n_ids": "3", "fc.per_id": "4"})
    assert not at.exception, at.exception
    texts = [m.value for m in at.markdown]
    assert any(t.startswith("**0 faces**") for t in texts)  # the 128-px astronaut's face is below 30 px


def test_detection_and_recognition_have_sweep_history_and_export():
    at = open_page(PAGE, SMALL)
    assert all(any(name in t.label for t in at.tabs) for name in ("Sweep", "History", "Export"))
    open_tab(at, "fc.det.tab", "Sweep").button(key="fc.det.sweep.run").click().run()
    assert any(s.value.startswith("Best detections") for s in at.success), [s.value for s in at.success]
    detections = next(d.value for d in open_tab(at, "fc.det.tab", "History").dataframe if "detections" in d.value)
    assert len(detections) >= 2
    open_tab(open_tab(at, TAB, "Recognition"), "fc.rec.tab", "Sweep").button(key="fc.rec.sweep.run").click().run()
    assert not at.exception, at.exception
    assert any(s.value.startswith("Best held-out accuracy") for s in at.success), [s.value for s in at.success]
    recognition = next(d.value for d in open_tab(at, "fc.rec.tab", "History").dataframe
                       if "held-out accuracy" in d.value)
    assert len(recognition) >= 3 and recognition["held-out accuracy"].max() > 0.5
    open_tab(at, "fc.rec.tab", "Export")
    assert any("synthetic_identities(identities=5" in c.value for c in at.code)
