"""dlib's face models from the `face_recognition_models` package (PyPI, 0.3.0), loaded once per process.

The package's own `__init__` imports `pkg_resources`, which setuptools >= 81 no longer ships, so the files are
found through the import system's spec without importing the package. `dlib` (the prebuilt `dlib-bin` wheel)
is imported only when a model is first needed.

Files used (the 68-point landmark model is NOT used: it was trained on iBUG 300-W, whose licence excludes
commercial use; the 5-point model is enough to align a face):

- `dlib_face_recognition_resnet_model_v1.dat` (22.5 MB): a ResNet-29 that maps an aligned 150×150 face chip to a
  128-D embedding, trained so that two photos of one person lie within about 0.6 of each other (Euclidean);
- `shape_predictor_5_face_landmarks.dat` (9.2 MB): eye corners and the bottom of the nose, for alignment.
"""
from __future__ import annotations

import importlib.util
import threading
from pathlib import Path

RESNET_FILE = "dlib_face_recognition_resnet_model_v1.dat"
LANDMARKS_FILE = "shape_predictor_5_face_landmarks.dat"
_LOCK = threading.Lock()
_MODELS: dict[str, object] = {}


class ModelsMissing(ValueError):
    """The face models are not installed (the message says what to install)."""


def models_dir() -> Path:
    """The folder holding dlib's model files, found without importing `face_recognition_models`."""
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or not spec.submodule_search_locations:
        raise ModelsMissing("dlib's face models are not installed: pip install face_recognition_models==0.3.0 "
                            "(and dlib-bin for dlib itself).")
    return Path(list(spec.submodule_search_locations)[0]) / "models"


def _dlib():
    try:
        import dlib  # lazy: the prebuilt dlib-bin wheel
    except ImportError:
        raise ModelsMissing("dlib is not installed: pip install dlib-bin==20.0.1.post1 (a prebuilt wheel; the "
                            "plain `dlib` package compiles from source).") from None
    return dlib


def _load(name: str, make):
    model = _MODELS.get(name)
    if model is None:
        with _LOCK:
            model = _MODELS.get(name)
            if model is None:
                model = _MODELS[name] = make()
    return model


def _file(name: str) -> str:
    path = models_dir() / name
    if not path.is_file():
        raise ModelsMissing(f"dlib's model file {name} is missing from {path.parent}; reinstall "
                            "face_recognition_models==0.3.0.")
    return str(path)


def hog_detector():
    """dlib's frontal-face detector (HOG features + a linear SVM, sliding window)."""
    return _load("hog", lambda: _dlib().get_frontal_face_detector())


def landmarks_5():
    """dlib's 5-point shape predictor (an ensemble of regression trees)."""
    return _load("sp5", lambda: _dlib().shape_predictor(_file(LANDMARKS_FILE)))


def resnet():
    """dlib's face-recognition ResNet (128-D embeddings)."""
    return _load("resnet", lambda: _dlib().face_recognition_model_v1(_file(RESNET_FILE)))


def dlib_module():
    return _dlib()
