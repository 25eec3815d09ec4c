"""Outlier detection with an autoencoder (book §4.7), on scikit-learn's bundled 8×8 digits.

The book trains an H2O autoencoder (784-64-32-64-784, tanh) on MNIST, which needs a download and a
Java server. Here a scikit-learn MLPRegressor learns X -> X through a narrow bottleneck; samples it
reconstructs badly (high per-image MSE) are the outliers. A PCA reconstruction is the linear baseline.
Optionally, corrupted digits are mixed in with known indices, so detection can be scored (ROC AUC,
precision among the top k), which the book cannot do.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Callable

import numpy as np

from core.registry import OUTLIERS, Output, Param, method

Progress = Callable[[float, str], None] | None
CORRUPTIONS = ("noise", "inverted", "blank", "shifted")


@dataclass
class DigitSet:
    samples: np.ndarray  # (N, 64) float32 in [0, 1]
    labels: np.ndarray  # (N,) int digit, -1 for injected corruptions
    injected: np.ndarray  # (N,) bool: True for the corrupted samples mixed in


def load_digit_samples(*, n_corrupted: int = 0, kinds: tuple[str, ...] = CORRUPTIONS, seed: int = 0) -> DigitSet:
    """scikit-learn's 1797 digits scaled to [0, 1], plus `n_corrupted` corrupted copies of random digits."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    samples = (digits.data / 16.0).astype(np.float32)
    labels = digits.target.astype(np.int64)
    if n_corrupted < 0 or n_corrupted > len(samples):
        raise ValueError(f"The number of corrupted digits must be between 0 and {len(samples)}.")
    if n_corrupted and not kinds:
        raise ValueError("Choose at least one kind of corruption.")
    unknown = set(kinds) - set(CORRUPTIONS)
    if unknown:
        raise ValueError(f"Unknown corruption {sorted(unknown)[0]!r}; choose from {', '.join(CORRUPTIONS)}.")
    rng = np.random.default_rng(seed)
    bad = []
    for i in range(n_corrupted):
        kind = kinds[i % len(kinds)]
        image = samples[rng.integers(len(samples))].reshape(8, 8)
        if kind == "noise":
            image = rng.random((8, 8)).astype(np.float32)
        elif kind == "inverted":
            image = 1.0 - image
        elif kind == "blank":
            image = np.clip(np.full((8, 8), 0.5) + rng.normal(0, 0.05, (8, 8)), 0, 1)
        else:  # shifted: the digit moved 3 pixels with wrap-around
            image = np.roll(image, (3, 3), axis=(0, 1))
        bad.append(image.ravel().astype(np.float32))
    if bad:
        samples = np.concatenate([samples, np.stack(bad)])
        labels = np.concatenate([labels, -np.ones(len(bad), np.int64)])
    injected = labels < 0
    order = rng.permutation(len(samples))  # so the corrupted ones are not all at the end
    return DigitSet(samples[order], labels[order], injected[order])


def _samples(samples: np.ndarray) -> np.ndarray:
    samples = np.asarray(samples, dtype=np.float32)
    if samples.ndim != 2 or len(samples) < 10:
        raise ValueError("Outlier detection needs a table of at least 10 samples (rows) of features.")
    return samples


def per_sample_mse(samples: np.ndarray, reconstruction: np.ndarray) -> np.ndarray:
    return np.mean((np.asarray(samples, np.float64) - reconstruction) ** 2, axis=1).astype(np.float32)


@method(task=OUTLIERS, key="autoencoder", label="MLP autoencoder", book="4.7", slow=True,
        params=[Param("bottleneck", "Bottleneck size", 12, min=2, max=32,
                      help="Width of the code layer; smaller forces a coarser summary of each digit."),
                Param("hidden", "Hidden layer size", 48, min=8, max=128, step=8,
                      help="Width of the layers either side of the bottleneck."),
                Param("activation", "Activation", "tanh", choices=("tanh", "relu", "logistic")),
                Param("epochs", "Epochs", 40, min=5, max=300, step=5),
                Param("alpha", "L2 penalty", 1e-4, min=1e-6, max=1e-1, log=True),
                Param("seed", "Seed", 0, min=0, max=99)],
        summary="A dense network trained to copy each digit through a narrow bottleneck (scikit-learn MLP).",
        explanation="The encoder squeezes the 64 pixels into a short code and the decoder rebuilds the image. "
                    "Trained on all digits, it learns what typical digits look like, so unusual samples come "
                    "back blurred or wrong and get a high reconstruction error. Architecture "
                    "64-h-b-h-64 (the book: 784-64-32-64-784 with tanh on MNIST).",
        latex=r"\hat x = g(f(x)),\qquad e(x)=\tfrac{1}{D}\sum_{j=1}^{D}(x_j-\hat x_j)^2")
def autoencoder(samples, *, bottleneck=12, hidden=48, activation="tanh", epochs=40, alpha=1e-4, seed=0,
                progress: Progress = None):
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPRegressor

    samples = _samples(samples)
    model = MLPRegressor(hidden_layer_sizes=(hidden, bottleneck, hidden), activation=activation, alpha=alpha,
                         learning_rate_init=3e-3, batch_size=128, random_state=seed, shuffle=False)
    rng = np.random.default_rng(seed)
    losses = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for epoch in range(int(epochs)):
            shuffled = samples[rng.permutation(len(samples))]
            model.partial_fit(shuffled, shuffled)
            losses.append(float(model.loss_))
            if progress is not None and (epoch % 10 == 9 or epoch == epochs - 1):
                progress((epoch + 1) / epochs, f"epoch {epoch + 1} of {epochs}")
    reconstruction = np.clip(model.predict(samples), 0, 1).astype(np.float32)
    errors = per_sample_mse(samples, reconstruction)
    return Output(errors, {"reconstruction": reconstruction, "training loss": np.asarray(losses, np.float32),
                           "codes": bottleneck_codes(model, samples)})


def bottleneck_codes(model, samples: np.ndarray) -> np.ndarray:
    """The encoder's output (the bottleneck layer) of a fitted MLP autoencoder, (N, bottleneck) float32."""
    functions = {"tanh": np.tanh, "relu": lambda x: np.maximum(x, 0), "logistic": lambda x: 1 / (1 + np.exp(-x)),
                 "identity": lambda x: x}
    activation = functions[model.activation]
    hidden = np.asarray(samples, np.float64)
    for weights, bias in list(zip(model.coefs_, model.intercepts_))[:2]:  # input -> hidden -> bottleneck
        hidden = activation(hidden @ weights + bias)
    return hidden.astype(np.float32)


@method(task=OUTLIERS, key="pca_recon", label="PCA reconstruction (linear baseline)", book="4.7",
        params=[Param("components", "Components", 12, min=1, max=48,
                      help="Number of principal components kept.")],
        summary="Project on the leading principal components and back: a linear autoencoder.",
        explanation="PCA is the best *linear* autoencoder: with tied weights and no activation, a network with a "
                    "bottleneck of k units learns the span of the first k principal components. It is the "
                    "baseline the nonlinear network has to beat.",
        latex=r"\hat x=\mu+W_kW_k^{\top}(x-\mu)")
def pca(samples, *, components=12):
    from sklearn.decomposition import PCA

    from threadpoolctl import threadpool_limits

    samples = _samples(samples)
    components = min(int(components), samples.shape[1], len(samples))
    with threadpool_limits(1):  # a 64-column SVD gains nothing from threads, and busy cores make them crawl
        model = PCA(n_components=components, svd_solver="full").fit(samples)
        reconstruction = np.clip(model.inverse_transform(model.transform(samples)), 0, 1).astype(np.float32)
    return Output(per_sample_mse(samples, reconstruction), {"reconstruction": reconstruction})


def detection_scores(errors: np.ndarray, injected: np.ndarray, *, top_k: int = 20) -> dict[str, float]:
    """How well the errors rank the injected corruptions first: ROC AUC and precision among the top k."""
    from sklearn.metrics import roc_auc_score

    errors, injected = np.asarray(errors), np.asarray(injected, bool)
    if injected.all() or not injected.any():
        return {}
    top = np.argsort(errors)[::-1][:top_k]
    return {"roc_auc": float(roc_auc_score(injected, errors)),
            "precision_at_k": float(injected[top].mean()),
            "recall_at_k": float(injected[top].sum() / injected.sum())}


def threshold_at(errors: np.ndarray, percentile: float) -> float:
    """The error above which a sample is flagged, as a percentile of all errors."""
    if not 0 < percentile < 100:
        raise ValueError("The percentile must be between 0 and 100.")
    return float(np.percentile(errors, percentile))
