"""Pretrained ImageNet networks and transfer learning (book §7.3–7.4).

- `torch_pickle`: a numpy reader (and writer, for tests) of the legacy torch `.pth` format, no torch needed;
- `efficientnet`: EfficientNet-Lite0 rebuilt in Keras 3 from the installed package's ImageNet weights (offline);
- `labels`: the 1000 ILSVRC 2012 class names shipped in assets/imagenet/;
- `gradcam`: Grad-CAM heatmaps (gradients of a class score w.r.t. the last convolutional feature map);
- `applications`: the book's keras.applications models, their weights downloaded on demand and cached;
- `transfer`: class-folder zips, the bundled example set, frozen features + a new head, fine-tuning;
- `methods`: the registered methods of the classify_imagenet and transfer tasks.

TensorFlow/Keras are imported inside functions only.
"""
