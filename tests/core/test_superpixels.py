"""Superpixels and RAG cuts: boundary adherence and object recovery on synthetic ground truth, the fast
RAG against scikit-image's, and the safety limits."""
import numpy as np
import pytest
from skimage import graph, segmentation

from core import superpixels as sp
from core.registry import SUPERPIXELS, get_method, methods_for
from core.segmentation.metrics import foreground, iou
from core.segmentation.synthetic import objects_scene


@pytest.fixture(scope="module")
def scene():
    return objects_scene(128, seed=4)


def _boundary_recall(truth, labels, tolerance=2):
    """Share of true object-boundary pixels within `tolerance` px of a segment boundary."""
    from scipy import ndimage

    true_edges = segmentation.find_boundaries(truth, mode="inner")
    found = ndimage.binary_dilation(segmentation.find_boundaries(labels), iterations=tolerance)
    return np.count_nonzero(true_edges & found) / np.count_nonzero(true_edges)


@pytest.mark.parametrize("key", ["slic", "felzenszwalb", "quickshift"])
def test_superpixels_follow_object_boundaries(scene, key):
    image, truth = scene
    labels = get_method(SUPERPIXELS, key).run(image).image
    assert labels.dtype == np.int32 and labels.shape == truth.shape and labels.min() == 1
    assert np.array_equal(np.unique(labels), np.arange(1, labels.max() + 1))  # sequential
    assert 3 <= labels.max() < labels.size / 16
    assert _boundary_recall(truth, labels) > 0.85, key
    assert iou(truth, foreground(labels, truth)) > 0.9, key  # the best labelling built from them


@pytest.mark.parametrize("key", ["ncut", "rag_merge", "rag_threshold"])
def test_graph_methods_reduce_superpixels_to_a_few_regions(scene, key):
    image, truth = scene
    out = get_method(SUPERPIXELS, key).run(image)
    count = int(out.image.max())
    assert 2 <= count < out.extras["superpixels"] / 3, (key, count, out.extras)
    if key == "ncut":  # its eigenvectors depend on ARPACK's random start (and the BLAS): a seed may stop early
        outs = [get_method(SUPERPIXELS, key).run(image, params={"seed": seed}) for seed in range(3)]
        assert max(iou(truth, foreground(o.image, truth)) for o in outs) > 0.85, key
        return
    assert iou(truth, foreground(out.image, truth)) > 0.85, key


def test_fast_rag_equals_scikit_images(scene):
    image = scene[0][:64, :64]
    labels = segmentation.slic(image, n_segments=40, compactness=20, start_label=1)
    for mode in ("distance", "similarity"):
        theirs = graph.rag_mean_color(image * 255.0, labels, mode=mode)
        ours = sp.region_adjacency_graph(image, labels, mode=mode)
        assert sorted(map(tuple, map(sorted, theirs.edges()))) == sorted(map(tuple, map(sorted, ours.edges())))
        for a, b in theirs.edges():
            assert ours.edges[a, b]["weight"] == pytest.approx(theirs.edges[a, b]["weight"], rel=1e-4, abs=1e-6)
        for n in theirs.nodes:
            assert ours.nodes[n]["pixel count"] == theirs.nodes[n]["pixel count"]
            assert np.allclose(ours.nodes[n]["mean color"], theirs.nodes[n]["mean color"], atol=1e-3)


def test_adjacent_pairs_four_and_eight_connectivity():
    labels = np.array([[1, 2], [3, 4]])
    assert sp.adjacent_pairs(labels, connectivity=1).tolist() == [[1, 2], [1, 3], [2, 4], [3, 4]]
    assert sp.adjacent_pairs(labels, connectivity=2).tolist() == [[1, 2], [1, 3], [1, 4], [2, 3], [2, 4], [3, 4]]
    assert sp.adjacent_pairs(np.ones((3, 3), int)).shape == (0, 2)


def test_ncut_refuses_the_books_unsafe_size(scene):
    with pytest.raises(ValueError, match="limited to"):
        sp.ncut(scene[0], n_segments=400)
    assert get_method(SUPERPIXELS, "ncut").param("n_segments").max <= sp.MAX_NCUT_SEGMENTS


def test_ncut_reports_progress(scene):
    calls = []
    get_method(SUPERPIXELS, "ncut").run(scene[0], progress=lambda f, m="": calls.append(f))
    assert len(calls) >= 3 and calls == sorted(calls)


def test_quickshift_is_capped_and_scaled_back():
    image = objects_scene(160, seed=5)[0]
    out = get_method(SUPERPIXELS, "quickshift").run(image, params={"max_side": 80})
    assert out.image.shape == image.shape[:2] and out.extras["ran at"] == "80×80"


def test_gray_input_and_inputs_untouched(scene):
    gray = scene[0].mean(axis=2).astype(np.float32)
    frozen = gray.copy()
    for method in methods_for(SUPERPIXELS):
        assert method.run(gray).image.shape == gray.shape, method.key
    assert np.array_equal(gray, frozen)


def test_tiny_image_is_a_clear_message():
    with pytest.raises(ValueError, match="at least 4×4"):
        get_method(SUPERPIXELS, "slic").run(np.zeros((2, 2, 3), np.float32))


@pytest.mark.parametrize("color", [False, True], ids=["gray", "rgb"])
@pytest.mark.parametrize("key", [m.key for m in methods_for(SUPERPIXELS)])
def test_every_method_runs_with_defaults(key, color):
    from core.gallery import load_sample

    clean = load_sample("astronaut")[100:164, 180:244]
    image = clean if color else clean.mean(axis=2).astype(np.float32)
    frozen = image.copy()
    method = get_method(SUPERPIXELS, key)
    calls = []
    out = method.run(image, progress=lambda f, m="": calls.append(f))
    assert out.image.shape == image.shape[:2] and out.image.dtype == np.int32 and out.image.min() == 1
    assert np.array_equal(image, frozen)
    assert not method.slow or calls, "a slow method reports progress"
