"""Connected components: exact counts on synthetic blobs, library agreement, area filter, region table."""
import numpy as np
import pytest

from core.regions import binarize, cc_opencv, cc_scipy, cc_skimage, filter_by_area, label_overlay, region_table
from core.registry import methods_for
from core.segmentation.metrics import agreement

LABELLERS = [cc_skimage, cc_scipy, cc_opencv]


def blobs():
    """Five squares of known areas, two of which touch only at a corner."""
    mask = np.zeros((64, 64), bool)
    mask[2:6, 2:6] = True  # 16
    mask[10:20, 10:20] = True  # 100
    mask[20:25, 20:25] = True  # 25, touches the previous one diagonally at (19, 19)-(20, 20)
    mask[40:43, 40:50] = True  # 30
    mask[50:60, 5:8] = True  # 30
    return mask


@pytest.mark.parametrize("labeller", LABELLERS, ids=lambda f: f.__name__)
def test_counts_are_exact_for_both_connectivities(labeller):
    mask = blobs()
    frozen = mask.copy()
    assert labeller(mask, connectivity=4).max() == 5
    labels = labeller(mask, connectivity=8)
    assert labels.max() == 4  # the diagonal pair merges
    assert labels.dtype == np.int32 and labels.shape == mask.shape
    assert np.array_equal(mask, frozen)
    assert np.array_equal(labels > 0, mask)


def test_libraries_agree_at_the_same_connectivity_and_differ_across():
    mask = blobs()
    for connectivity in (4, 8):
        a, b, c = (f(mask, connectivity=connectivity) for f in LABELLERS)
        assert agreement(a, b) == 1.0 and agreement(a, c) == 1.0
    assert agreement(cc_skimage(mask, connectivity=4), cc_opencv(mask, connectivity=8)) < 1.0


def test_every_method_runs_with_defaults():
    for method in methods_for("components"):
        out = method.run(blobs())
        assert out.image.max() == 4, method.key  # 8-connectivity by default, as the book's connectivity=2


def test_area_filter_keeps_the_right_regions_and_renumbers():
    labels = cc_skimage(blobs(), connectivity=4)
    kept = filter_by_area(labels, min_area=26, max_area=100)
    areas = sorted(np.bincount(kept.ravel())[1:].tolist())
    assert areas == [30, 30, 100]
    assert set(np.unique(kept)) == {0, 1, 2, 3}
    assert filter_by_area(labels, min_area=1000).max() == 0


def test_region_table_measures_area_and_centroid():
    labels = cc_skimage(blobs(), connectivity=4)
    image = np.linspace(0, 1, 64 * 64, dtype=np.float32).reshape(64, 64)
    table = region_table(labels, image)
    assert len(table) == 5
    row = table[table.area == 100].iloc[0]
    assert row.centroid_row == pytest.approx(14.5) and row.centroid_col == pytest.approx(14.5)
    assert {"eccentricity", "solidity", "mean_intensity", "bbox_top"} <= set(table.columns)
    assert region_table(np.zeros((8, 8), np.int32)).empty


def test_binarize_finds_the_coins_and_rejects_a_flat_image():
    from core.gallery import load_sample

    mask, threshold = binarize(load_sample("coins"), threshold="otsu", closing=3, clear_border=True)
    count = filter_by_area(cc_skimage(mask), min_area=100).max()
    assert 15 <= count <= 30  # 24 coins, some merged or touching the border
    assert 0 < threshold < 1
    dark, _ = binarize(load_sample("coins"), threshold="otsu", dark_objects=True, closing=1, clear_border=False)
    assert not (dark & binarize(load_sample("coins"), closing=1, clear_border=False)[0]).any()
    with pytest.raises(ValueError, match="flat"):
        binarize(np.full((16, 16), 0.5, np.float32))


def test_overlay_is_an_rgb_float_image():
    labels = cc_skimage(blobs())
    out = label_overlay(np.zeros((64, 64), np.float32), labels)
    assert out.shape == (64, 64, 3) and out.dtype == np.float32
    assert out[12, 12].sum() > 0 and out[35, 35].sum() == 0
