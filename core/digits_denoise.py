"""PCA versus kernel-PCA denoising of small digit images (scikit-learn's bundled 8×8 digits).

The book uses MNIST from a Kaggle CSV; the bundled `load_digits` set is the offline stand-in.
Pixels are divided by 16 (their maximum), never scaled per column, so images keep their shape.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

FIT_ON = ("noisy", "clean")
DIGIT_SIDE = 8


@dataclass(frozen=True)
class DigitsDenoiseResult:
    """Test digits as (n, 8, 8) float arrays in [0, 1], their labels, and the mean squared errors."""

    clean: np.ndarray
    noisy: np.ndarray
    pca: np.ndarray
    kpca: np.ndarray
    labels: np.ndarray
    eigen_digits: np.ndarray  # the leading PCA components, (k, 8, 8), each scaled to [0, 1] for display
    mse: dict[str, float]  # noisy, pca, kpca against the clean digits, on the unclipped vectors
    n_train: int
    kpca_components: int  # after capping to the training size

    @property
    def mse_noisy(self) -> float:
        return self.mse["noisy"]

    @property
    def mse_pca(self) -> float:
        return self.mse["pca"]

    @property
    def mse_kpca(self) -> float:
        return self.mse["kpca"]


def _as_images(rows: np.ndarray) -> np.ndarray:
    return np.clip(rows, 0.0, 1.0).reshape(-1, DIGIT_SIDE, DIGIT_SIDE).astype(np.float32)


def _display_components(components: np.ndarray, count: int = 16) -> np.ndarray:
    shown = components[:count]
    low = shown.min(axis=1, keepdims=True)
    span = shown.max(axis=1, keepdims=True) - low
    return ((shown - low) / np.where(span > 0, span, 1.0)).reshape(-1, DIGIT_SIDE, DIGIT_SIDE).astype(np.float32)


def pca_vs_kernel_pca(*, noise_sigma: float = 0.25, pca_components: int = 30, kpca_components: int = 400,
                      kpca_gamma: float = 1e-3, kpca_alpha: float = 5e-3, fit_on: str = "noisy",
                      train_size: int = 1000, test_size: int = 100, seed: int = 0) -> DigitsDenoiseResult:
    """Add Gaussian noise to the digits, then reconstruct the test set with PCA and with RBF kernel PCA.

    Defaults follow the book: a stratified split of 1000 training and 100 test digits, noise σ 0.25,
    PCA with 30 components, KernelPCA with 400 components, γ = 1e-3 and a ridge pre-image map with α = 5e-3.
    `fit_on="noisy"` learns both bases from noisy training digits (the book's code); "clean" uses clean ones.
    The models see the unclipped noisy vectors (the additive Gaussian model) and the MSEs are computed on
    them, as in the book; the returned image arrays are clipped to [0, 1] for display. Seeded throughout.
    """
    from sklearn.datasets import load_digits
    from sklearn.decomposition import PCA, KernelPCA
    from sklearn.model_selection import train_test_split
    from threadpoolctl import threadpool_limits

    if fit_on not in FIT_ON:
        raise ValueError(f"Choose to fit the bases on {' or '.join(FIT_ON)} training digits.")
    if noise_sigma < 0:
        raise ValueError("The noise σ cannot be negative.")
    if train_size < 2 or test_size < 1:
        raise ValueError("The split needs at least 2 training digits and 1 test digit.")
    if kpca_gamma <= 0 or kpca_alpha <= 0:
        raise ValueError("The kernel γ and the ridge α must be positive.")
    digits = load_digits()
    if train_size + test_size > len(digits.target):
        raise ValueError(f"The digits set has only {len(digits.target)} images; reduce the split sizes.")
    if not 1 <= pca_components <= min(train_size, digits.data.shape[1]):
        raise ValueError(f"PCA needs between 1 and {min(train_size, digits.data.shape[1])} components.")
    if kpca_components < 1:
        raise ValueError("Kernel PCA needs at least one component.")
    data = digits.data / 16.0
    train, test, _, test_labels = train_test_split(data, digits.target, train_size=train_size,
                                                   test_size=test_size, stratify=digits.target, random_state=seed)
    rng = np.random.default_rng(seed)
    train_noisy = train + rng.normal(0.0, noise_sigma, train.shape)
    test_noisy = test + rng.normal(0.0, noise_sigma, test.shape)
    basis_data = train_noisy if fit_on == "noisy" else train

    kpca_components = int(min(kpca_components, train_size))
    # a multi-threaded BLAS is 20-40× slower here on a busy 2-core host; one thread is plenty for 1000 digits
    with threadpool_limits(limits=1, user_api="blas"):
        pca = PCA(n_components=int(pca_components), random_state=seed).fit(basis_data)
        pca_rows = pca.inverse_transform(pca.transform(test_noisy))
        kpca = KernelPCA(n_components=kpca_components, kernel="rbf", gamma=kpca_gamma, fit_inverse_transform=True,
                         alpha=kpca_alpha, eigen_solver="dense").fit(basis_data)
        kpca_rows = kpca.inverse_transform(kpca.transform(test_noisy))

    rows = {"noisy": test_noisy, "pca": pca_rows, "kpca": kpca_rows}
    errors = {name: float(np.mean((values - test) ** 2)) for name, values in rows.items()}
    return DigitsDenoiseResult(clean=_as_images(test), noisy=_as_images(test_noisy), pca=_as_images(pca_rows),
                               kpca=_as_images(kpca_rows),
                               labels=np.asarray(test_labels, dtype=np.int32),
                               eigen_digits=_display_components(pca.components_), mse=errors,
                               n_train=int(train_size), kpca_components=kpca_components)
