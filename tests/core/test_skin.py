"""Skin classifiers trained on strokes: accuracy on a synthetic two-colour image, feature consistency,
held-out split, and clear messages for missing or one-sided strokes."""
import numpy as np
import pytest

from core.registry import methods_for
from core.segmentation.metrics import iou
from core.skin import (NON_SKIN, SKIN_LABEL, check_scribbles, decision_slice, example_scribbles, features,
                       holdout_split, merge_scribbles, two_colour_scene)


def strokes(mask):
    """Synthetic strokes: horizontal lines every 6 rows, labelled by the true mask."""
    scribbles = np.zeros(mask.shape, np.int32)
    rows = np.arange(3, mask.shape[0], 6)
    scribbles[rows] = np.where(mask[rows], SKIN_LABEL, NON_SKIN)
    return scribbles


@pytest.mark.parametrize("space", ["YCrCb", "HSV"])
@pytest.mark.parametrize("key", [m.key for m in methods_for("skin")])
def test_classifiers_are_accurate_on_a_two_colour_image(key, space):
    image, truth = two_colour_scene(96, seed=1)
    scribbles = strokes(truth)
    frozen = image.copy(), scribbles.copy()
    method = next(m for m in methods_for("skin") if m.key == key)
    out = method.run(image, scribbles, params={"space": space})
    assert out.image.shape == truth.shape and out.image.dtype == bool  # the MASK output kind
    assert set(np.unique(out.image)) <= {0.0, 1.0}
    assert out.extras["accuracy"] >= 0.95, out.extras
    assert iou(truth, out.image > 0.5) >= 0.85
    assert np.array_equal(frozen[0], image) and np.array_equal(frozen[1], scribbles)


def test_chroma_features_drop_brightness_and_hsv_hue_is_circular():
    image, _ = two_colour_scene(32)
    assert features(image, space="YCrCb").shape == (32 * 32, 3)
    assert features(image, space="YCrCb", features="chroma").shape == (32 * 32, 2)
    assert features(image, space="HSV").shape == (32 * 32, 4)  # cos hue, sin hue, S, V
    reds = np.array([[[1.0, 0.0, 0.02], [1.0, 0.02, 0.0]]], np.float32)  # hue just below 360° and just above 0°
    rows = features(reds, space="HSV")
    assert np.abs(rows[0] - rows[1]).max() < 0.05
    brighter = np.clip(image * 1.3, 0, 1)
    # brightness moves Y far more than Cr, Cb
    change = np.abs(features(brighter, space="YCrCb") - features(image, space="YCrCb")).mean(axis=0)
    assert change[0] > 2 * change[1:].max()


def test_prediction_uses_the_same_features_as_training():
    """The book's bug: predicting from the luma column alone. Every column must reach the model."""
    image, truth = two_colour_scene(64, seed=2)
    out = methods_for("skin")[0].run(image, strokes(truth), params={"features": "chroma"})
    assert out.extras["accuracy"] > 0.95


def test_holdout_split_keeps_both_classes_apart_in_tiles():
    _, truth = two_colour_scene(96)
    scribbles = strokes(truth)
    train, test = holdout_split(scribbles, fraction=0.3, seed=0)
    assert len(np.intersect1d(train, test)) == 0
    assert len(train) + len(test) == np.count_nonzero(scribbles)
    for side in (train, test):
        assert set(np.unique(scribbles.ravel()[side])) == {NON_SKIN, SKIN_LABEL}
    assert 0.1 < len(test) / (len(train) + len(test)) < 0.5


@pytest.mark.parametrize("scribbles,message", [
    (np.zeros((32, 32), np.int32), "No strokes"),
    (np.pad(np.full((4, 4), SKIN_LABEL, np.int32), 14), "paint some non-skin"),
    (np.pad(np.full((4, 4), NON_SKIN, np.int32), 14), "paint some skin"),
])
def test_missing_or_one_sided_strokes_give_a_clear_message(scribbles, message):
    image, _ = two_colour_scene(32)
    with pytest.raises(ValueError, match=message):
        check_scribbles(scribbles, image.shape)
    for method in methods_for("skin"):
        with pytest.raises(ValueError, match=message):
            method.run(image, scribbles)


def test_strokes_of_the_wrong_size_are_refused():
    image, _ = two_colour_scene(32)
    with pytest.raises(ValueError, match="do not match"):
        check_scribbles(np.ones((16, 16), np.int32), image.shape)


def test_example_strokes_on_the_astronaut_train_a_good_skin_map():
    from core.gallery import load_sample

    image = load_sample("astronaut")[::4, ::4]  # 128²
    scribbles = example_scribbles(image.shape)
    assert set(np.unique(scribbles)) == {0, NON_SKIN, SKIN_LABEL}
    out = next(m for m in methods_for("skin") if m.key == "random_forest").run(image, scribbles)
    assert out.extras["accuracy"] > 0.9
    face = out.image[26:36, 50:62]  # cheeks and nose at 128²
    suit = out.image[80:100, 20:35]  # orange suit
    assert face.mean() > 0.6 and suit.mean() < 0.2


def test_merge_scribbles_lets_drawn_strokes_win():
    base = np.ones((4, 4), np.int32)
    drawn = np.zeros((4, 4), np.int32)
    drawn[0, 0] = SKIN_LABEL
    merged = merge_scribbles(base, drawn)
    assert merged[0, 0] == SKIN_LABEL and merged[1, 1] == NON_SKIN
    assert merge_scribbles(None, drawn) is drawn and merge_scribbles(base, None) is base


@pytest.mark.parametrize("space", ["YCrCb", "HSV"])
def test_decision_slice_separates_the_two_tones(space):
    """On the synthetic scene, the skin tone's chroma is skin and the background's is not."""
    image, truth = two_colour_scene(96, seed=1)
    out = next(m for m in methods_for("skin") if m.key == "random_forest").run(
        image, strokes(truth), params={"space": space})
    xs, ys, z, names = decision_slice(out.extras["model"], space=space, brightness=out.extras["skin brightness"])
    assert z.shape == (len(ys), len(xs)) and 0 < z.mean() < 1
    rows = features(image, space=space)

    def plane(mask):  # the mean (x, y) plane coordinates of some pixels
        r = rows[mask.ravel()].mean(axis=0)
        if space == "YCrCb":
            return r[2] * 255, r[1] * 255  # Cb, Cr
        return np.degrees(np.arctan2(r[1] - 0.5, r[0] - 0.5)) % 360, r[2]

    for mask, expected in ((truth, 1.0), (~truth, 0.0)):
        x, y = plane(mask)
        assert z[np.abs(ys - y).argmin(), np.abs(xs - x).argmin()] == expected
    assert names[0] in ("Cb", "hue (°)")
