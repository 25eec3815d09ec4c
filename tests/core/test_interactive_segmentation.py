"""Interactive segmentation and background effects on synthetic ground truth (objects on textured
backgrounds with a known mask), with synthetic scribbles, rectangles and seeds."""
import numpy as np
import pytest

from core.registry import get_method, methods_for
from core.segmentation.metrics import foreground, iou
from core.segmentation.synthetic import objects_scene, rect_from_mask, scribbles_from_mask, seeds_from_mask

SIZE = 128


@pytest.fixture(scope="module")
def scene():
    image, mask = objects_scene(SIZE)
    available = {"scribbles": scribbles_from_mask(mask), "rect": rect_from_mask(mask), "seeds": seeds_from_mask(mask)}
    return image, mask, available


# IoU bars at 128² (the 512² numbers are measured with `python -m bench segment`)
BARS = {"watershed_markers": 0.9, "watershed_sitk": 0.9, "watershed_distance": 0.85, "grabcut": 0.9,
        "random_walker": 0.9, "fast_marching": 0.85, "geodesic_contour": 0.9}
SEGMENT_KEYS = [m.key for m in methods_for("segment")]


@pytest.mark.parametrize("color", [True, False], ids=["rgb", "gray"])
@pytest.mark.parametrize("key", SEGMENT_KEYS)
def test_every_method_recovers_the_synthetic_objects(scene, key, color):
    image, mask, available = scene
    image = image if color else image.mean(axis=2).astype(np.float32)
    method = get_method("segment", key)
    inputs = method.arguments(dict(available, image=image))
    frozen = [np.array(x, copy=True) if x is not None else None for x in inputs]
    calls = []
    out = method.run(*inputs, progress=lambda f, m="": calls.append(f))
    result = out.image
    assert result.shape == mask.shape
    assert result.dtype == bool or result.dtype == np.int32
    for before, after in zip(frozen, inputs):
        if before is not None:
            assert np.array_equal(before, np.asarray(after)), "the method modified its input"
    score = iou(mask, foreground(result, mask))
    assert score >= BARS[key], f"{key}: IoU {score:.3f}"
    if method.slow:
        assert calls and calls[-1] == pytest.approx(1.0)


def test_automatic_watershed_splits_touching_disks():
    import cv2

    image = np.zeros((96, 128), np.float32)
    cv2.circle(image, (44, 48), 24, 1.0, -1)
    cv2.circle(image, (84, 48), 24, 1.0, -1)  # overlapping: one blob for Otsu
    out = get_method("segment", "watershed_distance").run(image, params={"min_distance": 10})
    objects = np.unique(out.image[out.image >= 2])
    assert objects.size == 2, objects


def test_grabcut_strokes_fix_a_mistake(scene):
    image, mask, _ = scene
    grabcut = get_method("segment", "grabcut")
    # a rectangle around only the big object: the small one must come from a foreground stroke
    from scipy import ndimage

    labels, _ = ndimage.label(mask)
    big = labels == np.argmax(np.bincount(labels.ravel())[1:]) + 1
    rect = rect_from_mask(big)
    without = grabcut.run(image, rect, None).image
    strokes = np.zeros(mask.shape, np.int32)
    small = mask & ~big
    strokes[ndimage.binary_erosion(small, iterations=3)] = 2
    with_strokes = grabcut.run(image, rect, strokes).image
    assert iou(mask, with_strokes) > iou(mask, without)
    assert np.all(with_strokes[strokes == 2])
    strokes[:] = 0
    strokes[ndimage.binary_erosion(big, iterations=12)] = 1  # a background stroke inside the object wins
    assert not np.any(grabcut.run(image, rect, strokes).image[strokes == 1])


def test_random_walker_returns_a_label_map_for_three_labels(scene):
    image, mask, available = scene
    scribbles = available["scribbles"].copy()
    from scipy import ndimage

    labels, _ = ndimage.label(mask)
    scribbles[(scribbles == 2) & (labels == 2)] = 3  # the second object gets its own label
    out = get_method("segment", "random_walker").run(image, scribbles)
    assert out.image.dtype == np.int32 and set(np.unique(out.image)) == {1, 2, 3}
    assert iou(mask, out.image >= 2) > 0.9
    assert "object probability" in out.extras


@pytest.mark.parametrize("key,inputs,message", [
    ("random_walker", {"scribbles": "single"}, "at least two labels"),
    ("watershed_markers", {"scribbles": "single"}, "at least two labels"),
    ("grabcut", {"rect": (0, 0, SIZE, SIZE)}, "whole image"),
    ("grabcut", {"rect": (20, 20, 0, 0)}, "empty"),
    ("fast_marching", {"seeds": [(SIZE + 5, 10)]}, "outside"),
    ("geodesic_contour", {"seeds": [(-1, 10)]}, "outside"),
])
def test_bad_input_is_a_clear_value_error(scene, key, inputs, message):
    image, mask, available = scene
    if inputs.get("scribbles") == "single":
        single = np.zeros(mask.shape, np.int32)
        single[available["scribbles"] == 2] = 2
        inputs = {"scribbles": single}
    method = get_method("segment", key)
    args = [image] + [inputs.get(n, None) for n in method.needs]
    with pytest.raises(ValueError, match=message):
        method.run(*args)


@pytest.mark.parametrize("key", [m.key for m in methods_for("background")])
@pytest.mark.parametrize("color", [True, False], ids=["rgb", "gray"])
def test_background_effects_change_only_the_background(scene, key, color):
    image, mask, _ = scene
    image = image if color else image.mean(axis=2).astype(np.float32)
    frozen = image.copy()
    out = get_method("background", key).run(image, mask, params={"feather": 1.0}).image
    assert out.shape == image.shape and out.dtype == np.float32 and 0 <= out.min() and out.max() <= 1
    from scipy import ndimage

    inner = ndimage.binary_erosion(mask, iterations=4)
    outer = ndimage.binary_erosion(~mask, iterations=4)
    assert np.abs(out - image)[inner].mean() < 0.01  # the object is untouched
    assert np.abs(out - image)[outer].mean() > 0.02  # the background changed
    assert np.array_equal(image, frozen)


def test_background_rejects_empty_or_full_masks(scene):
    image, mask, _ = scene
    blur = get_method("background", "blur")
    with pytest.raises(ValueError, match="empty"):
        blur.run(image, np.zeros(mask.shape, bool))
    with pytest.raises(ValueError, match="whole image"):
        blur.run(image, np.ones(mask.shape, bool))


def test_grabcut_gives_the_same_mask_whatever_the_threads_random_state():
    import cv2

    noisy = np.random.default_rng(0).random((120, 160, 3)).astype(np.float32)  # a scene where k-means' start matters
    noisy[30:90, 40:120] = np.clip(noisy[30:90, 40:120] + 0.5, 0, 1)
    grabcut = get_method("segment", "grabcut")
    first = grabcut.run(noisy, (30, 20, 100, 80), None).image
    cv2.randu(np.zeros(1000, np.float32), 0, 1)  # another method used OpenCV's RNG on this thread meanwhile
    assert np.array_equal(grabcut.run(noisy, (30, 20, 100, 80), None).image, first)
