"""Keras models of the book's Chapter 2.1, sized for a CPU. Keras is imported inside each function."""
from __future__ import annotations

from dataclasses import dataclass

from core.keras_seeds import LayerSeeds


@dataclass(frozen=True)
class RedNetConfig:
    """A small RED-Net: `depth` 3×3 convolutions with ReLU (half encoder, half decoder), an element-wise
    skip from each encoder layer to its mirrored decoder layer every `skip_step` layers, and a global
    residual (the network predicts the noise it subtracts)."""

    depth: int = 6
    filters: int = 24
    channels: int = 1
    skip_step: int = 2

    def check(self) -> None:
        if self.depth < 2 or self.depth % 2:
            raise ValueError("The depth must be an even number of layers, at least 2.")
        if not 4 <= self.filters <= 128:
            raise ValueError("Use between 4 and 128 filters per layer.")
        if self.channels not in (1, 3):
            raise ValueError("The network works on 1 (gray) or 3 (RGB) channels.")
        if self.skip_step < 1:
            raise ValueError("The skip step must be at least 1.")


def build_red_net(config: RedNetConfig = RedNetConfig(), seed: int = 0):
    """Fully convolutional, so it accepts any image size: input and output (None, None, channels)."""
    import keras
    from keras import layers

    seeds = LayerSeeds(seed)

    config.check()
    half = config.depth // 2
    inputs = keras.Input((None, None, config.channels), name="noisy")
    h, encoded = inputs, []
    for i in range(half):
        h = layers.Conv2D(config.filters, 3, padding="same", activation="relu", kernel_initializer=seeds.glorot(),
                          name=f"enc{i + 1}")(h)
        encoded.append(h)
    for i in range(half):
        # with stride 1 the book's transposed convolutions are ordinary convolutions
        h = layers.Conv2D(config.filters, 3, padding="same", kernel_initializer=seeds.glorot(), name=f"dec{i + 1}")(h)
        mirror = half - 1 - i  # the encoder layer at the same depth
        if (i + 1) % config.skip_step == 0 and i < half - 1:
            h = layers.Add(name=f"skip{i + 1}")([h, encoded[mirror - 1]])
        h = layers.ReLU(name=f"relu{i + 1}")(h)
    residual = layers.Conv2D(config.channels, 3, padding="same", kernel_initializer=seeds.glorot(), name="residual")(h)
    outputs = layers.Add(name="restored")([inputs, residual])
    return keras.Model(inputs, outputs, name="red_net")


@dataclass(frozen=True)
class SparseConfig:
    """One sigmoid hidden layer; loss = summed squared error + λ/2·(‖W1‖² + ‖W2‖²) + β·Σ_j KL(ρ ‖ ρ̂_j)."""

    inputs: int = 64
    hidden: int = 64
    rho: float = 0.05
    beta: float = 3.0
    weight_decay: float = 1e-4

    def check(self) -> None:
        if not 4 <= self.hidden <= 1024:
            raise ValueError("Use between 4 and 1024 hidden units.")
        if not 0 < self.rho < 1:
            raise ValueError("The target activation ρ must be between 0 and 1.")
        if self.beta < 0 or self.weight_decay < 0:
            raise ValueError("β and λ cannot be negative.")


def kl_sparsity(rho: float, beta: float):
    """Activity regulariser: β·Σ_j KL(ρ ‖ ρ̂_j), ρ̂_j the mean activation of hidden unit j over the batch."""
    from keras import ops

    def penalty(activations):
        rho_hat = ops.clip(ops.mean(activations, axis=0), 1e-6, 1 - 1e-6)
        kl = rho * ops.log(rho / rho_hat) + (1 - rho) * ops.log((1 - rho) / (1 - rho_hat))
        return beta * ops.sum(kl)

    return penalty


def summed_squared_error(y_true, y_pred):
    from keras import ops

    return ops.sum(ops.square(y_true - y_pred), axis=-1)


def build_sparse_autoencoder(config: SparseConfig = SparseConfig(), *, seed: int = 0):
    import keras
    from keras import layers, regularizers

    config.check()
    inputs = keras.Input((config.inputs,), name="noisy")
    hidden = layers.Dense(config.hidden, activation="sigmoid", name="hidden",
                          kernel_regularizer=regularizers.L2(config.weight_decay / 2),
                          activity_regularizer=kl_sparsity(config.rho, config.beta),
                          kernel_initializer=keras.initializers.RandomNormal(stddev=0.03, seed=seed))(inputs)
    outputs = layers.Dense(config.inputs, activation="sigmoid", name="restored",
                           kernel_regularizer=regularizers.L2(config.weight_decay / 2),
                           kernel_initializer=keras.initializers.RandomNormal(stddev=0.03, seed=seed + 1))(hidden)
    return keras.Model(inputs, outputs, name="sparse_autoencoder")
