import re

from tests.pages.helpers import errors, imports_tensorflow, open_page, open_tab

PAGE = "pages/keypoints.py"
SMALL = {"kp.max_side": "128"}


def counts(at) -> list[int]:
    return [int(m.value.split("**")[1]) for m in at.markdown if re.match(r"^\*\*\d+\*\* keypoints · ", m.value)]


def test_defaults_show_four_detectors_with_counts_and_charts():
    at = open_page(PAGE, SMALL)
    assert not at.exception, at.exception
    assert not errors(at), errors(at)
    assert len(counts(at)) == 4 and all(c > 0 for c in counts(at))
    assert len(at.get("plotly_chart")) == 1  # counts & times (Compare); the other tabs run only when opened
    assert len(open_tab(at, "kp.tab", "Harris probe").get("plotly_chart")) == 1  # the eigenvalue scatter
    assert len(open_tab(at, "kp.tab", "Repeatability").get("plotly_chart")) == 1
    table = open_tab(at, "kp.tab", "Sub-pixel accuracy").dataframe[0].value  # refinement beats blob centroids
    errors_px = dict(zip(table["points"], table["mean error (px)"]))
    assert errors_px["cornerSubPix"] < 0.5 * errors_px["blob centroids"]


def test_a_stricter_threshold_finds_fewer_corners():
    at = open_page(PAGE, SMALL)
    before = counts(at)[0]  # Harris comes first
    at.slider(key="keypoints.harris.threshold").set_value(0.2).run()
    assert not at.exception
    assert counts(at)[0] < before


def test_all_detectors_run_and_a_textureless_result_is_a_message():
    at = open_page(PAGE, SMALL)
    at.sidebar.selectbox(key="kp.sample").set_value("synthetic zone plate").run()
    at.multiselect(key="kp.methods").set_value(["fast", "orb", "sift", "akaze", "brisk", "orb_skimage",
                                                 "harris_subpix"]).run()
    at.slider(key="keypoints.fast.threshold").set_value(100).run()
    assert not at.exception, at.exception
    assert any("FAST found no keypoints" in e for e in errors(at)), errors(at)
    assert len(counts(at)) == 6  # the other detectors still show


def test_repeatability_switches_transform():
    at = open_tab(open_page(PAGE, SMALL), "kp.tab", "Repeatability")
    at.radio(key="kp.repeat.kind").set_value("blur").run()
    assert not at.exception and not errors(at)


def test_tensorflow_is_not_imported():
    assert not imports_tensorflow(PAGE, SMALL)


def test_sweep_marks_the_most_keypoints_and_history_records_runs():
    at = open_page(PAGE, SMALL)
    labels = [t.label for t in at.tabs]
    assert any("Sweep" in label for label in labels) and any("History" in label for label in labels), labels
    history = next(d.value for d in open_tab(at, "kp.tab", "History").dataframe if "keypoints" in d.value.columns)
    assert len(history) == 4 and (history["keypoints"] > 0).all()  # one row per default detector
    open_tab(at, "kp.tab", "Sweep").selectbox(key="kp.sweep.method").set_value("harris").run()
    at.selectbox(key="kp.sweep.p1").set_value("threshold").run()
    at.button(key="kp.sweep.run").click().run()
    assert not at.exception, at.exception
    best = next(s.value for s in at.success if s.value.startswith("Best keypoints"))
    lowest = min(at.session_state["kp.sweep.result"]["grids"][0])
    assert f"= {lowest}." in best, best  # the lowest threshold keeps the most corners
    at.radio(key="kp.sweep.score").set_value("seconds").run()
    assert any(s.value.startswith("Best time") for s in at.success)
    at.button(key="kp.sweep.use").click().run()
    assert not at.exception
