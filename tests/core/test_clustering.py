"""Pixel clustering against synthetic ground truth, plus the bad inputs users can cause."""
import numpy as np
import pytest

from core import clustering as cl
from core.registry import CLUSTER, get_method, methods_for
from core.segmentation.metrics import foreground, iou
from core.segmentation.synthetic import objects_scene


@pytest.fixture(scope="module")
def scene():
    return objects_scene(96, seed=2)


def _best_iou(truth, labels):
    """IoU of the best single cluster against the object mask (clusters have no fixed meaning)."""
    return max(iou(truth, labels == v) for v in np.unique(labels))


@pytest.mark.parametrize("key,params", [("kmeans", {"k": 2}), ("kmeans", {"k": 2, "space": "rgb"}),
                                        ("kmeans", {"k": 2, "space": "lab+xy", "spatial_weight": 0.2}),
                                        ("gmm", {"k": 2}), ("spectral", {"k": 2}),
                                        ("spectral", {"k": 2, "on": "downsampled", "work_side": 48}),
                                        ("mean_shift", {"quantile": 0.3})])
def test_two_cluster_methods_recover_the_objects(scene, key, params):
    image, truth = scene
    out = get_method(CLUSTER, key).run(image, params=params)
    labels = out.image
    assert labels.dtype == np.int32 and labels.shape == truth.shape and labels.min() >= 1
    assert iou(truth, foreground(labels, truth)) > 0.85, key
    if key != "mean_shift":
        assert len(np.unique(labels)) == 2 and _best_iou(truth, labels) > 0.85


def test_labels_are_numbered_by_size(scene):
    labels = get_method(CLUSTER, "kmeans").run(scene[0], params={"k": 3}).image
    counts = [np.count_nonzero(labels == v) for v in (1, 2, 3)]
    assert counts == sorted(counts, reverse=True)


def test_pyramid_mean_shift_separates_the_objects(scene):
    image, truth = scene
    out = get_method(CLUSTER, "pyr_mean_shift").run(image, params={"min_size": 20})
    assert iou(truth, foreground(out.image, truth)) > 0.85
    assert out.extras["filtered"].shape == image.shape
    # the filtered image is flatter than the input inside the objects
    assert out.extras["filtered"][truth].std() < image[truth].std()


def test_mahalanobis_with_patches_from_the_mask(scene):
    image, truth = scene
    patches = cl.patches_from_mask(truth)
    assert set(np.unique(patches)) == {0, 1, 2}
    assert not np.any((patches == 2) & ~truth) and not np.any((patches == 1) & truth)
    out = get_method(CLUSTER, "mahalanobis").run(image, patches)
    assert iou(truth, out.image == 2) > 0.85
    assert set(out.extras) == {"distance to patch 1", "distance to patch 2"}


def test_mahalanobis_rejection_leaves_unlike_pixels_unassigned(scene):
    image, truth = scene
    object_only = np.where(cl.patches_from_mask(truth) == 2, 1, 0).astype(np.int32)
    out = get_method(CLUSTER, "mahalanobis").run(image, object_only, params={"reject": 99.0})
    assert iou(truth, out.image == 1) > 0.6
    assert np.count_nonzero(out.image == 0) > 0.5 * np.count_nonzero(~truth)


def test_mahalanobis_bad_inputs_have_clear_messages(scene):
    image, truth = scene
    method = get_method(CLUSTER, "mahalanobis")
    with pytest.raises(ValueError, match="at least one reference rectangle"):
        method.run(image, np.zeros(truth.shape, np.int32))
    with pytest.raises(ValueError, match="single reference patch"):
        method.run(image, cl.patches_from_rects(truth.shape, [(5, 5, 10, 10)]))
    with pytest.raises(ValueError, match="only 1 pixels"):
        method.run(image, cl.patches_from_rects(truth.shape, [(5, 5, 1, 1), (40, 40, 10, 10)]))
    with pytest.raises(ValueError, match="do not match"):
        method.run(image, np.ones((10, 10), np.int32))


def test_mahalanobis_flat_patch_still_works():
    image = np.zeros((32, 32, 3), np.float32)
    image[:, 16:] = (0.2, 0.8, 0.3)  # two flat colours: singular covariances
    patches = cl.patches_from_rects(image.shape, [(2, 2, 8, 8), (20, 2, 8, 8)])
    labels = get_method(CLUSTER, "mahalanobis").run(image, patches).image
    assert np.all(labels[:, :16] == 1) and np.all(labels[:, 16:] == 2)


@pytest.mark.parametrize("key", ["kmeans", "gmm", "spectral"])
def test_k_larger_than_the_number_of_pixels_is_a_clear_message(key):
    tiny = np.random.default_rng(0).random((3, 3, 3)).astype(np.float32)
    with pytest.raises(ValueError, match=r"k = 12 clusters need at least 12 .*only 9"):
        get_method(CLUSTER, key).run(tiny, params={"k": 12})


def test_spectral_k_larger_than_the_superpixels_is_a_clear_message():
    image = np.random.default_rng(0).random((24, 24, 3)).astype(np.float32)
    with pytest.raises(ValueError, match="superpixels"):
        get_method(CLUSTER, "spectral").run(image, params={"k": 12, "n_segments": 50})


def test_mean_shift_on_a_single_colour_says_so():
    flat = np.full((16, 16, 3), 0.4, np.float32)
    with pytest.raises(ValueError, match="single colour"):
        get_method(CLUSTER, "mean_shift").run(flat)


def test_cluster_table_and_mean_colour_image(scene):
    image, _ = scene
    labels = get_method(CLUSTER, "kmeans").run(image, params={"k": 3}).image
    rows = cl.cluster_table(image, labels)
    assert [r["label"] for r in rows] == [1, 2, 3]
    assert sum(r["pixels"] for r in rows) == labels.size and abs(sum(r["share"] for r in rows) - 1) < 1e-9
    assert all(r["colour"].startswith("#") and len(r["colour"]) == 7 for r in rows)
    mean_image = cl.mean_colour_image(image, labels)
    for v in (1, 2, 3):  # no cluster is painted black (label2rgb's bg_label=0 trap)
        assert np.allclose(mean_image[labels == v], image[labels == v].mean(axis=0), atol=1e-3)


def test_same_seed_same_result_and_inputs_untouched(scene):
    image = scene[0].copy()
    frozen = image.copy()
    for method in methods_for(CLUSTER):
        if method.needs:
            continue
        a, b = method.run(image).image, method.run(image).image
        assert np.array_equal(a, b), method.key
    assert np.array_equal(image, frozen)


def test_gray_images_work():
    gray = objects_scene(64, seed=3)[0].mean(axis=2).astype(np.float32)
    for method in methods_for(CLUSTER):
        inputs = (gray, cl.patches_from_mask(objects_scene(64, seed=3)[1])) if method.needs else (gray,)
        assert method.run(*inputs).image.shape == gray.shape


@pytest.mark.parametrize("color", [False, True], ids=["gray", "rgb"])
@pytest.mark.parametrize("key", [m.key for m in methods_for(CLUSTER)])
def test_every_method_runs_with_defaults(key, color):
    clean = objects_scene(64, seed=6)
    image = clean[0] if color else clean[0].mean(axis=2).astype(np.float32)
    method = get_method(CLUSTER, key)
    inputs = (image, cl.patches_from_mask(clean[1])) if method.needs else (image,)
    frozen = [x.copy() for x in inputs]
    calls = []
    out = method.run(*inputs, progress=lambda f, m="": calls.append(f))
    assert out.image.shape == image.shape[:2] and out.image.dtype == np.int32 and out.image.min() >= 0
    assert all(np.array_equal(a, b) for a, b in zip(frozen, inputs))
    assert not method.slow or calls, "a slow method reports progress"


def test_pyramid_mean_shift_otsu_objects_counts_the_objects(scene):
    image, truth = scene
    out = get_method(CLUSTER, "pyr_mean_shift").run(image, params={"labels_from": "otsu objects", "min_size": 20})
    assert out.extras["objects"] == 2  # the blob and the ellipse
    assert set(np.unique(out.image)) == {1, 2, 3}
    assert iou(truth, out.image >= 2) > 0.9
    dark = get_method(CLUSTER, "pyr_mean_shift").run(image, params={"labels_from": "otsu objects",
                                                                     "objects": "dark", "min_size": 20})
    assert iou(~truth, dark.image >= 2) > 0.9


@pytest.mark.parametrize("offset", [0, -7])  # labels from 0, and negative labels (no background trap)
def test_mean_colour_image_matches_label2rgb_on_many_segments(offset):
    from skimage.color import label2rgb
    from skimage.segmentation import slic

    image = np.random.default_rng(1).random((96, 80, 3)).astype(np.float32)
    labels = slic(image, n_segments=300, start_label=0) + offset
    expected = label2rgb(labels, image, kind="avg", bg_label=offset - 1)
    assert np.abs(cl.mean_colour_image(image, labels) - expected).max() < 1e-5
