"""Every registered method runs with its defaults on small gray and colour inputs."""
import numpy as np
import pytest

from core.degrade import add_noise, degrade, gaussian_kernel
from core.gallery import load_sample
from core.registry import TASKS, methods_for

# Tasks whose inputs are not an image (+ PSF) run every method with its defaults in their own module.
OWN_DEFAULT_TESTS = {"components": "test_regions.py", "skin": "test_skin.py",
                     "background_subtraction": "test_video_bg.py", "outliers": "test_outliers.py",
                     "stitch": "test_panorama.py", "recognize_faces": "test_faces.py", "detect_faces": "test_faces.py",
                     "detect_people": "test_pedestrians.py", "keypoints": "test_keypoints.py",
                     "register": "test_registration.py", "align_channels": "test_registration.py",
                     "segment": "test_interactive_segmentation.py", "background": "test_interactive_segmentation.py",
                     "threshold": "test_threshold.py", "cluster": "test_clustering.py",
                     "superpixels": "test_superpixels.py"}
ALL = [(task, m.key) for task in TASKS if task not in OWN_DEFAULT_TESTS for m in methods_for(task)]


def _inputs(task, image):
    if task == "inpaint":  # a damaged image and its mask (True = missing)
        from core.masks import apply_mask, random_strokes

        mask = random_strokes(image.shape, ratio=0.1, seed=0)
        return (apply_mask(image, mask), mask)
    if task == "denoise" or TASKS[task].inputs == ("image",):  # single-image tasks get a noisy image
        return (add_noise(image, level=0.08, seed=0),)
    psf = gaussian_kernel(1.5)
    return (degrade(image, kernel=psf, noise="gaussian", level=0.01, seed=0), psf)


@pytest.mark.parametrize("color", [False, True], ids=["gray", "rgb"])
@pytest.mark.parametrize("task,key", ALL, ids=[f"{t}-{k}" for t, k in ALL])
def test_method_runs_with_defaults(task, key, color):
    method = next(m for m in methods_for(task) if m.key == key)
    clean = load_sample("astronaut")[100:164, 180:244]
    clean = clean if color else clean.mean(axis=2).astype(np.float32)
    inputs = _inputs(task, clean)
    frozen = [x.copy() for x in inputs]
    progress_calls = []
    out = method.run(*inputs, progress=lambda f, m="": progress_calls.append(f))
    assert out.image.shape == clean.shape
    assert out.image.dtype == np.float32
    assert np.all(np.isfinite(out.image)) and out.image.min() >= 0 and out.image.max() <= 1
    for before, after in zip(frozen, inputs):
        assert np.array_equal(before, after), "the method modified its input"
    assert not np.array_equal(out.image, inputs[0]), "the method returned its input unchanged"
