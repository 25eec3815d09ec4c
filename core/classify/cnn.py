"""The convolutional network of the classify task (book §7.2), trained here with Keras.

Two architectures: a small, fast default (Conv32-pool-Conv64-pool-dropout-Dense64, about 0.2 M weights at
28×28) and the book's (Conv64-pool-drop0.2-Conv256-pool-drop0.2-Dense256-drop0.4-softmax: 1,789,578 weights at
28×28). Training is seeded (`keras.utils.set_random_seed`), validates on a shuffled, stratified share of the
training images (the book's `validation_split` took the last 20 % unshuffled), stops early when the validation
loss stops improving (keeping the best weights), reports every batch and epoch to `progress` and polls
`should_stop` after every batch, so a page can show live curves and a stop button (`core.learned.training`).

A trained network is kept per process for its data and settings, so the page's background training, the
comparison, the sweep and the export snippet share it. Keras is imported only when a network is built.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Callable

import numpy as np

from core.caching import BoundedCache
from core.classify.datasets import check_training
from core.image import digest
from core.keras_seeds import LayerSeeds
from core.learned.training import Trained
from core.registry import CLASSIFY, Output, Param, method

ARCHITECTURES = ("small", "book")
_TRAINED = BoundedCache("trained classifiers (CNN)", 2 ** 30, None, max_entries=3)


@dataclass(frozen=True)
class CnnTraining:
    """How the CNN is built and trained."""

    architecture: str = "small"
    epochs: int = 10
    batch: int = 64
    learning_rate: float = 1e-3
    validation: float = 0.2  # share of the training images held out (stratified, shuffled) for validation
    patience: int = 3  # epochs without a better validation loss before training stops (0: never)
    seed: int = 0

    def check(self) -> None:
        if self.architecture not in ARCHITECTURES:
            raise ValueError(f"Unknown architecture {self.architecture!r}: use {' or '.join(ARCHITECTURES)}.")
        if self.epochs < 1 or self.batch < 1:
            raise ValueError("Epochs and batch size must be at least 1.")
        if not 0.05 <= self.validation <= 0.5:
            raise ValueError("The validation share must be between 0.05 and 0.5.")
        if not 0 < self.learning_rate < 1:
            raise ValueError("The learning rate must be between 0 and 1.")


def build_cnn(shape: tuple[int, int], classes: int, architecture: str = "small", seed: int = 0):
    """The network for (height, width) gray images and `classes` outputs (softmax), its weights and dropout
    seeded by `seed`."""
    import keras
    from keras import layers

    seeds = LayerSeeds(seed)

    height, width = shape
    inputs = keras.Input((height, width, 1), name="image")
    # every layer is named: Keras' automatic names repeat when a network is built in a background thread
    if architecture == "book":
        padding = "valid" if min(height, width) >= 10 else "same"  # 3×3 valid convs need room at 8×8
        x = layers.Conv2D(64, 3, padding=padding, activation="relu", kernel_initializer=seeds.glorot(),
                          name="conv1")(inputs)
        x = layers.MaxPooling2D(2, name="pool1")(x)
        x = layers.Dropout(0.2, seed=seeds.next(), name="drop1")(x)
        x = layers.Conv2D(256, 3, padding=padding, activation="relu", kernel_initializer=seeds.glorot(),
                          name="conv2")(x)
        x = layers.MaxPooling2D(2, name="pool2")(x)
        x = layers.Dropout(0.2, seed=seeds.next(), name="drop2")(x)
        x = layers.Flatten(name="flatten")(x)
        x = layers.Dense(256, activation="relu", kernel_initializer=seeds.glorot(), name="dense")(x)
        x = layers.Dropout(0.4, seed=seeds.next(), name="drop3")(x)
    else:
        x = layers.Conv2D(32, 3, padding="same", activation="relu", kernel_initializer=seeds.glorot(),
                          name="conv1")(inputs)
        x = layers.MaxPooling2D(2, name="pool1")(x)
        x = layers.Conv2D(64, 3, padding="same", activation="relu", kernel_initializer=seeds.glorot(),
                          name="conv2")(x)
        x = layers.MaxPooling2D(2, name="pool2")(x)
        x = layers.Dropout(0.3, seed=seeds.next(), name="drop")(x)
        x = layers.Flatten(name="flatten")(x)
        x = layers.Dense(64, activation="relu", kernel_initializer=seeds.glorot(), name="dense")(x)
    outputs = layers.Dense(classes, activation="softmax", kernel_initializer=seeds.glorot(), name="classes")(x)
    return keras.Model(inputs, outputs, name=f"cnn_{architecture}")


def validation_split(labels: np.ndarray, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(train index, validation index): a shuffled split, stratified when every class has two images."""
    from sklearn.model_selection import train_test_split

    index = np.arange(len(labels))
    counts = np.bincount(labels)
    present = counts[counts > 0]
    stratify = labels if present.min() >= 2 and fraction * len(labels) >= len(present) else None
    train, val = train_test_split(index, test_size=fraction, random_state=seed, stratify=stratify, shuffle=True)
    return train, val


def train_cnn(settings: CnnTraining, x_train: np.ndarray, y_train: np.ndarray, *,
              progress: Callable[[dict], None] | None = None,
              should_stop: Callable[[], bool] | None = None) -> Trained:
    """Train the CNN; history records are dicts of kind "batch" (step, loss, accuracy) and "epoch" (loss,
    accuracy, val_loss, val_accuracy). A run stopped before its first epoch ended keeps no model."""
    import keras

    settings.check()
    x_train, y_train, _, classes = check_training(x_train, y_train, x_train[:1])
    keras.utils.set_random_seed(settings.seed)
    fit_index, val_index = validation_split(y_train, settings.validation, settings.seed)
    images = x_train[..., None]
    model = build_cnn(x_train.shape[1:], classes, settings.architecture, settings.seed)
    model.compile(optimizer=keras.optimizers.Adam(settings.learning_rate), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    steps_per_epoch = math.ceil(len(fit_index) / settings.batch)
    history: list[dict] = []
    state = dict(step=0, epoch=1, done=0, stopped=False)
    start = time.perf_counter()

    def emit(record: dict) -> None:
        history.append(record)
        if progress is not None:
            progress(record)

    class Live(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            state["epoch"] = epoch + 1

        def on_train_batch_end(self, batch, logs=None):
            state["step"] += 1
            logs = logs or {}
            emit(dict(kind="batch", epoch=state["epoch"], step=state["step"], loss=float(logs.get("loss", np.nan)),
                      accuracy=float(logs.get("accuracy", np.nan)), total=settings.epochs * steps_per_epoch,
                      seconds=time.perf_counter() - start))
            if should_stop is not None and should_stop():
                state["stopped"] = True
                self.model.stop_training = True

        def on_epoch_end(self, epoch, logs=None):
            if state["stopped"]:
                return  # an epoch cut short is not a finished epoch
            logs = logs or {}
            state["done"] = epoch + 1
            emit(dict(kind="epoch", epoch=epoch + 1, step=state["step"], loss=float(logs.get("loss", np.nan)),
                      accuracy=float(logs.get("accuracy", np.nan)), val_loss=float(logs.get("val_loss", np.nan)),
                      val_accuracy=float(logs.get("val_accuracy", np.nan)), seconds=time.perf_counter() - start))

    callbacks = [Live()]
    if settings.patience:
        callbacks.append(keras.callbacks.EarlyStopping(monitor="val_loss", patience=settings.patience,
                                                       restore_best_weights=True))
    model.fit(images[fit_index], y_train[fit_index], batch_size=settings.batch, epochs=settings.epochs,
              validation_data=(images[val_index], y_train[val_index]), shuffle=True, verbose=0,
              callbacks=callbacks)
    done = state["done"]
    early = not state["stopped"] and done < settings.epochs
    trained = Trained(model if done else None, history, done, settings.epochs, time.perf_counter() - start,
                      state["stopped"], extras=dict(parameters=int(model.count_params()), early_stop=early,
                                                    train_images=int(len(fit_index)),
                                                    val_images=int(len(val_index))))
    return trained


class KerasPredictor:
    """A trained network for images of its training size: `predict_proba(images)` -> (N, K)."""

    def __init__(self, model, shape: tuple[int, int], classes: int):
        self.model, self.shape, self.classes = model, tuple(shape), int(classes)

    def predict_proba(self, images: np.ndarray, batch: int = 1024) -> np.ndarray:
        images = np.asarray(images, np.float32)
        if images.ndim == 2:
            images = images[None]
        if images.shape[1:] != self.shape:
            raise ValueError(f"This network was trained on {self.shape[1]}×{self.shape[0]} images, not "
                             f"{images.shape[2]}×{images.shape[1]}.")
        parts = [np.asarray(self.model.predict_on_batch(images[i:i + batch, ..., None]))
                 for i in range(0, len(images), batch)]
        return np.concatenate(parts).astype(np.float32)

    def predict(self, images: np.ndarray) -> np.ndarray:
        return np.argmax(self.predict_proba(images), axis=1)


def _key(settings: CnnTraining, x_train: np.ndarray, y_train: np.ndarray) -> tuple:
    return digest(np.asarray(x_train, np.float32), np.asarray(y_train, np.int64)), settings


def remember(settings: CnnTraining, x_train: np.ndarray, y_train: np.ndarray, trained: Trained) -> None:
    """Keep a network trained elsewhere (the page's background job) for these data and settings."""
    if trained.model is None:
        raise ValueError("This training run kept no network (it stopped before its first epoch ended).")
    _TRAINED.put(_key(settings, x_train, y_train), trained)


def trained_cnn(settings: CnnTraining, x_train: np.ndarray, y_train: np.ndarray, progress=None) -> Trained:
    """The network trained on these data with `settings`: the kept one, or trained now."""
    def report(record: dict) -> None:
        if progress is not None and record["kind"] == "batch":
            progress(record["step"] / record["total"], f"training: epoch {record['epoch']} of {settings.epochs}")

    return _TRAINED.get(_key(settings, x_train, y_train), lambda: train_cnn(settings, x_train, y_train,
                                                                            progress=report))


def settings_of(*, architecture="small", epochs=10, batch=64, learning_rate=1e-3, validation=0.2, patience=3,
                seed=0) -> CnnTraining:
    return CnnTraining(str(architecture), int(epochs), int(batch), float(learning_rate), float(validation),
                       int(patience), int(seed))


@method(task=CLASSIFY, key="cnn", label="Convolutional network (Keras, trained here)", book="7.2", slow=True,
        needs_tensorflow=True,
        params=[Param("architecture", "Architecture", "small", choices=ARCHITECTURES,
                      help="small: Conv32-pool-Conv64-pool-dropout 0.3-Dense64 (fast). book: Conv64-pool-drop 0.2-"
                           "Conv256-pool-drop 0.2-Dense256-drop 0.4 (1,789,578 weights at 28×28; about 13 min "
                           "on 2 CPU cores for full Fashion-MNIST)."),
                Param("epochs", "Epochs (at most)", 10, min=1, max=30, help="The book trains 5."),
                Param("batch", "Batch size", 64, choices=(32, 64, 128, 256)),
                Param("learning_rate", "Learning rate (Adam)", 1e-3, min=1e-4, max=1e-2, log=True),
                Param("validation", "Validation share", 0.2, min=0.1, max=0.4, step=0.05,
                      help="Held out of the training images (shuffled, stratified) to watch overfitting."),
                Param("patience", "Early-stopping patience (0 = off)", 3, min=0, max=10,
                      help="Stop after this many epochs without a lower validation loss; the best weights are "
                           "kept."),
                Param("seed", "Seed", 0, min=0, max=9999, help="Seeds the weights, the shuffles, the dropout.")],
        summary="Convolutions, max-pooling and dropout learn features from the raw pixels; Adam, cross-entropy.",
        explanation=("Each 3×3 convolution layer learns filters whose ReLU responses are max-pooled 2×2, so deeper "
                     "layers see larger parts of the image; dropout zeroes a random share of the activations "
                     "during training and scales the rest by 1/(1−p) (inverted dropout: nothing changes at test "
                     "time). A dense layer and a softmax turn the features into class probabilities, trained on "
                     "the cross-entropy with Adam. A shuffled share of the training images is held out to watch "
                     "the validation loss; training stops early when it no longer falls."),
        latex=r"h=\max\mathrm{pool}\big(\mathrm{ReLU}(W*x+b)\big),\quad P(c\mid x)=\mathrm{softmax}(Vh)_c,\quad "
              r"\mathcal L=-\sum_i\log P(y_i\mid x_i)")
def cnn(x_train, y_train, x_test, *, architecture="small", epochs=10, batch=64, learning_rate=1e-3, validation=0.2,
        patience=3, seed=0, progress=None):
    x_train, y_train, x_test, classes = check_training(x_train, y_train, x_test)
    if len(y_train) < 10:
        raise ValueError("The network needs at least 10 training images (some are held out for validation).")
    settings = settings_of(architecture=architecture, epochs=epochs, batch=batch, learning_rate=learning_rate,
                           validation=validation, patience=patience, seed=seed)
    trained = trained_cnn(settings, x_train, y_train, progress)
    if trained.model is None:
        raise ValueError("Training was stopped before its first epoch ended, so there is no network to use.")
    if progress is not None:
        progress(1.0, "classifying the test images")
    predictor = KerasPredictor(trained.model, x_train.shape[1:], classes)
    start = time.perf_counter()
    proba = predictor.predict_proba(x_test)
    predict_seconds = time.perf_counter() - start
    return Output(proba, {"predictions": np.argmax(proba, axis=1), "model": predictor,
                          "fit_seconds": trained.seconds, "predict_seconds": predict_seconds,
                          "history": trained.history, "state": trained.label,
                          "parameters": trained.extras.get("parameters"), "train_size": int(len(y_train))})
