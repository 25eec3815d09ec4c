"""The classifiers of the classify task (book §7.1-7.2), each a registered method: fit on the training images,
return class probabilities for the test images, and report the fitted model as a predictor for new images.

The scikit-learn models see each image as one vector of its pixels (784 numbers at 28×28); the CNN
(`core.classify.cnn`, registered here too) sees the 2-D image. TensorFlow is imported only when it trains.
"""
from __future__ import annotations

import time

import numpy as np

from core.classify.datasets import check_training
from core.registry import CLASSIFY, Output, Param, method


class Predictor:
    """A fitted scikit-learn classifier for images of its training size: `predict_proba(images)` -> (N, K)."""

    def __init__(self, estimator, shape: tuple[int, int], classes: int):
        self.estimator, self.shape, self.classes = estimator, tuple(shape), int(classes)

    def predict_proba(self, images: np.ndarray) -> np.ndarray:
        images = np.asarray(images, np.float32)
        if images.ndim == 2:
            images = images[None]
        if images.shape[1:] != self.shape:
            raise ValueError(f"This model was trained on {self.shape[1]}×{self.shape[0]} images, not "
                             f"{images.shape[2]}×{images.shape[1]}.")
        proba = self.estimator.predict_proba(images.reshape(len(images), -1))
        full = np.zeros((len(images), self.classes), np.float32)
        full[:, np.asarray(self.estimator.classes_, int)] = proba
        total = full.sum(axis=1, keepdims=True)
        return np.where(total > 0, full / np.maximum(total, 1e-12), 1.0 / self.classes).astype(np.float32)

    def predict(self, images: np.ndarray) -> np.ndarray:
        return np.argmax(self.predict_proba(images), axis=1)


def _fitted(estimator, x_train, y_train, x_test, **extras) -> Output:
    """Fit `estimator` on the flattened training images, time it, and score the test images."""
    x_train, y_train, x_test, classes = check_training(x_train, y_train, x_test)
    start = time.perf_counter()
    estimator.fit(x_train.reshape(len(x_train), -1), y_train)
    fit_seconds = time.perf_counter() - start
    predictor = Predictor(estimator, x_train.shape[1:], classes)
    start = time.perf_counter()
    proba = predictor.predict_proba(x_test)
    predict_seconds = time.perf_counter() - start
    return Output(proba, {"predictions": np.argmax(proba, axis=1), "model": predictor, "fit_seconds": fit_seconds,
                          "predict_seconds": predict_seconds, "train_size": int(len(y_train)), **extras})


def _images(rows: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    return np.asarray(rows, np.float32).reshape(len(rows), *shape)


@method(task=CLASSIFY, key="naive_bayes", label="Gaussian naive Bayes", book="7.1.2",
        params=[Param("var_smoothing", "Variance smoothing", 1e-2, min=1e-9, max=1.0, log=True,
                      help="Added to every pixel's variance: this fraction of the LARGEST pixel variance of the "
                           "training set (not a fixed small number). The book uses 1e-2; scikit-learn's default "
                           "is 1e-9. Larger values flatten the Gaussians, which helps on pixels that hardly vary.")],
        summary="One Gaussian per class and pixel (pixels independent given the class), then Bayes' rule.",
        explanation=("For each class it learns the mean and variance of every pixel and the class's share of the "
                     "training set. A new image gets, for each class, the prior times the product of the pixel "
                     "likelihoods, computed as a sum of logs; the largest wins. Pixels are not independent, so "
                     "the probabilities are over-confident, but it trains in one pass. The variance smoothing "
                     "adds ε·max(var) to every variance, so constant border pixels don't divide by zero."),
        latex=r"\hat y=\arg\max_c\ \log P(c)+\sum_j \log\mathcal N\!\big(x_j;\mu_{cj},\sigma^2_{cj}+\epsilon\,"
              r"\max_k\operatorname{Var}(x_k)\big),\quad \mathcal N(x;\mu,\sigma^2)="
              r"\frac{1}{\sqrt{2\pi\sigma^2}}e^{-\frac{(x-\mu)^2}{2\sigma^2}}")
def naive_bayes(x_train, y_train, x_test, *, var_smoothing=1e-2):
    from sklearn.naive_bayes import GaussianNB

    model = GaussianNB(var_smoothing=float(var_smoothing))
    output = _fitted(model, x_train, y_train, x_test)
    shape = np.asarray(x_train).shape[1:]
    output.extras.update(mean_images=_images(model.theta_, shape), variance_images=_images(model.var_, shape),
                         class_index=np.asarray(model.classes_))
    return output


@method(task=CLASSIFY, key="sgd", label="Linear classifier (SGD, modified Huber)", book="7.1.3",
        params=[Param("loss", "Loss", "modified_huber", choices=("modified_huber", "log_loss", "hinge",
                                                                 "squared_hinge", "perceptron"),
                      help="The book's modified Huber: quadratic for margins in [-1, 1], linear below -1, 0 above 1. "
                           "Hinge, squared hinge and perceptron give no probabilities: their scores are "
                           "turned into a softmax."),
                Param("penalty", "Penalty", "l2", choices=("l2", "l1", "elasticnet")),
                Param("alpha", "Regularisation α", 1e-4, min=1e-6, max=1e-1, log=True),
                Param("max_iter", "Maximum epochs", 1000, min=5, max=2000, step=5),
                Param("seed", "Seed", 0, min=0, max=9999, help="The book sets none, so its run can't be repeated.")],
        summary="A linear score per class (one against the rest), learned by stochastic gradient descent.",
        explanation=("Each class gets a weight image w and a bias b; the score w·x + b is pushed above +1 for the "
                     "class's images and below −1 for the others, one randomly ordered sample at a time, with an "
                     "L2 penalty α‖w‖². The modified Huber loss is max(0, 1 − y·f)² for y·f ≥ −1 and −4·y·f "
                     "below, so a badly wrong sample pulls linearly rather than quadratically; it also gives "
                     "probability estimates. Shuffling is seeded here, so a run can be repeated."),
        latex=r"L(y,f)=\begin{cases}\max(0,1-yf)^2 & yf\ge -1\\ -4yf & \text{otherwise}\end{cases},\quad "
              r"f(x)=w_c^\top x+b_c")
def sgd(x_train, y_train, x_test, *, loss="modified_huber", penalty="l2", alpha=1e-4, max_iter=1000, seed=0):
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import SGDClassifier

    model = SGDClassifier(loss=loss, penalty=penalty, alpha=float(alpha), max_iter=int(max_iter), tol=1e-3,
                          random_state=int(seed), n_jobs=-1)
    if loss not in ("modified_huber", "log_loss"):
        model = _Softmaxed(model)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        output = _fitted(model, x_train, y_train, x_test)
    linear = model.model if isinstance(model, _Softmaxed) else model
    output.extras.update(weight_images=_images(linear.coef_, np.asarray(x_train).shape[1:]),
                         class_index=np.asarray(linear.classes_), epochs_run=int(linear.n_iter_))
    return output


class _Softmaxed:
    """A linear classifier without probabilities, its decision scores turned into a softmax."""

    def __init__(self, model):
        self.model = model

    def fit(self, x, y):
        self.model.fit(x, y)
        self.classes_ = self.model.classes_
        return self

    def predict_proba(self, x):
        scores = np.asarray(self.model.decision_function(x), np.float64)
        if scores.ndim == 1:
            scores = np.stack([-scores, scores], axis=1)
        scores = np.exp(scores - scores.max(axis=1, keepdims=True))
        return scores / scores.sum(axis=1, keepdims=True)


@method(task=CLASSIFY, key="random_forest", label="Random forest", book="7.1.4",
        params=[Param("trees", "Trees", 100, min=10, max=300, step=10),
                Param("max_depth", "Maximum depth (0 = unlimited)", 20, min=0, max=40,
                      help="The book's 20."),
                Param("max_features", "Pixels tried per split", "sqrt", choices=("sqrt", "log2", "all")),
                Param("seed", "Seed", 0, min=0, max=9999, help="The book's random_state 0.")],
        summary="100 decision trees on bootstrap samples, each split choosing among √(pixels) random pixels; "
                "they vote.",
        explanation=("Each tree is grown on a bootstrap sample of the training images; at each node it tries a "
                     "random subset of the pixels (√784 = 28 at 28×28) and picks the threshold that best "
                     "separates the classes (Gini impurity). The class probabilities are the trees' average "
                     "votes. The trees are independent, so they are grown on all cores (n_jobs = −1; the book's "
                     "single core took 234 s on Fashion-MNIST)."),
        latex=r"P(c\mid x)=\frac{1}{T}\sum_{t=1}^{T} P_t(c\mid x)")
def random_forest(x_train, y_train, x_test, *, trees=100, max_depth=20, max_features="sqrt", seed=0):
    from sklearn.ensemble import RandomForestClassifier

    model = RandomForestClassifier(n_estimators=int(trees), max_depth=int(max_depth) or None,
                                   max_features=None if max_features == "all" else max_features,
                                   random_state=int(seed), n_jobs=-1)
    output = _fitted(model, x_train, y_train, x_test)
    output.extras["importance"] = np.asarray(model.feature_importances_, np.float32).reshape(
        np.asarray(x_train).shape[1:])
    return output


@method(task=CLASSIFY, key="knn", label="k nearest neighbours", book="6.4.4",
        params=[Param("neighbors", "Neighbours k", 5, min=1, max=25),
                Param("weights", "Votes", "distance", choices=("distance", "uniform"),
                      help="Distance: nearer neighbours count more (1/distance).")],
        summary="A test image takes the classes of the k training images closest to it in pixel space.",
        explanation=("Nothing is learned: the training images are kept, and each test image is compared to all of "
                     "them (Euclidean distance over the pixels). Its k nearest ones vote. Prediction, not training, "
                     "is the slow part, and grows with the training set. (The book uses 2 neighbours on Gabor features of "
                     "faces, §6.4.4; here the features are the pixels.)"),
        latex=r"P(c\mid x)\propto\sum_{j\in N_k(x)} w_j\,[y_j=c],\quad w_j=1/\lVert x-x_j\rVert")
def knn(x_train, y_train, x_test, *, neighbors=5, weights="distance"):
    from sklearn.neighbors import KNeighborsClassifier

    k = max(1, min(int(neighbors), len(np.asarray(y_train))))
    return _fitted(KNeighborsClassifier(n_neighbors=k, weights=weights, n_jobs=-1), x_train, y_train, x_test)


@method(task=CLASSIFY, key="svm", label="SVM (RBF kernel)", book="6.5.1",
        params=[Param("C", "C (margin softness)", 5.0, min=0.01, max=100.0, log=True,
                      help="Larger C fits the training set more closely."),
                Param("gamma", "Kernel width γ", "scale", choices=("scale", "auto"))],
        summary="A kernel support vector machine, one against one, with calibrated probabilities.",
        explanation=("The RBF kernel measures how alike two images are, exp(−γ‖x − x′‖²); the SVM keeps the "
                     "training images on or inside the margin (support vectors) and separates each pair of "
                     "classes by the widest margin in that kernel's space. Probabilities come from Platt scaling "
                     "(a sigmoid of the scores) fitted on 3-fold cross-validation, so training takes four fits. "
                     "Training time "
                     "grows faster than the training set: keep it under about 10,000 images. (The book's SVM is the linear "
                     "one of the HOG people detector, §6.5.1; chapter 7 has none.)"),
        latex=r"f(x)=\sum_i \alpha_i y_i\, e^{-\gamma\lVert x-x_i\rVert^2}+b")
def svm(x_train, y_train, x_test, *, C=5.0, gamma="scale"):
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.svm import SVC

    folds = int(min(3, np.bincount(np.asarray(y_train, int))[np.unique(y_train)].min()))
    if folds < 2:
        raise ValueError("The SVM's probability calibration needs at least two training images of every class.")
    model = CalibratedClassifierCV(SVC(C=float(C), gamma=gamma), method="sigmoid", cv=folds, ensemble=False)
    return _fitted(model, x_train, y_train, x_test)


@method(task=CLASSIFY, key="logistic", label="Logistic regression (softmax)", book="7.1",
        params=[Param("C", "C (inverse regularisation)", 1.0, min=1e-3, max=100.0, log=True),
                Param("max_iter", "Maximum iterations", 200, min=20, max=2000, step=20)],
        summary="A linear score per class turned into probabilities by a softmax, fitted by L-BFGS.",
        explanation=("The same linear scores as the SGD classifier, but trained jointly for all classes on the "
                     "cross-entropy of their softmax, with an L2 penalty ‖w‖²/(2C), by a quasi-Newton solver on "
                     "the whole training set at once. Not one of the book's models: a baseline between its SGD classifier "
                     "and its CNN."),
        latex=r"P(c\mid x)=\frac{e^{w_c^\top x+b_c}}{\sum_k e^{w_k^\top x+b_k}}")
def logistic(x_train, y_train, x_test, *, C=1.0, max_iter=200):
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression

    from threadpoolctl import threadpool_limits

    # L-BFGS's small BLAS calls run 20 times slower with threads contending on a busy 2-core machine
    with warnings.catch_warnings(), threadpool_limits(1, user_api="blas"):
        warnings.simplefilter("ignore", ConvergenceWarning)
        return _fitted(LogisticRegression(C=float(C), max_iter=int(max_iter)), x_train, y_train, x_test)


from core.classify import cnn  # noqa: E402,F401  (registers the CNN: Keras loads only when it trains)
