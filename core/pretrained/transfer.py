"""Transfer learning (book §7.4) on EfficientNet-Lite0: ImageNet features reused for classes of your own.

The network up to its global pooling is kept frozen and turns every image into 1280 numbers; a new head learns
the classes from a few images each: a logistic regression, or a small Keras dense head trained by epochs. Fine-
tuning also retrains the last MBConv blocks (copies of them: the ImageNet model stays untouched), starting from
their ImageNet weights, on the frozen activations below them.

Every method splits the images the same stratified, seeded way into train and test; the dense heads also keep a
validation part of the training images to choose their best epoch. The accuracy reported is on the test images,
which took no part in training or in choosing the epoch (the book chose and reported on the same images).
"""
from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from core.caching import BoundedCache
from core.image import digest
from core.keras_seeds import LayerSeeds

SIDE = 224
MAX_ZIP_ENTRIES = 5000  # names in the archive's directory
MAX_IMAGES = 600  # images used (sorted by name)
MAX_ZIP_UNPACKED = 512 * 2 ** 20
ZIP_DECODE_SIDE = 512
EXAMPLE_SOURCES = (("cat", "chelsea"), ("coffee cup", "coffee"), ("rocket", "rocket"), ("astronaut", "astronaut"))
_FEATURES = BoundedCache("core.pretrained.transfer.features", 96 * 2 ** 20, 3600.0)


@dataclass
class ImageSet:
    images: np.ndarray  # (N, 224, 224, 3) uint8 RGB
    labels: np.ndarray  # (N,) int32
    names: list[str]
    synthetic: bool = False
    notes: list[str] = field(default_factory=list)


# -- data -------------------------------------------------------------------------------------------------------

def _augmented_crop(photo: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    import cv2

    h, w = photo.shape[:2]
    side = int(min(h, w) * rng.uniform(0.55, 0.95))
    top, left = rng.integers(0, h - side + 1), rng.integers(0, w - side + 1)
    crop = photo[top:top + side, left:left + side]
    matrix = cv2.getRotationMatrix2D((side / 2, side / 2), rng.uniform(-12, 12), rng.uniform(1.0, 1.15))
    crop = cv2.warpAffine(crop, matrix, (side, side), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    if rng.random() < 0.5:
        crop = crop[:, ::-1]
    crop = cv2.resize(np.ascontiguousarray(crop), (SIDE, SIDE), interpolation=cv2.INTER_AREA)
    crop = crop * rng.uniform(0.75, 1.2) + rng.uniform(-0.08, 0.08) + rng.uniform(-0.05, 0.05, 3)  # light, tint
    crop = cv2.GaussianBlur(np.clip(crop, 0, 1).astype(np.float32), (0, 0), rng.uniform(0.3, 1.5))
    crop = crop + rng.normal(0, 0.02, crop.shape)
    return np.uint8(np.clip(crop, 0, 1) * 255 + 0.5)


def example_set(*, per_class: int = 12, seed: int = 0) -> ImageSet:
    """SYNTHETIC classes: each class is ONE bundled scikit-image photo (cat, coffee cup, rocket, astronaut), cut
    into random crops with rotation, zoom, flips, lighting, tint, blur and noise. Real classes vary far more, so
    accuracies on this set are optimistic."""
    from core.gallery import load_sample
    from core.image import to_rgb

    if per_class < 3:
        raise ValueError("Each class needs at least 3 images (some to train on, one to test).")
    rng = np.random.default_rng(seed)
    images, labels = [], []
    for label, (_, sample) in enumerate(EXAMPLE_SOURCES):
        photo = to_rgb(_sample(sample) if sample == "rocket" else load_sample(sample))
        for _ in range(per_class):
            images.append(_augmented_crop(photo, rng))
            labels.append(label)
    return ImageSet(np.stack(images), np.asarray(labels, np.int32), [name for name, _ in EXAMPLE_SOURCES],
                    synthetic=True)


def _sample(name: str) -> np.ndarray:
    from skimage import data

    from core.image import to_float

    return to_float(getattr(data, name)())


def load_class_zip(data: bytes, *, max_images: int = MAX_IMAGES) -> ImageSet:
    """A zip with one folder per class (the folder name is the class), each holding that class's images, read
    through the app's guarded decode (`core.decode`). Refused when it is not a zip, empty, climbs out of itself,
    is a zip bomb or too large, or holds fewer than two classes with two readable images each."""
    from core.pretrained.efficientnet import prepare
    from core.zips import read_image_folders

    found, notes = read_image_folders(data, what="images per class", folder="class",
                                      convert=lambda image: np.uint8(prepare(image) + 0.5),
                                      decode_side=ZIP_DECODE_SIDE, max_images=max_images,
                                      max_unpacked=MAX_ZIP_UNPACKED, max_entries=MAX_ZIP_ENTRIES)
    names = [folder for folder, _ in found]
    images = [image for _, image in found]
    if not images:
        raise ValueError("No readable images were found in the zip. Put each class's images (PNG, JPEG, ...) in a "
                         "folder named after the class.")
    classes, counts = np.unique(names, return_counts=True)
    too_few = [c for c, n in zip(classes, counts) if n < 2]
    if too_few:
        notes.append(f"Dropped {len(too_few)} class(es) with a single image: {', '.join(too_few[:5])}.")
    kept = [c for c, n in zip(classes, counts) if n >= 2]
    if len(kept) < 2:
        raise ValueError(f"Transfer learning needs at least two classes with two images or more each; this zip has "
                         f"{len(kept)} (folders: {', '.join(classes[:5])}).")
    index = {c: i for i, c in enumerate(kept)}
    rows = [i for i, n in enumerate(names) if n in index]
    return ImageSet(np.stack([images[i] for i in rows]), np.asarray([index[names[i]] for i in rows], np.int32),
                    list(kept), notes=notes)


def make_zip(folders: dict[str, list[np.ndarray]], *, quality: int = 88) -> bytes:
    """A zip of JPEG files, one folder per class (the downloadable example and the tests)."""
    from PIL import Image

    from core.image import to_uint8

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, images in folders.items():
            for i, image in enumerate(images):
                jpeg = io.BytesIO()
                array = image if image.dtype == np.uint8 else to_uint8(image)
                Image.fromarray(array).save(jpeg, format="JPEG", quality=quality)
                archive.writestr(f"{name}/{i:03d}.jpg", jpeg.getvalue())
    return buffer.getvalue()


# -- splits and features ----------------------------------------------------------------------------------------

def split(labels: np.ndarray, test_fraction: float, seed: int, *, validation: float = 0.0):
    """Stratified index arrays (train, validation, test): every class keeps at least one image in train and in
    test (and in validation when asked and the class has 3 or more)."""
    labels = np.asarray(labels)
    classes, counts = np.unique(labels, return_counts=True)
    if len(classes) < 2:
        raise ValueError("Transfer learning needs at least two classes.")
    if counts.min() < 2:
        raise ValueError(f"Every class needs at least 2 images (one to train on, one to test); class "
                         f"{int(classes[np.argmin(counts)])} has {int(counts.min())}.")
    rng = np.random.default_rng(seed)
    train, val, test = [], [], []
    for c, n in zip(classes, counts):
        members = rng.permutation(np.flatnonzero(labels == c))
        n_test = int(np.clip(round(n * test_fraction), 1, n - 1))
        test += list(members[:n_test])
        rest = members[n_test:]
        n_val = int(np.clip(round(n * validation), 1, len(rest) - 1)) if validation and len(rest) >= 2 else 0
        val += list(rest[:n_val])
        train += list(rest[n_val:])
    return np.sort(train), np.sort(val), np.sort(test)


def _check(images: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    images, labels = np.asarray(images), np.asarray(labels)
    if images.ndim != 4 or images.shape[1:] != (SIDE, SIDE, 3):
        raise ValueError(f"Transfer learning takes (N, {SIDE}, {SIDE}, 3) images, not shape {images.shape}.")
    if len(images) != len(labels):
        raise ValueError(f"{len(images)} images but {len(labels)} labels.")
    return images, labels.astype(np.int64)


def pooled_features(images: np.ndarray, progress: Callable | None = None) -> np.ndarray:
    """EfficientNet-Lite0's global-pooled features (N, 1280), kept per image set."""
    from core.pretrained import efficientnet

    return _FEATURES.get(("pooled", digest(images)),
                         lambda: efficientnet.features(np.asarray(images, np.float32), progress=progress))


def _cut(first_block: int):
    """The frozen bottom of the network: the image to the output of the block before `first_block`."""
    import keras

    from core.pretrained import efficientnet

    net = efficientnet.model()
    before = efficientnet.block_plan()[first_block - 1]
    name = f"block{before['index']}_add" if before["stride"] == 1 and before["inputs"] == before["outputs"] \
        else f"block{before['index']}_project_bn"
    return keras.Model(net.inputs[0], net.get_layer(name).output, name=f"lite0_to_block{first_block}")


def cut_features(images: np.ndarray, first_block: int, progress: Callable | None = None) -> np.ndarray:
    """Activations (N, 7, 7, C) entering block `first_block`, kept per image set."""
    def compute():
        bottom, out = _cut(first_block), []
        batch = np.asarray(images, np.float32)
        for start in range(0, len(batch), 16):
            out.append(np.asarray(bottom(batch[start:start + 16], training=False)))
            if progress is not None:
                progress(min(1.0, (start + 16) / len(batch)), "frozen activations")
        return np.concatenate(out).astype(np.float32)

    return _FEATURES.get(("cut", first_block, digest(images)), compute)


def _confusion(truth: np.ndarray, predicted: np.ndarray, k: int) -> np.ndarray:
    matrix = np.zeros((k, k), np.float64)
    np.add.at(matrix, (truth, predicted), 1)
    rows = matrix.sum(axis=1, keepdims=True)
    return (matrix / np.maximum(rows, 1)).astype(np.float32)


def _result(labels, test, predicted, k, train, extra: dict) -> tuple[np.ndarray, dict]:
    from core.tasks.protocol import Output

    truth = labels[test]
    counts = np.bincount(truth, minlength=k)
    extras = {"accuracy": float(np.mean(predicted == truth)), "chance": float(counts.max() / counts.sum()),
              "train": int(len(train)), "test": int(len(test)), "predicted": predicted.astype(np.int32),
              "test_indices": np.asarray(test, np.int32), **extra}
    return Output(_confusion(truth, predicted, k), extras)


# -- heads ------------------------------------------------------------------------------------------------------

def logistic_head(images, labels, *, C: float = 1.0, test_fraction: float = 0.3, seed: int = 0, progress=None):
    """Frozen features, standardised, then a multinomial logistic regression (L2 penalty 1/C)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    images, labels = _check(images, labels)
    train, _, test = split(labels, test_fraction, seed)
    k = int(labels.max()) + 1
    features = pooled_features(images, progress)
    classifier = make_pipeline(StandardScaler(), LogisticRegression(C=C, max_iter=2000))
    classifier.fit(features[train], labels[train])
    return _result(labels, test, classifier.predict(features[test]), k, train, {})


def _fit(model, x_train, y_train, x_val, y_val, epochs: int, learning_rate: float, progress, start: float,
         span: float, label: str, seed: int, batch: int = 16):
    """Adam on the model's trainable weights, epoch by epoch, in plain eager steps (Keras's `fit` spends seconds
    tracing for a few dozen images); returns the per-epoch curves and the best validation epoch's weights (the
    highest validation accuracy, ties broken by the lower loss)."""
    import keras
    import tensorflow as tf

    curves = {"train loss": [], "val loss": [], "train accuracy": [], "val accuracy": []}
    best, best_weights = (-1.0, np.inf), None
    optimizer = keras.optimizers.Adam(learning_rate)
    variables = model.trainable_variables
    rng = np.random.default_rng(seed)

    def evaluate(x, y):
        p = np.concatenate([np.asarray(model(x[i:i + 64], training=False)) for i in range(0, len(x), 64)])
        return (float(-np.mean(np.log(p[np.arange(len(y)), y] + 1e-7))), float(np.mean(np.argmax(p, 1) == y)))

    for epoch in range(epochs):
        order = rng.permutation(len(x_train))
        for first in range(0, len(order), batch):
            rows = order[first:first + batch]
            with tf.GradientTape() as tape:
                p = model(x_train[rows], training=True)
                loss = tf.reduce_mean(keras.losses.sparse_categorical_crossentropy(y_train[rows], p))
            optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
        loss, accuracy = evaluate(x_train, y_train)
        curves["train loss"].append(loss)
        curves["train accuracy"].append(accuracy)
        if len(x_val):
            loss, accuracy = evaluate(x_val, y_val)
            curves["val loss"].append(loss)
            curves["val accuracy"].append(accuracy)
            if (accuracy, -loss) > (best[0], -best[1]):
                best, best_weights = (accuracy, loss), model.get_weights()
        if progress is not None:
            progress(start + span * (epoch + 1) / epochs, f"{label}: epoch {epoch + 1} of {epochs}")
    return curves, best_weights if best_weights is not None else model.get_weights()


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _loss_accuracy(w, b, x, y) -> tuple[float, float]:
    p = _softmax(x @ w + b)
    return float(-np.mean(np.log(p[np.arange(len(y)), y] + 1e-12))), float(np.mean(np.argmax(p, 1) == y))


def dense_head(images, labels, *, epochs: int = 30, learning_rate: float = 1e-3, dropout: float = 0.2,
               optimizer: str = "adam", test_fraction: float = 0.3, seed: int = 0, progress=None):
    """Frozen features, then dropout and a softmax dense layer trained by mini-batches (16) for `epochs`: Adam, or
    SGD with momentum 0.9 and the book's StepLR (the rate halved every 10 EPOCHS: the book stepped it every
    batch). The epoch with the best validation accuracy is kept; accuracy is measured on the separate test
    images. Written in numpy: one layer needs no framework, and it trains in milliseconds."""
    images, labels = _check(images, labels)
    train, val, test = split(labels, test_fraction, seed, validation=0.2)
    k = int(labels.max()) + 1
    features = pooled_features(images, None if progress is None else lambda f, m="": progress(0.5 * f, m))
    mean, std = features[train].mean(axis=0), features[train].std(axis=0)
    std = np.maximum(std, np.median(std) + 1e-6)  # a feature nearly constant on few images must not explode
    x = ((features - mean) / std).astype(np.float64)
    rng = np.random.default_rng(seed)
    d = x.shape[1]
    w, b = rng.normal(0, np.sqrt(1.0 / d), (d, k)), np.zeros(k)
    moments = [np.zeros_like(w), np.zeros_like(b), np.zeros_like(w), np.zeros_like(b)]
    curves = {"train loss": [], "val loss": [], "train accuracy": [], "val accuracy": []}
    best, best_weights, step = (-1.0, np.inf), (w.copy(), b.copy()), 0
    for epoch in range(epochs):
        rate = learning_rate * (0.5 ** (epoch // 10) if optimizer == "sgd" else 1.0)
        order = rng.permutation(train)
        for start in range(0, len(order), 16):
            rows = order[start:start + 16]
            keep = (rng.random((len(rows), d)) >= dropout) / (1.0 - dropout) if dropout > 0 else 1.0
            xb, yb = x[rows] * keep, labels[rows]
            p = _softmax(xb @ w + b)
            p[np.arange(len(rows)), yb] -= 1.0
            gw, gb = xb.T @ p / len(rows), p.mean(axis=0)
            step += 1
            if optimizer == "sgd":
                moments[0] = 0.9 * moments[0] + gw
                moments[1] = 0.9 * moments[1] + gb
                w, b = w - rate * moments[0], b - rate * moments[1]
            else:
                for i, g in ((0, gw), (1, gb)):
                    moments[i] = 0.9 * moments[i] + 0.1 * g
                    moments[i + 2] = 0.999 * moments[i + 2] + 0.001 * g * g
                corrected = [moments[i] / (1 - 0.9 ** step) / (np.sqrt(moments[i + 2] / (1 - 0.999 ** step)) + 1e-8)
                             for i in (0, 1)]
                w, b = w - rate * corrected[0], b - rate * corrected[1]
        loss, accuracy = _loss_accuracy(w, b, x[train], labels[train])
        curves["train loss"].append(loss)
        curves["train accuracy"].append(accuracy)
        if len(val):
            loss, accuracy = _loss_accuracy(w, b, x[val], labels[val])
            curves["val loss"].append(loss)
            curves["val accuracy"].append(accuracy)
            if (accuracy, -loss) > (best[0], -best[1]):
                best, best_weights = (accuracy, loss), (w.copy(), b.copy())
        if progress is not None:
            progress(0.5 + 0.5 * (epoch + 1) / epochs, f"new head: epoch {epoch + 1} of {epochs}")
    w, b = best_weights if len(val) else (w, b)
    predicted = np.argmax(x[test] @ w + b, axis=1)
    best_epoch = int(np.argmax(curves["val accuracy"])) + 1 if curves["val accuracy"] else epochs
    return _result(labels, test, predicted, k, train, {"curves": {n: np.asarray(v, np.float32)
                                                                  for n, v in curves.items() if v},
                                                       "best_epoch": best_epoch, "validation": int(len(val))})


def fine_tune(images, labels, *, blocks: int = 2, head_epochs: int = 15, epochs: int = 10,
              learning_rate: float = 1e-4, test_fraction: float = 0.3, seed: int = 0, progress=None):
    """A new head trained on frozen features first (`head_epochs`), then the last `blocks` MBConv blocks and the
    1×1 head convolution retrained together with it at a small learning rate (`epochs`). The retrained blocks
    are fresh copies with ImageNet's weights; their batch normalisation keeps ImageNet's statistics."""
    import keras

    from core.pretrained import efficientnet

    images, labels = _check(images, labels)
    plan = efficientnet.block_plan()
    if not 1 <= blocks <= 4:
        raise ValueError("Fine-tune between 1 and 4 of the last blocks (those that work at 7×7).")
    first = len(plan) - blocks
    train, val, test = split(labels, test_fraction, seed, validation=0.2)
    k = int(labels.max()) + 1
    activations = cut_features(images, first, None if progress is None else lambda f, m="": progress(0.25 * f, m))
    keras.utils.set_random_seed(seed)
    top = efficientnet.build_top(first, activations.shape[-1])
    inputs = keras.Input(activations.shape[1:])
    seeds = LayerSeeds(seed)
    x = keras.layers.Dropout(0.2, seed=seeds.next())(top(inputs, training=False))
    outputs = keras.layers.Dense(k, activation="softmax", kernel_initializer=seeds.glorot(), name="new_head")(x)
    model = keras.Model(inputs, outputs, name="fine_tuned")
    x_train, y_train, x_val, y_val = activations[train], labels[train], activations[val], labels[val]
    top.trainable = False
    head_curves, weights = _fit(model, x_train, y_train, x_val, y_val, head_epochs, 1e-3, progress, 0.25, 0.25,
                                "new head", seed)
    model.set_weights(weights)
    top.trainable = True
    for layer in top.layers:  # batch norm stays in inference mode with ImageNet's statistics
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.trainable = False
    tune_curves, weights = _fit(model, x_train, y_train, x_val, y_val, epochs, learning_rate, progress, 0.5, 0.5,
                                f"fine-tuning {blocks} block(s)", seed + 1)
    model.set_weights(weights)
    predicted = np.argmax(model.predict(activations[test], verbose=0), axis=1)
    curves = {n: np.asarray(head_curves[n] + tune_curves[n], np.float32) for n in head_curves if head_curves[n]}
    return _result(labels, test, predicted, k, train, {"curves": curves, "fine_tune_from": head_epochs + 1,
                                                       "validation": int(len(val))})
