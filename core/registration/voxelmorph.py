"""A small VoxelMorph-style network (book §5.7), trained here on synthetic deformations of
scikit-learn's bundled digits, so the true field of every pair is known.

A U-Net takes (moving, fixed) and predicts a dense field; a differentiable bilinear warp applies it;
the loss is MSE(warped, fixed) + λ·‖∇field‖². TensorFlow is imported inside the functions only.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from core.keras_seeds import LayerSeeds
from core.registration.synthetic import make_pair
from core.registry import REGISTER, Param, method

SIZE = 32


def digit_images(*, digit: int | None = None) -> np.ndarray:
    """scikit-learn's 8×8 digits upsampled to 32×32, float32 in [0, 1] (all digits, or one class)."""
    import cv2
    from sklearn.datasets import load_digits

    data = load_digits()
    images = data.images if digit is None else data.images[data.target == digit]
    if len(images) == 0:
        raise ValueError(f"There is no digit {digit!r}; choose 0–9.")
    big = [cv2.resize((im / 16.0).astype(np.float32), (SIZE - 8, SIZE - 8), interpolation=cv2.INTER_CUBIC)
           for im in images]
    return np.clip(np.pad(np.stack(big), ((0, 0), (4, 4), (4, 4))), 0, 1).astype(np.float32)


def make_pairs(images: np.ndarray, count: int, *, amplitude: float = 2.5,
               rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(moving, fixed, true fixed→moving field) for `count` random digits, each with its own smooth field."""
    strength = amplitude / (0.015 * SIZE)
    moving, fixed, fields = [], [], []
    for index in rng.integers(0, len(images), count):
        m, truth = make_pair(images[index], kind="deformable", strength=strength, seed=int(rng.integers(1 << 31)))
        moving.append(m)
        fixed.append(images[index])
        fields.append(truth.field)
    return np.stack(moving), np.stack(fixed), np.stack(fields)


def _warp(image, flow):
    """Differentiable bilinear sampling: out(x) = image(x + flow(x)); image (B,H,W,1), flow (B,H,W,2)."""
    import tensorflow as tf

    shape = tf.shape(image)
    batch, height, width = shape[0], shape[1], shape[2]
    ys, xs = tf.meshgrid(tf.range(height, dtype=tf.float32), tf.range(width, dtype=tf.float32), indexing="ij")
    x = xs[None] + flow[..., 0]
    y = ys[None] + flow[..., 1]
    x0, y0 = tf.floor(x), tf.floor(y)
    wx, wy = x - x0, y - y0
    flat = tf.reshape(image, [-1])
    base = tf.range(batch)[:, None, None] * height * width

    def sample(yy, xx):
        right, bottom = tf.cast(width - 1, tf.float32), tf.cast(height - 1, tf.float32)
        inside = (xx >= 0) & (xx <= right) & (yy >= 0) & (yy <= bottom)
        xi = tf.clip_by_value(tf.cast(xx, tf.int32), 0, width - 1)
        yi = tf.clip_by_value(tf.cast(yy, tf.int32), 0, height - 1)
        values = tf.gather(flat, base + yi * width + xi)
        return values * tf.cast(inside, tf.float32)

    out = ((1 - wx) * (1 - wy) * sample(y0, x0) + wx * (1 - wy) * sample(y0, x0 + 1)
           + (1 - wx) * wy * sample(y0 + 1, x0) + wx * wy * sample(y0 + 1, x0 + 1))
    return out[..., None]


def build_unet(features: int = 12, size: int = SIZE, seed: int = 0):
    """A 3-level U-Net from (moving, fixed) stacked as 2 channels to a 2-channel field (size divisible by 8),
    its weights seeded by `seed`."""
    import keras
    from keras import layers

    seeds = LayerSeeds(seed)

    def block(x, channels, stride=1):
        x = layers.Conv2D(channels, 3, strides=stride, padding="same", kernel_initializer=seeds.glorot())(x)
        return layers.LeakyReLU(0.2)(x)

    inputs = keras.Input((size, size, 2))
    e1 = block(inputs, features)            # 32
    e2 = block(e1, 2 * features, 2)         # 16
    e3 = block(e2, 2 * features, 2)         # 8
    bottom = block(e3, 2 * features, 2)     # 4
    d3 = block(layers.Concatenate()([layers.UpSampling2D()(bottom), e3]), 2 * features)
    d2 = block(layers.Concatenate()([layers.UpSampling2D()(d3), e2]), 2 * features)
    d1 = block(layers.Concatenate()([layers.UpSampling2D()(d2), e1]), features)
    flow = layers.Conv2D(2, 3, padding="same", kernel_initializer=seeds.normal(1e-5),
                         bias_initializer="zeros")(d1)
    return keras.Model(inputs, flow, name="small_voxelmorph")


def _training_step(model, optimizer, smoothness: float):
    """One Adam step on MSE(warped, fixed) + λ·mean squared field gradient; returns the three losses."""
    import tensorflow as tf

    @tf.function
    def step(moving, fixed):
        with tf.GradientTape() as tape:
            flow = model(tf.concat([moving, fixed], axis=-1), training=True)
            warped = _warp(moving, flow)
            similarity = tf.reduce_mean((warped - fixed) ** 2)
            dy = flow[:, 1:] - flow[:, :-1]
            dx = flow[:, :, 1:] - flow[:, :, :-1]
            regular = (tf.reduce_mean(dx ** 2) + tf.reduce_mean(dy ** 2)) / 2
            loss = similarity + smoothness * regular
        gradients = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(gradients, model.trainable_variables))
        return loss, similarity, regular

    return step


@dataclass
class Trained:
    model: Any
    losses: list[float] = field(default_factory=list)
    similarity: list[float] = field(default_factory=list)
    smoothness: list[float] = field(default_factory=list)
    seconds: float = 0.0


def train(*, steps: int = 100, batch: int = 16, pool: int = 384, smoothness: float = 0.05,
          learning_rate: float = 3e-3, amplitude: float = 2.5, digit: int | None = None, seed: int = 0,
          progress: Callable[[float, str], None] | None = None) -> Trained:
    """Unsupervised training: the true fields are never shown to the network."""
    import time

    import keras
    import tensorflow as tf

    if steps < 1:
        raise ValueError("Training needs at least one step.")
    keras.utils.set_random_seed(seed)
    images = digit_images(digit=digit)
    rng = np.random.default_rng(seed)
    # a pool of pairs made once (batches are drawn from it), so training time is spent in the network
    pool_moving, pool_fixed, _ = make_pairs(images, max(int(pool), batch), amplitude=amplitude, rng=rng)
    model = build_unet(seed=seed)
    optimizer = keras.optimizers.Adam(learning_rate)

    step = _training_step(model, optimizer, smoothness)

    result = Trained(model)
    start = time.perf_counter()
    for index in range(int(steps)):
        chosen = rng.choice(len(pool_moving), size=batch, replace=False)
        moving, fixed = pool_moving[chosen], pool_fixed[chosen]
        loss, sim, reg = step(tf.constant(moving[..., None]), tf.constant(fixed[..., None]))
        result.losses.append(float(loss))
        result.similarity.append(float(sim))
        result.smoothness.append(float(reg))
        if progress is not None and (index % 10 == 9 or index == steps - 1):
            progress((index + 1) / steps, f"step {index + 1}/{steps}, loss {float(loss):.4f}")
    result.seconds = time.perf_counter() - start
    return result


@dataclass
class Evaluation:
    moving: np.ndarray
    fixed: np.ndarray
    moved: np.ndarray
    flow: np.ndarray
    truth: np.ndarray
    mse_before: float
    mse_after: float
    field_error_px: float
    identity_error_px: float
    folding: int  # pixels where the Jacobian determinant of x + flow(x) is ≤ 0


def evaluate(trained: Trained, *, count: int = 64, amplitude: float = 2.5, digit: int | None = None,
             seed: int = 1) -> Evaluation:
    """Held-out pairs (a different seed from training): MSE before/after and the field error."""
    import tensorflow as tf

    moving, fixed, truth = make_pairs(digit_images(digit=digit), count, amplitude=amplitude,
                                      rng=np.random.default_rng(seed + 10_000))
    flow = trained.model(tf.constant(np.stack([moving, fixed], axis=-1)), training=False)
    moved = _warp(tf.constant(moving[..., None]), flow).numpy()[..., 0]
    flow = flow.numpy()
    grad_x = np.gradient(flow, axis=2)
    grad_y = np.gradient(flow, axis=1)
    jacobian = (1 + grad_x[..., 0]) * (1 + grad_y[..., 1]) - grad_x[..., 1] * grad_y[..., 0]
    return Evaluation(moving, fixed, moved, flow, truth,
                      mse_before=float(np.mean((moving - fixed) ** 2)),
                      mse_after=float(np.mean((moved - fixed) ** 2)),
                      field_error_px=float(np.linalg.norm(flow - truth, axis=-1).mean()),
                      identity_error_px=float(np.linalg.norm(truth, axis=-1).mean()),
                      folding=int((jacobian <= 0).sum()))


@method(task=REGISTER, key="voxelmorph", label="VoxelMorph-style U-Net (TensorFlow)", book="5.7", slow=True,
        needs_tensorflow=True,
        summary="The small U-Net fitted to this one pair (instance optimisation) at a small working size.",
        explanation="The same network and loss as the digits demo below, but trained on the pair being "
        "registered: no dataset, no pretrained weights, just gradient steps on MSE(warped, fixed) + λ·‖∇u‖² "
        "for this fixed and moving image. It shows the loss and its λ trade-off on any image; a network "
        "trained on many pairs would predict the field in one forward pass instead.",
        latex=r"\min_\theta\; \frac{1}{N}\sum_x \left(M(x + u_\theta(x)) - F(x)\right)^2 "
              r"+ \lambda \frac{1}{N}\sum_x \|\nabla u_\theta(x)\|^2",
        params=[
            Param("working_size", "Working size (px)", 64, choices=(32, 64, 96, 128)),
            Param("steps", "Steps", 100, min=20, max=1000, step=10),
            Param("smoothness", "Smoothness λ", 0.05, min=0.001, max=1.0, log=True),
            Param("seed", "Seed", 0, min=0, max=999),
        ])
def fit_pair(fixed, moving, *, working_size=64, steps=100, smoothness=0.05, seed=0,
             progress: Callable[[float, str], None] | None = None):
    import cv2

    from core.registration.common import check_pair, field_output, gray_pair
    from core.registration.warp import resize_field

    check_pair(fixed, moving)  # refuse bad pairs before paying for the TensorFlow import
    gray_fixed, gray_moving = gray_pair(fixed, moving, method="The VoxelMorph-style network")
    import keras
    import tensorflow as tf

    size = int(working_size)
    small = [cv2.resize(g, (size, size), interpolation=cv2.INTER_AREA)[None, ..., None]
             for g in (gray_moving, gray_fixed)]
    keras.utils.set_random_seed(int(seed))
    model = build_unet(size=size, seed=int(seed))
    step = _training_step(model, keras.optimizers.Adam(3e-3), float(smoothness))
    moving_t, fixed_t = tf.constant(small[0]), tf.constant(small[1])
    losses = []
    for index in range(int(steps)):
        losses.append(float(step(moving_t, fixed_t)[0]))
        if progress is not None and (index % 10 == 9 or index == steps - 1):
            progress((index + 1) / steps, f"step {index + 1}/{steps}, loss {losses[-1]:.5f}")
    flow = model(tf.concat([moving_t, fixed_t], axis=-1), training=False).numpy()[0]
    return field_output(moving, resize_field(flow, fixed.shape[:2]), metric_curve=np.asarray(losses, np.float32))
