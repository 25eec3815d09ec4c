"""Pedestrian page: HOG and Haar side by side on the synthetic street with precision/recall; other scenes."""
import re

from tests.pages.helpers import errors, image_captions, open_page, open_tab

PAGE = "pages/pedestrians.py"
STREET = {"ped.max_side": "384"}


def _scores(at) -> list[tuple[int, float, float]]:
    out = []
    for md in at.markdown:
        found = re.search(r"\*\*(\d+) (?:person|people)\*\*.*precision \*\*([\d.]+)\*\* · recall \*\*([\d.]+)\*\*",
                          md.value, re.S)
        if found:
            out.append((int(found.group(1)), float(found.group(2)), float(found.group(3))))
    return out


def test_defaults_find_the_people_of_the_synthetic_street():
    at = open_page(PAGE, STREET)
    assert not at.exception, at.exception
    assert not errors(at), errors(at)
    scores = _scores(at)
    assert len(scores) == 3, scores  # HOG (two models) and Haar
    hog = scores[0]
    assert hog[0] == 4 and hog[1] == 1.0 and hog[2] == 1.0
    assert any("What the default shows" in i.value for i in at.info)
    assert len(at.get("plotly_chart")) >= 1
    captions = image_captions(at)
    assert {"none", "nms", "rectangles", "meanshift"} <= set(captions)  # the grouping comparison
    assert any(c.startswith("Gradient histograms") for c in captions)


def test_raw_windows_outnumber_grouped_boxes():
    at = open_page(PAGE, STREET)
    counts = {}
    for md in at.markdown:
        found = re.fullmatch(r"\*\*(\d+)\*\* boxes · [\d.]+ s", md.value)
        if found:
            counts[len(counts)] = int(found.group(1))
    assert len(counts) == 4 and counts[0] > 3 * max(counts[1], counts[2], counts[3]), counts


def test_changing_the_detector_parameters():
    at = open_page(PAGE, STREET)
    at.selectbox(key="detect_people.hog_svm.grouping").set_value("none").run()
    assert not at.exception
    assert _scores(at)[0][0] > 4  # every raw window is now a box
    at.multiselect(key="ped.methods").set_value(["haar_body"]).run()
    assert not at.exception and len(_scores(at)) == 1


def test_gallery_scene_and_a_too_small_working_size():
    at = open_page(PAGE, {"ped.scene": "Gallery or upload", "ped.max_side": "128"})
    assert not at.exception, at.exception
    at.sidebar.selectbox(key="ped.sample").set_value("coins").run()
    assert any("smaller than 128 px" in w.value for w in at.warning)  # coins at 128 px: 101×128
    assert any("needs an image of at least 64×128" in e for e in errors(at)), errors(at)


def _tab_labels(at) -> list[str]:
    return [t.label for t in at.tabs]


def test_sweep_history_and_export_score_the_detectors_against_the_true_boxes(capsys):
    at = open_page(PAGE, {"ped.max_side": "256"})
    labels = _tab_labels(at)
    assert all(any(name in label for label in labels) for name in ("Sweep", "History", "Export")), labels
    history = open_tab(at, "ped.tab", "History").dataframe[0].value
    assert len(history) == 3 and {"F1", "precision", "recall", "detections"} <= set(history.columns)
    assert history["F1"].iloc[0] == 1.0  # HOG finds the four people of the default street
    open_tab(at, "ped.tab", "Sweep").selectbox(key="ped.sweep.method").set_value("haar_body").run()
    at.button(key="ped.sweep.run").click().run()
    assert not at.exception, at.exception
    assert any(s.value.startswith("Best F1") for s in at.success), [s.value for s in at.success]
    open_tab(at, "ped.tab", "Export")
    snippets = [c.value for c in at.code if "street_scene(256" in c.value]  # each rebuilds the street
    assert snippets
    capsys.readouterr()
    exec(snippets[0], {})  # HOG, as shown first: it prints its count, precision and recall
    printed = capsys.readouterr().out
    assert printed.startswith("4 detections") and "precision 1.00 · recall 1.00" in printed, printed
