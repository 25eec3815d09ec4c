"""The classify task: data sets (IDX files the test writes, the bundled MNIST, zips of class folders and their
guards), the classifiers' accuracy on the digits, the CNN's training loop, the drawing preprocessing."""
import io
import os
import time
import zipfile

import numpy as np
import pytest

from core.classify import datasets
from core.classify.datasets import IDX_IMAGES, IDX_LABELS, read_idx, write_idx
from core.registry import CLASSIFY, get_method, methods_for


@pytest.fixture(scope="module")
def digits():
    return datasets.digits()


# -- IDX files ------------------------------------------------------------------------------------------------

def test_idx_round_trip_gzipped_and_raw(tmp_path):
    images = np.random.default_rng(0).integers(0, 256, (7, 28, 28), dtype=np.uint8)
    labels = np.arange(7, dtype=np.uint8)
    (tmp_path / "i.gz").write_bytes(write_idx(images))
    (tmp_path / "l").write_bytes(write_idx(labels, compress=False))
    assert np.array_equal(read_idx(tmp_path / "i.gz", expect=IDX_IMAGES), images)
    assert np.array_equal(read_idx(tmp_path / "l", expect=IDX_LABELS), labels)
    raw = (tmp_path / "l").read_bytes()
    assert raw[:4] == b"\x00\x00\x08\x01" and int.from_bytes(raw[4:8], "big") == 7 and len(raw) == 8 + 7


def test_idx_refuses_wrong_magic_sizes_and_damage():
    images = write_idx(np.zeros((3, 4, 4), np.uint8), compress=False)
    with pytest.raises(ValueError, match="not 0x00000801"):
        read_idx(images, expect=IDX_LABELS)
    with pytest.raises(ValueError, match="need 48 bytes"):
        read_idx(images[:-1])
    with pytest.raises(ValueError, match="Not an IDX"):
        read_idx(b"\x00\x00\x0d\x03" + images[4:])  # 0x0d: float data
    with pytest.raises(ValueError, match="too short"):
        read_idx(b"\x00\x00")
    with pytest.raises(ValueError, match="damaged gzip"):
        read_idx(write_idx(np.zeros(5, np.uint8))[:-6])


def test_fashion_mnist_reads_idx_files_in_label_order(tmp_path):
    rng = np.random.default_rng(1)
    for kind, n in (("train", 30), ("t10k", 10)):
        (tmp_path / f"{kind}-images-idx3-ubyte.gz").write_bytes(write_idx(rng.integers(0, 256, (n, 28, 28))))
        (tmp_path / f"{kind}-labels-idx1-ubyte.gz").write_bytes(write_idx(np.arange(n) % 10))
    data = datasets.fashion_mnist(tmp_path)
    assert data.x_train.shape == (30, 28, 28) and data.x_test.shape == (10, 28, 28)
    assert data.x_train.dtype == np.float32 and 0 <= data.x_train.min() and data.x_train.max() <= 1
    assert data.class_names[0] == "T-shirt/top" and data.class_names[6] == "Shirt" and data.class_names[9] == \
        "Ankle boot"
    assert list(data.y_test) == list(range(10))


def test_missing_fashion_mnist_says_how_to_get_it(tmp_path):
    with pytest.raises(datasets.DatasetUnavailable, match="apt-get install dataset-fashion-mnist"):
        datasets.fashion_mnist(tmp_path)


def test_bundled_mnist_is_real_digits():
    data = datasets.mnist()
    assert data.x_train.shape == (4000, 28, 28) and data.x_test.shape == (1000, 28, 28)
    assert np.all(np.bincount(data.y_test) == 100)
    assert os.path.getsize(datasets.MNIST_FILE) < 2 * 2 ** 20
    out = get_method(CLASSIFY, "knn").run(data.x_train, data.y_train, data.x_test)
    assert CLASSIFY.score(data.y_test, out, {})["accuracy"] >= 0.9


def test_subsample_is_stratified_and_seeded(digits):
    small = datasets.subsample(digits, 200, seed=3)
    again = datasets.subsample(digits, 200, seed=3)
    assert len(small.y_train) == 200 and np.array_equal(small.x_train, again.x_train)
    assert np.bincount(small.y_train).min() >= 18 and np.array_equal(small.y_test, digits.y_test)
    assert datasets.subsample(digits, 0) is digits


# -- the classifiers ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("key, bar", [("naive_bayes", 0.85), ("sgd", 0.88), ("random_forest", 0.95), ("knn", 0.95),
                                      ("svm", 0.97), ("logistic", 0.94)])
def test_classifiers_on_digits(digits, key, bar):
    method = get_method(CLASSIFY, key)
    start = time.perf_counter()
    out = method.run(digits.x_train, digits.y_train, digits.x_test)
    seconds = time.perf_counter() - start
    scores = CLASSIFY.score(digits.y_test, out, {})
    assert scores["accuracy"] >= bar and scores["f1_macro"] >= bar - 0.02, scores
    assert out.image.shape == (len(digits.y_test), 10) and np.allclose(out.image.sum(axis=1), 1, atol=1e-4)
    assert seconds < 3.0  # the target is 1.5 s on an idle 2-core machine
    assert scores["fit_seconds"] > 0 and scores["predict_seconds"] > 0
    new = out.extras["model"].predict_proba(digits.x_test[:3])
    assert np.allclose(new, out.image[:3], atol=1e-5)
    with pytest.raises(ValueError, match="trained on 8×8"):
        out.extras["model"].predict_proba(np.zeros((1, 28, 28), np.float32))


def test_sgd_is_seeded(digits):
    sgd = get_method(CLASSIFY, "sgd")
    a, b = (sgd.run(digits.x_train, digits.y_train, digits.x_test, params={"seed": 5}) for _ in range(2))
    assert np.array_equal(a.image, b.image)


def test_naive_bayes_smoothing_is_relative_to_the_largest_variance(digits):
    out = get_method(CLASSIFY, "naive_bayes").run(digits.x_train, digits.y_train, digits.x_test,
                                                  params={"var_smoothing": 0.5})
    largest = digits.x_train.reshape(len(digits.x_train), -1).var(axis=0).max()
    assert out.extras["variance_images"].min() >= 0.5 * largest * 0.999


def test_empty_and_single_class_sets_are_refused(digits):
    method = get_method(CLASSIFY, "random_forest")
    with pytest.raises(ValueError, match="training set is empty"):
        method.run(np.zeros((0, 8, 8), np.float32), np.zeros(0, int), digits.x_test)
    with pytest.raises(ValueError, match="single class"):
        method.run(digits.x_train[:20], np.zeros(20, int), digits.x_test)
    with pytest.raises(ValueError, match="test set is empty"):
        method.run(digits.x_train, digits.y_train, np.zeros((0, 8, 8), np.float32))


def test_every_method_is_registered_and_tensorflow_stays_unloaded():
    import subprocess
    import sys

    code = ("import sys\nfrom core.registry import methods_for\nkeys = [m.key for m in methods_for('classify')]\n"
            "print(keys, 'tensorflow' in sys.modules or 'keras' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
    assert done.stdout.strip() == ("['naive_bayes', 'sgd', 'random_forest', 'knn', 'svm', 'logistic', 'cnn'] False")
    assert [m.key for m in methods_for(CLASSIFY) if m.slow] == ["cnn"]


# -- the CNN -----------------------------------------------------------------------------------------------------

def test_cnn_learns_digits_and_stops_on_request(digits):
    from core.classify import cnn

    settings = cnn.CnnTraining(epochs=4, batch=64, learning_rate=3e-3, seed=0)
    records = []
    trained = cnn.train_cnn(settings, digits.x_train, digits.y_train, progress=records.append)
    epochs = [r for r in records if r["kind"] == "epoch"]
    assert trained.epochs_done == 4 and len(epochs) == 4
    assert {"loss", "accuracy", "val_loss", "val_accuracy"} <= set(epochs[-1])
    assert epochs[-1]["loss"] < epochs[0]["loss"]
    cnn.remember(settings, digits.x_train, digits.y_train, trained)
    out = get_method(CLASSIFY, "cnn").run(digits.x_train, digits.y_train, digits.x_test,
                                          params={"epochs": 4, "learning_rate": 3e-3})
    assert out.extras["fit_seconds"] == trained.seconds  # the kept network, not a second training
    accuracy = CLASSIFY.score(digits.y_test, out, {})["accuracy"]
    assert accuracy >= 0.6, accuracy  # chance is 0.1
    stopped = cnn.train_cnn(settings, digits.x_train, digits.y_train, should_stop=lambda: True)
    assert stopped.model is None and stopped.stopped and stopped.epochs_done == 0
    assert cnn.build_cnn((28, 28), 10, "book").count_params() == 1_789_578


# -- zips of class folders, and their guards -----------------------------------------------------------------------

def _folders(sizes=((16, 16),), per_class=6, classes=("a", "b")):
    rng = np.random.default_rng(0)
    return {name: [rng.random(sizes[i % len(sizes)]).astype(np.float32) for i in range(per_class)]
            for name in classes}


def test_zip_of_mixed_sizes_is_resized_with_a_note():
    data = datasets.load_class_zip(datasets.make_class_zip(_folders(sizes=((16, 16), (20, 24)))))
    assert data.image_shape == (16, 16) and data.class_names == ("a", "b")
    assert any("resized to 16×16" in note for note in data.notes)
    assert len(data.y_train) + len(data.y_test) == 12


def test_zip_with_one_class_or_none_is_refused():
    with pytest.raises(ValueError, match="single class"):
        datasets.load_class_zip(datasets.make_class_zip(_folders(classes=("only",))))
    with pytest.raises(ValueError, match="zip is empty"):
        datasets.load_class_zip(datasets.make_class_zip({}))


def test_corrupt_zip_is_refused():
    good = datasets.make_class_zip(_folders())
    with pytest.raises(ValueError, match="not a zip archive"):
        datasets.load_class_zip(good[: len(good) // 2] + b"garbage")
    with pytest.raises(ValueError, match="not a zip archive"):
        datasets.load_class_zip(b"PK\x03\x04 not really")


@pytest.mark.parametrize("name", ["../evil/x.png", "/etc/evil/x.png", "a/../../x.png"])
def test_zip_escaping_its_folder_is_refused_and_writes_nothing(tmp_path, monkeypatch, name):
    monkeypatch.chdir(tmp_path)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for folder, images in _folders().items():
            for i, _ in enumerate(images):
                archive.writestr(f"{folder}/{i}.png", datasets.make_class_zip({}))  # contents never matter
        archive.writestr(name, b"\x89PNG\r\n\x1a\n")
    before = sorted(p.name for p in tmp_path.parent.iterdir())
    with pytest.raises(ValueError, match="leads outside"):
        datasets.load_class_zip(buffer.getvalue())
    assert list(tmp_path.iterdir()) == [] and sorted(p.name for p in tmp_path.parent.iterdir()) == before


def test_zip_bomb_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("a/0.png", b"\0" * (64 * 2 ** 20))
        archive.writestr("b/0.png", b"\0" * 10)
    assert len(buffer.getvalue()) < 2 ** 20
    with pytest.raises(ValueError, match="zip bomb"):
        datasets.load_class_zip(buffer.getvalue())


def test_zip_with_too_many_entries_is_refused(monkeypatch):
    monkeypatch.setattr(datasets, "MAX_ZIP_ENTRIES", 5)
    with pytest.raises(ValueError, match="more than the 5 accepted"):
        datasets.load_class_zip(datasets.make_class_zip(_folders()))


# -- the drawing ---------------------------------------------------------------------------------------------------

def test_drawing_is_cropped_scaled_centred_and_inverted_as_needed():
    from core.classify.drawing import ink, prepare

    rgba = np.zeros((240, 240, 4), np.uint8)
    rgba[20:120, 10:30, :3] = 255  # a bar in the top-left corner
    drawing = ink(rgba)
    assert ink(np.zeros((240, 240, 4), np.uint8)) is None
    image = prepare(drawing, (28, 28), fill=20 / 28, centre="mass")
    rows, cols = np.nonzero(image > 0.5)
    assert rows.max() - rows.min() + 1 == 20 and abs((rows.mean() + 0.5) - 14) <= 1 and abs((cols.mean() + .5) - 14) <= 1
    light = prepare(drawing, (8, 8), dark_background=False)
    assert light[0, 0] == 1.0 and light.min() < 0.1


# -- the bench ------------------------------------------------------------------------------------------------------

def test_bench_runs_a_dataset_and_names_it_in_every_record(tmp_path, capsys):
    import json

    from bench.cli import main

    out = tmp_path / "records.json"
    assert main(["classify", "--dataset", "mnist", "--train-size", "500", "--methods", "naive_bayes,knn",
                 "--repeat", "1", "--json", str(out), "-q"]) == 0
    records = json.loads(out.read_text())
    assert [r["method"] for r in records] == ["naive_bayes", "knn"]
    for record in records:
        assert record["dataset"] == "mnist" and record["setting"]["train_size"] == 500
        assert {"params", "accuracy", "f1_macro", "fit_seconds", "predict_seconds"} <= set(record)
    assert records[1]["accuracy"] >= 0.8
    with pytest.raises(SystemExit):
        main(["classify", "--dataset", str(tmp_path / "missing.zip")])
    assert "no such zip file" in capsys.readouterr().err
