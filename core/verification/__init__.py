"""Face verification (book §8.4): is this the same person? Faces are found (dlib HOG or MTCNN), aligned on 5
landmarks, described (dlib's 128-D ResNet embedding, or LBP histograms / pixels as classical baselines) and
compared by a distance against a threshold. dlib, TensorFlow and the models are loaded only when first used."""
from core.verification import methods  # noqa: F401  (registers the verify_faces methods)
