"""core.learned: patch sampling, the two autoencoders (tiny, seeded training runs with a quality bar),
stopping, the background job, and loading a user's .keras model with every kind of bad file."""
import threading

import numpy as np
import pytest

from core.degrade import add_noise
from core.gallery import load_sample
from core.learned.data import add_gaussian_noise, load_digits_split, sample_patches, training_pool
from core.learned.loading import check_restoration_model, denoise_with_model, load_keras_model
from core.learned.models import RedNetConfig, SparseConfig, build_red_net
from core.learned.training import DenoiserTraining, SparseTraining, TrainingJob, train_denoiser, train_sparse
from core.metrics import psnr

keras = pytest.importorskip("keras")

TINY = DenoiserTraining(RedNetConfig(depth=4, filters=16), images=("astronaut", "coins", "moon"), patch=24,
                        batch=8, epochs=3, steps_per_epoch=15, learning_rate=3e-3, validation=16, seed=1)


@pytest.fixture(scope="module")
def trained():
    return train_denoiser(TINY)


@pytest.fixture(scope="module")
def camera_crop():
    clean = load_sample("camera")[100:228, 180:308]
    return clean, add_noise(clean, level=25 / 255, seed=0)


def test_patches_are_seeded_shaped_and_in_range():
    pool = training_pool(("coins", "moon"))
    a = sample_patches(pool, 10, 16, np.random.default_rng(3))
    b = sample_patches(pool, 10, 16, np.random.default_rng(3))
    assert a.shape == (10, 16, 16, 1) and a.dtype == np.float32
    np.testing.assert_array_equal(a, b)
    assert 0 <= a.min() and a.max() <= 1
    noisy = add_gaussian_noise(a, (0.05, 0.2), np.random.default_rng(0))
    assert noisy.min() >= 0 and noisy.max() <= 1 and not np.array_equal(noisy, a)
    with pytest.raises(ValueError):
        sample_patches(pool, 1, 4096, np.random.default_rng(0))
    with pytest.raises(ValueError):
        training_pool(())


def test_red_net_keeps_the_size_and_starts_near_identity():
    model = build_red_net(RedNetConfig(depth=4, filters=8, channels=3))
    image = np.random.default_rng(0).random((1, 20, 28, 3)).astype(np.float32)
    assert model(image).shape == (1, 20, 28, 3)  # the output channels follow the input (not the book's 1)
    with pytest.raises(ValueError):
        build_red_net(RedNetConfig(depth=3))


def test_tiny_training_is_seeded_and_beats_the_noisy_input(trained, camera_crop):
    clean, noisy = camera_crop
    assert trained.epochs_done == 3 and not trained.stopped and trained.model is not None
    epochs = [h for h in trained.history if h["kind"] == "epoch"]
    assert len(epochs) == 3 and epochs[-1]["val_loss"] < epochs[0]["loss"]
    restored = denoise_with_model(trained.model, noisy)
    assert restored.shape == noisy.shape and restored.dtype == np.float32
    assert psnr(clean, restored) > psnr(clean, noisy) + 2.0  # a few seconds of training, a held-out image
    again = train_denoiser(TINY)
    assert again.history[0]["loss"] == pytest.approx(trained.history[0]["loss"], rel=1e-3)


def test_gray_model_runs_on_colour_channel_by_channel(trained):
    rgb = add_noise(load_sample("astronaut")[:64, :80], level=0.1, seed=0)
    out = denoise_with_model(trained.model, rgb)
    assert out.shape == rgb.shape and 0 <= out.min() and out.max() <= 1


def test_stopping_before_the_first_epoch_discards_the_model():
    calls = iter(range(1000))
    result = train_denoiser(TINY, should_stop=lambda: next(calls) >= 3)
    assert result.stopped and result.model is None and result.epochs_done == 0
    assert "nothing kept" in result.label


def test_stopping_after_an_epoch_keeps_a_labelled_partial_model():
    history = []
    result = train_denoiser(TINY, progress=history.append,
                            should_stop=lambda: any(h["kind"] == "epoch" for h in history))
    assert result.stopped and result.model is not None and result.epochs_done == 1
    assert "partially trained" in result.label and "1 of 3" in result.label


def test_background_job_reports_progress_and_stops_cleanly():
    settings = DenoiserTraining(RedNetConfig(depth=2, filters=4), images=("coins",), patch=16, batch=2, epochs=50,
                                steps_per_epoch=50, seed=2)
    job = TrainingJob(train_denoiser, settings)
    job.start()
    assert job.running
    started = threading.Event()
    for _ in range(600):
        if job.history:
            started.set()
            break
        job.wait(0.1)
    job.stop()
    assert job.wait(60)
    assert started.is_set() and job.status == "stopped" and job.result.stopped


def test_job_turns_bad_settings_into_a_message():
    job = TrainingJob(train_denoiser, DenoiserTraining(patch=4))
    job.start()
    job.wait(30)
    assert job.status == "failed" and "Patches" in job.error


def test_sparse_autoencoder_denoises_digits_with_sparse_codes():
    result = train_sparse(SparseTraining(SparseConfig(hidden=64, rho=0.05, beta=3.0), sigma=0.3, epochs=12, seed=0))
    extras = result.extras
    restored_mse = float(np.mean((extras["restored"] - extras["test_clean"]) ** 2))
    assert restored_mse < 0.6 * extras["noisy_mse"]  # measured: 0.021 against 0.051
    assert extras["filters"].shape == (64, 64)
    assert extras["mean_activation"] < 0.25  # pushed towards ρ = 0.05 (unconstrained sigmoids sit near 0.5)
    digits = load_digits_split()
    assert digits.train.shape[1] == 64 and 0 <= digits.train.min() and digits.train.max() <= 1


# --- your own model -----------------------------------------------------------------------------


def _save(model, tmp_path, name="model.keras") -> bytes:
    path = tmp_path / name
    model.save(path)
    return path.read_bytes()


def _conv_model(shape, out_channels=None):
    from keras import layers

    inputs = keras.Input(shape)
    outputs = layers.Conv2D(out_channels or shape[-1], 3, padding="same")(inputs)
    return keras.Model(inputs, outputs, name="user_denoiser")


def test_a_saved_model_loads_in_safe_mode_and_restores(trained, tmp_path, camera_crop):
    clean, noisy = camera_crop
    data = _save(trained.model, tmp_path)
    model, spec = load_keras_model(data, "mine.keras")
    assert (spec.channels, spec.height, spec.width) == (1, None, None)
    np.testing.assert_allclose(denoise_with_model(model, noisy, spec), denoise_with_model(trained.model, noisy),
                               atol=1e-5)


def test_fixed_size_rgb_model_runs_on_tiles(tmp_path):
    from keras import layers

    inputs = keras.Input((16, 16, 3))
    model = keras.Model(inputs, layers.Identity()(inputs), name="identity16")
    model, spec = load_keras_model(_save(model, tmp_path), "identity.keras")
    assert (spec.channels, spec.height, spec.width) == (3, 16, 16)
    image = load_sample("astronaut")[:40, :50]
    np.testing.assert_allclose(denoise_with_model(model, image, spec), image, atol=1e-6)  # 3×4 tiles, cropped back
    gray = image.mean(axis=2).astype(np.float32)
    np.testing.assert_allclose(denoise_with_model(model, gray, spec), gray, atol=1e-5)


@pytest.mark.parametrize("data,name,message", [
    (b"not a zip at all", "model.keras", "not a Keras model"),
    (b"PK\x03\x04garbage", "model.keras", "is damaged"),
    (b"\x89HDF\r\n\x1a\n", "weights.h5", "not a .keras file"),
])
def test_files_in_the_wrong_format_are_refused(data, name, message):
    with pytest.raises(ValueError, match=message):
        load_keras_model(data, name)


def test_a_model_with_the_wrong_channel_count_is_refused(tmp_path):
    with pytest.raises(ValueError, match="expects 4 channels"):
        load_keras_model(_save(_conv_model((None, None, 4)), tmp_path), "rgba.keras")
    with pytest.raises(ValueError, match="returns 2"):
        load_keras_model(_save(_conv_model((None, None, 1), out_channels=2), tmp_path), "two.keras")


def test_a_model_with_the_wrong_rank_is_refused(tmp_path):
    from keras import layers

    inputs = keras.Input((64,))
    dense = keras.Model(inputs, layers.Dense(64)(inputs))
    with pytest.raises(ValueError, match="4 dimensions"):
        load_keras_model(_save(dense, tmp_path), "dense.keras")


def test_a_model_that_changes_the_size_is_refused(tmp_path):
    from keras import layers

    inputs = keras.Input((32, 32, 1))
    model = keras.Model(inputs, layers.MaxPooling2D()(inputs))
    with pytest.raises(ValueError, match="keep the size"):
        check_restoration_model(model)


def test_safe_mode_refuses_a_lambda_layer(tmp_path):
    from keras import layers

    inputs = keras.Input((None, None, 1))
    model = keras.Model(inputs, layers.Lambda(lambda x: x * 0.5)(inputs))
    with pytest.raises(ValueError, match="safe mode"):
        load_keras_model(_save(model, tmp_path), "lambda.keras")


# -- the learned denoisers as methods of the denoise task ------------------------------------------------------

def test_a_network_trained_elsewhere_is_the_autoencoder_methods_for_its_settings(trained, camera_crop):
    """The page trains in a background job; the registered method then uses that network, without retraining."""
    from dataclasses import replace

    from core.learned import denoisers
    from core.registry import DENOISE, get_method

    params = dict(depth=4, filters=16, epochs=3, steps=15, patch=24, batch=8, train_sigma=25, blind=False, seed=1)
    settings = replace(denoisers.training_settings(**params), images=TINY.images, learning_rate=TINY.learning_rate,
                       validation=TINY.validation)
    assert settings == TINY
    kept = denoisers.remember(TINY, trained)
    assert kept == TINY and denoisers.trained_denoiser(TINY) is trained
    clean, noisy = camera_crop
    direct = denoise_with_model(trained.model, noisy)
    assert psnr(clean, direct) > psnr(clean, noisy) + 2
    stopped = replace(trained, epochs_done=2, stopped=True)
    assert denoisers.remember(TINY, stopped).epochs == 2  # kept as the 2-epoch network it is
    method = get_method(DENOISE, "autoencoder")
    assert method.slow and method.needs_tensorflow and method.param("epochs").default == 6


def test_your_keras_model_is_a_method_whose_input_is_the_file(tmp_path):
    from core.learned.denoisers import tiny_model_bytes
    from core.registry import DENOISE, get_method
    from core.tasks.protocol import MissingInput

    method = get_method(DENOISE, "keras_model")
    image = np.linspace(0, 1, 32 * 40, dtype=np.float32).reshape(32, 40)
    data = tiny_model_bytes(seed=3)
    out = method.run(image, data)
    assert out.image.shape == image.shape and out.image.dtype == np.float32
    assert method.run(image, data).image is not out.image  # the model loads once; each run applies it
    with pytest.raises(MissingInput, match="Keras model file"):
        method.arguments({"image": image})
    with pytest.raises(ValueError, match="not a Keras model"):
        method.run(image, b"not a model at all")
