"""People detection: on a synthetic street with known boxes, HOG + SVM and the Haar body cascade find the
people; grouping collapses the raw windows; NMS, IoU and matching are correct on hand-made boxes."""
import numpy as np
import pytest

from core.boxes import as_boxes, draw_boxes, iou, match, non_max_suppression
from core.pedestrians import hog_picture, street_scene, window_box
from core.registry import DETECT_PEOPLE, get_method, methods_for


@pytest.fixture(scope="module")
def street():
    return street_scene(384, people=4, seed=0)


@pytest.mark.parametrize("key", [m.key for m in methods_for(DETECT_PEOPLE)])
def test_every_people_detector_finds_most_people_without_touching_the_input(key, street):
    image, truth = street
    frozen = image.copy()
    out = get_method(DETECT_PEOPLE, key).run(image)
    assert np.array_equal(frozen, image)
    assert out.image.shape == image.shape and out.image.dtype == np.float32
    assert 0 <= out.image.min() and out.image.max() <= 1
    scores = match(out.extras["boxes"], truth)
    assert scores["recall"] >= 0.75 and scores["precision"] >= 0.75, scores


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_hog_with_nms_finds_every_person_at_512(seed):
    image, truth = street_scene(512, people=4, seed=seed)
    out = get_method(DETECT_PEOPLE, "hog_svm").run(image)
    assert match(out.extras["boxes"], truth) == {"true_positives": 4, "precision": 1.0, "recall": 1.0}


def test_grouping_collapses_the_raw_windows(street):
    image, truth = street
    hog = get_method(DETECT_PEOPLE, "hog_svm")
    raw = hog.run(image, params={"grouping": "none", "win_stride": 4})
    assert raw.extras["count"] == raw.extras["raw windows"] > 3 * len(truth)
    for grouping in ("nms", "rectangles", "meanshift"):
        grouped = hog.run(image, params={"grouping": grouping, "win_stride": 4})
        assert grouped.extras["count"] <= len(truth) + 1, grouping
        assert match(grouped.extras["boxes"], truth)["recall"] >= 0.75, grouping


def test_a_high_svm_threshold_drops_detections(street):
    image, _ = street
    hog = get_method(DETECT_PEOPLE, "hog_svm")
    raw = {t: hog.run(image, params={"hit_threshold": t, "grouping": "none"}).extras["count"] for t in (0.0, 1.0)}
    assert 0 < raw[1.0] < raw[0.0]


def test_too_small_an_image_gets_a_message():
    with pytest.raises(ValueError, match="at least 64×128"):
        get_method(DETECT_PEOPLE, "hog_svm").run(np.zeros((100, 300), np.float32))
    with pytest.raises(ValueError, match="Haar cascade"):
        get_method(DETECT_PEOPLE, "haar_body").run(np.zeros((40, 40), np.float32))


def test_nms_keeps_the_best_of_overlapping_boxes():
    boxes = [(10, 10, 50, 100), (14, 12, 50, 100), (200, 10, 50, 100)]
    keep = non_max_suppression(boxes, [0.5, 0.9, 0.1], overlap=0.3)
    assert sorted(keep.tolist()) == [1, 2] and keep[0] == 1
    assert len(non_max_suppression(boxes, [0.5, 0.9, 0.1], overlap=0.95)) == 3
    assert len(non_max_suppression([], None)) == 0


def test_iou_and_matching():
    assert iou([(0, 0, 10, 10)], [(0, 0, 10, 10)])[0, 0] == pytest.approx(1.0)
    assert iou([(0, 0, 10, 10)], [(5, 0, 10, 10)])[0, 0] == pytest.approx(50 / 150)
    assert iou([(0, 0, 10, 10)], [(20, 20, 5, 5)])[0, 0] == 0
    scores = match([(0, 0, 10, 10), (0, 1, 10, 10), (50, 50, 5, 5)], [(0, 0, 10, 10)])
    assert scores == {"true_positives": 1, "precision": 1 / 3, "recall": 1.0}  # a duplicate is a false positive
    assert np.isnan(match([], [(0, 0, 1, 1)])["precision"])
    assert as_boxes(()).shape == (0, 4)


def test_window_boxes_follow_the_detector_convention():
    x, y, w, h = window_box((100, 50, 30, 96))
    assert (w, h) == (64, 128) and abs((x + w / 2) - 115) <= 1 and abs((y + h / 2) - 98) <= 1


def test_draw_boxes_returns_a_new_rgb_image():
    gray = np.full((50, 50), 0.5, np.float32)
    drawn = draw_boxes(gray, [(5, 5, 20, 20)])
    assert drawn.shape == (50, 50, 3) and drawn[5, 10, 0] > 0.9 and gray.ndim == 2


def test_hog_picture_and_descriptor_length(street):
    image, _ = street
    picture, length = hog_picture(image[:128, :64], orientations=9, pixels_per_cell=8, cells_per_block=2)
    assert picture.shape == (128, 64) and picture.dtype == np.float32
    assert length == 3780  # Dalal and Triggs' 64×128 window: 7 × 15 blocks × 4 cells × 9 bins
    with pytest.raises(ValueError, match="smaller than one HOG block"):
        hog_picture(image[:10, :10])


def test_the_street_is_seeded_and_its_boxes_lie_inside():
    a, boxes = street_scene(256, people=3, seed=4)
    b, _ = street_scene(256, people=3, seed=4)
    assert np.array_equal(a, b) and a.shape == (256, 256, 3) and len(boxes) == 3
    assert (boxes[:, 1] + boxes[:, 3] <= 256 + 20).all()
    with pytest.raises(ValueError, match="1 to 6"):
        street_scene(people=0)


def test_the_daimler_model_finds_people_too_small_for_the_64x128_window():
    image, truth = street_scene(160, people=4, seed=0)  # people 50-75 px tall
    small = get_method(DETECT_PEOPLE, "hog_daimler").run(image)
    assert match(small.extras["boxes"], truth)["recall"] == 1.0
    assert get_method(DETECT_PEOPLE, "hog_svm").run(image).extras["count"] == 0
