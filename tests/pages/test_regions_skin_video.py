"""AppTests for the Regions, skin & video page: each lazy tab runs, shows results and reacts to widgets."""
import re

from tests.pages.helpers import errors, imports_tensorflow, open_page, open_tab

PAGE = "pages/regions_skin_video.py"
TAB = "rsv.section"


def _kept(at) -> int:
    return int(next(m.value for m in at.metric if m.label == "Regions kept"))


def _summary(at):
    return next(d.value for d in at.dataframe if "same_regions" in d.value)


def _history(at, key: str, column: str):
    """The section's History tab table (the one with a `column` of metrics and a `parameters` column)."""
    open_tab(at, f"{key}.tab", "History")
    return next(d.value for d in at.dataframe if column in d.value and "parameters" in d.value)


def _downloads(at, key: str) -> list[str]:
    open_tab(at, f"{key}.tab", "Export")
    return [b.proto.label for b in at.get("download_button")]


def _snippet(at, key: str, task: str) -> str:
    open_tab(at, f"{key}.tab", "Export")
    return next(c.value for c in at.code if f"get_method({task!r}" in c.value)


def _run_snippet(code: str) -> dict:
    """Run an Export snippet as a user would, from the repository root; return its variables."""
    namespace: dict = {}
    exec(code, namespace)
    return namespace


def test_connected_components_with_table_histogram_and_area_filter():
    at = open_page(PAGE, {TAB: "Connected components", "cc.max_side": "192"})
    assert not at.exception, at.exception
    assert not errors(at), errors(at)
    summary = _summary(at)
    assert len(summary) == 3 and summary["same_regions"].all()  # the three libraries agree at 8-connectivity
    assert len(at.dataframe) == 2  # the summary and the regionprops table (History is a tab, drawn when open)
    assert {"cc.hist", "cc.scatter"} <= {c.key for c in at.get("plotly_chart")}
    before = _kept(at)
    assert before >= 10  # coins
    at.number_input(key="cc.min_area").set_value(400).run()
    assert not at.exception
    assert _kept(at) < before
    at.sidebar.selectbox(key="cc.threshold").set_value("manual").run()
    at.sidebar.slider(key="cc.level").set_value(0.99).run()
    assert not at.exception and any("No region is left" in i.value for i in at.info)


def test_connectivity_mismatch_is_reported():
    at = open_page(PAGE, {TAB: "Connected components", "cc.max_side": "192"})
    assert len(_history(at, "cc", "regions")) == 3
    at.selectbox(key="components.cc_scipy.connectivity").set_value(4).run()
    assert not at.exception
    summary = _summary(at)
    scipy = summary[summary.method.str.startswith("SciPy")].iloc[0]
    assert scipy.connectivity == 4 and scipy.regions >= summary.regions.iloc[0]
    history = _history(at, "cc", "regions")
    assert len(history) == 4 and sorted(history.regions)[-1] == scipy.regions  # the new run is recorded


def test_components_history_and_export_reproduce_a_run():
    at = open_page(PAGE, {TAB: "Connected components", "cc.max_side": "192"})
    assert not at.exception, at.exception
    history = _history(at, "cc", "regions")
    assert len(history) == 3 and set(history.regions) == set(_summary(at).regions)
    downloads = _downloads(at, "cc")
    assert "Metrics (CSV)" in downloads and sum(d.endswith("(PNG)") for d in downloads) == 3
    code = _snippet(at, "cc", "components")
    namespace = _run_snippet(code)
    assert int(namespace["result"].max()) == int(_summary(at).regions.iloc[0])


def test_skin_classifiers_show_held_out_accuracy_from_the_example_strokes():
    at = open_page(PAGE, {TAB: "Skin detection", "skin.max_side": "128"})
    assert not at.exception, at.exception
    assert not errors(at), errors(at)
    accuracies = [m.value for m in at.markdown if m.value.startswith("Held-out accuracy")]
    assert len(accuracies) == 4
    values = [float(re.search(r"\*\*([\d.]+)%", a).group(1)) for a in accuracies]
    assert max(values) >= 90, accuracies
    assert any("Example strokes" in i.value for i in at.info)
    history = _history(at, "skin", "held-out accuracy")
    assert len(history) == 4 and round(100 * history["held-out accuracy"].max(), 1) == max(values)
    assert "Metrics (CSV)" in _downloads(at, "skin")
    assert "example_scribbles(image.shape)" in _snippet(at, "skin", "skin")
    at.selectbox(key="skin.random_forest.space").set_value("HSV").run()
    assert not at.exception and not errors(at)
    assert [m.value for m in at.markdown if m.value.startswith("Held-out accuracy")] != accuracies
    assert len(_history(at, "skin", "held-out accuracy")) == 5


def test_skin_sweep_scores_held_out_accuracy():
    at = open_tab(open_page(PAGE, {TAB: "Skin detection", "skin.max_side": "96"}), "skin.tab", "Sweep")
    at.selectbox(key="skin.sweep.method").set_value("decision_tree").run()
    at.selectbox(key="skin.sweep.p1").set_value("max_depth").run()
    at.button(key="skin.sweep.run").click().run()
    assert not at.exception, at.exception
    assert not errors(at), errors(at)
    best = [s.value for s in at.success if s.value.startswith("Best held-out accuracy")]
    assert best, [s.value for s in at.success]
    assert 0.5 < float(re.search(r"([\d.]+)", best[0].split("accuracy")[1]).group(1)) <= 1


def test_skin_without_strokes_shows_a_clear_message():
    at = open_page(PAGE, {TAB: "Skin detection", "skin.max_side": "128"})
    at.sidebar.toggle(key="skin.example").set_value(False).run()
    assert not at.exception
    assert any("No strokes yet" in e for e in errors(at)), errors(at)


def test_skin_on_a_gray_image_asks_for_colour():
    at = open_page(PAGE, {TAB: "Skin detection", "skin.max_side": "128", "skin.gray": "true"})
    assert not at.exception
    assert any("needs colour" in w.value for w in at.warning)


def test_video_scores_each_model_per_frame_and_plays_back():
    at = open_page(PAGE, {TAB: "Video foreground", "vid.frames": "40"})
    assert not at.exception, at.exception
    assert not errors(at), errors(at)
    scores = {m.label: float(m.value) for m in at.metric}
    assert len(scores) == 3 and max(scores.values()) > 0.9, scores
    assert len(at.get("video")) == 1
    history = _history(at, "vid", "IoU")
    assert len(history) == 3 and abs(history.IoU.max() - max(scores.values())) < 1e-3
    assert "Metrics (CSV)" in _downloads(at, "vid")
    from core.video_bg import video_scores

    namespace = _run_snippet(_snippet(at, "vid", "background_subtraction"))  # the first model, rebuilt from core
    assert abs(video_scores(namespace["truth"], namespace["result"])["iou"] - list(scores.values())[0]) < 1e-3
    open_tab(at, "vid.tab", "Sweep").selectbox(key="vid.sweep.method").set_value("mog2").run()
    at.selectbox(key="vid.sweep.p1").set_value("var_threshold").run()
    at.button(key="vid.sweep.run").click().run()
    assert not at.exception, at.exception
    assert any(s.value.startswith("Best IoU") for s in at.success), [s.value for s in at.success]
    at.multiselect(key="vid.methods").set_value(["mog2"]).run()
    at.slider(key="background_subtraction.mog2.var_threshold").set_value(90.0).run()
    assert not at.exception and len(at.metric) == 1


def _zero_frame_mp4(tmp_path) -> bytes:
    import subprocess

    import imageio_ffmpeg

    path = tmp_path / "empty.mp4"
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i", "color=c=black:s=32x32:r=5",
                    "-frames:v", "0", "-c:v", "libx264", "-y", str(path)], check=True)
    return path.read_bytes()


def test_video_uploads_good_and_bad(tmp_path):
    from core.video_bg import encode_mp4, synthetic_video

    at = open_page(PAGE, {TAB: "Video foreground", "vid.source": "Upload"})
    assert not at.exception and any("Upload a short video" in i.value for i in at.info)
    def upload(name, data):
        at.sidebar.get("file_uploader")[0].set_value((name, data, "video/mp4"))
        at.run()

    for name, data, message in (("junk.mp4", b"not a video" * 40, "could not be decoded"),
                                ("empty.mp4", _zero_frame_mp4(tmp_path), "no frames|could not be decoded")):
        upload(name, data)
        assert not at.exception, at.exception
        assert any(name in e and re.search(message, e) for e in errors(at)), (name, errors(at))
    frames, _ = synthetic_video(frames=24, height=48, width=64, seed=3)
    upload("clip.mp4", encode_mp4(frames, fps=12))
    assert not at.exception and not errors(at), errors(at)
    assert len(at.metric) == 0  # no ground truth for an upload, so no IoU
    assert len(at.get("video")) == 1
    assert any("24 frames of 64×48 px" in c.value for c in at.caption)


def test_outliers_show_the_error_distribution_and_top_outliers():
    at = open_page(PAGE, {TAB: "Outliers (autoencoder)"})
    assert not at.exception, at.exception
    assert not errors(at), errors(at)
    summaries = [m.value for m in at.markdown if "ROC AUC" in m.value]
    assert len(summaries) == 2
    auc = float(re.search(r"ROC AUC for the corrupted digits \*\*([\d.]+)", summaries[0]).group(1))
    assert auc > 0.85
    history = _history(at, "ae", "ROC AUC")
    assert len(history) == 2 and abs(history["ROC AUC"].iloc[0] - auc) < 1e-3
    assert "Metrics (CSV)" in _downloads(at, "ae")
    code = _snippet(at, "ae", "outliers")
    assert "method.task.score(data.injected, output, inputs)" in code  # scored by the task, against the truth
    exec(code, {})
    assert len(at.get("imgs")) >= 2 or len(at.get("image")) >= 2
    at.sidebar.multiselect(key="ae.kinds").set_value([]).run()
    assert any("at least one kind" in e for e in errors(at))


def test_tensorflow_is_not_imported():
    from tests.pages.helpers import imports_tensorflow  # a fresh process: other tests may import TensorFlow

    assert not imports_tensorflow(PAGE, {TAB: "Outliers (autoencoder)", "ae.n_bad": "0"})


def test_skin_strokes_of_one_kind_show_a_clear_message(monkeypatch):
    """The canvas is replaced by strokes of a single label (AppTest cannot draw)."""
    import numpy as np

    import ui.panels.skin as panel

    def only_skin(image, *, label, brush):
        strokes = np.zeros(image.shape[:2], np.int32)
        strokes[10:20, 10:40] = panel.SKIN_LABEL
        return strokes

    monkeypatch.setattr(panel, "_canvas", only_skin)
    at = open_page(PAGE, {TAB: "Skin detection", "skin.max_side": "128", "skin.example": "false"})
    assert not at.exception, at.exception
    assert any("Only one kind of stroke: paint some non-skin" in e for e in errors(at)), errors(at)
    assert not [m for m in at.markdown if m.value.startswith("Held-out accuracy")]
