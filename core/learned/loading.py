"""Load a restoration model of your own (.keras, safe mode), check what it accepts, and apply a model
(ours or yours) to an image. Keras is imported inside the functions."""
from __future__ import annotations

import io
import os
import tempfile
import zipfile
from dataclasses import dataclass

import numpy as np

from core.image import to_float, to_gray, to_rgb

MAX_BYTES = 200 * 2 ** 20
MAX_UNPACKED_BYTES = 2 * MAX_BYTES  # what the archive's members may unpack to, together


@dataclass(frozen=True)
class ModelSpec:
    """What a restoration model accepts: channels (1 or 3) and a fixed tile size, or None for any size."""

    channels: int
    height: int | None
    width: int | None
    parameters: int
    name: str

    @property
    def description(self) -> str:
        size = "any size" if self.height is None or self.width is None else f"{self.height}×{self.width} tiles"
        kind = "gray" if self.channels == 1 else "RGB"
        return f"“{self.name}”: {kind} input, {size}, {self.parameters:,} parameters"


def _shape(tensor) -> tuple:
    return tuple(getattr(tensor, "shape", ()))


def check_restoration_model(model) -> ModelSpec:
    """An image-to-image model: one input and one output, both (batch, height, width, channels), with the
    same 1 or 3 channels. Raises ValueError with the reason otherwise."""
    inputs, outputs = list(getattr(model, "inputs", None) or []), list(getattr(model, "outputs", None) or [])
    if len(inputs) != 1 or len(outputs) != 1:
        raise ValueError(f"The model has {len(inputs)} inputs and {len(outputs)} outputs; a restoration model "
                         "needs exactly one image in and one image out.")
    shape_in, shape_out = _shape(inputs[0]), _shape(outputs[0])
    if len(shape_in) != 4:
        raise ValueError(f"The model's input has shape {shape_in}: it expects images as (batch, height, width, "
                         "channels), i.e. 4 dimensions, not " f"{len(shape_in)}.")
    if len(shape_out) != 4:
        raise ValueError(f"The model's output has shape {shape_out}: a restoration model must return images "
                         "(batch, height, width, channels).")
    channels = shape_in[-1]
    if channels not in (1, 3):
        raise ValueError(f"The model expects {channels} channels per pixel; only 1 (gray) or 3 (RGB) can be fed "
                         "from an image here (channels-last layout).")
    if shape_out[-1] != channels:
        raise ValueError(f"The model takes {channels} channels but returns {shape_out[-1]}: it must return an "
                         "image with the channels it was given.")
    height, width = shape_in[1], shape_in[2]
    for size in (height, width):
        if size is not None and size < 8:
            raise ValueError(f"The model's input is {height}×{width} pixels: too small to restore an image.")
    if (height is None) != (width is None):
        raise ValueError("The model fixes only one of height and width; it needs both fixed or both free.")
    if (shape_out[1], shape_out[2]) != (height, width) and height is not None:
        raise ValueError(f"The model turns {height}×{width} inputs into {shape_out[1]}×{shape_out[2]} outputs; a "
                         "restoration model must keep the size.")
    return ModelSpec(int(channels), height, width, int(model.count_params()), str(getattr(model, "name", "model")))


def load_keras_model(data: bytes, filename: str = "model.keras"):
    """Load a Keras 3 `.keras` file with safe_mode=True (no arbitrary code) and check it.
    Returns (model, ModelSpec); raises ValueError with a clear sentence for every bad file."""
    if not filename.lower().endswith(".keras"):
        raise ValueError(f"“{filename}” is not a .keras file. Save your model with model.save('name.keras') "
                         "(Keras 3 format); .h5 files and SavedModel folders are not accepted.")
    if len(data) > MAX_BYTES:
        raise ValueError(f"The file is {len(data) / 2 ** 20:.0f} MB; models up to {MAX_BYTES // 2 ** 20} MB "
                         "are accepted here.")
    if not data.startswith(b"PK"):
        raise ValueError(f"“{filename}” is not a Keras model: a .keras file is a zip archive, and this one "
                         "is not.")
    _check_archive(data, filename)
    import keras

    fd, path = tempfile.mkstemp(suffix=".keras")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        try:
            model = keras.saving.load_model(path, compile=False, safe_mode=True)
        except Exception as exc:  # Keras raises many types for bad archives
            text = str(exc).splitlines()[0][:300] if str(exc) else type(exc).__name__
            if "safe_mode" in str(exc) or "unsafe" in str(exc).lower() or "lambda" in str(exc).lower():
                raise ValueError("The model contains code (e.g. a Lambda layer) that safe mode refuses to run. "
                                 "Rebuild it without Lambda layers.") from None
            raise ValueError(f"Keras could not read “{filename}”: {text}") from None
    finally:
        os.unlink(path)
    if not hasattr(model, "predict"):
        raise ValueError(f"“{filename}” does not hold a model that can make predictions.")
    return model, check_restoration_model(model)


def _check_archive(data: bytes, filename: str) -> None:
    """A .keras zip that opens, holds a config.json and does not unpack to more than MAX_UNPACKED_BYTES."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, NotImplementedError):
        raise ValueError(f"“{filename}” is damaged: it starts like a .keras (zip) archive but cannot be opened as "
                         "one. Save the model again with model.save('name.keras').") from None
    if "config.json" not in {member.filename for member in members}:
        raise ValueError(f"“{filename}” is not a Keras 3 model: its archive holds no config.json. Save the model "
                         "with model.save('name.keras').")
    total = sum(member.file_size for member in members)
    if total > MAX_UNPACKED_BYTES:
        raise ValueError(f"“{filename}” would unpack to {total / 2 ** 20:,.0f} MB; models up to "
                         f"{MAX_UNPACKED_BYTES // 2 ** 20} MB unpacked are accepted here.")


def _tiles(image: np.ndarray, height: int, width: int) -> tuple[np.ndarray, tuple]:
    """Reflect-pad (H, W, C) to whole tiles and cut it into (N, height, width, C)."""
    rows, cols = -(-image.shape[0] // height), -(-image.shape[1] // width)
    pad = ((0, rows * height - image.shape[0]), (0, cols * width - image.shape[1]), (0, 0))
    mode = "reflect" if all(p[1] < s for p, s in zip(pad[:2], image.shape[:2])) else "edge"
    padded = np.pad(image, pad, mode=mode)
    tiles = padded.reshape(rows, height, cols, width, -1).transpose(0, 2, 1, 3, 4).reshape(-1, height, width,
                                                                                           image.shape[2])
    return tiles, (rows, cols)


def denoise_with_model(model, image: np.ndarray, spec: ModelSpec | None = None, *, batch: int = 8) -> np.ndarray:
    """Apply an image-to-image model to a gray or RGB image in [0, 1] and return the same layout.

    A gray model on a colour image runs channel by channel; an RGB model on a gray image gets the gray
    value in all three channels (and its output is turned back to gray). Fixed-size models run on
    reflect-padded tiles.
    """
    spec = spec or check_restoration_model(model)
    image = to_float(image)
    gray = image.ndim == 2
    if spec.channels == 1:
        stack = image[None, ..., None] if gray else np.moveaxis(image, 2, 0)[..., None]  # (C, H, W, 1)
    else:
        stack = to_rgb(image)[None]
    if spec.height is None:
        out = np.concatenate([np.asarray(model.predict_on_batch(stack[i:i + 1])) for i in range(len(stack))])
    else:
        pieces = []
        for item in stack:
            tiles, (rows, cols) = _tiles(item, spec.height, spec.width)
            pred = np.concatenate([np.asarray(model.predict_on_batch(tiles[i:i + batch]))
                                   for i in range(0, len(tiles), batch)])
            whole = pred.reshape(rows, cols, spec.height, spec.width, -1).transpose(0, 2, 1, 3, 4)
            pieces.append(whole.reshape(rows * spec.height, cols * spec.width, -1)[:item.shape[0], :item.shape[1]])
        out = np.stack(pieces)
    if out.shape[1:3] != image.shape[:2]:
        raise ValueError(f"The model returned {out.shape[1]}×{out.shape[2]} pixels for a "
                         f"{image.shape[0]}×{image.shape[1]} input.")
    if not np.all(np.isfinite(out)):
        raise ValueError("The model produced NaN or infinite values.")
    if spec.channels == 1:
        result = out[0, ..., 0] if gray else np.moveaxis(out[..., 0], 0, 2)
    else:
        result = to_gray(np.clip(out[0], 0, 1)) if gray else out[0]
    return np.clip(result, 0.0, 1.0).astype(np.float32)
