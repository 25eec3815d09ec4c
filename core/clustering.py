"""Pixel clustering (book Chapter 3, §3.3–3.4): k-means, spectral clustering, Mahalanobis distance to
reference patches, mean shift (OpenCV pyramid filtering and scikit-learn MeanShift), Gaussian mixtures.

Every method is registered under the CLUSTER task: image in, int32 label map out with labels 1..k
numbered by decreasing cluster size (so colours stay put when a parameter changes); 0 marks pixels
left unassigned (Mahalanobis rejection). Features are built once here (`pixel_features`) so every
method clusters in the same, comparable spaces.
"""
from __future__ import annotations

import warnings

import numpy as np

from core.image import to_gray, to_rgb, to_uint8
from core.registry import CLUSTER, Output, Param, method

SPACES = ("rgb", "lab", "rgb+xy", "lab+xy")
SPACE = Param("space", "Feature space", "lab", choices=SPACES,
              help="Colour as RGB or CIE Lab, optionally with the pixel position (x, y) so clusters stay compact.")
SPATIAL = Param("spatial_weight", "Weight of x, y", 0.5, min=0.05, max=3.0, step=0.05,
                help="Only with a +xy space: how much position counts against colour.")
K = Param("k", "Clusters k", 4, min=2, max=12)
SAMPLE = Param("sample_size", "Pixels used to fit", 5000, min=500, max=50000, step=500,
               help="The model is fitted on a random sample, then every pixel is assigned.")
SEED = Param("seed", "Random seed", 0, min=0, max=9999)


# ---------------------------------------------------------------- features and helpers

def pixel_features(image: np.ndarray, *, space: str = "lab", spatial_weight: float = 0.5) -> np.ndarray:
    """(H·W, d) float32 features. RGB in [0, 1]; Lab divided by 100 so both have a similar range;
    x and y scaled to [0, 1] by the longer side, times `spatial_weight`."""
    if space not in SPACES:
        raise ValueError(f"Unknown feature space {space!r}; choose one of {', '.join(SPACES)}.")
    rgb = to_rgb(image)
    height, width = rgb.shape[:2]
    if space.startswith("lab"):
        from skimage.color import rgb2lab

        colour = (rgb2lab(rgb) / 100.0).astype(np.float32)
    else:
        colour = rgb
    features = colour.reshape(-1, 3)
    if space.endswith("+xy"):
        yy, xx = np.mgrid[0:height, 0:width].astype(np.float32) / max(height, width)
        xy = np.stack([xx.ravel(), yy.ravel()], axis=1) * float(spatial_weight)
        features = np.concatenate([features, xy], axis=1)
    return np.ascontiguousarray(features, dtype=np.float32)


def single_thread():
    """Limit BLAS/OpenMP to one thread. The fits here are small, so threads only add overhead, and on a
    busy 2-core host oversubscription made k-means 30× slower (3 s instead of 0.07 s)."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(1)


def _check_k(k: int, available: int, what: str = "pixels") -> int:
    k = int(k)
    if k < 1:
        raise ValueError("The number of clusters k must be at least 1.")
    if k > available:
        raise ValueError(f"k = {k} clusters need at least {k} {what}, but there are only {available}: "
                         f"lower k or use a larger image.")
    return k


def _sample(features: np.ndarray, size: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    if len(features) <= size:
        return features
    return features[rng.choice(len(features), int(size), replace=False)]


def relabel_by_size(labels: np.ndarray) -> np.ndarray:
    """Any integer ids to labels 1..n by decreasing pixel count (ties: smaller id first), int32."""
    labels = np.asarray(labels)
    values, inverse, counts = np.unique(labels.ravel(), return_inverse=True, return_counts=True)
    rank = np.empty(len(values), np.int32)
    rank[np.lexsort((values, -counts))] = np.arange(1, len(values) + 1, dtype=np.int32)
    return rank[inverse].reshape(labels.shape)


def _relabel(raw: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Cluster ids 0..k-1 (any ints) of every pixel to labels 1..k by size, as an (H, W) int32 map."""
    return relabel_by_size(np.asarray(raw).reshape(shape))


def cluster_table(image: np.ndarray, labels: np.ndarray) -> list[dict]:
    """Each cluster's mean colour (hex), pixel count and share of the image, largest first."""
    rgb = to_rgb(image)
    labels = np.asarray(labels)
    if labels.shape != rgb.shape[:2]:
        raise ValueError("The label map and the image have different sizes.")
    flat = labels.ravel()
    values, counts = np.unique(flat, return_counts=True)
    sums = np.stack([np.bincount(np.searchsorted(values, flat), weights=rgb[..., c].ravel(), minlength=len(values))
                     for c in range(3)], axis=1)
    means = sums / counts[:, None]
    rows = []
    for i in np.argsort(-counts, kind="stable"):
        colour = "#" + "".join(f"{v:02x}" for v in to_uint8(means[i].astype(np.float32)))
        rows.append(dict(label=int(values[i]), colour=colour, pixels=int(counts[i]),
                         share=float(counts[i] / flat.size)))
    return rows


def mean_colour_image(image: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Every pixel painted with its cluster's mean colour (like label2rgb 'avg', without its bg_label=0 trap,
    and in one pass over the pixels instead of one per label)."""
    labels = np.asarray(labels)
    rgb = to_rgb(image).reshape(-1, 3).astype(np.float64)
    flat = labels.ravel()
    if np.issubdtype(flat.dtype, np.integer) and flat.size and flat.min() >= 0 and flat.max() < 4 * flat.size:
        index = flat.astype(np.intp)
    else:
        index = np.unique(flat, return_inverse=True)[1].ravel()
    counts = np.maximum(np.bincount(index), 1)
    means = np.stack([np.bincount(index, weights=rgb[:, c], minlength=len(counts)) for c in range(3)], 1)
    return (means / counts[:, None])[index].reshape(labels.shape + (3,)).astype(np.float32)


# ---------------------------------------------------------------- k-means and Gaussian mixture (§3.3.2)

@method(task=CLUSTER, key="kmeans", label="k-means", book="3.3.2",
        params=[K, SPACE, SPATIAL, SAMPLE, SEED],
        summary="Alternately assign pixels to the nearest centre and move each centre to its pixels' mean.",
        explanation="Fitted on a random sample of pixels (k-means++ start, 3 restarts), then every pixel goes "
                    "to its nearest centre. Lab makes distances closer to perceived colour differences; adding "
                    "x, y keeps clusters spatially compact.",
        latex=r"\min_{\mu_1..\mu_k}\ \sum_{j=1}^{k}\sum_{x\in C_j}\lVert f(x)-\mu_j\rVert^2")
def kmeans(image, *, k=4, space="lab", spatial_weight=0.5, sample_size=5000, seed=0):
    from sklearn.cluster import KMeans

    features = pixel_features(image, space=space, spatial_weight=spatial_weight)
    k = _check_k(k, len(features))
    with single_thread():
        model = KMeans(n_clusters=k, n_init=3, random_state=int(seed)).fit(_sample(features, sample_size, seed))
        labels = _relabel(model.predict(features), image.shape[:2])
    return Output(labels, {"inertia per sampled pixel": float(model.inertia_ / min(len(features), sample_size))})


@method(task=CLUSTER, key="gmm", label="Gaussian mixture", book="4.3",
        params=[K, SPACE, SPATIAL,
                Param("covariance", "Covariance", "full", choices=("full", "diag", "tied", "spherical"),
                      help="Full lets each cluster be an ellipsoid of any orientation; spherical is k-means-like."),
                SAMPLE, SEED],
        summary="A mixture of k Gaussians fitted by expectation–maximisation; each pixel takes its most likely one.",
        explanation="Unlike k-means, each cluster has its own covariance, so elongated or differently spread "
                    "colour clusters are modelled, and every pixel gets a membership probability.",
        latex=r"p(f) = \sum_{j=1}^{k}\pi_j\,\mathcal N(f;\mu_j,\Sigma_j),\quad "
              r"\ell(x) = \arg\max_j \pi_j\,\mathcal N(f(x);\mu_j,\Sigma_j)")
def gmm(image, *, k=4, space="lab", spatial_weight=0.5, covariance="full", sample_size=5000, seed=0):
    from sklearn.mixture import GaussianMixture

    features = pixel_features(image, space=space, spatial_weight=spatial_weight)
    k = _check_k(k, len(features))
    with single_thread():
        model = GaussianMixture(n_components=k, covariance_type=covariance, reg_covar=1e-5, max_iter=200,
                                random_state=int(seed)).fit(_sample(features, sample_size, seed))
        labels = _relabel(model.predict(features), image.shape[:2])
    return Output(labels, {"converged": bool(model.converged_)})


# ---------------------------------------------------------------- spectral clustering (§3.3.2)

@method(task=CLUSTER, key="spectral", label="Spectral clustering", book="3.3.2", slow=True,
        params=[K, Param("on", "Run on", "superpixels", choices=("superpixels", "downsampled"),
                         help="Spectral clustering needs a graph over all its points, so it runs on SLIC "
                              "superpixels or on a small copy of the image, never on every pixel."),
                Param("work_side", "Downsampled side (px)", 64, min=24, max=128, step=8,
                      help="Only when running on a downsampled image."),
                Param("n_segments", "Superpixels", 300, min=50, max=1000, step=50,
                      help="Only when running on superpixels."),
                SPACE, SPATIAL,
                Param("n_neighbors", "Neighbours in the graph", 15, min=5, max=50),
                SEED],
        summary="Embed the points with the graph Laplacian's eigenvectors, then cluster the embedding.",
        explanation="A k-nearest-neighbour affinity graph over the points (superpixels or the pixels of a "
                    "downsampled copy) is cut into k well-separated groups. The labels are then mapped back to "
                    "full resolution.",
        latex=r"L_{sym} = I - D^{-1/2} A D^{-1/2},\quad \text{cluster the rows of } [u_1 \dots u_k]")
def spectral(image, *, k=4, on="superpixels", work_side=64, n_segments=300, space="lab", spatial_weight=0.5,
             n_neighbors=15, seed=0, progress=None):
    import cv2
    from sklearn.cluster import SpectralClustering

    rgb = to_rgb(image)
    height, width = rgb.shape[:2]
    _check_k(k, height * width)
    if progress:
        progress(0.05, "building the points")
    if on == "superpixels":
        from skimage.segmentation import slic

        segments = slic(rgb, n_segments=int(n_segments), compactness=10, start_label=0, channel_axis=-1)
        count = int(segments.max()) + 1
        features = pixel_features(rgb, space=space, spatial_weight=spatial_weight)
        if not space.endswith("+xy"):  # superpixel centroids always help the graph a little
            features = np.concatenate([features, pixel_features(rgb, space="rgb+xy", spatial_weight=0.2)[:, 3:]],
                                      axis=1)
        sizes = np.bincount(segments.ravel(), minlength=count).astype(np.float64)
        points = np.stack([np.bincount(segments.ravel(), weights=features[:, c], minlength=count)
                           for c in range(features.shape[1])], axis=1) / np.maximum(sizes, 1)[:, None]
    else:
        scale = min(1.0, int(work_side) / max(height, width))
        small = cv2.resize(rgb, (max(1, round(width * scale)), max(1, round(height * scale))),
                           interpolation=cv2.INTER_AREA)
        points = pixel_features(small, space=space, spatial_weight=spatial_weight)
    k = _check_k(k, len(points), "superpixels" if on == "superpixels" else "pixels in the small image")
    if progress:
        progress(0.3, f"spectral embedding of {len(points)} points")
    model = SpectralClustering(n_clusters=k, affinity="nearest_neighbors",
                               n_neighbors=int(min(n_neighbors, len(points) - 1)), assign_labels="cluster_qr",
                               random_state=int(seed))
    with single_thread(), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Graph is not fully connected")  # still a fine result
        point_labels = model.fit_predict(points.astype(np.float64))
    if progress:
        progress(0.9, "mapping back to full size")
    if on == "superpixels":
        raw = point_labels[segments]
    else:
        raw = cv2.resize(point_labels.reshape(small.shape[:2]).astype(np.int32), (width, height),
                         interpolation=cv2.INTER_NEAREST)
    return Output(_relabel(raw, (height, width)), {"graph nodes": len(points)})


# ---------------------------------------------------------------- Mahalanobis distance to patches (§3.3.1)

def _patch_statistics(features: np.ndarray, patch: np.ndarray, *, ridge: float) -> tuple[np.ndarray, np.ndarray]:
    values = features[patch]
    if len(values) < features.shape[1] + 1:
        raise ValueError(f"A reference patch has only {len(values)} pixels; draw it at least a few pixels wide.")
    mean = values.mean(axis=0)
    covariance = np.cov(values, rowvar=False) + ridge * np.eye(features.shape[1])
    return mean, np.linalg.pinv(covariance)  # pinv: a flat or saturated patch stays invertible


@method(task=CLUSTER, key="mahalanobis", label="Mahalanobis to reference patches", book="3.3.1",
        needs=("patches",),
        params=[Param("space", "Colour space", "rgb", choices=("rgb", "lab")),
                Param("reject", "Reject beyond (χ² quantile, %)", 0.0, min=0.0, max=99.9, step=0.1,
                      help="0 assigns every pixel. Otherwise pixels whose squared distance to every patch "
                           "exceeds this χ²₃ quantile stay unassigned (label 0)."),
                Param("ridge", "Covariance ridge", 1e-4, min=1e-6, max=1e-2, log=True,
                      help="Added to each covariance's diagonal so flat patches still work.")],
        summary="Each pixel joins the reference patch whose colour distribution it is closest to.",
        explanation="Draw one rectangle per class. Each patch gives a mean colour and a covariance; the "
                    "Mahalanobis distance measures how many 'patch standard deviations' a pixel is away, "
                    "along the patch's own colour axes. It is a supervised nearest-class rule, not clustering.",
        latex=r"D_j^2(x) = (f(x)-\mu_j)^\top \Sigma_j^{-1} (f(x)-\mu_j),\quad \ell(x) = \arg\min_j D_j(x)")
def mahalanobis(image, patches, *, space="rgb", reject=0.0, ridge=1e-4):
    patches = np.asarray(patches)
    if patches.shape != image.shape[:2]:
        raise ValueError("The reference patches do not match the image size: draw them again.")
    classes = [int(v) for v in np.unique(patches) if v > 0]
    if not classes:
        raise ValueError("Draw at least one reference rectangle (two or more to separate classes).")
    if len(classes) == 1 and reject <= 0:
        raise ValueError("With a single reference patch every pixel would join it: draw a second patch, or set a "
                         "rejection quantile to keep only the pixels that look like it.")
    features = pixel_features(image, space=space).astype(np.float64)
    flat = patches.ravel()
    squared = np.empty((len(features), len(classes)))
    for j, label in enumerate(classes):
        mean, inverse = _patch_statistics(features, flat == label, ridge=float(ridge))
        diff = features - mean
        squared[:, j] = np.einsum("ij,jk,ik->i", diff, inverse, diff)
    nearest = squared.argmin(axis=1)
    labels = np.asarray(classes, np.int32)[nearest]
    if reject > 0:
        from scipy.stats import chi2

        labels[squared.min(axis=1) > chi2.ppf(reject / 100.0, df=features.shape[1])] = 0
    extras = {f"distance to patch {label}": np.sqrt(squared[:, j]).reshape(image.shape[:2]).astype(np.float32)
              for j, label in enumerate(classes[:4])}
    return Output(labels.reshape(image.shape[:2]), extras)


# ---------------------------------------------------------------- mean shift (§3.4)

def _flood_regions(filtered: np.ndarray, tolerance: int, min_size: int) -> np.ndarray:
    """Regions of near-constant colour in a mean-shift-filtered uint8 image, small ones absorbed by
    their neighbours (grown into from the surrounding regions)."""
    from skimage.measure import label as connected

    # Quantise to the tolerance grid, then connected components of equal codes: the flood-fill idea at
    # numpy speed (the filtered image is piecewise flat, so regions rarely straddle a grid line).
    step = max(1, int(tolerance))
    codes = (filtered.astype(np.int32) + step // 2) // step
    code = (codes[..., 0].astype(np.int64) * 512 + codes[..., 1]) * 512 + codes[..., 2]
    regions = connected(code + 1, background=0, connectivity=1).astype(np.int32)
    if min_size > 1:
        from skimage.segmentation import expand_labels

        sizes = np.bincount(regions.ravel())
        small = sizes[regions] < min_size
        regions[small] = 0
        if np.any(regions):
            regions = expand_labels(regions, distance=max(regions.shape))
        else:
            regions[:] = 1
    return regions


def _otsu_objects(filtered: np.ndarray, objects: str, min_size: int) -> np.ndarray:
    """The book's follow-up: Otsu on the filtered image's gray levels, then one label per connected object
    (label 1 = background, 2.. = objects larger than `min_size`)."""
    from skimage.filters import threshold_otsu
    from skimage.measure import label as connected
    from skimage.morphology import remove_small_objects

    gray = to_gray(filtered)
    if float(gray.max() - gray.min()) < 1e-6:
        raise ValueError("The filtered image is flat: there are no objects for Otsu to separate.")
    mask = gray > threshold_otsu(gray)
    if objects == "dark":
        mask = ~mask
    mask = remove_small_objects(mask, max_size=max(0, int(min_size) - 1))
    components = connected(mask, connectivity=2).astype(np.int32)
    return np.where(mask, components + 1, 1).astype(np.int32)


@method(task=CLUSTER, key="pyr_mean_shift", label="Mean-shift filtering (OpenCV)", book="3.4.1",
        params=[Param("sp", "Spatial radius sp (px)", 10, min=3, max=40, help="The book uses 20 (about 3× slower)."),
                Param("sr", "Colour radius sr", 25, min=5, max=80, help="In 0–255 gray levels; the book uses 50."),
                Param("max_level", "Pyramid levels", 1, min=0, max=3),
                Param("labels_from", "Segments from", "plateaus", choices=("plateaus", "otsu objects"),
                      help="Plateaus: every connected region of near-constant filtered colour. Otsu objects: the "
                           "book's follow-up, Otsu on the filtered gray levels, one label per object."),
                Param("objects", "Objects are (Otsu)", "bright", choices=("bright", "dark"),
                      help="Only for Otsu objects. The book inverts the mask, i.e. assumes dark objects."),
                Param("min_size", "Smallest region (px)", 64, min=1, max=2000, step=1,
                      help="Smaller regions are merged into a neighbour (plateaus) or dropped (Otsu objects).")],
        summary="cv2.pyrMeanShiftFiltering flattens colours into plateaus, which become segments.",
        explanation="Every pixel climbs to the mean of the pixels within sp pixels and sr colour levels of it, "
                    "until it settles on a mode; the result is posterised. Connected plateaus of nearly equal "
                    "colour are then labelled, or, as in the book, Otsu splits the filtered image and each "
                    "connected object gets a label (touching objects merge into one).",
        latex=r"m(x) = \frac{\sum_{i} K\!\left(\tfrac{x_i-x}{h}\right) x_i}{\sum_i K\!\left(\tfrac{x_i-x}{h}\right)} - x")
def pyr_mean_shift(image, *, sp=10, sr=25, max_level=1, labels_from="plateaus", objects="bright", min_size=64):
    import cv2

    rgb8 = to_uint8(to_rgb(image))
    bgr = cv2.cvtColor(rgb8, cv2.COLOR_RGB2BGR)
    filtered = cv2.cvtColor(cv2.pyrMeanShiftFiltering(bgr, float(sp), float(sr), maxLevel=int(max_level)),
                            cv2.COLOR_BGR2RGB)
    extras = {"filtered": filtered.astype(np.float32) / 255.0}
    if labels_from == "otsu objects":
        labels = _otsu_objects(filtered, objects, int(min_size))
        extras["objects"] = int(labels.max() - 1)
        return Output(labels, extras)
    return Output(relabel_by_size(_flood_regions(filtered, max(2, int(sr) // 2), int(min_size))), extras)


@method(task=CLUSTER, key="mean_shift", label="Mean shift (scikit-learn)", book="3.4.2",
        params=[Param("space", "Feature space", "lab", choices=SPACES,
                      help="The bandwidth is estimated in this same space (the book estimated it on a, b only "
                           "and then clustered L, a, b)."),
                SPATIAL,
                Param("quantile", "Bandwidth quantile", 0.2, min=0.05, max=0.5, step=0.05,
                      help="Larger gives a wider kernel and fewer clusters."),
                Param("sample_size", "Pixels used to fit", 3000, min=500, max=20000, step=500), SEED],
        summary="Clusters are the modes of the colour density; the number of clusters is not given.",
        explanation="Fitted on a random sample of pixels with bin seeding and a bandwidth estimated from the "
                    "same sample and space; every pixel then joins the nearest mode.",
        latex=r"x \leftarrow \frac{\sum_i K(\lVert x_i-x\rVert/h)\,x_i}{\sum_i K(\lVert x_i-x\rVert/h)}")
def mean_shift(image, *, space="lab", spatial_weight=0.5, quantile=0.2, sample_size=3000, seed=0):
    from sklearn.cluster import MeanShift, estimate_bandwidth

    features = pixel_features(image, space=space, spatial_weight=spatial_weight)
    sample = _sample(features, sample_size, seed)
    with single_thread():
        bandwidth = float(estimate_bandwidth(sample, quantile=quantile, n_samples=min(len(sample), 1000),
                                             random_state=int(seed)))
        if bandwidth <= 0:
            raise ValueError("The image has (almost) a single colour, so mean shift finds nothing to separate.")
        model = MeanShift(bandwidth=bandwidth, bin_seeding=True, cluster_all=True).fit(sample)
        labels = _relabel(model.predict(features), image.shape[:2])
    return Output(labels, {"bandwidth": bandwidth, "clusters": int(len(model.cluster_centers_))})


def patches_from_rects(shape: tuple[int, ...], rects) -> np.ndarray:
    """Rectangles (x, y, w, h), one per class, as the int32 patch label image Mahalanobis needs
    (class k = the k-th rectangle; later rectangles win where they overlap)."""
    height, width = shape[:2]
    patches = np.zeros((height, width), np.int32)
    for k, rect in enumerate(rects, start=1):
        x, y, w, h = (int(round(v)) for v in rect)
        x0, y0, x1, y1 = max(0, x), max(0, y), min(width, x + w), min(height, y + h)
        if x1 > x0 and y1 > y0:
            patches[y0:y1, x0:x1] = k
    return patches


def patches_from_mask(mask: np.ndarray, *, side: int | None = None) -> np.ndarray:
    """Two synthetic reference patches from a known mask: a square deep in the background (class 1)
    and one deep inside the largest object (class 2), as a careful user would draw them."""
    from scipy import ndimage

    mask = np.asarray(mask, bool)
    if not mask.any() or mask.all():
        raise ValueError("The reference mask must contain both foreground and background.")
    side = side or max(4, round(min(mask.shape) / 16))
    patches = np.zeros(mask.shape, np.int32)
    for label, region in ((1, ~mask), (2, mask)):
        depth = ndimage.distance_transform_edt(np.pad(region, 1))[1:-1, 1:-1]
        y, x = np.unravel_index(np.argmax(depth), mask.shape)
        half = max(2, min(side // 2, int(depth[y, x] / 1.5)))
        patches[max(0, y - half):y + half, max(0, x - half):x + half][region[max(0, y - half):y + half,
                                                                              max(0, x - half):x + half]] = label
    return patches
