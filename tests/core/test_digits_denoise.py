"""PCA versus kernel-PCA denoising of the bundled digits."""
from __future__ import annotations

import numpy as np
import pytest

from core.digits_denoise import pca_vs_kernel_pca


@pytest.fixture(scope="module")
def book_setup():
    return pca_vs_kernel_pca()


def test_shapes_and_ranges(book_setup):
    result = book_setup
    for images in (result.clean, result.noisy, result.pca, result.kpca):
        assert images.shape == (100, 8, 8) and images.dtype == np.float32
        assert images.min() >= 0.0 and images.max() <= 1.0
    assert result.labels.shape == (100,)
    assert np.bincount(result.labels).min() >= 9  # stratified: every digit is in the test set
    assert result.eigen_digits.shape == (16, 8, 8)
    assert result.clean.max() == 1.0  # divided by 16, the data's maximum


def test_both_reconstructions_beat_the_noisy_digits(book_setup):
    mse = book_setup.mse
    assert set(mse) == {"noisy", "pca", "kpca"}
    assert (book_setup.mse_noisy, book_setup.mse_pca, book_setup.mse_kpca) == (mse["noisy"], mse["pca"], mse["kpca"])
    assert mse["pca"] < 0.7 * mse["noisy"]
    assert mse["kpca"] < mse["noisy"]
    assert mse["pca"] < mse["kpca"]  # the book's observation: PCA wins on MSE


def test_seeded_and_reproducible(book_setup):
    again = pca_vs_kernel_pca()
    np.testing.assert_array_equal(again.noisy, book_setup.noisy)
    np.testing.assert_array_equal(again.kpca, book_setup.kpca)
    other = pca_vs_kernel_pca(seed=1, train_size=300, test_size=50)
    assert other.noisy.shape == (50, 8, 8)


def test_fit_on_clean_training_digits():
    result = pca_vs_kernel_pca(fit_on="clean", train_size=300, test_size=50)
    assert result.mse["pca"] < result.mse["noisy"]
    assert result.kpca_components == 300  # 400 capped to the training size


def test_no_noise_means_no_error():
    result = pca_vs_kernel_pca(noise_sigma=0.0, train_size=200, test_size=20, pca_components=60)
    assert result.mse["noisy"] == 0.0
    assert result.mse["pca"] < 1e-6  # 60 of 64 components: some pixels are always blank


@pytest.mark.parametrize("options", [
    {"fit_on": "both"}, {"noise_sigma": -0.1}, {"pca_components": 0}, {"train_size": 1700, "test_size": 200},
    {"kpca_gamma": 0.0},
])
def test_bad_options_raise_value_error(options):
    with pytest.raises(ValueError):
        pca_vs_kernel_pca(**options)
