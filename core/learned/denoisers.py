"""The learned denoisers as registered methods of the denoise task: the RED-Net autoencoder trained here (its
training settings are its parameters) and a Keras model of your own (an input: the .keras file's bytes).

A trained network is kept per process for its settings (`remember` / `trained_denoiser`), so the page's
background training, the comparison, the sweep and the export snippet share one model. Keras is imported only
when a network is trained, loaded or applied.
"""
from __future__ import annotations

import numpy as np

from core.caching import BoundedCache
from core.image import digest
from core.keras_seeds import LayerSeeds
from core.learned.models import RedNetConfig
from core.learned.training import DenoiserTraining, Trained, train_denoiser
from core.registry import DENOISE, Param, method

KEEP_MODELS = 3  # trained (and loaded) networks kept per process, a few MB each
_TRAINED = BoundedCache("trained denoisers", 2 ** 30, None, max_entries=KEEP_MODELS)
_LOADED = BoundedCache("uploaded Keras models", 2 ** 30, None, max_entries=KEEP_MODELS)


def remember(settings: DenoiserTraining, trained: Trained) -> DenoiserTraining:
    """Keep a network trained elsewhere (the page's background job). A run stopped after k epochs is the same
    network a k-epoch run trains (one seeded generator, no learning-rate schedule), so it is kept as one."""
    if trained.model is None:
        raise ValueError("This training run kept no model (it stopped before its first epoch ended).")
    if trained.epochs_done != settings.epochs:
        from dataclasses import replace

        settings = replace(settings, epochs=trained.epochs_done)
    _TRAINED.put(settings, trained)
    return settings


def trained_denoiser(settings: DenoiserTraining, progress=None) -> Trained:
    """The network trained with `settings`: the kept one, or trained now (`progress(fraction, message)`)."""
    total = settings.epochs * settings.steps_per_epoch

    def report(record: dict) -> None:
        if progress is not None and record["kind"] == "batch":
            progress(record["step"] / total, f"training: epoch {record['epoch']} of {settings.epochs}")

    return _TRAINED.get(settings, lambda: train_denoiser(settings, progress=report))


def training_settings(*, depth: int, filters: int, epochs: int, steps: int, patch: int, batch: int, train_sigma: float,
                      blind: bool, seed: int) -> DenoiserTraining:
    """The autoencoder's parameters as its training settings (σ on the 0–255 scale)."""
    return DenoiserTraining(RedNetConfig(depth=int(depth), filters=int(filters)), patch=int(patch), batch=int(batch),
                            epochs=int(epochs), steps_per_epoch=int(steps), sigma=float(train_sigma) / 255,
                            blind=bool(blind), seed=int(seed))


@method(task=DENOISE, key="autoencoder", label="Denoising autoencoder (RED-Net, trained here)", book="2.1.2",
        slow=True, needs_tensorflow=True,
        params=[Param("depth", "Layers", 6, choices=(2, 4, 6, 8, 10)),
                Param("filters", "Filters per layer", 24, choices=(8, 16, 24, 32, 48)),
                Param("epochs", "Epochs", 6, min=1, max=30, help="Passes of training, each of `steps` batches."),
                Param("steps", "Batches per epoch", 25, min=1, max=100, help="Fresh random patches every batch."),
                Param("patch", "Patch size", 32, choices=(16, 24, 32, 48, 64)),
                Param("batch", "Batch size", 16, choices=(4, 8, 16, 32)),
                Param("train_sigma", "Training noise σ (0–255)", 25, min=5, max=75,
                      help="The noise it learns to remove; best when it matches the image's noise."),
                Param("blind", "Blind (σ/3 to 2σ)", False, help="Train on a range of noise levels instead of one."),
                Param("seed", "Seed", 0, min=0, max=9999, help="Seeds the patches, the noise and the weights.")],
        summary="A small RED-Net trained on the bundled images (not camera) in the app, then applied.",
        explanation=("RED-Net stacks 3×3 convolutions with ReLU, joins each encoder layer to its mirror in the "
                     "decoder with a skip connection, and adds a global residual, so the network learns the noise "
                     "to subtract. It trains on random patches of the bundled images with fresh Gaussian noise "
                     "every batch, and is fully convolutional, so it applies to any image size. The network is "
                     "sized for a CPU: the book's 30 layers × 128 filters on CIFAR-10 need a GPU. A trained "
                     "network is kept for its settings, so it trains once per process."),
        latex=r"\hat x = y - f_\theta(y),\quad \theta^\star = \arg\min_\theta \sum \|f_\theta(x+n) - n\|^2")
def autoencoder(image, *, depth=6, filters=24, epochs=6, steps=25, patch=32, batch=16, train_sigma=25, blind=False,
                seed=0, progress=None):
    from core.learned.loading import denoise_with_model

    trained = trained_denoiser(training_settings(depth=depth, filters=filters, epochs=epochs, steps=steps,
                                                 patch=patch, batch=batch, train_sigma=train_sigma, blind=blind,
                                                 seed=seed), progress)
    if progress is not None:
        progress(1.0, "applying the network")
    return np.clip(denoise_with_model(trained.model, image), 0, 1).astype(np.float32)


def loaded_model(data: bytes, name: str = "model.keras") -> tuple:
    """(model, ModelSpec) of a .keras file's bytes, loaded once per process (safe mode)."""
    from core.learned.loading import load_keras_model

    return _LOADED.get(digest(np.frombuffer(data, np.uint8)), lambda: load_keras_model(data, name))


@method(task=DENOISE, key="keras_model", label="Your Keras model (.keras)", book="2.1", needs=("model",),
        needs_tensorflow=True,
        params=[Param("batch", "Tiles per batch", 8, min=1, max=64,
                      help="For models with a fixed input size: tiles sent to the network at once.")],
        summary="A restoration model you upload, loaded in Keras' safe mode and applied (on tiles if fixed-size).",
        explanation=("The model must map images (batch, height, width, 1 or 3 channels) in [0, 1] to images of the "
                     "same shape. It is loaded with safe_mode=True, so no Lambda layer or other embedded code runs. "
                     "A gray model on a colour image runs channel by channel; fixed-size models run on "
                     "reflect-padded tiles. The file's bytes are this method's input, so the export snippet reads "
                     "the same file."),
        latex=r"\hat x = f_\theta(y)")
def keras_model(image, model, *, batch=8):
    from core.learned.loading import denoise_with_model

    loaded, spec = loaded_model(bytes(model))
    return np.clip(denoise_with_model(loaded, image, spec, batch=int(batch)), 0, 1).astype(np.float32)


def tiny_model_bytes(*, seed: int = 0) -> bytes:
    """A small fully convolutional Keras model (untrained, seeded) as .keras bytes: the example's "your model"."""
    import os
    import tempfile

    import keras

    keras.utils.set_random_seed(seed)
    inputs = keras.Input((None, None, 1))
    seeds = LayerSeeds(seed)
    hidden = keras.layers.Conv2D(4, 3, padding="same", activation="relu", kernel_initializer=seeds.glorot())(inputs)
    outputs = keras.layers.Add()([inputs, keras.layers.Conv2D(1, 3, padding="same",
                                                              kernel_initializer=seeds.glorot())(hidden)])
    model = keras.Model(inputs, outputs, name="tiny_denoiser")
    fd, path = tempfile.mkstemp(suffix=".keras")
    os.close(fd)
    try:
        model.save(path)
        with open(path, "rb") as handle:
            return handle.read()
    finally:
        os.unlink(path)
