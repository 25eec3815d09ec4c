"""The book's keras.applications ImageNet classifiers (§7.3), their weights fetched on demand.

The weights files are the ones keras itself downloads (the URLs and MD5 sums below are those of
`keras/src/applications/*.py`), fetched with `core.downloads.fetch` into `cache_dir("keras-applications")` and
handed to the constructor as `weights=<file>`. Each model has its own input size (299 px for InceptionV3 and
Xception, 224 for the rest) and its own `preprocess_input` ("caffe": BGR minus the ImageNet mean for VGG16 and
ResNet50; "tf": scaled to [-1, 1] for the others). Outputs are decoded with the class names shipped in
assets/imagenet/ (keras's `decode_predictions` would download a class index).

Built models are kept per process, at most two at a time (VGG16 alone holds 528 MB of weights).
"""
from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

BASE_URL = "https://storage.googleapis.com/tensorflow/keras-applications/"
UNTRAINED = "untrained"  # the `weights` input that builds a model with random weights (tests: no network)
IMAGENET = "imagenet"
CACHE = "keras-applications"


@dataclass(frozen=True)
class Application:
    key: str
    label: str
    module: str  # keras.applications.<module>
    constructor: str
    size: int  # input side in pixels
    path: str  # under BASE_URL
    md5: str | None  # keras's file_hash (None: keras checks none)
    megabytes: float  # about how large the weights file is
    parameters: str
    preprocessing: str

    @property
    def url(self) -> str:
        return BASE_URL + self.path

    @property
    def filename(self) -> str:
        return self.path.rsplit("/", 1)[-1]


APPLICATIONS = {a.key: a for a in (
    Application("vgg16", "VGG16", "vgg16", "VGG16", 224, "vgg16/vgg16_weights_tf_dim_ordering_tf_kernels.h5",
                "64373286793e3c8b2b4e3219cbf3544b", 553.5, "138.4 M", "caffe: RGB→BGR, minus the ImageNet mean"),
    Application("resnet50", "ResNet50", "resnet50", "ResNet50", 224,
                "resnet/resnet50_weights_tf_dim_ordering_tf_kernels.h5", "2cb95161c43110f7111970584f804107", 102.9,
                "25.6 M", "caffe: RGB→BGR, minus the ImageNet mean"),
    Application("mobilenet_v2", "MobileNetV2", "mobilenet_v2", "MobileNetV2", 224,
                "mobilenet_v2/mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224.h5", None, 14.5, "3.5 M",
                "tf: scaled to [-1, 1]"),
    Application("inception_v3", "InceptionV3", "inception_v3", "InceptionV3", 299,
                "inception_v3/inception_v3_weights_tf_dim_ordering_tf_kernels.h5",
                "9a0d58056eeedaa3f26cb7ebd46da564", 96.1, "23.9 M", "tf: scaled to [-1, 1]"),
    Application("xception", "Xception", "xception", "Xception", 299,
                "xception/xception_weights_tf_dim_ordering_tf_kernels.h5", "0a58e3b7378bc2990ea3b43d5981f1f6", 91.9,
                "22.9 M", "tf: scaled to [-1, 1]"),
)}

_LOCK = threading.Lock()
_MODELS: "dict[tuple, object]" = {}  # (key, weights file or None) -> model, at most _KEEP, oldest dropped first
_KEEP = 2


def weights_folder() -> Path:
    from core.downloads import cache_dir

    return cache_dir(CACHE)


def cached_file(key: str) -> Path | None:
    """The weights file of `key` when it is already in the cache."""
    path = weights_folder() / APPLICATIONS[key].filename
    return path if path.is_file() else None


def weights_state() -> str:
    """The `weights` input the page passes: "imagenet", plus the files already cached (so a result computed
    before a download is not reused after it)."""
    cached = sorted(key for key in APPLICATIONS if cached_file(key) is not None)
    return IMAGENET + (";cached=" + ",".join(cached) if cached else "")


def _md5(path: Path) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def weights_file(key: str, *, progress: Callable[[float, str], None] | None = None) -> Path:
    """The ImageNet weights file of `key`: from the cache, or downloaded once (MD5 checked where keras
    gives one). Raises core.downloads.DownloadUnavailable when it can't be had (offline, say)."""
    from core.downloads import DownloadUnavailable, fetch

    app = APPLICATIONS[key]
    destination = weights_folder() / app.filename
    if destination.is_file():
        return destination
    path = fetch(app.url, destination, progress=progress, timeout=60.0)
    if app.md5 is not None and _md5(path) != app.md5:
        path.unlink(missing_ok=True)
        raise DownloadUnavailable(f"{app.filename} is not the expected file (its MD5 differs from keras's): it was "
                                  "not kept. Try again later.")
    return path


def build(key: str, weights: str | Path | None):
    """The keras.applications model of `key` with `weights` (a file, or None for random weights)."""
    import importlib

    app = APPLICATIONS[key]
    module = importlib.import_module(f"keras.applications.{app.module}")
    constructor = getattr(module, app.constructor)
    net = constructor(weights=None if weights is None else str(weights), include_top=True,
                      input_shape=(app.size, app.size, 3), classes=1000)
    if weights is None:
        _seeded_random_weights(net)
    return net


def _seeded_random_weights(net, seed: int = 0) -> None:
    """Random weights that are the same in every process: keras.applications seeds its unseeded layers from
    Python's global generator, which other threads also draw from. Each random array is drawn again from a seeded
    generator, Glorot-uniform for its shape; constant ones (zero biases, unit variances) are kept."""
    rng = np.random.default_rng(seed)
    for variable in net.weights:
        values = np.asarray(variable)
        if values.size and values.min() != values.max():
            shape = values.shape if values.ndim >= 2 else (1, values.size)
            receptive = int(np.prod(shape[:-2]))
            limit = float(np.sqrt(6.0 / (receptive * (shape[-2] + shape[-1]))))
            variable.assign(rng.uniform(-limit, limit, values.shape).astype(values.dtype))


def model(key: str, weights: str | Path | None):
    """`build(key, weights)` kept per process (the two most recent)."""
    token = (key, None if weights is None else str(weights))
    with _LOCK:
        if token in _MODELS:
            _MODELS[token] = _MODELS.pop(token)  # most recent last
            return _MODELS[token]
        built = build(key, weights)
        _MODELS[token] = built
        while len(_MODELS) > _KEEP:
            _MODELS.pop(next(iter(_MODELS)))
        return built


def preprocess(key: str, image: np.ndarray) -> np.ndarray:
    """One image as this model's (1, size, size, 3) input: centre-cropped to its size, then its own
    `preprocess_input`."""
    import importlib

    from core.pretrained.efficientnet import prepare

    app = APPLICATIONS[key]
    module = importlib.import_module(f"keras.applications.{app.module}")
    batch = prepare(image, app.size)[None].copy()  # preprocess_input may work in place
    return np.asarray(module.preprocess_input(batch), np.float32)


def classify(key: str, image: np.ndarray, weights: str | None = IMAGENET, *,
             progress: Callable[[float, str], None] | None = None) -> np.ndarray:
    """The 1000 probabilities of `image` from the keras.applications model `key`. `weights`: "imagenet" (and
    what follows a ";": ignored) fetches the file on first use; "untrained" uses random weights."""
    source = str(weights or IMAGENET).split(";", 1)[0]
    if source == UNTRAINED:
        path = None
    elif source == IMAGENET:
        path = weights_file(key, progress=progress)
    else:
        raise ValueError(f"weights must be “{IMAGENET}” or “{UNTRAINED}”, not {source!r}.")
    net = model(key, path)
    return np.asarray(net(preprocess(key, image), training=False), np.float32)[0]
