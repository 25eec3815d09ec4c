from core.gallery import SAMPLES
from tests.pages.helpers import caption_numbers, errors, image_captions, open_page, segment_captions

PAGE = "pages/superpixels.py"
SMALL = {"sp.max_side": "128"}


_captions = segment_captions


def test_defaults_show_segments_counts_and_times():
    at = open_page(PAGE, SMALL)
    assert not at.exception, at.exception
    assert not errors(at), errors(at)
    captions = _captions(at)
    assert len(captions) == 4, captions
    counts = [caption_numbers(c)["segments"] for c in captions]
    assert counts[0] > 3 * counts[2] and counts[0] > counts[3]  # the graph methods merge superpixels
    assert "iou" not in caption_numbers(captions[0])  # no reference mask for the astronaut
    assert sum("mean colour per segment" in c for c in image_captions(at)) == 4


def test_known_mask_scores_boundary_adherence():
    name = "synthetic objects"
    at = open_page(PAGE, dict(SMALL, **{"sp.sample": f"{name} — {SAMPLES[name][1]}"}))
    assert not at.exception and not errors(at)
    ious = [caption_numbers(c)["iou"] for c in _captions(at)]
    assert len(ious) == 4 and min(ious) > 0.8, ious


def test_more_slic_segments_give_more_segments():
    at = open_page(PAGE, SMALL)
    before = _captions(at)[0]
    at.slider(key="superpixels.slic.n_segments").set_value(600).run()
    assert not at.exception
    after = _captions(at)[0]
    assert caption_numbers(after)["segments"] > caption_numbers(before)["segments"]


def test_quickshift_and_threshold_cut():
    at = open_page(PAGE, SMALL)
    at.multiselect(key="sp.methods").set_value(["quickshift", "rag_threshold"]).run()
    assert not at.exception and not errors(at)
    assert len(_captions(at)) == 2
