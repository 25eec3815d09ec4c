from core.gallery import SAMPLES
from core.registry import get_method
from tests.pages.helpers import caption_numbers, errors, image_captions, open_page, segment_captions


def sample(name):  # selectboxes keep their formatted option label in the URL
    return f"{name} — {SAMPLES[name][1]}"


PAGE = "pages/thresholding.py"
SMALL = {"th.max_side": "128"}
SYNTHETIC = dict(SMALL, **{"th.sample": sample("synthetic objects"), "th.gray": "false"})


_captions = segment_captions


def test_defaults_show_masks_histogram_slicing_and_bit_planes():
    at = open_page(PAGE, SMALL)
    assert not at.exception, at.exception
    assert not errors(at), errors(at)
    assert len(_captions(at)) == 4  # one caption per default method
    charts = [c for c in at.get("plotly_chart")]
    assert len(charts) >= 2  # threshold histogram + band histogram (+ compare tab charts)
    assert any(m.value.startswith("ROI:") for m in at.markdown)
    captions = image_captions(at)
    assert sum(c.startswith("bit plane") for c in captions) == 8
    assert {"Sliced, without background", "Sliced, with background"} <= set(captions)


def test_known_mask_gives_iou_and_otsu_scores_well():
    at = open_page(PAGE, SYNTHETIC)
    assert not at.exception and not errors(at)
    ious = [caption_numbers(c)["iou"] for c in _captions(at)]
    assert len(ious) == 4 and max(ious) > 0.9, ious


def test_switching_polarity_and_methods_reacts():
    at = open_page(PAGE, SYNTHETIC)
    before = _captions(at)
    at.selectbox(key="threshold.otsu.foreground").set_value("dark").run()
    assert not at.exception
    assert _captions(at) != before
    at.multiselect(key="th.methods").set_value(["li", "adaptive_gaussian"]).run()
    assert not at.exception and len(_captions(at)) == 2
    assert get_method("threshold", "li").label in " ".join(str(e.proto) for e in at.get("image"))


def test_uneven_lighting_and_band_slider():
    at = open_page(PAGE, SMALL)
    at.sidebar.slider(key="th.shade").set_value(1.0).run()
    assert not at.exception and not errors(at)
    before = [m.value for m in at.markdown if m.value.startswith("ROI:")]
    at.slider(key="th.slice.band").set_value((150, 255)).run()
    after = [m.value for m in at.markdown if m.value.startswith("ROI:")]
    assert before != after


def test_a_bad_parameter_from_the_url_is_a_message_in_its_cell():
    label = get_method("threshold", "local").label
    at = open_page(PAGE, dict(SMALL, **{"th.methods": [label, get_method("threshold", "otsu").label],
                                        "threshold.local.block_size": "10"}))
    assert not at.exception
    assert any("odd" in e for e in errors(at)), errors(at)
    assert len(_captions(at)) == 1  # Otsu still shows its result
