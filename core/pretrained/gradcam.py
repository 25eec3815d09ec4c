"""Grad-CAM (Selvaraju et al. 2017): where in the image a network found the evidence for a class.

The class's score (its logit, before the softmax) is differentiated with respect to the last convolutional
feature map A (7×7×1280 for EfficientNet-Lite0 at 224 px). Each channel k gets the weight α_k = mean over positions
of ∂score/∂A_k; the map is ReLU(Σ_k α_k A_k), upsampled to the image. At this layer the derivative is known in
closed form (the score is w_c · mean(A) + b_c: ∂score/∂A_k = w_ck / (h·w) everywhere), so the map is computed in
numpy (`core.pretrained.lite0_numpy`) without TensorFlow; a test checks it against `tf.GradientTape` on the Keras
rebuild. The whole image is squeezed to 224×224 (no crop), so the map covers all of it.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class GradCam:
    heatmap: np.ndarray  # (H, W) float32 in [0, 1], the input image's size
    coarse: np.ndarray  # the map at the feature map's resolution (7×7), normalised
    class_index: int
    probability: float  # the network's probability of that class (whole image squeezed)


def network_pass(image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(last convolutional map, logits) of EfficientNet-Lite0 on the whole image squeezed to 224×224."""
    from core.pretrained import lite0_numpy
    from core.pretrained.efficientnet import prepare

    return lite0_numpy.forward(prepare(image, crop=False)[None])


def grad_cam(image: np.ndarray, class_index: int | None = None, *,
             network: tuple[np.ndarray, np.ndarray] | None = None) -> GradCam:
    """The Grad-CAM map of `class_index` (None: the top class) for EfficientNet-Lite0 on `image`; `network`:
    `network_pass(image)` when the caller has it already (one pass serves every class)."""
    import cv2

    from core.pretrained import lite0_numpy

    features, logits = network_pass(image) if network is None else network
    index = int(np.argmax(logits[0])) if class_index is None else int(class_index)
    if not 0 <= index < logits.shape[-1]:
        raise ValueError(f"There is no class {index}: the network has {logits.shape[-1]} classes.")
    cam = lite0_numpy.class_activation(features[0], index)
    h, w = np.asarray(image).shape[:2]
    heatmap = np.clip(cv2.resize(cam, (w, h), interpolation=cv2.INTER_CUBIC), 0.0, 1.0).astype(np.float32)
    probability = float(lite0_numpy.softmax(logits)[0, index])
    return GradCam(heatmap, cam, index, probability)


def overlay(image: np.ndarray, heatmap: np.ndarray, *, alpha: float = 0.6) -> np.ndarray:
    """The heatmap in a 'jet'-like colour map blended over the image (float32 RGB in [0, 1])."""
    import cv2

    from core.image import to_float, to_rgb

    rgb = to_rgb(to_float(np.asarray(image)))
    colours = cv2.applyColorMap(np.uint8(np.clip(heatmap, 0, 1) * 255), cv2.COLORMAP_JET)[..., ::-1] / 255.0
    weight = alpha * (0.3 + 0.7 * np.clip(heatmap, 0, 1))[..., None]  # cold areas keep more of the photo
    return np.clip((1 - weight) * rgb + weight * colours, 0.0, 1.0).astype(np.float32)
