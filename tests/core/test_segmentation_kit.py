"""The segmentation kit: metrics, overlays, synthetic ground truth and synthetic user input."""
import numpy as np
import pytest

from core.registry import get_method
from core.segmentation.inputs import check_rect, check_scribbles, check_seeds
from core.tasks.protocol import MissingInput
from core.segmentation.metrics import agreement, dice, foreground, iou, pairwise_agreement, segment_count
from core.segmentation.overlay import colorize, draw_inputs, error_overlay, legend, overlay
from core.segmentation.synthetic import (objects_scene, rect_from_mask, reference_for_sample, scribbles_from_mask,
                                         seeds_from_mask)


def _disk(size=64, radius=16, centre=(32, 32)):
    yy, xx = np.mgrid[0:size, 0:size]
    return (yy - centre[0]) ** 2 + (xx - centre[1]) ** 2 <= radius ** 2


def test_iou_and_dice_values():
    a = np.zeros((10, 10), bool)
    b = np.zeros((10, 10), bool)
    a[:, :5] = True  # 50 px
    b[:, 2:7] = True  # 50 px, 30 overlapping
    assert iou(a, b) == pytest.approx(30 / 70)
    assert dice(a, b) == pytest.approx(60 / 100)
    assert iou(a, a) == 1.0 and dice(a, ~a) == 0.0
    assert iou(np.zeros((4, 4), bool), np.zeros((4, 4), bool)) == 1.0
    with pytest.raises(ValueError, match="shapes"):
        iou(a, b[:5])


def test_foreground_maps_labels_onto_the_reference():
    mask = _disk()
    labels = np.where(mask, 7, 3).astype(np.int32)
    labels[:4, :4] = 9  # a small background segment
    assert np.array_equal(foreground(labels, mask), mask)
    assert np.array_equal(foreground(np.where(mask, 2, 1)), mask)  # 1 = background without a reference
    assert np.array_equal(foreground(mask), mask)


def test_segment_count_and_agreement():
    mask = _disk(64, 8, (16, 16)) | _disk(64, 8, (48, 48))
    assert segment_count(mask) == 2
    assert segment_count(np.array([[0, 1], [2, 5]], np.int32)) == 3
    labels = np.where(mask, 2, 1)
    assert agreement(labels, np.where(mask, 40, 11)) == pytest.approx(1.0)  # same partition, other numbers
    assert agreement(mask, ~mask) == 0.0
    matrix = pairwise_agreement({"a": mask, "b": mask, "c": ~mask})
    assert matrix.shape == (3, 3) and np.allclose(np.diag(matrix), 1) and matrix[0, 2] == 0.0
    from core.registry import SEGMENT
    from core.tasks.protocol import Output

    scores = SEGMENT.score(mask, Output(labels), {})  # the task's score: what the app and the bench show
    assert scores["iou"] == 1.0 and scores["dice"] == 1.0 and scores["segments"] == 2
    assert set(SEGMENT.score(None, Output(mask), {})) == {"segments"}


def test_overlays_have_image_shape_and_do_not_touch_inputs():
    image, mask = objects_scene(96)
    frozen = image.copy()
    for result in (mask, np.where(mask, 2, 1).astype(np.int32)):
        out = overlay(image, result)
        assert out.shape == image.shape and out.dtype == np.float32 and 0 <= out.min() and out.max() <= 1
        assert not np.array_equal(out, image)
        assert colorize(result).shape == image.shape
    assert error_overlay(image, mask, ~mask).shape == image.shape
    assert legend(mask)[0]["pixels"] == int(mask.sum())
    assert draw_inputs(image.mean(axis=2), scribbles=scribbles_from_mask(mask), rect=(5, 5, 30, 30),
                       seeds=[(10, 10)]).shape == image.shape
    assert np.array_equal(image, frozen)
    with pytest.raises(ValueError, match="does not match"):
        overlay(image, mask[:10])


def test_synthetic_scene_and_synthetic_inputs():
    image, mask = objects_scene(128, seed=3)
    assert image.shape == (128, 128, 3) and image.dtype == np.float32 and mask.dtype == bool
    assert 0.08 < mask.mean() < 0.4
    scribbles = scribbles_from_mask(mask)
    assert set(np.unique(scribbles)) == {0, 1, 2}
    assert np.all(mask[scribbles == 2]) and not np.any(mask[scribbles == 1])  # strokes on the right side
    x, y, w, h = rect_from_mask(mask)
    rows, cols = np.nonzero(mask)
    assert x <= cols.min() and y <= rows.min() and x + w > cols.max() and y + h > rows.max()
    seeds = seeds_from_mask(mask)
    assert len(seeds) == 2 and all(mask[int(sy), int(sx)] for sx, sy in seeds)
    reference = reference_for_sample("synthetic objects", (256, 256))
    assert reference.shape == (256, 256) and reference_for_sample("camera", (256, 256)) is None


def test_bad_input_messages():
    shape = (64, 64)
    one_label = np.zeros(shape, np.int32)
    one_label[10:20, 10:20] = 2
    with pytest.raises(ValueError, match="at least two labels"):
        check_scribbles(one_label, shape, method="Random walker")
    with pytest.raises(ValueError, match="needs scribbles"):
        check_scribbles(np.zeros(shape, np.int32), shape, method="Random walker")
    with pytest.raises(ValueError, match="empty"):
        check_rect((10, 10, 0, 5), shape, method="GrabCut")
    with pytest.raises(ValueError, match="whole image"):
        check_rect((0, 0, 64, 64), shape, method="GrabCut")
    with pytest.raises(ValueError, match="outside"):
        check_seeds([(10, 10), (70, 5)], shape, method="Fast marching")
    with pytest.raises(ValueError, match="at least one seed"):
        check_seeds([], shape, method="Fast marching")


def test_method_inputs_names_what_is_missing():
    image = np.zeros((32, 32), np.float32)
    grabcut = get_method("segment", "grabcut")
    with pytest.raises(MissingInput, match="GrabCut.*rectangle"):
        grabcut.arguments({"image": image})
    inputs = grabcut.arguments({"image": image, "rect": (2, 2, 10, 10)})  # strokes are optional
    assert inputs[1] == (2, 2, 10, 10) and inputs[2] is None
    with pytest.raises(MissingInput, match="scribbles"):
        get_method("segment", "random_walker").arguments({"image": image, "scribbles": np.zeros((32, 32), np.int32)})
    with pytest.raises(MissingInput, match="needs image"):
        grabcut.arguments({"rect": (2, 2, 10, 10)})


def test_agreement_of_label_maps_matches_a_direct_count():
    rng = np.random.default_rng(3)
    a, b = rng.integers(0, 5, (40, 30)), rng.integers(10, 13, (40, 30))
    overlap = np.array([[np.sum((a == i) & (b == j)) / np.sum((a == i) | (b == j)) for j in range(10, 13)]
                        for i in range(5)])
    size_a, size_b = np.bincount(a.ravel()), np.bincount(b.ravel())[10:]
    expected = (np.sum(overlap.max(1) * size_a) / a.size + np.sum(overlap.max(0) * size_b) / b.size) / 2
    assert agreement(a, b) == pytest.approx(expected)
