"""EfficientNet-Lite0 inference in numpy, without TensorFlow: the network of `core.pretrained.efficientnet` with
the same weights, each batch normalisation folded into the convolution before it.

TensorFlow costs a process about 665 MB once imported; ImageNet classification and Grad-CAM at the network's
last convolutional layer need neither it nor gradients. 1×1 convolutions are matrix products, depthwise ones a
sum of k² shifted slices, padding is TensorFlow's "same" (the extra row and column at the bottom and right), as
in the Keras rebuild; the probabilities agree with it to about 1e-6.

Grad-CAM at the last convolutional map A (7×7×1280 at 224 px) needs no backpropagation: the logit of class c is
w_c · mean(A) + b_c, so its gradient with respect to A is w_c / (h·w) at every position, and the Grad-CAM map is
max(0, A · w_c), up to the scale that the normalisation removes.

    probabilities = classify(image)
    features, logits = forward(prepare(image, crop=False)[None])
"""
from __future__ import annotations

import math
import threading

import numpy as np

from core.pretrained.efficientnet import BN_EPSILON, MEAN, SCALE, block_plan, check_state, prepare

_LOCK = threading.Lock()
_FOLDED: dict | None = None


def _fold(state: dict, conv: str, bn: str, depthwise: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """(weights, bias) of a convolution followed by batch normalisation. Weights: (k, k, in, out) for a plain
    convolution, (k, k, channels) for a depthwise one."""
    weight = np.asarray(state[conv], np.float64)
    scale = np.asarray(state[bn + ".weight"], np.float64) / np.sqrt(np.asarray(state[bn + ".running_var"],
                                                                               np.float64) + BN_EPSILON)
    bias = np.asarray(state[bn + ".bias"], np.float64) - np.asarray(state[bn + ".running_mean"], np.float64) * scale
    weight = weight * scale[:, None, None, None]
    weight = weight[:, 0].transpose(1, 2, 0) if depthwise else weight.transpose(2, 3, 1, 0)
    return weight.astype(np.float32), bias.astype(np.float32)


def folded(state: dict | None = None) -> dict:
    """The folded weights (about 19 MB), made once per process from the installed package's file (or `state`)."""
    global _FOLDED
    if state is None and _FOLDED is not None:
        return _FOLDED
    from core.pretrained import efficientnet

    source = efficientnet._state() if state is None else state  # noqa: SLF001 (the one reader of the file)
    check_state(source)
    weights = {"stem": _fold(source, "_conv_stem.weight", "_bn0"), "blocks": [],
               "head": _fold(source, "_conv_head.weight", "_bn1"),
               "fc": (np.asarray(source["_fc.weight"], np.float32).T.copy(), np.asarray(source["_fc.bias"],
                                                                                        np.float32))}
    for b in block_plan():
        key = f"_blocks.{b['index']}."
        weights["blocks"].append(dict(
            b, expand=_fold(source, key + "_expand_conv.weight", key + "_bn0") if b["expansion"] != 1 else None,
            depthwise=_fold(source, key + "_depthwise_conv.weight", key + "_bn1", depthwise=True),
            project=_fold(source, key + "_project_conv.weight", key + "_bn2")))
    if state is None:
        with _LOCK:
            _FOLDED = weights
    return weights


def _pad_same(x: np.ndarray, kernel: int, stride: int) -> np.ndarray:
    """TensorFlow's "same" zero padding of (N, H, W, C) for a k×k window at `stride`."""
    pads = []
    for n in x.shape[1:3]:
        total = max((math.ceil(n / stride) - 1) * stride + kernel - n, 0)
        pads.append((total // 2, total - total // 2))
    return np.pad(x, ((0, 0), pads[0], pads[1], (0, 0)))


def _window(x: np.ndarray, kernel: int, stride: int):
    """(row offset, column offset, view) for the k² shifted, strided views of the padded input."""
    padded = _pad_same(x, kernel, stride)
    h, w = math.ceil(x.shape[1] / stride), math.ceil(x.shape[2] / stride)
    for a in range(kernel):
        for b in range(kernel):
            yield a, b, padded[:, a:a + stride * (h - 1) + 1:stride, b:b + stride * (w - 1) + 1:stride]


def _pointwise(x: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
    n, h, w, c = x.shape
    return (x.reshape(-1, c) @ weight[0, 0] + bias).reshape(n, h, w, -1)


def _conv(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, stride: int) -> np.ndarray:
    kernel = weight.shape[0]
    out = None
    for a, b, view in _window(x, kernel, stride):
        term = np.tensordot(view, weight[a, b], axes=([3], [0]))
        out = term if out is None else out + term
    return out + bias


def _depthwise(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, stride: int) -> np.ndarray:
    out = None
    for a, b, view in _window(x, weight.shape[0], stride):
        term = view * weight[a, b]
        out = term if out is None else out + term
    return out + bias


def _relu6(x: np.ndarray) -> np.ndarray:
    return np.clip(x, 0.0, 6.0, out=x)


def forward(batch: np.ndarray, weights: dict | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(last convolutional map (N, h, w, 1280), logits (N, 1000)) for prepared images (N, H, W, 3): RGB float32 in
    [0, 255], any size of at least 32 px."""
    weights = folded() if weights is None else weights
    x = np.asarray(batch, np.float32)
    if x.ndim != 4 or x.shape[3] != 3 or min(x.shape[1:3]) < 32:
        raise ValueError(f"EfficientNet-Lite0 needs a batch of RGB images of at least 32×32 pixels, not shape "
                         f"{x.shape}.")
    x = (x - MEAN) / SCALE
    x = _relu6(_conv(x, *weights["stem"], stride=2))
    for b in weights["blocks"]:
        skip = x
        if b["expand"] is not None:
            x = _relu6(_pointwise(x, *b["expand"]))
        x = _relu6(_depthwise(x, *b["depthwise"], stride=b["stride"]))
        x = _pointwise(x, *b["project"])
        if b["stride"] == 1 and b["inputs"] == b["outputs"]:
            x = x + skip
    features = _relu6(_pointwise(x, *weights["head"]))
    logits = features.mean(axis=(1, 2)) @ weights["fc"][0] + weights["fc"][1]
    return features, logits


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return (shifted / shifted.sum(axis=-1, keepdims=True)).astype(np.float32)


def classify(image: np.ndarray, *, crop: bool = True) -> np.ndarray:
    """The 1000 ImageNet probabilities of one image (224 px, centre-cropped or, crop=False, squeezed)."""
    return softmax(forward(prepare(image, crop=crop)[None])[1])[0]


def class_activation(features: np.ndarray, class_index: int) -> np.ndarray:
    """Grad-CAM at the last convolutional map of one image (h, w, 1280): max(0, A · w_c), scaled to peak 1."""
    cam = np.maximum(np.tensordot(features, folded()["fc"][0][:, class_index], axes=([2], [0])), 0.0)
    peak = float(cam.max())
    return (cam / peak if peak > 0 else cam).astype(np.float32)
