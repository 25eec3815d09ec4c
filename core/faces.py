"""Faces (book §6.2–6.4): NMF parts of faces, a Gabor filter bank and Gabor features, face identification
(Gabor + random forest, Gabor + 2-NN, LBPH) on identity sets (`core.face_sets`), and Haar / LBP cascade face
and eye detection."""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from core.boxes import as_boxes, draw_boxes
from core.image import to_gray, to_uint8
from core.registry import DETECT_FACES, RECOGNIZE_FACES, Output, Param, method

# -- NMF --------------------------------------------------------------------------------------

@dataclass
class NMFResult:
    components: np.ndarray  # (k, h, w), each scaled to [0, 1] for display
    reconstructions: np.ndarray  # (n, h, w)
    error: float  # relative Frobenius error ||V - WH|| / ||V||
    iterations: int


def nmf_faces(faces: np.ndarray, *, k: int = 25, max_iter: int = 300, seed: int = 0) -> NMFResult:
    """Non-negative matrix factorisation of the faces (one per row): V ≈ W H with W, H ≥ 0.
    The rows of H are parts that add up (no cancelling), unlike PCA's eigenfaces."""
    import warnings

    from sklearn.decomposition import NMF
    from sklearn.exceptions import ConvergenceWarning
    from threadpoolctl import threadpool_limits

    faces = np.asarray(faces, dtype=np.float32)
    n, h, w = faces.shape
    if not 1 <= k <= min(n, h * w):
        raise ValueError(f"The number of components must be between 1 and {min(n, h * w)}.")
    data = faces.reshape(n, -1).astype(np.float64)  # the coordinate-descent solver is slower in float32
    model = NMF(n_components=k, init="nndsvda", max_iter=max_iter, random_state=seed, tol=1e-4)
    # One BLAS thread: these matrices are small, and on a busy 2-core host a multi-threaded BLAS spends
    # its time waiting (measured: 10x slower).
    with warnings.catch_warnings(), threadpool_limits(1):
        warnings.simplefilter("ignore", ConvergenceWarning)
        weights = model.fit_transform(data)
    basis = model.components_
    approx = weights @ basis
    error = float(np.linalg.norm(data - approx) / np.linalg.norm(data))
    peaks = basis.max(axis=1, keepdims=True)
    components = (basis / np.where(peaks > 0, peaks, 1)).reshape(k, h, w).astype(np.float32)
    return NMFResult(components, np.clip(approx, 0, 1).reshape(n, h, w).astype(np.float32), error, int(model.n_iter_))


def nmf_error_curve(faces: np.ndarray, ks, *, max_iter: int = 200, seed: int = 0, progress=None) -> dict[int, float]:
    """Relative reconstruction error for each number of components in `ks`."""
    curve = {}
    ks = sorted(set(int(k) for k in ks))
    for i, k in enumerate(ks):
        curve[k] = nmf_faces(faces, k=k, max_iter=max_iter, seed=seed).error
        if progress:
            progress((i + 1) / len(ks), f"k = {k}")
    return curve


def mosaic(tiles: np.ndarray, *, columns: int = 10, gap: int = 1) -> np.ndarray:
    """Tiles (n, h, w) in a grid, separated by white lines."""
    tiles = np.asarray(tiles, dtype=np.float32)
    n, h, w = tiles.shape
    rows = int(np.ceil(n / columns))
    out = np.ones((rows * (h + gap) - gap, columns * (w + gap) - gap), np.float32)
    for i, tile in enumerate(tiles):
        r, c = divmod(i, columns)
        out[r * (h + gap):r * (h + gap) + h, c * (w + gap):c * (w + gap) + w] = tile
    return out


# -- Gabor ------------------------------------------------------------------------------------

@dataclass
class GaborBank:
    kernels: np.ndarray  # (n, k, k) float32
    thetas: np.ndarray  # radians, per kernel
    wavelengths: np.ndarray  # pixels, per kernel


def gabor_bank(*, ksize: int = 31, sigma: float = 4.0, wavelengths=(10.0,), gamma: float = 0.5, psi: float = 0.0,
               orientations: int = 8) -> GaborBank:
    """OpenCV Gabor kernels: a Gaussian envelope (σ, aspect γ) times a cosine of wavelength λ and phase ψ,
    at `orientations` angles in [0, π) for each wavelength. Each kernel has zero mean (so flat regions
    give no response) and unit L1 norm."""
    import cv2

    if ksize < 3 or ksize % 2 == 0:
        raise ValueError("The kernel size must be an odd number of at least 3 pixels.")
    if orientations < 1:
        raise ValueError("Use at least one orientation.")
    kernels, thetas, lambdas = [], [], []
    for lambd in wavelengths:
        for theta in np.arange(orientations) * np.pi / orientations:
            kernel = cv2.getGaborKernel((ksize, ksize), sigma, theta, float(lambd), gamma, psi, ktype=cv2.CV_32F)
            kernel -= kernel.mean()
            kernel /= max(np.abs(kernel).sum(), 1e-12)
            kernels.append(kernel)
            thetas.append(theta)
            lambdas.append(lambd)
    return GaborBank(np.stack(kernels).astype(np.float32), np.asarray(thetas), np.asarray(lambdas, float))


def gabor_responses(image: np.ndarray, bank: GaborBank) -> np.ndarray:
    """|response| of the gray image to every kernel, (n, H, W) float32. Filtering is done in float32:
    filtering uint8 (as the book does) clips negative responses to 0 and large ones to 255."""
    import cv2

    gray = to_gray(image)
    return np.stack([np.abs(cv2.filter2D(gray, cv2.CV_32F, k, borderType=cv2.BORDER_REFLECT))
                     for k in bank.kernels])


def uint8_clipping(image: np.ndarray, bank: GaborBank) -> float:
    """The share of responses that filtering the uint8 image into a uint8 result (the book's way) gets wrong:
    negative responses become 0 and those above 255 saturate."""
    import cv2

    gray = to_gray(image) * 255.0
    signed = np.stack([cv2.filter2D(gray, cv2.CV_32F, k, borderType=cv2.BORDER_REFLECT) for k in bank.kernels])
    return float(np.mean((signed < -0.5) | (signed > 255.5)))


def feature_bank(*, ksize: int = 5, sigma: float = 1.0, gamma: float = 0.5) -> GaborBank:
    """The book's face-feature bank: 5 frequencies 0.1…0.58 (λ = 1/f) × 8 orientations = 40 kernels."""
    return gabor_bank(ksize=ksize, sigma=sigma, wavelengths=tuple(1.0 / f for f in (0.1, 0.22, 0.34, 0.46, 0.58)),
                      gamma=gamma, orientations=8)


def gabor_features(faces: np.ndarray, bank: GaborBank, *, cells: int = 1) -> np.ndarray:
    """Mean and standard deviation of |response| to each kernel, in each of cells × cells regions of the face:
    (n_faces, 2 × n_kernels × cells²), in float64 (the book sums uint8 responses, which wraps around).
    cells = 1 is the book's whole-face statistics; more cells keep a coarse layout (eyes above mouth)."""
    feats = []
    for face in np.asarray(faces, dtype=np.float32):
        responses = gabor_responses(face, bank).astype(np.float64)
        h, w = responses.shape[1:]
        parts = []
        for rows in np.array_split(np.arange(h), cells):
            for cols in np.array_split(np.arange(w), cells):
                block = responses[:, rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1].reshape(len(responses), -1)
                parts += [block.mean(axis=1), block.std(axis=1)]
        feats.append(np.concatenate(parts))
    return np.asarray(feats)


# -- recognition ------------------------------------------------------------------------------

def split(labels: np.ndarray, *, test_fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A stratified held-out split: every identity is in both parts."""
    from sklearn.model_selection import train_test_split

    labels = np.asarray(labels)
    classes, counts = np.unique(labels, return_counts=True)
    if len(classes) < 2:
        raise ValueError("Recognition needs at least two identities.")
    if counts.min() < 2:
        raise ValueError("Every identity needs at least two images: one to train on and one to test.")
    n_test = max(len(classes), int(round(test_fraction * len(labels))))
    if len(labels) - n_test < len(classes):
        raise ValueError("Too few images to hold out a test set with every identity in it.")
    index = np.arange(len(labels))
    train, test = train_test_split(index, test_size=n_test, stratify=labels, random_state=seed)
    return np.sort(train), np.sort(test)


def _scored(labels: np.ndarray, test: np.ndarray, predicted: np.ndarray, train: np.ndarray, seconds: float) -> Output:
    from sklearn.metrics import confusion_matrix

    labels = np.asarray(labels)
    classes = np.unique(labels)
    truth = labels[test]
    counts = confusion_matrix(truth, predicted, labels=classes)
    rows = counts.sum(axis=1, keepdims=True)
    normalised = (counts / np.where(rows > 0, rows, 1)).astype(np.float32)
    majority = np.bincount(labels[train]).max() / len(train)
    return Output(normalised, {
        "accuracy": float(np.mean(predicted == truth)), "chance": float(max(1 / len(classes), majority)),
        "train": int(len(train)), "test": int(len(test)), "identities": int(len(classes)),
        "confusion": counts, "test_index": test, "predicted": np.asarray(predicted), "fit seconds": seconds})


_SPLIT = [Param("test_fraction", "Held-out fraction", 0.3, min=0.1, max=0.5, step=0.05,
                help="Share of each identity's images kept aside for testing (never seen in training)."),
          Param("seed", "Split seed", 0, min=0, max=99, help="Changes which images are held out.")]


@method(task=RECOGNIZE_FACES, key="lbph", label="LBPH (OpenCV contrib)", book="6.3.1",
        params=[Param("radius", "LBP radius (px)", 1, min=1, max=4),
                Param("neighbors", "LBP sampling points", 8, min=4, max=12),
                Param("grid", "Grid cells per side", 8, min=2, max=12,
                      help="Histograms are computed in grid × grid cells and concatenated."),
                *_SPLIT],
        summary="Local binary pattern histograms per cell, matched to the nearest training face (chi-square).",
        explanation=("Each pixel is coded by which of its neighbours on a circle are brighter than it (a binary "
                     "number); the codes are counted in a grid of cells and the histograms concatenated. A test "
                     "face gets the label of the training face whose histogram is closest in chi-square distance. "
                     "Monotonic lighting changes do not change the codes."),
        latex=r"\mathrm{LBP}(p)=\sum_{k=0}^{P-1} [\,I(q_k)\ge I(p)\,]\,2^k,\quad "
              r"\chi^2(h,g)=\sum_i \frac{(h_i-g_i)^2}{h_i+g_i}")
def lbph(faces, labels, *, radius=1, neighbors=8, grid=8, test_fraction=0.3, seed=0):
    import cv2

    train, test = split(labels, test_fraction=test_fraction, seed=seed)
    images = [to_uint8(f) for f in np.asarray(faces)]
    start = time.perf_counter()
    model = cv2.face.LBPHFaceRecognizer_create(radius=radius, neighbors=neighbors, grid_x=grid, grid_y=grid)
    model.train([images[i] for i in train], np.asarray(labels, np.int32)[train])
    predicted = np.array([model.predict(images[i])[0] for i in test])
    return _scored(labels, test, predicted, train, time.perf_counter() - start)


_GABOR = [Param("ksize", "Gabor kernel size", 5, min=3, max=15, step=2, help="The book uses 5."),
          Param("sigma", "Gabor σ", 1.0, min=0.5, max=4.0, step=0.25, help="The book uses 1."),
          Param("cells", "Regions per side", 3, min=1, max=6,
                help="Statistics per region of a cells × cells grid; 1 is the book's whole-face mean and spread.")]


@method(task=RECOGNIZE_FACES, key="gabor_rf", label="Gabor features + random forest", book="6.4.3",
        params=[*_GABOR, Param("trees", "Trees", 100, min=10, max=500, step=10),
                Param("max_depth", "Maximum depth (0 = unlimited)", 0, min=0, max=20,
                      help="The book uses 2, which underfits when there are many identities."),
                *_SPLIT],
        summary="Mean and spread of 40 Gabor responses per face region, classified by a random forest.",
        explanation=("Each face is filtered with 40 Gabor kernels (5 wavelengths × 8 orientations); the mean and "
                     "standard deviation of each response magnitude make an 80-number descriptor of texture and "
                     "edge direction (the book's), or 80 numbers per region of a grid, which keeps a coarse "
                     "layout. A random forest of decision trees votes on it."),
        latex=r"\phi(I)=\big[\mu(|I*g_{\lambda,\theta}|),\ \sigma(|I*g_{\lambda,\theta}|)\big]_{\lambda,\theta}")
def gabor_rf(faces, labels, *, ksize=5, sigma=1.0, cells=3, trees=100, max_depth=0, test_fraction=0.3, seed=0):
    from sklearn.ensemble import RandomForestClassifier

    train, test = split(labels, test_fraction=test_fraction, seed=seed)
    start = time.perf_counter()
    features = gabor_features(faces, feature_bank(ksize=ksize, sigma=sigma), cells=cells)
    model = RandomForestClassifier(n_estimators=trees, max_depth=max_depth or None, random_state=seed, n_jobs=1)
    model.fit(features[train], np.asarray(labels)[train])
    return _scored(labels, test, model.predict(features[test]), train, time.perf_counter() - start)


@method(task=RECOGNIZE_FACES, key="gabor_knn", label="Gabor features + 2-NN", book="6.4.4",
        params=[*_GABOR, Param("neighbors", "Neighbours", 2, min=1, max=7,
                               help="The book's 2 nearest neighbours; ties go to the closer one."),
                *_SPLIT],
        summary="The same Gabor statistics, standardised; a face gets the label of its nearest training faces.",
        explanation=("Features are standardised (zero mean, unit variance on the training set) so that no "
                     "kernel dominates the Euclidean distance; the k nearest training faces vote, weighted by "
                     "inverse distance (with k = 2 a tie goes to the nearer one). The book builds the "
                     "neighbour index but never classifies with it; here it does, on held-out faces."),
        latex=r"\hat y = \arg\max_c \sum_{j\in N_k(x)} \frac{[y_j=c]}{\lVert x-x_j\rVert}")
def gabor_knn(faces, labels, *, ksize=5, sigma=1.0, cells=3, neighbors=2, test_fraction=0.3, seed=0):
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    train, test = split(labels, test_fraction=test_fraction, seed=seed)
    start = time.perf_counter()
    features = gabor_features(faces, feature_bank(ksize=ksize, sigma=sigma), cells=cells)
    k = min(int(neighbors), len(train))
    model = make_pipeline(StandardScaler(), KNeighborsClassifier(n_neighbors=k, weights="distance"))
    model.fit(features[train], np.asarray(labels)[train])
    return _scored(labels, test, model.predict(features[test]), train, time.perf_counter() - start)


# -- detection --------------------------------------------------------------------------------

def load_cascade(filename: str):
    from core.pedestrians import load_cascade as load

    return load(filename)


FACE_CASCADES = {"default": "haarcascade_frontalface_default.xml", "alt": "haarcascade_frontalface_alt.xml",
                 "alt2": "haarcascade_frontalface_alt2.xml"}


@method(task=DETECT_FACES, key="haar_face", label="Haar cascade · face + eyes (OpenCV)", book="6.3.2",
        params=[Param("cascade", "Face cascade", "default", choices=tuple(FACE_CASCADES)),
                Param("scale_factor", "Scale factor", 1.2, min=1.02, max=1.5, step=0.02, help="The book uses 1.2."),
                Param("min_neighbors", "Minimum neighbours", 5, min=0, max=10, help="The book uses 5."),
                Param("min_size", "Minimum face size (px)", 30, min=16, max=200, step=2),
                Param("eyes", "Also find eyes", True, help="Searches the upper half of each face for eyes.")],
        summary="Viola–Jones frontal-face cascade (OpenCV's bundled XML), then an eye cascade inside each face.",
        explanation=("A cascade of boosted Haar-like rectangle features slides over an image pyramid; most "
                     "windows are rejected by the first stages, so it is fast. Each face found is searched "
                     "again, in its upper half, with OpenCV's eye cascade."),
        latex=r"f(x)=\sum_j \alpha_j\,[\,p_j\,(\textstyle\sum_{R^+}I-\sum_{R^-}I) < p_j\theta_j\,]")
def haar_face(image, *, cascade="default", scale_factor=1.2, min_neighbors=5, min_size=30, eyes=True):
    gray = to_uint8(to_gray(image))
    if min(gray.shape) < min_size:
        raise ValueError(f"The image is smaller than the minimum face size ({min_size} px).")
    start = time.perf_counter()
    faces = as_boxes(load_cascade(FACE_CASCADES[cascade]).detectMultiScale(
        gray, scaleFactor=float(scale_factor), minNeighbors=int(min_neighbors), minSize=(min_size, min_size)))
    found_eyes = []
    if eyes and len(faces):
        eye_detector = load_cascade("haarcascade_eye.xml")
        for x, y, w, h in faces:
            upper = gray[y:y + h // 2 + h // 8, x:x + w]
            for ex, ey, ew, eh in as_boxes(eye_detector.detectMultiScale(upper, scaleFactor=1.1, minNeighbors=5,
                                                                         minSize=(max(6, w // 10),) * 2)):
                found_eyes.append((x + ex, y + ey, ew, eh))
    eye_boxes = as_boxes(found_eyes)
    drawn = draw_boxes(draw_boxes(image, faces), eye_boxes, color=(0.1, 0.9, 0.2), thickness=1)
    return Output(drawn, {"boxes": faces, "count": int(len(faces)), "eyes": eye_boxes,
                          "detector seconds": time.perf_counter() - start})


@method(task=DETECT_FACES, key="lbp_skimage", label="LBP cascade (scikit-image)", book="6.3.2",
        params=[Param("scale_factor", "Scale factor", 1.2, min=1.05, max=1.5, step=0.05),
                Param("step_ratio", "Step ratio", 1.0, min=1.0, max=2.0, step=0.25,
                      help="Window step relative to its size; larger is faster and coarser."),
                Param("min_size", "Minimum face size (px)", 40, min=20, max=200, step=4),
                Param("min_neighbors", "Minimum neighbours", 2, min=0, max=10,
                      help="Raw windows a detection must merge to be kept.")],
        summary="scikit-image's bundled multi-block LBP frontal-face cascade: a second, independent detector.",
        explanation=("The same cascade idea with multi-block local binary patterns as features instead of Haar "
                     "rectangles. scikit-image ships a trained frontal-face cascade with its data files; "
                     "OpenCV cannot read that file, so this runs through `skimage.feature.Cascade`."),
        latex=r"\mathrm{MB\text{-}LBP}=\sum_{k=0}^{7}[\,\bar I(B_k)\ge \bar I(B_c)\,]\,2^k")
def lbp_skimage(image, *, scale_factor=1.2, step_ratio=1.0, min_size=40, min_neighbors=2):
    from skimage.data import lbp_frontal_face_cascade_filename
    from skimage.feature import Cascade

    gray = to_gray(image)
    if min(gray.shape) < min_size:
        raise ValueError(f"The image is smaller than the minimum face size ({min_size} px).")
    start = time.perf_counter()
    detector = Cascade(lbp_frontal_face_cascade_filename())
    limit = int(min(gray.shape))
    found = detector.detect_multi_scale(img=gray.astype(np.float64), scale_factor=float(scale_factor),
                                        step_ratio=float(step_ratio), min_size=(min_size, min_size),
                                        max_size=(limit, limit), min_neighbor_number=int(min_neighbors))
    boxes = as_boxes([(d["c"], d["r"], d["width"], d["height"]) for d in found])
    return Output(draw_boxes(image, boxes), {"boxes": boxes, "count": int(len(boxes)),
                                            "detector seconds": time.perf_counter() - start})
