"""Superpixels and region-adjacency-graph segmentation (book Chapter 3, §3.9): SLIC, Felzenszwalb,
quickshift, normalized cut on a RAG, hierarchical RAG merging and the RAG threshold cut.

Registered under the SUPERPIXELS task: image in, int32 label map out (labels 1..n). Colours on the
RAG are on the 0–255 scale, as in the book, so its thresholds (50 for the cut) carry over.

`region_adjacency_graph` replaces scikit-image's `rag_mean_color`, which visits every pixel in a
Python loop (about 2–5 s at 512² here); the vectorised version builds the same graph in milliseconds.
"""
from __future__ import annotations

import math

import numpy as np

from core.image import to_rgb
from core.registry import SUPERPIXELS, Output, Param, method

SEED = Param("seed", "Random seed", 0, min=0, max=9999)
MAX_NCUT_SEGMENTS = 300  # above this cut_normalized takes many seconds and can fail to converge


def _rgb(image: np.ndarray) -> np.ndarray:
    rgb = to_rgb(image)
    if min(rgb.shape[:2]) < 4:
        raise ValueError("The image must be at least 4×4 pixels for superpixels.")
    return rgb


def _sequential(labels: np.ndarray) -> np.ndarray:
    """Labels 1..n (0 is not used), int32."""
    from skimage.segmentation import relabel_sequential

    labels = np.asarray(labels)
    return relabel_sequential(labels - labels.min() + 1)[0].astype(np.int32)


# ---------------------------------------------------------------- the region adjacency graph

def adjacent_pairs(labels: np.ndarray, *, connectivity: int = 2) -> np.ndarray:
    """Unique (a, b) label pairs with a < b that touch (4- or 8-connectivity), as an (E, 2) array."""
    labels = np.asarray(labels)
    shifts = [(labels[:, :-1], labels[:, 1:]), (labels[:-1, :], labels[1:, :])]
    if connectivity == 2:
        shifts += [(labels[:-1, :-1], labels[1:, 1:]), (labels[:-1, 1:], labels[1:, :-1])]
    a = np.concatenate([s[0].ravel() for s in shifts])
    b = np.concatenate([s[1].ravel() for s in shifts])
    different = a != b
    low, high = np.minimum(a, b)[different].astype(np.int64), np.maximum(a, b)[different].astype(np.int64)
    base = int(labels.max()) + 1
    codes = np.unique(low * base + high)  # 1-D unique is far faster than unique(axis=0)
    return np.stack([codes // base, codes % base], axis=1)


def region_adjacency_graph(image: np.ndarray, labels: np.ndarray, *, mode: str = "distance",
                           sigma: float = 255.0, connectivity: int = 2):
    """scikit-image's mean-colour RAG (same node and edge attributes), built without per-pixel Python loops.

    mode="distance": weight = ‖mean colour difference‖ (0–255 scale); mode="similarity":
    weight = exp(−difference² / sigma).
    """
    from skimage.graph import RAG

    if mode not in ("distance", "similarity"):
        raise ValueError(f"Unknown RAG mode {mode!r}; use 'distance' or 'similarity'.")
    labels = np.asarray(labels)
    colour = to_rgb(image).reshape(-1, 3).astype(np.float64) * 255.0
    flat = labels.ravel()
    size = int(flat.max()) + 1
    counts = np.bincount(flat, minlength=size)
    totals = np.stack([np.bincount(flat, weights=colour[:, c], minlength=size) for c in range(3)], axis=1)
    graph = RAG()
    for n in np.flatnonzero(counts):
        graph.add_node(int(n), labels=[int(n)], **{"pixel count": int(counts[n]), "total color": totals[n].copy(),
                                                   "mean color": totals[n] / counts[n]})
    pairs = adjacent_pairs(labels, connectivity=connectivity)
    if len(pairs):
        means = totals / np.maximum(counts, 1)[:, None]
        diff = np.linalg.norm(means[pairs[:, 0]] - means[pairs[:, 1]], axis=1)
        weights = diff if mode == "distance" else np.exp(-(diff ** 2) / sigma)
        graph.add_edges_from((int(a), int(b), {"weight": float(w)}) for (a, b), w in zip(pairs, weights))
    return graph


def _merge_weight(graph, src, dst, n):
    diff = np.linalg.norm(graph.nodes[dst]["mean color"] - graph.nodes[n]["mean color"])
    return {"weight": float(diff)}


def _merge_colour(graph, src, dst):
    graph.nodes[dst]["total color"] += graph.nodes[src]["total color"]
    graph.nodes[dst]["pixel count"] += graph.nodes[src]["pixel count"]
    graph.nodes[dst]["mean color"] = graph.nodes[dst]["total color"] / graph.nodes[dst]["pixel count"]


def _slic_rag(image: np.ndarray, n_segments: int, compactness: float, mode: str):
    """SLIC superpixels of `image` and their mean-colour RAG: (superpixels, graph)."""
    rgb = _rgb(image)
    superpixels = _slic(rgb, n_segments, compactness)
    return superpixels, region_adjacency_graph(rgb, superpixels, mode=mode)


def _slic(rgb: np.ndarray, n_segments: int, compactness: float, sigma: float = 1.0) -> np.ndarray:
    from skimage.segmentation import slic

    return slic(rgb, n_segments=int(n_segments), compactness=float(compactness), sigma=float(sigma),
                start_label=1, channel_axis=-1)


# ---------------------------------------------------------------- superpixels

@method(task=SUPERPIXELS, key="slic", label="SLIC", book="3.9.1",
        params=[Param("n_segments", "Approximate segments", 250, min=10, max=2000, step=10),
                Param("compactness", "Compactness", 10.0, min=0.5, max=80.0, step=0.5,
                      help="Higher gives squarer, more regular superpixels; lower follows colour more."),
                Param("sigma", "Pre-smoothing σ", 1.0, min=0.0, max=5.0, step=0.25)],
        summary="k-means in (Lab colour, x, y) restricted to a local window around each grid seed.",
        explanation="Seeds start on a regular grid; each pixel joins the nearest seed within twice the grid "
                    "step, with a distance that mixes colour and position. Fast and regular.",
        latex=r"D = \sqrt{d_{lab}^2 + \left(\tfrac{d_{xy}}{S}\right)^2 m^2},\quad S = \sqrt{N/K}")
def slic_superpixels(image, *, n_segments=250, compactness=10.0, sigma=1.0):
    return _sequential(_slic(_rgb(image), n_segments, compactness, sigma))


@method(task=SUPERPIXELS, key="felzenszwalb", label="Felzenszwalb (graph-based)", book="3.9.1",
        params=[Param("scale", "Scale", 100.0, min=1.0, max=1000.0, step=1.0,
                      help="Higher prefers larger segments."),
                Param("sigma", "Pre-smoothing σ", 0.5, min=0.0, max=3.0, step=0.1),
                Param("min_size", "Smallest segment (px)", 50, min=1, max=2000)],
        summary="Greedy merging on the pixel graph: two regions join unless the edge between them is "
                "stronger than the variation inside each.",
        explanation="Edges are sorted by colour difference and processed once, so the method is nearly "
                    "linear in the number of pixels. Segments adapt their size and shape to the content.",
        latex=r"\text{merge } C_1, C_2 \iff w(C_1,C_2) \le \min_i\Bigl(\operatorname{Int}(C_i) + \tfrac{k}{|C_i|}\Bigr)")
def felzenszwalb(image, *, scale=100.0, sigma=0.5, min_size=50):
    from skimage.segmentation import felzenszwalb as fz

    return _sequential(fz(_rgb(image), scale=float(scale), sigma=float(sigma), min_size=int(min_size),
                          channel_axis=-1))


@method(task=SUPERPIXELS, key="quickshift", label="Quickshift (capped size)", book="3.9.1",
        params=[Param("kernel_size", "Kernel size", 3.0, min=1.0, max=10.0, step=0.5),
                Param("max_dist", "Max link distance", 6.0, min=1.0, max=30.0, step=0.5),
                Param("ratio", "Colour/space ratio", 0.5, min=0.0, max=1.0, step=0.05),
                Param("max_side", "Working size cap (px)", 256, min=64, max=512, step=32,
                      help="Quickshift is slow (about 3.5 s at 512²), so it runs on a copy at most this size "
                           "and the labels are scaled back.")],
        summary="Mode seeking like mean shift, but each pixel just links to its nearest denser neighbour.",
        explanation="A Parzen density is estimated in (colour, position); every pixel points to the closest "
                    "pixel with a higher density, within max_dist. The trees of these links are the segments.",
        latex=r"\text{parent}(x) = \arg\min_{y:\,P(y)>P(x),\ \lVert y-x\rVert<\tau} \lVert y-x\rVert")
def quickshift(image, *, kernel_size=3.0, max_dist=6.0, ratio=0.5, max_side=256):
    import cv2
    from skimage.segmentation import quickshift as qs

    rgb = _rgb(image)
    height, width = rgb.shape[:2]
    scale = min(1.0, int(max_side) / max(height, width))
    small = rgb if scale >= 1 else cv2.resize(rgb, (max(4, round(width * scale)), max(4, round(height * scale))),
                                              interpolation=cv2.INTER_AREA)
    labels = qs(small, kernel_size=float(kernel_size), max_dist=float(max_dist), ratio=float(ratio),
                channel_axis=-1, rng=0)
    if scale < 1:
        labels = cv2.resize(labels.astype(np.int32), (width, height), interpolation=cv2.INTER_NEAREST)
    return Output(_sequential(labels), {"ran at": f"{small.shape[1]}×{small.shape[0]}"})


# ---------------------------------------------------------------- graph cuts on the RAG

_SP_PARAMS = dict(
    compactness=Param("compactness", "SLIC compactness", 30.0, min=1.0, max=80.0, step=1.0,
                      help="The book uses 30."),
)


@method(task=SUPERPIXELS, key="ncut", label="Normalized cut on a RAG", book="3.9.1", slow=True,
        params=[Param("n_segments", "SLIC segments", 100, min=20, max=MAX_NCUT_SEGMENTS, step=10,
                      help="The book's 400 takes 6–31 s and can fail; it is capped at "
                           f"{MAX_NCUT_SEGMENTS} here."),
                _SP_PARAMS["compactness"],
                Param("thresh", "Stop threshold", 0.001, min=1e-5, max=0.5, log=True,
                      help="A subgraph is not cut further once its best normalized cut costs more than this."),
                Param("num_cuts", "Candidate cuts", 10, min=2, max=50),
                SEED],
        summary="SLIC superpixels, then a recursive two-way normalized cut of their similarity graph.",
        explanation="Nodes are superpixels, edge weights exp(−Δcolour²/σ) with σ = 255. Each step splits a "
                    "subgraph along the second eigenvector of its normalized Laplacian, if the cut is cheap "
                    "relative to the association inside each half.",
        latex=r"\operatorname{Ncut}(A,B) = \frac{\operatorname{cut}(A,B)}{\operatorname{assoc}(A,V)} + "
              r"\frac{\operatorname{cut}(A,B)}{\operatorname{assoc}(B,V)}")
def ncut(image, *, n_segments=100, compactness=30.0, thresh=0.001, num_cuts=10, seed=0, progress=None):
    from scipy.sparse.linalg import ArpackError
    from skimage.graph import cut_normalized

    if n_segments > MAX_NCUT_SEGMENTS:
        raise ValueError(f"Normalized cut is limited to {MAX_NCUT_SEGMENTS} superpixels here: above that it takes "
                         "many seconds and can fail to converge.")
    rgb = _rgb(image)
    if progress:
        progress(0.05, "SLIC superpixels")
    superpixels = _slic(rgb, n_segments, compactness)
    if progress:
        progress(0.35, "region adjacency graph")
    graph = region_adjacency_graph(rgb, superpixels, mode="similarity")
    if progress:
        progress(0.45, f"normalized cut of {graph.number_of_nodes()} superpixels")
    try:
        labels = cut_normalized(superpixels, graph, thresh=float(thresh), num_cuts=int(num_cuts),
                                rng=int(seed))
    except (ArpackError, np.linalg.LinAlgError):
        raise ValueError("The eigenvalue solver did not converge on this graph: try fewer superpixels "
                         "or another seed.") from None
    return Output(_sequential(labels), {"superpixels": graph.number_of_nodes()})


@method(task=SUPERPIXELS, key="rag_merge", label="Hierarchical RAG merging", book="3.9.2",
        params=[Param("n_segments", "SLIC segments", 300, min=20, max=2000, step=10),
                _SP_PARAMS["compactness"],
                Param("thresh", "Merge below (colour distance)", 35.0, min=1.0, max=150.0, step=1.0,
                      help="Neighbouring regions whose mean colours (0–255 scale) are closer than this merge.")],
        summary="Repeatedly merge the two most similar neighbouring regions, updating their mean colour.",
        explanation="Starts from SLIC superpixels. After each merge the new region's mean colour is "
                    "recomputed and its edges re-weighted, so merging follows the regions as they grow; it "
                    "stops when no neighbouring pair is closer than the threshold.",
        latex=r"(a,b) = \arg\min_{(i,j)\in E} \lVert \bar c_i - \bar c_j\rVert,\ \text{while } "
              r"\min < \tau")
def rag_merge(image, *, n_segments=300, compactness=30.0, thresh=35.0):
    from skimage.graph import merge_hierarchical

    superpixels, graph = _slic_rag(image, n_segments, compactness, "distance")
    graph_size = graph.number_of_nodes()  # before merging changes the graph in place
    labels = merge_hierarchical(superpixels, graph, thresh=float(thresh), rag_copy=False, in_place_merge=True,
                                merge_func=_merge_colour, weight_func=_merge_weight)
    return Output(_sequential(labels), {"superpixels": graph_size})


@method(task=SUPERPIXELS, key="rag_threshold", label="RAG threshold cut", book="3.9.2",
        params=[Param("n_segments", "SLIC segments", 300, min=20, max=2000, step=10),
                _SP_PARAMS["compactness"],
                Param("thresh", "Cut edges above (colour distance)", 50.0, min=1.0, max=150.0, step=1.0,
                      help="The book uses 50.")],
        summary="Keep only RAG edges whose colour difference is below a threshold; connected superpixels join.",
        explanation="A one-shot version of merging: unlike the hierarchical method, mean colours are not "
                    "updated as regions grow, so long gradual chains can merge very different ends.",
        latex=r"E' = \{(i,j)\in E : \lVert \bar c_i - \bar c_j\rVert < \tau\},\ \text{segments = components of } (V, E')")
def rag_threshold(image, *, n_segments=300, compactness=30.0, thresh=50.0):
    from skimage.graph import cut_threshold

    superpixels, graph = _slic_rag(image, n_segments, compactness, "distance")
    graph_size = graph.number_of_nodes()  # before merging changes the graph in place
    labels = cut_threshold(superpixels, graph, float(thresh), in_place=True)
    return Output(_sequential(labels), {"superpixels": graph_size})


def segment_sizes(labels: np.ndarray) -> np.ndarray:
    """Pixel count of every segment (for a size histogram)."""
    return np.bincount(np.asarray(labels).ravel())[1:]


def expected_grid_step(shape: tuple[int, ...], n_segments: int) -> float:
    """SLIC's seed spacing S = sqrt(N / K)."""
    return math.sqrt(shape[0] * shape[1] / max(1, n_segments))
