"""Training data for the autoencoders, plain numpy: image patches from the bundled gallery and
scikit-learn's bundled 8×8 digits. Everything is seeded."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.gallery import load_sample
from core.image import fit_size, to_gray

# Bundled images the convolutional autoencoder learns from; "camera" is held out as the test image.
TRAINING_IMAGES = ("astronaut", "chelsea", "coffee", "coins", "moon", "brick", "page", "text")


def training_pool(names: tuple[str, ...] = TRAINING_IMAGES, *, max_side: int = 256) -> list[np.ndarray]:
    """The gray training images at a moderate size (so patches hold structure, not just flat areas)."""
    if not names:
        raise ValueError("Choose at least one training image.")
    return [fit_size(to_gray(load_sample(name)), max_side)[0] for name in names]


def sample_patches(pool: list[np.ndarray], count: int, size: int, rng: np.random.Generator) -> np.ndarray:
    """`count` random size×size patches (random image, position and flip/rotation): (count, size, size, 1)."""
    if size < 8:
        raise ValueError("Patches must be at least 8 pixels wide.")
    usable = [image for image in pool if min(image.shape) >= size]
    if not usable:
        raise ValueError(f"No training image is at least {size}×{size} pixels.")
    out = np.empty((count, size, size, 1), np.float32)
    for i in range(count):
        image = usable[rng.integers(len(usable))]
        y = rng.integers(image.shape[0] - size + 1)
        x = rng.integers(image.shape[1] - size + 1)
        patch = np.rot90(image[y:y + size, x:x + size], k=int(rng.integers(4)))
        out[i, ..., 0] = patch[:, ::-1] if rng.integers(2) else patch
    return out


def add_gaussian_noise(clean: np.ndarray, sigma: float | tuple[float, float], rng: np.random.Generator) -> np.ndarray:
    """Clipped Gaussian noise; `sigma` as a pair draws one σ per sample uniformly in that range (blind)."""
    if isinstance(sigma, tuple):
        sigmas = rng.uniform(sigma[0], sigma[1], size=(len(clean),) + (1,) * (clean.ndim - 1))
    else:
        sigmas = sigma
    return np.clip(clean + rng.normal(0.0, 1.0, clean.shape) * sigmas, 0.0, 1.0).astype(np.float32)


@dataclass(frozen=True)
class Digits:
    train: np.ndarray  # (N, 64) in [0, 1]
    test: np.ndarray


def load_digits_split(*, test_size: int = 300, seed: int = 0) -> Digits:
    """scikit-learn's bundled 8×8 digits (1797 images, 0–16) scaled to [0, 1] and split at random."""
    from sklearn.datasets import load_digits

    x = (load_digits().data / 16.0).astype(np.float32)
    order = np.random.default_rng(seed).permutation(len(x))
    return Digits(train=x[order[test_size:]], test=x[order[:test_size]])
