"""Autoencoder outliers on scikit-learn's digits: the injected corruptions rank first."""
import numpy as np
import pytest

from core.outliers import detection_scores, load_digit_samples, threshold_at
from core.registry import methods_for


@pytest.fixture(scope="module")
def data():
    return load_digit_samples(n_corrupted=30, kinds=("noise", "inverted"), seed=0)


def test_digits_are_scaled_and_corruptions_are_marked(data):
    assert data.samples.shape == (1797 + 30, 64) and data.samples.dtype == np.float32
    assert data.samples.min() >= 0 and data.samples.max() <= 1
    assert data.injected.sum() == 30 and (data.labels[data.injected] == -1).all()
    assert not data.injected[-30:].all()  # shuffled in, not appended


def test_autoencoder_ranks_the_corrupted_digits_first(data):
    method = next(m for m in methods_for("outliers") if m.key == "autoencoder")
    frozen = data.samples.copy()
    calls = []
    out = method.run(data.samples, params={"epochs": 25}, progress=lambda f, m="": calls.append(f))
    errors = out.image
    assert errors.shape == (len(data.samples),) and np.all(errors >= 0)
    scores = detection_scores(errors, data.injected, top_k=30)
    assert scores["roc_auc"] > 0.95, scores
    assert scores["precision_at_k"] >= 0.5, scores
    clean_error = errors[~data.injected].mean()
    assert clean_error < 0.03  # it learned to copy ordinary digits (mean is 0.073 for the mean image)
    loss = out.extras["training loss"]
    assert loss[-1] < loss[0] / 2
    assert out.extras["reconstruction"].shape == data.samples.shape
    codes = out.extras["codes"]
    assert codes.shape == (len(data.samples), method.param("bottleneck").default)
    from sklearn.neighbors import KNeighborsClassifier  # the codes keep the digit identity

    clean = ~data.injected
    knn = KNeighborsClassifier(5).fit(codes[clean][::2], data.labels[clean][::2])
    assert knn.score(codes[clean][1::2], data.labels[clean][1::2]) > 0.8
    assert np.array_equal(frozen, data.samples)
    assert calls[-1] == pytest.approx(1.0)


def test_autoencoder_is_seeded(data):
    method = next(m for m in methods_for("outliers") if m.key == "autoencoder")
    a = method.run(data.samples[:300], params={"epochs": 5, "seed": 3}).image
    b = method.run(data.samples[:300], params={"epochs": 5, "seed": 3}).image
    assert np.array_equal(a, b)


def test_pca_baseline_runs_and_detects(data):
    out = next(m for m in methods_for("outliers") if m.key == "pca_recon").run(data.samples)
    assert detection_scores(out.image, data.injected)["roc_auc"] > 0.8


def test_threshold_and_bad_inputs():
    errors = np.arange(100, dtype=np.float32)
    assert threshold_at(errors, 90) == pytest.approx(89.1)
    with pytest.raises(ValueError):
        threshold_at(errors, 100)
    with pytest.raises(ValueError, match="corrupted"):
        load_digit_samples(n_corrupted=-1)
    with pytest.raises(ValueError, match="at least 10 samples"):
        methods_for("outliers")[0].run(np.zeros((3, 64), np.float32))
    assert detection_scores(errors, np.zeros(100, bool)) == {}


def test_the_outlier_tasks_score_ranks_the_corrupted_samples(data):
    from core.registry import OUTLIERS
    from core.tasks.protocol import Output

    errors = data.injected.astype(np.float32) + 0.01  # a perfect detector
    assert OUTLIERS.score(data.injected, Output(errors), {}) == {"roc_auc": 1.0, "precision_top20": 1.0}
    assert OUTLIERS.score(None, Output(errors), {}) == {}
