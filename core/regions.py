"""Connected-component labelling (book §4.2 and exercise 4.Q3): binarise, label, measure, filter.

Three labelling back-ends are registered as methods of one task, so the page can show that
scikit-image, SciPy and OpenCV agree once their connectivity is matched (SciPy defaults to
4-neighbours, OpenCV to 8: the exercise's trap).
"""
from __future__ import annotations

import numpy as np

from core.image import to_gray
from core.registry import COMPONENTS, Param, method

CONNECTIVITY = Param("connectivity", "Connectivity", 8, choices=(4, 8),
                     help="4: pixels touch through an edge; 8: a shared corner is enough.")
THRESHOLDS = ("otsu", "li", "yen", "mean", "manual")


def _as_mask(mask: np.ndarray) -> np.ndarray:
    mask = np.asarray(mask)
    if mask.ndim != 2:
        raise ValueError(f"Connected components need a 2-D mask, got shape {mask.shape}.")
    return mask.astype(bool)


def binarize(image: np.ndarray, *, threshold: str = "otsu", level: float = 0.5, dark_objects: bool = False,
             closing: int = 3, clear_border: bool = True) -> tuple[np.ndarray, float]:
    """Foreground mask of an image: threshold, optional closing with a square, optional border clearing.

    Returns (mask, the threshold used). `dark_objects` makes pixels *below* the threshold foreground
    (the book fixes bright = foreground).
    """
    from skimage import filters, morphology, segmentation

    gray = to_gray(image)
    if threshold not in THRESHOLDS:
        raise ValueError(f"Unknown threshold {threshold!r}; choose one of {', '.join(THRESHOLDS)}.")
    if threshold == "manual":
        value = float(level)
    elif float(gray.max()) == float(gray.min()):
        raise ValueError("The image is flat (one grey level): there is nothing to threshold.")
    else:
        value = float(getattr(filters, f"threshold_{threshold}")(gray))
    mask = gray < value if dark_objects else gray > value
    if closing > 1:
        mask = morphology.closing(mask, morphology.footprint_rectangle((closing, closing)))
    if clear_border:
        mask = segmentation.clear_border(mask)
    return mask, value


def _relabel_sequential(labels: np.ndarray) -> np.ndarray:
    from skimage.segmentation import relabel_sequential

    return relabel_sequential(labels.astype(np.int32))[0].astype(np.int32)


@method(task=COMPONENTS, key="cc_skimage", label="scikit-image label", book="4.2",
        params=[CONNECTIVITY],
        summary="Two-pass labelling with union-find, as in the book's `measure.label(..., connectivity=2)`.",
        explanation="A first raster scan gives each foreground pixel a provisional label and records which labels "
                    "touch; a union-find structure merges those equivalences, and a second pass writes the final "
                    "label of every pixel.",
        latex=r"L(p)=\min\{L(q): q\in N_c(p),\ q \leadsto p\},\quad c\in\{4,8\}")
def cc_skimage(mask: np.ndarray, *, connectivity: int = 8) -> np.ndarray:
    from skimage.measure import label

    return label(_as_mask(mask), connectivity=1 if connectivity == 4 else 2).astype(np.int32)


@method(task=COMPONENTS, key="cc_scipy", label="SciPy ndimage.label", book="4.Q3",
        params=[CONNECTIVITY],
        summary="`scipy.ndimage.label` with a 3×3 structuring element for 8-connectivity.",
        explanation="SciPy's default structuring element is a cross (4-connectivity); passing a full 3×3 block "
                    "makes diagonal neighbours connect. With matched connectivity the labels equal "
                    "scikit-image's up to numbering.",
        latex=r"\text{structure}_4=\begin{smallmatrix}0&1&0\\1&1&1\\0&1&0\end{smallmatrix},\quad"
              r"\text{structure}_8=\mathbf{1}_{3\times3}")
def cc_scipy(mask: np.ndarray, *, connectivity: int = 8) -> np.ndarray:
    from scipy import ndimage

    structure = ndimage.generate_binary_structure(2, 1 if connectivity == 4 else 2)
    labels, _ = ndimage.label(_as_mask(mask), structure=structure)
    return labels.astype(np.int32)


@method(task=COMPONENTS, key="cc_opencv", label="OpenCV connectedComponentsWithStats", book="4.Q3",
        params=[CONNECTIVITY],
        summary="OpenCV's labelling (Spaghetti/BBDT decision trees), which also returns areas and boxes.",
        explanation="OpenCV's default connectivity is 8. Its labels come in a different scan order, so they "
                    "are renumbered by first appearance to compare them with the others.",
        latex=r"(n,\ L,\ [x, y, w, h, \text{area}],\ \text{centroids})")
def cc_opencv(mask: np.ndarray, *, connectivity: int = 8) -> np.ndarray:
    import cv2

    count, labels, _, _ = cv2.connectedComponentsWithStats(_as_mask(mask).astype(np.uint8), connectivity=connectivity)
    return _relabel_sequential(labels)


def filter_by_area(labels: np.ndarray, *, min_area: int = 0, max_area: int | None = None) -> np.ndarray:
    """Drop regions whose pixel count is outside [min_area, max_area]; the rest are renumbered 1..n."""
    labels = np.asarray(labels).astype(np.int32)
    areas = np.bincount(labels.ravel())
    keep = areas >= max(int(min_area), 0)
    if max_area is not None:
        keep &= areas <= int(max_area)
    keep[0] = False
    return _relabel_sequential(np.where(keep[labels], labels, 0))


def region_table(labels: np.ndarray, image: np.ndarray | None = None):
    """One row per region: area, centroid, bounding box, shape descriptors and (if given) mean intensity."""
    import pandas as pd
    from skimage.measure import regionprops_table

    labels = np.asarray(labels).astype(np.int32)
    columns = ["label", "area", "centroid", "bbox", "eccentricity", "solidity", "perimeter",
               "equivalent_diameter_area", "orientation"]
    intensity = None
    if image is not None:
        intensity = to_gray(image)
        columns.append("intensity_mean")
    if labels.max() == 0:
        return pd.DataFrame(columns=["label", "area", "centroid_row", "centroid_col", "bbox_top", "bbox_left",
                                     "bbox_bottom", "bbox_right", "eccentricity", "solidity", "perimeter",
                                     "equivalent_diameter", "orientation"]
                            + (["mean_intensity"] if intensity is not None else []))
    table = pd.DataFrame(regionprops_table(labels, intensity_image=intensity, properties=columns))
    return table.rename(columns={"centroid-0": "centroid_row", "centroid-1": "centroid_col", "bbox-0": "bbox_top",
                                 "bbox-1": "bbox_left", "bbox-2": "bbox_bottom", "bbox-3": "bbox_right",
                                 "equivalent_diameter_area": "equivalent_diameter",
                                 "intensity_mean": "mean_intensity"})


def label_overlay(image: np.ndarray, labels: np.ndarray, *, boxes: bool = True) -> np.ndarray:
    """Regions tinted over the image (the segmentation kit's overlay, 0 = background) with yellow boxes."""
    import cv2
    from scipy import ndimage

    from core.segmentation.overlay import overlay

    labels = np.asarray(labels).astype(np.int32)
    out = np.ascontiguousarray(overlay(to_gray(image), labels, background_label=0, show_boundaries=False))
    if boxes and labels.max() > 0:
        for rows, cols in ndimage.find_objects(labels):
            cv2.rectangle(out, (cols.start, rows.start), (cols.stop - 1, rows.stop - 1), (1.0, 0.85, 0.0), 1)
    return np.clip(out, 0, 1)
