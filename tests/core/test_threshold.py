"""Slicing, bit planes and thresholds: exact agreement with scikit-image where it is the definition,
and IoU against synthetic ground truth elsewhere."""
import numpy as np
import pytest
from skimage import filters

from core import threshold as th
from core.gallery import load_sample
from core.image import to_gray
from core.registry import THRESHOLD, get_method, methods_for
from core.segmentation.metrics import iou
from core.segmentation.synthetic import objects_scene


@pytest.fixture(scope="module")
def scene():
    return objects_scene(128, seed=1)


@pytest.fixture(scope="module")
def shaded_page():
    """Dark blobs and strokes on paper under a strong light gradient: global thresholds fail, local ones don't."""
    rng = np.random.default_rng(0)
    truth = np.zeros((128, 128), bool)
    truth[20:24, 10:118] = truth[60:64, 10:118] = truth[100:104, 10:118] = True
    truth[10:118, 30:34] = truth[10:118, 90:94] = True
    paper = np.where(truth, 0.15, 0.85) + rng.normal(0, 0.01, truth.shape)
    return th.shade(np.clip(paper, 0, 1).astype(np.float32), strength=0.8), truth


def test_otsu_equals_scikit_image_exactly(scene):
    for image in (scene[0], load_sample("camera")[::4, ::4], load_sample("coins")[::3, ::3]):
        out = get_method(THRESHOLD, "otsu").run(image)
        gray = to_gray(image)
        assert out.extras["threshold"] == filters.threshold_otsu(gray)
        assert np.array_equal(out.image, gray > filters.threshold_otsu(gray))


@pytest.mark.parametrize("key,reference", [("li", filters.threshold_li), ("yen", filters.threshold_yen),
                                           ("isodata", filters.threshold_isodata),
                                           ("triangle", filters.threshold_triangle),
                                           ("minimum", filters.threshold_minimum)])
def test_global_thresholds_match_their_definition(scene, key, reference):
    gray = to_gray(scene[0])
    out = get_method(THRESHOLD, key).run(scene[0])
    assert out.extras["threshold"] == pytest.approx(float(reference(gray)))


def test_global_methods_find_the_objects(scene):
    image, truth = scene
    for key in ("otsu", "li", "isodata", "minimum", "triangle"):
        out = get_method(THRESHOLD, key).run(image)
        assert out.image.dtype == bool and out.image.shape == truth.shape
        assert iou(truth, out.image) > 0.85, key


@pytest.mark.parametrize("name", th.SITK_FILTERS)
def test_simpleitk_thresholds_lie_inside_the_gray_range(scene, name):
    image, truth = scene
    gray = to_gray(image)
    out = get_method(THRESHOLD, "sitk").run(image, params={"filter": name})
    assert gray.min() < out.extras["threshold"] < gray.max()
    assert np.array_equal(out.image, gray > out.extras["threshold"])
    if name in ("Intermodes", "KittlerIllingworth"):  # bimodal-histogram methods on a bimodal scene
        assert iou(truth, out.image) > 0.9


def test_dark_polarity_inverts_the_mask(scene):
    image = scene[0]
    bright = get_method(THRESHOLD, "otsu").run(image).image
    dark = get_method(THRESHOLD, "otsu").run(image, params={"foreground": "dark"}).image
    assert np.array_equal(bright, ~dark)


def test_kapur_maximises_the_two_class_entropies():
    gray = load_sample("camera")[::4, ::4]
    t = get_method(THRESHOLD, "kapur").run(gray).extras["threshold"]
    counts, _ = np.histogram(gray, bins=256, range=(gray.min(), gray.max()))
    p = counts / counts.sum()

    def entropy(i):
        low, high = p[:i + 1], p[i + 1:]
        total = 0.0
        for part in (low, high):
            s = part.sum()
            if s > 0:
                q = part[part > 0] / s
                total -= np.sum(q * np.log(q))
        return total

    best = int(np.argmax([entropy(i) for i in range(255)]))
    t_best = gray.min() + (best + 1) * (gray.max() - gray.min()) / 256
    assert abs(t - t_best) <= 2 * (gray.max() - gray.min()) / 256


def test_local_methods_beat_global_otsu_under_uneven_light(shaded_page):
    image, truth = shaded_page
    global_iou = iou(truth, get_method(THRESHOLD, "otsu").run(image, params={"foreground": "dark"}).image)
    assert global_iou < 0.7
    for key, params in [("sauvola", {"foreground": "dark"}), ("adaptive_mean", {}), ("adaptive_gaussian", {}),
                        ("local", {"foreground": "dark", "offset": 0.05}), ("local_otsu", {"foreground": "dark", "radius": 5})]:
        score = iou(truth, get_method(THRESHOLD, key).run(image, params=params).image)
        assert score > 0.85 and score > global_iou + 0.2, (key, score)


def test_local_otsu_minimum_contrast_removes_speckle_on_flat_paper(shaded_page):
    image, truth = shaded_page
    speckled = th.local_otsu(image, radius=5, min_contrast=0.0, foreground="dark").image
    cleaned = th.local_otsu(image, radius=5, min_contrast=0.1, foreground="dark").image
    assert iou(truth, speckled) < 0.5 < 0.95 < iou(truth, cleaned)


def test_flat_image_and_even_block_give_clear_messages():
    flat = np.full((32, 32), 0.5, np.float32)
    with pytest.raises(ValueError, match="flat"):
        get_method(THRESHOLD, "otsu").run(flat)
    with pytest.raises(ValueError, match="odd"):
        th.local(load_sample("camera")[::8, ::8], block_size=10)


def test_minimum_without_two_peaks_says_so():
    ramp = np.tile(np.linspace(0, 1, 64, dtype=np.float32), (64, 1))
    with pytest.raises(ValueError, match="two peaks"):
        get_method(THRESHOLD, "minimum").run(ramp)


def test_every_threshold_is_a_bool_mask_and_leaves_its_input_alone(scene):
    image = scene[0]
    frozen = image.copy()
    for method in methods_for(THRESHOLD):
        out = method.run(image)
        assert out.image.dtype == bool and out.image.shape == image.shape[:2], method.key
        assert 0 < out.image.mean() < 1, method.key
    assert np.array_equal(image, frozen)


def test_gray_level_slicing_with_and_without_background():
    gray = np.linspace(0, 1, 256, dtype=np.float32).reshape(16, 16)
    without, band = th.gray_level_slice(gray, low=0.4, high=0.6)
    assert np.array_equal(band, (gray >= 0.4) & (gray <= 0.6))
    assert np.all(without[band] == 1.0) and np.all(without[~band] == 0.0)
    kept, _ = th.gray_level_slice(gray, low=0.4, high=0.6, with_background=True, highlight=0.9)
    assert np.all(kept[band] == np.float32(0.9)) and np.array_equal(kept[~band], gray[~band])
    with pytest.raises(ValueError):
        th.gray_level_slice(gray, low=0.7, high=0.2)


def test_roi_contrast_normalises_the_band_and_respects_the_rectangle():
    gray = np.linspace(0, 1, 64 * 64, dtype=np.float32).reshape(64, 64)
    out, roi = th.roi_contrast(gray, low=0.25, high=0.75, gamma=1.0, background=0.1)
    assert out[roi].min() == pytest.approx(0.0, abs=1e-3) and out[roi].max() == pytest.approx(1.0, abs=1e-3)
    assert np.all(out[~roi] == np.float32(0.1))  # no clipping of the book's (r - a)^1.1 kind
    boxed, roi_box = th.roi_contrast(gray, low=0.0, high=1.0, rect=(10, 20, 16, 8), keep_background=True)
    assert roi_box.sum() == 16 * 8 and roi_box[20:28, 10:26].all()
    assert np.array_equal(boxed[~roi_box], gray[~roi_box]) and not np.array_equal(boxed, gray)
    with pytest.raises(ValueError, match="rectangle"):
        th.roi_contrast(gray, rect=(100, 100, 5, 5))


def test_bit_planes_rebuild_the_image_exactly():
    gray = load_sample("camera")[::8, ::8]
    planes = th.bit_planes(gray)
    assert planes.shape == (8,) + gray.shape and planes.dtype == bool
    full = th.rebuild_from_planes(planes, range(8))
    assert np.allclose(full, np.round(gray * 255) / 255, atol=1e-6)  # rounded, not truncated
    top = th.rebuild_from_planes(planes, [7, 6, 5, 4])
    assert np.abs(top - full).max() <= 15 / 255 + 1e-6
    assert planes[7].mean() > 0.3 and 0.4 < planes[0].mean() < 0.6  # MSB: structure; LSB: noise-like


def test_shade_darkens_one_side():
    image = np.full((8, 32), 0.8, np.float32)
    shaded = th.shade(image, strength=1.0)
    assert shaded[:, 0].max() == 0.0 and shaded[:, -1].min() == pytest.approx(0.8)
    assert np.array_equal(th.shade(image, strength=0.0), image)


@pytest.mark.parametrize("color", [False, True], ids=["gray", "rgb"])
@pytest.mark.parametrize("key", [m.key for m in methods_for(THRESHOLD)])
def test_every_method_runs_with_defaults(key, color):
    clean = load_sample("astronaut")[100:164, 180:244]
    image = clean if color else clean.mean(axis=2).astype(np.float32)
    frozen = image.copy()
    out = get_method(THRESHOLD, key).run(image, progress=lambda f, m="": None)
    assert out.image.shape == image.shape[:2] and out.image.dtype == bool
    assert np.array_equal(image, frozen)
