from core.gallery import SAMPLES
from core.registry import get_method
from tests.pages.helpers import caption_numbers, errors, image_captions, open_page, segment_captions

PAGE = "pages/clustering.py"
SMALL = {"cl.max_side": "96"}


_captions = segment_captions


def test_defaults_cluster_the_synthetic_objects_with_automatic_patches():
    at = open_page(PAGE, SMALL)
    assert not at.exception, at.exception
    assert not errors(at), errors(at)
    captions = _captions(at)
    assert len(captions) == 4, captions  # k-means, GMM, mean shift, Mahalanobis (automatic patches)
    ious = [caption_numbers(c)["iou"] for c in captions]
    assert max(ious) > 0.85, ious
    assert any("automatic patches" in c.value for c in at.caption)
    assert "Patches (colour = class)" in image_captions(at)
    assert sum("mean colour per cluster" in c for c in image_captions(at)) == 4
    assert any(s.value == "Cluster colours and sizes" for s in at.subheader)


def test_k_and_feature_space_change_the_result():
    at = open_page(PAGE, SMALL)
    before = _captions(at)
    at.slider(key="cluster.kmeans.k").set_value(5).run()
    at.selectbox(key="cluster.kmeans.space").set_value("rgb+xy").run()
    assert not at.exception and not errors(at)
    after = _captions(at)
    assert before[0] != after[0] and caption_numbers(after[0])["segments"] == 5


def test_mahalanobis_without_patches_or_reference_asks_for_rectangles():
    name = "astronaut"
    query = dict(SMALL, **{"cl.sample": f"{name} — {SAMPLES[name][1]}",
                           "cl.methods": [get_method("cluster", "mahalanobis").label,
                                          get_method("cluster", "kmeans").label]})
    at = open_page(PAGE, query)
    assert not at.exception
    assert any("draw one rectangle" in e for e in errors(at)), errors(at)
    assert len(_captions(at)) == 1  # k-means still runs, with segment counts but no IoU


def test_spectral_and_pyramid_mean_shift_run():
    at = open_page(PAGE, SMALL)
    at.multiselect(key="cl.methods").set_value(["spectral", "pyr_mean_shift"]).run()
    assert not at.exception and not errors(at), errors(at)
    assert len(_captions(at)) == 2


def test_the_lab_scatter_runs_only_when_its_expander_is_open():
    at = open_page(PAGE, SMALL)
    assert not [s for s in at.selectbox if s.key == "cl.scatter"]  # closed: nothing drawn
    charts = len(at.get("plotly_chart"))
    at.session_state["cl.scatter.open"] = True
    at.run()
    assert not at.exception, at.exception
    picker = next(s for s in at.selectbox if s.key == "cl.scatter")
    assert len(at.get("plotly_chart")) == charts + 1
    picker.set_value(picker.options[-1]).run()
    assert not at.exception and len(at.get("plotly_chart")) == charts + 1
