"""Skin detection from user strokes (book §4.1): per-pixel colour classifiers trained on scribbles.

The book trains on a downloaded table (UCI Skin_NonSkin) and then predicts on the luma column only,
which cannot work (the models were fitted on two chroma columns). Here the training pixels come
from strokes on the image itself, the same feature function serves training and prediction, and
each classifier is scored on stroke pixels it did not see (held out by spatial tiles, so neighbours
of a training pixel rarely end up in the test set).

Scribbles: int32 (H, W), 0 = unlabelled, 1 = non-skin, 2 = skin.
"""
from __future__ import annotations

import numpy as np

from core.image import to_rgb, to_uint8
from core.registry import SKIN, Output, Param, method

NON_SKIN, SKIN_LABEL = 1, 2
SPACES = ("YCrCb", "HSV")
FEATURES = ("all", "chroma")
TILE = 12  # side of the spatial tiles that are held out together

SPACE = Param("space", "Colour space", "YCrCb", choices=SPACES,
              help="YCrCb separates brightness (Y) from chroma (Cr, Cb); HSV gives hue, saturation and value.")
FEATURE = Param("features", "Features", "all", choices=FEATURES,
                help="all: the three channels. chroma: drop brightness (Y or V) for robustness to lighting.")
HOLDOUT = Param("holdout", "Held-out fraction", 0.3, min=0.1, max=0.5, step=0.05,
                help="Share of the stroke pixels (in whole tiles) kept aside to measure accuracy.")
SEED = Param("seed", "Seed", 0, min=0, max=99, help="Fixes the train/test split and random models.")
COMMON = (SPACE, FEATURE, HOLDOUT, SEED)


def features(image: np.ndarray, *, space: str = "YCrCb", features: str = "all") -> np.ndarray:
    """Per-pixel feature rows (H*W, D) in roughly [0, 1], the one function used to train and to predict.

    HSV hue is circular, so it enters as (cos, sin) of the angle: red at 359° lies next to red at 1°.
    """
    import cv2

    if space not in SPACES:
        raise ValueError(f"Unknown colour space {space!r}; choose YCrCb or HSV.")
    if features not in FEATURES:
        raise ValueError(f"Unknown feature set {features!r}; choose all or chroma.")
    rgb = to_uint8(to_rgb(image))
    if space == "YCrCb":
        ycc = cv2.cvtColor(rgb, cv2.COLOR_RGB2YCrCb).reshape(-1, 3).astype(np.float32) / 255.0
        return ycc[:, 1:] if features == "chroma" else ycc
    hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV_FULL).reshape(-1, 3).astype(np.float32)
    angle = hsv[:, 0] * (2 * np.pi / 256.0)
    columns = [0.5 + 0.5 * np.cos(angle), 0.5 + 0.5 * np.sin(angle), hsv[:, 1] / 255.0]
    if features == "all":
        columns.append(hsv[:, 2] / 255.0)
    return np.stack(columns, axis=1).astype(np.float32)


def check_scribbles(scribbles: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    scribbles = np.asarray(scribbles)
    if scribbles.shape != tuple(shape[:2]):
        raise ValueError(f"The strokes ({scribbles.shape}) do not match the image size {tuple(shape[:2])}.")
    present = set(np.unique(scribbles).tolist()) - {0}
    if not present:
        raise ValueError("No strokes yet: paint some skin and some non-skin pixels to train the classifiers.")
    if present - {NON_SKIN, SKIN_LABEL}:
        raise ValueError("Strokes must be labelled 1 (non-skin) or 2 (skin).")
    if len(present) < 2:
        missing = "skin" if SKIN_LABEL not in present else "non-skin"
        raise ValueError(f"Only one kind of stroke: paint some {missing} pixels too, so the classifiers "
                         "see both classes.")
    return scribbles.astype(np.int32)


def holdout_split(scribbles: np.ndarray, *, fraction: float = 0.3, seed: int = 0,
                  tile: int = TILE) -> tuple[np.ndarray, np.ndarray]:
    """Flat indices of training and test stroke pixels, holding out whole tiles of `tile`×`tile` pixels.

    Both sides keep both classes: if the tiles cannot do that (tiny strokes), pixels are split instead.
    """
    rng = np.random.default_rng(seed)
    flat = scribbles.ravel()
    labelled = np.flatnonzero(flat)
    rows, cols = np.divmod(labelled, scribbles.shape[1])
    tiles = (rows // tile) * (scribbles.shape[1] // tile + 1) + cols // tile
    unique_tiles = np.unique(tiles)
    test_tiles = unique_tiles[rng.random(len(unique_tiles)) < fraction]
    is_test = np.isin(tiles, test_tiles)
    for attempt in range(2):
        train, test = labelled[~is_test], labelled[is_test]
        if all(len(np.unique(flat[side])) == 2 for side in (train, test)):
            return train, test
        is_test = rng.random(len(labelled)) < fraction  # fall back to a pixel split
    raise ValueError("The strokes are too small to keep some of each class aside for testing: paint longer strokes.")


def _quantised(image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unique colours at 6 bits per channel (bin centres) and the map back to pixels.

    Predicting on ~10-20k distinct colours instead of every pixel keeps SVMs and forests fast
    at 512²; the colour error is at most 2/255.
    """
    q = to_uint8(to_rgb(image)) >> 2
    codes = (q[..., 0].astype(np.int32) << 12) | (q[..., 1].astype(np.int32) << 6) | q[..., 2]
    unique, inverse = np.unique(codes.ravel(), return_inverse=True)
    centres = np.stack([(unique >> 12) & 63, (unique >> 6) & 63, unique & 63], axis=1).astype(np.uint8) * 4 + 2
    return centres[None], inverse


def train_and_map(image: np.ndarray, scribbles: np.ndarray, model, *, space: str, features_: str,
                  holdout: float, seed: int, max_train: int = 4000) -> Output:
    """Fit `model` on training stroke pixels, score it on held-out ones, and classify every pixel."""
    rgb = to_rgb(image)
    scribbles = check_scribbles(scribbles, rgb.shape)
    rows = features(rgb, space=space, features=features_)
    train, test = holdout_split(scribbles, fraction=holdout, seed=seed)
    labels = (scribbles.ravel() == SKIN_LABEL).astype(np.int8)
    if len(train) > max_train:  # a balanced-enough random subset keeps the SVM's fit fast
        train = np.random.default_rng(seed).choice(train, max_train, replace=False)
    model.fit(rows[train], labels[train])
    accuracy = float(np.mean(model.predict(rows[test]) == labels[test]))
    palette, inverse = _quantised(rgb)
    colour_skin = model.predict(features(palette, space=space, features=features_))
    skin = colour_skin[inverse].reshape(rgb.shape[:2]).astype(np.float32)
    n_skin_test = int(labels[test].sum())
    skin_rgb = rgb.reshape(-1, 3)[scribbles.ravel() == SKIN_LABEL][None]  # (1, n, 3): a one-row image
    brightness = float(np.median(features(skin_rgb, space=space)[:, 0 if space == "YCrCb" else -1]))
    return Output(skin, {"accuracy": accuracy, "train pixels": int(len(train)), "test pixels": int(len(test)),
                         "test skin pixels": n_skin_test, "skin fraction": float(skin.mean()), "model": model,
                         "skin brightness": brightness})


@method(task=SKIN, key="naive_bayes", label="Gaussian naive Bayes", book="4.1", params=list(COMMON),
        summary="One Gaussian per feature and class, features assumed independent.",
        explanation="Each class is modelled by a product of 1-D Gaussians fitted to its stroke pixels; a pixel "
                    "goes to the class with the larger posterior. Fast and smooth, but it cannot bend around "
                    "correlated chroma clusters.",
        latex=r"\hat y=\arg\max_c\ P(c)\prod_j \mathcal N(x_j;\mu_{cj},\sigma_{cj}^2)")
def naive_bayes(image, scribbles, *, space="YCrCb", features="all", holdout=0.3, seed=0):
    from sklearn.naive_bayes import GaussianNB

    return train_and_map(image, scribbles, GaussianNB(), space=space, features_=features, holdout=holdout, seed=seed)


@method(task=SKIN, key="decision_tree", label="Decision tree", book="4.1",
        params=list(COMMON) + [Param("max_depth", "Maximum depth", 8, min=1, max=30,
                                     help="Deeper trees carve finer colour boxes and overfit sooner.")],
        summary="Axis-aligned splits of colour space, learned greedily by Gini impurity.",
        explanation="The tree asks questions like 'Cr > 0.58?' until the stroke pixels in a leaf are pure "
                    "(or the depth limit is hit). The skin region is a union of boxes in colour space.",
        latex=r"\text{split}=\arg\min_{j,t}\ \tfrac{n_L}{n}G(L)+\tfrac{n_R}{n}G(R),\ G=1-\sum_c p_c^2")
def decision_tree(image, scribbles, *, space="YCrCb", features="all", holdout=0.3, seed=0, max_depth=8):
    from sklearn.tree import DecisionTreeClassifier

    model = DecisionTreeClassifier(max_depth=max_depth, random_state=seed)
    return train_and_map(image, scribbles, model, space=space, features_=features, holdout=holdout, seed=seed)


@method(task=SKIN, key="random_forest", label="Random forest", book="4.1",
        params=list(COMMON) + [Param("n_estimators", "Trees", 30, min=5, max=200, step=5),
                               Param("max_depth", "Maximum depth", 10, min=2, max=30)],
        summary="Many decorrelated trees on bootstrap samples, majority vote.",
        explanation="Averaging trees grown on resampled pixels and random feature subsets smooths the box-shaped "
                    "boundaries of a single tree and reduces its variance. (The book uses gradient boosting "
                    "with 1000 trees, which takes ~9 s to fit; a forest is the fast ensemble here.)",
        latex=r"\hat y=\operatorname{mode}\{T_b(x)\}_{b=1}^{B}")
def random_forest(image, scribbles, *, space="YCrCb", features="all", holdout=0.3, seed=0, n_estimators=30,
                  max_depth=10):
    from sklearn.ensemble import RandomForestClassifier

    model = RandomForestClassifier(n_estimators=n_estimators, max_depth=max_depth, random_state=seed, n_jobs=1)
    return train_and_map(image, scribbles, model, space=space, features_=features, holdout=holdout, seed=seed)


@method(task=SKIN, key="svm", label="SVM (RBF kernel)", book="4.1",
        params=list(COMMON) + [Param("C", "C (margin penalty)", 10.0, min=0.1, max=1000.0, log=True),
                               Param("gamma", "γ (kernel width)", 1.0, min=0.01, max=100.0, log=True,
                                     help="On standardised features; larger γ gives a wigglier boundary.")],
        summary="A maximum-margin boundary in an RBF feature space, trained on up to 2000 stroke pixels.",
        explanation="The support-vector machine finds the boundary with the widest margin between skin and "
                    "non-skin pixels after an implicit Gaussian-kernel mapping. Features are standardised first "
                    "(skin chroma is a tight cluster, so a kernel width in raw units would be arbitrary). "
                    "Prediction runs on the image's distinct colours (6 bits a channel) to stay fast.",
        latex=r"f(x)=\operatorname{sign}\Big(\sum_i \alpha_i y_i\, e^{-\gamma\|z(x)-z(x_i)\|^2}+b\Big),"
              r"\quad z=\tfrac{x-\mu}{\sigma}")
def svm(image, scribbles, *, space="YCrCb", features="all", holdout=0.3, seed=0, C=10.0, gamma=1.0):
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    model = make_pipeline(StandardScaler(), SVC(C=C, gamma=gamma, random_state=seed))
    return train_and_map(image, scribbles, model, space=space, features_=features, holdout=holdout, seed=seed,
                         max_train=2000)


def decision_slice(model, *, space: str = "YCrCb", features_: str = "all", brightness: float = 0.5,
                   steps: int = 101, x_range: tuple[float, float] | None = None,
                   y_range: tuple[float, float] | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray,
                                                                        tuple[str, str]]:
    """A trained model's decision over the chroma plane (the book's Figure 4.2), at a fixed brightness.

    YCrCb: x = Cb, y = Cr on the 0-255 scale. HSV: x = hue in degrees, y = saturation in [0, 1].
    `brightness` (Y or V in [0, 1]) is used only when the model was trained on all three channels.
    `x_range`/`y_range` zoom on part of the plane (default: all of it).
    Returns (x values, y values, skin prediction (steps, steps) with rows along y, axis names).
    """
    if space not in SPACES:
        raise ValueError(f"Unknown colour space {space!r}; choose YCrCb or HSV.")
    if space == "YCrCb":
        xs, ys = np.linspace(*(x_range or (0, 255)), steps), np.linspace(*(y_range or (0, 255)), steps)
        cb, cr = np.meshgrid(xs / 255.0, ys / 255.0)
        columns = [cr.ravel(), cb.ravel()]
        if features_ == "all":
            columns.insert(0, np.full(cr.size, brightness))
        names = ("Cb", "Cr")
    else:
        xs, ys = np.linspace(*(x_range or (0, 360)), steps), np.linspace(*(y_range or (0, 1)), steps)
        hue, saturation = np.meshgrid(np.radians(xs), ys)
        columns = [0.5 + 0.5 * np.cos(hue.ravel()), 0.5 + 0.5 * np.sin(hue.ravel()), saturation.ravel()]
        if features_ == "all":
            columns.append(np.full(hue.size, brightness))
        names = ("hue (°)", "saturation")
    grid = np.stack(columns, axis=1).astype(np.float32)
    return xs, ys, model.predict(grid).reshape(steps, steps).astype(np.float32), names


# Example strokes on scikit-image's astronaut (512×512), as polylines in (x, y) pixel coordinates.
EXAMPLE_SKIN = (
    [(200, 82), (228, 78), (250, 84)],   # forehead
    [(190, 112), (193, 128), (200, 142)],  # left cheek
    [(252, 110), (250, 126), (244, 142)],  # right cheek
    [(214, 168), (232, 172)],  # neck
)
EXAMPLE_NON_SKIN = (
    [(175, 40), (205, 28), (250, 30), (275, 50)],  # hair
    [(90, 300), (110, 360), (100, 420)],  # orange suit, left
    [(300, 300), (330, 330)],  # orange suit, right
    [(320, 60), (330, 130), (345, 200)],  # grey background
    [(20, 150), (30, 230)],  # flag
    [(210, 210), (250, 215)],  # dark collar inside the helmet ring
    [(160, 190), (140, 220)],  # helmet ring
    [(430, 100), (430, 200)],  # white shuttle
)


def example_scribbles(shape: tuple[int, ...], *, width: int = 5) -> np.ndarray:
    """The example strokes for the astronaut, scaled to an image of `shape`."""
    import cv2

    height, width_px = shape[:2]
    sx, sy = width_px / 512.0, height / 512.0
    scribbles = np.zeros((height, width_px), np.int32)
    thickness = max(2, round(width * min(sx, sy)))
    for label, lines in ((NON_SKIN, EXAMPLE_NON_SKIN), (SKIN_LABEL, EXAMPLE_SKIN)):
        for line in lines:
            points = np.array([[round(x * sx), round(y * sy)] for x, y in line], np.int32)
            cv2.polylines(scribbles, [points], False, int(label), thickness)
    return scribbles


def merge_scribbles(base: np.ndarray | None, drawn: np.ndarray | None) -> np.ndarray | None:
    """Drawn strokes on top of base strokes (drawn labels win where both exist)."""
    if base is None:
        return drawn
    if drawn is None:
        return base
    return np.where(drawn > 0, drawn, base).astype(np.int32)


def two_colour_scene(size: int = 96, *, seed: int = 0, noise: float = 0.03) -> tuple[np.ndarray, np.ndarray]:
    """A synthetic image of skin-toned discs on a blue-green textured background, with its true skin mask."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size] / size
    background = np.stack([0.15 + 0.1 * xx, 0.45 + 0.2 * yy, 0.55 + 0.1 * np.sin(6 * xx)], axis=-1)
    skin = np.zeros((size, size), bool)
    for cx, cy, r in ((0.3, 0.35, 0.18), (0.7, 0.65, 0.2)):
        skin |= (xx - cx) ** 2 + (yy - cy) ** 2 < r ** 2
    tone = np.array([0.86, 0.62, 0.5])
    image = np.where(skin[..., None], tone * (0.9 + 0.2 * yy[..., None]), background)
    image = image + rng.normal(0, noise, image.shape)
    return np.clip(image, 0, 1).astype(np.float32), skin
