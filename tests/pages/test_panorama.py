"""Panorama page: synthetic views stitched in both modes with a measured seam error; the other inputs."""
import re

from tests.pages.helpers import errors, image_captions, open_page, open_tab

PAGE = "pages/panorama.py"
SMALL = {"pano.max_side": "256"}


def _seam_errors(at) -> list[float]:
    return [float(m) for md in at.markdown for m in re.findall(r"error vs source \*\*([\d.]+)\*\*", md.value)]


def test_defaults_stitch_three_views_with_a_small_error_in_both_modes():
    at = open_page(PAGE, SMALL)
    assert not at.exception, at.exception
    assert not errors(at), errors(at)
    captions = image_captions(at)
    assert sum(c.startswith(("1:", "2:", "3:")) for c in captions) == 3  # the three input views
    assert {"Stitcher · panorama mode", "Stitcher · scans mode"} <= set(captions)
    seams = _seam_errors(at)
    assert len(seams) == 2 and all(e < 0.04 for e in seams), seams
    assert len(at.get("plotly_chart")) >= 1
    assert len(at.get("download_button")) == 2  # one per panorama
    open_tab(at, "pano.tab", "Export")
    assert len(at.get("download_button")) >= 2 + 1 + 2  # and the Export tab's CSV and PNGs


def test_a_stitcher_failure_is_a_sentence_in_its_cell():
    at = open_page(PAGE, dict(SMALL, **{"pano.overlap": "0.3", "pano.views": "4", "pano.max_side": "128"}))
    assert not at.exception, at.exception
    # at 128 px, four thin views with little overlap give the stitcher too little to match
    assert errors(at) and all("status" in e or "stitched" in e or "failed" in e for e in errors(at)), errors(at)


def test_changing_the_views_and_the_methods():
    at = open_page(PAGE, SMALL)
    at.sidebar.slider(key="pano.views").set_value(2).run()
    at.multiselect(key="pano.methods").set_value(["stitcher_scans"]).run()
    assert not at.exception and not errors(at), errors(at)
    captions = image_captions(at)
    assert sum(c.startswith(("1:", "2:")) for c in captions) == 2
    assert "Stitcher · scans mode" in captions and "Stitcher · panorama mode" not in captions


def test_your_images_without_uploads_explains_what_to_do():
    at = open_page(PAGE, {"pano.input": "Your images"})
    assert not at.exception
    assert any("at least two overlapping images" in i.value for i in at.info)


def test_frames_of_the_generated_video_are_stitched():
    at = open_page(PAGE, {"pano.input": "Video frames", "pano.max_side": "256"})
    assert not at.exception, at.exception
    assert not errors(at), errors(at)
    assert any(re.match(r"Frames 1, \d+, 40 of 40", c.value) for c in at.caption), [c.value for c in at.caption]
    assert len(_seam_errors(at)) >= 1  # the generated video's source is known


def test_a_broken_video_gives_a_message_the_page_can_show():
    at = open_page(PAGE, {"pano.input": "Video frames", "pano.video": "Upload"})
    assert not at.exception
    assert any("at least two overlapping images" in i.value for i in at.info)  # nothing uploaded yet
    # AppTest cannot upload files: check the cached reader the page calls
    import numpy as np

    from core.image import digest
    from ui.panels.panorama import uploaded_video

    data = b"definitely not a video"
    frames, error = uploaded_video(digest(np.frombuffer(data, np.uint8)), 256, "clip.mp4", data)
    assert frames is None and "clip.mp4" in error


def test_sweep_history_and_export_score_the_seams():
    at = open_page(PAGE, SMALL)
    labels = [t.label for t in at.tabs]
    assert all(any(name in label for label in labels) for name in ("Sweep", "History", "Export")), labels
    history = open_tab(at, "pano.tab", "History").dataframe[0].value
    assert len(history) == 2 and (history["seam error"] < 0.04).all(), history
    assert (history["coverage"] > 0.5).all() and (history["images joined"] == 3).all()
    at.multiselect(key="pano.methods").set_value(["stitcher_scans"]).run()
    assert len(at.dataframe[0].value) == 2  # history keeps both runs after the method change
    open_tab(at, "pano.tab", "Sweep").button(key="pano.sweep.run").click().run()
    assert not at.exception, at.exception
    assert any(s.value.startswith("Best seam PSNR") for s in at.success), [s.value for s in at.success]
    open_tab(at, "pano.tab", "Export")
    assert any("camera_views(image, count=3" in c.value for c in at.code)
