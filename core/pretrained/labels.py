"""The 1000 ImageNet (ILSVRC 2012) class names, shipped in assets/imagenet/ (from OpenCV's samples, Apache-2.0 AND
BSD-3-Clause): every classifier of the page decodes with these, so nothing is downloaded at run time."""
from __future__ import annotations

import functools
from pathlib import Path

import numpy as np

LABELS_FILE = Path(__file__).resolve().parents[2] / "assets" / "imagenet" / "classification_classes_ILSVRC2012.txt"


@functools.lru_cache(maxsize=1)
def class_names() -> tuple[str, ...]:
    """The names, in output order: "tench, Tinca tinca", "goldfish, Carassius auratus", ..."""
    names = tuple(line.strip() for line in LABELS_FILE.read_text(encoding="utf-8").splitlines() if line.strip())
    if len(names) != 1000:
        raise ValueError(f"{LABELS_FILE.name} holds {len(names)} class names, not 1000.")
    return names


def short_name(index: int) -> str:
    """The first synonym: "espresso", "tabby" (the full line lists every synonym)."""
    return class_names()[int(index)].split(",")[0].strip()


def top_k(probabilities: np.ndarray, k: int = 5) -> list[tuple[int, str, float]]:
    """The k most probable classes as (index, short name, probability), best first."""
    p = np.asarray(probabilities, np.float64).reshape(-1)
    order = np.argsort(-p, kind="stable")[:k]
    return [(int(i), short_name(i), float(p[i])) for i in order]


def find(query: str) -> list[int]:
    """Indices of the classes whose names contain `query` (case-insensitive), for a known true class."""
    query = query.strip().lower()
    return [i for i, name in enumerate(class_names()) if query and query in name.lower()]
