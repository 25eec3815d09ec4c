"""Inpainting methods (task INPAINT): fill the pixels a mask marks as missing from the known ones.

Every method receives the damaged image and a bool mask (True = missing). The values under the
mask are never read, and the known pixels are returned unchanged: only the hole is filled.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from core.image import is_color
from core.keras_seeds import LayerSeeds
from core.masks import check_mask
from core.registry import INPAINT, Output, Param, method

CAPPED_SIDES = (64, 96, 128, 160, 192, 256)


def _prepared(image: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    image = np.asarray(image, dtype=np.float32)
    if image.ndim not in (2, 3) or (image.ndim == 3 and image.shape[2] != 3):
        raise ValueError("Inpainting needs a gray (H, W) or RGB (H, W, 3) image.")
    return image, check_mask(image, mask)


def _merged(image: np.ndarray, mask: np.ndarray, filled: np.ndarray) -> np.ndarray:
    """Known pixels from the input, missing ones from `filled`; float32 in [0, 1]."""
    out = np.array(image, dtype=np.float32, copy=True)
    out[mask] = np.clip(np.asarray(filled, dtype=np.float32)[mask], 0.0, 1.0)
    return out


def _per_channel(function: Callable[[np.ndarray], np.ndarray], image: np.ndarray) -> np.ndarray:
    if image.ndim == 2:
        return function(image)
    return np.stack([function(np.ascontiguousarray(image[..., c])) for c in range(image.shape[2])], axis=-1)


# -- baseline --------------------------------------------------------------------------------------

@method(task=INPAINT, key="mean_fill", label="Mean of the known pixels", book="2.3",
        summary="The baseline: every missing pixel gets the average of all known pixels.",
        explanation="The simplest possible guess, and the bar every real method must clear inside the mask. "
                    "It ignores where the hole is, so it leaves flat patches that stand out everywhere but "
                    "in uniform regions.",
        latex=r"\hat f(p) = \frac{1}{|\bar\Omega|}\sum_{q \notin \Omega} g(q), \quad p \in \Omega")
def mean_fill(image: np.ndarray, mask: np.ndarray) -> np.ndarray:
    image, mask = _prepared(image, mask)
    mean = image[~mask].mean(axis=0)
    return _merged(image, mask, np.broadcast_to(mean, image.shape))


# -- OpenCV: fast marching and Navier-Stokes --------------------------------------------------------

_RADIUS = Param("radius", "Neighbourhood radius (px)", 3, min=1, max=15,
                help="How far around each missing pixel the known pixels are used. Small radii keep "
                     "edges crisp; large ones blur the fill.")


def _cv_inpaint(image: np.ndarray, mask: np.ndarray, radius: int, flag: int) -> np.ndarray:
    import cv2

    image, mask = _prepared(image, mask)
    hole = mask.astype(np.uint8)  # cv2.inpaint: non-zero = missing

    def fill(channel: np.ndarray) -> np.ndarray:
        # 16-bit keeps the precision; OpenCV's Telea is wrong on float32 input (it assumes 0-255)
        levels = (np.clip(channel, 0, 1) * 65535 + 0.5).astype(np.uint16)
        return cv2.inpaint(levels, hole, float(radius), flag).astype(np.float32) / 65535.0

    return _merged(image, mask, _per_channel(fill, image))


@method(task=INPAINT, key="telea", label="Telea (fast marching)", book="2.3.1", params=[_RADIUS],
        summary="OpenCV's INPAINT_TELEA: fills the hole from its border inwards by fast marching.",
        explanation="Pixels are filled in order of their distance to the hole's border. Each one becomes a "
                    "weighted average of the known pixels within the radius, weighted by how close they are, "
                    "how well they line up with the border's normal, and how near they sit to the same "
                    "level set. Very fast, good on thin scratches and text; large holes look smeared.",
        latex=r"\hat f(p) = \frac{\sum_{q \in B_\varepsilon(p)} w(p,q)\,[f(q) + \nabla f(q)\cdot(p-q)]}"
              r"{\sum_{q \in B_\varepsilon(p)} w(p,q)}, \quad w = \mathrm{dir}\cdot\mathrm{dst}\cdot\mathrm{lev}")
def telea(image: np.ndarray, mask: np.ndarray, *, radius: int = 3) -> np.ndarray:
    import cv2

    return _cv_inpaint(image, mask, radius, cv2.INPAINT_TELEA)


@method(task=INPAINT, key="navier_stokes", label="Navier–Stokes", book="2.3.1", params=[_RADIUS],
        summary="OpenCV's INPAINT_NS: carries smoothness into the hole along the isophotes.",
        explanation="Treats the image intensity like the stream function of a 2-D fluid: the Laplacian "
                    "(the image's 'vorticity') is transported along the lines of equal brightness that reach "
                    "the hole, so edges arriving at the border are continued inside. Fast, and slightly "
                    "better than Telea at continuing straight edges.",
        latex=r"\nabla^{\perp} f \cdot \nabla (\Delta f) = 0 \ \text{in } \Omega, \qquad f = g \ \text{on } "
              r"\partial\Omega")
def navier_stokes(image: np.ndarray, mask: np.ndarray, *, radius: int = 3) -> np.ndarray:
    import cv2

    return _cv_inpaint(image, mask, radius, cv2.INPAINT_NS)


# -- OpenCV xphoto: shift-map and frequency-selective reconstruction (slow) -------------------------

def _shrunk(image: np.ndarray, mask: np.ndarray, max_side: int) -> tuple[np.ndarray, np.ndarray]:
    """The image and mask at most `max_side` px on a side, by masked area averaging: a small pixel
    is the mean of the known pixels it covers, and missing when most of it is missing. So no fill
    value leaks in, and thin strokes don't swell into wide holes."""
    import cv2

    height, width = mask.shape
    scale = max_side / max(height, width)
    if scale >= 1:
        return image, mask
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    known = (~mask).astype(np.float32)
    share = cv2.resize(known, size, interpolation=cv2.INTER_AREA)  # fraction of known pixels
    weights = known if image.ndim == 2 else known[..., None]
    total = cv2.resize(image * weights, size, interpolation=cv2.INTER_AREA)
    small = (total / np.maximum(share if image.ndim == 2 else share[..., None], 1e-6)).astype(np.float32)
    small_mask = share < 0.5
    if small_mask.all():
        raise ValueError(f"At {size[0]}×{size[1]} px the mask covers everything; raise the working size.")
    return small, small_mask


CONTEXT = 32  # px of known image kept around the hole when cropping


def _crop_box(mask: np.ndarray, margin: int = CONTEXT) -> tuple[slice, slice]:
    """The hole's bounding box grown by `margin` px (clipped to the image)."""
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    return (slice(max(0, rows[0] - margin), min(mask.shape[0], rows[-1] + margin + 1)),
            slice(max(0, cols[0] - margin), min(mask.shape[1], cols[-1] + margin + 1)))


def _xphoto(image: np.ndarray, mask: np.ndarray, algorithm: str, max_side: int,
            progress: Callable | None) -> np.ndarray:
    """Run on the hole's surroundings only, downscaled to `max_side` if that crop is still larger:
    a small drawn hole is filled at full resolution, scattered strokes over the whole image at the cap."""
    import cv2

    image, full_mask = _prepared(image, mask)
    box = _crop_box(full_mask)
    crop, mask = image[box], full_mask[box]
    small, small_mask = _shrunk(crop, mask, max_side)
    if progress is not None:
        scaled = "" if small.shape[:2] == crop.shape[:2] else f", downscaled from {crop.shape[1]}×{crop.shape[0]}"
        progress(0.05, f"running on {small.shape[1]}×{small.shape[0]} px{scaled}")
    pixels = (np.clip(small, 0, 1) * 255 + 0.5).astype(np.uint8)
    if pixels.ndim == 3:  # shift-map wants a Lab-like image, FSR wants BGR
        pixels = cv2.cvtColor(pixels, cv2.COLOR_RGB2Lab if algorithm == "INPAINT_SHIFTMAP" else cv2.COLOR_RGB2BGR)
    known = np.where(small_mask, 0, 255).astype(np.uint8)  # xphoto: non-zero = valid
    result = np.zeros_like(pixels)
    cv2.xphoto.inpaint(pixels, known, result, getattr(cv2.xphoto, algorithm))
    if result.ndim == 3:
        result = cv2.cvtColor(result, cv2.COLOR_Lab2RGB if algorithm == "INPAINT_SHIFTMAP" else cv2.COLOR_BGR2RGB)
    filled = result.astype(np.float32) / 255.0
    if filled.shape[:2] != mask.shape:
        filled = cv2.resize(filled, mask.shape[::-1], interpolation=cv2.INTER_CUBIC)
    if progress is not None:
        progress(1.0, "done")
    whole = np.array(image, copy=True)
    whole[box] = filled
    return _merged(image, full_mask, whole)


def _cap_param(default: int) -> Param:
    return Param("max_side", "Working size (max side, px)", default, choices=CAPPED_SIDES,
                 help="This method is slow, so it runs on the hole's surroundings, downscaled to this size "
                      "when they are larger; the fill is then scaled back up, and only the hole takes it. "
                      "Larger is sharper but much slower.")


_SLOW_NOTE = (" Slow: it runs on the hole's surroundings, downscaled to its working size when they are larger, "
              "and the fill is scaled back up.")


@method(task=INPAINT, key="fsr_fast", label="FSR fast (xphoto)", book="2.3.1", slow=True,
        params=[_cap_param(128)],
        summary="Frequency-selective reconstruction, fast profile (opencv-contrib xphoto)." + _SLOW_NOTE,
        explanation="The image is cut into blocks. In each block with missing pixels, the known pixels are "
                    "approximated by a sparse sum of Fourier basis functions, chosen one at a time (the one "
                    "that reduces the weighted residual most), and that model is evaluated inside the hole. "
                    "Textures and edges continue well; the fast profile uses fewer iterations and smaller "
                    "blocks than the best one.",
        latex=r"g(m,n) \approx \sum_{(k,l) \in \mathcal{K}} c_{k,l}\, \varphi_{k,l}(m,n), \quad "
              r"(k,l)^{*} = \arg\max \frac{|r_w(k,l)|^2}{\sum w\,|\varphi_{k,l}|^2}")
def fsr_fast(image: np.ndarray, mask: np.ndarray, *, max_side: int = 128,
             progress: Callable | None = None) -> np.ndarray:
    return _xphoto(image, mask, "INPAINT_FSR_FAST", max_side, progress)


@method(task=INPAINT, key="fsr_best", label="FSR best (xphoto)", book="2.3.1", slow=True,
        params=[_cap_param(64)],
        summary="Frequency-selective reconstruction, best-quality profile. Very slow: tens of seconds even "
                "at 128 px, hence the small default working size.",
        explanation="The same sparse Fourier model as FSR fast, with larger blocks, more basis functions and "
                    "more iterations per block. In our measurements it edges out the fast profile by a few "
                    "tenths of a dB at roughly ten times the run time.",
        latex=r"g(m,n) \approx \sum_{(k,l) \in \mathcal{K}} c_{k,l}\, \varphi_{k,l}(m,n)")
def fsr_best(image: np.ndarray, mask: np.ndarray, *, max_side: int = 64,
             progress: Callable | None = None) -> np.ndarray:
    return _xphoto(image, mask, "INPAINT_FSR_BEST", max_side, progress)


@method(task=INPAINT, key="shiftmap", label="Shift-map (xphoto)", book="2.3.1", slow=True,
        params=[_cap_param(128)],
        summary="Fills the hole with shifted copies of known regions, chosen by a graph cut." + _SLOW_NOTE,
        explanation="Each missing pixel takes its value from the same image at some offset. The method "
                    "collects the offsets that occur most among similar patches, then picks one offset per "
                    "pixel by a graph-cut optimisation that keeps neighbouring pixels consistent. It copies "
                    "real texture rather than blurring, but it can paste visibly wrong content.",
        latex=r"\min_{d}\ \sum_{p \in \Omega} E_{data}(d_p) + \sum_{(p,q)} E_{smooth}(d_p, d_q), \quad "
              r"\hat f(p) = g(p + d_p)")
def shiftmap(image: np.ndarray, mask: np.ndarray, *, max_side: int = 128,
             progress: Callable | None = None) -> np.ndarray:
    return _xphoto(image, mask, "INPAINT_SHIFTMAP", max_side, progress)


# -- scikit-image: biharmonic --------------------------------------------------------------------

@method(task=INPAINT, key="biharmonic", label="Biharmonic (scikit-image)", book="2.3",
        summary="scikit-image's inpaint_biharmonic: the smoothest surface that meets the known pixels.",
        explanation="Inside the hole the image is made to satisfy the biharmonic equation, so it bends as "
                    "little as possible while matching the known pixels and their slopes at the border. "
                    "Excellent on smooth areas and thin holes; it cannot invent texture. Each connected "
                    "region of the mask is solved as its own sparse linear system.",
        latex=r"\Delta^2 f = 0 \ \text{in } \Omega, \qquad f = g \ \text{on } \bar\Omega")
def biharmonic(image: np.ndarray, mask: np.ndarray) -> np.ndarray:
    from skimage.restoration import inpaint_biharmonic

    image, mask = _prepared(image, mask)
    filled = inpaint_biharmonic(image, mask, split_into_regions=True,
                                channel_axis=-1 if is_color(image) else None)
    return _merged(image, mask, filled)


# -- scikit-learn: k nearest neighbours on coordinates ---------------------------------------------

@method(task=INPAINT, key="knn", label="k-NN regression on (x, y)", book="2.3.2",
        params=[Param("neighbors", "Neighbours k", 5, min=1, max=50,
                      help="How many of the nearest known pixels are averaged (the book uses 5)."),
                Param("weights", "Weights", "uniform", choices=("uniform", "distance"),
                      help="uniform: a plain average; distance: nearer known pixels count more.")],
        summary="scikit-learn's KNeighborsRegressor learns intensity as a function of pixel position.",
        explanation="The image is a function from (row, column) to intensity. A k-nearest-neighbour "
                    "regressor is fitted on the known pixels and predicts the missing ones: each gets the "
                    "average of the k closest known pixels in the image plane. Colour is predicted as three "
                    "outputs at once.",
        latex=r"\hat f(p) = \frac{\sum_{q \in N_k(p)} w_q f(q)}{\sum_{q \in N_k(p)} w_q}, \quad "
              r"w_q = 1 \ \text{or}\ \frac{1}{\lVert p - q \rVert}")
def knn(image: np.ndarray, mask: np.ndarray, *, neighbors: int = 5, weights: str = "uniform") -> np.ndarray:
    from sklearn.neighbors import KNeighborsRegressor

    image, mask = _prepared(image, mask)
    # Far-away known pixels are never among the nearest ones: fit on a band around the hole (speed).
    band = _training_pixels(mask, 2 * int(np.ceil(np.sqrt(neighbors))) + 2)
    if np.count_nonzero(band) < neighbors:
        band = ~mask
    known = np.argwhere(band)
    missing = np.argwhere(mask)
    targets = image[band]
    model = KNeighborsRegressor(n_neighbors=min(int(neighbors), len(known)), weights=weights)
    model.fit(known.astype(np.float32), targets)
    filled = np.array(image, copy=True)
    filled[mask] = model.predict(missing.astype(np.float32)).reshape(filled[mask].shape)
    return _merged(image, mask, filled)


# -- Keras: coordinate MLP ("neural painting") -----------------------------------------------------

def fourier_features(coords: np.ndarray, frequencies: np.ndarray) -> np.ndarray:
    """[sin 2πBx, cos 2πBx] for (N, 2) coordinates in [0, 1] and a (2, F) frequency matrix B."""
    projected = 2.0 * np.pi * coords @ frequencies
    return np.concatenate([np.sin(projected), np.cos(projected)], axis=1).astype(np.float32)


def _training_pixels(mask: np.ndarray, band: int) -> np.ndarray:
    """Known pixels within `band` px of the hole (all known pixels when band is 0)."""
    if band <= 0:
        return ~mask
    from scipy.ndimage import distance_transform_edt

    return (~mask) & (distance_transform_edt(~mask) <= band)


@method(task=INPAINT, key="neural_painting", label="Neural painting (coordinate MLP)", book="2.5",
        slow=True, needs_tensorflow=True,
        params=[Param("epochs", "Epochs", 40, min=5, max=300, step=5,
                      help="Passes over the training pixels. More fits finer detail and takes longer."),
                Param("scale", "Fourier feature scale", 2.0, min=0.0, max=30.0, step=0.5,
                      help="Spread of the random frequencies. 0 feeds the raw (x, y), as in the book, which "
                           "can only paint a blurry picture; larger values fit finer detail, too large gives "
                           "noise inside the hole."),
                Param("width", "Hidden units per layer", 128, choices=(32, 64, 128, 256)),
                Param("band", "Training band around the hole (px)", 64, min=0, max=256,
                      help="Train only on known pixels this close to the hole (0 = the whole image). The "
                           "network then spends its capacity where it matters, and a small hole is learned at "
                           "full resolution."),
                Param("learning_rate", "Learning rate", 3e-3, min=1e-4, max=3e-2, log=True),
                _cap_param(128),
                Param("seed", "Seed", 0, min=0, max=9999)],
        summary="A small Keras network learns (x, y) → intensity on the known pixels, trained here, then "
                "paints the hole. Imports TensorFlow on first use (about 10 s).",
        explanation="An implicit neural representation: a multilayer perceptron maps a pixel's position to "
                    "its value. We encode the position with random Fourier features, sin and cos of random "
                    "projections, which lets a small network fit sharp detail (the book's raw-coordinate "
                    "network with a 2-unit first layer can only paint a blur). The network is trained with "
                    "Adam on the known pixels near the hole and evaluated inside it. Seeded, and trained on "
                    "the CPU in seconds.",
        latex=r"\hat f(p) = \mathrm{MLP}_\theta\big([\sin 2\pi B p,\ \cos 2\pi B p]\big), \quad "
              r"\theta^{*} = \arg\min_\theta \sum_{q \notin \Omega} \lVert \hat f(q) - g(q) \rVert^2")
def neural_painting(image: np.ndarray, mask: np.ndarray, *, epochs: int = 40, scale: float = 2.0,
                    width: int = 128, band: int = 64, learning_rate: float = 3e-3, max_side: int = 128,
                    seed: int = 0, progress: Callable | None = None) -> Output:
    image, full_mask = _prepared(image, mask)
    # the hole's surroundings (the band) only, downscaled to max_side when they are larger
    box = _crop_box(full_mask, band) if band > 0 else (slice(None), slice(None))
    crop, mask = image[box], full_mask[box]
    small, small_mask = _shrunk(crop, mask, max_side)
    small_band = max(1, round(band * max(small_mask.shape) / max(mask.shape))) if band > 0 else 0
    if progress is not None:
        progress(0.0, "loading TensorFlow")
    import keras  # lazily: only this method needs TensorFlow

    channels = 3 if image.ndim == 3 else 1
    rng = np.random.default_rng(seed)
    frequencies = rng.normal(0.0, scale, size=(2, 64)) if scale > 0 else None

    def encode(points: np.ndarray, side: int) -> np.ndarray:
        """Pixel centres in units of the image's longer side, so any resolution maps to [0, 1]."""
        coords = ((points.astype(np.float32) + 0.5) / side).astype(np.float32)
        return coords if frequencies is None else fourier_features(coords, frequencies)

    train = np.argwhere(_training_pixels(small_mask, small_band))
    inputs = encode(train, max(small_mask.shape))
    targets = small[train[:, 0], train[:, 1]].reshape(len(train), channels).astype(np.float32)

    keras.utils.set_random_seed(int(seed))
    seeds = LayerSeeds(int(seed))
    model = keras.Sequential([keras.Input(shape=(inputs.shape[1],)),
                              keras.layers.Dense(width, activation="relu", kernel_initializer=seeds.glorot()),
                              keras.layers.Dense(width, activation="relu", kernel_initializer=seeds.glorot()),
                              keras.layers.Dense(width, activation="relu", kernel_initializer=seeds.glorot()),
                              keras.layers.Dense(channels, activation="sigmoid", kernel_initializer=seeds.glorot())])
    batch = int(min(1024, max(64, len(train) // 8)))
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=learning_rate), loss="mse")
    losses: list[float] = []

    def on_epoch_end(epoch: int, logs: dict) -> None:
        losses.append(float(logs["loss"]))
        if progress is not None:
            progress((epoch + 1) / epochs, f"epoch {epoch + 1}/{epochs}, loss {losses[-1]:.5f}")

    model.fit(inputs, targets, epochs=int(epochs), batch_size=batch, shuffle=True, verbose=0,
              callbacks=[keras.callbacks.LambdaCallback(on_epoch_end=on_epoch_end)])
    missing = np.argwhere(mask)  # the network is continuous: it paints the hole at full resolution
    features = encode(missing, max(mask.shape))
    # direct calls in chunks: model.predict would trace a new function, which costs seconds
    predicted = np.concatenate([np.asarray(model(features[i:i + 16384], training=False))
                                for i in range(0, len(features), 16384)])
    filled = np.array(image, copy=True)
    hole = filled[box]  # a view: writing into it fills the image
    hole[mask] = predicted.reshape(hole[mask].shape)
    return Output(_merged(image, full_mask, filled), {"training loss (MSE)": np.asarray(losses)})
