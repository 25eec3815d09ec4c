"""Background effects behind a foreground mask (book §4.6, with a classical mask instead of DeepLabV3):
blur, replace or desaturate the background. One mask serves every effect (the book used two different
foreground definitions), and its edge is feathered so the cut-out has no jagged halo."""
from __future__ import annotations

import numpy as np

from core.image import to_gray, to_rgb
from core.registry import BACKGROUND, Param, method

BACKDROPS = ("coffee", "chelsea", "brick", "gradient", "checkerboard")
_FEATHER = Param("feather", "Edge feathering (px)", 3.0, min=0.0, max=25.0, step=0.5,
                 help="Softens the mask's edge (a Gaussian of this σ) so the composite has no hard halo.")


def check_mask(image: np.ndarray, mask: np.ndarray) -> np.ndarray:
    mask = np.asarray(mask)
    if mask.shape != image.shape[:2]:
        raise ValueError(f"The foreground mask ({mask.shape[1]}×{mask.shape[0]}) does not match the image "
                         f"({image.shape[1]}×{image.shape[0]}).")
    mask = mask.astype(bool)
    if not mask.any():
        raise ValueError("The foreground mask is empty: draw a rectangle for GrabCut or paint the object.")
    if mask.all():
        raise ValueError("The foreground mask covers the whole image: there is no background to change.")
    return mask


def alpha_matte(mask: np.ndarray, feather: float) -> np.ndarray:
    """The mask as an alpha in [0, 1] (H, W, 1), its edge blurred by `feather` pixels."""
    import cv2

    alpha = mask.astype(np.float32)
    if feather > 0:
        alpha = cv2.GaussianBlur(alpha, (0, 0), float(feather))
    return np.clip(alpha, 0, 1)[..., None]


def _composite(foreground: np.ndarray, background: np.ndarray, mask: np.ndarray, feather: float) -> np.ndarray:
    alpha = alpha_matte(mask, feather)
    return np.clip(alpha * foreground + (1 - alpha) * background, 0, 1).astype(np.float32)


def backdrop(name: str, shape: tuple[int, int]) -> np.ndarray:
    """A replacement background of the given (H, W): a bundled photo cropped to fill, or a synthetic one."""
    import cv2

    height, width = shape
    if name == "gradient":
        yy, xx = np.mgrid[0:height, 0:width]
        t = (0.6 * yy / max(height - 1, 1) + 0.4 * xx / max(width - 1, 1))[..., None]
        return ((1 - t) * np.array([0.55, 0.8, 1.0]) + t * np.array([0.95, 0.75, 0.55])).astype(np.float32)
    if name == "checkerboard":
        cell = max(4, min(height, width) // 12)
        board = ((np.arange(height)[:, None] // cell + np.arange(width)[None, :] // cell) % 2).astype(np.float32)
        return to_rgb(0.35 + 0.4 * board)
    if name not in BACKDROPS:
        raise ValueError(f"Unknown backdrop {name!r}; choose one of {', '.join(BACKDROPS)}.")
    from core.gallery import load_sample

    photo = to_rgb(load_sample(name))
    scale = max(height / photo.shape[0], width / photo.shape[1])  # cover, then centre-crop
    size = (max(width, round(photo.shape[1] * scale)), max(height, round(photo.shape[0] * scale)))
    photo = cv2.resize(photo, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
    top, left = (photo.shape[0] - height) // 2, (photo.shape[1] - width) // 2
    return np.ascontiguousarray(photo[top:top + height, left:left + width])


@method(task=BACKGROUND, key="blur", label="Blur the background", book="4.6",
        summary="A strong Gaussian blur behind the object, like a video call's portrait mode.",
        explanation="The image is blurred with a large Gaussian kernel and composited behind the foreground "
                    "through a feathered alpha matte. The book blurs with a 51×51 kernel (its text says 15×15).",
        latex=r"O=\alpha\,I+(1-\alpha)\,(G_\sigma*I),\qquad \alpha=G_f*M",
        params=[Param("kernel", "Blur kernel size (px, odd)", 51, min=3, max=101, step=2,
                      help="Side of the Gaussian kernel (book: 51)."), _FEATHER])
def blur(image, mask, *, kernel=51, feather=3.0):
    import cv2

    mask = check_mask(image, mask)
    size = int(kernel) | 1
    blurred = cv2.GaussianBlur(image, (size, size), 0)
    return _composite(image, blurred, mask, feather) if image.ndim == 3 else \
        _composite(image[..., None], blurred[..., None], mask, feather)[..., 0]


@method(task=BACKGROUND, key="replace", label="Replace the background", book="4.6",
        summary="Paste the object onto another picture.",
        explanation="The foreground is composited over a new backdrop (a bundled photo cropped to fill the frame, "
                    "or a synthetic gradient) with the same feathered matte.",
        latex=r"O=\alpha\,I+(1-\alpha)\,B",
        params=[Param("backdrop", "New background", "coffee", choices=BACKDROPS), _FEATHER])
def replace(image, mask, *, backdrop="coffee", feather=3.0):
    mask = check_mask(image, mask)
    new = globals()["backdrop"](backdrop, image.shape[:2])
    if image.ndim == 2:
        return _composite(image[..., None], to_gray(new)[..., None], mask, feather)[..., 0]
    return _composite(image, new, mask, feather)


@method(task=BACKGROUND, key="desaturate", label="Desaturate the background", book="4.6 (a variation)",
        summary="Keep the object in colour and turn the rest gray (colour splash).",
        explanation="The background is mixed towards its luminance by *amount* and optionally darkened, so the "
                    "object stands out.",
        latex=r"O=\alpha\,I+(1-\alpha)\,d\,\big((1-a)\,I+a\,Y\big)",
        params=[Param("amount", "Desaturation", 1.0, min=0.0, max=1.0, step=0.05),
                Param("darken", "Background brightness", 0.8, min=0.2, max=1.0, step=0.05), _FEATHER])
def desaturate(image, mask, *, amount=1.0, darken=0.8, feather=3.0):
    mask = check_mask(image, mask)
    if image.ndim == 2:  # no colour to remove: only darken
        return _composite(image[..., None], (darken * image)[..., None], mask, feather)[..., 0]
    gray = to_gray(image)[..., None]
    muted = darken * ((1 - amount) * image + amount * gray)
    return _composite(image, muted, mask, feather)


# The chapter's deep models, which this app cannot run (shown on the page with the reason).
UNAVAILABLE_MODELS = [
    dict(model="DeepLabV3+ (Xception, Cityscapes)", book="4.4.1",
         reason="Pretrained TensorFlow weights are a download (hundreds of MB) that cannot ship with the app, "
                "and the book's loading code targets TF 2.13."),
    dict(model="ENet (Cityscapes)", book="4.4.2",
         reason="Needs the authors' pretrained Torch7 model file, a download that cannot ship with the app "
                "(OpenCV 5 also dropped the Torch importer the book uses)."),
    dict(model="Detectron2 (Mask R-CNN, panoptic FPN)", book="4.5",
         reason="Needs PyTorch and Detectron2 (neither is installed; Detectron2 builds from source) and "
                "model-zoo weights downloaded at run time."),
    dict(model="DeepLabV3-ResNet101 via torch.hub (person mask)", book="4.6",
         reason="PyTorch is not installed and torch.hub downloads the weights (~230 MB) on first use."),
]
