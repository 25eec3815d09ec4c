"""Seeded training loops with a progress callback and a stop request, and a background job that runs
one of them so a page can show live loss curves and a stop button.

Stopping: the loops poll `should_stop()` after every batch. A run stopped after at least one complete
epoch keeps its model, marked `stopped=True` ("partially trained"); a run stopped earlier returns no
model (`model=None`), because a few batches of training are not worth using.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from core.learned.data import TRAINING_IMAGES, add_gaussian_noise, load_digits_split, sample_patches, training_pool
from core.learned.models import RedNetConfig, SparseConfig, build_red_net, build_sparse_autoencoder

Progress = Callable[[dict], None]  # receives one history record at a time
ShouldStop = Callable[[], bool]


@dataclass(frozen=True)
class DenoiserTraining:
    """Settings of the convolutional denoising autoencoder's training."""

    network: RedNetConfig = RedNetConfig()
    images: tuple[str, ...] = TRAINING_IMAGES
    patch: int = 32
    batch: int = 16
    epochs: int = 10
    steps_per_epoch: int = 30
    sigma: float = 25 / 255  # noise σ on [0, 1]; blind training draws σ in [sigma / 3, 2 sigma] per patch
    blind: bool = False
    learning_rate: float = 2e-3
    validation: int = 48
    seed: int = 0

    def check(self) -> None:
        self.network.check()
        if not 8 <= self.patch <= 128:
            raise ValueError("Patches must be between 8 and 128 pixels wide.")
        if self.batch < 1 or self.epochs < 1 or self.steps_per_epoch < 1:
            raise ValueError("Batch size, epochs and steps per epoch must be at least 1.")
        if not 0 < self.sigma <= 0.5:
            raise ValueError("The training noise σ must be between 0 and 0.5 (0–127 on the 0–255 scale).")
        if not 0 < self.learning_rate < 1:
            raise ValueError("The learning rate must be between 0 and 1.")


@dataclass(frozen=True)
class SparseTraining:
    """Settings of the sparse denoising autoencoder on the 8×8 digits."""

    network: SparseConfig = SparseConfig()
    sigma: float = 0.15  # the book's noise
    epochs: int = 30
    batch: int = 50  # the book's 100 learns too slowly in a few dozen epochs
    learning_rate: float = 3e-2
    seed: int = 0

    def check(self) -> None:
        self.network.check()
        if self.batch < 1 or self.epochs < 1:
            raise ValueError("Batch size and epochs must be at least 1.")
        if not 0 <= self.sigma <= 1:
            raise ValueError("The noise σ must be between 0 and 1.")


@dataclass
class Trained:
    model: Any  # a keras.Model, or None when the run was stopped before its first epoch ended
    history: list[dict]
    epochs_done: int
    epochs_planned: int
    seconds: float
    stopped: bool = False
    extras: dict = field(default_factory=dict)

    @property
    def label(self) -> str:
        if self.model is None:
            return "nothing kept (stopped before the first epoch ended)"
        if self.stopped:
            return f"partially trained: stopped after {self.epochs_done} of {self.epochs_planned} epochs"
        return f"trained for {self.epochs_done} epochs in {self.seconds:.0f} s"


def _loss_value(result) -> float:
    """`train_on_batch` returns the loss alone, or [loss, *metrics] when Keras tracks more than the loss."""
    return float(np.ravel(np.asarray(result, dtype=np.float64))[0])


def _psnr(mse: float) -> float:
    return float(10 * np.log10(1.0 / max(mse, 1e-12)))


def train_denoiser(settings: DenoiserTraining = DenoiserTraining(), *, progress: Progress | None = None,
                   should_stop: ShouldStop | None = None) -> Trained:
    """Train the small RED-Net on random noisy patches of the bundled images (fresh patches and noise
    every batch, all from one seeded generator); validate on fixed held-out noisy patches."""
    import keras

    settings.check()
    keras.utils.set_random_seed(settings.seed)
    rng = np.random.default_rng(settings.seed)
    pool = training_pool(settings.images)
    sigma = (settings.sigma / 3, settings.sigma * 2) if settings.blind else settings.sigma
    val_clean = sample_patches(pool, settings.validation, settings.patch, np.random.default_rng(settings.seed + 999))
    val_noisy = add_gaussian_noise(val_clean, settings.sigma, np.random.default_rng(settings.seed + 1000))
    model = build_red_net(settings.network, settings.seed)
    model.compile(optimizer=keras.optimizers.Adam(settings.learning_rate), loss="mse")
    history: list[dict] = []
    start, step, done, stopped = time.perf_counter(), 0, 0, False
    noisy_mse = float(np.mean((val_noisy - val_clean) ** 2))
    for epoch in range(1, settings.epochs + 1):
        losses = []
        for _ in range(settings.steps_per_epoch):
            if should_stop is not None and should_stop():
                stopped = True
                break
            clean = sample_patches(pool, settings.batch, settings.patch, rng)
            loss = _loss_value(model.train_on_batch(add_gaussian_noise(clean, sigma, rng), clean))
            losses.append(loss)
            step += 1
            if progress is not None:
                progress(dict(kind="batch", epoch=epoch, step=step, loss=loss, seconds=time.perf_counter() - start))
        if stopped:
            break
        val = float(np.mean((np.clip(model.predict_on_batch(val_noisy), 0, 1) - val_clean) ** 2))
        done = epoch
        record = dict(kind="epoch", epoch=epoch, step=step, loss=float(np.mean(losses)), val_loss=val,
                      val_psnr=_psnr(val), noisy_psnr=_psnr(noisy_mse), seconds=time.perf_counter() - start)
        history.append(record)
        if progress is not None:
            progress(record)
    return Trained(model if done else None, history, done, settings.epochs, time.perf_counter() - start, stopped,
                   extras=dict(noisy_val_psnr=_psnr(noisy_mse)))


def train_sparse(settings: SparseTraining = SparseTraining(), *, progress: Progress | None = None,
                 should_stop: ShouldStop | None = None) -> Trained:
    """Train the sparse denoising autoencoder on the bundled digits, with fresh noise every batch."""
    import keras

    from core.learned.models import summed_squared_error

    settings.check()
    keras.utils.set_random_seed(settings.seed)
    rng = np.random.default_rng(settings.seed)
    digits = load_digits_split(seed=settings.seed)
    test_noisy = add_gaussian_noise(digits.test, settings.sigma, np.random.default_rng(settings.seed + 1000))
    model = build_sparse_autoencoder(settings.network, seed=settings.seed)
    model.compile(optimizer=keras.optimizers.Adam(settings.learning_rate), loss=summed_squared_error)
    history: list[dict] = []
    start, step, done, stopped = time.perf_counter(), 0, 0, False
    for epoch in range(1, settings.epochs + 1):
        order, losses = rng.permutation(len(digits.train)), []
        for begin in range(0, len(order), settings.batch):
            if should_stop is not None and should_stop():
                stopped = True
                break
            clean = digits.train[order[begin:begin + settings.batch]]
            losses.append(_loss_value(model.train_on_batch(add_gaussian_noise(clean, settings.sigma, rng), clean)))
            step += 1
        if stopped:
            break
        restored = model.predict_on_batch(test_noisy)
        done = epoch
        record = dict(kind="epoch", epoch=epoch, step=step, loss=float(np.mean(losses)),
                      val_loss=float(np.mean((restored - digits.test) ** 2)), seconds=time.perf_counter() - start)
        history.append(record)
        if progress is not None:
            progress(record)
    extras = dict(test_clean=digits.test, test_noisy=test_noisy,
                  noisy_mse=float(np.mean((test_noisy - digits.test) ** 2)))
    if done:
        extras["restored"] = np.asarray(model.predict_on_batch(test_noisy))
        extras["filters"] = np.asarray(model.get_layer("hidden").kernel).T  # (hidden, 64)
        extras["mean_activation"] = float(np.mean(keras.Model(model.inputs, model.get_layer("hidden").output)
                                                  .predict_on_batch(digits.test)))
    return Trained(model if done else None, history, done, settings.epochs, time.perf_counter() - start, stopped,
                   extras=extras)


class TrainingJob:
    """Runs a training function in a background thread; a page polls `history` and `status` while it runs
    and calls `stop()` from its stop button. Thread-safe enough for that: the worker only appends to
    `history` and sets the final fields once."""

    def __init__(self, train: Callable[..., Trained], settings: Any):
        self.train, self.settings = train, settings
        self.history: list[dict] = []
        self.status = "idle"  # idle, running, done, stopped, failed
        self.result: Trained | None = None
        self.error: str | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def prepare(self) -> None:
        """Import Keras in the calling thread before `start`. Streamlit's script thread must do this: an
        import of TensorFlow inside the worker thread stalled while the page's live view kept rerunning."""
        import keras  # noqa: F401

    def start(self) -> None:
        with self._lock:
            if self.status == "running":
                return
            self.history, self.result, self.error = [], None, None
            self._stop.clear()
            self.status = "running"
            self._thread = threading.Thread(target=self._run, name="training-job", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        try:
            result = self.train(self.settings, progress=self.history.append, should_stop=self._stop.is_set)
        except ValueError as exc:
            self.error, self.status = str(exc), "failed"
            return
        except Exception as exc:  # the page shows it; the app keeps running
            self.error, self.status = f"Training failed unexpectedly: {type(exc).__name__}: {exc}", "failed"
            return
        self.result = result
        self.status = "stopped" if result.stopped else "done"

    def stop(self) -> None:
        self._stop.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the run ends (for tests and scripts); True when it has ended."""
        if self._thread is not None:
            self._thread.join(timeout)
        return self.status != "running"

    @property
    def running(self) -> bool:
        return self.status == "running"

    @property
    def model(self):
        return None if self.result is None else self.result.model
